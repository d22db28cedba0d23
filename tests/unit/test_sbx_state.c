// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sbx_state.c — unit tests of reading sandbox records back from a
 * runtime root: liveness from the init's pid and start time (a recycled
 * pid is "dead"), sbx_resolve's answers for `@NAME` routing, and the
 * sorted listing that skips junk.  Records are written by hand into a
 * temp runtime root; nothing is started.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sandbox/sandbox.h"
#include "tests/unit/ut_tmp.h"

static char root[] = "/tmp/test_sbx_state.XXXXXX";

static uint64_t self_start(void)
{
	struct cs_buf b = CS_BUF_INIT;
	uint64_t v = 0;
	char *p;

	assert_int_equal(cs_read_file("/proc/self/stat", &b, 4096, NULL), 0);
	p = strrchr(b.buf, ')');
	for (int f = 2; p && f < 22; f++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	cs_buf_release(&b);
	return v;
}

static void put_record(const char *name, enum sbx_state state, pid_t pid,
		       uint64_t start)
{
	struct sbx_info info;
	struct cs_buf text = CS_BUF_INIT;
	char *dir = xasprintf("%s/sandboxes/%s", root, name);
	char *path = xasprintf("%s/state", dir);

	memset(&info, 0, sizeof(info));
	sbx_spec_init(&info.spec);
	info.spec.name = xstrdup(name);
	info.state = state;
	info.init_pid = pid;
	info.init_start = start;
	sbx_info_format(&info, &text);
	assert_int_equal(cs_mkdir_p(dir, 0700), 0);
	assert_int_equal(
		cs_write_file_atomic(path, text.buf, text.len, 0600, NULL), 0);
	cs_buf_release(&text);
	sbx_info_release(&info);
	free(dir);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	setenv("CSHELL_RUNTIME_DIR", root, 1);
	put_record("live", SBX_STATE_RUNNING, getpid(), self_start());
	put_record("recycled", SBX_STATE_RUNNING, getpid(), self_start() + 1);
	put_record("gone", SBX_STATE_RUNNING, 0, 0);
	put_record("off", SBX_STATE_STOPPED, 0, 0);
	/* junk the listing must skip */
	for (int i = 0; i < 2; i++) {
		char *junk = xasprintf("%s/sandboxes/%s", root,
				       i ? "nostate" : ".hidden");

		mkdir(junk, 0700);
		free(junk);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return ut_rmtree(root);
}

static void test_liveness(void **state)
{
	struct sbx_info info;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(sbx_inspect("live", &info, &err), 0);
	assert_int_equal(info.state, SBX_STATE_RUNNING);
	sbx_info_release(&info);
	assert_int_equal(sbx_inspect("recycled", &info, &err), 0);
	assert_int_equal(info.state, SBX_STATE_DEAD);
	sbx_info_release(&info);
	assert_int_equal(sbx_inspect("gone", &info, &err), 0);
	assert_int_equal(info.state, SBX_STATE_DEAD);
	sbx_info_release(&info);
	assert_int_equal(sbx_inspect("off", &info, &err), 0);
	assert_int_equal(info.state, SBX_STATE_STOPPED);
	sbx_info_release(&info);
	assert_true(sbx_inspect("missing", &info, &err) < 0);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "no such sandbox 'missing'");
	sbx_info_release(&info);
	cs_error_release(&err);
}

static void test_resolve(void **state)
{
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(sbx_resolve("live", &err), 0);
	assert_true(sbx_resolve("recycled", &err) < 0);
	assert_non_null(strstr(err.msg, "is dead"));
	assert_true(sbx_resolve("off", &err) < 0);
	assert_non_null(strstr(err.msg, "sandbox start off"));
	assert_true(sbx_resolve("web1", &err) < 0);
	assert_int_equal(err.code, ENOENT);
	assert_true(sbx_resolve("a/b", &err) < 0);
	assert_int_equal(err.code, ENOENT);
	cs_error_release(&err);
}

static void test_list(void **state)
{
	struct sbx_info *list;
	size_t n;

	(void)state;
	assert_int_equal(sbx_list(&list, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].spec.name, "gone");
	assert_string_equal(list[1].spec.name, "live");
	assert_string_equal(list[2].spec.name, "off");
	assert_string_equal(list[3].spec.name, "recycled");
	sbx_info_list_free(list, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_liveness),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
