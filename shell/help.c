/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * help.c — `help` and `help NAME`: the synopsis and the line each builtin's
 * definition (SH_BUILTIN, in its own file) gives, in the table's order.
 * man cshell has the full story.
 */
#include <string.h>

#include "shell/shell_i.h"

/* The help entry of name, or NULL. */
static const struct sh_builtin *topic(const char *name)
{
	const struct sh_builtin *b = sh_find_builtin_def(name);

	return b && b->usage ? b : NULL;
}

int sh_help_usage(const char *name)
{
	const struct sh_builtin *b = topic(name);

	if (!b)
		return -1;
	printf("usage: %s\n    %s\n", b->usage, b->what);
	return 0;
}

static int bi_help(struct sh *sh, int argc, char **argv)
{
	if (argc == 1) {
		printf("cshell: POSIX sh in which @TARGET says where a command runs.\n"
		       "  @T cmd        run cmd in sandbox T (@host: here)\n"
		       "  @T1,T2 cmd    run it in each (also @sb*), lines prefixed\n"
		       "  @H/SB, @any   a sandbox on host H; the least loaded host\n"
		       "  enter T       make T the default target; leave returns\n"
		       "Builtins (help NAME for one; man cshell for all):\n");
		for (size_t i = 0; i < sh_nbuiltins; i++)
			if (sh_builtins[i]->usage)
				printf("  %-45s %s\n", sh_builtins[i]->usage,
				       sh_builtins[i]->what);
		return 0;
	}
	int st = 0;
	for (int i = 1; i < argc; i++) {
		const struct sh_builtin *b = topic(argv[i]);
		if (!b) {
			sh_err(sh,
			       "help: no help for '%s' (try 'help' or 'man cshell')",
			       argv[i]);
			st = 1;
			continue;
		}
		printf("%s\n    %s\n", b->usage, b->what);
	}
	return st;
}

SH_BUILTIN(help) = {
	.b = { "help", bi_help, false },
	.usage = "help [NAME]",
	.what = "this text",
};
