/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * builtins.c — looking builtins up in their table (generated from the
 * SH_BUILTINS lists of the module.mk files: scripts/gen-sh-tables.sh),
 * running them, and the builtins of the interpreter's core (control flow,
 * variables, functions, command lookup).  The others, each defined with
 * its help and completion data by SH_BUILTIN, live with what they drive: cd and pwd in cd.c, alias in alias.c, set
 * and the options in options.c, wait/jobs/fg/bg in jobs.c, enter and
 * leave in target.c, trap and kill in trap.c; self-contained ones (test,
 * printf, read, getopts, umask, echo, ulimit) in bi_*.c; the sandbox,
 * image, host and monitor front ends in their own bi_*.c.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>

#include "shell/shell_i.h"

/* `command -p`: a PATH that finds the standard utilities */
#define DEFAULT_PATH                                                           \
	"/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

/* ------------------------------------------------------------------ */
/* helpers */

static bool parse_int(const char *s, long *out)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

const char *sh_getenv(struct sh *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);

	return v && (v->flags & SH_VAR_EXPORT) ? v->value : NULL;
}

int sh_bi_usage(struct sh *sh, const char *fmt, const char *arg)
{
	sh_err(sh, fmt, arg);
	return 2;
}

/* ------------------------------------------------------------------ */
/* special builtins */

static int bi_colon(struct sh *sh, int argc, char **argv)
{
	(void)sh, (void)argc, (void)argv;
	return 0;
}

static int bi_false(struct sh *sh, int argc, char **argv)
{
	(void)sh, (void)argc, (void)argv;
	return 1;
}

static int bi_breakcont(struct sh *sh, int argc, char **argv)
{
	long n = 1;

	if (argc > 2) {
		sh_err(sh, "%s: too many arguments", argv[0]);
		return sh_special_error(sh, 2);
	}
	if (argc > 1 && (!parse_int(argv[1], &n) || n < 1)) {
		sh_err(sh, "%s: bad loop count '%s'", argv[0], argv[1]);
		return sh_special_error(sh, 2);
	}
	if (sh->loopdepth == 0)
		return 0;
	if (n > sh->loopdepth)
		n = sh->loopdepth;
	sh->skip = argv[0][0] == 'b' ? SKIP_BREAK : SKIP_CONT;
	sh->skipcount = n;
	return 0;
}

static int bi_return(struct sh *sh, int argc, char **argv)
{
	long n = sh->status;

	if (argc > 1 && !parse_int(argv[1], &n)) {
		sh_err(sh, "return: illegal number '%s'", argv[1]);
		return sh_special_error(sh, 2);
	}
	sh->skip = SKIP_FUNC;
	sh->skipcount = 0;
	/* the function's status from here on: enclosing commands (`!`, a
	 * loop condition) leave it alone while the return is under way */
	return sh->status = (int)(n & 0xff);
}

static int bi_exit(struct sh *sh, int argc, char **argv)
{
	long n = sh->status;

	if (argc > 1 && !parse_int(argv[1], &n)) {
		sh_err(sh, "exit: illegal number '%s'", argv[1]);
		sh_exit(sh, 2);
	}
	sh_exit(sh, (int)(n & 0xff));
}

static int bi_eval(struct sh *sh, int argc, char **argv)
{
	struct cs_buf b = CS_BUF_INIT;
	/* a leading -- is discarded, as in bash (XCU 2.15 lets a shell) */
	int first = argc > 1 && !strcmp(argv[1], "--") ? 2 : 1;

	if (argc <= first)
		return 0;
	for (int i = first; i < argc; i++) {
		if (i > first)
			cs_buf_addc(&b, ' ');
		cs_buf_adds(&b, argv[i]);
	}
	char *s = arena_strndup(sh->stack, b.buf, b.len);
	cs_buf_release(&b);
	/* $? stays that of the command before eval (XCU 2.15) */
	return sh_eval_string(sh, s, "eval");
}

static int bi_dot(struct sh *sh, int argc, char **argv);

