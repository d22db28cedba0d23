/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * brace.c — brace expansion, an extension (off with set -o posix): before
 * the other expansions, a word with unquoted {a,b} or {1..10} / {a..e}
 * (optionally ..STEP) becomes several words, nested braces included, as
 * in bash.  Quoted text and expansions ($x, $(…)) are carried through
 * untouched.  Not done on assignments.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/shell_i.h"

/* beyond this many words, the rest of the braces stay as written */
#define MAX_BRACE_WORDS 100000

/* One element of a word: an unquoted character, or a part kept whole. */
struct bitem {
	char c; /* 0: part */
	struct wpart *part;
};

struct bseq {
	struct bitem *v;
	size_t n;
};

struct bres {
	struct sh *sh;
	struct word *head, **tail;
	size_t count;
	int lineno;
};

static void bseq_add(struct sh *sh, struct bseq *s, size_t *cap,
		     const struct bitem *it, size_t n)
{
	if (s->n + n > *cap) {
		size_t nc = (*cap ? *cap * 2 : 32);
		while (nc < s->n + n)
			nc *= 2;
		struct bitem *v = arena_alloc(sh->stack, nc * sizeof(*v));
		if (s->n)
			memcpy(v, s->v, s->n * sizeof(*v));
		s->v = v;
		*cap = nc;
	}
	if (n) /* it may be NULL then */
		memcpy(s->v + s->n, it, n * sizeof(*it));
	s->n += n;
}

/* Turns the items back into a word: runs of characters into unquoted
 * literals, parts copied. */
static void emit(struct bres *r, const struct bitem *v, size_t n)
{
	struct sh *sh = r->sh;
	struct word *w = arena_zalloc(sh->stack, sizeof(*w));
	struct wpart **pt = &w->parts;

	for (size_t i = 0; i < n;) {
		struct wpart *p = arena_zalloc(sh->stack, sizeof(*p));
		if (v[i].c) {
			size_t j = i;
			while (j < n && v[j].c)
				j++;
			char *t = arena_alloc(sh->stack, j - i + 1);
			for (size_t k = i; k < j; k++)
				t[k - i] = v[k].c;
			t[j - i] = 0;
			p->type = WP_LIT;
			p->u.lit.text = t;
			p->u.lit.len = j - i;
			i = j;
		} else {
			*p = *v[i].part;
			p->next = NULL;
			i++;
		}
		*pt = p;
		pt = &p->next;
	}
	w->lineno = r->lineno;
	*r->tail = w;
	r->tail = &w->next;
	r->count++;
}

/* Parses "A..B" or "A..B..STEP" (numbers, or single letters). */
static bool parse_seq(const struct bitem *v, size_t n, char *buf, size_t bufsz)
{
	if (n >= bufsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].c)
			return false;
		buf[i] = v[i].c;
	}
	buf[n] = 0;
	return strstr(buf, "..") != NULL;
}

