/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * input.c — where the lexer's characters come from: a stack of sources.
 * The bottom one is the script, a -c string, standard input or the
 * terminal (refilled a line at a time); alias expansions and eval'ed
 * strings are pushed on top and popped when exhausted.
 *
 * Standard input shared with the commands the script runs is read one
 * byte at a time, so `read` in the script sees the lines after it.
 */
#include <errno.h>
#include <string.h>

#include "shell/shell_i.h"
#include "shell/interactive_i.h"

#define LINE_CAP (64u << 20)

static struct source *src_new(struct sh *sh)
{
	struct source *s = xcalloc(1, sizeof(*s));
	s->prev = sh->src;
	s->fd = -1;
	s->lineno = 1;
	sh->src = s;
	return s;
}

void src_push_string(struct sh *sh, const char *str, size_t len, int lineno)
{
	struct source *s = src_new(sh);
	s->buf = (char *)str;
	s->len = len;
	s->borrowed = true;
	s->lineno = lineno;
}

void src_push_alias(struct sh *sh, struct alias *a)
{
	struct source *s = src_new(sh);
	s->buf = a->value;
	s->len = strlen(a->value);
	s->borrowed = true;
	s->alias = a;
	a->in_use = true;
	s->lineno = s->prev ? s->prev->lineno : 1;
}

void src_push_replay(struct sh *sh, char *text, size_t len, int lineno)
{
	struct source *s = src_new(sh);
	s->buf = text;
	s->len = len;
	s->replay = true;
	s->lineno = lineno;
}

void src_push_fd(struct sh *sh, int fd, bool line_at_a_time)
{
	struct source *s = src_new(sh);
	s->fd = fd;
	s->line_at_a_time = line_at_a_time;
	s->buf = NULL;
}

void src_push_interactive(struct sh *sh)
{
	struct source *s = src_new(sh);
	s->interactive = true;
}

void src_pop(struct sh *sh)
{
	struct source *s = sh->src;

	if (!s)
		return;
	if (s->alias)
		s->alias->in_use = false;
	if (!s->borrowed)
		free(s->buf);
	sh->src = s->prev;
	free(s);
}

/* Reads the next chunk into s->buf.  Returns false at end of input. */
static bool refill(struct sh *sh, struct source *s)
{
	struct cs_buf b = CS_BUF_INIT;

	if (s->eof)
		return false;
	if (s->interactive) {
		char *line = sh_readline(sh);
		if (!line) {
			s->eof = true;
			return false;
		}
		free(s->buf);
		s->buf = line;
		s->len = strlen(line);
		s->pos = 0;
		return true;
	}
	if (s->fd < 0) {
		s->eof = true;
		return false;
	}
	cs_buf_init(&b, LINE_CAP);
	if (s->line_at_a_time) {
		for (;;) {
			char c;
			ssize_t n = read(s->fd, &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (cs_buf_addc(&b, c) < 0)
				break;
			if (c == '\n')
				break;
		}
	} else {
		char chunk[65536];
		ssize_t n;
		do
			n = read(s->fd, chunk, sizeof(chunk));
		while (n < 0 && errno == EINTR);
		if (n > 0)
			cs_buf_add(&b, chunk, n);
	}
	if (b.len == 0) {
		cs_buf_release(&b);
		s->eof = true;
		return false;
	}
	free(s->buf);
	s->len = b.len;
	s->buf = cs_buf_detach(&b, NULL);
	s->pos = 0;
	if (sh->opts[OPT_VERBOSE]) {
		fwrite(s->buf, 1, s->len, stderr);
		fflush(stderr);
	}
	return true;
}

int src_getc(struct sh *sh)
{
	struct source *s = sh->src;

	for (;;) {
		if (!s)
			return EOF;
		if (s->pos < s->len) {
			unsigned char c = s->buf[s->pos++];
			if (c == '\n')
				s->lineno++;
			/* an alias's text is not: its name is */
			if (sh->src_record && !s->alias)
				cs_buf_addc(sh->src_record, c);
			return c;
		}
		if (s->alias || s->replay) {
			/* an alias text ends: continue in what lies beneath */
			src_pop(sh);
			s = sh->src;
			continue;
		}
		if (!refill(sh, s))
			return EOF;
	}
}

void src_ungetc(struct sh *sh, int c)
{
	struct source *s = sh->src;

	if (c == EOF || !s || s->pos == 0)
		return;
	s->pos--;
	if (c == '\n')
		s->lineno--;
	if (sh->src_record && !s->alias && sh->src_record->len)
		sh->src_record->buf[--sh->src_record->len] = '\0';
}

const char *src_peek(struct sh *sh, size_t *len)
{
	struct source *s = sh->src;

	*len = s && s->buf ? s->len - s->pos : 0;
	return *len ? s->buf + s->pos : "";
}

int src_lineno(struct sh *sh)
{
	struct source *s = sh->src;

	while (s && s->alias)
		s = s->prev;
	return s ? s->lineno : 0;
}
