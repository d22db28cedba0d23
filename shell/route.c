/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * route.c — where `@T cmd` goes.  Targets are resolved here, in the one
 * module that knows every backend: "host" (this machine), then local
 * sandboxes.  Remote hosts and VMs plug in here as their modules arrive:
 * resolve() says whether a name is a target, enter() runs in the forked
 * child right before exec and either joins the target or execs a relay.
 */
#include <errno.h>
#include <string.h>

#include "sandbox/sandbox.h"
#include "shell/shell_i.h"

static int resolve(const char *target, struct cs_error *err)
{
	struct cs_error e = CS_ERROR_INIT;

	if (!strcmp(target, "host"))
		return 0;
	if (sbx_check_name(target, NULL) < 0 || sbx_resolve(target, &e) < 0) {
		int code = e.code;
		if (code != ENOENT && e.msg) {
			cs_error_set(err, 0, "%s", e.msg);
			cs_error_release(&e);
			return -1;
		}
		cs_error_release(&e);
		return cs_error_set(err, 0, "unknown target '%s' (no sandbox "
				    "of that name; see 'sandbox ls')", target);
	}
	return 0;
}

static int enter(const char *target, char **argv, const char *const **env,
		 struct cs_error *err)
{
	(void)argv;
	*env = NULL;
	if (!strcmp(target, "host"))
		return 0;
	if (sbx_join(target, err) < 0)
		return cs_error_wrap(err, "cannot run in sandbox '%s'", target);
	*env = sbx_joined_env();
	return 0;
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static char **names(struct sh *sh, const char *kind)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (!strcmp(kind, "image")) {
		/* the image library lives in cshell-image (see bi_image.c) */
		char *argv[] = { sh_helper_path(sh, "cshell-image"), "ls",
				 "--names", NULL };
		struct cs_buf out = CS_BUF_INIT;
		cs_buf_init(&out, 16u << 20);
		if (sh_capture(sh, argv, &out, true) == 0) {
			for (char *line = strtok(out.buf, "\n"); line;
			     line = strtok(NULL, "\n"))
				push(&v, &n, line);
		}
		cs_buf_release(&out);
		return v;
	}
	if (!strcmp(kind, "target"))
		push(&v, &n, "host");
	struct sbx_info *list;
	size_t count;
	if (sbx_list(&list, &count, NULL) == 0) {
		for (size_t i = 0; i < count; i++)
			push(&v, &n, list[i].spec.name);
		sbx_info_list_free(list, count);
	}
	return v;
}

static char *rootfs(const char *target, char **workdir)
{
	struct sbx_info info;

	*workdir = NULL;
	if (sbx_check_name(target, NULL) < 0 || sbx_inspect(target, &info, NULL) < 0)
		return NULL;
	char *r = NULL;
	if (info.state == SBX_STATE_RUNNING && info.rootfs) {
		r = xstrdup(info.rootfs);
		*workdir = sbx_start_dir(&info.spec);
	}
	sbx_info_release(&info);
	return r;
}

static const struct sh_router router = { resolve, enter, names, rootfs };

const struct sh_router *sh_router = &router;
