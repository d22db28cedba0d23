/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probe.c — what a host offers, in one ssh round trip: a POSIX sh script
 * prints key=value lines read from /proc, uname, df and getconf, so that
 * any Linux host answers without cshell installed.  Results are cached
 * in $DATA/hosts-probe.json (placement reads them from there).
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "scheduler/sched_i.h"

#define PROBE_CACHE "hosts-probe.json"
#define PROBE_CACHE_MAX (8u << 20)

static const char probe_script[] =
	"echo cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || "
	"grep -c ^processor /proc/cpuinfo); "
	"sed -n 's/^MemTotal: *\\([0-9]*\\).*/mem_total_kb=\\1/p; "
	"s/^MemAvailable: *\\([0-9]*\\).*/mem_avail_kb=\\1/p' /proc/meminfo; "
	"echo load=$(cut -d ' ' -f 1-3 /proc/loadavg); "
	"echo kernel=$(uname -r); echo arch=$(uname -m); "
	"echo disk_free_kb=$(df -Pk / | awk 'NR==2 {print $4}'); "
	"if command -v cshell >/dev/null 2>&1; then "
	"v=$(cshell --version 2>/dev/null | head -n 1); "
	"echo cshell=${v:-unknown}; fi; true";

const char *sch_probe_script(void)
{
	return probe_script;
}

void sch_probe_release(struct sch_probe *p)
{
	free(p->host);
	free(p->error);
	free(p->kernel);
	free(p->arch);
	free(p->cshell);
	memset(p, 0, sizeof(*p));
}

static int parse_i64(const char *v, int64_t *out)
{
	char *e;
	long long x;

	errno = 0;
	x = strtoll(v, &e, 10);
	if (errno || e == v || *e || x < 0)
		return -1;
	*out = x;
	return 0;
}

int sch_probe_parse(struct sch_probe *p, const char *out, size_t len,
		    struct cs_error *err)
{
	_cleanup_free_ char *text = xstrndup(out, len);
	char *save = NULL;
	int64_t v;

	p->cpus = 0;
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		const char *val;

		if (!eq)
			continue;
		*eq = 0;
		val = eq + 1;
		if (!strcmp(l, "cpus") && !parse_i64(val, &v) && v < 1 << 20)
			p->cpus = (int)v;
		else if (!strcmp(l, "mem_total_kb") && !parse_i64(val, &v))
			p->mem_total_kb = v;
		else if (!strcmp(l, "mem_avail_kb") && !parse_i64(val, &v))
			p->mem_avail_kb = v;
		else if (!strcmp(l, "disk_free_kb") && !parse_i64(val, &v))
			p->disk_free_kb = v;
		else if (!strcmp(l, "load"))
			sscanf(val, "%lf %lf %lf", &p->load1, &p->load5,
			       &p->load15);
		/* the words are shown on our terminal: control bytes as
		 * \xNN (host probe, a placement's reasons) */
		else if (!strcmp(l, "kernel") && *val)
			free(p->kernel), p->kernel = cs_printable(val);
		else if (!strcmp(l, "arch") && *val)
			free(p->arch), p->arch = cs_printable(val);
		else if (!strcmp(l, "cshell") && *val)
			free(p->cshell), p->cshell = cs_printable(val);
	}
	if (p->cpus < 1 || !p->kernel || !p->arch)
		return cs_error_set(err, 0,
				    "the probe's answer lacks cpus, "
				    "kernel or arch");
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON */

static json_t *probe_to_json(const struct sch_probe *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "host", json_string(p->host));
	json_object_set_new(o, "reachable", json_boolean(p->reachable));
	json_object_set_new(o, "time", json_integer(p->time));
	if (p->error)
		json_object_set_new(o, "error", json_string(p->error));
	if (!p->reachable)
		return o;
	json_object_set_new(o, "cpus", json_integer(p->cpus));
	json_object_set_new(o, "mem_total_kb", json_integer(p->mem_total_kb));
	json_object_set_new(o, "mem_avail_kb", json_integer(p->mem_avail_kb));
	json_object_set_new(
		o, "load", json_pack("[f,f,f]", p->load1, p->load5, p->load15));
	json_object_set_new(o, "kernel", json_string(p->kernel));
	json_object_set_new(o, "arch", json_string(p->arch));
	json_object_set_new(o, "disk_free_kb", json_integer(p->disk_free_kb));
	json_object_set_new(o, "cshell",
			    p->cshell ? json_string(p->cshell) : json_null());
	return o;
}

char *sch_probe_json(const struct sch_probe *p, size_t n)
{
	json_t *a = json_array();
	char *s, *r;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, probe_to_json(&p[i]));
	s = json_dumps(a, JSON_INDENT(2));
	json_decref(a);
	/* jansson's allocator is plain malloc, but keep ours the owner */
	r = xasprintf("%s\n", s ? s : "[]");
	free(s);
	return r;
}

static char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? xstrdup(s) : NULL;
}

static int64_t jint(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v < 0 ? 0 : (int64_t)v;
}

