/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * builtins.c — the builtin table and the builtins that live inside the
 * interpreter (control flow, variables, options, cd, functions, aliases,
 * command lookup, wait).  Self-contained ones (test, printf, read,
 * getopts, umask, echo) are in bi_*.c; trap and kill in trap.c; the
 * sandbox and image front ends in their own files.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>

#include "shell/shell_i.h"
#include "shell/target_i.h"
#include "shell/interactive_i.h"


/* `command -p`: a PATH that finds the standard utilities */
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

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

static int usage(struct sh *sh, const char *fmt, const char *arg)
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

	if (argc < 2)
		return 0;
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			cs_buf_addc(&b, ' ');
		cs_buf_adds(&b, argv[i]);
	}
	char *s = arena_strndup(sh->stack, b.buf, b.len);
	cs_buf_release(&b);
	/* $? stays that of the command before eval (XCU 2.15) */
	return sh_eval_string(sh, s, "eval");
}

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

static int bi_dot(struct sh *sh, int argc, char **argv)
{
	if (argc < 2) {
		sh_err(sh, ".: usage: . FILE");
		return sh_special_error(sh, 2);
	}
	char *path = find_dot(sh, argv[1]);
	struct cs_buf b = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;
	if (!path || cs_read_file(path, &b, 256u << 20, &err) < 0) {
		sh_err(sh, ".: cannot open '%s': %s", argv[1],
		       path ? strerror(err.code) : "not found");
		cs_error_release(&err);
		return sh_special_error(sh, 2);
	}
	size_t len = b.len;
	char *text = arena_strndup(sh->stack, b.buf, len);
	cs_buf_release(&b);
	if (strlen(text) != len) {
		sh_err(sh, ".: '%s' contains a NUL byte", argv[1]);
		return sh_special_error(sh, 2);
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

	if (argc > 1 && !strcmp(argv[1], "--"))
		i++;
	if (i >= argc)
		return 0;
	sh_exec_replace(sh, argv + i);
}

static int export_like(struct sh *sh, int argc, char **argv, int flag)
{
	int i = 1, st = 0;

	if (i < argc && !strcmp(argv[i], "-p"))
		i++;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		var_list(sh, flag, flag == SH_VAR_EXPORT ? "export" : "readonly");
		return 0;
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *name = eq ? arena_strndup(sh->stack, argv[i], eq - argv[i])
				: argv[i];
		if (!sh_isname(name)) {
			sh_err(sh, "%s: '%s': not a valid name", argv[0], name);
			st = 1;
			continue;
		}
		/* a readonly variable: an error of a special builtin, which
		 * ends a non-interactive shell (XCU 2.8.1) */
		if (var_set(sh, name, eq ? eq + 1 : NULL, flag) < 0)
			st = sh_special_error(sh, 2);
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
			return usage(sh, "unset: unknown option '%s'", argv[i]);
	}
	for (; i < argc; i++) {
		if (funcs) {
			for (struct func **pp = &sh->funcs; *pp; pp = &(*pp)->next) {
				if (!strcmp((*pp)->name, argv[i])) {
					struct func *f = *pp;
					*pp = f->next;
					arena_unref(f->arena);
					free(f->name);
					free(f);
					break;
				}
			}
			continue;
		}
		if (sh_unsetvar(sh, argv[i]) < 0)
			st = sh_special_error(sh, 2);
	}
	return st;
}

static const struct {
	const char *name;
	enum sh_opt opt;
} long_opts[] = {
	{ "allexport", OPT_ALLEXPORT }, { "errexit", OPT_ERREXIT },
	{ "ignoreeof", OPT_IGNOREEOF }, { "interactive", OPT_INTERACTIVE },
	{ "monitor", OPT_MONITOR },     { "noclobber", OPT_NOCLOBBER },
	{ "noexec", OPT_NOEXEC },       { "noglob", OPT_NOGLOB },
	{ "nolog", OPT_NOLOG },         { "nounset", OPT_NOUNSET },
	{ "pipefail", OPT_PIPEFAIL },   { "posix", OPT_POSIX },
	{ "verbose", OPT_VERBOSE },
	{ "vi", OPT_VI },               { "emacs", OPT_EMACS },
	{ "xtrace", OPT_XTRACE },
};

