/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dbracket.c — `[[ expression ]]`, an extension (off with set -o posix):
 * words are expanded without field splitting or pathname expansion;
 * `==`/`=`/`!=` match the right side as a pattern (quoted parts
 * literally), `=~` as an extended regular expression (regcomp) and leave
 * the match in BASH_REMATCH and its groups in BASH_REMATCH_1…
 * (cshell has no arrays); `<` `>` compare strings; `&&` `||` `!` and
 * parentheses combine; the unary and the other binary operators are
 * those of test(1).
 */
#include <regex.h>
#include <string.h>

#include "shell/shell_i.h"

#define MAX_REMATCH 10

struct dbeval {
	struct sh *sh;
	struct dbtok *v;
	int n, i;
	bool error;
	bool skip; /* the operand of a && or || that is not looked at */
};

static const char *const unary_ops[] = {
	"-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-n", "-p", "-r",
	"-s", "-t", "-u", "-w", "-x", "-z", "-G", "-L", "-N", "-O", "-S",
};
static const char *const binary_ops[] = {
	"==",  "=",   "!=",  "=~",  "-eq", "-ne", "-lt",
	"-le", "-gt", "-ge", "-nt", "-ot", "-ef",
};

static bool in_list(const char *s, const char *const *l, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, l[i]))
			return true;
	return false;
}

static struct dbtok *peek(struct dbeval *e, int k)
{
	return e->i + k < e->n ? &e->v[e->i + k] : NULL;
}

static bool is_binary(const struct dbtok *t)
{
	return t && (t->kind == DB_LT || t->kind == DB_GT ||
		     (t->kind == DB_WORD &&
		      in_list(t->op, binary_ops, CS_ARRAY_SIZE(binary_ops))));
}

static const char *word(struct dbeval *e, const struct dbtok *t)
{
	return sh_expand_word(e->sh, t->w, EXP_TILDE);
}

static int syntax(struct dbeval *e, const char *what)
{
	if (!e->error)
		sh_err(e->sh, "[[: %s", what);
	e->error = true;
	return 0;
}

/* Runs test(1) on argv (the same operators); true when it says so. */
static int as_test(struct dbeval *e, int argc, const char *a, const char *b,
		   const char *c)
{
	char *argv[] = { "test", (char *)a, (char *)b, (char *)c, NULL };
	int st = bi_test(e->sh, argc, argv);

	if (st > 1)
		e->error = true;
	return st == 0;
}

static void set_rematch(struct sh *sh, const char *s, regmatch_t *m)
{
	char name[32];

	for (int k = 0; k < MAX_REMATCH; k++) {
		if (k)
			snprintf(name, sizeof(name), "BASH_REMATCH_%d", k);
		else
			snprintf(name, sizeof(name), "BASH_REMATCH");
		if (!m || m[k].rm_so < 0) {
			sh_unsetvar(sh, name);
			continue;
		}
		char *v = arena_strndup(sh->stack, s + m[k].rm_so,
					m[k].rm_eo - m[k].rm_so);
		sh_setvar(sh, name, v, 0);
	}
}

static int regex_match(struct dbeval *e, const char *s, const struct dbtok *rt)
{
	char *re = sh_expand_parts(e->sh, rt->w->parts, EXP_TILDE | EXP_REGEX);
	regmatch_t m[MAX_REMATCH];
	regex_t rx;
	int r = regcomp(&rx, re, REG_EXTENDED);

	if (r) {
		char msg[256];
		regerror(r, &rx, msg, sizeof(msg));
		sh_err(e->sh, "[[: '%s': %s", re, msg);
		e->error = true;
		return 0;
	}
	r = regexec(&rx, s, MAX_REMATCH, m, 0);
	regfree(&rx);
	set_rematch(e->sh, s, r ? NULL : m);
	return !r;
}

static int binary(struct dbeval *e, const struct dbtok *l,
		  const struct dbtok *op, const struct dbtok *r)
{
	const char *a = word(e, l);

	if (op->kind == DB_LT || op->kind == DB_GT) {
		int c = strcmp(a, word(e, r));
		return op->kind == DB_LT ? c < 0 : c > 0;
	}
	if (!strcmp(op->op, "=~"))
		return regex_match(e, a, r);
	if (!strcmp(op->op, "==") || !strcmp(op->op, "=") ||
	    !strcmp(op->op, "!=")) {
		char *pat = sh_expand_parts(e->sh, r->w->parts,
					    EXP_TILDE | EXP_PATTERN);
		bool m = sh_pmatch(pat, a);
		return op->op[0] == '!' ? !m : m;
	}
	return as_test(e, 4, a, op->op, word(e, r));
}

static int expr_or(struct dbeval *e);

static int primary(struct dbeval *e)
{
	struct dbtok *t = peek(e, 0);

	if (!t)
		return syntax(e, "an operand is missing");
	if (t->kind == DB_LPAREN) {
		e->i++;
		int v = expr_or(e);
		t = peek(e, 0);
		if (!t || t->kind != DB_RPAREN)
			return syntax(e, "')' is missing");
		e->i++;
		return v;
	}
	if (t->kind != DB_WORD)
		return syntax(e, "an operand is missing");
	struct dbtok *next = peek(e, 1);
	if (is_binary(next)) {
		struct dbtok *r = peek(e, 2);
		if (!r || r->kind != DB_WORD)
			return syntax(e, "an operand is missing");
		e->i += 3;
		return e->skip ? 0 : binary(e, t, next, r);
	}
	if (in_list(t->op, unary_ops, CS_ARRAY_SIZE(unary_ops)) && next &&
	    next->kind == DB_WORD) {
		e->i += 2;
		return e->skip ? 0 : as_test(e, 3, t->op, word(e, next), NULL);
	}
	e->i++;
	return e->skip ? 0 : word(e, t)[0] != 0;
}

static int expr_not(struct dbeval *e)
{
	struct dbtok *t = peek(e, 0);

	if (t && t->kind == DB_WORD && t->op && !strcmp(t->op, "!") &&
	    !is_binary(peek(e, 1))) {
		e->i++;
		return !expr_not(e);
	}
	return primary(e);
}

/* && and ||: the right side is parsed but not evaluated when the left
 * one decides (no expansions, no BASH_REMATCH) */
static int expr_and(struct dbeval *e)
{
	int v = expr_not(e);

	while (peek(e, 0) && peek(e, 0)->kind == DB_AND) {
		e->i++;
		bool save = e->skip;
		e->skip = save || !v;
		int r = expr_not(e);
		e->skip = save;
		v = v && r;
	}
	return v;
}

static int expr_or(struct dbeval *e)
{
	int v = expr_and(e);

	while (peek(e, 0) && peek(e, 0)->kind == DB_OR) {
		e->i++;
		bool save = e->skip;
		e->skip = save || v;
		int r = expr_and(e);
		e->skip = save;
		v = v || r;
	}
	return v;
}

int sh_eval_dbracket(struct sh *sh, struct node *n)
{
	struct dbeval e = { sh, n->u.dbr.v, n->u.dbr.n, 0, false, false };
	int v = expr_or(&e);

	if (e.i < e.n)
		syntax(&e, "unexpected word after the expression");
	return e.error ? 2 : !v;
}
