// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sch_fanout.c — the fan-out engine without a network: $CSHELL_SSH
 * points at a stand-in that runs the remote command line with the local
 * /bin/sh (so the remote watchdog runs too), and refuses hosts whose
 * destination starts with "down".  Covers prefixes, the worst status,
 * gather, timeouts that kill the "remote" command, retries and
 * cancellation.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>

#include <cmocka.h>

#include "scheduler/scheduler.h"
#include "tests/unit/ut_tmp.h"

static char *tmp;

static const char fake_ssh[] =
	"#!/bin/sh\n"
	"for a; do prev=$last; last=$a; done\n"
	"case $prev in down*) echo \"ssh: connect to host $prev port 22: "
	"Connection refused\" >&2; exit 255;; esac\n"
	"exec /bin/sh -c \"$last\"\n";

static int setup(void **state)
{
	_cleanup_free_ char *p = NULL;

	(void)state;
	tmp = ut_tmpdir("test_schf");
	if (!tmp)
		return -1;
	p = xasprintf("%s/ssh", tmp);
	if (cs_write_file_atomic(p, fake_ssh, strlen(fake_ssh), 0755, NULL))
		return -1;
	setenv("CSHELL_SSH", p, 1);
	ut_setenv_in(tmp, "CSHELL_RUNTIME_DIR", "r");
	return 0;
}

static int teardown(void **state)
{
	int r = ut_rmtree(tmp);

	(void)state;
	free(tmp);
	return r;
}

static struct sch_host hosts[] = {
	{ "h1", "up1", NULL, 0 },
	{ "h2", "up2", NULL, 0 },
	{ "h3", "down3", NULL, 0 },
};

/* Runs cmd on the first n hosts, stdout into a pipe read back to *out. */
static int run(size_t n, const char *cmd, struct sch_fanout_opts *o,
	       struct sch_host_status *st, struct cs_buf *out)
{
	const struct sch_host *h[3] = { &hosts[0], &hosts[1], &hosts[2] };
	char path[128];
	int fd, r;

