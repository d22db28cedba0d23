// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * load.c — the user side of monitor/: loads monitor.bpf.c through its
 * generated skeleton, keeps the kernel's map of monitored cgroups in step
 * with mon_add_cgroup()/mon_remove_cgroup(), and drains the ring buffer in
 * mon_poll().
 *
 * The kernel submits records without waking us (wire_i.h: wake_bytes), so
 * mon_poll() waits at most opts.wake_ms, then consumes whatever is
 * buffered: one wake-up per batch instead of one per event, at a bounded
 * latency.  Start reading at mon_open().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "monitor/monitor.h"
#include "monitor/monitor.skel.h"
#include "monitor/mon_i.h"
#include "monitor/wire_i.h"

#define MON_BTF_PATH "/sys/kernel/btf/vmlinux"

struct mon_cgroup {
	uint64_t id;
	char *path;
	char *label;
	int gone;
};

struct mon {
	struct monitor_bpf *skel;
	struct ring_buffer *rb;
	int wake_ms;
	struct mon_cgroup *cgs;
	size_t ncgs;
	/* the current mon_poll()'s callback and its tally */
	mon_event_fn fn;
	void *arg;
	int delivered;
	int cb_rc; /* the callback's negative value that stopped it */
	uint64_t bad;
	struct mon_event ev; /* decoded into here: 1.5 KiB, not the stack */
};

/* libbpf explains failures on stderr by default; in a shell that would
 * interleave with the user's output, so its words go to the debug log and
 * ours (one sentence) to the caller. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	if (level == LIBBPF_DEBUG || vasprintf(&text, fmt, ap) < 0)
		return 0;
	/* a verifier log comes as one message of many lines */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		cs_debug("%s", line);
	return 0;
}

static int why_not_loaded(int e, struct cs_error *err)
{
	if (e == EPERM || e == EACCES)
		return cs_error_set(err, 0,
				    "monitoring needs root or the capabilities "
				    "CAP_BPF and CAP_PERFMON");
	return cs_error_set(err, e,
			    "cannot load the eBPF monitor "
			    "(CSHELL_LOG=debug shows libbpf's reasons)");
}

static struct mon_cgroup *find_id(struct mon *mon, uint64_t id)
{
	for (size_t i = 0; i < mon->ncgs; i++)
		if (mon->cgs[i].id == id && !mon->cgs[i].gone)
			return &mon->cgs[i];
	return NULL;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct mon *mon = ctx;
	struct mon_cgroup *cg;
	int rc;

	if (mon_event_decode(data, size, &mon->ev, NULL) < 0) {
		mon->bad++;
		return 0;
	}
	cg = find_id(mon, mon->ev.cgroup_id);
	if (cg) {
		mon->ev.cgroup = cg->path;
		mon->ev.label = cg->label;
	}
	rc = mon->fn(&mon->ev, mon->arg);
	if (rc < 0)
		return mon->cb_rc = rc;
	mon->delivered++;
	return 0;
}

struct mon *mon_open(const struct mon_opts *opts, struct cs_error *err)
{
	struct mon_opts o = opts ? *opts : (struct mon_opts){ 0 };
	struct monitor_bpf *skel;
	struct mon *mon;
	int rc;

	if (!o.events)
		o.events = MON_ALL;
	if (!o.ring_bytes)
		o.ring_bytes = 1 << 20;
	if (o.ring_bytes < 4096 || (o.ring_bytes & (o.ring_bytes - 1)) ||
	    o.ring_bytes > (1u << 30))
		return cs_error_set(err, 0,
				    "ring buffer size %zu is not a power of 2 "
				    "between 4 KiB and 1 GiB",
				    o.ring_bytes),
		       NULL;
	if (o.wake_ms <= 0)
		o.wake_ms = 100;
	if (access(MON_BTF_PATH, R_OK) < 0)
		return cs_error_set(err, 0,
				    "monitoring needs a kernel with BTF type "
				    "information (%s is missing: "
				    "CONFIG_DEBUG_INFO_BTF=y)",
				    MON_BTF_PATH),
		       NULL;
	if (mon_bpf_load(err) < 0)
		return NULL;
	libbpf_set_print(libbpf_log);

