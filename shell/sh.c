/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sh.c — start-up: the command line (`cshell [options] [-c STRING [NAME
 * ARGS…] | FILE ARGS… | -s ARGS…]`, and `cshell BUILTIN ARGS…` for the
 * cshell builtins), the initial state, and diagnostics.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>

#include "shell/interactive_i.h"
#include "shell/shell_i.h"

#ifndef CSHELL_VERSION
#define CSHELL_VERSION CS_VERSION
#endif

extern char **environ;

/* cshell's own builtins that also work as `cshell NAME …` */
static const char *const subcommands[] = {
	"sandbox", "sb", "image", "host", "monitor", "up", "down",
};

void sh_err(struct sh *sh, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	/* one style: a script file names itself and its line (as dash
	 * does); -c strings, `cshell sandbox …` and the terminal say
	 * "cshell: " */
	if (sh->script_file && !sh->opts[OPT_INTERACTIVE] && sh->lineno > 0)
		fprintf(stderr, "%s:%d: %s\n", sh->progname, sh->lineno, msg);
	else
		fprintf(stderr, "%s: %s\n", sh->progname, msg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cshell [-abCefimnuvx] [-o OPTION] [-O SHOPT] [-c STRING [NAME [ARG...]]]\n"
		"       cshell [OPTIONS] FILE [ARG...]\n"
		"       cshell [OPTIONS] -s [ARG...]\n"
		"       cshell [--norc] [--rcfile FILE] [--posix] [--enter TARGET] [...]  (runs in TARGET)\n"
		"       cshell sandbox|image [ARG...]\n");
}

struct sh *sh_new(void)
{
	struct sh *sh = xcalloc(1, sizeof(*sh));

	sh->stack = arena_new();
	sh->ttyfd = -1;
	sh->opts[OPT_GLOBSKIPDOTS] = sh->opts[OPT_EXPAND_ALIASES] = true;
	sh->rootpid = getpid();
	sh->progname = "cshell";
	sh->arg0 = "cshell";
	sh_init_self_exe();
	var_init(sh, environ);
	return sh;
}

/* HISTFILE names the history file in interactive shells only (as bash;
 * CSHELL_HISTFILE chooses it, not an inherited HISTFILE of bash's). */
static void set_histfile(struct sh *sh)
{
	char *path = sh_history_path();

	var_set(sh, "HISTFILE", path, 0);
	var_lookup(sh, "HISTFILE")->flags = 0;
	free(path);
}

/* -c STRING or FILE: -i makes the shell interactive all the same (errors
 * do not end it, -m is on); -m alone gives its jobs process groups. */
static void script_job_control(struct sh *sh)
{
	if (sh->opts[OPT_INTERACTIVE]) {
		set_histfile(sh);
		jobs_init_control(sh);
		sh->opts[OPT_MONITOR] = true;
	} else if (sh->opts[OPT_MONITOR]) {
		jobs_monitor_on(sh);
	}
}

/* The shell works in characters of the locale's codeset (`?` matches
 * one, ${#x} counts them): LC_CTYPE from LC_ALL, LC_CTYPE or LANG.  Only
 * it: sorting, numbers and messages stay the C locale's. */
static void locale_init(void)
{
	if (setlocale(LC_CTYPE, ""))
		return;
	const char *name = NULL;
	const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t k = 0; k < CS_ARRAY_SIZE(vars) && !name; k++) {
		const char *v = getenv(vars[k]);
		if (v && *v)
			name = v;
	}
	fprintf(stderr,
		"cshell: warning: no locale '%s', characters are bytes\n",
		name ? name : "");
}

/* Kept reachable for the whole run (the shell exits from deep inside). */
static struct sh *volatile the_sh;

