/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sh_stub.h — a stand-in for the interpreter's side of shell/builtin_i.h,
 * so the builtins and the arithmetic evaluator can be unit-tested and
 * fuzzed without the rest of the shell.  The variables live in a small
 * in-memory table; diagnostics are kept, not printed.
 */
#ifndef CSHELL_TESTS_SH_STUB_H
#define CSHELL_TESTS_SH_STUB_H

#include "shell/builtin_i.h"

/* A fresh shell with no variables; free with stub_sh_free(). */
struct sh *stub_sh_new(void);
void stub_sh_free(struct sh *sh);
/* Marks a (set) variable read-only. */
void stub_set_readonly(struct sh *sh, const char *name);
/* sh_extensions(): off (as --posix) until turned on */
void stub_set_extensions(struct sh *sh, bool on);
/* Sets the positional parameters ($1..) to a copy of v[0..n-1]. */
void stub_set_posparams(struct sh *sh, int n, char **v);
/* The last diagnostic sh_err() got ("" when none) and how many so far. */
const char *stub_last_err(struct sh *sh);
int stub_nerr(struct sh *sh);

#endif
