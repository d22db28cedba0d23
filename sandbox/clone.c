// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * clone.c — how a sandbox's first process comes to be: a helper sharing
 * our memory (vfork-like) clones it in fresh namespaces, so init is not
 * our child; the child (child_main) sets up its mounts, restrictions and,
 * for a `run`, forks the command (run_main), then execs cshell-init from
 * a read-only image.  Any failure goes back on a close-on-exec pipe.
 * Start reading at sbx_clone_init().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/pidfd.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

extern char **environ;

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

/* run: the go and ready bytes (see run_main); 0, or -1 when the caller or
 * init is gone. */
static int run_wait(const struct child_args *a)
{
	char go;

	if (a->go_fd >= 0 && read(a->go_fd, &go, 1) != 1)
		return -1;
	/* pid 1 is exec'd but only safe from us once it made itself
	 * non-dumpable: until then its /proc files are open to root here */
	return read(a->ready_rd, &go, 1) == 1 ? 0 : -1;
}

/* A set-up that failed still takes both bytes: the caller and init then
 * never write on a pipe nobody reads. */
static __attribute__((noreturn)) void run_fail(const struct child_args *a)
{
	run_wait(a);
	_exit(125);
}

/* run: the command, pid 2 of the sandbox, as a joined process would be
 * (sbx_join): workdir, --env, capabilities and ids, seccomp (bpf: the
 * filter to load, empty when it came from the first process), only fds
 * 0-2; its status reaches the caller through init.  The set-up runs
 * while init execs; only the exec of the command waits for init. */
static __attribute__((noreturn)) void run_main(struct child_args *a,
					       const struct cs_buf *bpf)
{
	const struct sbx_spec *spec = a->spec;
	const char *wd = spec->workdir ? spec->workdir : "/";
	int r;

	close(a->err_fd);
	close(a->status_fd);
	close(a->ready_wr);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (a->cwd[0] && chdir(a->cwd) == 0)
		wd = NULL;
	if (wd && chdir(wd) < 0) {
		fprintf(stderr, "%s: sandbox '%s': workdir '%s': %s\n",
			cs_log_prog(), spec->name, wd, strerror(errno));
		run_fail(a);
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
		run_fail(a);
	}
	if (run_wait(a) < 0)
		_exit(125);
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
pid_t sbx_spawn_shared(int (*fn)(void *), void *arg)
{
#ifdef __SANITIZE_ADDRESS__
	/* ASan cannot follow a process onto a borrowed stack: a fork (so
	 * what fn reports must be in sbx_shared_new() memory) */
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

/* Zeroed memory that a sbx_spawn_shared() process writes its results to,
 * shared whether or not that process shares our address space; NULL
 * when out of memory. */
void *sbx_shared_new(size_t size)
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
	/* our own filter allows all that is left of the set-up: loaded once
	 * here, the command inherits it (a load costs ~0.2 ms); a profile of
	 * the user's may refuse some of it, so init and the command then
	 * each load it last */
	if (a->spec->seccomp == SBX_SECCOMP_DEFAULT) {
		r = sbx_seccomp_load(&bpf);
		if (r < 0) {
			cs_error_set(&err, -r, "restrict cshell-init");
			child_fail(a->err_fd, &err);
		}
		cs_buf_release(&bpf);
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
	h->start = c > 0 ? sbx_proc_start_any(c) : 0;
	return 0;
}

/* Clones the sandbox's first process through the helper, so init is not
 * our child.  Only a rootless child waits for us (its id maps); otherwise
 * it sets itself up while we wait for the verdict on errp: EOF when
 * cshell-init was exec'd, else the error message.  Returns init's pid
 * (*start: its start time) or -1 + err. */
pid_t sbx_clone_init(struct child_args *a, uint64_t *start,
		     struct cs_error *err)
{
	struct helper *h = sbx_shared_new(sizeof(*h));
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
	helper = sbx_spawn_shared(helper_main, h);
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

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The fds boot_with() opens for the child, closed on every path. */
void sbx_child_args_close(struct child_args *a)
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
int sbx_run_pipes(struct child_args *a, const struct sbx_spec *spec,
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
