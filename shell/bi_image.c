/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_image.c — the `image` builtin runs the cshell-image program (the
 * image module's command line, image/cli.c) with the same arguments, so
 * the registry client's libraries are loaded only when images are used.
 */
#include <string.h>

#include "shell/shell_i.h"
#include "shell/up_i.h"

int bi_image(struct sh *sh, int argc, char **argv)
{
	char **v = arena_alloc(sh->stack, (argc + 1) * sizeof(char *));

	/* a build evaluates a Cshellfile: the shell's part (up.c) */
	if (argc > 1 && !strcmp(argv[1], "build"))
		return sh_up_image_build(sh, argc, argv);

	v[0] = sh_helper_path(sh, "cshell-image");
	for (int i = 1; i <= argc; i++)
		v[i] = argv[i];
	return sh_exec_external_wait(sh, v);
}
