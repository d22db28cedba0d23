#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-mknod-whiteout.sh — mknod of a 0:0 character device through the mount
# fails with EPERM, as on the kernel's overlayfs: such a device in the upper
# layer is a whiteout, so the new name would vanish and hide the lower one.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-mknod-whiteout" "needs root and FUSE (and a built cshell-fs)"
	exit 0
fi
mkdir -p "$T/l" "$T/u" "$T/w" "$T/ku" "$T/kw"
echo lower >"$T/l/old"
echo lower >"$T/l/gone"
if ! fs_mount "$T/m" "$T/l" "$T/u" "$T/w"; then
	fail "fs-mknod-whiteout mount" "cshell-fs did not mount"; exit 0
fi
kern=1
can_kovl && kovl_mount "$T/km" "$T/l" "$T/ku" "$T/kw" || kern=0

# mknod0 PATH: the errno name of mknod(PATH, S_IFCHR, 0:0), or "ok"
mknod0() {
	timeout 20 python3 - "$1" <<'PY'
import errno, os, stat, sys
try:
    os.mknod(sys.argv[1], stat.S_IFCHR | 0o600, os.makedev(0, 0))
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

# "gone": a lower name removed first, so the new device would replace
# the upper whiteout
rm -f "$T/m/gone"
[ $kern = 1 ] && rm -f "$T/km/gone"
for name in new gone; do
	got=$(mknod0 "$T/m/$name")
	if [ "$got" != EPERM ]; then
		fail "mknod 0:0 $name" "got $got, want EPERM"
	elif [ $kern = 1 ] && [ "$(mknod0 "$T/km/$name")" != EPERM ]; then
		fail "mknod 0:0 $name" "kernel overlayfs says $(mknod0 "$T/km/$name")"
	else
		pass "mknod 0:0 $name"
	fi
done
if [ -e "$T/u/new" ] || [ -e "$T/u/old" ] || [ -L "$T/u/new" ]; then
	fail "no device left in upper" "$(ls -l "$T/u" | tr '\n' '|')"
elif [ "$(cat "$T/m/old" 2>&1)" != lower ]; then
	fail "no device left in upper" "old reads '$(cat "$T/m/old" 2>&1)'"
else
	pass "no device left in upper"
fi
# other devices still work
if timeout 20 mknod "$T/m/null" c 1 3 && [ -c "$T/u/null" ]; then
	pass "mknod 1:3 still works"
else
	fail "mknod 1:3 still works" "no device made"
fi
exit 0
