/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse.c — lexer and recursive-descent parser for the Shell Command
 * Language (XCU 2.3, 2.10), producing the AST of shell_i.h with source
 * lines.  Words are split into parts here (quotes, $…, `…`), so the
 * expander never re-scans source text; $(…) and `…` are parsed once, into
 * the same arena.
 *
 * Read it top-down: sh_parse_command() → parse_list() → and_or →
 * pipeline → command; the lexer (next_token, read_word) sits below.
 * Errors longjmp back to sh_parse_command() with a "FILE:LINE: …" message.
 */
#include <ctype.h>
#include <string.h>

#include "shell/shell_i.h"

#define MAX_DEPTH 1000
/* "((" read again as "( (" in one command, at most (see arith_replay) */
#define MAX_REPLAYS 64
#define WORD_CAP (64u << 20)

enum tok {
	T_EOF,
	T_NEWLINE,
	T_WORD,
	T_SEMI,
	T_DSEMI,
	T_SEMI_AMP,  /* ;& (POSIX.1-2024): fall through to the next body */
	T_DSEMI_AMP, /* ;;& (bash): go on matching the next patterns */
	T_AMP,
	T_AND,
	T_PIPE,
	T_PIPE_AMP, /* |& (bash's 2>&1 |) */
	T_OR,
	T_LPAREN,
	T_RPAREN,
	T_REDIR,
};

struct parser {
	struct sh *sh;
	struct arena *a;
	jmp_buf jmp;

	/* one token of lookahead */
	bool have;
	enum tok tok;
	struct word *word;
	char *text; /* plain (unquoted, literal-only) word text */
	int ionum;
	bool ionum_given; /* digits before the operator, not its default */
	char *ionum_var;  /* {name} before the operator (bash), or NULL */
	bool redir_both;  /* &> or &>> (bash) */
	enum redir_type rtype;
	bool strip_tabs;
	int lineno;

	struct redir *hd_head, **hd_tail; /* here-docs waiting for a newline */
	int depth;
	/* growing buffers in use, released when a syntax error unwinds */
	struct cs_buf *tmp[64];
	int ntmp;
	/* an alias whose text ends in a blank: the word after it is checked
	 * for aliases too (XCU 2.3.1) */
	struct alias *blank_alias;
	/* the lookahead token has been checked for an alias already */
	bool alias_checked;
	/* how many times it was wrong: each replay can make inner "$(("
	 * be tried again, so an unbounded count is exponential time */
	int replays;
};

static struct node *parse_list(struct parser *p, bool top);
static struct node *parse_command(struct parser *p);
static struct wpart *read_word_parts(struct parser *p, int endc, bool dq,
				     bool *plain);
static void read_heredocs(struct parser *p);

/* ------------------------------------------------------------------ */
/* Errors */

static void __attribute__((noreturn, format(printf, 2, 3)))
synerr(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->sh->src_record = NULL;
	while (p->ntmp > 0)
		cs_buf_release(p->tmp[--p->ntmp]);
	fflush(stdout);
	if (p->sh->script)
		fprintf(stderr, "%s:%d: syntax error: %s\n", p->sh->progname,
			src_lineno(p->sh), msg);
	else
		fprintf(stderr, "%s: syntax error: %s\n", p->sh->progname, msg);
	longjmp(p->jmp, 1);
}

/* Buffers are registered while they grow, so an error can free them. */
static void tmp_init(struct parser *p, struct cs_buf *b, size_t cap)
{
	if (p->ntmp == (int)CS_ARRAY_SIZE(p->tmp))
		synerr(p, "nesting too deep");
	cs_buf_init(b, cap);
	p->tmp[p->ntmp++] = b;
}

static void tmp_release(struct parser *p, struct cs_buf *b)
{
	for (int i = p->ntmp - 1; i >= 0; i--) {
		if (p->tmp[i] == b) {
			memmove(p->tmp + i, p->tmp + i + 1,
				(p->ntmp - i - 1) * sizeof(p->tmp[0]));
			p->ntmp--;
			break;
		}
	}
	cs_buf_release(b);
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		synerr(p, "nesting deeper than %d levels", MAX_DEPTH);
}

/* ------------------------------------------------------------------ */
/* Characters */

static int rawc(struct parser *p)
{
	int c = src_getc(p->sh);

	if (c == 0)
		synerr(p, "NUL byte in input");
	return c;
}

/* getc with backslash-newline removed (XCU 2.2.1). */
static int pgetc(struct parser *p)
{
	for (;;) {
		int c = rawc(p);
		if (c != '\\')
			return c;
		int d = rawc(p);
		if (d != '\n') {
			src_ungetc(p->sh, d);
			return c;
		}
	}
}

static void ungetc_(struct parser *p, int c)
{
	src_ungetc(p->sh, c);
}

static bool is_meta(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '<' || c == '>' || c == '(' || c == ')' ||
	       c == EOF;
}

static bool is_name_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* ------------------------------------------------------------------ */
/* Word parts */

struct pbuild {
	struct parser *p;
	struct wpart *head, **tail;
	struct cs_buf lit;
	bool lit_quoted;
	bool plain;
};

static void pb_init(struct pbuild *b, struct parser *p)
{
	b->p = p;
	b->head = NULL;
	b->tail = &b->head;
	tmp_init(p, &b->lit, WORD_CAP);
	b->lit_quoted = false;
	b->plain = true;
}

static struct wpart *pb_new(struct pbuild *b, enum wp_type t, bool quoted)
{
	struct wpart *w = arena_zalloc(b->p->a, sizeof(*w));
	w->type = t;
	w->quoted = quoted;
	*b->tail = w;
	b->tail = &w->next;
	return w;
}

static void pb_flush(struct pbuild *b)
{
	if (!b->lit.len)
		return;
	struct wpart *w = pb_new(b, WP_LIT, b->lit_quoted);
	w->u.lit.text = arena_strndup(b->p->a, b->lit.buf, b->lit.len);
	w->u.lit.len = b->lit.len;
	cs_buf_reset(&b->lit);
}

static void pb_char(struct pbuild *b, int c, bool quoted)
{
	if (quoted != b->lit_quoted)
		pb_flush(b);
	b->lit_quoted = quoted;
	if (quoted)
		b->plain = false;
	if (cs_buf_addc(&b->lit, c) < 0)
		synerr(b->p, "word longer than %u bytes", WORD_CAP);
}

/* An empty quoted part: makes "" a field. */
static void pb_empty_quoted(struct pbuild *b)
{
	pb_flush(b);
	struct wpart *w = pb_new(b, WP_LIT, true);
	w->u.lit.text = "";
	b->plain = false;
}

static struct wpart *pb_finish(struct pbuild *b)
{
	pb_flush(b);
	tmp_release(b->p, &b->lit);
	return b->head;
}

/* Parses the inside of $( … ) or a backquoted string into a tree. */
static struct node *parse_sub(struct parser *p, bool paren)
{
	struct redir *hh = p->hd_head, **ht = p->hd_tail;
	bool have = p->have;
	struct node *n;

	if (have)
		synerr(p, "internal: lookahead in substitution");
	p->hd_head = NULL;
	p->hd_tail = &p->hd_head;
	enter(p);
	n = parse_list(p, false);
	if (paren) {
		if (p->tok != T_RPAREN || !p->have) {
			if (p->have && p->tok == T_EOF)
				synerr(p, "unterminated '$(': missing ')'");
			synerr(p, "expected ')' to close '$('");
		}
		p->have = false;
	} else if (!p->have || p->tok != T_EOF) {
		synerr(p, "unexpected text in backquoted command");
	}
	if (p->hd_head)
		synerr(p, "here-document in substitution has no body");
	p->depth--;
	p->hd_head = hh;
	p->hd_tail = ht;
	p->have = false;
	return n;
}

