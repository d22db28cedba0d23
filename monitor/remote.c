// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * remote.c — `monitor @HOST…`: the remote cshell's `monitor --json` on
 * every host, over the scheduler's fan-out engine (one ssh client each,
 * the remote watchdog ending the monitor when the connection closes), the
 * lines merged as they arrive with their host: JSON lines get a "host" key
 * first, the terminal view a host column.  on_line() handles a line,
 * on_done() a host that finished; mon_remote_stream() starts it all.
 */
#include <jansson.h>
#include <string.h>
#include <sys/time.h>

#include "monitor/remote_i.h"
#include "scheduler/scheduler.h"

/* seconds past --duration before a host that did not stop is cut off */
#define DURATION_GRACE 30

struct merge {
	const struct mon_remote_opts *o;
	const struct sch_inventory *inv;
	char **last_err; /* per inventory host: its last stderr line */
	int name_w;	 /* width of the host column */
	int failed;
};

static void put(int fd, struct cs_buf *b)
{
	cs_write_all(fd, b->buf, b->len);
	cs_buf_reset(b);
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static json_int_t num(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* The terminal view of one event line: the host column, then what
 * mon_event_text() shows for a local sandbox. */
static void text_line(struct merge *m, const char *host, json_t *ev,
		      struct cs_buf *b)
{
	const char *type = str(ev, "type");
	json_t *err = json_object_get(ev, "error");

	cs_buf_addf(b, "%-*s ", m->name_w, host);
	if (!strcmp(type, "start")) {
		cs_buf_addf(b, "watching %lld sandboxes\n",
			    (long long)num(ev, "cgroups"));
		return;
	}
	if (!strcmp(type, "lost")) {
		cs_buf_addf(b, "%lld events lost (ring buffer full)\n",
			    (long long)num(ev, "count"));
		return;
	}
	if (!strcmp(type, "summary")) {
		cs_buf_addf(b, "%lld events, %lld lost (%s)\n",
			    (long long)num(ev, "events"),
			    (long long)num(ev, "lost"), str(ev, "reason"));
		return;
	}
	cs_buf_addf(b, "[%s] ", str(ev, "sandbox"));
	if (!strcmp(type, "gone")) {
		cs_buf_adds(b, "gone\n");
		return;
	}
	cs_buf_addf(b, "%-7s %6lld %-15s ", type, (long long)num(ev, "ns_pid"),
		    str(ev, "comm"));
	if (!strcmp(type, "exec")) {
		json_t *argv = json_object_get(ev, "argv");
		size_t i;
		json_t *a;

		json_array_foreach(argv, i, a) cs_buf_addf(
			b, "%s%s", i ? " " : "",
			json_is_string(a) ? json_string_value(a) : "");
		if (!json_array_size(argv))
			cs_buf_adds(b, str(ev, "filename"));
	} else if (!strcmp(type, "exit")) {
		if (json_is_integer(json_object_get(ev, "exit_code")))
			cs_buf_addf(b, "status %lld",
				    (long long)num(ev, "exit_code"));
		else
			cs_buf_addf(b, "signal %lld",
				    (long long)num(ev, "signal"));
	} else if (!strcmp(type, "open")) {
		cs_buf_addf(b, "%s %s = ", str(ev, "path"),
			    str(ev, "flags_str"));
	} else if (!strcmp(type, "connect")) {
		cs_buf_addf(b, "%s", str(ev, "addr"));
		if (json_is_integer(json_object_get(ev, "port")))
			cs_buf_addf(b, ":%lld", (long long)num(ev, "port"));
		cs_buf_adds(b, " = ");
	}
	if (!strcmp(type, "open") || !strcmp(type, "connect")) {
		if (json_is_string(err))
			cs_buf_adds(b, json_string_value(err));
		else
			cs_buf_addf(b, "%lld", (long long)num(ev, "result"));
	}
	cs_buf_addc(b, '\n');
}

static void on_line(void *arg, const struct sch_host *h, int is_err,
		    const char *line, size_t len)
{
	struct merge *m = arg;
	struct cs_buf b = CS_BUF_INIT;
	json_t *ev = NULL;

	if (!is_err && len && line[0] == '{')
		ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(ev)) {
		/* the remote's own messages (or anything not a JSON object
		 * on its stdout): stderr, named, and the last one kept as
		 * the reason should the host fail */
		size_t i = (size_t)(h - m->inv->hosts);

		free(m->last_err[i]);
		m->last_err[i] = xstrndup(line, len);
		cs_buf_addf(&b, "%s: ", h->name);
		cs_buf_add_printable(&b, line, len);
		cs_buf_addc(&b, '\n');
		put(2, &b);
	} else if (m->o->json && !json_object_get(ev, "host")) {
		/* the remote's line as it is, the host first: host names
		 * need no escaping ([A-Za-z0-9._-]) */
		cs_buf_addf(&b, "{\"host\":\"%s\"%s%.*s\n", h->name,
			    json_object_size(ev) ? "," : "", (int)len - 1,
			    line + 1);
		put(1, &b);
	} else if (m->o->json) {
		/* a "host" of its own would be a second key naming another
		 * host (a reader keeping the last one believes it): ours
		 * replaces it */
		json_t *o = json_pack("{s:s}", "host", h->name);
		char *s;

		json_object_del(ev, "host");
		json_object_update(o, ev);
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		cs_buf_addf(&b, "%s\n", s ? s : "{}");
		put(1, &b);
		free(s);
		json_decref(o);
	} else {
		struct cs_buf t = CS_BUF_INIT;

		text_line(m, h->name, ev, &t);
		cs_buf_add_printable(&b, t.buf, t.len - 1);
		cs_buf_addc(&b, '\n');
		put(1, &b);
		cs_buf_release(&t);
	}
	json_decref(ev);
	cs_buf_release(&b);
}

static void on_done(void *arg, const struct sch_host_status *st)
{
	struct merge *m = arg;
	const char *reason = m->last_err[st->host - m->inv->hosts];
	struct cs_buf b = CS_BUF_INIT;
	struct timeval tv;
	json_t *j;
	char *s;

	/* ^C ends every host: that is the user's doing, not a failure */
	if (st->result == SCH_OK || st->result == SCH_CANCELLED)
		return;
	m->failed = 1;
	/* ssh's own words for a transport failure; the remote's last
	 * message for a monitor that failed there */
	if (st->result != SCH_FAILED || !reason)
		reason = st->reason ? st->reason : sch_result_name(st->result);
	if (!m->o->json) {
		cs_buf_addf(&b, "monitor: host '%s': %s: ", st->host->name,
			    sch_result_name(st->result));
		cs_buf_add_printable(&b, reason, strlen(reason));
		cs_buf_addc(&b, '\n');
		put(2, &b);
		cs_buf_release(&b);
		return;
	}
	gettimeofday(&tv, NULL);
	j = json_pack("{s:s, s:s, s:f, s:s, s:i, s:s}", "host", st->host->name,
		      "type", "host_error", "ts", tv.tv_sec + tv.tv_usec / 1e6,
		      "result", sch_result_name(st->result), "status",
		      st->status, "reason", reason);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cs_buf_addf(&b, "%s\n", s);
	put(1, &b);
	free(s);
	json_decref(j);
	cs_buf_release(&b);
}

/* The remote command line: cshell's monitor with every sandbox of the
 * host, JSON lines; a clear sentence when cshell is not there. */
static char *remote_cmd(const struct mon_remote_opts *o)
{
	struct cs_buf b = CS_BUF_INIT;
	_cleanup_free_ char *q = NULL;

	cs_buf_adds(&b, "monitor --json");
	if (o->events) {
		_cleanup_free_ char *e = sch_quote(o->events);

		cs_buf_addf(&b, " --events %s", e);
	}
	if (o->duration) {
		_cleanup_free_ char *d = sch_quote(o->duration);

		cs_buf_addf(&b, " --duration %s", d);
	}
	q = sch_quote(b.buf);
	cs_buf_release(&b);
	return xasprintf("command -v cshell >/dev/null 2>&1 || "
			 "{ echo 'cshell is not on the PATH of this host "
			 "(monitor @HOST runs the remote cshell)' >&2; "
			 "exit 127; }; exec cshell -c %s",
			 q);
}

int mon_remote_stream(const struct mon_remote_opts *o, struct cs_error *err)
{
	struct sch_inventory inv;
	struct sch_fanout_opts fo;
	struct merge m = { .o = o };
	struct sch_host_status *st;
	const struct sch_host **hosts;
	_cleanup_free_ char *cmd = NULL;
	size_t *idx;
	int n, rc;

	if (sch_inventory_load(&inv, err) < 0)
		return -1;
	n = sch_match(&inv, o->spec, &idx, err);
	if (n < 0) {
		sch_inventory_release(&inv);
		return -1;
	}
	hosts = xcalloc(n, sizeof(*hosts));
	st = xcalloc(n, sizeof(*st));
	m.inv = &inv;
	m.last_err = xcalloc(inv.n, sizeof(char *));
	for (int i = 0; i < n; i++) {
		hosts[i] = &inv.hosts[idx[i]];
		if ((int)strlen(hosts[i]->name) > m.name_w)
			m.name_w = (int)strlen(hosts[i]->name);
	}
	sch_fanout_opts_init(&fo);
	fo.width = n;
	fo.cancel = o->stop;
	fo.on_line = on_line;
	fo.on_done = on_done;
	fo.cb_arg = &m;
	if (o->duration)
		fo.timeout = (int)o->duration_s + DURATION_GRACE;
	cmd = remote_cmd(o);
	rc = sch_fanout(hosts, n, cmd, &fo, st, err);
	if (rc >= 0)
		rc = m.failed;
	sch_status_release(st, n);
	for (size_t i = 0; i < inv.n; i++)
		free(m.last_err[i]);
	free(m.last_err);
	free(st);
	free(hosts);
	free(idx);
	sch_inventory_release(&inv);
	return rc;
}
