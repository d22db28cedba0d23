// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * ops.c — the FUSE low-level operations of cshell-fs.  Namespace
 * operations take fs->lock, bring the nodes they touch up to date
 * (ovl_node_refresh), do their work on the layers through the nodes' O_PATH
 * fds and reply; data operations (read, write, fsync, …) work on the file
 * descriptor kept in fi->fh and take no lock.  The order below follows a
 * file's life: lookup and attributes, creation, removal and rename, open
 * files, directories, xattrs, then the session setup (ovl_serve).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlayfs/ovl_i.h"

static struct ovl_fs *FS(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct ovl_node *NODE(struct ovl_fs *fs, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? fs->root :
				     (struct ovl_node *)(uintptr_t)ino;
}

static void lock(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->lock);
}

static void unlock(struct ovl_fs *fs)
{
	/* here no request is half-way through nodes' fds */
	if (fs->evict_pending)
		ovl_evict(fs);
	pthread_mutex_unlock(&fs->lock);
}

static struct ovl_lookup *lookup_new(void)
{
	struct ovl_lookup *lk = xmalloc(sizeof(*lk));

	lk->nent = 0;
	return lk;
}

static void lookup_free(struct ovl_lookup *lk)
{
	ovl_lookup_release(lk);
	free(lk);
}

/* An open file.  A file opened read-only in a lower layer switches to the
 * upper copy on its next read once someone copied it up, as the kernel's
 * overlayfs does; the old fd stays open until release because another
 * thread may still be reading through it. */
struct ovl_file {
	int fd;
	int old_fd;
	bool lower;
	struct ovl_node *node; /* valid while open: the kernel holds it */
	int pt_id;	       /* passthrough backing id, or 0 */
	/* in fs->open_files (under fs->lock): what is still open when the
	 * daemon ends (a lazy unmount never sends RELEASE) is freed then */
	struct ovl_file *prev, *next;
};

/* With the writeback cache the kernel writes whole pages, so it may read
 * from a file opened write-only, and it does O_APPEND itself. */
static int cache_flags(const struct ovl_fs *fs, int flags)
{
	if (!fs->writeback)
		return flags;
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags & ~O_APPEND;
}

/* A new open file of n (fs->lock held).  It is a passthrough one when the
 * kernel has passthrough, the file is in the upper layer or the mount is
 * read-only (a lower file may be copied up while open, and the kernel
 * cannot move an open file to another backing file) and no open of n uses
 * the page cache (the kernel allows one mode per inode). */
/* ---------------------------------------------- setuid and setgid bits */

/* Whether the caller's group is gid, or one of its supplementary ones. */
static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	gid_t list[256];
	int n;

	if (fuse_req_ctx(req)->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 256, list);
	for (int i = 0; i < n && i < 256; i++)
		if (list[i] == gid)
			return true;
	return false;
}

/* The mode bits a write by this caller clears when it lacks CAP_FSETID:
 * setuid; setgid when group-executable or when the caller is not in the
 * file's group (the kernel's setattr_should_drop_suidgid).  st is the
 * merged view's. */
static mode_t bits_dropped(fuse_req_t req, const struct stat *st)
{
	mode_t m = st->st_mode, drop = m & S_ISUID;

	if (!S_ISREG(m))
		return 0;
	if ((m & S_ISGID) &&
	    ((m & S_IXGRP) || !caller_in_group(req, st->st_gid)))
		drop |= S_ISGID;
	return drop;
}

/* Whether the caller has CAP_FSETID in our user namespace, which is the
 * initial one whenever passthrough is on.  Read from /proc, and asked only
 * about setuid/setgid files. */
static bool caller_has_fsetid(fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	char path[64], line[256], ns[64], mine[64];
	unsigned long long eff = 0;
	bool found = false;
	ssize_t a, b;
	FILE *f;

	if (!c->pid)
		return false; /* not visible from here: assume not */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->pid);
	a = readlink(path, ns, sizeof(ns));
	b = readlink("/proc/self/ns/user", mine, sizeof(mine));
	if (a <= 0 || a != b || memcmp(ns, mine, (size_t)a))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(f);
	return found && (eff & (1ULL << CAP_FSETID));
}

/* handle_killpriv_v2: what the kernel's file_remove_privs would do for a
 * write by a caller without CAP_FSETID (bits_dropped) on n's upper file;
 * security.capability goes by itself, the upper filesystem drops it on any
 * write.  With notify the kernel's cached mode is dropped too.  0 or
 * -errno. */
static int kill_suidgid(fuse_req_t req, struct ovl_fs *fs, struct ovl_node *n,
			bool notify)
{
	int fd = node_upper_fd(n);
	char path[64];
	struct stat st;
	mode_t drop;

	if (fd < 0 || ovl_node_stat(fs, n, &st) < 0)
		return 0;
	drop = bits_dropped(req, &st);
	if (!drop)
		return 0;
	ovl_proc_path(fd, path);
	if (chmod(path, st.st_mode & 07777 & ~drop) < 0)
		return -errno;
	if (notify && fs->se)
		fuse_lowlevel_notify_inval_inode(fs->se, (uintptr_t)n, -1, 0);
	return 0;
}

/* Whether an open for writing of a file with the merged attributes st must
 * skip passthrough: a write by this caller clears bits (kill_suidgid) and
 * passthrough writes never reach us. */
static bool writes_must_reach_us(fuse_req_t req, const struct ovl_fs *fs,
				 const struct stat *st)
{
	return fs->killpriv && bits_dropped(req, st) && !caller_has_fsetid(req);
}

/* An open file of node n on fd; passthrough when the kernel has it and
 * the node's other opens allow, unless cached (then its writes reach us). */
static struct ovl_file *file_new(struct ovl_fs *fs, int fd, struct ovl_node *n,
				 bool cached)
{
	struct ovl_file *f = xcalloc(1, sizeof(*f));

	f->fd = fd;
	f->old_fd = -1;
	f->node = n;
	f->next = fs->open_files;
	if (f->next)
		f->next->prev = f;
	fs->open_files = f;
	f->lower = node_upper_fd(n) < 0;
	n->nopen++;
	if (fs->passthrough && (!f->lower || fs->ro) && !n->cached_opens &&
	    !(cached && !n->pt_opens)) {
		if (!n->pt_id) {
			int id = ovl_pt_open_backing(fs, fd);

			if (id > 0)
				n->pt_id = id;
			else if (errno == EPERM || errno == ENOTTY ||
				 errno == EOPNOTSUPP || errno == EINVAL ||
				 errno == ELOOP) /* upper on a stacked fs */
				fs->passthrough = false; /* never will */
		}
		if (n->pt_id) {
			n->pt_opens++;
			f->pt_id = n->pt_id;
			return f;
		}
	}
	n->cached_opens++;
	return f;
}

