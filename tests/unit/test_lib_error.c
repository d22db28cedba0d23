// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_lib_error.c — unit tests of struct cs_error (set, errno, the
 * outside-in order of wraps, NULL errors) and of the stderr loggers, whose
 * output is captured through a temporary file put on fd 2.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/lib.h"

static void test_set_appends_strerror(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *want =
		xasprintf("mount 'x': %s", strerror(ENODEV));

	(void)state;
	assert_int_equal(cs_error_set(&err, ENODEV, "mount '%s'", "x"),
			 -ENODEV);
	assert_int_equal(err.code, ENODEV);
	assert_string_equal(err.msg, want);
	cs_error_release(&err);
	assert_null(err.msg);
	assert_int_equal(err.code, 0);
}

static void test_set_without_code(void **state)
{
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(cs_error_set(&err, 0, "bad name '%s'", "a b"), -1);
	assert_string_equal(err.msg, "bad name 'a b'");
	/* A second set replaces the first. */
	assert_int_equal(cs_error_set(&err, 0, "other"), -1);
	assert_string_equal(err.msg, "other");
	cs_error_release(&err);
}

static void test_wrap_order(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *want = xasprintf(
		"cannot create sandbox 'dev': mount layered fs on /run/x: %s",
		strerror(ENODEV));

	(void)state;
	cs_error_set(&err, ENODEV, "mount layered fs on %s", "/run/x");
	assert_int_equal(
		cs_error_wrap(&err, "cannot create sandbox '%s'", "dev"),
		-ENODEV);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, ENODEV);
	cs_error_release(&err);
}

static void test_wrap_three_levels(void **state)
{
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	cs_error_set(&err, 0, "c");
	cs_error_wrap(&err, "b");
	assert_int_equal(cs_error_wrap(&err, "a"), -1);
	assert_string_equal(err.msg, "a: b: c");
	cs_error_release(&err);
}

static void test_wrap_empty(void **state)
{
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(cs_error_wrap(&err, "context %d", 1), -1);
	assert_string_equal(err.msg, "context 1");
	cs_error_release(&err);
}

static void test_errno_variant(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *want = xasprintf("open 'f': %s", strerror(EACCES));

	(void)state;
	errno = EACCES;
	assert_int_equal(cs_error_errno(&err, "open '%s'", "f"), -EACCES);
	assert_int_equal(errno, EACCES);
	assert_string_equal(err.msg, want);
	cs_error_release(&err);
}

static void test_null_error(void **state)
{
	(void)state;
	assert_int_equal(cs_error_set(NULL, EIO, "x"), -EIO);
	assert_int_equal(cs_error_set(NULL, 0, "x"), -1);
	assert_int_equal(cs_error_wrap(NULL, "y"), -1);
	cs_error_release(NULL);
}

/* Runs fn with stderr redirected; returns what it wrote (malloc'd). */
static char *capture_stderr(void (*fn)(void))
{
	struct cs_buf b = CS_BUF_INIT;
	FILE *tmp = tmpfile();
	int saved;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) == 2);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	assert_int_equal(lseek(fileno(tmp), 0, SEEK_SET), 0);
	assert_true(cs_buf_read_fd(&b, fileno(tmp)) >= 0);
	fclose(tmp);
	return cs_buf_detach(&b, NULL);
}

static void print_one(void)
{
	struct cs_error err = CS_ERROR_INIT;

	cs_error_set(&err, 0, "inner");
	cs_error_wrap(&err, "outer");
	cs_error_print(&err, "prog");
	cs_error_print(&err, NULL);
	cs_error_release(&err);
}

static void test_print(void **state)
{
	_cleanup_free_ char *out = capture_stderr(print_one);

	(void)state;
	assert_string_equal(out, "prog: outer: inner\nouter: inner\n");
}

static void log_all(void)
{
	cs_log_set_prog("t");
	cs_log(CS_LOG_ERROR, "e%d", 1);
	cs_warn("w");
	cs_info("i");
	cs_debug("d");
	cs_log_set_prog(NULL);
}

static void test_log_levels(void **state)
{
	char *out;

	(void)state;
	unsetenv("CSHELL_LOG");
	out = capture_stderr(log_all);
	assert_string_equal(out, "t: error: e1\nt: warn: w\n");
	free(out);

	setenv("CSHELL_LOG", "debug", 1);
	out = capture_stderr(log_all);
	assert_string_equal(
		out, "t: error: e1\nt: warn: w\nt: info: i\nt: debug: d\n");
	free(out);

	setenv("CSHELL_LOG", "error", 1);
	out = capture_stderr(log_all);
	assert_string_equal(out, "t: error: e1\n");
	free(out);
	unsetenv("CSHELL_LOG");
	assert_string_equal(cs_log_prog(), "cshell");
}

static void test_alloc(void **state)
{
	_cleanup_free_ char *a = xstrndup("abcdef", 3);
	_cleanup_free_ char *b = xasprintf("%s-%d", "x", 42);
	_cleanup_free_ char *c = xstrndup("ab", 10);
	_cleanup_free_ int *z = xcalloc(4, sizeof(int));

	(void)state;
	assert_string_equal(a, "abc");
	assert_string_equal(b, "x-42");
	assert_string_equal(c, "ab");
	assert_int_equal(z[0] | z[1] | z[2] | z[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_appends_strerror),
		cmocka_unit_test(test_set_without_code),
		cmocka_unit_test(test_wrap_order),
		cmocka_unit_test(test_wrap_three_levels),
		cmocka_unit_test(test_wrap_empty),
		cmocka_unit_test(test_errno_variant),
		cmocka_unit_test(test_null_error),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