static char *find_dot(struct sh *sh, const char *name)
{
	if (strchr(name, '/'))
		return (char *)name;
	const char *path = sh_getvar(sh, "PATH");
	if (!path)
		return NULL;
	size_t nl = strlen(name);
	for (const char *p = path;;) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		char *full = arena_alloc(sh->stack, dl + nl + 3);
		if (!dl)
			strcpy(full, ".");
		else
			memcpy(full, p, dl), full[dl] = 0;
		strcat(full, "/");
		strcat(full, name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			return full;
		if (!e)
			return NULL;
		p = e + 1;
	}
}

/* `. FILE ARG...` (bash; POSIX has one operand): the args are the
 * positional parameters while FILE runs, the caller's come back after. */
static int dot_with_args(struct sh *sh, int argc, char **argv)
{
	struct params saved = sh->params;

	params_set(&sh->params, argc - 2, argv + 2);
	int st = bi_dot(sh, 2, argv);
	params_free(&sh->params);
	sh->params = saved;
	return st;
}

static int bi_dot(struct sh *sh, int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--")) {
		argv[1] = argv[0]; /* `. -- FILE`: -- is discarded */
		return bi_dot(sh, argc - 1, argv + 1);
	}
	/* `source` is no special built-in: its errors return (bash: 1 for
	 * a file it cannot read, 2 for a usage error) */
	bool special = strcmp(argv[0], "source") != 0;
	if (argc < 2) {
		sh_err(sh, "%s: usage: %s FILE", argv[0], argv[0]);
		return special ? sh_special_error(sh, 2) : 2;
	}
	if (argc > 2)
		return dot_with_args(sh, argc, argv);
	char *path = find_dot(sh, argv[1]);
	/* and bash's source looks in the current directory last */
	if (!path && !special && access(argv[1], R_OK) == 0)
		path = arena_strdup(sh->stack, argv[1]);
	struct cs_buf b = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;
	if (!path || cs_read_file(path, &b, 256u << 20, &err) < 0) {
		sh_err(sh, "%s: cannot open '%s': %s", argv[0], argv[1],
		       path ? strerror(err.code) : "not found");
		cs_error_release(&err);
		return special ? sh_special_error(sh, 2) : 1;
	}
	size_t len = b.len;
	char *text = arena_strndup(sh->stack, b.buf, len);
	cs_buf_release(&b);
	if (strlen(text) != len) {
		sh_err(sh, "%s: '%s' contains a NUL byte", argv[0], argv[1]);
		return special ? sh_special_error(sh, 2) : 1;
	}
	int saveline = sh->lineno;
	src_push_string(sh, text, strlen(text), 1);
	struct source *mine = sh->src;
	int funcdepth = sh->funcdepth;
	int st = sh_run_source(sh, false);
	while (sh->src && sh->src != mine)
		src_pop(sh);
	if (sh->src == mine)
		src_pop(sh);
	if (sh->skip == SKIP_FUNC && sh->funcdepth == funcdepth)
		sh->skip = SKIP_NONE;
	sh->lineno = saveline;
	return sh->status = st;
}

