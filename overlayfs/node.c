// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * node.c — the merged namespace: the inode-number map, the table of live
 * nodes, and the resolution of a name in a directory across the layers
 * (whiteouts, opaque directories, merging).  Every function here runs
 * with fs->lock held.  Read ovl_resolve() first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlayfs/ovl_i.h"

static size_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static size_t key_hash(dev_t dev, ino_t ino)
{
	return mix((uint64_t)ino * 31 + (uint64_t)dev);
}

/* ---------------------------------------------------------- inode map */

static void imap_grow(struct ovl_fs *fs)
{
	size_t nsize = fs->imap_size ? fs->imap_size * 2 : 1024;
	struct ovl_imap_ent **nt = xcalloc(nsize, sizeof(*nt));

	for (size_t i = 0; i < fs->imap_size; i++) {
		struct ovl_imap_ent *e = fs->imap[i], *next;

		for (; e; e = next) {
			size_t h = key_hash(e->dev, e->ino) & (nsize - 1);

			next = e->next;
			e->next = nt[h];
			nt[h] = e;
		}
	}
	free(fs->imap);
	fs->imap = nt;
	fs->imap_size = nsize;
}

static struct ovl_imap_ent **imap_slot(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	struct ovl_imap_ent **p;

	if (!fs->imap_size)
		return NULL;
	p = &fs->imap[key_hash(dev, ino) & (fs->imap_size - 1)];
	for (; *p; p = &(*p)->next)
		if ((*p)->dev == dev && (*p)->ino == ino)
			return p;
	return p;
}

uint64_t ovl_imap_get(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	struct ovl_imap_ent **p = imap_slot(fs, dev, ino);

	return p && *p ? (*p)->num : 0;
}

void ovl_imap_set(struct ovl_fs *fs, dev_t dev, ino_t ino, uint64_t num)
{
	struct ovl_imap_ent **p;

	if (fs->imap_count >= fs->imap_size)
		imap_grow(fs);
	p = imap_slot(fs, dev, ino);
	if (*p) {
		(*p)->num = num;
		return;
	}
	*p = xcalloc(1, sizeof(**p));
	(*p)->dev = dev;
	(*p)->ino = ino;
	(*p)->num = num;
	fs->imap_count++;
}

void ovl_imap_drop(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	struct ovl_imap_ent **p = imap_slot(fs, dev, ino), *e;

	if (!p || !*p)
		return;
	e = *p;
	*p = e->next;
	free(e);
	fs->imap_count--;
}

/* Number for a backing object, allocating one on first sight. */
static uint64_t imap_number(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
	uint64_t num = ovl_imap_get(fs, dev, ino);

	if (!num) {
		num = fs->next_ino++;
		ovl_imap_set(fs, dev, ino, num);
	}
	return num;
}

/* ---------------------------------------------------------- live nodes */

struct ovl_node *ovl_node_find(struct ovl_fs *fs, uint64_t ino)
{
	struct ovl_node *n;

	if (!fs->nodes_size)
		return NULL;
	for (n = fs->nodes[mix(ino) & (fs->nodes_size - 1)]; n; n = n->hnext)
		if (n->ino == ino)
			return n;
	return NULL;
}

static void nodes_insert(struct ovl_fs *fs, struct ovl_node *n)
{
	size_t h;

	if (fs->nodes_count >= fs->nodes_size) {
		size_t nsize = fs->nodes_size ? fs->nodes_size * 2 : 1024;
		struct ovl_node **nt = xcalloc(nsize, sizeof(*nt));

		for (size_t i = 0; i < fs->nodes_size; i++) {
			struct ovl_node *m = fs->nodes[i], *next;

			for (; m; m = next) {
				next = m->hnext;
				h = mix(m->ino) & (nsize - 1);
				m->hnext = nt[h];
				nt[h] = m;
			}
		}
		free(fs->nodes);
		fs->nodes = nt;
		fs->nodes_size = nsize;
	}
	h = mix(n->ino) & (fs->nodes_size - 1);
	n->hnext = fs->nodes[h];
	fs->nodes[h] = n;
	fs->nodes_count++;
}

