// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * sandbox.c — the life of a sandbox: create/start (layered rootfs, cloned
 * child in fresh namespaces that sets up its mounts and becomes
 * cshell-init), the record, join, stop, rm and run.
 *
 * Start reading at boot(): it mounts the rootfs, compiles the seccomp
 * filter, makes the cgroup, then clone_init() double-forks so init is not
 * our child (a sandbox outlives its shell), and the child reports any setup
 * error back through a close-on-exec pipe (EOF = exec succeeded).  Every
 * mutation of runtime/sandboxes/<name>/ holds its lock file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/pidfd.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define FUSE_SUPER_MAGIC 0x65735546

extern char **environ;

/* ---------------------------------------------------------------- paths */

static char *rt_dir(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *sub = xasprintf("sandboxes/%s", name);

	return cs_root_subdir(CS_ROOT_RUNTIME, sub, create, err);
}

static char *data_dir(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *sub = xasprintf("sandboxes/%s", name);

	return cs_root_subdir(CS_ROOT_DATA, sub, create, err);
}

static char *next_to_exe(const char *prog)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	return xasprintf("%s/%s", exe, prog);
}

static char *find_program(const char *envvar, const char *prog)
{
	const char *env = getenv(envvar);
	char *p;
	const char *path;

	if (env && *env)
		return xstrdup(env);
	p = next_to_exe(prog);
	if (p && access(p, X_OK) == 0)
		return p;
	free(p);
	path = getenv("PATH");
	for (const char *d = path ? path : "/usr/bin:/bin"; *d;) {
		size_t len = strcspn(d, ":");

		p = xasprintf("%.*s/%s", (int)len, d, prog);
		if (len && access(p, X_OK) == 0)
			return p;
		free(p);
		d += len + (d[len] ? 1 : 0);
	}
	return xstrdup(prog);
}

char *sbx_fs_program(void)
{
	return find_program("CSHELL_FS", "cshell-fs");
}

char *sbx_log_path(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL;

	if (sbx_check_name(name, err) < 0)
		return NULL;
	dir = rt_dir(name, 0, err);
	return dir ? xasprintf("%s/log", dir) : NULL;
}

/* ---------------------------------------------------------------- procs */

uint64_t sbx_proc_start(pid_t pid)
{
	char path[64];
	struct cs_buf b = CS_BUF_INIT;
	uint64_t start = 0;
	char *p;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (cs_read_file(path, &b, 4096, NULL) < 0)
		goto out;
	/* comm may hold spaces and ')': skip to the last ')' */
	p = strrchr(b.buf, ')');
	if (!p || !p[1] || !p[2] || p[2] == 'Z' || p[2] == 'X')
		goto out;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
out:
	cs_buf_release(&b);
	return start;
}

/* Runs argv with stdin from /dev/null, stdout and stderr to errfd (-1:
 * ours), no other fds. */
