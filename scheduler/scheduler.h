/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scheduler.h — SSH hosts: the inventory ($CONFIG/hosts), connections
 * through the OpenSSH client with ControlMaster sockets under the runtime
 * root (ssh/<host>.sock), host probes, placement and the fan-out engine
 * (one command on many hosts with bounded width, timeouts, retries, output
 * prefixed per host or gathered).
 *
 * The library knows nothing of the shell language: the shell turns
 * `@web* cmd` into sch_match("web*") + sch_quote_argv() + sch_fanout().
 * docs/hosts.md describes the file formats and the placement rules.
 *
 * Thread safety: none; the fan-out engine is a single-threaded poll loop
 * that forks one ssh client per host and reaps them itself, so a caller
 * with a SIGCHLD handler reaping every child must run it in a child
 * process (a pipeline element does so anyway).
 */
#ifndef CSHELL_SCHEDULER_SCHEDULER_H
#define CSHELL_SCHEDULER_SCHEDULER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

#define SCH_NAME_MAX 63		     /* a host name */
#define SCH_DEST_MAX 255	     /* an ssh destination */
#define SCH_MAX_LABELS 32	     /* labels of one host */
#define SCH_LABEL_MAX 127	     /* "key=value" */
#define SCH_MAX_HOSTS 4096	     /* hosts in the inventory */
#define SCH_INVENTORY_MAX (1u << 20) /* bytes of $CONFIG/hosts */

#define SCH_DEFAULT_WIDTH 32
#define SCH_STATUS_TRANSPORT 255 /* ssh could not run the command */
#define SCH_STATUS_TIMEOUT 124	 /* like timeout(1) */

/* ------------------------------------------------------------------ */
/* Inventory: $CONFIG/hosts, one host a line: NAME DEST [KEY=VALUE…] */

struct sch_host {
	char *name;    /* [A-Za-z0-9][A-Za-z0-9._-]*, not "all" */
	char *dest;    /* [user@]host[:port] or an ~/.ssh/config alias */
	char **labels; /* "key=value", nlabels of them */
	size_t nlabels;
};

struct sch_inventory {
	struct sch_host *hosts;
	size_t n;
};

/* Checks one field; returns 0 or -1 with one sentence in err. */
int sch_check_name(const char *name, struct cs_error *err);
int sch_check_dest(const char *dest, struct cs_error *err);
int sch_check_label(const char *label, struct cs_error *err);

/* Splits a destination into its parts (each malloc'd; user NULL when
 * absent, port 0 when absent). */
int sch_dest_split(const char *dest, char **user, char **host, int *port,
		   struct cs_error *err);

/* Parses the text of an inventory (len bytes, NUL not needed).  Errors
 * name the line.  Returns 0 or -1 (inv then holds nothing). */
int sch_inventory_parse(struct sch_inventory *inv, const char *text, size_t len,
			struct cs_error *err);
/* Returns the malloc'd text of the inventory; parsing it gives it back. */
char *sch_inventory_format(const struct sch_inventory *inv);
void sch_inventory_release(struct sch_inventory *inv);
/* NULL when absent. */
const struct sch_host *sch_inventory_find(const struct sch_inventory *inv,
					  const char *name);
/* A deep copy of src (release it with sch_host_release()). */
void sch_host_copy(struct sch_host *dst, const struct sch_host *src);
void sch_host_release(struct sch_host *h);
/* The value of label key of h, or NULL. */
const char *sch_host_label(const struct sch_host *h, const char *key);

/* $CONFIG/hosts: a missing file is an empty inventory. */
int sch_inventory_load(struct sch_inventory *inv, struct cs_error *err);
/* Adds a host under the inventory lock, written atomically.  A duplicate
 * name or a bad field leaves the file unchanged. */
int sch_host_add(const char *name, const char *dest, char *const *labels,
		 size_t nlabels, struct cs_error *err);
/* Removes a host (and closes its master connection). */
int sch_host_rm(const char *name, struct cs_error *err);

/* Resolves a target spec against inv: a comma-separated list of names,
 * globs (web*), labels (role=web, value may be a glob) and "all".  The
 * result lists indexes into inv->hosts, in inventory order, each once.
 * An item that matches no host is an error.  Returns the count (>= 1), or
 * -1 with err set; *idx is malloc'd. */
int sch_match(const struct sch_inventory *inv, const char *spec, size_t **idx,
	      struct cs_error *err);
/* True when spec is syntactically a host spec (what `@spec` may hold). */
int sch_spec_valid(const char *spec);

/* ------------------------------------------------------------------ */
/* Connections */

/* Returns a malloc'd sh word that the remote /bin/sh reads back as s. */
char *sch_quote(const char *s);
/* The words of argv, each quoted, joined by spaces: a command line that
 * runs argv unchanged. */
char *sch_quote_argv(char *const *argv);