static int bi_exec(struct sh *sh, int argc, char **argv)
{
	int i = 1;
	const char *name = NULL;

	/* -a NAME (bash): no POSIX script runs a command named -a */
	if (argc > 3 && !strcmp(argv[1], "-a")) {
		name = argv[2];
		i = 3;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return 0;
	if (!name)
		sh_exec_replace(sh, argv + i);
	const char *cmd = argv[i];
	argv[i] = (char *)name;
	sh_exec_replace_as(sh, cmd, argv + i);
}

/* The NAME of an operand NAME[=VALUE] of export, readonly or declare (on
 * sh->stack), *eq at its '=' or NULL; NULL after a message when NAME is
 * no valid name. */
static char *decl_name(struct sh *sh, const char *cmd, char *arg, char **eq)
{
	*eq = strchr(arg, '=');
	char *name = *eq ? arena_strndup(sh->stack, arg, *eq - arg) : arg;

	if (!sh_isname(name)) {
		sh_err(sh, "%s: '%s': not a valid name", cmd, name);
		return NULL;
	}
	return name;
}

static int export_like(struct sh *sh, int argc, char **argv, int flag)
{
	int i = 1, st = 0;
	bool unexport = false;

	if (i < argc && !strcmp(argv[i], "-p"))
		i++;
	else if (flag == SH_VAR_EXPORT && i < argc && !strcmp(argv[i], "-n"))
		unexport = true, i++; /* bash: take the export away */
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		var_list(sh, flag,
			 flag == SH_VAR_EXPORT ? "export" : "readonly");
		return 0;
	}
	for (; i < argc; i++) {
		char *eq, *name = decl_name(sh, argv[0], argv[i], &eq);
		if (!name) {
			st = 1;
			continue;
		}
		/* a readonly variable: an error of a special builtin, which
		 * ends a non-interactive shell (XCU 2.8.1) */
		int set = unexport ? 0 : flag;
		if (var_set(sh, name, eq ? eq + 1 : NULL, set) < 0) {
			st = sh_special_error(sh, 2);
			continue;
		}
		struct var *v = unexport ? var_lookup(sh, name) : NULL;
		if (v)
			v->flags &= ~SH_VAR_EXPORT;
	}
	return st;
}

static int bi_export(struct sh *sh, int argc, char **argv)
{
	return export_like(sh, argc, argv, SH_VAR_EXPORT);
}

static int bi_readonly(struct sh *sh, int argc, char **argv)
{
	return export_like(sh, argc, argv, SH_VAR_READONLY);
}

static void unset_func(struct sh *sh, const char *name)
{
	for (struct func **pp = &sh->funcs; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			struct func *f = *pp;
			*pp = f->next;
			arena_unref(f->arena);
			free(f->name);
			free(f);
			return;
		}
	}
}

static int bi_unset(struct sh *sh, int argc, char **argv)
{
	bool funcs = false;
	int i = 1, st = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-f"))
			funcs = true;
		else if (!strcmp(argv[i], "-v"))
			funcs = false;
		else
			return sh_bi_usage(sh, "unset: unknown option '%s'",
					   argv[i]);
	}
	for (; i < argc; i++) {
		if (funcs) {
			unset_func(sh, argv[i]);
			continue;
		}
		/* no such variable: the function of that name goes, as in
		 * bash (POSIX leaves it open) */
		if (!var_lookup(sh, argv[i]) && sh_find_func(sh, argv[i])) {
			unset_func(sh, argv[i]);
			continue;
		}
		if (sh_unsetvar(sh, argv[i]) < 0)
			st = sh_special_error(sh, 2);
	}
	return st;
}

static int bi_shift(struct sh *sh, int argc, char **argv)
{
	long n = 1;

	if (argc > 2) {
		sh_err(sh, "shift: too many arguments");
		return sh_special_error(sh, 2);
	}
	if (argc > 1 && (!parse_int(argv[1], &n) || n < 0)) {
		sh_err(sh, "shift: illegal number '%s'", argv[1]);
		return sh_special_error(sh, 2);
	}
	if (n > sh->params.n) {
		/* status 1 as in bash (dash: 2; POSIX: >0) */
		sh_err(sh, "shift: can't shift that many");
		return sh_special_error(sh, 1);
	}
	for (long i = 0; i < n; i++)
		free(sh->params.v[i]);
	memmove(sh->params.v, sh->params.v + n,
		(sh->params.n - n + 1) * sizeof(char *));
	sh->params.n -= n;
	return 0;
}

static void print_time(clock_t t, long hz)
{
	double s = (double)t / hz;
	int m = (int)(s / 60);
	printf("%dm%.3fs", m, s - m * 60);
}

static int bi_times(struct sh *sh, int argc, char **argv)
{
	struct tms t;
	long hz = sysconf(_SC_CLK_TCK);

	(void)sh, (void)argc, (void)argv;
	times(&t);
	print_time(t.tms_utime, hz);
	putchar(' ');
	print_time(t.tms_stime, hz);
	putchar('\n');
	print_time(t.tms_cutime, hz);
	putchar(' ');
	print_time(t.tms_cstime, hz);
	putchar('\n');
	return 0;
}