static int spawn_wait(char *const argv[], int errfd, struct cs_error *err)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return cs_error_errno(err, "fork");
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			dup2(fd, 0);
		if (errfd >= 0) {
			/* a daemon must not hold the caller's stdout (a
			 * pipe would never see EOF) */
			dup2(errfd, 1);
			dup2(errfd, 2);
		}
		syscall(SYS_close_range, 3, ~0U, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run '%s': %s\n", cs_log_prog(),
			argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cs_error_errno(err, "wait for '%s'", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return cs_error_set(err, ENOENT, "run '%s'", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return cs_error_set(err, 0, "'%s' failed (status %d)", argv[0],
				    WIFEXITED(status) ? WEXITSTATUS(status) :
							128 + WTERMSIG(status));
	return 0;
}

/* ---------------------------------------------------------------- record */

static int record_write(const char *dir, const struct sbx_info *info,
			struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	_cleanup_free_ char *path = xasprintf("%s/state", dir);
	int r;

	sbx_info_format(info, &b);
	if (info->ephemeral) {
		/* a `run` sandbox does not outlive a crash: atomic (rename)
		 * but without the fsyncs that cost milliseconds on disk */
		_cleanup_free_ char *tmp = xasprintf("%s/.state.tmp", dir);
		_cleanup_close_ int fd = open(
			tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		r = fd < 0 ? -errno : cs_write_all(fd, b.buf, b.len);
		if (r == 0 && rename(tmp, path) < 0)
			r = -errno;
		if (r < 0)
			cs_error_set(err, -r, "write '%s'", path);
	} else {
		r = cs_write_file_atomic(path, b.buf, b.len, 0644, err);
	}
	cs_buf_release(&b);
	return r < 0 ? -1 : 0;
}

static int record_read(const char *name, struct sbx_info *info,
		       struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct cs_buf b = CS_BUF_INIT;
	int r;

	memset(info, 0, sizeof(*info));
	sbx_spec_init(&info->spec);
	if (sbx_check_name(name, err) < 0)
		return -1;
	dir = rt_dir(name, 0, err);
	if (!dir)
		return -1;
	path = xasprintf("%s/state", dir);
	if (access(path, F_OK) < 0) {
		cs_error_set(err, 0, "no such sandbox '%s'", name);
		if (err)
			err->code = ENOENT;
		return -1;
	}
	r = cs_read_file(path, &b, 1 << 20, err);
	if (r == 0)
		r = sbx_info_parse(info, b.buf, err);
	cs_buf_release(&b);
	if (r < 0)
		return cs_error_wrap(err, "read record of sandbox '%s'", name);
	if (info->state == SBX_STATE_RUNNING &&
	    (info->init_pid <= 0 ||
	     sbx_proc_start(info->init_pid) != info->init_start))
		info->state = SBX_STATE_DEAD;
	return 0;
}

/* Takes the sandbox's lock without waiting.  The lock file can be removed
 * by rm while we wait for it: then retry on the new one. */
static int lock_sandbox(const char *dir, const char *name, struct cs_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/lock", dir);

	for (int i = 0; i < 10; i++) {
		struct stat st;
		int fd = cs_lock_path(path, 1, 0, err);

		if (fd < 0) {
			if (err && err->code == EWOULDBLOCK) {
				cs_error_release(err);
				return cs_error_set(err, 0,
						    "sandbox '%s' is being "
						    "changed by another "
						    "process; try again",
						    name);
			}
			return -1;
		}
		if (fstat(fd, &st) == 0 && st.st_nlink > 0)
			return fd;
		close(fd);
		if (cs_mkdir_p(dir, 0700) < 0)
			break;
	}
	return cs_error_set(err, EBUSY, "lock sandbox '%s'", name);
}

/* ---------------------------------------------------------------- boot */

struct child_args {
	const struct sbx_spec *spec;
	const struct sbx_info *info;
	const char *bind_from;
	const char *hide[3];
	int sync_fd, err_fd, log_fd, init_fd;
};

static __attribute__((noreturn)) void child_fail(int fd,
						 const struct cs_error *err)
{
	const char *msg = err->msg ? err->msg : "setup failed";

	if (cs_write_all(fd, msg, strlen(msg)) < 0)
		_exit(2);
	_exit(1);
}

/* The memfd copy keeps init's /proc/1/exe away from the host binary. */
static int sealed_copy(int fd)
{
	struct stat st;
	int mfd = memfd_create("cshell-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	off_t off = 0;

	if (mfd < 0 || fstat(fd, &st) < 0)
		return -1;
	while (off < st.st_size)
		if (sendfile(mfd, fd, &off, (size_t)(st.st_size - off)) <= 0)
			return -1;
	if (fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return -1;
	return mfd;
}

static __attribute__((noreturn)) void child_main(struct child_args *a)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_setup setup = {
		.spec = a->spec,
		.rootfs = a->info->rootfs,
		.bind_from = a->bind_from,
		.hide = a->hide,
		.userns = a->info->userns,
	};
	struct cs_buf bpf = CS_BUF_INIT;
	char go;
	int nul, mfd, r;
	char *const argv[] = { "cshell-init", a->spec->name, NULL };
	char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		"/sbin:/bin",
		"container=cshell", NULL
	};

	if (read(a->sync_fd, &go, 1) != 1)
		_exit(1);
	close(a->sync_fd);
	/* now in our cgroup: a cgroup namespace rooted there */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		cs_error_errno(&err, "unshare cgroup namespace");
		child_fail(a->err_fd, &err);
	}
	mfd = sealed_copy(a->init_fd);
	if (mfd < 0) {
		cs_error_errno(&err, "copy cshell-init");
		child_fail(a->err_fd, &err);
	}
	r = sbx_seccomp_read(a->info->seccomp_bpf, &bpf);
	if (r < 0) {
		cs_error_set(&err, -r, "read '%s'", a->info->seccomp_bpf);
		child_fail(a->err_fd, &err);
	}
	if (sbx_rootfs_setup(&setup, &err) < 0)
		child_fail(a->err_fd, &err);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(a->log_fd, 1) < 0 ||
	    dup2(a->log_fd, 2) < 0) {
		cs_error_errno(&err, "set up init's stdio");
		child_fail(a->err_fd, &err);
	}
	r = sbx_caps_apply(a->info->caps, 0, 0);
	if (r == 0)
		r = sbx_seccomp_load(&bpf);
	if (r < 0) {
		cs_error_set(&err, -r, "restrict cshell-init");
		child_fail(a->err_fd, &err);
	}
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	fexecve(mfd, argv, envp);
	cs_error_errno(&err, "exec cshell-init");
	child_fail(a->err_fd, &err);
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return cs_write_all(fd, text, strlen(text));
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of clone3(2), version 2 (with cgroup) */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Fork-like clone with namespace flags, born in the v2 cgroup cgfd when
 * the kernel can (moving a process later costs an RCU grace period,
 * milliseconds); *in_cg says whether it did. */
static pid_t clone_into(int flags, int cgfd, int *in_cg)
{
	struct clone3_args ca;
	long r;

	*in_cg = 0;
	if (cgfd >= 0) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)cgfd;
		r = syscall(SYS_clone3, &ca, sizeof(ca));
		if (r >= 0) {
			*in_cg = 1;
			return (pid_t)r;
		}
	}
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL,
			      NULL, NULL, NULL);
}

