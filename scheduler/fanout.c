/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fanout.c — one command on many hosts: at most `width` ssh clients at
 * once, each with its stdout and stderr read by the event loop and cut
 * into whole lines prefixed "host: ", a per-host timeout that kills the
 * client (the remote watchdog then kills the command), retries after a
 * transport failure, and the statuses for the caller.
 *
 * A host is finished when its ssh has exited and both pipes are at EOF;
 * an exited client whose pipes stay open (a child of the remote command
 * that kept them, a master that inherited them) is cut off after a grace
 * period so that a fan-out never hangs on a descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "scheduler/sched_i.h"

#define LINE_MAX_BYTES (64u << 10) /* a longer line is cut into pieces */
#define GATHER_MAX (16u << 20)	   /* stdout kept per host with gather */
#define REASON_MAX 200
#define KILL_GRACE_MS 2000 /* SIGTERM, then SIGKILL */
#define PIPE_GRACE_MS 1000 /* exited client, pipes still open */
#define TICK_MS 100	   /* how often the cancel flag is seen */

enum job_state {
	JOB_WAITING,
	JOB_RUNNING,
	JOB_DONE
};

struct stream {
	int fd;
	struct cs_buf line;
	int is_err;
};

struct job {
	struct fanout *f;
	size_t i;
	enum job_state state;
	pid_t pid;
	int pidfd;
	int stdin_fd; /* held open: its EOF tells the remote watchdog */
	struct stream out, err;
	int exited, wstatus, timed_out, cancelled;
	int64_t start, timer, kill_timer, pipe_timer;
	size_t out_bytes;
	char *last_err; /* last stderr line: the reason of a failure */
};

struct fanout {
	struct sch_loop *loop;
	const struct sch_host *const *hosts;
	size_t n, next, running, done;
	const char *cmd;
	const struct sch_fanout_opts *o;
	struct sch_host_status *st;
	struct job *jobs;
	int prefix;
	size_t name_w;
	int cancelled;
};

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static void emit(struct job *j, struct stream *s, const char *p, size_t n)
{
	const struct sch_fanout_opts *o = j->f->o;
	const char *name = j->f->hosts[j->i]->name;
	struct cs_buf b = CS_BUF_INIT;
	int fd = s->is_err ? o->err_fd : o->out_fd;

	if (s->is_err) {
		size_t rn = n < REASON_MAX ? n : REASON_MAX;

		while (rn && (p[rn - 1] == '\r' || p[rn - 1] == ' '))
			rn--;
		free(j->last_err);
		j->last_err = xstrndup(p, rn);
	}
	if (o->on_line) {
		o->on_line(o->cb_arg, j->f->hosts[j->i], s->is_err, p, n);
		return;
	}
	if (!s->is_err && o->gather) {
		struct sch_host_status *st = &j->f->st[j->i];

		if (st->output_len + n + 1 <= GATHER_MAX) {
			st->output =
				xrealloc(st->output, st->output_len + n + 2);
			memcpy(st->output + st->output_len, p, n);
			st->output_len += n;
			st->output[st->output_len++] = '\n';
			st->output[st->output_len] = 0;
		}
		return;
	}
	if (fd < 0)
		return;
	/* one write per line, prefix included: lines of different hosts
	 * never mix */
	if (j->f->prefix)
		cs_buf_addf(&b, "%s: ", name);
	cs_buf_add(&b, p, n);
	cs_buf_addc(&b, '\n');
	cs_write_all(fd, b.buf, b.len);
	cs_buf_release(&b);
}

/* Emits the whole lines of s's buffer (all of it at EOF). */
static void flush_lines(struct job *j, struct stream *s, int eof)
{
	char *p = s->line.buf, *end = p + s->line.len, *nl;

	while ((nl = memchr(p, '\n', end - p))) {
		emit(j, s, p, nl - p);
		p = nl + 1;
	}
	if ((eof && p < end) || (size_t)(end - p) >= LINE_MAX_BYTES) {
		emit(j, s, p, end - p);
		p = end;
	}
	memmove(s->line.buf, p, end - p);
	cs_buf_truncate(&s->line, end - p);
}

static void job_maybe_done(struct job *j);

