/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval.c — walks the AST (XCU 2.9).  sh_eval() dispatches on the node
 * type; simple commands are expanded, looked up (special builtin, function,
 * builtin, PATH) and run in the shell or in a forked child; pipelines,
 * subshells, command substitutions and background lists fork.  A child
 * that will exit anyway gets EV_EXIT and execs its last command directly.
 *
 * Control flow (break, continue, return) is sh->skip; errors that must
 * leave the shell go through sh_raise(), which exits a non-interactive
 * shell and longjmps to the prompt of an interactive one.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "sandbox/sandbox.h"
#include "shell/shell_i.h"
#include "shell/up_i.h"
#include "shell/target_i.h"
#include "shell/interactive_i.h"

#define MAX_EVAL_DEPTH 10000
#define CMDSUB_CAP (256u << 20)

static char self_exe[4096];

void sh_flush_std(struct sh *sh)
{
	(void)sh;
	fflush(stdout);
	fflush(stderr);
}

void __attribute__((noreturn)) sh_exit(struct sh *sh, int status)
{
	if (!sh->exiting) {
		/* the EXIT trap sees $? = status; only its own `exit` changes
		 * the status the shell ends with */
		sh->exiting = true;
		sh->status = status;
		trap_run_exit(sh);
	}
	sh_flush_std(sh);
	if (sh->subshell)
		_exit(status);
	sh_history_save(sh);
	exit(status);
}

int sh_special_error(struct sh *sh, int status)
{
	if (sh->in_command)
		return status;
	sh_raise(sh, status);
}

void __attribute__((noreturn)) sh_raise(struct sh *sh, int status)
{
	if (!sh->recover &&
	    (!sh->opts[OPT_INTERACTIVE] || sh->subshell || !sh->jmp))
		sh_exit(sh, status);
	sh->status = status;
	longjmp(*sh->jmp, 1);
}

/* ------------------------------------------------------------------ */
/* Processes */

void sh_forked(struct sh *sh)
{
	sh->subshell = true;
	sh->recover = false; /* a $(…) in PS4 ends as any child */
	/* a subshell of an EXIT trap action runs its own EXIT trap */
	sh->exiting = false;
	trap_reset_for_child(sh);
	jobs_forked(sh);
}

/* Forks a child that is not a job of its own (command substitution). */
static pid_t sh_fork(struct sh *sh)
{
	pid_t pid;

	sh_flush_std(sh);
	pid = fork();
	if (pid < 0) {
		sh_err(sh, "cannot fork: %s", strerror(errno));
		sh_raise(sh, 2);
	}
	if (pid == 0)
		sh_forked(sh);
	return pid;
}

/* Forks process idx of job j (job control: its own process group, which
 * gets the terminal when fg).  Returns 0 in the child. */
static pid_t fork_job(struct sh *sh, struct job *j, int idx, bool fg)
{
	bool jc = jobs_control_active(sh);
	pid_t pid;

	sh_flush_std(sh);
	pid = fork();
	if (pid < 0) {
		sh_err(sh, "cannot fork: %s", strerror(errno));
		sh_raise(sh, 2);
	}
	if (pid == 0) {
		if (jc)
			jobs_child_setup(sh, j, fg);
		sh_forked(sh);
		return 0;
	}
	j->procs[idx].pid = pid;
	if (jc && !j->pgid)
		j->pgid = pid;
	if (jc)
		setpgid(pid, j->pgid);
	return pid;
}

/* ------------------------------------------------------------------ */
/* Command search */

void sh_hash_clear(struct sh *sh)
{
	for (int i = 0; i < sh->hash_n; i++) {
		free(sh->hash_names[i]);
		free(sh->hash_paths[i]);
	}
	sh->hash_n = 0;
}

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* Returns the path for name (pointer valid until the hash changes; for a
 * PATH override, on sh->stack), or NULL. */
char *sh_find_command(struct sh *sh, const char *name, const char *path)
{
	bool cache = !path;

	if (strchr(name, '/'))
		return (char *)name;
	if (cache) {
		for (int i = 0; i < sh->hash_n; i++)
			if (!strcmp(sh->hash_names[i], name)) {
				if (is_executable(sh->hash_paths[i]))
					return sh->hash_paths[i];
				break;
			}
		path = sh_getvar(sh, "PATH");
		if (!path)
			path = SH_DEFAULT_PATH;
	}
	size_t nl = strlen(name);
	const char *p = path;
	for (;;) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		char *full = arena_alloc(sh->stack, dl + nl + 3);
		if (dl == 0)
			memcpy(full, ".", 1), dl = 1;
		else
			memcpy(full, p, dl);
		full[dl] = '/';
		memcpy(full + dl + 1, name, nl + 1);
		if (is_executable(full)) {
			if (!cache)
				return full;
			if (sh->hash_n == sh->hash_alloc) {
				sh->hash_alloc = sh->hash_alloc ?
							 2 * sh->hash_alloc :
							 32;
				sh->hash_names = xrealloc(
					sh->hash_names,
					sh->hash_alloc * sizeof(char *));
				sh->hash_paths = xrealloc(
					sh->hash_paths,
					sh->hash_alloc * sizeof(char *));
			}
			int i;
			for (i = 0; i < sh->hash_n; i++)
				if (!strcmp(sh->hash_names[i], name))
					break;
			if (i == sh->hash_n) {
				sh->hash_names[i] = xstrdup(name);
				sh->hash_n++;
			} else {
				free(sh->hash_paths[i]);
			}
			sh->hash_paths[i] = xstrdup(full);
			return sh->hash_paths[i];
		}
		if (!e)
			return NULL;
		p = e + 1;
	}
}

/* In a child: execs the command cmd with argv (argv[0] is cmd but for
 * `exec -a`) or exits 126/127 with a message. */
