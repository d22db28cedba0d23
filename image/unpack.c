/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * unpack.c — safe extraction of one layer tarball into a directory.
 *
 * Two libarchive readers are chained: a "raw" reader undoes the
 * compression (gzip, zstd or none) and feeds, through read_chain(), a tar
 * reader; every uncompressed byte passes through read_chain() once, which
 * hashes it into the diff id.  Entries are created with *at() calls
 * relative to directory fds opened with O_NOFOLLOW one component at a
 * time, so no path from the archive is ever resolved by the kernel through
 * a symlink: an entry below a symlink, an absolute path or ".." is
 * refused, and the layer is rejected as a whole.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/image_i.h"

#define CHAIN_BUF (128 * 1024)

struct deferred_dir {
	char *path; /* clean relative path, "" for the root */
	mode_t mode;
	struct timespec mtime;
};

struct unpacker {
	int rootfd;
	uint64_t max_file;
	uint64_t max_layer;
	uint64_t total; /* uncompressed bytes so far */
	int too_big;
	int is_root;
	struct archive *raw;
	struct img_hash hash;
	char *buf;
	struct deferred_dir *dirs;
	size_t n_dirs, alloc_dirs;
	size_t skipped_devices;
	size_t skipped_owners; /* entries owned by someone else, as non-root */
	size_t skipped_xattrs;
	size_t entries;
};

static la_ssize_t read_chain(struct archive *a, void *ud, const void **out)
{
	struct unpacker *u = ud;
	la_ssize_t n = archive_read_data(u->raw, u->buf, CHAIN_BUF);

	if (n < 0) {
		archive_set_error(a, EIO, "%s",
				  archive_error_string(u->raw) ?: "read error");
		return -1;
	}
	u->total += n;
	if (u->total > u->max_layer) {
		u->too_big = 1;
		archive_set_error(a, EFBIG, "layer is over the size cap");
		return -1;
	}
	if (u->hash.ctx)
		img_hash_update(&u->hash, u->buf, n);
	*out = u->buf;
	return n;
}

/* Cleans an archive path into out ("a/b/c", "" for the root): strips "./"
 * and empty components, refuses absolute paths and "..". */
static int clean_path(const char *in, const char *what, char **out,
		      struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	const char *p = in;

	if (!in)
		return cs_error_set(err, 0, "tar entry without a %s", what);
	if (*in == '/')
		return cs_error_set(err, 0,
				    "refusing tar entry with absolute %s '%s'",
				    what, in);
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = e - p;

		if (n == 2 && !strncmp(p, "..", 2)) {
			cs_buf_release(&b);
			return cs_error_set(err, 0,
					    "refusing tar entry with %s '%s': "
					    "'..' would leave the layer",
					    what, in);
		}
		if (n > 255) {
			cs_buf_release(&b);
			return cs_error_set(err, 0,
					    "refusing tar entry '%.100s...': "
					    "name too long",
					    in);
		}
		if (n && !(n == 1 && *p == '.')) {
			if (b.len)
				cs_buf_addc(&b, '/');
			cs_buf_add(&b, p, n);
		}
		p = *e ? e + 1 : e;
	}
	if (b.len > 4000) {
		cs_buf_release(&b);
		return cs_error_set(err, 0,
				    "refusing tar entry: path too long");
	}
	*out = cs_buf_detach(&b, NULL);
	return 0;
}

/* Opens the directory that holds the last component of the clean path,
 * walking from rootfd without following symlinks; creates missing
 * directories when create is set.  *base points into path. */
static int open_parent(struct unpacker *u, char *path, int create,
		       const char **base, const char *entry,
		       struct cs_error *err)
{
	_cleanup_close_ int cur = -1;
	char *p = path, *slash;

	cur = openat(u->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return cs_error_errno(err, "open layer directory");
	while ((slash = strchr(p, '/'))) {
		int fd;

		*slash = 0;
		fd = openat(cur, p,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				*slash = '/';
				return cs_error_set(
					err, e, "create parent of '%s'", entry);
			}
			fd = openat(cur, p,
				    O_PATH | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			struct stat st;
			int is_link = fstatat(cur, p, &st,
					      AT_SYMLINK_NOFOLLOW) == 0 &&
				      S_ISLNK(st.st_mode);
			*slash = '/';
			if (is_link || e == ELOOP)
				return cs_error_set(err, 0,
						    "refusing tar entry '%s': "
						    "a parent directory is a "
						    "symlink",
						    entry);
			if (e == ENOTDIR)
				return cs_error_set(err, 0,
						    "refusing tar entry '%s': "
						    "a parent is not a "
						    "directory",
						    entry);
			return cs_error_set(err, e, "open parent of '%s'",
					    entry);
		}
		*slash = '/';
		close(cur);
		cur = fd;
		p = slash + 1;
	}
	*base = p;
	return steal_fd(&cur);
}

static int remove_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	{
		_cleanup_free_ char *path =
			xasprintf("/proc/self/fd/%d/%s", dirfd, name);
		return img_rm_tree(path);
	}
}

