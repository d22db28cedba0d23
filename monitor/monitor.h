/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * monitor.h — eBPF monitoring of sandboxes (DESIGN §8, docs/monitor.md).
 *
 * A struct mon is a loaded and attached set of CO-RE programs that report
 * exec, exit, open and connect of the tasks in the monitored v2 cgroups and
 * every cgroup below them; the kernel drops every other task's events
 * before they are copied anywhere.  Lifecycle: mon_open() → mon_add_cgroup()
 * (any number, also later) → mon_poll() in a loop → mon_close().  Events
 * reach a callback as decoded struct mon_event values; mon_event_decode()
 * is the one place that reads the kernel's records and checks every bound.
 *
 * Resource figures per sandbox (mon_stats_read()) need no eBPF: they come
 * from the cgroup files.
 *
 * Functions that can fail return < 0 (or NULL) and fill the struct cs_error
 * passed last.  Nothing here is thread safe; a struct mon belongs to one
 * thread.
 */
#ifndef CSHELL_MONITOR_H
#define CSHELL_MONITOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"

enum mon_event_type {
	MON_EV_EXEC = 1,
	MON_EV_EXIT = 2,
	MON_EV_OPEN = 3,
	MON_EV_CONNECT = 4,
	/* not from the kernel: a monitored cgroup was removed (its events
	 * before the removal have all been delivered); it is no longer
	 * monitored */
	MON_EV_GONE = 5,
};

/* Which events mon_open() asks the kernel for. */
enum mon_event_flags {
	MON_EXEC = 1 << 0,
	MON_EXIT = 1 << 1,
	MON_OPEN = 1 << 2,
	MON_CONNECT = 1 << 3,
	MON_ALL = MON_EXEC | MON_EXIT | MON_OPEN | MON_CONNECT,
};

#define MON_COMM_MAX 16
#define MON_PATH_MAX 256
#define MON_ARGV_MAX 32

/*
 * One decoded event.  Strings are NUL terminated copies inside the struct
 * (exec.argv points into exec.args), so an event stays valid as long as
 * the struct does; in a callback it lives until the callback returns.
 */
struct mon_event {
	enum mon_event_type type;
	uint64_t ts_ns;		 /* CLOCK_MONOTONIC */
	uint64_t cgroup_id;	 /* the monitored cgroup that matched */
	uint64_t task_cgroup_id; /* the task's own v2 cgroup (may be below) */
	/* what mon_add_cgroup() was given for cgroup_id; NULL from
	 * mon_event_decode() alone */
	const char *cgroup;
	const char *label;
	uint32_t pid, tid, ppid; /* host */
	/* in the pid namespace given to mon_add_cgroup() (the task's own
	 * when none); 0 when the task is not visible there */
	uint32_t ns_pid, ns_tid;
	uint32_t uid, gid; /* host ids */
	char comm[MON_COMM_MAX];
	union {
		struct {
			char filename[MON_PATH_MAX];
			char args[256 + 1];
			const char *argv[MON_ARGV_MAX + 1]; /* NULL ended */
			int argc;
			int truncated; /* argv had more than fitted */
		} exec;
		struct {
			int status; /* wait(2) status: WIFEXITED() etc. work */
			uint64_t runtime_ns; /* since fork */
		} exit;
		struct {
			char path[MON_PATH_MAX]; /* "" when unreadable */
			int dfd;		 /* -100 = AT_FDCWD */
			uint32_t flags;		 /* O_* */
			int64_t result;		 /* fd or -errno */
		} open;
		struct {
			int family;	/* AF_INET, AF_INET6, AF_UNIX, other, or
				     * -1 when the address was unreadable */
			char addr[108]; /* numeric address or unix path
					 * ('@' first: abstract) */
			uint16_t port;	/* host order; 0 for unix */
			int fd;
			int64_t result; /* 0 or -errno */
		} connect;
	};
};

/*
 * Decodes one ring-buffer record of size bytes (untrusted: short, long or
 * garbled records are refused, never read past) into *ev.  Returns 0, or
 * -1 + err.
 */
int mon_event_decode(const void *data, size_t size, struct mon_event *ev,
		     struct cs_error *err);

/* "exec", "exit", "open", "connect", "gone"; "?" when unknown. */
const char *mon_event_type_name(enum mon_event_type type);
/* "exec,open" → MON_EXEC | MON_OPEN ("all" for MON_ALL).  0 or -1 + err. */
int mon_parse_events(const char *s, unsigned *flags, struct cs_error *err);

/*
 * Appends ev as one JSON object (no newline), in the schema of
 * docs/monitor.md.  realtime_offset_ns is added to ts_ns to make the
 * "ts" field wall-clock time (mon_realtime_offset()).  Returns 0 or
 * -E2BIG when out's cap is reached.
 */
int mon_event_json(const struct mon_event *ev, int64_t realtime_offset_ns,
		   struct cs_buf *out);
/* One human-readable line (no newline) for a terminal. */
int mon_event_text(const struct mon_event *ev, struct cs_buf *out);
/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns, now. */
int64_t mon_realtime_offset(void);

/* ------------------------------------------------------------------ */
/* The monitor. */

struct mon;

struct mon_opts {
	unsigned events;   /* enum mon_event_flags; 0 = MON_ALL */
	size_t ring_bytes; /* ring buffer size, power of 2; 0 = 1 MiB */
	int wake_ms;	   /* latency bound: the poll timeout used
				* while records wait; 0 = 100 */
};

