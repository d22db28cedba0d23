// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * harden.c — what the daemon gives up before it serves: it runs as host
 * root for the sandbox, so a memory bug in overlayfs/ would be host root.
 * Once its FUSE fd, its layers and its own mount namespace are set up
 * (serve.c), ovl_harden() leaves it with an empty root (a tmpfs holding
 * only /proc), the few capabilities the file operations need, no way to
 * gain others (bounding set, no_new_privs) and a seccomp allow-list of the
 * system calls it makes.  docs/overlayfs.md, "Hardening", lists them.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "overlayfs/ovl_i.h"

/* The sanitizers write their reports by path and stop the world with
 * ptrace: their builds keep the host root and no seccomp filter. */
#if defined(__SANITIZE_ADDRESS__)
#define OVL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OVL_SANITIZED 1
#endif
#endif
#ifndef OVL_SANITIZED
#define OVL_SANITIZED 0
#endif

/*
 * The capabilities the operations use, on behalf of callers the kernel
 * has already checked (default_permissions):
 *  - CHOWN: owners of new objects and copies, chown;
 *  - DAC_OVERRIDE: any file or directory of the layers, whoever owns it;
 *  - FOWNER: chmod, utimes and xattrs of files root does not own;
 *  - FSETID: setuid/setgid bits kept through chown and chmod of copies;
 *  - MKNOD: whiteouts and the device nodes callers make;
 *  - SETFCAP: security.capability copied up or set;
 *  - SYS_ADMIN: trusted.overlay.* (opaque directories in the kernel's
 *    form) and the passthrough ioctl; only when those are in use.
 * Not kept: DAC_READ_SEARCH (DAC_OVERRIDE covers what we do; it would
 * allow open_by_handle_at), SETUID/SETGID (the daemon never switches
 * ids), SYS_CHROOT, SYS_PTRACE, and all the others.
 */
static uint64_t kept_caps(const struct ovl_fs *fs)
{
	uint64_t c = 1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE |
		     1ULL << CAP_FOWNER | 1ULL << CAP_FSETID |
		     1ULL << CAP_MKNOD | 1ULL << CAP_SETFCAP;

	if (fs->priv_xattr || fs->pt_devfd >= 0)
		c |= 1ULL << CAP_SYS_ADMIN;
	return c;
}