/* Clones the sandbox's first process and hands it over.  Returns its pid
 * or -1 + err. */
static pid_t clone_init(struct child_args *a, const struct sbx_cgroup *cg,
			struct cs_error *err)
{
	int syncp[2], errp[2], pidp[2];
	pid_t helper, child = -1;
	int status, flags = a->info->ns_flags & ~CLONE_NEWCGROUP;
	int in_cg = 0, cgfd = -1;
	struct cs_buf msg = CS_BUF_INIT;
	ssize_t n;

	if (pipe2(syncp, O_CLOEXEC) < 0)
		return cs_error_errno(err, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(pidp, O_CLOEXEC) < 0) {
		close(syncp[0]);
		close(syncp[1]);
		return cs_error_errno(err, "pipe");
	}
	if (cg->v2)
		cgfd = open(cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	helper = fork();
	if (helper == 0) {
		pid_t c;

		close(syncp[1]);
		close(errp[0]);
		close(pidp[0]);
		c = clone_into(flags, cgfd, &in_cg);
		if (c == 0) {
			close(pidp[1]);
			a->sync_fd = syncp[0];
			a->err_fd = errp[1];
			child_main(a);
		}
		if (c < 0)
			c = -errno;
		_exit(write(pidp[1], &c, sizeof(c)) == sizeof(c) &&
				      write(pidp[1], &in_cg, sizeof(in_cg)) ==
					      sizeof(in_cg) ?
			      0 :
			      1);
	}
	if (cgfd >= 0)
		close(cgfd);
	close(syncp[0]);
	close(errp[1]);
	close(pidp[1]);
	if (helper < 0) {
		cs_error_errno(err, "fork");
		goto out;
	}
	n = read(pidp[0], &child, sizeof(child));
	if (n == sizeof(child) &&
	    read(pidp[0], &in_cg, sizeof(in_cg)) != sizeof(in_cg))
		in_cg = 0;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(child) || child <= 0) {
		cs_error_set(err, n == sizeof(child) ? -child : EIO,
			     "clone the sandbox's namespaces");
		child = -1;
		goto out;
	}
	if (a->info->userns) {
		int ranges;

		if (sbx_idmap_write(child, &ranges, err) < 0)
			goto fail;
	}
	if (sbx_cgroup_enter(in_cg ? NULL : cg->v2, cg->v1, child) < 0) {
		cs_error_errno(err, "move init into its cgroup");
		goto fail;
	}
	if (geteuid() == 0)
		write_proc(child, "oom_score_adj", "-1000");
	if (write(syncp[1], "g", 1) != 1) {
		cs_error_errno(err, "start init");
		goto fail;
	}
	cs_buf_init(&msg, 4096);
	if (cs_buf_read_fd(&msg, errp[0]) < 0 || msg.len) {
		cs_error_set(err, 0, "%s", msg.len ? msg.buf : "setup failed");
		goto fail;
	}
	goto out;
fail:
	if (child > 0)
		kill(child, SIGKILL);
	child = -1;
out:
	cs_buf_release(&msg);
	close(syncp[1]);
	close(errp[0]);
	close(pidp[0]);
	return child;
}

static int check_layers(const struct sbx_spec *spec, struct cs_error *err)
{
	for (size_t i = 0; i < spec->nlayers; i++) {
		struct stat st;

		if (strpbrk(spec->layers[i], ":,"))
			return cs_error_set(err, 0,
					    "layer '%s': ':' and ',' are not "
					    "allowed in layer paths",
					    spec->layers[i]);
		if (stat(spec->layers[i], &st) < 0)
			return cs_error_errno(err, "layer '%s'",
					      spec->layers[i]);
		if (!S_ISDIR(st.st_mode))
			return cs_error_set(err, ENOTDIR, "layer '%s'",
					    spec->layers[i]);
	}
	return 0;
}

static int unmount_rootfs(const struct sbx_info *info)
{
	struct statfs st;

	if (!info->rootfs || statfs(info->rootfs, &st) < 0 ||
	    st.f_type != FUSE_SUPER_MAGIC)
		return 0;
	if (umount2(info->rootfs, MNT_DETACH) == 0)
		return 0;
	{
		char *argv[] = { "fusermount3", "-u", "-z", info->rootfs,
				 NULL };

		return spawn_wait(argv, -1, NULL);
	}
}

