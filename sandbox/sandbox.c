// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * sandbox.c — the life of a sandbox: create/start (layered rootfs, cloned
 * child in fresh namespaces that sets up its mounts and becomes
 * cshell-init), the record, join, stop, rm and run.
 *
 * Start reading at boot(): it mounts the rootfs, compiles the seccomp
 * filter, makes the cgroup, then clone_init() goes through a helper (a
 * vfork-like clone sharing our memory) so init is not our child (a sandbox
 * outlives its shell), and the child reports any setup error back through
 * a close-on-exec pipe (EOF = exec succeeded).  `run` is a boot whose
 * first process also starts the command (run_main) and whose init reports
 * the command's status (sbx_run).  Every mutation of
 * runtime/sandboxes/<name>/ holds its lock file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
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

char *sbx_rt_dir(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *sub = xasprintf("sandboxes/%s", name);

	return cs_root_subdir(CS_ROOT_RUNTIME, sub, create, err);
}

char *sbx_data_dir(const char *name, int create, struct cs_error *err)
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

char *sbx_init_program(void)
{
	return find_program("CSHELL_INIT", "cshell-init");
}

char *sbx_log_path(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL;

	if (sbx_check_name(name, err) < 0)
		return NULL;
	dir = sbx_rt_dir(name, 0, err);
	return dir ? xasprintf("%s/log", dir) : NULL;
}

/* ---------------------------------------------------------------- procs */

static uint64_t proc_start(pid_t pid, int zombie_ok)
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
	if (!p || !p[1] || !p[2] ||
	    (!zombie_ok && (p[2] == 'Z' || p[2] == 'X')))
		goto out;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
out:
	cs_buf_release(&b);
	return start;
}

