#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-enospc.sh — a full upper layer (a small tmpfs) says ENOSPC, and
# never loses data in silence: a copy-up that does not fit fails with
# ENOSPC (a short pwrite of the copy used to report a stale errno, EXDEV,
# or EIO), and a write of more than fits either fails with ENOSPC (at the
# write or at close) or is all in the upper layer (a short write of the
# kernel's writeback used to be dropped: write and close said yes, the
# upper file was short).  With passthrough, with the writeback cache, and
# with neither.  The lower layer is on another filesystem than the upper,
# so the copy-up takes the pread/pwrite path.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-enospc" "needs root and FUSE (and a built cshell-fs)"
	exit 0
fi
TMPFS=()
trap 'fs_cleanup_tmpfs' EXIT
fs_cleanup_tmpfs() {
	local t
	for t in "${TMPFS[@]}"; do
		is_mounted "$t/m" && { timeout 10 fusermount3 -u "$t/m" ||
			timeout 10 umount -l "$t/m"; } 2>/dev/null
		is_mounted "$t/up" && timeout 10 umount -l "$t/up"
	done
	fs_cleanup
}

mkdir -p "$T/l"
head -c 20000 /dev/urandom >"$T/l/big"

# probe DIR: copies up big (appending a byte), then writes 12000 bytes to
# a new file; prints "copyup=RESULT write=RESULT" (ok or the errno name)
probe() {
	timeout 60 python3 - "$1" <<'PY'
import errno, os, sys
m = sys.argv[1]
def run(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def copyup():
    fd = os.open(m + "/big", os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, b"a")
    finally:
        os.close(fd)
def write():
    fd = os.open(m + "/new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        w = 0
        while w < 12000:
            w += os.write(fd, b"x" * (12000 - w))
    finally:
        os.close(fd)
print("copyup=%s write=%s" % (run(copyup), run(write)))
PY
}

n=0
for opts in "" "passthrough=0" "passthrough=0,writeback=0"; do
	n=$((n + 1))
	d=$T/t$n name="fs-enospc ${opts:-default}"
	mkdir -p "$d/up" "$d/m"
	TMPFS+=("$d")
	if ! mount -t tmpfs -o size=512k tmpfs "$d/up"; then
		skip "$name" "cannot mount a tmpfs"
		continue
	fi
	mkdir "$d/up/u" "$d/up/w"
	if ! fs_mount "$d/m" "$T/l" "$d/up/u" "$d/up/w" "$opts"; then
		fail "$name" "cshell-fs did not mount"
		continue
	fi
	# all but 8 KiB: less than the copy, less than the write
	head -c $((504 * 1024)) /dev/zero >"$d/m/fill" 2>/dev/null
	sync
	got=$(probe "$d/m")
	case $got in
	"copyup=ENOSPC write=ENOSPC") pass "$name" ;;
	"copyup=ENOSPC write=ok")
		size=$(stat -c %s "$d/up/u/new" 2>/dev/null)
		if [ "$size" = 12000 ]; then
			pass "$name"
		else
			fail "$name" "write and close succeeded, upper file has ${size:-no} bytes of 12000"
		fi ;;
	*) fail "$name" "$got (want copyup=ENOSPC, write=ENOSPC or all written)" ;;
	esac
	fs_umount "$d/m" 2>/dev/null
	timeout 10 umount "$d/up" 2>/dev/null
done
exit 0