int sch_probe_from_json(const char *text, size_t len, struct sch_probe **out,
			size_t *nout, struct cs_error *err)
{
	json_error_t je;
	json_t *a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	struct sch_probe *p;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (!a || !json_is_array(a)) {
		json_decref(a);
		return cs_error_set(err, 0,
				    "probe cache is not a JSON array%s%s",
				    a ? "" : ": ", a ? "" : je.text);
	}
	p = xcalloc(json_array_size(a) + 1, sizeof(*p));
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i), *load;
		struct sch_probe *q = &p[n];

		q->host = jstr(o, "host");
		if (!q->host || sch_check_name(q->host, NULL) < 0) {
			sch_probe_release(q);
			continue;
		}
		q->reachable = json_is_true(json_object_get(o, "reachable"));
		q->time = jint(o, "time");
		q->error = jstr(o, "error");
		q->cpus = (int)(jint(o, "cpus") & 0xfffff);
		q->mem_total_kb = jint(o, "mem_total_kb");
		q->mem_avail_kb = jint(o, "mem_avail_kb");
		q->disk_free_kb = jint(o, "disk_free_kb");
		load = json_object_get(o, "load");
		q->load1 = json_number_value(json_array_get(load, 0));
		q->load5 = json_number_value(json_array_get(load, 1));
		q->load15 = json_number_value(json_array_get(load, 2));
		q->kernel = jstr(o, "kernel");
		q->arch = jstr(o, "arch");
		q->cshell = jstr(o, "cshell");
		if (q->reachable && (!q->kernel || !q->arch || q->cpus < 1))
			q->reachable = 0;
		n++;
	}
	json_decref(a);
	*out = p;
	*nout = n;
	return 0;
}

static char *cache_path(int create, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_DATA, "", create, err);

	return dir ? xasprintf("%s/" PROBE_CACHE, dir) : NULL;
}

static int cache_load_path(const char *path, struct sch_probe **p, size_t *n,
			   struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	struct cs_error e = CS_ERROR_INIT;
	int r;

	*p = NULL;
	*n = 0;
	if (cs_read_file(path, &b, PROBE_CACHE_MAX, &e) < 0) {
		if (e.code == ENOENT) {
			cs_error_release(&e);
			return 0;
		}
		*err = e;
		return -1;
	}
	r = sch_probe_from_json(b.buf, b.len, p, n, err);
	cs_buf_release(&b);
	return r < 0 ? cs_error_wrap(err, "%s", path) : 0;
}

int sch_probe_cache_load(struct sch_probe **p, size_t *n, struct cs_error *err)
{
	_cleanup_free_ char *path = cache_path(0, err);

	*p = NULL;
	*n = 0;
	return path ? cache_load_path(path, p, n, err) : -1;
}

static void probe_copy(struct sch_probe *d, const struct sch_probe *s)
{
	*d = *s;
	d->host = s->host ? xstrdup(s->host) : NULL;
	d->error = s->error ? xstrdup(s->error) : NULL;
	d->kernel = s->kernel ? xstrdup(s->kernel) : NULL;
	d->arch = s->arch ? xstrdup(s->arch) : NULL;
	d->cshell = s->cshell ? xstrdup(s->cshell) : NULL;
}

/* Replaces or adds the new probes in the cache, under its lock. */
static int cache_merge(const struct sch_probe *np, size_t nn,
		       struct cs_error *err)
{
	_cleanup_free_ char *path = cache_path(1, err);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct sch_probe *p = NULL;
	size_t n = 0;
	int r;

	if (!path || (fd = sch_lock_for(path, err)) < 0)
		return -1;
	if (cache_load_path(path, &p, &n, NULL) < 0) {
		p = NULL; /* a damaged cache is only a cache: start anew */
		n = 0;
	}
	for (size_t i = 0; i < nn; i++) {
		size_t k;

		for (k = 0; k < n && strcmp(p[k].host, np[i].host); k++)
			;
		if (k == n)
			p = xrealloc(p, ++n * sizeof(*p));
		else
			sch_probe_release(&p[k]);
		probe_copy(&p[k], &np[i]);
	}
	text = sch_probe_json(p, n);
	r = cs_write_file_atomic(path, text, strlen(text), 0644, err);
	for (size_t i = 0; i < n; i++)
		sch_probe_release(&p[i]);
	free(p);
	return r;
}

int sch_probe_hosts(const struct sch_host *const *hosts, size_t n,
		    const struct sch_fanout_opts *o, struct sch_probe *p,
		    struct cs_error *err)
{
	struct sch_host_status *st = xcalloc(n + 1, sizeof(*st));
	struct sch_fanout_opts fo = *o;
	int r;

	fo.gather = 1;
	fo.out_fd = -1;
	fo.err_fd = -1;
	r = sch_fanout(hosts, n, probe_script, &fo, st, err);
	if (r < 0) {
		free(st);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct cs_error e = CS_ERROR_INIT;

		memset(&p[i], 0, sizeof(p[i]));
		p[i].host = xstrdup(hosts[i]->name);
		p[i].time = (int64_t)time(NULL);
		if (st[i].result != SCH_OK) {
			p[i].error = xstrdup(st[i].reason ? st[i].reason :
							    "probe failed");
			continue;
		}
		if (sch_probe_parse(&p[i], st[i].output ? st[i].output : "",
				    st[i].output_len, &e) < 0) {
			p[i].error = xstrdup(e.msg);
			cs_error_release(&e);
			continue;
		}
		p[i].reachable = 1;
	}
	sch_status_release(st, n);
	free(st);
	return cache_merge(p, n, err);
}
