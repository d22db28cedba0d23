// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * buf.c — struct cs_buf, a NUL-terminated growable buffer with an optional
 * cap.  Every appender first checks the cap, then reserves, then copies, so
 * a refused append leaves the buffer exactly as it was.  Also struct
 * cs_strvec, the NULL-terminated string vector.
 */
#include "lib/lib.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

char cs_buf_empty[1];

void cs_buf_init(struct cs_buf *b, size_t cap)
{
	b->buf = cs_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void cs_buf_release(struct cs_buf *b)
{
	if (b->alloc)
		free(b->buf);
	cs_buf_init(b, b->cap);
}

char *cs_buf_detach(struct cs_buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	s = b->alloc ? b->buf : xcalloc(1, 1);
	cs_buf_init(b, b->cap);
	return s;
}

void cs_buf_reset(struct cs_buf *b)
{
	cs_buf_truncate(b, 0);
}

void cs_buf_truncate(struct cs_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->buf[len] = '\0'; /* len < old len, so buf is allocated */
}

/* Checks that n more bytes fit under the cap (and in size_t). */
static int fits(const struct cs_buf *b, size_t n)
{
	if (n > SIZE_MAX - 1 - b->len)
		return -E2BIG;
	if (b->cap && b->len + n > b->cap)
		return -E2BIG;
	return 0;
}

/* Makes room for n more bytes plus the NUL; the cap is checked by callers. */
static void reserve(struct cs_buf *b, size_t n)
{
	size_t need = b->len + n + 1;
	size_t want;

	if (need <= b->alloc)
		return;
	want = b->alloc < 64 ? 64 : b->alloc;
	while (want < need)
		want = want > SIZE_MAX / 2 ? need : want * 2;
	if (b->alloc) {
		b->buf = xrealloc(b->buf, want);
	} else {
		b->buf = xmalloc(want);
		b->buf[0] = '\0';
	}
	b->alloc = want;
}

char *cs_buf_space(struct cs_buf *b, size_t n)
{
	if (fits(b, n) < 0)
		return NULL;
	reserve(b, n);
	return b->buf + b->len;
}

void cs_buf_commit(struct cs_buf *b, size_t m)
{
	b->len += m;
	b->buf[b->len] = '\0';
}

int cs_buf_add(struct cs_buf *b, const void *data, size_t n)
{
	int r = fits(b, n);

	if (r < 0)
		return r;
	if (!n)
		return 0;
	if (b->alloc && (const char *)data >= b->buf &&
	    (const char *)data < b->buf + b->alloc) {
		/* Appending part of ourselves: reserve() may move it. */
		size_t off = (size_t)((const char *)data - b->buf);

		reserve(b, n);
		data = b->buf + off;
	} else {
		reserve(b, n);
	}
	memmove(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int cs_buf_addc(struct cs_buf *b, int c)
{
	char ch = (char)c;

	return cs_buf_add(b, &ch, 1);
}

int cs_buf_adds(struct cs_buf *b, const char *s)
{
	return cs_buf_add(b, s, strlen(s));
}

int cs_buf_add_printable(struct cs_buf *b, const char *p, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] >= 0x80 &&
		    (unsigned char)p[i + 1] <= 0x9f)
			r = cs_buf_addf(b, "\\x%02x", (unsigned char)p[++i]);
		else if (c < 0x20 || c == 0x7f || c == '\\')
			r = cs_buf_addf(b, "\\x%02x", c);
		else
			r = cs_buf_addc(b, (char)c);
	}
	return r;
}

char *cs_printable(const char *s)
{
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_adds(&b, "");
	cs_buf_add_printable(&b, s, strlen(s));
	return cs_buf_detach(&b, NULL);
}

int cs_buf_addf(struct cs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int cs_buf_vaddf(struct cs_buf *b, const char *fmt, va_list ap)
{
	size_t avail = b->alloc ? b->alloc - b->len : 0;
	va_list cp;
	int n;

	/* First try in the space we have; the length tells what is needed. */
	va_copy(cp, ap);
	n = vsnprintf(avail ? b->buf + b->len : NULL, avail, fmt, cp);
	va_end(cp);
	if (n < 0) {
		if (avail)
			b->buf[b->len] = '\0';
		return -EINVAL;
	}
	if (fits(b, (size_t)n) < 0) {
		if (avail)
			b->buf[b->len] = '\0'; /* undo the partial write */
		return -E2BIG;
	}
	if ((size_t)n >= avail) {
		reserve(b, (size_t)n);
		va_copy(cp, ap);
		vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, cp);
		va_end(cp);
	}
	b->len += (size_t)n;
	return 0;
}

ssize_t cs_buf_read_fd(struct cs_buf *b, int fd)
{
	size_t start = b->len;

	for (;;) {
		size_t want = 8192;
		ssize_t n;

		if (b->cap) {
			/* Read one byte past the cap to tell "exactly full"
			 * from "too big". */
			size_t left = b->len < b->cap ? b->cap - b->len : 0;

			if (want > left + 1)
				want = left + 1;
		}
		reserve(b, want);
		n = read(fd, b->buf + b->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			cs_buf_truncate(b, start);
			return -e;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
		if (b->cap && b->len > b->cap) {
			cs_buf_truncate(b, start);
			return -E2BIG;
		}
	}
	return (ssize_t)(b->len - start);
}

void cs_strvec_push_take(struct cs_strvec *sv, char *s)
{
	if (sv->n + 2 > sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void cs_strvec_push(struct cs_strvec *sv, const char *s)
{
	cs_strvec_push_take(sv, xstrdup(s));
}

void cs_strvec_release(struct cs_strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

int cs_cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **cs_strvec_detach(struct cs_strvec *sv)
{
	char **v = sv->v ? sv->v : xcalloc(1, sizeof(*v));

	sv->v = NULL;
	sv->n = sv->alloc = 0;
	return v;
}