int ovl_drop_caps(uint64_t keep, struct cs_error *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	/* the bounding set first: dropping from it needs CAP_SETPCAP */
	for (int c = 0; c < 64; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break; /* past the last capability this kernel knows */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return cs_error_errno(err,
					      "cannot drop capability %d from "
					      "the bounding set",
					      c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return cs_error_errno(err, "cannot clear the ambient set");
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return cs_error_errno(err, "cannot read capabilities");
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		d[i].effective &= k;
		d[i].permitted &= k;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return cs_error_errno(err, "cannot drop capabilities");
	return 0;
}

/*
 * An empty root: a small read-only tmpfs holding /proc, which the daemon
 * needs for /proc/self/fd/N (path-based calls on O_PATH fds), callers'
 * /proc/PID/status, and /proc/self/ns/user.  A fresh proc mount showing
 * processes only (subset=pid) when the kernel allows it, else a copy of
 * the host's /proc; other processes' /proc/PID/root stay closed either
 * way, as the daemon keeps no CAP_SYS_PTRACE.  The tmpfs goes over /proc
 * of our private namespace, then pivot_root moves into it and the old
 * root is detached.  The layers stay reachable through their fds only.
 */
static int empty_root(struct cs_error *err)
{
	int host_proc =
		open_tree(AT_FDCWD, "/proc",
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int r = -1;

	if (mount("cshell-fs-root", "/proc", "tmpfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=0555") < 0) {
		cs_error_errno(err, "cannot mount an empty root");
		goto out;
	}
	if (mkdir("/proc/proc", 0555) < 0) {
		cs_error_errno(err, "cannot create /proc in the empty root");
		goto out;
	}
	if (mount("proc", "/proc/proc", "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, "subset=pid") < 0 &&
	    (host_proc < 0 || move_mount(host_proc, "", AT_FDCWD, "/proc/proc",
					 MOVE_MOUNT_F_EMPTY_PATH) < 0)) {
		cs_error_errno(err, "cannot mount /proc in the empty root");
		goto out;
	}
	mount(NULL, "/proc", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	/* pivot_root(".", ".") stacks the old root on the new one; the
	 * detach then leaves the new one alone */
	if (chdir("/proc") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		cs_error_errno(
			err,
			"cannot move into the empty root (-o nosandbox serves without)");
		goto out;
	}
	r = 0;
out:
	if (host_proc >= 0)
		close(host_proc);
	return r;
}

/*
 * The calls the daemon makes once hardened (strace -f over the fs-*.sh
 * suites, passthrough on and off), libfuse's and glibc's included; kept
 * in groups by hand, hence no clang-format.  Anything else fails with
 * EPERM and is logged by the kernel (SCMP_FLTATR_CTL_LOG: an audit
 * type=1326 record naming the call), rather than killing the daemon.
 */
/* clang-format off */
static const char *const allowed[] = {
	/* memory, threads, time, signals, exit */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex",
	"set_robust_list", "rseq", "clone", "clone3", "exit", "exit_group",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"getpid", "gettid", "tgkill", "clock_gettime", "clock_nanosleep",
	"nanosleep", "gettimeofday", "sched_yield", "sched_getaffinity",
	"getrandom", "prlimit64", "getrlimit", "restart_syscall",
	"get_robust_list", "membarrier",
	/* ids (the daemon only reads them) */
	"getuid", "geteuid", "getgid", "getegid", "getgroups",
	/* /dev/fuse and fds */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "splice", "vmsplice", "pipe2",
	"poll", "ppoll", "close", "close_range", "dup", "dup2", "dup3",
	"fcntl", "lseek", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait",
	/* files */
	"openat", "openat2", "open", "newfstatat", "fstat", "lstat", "stat",
	"statx", "statfs", "fstatfs", "getdents64", "readlinkat", "readlink",
	"mkdirat", "mknodat", "symlinkat", "linkat", "unlinkat", "renameat",
	"renameat2", "fchownat", "fchown", "fchmodat", "fchmodat2", "fchmod",
	"utimensat", "faccessat", "faccessat2", "truncate", "ftruncate",
	"fallocate", "fsync", "fdatasync", "syncfs", "sync_file_range",
	"copy_file_range", "sendfile", "fadvise64", "flock", "chmod", "chown",
	"lchown", "sysinfo", /* glibc's qsort of big listings */
	/* live.c: directories' file handles, matched against fanotify's
	 * events (its group and marks are made before the filter) */
	"name_to_handle_at",
	/* xattrs (path forms through /proc/self/fd/N) */
	"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr",
	"fsetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
	"lremovexattr", "fremovexattr",
};
/* clang-format on */

static int install_seccomp(struct cs_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx)
		return cs_error_set(err, ENOMEM,
				    "cannot build the seccomp filter");
	/* best effort: a kernel without the log flag still filters */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) < 0)
		cs_debug("seccomp: the kernel does not log refused calls");
	r = 0;
	for (size_t i = 0; !r && i < CS_ARRAY_SIZE(allowed); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		/* a name this architecture lacks (open on arm64) */
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* ioctl: only passthrough's backing files, on /dev/fuse */
	for (size_t i = 0; !r && i < CS_ARRAY_SIZE(ovl_pt_ioctls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL,
					     ovl_pt_ioctls[i]));
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r)
		return cs_error_set(err, -r, "cannot load the seccomp filter");
	return 0;
}

int ovl_harden(struct ovl_fs *fs, struct cs_error *err)
{
	bool root = geteuid() == 0;

	if (!fs->cfg->sandbox)
		return 0;
	/* libfuse stops its workers with pthread_cancel, for which glibc
	 * loads libgcc_s on first use: from the empty root it could not
	 * (and aborts), so it is loaded now; glibc then finds it loaded */
	if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE))
		cs_warn("cannot load libgcc_s.so.1: %s", dlerror());
	if (root && fs->isolated && !OVL_SANITIZED && empty_root(err) < 0)
		return -1;
	if (root && ovl_drop_caps(kept_caps(fs), err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cs_error_errno(err, "cannot set no_new_privs");
	/* rootless the daemon has no privilege to lose, and its clean end
	 * runs fusermount3, which a filter would have to allow */
	if (root && !OVL_SANITIZED && install_seccomp(err) < 0)
		return -1;
	return 0;
}