static void __attribute__((noreturn))
exec_as(struct sh *sh, const char *cmd, char **argv)
{
	char *path = sh_find_command(sh, cmd, NULL);
	char **envp;
	int err;

	if (!path) {
		sh_err(sh, "%s: not found", cmd);
		_exit(127);
	}
	envp = var_environ(sh, sh->stack);
	sh_flush_std(sh);
	/* in a joined sandbox this goes through cshell-init's image (a
	 * script without #! is then run by the sandbox's sh) */
	err = -sbx_exec(path, argv, envp);
	if (err == ENOEXEC) {
		/* a script without #!: run it with this shell */
		int n = 0;
		while (argv[n])
			n++;
		char **nv = arena_alloc(sh->stack, (n + 2) * sizeof(char *));
		nv[0] = sh->progname;
		nv[1] = path;
		memcpy(nv + 2, argv + 1, n * sizeof(char *));
		execve(self_exe, nv, envp);
		err = errno;
	}
	if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) {
		sh_err(sh, "%s: not found", cmd);
		_exit(127);
	}
	sh_err(sh, "%s: %s", cmd, strerror(err));
	_exit(126);
}

static void __attribute__((noreturn)) exec_external(struct sh *sh, char **argv)
{
	exec_as(sh, argv[0], argv);
}

void sh_run_routed(struct sh *sh, const struct sh_target *t, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	const char *const *env = NULL;
	const struct builtin *bi;
	struct func *fn;

	/* a backend that execs a relay (a VM's, ssh) passes on environ:
	 * the shell's exports, not what the shell was started with */
	environ = var_environ(sh, sh->stack);
	if (t->be->enter(t, argv, &env, &err) < 0) {
		sh_err(sh, "%s", err.msg);
		_exit(126);
	}
	for (; env && *env; env++)
		var_setn(sh, *env, SH_VAR_EXPORT);
	/* joined: builtins and functions run there too */
	bi = sh_builtin(sh, argv[0]);
	fn = bi && bi->special ? NULL : sh_find_func(sh, argv[0]);
	if (fn) {
		int argc = 0;

		while (argv[argc])
			argc++;
		sh_exit(sh, sh_call_func(sh, fn, argc, argv, 0));
	}
	if (bi) {
		int argc = 0;

		while (argv[argc])
			argc++;
		sh_exit(sh, sh_run_builtin(sh, bi, argc, argv));
	}
	exec_external(sh, argv);
}

void sh_exec_replace(struct sh *sh, char **argv)
{
	exec_external(sh, argv);
}

void sh_exec_replace_as(struct sh *sh, const char *cmd, char **argv)
{
	exec_as(sh, cmd, argv);
}

/* Forks and runs an external command, waiting for it (used by `command`). */
int sh_exec_external_wait(struct sh *sh, char **argv)
{
	struct job *j = job_new(sh, 1, argv[0]);
	pid_t pid = fork_job(sh, j, 0, true);

	if (pid == 0)
		exec_external(sh, argv);
	int st = job_wait(sh, j);
	job_free(sh, j);
	return st;
}

int sh_run_as_job(struct sh *sh, const char *text, int (*fn)(void *), void *arg)
{
	struct job *j = job_new(sh, 1, text);
	pid_t pid;

	fflush(NULL);
	pid = fork_job(sh, j, 0, true);
	if (pid == 0) {
		int st = fn(arg);

		fflush(NULL);
		_exit(st);
	}
	int st = job_wait(sh, j);
	job_free(sh, j);
	return st;
}

/* ------------------------------------------------------------------ */
/* Simple commands */

struct tmpvar {
	struct tmpvar *next;
	char *name;
	char *value;
	int flags;
	bool existed;
};

/* The shell's standard error before the redirections made since mark:
 * set -x traces a command there. */
static int stderr_before(struct sh *sh, struct savedfd *mark)
{
	for (struct savedfd *s = sh->saved; s && s != mark; s = s->next)
		if (s->fd == 2)
			return s->saved;
	return 2;
}

/* PS4 after parameter expansion, command substitution and arithmetic
 * expansion (POSIX), without tracing the commands that takes and with
 * set -u off while it runs; NULL when unset.  An expansion error leaves
 * PS4 as it is written, and the shell goes on. */
static char *ps4_expanded(struct sh *sh)
{
	static bool busy;
	const char *ps4 = sh_getvar(sh, "PS4");
	jmp_buf jb, *savejmp = sh->jmp;
	char *volatile r = NULL;

	if (!ps4 || busy || (!strchr(ps4, '$') && !strchr(ps4, '`')))
		return ps4 ? xstrdup(ps4) : NULL;
	bool xtrace = sh->opts[OPT_XTRACE], nounset = sh->opts[OPT_NOUNSET];
	busy = true;
	sh->opts[OPT_XTRACE] = sh->opts[OPT_NOUNSET] = false;
	if (!setjmp(jb)) {
		sh->jmp = &jb;
		sh->recover = true; /* a script goes on too, as in bash */
		r = sh_expand_string(sh, ps4);
	}
	sh->recover = false;
	sh->jmp = savejmp;
	sh->opts[OPT_XTRACE] = xtrace;
	sh->opts[OPT_NOUNSET] = nounset;
	busy = false;
	return r ? r : xstrdup(ps4);
}

/* The trace line: ps4 (freed here), then the words, quoted. */
static void xtrace_ps4(char *ps4, int fd, struct strlist *assigns, int argc,
		       char **argv)
{
	struct cs_buf b = CS_BUF_INIT;

	if (ps4)
		cs_buf_adds(&b, ps4);
	free(ps4);
	for (int i = 0; assigns && i < assigns->n; i++) {
		char *eq = strchr(assigns->v[i], '=');
		cs_buf_add(&b, assigns->v[i], eq - assigns->v[i] + 1);
		sh_quote(&b, eq + 1);
		cs_buf_addc(&b, ' ');
	}
	for (int i = 0; i < argc; i++) {
		sh_quote(&b, argv[i]);
		if (i + 1 < argc)
			cs_buf_addc(&b, ' ');
	}
	if (b.len && b.buf[b.len - 1] == ' ')
		b.len--;
	cs_buf_addc(&b, '\n');
	fflush(stdout);
	if (fd >= 0)
		cs_write_all(fd, b.buf, b.len);
	cs_buf_release(&b);
}

