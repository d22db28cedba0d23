// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * stats.c — resource figures of a sandbox read from its cgroup files, no
 * eBPF needed: the v2 group first (cpu.stat exists there even without
 * controllers, as cgroup core keeps it), then, for what it lacks, the v1
 * controllers a hybrid host's sandbox record names.  Each v1 directory is
 * recognised by the files it has, not by its path, so a mount point of
 * another name ("cpu,cpuacct") needs no special case.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "monitor/monitor.h"

/* Reads a small cgroup file into buf; 0 or -1 (missing or unreadable). */
static int read_small(const char *dir, const char *name, char *buf, size_t size)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	if (ferror(f))
		return -1;
	buf[n] = 0;
	return 0;
}

static int read_u64(const char *dir, const char *name, uint64_t *out)
{
	char buf[64], *end;

	if (read_small(dir, name, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -1;
	return 0;
}

/* "key value" lines (cpu.stat, cpuacct.stat): the value of key. */
static int find_key(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			*out = strtoull(p + klen + 1, NULL, 10);
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static void v2_cpu(const char *dir, struct mon_stats *st)
{
	char buf[1024];

	if (read_small(dir, "cpu.stat", buf, sizeof(buf)) < 0 ||
	    find_key(buf, "usage_usec", &st->cpu_usage_usec) < 0)
		return;
	find_key(buf, "user_usec", &st->cpu_user_usec);
	find_key(buf, "system_usec", &st->cpu_system_usec);
	st->have |= MON_STAT_CPU;
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N …" per device. */
static void v2_io(const char *dir, struct mon_stats *st)
{
	char buf[8192], *line, *save = NULL;

	if (read_small(dir, "io.stat", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;

		for (tok = strtok_r(line, " ", &s2); tok;
		     tok = strtok_r(NULL, " ", &s2)) {
			uint64_t v;

			if (sscanf(tok, "rbytes=%" SCNu64, &v) == 1)
				st->io_rbytes += v;
			else if (sscanf(tok, "wbytes=%" SCNu64, &v) == 1)
				st->io_wbytes += v;
			else if (sscanf(tok, "rios=%" SCNu64, &v) == 1)
				st->io_rios += v;
			else if (sscanf(tok, "wios=%" SCNu64, &v) == 1)
				st->io_wios += v;
		}
	}
	st->have |= MON_STAT_IO;
}

static void v1_dir(const char *dir, struct mon_stats *st)
{
	char buf[8192];
	uint64_t v;

	if (!(st->have & MON_STAT_MEMORY) &&
	    read_u64(dir, "memory.usage_in_bytes", &st->memory_current) == 0)
		st->have |= MON_STAT_MEMORY;
	if (!(st->have & MON_STAT_PIDS) &&
	    read_u64(dir, "pids.current", &st->pids_current) == 0)
		st->have |= MON_STAT_PIDS;
	if (!(st->have & MON_STAT_CPU) &&
	    read_u64(dir, "cpuacct.usage", &v) == 0) {
		long hz = sysconf(_SC_CLK_TCK);

		st->cpu_usage_usec = v / 1000;
		if (hz > 0 &&
		    read_small(dir, "cpuacct.stat", buf, sizeof(buf)) == 0) {
			if (find_key(buf, "user", &v) == 0)
				st->cpu_user_usec = v * 1000000 / hz;
			if (find_key(buf, "system", &v) == 0)
				st->cpu_system_usec = v * 1000000 / hz;
		}
		st->have |= MON_STAT_CPU;
	}
	if (!(st->have & MON_STAT_IO) &&
	    read_small(dir, "blkio.throttle.io_service_bytes", buf,
		       sizeof(buf)) == 0) {
		char *line, *save = NULL;

		/* "MAJ:MIN Read N" / "MAJ:MIN Write N" lines, then "Total" */
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char op[16];

			if (sscanf(line, "%*s %15s %" SCNu64, op, &v) != 2)
				continue;
			if (!strcmp(op, "Read"))
				st->io_rbytes += v;
			else if (!strcmp(op, "Write"))
				st->io_wbytes += v;
		}
		st->have |= MON_STAT_IO;
	}
}

int mon_stats_read(const char *cgroup_v2, const char *cgroup_v1,
		   struct mon_stats *st, struct cs_error *err)
{
	int found = 0;

	memset(st, 0, sizeof(*st));
	if (cgroup_v2 && access(cgroup_v2, F_OK) == 0) {
		found = 1;
		v2_cpu(cgroup_v2, st);
		if (read_u64(cgroup_v2, "memory.current",
			     &st->memory_current) == 0)
			st->have |= MON_STAT_MEMORY;
		if (read_u64(cgroup_v2, "pids.current", &st->pids_current) == 0)
			st->have |= MON_STAT_PIDS;
		v2_io(cgroup_v2, st);
	}
	if (cgroup_v1) {
		_cleanup_free_ char *list = xstrdup(cgroup_v1);
		char *dir, *save = NULL;

		for (dir = strtok_r(list, ":", &save); dir;
		     dir = strtok_r(NULL, ":", &save)) {
			if (access(dir, F_OK) < 0)
				continue;
			found = 1;
			v1_dir(dir, st);
		}
	}
	if (!found)
		return cs_error_set(err, ENOENT,
				    "no cgroup directory to read figures from "
				    "(is the sandbox running?)");
	return 0;
}

int mon_stats_json(const struct mon_stats *st, struct cs_buf *out)
{
	const struct {
		const char *key;
		unsigned flag;
		uint64_t value;
	} f[] = {
		{ "cpu_usage_usec", MON_STAT_CPU, st->cpu_usage_usec },
		{ "cpu_user_usec", MON_STAT_CPU, st->cpu_user_usec },
		{ "cpu_system_usec", MON_STAT_CPU, st->cpu_system_usec },
		{ "memory_current", MON_STAT_MEMORY, st->memory_current },
		{ "pids_current", MON_STAT_PIDS, st->pids_current },
		{ "io_rbytes", MON_STAT_IO, st->io_rbytes },
		{ "io_wbytes", MON_STAT_IO, st->io_wbytes },
		{ "io_rios", MON_STAT_IO, st->io_rios },
		{ "io_wios", MON_STAT_IO, st->io_wios },
	};

	cs_buf_addc(out, '{');
	for (size_t i = 0; i < CS_ARRAY_SIZE(f); i++) {
		cs_buf_addf(out, "%s\"%s\":", i ? "," : "", f[i].key);
		if (st->have & f[i].flag)
			cs_buf_addf(out, "%" PRIu64, f[i].value);
		else
			cs_buf_adds(out, "null");
	}
	return cs_buf_addc(out, '}');
}
