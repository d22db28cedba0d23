/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * arith.c — arithmetic expansion (XCU 2.6.4): a precedence-climbing
 * evaluator over the already-expanded text of $((…)), on intmax_t with
 * C's operators, assignments and ++/--.  It evaluates while it parses;
 * the untaken side of && || ?: is parsed with evaluation switched off, so
 * it has no side effects.  Overflow wraps (computed unsigned) instead of
 * being undefined.  Beyond dash 0.5.12 (documented divergences): prefix
 * and postfix ++/-- and the comma operator as in bash, and an empty
 * expression is 0 (dash reports "expecting primary").  Also as in bash
 * (errors in dash): BASE#DIGITS constants, ** (right-associative), and a
 * variable whose value is not a number evaluated as an expression.  Constants past
 * INTMAX_MAX saturate like dash; such a variable value is an error.
 */
#include <ctype.h>
#include <inttypes.h>
#include <setjmp.h>
#include <string.h>

#include "shell/builtin_i.h"

#define MAX_DEPTH 1000

struct ar {
	struct sh *sh;
	const char *expr;
	const char *p;
	bool noeval;
	int depth;
	jmp_buf jmp;
};

static void __attribute__((noreturn)) fail(struct ar *a, const char *msg)
{
	sh_err(a->sh, "arithmetic expression: %s: \"%s\"", msg, a->expr);
	longjmp(a->jmp, 1);
}

static void skip_ws(struct ar *a)
{
	while (*a->p == ' ' || *a->p == '\t' || *a->p == '\n')
		a->p++;
}

/* The value of a digit of BASE#DIGITS: 0-9, then a-z, A-Z, @, _ (the
 * letters' case does not matter up to base 36), as in bash; -1: none. */
static int based_digit(int c, int base)
{
	if (isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + (base <= 36 ? 10 : 36);
	return c == '@' ? 62 : c == '_' ? 63 : -1;
}

/* BASE#DIGITS (bash, ksh), BASE from 2 to 64. */
static bool parse_based(const char *s, const char **end, uintmax_t *out,
			uintmax_t limit, bool *ovf)
{
	int base = atoi(s);
	uintmax_t v = 0;
	int d;

	if (base < 2 || base > 64)
		return false;
	s = strchr(s, '#') + 1;
	if (based_digit((unsigned char)*s, base) < 0)
		return false;
	for (; (d = based_digit((unsigned char)*s, base)) >= 0; s++) {
		if (d >= base)
			return false;
		if (v > (limit - d) / base)
			*ovf = true;
		else
			v = v * base + d;
	}
	*end = s;
	*out = *ovf ? limit : v;
	return true;
}

/* Parses an integer constant at *s (decimal, 0x hex, 0 octal, BASE#N); returns
 * false when the text is not one.  A value past limit sets *ovf and
 * yields limit (dash's strtoimax() saturation). */
static bool parse_const(const char *s, const char **end, uintmax_t *out,
			uintmax_t limit, bool *ovf)
{
	uintmax_t v = 0;
	int base = 10;

	*ovf = false;
	if (!isdigit((unsigned char)*s))
		return false;
	size_t nd = strspn(s, "0123456789");
	if (s[nd] == '#' && nd <= 2 && s[0] != '0')
		return parse_based(s, end, out, limit, ovf);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return false;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		unsigned d;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (d >= (unsigned)base)
			return false;
		if (v > (limit - d) / base)
			*ovf = true;
		else
			v = v * base + d;
	}
	if (isalnum((unsigned char)*s) || *s == '_')
		return false;
	*end = s;
	*out = *ovf ? limit : v;
	return true;
}

/* A value that is not a number is itself an expression (x=y+1 in
 * $((x*2))), as in bash and ksh; dash says "illegal number". */