int sh_set_option_letter(struct sh *sh, int c, bool on)
{
	for (int i = 0; i < OPT__COUNT; i++) {
		if (sh_opt_letters[i] == c) {
			if (i == OPT_INTERACTIVE)
				return -1;
			sh->opts[i] = on;
			return 0;
		}
	}
	return -1;
}

static int set_long_option(struct sh *sh, const char *name, bool on)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(long_opts); i++) {
		if (!strcmp(long_opts[i].name, name)) {
			enum sh_opt o = long_opts[i].opt;
			sh->opts[o] = on;
			if (o == OPT_VI && on)
				sh->opts[OPT_EMACS] = false;
			if (o == OPT_EMACS && on)
				sh->opts[OPT_VI] = false;
			sh_editing_mode_changed(sh);
			return 0;
		}
	}
	return -1;
}

static void list_options(struct sh *sh, bool reinput)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(long_opts); i++) {
		bool on = sh->opts[long_opts[i].opt];
		if (reinput)
			printf("set %co %s\n", on ? '-' : '+', long_opts[i].name);
		else
			printf("%-16s%s\n", long_opts[i].name, on ? "on" : "off");
	}
}

/* Option parsing shared by `set` and the command line.  Returns the index
 * of the first operand, or -1 after a diagnostic.  *dashdash is set when
 * "--" ended the options (positional parameters are then set even when
 * none follow). */
int sh_parse_set_options(struct sh *sh, int argc, char **argv, int i,
			 bool *dashdash, bool cmdline)
{
	*dashdash = false;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if ((a[0] != '-' && a[0] != '+') || !a[1]) {
			/* a lone - or + ends the options, and leaves the
			 * positional parameters alone unless operands follow
			 * (dash, bash); - also turns off -x and -v (dash) */
			if (!strcmp(a, "-"))
				sh->opts[OPT_XTRACE] = sh->opts[OPT_VERBOSE] = false;
			if (!strcmp(a, "-") || !strcmp(a, "+"))
				i++;
			break;
		}
		if (!strcmp(a, "--")) {
			*dashdash = true;
			i++;
			break;
		}
		bool on = a[0] == '-';
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'o') {
				if (i + 1 >= argc || argv[i + 1][0] == '-' ||
				    argv[i + 1][0] == '+') {
					if (cmdline)
						return -1;
					list_options(sh, !on);
					continue;
				}
				if (set_long_option(sh, argv[++i], on) < 0) {
					sh_err(sh, "set: unknown option name '%s'",
					       argv[i]);
					return -1;
				}
				break;
			}
			if (cmdline && (*c == 'c' || *c == 's' || *c == 'i'))
				continue;
			if (sh_set_option_letter(sh, *c, on) < 0) {
				sh_err(sh, "set: unknown option '%c%c'", a[0], *c);
				return -1;
			}
		}
	}
	return i;
}

static int bi_set(struct sh *sh, int argc, char **argv)
{
	bool dd;

	if (argc == 1) {
		var_list(sh, 0, NULL);
		return 0;
	}
	bool monitor = sh->opts[OPT_MONITOR];
	int i = sh_parse_set_options(sh, argc, argv, 1, &dd, false);
	if (i < 0)
		return sh_special_error(sh, 2);
	if (sh->opts[OPT_MONITOR] && !monitor)
		jobs_monitor_on(sh);
	if (i < argc || dd) {
		params_free(&sh->params);
		params_set(&sh->params, argc - i, argv + i);
	}
	return 0;
}

