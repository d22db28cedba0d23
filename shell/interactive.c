/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interactive.c — the terminal front end over GNU readline.
 *
 * Lines are read through readline's callback interface inside a select()
 * loop, so a signal (Ctrl-C, a window resize) interrupts the wait and is
 * handled here, outside any signal handler.  Ctrl-C throws away the line
 * (and the command being continued under PS2).  A command that spans
 * several lines goes into the history as one entry.  Completion knows the
 * builtins and their subcommands, PATH, files, variables and targets; in
 * a target's context (`enter dev`, `@dev cmd`) commands and paths come
 * from that target's filesystem (see complete.c).
 */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "shell/interactive_i.h"
#include "shell/shell_i.h"
#include "shell/target_i.h"

#define DEFAULT_HISTSIZE 1000

static struct sh *rl_sh;
static char *histfile;
static struct cs_buf pending_hist = CS_BUF_INIT; /* lines of one command */
static char *got_line;
static bool line_done;

/* ------------------------------------------------------------------ */
/* History */

static long var_long(struct sh *sh, const char *name, long dflt)
{
	const char *v = sh_getvar(sh, name);
	char *end;

	if (!v || !*v)
		return dflt;
	long n = strtol(v, &end, 10);
	return *end || n < 0 ? dflt : n;
}

char *sh_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (getenv("CSHELL_HISTFILE"))
		return xstrdup(getenv("CSHELL_HISTFILE"));
	if (state && *state)
		return xasprintf("%s/cshell/history", state);
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.local/state/cshell/history", home);
}

void sh_history_commit(struct sh *sh)
{
	if (!rl_sh || !pending_hist.len)
		return;
	/* drop the final newline; keep inner ones: one entry per command */
	while (pending_hist.len &&
	       pending_hist.buf[pending_hist.len - 1] == '\n')
		pending_hist.len--;
	pending_hist.buf[pending_hist.len] = 0;
	const char *text = pending_hist.buf;
	bool blank = strspn(text, " \t\n") == pending_hist.len;
	HIST_ENTRY *last =
		history_length ?
			history_get(history_base + history_length - 1) :
			NULL;
	if (!blank && !(last && !strcmp(last->line, text))) {
		add_history(text);
		char stamp[32];
		snprintf(stamp, sizeof(stamp), "#%ld", (long)time(NULL));
		add_history_time(stamp);
		stifle_history((int)var_long(sh, "HISTSIZE", DEFAULT_HISTSIZE));
	}
	cs_buf_reset(&pending_hist);
}

void sh_history_save(struct sh *sh)
{
	if (!rl_sh || !histfile)
		return;
	char *dir = xstrdup(histfile);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		cs_mkdir_p(dir, 0700);
	}
	free(dir);
	if (write_history(histfile) == 0)
		history_truncate_file(
			histfile, (int)var_long(sh, "HISTFILESIZE",
						var_long(sh, "HISTSIZE",
							 DEFAULT_HISTSIZE)));
}

/* ------------------------------------------------------------------ */
/* Prompt */

static void add_home_tilde(struct sh *sh, struct cs_buf *b, const char *pwd)
{
	const char *home = sh_getvar(sh, "HOME");
	size_t hl = home ? strlen(home) : 0;

	if (hl > 1 && !strncmp(pwd, home, hl) && (pwd[hl] == '/' || !pwd[hl])) {
		cs_buf_addc(b, '~');
		cs_buf_adds(b, pwd + hl);
	} else {
		cs_buf_adds(b, pwd);
	}
}

/* Expands the prompt escapes of PS1 (\u \h \H \w \W \$ \t \T \n \\ \[ \])
 * and then, as POSIX asks, its parameter expansions. */
char *sh_expand_prompt(struct sh *sh, const char *ps)
{
	struct cs_buf b = CS_BUF_INIT;
	const char *pwd = sh_getvar(sh, "PWD");
	char host[256];

	if (!pwd)
		pwd = "?";
	for (const char *p = ps; *p; p++) {
		if (*p != '\\' || !p[1]) {
			cs_buf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'u': {
			struct passwd *pw = getpwuid(geteuid());
			cs_buf_adds(&b, pw ? pw->pw_name : "?");
			break;
		}
		case 'h':
		case 'H':
			if (gethostname(host, sizeof(host)) < 0)
				strcpy(host, "?");
			host[sizeof(host) - 1] = 0;
			if (*p == 'h' && strchr(host, '.'))
				*strchr(host, '.') = 0;
			cs_buf_adds(&b, host);
			break;
		case 'w': {
			char *wd = NULL, *root = NULL;

			/* entered: where its commands run (`--mount .:/src`
			 * shows /src), as DESIGN's session shows it */
			if (sh->entered)
				root = sh_target_rootfs(sh->entered, &wd);
			if (root && wd)
				cs_buf_adds(&b, wd);
			else
				add_home_tilde(sh, &b, pwd);
			free(root);
			free(wd);
			break;
		}
		case 'W': {
			const char *home = sh_getvar(sh, "HOME");
			const char *s = strrchr(pwd, '/');
			if (home && !strcmp(home, pwd))
				cs_buf_addc(&b, '~');
			else
				cs_buf_adds(&b, s && s[1] ? s + 1 : pwd);
			break;
		}
		case '$':
			cs_buf_addc(&b, geteuid() == 0 ? '#' : '$');
			break;
		case 't': {
			time_t t = time(NULL);
			struct tm tm;
			char ts[16];
			localtime_r(&t, &tm);
			strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
			cs_buf_adds(&b, ts);
			break;
		}
		case 'T':
			if (sh->entered)
				cs_buf_addf(&b, "[%s] ", sh->entered);
			break;
		case 'n':
			cs_buf_addc(&b, '\n');
			break;
		case '[':
			cs_buf_addc(&b, RL_PROMPT_START_IGNORE);
			break;
		case ']':
			cs_buf_addc(&b, RL_PROMPT_END_IGNORE);
			break;
		case '\\':
			cs_buf_addc(&b, '\\');
			break;
		default:
			cs_buf_addc(&b, '\\');
			cs_buf_addc(&b, *p);
			break;
		}
	}
	char *text = cs_buf_detach(&b, NULL);
	if (!strchr(text, '$') && !strchr(text, '`'))
		return text;
	char *r = sh_expand_string(sh, text);
	if (r) {
		free(text);
		return r;
	}
	return text;
}

