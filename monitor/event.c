// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * event.c — from the kernel's ring-buffer records (wire_i.h) to struct
 * mon_event, and from there to JSON lines and terminal lines.
 *
 * mon_event_decode() treats a record as untrusted bytes: it checks the
 * size against the record type, clamps every length the kernel wrote to
 * the buffer it describes and NUL-terminates every string it copies
 * (tests/fuzz/fuzz_mon_event.c holds it to that).  The formatters below it
 * only ever see decoded events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "monitor/mon_i.h"
#include "monitor/monitor.h"
#include "monitor/wire_i.h"

static const char *const type_names[] = {
	[MON_EV_EXEC] = "exec", [MON_EV_EXIT] = "exit",
	[MON_EV_OPEN] = "open", [MON_EV_CONNECT] = "connect",
	[MON_EV_GONE] = "gone",
};

const char *mon_event_type_name(enum mon_event_type type)
{
	if ((unsigned)type < CS_ARRAY_SIZE(type_names) && type_names[type])
		return type_names[type];
	return "?";
}

int mon_parse_events(const char *s, unsigned *flags, struct cs_error *err)
{
	unsigned out = 0;

	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 3 && !strncmp(s, "all", 3))
			out |= MON_ALL;
		else if (n == 4 && !strncmp(s, "exec", 4))
			out |= MON_EXEC;
		else if (n == 4 && !strncmp(s, "exit", 4))
			out |= MON_EXIT;
		else if (n == 4 && !strncmp(s, "open", 4))
			out |= MON_OPEN;
		else if (n == 7 && !strncmp(s, "connect", 7))
			out |= MON_CONNECT;
		else if (n)
			return cs_error_set(
				err, 0,
				"unknown event '%.*s' (known: exec, "
				"exit, open, connect, all)",
				(int)n, s);
		s += n;
		if (*s)
			s++;
	}
	if (!out)
		return cs_error_set(err, 0, "no events selected");
	*flags = out;
	return 0;
}

/* Copies at most srcmax bytes of a string the kernel wrote (len says how
 * many it claims), always NUL-terminated in dst. */
static void copy_str(char *dst, size_t dstsize, const char *src, size_t srcmax,
		     size_t len)
{
	size_t n = len < srcmax ? len : srcmax;

	n = strnlen(src, n);
	if (n >= dstsize)
		n = dstsize - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void split_args(struct mon_event *ev, const struct mon_wire_exec *w)
{
	size_t len = w->args_len < MON_WIRE_ARGS ? w->args_len : MON_WIRE_ARGS;
	char *p = ev->exec.args, *end = p + len;
	int argc = 0;

	memcpy(p, w->args, len);
	*end = 0;
	ev->exec.truncated = w->args_total > len;
	while (p < end) {
		if (argc == MON_ARGV_MAX) {
			ev->exec.truncated = 1;
			break;
		}
		ev->exec.argv[argc++] = p;
		p += strlen(p) + 1;
	}
	ev->exec.argv[argc] = NULL;
	ev->exec.argc = argc;
}

static void decode_sockaddr(struct mon_event *ev,
			    const struct mon_wire_connect *w)
{
	size_t len =
		w->sa_len < MON_WIRE_SOCKADDR ? w->sa_len : MON_WIRE_SOCKADDR;
	sa_family_t family;

	ev->connect.family = -1;
	if (len < sizeof(family))
		return;
	memcpy(&family, w->sa, sizeof(family));
	ev->connect.family = family;
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, w->sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, ev->connect.addr,
			  sizeof(ev->connect.addr));
		ev->connect.port = ntohs(sin.sin_port);
	} else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, w->sa, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, ev->connect.addr,
			  sizeof(ev->connect.addr));
		ev->connect.port = ntohs(sin6.sin6_port);
	} else if (family == AF_UNIX && len > sizeof(family)) {
		const char *path = (const char *)w->sa + sizeof(family);
		size_t n = len - sizeof(family);

		if (path[0] == 0) {
			/* abstract: the name is the bytes after the NUL */
			ev->connect.addr[0] = '@';
			copy_str(ev->connect.addr + 1,
				 sizeof(ev->connect.addr) - 1, path + 1, n - 1,
				 n - 1);
		} else {
			copy_str(ev->connect.addr, sizeof(ev->connect.addr),
				 path, n, n);
		}
	} else if (family == AF_INET || family == AF_INET6) {
		ev->connect.family = -1; /* too short to hold its address */
	}
}