static void xtrace(struct sh *sh, int fd, struct strlist *assigns, int argc,
		   char **argv)
{
	xtrace_ps4(ps4_expanded(sh), fd, assigns, argc, argv);
}

/* (( expression )): 0 when its value is not 0; an error raises as in
 * $(( )).  set -x shows it as bash does: `+ (( i = 1 ))`. */
static int eval_arith_command(struct sh *sh, struct node *n)
{
	char *e = sh_expand_parts(sh, n->u.arith->u.arith, 0);
	intmax_t v;

	if (sh->opts[OPT_XTRACE]) {
		struct cs_buf b = CS_BUF_INIT;
		char *ps4 = ps4_expanded(sh);
		cs_buf_addf(&b, "%s((%s))\n", ps4 ? ps4 : "", e);
		free(ps4);
		fflush(stdout);
		cs_write_all(2, b.buf, b.len);
		cs_buf_release(&b);
	}
	if (sh_arith(sh, e, &v) < 0)
		sh_raise(sh, SH_EXPAND_ERROR);
	return v == 0;
}

static void save_assign(struct sh *sh, const char *assign, struct tmpvar **head)
{
	char *eq = strchr(assign, '=');
	struct tmpvar *t = arena_zalloc(sh->stack, sizeof(*t));

	t->name = arena_strndup(sh->stack, assign, eq - assign);
	struct var *v = var_lookup(sh, t->name);
	if (v) {
		t->existed = true;
		t->value = v->value ? arena_strdup(sh->stack, v->value) : NULL;
		t->flags = v->flags;
	}
	t->next = *head;
	*head = t;
}

/* Expands and assigns the NAME=value words one by one, left to right, so
 * that each sees the ones before it (x=5 y=$((x+2)) cmd).  With saved,
 * the old values are kept there for restore_assigns.  The expanded words
 * are added to out (for set -x).  Returns -1 when a variable is readonly. */
static int assign_words(struct sh *sh, struct word *w, int flags,
			struct tmpvar **saved, struct strlist *out)
{
	for (; w; w = w->next) {
		sh->lineno = w->lineno;
		char *s = sh_expand_parts(sh, w->parts, EXP_TILDE | EXP_ASSIGN);
		strlist_add(sh, out, s);
		if (saved)
			save_assign(sh, s, saved);
		if (var_setn(sh, s, flags) < 0)
			return -1;
	}
	return 0;
}

/* The name of an assignment word (its first part starts "NAME="). */
static bool assigns_readonly(struct sh *sh, struct word *w)
{
	for (; w; w = w->next) {
		const char *s = w->parts->u.lit.text;
		size_t n = strcspn(s, "=");
		char *name = arena_strndup(sh->stack, s, n);
		struct var *v = var_lookup(sh, name);
		if (v && (v->flags & SH_VAR_READONLY)) {
			sh->lineno = w->lineno;
			sh_err(sh, "%s: is read only", name);
			return true;
		}
	}
	return false;
}

static void restore_assigns(struct sh *sh, struct tmpvar *t)
{
	for (; t; t = t->next) {
		struct var *v = var_lookup(sh, t->name);
		if (v && (v->flags & SH_VAR_READONLY))
			continue;
		if (!t->existed || !t->value) {
			sh_unsetvar(sh, t->name);
			if (t->existed && t->flags)
				var_set(sh, t->name, NULL, t->flags);
			continue;
		}
		if (v)
			v->flags = 0;
		var_set(sh, t->name, t->value, t->flags);
	}
}

/* Is this `exec`, or `exec` run through `command` (options -p, --)?
 * Its redirections then stay in the shell. */
static bool runs_exec(struct strlist *args)
{
	int i = 0;

	while (i < args->n && !strcmp(args->v[i], "command")) {
		for (i++; i < args->n && args->v[i][0] == '-'; i++) {
			if (!strcmp(args->v[i], "--")) {
				i++;
				break;
			}
			if (strspn(args->v[i] + 1, "p") !=
			    strlen(args->v[i] + 1))
				return false; /* -v, -V: only describes */
		}
	}
	return i < args->n && !strcmp(args->v[i], "exec");
}

