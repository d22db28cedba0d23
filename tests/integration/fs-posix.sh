#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-posix.sh — POSIX behaviour of cshell-fs, case by case.  Each case is a
# small shell snippet run in a cshell-fs mount and in a kernel overlayfs
# mount over identical layers; its exit status, error message and output
# (with the mount path replaced) must be the same on both, so the expected
# errno of every case is what kernel overlayfs does.  A few cases that need
# no reference (mount table, NAME_MAX, nlink of an unlinked open file) are
# checked directly.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-posix" "no FUSE here"; exit 0
fi
make_layers "$T"
mkdir -p "$T/u" "$T/w" "$T/ku" "$T/kw"
if ! fs_mount "$T/m" "$T/oci/l1:$T/oci/l2" "$T/u" "$T/w" fsname=posix-test; then
	fail "fs-posix mount" "cshell-fs did not mount"; exit 0
fi
if mount | grep -q "^posix-test on $T/m type fuse.cshell-fs"; then
	pass "mount shows fsname"
else
	fail "mount shows fsname" "$(mount | grep "$T/m")"
fi

kern=1
can_kovl && kovl_mount "$T/km" "$T/kern/l1:$T/kern/l2" "$T/ku" "$T/kw" || kern=0

# renameat2 OLD NEW FLAGS (1 NOREPLACE, 2 EXCHANGE): the call's result and
# errno text, for the snippets (coreutils mv has no exchange)
cat >"$T/renameat2" <<'EOF2'
#!/usr/bin/python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(),
                   int(sys.argv[3]))
print(r, os.strerror(ctypes.get_errno()) if r else "")
EOF2
chmod +x "$T/renameat2"
export RENAMEAT2=$T/renameat2

# run_in DIR SNIPPET: status, stderr and stdout of the snippet with $M=DIR.
run_in() {
	(cd "$1" && M=$1 timeout 20 bash -c "$2" 2>&1; echo "status=$?") |
		sed "s|$1|MNT|g; s|^bash: line [0-9]*: ||"
}

# both NAME SNIPPET: the snippet must behave the same on both mounts.
both() {
	local a b
	if [ $kern = 0 ]; then
		skip "$1" "kernel overlayfs unavailable for reference"; return
	fi
	a=$(run_in "$T/m" "$2")
	b=$(run_in "$T/km" "$2")
	if [ "$a" = "$b" ]; then
		pass "$1"
	else
		fail "$1" "cshell-fs: $(echo "$a" | tr '\n' '|') kernel: $(echo "$b" | tr '\n' '|')"
	fi
}

# listings and lookups over the layers
both "merged root listing" 'ls -A1'
both "whiteout hides lower file" 'cat a; ls a'
both "OCI whiteout in subdir" 'ls sub; cat sub/x'
both "opaque dir hides lower" 'ls -A dir'
both "symlink in lower" 'readlink d; cat d'
both "stat lower file" 'stat -c "%s %a %F %h" f b e/sparse'
both "sparse lower size" 'du -k e/sparse | cut -f1'
both "missing name" 'stat nothere'
both "lookup through file" 'stat b/x'
both "st_dev is one" 'test "$(stat -c %d . b sub sub/c | sort -u | wc -l)" = 1'

# creation
both "create file" 'echo hi >new && cat new && stat -c "%s %a" new'
both "create existing O_EXCL" 'set -C; echo x >b'
both "mkdir" 'mkdir nd && stat -c "%a %F" nd'
both "mkdir existing" 'mkdir sub'
both "mkdir under file" 'mkdir b/x'
both "mkfifo" 'mkfifo fifo && stat -c %F fifo'
both "fifo carries data" 'mkfifo ff && { echo through >ff & } && timeout 5 cat ff; wait'
both "mknod char" 'mknod cdev c 1 3 && stat -c "%F %t %T" cdev'
both "symlink create" 'ln -s target sl && readlink sl'
both "hard link lower file" 'ln b b2 && stat -c %h b b2 && cat b2'
both "copy-up of a lower hard link" 'echo more >>f; cat f fl; stat -c "%h %s" f fl'
both "link to dir" 'ln sub sub2'
both "name 255 bytes" 'n=$(printf %0255d 0); echo z >$n && cat $n'
both "name 256 bytes" 'n=$(printf %0256d 0); echo z >$n'
both "deep path" 'p=.; for i in $(seq 1 100); do p=$p/dddddddddddddddddddddddddddddd; done; mkdir -p $p && echo ok'

# copy-up and metadata
both "append copies up" 'echo more >>f; cat f'
both "truncate lower" 'truncate -s 3 sub/c; cat sub/c; stat -c %s sub/c'
both "chmod lower" 'chmod 640 sub/y; stat -c %a sub/y'
both "chown lower" 'chown 12:34 x/e; stat -c "%u %g" x/e'
both "utimes lower" 'touch -d @1000000000 c/c; stat -c %Y c/c'
both "sparse copy-up keeps holes" 'echo >>e/sparse; stat -c %s e/sparse; du -k e/sparse | cut -f1'
both "xattr set/get on lower" 'python3 -c "import os; os.setxattr(\"c\",\"user.k\",b\"v\"); print(os.getxattr(\"c\",\"user.k\"))"'
both "xattr missing" 'python3 -c "import os; os.getxattr(\"b\",\"user.none\")" 2>&1 | tail -1'
both "overlay xattrs hidden" 'python3 -c "import os; print(sorted(os.listxattr(\"dir\")))"'

