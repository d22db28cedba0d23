// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * run.c — `sandbox run`: an ephemeral sandbox whose first process starts
 * the command (see child_main in sandbox.c) and whose init reports the
 * command's wait status on a pipe; sbx_run() waits for it, then removes
 * everything the sandbox left.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

/* What rm does to a run sandbox, without reading back the record it
 * wrote; init has ended.  A concurrent `sandbox stop` of it is waited for;
 * after a concurrent `sandbox rm` there is nothing left to do. */
static int run_teardown(struct sbx_info *info, struct cs_error *err)
{
	static const char *const files[] = { "state", "log", "lock" };
	_cleanup_free_ char *dir = sbx_rt_dir(info->spec.name, 0, NULL);
	_cleanup_free_ char *state = NULL, *ddir = NULL, *lpath = NULL;
	_cleanup_close_ int lock = -1, dfd = -1;

	if (!dir)
		return 0;
	lpath = xasprintf("%s/lock", dir);
	lock = cs_lock_path(lpath, 1, 1, NULL);
	if (lock < 0)
		return 0;
	state = xasprintf("%s/state", dir);
	if (access(state, F_OK) < 0) {
		/* removed meanwhile: only the lock file we just made */
		unlink(lpath);
		rmdir(dir);
		return 0;
	}
	info->state = SBX_STATE_STOPPED;
	sbx_halt(info, 0);
	if (sbx_unmount_rootfs(info) < 0)
		return cs_error_set(err, EBUSY, "unmount '%s'", info->rootfs);
	if (info->upper) {
		ddir = sbx_data_dir(info->spec.name, 0, NULL);
		if (ddir && sbx_rm_tree(ddir) < 0)
			cs_warn("cannot remove '%s' completely: %s", ddir,
				strerror(errno));
	}
	/* the files a run leaves, else the whole tree */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; dfd >= 0 && i < CS_ARRAY_SIZE(files); i++)
		unlinkat(dfd, files[i], 0);
	if (dfd >= 0)
		unlinkat(dfd, "rootfs", AT_REMOVEDIR);
	if (rmdir(dir) < 0 && sbx_rm_tree(dir) < 0)
		return cs_error_errno(err, "remove '%s'", dir);
	return 0;
}

/* The signal that ended our wait (TERM, HUP, or an INT that a process
 * sent): the sandbox is ended and removed before we die of it. */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	/* the terminal's ^C (si_code SI_KERNEL) is for the command */
	if (sig == SIGINT && si && si->si_code > 0)
		return;
	stop_sig = sig;
}

/* A `run` whose caller was killed (SIGKILL: no chance to clean up) leaves
 * a record that reads dead once its init is gone (init ends the sandbox
 * when the caller's end of the status pipe closes).  Removes what it
 * left; 1 when it did. */
int sbx_run_sweep(struct sbx_info *info)
{
	struct cs_error e = CS_ERROR_INIT;

	if (!info->ephemeral || info->state != SBX_STATE_DEAD)
		return 0;
	/* only its layered fs died: the caller still waits for init and
	 * removes the sandbox itself */
	if (info->init_pid > 0 &&
	    sbx_proc_start(info->init_pid) == info->init_start)
		return 0;
	if (run_teardown(info, &e) < 0) {
		cs_warn("cannot remove sandbox '%s': %s", info->spec.name,
			e.msg);
		cs_error_release(&e);
		return 0;
	}
	return 1;
}

/* How often a `run` looks for what killed runs left: at most once a
 * minute, so that a run costs a stat of the stamp below, not a read of
 * every sandbox's record (`sandbox ls` and `rm` sweep on every call). */
#define SWEEP_INTERVAL_S 60