/* Drops an open file of its node and frees it. */
static void file_free(struct ovl_fs *fs, struct ovl_file *f)
{
	struct ovl_node *n = f->node;

	lock(fs);
	if (f->prev)
		f->prev->next = f->next;
	else
		fs->open_files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	n->nopen--;
	if (!f->pt_id) {
		n->cached_opens--;
	} else if (!--n->pt_opens) {
		ovl_pt_close_backing(fs, n->pt_id);
		n->pt_id = 0;
	}
	unlock(fs);
	close(f->fd);
	if (f->old_fd >= 0)
		close(f->old_fd);
	free(f);
}

/* Sends the reply to an open (e NULL) or a create for f; when the request
 * was interrupted meanwhile, f is dropped again. */
static void reply_file(fuse_req_t req, struct ovl_fs *fs,
		       struct fuse_file_info *fi, struct ovl_file *f,
		       const struct fuse_entry_param *e)
{
	int r;

	fi->fh = (uintptr_t)f;
	if (f->pt_id) {
		r = e ? ovl_pt_reply_create(req, e, fi, f->pt_id) :
			ovl_pt_reply_open(req, fi, f->pt_id);
	} else {
		/* Every change to the file goes through this mount, which
		 * keeps the page cache right, or comes from a live layer
		 * whose watch invalidates it (live.c); one that cannot be
		 * watched is read anew at each open. */
		fi->keep_cache = !f->node->live_short;
		if (fi->flags & O_DIRECT)
			fi->direct_io = 1;
		r = e ? fuse_reply_create(req, e, fi) :
			fuse_reply_open(req, fi);
	}
	/* interrupted (ENOENT), or the connection is gone: the kernel
	 * never got f, so no RELEASE will come for it */
	if (r < 0)
		file_free(fs, f);
}

void ovl_files_free_all(struct ovl_fs *fs)
{
	struct ovl_file *f, *next;

	/* the session is gone: nothing to tell the kernel (no backing ids
	 * to close), the nodes are freed next */
	for (f = fs->open_files; f; f = next) {
		next = f->next;
		close(f->fd);
		if (f->old_fd >= 0)
			close(f->old_fd);
		free(f);
	}
	fs->open_files = NULL;
}

static struct ovl_file *FILE_OF(struct fuse_file_info *fi)
{
	return (struct ovl_file *)(uintptr_t)fi->fh;
}

static int file_fd(struct fuse_file_info *fi)
{
	return __atomic_load_n(&FILE_OF(fi)->fd, __ATOMIC_ACQUIRE);
}

/* The fd to read through, following a copy-up since open. */
static int file_read_fd(struct ovl_fs *fs, struct fuse_file_info *fi)
{
	struct ovl_file *f = FILE_OF(fi);
	char path[64];
	int fd;

	if (!__atomic_load_n(&f->lower, __ATOMIC_ACQUIRE))
		return file_fd(fi);
	lock(fs);
	if (f->lower && node_upper_fd(f->node) >= 0 && f->old_fd < 0) {
		ovl_proc_path(node_upper_fd(f->node), path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			f->old_fd = f->fd;
			__atomic_store_n(&f->fd, fd, __ATOMIC_RELEASE);
			__atomic_store_n(&f->lower, false, __ATOMIC_RELEASE);
		}
	}
	unlock(fs);
	return file_fd(fi);
}

/* Fills e for a node the kernel now holds one more reference to. */
static int fill_entry(struct ovl_fs *fs, struct ovl_node *n,
		      struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = (uintptr_t)n;
	e->attr_timeout = ovl_timeout(fs, n);
	e->entry_timeout = ovl_timeout(fs, n);
	return ovl_node_stat(fs, n, &e->attr);
}

/* Resolves name in dir and replies with an entry (or the error). */
static void reply_lookup(fuse_req_t req, struct ovl_fs *fs,
			 struct ovl_node *dir, const char *name)
{
	struct ovl_lookup *lk = lookup_new();
	struct fuse_entry_param e;
	struct ovl_node *n;
	int r;

	r = ovl_resolve(fs, dir, name, lk);
	if (r < 0) {
		/* a name a live layer may get any time */
		double t = ovl_timeout(fs, dir);

		lookup_free(lk);
		unlock(fs);
		if (r == -ENOENT) {
			memset(&e, 0, sizeof(e));
			e.entry_timeout = t;
			fuse_reply_entry(req, &e);
		} else {
			fuse_reply_err(req, -r);
		}
		return;
	}
	/* the resolution just stat'ed the object: no second stat */
	memset(&e, 0, sizeof(e));
	e.attr = lk->st;
	n = ovl_node_get(fs, dir, name, lk);
	lookup_free(lk);
	ovl_node_fix_stat(fs, n, &e.attr);
	e.ino = (uintptr_t)n;
	e.attr_timeout = ovl_timeout(fs, n);
	e.entry_timeout = ovl_timeout(fs, n);
	unlock(fs);
	fuse_reply_entry(req, &e);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *dir = NODE(fs, parent);
	int r;

	lock(fs);
	r = ovl_node_refresh(fs, dir);
	if (r < 0) {
		unlock(fs);
		fuse_reply_err(req, -r);
		return;
	}
	reply_lookup(req, fs, dir, name);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct ovl_fs *fs = FS(req);

	lock(fs);
	ovl_node_forget(fs, NODE(fs, ino), nlookup);
	unlock(fs);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct ovl_fs *fs = FS(req);

	lock(fs);
	for (size_t i = 0; i < count; i++)
		ovl_node_forget(fs, NODE(fs, forgets[i].ino),
				forgets[i].nlookup);
	unlock(fs);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	struct stat st;
	int r;