static intmax_t var_expression(struct ar *a, const char *name, const char *v)
{
	static int nest;
	intmax_t r;

	if (nest >= 64) {
		sh_err(a->sh,
		       "arithmetic expression: %s: expression recursion level exceeded",
		       name);
		longjmp(a->jmp, 1);
	}
	nest++;
	int rc = sh_arith(a->sh, v, &r);
	nest--;
	if (rc < 0)
		longjmp(a->jmp, 1);
	return r;
}

static intmax_t var_value(struct ar *a, const char *name)
{
	const char *v = sh_getvar(a->sh, name);
	char line[24];

	if (!strcmp(name, "LINENO")) { /* as $LINENO, no stored variable */
		snprintf(line, sizeof(line), "%d", sh_lineno(a->sh));
		v = line;
	}
	const char *s, *end;
	uintmax_t n;
	bool neg = false, ovf;

	if (a->noeval)
		return 0; /* an unevaluated branch does not check values */
	if (!v && sh_nounset(a->sh)) {
		/* set -u covers arithmetic expansion too (XCU set) */
		sh_err(a->sh, "%s: parameter not set", name);
		longjmp(a->jmp, 1);
	}
	if (!v)
		return 0;
	s = v;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!parse_const(s, &end, &n, (uintmax_t)INTMAX_MAX + neg, &ovf))
		return var_expression(a, name, v);
	if (ovf) {
		sh_err(a->sh,
		       "arithmetic expression: %s: illegal number \"%s\"", name,
		       v);
		longjmp(a->jmp, 1);
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return var_expression(a, name, v);
	return neg ? (intmax_t)(0 - n) : (intmax_t)n;
}

static void assign(struct ar *a, const char *name, intmax_t v)
{
	char buf[32];

	if (a->noeval)
		return;
	snprintf(buf, sizeof(buf), "%" PRIdMAX, v);
	if (sh_setvar(a->sh, name, buf, 0) < 0)
		longjmp(a->jmp, 1);
}

/* Reads a variable name at the cursor into buf; false when none. */
static bool read_name(struct ar *a, char *buf, size_t sz)
{
	const char *s = a->p;
	size_t n = 0;

	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	if (n >= sz)
		fail(a, "variable name too long");
	memcpy(buf, s, n);
	buf[n] = 0;
	a->p += n;
	return true;
}

/* v + 1 for '+', v - 1 for '-', wrapping. */
static intmax_t step(intmax_t v, char sign)
{
	return (intmax_t)((uintmax_t)v + (sign == '+' ? 1 : (uintmax_t)-1));
}

/* x ** y (bash): wrapping, an error for a negative exponent. */
static intmax_t power(struct ar *a, intmax_t x, intmax_t y)
{
	uintmax_t r = 1, b = (uintmax_t)x;

	if (a->noeval)
		return 0;
	if (y < 0)
		fail(a, "exponent less than 0");
	for (; y; y >>= 1, b *= b)
		if (y & 1)
			r *= b;
	return (intmax_t)r;
}

static intmax_t binop(struct ar *a, const char *op, intmax_t x, intmax_t y)
{
	uintmax_t ux = (uintmax_t)x, uy = (uintmax_t)y;

	switch (op[0]) {
	case '*':
		if (op[1] == '*')
			return power(a, x, y);
		return (intmax_t)(ux * uy);
	case '/':
	case '%':
		if (a->noeval)
			return 0;
		if (y == 0)
			fail(a, "division by zero");
		if (x == INTMAX_MIN && y == -1)
			return op[0] == '/' ? INTMAX_MIN : 0;
		return op[0] == '/' ? x / y : x % y;
	case '+':
		return (intmax_t)(ux + uy);
	case '-':
		return (intmax_t)(ux - uy);
	case '<':
		if (op[1] == '<')
			return (intmax_t)(ux << (uy & 63));
		return op[1] == '=' ? x <= y : x < y;
	case '>':
		if (op[1] == '>')
			return y >= 64 || y < 0 ? (x < 0 ? -1 : 0) : x >> y;
		return op[1] == '=' ? x >= y : x > y;
	case '=':
		return x == y;
	case '!':
		return x != y;
	case '&':
		return x & y;
	case '^':
		return x ^ y;
	case '|':
		return x | y;
	}
	fail(a, "unknown operator");
}

