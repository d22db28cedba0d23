/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — cshell-hosts, the command line over scheduler/scheduler.h:
 * host add/rm/ls/probe, fanout, run, place, clean.  The shell's `host` and
 * `fanout` builtins exec it (as `image` execs cshell-image), and the tests
 * drive the library through it.  Usage errors return 2.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "scheduler/scheduler.h"

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
	"                          [--placed HOST=N]... [--json] [SPEC]\n"
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
		{ "arch", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "label", required_argument, NULL, 'l' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "spread", no_argument, NULL, 'S' },
		{ "binpack", no_argument, NULL, 'B' },
		{ "placed", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 0;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		int bad = 0;
		char *e;

		switch (c) {
		case 'a':
			w.arch = optarg;
			break;
		case 'k':
			w.kernel = optarg;
			break;
		case 'l':
			bad = sch_check_label(optarg, &err) < 0;
			labels = xrealloc(labels,
					  (w.nlabels + 1) * sizeof(char *));
			labels[w.nlabels++] = optarg;
			break;
		case 'c':
			w.cpus = strtod(optarg, &e);
			bad = *e || w.cpus < 0;
			break;
		case 'm':
			bad = parse_size_kb(optarg, &w.mem_kb);
			break;
		case 'd':
			bad = parse_size_kb(optarg, &w.disk_kb);
			break;
		case 'S':
			w.strategy = SCH_SPREAD;
			break;
		case 'B':
			w.strategy = SCH_BINPACK;
			break;
		case 'p':
			placed = xrealloc(placed,
					  (nplaced + 1) * sizeof(char *));
			placed[nplaced++] = optarg;
			bad = !strchr(optarg, '=');
			break;
		case 'j':
			json = 1;
			break;
		default:
			bad = 1;
		}
		if (bad) {
			cs_error_release(&err);
			free(labels);
			free(placed);
			return usage("place: bad option or value");
		}
	}
	w.labels = labels;
	n = select_hosts(&inv, optind < argc ? argv[optind] : NULL, &h, &err);
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

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "add", cmd_add },	  { "rm", cmd_rm },
		{ "ls", cmd_ls },	  { "probe", cmd_probe },
		{ "fanout", cmd_fanout }, { "run", cmd_run },
		{ "place", cmd_place },
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
