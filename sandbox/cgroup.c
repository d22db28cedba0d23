// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * cgroup.c — resource limits of a sandbox.
 *
 * On a pure cgroup v2 host one directory, /sys/fs/cgroup/cshell/<id>, takes
 * memory.max, pids.max and cpu.max.  On a hybrid host (v1 controllers under
 * /sys/fs/cgroup/<ctrl>, v2 at /sys/fs/cgroup/unified) the limits go to the
 * v1 memory, pids and cpu controllers and an empty v2 directory gives the
 * sandbox its identity (eBPF keys on the v2 cgroup id).  <id> is the
 * sandbox name plus a hash of the runtime root, so two state roots (tests,
 * users) never share a cgroup.  Without rights: a warning, no limits.
 *
 * Every sandbox gets pids.max SBX_PIDS_DEFAULT unless it asks otherwise
 * (spec.c): a fork bomb inside must not take the host's pid space.  That
 * default is silent where it cannot be set (no rights, no pids
 * controller); a limit the user asked for is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define CG_ROOT "/sys/fs/cgroup"

int sbx_is_cgroup2(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

static int write_str(const char *dir, const char *file, const char *val)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		return -errno;
	return 0;
}

char *sbx_cgroup_id(const char *name)
{
	_cleanup_free_ char *rt = cs_root_path(CS_ROOT_RUNTIME);
	uint32_t h = 2166136261u;

	for (const char *p = rt; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return xasprintf("%s-%08x", name, h);
}

static int make_dir(const char *path, struct cs_error *err)
{
	int r = cs_mkdir_p(path, 0755);

	if (r < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "create cgroup '%s'", path);
	return 0;
}

static void v1_append(char **list, const char *dir)
{
	char *n = *list ? xasprintf("%s:%s", *list, dir) : xstrdup(dir);

	free(*list);
	*list = n;
}

/* Whether the user asked for the pids limit (not just the default). */
static int pids_asked(const struct sbx_spec *spec)
{
	return spec->pids && spec->pids != SBX_PIDS_DEFAULT;
}

int sbx_cgroup_create(const struct sbx_spec *spec, struct sbx_cgroup *cg,
		      struct cs_error *err)
{
	_cleanup_free_ char *id = sbx_cgroup_id(spec->name);
	int want = spec->memory || pids_asked(spec) || spec->cpus_milli;
	int v2only = sbx_is_cgroup2(CG_ROOT);
	char num[64];
	int r;

	memset(cg, 0, sizeof(*cg));
	if (access(CG_ROOT, W_OK) < 0 ||
	    (!v2only && access(CG_ROOT "/memory", W_OK) < 0 &&
	     access(CG_ROOT "/unified", W_OK) < 0)) {
		if (want)
			cs_warn("no rights to create cgroups here: sandbox "
				"'%s' runs without cpu/memory/pids limits",
				spec->name);
		return 0;
	}
	if (v2only) {
		cg->v2 = xasprintf(CG_ROOT "/cshell/%s", id);
		if (make_dir(CG_ROOT "/cshell", err) < 0)
			return -1;
		/* one controller at a time: one the host lacks must not keep
		 * the others from being enabled */
		static const char *const on[] = { "+memory", "+pids", "+cpu" };
		for (size_t i = 0; i < CS_ARRAY_SIZE(on); i++) {
			write_str(CG_ROOT, "cgroup.subtree_control", on[i]);
			write_str(CG_ROOT "/cshell", "cgroup.subtree_control",
				  on[i]);
		}
		if (make_dir(cg->v2, err) < 0)
			return -1;
		r = 0;
		if (spec->memory) {
			snprintf(num, sizeof(num), "%" PRIu64, spec->memory);
			r = write_str(cg->v2, "memory.max", num);
			write_str(cg->v2, "memory.swap.max", "0");
		}
		if (!r && spec->pids) {
			snprintf(num, sizeof(num), "%" PRIu64, spec->pids);
			r = write_str(cg->v2, "pids.max", num);
			/* no pids controller here: only the default is lost */
			if (r == -ENOENT && !pids_asked(spec))
				r = 0;
		}
		if (!r && spec->cpus_milli) {
			snprintf(num, sizeof(num), "%" PRIu64 " 100000",
				 spec->cpus_milli * 100);
			r = write_str(cg->v2, "cpu.max", num);
		}
		if (r < 0)
			return cs_error_set(err, -r, "set limits in '%s'",
					    cg->v2);
		return 0;
	}

	if (sbx_is_cgroup2(CG_ROOT "/unified")) {
		cg->v2 = xasprintf(CG_ROOT "/unified/cshell/%s", id);
		if (make_dir(cg->v2, err) < 0)
			return -1;
	}
	/* a v1 controller only when its limit is asked for: creating and
	 * removing v1 groups is a good part of a short sandbox's cost */
	static const char *const ctrls[] = { "memory", "pids", "cpu" };
	const int wanted[] = { spec->memory != 0, spec->pids != 0,
			       spec->cpus_milli != 0 };
	for (size_t i = 0; i < CS_ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *base = xasprintf(CG_ROOT "/%s", ctrls[i]);
		_cleanup_free_ char *dir = NULL;

		if (!wanted[i])
			continue;
		if (access(base, W_OK) < 0) {
			if (i == 1 && !pids_asked(spec))
				continue;
			cs_warn("cgroup controller '%s' is not "
				"available: sandbox '%s' runs without "
				"that limit",
				ctrls[i], spec->name);
			continue;
		}
		dir = xasprintf("%s/cshell/%s", base, id);
		if (make_dir(dir, err) < 0)
			return -1;
		v1_append(&cg->v1, dir);
		r = 0;
		if (i == 0 && spec->memory) {
			snprintf(num, sizeof(num), "%" PRIu64, spec->memory);
			r = write_str(dir, "memory.limit_in_bytes", num);
			write_str(dir, "memory.memsw.limit_in_bytes", num);
		} else if (i == 1 && spec->pids) {
			snprintf(num, sizeof(num), "%" PRIu64, spec->pids);
			r = write_str(dir, "pids.max", num);
		} else if (i == 2) {
			r = write_str(dir, "cpu.cfs_period_us", "100000");
			snprintf(num, sizeof(num), "%" PRIu64,
				 spec->cpus_milli * 100);
			if (!r)
				r = write_str(dir, "cpu.cfs_quota_us", num);
		}
		if (r < 0)
			return cs_error_set(err, -r, "set limits in '%s'", dir);
	}
	return 0;
}

static int enter_one(const char *dir, const char *pidstr)
{
	return write_str(dir, "cgroup.procs", pidstr);
}

int sbx_cgroup_enter(const char *v2, const char *v1, pid_t pid)
{
	char pidstr[32];
	int r;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	if (v2 && (r = enter_one(v2, pidstr)) < 0)
		return r;
	for (const char *p = v1; p && *p;) {
		size_t len = strcspn(p, ":");
		_cleanup_free_ char *dir = xstrndup(p, len);

		/* ourselves (single-threaded, as every caller is): v1's
		 * "tasks" moves just this thread, which spares the
		 * threadgroup lock and its RCU grace period (~10 ms on a
		 * busy machine, on every join) that "cgroup.procs" takes */
		r = pid ? enter_one(dir, pidstr) :
			  write_str(dir, "tasks", pidstr);
		if (r < 0)
			return r;
		p += len + (p[len] ? 1 : 0);
	}
	return 0;
}

static void rmdir_retry(const char *dir)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	cs_warn("cannot remove cgroup '%s': %s", dir, strerror(errno));
}