/* ------------------------------------------------------------------ */
/* functions, local */

struct func *sh_find_func(struct sh *sh, const char *name)
{
	for (struct func *f = sh->funcs; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

void sh_define_func(struct sh *sh, const char *name, struct node *body,
		    struct arena *a)
{
	struct func *f = sh_find_func(sh, name);

	if (!a)
		a = sh->cur_arena;
	if (a)
		arena_ref(a);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->name = xstrdup(name);
		f->next = sh->funcs;
		sh->funcs = f;
	} else {
		arena_unref(f->arena);
	}
	f->body = body;
	f->arena = a;
}

int sh_call_func(struct sh *sh, struct func *f, int argc, char **argv,
		 int flags)
{
	struct params save = sh->params;
	struct localsave *lmark = sh->locals;
	struct localsave *frame = xcalloc(1, sizeof(*frame));
	int saveloop = sh->loopdepth;
	struct arena *a = f->arena;
	struct node *body = f->body;
	int st;

	if (sh->funcdepth >= 1000) {
		sh_err(sh,
		       "%s: function nesting too deep (infinite recursion?)",
		       argv[0]);
		sh_raise(sh, 2);
	}
	frame->next = sh->locals;
	sh->locals = frame;
	params_set(&sh->params, argc - 1, argv + 1);
	sh->funcdepth++;
	sh->loopdepth = 0;
	if (a)
		arena_ref(a);
	st = sh_eval(sh, body, flags & EV_TESTED);
	if (a)
		arena_unref(a);
	if (sh->skip == SKIP_FUNC) {
		sh->skip = SKIP_NONE;
		st = sh->status;
	}
	sh->funcdepth--;
	sh->loopdepth = saveloop;
	var_pop_locals(sh, lmark);
	params_free(&sh->params);
	sh->params = save;
	return st;
}

static int bi_local(struct sh *sh, int argc, char **argv)
{
	int st = 0;

	if (!sh->funcdepth) {
		sh_err(sh, "local: not in a function");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *name =
			eq ? arena_strndup(sh->stack, argv[i], eq - argv[i]) :
			     argv[i];
		if (!strcmp(name, "-")) {
			var_local_options(sh);
			continue;
		}
		if (!sh_isname(name)) {
			sh_err(sh, "local: '%s': not a valid name", name);
			st = 1;
			continue;
		}
		var_local(sh, name);
		if (eq && var_set(sh, name, eq + 1, 0) < 0)
			st = 1;
	}
	return st;
}

/* The flag of a declare option letter (x, r), 0 for others. */
static int declare_flag(char c)
{
	return c == 'x' ? SH_VAR_EXPORT : c == 'r' ? SH_VAR_READONLY : 0;
}

static void declare_print(struct sh *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_adds(&b, "declare -");
	if (!(v->flags & (SH_VAR_EXPORT | SH_VAR_READONLY)))
		cs_buf_addc(&b, '-');
	if (v->flags & SH_VAR_READONLY)
		cs_buf_addc(&b, 'r');
	if (v->flags & SH_VAR_EXPORT)
		cs_buf_addc(&b, 'x');
	cs_buf_addf(&b, " %s", name);
	if (v->value) {
		cs_buf_adds(&b, "=\"");
		for (const char *c = v->value; *c; c++) {
			if (strchr("\"\\$`", *c))
				cs_buf_addc(&b, '\\');
			cs_buf_addc(&b, *c);
		}
		cs_buf_addc(&b, '"');
	}
	printf("%s\n", b.buf);
	cs_buf_release(&b);
}

/* bash's declare and typeset over the scalars cshell has: -x exports, -r
 * makes read-only, +x takes the export away; in a function the names are
 * local unless -g; -p prints them.  Arrays and the other attributes are
 * refused. */
enum decl_flags {
	DECL_GLOBAL = 1 << 0, /* -g */
	DECL_PRINT = 1 << 1,  /* -p */
};

/* One operand of declare: prints it (-p without a value) or sets it with
 * the attributes set (clear: those taken away).  -1 after a message. */
static int declare_one(struct sh *sh, const char *cmd, char *arg, int set,
		       int clear, int flags)
{
	char *eq, *name = decl_name(sh, cmd, arg, &eq);

	if (!name)
		return -1;
	if ((flags & DECL_PRINT) && !eq) {
		if (!var_lookup(sh, name)) {
			sh_err(sh, "%s: %s: not found", cmd, name);
			return -1;
		}
		declare_print(sh, name);
		return 0;
	}
	if (sh->funcdepth && !(flags & DECL_GLOBAL))
		var_local(sh, name);
	if (var_set(sh, name, eq ? eq + 1 : NULL, set) < 0)
		return -1;
	struct var *v = var_lookup(sh, name);
	if (v)
		v->flags &= ~(clear & SH_VAR_EXPORT);
	return 0;
}

#define DECLARE_UNSUPPORTED                                                    \
	"declare: '%s': unsupported option (cshell has no arrays, integer "    \
	"or reference variables)"

static int bi_declare(struct sh *sh, int argc, char **argv)
{
	int set = 0, clear = 0, i = 1, st = 0;
	bool global = false, print = false;

	for (; i < argc && strchr("-+", argv[i][0]) && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		bool on = argv[i][0] == '-';
		for (const char *c = argv[i] + 1; *c; c++) {
			if (declare_flag(*c))
				*(on ? &set : &clear) |= declare_flag(*c);
			else if (*c == 'g')
				global = on;
			else if (*c == 'p')
				print = true;
			else
				return sh_bi_usage(sh, DECLARE_UNSUPPORTED,
						   argv[i]);
		}
	}
	if (i >= argc) {
		var_list(sh, set, "declare --");
		return 0;
	}
	for (; i < argc; i++)
		if (declare_one(sh, argv[0], argv[i], set, clear,
				(global ? DECL_GLOBAL : 0) |
					(print ? DECL_PRINT : 0)) < 0)
			st = 1;
	return st;
}

/* ------------------------------------------------------------------ */
/* command, type, hash */

static bool is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

static int describe(struct sh *sh, const char *name, bool verbose,
		    const char *path)
{
	if (sh_find_alias(sh, name)) {
		struct alias *a = sh_find_alias(sh, name);
		if (verbose)
			printf("%s is an alias for %s\n", name, a->value);
		else
			printf("alias %s='%s'\n", name, a->value);
		return 0;
	}
	if (sh_is_reserved(name)) {
		if (verbose)
			printf("%s is a shell keyword\n", name);
		else
			printf("%s\n", name);
		return 0;
	}
	const struct builtin *b = sh_builtin(sh, name);
	if (b && b->special) {
		printf(verbose ? "%s is a special shell builtin\n" : "%s\n",
		       name);
		return 0;
	}
	if (sh_find_func(sh, name)) {
		printf(verbose ? "%s is a shell function\n" : "%s\n", name);
		return 0;
	}
	if (b) {
		printf(verbose ? "%s is a shell builtin\n" : "%s\n", name);
		return 0;
	}
	char *p = sh_find_command(sh, name, path);
	if (p && strchr(name, '/') && !is_program(p))
		p = NULL; /* as when searching PATH: no directory, no data */
	if (p) {
		if (verbose)
			printf("%s is %s\n", name, p);
		else
			printf("%s\n", p);
		return 0;
	}
	if (verbose)
		sh_err(sh, "%s: not found", name);
	return 1; /* as bash (dash: 127; POSIX: >0) */
}

static int bi_type(struct sh *sh, int argc, char **argv)
{
	int st = 0;

	for (int i = 1; i < argc; i++)
		if (describe(sh, argv[i], true, NULL))
			st = 1;
	return st;
}

static int bi_command(struct sh *sh, int argc, char **argv)
{
	int i = 1;
	int mode = 0; /* 'v' 'V' */
	bool defpath = false;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'v' || *c == 'V')
				mode = *c;
			else if (*c == 'p')
				defpath = true;
			else
				return sh_bi_usage(
					sh, "command: unknown option '%s'",
					argv[i]);
		}
	}
	if (i >= argc)
		return 0;
	if (mode) {
		int st = 0;
		for (; i < argc; i++)
			if (describe(sh, argv[i], mode == 'V',
				     defpath ? DEFAULT_PATH : NULL))
				st = 1;
		return st;
	}
	const struct builtin *b = sh_builtin(sh, argv[i]);
	if (b) {
		bool save = sh->in_command;
		sh->in_command = true;
		int st = sh_run_builtin(sh, b, argc - i, argv + i);
		sh->in_command = save;
		return st;
	}
	if (defpath) {
		char *p = sh_find_command(sh, argv[i], DEFAULT_PATH);
		if (!p) {
			sh_err(sh, "command: %s: not found", argv[i]);
			return 127;
		}
		argv[i] = p;
	}
	return sh_exec_external_wait(sh, argv + i);
}

