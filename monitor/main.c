// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * main.c — cshell-monitor, a thin driver over monitor/ until the shell's
 * `monitor` builtin exists: attaches to the given cgroups or sandboxes and
 * prints their events, one JSON object per line with --json (schema:
 * docs/monitor.md), until --duration ends, a signal arrives, or every
 * monitored cgroup is gone.  --stats prints resource figures instead.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "monitor/monitor.h"
#include "sandbox/sandbox.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct target {
	char *cgroup_v2;
	char *cgroup_v1;
	char *label; /* the sandbox's name, NULL for a plain cgroup */
	pid_t pidns_pid;
};

struct run {
	int json;
	int64_t rt_offset;
	uint64_t events;
	struct cs_buf line;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cshell-monitor [--json] [--duration S] [--events LIST] "
		"TARGET...\n"
		"       cshell-monitor --stats [--json] TARGET...\n"
		"TARGET is a cgroup v2 directory or @NAME for a sandbox; LIST is\n"
		"a comma-separated subset of exec,exit,open,connect (default all).\n");
}

/* @NAME → the sandbox's record; anything else is a cgroup directory. */
static int resolve(const char *arg, struct target *t, struct cs_error *err)
{
	struct sbx_info info = { 0 };

	memset(t, 0, sizeof(*t));
	if (arg[0] != '@') {
		t->cgroup_v2 = xstrdup(arg);
		return 0;
	}
	if (sbx_inspect(arg + 1, &info, err) < 0)
		return -1;
	if (info.state != SBX_STATE_RUNNING || !info.cgroup_v2) {
		sbx_info_release(&info);
		return cs_error_set(err, 0,
				    "sandbox '%s' is not running (or has no "
				    "cgroup v2 group)",
				    arg + 1);
	}
	t->cgroup_v2 = steal_ptr(&info.cgroup_v2);
	t->cgroup_v1 = info.cgroup_v1 ? steal_ptr(&info.cgroup_v1) : NULL;
	t->label = xstrdup(arg + 1);
	t->pidns_pid = info.init_pid;
	sbx_info_release(&info);
	return 0;
}

static void target_release(struct target *t)
{
	free(t->cgroup_v2);
	free(t->cgroup_v1);
	free(t->label);
}

static void json_str(struct cs_buf *out, const char *s)
{
	cs_buf_addc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			cs_buf_addc(out, '\\');
		if ((unsigned char)*s < 0x20)
			cs_buf_addf(out, "\\u%04x", (unsigned char)*s);
		else
			cs_buf_addc(out, *s);
	}
	cs_buf_addc(out, '"');
}

static int print_stats(struct target *t, int n, int json)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf out = CS_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < n; i++) {
		struct mon_stats st;

		if (mon_stats_read(t[i].cgroup_v2, t[i].cgroup_v1, &st, &err) <
		    0) {
			cs_error_wrap(&err, "cannot read figures of '%s'",
				      t[i].label ? t[i].label : t[i].cgroup_v2);
			cs_error_print(&err, "cshell-monitor");
			cs_error_release(&err);
			rc = 1;
			continue;
		}
		cs_buf_reset(&out);
		if (json) {
			cs_buf_adds(&out, "{\"type\":\"stats\",\"sandbox\":");
			if (t[i].label)
				json_str(&out, t[i].label);
			else
				cs_buf_adds(&out, "null");
			cs_buf_adds(&out, ",\"cgroup\":");
			json_str(&out, t[i].cgroup_v2);
			cs_buf_adds(&out, ",\"stats\":");
			mon_stats_json(&st, &out);
			cs_buf_adds(&out, "}\n");
		} else {
			cs_buf_addf(&out, "%s: cpu %.3fs",
				    t[i].label ? t[i].label : t[i].cgroup_v2,
				    st.cpu_usage_usec / 1e6);
			if (st.have & MON_STAT_MEMORY)
				cs_buf_addf(&out, ", memory %.1f MiB",
					    st.memory_current / 1048576.0);
			if (st.have & MON_STAT_PIDS)
				cs_buf_addf(
					&out, ", %llu pids",
					(unsigned long long)st.pids_current);
			if (st.have & MON_STAT_IO)
				cs_buf_addf(&out,
					    ", io read %llu written %llu bytes",
					    (unsigned long long)st.io_rbytes,
					    (unsigned long long)st.io_wbytes);
			cs_buf_addc(&out, '\n');
		}
		fwrite(out.buf, 1, out.len, stdout);
	}
	cs_buf_release(&out);
	return rc;
}

