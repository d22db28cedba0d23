/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_ulimit.c — `ulimit [-H|-S] [-a | -c|-d|-f|-n|-s|-t|-v [LIMIT]]`
 * (POSIX.1-2024): reports or sets one resource limit of the shell, which
 * its children inherit.  Without -H or -S a new limit sets both, and the
 * soft one is reported.  -f and -c count 512-byte blocks, -d -s -v KiB.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

#include "shell/builtin_i.h"

static const struct limit {
	char opt;
	int resource;
	rlim_t unit;
	const char *desc;
} limits[] = {
	{ 'c', RLIMIT_CORE, 512, "core file size (blocks, -c)" },
	{ 'd', RLIMIT_DATA, 1024, "data seg size (kbytes, -d)" },
	{ 'f', RLIMIT_FSIZE, 512, "file size (blocks, -f)" },
	{ 'n', RLIMIT_NOFILE, 1, "open files (-n)" },
	{ 's', RLIMIT_STACK, 1024, "stack size (kbytes, -s)" },
	{ 't', RLIMIT_CPU, 1, "cpu time (seconds, -t)" },
	{ 'v', RLIMIT_AS, 1024, "virtual memory (kbytes, -v)" },
};

static void print_limit(const struct limit *l, bool hard, bool label)
{
	struct rlimit rl;
	rlim_t v;

	if (getrlimit(l->resource, &rl) < 0)
		return;
	v = hard ? rl.rlim_max : rl.rlim_cur;
	if (label)
		printf("%-32s", l->desc);
	if (v == RLIM_INFINITY)
		printf("unlimited\n");
	else
		printf("%ju\n", (uintmax_t)(v / l->unit));
}

static int set_limit(struct sh *sh, const struct limit *l, const char *arg,
		     bool hard, bool soft)
{
	struct rlimit rl;
	rlim_t v;

	if (!strcmp(arg, "unlimited")) {
		v = RLIM_INFINITY;
	} else {
		char *end;
		uintmax_t n;
		errno = 0;
		n = strtoumax(arg, &end, 10);
		if (!*arg || *end || arg[0] == '-' || errno ||
		    n > (uintmax_t)RLIM_INFINITY / l->unit) {
			sh_err(sh, "ulimit: bad limit '%s'", arg);
			return 1;
		}
		v = (rlim_t)n * l->unit;
	}
	if (getrlimit(l->resource, &rl) < 0) {
		sh_err(sh, "ulimit: %s", strerror(errno));
		return 1;
	}
	if (hard)
		rl.rlim_max = v;
	if (soft)
		rl.rlim_cur = v;
	if (setrlimit(l->resource, &rl) < 0) {
		sh_err(sh, "ulimit: cannot set the limit: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int bi_ulimit(struct sh *sh, int argc, char **argv)
{
	const struct limit *which = &limits[2]; /* -f */
	bool hard = false, soft = false, all = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		for (const char *c = argv[i] + 1; *c; c++) {
			size_t k;
			if (*c == 'H') {
				hard = true;
				continue;
			}
			if (*c == 'S') {
				soft = true;
				continue;
			}
			if (*c == 'a') {
				all = true;
				continue;
			}
			for (k = 0; k < CS_ARRAY_SIZE(limits); k++)
				if (limits[k].opt == *c)
					break;
			if (k == CS_ARRAY_SIZE(limits)) {
				sh_err(sh, "ulimit: unknown option '-%c'", *c);
				return 2;
			}
			which = &limits[k];
		}
	}
	if (all) {
		if (i < argc) {
			sh_err(sh, "ulimit: -a takes no limit");
			return 2;
		}
		for (size_t k = 0; k < CS_ARRAY_SIZE(limits); k++)
			print_limit(&limits[k], hard && !soft, true);
		return 0;
	}
	if (i + 1 < argc) {
		sh_err(sh, "ulimit: too many arguments");
		return 2;
	}
	if (i == argc) {
		print_limit(which, hard && !soft, false);
		return 0;
	}
	/* neither -H nor -S: both limits */
	if (!hard && !soft)
		hard = soft = true;
	return set_limit(sh, which, argv[i], hard, soft);
}

SH_BUILTIN(ulimit) = {
	.b = { "ulimit", bi_ulimit, false },
	.usage = "ulimit [-HS] [-a | -cdfnstv [LIMIT]]",
	.what = "show or set a resource limit of the shell and its children",
};
