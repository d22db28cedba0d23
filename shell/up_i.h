/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * up_i.h — Cshellfile environments (up.c) and their lock file (uplock.c).
 * Private to shell/.
 */
#ifndef CSHELL_SHELL_UP_I_H
#define CSHELL_SHELL_UP_I_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/lib.h"

struct sh;
struct builtin;

/* Cshellfile.lock (uplock.c). */
struct up_lock_step {
	char *kind;   /* "run" or "copy" */
	char *key;    /* the step's cache key, "sha256:…" */
	char *digest; /* its layer's digest */
};

struct up_lock {
	char *from;	     /* the reference, "-" without from */
	char *from_digest;   /* its manifest digest, "-" without from */
	char *kernel;	     /* NULL without `kernel`, else as declared */
	char *kernel_digest; /* the sha256 of that kernel's file */
	struct up_lock_step *steps;
	size_t nsteps;
};

/* Parses a lock file's text (any bytes).  Returns 0, or -1 + err naming
 * the line ("Cshellfile.lock:N: …"); l then holds nothing. */
int up_lock_parse(struct up_lock *l, const char *text, size_t len,
		  struct cs_error *err);
/* Appends the lock's text (stable: one line per step, in order). */
void up_lock_format(const struct up_lock *l, struct cs_buf *out);
void up_lock_release(struct up_lock *l);

/* In a Cshellfile's evaluation (sh->up set): the environment builtin
 * called name, or NULL to look name up as usual; what a Cshellfile may
 * not run (external commands, @targets, sandbox/image/… builtins) ends
 * the evaluation with "Cshellfile:LINE: …" and status 2. */
const struct builtin *sh_up_builtin(struct sh *sh, const char *name,
				    bool target);

/* The value of the line "key VALUE" in a helper's output (cshell-image
 * resolve, build-step…), malloc'd, or NULL. */
char *sh_out_field(const struct cs_buf *out, const char *key);

/* `image build [-t REF] [DIR]` (bi_image.c hands it over). */
int sh_up_image_build(struct sh *sh, int argc, char **argv);

#endif