static void stream_close(struct job *j, struct stream *s)
{
	if (s->fd < 0)
		return;
	sch_loop_del_fd(j->f->loop, s->fd);
	close(s->fd);
	s->fd = -1;
	flush_lines(j, s, 1);
}

/* Reads what is there; returns 1 at EOF or error. */
static int stream_read(struct job *j, struct stream *s)
{
	char buf[16384];

	for (;;) {
		ssize_t r = read(s->fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0)
			return 1;
		if (!s->is_err)
			j->out_bytes += r;
		cs_buf_add(&s->line, buf, r);
		flush_lines(j, s, 0);
		if ((size_t)r < sizeof(buf))
			return 0;
	}
}

static void on_stream(struct sch_loop *l, int fd, void *data)
{
	struct job *j = data;
	struct stream *s = fd == j->out.fd ? &j->out : &j->err;

	(void)l;
	if (stream_read(j, s)) {
		stream_close(j, s);
		job_maybe_done(j);
	}
}

static void reap(struct job *j)
{
	int st;

	if (j->exited || j->pid <= 0)
		return;
	if (waitpid(j->pid, &st, WNOHANG) <= 0)
		return;
	j->exited = 1;
	j->wstatus = st;
	if (j->pidfd >= 0) {
		sch_loop_del_fd(j->f->loop, j->pidfd);
		close(j->pidfd);
		j->pidfd = -1;
	}
}

static void on_pidfd(struct sch_loop *l, int fd, void *data)
{
	struct job *j = data;

	(void)l;
	(void)fd;
	reap(j);
	job_maybe_done(j);
}

static int64_t on_kill(struct sch_loop *l, int64_t id, void *data)
{
	struct job *j = data;

	(void)l;
	(void)id;
	j->kill_timer = 0;
	if (!j->exited)
		kill(j->pid, SIGKILL);
	return -1;
}

static void job_kill(struct job *j)
{
	if (j->exited || j->kill_timer)
		return;
	/* ssh passes nothing on, but closing the channel wakes the remote
	 * watchdog, which kills the command's whole session */
	kill(j->pid, SIGTERM);
	j->kill_timer =
		sch_loop_add_timer(j->f->loop, KILL_GRACE_MS, on_kill, j);
}

static int64_t on_timeout(struct sch_loop *l, int64_t id, void *data)
{
	struct job *j = data;

	(void)l;
	(void)id;
	j->timer = 0;
	j->timed_out = 1;
	job_kill(j);
	return -1;
}

static int64_t on_pipe_grace(struct sch_loop *l, int64_t id, void *data)
{
	struct job *j = data;

	(void)l;
	(void)id;
	j->pipe_timer = 0;
	if (j->out.fd >= 0)
		stream_read(j, &j->out);
	if (j->err.fd >= 0)
		stream_read(j, &j->err);
	stream_close(j, &j->out);
	stream_close(j, &j->err);
	job_maybe_done(j);
	return -1;
}

static int64_t on_tick(struct sch_loop *l, int64_t id, void *data)
{
	struct fanout *f = data;

	(void)id;
	/* without pidfds, exits are found by polling */
	for (size_t i = 0; i < f->n; i++) {
		struct job *j = &f->jobs[i];

		if (j->state == JOB_RUNNING && j->pidfd < 0 && !j->exited) {
			reap(j);
			job_maybe_done(j);
		}
	}
	if (f->o->cancel && *f->o->cancel && !f->cancelled) {
		f->cancelled = 1;
		for (size_t i = 0; i < f->n; i++)
			if (f->jobs[i].state == JOB_RUNNING) {
				f->jobs[i].cancelled = 1;
				job_kill(&f->jobs[i]);
			}
	}
	if (f->done == f->n) {
		sch_loop_stop(l);
		return -1;
	}
	return TICK_MS;
}

static void start_next(struct fanout *f);

/* The host is finished: its status is final. */
static void job_finish(struct job *j)
{
	j->state = JOB_DONE;
	j->f->done++;
	if (j->f->o->on_done)
		j->f->o->on_done(j->f->o->cb_arg, &j->f->st[j->i]);
}