	snprintf(path, sizeof(path), "%s/out", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	o->out_fd = fd;
	o->err_fd = fd;
	r = sch_fanout(h, n, cmd, o, st, NULL);
	close(fd);
	cs_buf_reset(out);
	assert_int_equal(cs_read_file(path, out, 0, NULL), 0);
	return r;
}

static void test_prefix_status(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[3];
	struct cs_buf out = CS_BUF_INIT;

	(void)state;
	sch_fanout_opts_init(&o);
	assert_int_equal(run(2, "echo hi; printf 'no newline'", &o, st, &out),
			 0);
	assert_non_null(strstr(out.buf, "h1: hi\n"));
	assert_non_null(strstr(out.buf, "h2: hi\n"));
	assert_non_null(strstr(out.buf, "h2: no newline\n"));
	assert_int_equal(st[0].result, SCH_OK);
	sch_status_release(st, 2);

	assert_int_equal(run(3, "exit 3", &o, st, &out), 255);
	assert_int_equal(st[0].status, 3);
	assert_int_equal(st[0].result, SCH_FAILED);
	assert_int_equal(st[2].result, SCH_TRANSPORT);
	assert_non_null(strstr(st[2].reason, "Connection refused"));
	assert_non_null(strstr(out.buf, "h3: ssh: connect to host down3"));
	sch_status_release(st, 3);

	/* one host: no prefix by default */
	assert_int_equal(run(1, "echo solo", &o, st, &out), 0);
	assert_string_equal(out.buf, "solo\n");
	sch_status_release(st, 1);
	cs_buf_release(&out);
}

static void test_gather(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[3];
	struct cs_buf out = CS_BUF_INIT;
	char path[128];
	int fd;

	(void)state;
	sch_fanout_opts_init(&o);
	o.gather = 1;
	assert_int_equal(run(2, "echo same; echo err >&2", &o, st, &out), 0);
	assert_string_equal(st[0].output, "same\n");
	/* stderr is still streamed, in whatever order it comes */
	assert_int_equal(out.len, 16);
	assert_non_null(strstr(out.buf, "h1: err\n"));
	assert_non_null(strstr(out.buf, "h2: err\n"));
	snprintf(path, sizeof(path), "%s/g", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	sch_gather_print(fd, st, 2);
	close(fd);
	cs_buf_reset(&out);
	cs_read_file(path, &out, 0, NULL);
	assert_string_equal(out.buf, "----------------\nh[1-2]\n"
				     "----------------\nsame\n");
	sch_status_release(st, 2);
	cs_buf_release(&out);
}

static void test_timeout_kills(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[2];
	struct cs_buf out = CS_BUF_INIT;
	char *cmd, *pidf = xasprintf("%s/pid", tmp);
	int64_t t0 = 0;
	pid_t pid;
	FILE *f;

	(void)state;
	sch_fanout_opts_init(&o);
	o.timeout = 1;
	cmd = xasprintf("sleep 30 & echo $! > %s; wait", pidf);
	assert_int_equal(run(1, cmd, &o, st, &out), SCH_STATUS_TIMEOUT);
	assert_int_equal(st[0].result, SCH_TIMEDOUT);
	assert_string_equal(st[0].reason, "timed out after 1s");
	assert_true(st[0].ms < 4000);
	f = fopen(pidf, "re");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	/* the watchdog kills the command's session once the client is gone */
	for (t0 = 0; t0 < 50 && kill(pid, 0) == 0; t0++)
		usleep(100000);
	assert_true(kill(pid, 0) < 0);
	sch_status_release(st, 1);
	free(cmd);
	free(pidf);
	cs_buf_release(&out);
}

static void test_retries(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[3];
	struct cs_buf out = CS_BUF_INIT;

	(void)state;
	sch_fanout_opts_init(&o);
	o.retries = 2;
	o.width = 1;
	assert_int_equal(run(3, "true", &o, st, &out), 255);
	assert_int_equal(st[0].attempts, 1);
	assert_int_equal(st[2].attempts, 3);
	/* a command that printed is never run again */
	assert_int_equal(run(1, "echo once; exit 255", &o, st, &out), 255);
	assert_int_equal(st[0].attempts, 1);
	sch_status_release(st, 3);
	cs_buf_release(&out);
}

static volatile sig_atomic_t flag;

static void test_cancel(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[3];
	struct cs_buf out = CS_BUF_INIT;

	(void)state;
	sch_fanout_opts_init(&o);
	flag = 1;
	o.cancel = &flag;
	o.width = 1;
	assert_int_equal(run(2, "sleep 20", &o, st, &out), 130);
	assert_int_equal(st[0].result, SCH_CANCELLED);
	assert_int_equal(st[1].result, SCH_CANCELLED);
	assert_true(st[0].ms < 5000);
	sch_status_release(st, 2);
	cs_buf_release(&out);
}

/* on_line and on_done: lines as they arrive, tagged with their host,
 * nothing on out_fd; one on_done per host with its final status */
struct seen {
	struct cs_buf lines;
	int done[3];
};

static void seen_line(void *arg, const struct sch_host *h, int is_err,
		      const char *line, size_t len)
{
	struct seen *s = arg;

	cs_buf_addf(&s->lines, "%s%s<%.*s>\n", h->name, is_err ? "!" : "",
		    (int)len, line);
}

static void seen_done(void *arg, const struct sch_host_status *st)
{
	struct seen *s = arg;

	s->done[st->host - hosts] += 1 + (st->result == SCH_TRANSPORT) * 10;
}

static void test_callbacks(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[3];
	struct cs_buf out = CS_BUF_INIT;
	struct seen s = { CS_BUF_INIT, { 0 } };

	(void)state;
	sch_fanout_opts_init(&o);
	o.on_line = seen_line;
	o.on_done = seen_done;
	o.cb_arg = &s;
	o.gather = 1;
	assert_int_equal(run(3, "echo a; echo b >&2; printf c", &o, st, &out),
			 255);
	assert_int_equal(out.len, 0);
	assert_null(st[0].output);
	assert_non_null(strstr(s.lines.buf, "h1<a>\n"));
	assert_non_null(strstr(s.lines.buf, "h1<c>\n"));
	assert_non_null(strstr(s.lines.buf, "h2!<b>\n"));
	assert_non_null(strstr(s.lines.buf, "h3!<ssh: connect to host down3"));
	assert_int_equal(s.done[0], 1);
	assert_int_equal(s.done[1], 1);
	assert_int_equal(s.done[2], 11);
	sch_status_release(st, 3);
	cs_buf_release(&s.lines);
	cs_buf_release(&out);
}

/* each client in a session of its own, as pdsh starts ssh: under
 * autogroups that is what gets it a fair share of the CPU; the "remote"
 * command reads the session of its parent, the client (the stand-in ssh
 * execs the watchdog) */
static void test_own_session(void **state)
{
	struct sch_fanout_opts o;
	struct sch_host_status st[1];
	struct cs_buf out = CS_BUF_INIT;
	char want[32];

	(void)state;
	sch_fanout_opts_init(&o);
	assert_int_equal(run(1, "cut -d' ' -f6 /proc/$PPID/stat", &o, st, &out),
			 0);
	snprintf(want, sizeof(want), "%d\n", (int)getsid(0));
	assert_true(out.len > 1);
	assert_string_not_equal(out.buf, want);
	sch_status_release(st, 1);
	cs_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_status),
		cmocka_unit_test(test_gather),
		cmocka_unit_test(test_timeout_kills),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_own_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
