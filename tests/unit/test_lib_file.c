// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_lib_file.c — unit tests of the file helpers: atomic writes (content,
 * mode, replace, no temp files left, errors), capped reads, and flock locks
 * (contention with !wait, shared vs exclusive, waiting for a holder in a
 * child process to go away).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
	tmpdir = ut_tmpdir("test_lib_file");
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	int r = ut_rmtree(tmpdir);

	(void)state;
	free(tmpdir);
	return r;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	_cleanup_free_ char *dir = xasprintf("%s/aw", tmpdir);
	_cleanup_free_ char *path = xasprintf("%s/aw/f.json", tmpdir);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	struct stat st;

	(void)state;
	assert_int_equal(cs_mkdir_p(dir, 0755), 0);
	assert_int_equal(cs_write_file_atomic(path, "first", 5, 0600, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cs_read_file(path, &b, 0, &err), 0);
	assert_string_equal(b.buf, "first");

	/* Replacing: new content and mode, still exactly one file. */
	assert_int_equal(cs_write_file_atomic(path, "2nd\0x", 5, 0644, &err),
			 0);
	cs_buf_reset(&b);
	assert_int_equal(cs_read_file(path, &b, 0, &err), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.buf, "2nd\0x", 5);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);
	assert_null(err.msg);
	cs_buf_release(&b);
}

static void test_atomic_write_error(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/missing/f", tmpdir);
	_cleanup_free_ char *dir = xasprintf("%s/e", tmpdir);
	_cleanup_free_ char *dirpath = xasprintf("%s/e/isdir", tmpdir);
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_true(cs_write_file_atomic(path, "x", 1, 0644, &err) < 0);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, path));
	cs_error_release(&err);

	/* rename() over a directory fails; the temp file must be gone. */
	assert_int_equal(cs_mkdir_p(dirpath, 0755), 0);
	assert_true(cs_write_file_atomic(dirpath, "x", 1, 0644, &err) < 0);
	assert_int_equal(err.code, EISDIR);
	assert_int_equal(count_entries(dir), 1);
	cs_error_release(&err);
}

/* A file that must be new: written once, then refused with EEXIST,
 * the first content kept and no temp file left beside it. */
static void test_write_new(void **state)
{
	_cleanup_free_ char *dir = xasprintf("%s/nw", tmpdir);
	_cleanup_free_ char *path = xasprintf("%s/nw/config", tmpdir);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;

	(void)state;
	assert_int_equal(cs_mkdir_p(dir, 0755), 0);
	assert_int_equal(cs_write_file_new(path, "one", 3, 0644, &err), 0);
	assert_null(err.msg);
	assert_true(cs_write_file_new(path, "two", 3, 0644, &err) < 0);
	assert_int_equal(err.code, EEXIST);
	cs_error_release(&err);
	assert_int_equal(cs_read_file(path, &b, 0, &err), 0);
	assert_string_equal(b.buf, "one");
	assert_int_equal(count_entries(dir), 1);
	cs_buf_release(&b);
}

static void test_read_file_cap(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/hundred", tmpdir);
	_cleanup_free_ char *missing = xasprintf("%s/nope", tmpdir);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	char data[100];

	(void)state;
	memset(data, 'd', sizeof(data));
	assert_int_equal(cs_write_file_atomic(path, data, 100, 0644, &err), 0);
	assert_true(cs_read_file(path, &b, 99, &err) < 0);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0); /* the buffer's own cap is restored */
	cs_error_release(&err);
	assert_int_equal(cs_read_file(path, &b, 100, &err), 0);
	assert_int_equal(b.len, 100);
	cs_buf_release(&b);

	/* The buffer's cap applies as well. */
	cs_buf_init(&b, 50);
	assert_true(cs_read_file(path, &b, 0, &err) < 0);
	assert_int_equal(b.cap, 50);
	cs_error_release(&err);
	cs_buf_release(&b);

	assert_true(cs_read_file(missing, &b, 0, &err) < 0);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "cannot open"));
	cs_error_release(&err);
}

static void test_lock_contention(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/lock", tmpdir);
	struct cs_error err = CS_ERROR_INIT;
	int a, b, c;

	(void)state;
	a = cs_lock_path(path, 1, 0, &err);
	assert_true(a >= 0);
	assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);

	/* flock locks belong to the open file, so a second open contends. */
	assert_int_equal(cs_lock_path(path, 1, 0, &err), -1);
	assert_int_equal(err.code, EWOULDBLOCK);
	assert_non_null(strstr(err.msg, path));
	cs_error_release(&err);
	assert_int_equal(cs_lock_path(path, 0, 0, &err), -1);
	assert_int_equal(err.code, EWOULDBLOCK);
	cs_error_release(&err);
	close(a);

	/* Shared locks coexist, and keep an exclusive one out. */
	a = cs_lock_path(path, 0, 0, &err);
	b = cs_lock_path(path, 0, 0, &err);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(cs_lock_path(path, 1, 0, NULL), -1);
	close(a);
	close(b);
	c = cs_lock_path(path, 1, 0, &err);
	assert_true(c >= 0);
	close(c);
	assert_null(err.msg);
}

static void test_lock_wait(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/lockw", tmpdir);
	struct cs_error err = CS_ERROR_INIT;
	int ready[2];
	pid_t pid;
	char ch;
	int fd, status;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int l = cs_lock_path(path, 1, 1, NULL);

		close(ready[0]);
		if (l < 0 || write(ready[1], "k", 1) != 1)
			_exit(1);
		usleep(200 * 1000);
		_exit(0); /* the lock goes away with the process */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &ch, 1), 1);
	close(ready[0]);
	assert_int_equal(cs_lock_path(path, 1, 0, NULL), -1); /* held */
	fd = cs_lock_path(path, 1, 1, &err); /* waits for the child */
	assert_true(fd >= 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

static void test_lock_error(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/no/such/lock", tmpdir);
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(cs_lock_path(path, 1, 1, &err), -1);
	assert_int_equal(err.code, ENOENT);
	cs_error_release(&err);
}

static void test_write_all_pipe(void **state)
{
	static char big[200000];
	struct cs_buf b = CS_BUF_INIT;
	int fds[2];
	pid_t pid;
	int status;

	(void)state;
	memset(big, 'w', sizeof(big));
	assert_int_equal(pipe(fds), 0);
	pid = fork(); /* more than a pipe holds: needs a concurrent reader */
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(cs_write_all(fds[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(cs_buf_read_fd(&b, fds[0]), sizeof(big));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_equal(b.buf, big, sizeof(big));
	cs_buf_release(&b);
	assert_int_equal(cs_write_all(-1, "x", 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_atomic_write_error),
		cmocka_unit_test(test_write_new),
		cmocka_unit_test(test_read_file_cap),
		cmocka_unit_test(test_lock_contention),
		cmocka_unit_test(test_lock_wait),
		cmocka_unit_test(test_lock_error),
		cmocka_unit_test(test_write_all_pipe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
