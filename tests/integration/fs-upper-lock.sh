#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-upper-lock.sh — one daemon per upper layer: a second cshell-fs on the
# upper and work directories of a running one fails before it mounts,
# with a message naming the first one's pid (a runtime directory removed
# by hand and a sandbox created again under its name used to put two
# daemons on one upper layer).  Once the first is unmounted the
# directories mount again.  The first daemon runs in the foreground (its
# pid is ours to know) and daemonized (the lock must follow the fork).
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-upper-lock" "needs FUSE (and a built cshell-fs)"
	exit 0
fi
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; fs_cleanup' EXIT
mkdir -p "$T/l" "$T/u" "$T/w" "$T/m1"
echo lower >"$T/l/f"
o="lowerdir=$T/l,upperdir=$T/u,workdir=$T/w"

# second WANTPID NAME: a second mount on the same upper/work must fail,
# leave nothing mounted, and name WANTPID
second() {
	local err rc
	mkdir -p "$T/m2"
	MOUNTED+=("$T/m2")
	err=$(timeout 20 "$FS" -o "$o" "$T/m2" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		fail "$2" "the second daemon mounted"
		fs_umount "$T/m2"
	elif is_mounted "$T/m2"; then
		fail "$2" "the second daemon failed ($rc) but left a mount"
	elif ! grep -q "in use by another cshell-fs (pid $1)" <<<"$err"; then
		fail "$2" "message does not name pid $1: $err"
	else
		pass "$2"
	fi
}

if ! fs_start_fg "$T/m1" "$o"; then
	fail "fs-upper-lock foreground" "first mount failed: $(cat "$T/fs.err")"
	exit 0
fi
second "$PID" "fs-upper-lock second daemon refused (foreground first)"
[ "$(cat "$T/m1/f")" = lower ] || fail "fs-upper-lock first still serves" "f reads '$(cat "$T/m1/f" 2>&1)'"
fs_umount "$T/m1"
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
PID=

# daemonized: the pid named is the one serving, not the parent that exited
if ! fs_mount "$T/m1" "$T/l" "$T/u" "$T/w"; then
	fail "fs-upper-lock again after unmount" "the directories did not mount again"
	exit 0
fi
pass "fs-upper-lock again after unmount"
# the unmount helper has the same command line, another name
dpid=
for p in $(pgrep -f -x "$FS -o $o $T/m1"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = cshell-fs ] && dpid=$p
done
if [ -z "$dpid" ]; then
	skip "fs-upper-lock second daemon refused (daemonized first)" "cannot find the daemon's pid"
else
	second "$dpid" "fs-upper-lock second daemon refused (daemonized first)"
fi
exit 0
