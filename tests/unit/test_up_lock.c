// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_up_lock.c — unit tests of Cshellfile.lock (shell/uplock.c): a lock
 * round-trips through its text in step order (with a kernel line after
 * from), comments and blank lines are skipped, and what is not a lock
 * line is refused with its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shell/up_i.h"

#define D1                                                                     \
	"sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2                                                                     \
	"sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void test_round_trip(void **state)
{
	const char text[] = "# c\nversion 1\n\nfrom debian:12 " D1 "\n"
			    "step run " D1 " " D2 "\nstep copy " D2 " " D1 "\n";
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	struct up_lock l, again;

	(void)state;
	assert_int_equal(up_lock_parse(&l, text, strlen(text), &err), 0);
	assert_string_equal(l.from, "debian:12");
	assert_string_equal(l.from_digest, D1);
	assert_int_equal(l.nsteps, 2);
	assert_string_equal(l.steps[1].kind, "copy");
	assert_string_equal(l.steps[1].digest, D1);
	up_lock_format(&l, &b);
	assert_int_equal(up_lock_parse(&again, b.buf, b.len, &err), 0);
	assert_int_equal(again.nsteps, 2);
	assert_string_equal(again.steps[0].key, D1);
	up_lock_release(&again);
	up_lock_release(&l);
	cs_buf_release(&b);
}

static void test_kernel(void **state)
{
	const char text[] = "version 1\nfrom - -\nkernel 6.1 " D2 "\n"
			    "step copy " D1 " " D2 "\n";
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	struct up_lock l;

	(void)state;
	assert_int_equal(up_lock_parse(&l, text, strlen(text), &err), 0);
	assert_string_equal(l.kernel, "6.1");
	assert_string_equal(l.kernel_digest, D2);
	up_lock_format(&l, &b);
	assert_non_null(strstr(b.buf, "\nfrom - -\nkernel 6.1 " D2 "\nstep "));
	up_lock_release(&l);
	cs_buf_release(&b);
}

static void refused(const char *text, const char *want)
{
	struct cs_error err = CS_ERROR_INIT;
	struct up_lock l;

	assert_int_equal(up_lock_parse(&l, text, strlen(text), &err), -1);
	assert_non_null(strstr(err.msg, want));
	assert_null(l.steps);
	cs_error_release(&err);
}

static void test_refused(void **state)
{
	(void)state;
	refused("", "Cshellfile.lock:0: no 'version 1'");
	refused("version 2\n", "Cshellfile.lock:1: version 2 is newer");
	refused("version 1\nstep run x y\n",
		"Cshellfile.lock:2: not a lock line");
	refused("version 1\nstep make " D1 " " D2 "\n", ":2: not a lock line");
	refused("version 1\nfrom a " D1 "\nfrom b " D1 "\n", ":3: not a lock");
	refused("version 1\nstep run " D1 " " D2 " extra\n", ":2: not a lock");
	/* a kernel line after from, before the steps, once, with a digest */
	refused("version 1\nkernel 6.1 " D1 "\n", ":2: not a lock");
	refused("version 1\nfrom - -\nstep run " D1 " " D2 "\nkernel 6.1 " D1
		"\n",
		":4: not a lock");
	refused("version 1\nfrom - -\nkernel 6.1 x\n", ":3: not a lock");
	refused("version 1\nfrom - -\nkernel a " D1 "\nkernel b " D1 "\n",
		":4: not a lock");
	/* fetched from another host: no terminal escapes in its fields */
	refused("version 1\nfrom - -\nkernel \033]0;x\007 " D1 "\n",
		":3: not a lock");
	refused("version 1\nfrom a\tb " D1 "\n", ":2: not a lock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