int mon_event_decode(const void *data, size_t size, struct mon_event *ev,
		     struct cs_error *err)
{
	static const size_t need[] = {
		[MON_WIRE_EXEC] = sizeof(struct mon_wire_exec),
		[MON_WIRE_EXIT] = sizeof(struct mon_wire_exit),
		[MON_WIRE_OPEN] = sizeof(struct mon_wire_open),
		[MON_WIRE_CONNECT] = sizeof(struct mon_wire_connect),
	};
	/* a copy: the ring buffer only promises 8-byte alignment, a fuzzer
	 * none, and the union's largest member bounds every record we read */
	union {
		struct mon_wire_hdr hdr;
		struct mon_wire_exec exec;
		struct mon_wire_exit exit;
		struct mon_wire_open open;
		struct mon_wire_connect connect;
	} w;
	const struct mon_wire_hdr *h = &w.hdr;

	if (size < sizeof(w.hdr))
		return cs_error_set(err, 0, "short monitor record (%zu bytes)",
				    size);
	memcpy(&w.hdr, data, sizeof(w.hdr));
	if (h->type >= CS_ARRAY_SIZE(need) || !need[h->type])
		return cs_error_set(err, 0, "unknown monitor record type %u",
				    h->type);
	if (size < need[h->type])
		return cs_error_set(err, 0,
				    "short monitor record of type %u (%zu "
				    "bytes, %zu needed)",
				    h->type, size, need[h->type]);
	memcpy(&w, data, need[h->type]);

	memset(ev, 0, sizeof(*ev));
	ev->type = h->type; /* MON_WIRE_* and MON_EV_* agree */
	ev->ts_ns = h->ts_ns;
	ev->cgroup_id = h->cgroup_id;
	ev->task_cgroup_id = h->task_cgroup_id;
	ev->pid = h->pid;
	ev->tid = h->tid;
	ev->ppid = h->ppid;
	ev->ns_pid = h->ns_pid;
	ev->ns_tid = h->ns_tid;
	ev->uid = h->uid;
	ev->gid = h->gid;
	copy_str(ev->comm, sizeof(ev->comm), h->comm, sizeof(h->comm),
		 sizeof(h->comm));

	switch (h->type) {
	case MON_WIRE_EXEC:
		copy_str(ev->exec.filename, sizeof(ev->exec.filename),
			 w.exec.filename, sizeof(w.exec.filename),
			 w.exec.filename_len);
		split_args(ev, &w.exec);
		break;
	case MON_WIRE_EXIT:
		ev->exit.status = w.exit.exit_code;
		ev->exit.runtime_ns = w.exit.runtime_ns;
		break;
	case MON_WIRE_OPEN:
		copy_str(ev->open.path, sizeof(ev->open.path), w.open.path,
			 sizeof(w.open.path), w.open.path_len);
		ev->open.dfd = w.open.dfd;
		ev->open.flags = w.open.flags;
		ev->open.result = w.open.result;
		break;
	case MON_WIRE_CONNECT:
		decode_sockaddr(ev, &w.connect);
		ev->connect.fd = w.connect.fd;
		ev->connect.result = w.connect.result;
		break;
	}
	return 0;
}

int64_t mon_realtime_offset(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (int64_t)(rt.tv_sec - mono.tv_sec) * 1000000000 +
	       (rt.tv_nsec - mono.tv_nsec);
}

/* ------------------------------------------------------------------ */
/* JSON */

