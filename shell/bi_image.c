/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_image.c — the `image` builtin runs the cshell-image program (the
 * image module's command line, image/cli.c) with the same arguments, so
 * the registry client's libraries are loaded only when images are used.
 */
#include <string.h>

#include "shell/shell_i.h"
#include "shell/up_i.h"

static int bi_image(struct sh *sh, int argc, char **argv)
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

char **sh_image_names(struct sh *sh)
{
	struct cs_strvec v = CS_STRVEC_INIT;
	char *argv[] = { sh_helper_path(sh, "cshell-image"), "ls", "--names",
			 NULL };
	struct cs_buf out = CS_BUF_INIT;

	cs_buf_init(&out, 16u << 20);
	if (sh_capture(sh, argv, &out, true) == 0) {
		for (char *line = strtok(out.buf, "\n"); line;
		     line = strtok(NULL, "\n"))
			cs_strvec_push(&v, line);
	}
	cs_buf_release(&out);
	return cs_strvec_detach(&v);
}

/* Tab completion: cshell-image's subcommands and flags, image names */
static const char *const image_subs[] = {
	"pull", "ls",	  "inspect", "tag",   "rm", "prune",
	"push", "import", "export",  "build", NULL,
};
static const char *const image_flags[] = {
	"--json", "--platform", "--insecure", "--quiet",
	"--tag",  "--rebuild",	NULL,
};

/* image names after --image and as the operand of a subcommand that takes
 * an image */
static bool image_operand(struct sh *sh, char *const *words, int nwords,
			  const char *text)
{
	if (!strcmp(words[nwords - 1], "--image") ||
	    (nwords == 2 && strcmp(words[1], "pull") &&
	     strcmp(words[1], "import") && strcmp(words[1], "build"))) {
		sh_complete_offer_take(text, sh_image_names(sh));
		return true;
	}
	return false;
}

static const struct sh_completion image_completion = {
	.subs = image_subs,
	.flags = image_flags,
	.operand = image_operand,
};

SH_BUILTIN(image) = {
	.b = { "image", bi_image, false },
	.own_help = true,
	.usage =
		"image pull|ls|inspect|tag|rm|prune|push|import|export|build ...",
	.what = "OCI images",
	.complete = &image_completion,
};
