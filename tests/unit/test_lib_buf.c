// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_lib_buf.c — unit tests of struct cs_buf: the empty-buffer and NUL
 * invariants, growth through add/addf, detach and release, and the cap: a
 * refused append returns -E2BIG and leaves the buffer byte-for-byte as it
 * was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/lib.h"

static void test_init_empty(void **state)
{
	struct cs_buf a = CS_BUF_INIT;
	struct cs_buf b;

	(void)state;
	cs_buf_init(&b, 10);
	assert_ptr_equal(a.buf, cs_buf_empty);
	assert_ptr_equal(b.buf, cs_buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 10);
	assert_string_equal(b.buf, "");
	cs_buf_reset(&b);
	cs_buf_truncate(&b, 0);
	cs_buf_release(&b);
	assert_ptr_equal(b.buf, cs_buf_empty);
}

static void test_add_and_nul(void **state)
{
	struct cs_buf b = CS_BUF_INIT;

	(void)state;
	assert_int_equal(cs_buf_adds(&b, "abc"), 0);
	assert_int_equal(cs_buf_addc(&b, 'd'), 0);
	assert_int_equal(cs_buf_add(&b, "e\0f", 3), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.buf, "abcde\0f", 8);
	assert_int_equal(b.buf[b.len], '\0');
	cs_buf_truncate(&b, 2);
	assert_string_equal(b.buf, "ab");
	cs_buf_truncate(&b, 5); /* growing is not truncating */
	assert_int_equal(b.len, 2);
	cs_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	assert_true(b.alloc > 0); /* reset keeps the storage */
	cs_buf_release(&b);
	assert_int_equal(b.alloc, 0);
	assert_ptr_equal(b.buf, cs_buf_empty);
	assert_string_equal(cs_buf_empty, "");
}

/* Room after the end: the length moves only by what is committed, the
 * NUL follows it; past the cap there is none. */
static void test_space_commit(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	char *p;

	(void)state;
	assert_int_equal(cs_buf_add(&b, "ab", 2), 0);
	p = cs_buf_space(&b, 100000);
	assert_non_null(p);
	assert_int_equal(b.len, 2);
	memcpy(p, "cdef", 4);
	cs_buf_commit(&b, 3);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.buf, "abcde");
	cs_buf_release(&b);

	cs_buf_init(&b, 8);
	assert_int_equal(cs_buf_add(&b, "abcd", 4), 0);
	assert_null(cs_buf_space(&b, 5));
	assert_non_null(cs_buf_space(&b, 4));
	assert_int_equal(b.len, 4);
	cs_buf_release(&b);
}

static void test_addf_growth(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	struct cs_buf want = CS_BUF_INIT;
	char big[5000];
	int i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 2000; i++) {
		char piece[32];

		snprintf(piece, sizeof(piece), "<%d:%s>", i, "ab");
		assert_int_equal(cs_buf_addf(&b, "<%d:%s>", i, "ab"), 0);
		assert_int_equal(cs_buf_adds(&want, piece), 0);
		assert_int_equal(b.len, want.len);
		assert_true(b.alloc > b.len);
	}
	/* One format result far larger than the space left. */
	assert_int_equal(cs_buf_addf(&b, "[%s]", big), 0);
	cs_buf_addc(&want, '[');
	cs_buf_adds(&want, big);
	cs_buf_addc(&want, ']');
	assert_int_equal(b.len, want.len);
	assert_string_equal(b.buf, want.buf);
	assert_int_equal(strlen(b.buf), b.len);
	/* Empty format on an empty buffer stays on the shared empty string. */
	cs_buf_release(&b);
	assert_int_equal(cs_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	cs_buf_release(&b);
	cs_buf_release(&want);
}

static void test_add_self(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	int i;

	(void)state;
	cs_buf_adds(&b, "ab");
	/* Doubling from its own storage crosses several reallocations. */
	for (i = 0; i < 12; i++)
		assert_int_equal(cs_buf_add(&b, b.buf, b.len), 0);
	assert_int_equal(b.len, 2 << 12);
	for (i = 0; i < (2 << 12); i += 2)
		assert_memory_equal(b.buf + i, "ab", 2);
	cs_buf_release(&b);
}

static void test_cap_add(void **state)
{
	struct cs_buf b;
	char *before_ptr;
	size_t before_alloc;

	(void)state;
	cs_buf_init(&b, 8);
	assert_int_equal(cs_buf_adds(&b, "12345"), 0);
	before_ptr = b.buf;
	before_alloc = b.alloc;
	assert_int_equal(cs_buf_adds(&b, "6789"), -E2BIG);
	assert_int_equal(cs_buf_addc(&b, 'x') + cs_buf_addc(&b, 'y') +
				 cs_buf_addc(&b, 'z'),
			 0); /* exactly up to the cap is fine */
	assert_string_equal(b.buf, "12345xyz");
	assert_int_equal(cs_buf_addc(&b, '!'), -E2BIG);
	assert_int_equal(cs_buf_add(&b, "", 0), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.buf, "12345xyz");
	assert_ptr_equal(b.buf, before_ptr);
	assert_int_equal(b.alloc, before_alloc);
	cs_buf_release(&b);
	assert_int_equal(b.cap, 8); /* release keeps the cap */
}

