/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * loop.c — a small event loop in the manner of redis' ae.c: readable file
 * events and one-shot (or rescheduled) timers, over poll(2).  A fan-out has
 * at most a few hundred descriptors, so poll's linear scan costs nothing
 * next to the ssh processes behind them.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "scheduler/sched_i.h"

struct fd_event {
	int fd;
	sch_fd_fn fn;
	void *data;
};

struct timer {
	int64_t id, when;
	sch_timer_fn fn;
	void *data;
};

struct sch_loop {
	struct fd_event *fds;
	size_t nfds, afds;
	struct timer *timers;
	size_t ntimers, atimers;
	int64_t next_id;
	int stop;
};

int64_t sch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sch_loop *sch_loop_new(void)
{
	struct sch_loop *l = xcalloc(1, sizeof(*l));

	l->next_id = 1;
	return l;
}

void sch_loop_free(struct sch_loop *l)
{
	if (!l)
		return;
	free(l->fds);
	free(l->timers);
	free(l);
}

void sch_loop_add_fd(struct sch_loop *l, int fd, sch_fd_fn fn, void *data)
{
	if (l->nfds == l->afds) {
		l->afds = l->afds ? 2 * l->afds : 16;
		l->fds = xrealloc(l->fds, l->afds * sizeof(*l->fds));
	}
	l->fds[l->nfds++] = (struct fd_event){ fd, fn, data };
}

void sch_loop_del_fd(struct sch_loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd) {
			/* marked, compacted after the poll round: a callback
			 * may delete entries the round still walks */
			l->fds[i].fd = -1;
			return;
		}
}

int64_t sch_loop_add_timer(struct sch_loop *l, int64_t ms, sch_timer_fn fn,
			   void *data)
{
	if (l->ntimers == l->atimers) {
		l->atimers = l->atimers ? 2 * l->atimers : 16;
		l->timers =
			xrealloc(l->timers, l->atimers * sizeof(*l->timers));
	}
	l->timers[l->ntimers++] =
		(struct timer){ l->next_id, sch_now_ms() + ms, fn, data };
	return l->next_id++;
}

void sch_loop_del_timer(struct sch_loop *l, int64_t id)
{
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id) {
			l->timers[i].fn = NULL;
			return;
		}
}

void sch_loop_stop(struct sch_loop *l)
{
	l->stop = 1;
}

static void compact(struct sch_loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd >= 0)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
	j = 0;
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].fn)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
}

/* Runs the timers that are due; returns ms until the next one, or -1. */
static int run_timers(struct sch_loop *l)
{
	int64_t now = sch_now_ms(), next = -1;
	size_t n = l->ntimers;

	/* timers added by callbacks wait for the next round */
	for (size_t i = 0; i < n && !l->stop; i++) {
		struct timer *t = &l->timers[i];
		int64_t again;

		if (!t->fn || t->when > now)
			continue;
		again = t->fn(l, t->id, t->data);
		t = &l->timers[i]; /* the array may have moved */
		if (again < 0 || !t->fn)
			t->fn = NULL;
		else
			t->when = sch_now_ms() + again;
	}
	compact(l);
	now = sch_now_ms();
	for (size_t i = 0; i < l->ntimers; i++) {
		int64_t d = l->timers[i].when - now;

		if (d < 0)
			d = 0;
		if (next < 0 || d < next)
			next = d;
	}
	return next > 100000 ? 100000 : (int)next;
}

void sch_loop_run(struct sch_loop *l)
{
	struct pollfd *pf = NULL;
	size_t apf = 0;

	l->stop = 0;
	while (!l->stop) {
		int timeout = run_timers(l), r;
		size_t n = l->nfds;

		if (l->stop || (!n && timeout < 0))
			break;
		if (n > apf) {
			apf = n;
			pf = xrealloc(pf, apf * sizeof(*pf));
		}
		for (size_t i = 0; i < n; i++)
			pf[i] = (struct pollfd){ l->fds[i].fd, POLLIN, 0 };
		r = poll(pf, n, timeout);
		if (r < 0 && errno != EINTR)
			break;
		for (size_t i = 0; r > 0 && i < n && !l->stop; i++) {
			if (!pf[i].revents || l->fds[i].fd != pf[i].fd)
				continue;
			l->fds[i].fn(l, pf[i].fd, l->fds[i].data);
		}
		compact(l);
	}
	free(pf);
}
