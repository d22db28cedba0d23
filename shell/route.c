/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * route.c — where `@T cmd` goes.  Targets are resolved here, in the one
 * module that knows every backend: local sandboxes, then remote hosts.
 * Until a backend registers targets, every name is unknown.
 */
#include "shell/shell_i.h"

static int no_resolve(const char *target, struct cs_error *err)
{
	return cs_error_set(err, 0, "unknown target '%s'", target);
}

static int no_enter(const char *target, char **argv, struct cs_error *err)
{
	(void)argv;
	return cs_error_set(err, 0, "unknown target '%s'", target);
}

static const struct sh_router none = { no_resolve, no_enter };

const struct sh_router *sh_router = &none;
