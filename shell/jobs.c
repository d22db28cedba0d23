/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jobs.c — the table of child processes: every fork the shell waits for
 * is a job of one or more processes (a pipeline), foreground or
 * background.  Foreground jobs are waited for by pid; background ones are
 * reaped with WNOHANG and reported before the next prompt.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

#include "shell/shell_i.h"

#define MAX_DONE_JOBS 1024

int sh_waitstatus(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	if (WIFSTOPPED(ws))
		return 128 + WSTOPSIG(ws);
	return 1;
}

static bool job_has_pid(const struct job *j, pid_t pid)
{
	for (int i = 0; i < j->nprocs; i++)
		if (j->procs[i].pid == pid)
			return true;
	return false;
}

static void reap_old(struct sh *sh)
{
	int count = 0;

	for (struct job *j = sh->jobs; j; j = j->next)
		count++;
	if (count < MAX_DONE_JOBS)
		return;
	jobs_reap(sh);
	struct job **pp = &sh->jobs;
	while (*pp) {
		struct job *j = *pp;
		bool done = true;
		for (int i = 0; i < j->nprocs; i++)
			done = done && j->procs[i].done;
		/* $!'s job stays: `wait $!` must still find its status */
		if (done && j->background && !job_has_pid(j, sh->lastbg)) {
			*pp = j->next;
			free(j->procs);
			free(j->cmdtext);
			free(j);
			continue;
		}
		pp = &j->next;
	}
}

struct job *job_new(struct sh *sh, int nprocs, const char *text)
{
	struct job *j = xcalloc(1, sizeof(*j));
	int id = 1;

	jobs_reap_pending(sh);
	if (!sh->opts[OPT_INTERACTIVE])
		reap_old(sh);
	for (struct job *o = sh->jobs; o; o = o->next)
		if (o->id >= id)
			id = o->id + 1;
	j->id = id;
	j->nprocs = nprocs;
	j->procs = xcalloc(nprocs ? nprocs : 1, sizeof(*j->procs));
	j->cmdtext = text ? xstrdup(text) : NULL;
	j->next = sh->jobs;
	sh->jobs = j;
	return j;
}

static bool any_background(struct job *list)
{
	for (struct job *j = list; j; j = j->next)
		if (j->background)
			return true;
	return false;
}

static void free_list(struct job *j)
{
	while (j) {
		struct job *next = j->next;
		free(j->procs);
		free(j->cmdtext);
		free(j);
		j = next;
	}
}

void jobs_forked(struct sh *sh)
{
	if (any_background(sh->jobs)) {
		free_list(sh->parent_jobs);
		sh->parent_jobs = sh->jobs;
	} else {
		free_list(sh->jobs);
	}
	sh->jobs = NULL;
}

void job_free(struct sh *sh, struct job *j)
{
	if (j->stopped)
		return; /* stays in the table until fg, bg or kill */
	for (struct job **pp = &sh->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	free(j->procs);
	free(j->cmdtext);
	free(j);
}

int job_status(struct sh *sh, struct job *j)
{
	if (!j->nprocs)
		return 0;
	if (sh->opts[OPT_PIPEFAIL]) {
		for (int i = j->nprocs - 1; i >= 0; i--) {
			int st = sh_waitstatus(j->procs[i].status);
			if (st)
				return st;
		}
		return 0;
	}
	return sh_waitstatus(j->procs[j->nprocs - 1].status);
}

int job_wait(struct sh *sh, struct job *j)
{
	bool jc = jobs_control_active(sh);
	bool tty = jc && sh->ttyfd >= 0;
	int stopsig = 0;

	for (int i = 0; i < j->nprocs; i++) {
		struct proc *p = &j->procs[i];
		while (!p->done && !p->stopped) {
			int ws;
			pid_t r = waitpid(p->pid, &ws, jc ? WUNTRACED : 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				p->done = true;
				p->status = 127 << 8;
				break;
			}
			if (WIFSTOPPED(ws)) {
				p->stopped = true;
				stopsig = WSTOPSIG(ws);
				break;
			}
			p->done = true;
			p->status = ws;
		}
	}
	if (tty) {
		/* the terminal comes back to the shell, in its own modes */
		tcsetpgrp(sh->ttyfd, sh->pgid);
		if (stopsig && sh->have_tmodes)
			tcsetattr(sh->ttyfd, TCSADRAIN, &sh->tmodes);
	}
	if (stopsig) {
		j->stopped = true;
		j->background = true;
		/* said at the prompt; a script with set -m stays quiet */
		if (sh->opts[OPT_INTERACTIVE])
			fprintf(stderr, "\n[%d]+  Stopped\t%s\n", j->id,
				j->cmdtext ? j->cmdtext : "");
		return 128 + stopsig;
	}
	if (tty && j->nprocs) {
		int ws = j->procs[j->nprocs - 1].status;
		if (WIFSIGNALED(ws) && WTERMSIG(ws) != SIGINT &&
		    WTERMSIG(ws) != SIGPIPE)
			fprintf(stderr, "%s%s\n", strsignal(WTERMSIG(ws)),
				WCOREDUMP(ws) ? " (core dumped)" : "");
		else if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGINT)
			fputc('\n', stderr);
	}
	return job_status(sh, j);
}

