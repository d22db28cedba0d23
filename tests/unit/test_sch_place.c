// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sch_place.c — placement as a pure function of probe results:
 * filters (reachable, arch, labels, capacity, kernel) with their reasons,
 * the three strategies, stable ties; the probe parser and the cache's
 * JSON round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/scheduler.h"

static char *l_web[] = { "role=web" }, *l_db[] = { "role=db" };
static struct sch_host hosts[] = {
	{ "a", "a", l_web, 1 }, /* busy x86 */
	{ "b", "b", l_web, 1 }, /* idle x86 */
	{ "c", "c", l_db, 1 },	/* idle arm */
	{ "d", "d", l_web, 1 }, /* unreachable */
	{ "e", "e", l_web, 1 }, /* old kernel, half busy */
};
static struct sch_probe probes[] = {
	{ .host = "a",
	  .reachable = 1,
	  .cpus = 4,
	  .load1 = 3.0,
	  .mem_total_kb = 8 << 20,
	  .mem_avail_kb = 1 << 20,
	  .kernel = "6.1.0-13-amd64",
	  .arch = "x86_64",
	  .disk_free_kb = 10 << 20 },
	{ .host = "b",
	  .reachable = 1,
	  .cpus = 8,
	  .load1 = 0.5,
	  .mem_total_kb = 16 << 20,
	  .mem_avail_kb = 15 << 20,
	  .kernel = "6.10.2",
	  .arch = "x86_64",
	  .disk_free_kb = 100 << 20 },
	{ .host = "c",
	  .reachable = 1,
	  .cpus = 4,
	  .load1 = 0,
	  .mem_total_kb = 4 << 20,
	  .mem_avail_kb = 4 << 20,
	  .kernel = "6.1.0",
	  .arch = "aarch64",
	  .disk_free_kb = 1 << 20 },
	{ .host = "d", .reachable = 0, .error = "connection refused" },
	{ .host = "e",
	  .reachable = 1,
	  .cpus = 2,
	  .load1 = 1.0,
	  .mem_total_kb = 4 << 20,
	  .mem_avail_kb = 2 << 20,
	  .kernel = "5.10.0-28-amd64",
	  .arch = "x86_64",
	  .disk_free_kb = 50 << 20 },
};

#define N 5

static void cands(struct sch_candidate *c)
{
	for (int i = 0; i < N; i++)
		c[i] = (struct sch_candidate){ .host = &hosts[i],
					       .probe = &probes[i] };
}

static const char *name(const struct sch_candidate *c,
			const struct sch_placement *p)
{
	return c[p->index].host->name;
}

static const char *reason_of(const struct sch_candidate *c,
			     const struct sch_placement *out, const char *h)
{
	for (int i = 0; i < N; i++)
		if (!strcmp(name(c, &out[i]), h))
			return out[i].reason;
	return "missing";
}

static void test_least_allocated(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { 0 };

	(void)state;
	cands(c);
	assert_int_equal(sch_place(c, N, &w, out), 4);
	/* c and b idle, then e, then a; d filtered, last */
	assert_string_equal(name(c, &out[0]), "c");
	assert_string_equal(name(c, &out[1]), "b");
	assert_string_equal(name(c, &out[2]), "e");
	assert_string_equal(name(c, &out[3]), "a");
	assert_string_equal(name(c, &out[4]), "d");
	assert_non_null(strstr(out[4].reason, "unreachable"));
	assert_non_null(strstr(out[4].reason, "connection refused"));
	sch_placement_release(out, N);
}

static void test_binpack(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { .strategy = SCH_BINPACK, .mem_kb = 512 << 10 };

	(void)state;
	cands(c);
	assert_int_equal(sch_place(c, N, &w, out), 4);
	assert_string_equal(name(c, &out[0]), "a"); /* fullest that fits */
	sch_placement_release(out, N);
	w.mem_kb = 2ll << 20; /* a no longer fits */
	assert_int_equal(sch_place(c, N, &w, out), 3);
	assert_string_equal(name(c, &out[0]), "e");
	assert_non_null(strstr(reason_of(c, out, "a"), "memory"));
	sch_placement_release(out, N);
}

