/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_umask.c — `umask [-p] [-S] [MODE]` with octal and symbolic modes
 * (u+rwx,g-w,o=), printing 0022 or u=rwx,g=rx,o=rx (after `umask ` with
 * bash's -p).
 */
#include <string.h>
#include <sys/stat.h>

#include "shell/builtin_i.h"

static void print_symbolic(mode_t mask)
{
	mode_t allow = ~mask & 0777;
	const char *who = "ugo";

	for (int i = 0; i < 3; i++) {
		int bits = (allow >> (6 - 3 * i)) & 7;
		printf("%c=%s%s%s%s", who[i], bits & 4 ? "r" : "",
		       bits & 2 ? "w" : "", bits & 1 ? "x" : "",
		       i < 2 ? "," : "\n");
	}
}

/* Applies a symbolic mode to the permission set `allow`. */
static int symbolic(const char *s, mode_t *allow)
{
	mode_t a = *allow;

	while (*s) {
		mode_t who = 0;
		for (; *s && strchr("ugoa", *s); s++)
			who |= *s == 'u' ? 0700 :
			       *s == 'g' ? 0070 :
			       *s == 'o' ? 0007 :
					   0777;
		if (!who)
			who = 0777;
		if (!*s || !strchr("+-=", *s))
			return -1;
		while (*s && strchr("+-=", *s)) {
			char op = *s++;
			mode_t perm = 0;
			if (*s && strchr("ugo", *s)) {
				/* g=u: copy another class's permissions */
				int shift = *s == 'u' ? 6 : *s == 'g' ? 3 : 0;
				perm = ((a >> shift) & 7) * 0111;
				s++;
			} else {
				for (; *s && strchr("rwxXst", *s); s++) {
					if (*s == 'r')
						perm |= 0444;
					if (*s == 'w')
						perm |= 0222;
					if (*s == 'x' || *s == 'X')
						perm |= 0111;
				}
			}
			perm &= who;
			if (op == '+')
				a |= perm;
			else if (op == '-')
				a &= ~perm;
			else
				a = (a & ~who) | perm;
		}
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	*allow = a & 0777;
	return 0;
}

int bi_umask(struct sh *sh, int argc, char **argv)
{
	bool sym = false, reinput = false;
	int i = 1;
	mode_t mask = umask(0);

	umask(mask);
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (strspn(argv[i] + 1, "Sp") != strlen(argv[i] + 1)) {
			sh_err(sh, "umask: unknown option '%s'", argv[i]);
			return 2;
		}
		sym |= strchr(argv[i], 'S') != NULL;
		reinput |= strchr(argv[i], 'p') != NULL;
	}
	if (i >= argc) {
		/* -p: as a command that sets it again (bash) */
		if (reinput)
			printf("umask %s", sym ? "-S " : "");
		if (sym)
			print_symbolic(mask);
		else
			printf("%04o\n", (unsigned)mask);
		return 0;
	}
	if (i + 1 < argc) {
		sh_err(sh, "umask: too many arguments");
		return 2;
	}
	const char *m = argv[i];
	if (m[0] >= '0' && m[0] <= '9') {
		/* like dash, bits above 0777 are accepted and dropped */
		char *end;
		long v = strtol(m, &end, 8);
		if (*end || v < 0 || v > 07777) {
			sh_err(sh, "umask: '%s': invalid octal mode", m);
			return 2;
		}
		umask((mode_t)v & 0777);
		return 0;
	}
	mode_t allow = ~mask & 0777;
	if (!*m || symbolic(m, &allow) < 0) {
		sh_err(sh, "umask: '%s': invalid symbolic mode", m);
		return 2;
	}
	umask(~allow & 0777);
	return 0;
}

SH_BUILTIN(umask) = {
	.b = { "umask", bi_umask, false },
	.usage = "umask [-p] [-S] [MODE]",
	.what = "the file mode creation mask",
};
