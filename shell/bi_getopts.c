/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_getopts.c — `getopts OPTSTRING NAME [ARG…]` (XCU getopts) over the
 * positional parameters or the given arguments, with OPTIND/OPTARG as dash
 * sets them.  OPTIND always names the next argument; the position inside a
 * cluster like -abc is remembered here and forgotten when the script sets
 * OPTIND to a value this file did not write (OPTIND=1 restarts parsing).
 * As in dash, `set` giving new positional parameters restarts parsing at
 * the first of them, whatever OPTIND says.
 */
#include <string.h>

#include "shell/builtin_i.h"

static int cluster_pos;	     /* next char within args[oind - 2], 0: none */
static char last_optind[32]; /* OPTIND as we left it */
static bool restart;	     /* `set` replaced the positional parameters */

void sh_getopts_restart(void)
{
	restart = true;
	cluster_pos = 0;
}

/* Sets NAME, OPTIND and OPTARG (unset when oarg is NULL). */
static void finish(struct sh *sh, const char *name, const char *value,
		   const char *oarg, int oind)
{
	if (oarg)
		sh_setvar(sh, "OPTARG", oarg, 0);
	else
		sh_unsetvar(sh, "OPTARG");
	snprintf(last_optind, sizeof(last_optind), "%d", oind);
	sh_setvar(sh, "OPTIND", last_optind, 0);
	sh_setvar(sh, name, value, 0);
}

int bi_getopts(struct sh *sh, int argc, char **argv)
{
	if (argc < 3) {
		sh_err(sh, "getopts: usage: getopts OPTSTRING NAME [ARG...]");
		return 2;
	}
	const char *optstring = argv[1];
	const char *name = argv[2];
	if (!sh_isname(name)) {
		sh_err(sh, "getopts: %s: bad variable name", name);
		return 2;
	}
	char **args;
	int nargs;
	if (argc > 3) {
		args = argv + 3;
		nargs = argc - 3;
	} else {
		nargs = sh_posparams(sh, &args);
	}
	bool silent = optstring[0] == ':';
	if (silent)
		optstring++;

	const char *oi = sh_getvar(sh, "OPTIND");
	int oind = oi && !restart ? atoi(oi) : 1;
	restart = false;
	if (!oi || strcmp(oi, last_optind))
		cluster_pos = 0; /* the script set OPTIND itself */
	if (oind < 1)
		oind = 1;
	if (cluster_pos && (oind - 2 >= nargs || oind < 2 ||
			    cluster_pos >= (int)strlen(args[oind - 2])))
		cluster_pos = 0; /* the arguments changed under us */

	if (cluster_pos == 0) {
		if (oind > nargs)
			goto end;
		const char *a = args[oind - 1];
		if (a[0] != '-' || !a[1])
			goto end;
		oind++;
		if (!strcmp(a, "--"))
			goto end;
		cluster_pos = 1;
	}
	const char *a = args[oind - 2];
	char optc[2] = { a[cluster_pos++], 0 };
	if (!a[cluster_pos])
		cluster_pos = 0;
	const char *spec = optc[0] != ':' ? strchr(optstring, optc[0]) : NULL;
	if (!spec) {
		if (!silent)
			sh_err(sh, "getopts: illegal option -%c", optc[0]);
		finish(sh, name, "?", silent ? optc : NULL, oind);
		return 0;
	}
	if (spec[1] != ':') {
		/* no option-argument: OPTARG unset (POSIX; dash sets "") */
		finish(sh, name, optc, NULL, oind);
		return 0;
	}
	if (cluster_pos) {
		/* -barg: the rest of the cluster is the argument */
		const char *arg = a + cluster_pos;
		cluster_pos = 0;
		finish(sh, name, optc, arg, oind);
		return 0;
	}
	if (oind <= nargs) {
		finish(sh, name, optc, args[oind - 1], oind + 1);
		return 0;
	}
	if (silent) {
		finish(sh, name, ":", optc, oind);
	} else {
		sh_err(sh, "getopts: option requires an argument -%c", optc[0]);
		finish(sh, name, "?", NULL, oind);
	}
	return 0;
end:
	/* like dash, the end of the options leaves OPTARG alone */
	cluster_pos = 0;
	snprintf(last_optind, sizeof(last_optind), "%d", oind);
	sh_setvar(sh, "OPTIND", last_optind, 0);
	sh_setvar(sh, name, "?", 0);
	return 1;
}

SH_BUILTIN(getopts) = {
	.b = { "getopts", bi_getopts, false },
	.usage = "getopts OPTSTRING NAME [ARG...]",
	.what = "parse options",
};
