#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/monitor-cli.sh — cshell-monitor's front end without a
# sandbox (docs/monitor.md): usage errors exit 2 with a message, a path
# that is no v2 cgroup and a user without the rights each get one sentence
# saying what is needed, and --stats prints the figures of a cgroup as
# JSON (on hybrid and pure v2 hosts alike).

repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CSHELL_BIN:-$repo/build/bin}
case $bin in /*) ;; *) bin=$repo/$bin ;; esac
mon=$bin/cshell-monitor

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

if ! [ -x "$mon" ]; then
	fail monitor-cli "$mon is not built"
	exit 0
fi
v2=/sys/fs/cgroup
[ -d /sys/fs/cgroup/unified ] && v2=/sys/fs/cgroup/unified
cg=
trap '[ -n "$cg" ] && rmdir "$cg" 2>/dev/null' EXIT

out=$("$mon" 2>&1)
rc=$?
if [ $rc = 2 ] && [[ $out == usage:* ]]; then
	pass monitor-cli-usage
else
	fail monitor-cli-usage "exit $rc: $out"
fi
out=$("$mon" --events exec,bogus "$v2" 2>&1)
rc=$?
if [ $rc = 2 ] && [[ $out == *"unknown event 'bogus'"* ]]; then
	pass monitor-cli-bad-event
else
	fail monitor-cli-bad-event "exit $rc: $out"
fi
out=$("$mon" --duration soon "$v2" 2>&1)
rc=$?
if [ $rc = 2 ] && [[ $out == *"invalid duration 'soon'"* ]]; then
	pass monitor-cli-bad-duration
else
	fail monitor-cli-bad-duration "exit $rc: $out"
fi

if [ "$(id -u)" != 0 ]; then
	skip monitor-cli-root "needs root"
	exit 0
fi
out=$("$mon" --duration 0.1 /proc 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"'/proc' is not a cgroup v2 directory"* ]]; then
	pass monitor-cli-not-cgroup
elif [[ $out == *"monitoring needs"* ]]; then
	skip monitor-cli-not-cgroup "$out"
else
	fail monitor-cli-not-cgroup "exit $rc: $out"
fi
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$mon" --duration 0.1 "$v2" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$out" = "cshell-monitor: monitoring needs root or the capabilities CAP_BPF and CAP_PERFMON" ]; then
		pass monitor-cli-no-rights
	else
		fail monitor-cli-no-rights "exit $rc: $out"
	fi
else
	skip monitor-cli-no-rights "setpriv is not installed"
fi

# libbpf is loaded when a monitor opens: one that cannot be loaded (here
# an empty file in its place) is one sentence and exit 1, not the dynamic
# loader's refusal to start the program nor a crash
lib=$(ldconfig -p | awk '$1 == "libbpf.so.1" && /x86-64/ { print $NF; exit }')
lib=${lib:+$(readlink -f "$lib")}
if [ -z "$lib" ] || ! command -v unshare >/dev/null || [ "$(id -u)" != 0 ]; then
	skip monitor-cli-no-libbpf "needs root, unshare and a libbpf.so.1 to hide"
else
	out=$(unshare -m sh -c 'mount --bind /dev/null "$1" && exec "$2" --duration 0.1 "$3"' \
		sh "$lib" "$mon" "$v2" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
		[[ $out == "cshell-monitor: monitoring needs libbpf: "* ]]; then
		pass monitor-cli-no-libbpf
	else
		fail monitor-cli-no-libbpf "exit $rc: $out"
	fi
fi

cg=$v2/cshell-monitor-cli.$$
if ! mkdir "$cg" 2>/dev/null; then
	skip monitor-cli-stats "cannot make a v2 cgroup under $v2"
	cg=
	exit 0
fi
bash -c "echo \$\$ >$cg/cgroup.procs; i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done"
out=$("$mon" --stats --json "$cg" 2>&1)
if command -v jq >/dev/null &&
	jq -e '.type=="stats" and .sandbox==null and (.stats.cpu_usage_usec>0) and
		([.stats[]]|all(type=="number" or .==null))' <<<"$out" >/dev/null; then
	pass monitor-cli-stats
else
	fail monitor-cli-stats "$out"
fi
exit 0
