// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * security.c — what a process inside a sandbox may do: the seccomp filter
 * and the capability sets.
 *
 * The filter is built with libseccomp once per sandbox (create/start) and
 * exported as a raw BPF program into the runtime dir; init and every joined
 * process load that blob with one prctl, so hardening costs no start-up
 * time.  Default: allow, except everything Docker's default profile
 * refuses to an unprivileged container, plus TIOCSTI/TIOCLINUX ioctls and
 * io_uring; foreign architectures (i386, x32) are killed.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

/* Syscalls refused with EPERM: what Docker's default profile leaves out of
 * its allow list, each unlocked (as Docker does) only when the capability
 * that goes with it was added (cap -1: never).  Names unknown to this
 * libseccomp are skipped.  A few Docker allows unconditionally stay
 * refused here (name_to_handle_at, clock_adjtime, ptrace without
 * SYS_PTRACE): stricter is allowed. */
struct denial {
	const char *name;
	int cap;
};

static const struct denial denied[] = {
	{ "add_key", -1 },
	{ "create_module", -1 },
	{ "get_kernel_syms", -1 },
	{ "io_uring_enter", -1 },
	{ "io_uring_register", -1 },
	{ "io_uring_setup", -1 },
	{ "kexec_file_load", -1 },
	{ "kexec_load", -1 },
	{ "keyctl", -1 },
	{ "move_pages", -1 },
	{ "name_to_handle_at", -1 },
	{ "nfsservctl", -1 },
	{ "pivot_root", -1 },
	{ "query_module", -1 },
	{ "request_key", -1 },
	{ "swapoff", -1 },
	{ "swapon", -1 },
	{ "sysfs", -1 },
	{ "_sysctl", -1 },
	{ "uselib", -1 },
	{ "userfaultfd", -1 },
	{ "ustat", -1 },
	{ "vm86", -1 },
	{ "vm86old", -1 },
	{ "clock_adjtime", -1 },
	{ "bpf", CAP_SYS_ADMIN },
	{ "fanotify_init", CAP_SYS_ADMIN },
	{ "fsconfig", CAP_SYS_ADMIN },
	{ "fsmount", CAP_SYS_ADMIN },
	{ "fsopen", CAP_SYS_ADMIN },
	{ "fspick", CAP_SYS_ADMIN },
	{ "lookup_dcookie", CAP_SYS_ADMIN },
	{ "mount", CAP_SYS_ADMIN },
	{ "mount_setattr", CAP_SYS_ADMIN },
	{ "move_mount", CAP_SYS_ADMIN },
	{ "open_tree", CAP_SYS_ADMIN },
	{ "perf_event_open", CAP_SYS_ADMIN },
	{ "quotactl", CAP_SYS_ADMIN },
	{ "quotactl_fd", CAP_SYS_ADMIN },
	{ "setns", CAP_SYS_ADMIN },
	{ "syslog", CAP_SYS_ADMIN },
	{ "umount", CAP_SYS_ADMIN },
	{ "umount2", CAP_SYS_ADMIN },
	{ "unshare", CAP_SYS_ADMIN },
	{ "reboot", CAP_SYS_BOOT },
	{ "delete_module", CAP_SYS_MODULE },
	{ "finit_module", CAP_SYS_MODULE },
	{ "init_module", CAP_SYS_MODULE },
	{ "acct", CAP_SYS_PACCT },
	{ "kcmp", CAP_SYS_PTRACE },
	{ "pidfd_getfd", CAP_SYS_PTRACE },
	{ "process_vm_readv", CAP_SYS_PTRACE },
	{ "process_vm_writev", CAP_SYS_PTRACE },
	{ "ptrace", CAP_SYS_PTRACE },
	{ "ioperm", CAP_SYS_RAWIO },
	{ "iopl", CAP_SYS_RAWIO },
	{ "clock_settime", CAP_SYS_TIME },
	{ "settimeofday", CAP_SYS_TIME },
	{ "stime", CAP_SYS_TIME },
	{ "vhangup", CAP_SYS_TTY_CONFIG },
	{ "get_mempolicy", CAP_SYS_NICE },
	{ "mbind", CAP_SYS_NICE },
	{ "set_mempolicy", CAP_SYS_NICE },
};

static const uint64_t ns_clone_flags[] = {
	CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static int deny_name(scmp_filter_ctx ctx, const char *name, int strict,
		     struct cs_error *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR) {
		if (strict)
			return cs_error_set(err, 0, "unknown system call '%s'",
					    name);
		return 0;
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	/* -EEXIST etc. for pseudo syscalls of this arch are harmless */
	if (r < 0 && r != -EEXIST && r != -EDOM && r != -EOPNOTSUPP)
		return cs_error_set(err, -r, "seccomp rule for '%s'", name);
	return 0;
}

/* clone with any CLONE_NEW* flag; clone3, whose flags sit in memory a
 * filter cannot read, gets ENOSYS so libc falls back to clone */
static int deny_new_namespaces(scmp_filter_ctx ctx, struct cs_error *err)
{
	int r;

	for (size_t i = 0; i < CS_ARRAY_SIZE(ns_clone_flags); i++) {
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, ns_clone_flags[i],
				ns_clone_flags[i]));
		if (r < 0)
			return cs_error_set(err, -r, "seccomp rule for clone");
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0)
		return cs_error_set(err, -r, "seccomp rule for clone3");
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct sbx_spec *spec,
		     struct cs_error *err)
{
	uint64_t caps = sbx_spec_caps(spec);
	int r;

