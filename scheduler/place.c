/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * place.c — where a sandbox should go: filter, then score (the shape of
 * the Kubernetes scheduler).  A pure function over probe results, so that
 * it is tested without any host, and so that its answer can be explained:
 * every candidate that does not fit carries the first reason why.
 */
#include <ctype.h>
#include <string.h>

#include "scheduler/sched_i.h"

static const char *arch_norm(const char *a)
{
	if (!strcmp(a, "amd64") || !strcmp(a, "x86-64"))
		return "x86_64";
	if (!strcmp(a, "arm64"))
		return "aarch64";
	return a;
}

/* "6.1" matches "6.1", "6.1.0-13-amd64", "6.1-rc2", not "6.10". */
static int kernel_match(const char *want, const char *have)
{
	size_t n = strlen(want);

	return !strncmp(want, have, n) && !isdigit((unsigned char)have[n]);
}

/*
 * What a host has free is the smaller of what it measures (cpus minus the
 * load, available memory) and what the sandboxes placed there have not
 * already asked for (the Kubernetes scheduler counts requests): a sandbox
 * created a moment ago and still idle takes its share all the same.
 */
static double free_cpus(const struct sch_candidate *c)
{
	const struct sch_probe *p = c->probe;
	double f = p->cpus - p->load1;

	if (c->req_cpus > 0 && p->cpus - c->req_cpus < f)
		f = p->cpus - c->req_cpus;
	return f < 0 ? 0 : f;
}

static int64_t free_mem_kb(const struct sch_candidate *c)
{
	const struct sch_probe *p = c->probe;
	int64_t f = p->mem_avail_kb;

	if (c->req_mem_kb > 0 && p->mem_total_kb - c->req_mem_kb < f)
		f = p->mem_total_kb - c->req_mem_kb;
	return f < 0 ? 0 : f;
}

/* 0 (full) .. 1 (idle): the mean of the free cpu and memory shares. */
static double free_share(const struct sch_candidate *c)
{
	const struct sch_probe *p = c->probe;
	double cpu = p->cpus > 0 ? free_cpus(c) / p->cpus : 0;
	double mem = p->mem_total_kb > 0 ?
			     (double)free_mem_kb(c) / p->mem_total_kb :
			     0;

	if (cpu > 1)
		cpu = 1;
	if (mem > 1)
		mem = 1;
	return (cpu + mem) / 2;
}

char *sch_cshell_problem(const struct sch_probe *p, const char *want)
{
	if (!p->cshell)
		return xasprintf("no cshell on its PATH (install %s there)",
				 want);
	if (strcmp(p->cshell, want))
		return xasprintf("%s there, not %s (install the same version "
				 "on both)",
				 p->cshell, want);
	return NULL;
}

static char *filter(const struct sch_candidate *c, const struct sch_want *w)
{
	const struct sch_probe *p = c->probe;
	char *problem;

	if (!p)
		return xstrdup("never probed (see 'host probe')");
	if (!p->reachable)
		return xasprintf("unreachable at the last probe%s%s",
				 p->error ? ": " : "",
				 p->error ? p->error : "");
	if (w->cshell && (problem = sch_cshell_problem(p, w->cshell)))
		return problem;
	if (w->arch &&
	    (!p->arch || strcmp(arch_norm(w->arch), arch_norm(p->arch))))
		return xasprintf("arch %s, not %s", p->arch ? p->arch : "?",
				 w->arch);
	for (size_t i = 0; i < w->nlabels; i++) {
		size_t kn = strcspn(w->labels[i], "=");
		_cleanup_free_ char *key = xstrndup(w->labels[i], kn);
		const char *v = sch_host_label(c->host, key);

		if (!v ||
		    strcmp(v, w->labels[i] + kn + (w->labels[i][kn] ? 1 : 0)))
			return xasprintf("no label %s", w->labels[i]);
	}
	if (w->kernel && (!p->kernel || !kernel_match(w->kernel, p->kernel)))
		return xasprintf("kernel %s, not %s",
				 p->kernel ? p->kernel : "?", w->kernel);
	if (w->cpus > 0 && free_cpus(c) < w->cpus)
		return xasprintf("%.1f cpus free, %.1f wanted", free_cpus(c),
				 w->cpus);
	if (w->mem_kb > 0 && free_mem_kb(c) < w->mem_kb)
		return xasprintf("%lld MiB memory available, %lld wanted",
				 (long long)free_mem_kb(c) / 1024,
				 (long long)w->mem_kb / 1024);
	if (w->disk_kb > 0 && p->disk_free_kb < w->disk_kb)
		return xasprintf("%lld MiB disk free, %lld wanted",
				 (long long)p->disk_free_kb / 1024,
				 (long long)w->disk_kb / 1024);
	return NULL;
}

static int cmp_placement(const void *a, const void *b)
{
	const struct sch_placement *x = a, *y = b;

	if (!x->reason != !y->reason)
		return x->reason ? 1 : -1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* equal scores: the inventory's order, so the answer is stable */
	return x->index < y->index ? -1 : x->index > y->index;
}

size_t sch_place(const struct sch_candidate *c, size_t n,
		 const struct sch_want *w, struct sch_placement *out)
{
	size_t fit = 0;

	for (size_t i = 0; i < n; i++) {
		double share;

		out[i].index = i;
		out[i].score = 0;
		out[i].reason = filter(&c[i], w);
		if (out[i].reason)
			continue;
		fit++;
		share = free_share(&c[i]);
		switch (w->strategy) {
		case SCH_LEAST_ALLOCATED:
			out[i].score = share;
			break;
		case SCH_BINPACK:
			out[i].score = 1 - share;
			break;
		case SCH_SPREAD:
			/* one copy per host before two on any, then the
			 * count decides; free capacity breaks ties */
			out[i].score = -(double)c[i].siblings * SCH_MAX_HOSTS *
					       SCH_MAX_HOSTS -
				       (double)c[i].placed + share / 2;
			break;
		}
	}
	qsort(out, n, sizeof(*out), cmp_placement);
	return fit;
}

void sch_placement_release(struct sch_placement *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(out[i].reason);
		out[i].reason = NULL;
	}
}
