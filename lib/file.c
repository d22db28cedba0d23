// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * file.c — whole-file helpers: atomic replace (temp + fsync + rename +
 * directory fsync, so a crash leaves the old or the new file, never half of
 * one), capped reads, flock-based locks and a write loop.
 */
#include "lib/lib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

int cs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_close_ int dfd = -1;

	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* Fills the temp file; returns 0 or -errno. */
static int fill_tmp(int fd, const void *data, size_t len, mode_t mode)
{
	int r;

	if (fchmod(fd, mode) < 0)
		return -errno;
	r = cs_write_all(fd, data, len);
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

/* cs_write_file_atomic and cs_write_file_new: the new file is linked to
 * path (failing with EEXIST when there is one) instead of renamed over
 * it when excl. */
static int write_file(const char *path, const void *data, size_t len,
		      mode_t mode, int excl, struct cs_error *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	_cleanup_close_ int fd = -1;
	int r;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		cs_error_errno(err, "cannot create a temporary file for '%s'",
			       path);
		return -1;
	}
	r = fill_tmp(fd, data, len, mode);
	if (r == 0 && close(steal_fd(&fd)) < 0)
		r = -errno;
	if (r == 0 && (excl ? link(tmp, path) : rename(tmp, path)) < 0)
		r = -errno;
	if (r < 0 || excl)
		unlink(tmp);
	if (r < 0) {
		cs_error_set(err, -r, "cannot write '%s'", path);
		return -1;
	}
	r = fsync_dir_of(path);
	if (r < 0) {
		cs_error_set(err, -r, "cannot sync the directory of '%s'",
			     path);
		return -1;
	}
	return 0;
}

int cs_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct cs_error *err)
{
	return write_file(path, data, len, mode, 0, err);
}

int cs_write_file_new(const char *path, const void *data, size_t len,
		      mode_t mode, struct cs_error *err)
{
	return write_file(path, data, len, mode, 1, err);
}

int cs_read_file(const char *path, struct cs_buf *out, size_t cap,
		 struct cs_error *err)
{
	_cleanup_close_ int fd = -1;
	size_t old_cap = out->cap;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cs_error_errno(err, "cannot open '%s'", path);
		return -1;
	}
	/* The tighter of the buffer's own cap and the file limit wins. */
	if (cap && (!out->cap || out->len + cap < out->cap))
		out->cap = out->len + cap;
	n = cs_buf_read_fd(out, fd);
	out->cap = old_cap;
	if (n == -E2BIG)
		return cs_error_set(err, 0,
				    "'%s' is too large (limit %zu bytes)", path,
				    cap ? cap : old_cap);
	if (n < 0) {
		cs_error_set(err, (int)-n, "cannot read '%s'", path);
		return -1;
	}
	return 0;
}

int cs_lock_path(const char *path, int exclusive, int wait,
		 struct cs_error *err)
{
	_cleanup_close_ int fd = -1;
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		cs_error_errno(err, "cannot open lock file '%s'", path);
		return -1;
	}
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			cs_error_set(err, EWOULDBLOCK,
				     "'%s' is locked by another process", path);
			return -1;
		}
		cs_error_errno(err, "cannot lock '%s'", path);
		return -1;
	}
	return steal_fd(&fd);
}

int cs_remove_children(int fd)
{
	struct dirent *de;
	DIR *dp = fdopendir(fd);

	if (!dp) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cs_remove_tree(dirfd(dp), de->d_name);
	}
	closedir(dp);
	return 0;
}

int cs_remove_tree(int dfd, const char *name)
{
	int fd, r;

	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = cs_remove_children(fd);
	if (r < 0)
		return r;
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}
