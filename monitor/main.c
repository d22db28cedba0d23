// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * main.c — cshell-monitor, a thin driver over monitor/ (mon_stream()):
 * attaches to the given cgroups or sandboxes and prints their events, one
 * JSON object per line with --json (schema: docs/monitor.md), until
 * --duration ends, a signal arrives, or every monitored cgroup is gone.
 * --stats prints resource figures instead; --host SPEC runs the monitor
 * of the cshell on those SSH hosts and merges their streams (remote.c).
 */
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "lib/lib.h"
#include "monitor/monitor.h"
#include "monitor/remote_i.h"
#include "sandbox/sandbox.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cshell-monitor [--json] [--duration S] [--events LIST] "
		"TARGET...\n"
		"       cshell-monitor --stats [--json] TARGET...\n"
		"       cshell-monitor --host SPEC [--json] [--duration S] "
		"[--events LIST]\n"
		"TARGET is a cgroup v2 directory or @NAME for a sandbox; LIST is\n"
		"a comma-separated subset of exec,exit,open,connect (default "
		"all).\n");
}

/* @NAME → the sandbox's record (strings kept in *info); anything else is
 * a cgroup directory. */
static int resolve(const char *arg, struct mon_target *t, struct sbx_info *info,
		   struct cs_error *err)
{
	memset(t, 0, sizeof(*t));
	if (arg[0] != '@') {
		t->cgroup_v2 = arg;
		return 0;
	}
	if (sbx_inspect(arg + 1, info, err) < 0)
		return -1;
	if (info->state != SBX_STATE_RUNNING || !info->cgroup_v2)
		return cs_error_set(err, 0,
				    "sandbox '%s' is not running (or has no "
				    "cgroup v2 group)",
				    arg + 1);
	t->cgroup_v2 = info->cgroup_v2;
	t->cgroup_v1 = info->cgroup_v1;
	t->label = arg + 1;
	t->pidns_pid = info->init_pid;
	return 0;
}

/* --host: the hosts' monitors, stopped by the same signals */
static int remote(struct mon_remote_opts *ro)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sigaction sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = mon_remote_stream(ro, &err);
	if (rc < 0)
		cs_error_print(&err, "cshell-monitor");
	cs_error_release(&err);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "duration", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mon_stream_opts opts = { .stop = &stop_signal };
	struct mon_remote_opts ro = { .stop = &stop_signal };
	struct cs_error err = CS_ERROR_INIT;
	struct mon_target *targets;
	struct sbx_info *infos;
	int c, stats = 0, n, rc = 0;
	struct sigaction sa;
	char *p;

	cs_log_set_prog("cshell-monitor");
	while ((c = getopt_long(argc, argv, "jd:e:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = ro.json = 1;
			break;
		case 'd':
			opts.duration = strtod(optarg, &p);
			ro.duration = optarg;
			ro.duration_s = opts.duration;
			if (*p || p == optarg || !(opts.duration > 0)) {
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
			ro.events = optarg;
			break;
		case 'H':
			ro.spec = optarg;
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
	if (ro.spec && !stats && n == 0)
		return remote(&ro);
	if (n <= 0 || ro.spec) {
		usage(stderr);
		return 2;
	}
	targets = xcalloc(n, sizeof(*targets));
	infos = xcalloc(n, sizeof(*infos));
	for (int i = 0; i < n && !rc; i++)
		if (resolve(argv[optind + i], &targets[i], &infos[i], &err) < 0)
			rc = -1;
	if (!rc && stats) {
		rc = mon_stream_stats(targets, n, opts.json, stdout, &err);
	} else if (!rc) {
		/* no SA_RESTART: the wait in mon_poll() returns at once */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		rc = mon_stream(&opts, targets, n, stdout, &err);
	}
	if (rc < 0)
		cs_error_print(&err, "cshell-monitor");
	cs_error_release(&err);
	for (int i = 0; i < n; i++)
		sbx_info_release(&infos[i]);
	free(infos);
	free(targets);
	return rc < 0 ? 1 : 0;
}
