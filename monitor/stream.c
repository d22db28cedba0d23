// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * stream.c — a whole monitoring run for front ends: open, add the
 * targets, poll until the duration ends, a stop is asked for or every
 * target is gone, report lost events on the way and a summary at the end.
 * cshell-monitor and the shell's `monitor` builtin are both this plus
 * their own argument parsing.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "monitor/mon_i.h"
#include "monitor/monitor.h"

struct run {
	FILE *out;
	int json;
	int64_t rt_offset;
	uint64_t events;
	struct cs_buf line;
};

static int on_event(const struct mon_event *ev, void *arg)
{
	struct run *r = arg;

	cs_buf_reset(&r->line);
	if (r->json)
		mon_event_json(ev, r->rt_offset, &r->line);
	else
		mon_event_text(ev, &r->line);
	cs_buf_addc(&r->line, '\n');
	fwrite(r->line.buf, 1, r->line.len, r->out);
	r->events++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts a non-event JSON line: type and ts. */
static void json_head(struct run *r, const char *type)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	cs_buf_reset(&r->line);
	cs_buf_addf(&r->line, "{\"type\":\"%s\",\"ts\":%lld.%06ld", type,
		    (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static void put_line(struct run *r)
{
	fwrite(r->line.buf, 1, r->line.len, r->out);
}

static void report_lost(struct run *r, uint64_t lost, uint64_t *seen)
{
	if (lost <= *seen)
		return;
	if (r->json) {
		json_head(r, "lost");
		cs_buf_addf(&r->line,
			    ",\"count\":%" PRIu64 ",\"total\":%" PRIu64 "}\n",
			    lost - *seen, lost);
		put_line(r);
	} else {
		fflush(r->out);
		fprintf(stderr,
			"%s: %" PRIu64 " events lost (the ring buffer was "
			"full)\n",
			cs_log_prog(), lost - *seen);
	}
	*seen = lost;
}

static int loop(struct mon *mon, const struct mon_stream_opts *o, struct run *r,
		const char **reason, struct cs_error *err)
{
	double end = o->duration > 0 ? now_s() + o->duration : 0;
	uint64_t lost_seen = 0;

	*reason = "gone";
	while (mon_cgroup_count(mon) > 0) {
		int wait = 100;

		if (o->stop && *o->stop) {
			*reason = "signal";
			break;
		}
		if (end) {
			double left = end - now_s();

			if (left <= 0) {
				*reason = "duration";
				break;
			}
			if (left * 1000 < wait)
				wait = left * 1000 + 1;
		}
		if (mon_poll(mon, wait, on_event, r, err) < 0) {
			*reason = "error";
			return -1;
		}
		/* lost records always said, as soon as they are seen */
		report_lost(r, mon_lost(mon), &lost_seen);
		fflush(r->out);
	}
	/* what is still buffered when we stop belongs to the run too */
	if (mon_poll(mon, 0, on_event, r, err) < 0) {
		*reason = "error";
		return -1;
	}
	report_lost(r, mon_lost(mon), &lost_seen);
	return 0;
}

int mon_stream(const struct mon_stream_opts *opts,
	       const struct mon_target *targets, size_t n, FILE *out,
	       struct cs_error *err)
{
	struct mon_opts mo = { .events = opts->events };
	struct run r = { .out = out, .json = opts->json, .line = CS_BUF_INIT };
	const char *reason;
	struct mon *mon;
	int rc;

	mon = mon_open(&mo, err);
	if (!mon)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (mon_add_cgroup(mon, targets[i].cgroup_v2, targets[i].label,
				   targets[i].pidns_pid, err) < 0) {
			mon_close(mon);
			return -1;
		}
	}
	r.rt_offset = mon_realtime_offset();
	if (r.json) {
		json_head(&r, "start");
		cs_buf_addf(&r.line, ",\"cgroups\":%zu}\n", n);
		put_line(&r);
	}
	fflush(out);
	rc = loop(mon, opts, &r, &reason, err);
	if (r.json) {
		json_head(&r, "summary");
		cs_buf_addf(&r.line,
			    ",\"events\":%" PRIu64 ",\"lost\":%" PRIu64
			    ",\"bad\":%" PRIu64 ",\"reason\":\"%s\"}\n",
			    r.events, mon_lost(mon), mon_bad(mon), reason);
		put_line(&r);
	} else {
		fflush(out);
		fprintf(stderr, "%s: %" PRIu64 " events, %" PRIu64 " lost\n",
			cs_log_prog(), r.events, mon_lost(mon));
	}
	fflush(out);
	mon_close(mon);
	cs_buf_release(&r.line);
	return rc;
}

int mon_stream_stats(const struct mon_target *t, size_t n, int json, FILE *out,
		     struct cs_error *err)
{
	struct cs_buf line = CS_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const char *who = t[i].label ? t[i].label : t[i].cgroup_v2;
		struct mon_stats st;

		if (mon_stats_read(t[i].cgroup_v2, t[i].cgroup_v1, &st, err) <
		    0) {
			cs_buf_release(&line);
			return cs_error_wrap(
				err, "cannot read the figures of '%s'", who);
		}
		cs_buf_reset(&line);
		if (json) {
			cs_buf_adds(&line, "{\"type\":\"stats\",\"sandbox\":");
			if (t[i].label)
				mon_json_str(&line, t[i].label);
			else
				cs_buf_adds(&line, "null");
			cs_buf_adds(&line, ",\"cgroup\":");
			mon_json_str(&line,
				     t[i].cgroup_v2 ? t[i].cgroup_v2 : "");
			cs_buf_adds(&line, ",\"stats\":");
			mon_stats_json(&st, &line);
			cs_buf_adds(&line, "}\n");
		} else {
			cs_buf_addf(&line, "%s: cpu %.3fs", who,
				    st.cpu_usage_usec / 1e6);
			if (st.have & MON_STAT_MEMORY)
				cs_buf_addf(&line, ", memory %.1f MiB",
					    st.memory_current / 1048576.0);
			if (st.have & MON_STAT_PIDS)
				cs_buf_addf(&line, ", %" PRIu64 " pids",
					    st.pids_current);
			if (st.have & MON_STAT_IO)
				cs_buf_addf(&line,
					    ", io read %" PRIu64
					    " written %" PRIu64 " bytes",
					    st.io_rbytes, st.io_wbytes);
			cs_buf_addc(&line, '\n');
		}
		fwrite(line.buf, 1, line.len, out);
	}
	cs_buf_release(&line);
	return 0;
}