	for (size_t i = 0; i < CS_ARRAY_SIZE(denied); i++) {
		if (denied[i].cap >= 0 && (caps & (1ULL << denied[i].cap)))
			continue;
		if (deny_name(ctx, denied[i].name, 0, err) < 0)
			return -1;
	}
	if (!(caps & (1ULL << CAP_SYS_ADMIN)) &&
	    deny_new_namespaces(ctx, err) < 0)
		return -1;
	/* faking terminal input into the caller's (host) terminal */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (r >= 0)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	if (r < 0)
		return cs_error_set(err, -r, "seccomp rule for ioctl");

	if (spec->seccomp == SBX_SECCOMP_FILE) {
		struct cs_buf text = CS_BUF_INIT;
		int ret = 0;

		if (cs_read_file(spec->seccomp_file, &text, 1 << 20, err) < 0)
			return cs_error_wrap(err, "seccomp profile '%s'",
					     spec->seccomp_file);
		for (char *line = text.buf, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = 0;
			line[strcspn(line, "#")] = 0;
			line += strspn(line, " \t");
			line[strcspn(line, " \t\r")] = 0;
			if (!*line)
				continue;
			if (deny_name(ctx, line, 1, err) < 0) {
				ret = cs_error_wrap(err, "seccomp profile '%s'",
						    spec->seccomp_file);
				break;
			}
		}
		cs_buf_release(&text);
		return ret;
	}
	return 0;
}

int sbx_seccomp_compile(const struct sbx_spec *spec, const char *path,
			struct cs_error *err)
{
	scmp_filter_ctx ctx = NULL;
	struct cs_buf bpf = CS_BUF_INIT;
	int fd, r, ret = -1;

	if (spec->seccomp == SBX_SECCOMP_FILE) {
		/* a JSON profile (Docker / OCI) replaces the default */
		if (cs_read_file(spec->seccomp_file, &bpf, 1 << 20, err) < 0)
			return cs_error_wrap(err, "seccomp profile '%s'",
					     spec->seccomp_file);
		r = (int)strspn(bpf.buf, " \t\r\n");
		if (bpf.buf[r] == '{' &&
		    sbx_profile_build(bpf.buf, bpf.len, sbx_spec_caps(spec),
				      &ctx, err) < 0) {
			cs_buf_release(&bpf);
			return cs_error_wrap(err, "seccomp profile '%s'",
					     spec->seccomp_file);
		}
		cs_buf_release(&bpf);
	}
	if (!ctx) {
		ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx)
			return cs_error_set(err, ENOMEM, "seccomp_init");
		/* foreign syscall ABIs bypass a native-only filter */
		seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				 SCMP_ACT_KILL_PROCESS);
		if (add_rules(ctx, spec, err) < 0)
			goto out;
	}
	fd = memfd_create("cshell-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		cs_error_errno(err, "memfd_create");
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		close(fd);
		cs_error_set(err, -r, "export seccomp filter");
		goto out;
	}
	lseek(fd, 0, SEEK_SET);
	r = (int)cs_buf_read_fd(&bpf, fd);
	close(fd);
	if (r < 0) {
		cs_error_set(err, -r, "read seccomp filter");
		goto out;
	}
	ret = cs_write_file_atomic(path, bpf.buf, bpf.len, 0644, err);
out:
	cs_buf_release(&bpf);
	seccomp_release(ctx);
	return ret;
}

int sbx_seccomp_read(const char *path, struct cs_buf *bpf)
{
	if (!path)
		return 0;
	if (cs_read_file(path, bpf, 1 << 20, NULL) < 0)
		return -EIO;
	if (!bpf->len || bpf->len % sizeof(struct sock_filter))
		return -EINVAL;
	return 0;
}

int sbx_seccomp_load(const struct cs_buf *bpf)
{
	struct sock_fprog prog;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (!bpf->len)
		return 0;
	prog.len = (unsigned short)(bpf->len / sizeof(struct sock_filter));
	prog.filter = (struct sock_filter *)bpf->buf;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}

uint64_t sbx_spec_caps(const struct sbx_spec *spec)
{
	return (sbx_default_caps() | spec->cap_add) & ~spec->cap_drop;
}

static int last_cap(void)
{
	struct cs_buf b = CS_BUF_INIT;
	int n = sbx_cap_last();

	if (cs_read_file("/proc/sys/kernel/cap_last_cap", &b, 64, NULL) == 0)
		n = atoi(b.buf);
	cs_buf_release(&b);
	return n > 0 && n < 64 ? n : sbx_cap_last();
}

int sbx_caps_apply(uint64_t caps, long uid, long gid)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];
	int top = last_cap();

	/* a capability this process lacks (a reduced bounding set upstream)
	 * cannot be granted: keep what is asked and held */
	if (syscall(SYS_capget, &hdr, data) == 0)
		caps &= (uint64_t)data[0].permitted |
			((uint64_t)data[1].permitted << 32);
	for (int i = 0; i <= top; i++) {
		if (caps & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (gid > 0 || uid > 0) {
		gid_t g = (gid_t)(gid < 0 ? 0 : gid);

		/* setgroups is refused in a user namespace whose
		 * setgroups file says deny; the group list is then empty of
		 * host groups already */
		if (setgroups(0, NULL) < 0 && errno != EPERM)
			return -errno;
		if (setresgid(g, g, g) < 0)
			return -errno;
	}
	if (uid > 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		return -errno;
	/* the inheritable set stays empty (as Docker since CVE-2022-24769):
	 * with it, exec of a file with inheritable file capabilities would
	 * hand those to a process that was never given them */
	memset(data, 0, sizeof(data));
	if (uid <= 0) {
		data[0].effective = data[0].permitted = (uint32_t)caps;
		data[1].effective = data[1].permitted = (uint32_t)(caps >> 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
