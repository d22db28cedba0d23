/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_image.c — the `image` builtin runs the cshell-image program (the
 * image module's command line, image/cli.c) with the same arguments, so
 * the registry client's libraries are loaded only when images are used.
 */
#include "shell/shell_i.h"

int bi_image(struct sh *sh, int argc, char **argv)
{
	char **v = arena_alloc(sh->stack, (argc + 1) * sizeof(char *));

	v[0] = sh_helper_path(sh, "cshell-image");
	for (int i = 1; i <= argc; i++)
		v[i] = argv[i];
	return sh_exec_external_wait(sh, v);
}