# removal
both "unlink lower file" 'rm b && ls b'
both "unlink then recreate" 'rm sub/y && echo new >sub/y && cat sub/y'
both "unlink dir" 'rm sub 2>&1; unlink sub'
both "rmdir non-empty" 'rmdir sub'
both "rmdir file" 'rmdir f'
both "rmdir merged emptied" 'rm -f x/e && rmdir x && ls x'
both "recreated dir is opaque" 'mkdir -p c2 && rm -rf c && mkdir c && ls -A c'
both "rmdir missing" 'rmdir nothere'

# rename
both "rename lower file" 'mv dir/a dir/a2 2>&1; ls dir'
both "rename file over file" 'echo 1 >r1; echo 2 >r2; mv r1 r2; cat r2; ls r1'
both "rename dir over file" 'mkdir rd; echo >rf; python3 -c "import os; os.rename(\"rd\",\"rf\")" 2>&1 | tail -1'
both "rename file over dir" 'python3 -c "import os; os.rename(\"f\",\"sub\")" 2>&1 | tail -1'
both "rename dir over non-empty dir" 'mkdir -p ra; python3 -c "import os; os.rename(\"ra\",\"sub\")" 2>&1 | tail -1'
both "rename merged dir" 'mv sub sub3 && ls sub3 && ls sub'
both "rename dir into itself" 'mkdir -p q/q; mv q q/q/z'
both "rename missing" 'mv nothere x2'
both "rename noreplace" '"$RENAMEAT2" new d 1'
both "exchange upper and lower file" '"$RENAMEAT2" new fl 2; cat new fl f; ls -A'
both "exchange file and merged dir" '"$RENAMEAT2" c sub 2; ls c; cat sub; ls -A'
both "exchange with a missing name" '"$RENAMEAT2" b nothere 2'
both "exchange and noreplace together" '"$RENAMEAT2" b f 3'
both "O_TMPFILE write, read, link" 'python3 -c "
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(\"sub3\", os.O_TMPFILE | os.O_RDWR, 0o640)
os.write(fd, b\"tmp data\")
st = os.fstat(fd)
print(oct(st.st_mode), st.st_nlink, st.st_size, os.pread(fd, 100, 0))
r = libc.linkat(fd, b\"\", -100, b\"sub3/tmp-linked\", 0x1000)
print(r, os.strerror(ctypes.get_errno()) if r else \"\")
os.close(fd)"; cat sub3/tmp-linked; stat -c "%a %h %s" sub3/tmp-linked; ls sub3'
both "O_TMPFILE never linked leaves nothing" 'python3 -c "
import os
fd = os.open(\"c\", os.O_TMPFILE | os.O_WRONLY, 0o600)
os.write(fd, b\"gone\")
os.close(fd)"; ls -A c'
both "O_TMPFILE on a file" 'python3 -c "
import os
os.open(\"fl\", os.O_TMPFILE | os.O_RDWR, 0o600)" 2>&1 | tail -1'

# open files
both "read fd follows copy-up" 'exec 3<b; echo more >>b; cat <&3'
both "write read back" 'printf abcdef >w && dd if=w bs=1 skip=2 count=2 status=none'
both "fallocate" 'fallocate -l 8192 fa && stat -c %s fa'
both "flock" 'flock -n f -c "flock -n f true" ; echo $?'
both "fcntl lock" 'python3 -c "
import fcntl
f = open(\"w\", \"r+\"); fcntl.lockf(f, fcntl.LOCK_EX); print(\"locked\")"'
both "readdir offsets stable" 'python3 -c "
import os
d = os.listdir(\".\"); print(len(d) == len(set(d)))"'

# direct checks
n=$(printf %0255d 1)
if (cd "$T/m" && echo z >"$n" && [ "$(cat "$n")" = z ]); then
	pass "NAME_MAX name in upper"
else
	fail "NAME_MAX name in upper" "could not create a 255-byte name"
fi
got=$(cd "$T/m" && python3 -c '
import os
fd = os.open("nl", os.O_CREAT | os.O_RDWR, 0o644)
os.unlink("nl")
print(os.fstat(fd).st_nlink)')
[ "$got" = 0 ] && pass "nlink 0 after unlinking an open file" ||
	fail "nlink 0 after unlinking an open file" "got '$got'"
i1=$(stat -c %i "$T/m/e/f"); echo app >>"$T/m/e/f"; i2=$(stat -c %i "$T/m/e/f")
[ "$i1" = "$i2" ] && pass "inode number kept by copy-up" ||
	fail "inode number kept by copy-up" "$i1 became $i2"
if (cd "$T/m" && echo x >.wh.zz) 2>/dev/null; then
	fail "whiteout names refused" "created .wh.zz"
else
	pass "whiteout names refused"
fi
ro=$T/ro
if fs_mount "$ro" "$T/oci/l1:$T/oci/l2" "" ""; then
	if (echo x >"$ro/new") 2>&1 | grep -q "Read-only file system"; then
		pass "lowerdir alone mounts read-only"
	else
		fail "lowerdir alone mounts read-only" "write did not fail with EROFS"
	fi
	fs_umount "$ro"
else
	fail "lowerdir alone mounts read-only" "mount failed"
fi
exit 0
