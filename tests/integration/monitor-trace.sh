#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/monitor-trace.sh — `sandbox create --trace FILE`
# records the sandbox's events for its life, and `sandbox inspect --files`
# lists what it read from outside its image layers: a file of an explicit
# --mount, a file of the host (the host root is its layer); not what it
# only wrote.  The recorder ends when the sandbox goes.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip monitor-trace "$SBX_SKIP"
	exit 0
fi
csh=$sbx_bin/cshell
mkdir -p "$work/proj"
echo data >"$work/proj/input.txt"
if ! out=$(sbx create mtr --mount "$work/proj:/src" --trace "$work/trace.jsonl" 2>&1); then
	if [[ $out == *"could not be recorded"* ]] &&
		grep -q "monitoring needs" "$work/trace.jsonl" 2>/dev/null; then
		skip monitor-trace "$(head -1 "$work/trace.jsonl")"
	else
		fail monitor-trace-create "$out"
	fi
	exit 0
fi
"$csh" -c '@mtr cat /src/input.txt /etc/hostname >/dev/null; @mtr sh -c "echo x >/tmp/written-only"'
# a name chosen inside the sandbox reaches the user's terminal escaped
"$csh" -c '@mtr sh -c "echo x >\"/tmp/esc\$(printf \"\\033\")[31m\"; cat /tmp/esc*" >/dev/null'
sleep 1 # the ring buffer is read every 100 ms
out=$(sbx inspect --files mtr 2>&1)
grep -qxF 'host /tmp/esc\x1b[31m' <<<"$out" && ! grep -q $'\033' <<<"$out"
check monitor-trace-path-escaped test $? = 0
grep -qx 'mount /src/input.txt' <<<"$out"
check monitor-trace-mount-file test $? = 0
grep -qx 'host /etc/hostname' <<<"$out"
check monitor-trace-host-file test $? = 0
! grep -q 'written-only' <<<"$out"
check monitor-trace-not-written test $? = 0
sbx rm -f mtr >/dev/null 2>&1
for _ in $(seq 30); do
	grep -q '"type":"summary"' "$work/trace.jsonl" && break
	sleep 0.1
done
grep -q '"reason":"gone"' "$work/trace.jsonl"
check monitor-trace-ends-with-sandbox test $? = 0

# a recorder that cannot start: its sentence, and no sandbox
mkdir -p "$work/nomon"
cp "$sbx_bin/cshell" "$work/nomon/"
for h in "$sbx_bin"/cshell-*; do
	[ "${h##*/}" = cshell-monitor ] || ln -s "$h" "$work/nomon/"
done
printf '#!/bin/sh\necho "cshell-monitor: no BPF here" >&2; exit 1\n' >"$work/nomon/cshell-monitor"
chmod +x "$work/nomon/cshell-monitor"
echo '{"type":"start"} from an earlier run' >"$work/old.jsonl"
out=$("$work/nomon/cshell" -c 'sandbox create mtr3 --trace "$1"' cshell "$work/old.jsonl" 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"no BPF here"* ]] &&
	[[ $out == *"not created"* ]] && ! sbx inspect mtr3 >/dev/null 2>&1; then
	pass monitor-trace-recorder-fails
else
	fail monitor-trace-recorder-fails "rc=$rc: $out"
fi

# where it does not apply: a run, a sandbox made without --trace
out=$(sbx run --trace "$work/t2" -- true 2>&1)
rc=$?
[ $rc = 2 ] && [[ $out == *"--trace is for create"* ]]
check monitor-trace-run-refused test $? = 0
sbx create mtr2 --read-only >/dev/null 2>&1
out=$(sbx inspect --files mtr2 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"without --trace"* ]]
check monitor-trace-needs-trace test $? = 0