/* *last: its last word, for $_ (on sh->stack) */
static int eval_cmd(struct sh *sh, struct node *n, int flags, char **last)
{
	struct strlist args = { 0 }, assigns = { 0 };
	const struct builtin *bi = NULL;
	struct func *fn = NULL;
	int status;

	sh->lineno = n->lineno;
	sh->cmdsub_status = 0;
	sh_expand_words(sh, n->u.cmd.args, EXP_FULL | EXP_TILDE | EXP_COMMAND,
			&args);
	*last = args.n ? args.v[args.n - 1] : "";

	if (args.n == 0) {
		/* assignments and redirections only: assigned left to right,
		 * the status is that of the last command substitution */
		struct savedfd *mark = sh->saved;
		if (n->redirs && sh_redirect(sh, n->redirs, true) < 0) {
			sh_redirect_undo(sh, mark);
			return SH_REDIR_STATUS;
		}
		for (struct word *w = n->u.cmd.assigns; w; w = w->next) {
			struct strlist one = { 0 };
			struct word save = *w;
			save.next = NULL;
			/* PS4 as before the assignment (bash: +$x: x=1) */
			bool trace = sh->opts[OPT_XTRACE];
			char *ps4 = trace ? ps4_expanded(sh) : NULL;
			int r = assign_words(sh, &save, 0, NULL, &one);
			if (trace)
				xtrace_ps4(ps4, 2, &one, 0, NULL);
			if (r < 0) {
				sh_redirect_undo(sh, mark);
				if (!sh->opts[OPT_INTERACTIVE])
					sh_raise(sh, SH_EXPAND_ERROR);
				return 1;
			}
		}
		status = sh->cmdsub_status;
		sh_redirect_undo(sh, mark);
		return status;
	}

	const char *name = args.v[0];
	const char *spec = NULL; /* what the targets were named by */
	struct sh_targets targets = { 0 };
	bool explicit_host = false;
	/* a Cshellfile: its own builtins, and no programs or targets */
	if (sh->up)
		bi = sh_up_builtin(sh, name, n->u.cmd.target != NULL);
	if (n->u.cmd.target && !bi) {
		struct cs_error err = CS_ERROR_INIT;
		spec = sh_expand_word(sh, n->u.cmd.target, 0) + 1;
		if (sh_targets_resolve(spec, &targets, &err) < 0) {
			sh_err(sh, "%s", err.msg);
			cs_error_release(&err);
			return 2;
		}
		/* `@host cmd`: here, as if no target were named */
		if (targets.n == 1 && targets.v[0].be->local) {
			sh_targets_release(&targets);
			explicit_host = true;
		}
	}
	if (!bi && !targets.n && !strchr(name, '/')) {
		bi = sh_builtin(sh, name);
		if (!bi || !bi->special) {
			fn = sh_find_func(sh, name);
			if (fn)
				bi = NULL;
		}
	}
	/* after `enter T`, external commands go to T; builtins and
	 * functions stay in this shell, `@host cmd` stays on the host */
	if (!targets.n && !bi && !fn && !explicit_host && sh->entered) {
		struct cs_error err = CS_ERROR_INIT;
		spec = sh->entered;
		if (sh_targets_resolve(spec, &targets, &err) < 0) {
			sh_err(sh,
			       "%s (entered; 'leave' goes back to the host)",
			       err.msg);
			cs_error_release(&err);
			return 2;
		}
	}

	/* `exec @dev cmd`: the shell ends with cmd, which runs in dev */
	bool exec_routed = false;
	if (targets.n && !strcmp(name, "exec") && n->u.cmd.target) {
		if (args.n < 2) {
			sh_err(sh, "exec: '@%s' needs a command", spec);
			sh_targets_release(&targets);
			return 2;
		}
		args.v++;
		args.n--;
		name = args.v[0];
		exec_routed = true;
		flags |= EV_EXIT;
	}
	if (!bi && !fn) {
		/* external (or routed): fork unless this process ends anyway */
		pid_t pid = 0;
		bool direct = (flags & EV_EXIT) && !sh->traps[0];
		struct job *j = NULL;
		int statusp[2] = { -1, -1 };
		/* a readonly variable: an assignment error, fatal (XCU 2.8.1);
		 * checked here, the child would only fail itself */
		if (assigns_readonly(sh, n->u.cmd.assigns))
			sh_raise(sh, SH_EXPAND_ERROR);
		/* searched here, not in the child, so that `hash` remembers */
		if (!targets.n)
			sh_find_command(sh, name, NULL);
		if (targets.n > 1 && pipe2(statusp, O_CLOEXEC) < 0)
			statusp[0] = statusp[1] = -1;
		if (!direct) {
			j = job_new(sh, 1, NULL);
			j->cmdtext = job_text_argv(args.n, args.v, spec);
			pid = fork_job(sh, j, 0, true);
		}
		if (pid == 0) {
			/* the trace goes where stderr was before redirection */
			if (assign_words(sh, n->u.cmd.assigns, SH_VAR_EXPORT,
					 NULL, &assigns) < 0)
				_exit(2);
			if (sh->opts[OPT_XTRACE])
				xtrace(sh, 2, &assigns, args.n, args.v);
			if (n->redirs && sh_redirect(sh, n->redirs, false) < 0)
				_exit(SH_REDIR_STATUS);
			if (targets.n > 1)
				sh_fanout(sh, &targets, args.v, statusp[1]);
			if (targets.n == 1)
				sh_run_routed(sh, &targets.v[0], args.v);
			exec_external(sh, args.v);
		}
		if (statusp[1] >= 0)
			close(statusp[1]);
		status = job_wait(sh, j);
		if (statusp[0] >= 0) {
			sh_fanout_statuses(sh, statusp[0], j);
			close(statusp[0]);
		}
		job_free(sh, j);
		sh_targets_release(&targets);
		if (exec_routed)
			sh_exit(sh, status);
		return status;
	}

	/* builtin or function: in this shell */
	struct savedfd *mark = sh->saved;
	bool is_exec = bi && runs_exec(&args);
	bool special = bi && bi->special;
	struct tmpvar *saved = NULL;
	if (n->redirs && sh_redirect(sh, n->redirs, !is_exec) < 0) {
		sh_redirect_undo(sh, mark);
		if (special)
			return sh_special_error(sh, 2);
		return SH_REDIR_STATUS;
	}
	/* before a special builtin they stay (exported when exec runs a
	 * command: it must see them); before others they are undone */
	int r = assign_words(
		sh, n->u.cmd.assigns,
		special ? (is_exec && args.n > 1 ? SH_VAR_EXPORT : 0) :
			  SH_VAR_EXPORT,
		special ? NULL : &saved, &assigns);
	if (r < 0) {
		/* an assignment error ends a non-interactive shell, whatever
		 * the command (XCU 2.8.1) */
		restore_assigns(sh, saved);
		sh_redirect_undo(sh, mark);
		sh_raise(sh, SH_EXPAND_ERROR);
	}
	if (sh->opts[OPT_XTRACE])
		xtrace(sh, stderr_before(sh, mark), &assigns, args.n, args.v);
	if (fn) {
		status = sh_call_func(sh, fn, args.n, args.v, flags);
	} else {
		/* eval and . run their commands in this command's context */
		int save = sh->bi_flags;
		sh->bi_flags = flags & EV_TESTED;
		status = sh_run_builtin(sh, bi, args.n, args.v);
		sh->bi_flags = save;
	}
	if (saved)
		restore_assigns(sh, saved);
	if (is_exec)
		mark = sh->saved; /* exec's redirections stay */
	sh_redirect_undo(sh, mark);
	return status;
}

