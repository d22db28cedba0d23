// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * sandbox.c — the life of a sandbox: the record, create/start, stop, rm
 * and the listings.  The layered rootfs is mount.c's, the cloned first
 * process clone.c's, joining join.c's and `run` run.c's.
 *
 * Start reading at boot(): it mounts the rootfs (sbx_mount_layers),
 * compiles the seccomp filter, makes the cgroup, then sbx_clone_init()
 * starts init, not as our child (a sandbox outlives its shell).  Every
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

uint64_t sbx_proc_start_any(pid_t pid)
{
	return proc_start(pid, 1);
}

uint64_t sbx_proc_start(pid_t pid)
{
	return proc_start(pid, 0);
}

/* Runs argv with stdin from /dev/null, stdout and stderr to errfd (-1:
 * ours), no other fds. */
int sbx_spawn_wait(char *const argv[], int errfd, struct cs_error *err)
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
		if (sbx_mount_layers(info, log, err) < 0)
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
		if (sbx_run_pipes(&a, spec, err) < 0)
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
	pid = sbx_clone_init(&a, &info->init_start, err);
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
	sbx_child_args_close(&a);
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
	sbx_child_args_close(&a);
	close_fd(&a.status_rd);
	sbx_cgroup_remove(cg.v2, cg.v1);
	sbx_cgroup_release(&cg);
	if (mounted)
		sbx_unmount_rootfs(info);
	return -1;
fail_running:
	sbx_child_args_close(&a);
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
					!sbx_shadow_points(spec, NULL, 0) ?
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
	if (sbx_check_layers(spec, err) < 0)
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
	/* a concurrent rm -f waiting for the lock file this removes makes
	 * it anew (lock_sandbox()), then finds the sandbox gone and removes
	 * its lock again: meanwhile the directory is not empty (seen once
	 * in CI, sandbox-rm-f-concurrent) */
	for (int i = 0; sbx_rm_tree(dir) < 0; i++) {
		if (errno != ENOTEMPTY || i == 50)
			return cs_error_errno(err, "remove '%s'", dir);
		usleep(20000);
	}
	return 0;
}

int sbx_rm(const char *name, int force, struct cs_error *err)
{
	if (rm_locked(name, force, 0, err) < 0)
		return cs_error_wrap(err, "cannot remove sandbox '%s'", name);
	return 0;
}