static void read_backquote(struct parser *p, struct pbuild *b, bool dq)
{
	struct cs_buf s = CS_BUF_INIT;
	int line = src_lineno(p->sh);
	struct node *n;

	tmp_init(p, &s, WORD_CAP);
	for (;;) {
		int c = pgetc(p);
		if (c == EOF)
			synerr(p, "unterminated '`' (opened on line %d)", line);
		if (c == '`')
			break;
		if (c == '\\') {
			int d = rawc(p);
			if (d == '$' || d == '`' || d == '\\' ||
			    (dq && d == '"'))
				c = d;
			else
				ungetc_(p, d);
		}
		if (cs_buf_addc(&s, c) < 0)
			synerr(p, "command substitution too long");
	}
	/* parse the collected text as its own source */
	char *text = arena_strndup(p->a, s.buf, s.len);
	tmp_release(p, &s);
	src_push_string(p->sh, text, strlen(text), line);
	struct source *mine = p->sh->src;
	/* a "$((" being read records the backquoted text as it came, once */
	struct cs_buf *record = p->sh->src_record;
	p->sh->src_record = NULL;
	n = parse_sub(p, false);
	p->sh->src_record = record;
	if (p->sh->src == mine)
		src_pop(p->sh);
	pb_flush(b);
	struct wpart *w = pb_new(b, WP_CMDSUB, dq);
	w->u.cmd = n;
	b->plain = false;
}

/* read_arith() took "$( (" for "$((": what it read since goes back to
 * the input, after a "(" for the second parenthesis. */
static int arith_replay(struct parser *p, struct cs_buf *record, bool outer,
			size_t start, int line)
{
	size_t n = record->len - start;

	if (++p->replays > MAX_REPLAYS)
		synerr(p,
		       "too many '$((' that are '$( (': write '$( (' (line %d)",
		       line);
	char *text = xmalloc(n + 2);

	text[0] = '(';
	memcpy(text + 1, record->buf + start, n);
	text[n + 1] = '\0';
	p->depth--;
	if (outer) {
		p->sh->src_record = NULL;
		tmp_release(p, record);
	} else {
		/* the outer "$((" reads it all again, the "(" before it too,
		 * which is in the replay */
		record->buf[record->len = start - 1] = '\0';
	}
	src_push_replay(p->sh, text, n + 1, line);
	return 0;
}

/* After "$((" (or the "((" of a command or a for): the expression up to
 * the matching "))", or with semi up to a ';' outside parentheses (for
 * ((…; …; …))).  Returns ';' or ')' for what ended it.  With replay (a
 * "$(("), a ")" at depth 0 followed by anything but ")" means it was
 * "$( (" (XCU 2.6.4: `$((cmd) 2>&1)` is a command substitution): then
 * it returns 0, with b untouched and what it read pushed back to be read
 * again as "(" "(" …. */
static int read_arith(struct parser *p, struct pbuild *b, bool dq, bool semi,
		      bool replay)
{
	int end = ')';
	struct pbuild in;
	int depth = 0;
	int line = src_lineno(p->sh);
	/* what is read from here on, in case it was "( (": the outermost
	 * "$((" being read records it, inner ones note where they start in
	 * that */
	struct cs_buf rec, *record = replay ? p->sh->src_record : NULL;
	bool outer = replay && !record;
	size_t start = record ? record->len : 0;

	if (outer) {
		tmp_init(p, &rec, WORD_CAP);
		record = p->sh->src_record = &rec;
	}
	pb_init(&in, p);
	enter(p);
	for (;;) {
		int c = pgetc(p);
		if (c == EOF)
			synerr(p, "unterminated '$((' (opened on line %d)",
			       line);
		if (c == ';' && semi && depth == 0) {
			end = ';';
			break;
		} else if (c == '(') {
			if (++depth > MAX_DEPTH)
				synerr(p, "nesting deeper than %d levels",
				       MAX_DEPTH);
		} else if (c == ')') {
			if (depth == 0) {
				int d = pgetc(p);
				if (d == ')')
					break;
				/* at the end of input, as bash and the
				 * rationale of XCU 2.6.3: an error */
				if (d == EOF)
					synerr(p,
					       "unterminated '$((' (opened on "
					       "line %d)",
					       line);
				if (!replay)
					synerr(p,
					       "expected '))' to close '$(('");
				pb_finish(&in); /* frees its buffer */
				return arith_replay(p, record, outer, start,
						    line);
			}
			depth--;
		} else if (c == '$' || c == '`' || c == '"' || c == '\\' ||
			   c == '\'') {
			ungetc_(p, c);
			/* reuse the double-quote reader for one element */
			struct wpart *w = read_word_parts(p, -2, true, NULL);
			pb_flush(&in);
			*in.tail = w;
			while (*in.tail)
				in.tail = &(*in.tail)->next;
			continue;
		}
		pb_char(&in, c, true);
	}
	p->depth--;
	if (outer) {
		p->sh->src_record = NULL;
		tmp_release(p, &rec);
	}
	pb_flush(b);
	struct wpart *w = pb_new(b, WP_ARITH, dq);
	w->u.arith = pb_finish(&in);
	b->plain = false;
	return end;
}

/* After "${NAME[": the subscript, kept in the name as "NAME[SUB]" for
 * expand.c (bash's ${PIPESTATUS[@]}; cshell has no other arrays). */
static void read_subscript(struct parser *p, struct cs_buf *n)
{
	int c = '[';

	do {
		if (c == EOF || c == '\n' || cs_buf_addc(n, c) < 0)
			synerr(p, "bad substitution: unterminated '['");
	} while ((c = pgetc(p)) != ']');
	cs_buf_addc(n, c);
}

static char *read_param_name(struct parser *p, bool braced)
{
	struct cs_buf n = CS_BUF_INIT;
	int c = pgetc(p);

	tmp_init(p, &n, 4096);
	if (is_name_start(c)) {
		do {
			if (cs_buf_addc(&n, c) < 0)
				synerr(p, "variable name too long");
			c = pgetc(p);
		} while (is_name_char(c));
		if (braced && c == '[')
			read_subscript(p, &n);
		else
			ungetc_(p, c);
	} else if (isdigit(c)) {
		cs_buf_addc(&n, c);
		if (braced) {
			while (isdigit(c = pgetc(p)))
				cs_buf_addc(&n, c);
			ungetc_(p, c);
		}
	} else if (c && strchr("@*#?-$!", c)) {
		cs_buf_addc(&n, c);
	} else {
		ungetc_(p, c);
		tmp_release(p, &n);
		return NULL;
	}
	char *r = arena_strndup(p->a, n.buf, n.len);
	tmp_release(p, &n);
	return r;
}

/* ${x/pat/rep} and its // /# /% forms (bash), after the first '/': the
 * pattern ends at an unquoted '/' or '}'; quotes in both words are
 * removed even inside "…", as bash does. */
static void read_patsub(struct parser *p, struct wpart *w)
{
	int c = pgetc(p);

	w->u.param.op = c == '/' ? PO_SUBALL :
			c == '#' ? PO_SUBPRE :
			c == '%' ? PO_SUBSUF :
				   PO_SUB;
	if (w->u.param.op == PO_SUB)
		ungetc_(p, c);
	w->u.param.arg = read_word_parts(p, '/', false, NULL);
	if (pgetc(p) == '/')
		w->u.param.rep = read_word_parts(p, '}', false, NULL);
}