struct sch_ssh_opts {
	int connect_timeout; /* seconds; 0: 10 */
	const char *config;  /* ssh -F FILE; NULL: $CSHELL_SSH_CONFIG or the
			      * user's own ~/.ssh/config */
	int no_master;	     /* do not use a ControlMaster socket */
	int watchdog;	     /* wrap the command so that it dies with the
			      * connection (its stdin becomes /dev/null) */
	int tty;	     /* ssh -tt: a remote terminal (interactive use;
			      * stderr joins stdout) */
};

/* For a process about to exec ssh with a watchdog whose stdin would reach
 * EOF at once (/dev/null): makes stdin a pipe whose write end a small
 * child holds until this process (then ssh) dies, so that the remote
 * command ends with the connection and not before.  The process then
 * leaves for a session of its own (when it does not lead its process
 * group), as pdsh's clients do: under the scheduler's autogroups a
 * session gets a fair share of the CPU, and a fan-out's handshakes all in
 * the caller's session would share one.  The child stays in the caller's
 * process group: the terminal's ^C ends it, and with it the remote
 * command.  0 or -1 with err. */
int sch_hold_stdin(struct cs_error *err);

/* Builds the ssh argv (NULL-terminated, every string malloc'd) running
 * the sh command line cmd on h.  Free with sch_argv_free(). */
char **sch_ssh_argv(const struct sch_host *h, const char *cmd,
		    const struct sch_ssh_opts *o, struct cs_error *err);
void sch_argv_free(char **argv);
/* Path of the control socket of host name (malloc'd), or NULL when the
 * runtime root is too long for a unix socket (multiplexing then off). */
char *sch_control_path(const char *name, struct cs_error *err);
/* Closes the master connection of h (ssh -O exit) and removes its socket. */
void sch_disconnect(const struct sch_host *h);
/* Removes control sockets under the runtime root that no master answers.
 * Returns how many were removed. */
int sch_clean_sockets(void);

/* ------------------------------------------------------------------ */
/* Fan-out */

enum sch_result {
	SCH_OK,	       /* exit status 0 */
	SCH_FAILED,    /* the command ran and exited non-zero */
	SCH_TRANSPORT, /* ssh could not connect or lost the connection */
	SCH_TIMEDOUT,  /* killed after the per-host timeout */
	SCH_CANCELLED, /* the caller's cancel flag was raised */
};

struct sch_host_status {
	const struct sch_host *host;
	enum sch_result result;
	int status;   /* sh-style: 0-255, 128+N for a signal */
	int attempts; /* 1 + retries used */
	int64_t ms;   /* wall time of the last attempt */
	char *reason; /* malloc'd, NULL when ok */
	char *output; /* with gather: stdout, malloc'd */
	size_t output_len;
};

struct sch_fanout_opts {
	int width;	    /* parallel connections; 0: SCH_DEFAULT_WIDTH */
	int timeout;	    /* seconds per host and attempt; 0: none */
	int retries;	    /* extra attempts after a transport failure */
	int gather;	    /* keep stdout per host instead of printing */
	int out_fd, err_fd; /* where prefixed lines go; -1: dropped */
	int prefix;	    /* prefix lines with "host: " (default when
			     * more than one host; -1 never, 1 always) */
	const volatile sig_atomic_t *cancel; /* stop all when set */
	struct sch_ssh_opts ssh;
	/* When set, every whole line (without its newline) goes here
	 * instead of out_fd/err_fd or gather, as it arrives. */
	void (*on_line)(void *arg, const struct sch_host *h, int is_err,
			const char *line, size_t len);
	/* When set, called once per host as soon as it is finished (after
	 * its retries), with its status filled in. */
	void (*on_done)(void *arg, const struct sch_host_status *st);
	void *cb_arg;
};

/* Defaults: out_fd 1, err_fd 2, everything else 0. */
void sch_fanout_opts_init(struct sch_fanout_opts *o);
/* "ok", "failed", "unreachable", "timeout", "cancelled" */
const char *sch_result_name(enum sch_result r);

/* Runs the sh command line cmd on hosts[0..n).  Fills st[i] for each.
 * Returns the worst status (0 only if all succeeded, 255 when a transport
 * failed), or -1 with err set when nothing could be started. */
int sch_fanout(const struct sch_host *const *hosts, size_t n, const char *cmd,
	       const struct sch_fanout_opts *o, struct sch_host_status *st,
	       struct cs_error *err);
void sch_status_release(struct sch_host_status *st, size_t n);
/* Writes the dshbak -c style folding of the gathered outputs to fd. */
void sch_gather_print(int fd, const struct sch_host_status *st, size_t n);
/* Writes the table host, status, duration, reason to fd. */
void sch_summary_print(int fd, const struct sch_host_status *st, size_t n);
/* "web[1-3,5],db1": names folded by numeric suffix.  Malloc'd. */
char *sch_hostlist(const char *const *names, size_t n);

/* ------------------------------------------------------------------ */
/* Probes: one ssh round trip per host. */

