// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * copyup.c — everything that writes layout into the upper layer: copy-up
 * of a node (and of a whole merged tree, for directory renames), whiteout
 * and opaque markers, and the work directory where every new object is
 * assembled before one rename publishes it.  A crash therefore leaves at
 * worst a stray temp entry in the work directory, which the next mount
 * deletes (ovl_clean_work).  All functions run with fs->lock held.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlayfs/ovl_i.h"

char *ovl_tmp_name(struct ovl_fs *fs)
{
	return xasprintf("#%d.%" PRIu64, (int)getpid(), ++fs->tmp_seq);
}

int ovl_clean_work(struct ovl_fs *fs)
{
	char path[64];
	int fd;

	ovl_proc_path(fs->work_fd, path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return cs_remove_children(fd);
}

/*
 * The upper layer uses the kernel's whiteout form (a 0:0 character
 * device), so that kernel overlayfs can mount it and names up to NAME_MAX
 * can be whited out; docs/overlayfs.md says why.  Where mknod is refused
 * the OCI ".wh.NAME" file stands in.
 */
int ovl_make_whiteout(struct ovl_fs *fs, int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	int fd;

	if (fs->wh_mknod) {
		if (mknodat(dirfd, name, S_IFCHR | 0, makedev(0, 0)) == 0)
			return 0;
		if (errno != EPERM)
			return -errno;
		fs->wh_mknod = false;
	}
	if (strlen(name) + sizeof(OVL_WH_PREFIX) - 1 > NAME_MAX)
		return -ENAMETOOLONG;
	snprintf(wh, sizeof(wh), OVL_WH_PREFIX "%s", name);
	fd = openat(dirfd, wh, O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int ovl_set_opaque(struct ovl_fs *fs, int fd)
{
	char path[64];
	const char *name = fs->priv_xattr ? "trusted.overlay.opaque" :
					    "user.overlay.opaque";
	int mfd;

	ovl_proc_path(fd, path);
	if (!fs->cfg->oci_whiteouts && setxattr(path, name, "y", 1, 0) == 0)
		return 0;
	mfd = openat(fd, OVL_WH_OPAQUE, O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (mfd < 0)
		return -errno;
	close(mfd);
	return 0;
}

/* Our own markers never travel with a copy. */
static bool private_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) ||
	       !strncmp(name, "user.overlay.", 13);
}

/* Copies the xattrs of src (a path) to dst (a path); capabilities land
 * after the chown that would clear them because the caller orders it so. */
static int copy_xattrs(const char *src, const char *dst)
{
	_cleanup_free_ char *names = NULL;
	ssize_t len = listxattr(src, NULL, 0);

	if (len < 0)
		return errno == ENOTSUP || errno == EPERM ? 0 : -errno;
	if (!len)
		return 0;
	names = xmalloc(len);
	len = listxattr(src, names, len);
	if (len < 0)
		return -errno;
	for (char *n = names; n < names + len; n += strlen(n) + 1) {
		_cleanup_free_ char *val = NULL;
		ssize_t vl;

		if (private_xattr(n))
			continue;
		vl = getxattr(src, n, NULL, 0);
		if (vl < 0)
			continue;
		val = xmalloc(vl + 1);
		vl = getxattr(src, n, val, vl);
		if (vl < 0)
			continue;
		if (setxattr(dst, n, val, vl, 0) < 0 && errno != ENOTSUP &&
		    errno != EPERM)
			return -errno;
	}
	return 0;
}

/* Copies size bytes keeping holes: only the data extents are copied. */
static int copy_data(int in, int out, off_t size)
{
	off_t pos = 0;

	while (pos < size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole;

		if (data < 0) {
			if (errno == ENXIO)
				break; /* only a hole is left */
			data = pos;    /* no SEEK_DATA: copy everything */
			hole = size;
		} else {
			hole = lseek(in, data, SEEK_HOLE);
			if (hole < 0)
				hole = size;
		}
		pos = data;
		while (pos < hole) {
			off_t ip = pos, op = pos;
			ssize_t r = copy_file_range(in, &ip, out, &op,
						    hole - pos, 0);

			if (r < 0 && (errno == EXDEV || errno == ENOSYS ||
				      errno == EINVAL || errno == EOPNOTSUPP)) {
				char buf[65536];

				r = pread(in, buf,
					  sizeof(buf) < (size_t)(hole - pos) ?
						  sizeof(buf) :
						  (size_t)(hole - pos),
					  pos);
				/* a short pwrite sets no errno (a full upper
				 * writes what fits): write the rest, whose
				 * failure says why (ENOSPC), rather than
				 * report a stale errno (EXDEV of the copy
				 * above) */
				for (ssize_t w = 0, k; r > 0 && w < r; w += k) {
					k = pwrite(out, buf + w, r - w,
						   pos + w);
					if (k < 0)
						return -errno;
					if (k == 0)
						return -ENOSPC;
				}
			}
			if (r < 0)
				return -errno;
			if (r == 0)
				break;
			pos += r;
		}
	}
	return 0;
}

/* Builds the copy of src (stat st) as work/tmp, metadata included. */
static int build_copy(struct ovl_fs *fs, int src, const struct stat *st,
		      const char *tmp, bool data)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	char spath[64], dpath[64];
	int wfd = fs->work_fd, r = 0, dfd = -1, sfd = -1;

	ovl_proc_path(src, spath);
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(wfd, tmp, 0700) < 0)
			return -errno;
		dfd = openat(wfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	case S_IFREG:
		sfd = open(spath, O_RDONLY | O_CLOEXEC);
		if (sfd < 0)
			return -errno;
		dfd = openat(wfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
			     0600);
		if (dfd < 0) {
			r = -errno;
			close(sfd);
			return r;
		}
		if (data)
			r = copy_data(sfd, dfd, st->st_size);
		if (!r && ftruncate(dfd, data ? st->st_size : 0) < 0)
			r = -errno;
		close(sfd);
		if (r)
			goto out;
		break;
	case S_IFLNK: {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(src, "", target, PATH_MAX);

		if (n < 0)
			return -errno;
		target[n] = 0;
		if (symlinkat(target, wfd, tmp) < 0)
			return -errno;
		if (fchownat(wfd, tmp, st->st_uid, st->st_gid,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(wfd, tmp, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return 0;
	}
	default:
		if (mknodat(wfd, tmp, st->st_mode, st->st_rdev) < 0)
			return -errno;
		dfd = openat(wfd, tmp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		break;
	}
	if (dfd < 0)
		return -errno;
	ovl_proc_path(dfd, dpath);
	if (fchownat(dfd, "", st->st_uid, st->st_gid, AT_EMPTY_PATH) < 0)
		r = -errno;
	if (!r)
		r = copy_xattrs(spath, dpath);
	if (!r && fchmodat(AT_FDCWD, dpath, st->st_mode & 07777, 0) < 0)
		r = -errno;
	if (!r && utimensat(AT_FDCWD, dpath, ts, 0) < 0)
		r = -errno;
	/* durable before it takes its name, as the kernel's copy-up */
	if (!r && S_ISREG(st->st_mode) && data)
		r = ovl_sync_fd(fs, dfd, false);
out:
	close(dfd);
	return r;
}

int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n, bool data)
{
	_cleanup_free_ char *tmp = NULL;
	struct stat st, ust;
	int r, pfd, ufd;

	r = ovl_node_refresh(fs, n); /* its fds may have been evicted */
	if (r < 0)
		return r;
	if (node_upper_fd(n) >= 0)
		return 0;
	if (fs->ro)
		return -EROFS;
	if (n->removed)
		return -ENOENT; /* its name may be a whiteout or another file */
	if (!n->parent)
		return -EIO; /* the root always has an upper */
	r = ovl_copy_up(fs, n->parent, true);
	if (r < 0)
		return r;
	pfd = node_upper_fd(n->parent);
	if (fstatat(node_top_fd(n), "", &st,
		    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	tmp = ovl_tmp_name(fs);
	r = build_copy(fs, node_top_fd(n), &st, tmp, data);
	if (!r &&
	    renameat2(fs->work_fd, tmp, pfd, n->name, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		cs_remove_tree(fs->work_fd, tmp);
		return r;
	}
	ufd = openat(pfd, n->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0 || fstat(ufd, &ust) < 0)
		return ufd < 0 ? -errno : -EIO;
	if (S_ISDIR(st.st_mode)) {
		n->ent = xrealloc(n->ent, (n->nent + 1) * sizeof(*n->ent));
		memmove(n->ent + 1, n->ent, n->nent * sizeof(*n->ent));
		n->nent++;
	} else {
		for (int i = 0; i < n->nent; i++)
			close(n->ent[i].fd);
		n->nent = 1;
	}
	n->ent[0].layer = 0;
	n->ent[0].fd = ufd;
	/* A lower hard link becomes a file of its own: it cannot keep the
	 * number the other names still show. */
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
		ovl_node_renumber(fs, n, ovl_new_ino(fs));
	ovl_imap_set(fs, ust.st_dev, ust.st_ino, n->ino);
	n->kdev = ust.st_dev;
	n->kino = ust.st_ino;
	ovl_live_node(fs, n); /* in the upper now: no longer live */
	return 0;
}

int ovl_copy_up_tree(struct ovl_fs *fs, struct ovl_node *n)
{
	struct ovl_dirent *d = NULL;
	size_t cnt = 0;
	int r;

	r = ovl_copy_up(fs, n, true);
	if (r < 0)
		return r;
	if (n->nent == 1)
		return 0; /* nothing below merges in */
	r = ovl_list_dir(fs, n, &d, &cnt);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cnt && !r; i++) {
		struct ovl_lookup *lk = xmalloc(sizeof(*lk));
		struct ovl_node *c;

		r = ovl_resolve(fs, n, d[i].name, lk);
		if (r < 0) {
			free(lk);
			break;
		}
		c = ovl_node_get(fs, n, d[i].name, lk);
		free(lk);
		if (S_ISDIR(c->type))
			r = ovl_copy_up_tree(fs, c);
		else
			r = ovl_copy_up(fs, c, true);
		ovl_node_forget(fs, c, 1);
	}
	ovl_dirents_free(d, cnt);
	if (r < 0)
		return r;
	r = ovl_set_opaque(fs, node_upper_fd(n));
	if (r < 0)
		return r;
	for (int i = 1; i < n->nent; i++)
		close(n->ent[i].fd);
	n->nent = 1;
	fs->gen++;
	return 0;
}