/* Appends the last line the program wrote to log to err's message. */
static void add_log_tail(const char *log, struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	char *line;

	if (!err || !err->msg || cs_read_file(log, &b, 1 << 20, NULL) < 0) {
		cs_buf_release(&b);
		return;
	}
	while (b.len && b.buf[b.len - 1] == '\n')
		b.buf[--b.len] = 0;
	line = b.buf + b.len;
	while (line > b.buf && line[-1] != '\n')
		line--;
	if (*line) {
		char *msg = xasprintf("%s (%.200s)", err->msg, line);

		free(err->msg);
		err->msg = msg;
	}
	cs_buf_release(&b);
}

static int mount_layers(const struct sbx_info *info, const char *log,
			struct cs_error *err)
{
	const struct sbx_spec *spec = &info->spec;
	struct cs_buf opts = CS_BUF_INIT;
	_cleanup_free_ char *prog = sbx_fs_program();
	struct statfs st;
	int r;

	cs_buf_adds(&opts, "lowerdir=");
	for (size_t i = 0; i < spec->nlayers; i++)
		cs_buf_addf(&opts, "%s%s", i ? ":" : "", spec->layers[i]);
	if (info->upper) {
		_cleanup_free_ char *work = xstrdup(info->upper);

		strcpy(work + strlen(work) - strlen("upper"), "work");
		cs_buf_addf(&opts, ",upperdir=%s,workdir=%s", info->upper,
			    work);
	}
	if (geteuid() == 0)
		cs_buf_adds(&opts, ",allow_other");
	{
		char *argv[] = { prog, "-o", opts.buf, info->rootfs, NULL };
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);

		r = spawn_wait(argv, fd, err);
		if (fd >= 0)
			close(fd);
	}
	cs_buf_release(&opts);
	if (r < 0)
		add_log_tail(log, err);
	if (r < 0)
		return cs_error_wrap(err,
				     "mount layered fs on '%s' (set CSHELL_FS "
				     "to a fuse-overlayfs compatible program)",
				     info->rootfs);
	if (statfs(info->rootfs, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC)
		return cs_error_set(err, 0,
				    "mount layered fs on '%s': '%s' exited "
				    "without mounting",
				    info->rootfs, prog);
	return 0;
}

struct boot_paths {
	const char *init; /* the cshell-init program */
	const char *log;
	const char *rt_root, *data_root;
};

/* Brings info (spec, paths filled) to life; fills the runtime fields.
 * Teardown of a failed start runs in reverse order at the labels. */
static int boot_with(struct sbx_info *info, const char *dir,
		     const struct boot_paths *p, struct cs_error *err)
{
	struct sbx_spec *spec = &info->spec;
	struct sbx_cgroup cg = { NULL, NULL };
	struct child_args a;
	const char *init_path = p->init, *log = p->log, *rt_root = p->rt_root;
	int bind = !strcmp(info->rootfs_mode, "bind");
	int mounted = 0, r;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.init_fd = a.log_fd = -1;
	if (spec->net == SBX_NET_PRIVATE && geteuid() != 0)
		return cs_error_set(err, 0,
				    "--net private needs root here (rootless "
				    "private networking is not available); use "
				    "--net none or --net host");
	info->userns = geteuid() != 0;
	info->ns_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
			 CLONE_NEWIPC | CLONE_NEWCGROUP |
			 (spec->net == SBX_NET_HOST ? 0 : CLONE_NEWNET) |
			 (info->userns ? CLONE_NEWUSER : 0);
	info->caps = sbx_spec_caps(spec);
	if ((r = cs_mkdir_p(info->rootfs, 0755)) < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "create '%s'", info->rootfs);
	if (!bind) {
		if (mount_layers(info, log, err) < 0)
			return -1;
		mounted = 1;
	}
	free(info->seccomp_bpf);
	info->seccomp_bpf = NULL;
	if (spec->seccomp == SBX_SECCOMP_DEFAULT) {
		/* one compiled default filter per runtime root and version */
		info->seccomp_bpf = xasprintf("%s/seccomp-default-v%d-%llx.bpf",
					      rt_root, SBX_SECCOMP_REVISION,
					      (unsigned long long)info->caps);
		if (access(info->seccomp_bpf, R_OK) < 0 &&
		    sbx_seccomp_compile(spec, info->seccomp_bpf, err) < 0)
			goto fail;
	} else if (spec->seccomp == SBX_SECCOMP_FILE) {
		info->seccomp_bpf = xasprintf("%s/seccomp.bpf", dir);
		if (sbx_seccomp_compile(spec, info->seccomp_bpf, err) < 0)
			goto fail;
	}
	if (sbx_cgroup_create(spec, &cg, err) < 0)
		goto fail;
	a.init_fd = open(init_path, O_RDONLY | O_CLOEXEC);
	if (a.init_fd < 0) {
		cs_error_errno(err,
			       "open '%s' (set CSHELL_INIT to the cshell-init "
			       "program)",
			       init_path);
		goto fail;
	}
	a.log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (a.log_fd < 0) {
		cs_error_errno(err, "open '%s'", log);
		goto fail;
	}
	a.spec = spec;
	a.info = info;
	a.bind_from = bind ? spec->layers[0] : NULL;
	a.hide[0] = rt_root;
	a.hide[1] = p->data_root;
	pid = clone_init(&a, &cg, err);
	if (pid < 0)
		goto fail;
	info->init_pid = pid;
	info->init_start = sbx_proc_start(pid);
	info->state = SBX_STATE_RUNNING;
	free(info->cgroup_v2);
	free(info->cgroup_v1);
	info->cgroup_v2 = steal_ptr(&cg.v2);
	info->cgroup_v1 = steal_ptr(&cg.v1);
	close(a.init_fd);
	close(a.log_fd);
	if (!info->init_start) {
		cs_error_set(err, 0, "cshell-init exited at once");
		add_log_tail(log, err);
		goto fail_running;
	}
	if (spec->net == SBX_NET_PRIVATE && sbx_net_setup(pid, err) < 0)
		goto fail_running;
	return 0;
fail:
	if (a.init_fd >= 0)
		close(a.init_fd);
	if (a.log_fd >= 0)
		close(a.log_fd);
	sbx_cgroup_remove(cg.v2, cg.v1);
	sbx_cgroup_release(&cg);
	if (mounted)
		unmount_rootfs(info);
	return -1;
fail_running:
	if (info->init_pid > 0)
		kill(info->init_pid, SIGKILL);
	sbx_cgroup_remove(info->cgroup_v2, info->cgroup_v1);
	unmount_rootfs(info);
	info->state = SBX_STATE_STOPPED;
	return -1;
}

