#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sandbox-start-race.sh — `sandbox run` starting while both CPUs are busy.
# The sandbox's init once took the error pipe's end from memory it shares
# with the caller, which the caller resets as soon as the helper that
# cloned init exits; on a loaded machine init read -1 there, the command
# kept the pipe open while waiting for its go, and the caller waited for
# the pipe's EOF forever (10 of 30 starts hung here).  Every start must
# end, each within a bound.
. "$(dirname "$0")/sandbox-common.sh"

burners=()
race_cleanup() {
	local p
	for p in "${burners[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sbx_cleanup
}
trap race_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-start-race "$SBX_SKIP"
	exit 0
fi

# two CPU burners, ours by pid, bounded even if we die first
for _ in 1 2; do
	timeout 120 sh -c 'while :; do :; done' &
	burners+=($!)
done

# starts NAME OK_ERROR CMD...: CMD (a `sandbox run`) 20 times, each
# bounded; a failure counts unless its message matches OK_ERROR (an ERE)
starts() {
	local name=$1 ok=$2 hung=0 failed=0 runs=20 last= out rc
	shift 2
	for _ in $(seq 1 $runs); do
		out=$(timeout 20 "$@" 2>&1)
		rc=$?
		if [ $rc = 124 ]; then
			hung=$((hung + 1))
		elif [ $rc != 0 ] && { [ -z "$ok" ] || ! grep -Eq "$ok" <<<"$out"; }; then
			failed=$((failed + 1))
			last=$out
		fi
	done
	if [ $hung = 0 ] && [ $failed = 0 ]; then
		pass "$name: $runs runs under load all ended"
	else
		fail "$name" "$hung of $runs runs hung, $failed failed${last:+ (last: $last)}"
	fi
}

starts sandbox-start-race "" "$sbx_bin/cshell" -c 'sandbox "$@"' cshell run --read-only -- true

# rootless with a private network, where init first waits for its id
# maps and the clone takes longest (the race was seen there), as an
# unprivileged user with its own state dirs; without slirp4netns or a
# usable /dev/net/tun the start fails, which is fine as long as it ends
uid=65534
chmod 755 "$work"
mkdir -p "$work/u"
chown "$uid:$uid" "$work/u"
if ! command -v setpriv >/dev/null ||
	[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)" = 0 ] ||
	! setpriv --reuid=$uid --regid=$uid --clear-groups test -x "$sbx_bin/cshell"; then
	skip sandbox-start-race-rootless "no unprivileged user namespaces or binaries out of uid $uid's reach"
	exit 0
fi
starts sandbox-start-race-rootless 'slirp4netns' setpriv --reuid=$uid --regid=$uid --clear-groups \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/u" \
	CSHELL_RUNTIME_DIR="$work/u/rt" CSHELL_DATA_DIR="$work/u/data" \
	CSHELL_CONFIG_DIR="$work/u/cfg" CSHELL_INIT="$CSHELL_INIT" \
	CSHELL_FS="$CSHELL_FS" \
	"$sbx_bin/cshell" -c 'sandbox "$@"' cshell run --read-only --net private -- true