void sbx_cgroup_remove(const char *v2, const char *v1)
{
	if (v2)
		rmdir_retry(v2);
	for (const char *p = v1; p && *p;) {
		size_t len = strcspn(p, ":");
		_cleanup_free_ char *dir = xstrndup(p, len);

		rmdir_retry(dir);
		p += len + (p[len] ? 1 : 0);
	}
}

static int oom_write(const char *path, int v)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", v);
	return write_str("/proc", path, num);
}

/*
 * init is the last process the OOM killer should pick: -1000.  Lowering a
 * score takes CAP_SYS_RESOURCE, which root inside a container often lacks;
 * then the lowest value the kernel still allows (no lower than the score
 * it was once set to by a privileged writer), found by bisection between
 * -1000 and init's current score: a dozen writes, only on such hosts and
 * only when one below the current score is allowed at all (else two
 * writes and a read: a run's command waits for them).
 */
void sbx_oom_protect(pid_t pid)
{
	_cleanup_free_ char *rel = xasprintf("%d/oom_score_adj", (int)pid);
	_cleanup_free_ char *abs = xasprintf("/proc/%s", rel);
	struct cs_buf cur = CS_BUF_INIT;
	int lo = -1000, hi, r;

	r = oom_write(rel, lo);
	if (r != -EACCES && r != -EPERM)
		return;
	cs_buf_init(&cur, 32);
	if (cs_read_file(abs, &cur, 32, NULL) < 0) {
		cs_buf_release(&cur);
		return;
	}
	hi = atoi(cur.buf); /* allowed: it is the score now */
	cs_buf_release(&cur);
	/* the usual case: nothing below the score inherited from us */
	r = hi > lo + 1 ? oom_write(rel, hi - 1) : -EACCES;
	if (r != 0)
		return;
	hi--;
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		r = oom_write(rel, mid);
		if (r == 0)
			hi = mid;
		else if (r == -EACCES || r == -EPERM)
			lo = mid;
		else
			return;
	}
	/* the last write that worked set hi */
}

void sbx_cgroup_release(struct sbx_cgroup *cg)
{
	free(cg->v2);
	free(cg->v1);
	memset(cg, 0, sizeof(*cg));
}