/* ------------------------------------------------------------------ */
/* Compound commands */

/* $PIPESTATUS (an extension): the statuses of the last pipeline's
 * commands, space-separated as cshell has no arrays. */
static void set_pipestatus(struct sh *sh, const struct job *j, int status)
{
	char buf[64];
	struct cs_buf b = CS_BUF_INIT;

	if (!sh_compat_extensions(sh))
		return;
	if (!j) {
		const struct var *now = var_lookup(sh, "PIPESTATUS");

		snprintf(buf, sizeof(buf), "%d", status);
		/* after every command: mostly the value it has */
		if (!now || !now->value || strcmp(now->value, buf))
			var_set(sh, "PIPESTATUS", buf, 0);
		return;
	}
	for (int i = 0; i < j->nprocs; i++) {
		snprintf(buf, sizeof(buf), "%s%d", i ? " " : "",
			 sh_waitstatus(j->procs[i].status));
		cs_buf_adds(&b, buf);
	}
	var_set(sh, "PIPESTATUS", b.buf ? b.buf : "", 0);
	cs_buf_release(&b);
}

static int run_pipe(struct sh *sh, struct node *n, int flags, bool bg)
{
	int prev = -1;

	if (n->u.pipe.n == 0)
		return 0; /* `time` alone */
	if (n->u.pipe.n == 1 && !bg) {
		/* `! cmd`: cmd runs in this shell (assignments, cd, return,
		 * exit, break act here); set -e ignores it */
		int st = sh_eval(sh, n->u.pipe.cmds[0],
				 (flags & ~EV_EXIT) | EV_TESTED);
		return n->u.pipe.negate ? !st : st;
	}
	struct job *j = job_new(sh, n->u.pipe.n, NULL);

	j->cmdtext = job_text_node(n);

	for (int i = 0; i < n->u.pipe.n; i++) {
		int pfd[2] = { -1, -1 };
		if (i + 1 < n->u.pipe.n && pipe2(pfd, O_CLOEXEC) < 0) {
			sh_err(sh, "cannot make a pipe: %s", strerror(errno));
			if (prev >= 0)
				close(prev);
			j->nprocs = i;
			job_wait(sh, j);
			job_free(sh, j);
			return 2;
		}
		pid_t pid = fork_job(sh, j, i, !bg);
		if (pid == 0) {
			if (prev >= 0) {
				dup2(prev, 0);
				close(prev);
			} else if (bg && !sh->opts[OPT_INTERACTIVE]) {
				int fd = open("/dev/null", O_RDONLY);
				if (fd > 0) {
					dup2(fd, 0);
					close(fd);
				}
			}
			if (pfd[1] >= 0) {
				dup2(pfd[1], 1);
				close(pfd[1]);
				close(pfd[0]);
			}
			int st = sh_eval(sh, n->u.pipe.cmds[i],
					 EV_EXIT | (flags & EV_TESTED));
			sh_exit(sh, st);
		}
		if (prev >= 0)
			close(prev);
		if (pfd[1] >= 0)
			close(pfd[1]);
		prev = pfd[0];
	}
	if (bg) {
		j->background = true;
		sh->lastbg = j->procs[j->nprocs - 1].pid;
		if (jobs_control_active(sh) && sh->opts[OPT_INTERACTIVE])
			fprintf(stderr, "[%d] %ld\n", j->id, (long)sh->lastbg);
		return 0;
	}
	int st = job_wait(sh, j);
	set_pipestatus(sh, j, st);
	job_free(sh, j);
	if (n->u.pipe.negate)
		st = !st;
	return st;
}

static double tv_sec(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* CPU seconds of the shell and its waited-for children. */
static void cpu_times(double *user, double *sys)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	*user = tv_sec(self.ru_utime) + tv_sec(kids.ru_utime);
	*sys = tv_sec(self.ru_stime) + tv_sec(kids.ru_stime);
}

static void print_duration(struct cs_buf *b, const char *name, double s)
{
	char tmp[64];
	int m = (int)(s / 60);

	snprintf(tmp, sizeof(tmp), "%s\t%dm%.3fs\n", name, m, s - m * 60);
	cs_buf_adds(b, tmp);
}

/* `time [-p] pipeline` (an extension): real, user and system time of the
 * pipeline on the shell's standard error, as bash prints them; -p in the
 * format of POSIX time(1). */
