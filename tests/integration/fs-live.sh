#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-live.sh — a lower layer that changes outside the daemon (the host
# root under a sandbox) is served live: after the host rewrites a file in
# place, replaces it by a rename, appends to it, deletes one or creates
# one, reads through the mount show the new state within a second, though
# the mount had read, listed and looked up (negatively) all of them first.
# As root the daemon watches the layer's filesystem with fanotify; without
# CAP_SYS_ADMIN (as rootless: no filesystem marks) it caches such entries
# for half a second.  With live=0 the old contents stay (the day-long caches).
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-live" "needs root and FUSE (and a built cshell-fs)"
	exit 0
fi

as() { timeout 10 "$@"; }

# within NAME WANT CMD...: CMD's output (and errors) must become WANT
# within a second of the change
within() {
	local name=$1 want=$2 got s e
	shift 2
	s=$(date +%s%N)
	while :; do
		got=$(as "$@" 2>&1 | sed 's/^.*: //')
		e=$(date +%s%N)
		[ "$got" = "$want" ] && break
		if [ $(((e - s) / 1000000)) -gt 1000 ]; then
			fail "$name" "after 1 s got '$got', want '$want'"
			return 1
		fi
		sleep 0.05
	done
	pass "$name ($(((e - s) / 1000000)) ms)"
}

# run KIND MNT LOWER: the cases on a mount of LOWER at MNT
run() {
	local k=$1 m=$2 l=$3
	# everything read, listed and looked up first, so the kernel has it
	as cat "$m/inplace" "$m/renamed" "$m/appended" "$m/gone" \
		"$m/sub/deep" >/dev/null
	as ls -la "$m" "$m/sub" >/dev/null
	as stat "$m/new" "$m/sub/new" >/dev/null 2>&1
	printf 'v2 in place\n' >"$l/inplace"
	printf 'v2 renamed\n' >"$l/.renamed.tmp" && mv "$l/.renamed.tmp" "$l/renamed"
	echo more >>"$l/appended"
	rm "$l/gone"
	echo new >"$l/new"
	echo deeper >"$l/sub/new"
	printf 'v2\n' >"$l/sub/deep"
	within "fs-live $k: rewritten in place" "v2 in place" cat "$m/inplace"
	within "fs-live $k: replaced by rename" "v2 renamed" cat "$m/renamed"
	within "fs-live $k: appended" "v1
more" cat "$m/appended"
	within "fs-live $k: deleted" "No such file or directory" cat "$m/gone"
	within "fs-live $k: created" new cat "$m/new"
	within "fs-live $k: listing" "appended inplace new renamed sub" \
		sh -c "ls '$m' | tr '\n' ' ' | sed 's/ \$//'"
	within "fs-live $k: in a subdirectory" "v2 deeper" \
		sh -c "cat '$m/sub/deep' '$m/sub/new' | tr '\n' ' ' | sed 's/ \$//'"
}

layer() {
	mkdir -p "$1/sub"
	echo v1 >"$1/inplace"
	echo v1 >"$1/renamed"
	echo v1 >"$1/appended"
	echo v1 >"$1/gone"
	echo v1 >"$1/sub/deep"
}

# root: fanotify
layer "$T/l"
mkdir -p "$T/u" "$T/w"
if fs_mount "$T/m" "$T/l" "$T/u" "$T/w"; then
	run root "$T/m" "$T/l"
else
	fail "fs-live root" "cshell-fs did not mount"
fi

# live=0: the kernel keeps what it read (the lower never changes)
layer "$T/l0"
mkdir -p "$T/u0" "$T/w0"
if fs_mount "$T/m0" "$T/l0" "$T/u0" "$T/w0" live=0; then
	cat "$T/m0/inplace" >/dev/null
	echo v2 >"$T/l0/.t" && mv "$T/l0/.t" "$T/l0/inplace"
	sleep 0.3
	if [ "$(cat "$T/m0/inplace")" = v1 ]; then
		pass "fs-live live=0 keeps the cache"
	else
		fail "fs-live live=0 keeps the cache" "reads '$(cat "$T/m0/inplace")'"
	fi
else
	fail "fs-live live=0" "cshell-fs did not mount"
fi

# without CAP_SYS_ADMIN (as rootless): no filesystem marks, short
# timeouts; mounted the sandbox's way, so that the daemon needs none
if ! command -v setpriv >/dev/null; then
	skip "fs-live without CAP_SYS_ADMIN" "setpriv (util-linux) missing"
	exit 0
fi
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; fs_cleanup' EXIT
d=$T/nc
mkdir -p "$d/m" "$d/u" "$d/w"
layer "$d/l"
if CSHELL_LOG=info fs_start_fd "$d/m" "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" \
	setpriv --bounding-set -sys_admin --inh-caps -sys_admin --; then
	# mounted before the daemon started: its first answer comes after
	# its setup, and so after the message
	timeout 10 stat "$d/m/inplace" >/dev/null
	if grep -q "no fanotify" "$T/fs.err"; then
		run "without CAP_SYS_ADMIN" "$d/m" "$d/l"
	else
		fail "fs-live without CAP_SYS_ADMIN" "the daemon did not fall back: $(head -c 300 "$T/fs.err")"
	fi
	fs_umount "$d/m"
else
	fail "fs-live without CAP_SYS_ADMIN" "cshell-fs did not mount: $(head -c 300 "$T/fs.err")"
fi
exit 0