	(void)fi;
	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r)
		r = ovl_node_stat(fs, n, &st);
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ovl_timeout(fs, n));
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	bool trunc0 = (to_set & FUSE_SET_ATTR_SIZE) && attr->st_size == 0;
	char path[64];
	struct stat st;
	int r, fd;

	lock(fs);
	r = ovl_node_refresh(fs, n);
	/* ctime alone (the writeback cache sends it after a link count or
	 * name change) cannot be set: no copy-up for it */
	if (!r && !(to_set & ~FUSE_SET_ATTR_CTIME)) {
		r = ovl_node_stat(fs, n, &st);
		goto out;
	}
	if (!r)
		r = fs->ro ? -EROFS : ovl_copy_up(fs, n, !trunc0);
	if (r < 0)
		goto out;
	fd = node_upper_fd(n);
	ovl_proc_path(fd, path);
	if (to_set & FUSE_SET_ATTR_MODE) {
		if (S_ISLNK(n->type))
			r = -EOPNOTSUPP;
		else if (chmod(path, attr->st_mode & 07777) < 0)
			r = -errno;
	}
	if (!r && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		const struct ovl_config *c = fs->cfg;
		uid_t u = to_set & FUSE_SET_ATTR_UID ?
				  ovl_id_to_host(c->uidmap, c->nuidmap,
						 attr->st_uid) :
				  (uid_t)-1;
		gid_t g = to_set & FUSE_SET_ATTR_GID ?
				  ovl_id_to_host(c->gidmap, c->ngidmap,
						 attr->st_gid) :
				  (gid_t)-1;

		/* an id no range maps cannot be stored (chown(2): EINVAL) */
		if (((to_set & FUSE_SET_ATTR_UID) && u == (uid_t)-1) ||
		    ((to_set & FUSE_SET_ATTR_GID) && g == (gid_t)-1))
			r = -EINVAL;
		else if (fchownat(fd, "", u, g,
				  AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	}
	if (!r && (to_set & FUSE_SET_ATTR_SIZE)) {
		/* an open fd here was opened for writing, hence in upper */
		if (fi ? ftruncate(file_fd(fi), attr->st_size) < 0 :
			 truncate(path, attr->st_size) < 0)
			r = -errno;
		/* handle_killpriv_v2: FATTR_KILL_SUIDGID (libfuse's KILL_SUID) */
		else if (fs->killpriv && (to_set & FUSE_SET_ATTR_KILL_SUID))
			r = kill_suidgid(req, fs, n, false);
	}
	if (!r && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec ts[2] = { { 0, UTIME_OMIT },
					  { 0, UTIME_OMIT } };

		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (S_ISLNK(n->type) ?
			    utimensat(fd, "", ts, AT_EMPTY_PATH) < 0 :
			    utimensat(AT_FDCWD, path, ts, 0) < 0)
			r = -errno;
	}
	if (!r)
		r = ovl_node_stat(fs, n, &st);
out:
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ovl_timeout(fs, n));
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	char buf[PATH_MAX + 1];
	ssize_t r;

	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r)
		r = readlinkat(node_top_fd(n), "", buf, sizeof(buf) - 1);
	if (r < 0)
		r = -errno;
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else {
		buf[r] = 0;
		fuse_reply_readlink(req, buf);
	}
}

/* ---------------------------------------------------------- creation */

enum mk_kind {
	MK_FILE,
	MK_DIR,
	MK_NOD,
	MK_SYMLINK,
	MK_LINK
};

struct mk_args {
	enum mk_kind kind;
	mode_t mode;
	dev_t rdev;
	const char *target;   /* symlink */
	struct ovl_node *src; /* link */
	int flags;	      /* create: open flags */
	int fd;		      /* create: the opened file (out) */
};

/* Makes the object at dfd/name, owned by the caller. */
static int mk_object(struct ovl_fs *fs, fuse_req_t req, int dfd,
		     const char *name, struct mk_args *a, gid_t dir_gid,
		     bool dir_sgid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	const struct ovl_config *c = fs->cfg;
	uid_t uid = ovl_id_to_host(c->uidmap, c->nuidmap, ctx->uid);
	gid_t gid = dir_sgid ? dir_gid :
			       ovl_id_to_host(c->gidmap, c->ngidmap, ctx->gid);
	char path[64];
	int r = 0;

	/* a caller outside the mappings has no id to own files with */
	if (a->kind != MK_LINK && (uid == (uid_t)-1 || gid == (gid_t)-1))
		return -EOVERFLOW;
	switch (a->kind) {
	case MK_FILE:
		a->fd = openat(dfd, name,
			       (a->flags | O_CREAT | O_EXCL | O_CLOEXEC) &
				       ~(O_NOFOLLOW | O_DIRECT),
			       a->mode & 07777);
		r = a->fd < 0 ? -errno : 0;
		break;
	case MK_DIR:
		r = mkdirat(dfd, name, a->mode & 07777) < 0 ? -errno : 0;
		break;
	case MK_NOD:
		r = mknodat(dfd, name, a->mode, a->rdev) < 0 ? -errno : 0;
		break;
	case MK_SYMLINK:
		r = symlinkat(a->target, dfd, name) < 0 ? -errno : 0;
		break;
	case MK_LINK:
		ovl_proc_path(node_upper_fd(a->src), path);
		r = linkat(AT_FDCWD, path, dfd, name, AT_SYMLINK_FOLLOW) < 0 ?
			    -errno :
			    0;
		return r;
	}
	if (r < 0)
		return r;
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		unlinkat(dfd, name, a->kind == MK_DIR ? AT_REMOVEDIR : 0);
		if (a->kind == MK_FILE) {
			close(a->fd);
			a->fd = -1;
		}
	}
	return r;
}

/* Makes the object in the work dir and swaps it in for the upper
 * whiteout at pfd/name (a directory made there is opaque). */
static int create_over_whiteout(struct ovl_fs *fs, fuse_req_t req, int pfd,
				const char *name, struct mk_args *a,
				const struct ovl_lookup *lk,
				const struct stat *dst)
{
	_cleanup_free_ char *tmp = ovl_tmp_name(fs);
	int r;

	r = mk_object(fs, req, fs->work_fd, tmp, a, dst->st_gid,
		      dst->st_mode & S_ISGID);
	if (!r && a->kind == MK_DIR) {
		int dfd = openat(fs->work_fd, tmp,
				 O_PATH | O_DIRECTORY | O_CLOEXEC);

		r = dfd < 0 ? -errno : ovl_set_opaque(fs, dfd);
		if (dfd >= 0)
			close(dfd);
	}
	if (!r && lk->upper_oci_wh) {
		char wh[NAME_MAX + 8];

		if (renameat2(fs->work_fd, tmp, pfd, name, RENAME_NOREPLACE) <
		    0)
			r = -errno;
		snprintf(wh, sizeof(wh), OVL_WH_PREFIX "%s", name);
		if (!r)
			unlinkat(pfd, wh, 0);
	} else if (!r) {
		/* swap with the whiteout, then drop it: a directory
		 * cannot simply be renamed over a device */
		if (renameat2(fs->work_fd, tmp, pfd, name, RENAME_EXCHANGE) < 0)
			r = -errno;
		else
			unlinkat(fs->work_fd, tmp, 0);
	}
	if (r < 0) {
		if (a->fd >= 0)
			close(a->fd);
		a->fd = -1;
		cs_remove_tree(fs->work_fd, tmp);
	}
	return r;
}