/* After "${". */
static void read_braced(struct parser *p, struct pbuild *b, bool dq)
{
	struct wpart *w;
	char *name;
	int c;
	int line = src_lineno(p->sh);

	enter(p);
	pb_flush(b);
	w = pb_new(b, WP_PARAM, dq);
	b->plain = false;
	c = pgetc(p);
	if (c == '#') {
		int d = pgetc(p);
		bool special = d && strchr("@*#?-$!", d);
		int e = special ? pgetc(p) : 0;
		if (special)
			ungetc_(p, e);
		ungetc_(p, d);
		if (d == '}' || (special && e != '}')) {
			/* ${#}, or $# with an operator: ${##2} ${#-x} */
			name = "#";
		} else if (is_name_char(d) || special) {
			name = read_param_name(p, true);
			w->u.param.op = PO_LEN;
			if (!name || pgetc(p) != '}')
				synerr(p, "bad substitution in '${#…}'");
			w->u.param.name = name;
			p->depth--;
			return;
		} else {
			name = "#";
		}
	} else {
		ungetc_(p, c);
		name = read_param_name(p, true);
		if (!name)
			synerr(p,
			       "bad substitution: '${' needs a parameter name");
	}
	w->u.param.name = name;
	c = pgetc(p);
	if (c == '}') {
		p->depth--;
		return;
	}
	if (c == ':') {
		w->u.param.colon = true;
		c = pgetc(p);
		if (!strchr("-=?+", c) || c == 0)
			synerr(p,
			       "bad substitution: '${%s:' must be followed by one of - = ? +",
			       name);
	}
	switch (c) {
	case '-':
		w->u.param.op = PO_MINUS;
		break;
	case '=':
		w->u.param.op = PO_ASSIGN;
		break;
	case '?':
		w->u.param.op = PO_QMARK;
		break;
	case '+':
		w->u.param.op = PO_PLUS;
		break;
	case '%':
		w->u.param.op = PO_RSHORT;
		if ((c = pgetc(p)) == '%')
			w->u.param.op = PO_RLONG;
		else
			ungetc_(p, c);
		break;
	case '#':
		w->u.param.op = PO_LSHORT;
		if ((c = pgetc(p)) == '#')
			w->u.param.op = PO_LLONG;
		else
			ungetc_(p, c);
		break;
	case '/':
		read_patsub(p, w);
		p->depth--;
		return;
	case EOF:
		synerr(p, "unterminated '${' (opened on line %d)", line);
	default:
		synerr(p, "bad substitution: unexpected '%c' after '${%s'", c,
		       name);
	}
	/* the word: inside "…", for - = ? + its text is quoted; for the
	 * pattern operators it is a pattern unless quoted itself */
	bool pat = w->u.param.op >= PO_RSHORT;
	w->u.param.arg = read_word_parts(p, '}', dq && !pat ? 1 : 0, NULL);
	p->depth--;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The escape after a backslash in $'…'; -1: not one of them (the
 * backslash stays).  POSIX.1-2024 XCU 2.2.4. */
static int dsq_escape(struct parser *p, int c)
{
	static const char from[] = "\"'\\abefnrtv",
			  to[] = "\"'\\\a\b\033\f\n\r\t\v";
	const char *k = c > 0 ? strchr(from, c) : NULL;
	int v = 0, n, d;

	if (k)
		return to[k - from];
	if (c == 'c') {
		d = rawc(p);
		if (d == '\\') {
			d = rawc(p);
			if (d != '\\') {
				ungetc_(p, d);
				d = '\\';
			}
		}
		if (d == '?')
			return 0x7f;
		return d == EOF ? -1 : (toupper(d) & 0x1f);
	}
	if (c == 'x') {
		for (n = 0; n < 2 && hexval(d = rawc(p)) >= 0; n++)
			v = v * 16 + hexval(d);
		if (n < 2)
			ungetc_(p, d);
		return n ? v : -1;
	}
	if (c >= '0' && c <= '7') {
		v = c - '0';
		for (n = 1; n < 3 && (d = rawc(p)) >= '0' && d <= '7'; n++)
			v = v * 8 + d - '0';
		if (n < 3)
			ungetc_(p, d);
		return v & 0xff;
	}
	return -1;
}

/* \uHHHH and \UHHHHHHHH in $'…' (bash; unspecified by POSIX): the
 * character as UTF-8.  False when no hex digit follows (the text stays);
 * *nul when it is U+0000, which ends the string as \0 does. */
static bool dsq_unicode(struct parser *p, struct pbuild *b, int c, bool *nul)
{
	unsigned long v = 0;
	int n, d, max = c == 'u' ? 4 : 8;
	char u[4];

	for (n = 0; n < max && hexval(d = rawc(p)) >= 0; n++)
		v = v * 16 + hexval(d);
	if (n < max)
		ungetc_(p, d);
	if (!n)
		return false;
	if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
		v = 0xfffd; /* no character: the replacement one */
	*nul = !v;
	if (v < 0x80) {
		u[0] = (char)v, n = 1;
	} else if (v < 0x800) {
		u[0] = (char)(0xc0 | v >> 6), n = 2;
	} else if (v < 0x10000) {
		u[0] = (char)(0xe0 | v >> 12), n = 3;
	} else {
		u[0] = (char)(0xf0 | v >> 18), n = 4;
	}
	for (int k = 1; k < n; k++)
		u[k] = (char)(0x80 | ((v >> (6 * (n - 1 - k))) & 0x3f));
	for (int k = 0; v && k < n; k++)
		pb_char(b, (unsigned char)u[k], true);
	return true;
}

/* $'…' (dollar-single-quote): the text is quoted, backslash escapes are
 * decoded; a NUL byte ends the string (the rest up to the quote goes). */
static void read_dsq(struct parser *p, struct pbuild *b)
{
	int sline = src_lineno(p->sh);
	bool any = false, cut = false;

	for (;;) {
		int c = rawc(p);
		if (c == EOF)
			synerr(p, "unterminated $' (opened on line %d)", sline);
		if (c == '\'')
			break;
		if (c == '\\') {
			int d = rawc(p);
			if (d == EOF)
				continue;
			bool nul = false;
			if ((d == 'u' || d == 'U') && !cut &&
			    dsq_unicode(p, b, d, &nul)) {
				cut = nul;
				any = true;
				continue;
			}
			int v = dsq_escape(p, d);
			if (v < 0) {
				if (!cut) {
					pb_char(b, '\\', true);
					pb_char(b, d, true);
					any = true;
				}
				continue;
			}
			if (v == 0)
				cut = true;
			c = v;
		}
		if (cut)
			continue;
		pb_char(b, c, true);
		any = true;
	}
	if (!any)
		pb_empty_quoted(b);
}

/* Reads "$…" after the '$'. */
static void read_dollar(struct parser *p, struct pbuild *b, bool dq)
{
	int c = pgetc(p);

	if (c == '\'' && !dq) {
		read_dsq(p, b);
	} else if (c == '"' && !dq) {
		/* $"…" (bash's translated string, unspecified by POSIX):
		 * no catalog, so just "…" */
		ungetc_(p, c);
	} else if (c == '{') {
		read_braced(p, b, dq);
	} else if (c == '(') {
		int d = pgetc(p);
		if (d != '(' || !read_arith(p, b, dq, false, true)) {
			if (d != '(')
				ungetc_(p, d);
			struct node *n = parse_sub(p, true);
			pb_flush(b);
			struct wpart *w = pb_new(b, WP_CMDSUB, dq);
			w->u.cmd = n;
			b->plain = false;
		}
	} else {
		ungetc_(p, c);
		char *name = read_param_name(p, false);
		if (!name) {
			pb_char(b, '$', dq);
			return;
		}
		pb_flush(b);
		struct wpart *w = pb_new(b, WP_PARAM, dq);
		w->u.param.name = name;
		b->plain = false;
	}
}

/*
 * The word reader.  endc: -1 reads an ordinary word up to a metacharacter;
 * '}' reads the word of ${x-word}; -2 reads exactly one quoted element or
 * expansion (for arithmetic).  dq: 1 when inside double quotes (quote
 * chars inside ${…} keep their meaning, but bare text is quoted).
 */
static struct wpart *read_word_parts(struct parser *p, int endc, bool dq,
				     bool *plain)
{
	struct pbuild b;
	int line = src_lineno(p->sh);
	bool one = endc == -2;

	pb_init(&b, p);
	for (;;) {
		int c = pgetc(p);
		if (endc == -1 && is_meta(c)) {
			ungetc_(p, c);
			break;
		}
		if (endc == '}' && c == '}')
			break;
		if (endc == '/' && (c == '}' || c == '/')) {
			ungetc_(p, c); /* the pattern of ${x/pat/rep} */
			break;
		}
		if (c == EOF) {
			if (endc == '}' || endc == '/')
				synerr(p,
				       "unterminated '${' (opened on line %d)",
				       line);
			break;
		}
		switch (c) {
		case '\'':
			if (dq && endc == '}') {
				pb_char(&b, c, true);
				break;
			}
			{
				int sline = src_lineno(p->sh);
				bool any = false;
				for (;;) {
					int d = rawc(p);
					if (d == EOF)
						synerr(p,
						       "unterminated single quote (opened on line %d)",
						       sline);
					if (d == '\'')
						break;
					pb_char(&b, d, true);
					any = true;
				}
				if (!any)
					pb_empty_quoted(&b);
			}
			break;
		case '"': {
			int sline = src_lineno(p->sh);
			bool any = false;
			for (;;) {
				int d = pgetc(p);
				if (d == EOF)
					synerr(p,
					       "unterminated double quote (opened on line %d)",
					       sline);
				if (d == '"')
					break;
				any = true;
				if (d == '\\') {
					int e = rawc(p);
					if (e == '$' || e == '`' || e == '"' ||
					    e == '\\') {
						pb_char(&b, e, true);
					} else {
						ungetc_(p, e);
						pb_char(&b, '\\', true);
					}
				} else if (d == '$') {
					read_dollar(p, &b, true);
				} else if (d == '`') {
					read_backquote(p, &b, true);
				} else {
					pb_char(&b, d, true);
				}
			}
			if (!any)
				pb_empty_quoted(&b);
			else
				b.plain = false;
			break;
		}
		case '\\': {
			int d = rawc(p);
			if (d == EOF) {
				pb_char(&b, '\\', dq);
				break;
			}
			if (dq && endc == '}' && !strchr("$`\"\\}", d)) {
				pb_char(&b, '\\', true);
				pb_char(&b, d, true);
				break;
			}
			pb_char(&b, d, true);
			break;
		}
		case '$':
			read_dollar(p, &b, dq);
			break;
		case '`':
			read_backquote(p, &b, dq);
			break;
		default:
			pb_char(&b, c, dq);
			break;
		}
		if (one)
			break;
	}
	if (plain)
		*plain = b.plain;
	return pb_finish(&b);
}

/* ------------------------------------------------------------------ */
/* Tokens */

/* {name} right before < or > (bash's named fd; an extension, as in POSIX
 * it is a word): the name, else NULL. */
static char *fd_var_name(struct parser *p)
{
	const char *s = p->text;
	size_t n = strlen(s);

	if (n < 3 || s[0] != '{' || s[n - 1] != '}' || !sh_extensions(p->sh))
		return NULL;
	char *name = arena_strndup(p->a, s + 1, n - 2);
	if (!sh_isname(name))
		return NULL;
	int d = pgetc(p);
	ungetc_(p, d);
	return d == '<' || d == '>' ? name : NULL;
}

static enum tok next_token(struct parser *p)
{
	int c;

	p->word = NULL;
	p->text = NULL;
	for (;;) {
		c = pgetc(p);
		if (c == ' ' || c == '\t')
			continue;
		if (c == '#') {
			do
				c = rawc(p);
			while (c != '\n' && c != EOF);
		}
		break;
	}
	p->lineno = src_lineno(p->sh);
	switch (c) {
	case EOF:
		return T_EOF;
	case '\n':
		p->lineno--;
		if (p->hd_head)
			read_heredocs(p);
		return T_NEWLINE;
	case ';':
		if ((c = pgetc(p)) == '&')
			return T_SEMI_AMP;
		if (c == ';') {
			/* ;;& (bash) is `;;` and `&`, an error, in POSIX */
			if ((c = pgetc(p)) == '&')
				return T_DSEMI_AMP;
			ungetc_(p, c);
			return T_DSEMI;
		}
		ungetc_(p, c);
		return T_SEMI;
	case '&':
		if ((c = pgetc(p)) == '&')
			return T_AND;
		/* &> (bash) is `&` then `>` in POSIX: an extension */
		if (c == '>' && sh_extensions(p->sh)) {
			if ((c = pgetc(p)) != '>')
				ungetc_(p, c);
			p->rtype = c == '>' ? R_APPEND : R_OUT;
			p->ionum = 1;
			p->ionum_given = false;
			p->ionum_var = NULL;
			p->redir_both = true;
			return T_REDIR;
		}
		ungetc_(p, c);
		return T_AMP;
	case '|':
		if ((c = pgetc(p)) == '|')
			return T_OR;
		if (c == '&' && sh_compat_extensions(p->sh))
			return T_PIPE_AMP;
		ungetc_(p, c);
		return T_PIPE;
	case '(':
		return T_LPAREN;
	case ')':
		return T_RPAREN;
	case '<':
		p->ionum = 0;
		p->ionum_given = false;
		p->ionum_var = NULL;
		p->redir_both = false;
		c = pgetc(p);
		if (c == '<') {
			int d = pgetc(p);
			p->rtype = R_HEREDOC;
			p->strip_tabs = d == '-';
			/* <<< (bash's here-string) is a syntax error in
			 * POSIX: `<<` then `<` */
			if (d == '<')
				p->rtype = R_HERESTR;
			else if (d != '-')
				ungetc_(p, d);
		} else if (c == '&') {
			p->rtype = R_DUPIN;
		} else if (c == '>') {
			p->rtype = R_RDWR;
		} else {
			ungetc_(p, c);
			p->rtype = R_IN;
		}
		return T_REDIR;
	case '>':
		p->ionum = 1;
		p->ionum_given = false;
		p->ionum_var = NULL;
		p->redir_both = false;
		c = pgetc(p);
		if (c == '>')
			p->rtype = R_APPEND;
		else if (c == '&')
			p->rtype = R_DUPOUT;
		else if (c == '|')
			p->rtype = R_CLOBBER;
		else {
			ungetc_(p, c);
			p->rtype = R_OUT;
		}
		return T_REDIR;
	}
	ungetc_(p, c);
	bool plain;
	struct word *w = arena_zalloc(p->a, sizeof(*w));
	w->lineno = p->lineno;
	w->parts = read_word_parts(p, -1, false, &plain);
	p->word = w;
	if (plain && w->parts && !w->parts->next)
		p->text = w->parts->u.lit.text;
	/* IO_NUMBER: digits directly before < or > */
	if (p->text) {
		const char *s = p->text;
		while (isdigit((unsigned char)*s))
			s++;
		if (!*s && s - p->text < 10) {
			int d = pgetc(p);
			ungetc_(p, d);
			if (d == '<' || d == '>') {
				int fd = atoi(p->text);
				enum tok t = next_token(p);
				p->ionum = fd;
				p->ionum_given = true;
				return t;
			}
		}
		char *var = fd_var_name(p);
		if (var) {
			enum tok t = next_token(p);
			p->ionum_var = var;
			return t;
		}
	}
	return T_WORD;
}

/* Peeks at the next token.  In command position (cmdpos) a plain word
 * that names an alias not already being expanded is replaced by its text. */
static enum tok peek_tok(struct parser *p, bool cmdpos)
{
	for (;;) {
		if (!p->have) {
			p->tok = next_token(p);
			p->have = true;
			p->alias_checked = false;
			if (p->blank_alias && !p->blank_alias->in_use) {
				cmdpos = cmdpos || p->tok == T_WORD;
				p->blank_alias = NULL;
			}
		}
		/* a token peeked before it was known to start a command (after
		 * ; && | or an assignment) is checked when that is known */
		if (!cmdpos || p->alias_checked)
			return p->tok;
		p->alias_checked = true;
		if (p->tok == T_WORD && p->text && !sh_is_reserved(p->text)) {
			struct alias *al = sh_find_alias(p->sh, p->text);
			if (al && !al->in_use &&
			    p->sh->opts[OPT_EXPAND_ALIASES]) {
				size_t n = strlen(al->value);
				p->have = false;
				src_push_alias(p->sh, al);
				if (n && (al->value[n - 1] == ' ' ||
					  al->value[n - 1] == '\t'))
					p->blank_alias = al;
				continue;
			}
		}
		return p->tok;
	}
}

static void consume(struct parser *p)
{
	p->have = false;
}

static bool peek_word(struct parser *p, const char *kw)
{
	return peek_tok(p, false) == T_WORD && p->text && !strcmp(p->text, kw);
}

static const char *tok_desc(struct parser *p)
{
	switch (p->tok) {
	case T_EOF:
		return "end of file";
	case T_NEWLINE:
		return "newline";
	case T_SEMI:
		return "';'";
	case T_DSEMI:
		return "';;'";
	case T_SEMI_AMP:
		return "';&'";
	case T_DSEMI_AMP:
		return "';;&'";
	case T_AMP:
		return "'&'";
	case T_AND:
		return "'&&'";
	case T_PIPE:
		return "'|'";
	case T_PIPE_AMP:
		return "'|&'";
	case T_OR:
		return "'||'";
	case T_LPAREN:
		return "'('";
	case T_RPAREN:
		return "')'";
	case T_REDIR:
		return "redirection";
	case T_WORD:
		if (p->text) {
			static char buf[64];
			snprintf(buf, sizeof(buf), "'%.40s'", p->text);
			return buf;
		}
		return "word";
	}
	return "token";
}

static void expect_word(struct parser *p, const char *kw, const char *ctx,
			int line)
{
	if (!peek_word(p, kw)) {
		if (p->tok == T_EOF)
			synerr(p,
			       "unexpected end of file: expected '%s' to close '%s' on line %d",
			       kw, ctx, line);
		synerr(p, "unexpected %s: expected '%s' (for '%s' on line %d)",
		       tok_desc(p), kw, ctx, line);
	}
	consume(p);
}

static void skip_newlines(struct parser *p)
{
	while (peek_tok(p, true) == T_NEWLINE)
		consume(p);
}

/* ------------------------------------------------------------------ */
/* Here-documents */

/* Parses text as the body of an unquoted here-document: $, ` and \
 * (before $ ` \) are special, everything else is quoted text. */
static struct wpart *parse_dq_text(struct parser *p, const char *text,
				   size_t len, int start)
{
	struct pbuild b;

	pb_init(&b, p);
	src_push_string(p->sh, text, len, start);
	struct source *mine = p->sh->src;
	/* as for backquotes: not recorded twice */
	struct cs_buf *record = p->sh->src_record;
	p->sh->src_record = NULL;
	for (;;) {
		int c = rawc(p);
		if (c == EOF)
			break;
		if (c == '\\') {
			int d = rawc(p);
			if (d == '$' || d == '`' || d == '\\')
				pb_char(&b, d, true);
			else {
				ungetc_(p, d);
				pb_char(&b, '\\', true);
			}
		} else if (c == '$') {
			read_dollar(p, &b, true);
		} else if (c == '`') {
			read_backquote(p, &b, true);
		} else {
			pb_char(&b, c, true);
		}
	}
	p->sh->src_record = record;
	if (p->sh->src == mine)
		src_pop(p->sh);
	return pb_finish(&b);
}

static void read_heredocs(struct parser *p)
{
	struct redir *r = p->hd_head;

	p->hd_head = NULL;
	p->hd_tail = &p->hd_head;
	for (; r; r = r->hd_next) {
		struct cs_buf body = CS_BUF_INIT;
		struct cs_buf line = CS_BUF_INIT;
		int start = src_lineno(p->sh);
		bool done = false;

		tmp_init(p, &body, WORD_CAP);
		tmp_init(p, &line, WORD_CAP);
		while (!done) {
			int c;
			cs_buf_reset(&line);
			for (;;) {
				c = rawc(p);
				if (c == EOF || c == '\n')
					break;
				if (r->strip_tabs && c == '\t' && !line.len)
					continue;
				if (cs_buf_addc(&line, c) < 0)
					synerr(p, "here-document too long");
				/* an unquoted body joins backslash-newline */
				if (c == '\\' && !r->body_quoted) {
					int d = rawc(p);
					if (d == '\n') {
						cs_buf_truncate(&line,
								line.len - 1);
						continue;
					}
					if (d == EOF)
						break;
					cs_buf_addc(&line, d);
				}
			}
			if (!strcmp(line.buf, r->delim)) {
				done = true;
				break;
			}
			if (c == EOF) {
				if (line.len) {
					cs_buf_add(&body, line.buf, line.len);
					cs_buf_addc(&body, '\n');
				}
				tmp_release(p, &line);
				tmp_release(p, &body);
				synerr(p,
				       "here-document started on line %d ends at end of file; expected '%s'",
				       start, r->delim);
			}
			if (cs_buf_add(&body, line.buf, line.len) < 0 ||
			    cs_buf_addc(&body, '\n') < 0)
				synerr(p, "here-document too long");
		}
		tmp_release(p, &line);
		char *text = arena_strndup(p->a, body.buf, body.len);
		size_t len = body.len;
		tmp_release(p, &body);
		if (r->body_quoted) {
			struct wpart *w = arena_zalloc(p->a, sizeof(*w));
			w->type = WP_LIT;
			w->quoted = true;
			w->u.lit.text = text;
			w->u.lit.len = len;
			r->body = w;
			continue;
		}
		r->body = parse_dq_text(p, text, len, start);
	}
}

/* ------------------------------------------------------------------ */
/* Grammar */

static struct node *new_node(struct parser *p, enum node_type t)
{
	struct node *n = arena_zalloc(p->a, sizeof(*n));
	n->type = t;
	n->lineno = p->lineno;
	return n;
}

/* Reads the here-doc delimiter word from the source as written, with
 * quote removal only: `<<${a}` ends at a line "${a}", `<<'E'F` at "EF"
 * (XCU 2.7.4).  *quoted: some part of it was quoted. */
static char *read_delim(struct parser *p, bool *quoted)
{
	struct cs_buf b = CS_BUF_INIT;
	int c, depth = 0;

	tmp_init(p, &b, WORD_CAP);
	*quoted = false;
	while ((c = pgetc(p)) == ' ' || c == '\t')
		;
	for (;; c = pgetc(p)) {
		if (!depth && is_meta(c)) {
			ungetc_(p, c);
			break;
		}
		if (c == EOF)
			break;
		if (c == '\'') {
			*quoted = true;
			while ((c = rawc(p)) != '\'' && c != EOF)
				cs_buf_addc(&b, c);
		} else if (c == '"') {
			*quoted = true;
			while ((c = pgetc(p)) != '"' && c != EOF) {
				if (c == '\\') {
					int d = rawc(p);
					if (!strchr("$`\"\\", d))
						cs_buf_addc(&b, c);
					c = d;
				}
				cs_buf_addc(&b, c);
			}
		} else if (c == '\\') {
			*quoted = true;
			if ((c = rawc(p)) != EOF)
				cs_buf_addc(&b, c);
		} else {
			/* ${…} and $(…) may hold blanks: kept whole */
			if ((c == '{' || c == '(') && b.len &&
			    (b.buf[b.len - 1] == '$' || depth))
				depth++;
			else if ((c == '}' || c == ')') && depth)
				depth--;
			cs_buf_addc(&b, c);
		}
	}
	if (!b.len && !*quoted)
		synerr(p, "unexpected %s: a here-document needs a delimiter",
		       c == '\n' ? "newline" :
		       c == EOF	 ? "end of file" :
				   "operator");
	char *r = arena_strndup(p->a, b.buf ? b.buf : "", b.len);
	tmp_release(p, &b);
	return r;
}

/* After a T_REDIR token has been peeked. */
static struct redir *parse_redir(struct parser *p)
{
	struct redir *r = arena_zalloc(p->a, sizeof(*r));

	r->type = p->rtype;
	r->fd = p->ionum;
	r->fd_given = p->ionum_given;
	r->fdvar = p->ionum_var;
	r->both = p->redir_both;
	r->strip_tabs = p->strip_tabs;
	consume(p);
	if (r->type == R_HEREDOC) {
		bool q;
		r->delim = read_delim(p, &q);
		r->body_quoted = q;
		*p->hd_tail = r;
		p->hd_tail = &r->hd_next;
		return r;
	}
	if (peek_tok(p, false) != T_WORD)
		synerr(p, "unexpected %s: a redirection needs a file name",
		       tok_desc(p));
	r->target = p->word;
	consume(p);
	return r;
}

static void parse_redirs(struct parser *p, struct redir ***tail)
{
	while (peek_tok(p, false) == T_REDIR) {
		struct redir *r = parse_redir(p);
		**tail = r;
		*tail = &r->next;
	}
}

static bool is_assignment(struct word *w)
{
	struct wpart *x = w->parts;

	if (!x || x->type != WP_LIT || x->quoted)
		return false;
	const char *s = x->u.lit.text;
	if (!is_name_start((unsigned char)*s))
		return false;
	while (is_name_char((unsigned char)*s))
		s++;
	return *s == '=';
}

static struct node *parse_compound_list(struct parser *p)
{
	struct node *n;

	skip_newlines(p);
	n = parse_list(p, false);
	return n;
}

static struct node *parse_brace(struct parser *p)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_GROUP);

	consume(p);
	n->u.sub = parse_compound_list(p);
	if (!n->u.sub)
		synerr(p, "empty '{ }' group (line %d)", line);
	expect_word(p, "}", "{", line);
	return n;
}

