/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sh_parse.c — the parser's trees: node kinds, word parts and their
 * quoting, here-documents, line numbers, and syntax errors with locations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "shell/shell_i.h"

static struct sh *sh;
/* the arenas of the trees parsed so far, dropped at the end */
static struct arena *arenas[64];
static size_t narenas;

/*
 * Parses s as a script is read, through the production entry point: one
 * complete command at a time with sh_parse_command() until the end or an
 * error (as the fuzzer and sh_run_source() do).  Fills cmds with the trees
 * (an empty line gives none) and returns how many; *err tells whether a
 * syntax error stopped it.
 */
static size_t parse_all(const char *s, struct node **cmds, size_t max,
			bool *err)
{
	size_t n = 0;

	*err = false;
	src_push_string(sh, s, strlen(s), 1);
	struct source *mine = sh->src;
	for (;;) {
		struct node *tree;
		struct arena *a;
		enum parse_result r = sh_parse_command(sh, &tree, &a);

		if (r == PARSE_ERROR)
			*err = true;
		if (r != PARSE_OK)
			break;
		if (narenas < CS_ARRAY_SIZE(arenas))
			arenas[narenas++] = a;
		else
			fail_msg("more than %zu commands parsed in one test",
				 CS_ARRAY_SIZE(arenas));
		if (tree && n < max)
			cmds[n++] = tree;
	}
	while (sh->src && sh->src != mine)
		src_pop(sh);
	if (sh->src == mine)
		src_pop(sh);
	return n;
}

/* The one command of s (NULL when a syntax error stops it). */
static struct node *parse(const char *s, bool *err)
{
	struct node *cmds[2];
	size_t n = parse_all(s, cmds, 2, err);

	if (*err)
		return NULL;
	assert_int_equal(n, 1);
	return cmds[0];
}

static struct node *parse_ok(const char *s)
{
	bool err;
	struct node *n = parse(s, &err);
	assert_false(err);
	return n;
}

static int setup(void **st)
{
	(void)st;
	sh = sh_new();
	sh->script = true;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	while (narenas)
		arena_unref(arenas[--narenas]);
	return 0;
}

static void test_simple_command(void **st)
{
	(void)st;
	struct node *n = parse_ok("FOO=1 echo a 'b c' >out");
	assert_int_equal(n->type, N_CMD);
	assert_non_null(n->u.cmd.assigns);
	assert_string_equal(n->u.cmd.assigns->parts->u.lit.text, "FOO=1");
	struct word *w = n->u.cmd.args;
	assert_string_equal(w->parts->u.lit.text, "echo");
	w = w->next->next;
	assert_true(w->parts->quoted);
	assert_string_equal(w->parts->u.lit.text, "b c");
	assert_non_null(n->redirs);
	assert_int_equal(n->redirs->type, R_OUT);
	assert_int_equal(n->redirs->fd, 1);
}

static void test_lists_and_pipes(void **st)
{
	(void)st;
	struct node *n = parse_ok("a | b && ! c || d; e &");
	assert_int_equal(n->type, N_LIST);
	assert_int_equal(n->u.list.n, 2);
	struct node *ao = n->u.list.cmds[0];
	assert_int_equal(ao->type, N_ANDOR);
	assert_int_equal(ao->u.andor.n, 3);
	assert_int_equal(ao->u.andor.ops[0], '&');
	assert_int_equal(ao->u.andor.ops[1], '|');
	assert_int_equal(ao->u.andor.cmds[0]->type, N_PIPE);
	assert_true(ao->u.andor.cmds[1]->u.pipe.negate);
	assert_int_equal(n->u.list.cmds[1]->type, N_BG);
}

static void test_long_andor_chain_is_flat(void **st)
{
	(void)st;
	struct cs_buf b = CS_BUF_INIT;
	cs_buf_adds(&b, "true");
	for (int i = 0; i < 5000; i++)
		cs_buf_adds(&b, " && true");
	struct node *n = parse_ok(b.buf);
	assert_int_equal(n->type, N_ANDOR);
	assert_int_equal(n->u.andor.n, 5001);
	cs_buf_release(&b);
}

static void test_compound(void **st)
{
	(void)st;
	struct node *n = parse_ok("if a; then b; elif c; then d; else e; fi");
	assert_int_equal(n->type, N_IF);
	assert_int_equal(n->u.ifs.els->type, N_IF);
	n = parse_ok("for x in 1 2 3; do echo $x; done");
	assert_int_equal(n->type, N_FOR);
	assert_string_equal(n->u.fors.var, "x");
	assert_true(n->u.fors.have_in);
	n = parse_ok("case $x in (a|b) one;; *) two;; esac");
	assert_int_equal(n->type, N_CASE);
	assert_non_null(n->u.cases.items->patterns->next);
	n = parse_ok("f() { echo hi; }");
	assert_int_equal(n->type, N_FUNCDEF);
	assert_string_equal(n->u.func.name, "f");
	n = parse_ok("while :; do :; done >log");
	assert_int_equal(n->type, N_WHILE);
	assert_non_null(n->redirs);
}

