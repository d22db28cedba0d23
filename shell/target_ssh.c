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
 *
 * The same backend reaches sandboxes placed on hosts (`sandbox create
 * --on`): `@web1/dev cmd` names one, a plain `@dev` finds its host in the
 * placement record ($DATA/hosts-sandboxes), and the command runs as
 * `sandbox exec dev -- cmd` in that host's cshell, over the same ssh.
 * `@any cmd` runs on the least loaded host, chosen in the forked child
 * (a fresh probe of every host by cshell-hosts, the shell carries no
 * fan-out engine).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "scheduler/scheduler.h"
#include "shell/target_i.h"

/* What a target of this backend is: a host, a sandbox on a host, or
 * `any` (the host chosen when the command starts). */
struct ssh_target {
	struct sch_host host; /* a copy: it outlives the inventory */
	char *sandbox;	      /* NULL: the host itself */
	bool any;
};

static void add(struct sh_targets *out, const char *name,
		const struct sch_host *h, const char *sandbox)
{
	struct ssh_target *t = xcalloc(1, sizeof(*t));

	if (h)
		sch_host_copy(&t->host, h);
	t->sandbox = sandbox ? xstrdup(sandbox) : NULL;
	t->any = !h;
	sh_targets_add(out, &sh_backend_ssh, name, t);
}

static void add_host(struct sh_targets *out, const struct sch_host *h)
{
	add(out, h->name, h, NULL);
}

/* `HOST/SB`: a sandbox on that host (0 when HOST is no host). */
static int resolve_on_host(const struct sch_inventory *inv, const char *word,
			   struct sh_targets *out, struct cs_error *err)
{
	const char *slash = strchr(word, '/');
	_cleanup_free_ char *host = xstrndup(word, slash - word);
	const struct sch_host *h = sch_inventory_find(inv, host);

	if (!h)
		return 0;
	if (!slash[1] || strchr(slash + 1, '/'))
		return cs_error_set(err, 0,
				    "'%s' is not HOST/SANDBOX (one sandbox "
				    "name after the host)",
				    word);
	add(out, word, h, slash + 1);
	return 1;
}

/* Sandboxes of the placement record that word names (a glob: every one
 * it matches), each as HOST/SB. */
static int resolve_placed(const struct sch_inventory *inv, const char *word,
			  struct sh_targets *out)
{
	struct sch_remotes rem;
	int n = 0;

	if (sch_remotes_load(&rem, NULL) < 0)
		return 0;
	for (size_t i = 0; i < rem.n; i++) {
		const struct sch_remote *r = &rem.v[i];
		const struct sch_host *h = sch_inventory_find(inv, r->host);
		_cleanup_free_ char *name = NULL;

		if (!h || fnmatch(word, r->sandbox, 0))
			continue;
		name = xasprintf("%s/%s", r->host, r->sandbox);
		add(out, name, h, r->sandbox);
		n++;
	}
	sch_remotes_release(&rem);
	return n;
}

static int ssh_resolve(const char *word, struct sh_targets *out,
		       struct cs_error *err)
{
	struct sch_inventory inv;
	size_t *idx = NULL;
	int n;

	if (sch_inventory_load(&inv, err) < 0)
		return cs_error_wrap(err, "cannot read the hosts inventory");
	if (!inv.n) {
		/* `any` and `all` name no sandbox: say why nothing matches */
		n = strcmp(word, "any") && strcmp(word, "all") ?
			    0 :
			    cs_error_set(err, 0,
					 "no host for '@%s': the inventory is "
					 "empty (see 'host add')",
					 word);
	} else if (strchr(word, '/')) {
		n = resolve_on_host(&inv, word, out, err);
	} else if (!strcmp(word, "any")) {
		add(out, "any", NULL, NULL);
		n = 1;
	} else if (!sch_spec_valid(word)) {
		n = 0;
	} else if (!sh_target_is_glob(word) && !strchr(word, '=') &&
		   strcmp(word, "all")) {
		const struct sch_host *h = sch_inventory_find(&inv, word);

		if (h)
			add_host(out, h);
		n = h ? 1 : resolve_placed(&inv, word, out);
	} else {
		n = sch_match(&inv, word, &idx, NULL);
		for (int i = 0; i < n; i++)
			add_host(out, &inv.hosts[idx[i]]);
		free(idx);
		n = n > 0 ? n : 0;
		if (sh_target_is_glob(word))
			n += resolve_placed(&inv, word, out);
	}
	sch_inventory_release(&inv);
	return n;
}

