// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * cgroup.c — the cgroups QEMU runs in, for `sandbox stats` (docs/vm.md,
 * "Figures"): what the VM costs the host.  No limits are set in them.
 *
 * runtime/vm/<name>/cgroup holds two lines, the v2 directory and the
 * ':'-separated v1 directories (either may be empty), as a sandbox record
 * names its cgroups: monitor/'s mon_stats_read() reads both.  A pure v2
 * host gets /sys/fs/cgroup/cshell-vm/<id> with the memory, pids and io
 * controllers enabled; a hybrid one an empty v2 directory (its cpu.stat)
 * plus memory, pids, cpuacct and blkio groups.  <id> is the name and a
 * hash of the runtime root, as a sandbox's.  Without rights: no cgroup,
 * and stats says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "vm/vm.h"
#include "vm/vm_i.h"

#define CG "/sys/fs/cgroup"

/* Turns the stats controllers on for dir's children, one at a time: one
 * the host lacks must not keep the others off. */
static void cg_enable(const char *dir)
{
	static const char *const on[] = { "+memory", "+pids", "+io", "+cpu" };
	_cleanup_free_ char *p = xasprintf("%s/cgroup.subtree_control", dir);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

	for (size_t i = 0; fd >= 0 && i < CS_ARRAY_SIZE(on); i++)
		if (write(fd, on[i], strlen(on[i])) < 0) {
			/* not on this host: the next may be */
		}
}

/* dir, made; NULL when it cannot be.  Another VM's removal may take
 * cshell-vm/ away between its mkdir and ours (vm_cgroup_remove): then
 * again. */
static char *cg_dir(const char *base, const char *id)
{
	char *d = xasprintf("%s/cshell-vm/%s", base, id);
	int r = -ENOENT;

	for (int i = 0; i < 5 && r == -ENOENT; i++)
		r = cs_mkdir_p(d, 0755);
	if (r < 0 && r != -EEXIST) {
		free(d);
		return NULL;
	}
	return d;
}

int vm_cgroup_create(const char *dir, const char *name, char **v2, char **v1)
{
	_cleanup_free_ char *id = sbx_cgroup_id(name), *path = NULL,
			    *body = NULL;
	static const char *const ctrls[] = { "memory", "pids", "cpuacct",
					     "blkio" };
	struct cs_buf l1 = CS_BUF_INIT;

	*v2 = *v1 = NULL;
	if (sbx_is_cgroup2(CG)) {
		cg_enable(CG);
		*v2 = cg_dir(CG, id);
		if (*v2)
			cg_enable(CG "/cshell-vm");
	} else {
		if (sbx_is_cgroup2(CG "/unified"))
			*v2 = cg_dir(CG "/unified", id);
		for (size_t i = 0; i < CS_ARRAY_SIZE(ctrls); i++) {
			_cleanup_free_ char *base =
				xasprintf(CG "/%s", ctrls[i]);
			_cleanup_free_ char *d = cg_dir(base, id);

			if (d)
				cs_buf_addf(&l1, "%s%s", l1.len ? ":" : "", d);
		}
		if (l1.len)
			*v1 = cs_buf_detach(&l1, NULL);
		cs_buf_release(&l1);
	}
	if (!*v2 && !*v1)
		return -1;
	path = xasprintf("%s/cgroup", dir);
	body = xasprintf("%s\n%s\n", *v2 ? *v2 : "", *v1 ? *v1 : "");
	return cs_write_file_atomic(path, body, strlen(body), 0644, NULL);
}

int vm_cgroup_read(const char *dir, char **v2, char **v1)
{
	_cleanup_free_ char *path = xasprintf("%s/cgroup", dir);
	struct cs_buf b = CS_BUF_INIT;
	char *nl;

	*v2 = *v1 = NULL;
	if (cs_read_file(path, &b, 8192, NULL) < 0)
		return -1;
	nl = strchr(b.buf, '\n');
	if (nl) {
		*nl++ = 0;
		nl[strcspn(nl, "\n")] = 0;
		*v1 = *nl ? xstrdup(nl) : NULL;
	}
	*v2 = *b.buf ? xstrdup(b.buf) : NULL;
	cs_buf_release(&b);
	return 0;
}

void vm_cgroup_remove(const char *dir)
{
	_cleanup_free_ char *v2 = NULL, *v1 = NULL, *path = NULL;

	if (vm_cgroup_read(dir, &v2, &v1) < 0)
		return;
	sbx_cgroup_remove(v2, v1);
	/* cshell-vm/ too once the last VM's group is gone (else EBUSY) */
	for (char *p = v2; p; p = p == v2 ? v1 : NULL)
		for (char *d = p, *end; d && *d; d = end ? end + 1 : NULL) {
			end = strchr(d, ':');
			if (end)
				*end = 0;
			if (strrchr(d, '/')) {
				*strrchr(d, '/') = 0;
				rmdir(d);
			}
		}
	path = xasprintf("%s/cgroup", dir);
	unlink(path);
}
