# SPDX-License-Identifier: GPL-3.0-or-later
# fs-test-lib.sh — shared by tests/integration/fs-*.sh and tests/bench/fs.sh:
# a scratch directory, layer generators, cshell-fs and kernel overlayfs
# mounts, and an EXIT trap that unmounts everything it mounted, also when a
# test fails.  Source it; it sets T (the scratch dir) and FS (the daemon:
# $CSHELL_FS_DAEMON when set, so a suite can run against another build).

set -u
CSHELL_SRC=${CSHELL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CSHELL_BIN=${CSHELL_BIN:-$CSHELL_SRC/build/bin}
FS=${CSHELL_FS_DAEMON:-$CSHELL_BIN/cshell-fs}
T=$(mktemp -d "${TMPDIR:-/tmp}/cshell-fs-test.XXXXXX")
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run
MOUNTED=()

# is_mounted DIR: whether DIR is in the mount table; unlike mountpoint(1)
# it also says so for a FUSE mount whose daemon died (stat gives ENOTCONN).
is_mounted() {
	findmnt -rn --mountpoint "$1" >/dev/null 2>&1
}

fs_cleanup() {
	local m i
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		m=${MOUNTED[i]}
		is_mounted "$m" || continue
		timeout 10 fusermount3 -u "$m" 2>/dev/null ||
			timeout 10 umount "$m" 2>/dev/null ||
			timeout 10 umount -l "$m" 2>/dev/null
	done
	rm -rf "$T"
}
trap fs_cleanup EXIT

. "$CSHELL_SRC/tests/lib.sh"

# can_fuse: whether FUSE mounts work here.  A cshell-fs that is not built
# is a broken build, not a limit of this machine: a failure (the caller's
# skip line follows it).
can_fuse() {
	if [ ! -f "$FS" ] || [ ! -x "$FS" ]; then
		fail "$(basename "$0" .sh)-build" "'$FS' is not built"
		return 1
	fi
	[ -c /dev/fuse ] && command -v fusermount3 >/dev/null
}

# can_kovl: whether the kernel overlayfs can be mounted (root, module).
can_kovl() {
	[ "$(id -u)" = 0 ] && grep -qw overlay /proc/filesystems 2>/dev/null ||
		{ [ "$(id -u)" = 0 ] && modprobe overlay 2>/dev/null; }
}

# fs_mount MNT LOWERS UPPER WORK [extra opts]: mounts cshell-fs.
fs_mount() {
	local mnt=$1 lowers=$2 upper=$3 work=$4 extra=${5:-} o
	mkdir -p "$mnt"
	o="lowerdir=$lowers"
	[ -n "$upper" ] && o="$o,upperdir=$upper,workdir=$work"
	[ -n "$extra" ] && o="$o,$extra"
	MOUNTED+=("$mnt")
	timeout 20 "$FS" -o "$o" "$mnt"
}

# fs_start_fg MNT OPTS: cshell-fs in the foreground as our child (pid in
# PID, stderr in $T/fs.err), back once MNT is mounted or the daemon died.
fs_start_fg() {
	MOUNTED+=("$1")
	"$FS" -f -o "$2" "$1" 2>"$T/fs.err" &
	PID=$!
	for _ in $(seq 1 100); do
		mountpoint -q "$1" && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# kovl_mount MNT LOWERS UPPER WORK: mounts the kernel overlayfs.
kovl_mount() {
	local mnt=$1
	mkdir -p "$mnt" "$4"
	MOUNTED+=("$mnt")
	timeout 20 mount -t overlay overlay \
		-o "lowerdir=$2,upperdir=$3,workdir=$4,redirect_dir=on,index=off,metacopy=off" "$mnt"
}

fs_umount() {
	timeout 10 fusermount3 -u "$1" 2>/dev/null || timeout 10 umount "$1"
}

# make_layers DIR: two lower layers in OCI form under DIR/oci/{l1,l2} and
# the same converted to the kernel's form under DIR/kern/{l1,l2}.
make_layers() {
	local d=$1 l
	mkdir -p "$d/oci/l1" "$d/oci/l2"
	(
		cd "$d/oci/l2" || exit 1
		echo lower2-a >a; echo lower2-f >f; mkdir -p sub dir/sub x
		echo x >sub/x; echo y >sub/y; echo dira >dir/a; echo dd >dir/sub/d
		echo deep >x/e; ln -s a y; chmod 600 f; ln f fl
		mkdir c; echo cc >c/c
	)
	(
		cd "$d/oci/l1" || exit 1
		echo lower1-b >b; : >.wh.a; mkdir -p sub dir e
		: >sub/.wh.x; echo sub-c >sub/c
		: >dir/.wh..wh..opq; echo dirb >dir/b
		echo ef >e/f; ln -s b d
		printf x | dd of=e/sparse bs=1 seek=300000 status=none
	)
	mkdir -p "$d/kern"
	cp -a "$d/oci/l1" "$d/oci/l2" "$d/kern/"
	convert_to_kernel "$d/kern"
}

# convert_to_kernel DIR: rewrites the OCI markers below DIR into the
# kernel's forms (0:0 character devices, trusted.overlay.opaque).
convert_to_kernel() {
	python3 - "$1" <<'PY'
import os, sys
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        if f == ".wh..wh..opq":
            os.unlink(os.path.join(root, f))
            os.setxattr(root, "trusted.overlay.opaque", b"y")
        elif f.startswith(".wh."):
            os.unlink(os.path.join(root, f))
            os.mknod(os.path.join(root, f[4:]), 0o600 | 0o020000, os.makedev(0, 0))
PY
}

# fs_start_fd MNT OPTS [PRE…]: cshell-fs the way the sandbox starts it
# (sandbox/sandbox.c mount_fuse_fd(): mount(2) on an open /dev/fuse, the
# daemon in the foreground with the fd as /dev/fd/3), run through PRE (a
# setpriv dropping capabilities, say); our child, pid in PID, stderr in
# $FS_ERR (default $T/fs.err); back once MNT is mounted or the daemon died.
fs_start_fd() {
	local mnt=$1 opts=$2
	shift 2
	MOUNTED+=("$mnt")
	PRE="$*" python3 - "$FS" "$opts" "$mnt" 2>"${FS_ERR:-$T/fs.err}" <<'PY' &
import ctypes, os, sys
fs, opts, mnt = sys.argv[1:4]
fd = os.open("/dev/fuse", os.O_RDWR)
if fd != 3:
    os.dup2(fd, 3)
os.set_inheritable(3, True)
libc = ctypes.CDLL(None, use_errno=True)
mo = b"fd=3,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions"
if libc.mount(b"cshell-fs", mnt.encode(), b"fuse.cshell-fs", 2 | 4, mo) < 0:
    sys.exit("mount: " + os.strerror(ctypes.get_errno()))
pre = os.environ.get("PRE", "").split()
os.execvp((pre or [fs])[0], pre + [fs, "-f", "-o", opts, "/dev/fd/3"])
PY
	PID=$!
	for _ in $(seq 1 100); do
		is_mounted "$mnt" && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
