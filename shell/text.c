/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * text.c — a tree back to source text, for what `jobs`, `fg` and the
 * "Stopped"/"Done" notices show.  Close to what was typed, not a pretty
 * printer: parameter operators and here-documents are abbreviated.
 */
#include <string.h>

#include "shell/shell_i.h"

static void node_text(const struct node *n, struct cs_buf *b);

static void parts_text(const struct wpart *p, struct cs_buf *b)
{
	for (; p; p = p->next) {
		switch (p->type) {
		case WP_LIT:
			if (p->quoted && !p->u.lit.len)
				cs_buf_adds(b, "''");
			else
				cs_buf_add(b, p->u.lit.text, p->u.lit.len);
			break;
		case WP_PARAM:
			if (p->u.param.op == PO_NONE)
				cs_buf_addf(b, "${%s}", p->u.param.name);
			else
				cs_buf_addf(b, "${%s…}", p->u.param.name);
			break;
		case WP_CMDSUB:
			cs_buf_adds(b, "$(");
			node_text(p->u.cmd, b);
			cs_buf_addc(b, ')');
			break;
		case WP_ARITH:
			cs_buf_adds(b, "$((");
			parts_text(p->u.arith, b);
			cs_buf_adds(b, "))");
			break;
		}
	}
}

static void words_text(const struct word *w, struct cs_buf *b)
{
	for (; w; w = w->next) {
		if (b->len && b->buf[b->len - 1] != ' ' &&
		    b->buf[b->len - 1] != '(')
			cs_buf_addc(b, ' ');
		parts_text(w->parts, b);
	}
}

static void node_text(const struct node *n, struct cs_buf *b)
{
	if (!n)
		return;
	if (b->len > 4096)
		return;
	switch (n->type) {
	case N_CMD:
		words_text(n->u.cmd.target, b);
		words_text(n->u.cmd.assigns, b);
		words_text(n->u.cmd.args, b);
		break;
	case N_PIPE:
		if (n->u.pipe.timed)
			cs_buf_adds(b, n->u.pipe.time_posix ? "time -p " :
							      "time ");
		if (n->u.pipe.negate)
			cs_buf_adds(b, "! ");
		for (int i = 0; i < n->u.pipe.n; i++) {
			if (i)
				cs_buf_adds(b, " | ");
			node_text(n->u.pipe.cmds[i], b);
		}
		break;
	case N_ARITH:
		cs_buf_adds(b, "((…))");
		break;
	case N_DBRACKET: {
		static const char *const ops[] = {
			[DB_AND] = " &&",   [DB_OR] = " ||", [DB_LPAREN] = " (",
			[DB_RPAREN] = " )", [DB_LT] = " <",  [DB_GT] = " >",
		};
		cs_buf_adds(b, "[[");
		for (int i = 0; i < n->u.dbr.n; i++) {
			if (n->u.dbr.v[i].kind != DB_WORD) {
				cs_buf_adds(b, ops[n->u.dbr.v[i].kind]);
				continue;
			}
			cs_buf_addc(b, ' ');
			parts_text(n->u.dbr.v[i].w->parts, b);
		}
		cs_buf_adds(b, " ]]");
		break;
	}
	case N_ANDOR:
		for (int i = 0; i < n->u.andor.n; i++) {
			if (i)
				cs_buf_adds(b, n->u.andor.ops[i - 1] == '&' ?
						       " && " :
						       " || ");
			node_text(n->u.andor.cmds[i], b);
		}
		break;
	case N_LIST:
		for (int i = 0; i < n->u.list.n; i++) {
			if (i)
				cs_buf_adds(b, "; ");
			node_text(n->u.list.cmds[i], b);
		}
		break;
	case N_BG:
		node_text(n->u.sub, b);
		cs_buf_adds(b, " &");
		break;
	case N_NOT:
		cs_buf_adds(b, "! ");
		node_text(n->u.sub, b);
		break;
	case N_SUBSHELL:
		cs_buf_adds(b, "(");
		node_text(n->u.sub, b);
		cs_buf_adds(b, ")");
		break;
	case N_GROUP:
		cs_buf_adds(b, "{ ");
		node_text(n->u.sub, b);
		cs_buf_adds(b, "; }");
		break;
	case N_IF:
		cs_buf_adds(b, "if ");
		node_text(n->u.ifs.cond, b);
		cs_buf_adds(b, "; then ");
		node_text(n->u.ifs.then, b);
		cs_buf_adds(b, "; fi");
		break;
	case N_WHILE:
	case N_UNTIL:
		cs_buf_adds(b, n->type == N_WHILE ? "while " : "until ");
		node_text(n->u.ifs.cond, b);
		cs_buf_adds(b, "; do ");
		node_text(n->u.ifs.then, b);
		cs_buf_adds(b, "; done");
		break;
	case N_FOR:
		cs_buf_addf(b, "for %s", n->u.fors.var);
		if (n->u.fors.have_in) {
			cs_buf_adds(b, " in");
			words_text(n->u.fors.list, b);
		}
		cs_buf_adds(b, "; do ");
		node_text(n->u.fors.body, b);
		cs_buf_adds(b, "; done");
		break;
	case N_CASE:
		cs_buf_adds(b, "case");
		words_text(n->u.cases.subject, b);
		cs_buf_adds(b, " in … esac");
		break;
	case N_FUNCDEF:
		cs_buf_addf(b, "%s() …", n->u.func.name);
		break;
	}
}

char *job_text_node(const struct node *n)
{
	struct cs_buf b = CS_BUF_INIT;

	node_text(n, &b);
	return cs_buf_detach(&b, NULL);
}

char *job_text_argv(int argc, char **argv, const char *target)
{
	struct cs_buf b = CS_BUF_INIT;

	if (target)
		cs_buf_addf(&b, "@%s ", target);
	for (int i = 0; i < argc; i++) {
		if (i)
			cs_buf_addc(&b, ' ');
		sh_quote(&b, argv[i]);
	}
	return cs_buf_detach(&b, NULL);
}