static void defer_dir(struct unpacker *u, const char *path, mode_t mode,
		      const struct timespec *mtime)
{
	if (u->n_dirs == u->alloc_dirs) {
		u->alloc_dirs = u->alloc_dirs ? 2 * u->alloc_dirs : 64;
		u->dirs = xrealloc(u->dirs, u->alloc_dirs * sizeof(*u->dirs));
	}
	u->dirs[u->n_dirs].path = xstrdup(path);
	u->dirs[u->n_dirs].mode = mode;
	u->dirs[u->n_dirs].mtime = *mtime;
	u->n_dirs++;
}

static mode_t entry_mode(struct unpacker *u, struct archive_entry *e)
{
	mode_t m = archive_entry_perm(e) & 07777;

	if (!u->is_root)
		m &= ~(mode_t)(S_ISUID | S_ISGID);
	return m;
}

/* user.* always; trusted.* (overlay opaque markers) and security.*
 * (file capabilities) only as root, who alone can set them anyway. */
static int xattr_allowed(struct unpacker *u, const char *name)
{
	if (!strncmp(name, "user.", 5))
		return 1;
	return u->is_root && (!strncmp(name, "trusted.", 8) ||
			      !strncmp(name, "security.", 9));
}

static void apply_xattrs(struct unpacker *u, struct archive_entry *e, int fd)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return;
	while (archive_entry_xattr_next(e, &name, &value, &size) ==
	       ARCHIVE_OK) {
		if (!name || !xattr_allowed(u, name) ||
		    fsetxattr(fd, name, value, size, 0) < 0)
			u->skipped_xattrs++;
	}
}

