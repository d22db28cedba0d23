#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-self-mount.sh — the host root as the lower layer, so the mount point
# (and the upper and work directories) lie inside that layer, as in a
# sandbox over the host root.  A host-side walk that reaches the mount
# point through the lower layer must not send the daemon into its own
# mount (it used to wait on itself forever, and every caller with it):
# `find` and `rm -rf` over that path finish, the daemon still answers, and
# the upper directory seen through the layer is refused with ELOOP, as on
# the kernel's overlayfs.  Once mounted by cshell-fs itself, once the way
# the sandbox does it (mount(2) on an open /dev/fuse, the fd handed over
# as /dev/fd/3).  A hung daemon is aborted through
# /sys/fs/fuse/connections in the cleanup.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-self-mount" "needs root and FUSE (and a built cshell-fs)"
	exit 0
fi
# a stuck daemon is only freed by aborting its connection
CTL=
if ! mountpoint -q /sys/fs/fuse/connections; then
	mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null && CTL=1
fi
PID= CONN= WD= M=
abort_conn() {
	[ -n "$1" ] && [ -e "/sys/fs/fuse/connections/$1/abort" ] &&
		echo 1 >"/sys/fs/fuse/connections/$1/abort" 2>/dev/null
}
# watchdog SECS: aborts the connection after SECS unless stopped first;
# a caller stuck on a request the daemon already read cannot be killed,
# not even by timeout(1)'s SIGKILL, until then
watchdog() {
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		s=$!
		wait "$s"
		echo "    watchdog: aborting FUSE connection $CONN (daemon stuck)"
		abort_conn "$CONN"
	) &
	WD=$!
}
# abort a connection whose daemon may be stuck on itself, then kill it
stop() {
	[ -n "$WD" ] && kill "$WD" 2>/dev/null && wait "$WD" 2>/dev/null
	abort_conn "$CONN"
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$M" ] && is_mounted "$M" && timeout 10 umount -l "$M" 2>/dev/null
	PID= CONN= WD=
}
trap 'stop; fs_cleanup; [ -n "$CTL" ] && umount /sys/fs/fuse/connections' EXIT

# conn MNT: the FUSE connection number of MNT, from mountinfo (a stat
# could hang)
conn() {
	awk -v m="$1" '$5 == m { split($3, d, ":"); print d[2] }' /proc/self/mountinfo | tail -1
}

# wait_mounted MNT: up to 5 s for MNT in the mount table, the daemon alive
wait_mounted() {
	for _ in $(seq 1 100); do
		is_mounted "$1" && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# start_fs KIND DIR: the daemon over lowerdir=/ on DIR/a/b/m
start_fs() {
	local o="lowerdir=/,upperdir=$2/u,workdir=$2/w"
	mkdir -p "$2/a/b/m" "$2/u" "$2/w"
	echo low >"$2/a/file"
	M=$2/a/b/m
	MOUNTED+=("$M")
	if [ "$1" = standalone ]; then
		"$FS" -f -o "$o" "$M" 2>"$2.err" &
		PID=$!
	else
		# as sandbox/sandbox.c mount_fuse_fd(): mount first, then the
		# daemon gets the fd as /dev/fd/3
		FS_ERR=$2.err fs_start_fd "$M" "$o" $PRE
	fi
	wait_mounted "$M" || return 1
	CONN=$(conn "$M")
}

# nocap: the daemon without CAP_SYS_ADMIN cannot take a mount namespace
# of its own and refuses its mount by device instead (ELOOP)
for kind in standalone fd nocap; do
	D=$T/$kind
	PRE=
	[ $kind = nocap ] && PRE="setpriv --bounding-set -sys_admin --inh-caps -sys_admin --"
	if ! PRE=$PRE start_fs $kind "$D"; then
		fail "$kind: mount" "$(cat "$D.err" 2>/dev/null)"
		stop
		continue
	fi
	# every step below is bounded by the watchdog as a whole
	watchdog 40
	timeout -k 5 30 find "$M$D/a" >"$D.out" 2>&1
	rc=$?
	out=$(cat "$D.out")
	if [ $kind = nocap ] && [ $rc = 1 ] &&
		grep -qx "find: ‘$M$D/a/b/m’: Too many levels of symbolic links" <<<"$out"; then
		pass "$kind: find through the lower layer to the mount point"
	elif [ $rc = 0 ] && grep -qx "$M$D/a/b/m" <<<"$out"; then
		pass "$kind: find through the lower layer to the mount point"
	else
		fail "$kind: find through the lower layer to the mount point" \
			"status $rc: $(head -c 300 <<<"$out" | tr '\n' '|')"
	fi
	if out=$(timeout -k 5 30 stat -c %s "$M$D/a/file" 2>&1) && [ "$out" = 4 ]; then
		pass "$kind: daemon answers after the walk"
	else
		fail "$kind: daemon answers after the walk" "$out"
	fi
	timeout -k 5 30 rm -rf "$M$D/a" >"$D.out" 2>&1
	rc=$?
	out=$(cat "$D.out")
	if [ $kind = nocap ] && [ $rc = 1 ] && [[ $out == *"$M$D/a/b/m"*"Too many levels"* ]]; then
		pass "$kind: rm -rf of a directory holding the mount point"
	elif [ $rc = 0 ] && ! timeout -k 5 10 test -e "$M$D/a"; then
		pass "$kind: rm -rf of a directory holding the mount point"
	else
		fail "$kind: rm -rf of a directory holding the mount point" \
			"status $rc: $(head -c 300 <<<"$out" | tr '\n' '|')"
	fi
	if [ -f "$D/a/file" ] && is_mounted "$M"; then
		pass "$kind: host side untouched by the merged rm"
	else
		fail "$kind: host side untouched by the merged rm" "$D/a changed"
	fi
	if out=$(timeout -k 5 30 stat -c %F "$M/etc" 2>&1) && [ "$out" = directory ]; then
		pass "$kind: daemon answers after rm -rf"
	else
		fail "$kind: daemon answers after rm -rf" "$out"
	fi
	out=$(timeout -k 5 30 stat "$M$D/u" 2>&1)
	if [[ $out == *"Too many levels of symbolic links"* ]]; then
		pass "$kind: upper directory through the lower is ELOOP"
	else
		fail "$kind: upper directory through the lower is ELOOP" \
			"$(head -c 200 <<<"$out" | tr '\n' '|')"
	fi
	if [ $kind = nocap ]; then
		:
	elif grep -q " fuse.cshell-fs " "/proc/$PID/mountinfo" 2>/dev/null; then
		fail "$kind: no cshell-fs mount in the daemon's view" \
			"$(grep " fuse.cshell-fs " "/proc/$PID/mountinfo" | head -2 | tr '\n' '|')"
	else
		pass "$kind: no cshell-fs mount in the daemon's view"
	fi
	stop
done
exit 0
