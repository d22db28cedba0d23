/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_host.c — the `host` and `fanout` builtins run cshell-hosts (the
 * scheduler module's command line, scheduler/main.c), so jansson and the
 * fan-out engine are loaded only when hosts are used.  `fanout` also keeps
 * each host's status in TARGET_STATUS ("web1=0 web2=255"), as `@a,b cmd`
 * does.
 */
#include <fcntl.h>
#include <string.h>

#include "shell/shell_i.h"

static int bi_host(struct sh *sh, int argc, char **argv)
{
	char **v = arena_alloc(sh->stack, (argc + 1) * sizeof(char *));

	v[0] = sh_helper_path(sh, "cshell-hosts");
	for (int i = 1; i <= argc; i++)
		v[i] = argv[i];
	return sh_exec_external_wait(sh, v);
}

/* Sets TARGET_STATUS from the "name=status" lines of path. */
static void keep_statuses(struct sh *sh, const char *path)
{
	struct cs_buf b = CS_BUF_INIT;

	if (cs_read_file(path, &b, 1 << 20, NULL) < 0 || !b.len) {
		cs_buf_release(&b);
		return;
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.buf[i] == '\n')
			b.buf[i] = i + 1 < b.len ? ' ' : 0;
	var_set(sh, "TARGET_STATUS", b.buf, 0);
	cs_buf_release(&b);
}

static int bi_fanout(struct sh *sh, int argc, char **argv)
{
	char **v = arena_alloc(sh->stack, (argc + 4) * sizeof(char *));
	_cleanup_free_ char *dir = cs_root_subdir(CS_ROOT_RUNTIME, "", 1, NULL);
	_cleanup_free_ char *path = NULL;
	int fd = -1, st;

	if (dir) {
		path = xasprintf("%s/fanout.XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
	}
	v[0] = sh_helper_path(sh, "cshell-hosts");
	v[1] = "fanout";
	argc = argc > 0 ? argc : 1;
	if (fd >= 0) {
		close(fd);
		v[2] = "--status-file";
		v[3] = path;
		memcpy(v + 4, argv + 1, (argc - 1) * sizeof(char *));
		v[argc + 3] = NULL;
	} else {
		memcpy(v + 2, argv + 1, (argc - 1) * sizeof(char *));
		v[argc + 1] = NULL;
	}
	st = sh_exec_external_wait(sh, v);
	if (fd >= 0) {
		keep_statuses(sh, path);
		unlink(path);
	}
	return st;
}

SH_BUILTIN(host) = {
	.b = { "host", bi_host, false },
	.own_help = true,
	.usage = "host add|rm|ls|probe|place|clean ...",
	.what = "SSH hosts: the inventory, probes, placement",
};

SH_BUILTIN(fanout) = {
	.b = { "fanout", bi_fanout, false },
	.own_help = true,
	.usage =
		"fanout [-f WIDTH] [-t SECONDS] [-r N] [--gather] [--summary] SPEC [--] COMMAND...",
	.what = "run a command on many hosts",
};