static int write_file(struct unpacker *u, struct archive *a,
		      struct archive_entry *e, int dirfd, const char *base,
		      const char *name, struct cs_error *err)
{
	_cleanup_close_ int fd = -1;
	int64_t size = archive_entry_size(e);
	uint64_t total = 0;
	struct timespec ts[2];

	if (size < 0 || (uint64_t)size > u->max_file)
		return cs_error_set(err, 0,
				    "refusing tar entry '%s': %lld bytes is "
				    "over the file size cap of %llu bytes",
				    name, (long long)size,
				    (unsigned long long)u->max_file);
	fd = openat(dirfd, base,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cs_error_errno(err, "create '%s'", name);
	for (;;) {
		la_ssize_t n =
			archive_read_data(a, u->buf + CHAIN_BUF, CHAIN_BUF);
		int r;

		if (n == 0)
			break;
		if (n < 0)
			return cs_error_set(err, 0, "read '%s' from layer: %s",
					    name, archive_error_string(a));
		total += n;
		if (total > u->max_file)
			return cs_error_set(err, 0,
					    "refusing tar entry '%s': over the "
					    "file size cap",
					    name);
		r = cs_write_all(fd, u->buf + CHAIN_BUF, n);
		if (r < 0)
			return cs_error_set(err, -r, "write '%s'", name);
	}
	if (u->is_root &&
	    fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return cs_error_errno(err, "chown '%s'", name);
	if (fchmod(fd, entry_mode(u, e)) < 0)
		return cs_error_errno(err, "chmod '%s'", name);
	/* After chown, which would clear security.capability. */
	apply_xattrs(u, e, fd);
	ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
	ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	futimens(fd, ts);
	return 0;
}

static int make_hardlink(struct unpacker *u, int dirfd, const char *base,
			 const char *name, const char *target,
			 struct cs_error *err)
{
	_cleanup_free_ char *clean = NULL;
	_cleanup_close_ int tdir = -1;
	const char *tbase;
	struct stat st;

	if (clean_path(target, "link target", &clean, err) < 0)
		return cs_error_wrap(err, "hard link '%s'", name);
	if (!*clean)
		return cs_error_set(err, 0,
				    "refusing hard link '%s' to the layer root",
				    name);
	tdir = open_parent(u, clean, 0, &tbase, name, err);
	if (tdir < 0)
		return -1;
	if (fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cs_error_set(err, 0,
				    "refusing hard link '%s': target '%s' is "
				    "not in the layer",
				    name, target);
	if (S_ISDIR(st.st_mode))
		return cs_error_set(err, 0,
				    "refusing hard link '%s' to directory '%s'",
				    name, target);
	if (linkat(tdir, tbase, dirfd, base, 0) < 0)
		return cs_error_errno(err, "hard link '%s' to '%s'", name,
				      target);
	return 0;
}

static int extract_entry(struct unpacker *u, struct archive *a,
			 struct archive_entry *e, struct cs_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *name = archive_entry_pathname(e), *base, *hl;
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];
	struct stat st;
	int r;

	if (clean_path(name, "path", &path, err) < 0)
		return -1;
	/* as non-root every file is ours; root's files map to us, others'
	 * ownership cannot be kept */
	if (!u->is_root && (archive_entry_uid(e) || archive_entry_gid(e)))
		u->skipped_owners++;
	ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
	ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	hl = archive_entry_hardlink(e);
	if (!*path) {
		if (type == AE_IFDIR)
			defer_dir(u, "", entry_mode(u, e), &ts[1]);
		return 0;
	}
	dirfd = open_parent(u, path, 1, &base, name, err);
	if (dirfd < 0)
		return -1;
	/* A later entry replaces an earlier one, except dir over dir. */
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(type == AE_IFDIR && !hl && S_ISDIR(st.st_mode))) {
		r = remove_at(dirfd, base);
		if (r < 0)
			return cs_error_set(err, -r, "replace '%s'", name);
	}
	if (hl)
		return make_hardlink(u, dirfd, base, name, hl, err);

	switch (type) {
	case AE_IFREG:
		return write_file(u, a, e, dirfd, base, name, err);
	case AE_IFDIR:
		if (mkdirat(dirfd, base, 0700) < 0 && errno != EEXIST)
			return cs_error_errno(err, "create directory '%s'",
					      name);
		defer_dir(u, path, entry_mode(u, e), &ts[1]);
		if (u->is_root &&
		    fchownat(dirfd, base, archive_entry_uid(e),
			     archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
			return cs_error_errno(err, "chown '%s'", name);
		if (archive_entry_xattr_count(e)) {
			_cleanup_close_ int dfd =
				openat(dirfd, base,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					       O_CLOEXEC);
			if (dfd >= 0)
				apply_xattrs(u, e, dfd);
		}
		return 0;
	case AE_IFLNK:
		if (!archive_entry_symlink(e))
			return cs_error_set(err, 0,
					    "symlink '%s' has no target", name);
		if (symlinkat(archive_entry_symlink(e), dirfd, base) < 0)
			return cs_error_errno(err, "create symlink '%s'", name);
		break;
	case AE_IFIFO:
		if (mkfifoat(dirfd, base, entry_mode(u, e) & 0777) < 0)
			return cs_error_errno(err, "create fifo '%s'", name);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		if (!u->is_root) {
			u->skipped_devices++;
			return 0;
		}
		if (mknodat(dirfd, base, type | (entry_mode(u, e) & 0777),
			    makedev(archive_entry_rdevmajor(e),
				    archive_entry_rdevminor(e))) < 0)
			return cs_error_errno(err, "create device '%s'", name);
		break;
	default:
		cs_warn("layer entry '%s' of unsupported type skipped", name);
		return 0;
	}
	if (u->is_root &&
	    fchownat(dirfd, base, archive_entry_uid(e), archive_entry_gid(e),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return cs_error_errno(err, "chown '%s'", name);
	utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Applies directory modes and times last, deepest first, so read-only
 * directories could be filled and times are not bumped by later
 * entries. */
static int finish_dirs(struct unpacker *u, struct cs_error *err)
{
	for (size_t i = u->n_dirs; i-- > 0;) {
		struct deferred_dir *d = &u->dirs[i];
		struct timespec ts[2] = { d->mtime, d->mtime };
		_cleanup_close_ int fd = -1;

		if (!*d->path) {
			fd = openat(u->rootfd, ".",
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			_cleanup_close_ int parent = -1;
			_cleanup_free_ char *p = xstrdup(d->path);
			const char *base;

			parent = open_parent(u, p, 0, &base, d->path, err);
			if (parent < 0)
				return -1;
			fd = openat(parent, base,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
		}
		if (fd < 0)
			continue; /* replaced by a later non-directory entry */
		if (fchmod(fd, d->mode) < 0)
			return cs_error_errno(err, "chmod '%s'", d->path);
		futimens(fd, ts);
	}
	return 0;
}

static void unpacker_release(struct unpacker *u)
{
	for (size_t i = 0; i < u->n_dirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	free(u->buf);
	img_hash_release(&u->hash);
	if (u->raw)
		archive_read_free(u->raw);
	if (u->rootfd >= 0)
		close(u->rootfd);
}

static int unpack(struct unpacker *u, int fd, struct cs_error *err)
{
	struct archive *tar;
	struct archive_entry *e;
	int r, ret = -1;

	u->raw = archive_read_new();
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_format_raw(u->raw);
	if (archive_read_open_fd(u->raw, fd, CHAIN_BUF) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &e) != ARCHIVE_OK)
		return cs_error_set(err, 0, "cannot read layer: %s",
				    archive_error_string(u->raw) ?:
					    "empty or unknown compression");

	tar = archive_read_new();
	archive_read_support_format_tar(tar);
	if (archive_read_open(tar, u, NULL, read_chain, NULL) != ARCHIVE_OK) {
		cs_error_set(err, 0, "layer is not a tar archive: %s",
			     archive_error_string(tar));
		goto out;
	}
	while ((r = archive_read_next_header(tar, &e)) != ARCHIVE_EOF) {
		if (++u->entries > IMG_MAX_LAYER_ENTRIES) {
			cs_error_set(err, 0,
				     "refusing layer: more than %u entries",
				     IMG_MAX_LAYER_ENTRIES);
			goto out;
		}
		if (r < ARCHIVE_WARN) {
			cs_error_set(err, 0, "corrupt layer tar: %s",
				     archive_error_string(tar));
			goto out;
		}
		if (extract_entry(u, tar, e, err) < 0)
			goto out;
	}
	/* Hash what the tar reader left unread (padding after the end). */
	for (;;) {
		const void *p;
		la_ssize_t n = read_chain(tar, u, &p);
		if (n < 0) {
			cs_error_set(err, 0, "corrupt layer: %s",
				     archive_error_string(u->raw));
			goto out;
		}
		if (n == 0)
			break;
	}
	if (finish_dirs(u, err) < 0)
		goto out;
	ret = 0;
out:
	archive_read_free(tar);
	return ret;
}

int img_unpack(int fd, const char *dest, const struct img_unpack_opts *opts,
	       char diffid[IMG_DIGEST_LEN], struct cs_error *err)
{
	struct unpacker u = { .rootfd = -1 };
	char got[IMG_DIGEST_LEN];
	int ret;

	u.max_file = opts && opts->max_file_size ? opts->max_file_size :
						   IMG_DEFAULT_MAX_FILE_SIZE;
	u.max_layer = opts && opts->max_layer_size ? opts->max_layer_size :
						     IMG_DEFAULT_MAX_LAYER_SIZE;
	u.is_root = geteuid() == 0;
	u.rootfd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (u.rootfd < 0)
		return cs_error_errno(err, "open '%s'", dest);
	u.buf = xmalloc(2 * CHAIN_BUF);
	if (!(opts && opts->diffid_verified && opts->expected_diffid))
		img_hash_init(&u.hash);
	ret = unpack(&u, fd, err);
	if (ret < 0 && u.too_big)
		cs_error_set(err, 0,
			     "refusing layer: more than %llu bytes "
			     "uncompressed (the layer size cap)",
			     (unsigned long long)u.max_layer);
	if (ret == 0) {
		if (u.hash.ctx)
			img_hash_final(&u.hash, got);
		else
			snprintf(got, sizeof(got), "%s", opts->expected_diffid);
		if (diffid)
			memcpy(diffid, got, IMG_DIGEST_LEN);
		if (opts && opts->expected_diffid &&
		    strcmp(got, opts->expected_diffid)) {
			cs_error_set(err, 0,
				     "layer content does not match its diff "
				     "id: expected %s, got %s",
				     opts->expected_diffid, got);
			ret = -1;
		}
		if (ret == 0 && u.skipped_xattrs)
			cs_debug("%zu extended attribute(s) not restored",
				 u.skipped_xattrs);
		if (ret == 0 && u.skipped_owners)
			cs_warn("%zu file(s) owned by other users unpacked as "
				"yours: only root can keep their owners",
				u.skipped_owners);
		if (ret == 0 && u.skipped_devices)
			cs_warn("%zu device node(s) skipped: only root can "
				"create them",
				u.skipped_devices);
	}
	unpacker_release(&u);
	return ret;
}
