/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * img_driver.c — runs the `image` builtin (shell/bi_image.c) outside the
 * shell, for the image integration tests while build/bin/cshell cannot
 * run builtins yet: `img_driver image pull REF` ≡ `cshell -c 'image pull
 * REF'`.  It supplies the one interpreter service the builtin uses.
 */
#include <stdarg.h>

#include "lib/lib.h"
#include "shell/builtin_i.h"

int bi_image(struct sh *sh, int argc, char **argv);

void sh_err(struct sh *sh, const char *fmt, ...)
{
	va_list ap;

	(void)sh;
	fputs("cshell: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	int st;

	if (argc < 2) {
		fprintf(stderr, "usage: img_driver image ARGS...\n");
		return 2;
	}
	st = bi_image(NULL, argc - 1, argv + 1);
	if (fflush(stdout) != 0)
		return 1;
	return st;
}
