/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — cshell-hosts, the command line over scheduler/scheduler.h:
 * host add/rm/ls/probe, fanout, run, place, clean, and the remote half of
 * `sandbox create --on` (create) and `sandbox ls` (sandboxes).  The shell's `host` and
 * `fanout` builtins exec it (as `image` execs cshell-image), and the tests
 * drive the library through it.  Usage errors return 2.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "scheduler/sched_i.h"

static const char usage_text[] =
	"usage: cshell-hosts add NAME DEST [KEY=VALUE...]\n"
	"       cshell-hosts rm NAME...\n"
	"       cshell-hosts ls [--json] [SPEC]\n"
	"       cshell-hosts probe [--json] [-t SECONDS] [SPEC]\n"
	"       cshell-hosts fanout [-f WIDTH] [-t SECONDS] [-r RETRIES] [--gather]\n"
	"                           [--summary] [--status-json FILE]\n"
	"                           [--status-file FILE] SPEC\n"
	"                           (-c COMMAND | [--] ARGV...)\n"
	"       cshell-hosts run HOST (-c COMMAND | [--] ARGV...)\n"
	"       cshell-hosts place [--arch A] [--kernel K] [--label K=V]... [--cpus N]\n"
	"                          [--memory SIZE] [--disk SIZE] [--spread|--binpack]\n"
	"                          [--placed HOST=N]... [--probe] [--json] [SPEC]\n"
	"       cshell-hosts create NAME [--on SPEC] [--label K=V]... [--kernel K]\n"
	"                          [--arch A] [--cpus N] [--memory SIZE]\n"
	"                          [--spread|--binpack] [--replicas N]\n"
	"                          [-t SECONDS] [--] [CREATE-OPTION...]\n"
	"       cshell-hosts sandboxes [SPEC]\n"
	"       cshell-hosts clean\n";

static volatile sig_atomic_t cancel_flag;

static int usage(const char *msg)
{
	if (msg)
		cs_cli_err("host: %s", msg);
	fputs(usage_text, stderr);
	return 2;
}

static int fail(struct cs_error *err)
{
	cs_cli_err("%s", err->msg ? err->msg : "unknown error");
	cs_error_release(err);
	return 1;
}

/* Prints a JSON document (and drops it). */
static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));

	printf("%s\n", s ? s : "null");
	free(s);
	json_decref(j);
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *e;
	long v = strtol(s, &e, 10);

	if (!*s || *e || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* "512M", "4G", "1048576": bytes with an optional K/M/G/T suffix, as KiB */
static int parse_size_kb(const char *s, int64_t *kb)
{
	char *e;
	double v = strtod(s, &e);
	double mul = 1.0 / 1024;

	if (e == s || v < 0)
		return -1;
	/* K, M, G, T: powers of 1024 of KiB (none: bytes) */
	if (*e && strchr("kKmMgGtT", *e)) {
		for (int p = (int)(strchr("kKmMgGtT", *e) - "kKmMgGtT") / 2;
		     p > 0; p--)
			mul *= 1024;
		mul *= 1024;
		e++;
	}
	if (*e == 'i' || *e == 'B')
		e++;
	if (*e == 'B')
		e++;
	if (*e)
		return -1;
	*kb = (int64_t)(v * mul);
	return 0;
}

/* Loads the inventory and the hosts spec names (all when spec is NULL). */
static int select_hosts(struct sch_inventory *inv, const char *spec,
			const struct sch_host ***hosts, struct cs_error *err)
{
	size_t *idx = NULL;
	int n;

	*hosts = NULL;
	if (sch_inventory_load(inv, err) < 0)
		return -1;
	if (!spec && !inv->n)
		return 0;
	n = sch_match(inv, spec ? spec : "all", &idx, err);
	if (n < 0)
		return -1;
	*hosts = xcalloc(n + 1, sizeof(**hosts));
	for (int i = 0; i < n; i++)
		(*hosts)[i] = &inv->hosts[idx[i]];
	free(idx);
	return n;
}

static int cmd_add(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc < 3)
		return usage("add: NAME and DEST are needed");
	if (sch_host_add(argv[1], argv[2], argv + 3, argc - 3, &err) < 0)
		return fail(&err);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	int st = 0;

	if (argc < 2)
		return usage("rm: NAME is needed");
	for (int i = 1; i < argc; i++)
		if (sch_host_rm(argv[i], &err) < 0)
			st = fail(&err);
	return st;
}