/* `@any`: the first host of `cshell-hosts place --probe` (every host
 * probed now, least allocated first).  Fills t->host; 0 or -1 + err. */
static int pick_any(struct ssh_target *t, struct cs_error *err)
{
	_cleanup_free_ char *helper = sh_helper_path_dup("cshell-hosts");
	char *argv[] = { helper, "place", "--probe", NULL };
	char buf[SCH_NAME_MAX + 64] = "";
	struct sch_inventory inv;
	const struct sch_host *h;
	size_t len = 0;
	int fds[2], st;
	ssize_t r;
	pid_t pid;

	/* this child's own wait, not the shell's reaper */
	signal(SIGCHLD, SIG_DFL);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cs_error_errno(err, "cannot pick a host for '@any'");
	pid = fork();
	if (pid == 0) {
		/* the hosts that do not fit are no news here */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(fds[1], 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && len < sizeof(buf) - 1 &&
	       (r = read(fds[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		len += r > 0 ? (size_t)r : 0;
	}
	buf[len] = 0;
	close(fds[0]);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[strcspn(buf, " \n")] = 0;
	if (pid < 0 || !*buf)
		return cs_error_set(err, 0,
				    "'@any': no host answers (see 'host "
				    "probe')");
	if (sch_inventory_load(&inv, err) < 0)
		return -1;
	h = sch_inventory_find(&inv, buf);
	if (h)
		sch_host_copy(&t->host, h);
	sch_inventory_release(&inv);
	if (!h)
		return cs_error_set(err, 0, "'@any': host '%s' is gone", buf);
	return 0;
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
	struct ssh_target *st = t->handle;
	const struct sch_host *h = &st->host;
	struct sch_ssh_opts o = { 0 };
	_cleanup_free_ char *cmd = NULL;
	char **v;

	*env = NULL;
	if (st->any && pick_any(st, err) < 0)
		return -1;
	o.tty = isatty(0) && isatty(1);
	o.watchdog = !o.tty && is_devnull(0);
	if (o.watchdog && sch_hold_stdin(err) < 0)
		return -1;
	if (st->sandbox) {
		struct cs_strvec a = CS_STRVEC_INIT;

		cs_strvec_push(&a, "exec");
		cs_strvec_push(&a, st->sandbox);
		cs_strvec_push(&a, "--");
		for (size_t i = 0; argv[i]; i++)
			cs_strvec_push(&a, argv[i]);
		cmd = sch_remote_cshell("sandbox", a.v);
		cs_strvec_release(&a);
	} else {
		cmd = sch_quote_argv(argv);
	}
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
	struct sch_remotes rem;

	if (sch_inventory_load(&inv, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < inv.n; i++)
		cs_strvec_push(&v, inv.hosts[i].name);
	if (inv.n)
		cs_strvec_push(&v, "any");
	if (sch_remotes_load(&rem, NULL) == 0) {
		for (size_t i = 0; i < rem.n; i++) {
			cs_strvec_push(&v, rem.v[i].sandbox);
			cs_strvec_push_take(&v,
					    xasprintf("%s/%s", rem.v[i].host,
						      rem.v[i].sandbox));
		}
		sch_remotes_release(&rem);
	}
	sch_inventory_release(&inv);
	return cs_strvec_detach(&v);
}

static void ssh_release(struct sh_target *t)
{
	struct ssh_target *st = t->handle;

	if (!st)
		return;
	sch_host_release(&st->host);
	free(st->sandbox);
	free(st);
	t->handle = NULL;
}

int sh_ssh_enter_host(const struct sch_host *h, char **argv,
		      struct cs_error *err)
{
	struct ssh_target st = { .host = *h }; /* borrowed, not released */
	struct sh_target t = { &sh_backend_ssh, h->name, &st };
	const char *const *env;

	return ssh_enter(&t, argv, &env, err);
}

const struct sh_backend sh_backend_ssh = {
	.name = "ssh host",
	.resolve = ssh_resolve,
	.enter = ssh_enter,
	.names = ssh_names,
	.release = ssh_release,
};