	skel = monitor_bpf__open();
	if (!skel)
		return why_not_loaded(errno, err), NULL;
	skel->rodata->want_open = !!(o.events & MON_OPEN);
	skel->rodata->want_connect = !!(o.events & MON_CONNECT);
	/* wake the reader early when a quarter of the ring is used: a burst
	 * never waits for the timeout to make room */
	skel->rodata->wake_bytes = o.ring_bytes / 4;
	bpf_map__set_max_entries(skel->maps.events, o.ring_bytes);
	/* programs for events nobody asked for are not even loaded */
	bpf_program__set_autoload(skel->progs.mon_exec,
				  !!(o.events & MON_EXEC));
	bpf_program__set_autoload(skel->progs.mon_exit,
				  !!(o.events & MON_EXIT));
	if (!(o.events & (MON_OPEN | MON_CONNECT))) {
		bpf_program__set_autoload(skel->progs.mon_sys_enter, false);
		bpf_program__set_autoload(skel->progs.mon_sys_exit, false);
	}
	rc = monitor_bpf__load(skel);
	if (rc) {
		monitor_bpf__destroy(skel);
		return why_not_loaded(-rc, err), NULL;
	}
	rc = monitor_bpf__attach(skel);
	if (rc) {
		monitor_bpf__destroy(skel);
		return why_not_loaded(-rc, err), NULL;
	}

	mon = xcalloc(1, sizeof(*mon));
	mon->skel = skel;
	mon->wake_ms = o.wake_ms;
	mon->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record,
				   mon, NULL);
	if (!mon->rb) {
		rc = errno;
		mon_close(mon);
		return cs_error_set(err, rc,
				    "cannot open the monitor's ring "
				    "buffer"),
		       NULL;
	}
	return mon;
}

void mon_close(struct mon *mon)
{
	if (!mon)
		return;
	ring_buffer__free(mon->rb);
	monitor_bpf__destroy(mon->skel);
	for (size_t i = 0; i < mon->ncgs; i++) {
		free(mon->cgs[i].path);
		free(mon->cgs[i].label);
	}
	free(mon->cgs);
	free(mon);
}

int mon_cgroup_id(const char *path, uint64_t *id, struct cs_error *err)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h;
	struct statfs sfs;
	struct stat st;
	int mnt;

	if (statfs(path, &sfs) < 0)
		return cs_error_errno(err, "cannot read cgroup '%s'", path);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return cs_error_set(err, 0,
				    "'%s' is not a cgroup v2 directory (on a "
				    "hybrid host v2 is under "
				    "/sys/fs/cgroup/unified)",
				    path);
	/* kernfs hands out the cgroup id as its file handle; the inode
	 * number is the same id on 64-bit hosts, the fallback */
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0) == 0 &&
	    h.fh.handle_bytes >= sizeof(*id)) {
		memcpy(id, h.fh.f_handle, sizeof(*id));
		return 0;
	}
	if (stat(path, &st) < 0)
		return cs_error_errno(err, "cannot read cgroup '%s'", path);
	*id = st.st_ino;
	return 0;
}

int mon_pidns_level(pid_t pid, unsigned *level, struct cs_error *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/status", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return cs_error_errno(err, "cannot read '%s'", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned n = 0;
		char *p;

		if (strncmp(line, "NSpid:", 6))
			continue;
		/* one number per level, the initial namespace first */
		for (p = line + 6; *p;) {
			p += strspn(p, " \t\n");
			if (!*p)
				break;
			n++;
			p += strcspn(p, " \t\n");
		}
		if (!n)
			break;
		*level = n - 1;
		return 0;
	}
	return cs_error_set(err, 0, "no NSpid line in '%s'", path);
}

int mon_add_cgroup(struct mon *mon, const char *path, const char *label,
		   pid_t pidns_pid, struct cs_error *err)
{
	struct mon_wire_cg val = { .pidns_level = MON_WIRE_OWN_NS };
	struct mon_cgroup *cg;
	uint64_t id;

	if (mon_cgroup_id(path, &id, err) < 0)
		return -1;
	if (pidns_pid > 0 &&
	    mon_pidns_level(pidns_pid, &val.pidns_level, err) < 0)
		return cs_error_wrap(err,
				     "cannot find the pid namespace of "
				     "cgroup '%s'",
				     path);
	if (bpf_map__update_elem(mon->skel->maps.monitored, &id, sizeof(id),
				 &val, sizeof(val), BPF_ANY) < 0)
		return cs_error_errno(err, "cannot monitor cgroup '%s'", path);
	cg = find_id(mon, id);
	if (!cg) {
		mon->cgs = xrealloc(mon->cgs, (mon->ncgs + 1) * sizeof(*cg));
		cg = &mon->cgs[mon->ncgs++];
		cg->id = id;
		cg->gone = 0;
	} else {
		free(cg->path);
		free(cg->label);
	}
	cg->path = xstrdup(path);
	cg->label = label ? xstrdup(label) : NULL;
	return 0;
}