static bool is_int(const char *s, const char *e)
{
	if (s < e && (*s == '-' || *s == '+'))
		s++;
	if (s == e)
		return false;
	for (; s < e; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void expand(struct bres *r, const struct bitem *v, size_t n);

/* {A..B[..S]}: the words with prefix and suffix; false when not a valid
 * sequence (the braces then stay literal). */
static bool expand_seq(struct bres *r, const struct bitem *v, size_t n,
		       size_t open, size_t close)
{
	char buf[128], *a = buf, *b, *st;
	long step = 1;

	if (!parse_seq(v + open + 1, close - open - 1, buf, sizeof(buf)))
		return false;
	b = strstr(a, "..");
	*b = 0;
	b += 2;
	st = strstr(b, "..");
	if (st) {
		*st = 0;
		st += 2;
		if (!is_int(st, st + strlen(st)))
			return false;
		step = labs(strtol(st, NULL, 10));
		if (!step)
			step = 1;
	}
	bool num = is_int(a, a + strlen(a)) && is_int(b, b + strlen(b));
	bool alpha = strlen(a) == 1 && strlen(b) == 1 &&
		     isalpha((unsigned char)*a) && isalpha((unsigned char)*b);
	if (!num && !alpha)
		return false;
	long from = num ? strtol(a, NULL, 10) : *a;
	long to = num ? strtol(b, NULL, 10) : *b;
	/* {01..10}: zero-padded to the wider end */
	int width = 0;
	if (num && ((a[0] == '0' && a[1]) || (a[0] == '-' && a[1] == '0') ||
		    (b[0] == '0' && b[1]) || (b[0] == '-' && b[1] == '0'))) {
		width = (int)strlen(a);
		if ((int)strlen(b) > width)
			width = (int)strlen(b);
	}
	struct sh *sh = r->sh;
	for (long k = from; from <= to ? k <= to : k >= to;
	     k += from <= to ? step : -step) {
		char item[64];
		int len =
			num ? snprintf(item, sizeof(item), "%0*ld", width, k) :
			      snprintf(item, sizeof(item), "%c", (char)k);
		struct bseq s = { 0 };
		size_t cap = 0;
		bseq_add(sh, &s, &cap, v, open);
		for (int i = 0; i < len; i++) {
			struct bitem it = { item[i], NULL };
			bseq_add(sh, &s, &cap, &it, 1);
		}
		bseq_add(sh, &s, &cap, v + close + 1, n - close - 1);
		expand(r, s.v, s.n);
		if (r->count >= MAX_BRACE_WORDS)
			break;
	}
	return true;
}

/* Expands the first brace pair that makes a list or a sequence. */
static void expand(struct bres *r, const struct bitem *v, size_t n)
{
	struct sh *sh = r->sh;

	if (r->count >= MAX_BRACE_WORDS) {
		emit(r, v, n);
		return;
	}
	for (size_t open = 0; open < n; open++) {
		if (v[open].c != '{')
			continue;
		int depth = 0;
		size_t close = 0, ncomma = 0;
		for (size_t i = open; i < n; i++) {
			if (v[i].c == '{')
				depth++;
			else if (v[i].c == '}' && --depth == 0) {
				close = i;
				break;
			} else if (v[i].c == ',' && depth == 1)
				ncomma++;
		}
		if (!close)
			break; /* no closing brace for this one or any later */
		if (!ncomma) {
			if (expand_seq(r, v, n, open, close))
				return;
			continue;
		}
		/* {a,b,…}: each alternative between prefix and suffix */
		size_t start = open + 1;
		depth = 0;
		for (size_t i = open + 1; i <= close; i++) {
			if (v[i].c == '{')
				depth++;
			else if (v[i].c == '}' && i != close)
				depth--;
			if (i != close && (v[i].c != ',' || depth))
				continue;
			struct bseq s = { 0 };
			size_t cap = 0;
			bseq_add(sh, &s, &cap, v, open);
			bseq_add(sh, &s, &cap, v + start, i - start);
			bseq_add(sh, &s, &cap, v + close + 1, n - close - 1);
			expand(r, s.v, s.n);
			start = i + 1;
		}
		return;
	}
	emit(r, v, n);
}

struct word *sh_brace_expand(struct sh *sh, struct word *w)
{
	struct bseq s = { 0 };
	size_t cap = 0;
	bool any = false;

	/* most words have no brace: nothing to build */
	for (struct wpart *p = w->parts; p && !any; p = p->next)
		any = p->type == WP_LIT && !p->quoted &&
		      memchr(p->u.lit.text, '{', p->u.lit.len);
	if (!any)
		return NULL;
	any = false;
	for (struct wpart *p = w->parts; p; p = p->next) {
		if (p->type == WP_LIT && !p->quoted) {
			for (size_t i = 0; i < p->u.lit.len; i++) {
				struct bitem it = { p->u.lit.text[i], NULL };
				any = any || it.c == '{';
				bseq_add(sh, &s, &cap, &it, 1);
			}
		} else {
			struct bitem it = { 0, p };
			bseq_add(sh, &s, &cap, &it, 1);
		}
	}
	if (!any)
		return NULL;
	struct bres r = { .sh = sh, .lineno = w->lineno };
	r.tail = &r.head;
	expand(&r, s.v, s.n);
	if (r.count == 1 && r.head->parts) {
		/* nothing expanded: the word as it was */
		return NULL;
	}
	return r.head;
}
