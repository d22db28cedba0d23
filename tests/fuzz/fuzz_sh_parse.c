/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_sh_parse.c — libFuzzer target for the shell parser: any bytes must
 * parse or fail with a syntax error, never crash, hang or leak, through
 * the production entry point sh_parse_command() as a script, eval and
 * $(…) are read.
 */
#include <string.h>

#include "shell/shell_i.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct sh *sh;

	if (!sh) {
		sh = sh_new();
		sh->script = true;
		/* diagnostics are expected; keep the fuzzer's output readable */
		freopen("/dev/null", "w", stderr);
	}
	if (size > 1 << 16)
		return 0;
	char *s = xstrndup((const char *)data, size);

	/* as a script is read: the production entry point, one complete
	 * command at a time until the end (after an error the rest of a
	 * script is not parsed either) */
	src_push_string(sh, s, strlen(s), 1);
	struct source *mine = sh->src;
	for (int i = 0; i < 100000; i++) {
		struct node *n;
		struct arena *ca;
		enum parse_result r = sh_parse_command(sh, &n, &ca);

		if (ca)
			arena_unref(ca);
		if (r != PARSE_OK)
			break;
	}
	while (sh->src && sh->src != mine)
		src_pop(sh);
	if (sh->src == mine)
		src_pop(sh);
	free(s);
	return 0;
}
