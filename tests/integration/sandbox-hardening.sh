#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-hardening.sh — what root inside a sandbox
# must not see of the host (docs/sandbox.md, "Security defaults"):
# - /sys is a fresh read-only sysfs of the sandbox's own network namespace
#   (no debugfs, tracefs, bpffs or securityfs, only the sandbox's
#   interfaces), also when the host has those mounted (they are mounted
#   here in a private mount namespace of the test);
# - with the host root as a layer (default mode, and --read-only): the
#   host's shadow files and ssh host keys read empty, other users' homes
#   and every cshell state root are empty, the caller's credential dirs
#   are masked while the rest of its home is shared;
# - host unix sockets under /tmp and /run are out of reach (FUSE does not
#   pass sockets through; --read-only over the host root covers them with
#   tmpfs);
# - init's oom_score_adj is as low as the host lets us set it.
# Every run is bounded by `timeout`; the temp user's home and files go
# away at exit.

. "$(dirname "$0")/sandbox-common.sh"
HOMEDIR= SOCKPID= FAKEKEY=
hard_cleanup() {
	[ -n "$SOCKPID" ] && kill "$SOCKPID" 2>/dev/null && wait "$SOCKPID" 2>/dev/null
	[ -n "$HOMEDIR" ] && rm -rf "$HOMEDIR"
	[ -n "$FAKEKEY" ] && rm -f "$FAKEKEY"
	sbx_cleanup
}
trap hard_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-hardening "$SBX_SKIP"
	exit 0
fi
for t in unshare python3 timeout; do
	command -v $t >/dev/null || { skip sandbox-hardening "$t is not installed"; exit 0; }
done
# the layered default mode needs /dev/fuse; --read-only over / does not
modes="--read-only"
[ "$SBX_FUSE" = 1 ] && modes="default --read-only"
mopt() { [ "$1" = default ] || echo "$1"; }
# run MODE [OPTIONS...]: `sandbox run` over the host root of the shell
# script on stdin; its output and status
run() {
	local m
	m=$(mopt "$1")
	shift
	timeout 30 "$sbx_bin/cshell" -c "sandbox run $m $* -- sh -s" 2>&1
}

# --- /sys ---------------------------------------------------------------
# the host's /sys with the pseudo file systems a host often has below it,
# in a mount namespace of our own (nothing changes outside it)
cat >"$work/sys.sh" <<'S'
grep -E " - (debugfs|tracefs|bpf|securityfs|cgroup) " /proc/self/mountinfo
echo sys:$(awk '$5 == "/sys"' /proc/self/mountinfo | wc -l)
S
for m in $modes; do
	out=$(timeout 60 unshare -m --propagation private sh -c '
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
		mount -t tracefs none /sys/kernel/tracing 2>/dev/null
		mount -t bpf none /sys/fs/bpf 2>/dev/null
		mount -t securityfs none /sys/kernel/security 2>/dev/null
		echo host:$(grep -cE " - (debugfs|tracefs|bpf|securityfs) " /proc/self/mountinfo)
		"$0" -c "sandbox run $1 -- sh -s" <"$2"
	' "$sbx_bin/cshell" "$(mopt $m)" "$work/sys.sh" 2>&1)
	if ! grep -q '^host:[1-9]' <<<"$out"; then
		skip "sandbox-sys-no-host-submounts-$m" "cannot mount debugfs & co here: $out"
	elif grep -q '^sys:1$' <<<"$out" && [ "$(grep -c . <<<"$out")" = 2 ]; then
		pass "sandbox-sys-no-host-submounts-$m"
	else
		fail "sandbox-sys-no-host-submounts-$m" "$(tr '\n' ' ' <<<"$out")"
	fi
	out=$(run $m <<<'ls /sys/class/net | tr "\n" " "')
	check "sandbox-sys-net-none-only-lo-$m" test "$out" = "lo "
	out=$(run $m <<<'awk '\''$5 == "/sys"'\'' /proc/self/mountinfo')
	if [[ $out == *" /sys ro,"*" - sysfs "* ]]; then
		pass "sandbox-sys-fresh-read-only-$m"
	else
		fail "sandbox-sys-fresh-read-only-$m" "$out"
	fi
	out=$(run $m <<<'touch /sys/kernel/x 2>&1; ls /sys/firmware | wc -l; test -f /sys/fs/cgroup/cgroup.procs && echo cg')
	if [[ $out == *"Read-only file system"* ]] && [[ $out == *$'\n0\ncg' ]]; then
		pass "sandbox-sys-masks-kept-$m"
	else
		fail "sandbox-sys-masks-kept-$m" "$(tr '\n' ' ' <<<"$out")"
	fi
done
