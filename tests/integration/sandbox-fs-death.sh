#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-fs-death.sh — a sandbox whose layered-fs
# daemon (cshell-fs) was killed: the record names the daemon (pid and
# start time), `ls` and `inspect` report the sandbox dead and why, a join
# says so instead of "Transport endpoint is not connected", and `start`
# (or `stop` then `start`) brings it back with its upper layer intact.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-fs-death "$SBX_SKIP"
	exit 0
fi
if [ "$SBX_FUSE" != 1 ] || ! command -v "$CSHELL_FS" >/dev/null; then
	skip sandbox-fs-death "no layered fs program or /dev/fuse"
	exit 0
fi
csh() { timeout 60 "$sbx_bin/cshell" -c "$1" 2>&1; }
state=$CSHELL_RUNTIME_DIR/sandboxes/fsd/state

# kill_fs: kills the daemon the record names (1 when it names none: it
# is then found by its upper dir, so the rest still shows what happens)
kill_fs() {
	local pid rc=0
	pid=$(sed -n 's/^fs_pid=//p' "$state" 2>/dev/null)
	if ! [ -n "$pid" ] || ! [ "$pid" -gt 1 ]; then
		rc=1
		pid=$(pgrep -f -- "upperdir=$CSHELL_DATA_DIR/sandboxes/fsd/upper" | head -1)
		[ -n "$pid" ] || return 2
	fi
	kill -9 "$pid" 2>/dev/null || return 2
	for _ in $(seq 50); do
		[ -e "/proc/$pid" ] || return $rc
		sleep 0.1
	done
	return 2
	for _ in $(seq 50); do
		[ -e "/proc/$pid" ] || return 0
		sleep 0.1
	done
	return 1
}

if ! out=$(sbx create fsd 2>&1); then
	fail sandbox-fs-death-create "$out"
	exit 0
fi
csh '@fsd sh -c "echo kept > /etc/fsd-marker"' >/dev/null
kill_fs
case $? in
0) pass sandbox-fs-death-recorded ;;
1) fail sandbox-fs-death-recorded "no fs_pid in the record" ;;
*) fail sandbox-fs-death-recorded "no daemon found to kill"; exit 0 ;;
esac
out=$(sbx ls 2>&1)
if grep -q '^fsd  *dead' <<<"$out" && grep -q 'layered-fs daemon has died' <<<"$out"; then
	pass sandbox-fs-death-ls-dead
else
	fail sandbox-fs-death-ls-dead "$(tr '\n' '|' <<<"$out")"
fi
out=$(sbx inspect fsd 2>&1)
check sandbox-fs-death-inspect grep -q '^state: *dead (its layered-fs daemon has died' <<<"$out"
out=$(sbx inspect fsd --json 2>&1)
check sandbox-fs-death-inspect-json grep -q '"state":"dead","dead_reason":"its layered-fs daemon has died"' <<<"$out"
out=$(csh '@fsd true')
if [ $? != 0 ] && [[ $out == *"is dead"* ]] && [[ $out != *"not connected"* ]]; then
	pass sandbox-fs-death-join-says-dead
else
	fail sandbox-fs-death-join-says-dead "$out"
fi
out=$(sbx start fsd 2>&1) && out=$(csh '@fsd cat /etc/fsd-marker')
check sandbox-fs-death-start-restarts test "$out" = kept

# stop + start after such a death
if kill_fs; [ $? != 2 ]; then
	sbx stop fsd >"$work/stop.out" 2>&1
	r1=$?
	out=$(sbx start fsd 2>&1) && out=$(csh '@fsd cat /etc/fsd-marker')
	if [ $r1 = 0 ] && [ "$out" = kept ]; then
		pass sandbox-fs-death-stop-start
	else
		fail sandbox-fs-death-stop-start "stop $r1 ($(cat "$work/stop.out")), then '$out'"
	fi
else
	fail sandbox-fs-death-stop-start "no daemon recorded after start"
fi
sbx rm -f fsd >/dev/null 2>&1
exit 0
