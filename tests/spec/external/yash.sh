#!/bin/bash
# Run the yash POSIX test suite (tests/*-p.tst of magicant/yash, with its own
# runner run-test.sh) against several shells side by side.
#
#   tests/spec/external/yash.sh YASH_TESTS_DIR [OUTDIR]
#
# YASH_TESTS_DIR is an extracted yash tests/ directory.  Each shell gets its
# own copy of it under OUTDIR (default: a new temp dir), so the .trs result
# files of the shells do not collide; OUTDIR/LABEL/NAME.trs are kept for
# reading.  Files marked %REQUIRETTY% run under a pseudo-terminal made by a
# few lines of python3 (the suite's own ptwrap and checkfg helpers, in C,
# are not built; python3 stands in for both), so the
# interactive and job-control variants run too.  Dispositions of signals are
# reset to their defaults first (the suite's resetsig, done with
# `env --default-signal`).  The runner script itself is run by `bash --posix` (it needs LINENO,
# which Debian's dash lacks).
#
# Environment: SHELLS="label=command ..." (default: cshell=build/bin/cshell
# dash=dash bash=bash), YASH_FILE_TIMEOUT (seconds per file and shell,
# default 300), YASH_JOBS (files run at once, default 3), YASH_FILES (a
# grep -E filter on file names).
#
# Prints per file the passed/failed counts of every shell ("-" for a file a
# shell did not complete: the runner timed out or failed), the hung files, and
# the totals over the files every shell completed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
src=${1:?usage: yash.sh YASH_TESTS_DIR [OUTDIR]}
src=$(cd "$src" && pwd)
out=${2:-$(mktemp -d /tmp/yash-suite.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
shells=${SHELLS:-"cshell=$repo/build/bin/cshell dash=dash bash=bash"}
timeout_s=${YASH_FILE_TIMEOUT:-300}
jobs=${YASH_JOBS:-3}

ptywrap='import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
while True:
    try:
        if not os.read(fd, 65536):
            break
    except OSError:
        break
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st) & 255)'

# Runs a command as a child subreaper: what the command leaves running
# (a test's `sh -m` job in a process group of its own, blocked on a FIFO,
# once the runner timed out) is reparented here and killed at the end.
reaper='import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, st = os.waitpid(pid, 0)
while True:
    kids = set()
    for t in os.listdir("/proc/self/task"):
        with open("/proc/self/task/%s/children" % t) as f:
            kids.update(int(k) for k in f.read().split())
    if not kids:
        break
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for k in kids:
        try:
            os.waitpid(k, 0)
        except ChildProcessError:
            pass
sys.exit(os.waitstatus_to_exitcode(st) & 255)'

checkfg='import os, sys
try:
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    sys.exit(0 if os.tcgetpgrp(fd) == os.getpgrp() else 1)
except OSError:
    sys.exit(1)'

labels=
for s in $shells; do
	label=${s%%=*} cmd=${s#*=}
	labels="$labels $label"
	rm -rf "${out:?}/$label"
	mkdir -p "$out/$label"
	cp -R "$src/." "$out/$label/"
	cmd=$(command -v -- "$cmd") || { echo "yash.sh: $label: no shell $s" >&2; exit 2; }
	printf '%s\n' "$cmd" >"$out/$label/.testee"
	# The tests call ../checkfg: success when in the terminal's foreground.
	printf '#!/usr/bin/python3\n%s\n' "$checkfg" >"$out/$label/checkfg"
	chmod +x "$out/$label/checkfg"
done

files=$(cd "$src" && ls -- *-p.tst | grep -E -- "${YASH_FILES:-.}")

# Runs one file for one shell; records the runner's status in NAME.rc.
run_one() {
	label=$1 file=$2 dir=$out/$1
	testee=$(cat "$dir/.testee")
	set -- env --default-signal bash --posix ./run-test.sh "$testee" "$file"
	if grep -q %REQUIRETTY% "$dir/$file"; then
		set -- python3 -c "$ptywrap" "$@"
	fi
	set -- python3 -c "$reaper" timeout -k 5 "$timeout_s" "$@"
	(cd "$dir" && "$@" </dev/null >/dev/null 2>"${file%.tst}.err")
	echo $? >"$dir/${file%.tst}.rc"
}
export -f run_one
export out timeout_s ptywrap reaper

for f in $files; do
	for l in $labels; do printf '%s %s\n' "$l" "$f"; done
done | xargs -P "$jobs" -L 1 bash -c 'run_one "$0" "$1"'

printf '%-16s' file
for l in $labels; do printf ' %14s' "$l"; done
echo
declare -A tp tf
hung=
for f in $files; do
	n=${f%.tst}
	all=1
	row=$(printf '%-16s' "$n")
	for l in $labels; do
		rc=$(cat "$out/$l/$n.rc" 2>/dev/null || echo 1)
		trs=$out/$l/$n.trs
		p=$(grep -c '^%%% PASSED:' "$trs" 2>/dev/null) || p=0
		x=$(grep -c '^%%% FAILED:' "$trs" 2>/dev/null) || x=0
		if [ "$rc" = 0 ]; then
			row="$row $(printf '%14s' "$p/$((p + x))")"
		else
			row="$row $(printf '%14s' "- ($p/$((p + x)))")"
			all=0
			[ "$rc" = 124 ] || [ "$rc" = 137 ] && hung="$hung $l:$n"
		fi
	done
	echo "$row"
	if [ $all = 1 ]; then
		for l in $labels; do
			p=$(grep -c '^%%% PASSED:' "$out/$l/$n.trs") || p=0
			x=$(grep -c '^%%% FAILED:' "$out/$l/$n.trs") || x=0
			tp[$l]=$((${tp[$l]:-0} + p)) tf[$l]=$((${tf[$l]:-0} + x))
		done
	fi
done
printf '%-16s' TOTAL
for l in $labels; do printf ' %14s' "${tp[$l]:-0}/$((${tp[$l]:-0} + ${tf[$l]:-0}))"; done
echo "  (passed/run, over the files every shell completed)"
echo "hung (timed out):${hung:- none}"
echo "results: $out"
