#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-rootless.sh — the rootless path: an
# unprivileged user (nobody, via setpriv) creates a sandbox in a user
# namespace where it is root, runs in it, cannot touch host files it does
# not own, and removes it.  The layered (FUSE) case needs /dev/fuse to be
# usable by that user.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_rootless_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-rootless "$SBX_SKIP"
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip sandbox-rootless "setpriv is not installed"
	exit 0
fi
front=$sbx_bin/cshell
uid=65534
chmod 755 "$work"
mkdir -p "$work/u"
chown "$uid:$uid" "$work/u"
if ! setpriv --reuid=$uid --regid=$uid --clear-groups test -x "$front" ||
	! setpriv --reuid=$uid --regid=$uid --clear-groups test -x "$CSHELL_INIT"; then
	skip sandbox-rootless "the test binaries are not reachable by uid $uid"
	exit 0
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)" = 0 ]; then
	skip sandbox-rootless "user namespaces are disabled"
	exit 0
fi

# usbx ARGS...: `sandbox ARGS…` as the unprivileged user
usbx() {
	setpriv --reuid=$uid --regid=$uid --clear-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/u" \
		CSHELL_RUNTIME_DIR="$work/u/rt" CSHELL_DATA_DIR="$work/u/data" \
		CSHELL_CONFIG_DIR="$work/u/cfg" CSHELL_INIT="$CSHELL_INIT" \
		CSHELL_FS="$CSHELL_FS" \
		"$front" -c 'sandbox "$@"' cshell "$@"
}

if ! out=$(usbx create rl --read-only --memory 64m 2>&1); then
	fail sandbox-rootless-create "$out"
	exit 0
fi
if [[ $out == *"without cpu/memory/pids limits"* ]]; then
	pass sandbox-rootless-no-cgroup-warning
else
	fail sandbox-rootless-no-cgroup-warning "no warning about missing limits: '$out'"
fi
out=$(usbx exec rl -- sh -c 'id -u; cat /proc/self/uid_map' 2>&1)
if [ "$(head -1 <<<"$out")" = 0 ] && grep -Eq "^ *0 +$uid +1$" <<<"$out"; then
	pass sandbox-rootless-mapped-root
else
	fail sandbox-rootless-mapped-root "$(tr '\n' ' ' <<<"$out")"
fi
echo host >"$work/hostfile"
chmod 644 "$work/hostfile"
out=$(usbx run --mount "$work:/w" -- sh -c 'echo x >> /w/hostfile' 2>&1)
rc=$?
if [ $rc != 0 ] && [ "$(cat "$work/hostfile")" = host ]; then
	pass sandbox-rootless-host-file-protected
else
	fail sandbox-rootless-host-file-protected "status $rc, '$out'"
fi
if [ -x /usr/bin/newuidmap ] && grep -Eq "^(nobody|$uid):" /etc/subuid 2>/dev/null &&
	grep -Eq "^(nobody|$uid):" /etc/subgid 2>/dev/null; then
	out=$(usbx exec rl -- cat /proc/self/uid_map 2>&1)
	if grep -Eq "^ *1 +[0-9]+ +[0-9]+$" <<<"$out"; then
		pass sandbox-rootless-subuid-range
	else
		fail sandbox-rootless-subuid-range "$(tr '\n' ' ' <<<"$out")"
	fi
else
	skip sandbox-rootless-subuid-range "no newuidmap or no /etc/subuid range for uid $uid"
fi
usbx rm -f rl
if [ "$(usbx ls --json)" = "[]" ]; then
	pass sandbox-rootless-rm
else
	fail sandbox-rootless-rm "sandbox still listed"
fi

# --net private without root: slirp4netns, ended with the sandbox
slirps() { pgrep -u $uid -x slirp4netns | wc -l; }
if ! command -v slirp4netns >/dev/null; then
	skip sandbox-rootless-net-private "slirp4netns is not installed"
elif ! setpriv --reuid=$uid --regid=$uid --clear-groups test -r /dev/net/tun -a -w /dev/net/tun; then
	# the error a user gets then is checked instead
	out=$(usbx run --read-only --net private -- true 2>&1)
	if [ $? != 0 ] && grep -q 'slirp4netns did not start: .*/dev/net/tun' <<<"$out"; then
		pass sandbox-rootless-net-private-clear-error
	else
		fail sandbox-rootless-net-private-clear-error "$out"
	fi
	skip sandbox-rootless-net-private "/dev/net/tun is not usable by uid $uid here"
else
	out=$(usbx run --read-only --net private -- sh -c \
		'PATH=/usr/sbin:/sbin:$PATH; ip -4 addr show tap0; ip -4 route' 2>&1)
	if grep -q "inet 10.0.2.100/24" <<<"$out" &&
		grep -q "^default via 10.0.2.2 dev tap0" <<<"$out"; then
		pass sandbox-rootless-net-private
	else
		fail sandbox-rootless-net-private "$(tr '\n' ' ' <<<"$out")"
	fi
	for _ in $(seq 1 50); do [ "$(slirps)" = 0 ] && break; sleep 0.1; done
	[ "$(slirps)" = 0 ] && pass sandbox-rootless-net-private-run-cleanup ||
		fail sandbox-rootless-net-private-run-cleanup "$(slirps) slirp4netns left after the run"
	if out=$(usbx create rln --read-only --net private 2>&1) &&
		[ "$(slirps)" = 1 ]; then
		usbx rm -f rln >/dev/null 2>&1
		for _ in $(seq 1 50); do [ "$(slirps)" = 0 ] && break; sleep 0.1; done
		[ "$(slirps)" = 0 ] && pass sandbox-rootless-net-private-rm ||
			fail sandbox-rootless-net-private-rm "slirp4netns still running after rm"
	else
		fail sandbox-rootless-net-private-rm "create: $out; $(slirps) slirp4netns"
		usbx rm -f rln >/dev/null 2>&1
	fi
fi

if setpriv --reuid=$uid --regid=$uid --clear-groups test -r /dev/fuse -a -w /dev/fuse; then
	if out=$(usbx create rlw 2>&1) &&
		out=$(usbx exec rlw -- sh -c 'echo hi > /etc/rl && cat /etc/rl' 2>&1) &&
		[ "$out" = hi ]; then
		pass sandbox-rootless-layered
	else
		fail sandbox-rootless-layered "$out"
	fi
	usbx rm -f rlw >/dev/null 2>&1
else
	skip sandbox-rootless-layered "/dev/fuse is not usable by uid $uid here"
fi
exit 0