/* bash's `builtin NAME [ARG...]`: runs the builtin NAME even when a
 * function of that name hides it (POSIX leaves the name unspecified). */
static int bi_builtin(struct sh *sh, int argc, char **argv)
{
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return 0;
	const struct builtin *b = sh_builtin(sh, argv[i]);
	if (!b) {
		sh_err(sh, "builtin: %s: not a shell builtin", argv[i]);
		return 1;
	}
	return sh_run_builtin(sh, b, argc - i, argv + i);
}

static int bi_hash(struct sh *sh, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-r")) {
		sh_hash_clear(sh);
		return 0;
	}
	int st = 0;
	for (int i = 1; i < argc; i++)
		if (!sh_find_command(sh, argv[i], NULL)) {
			sh_err(sh, "%s: not found", argv[i]);
			st = 1;
		}
	if (argc == 1)
		for (int i = 0; i < sh->hash_n; i++)
			printf("%s\n", sh->hash_paths[i]);
	return st;
}

/* ------------------------------------------------------------------ */
/* the core's builtins, and the lookup in the generated table */

SH_BUILTIN(declare) = {
	.b = { "declare", bi_declare, false },
	.usage = "declare [-gprx] [+x] [NAME[=VALUE]...]",
	.what = "set variables and their attributes (local in a function)",
};

