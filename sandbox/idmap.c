// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * idmap.c — the user namespace id maps of a rootless sandbox.  The caller
 * becomes root inside; when newuidmap/newgidmap (package uidmap) are
 * installed and /etc/subuid and /etc/subgid give the user a range, ids
 * 1..N inside map to that range (so package managers can chown), else the
 * single mapping is written directly (and setgroups denied, as the kernel
 * requires for an unprivileged writer).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/wait.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

/* Finds "NAME:START:COUNT" or "UID:START:COUNT" in file.  0 when found. */
static int subid_range(const char *file, const char *name, unsigned long id,
		       unsigned long *start, unsigned long *count)
{
	struct cs_buf b = CS_BUF_INIT;
	char idstr[32];
	int r = -1;

	snprintf(idstr, sizeof(idstr), "%lu", id);
	if (cs_read_file(file, &b, 1 << 20, NULL) < 0)
		goto out;
	for (char *line = b.buf, *next; line && *line; line = next) {
		char *c1, *c2, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = 0;
		if (strcmp(line, idstr) && (!name || strcmp(line, name)))
			continue;
		errno = 0;
		*start = strtoul(c1 + 1, &end, 10);
		if (errno || end != c2)
			continue;
		*count = strtoul(c2 + 1, &end, 10);
		if (errno || *end || !*count)
			continue;
		r = 0;
		break;
	}
out:
	cs_buf_release(&b);
	return r;
}

static int run_map_tool(const char *tool, pid_t pid, unsigned long id,
			unsigned long start, unsigned long count)
{
	char a[5][32];
	pid_t p;
	int status;

	snprintf(a[0], sizeof(a[0]), "%d", (int)pid);
	snprintf(a[1], sizeof(a[1]), "%lu", id);
	snprintf(a[2], sizeof(a[2]), "%lu", start);
	snprintf(a[3], sizeof(a[3]), "%lu", count);
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execl(tool, tool, a[0], "0", a[1], "1", "1", a[2], a[3],
		      (char *)NULL);
		_exit(127);
	}
	while (waitpid(p, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EPERM;
}

static int write_file(pid_t pid, const char *file, const char *text)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return cs_write_all(fd, text, strlen(text));
}

int sbx_idmap_write(pid_t pid, int *ranges, struct cs_error *err)
{
	static const char uidtool[] = "/usr/bin/newuidmap";
	static const char gidtool[] = "/usr/bin/newgidmap";
	uid_t uid = geteuid();
	gid_t gid = getegid();
	struct passwd *pw = getpwuid(uid);
	unsigned long us, uc, gs, gc;
	char map[64];
	int r;

	*ranges = 0;
	if (access(uidtool, X_OK) == 0 && access(gidtool, X_OK) == 0 &&
	    subid_range("/etc/subuid", pw ? pw->pw_name : NULL, uid, &us,
			&uc) == 0 &&
	    subid_range("/etc/subgid", pw ? pw->pw_name : NULL, uid, &gs,
			&gc) == 0) {
		r = run_map_tool(uidtool, pid, uid, us, uc);
		if (r == 0)
			r = run_map_tool(gidtool, pid, gid, gs, gc);
		if (r < 0)
			return cs_error_set(err, -r,
					    "newuidmap/newgidmap failed for "
					    "the ranges in /etc/subuid and "
					    "/etc/subgid");
		*ranges = 1;
		return 0;
	}
	r = write_file(pid, "setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (!r)
		r = write_file(pid, "uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (!r)
		r = write_file(pid, "gid_map", map);
	if (r < 0)
		return cs_error_set(err, -r, "write the user id map");
	return 0;
}