struct sch_probe {
	char *host;    /* inventory name */
	int reachable; /* 0 when the probe failed (error says why) */
	char *error;
	int64_t time; /* unix seconds of the probe */
	int cpus;
	int64_t mem_total_kb, mem_avail_kb;
	double load1, load5, load15;
	char *kernel;	      /* uname -r */
	char *arch;	      /* uname -m */
	int64_t disk_free_kb; /* of / */
	char *cshell;	      /* cshell --version, NULL when not installed */
};

/* The command line a probe runs (POSIX sh, one round trip). */
const char *sch_probe_script(void);
/* Parses the probe script's output into p (fields it names). */
int sch_probe_parse(struct sch_probe *p, const char *out, size_t len,
		    struct cs_error *err);
void sch_probe_release(struct sch_probe *p);
/* Probes hosts in parallel and merges the results into the cache
 * ($DATA/hosts-probe.json).  p[i] receives hosts[i]'s. */
int sch_probe_hosts(const struct sch_host *const *hosts, size_t n,
		    const struct sch_fanout_opts *o, struct sch_probe *p,
		    struct cs_error *err);
/* Loads the cached probes (absent file: none).  *p malloc'd. */
int sch_probe_cache_load(struct sch_probe **p, size_t *n, struct cs_error *err);
/* JSON text of probes (malloc'd), the cache file's format. */
char *sch_probe_json(const struct sch_probe *p, size_t n);
int sch_probe_from_json(const char *text, size_t len, struct sch_probe **p,
			size_t *n, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* Placement: filter, then score; a pure function of probe results. */

enum sch_strategy {
	SCH_LEAST_ALLOCATED, /* the most free capacity first (default) */
	SCH_SPREAD,	     /* the fewest copies of this request, then the
			      * fewest placed sandboxes first */
	SCH_BINPACK,	     /* the least free capacity that still fits */
};

struct sch_want {
	const char *cshell;  /* NULL: any; else the `cshell --version` line
			      * the host must answer (remote sandboxes) */
	const char *arch;    /* NULL: any; amd64 = x86_64, arm64 = aarch64 */
	const char *kernel;  /* NULL: any; a release prefix: "6.1" */
	char *const *labels; /* "key=value" every host must carry */
	size_t nlabels;
	double cpus;	 /* free cpus needed: cpus - load1 */
	int64_t mem_kb;	 /* available memory needed */
	int64_t disk_kb; /* free disk needed */
	enum sch_strategy strategy;
};

struct sch_candidate {
	const struct sch_host *host;
	const struct sch_probe *probe; /* NULL: never probed (filtered) */
	int placed;		       /* sandboxes already placed there */
	int siblings;		       /* of them, copies of this request
					* (--replicas) */
	double req_cpus;	       /* what those sandboxes asked for */
	int64_t req_mem_kb;
};

struct sch_placement {
	size_t index; /* into the candidates */
	double score; /* higher is better */
	char *reason; /* malloc'd: why it was filtered; NULL if it fits */
};

/* Ranks the candidates: out[0..n) gets every candidate, the ones that
 * fit first (best first), then the filtered ones with their reason.
 * Returns how many fit. */
size_t sch_place(const struct sch_candidate *c, size_t n,
		 const struct sch_want *w, struct sch_placement *out);
void sch_placement_release(struct sch_placement *out, size_t n);
/* The problem of a probe's cshell for remote sandboxes: NULL when its
 * version is want (the `cshell --version` line), else a malloc'd sentence
 * that says what to do. */
char *sch_cshell_problem(const struct sch_probe *p, const char *want);

/* ------------------------------------------------------------------ */
/* Remote sandboxes: where the sandboxes placed on hosts live, kept in
 * $DATA/hosts-sandboxes ("SANDBOX HOST CPUS_MILLI MEM_KB" lines; the
 * host's own cshell keeps the sandbox's record), so that `@SB` finds its
 * host and placement counts what each host already carries. */

struct sch_remote {
	char *sandbox;
	char *host;
	int64_t cpus_milli; /* what its create asked for (0: none) */
	int64_t mem_kb;
};

struct sch_remotes {
	struct sch_remote *v;
	size_t n;
};

/* A missing file is none.  0 or -1 with err. */
int sch_remotes_load(struct sch_remotes *r, struct cs_error *err);
void sch_remotes_release(struct sch_remotes *r);
/* NULL when sandbox is not placed on any host. */
const struct sch_remote *sch_remotes_find(const struct sch_remotes *r,
					  const char *sandbox);
/* Records s under the file's lock; a sandbox already recorded is an
 * error (the file unchanged). */
int sch_remote_add(const struct sch_remote *s, struct cs_error *err);
/* Forgets sandbox when host holds it (absent: not an error). */
int sch_remote_rm(const char *sandbox, const char *host, struct cs_error *err);
/* The sh command line that runs `sandbox ARGV…` (sub = "sandbox") or
 * `@SB ARGV…` (sub = "@SB") in the host's own cshell, words kept
 * (malloc'd). */
char *sch_remote_cshell(const char *sub, char *const *argv);

#endif