static void test_cap_addf_unchanged(void **state)
{
	struct cs_buf b;

	(void)state;
	cs_buf_init(&b, 10);
	assert_int_equal(cs_buf_addf(&b, "%s", "abcd"), 0);
	/* Fits in the allocation (64 bytes) but not under the cap: vsnprintf
	 * writes into the spare room first, which must be undone. */
	assert_int_equal(cs_buf_addf(&b, "%s", "0123456789"), -E2BIG);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.buf, "abcd");
	assert_int_equal(b.buf[4], '\0');
	/* Larger than the allocation too. */
	assert_int_equal(cs_buf_addf(&b, "%0200d", 7), -E2BIG);
	assert_string_equal(b.buf, "abcd");
	assert_int_equal(cs_buf_addf(&b, "%d", 123456), 0);
	assert_string_equal(b.buf, "abcd123456");
	assert_int_equal(cs_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(cs_buf_addf(&b, "%c", 'x'), -E2BIG);
	assert_string_equal(b.buf, "abcd123456");
	cs_buf_release(&b);

	/* A cap hit on the very first append leaves the shared empty string. */
	cs_buf_init(&b, 3);
	assert_int_equal(cs_buf_addf(&b, "%s", "long"), -E2BIG);
	assert_ptr_equal(b.buf, cs_buf_empty);
	assert_int_equal(cs_buf_adds(&b, "long"), -E2BIG);
	assert_ptr_equal(b.buf, cs_buf_empty);
	assert_int_equal(b.alloc, 0);
}

static void test_detach(void **state)
{
	struct cs_buf b;
	size_t len = 99;
	char *s;

	(void)state;
	cs_buf_init(&b, 100);
	s = cs_buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_true(s != cs_buf_empty);
	free(s); /* must be a real allocation */

	cs_buf_adds(&b, "hello");
	s = cs_buf_detach(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_ptr_equal(b.buf, cs_buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_int_equal(b.cap, 100);
	/* The buffer is usable again and independent of the detached string. */
	cs_buf_adds(&b, "x");
	assert_string_equal(s, "hello");
	assert_string_equal(b.buf, "x");
	free(s);
	s = cs_buf_detach(&b, NULL);
	assert_string_equal(s, "x");
	free(s);
}

static void fill_pipe(int fds[2], size_t n)
{
	char chunk[1000];
	size_t left = n;

	assert_int_equal(pipe(fds), 0);
	memset(chunk, 'q', sizeof(chunk));
	while (left) {
		size_t k = left < sizeof(chunk) ? left : sizeof(chunk);

		assert_int_equal(cs_write_all(fds[1], chunk, k), 0);
		left -= k;
	}
	close(fds[1]);
}

static void test_read_fd(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	int fds[2];

	(void)state;
	cs_buf_adds(&b, "pre:");
	fill_pipe(fds, 20000);
	assert_int_equal(cs_buf_read_fd(&b, fds[0]), 20000);
	close(fds[0]);
	assert_int_equal(b.len, 20004);
	assert_memory_equal(b.buf, "pre:qqq", 7);
	assert_int_equal(b.buf[b.len], '\0');
	cs_buf_release(&b);
}

static void test_read_fd_cap(void **state)
{
	struct cs_buf b;
	int fds[2];

	(void)state;
	cs_buf_init(&b, 1000);
	cs_buf_adds(&b, "keep");
	fill_pipe(fds, 997); /* one byte too many */
	assert_int_equal(cs_buf_read_fd(&b, fds[0]), -E2BIG);
	close(fds[0]);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.buf, "keep");

	fill_pipe(fds, 996); /* exactly the cap */
	assert_int_equal(cs_buf_read_fd(&b, fds[0]), 996);
	close(fds[0]);
	assert_int_equal(b.len, 1000);
	cs_buf_release(&b);

	assert_true(cs_buf_read_fd(&b, -1) == -EBADF);
	assert_int_equal(b.len, 0);
	cs_buf_release(&b);
}

static void test_strvec(void **state)
{
	struct cs_strvec sv = CS_STRVEC_INIT;
	char **v;

	(void)state;
	v = cs_strvec_detach(&sv); /* empty: still a terminated array */
	assert_non_null(v);
	assert_null(v[0]);
	free(v);
	for (int i = 0; i < 20; i++) {
		char num[8];

		snprintf(num, sizeof(num), "%d", i);
		cs_strvec_push(&sv, num);
		assert_int_equal(sv.n, (size_t)i + 1);
		assert_null(sv.v[sv.n]);
	}
	cs_strvec_push_take(&sv, xstrdup("taken"));
	assert_string_equal(sv.v[0], "0");
	assert_string_equal(sv.v[19], "19");
	assert_string_equal(sv.v[20], "taken");
	v = cs_strvec_detach(&sv);
	assert_null(sv.v);
	assert_int_equal(sv.n, 0);
	assert_string_equal(v[20], "taken");
	assert_null(v[21]);
	for (int i = 0; v[i]; i++)
		free(v[i]);
	free(v);
	cs_strvec_push(&sv, "x");
	cs_strvec_release(&sv);
	assert_null(sv.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_add_and_nul),
		cmocka_unit_test(test_space_commit),
		cmocka_unit_test(test_addf_growth),
		cmocka_unit_test(test_add_self),
		cmocka_unit_test(test_cap_add),
		cmocka_unit_test(test_cap_addf_unchanged),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_read_fd),
		cmocka_unit_test(test_read_fd_cap),
		cmocka_unit_test(test_strvec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