static int boot(struct sbx_info *info, const char *dir, struct cs_error *err)
{
	_cleanup_free_ char *init = find_program("CSHELL_INIT", "cshell-init");
	_cleanup_free_ char *log = xasprintf("%s/log", dir);
	_cleanup_free_ char *rt_root = cs_root_path(CS_ROOT_RUNTIME);
	_cleanup_free_ char *data_root = cs_root_path(CS_ROOT_DATA);
	struct boot_paths p = { init, log, rt_root, data_root };

	return boot_with(info, dir, &p, err);
}

static int fill_paths(struct sbx_info *info, const char *dir,
		      struct cs_error *err)
{
	struct sbx_spec *spec = &info->spec;
	int r;

	if (!spec->nlayers)
		sbx_spec_add_layer(spec, "/");
	free(info->rootfs);
	info->rootfs = xasprintf("%s/rootfs", dir);
	free(info->rootfs_mode);
	info->rootfs_mode = xstrdup(
		spec->read_only && spec->nlayers == 1 ? "bind" : "fuse");
	free(info->upper);
	info->upper = NULL;
	if (!spec->read_only) {
		_cleanup_free_ char *ddir = data_dir(spec->name, 1, err);
		_cleanup_free_ char *work = NULL;

		if (!ddir)
			return -1;
		info->upper = xasprintf("%s/upper", ddir);
		work = xasprintf("%s/work", ddir);
		if (((r = cs_mkdir_p(info->upper, 0755)) < 0 && r != -EEXIST) ||
		    ((r = cs_mkdir_p(work, 0700)) < 0 && r != -EEXIST))
			return cs_error_set(err, -r, "create '%s'", work);
	}
	return 0;
}

static int rm_tree(const char *dir);