static intmax_t parse_assign(struct ar *a);
static intmax_t parse_comma(struct ar *a);

static intmax_t parse_unary(struct ar *a)
{
	char name[256];
	intmax_t v;

	if (++a->depth > MAX_DEPTH)
		fail(a, "expression nested too deeply");
	skip_ws(a);
	const char *p = a->p;
	bool incdec = false;
	if ((p[0] == '+' && p[1] == '+') || (p[0] == '-' && p[1] == '-')) {
		/* ++name / --name; before anything else it is two signs */
		a->p += 2;
		skip_ws(a);
		incdec = read_name(a, name, sizeof(name));
		if (!incdec)
			a->p = p;
	}
	if (incdec) {
		v = var_value(a, name);
		v = step(v, p[0]);
		assign(a, name, v);
	} else if (*p == '+' || *p == '-' || *p == '!' || *p == '~') {
		a->p++;
		v = parse_unary(a);
		switch (*p) {
		case '-':
			v = (intmax_t)(0 - (uintmax_t)v);
			break;
		case '!':
			v = !v;
			break;
		case '~':
			v = ~v;
			break;
		}
	} else if (*p == '(') {
		a->p++;
		v = parse_comma(a);
		skip_ws(a);
		if (*a->p != ')')
			fail(a, "expecting ')'");
		a->p++;
	} else if (isdigit((unsigned char)*p)) {
		const char *end;
		uintmax_t u;
		bool ovf;
		if (!parse_const(p, &end, &u, INTMAX_MAX, &ovf))
			fail(a, "bad number");
		v = (intmax_t)u;
		a->p = end;
	} else if (read_name(a, name, sizeof(name))) {
		v = var_value(a, name);
		skip_ws(a);
		if ((a->p[0] == '+' && a->p[1] == '+') ||
		    (a->p[0] == '-' && a->p[1] == '-')) {
			char sign = a->p[0];
			a->p += 2;
			assign(a, name, step(v, sign));
		}
	} else if (!*p) {
		fail(a, "expecting primary");
	} else {
		fail(a, "unexpected character");
	}
	a->depth--;
	return v;
}

/* Binary operators by precedence, highest first. */
static const struct {
	const char *op;
	int prec;
} ops[] = {
	/* clang-format off */
	{ "**", 11 },
	{ "*", 10 }, { "/", 10 }, { "%", 10 },
	{ "+", 9 },  { "-", 9 },
	{ "<<", 8 }, { ">>", 8 },
	{ "<=", 7 }, { ">=", 7 }, { "<", 7 }, { ">", 7 },
	{ "==", 6 }, { "!=", 6 },
	{ "&", 5 },  { "^", 4 },  { "|", 3 },
	{ "&&", 2 }, { "||", 1 },
	/* clang-format on */
};

/* The binary operator at the cursor (not an assignment), or NULL. */
static const char *peek_op(struct ar *a, int *prec)
{
	skip_ws(a);
	const char *p = a->p;
	/* every expression ends here: most often at no operator at all */
	if (!*p || !strchr("|&^=!<>+-*/%", *p))
		return NULL;
	/* longest match first: && || << >> <= >= == != */
	for (size_t i = 0; i < CS_ARRAY_SIZE(ops); i++) {
		size_t n;
		if (ops[i].op[0] != p[0])
			continue;
		n = strlen(ops[i].op);
		if (strncmp(p, ops[i].op, n))
			continue;
		if (n == 1) {
			/* not part of a longer operator or an assignment */
			if (p[1] == '=' && p[0] != '<' && p[0] != '>')
				continue;
			if ((p[0] == '&' || p[0] == '|' || p[0] == '*') &&
			    p[1] == p[0])
				continue;
			if ((p[0] == '<' || p[0] == '>') &&
			    (p[1] == p[0] || p[1] == '='))
				continue;
		} else if ((ops[i].op[0] == '<' || ops[i].op[0] == '>') &&
			   ops[i].op[1] == ops[i].op[0] && p[2] == '=') {
			continue; /* <<= >>= */
		}
		*prec = ops[i].prec;
		return ops[i].op;
	}
	return NULL;
}