SH_BUILTIN(typeset) = {
	.b = { "typeset", bi_declare, false },
	.usage = "typeset [-gprx] [+x] [NAME[=VALUE]...]",
	.what = "the same as declare",
};

SH_BUILTIN(dot) = {
	.b = { ".", bi_dot, true },
	.usage = ". FILE",
	.what = "run the commands of FILE in this shell",
};

SH_BUILTIN(colon) = {
	.b = { ":", bi_colon, true },
	.own_help = true,
	.usage = ": [ARG...]",
	.what = "do nothing, successfully",
};

SH_BUILTIN(break) = {
	.b = { "break", bi_breakcont, true },
	.usage = "break [N]",
	.what = "leave N enclosing loops",
};

SH_BUILTIN(builtin) = {
	.b = { "builtin", bi_builtin, false },
	.usage = "builtin NAME [ARG...]",
	.what = "run the builtin NAME, even when a function hides it",
};

SH_BUILTIN(command) = {
	.b = { "command", bi_command, false },
	.usage = "command [-p] [-v|-V] NAME [ARG...]",
	.what = "run or describe NAME, skipping functions",
};

SH_BUILTIN(continue) = {
	.b = { "continue", bi_breakcont, true },
	.usage = "continue [N]",
	.what = "next iteration of the Nth enclosing loop",
};

SH_BUILTIN(eval) = {
	.b = { "eval", bi_eval, true },
	.usage = "eval [ARG...]",
	.what = "run the arguments as a command",
};

SH_BUILTIN(exec) = {
	.b = { "exec", bi_exec, true },
	.usage = "exec [COMMAND [ARG...]]",
	.what = "replace the shell with COMMAND, or make redirections permanent",
};