static void sweep_killed_runs(void)
{
	_cleanup_free_ char *root = cs_root_path(CS_ROOT_RUNTIME);
	_cleanup_free_ char *stamp = xasprintf("%s/run-sweep.stamp", root);
	struct sbx_info *list;
	struct stat st;
	time_t now = time(NULL);
	size_t n;
	int fd;

	/* (a stamp from the future, after a clock change, is stale; one
	 * that is not our regular file does not count) */
	if (lstat(stamp, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && st.st_mtime <= now &&
	    now - st.st_mtime < SWEEP_INTERVAL_S)
		return;
	/* O_NONBLOCK: a FIFO put there must not hang the run (ENXIO) */
	fd = open(stamp,
		  O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		  0600);
	/* no runtime root yet: no sandbox either */
	if (fd < 0 && errno == ENOENT)
		return;
	/* a stamp we cannot touch: sweep on every run rather than never */
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
	if (sbx_list(&list, &n, NULL) == 0)
		sbx_info_list_free(list, n);
}

/* The command's wait status as init reported it, as a shell status.  No
 * report: init was killed (`sandbox stop`, `rm -f`) or could not run, and
 * the command with it, as SIGKILL would; a warning says so.  A stop
 * signal meanwhile (on_stop) ends the sandbox first. */
static int run_status(const struct run_cmd *run, const struct sbx_info *info)
{
	char buf[32];
	ssize_t n;
	int st, stopping = 0;

	for (;;) {
		n = read(run->status_fd, buf, sizeof(buf) - 1);
		if (n >= 0 || errno != EINTR)
			break;
		if (stop_sig && !stopping && run->init_pidfd >= 0) {
			pidfd_send_signal(run->init_pidfd, SIGTERM, NULL, 0);
			stopping = 1;
		}
	}
	if (n <= 0) {
		struct cs_error e = CS_ERROR_INIT;
		_cleanup_free_ char *log = sbx_log_path(info->spec.name, NULL);

		cs_error_set(&e, 0,
			     "sandbox '%s' ended before its command (stopped, "
			     "or its init failed)",
			     info->spec.name);
		if (log)
			sbx_add_log_tail(log, &e);
		cs_warn("%s", e.msg);
		cs_error_release(&e);
		return 128 + SIGKILL;
	}
	buf[n] = 0;
	st = atoi(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int sbx_run(const struct sbx_spec *spec, char *const argv[],
	    struct cs_error *err)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP };
	struct sbx_spec s;
	struct sigaction ign, act, old[CS_ARRAY_SIZE(stops)], old_quit;
	struct run_cmd run = { .argv = argv, .status_fd = -1 };
	int status, sig;
	struct cs_error rmerr = CS_ERROR_INIT;

	/* what an earlier run killed with SIGKILL left */
	sweep_killed_runs();
	run.init_pidfd = -1;
	sbx_spec_copy(&s, spec);
	if (!s.name) {
		static unsigned seq;

		s.name = xasprintf("run-%d-%lx-%u", (int)getpid(),
				   (unsigned long)time(NULL) & 0xfffff, seq++);
	}
	/* the terminal's QUIT (and INT, see on_stop) is for the command;
	 * TERM, HUP and a sent INT end the sandbox before we go; a signal
	 * the caller ignores stays ignored (an interactive shell's TERM, a
	 * background job's INT) */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGQUIT, &ign, &old_quit);
	memset(&act, 0, sizeof(act));
	act.sa_sigaction = on_stop;
	act.sa_flags = SA_SIGINFO; /* no SA_RESTART: the wait sees EINTR */
	stop_sig = 0;
	for (size_t i = 0; i < CS_ARRAY_SIZE(stops); i++) {
		sigaction(stops[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(stops[i], &act, NULL);
	}
	if (sbx_boot_new(&s, 1, &run, err) < 0) {
		status = -1;
		cs_error_wrap(err, "cannot run in a new sandbox");
		goto out;
	}
	if (stop_sig && run.init_pidfd >= 0)
		pidfd_send_signal(run.init_pidfd, SIGTERM, NULL, 0);
	status = run_status(&run, &run.info);
	close(run.status_fd);
	/* init stops the sandbox after the command: its cgroup can go once
	 * it is gone */
	if (run.init_pidfd >= 0) {
		sbx_wait_pidfd(run.init_pidfd, 5000);
		close(run.init_pidfd);
	}
	if (run_teardown(&run.info, &rmerr) < 0) {
		cs_error_wrap(&rmerr, "cannot remove sandbox '%s'", s.name);
		cs_error_print(&rmerr, cs_log_prog());
		cs_error_release(&rmerr);
	}
	sbx_info_release(&run.info);
out:
	sbx_spec_release(&s);
	sigaction(SIGQUIT, &old_quit, NULL);
	for (size_t i = 0; i < CS_ARRAY_SIZE(stops); i++)
		sigaction(stops[i], &old[i], NULL);
	sig = stop_sig;
	/* everything is removed: now what the signal means to the caller
	 * (by default we die of it, as bash reports) */
	if (sig) {
		sigset_t one;

		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
	}
	return status;
}
