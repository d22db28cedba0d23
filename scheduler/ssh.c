/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ssh.c — connections through the OpenSSH client: quoting, the ssh
 * command line, ControlMaster sockets under the runtime root and their
 * cleanup, and process spawning.
 *
 * Why the OpenSSH client and not a library: it honours the user's
 * ~/.ssh/config (aliases, ProxyJump, keys, agents) exactly as ssh does,
 * and ControlMaster makes every command after the first a new channel on
 * a live connection instead of a new handshake.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "scheduler/sched_i.h"

/* ssh creates "<path>.<16 random chars>" and renames it into place, so
 * the control path needs that much room below sun_path's size. */
#define CONTROL_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 18)

/* Seconds a master stays up after its last client. */
#define CONTROL_PERSIST 300

/*
 * The key exchange asked for first, unless $CSHELL_SSH_KEX says otherwise.
 * OpenSSH 9's default, the post-quantum hybrid sntrup761x25519, costs
 * about 70 ms of CPU per handshake (client and server) where curve25519
 * costs about 25: a cold fan-out is mostly key exchanges, and on a small
 * machine running both ends that is 3x the time (docs/hosts.md, "Speed").
 * "^" puts it at the head of ssh's default list, so a server without it
 * still gets one of the others.
 */
#define DEFAULT_KEX "^curve25519-sha256,curve25519-sha256@libssh.org"

/*
 * The remote side of a fan-out command.  The command runs in a session
 * of its own (setsid, so one kill reaches every process it started) with
 * stdin from /dev/null, while a watchdog reads the connection's stdin: the
 * client never writes to it, so it reaches EOF exactly when the channel
 * closes — the client was killed by a timeout, or the connection dropped —
 * and the watchdog then kills the whole session (SIGTERM, SIGKILL for
 * what is still there 3 s later).  fd 3 keeps the channel's
 * stdin because sh gives background lists /dev/null as stdin.  One line:
 * csh-family login shells refuse newlines inside quotes.
 */
static const char watchdog[] =
	"exec 3<&0; "
	"if command -v setsid >/dev/null 2>&1; then "
	"setsid /bin/sh -c \"$1\" </dev/null 3<&- & "
	"else /bin/sh -c \"$1\" </dev/null 3<&- & fi; "
	"p=$!; "
	"(while read -r _ <&3; do :; done; "
	"kill -TERM -$p 2>/dev/null || kill -TERM $p 2>/dev/null; "
	"for i in 1 2 3; do kill -0 -$p 2>/dev/null || kill -0 $p 2>/dev/null "
	"|| exit 0; sleep 1; done; "
	"kill -KILL -$p 2>/dev/null || kill -KILL $p 2>/dev/null) "
	">/dev/null 2>&1 & "
	"w=$!; exec 3<&-; wait $p; s=$?; kill $w 2>/dev/null; exit $s";

const char *sch_ssh_prog(void)
{
	const char *s = getenv("CSHELL_SSH");

	return s && *s ? s : "ssh";
}

static int safe_char(int c)
{
	return isascii(c) && (isalnum(c) || strchr("_@%+=:,./-", c));
}

char *sch_quote(const char *s)
{
	struct cs_buf b = CS_BUF_INIT;
	int plain = *s != 0;

	for (const char *p = s; *p && plain; p++)
		plain = safe_char((unsigned char)*p);
	if (plain)
		return xstrdup(s);
	cs_buf_addc(&b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			cs_buf_adds(&b, "'\\''");
		else
			cs_buf_addc(&b, *p);
	}
	cs_buf_addc(&b, '\'');
	return cs_buf_detach(&b, NULL);
}

char *sch_quote_argv(char *const *argv)
{
	struct cs_buf b = CS_BUF_INIT;

	for (size_t i = 0; argv[i]; i++) {
		_cleanup_free_ char *q = sch_quote(argv[i]);

		if (i)
			cs_buf_addc(&b, ' ');
		cs_buf_adds(&b, q);
	}
	return cs_buf_detach(&b, NULL);
}

char *sch_control_path(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_RUNTIME, "ssh", 1, err);
	char *p;

	if (!dir)
		return NULL;
	p = xasprintf("%s/%s.sock", dir, name);
	if (strlen(p) <= CONTROL_PATH_MAX && !strchr(p, '%'))
		return p;
	free(p);
	cs_error_set(err, 0,
		     "the runtime directory '%s' is too long for a "
		     "control socket (at most %zu bytes)",
		     dir, CONTROL_PATH_MAX);
	return NULL;
}

void sch_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

struct argv_b {
	char **v;
	size_t n;
};

static void push(struct argv_b *a, char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(char *));
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* The options every ssh of ours gets, up to (not including) the host. */
static void common_opts(struct argv_b *a, const struct sch_host *h,
			const struct sch_ssh_opts *o, const char *control,
			const char *user, int port)
{
	const char *cfg =
		o && o->config ? o->config : getenv("CSHELL_SSH_CONFIG");
	int ct = o && o->connect_timeout > 0 ? o->connect_timeout : 10;
	const char *kex = getenv("CSHELL_SSH_KEX");

	(void)h;
	push(a, xstrdup(sch_ssh_prog()));
	if (cfg && *cfg) {
		push(a, xstrdup("-F"));
		push(a, xstrdup(cfg));
	}
	/* never a prompt: a fan-out has no one to answer it */
	push(a, xstrdup("-oBatchMode=yes"));
	push(a, xasprintf("-oConnectTimeout=%d", ct));
	if (!kex)
		kex = DEFAULT_KEX;
	if (*kex)
		push(a, xasprintf("-oKexAlgorithms=%s", kex));
	/* a dead link is noticed by the master, not only by our timeout */
	push(a, xstrdup("-oServerAliveInterval=5"));
	push(a, xstrdup("-oServerAliveCountMax=3"));
	if (control) {
		push(a, xstrdup("-oControlMaster=auto"));
		push(a, xasprintf("-oControlPath=%s", control));
		push(a, xasprintf("-oControlPersist=%d", CONTROL_PERSIST));
	} else {
		push(a, xstrdup("-oControlMaster=no"));
		push(a, xstrdup("-oControlPath=none"));
	}
	if (user) {
		push(a, xstrdup("-l"));
		push(a, xstrdup(user));
	}
	if (port) {
		push(a, xstrdup("-p"));
		push(a, xasprintf("%d", port));
	}
}

