#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-allow-other.sh — a cshell-fs mount made by root serves other users
# without -o allow_other (as fuse-overlayfs and the kernel's overlayfs do),
# and the kernel still checks their permissions (default_permissions).
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "fs-allow-other" "needs root, setpriv and FUSE (and a built cshell-fs)"
	exit 0
fi
# nobody must reach the mount point
chmod 755 "$T"
mkdir -p "$T/l" "$T/u" "$T/w"
echo open >"$T/l/pub"
echo secret >"$T/l/priv"
chmod 644 "$T/l/pub"
chmod 600 "$T/l/priv"
if ! fs_mount "$T/m" "$T/l" "$T/u" "$T/w"; then
	fail "fs-allow-other mount" "cshell-fs did not mount"; exit 0
fi
chmod 755 "$T/m"

nobody() { timeout 20 setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

if out=$(nobody stat -c %s "$T/m/pub" 2>&1) && [ "$out" = 5 ]; then
	pass "other user stats a file"
else
	fail "other user stats a file" "$out"
fi
if out=$(nobody cat "$T/m/pub" 2>&1) && [ "$out" = open ]; then
	pass "other user reads a 0644 file"
else
	fail "other user reads a 0644 file" "$out"
fi
if out=$(nobody cat "$T/m/priv" 2>&1); then
	fail "0600 root file refused" "read '$out'"
elif [[ $out == *"Permission denied"* ]]; then
	pass "0600 root file refused"
else
	fail "0600 root file refused" "$out"
fi
if out=$(nobody touch "$T/m/new" 2>&1); then
	fail "root-owned directory not writable" "touch worked"
elif [[ $out == *"Permission denied"* ]]; then
	pass "root-owned directory not writable"
else
	fail "root-owned directory not writable" "$out"
fi
if grep -q " $T/m fuse.cshell-fs .*allow_other" /proc/self/mountinfo ||
	grep -q "^[^ ]* $T/m fuse.cshell-fs [^ ]*allow_other" /proc/mounts; then
	pass "mount table shows allow_other"
else
	fail "mount table shows allow_other" "$(grep " $T/m " /proc/mounts)"
fi
exit 0