/* Moves upper pfd/name into the work dir and deletes it there: for a
 * directory that holds nothing but whiteouts. */
static int remove_via_work(struct ovl_fs *fs, int pfd, const char *name)
{
	_cleanup_free_ char *tmp = ovl_tmp_name(fs);

	if (renameat(pfd, name, fs->work_fd, tmp) < 0)
		return -errno;
	cs_remove_tree(fs->work_fd, tmp);
	return 0;
}

/* Creates name in dir for every creating operation: resolves, copies the
 * directory up, builds the object (in the work dir when a whiteout has to
 * be replaced atomically) and replies with its entry. */
static void do_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      struct mk_args *a, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *dir = NODE(fs, parent), *n = NULL;
	struct ovl_lookup *lk = lookup_new();
	struct fuse_entry_param e;
	struct stat dst;
	int r, pfd;

	a->fd = -1;
	lock(fs);
	r = ovl_node_refresh(fs, dir);
	if (!r && a->kind == MK_LINK)
		r = ovl_node_refresh(fs, a->src);
	if (r < 0)
		goto out;
	r = ovl_resolve(fs, dir, name, lk);
	if (r == 0) {
		r = -EEXIST;
		goto out;
	}
	if (r != -ENOENT)
		goto out;
	if (fs->ro) {
		r = -EROFS;
		goto out;
	}
	if (ovl_name_is_marker(name)) {
		/* would read back as a whiteout: refuse (docs/overlayfs.md) */
		r = -EINVAL;
		goto out;
	}
	r = ovl_copy_up(fs, dir, true);
	if (!r && a->kind == MK_LINK)
		r = ovl_copy_up(fs, a->src, true);
	if (r < 0)
		goto out;
	pfd = node_upper_fd(dir);
	if (fstat(pfd, &dst) < 0) {
		r = -errno;
		goto out;
	}
	if (!lk->upper_wh) {
		r = mk_object(fs, req, pfd, name, a, dst.st_gid,
			      dst.st_mode & S_ISGID);
	} else {
		r = create_over_whiteout(fs, req, pfd, name, a, lk, &dst);
	}
	if (r < 0)
		goto out;
	/* A new object never merges with lower layers (nothing visible was
	 * there, or it replaced a whiteout and is opaque): it is upper only. */
	lk->ent[0].layer = 0;
	lk->ent[0].fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (lk->ent[0].fd < 0 || fstat(lk->ent[0].fd, &lk->st) < 0) {
		r = -errno;
		if (lk->ent[0].fd >= 0)
			close(lk->ent[0].fd);
		goto out;
	}
	lk->nent = 1;
	n = ovl_node_get(fs, dir, name, lk);
	r = fill_entry(fs, n, &e);
	if (r < 0)
		ovl_node_forget(fs, n, 1);
out:
	ovl_dir_changed(dir);
	lookup_free(lk);
	unlock(fs);
	if (r < 0) {
		if (a->fd >= 0)
			close(a->fd);
		fuse_reply_err(req, -r);
	} else if (fi) {
		struct ovl_file *f;

		bool cached = writes_must_reach_us(req, fs, &e.attr);

		lock(fs);
		f = file_new(fs, a->fd, n, cached);
		unlock(fs);
		reply_file(req, fs, fi, f, &e);
	} else {
		fuse_reply_entry(req, &e);
	}
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct mk_args a = { .kind = MK_NOD, .mode = mode, .rdev = rdev };

	/* a 0:0 device would read back as a whiteout, hiding the name it was
	 * made under and every lower one: the kernel's overlayfs refuses it */
	if (S_ISCHR(mode) && rdev == makedev(0, 0)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (S_ISDIR(mode)) {
		a.kind = MK_DIR;
	} else if (S_ISREG(mode)) {
		/* mknod of a regular file: make it and close it */
		a.kind = MK_FILE;
		a.flags = O_WRONLY;
	}
	do_create(req, parent, name, &a, NULL);
	if (a.kind == MK_FILE && a.fd >= 0)
		close(a.fd);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct mk_args a = { .kind = MK_DIR, .mode = mode };

	do_create(req, parent, name, &a, NULL);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct mk_args a = { .kind = MK_SYMLINK, .target = link };

	do_create(req, parent, name, &a, NULL);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct mk_args a = { .kind = MK_LINK, .src = NODE(FS(req), ino) };

	do_create(req, newparent, newname, &a, NULL);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct mk_args a = { .kind = MK_FILE,
			     .mode = mode,
			     .flags = cache_flags(FS(req), fi->flags) };

	do_create(req, parent, name, &a, fi);
}

int ovl_tmpfile(struct ovl_fs *fs, uint64_t nodeid, uint32_t uid, uint32_t gid,
		uint32_t flags, uint32_t mode, struct fuse_entry_param *e,
		struct fuse_file_info *fi, int *backing_id)
{
	const struct ovl_config *c = fs->cfg;
	struct ovl_node *dir = NODE(fs, nodeid), *n;
	uid_t hu = ovl_id_to_host(c->uidmap, c->nuidmap, uid);
	gid_t hg = ovl_id_to_host(c->gidmap, c->ngidmap, gid);
	struct ovl_file *f;
	char path[64];
	struct stat st;
	int r, fd = -1, pfd = -1;

	if (hu == (uid_t)-1 || hg == (gid_t)-1)
		return -EOVERFLOW;
	lock(fs);
	r = ovl_node_refresh(fs, dir);
	if (!r)
		r = fs->ro ? -EROFS : ovl_copy_up(fs, dir, true);
	if (!r) {
		/* the kernel answers EOPNOTSUPP where the upper fs cannot */
		fd = openat(
			node_upper_fd(dir), ".",
			(cache_flags(fs, (int)flags) | O_TMPFILE | O_CLOEXEC) &
				~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW |
				  O_DIRECT),
			mode & 07777);
		if (fd < 0)
			r = errno == EISDIR ? -EOPNOTSUPP : -errno;
	}
	if (!r && (fchown(fd, hu, hg) < 0 || fstat(fd, &st) < 0))
		r = -errno;
	if (!r) {
		ovl_proc_path(fd, path);
		pfd = open(path, O_PATH | O_CLOEXEC);
		if (pfd < 0)
			r = -errno;
	}
	if (r < 0) {
		unlock(fs);
		if (fd >= 0)
			close(fd);
		return r;
	}
	n = ovl_node_anon(fs, pfd, &st);
	memset(e, 0, sizeof(*e));
	e->ino = (uintptr_t)n;
	e->attr = st;
	ovl_node_fix_stat(fs, n, &e->attr);
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
	f = file_new(fs, fd, n, false);
	fi->fh = (uintptr_t)f;
	*backing_id = f->pt_id;
	unlock(fs);
	return 0;
}