static int eval_pipe(struct sh *sh, struct node *n, int flags, bool bg)
{
	struct timespec t0, t1;
	double u0, s0, u1, s1;
	struct cs_buf b = CS_BUF_INIT;
	char tmp[128];

	if (!n->u.pipe.timed || bg)
		return run_pipe(sh, n, flags, bg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cpu_times(&u0, &s0);
	int st = run_pipe(sh, n, flags & ~EV_EXIT, bg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cpu_times(&u1, &s1);
	double real = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (n->u.pipe.time_posix) {
		snprintf(tmp, sizeof(tmp), "real %.2f\nuser %.2f\nsys %.2f\n",
			 real, u1 - u0, s1 - s0);
		cs_buf_adds(&b, tmp);
	} else {
		cs_buf_addc(&b, '\n');
		print_duration(&b, "real", real);
		print_duration(&b, "user", u1 - u0);
		print_duration(&b, "sys", s1 - s0);
	}
	fflush(stdout);
	cs_write_all(2, b.buf, b.len);
	cs_buf_release(&b);
	return st;
}

static int eval_subshell(struct sh *sh, struct node *n, int flags)
{
	if (flags & EV_EXIT) {
		struct savedfd *mark = sh->saved;
		if (n->redirs && sh_redirect(sh, n->redirs, false) < 0)
			return SH_REDIR_STATUS;
		int st = sh_eval(sh, n->u.sub, flags);
		sh_redirect_undo(sh, mark);
		return st;
	}
	struct job *j = job_new(sh, 1, NULL);
	j->cmdtext = job_text_node(n);
	pid_t pid = fork_job(sh, j, 0, true);
	if (pid == 0) {
		if (n->redirs && sh_redirect(sh, n->redirs, false) < 0)
			_exit(SH_REDIR_STATUS);
		sh_exit(sh,
			sh_eval(sh, n->u.sub, EV_EXIT | (flags & EV_TESTED)));
	}
	int st = job_wait(sh, j);
	job_free(sh, j);
	return st;
}

static int eval_bg(struct sh *sh, struct node *n)
{
	struct node *sub = n->u.sub;

	if (sub->type == N_PIPE && !sub->u.pipe.negate && !sub->u.pipe.timed)
		return eval_pipe(sh, sub, 0, true);
	struct job *j = job_new(sh, 1, NULL);
	j->cmdtext = job_text_node(sub);
	j->background = true;
	pid_t pid = fork_job(sh, j, 0, false);
	if (pid == 0) {
		if (!sh->opts[OPT_INTERACTIVE]) {
			signal(SIGINT, SIG_IGN);
			signal(SIGQUIT, SIG_IGN);
			int fd = open("/dev/null", O_RDONLY);
			if (fd > 0) {
				dup2(fd, 0);
				close(fd);
			}
		}
		sh_exit(sh, sh_eval(sh, sub, EV_EXIT));
	}
	sh->lastbg = pid;
	if (jobs_control_active(sh) && sh->opts[OPT_INTERACTIVE])
		fprintf(stderr, "[%d] %ld\n", j->id, (long)pid);
	return 0;
}

/* Handles break/continue at the end of one loop iteration.  Returns true
 * when the loop must stop. */
static bool loop_skip(struct sh *sh)
{
	if (sh->skip == SKIP_CONT && --sh->skipcount <= 0) {
		sh->skip = SKIP_NONE;
		return false;
	}
	if (sh->skip == SKIP_BREAK && --sh->skipcount <= 0)
		sh->skip = SKIP_NONE;
	return true;
}

static int eval_loop(struct sh *sh, struct node *n, int flags)
{
	int status = 0;
	bool want = n->type == N_WHILE;

	sh->loopdepth++;
	for (;;) {
		int c = sh_eval(sh, n->u.ifs.cond, EV_TESTED);
		if (sh->skip) {
			if (loop_skip(sh))
				break;
			continue;
		}
		if ((c == 0) != want)
			break;
		status = sh_eval(sh, n->u.ifs.then, flags & EV_TESTED);
		if (sh->skip && loop_skip(sh))
			break;
	}
	sh->loopdepth--;
	return status;
}

/* The value of a WP_ARITH part (its expansion released at once: a loop
 * evaluates it again and again); an error raises. */
static intmax_t arith_value(struct sh *sh, struct wpart *w)
{
	struct arena_mark m;
	intmax_t v;

	arena_mark(sh->stack, &m);
	char *e = sh_expand_parts(sh, w->u.arith, 0);
	int r = sh_arith(sh, e, &v);
	arena_release(sh->stack, &m);
	if (r < 0)
		sh_raise(sh, SH_EXPAND_ERROR);
	return v;
}

/* for ((init; cond; step)) (bash, ksh): an empty cond is true. */
static int eval_for_arith(struct sh *sh, struct node *n, int flags)
{
	struct wpart **e = n->u.fors.arith;
	int status = 0;

	arith_value(sh, e[0]);
	sh->loopdepth++;
	for (;;) {
		sh->lineno = n->lineno; /* $LINENO in cond and step */
		if (e[1]->u.arith && !arith_value(sh, e[1]))
			break;
		status = sh_eval(sh, n->u.fors.body, flags & EV_TESTED);
		if (sh->skip && loop_skip(sh))
			break;
		sh->lineno = n->lineno;
		arith_value(sh, e[2]);
	}
	sh->loopdepth--;
	return status;
}

static int eval_for(struct sh *sh, struct node *n, int flags)
{
	struct strlist items = { 0 };
	int status = 0;

	sh->lineno = n->lineno;
	if (!n->u.fors.var)
		return eval_for_arith(sh, n, flags);
	if (n->u.fors.have_in) {
		sh_expand_words(sh, n->u.fors.list, EXP_FULL | EXP_TILDE,
				&items);
	} else {
		for (int i = 0; i < sh->params.n; i++)
			strlist_add(sh, &items, sh->params.v[i]);
	}
	sh->loopdepth++;
	for (int i = 0; i < items.n; i++) {
		if (sh_setvar(sh, n->u.fors.var, items.v[i], 0) < 0) {
			status = 1;
			break;
		}
		status = sh_eval(sh, n->u.fors.body, flags & EV_TESTED);
		if (sh->skip && loop_skip(sh))
			break;
	}
	sh->loopdepth--;
	return status;
}

static bool case_item_matches(struct sh *sh, struct case_item *ci,
			      const char *subject)
{
	for (struct word *w = ci->patterns; w; w = w->next) {
		char *pat =
			sh_expand_parts(sh, w->parts, EXP_PATTERN | EXP_TILDE);
		if (sh_pmatch(pat, subject))
			return true;
	}
	return false;
}

static int eval_case(struct sh *sh, struct node *n, int flags)
{
	sh->lineno = n->lineno;
	char *subject = sh_expand_word(sh, n->u.cases.subject, EXP_TILDE);
	struct case_item *ci = n->u.cases.items;
	int status = 0;

	while (ci) {
		if (!case_item_matches(sh, ci, subject)) {
			ci = ci->next;
			continue;
		}
		/* ;& runs the following bodies, unmatched, up to a ;; */
		for (;;) {
			status = ci->body ? sh_eval(sh, ci->body, flags) : 0;
			if (sh->skip || ci->term != CASE_FALL || !ci->next)
				break;
			ci = ci->next;
		}
		if (sh->skip || ci->term != CASE_RETEST)
			break;
		ci = ci->next;
	}
	return status;
}

static int eval_compound(struct sh *sh, struct node *n, int flags)
{
	switch (n->type) {
	case N_GROUP:
		return sh_eval(sh, n->u.sub, flags);
	case N_IF: {
		int c = sh_eval(sh, n->u.ifs.cond, EV_TESTED);
		if (sh->skip)
			return c;
		if (c == 0)
			return sh_eval(sh, n->u.ifs.then, flags);
		if (n->u.ifs.els)
			return sh_eval(sh, n->u.ifs.els, flags);
		return 0;
	}
	case N_WHILE:
	case N_UNTIL:
		return eval_loop(sh, n, flags);
	case N_FOR:
		return eval_for(sh, n, flags);
	case N_CASE:
		return eval_case(sh, n, flags);
	default:
		return 0;
	}
}

int sh_eval(struct sh *sh, struct node *n, int flags)
{
	int status = 0;
	bool checkexit = false;
	struct arena_mark mark;

	if (!n)
		return 0;
	/* set -n: read commands, run none (an interactive shell ignores it) */
	if (sh->opts[OPT_NOEXEC] && !sh->opts[OPT_INTERACTIVE])
		return 0;
	if (++sh->evaldepth > MAX_EVAL_DEPTH) {
		sh->evaldepth = 0;
		sh_err(sh, "evaluation nested too deeply (recursion?)");
		sh_raise(sh, 2);
	}
	arena_mark(sh->stack, &mark);
	sh->errexit_ignored = flags & EV_TESTED;
	switch (n->type) {
	case N_CMD: {
		char *last = NULL;
		status = eval_cmd(sh, n, flags, &last);
		if (last)
			var_set_lastarg(sh, last);
		set_pipestatus(sh, NULL, status);
		checkexit = true;
		break;
	}
	case N_PIPE:
		status = eval_pipe(sh, n, flags, false);
		checkexit = !n->u.pipe.negate;
		break;
	case N_ANDOR:
		status = sh_eval(sh, n->u.andor.cmds[0], EV_TESTED);
		for (int i = 1; i < n->u.andor.n && !sh->skip; i++) {
			char op = n->u.andor.ops[i - 1];
			if ((op == '&') != (status == 0))
				continue;
			bool last = i == n->u.andor.n - 1;
			status = sh_eval(sh, n->u.andor.cmds[i],
					 last ? flags : EV_TESTED);
		}
		break;
	case N_LIST:
		for (int i = 0; i < n->u.list.n; i++) {
			bool last = i == n->u.list.n - 1;
			status = sh_eval(sh, n->u.list.cmds[i],
					 last ? flags : flags & ~EV_EXIT);
			if (sh->skip)
				break;
			jobs_reap_pending(sh);
			if (sh->anypending)
				trap_run_pending(sh);
		}
		break;
	case N_BG:
		status = eval_bg(sh, n);
		break;
	case N_NOT:
		status = !sh_eval(sh, n->u.sub, EV_TESTED);
		break;
	case N_SUBSHELL:
		status = eval_subshell(sh, n, flags);
		set_pipestatus(sh, NULL, status);
		checkexit = true;
		break;
	case N_FUNCDEF:
		sh_define_func(sh, n->u.func.name, n->u.func.body, NULL);
		status = 0;
		break;
	case N_DBRACKET:
	case N_ARITH: {
		/* [[ ]] and (( )): tests, so set -e applies as to a command,
		 * also when a redirection fails */
		struct savedfd *smark = sh->saved;
		sh->lineno = n->lineno;
		checkexit = true;
		if (n->redirs && sh_redirect(sh, n->redirs, true) < 0) {
			/* the command fails: set -e sees it (XCU 2.8.1) */
			sh_redirect_undo(sh, smark);
			status = SH_REDIR_STATUS;
			checkexit = true;
			break;
		}
		if (n->type == N_ARITH)
			status = eval_arith_command(sh, n);
		else
			status = sh_eval_dbracket(sh, n);
		sh_redirect_undo(sh, smark);
		checkexit = true;
		break;
	}
	default: {
		struct savedfd *smark = sh->saved;
		if (n->redirs && sh_redirect(sh, n->redirs, true) < 0) {
			/* the command fails: set -e sees it (XCU 2.8.1) */
			sh_redirect_undo(sh, smark);
			status = SH_REDIR_STATUS;
			checkexit = true;
			break;
		}
		status = eval_compound(sh, n, flags & ~EV_EXIT);
		sh_redirect_undo(sh, smark);
		break;
	}
	}
	arena_release(sh->stack, &mark);
	sh->evaldepth--;
	if (sh->skip == SKIP_FUNC)
		status = sh->status; /* set by return */
	else
		sh->status = status;
	if (checkexit && status && sh->opts[OPT_ERREXIT] &&
	    !(flags & EV_TESTED) && !sh->skip)
		sh_exit(sh, status);
	if ((flags & EV_EXIT) && !sh->skip)
		sh_exit(sh, status);
	return status;
}

/* ------------------------------------------------------------------ */
/* Capturing a child's output: command substitution, helper programs */

static int wait_child(struct sh *sh, pid_t pid)
{
	struct job *j = job_new(sh, 1, NULL);
	j->procs[0].pid = pid;
	int st = job_wait(sh, j);
	job_free(sh, j);
	return st;
}

/* Forks a child with its standard output on a pipe that is read into out
 * (standard error to /dev/null when quiet); child() runs in it and does
 * not return.  Returns the child's status; *rd gets the read result. */
static int capture(struct sh *sh, void (*child)(struct sh *, void *), void *arg,
		   struct cs_buf *out, bool quiet, ssize_t *rd)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		sh_err(sh, "cannot make a pipe: %s", strerror(errno));
		sh_raise(sh, 2);
	}
	pid_t pid = sh_fork(sh);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 1);
		close(pfd[1]);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
			if (null >= 0)
				dup2(null, 2);
		}
		child(sh, arg);
	}
	close(pfd[1]);
	*rd = cs_buf_read_fd(out, pfd[0]);
	close(pfd[0]);
	return wait_child(sh, pid);
}