static int create(const struct sbx_spec *spec, int ephemeral,
		  struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *state = NULL, *ddir = NULL;
	_cleanup_close_ int lock = -1;
	struct sbx_info info;
	int r = -1, had_data;

	if (sbx_check_name(spec->name ? spec->name : "", err) < 0)
		return -1;
	if (spec->backend != SBX_BACKEND_NS)
		return cs_error_set(err, 0,
				    "this backend is not available here");
	if (check_layers(spec, err) < 0)
		return -1;
	if (spec->seccomp == SBX_SECCOMP_FILE && !spec->seccomp_file)
		return cs_error_set(err, 0, "no seccomp profile file given");
	dir = rt_dir(spec->name, 1, err);
	if (!dir)
		return -1;
	lock = lock_sandbox(dir, spec->name, err);
	if (lock < 0)
		return -1;
	state = xasprintf("%s/state", dir);
	if (access(state, F_OK) == 0)
		return cs_error_set(err, EEXIST,
				    "sandbox '%s' already exists (use "
				    "'sandbox start' or 'sandbox rm')",
				    spec->name);
	ddir = data_dir(spec->name, 0, NULL);
	had_data = ddir && access(ddir, F_OK) == 0;
	memset(&info, 0, sizeof(info));
	sbx_spec_copy(&info.spec, spec);
	info.state = SBX_STATE_STOPPED;
	info.ephemeral = ephemeral;
	info.created = (long long)time(NULL);
	if (fill_paths(&info, dir, err) == 0 && boot(&info, dir, err) == 0)
		r = record_write(dir, &info, err);
	if (r < 0 && info.state == SBX_STATE_RUNNING && info.init_pid > 0) {
		kill(info.init_pid, SIGKILL);
		sbx_cgroup_remove(info.cgroup_v2, info.cgroup_v1);
		unmount_rootfs(&info);
	}
	if (r < 0) {
		/* leave no half-made sandbox behind (a persistent upper
		 * layer of a named sandbox stays) */
		if (ddir && (ephemeral || !had_data))
			rm_tree(ddir);
		rm_tree(dir);
	}
	sbx_info_release(&info);
	return r;
}

/* Removes dir and everything below, staying on its filesystem (never
 * into a mount that failed to go away). */
static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_tree(const char *dir)
{
	if (access(dir, F_OK) < 0)
		return 0;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int sbx_create(const struct sbx_spec *spec, struct cs_error *err)
{
	if (create(spec, 0, err) < 0)
		return cs_error_wrap(err, "cannot create sandbox '%s'",
				     spec->name ? spec->name : "");
	return 0;
}

/* ---------------------------------------------------------------- query */

int sbx_inspect(const char *name, struct sbx_info *info, struct cs_error *err)
{
	return record_read(name, info, err);
}

int sbx_resolve(const char *name, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };

	if (sbx_check_name(name, NULL) < 0) {
		cs_error_set(err, 0, "no such sandbox '%s'", name);
		if (err)
			err->code = ENOENT;
		return -1;
	}
	if (record_read(name, &info, err) < 0)
		return -1;
	if (info.state != SBX_STATE_RUNNING)
		return cs_error_set(err, 0,
				    "sandbox '%s' is %s (start it with "
				    "'sandbox start %s')",
				    name, sbx_state_name(info.state), name);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct sbx_info *)a)->spec.name,
		      ((const struct sbx_info *)b)->spec.name);
}

int sbx_list(struct sbx_info **out, size_t *n, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_RUNTIME, "sandboxes", 0, err);
	DIR *d;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 :
					 cs_error_errno(err, "open '%s'", dir);
	while ((de = readdir(d))) {
		struct cs_error e = CS_ERROR_INIT;
		_cleanup_free_ char *state = NULL;

		if (de->d_name[0] == '.' || sbx_check_name(de->d_name, NULL))
			continue;
		state = xasprintf("%s/%s/state", dir, de->d_name);
		if (access(state, F_OK) < 0)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		if (record_read(de->d_name, &(*out)[*n], &e) < 0) {
			cs_warn("%s", e.msg);
			cs_error_release(&e);
			sbx_info_release(&(*out)[*n]);
			continue;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_info);
	return 0;
}

void sbx_info_list_free(struct sbx_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbx_info_release(&list[i]);
	free(list);
}

/* ---------------------------------------------------------------- stop */