void mon_json_str(struct cs_buf *out, const char *s)
{
	cs_buf_addc(out, '"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			cs_buf_addf(out, "\\%c", c);
		else if (c == '\n')
			cs_buf_adds(out, "\\n");
		else if (c == '\t')
			cs_buf_adds(out, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			/* bytes, not UTF-8: a path or argv may hold anything,
			 * and the schema promises valid JSON */
			cs_buf_addf(out, "\\u%04x", c);
		else
			cs_buf_addc(out, c);
	}
	cs_buf_addc(out, '"');
}

static void json_key_str(struct cs_buf *out, const char *key, const char *s)
{
	cs_buf_addf(out, ",\"%s\":", key);
	if (s)
		mon_json_str(out, s);
	else
		cs_buf_adds(out, "null");
}

static const struct {
	unsigned flag;
	const char *name;
} open_flags[] = {
	{ O_CREAT, "O_CREAT" },		{ O_EXCL, "O_EXCL" },
	{ O_NOCTTY, "O_NOCTTY" },	{ O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" },	{ O_NONBLOCK, "O_NONBLOCK" },
	{ O_DSYNC, "O_DSYNC" },		{ O_DIRECT, "O_DIRECT" },
	{ O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" },
	{ O_NOATIME, "O_NOATIME" },	{ O_CLOEXEC, "O_CLOEXEC" },
	{ O_PATH, "O_PATH" },		{ __O_TMPFILE, "O_TMPFILE" },
};

static void flags_str(struct cs_buf *out, unsigned flags)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
					   "O_ACCMODE" };

	cs_buf_adds(out, acc[flags & O_ACCMODE]);
	for (size_t i = 0; i < CS_ARRAY_SIZE(open_flags); i++)
		if ((flags & open_flags[i].flag) == open_flags[i].flag)
			cs_buf_addf(out, "|%s", open_flags[i].name);
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	case -1:
		return NULL;
	default:
		return "other";
	}
}

/* "ENOENT" for a syscall's -ENOENT; NULL for a result that is no error
 * (the kernel's range: -4095..-1). */
static const char *errname(int64_t result)
{
	const char *name;

	if (result >= 0 || result <= -4096)
		return NULL;
	name = strerrorname_np((int)-result);
	return name ? name : "?";
}

static void json_result(struct cs_buf *out, int64_t result)
{
	cs_buf_addf(out, ",\"result\":%" PRId64, result);
	json_key_str(out, "error", errname(result));
}

int mon_event_json(const struct mon_event *ev, int64_t realtime_offset_ns,
		   struct cs_buf *out)
{
	/* unsigned: a garbled ts_ns must not overflow a signed sum */
	uint64_t ts = ev->ts_ns + (uint64_t)realtime_offset_ns;
	size_t start = out->len;
	struct cs_buf tmp = CS_BUF_INIT;

