/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_echo.c — `echo` as dash does it (XSI): -n as the first argument only,
 * backslash escapes always interpreted, \c ends all output.  With the
 * extensions on (not --posix), leading -n -e -E words (and clusters of
 * them, as in bash) are options: -E turns the escapes off, -e back on.
 * Also the escape decoders shared with printf's %b and format.
 */
#include <ctype.h>
#include <string.h>

#include "shell/builtin_i.h"

static void put_utf8(unsigned long cp)
{
	if (cp < 0x80) {
		putchar((int)cp);
	} else if (cp < 0x800) {
		putchar((int)(0xc0 | cp >> 6));
		putchar((int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		putchar((int)(0xe0 | cp >> 12));
		putchar((int)(0x80 | (cp >> 6 & 0x3f)));
		putchar((int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x110000) {
		putchar((int)(0xf0 | cp >> 18));
		putchar((int)(0x80 | (cp >> 12 & 0x3f)));
		putchar((int)(0x80 | (cp >> 6 & 0x3f)));
		putchar((int)(0x80 | (cp & 0x3f)));
	}
}

size_t sh_put_hex_escape(const char *s)
{
	int max = *s == 'x' ? 2 : *s == 'u' ? 4 : 8;
	unsigned long v = 0;
	int k = 1;

	for (; k <= max && isxdigit((unsigned char)s[k]); k++) {
		int c = tolower((unsigned char)s[k]);
		int d = isdigit(c) ? c - '0' : c - 'a' + 10;
		v = v * 16 + (unsigned long)d;
	}
	if (k == 1)
		return 0;
	if (*s == 'x')
		putchar((int)v);
	else
		put_utf8(v);
	return k;
}

/* Writes s with XSI escapes decoded.  Returns false after \c. */
bool sh_print_escaped(const char *s, bool hex)
{
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			putchar(*s);
			continue;
		}
		s++;
		switch (*s) {
		case 'a':
			putchar('\a');
			break;
		case 'b':
			putchar('\b');
			break;
		case 'c':
			return false;
		case 'e':
			putchar(033);
			break;
		case 'f':
			putchar('\f');
			break;
		case 'n':
			putchar('\n');
			break;
		case 'r':
			putchar('\r');
			break;
		case 't':
			putchar('\t');
			break;
		case 'v':
			putchar('\v');
			break;
		case '\\':
			putchar('\\');
			break;
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7': {
			int v = 0, k = 0;
			if (*s == '0')
				s++;
			while (k < 3 && *s >= '0' && *s <= '7') {
				v = v * 8 + (*s++ - '0');
				k++;
			}
			s--;
			putchar(v & 0xff);
			break;
		}
		case 'x':
		case 'u':
		case 'U': {
			size_t k = hex ? sh_put_hex_escape(s) : 0;
			if (k) {
				s += k - 1;
				break;
			}
		}
			/* fall through */
		default:
			putchar('\\');
			putchar(*s);
			break;
		}
	}
	return true;
}

int bi_echo(struct sh *sh, int argc, char **argv)
{
	int i = 1;
	bool nl = true, esc = true;

	if (!sh_extensions(sh)) {
		if (argc > 1 && !strcmp(argv[1], "-n")) {
			nl = false;
			i++;
		}
	} else {
		for (; i < argc && argv[i][0] == '-' && argv[i][1] &&
		       !argv[i][strspn(argv[i] + 1, "neE") + 1];
		     i++) {
			for (const char *c = argv[i] + 1; *c; c++) {
				if (*c == 'n')
					nl = false;
				else
					esc = *c == 'e';
			}
		}
	}
	for (; i < argc; i++) {
		if (!esc)
			fputs(argv[i], stdout);
		else if (!sh_print_escaped(argv[i], false))
			return 0;
		if (i + 1 < argc)
			putchar(' ');
	}
	if (nl)
		putchar('\n');
	return 0;
}

SH_BUILTIN(echo) = {
	.b = { "echo", bi_echo, false },
	.own_help = true,
	.usage = "echo [-n] [ARG...]",
	.what = "print arguments (backslash escapes are interpreted)",
};