static struct node *parse_subshell(struct parser *p)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_SUBSHELL);

	consume(p);
	n->u.sub = parse_compound_list(p);
	if (!n->u.sub)
		synerr(p, "empty subshell '( )' (line %d)", line);
	if (peek_tok(p, false) != T_RPAREN)
		synerr(p, "unexpected %s: expected ')' to close '(' on line %d",
		       tok_desc(p), line);
	consume(p);
	return n;
}

/* The next character of the source, not consumed ('\0' when none is
 * read in yet). */
static char src_peek_char(struct parser *p)
{
	size_t n;
	const char *s = src_peek(p->sh, &n);

	return n ? s[0] : 0;
}

/* After a '(' token: does "((" start an arithmetic command?  POSIX lets
 * a shell take it so when the text up to a matching "))" would be an
 * arithmetic expansion after '$'; as bash, "((cmd) | x)" and the like
 * (a ')' that closes the first '(' alone) stay nested subshells.  Looks
 * only at what the source has read in, so an expression spread over
 * lines of a terminal or shared standard input is not seen as one. */
static bool arith_command_ahead(struct parser *p)
{
	size_t n;
	const char *s = src_peek(p->sh, &n);
	int depth = 0;

	if (!n || s[0] != '(')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')' && depth) {
			depth--;
		} else if (s[i] == ')') {
			return i + 1 < n && s[i + 1] == ')';
		}
	}
	return false;
}

