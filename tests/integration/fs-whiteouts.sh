#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-whiteouts.sh — every whiteout and opaque form cshell-fs reads (OCI
# ".wh.NAME" and ".wh..wh..opq", the kernel's 0:0 character devices,
# trusted./user.overlay.opaque), the form it writes to the upper layer, and
# interchange of upper layers with the kernel overlayfs in both directions.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-whiteouts" "no FUSE here"; exit 0
fi

# tree DIR: a listing with types, sizes and contents to compare views.
tree() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %s %m\n' | sort &&
		find . -type f -exec md5sum {} + | sort)
}

check() { # NAME COMMAND...
	local name=$1; shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tr '\n' '|')"; fi
}

L=$T/layers; mkdir -p "$L/l1" "$L/l2" "$L/l3"
(
	cd "$L/l3" && echo 3 >oci && echo 3 >kwh && mkdir -p xo uo ko && echo 3 >xo/old &&
		echo 3 >uo/old && echo 3 >ko/old && echo 3 >kept
) && (
	cd "$L/l2" && : >.wh.oci && mknod kwh c 0 0 && mkdir -p xo uo ko &&
		: >ko/.wh..wh..opq && echo 2 >ko/new && echo 2 >xo/new && echo 2 >uo/new
) && python3 -c '
import os, sys
os.setxattr(sys.argv[1] + "/xo", "trusted.overlay.opaque", b"y")
os.setxattr(sys.argv[1] + "/uo", "user.overlay.opaque", b"y")' "$L/l2" || {
	fail "fs-whiteouts layers" "cannot build layers (mknod/xattrs need root)"; exit 0; }

mkdir -p "$T/u" "$T/w"
if ! fs_mount "$T/m" "$L/l2:$L/l3" "$T/u" "$T/w"; then
	fail "fs-whiteouts mount" "cshell-fs did not mount"; exit 0
fi
M=$T/m
check "OCI whiteout hides" test ! -e "$M/oci"
check "char 0:0 whiteout hides" test ! -e "$M/kwh"
check "lower entry without whiteout shows" test -f "$M/kept"
check "trusted.overlay.opaque dir" test "$(ls "$M/xo")" = new
check "user.overlay.opaque dir" test "$(ls "$M/uo")" = new
check "OCI opaque marker dir" test "$(ls -A "$M/ko")" = new
check "markers never listed" bash -c "! ls -A '$M' '$M/ko' | grep -q '^\.wh\.'"
check "marker names not looked up" test ! -e "$M/ko/.wh..wh..opq"

# what we write
rm "$M/kept"
check "delete writes a 0:0 char whiteout" test "$(stat -c '%F %t:%T' "$T/u/kept")" = "character special file 0:0"
rm -r "$M/xo"; mkdir "$M/xo"
check "recreated dir is opaque in upper" python3 -c "
import os, sys
v = [n for n in os.listxattr('$T/u/xo') if n.endswith('overlay.opaque')]
sys.exit(0 if v and os.getxattr('$T/u/xo', v[0]) == b'y' else 1)"
check "recreated dir is empty" test -z "$(ls -A "$M/xo")"
echo n >"$M/xo/n"; mv "$M/uo" "$M/uo2"
before=$(tree "$M")
fs_umount "$M"
fs_mount "$M" "$L/l2:$L/l3" "$T/u" "$T/w" || fail "remount" "cshell-fs did not mount again"
check "remount shows the same tree" test "$before" = "$(tree "$M")"
fs_umount "$M"

if can_kovl; then
	# the kernel reads our upper layer the same way (over lowers in
	# its own marker forms: it knows no OCI markers)
	K=$T/klayers; mkdir -p "$K"; cp -a "$L/l2" "$L/l3" "$K/"
	convert_to_kernel "$K"
	fs_mount "$M" "$K/l2:$K/l3" "$T/u" "$T/w" && before=$(tree "$M") && fs_umount "$M"
	mkdir -p "$T/kw"
	if kovl_mount "$T/km" "$K/l2:$K/l3" "$T/u" "$T/kw"; then
		check "kernel overlayfs mounts our upper" diff <(echo "$before") <(tree "$T/km")
		# and we read an upper layer the kernel wrote
		rm -rf "$T/km/ko" "$T/km/oci2"; mkdir "$T/km/ko"; echo k >"$T/km/ko/k"
		rm "$T/km/xo/n"; mv "$T/km/uo2" "$T/km/uo3"
		kview=$(tree "$T/km")
		umount "$T/km"
		rm -rf "$T/kw"
		if fs_mount "$M" "$K/l2:$K/l3" "$T/u" "$T/w"; then
			check "cshell-fs mounts a kernel-written upper" diff <(echo "$kview") <(tree "$M")
			fs_umount "$M"
		else
			fail "cshell-fs mounts a kernel-written upper" "mount failed"
		fi
	else
		fail "kernel overlayfs mounts our upper" "mount failed"
	fi
else
	skip "kernel overlayfs mounts our upper" "kernel overlayfs unavailable"
	skip "cshell-fs mounts a kernel-written upper" "kernel overlayfs unavailable"
fi

# whiteout=oci: the upper layer gets OCI markers, ready for a layer diff
O=$T/ocimode; mkdir -p "$O/u" "$O/w"
if fs_mount "$O/m" "$L/l2:$L/l3" "$O/u" "$O/w" whiteout=oci; then
	rm "$O/m/kept"; rm -r "$O/m/xo"; mkdir "$O/m/xo"; echo z >"$O/m/xo/z"
	check "whiteout=oci writes .wh.NAME" test -f "$O/u/.wh.kept" -a ! -e "$O/u/kept"
	check "whiteout=oci writes .wh..wh..opq" test -f "$O/u/xo/.wh..wh..opq"
	check "whiteout=oci view" test "$(ls "$O/m/xo")" = z -a ! -e "$O/m/kept"
	echo k >"$O/m/kept"
	check "whiteout=oci recreate removes marker" test ! -e "$O/u/.wh.kept" -a "$(cat "$O/m/kept")" = k
	fs_umount "$O/m"
else
	fail "whiteout=oci mount" "cshell-fs did not mount"
fi

# inside a user namespace (rootless): trusted.* is refused there, so the
# opaque marker is user.overlay.opaque; 0:0 whiteouts still work
if unshare -Urm true 2>/dev/null; then
	R=$T/rootless; mkdir -p "$R/l/d" "$R/u" "$R/w" "$R/m"; echo a >"$R/l/a"; echo b >"$R/l/d/b"
	MOUNTED+=("$R/m")
	if timeout 30 unshare -Urm bash -c "
		'$FS' -o lowerdir='$R/l',upperdir='$R/u',workdir='$R/w' '$R/m' || exit 1
		rm '$R/m/a' && rm -r '$R/m/d' && mkdir '$R/m/d' && echo n >'$R/m/d/n'
		umount '$R/m'" 2>"$T/userns.err"; then
		check "rootless: whiteout written" test "$(stat -c '%F %t:%T' "$R/u/a")" = "character special file 0:0"
		check "rootless: opaque is user.overlay.opaque" python3 -c "
import os, sys
sys.exit(0 if os.getxattr('$R/u/d', 'user.overlay.opaque') == b'y' else 1)"
	else
		fail "rootless mount in a user namespace" "$(cat "$T/userns.err")"
	fi
else
	skip "rootless mount in a user namespace" "unshare -Ur not permitted here"
fi
exit 0