static void forget(struct mon *mon, struct mon_cgroup *cg)
{
	bpf_map__delete_elem(mon->skel->maps.monitored, &cg->id, sizeof(cg->id),
			     0);
	cg->gone = 1;
}

int mon_remove_cgroup(struct mon *mon, const char *path, struct cs_error *err)
{
	for (size_t i = 0; i < mon->ncgs; i++) {
		if (!mon->cgs[i].gone && !strcmp(mon->cgs[i].path, path)) {
			forget(mon, &mon->cgs[i]);
			return 0;
		}
	}
	return cs_error_set(err, ENOENT, "cgroup '%s' is not monitored", path);
}

size_t mon_cgroup_count(const struct mon *mon)
{
	size_t n = 0;

	for (size_t i = 0; i < mon->ncgs; i++)
		n += !mon->cgs[i].gone;
	return n;
}

/* Marks the monitored cgroups whose directory is gone (or now another
 * cgroup of the same name); returns how many. */
static int check_gone(struct mon *mon, char *gone)
{
	int n = 0;

	for (size_t i = 0; i < mon->ncgs; i++) {
		uint64_t id;

		gone[i] = 0;
		if (mon->cgs[i].gone)
			continue;
		if (mon_cgroup_id(mon->cgs[i].path, &id, NULL) < 0 ||
		    id != mon->cgs[i].id) {
			gone[i] = 1;
			n++;
		}
	}
	return n;
}

static int poll_failed(struct mon *mon, int rc, struct cs_error *err)
{
	if (mon->cb_rc)
		return mon->cb_rc; /* the callback's own value */
	return cs_error_set(err, -rc, "cannot read monitor events");
}

static int deliver_gone(struct mon *mon, const char *gone, size_t n)
{
	struct mon_event *ev = &mon->ev;
	struct timespec now;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (!gone[i])
			continue;
		forget(mon, &mon->cgs[i]);
		clock_gettime(CLOCK_MONOTONIC, &now);
		memset(ev, 0, sizeof(*ev));
		ev->type = MON_EV_GONE;
		ev->ts_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		ev->cgroup_id = mon->cgs[i].id;
		ev->cgroup = mon->cgs[i].path;
		ev->label = mon->cgs[i].label;
		rc = mon->fn(ev, mon->arg);
		if (rc < 0)
			return rc;
		mon->delivered++;
	}
	return 0;
}

int mon_poll(struct mon *mon, int timeout_ms, mon_event_fn fn, void *arg,
	     struct cs_error *err)
{
	_cleanup_free_ char *gone = NULL;
	int left = timeout_ms, rc, ngone, interrupted = 0;
	size_t n;

	mon->fn = fn;
	mon->arg = arg;
	mon->delivered = 0;
	mon->cb_rc = 0;
	for (;;) {
		int wait =
			left < 0 || left > mon->wake_ms ? mon->wake_ms : left;

		/* looked at before draining: every record its tasks wrote
		 * before the cgroup went is then in the ring already (sized
		 * anew: the callback may have added cgroups) */
		n = mon->ncgs;
		gone = xrealloc(gone, n + 1);
		ngone = check_gone(mon, gone);
		rc = ring_buffer__poll(mon->rb, ngone ? 0 : wait);
		if (rc == -EINTR)
			interrupted = 1;
		else if (rc < 0)
			return poll_failed(mon, rc, err);
		/* records submitted without a wake-up are not signalled to
		 * epoll: take them now */
		rc = ring_buffer__consume(mon->rb);
		if (rc < 0 && rc != -EINTR)
			return poll_failed(mon, rc, err);
		if (ngone && (rc = deliver_gone(mon, gone, n)) < 0)
			return rc;
		if (interrupted || mon->delivered || left == 0)
			break;
		if (left > 0) {
			left -= wait;
			if (left <= 0)
				break;
		}
	}
	return mon->delivered;
}

uint64_t mon_lost(const struct mon *mon)
{
	int ncpu = libbpf_num_possible_cpus();
	_cleanup_free_ uint64_t *vals = NULL;
	uint64_t sum = 0;
	uint32_t zero = 0;

	if (ncpu <= 0)
		return 0;
	/* a per-cpu map: one counter per possible cpu, summed here */
	vals = xcalloc(ncpu, sizeof(*vals));
	if (bpf_map__lookup_elem(mon->skel->maps.lost, &zero, sizeof(zero),
				 vals, ncpu * sizeof(*vals), 0) < 0)
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

uint64_t mon_bad(const struct mon *mon)
{
	return mon->bad;
}
