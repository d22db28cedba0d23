// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * uplock.c — Cshellfile.lock, the text file `up` writes next to a
 * Cshellfile: the digest `from` resolved to and each build step's cache
 * key and layer digest, in step order, so the same lines come out of the
 * same inputs.  The parser takes any bytes (the file is the user's, and
 * it is fuzzed: tests/fuzz/fuzz_up_lock.c) and refuses what it does not
 * know with the line number.
 *
 *     # comment
 *     version 1
 *     from REF DIGEST        REF "-" without from (the host root)
 *     kernel SPEC DIGEST     only with `kernel`: its file's sha256
 *     step KIND KEY DIGEST   KIND run or copy
 */
#include <errno.h>
#include <string.h>

#include "shell/up_i.h"

#define LOCK_MAX_LINE 4096
#define LOCK_MAX_STEPS 4096

void up_lock_release(struct up_lock *l)
{
	free(l->from);
	free(l->from_digest);
	free(l->kernel);
	free(l->kernel_digest);
	for (size_t i = 0; i < l->nsteps; i++) {
		free(l->steps[i].kind);
		free(l->steps[i].key);
		free(l->steps[i].digest);
	}
	free(l->steps);
	memset(l, 0, sizeof(*l));
}

static int is_digest(const char *s)
{
	if (strncmp(s, "sha256:", 7) || strlen(s) != 71)
		return 0;
	return strspn(s + 7, "0123456789abcdef") == 64;
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Splits line (modified) at spaces into at most max fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	for (char *p = line; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		f[n++] = p;
		p += strcspn(p, " ");
		if (*p)
			*p++ = 0;
	}
	return n;
}

static int bad_line(struct up_lock *l, int lineno, struct cs_error *err)
{
	up_lock_release(l);
	cs_error_set(err, EINVAL,
		     "Cshellfile.lock:%d: not a lock line: delete the file and "
		     "run 'cshell up' to write it again",
		     lineno);
	return -1;
}

int up_lock_parse(struct up_lock *l, const char *text, size_t len,
		  struct cs_error *err)
{
	int lineno = 0, version = 0;

	memset(l, 0, sizeof(*l));
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		char *f[5];
		int nf;

		lineno++;
		/* no control bytes: a lock fetched from another host (`up
		 * --on`) has its fields printed on this host's terminal */
		if (n > LOCK_MAX_LINE || has_control(text + pos, n))
			return bad_line(l, lineno, err);
		_cleanup_free_ char *line = xstrndup(text + pos, n);
		pos += n + (nl ? 1 : 0);
		if (line[0] == '#')
			continue;
		nf = split(line, f, 4);
		if (nf == 0)
			continue;
		if (!strcmp(f[0], "version") && nf == 2 && !version) {
			if (strcmp(f[1], "1")) {
				up_lock_release(l);
				cs_error_set(
					err, EINVAL,
					"Cshellfile.lock:%d: version %.16s "
					"is newer than this cshell knows",
					lineno, f[1]);
				return -1;
			}
			version = 1;
		} else if (!version) {
			break;
		} else if (!strcmp(f[0], "from") && nf == 3 && !l->from &&
			   !l->nsteps &&
			   (is_digest(f[2]) || !strcmp(f[2], "-"))) {
			l->from = xstrdup(f[1]);
			l->from_digest = xstrdup(f[2]);
		} else if (!strcmp(f[0], "kernel") && nf == 3 && l->from &&
			   !l->kernel && !l->nsteps && is_digest(f[2])) {
			l->kernel = xstrdup(f[1]);
			l->kernel_digest = xstrdup(f[2]);
		} else if (!strcmp(f[0], "step") && nf == 4 &&
			   (!strcmp(f[1], "run") || !strcmp(f[1], "copy")) &&
			   is_digest(f[2]) && is_digest(f[3]) &&
			   l->nsteps < LOCK_MAX_STEPS) {
			l->steps = xrealloc(
				l->steps, (l->nsteps + 1) * sizeof(*l->steps));
			l->steps[l->nsteps].kind = xstrdup(f[1]);
			l->steps[l->nsteps].key = xstrdup(f[2]);
			l->steps[l->nsteps].digest = xstrdup(f[3]);
			l->nsteps++;
		} else {
			return bad_line(l, lineno, err);
		}
	}
	if (!version) {
		up_lock_release(l);
		cs_error_set(err, EINVAL,
			     "Cshellfile.lock:%d: no 'version 1' line first: "
			     "delete the file and run 'cshell up' to write it "
			     "again",
			     lineno);
		return -1;
	}
	return 0;
}

void up_lock_format(const struct up_lock *l, struct cs_buf *out)
{
	cs_buf_adds(out, "# Cshellfile.lock: written by 'cshell up'; keep it "
			 "with the Cshellfile\nversion 1\n");
	cs_buf_addf(out, "from %s %s\n", l->from ? l->from : "-",
		    l->from_digest ? l->from_digest : "-");
	if (l->kernel)
		cs_buf_addf(out, "kernel %s %s\n", l->kernel, l->kernel_digest);
	for (size_t i = 0; i < l->nsteps; i++)
		cs_buf_addf(out, "step %s %s %s\n", l->steps[i].kind,
			    l->steps[i].key, l->steps[i].digest);
}
