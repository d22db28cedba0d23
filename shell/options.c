// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * options.c — the shell's options: their letters and long names, the
 * parser shared by the command line and `set`, and the set builtin.
 */
#include <string.h>

#include "shell/shell_i.h"
#include "shell/interactive_i.h"

static const struct {
	const char *name;
	enum sh_opt opt;
} long_opts[] = {
	{ "allexport", OPT_ALLEXPORT },
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
	{ "emacs", OPT_EMACS },
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