void ovl_tmpfile_abort(struct ovl_fs *fs, const struct fuse_entry_param *e,
		       const struct fuse_file_info *fi)
{
	file_free(fs, (struct ovl_file *)(uintptr_t)fi->fh);
	lock(fs);
	ovl_node_forget(fs, NODE(fs, e->ino), 1);
	unlock(fs);
}

/* ---------------------------------------------------------- removal */

/* Whether the merged directory with entries ent is empty. */
static int dir_is_empty(struct ovl_fs *fs, struct ovl_lookup *lk)
{
	struct ovl_node tmp = { .type = S_IFDIR,
				.nent = lk->nent,
				.ent = lk->ent };
	struct ovl_dirent *d;
	size_t cnt;
	int r = ovl_list_dir(fs, &tmp, &d, &cnt);

	if (r < 0)
		return r;
	ovl_dirents_free(d, cnt);
	return cnt == 0;
}

/* The upper object at pfd/name will be gone: forget its inode number when
 * this was its last name, so that a reused inode gets a fresh one. */
static void drop_number(struct ovl_fs *fs, int pfd, const char *name)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISDIR(st.st_mode) || st.st_nlink <= 1))
		ovl_imap_drop(fs, st.st_dev, st.st_ino);
}

/* Replaces upper pfd/name by a whiteout in one step. */
static int whiteout_over(struct ovl_fs *fs, int pfd, const char *name,
			 bool is_dir)
{
	_cleanup_free_ char *tmp = ovl_tmp_name(fs);
	int r = ovl_make_whiteout(fs, fs->work_fd, tmp);

	if (r < 0)
		return r;
	if (!fs->wh_mknod) {
		/* OCI form: the whiteout is a name of its own */
		unlinkat(fs->work_fd, tmp, 0);
		if (is_dir) {
			if (renameat(pfd, name, fs->work_fd, tmp) < 0)
				return -errno;
			cs_remove_tree(fs->work_fd, tmp);
		} else if (unlinkat(pfd, name, 0) < 0) {
			return -errno;
		}
		return ovl_make_whiteout(fs, pfd, name);
	}
	if (renameat2(fs->work_fd, tmp, pfd, name, RENAME_EXCHANGE) < 0) {
		r = -errno;
		unlinkat(fs->work_fd, tmp, 0);
		return r;
	}
	return cs_remove_tree(fs->work_fd, tmp);
}

