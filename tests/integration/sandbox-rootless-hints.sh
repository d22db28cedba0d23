#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-rootless-hints.sh — what an unprivileged user
# (nobody, via setpriv) is told when the host keeps a device from them:
# a root-only /dev/fuse gives libfuse's real cause and the two ways on
# (access to /dev/fuse, or --read-only, which needs no FUSE), not a
# guess about fusermount3 or CSHELL_FS; a root-only /dev/net/tun gives a
# sentence about it, not slirp4netns's "child failed(1)".  The binaries
# are copied where that uid can reach them.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_rootless_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-rootless-hints "$SBX_SKIP"
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip sandbox-rootless-hints "setpriv is not installed"
	exit 0
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)" = 0 ]; then
	skip sandbox-rootless-hints "user namespaces are disabled"
	exit 0
fi
uid=65534
chmod 755 "$work"
mkdir -p "$work/u" "$work/bin"
chown "$uid:$uid" "$work/u"
for b in cshell cshell-init; do
	cp "$sbx_bin/$b" "$work/bin/$b" || { fail sandbox-rootless-hints "no $b"; exit 0; }
done
cp "$(command -v "$CSHELL_FS")" "$work/bin/cshell-fs" 2>/dev/null
chmod 755 "$work/bin" "$work/bin"/*
as_user() { setpriv --reuid=$uid --regid=$uid --clear-groups "$@"; }
usbx() {
	as_user env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/u" \
		CSHELL_RUNTIME_DIR="$work/u/rt" CSHELL_DATA_DIR="$work/u/data" \
		CSHELL_CONFIG_DIR="$work/u/cfg" CSHELL_INIT="$work/bin/cshell-init" \
		CSHELL_FS="$work/bin/cshell-fs" \
		timeout 60 "$work/bin/cshell" -c 'sandbox "$@"' cshell "$@"
}

if as_user test -r /dev/fuse -a -w /dev/fuse; then
	skip sandbox-rootless-fuse-hint "/dev/fuse is usable by uid $uid here"
elif ! [ -e /dev/fuse ]; then
	skip sandbox-rootless-fuse-hint "no /dev/fuse"
else
	out=$(usbx create rw 2>&1)
	rc=$?
	if [ $rc != 0 ] && [[ $out == *"failed to open /dev/fuse: Permission denied"* ]] &&
		[[ $out == *"--read-only"* ]] && [[ $out != *fusermount3* ]] &&
		[[ $out != *CSHELL_FS* ]]; then
		pass sandbox-rootless-fuse-hint
	else
		fail sandbox-rootless-fuse-hint "status $rc, '$out'"
	fi
	# and what it says works does work
	out=$(usbx run --read-only -- echo ok 2>&1)
	check sandbox-rootless-fuse-hint-read-only-works test "$out" = ok
fi

if ! command -v slirp4netns >/dev/null; then
	skip sandbox-rootless-slirp-hint "slirp4netns is not installed"
elif as_user test -r /dev/net/tun -a -w /dev/net/tun; then
	skip sandbox-rootless-slirp-hint "/dev/net/tun is usable by uid $uid here"
else
	out=$(usbx run --read-only --net slirp -- true 2>&1)
	rc=$?
	if [ $rc != 0 ] && [[ $out == *"cannot open /dev/net/tun"* ]] &&
		[[ $out != *"child failed"* ]] && [ "$(wc -l <<<"$out")" = 1 ]; then
		pass sandbox-rootless-slirp-hint
	else
		fail sandbox-rootless-slirp-hint "status $rc, '$out'"
	fi
fi
exit 0