static int cmd_ls(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;
	const struct sch_host **h;
	int json = 0, i = 1, n;

	if (i < argc && !strcmp(argv[i], "--json"))
		json = 1, i++;
	if (argc - i > 1)
		return usage("ls: one SPEC at most");
	n = select_hosts(&inv, i < argc ? argv[i] : NULL, &h, &err);
	if (n < 0)
		return fail(&err);
	if (json) {
		json_t *a = json_array();

		for (int k = 0; k < n; k++) {
			json_t *l = json_object();

			for (size_t j = 0; j < h[k]->nlabels; j++) {
				size_t kn = strcspn(h[k]->labels[j], "=");
				char *key = xstrndup(h[k]->labels[j], kn);

				json_object_set_new(
					l, key,
					json_string(h[k]->labels[j] + kn + 1));
				free(key);
			}
			json_array_append_new(a, json_pack("{s:s,s:s,s:o}",
							   "name", h[k]->name,
							   "dest", h[k]->dest,
							   "labels", l));
		}
		print_json(a);
	} else {
		if (n)
			printf("%-16s %-32s %s\n", "NAME", "DESTINATION",
			       "LABELS");
		for (int k = 0; k < n; k++) {
			printf("%-16s %-32s", h[k]->name, h[k]->dest);
			for (size_t j = 0; j < h[k]->nlabels; j++)
				printf("%s%s", j ? "," : " ", h[k]->labels[j]);
			putchar('\n');
		}
	}
	free(h);
	sch_inventory_release(&inv);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void print_probe(const struct sch_probe *p, size_t n)
{
	printf("%-16s %4s %17s %14s %-24s %-8s %9s %s\n", "HOST", "CPUS",
	       "MEM AVAIL/TOTAL", "LOAD", "KERNEL", "ARCH", "DISK FREE",
	       "CSHELL");
	for (size_t i = 0; i < n; i++) {
		if (!p[i].reachable) {
			printf("%-16s unreachable: %s\n", p[i].host,
			       p[i].error ? p[i].error : "?");
			continue;
		}
		printf("%-16s %4d %7lldM/%7lldM %4.2f/%4.2f/%4.2f %-24s %-8s "
		       "%8lldM %s\n",
		       p[i].host, p[i].cpus,
		       (long long)p[i].mem_avail_kb / 1024,
		       (long long)p[i].mem_total_kb / 1024, p[i].load1,
		       p[i].load5, p[i].load15, p[i].kernel, p[i].arch,
		       (long long)p[i].disk_free_kb / 1024,
		       p[i].cshell ? p[i].cshell : "-");
	}
}

/* Hosts whose cshell cannot take remote sandboxes, and what to do. */
static void cshell_notes(const struct sch_probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *why =
			p[i].reachable ? sch_cshell_problem(
						 &p[i], "cshell " CS_VERSION) :
					 NULL;

		if (why)
			fprintf(stderr, "host '%s' cannot take sandboxes: %s\n",
				p[i].host, why);
	}
}

static int cmd_probe(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_fanout_opts o;
	struct sch_inventory inv;
	const struct sch_host **h;
	struct sch_probe *p;
	int json = 0, n, c, st = 0;
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};

	sch_fanout_opts_init(&o);
	o.timeout = 20;
	o.cancel = &cancel_flag;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+jt:", lo, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 't' && !parse_int(optarg, 1, 86400, &o.timeout))
			;
		else
			return usage("probe: bad option");
	}
	if (argc - optind > 1)
		return usage("probe: one SPEC at most");
	n = select_hosts(&inv, optind < argc ? argv[optind] : NULL, &h, &err);
	if (n <= 0) {
		if (n < 0)
			return fail(&err);
		cs_cli_err(
			"host probe: the inventory is empty (see 'host add')");
		return 1;
	}
	catch_signals();
	p = xcalloc(n + 1, sizeof(*p));
	if (sch_probe_hosts(h, n, &o, p, &err) < 0)
		st = fail(&err);
	if (json) {
		char *s = sch_probe_json(p, n);

		fputs(s, stdout);
		free(s);
	} else {
		print_probe(p, n);
		cshell_notes(p, n);
	}
	for (int i = 0; i < n; i++) {
		if (!p[i].reachable)
			st = 1;
		sch_probe_release(&p[i]);
	}
	free(p);
	free(h);
	sch_inventory_release(&inv);
	return st;
}