bool jobs_control_active(struct sh *sh)
{
	return sh->opts[OPT_MONITOR] && !sh->subshell;
}

void jobs_init_control(struct sh *sh)
{
	int fd = isatty(0) ? 0 : isatty(2) ? 2 : -1;
	pid_t pg;

	sh->ttyfd = -1;
	if (fd < 0)
		return;
	/* wait until we are in the foreground */
	while (tcgetpgrp(fd) != (pg = getpgrp()))
		kill(-pg, SIGTTIN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	trap_mark_shell_owned(SIGTSTP);
	trap_mark_shell_owned(SIGTTIN);
	trap_mark_shell_owned(SIGTTOU);
	if (getpid() != getsid(0))
		setpgid(0, 0);
	sh->pgid = getpgrp();
	sh->ttyfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (sh->ttyfd < 0)
		return;
	tcsetpgrp(sh->ttyfd, sh->pgid);
	sh->have_tmodes = tcgetattr(sh->ttyfd, &sh->tmodes) == 0;
	sh->opts[OPT_MONITOR] = true;
}

void jobs_monitor_on(struct sh *sh)
{
	int fd = isatty(0) ? 0 : isatty(2) ? 2 : -1;

	if (sh->opts[OPT_INTERACTIVE] || sh->subshell || sh->ttyfd >= 0)
		return;
	/* a script with set -m: its jobs get process groups of their own
	 * (fork_job); the terminal is lent to foreground jobs only when
	 * the shell has it, and the shell stays in its caller's group */
	if (fd < 0 || tcgetpgrp(fd) != getpgrp())
		return;
	signal(SIGTTOU, SIG_IGN);
	trap_mark_shell_owned(SIGTTOU);
	sh->pgid = getpgrp();
	sh->ttyfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* A job's stop signals back to their defaults, except in a script
 * started with them ignored: those stay ignored for its children too. */
static void child_stop_signal(struct sh *sh, int s)
{
	bool keep = sh->ignored_at_start[s] && !sh->opts[OPT_INTERACTIVE];

	signal(s, keep ? SIG_IGN : SIG_DFL);
}

void jobs_child_setup(struct sh *sh, struct job *j, bool fg)
{
	setpgid(0, j->pgid ? j->pgid : 0);
	if (fg && sh->ttyfd >= 0)
		tcsetpgrp(sh->ttyfd, getpgrp());
	child_stop_signal(sh, SIGTSTP);
	child_stop_signal(sh, SIGTTIN);
	child_stop_signal(sh, SIGTTOU);
}

int jobs_fg(struct sh *sh, struct job *j)
{
	/* POSIX: the command line on standard output */
	printf("%s\n", j->cmdtext ? j->cmdtext : "");
	fflush(stdout);
	if (jobs_control_active(sh) && sh->ttyfd >= 0 && j->pgid)
		tcsetpgrp(sh->ttyfd, j->pgid);
	for (int i = 0; i < j->nprocs; i++)
		j->procs[i].stopped = false;
	j->stopped = false;
	j->background = false;
	if (j->pgid)
		kill(-j->pgid, SIGCONT);
	else
		for (int i = 0; i < j->nprocs; i++)
			if (!j->procs[i].done)
				kill(j->procs[i].pid, SIGCONT);
	int st = job_wait(sh, j);
	job_free(sh, j);
	return st;
}

int jobs_bg(struct sh *sh, struct job *j)
{
	(void)sh;
	for (int i = 0; i < j->nprocs; i++)
		j->procs[i].stopped = false;
	j->stopped = false;
	j->background = true;
	printf("[%d] %s &\n", j->id, j->cmdtext ? j->cmdtext : "");
	fflush(stdout);
	if (j->pgid)
		kill(-j->pgid, SIGCONT);
	return 0;
}

void jobs_reap(struct sh *sh)
{
	for (struct job *j = sh->jobs; j; j = j->next) {
		for (int i = 0; i < j->nprocs; i++) {
			struct proc *p = &j->procs[i];
			int ws;
			if (p->done)
				continue;
			pid_t r = waitpid(p->pid, &ws, WNOHANG);
			if (r == p->pid || (r < 0 && errno == ECHILD)) {
				p->done = true;
				p->status = r < 0 ? 0 : ws;
			}
		}
	}
}

void jobs_reap_pending(struct sh *sh)
{
	if (!sh->gotchld)
		return;
	sh->gotchld = 0;
	jobs_reap(sh);
}

static bool job_done(struct job *j)
{
	for (int i = 0; i < j->nprocs; i++)
		if (!j->procs[i].done)
			return false;
	return true;
}

bool jobs_any_done(struct sh *sh)
{
	for (struct job *j = sh->jobs; j; j = j->next)
		if (j->background && job_done(j))
			return true;
	return false;
}

void jobs_notify(struct sh *sh)
{
	jobs_reap(sh);
	struct job **pp = &sh->jobs;
	while (*pp) {
		struct job *j = *pp;
		if (j->background && job_done(j)) {
			int st = job_status(sh, j);
			int ws = j->nprocs ? j->procs[j->nprocs - 1].status : 0;
			const char *text = j->cmdtext ? j->cmdtext : "";

			/* as bash: the signal's name, "Exit N", or "Done" */
			if (j->nprocs && WIFSIGNALED(ws))
				fprintf(stderr, "[%d]  %s%s\t%s\n", j->id,
					strsignal(WTERMSIG(ws)),
					WCOREDUMP(ws) ? " (core dumped)" : "",
					text);
			else if (st)
				fprintf(stderr, "[%d]  Exit %d\t%s\n", j->id,
					st, text);
			else
				fprintf(stderr, "[%d]  Done\t%s\n", j->id,
					text);
			*pp = j->next;
			free(j->procs);
			free(j->cmdtext);
			free(j);
			continue;
		}
		pp = &j->next;
	}
}

struct job *job_find(struct sh *sh, const char *spec)
{
	if (spec[0] == '%') {
		const char *s = spec + 1;
		struct job *best = NULL;
		/* current (+) and previous (-): the newest background jobs */
		struct job *cur = NULL, *prev = NULL;
		for (struct job *j = sh->jobs; j; j = j->next) {
			if (!j->background)
				continue;
			if (!cur)
				cur = j;
			else if (!prev)
				prev = j;
		}
		if (!*s || !strcmp(s, "%") || !strcmp(s, "+"))
			return cur;
		if (!strcmp(s, "-"))
			return prev;
		char *end;
		long id = strtol(s, &end, 10);
		for (struct job *j = sh->jobs; j; j = j->next) {
			if (!*end && j->id == id)
				return j;
			if (*end && j->cmdtext &&
			    !strncmp(j->cmdtext, s, strlen(s)) && !best)
				best = j;
		}
		return best;
	}
	char *end;
	long pid = strtol(spec, &end, 10);
	if (*end || pid <= 0)
		return NULL;
	for (struct job *j = sh->jobs; j; j = j->next)
		for (int i = 0; i < j->nprocs; i++)
			if (j->procs[i].pid == pid)
				return j;
	return NULL;
}

/* Waits for any background child.  Returns 0 when one finished, 1 when
 * none are left, or 128+sig when a trapped signal interrupted the wait. */
int jobs_wait_any(struct sh *sh, bool block)
{
	for (;;) {
		bool any = false;
		for (struct job *j = sh->jobs; j; j = j->next)
			if (!job_done(j))
				any = true;
		if (!any)
			return 1;
		/* a trapped signal that came in between two waits */
		if (block && sh->anypending) {
			for (int s = 1; s < NSIG_TRAP; s++)
				if (sh->pending[s])
					return 128 + s;
		}
		int ws;
		pid_t r = waitpid(-1, &ws, block ? 0 : WNOHANG);
		if (r < 0 && errno == EINTR) {
			if (sh->anypending) {
				for (int s = 1; s < NSIG_TRAP; s++)
					if (sh->pending[s])
						return 128 + s;
			}
			continue;
		}
		if (r <= 0)
			return r < 0 ? 1 : 0;
		for (struct job *j = sh->jobs; j; j = j->next)
			for (int i = 0; i < j->nprocs; i++)
				if (j->procs[i].pid == r) {
					j->procs[i].done = true;
					j->procs[i].status = ws;
				}
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* the job builtins: wait, jobs, fg, bg */

/* As bash tells of a waited-for job a signal killed (not SIGINT or
 * SIGPIPE, which a user or a closed pipe sends on purpose). */
static void report_signaled(struct sh *sh, struct job *j)
{
	int ws = j->nprocs ? j->procs[j->nprocs - 1].status : 0;

	if (!j->nprocs || !WIFSIGNALED(ws) || WTERMSIG(ws) == SIGINT ||
	    WTERMSIG(ws) == SIGPIPE)
		return;
	sh_err(sh, "%ld %s%s\t%s", (long)j->procs[j->nprocs - 1].pid,
	       strsignal(WTERMSIG(ws)), WCOREDUMP(ws) ? " (core dumped)" : "",
	       j->cmdtext ? j->cmdtext : "");
}

static bool wait_n_wants(struct sh *sh, struct job *j, int argc, char **argv)
{
	if (!j->background)
		return false;
	for (int i = 2; i < argc; i++)
		if (job_find(sh, argv[i]) == j)
			return true;
	return argc <= 2;
}

/* `wait -n [ID...]` (bash): the status of the next of these background
 * jobs (any, without IDs) to finish, 127 when there is none. */
static int wait_next(struct sh *sh, int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (!job_find(sh, argv[i]))
			sh_err(sh, "wait: %s: no such job", argv[i]);
	for (;;) {
		bool any = false;
		jobs_reap(sh);
		for (struct job *j = sh->jobs; j; j = j->next) {
			if (!wait_n_wants(sh, j, argc, argv))
				continue;
			if (!job_done(j)) {
				any = true;
				continue;
			}
			int st = job_status(sh, j);
			report_signaled(sh, j);
			job_free(sh, j);
			return st;
		}
		if (!any)
			return 127;
		int r = jobs_wait_any(sh, true);
		if (r > 128)
			return r;
	}
}

static int bi_wait(struct sh *sh, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-n"))
		return wait_next(sh, argc, argv);
	if (argc == 1) {
		for (;;) {
			int r = jobs_wait_any(sh, true);
			if (r == 1)
				break;
			if (r > 128)
				return r;
		}
		/* forget finished background jobs */
		struct job **pp = &sh->jobs;
		while (*pp) {
			struct job *j = *pp;
			if (j->background) {
				*pp = j->next;
				free(j->procs);
				free(j->cmdtext);
				free(j);
				continue;
			}
			pp = &j->next;
		}
		return 0;
	}
	int st = 127;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '%' &&
		    (!*argv[i] || argv[i][strspn(argv[i], "0123456789")])) {
			/* neither a process ID nor a job ID (dash: 2) */
			sh_err(sh, "wait: %s: not a process or job ID",
			       argv[i]);
			st = 2;
			continue;
		}
		struct job *j = job_find(sh, argv[i]);
		if (!j) {
			if (argv[i][0] == '%') {
				sh_err(sh, "wait: %s: no such job", argv[i]);
			}
			st = 127;
			continue;
		}
		/* wait, but let a trapped signal interrupt */
		for (;;) {
			bool done = true;
			for (int k = 0; k < j->nprocs; k++)
				done = done && j->procs[k].done;
			if (done)
				break;
			int r = jobs_wait_any(sh, true);
			if (r > 128)
				return r;
			if (r == 1)
				break;
		}
		st = job_status(sh, j);
		report_signaled(sh, j);
		job_free(sh, j);
	}
	return st;
}

static int bi_jobs(struct sh *sh, int argc, char **argv)
{
	bool pids = argc > 1 && !strcmp(argv[1], "-p");

	jobs_reap(sh);
	/* a subshell without jobs of its own (`jobs | wc -l`, `$(jobs -p)`)
	 * lists its parent's as they were at the fork, as bash and zsh */
	struct job *list =
		any_background(sh->jobs) ? sh->jobs : sh->parent_jobs;
	struct job *cur = NULL, *prev = NULL;
	for (struct job *j = list; j; j = j->next) {
		if (j->background && !cur)
			cur = j;
		else if (j->background && !prev)
			prev = j;
	}
	/* oldest first, as they were started */
	int n = 0;
	for (struct job *j = list; j; j = j->next)
		n++;
	struct job **v = xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (struct job *j = list; j; j = j->next)
		v[n++] = j;
	for (int i = n - 1; i >= 0; i--) {
		struct job *j = v[i];
		if (!j->background)
			continue;
		if (pids) {
			printf("%ld\n",
			       (long)(j->pgid ? j->pgid : j->procs[0].pid));
			continue;
		}
		bool done = true;
		for (int k = 0; k < j->nprocs; k++)
			done = done && j->procs[k].done;
		printf("[%d]%c  %-8s\t%s\n", j->id,
		       j == cur	 ? '+' :
		       j == prev ? '-' :
				   ' ',
		       j->stopped ? "Stopped" :
		       done	  ? "Done" :
				    "Running",
		       j->cmdtext ? j->cmdtext : "");
	}
	free(v);
	return 0;
}

static struct job *job_arg(struct sh *sh, int argc, char **argv)
{
	struct job *j = job_find(sh, argc > 1 ? argv[1] : "%+");
	if (!j)
		sh_err(sh, "%s: %s: no such job", argv[0],
		       argc > 1 ? argv[1] : "current");
	return j;
}

static int bi_fg(struct sh *sh, int argc, char **argv)
{
	if (!jobs_control_active(sh)) {
		sh_err(sh, "fg: no job control in this shell");
		return 1;
	}
	struct job *j = job_arg(sh, argc, argv);
	return j ? jobs_fg(sh, j) : 1;
}

static int bi_bg(struct sh *sh, int argc, char **argv)
{
	if (!jobs_control_active(sh)) {
		sh_err(sh, "bg: no job control in this shell");
		return 1;
	}
	if (argc == 1) {
		struct job *j = job_arg(sh, argc, argv);
		return j ? jobs_bg(sh, j) : 1;
	}
	int st = 0;
	for (int i = 1; i < argc; i++) {
		char *one[] = { argv[0], argv[i] };
		struct job *j = job_arg(sh, 2, one);
		if (!j || jobs_bg(sh, j))
			st = 1;
	}
	return st;
}

SH_BUILTIN(wait) = {
	.b = { "wait", bi_wait, false },
	.usage = "wait [PID|%JOB...]",
	.what = "wait for background jobs",
};

SH_BUILTIN(jobs) = {
	.b = { "jobs", bi_jobs, false },
	.usage = "jobs [-p]",
	.what = "list the jobs",
};

SH_BUILTIN(fg) = {
	.b = { "fg", bi_fg, false },
	.usage = "fg [%JOB]",
	.what = "bring a job to the foreground",
};

SH_BUILTIN(bg) = {
	.b = { "bg", bi_bg, false },
	.usage = "bg [%JOB...]",
	.what = "resume stopped jobs in the background",
};