static int do_remove(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		     bool rmdir)
{
	struct ovl_lookup *lk = lookup_new();
	struct ovl_node *gone;
	int r, pfd;

	r = ovl_node_refresh(fs, dir);
	if (!r)
		r = ovl_resolve(fs, dir, name, lk);
	if (r < 0)
		goto out;
	if (rmdir && !S_ISDIR(lk->st.st_mode)) {
		r = -ENOTDIR;
		goto out;
	}
	if (!rmdir && S_ISDIR(lk->st.st_mode)) {
		r = -EISDIR;
		goto out;
	}
	if (fs->ro) {
		r = -EROFS;
		goto out;
	}
	if (rmdir) {
		r = dir_is_empty(fs, lk);
		if (r <= 0) {
			r = r < 0 ? r : -ENOTEMPTY;
			goto out;
		}
	}
	r = ovl_copy_up(fs, dir, true);
	if (r < 0)
		goto out;
	pfd = node_upper_fd(dir);
	/* a node of the name must not be looked for under it again */
	gone = ovl_node_find(fs,
			     ovl_imap_get(fs, lk->st.st_dev, lk->st.st_ino));
	if (gone && gone->parent == dir && gone->name &&
	    !strcmp(gone->name, name))
		gone->pinned = gone->removed = true;
	if (lk->ent[0].layer != 0) {
		r = ovl_make_whiteout(fs, pfd, name);
		goto out;
	}
	drop_number(fs, pfd, name);
	if (lk->lower_below) {
		r = whiteout_over(fs, pfd, name, rmdir);
	} else if (unlinkat(pfd, name, rmdir ? AT_REMOVEDIR : 0) < 0) {
		r = -errno;
		if (r == -ENOTEMPTY) /* only whiteouts inside */
			r = remove_via_work(fs, pfd, name);
	}
out:
	ovl_dir_changed(dir);
	lookup_free(lk);
	return r;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = FS(req);
	int r;

	lock(fs);
	r = do_remove(fs, NODE(fs, parent), name, false);
	unlock(fs);
	fuse_reply_err(req, -r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = FS(req);
	int r;

	lock(fs);
	r = do_remove(fs, NODE(fs, parent), name, true);
	unlock(fs);
	fuse_reply_err(req, -r);
}

/* ---------------------------------------------------------- rename */

/* Copies n up whole: a directory with lower parts as a full upper tree
 * (docs/overlayfs.md, "Directory rename"). */
static int copy_up_whole(struct ovl_fs *fs, struct ovl_node *n)
{
	if (S_ISDIR(n->type) && (n->nent > 1 || n->ent[0].layer != 0))
		return ovl_copy_up_tree(fs, n);
	return ovl_copy_up(fs, n, true);
}

/* renameat2(RENAME_EXCHANGE): both copied up whole, then swapped in the
 * upper layer in one step; a directory that lands on a name lower layers
 * hold is made opaque so it does not merge with them. */
static int exchange(struct ovl_fs *fs, struct ovl_node *sdir, const char *sname,
		    struct ovl_lookup *slk, struct ovl_node *ddir,
		    const char *dname, struct ovl_lookup *dlk)
{
	bool s_below = slk->lower_below, d_below = dlk->lower_below;
	struct ovl_node *a = ovl_node_get(fs, sdir, sname, slk);
	struct ovl_node *b = ovl_node_get(fs, ddir, dname, dlk);
	int r = 0;

	if (a != b) {
		r = copy_up_whole(fs, a);
		if (!r)
			r = copy_up_whole(fs, b);
		if (!r)
			r = ovl_copy_up(fs, sdir, true);
		if (!r)
			r = ovl_copy_up(fs, ddir, true);
		if (!r && S_ISDIR(a->type) && d_below)
			r = ovl_set_opaque(fs, node_upper_fd(a));
		if (!r && S_ISDIR(b->type) && s_below)
			r = ovl_set_opaque(fs, node_upper_fd(b));
		if (!r &&
		    renameat2(node_upper_fd(sdir), sname, node_upper_fd(ddir),
			      dname, RENAME_EXCHANGE) < 0)
			r = -errno;
		if (!r) {
			ovl_node_set_name(fs, a, ddir, dname);
			ovl_node_set_name(fs, b, sdir, sname);
		}
	}
	ovl_node_forget(fs, a, 1);
	ovl_node_forget(fs, b, 1);
	return r;
}

static int do_rename(struct ovl_fs *fs, struct ovl_node *sdir,
		     const char *sname, struct ovl_node *ddir,
		     const char *dname, unsigned flags)
{
	struct ovl_lookup *slk = lookup_new(), *dlk = lookup_new();
	struct ovl_node *s = NULL;
	bool dexists, dupper, sdir_is;
	int r, spfd, dpfd;

	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		r = -EINVAL;
		goto out;
	}
	r = ovl_node_refresh(fs, sdir);
	if (!r)
		r = ovl_node_refresh(fs, ddir);
	if (!r)
		r = ovl_resolve(fs, sdir, sname, slk);
	if (r < 0)
		goto out;
	if (ovl_name_is_marker(dname)) {
		r = -EINVAL;
		goto out;
	}
	r = ovl_resolve(fs, ddir, dname, dlk);
	if (r < 0 && r != -ENOENT)
		goto out;
	dexists = r == 0;
	r = 0;
	if (flags & RENAME_EXCHANGE) {
		r = !dexists ? -ENOENT :
		    fs->ro   ? -EROFS :
			       exchange(fs, sdir, sname, slk, ddir, dname, dlk);
		goto out;
	}
	sdir_is = S_ISDIR(slk->st.st_mode);
	if (dexists) {
		if (flags & RENAME_NOREPLACE) {
			r = -EEXIST;
			goto out;
		}
		if (slk->st.st_dev == dlk->st.st_dev &&
		    slk->st.st_ino == dlk->st.st_ino)
			goto out; /* two names of one file: nothing to do */
		if (sdir_is && !S_ISDIR(dlk->st.st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		if (!sdir_is && S_ISDIR(dlk->st.st_mode)) {
			r = -EISDIR;
			goto out;
		}
		if (S_ISDIR(dlk->st.st_mode)) {
			r = dir_is_empty(fs, dlk);
			if (r <= 0) {
				r = r < 0 ? r : -ENOTEMPTY;
				goto out;
			}
			r = 0;
		}
	}
	if (fs->ro) {
		r = -EROFS;
		goto out;
	}
	/* The source as a node, to copy it up (a directory with lower
	 * parts becomes a full upper copy: docs/overlayfs.md). */
	s = ovl_node_get(fs, sdir, sname, slk);
	r = copy_up_whole(fs, s);
	if (!r)
		r = ovl_copy_up(fs, ddir, true);
	if (r < 0)
		goto out;
	spfd = node_upper_fd(sdir);
	dpfd = node_upper_fd(ddir);
	dupper = dexists && dlk->ent[0].layer == 0;
	/* A directory landing where lower layers have the name must not
	 * merge with them. */
	if (sdir_is &&
	    (dlk->lower_below || (dexists && !dupper) || dlk->upper_wh)) {
		r = ovl_set_opaque(fs, node_upper_fd(s));
		if (r < 0)
			goto out;
	}
	if (dupper) {
		drop_number(fs, dpfd, dname);
		/* merged-empty, but may hold whiteouts */
		if (S_ISDIR(dlk->st.st_mode)) {
			r = remove_via_work(fs, dpfd, dname);
			if (r < 0)
				goto out;
		}
	} else if (dlk->upper_wh && !dlk->upper_oci_wh && sdir_is) {
		unlinkat(dpfd, dname,
			 0); /* a directory cannot replace a device */
	}
	if (slk->lower_below && fs->wh_mknod &&
	    renameat2(spfd, sname, dpfd, dname, RENAME_WHITEOUT) == 0) {
		r = 0;
	} else if (renameat(spfd, sname, dpfd, dname) < 0) {
		r = -errno;
		goto out;
	} else if (slk->lower_below) {
		r = ovl_make_whiteout(fs, spfd, sname);
	}
	if (dlk->upper_oci_wh) {
		char wh[NAME_MAX + 8];

		snprintf(wh, sizeof(wh), OVL_WH_PREFIX "%s", dname);
		unlinkat(dpfd, wh, 0);
	}
	ovl_node_set_name(fs, s, ddir, dname);
out:
	ovl_dir_changed(sdir);
	ovl_dir_changed(ddir);
	if (s)
		ovl_node_forget(fs, s, 1);
	lookup_free(slk);
	lookup_free(dlk);
	return r;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct ovl_fs *fs = FS(req);
	int r;

	lock(fs);
	r = do_rename(fs, NODE(fs, parent), name, NODE(fs, newparent), newname,
		      flags);
	unlock(fs);
	fuse_reply_err(req, -r);
}

/* ---------------------------------------------------------- open files */

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
	bool kill = ovl_req_kill_suidgid, cached = false;
	char path[64];
	struct ovl_file *f;
	int r, fd = -1, pfd = -1;

	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r && wr)
		r = fs->ro ? -EROFS :
			     ovl_copy_up(fs, n, !(fi->flags & O_TRUNC));
	/* Open outside the lock (a FIFO blocks until its other end opens),
	 * through a private copy of the node's fd. */
	if (!r && (pfd = dup(node_top_fd(n))) < 0)
		r = -errno;
	unlock(fs);
	if (!r) {
		/* no O_DIRECT here: our buffers are not aligned for it; the
		 * kernel opens passthrough files with the caller's flags
		 * and sends the rest to us uncached (direct_io) */
		int flags =
			(fi->flags | O_CLOEXEC) &
			~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT);

		ovl_proc_path(pfd, path);
		fd = open(path, cache_flags(fs, flags));
		/* a write-only file we may not read: no read-modify-write */
		if (fd < 0 && errno == EACCES &&
		    cache_flags(fs, flags) != flags)
			fd = open(path, flags & ~O_APPEND);
		if (fd < 0)
			r = -errno;
		close(pfd);
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	lock(fs);
	if (wr && fs->killpriv) {
		struct stat st;

		cached = !kill && ovl_node_stat(fs, n, &st) == 0 &&
			 writes_must_reach_us(req, fs, &st);
		/* O_TRUNC clears the bits now, as the kernel's truncate does;
		 * so does a file already in passthrough (one mode per inode),
		 * whose writes would never reach us */
		if (kill || (cached && n->pt_opens))
			r = kill_suidgid(req, fs, n, true);
	}
	f = r < 0 ? NULL : file_new(fs, fd, n, cached);
	unlock(fs);
	if (!f) {
		close(fd);
		fuse_reply_err(req, -r);
		return;
	}
	reply_file(req, fs, fi, f, NULL);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	file_free(FS(req), FILE_OF(fi));
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -ovl_sync_fd(FS(req), file_fd(fi), datasync));
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = file_read_fd(FS(req), fi);
	buf.buf[0].pos = off;
	/* no FUSE_BUF_SPLICE_MOVE: the kernel cannot steal most page cache
	 * pages, and logs a page dump each time it refuses */
	fuse_reply_data(req, &buf, 0);
}