/* The command of fanout/run: -c STRING, or the quoted operands. */
static char *command_of(const char *c, int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "--"))
		argc--, argv++;
	else if (!c && argc == 2 && !strcmp(argv[0], "-c"))
		return xstrdup(argv[1]); /* SPEC -c STRING */
	if (c)
		return argc ? NULL : xstrdup(c);
	return argc ? sch_quote_argv(argv) : NULL;
}

static int write_status_json(const char *path, const struct sch_host_status *st,
			     size_t n)
{
	struct cs_error err = CS_ERROR_INIT;
	json_t *a = json_array();
	char *s;
	int r;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			a, json_pack("{s:s,s:s,s:i,s:i,s:I,s:s?}", "host",
				     st[i].host->name, "result",
				     sch_result_name(st[i].result), "status",
				     st[i].status, "attempts", st[i].attempts,
				     "ms", (json_int_t)st[i].ms, "reason",
				     st[i].reason));
	s = json_dumps(a, JSON_INDENT(2));
	json_decref(a);
	r = cs_write_file_atomic(path, s, strlen(s), 0644, &err);
	free(s);
	if (r < 0)
		fail(&err);
	return r;
}

/* "name=status" lines: what the shell keeps in TARGET_STATUS */
static int write_status_pairs(const char *path,
			      const struct sch_host_status *st, size_t n)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	int r;

	for (size_t i = 0; i < n; i++)
		cs_buf_addf(&b, "%s=%d\n", st[i].host->name, st[i].status);
	r = cs_write_file_atomic(path, b.buf, b.len, 0600, &err);
	cs_buf_release(&b);
	if (r < 0)
		fail(&err);
	return r;
}

static int cmd_fanout(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_fanout_opts o;
	struct sch_inventory inv;
	struct sch_host_status *st;
	const struct sch_host **h;
	const char *cmdline = NULL, *status_json = NULL, *status_file = NULL;
	char *cmd;
	int summary = 0, n, c, worst, any_failed = 0;
	static const struct option lo[] = {
		{ "width", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "gather", no_argument, NULL, 'g' },
		{ "summary", no_argument, NULL, 's' },
		{ "status-json", required_argument, NULL, 'S' },
		{ "status-file", required_argument, NULL, 'F' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "command", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};

	sch_fanout_opts_init(&o);
	o.cancel = &cancel_flag;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:t:r:gsc:", lo, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'f':
			bad = parse_int(optarg, 1, 4096, &o.width);
			break;
		case 't':
			bad = parse_int(optarg, 1, 7 * 86400, &o.timeout);
			break;
		case 'r':
			bad = parse_int(optarg, 0, 100, &o.retries);
			break;
		case 'C':
			bad = parse_int(optarg, 1, 3600,
					&o.ssh.connect_timeout);
			break;
		case 'g':
			o.gather = 1;
			break;
		case 's':
			summary = 1;
			break;
		case 'S':
			status_json = optarg;
			break;
		case 'F':
			status_file = optarg;
			break;
		case 'c':
			cmdline = optarg;
			break;
		default:
			bad = 1;
		}
		if (bad)
			return usage("fanout: bad option or value");
	}
	if (optind >= argc)
		return usage("fanout: SPEC is needed");
	cmd = command_of(cmdline, argc - optind - 1, argv + optind + 1);
	if (!cmd)
		return usage("fanout: give a command (-c STRING or ARGV)");
	n = select_hosts(&inv, argv[optind], &h, &err);
	if (n < 0) {
		free(cmd);
		return fail(&err);
	}
	catch_signals();
	st = xcalloc(n + 1, sizeof(*st));
	worst = sch_fanout(h, n, cmd, &o, st, &err);
	if (worst < 0) {
		worst = fail(&err);
	} else {
		for (int i = 0; i < n; i++)
			any_failed |= st[i].result != SCH_OK;
		if (o.gather)
			sch_gather_print(1, st, n);
		if (summary || any_failed)
			sch_summary_print(2, st, n);
		if (status_json && write_status_json(status_json, st, n) < 0 &&
		    !worst)
			worst = 1;
		if (status_file && write_status_pairs(status_file, st, n) < 0 &&
		    !worst)
			worst = 1;
	}
	sch_status_release(st, n);
	free(st);
	free(h);
	free(cmd);
	sch_inventory_release(&inv);
	return worst;
}

