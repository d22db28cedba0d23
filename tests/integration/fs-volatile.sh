#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-volatile.sh — fsync=0 (fuse-overlayfs) and volatile (kernel overlayfs):
# no sync reaches the upper filesystem, neither at copy-up nor on fsync(2)
# (the daemon's syscalls, seen by strace); the work directory marker that
# outlives a daemon killed in this boot but refuses the upper layer after a
# reboot; a default mount syncs both.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-volatile" "no FUSE here"; exit 0
fi
if ! command -v strace >/dev/null; then
	skip "fs-volatile" "strace missing"; exit 0
fi
PID= SPID=
stop() { # PID: kill it and reap it
	[ -n "$1" ] && kill "${2:--TERM}" "$1" 2>/dev/null
	[ -n "$1" ] && wait "$1" 2>/dev/null
}
trap 'stop "$SPID"; stop "$PID" -KILL; fs_cleanup' EXIT

L=$T/l M=$T/m MARK=$T/w/cshell-work/volatile
mkdir -p "$L" "$T/u" "$T/w" "$M"
for i in 1 2 3; do echo "lower $i" >"$L/f$i"; done

# start OPTS: the daemon as our child, with extra options OPTS
start() { fs_start_fg "$M" "lowerdir=$L,upperdir=$T/u,workdir=$T/w${1:+,$1}"; }
# finish: unmount and wait for the daemon to exit by itself (bounded)
finish() {
	fs_umount "$M"
	for _ in $(seq 1 100); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	stop "$PID"
	PID=
}
# syncs FILE: copy-up of FILE and an fsync of it, counting the daemon's
# fsync/fdatasync/syncfs calls meanwhile ("unwatched" when strace never
# attached: zero calls would then prove nothing)
syncs() {
	: >"$T/strace.log"
	strace -f -e trace=fsync,fdatasync,syncfs -o "$T/strace.out" -p "$PID" 2>"$T/strace.log" &
	SPID=$!
	for _ in $(seq 1 100); do # until it has attached
		grep -q attached "$T/strace.log" && break
		sleep 0.05
	done
	if ! grep -q attached "$T/strace.log"; then
		stop "$SPID" -INT
		SPID=
		echo unwatched
		return
	fi
	python3 -c "import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
os.write(fd, b'more'); os.fsync(fd); os.close(fd)" "$M/$1"
	stop "$SPID" -INT
	SPID=
	grep -cE '^[0-9]+ +(fsync|fdatasync|syncfs)\(' "$T/strace.out"
}

# a default mount: copy-up and fsync(2) both sync
if ! start ""; then fail "fs-volatile default mount" "$(cat "$T/fs.err")"; exit 0; fi
n=$(syncs f1)
if [ "$n" != unwatched ] && [ "$n" -ge 2 ]; then
	pass "default mount syncs the copy-up and fsync(2) ($n calls)"
else
	fail "default mount syncs" "$n sync calls seen: $(head -c 300 "$T/strace.out")"
fi
[ -e "$MARK" ] && fail "default mount writes no marker" "$MARK exists" ||
	pass "default mount writes no marker"
finish

for opt in fsync=0 volatile; do
	if ! start "$opt"; then fail "fs-volatile $opt mount" "$(cat "$T/fs.err")"; continue; fi
	n=$(syncs "f$([ $opt = volatile ] && echo 3 || echo 2)")
	[ "$n" = 0 ] && pass "$opt: no sync reaches the upper layer" ||
		fail "$opt: no sync" "$n sync calls: $(head -c 300 "$T/strace.out")"
	if [ "$(cat "$MARK" 2>/dev/null)" = "$(cat /proc/sys/kernel/random/boot_id)" ]; then
		pass "$opt: work dir marker holds the boot id"
	else
		fail "$opt: work dir marker" "$(ls -l "$MARK" 2>&1)"
	fi
	finish
	[ ! -e "$MARK" ] && pass "$opt: a clean exit syncs and drops the marker" ||
		fail "$opt: clean exit" "$MARK still there"
done

# killed in this boot: the page cache has every write, the marker stays
# until a mount takes over
start volatile || { fail "fs-volatile remount" "$(cat "$T/fs.err")"; exit 0; }
echo "after kill" >"$M/killed"
stop "$PID" -KILL
PID=
timeout 10 umount -l "$M" 2>/dev/null
[ -e "$MARK" ] && pass "kill -9 leaves the marker" || fail "kill -9 leaves the marker" "gone"
if start "" && [ "$(cat "$M/killed" 2>/dev/null)" = "after kill" ]; then
	pass "same boot: the upper layer mounts again with the writes"
else
	fail "same boot remount" "$(cat "$T/fs.err") $(cat "$M/killed" 2>&1)"
fi
finish

# a marker of another boot: the upper layer may hold half-written files
start volatile || { fail "fs-volatile mount" "$(cat "$T/fs.err")"; exit 0; }
stop "$PID" -KILL
PID=
timeout 10 umount -l "$M" 2>/dev/null
echo 00000000-0000-0000-0000-000000000000 >"$MARK"
if start ""; then
	fail "another boot: refused" "it mounted"
	finish
else
	stop "$PID"
	PID=
	if grep -q "restarted" "$T/fs.err" && grep -q "cshell-work/volatile" "$T/fs.err"; then
		pass "another boot: refused, saying why and what to remove"
	else
		fail "another boot: message" "$(cat "$T/fs.err")"
	fi
	rm -f "$MARK"
	if start "" && [ "$(cat "$M/f1" | head -1)" = "lower 1" ]; then
		pass "the marker removed, it mounts"
	else
		fail "mount after removing the marker" "$(cat "$T/fs.err")"
	fi
	finish
fi
