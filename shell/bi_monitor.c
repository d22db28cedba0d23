// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * bi_monitor.c — the `monitor` builtin and `sandbox stats`: the command
 * line over monitor/monitor.h (mon_stream(), mon_stream_stats()).  Targets
 * are resolved like `@T` (names, globs, a,b) and must be local sandboxes
 * (for stats, or VMs: their QEMU's cgroups); without any, the `enter`ed
 * sandbox, else every running one.  SSH hosts (`monitor @web1 @db*`) are
 * watched by `cshell-monitor --host`, which runs each host's cshell
 * monitor and merges the streams (as `fanout` runs cshell-hosts: the
 * engine and jansson load only then).  Usage
 * errors return 2, failures 1.
 */
#include <signal.h>
#include <string.h>

#include "monitor/monitor.h"
#include "sandbox/sandbox.h"
#include "shell/shell_i.h"
#include "shell/target_i.h"
#include "vm/vm.h"

static const char monitor_usage[] =
	"usage: monitor [TARGET...] [--events LIST] [--json] [--duration S]\n"
	"LIST: comma-separated exec,exit,open,connect (default all)\n";
static const char stats_usage[] = "usage: sandbox stats [NAME...] [--json]\n";

/* The sandboxes to watch, with their records (which own the strings the
 * targets point into).  vms: VMs may be picked (stats reads QEMU's
 * cgroups; monitor's probes would see QEMU, not the guest). */
struct picked {
	struct sbx_info *infos;
	struct mon_target *t;
	size_t n;
	struct cs_buf hosts; /* SSH hosts, "h1,h2" */
	int vms;
};

static void picked_release(struct picked *p)
{
	for (size_t i = 0; i < p->n; i++)
		sbx_info_release(&p->infos[i]);
	free(p->infos);
	free(p->t);
	cs_buf_release(&p->hosts);
}

static int pick_one(struct picked *p, const char *name, struct cs_error *err)
{
	struct sbx_info *info;

	p->infos = xrealloc(p->infos, (p->n + 1) * sizeof(*p->infos));
	p->t = xrealloc(p->t, (p->n + 1) * sizeof(*p->t));
	info = &p->infos[p->n];
	memset(info, 0, sizeof(*info));
	if (p->vms && vm_known(name)) {
		struct vm_info vi;

		if (vm_inspect(name, &vi, err) < 0)
			return -1;
		vm_info_sbx(&vi, info);
		vm_info_release(&vi);
	} else if (sbx_inspect(name, info, err) < 0) {
		return -1;
	}
	p->n++;
	if (info->state != SBX_STATE_RUNNING)
		return cs_error_set(err, 0, "sandbox '%s' is not running",
				    name);
	if (!info->cgroup_v2 && !info->cgroup_v1)
		return cs_error_set(err, 0,
				    "sandbox '%s' has no cgroup to read "
				    "figures from (no rights to create one)",
				    name);
	p->t[p->n - 1] = (struct mon_target){
		.cgroup_v2 = info->cgroup_v2,
		.cgroup_v1 = info->cgroup_v1,
		.label = info->spec.name,
		.pidns_pid = info->init_pid,
	};
	return 0;
}

static int pick_word(struct picked *p, const char *word, struct cs_error *err)
{
	struct sh_targets ts = { 0 };
	int rc = 0;

	if (*word == '@')
		word++;
	if (sh_targets_resolve(word, &ts, err) < 0)
		return -1;
	for (size_t i = 0; i < ts.n && !rc; i++) {
		if (ts.v[i].be == &sh_backend_ssh)
			cs_buf_addf(&p->hosts, "%s%s", p->hosts.len ? "," : "",
				    ts.v[i].name);
		else if (ts.v[i].be != &sh_backend_sandbox &&
			 !(p->vms && ts.v[i].be == &sh_backend_vm))
			rc = cs_error_set(err, 0,
					  "cannot monitor '%s': only sandboxes "
					  "and SSH hosts can be monitored",
					  ts.v[i].name);
		else
			rc = pick_one(p, ts.v[i].name, err);
	}
	sh_targets_release(&ts);
	return rc;
}

/* No words: the entered sandbox, else every running one. */
static int pick_default(struct sh *sh, struct picked *p, struct cs_error *err)
{
	struct sbx_info *list;
	size_t n;
	int rc = 0;

	if (sh->entered)
		return pick_word(p, sh->entered, err);
	if (sbx_list(&list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !rc; i++)
		if (list[i].state == SBX_STATE_RUNNING)
			rc = pick_one(p, list[i].spec.name, err);
	sbx_info_list_free(list, n);
	if (p->vms) {
		char **names = vm_names();

		for (char **v = names; *v; v++) {
			if (!rc && vm_exists(*v))
				rc = pick_one(p, *v, err);
			free(*v);
		}
		free(names);
	}
	if (!rc && !p->n)
		rc = cs_error_set(err, 0, "no running sandbox to watch");
	return rc;
}

static int fail(struct sh *sh, const char *what, struct cs_error *err)
{
	sh_err(sh, "%s: %s", what, err->msg ? err->msg : "failed");
	cs_error_release(err);
	return 1;
}

/* `monitor @HOST…`: cshell-monitor --host with the options given. */
static int monitor_hosts(struct sh *sh, struct picked *p, int argc, char **argv)
{
	char **v = arena_alloc(sh->stack, (argc + 4) * sizeof(char *));
	int k = 0;

	v[k++] = sh_helper_path(sh, "cshell-monitor");
	v[k++] = "--host";
	v[k++] = p->hosts.buf;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			v[k++] = argv[i];
		else if (i > 1 && (!strcmp(argv[i - 1], "--events") ||
				   !strcmp(argv[i - 1], "--duration")))
			v[k++] = argv[i];
	v[k] = NULL;
	return sh_exec_external_wait(sh, v);
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int bi_monitor(struct sh *sh, int argc, char **argv)
{
	struct mon_stream_opts opts = { .stop = &stop_signal };
	struct cs_error err = CS_ERROR_INIT;
	struct sigaction sa, old_int, old_term;
	struct picked p = { 0 };
	int rc = 0, i;
	char *end;

	for (i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			opts.json = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help") ||
			   (i == 1 && !strcmp(a, "help"))) {
			fputs(monitor_usage, stdout);
			picked_release(&p);
			return 0;
		} else if (!strcmp(a, "--events") || !strcmp(a, "--duration")) {
			if (i + 1 == argc) {
				sh_err(sh, "monitor: %s needs a value", a);
				rc = 2;
			} else if (a[2] == 'e') {
				if (mon_parse_events(argv[++i], &opts.events,
						     &err) < 0) {
					fail(sh, "monitor", &err);
					rc = 2;
				}
			} else {
				opts.duration = strtod(argv[++i], &end);
				if (*end || end == argv[i] ||
				    !(opts.duration > 0)) {
					sh_err(sh,
					       "monitor: invalid duration '%s' "
					       "(seconds, e.g. 2.5)",
					       argv[i]);
					rc = 2;
				}
			}
		} else if (a[0] == '-') {
			sh_err(sh, "monitor: unknown option '%s'", a);
			rc = 2;
		} else if (pick_word(&p, a, &err) < 0) {
			rc = fail(sh, "monitor", &err);
		}
	}
	if (rc == 2)
		fputs(monitor_usage, stderr);
	if (!rc && p.hosts.len && p.n) {
		sh_err(sh, "monitor: cannot watch local sandboxes and SSH "
			   "hosts at once (run two monitors)");
		rc = 1;
	}
	if (!rc && p.hosts.len) {
		rc = monitor_hosts(sh, &p, argc, argv);
		picked_release(&p);
		return rc;
	}
	if (!rc && !p.n && pick_default(sh, &p, &err) < 0)
		rc = fail(sh, "monitor", &err);
	if (rc) {
		picked_release(&p);
		return rc;
	}

	/* ^C ends the run, not the shell; no SA_RESTART so the wait returns */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (mon_stream(&opts, p.t, p.n, stdout, &err) < 0)
		rc = fail(sh, "monitor", &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	picked_release(&p);
	return rc;
}

int bi_sandbox_stats(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct picked p = { .vms = 1 };
	int json = 0, rc = 0;

	/* argv[0] "sandbox", argv[1] "stats" */
	for (int i = 2; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (argv[i][0] == '-') {
			sh_err(sh, "sandbox stats: unknown option '%s'",
			       argv[i]);
			fputs(stats_usage, stderr);
			rc = 2;
		} else if (pick_word(&p, argv[i], &err) < 0) {
			rc = fail(sh, "sandbox stats", &err);
		}
	}
	if (!rc && p.hosts.len) {
		sh_err(sh,
		       "sandbox stats: '%s' is an SSH host: run "
		       "'@%s sandbox stats' there",
		       p.hosts.buf, p.hosts.buf);
		rc = 1;
	}
	if (!rc && !p.n && pick_default(sh, &p, &err) < 0)
		rc = fail(sh, "sandbox stats", &err);
	if (!rc && mon_stream_stats(p.t, p.n, json, stdout, &err) < 0)
		rc = fail(sh, "sandbox stats", &err);
	picked_release(&p);
	return rc;
}

SH_BUILTIN(monitor) = {
	.b = { "monitor", bi_monitor, false },
	.own_help = true,
	.usage = "monitor [TARGET...] [--json] [--duration S] ...",
	.what = "live exec/exit/open/connect events of sandboxes",
};