static int cmd_run(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;
	const struct sch_host *h;
	const char *cmdline = NULL;
	char **sv, *cmd;
	int i = 2;

	if (argc < 3)
		return usage("run: HOST and a command are needed");
	if (!strcmp(argv[2], "-c")) {
		if (argc < 4)
			return usage("run: -c needs a command");
		cmdline = argv[3];
		i = 4;
	}
	cmd = command_of(cmdline, argc - i, argv + i);
	if (!cmd)
		return usage("run: give a command (-c STRING or ARGV)");
	if (sch_inventory_load(&inv, &err) < 0)
		return fail(&err);
	h = sch_inventory_find(&inv, argv[1]);
	if (!h) {
		cs_cli_err("unknown host '%s' (see 'host ls')", argv[1]);
		return 1;
	}
	/* one host, the caller's stdin: ssh itself, nothing in between */
	sv = sch_ssh_argv(h, cmd, NULL, &err);
	if (!sv)
		return fail(&err);
	execvp(sv[0], sv);
	cs_cli_err("cannot run %s: %m", sv[0]);
	return 127;
}

/* The placement rules place and create share (long options of the
 * same letters): 0, 1 for a bad value, -1 when c is none of them. */
#define WANT_OPTIONS                                                           \
	{ "arch", required_argument, NULL, 'a' },                              \
		{ "kernel", required_argument, NULL, 'k' },                    \
		{ "label", required_argument, NULL, 'l' },                     \
		{ "cpus", required_argument, NULL, 'c' },                      \
		{ "memory", required_argument, NULL, 'm' },                    \
		{ "spread", no_argument, NULL, 'S' },                          \
	{                                                                      \
		"binpack", no_argument, NULL, 'B'                              \
	}

static int want_opt(int c, const char *arg, struct sch_want *w, char ***labels)
{
	struct cs_error err = CS_ERROR_INIT;
	char *e;

	switch (c) {
	case 'a':
		w->arch = arg;
		return 0;
	case 'k':
		w->kernel = arg;
		return 0;
	case 'l':
		if (sch_check_label(arg, &err) < 0 || !strchr(arg, '=')) {
			cs_error_release(&err);
			return 1;
		}
		*labels = xrealloc(*labels, (w->nlabels + 1) * sizeof(char *));
		(*labels)[w->nlabels++] = (char *)arg;
		w->labels = *labels;
		return 0;
	case 'c':
		w->cpus = strtod(arg, &e);
		return e == arg || *e || w->cpus < 0;
	case 'm':
		return parse_size_kb(arg, &w->mem_kb) < 0;
	case 'S':
		w->strategy = SCH_SPREAD;
		return 0;
	case 'B':
		w->strategy = SCH_BINPACK;
		return 0;
	}
	return -1;
}

/* place --probe: the hosts probed now (the cache updated), not as they
 * were at the last `host probe`. */
static int refresh_probes(const struct sch_host **h, int n,
			  struct cs_error *err)
{
	struct sch_fanout_opts o;
	struct sch_probe *p = xcalloc(n + 1, sizeof(*p));
	int r;

	sch_fanout_opts_init(&o);
	o.timeout = 10;
	o.cancel = &cancel_flag;
	catch_signals();
	r = sch_probe_hosts(h, n, &o, p, err);
	for (int i = 0; i < n; i++)
		sch_probe_release(&p[i]);
	free(p);
	return r;
}

