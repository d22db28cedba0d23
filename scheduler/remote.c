/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * remote.c — which host each remote sandbox lives on: $DATA/hosts-sandboxes,
 * one "SANDBOX HOST CPUS_MILLI MEM_KB" line per sandbox placed by `sandbox
 * create --on`.  The sandbox's real record (init pid, cgroups, mounts) is
 * kept by the host's own cshell; here is only what this machine needs to
 * route `@SB` and to count what a host already carries.  Plain text and no
 * jansson, so that the shell reads it itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "scheduler/sched_i.h"

#define REMOTES_FILE "hosts-sandboxes"
#define REMOTES_MAX (4u << 20)

static char *remotes_path(int create, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_DATA, "", create, err);

	return dir ? xasprintf("%s/" REMOTES_FILE, dir) : NULL;
}

void sch_remotes_release(struct sch_remotes *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].sandbox);
		free(r->v[i].host);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* One line; a line that is not four fields is skipped (hand edits). */
static void parse_line(struct sch_remotes *r, char *line)
{
	char sb[128], host[SCH_NAME_MAX + 1];
	int64_t cpus, mem;

	if (sscanf(line, "%127s %63s %" SCNd64 " %" SCNd64, sb, host, &cpus,
		   &mem) != 4)
		return;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n].sandbox = xstrdup(sb);
	r->v[r->n].host = xstrdup(host);
	r->v[r->n].cpus_milli = cpus;
	r->v[r->n].mem_kb = mem;
	r->n++;
}

static int load_path(struct sch_remotes *r, const char *path,
		     struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	struct cs_error e = CS_ERROR_INIT;
	char *save = NULL;

	r->v = NULL;
	r->n = 0;
	if (cs_read_file(path, &b, REMOTES_MAX, &e) < 0) {
		if (e.code == ENOENT) {
			cs_error_release(&e);
			return 0;
		}
		*err = e;
		return -1;
	}
	for (char *l = strtok_r(b.buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		parse_line(r, l);
	cs_buf_release(&b);
	return 0;
}

int sch_remotes_load(struct sch_remotes *r, struct cs_error *err)
{
	_cleanup_free_ char *path = remotes_path(0, err);

	r->v = NULL;
	r->n = 0;
	return path ? load_path(r, path, err) : -1;
}

const struct sch_remote *sch_remotes_find(const struct sch_remotes *r,
					  const char *sandbox)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].sandbox, sandbox))
			return &r->v[i];
	return NULL;
}

/* Rewrites the file under its lock with add appended (NULL: none) and
 * drop left out (NULL: none). */
static int remotes_update(const struct sch_remote *add,
			  const struct sch_remote *drop, struct cs_error *err)
{
	_cleanup_free_ char *path = remotes_path(1, err);
	_cleanup_close_ int fd = -1;
	struct sch_remotes r;
	struct cs_buf b = CS_BUF_INIT;
	int ret;

	if (!path || (fd = sch_lock_for(path, err)) < 0)
		return -1;
	if (load_path(&r, path, err) < 0)
		return -1;
	if (add && sch_remotes_find(&r, add->sandbox)) {
		cs_error_set(
			err, 0, "a sandbox '%s' is already placed on host '%s'",
			add->sandbox, sch_remotes_find(&r, add->sandbox)->host);
		sch_remotes_release(&r);
		return -1;
	}
	cs_buf_adds(&b, "");
	for (size_t i = 0; i < r.n; i++)
		if (!drop || strcmp(r.v[i].sandbox, drop->sandbox) ||
		    strcmp(r.v[i].host, drop->host))
			cs_buf_addf(&b, "%s %s %" PRId64 " %" PRId64 "\n",
				    r.v[i].sandbox, r.v[i].host,
				    r.v[i].cpus_milli, r.v[i].mem_kb);
	if (add)
		cs_buf_addf(&b, "%s %s %" PRId64 " %" PRId64 "\n", add->sandbox,
			    add->host, add->cpus_milli, add->mem_kb);
	sch_remotes_release(&r);
	ret = cs_write_file_atomic(path, b.buf, b.len, 0644, err);
	cs_buf_release(&b);
	return ret;
}

int sch_remote_add(const struct sch_remote *s, struct cs_error *err)
{
	return remotes_update(s, NULL, err);
}

int sch_remote_rm(const char *sandbox, const char *host, struct cs_error *err)
{
	struct sch_remote drop = { .sandbox = (char *)sandbox,
				   .host = (char *)host };

	return remotes_update(NULL, &drop, err);
}

char *sch_remote_cshell(const char *sub, char *const *argv)
{
	_cleanup_free_ char *script = xasprintf("%s \"$@\"", sub);
	_cleanup_free_ char *words = *argv ? sch_quote_argv(argv) : xstrdup("");
	_cleanup_free_ char *q = sch_quote(script);

	/* $0 is "cshell", the words are $1…: nothing is parsed twice */
	return xasprintf("cshell -c %s cshell%s%s", q, *argv ? " " : "", words);
}
