/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_printf.c — `printf FORMAT [ARG…]` (XCU printf): conversions
 * d i o u x X c s b e E f F g G a A and %%, flags, width and precision
 * (also *), escapes in the format, the format reused while arguments
 * remain, 'c / "c arguments as character codes (code points when the
 * locale variables name UTF-8, as in bash; dash gives the first byte).
 * A bad number is reported, printed as far as it goes, and makes the
 * status 1.  bash's additions, which POSIX leaves unspecified: -v NAME
 * (assign instead of print), %q (quoted for the shell), %(FMT)T
 * (strftime) and the escapes \xHH \uHHHH \UHHHHHHHH.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "shell/builtin_i.h"

struct pf {
	struct sh *sh;
	char **args;
	int nargs, next;
	int status;
};

static const char *take(struct pf *p)
{
	return p->next < p->nargs ? p->args[p->next++] : NULL;
}

/* Reports an argument that is not (completely) a number, like dash. */
static void bad_number(struct pf *p, const char *s, const char *end)
{
	sh_err(p->sh, "printf: %s: %s", s,
	       end == s ? "expected numeric value" :
	       *end	? "not completely converted" :
			  strerror(ERANGE));
	p->status = 1;
}

/* The locale's codeset is UTF-8 (LC_ALL, else LC_CTYPE, else LANG). */
static bool utf8_locale(struct sh *sh)
{
	static const char *const names[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < CS_ARRAY_SIZE(names); i++) {
		const char *v = sh_getvar(sh, names[i]);
		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

/* The value of the character at s for a 'c argument: its code point when
 * the codeset is UTF-8 and s starts with a well-formed, shortest sequence,
 * else its first byte. */
static intmax_t char_code(struct sh *sh, const unsigned char *s)
{
	int len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	intmax_t v = len == 1 ? s[0] : s[0] & (0x7f >> len);

	if (len == 1 || s[0] >= 0xf8 || !utf8_locale(sh))
		return s[0];
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return s[0];
		v = v << 6 | (s[i] & 0x3f);
	}
	/* an overlong form is no character either (bash) */
	if (v < (len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000))
		return s[0];
	return v;
}

/* The next argument as a number: like dash, strtoimax() for %d and
 * widths (saturating, with an error), strtoumax() for %o %u %x. */
static intmax_t take_int(struct pf *p, bool uns)
{
	const char *s = take(p);
	char *end;

	if (!s || !*s)
		return 0;
	if (s[0] == '\'' || s[0] == '"')
		return char_code(p->sh, (const unsigned char *)s + 1);
	errno = 0;
	intmax_t v;
	if (uns)
		v = (intmax_t)strtoumax(s, &end, 0);
	else
		v = strtoimax(s, &end, 0);
	if (*end || errno)
		bad_number(p, s, end);
	return v;
}

static double take_float(struct pf *p)
{
	const char *s = take(p);
	char *end;

	if (!s || !*s)
		return 0;
	if (s[0] == '\'' || s[0] == '"')
		return char_code(p->sh, (const unsigned char *)s + 1);
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno)
		bad_number(p, s, end);
	return v;
}

/* Decodes one backslash escape of the format at *f (after the '\'). */
static const char *fmt_escape(const char *f)
{
	/* escape letter, then the byte it stands for */
	static const char simple[] = "a\ab\be\033f\fn\nr\rt\tv\v\\\\\"\"''";
	int v = 0, k = 0;

	for (const char *e = simple; *f && *e; e += 2) {
		if (*e == *f) {
			putchar(e[1]);
			return f + 1;
		}
	}
	if (!*f) {
		putchar('\\');
		return f;
	}
	if (*f == 'x' || *f == 'u' || *f == 'U') {
		size_t len = sh_put_hex_escape(f);
		if (len)
			return f + len;
	}
	if (*f >= '0' && *f <= '7') {
		while (k < 3 && *f >= '0' && *f <= '7') {
			v = v * 8 + (*f++ - '0');
			k++;
		}
		putchar(v & 0xff);
		return f;
	}
	putchar('\\');
	putchar(*f);
	return f + 1;
}

/* %q: s quoted for reuse as shell input, as bash does: $'…' when it has
 * control characters, else backslashes before the special ones. */
