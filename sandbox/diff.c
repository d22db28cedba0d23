// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * diff.c — what a sandbox changed: `sandbox diff` reads its upper layer
 * against its lower layers (A added, C changed, D deleted, like docker
 * diff) and `sandbox commit` copies the upper layer out as a new layer
 * directory.  Both work on a running or a stopped sandbox.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static int in_lower(const struct sbx_spec *spec, const char *rel)
{
	struct stat st;

	for (size_t i = 0; i < spec->nlayers; i++) {
		_cleanup_free_ char *p =
			xasprintf("%s%s", spec->layers[i], rel);

		if (lstat(p, &st) == 0)
			return 1;
	}
	return 0;
}

/* 2 when rel is a mount point the sandbox's setup makes (/proc, /dev,
 * /sys, the workdir, a --mount destination), 1 when it is a directory on
 * the way to one, else 0. */
static int runtime_point(const struct sbx_spec *spec, const char *rel)
{
	static const char *const fixed[] = { "/proc", "/dev", "/sys" };
	size_t n = strlen(rel);
	int r = 0;

	for (size_t i = 0; i < CS_ARRAY_SIZE(fixed); i++)
		if (!strcmp(rel, fixed[i]))
			return 2;
	for (size_t i = 0; i <= spec->nmounts; i++) {
		const char *p =
			i < spec->nmounts ? spec->mounts[i].dst : spec->workdir;
		size_t l;

		if (!p)
			continue;
		l = strlen(p);
		while (l > 1 && p[l - 1] == '/')
			l--;
		if (l == n && !strncmp(p, rel, n))
			return 2;
		if (l > n && !strncmp(p, rel, n) && p[n] == '/')
			r = 1;
	}
	return r;
}

/* Walks upper/rel (rel is "" or "/a/b"); depth capped against loops. */
static int walk(const struct sbx_spec *spec, const char *upper, const char *rel,
		int lower_exists, struct cs_buf *out, int depth,
		struct cs_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s%s", upper, rel);
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 256)
		return cs_error_set(err, ELOOP, "'%s' is too deep", path);
	d = opendir(path);
	if (!d)
		return cs_error_errno(err, "open '%s'", path);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cs_cmp_strp);
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *nm = names[i];
		_cleanup_free_ char *child = NULL, *full = NULL;
		struct stat st;
		int lower;

		/* opaque-directory markers (".wh..wh..opq", fuse-overlayfs'
		 * ".wh..opq") are not entries */
		if (!strcmp(nm, WH_OPAQUE) || !strcmp(nm, ".wh..opq"))
			continue;
		if (!strncmp(nm, WH_PREFIX, strlen(WH_PREFIX))) {
			cs_buf_addf(out, "D %s/%s\n", rel,
				    nm + strlen(WH_PREFIX));
			continue;
		}
		child = xasprintf("%s/%s", rel, nm);
		full = xasprintf("%s%s", upper, child);
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			cs_buf_addf(out, "D %s\n", child);
			continue;
		}
		lower = lower_exists && in_lower(spec, child);
		if (!lower && runtime_point(spec, child) &&
		    (S_ISDIR(st.st_mode) ||
		     (S_ISREG(st.st_mode) && !st.st_size &&
		      runtime_point(spec, child) == 2))) {
			/* made by the setup to mount on, not by anything in
			 * the sandbox: shown only with something in it */
			struct cs_buf sub = CS_BUF_INIT;

			cs_buf_adds(&sub, "");
			if (S_ISDIR(st.st_mode))
				r = walk(spec, upper, child, 0, &sub, depth + 1,
					 err);
			if (sub.len)
				cs_buf_addf(out, "A %s\n%s", child, sub.buf);
			cs_buf_release(&sub);
			continue;
		}
		cs_buf_addf(out, "%c %s\n", lower ? 'C' : 'A', child);
		if (S_ISDIR(st.st_mode))
			r = walk(spec, upper, child, lower, out, depth + 1,
				 err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int sbx_diff_upper(const struct sbx_spec *spec, const char *upper,
		   struct cs_buf *out, struct cs_error *err)
{
	return walk(spec, upper, "", 1, out, 0, err);
}

int sbx_diff(const char *name, struct cs_buf *out, struct cs_error *err)
{
	struct sbx_info info;
	int r = -1;

	if (sbx_inspect(name, &info, err) < 0)
		goto out;
	if (!info.upper) {
		r = 0; /* read-only: nothing can change */
		goto out;
	}
	r = sbx_diff_upper(&info.spec, info.upper, out, err);
out:
	sbx_info_release(&info);
	if (r < 0)
		return cs_error_wrap(err, "cannot diff sandbox '%s'", name);
	return 0;
}

static int dir_empty_or_missing(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return errno == ENOENT;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

int sbx_commit_upper(const char *upper, const char *dir, struct cs_error *err)
{
	_cleanup_free_ char *src = NULL;
	pid_t pid;
	int status, r;

	if (!upper)
		return cs_error_set(err, 0,
				    "it is read-only: it has no changes");
	if (!dir_empty_or_missing(dir))
		return cs_error_set(err, EEXIST, "'%s' is not empty", dir);
	if ((r = cs_mkdir_p(dir, 0755)) < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "create '%s'", dir);
	src = xasprintf("%s/.", upper);
	/* cp -a keeps owners, modes, times, xattrs, hard links and the
	 * whiteout device nodes */
	pid = fork();
	if (pid == 0) {
		execl("/bin/cp", "cp", "-a", "--", src, dir, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return cs_error_set(err, 0, "copy '%s' to '%s' failed", upper,
				    dir);
	return 0;
}

int sbx_commit(const char *name, const char *dir, struct cs_error *err)
{
	struct sbx_info info;
	int r = -1;

	if (sbx_inspect(name, &info, err) == 0) {
		r = sbx_commit_upper(info.upper, dir, err);
		sbx_info_release(&info);
	}
	if (r < 0)
		return cs_error_wrap(err, "cannot commit sandbox '%s'", name);
	return 0;
}
