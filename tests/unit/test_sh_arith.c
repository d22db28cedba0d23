/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sh_arith.c — shell/arith.c against the stub interpreter: every
 * operator, precedence and associativity, constants, variables,
 * assignment side effects, short-circuit evaluation, and the errors
 * (syntax, division by zero, bad variable values, the nesting cap).
 * Expected values were checked against dash 0.5.12 (bash for ++/--/,).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/sh_stub.h"

static struct sh *sh;

static int setup(void **st)
{
	(void)st;
	sh = stub_sh_new();
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	stub_sh_free(sh);
	return 0;
}

static intmax_t ev(const char *e)
{
	intmax_t v = -12345;
	int r = sh_arith(sh, e, &v);
	if (r != 0)
		fail_msg("'%s' failed: %s", e, stub_last_err(sh));
	return v;
}

static void ev_err(const char *e, const char *msg_part)
{
	intmax_t v = 777;
	int n = stub_nerr(sh);
	if (sh_arith(sh, e, &v) != -1)
		fail_msg("'%s' succeeded with %jd", e, v);
	assert_int_equal(v, 777);
	assert_int_equal(stub_nerr(sh), n + 1);
	if (!strstr(stub_last_err(sh), msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", e, stub_last_err(sh),
			 msg_part);
	/* the message quotes the expression or names the variable */
	assert_non_null(strstr(stub_last_err(sh), "arithmetic expression"));
}

static const char *var(const char *name)
{
	const char *v = sh_getvar(sh, name);
	return v ? v : "(unset)";
}

static const struct {
	const char *e;
	intmax_t v;
} cases[] = {
	/* clang-format off */
	/* constants */
	{ "0", 0 }, { "42", 42 }, { "0x1f", 31 }, { "0X1F", 31 },
	{ "0xAbC", 2748 }, { "010", 8 }, { "0777", 511 }, { "00", 0 },
	{ "  7  ", 7 }, { "\t7\n", 7 },
	{ "9223372036854775807", INTMAX_MAX },
	{ "9223372036854775808", INTMAX_MAX },     /* saturates, like dash */
	{ "99999999999999999999", INTMAX_MAX },
	{ "0xffffffffffffffff", INTMAX_MAX },
	/* unary */
	{ "-3", -3 }, { "+3", 3 }, { "- -3", 3 }, { "-(-3)", 3 },
	{ "!0", 1 }, { "!5", 0 }, { "!!5", 1 }, { "~0", -1 }, { "~5", -6 },
	{ "-~5", 6 }, { "++5", 5 }, { "--5", 5 }, { "+-+-1", 1 },
	/* multiplicative, truncation toward zero */
	{ "6*7", 42 }, { "17/5", 3 }, { "17%5", 2 }, { "-7/2", -3 },
	{ "-7%2", -1 }, { "7%-2", 1 }, { "2*3%4", 2 }, { "12/2/3", 2 },
	{ "-9223372036854775807-1", INTMAX_MIN },
	{ "(-9223372036854775807-1)/-1", INTMAX_MIN },  /* wraps, no trap */
	{ "(-9223372036854775807-1)%-1", 0 },
	/* additive, wrapping */
	{ "1+2", 3 }, { "5-7", -2 }, { "4-3-1", 0 }, { "1+2*3", 7 },
	{ "(1+2)*3", 9 }, { "9223372036854775807+1", INTMAX_MIN },
	/* shifts */
	{ "1<<4", 16 }, { "256>>3", 32 }, { "-16>>2", -4 }, { "1<<2+1", 8 },
	{ "-1>>1", -1 }, { "1<<63", INTMAX_MIN },
	/* relational and equality */
	{ "1<2", 1 }, { "2<1", 0 }, { "2<=2", 1 }, { "3>2", 1 },
	{ "2>=3", 0 }, { "4==4", 1 }, { "4!=4", 0 }, { "3>2>1", 0 },
	{ "1<2==1", 1 }, { "-1<0", 1 },
	/* bitwise, precedence & above ^ above | */
	{ "12&10", 8 }, { "12|10", 14 }, { "12^10", 6 }, { "1|2^3&4", 3 },
	{ "1|6&3", 3 }, { "4==4&1", 1 },
	/* logical */
	{ "1&&0", 0 }, { "1&&2", 1 }, { "0||0", 0 }, { "0||3", 1 },
	{ "0||1&&0", 0 }, { "1||1&&0", 1 }, { "1|0&&2", 1 },
	/* conditional, right associative */
	{ "1?10:20", 10 }, { "0?10:20", 20 }, { "1?2:3?4:5", 2 },
	{ "0?2:0?4:5", 5 }, { "0?2:1?4:5", 4 }, { "1?0?7:8:9", 8 },
	{ "(1?2:3)+1", 3 },
	/* comma (bash extension) */
	{ "1,2", 2 }, { "(5,6)*2", 12 },
	/* nested parentheses */
	{ "((((1))))", 1 }, { "( 1 + ( 2 * 3 ) )", 7 },
	/* clang-format on */
};

static void test_operators(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		intmax_t v = ev(cases[i].e);
		if (v != cases[i].v)
			fail_msg("'%s' = %jd, want %jd", cases[i].e, v,
				 cases[i].v);
	}
}

