#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/up.sh — a warm `cshell up -- true` (Cshellfile unchanged:
# no evaluation, no build; the sandbox joined) side by side with
# `podman run --rm IMAGE true` (a new container each time) and `podman
# exec CTR true` (joining a running one).  The environment is a busybox
# tree from scratch with one run step; podman gets the same tree as an
# image, in private storage under the test's temp dir.  Per-run ms and
# ratios (< 1.0: cshell is faster).  Usage: tests/bench/up.sh [N] (20).

. "$(dirname "$0")/../integration/sandbox-common.sh"
n=${1:-20}
pod() { podman --root "$work/podman" --runroot "$work/podman-run" \
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend none "$@"; }
cleanup() {
	[ -n "${work:-}" ] && pod rm -f -t 0 bench >/dev/null 2>&1
	[ -n "${work:-}" ] && pod system reset -f >/dev/null 2>&1
	sbx_cleanup
}
trap cleanup EXIT

if ! sbx_setup; then
	echo "SKIP: bench-up: $SBX_SKIP"
	exit 0
fi
[ -x /bin/busybox ] || { echo "SKIP: bench-up: busybox-static not installed"; exit 0; }
P=$work/proj
mkdir -p "$P/root/bin"
cp /bin/busybox "$P/root/bin/busybox"
for c in sh true cat; do ln -s busybox "$P/root/bin/$c"; done
cat >"$P/Cshellfile" <<'EOF'
from scratch
copy root/bin /bin
env PATH=/bin
run 'echo made >/made'
EOF
cs() { (cd "$P" && "$sbx_bin/cshell" "$@"); }
cs up -- true >/dev/null 2>&1 || { echo "FAIL: bench-up: the cold up failed"; exit 0; }

now() { date +%s%N; }
per_run() {
	local t0 t1 i
	t0=$(now)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	t1=$(now)
	echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc
}
up_ms=$(per_run cs up -- true)
echo "cshell up -- true (warm):     $up_ms ms"

if ! command -v podman >/dev/null; then
	echo "SKIP: bench-up-podman: podman not installed"
	exit 0
fi
tar -C "$P/root" -c --transform 's,^\./,,' --exclude=. -f "$work/root.tar" ./bin 2>/dev/null
if ! pod import --change 'ENV PATH=/bin' "$work/root.tar" localhost/upbench >/dev/null 2>&1; then
	echo "SKIP: bench-up-podman: podman import failed"
	exit 0
fi
run_ms=$(per_run pod run --rm --network none localhost/upbench true)
echo "podman run --rm IMAGE true:   $run_ms ms  (ratio $(echo "scale=2; $up_ms / $run_ms" | bc))"
pod run -d --name bench --network none localhost/upbench sh -c 'sleep 100000' >/dev/null 2>&1
exec_ms=$(per_run pod exec bench true)
echo "podman exec CTR true:         $exec_ms ms  (ratio $(echo "scale=2; $up_ms / $exec_ms" | bc))"