static void test_spread(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { .strategy = SCH_SPREAD };

	(void)state;
	cands(c);
	c[1].placed = 2; /* b and c already hold sandboxes */
	c[2].placed = 1;
	assert_int_equal(sch_place(c, N, &w, out), 4);
	/* a and e have none: the freer first */
	assert_string_equal(name(c, &out[0]), "e");
	assert_string_equal(name(c, &out[1]), "a");
	assert_string_equal(name(c, &out[2]), "c");
	assert_string_equal(name(c, &out[3]), "b");
	sch_placement_release(out, N);
}

static void test_filters(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	char *lab[] = { "role=web" };
	struct sch_want w = { .arch = "amd64", .labels = lab, .nlabels = 1 };

	(void)state;
	cands(c);
	assert_int_equal(sch_place(c, N, &w, out), 3);
	assert_string_equal(reason_of(c, out, "c"), "arch aarch64, not amd64");
	sch_placement_release(out, N);

	/* kernel prefix: 6.1 is not 6.10 */
	w = (struct sch_want){ .kernel = "6.1" };
	assert_int_equal(sch_place(c, N, &w, out), 2);
	assert_string_equal(name(c, &out[0]), "c");
	assert_string_equal(name(c, &out[1]), "a");
	assert_string_equal(reason_of(c, out, "b"), "kernel 6.10.2, not 6.1");
	sch_placement_release(out, N);

	/* capacity: free cpus are cpus - load1 */
	w = (struct sch_want){ .cpus = 3.5 };
	assert_int_equal(sch_place(c, N, &w, out), 2);
	assert_non_null(strstr(reason_of(c, out, "a"), "1.0 cpus free"));
	sch_placement_release(out, N);
	w = (struct sch_want){ .disk_kb = 20ll << 20 };
	assert_int_equal(sch_place(c, N, &w, out), 2);
	sch_placement_release(out, N);

	/* never probed */
	c[1].probe = NULL;
	w = (struct sch_want){ .labels = lab, .nlabels = 1, .arch = "arm64" };
	assert_int_equal(sch_place(c, N, &w, out), 0);
	assert_non_null(strstr(reason_of(c, out, "b"), "never probed"));
	assert_string_equal(reason_of(c, out, "c"), "no label role=web");
	sch_placement_release(out, N);
}

/* copies of one request: one per host before two on any */
static void test_spread_siblings(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { .strategy = SCH_SPREAD };

	(void)state;
	cands(c);
	c[2].siblings = c[2].placed = 1; /* c has a copy */
	c[1].placed = 3;		 /* b has others, no copy */
	c[0].siblings = c[0].placed = 1;
	c[4].siblings = c[4].placed = 1;
	assert_int_equal(sch_place(c, N, &w, out), 4);
	assert_string_equal(name(c, &out[0]), "b");
	sch_placement_release(out, N);
}

/* what placed sandboxes asked for counts even while they are idle */
static void test_requests(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { .mem_kb = 10ll << 20 };

	(void)state;
	cands(c);
	assert_int_equal(sch_place(c, N, &w, out), 1);
	assert_string_equal(name(c, &out[0]), "b");
	sch_placement_release(out, N);
	c[1].req_mem_kb = 8ll << 20; /* 16 GiB - 8 asked: 8 left */
	assert_int_equal(sch_place(c, N, &w, out), 0);
	assert_string_equal(reason_of(c, out, "b"),
			    "8192 MiB memory available, 10240 wanted");
	sch_placement_release(out, N);
	w = (struct sch_want){ .cpus = 4 };
	c[1].req_cpus = 5; /* 8 cpus, load 0.5, 5 asked: 3 left */
	assert_int_equal(sch_place(c, N, &w, out), 1);
	assert_string_equal(name(c, &out[0]), "c");
	assert_string_equal(reason_of(c, out, "b"),
			    "3.0 cpus free, 4.0 wanted");
	sch_placement_release(out, N);
}

