// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fanout.c — one command on many targets at once (`@a,b cmd`, `@sb*
 * cmd`): the job's process is a supervisor that forks one child per target
 * (each enters its target as a single `@T cmd` would) and prints their
 * output line by line, each line prefixed `T: ` and never split, as pdsh
 * does.  It exits with the worst status (0 only if every target
 * succeeded) and reports each target's status to the shell, which keeps
 * them in TARGET_STATUS ("a=0 b=1"; not after a job that was stopped: its
 * reader is gone by the time it ends).
 *
 * The children stay in the job's process group: the terminal's ^C and ^Z
 * reach every one of them (and ^Z the supervisor with them), `fg` resumes
 * them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/shell_i.h"
#include "shell/target_i.h"

/* One output stream of one target. */
struct stream {
	int fd;	 /* read end, -1 once at EOF */
	int out; /* 1 or 2 */
	const char *name;
	struct cs_buf line; /* a line not yet complete */
};

static pid_t *children;
static size_t nchildren;

static void forward(int sig)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], sig);
}

static void emit(struct stream *s, const char *p, size_t len)
{
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_addf(&b, "%s: ", s->name);
	cs_buf_add(&b, p, len);
	if (!len || p[len - 1] != '\n')
		cs_buf_addc(&b, '\n');
	cs_write_all(s->out, b.buf, b.len);
	cs_buf_release(&b);
}

/* Reads what s has and prints its complete lines; at EOF the rest. */
static void drain(struct stream *s)
{
	char buf[8192];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	char *nl;

	if (n < 0 && errno == EINTR)
		return;
	if (n > 0)
		cs_buf_add(&s->line, buf, (size_t)n);
	while (s->line.len && (nl = memchr(s->line.buf, '\n', s->line.len))) {
		size_t len = (size_t)(nl - s->line.buf) + 1;

		emit(s, s->line.buf, len);
		memmove(s->line.buf, s->line.buf + len, s->line.len - len);
		s->line.len -= len;
	}
	if (n <= 0) {
		if (s->line.len)
			emit(s, s->line.buf, s->line.len);
		s->line.len = 0;
		close(s->fd);
		s->fd = -1;
	}
}

void sh_fanout(struct sh *sh, const struct sh_targets *t, char **argv,
	       int status_fd)
{
	struct stream *st = xcalloc(2 * t->n, sizeof(*st));
	struct pollfd *p = xcalloc(2 * t->n, sizeof(*p));
	int worst = 0, open_streams = 0;
	struct cs_buf report = CS_BUF_INIT;

	/* the terminal's ^C goes to every child directly */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	children = xcalloc(t->n, sizeof(*children));
	nchildren = t->n;
	for (size_t i = 0; i < t->n; i++) {
		int o[2], e[2];

		if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
			sh_err(sh, "fan-out: pipe: %s", strerror(errno));
			_exit(126);
		}
		children[i] = fork();
		if (children[i] == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGQUIT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			if (dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0)
				_exit(126);
			/* many readers of one terminal would steal each
			 * other's input (pdsh gives none either); and with
			 * no terminal, ^C and ^Z reach each target's
			 * process directly */
			if (isatty(0)) {
				int nul = open("/dev/null", O_RDONLY);

				if (nul < 0 || dup2(nul, 0) < 0)
					_exit(126);
				close(nul);
			}
			sh_run_routed(sh, &t->v[i], argv);
		}
		close(o[1]);
		close(e[1]);
		st[2 * i] =
			(struct stream){ o[0], 1, t->v[i].name, CS_BUF_INIT };
		st[2 * i + 1] =
			(struct stream){ e[0], 2, t->v[i].name, CS_BUF_INIT };
		open_streams += 2;
		if (children[i] < 0) {
			sh_err(sh, "fan-out: fork: %s", strerror(errno));
			close(o[0]);
			close(e[0]);
			st[2 * i].fd = st[2 * i + 1].fd = -1;
			open_streams -= 2;
		}
	}
	while (open_streams > 0) {
		for (size_t i = 0; i < 2 * t->n; i++)
			p[i] = (struct pollfd){ .fd = st[i].fd,
						.events = POLLIN };
		if (poll(p, (nfds_t)(2 * t->n), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < 2 * t->n; i++) {
			if (st[i].fd < 0 || !p[i].revents)
				continue;
			drain(&st[i]);
			if (st[i].fd < 0)
				open_streams--;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		int ws, code = 126;

		while (children[i] > 0 && waitpid(children[i], &ws, 0) < 0) {
			if (errno != EINTR) {
				ws = -1;
				break;
			}
		}
		if (children[i] > 0 && ws != -1)
			code = WIFEXITED(ws) ? WEXITSTATUS(ws) :
					       128 + WTERMSIG(ws);
		if (code > worst)
			worst = code;
		cs_buf_addf(&report, "%s=%d\n", t->v[i].name, code);
	}
	/* a job stopped and resumed with `fg` has no reader left */
	signal(SIGPIPE, SIG_IGN);
	if (status_fd >= 0)
		cs_write_all(status_fd, report.buf, report.len);
	_exit(worst);
}

void sh_fanout_statuses(struct sh *sh, int fd, const struct job *j)
{
	char buf[4096];
	struct cs_buf v = CS_BUF_INIT;
	ssize_t n;

	/* a stopped job has not reported yet (nor will to us) */
	if (j && j->stopped)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		cs_buf_add(&v, buf, (size_t)n);
	for (size_t i = 0; i < v.len; i++)
		if (v.buf[i] == '\n')
			v.buf[i] = i + 1 < v.len ? ' ' : 0;
	if (v.len)
		var_set(sh, "TARGET_STATUS", v.buf, 0);
	cs_buf_release(&v);
}