static int on_event(const struct mon_event *ev, void *arg)
{
	struct run *r = arg;

	cs_buf_reset(&r->line);
	if (r->json)
		mon_event_json(ev, r->rt_offset, &r->line);
	else
		mon_event_text(ev, &r->line);
	cs_buf_addc(&r->line, '\n');
	fwrite(r->line.buf, 1, r->line.len, stdout);
	r->events++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void json_head(struct run *r, const char *type)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	cs_buf_reset(&r->line);
	cs_buf_addf(&r->line, "{\"type\":\"%s\",\"ts\":%lld.%06ld", type,
		    (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cs_error err = CS_ERROR_INIT;
	struct mon_opts opts = { .events = MON_ALL };
	struct run run = { .line = CS_BUF_INIT };
	struct target *targets;
	double duration = 0, end;
	const char *reason = "gone";
	uint64_t lost_seen = 0, lost;
	struct sigaction sa;
	int c, stats = 0, n, rc = 0;
	struct mon *mon;
	char *p;

	cs_log_set_prog("cshell-monitor");
	while ((c = getopt_long(argc, argv, "jd:e:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.json = 1;
			break;
		case 'd':
			duration = strtod(optarg, &p);
			if (*p || p == optarg || duration <= 0) {
				fprintf(stderr,
					"cshell-monitor: invalid duration '%s' "
					"(seconds, e.g. 2.5)\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
			if (mon_parse_events(optarg, &opts.events, &err) < 0) {
				cs_error_print(&err, "cshell-monitor");
				return 2;
			}
			break;
		case 's':
			stats = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	n = argc - optind;
	if (n <= 0) {
		usage(stderr);
		return 2;
	}
	targets = xcalloc(n, sizeof(*targets));
	for (int i = 0; i < n; i++) {
		if (resolve(argv[optind + i], &targets[i], &err) < 0) {
			cs_error_print(&err, "cshell-monitor");
			return 1;
		}
	}
	if (stats)
		return print_stats(targets, n, run.json);

	mon = mon_open(&opts, &err);
	if (!mon) {
		cs_error_print(&err, "cshell-monitor");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (mon_add_cgroup(mon, targets[i].cgroup_v2, targets[i].label,
				   targets[i].pidns_pid, &err) < 0) {
			cs_error_print(&err, "cshell-monitor");
			mon_close(mon);
			return 1;
		}
	}
	/* no SA_RESTART: the wait in mon_poll() returns at once */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	run.rt_offset = mon_realtime_offset();
	if (run.json) {
		json_head(&run, "start");
		cs_buf_addf(&run.line, ",\"cgroups\":%d}\n", n);
		fwrite(run.line.buf, 1, run.line.len, stdout);
	}
	fflush(stdout);
	end = duration > 0 ? now_s() + duration : 0;
	while (mon_cgroup_count(mon) > 0) {
		int wait = 100;

		if (stop_signal) {
			reason = "signal";
			break;
		}
		if (end) {
			double left = end - now_s();

			if (left <= 0) {
				reason = "duration";
				break;
			}
			if (left * 1000 < wait)
				wait = left * 1000 + 1;
		}
		if (mon_poll(mon, wait, on_event, &run, &err) < 0) {
			cs_error_print(&err, "cshell-monitor");
			rc = 1;
			reason = "error";
			break;
		}
		/* lost records always said, as soon as they are seen */
		lost = mon_lost(mon);
		if (lost > lost_seen) {
			if (run.json) {
				json_head(&run, "lost");
				cs_buf_addf(
					&run.line,
					",\"count\":%llu,\"total\":%llu}\n",
					(unsigned long long)(lost - lost_seen),
					(unsigned long long)lost);
				fwrite(run.line.buf, 1, run.line.len, stdout);
			} else {
				fprintf(stderr,
					"cshell-monitor: %llu events lost "
					"(the ring buffer was full)\n",
					(unsigned long long)(lost - lost_seen));
			}
			lost_seen = lost;
		}
		fflush(stdout);
	}
	/* what is still buffered when we stop belongs to the run too */
	if (mon_poll(mon, 0, on_event, &run, &err) < 0) {
		cs_error_print(&err, "cshell-monitor");
		rc = 1;
	}
	lost = mon_lost(mon);
	if (run.json) {
		json_head(&run, "summary");
		cs_buf_addf(&run.line,
			    ",\"events\":%llu,\"lost\":%llu,\"bad\":%llu,"
			    "\"reason\":\"%s\"}\n",
			    (unsigned long long)run.events,
			    (unsigned long long)lost,
			    (unsigned long long)mon_bad(mon), reason);
		fwrite(run.line.buf, 1, run.line.len, stdout);
	} else {
		fprintf(stderr, "cshell-monitor: %llu events, %llu lost\n",
			(unsigned long long)run.events,
			(unsigned long long)lost);
	}
	fflush(stdout);
	mon_close(mon);
	for (int i = 0; i < n; i++)
		target_release(&targets[i]);
	free(targets);
	cs_buf_release(&run.line);
	return rc;
}
