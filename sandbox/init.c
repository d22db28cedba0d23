// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * init.c — cshell-init, pid 1 of every sandbox's pid namespace.
 *
 * It holds the namespaces (they live as long as it does), reaps every
 * orphan that is reparented to it, and on SIGTERM/SIGINT/SIGHUP passes
 * SIGTERM to every other process of the sandbox, waits a little for them
 * and exits (the kernel then kills what is left).  Those signals count only
 * when sent from outside the sandbox.  All signals are taken
 * synchronously through signalfd, so there are no handler races.
 * sbx_create() runs it already restricted (seccomp, capabilities).
 *
 * `cshell-init NAME --main PID FD [READY]` is the init of `sandbox run`:
 * PID (its child) is the command; when it ends, init writes its wait
 * status to FD and stops the sandbox as on SIGTERM.  On READY it writes a
 * byte once it is non-dumpable (at its entry point, init_early): the
 * command waits for that before it runs (until then root in the sandbox
 * could open our /proc files).
 *
 * `cshell-init --exec FILE ARG0 ARGS…` is not an init: it is the last step
 * of every command joined into a sandbox (join.c).  The joining process is
 * a copy of the user's shell; a command exec'd from it could find the
 * host's cshell as /proc/self/exe (a `#!/proc/self/exe` script re-runs it
 * inside, runc's CVE-2019-5736).  It execs this program instead, from an
 * image nothing can write to, and this execs the command.  With
 * `--exec-tty` it also leads the session of the sandbox's pty: the command
 * runs in a process group of its own in the foreground (the pty's ^Z is
 * ignored by an orphaned group), and when it stops this process stops too,
 * which the relay on the host side passes on to the user's shell.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib/lib.h"

/*
 * Two things happen at the entry point, before the C library sets itself
 * up (in this static binary that start-up, its page faults above all,
 * costs ~0.25 ms): `--exec PATH ARG0 ARGS…` (the usual case: a run's
 * command or a joined one, named by a path) is exec'd, and the init of a
 * run (`NAME --main PID FD READY`) makes itself non-dumpable and writes
 * its ready byte, which the command waits for, then empties the READY
 * argument so that main() does not write it again.  No libc here (TLS,
 * IFUNCs and the stack protector are not ready yet): raw system calls
 * only.  Anything else, an execve or a write that fails, goes on to
 * _start and main(), which do it again and report.  The link makes
 * cshell_init_entry the entry point (sandbox/module.mk).
 */
#ifdef __x86_64__
static inline __attribute__((always_inline)) long raw_syscall3(long nr, long a,
							       long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static inline __attribute__((always_inline)) int raw_streq(const char *a,
							   const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void init_early(long *sp);

__attribute__((used, no_stack_protector,
	       no_sanitize("address", "undefined"))) void
init_early(long *sp)
{
	long argc = sp[0], fd = 0;
	char **argv = (char **)(sp + 1);
	const char *p;

	if (argc >= 4 && raw_streq(argv[1], "--exec")) {
		for (p = argv[2]; *p && *p != '/'; p++)
			;
		if (!*p)
			return;
		raw_syscall3(SYS_prctl, PR_SET_DUMPABLE, 0, 0);
		raw_syscall3(SYS_execve, (long)argv[2], (long)(argv + 3),
			     (long)(argv + argc + 1));
		return;
	}
	if (argc != 6 || !raw_streq(argv[2], "--main"))
		return;
	for (p = argv[5]; *p >= '0' && *p <= '9' && fd < 1 << 20; p++)
		fd = fd * 10 + (*p - '0');
	if (*p || p == argv[5])
		return;
	raw_syscall3(SYS_prctl, PR_SET_DUMPABLE, 0, 0);
	if (raw_syscall3(SYS_write, fd, (long)"r", 1) != 1)
		return;
	raw_syscall3(SYS_close, fd, 0, 0);
	/* (argc stays: libc finds the environment and auxv past argv) */
	for (char *q = argv[5]; *q; q++)
		*q = 0;
}

/* the kernel's stack (argc, argv, envp) to init_early, then, as it
 * was, with rdx (the dynamic loader's exit hook in a dynamic build) to
 * the C library's _start */
__asm__(".text\n"
	".globl cshell_init_entry\n"
	".type cshell_init_entry, @function\n"
	"cshell_init_entry:\n"
	"	push %rdx\n"
	"	lea 8(%rsp), %rdi\n"
	"	sub $8, %rsp\n"
	"	call init_early\n"
	"	add $8, %rsp\n"
	"	pop %rdx\n"
	"	jmp _start\n");
#endif

static pid_t main_pid;
static int main_fd = -1;

/* Reaps every exited child; 1 when it was the main command (its status
 * then went to main_fd). */
static int reap(void)
{
	int st, done = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != main_pid)
			continue;
		dprintf(main_fd, "%d\n", st);
		close(main_fd);
		main_pid = 0;
		done = 1;
	}
	return done;
}

static void shutdown_all(int sfd)
{
	struct timespec start, now;

	kill(-1, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		long ms;

		reap();
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD &&
		    kill(-1, 0) < 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 +
		     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms > 3000)
			return;
		if (poll(&p, 1, 100) > 0 &&
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			return;
	}
}

