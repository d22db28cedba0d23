/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * expand.c — word expansion (XCU 2.6) in the standard order: tilde,
 * parameter, command substitution and arithmetic expand a word's parts
 * into one buffer in which every byte carries flags (quoted, produced by
 * an unquoted expansion, a hard field break from "$@"); field splitting
 * then reads those flags, pathname expansion uses glob(3) with quoted
 * bytes escaped, and quote removal is simply dropping the flags.
 *
 * Results live on sh->stack and are released after the command.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "shell/shell_i.h"

#define XCAP (256u << 20)
/* expand_parts' flag for the word of ${x-word} inside an assignment: a
 * tilde at its start or after a colon is expanded, an = is plain */
#define EXP_IN_ARG (1 << 8)

enum {
	F_QUOTED = 1 << 0, /* no glob meaning, never split */
	F_SPLIT = 1 << 1,  /* from an unquoted expansion: IFS splits here */
	F_HARD = 1 << 2,   /* a field break ("$@"); the byte joins otherwise */
	F_MARK = 1 << 3,   /* zero-width: a field exists here even if empty */
};

struct xbuf {
	struct cs_buf s;
	struct cs_buf f;
};

static void xb_init(struct xbuf *x)
{
	cs_buf_init(&x->s, XCAP);
	cs_buf_init(&x->f, XCAP);
}

static void xb_release(struct xbuf *x)
{
	cs_buf_release(&x->s);
	cs_buf_release(&x->f);
}

static void xb_add(struct sh *sh, struct xbuf *x, const char *s, size_t n,
		   int flags)
{
	if (cs_buf_add(&x->s, s, n) < 0) {
		sh_err(sh, "expansion larger than %u bytes", XCAP);
		sh_raise(sh, 2);
	}
	size_t at = x->f.len;
	if (cs_buf_add(&x->f, s, n) < 0)
		sh_raise(sh, 2);
	memset(x->f.buf + at, flags, n);
}

static void xb_mark(struct sh *sh, struct xbuf *x, int flags, char c)
{
	xb_add(sh, x, &c, 1, flags);
}