/*
 * Loads and attaches the programs.  Needs root (or CAP_BPF + CAP_PERFMON)
 * and a kernel with BTF; without them the error is one sentence saying so.
 * Returns the monitor (free with mon_close()) or NULL + err.
 */
struct mon *mon_open(const struct mon_opts *opts, struct cs_error *err);
/* Detaches, unloads and frees; NULL is allowed. */
void mon_close(struct mon *mon);

/*
 * Monitors the v2 cgroup at path and everything below it.  label (may be
 * NULL; copied) comes back in every event of this cgroup, e.g. the
 * sandbox's name.  pidns_pid: a host pid whose pid namespace the events'
 * ns_pid are given in (the sandbox's init); 0 for each task's own.
 * Returns 0 or -1 + err (also when path is not a v2 cgroup).
 */
int mon_add_cgroup(struct mon *mon, const char *path, const char *label,
		   pid_t pidns_pid, struct cs_error *err);
/* Stops monitoring path (as given to mon_add_cgroup()).  0 or -1 + err
 * (ENOENT when it was not monitored). */
int mon_remove_cgroup(struct mon *mon, const char *path, struct cs_error *err);
/* How many cgroups are monitored (removed ones no longer count). */
size_t mon_cgroup_count(const struct mon *mon);

/*
 * Callback for each event, in the order the kernel wrote them.  Return 0
 * to go on; a negative value stops mon_poll(), which returns it (err
 * untouched: the callback's own error).
 */
typedef int (*mon_event_fn)(const struct mon_event *ev, void *arg);

/*
 * Waits up to timeout_ms (-1: for ever, 0: not at all) for events, then
 * delivers every buffered one to fn, then an MON_EV_GONE event for each
 * monitored cgroup that has disappeared.  Returns the number of events
 * delivered, the callback's negative value, or -1 + err.  A signal
 * interrupting the wait is not an error (returns what was delivered).
 */
int mon_poll(struct mon *mon, int timeout_ms, mon_event_fn fn, void *arg,
	     struct cs_error *err);
/* Records the kernel could not deliver (ring buffer full) since
 * mon_open(); always worth reporting: events are missing when non-zero. */
uint64_t mon_lost(const struct mon *mon);
/* Records refused by mon_event_decode() (a bug if ever non-zero). */
uint64_t mon_bad(const struct mon *mon);

/* The v2 cgroup id of the directory at path (what eBPF's
 * bpf_get_current_cgroup_id() returns for its tasks).  0 or -1 + err. */
int mon_cgroup_id(const char *path, uint64_t *id, struct cs_error *err);
/* The pid-namespace level of pid's namespace (0 = the initial one).
 * 0 or -1 + err. */
int mon_pidns_level(pid_t pid, unsigned *level, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* A whole run, for front ends (cshell-monitor, the shell's `monitor`). */

/* What to watch: a v2 cgroup, and what mon_add_cgroup() takes for it;
 * cgroup_v1 (':'-separated, may be NULL) is for mon_stream_stats(). */
struct mon_target {
	const char *cgroup_v2;
	const char *cgroup_v1;
	const char *label; /* the sandbox's name, or NULL */
	pid_t pidns_pid;   /* the sandbox's init, or 0 */
};

struct mon_stream_opts {
	unsigned events; /* enum mon_event_flags; 0 = MON_ALL */
	int json;	 /* JSON lines (docs/monitor.md) instead of text */
	double duration; /* seconds; 0 = until stopped or all gone */
	/* set non-zero (by a signal handler) to end the run */
	const volatile sig_atomic_t *stop;
};

/*
 * Monitors the targets and writes their events to out until the
 * duration ends, *stop becomes non-zero or every target is gone; then
 * the rest of the buffered events and, with json, a "summary" line
 * (without json a "N events, N lost" line on stderr).  Lost events are
 * reported as soon as they are seen.  Returns 0, or -1 + err (nothing
 * could be monitored, or reading failed).
 */
int mon_stream(const struct mon_stream_opts *opts,
	       const struct mon_target *targets, size_t n, FILE *out,
	       struct cs_error *err);
/* Writes the figures of each target (mon_stats_read()), one line each,
 * JSON or text.  0, or -1 + err for the first target that has none. */
int mon_stream_stats(const struct mon_target *targets, size_t n, int json,
		     FILE *out, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* Resource figures of a sandbox from its cgroup files. */

enum mon_stats_flags {
	MON_STAT_CPU = 1 << 0,
	MON_STAT_MEMORY = 1 << 1,
	MON_STAT_PIDS = 1 << 2,
	MON_STAT_IO = 1 << 3,
};

struct mon_stats {
	unsigned have; /* enum mon_stats_flags: the figures found */
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
	uint64_t memory_current; /* bytes */
	uint64_t pids_current;
	uint64_t io_rbytes, io_wbytes, io_rios, io_wios;
};

/*
 * Reads the figures of one sandbox: from the v2 directory cgroup_v2 (may
 * be NULL), and for what it lacks (hybrid hosts: the v2 group has no
 * controllers) from the ':'-separated v1 directories cgroup_v1 (may be
 * NULL), as the sandbox record names them.  A figure no file has is left
 * out of st->have.  0, or -1 + err when neither directory exists.
 */
int mon_stats_read(const char *cgroup_v2, const char *cgroup_v1,
		   struct mon_stats *st, struct cs_error *err);
/* Appends st as one JSON object (no newline); absent figures are null. */
int mon_stats_json(const struct mon_stats *st, struct cs_buf *out);

#endif
