/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * arena.c — bump allocation for the interpreter.  Parse trees live in a
 * reference-counted arena (a function definition keeps its arena alive);
 * per-command expansion results live on one arena per shell that is reset
 * to a mark after each command, like dash's stack marks.
 */
#include <string.h>

#include "shell/shell_i.h"

#define ABLOCK_MIN 4032

struct ablock {
	struct ablock *prev;
	size_t size, used;
	max_align_t data[];
};

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof(*a));
	a->refs = 1;
	return a;
}

void arena_ref(struct arena *a)
{
	a->refs++;
}

void arena_unref(struct arena *a)
{
	if (!a || --a->refs > 0)
		return;
	while (a->head) {
		struct ablock *p = a->head->prev;
		free(a->head);
		a->head = p;
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct ablock *b = a->head;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!b || b->size - b->used < n) {
		size_t sz = n > ABLOCK_MIN ? n : ABLOCK_MIN;
		b = xmalloc(sizeof(*b) + sz);
		b->size = sz;
		b->used = 0;
		b->prev = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	return memset(arena_alloc(a, n), 0, n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_mark(struct arena *a, struct arena_mark *m)
{
	m->block = a->head;
	m->used = a->head ? a->head->used : 0;
}

void arena_release(struct arena *a, const struct arena_mark *m)
{
	while (a->head && a->head != m->block) {
		struct ablock *p = a->head->prev;
		free(a->head);
		a->head = p;
	}
	if (a->head)
		a->head->used = m->used;
}
