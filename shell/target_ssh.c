// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * target_ssh.c — the target backend of SSH hosts (scheduler/): `@web1
 * cmd` execs the OpenSSH client in the forked child, through the host's
 * ControlMaster socket, with the command's words quoted for the remote
 * /bin/sh.  A target word is a host name, a glob over names (`web*`), a
 * label (`role=web`) or `all` (docs/hosts.md).
 *
 * How stdin is handed over decides what a lost connection leaves behind
 * (sshd does not signal a session without a terminal):
 *  - a terminal on stdin and stdout: `ssh -tt`, so ^C reaches the remote
 *    command and a hang-up ends it;
 *  - /dev/null (every child of a fan-out from a terminal): the remote
 *    watchdog, which kills the command when the connection closes, with
 *    stdin a pipe held open until ssh dies (sch_hold_stdin());
 *  - otherwise (a pipe, a file): plain ssh, stdin forwarded, as `ssh host
 *    cmd` does.
 * `fanout` (bi_host.c) adds width, timeouts, retries and gathering.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "scheduler/scheduler.h"
#include "shell/target_i.h"

static void add_host(struct sh_targets *out, const struct sch_host *h)
{
	struct sch_host *copy = xcalloc(1, sizeof(*copy));

	/* the handle outlives the inventory it came from */
	sch_host_copy(copy, h);
	sh_targets_add(out, &sh_backend_ssh, h->name, copy);
}

static int ssh_resolve(const char *word, struct sh_targets *out,
		       struct cs_error *err)
{
	struct sch_inventory inv;
	size_t *idx = NULL;
	int n;

	if (!sch_spec_valid(word))
		return 0;
	if (sch_inventory_load(&inv, err) < 0)
		return cs_error_wrap(err, "cannot read the hosts inventory");
	if (!sh_target_is_glob(word) && !strchr(word, '=') &&
	    strcmp(word, "all")) {
		const struct sch_host *h = sch_inventory_find(&inv, word);

		if (h)
			add_host(out, h);
		sch_inventory_release(&inv);
		return h ? 1 : 0;
	}
	n = sch_match(&inv, word, &idx, NULL);
	for (int i = 0; i < n; i++)
		add_host(out, &inv.hosts[idx[i]]);
	free(idx);
	sch_inventory_release(&inv);
	return n > 0 ? n : 0;
}

static bool is_devnull(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 3);
}

static int ssh_enter(const struct sh_target *t, char **argv,
		     const char *const **env, struct cs_error *err)
{
	const struct sch_host *h = t->handle;
	struct sch_ssh_opts o = { 0 };
	_cleanup_free_ char *cmd = NULL;
	char **v;

	*env = NULL;
	o.tty = isatty(0) && isatty(1);
	o.watchdog = !o.tty && is_devnull(0);
	if (o.watchdog && sch_hold_stdin(err) < 0)
		return -1;
	cmd = sch_quote_argv(argv);
	v = sch_ssh_argv(h, cmd, &o, err);
	if (!v)
		return cs_error_wrap(err, "cannot run on host '%s'", t->name);
	execvp(v[0], v);
	cs_error_errno(err, "cannot run %s for host '%s'", v[0], t->name);
	sch_argv_free(v);
	return -1;
}

static char **ssh_names(void)
{
	struct cs_strvec v = CS_STRVEC_INIT;
	struct sch_inventory inv;

	if (sch_inventory_load(&inv, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < inv.n; i++)
		cs_strvec_push(&v, inv.hosts[i].name);
	sch_inventory_release(&inv);
	return cs_strvec_detach(&v);
}

static void ssh_release(struct sh_target *t)
{
	if (!t->handle)
		return;
	sch_host_release(t->handle);
	free(t->handle);
	t->handle = NULL;
}

const struct sh_backend sh_backend_ssh = {
	.name = "ssh host",
	.resolve = ssh_resolve,
	.enter = ssh_enter,
	.names = ssh_names,
	.release = ssh_release,
};
