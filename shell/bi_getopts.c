/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_getopts.c — `getopts OPTSTRING NAME [ARG…]` (XCU getopts) over the
 * positional parameters or the given arguments, with OPTIND/OPTARG.  The
 * position inside a cluster like -abc is remembered here and forgotten
 * when the script sets OPTIND itself.
 */
#include <string.h>

#include "shell/builtin_i.h"

static int cluster_pos;        /* next char within argv[optind-1] */
static char last_optind[32];   /* OPTIND as we left it */

static void set_optind(struct sh *sh, int v)
{
	snprintf(last_optind, sizeof(last_optind), "%d", v);
	sh_setvar(sh, "OPTIND", last_optind, 0);
}

int bi_getopts(struct sh *sh, int argc, char **argv)
{
	if (argc < 3) {
		sh_err(sh, "getopts: usage: getopts OPTSTRING NAME [ARG...]");
		return 2;
	}
	const char *optstring = argv[1];
	const char *name = argv[2];
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
	int optind = oi ? atoi(oi) : 1;
	if (!oi || strcmp(oi, last_optind) || optind < 1) {
		cluster_pos = 0; /* the script reset OPTIND */
		if (optind < 1)
			optind = 1;
	}
	char optc[2] = { 0, 0 };

	if (cluster_pos == 0) {
		if (optind > nargs)
			goto end;
		const char *a = args[optind - 1];
		if (a[0] != '-' || !a[1])
			goto end;
		if (!strcmp(a, "--")) {
			optind++;
			goto end;
		}
		cluster_pos = 1;
	}
	const char *a = args[optind - 1];
	char c = a[cluster_pos++];
	bool last_in_cluster = a[cluster_pos] == 0;
	const char *spec = c != ':' ? strchr(optstring, c) : NULL;
	optc[0] = c;
	if (!spec) {
		if (last_in_cluster) {
			optind++;
			cluster_pos = 0;
		}
		if (silent) {
			sh_setvar(sh, "OPTARG", optc, 0);
		} else {
			sh_err(sh, "getopts: illegal option -%c", c);
			sh_unsetvar(sh, "OPTARG");
		}
		sh_setvar(sh, name, "?", 0);
		set_optind(sh, optind);
		return 0;
	}
	if (spec[1] == ':') {
		const char *arg;
		if (!last_in_cluster) {
			arg = a + cluster_pos;
			optind++;
		} else if (optind < nargs) {
			arg = args[optind];
			optind += 2;
		} else {
			optind++;
			cluster_pos = 0;
			if (silent) {
				sh_setvar(sh, "OPTARG", optc, 0);
				sh_setvar(sh, name, ":", 0);
			} else {
				sh_err(sh, "getopts: option requires an argument -%c", c);
				sh_unsetvar(sh, "OPTARG");
				sh_setvar(sh, name, "?", 0);
			}
			set_optind(sh, optind);
			return 0;
		}
		cluster_pos = 0;
		sh_setvar(sh, "OPTARG", arg, 0);
	} else {
		if (last_in_cluster) {
			optind++;
			cluster_pos = 0;
		}
		sh_unsetvar(sh, "OPTARG");
	}
	sh_setvar(sh, name, optc, 0);
	set_optind(sh, optind);
	return 0;
end:
	cluster_pos = 0;
	sh_setvar(sh, name, "?", 0);
	sh_unsetvar(sh, "OPTARG");
	set_optind(sh, optind);
	return 1;
}
