// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_mon_event.c — unit tests of monitor/event.c: records built by hand
 * the way monitor.bpf.c writes them decode to the right struct mon_event;
 * short, unknown and garbled records are refused or clamped, never read
 * past; the JSON of each type has the documented keys; event lists parse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "monitor/monitor.h"
#include "monitor/wire_i.h"

static void hdr(struct mon_wire_hdr *h, __u32 type)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->pid = 1000;
	h->tid = 1001;
	h->ns_pid = 7;
	h->ns_tid = 8;
	h->cgroup_id = 42;
	h->task_cgroup_id = 43;
	h->ts_ns = 1500000000;
	memcpy(h->comm, "0123456789abcdef", 16); /* no NUL: must be cut */
}

static void test_exec(void **state)
{
	struct mon_wire_exec w;
	struct mon_event ev;
	struct cs_buf out = CS_BUF_INIT;

	(void)state;
	memset(&w, 0, sizeof(w));
	hdr(&w.hdr, MON_WIRE_EXEC);
	strcpy(w.filename, "/bin/ls");
	w.filename_len = 8;
	memcpy(w.args, "ls\0-l\0/tmp\0", 11);
	w.args_len = 11;
	w.args_total = 11;
	assert_int_equal(mon_event_decode(&w, sizeof(w), &ev, NULL), 0);
	assert_int_equal(ev.type, MON_EV_EXEC);
	assert_string_equal(ev.comm, "0123456789abcde");
	assert_string_equal(ev.exec.filename, "/bin/ls");
	assert_int_equal(ev.exec.argc, 3);
	assert_string_equal(ev.exec.argv[2], "/tmp");
	assert_null(ev.exec.argv[3]);
	assert_false(ev.exec.truncated);
	assert_int_equal(ev.ns_pid, 7);

	/* a full args buffer without a final NUL, and lengths that lie */
	memset(w.args, 'a', sizeof(w.args));
	w.args_len = 100000;
	w.args_total = 100000;
	memset(w.filename, 'b', sizeof(w.filename));
	w.filename_len = 9999;
	assert_int_equal(mon_event_decode(&w, sizeof(w), &ev, NULL), 0);
	assert_int_equal(ev.exec.argc, 1);
	assert_int_equal(strlen(ev.exec.argv[0]), MON_WIRE_ARGS);
	assert_true(ev.exec.truncated);
	assert_int_equal(strlen(ev.exec.filename), MON_PATH_MAX - 1);

	ev.label = "dev";
	ev.cgroup = "/sys/fs/cgroup/x";
	assert_int_equal(mon_event_json(&ev, 0, &out), 0);
	assert_non_null(strstr(out.buf, "{\"type\":\"exec\",\"ts\":1.500000,"
					"\"sandbox\":\"dev\""));
	assert_non_null(strstr(out.buf, "\"argv_truncated\":true}"));
	cs_buf_release(&out);
}

static void test_open_connect_exit(void **state)
{
	struct mon_wire_connect c;
	struct mon_wire_open o;
	struct mon_wire_exit x;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(8080) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(443) };
	struct mon_event ev;
	struct cs_buf out = CS_BUF_INIT;

	(void)state;
	memset(&o, 0, sizeof(o));
	hdr(&o.hdr, MON_WIRE_OPEN);
	strcpy(o.path, "/etc/passwd");
	o.path_len = 12;
	o.flags = 0101; /* O_WRONLY|O_CREAT */
	o.result = -2;
	assert_int_equal(mon_event_decode(&o, sizeof(o), &ev, NULL), 0);
	assert_string_equal(ev.open.path, "/etc/passwd");
	assert_int_equal(mon_event_json(&ev, 0, &out), 0);
	assert_non_null(strstr(out.buf, "\"flags_str\":\"O_WRONLY|O_CREAT\""));
	assert_non_null(strstr(out.buf, "\"result\":-2,\"error\":\"ENOENT\"}"));
	cs_buf_reset(&out);

	memset(&c, 0, sizeof(c));
	hdr(&c.hdr, MON_WIRE_CONNECT);
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	memcpy(c.sa, &sin, sizeof(sin));
	c.sa_len = sizeof(sin);
	assert_int_equal(mon_event_decode(&c, sizeof(c), &ev, NULL), 0);
	assert_int_equal(ev.connect.family, AF_INET);
	assert_string_equal(ev.connect.addr, "10.1.2.3");
	assert_int_equal(ev.connect.port, 8080);
	/* an inet6 address cut short is not read past its length */
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	memcpy(c.sa, &sin6, sizeof(sin6));
	c.sa_len = 10;
	assert_int_equal(mon_event_decode(&c, sizeof(c), &ev, NULL), 0);
	assert_int_equal(ev.connect.family, -1);
	c.sa_len = sizeof(sin6);
	assert_int_equal(mon_event_decode(&c, sizeof(c), &ev, NULL), 0);
	assert_string_equal(ev.connect.addr, "::1");
	assert_int_equal(ev.connect.port, 443);
	/* unix, abstract */
	memset(c.sa, 0, sizeof(c.sa));
	c.sa[0] = AF_UNIX;
	memcpy(c.sa + 3, "bus", 3);
	c.sa_len = 6;
	assert_int_equal(mon_event_decode(&c, sizeof(c), &ev, NULL), 0);
	assert_string_equal(ev.connect.addr, "@bus");

	memset(&x, 0, sizeof(x));
	hdr(&x.hdr, MON_WIRE_EXIT);
	x.exit_code = 9; /* killed by SIGKILL */
	assert_int_equal(mon_event_decode(&x, sizeof(x), &ev, NULL), 0);
	assert_int_equal(mon_event_json(&ev, 0, &out), 0);
	assert_non_null(strstr(out.buf, "\"exit_code\":null,\"signal\":9"));
	cs_buf_release(&out);
}

static void test_refused(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct mon_wire_open o;
	struct mon_event ev;

	(void)state;
	memset(&o, 0, sizeof(o));
	hdr(&o.hdr, MON_WIRE_OPEN);
	assert_int_equal(mon_event_decode(&o, 3, &ev, &err), -1);
	assert_non_null(strstr(err.msg, "short monitor record"));
	cs_error_release(&err);
	assert_int_equal(mon_event_decode(&o, sizeof(o) - 1, &ev, &err), -1);
	cs_error_release(&err);
	o.hdr.type = 99;
	assert_int_equal(mon_event_decode(&o, sizeof(o), &ev, &err), -1);
	assert_non_null(strstr(err.msg, "unknown monitor record type 99"));
	cs_error_release(&err);
}

static void test_parse_events(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	unsigned f = 0;

	(void)state;
	assert_int_equal(mon_parse_events("exec,connect", &f, NULL), 0);
	assert_int_equal(f, MON_EXEC | MON_CONNECT);
	assert_int_equal(mon_parse_events("all", &f, NULL), 0);
	assert_int_equal(f, MON_ALL);
	assert_int_equal(mon_parse_events("exec,bogus", &f, &err), -1);
	assert_string_equal(err.msg, "unknown event 'bogus' (known: exec, "
				     "exit, open, connect, all)");
	cs_error_release(&err);
	assert_int_equal(mon_parse_events(",", &f, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_open_connect_exit),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parse_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