/* (( expression )): after the first '(' token, with the second one next;
 * its status is 0 when the expression is not 0. */
static struct node *parse_arith_command(struct parser *p)
{
	struct node *n = new_node(p, N_ARITH);
	struct pbuild b;

	consume(p);
	rawc(p); /* the second '(' */
	pb_init(&b, p);
	read_arith(p, &b, false, false, false);
	n->u.arith = pb_finish(&b);
	return n;
}

static struct node *parse_if(struct parser *p)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_IF);
	struct node *cur = n;

	consume(p);
	for (;;) {
		cur->u.ifs.cond = parse_compound_list(p);
		if (!cur->u.ifs.cond)
			synerr(p, "'if' without a condition (line %d)", line);
		expect_word(p, "then", "if", line);
		cur->u.ifs.then = parse_compound_list(p);
		if (!cur->u.ifs.then)
			synerr(p, "empty 'then' (line %d)", line);
		if (peek_word(p, "elif")) {
			consume(p);
			struct node *e = new_node(p, N_IF);
			cur->u.ifs.els = e;
			cur = e;
			continue;
		}
		if (peek_word(p, "else")) {
			consume(p);
			cur->u.ifs.els = parse_compound_list(p);
			if (!cur->u.ifs.els)
				synerr(p, "empty 'else' (line %d)", line);
		}
		expect_word(p, "fi", "if", line);
		return n;
	}
}

