#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-kill-remount.sh — kill -9 of the cshell-fs daemon, also in the middle
# of a copy-up, leaves an upper layer that mounts again with every synced
# write in it and no half-copied file under its final name; the dead mount
# goes away with a lazy unmount.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-kill-remount" "no FUSE here"; exit 0
fi
PID=
kill_daemon() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=; }
trap 'kill_daemon; fs_cleanup' EXIT

start_fg() { fs_start_fg "$M" "lowerdir=$L,upperdir=$T/u,workdir=$T/w"; }

L=$T/l M=$T/m
mkdir -p "$L" "$T/u" "$T/w" "$M"
dd if=/dev/urandom of="$L/big" bs=1M count=48 status=none
sum_big=$(md5sum <"$L/big")
echo keep >"$L/small"

if ! start_fg; then
	fail "fs-kill-remount mount" "$(cat "$T/fs.err")"; exit 0
fi
echo synced >"$M/new" && sync "$M/new"
mkdir "$M/d" && echo x >"$M/d/x" && sync "$M/d/x"
rm "$M/small"
# a copy-up of 48 MiB, killed while it runs
(echo tail >>"$M/big") 2>/dev/null &
writer=$!
# kill as soon as the copy is being assembled in the work directory
shopt -s nullglob dotglob
for _ in $(seq 1 20000); do
	busy=("$T/w/cshell-work"/*)
	[ ${#busy[@]} -gt 0 ] && break
done
shopt -u nullglob dotglob
kill_daemon
wait "$writer" 2>/dev/null
if timeout 10 fusermount3 -u -z "$M" && ! mountpoint -q "$M"; then
	pass "lazy unmount of a dead mount"
else
	fail "lazy unmount of a dead mount" "still mounted"
	timeout 10 umount -l "$M"
fi

echo "    work entries left by the killed daemon: $(ls -A "$T/w/cshell-work" | wc -l)"
if ! start_fg; then
	fail "remount after kill -9" "$(cat "$T/fs.err")"; exit 0
fi
pass "remount after kill -9"
[ "$(cat "$M/new" 2>&1)" = synced ] && [ "$(cat "$M/d/x" 2>&1)" = x ] &&
	pass "synced writes survive" || fail "synced writes survive" "new/d/x lost"
[ ! -e "$M/small" ] && pass "whiteout survives" || fail "whiteout survives" "small is back"
size=$(stat -c %s "$M/big")
if [ "$size" = $((48 * 1024 * 1024)) ] && [ "$(head -c $((48 * 1024 * 1024)) "$M/big" | md5sum)" = "$sum_big" ]; then
	pass "no half-copied file after kill during copy-up"
elif [ "$size" = $((48 * 1024 * 1024 + 5)) ] && [ "$(head -c $((48 * 1024 * 1024)) "$M/big" | md5sum)" = "$sum_big" ]; then
	pass "no half-copied file after kill during copy-up"
else
	fail "no half-copied file after kill during copy-up" "big has $size bytes"
fi
left=$(ls -A "$T/w/cshell-work" | wc -l)
[ "$left" = 0 ] && pass "work dir cleaned on mount" ||
	fail "work dir cleaned on mount" "$left entries left"
echo again >>"$M/big" && pass "copy-up works after remount" ||
	fail "copy-up works after remount" "append failed"
fusermount3 -u "$M"
wait "$PID" 2>/dev/null; rc=$?
PID=
[ "$rc" = 0 ] && pass "daemon exits 0 on unmount" || fail "daemon exits 0 on unmount" "status $rc"
exit 0