static int job_start(struct job *j, struct cs_error *err)
{
	const struct sch_fanout_opts *o = j->f->o;
	struct sch_ssh_opts so = o->ssh;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	int fds[3];
	char **argv;

	so.watchdog = 1;
	argv = sch_ssh_argv(j->f->hosts[j->i], j->f->cmd, &so, err);
	if (!argv)
		return -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(er, O_CLOEXEC) < 0) {
		cs_error_errno(err, "cannot create pipes");
		goto fail;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = er[1];
	j->pid = sch_spawn(argv, fds, err);
	if (j->pid < 0)
		goto fail;
	sch_argv_free(argv);
	close(in[0]);
	close(out[1]);
	close(er[1]);
	j->stdin_fd = in[1];
	j->out = (struct stream){ out[0], CS_BUF_INIT, 0 };
	j->err = (struct stream){ er[0], CS_BUF_INIT, 1 };
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(er[0], F_SETFL, O_NONBLOCK);
	j->exited = j->timed_out = j->cancelled = 0;
	j->out_bytes = 0;
	free(j->last_err);
	j->last_err = NULL;
	j->start = sch_now_ms();
	j->state = JOB_RUNNING;
	j->f->running++;
	sch_loop_add_fd(j->f->loop, out[0], on_stream, j);
	sch_loop_add_fd(j->f->loop, er[0], on_stream, j);
	j->pidfd = pidfd_open_(j->pid);
	if (j->pidfd >= 0) {
		fcntl(j->pidfd, F_SETFD, FD_CLOEXEC);
		sch_loop_add_fd(j->f->loop, j->pidfd, on_pidfd, j);
	}
	if (o->timeout > 0)
		j->timer = sch_loop_add_timer(
			j->f->loop, (int64_t)o->timeout * 1000, on_timeout, j);
	return 0;
fail:
	sch_argv_free(argv);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
	return -1;
}

static void set_reason(struct sch_host_status *st, const char *fmt, ...)
	CS_PRINTF(2, 3);
static void set_reason(struct sch_host_status *st, const char *fmt, ...)
{
	struct cs_buf b = CS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	cs_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(st->reason);
	st->reason = cs_buf_detach(&b, NULL);
}

static int64_t on_retry(struct sch_loop *l, int64_t id, void *data)
{
	struct job *j = data;
	struct cs_error e = CS_ERROR_INIT;

	(void)l;
	(void)id;
	if (j->f->cancelled || job_start(j, &e) < 0) {
		struct sch_host_status *st = &j->f->st[j->i];

		if (e.msg)
			set_reason(st, "%s", e.msg);
		cs_error_release(&e);
		job_finish(j);
		start_next(j->f);
	}
	return -1;
}

/* Fills the status of a finished attempt; returns 1 to retry. */
static int job_result(struct job *j)
{
	const struct sch_fanout_opts *o = j->f->o;
	struct sch_host_status *st = &j->f->st[j->i];
	int ws = j->wstatus;

	st->attempts++;
	st->ms = sch_now_ms() - j->start;
	st->status = WIFEXITED(ws)   ? WEXITSTATUS(ws) :
		     WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) :
				       SCH_STATUS_TRANSPORT;
	free(st->reason);
	st->reason = NULL;
	if (j->cancelled) {
		st->result = SCH_CANCELLED;
		st->status = 130;
		set_reason(st, "cancelled");
	} else if (j->timed_out) {
		st->result = SCH_TIMEDOUT;
		st->status = SCH_STATUS_TIMEOUT;
		set_reason(st, "timed out after %ds", o->timeout);
	} else if (st->status == 0) {
		st->result = SCH_OK;
	} else if (st->status == SCH_STATUS_TRANSPORT) {
		st->result = SCH_TRANSPORT;
		set_reason(st, "%s",
			   j->last_err ? j->last_err :
					 "ssh failed (status 255)");
		/* only when nothing ran: a command that printed may have done
		 * its work, and running it twice is worse than a failure */
		if (st->attempts <= o->retries && !j->out_bytes &&
		    !j->f->cancelled)
			return 1;
	} else {
		st->result = SCH_FAILED;
		if (st->status > 128 && !WIFEXITED(ws))
			set_reason(st, "ssh killed by signal %d",
				   st->status - 128);
		else
			set_reason(st, "exit status %d", st->status);
	}
	return 0;
}