static struct node *parse_loop(struct parser *p, enum node_type t)
{
	int line = p->lineno;
	struct node *n = new_node(p, t);
	const char *kw = t == N_WHILE ? "while" : "until";

	consume(p);
	n->u.ifs.cond = parse_compound_list(p);
	if (!n->u.ifs.cond)
		synerr(p, "'%s' without a condition (line %d)", kw, line);
	expect_word(p, "do", kw, line);
	n->u.ifs.then = parse_compound_list(p);
	if (!n->u.ifs.then)
		synerr(p, "empty loop body (line %d)", line);
	expect_word(p, "done", "do", line);
	return n;
}

/* for ((init; cond; step)) (bash, ksh), after the first '(' token: the
 * three expressions as WP_ARITH parts. */
static void parse_for_arith(struct parser *p, struct node *n, int line)
{
	static const int ends[3] = { ';', ';', ')' };

	consume(p);
	rawc(p); /* the second '(' */
	for (int i = 0; i < 3; i++) {
		struct pbuild b;
		pb_init(&b, p);
		if (read_arith(p, &b, false, i < 2, false) != ends[i])
			synerr(p, "'for ((' needs three expressions (line %d)",
			       line);
		n->u.fors.arith[i] = pb_finish(&b);
	}
	while (peek_tok(p, false) == T_NEWLINE)
		consume(p);
	if (peek_tok(p, false) == T_SEMI)
		consume(p);
}

/* for NAME [in WORD…]: up to the ';' or newline before do. */
static void parse_for_list(struct parser *p, struct node *n, int line)
{
	if (peek_tok(p, false) != T_WORD || !p->text)
		synerr(p, "'for' needs a variable name (line %d)", line);
	if (!sh_isname(p->text))
		synerr(p, "'%s' is not a valid variable name for 'for'",
		       p->text);
	n->u.fors.var = p->text;
	consume(p);
	/* optional: newlines, then in word… ; */
	while (peek_tok(p, false) == T_NEWLINE)
		consume(p);
	if (peek_word(p, "in")) {
		struct word **tail = &n->u.fors.list;
		consume(p);
		n->u.fors.have_in = true;
		while (peek_tok(p, false) == T_WORD) {
			/* $LINENO there is the line of `for` (bash) */
			p->word->lineno = 0;
			*tail = p->word;
			tail = &p->word->next;
			consume(p);
		}
		if (p->tok != T_SEMI && p->tok != T_NEWLINE)
			synerr(p, "unexpected %s in 'for' word list (line %d)",
			       tok_desc(p), line);
		consume(p);
	} else if (peek_tok(p, false) == T_SEMI) {
		consume(p);
	}
}

static struct node *parse_for(struct parser *p)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_FOR);

	consume(p);
	if (peek_tok(p, false) == T_LPAREN && src_peek_char(p) == '(')
		parse_for_arith(p, n, line);
	else
		parse_for_list(p, n, line);
	skip_newlines(p);
	expect_word(p, "do", "for", line);
	n->u.fors.body = parse_compound_list(p);
	if (!n->u.fors.body)
		synerr(p, "empty loop body (line %d)", line);
	expect_word(p, "done", "do", line);
	return n;
}

static struct node *parse_case(struct parser *p)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_CASE);
	struct case_item **tail = &n->u.cases.items;

	consume(p);
	if (peek_tok(p, false) != T_WORD)
		synerr(p, "'case' needs a word (line %d)", line);
	n->u.cases.subject = p->word;
	consume(p);
	while (peek_tok(p, false) == T_NEWLINE)
		consume(p);
	expect_word(p, "in", "case", line);
	for (;;) {
		while (peek_tok(p, false) == T_NEWLINE)
			consume(p);
		if (peek_word(p, "esac")) {
			consume(p);
			return n;
		}
		struct case_item *ci = arena_zalloc(p->a, sizeof(*ci));
		struct word **wt = &ci->patterns;
		if (peek_tok(p, false) == T_LPAREN)
			consume(p);
		for (;;) {
			if (peek_tok(p, false) != T_WORD)
				synerr(p,
				       "unexpected %s: expected a case pattern (case on line %d)",
				       tok_desc(p), line);
			*wt = p->word;
			wt = &p->word->next;
			consume(p);
			if (peek_tok(p, false) == T_PIPE) {
				consume(p);
				continue;
			}
			if (p->tok != T_RPAREN)
				synerr(p,
				       "unexpected %s: expected ')' after case pattern (case on line %d)",
				       tok_desc(p), line);
			consume(p);
			break;
		}
		ci->body = parse_compound_list(p);
		*tail = ci;
		tail = &ci->next;
		enum tok t = peek_tok(p, false);
		if (t == T_DSEMI || t == T_SEMI_AMP || t == T_DSEMI_AMP) {
			ci->term = t == T_DSEMI	   ? CASE_END :
				   t == T_SEMI_AMP ? CASE_FALL :
						     CASE_RETEST;
			consume(p);
			continue;
		}
		while (peek_tok(p, false) == T_NEWLINE)
			consume(p);
		if (peek_word(p, "esac")) {
			consume(p);
			return n;
		}
		if (p->tok == T_EOF)
			synerr(p,
			       "unexpected end of file: expected 'esac' to close 'case' on line %d",
			       line);
		synerr(p,
		       "unexpected %s: expected ';;' or 'esac' (case on line %d)",
		       tok_desc(p), line);
	}
}

static struct node *parse_funcdef(struct parser *p, char *name)
{
	int line = p->lineno;
	struct node *n = new_node(p, N_FUNCDEF);

	/* we are after "name (" */
	if (peek_tok(p, false) != T_RPAREN)
		synerr(p, "expected ')' after '%s(' to define a function",
		       name);
	consume(p);
	skip_newlines(p);
	struct node *body = parse_command(p);
	if (!body || body->type == N_CMD || body->type == N_FUNCDEF)
		synerr(p,
		       "function '%s' (line %d) needs a compound command as its body",
		       name, line);
	n->u.func.name = name;
	n->u.func.body = body;
	return n;
}