/* a remote sandbox needs the same cshell on the host */
static void test_cshell(void **state)
{
	struct sch_candidate c[N];
	struct sch_placement out[N];
	struct sch_want w = { .cshell = "cshell 1.0" };
	struct sch_probe pb = probes[1], pc = probes[2];

	(void)state;
	cands(c);
	pb.cshell = "cshell 1.0";
	pc.cshell = "cshell 0.9";
	c[1].probe = &pb;
	c[2].probe = &pc;
	assert_int_equal(sch_place(c, N, &w, out), 1);
	assert_string_equal(name(c, &out[0]), "b");
	assert_non_null(strstr(reason_of(c, out, "c"),
			       "cshell 0.9 there, not cshell 1.0"));
	assert_non_null(strstr(reason_of(c, out, "a"),
			       "no cshell on its PATH (install cshell 1.0"));
	sch_placement_release(out, N);
}

static void test_ties_stable(void **state)
{
	struct sch_candidate c[3];
	struct sch_placement out[3];
	struct sch_want w = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++)
		c[2 - i] = (struct sch_candidate){ .host = &hosts[i],
						   .probe = &probes[1] };
	assert_int_equal(sch_place(c, 3, &w, out), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out[i].index, i);
	sch_placement_release(out, 3);
}

static void test_probe_parse_json(void **state)
{
	static const char out[] =
		"cpus=4\nmem_total_kb=8000\nmem_avail_kb=6000\n"
		"load=0.50 0.25 0.10\nkernel=6.1.0-13-amd64\n"
		"arch=x86_64\ndisk_free_kb=123456\njunk\n";
	static const char bad[] =
		"cpus=1\nkernel=6\033]0;x\007\narch=x86\302\233"
		"2J\n";
	struct sch_probe p = { 0 }, *q;
	struct cs_error err = CS_ERROR_INIT;
	char *js;
	size_t n;

	(void)state;
	assert_int_equal(sch_probe_parse(&p, out, strlen(out), &err), 0);
	assert_int_equal(p.cpus, 4);
	assert_int_equal(p.mem_avail_kb, 6000);
	assert_true(p.load5 > 0.24 && p.load5 < 0.26);
	assert_string_equal(p.kernel, "6.1.0-13-amd64");
	assert_null(p.cshell);
	p.host = xstrdup("h1");
	p.reachable = 1;
	js = sch_probe_json(&p, 1);
	assert_int_equal(sch_probe_from_json(js, strlen(js), &q, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(q[0].host, "h1");
	assert_int_equal(q[0].disk_free_kb, 123456);
	assert_string_equal(q[0].arch, "x86_64");
	assert_true(q[0].reachable);
	sch_probe_release(&q[0]);
	free(q);
	free(js);
	sch_probe_release(&p);

	/* what a host answers cannot drive our terminal */
	memset(&p, 0, sizeof(p));
	assert_int_equal(sch_probe_parse(&p, bad, strlen(bad), &err), 0);
	assert_string_equal(p.kernel, "6\\x1b]0;x\\x07");
	assert_string_equal(p.arch, "x86\\x9b2J");
	sch_probe_release(&p);
	memset(&p, 0, sizeof(p));
	assert_true(sch_probe_parse(&p, "cpus=x\n", 7, &err) < 0);
	cs_error_release(&err);
	sch_probe_release(&p);
	assert_true(sch_probe_from_json("{", 1, &q, &n, &err) < 0);
	cs_error_release(&err);
	/* entries with bad names are dropped, not trusted */
	js = "[{\"host\":\"../x\"},{\"host\":\"ok\"}]";
	assert_int_equal(sch_probe_from_json(js, strlen(js), &q, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_false(q[0].reachable);
	sch_probe_release(&q[0]);
	free(q);
}

static void test_hostlist(void **state)
{
	const char *a[] = {
		"web3", "web1", "db", "web2", "web5", "x01", "x02"
	};
	char *s;

	(void)state;
	s = sch_hostlist(a, CS_ARRAY_SIZE(a));
	assert_string_equal(s, "web[1-3,5],db,x01,x02");
	free(s);
	s = sch_hostlist(a, 1);
	assert_string_equal(s, "web3");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_least_allocated),
		cmocka_unit_test(test_binpack),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_spread_siblings),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_cshell),
		cmocka_unit_test(test_ties_stable),
		cmocka_unit_test(test_probe_parse_json),
		cmocka_unit_test(test_hostlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
