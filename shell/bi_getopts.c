/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_getopts.c — `getopts OPTSTRING NAME [ARG…]` (XCU getopts) over the
 * positional parameters or the given arguments, with OPTIND/OPTARG as dash
 * sets them, except inside a cluster like -abc: there OPTIND keeps naming
 * the cluster until its last option, as in bash and getopt(3)'s optind
 * (POSIX: "the index of the next argument to be processed").  The
 * position inside the cluster is remembered here and forgotten when the
 * script assigns OPTIND (OPTIND=1 restarts parsing) or a function's local
 * OPTIND goes back to another value.
 * As in dash, `set` giving new positional parameters restarts parsing at
 * the first of them, whatever OPTIND says.
 */
#include <string.h>

#include "shell/builtin_i.h"

static int cluster_pos;	     /* next char within args[oind - 1], 0: none */
static char last_optind[32]; /* OPTIND as we left it */
static bool restart;	     /* `set` replaced the positional parameters */
static bool writing;	     /* getopts itself is setting OPTIND */

void sh_getopts_restart(void)
{
	restart = true;
	cluster_pos = 0;
}

void sh_getopts_optind_set(void)
{
	if (!writing)
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
	writing = true;
	sh_setvar(sh, "OPTIND", last_optind, 0);
	writing = false;
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
		cluster_pos = 0; /* unset, or a local OPTIND went back */
	if (oind < 1)
		oind = 1;
	if (cluster_pos &&
	    (oind > nargs || cluster_pos >= (int)strlen(args[oind - 1])))
		cluster_pos = 0; /* the arguments changed under us */

	if (cluster_pos == 0) {
		if (oind > nargs)
			goto end;
		const char *a = args[oind - 1];
		if (a[0] != '-' || !a[1])
			goto end;
		if (!strcmp(a, "--")) {
			oind++;
			goto end;
		}
		cluster_pos = 1;
	}
	const char *a = args[oind - 1];
	char optc[2] = { a[cluster_pos++], 0 };
	bool last = !a[cluster_pos];
	if (last)
		cluster_pos = 0;
	int next = last ? oind + 1 : oind;
	const char *spec = optc[0] != ':' ? strchr(optstring, optc[0]) : NULL;
	if (!spec) {
		if (!silent)
			sh_err(sh, "getopts: illegal option -%c", optc[0]);
		finish(sh, name, "?", silent ? optc : NULL, next);
		return 0;
	}
	if (spec[1] != ':') {
		/* no option-argument: OPTARG unset (POSIX; dash sets "") */
		finish(sh, name, optc, NULL, next);
		return 0;
	}
	if (!last) {
		/* -barg: the rest of the cluster is the argument */
		const char *arg = a + cluster_pos;
		cluster_pos = 0;
		finish(sh, name, optc, arg, oind + 1);
		return 0;
	}
	if (next <= nargs) {
		finish(sh, name, optc, args[next - 1], next + 1);
		return 0;
	}
	if (silent) {
		finish(sh, name, ":", optc, next);
	} else {
		sh_err(sh, "getopts: option requires an argument -%c", optc[0]);
		finish(sh, name, "?", NULL, next);
	}
	return 0;
end:
	/* OPTARG unset, as in bash (dash leaves it alone) */
	cluster_pos = 0;
	sh_unsetvar(sh, "OPTARG");
	snprintf(last_optind, sizeof(last_optind), "%d", oind);
	writing = true;
	sh_setvar(sh, "OPTIND", last_optind, 0);
	writing = false;
	sh_setvar(sh, name, "?", 0);
	return 1;
}

SH_BUILTIN(getopts) = {
	.b = { "getopts", bi_getopts, false },
	.usage = "getopts OPTSTRING NAME [ARG...]",
	.what = "parse options",
};