static void __attribute__((noreturn)) eval_child(struct sh *sh, void *n)
{
	sh_exit(sh, sh_eval(sh, n,
			    EV_EXIT | (sh->errexit_ignored ? EV_TESTED : 0)));
}

static void __attribute__((noreturn)) exec_child(struct sh *sh, void *argv)
{
	exec_external(sh, argv);
}

/* $(<file) (ksh, bash; POSIX leaves a substitution of redirections only
 * unspecified): one simple command of nothing but `<file`. */
static bool reads_file(const struct node *n)
{
	const struct redir *r = n->redirs;

	return n->type == N_CMD && !n->u.cmd.args && !n->u.cmd.assigns &&
	       !n->u.cmd.target && r && !r->next && r->type == R_IN &&
	       r->fd == 0;
}

/* The file's contents on stdout, as `cat <file` without the fork. */
static void __attribute__((noreturn)) read_file_child(struct sh *sh, void *n)
{
	char buf[16384];
	ssize_t k;

	if (sh_redirect(sh, ((struct node *)n)->redirs, false) < 0)
		sh_exit(sh, SH_REDIR_STATUS);
	while ((k = read(0, buf, sizeof(buf))) > 0)
		if (cs_write_all(1, buf, k) < 0)
			break;
	sh_exit(sh, k < 0);
}