/* exec, command and time take a target after them (unquoted words). */
static bool is_target_prefix(const struct word *w)
{
	static const char *const names[] = { "exec", "command", "time" };
	const struct wpart *pt = w->parts;

	if (!pt || pt->next || pt->type != WP_LIT || pt->quoted)
		return false;
	for (size_t i = 0; i < CS_ARRAY_SIZE(names); i++)
		if (!strcmp(pt->u.lit.text, names[i]))
			return true;
	return false;
}

static struct node *parse_simple(struct parser *p)
{
	struct node *n = new_node(p, N_CMD);
	struct word **at = &n->u.cmd.assigns, **wt = &n->u.cmd.args;
	struct redir **rt = &n->redirs;
	bool any = false;

	for (;;) {
		/* the command name may follow assignments and redirections */
		enum tok t = peek_tok(p, !n->u.cmd.args);
		if (t == T_REDIR) {
			struct redir *r = parse_redir(p);
			*rt = r;
			rt = &r->next;
			any = true;
			continue;
		}
		if (t != T_WORD)
			break;
		any = true;
		struct word *w = p->word;
		if (!n->u.cmd.args && is_assignment(w)) {
			*at = w;
			at = &w->next;
			consume(p);
			continue;
		}
		/* `@T` starts the command, after any assignments, or comes
		 * right after exec, command or time (then run in T too):
		 * `FOO=bar @dev env`, `exec @dev sh`, `time @dev make` */
		if (!n->u.cmd.target && p->text && p->text[0] == '@' &&
		    p->text[1] &&
		    (!n->u.cmd.args || (!n->u.cmd.args->next &&
					is_target_prefix(n->u.cmd.args)))) {
			n->u.cmd.target = w;
			consume(p);
			continue;
		}
		consume(p);
		if (!n->u.cmd.args && !n->u.cmd.assigns && !n->redirs &&
		    p->text && sh_isname(p->text) &&
		    peek_tok(p, false) == T_LPAREN) {
			consume(p);
			return parse_funcdef(p, w->parts->u.lit.text);
		}
		*wt = w;
		wt = &w->next;
	}
	if (!any)
		return NULL;
	if (n->u.cmd.target && !n->u.cmd.args)
		synerr(p, "'%s' must be followed by a command",
		       n->u.cmd.target->parts->u.lit.text);
	return n;
}

/* The word after =~ in [[ ]]: ( ) and | belong to the regular
 * expression, only a blank (or ; & < > newline) outside parentheses ends
 * it.  Quoted parts match literally. */
static struct word *read_regex_word(struct parser *p)
{
	struct word *w = arena_zalloc(p->a, sizeof(*w));
	struct pbuild b;
	int c, depth = 0;

	w->lineno = src_lineno(p->sh);
	pb_init(&b, p);
	while ((c = pgetc(p)) == ' ' || c == '\t')
		;
	for (;; c = pgetc(p)) {
		if (c == EOF || c == '\n' || (!depth && strchr(" \t;&<>", c))) {
			ungetc_(p, c);
			break;
		}
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (!depth) {
				ungetc_(p, c);
				break;
			}
			depth--;
		} else if (c == '\'') {
			bool any = false;
			while ((c = rawc(p)) != '\'' && c != EOF) {
				pb_char(&b, c, true);
				any = true;
			}
			if (!any)
				pb_empty_quoted(&b);
			continue;
		} else if (c == '"') {
			while ((c = pgetc(p)) != '"' && c != EOF) {
				if (c == '$') {
					read_dollar(p, &b, true);
				} else if (c == '\\') {
					int d = rawc(p);
					if (d == EOF || !strchr("$`\"\\", d))
						pb_char(&b, '\\', true);
					if (d != EOF)
						pb_char(&b, d, true);
				} else {
					pb_char(&b, c, true);
				}
			}
			pb_empty_quoted(&b);
			continue;
		} else if (c == '\\') {
			c = rawc(p);
			if (c != EOF)
				pb_char(&b, c, true);
			continue;
		} else if (c == '$') {
			read_dollar(p, &b, false);
			continue;
		}
		pb_char(&b, c, false);
	}
	w->parts = pb_finish(&b);
	if (!w->parts)
		synerr(p, "[[: =~ needs a regular expression");
	return w;
}

/* [[ expression ]] (an extension): kept as its tokens; dbracket.c
 * evaluates them. */
static struct node *parse_dbracket(struct parser *p)
{
	struct node *n = new_node(p, N_DBRACKET);
	int line = p->lineno, alloc = 0;

	consume(p);
	for (;;) {
		enum tok t = peek_tok(p, false);
		struct dbtok d = { DB_WORD, NULL, NULL, false };
		if (t == T_NEWLINE) {
			consume(p);
			continue;
		}
		if (t == T_WORD && p->text && !strcmp(p->text, "]]")) {
			consume(p);
			break;
		}
		if (t == T_EOF)
			synerr(p, "'[[' on line %d has no ']]'", line);
		if (t == T_AND)
			d.kind = DB_AND;
		else if (t == T_OR)
			d.kind = DB_OR;
		else if (t == T_LPAREN)
			d.kind = DB_LPAREN;
		else if (t == T_RPAREN)
			d.kind = DB_RPAREN;
		else if (t == T_REDIR &&
			 (p->rtype == R_IN || p->rtype == R_OUT))
			d.kind = p->rtype == R_IN ? DB_LT : DB_GT;
		else if (t != T_WORD)
			synerr(p, "unexpected %s in '[['", tok_desc(p));
		d.w = p->word;
		d.op = p->text;
		consume(p);
		if (n->u.dbr.n + 2 > alloc) {
			alloc = alloc ? alloc * 2 : 16;
			struct dbtok *v = arena_alloc(p->a, alloc * sizeof(*v));
			if (n->u.dbr.n)
				memcpy(v, n->u.dbr.v, n->u.dbr.n * sizeof(*v));
			n->u.dbr.v = v;
		}
		n->u.dbr.v[n->u.dbr.n++] = d;
		if (d.op && !strcmp(d.op, "=~")) {
			struct dbtok r = { DB_WORD, read_regex_word(p), NULL,
					   true };
			n->u.dbr.v[n->u.dbr.n++] = r;
		}
	}
	if (!n->u.dbr.n)
		synerr(p, "'[[ ]]' needs an expression");
	/* unbalanced parentheses are a syntax error, as in bash, not a
	 * status 2 when it runs */
	int depth = 0;
	for (int i = 0; i < n->u.dbr.n && depth >= 0; i++)
		depth += (n->u.dbr.v[i].kind == DB_LPAREN) -
			 (n->u.dbr.v[i].kind == DB_RPAREN);
	if (depth)
		synerr(p, "unbalanced parentheses in '[[' (line %d)", line);
	return n;
}

static struct node *parse_command(struct parser *p)
{
	struct node *n;
	enum tok t;

	enter(p);
	t = peek_tok(p, true);
	if (t == T_LPAREN && arith_command_ahead(p)) {
		n = parse_arith_command(p);
	} else if (t == T_LPAREN) {
		n = parse_subshell(p);
	} else if (t == T_WORD && p->text) {
		const char *s = p->text;
		if (!strcmp(s, "{"))
			n = parse_brace(p);
		else if (!strcmp(s, "if"))
			n = parse_if(p);
		else if (!strcmp(s, "while"))
			n = parse_loop(p, N_WHILE);
		else if (!strcmp(s, "until"))
			n = parse_loop(p, N_UNTIL);
		else if (!strcmp(s, "for"))
			n = parse_for(p);
		else if (!strcmp(s, "case"))
			n = parse_case(p);
		else if (!strcmp(s, "[[") && sh_compat_extensions(p->sh))
			n = parse_dbracket(p);
		else if (sh_is_reserved(s) && strcmp(s, "!"))
			synerr(p, "unexpected '%s'", s);
		else {
			n = parse_simple(p);
			p->depth--;
			return n;
		}
	} else {
		n = parse_simple(p);
		p->depth--;
		return n;
	}
	/* redirections after a compound command */
	struct redir **rt = &n->redirs;
	parse_redirs(p, &rt);
	p->depth--;
	return n;
}

static bool starts_command(struct parser *p);

/* `c |& d`: c gets 2>&1 after its own redirections, as in bash (`|&` is
 * a syntax error in POSIX). */