static void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in,
			 off_t off, struct fuse_file_info *fi)
{
	size_t size = fuse_buf_size(in), done = 0;
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
	ssize_t r;

	if (ovl_req_kill_suidgid) {
		struct ovl_fs *fs = FS(req);

		lock(fs);
		r = kill_suidgid(req, fs, NODE(fs, ino), true);
		unlock(fs);
		if (r < 0) {
			fuse_reply_err(req, (int)-r);
			return;
		}
	}
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = file_fd(fi);
	out.buf[0].pos = off;
	/* A full upper takes what fits and the pwrite comes back short,
	 * without an errno.  The kernel's writeback ignores a short count
	 * (the rest of the pages would be lost in silence), so write on:
	 * the next pwrite fails with the reason (ENOSPC, EDQUOT).
	 * fuse_buf_copy() advances both vectors past what it copied. */
	for (;;) {
		r = fuse_buf_copy(&out, in, 0);
		if (r <= 0)
			break;
		done += (size_t)r;
		if (done >= size)
			break;
	}
	/* a partial write is a short count for a caller's own write(), but
	 * writeback pages must all land or fail */
	if (r < 0 && (!done || FS(req)->writeback))
		fuse_reply_err(req, (int)-r);
	else if (r == 0 && done < size && FS(req)->writeback)
		fuse_reply_err(req, ENOSPC);
	else
		fuse_reply_write(req, done);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, fallocate(file_fd(fi), mode, offset, length) < 0 ?
				    errno :
				    0);
}

static void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	off_t r = lseek(file_read_fd(FS(req), fi), off, whence);

	(void)ino;
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct ovl_fs *fs = FS(req);
	struct statvfs sv;
	int fd = fs->ro ? fs->layers[1].fd : fs->layers[0].fd;

	(void)ino;
	if (fstatvfs(fd, &sv) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* ---------------------------------------------------------- directories */

/*
 * Directories are read without opendir: the first OPENDIR is answered
 * ENOSYS, after which the kernel sends no OPENDIR or RELEASEDIR at all and
 * keeps the listings it read (FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE is its
 * default then; every change comes through this mount, which drops them).
 * The merged listing is cached in the node until its directory changes.
 * An entry's offset is a hash of its name (above 2: "." and ".." are 1 and
 * 2) and listings are sorted by it, so an offset stays valid while the
 * directory changes: telldir/seekdir work, and a reader never sees a
 * name twice or misses one that stayed.
 */
static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

static uint64_t name_cookie(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return 3 + (h >> 2);
}

static int cookie_cmp(const void *a, const void *b)
{
	const struct ovl_dirent *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* n's merged listing, sorted by offset, read when missing or stale
 * (fs->lock held), and at the start of each reading of a directory of a
 * live layer that is not watched.  0 or -errno. */
static int dir_listing(struct ovl_fs *fs, struct ovl_node *n, off_t off)
{
	int r;

	if (n->dl_valid && n->dl_gen == fs->gen && (off || !n->live_short))
		return 0;
	ovl_dirents_free(n->dl, n->dl_count);
	n->dl = NULL;
	n->dl_count = 0;
	n->dl_valid = false;
	r = ovl_list_dir(fs, n, &n->dl, &n->dl_count);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n->dl_count; i++)
		n->dl[i].off = name_cookie(n->dl[i].name);
	if (n->dl_count > 1)
		qsort(n->dl, n->dl_count, sizeof(*n->dl), cookie_cmp);
	/* two names of one hash: the later one moves up (stays sorted) */
	for (size_t i = 1; i < n->dl_count; i++)
		if (n->dl[i].off <= n->dl[i - 1].off)
			n->dl[i].off = n->dl[i - 1].off + 1;
	n->dl_valid = true;
	n->dl_gen = fs->gen;
	return 0;
}

/* Index of the first entry after offset off. */
static size_t dir_seek(const struct ovl_node *n, off_t off)
{
	size_t lo = 0, hi = n->dl_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->dl[mid].off <= (uint64_t)off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One entry of a listing reply: "." (i 0), ".." (i 1), n->dl[i - 2]. */
static const char *dir_entry(const struct ovl_node *n, size_t i,
			     struct stat *st, off_t *next)
{
	memset(st, 0, sizeof(*st));
	if (i < 2) {
		st->st_ino = i == 0 || !n->parent ? n->ino : n->parent->ino;
		st->st_mode = S_IFDIR;
		*next = (off_t)i + 1;
		return i ? ".." : ".";
	}
	st->st_ino = n->dl[i - 2].ino;
	st->st_mode = DTTOIF(n->dl[i - 2].type);
	*next = (off_t)n->dl[i - 2].off;
	return n->dl[i - 2].name;
}

/* First listing index (0 ".", 1 "..", 2 + k entries) after off. */
static size_t dir_first(const struct ovl_node *n, off_t off)
{
	return off < 2 ? (size_t)off : 2 + dir_seek(n, off);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	_cleanup_free_ char *buf = xmalloc(size);
	size_t used = 0;
	int r;

	(void)fi;
	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r)
		r = dir_listing(fs, n, off);
	for (size_t i = dir_first(n, off); !r && i < n->dl_count + 2; i++) {
		struct stat st;
		off_t next;
		const char *name = dir_entry(n, i, &st, &next);
		size_t len = fuse_add_direntry(req, buf + used, size - used,
					       name, &st, next);

		if (len > size - used)
			break;
		used += len;
	}
	unlock(fs);
	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, buf, used);
}

