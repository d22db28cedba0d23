#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-escape.sh — the escape suite: a static probe
# run inside a sandbox (own layer, not the host root) tries one way out per
# case; every attempt must fail.  The probe exits 0 when the attempt was
# refused, 1 when it got through (printing what it got), 2 when the case
# could not be set up.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-escape "$SBX_SKIP"
	exit 0
fi

cat >"$work/probe.c" <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <netinet/in.h>

static int refused(const char *what, long r)
{
	if (r < 0) {
		printf("%s refused: %s\n", what, strerror(errno));
		return 0;
	}
	printf("%s SUCCEEDED (%ld)\n", what, r);
	return 1;
}

/* refused with EPERM/EACCES exactly: other errors could hide a syscall
 * that is allowed but got bad arguments */
static int denied(const char *what, long r)
{
	if (r < 0 && (errno == EPERM || errno == EACCES)) {
		printf("%s denied: %s\n", what, strerror(errno));
		return 0;
	}
	printf("%s NOT denied (%ld, %s)\n", what, r, r < 0 ? strerror(errno) : "ok");
	return 1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "";
	char buf[256];

	if (!strcmp(t, "mount"))
		return refused("mount tmpfs", mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(t, "umount"))
		return refused("umount /proc", umount2("/proc", MNT_DETACH));
	if (!strcmp(t, "pivot_root"))
		return denied("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	if (!strcmp(t, "unshare-user"))
		return denied("unshare user", unshare(CLONE_NEWUSER));
	if (!strcmp(t, "unshare-mnt"))
		return denied("unshare mount", unshare(CLONE_NEWNS));
	if (!strcmp(t, "clone-newuser")) {
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return denied("clone(CLONE_NEWUSER)", r);
	}
	if (!strcmp(t, "setns")) {
		int fd = open("/proc/self/ns/mnt", O_RDONLY);
		return denied("setns", setns(fd, 0));
	}
	if (!strcmp(t, "open_by_handle_at")) {
		struct { struct file_handle h; unsigned char b[128]; } fh;
		memset(&fh, 0, sizeof(fh));
		fh.h.handle_bytes = 8;
		fh.h.handle_type = 1;
		return denied("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	}
	if (!strcmp(t, "ptrace-init"))
		return refused("ptrace attach pid 1", ptrace(PTRACE_ATTACH, 1, 0, 0));
	if (!strcmp(t, "process_vm_readv")) {
		struct iovec l = { buf, 8 }, r = { (void *)0x400000, 8 };
		return denied("process_vm_readv pid 1", process_vm_readv(1, &l, 1, &r, 1, 0));
	}
	if (!strcmp(t, "host-pid")) {
		/* arg: a host pid; it must not exist here */
		return refused("kill(host pid, 0)", kill(atoi(arg), 0));
	}
	if (!strcmp(t, "keyctl"))
		return denied("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -2));
	if (!strcmp(t, "bpf")) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 4;
		a.max_entries = 1;
		return denied("bpf map create", syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
	}
	if (!strcmp(t, "perf_event_open")) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_TASK_CLOCK;
		a.exclude_kernel = 1;
		return denied("perf_event_open", syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
	}
	if (!strcmp(t, "kexec"))
		return denied("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(t, "reboot"))
		return denied("reboot(CAD_OFF)", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL));
	if (!strcmp(t, "init_module"))
		return denied("finit_module", syscall(SYS_finit_module, 0, "", 0));
	if (!strcmp(t, "userfaultfd"))
		return denied("userfaultfd", syscall(SYS_userfaultfd, 0));
	if (!strcmp(t, "io_uring")) {
		struct io_uring_params p;
		memset(&p, 0, sizeof(p));
		return denied("io_uring_setup", syscall(SYS_io_uring_setup, 1, &p));
	}
	if (!strcmp(t, "mknod-block"))
		return refused("mknod block device", mknod("/scratch/sda", S_IFBLK | 0600, makedev(8, 0)));
	if (!strcmp(t, "host-disk")) {
		int r = open("/dev/sda", O_RDONLY);
		if (r < 0)
			r = open("/dev/vda", O_RDONLY);
		return refused("open host disk", r);
	}
	if (!strcmp(t, "raw-socket"))
		return refused("raw socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	if (!strcmp(t, "packet-socket"))
		return refused("packet socket", socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(t, "proc-sys"))
		return refused("write /proc/sys/kernel/hostname", write_file("/proc/sys/kernel/hostname", "pwned"));
	if (!strcmp(t, "sysrq"))
		return refused("write /proc/sysrq-trigger", write_file("/proc/sysrq-trigger", "h"));
	if (!strcmp(t, "core_pattern"))
		return refused("write core_pattern", write_file("/proc/sys/kernel/core_pattern", "|/pwn"));
	if (!strcmp(t, "release_agent")) {
		int r = write_file("/sys/fs/cgroup/memory/release_agent", "/pwn");
		if (r < 0)
			r = write_file("/sys/fs/cgroup/release_agent", "/pwn");
		if (r < 0)
			r = mount("cgroup", "/tmp", "cgroup", 0, "memory");
		return refused("cgroup release_agent", r);
	}
	if (!strcmp(t, "sysfs-write"))
		return refused("write /sys", write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never"));
	if (!strcmp(t, "kcore")) {
		int fd = open("/proc/kcore", O_RDONLY);
		long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		if (n > 0) {
			printf("read %ld bytes of /proc/kcore\n", n);
			return 1;
		}
		printf("/proc/kcore masked\n");
		return 0;
	}
	if (!strcmp(t, "tiocsti")) {
		char c = 'x';
		return denied("TIOCSTI", ioctl(0, TIOCSTI, &c));
	}
	if (!strcmp(t, "tioclinux")) {
		char c = 3;
		return denied("TIOCLINUX", ioctl(0, TIOCLINUX, &c));
	}
	if (!strcmp(t, "fds")) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		int bad = 0;
		while (d && (de = readdir(d))) {
			int fd = atoi(de->d_name);
			if (de->d_name[0] == '.' || fd == dirfd(d))
				continue;
			if (fd > 2) {
				printf("leaked fd %d\n", fd);
				bad = 1;
			}
		}
		if (!d)
			return 2;
		if (!bad)
			printf("only 0-2 open\n");
		return bad;
	}
	if (!strcmp(t, "exe-write")) {
		int a = open("/proc/self/exe", O_WRONLY);
		int b = open("/proc/1/exe", O_WRONLY);
		if (a >= 0 || b >= 0) {
			printf("exe opened for writing (%d, %d)\n", a, b);
			return 1;
		}
		printf("exe not writable\n");
		return 0;
	}
	if (!strcmp(t, "host-file"))
		return refused("open host file", open(arg, O_RDONLY));
	if (!strcmp(t, "chroot-escape")) {
		/* the classic: chroot deeper, walk .. past the old root */
		mkdir("/scratch/jail", 0755);
		if (chroot("/scratch/jail") == 0) {
			for (int i = 0; i < 64; i++)
				if (chdir("..") < 0)
					break;
			chroot(".");
		}
		return refused("open host file after chroot walk", open(arg, O_RDONLY));
	}
	if (!strcmp(t, "setuid")) {
		/* run as a non-root user: a setuid-root copy must not help */
		if (geteuid() == 0) {
			printf("euid 0 after exec of a setuid binary\n");
			return 1;
		}
		printf("euid %d\n", (int)geteuid());
		return 0;
	}
	if (!strcmp(t, "caps")) {
		FILE *f = fopen("/proc/self/status", "r");
		int bad = 0;
		while (f && fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "CapEff:", 7) || !strncmp(buf, "NoNewPrivs:", 11) || !strncmp(buf, "Seccomp:", 8))
				fputs(buf, stdout);
		return bad;
	}
	fprintf(stderr, "unknown case '%s'\n", t);
	return 2;
}
EOF
if ! gcc -static -O1 -o "$work/probe" "$work/probe.c" 2>"$work/probe.log"; then
	skip sandbox-escape "cannot build the static probe: $(head -2 "$work/probe.log")"
	exit 0
fi

# the sandbox's only layer: the probe and empty mount points; no host root
layer=$work/layer
mkdir -p "$layer"/{proc,dev,sys,tmp,scratch} "$work/scratch"
cp "$work/probe" "$layer/probe"
cp "$work/probe" "$layer/probe-suid"
chmod 4755 "$layer/probe-suid"
echo secret >"$work/host-secret"

if ! out=$(sbx create esc --read-only --layer "$layer" \
	--mount "$work/scratch:/scratch" 2>&1); then
	fail sandbox-escape-create "$out"
	exit 0
fi
if ! out=$(sbx create esc-user --read-only --layer "$layer" --user 1000:1000 2>&1); then
	fail sandbox-escape-create-user "$out"
	exit 0
fi

# The default configuration too: no --layer, the host root as the lower
# layer through cshell-fs, the writable upper above it; the probe is
# reached at its host path.
if [ "$SBX_FUSE" = 1 ] &&
	! out=$(sbx create esc-def --mount "$work/scratch:/scratch" 2>&1); then
	fail sandbox-escape-create-default "$out"
fi

# attempt SANDBOX PROBE SUFFIX CASE [ARG]
attempt() {
	local sb=$1 probe=$2 sfx=$3 out rc
	shift 3
	out=$(sbx exec "$sb" -- "$probe" "$@" 2>&1 </dev/null 7<"$work/host-secret")
	rc=$?
	case $rc in
	0) pass "sandbox-escape-$1$sfx" ;;
	2) skip "sandbox-escape-$1$sfx" "$out" ;;
	*) fail "sandbox-escape-$1$sfx" "status $rc: $out" ;;
	esac
}

configs="esc:/probe:"
[ "$SBX_FUSE" = 1 ] && configs="$configs esc-def:$work/probe:-default"
for cfg in $configs; do
	IFS=: read -r sb probe sfx <<<"$cfg"
	for c in mount umount pivot_root unshare-user unshare-mnt clone-newuser \
		setns open_by_handle_at ptrace-init process_vm_readv keyctl bpf \
		perf_event_open kexec reboot init_module userfaultfd io_uring \
		mknod-block host-disk raw-socket packet-socket proc-sys sysrq \
		core_pattern release_agent sysfs-write kcore tiocsti tioclinux \
		fds exe-write; do
		attempt "$sb" "$probe" "$sfx" $c
	done
	attempt "$sb" "$probe" "$sfx" host-pid $$
done
# (over the host root, host files are the layer by design: the secrets
# among them are masked, see sandbox-hardening.sh)
attempt esc /probe "" host-file "$work/host-secret"
attempt esc /probe "" chroot-escape "$work/host-secret"

out=$(sbx exec esc-user -- /probe-suid setuid 2>&1)
rc=$?
if [ $rc = 0 ]; then pass sandbox-escape-setuid; else fail sandbox-escape-setuid "status $rc: $out"; fi
out=$(sbx exec esc -- /probe caps 2>&1)
if grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$out" && grep -q '^Seccomp:[[:space:]]*2' <<<"$out" &&
	grep -q '^CapEff:[[:space:]]*00000000a00405fb' <<<"$out"; then
	pass sandbox-restrictions-applied
else
	fail sandbox-restrictions-applied "$(tr '\n' ' ' <<<"$out")"
fi

# `sandbox run` starts its command from inside the sandbox, not through a
# join: the same restrictions, and no fd of the caller's beyond 0-2
out=$(sbx run --read-only --layer "$layer" -- /probe fds 2>&1 </dev/null 7<"$work/host-secret")
rc=$?
if [ $rc = 0 ]; then pass sandbox-escape-run-fds; else fail sandbox-escape-run-fds "status $rc: $out"; fi
out=$(sbx run --read-only --layer "$layer" -- /probe caps 2>&1)
if grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$out" && grep -q '^Seccomp:[[:space:]]*2' <<<"$out" &&
	grep -q '^CapEff:[[:space:]]*00000000a00405fb' <<<"$out"; then
	pass sandbox-run-restrictions-applied
else
	fail sandbox-run-restrictions-applied "$(tr '\n' ' ' <<<"$out")"
fi
# the layered fs keeps file modes: a root-only file of a layer stays
# closed to --user (the kernel checks them: default_permissions)
if [ "$SBX_FUSE" = 1 ]; then
	mkdir -p "$work/layer-secret"
	echo secret >"$work/layer-secret/root-only"
	chmod 600 "$work/layer-secret/root-only"
	out=$(sbx run --layer "$work/layer-secret" --layer "$layer" --user 1000:1000 \
		-- /probe host-file /root-only 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		pass sandbox-escape-layer-file-modes
	else
		fail sandbox-escape-layer-file-modes "status $rc: $out"
	fi
else
	skip sandbox-escape-layer-file-modes "/dev/fuse is missing"
fi
exit 0
