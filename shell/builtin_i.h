/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * builtin_i.h — the contract between builtins and the interpreter.
 *
 * A builtin runs in the shell process with redirections already applied to
 * the real file descriptors, so it writes its output with stdio on stdout
 * (the interpreter flushes stdout after every builtin and turns a write
 * error into status 1) and its diagnostics with sh_err().  It returns its
 * exit status.  Private to shell/.
 */
#ifndef CSHELL_SHELL_BUILTIN_I_H
#define CSHELL_SHELL_BUILTIN_I_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"

struct sh;

typedef int (*sh_builtin_fn)(struct sh *sh, int argc, char **argv);

/* Variable flags for sh_setvar(). */
enum sh_var_flags {
	SH_VAR_EXPORT = 1 << 0,
	SH_VAR_READONLY = 1 << 1,
};

/* Returns the value of a shell variable, NULL when unset.  The pointer is
 * valid until the variable is next changed. */
const char *sh_getvar(struct sh *sh, const char *name);
/* Sets a variable (value copied).  Returns 0, or -1 after printing
 * "NAME: is read only" when it is read-only. */
int sh_setvar(struct sh *sh, const char *name, const char *value, int flags);
/* Unsets; -1 (message printed) when read-only. */
int sh_unsetvar(struct sh *sh, const char *name);

/* Prints a diagnostic to stderr as "cshell: <msg>" — or, in a script,
 * "<script>: <line>: <msg>" — followed by a newline. */
void sh_err(struct sh *sh, const char *fmt, ...) CS_PRINTF(2, 3);

/* Arithmetic expansion (arith.c): evaluates the already-expanded text of
 * $((expr)) with the full C integer operator set of XCU 2.6.4 on intmax_t
 * (including assignment operators, ++/-- are not required by POSIX and are
 * supported, ?:, comma), reading and assigning shell variables through
 * sh_getvar()/sh_setvar().  Returns 0 and stores the result, or -1 after
 * printing a diagnostic (syntax error, division by zero). */
int sh_arith(struct sh *sh, const char *expr, intmax_t *result);

/* True when name is a valid shell variable name. */
int sh_isname(const char *name);

/* Builtins implemented outside the interpreter core. */
int bi_test(struct sh *sh, int argc, char **argv); /* test and [ */
int bi_printf(struct sh *sh, int argc, char **argv);
int bi_read(struct sh *sh, int argc, char **argv);
int bi_getopts(struct sh *sh, int argc, char **argv);
int bi_umask(struct sh *sh, int argc, char **argv);
int bi_ulimit(struct sh *sh, int argc, char **argv);
int bi_echo(struct sh *sh, int argc, char **argv);
/* Builtins that live with what they drive (cd.c, alias.c, options.c,
 * jobs.c, target.c). */
int bi_cd(struct sh *sh, int argc, char **argv);
int bi_pwd(struct sh *sh, int argc, char **argv);
int bi_alias(struct sh *sh, int argc, char **argv);
int bi_unalias(struct sh *sh, int argc, char **argv);
int bi_set(struct sh *sh, int argc, char **argv);
int bi_wait(struct sh *sh, int argc, char **argv);
int bi_jobs(struct sh *sh, int argc, char **argv);
int bi_fg(struct sh *sh, int argc, char **argv);
int bi_bg(struct sh *sh, int argc, char **argv);
int bi_enter(struct sh *sh, int argc, char **argv);
int bi_leave(struct sh *sh, int argc, char **argv);
/* Prints the help entry of builtin name as "usage: …" (help.c); -1 when
 * it has none. */
int sh_help_usage(const char *name);
/* A usage error of a builtin: the message (fmt with arg), status 2. */
int sh_bi_usage(struct sh *sh, const char *fmt, const char *arg);
/* The builtins of other modules' commands (help.c, bi_sandbox.c,
 * bi_image.c, bi_monitor.c, bi_host.c). */
int bi_help(struct sh *sh, int argc, char **argv);
int bi_sandbox(struct sh *sh, int argc, char **argv);
int bi_image(struct sh *sh, int argc, char **argv);
int bi_monitor(struct sh *sh, int argc, char **argv);
int bi_sandbox_stats(struct sh *sh, int argc, char **argv); /* sandbox stats */
int bi_host(struct sh *sh, int argc, char **argv);
int bi_fanout(struct sh *sh, int argc, char **argv);
int bi_up(struct sh *sh, int argc, char **argv);   /* up.c */
int bi_down(struct sh *sh, int argc, char **argv); /* up.c */

/* Prints s decoding XSI backslash escapes (echo, printf %b); octal
 * escapes are \0NNN when octal_needs_zero.  Returns false after \c. */
bool sh_print_escaped(const char *s, bool octal_needs_zero);

/* The extensions (echo -e/-E, source, [[ ]], brace expansion, time,
 * PIPESTATUS) are on: not `set -o posix` / `cshell --posix`. */
bool sh_extensions(struct sh *sh);

/* getopts needs the positional parameters when no args are given. */
int sh_posparams(struct sh *sh, char ***argv); /* returns count, argv[1..] */
/* `set` gave new positional parameters: getopts starts over at $1. */
void sh_getopts_restart(void);

#endif
