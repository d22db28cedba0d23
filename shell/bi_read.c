/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bi_read.c — `read [-r] [-p PROMPT] NAME…`: one line from standard
 * input, read a byte at a time so nothing past the newline is consumed
 * (the rest belongs to the commands that follow), split by IFS into the
 * names, the last taking the rest of the line.  Without -r a backslash
 * quotes the next character and backslash-newline continues the line.
 */
#include <errno.h>
#include <string.h>

#include "shell/builtin_i.h"

#define READ_CAP (64u << 20)

int bi_read(struct sh *sh, int argc, char **argv)
{
	bool raw = false;
	const char *prompt = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-r")) {
			raw = true;
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			prompt = argv[++i];
		} else {
			sh_err(sh, "read: unknown option '%s'", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		sh_err(sh, "read: usage: read [-r] [-p PROMPT] NAME...");
		return 2;
	}
	char **names = argv + i;
	int nnames = argc - i;
	for (int k = 0; k < nnames; k++) {
		if (!sh_isname(names[k])) {
			sh_err(sh, "read: '%s': not a valid name", names[k]);
			return 2;
		}
	}
	if (prompt && isatty(0)) {
		fputs(prompt, stderr);
		fflush(stderr);
	}

	/* the line, with a parallel "escaped" flag per byte */
	struct cs_buf line = CS_BUF_INIT, esc = CS_BUF_INIT;
	cs_buf_init(&line, READ_CAP);
	cs_buf_init(&esc, READ_CAP);
	int status = 0;
	bool quote = false;
	for (;;) {
		char c;
		ssize_t n = read(0, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sh_err(sh, "read: %s", strerror(errno));
			status = 2;
			break;
		}
		if (n == 0) {
			status = 1;
			break;
		}
		if (quote) {
			quote = false;
			if (c == '\n')
				continue;
			if (cs_buf_addc(&line, c) < 0 ||
			    cs_buf_addc(&esc, 1) < 0)
				goto toolong;
			continue;
		}
		if (c == '\\' && !raw) {
			quote = true;
			continue;
		}
		if (c == '\n')
			break;
		if (c == 0)
			continue;
		if (cs_buf_addc(&line, c) < 0 || cs_buf_addc(&esc, 0) < 0)
			goto toolong;
	}

	const char *ifs = sh_getvar(sh, "IFS");
	if (!ifs)
		ifs = " \t\n";
#define ISIFS(k) (!esc.buf[k] && line.buf[k] && strchr(ifs, line.buf[k]))
#define ISWS(k) (ISIFS(k) && strchr(" \t\n", line.buf[k]))
	size_t pos = 0, len = line.len;
	while (pos < len && ISWS(pos))
		pos++;
	for (int k = 0; k < nnames; k++) {
		size_t start = pos, end;
		if (k == nnames - 1) {
			/* the rest, less trailing IFS white space (even
			 * escaped, as dash and bash do) */
			end = len;
			while (end > start && line.buf[end - 1] &&
			       strchr(ifs, line.buf[end - 1]) &&
			       strchr(" \t\n", line.buf[end - 1]))
				end--;
			/* "y:" and "y :" are one field: the delimiter that
			 * ends it goes, as field splitting would drop it */
			if (end > start && ISIFS(end - 1) && !ISWS(end - 1)) {
				size_t e = end - 1, q = start;
				while (e > start && ISWS(e - 1))
					e--;
				while (q < e && !ISIFS(q))
					q++;
				if (q == e)
					end = e;
			}
			pos = len;
		} else {
			while (pos < len && !ISIFS(pos))
				pos++;
			end = pos;
			if (pos < len) {
				bool ws = ISWS(pos);
				pos++;
				while (pos < len && ISWS(pos))
					pos++;
				if (ws && pos < len && ISIFS(pos) &&
				    !ISWS(pos)) {
					pos++;
					while (pos < len && ISWS(pos))
						pos++;
				}
			}
		}
		char *val = xstrndup(line.buf + start, end - start);
		int r = sh_setvar(sh, names[k], val, 0);
		free(val);
		if (r < 0) {
			status = 2;
			break;
		}
	}
#undef ISIFS
#undef ISWS
	cs_buf_release(&line);
	cs_buf_release(&esc);
	return status;
toolong:
	sh_err(sh, "read: line longer than %u bytes", READ_CAP);
	cs_buf_release(&line);
	cs_buf_release(&esc);
	return 2;
}

SH_BUILTIN(read) = {
	.b = { "read", bi_read, false },
	.usage = "read [-r] [-p PROMPT] NAME...",
	.what = "read a line into variables",
};