static int cmd_place(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_want w = { 0 };
	struct sch_inventory inv;
	const struct sch_host **h;
	struct sch_probe *p;
	struct sch_candidate *cand;
	struct sch_placement *out;
	char **labels = NULL, **placed = NULL;
	size_t np, nplaced = 0, fit;
	int n, c, json = 0, st = 0;
	static const struct option lo[] = {
		WANT_OPTIONS,
		{ "disk", required_argument, NULL, 'd' },
		{ "placed", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "probe", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int probe = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		int bad = want_opt(c, optarg, &w, &labels);

		if (bad >= 0)
			;
		else if (c == 'd')
			bad = parse_size_kb(optarg, &w.disk_kb);
		else if (c == 'p') {
			placed = xrealloc(placed,
					  (nplaced + 1) * sizeof(char *));
			placed[nplaced++] = optarg;
			bad = !strchr(optarg, '=');
		} else if (c == 'j')
			json = 1, bad = 0;
		else if (c == 'P')
			probe = 1, bad = 0;
		else
			bad = 1;
		if (bad) {
			free(labels);
			free(placed);
			return usage("place: bad option or value");
		}
	}
	n = select_hosts(&inv, optind < argc ? argv[optind] : NULL, &h, &err);
	if (n > 0 && probe && refresh_probes(h, n, &err) < 0)
		n = -1;
	if (n < 0 || sch_probe_cache_load(&p, &np, &err) < 0) {
		free(labels);
		free(placed);
		return fail(&err);
	}
	cand = xcalloc(n + 1, sizeof(*cand));
	out = xcalloc(n + 1, sizeof(*out));
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(h[i]->name);

		cand[i].host = h[i];
		for (size_t k = 0; k < np; k++)
			if (!strcmp(p[k].host, h[i]->name))
				cand[i].probe = &p[k];
		for (size_t k = 0; k < nplaced; k++)
			if (!strncmp(placed[k], h[i]->name, nl) &&
			    placed[k][nl] == '=')
				cand[i].placed = atoi(placed[k] + nl + 1);
	}
	fit = sch_place(cand, n, &w, out);
	if (json) {
		json_t *a = json_array();

		for (int i = 0; i < n; i++)
			json_array_append_new(
				a,
				json_pack("{s:s,s:b,s:f,s:s?}", "host",
					  cand[out[i].index].host->name, "fits",
					  !out[i].reason, "score", out[i].score,
					  "reason", out[i].reason));
		print_json(a);
	} else {
		for (int i = 0; i < n; i++)
			if (!out[i].reason)
				printf("%s %.3f\n",
				       cand[out[i].index].host->name,
				       out[i].score);
			else
				fprintf(stderr, "  %s: %s\n",
					cand[out[i].index].host->name,
					out[i].reason);
	}
	if (!fit) {
		cs_cli_err("place: no host fits");
		st = 1;
	}
	sch_placement_release(out, n);
	for (size_t k = 0; k < np; k++)
		sch_probe_release(&p[k]);
	free(p);
	free(out);
	free(cand);
	free(h);
	free(labels);
	free(placed);
	sch_inventory_release(&inv);
	return st;
}

/* ---------------------------------------------------------------- */
/* Remote sandboxes: create NAME --on SPEC, sandboxes */

/* A sandbox name as sandbox/ takes it, so that a record line is words. */
static int check_sandbox_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && isalnum((unsigned char)s[0]) &&
			       strspn(s, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789_.-") == n ?
		       0 :
		       -1;
}

/* What `sandbox create --on` asked for beyond the placement rules. */
struct create_req {
	const char *spec;   /* --on: hosts to choose from */
	const char *cpus;   /* --cpus and --memory as given, handed on */
	const char *memory; /* to the remote create as limits */
	int replicas;
	int timeout; /* of the probe */
	char **fwd;  /* the other create options, as given */
	int nfwd;
};

/* Forks ssh (argv) with stdin /dev/null in a process group of its own:
 * a ^C at the terminal reaches only us (cancel_flag), so a create is
 * stopped between two copies, never halfway through one, and what was
 * made is known and removed.  The pid, or -1 with err. */
