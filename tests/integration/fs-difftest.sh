#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-difftest.sh — differential test of cshell-fs against the kernel's
# overlayfs: the same seeded random operations on both, over identical
# layers (OCI whiteouts for cshell-fs, converted for the kernel), every
# result compared, then the final trees.  Each seed runs twice: with the
# upper layer in the kernel's marker form and with whiteout=oci.
# FS_DIFF_SEEDS / FS_DIFF_OPS / FS_DIFF_FORMS override the seeds, the
# operations per seed and the forms.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

seeds=${FS_DIFF_SEEDS:-"1 2 3 4 5"}
ops=${FS_DIFF_OPS:-2000}
forms=${FS_DIFF_FORMS:-"kernel oci"}
tester=$CSHELL_BIN/ovl-difftest

if ! can_fuse; then
	skip "fs-difftest" "no FUSE here"; exit 0
fi
if ! can_kovl; then
	skip "fs-difftest" "kernel overlayfs cannot be mounted here (needs root)"; exit 0
fi
# the tester itself must see a difference when there is one
mkdir -p "$T/ta" "$T/tb"; echo 1 >"$T/ta/a"; echo 2 >"$T/tb/a"
if "$tester" 1 50 "$T/ta" "$T/tb" >/dev/null 2>&1; then
	fail "difftest detects differing trees" "reported no mismatch"
else
	pass "difftest detects differing trees"
fi
# data integrity: one lower file hammered through the mount (copy-up on
# the first write, a read descriptor opened before it) against a shadow
d=$T/integrity; mkdir -p "$d/l" "$d/u" "$d/w"
head -c 300000 /dev/urandom >"$d/l/file"
if fs_mount "$d/m" "$d/l" "$d/u" "$d/w"; then
	for s in 1 2; do
		if out=$(timeout 120 "$tester" --integrity "$s" 3000 "$d/m/file" 2>&1); then
			pass "data integrity seed $s"
		else
			echo "$out" | head -n 10
			fail "data integrity seed $s" "$(echo "$out" | tail -n 1 | sed 's/^ *//')"
		fi
	done
	fs_umount "$d/m"
else
	fail "data integrity" "cshell-fs did not mount"
fi

for form in $forms; do
for s in $seeds; do
	d=$T/$form$s
	make_layers "$d"
	mkdir -p "$d/u" "$d/w" "$d/ku" "$d/kw"
	if ! fs_mount "$d/m" "$d/oci/l1:$d/oci/l2" "$d/u" "$d/w" whiteout=$form; then
		fail "difftest $form seed $s" "cshell-fs did not mount"; continue
	fi
	if ! kovl_mount "$d/km" "$d/kern/l1:$d/kern/l2" "$d/ku" "$d/kw"; then
		fail "difftest $form seed $s" "kernel overlayfs did not mount"; continue
	fi
	if out=$(timeout 300 "$tester" "$s" "$ops" "$d/m" "$d/km" 2>&1); then
		pass "difftest $form seed $s ($ops ops)"
	else
		echo "$out" | head -n 30
		fail "difftest $form seed $s" "$(echo "$out" | tail -n 1 | sed 's/^ *//')"
	fi
	fs_umount "$d/m"; umount "$d/km"
done
done
exit 0
