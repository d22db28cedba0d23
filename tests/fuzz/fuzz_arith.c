/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_arith.c — libFuzzer target for arithmetic expansion: any text must
 * evaluate or fail with a diagnostic, never crash, overflow the stack,
 * trip UBSan (signed overflow, bad shifts) or leak.  Runs over the stub
 * interpreter of tests/unit/sh_stub.c with a few variables preset.
 */
#include <string.h>

#include "tests/unit/sh_stub.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *s = xstrndup((const char *)data, size);
	struct sh *sh = stub_sh_new();
	sh_setvar(sh, "x", "5", 0);
	sh_setvar(sh, "n", "-9223372036854775808", 0);
	sh_setvar(sh, "m", "9223372036854775807", 0);
	sh_setvar(sh, "s", "abc", 0);
	sh_setvar(sh, "r", "1", SH_VAR_READONLY);
	intmax_t v;
	if (sh_arith(sh, s, &v) < 0 && !*stub_last_err(sh))
		__builtin_trap(); /* a failure must say why */
	stub_sh_free(sh);
	free(s);
	return 0;
}
