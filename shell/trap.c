/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * trap.c — signals: `trap` actions run between commands (the handler only
 * marks the signal pending), the EXIT trap on the way out, the reset of
 * caught signals in subshells, and the `kill` builtin with its signal
 * names.
 */
#include <errno.h>
#include <string.h>

#include "shell/shell_i.h"

static struct sh *trap_sh;
/* signals whose disposition the shell itself changed (interactive use) */
static bool shell_owned[NSIG_TRAP];

static const char *const signames[NSIG_TRAP] = {
	[0] = "EXIT",	    [SIGHUP] = "HUP",	    [SIGINT] = "INT",
	[SIGQUIT] = "QUIT", [SIGILL] = "ILL",	    [SIGTRAP] = "TRAP",
	[SIGABRT] = "ABRT", [SIGBUS] = "BUS",	    [SIGFPE] = "FPE",
	[SIGKILL] = "KILL", [SIGUSR1] = "USR1",	    [SIGSEGV] = "SEGV",
	[SIGUSR2] = "USR2", [SIGPIPE] = "PIPE",	    [SIGALRM] = "ALRM",
	[SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD",
	[SIGCONT] = "CONT", [SIGSTOP] = "STOP",	    [SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",	    [SIGURG] = "URG",
	[SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",	    [SIGVTALRM] = "VTALRM",
	[SIGPROF] = "PROF", [SIGWINCH] = "WINCH",   [SIGIO] = "IO",
	[SIGPWR] = "PWR",   [SIGSYS] = "SYS",
};

const char *trap_signame(int sig)
{
	if (sig >= 0 && sig < NSIG_TRAP && signames[sig])
		return signames[sig];
	return NULL;
}

int trap_signum(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);

	if (*name && !*end)
		return n >= 0 && n < NSIG_TRAP ? (int)n : -1;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (int i = 0; i < NSIG_TRAP; i++)
		if (signames[i] && !strcasecmp(signames[i], name))
			return i;
	return -1;
}

static void on_signal(int sig)
{
	if (trap_sh && sig > 0 && sig < NSIG_TRAP) {
		/* async-signal-safe: only flags */
		trap_sh->pending[sig] = 1;
		trap_sh->anypending = 1;
		if (sig == SIGCHLD)
			trap_sh->gotchld = 1;
	}
}

/* Without a CHLD trap: only notes that a child changed state, so that
 * background jobs are reaped between commands instead of staying zombies
 * until `wait`. */
static void on_sigchld(int sig)
{
	(void)sig;
	if (trap_sh)
		trap_sh->gotchld = 1;
}

static void set_chld_default(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	/* restarted: a read or a foreground wait is no reason to stop.
	 * Not SA_NOCLDSTOP: a forked child keeps the flag, and the
	 * sandbox join relay in it must hear of its command's stops */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
}

static void set_disposition(int sig, void (*h)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: `wait` must see EINTR */
	sigaction(sig, &sa, NULL);
}

void trap_init(struct sh *sh)
{
	trap_sh = sh;
	for (int s = 1; s < NSIG_TRAP; s++) {
		struct sigaction old;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (sigaction(s, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			sh->ignored_at_start[s] = true;
	}
	/* a parent that ignored SIGCHLD would break waitpid */
	set_chld_default();
	if (sh->opts[OPT_INTERACTIVE]) {
		set_disposition(SIGINT, on_signal);
		set_disposition(SIGWINCH, on_signal);
		shell_owned[SIGWINCH] = true;
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		shell_owned[SIGINT] = shell_owned[SIGQUIT] = true;
		shell_owned[SIGTERM] = true;
	}
}

void trap_mark_shell_owned(int sig)
{
	if (sig > 0 && sig < NSIG_TRAP)
		shell_owned[sig] = true;
}

void trap_reset_for_child(struct sh *sh)
{
	for (int s = 1; s < NSIG_TRAP; s++) {
		sh->pending[s] = 0;
		if (sh->traps[s] && *sh->traps[s]) {
			free(sh->traps[s]);
			sh->traps[s] = NULL;
			if (s == SIGCHLD)
				set_chld_default();
			else
				signal(s, SIG_DFL);
		} else if (shell_owned[s] && !sh->traps[s]) {
			signal(s, SIG_DFL);
			shell_owned[s] = false;
		}
	}
	sh->anypending = 0;
	free(sh->traps[0]);
	sh->traps[0] = NULL;
}

void trap_run_pending(struct sh *sh)
{
	if (sh->intrap)
		return;
	sh->anypending = 0;
	for (int s = 1; s < NSIG_TRAP; s++) {
		if (!sh->pending[s])
			continue;
		sh->pending[s] = 0;
		if (!sh->traps[s]) {
			/* an interactive shell's own SIGINT: nothing to do */
			continue;
		}
		if (!*sh->traps[s])
			continue;
		int save = sh->status;
		enum skip sk = sh->skip;
		sh->intrap = true;
		char *action = xstrdup(sh->traps[s]);
		sh_eval_string(sh, action, "trap");
		free(action);
		sh->intrap = false;
		if (sh->skip == SKIP_NONE)
			sh->skip = sk;
		sh->status = save;
	}
}

void trap_run_exit(struct sh *sh)
{
	char *action = sh->traps[0];

	if (!action)
		return;
	sh->traps[0] = NULL;
	if (*action) {
		sh->skip = SKIP_NONE;
		sh_eval_string(sh, action, "trap");
	}
	free(action);
}

static void print_traps(struct sh *sh)
{
	for (int s = 0; s < NSIG_TRAP; s++) {
		if (!sh->traps[s])
			continue;
		struct cs_buf b = CS_BUF_INIT;
		sh_quote(&b, sh->traps[s]);
		printf("trap -- %s %s\n", b.buf, signames[s]);
		cs_buf_release(&b);
	}
}

static int bi_trap(struct sh *sh, int argc, char **argv)
{
	int i = 1, st = 0;
	const char *action;

	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		print_traps(sh);
		return 0;
	}
	if (!strcmp(argv[i], "-l")) {
		for (int s = 1; s < NSIG_TRAP; s++)
			if (signames[s])
				printf("%d) SIG%s\n", s, signames[s]);
		return 0;
	}
	if (argv[i][0] == '-' && argv[i][1]) {
		sh_err(sh, "trap: unknown option '%s'", argv[i]);
		return sh_special_error(sh, 2);
	}
	/* "trap N…" with an unsigned number first resets those conditions */
	if (*argv[i] && !argv[i][strspn(argv[i], "0123456789")]) {
		action = NULL;
	} else {
		action = argv[i++];
		if (!strcmp(action, "-"))
			action = NULL;
	}
	if (i >= argc) {
		sh_err(sh, "trap: usage: trap [ACTION] CONDITION...");
		return 2;
	}
	for (; i < argc; i++) {
		int s = trap_signum(argv[i]);
		if (s < 0 || !signames[s]) {
			sh_err(sh, "trap: %s: bad trap", argv[i]);
			st = 1;
			continue;
		}
		if (s == SIGKILL || s == SIGSTOP) {
			/* said, but not an error: dash and bash return 0 */
			sh_err(sh, "trap: %s: cannot be trapped", argv[i]);
			continue;
		}
		if (s && sh->ignored_at_start[s] && !sh->opts[OPT_INTERACTIVE])
			continue; /* POSIX: ignored on entry stays ignored */
		free(sh->traps[s]);
		sh->traps[s] = action ? xstrdup(action) : NULL;
		if (s == 0)
			continue;
		if (!action && s == SIGCHLD)
			set_chld_default();
		else if (!action)
			set_disposition(
				s, shell_owned[s] ?
					   (s == SIGINT ? on_signal : SIG_IGN) :
					   SIG_DFL);
		else if (!*action && s == SIGCHLD)
			set_chld_default(); /* ignoring it would lose statuses */
		else if (!*action)
			set_disposition(s, SIG_IGN);
		else
			set_disposition(s, on_signal);
	}
	return st;
}

/* `kill -l ARG`: the name of a signal number or of a status 128+N (0 is
 * EXIT, as in bash), or the number of a signal name.  -1 when invalid. */
static int kill_list_one(struct sh *sh, const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg && !*end) {
		if (n > 128)
			n -= 128;
		const char *name =
			n >= 0 && n < NSIG_TRAP ? trap_signame((int)n) : NULL;
		if (name) {
			printf("%s\n", name);
			return 0;
		}
	} else {
		int s = trap_signum(arg);
		if (s > 0) {
			printf("%d\n", s);
			return 0;
		}
	}
	sh_err(sh, "kill: %s: invalid signal", arg);
	return -1;
}

static int bi_kill(struct sh *sh, int argc, char **argv)
{
	int sig = SIGTERM, i = 1, st = 0;

	if (argc < 2) {
		sh_err(sh,
		       "kill: usage: kill [-s SIGNAL | -SIGNAL] PID|%%JOB...  or  kill -l [STATUS]");
		return 2;
	}
	if (!strcmp(argv[1], "-l") || !strcmp(argv[1], "-L")) {
		if (argc == 2) {
			for (int s = 1; s < NSIG_TRAP; s++)
				if (signames[s])
					printf("%s%s", signames[s],
					       s == SIGSYS ? "\n" : " ");
			return 0;
		}
		for (i = 2; i < argc; i++)
			if (kill_list_one(sh, argv[i]) < 0)
				st = 1;
		return st;
	}
	if (!strcmp(argv[1], "-s") || !strcmp(argv[1], "-n")) {
		if (argc < 3) {
			sh_err(sh, "kill: %s needs a signal", argv[1]);
			return 2;
		}
		sig = trap_signum(argv[2]);
		i = 3;
	} else if (argv[1][0] == '-' && argv[1][1] && strcmp(argv[1], "--")) {
		sig = trap_signum(argv[1] + 1);
		i = 2;
	} else if (!strcmp(argv[1], "--")) {
		i = 2;
	}
	if (sig < 0) {
		/* status 1 as in bash (dash says 2; POSIX: >0) */
		sh_err(sh, "kill: invalid signal '%s'", argv[i - 1]);
		return 1;
	}
	if (i >= argc) {
		sh_err(sh, "kill: no process given");
		return 2;
	}
	for (; i < argc; i++) {
		pid_t pid;
		if (argv[i][0] == '%') {
			struct job *j = job_find(sh, argv[i]);
			if (!j) {
				sh_err(sh, "kill: %s: no such job", argv[i]);
				st = 1;
				continue;
			}
			pid = j->pgid ? -j->pgid : j->procs[0].pid;
			if (!j->pgid) {
				for (int k = 0; k < j->nprocs; k++)
					if (!j->procs[k].done &&
					    kill(j->procs[k].pid, sig) < 0)
						st = 1;
				continue;
			}
		} else {
			char *end;
			long n = strtol(argv[i], &end, 10);
			if (!*argv[i] || *end) {
				sh_err(sh,
				       "kill: '%s': not a process id or job",
				       argv[i]);
				st = 1;
				continue;
			}
			pid = (pid_t)n;
		}
		if (kill(pid, sig) < 0) {
			sh_err(sh, "kill: %s: %s", argv[i], strerror(errno));
			st = 1;
		} else if (argv[i][0] == '%' && sig != SIGCONT) {
			/* a stopped job must run to see the signal */
			struct job *j = job_find(sh, argv[i]);
			if (j && j->stopped) {
				kill(pid, SIGCONT);
				j->stopped = false;
				for (int k = 0; k < j->nprocs; k++)
					j->procs[k].stopped = false;
			}
		}
	}
	return st;
}

SH_BUILTIN(trap) = {
	.b = { "trap", bi_trap, true },
	.usage = "trap [ACTION] CONDITION...",
	.what = "run ACTION on a signal or EXIT",
};

SH_BUILTIN(kill) = {
	.b = { "kill", bi_kill, false },
	.usage = "kill [-s SIG|-SIG] PID|%JOB...  |  kill -l [N]",
	.what = "send a signal",
};