int sh_main(int argc, char **argv)
{
	struct sh *sh = the_sh = sh_new();
	const char *cmdstr = NULL;
	bool force_stdin = false, force_interactive = false, norc = false;
	const char *rcfile = NULL;
	bool posix_given = false;
	const char *enter_target = NULL;
	bool dd;
	int i;

	sh->arg0 = argv[0] ? argv[0] : "cshell";
	cs_log_set_prog("cshell");
	/* $_ starts as the shell's own name (bash), never exported */
	var_set(sh, "_", sh->arg0, 0);
	var_lookup(sh, "_")->flags = 0;

	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("cshell %s\n", CSHELL_VERSION);
		return 0;
	}
	for (size_t k = 0; argc > 1 && k < CS_ARRAY_SIZE(subcommands); k++) {
		if (!strcmp(argv[1], subcommands[k])) {
			/* `cshell sandbox ls` runs the builtin with these words */
			sh->arg0 = "cshell";
			params_set(&sh->params, argc - 1, argv + 1);
			sh->script = true;
			trap_init(sh);
			int st = sh_eval_string(sh, "\"$@\"", "cshell");
			sh_exit(sh, st);
		}
	}

	/* the shell language works in characters (the cshell builtins
	 * above need no locale, nor its warning) */
	locale_init();
	/* options: -c, -s, -i, --norc and those of set */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--norc")) {
			norc = true;
			continue;
		}
		if (!strcmp(a, "-O") || !strcmp(a, "+O")) {
			/* bash's shopt options: -O nullglob */
			if (i + 1 == argc) {
				fprintf(stderr,
					"cshell: %s needs a shopt option name "
					"(nullglob, failglob, ...)\n",
					a);
				return 2;
			}
			if (sh_shopt_set(sh, argv[++i], a[0] == '-') < 0) {
				fprintf(stderr,
					"cshell: %s: invalid shell option name\n",
					argv[i]);
				return 2;
			}
			continue;
		}
		if (!strcmp(a, "--login"))
			continue; /* bash's -l, ignored as -l is */
		if (!strcmp(a, "--posix")) {
			sh->opts[OPT_POSIX] = posix_given = true;
			continue;
		}
		/* --enter TARGET, --rcfile FILE (bash's) */
		bool enter = !strcmp(a, "--enter");
		if (enter || !strcmp(a, "--rcfile")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cshell: %s requires %s\n", a,
					enter ? "a target" : "a file");
				return 2;
			}
			*(enter ? &enter_target : &rcfile) = argv[++i];
			continue;
		}
		if (!strcmp(a, "--") || !strcmp(a, "-")) {
			/* POSIX: a lone - is an operand that is ignored */
			i++;
			break;
		}
		if ((a[0] != '-' && a[0] != '+') || !a[1])
			break;
		if (strchr(a, 'c'))
			cmdstr = ""; /* +c too, as in dash */
		if (a[0] == '-') {
			if (strchr(a, 's'))
				force_stdin = true;
			if (strchr(a, 'i'))
				force_interactive = true;
		}
		/* one word at a time (-c and -s are looked at above), with
		 * the operand of each o in it (-o OPTION, -oo OPT1 OPT2) */
		int lim = i + 1;
		for (const char *c = a + 1; *c; c++)
			if (*c == 'o' && lim < argc &&
			    !strcmp(argv[lim++], "posix"))
				posix_given = true;
		int r = sh_parse_set_options(sh, lim, argv, i, &dd, true);
		if (r < 0) {
			usage(stderr);
			return 2;
		}
		i = r - 1;
	}
	if (force_interactive)
		sh->opts[OPT_INTERACTIVE] = true;
	/* the extensions (docs/shell.md) are on in interactive shells;
	 * scripts are POSIX unless they `set +o posix` */
	if (!posix_given)
		sh->opts[OPT_POSIX] = sh->posix_implied =
			!sh->opts[OPT_INTERACTIVE];
	if (cmdstr) {
		if (i >= argc) {
			fprintf(stderr, "cshell: -c requires an argument\n");
			return 2;
		}
		cmdstr = argv[i++];
		if (i < argc)
			sh->arg0 = argv[i++];
		params_set(&sh->params, argc - i, argv + i);
		sh->script = true;
		trap_init(sh);
		src_push_string(sh, cmdstr, strlen(cmdstr), 1);
		script_job_control(sh);
	} else if (i < argc && !force_stdin) {
		const char *file = argv[i++];
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			fprintf(stderr, "cshell: cannot open '%s': %s\n", file,
				strerror(e));
			return e == ENOENT ? 127 : 126;
		}
		int hfd = sh_move_fd_high(fd);
		if (hfd >= 0)
			fd = hfd;
		sh->arg0 = (char *)file;
		sh->progname = (char *)file;
		sh->script = true;
		sh->script_file = true;
		params_set(&sh->params, argc - i, argv + i);
		trap_init(sh);
		src_push_fd(sh, fd, false);
		script_job_control(sh);
	} else {
		params_set(&sh->params, argc - i, argv + i);
		if (force_interactive || (isatty(0) && isatty(2)))
			sh->opts[OPT_INTERACTIVE] = true;
		if (!posix_given)
			sh->opts[OPT_POSIX] = sh->posix_implied =
				!sh->opts[OPT_INTERACTIVE];
		trap_init(sh);
		if (sh->opts[OPT_INTERACTIVE]) {
			set_histfile(sh);
			jobs_init_control(sh);
			if (force_interactive)
				sh->opts[OPT_MONITOR] = true;
			if (!getenv("PS1"))
				var_set(sh, "PS1", "\\T\\w \\$ ", 0);
			sh_interactive_init(sh);
			src_push_interactive(sh);
			sh_run_rcfiles(sh, norc, rcfile);
		} else {
			sh->script = true;
			src_push_fd(sh, 0, true);
		}
	}
	/* -c, a script, stdin, or a terminal: all run in the target; one
	 * that cannot be entered ends a non-interactive shell before it
	 * runs anything on the host */
	if (enter_target) {
		char *cmd = strchr(enter_target, '\'') ?
				    NULL :
				    xasprintf("enter '%s'", enter_target);
		int r = cmd ? sh_eval_string(sh, cmd, "--enter") : 2;

		if (!cmd)
			fprintf(stderr, "cshell: --enter: bad target name\n");
		free(cmd);
		if (r != 0 && !sh->opts[OPT_INTERACTIVE])
			return 2;
	}
	if (rcfile && !sh->opts[OPT_INTERACTIVE])
		fprintf(stderr, "cshell: warning: --rcfile: only interactive "
				"shells read a start-up file\n");
	int st = sh_run_source(sh, true);
	if (sh->skip == SKIP_FUNC)
		st = sh->status;
	sh_exit(sh, st);
}
