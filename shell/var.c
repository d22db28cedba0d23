/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * var.c — shell variables (a hash table of struct var), the positional
 * parameters, `local` frames (saved values restored when the function
 * returns, as in dash) and the environment handed to exec.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "shell/shell_i.h"

/* RANDOM, SECONDS, BASHPID (bash's): their value is computed when read;
 * RANDOM=N seeds, SECONDS=N counts on from N.  Unset, they are plain. */
#define VAR_DYNAMIC (1 << 8)

static unsigned random_state;
static time_t seconds_base;

static unsigned hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % VAR_HASH;
}

int sh_isname(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
	      (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (s++; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

struct var *var_lookup(struct sh *sh, const char *name)
{
	for (struct var *v = sh->vars[hash(name)]; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static struct var *var_create(struct sh *sh, const char *name)
{
	unsigned h = hash(name);
	struct var *v = xcalloc(1, sizeof(*v));

	v->name = xstrdup(name);
	v->next = sh->vars[h];
	sh->vars[h] = v;
	return v;
}

/* bash's RANDOM: 0..32767 from a linear congruential generator. */
static long next_random(void)
{
	random_state = random_state * 1103515245u + 12345u;
	return (random_state >> 16) & 0x7fff;
}

static void dyn_assigned(struct var *v)
{
	long n = strtol(v->value, NULL, 10);

	if (!strcmp(v->name, "RANDOM"))
		random_state = (unsigned)n;
	else if (!strcmp(v->name, "SECONDS"))
		seconds_base = time(NULL) - n;
}

static void dyn_refresh(struct var *v)
{
	char num[32];
	long n;

	if (!strcmp(v->name, "RANDOM"))
		n = next_random();
	else if (!strcmp(v->name, "SECONDS"))
		n = (long)(time(NULL) - seconds_base);
	else
		n = (long)getpid(); /* BASHPID: this process, subshell or not */
	snprintf(num, sizeof(num), "%ld", n);
	/* not var_set: reading must not seed again, nor fail when readonly */
	free(v->value);
	v->value = xstrdup(num);
}

int var_set(struct sh *sh, const char *name, const char *value, int flags)
{
	struct var *v = var_lookup(sh, name);

	if (v && (v->flags & SH_VAR_READONLY) && value) {
		sh_err(sh, "%s: is read only", name);
		return -1;
	}
	if (!v)
		v = var_create(sh, name);
	if (value) {
		size_t n = strlen(value);
		if (v->value && strlen(v->value) >= n) {
			memcpy(v->value, value, n + 1);
		} else {
			free(v->value);
			v->value = xstrndup(value, n);
		}
		if (sh->opts[OPT_ALLEXPORT])
			flags |= SH_VAR_EXPORT;
	}
	v->flags |= flags;
	if (name[0] == 'P' && !strcmp(name, "PATH"))
		sh_hash_clear(sh);
	if (name[0] == 'O' && !strcmp(name, "OPTIND"))
		sh_getopts_optind_set();
	if ((v->flags & VAR_DYNAMIC) && v->value)
		dyn_assigned(v);
	return 0;
}

void var_set_lastarg(struct sh *sh, const char *arg)
{
	struct var *v = var_lookup(sh, "_");

	/* after every simple command: a loop mostly sets the same value */
	if (v && v->value && !strcmp(v->value, arg))
		return;
	if (sh_compat_extensions(sh) && !(v && (v->flags & SH_VAR_READONLY)))
		var_set(sh, "_", arg, 0);
}

int var_setn(struct sh *sh, const char *assign, int flags)
{
	const char *eq = strchr(assign, '=');
	char name[256];
	size_t n = eq - assign;

	if (n >= sizeof(name)) {
		char *big = xstrndup(assign, n);
		int r = var_set(sh, big, eq + 1, flags);
		free(big);
		return r;
	}
	memcpy(name, assign, n);
	name[n] = 0;
	return var_set(sh, name, eq + 1, flags);
}

const char *sh_getvar(struct sh *sh, const char *name)
{
	struct var *v = var_lookup(sh, name);

	if (v && (v->flags & VAR_DYNAMIC))
		dyn_refresh(v);
	return v ? v->value : NULL;
}

int sh_setvar(struct sh *sh, const char *name, const char *value, int flags)
{
	return var_set(sh, name, value, flags);
}

int sh_unsetvar(struct sh *sh, const char *name)
{
	unsigned h = hash(name);

	for (struct var **pp = &sh->vars[h]; *pp; pp = &(*pp)->next) {
		struct var *v = *pp;
		if (strcmp(v->name, name))
			continue;
		if (v->flags & SH_VAR_READONLY) {
			sh_err(sh, "%s: is read only", name);
			return -1;
		}
		*pp = v->next;
		free(v->name);
		free(v->value);
		free(v);
		if (!strcmp(name, "PATH"))
			sh_hash_clear(sh);
		return 0;
	}
	return 0;
}

char **var_environ(struct sh *sh, struct arena *a)
{
	int n = 0;

	for (int i = 0; i < VAR_HASH; i++)
		for (struct var *v = sh->vars[i]; v; v = v->next)
			if ((v->flags & SH_VAR_EXPORT) && v->value)
				n++;
	char **env = arena_alloc(a, (n + 1) * sizeof(char *));
	n = 0;
	for (int i = 0; i < VAR_HASH; i++)
		for (struct var *v = sh->vars[i]; v; v = v->next)
			if ((v->flags & SH_VAR_EXPORT) && v->value) {
				size_t nl = strlen(v->name),
				       vl = strlen(v->value);
				char *e = arena_alloc(a, nl + vl + 2);
				memcpy(e, v->name, nl);
				e[nl] = '=';
				memcpy(e + nl + 1, v->value, vl + 1);
				env[n++] = e;
			}
	env[n] = NULL;
	return env;
}

/* ------------------------------------------------------------------ */
/* local */

void var_local(struct sh *sh, const char *name)
{
	for (struct localsave *l = sh->locals; l; l = l->next) {
		if (l->name == NULL)
			break; /* frame boundary */
		if (!strcmp(l->name, name))
			return;
	}
	struct localsave *l = xcalloc(1, sizeof(*l));
	struct var *v = var_lookup(sh, name);
	l->name = xstrdup(name);
	if (v) {
		l->existed = true;
		l->value = v->value ? xstrdup(v->value) : NULL;
		l->flags = v->flags;
	}
	l->next = sh->locals;
	sh->locals = l;
}

/* `local -`: the options are restored when the function returns. */
void var_local_options(struct sh *sh)
{
	for (struct localsave *l = sh->locals; l && l->name; l = l->next)
		if (!strcmp(l->name, "-"))
			return;
	struct localsave *l = xcalloc(1, sizeof(*l));
	l->name = xstrdup("-");
	l->value = xmalloc(OPT__COUNT);
	for (int i = 0; i < OPT__COUNT; i++)
		l->value[i] = sh->opts[i];
	l->next = sh->locals;
	sh->locals = l;
}

/* Restores saved locals down to (and including) the frame marker upto;
 * upto NULL restores everything. */
void var_pop_locals(struct sh *sh, struct localsave *upto)
{
	while (sh->locals && sh->locals != upto) {
		struct localsave *l = sh->locals;
		sh->locals = l->next;
		if (l->name && !strcmp(l->name, "-")) {
			for (int i = 0; i < OPT__COUNT; i++)
				sh->opts[i] = l->value[i];
			free(l->name);
		} else if (l->name) {
			struct var *v = var_lookup(sh, l->name);
			if (v)
				v->flags &= ~SH_VAR_READONLY;
			if (l->existed) {
				if (!v)
					v = var_create(sh, l->name);
				free(v->value);
				v->value = l->value;
				v->flags = l->flags;
				l->value = NULL;
				if (!strcmp(l->name, "PATH"))
					sh_hash_clear(sh);
			} else {
				sh_unsetvar(sh, l->name);
			}
			free(l->name);
		}
		free(l->value);
		free(l);
	}
}

/* ------------------------------------------------------------------ */
/* Positional parameters */

void params_set(struct params *p, int n, char **v)
{
	p->n = n;
	p->v = xcalloc(n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		p->v[i] = xstrdup(v[i]);
}

void params_free(struct params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int sh_posparams(struct sh *sh, char ***argv)
{
	*argv = sh->params.v;
	return sh->params.n;
}

/* ------------------------------------------------------------------ */

const char sh_opt_letters[OPT__COUNT] = {
	[OPT_ERREXIT] = 'e',   [OPT_NOUNSET] = 'u', [OPT_XTRACE] = 'x',
	[OPT_NOGLOB] = 'f',    [OPT_NOEXEC] = 'n',  [OPT_NOCLOBBER] = 'C',
	[OPT_ALLEXPORT] = 'a', [OPT_VERBOSE] = 'v', [OPT_INTERACTIVE] = 'i',
	[OPT_MONITOR] = 'm',   [OPT_NOTIFY] = 'b',  [OPT_HASHONDEF] = 'h',
};

bool sh_extensions(struct sh *sh)
{
	return !sh->opts[OPT_POSIX];
}

bool sh_compat_extensions(struct sh *sh)
{
	return !sh->opts[OPT_POSIX] || sh->posix_implied;
}

char *sh_optflags(struct sh *sh)
{
	static char buf[OPT__COUNT + 2];
	int n = 0;

	for (int i = 0; i < OPT__COUNT; i++)
		if (sh->opts[i] && sh_opt_letters[i])
			buf[n++] = sh_opt_letters[i];
	buf[n] = 0;
	return buf;
}

static int cmp_var(const void *a, const void *b)
{
	return strcmp((*(struct var *const *)a)->name,
		      (*(struct var *const *)b)->name);
}

/* Prints variables sorted: flag 0 all set ones as name=value (quoted where
 * needed); else those with that flag, prefixed (export / readonly), as
 * name='value'. */
void var_list(struct sh *sh, int flag, const char *prefix)
{
	int n = 0;
	for (int i = 0; i < VAR_HASH; i++)
		for (struct var *v = sh->vars[i]; v; v = v->next)
			n++;
	struct var **all = xcalloc(n ? n : 1, sizeof(*all));
	n = 0;
	for (int i = 0; i < VAR_HASH; i++)
		for (struct var *v = sh->vars[i]; v; v = v->next)
			if (flag ? (v->flags & flag) != 0 : v->value != NULL)
				all[n++] = v;
	qsort(all, n, sizeof(*all), cmp_var);
	struct cs_buf b = CS_BUF_INIT;
	for (int i = 0; i < n; i++) {
		/* RANDOM, SECONDS, BASHPID listed as a read would give them */
		if ((all[i]->flags & VAR_DYNAMIC) && all[i]->value)
			dyn_refresh(all[i]);
		cs_buf_reset(&b);
		if (prefix)
			cs_buf_addf(&b, "%s ", prefix);
		cs_buf_adds(&b, all[i]->name);
		if (all[i]->value && !prefix) {
			/* set: quoted only where needed, as bash */
			cs_buf_addc(&b, '=');
			sh_quote(&b, all[i]->value);
		} else if (all[i]->value) {
			cs_buf_addc(&b, '=');
			/* always quoted like dash's export -p */
			cs_buf_addc(&b, '\'');
			for (const char *s = all[i]->value; *s; s++) {
				if (*s == '\'')
					cs_buf_adds(&b, "'\\''");
				else
					cs_buf_addc(&b, *s);
			}
			cs_buf_addc(&b, '\'');
		}
		printf("%s\n", b.buf);
	}
	cs_buf_release(&b);
	free(all);
}

/* Sets name to value with exactly these flags (not what the environment
 * gave it). */
static void set_shell_var(struct sh *sh, const char *name, const char *value,
			  int flags)
{
	struct var *v = var_lookup(sh, name);

	if (v)
		v->flags = 0;
	var_set(sh, name, value, 0);
	var_lookup(sh, name)->flags = flags;
}

/* The variables bash sets that POSIX leaves to the shell (RANDOM and
 * SECONDS are among the names XBD 8.1 tells applications to avoid).  UID
 * and EUID are the shell's, whatever the environment says, but not
 * readonly as in bash: assigning one is no error in a POSIX script. */
static void bash_vars_init(struct sh *sh)
{
	char num[32], host[256];
	struct utsname u;

	snprintf(num, sizeof(num), "%ld", (long)getuid());
	set_shell_var(sh, "UID", num, 0);
	snprintf(num, sizeof(num), "%ld", (long)geteuid());
	set_shell_var(sh, "EUID", num, 0);
	random_state = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	seconds_base = time(NULL);
	set_shell_var(sh, "RANDOM", "0", VAR_DYNAMIC);
	set_shell_var(sh, "SECONDS", "0", VAR_DYNAMIC);
	set_shell_var(sh, "BASHPID", "0", VAR_DYNAMIC);
	if (!sh_getvar(sh, "HOSTNAME") &&
	    gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = 0;
		set_shell_var(sh, "HOSTNAME", host, 0);
	}
	if (!sh_getvar(sh, "OSTYPE") && uname(&u) == 0) {
		char *os = xasprintf("%s%s", u.sysname,
				     strcmp(u.sysname, "Linux") ? "" : "-gnu");
		for (char *c = os; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		set_shell_var(sh, "OSTYPE", os, 0);
		free(os);
	}
	/* as bash: for scripts that read them, not exported */
	if (!sh_getvar(sh, "PATH"))
		var_set(sh, "PATH", SH_DEFAULT_PATH, 0);
	struct passwd *pw = sh_getvar(sh, "SHELL") ? NULL : getpwuid(getuid());
	if (pw && pw->pw_shell && *pw->pw_shell)
		var_set(sh, "SHELL", pw->pw_shell, 0);
}

void var_init(struct sh *sh, char **env)
{
	for (char **e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char *name = xstrndup(*e, eq - *e);
		if (sh_isname(name))
			var_set(sh, name, eq + 1, SH_VAR_EXPORT);
		free(name);
	}
	var_set(sh, "IFS", " \t\n", 0);
	if (!sh_getvar(sh, "PS1"))
		var_set(sh, "PS1", geteuid() == 0 ? "# " : "$ ", 0);
	if (!sh_getvar(sh, "PS2"))
		var_set(sh, "PS2", "> ", 0);
	if (!sh_getvar(sh, "PS4"))
		var_set(sh, "PS4", "+ ", 0);
	var_set(sh, "OPTIND", "1", 0);
	char num[32];
	snprintf(num, sizeof(num), "%ld", (long)getppid());
	var_set(sh, "PPID", num, 0);
	bash_vars_init(sh);

	/* PWD: keep an inherited logical path when it names the cwd */
	const char *pwd = sh_getvar(sh, "PWD");
	struct stat a, b;
	if (!(pwd && pwd[0] == '/' && stat(pwd, &a) == 0 &&
	      stat(".", &b) == 0 && a.st_dev == b.st_dev &&
	      a.st_ino == b.st_ino)) {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			var_set(sh, "PWD", cwd, SH_VAR_EXPORT);
			free(cwd);
		}
	}
}