	cs_buf_addf(out, "{\"type\":\"%s\",\"ts\":%" PRIu64 ".%06" PRIu64,
		    mon_event_type_name(ev->type), ts / 1000000000,
		    (ts % 1000000000) / 1000);
	json_key_str(out, "sandbox", ev->label);
	json_key_str(out, "cgroup", ev->cgroup);
	cs_buf_addf(out, ",\"cgroup_id\":%" PRIu64, ev->cgroup_id);
	if (ev->type == MON_EV_GONE) {
		cs_buf_addc(out, '}');
		goto out;
	}
	cs_buf_addf(out,
		    ",\"task_cgroup_id\":%" PRIu64 ",\"pid\":%" PRIu32
		    ",\"tid\":%" PRIu32 ",\"ns_pid\":%" PRIu32
		    ",\"ns_tid\":%" PRIu32 ",\"ppid\":%" PRIu32
		    ",\"uid\":%" PRIu32 ",\"gid\":%" PRIu32,
		    ev->task_cgroup_id, ev->pid, ev->tid, ev->ns_pid,
		    ev->ns_tid, ev->ppid, ev->uid, ev->gid);
	json_key_str(out, "comm", ev->comm);
	switch (ev->type) {
	case MON_EV_EXEC:
		json_key_str(out, "filename", ev->exec.filename);
		cs_buf_adds(out, ",\"argv\":[");
		for (int i = 0; i < ev->exec.argc; i++) {
			if (i)
				cs_buf_addc(out, ',');
			mon_json_str(out, ev->exec.argv[i]);
		}
		cs_buf_addf(out, "],\"argv_truncated\":%s",
			    ev->exec.truncated ? "true" : "false");
		break;
	case MON_EV_EXIT: {
		int st = ev->exit.status;

		cs_buf_addf(out, ",\"status\":%d", st);
		if (WIFEXITED(st))
			cs_buf_addf(out, ",\"exit_code\":%d,\"signal\":null",
				    WEXITSTATUS(st));
		else
			cs_buf_addf(out, ",\"exit_code\":null,\"signal\":%d",
				    WTERMSIG(st));
		cs_buf_addf(out, ",\"core_dumped\":%s,\"runtime_ns\":%" PRIu64,
			    WCOREDUMP(st) ? "true" : "false",
			    ev->exit.runtime_ns);
		break;
	}
	case MON_EV_OPEN:
		json_key_str(out, "path", ev->open.path);
		cs_buf_addf(out, ",\"dfd\":%d,\"flags\":%" PRIu32, ev->open.dfd,
			    ev->open.flags);
		flags_str(&tmp, ev->open.flags);
		json_key_str(out, "flags_str", tmp.buf);
		json_result(out, ev->open.result);
		break;
	case MON_EV_CONNECT:
		cs_buf_addf(out, ",\"fd\":%d", ev->connect.fd);
		json_key_str(out, "family", family_name(ev->connect.family));
		json_key_str(out, "addr",
			     ev->connect.family == -1 ? NULL :
							ev->connect.addr);
		if (ev->connect.family == AF_INET ||
		    ev->connect.family == AF_INET6)
			cs_buf_addf(out, ",\"port\":%u", ev->connect.port);
		else
			cs_buf_adds(out, ",\"port\":null");
		json_result(out, ev->connect.result);
		break;
	default:
		break;
	}
	cs_buf_addc(out, '}');
out:
	cs_buf_release(&tmp);
	if (out->cap && out->len >= out->cap) {
		cs_buf_truncate(out, start);
		return -E2BIG;
	}
	return 0;
}

int mon_event_text(const struct mon_event *ev, struct cs_buf *out)
{
	const char *who = ev->label ? ev->label : ev->cgroup ? ev->cgroup : "?";

	if (ev->type == MON_EV_GONE)
		return cs_buf_addf(out, "[%s] gone", who);
	cs_buf_addf(out, "[%s] %-7s %6" PRIu32 " %-15s ", who,
		    mon_event_type_name(ev->type), ev->ns_pid, ev->comm);
	switch (ev->type) {
	case MON_EV_EXEC:
		for (int i = 0; i < ev->exec.argc; i++)
			cs_buf_addf(out, "%s%s", i ? " " : "",
				    ev->exec.argv[i]);
		if (!ev->exec.argc)
			cs_buf_adds(out, ev->exec.filename);
		if (ev->exec.truncated)
			cs_buf_adds(out, " …");
		break;
	case MON_EV_EXIT:
		if (WIFEXITED(ev->exit.status))
			cs_buf_addf(out, "status %d",
				    WEXITSTATUS(ev->exit.status));
		else
			cs_buf_addf(out, "signal %d",
				    WTERMSIG(ev->exit.status));
		cs_buf_addf(out, " after %.3fs", ev->exit.runtime_ns / 1e9);
		break;
	case MON_EV_OPEN:
		cs_buf_addf(out, "%s ", ev->open.path);
		flags_str(out, ev->open.flags);
		if (errname(ev->open.result))
			cs_buf_addf(out, " = %s", errname(ev->open.result));
		else
			cs_buf_addf(out, " = %" PRId64, ev->open.result);
		break;
	case MON_EV_CONNECT:
		if (ev->connect.family == AF_INET6)
			cs_buf_addf(out, "[%s]:%u", ev->connect.addr,
				    ev->connect.port);
		else if (ev->connect.family == AF_INET)
			cs_buf_addf(out, "%s:%u", ev->connect.addr,
				    ev->connect.port);
		else
			cs_buf_addf(out, "%s", ev->connect.addr);
		if (errname(ev->connect.result))
			cs_buf_addf(out, " = %s", errname(ev->connect.result));
		else
			cs_buf_addf(out, " = %" PRId64, ev->connect.result);
		break;
	default:
		break;
	}
	return 0;
}
