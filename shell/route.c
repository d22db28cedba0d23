/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * route.c — where `@T cmd` goes.  Targets are resolved here, in the one
 * module that knows every backend: local sandboxes, then remote hosts.
 * "host" always names the machine the shell runs on.
 */
#include <string.h>

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

static char **only_host(const char *kind)
{
	char **v = xcalloc(2, sizeof(char *));
	if (!strcmp(kind, "target"))
		v[0] = xstrdup("host");
	return v;
}

static char *no_rootfs(const char *target, char **workdir)
{
	(void)target;
	*workdir = NULL;
	return NULL;
}

static const struct sh_router none = { no_resolve, no_enter, only_host,
				       no_rootfs };

const struct sh_router *sh_router = &none;
