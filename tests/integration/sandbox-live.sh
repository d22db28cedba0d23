#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-live.sh — a sandbox over the live host root
# sees what the host changes (issue 19, the first hour: a developer edits
# on the host and builds in the sandbox): a file rewritten in place,
# replaced by a rename, deleted, and created, after the sandbox had read
# them all, shows its new content (or ENOENT) in the sandbox within a
# second.  The files live outside /tmp, /var/tmp and /run, which the
# sandbox gets fresh.

. "$(dirname "$0")/sandbox-common.sh"
host=
trap 'sbx_cleanup; [ -n "$host" ] && rm -rf "$host"' EXIT

if ! sbx_setup; then
	skip sandbox-live "$SBX_SKIP"
	exit 0
fi
if [ "$SBX_FUSE" != 1 ] || [ "$(basename "$CSHELL_FS")" != cshell-fs ]; then
	skip sandbox-live "needs cshell-fs and /dev/fuse"
	exit 0
fi
host=$(mktemp -d /opt/cshell-live.XXXXXX) || {
	skip sandbox-live "cannot make a directory under /opt"
	exit 0
}
chmod 755 "$host"
echo v1 >"$host/inplace"
echo v1 >"$host/renamed"
echo v1 >"$host/gone"

if ! out=$(sbx create lv 2>&1); then
	fail sandbox-live-create "$out"
	exit 0
fi
in_sb() { timeout 20 "$sbx_bin/cshell" -c '@lv cat "$@"' cshell "$@" 2>&1; }
out=$(in_sb "$host/inplace" "$host/renamed" "$host/gone"; in_sb "$host/new")
if [ "$(head -3 <<<"$out" | tr '\n' ' ')" != "v1 v1 v1 " ]; then
	fail sandbox-live-read "the sandbox reads '$out'"
	exit 0
fi

printf 'v2 in place\n' >"$host/inplace"
printf 'v2 renamed\n' >"$host/.renamed.tmp" && mv "$host/.renamed.tmp" "$host/renamed"
rm "$host/gone"
echo new >"$host/new"

# within NAME WANT FILE: the sandbox's cat of FILE says WANT within 1 s
within() {
	local s e got
	s=$(date +%s%N)
	while :; do
		got=$(in_sb "$3" | sed 's/^.*: //')
		e=$(date +%s%N)
		[ "$got" = "$2" ] && break
		if [ $(((e - s) / 1000000)) -gt 1000 ]; then
			fail "$1" "after 1 s the sandbox reads '$got', want '$2'"
			return
		fi
		sleep 0.05
	done
	pass "$1"
}
within sandbox-live-rewritten-in-place "v2 in place" "$host/inplace"
within sandbox-live-replaced-by-rename "v2 renamed" "$host/renamed"
within sandbox-live-deleted "No such file or directory" "$host/gone"
within sandbox-live-created new "$host/new"
sbx rm -f lv >/dev/null 2>&1
exit 0
