# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/vm-common.sh — sourced by the VM tests after
# tests/lib.sh: a private state root, Debian's 6.1 kernel .deb from apt's
# cache (downloaded, never installed, when missing) and the kernel cache
# kept across runs, and a cleanup that kills the QEMUs and supervisors of
# every VM of that root by the pids they recorded, unmounts their layered
# roots and removes their cgroups, even when a test fails halfway.  Sets:
# repo bin vm csh work deb; exits 0 after a SKIP when something needed is
# missing.


bin=${CSHELL_BIN:-$repo/build/bin}
case $bin in /*) ;; *) bin=$repo/$bin ;; esac
vm=$bin/cshell-vm
csh=$bin/cshell

work=$(mktemp -d "${TMPDIR:-/tmp}/cshell-$1.XXXXXX") || exit 1
export CSHELL_RUNTIME_DIR=$work/rt CSHELL_DATA_DIR=$work/data
export CSHELL_CONFIG_DIR=$work/cfg
export CSHELL_AGENT=$bin/cshell-agent

vm_cleanup() {
	local d f pid m
	for d in "$CSHELL_RUNTIME_DIR"/vm/*/; do
		[ -d "$d" ] || continue
		for f in qemu.pid supervisor.pid; do
			pid=$(cat "$d/$f" 2>/dev/null) || continue
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		done
	done
	# QEMU's cgroups (vm/cgroup.c), drained once it is dead
	for f in "$CSHELL_RUNTIME_DIR"/vm/*/cgroup; do
		[ -f "$f" ] || continue
		for m in $(tr ':' ' ' <"$f"); do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				rmdir "$m" 2>/dev/null || [ ! -d "$m" ] && break
				sleep 0.1
			done
			rmdir "${m%/*}" 2>/dev/null # cshell-vm/, once empty
		done
	done
	for m in "$CSHELL_RUNTIME_DIR"/vm/*/rootfs; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	[ -n "$vm_extra_cleanup" ] && eval "$vm_extra_cleanup"
	rm -rf "$work"
}
trap vm_cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	skip "$1" "needs root (9p passthrough, the layered root)"
	exit 0
fi
if ! [ -x "$vm" ] || ! [ -x "$csh" ] || ! [ -x "$bin/cshell-agent" ]; then
	fail "$1" "cshell, cshell-vm or cshell-agent is not built"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "$1" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	exit 0
fi
deb=$(ls /var/cache/apt/archives/linux-image-6.1*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
if [ -z "$deb" ]; then
	timeout 300 apt-get install -y -qq --download-only --no-install-recommends \
		linux-image-amd64 >/dev/null 2>&1
	deb=$(ls /var/cache/apt/archives/linux-image-6.1*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
fi
if [ -z "$deb" ]; then
	skip "$1" "no linux-image-6.1 .deb in apt's cache and none downloadable"
	exit 0
fi
cache=${CSHELL_TEST_CACHE:-/var/tmp/cshell-test-cache}/vm-kernels
mkdir -p "$cache" "$CSHELL_DATA_DIR/vm" && ln -s "$cache" "$CSHELL_DATA_DIR/vm/kernels"