static void job_maybe_done(struct job *j)
{
	struct fanout *f = j->f;

	if (j->state != JOB_RUNNING || !j->exited)
		return;
	if (j->out.fd >= 0 || j->err.fd >= 0) {
		if (!j->pipe_timer)
			j->pipe_timer = sch_loop_add_timer(
				f->loop, PIPE_GRACE_MS, on_pipe_grace, j);
		return;
	}
	if (j->timer)
		sch_loop_del_timer(f->loop, j->timer);
	if (j->kill_timer)
		sch_loop_del_timer(f->loop, j->kill_timer);
	if (j->pipe_timer)
		sch_loop_del_timer(f->loop, j->pipe_timer);
	j->timer = j->kill_timer = j->pipe_timer = 0;
	close(j->stdin_fd);
	j->stdin_fd = -1;
	cs_buf_release(&j->out.line);
	cs_buf_release(&j->err.line);
	f->running--;
	if (job_result(j)) {
		/* waiting again, outside the width until on_retry */
		j->state = JOB_WAITING;
		sch_loop_add_timer(f->loop, 200 * f->st[j->i].attempts,
				   on_retry, j);
		start_next(f);
		return;
	}
	job_finish(j);
	start_next(f);
}

static void start_next(struct fanout *f)
{
	int width = f->o->width > 0 ? f->o->width : SCH_DEFAULT_WIDTH;

	while (f->next < f->n && (int)f->running < width && !f->cancelled) {
		struct job *j = &f->jobs[f->next++];
		struct cs_error e = CS_ERROR_INIT;

		if (job_start(j, &e) < 0) {
			f->st[j->i].result = SCH_TRANSPORT;
			f->st[j->i].status = SCH_STATUS_TRANSPORT;
			set_reason(&f->st[j->i], "%s", e.msg);
			cs_error_release(&e);
			job_finish(j);
		}
	}
	if (f->cancelled)
		while (f->next < f->n) {
			struct job *j = &f->jobs[f->next++];

			f->st[j->i].result = SCH_CANCELLED;
			f->st[j->i].status = 130;
			set_reason(&f->st[j->i], "cancelled before it started");
			job_finish(j);
		}
	if (f->done == f->n)
		sch_loop_stop(f->loop);
}

void sch_fanout_opts_init(struct sch_fanout_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->out_fd = 1;
	o->err_fd = 2;
}

int sch_fanout(const struct sch_host *const *hosts, size_t n, const char *cmd,
	       const struct sch_fanout_opts *o, struct sch_host_status *st,
	       struct cs_error *err)
{
	struct fanout f = { 0 };
	int worst = 0;

	if (!n)
		return cs_error_set(err, 0, "no hosts to run on");
	f.loop = sch_loop_new();
	f.hosts = hosts;
	f.n = n;
	f.cmd = cmd;
	f.o = o;
	f.st = st;
	f.prefix = o->prefix > 0 || (o->prefix == 0 && n > 1);
	f.jobs = xcalloc(n, sizeof(*f.jobs));
	for (size_t i = 0; i < n; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].host = hosts[i];
		f.jobs[i] = (struct job){
			.f = &f, .i = i, .pid = -1, .pidfd = -1, .stdin_fd = -1
		};
		f.jobs[i].out.fd = f.jobs[i].err.fd = -1;
	}
	/* a remote command that exits while we write must not kill us */
	signal(SIGPIPE, SIG_IGN);
	sch_loop_add_timer(f.loop, TICK_MS, on_tick, &f);
	start_next(&f);
	if (f.done < f.n)
		sch_loop_run(f.loop);
	for (size_t i = 0; i < n; i++) {
		free(f.jobs[i].last_err);
		if (st[i].status > worst)
			worst = st[i].status;
	}
	free(f.jobs);
	sch_loop_free(f.loop);
	return worst;
}

