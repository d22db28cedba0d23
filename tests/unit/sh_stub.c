/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sh_stub.c — the interpreter functions builtin_i.h promises
 * (sh_getvar, sh_setvar, sh_unsetvar, sh_err, sh_isname, sh_posparams,
 * sh_option_on, sh_getenv),
 * implemented over a linear table for the unit tests and fuzz targets of
 * shell/arith.c and the shell/bi_*.c builtins.  struct sh is this file's
 * own; see sh_stub.h for the test-side helpers.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "tests/unit/sh_stub.h"

struct stub_var {
	char *name;
	char *value;
	bool readonly;
};

struct sh {
	struct stub_var *vars;
	size_t nvars, cap;
	char **pos;
	int npos;
	char lasterr[1024];
	int nerr;
	bool extensions;
};

struct sh *stub_sh_new(void)
{
	return xcalloc(1, sizeof(struct sh));
}

static void free_pos(struct sh *sh)
{
	for (int i = 0; i < sh->npos; i++)
		free(sh->pos[i]);
	free(sh->pos);
	sh->pos = NULL;
	sh->npos = 0;
}

void stub_sh_free(struct sh *sh)
{
	if (!sh)
		return;
	for (size_t i = 0; i < sh->nvars; i++) {
		free(sh->vars[i].name);
		free(sh->vars[i].value);
	}
	free(sh->vars);
	free_pos(sh);
	free(sh);
}

static struct stub_var *find(struct sh *sh, const char *name)
{
	for (size_t i = 0; i < sh->nvars; i++)
		if (!strcmp(sh->vars[i].name, name))
			return &sh->vars[i];
	return NULL;
}

const char *sh_getvar(struct sh *sh, const char *name)
{
	struct stub_var *v = find(sh, name);

	return v ? v->value : NULL;
}

int sh_setvar(struct sh *sh, const char *name, const char *value, int flags)
{
	struct stub_var *v = find(sh, name);

	if (v && v->readonly) {
		sh_err(sh, "%s: is read only", name);
		return -1;
	}
	if (!v) {
		if (sh->nvars == sh->cap) {
			sh->cap = sh->cap ? 2 * sh->cap : 16;
			sh->vars =
				xrealloc(sh->vars, sh->cap * sizeof(*sh->vars));
		}
		v = &sh->vars[sh->nvars++];
		v->name = xstrdup(name);
		v->value = NULL;
		v->readonly = false;
	}
	free(v->value);
	v->value = xstrdup(value);
	if (flags & SH_VAR_READONLY)
		v->readonly = true;
	return 0;
}

int sh_unsetvar(struct sh *sh, const char *name)
{
	struct stub_var *v = find(sh, name);

	if (!v)
		return 0;
	if (v->readonly) {
		sh_err(sh, "%s: is read only", name);
		return -1;
	}
	free(v->name);
	free(v->value);
	*v = sh->vars[--sh->nvars];
	return 0;
}

void sh_err(struct sh *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->lasterr, sizeof(sh->lasterr), fmt, ap);
	va_end(ap);
	sh->nerr++;
}

int sh_isname(const char *name)
{
	if (!(isalpha((unsigned char)*name) || *name == '_'))
		return 0;
	for (name++; *name; name++)
		if (!(isalnum((unsigned char)*name) || *name == '_'))
			return 0;
	return 1;
}

bool sh_extensions(struct sh *sh)
{
	return sh->extensions;
}

/* the stub's variables are all exported */
const char *sh_getenv(struct sh *sh, const char *name)
{
	return sh_getvar(sh, name);
}

/* the stub has no options: test -o sees each as unknown */
int sh_option_on(struct sh *sh, const char *name)
{
	(void)sh, (void)name;
	return -1;
}

bool sh_nounset(struct sh *sh)
{
	(void)sh;
	return false;
}

int sh_lineno(struct sh *sh)
{
	(void)sh;
	return 0;
}

int sh_posparams(struct sh *sh, char ***argv)
{
	*argv = sh->pos;
	return sh->npos;
}

void stub_set_extensions(struct sh *sh, bool on)
{
	sh->extensions = on;
}

void stub_set_readonly(struct sh *sh, const char *name)
{
	struct stub_var *v = find(sh, name);

	if (v)
		v->readonly = true;
}

void stub_set_posparams(struct sh *sh, int n, char **v)
{
	free_pos(sh);
	sh->pos = xcalloc(n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		sh->pos[i] = xstrdup(v[i]);
	sh->npos = n;
}

const char *stub_last_err(struct sh *sh)
{
	return sh->lasterr;
}

int stub_nerr(struct sh *sh)
{
	return sh->nerr;
}
