#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-passthrough.sh — open files of one inode in the two I/O modes of
# cshell-fs (kernel passthrough to upper files, page cache otherwise; the
# kernel allows one mode per inode): readers and writers of one file see
# each other's data whichever mode each got, a lower file open for reading
# while a writer copies it up, O_DIRECT next to buffered opens, mmap, and
# the same with passthrough=0 and writeback=0; a read-only mount, whose
# lower files pass through.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-passthrough" "no FUSE here"; exit 0
fi

L=$T/l
mkdir -p "$L"
echo lower >"$L/low"
echo lower2 >"$L/low2"

cat >"$T/modes.py" <<'EOF'
import mmap, os, sys
m = sys.argv[1]
def check(name, cond):
    print(('PASS: ' if cond else 'FAIL: ') + name + ('' if cond else ': mismatch'))
# a new upper file: writer, then a reader of the same inode
w = os.open(m + '/new', os.O_CREAT | os.O_RDWR, 0o644)
os.write(w, b'one\n')
r = os.open(m + '/new', os.O_RDONLY)
check('reader sees the writer', os.read(r, 100) == b'one\n')
os.write(w, b'two\n')
check('reader sees a later write', os.pread(r, 100, 0) == b'one\ntwo\n')
# O_DIRECT next to buffered opens (4 KiB aligned)
buf = mmap.mmap(-1, 4096)
buf.write(b'd' * 4096)
try:
    d = os.open(m + '/new', os.O_RDWR | os.O_DIRECT)
    os.pwrite(d, buf, 4096)
    os.close(d)
    check('O_DIRECT write seen by buffered reader',
          os.pread(r, 4096, 4096) == b'd' * 4096)
except OSError as e:
    check('O_DIRECT write seen by buffered reader (%s)' % e, False)
# shared mmap of the file while other fds are open
mm = mmap.mmap(w, 8192)
mm[0:3] = b'ONE'
mm.flush()
check('mmap write seen by reader', os.pread(r, 3, 0) == b'ONE')
mm.close()
os.close(w); os.close(r)
# a lower file open for reading while another fd copies it up
r = os.open(m + '/low', os.O_RDONLY)
check('lower read', os.read(r, 100) == b'lower\n')
a = os.open(m + '/low', os.O_WRONLY | os.O_APPEND)
os.write(a, b'appended\n')
check('reader of a copied-up file sees the append',
      os.pread(r, 100, 0) == b'lower\nappended\n')
r2 = os.open(m + '/low', os.O_RDONLY)
check('new reader while both are open', os.read(r2, 100) == b'lower\nappended\n')
os.close(a); os.close(r); os.close(r2)
# after every fd is closed, a new open gets a fresh mode
a = os.open(m + '/low', os.O_RDWR)
os.pwrite(a, b'L', 0)
os.close(a)
with open(m + '/low', 'rb') as f:
    check('reopen after close', f.read() == b'Lower\nappended\n')
# truncate through an open fd and through the path
a = os.open(m + '/low2', os.O_RDWR)
os.ftruncate(a, 3)
check('ftruncate', os.pread(a, 100, 0) == b'low')
os.truncate(m + '/low2', 1)
check('truncate by path seen by the open fd', os.pread(a, 100, 0) == b'l')
os.close(a)
# O_TMPFILE: written, re-read through a second open, linked
import ctypes
t = os.open(m, os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(t, b'tmp')
t2 = os.open('/proc/self/fd/%d' % t, os.O_RDONLY)
check('O_TMPFILE reopened through /proc', os.read(t2, 10) == b'tmp')
libc = ctypes.CDLL(None, use_errno=True)
check('O_TMPFILE linked', libc.linkat(t, b'', -100, (m + '/tmpl').encode(), 0x1000) == 0)
os.close(t2); os.close(t)
with open(m + '/tmpl', 'rb') as f:
    check('O_TMPFILE data under its name', f.read() == b'tmp')
EOF

n=0
for opts in "" passthrough=0 writeback=0,passthrough=0; do
	n=$((n + 1))
	mkdir -p "$T/u$n" "$T/w$n"
	if ! fs_mount "$T/m$n" "$L" "$T/u$n" "$T/w$n" "$opts"; then
		fail "fs-passthrough mount ${opts:-default}" "cshell-fs did not mount"
		continue
	fi
	python3 "$T/modes.py" "$T/m$n" | sed "s/^\(PASS\|FAIL\): /\1: [${opts:-default}] /"
	[ "$(cat "$T/u$n/low")" = "$(printf 'Lower\nappended')" ] &&
		pass "[${opts:-default}] upper copy holds the data" ||
		fail "[${opts:-default}] upper copy holds the data" "$(cat "$T/u$n/low")"
	[ "$(cat "$L/low")" = lower ] && pass "[${opts:-default}] lower untouched" ||
		fail "[${opts:-default}] lower untouched" "$(cat "$L/low")"
	fs_umount "$T/m$n"
done

# a read-only mount (lowerdir only) passes its lower files through
dd if=/dev/urandom of="$L/blob" bs=64k count=40 status=none
if fs_mount "$T/ro" "$L" "" ""; then
	[ "$(md5sum <"$T/ro/blob")" = "$(md5sum <"$L/blob")" ] &&
		pass "read-only mount reads lower data" ||
		fail "read-only mount reads lower data" "checksums differ"
	got=$(python3 -c '
import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    print(m[65536:65540].hex())' "$T/ro/blob")
	want=$(dd if="$L/blob" bs=1 skip=65536 count=4 status=none | od -An -tx1 | tr -d ' \n')
	[ "$got" = "$want" ] && pass "read-only mount mmap" ||
		fail "read-only mount mmap" "$got != $want"
	fs_umount "$T/ro"
else
	fail "read-only mount" "cshell-fs did not mount"
fi