uint64_t sbx_proc_start(pid_t pid)
{
	return proc_start(pid, 0);
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

int sbx_record_read(const char *name, struct sbx_info *info,
		    struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct cs_buf b = CS_BUF_INIT;
	int r;

	memset(info, 0, sizeof(*info));
	sbx_spec_init(&info->spec);
	if (sbx_check_name(name, err) < 0)
		return -1;
	dir = sbx_rt_dir(name, 0, err);
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
	if (info->state != SBX_STATE_RUNNING)
		return 0;
	if (info->init_pid <= 0 ||
	    sbx_proc_start(info->init_pid) != info->init_start) {
		info->state = SBX_STATE_DEAD;
		info->dead_reason = "its init has died";
	} else if (info->fs_pid > 0 &&
		   sbx_proc_start(info->fs_pid) != info->fs_start) {
		/* every path inside would fail with "Transport endpoint is
		 * not connected": not running in any useful sense */
		info->state = SBX_STATE_DEAD;
		info->dead_reason = "its layered-fs daemon has died";
	}
	return 0;
}

/* How long `rm -f` waits for a concurrent change of the same sandbox: a
 * stop takes 2 s at most before SIGKILL, then the unmount */
#define RM_LOCK_WAIT_MS 20000

/* Takes the sandbox's lock, waiting up to wait_ms for another process
 * that holds it (0: not at all).  The lock file can be removed by rm
 * while we wait for it: then retry on the new one. */
static int lock_sandbox(const char *dir, const char *name, int wait_ms,
			struct cs_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/lock", dir);
	int waited = 0;

	for (int i = 0; i < 10; i++) {
		struct stat st;
		int fd = cs_lock_path(path, 1, 0, err);

		if (fd < 0 && err && err->code == EWOULDBLOCK &&
		    waited < wait_ms) {
			/* polled, not a blocking flock: the wait stays
			 * bounded without a timer signal */
			cs_error_release(err);
			usleep(20000);
			waited += 20;
			i--;
			continue;
		}
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

static int has_host_root(const struct sbx_spec *spec);

/* With the host root as a layer the caller's directory is there under
 * the same path: start in it (make run's default sandbox works on the
 * project the shell is in), unless it is masked inside.  An explicit
 * --workdir is a choice and wins.  NULL if not. */
static char *host_root_cwd(const struct sbx_spec *spec, const char *cwd)
{
	_cleanup_free_ char *rt = NULL, *data = NULL;
	const char *hide[3] = { NULL, NULL, NULL };

	if (spec->workdir || !has_host_root(spec))
		return NULL;
	rt = cs_root_path(CS_ROOT_RUNTIME);
	data = cs_root_path(CS_ROOT_DATA);
	hide[0] = rt;
	hide[1] = data;
	if (sbx_host_hidden(cwd, hide, geteuid() != 0,
			    spec->read_only && spec->nlayers == 1))
		return NULL;
	return xstrdup(cwd);
}

/* Where a command starts inside the sandbox: when the caller's directory
 * lies in one of its --mount sources (the longest), the same place under
 * the mount's destination — `--mount .:/src` then `@dev make` builds here,
 * as docker users get with -v "$PWD:/src" -w /src; else, with the host
 * root as a layer, the same directory (host_root_cwd); else NULL (the
 * workdir).  Computed on the host side, before entering. */
char *sbx_mapped_cwd(const struct sbx_spec *spec)
{
	char cwd[PATH_MAX], real[PATH_MAX];
	size_t best = 0;
	char *out = NULL;

	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	for (size_t i = 0; i < spec->nmounts; i++) {
		const char *src = realpath(spec->mounts[i].src, real) ?
					  real :
					  spec->mounts[i].src;
		const char *dst = spec->mounts[i].dst;
		size_t n = strlen(src), d = strlen(dst);

		while (n > 1 && src[n - 1] == '/')
			n--;
		while (d > 1 && dst[d - 1] == '/')
			d--;
		if (n == 1 && src[0] == '/')
			n = 0; /* the host root: every directory is in it */
		if (strncmp(cwd, src, n) || (cwd[n] && cwd[n] != '/') ||
		    (out && n <= best))
			continue;
		best = n;
		free(out);
		out = d == 1 && cwd[n] ?
			      xstrdup(cwd + n) :
			      xasprintf("%.*s%s", (int)d, dst, cwd + n);
	}
	return out ? out : host_root_cwd(spec, cwd);
}

char *sbx_start_dir(const struct sbx_spec *spec)
{
	char *m = sbx_mapped_cwd(spec);

	return m ? m : xstrdup(spec->workdir ? spec->workdir : "/");
}

struct child_args {
	const struct sbx_spec *spec;
	const struct sbx_info *info;
	const struct sbx_cgroup *cg;
	const char *bind_from;
	const char *hide[3];
	/* run: the command; the pipe on which init reports its status;
	 * with --net private the one on which it waits for eth0 (else -1),
	 * and the caller's ends of those two */
	char *const *argv;
	int status_fd, go_fd, status_rd, go_wr;
	/* run: init writes on ready_wr once it is non-dumpable; the command
	 * waits for that on ready_rd before it runs anything of its own */
	int ready_rd, ready_wr;
	/* rootless: wait for the id maps on sync_fd (else -1) */
	int sync_fd;
	char cwd[PATH_MAX]; /* run: sbx_mapped_cwd(), else "" (in a, whose
			     * lifetime the command child relies on anyway) */
	int err_fd, log_fd, init_fd, exec_fd, in_cg;
	sigset_t sigmask; /* the caller's, restored in init */
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
int sbx_sealed_copy(int fd)
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

/* A private read-only bind of cshell-init, detached from every mount
 * namespace, to exec from: nothing can open /proc/1/exe for writing
 * (runc's CVE-2019-5736) and it costs two syscalls where the memfd copy
 * costs a copy of the whole file.  -1 where the mount API is refused
 * (rootless): the child falls back to the copy. */
int sbx_ro_bind(const char *path)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			    MOUNT_ATTR_NODEV,
	};
	int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return -1;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* run: the command, pid 2 of the sandbox, as a joined process would be
 * (sbx_join): workdir, --env, capabilities and ids, seccomp, only fds
 * 0-2; its status reaches the caller through init. */
static __attribute__((noreturn)) void run_main(struct child_args *a,
					       const struct cs_buf *bpf)
{
	const struct sbx_spec *spec = a->spec;
	const char *wd = spec->workdir ? spec->workdir : "/";
	char go;
	int r;

	close(a->err_fd);
	close(a->status_fd);
	close(a->ready_wr);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (a->go_fd >= 0 && read(a->go_fd, &go, 1) != 1)
		_exit(125);
	/* pid 1 is exec'd but only safe from us once it made itself
	 * non-dumpable: until then its /proc files are open to root here */
	if (read(a->ready_rd, &go, 1) != 1)
		_exit(125);
	close(a->ready_rd);
	if (a->cwd[0] && chdir(a->cwd) == 0)
		wd = NULL;
	if (wd && chdir(wd) < 0) {
		fprintf(stderr, "%s: sandbox '%s': workdir '%s': %s\n",
			cs_log_prog(), spec->name, wd, strerror(errno));
		_exit(125);
	}
	for (size_t i = 0; i < spec->nenv; i++)
		putenv(spec->env[i]);
	/* the capability sets came from the sandbox's first process; a
	 * --user needs them applied again, with the ids */
	r = spec->uid > 0 || spec->gid > 0 ?
		    sbx_caps_apply(a->info->caps, spec->uid, spec->gid) :
		    0;
	if (r == 0)
		r = sbx_seccomp_load(bpf);
	if (r < 0) {
		fprintf(stderr,
			"%s: apply the restrictions of sandbox '%s': %s\n",
			cs_log_prog(), spec->name, strerror(-r));
		_exit(125);
	}
	/* through cshell-init's read-only image, as a join does: never
	 * exec from the host's binary (only its fd survives the exec) */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	{
		size_t n = 0;
		char **v;

		while (a->argv[n])
			n++;
		v = xcalloc(n + 4, sizeof(*v));
		v[0] = "cshell-init";
		v[1] = "--exec";
		v[2] = a->argv[0];
		memcpy(v + 3, a->argv, n * sizeof(*v));
		syscall(SYS_execveat, a->exec_fd, "", v, environ,
			AT_EMPTY_PATH);
	}
	r = errno;
	fprintf(stderr, "%s: %s: %s\n", cs_log_prog(), a->argv[0], strerror(r));
	_exit(126);
}

/* Runs fn(arg) in a new process that shares our memory on its own stack,
 * vfork-like: we are suspended until it execs or exits, so it costs no
 * copy of our address space.  Our signal handlers must not run there: the
 * caller blocks signals or is a process of our own.  Returns its pid (our
 * child) or -1. */
static pid_t spawn_shared(int (*fn)(void *), void *arg)
{
#ifdef __SANITIZE_ADDRESS__
	/* ASan cannot follow a process onto a borrowed stack: a fork (so
	 * what fn reports must be in shared_new() memory) */
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
#else
	const size_t size = 256 << 10;
	void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;

	if (stack == MAP_FAILED)
		return -1;
	pid = clone(fn, (char *)stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD,
		    arg);
	munmap(stack, size);
	return pid;
#endif
}

/* Zeroed memory that a spawn_shared() process writes its results to,
 * shared whether or not that process shares our address space; NULL
 * when out of memory. */
static void *shared_new(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Starts the command: a fork, not a vfork-like clone, since it waits for
 * us (init exec'd and non-dumpable; as root also the oom score, or eth0
 * with --net private) before it runs anything. */
static pid_t fork_command(struct child_args *a, const struct cs_buf *bpf)
{
	pid_t pid = fork();

	if (pid == 0)
		run_main(a, bpf);
	return pid;
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
		.host_root = a->hide[0] != NULL,
	};
	struct cs_buf bpf = CS_BUF_INIT;
	char go, mainpid[16] = "", statusfd[16] = "", readyfd[16] = "";
	int nul, r;
	pid_t cmd;
	char *argv[] = { "cshell-init", a->spec->name, NULL, NULL,
			 NULL,		NULL,	       NULL };
	char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		"/sbin:/bin",
		"container=cshell", NULL
	};

	/* rootless: the parent writes our id maps first */
	if (a->sync_fd >= 0) {
		if (read(a->sync_fd, &go, 1) != 1)
			_exit(1);
		close(a->sync_fd);
	}
	/* a copy of the shell until cshell-init runs: nothing in the
	 * sandbox (a `run` command started meanwhile) may open our /proc
	 * files, /proc/1/exe (the host's cshell) above all.  After the id
	 * maps: the parent needs our /proc files for those. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* the groups clone3 could not put us in (v1 limit groups; v2 on a
	 * kernel without CLONE_INTO_CGROUP), then a cgroup namespace rooted
	 * at our own group */
	r = sbx_cgroup_enter(a->in_cg ? NULL : a->cg->v2, a->cg->v1, 0);
	if (r < 0) {
		cs_error_set(&err, -r, "move init into its cgroup");
		child_fail(a->err_fd, &err);
	}
	if (unshare(CLONE_NEWCGROUP) < 0) {
		cs_error_errno(&err, "unshare cgroup namespace");
		child_fail(a->err_fd, &err);
	}
	if (a->exec_fd < 0 && (a->exec_fd = sbx_sealed_copy(a->init_fd)) < 0) {
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
	/* once for init and the command (dropping a capability from the
	 * bounding set is one syscall and one cred copy each) */
	r = sbx_caps_apply(a->info->caps, 0, 0);
	if (r < 0) {
		cs_error_set(&err, -r, "restrict cshell-init");
		child_fail(a->err_fd, &err);
	}
	if (a->argv) {
		/* the caller's SIGCHLD may be ignored: init must see the
		 * command's status */
		signal(SIGCHLD, SIG_DFL);
		cmd = fork_command(a, &bpf);
		if (cmd < 0) {
			cs_error_errno(&err, "fork the command");
			child_fail(a->err_fd, &err);
		}
		snprintf(mainpid, sizeof(mainpid), "%d", (int)cmd);
		snprintf(statusfd, sizeof(statusfd), "%d", a->status_fd);
		snprintf(readyfd, sizeof(readyfd), "%d", a->ready_wr);
		argv[2] = "--main";
		argv[3] = mainpid;
		argv[4] = statusfd;
		argv[5] = readyfd;
		close(a->ready_rd);
	}
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(a->log_fd, 1) < 0 ||
	    dup2(a->log_fd, 2) < 0) {
		cs_error_errno(&err, "set up init's stdio");
		child_fail(a->err_fd, &err);
	}
	r = sbx_seccomp_load(&bpf);
	if (r < 0) {
		cs_error_set(&err, -r, "restrict cshell-init");
		child_fail(a->err_fd, &err);
	}
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (a->status_fd >= 0)
		fcntl(a->status_fd, F_SETFD, 0);
	if (a->ready_wr >= 0)
		fcntl(a->ready_wr, F_SETFD, 0);
	fexecve(a->exec_fd, argv, envp);
	cs_error_errno(&err, "exec cshell-init");
	child_fail(a->err_fd, &err);
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
pid_t sbx_clone_into(int flags, int cgfd, int *in_cg)
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

/* The helper between us and init: it shares our memory (vfork-like, we
 * are suspended until it exits, so it costs no copy of our address
 * space), clones init in its namespaces and reports in here. */
struct helper {
	struct child_args *a;
	int flags, cgfd, syncp[2], errp[2];
	pid_t child;	/* init, or -errno */
	uint64_t start; /* init's start time */
};

static int helper_main(void *arg)
{
	struct helper *h = arg;
	struct child_args *a = h->a;
	/* h is shared with the caller, which resets errp[1] as soon as we
	 * exit: init takes the pipe ends from this snapshot, not from h (it
	 * once read -1 there under load, and the command then held the
	 * error pipe open while the caller waited for its EOF) */
	const int sync_fd = h->syncp[0], err_fd = h->errp[1];
	int in_cg = 0;
	pid_t c;

	close(h->errp[0]);
	if (h->syncp[1] >= 0)
		close(h->syncp[1]);
	/* the caller's ends of the run pipes: EOF must mean the caller is
	 * gone */
	if (a->go_wr >= 0)
		close(a->go_wr);
	if (a->status_rd >= 0)
		close(a->status_rd);
	c = sbx_clone_into(h->flags, h->cgfd, &in_cg);
	if (c == 0) {
		/* init, with its own copy of memory from here on */
		sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
		a->sync_fd = sync_fd;
		a->err_fd = err_fd;
		a->in_cg = in_cg;
		child_main(a);
	}
	h->child = c < 0 ? -errno : c;
	/* read now, zombie or not: init may be gone by the time the caller
	 * looks (a `run` command that ends at once) */
	h->start = c > 0 ? proc_start(c, 1) : 0;
	return 0;
}

/* Clones the sandbox's first process through the helper, so init is not
 * our child.  Only a rootless child waits for us (its id maps); otherwise
 * it sets itself up while we wait for the verdict on errp: EOF when
 * cshell-init was exec'd, else the error message.  Returns init's pid
 * (*start: its start time) or -1 + err. */
static pid_t clone_init(struct child_args *a, uint64_t *start,
			struct cs_error *err)
{
	struct helper *h = shared_new(sizeof(*h));
	pid_t helper, child = -1;
	sigset_t all;
	struct cs_buf msg = CS_BUF_INIT;
	int status;

	if (!h)
		return cs_error_errno(err, "clone the sandbox's namespaces");
	h->a = a;
	h->cgfd = h->syncp[0] = h->syncp[1] = -1;
	h->flags = a->info->ns_flags & ~CLONE_NEWCGROUP;
	if (pipe2(h->errp, O_CLOEXEC) < 0) {
		munmap(h, sizeof(*h));
		return cs_error_errno(err, "pipe");
	}
	if (a->info->userns && pipe2(h->syncp, O_CLOEXEC) < 0) {
		cs_error_errno(err, "pipe");
		goto out;
	}
	if (a->cg->v2)
		h->cgfd = open(a->cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* no handler of ours may run on the helper's borrowed memory */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &a->sigmask);
	helper = spawn_shared(helper_main, h);
	if (helper < 0)
		cs_error_errno(err, "fork");
	sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
	if (h->cgfd >= 0)
		close(h->cgfd);
	close(h->errp[1]);
	h->errp[1] = -1;
	if (helper < 0)
		goto out;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (h->child <= 0) {
		cs_error_set(err, -h->child, "clone the sandbox's namespaces");
		goto out;
	}
	child = h->child;
	*start = h->start;
	if (a->info->userns) {
		int ranges;

		if (sbx_idmap_write(child, &ranges, err) < 0)
			goto fail;
		if (write(h->syncp[1], "g", 1) != 1) {
			cs_error_errno(err, "start init");
			goto fail;
		}
	}
	cs_buf_init(&msg, 4096);
	if (cs_buf_read_fd(&msg, h->errp[0]) < 0 || msg.len) {
		cs_error_set(err, 0, "%s", msg.len ? msg.buf : "setup failed");
		goto fail;
	}
	/* init is the last process the OOM killer should pick; it has
	 * exec'd, so a run's command (forked before) keeps its score */
	if (geteuid() == 0)
		sbx_oom_protect(child);
	goto out;
fail:
	kill(child, SIGKILL);
	child = -1;
out:
	cs_buf_release(&msg);
	for (int i = 0; i < 2; i++) {
		if (h->syncp[i] >= 0)
			close(h->syncp[i]);
		if (h->errp[i] >= 0)
			close(h->errp[i]);
	}
	munmap(h, sizeof(*h));
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

/* Unmounts the layered fs of info, if mounted.  In the host's mount
 * namespace only that FUSE mount ever sits on rootfs (a bind rootfs is
 * made inside the sandbox), so no statfs round trip to the daemon is
 * needed first; only the fusermount3 fallback (rootless) checks. */
int sbx_unmount_rootfs(const struct sbx_info *info)
{
	struct statfs st;

	if (!info->rootfs || !info->rootfs_mode ||
	    strcmp(info->rootfs_mode, "fuse"))
		return 0;
	if (umount2(info->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ||
	    errno == EINVAL || errno == ENOENT)
		return 0;
	if (statfs(info->rootfs, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC)
		return 0;
	{
		char *argv[] = { "fusermount3", "-u", "-z", info->rootfs,
				 NULL };

		return spawn_wait(argv, -1, NULL);
	}
}

/* Appends the last line the program wrote to log to err's message. */
void sbx_add_log_tail(const char *log, struct cs_error *err)
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

/* fd moved to 10 or above (close-on-exec), or -1 */
static int high_fd(int fd)
{
	int h;

	if (fd < 0 || fd >= 10)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

struct fs_daemon {
	char *const *argv;
	int logfd, fusefd; /* both above 9: the dup2s cannot clobber them */
	sigset_t mask;	   /* the caller's */
	int err;
	pid_t pid; /* the daemon */
};

/* In a process sharing the caller's memory: starts the daemon in a
 * session of its own and exits at once, so the daemon is nobody's child
 * (it lives as long as the sandbox, not as long as the shell). */
static int fs_daemon_main(void *arg)
{
	struct fs_daemon *d = arg;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all;
	pid_t pid;

	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, d->logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, d->logfd, 2);
	posix_spawn_file_actions_adddup2(&fa, d->fusefd, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &d->mask);
	posix_spawnattr_setsigdefault(&at, &all);
	d->err = posix_spawn(&pid, d->argv[0], &fa, &at, d->argv, environ);
	d->pid = d->err ? 0 : pid;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return 0;
}

/* Root with cshell-fs: we mount the FUSE filesystem ourselves on an open
 * /dev/fuse and hand the fd to the daemon (`-f … /dev/fd/3`, libfuse's
 * pre-mounted fd).  Nothing waits for the daemon to start: the kernel
 * holds the sandbox's first requests until it answers.  Should it die,
 * its fd closes with it (ours is closed here) and those requests fail;
 * the log then says why. */
static int mount_fuse_fd(struct sbx_info *info, const char *prog,
			 const char *opts, const char *log,
			 struct cs_error *err)
{
	char *argv[] = { (char *)prog, "-f",	    "-o",
			 (char *)opts, "/dev/fd/3", NULL };
	struct fs_daemon *d;
	_cleanup_close_ int fd = -1;
	char mopts[128];
	sigset_t all;
	pid_t pid;
	int status, r;

	fd = high_fd(open("/dev/fuse", O_RDWR | O_CLOEXEC));
	if (fd < 0)
		return cs_error_errno(err,
				      "mount layered fs on '%s': open "
				      "/dev/fuse",
				      info->rootfs);
	snprintf(mopts, sizeof(mopts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,"
		 "default_permissions",
		 fd);
	if (mount("cshell-fs", info->rootfs, "fuse.cshell-fs",
		  MS_NOSUID | MS_NODEV | (info->upper ? 0 : MS_RDONLY),
		  mopts) < 0) {
		return cs_error_errno(err, "mount layered fs on '%s'",
				      info->rootfs);
	}
	d = shared_new(sizeof(*d));
	if (!d) {
		cs_error_errno(err, "run '%s'", prog);
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	d->argv = argv;
	d->fusefd = fd;
	d->logfd = high_fd(
		open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
	if (d->logfd < 0) {
		cs_error_errno(err, "open '%s'", log);
		munmap(d, sizeof(*d));
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &d->mask);
	pid = spawn_shared(fs_daemon_main, d);
	r = pid < 0 ? errno : 0;
	sigprocmask(SIG_SETMASK, &d->mask, NULL);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	close(d->logfd);
	if (!r)
		r = d->err;
	info->fs_pid = r ? 0 : d->pid;
	munmap(d, sizeof(*d));
	if (r) {
		cs_error_set(err, r, "run '%s'", prog);
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	return 0;
}

/* The mount points the sandbox's setup makes when no layer has them
 * (rootfs.c), made here in the upper layer before it is mounted: the
 * same directories, without LOOKUP+MKDIR round trips through the layered
 * fs.  Best effort: what fails here is made through the mount. */
static void premake_mount_points(const struct sbx_info *info)
{
	static const struct {
		const char *name;
		mode_t mode;
	} dirs[] = { { "proc", 0555 }, { "dev", 0755 }, { "sys", 0555 } };
	const struct sbx_spec *spec = &info->spec;

	for (size_t i = 0; i < CS_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *up = NULL;
		struct stat st;
		size_t l;

		for (l = 0; l < spec->nlayers; l++) {
			_cleanup_free_ char *p = xasprintf(
				"%s/%s", spec->layers[l], dirs[i].name);

			if (lstat(p, &st) == 0 || errno != ENOENT)
				break;
		}
		if (l < spec->nlayers)
			continue;
		up = xasprintf("%s/%s", info->upper, dirs[i].name);
		mkdir(up, dirs[i].mode);
	}
}

/* Rootless: whether this user may open /dev/fuse.  libfuse's own report
 * of that ("failed to open /dev/fuse") is not the last line of the
 * daemon's log, and the daemon's guess (fusermount3 missing) is wrong
 * then: say what is missing and what works without it. */
static int fuse_usable(struct cs_error *err)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return cs_error_set(err, 0,
			    "failed to open /dev/fuse: %s (the layered fs "
			    "needs it: give this user read-write access to "
			    "/dev/fuse, or use --read-only with a single "
			    "layer or none, which works rootless without "
			    "FUSE)",
			    strerror(errno));
}

/* The pid of the daemon that serves the FUSE mount on rootfs, for a
 * program that daemonized itself: the process whose last argument is the
 * mount point (libfuse keeps its argv).  0 when none is found. */
static pid_t find_fs_daemon(const char *rootfs)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300];
		struct cs_buf b = CS_BUF_INIT;
		char *last;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/cmdline", e->d_name);
		if (cs_read_file(path, &b, 1 << 16, NULL) == 0 && b.len > 1) {
			/* NUL-separated, NUL-terminated */
			last = b.buf + b.len - 1;
			while (last > b.buf && last[-1])
				last--;
			if (!strcmp(last, rootfs))
				found = (pid_t)atoi(e->d_name);
		}
		cs_buf_release(&b);
	}
	closedir(d);
	return found;
}

/* Whether no layer has rel ("/proc"). */
static int in_no_layer(const struct sbx_spec *spec, const char *rel)
{
	struct stat st;

	for (size_t l = 0; l < spec->nlayers; l++) {
		_cleanup_free_ char *p =
			xasprintf("%s%s", spec->layers[l], rel);

		if (lstat(p, &st) == 0 || errno != ENOENT)
			return 0;
	}
	return 1;
}

/*
 * A read-only sandbox cannot make the mount points its setup needs
 * (/proc, /dev, /sys, the workdir, --mount destinations) when no layer
 * has them: an image or a --layer without /proc ("mkdir /proc:
 * Read-only file system").  They go into a "shadow" layer of their own
 * under the runtime dir, empty directories (files for file mounts) put
 * below the others: the sandbox stays read-only, with no upper layer to
 * write.  With make unset, says whether one is needed; else makes it in
 * dir and returns 1 when it has anything.
 */
static int shadow_points(const struct sbx_spec *spec, const char *dir, int make)
{
	static const char *const fixed[] = { "/proc", "/dev", "/sys" };
	size_t n = CS_ARRAY_SIZE(fixed) + 1 + spec->nmounts;
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = i < 3  ? fixed[i] :
				i == 3 ? spec->workdir :
					 spec->mounts[i - 4].dst;
		_cleanup_free_ char *path = NULL;
		struct stat st;
		int file;

		if (!p || !strcmp(p, "/") || !in_no_layer(spec, p))
			continue;
		if (!make)
			return 1;
		file = i > 3 && stat(spec->mounts[i - 4].src, &st) == 0 &&
		       !S_ISDIR(st.st_mode);
		path = xasprintf("%s%s", dir, p);
		if (file) {
			int fd;

			*strrchr(path, '/') = 0;
			cs_mkdir_p(path, 0755);
			path[strlen(path)] = '/';
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		} else {
			cs_mkdir_p(path, 0755);
		}
		any = 1;
	}
	return any;
}

static int mount_layers(struct sbx_info *info, const char *log,
			struct cs_error *err)
{
	const struct sbx_spec *spec = &info->spec;
	struct cs_buf opts = CS_BUF_INIT;
	_cleanup_free_ char *prog = sbx_fs_program();
	const char *base;
	struct statfs st;
	int r;

	cs_buf_adds(&opts, "lowerdir=");
	for (size_t i = 0; i < spec->nlayers; i++)
		cs_buf_addf(&opts, "%s%s", i ? ":" : "", spec->layers[i]);
	if (!info->upper) {
		_cleanup_free_ char *shadow = xstrdup(info->rootfs);

		strcpy(shadow + strlen(shadow) - strlen("rootfs"), "shadow");
		sbx_rm_tree(shadow);
		if (shadow_points(spec, shadow, 1))
			cs_buf_addf(&opts, ":%s", shadow);
	}
	if (info->upper) {
		_cleanup_free_ char *work = xstrdup(info->upper);

		strcpy(work + strlen(work) - strlen("upper"), "work");
		cs_buf_addf(&opts, ",upperdir=%s,workdir=%s", info->upper,
			    work);
	}
	if (geteuid() == 0)
		cs_buf_adds(&opts, ",allow_other");
	if (geteuid() == 0 && info->upper)
		premake_mount_points(info);
	base = strrchr(prog, '/');
	info->fs_pid = 0;
	info->fs_start = 0;
	if (geteuid() == 0 && !strcmp(base ? base + 1 : prog, "cshell-fs")) {
		r = mount_fuse_fd(info, prog, opts.buf, log, err);
		cs_buf_release(&opts);
		/* read now: the daemon is no child of ours to wait for */
		if (r == 0 && info->fs_pid > 0)
			info->fs_start = proc_start(info->fs_pid, 0);
		return r;
	}
	if (geteuid() != 0 && (r = fuse_usable(err)) < 0) {
		cs_buf_release(&opts);
		return r;
	}
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
		sbx_add_log_tail(log, err);
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
	info->fs_pid = find_fs_daemon(info->rootfs);
	if (info->fs_pid > 0)
		info->fs_start = proc_start(info->fs_pid, 0);
	return 0;
}

struct boot_paths {
	const char *init; /* the cshell-init program */
	const char *log;
	const char *rt_root, *data_root;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The fds boot_with() opens for the child, closed on every path. */
static void child_args_close(struct child_args *a)
{
	close_fd(&a->init_fd);
	close_fd(&a->exec_fd);
	close_fd(&a->log_fd);
	close_fd(&a->go_fd);
	close_fd(&a->go_wr);
	close_fd(&a->status_fd);
	close_fd(&a->ready_rd);
	close_fd(&a->ready_wr);
}

/* run: the pipe on which init reports the command's status and, with
 * --net private, the one on which the command waits for eth0. */
static int run_pipes(struct child_args *a, const struct sbx_spec *spec,
		     struct cs_error *err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return cs_error_errno(err, "pipe");
	a->status_rd = p[0];
	a->status_fd = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cs_error_errno(err, "pipe");
	a->ready_rd = p[0];
	a->ready_wr = p[1];
	/* as root the command also waits for init's oom_score_adj */
	if (spec->net != SBX_NET_PRIVATE && spec->net != SBX_NET_SLIRP &&
	    geteuid() != 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return cs_error_errno(err, "pipe");
	a->go_fd = p[0];
	a->go_wr = p[1];
	return 0;
}

/* Whether a layer is the host's root directory (however spelt). */
static int has_host_root(const struct sbx_spec *spec)
{
	struct stat root, st;

	if (stat("/", &root) < 0)
		return 1;
	for (size_t i = 0; i < spec->nlayers; i++)
		if (stat(spec->layers[i], &st) < 0 ||
		    (st.st_dev == root.st_dev && st.st_ino == root.st_ino))
			return 1;
	return 0;
}

/* Brings info (spec, paths filled) to life; fills the runtime fields.
 * With run, the command starts as pid 2 and run->status_fd is set.
 * Teardown of a failed start runs in reverse order at the labels. */
static int boot_with(struct sbx_info *info, const char *dir,
		     const struct boot_paths *p, struct run_cmd *run,
		     struct cs_error *err)
{
	struct sbx_spec *spec = &info->spec;
	struct sbx_cgroup cg = { NULL, NULL };
	struct child_args a;
	const char *init_path = p->init, *log = p->log, *rt_root = p->rt_root;
	int bind = !strcmp(info->rootfs_mode, "bind");
	int mounted = 0, r;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.init_fd = a.exec_fd = a.log_fd = a.sync_fd = a.go_fd = -1;
	if (run) {
		_cleanup_free_ char *mwd = sbx_mapped_cwd(spec);

		if (mwd && strlen(mwd) < sizeof(a.cwd))
			strcpy(a.cwd, mwd);
	}
	a.go_wr = a.status_fd = a.status_rd = -1;
	a.ready_rd = a.ready_wr = -1;
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
	if (!info->userns)
		a.exec_fd = sbx_ro_bind(init_path);
	a.log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (a.log_fd < 0) {
		cs_error_errno(err, "open '%s'", log);
		goto fail;
	}
	if (run) {
		a.argv = run->argv;
		if (run_pipes(&a, spec, err) < 0)
			goto fail;
	}
	a.spec = spec;
	a.info = info;
	a.cg = &cg;
	a.bind_from = bind ? spec->layers[0] : NULL;
	/* the host's state roots show only through the host root as a
	 * layer (looking them up in other layers costs FUSE round trips) */
	if (has_host_root(spec)) {
		a.hide[0] = rt_root;
		a.hide[1] = p->data_root;
	}
	pid = clone_init(&a, &info->init_start, err);
	if (pid < 0) {
		/* a layered-fs daemon that died says why in the log */
		if (mounted)
			sbx_add_log_tail(log, err);
		goto fail;
	}
	info->init_pid = pid;
	info->state = SBX_STATE_RUNNING;
	free(info->cgroup_v2);
	free(info->cgroup_v1);
	info->cgroup_v2 = steal_ptr(&cg.v2);
	info->cgroup_v1 = steal_ptr(&cg.v1);
	/* (the init of a run ends with its command, maybe already) */
	if (!info->init_start ||
	    (!run && sbx_proc_start(pid) != info->init_start)) {
		cs_error_set(err, 0, "cshell-init exited at once");
		sbx_add_log_tail(log, err);
		goto fail_running;
	}
	if ((spec->net == SBX_NET_PRIVATE || spec->net == SBX_NET_SLIRP) &&
	    sbx_net_setup(pid, spec->net == SBX_NET_SLIRP,
			  spec->net_host_access, err) < 0)
		goto fail_running;
	if (a.go_wr >= 0 && write(a.go_wr, "g", 1) != 1) {
		cs_error_errno(err, "start the command");
		goto fail_running;
	}
	child_args_close(&a);
	if (run) {
		run->status_fd = a.status_rd;
		run->init_pidfd = pidfd_open(pid, 0);
		/* the pidfd pins what it names: make sure that is still
		 * our init (or its zombie), not a recycled pid */
		uint64_t now = run->init_pidfd >= 0 ? sbx_proc_start(pid) : 0;

		if (now && now != info->init_start)
			close_fd(&run->init_pidfd);
	}
	return 0;
fail:
	child_args_close(&a);
	close_fd(&a.status_rd);
	sbx_cgroup_remove(cg.v2, cg.v1);
	sbx_cgroup_release(&cg);
	if (mounted)
		sbx_unmount_rootfs(info);
	return -1;
fail_running:
	child_args_close(&a);
	close_fd(&a.status_rd);
	if (info->init_pid > 0)
		kill(info->init_pid, SIGKILL);
	sbx_cgroup_remove(info->cgroup_v2, info->cgroup_v1);
	sbx_unmount_rootfs(info);
	info->state = SBX_STATE_STOPPED;
	return -1;
}

static int boot(struct sbx_info *info, const char *dir, struct run_cmd *run,
		struct cs_error *err)
{
	_cleanup_free_ char *init = sbx_init_program();
	_cleanup_free_ char *log = xasprintf("%s/log", dir);
	_cleanup_free_ char *rt_root = cs_root_path(CS_ROOT_RUNTIME);
	_cleanup_free_ char *data_root = cs_root_path(CS_ROOT_DATA);
	struct boot_paths p = { init, log, rt_root, data_root };

	return boot_with(info, dir, &p, run, err);
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
	/* a plain bind only where the layer has the mount points */
	info->rootfs_mode =
		xstrdup(spec->read_only && spec->nlayers == 1 &&
					!shadow_points(spec, NULL, 0) ?
				"bind" :
				"fuse");
	free(info->upper);
	info->upper = NULL;
	if (!spec->read_only) {
		_cleanup_free_ char *ddir = sbx_data_dir(spec->name, 1, err);
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

int sbx_boot_new(const struct sbx_spec *spec, int ephemeral,
		 struct run_cmd *run, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *state = NULL, *ddir = NULL;
	_cleanup_close_ int lock = -1;
	struct sbx_info info;
	int r = -1, had_data;

	if (sbx_check_name(spec->name ? spec->name : "", err) < 0)
		return -1;
	/* `@host` is the host itself and is resolved before any sandbox:
	 * a sandbox of that name could never be reached */
	if (!strcmp(spec->name, "host"))
		return cs_error_set(err, 0,
				    "the name 'host' is reserved ('@host' "
				    "runs on the host itself); choose another "
				    "name");
	if (spec->backend != SBX_BACKEND_NS)
		return cs_error_set(err, 0,
				    "this backend is not available here");
	if (check_layers(spec, err) < 0)
		return -1;
	if (spec->seccomp == SBX_SECCOMP_FILE && !spec->seccomp_file)
		return cs_error_set(err, 0, "no seccomp profile file given");
	dir = sbx_rt_dir(spec->name, 1, err);
	if (!dir)
		return -1;
	lock = lock_sandbox(dir, spec->name, 0, err);
	if (lock < 0)
		return -1;
	state = xasprintf("%s/state", dir);
	if (access(state, F_OK) == 0) {
		/* the code without its strerror: the sentence says it */
		cs_error_set(err, 0,
			     "sandbox '%s' already exists (use 'sandbox "
			     "start' or 'sandbox rm')",
			     spec->name);
		if (err)
			err->code = EEXIST;
		return -1;
	}
	ddir = sbx_data_dir(spec->name, 0, NULL);
	had_data = ddir && access(ddir, F_OK) == 0;
	memset(&info, 0, sizeof(info));
	sbx_spec_copy(&info.spec, spec);
	info.state = SBX_STATE_STOPPED;
	info.ephemeral = ephemeral;
	info.created = (long long)time(NULL);
	if (fill_paths(&info, dir, err) == 0 && boot(&info, dir, run, err) == 0)
		r = record_write(dir, &info, err);
	if (r < 0 && run) {
		close_fd(&run->status_fd);
		close_fd(&run->init_pidfd);
	}
	if (r < 0 && info.state == SBX_STATE_RUNNING && info.init_pid > 0) {
		kill(info.init_pid, SIGKILL);
		sbx_cgroup_remove(info.cgroup_v2, info.cgroup_v1);
		sbx_unmount_rootfs(&info);
	}
	if (r < 0) {
		/* leave no half-made sandbox behind (a persistent upper
		 * layer of a named sandbox stays) */
		if (ddir && (ephemeral || !had_data))
			sbx_rm_tree(ddir);
		sbx_rm_tree(dir);
	}
	if (r == 0 && run)
		run->info = info;
	else
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

int sbx_rm_tree(const char *dir)
{
	if (access(dir, F_OK) < 0)
		return 0;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int sbx_create(const struct sbx_spec *spec, struct cs_error *err)
{
	if (sbx_boot_new(spec, 0, NULL, err) < 0)
		return cs_error_wrap(err, "cannot create sandbox '%s'",
				     spec->name ? spec->name : "");
	return 0;
}

/* ---------------------------------------------------------------- query */

int sbx_inspect(const char *name, struct sbx_info *info, struct cs_error *err)
{
	return sbx_record_read(name, info, err);
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
	if (sbx_record_read(name, &info, err) < 0)
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
		if (sbx_record_read(de->d_name, &(*out)[*n], &e) < 0) {
			cs_warn("%s", e.msg);
			cs_error_release(&e);
			sbx_info_release(&(*out)[*n]);
			continue;
		}
		if (sbx_run_sweep(&(*out)[*n])) {
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

int sbx_wait_pidfd(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Ends init (if alive) and releases everything the running sandbox held;
 * the caller holds the lock. */
void sbx_halt(struct sbx_info *info, int timeout_ms)
{
	/* dead may mean only the layered fs is gone: init is ended then as
	 * well (the start-time check skips a gone or recycled pid) */
	if (info->state != SBX_STATE_STOPPED && info->init_pid > 0) {
		int pidfd = pidfd_open(info->init_pid, 0);

		if (pidfd >= 0 &&
		    sbx_proc_start(info->init_pid) == info->init_start) {
			pidfd_send_signal(pidfd, SIGTERM, NULL, 0);
			if (!sbx_wait_pidfd(pidfd, timeout_ms)) {
				pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
				sbx_wait_pidfd(pidfd, 5000);
			}
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	sbx_cgroup_remove(info->cgroup_v2, info->cgroup_v1);
	sbx_unmount_rootfs(info);
	info->state = SBX_STATE_STOPPED;
	info->init_pid = 0;
	info->init_start = 0;
	info->fs_pid = 0;
	info->fs_start = 0;
	info->dead_reason = NULL;
}

/* Reads the record, takes the lock, and reads it again under the lock
 * (the first read gives "no such sandbox" before a lock file is made). */
int sbx_ns_only(const struct sbx_info *info, struct cs_error *err)
{
	if (info->spec.backend == SBX_BACKEND_NS)
		return 0;
	return cs_error_set(err, 0,
			    "sandbox '%s' has backend '%s', which this cshell "
			    "cannot drive here",
			    info->spec.name,
			    sbx_backend_name(info->spec.backend));
}

static int open_locked(const char *name, struct sbx_info *info, char **dir,
		       int *lock, int wait_ms, struct cs_error *err)
{
	if (sbx_record_read(name, info, err) < 0 || sbx_ns_only(info, err) < 0)
		return -1;
	sbx_info_release(info);
	*dir = sbx_rt_dir(name, 0, err);
	if (!*dir)
		return -1;
	*lock = lock_sandbox(*dir, name, wait_ms, err);
	if (*lock < 0)
		return -1;
	return sbx_record_read(name, info, err);
}

static int stop_locked(const char *name, int timeout_ms, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -1;

	if (open_locked(name, &info, &dir, &lock, 0, err) < 0)
		return -1;
	if (info.state == SBX_STATE_STOPPED)
		return 0;
	sbx_halt(&info, timeout_ms);
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

	if (open_locked(name, &info, &dir, &lock, 0, err) < 0)
		return -1;
	if (info.state == SBX_STATE_RUNNING)
		return cs_error_set(err, 0, "it is already running");
	if (info.state == SBX_STATE_DEAD)
		sbx_halt(&info, 0);
	if (fill_paths(&info, dir, err) < 0 || boot(&info, dir, NULL, err) < 0)
		return -1;
	return record_write(dir, &info, err);
}

int sbx_start(const char *name, struct cs_error *err)
{
	if (start_locked(name, err) < 0)
		return cs_error_wrap(err, "cannot start sandbox '%s'", name);
	return 0;
}

/* quiet: the init of a `run` sandbox ends by itself, that is no news */
static int rm_locked(const char *name, int force, int quiet,
		     struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	_cleanup_free_ char *dir = NULL, *ddir = NULL;
	_cleanup_close_ int lock = -1;

	struct cs_error e = CS_ERROR_INIT;

	/* -f waits for a concurrent change (another rm -f, a stop) and
	 * takes "gone" for success, as rm -f does */
	if (open_locked(name, &info, &dir, &lock, force ? RM_LOCK_WAIT_MS : 0,
			&e) < 0) {
		if (!force || e.code != ENOENT) {
			if (err) {
				cs_error_release(err);
				*err = e;
			} else {
				cs_error_release(&e);
			}
			return -1;
		}
		cs_error_release(&e);
		if (lock >= 0) {
			/* the winner removed the directory; waiting for its
			 * lock made it again */
			_cleanup_free_ char *lp = xasprintf("%s/lock", dir);

			unlink(lp);
			rmdir(dir);
		}
		return 0;
	}
	if (info.state == SBX_STATE_RUNNING && !force)
		return cs_error_set(err, 0,
				    "it is running (stop it first, or use "
				    "'sandbox rm -f')");
	if (info.state == SBX_STATE_DEAD && !quiet)
		cs_warn("sandbox '%s': its init (pid %d) had died; cleaning "
			"up",
			name, (int)info.init_pid);
	sbx_halt(&info, 2000);
	if (sbx_unmount_rootfs(&info) < 0)
		return cs_error_set(err, EBUSY, "unmount '%s'", info.rootfs);
	ddir = sbx_data_dir(name, 0, NULL);
	if (ddir && sbx_rm_tree(ddir) < 0)
		cs_warn("cannot remove '%s' completely: %s", ddir,
			strerror(errno));
	if (sbx_rm_tree(dir) < 0)
		return cs_error_errno(err, "remove '%s'", dir);
	return 0;
}

int sbx_rm(const char *name, int force, struct cs_error *err)
{
	if (rm_locked(name, force, 0, err) < 0)
		return cs_error_wrap(err, "cannot remove sandbox '%s'", name);
	return 0;
}