void strlist_add(struct sh *sh, struct strlist *l, char *s)
{
	if (l->n + 1 >= l->alloc) {
		int na = l->alloc ? l->alloc * 2 : 16;
		char **v = arena_alloc(sh->stack, na * sizeof(*v));
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->alloc = na;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

static const char *ifs_value(struct sh *sh)
{
	const char *ifs = sh_getvar(sh, "IFS");
	return ifs ? ifs : " \t\n";
}

/* ------------------------------------------------------------------ */
/* Parameters */

/* ${NAME[SUB]}: bash's arrays.  cshell has none but PIPESTATUS (its
 * statuses, space-separated); any other variable is an array of its one
 * value, as in bash.  The elements of NAME go to out (on sh->stack). */
static void array_elems(struct sh *sh, const char *name, struct params *out)
{
	char *base = arena_strndup(sh->stack, name, strcspn(name, "["));
	const char *v = sh_getvar(sh, base);
	bool split = !strcmp(base, "PIPESTATUS");

	out->n = 0;
	out->v = arena_alloc(sh->stack,
			     sizeof(char *) *
				     (v && split ? strlen(v) / 2 + 2 : 2));
	while (v && (*v || !out->n)) {
		size_t len = split ? strcspn(v, " ") : strlen(v);
		out->v[out->n++] = arena_strndup(sh->stack, v, len);
		v += len;
		if (!*v)
			break;
		v++;
	}
	out->v[out->n] = NULL;
}

/* The subscript of "NAME[SUB]": '@' or '*' for all, else the index. */
static int array_subscript(struct sh *sh, const char *name, intmax_t *idx)
{
	const char *sub = strchr(name, '[') + 1;
	size_t len = strlen(sub) - 1;

	if (len == 1 && (*sub == '@' || *sub == '*'))
		return *sub;
	char *text = sh_expand_string(sh, arena_strndup(sh->stack, sub, len));
	int r = text ? sh_arith(sh, text, idx) : -1;
	free(text);
	if (r < 0)
		sh_raise(sh, 1);
	return 0;
}

static const char *array_value(struct sh *sh, const char *name)
{
	struct params el;
	intmax_t i = 0;
	int all = array_subscript(sh, name, &i);

	array_elems(sh, name, &el);
	if (!all)
		return i >= 0 && i < el.n ? el.v[i] : NULL;
	if (!el.n)
		return NULL;
	struct cs_buf b = CS_BUF_INIT;
	const char *ifs = ifs_value(sh);
	for (int k = 0; k < el.n; k++) {
		if (k && (all == '@' || ifs[0]))
			cs_buf_addc(&b, all == '@' ? ' ' : ifs[0]);
		cs_buf_adds(&b, el.v[k]);
	}
	char *r = arena_strdup(sh->stack, b.buf ? b.buf : "");
	cs_buf_release(&b);
	return r;
}

int sh_lineno(struct sh *sh)
{
	return sh->lineno;
}

/* The value of a single-valued parameter, NULL when unset.  *list is set
 * for $@ and $*. */
static const char *param_value(struct sh *sh, const char *name, bool *list,
			       char *tmp, size_t tmpsz)
{
	*list = false;
	if (name[1] == 0) {
		switch (name[0]) {
		case '@':
		case '*':
			*list = true;
			return NULL;
		case '#':
			snprintf(tmp, tmpsz, "%d", sh->params.n);
			return tmp;
		case '?':
			snprintf(tmp, tmpsz, "%d", sh->status);
			return tmp;
		case '$':
			snprintf(tmp, tmpsz, "%ld", (long)sh->rootpid);
			return tmp;
		case '!':
			if (!sh->lastbg)
				return NULL;
			snprintf(tmp, tmpsz, "%ld", (long)sh->lastbg);
			return tmp;
		case '-':
			return sh_optflags(sh);
		case '0':
			return sh->arg0;
		}
	}
	if (name[0] >= '0' && name[0] <= '9') {
		long i = strtol(name, NULL, 10);
		if (i >= 1 && i <= sh->params.n)
			return sh->params.v[i - 1];
		return NULL;
	}
	if (name[0] == 'L' && !strcmp(name, "LINENO")) {
		snprintf(tmp, tmpsz, "%d", sh->lineno);
		return tmp;
	}
	if (strchr(name, '['))
		return array_value(sh, name);
	return sh_getvar(sh, name);
}

static bool param_isset(struct sh *sh, const char *name, bool colon)
{
	char tmp[32];
	bool list;
	const char *v = param_value(sh, name, &list, tmp, sizeof(tmp));

	if (list) {
		if (!colon)
			return sh->params.n > 0;
		/* "${@:-x}": null when there are no params or one empty one */
		if (sh->params.n == 0)
			return false;
		if (sh->params.n == 1 && !sh->params.v[0][0])
			return false;
		/* $*: null when "$*" is, i.e. all empty and joined by an
		 * empty IFS (POSIX.1-2024 XCU 2.6.2) */
		if (name[0] == '*' && !ifs_value(sh)[0]) {
			for (int i = 0; i < sh->params.n; i++)
				if (sh->params.v[i][0])
					return true;
			return false;
		}
		return true;
	}
	if (!v)
		return false;
	return !colon || v[0];
}

static void expand_parts(struct sh *sh, struct xbuf *x, struct wpart *p,
			 int flags, bool inarg);

/* The length of the character at s (n > 0 bytes left) in the locale's
 * codeset: a byte that starts no valid character counts as one, so
 * invalid input is walked byte by byte (POSIX leaves it unspecified). */
static size_t char_len(const char *s, size_t n)
{
	mbstate_t st;

	if (MB_CUR_MAX == 1 || !(*s & 0x80))
		return 1;
	memset(&st, 0, sizeof(st));
	size_t r = mbrlen(s, n, &st);
	return r == (size_t)-1 || r == (size_t)-2 || r == 0 ? 1 : r;
}

/* Appends the positional parameters (or an array's elements) as
 * "$@"/"$*" would expand. */
static void add_params(struct sh *sh, struct xbuf *x, const struct params *pa,
		       bool star, bool quoted)
{
	const char *ifs = ifs_value(sh);
	char sep = star ? ifs[0] : ' ';

	if (star && quoted) {
		/* joined by IFS's first character, however many bytes */
		size_t seplen = sep ? char_len(ifs, strlen(ifs)) : 0;
		xb_mark(sh, x, F_MARK, 0);
		for (int i = 0; i < pa->n; i++) {
			if (i && sep)
				xb_add(sh, x, ifs, seplen, F_QUOTED);
			xb_add(sh, x, pa->v[i], strlen(pa->v[i]), F_QUOTED);
		}
		return;
	}
	for (int i = 0; i < pa->n; i++) {
		if (i)
			xb_mark(sh, x, F_HARD, sep);
		if (quoted)
			xb_mark(sh, x, F_MARK, 0);
		xb_add(sh, x, pa->v[i], strlen(pa->v[i]),
		       quoted ? F_QUOTED : F_SPLIT);
	}
}

/* Whether byte i of s (flags f, n bytes) is a backslash from an unquoted
 * expansion that escapes the byte after it in a pattern (POSIX.1-2024
 * XCU 2.14.1: `x='\\*'; case '*' in $x)` matches); at the end it is a
 * literal backslash. */
static bool exp_escape(const char *s, const char *f, size_t i, size_t n)
{
	return s[i] == '\\' && !(f[i] & F_QUOTED) && i + 1 < n && s[i + 1] &&
	       !(f[i + 1] & F_MARK);
}

/* Appends byte i of s (flags f, n bytes) to the pattern r at *j, escaped
 * for fnmatch and glob: quoted pattern characters and literal backslashes
 * lose their meaning.  Returns the index of the last byte used. */
static size_t pat_byte(char *r, size_t *j, const char *s, const char *f,
		       size_t i, size_t n)
{
	if (exp_escape(s, f, i, n)) {
		if (f[i + 1] & F_QUOTED) /* the next byte is literal anyway */
			return pat_byte(r, j, s, f, i + 1, n);
		r[(*j)++] = '\\';
		r[(*j)++] = s[i + 1];
		return i + 1;
	}
	char c = s[i];
	if (((f[i] & F_QUOTED) && strchr("*?[]\\-!^", c)) || c == '\\')
		r[(*j)++] = '\\';
	r[(*j)++] = c;
	return i;
}

/* The buffer as one string without splitting (on sh->stack): markers
 * dropped, "$@" breaks joined; with EXP_PATTERN, a pattern for fnmatch
 * (pat_byte). */
static char *xb_flatten(struct sh *sh, const struct xbuf *x, int flags)
{
	char *r = arena_alloc(sh->stack, x->s.len * 2 + 1);
	size_t j = 0;

	for (size_t i = 0; i < x->s.len; i++) {
		int f = (unsigned char)x->f.buf[i];
		char c = x->s.buf[i];
		if ((f & F_MARK) || ((f & F_HARD) && !c))
			continue;
		if (flags & EXP_PATTERN) {
			i = pat_byte(r, &j, x->s.buf, x->f.buf, i, x->s.len);
			continue;
		}
		if ((flags & EXP_REGEX) && (f & F_QUOTED) && c &&
		    strchr(".[]\\*^$+?(){}|", c))
			r[j++] = '\\';
		r[j++] = c;
	}
	r[j] = 0;
	return r;
}

char *sh_expand_parts(struct sh *sh, struct wpart *p, int flags)
{
	struct xbuf x;

	xb_init(&x);
	expand_parts(sh, &x, p, flags & ~EXP_FULL, false);
	char *r = xb_flatten(sh, &x, flags);
	xb_release(&x);
	return r;
}

/* The number of characters in s (${#x}). */
static size_t char_count(const char *s)
{
	size_t n = strlen(s), c = 0;

	for (size_t i = 0; i < n; i += char_len(s + i, n - i))
		c++;
	return c;
}

/* The offsets of s's character boundaries, 0 and n included, on
 * sh->stack; *count gets how many. */
static size_t *char_bounds(struct sh *sh, const char *s, size_t n,
			   size_t *count)
{
	size_t *b = arena_alloc(sh->stack, (n + 1) * sizeof(*b));
	size_t k = 0;

	for (size_t i = 0; i < n; i += char_len(s + i, n - i))
		b[k++] = i;
	b[k++] = n;
	*count = k;
	return b;
}

/* Removes the shortest/longest prefix/suffix matching pat, trying only
 * whole characters (`${x#?}` removes one character, not one byte). */
static const char *strip_pattern(struct sh *sh, const char *v, const char *pat,
				 enum param_op op)
{
	size_t n = strlen(v), nb;
	char *s = arena_strdup(sh->stack, v);
	size_t *b = char_bounds(sh, v, n, &nb);

	for (size_t k = 0; k < nb; k++) {
		bool fwd = op == PO_LSHORT || op == PO_RLONG;
		size_t at = b[fwd ? k : nb - 1 - k];
		if (op == PO_LSHORT || op == PO_LLONG) {
			char save = s[at];
			s[at] = 0;
			bool m = fnmatch(pat, s, 0) == 0;
			s[at] = save;
			if (m)
				return v + at;
		} else if (op == PO_RSHORT || op == PO_RLONG) {
			if (fnmatch(pat, s + at, 0) == 0)
				return arena_strndup(sh->stack, v, at);
		}
	}
	return v;
}

/* The longest match of pat in s that starts at byte b[i] (b: the nb
 * character bounds of s), ending at or after b[min]: its end, or -1. */
static ptrdiff_t longest_match(char *s, const size_t *b, size_t nb, size_t i,
			       size_t min, const char *pat)
{
	for (size_t k = nb; k-- > min;) {
		char save = s[b[k]];
		s[b[k]] = 0;
		bool m = fnmatch(pat, s + b[i], 0) == 0;
		s[b[k]] = save;
		if (m)
			return b[k];
	}
	return -1;
}

/* ${v/pat/rep}, //, /#, /% (bash): the longest match is replaced, the
 * first one or all of them; an empty match only counts anchored (/#, /%). */
static const char *substitute(struct sh *sh, const char *v, const char *pat,
			      const char *rep, enum param_op op)
{
	size_t n = strlen(v), nb;
	char *s = arena_strdup(sh->stack, v);
	size_t *b = char_bounds(sh, v, n, &nb);
	struct cs_buf r = CS_BUF_INIT;
	ptrdiff_t e;

	cs_buf_init(&r, XCAP);
	if (op == PO_SUBPRE) {
		if ((e = longest_match(s, b, nb, 0, 0, pat)) < 0)
			return v;
		cs_buf_adds(&r, rep);
		cs_buf_adds(&r, v + e);
	} else if (op == PO_SUBSUF) {
		size_t k = 0;
		while (k < nb && fnmatch(pat, s + b[k], 0) != 0)
			k++;
		if (k == nb)
			return v;
		cs_buf_add(&r, v, b[k]);
		cs_buf_adds(&r, rep);
	} else {
		size_t k = 0, done = 0;
		bool any = false;
		while (k + 1 < nb && !(any && op == PO_SUB)) {
			e = longest_match(s, b, nb, k, k + 1, pat);
			if (e < 0) {
				k++;
				continue;
			}
			cs_buf_add(&r, v + done, b[k] - done);
			cs_buf_adds(&r, rep);
			done = e;
			any = true;
			while (b[k] < (size_t)e)
				k++;
		}
		if (!any)
			return v;
		cs_buf_adds(&r, v + done);
	}
	char *out = arena_strndup(sh->stack, r.buf ? r.buf : "", r.len);
	cs_buf_release(&r);
	return out;
}

/* The word of a pattern operator expanded for it (tilde too, XCU 2.6.2);
 * *rep gets ${x/pat/rep}'s replacement. */
static char *pattern_word(struct sh *sh, struct wpart *p, const char **rep)
{
	*rep = p->u.param.rep ? sh_expand_parts(sh, p->u.param.rep, EXP_TILDE) :
				"";
	return sh_expand_parts(sh, p->u.param.arg, EXP_PATTERN | EXP_TILDE);
}

/* The value after a pattern operator: a strip or a substitution. */
static const char *pattern_op(struct sh *sh, const char *v, const char *pat,
			      const char *rep, enum param_op op)
{
	if (op >= PO_SUB)
		return substitute(sh, v, pat, rep, op);
	return strip_pattern(sh, v, pat, op);
}

static void __attribute__((noreturn))
unset_error(struct sh *sh, const char *name)
{
	sh_err(sh, "%s: parameter not set", name);
	sh_raise(sh, SH_EXPAND_ERROR);
}

/* ${NAME[@]} ${NAME[*]} ${#NAME[@]}: the elements as "$@" would expand,
 * or their count.  False for one element (param_value has it). */
static bool expand_array(struct sh *sh, struct xbuf *x, const char *name,
			 enum param_op op, bool quoted)
{
	struct params el;
	intmax_t i;
	int all = array_subscript(sh, name, &i);
	char tmp[32];

	if (!all)
		return false;
	array_elems(sh, name, &el);
	if (op == PO_LEN) {
		snprintf(tmp, sizeof(tmp), "%d", el.n);
		xb_add(sh, x, tmp, strlen(tmp), quoted ? F_QUOTED : F_SPLIT);
		return true;
	}
	add_params(sh, x, &el, all == '*', quoted);
	return true;
}

static void expand_param(struct sh *sh, struct xbuf *x, struct wpart *p,
			 int flags)
{
	const char *name = p->u.param.name;
	enum param_op op = p->u.param.op;
	bool quoted = p->quoted;
	int vflags = quoted ? F_QUOTED : F_SPLIT;
	char tmp[32];
	bool list;
	const char *v;

	switch (op) {
	case PO_MINUS:
	case PO_ASSIGN:
	case PO_QMARK:
	case PO_PLUS: {
		bool set = param_isset(sh, name, p->u.param.colon);
		if (op == PO_PLUS) {
			if (set)
				expand_parts(sh, x, p->u.param.arg, flags,
					     !quoted);
			if (quoted) /* "${x+}" is one empty field */
				xb_mark(sh, x, F_MARK, 0);
			return;
		}
		if (set)
			break;
		if (op == PO_MINUS) {
			expand_parts(sh, x, p->u.param.arg, flags, !quoted);
			if (quoted)
				xb_mark(sh, x, F_MARK, 0);
			return;
		}
		if (op == PO_QMARK) {
			char *msg = p->u.param.arg ?
					    sh_expand_parts(sh, p->u.param.arg,
							    flags & EXP_TILDE) :
					    NULL;
			sh_err(sh, "%s: %s", name,
			       msg && *msg ? msg : "parameter null or not set");
			sh_raise(sh, SH_EXPAND_ERROR);
		}
		/* PO_ASSIGN */
		if (!sh_isname(name)) {
			sh_err(sh, "%s: cannot assign in this way", name);
			sh_raise(sh, SH_EXPAND_ERROR);
		}
		char *val = sh_expand_parts(sh, p->u.param.arg, EXP_TILDE);
		if (sh_setvar(sh, name, val, 0) < 0)
			sh_raise(sh, SH_EXPAND_ERROR);
		xb_add(sh, x, val, strlen(val), vflags);
		if (quoted)
			xb_mark(sh, x, F_MARK, 0);
		return;
	}
	default:
		break;
	}

	if (strchr(name, '[') && (op == PO_NONE || op == PO_LEN) &&
	    expand_array(sh, x, name, op, quoted))
		return;
	v = param_value(sh, name, &list, tmp, sizeof(tmp));
	if (list) {
		if (op == PO_LEN) {
			snprintf(tmp, sizeof(tmp), "%d", sh->params.n);
			xb_add(sh, x, tmp, strlen(tmp), vflags);
			return;
		}
		if (op >= PO_RSHORT) {
			const char *rep;
			char *pat = pattern_word(sh, p, &rep);
			bool star = name[0] == '*';
			const char *ifs = ifs_value(sh);
			char sep = star ? ifs[0] : ' ';
			if (quoted)
				xb_mark(sh, x, F_MARK, 0);
			for (int i = 0; i < sh->params.n; i++) {
				if (i) {
					if (quoted && star) {
						if (sep)
							xb_add(sh, x, &sep, 1,
							       F_QUOTED);
					} else {
						xb_mark(sh, x, F_HARD,
							sep ? sep : ' ');
						if (quoted)
							xb_mark(sh, x, F_MARK,
								0);
					}
				}
				const char *r = pattern_op(sh, sh->params.v[i],
							   pat, rep, op);
				xb_add(sh, x, r, strlen(r), vflags);
			}
			return;
		}
		add_params(sh, x, &sh->params, name[0] == '*', quoted);
		return;
	}
	if (!v && sh->opts[OPT_NOUNSET] && op != PO_MINUS && op != PO_PLUS)
		unset_error(sh, name);
	if (op == PO_LEN) {
		snprintf(tmp, sizeof(tmp), "%zu", v ? char_count(v) : 0);
		xb_add(sh, x, tmp, strlen(tmp), vflags);
		return;
	}
	if (!v)
		v = "";
	if (op >= PO_RSHORT) {
		const char *rep;
		char *pat = pattern_word(sh, p, &rep);
		v = pattern_op(sh, v, pat, rep, op);
	}
	xb_add(sh, x, v, strlen(v), vflags);
	if (quoted)
		xb_mark(sh, x, F_MARK, 0);
}

/* ------------------------------------------------------------------ */
/* Tilde */

static const char *tilde_home(struct sh *sh, const char *user)
{
	if (!*user) {
		const char *h = sh_getvar(sh, "HOME");
		if (h)
			return h;
		struct passwd *pw = getpwuid(getuid());
		return pw ? pw->pw_dir : NULL;
	}
	struct passwd *pw = getpwnam(user);
	return pw ? pw->pw_dir : NULL;
}

/* Appends an unquoted literal, doing tilde expansion where allowed.
 * at_start: this literal begins the word. */
static void add_literal(struct sh *sh, struct xbuf *x, struct wpart *p,
			int flags, bool at_start, int litflags)
{
	const char *s = p->u.lit.text;
	size_t n = p->u.lit.len;
	size_t i = 0;
	bool tilde_ok = at_start && (flags & EXP_TILDE) &&
			(!(flags & EXP_ASSIGN) || (flags & EXP_IN_ARG));
	bool seen_eq = !at_start || (flags & EXP_IN_ARG);

	if (!(flags & (EXP_TILDE | EXP_ASSIGN)) || p->quoted) {
		xb_add(sh, x, s, n, litflags);
		return;
	}
	while (i < n) {
		if (tilde_ok && s[i] == '~') {
			size_t j = i + 1;
			while (j < n && s[j] != '/' &&
			       !((flags & EXP_ASSIGN) && s[j] == ':'))
				j++;
			/* the prefix must end inside this literal */
			if (j < n || !p->next) {
				char user[256];
				size_t ul = j - i - 1;
				if (ul < sizeof(user)) {
					memcpy(user, s + i + 1, ul);
					user[ul] = 0;
					const char *h = tilde_home(sh, user);
					if (h) {
						xb_add(sh, x, h, strlen(h),
						       F_QUOTED);
						i = j;
						tilde_ok = false;
						continue;
					}
				}
			}
		}
		tilde_ok = false;
		xb_add(sh, x, s + i, 1, litflags);
		if ((flags & EXP_ASSIGN) && s[i] == ':')
			tilde_ok = true;
		if ((flags & EXP_ASSIGN) && s[i] == '=' && !seen_eq) {
			seen_eq = true;
			tilde_ok = true;
		}
		i++;
	}
}

/* A NUL cannot be in a word: the output of a command substitution loses
 * its NUL bytes (as in dash and bash), not everything after the first. */
static void drop_nuls(struct cs_buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		if (b->buf[i])
			b->buf[n++] = b->buf[i];
	b->len = n;
}

static void expand_parts(struct sh *sh, struct xbuf *x, struct wpart *p,
			 int flags, bool inarg)
{
	bool first = true;

	for (; p; p = p->next, first = false) {
		switch (p->type) {
		case WP_LIT: {
			int lf = p->quoted ? F_QUOTED : (inarg ? F_SPLIT : 0);
			if (p->quoted && !p->u.lit.len)
				xb_mark(sh, x, F_MARK, 0);
			else
				add_literal(sh, x, p,
					    flags | (inarg ? EXP_IN_ARG : 0),
					    first, lf);
			break;
		}
		case WP_PARAM:
			expand_param(sh, x, p, flags);
			break;
		case WP_CMDSUB: {
			struct cs_buf out = CS_BUF_INIT;
			cs_buf_init(&out, XCAP);
			sh->cmdsub_status = sh_cmdsub(sh, p->u.cmd, &out);
			drop_nuls(&out);
			while (out.len && out.buf[out.len - 1] == '\n')
				out.len--;
			xb_add(sh, x, out.buf, out.len,
			       p->quoted ? F_QUOTED : F_SPLIT);
			if (p->quoted)
				xb_mark(sh, x, F_MARK, 0);
			cs_buf_release(&out);
			break;
		}
		case WP_ARITH: {
			char *e = sh_expand_parts(sh, p->u.arith, 0);
			intmax_t v;
			char num[32];
			if (sh_arith(sh, e, &v) < 0)
				sh_raise(sh, SH_EXPAND_ERROR);
			snprintf(num, sizeof(num), "%jd", v);
			xb_add(sh, x, num, strlen(num),
			       p->quoted ? F_QUOTED : F_SPLIT);
			break;
		}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Field splitting and pathname expansion */

struct field {
	char *s;
	char *f;
	size_t n;
};

/* Does the field hold an unquoted * ? or a [ closed by a later ]?  A lone
 * "[" (the test command) is no pattern, so it costs no directory read. */
static bool has_glob(const struct field *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		if (fl->f[i] & F_QUOTED)
			continue;
		if (exp_escape(fl->s, fl->f, i, fl->n)) {
			i++; /* an escaped * ? or [ is no pattern */
			continue;
		}
		char c = fl->s[i];
		if (c == '*' || c == '?')
			return true;
		if (c == '[') {
			for (size_t j = i + 2; j < fl->n; j++)
				if (fl->s[j] == ']')
					return true;
		}
	}
	return false;
}

/* Whether path, a match of pattern pat, ends in . or .. that only a
 * wildcard matched: such are left out unless `shopt -u globskipdots`
 * (bash, ksh, mksh, zsh; POSIX.1-2024 allows it and says it may become
 * required). */
static bool dot_or_dotdot(const char *path, const char *pat)
{
	const char *b = strrchr(path, '/'), *pb = strrchr(pat, '/');

	b = b ? b + 1 : path;
	pb = pb ? pb + 1 : pat;
	return (!strcmp(b, ".") || !strcmp(b, "..")) && strcmp(pb, b);
}

static void emit_field(struct sh *sh, struct strlist *out,
		       const struct field *fl, bool glob_ok)
{
	char *plain = arena_strndup(sh->stack, fl->s, fl->n);

	if (!glob_ok || !has_glob(fl)) {
		strlist_add(sh, out, plain);
		return;
	}
	char *pat = arena_alloc(sh->stack, fl->n * 2 + 1);
	size_t j = 0;
	for (size_t i = 0; i < fl->n; i++)
		i = pat_byte(pat, &j, fl->s, fl->f, i, fl->n);
	pat[j] = 0;
	glob_t g;
	int r = glob(pat, 0, NULL, &g);
	if (r == 0) {
		int before = out->n;
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (!sh->opts[OPT_GLOBSKIPDOTS] ||
			    !dot_or_dotdot(g.gl_pathv[i], pat))
				strlist_add(
					sh, out,
					arena_strdup(sh->stack, g.gl_pathv[i]));
		globfree(&g);
		if (out->n > before)
			return;
		r = GLOB_NOMATCH;
	}
	if (r != GLOB_NOMATCH)
		globfree(&g);
	/* bash's shopt: the word goes (nullglob) or is an error (failglob) */
	if (sh->opts[OPT_FAILGLOB]) {
		sh_err(sh, "no match: %s", plain);
		sh_raise(sh, SH_EXPAND_ERROR);
	}
	if (!sh->opts[OPT_NULLGLOB])
		strlist_add(sh, out, plain);
}

/* The length of the IFS character at byte i of s (flags f, n bytes) when
 * it comes from an unquoted expansion, else 0; *ws: IFS white space.  A
 * character of IFS is a whole character of the locale (IFS=ç). */
static size_t ifs_at(const char *ifs, const char *s, const char *f, size_t i,
		     size_t n, bool *ws)
{
	size_t len = char_len(s + i, n - i);

	*ws = false;
	for (size_t k = 0; k < len; k++)
		if (!(f[i + k] & F_SPLIT) || (f[i + k] & (F_HARD | F_MARK)) ||
		    !s[i + k])
			return 0;
	for (size_t j = 0, m = strlen(ifs); j < m;) {
		size_t l = char_len(ifs + j, m - j);
		if (l == len && !memcmp(ifs + j, s + i, len)) {
			*ws = len == 1 && strchr(" \t\n", s[i]);
			return len;
		}
		j += l;
	}
	return 0;
}

/* Past the IFS white space after byte i: the index of its last byte. */
static size_t skip_ifs_ws(const char *ifs, const char *s, const char *f,
			  size_t i, size_t n)
{
	bool ws;
	size_t l;

	while (i + 1 < n && (l = ifs_at(ifs, s, f, i + 1, n, &ws)) && ws)
		i += l;
	return i;
}

static void split_fields(struct sh *sh, struct xbuf *x, struct strlist *out,
			 bool glob_ok)
{
	const char *ifs = ifs_value(sh);
	struct field cur;
	bool have = false;
	char *s = x->s.buf, *f = x->f.buf;
	size_t n = x->s.len;
	struct cs_buf fs = CS_BUF_INIT, ff = CS_BUF_INIT;

	cs_buf_init(&fs, XCAP);
	cs_buf_init(&ff, XCAP);
#define EMIT()                                                                 \
	do {                                                                   \
		cur.s = fs.buf;                                                \
		cur.f = ff.buf;                                                \
		cur.n = fs.len;                                                \
		emit_field(sh, out, &cur, glob_ok);                            \
		cs_buf_reset(&fs);                                             \
		cs_buf_reset(&ff);                                             \
		have = false;                                                  \
	} while (0)
	for (size_t i = 0; i < n; i++) {
		int fl = (unsigned char)f[i];
		bool ws, ws2;
		size_t l, l2;
		if (fl & F_HARD) {
			if (have)
				EMIT();
			continue;
		}
		if (fl & F_MARK) {
			have = true;
			continue;
		}
		if ((l = ifs_at(ifs, s, f, i, n, &ws))) {
			bool had = have;
			i += l - 1;
			if (!ws || have)
				EMIT();
			i = skip_ifs_ws(ifs, s, f, i, n);
			/* a run of IFS white space, optionally with one
			 * non-white IFS char, is one delimiter */
			if (ws && i + 1 < n &&
			    (l2 = ifs_at(ifs, s, f, i + 1, n, &ws2)) && !ws2) {
				i += l2;
				if (!had)
					EMIT();
				i = skip_ifs_ws(ifs, s, f, i, n);
			}
			continue;
		}
		cs_buf_addc(&fs, s[i]);
		cs_buf_addc(&ff, fl);
		have = true;
	}
	if (have)
		EMIT();
#undef EMIT
	cs_buf_release(&fs);
	cs_buf_release(&ff);
}

/* A word that is one unquoted literal with nothing to expand. */
static bool simple_literal(struct word *w)
{
	struct wpart *p = w->parts;

	if (!p || p->next || p->type != WP_LIT || p->quoted)
		return false;
	const char *t = p->u.lit.text;
	if (t[0] == '~')
		return false;
	for (const char *s = t; *s; s++)
		if (*s == '*' || *s == '?' ||
		    (*s == '[' && s[1] && strchr(s + 2, ']')))
			return false;
	return true;
}

/* Is w a literal NAME=… (an assignment word)? */
static bool assignment_shaped(struct word *w)
{
	struct wpart *p = w->parts;

	if (!p || p->type != WP_LIT || p->quoted)
		return false;
	const char *s = p->u.lit.text, *e = memchr(s, '=', p->u.lit.len);
	if (!e || e == s)
		return false;
	char name[256];
	if ((size_t)(e - s) >= sizeof(name))
		return false;
	memcpy(name, s, e - s);
	name[e - s] = 0;
	return sh_isname(name);
}

static struct word *next_word(struct word *w, struct word **rest,
			      bool *in_brace)
{
	struct word *n = w->next;

	if (!n && *in_brace) {
		n = *rest;
		*rest = NULL;
		*in_brace = false;
	}
	return n;
}

/* Whether the fields from start on name a declaration utility (export,
 * readonly, local, declare, typeset, also after `command` or `builtin`):
 * *decl says which; false while the fields so far cannot tell. */
static bool decl_decided(struct strlist *out, int start, bool *decl)
{
	int i = start;

	while (i < out->n &&
	       (!strcmp(out->v[i], "command") || !strcmp(out->v[i], "builtin")))
		i++;
	if (i >= out->n)
		return false;
	const char *c = out->v[i];
	*decl = !strcmp(c, "export") || !strcmp(c, "readonly") ||
		!strcmp(c, "local") || !strcmp(c, "declare") ||
		!strcmp(c, "typeset");
	return true;
}

int sh_expand_words(struct sh *sh, struct word *w, int flags,
		    struct strlist *out)
{
	/* export, readonly and local take assignments as arguments
	 * (declaration utilities, POSIX.1-2024, also behind `command` and
	 * when the name comes from an expansion): tilde after = and :, no
	 * splitting */
	bool decl = false, decided = !(flags & EXP_COMMAND);
	int start = out->n;
	bool braces = (flags & EXP_FULL) && sh_extensions(sh);
	bool in_brace = false;	  /* w is one of a brace expansion's words */
	struct word *rest = NULL; /* and these come after them */
	for (; w; w = next_word(w, &rest, &in_brace)) {
		if (decl && assignment_shaped(w)) {
			sh->lineno = w->lineno ? w->lineno : sh->lineno;
			strlist_add(sh, out,
				    sh_expand_parts(sh, w->parts,
						    EXP_TILDE | EXP_ASSIGN));
			continue;
		}
		struct word *bw;
		if (braces && !in_brace && (bw = sh_brace_expand(sh, w))) {
			/* the expanded words, then on after w */
			rest = w->next;
			in_brace = true;
			w = bw;
		}
		if (simple_literal(w)) {
			strlist_add(sh, out, w->parts->u.lit.text);
		} else {
			struct xbuf x;
			xb_init(&x);
			sh->lineno = w->lineno ? w->lineno : sh->lineno;
			expand_parts(sh, &x, w->parts, flags, false);
			if (flags & EXP_FULL)
				split_fields(sh, &x, out,
					     !sh->opts[OPT_NOGLOB]);
			else
				strlist_add(sh, out, xb_flatten(sh, &x, 0));
			xb_release(&x);
		}
		if (!decided)
			decided = decl_decided(out, start, &decl);
	}
	if (!out->v) {
		out->v = arena_alloc(sh->stack, sizeof(char *));
		out->v[0] = NULL;
	}
	return 0;
}

char *sh_expand_word(struct sh *sh, struct word *w, int flags)
{
	if (simple_literal(w))
		return w->parts->u.lit.text;
	return sh_expand_parts(sh, w->parts, flags);
}

/* PS1, PS4 (sh->recover: an error there does not end a script) and the
 * like: an expansion error frees what this expansion holds before it
 * goes on up, as a shell that goes on would otherwise leak it each time. */
char *sh_expand_string(struct sh *sh, const char *s)
{
	struct arena *a = arena_new();
	struct arena_mark m;
	struct xbuf x;
	jmp_buf jb, *up = sh->jmp;
	bool err;
	char *r = NULL;

	struct wpart *p = sh_parse_dq(sh, a, s, &err);
	if (err) {
		arena_unref(a);
		return NULL;
	}
	arena_mark(sh->stack, &m);
	xb_init(&x);
	if (setjmp(jb)) {
		sh->jmp = up;
		xb_release(&x);
		arena_release(sh->stack, &m);
		arena_unref(a);
		if (!up)
			sh_exit(sh, sh->status);
		longjmp(*up, 1);
	}
	sh->jmp = &jb;
	expand_parts(sh, &x, p, 0, false);
	r = xstrdup(xb_flatten(sh, &x, 0));
	sh->jmp = up;
	xb_release(&x);
	arena_release(sh->stack, &m);
	arena_unref(a);
	return r;
}

bool sh_pmatch(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

/* ------------------------------------------------------------------ */

void sh_quote(struct cs_buf *b, const char *s)
{
	bool plain = *s != 0;

	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_-./=+:,%@^", *p)))
			plain = false;
	if (plain) {
		cs_buf_adds(b, s);
		return;
	}
	cs_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cs_buf_adds(b, "'\\''");
		else
			cs_buf_addc(b, *s);
	}
	cs_buf_addc(b, '\'');
}