static void shell_quote(struct cs_buf *b, const char *s)
{
	bool ctl = false;

	if (!*s) {
		cs_buf_adds(b, "''");
		return;
	}
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		ctl |= *c < 0x20 || *c == 0x7f;
	if (ctl) {
		static const char esc[] = "\aa\bb\033e\ff\nn\rr\tt\vv";
		cs_buf_adds(b, "$'");
		for (const unsigned char *c = (const unsigned char *)s; *c;
		     c++) {
			const char *e = *c ? strchr(esc, *c) : NULL;
			if (*c == '\\' || *c == '\'')
				cs_buf_addf(b, "\\%c", *c);
			else if (e && (e - esc) % 2 == 0)
				cs_buf_addf(b, "\\%c", e[1]);
			else if (*c < 0x20 || *c == 0x7f)
				cs_buf_addf(b, "\\%03o", *c);
			else
				cs_buf_addc(b, *c);
		}
		cs_buf_addc(b, '\'');
		return;
	}
	for (const char *c = s; *c; c++) {
		if (strchr(" \t\n'\"\\|&;()<>!{},*[?]^$`", *c) ||
		    (*c == '~' && (c == s || c[-1] == '=' || c[-1] == ':')) ||
		    (*c == '#' && c == s))
			cs_buf_addc(b, '\\');
		cs_buf_addc(b, *c);
	}
}

/* %(FMT)T: strftime(3) of the argument's seconds (-1 or none: now), in
 * the time zone of the exported TZ, as the programs the shell runs see
 * it (not the shell's own environment). */
static void format_time(struct pf *p, const char *tfmt, char *out, size_t n)
{
	const char *arg = p->next < p->nargs ? p->args[p->next] : NULL;
	intmax_t secs = -1;

	if (arg && *arg)
		secs = take_int(p, false);
	else
		p->next += arg != NULL;
	time_t t = secs < 0 ? time(NULL) : (time_t)secs;
	const char *tz = sh_getenv(p->sh, "TZ");
	const char *cur = getenv("TZ");
	char *old = cur ? xstrdup(cur) : NULL;
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	struct tm tm;
	out[0] = 0;
	if (localtime_r(&t, &tm) && !strftime(out, n, tfmt, &tm))
		out[0] = 0;
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	tzset();
}

/* printf of one conversion with the * width and precision taken so far */
#define PRINT_SPEC(v)                                                          \
	(ni == 2 ? printf(spec, ints[0], ints[1], v) :                         \
	 ni == 1 ? printf(spec, ints[0], v) :                                  \
		   printf(spec, v))