/* ------------------------------------------------------------------ */
/* Reading a line */

static void on_line(char *line)
{
	got_line = line;
	line_done = true;
	rl_callback_handler_remove();
}

void sh_interactive_init(struct sh *sh)
{
	rl_sh = sh;
	rl_readline_name = "cshell";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	/* prompts (and the echo of lines when stdin is no terminal) go to
	 * standard error, as POSIX says of PS1 and PS2: stdout stays the
	 * commands' own */
	rl_outstream = stderr;
	sh_complete_init(sh);
	using_history();
	/* timestamps in the file let a multi-line command come back as the
	 * one entry it was */
	history_write_timestamps = 1;
	history_multiline_entries = 1;
	histfile = sh_history_path();
	read_history(histfile);
	stifle_history((int)var_long(sh, "HISTSIZE", DEFAULT_HISTSIZE));
	if (!sh->opts[OPT_VI])
		sh->opts[OPT_EMACS] = true;
}

/* set -b: a background job that finished while the prompt waits is
 * reported at once, and the prompt and the line typed so far redrawn. */
static void notify_now(struct sh *sh)
{
	jobs_reap_pending(sh);
	if (!jobs_any_done(sh))
		return;
	rl_clear_visible_line();
	jobs_notify(sh);
	rl_forced_update_display();
}

char *sh_readline(struct sh *sh)
{
	const char *ps =
		sh->continuation ? sh_getvar(sh, "PS2") : sh_getvar(sh, "PS1");
	char *prompt = sh_expand_prompt(sh, ps ? ps : "");

	if (!sh->continuation)
		cs_buf_reset(&pending_hist);
	sh->continuation = true;
	fflush(stdout);
	fflush(stderr);
	line_done = false;
	got_line = NULL;
	rl_callback_handler_install(prompt, on_line);
	while (!line_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fileno(rl_instream ? rl_instream : stdin), &fds);
		int r = select(fileno(rl_instream ? rl_instream : stdin) + 1,
			       &fds, NULL, NULL, NULL);
		if (r < 0 && errno == EINTR) {
			if (sh->pending[SIGWINCH]) {
				sh->pending[SIGWINCH] = 0;
				rl_resize_terminal();
			}
			if (sh->gotchld && sh->opts[OPT_NOTIFY])
				notify_now(sh);
			if (sh->pending[SIGINT]) {
				/* Ctrl-C: forget this line and the command */
				sh->pending[SIGINT] = 0;
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_callback_handler_remove();
				rl_crlf();
				free(prompt);
				cs_buf_reset(&pending_hist);
				sh->status = 130;
				sh->continuation = false;
				if (sh->jmp)
					longjmp(*sh->jmp, 1);
				return xstrdup("\n");
			}
			continue;
		}
		if (r < 0)
			break;
		rl_callback_read_char();
	}
	free(prompt);
	if (!line_done) {
		rl_callback_handler_remove();
		return NULL;
	}
	if (!got_line) {
		/* Ctrl-D at the prompt */
		if (sh->opts[OPT_IGNOREEOF]) {
			fprintf(stderr, "Use \"exit\" to leave the shell.\n");
			return xstrdup("\n");
		}
		fputc('\n', stderr);
		return NULL;
	}
	char *r = xasprintf("%s\n", got_line);
	free(got_line);
	cs_buf_adds(&pending_hist, r);
	return r;
}

void sh_editing_mode_changed(struct sh *sh)
{
	if (!rl_sh)
		return;
	rl_editing_mode = sh->opts[OPT_VI] ? 0 : 1;
	rl_set_keymap(rl_get_keymap_by_name(sh->opts[OPT_VI] ? "vi" : "emacs"));
}

/* ------------------------------------------------------------------ */
/* Start-up file */

void sh_run_rcfiles(struct sh *sh, bool norc, const char *rcfile)
{
	if (!norc) {
		char *dir = cs_root_path(CS_ROOT_CONFIG);
		/* a path, not a name to look for in PATH as . would */
		char *rc = !rcfile	       ? xasprintf("%s/cshellrc", dir) :
			   strchr(rcfile, '/') ? xstrdup(rcfile) :
						 xasprintf("./%s", rcfile);
		free(dir);
		if (access(rc, R_OK) == 0) {
			char *cmd = xasprintf(". '%s'", rc);
			sh_eval_string(sh, cmd, "cshellrc");
			free(cmd);
		}
		free(rc);
	}
	const char *env = sh_getvar(sh, "ENV");
	if (env && *env) {
		char *file = sh_expand_string(sh, env);
		if (file && access(file, R_OK) == 0) {
			char *cmd = xasprintf(". '%s'", file);
			sh_eval_string(sh, cmd, "ENV");
			free(cmd);
		}
		free(file);
	}
}