static void test_word_parts(void **st)
{
	(void)st;
	struct node *n = parse_ok("echo \"a$x${y:-z}$(c)$((1+2))\"`d`");
	struct wpart *p = n->u.cmd.args->next->parts;
	assert_int_equal(p->type, WP_LIT);
	assert_true(p->quoted);
	p = p->next;
	assert_int_equal(p->type, WP_PARAM);
	assert_string_equal(p->u.param.name, "x");
	p = p->next;
	assert_int_equal(p->u.param.op, PO_MINUS);
	assert_true(p->u.param.colon);
	p = p->next;
	assert_int_equal(p->type, WP_CMDSUB);
	p = p->next;
	assert_int_equal(p->type, WP_ARITH);
	p = p->next;
	assert_int_equal(p->type, WP_CMDSUB);
	assert_false(p->quoted);
}

static void test_heredoc(void **st)
{
	(void)st;
	struct node *n =
		parse_ok("cat <<A <<-'B'\nx $y\nA\n\tliteral $z\n\tB\n");
	struct redir *r = n->redirs;
	assert_int_equal(r->type, R_HEREDOC);
	assert_false(r->body_quoted);
	assert_int_equal(r->body->type, WP_LIT);
	assert_int_equal(r->body->next->type, WP_PARAM);
	r = r->next;
	assert_true(r->body_quoted);
	assert_true(r->strip_tabs);
	assert_string_equal(r->body->u.lit.text, "literal $z\n");
}

static void test_line_numbers(void **st)
{
	(void)st;
	struct node *cmds[4];
	bool err;

	assert_int_equal(parse_all("a\n\nb\nc", cmds, 4, &err), 3);
	assert_false(err);
	assert_int_equal(cmds[0]->lineno, 1);
	assert_int_equal(cmds[1]->lineno, 3);
	assert_int_equal(cmds[2]->lineno, 4);
}

static void test_target_prefix(void **st)
{
	(void)st;
	struct node *n = parse_ok("@dev make -j2 | tee log");
	struct node *c = n->u.pipe.cmds[0];
	assert_non_null(c->u.cmd.target);
	assert_string_equal(c->u.cmd.target->parts->u.lit.text, "@dev");
	assert_string_equal(c->u.cmd.args->parts->u.lit.text, "make");
}

static void test_syntax_errors(void **st)
{
	(void)st;
	static const char *const bad[] = {
		"echo 'unterminated",
		"echo \"unterminated",
		"echo $(true",
		"echo ${x",
		"echo $((1+2)",
		"if true; then",
		"a |",
		"case x in",
		"cat <<EOF\nbody",
		"for 1 in a; do :; done",
		"f() echo",
		"echo `x",
		"( )",
		"fi",
		"a && || b",
		"@dev",
	};
	for (size_t i = 0; i < CS_ARRAY_SIZE(bad); i++) {
		bool err = false;
		parse(bad[i], &err);
		if (!err)
			fail_msg("no syntax error for: %s", bad[i]);
	}
}

static void test_deep_nesting_is_an_error(void **st)
{
	(void)st;
	struct cs_buf b = CS_BUF_INIT;
	/* "( (", as "((" would start an arithmetic command */
	for (int i = 0; i < 10000; i++)
		cs_buf_adds(&b, "( ");
	cs_buf_adds(&b, "true");
	for (int i = 0; i < 10000; i++)
		cs_buf_addc(&b, ')');
	bool err = false;
	parse(b.buf, &err);
	assert_true(err);
	cs_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_simple_command, teardown),
		cmocka_unit_test_teardown(test_lists_and_pipes, teardown),
		cmocka_unit_test_teardown(test_long_andor_chain_is_flat,
					  teardown),
		cmocka_unit_test_teardown(test_compound, teardown),
		cmocka_unit_test_teardown(test_word_parts, teardown),
		cmocka_unit_test_teardown(test_heredoc, teardown),
		cmocka_unit_test_teardown(test_line_numbers, teardown),
		cmocka_unit_test_teardown(test_target_prefix, teardown),
		cmocka_unit_test_teardown(test_syntax_errors, teardown),
		cmocka_unit_test_teardown(test_deep_nesting_is_an_error,
					  teardown),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