SH_BUILTIN(exit) = {
	.b = { "exit", bi_exit, true },
	.usage = "exit [N]",
	.what = "leave the shell with status N",
};

SH_BUILTIN(export) = {
	.b = { "export", bi_export, true },
	.usage = "export [-p|-n] NAME[=VALUE]...",
	.what = "give variables to the commands the shell runs",
};

SH_BUILTIN(false) = {
	.b = { "false", bi_false, false },
	.own_help = true,
	.usage = "false",
	.what = "fail",
};

SH_BUILTIN(hash) = {
	.b = { "hash", bi_hash, false },
	.usage = "hash [-r] [NAME...]",
	.what = "remember or forget command locations",
};

SH_BUILTIN(local) = {
	.b = { "local", bi_local, false },
	.usage = "local NAME[=VALUE]... | local -",
	.what = "variables (or options) restored when the function returns",
};

SH_BUILTIN(readonly) = {
	.b = { "readonly", bi_readonly, true },
	.usage = "readonly [-p] NAME[=VALUE]...",
	.what = "make variables read-only",
};

SH_BUILTIN(return ) = {
	.b = { "return", bi_return, true },
	.usage = "return [N]",
	.what = "return from a function or . file",
};

SH_BUILTIN(shift) = {
	.b = { "shift", bi_shift, true },
	.usage = "shift [N]",
	.what = "drop the first N positional parameters",
};

SH_BUILTIN(source) = {
	.b = { "source", bi_dot, false },
};

SH_BUILTIN(times) = {
	.b = { "times", bi_times, true },
	.usage = "times",
	.what = "print the shell's and its children's CPU times",
};

SH_BUILTIN(true) = {
	.b = { "true", bi_colon, false },
	.own_help = true,
	.usage = "true",
	.what = "succeed",
};

SH_BUILTIN(type) = {
	.b = { "type", bi_type, false },
	.usage = "type NAME...",
	.what = "say how NAME would be run",
};

SH_BUILTIN(unset) = {
	.b = { "unset", bi_unset, true },
	.usage = "unset [-f|-v] NAME...",
	.what = "remove variables or functions",
};

static int cmp_builtin(const void *k, const void *e)
{
	return strcmp(k, (*(const struct sh_builtin *const *)e)->b.name);
}

const struct sh_builtin *sh_find_builtin_def(const char *name)
{
	const struct sh_builtin *const *b =
		bsearch(name, sh_builtins, sh_nbuiltins, sizeof(sh_builtins[0]),
			cmp_builtin);

	return b ? *b : NULL;
}

const struct builtin *sh_find_builtin(const char *name)
{
	const struct sh_builtin *d = sh_find_builtin_def(name);

	return d ? &d->b : NULL;
}

const struct builtin *sh_builtin(struct sh *sh, const char *name)
{
	const struct builtin *b = sh_find_builtin(name);

	/* `source` is bash's name for `.`: an extension */
	if (b && !sh_compat_extensions(sh) && !strcmp(name, "source"))
		return NULL;
	return b;
}

const char *sh_builtin_name(size_t i)
{
	return i < sh_nbuiltins ? sh_builtins[i]->b.name : NULL;
}

/* `NAME --help` is the builtin's own business (struct sh_builtin) */
static bool own_help(const char *name)
{
	const struct sh_builtin *d = sh_find_builtin_def(name);

	return d && d->own_help;
}

int sh_run_builtin(struct sh *sh, const struct builtin *b, int argc,
		   char **argv)
{
	int st;

	/* `cd --help`, `jobs --help`: the usage, status 0 (the sandbox,
	 * image, host and monitor front ends have their own per
	 * subcommand) */
	if (argc == 2 && !strcmp(argv[1], "--help") && !own_help(argv[0]) &&
	    sh_help_usage(argv[0]) == 0)
		return 0;
	st = b->fn(sh, argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno;
		clearerr(stdout);
		if (e != EPIPE)
			sh_err(sh, "%s: write error: %s", argv[0], strerror(e));
		if (!st)
			st = 1;
	}
	return st;
}
