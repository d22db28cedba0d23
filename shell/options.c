// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * options.c — the shell's options: their letters and long names, the
 * parser shared by the command line and `set`, the set builtin, and
 * bash's shopt (its own options, and -o for those of set).
 */
#include <string.h>

#include "shell/shell_i.h"
#include "shell/interactive_i.h"

/* An option's long name: set -o's, or shopt's */
struct opt_name {
	const char *name;
	enum sh_opt opt;
};

/* sorted by name, the order bash lists them in */
static const struct opt_name long_opts[] = {
	{ "allexport", OPT_ALLEXPORT },
	{ "emacs", OPT_EMACS },
	{ "errexit", OPT_ERREXIT },
	{ "hashondef", OPT_HASHONDEF },
	{ "ignoreeof", OPT_IGNOREEOF },
	{ "interactive", OPT_INTERACTIVE },
	{ "monitor", OPT_MONITOR },
	{ "noclobber", OPT_NOCLOBBER },
	{ "noexec", OPT_NOEXEC },
	{ "noglob", OPT_NOGLOB },
	{ "nolog", OPT_NOLOG },
	{ "notify", OPT_NOTIFY },
	{ "nounset", OPT_NOUNSET },
	{ "pipefail", OPT_PIPEFAIL },
	{ "posix", OPT_POSIX },
	{ "verbose", OPT_VERBOSE },
	{ "vi", OPT_VI },
	{ "xtrace", OPT_XTRACE },
};

bool sh_nounset(struct sh *sh)
{
	return sh->opts[OPT_NOUNSET];
}

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
			if (o == OPT_POSIX)
				sh->posix_implied = false; /* asked for */
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

int sh_option_on(struct sh *sh, const char *name)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(long_opts); i++)
		if (!strcmp(long_opts[i].name, name))
			return sh->opts[long_opts[i].opt];
	return -1;
}

static void list_options(struct sh *sh, bool reinput)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(long_opts); i++) {
		bool on = sh->opts[long_opts[i].opt];
		if (reinput)
			printf("set %co %s\n", on ? '-' : '+',
			       long_opts[i].name);
		else
			printf("%-16s%s\n", long_opts[i].name,
			       on ? "on" : "off");
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
		if (!strcmp(a, "+"))
			continue; /* a lone + is an empty flag word (dash) */
		if ((a[0] != '-' && a[0] != '+') || !a[1]) {
			/* a lone - ends the options, and leaves the
			 * positional parameters alone unless operands follow
			 * (dash, bash); it also turns off -x and -v (dash) */
			if (!strcmp(a, "-")) {
				sh->opts[OPT_XTRACE] = sh->opts[OPT_VERBOSE] =
					false;
				i++;
			}
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
					sh_err(sh, "%sunknown option name '%s'",
					       cmdline ? "" : "set: ", argv[i]);
					return -1;
				}
				continue; /* -oo A B: each o takes a word */
			}
			/* -l (login shell) is accepted and ignored, as in
			 * dash and bash */
			if (cmdline &&
			    (*c == 'c' || *c == 's' || *c == 'i' || *c == 'l'))
				continue;
			if (sh_set_option_letter(sh, *c, on) < 0) {
				/* on the command line: the word as typed
				 * (`cshell --bogus`, not "set: '--'") */
				if (cmdline)
					sh_err(sh,
					       "unknown option '%s' (see "
					       "'cshell --help')",
					       a);
				else
					sh_err(sh, "set: unknown option '%c%c'",
					       a[0], *c);
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
		sh_getopts_restart();
	}
	return 0;
}

SH_BUILTIN(set) = {
	.b = { "set", bi_set, true },
	.usage = "set [-abCefhmnuvx] [-o OPTION] [--] [ARG...]",
	.what = "shell options and positional parameters",
};

/* shopt's own options (bash's names): only those cshell implements */
static const struct opt_name shopt_opts[] = {
	{ "expand_aliases", OPT_EXPAND_ALIASES },
	{ "failglob", OPT_FAILGLOB },
	{ "globskipdots", OPT_GLOBSKIPDOTS },
	{ "nullglob", OPT_NULLGLOB },
};

/* shopt's table, or set's with -o */
static const struct opt_name *opt_table(bool o, size_t *n)
{
	*n = o ? CS_ARRAY_SIZE(long_opts) : CS_ARRAY_SIZE(shopt_opts);
	return o ? long_opts : shopt_opts;
}

/* The option name in shopt's table (or set's with -o); -1 if none. */
static int shopt_find(const char *name, bool o)
{
	size_t n;
	const struct opt_name *t = opt_table(o, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return (int)t[i].opt;
	return -1;
}

int sh_shopt_set(struct sh *sh, const char *name, bool on)
{
	int opt = shopt_find(name, false);

	if (opt < 0)
		return -1;
	sh->opts[opt] = on;
	return 0;
}

/* One line of shopt's listing: as bash, `name<TAB>on` or a command that
 * restores the setting (-p). */
static void shopt_print(struct sh *sh, const char *name, int opt, bool o,
			bool reinput)
{
	bool on = sh->opts[opt];

	if (reinput && o)
		printf("set %co %s\n", on ? '-' : '+', name);
	else if (reinput)
		printf("shopt -%c %s\n", on ? 's' : 'u', name);
	else
		printf("%-15s\t%s\n", name, on ? "on" : "off");
}

/* shopt with no -s/-u/-q and no names: every option (only those on or
 * off with -s/-u). */
static void shopt_list(struct sh *sh, bool o, bool reinput, int only)
{
	size_t n;
	const struct opt_name *t = opt_table(o, &n);

	for (size_t i = 0; i < n; i++)
		if (only < 0 || sh->opts[t[i].opt] == only)
			shopt_print(sh, t[i].name, t[i].opt, o, reinput);
}

static int bi_shopt(struct sh *sh, int argc, char **argv)
{
	bool o = false, p = false, q = false;
	int set = -1, i, st = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			if (*c == 'o')
				o = true;
			else if (*c == 'p')
				p = true;
			else if (*c == 'q')
				q = true;
			else if (*c == 's' || *c == 'u')
				set = *c == 's';
			else
				return sh_bi_usage(sh,
						   "shopt: unknown option '%s'",
						   argv[i]);
		}
	}
	if (i == argc && !q) {
		shopt_list(sh, o, p, set);
		return 0;
	}
	for (; i < argc; i++) {
		int opt = shopt_find(argv[i], o);
		if (opt < 0) {
			sh_err(sh, "shopt: %s: invalid %s option name", argv[i],
			       o ? "set -o" : "shell");
			st = 1;
		} else if (set >= 0 && o) {
			set_long_option(sh, argv[i], set);
		} else if (set >= 0) {
			sh->opts[opt] = set;
		} else {
			if (!q)
				shopt_print(sh, argv[i], opt, o, p);
			if (!sh->opts[opt])
				st = st ? st : 1;
		}
	}
	return st;
}

SH_BUILTIN(shopt) = {
	.b = { "shopt", bi_shopt, false },
	.usage = "shopt [-pqsu] [-o] [OPTION...]",
	.what = "bash's options: nullglob failglob globskipdots... (-o: set's)",
};