static int bi_shift(struct sh *sh, int argc, char **argv)
{
	long n = 1;

	if (argc > 1 && (!parse_int(argv[1], &n) || n < 0)) {
		sh_err(sh, "shift: illegal number '%s'", argv[1]);
		return sh_special_error(sh, 2);
	}
	if (n > sh->params.n) {
		sh_err(sh, "shift: can't shift that many");
		return sh_special_error(sh, 2);
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
/* cd and pwd */

/* Canonicalises an absolute path textually: removes ., .., // */
static char *canon(struct sh *sh, const char *path)
{
	size_t n = strlen(path);
	char *out = arena_alloc(sh->stack, n + 2);
	size_t o = 0;
	const char *p = path;

	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t len = e - p;
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

static int bi_cd(struct sh *sh, int argc, char **argv)
{
	bool physical = false, print = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-P"))
			physical = true;
		else if (!strcmp(argv[i], "-L"))
			physical = false;
		else
			return usage(sh, "cd: unknown option '%s'", argv[i]);
	}
	const char *dir = i < argc ? argv[i] : NULL;
	if (i + 1 < argc)
		return usage(sh, "cd: too many arguments%s", "");
	if (!dir) {
		dir = sh_getvar(sh, "HOME");
		if (!dir || !*dir) {
			sh_err(sh, "cd: HOME not set");
			return 1;
		}
	} else if (!strcmp(dir, "-")) {
		dir = sh_getvar(sh, "OLDPWD");
		if (!dir) {
			sh_err(sh, "cd: OLDPWD not set");
			return 1;
		}
		print = true;
	}
	const char *pwd = sh_getvar(sh, "PWD");
	char *oldpwd = pwd ? arena_strdup(sh->stack, pwd) : NULL;
	char *tried = NULL;

	/* CDPATH */
	const char *cdpath = sh_getvar(sh, "CDPATH");
	bool rel = dir[0] != '/' && strncmp(dir, "./", 2) && strcmp(dir, ".") &&
		   strncmp(dir, "../", 3) && strcmp(dir, "..");
	if (cdpath && rel) {
		for (const char *p = cdpath;;) {
			const char *e = strchrnul(p, ':');
			size_t dl = e - p;
			char *cand = dl ? xasprintf("%.*s/%s", (int)dl, p, dir)
					: xasprintf("%s", dir);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
				tried = arena_strdup(sh->stack, cand);
				if (dl)
					print = true;
				free(cand);
				break;
			}
			free(cand);
			if (!*e)
				break;
			p = e + 1;
		}
	}
	const char *target = tried ? tried : dir;
	char *newpwd = NULL;
	if (!physical) {
		char *abs;
		if (target[0] == '/')
			abs = arena_strdup(sh->stack, target);
		else {
			const char *base = oldpwd ? oldpwd : ".";
			abs = arena_alloc(sh->stack, strlen(base) + strlen(target) + 2);
			sprintf(abs, "%s/%s", base, target);
		}
		if (abs[0] == '/') {
			char *c = canon(sh, abs);
			if (chdir(c) == 0)
				newpwd = c;
		}
	}
	if (!newpwd) {
		if (chdir(target) < 0) {
			sh_err(sh, "cd: can't cd to '%s': %s", dir, strerror(errno));
			return 2;
		}
		char *cwd = getcwd(NULL, 0);
		newpwd = arena_strdup(sh->stack, cwd ? cwd : target);
		free(cwd);
	}
	if (oldpwd)
		var_set(sh, "OLDPWD", oldpwd, SH_VAR_EXPORT); /* as dash, bash */
	var_set(sh, "PWD", newpwd, 0);
	if (print)
		printf("%s\n", newpwd);
	return 0;
}

static int bi_pwd(struct sh *sh, int argc, char **argv)
{
	bool physical = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-P"))
			physical = true;
		else if (!strcmp(argv[i], "-L"))
			physical = false;
		else
			return usage(sh, "pwd: unknown option '%s'", argv[i]);
	}
	const char *pwd = sh_getvar(sh, "PWD");
	struct stat a, b;
	if (!physical && pwd && pwd[0] == '/' && stat(pwd, &a) == 0 &&
	    stat(".", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		printf("%s\n", pwd);
		return 0;
	}
	char *cwd = getcwd(NULL, 0);
	if (!cwd && errno == ENOENT && !physical && pwd && pwd[0] == '/') {
		/* the directory was removed: $PWD is still where we are */
		printf("%s\n", pwd);
		return 0;
	}
	if (!cwd) {
		sh_err(sh, "pwd: %s", strerror(errno));
		return 1;
	}
	printf("%s\n", cwd);
	free(cwd);
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
		sh_err(sh, "%s: function nesting too deep (infinite recursion?)",
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
		char *name = eq ? arena_strndup(sh->stack, argv[i], eq - argv[i])
				: argv[i];
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

/* ------------------------------------------------------------------ */
/* aliases */

struct alias *sh_find_alias(struct sh *sh, const char *name)
{
	for (struct alias *a = sh->aliases; a; a = a->next)
		if (a->name[0] && !strcmp(a->name, name))
			return a;
	return NULL;
}

/* Unlinks an alias; one whose text is being read stays allocated until
 * the input source lets go of it (its name is blanked meanwhile). */
static void alias_remove(struct sh *sh, struct alias *a)
{
	for (struct alias **pp = &sh->aliases; *pp; pp = &(*pp)->next) {
		if (*pp != a)
			continue;
		if (a->in_use) {
			a->name[0] = 0;
			return;
		}
		*pp = a->next;
		free(a->name);
		free(a->value);
		free(a);
		return;
	}
}

static void print_alias(struct alias *a)
{
	struct cs_buf b = CS_BUF_INIT;
	cs_buf_addc(&b, '\'');
	for (const char *s = a->value; *s; s++)
		if (*s == '\'')
			cs_buf_adds(&b, "'\\''");
		else
			cs_buf_addc(&b, *s);
	cs_buf_addc(&b, '\'');
	printf("%s=%s\n", a->name, b.buf);
	cs_buf_release(&b);
}

static int bi_alias(struct sh *sh, int argc, char **argv)
{
	int st = 0;

	if (argc == 1) {
		for (struct alias *a = sh->aliases; a; a = a->next)
			if (a->name[0])
				print_alias(a);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) {
			struct alias *a = sh_find_alias(sh, argv[i]);
			if (a) {
				print_alias(a);
			} else {
				sh_err(sh, "alias: %s: not found", argv[i]);
				st = 1;
			}
			continue;
		}
		char *name = xstrndup(argv[i], eq - argv[i]);
		struct alias *a = sh_find_alias(sh, name);
		if (a) {
			if (a->in_use) {
				/* being expanded right now: keep the old text alive */
				alias_remove(sh, a);
				a = NULL;
			} else {
				free(a->value);
				a->value = xstrdup(eq + 1);
				free(name);
				continue;
			}
		}
		a = xcalloc(1, sizeof(*a));
		a->name = name;
		a->value = xstrdup(eq + 1);
		a->next = sh->aliases;
		sh->aliases = a;
	}
	return st;
}

static int bi_unalias(struct sh *sh, int argc, char **argv)
{
	int st = 0;

	if (argc > 1 && !strcmp(argv[1], "-a")) {
		while (sh->aliases && !sh->aliases->in_use)
			alias_remove(sh, sh->aliases);
		for (struct alias *a = sh->aliases; a; a = a->next)
			a->name[0] = 0;
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		struct alias *a = sh_find_alias(sh, argv[i]);
		if (!a) {
			sh_err(sh, "unalias: %s: not found", argv[i]);
			st = 1;
			continue;
		}
		alias_remove(sh, a);
	}
	return st;
}

/* ------------------------------------------------------------------ */
/* command, type, hash */

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
		printf(verbose ? "%s is a special shell builtin\n" : "%s\n", name);
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
	if (p) {
		if (verbose)
			printf("%s is %s\n", name, p);
		else
			printf("%s\n", p);
		return 0;
	}
	if (verbose)
		sh_err(sh, "%s: not found", name);
	return 127;
}

static int bi_type(struct sh *sh, int argc, char **argv)
{
	int st = 0;

	for (int i = 1; i < argc; i++)
		if (describe(sh, argv[i], true, NULL))
			st = 127;
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
				return usage(sh, "command: unknown option '%s'",
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
				st = 127;
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
		if (p)
			argv[i] = p;
	}
	return sh_exec_external_wait(sh, argv + i);
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
/* wait, jobs */

static int bi_wait(struct sh *sh, int argc, char **argv)
{
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
		job_free(sh, j);
	}
	return st;
}

static int bi_jobs(struct sh *sh, int argc, char **argv)
{
	bool pids = argc > 1 && !strcmp(argv[1], "-p");

	jobs_reap(sh);
	struct job *cur = job_find(sh, "%+"), *prev = job_find(sh, "%-");
	/* oldest first, as they were started */
	int n = 0;
	for (struct job *j = sh->jobs; j; j = j->next)
		n++;
	struct job **v = xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (struct job *j = sh->jobs; j; j = j->next)
		v[n++] = j;
	for (int i = n - 1; i >= 0; i--) {
		struct job *j = v[i];
		if (!j->background)
			continue;
		if (pids) {
			printf("%ld\n", (long)(j->pgid ? j->pgid : j->procs[0].pid));
			continue;
		}
		bool done = true;
		for (int k = 0; k < j->nprocs; k++)
			done = done && j->procs[k].done;
		printf("[%d]%c  %-8s\t%s\n", j->id,
		       j == cur ? '+' : j == prev ? '-' : ' ',
		       j->stopped ? "Stopped" : done ? "Done" : "Running",
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
	struct job *j = job_arg(sh, argc, argv);
	return j ? jobs_bg(sh, j) : 1;
}

/* ------------------------------------------------------------------ */
/* enter, leave */

static int bi_enter(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc == 1) {
		if (sh->entered)
			printf("%s\n", sh->entered);
		return 0;
	}
	if (argc > 2)
		return usage(sh, "enter: usage: enter TARGET%s", "");
	const char *t = argv[1][0] == '@' ? argv[1] + 1 : argv[1];
	struct sh_targets ts = { 0 };
	if (sh_targets_resolve(t, &ts, &err) < 0) {
		sh_err(sh, "enter: %s", err.msg);
		cs_error_release(&err);
		return 2;
	}
	if (ts.n != 1) {
		sh_err(sh, "enter: '%s' names %zu targets; enter takes one", t,
		       ts.n);
		sh_targets_release(&ts);
		return 2;
	}
	free(sh->entered);
	sh->entered = ts.v[0].be->local ? NULL : xstrdup(ts.v[0].name);
	sh_targets_release(&ts);
	return 0;
}

static int bi_leave(struct sh *sh, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!sh->entered) {
		sh_err(sh, "leave: not entered into any target");
		return 1;
	}
	free(sh->entered);
	sh->entered = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the table */


static const struct builtin builtins[] = {
	/* sorted by name for bsearch */
	{ ".", bi_dot, true },
	{ ":", bi_colon, true },
	{ "[", bi_test, false },
	{ "alias", bi_alias, false },
	{ "bg", bi_bg, false },
	{ "break", bi_breakcont, true },
	{ "cd", bi_cd, false },
	{ "command", bi_command, false },
	{ "continue", bi_breakcont, true },
	{ "down", bi_down, false },
	{ "echo", bi_echo, false },
	{ "enter", bi_enter, false },
	{ "eval", bi_eval, true },
	{ "exec", bi_exec, true },
	{ "exit", bi_exit, true },
	{ "export", bi_export, true },
	{ "false", bi_false, false },
	{ "fanout", bi_fanout, false },
	{ "fg", bi_fg, false },
	{ "getopts", bi_getopts, false },
	{ "hash", bi_hash, false },
	{ "help", bi_help, false },
	{ "host", bi_host, false },
	{ "image", bi_image, false },
	{ "jobs", bi_jobs, false },
	{ "kill", bi_kill, false },
	{ "leave", bi_leave, false },
	{ "local", bi_local, false },
	{ "monitor", bi_monitor, false },
	{ "printf", bi_printf, false },
	{ "pwd", bi_pwd, false },
	{ "read", bi_read, false },
	{ "readonly", bi_readonly, true },
	{ "return", bi_return, true },
	{ "sandbox", bi_sandbox, false },
	{ "sb", bi_sandbox, false },
	{ "set", bi_set, true },
	{ "shift", bi_shift, true },
	{ "source", bi_dot, false },
	{ "test", bi_test, false },
	{ "times", bi_times, true },
	{ "trap", bi_trap, true },
	{ "true", bi_colon, false },
	{ "type", bi_type, false },
	{ "ulimit", bi_ulimit, false },
	{ "umask", bi_umask, false },
	{ "unalias", bi_unalias, false },
	{ "unset", bi_unset, true },
	{ "up", bi_up, false },
	{ "wait", bi_wait, false },
};

static int cmp_builtin(const void *k, const void *e)
{
	return strcmp(k, ((const struct builtin *)e)->name);
}

const struct builtin *sh_find_builtin(const char *name)
{
	return bsearch(name, builtins, CS_ARRAY_SIZE(builtins),
		       sizeof(builtins[0]), cmp_builtin);
}

const struct builtin *sh_builtin(struct sh *sh, const char *name)
{
	const struct builtin *b = sh_find_builtin(name);

	/* `source` is bash's name for `.`: an extension */
	if (b && !sh_extensions(sh) && !strcmp(name, "source"))
		return NULL;
	return b;
}

const char *sh_builtin_name(size_t i)
{
	return i < CS_ARRAY_SIZE(builtins) ? builtins[i].name : NULL;
}

int sh_run_builtin(struct sh *sh, const struct builtin *b, int argc,
		   char **argv)
{
	int st = b->fn(sh, argc, argv);

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