static void nodes_remove(struct ovl_fs *fs, struct ovl_node *n)
{
	struct ovl_node **p = &fs->nodes[mix(n->ino) & (fs->nodes_size - 1)];

	for (; *p; p = &(*p)->hnext) {
		if (*p == n) {
			*p = n->hnext;
			fs->nodes_count--;
			return;
		}
	}
}

void ovl_ents_free(struct ovl_ent *ent, int nent)
{
	for (int i = 0; i < nent; i++)
		if (ent[i].fd >= 0)
			close(ent[i].fd);
	free(ent);
}

static void lru_unlink(struct ovl_fs *fs, struct ovl_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else if (fs->lru_head == n)
		fs->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else if (fs->lru_tail == n)
		fs->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

static void lru_touch(struct ovl_fs *fs, struct ovl_node *n)
{
	if (n == fs->root || fs->lru_head == n)
		return;
	lru_unlink(fs, n);
	n->lru_next = fs->lru_head;
	if (fs->lru_head)
		fs->lru_head->lru_prev = n;
	fs->lru_head = n;
	if (!fs->lru_tail)
		fs->lru_tail = n;
}

static bool evictable(const struct ovl_fs *fs, const struct ovl_node *n)
{
	return n != fs->root && n->parent && n->name && !n->pinned &&
	       !n->nopen && !n->evicted && n->nent > 0;
}

void ovl_evict(struct ovl_fs *fs)
{
	/* a quarter of the budget at a time, so that eviction is rare */
	int want = fs->fd_high / 4 + 1;
	struct ovl_node *n, *prev;

	fs->evict_pending = false;
	for (n = fs->lru_tail; n && want > 0; n = prev) {
		prev = n->lru_prev;
		if (!evictable(fs, n))
			continue;
		want -= n->nent;
		ovl_ents_free(n->ent, n->nent);
		n->ent = NULL;
		n->nent = 0;
		n->evicted = true;
		lru_unlink(fs, n);
	}
}

/* Frees n when neither the kernel nor a child refers to it any more. */
static void node_maybe_free(struct ovl_fs *fs, struct ovl_node *n)
{
	while (n && !n->nlookup && !n->refs && n != fs->root) {
		struct ovl_node *parent = n->parent;

		lru_unlink(fs, n);
		nodes_remove(fs, n);
		ovl_live_node_gone(fs, n);
		ovl_dirents_free(n->dl, n->dl_count);
		ovl_ents_free(n->ent, n->nent);
		free(n->name);
		free(n);
		if (!parent)
			break;
		parent->refs--;
		n = parent;
	}
}

void ovl_node_unref(struct ovl_fs *fs, struct ovl_node *n)
{
	n->refs--;
	node_maybe_free(fs, n);
}

void ovl_node_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t nl)
{
	n->nlookup = nl > n->nlookup ? 0 : n->nlookup - nl;
	node_maybe_free(fs, n);
}

void ovl_node_set_name(struct ovl_fs *fs, struct ovl_node *n,
		       struct ovl_node *parent, const char *name)
{
	struct ovl_node *old = n->parent;

	if (old == parent && n->name && !strcmp(n->name, name))
		return;
	free(n->name);
	n->name = xstrdup(name);
	parent->refs++;
	n->parent = parent;
	if (old)
		ovl_node_unref(fs, old);
}

uint64_t ovl_new_ino(struct ovl_fs *fs)
{
	return fs->next_ino++;
}

void ovl_node_renumber(struct ovl_fs *fs, struct ovl_node *n, uint64_t ino)
{
	nodes_remove(fs, n);
	n->ino = ino;
	nodes_insert(fs, n);
}

/* ---------------------------------------------------------- resolution */

