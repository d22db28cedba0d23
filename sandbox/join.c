// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * join.c — `@NAME cmd` and `sandbox exec`: a process of the caller's
 * enters a running sandbox (runc's nsexec is the model).
 *
 * Read it as root inside the sandbox would watch it through /proc.  The
 * joining process is non-dumpable from its first line; when it enters the
 * namespaces it holds no fd above 2 but the few it needs, each closed as
 * soon as it is used; and it never execs from the host's binaries:
 * sbx_exec() goes through cshell-init's read-only image, which then execs
 * the command, so /proc/PID/exe never names a host file that could be
 * opened for writing.  A terminal on fds 0-2 is never handed over: the
 * command gets a pty of the sandbox's own devpts, relayed by the
 * host-side parent (as `docker exec -t` does), so nothing in the sandbox
 * can reach the user's terminal once the command is gone.
 *
 * sbx_join() forks once inside the namespaces (a pid namespace applies to
 * children only): the parent, outside the sandbox's pid namespace and so
 * invisible from inside, relays signals, job control and the pty; the
 * child returns to the caller, which execs with sbx_exec().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define DEVPTS_SUPER_MAGIC 0x1cd1

/* In the joined process: cshell-init's image to exec through, and
 * whether this process leads the session of the sandbox's pty. */
static int exec_fd = -1;
static int exec_tty;
static char **joined_env;

const char *const *sbx_joined_env(void)
{
	static const char *const none[] = { NULL };

	return joined_env ? (const char *const *)joined_env : none;
}

int sbx_exec(const char *file, char *const argv[], char *const envp[])
{
	size_t n = 0;
	_cleanup_free_ char **v = NULL;

	if (exec_fd < 0) {
		if (strchr(file, '/'))
			execve(file, argv, envp);
		else
			execvpe(file, argv, envp);
		return -errno;
	}
	while (argv[n])
		n++;
	v = xcalloc(n + 4, sizeof(*v));
	v[0] = "cshell-init";
	/* only the session leader runs the command in a group of its own
	 * (a function's commands stay in the joined shell's group) */
	v[1] = exec_tty && getsid(0) == getpid() ? "--exec-tty" : "--exec";
	v[2] = (char *)file;
	memcpy(v + 3, argv, n * sizeof(*v));
	syscall(SYS_execveat, exec_fd, "", v, envp, AT_EMPTY_PATH);
	return -errno;
}

/* ---------------------------------------------------------------- fds */

/* Closes every fd above 2 except those in keep (-1 entries skipped). */
static void close_all_but(const int *keep, size_t n)
{
	int k[8];
	size_t m = 0;
	unsigned lo = 3;

	for (size_t i = 0; i < n && m < CS_ARRAY_SIZE(k); i++) {
		int fd = keep[i], j = (int)m++;

		if (fd < 3) {
			m--;
			continue;
		}
		while (j > 0 && k[j - 1] > fd) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = fd;
	}
	for (size_t i = 0; i < m; i++) {
		if ((unsigned)k[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)k[i] - 1, 0);
		if ((unsigned)k[i] >= lo)
			lo = (unsigned)k[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Which of fds 0-2 are terminals, as bits 1 << fd. */
static int tty_mask(void)
{
	int m = 0;

	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			m |= 1 << fd;
	return m;
}

/* A pty of the sandbox's devpts, opened from inside its mount namespace
 * without following anything the sandbox could have planted there: the
 * master (non-blocking) and *slave, both close-on-exec.  -errno. */
static int open_pty(int *slave)
{
	struct open_how how = {
		.flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct statfs sf;
	struct stat st;
	int unlock = 0, r;
	_cleanup_close_ int m = (int)syscall(
		SYS_openat2, AT_FDCWD, "/dev/pts/ptmx", &how, sizeof(how));

	if (m < 0)
		return -errno;
	if (fstatfs(m, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC ||
	    fstat(m, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
		return -ENOTTY;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	r = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r < 0)
		return -errno;
	*slave = r;
	return steal_fd(&m);
}

/* ---------------------------------------------------------------- relay */

static __attribute__((noreturn)) void exit_like(int status)
{
	sigset_t one;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	/* die of the same signal, so the shell sees WIFSIGNALED */
	signal(WTERMSIG(status), SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(WTERMSIG(status));
	_exit(128 + WTERMSIG(status));
}

/* A stop waitpid() reports may be stale: the terminal's ^Z stops the
 * whole job, us with it, and `fg` continues the whole job before we read
 * the stop.  Stopping ourselves then would leave the job stopped for good.
 * 1 when the inner process has been continued (or has ended) since. */
static int stale_stop(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si,
		   WCONTINUED | WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    si.si_pid != pid)
		return 0;
	if (si.si_code == CLD_CONTINUED) /* consume that one */
		waitid(P_PID, (id_t)pid, &si, WCONTINUED | WNOHANG);
	return 1;
}

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

static const int forwarded[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2,
				 SIGALRM, SIGINT, SIGQUIT };

/* No terminal: forward signals, follow the inner process's stops (job
 * control) and exit as it did. */
static __attribute__((noreturn)) void relay(pid_t pid)
{
	struct sigaction sa;
	int status;

	inner_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (size_t i = 0; i < CS_ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	for (;;) {
		if (waitpid(pid, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			_exit(127);
		}
		if (WIFSTOPPED(status)) {
			/* let job control see us stopped too */
			if (!stale_stop(pid)) {
				raise(SIGSTOP);
				kill(pid, SIGCONT);
			}
			continue;
		}
		break;
	}
	exit_like(status);
}

/* The host side of a pty relay: the user's terminal (tty), where the
 * command's output goes (out), the master, and whether the user's
 * terminal is in raw mode (then saved holds its modes). */
struct pty_relay {
	int tty, out, master;
	int in_open, raw;
	struct termios saved;
	char buf[4096];
	size_t len, off; /* input read from the user, not yet written */
};

static int foreground(const struct pty_relay *r)
{
	return tcgetpgrp(r->tty) == getpgrp();
}

/* Raw while we are the foreground job: the pty's line discipline inside
 * does the editing, echo and ^C/^Z (as ssh -t). */
static void set_raw(struct pty_relay *r)
{
	struct termios t;

	if (r->raw || !foreground(r) || tcgetattr(r->tty, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	if (tcsetattr(r->tty, TCSADRAIN, &t) == 0)
		r->raw = 1;
}

static void set_cooked(struct pty_relay *r)
{
	if (r->raw)
		tcsetattr(r->tty, TCSADRAIN, &r->saved);
	r->raw = 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Copies what the master has to the user; 0 on EOF or EIO (no slave
 * left open), else 1. */
static int pump_out(struct pty_relay *r)
{
	char b[8192];
	ssize_t n = read(r->master, b, sizeof(b));

	if (n > 0) {
		cs_write_all(r->out, b, (size_t)n);
		return 1;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void pump_in(struct pty_relay *r)
{
	ssize_t n = read(r->tty, r->buf, sizeof(r->buf));

	if (n > 0) {
		r->len = (size_t)n;
		r->off = 0;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		r->in_open = 0; /* the terminal hung up */
	}
}

/* Handles the signals read from sfd; returns 1 once the inner process
 * has ended (*status set). */
static int relay_signals(struct pty_relay *r, int sfd, pid_t pid, int *status)
{
	struct signalfd_siginfo si;
	int ended = 0;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD) {
			pid_t w;

			while ((w = waitpid(pid, status,
					    WNOHANG | WUNTRACED)) == pid &&
			       WIFSTOPPED(*status)) {
				/* the command stopped (^Z inside): stop as
				 * a job of the caller's shell, resume it when
				 * we are continued */
				if (stale_stop(pid))
					continue;
				set_cooked(r);
				raise(SIGSTOP);
				set_raw(r);
				copy_winsize(r->tty, r->master);
				kill(pid, SIGCONT);
			}
			if (w == pid)
				ended = 1;
		} else if (sig == SIGWINCH) {
			copy_winsize(r->tty, r->master);
		} else if (sig == SIGCONT) {
			set_raw(r); /* `fg` of a job running in the background */
		} else if (sig == SIGTTOU || sig == SIGTTIN) {
			/* blocked, so writes from the background go through */
		} else if ((sig != SIGINT && sig != SIGQUIT) ||
			   si.ssi_code <= 0) {
			kill(pid, sig);
		}
	}
	return ended;
}

static __attribute__((noreturn)) void relay_pty(pid_t pid, int master, int mask)
{
	static const int sigs[] = { SIGCHLD, SIGWINCH, SIGCONT, SIGTTOU,
				    SIGTTIN };
	struct pty_relay r = { .master = master };
	sigset_t set;
	int sfd, status = 0;

	r.tty = mask & 1 ? 0 : mask & 2 ? 1 : 2;
	r.out = mask & 2 ? 1 : mask & 4 ? 2 : 0;
	r.in_open = mask & 1;
	sigemptyset(&set);
	for (size_t i = 0; i < CS_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	for (size_t i = 0; i < CS_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		kill(pid, SIGKILL);
		_exit(126);
	}
	set_raw(&r);
	for (int live = 1;;) {
		int want_in = r.in_open && r.len == r.off && foreground(&r);
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = live || r.len > r.off ? master : -1,
			  .events = (short)((live ? POLLIN : 0) |
					    (r.len > r.off ? POLLOUT : 0)) },
			{ .fd = want_in ? r.tty : -1, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & POLLIN) &&
		    relay_signals(&r, sfd, pid, &status))
			break;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			live = pump_out(&r);
		if ((p[1].revents & POLLOUT) && r.len > r.off) {
			ssize_t n = write(master, r.buf + r.off, r.len - r.off);

			if (n > 0)
				r.off += (size_t)n;
		}
		if (p[2].revents)
			pump_in(&r);
	}
	/* what the command wrote before it ended; a process left behind
	 * holding the slave gets nothing more from us */
	for (;;) {
		char b[8192];
		ssize_t n = read(master, b, sizeof(b));

		if (n <= 0)
			break;
		cs_write_all(r.out, b, (size_t)n);
	}
	set_cooked(&r);
	exit_like(status);
}

/* ---------------------------------------------------------------- join */

/* An fd of cshell-init to exec through, that nothing can write to. */
static int open_image(const char *path)
{
	_cleanup_close_ int fd = -1;
	int r = geteuid() == 0 ? sbx_ro_bind(path) : -1;

	if (r >= 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : sbx_sealed_copy(fd);
}

/* The image sbx_join_prepare() opened in the caller (inherited by its
 * forks), and the program it is of. */
static int image_fd = -1;
static char *image_path;
/* what image_fd was opened on: the file and its (private) mount */
static struct statx image_stx;

static int image_statx(int fd, struct statx *stx)
{
	return statx(fd, "", AT_EMPTY_PATH,
		     STATX_INO | STATX_TYPE | STATX_MNT_ID, stx);
}

int sbx_join_prepare(void)
{
	_cleanup_free_ char *path = sbx_init_program();

	if (image_fd >= 0 && !strcmp(path, image_path))
		return 0;
	if (image_fd >= 0)
		close(image_fd);
	free(image_path);
	image_path = steal_ptr(&path);
	image_fd = open_image(image_path);
	if (image_fd < 0)
		return -errno;
	/* high, out of the way of `exec 3<file` and friends */
	int high = fcntl(image_fd, F_DUPFD_CLOEXEC, 64);

	if (high >= 0) {
		close(image_fd);
		image_fd = high;
	}
	if (image_statx(image_fd, &image_stx) < 0) {
		close(image_fd);
		image_fd = -1;
		return -errno;
	}
	return 0;
}

/* The prepared image (a dup: the caller's stays for the next join), or a
 * new one.  A detached bind costs an RCU grace period when its last user
 * goes: once per shell rather than once per command. */
static int exec_image(void)
{
	_cleanup_free_ char *path = NULL;
	struct statx stx;

	/* still ours?  The shell may have redirected onto that number
	 * since (`exec 70<file`): exec'ing whatever is there now would run
	 * a host file inside the sandbox */
	if (image_fd >= 0 && image_statx(image_fd, &stx) == 0 &&
	    stx.stx_ino == image_stx.stx_ino &&
	    stx.stx_dev_major == image_stx.stx_dev_major &&
	    stx.stx_dev_minor == image_stx.stx_dev_minor &&
	    stx.stx_mnt_id == image_stx.stx_mnt_id && S_ISREG(stx.stx_mode))
		return fcntl(image_fd, F_DUPFD_CLOEXEC, 3);
	path = sbx_init_program();
	return open_image(path);
}

/* The inner process, in the sandbox's pid namespace: the cgroup, the
 * pty, the start directory, the environment and the restrictions. */
static int join_inner(struct sbx_info *info, const char *mwd, int *fds,
		      int master, int slave, int mask, const struct cs_buf *bpf,
		      int in_cg, struct cs_error *err)
{
	const char *name = info->spec.name, *wd;
	enum {
		PIDFD,
		CGFD,
		PROCSFD
	};
	int r;

	if (!in_cg && fds[PROCSFD] >= 0 && write(fds[PROCSFD], "0", 1) < 0)
		return cs_error_errno(err, "enter the cgroup of sandbox '%s'",
				      name);
	close_fd(&fds[PROCSFD]);
	close_fd(&fds[CGFD]);
	if ((info->ns_flags & CLONE_NEWCGROUP) &&
	    setns(fds[PIDFD], CLONE_NEWCGROUP) < 0)
		return cs_error_errno(err,
				      "enter the cgroup namespace of sandbox "
				      "'%s'",
				      name);
	close_fd(&fds[PIDFD]);
	if (slave >= 0) {
		close(master);
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
			return cs_error_errno(err,
					      "take the terminal of "
					      "sandbox '%s'",
					      name);
		for (int fd = 0; fd < 3; fd++)
			if ((mask & (1 << fd)) && dup2(slave, fd) < 0)
				return cs_error_errno(err, "dup2");
		close(slave);
		exec_tty = 1;
	}
	wd = info->spec.workdir ? info->spec.workdir : "/";
	if (mwd && chdir(mwd) == 0)
		wd = NULL;
	if (wd && chdir(wd) < 0)
		return cs_error_errno(err, "sandbox '%s': workdir '%s'", name,
				      wd);
	for (size_t i = 0; i < info->spec.nenv; i++)
		putenv(xstrdup(info->spec.env[i]));
	/* kept for callers that build their own envp (the shell) */
	joined_env = info->spec.env;
	info->spec.env = NULL;
	info->spec.nenv = 0;
	r = sbx_caps_apply(info->caps, info->spec.uid, info->spec.gid);
	if (r == 0)
		r = sbx_seccomp_load(bpf);
	if (r < 0)
		return cs_error_set(err, -r,
				    "apply the restrictions of sandbox '%s'",
				    name);
	return 0;
}

int sbx_join(const char *name, struct cs_error *err)
{
	_cleanup_info_ struct sbx_info info = { 0 };
	struct cs_buf bpf = CS_BUF_INIT;
	enum {
		PIDFD,
		CGFD,
		PROCSFD,
		EXECFD,
		NFDS
	};
	int fds[NFDS] = { -1, -1, -1, -1 };
	int master = -1, slave = -1, mask, in_cg, r = -1;
	pid_t pid;
	_cleanup_free_ char *mwd = NULL;

	/* from here on, root in the sandbox cannot open our /proc files
	 * (fds, exe, memory): runc's CVE-2016-9962 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sbx_record_read(name, &info, err) < 0 ||
	    sbx_ns_only(&info, err) < 0)
		goto out;
	if (info.state != SBX_STATE_RUNNING) {
		cs_error_set(err, 0,
			     "sandbox '%s' is %s (start it with "
			     "'sandbox start %s')",
			     name, sbx_state_name(info.state), name);
		goto out;
	}
	mwd = sbx_mapped_cwd(&info.spec); /* while the host's paths are ours */
	fds[PIDFD] = pidfd_open(info.init_pid, 0);
	/* the pidfd pins the process: check it is still the recorded one */
	if (fds[PIDFD] < 0 ||
	    sbx_proc_start(info.init_pid) != info.init_start) {
		cs_error_set(err, 0, "sandbox '%s' stopped meanwhile", name);
		goto out;
	}
	if ((r = sbx_seccomp_read(info.seccomp_bpf, &bpf)) < 0) {
		cs_error_set(err, -r, "read '%s'", info.seccomp_bpf);
		goto out;
	}
	r = -1;
	/* v1 limit groups: the joiner (and so its relay) enters them now;
	 * the v2 group: the inner process is born in it (sbx_clone_into) */
	if ((r = sbx_cgroup_enter(NULL, info.cgroup_v1, 0)) < 0) {
		cs_error_set(err, -r, "enter the cgroup of sandbox '%s'", name);
		r = -1;
		goto out;
	}
	if (info.cgroup_v2) {
		_cleanup_free_ char *procs =
			xasprintf("%s/cgroup.procs", info.cgroup_v2);

		fds[CGFD] = open(info.cgroup_v2,
				 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fds[PROCSFD] = open(procs, O_WRONLY | O_CLOEXEC);
		if (fds[CGFD] < 0 || fds[PROCSFD] < 0) {
			cs_error_errno(err, "enter the cgroup of sandbox '%s'",
				       name);
			goto out;
		}
	}
	fds[EXECFD] = exec_image();
	if (fds[EXECFD] < 0) {
		cs_error_errno(err, "open cshell-init (set CSHELL_INIT to the "
				    "cshell-init program)");
		goto out;
	}
	/* nothing of the caller's but fds 0-2 goes in (the script being
	 * read, the shell's saved fds, a terminal's other fds) */
	close_all_but(fds, NFDS);
	mask = tty_mask();
	/* the cgroup namespace last, from inside the cgroup: a process
	 * outside a cgroup namespace's root cannot be cloned into it */
	if (setns(fds[PIDFD], info.ns_flags & ~CLONE_NEWCGROUP) < 0) {
		cs_error_errno(err, "enter the namespaces of sandbox '%s'",
			       name);
		goto out;
	}
	if (mask && (master = open_pty(&slave)) < 0) {
		cs_error_set(err, -master,
			     "open a terminal in sandbox '%s' (/dev/pts/ptmx)",
			     name);
		goto out;
	}
	if (master >= 0) {
		struct termios t;

		if (tcgetattr(mask & 1 ? 0 : mask & 2 ? 1 : 2, &t) == 0)
			tcsetattr(slave, TCSANOW, &t);
		copy_winsize(mask & 1 ? 0 : mask & 2 ? 1 : 2, master);
	}
	pid = sbx_clone_into(0, fds[CGFD], &in_cg);
	if (pid < 0) {
		cs_error_errno(err, "fork into sandbox '%s'", name);
		goto out;
	}
	if (pid > 0) {
		struct rlimit nocore = { 0, 0 };

		for (int i = 0; i < NFDS; i++)
			close_fd(&fds[i]);
		close_fd(&slave);
		setrlimit(RLIMIT_CORE, &nocore);
		if (master >= 0)
			relay_pty(pid, master, mask);
		relay(pid);
	}
	if (join_inner(&info, mwd, fds, master, slave, mask, &bpf, in_cg, err) <
	    0) {
		master = slave = -1; /* closed there */
		goto out;
	}
	exec_fd = fds[EXECFD];
	fds[EXECFD] = -1;
	r = 0;
out:
	for (int i = 0; i < NFDS; i++)
		close_fd(&fds[i]);
	close_fd(&master);
	close_fd(&slave);
	cs_buf_release(&bpf);
	return r;
}