static void test_variables(void **st)
{
	(void)st;
	assert_int_equal(ev("unset_var"), 0);
	assert_int_equal(ev("unset_var + 1"), 1);
	sh_setvar(sh, "e", "", 0);
	assert_int_equal(ev("e+1"), 1);
	sh_setvar(sh, "x", "5", 0);
	assert_int_equal(ev("x*x"), 25);
	assert_int_equal(ev("x*2+1"), 11);
	sh_setvar(sh, "x", " 12 ", 0);
	assert_int_equal(ev("x+1"), 13);
	sh_setvar(sh, "x", "0x10", 0);
	assert_int_equal(ev("x+1"), 17);
	sh_setvar(sh, "x", "010", 0);
	assert_int_equal(ev("x"), 8);
	sh_setvar(sh, "x", "-5", 0);
	assert_int_equal(ev("x+1"), -4);
	assert_int_equal(ev("-x"), 5);
	sh_setvar(sh, "x", "-9223372036854775808", 0);
	assert_int_equal(ev("x"), INTMAX_MIN);
	sh_setvar(sh, "_a1", "3", 0);
	assert_int_equal(ev("_a1<<_a1"), 24);
	/* a value that is not a number is an expression (bash, ksh) */
	sh_setvar(sh, "x", "-5", 0);
	sh_setvar(sh, "y", "x", 0);
	sh_setvar(sh, "z", "y*2", 0);
	assert_int_equal(ev("z+1"), -9);
	sh_setvar(sh, "x", "16#ff", 0);
	assert_int_equal(ev("x"), 255);
}

static void test_bash_constants_power(void **st)
{
	(void)st;
	assert_int_equal(ev("2#101"), 5);
	assert_int_equal(ev("36#z + 10#010"), 45);
	assert_int_equal(ev("64#A"), 36);
	assert_int_equal(ev("64#@ + 64#_"), 125);
	assert_int_equal(ev("16#Ff"), 255);
	assert_int_equal(ev("3 ** 0"), 1);
	assert_int_equal(ev("2 ** 3 ** 2"), 512);
	assert_int_equal(ev("-3 ** 2"), 9);
	assert_int_equal(ev("2 * 3 ** 2"), 18);
	assert_int_equal(ev("2 ** 63"), INTMAX_MIN);
}

static void test_assignment(void **st)
{
	(void)st;
	assert_int_equal(ev("x = 4"), 4);
	assert_string_equal(var("x"), "4");
	assert_int_equal(ev("x += 2"), 6);
	assert_int_equal(ev("x -= 1"), 5);
	assert_int_equal(ev("x *= 3"), 15);
	assert_int_equal(ev("x /= 2"), 7);
	assert_int_equal(ev("x %= 4"), 3);
	assert_int_equal(ev("x <<= 3"), 24);
	assert_int_equal(ev("x >>= 1"), 12);
	assert_int_equal(ev("x &= 6"), 4);
	assert_int_equal(ev("x |= 1"), 5);
	assert_int_equal(ev("x ^= 7"), 2);
	assert_string_equal(var("x"), "2");
	/* right associative, value of an assignment is the new value */
	assert_int_equal(ev("a = b = 3"), 3);
	assert_string_equal(var("a"), "3");
	assert_string_equal(var("b"), "3");
	assert_int_equal(ev("(c = 2) + c"), 4);
	assert_int_equal(ev("x = 1 ? 7 : 8"), 7);
	assert_string_equal(var("x"), "7");
	assert_int_equal(ev("x == 7"), 1); /* not an assignment */
	assert_string_equal(var("x"), "7");
	assert_int_equal(ev("y = -9223372036854775807 - 1"), INTMAX_MIN);
	assert_string_equal(var("y"), "-9223372036854775808");
	assert_int_equal(ev("x=2,x+1"), 3);
	assert_string_equal(var("x"), "2");
}

static void test_incdec(void **st)
{
	(void)st;
	sh_setvar(sh, "x", "1", 0);
	assert_int_equal(ev("x++"), 1);
	assert_string_equal(var("x"), "2");
	assert_int_equal(ev("++x"), 3);
	assert_string_equal(var("x"), "3");
	assert_int_equal(ev("x--"), 3);
	assert_int_equal(ev("--x"), 1);
	assert_string_equal(var("x"), "1");
	assert_int_equal(ev("x+++1"), 2); /* (x++) + 1, as in bash */
	assert_string_equal(var("x"), "2");
	assert_int_equal(ev("n++"), 0); /* unset counts as 0 */
	assert_string_equal(var("n"), "1");
}