/* One pass over the format.  Returns false when output must stop (\c). */
static bool one_pass(struct pf *p, const char *f)
{
	while (*f) {
		if (*f == '\\') {
			f = fmt_escape(f + 1);
			continue;
		}
		if (*f != '%') {
			putchar(*f++);
			continue;
		}
		if (f[1] == '%') {
			putchar('%');
			f += 2;
			continue;
		}
		/* collect the conversion spec */
		char spec[64];
		size_t n = 0;
		const char *start = f++;
		spec[n++] = '%';
		while (*f && strchr("-+ #0", *f) && n < 40)
			spec[n++] = *f++;
		int ints[2], ni = 0;
		for (int part = 0; part < 2; part++) {
			if (part == 1) {
				if (*f != '.')
					break;
				spec[n++] = *f++;
			}
			if (*f == '*') {
				intmax_t w = take_int(p, false);
				ints[ni++] = w > INT_MAX  ? INT_MAX :
					     w < -INT_MAX ? -INT_MAX :
							    (int)w;
				spec[n++] = '*';
				f++;
			} else {
				while (*f >= '0' && *f <= '9' && n < 50)
					spec[n++] = *f++;
			}
		}
		char conv = *f;
		const char *tfmt = NULL;
		size_t tlen = 0;
		if (conv == '(' && strstr(f, ")T")) {
			/* bash's %(FMT)T */
			tfmt = f + 1;
			tlen = strstr(f, ")T") - tfmt;
			f += tlen + 2;
			conv = 'T';
		} else if (!conv || !strchr("diouxXcsbqeEfFgGaA", conv)) {
			/* status 1 as in bash (dash: 2; POSIX: >0) */
			sh_err(p->sh, "printf: %.*s: invalid directive",
			       (int)(f - start + (conv ? 1 : 0)), start);
			p->status = 1;
			return false;
		}
		f++;
		switch (conv) {
		case 'T': {
			char tf[256], out[512];
			snprintf(tf, sizeof(tf), "%.*s", (int)tlen, tfmt);
			format_time(p, tf, out, sizeof(out));
			spec[n++] = 's';
			spec[n] = 0;
			PRINT_SPEC(out);
			break;
		}
		case 'q': {
			const char *s = take(p);
			struct cs_buf b = CS_BUF_INIT;
			shell_quote(&b, s ? s : "");
			spec[n++] = 's';
			spec[n] = 0;
			PRINT_SPEC(b.buf);
			cs_buf_release(&b);
			break;
		}
		case 'd':
		case 'i': {
			intmax_t v = take_int(p, false);
			memcpy(spec + n, PRIdMAX, strlen(PRIdMAX) + 1);
			PRINT_SPEC(v);
			break;
		}
		case 'o':
		case 'u':
		case 'x':
		case 'X': {
			uintmax_t v = (uintmax_t)take_int(p, true);
			const char *m = conv == 'o' ? PRIoMAX :
					conv == 'u' ? PRIuMAX :
					conv == 'x' ? PRIxMAX :
						      PRIXMAX;
			memcpy(spec + n, m, strlen(m) + 1);
			PRINT_SPEC(v);
			break;
		}
		case 'c': {
			const char *s = take(p);
			spec[n++] = 'c';
			spec[n] = 0;
			/* an empty or missing argument prints a NUL, as in dash */
			int c = s ? (unsigned char)s[0] : 0;
			PRINT_SPEC(c);
			break;
		}
		case 's': {
			const char *s = take(p);
			spec[n++] = 's';
			spec[n] = 0;
			if (!s)
				s = "";
			PRINT_SPEC(s);
			break;
		}
		case 'b': {
			const char *s = take(p);
			if (!s)
				s = "";
			/* padding around %b: format into a buffer first */
			char *buf = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&buf, &len);
			FILE *save = stdout;
			bool go = true;
			if (mem) {
				stdout = mem;
				go = sh_print_escaped(s, true);
				fflush(mem);
				stdout = save;
				fclose(mem);
			}
			spec[n++] = 's';
			spec[n] = 0;
			PRINT_SPEC(buf ? buf : "");
			free(buf);
			if (!go)
				return false;
			break;
		}
		default: {
			double v = take_float(p);
			spec[n++] = conv;
			spec[n] = 0;
			PRINT_SPEC(v);
			break;
		}
		}
	}
	return true;
}

static bool has_conversion(const char *f)
{
	for (; *f; f++) {
		if (*f == '\\' && f[1]) {
			f++;
			continue;
		}
		if (*f == '%') {
			if (f[1] == '%') {
				f++;
				continue;
			}
			return true;
		}
	}
	return false;
}

/* The passes over the format while arguments remain; the status. */
static int run_format(struct pf *p, const char *fmt)
{
	do {
		if (!one_pass(p, fmt))
			break;
	} while (p->next < p->nargs && p->next > 0 && has_conversion(fmt));
	return p->status;
}

/* bash's `printf -v NAME`: the output assigned to NAME, not printed. */
static int printf_to_var(struct pf *p, const char *name, const char *fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem) {
		sh_err(p->sh, "printf: %s", strerror(errno));
		return 1;
	}
	FILE *save = stdout;
	stdout = mem;
	int st = run_format(p, fmt);
	fflush(mem);
	stdout = save;
	fclose(mem);
	if (sh_setvar(p->sh, name, buf ? buf : "", 0) < 0)
		st = 1;
	free(buf);
	return st;
}

int bi_printf(struct sh *sh, int argc, char **argv)
{
	struct pf p = { .sh = sh };
	const char *var = NULL;
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "-v")) {
		sh_err(sh, "printf: -v: needs a variable name");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[1], "-v")) {
		var = argv[2];
		i = 3;
		if (!sh_isname(var)) {
			sh_err(sh, "printf: '%s': not a valid variable name",
			       var);
			return 2;
		}
	}
	if (argc > i && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		sh_err(sh, "printf: usage: printf FORMAT [ARGUMENT...]");
		return 2;
	}
	const char *fmt = argv[i++];
	p.args = argv + i;
	p.nargs = argc - i;
	return var ? printf_to_var(&p, var, fmt) : run_format(&p, fmt);
}

SH_BUILTIN(printf) = {
	.b = { "printf", bi_printf, false },
	.own_help = true,
	.usage = "printf [-v NAME] FORMAT [ARG...]",
	.what = "formatted output",
};