int sh_cmdsub(struct sh *sh, struct node *n, struct cs_buf *out)
{
	ssize_t r;

	if (!n)
		return 0;
	int st = capture(sh, reads_file(n) ? read_file_child : eval_child, n,
			 out, false, &r);
	if (r == -E2BIG) {
		sh_err(sh, "command substitution output larger than %u bytes",
		       CMDSUB_CAP);
		sh_raise(sh, 2);
	}
	return st;
}

int sh_capture(struct sh *sh, char **argv, struct cs_buf *out, bool quiet)
{
	ssize_t r;
	int st = capture(sh, exec_child, argv, out, quiet, &r);

	return r < 0 && !st ? 1 : st;
}

/* ------------------------------------------------------------------ */
/* Running sources */

int sh_run_source(struct sh *sh, bool toplevel)
{
	volatile int status = 0;
	struct node *n;
	struct arena *a;
	jmp_buf jb, *savejmp = sh->jmp;
	struct source *mysrc = sh->src;

	if (toplevel && sh->opts[OPT_INTERACTIVE]) {
		if (setjmp(jb)) {
			/* an error in an interactive shell: back to the prompt */
			sh_redirect_undo(sh, NULL);
			while (sh->src && sh->src != mysrc)
				src_pop(sh);
			var_pop_locals(sh, NULL);
			sh->skip = SKIP_NONE;
			sh->loopdepth = sh->funcdepth = sh->evaldepth = 0;
			status = sh->status;
		}
		sh->jmp = &jb;
	}
	for (;;) {
		if (toplevel && sh->opts[OPT_INTERACTIVE])
			jobs_notify(sh);
		enum parse_result r = sh_parse_command(sh, &n, &a);
		if (toplevel && sh->opts[OPT_INTERACTIVE])
			sh_history_commit(sh);
		if (r == PARSE_EOF)
			break;
		if (r == PARSE_ERROR) {
			status = 2;
			sh->status = 2;
			if (!sh->opts[OPT_INTERACTIVE])
				sh_exit(sh, 2);
			continue;
		}
		if (n && !sh->opts[OPT_NOEXEC]) {
			struct arena *save = sh->cur_arena;
			sh->cur_arena = a;
			status = sh_eval(sh, n, toplevel ? 0 : sh->bi_flags);
			sh->cur_arena = save;
		}
		arena_unref(a);
		jobs_reap_pending(sh);
		if (sh->anypending)
			trap_run_pending(sh);
		if (sh->skip)
			break;
	}
	sh->jmp = savejmp;
	return status;
}

int sh_eval_string(struct sh *sh, const char *s, const char *name)
{
	struct source *mine;
	int status = 0;

	(void)name;
	src_push_string(sh, s, strlen(s), sh->lineno);
	mine = sh->src;
	for (;;) {
		struct node *n;
		struct arena *a;
		enum parse_result r = sh_parse_command(sh, &n, &a);
		if (r == PARSE_EOF)
			break;
		if (r == PARSE_ERROR) {
			status = 2;
			while (sh->src && sh->src != mine)
				src_pop(sh);
			src_pop(sh);
			if (!sh->opts[OPT_INTERACTIVE])
				sh_raise(sh, 2);
			return status;
		}
		if (n) {
			struct arena *save = sh->cur_arena;
			sh->cur_arena = a;
			status = sh_eval(sh, n, sh->bi_flags);
			sh->cur_arena = save;
		}
		arena_unref(a);
		if (sh->skip)
			break;
	}
	while (sh->src && sh->src != mine)
		src_pop(sh);
	if (sh->src == mine)
		src_pop(sh);
	return status;
}

char *sh_helper_path_dup(const char *name)
{
	char *slash = strrchr(self_exe, '/');

	if (slash) {
		char *p = xasprintf("%.*s/%s", (int)(slash - self_exe),
				    self_exe, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(name);
}

char *sh_helper_path(struct sh *sh, const char *name)
{
	_cleanup_free_ char *p = sh_helper_path_dup(name);

	return arena_strdup(sh->stack, p);
}

void sh_init_self_exe(void)
{
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n > 0)
		self_exe[n] = 0;
	else
		strcpy(self_exe, "/bin/sh");
}