static void test_short_circuit(void **st)
{
	(void)st;
	sh_setvar(sh, "x", "0", 0);
	assert_int_equal(ev("0 && (x = 5)"), 0);
	assert_int_equal(ev("1 || (x = 5)"), 1);
	assert_int_equal(ev("1 ? 1 : (x = 5)"), 1);
	assert_int_equal(ev("0 ? (x = 5) : 2"), 2);
	assert_int_equal(ev("0 && x++"), 0);
	assert_int_equal(ev("1 || ++x"), 1);
	assert_int_equal(ev("0 && (x += 1, x *= 9)"), 0);
	assert_string_equal(var("x"), "0");
	/* no division by zero in an unevaluated branch */
	assert_int_equal(ev("0 && 1/0"), 0);
	assert_int_equal(ev("1 || 1%0"), 1);
	assert_int_equal(ev("1 ? 2 : 5/0"), 2);
	/* nor a bad variable value (dash agrees) */
	sh_setvar(sh, "s", "abc", 0);
	assert_int_equal(ev("0 && s"), 0);
	assert_int_equal(ev("1 || s + 1"), 1);
	assert_int_equal(ev("1 ? 2 : s"), 2);
	/* taken branches do have their effects */
	assert_int_equal(ev("1 && (x = 5)"), 1);
	assert_string_equal(var("x"), "5");
	assert_int_equal(ev("0 ? 1 : (x = 6)"), 6);
	assert_string_equal(var("x"), "6");
}

static void test_errors(void **st)
{
	(void)st;
	ev_err("1 +", "1 +");
	ev_err("1/0", "division by zero");
	ev_err("1%0", "division by zero");
	ev_err("x /= 0", "division by zero");
	ev_err("5/0 || 1", "division by zero");
	ev_err("(1", "1");
	ev_err("1)", "1)");
	ev_err("()", "()");
	ev_err("1 2", "1 2");
	ev_err("2**-1", "exponent less than 0");
	ev_err("65#1", "65#1");
	ev_err("2#2", "2#2");
	ev_err("08", "08");
	ev_err("0x", "0x");
	ev_err("1 ? 2", "1 ? 2");
	ev_err("x=", "x=");
	ev_err("a[1]", "a[1]");
	ev_err("1 = 2", "1 = 2");
	ev_err("$x", "$x");
	ev_err("@", "@");
	sh_setvar(sh, "s", "a b c", 0);
	ev_err("s+1", "a b c");
	sh_setvar(sh, "s", "s", 0);
	ev_err("s", "recursion");
	sh_setvar(sh, "s", "12abc", 0);
	ev_err("s", "12abc");
	sh_setvar(sh, "s", "99999999999999999999", 0);
	ev_err("s", "99999999999999999999");
	/* assigning a read-only variable fails, sh_setvar says why */
	sh_setvar(sh, "ro", "1", 0);
	stub_set_readonly(sh, "ro");
	intmax_t v;
	assert_int_equal(sh_arith(sh, "ro = 2", &v), -1);
	assert_non_null(strstr(stub_last_err(sh), "read only"));
	assert_string_equal(var("ro"), "1");
}

static void test_empty(void **st)
{
	(void)st;
	/* dash reports an error here; we give 0 like bash (documented) */
	assert_int_equal(ev(""), 0);
	assert_int_equal(ev("   "), 0);
}

static char *repeat(const char *pre, int n, const char *mid, const char *post)
{
	size_t lp = strlen(pre), lq = strlen(post);
	char *s = malloc(n * (lp + lq) + strlen(mid) + 1), *p = s;
	assert_non_null(s);
	for (int i = 0; i < n; i++, p += lp)
		memcpy(p, pre, lp);
	p = stpcpy(p, mid);
	for (int i = 0; i < n; i++, p += lq)
		memcpy(p, post, lq);
	*p = 0;
	return s;
}

static void test_depth_cap(void **st)
{
	(void)st;
	char *s = repeat("(", 200, "1", ")");
	assert_int_equal(ev(s), 1);
	free(s);
	/* deep nesting is an error, never a stack overflow */
	const char *pre[] = { "(", "-", "!", "x=", "0?0:", "1?" };
	const char *post[] = { ")", "", "", "", "", ":0" };
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		s = repeat(pre[i], 100000, "1", post[i]);
		ev_err(s, "nested too deeply");
		free(s);
	}
}

static void test_many_evaluations(void **st)
{
	(void)st;
	/* the loop a script's counter runs: i=$((i+1)) */
	sh_setvar(sh, "i", "0", 0);
	for (int k = 0; k < 100000; k++) {
		intmax_t v;
		assert_int_equal(sh_arith(sh, "i+1", &v), 0);
		char buf[32];
		snprintf(buf, sizeof(buf), "%jd", v);
		sh_setvar(sh, "i", buf, 0);
	}
	assert_string_equal(var("i"), "100000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_operators, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_variables, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_assignment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_incdec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_circuit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bash_constants_power,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_evaluations, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
