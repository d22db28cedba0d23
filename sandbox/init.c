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
 * `cshell-init NAME --main PID FD` is the init of `sandbox run`: PID (its
 * child) is the command; when it ends, init writes its wait status to FD
 * and stops the sandbox as on SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/lib.h"

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

int main(int argc, char **argv)
{
	sigset_t all;
	int sfd;

	cs_log_set_prog("cshell-init");
	if (getpid() != 1) {
		fprintf(stderr, "cshell-init: must run as pid 1 of a sandbox "
				"(it is started by 'sandbox create')\n");
		return 2;
	}
	if (argc == 5 && !strcmp(argv[2], "--main")) {
		main_pid = atoi(argv[3]);
		main_fd = atoi(argv[4]);
	}
	/* nobody in the sandbox may ptrace or read the memory of pid 1 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
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
		ssize_t n = read(sfd, &si, sizeof(si));

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