/* Execs the command of --exec; on failure, says so as a shell would. */
static __attribute__((noreturn)) void exec_command(const char *file,
						   char *const argv[])
{
	int e;

	if (strchr(file, '/'))
		execv(file, argv);
	else
		execvp(file, argv);
	e = errno;
	if (e == ENOEXEC) {
		/* a script without #!: sh runs it, as POSIX execvp does */
		size_t n = 0;
		char **v;

		while (argv[n])
			n++;
		v = calloc(n + 2, sizeof(*v));
		if (v) {
			v[0] = "sh";
			v[1] = (char *)file;
			memcpy(v + 2, argv + 1, n * sizeof(*v));
			execv("/bin/sh", v);
		}
	}
	if (e == ENOENT || e == ENOTDIR)
		fprintf(stderr, "cshell: %s: not found\n", argv[0]);
	else
		fprintf(stderr, "cshell: %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

static pid_t command_pgrp;

static void forward_to_command(int sig)
{
	if (command_pgrp > 0)
		kill(-command_pgrp, sig);
}

static __attribute__((noreturn)) void exec_tty(const char *file,
					       char *const argv[])
{
	static const int fwd[] = { SIGTERM, SIGHUP,  SIGINT, SIGQUIT,
				   SIGUSR1, SIGUSR2, SIGALRM };
	int tty = isatty(0) ? 0 : isatty(1) ? 1 : 2, st;
	pid_t pid;

	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cshell: fork: %s\n", strerror(errno));
		_exit(126);
	}
	if (pid == 0) {
		setpgid(0, 0);
		tcsetpgrp(tty, getpid());
		signal(SIGTTOU, SIG_DFL);
		signal(SIGTTIN, SIG_DFL);
		signal(SIGTSTP, SIG_DFL);
		exec_command(file, argv);
	}
	setpgid(pid, pid);
	tcsetpgrp(tty, pid);
	command_pgrp = pid;
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		signal(fwd[i], forward_to_command);
	for (;;) {
		if (waitpid(pid, &st, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			_exit(127);
		}
		if (!WIFSTOPPED(st))
			break;
		tcsetpgrp(tty, getpgrp());
		raise(SIGSTOP);
		tcsetpgrp(tty, pid);
		kill(-pid, SIGCONT);
	}
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	signal(WTERMSIG(st), SIG_DFL);
	raise(WTERMSIG(st));
	_exit(128 + WTERMSIG(st));
}

int main(int argc, char **argv)
{
	sigset_t all;
	int sfd;

	/* first of all: exec made us dumpable again, and a `run`
	 * command may already be looking at /proc/1 (our fds hold the
	 * sandbox's log, a host file) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	cs_log_set_prog("cshell-init");
	if (argc >= 4 && !strcmp(argv[1], "--exec"))
		exec_command(argv[2], argv + 3);
	if (argc >= 4 && !strcmp(argv[1], "--exec-tty"))
		exec_tty(argv[2], argv + 3);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--exec") || !strcmp(argv[1], "--exec-tty"))) {
		fprintf(stderr, "usage: cshell-init %s FILE ARG0 [ARG...]\n",
			argv[1]);
		return 2;
	}
	if (getpid() != 1) {
		fprintf(stderr, "cshell-init: must run as pid 1 of a sandbox "
				"(it is started by 'sandbox create')\n");
		return 2;
	}
	if (argc >= 5 && !strcmp(argv[2], "--main")) {
		main_pid = atoi(argv[3]);
		main_fd = atoi(argv[4]);
	}
	/* the run's command waits for this: we are non-dumpable now */
	if (argc == 6 && !strcmp(argv[2], "--main") && argv[5][0]) {
		int ready = atoi(argv[5]);

		if (write(ready, "r", 1) != 1)
			fprintf(stderr, "cshell-init: ready: %s\n",
				strerror(errno));
		close(ready);
	}
	/* no terminal's job: its ^C is for the command, not for init */
	setsid();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "cshell-init: signalfd: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "cshell-init: sandbox '%s' started\n",
		argc > 1 ? argv[1] : "?");
	/* the command may have ended before the signalfd existed */
	if (main_pid > 0 && reap()) {
		shutdown_all(sfd);
		return 0;
	}
	for (;;) {
		struct signalfd_siginfo si;
		/* a run's caller that is gone (killed, even by SIGKILL)
		 * closes its end of our status pipe: nobody waits for the
		 * command any more, so the sandbox ends (the next `sandbox
		 * ls` or `rm` removes what is left, a `run` within a
		 * minute) */
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = main_pid > 0 ? main_fd : -1 } };
		ssize_t n;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents & (POLLERR | POLLHUP)) {
			fprintf(stderr, "cshell-init: the caller of the "
					"command is gone; stopping\n");
			shutdown_all(sfd);
			return 0;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		n = read(sfd, &si, sizeof(si));
		if (n != sizeof(si)) {
			if (n < 0 && errno == EINTR)
				continue;
			return 1;
		}
		switch (si.ssi_signo) {
		case SIGCHLD:
			if (reap()) {
				shutdown_all(sfd);
				return 0;
			}
			break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
			/* only from outside: inside the sandbox the sender
			 * has a pid in our namespace */
			if (si.ssi_pid != 0)
				break;
			fprintf(stderr, "cshell-init: stopping\n");
			shutdown_all(sfd);
			return 0;
		default:
			break;
		}
	}
}
