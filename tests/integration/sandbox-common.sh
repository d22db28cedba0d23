#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-common.sh — shared setup of the sandbox-*.sh
# tests.  Sourced, it defines sbx_setup (own state roots, the `sandbox`
# front end, cshell-init and the layered-fs program), sbx (runs one
# `sandbox …` command), the PASS/FAIL/SKIP printers (tests/lib.sh) and
# sbx_cleanup (kills, unmounts and removes everything the test made, even
# after a failure).  Run on its own, it checks the front end's usage
# errors.
#
# The front end is `cshell -c 'sandbox …'`; a cshell or cshell-init that is
# not built is a failure, never a skip.  The layered fs is $CSHELL_FS,
# else build/bin/cshell-fs, else Debian's fuse-overlayfs.

sbx_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sbx_bin=${CSHELL_BIN:-$sbx_repo/build/bin}
case $sbx_bin in /*) ;; *) sbx_bin=$sbx_repo/$sbx_bin ;; esac

. "$sbx_repo/tests/lib.sh"

# The front end is the shell's builtin (`cshell -c 'sandbox …'`); the
# sandbox's pid 1 is the built cshell-init.  Returns 1 (a failure, reason
# in $work/cc.log) when either is missing.
sbx_build_frontend() {
	if ! [ -x "$sbx_bin/cshell" ] ||
		! "$sbx_bin/cshell" -c 'sandbox help' >/dev/null 2>&1; then
		echo "$sbx_bin/cshell has no working sandbox builtin" >"$work/cc.log"
		return 1
	fi
	if [ -x "$sbx_bin/cshell-init" ]; then
		export CSHELL_INIT=$sbx_bin/cshell-init
		return 0
	fi
	echo "$sbx_bin/cshell-init is not built" >"$work/cc.log"
	return 1
}
# the INPUT rule that keeps --net private sandboxes off the host (net.c)
sbx_host_block_rule() {
	iptables -w "$1" INPUT -i cshbr0 ! -s 10.89.128.0/17 -m conntrack \
		--ctstate NEW -j REJECT 2>/dev/null
}
sbx_remove_bridge() {
	if [ "$SBX_HAD_HOST_BLOCK" = 0 ]; then
		while sbx_host_block_rule -D; do :; done
	fi
	[ "$SBX_HAD_BRIDGE" = 0 ] || return 0
	# --net private switched forwarding on for the bridge it made
	[ -n "$SBX_IP_FORWARD" ] &&
		echo "$SBX_IP_FORWARD" >/proc/sys/net/ipv4/ip_forward 2>/dev/null
	ip link del cshbr0 2>/dev/null
	iptables -t nat -D POSTROUTING -s 10.89.0.0/16 ! -o cshbr0 \
		-j MASQUERADE 2>/dev/null
	return 0
}

# sbx ARGS...: one `sandbox ARGS…` command through the front end.
sbx() {
	"$sbx_bin/cshell" -c 'sandbox "$@"' cshell "$@"
}

# Sets up the temp state roots and the tools; returns 1 (reason in
# SBX_SKIP) when this machine cannot run sandboxes.
sbx_setup() {
	SBX_SKIP=
	if [ "$(id -u)" != 0 ]; then
		SBX_SKIP="needs root (the rootless path is not covered yet)"
		return 1
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/cshell-sbx.XXXXXX") || return 1
	export CSHELL_RUNTIME_DIR=$work/rt CSHELL_DATA_DIR=$work/data
	export CSHELL_CONFIG_DIR=$work/cfg
	if ! sbx_build_frontend; then
		# a missing builtin is a broken build, not a limit of this machine
		echo "FAIL: sandbox-frontend: $(head -3 "$work/cc.log")"
		SBX_SKIP="see the sandbox-frontend failure"
		return 1
	fi
	if [ -n "${CSHELL_FS:-}" ]; then
		:
	elif [ -x "$sbx_bin/cshell-fs" ]; then
		export CSHELL_FS=$sbx_bin/cshell-fs
	elif command -v fuse-overlayfs >/dev/null; then
		export CSHELL_FS=fuse-overlayfs
	else
		export CSHELL_FS=/nonexistent/cshell-fs
	fi
	SBX_FUSE=1
	[ -e /dev/fuse ] || SBX_FUSE=0
	return 0
}

# Kills every init recorded under our runtime root, unmounts whatever is
# mounted below $work, removes the cgroups and the temp dir.
# --net private makes a host bridge and NAT rule: host state that a test
# removes again when it was not there before
SBX_HAD_BRIDGE=0
ip link show cshbr0 >/dev/null 2>&1 && SBX_HAD_BRIDGE=1
SBX_IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)
SBX_HAD_HOST_BLOCK=1
command -v iptables >/dev/null && ! sbx_host_block_rule -C && SBX_HAD_HOST_BLOCK=0

sbx_cleanup() {
	local st pid cg m
	[ -n "${work:-}" ] && [ -d "$work" ] || return 0
	for st in "$work"/rt/sandboxes/*/state; do
		[ -f "$st" ] || continue
		pid=$(sed -n 's/^init_pid=//p' "$st")
		if [ -n "$pid" ] && [ "$pid" -gt 1 ] &&
			grep -q cshell-init "/proc/$pid/cmdline" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null
		fi
	done
	sleep 0.1
	awk -v w="$work" 'index($2, w) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
	done
	for st in "$work"/rt/sandboxes/*/state; do
		[ -f "$st" ] || continue
		for cg in $(sed -n 's/^cgroup_v[12]=//p' "$st" | tr ':' ' '); do
			case $cg in /sys/fs/cgroup/*cshell/*) rmdir "$cg" 2>/dev/null ;; esac
		done
	done
	rm -rf "$work"
	sbx_remove_bridge
}

# sbx_cleanup after killing the inits of an unprivileged user's sandboxes,
# whose state roots the rootless tests keep in $work/u
sbx_rootless_cleanup() {
	local st pid
	for st in "$work"/u/rt/sandboxes/*/state; do
		[ -f "$st" ] || continue
		pid=$(sed -n 's/^init_pid=//p' "$st")
		[ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -9 "$pid" 2>/dev/null
	done
	sbx_cleanup
}

# Executed directly: a small self test of the front end.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	trap sbx_cleanup EXIT
	if ! sbx_setup; then
		skip sandbox-frontend "$SBX_SKIP"
		exit 0
	fi
	sbx help >/dev/null 2>&1
	check sandbox-help test $? = 0
	sbx frobnicate >/dev/null 2>&1
	check sandbox-usage-unknown-command test $? = 2
	sbx create >/dev/null 2>&1
	check sandbox-usage-missing-name test $? = 2
	out=$(sbx create x --memory lots 2>&1)
	rc=$?
	if [ $rc = 2 ] && [[ $out == *"invalid size 'lots'"* ]]; then
		pass sandbox-usage-bad-size
	else
		fail sandbox-usage-bad-size "status $rc, '$out'"
	fi
	out=$(sbx create 'bad/name' 2>&1)
	rc=$?
	if [ $rc = 2 ] && [[ $out == *"invalid sandbox name"* ]]; then
		pass sandbox-usage-bad-name
	else
		fail sandbox-usage-bad-name "status $rc, '$out'"
	fi
	out=$(sbx inspect nosuch 2>&1)
	rc=$?
	if [ $rc = 1 ] && [[ $out == *"no such sandbox 'nosuch'"* ]]; then
		pass sandbox-inspect-missing
	else
		fail sandbox-inspect-missing "status $rc, '$out'"
	fi
	out=$(sbx ls --json)
	check sandbox-ls-json-empty test "$out" = "[]"
	exit 0
fi
