/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_test.c — `test` and `[`: POSIX's rules by argument count for up to
 * four arguments, and for more an XSI expression grammar with ! -a -o
 * and parentheses.  Status 0 true, 1 false, 2 on error.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/builtin_i.h"

struct tst {
	struct sh *sh;
	char **v;
	int n, i;
	int depth; /* of ( and ! nesting, capped: never a stack overflow */
	jmp_buf jmp;
};

static void __attribute__((noreturn))
terr(struct tst *t, const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	sh_err(t->sh, "test: %s", msg);
	longjmp(t->jmp, 1);
}

/* -a FILE is -e FILE, as in dash, bash, ksh and yash (not in POSIX, whose
 * rules for one to four arguments still let "-a" be the binary AND); -o
 * OPTION and -v NAME are bash's (an option on, a variable set). */
static bool is_unary(const char *s)
{
	return s[0] == '-' && s[1] && !s[2] &&
	       strchr("abcdefghknoprsStuvwxzLOG", s[1]);
}

static bool is_binary(const char *s)
{
	static const char *const b[] = {
		"=",   "==",  "!=",  "<",   ">",   "-eq", "-ne",
		"-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef",
	}; /* == is bash's = (no pattern matching, unlike in [[ ]]) */
	for (size_t i = 0; i < CS_ARRAY_SIZE(b); i++)
		if (!strcmp(s, b[i]))
			return true;
	return false;
}

