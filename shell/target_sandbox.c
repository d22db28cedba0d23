// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * target_sandbox.c — the target backend of local sandboxes (sandbox/):
 * `@dev cmd` joins dev's namespaces in the forked child, which then execs
 * as usual (sbx_join, sbx_exec).
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "sandbox/sandbox.h"
#include "shell/target_i.h"

static int sandbox_resolve(const char *word, struct sh_targets *out,
			   struct cs_error *err)
{
	struct cs_error e = CS_ERROR_INIT;
	struct sbx_info *list;
	size_t n;
	int added = 0;

	if (!sh_target_is_glob(word)) {
		if (sbx_check_name(word, NULL) < 0)
			return 0;
		if (sbx_resolve(word, &e) < 0) {
			int mine = e.code != ENOENT;

			if (mine)
				cs_error_set(err, 0, "%s", e.msg);
			cs_error_release(&e);
			return mine ? -1 : 0;
		}
		sh_targets_add(out, &sh_backend_sandbox, word, NULL);
		sbx_join_prepare(); /* once per shell, for every join */
		return 1;
	}
	/* a glob: every running sandbox it matches */
	if (sbx_list(&list, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (list[i].state != SBX_STATE_RUNNING ||
		    fnmatch(word, list[i].spec.name, 0) != 0)
			continue;
		sh_targets_add(out, &sh_backend_sandbox, list[i].spec.name,
			       NULL);
		sbx_join_prepare();
		added++;
	}
	sbx_info_list_free(list, n);
	return added;
}

static int sandbox_enter(const struct sh_target *t, char **argv,
			 const char *const **env, struct cs_error *err)
{
	(void)argv;
	*env = NULL;
	if (sbx_join(t->name, err) < 0)
		return cs_error_wrap(err, "cannot run in sandbox '%s'",
				     t->name);
	*env = sbx_joined_env();
	return 0;
}

static char **sandbox_names(void)
{
	struct cs_strvec v = CS_STRVEC_INIT;
	struct sbx_info *list;
	size_t n;

	if (sbx_list(&list, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cs_strvec_push(&v, list[i].spec.name);
	sbx_info_list_free(list, n);
	return cs_strvec_detach(&v);
}

static char *sandbox_rootfs(const struct sh_target *t, char **workdir)
{
	struct sbx_info info;
	char *r = NULL;

	*workdir = NULL;
	if (sbx_inspect(t->name, &info, NULL) < 0)
		return NULL;
	if (info.state == SBX_STATE_RUNNING && info.rootfs) {
		r = xstrdup(info.rootfs);
		*workdir = sbx_start_dir(&info.spec);
	}
	sbx_info_release(&info);
	return r;
}

/* Inside the sandbox, a --mount destination shows its source (the
 * longest destination that holds path wins); anything else is in the
 * rootfs. */
static char *sandbox_host_path(const struct sh_target *t, const char *path)
{
	struct sbx_info info;
	const struct sbx_mount *best = NULL;
	size_t best_len = 0;
	char *r = NULL;

	if (sbx_inspect(t->name, &info, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < info.spec.nmounts; i++) {
		const struct sbx_mount *m = &info.spec.mounts[i];
		size_t len = strlen(m->dst);

		while (len > 1 && m->dst[len - 1] == '/')
			len--;
		if (len < 2 || strncmp(path, m->dst, len) ||
		    (path[len] && path[len] != '/') || len < best_len)
			continue;
		best = m;
		best_len = len;
	}
	if (best)
		r = xasprintf("%s%s", best->src, path + best_len);
	else if (info.state == SBX_STATE_RUNNING && info.rootfs)
		r = xasprintf("%s%s", info.rootfs, path);
	sbx_info_release(&info);
	return r;
}

const struct sh_backend sh_backend_sandbox = {
	.name = "sandbox",
	.resolve = sandbox_resolve,
	.enter = sandbox_enter,
	.names = sandbox_names,
	.rootfs = sandbox_rootfs,
	.host_path = sandbox_host_path,
};