int ovl_proc_path(int fd, char buf[64])
{
	return snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

int ovl_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool xattr_says_yes(const char *path, const char *name)
{
	char v[8];
	ssize_t r = getxattr(path, name, v, sizeof(v));

	return r == 1 && v[0] == 'y';
}

/* Whether a directory (O_PATH fd) stops merging: the kernel's opaque
 * xattrs or the OCI marker file inside it. */
int ovl_is_opaque_dir(int fd)
{
	char path[64];
	struct stat st;

	ovl_proc_path(fd, path);
	if (xattr_says_yes(path, "trusted.overlay.opaque") ||
	    xattr_says_yes(path, "user.overlay.opaque"))
		return 1;
	return fstatat(fd, OVL_WH_OPAQUE, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Whether layer dir dfd holds an OCI ".wh.NAME" for name. */
static bool has_oci_whiteout(int dfd, const char *name)
{
	char wh[NAME_MAX + 8];
	struct stat st;

	if (strlen(name) + sizeof(OVL_WH_PREFIX) - 1 > NAME_MAX)
		return false;
	snprintf(wh, sizeof(wh), OVL_WH_PREFIX "%s", name);
	return fstatat(dfd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void ovl_lookup_release(struct ovl_lookup *lk)
{
	for (int i = 0; i < lk->nent; i++)
		if (lk->ent[i].fd >= 0)
			close(lk->ent[i].fd);
	lk->nent = 0;
}

int ovl_check_mount(const struct ovl_fs *fs, int dfd, const char *name,
		    int flags)
{
	struct statx stx;
	dev_t dev;

	if (fs->isolated || !fs->nfuse_devs)
		return 0;
	/* DONT_SYNC: a FUSE inode answers from its cache, so this never
	 * waits on a daemon, ourselves included; st_dev is always known */
	if (statx(dfd, name, flags | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		  0, &stx) < 0)
		return 0; /* the stat that follows reports it */
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	for (size_t i = 0; i < fs->nfuse_devs; i++)
		if (fs->fuse_devs[i] == dev)
			return -ELOOP;
	return 0;
}

int ovl_check_trap(const struct ovl_fs *fs, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return 0;
	for (int i = 0; i < fs->ntrap; i++)
		if (st->st_dev == fs->trap_dev[i] &&
		    st->st_ino == fs->trap_ino[i])
			return -ELOOP;
	return 0;
}

/* What no lookup of name in dir can get past: 0 or -errno. */
static int check_name(const struct ovl_node *dir, const char *name)
{
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	if (ovl_name_is_marker(name))
		return -ENOENT;
	return 0;
}

int ovl_resolve(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		struct ovl_lookup *lk)
{
	int r = check_name(dir, name);

	lk->nent = 0;
	lk->upper_wh = lk->upper_oci_wh = lk->lower_below = false;
	if (r < 0)
		return r;
	for (int i = 0; i < dir->nent; i++) {
		int dfd = dir->ent[i].fd, layer = dir->ent[i].layer, fd;
		struct stat st;

		/* one walk of the name: open it, then look at what it is
		 * (an O_PATH open crosses into a mount without a request to
		 * its daemon; a stat may not) */
		fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && layer > 0 &&
		    (r = ovl_check_mount(fs, fd, "", AT_EMPTY_PATH)) < 0) {
			close(fd);
			ovl_lookup_release(lk);
			return r;
		}
		if (fd >= 0 && fstat(fd, &st) < 0) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			int e = errno;

			if (e != ENOENT && e != ENOTDIR) {
				ovl_lookup_release(lk);
				return -e;
			}
			if (has_oci_whiteout(dfd, name)) {
				if (layer == 0)
					lk->upper_wh = lk->upper_oci_wh = true;
				else
					lk->lower_below = true;
				break;
			}
			continue;
		}
		if (layer > 0)
			lk->lower_below = true;
		if (ovl_is_whiteout(&st)) {
			close(fd);
			if (layer == 0)
				lk->upper_wh = true;
			break;
		}
		if (layer > 0 && (r = ovl_check_trap(fs, &st)) < 0) {
			close(fd);
			ovl_lookup_release(lk);
			return r;
		}
		/* Below a directory only directories merge. */
		if (lk->nent && !S_ISDIR(st.st_mode)) {
			close(fd);
			break;
		}
		if (!lk->nent)
			lk->st = st;
		lk->ent[lk->nent].layer = layer;
		lk->ent[lk->nent].fd = fd;
		lk->nent++;
		/* opacity only matters with layers below to hide */
		if (!S_ISDIR(st.st_mode) ||
		    (i + 1 < dir->nent && ovl_is_opaque_dir(fd)))
			break;
	}
	/* lower_below only matters to know whether removing the name needs
	 * a whiteout: look past what the walk above reached. */
	if (!lk->lower_below && lk->nent && lk->ent[0].layer == 0) {
		for (int i = 0; i < dir->nent; i++) {
			struct stat st;

			if (dir->ent[i].layer == 0 ||
			    ovl_check_mount(fs, dir->ent[i].fd, name, 0) < 0)
				continue;
			if (fstatat(dir->ent[i].fd, name, &st,
				    AT_SYMLINK_NOFOLLOW) == 0) {
				lk->lower_below = !ovl_is_whiteout(&st);
				break;
			}
			if (has_oci_whiteout(dir->ent[i].fd, name))
				break;
		}
	}
	return lk->nent ? 0 : -ENOENT;
}

int ovl_resolve_attr(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		     struct stat *st)
{
	int r = check_name(dir, name);

	if (r < 0)
		return r;
	for (int i = 0; i < dir->nent; i++) {
		int dfd = dir->ent[i].fd, layer = dir->ent[i].layer;

		if (layer > 0 && (r = ovl_check_mount(fs, dfd, name, 0)) < 0)
			return r;
		if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				return -errno;
			if (has_oci_whiteout(dfd, name))
				return -ENOENT;
			continue;
		}
		if (ovl_is_whiteout(st))
			return -ENOENT;
		if (layer > 0 && (r = ovl_check_trap(fs, st)) < 0)
			return r;
		/* directories merge; a lower file with several names gets a
		 * node per name (ovl_node_get) */
		if (S_ISDIR(st->st_mode) ||
		    (st->st_nlink > 1 && dir->ent[i].layer > 0))
			return 1;
		return 0;
	}
	return -ENOENT;
}

/* A new live node of number num for the object st, with no fds yet. */
static struct ovl_node *node_new(struct ovl_fs *fs, uint64_t num,
				 const struct stat *st)
{
	struct ovl_node *n = xcalloc(1, sizeof(*n));

	n->ino = num;
	nodes_insert(fs, n);
	n->type = st->st_mode & S_IFMT;
	n->kdev = st->st_dev;
	n->kino = st->st_ino;
	n->gen = fs->gen;
	return n;
}

struct ovl_node *ovl_node_get_attr(struct ovl_fs *fs, struct ovl_node *dir,
				   const char *name, const struct stat *st)
{
	uint64_t num = imap_number(fs, st->st_dev, st->st_ino);
	struct ovl_node *n = ovl_node_find(fs, num);

	if (!n) {
		/* no fds until it is used: ovl_node_refresh() finds it again
		 * by name, as after an eviction */
		n = node_new(fs, num, st);
		n->evicted = true;
		ovl_live_node_attr(fs, n, dir, st->st_dev);
	}
	ovl_node_set_name(fs, n, dir, name);
	n->nlookup++;
	return n;
}

/* The live node of number ino known under dir/name. */
static struct ovl_node *node_find_named(struct ovl_fs *fs, uint64_t ino,
					const struct ovl_node *dir,
					const char *name)
{
	struct ovl_node *n;

	if (!fs->nodes_size)
		return NULL;
	for (n = fs->nodes[mix(ino) & (fs->nodes_size - 1)]; n; n = n->hnext)
		if (n->ino == ino && n->parent == dir && n->name &&
		    !strcmp(n->name, name))
			return n;
	return NULL;
}

struct ovl_node *ovl_node_get(struct ovl_fs *fs, struct ovl_node *dir,
			      const char *name, struct ovl_lookup *lk)
{
	uint64_t num = imap_number(fs, lk->st.st_dev, lk->st.st_ino);
	/* Names of one lower file are separate inodes of the merged view
	 * (with one st_ino), as in the kernel's overlayfs without index:
	 * copying one of them up must leave the others as they are. */
	bool per_name = !S_ISDIR(lk->st.st_mode) && lk->st.st_nlink > 1 &&
			lk->ent[0].layer > 0;
	struct ovl_node *n = per_name ? node_find_named(fs, num, dir, name) :
					ovl_node_find(fs, num);

	if (!n)
		n = node_new(fs, num, &lk->st);
	ovl_ents_free(n->ent, n->nent);
	n->ent = xmalloc(lk->nent * sizeof(*n->ent));
	memcpy(n->ent, lk->ent, lk->nent * sizeof(*n->ent));
	n->nent = lk->nent;
	lk->nent = 0;
	n->type = lk->st.st_mode & S_IFMT;
	n->kdev = lk->st.st_dev;
	n->kino = lk->st.st_ino;
	n->gen = fs->gen;
	n->evicted = false;
	/* another name may be all that is left of it one day */
	if (!S_ISDIR(lk->st.st_mode) && lk->st.st_nlink > 1)
		n->pinned = true;
	ovl_live_node(fs, n);
	for (int i = 0; i < n->nent; i++)
		if (n->ent[i].fd >= fs->fd_high)
			fs->evict_pending = true;
	ovl_node_set_name(fs, n, dir, name);
	lru_touch(fs, n);
	n->nlookup++;
	return n;
}

struct ovl_node *ovl_node_anon(struct ovl_fs *fs, int upper,
			       const struct stat *st)
{
	struct ovl_node *n =
		node_new(fs, imap_number(fs, st->st_dev, st->st_ino), st);

	n->ent = xmalloc(sizeof(*n->ent));
	n->ent[0].layer = 0;
	n->ent[0].fd = upper;
	n->nent = 1;
	n->pinned = true;
	n->nlookup = 1;
	return n;
}

int ovl_node_refresh(struct ovl_fs *fs, struct ovl_node *n)
{
	struct ovl_lookup *lk;
	int r;

	if (!n->parent)
		return 0;
	if (n->gen == fs->gen && !n->evicted) {
		lru_touch(fs, n);
		return 0;
	}
	r = ovl_node_refresh(fs, n->parent);
	if (r < 0)
		return r;
	lk = xmalloc(sizeof(*lk));
	r = ovl_resolve(fs, n->parent, n->name, lk);
	if (!r && ovl_imap_get(fs, lk->st.st_dev, lk->st.st_ino) == n->ino) {
		ovl_ents_free(n->ent, n->nent);
		n->ent = xmalloc(lk->nent * sizeof(*n->ent));
		memcpy(n->ent, lk->ent, lk->nent * sizeof(*n->ent));
		n->nent = lk->nent;
		lk->nent = 0;
		n->kdev = lk->st.st_dev;
		n->kino = lk->st.st_ino;
		n->evicted = false;
		ovl_live_node(fs, n);
		for (int i = 0; i < n->nent; i++)
			if (n->ent[i].fd >= fs->fd_high)
				fs->evict_pending = true;
	}
	ovl_lookup_release(lk);
	free(lk);
	n->gen = fs->gen;
	if (n->evicted)
		return -ESTALE;
	lru_touch(fs, n);
	return 0;
}

void ovl_node_fix_stat(const struct ovl_fs *fs, const struct ovl_node *n,
		       struct stat *st)
{
	const struct ovl_config *c = fs->cfg;

	st->st_uid = ovl_id_to_container(c->uidmap, c->nuidmap, st->st_uid);
	st->st_gid = ovl_id_to_container(c->gidmap, c->ngidmap, st->st_gid);
	st->st_ino = n->ino;
	if (S_ISDIR(st->st_mode) && n->nent > 1)
		st->st_nlink = 1;
	/* A merged directory shows its upper part's times, which a name
	 * the host adds below does not move; the kernel drops its cached
	 * listing only when the mtime does.  For an unwatched live layer
	 * (no event to invalidate it): the latest of all parts. */
	if (n->live_short && S_ISDIR(st->st_mode)) {
		for (int i = 1; i < n->nent; i++) {
			struct stat l;

			if (fstat(n->ent[i].fd, &l) == 0 &&
			    (l.st_mtim.tv_sec > st->st_mtim.tv_sec ||
			     (l.st_mtim.tv_sec == st->st_mtim.tv_sec &&
			      l.st_mtim.tv_nsec > st->st_mtim.tv_nsec)))
				st->st_mtim = l.st_mtim;
		}
	}
}

int ovl_node_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st)
{
	if (fstatat(node_top_fd(n), "", st,
		    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ovl_node_fix_stat(fs, n, st);
	return 0;
}

/* ---------------------------------------------------------- listing */

/* A set of names for merging one directory (open addressing). */
struct nameset {
	char **slot;
	size_t size, count;
};

static size_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static bool nameset_has(struct nameset *set, const char *name)
{
	size_t i;

	if (!set->size)
		return false;
	for (i = str_hash(name) & (set->size - 1); set->slot[i];
	     i = (i + 1) & (set->size - 1))
		if (!strcmp(set->slot[i], name))
			return true;
	return false;
}

/* Adds a copy of name; returns false when it was there already. */
static bool nameset_add(struct nameset *set, const char *name)
{
	size_t i;

	if ((set->count + 1) * 2 > set->size) {
		struct nameset big = { NULL, set->size ? set->size * 2 : 64,
				       0 };

		big.slot = xcalloc(big.size, sizeof(char *));
		for (i = 0; i < set->size; i++) {
			size_t j;

			if (!set->slot[i])
				continue;
			for (j = str_hash(set->slot[i]) & (big.size - 1);
			     big.slot[j]; j = (j + 1) & (big.size - 1))
				;
			big.slot[j] = set->slot[i];
			big.count++;
		}
		free(set->slot);
		*set = big;
	}
	for (i = str_hash(name) & (set->size - 1); set->slot[i];
	     i = (i + 1) & (set->size - 1))
		if (!strcmp(set->slot[i], name))
			return false;
	set->slot[i] = xstrdup(name);
	set->count++;
	return true;
}

static void nameset_release(struct nameset *set)
{
	for (size_t i = 0; i < set->size; i++)
		free(set->slot[i]);
	free(set->slot);
}

void ovl_dirents_free(struct ovl_dirent *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

int ovl_list_dir(struct ovl_fs *fs, struct ovl_node *dir,
		 struct ovl_dirent **out, size_t *count)
{
	struct nameset seen = { 0 }, hidden = { 0 };
	struct ovl_dirent *d = NULL;
	size_t n = 0, alloc = 0;
	int ret = 0;

	for (int i = 0; i < dir->nent && !ret; i++) {
		char path[64];
		struct stat lst;
		struct dirent *de;
		DIR *dp;
		int fd;
		/* whiteouts of this layer hide names of the layers below only */
		struct nameset wh = { 0 };

		ovl_proc_path(dir->ent[i].fd, path);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (fstat(fd, &lst) < 0 || !(dp = fdopendir(fd))) {
			ret = -errno;
			close(fd);
			break;
		}
		while ((errno = 0, de = readdir(dp))) {
			const char *nm = de->d_name, *t;

			if (!strcmp(nm, ".") || !strcmp(nm, ".."))
				continue;
			if (ovl_name_is_marker(nm)) {
				if ((t = ovl_whiteout_target(nm)))
					nameset_add(&wh, t);
				continue;
			}
			if (de->d_type == DT_CHR || de->d_type == DT_UNKNOWN) {
				struct stat st;

				int r = ovl_check_mount(fs, fd, nm, 0);

				if (!r)
					r = fstatat(fd, nm, &st,
						    AT_SYMLINK_NOFOLLOW);
				if (!r && ovl_is_whiteout(&st)) {
					nameset_add(&wh, nm);
					continue;
				}
			}
			if (nameset_has(&hidden, nm) || !nameset_add(&seen, nm))
				continue;
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				d = xrealloc(d, alloc * sizeof(*d));
			}
			d[n].name = xstrdup(nm);
			d[n].type = de->d_type;
			d[n].ino = imap_number(fs, lst.st_dev, de->d_ino);
			n++;
		}
		if (errno)
			ret = -errno;
		closedir(dp);
		for (size_t k = 0; k < wh.size; k++)
			if (wh.slot[k])
				nameset_add(&hidden, wh.slot[k]);
		nameset_release(&wh);
		/* a name seen here hides the same name below, whatever it is
		 * (seen does that); a whiteout hides it too (hidden) */
	}
	nameset_release(&seen);
	nameset_release(&hidden);
	if (ret) {
		ovl_dirents_free(d, n);
		return ret;
	}
	*out = d;
	*count = n;
	return 0;
}