static intmax_t num(struct tst *t, const char *s)
{
	char *end;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	errno = 0;
	intmax_t v = strtoimax(p, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (!*p || *end || errno)
		terr(t, "%s: bad number", s);
	return v;
}

static bool unary(struct tst *t, const char *op, const char *arg)
{
	struct stat st;

	switch (op[1]) {
	case 'n':
		return *arg != 0;
	case 'z':
		return *arg == 0;
	case 't':
		return isatty((int)num(t, arg));
	case 'h':
	case 'L':
		return lstat(arg, &st) == 0 && S_ISLNK(st.st_mode);
	case 'r':
		return access(arg, R_OK) == 0;
	case 'w':
		return access(arg, W_OK) == 0;
	case 'x':
		return access(arg, X_OK) == 0;
	case 'o':
		return sh_option_on(t->sh, arg) > 0;
	case 'v':
		return sh_getvar(t->sh, arg) != NULL;
	}
	if (stat(arg, &st) < 0)
		return false;
	switch (op[1]) {
	case 'b':
		return S_ISBLK(st.st_mode);
	case 'c':
		return S_ISCHR(st.st_mode);
	case 'd':
		return S_ISDIR(st.st_mode);
	case 'a':
	case 'e':
		return true;
	case 'f':
		return S_ISREG(st.st_mode);
	case 'g':
		return (st.st_mode & S_ISGID) != 0;
	case 'k':
		return (st.st_mode & S_ISVTX) != 0;
	case 'p':
		return S_ISFIFO(st.st_mode);
	case 's':
		return st.st_size > 0;
	case 'S':
		return S_ISSOCK(st.st_mode);
	case 'u':
		return (st.st_mode & S_ISUID) != 0;
	case 'O':
		return st.st_uid == geteuid();
	case 'G':
		return st.st_gid == getegid();
	}
	return false;
}

static bool newer(const struct stat *a, const struct stat *b)
{
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return a->st_mtim.tv_sec > b->st_mtim.tv_sec;
	return a->st_mtim.tv_nsec > b->st_mtim.tv_nsec;
}

static bool binary(struct tst *t, const char *l, const char *op, const char *r)
{
	if (!strcmp(op, "=") || !strcmp(op, "=="))
		return !strcmp(l, r);
	if (!strcmp(op, "!="))
		return strcmp(l, r) != 0;
	if (!strcmp(op, "<"))
		return strcoll(l, r) < 0;
	if (!strcmp(op, ">"))
		return strcoll(l, r) > 0;
	if (op[1] == 'n' || op[1] == 'o' || !strcmp(op, "-ef")) {
		struct stat a, b;
		bool ha = stat(l, &a) == 0, hb = stat(r, &b) == 0;
		if (!strcmp(op, "-ef"))
			return ha && hb && a.st_dev == b.st_dev &&
			       a.st_ino == b.st_ino;
		if (!strcmp(op, "-nt"))
			return ha && (!hb || newer(&a, &b));
		if (!strcmp(op, "-ot"))
			return hb && (!ha || newer(&b, &a));
	}
	intmax_t x = num(t, l), y = num(t, r);
	if (!strcmp(op, "-eq"))
		return x == y;
	if (!strcmp(op, "-ne"))
		return x != y;
	if (!strcmp(op, "-gt"))
		return x > y;
	if (!strcmp(op, "-ge"))
		return x >= y;
	if (!strcmp(op, "-lt"))
		return x < y;
	if (!strcmp(op, "-le"))
		return x <= y;
	terr(t, "%s: unknown operator", op);
}

/* The XSI grammar for five or more arguments:
 * or := and { -o and } ; and := not { -a not } ; not := ! not | prim
 * prim := ( or ) | unary-op arg | arg binary-op arg | arg */
static bool t_or(struct tst *t);

static const char *next(struct tst *t)
{
	if (t->i >= t->n)
		terr(t, "%s", "argument expected");
	return t->v[t->i++];
}

#define MAX_DEPTH 1000

static bool t_prim(struct tst *t)
{
	const char *a = next(t);

	if (!strcmp(a, "(")) {
		if (++t->depth > MAX_DEPTH)
			terr(t, "%s", "expression nested too deeply");
		bool r = t_or(t);
		t->depth--;
		if (t->i >= t->n || strcmp(t->v[t->i], ")"))
			terr(t, "%s", "')' expected");
		t->i++;
		return r;
	}
	if (t->i + 1 < t->n && is_binary(t->v[t->i])) {
		const char *op = t->v[t->i++];
		return binary(t, a, op, t->v[t->i++]);
	}
	if (is_unary(a) && t->i < t->n)
		return unary(t, a, next(t));
	return *a != 0;
}

static bool t_not(struct tst *t)
{
	if (t->i < t->n && !strcmp(t->v[t->i], "!")) {
		t->i++;
		if (++t->depth > MAX_DEPTH)
			terr(t, "%s", "expression nested too deeply");
		bool r = !t_not(t);
		t->depth--;
		return r;
	}
	return t_prim(t);
}

static bool t_and(struct tst *t)
{
	bool r = t_not(t);
	while (t->i < t->n && !strcmp(t->v[t->i], "-a")) {
		t->i++;
		bool s = t_not(t);
		r = r && s;
	}
	return r;
}

static bool t_or(struct tst *t)
{
	bool r = t_and(t);
	while (t->i < t->n && !strcmp(t->v[t->i], "-o")) {
		t->i++;
		bool s = t_and(t);
		r = r || s;
	}
	return r;
}

static bool eval_n(struct tst *t, char **v, int n);

static bool eval_n(struct tst *t, char **v, int n)
{
	switch (n) {
	case 0:
		return false;
	case 1:
		return *v[0] != 0;
	case 2:
		if (!strcmp(v[0], "!"))
			return !eval_n(t, v + 1, 1);
		if (is_unary(v[0]))
			return unary(t, v[0], v[1]);
		terr(t, "%s: unary operator expected", v[0]);
	case 3:
		if (is_binary(v[1]))
			return binary(t, v[0], v[1], v[2]);
		if (!strcmp(v[1], "-a"))
			return *v[0] && *v[2];
		if (!strcmp(v[1], "-o"))
			return *v[0] || *v[2];
		if (!strcmp(v[0], "!"))
			return !eval_n(t, v + 1, 2);
		if (!strcmp(v[0], "(") && !strcmp(v[2], ")"))
			return *v[1] != 0;
		terr(t, "%s: binary operator expected", v[1]);
	case 4:
		if (!strcmp(v[0], "!"))
			return !eval_n(t, v + 1, 3);
		if (!strcmp(v[0], "(") && !strcmp(v[3], ")"))
			return eval_n(t, v + 1, 2);
		/* fall through */
	default:
		t->v = v;
		t->n = n;
		t->i = 0;
		bool r = t_or(t);
		if (t->i < t->n)
			terr(t, "%s: unexpected argument", t->v[t->i]);
		return r;
	}
}

int bi_test(struct sh *sh, int argc, char **argv)
{
	struct tst t = { .sh = sh };
	volatile int n = argc - 1;

	if (!strcmp(argv[0], "[")) {
		if (strcmp(argv[argc - 1], "]")) {
			sh_err(sh, "[: missing ']'");
			return 2;
		}
		n--;
	}
	if (setjmp(t.jmp))
		return 2;
	return eval_n(&t, argv + 1, n) ? 0 : 1;
}

SH_BUILTIN(test) = {
	.b = { "test", bi_test, false },
	.own_help = true,
	.usage = "test EXPRESSION",
	.what = "evaluate a condition",
};

SH_BUILTIN(lbracket) = {
	.b = { "[", bi_test, false },
	.own_help = true,
	.usage = "[ EXPRESSION ]",
	.what = "same as test",
};
