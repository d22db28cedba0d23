// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_lib_root.c — unit tests of the state roots (override variables, the
 * system paths for root, XDG and $HOME for other users) and of mkdir -p.
 * The non-root rules are checked in a child that drops to uid 65534 when
 * the tests run as root; the root rules are skipped when not root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "lib/lib.h"
#include "tests/unit/ut_tmp.h"

static char *tmpdir;

static int setup(void **state)
{
	(void)state;
	tmpdir = ut_tmpdir("test_lib_root");
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	int r = ut_rmtree(tmpdir);

	(void)state;
	free(tmpdir);
	return r;
}

static void clear_env(void)
{
	unsetenv("CSHELL_CONFIG_DIR");
	unsetenv("CSHELL_DATA_DIR");
	unsetenv("CSHELL_RUNTIME_DIR");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_RUNTIME_DIR");
}

static void expect_root(enum cs_root r, const char *want)
{
	_cleanup_free_ char *p = cs_root_path(r);

	assert_string_equal(p, want);
}

static void test_override_wins(void **state)
{
	(void)state;
	clear_env();
	setenv("CSHELL_CONFIG_DIR", "/x/conf", 1);
	setenv("CSHELL_DATA_DIR", "/x/data", 1);
	setenv("CSHELL_RUNTIME_DIR", "/x/run", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/c", 1);
	expect_root(CS_ROOT_CONFIG, "/x/conf");
	expect_root(CS_ROOT_DATA, "/x/data");
	expect_root(CS_ROOT_RUNTIME, "/x/run");
	clear_env();
}

static void test_root_paths(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	clear_env();
	setenv("XDG_CONFIG_HOME", "/xdg/c", 1);
	setenv("XDG_RUNTIME_DIR", "/xdg/r", 1);
	expect_root(CS_ROOT_CONFIG, "/etc/cshell");
	expect_root(CS_ROOT_DATA, "/var/lib/cshell");
	expect_root(CS_ROOT_RUNTIME, "/run/cshell");
	clear_env();
}

/* The checks for an ordinary user; returns the number of mismatches. */
static int check_user_paths(void)
{
	struct {
		enum cs_root root;
		const char *want;
	} cases[3];
	int bad = 0;
	char uidrun[64];
	size_t i;

	clear_env();
	setenv("HOME", "/home/t", 1);
	snprintf(uidrun, sizeof(uidrun), "/tmp/cshell-%u", (unsigned)geteuid());
	cases[0].root = CS_ROOT_CONFIG;
	cases[0].want = "/home/t/.config/cshell";
	cases[1].root = CS_ROOT_DATA;
	cases[1].want = "/home/t/.local/share/cshell";
	cases[2].root = CS_ROOT_RUNTIME;
	cases[2].want = uidrun;
	for (i = 0; i < CS_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *p = cs_root_path(cases[i].root);

		if (strcmp(p, cases[i].want)) {
			fprintf(stderr, "# got %s, want %s\n", p,
				cases[i].want);
			bad++;
		}
	}

	setenv("XDG_CONFIG_HOME", "/xdg/c", 1);
	setenv("XDG_DATA_HOME", "relative/ignored", 1);
	setenv("XDG_RUNTIME_DIR", "/xdg/r", 1);
	cases[0].want = "/xdg/c/cshell";
	cases[2].want = "/xdg/r/cshell";
	for (i = 0; i < CS_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *p = cs_root_path(cases[i].root);

		if (strcmp(p, cases[i].want)) {
			fprintf(stderr, "# got %s, want %s\n", p,
				cases[i].want);
			bad++;
		}
	}
	/* The override still wins for a user. */
	setenv("CSHELL_DATA_DIR", "/o", 1);
	{
		_cleanup_free_ char *p = cs_root_path(CS_ROOT_DATA);

		if (strcmp(p, "/o"))
			bad++;
	}
	clear_env();
	return bad;
}

static void test_user_paths(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(check_user_paths(), 0);
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(77);
		_exit(check_user_paths() ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* cannot drop privileges here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_subdir_create(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *rt = xasprintf("%s/rt", tmpdir);
	_cleanup_free_ char *data = xasprintf("%s/data/deep", tmpdir);
	_cleanup_free_ char *p = NULL;
	_cleanup_free_ char *q = NULL;
	_cleanup_free_ char *n = NULL;
	struct stat st;

	(void)state;
	clear_env();
	setenv("CSHELL_RUNTIME_DIR", rt, 1);
	setenv("CSHELL_DATA_DIR", data, 1);

	n = cs_root_subdir(CS_ROOT_DATA, "images", 0, &err);
	assert_non_null(n);
	assert_int_equal(stat(data, &st), -1); /* create=0 creates nothing */

	p = cs_root_subdir(CS_ROOT_RUNTIME, "sbx/dev", 1, &err);
	assert_non_null(p);
	assert_true(strncmp(p, rt, strlen(rt)) == 0);
	assert_string_equal(p + strlen(rt), "/sbx/dev");
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(rt, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);

	q = cs_root_subdir(CS_ROOT_DATA, "images", 1, &err);
	assert_non_null(q);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755 & ~umask(022));
	assert_null(err.msg);
	clear_env();
}

static void test_subdir_runtime_not_private(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *rt = xasprintf("%s/open", tmpdir);
	char *p;

	(void)state;
	assert_int_equal(mkdir(rt, 0700), 0);
	assert_int_equal(chmod(rt, 0777), 0);
	clear_env();
	setenv("CSHELL_RUNTIME_DIR", rt, 1);
	p = cs_root_subdir(CS_ROOT_RUNTIME, "x", 1, &err);
	assert_null(p);
	assert_non_null(err.msg);
	assert_non_null(strstr(err.msg, rt));
	cs_error_release(&err);
	clear_env();
}

static void test_subdir_error(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *file = xasprintf("%s/plainfile", tmpdir);
	char *p;

	(void)state;
	assert_int_equal(cs_write_file_atomic(file, "x", 1, 0644, NULL), 0);
	clear_env();
	setenv("CSHELL_CONFIG_DIR", file, 1);
	p = cs_root_subdir(CS_ROOT_CONFIG, "a", 1, &err);
	assert_null(p);
	assert_int_equal(err.code, ENOTDIR);
	assert_non_null(strstr(err.msg, "cannot create directory"));
	cs_error_release(&err);
	clear_env();
}

static void test_mkdir_p(void **state)
{
	_cleanup_free_ char *deep = xasprintf("%s/m/a//b/c/", tmpdir);
	_cleanup_free_ char *c = xasprintf("%s/m/a/b/c", tmpdir);
	_cleanup_free_ char *file = xasprintf("%s/m/f", tmpdir);
	_cleanup_free_ char *under = xasprintf("%s/m/f/x", tmpdir);
	struct stat st;

	(void)state;
	assert_int_equal(cs_mkdir_p(deep, 0755), 0);
	assert_int_equal(stat(c, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(cs_mkdir_p(c, 0755), 0); /* already there */
	assert_int_equal(cs_write_file_atomic(file, "", 0, 0644, NULL), 0);
	assert_int_equal(cs_mkdir_p(file, 0755), -ENOTDIR);
	assert_int_equal(cs_mkdir_p(under, 0755), -ENOTDIR);
	assert_int_equal(cs_mkdir_p("", 0755), -EINVAL);
	assert_int_equal(cs_mkdir_p("/", 0755), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_wins),
		cmocka_unit_test(test_root_paths),
		cmocka_unit_test(test_user_paths),
		cmocka_unit_test(test_subdir_create),
		cmocka_unit_test(test_subdir_runtime_not_private),
		cmocka_unit_test(test_subdir_error),
		cmocka_unit_test(test_mkdir_p),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
