// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * alloc.c — allocation wrappers that never return NULL, and the cleanup
 * helpers used by _cleanup_free_ and friends.  Running out of memory is not
 * an error a caller can handle usefully, so it ends the process loudly.
 */
#include "lib/lib.h"

#include <errno.h>
#include <string.h>

static void __attribute__((noreturn)) oom(size_t n)
{
	/* No allocation here: we are out of memory. */
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n",
		cs_log_prog(), n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (errno == ENOMEM)
			oom(0);
		/* An invalid format is a programming error. */
		fprintf(stderr, "%s: bad format string '%s'\n", cs_log_prog(),
			fmt);
		abort();
	}
	return s;
}

void cs_freep(void *p)
{
	free(*(void **)p);
}

void cs_closep(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

void cs_fclosep(FILE **f)
{
	int saved = errno;

	if (*f)
		fclose(*f);
	errno = saved;
}