static int wait_pidfd(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Ends init (if alive) and releases everything the running sandbox held;
 * the caller holds the lock. */
static void halt(struct sbx_info *info, int timeout_ms)
{
	if (info->state == SBX_STATE_RUNNING) {
		int pidfd = pidfd_open(info->init_pid, 0);

		if (pidfd >= 0 &&
		    sbx_proc_start(info->init_pid) == info->init_start) {
			pidfd_send_signal(pidfd, SIGTERM, NULL, 0);
			if (!wait_pidfd(pidfd, timeout_ms)) {
				pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
				wait_pidfd(pidfd, 5000);
			}
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	sbx_cgroup_remove(info->cgroup_v2, info->cgroup_v1);
	unmount_rootfs(info);
	info->state = SBX_STATE_STOPPED;
	info->init_pid = 0;
	info->init_start = 0;
}

/* Reads the record, takes the lock, and reads it again under the lock
 * (the first read gives "no such sandbox" before a lock file is made). */
static int open_locked(const char *name, struct sbx_info *info, char **dir,
		       int *lock, struct cs_error *err)
{
	if (record_read(name, info, err) < 0)
		return -1;
	sbx_info_release(info);
	*dir = rt_dir(name, 0, err);
	if (!*dir)
		return -1;
	*lock = lock_sandbox(*dir, name, err);
	if (*lock < 0)
		return -1;
	return record_read(name, info, err);
}

static int stop_locked(const char *name, int timeout_ms, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -1;

	if (open_locked(name, &info, &dir, &lock, err) < 0)
		return -1;
	if (info.state == SBX_STATE_STOPPED)
		return 0;
	halt(&info, timeout_ms);
	return record_write(dir, &info, err);
}

int sbx_stop(const char *name, int timeout_ms, struct cs_error *err)
{
	if (stop_locked(name, timeout_ms, err) < 0)
		return cs_error_wrap(err, "cannot stop sandbox '%s'", name);
	return 0;
}

static int start_locked(const char *name, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -1;

	if (open_locked(name, &info, &dir, &lock, err) < 0)
		return -1;
	if (info.state == SBX_STATE_RUNNING)
		return cs_error_set(err, 0, "it is already running");
	if (info.state == SBX_STATE_DEAD)
		halt(&info, 0);
	if (fill_paths(&info, dir, err) < 0 || boot(&info, dir, err) < 0)
		return -1;
	return record_write(dir, &info, err);
}

int sbx_start(const char *name, struct cs_error *err)
{
	if (start_locked(name, err) < 0)
		return cs_error_wrap(err, "cannot start sandbox '%s'", name);
	return 0;
}

static int rm_locked(const char *name, int force, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	_cleanup_free_ char *dir = NULL, *ddir = NULL;
	_cleanup_close_ int lock = -1;

	if (open_locked(name, &info, &dir, &lock, err) < 0)
		return -1;
	if (info.state == SBX_STATE_RUNNING && !force)
		return cs_error_set(err, 0,
				    "it is running (stop it first, or use "
				    "'sandbox rm -f')");
	if (info.state == SBX_STATE_DEAD)
		cs_warn("sandbox '%s': its init (pid %d) had died; cleaning "
			"up",
			name, (int)info.init_pid);
	halt(&info, 2000);
	if (unmount_rootfs(&info) < 0)
		return cs_error_set(err, EBUSY, "unmount '%s'", info.rootfs);
	ddir = data_dir(name, 0, NULL);
	if (ddir && rm_tree(ddir) < 0)
		cs_warn("cannot remove '%s' completely: %s", ddir,
			strerror(errno));
	if (rm_tree(dir) < 0)
		return cs_error_errno(err, "remove '%s'", dir);
	return 0;
}

int sbx_rm(const char *name, int force, struct cs_error *err)
{
	if (rm_locked(name, force, err) < 0)
		return cs_error_wrap(err, "cannot remove sandbox '%s'", name);
	return 0;
}

/* ---------------------------------------------------------------- join */

static volatile sig_atomic_t inner_pid;

static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	/* the terminal sends INT/QUIT to the whole process group, the inner
	 * process included (si_code SI_KERNEL): pass on only what a process
	 * sent to us (kill, si_code <= 0) */
	if ((sig == SIGINT || sig == SIGQUIT) && si && si->si_code > 0)
		return;
	if (inner_pid > 0)
		kill((pid_t)inner_pid, sig);
}

static __attribute__((noreturn)) void relay(pid_t pid)
{
	static const int fwd[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2,
				   SIGALRM, SIGINT, SIGQUIT };
	struct sigaction sa;
	struct rlimit nocore = { 0, 0 };
	int status;

	inner_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (size_t i = 0; i < CS_ARRAY_SIZE(fwd); i++)
		sigaction(fwd[i], &sa, NULL);
	setrlimit(RLIMIT_CORE, &nocore);
	for (;;) {
		if (waitpid(pid, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			_exit(127);
		}
		if (WIFSTOPPED(status)) {
			/* let job control see us stopped too */
			raise(SIGSTOP);
			kill(pid, SIGCONT);
			continue;
		}
		break;
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	signal(WTERMSIG(status), SIG_DFL);
	{
		sigset_t all;

		sigemptyset(&all);
		sigaddset(&all, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &all, NULL);
	}
	raise(WTERMSIG(status));
	_exit(128 + WTERMSIG(status));
}

static char **joined_env;

const char *const *sbx_joined_env(void)
{
	static const char *const none[] = { NULL };

	return joined_env ? (const char *const *)joined_env : none;
}

int sbx_join(const char *name, struct cs_error *err)
{
	struct sbx_info info;
	struct cs_buf bpf = CS_BUF_INIT;
	int pidfd = -1, cgfd = -1, procsfd = -1, in_cg, r;
	pid_t pid;
	const char *wd;

	if (record_read(name, &info, err) < 0)
		goto fail;
	if (info.state != SBX_STATE_RUNNING) {
		cs_error_set(err, 0,
			     "sandbox '%s' is %s (start it with "
			     "'sandbox start %s')",
			     name, sbx_state_name(info.state), name);
		goto fail;
	}
	pidfd = pidfd_open(info.init_pid, 0);
	/* the pidfd pins the process: check it is still the recorded one */
	if (pidfd < 0 || sbx_proc_start(info.init_pid) != info.init_start) {
		cs_error_set(err, 0, "sandbox '%s' stopped meanwhile", name);
		goto fail;
	}
	if ((r = sbx_seccomp_read(info.seccomp_bpf, &bpf)) < 0) {
		cs_error_set(err, -r, "read '%s'", info.seccomp_bpf);
		goto fail;
	}
	/* v1 limit groups: the joiner (and so its relay) enters them now;
	 * the v2 group: the inner process is born in it (clone_into) */
	if ((r = sbx_cgroup_enter(NULL, info.cgroup_v1, 0)) < 0) {
		cs_error_set(err, -r, "enter the cgroup of sandbox '%s'", name);
		goto fail;
	}
	if (info.cgroup_v2) {
		_cleanup_free_ char *procs =
			xasprintf("%s/cgroup.procs", info.cgroup_v2);

		cgfd = open(info.cgroup_v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		procsfd = open(procs, O_WRONLY | O_CLOEXEC);
		if (cgfd < 0 || procsfd < 0) {
			cs_error_errno(err, "enter the cgroup of sandbox '%s'",
				       name);
			goto fail;
		}
	}
	/* the cgroup namespace last, from inside the cgroup: a process
	 * outside a cgroup namespace's root cannot be cloned into it */
	if (setns(pidfd, info.ns_flags & ~CLONE_NEWCGROUP) < 0) {
		cs_error_errno(err, "enter the namespaces of sandbox '%s'",
			       name);
		goto fail;
	}
	pid = clone_into(0, cgfd, &in_cg);
	if (pid < 0) {
		cs_error_errno(err, "fork into sandbox '%s'", name);
		goto fail;
	}
	if (pid > 0) {
		close(pidfd);
		if (cgfd >= 0)
			close(cgfd);
		if (procsfd >= 0)
			close(procsfd);
		relay(pid);
	}
	if (!in_cg && procsfd >= 0 && write(procsfd, "0", 1) < 0) {
		cs_error_errno(err, "enter the cgroup of sandbox '%s'", name);
		goto fail;
	}
	if ((info.ns_flags & CLONE_NEWCGROUP) &&
	    setns(pidfd, CLONE_NEWCGROUP) < 0) {
		cs_error_errno(err,
			       "enter the cgroup namespace of sandbox '%s'",
			       name);
		goto fail;
	}
	wd = info.spec.workdir ? info.spec.workdir : "/";
	if (chdir(wd) < 0) {
		cs_error_errno(err, "sandbox '%s': workdir '%s'", name, wd);
		goto fail;
	}
	for (size_t i = 0; i < info.spec.nenv; i++)
		putenv(xstrdup(info.spec.env[i]));
	/* kept for callers that build their own envp (the shell) */
	joined_env = info.spec.env;
	info.spec.env = NULL;
	info.spec.nenv = 0;
	r = sbx_caps_apply(info.caps, info.spec.uid, info.spec.gid);
	if (r == 0)
		r = sbx_seccomp_load(&bpf);
	if (r < 0) {
		cs_error_set(err, -r, "apply the restrictions of sandbox '%s'",
			     name);
		goto fail;
	}
	syscall(SYS_close_range, 3, ~0U, 0);
	cs_buf_release(&bpf);
	sbx_info_release(&info);
	return 0;
fail:
	if (pidfd >= 0)
		close(pidfd);
	if (cgfd >= 0)
		close(cgfd);
	if (procsfd >= 0)
		close(procsfd);
	cs_buf_release(&bpf);
	sbx_info_release(&info);
	return -1;
}

/* ---------------------------------------------------------------- run */

int sbx_run(const struct sbx_spec *spec, char *const argv[],
	    struct cs_error *err)
{
	struct sbx_spec s;
	struct sigaction ign, old_int, old_quit;
	int status = -1;
	pid_t pid;
	struct cs_error rmerr = CS_ERROR_INIT;

	sbx_spec_copy(&s, spec);
	if (!s.name) {
		static unsigned seq;

		s.name = xasprintf("run-%d-%lx-%u", (int)getpid(),
				   (unsigned long)time(NULL) & 0xfffff, seq++);
	}
	if (create(&s, 1, err) < 0) {
		cs_error_wrap(err, "cannot run in a new sandbox");
		sbx_spec_release(&s);
		return -1;
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		struct cs_error e = CS_ERROR_INIT;

		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (sbx_join(s.name, &e) < 0) {
			cs_error_print(&e, cs_log_prog());
			_exit(125);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", cs_log_prog(), argv[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0) {
		cs_error_errno(err, "fork");
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
					     128 + WTERMSIG(status);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (sbx_rm(s.name, 1, &rmerr) < 0) {
		cs_error_print(&rmerr, cs_log_prog());
		cs_error_release(&rmerr);
	}
	sbx_spec_release(&s);
	return status;
}
