/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_sh_parse.c — libFuzzer target for the shell parser: any bytes must
 * parse or fail with a syntax error, never crash, hang or leak.
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
	struct arena *a = arena_new();
	bool err;
	sh_parse_string(sh, a, s, 1, &err);
	arena_unref(a);
	free(s);
	return 0;
}