void sch_status_release(struct sch_host_status *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(st[i].reason);
		free(st[i].output);
		st[i].reason = st[i].output = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Reports */

/* Splits "web12" into "web" and 12; returns 0 when there is no number
 * (or one with a leading zero, which would not survive the folding). */
static int split_num(const char *s, size_t *plen, long *num)
{
	size_t n = strlen(s), i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == n || n - i > 9 || (s[i] == '0' && n - i > 1))
		return 0;
	*plen = i;
	*num = strtol(s + i, NULL, 10);
	return 1;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

char *sch_hostlist(const char *const *names, size_t n)
{
	struct cs_buf b = CS_BUF_INIT;
	char *used = xcalloc(n + 1, 1);
	long *nums = xcalloc(n + 1, sizeof(long));

	for (size_t i = 0; i < n; i++) {
		size_t pl, k = 0;
		long num;

		if (used[i])
			continue;
		if (b.len)
			cs_buf_addc(&b, ',');
		if (!split_num(names[i], &pl, &num)) {
			cs_buf_adds(&b, names[i]);
			continue;
		}
		for (size_t j = i; j < n; j++) {
			size_t pl2;
			long num2;

			if (!used[j] && split_num(names[j], &pl2, &num2) &&
			    pl2 == pl && !strncmp(names[i], names[j], pl)) {
				used[j] = 1;
				nums[k++] = num2;
			}
		}
		if (k == 1) {
			cs_buf_adds(&b, names[i]);
			continue;
		}
		qsort(nums, k, sizeof(long), cmp_long);
		cs_buf_addf(&b, "%.*s[", (int)pl, names[i]);
		for (size_t a = 0; a < k;) {
			size_t e = a;

			while (e + 1 < k && nums[e + 1] <= nums[e] + 1)
				e++;
			if (a)
				cs_buf_addc(&b, ',');
			if (nums[e] == nums[a])
				cs_buf_addf(&b, "%ld", nums[a]);
			else
				cs_buf_addf(&b, "%ld-%ld", nums[a], nums[e]);
			a = e + 1;
		}
		cs_buf_addc(&b, ']');
	}
	free(used);
	free(nums);
	return cs_buf_detach(&b, NULL);
}

void sch_gather_print(int fd, const struct sch_host_status *st, size_t n)
{
	char *done = xcalloc(n + 1, 1);
	const char **names = xcalloc(n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		struct cs_buf b = CS_BUF_INIT;
		_cleanup_free_ char *list = NULL;
		size_t k = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (!done[j] && st[j].output_len == st[i].output_len &&
			    (!st[i].output_len ||
			     !memcmp(st[j].output, st[i].output,
				     st[i].output_len))) {
				done[j] = 1;
				names[k++] = st[j].host->name;
			}
		list = sch_hostlist(names, k);
		cs_buf_addf(&b, "----------------\n%s\n----------------\n",
			    list);
		if (st[i].output_len)
			cs_buf_add(&b, st[i].output, st[i].output_len);
		cs_write_all(fd, b.buf, b.len);
		cs_buf_release(&b);
	}
	free(done);
	free(names);
}

static const char *result_word(enum sch_result r)
{
	switch (r) {
	case SCH_OK:
		return "ok";
	case SCH_FAILED:
		return "failed";
	case SCH_TRANSPORT:
		return "unreachable";
	case SCH_TIMEDOUT:
		return "timeout";
	case SCH_CANCELLED:
		return "cancelled";
	}
	return "?";
}

const char *sch_result_name(enum sch_result r)
{
	return result_word(r);
}

void sch_summary_print(int fd, const struct sch_host_status *st, size_t n)
{
	struct cs_buf b = CS_BUF_INIT;
	int w = 4;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(st[i].host->name) > w)
			w = (int)strlen(st[i].host->name);
	cs_buf_addf(&b, "%-*s  %-11s  %6s  %8s  %s\n", w, "HOST", "RESULT",
		    "STATUS", "TIME", "REASON");
	for (size_t i = 0; i < n; i++)
		cs_buf_addf(&b, "%-*s  %-11s  %6d  %7.2fs  %s\n", w,
			    st[i].host->name, result_word(st[i].result),
			    st[i].status, st[i].ms / 1000.0,
			    st[i].reason ? st[i].reason : "");
	cs_write_all(fd, b.buf, b.len);
	cs_buf_release(&b);
}