/* readdir with the attributes: saves `ls -l` and find one lookup per
 * entry.  Every entry handed out with a node counts as a lookup. */
static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *dir = NODE(fs, ino);
	_cleanup_free_ char *buf = xmalloc(size);
	struct ovl_lookup *lk = lookup_new();
	size_t used = 0;
	int r;

	(void)fi;
	lock(fs);
	r = ovl_node_refresh(fs, dir);
	if (!r)
		r = dir_listing(fs, dir, off);
	/* held like an open file: the fd budget may be spent mid-batch, and
	 * eviction must not take dir's fds meanwhile */
	dir->nopen++;
	for (size_t i = dir_first(dir, off); !r && i < dir->dl_count + 2; i++) {
		struct fuse_entry_param e = { 0 };
		struct ovl_node *n = NULL;
		off_t next;
		const char *name = dir_entry(dir, i, &e.attr, &next);
		size_t len;

		/* a plain file needs no fds to be listed: one fstatat */
		struct stat ast;
		int q = i >= 2 ? ovl_resolve_attr(fs, dir, name, &ast) : -1;

		if (q == 0) {
			e.attr = ast;
			n = ovl_node_get_attr(fs, dir, name, &ast);
		} else if (q == 1 && ovl_resolve(fs, dir, name, lk) == 0) {
			e.attr = lk->st;
			n = ovl_node_get(fs, dir, name, lk);
		}
		if (n) {
			ovl_node_fix_stat(fs, n, &e.attr);
			e.ino = (uintptr_t)n;
			e.attr_timeout = ovl_timeout(fs, n);
			e.entry_timeout = ovl_timeout(fs, n);
		}
		ovl_lookup_release(lk);
		if (fs->evict_pending)
			ovl_evict(fs);
		/* without a node (".", "..", gone meanwhile): a plain entry */
		len = fuse_add_direntry_plus(req, buf + used, size - used, name,
					     &e, next);
		if (len > size - used) {
			if (n)
				ovl_node_forget(fs, n, 1);
			break;
		}
		used += len;
	}
	dir->nopen--;
	unlock(fs);
	lookup_free(lk);
	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, buf, used);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	char path[64];
	int fd, r = 0;

	(void)fi;
	lock(fs);
	fd = -1;
	r = -ovl_node_refresh(fs, n);
	if (!r && node_upper_fd(n) >= 0) {
		ovl_proc_path(node_upper_fd(n), path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	unlock(fs);
	if (fd >= 0) {
		r = -ovl_sync_fd(fs, fd, datasync);
		close(fd);
	}
	fuse_reply_err(req, r);
}

/* ---------------------------------------------------------- xattrs */

static bool hidden_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) ||
	       !strncmp(name, "user.overlay.", 13);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	_cleanup_free_ char *buf = size ? xmalloc(size) : NULL;
	char path[64];
	ssize_t r;

	if (hidden_xattr(name)) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r && S_ISLNK(n->type)) {
		r = -ENODATA;
	} else if (!r) {
		ovl_proc_path(node_top_fd(n), path);
		r = getxattr(path, name, buf, size);
		if (r < 0)
			r = -errno;
	}
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else if (!size)
		fuse_reply_xattr(req, r);
	else
		fuse_reply_buf(req, buf, r);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	_cleanup_free_ char *buf = NULL;
	char path[64];
	ssize_t r, len = 0;

	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r && !S_ISLNK(n->type)) {
		ovl_proc_path(node_top_fd(n), path);
		r = listxattr(path, NULL, 0);
		if (r > 0) {
			buf = xmalloc(r);
			r = listxattr(path, buf, r);
		}
		if (r < 0)
			r = -errno;
	}
	unlock(fs);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	/* drop our own markers, compacting in place */
	for (ssize_t i = 0; i < r;) {
		size_t l = strlen(buf + i) + 1;

		if (!hidden_xattr(buf + i)) {
			memmove(buf + len, buf + i, l);
			len += l;
		}
		i += l;
	}
	if (!size)
		fuse_reply_xattr(req, len);
	else if ((size_t)len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, len);
}

static void change_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 const char *value, size_t size, int flags, bool set)
{
	struct ovl_fs *fs = FS(req);
	struct ovl_node *n = NODE(fs, ino);
	char path[64];
	int r;

	if (hidden_xattr(name)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	lock(fs);
	r = ovl_node_refresh(fs, n);
	if (!r && S_ISLNK(n->type))
		r = -EPERM;
	if (!r && !set) {
		/* removing an xattr that is not there must not copy up */
		ovl_proc_path(node_top_fd(n), path);
		if (getxattr(path, name, NULL, 0) < 0)
			r = -errno;
	}
	if (!r)
		r = fs->ro ? -EROFS : ovl_copy_up(fs, n, true);
	if (!r) {
		ovl_proc_path(node_upper_fd(n), path);
		if ((set ? setxattr(path, name, value, size, flags) :
			   removexattr(path, name)) < 0)
			r = -errno;
	}
	unlock(fs);
	fuse_reply_err(req, -r);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	change_xattr(req, ino, name, value, size, flags, true);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	change_xattr(req, ino, name, NULL, 0, 0, false);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct ovl_fs *fs = userdata;

	/* Passthrough (passthrough.c) when the kernel offers it: reads and
	 * writes of upper files never reach us.  The kernel refuses it
	 * together with the writeback cache. */
	fs->passthrough = fs->pt_devfd >= 0 && fs->pt_kernel;
	/* Else writes land in the page cache and reach us in big batches;
	 * the kernel keeps size and times meanwhile.  Safe because nothing
	 * else writes the layers. */
	if (fs->cfg->writeback && !fs->ro && !fs->passthrough &&
	    (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = true;
	} else {
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	}
	/* bigger writes: fewer requests for big files */
	conn->max_write = 1 << 20;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	/* no FUSE_CAP_SPLICE_READ: requests are read by the session hook
	 * (passthrough.c), which answers O_TMPFILE */
	conn->want &= ~FUSE_CAP_SPLICE_READ;
	/* locks stay in the kernel: the layers are ours alone */
	conn->want &= ~(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
}

const struct fuse_lowlevel_ops ovl_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.create = op_create,
	.open = op_open,
	.release = op_release,
	.fsync = op_fsync,
	.read = op_read,
	.write_buf = op_write_buf,
	.fallocate = op_fallocate,
	.lseek = op_lseek,
	.statfs = op_statfs,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.fsyncdir = op_fsyncdir,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
};
