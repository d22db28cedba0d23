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

/* The builtins called from elsewhere: test by [[ ]] (dbracket.c) and the
 * unit tests, the others by the unit tests. */
int bi_test(struct sh *sh, int argc, char **argv); /* test and [ */
int bi_printf(struct sh *sh, int argc, char **argv);
int bi_read(struct sh *sh, int argc, char **argv);
int bi_getopts(struct sh *sh, int argc, char **argv);
int bi_umask(struct sh *sh, int argc, char **argv);
int bi_echo(struct sh *sh, int argc, char **argv);
/* `sandbox stats` (bi_monitor.c), reached from bi_sandbox.c */
int bi_sandbox_stats(struct sh *sh, int argc, char **argv);
/* Prints the help entry of builtin name as "usage: …" (help.c); -1 when
 * it has none. */
int sh_help_usage(const char *name);
/* A usage error of a builtin: the message (fmt with arg), status 2. */
int sh_bi_usage(struct sh *sh, const char *fmt, const char *arg);

/*
 * What Tab completes after a builtin's name (complete.c walks it).  The
 * word after the name is one of subs (when set); a word starting with '-'
 * one of flags; otherwise operand, when set, is asked first: it offers
 * candidates with sh_complete_offer() and returns true, or returns false
 * to leave the word to flags and file names.  words[0] is the builtin's
 * name, words[nwords - 1] the word before the one being completed (text).
 */
struct sh_completion {
	const char *const *subs;  /* NULL-terminated, or NULL */
	const char *const *flags; /* NULL-terminated, or NULL */
	bool (*operand)(struct sh *sh, char *const *words, int nwords,
			const char *text);
};
/* Offers s as a completion of text when it starts with text (complete.c). */
void sh_complete_offer(const char *text, const char *s);
/* Offers each of v (a malloc'd NULL-terminated vector, or NULL), freeing
 * it. */
void sh_complete_offer_take(const char *text, char **v);

/* A builtin as the interpreter runs it (also the Cshellfile's environment
 * builtins, up.c). */
struct builtin {
	const char *name;
	sh_builtin_fn fn;
	bool special; /* a special builtin (XCU 2.15) */
};

/*
 * One of the shell's builtins with what help and completion say of it:
 * defined with SH_BUILTIN(ID) in the file that implements it, listed as ID
 * (or ID=NAME when NAME is no C identifier) in SH_BUILTINS of its
 * module.mk; the build generates the sorted table of them
 * (scripts/gen-sh-tables.sh, docs/shell.md "Adding a builtin").
 */
struct sh_builtin {
	struct builtin b;
	/* `NAME --help` goes to b.fn: an operand (echo, test) or a front
	 * end's own longer usage; otherwise it prints usage and what */
	bool own_help;
	/* help's synopsis and one line; NULL: no entry (an alias) */
	const char *usage, *what;
	const struct sh_completion *complete; /* or NULL */
};
#define SH_BUILTIN(id)                                                         \
	extern const struct sh_builtin sh_builtin_##id;                        \
	const struct sh_builtin sh_builtin_##id

/* Prints s decoding XSI backslash escapes (echo, printf %b), and bash's
 * \xHH \uHHHH \UHHHHHHHH when hex.  Returns false after \c. */
bool sh_print_escaped(const char *s, bool hex);
/* At s, the letter after a backslash: prints bash's \xHH (a byte),
 * \uHHHH or \UHHHHHHHH (a character, in UTF-8) and returns the escape's
 * length from the letter on; 0, printing nothing, when no hex digit
 * follows. */
size_t sh_put_hex_escape(const char *s);
/* The value of variable name when it is exported, else NULL (printf's
 * %(…)T reads TZ as the programs the shell runs would). */
const char *sh_getenv(struct sh *sh, const char *name);

/* The extensions that change what some POSIX scripts mean (echo -e/-E,
 * brace expansion) are on: interactive, or after `set +o posix`. */
bool sh_extensions(struct sh *sh);
/* Those that change no POSIX script's meaning (source, [[ ]], time,
 * PIPESTATUS, $_) are on: also in scripts, unless `set -o posix` or
 * `cshell --posix` asked for none. */
bool sh_compat_extensions(struct sh *sh);

/* Whether the option of long name (`set -o NAME`) is on: 1 or 0, -1 when
 * there is no such option (options.c; test -o). */
int sh_option_on(struct sh *sh, const char *name);
/* set -u is on: expanding an unset variable is an error. */
bool sh_nounset(struct sh *sh);
/* The line being run: LINENO, which is no stored variable. */
int sh_lineno(struct sh *sh);

/* getopts needs the positional parameters when no args are given. */
int sh_posparams(struct sh *sh, char ***argv); /* returns count, argv[1..] */
/* `set` gave new positional parameters: getopts starts over at $1. */
void sh_getopts_restart(void);
/* OPTIND was assigned (by anything but getopts): getopts forgets its
 * place inside a cluster of options. */
void sh_getopts_optind_set(void);

#endif