char **sch_ssh_argv(const struct sch_host *h, const char *cmd,
		    const struct sch_ssh_opts *o, struct cs_error *err)
{
	_cleanup_free_ char *user = NULL, *host = NULL, *control = NULL;
	struct argv_b a = { NULL, 0 };
	struct cs_error e = CS_ERROR_INIT;
	int port;

	if (sch_dest_split(h->dest, &user, &host, &port, err) < 0)
		return NULL;
	if (!o || !o->no_master) {
		control = sch_control_path(h->name, &e);
		if (!control) {
			/* slower, but it still works */
			cs_debug("%s; connecting without a master", e.msg);
			cs_error_release(&e);
		}
	}
	common_opts(&a, h, o, control, user, port);
	push(&a, xstrdup(o && o->tty ? "-tt" : "-T"));
	push(&a, xstrdup("--"));
	push(&a, xstrdup(host));
	/* the remote login shell reads this line; /bin/sh runs the command
	 * whatever that login shell is */
	if (o && o->watchdog) {
		_cleanup_free_ char *qw = sch_quote(watchdog);
		_cleanup_free_ char *qc = sch_quote(cmd);

		push(&a, xasprintf("exec /bin/sh -c %s sh %s", qw, qc));
	} else {
		_cleanup_free_ char *qc = sch_quote(cmd);

		push(&a, xasprintf("exec /bin/sh -c %s", qc));
	}
	return a.v;
}

pid_t sch_spawn(char *const *argv, const int fds[3], struct cs_error *err)
{
	pid_t pid = fork();

	if (pid < 0) {
		cs_error_errno(err, "cannot fork");
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		sigset_t none;

		for (int i = 0; i < 3; i++)
			if (dup2(fds[i] >= 0 ? fds[i] : null, i) < 0)
				_exit(127);
		/* a caller ignoring SIGPIPE or blocking signals must not hand
		 * that to ssh */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a session of its own, as pdsh gives each ssh: with the
		 * scheduler's autogroups, a session is what gets a fair share
		 * of the CPU, and 16 handshakes in the caller's one session
		 * would share what a single process of another session gets;
		 * the terminal's ^C reaches the caller, whose cancel flag
		 * stops them (sch_fanout_opts.cancel) */
		setsid();
		execvp(argv[0], argv);
		dprintf(2, "%s: cannot run %s: %s\n", cs_log_prog(), argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

int sch_hold_stdin(struct cs_error *err)
{
	pid_t parent = getpid(), pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return cs_error_errno(err, "cannot create a pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cs_error_errno(err, "cannot fork");
	}
	if (pid == 0) {
		/* ssh closes every descriptor above 2 when it starts, so the
		 * write end must live in another process: this one, until
		 * its parent is gone */
		int keep, null;

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* nothing else: a caller waiting for EOF on our stdout must
		 * not wait for us */
		keep = fcntl(p[1], F_DUPFD, 10);
		null = open("/dev/null", O_RDWR);
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		close_range(3, 9, 0);
		close_range(keep + 1, ~0U, 0);
		for (;;)
			pause();
	}
	close(p[1]);
	if (dup2(p[0], 0) < 0) {
		close(p[0]);
		return cs_error_errno(err, "cannot redirect stdin");
	}
	close(p[0]);
	/* ssh leaves the caller's process group, the holder stays: the
	 * terminal's ^C ends the holder, the channel's stdin reaches EOF and
	 * the watchdog ends the command; setsid() fails, harmlessly, for a
	 * process group leader */
	setsid();
	return 0;
}

/* Runs an ssh control command (-O check/exit) quietly; returns its
 * exit status or -1. */
static int control_cmd(const struct sch_host *h, const char *control,
		       const char *op)
{
	_cleanup_free_ char *user = NULL, *host = NULL;
	struct argv_b a = { NULL, 0 };
	int fds[3] = { -1, -1, -1 }, port, st;
	pid_t pid;

	if (sch_dest_split(h->dest, &user, &host, &port, NULL) < 0)
		return -1;
	common_opts(&a, h, NULL, control, user, port);
	push(&a, xstrdup("-O"));
	push(&a, xstrdup(op));
	push(&a, xstrdup("--"));
	push(&a, xstrdup(host));
	pid = sch_spawn(a.v, fds, NULL);
	sch_argv_free(a.v);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* True when something listens on the unix socket at path. */
static int socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1; /* cannot tell: keep it */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 1;
	return errno != ECONNREFUSED && errno != ENOENT;
}

void sch_disconnect(const struct sch_host *h)
{
	_cleanup_free_ char *control = sch_control_path(h->name, NULL);

	if (!control || access(control, F_OK) < 0)
		return;
	if (socket_alive(control))
		control_cmd(h, control, "exit");
	unlink(control);
}

int sch_clean_sockets(void)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_RUNTIME, "ssh", 0, NULL);
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (!dir || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_type != DT_SOCK)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		/* a master that died (reboot, kill) leaves its socket */
		if (!socket_alive(p) && unlink(p) == 0)
			n++;
	}
	closedir(d);
	return n;
}