static pid_t spawn_shielded(char **argv, struct cs_error *err)
{
	pid_t pid = fork();

	if (pid < 0) {
		cs_error_errno(err, "cannot fork");
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (null < 0 || dup2(null, 0) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "cshell: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Runs `sandbox ARGV…` on h through its cshell, stdin /dev/null, our
 * stdout and stderr.  Returns its status (255: ssh failed). */
static int remote_sandbox(const struct sch_host *h, char *const *argv)
{
	_cleanup_free_ char *cmd = sch_remote_cshell("sandbox", argv);
	struct sch_ssh_opts o = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	char **v = sch_ssh_argv(h, cmd, &o, &err);
	pid_t pid;
	int st;

	if (!v)
		return fail(&err), 255;
	pid = spawn_shielded(v, &err);
	sch_argv_free(v);
	if (pid < 0)
		return fail(&err), 255;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 255;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Removes what a failed create made, newest first. */
static void roll_back(const struct sch_remote *made, size_t n)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;

	if (sch_inventory_load(&inv, &err) < 0) {
		fail(&err);
		return;
	}
	for (size_t i = n; i-- > 0;) {
		const struct sch_host *h =
			sch_inventory_find(&inv, made[i].host);
		char *rm[] = { "rm", "-f", made[i].sandbox, NULL };

		if (h && remote_sandbox(h, rm) != 0)
			cs_cli_err("could not remove sandbox '%s' from host "
				   "'%s' (remove it there with 'sandbox rm')",
				   made[i].sandbox, made[i].host);
		if (sch_remote_rm(made[i].sandbox, made[i].host, &err) < 0)
			fail(&err);
	}
	sch_inventory_release(&inv);
}

/* The one sentence of a failed placement: each host with its reason. */
static void no_fit(const char *name, const struct sch_candidate *c,
		   const struct sch_placement *out, size_t n)
{
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_addf(&b, "cannot place sandbox '%s': no host fits (", name);
	for (size_t i = 0; i < n; i++)
		cs_buf_addf(&b, "%s%s: %s", i ? "; " : "",
			    c[out[i].index].host->name, out[i].reason);
	cs_buf_adds(&b, ")");
	cs_cli_err("%s", b.buf);
	cs_buf_release(&b);
}

/* Ranks the candidates for one copy: with --kernel, a host whose kernel
 * matches wins over every other; when none does, the best host without
 * that rule boots a VM (*vm set).  Returns how many fit. */
static size_t rank(const struct sch_candidate *c, size_t n,
		   const struct sch_want *w, struct sch_placement *out, int *vm)
{
	struct sch_want any = *w;
	size_t fit = sch_place(c, n, w, out);

	*vm = 0;
	if (fit || !w->kernel)
		return fit;
	sch_placement_release(out, n);
	any.kernel = NULL;
	fit = sch_place(c, n, &any, out);
	*vm = fit > 0;
	return fit;
}

/* Creates copy `name` on the best candidate and records it there.
 * Returns the index of the host, -1 when none fits or the create failed
 * (said). */
static int place_one(const char *name, struct sch_candidate *c, size_t n,
		     const struct sch_want *w, const struct create_req *rq,
		     struct sch_remote *made)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_placement *out = xcalloc(n + 1, sizeof(*out));
	struct cs_strvec a = CS_STRVEC_INIT;
	struct sch_candidate *win;
	int vm, st, r = -1;

	if (!rank(c, n, w, out, &vm)) {
		no_fit(name, c, out, n);
		goto out;
	}
	win = &c[out[0].index];
	cs_strvec_push(&a, "create");
	cs_strvec_push(&a, name);
	for (int i = 0; i < rq->nfwd; i++)
		cs_strvec_push(&a, rq->fwd[i]);
	if (rq->cpus) {
		cs_strvec_push(&a, "--cpus");
		cs_strvec_push(&a, rq->cpus);
	}
	if (rq->memory) {
		cs_strvec_push(&a, "--memory");
		cs_strvec_push(&a, rq->memory);
	}
	if (vm) {
		cs_strvec_push(&a, "--kernel");
		cs_strvec_push(&a, w->kernel);
	}
	st = remote_sandbox(win->host, a.v);
	if (st) {
		cs_cli_err("cannot create sandbox '%s' on host '%s'%s", name,
			   win->host->name,
			   st == SCH_STATUS_TRANSPORT ?
				   ": ssh failed (see above)" :
				   " (see the error above)");
		goto out;
	}
	made->sandbox = xstrdup(name);
	made->host = xstrdup(win->host->name);
	made->cpus_milli = (int64_t)(w->cpus * 1000);
	made->mem_kb = w->mem_kb;
	if (sch_remote_add(made, &err) < 0) {
		fail(&err);
		roll_back(made, 1);
		free(made->sandbox);
		free(made->host);
		made->sandbox = made->host = NULL;
		goto out;
	}
	/* the next copy sees this one */
	win->placed++;
	win->siblings++;
	win->req_cpus += w->cpus;
	win->req_mem_kb += w->mem_kb;
	printf("%s on %s%s\n", name, win->host->name,
	       vm ? " (a VM: no host runs that kernel)" : "");
	fflush(stdout);
	r = (int)out[0].index;
out:
	cs_strvec_release(&a);
	sch_placement_release(out, n);
	free(out);
	return r;
}

/* The candidates: every host of the spec with a fresh probe, and what
 * the sandboxes recorded there already asked for. */
static struct sch_candidate *candidates(const struct sch_host **h, int n,
					struct sch_probe *p,
					const struct sch_remotes *rem)
{
	struct sch_candidate *c = xcalloc(n + 1, sizeof(*c));

	for (int i = 0; i < n; i++) {
		c[i].host = h[i];
		c[i].probe = &p[i];
		for (size_t k = 0; k < rem->n; k++) {
			if (strcmp(rem->v[k].host, h[i]->name))
				continue;
			c[i].placed++;
			c[i].req_cpus += rem->v[k].cpus_milli / 1000.0;
			c[i].req_mem_kb += rem->v[k].mem_kb;
		}
	}
	return c;
}

/* Creates the copies in turn; on a failure removes those made.  0 or 1. */
static int create_copies(const char *name, const struct sch_host **h, int n,
			 struct sch_want *w, const struct create_req *rq)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_fanout_opts o;
	struct sch_probe *p = xcalloc(n + 1, sizeof(*p));
	struct sch_remote *made = xcalloc(rq->replicas, sizeof(*made));
	struct sch_remotes rem;
	struct sch_candidate *c = NULL;
	int k = 0, st = 1;

	sch_fanout_opts_init(&o);
	o.timeout = rq->timeout;
	o.cancel = &cancel_flag;
	if (sch_remotes_load(&rem, &err) < 0 ||
	    sch_probe_hosts(h, n, &o, p, &err) < 0) {
		fail(&err);
		goto out;
	}
	c = candidates(h, n, p, &rem);
	for (; k < rq->replicas && !cancel_flag; k++) {
		_cleanup_free_ char *copy =
			rq->replicas > 1 ? xasprintf("%s-%d", name, k + 1) :
					   xstrdup(name);

		if (sch_remotes_find(&rem, copy)) {
			cs_cli_err("a sandbox '%s' is already placed on host "
				   "'%s'",
				   copy, sch_remotes_find(&rem, copy)->host);
			break;
		}
		if (place_one(copy, c, n, w, rq, &made[k]) < 0)
			break;
	}
	/* a ^C before the end takes back all, the copy it waited for too */
	st = k < rq->replicas || cancel_flag;
	if (st && cancel_flag)
		cs_cli_err("interrupted: the sandboxes made are removed again");
	if (st)
		roll_back(made, k);
	/* the hosts it could not ask were passed over: said, as the reason
	 * of a failed placement would say it */
	for (int i = 0; !st && i < n; i++)
		if (!p[i].reachable)
			cs_cli_err("host '%s' skipped: unreachable: %s",
				   p[i].host, p[i].error ? p[i].error : "?");
out:
	for (int i = 0; i < rq->replicas; i++) {
		free(made[i].sandbox);
		free(made[i].host);
	}
	for (int i = 0; i < n; i++)
		sch_probe_release(&p[i]);
	sch_remotes_release(&rem);
	free(made);
	free(c);
	free(p);
	return st;
}

static int cmd_create(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct create_req rq = { .replicas = 1, .timeout = 10 };
	struct sch_want w = { .cshell = "cshell " CS_VERSION };
	struct sch_inventory inv;
	const struct sch_host **h;
	_cleanup_free_ char **labels = NULL;
	int n, c, st, strategy = 0;
	static const struct option lo[] = {
		WANT_OPTIONS,
		{ "on", required_argument, NULL, 'o' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};

	if (argc < 2 || check_sandbox_name(argv[1]) < 0)
		return usage("create: a sandbox NAME is needed "
			     "([A-Za-z0-9][A-Za-z0-9_.-]*, 64 at most)");
	optind = 2;
	while ((c = getopt_long(argc, argv, "+t:", lo, NULL)) != -1) {
		int bad = want_opt(c, optarg, &w, &labels);

		/* --cpus and --memory are the remote sandbox's limits too */
		rq.cpus = c == 'c' ? optarg : rq.cpus;
		rq.memory = c == 'm' ? optarg : rq.memory;
		strategy |= c == 'S' || c == 'B';
		if (bad >= 0)
			;
		else if (c == 'o')
			rq.spec = strcmp(optarg, "auto") ? optarg : NULL,
			bad = 0;
		else if (c == 'r')
			bad = parse_int(optarg, 1, 1000, &rq.replicas);
		else if (c == 't')
			bad = parse_int(optarg, 1, 3600, &rq.timeout);
		else
			bad = 1;
		if (bad)
			return usage("create: bad option or value");
	}
	/* copies go one per host before two on any, unless --binpack */
	if (!strategy && rq.replicas > 1)
		w.strategy = SCH_SPREAD;
	rq.fwd = argv + optind;
	rq.nfwd = argc - optind;
	n = select_hosts(&inv, rq.spec, &h, &err);
	if (n < 0)
		return fail(&err);
	if (!n) {
		cs_cli_err("cannot place sandbox '%s': the inventory is empty "
			   "(see 'host add')",
			   argv[1]);
		sch_inventory_release(&inv);
		return 1;
	}
	catch_signals();
	st = create_copies(argv[1], h, n, &w, &rq);
	free(h);
	sch_inventory_release(&inv);
	return st;
}

/* What the LAYERS column of `sandbox ls` says of a JSON record. */
static char *layers_text(json_t *o)
{
	struct cs_buf b = CS_BUF_INIT;
	const char *img = json_string_value(json_object_get(o, "image"));
	json_t *l = json_object_get(o, "layers"), *v;
	size_t i;

	cs_buf_adds(&b, "");
	if (img) {
		cs_buf_adds(&b, img);
	} else {
		json_array_foreach(l, i, v) cs_buf_addf(
			&b, "%s%s", i ? ":" : "",
			json_string_value(v) ? json_string_value(v) : "");
	}
	if (json_is_true(json_object_get(o, "read_only")))
		cs_buf_adds(&b, " (ro)");
	return cs_buf_detach(&b, NULL);
}

/* A string of a host's answer as the table shows it: its control bytes
 * as \xNN, so that a host cannot drive our terminal.  None: "?". */
static char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return cs_printable(s ? s : "?");
}

/* One host's `sandbox ls --json` as records of NUL-terminated fields:
 * host, name, state, pid, backend, layers, the JSON object with "host"
 * added (what the shell's `sandbox ls` prints). */
static void print_sandboxes(const struct sch_host_status *st)
{
	json_error_t je;
	json_t *a = json_loadb(st->output ? st->output : "", st->output_len, 0,
			       &je),
	       *o;
	size_t i;

	if (!json_is_array(a)) {
		cs_cli_err("host '%s': 'sandbox ls --json' printed no JSON "
			   "list",
			   st->host->name);
		json_decref(a);
		return;
	}
	json_array_foreach(a, i, o)
	{
		_cleanup_free_ char *l = layers_text(o);
		_cleanup_free_ char *layers = cs_printable(l);
		_cleanup_free_ char *name = field(o, "name");
		_cleanup_free_ char *state = field(o, "state");
		_cleanup_free_ char *backend = field(o, "backend");
		char *js;

		json_object_set_new(o, "host", json_string(st->host->name));
		js = json_dumps(o, JSON_COMPACT);
		printf("%s%c%s%c%s%c%lld%c%s%c%s%c%s%c", st->host->name, 0,
		       name, 0, state, 0,
		       (long long)json_integer_value(json_object_get(o, "pid")),
		       0, backend, 0, layers, 0, js ? js : "{}", 0);
		free(js);
	}
	json_decref(a);
}

/* Every sandbox of every host that runs cshell.  A host without one
 * (status 127) has none; an unreachable host is named on stderr. */
static int cmd_sandboxes(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_fanout_opts o;
	struct sch_inventory inv;
	struct sch_host_status *st;
	const struct sch_host **h;
	char *ls[] = { "ls", "--json", "--local", NULL };
	_cleanup_free_ char *cmd = sch_remote_cshell("sandbox", ls);
	int n, r = 0;

	if (argc > 2)
		return usage("sandboxes: one SPEC at most");
	n = select_hosts(&inv, argc > 1 ? argv[1] : NULL, &h, &err);
	if (n < 0)
		return fail(&err);
	sch_fanout_opts_init(&o);
	o.gather = 1;
	o.timeout = 10;
	/* a listing is typed often: a host that is down costs 3 s of it,
	 * not ssh's 10 (a live one answers its connect in far less) */
	o.ssh.connect_timeout = 3;
	o.err_fd = -1;
	o.cancel = &cancel_flag;
	catch_signals();
	st = xcalloc(n + 1, sizeof(*st));
	if (n && sch_fanout(h, n, cmd, &o, st, &err) < 0)
		r = fail(&err);
	for (int i = 0; !r && i < n; i++) {
		if (st[i].result == SCH_OK)
			print_sandboxes(&st[i]);
		else if (st[i].status != 127)
			cs_cli_err("host '%s': cannot list its sandboxes: %s",
				   h[i]->name,
				   st[i].reason ? st[i].reason : "failed");
	}
	sch_status_release(st, n);
	free(st);
	free(h);
	sch_inventory_release(&inv);
	return r;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "add", cmd_add },
		{ "rm", cmd_rm },
		{ "ls", cmd_ls },
		{ "probe", cmd_probe },
		{ "fanout", cmd_fanout },
		{ "run", cmd_run },
		{ "place", cmd_place },
		{ "create", cmd_create },
		{ "sandboxes", cmd_sandboxes },
	};

	cs_log_set_prog("cshell");
	if (argc < 2)
		return usage(NULL);
	if (!strcmp(argv[1], "clean")) {
		printf("%d stale control sockets removed\n",
		       sch_clean_sockets());
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage("unknown subcommand");
}
