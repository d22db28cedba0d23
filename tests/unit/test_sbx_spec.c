// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sbx_spec.c — unit tests of the sandbox option parsers: sizes, cpu
 * counts, users, mounts, capability names, network modes and sandbox
 * names, including the values each must refuse.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox/sandbox.h"

static void test_size(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	uint64_t v;

	(void)state;
	assert_int_equal(sbx_parse_size("512", &v, &err), 0);
	assert_int_equal(v, 512);
	assert_int_equal(sbx_parse_size("64m", &v, &err), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(sbx_parse_size("2G", &v, &err), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(sbx_parse_size("3GiB", &v, &err), 0);
	assert_int_equal(v, 3ULL << 30);
	assert_int_equal(sbx_parse_size("1kb", &v, &err), 0);
	assert_int_equal(v, 1024);
	assert_true(sbx_parse_size("", &v, &err) < 0);
	assert_true(sbx_parse_size("-1", &v, &err) < 0);
	assert_true(sbx_parse_size("12q", &v, &err) < 0);
	assert_true(sbx_parse_size("1mm", &v, &err) < 0);
	assert_true(sbx_parse_size("99999999999999999999", &v, &err) < 0);
	assert_true(sbx_parse_size("20000000000t", &v, &err) < 0);
	assert_non_null(strstr(err.msg, "invalid size '20000000000t'"));
	cs_error_release(&err);
}

static void test_cpus(void **state)
{
	uint64_t m;

	(void)state;
	assert_int_equal(sbx_parse_cpus("2", &m, NULL), 0);
	assert_int_equal(m, 2000);
	assert_int_equal(sbx_parse_cpus("0.5", &m, NULL), 0);
	assert_int_equal(m, 500);
	assert_int_equal(sbx_parse_cpus("1.2345", &m, NULL), 0);
	assert_int_equal(m, 1234);
	assert_int_equal(sbx_parse_cpus(".25", &m, NULL), 0);
	assert_int_equal(m, 250);
	assert_true(sbx_parse_cpus("0", &m, NULL) < 0);
	assert_true(sbx_parse_cpus("0.0001", &m, NULL) < 0);
	assert_true(sbx_parse_cpus("abc", &m, NULL) < 0);
	assert_true(sbx_parse_cpus("1,5", &m, NULL) < 0);
}

static void test_user(void **state)
{
	long uid = -1, gid = -1;

	(void)state;
	assert_int_equal(sbx_parse_user("1000", &uid, &gid, NULL), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1000);
	assert_int_equal(sbx_parse_user("5:6", &uid, &gid, NULL), 0);
	assert_int_equal(uid, 5);
	assert_int_equal(gid, 6);
	assert_true(sbx_parse_user("root", &uid, &gid, NULL) < 0);
	assert_true(sbx_parse_user("1:", &uid, &gid, NULL) < 0);
	assert_true(sbx_parse_user(":1", &uid, &gid, NULL) < 0);
	assert_true(sbx_parse_user("4294967295", &uid, &gid, NULL) < 0);
}

static void test_mount(void **state)
{
	struct sbx_spec spec;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	sbx_spec_init(&spec);
	assert_int_equal(sbx_parse_mount(&spec, "/a:/b", &err), 0);
	assert_int_equal(sbx_parse_mount(&spec, "/c:/d:ro", &err), 0);
	assert_int_equal(sbx_parse_mount(&spec, "rel:/e:rw", &err), 0);
	assert_int_equal(spec.nmounts, 3);
	assert_string_equal(spec.mounts[0].src, "/a");
	assert_string_equal(spec.mounts[0].dst, "/b");
	assert_int_equal(spec.mounts[0].ro, 0);
	assert_int_equal(spec.mounts[1].ro, 1);
	assert_true(spec.mounts[2].src[0] == '/');
	assert_non_null(strstr(spec.mounts[2].src, "/rel"));
	assert_true(sbx_parse_mount(&spec, "/a", &err) < 0);
	assert_true(sbx_parse_mount(&spec, ":/a", &err) < 0);
	assert_true(sbx_parse_mount(&spec, "/a:/b:rx", &err) < 0);
	assert_true(sbx_parse_mount(&spec, "/a:b", &err) < 0);
	assert_non_null(strstr(err.msg, "absolute"));
	assert_int_equal(spec.nmounts, 3);
	cs_error_release(&err);
	sbx_spec_release(&spec);
}

static void test_layer(void **state)
{
	struct sbx_spec spec;
	struct cs_error err = CS_ERROR_INIT;
	char cwd[PATH_MAX];
	_cleanup_free_ char *want = NULL;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	want = xasprintf("%s/l1", cwd);
	sbx_spec_init(&spec);
	assert_int_equal(sbx_parse_layer(&spec, "/abs", &err), 0);
	assert_int_equal(sbx_parse_layer(&spec, "l1", &err), 0);
	assert_int_equal(sbx_parse_layer(&spec, "./l1", &err), 0);
	assert_int_equal(sbx_parse_layer(&spec, ".", &err), 0);
	assert_int_equal(spec.nlayers, 4);
	assert_string_equal(spec.layers[0], "/abs");
	assert_string_equal(spec.layers[1], want);
	assert_string_equal(spec.layers[2], want);
	assert_string_equal(spec.layers[3], cwd);
	assert_true(sbx_parse_layer(&spec, "", &err) < 0);
	cs_error_release(&err);
	sbx_spec_release(&spec);
}

static void test_caps(void **state)
{
	uint64_t m, def = sbx_default_caps();

	(void)state;
	assert_int_equal(sbx_parse_cap("NET_ADMIN", &m, NULL), 0);
	assert_int_equal(m, 1ULL << 12);
	assert_int_equal(sbx_parse_cap("cap_sys_admin", &m, NULL), 0);
	assert_int_equal(m, 1ULL << 21);
	assert_int_equal(sbx_parse_cap("ALL", &m, NULL), 0);
	assert_true(m & (1ULL << 40));
	assert_true(sbx_parse_cap("NET_FOO", &m, NULL) < 0);
	/* Docker's set minus NET_RAW and MKNOD */
	assert_true(def & (1ULL << 0));	  /* chown */
	assert_true(def & (1ULL << 18));  /* sys_chroot */
	assert_false(def & (1ULL << 13)); /* net_raw */
	assert_false(def & (1ULL << 27)); /* mknod */
	assert_false(def & (1ULL << 21)); /* sys_admin */
	assert_false(def & (1ULL << 19)); /* sys_ptrace */
	assert_string_equal(sbx_cap_name(21), "sys_admin");
	assert_null(sbx_cap_name(64));
}

static void test_net_and_name(void **state)
{
	enum sbx_net n;

	(void)state;
	assert_int_equal(sbx_parse_net("none", &n, NULL), 0);
	assert_int_equal(n, SBX_NET_NONE);
	assert_int_equal(sbx_parse_net("host", &n, NULL), 0);
	assert_int_equal(n, SBX_NET_HOST);
	assert_true(sbx_parse_net("bridge", &n, NULL) < 0);
	{
		struct sbx_spec spec;

		sbx_spec_init(&spec);
		assert_int_equal(sbx_parse_net_opt(&spec, "private:host", NULL),
				 0);
		assert_int_equal(spec.net, SBX_NET_PRIVATE);
		assert_int_equal(spec.net_host_access, 1);
		assert_int_equal(sbx_parse_net_opt(&spec, "private", NULL), 0);
		assert_int_equal(spec.net_host_access, 0);
		assert_true(sbx_parse_net_opt(&spec, "host:private", NULL) < 0);
		sbx_spec_release(&spec);
	}
	assert_int_equal(sbx_check_name("dev", NULL), 0);
	assert_int_equal(sbx_check_name("a1_b.c-d", NULL), 0);
	assert_true(sbx_check_name("", NULL) < 0);
	assert_true(sbx_check_name(".hidden", NULL) < 0);
	assert_true(sbx_check_name("a/b", NULL) < 0);
	assert_true(sbx_check_name("..", NULL) < 0);
	assert_true(sbx_check_name("-x", NULL) < 0);
	assert_true(
		sbx_check_name(
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaa",
			NULL) < 0);
}

static void test_pids(void **state)
{
	struct sbx_spec spec;
	uint64_t v = 7;

	(void)state;
	sbx_spec_init(&spec);
	assert_int_equal(spec.pids, SBX_PIDS_DEFAULT);
	assert_int_equal(sbx_parse_pids("50", &v, NULL), 0);
	assert_int_equal(v, 50);
	assert_int_equal(sbx_parse_pids("0", &v, NULL), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(sbx_parse_pids("max", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_true(sbx_parse_pids("", &v, NULL) < 0);
	assert_true(sbx_parse_pids("-1", &v, NULL) < 0);
	assert_true(sbx_parse_pids("10k", &v, NULL) < 0);
	assert_true(sbx_parse_pids("99999999999", &v, NULL) < 0);
	sbx_spec_release(&spec);
}

static void test_env_replace(void **state)
{
	struct sbx_spec spec;

	(void)state;
	sbx_spec_init(&spec);
	sbx_spec_add_env(&spec, "A=1");
	sbx_spec_add_env(&spec, "AB=2");
	sbx_spec_add_env(&spec, "A=3");
	assert_int_equal(spec.nenv, 2);
	assert_string_equal(spec.env[0], "A=3");
	assert_string_equal(spec.env[1], "AB=2");
	assert_null(spec.env[2]);
	sbx_spec_release(&spec);
	assert_int_equal(spec.nenv, 0);
	assert_int_equal(spec.uid, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_layer),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_net_and_name),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_env_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
