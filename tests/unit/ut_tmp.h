/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ut_tmp.h — a unit test's scratch directory: made fresh under /tmp,
 * state dirs pointed into it, removed with everything below it (without
 * a shell, and without following a symlink out of it).
 */
#ifndef CSHELL_TESTS_UT_TMP_H
#define CSHELL_TESTS_UT_TMP_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lib/lib.h"

/* A new empty /tmp/NAME.XXXXXX (malloc'd), or NULL. */
static inline char *ut_tmpdir(const char *name)
{
	char *dir = xasprintf("/tmp/%s.XXXXXX", name);

	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Sets the environment variable VAR to DIR/SUB. */
static inline void ut_setenv_in(const char *dir, const char *var,
				const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);

	setenv(var, p, 1);
	free(p);
}

static inline int ut_rm_one(const char *path, const struct stat *st, int type,
			    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Removes DIR and everything below it, as rm -rf (a missing DIR is
 * fine): 0, or -1. */
static inline int ut_rmtree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0 && errno == ENOENT)
		return 0;
	return nftw(dir, ut_rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

#endif
