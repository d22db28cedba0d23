// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * alias.c — aliases: the table the lexer consults (sh_find_alias) and
 * the alias and unalias builtins.
 */
#include <string.h>

#include "shell/shell_i.h"

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

	/* "--" ends the options (XBD 12.2, guideline 10) */
	if (argc > 1 && !strcmp(argv[1], "--"))
		argc--, argv++;
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

	if (argc > 1 && !strcmp(argv[1], "--"))
		argc--, argv++;
	else if (argc > 1 && !strcmp(argv[1], "-a")) {
		while (sh->aliases && !sh->aliases->in_use)
			alias_remove(sh, sh->aliases);
		for (struct alias *a = sh->aliases; a; a = a->next)
			a->name[0] = 0;
		return 0;
	}
	if (argc == 1)
		return sh_bi_usage(sh, "unalias: usage: unalias -a | NAME...%s",
				   "");
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

SH_BUILTIN(alias) = {
	.b = { "alias", bi_alias, false },
	.usage = "alias [NAME[=VALUE]...]",
	.what = "define or list aliases",
};

SH_BUILTIN(unalias) = {
	.b = { "unalias", bi_unalias, false },
	.usage = "unalias -a | NAME...",
	.what = "remove aliases",
};