static intmax_t parse_binary(struct ar *a, int minprec)
{
	intmax_t lhs = parse_unary(a);
	int prec;
	const char *op;

	while ((op = peek_op(a, &prec)) && prec >= minprec) {
		a->p += strlen(op);
		if (!strcmp(op, "&&") || !strcmp(op, "||")) {
			bool save = a->noeval;
			bool shortc = op[0] == '&' ? !lhs : lhs;
			if (shortc)
				a->noeval = true;
			intmax_t rhs = parse_binary(a, prec + 1);
			a->noeval = save;
			lhs = shortc ? op[0] == '|' : (rhs != 0);
			continue;
		}
		/* ** is right-associative */
		intmax_t rhs = parse_binary(a, op[1] == '*' ? prec : prec + 1);
		lhs = binop(a, op, lhs, rhs);
	}
	return lhs;
}

static intmax_t parse_ternary(struct ar *a)
{
	intmax_t c = parse_binary(a, 1);

	skip_ws(a);
	if (*a->p != '?')
		return c;
	a->p++;
	bool save = a->noeval;
	if (!c)
		a->noeval = true;
	intmax_t x = parse_comma(a);
	a->noeval = save;
	skip_ws(a);
	if (*a->p != ':')
		fail(a, "expecting ':' in '?:'");
	a->p++;
	if (c)
		a->noeval = true;
	if (++a->depth > MAX_DEPTH)
		fail(a, "expression nested too deeply");
	intmax_t y = parse_ternary(a);
	a->depth--;
	a->noeval = save;
	return c ? x : y;
}

static intmax_t parse_assign(struct ar *a)
{
	char name[256];
	const char *start;

	if (++a->depth > MAX_DEPTH)
		fail(a, "expression nested too deeply");
	skip_ws(a);
	start = a->p;
	if (read_name(a, name, sizeof(name))) {
		skip_ws(a);
		const char *p = a->p;
		static const char *const aops[] = {
			"<<=", ">>=", "*=", "/=", "%=", "+=",
			"-=",  "&=",  "^=", "|=", "=",
		};
		for (size_t i = 0; i < CS_ARRAY_SIZE(aops); i++) {
			size_t n = strlen(aops[i]);
			if (strncmp(p, aops[i], n))
				continue;
			if (n == 1 && p[1] == '=')
				break; /* == */
			a->p += n;
			intmax_t rhs = parse_assign(a);
			intmax_t v = rhs;
			if (n > 1) {
				char op[3] = { aops[i][0], 0, 0 };
				if (n == 3)
					op[1] = aops[i][1];
				v = binop(a, op, var_value(a, name), rhs);
			}
			assign(a, name, v);
			a->depth--;
			return v;
		}
		a->p = start;
	}
	intmax_t v = parse_ternary(a);
	a->depth--;
	return v;
}

/* The comma operator: a bash/ksh extension (dash rejects it), kept
 * because the interpreter's contract promises it. */
static intmax_t parse_comma(struct ar *a)
{
	intmax_t v = parse_assign(a);

	for (;;) {
		skip_ws(a);
		if (*a->p != ',')
			return v;
		a->p++;
		v = parse_assign(a);
	}
}

int sh_arith(struct sh *sh, const char *expr, intmax_t *result)
{
	struct ar a = { .sh = sh, .expr = expr, .p = expr };

	if (setjmp(a.jmp))
		return -1;
	skip_ws(&a);
	if (!*a.p) {
		*result = 0;
		return 0;
	}
	intmax_t v = parse_comma(&a);
	skip_ws(&a);
	if (*a.p)
		fail(&a, *a.p == ')' ? "unbalanced ')'" : "syntax error");
	*result = v;
	return 0;
}