static void add_stderr_to_pipe(struct parser *p, struct node *c)
{
	struct redir *r = arena_zalloc(p->a, sizeof(*r));
	struct redir **t = &c->redirs;

	r->type = R_DUPOUT;
	r->fd = 2;
	r->target = arena_zalloc(p->a, sizeof(*r->target));
	r->target->lineno = p->lineno;
	r->target->parts = arena_zalloc(p->a, sizeof(*r->target->parts));
	r->target->parts->type = WP_LIT;
	r->target->parts->u.lit.text = arena_strdup(p->a, "1");
	r->target->parts->u.lit.len = 1;
	while (*t)
		t = &(*t)->next;
	*t = r;
}

static struct node *parse_pipeline(struct parser *p)
{
	bool negate = false, timed = false, time_posix = false;
	struct node *cmds[64];
	struct node **v = cmds;
	int n = 0, alloc = 64;
	int line = p->lineno;

	/* `time [-p] pipeline` is a reserved word of the extensions */
	if (sh_compat_extensions(p->sh) && peek_word(p, "time")) {
		consume(p);
		timed = true;
		if (peek_word(p, "-p")) {
			consume(p);
			time_posix = true;
		}
	}
	while (peek_word(p, "!")) {
		consume(p);
		negate = !negate;
	}
	if (!timed)
		line = p->lineno;
	for (;;) {
		if (timed && !n && !negate && !starts_command(p))
			break; /* `time` alone */
		struct node *c = parse_command(p);
		if (!c) {
			peek_tok(p, false);
			synerr(p, "unexpected %s: expected a command",
			       tok_desc(p));
		}
		if (n == alloc) {
			struct node **nv =
				arena_alloc(p->a, 2 * alloc * sizeof(*nv));
			memcpy(nv, v, n * sizeof(*nv));
			v = nv;
			alloc *= 2;
		}
		v[n++] = c;
		if (peek_tok(p, false) == T_PIPE_AMP)
			add_stderr_to_pipe(p, c);
		else if (p->tok != T_PIPE)
			break;
		consume(p);
		skip_newlines(p);
	}
	if (n == 1 && !negate && !timed)
		return v[0];
	struct node *pn = new_node(p, N_PIPE);
	pn->lineno = line;
	pn->u.pipe.cmds = arena_alloc(p->a, (n ? n : 1) * sizeof(*v));
	memcpy(pn->u.pipe.cmds, v, n * sizeof(*v));
	pn->u.pipe.n = n;
	pn->u.pipe.negate = negate;
	pn->u.pipe.timed = timed;
	pn->u.pipe.time_posix = time_posix;
	return pn;
}

struct nvec {
	struct node **v;
	char *ops;
	int n, alloc;
};

static void nvec_add(struct parser *p, struct nvec *nv, struct node *n, char op)
{
	if (nv->n == nv->alloc) {
		int na = nv->alloc ? nv->alloc * 2 : 8;
		struct node **v = arena_alloc(p->a, na * sizeof(*v));
		char *o = arena_alloc(p->a, na);
		if (nv->n) {
			memcpy(v, nv->v, nv->n * sizeof(*v));
			memcpy(o, nv->ops, nv->n);
		}
		nv->v = v;
		nv->ops = o;
		nv->alloc = na;
	}
	nv->ops[nv->n] = op;
	nv->v[nv->n++] = n;
}

static struct node *parse_andor(struct parser *p)
{
	struct nvec nv = { 0 };
	int line;

	peek_tok(p, true);
	line = p->lineno;
	nvec_add(p, &nv, parse_pipeline(p), 0);
	for (;;) {
		enum tok t = peek_tok(p, false);
		if (t != T_AND && t != T_OR)
			break;
		consume(p);
		skip_newlines(p);
		nv.ops[nv.n - 1] = t == T_AND ? '&' : '|';
		nvec_add(p, &nv, parse_pipeline(p), 0);
	}
	if (nv.n == 1)
		return nv.v[0];
	struct node *n = new_node(p, N_ANDOR);
	n->lineno = line;
	n->u.andor.cmds = nv.v;
	n->u.andor.ops = nv.ops;
	n->u.andor.n = nv.n;
	return n;
}

/* Can this token start a command (in a list)? */
static bool starts_command(struct parser *p)
{
	enum tok t = peek_tok(p, true);

	if (t == T_WORD) {
		if (!p->text)
			return true;
		static const char *const enders[] = {
			"then", "else", "elif", "fi", "do", "done", "esac", "}",
		};
		for (size_t i = 0; i < CS_ARRAY_SIZE(enders); i++)
			if (!strcmp(p->text, enders[i]))
				return false;
		return true;
	}
	return t == T_REDIR || t == T_LPAREN;
}

/* A list of and-or lists separated by ; & (and newlines unless top).
 * At top level it stops after the first newline (one complete command). */
static struct node *parse_list(struct parser *p, bool top)
{
	struct nvec nv = { 0 };

	for (;;) {
		if (!top)
			skip_newlines(p);
		if (!starts_command(p))
			break;
		struct node *n = parse_andor(p);
		enum tok t = peek_tok(p, false);
		if (t == T_AMP) {
			struct node *bg = new_node(p, N_BG);
			bg->lineno = n->lineno;
			bg->u.sub = n;
			n = bg;
		}
		nvec_add(p, &nv, n, 0);
		if (t == T_AMP || t == T_SEMI) {
			consume(p);
			if (top && peek_tok(p, false) == T_NEWLINE)
				break;
			continue;
		}
		if (t == T_NEWLINE) {
			if (top)
				break;
			continue;
		}
		break;
	}
	if (nv.n == 0)
		return NULL;
	if (nv.n == 1)
		return nv.v[0];
	struct node *n = new_node(p, N_LIST);
	n->lineno = nv.v[0]->lineno;
	n->u.list.cmds = nv.v;
	n->u.list.n = nv.n;
	return n;
}

/* ------------------------------------------------------------------ */
/* Entry points */

static const char *const reserved[] = {
	"!",	"{",  "}",   "case", "do", "done", "elif",  "else",
	"esac", "fi", "for", "if",   "in", "then", "until", "while",
};

bool sh_is_reserved(const char *s)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(reserved); i++)
		if (!strcmp(s, reserved[i]))
			return true;
	return false;
}

static void parser_init(struct parser *p, struct sh *sh, struct arena *a)
{
	memset(p, 0, sizeof(*p));
	p->sh = sh;
	p->a = a;
	p->hd_tail = &p->hd_head;
}

/* Discards the rest of the current line after a syntax error. */
static void skip_line(struct sh *sh)
{
	int c;

	do
		c = src_getc(sh);
	while (c != '\n' && c != EOF);
}

enum parse_result sh_parse_command(struct sh *sh, struct node **out,
				   struct arena **arena)
{
	struct parser p;
	struct arena *a = arena_new();

	parser_init(&p, sh, a);
	/* a parse left by a jump (^C at a continuation prompt) may have
	 * been recording into a buffer that is gone */
	sh->src_record = NULL;
	sh->continuation = false;
	*out = NULL;
	*arena = NULL;
	if (setjmp(p.jmp)) {
		arena_unref(a);
		if (sh->opts[OPT_INTERACTIVE])
			skip_line(sh);
		return PARSE_ERROR;
	}
	enum tok t = peek_tok(&p, true);
	if (t == T_EOF) {
		arena_unref(a);
		return PARSE_EOF;
	}
	if (t == T_NEWLINE) {
		consume(&p);
		*arena = a;
		return PARSE_OK;
	}
	struct node *n = parse_list(&p, true);
	t = peek_tok(&p, false);
	if (t == T_NEWLINE) {
		consume(&p);
	} else if (t != T_EOF) {
		synerr(&p, "unexpected %s", tok_desc(&p));
	}
	if (p.hd_head)
		synerr(&p, "here-document '<<%s' has no body",
		       p.hd_head->delim);
	if (p.have && p.tok == T_EOF)
		p.have = false;
	*out = n;
	*arena = a;
	return PARSE_OK;
}

struct wpart *sh_parse_dq(struct sh *sh, struct arena *a, const char *s,
			  bool *error)
{
	struct parser p;
	struct source *mine = sh->src;

	parser_init(&p, sh, a);
	*error = false;
	if (setjmp(p.jmp)) {
		while (sh->src && sh->src != mine)
			src_pop(sh);
		*error = true;
		return NULL;
	}
	return parse_dq_text(&p, s, strlen(s), 1);
}
