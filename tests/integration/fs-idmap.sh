#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-idmap.sh — uidmapping=/gidmapping= (fuse-overlayfs syntax): ids on
# disk are host ids, the mount shows container ids; chown and new files
# store host ids; ids outside every range show as 65534 and cannot be
# stored; a bad mapping is refused with a clear message.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-idmap" "needs root (files owned by other ids) and FUSE"; exit 0
fi
L=$T/l
mkdir -p "$L" "$T/u" "$T/w"
echo a >"$L/root-owned"
echo b >"$L/host1000" && chown 1000:1000 "$L/host1000"
echo c >"$L/host100005" && chown 100005:100007 "$L/host100005"
map=uidmapping=0:1000:1:1:100000:65536,gidmapping=0:1000:1:1:100000:65536
if ! fs_mount "$T/m" "$L" "$T/u" "$T/w" "$map"; then
	fail "fs-idmap mount" "cshell-fs did not mount with $map"; exit 0
fi
check() { # NAME WANT GOT
	[ "$2" = "$3" ] && pass "$1" || fail "$1" "want '$2', got '$3'"
}
check "host 1000 shows as 0" "0 0" "$(stat -c '%u %g' "$T/m/host1000")"
check "host 100005 shows as 6 (1 is host 100000)" "6 8" "$(stat -c '%u %g' "$T/m/host100005")"
check "unmapped host 0 shows as 65534" "65534 65534" "$(stat -c '%u %g' "$T/m/root-owned")"
check "ls -n agrees with stat" "0 0" "$(ls -n "$T/m/host1000" | awk '{print $3, $4}')"
echo new >"$T/m/new"
check "a new file is stored as host 1000" "1000 1000" "$(stat -c '%u %g' "$T/u/new")"
check "and shows as 0" "0 0" "$(stat -c '%u %g' "$T/m/new")"
chown 5:6 "$T/m/host1000"
check "chown stores host ids" "100004 100005" "$(stat -c '%u %g' "$T/u/host1000")"
check "chown shows container ids" "5 6" "$(stat -c '%u %g' "$T/m/host1000")"
err=$(chown 70000 "$T/m/new" 2>&1); rc=$?
[ $rc != 0 ] && echo "$err" | grep -q "Invalid argument" &&
	pass "chown to an unmapped id: EINVAL" ||
	fail "chown to an unmapped id: EINVAL" "rc=$rc $err"
check "the failed chown changed nothing" "1000" "$(stat -c '%u' "$T/u/new")"
mkdir -p "$T/bad"
err=$("$FS" -o "lowerdir=$L,uidmapping=0:1000" "$T/bad" 2>&1); rc=$?
[ $rc != 0 ] && echo "$err" | grep -q "uidmapping '0:1000' is not CONTAINER:HOST:COUNT" &&
	pass "a bad mapping is refused clearly" ||
	fail "a bad mapping is refused clearly" "rc=$rc $err"
