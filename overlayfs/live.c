// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * live.c — lower layers that change outside the daemon.  A sandbox over
 * the live host root has "/" as a lower layer, and the host keeps editing
 * it: the day-long entry and attribute timeouts and the kept page cache
 * (docs/overlayfs.md, "Caching") would serve the old file in silence.
 *
 * So the filesystems of a live layer are watched with one fanotify group
 * (FAN_MARK_FILESYSTEM, FAN_REPORT_DFID_NAME: each event names a
 * directory by file handle, and an entry in it).  Every directory node
 * with a part in a watched layer is indexed by the file handle of that
 * part (name_to_handle_at, which gives the encoding fanotify reports),
 * so an event finds its node with one hash lookup and is otherwise
 * dropped — most events on the host root concern directories the
 * sandbox never looked at, and the upper layer's own.  A watcher thread
 * turns them into FUSE notifications (inval_entry for a name that came
 * or went, inval_inode for a changed file or listing), sent without
 * fs->lock: the kernel may wait on a request that waits for the lock.
 *
 * Filesystem marks need CAP_SYS_ADMIN in the initial user namespace.
 * Without it (rootless), and for filesystems that cannot be marked
 * (proc, sysfs, other FUSE mounts), entries of live layers are cached for
 * OVL_LIVE_TIMEOUT instead and open files do not keep their page cache:
 * per-directory inotify watches would cost one watch per directory of the
 * host root.
 *
 * Which layers are live: live=1 all lower layers, live=0 none, by
 * default those outside the image store (<data>/layers/, whose layers
 * never change once unpacked).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "overlayfs/ovl_i.h"

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif

/* What the watch reports: names that come and go, attributes, and data
 * at the close of a file written (not FAN_MODIFY, which comes with every
 * write(2) and costs a host writer an event each: a file a host process
 * keeps open while writing shows its new data once it is closed, as
 * with NFS's close-to-open consistency). */
#define LIVE_MASK                                                              \
	(FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_CREATE | FAN_DELETE |              \
	 FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR)
#define LIVE_MAX_HANDLE 128 /* MAX_HANDLE_SZ */
/* The watcher's pause after each batch: what a change may take longer to
 * show, for far fewer wakeups under a busy writer. */
#define LIVE_BATCH_NS (20 * 1000 * 1000)

/* A mount seen in a live layer: its filesystem watched or not. */
struct live_mount {
	int id;
	dev_t dev;
	bool watched;
};

/* A watched filesystem, as events name it. */
struct live_watch {
	dev_t dev;
	fsid_t fsid;
};

/* A directory node's part in a watched filesystem, by file handle. */
struct ovl_live_key {
	struct ovl_live_key *hnext; /* hash chain */
	struct ovl_live_key *nnext; /* the node's keys */
	struct ovl_node *node;
	int watch;
	int htype;
	unsigned int hlen;
	unsigned char h[];
};

/* One notification for the kernel, sent after fs->lock is released. */
struct live_note {
	fuse_ino_t parent; /* with name: an entry, else the inode ino */
	fuse_ino_t ino;
	char *name;
};

struct ovl_live {
	int fan;     /* the fanotify group, or -1 */
	int stop[2]; /* a pipe whose closing ends the watcher */
	pthread_t thread;
	bool started;
	struct live_mount *m;
	size_t nm;
	struct live_watch *w;
	size_t nw;
	/* devices of live layers that are not watched */
	dev_t *unwatched;
	size_t nunwatched;
	struct ovl_live_key **tab;
	size_t tab_size, count;
	struct live_note *notes;
	size_t nnotes, notes_cap;
	/* counters for the log at the end */
	unsigned long events, hits;
};

static bool has(const dev_t *d, size_t n, dev_t dev)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] == dev)
			return true;
	return false;
}

/* ------------------------------------------------------- which layers */

/* Whether path lies in the image store, whose layers never change. */
static bool in_image_store(const char *path)
{
	_cleanup_free_ char *data = cs_root_path(CS_ROOT_DATA);
	_cleanup_free_ char *store = xasprintf("%s/layers", data);
	char real[PATH_MAX], rstore[PATH_MAX];
	size_t l;

	if (!realpath(path, real) || !realpath(store, rstore))
		return false;
	l = strlen(rstore);
	return !strncmp(real, rstore, l) && real[l] == '/';
}

/* Filesystems whose changes fanotify does not see, or cannot report by
 * file handle, or that a walk must not enter (another FUSE daemon could
 * wait on us; autofs would mount): their entries get short timeouts. */
static bool unwatchable(const char *type)
{
	static const char *const no[] = {
		"proc",	       "sysfs",	 "devtmpfs", "devpts",	   "cgroup",
		"cgroup2",     "mqueue", "debugfs",  "tracefs",	   "securityfs",
		"pstore",      "bpf",	 "configfs", "fusectl",	   "hugetlbfs",
		"binfmt_misc", "autofs", "efivarfs", "rpc_pipefs", "nsfs",
		"cifs",	       "smb3",	 "9p",	     "ceph",	   "virtiofs",
	};

	if (!strncmp(type, "fuse", 4) || !strncmp(type, "nfs", 3))
		return true;
	for (size_t i = 0; i < CS_ARRAY_SIZE(no); i++)
		if (!strcmp(type, no[i]))
			return true;
	return false;
}

/* The mounts of mountinfo at or below a live layer's path (the mount
 * points unescaped into paths[i]). */
static void live_mounts(struct ovl_fs *fs, struct ovl_live *lv, char ***paths)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	*paths = NULL;
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		char mnt[4096], type[256];
		const char *sep = strstr(line, " - ");
		bool want = false;
		int id;

		if (!sep || sscanf(sep + 3, "%255s", type) != 1 ||
		    sscanf(line, "%d %*d %u:%u %*s %4095s", &id, &maj, &min,
			   mnt) < 4)
			continue;
		ovl_unescape(mnt);
		for (int i = 1; i < fs->nlayers && !want; i++) {
			const char *p = fs->layers[i].path;
			size_t l = strlen(p);

			while (l > 1 && p[l - 1] == '/')
				l--;
			want = fs->layers[i].live &&
			       (makedev(maj, min) == fs->layers[i].dev ||
				(l == 1 && p[0] == '/') ||
				(!strncmp(mnt, p, l) &&
				 (mnt[l] == '/' || !mnt[l])));
		}
		if (!want)
			continue;
		lv->m = xrealloc(lv->m, (lv->nm + 1) * sizeof(*lv->m));
		*paths = xrealloc(*paths, (lv->nm + 1) * sizeof(**paths));
		(*paths)[lv->nm] = unwatchable(type) ? NULL : xstrdup(mnt);
		lv->m[lv->nm++] =
			(struct live_mount){ id, makedev(maj, min), false };
	}
	free(line);
	fclose(f);
}

static bool fsid_eq(const fsid_t *a, const fsid_t *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Marks the filesystem of fd (a directory of a live layer). */
static bool mark(struct ovl_live *lv, int fd, dev_t dev)
{
	struct statfs sf;

	for (size_t i = 0; i < lv->nw; i++)
		if (lv->w[i].dev == dev)
			return true;
	if (has(lv->unwatched, lv->nunwatched, dev))
		return false;
	if (lv->fan >= 0 && fd >= 0 &&
	    fanotify_mark(lv->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  LIVE_MASK, fd, ".") == 0 &&
	    fstatfs(fd, &sf) == 0) {
		lv->w = xrealloc(lv->w, (lv->nw + 1) * sizeof(*lv->w));
		lv->w[lv->nw].dev = dev;
		memcpy(&lv->w[lv->nw].fsid, &sf.f_fsid, sizeof(sf.f_fsid));
		lv->nw++;
		return true;
	}
	lv->unwatched =
		xrealloc(lv->unwatched, (lv->nunwatched + 1) * sizeof(dev_t));
	lv->unwatched[lv->nunwatched++] = dev;
	return false;
}

void ovl_live_setup(struct ovl_fs *fs)
{
	struct ovl_live *lv;
	char **paths;
	int nlive = 0;

	for (int i = 1; i < fs->nlayers; i++) {
		fs->layers[i].live = fs->cfg->live == 1 ||
				     (fs->cfg->live < 0 &&
				      !in_image_store(fs->layers[i].path));
		nlive += fs->layers[i].live;
	}
	if (!nlive)
		return;
	lv = xcalloc(1, sizeof(*lv));
	lv->stop[0] = lv->stop[1] = -1;
	fs->live = lv;
	/* the queue is drained as it fills; identical events merge in it */
	lv->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
					FAN_UNLIMITED_QUEUE | FAN_CLOEXEC |
					FAN_NONBLOCK,
				O_RDONLY | O_CLOEXEC);
	if (lv->fan < 0)
		cs_info("live layers: no fanotify (%s): host changes show within %.1f s",
			strerror(errno), OVL_LIVE_TIMEOUT);
	live_mounts(fs, lv, &paths);
	for (int i = 1; i < fs->nlayers; i++)
		if (fs->layers[i].live)
			mark(lv, fs->layers[i].fd, fs->layers[i].dev);
	/* mounts inside a layer, by path in the daemon's namespace, where no
	 * cshell-fs mount is left (one could wait on us: not isolated, they
	 * stay unwatched) */
	for (size_t i = 0; i < lv->nm; i++) {
		struct live_mount *m = &lv->m[i];
		int fd = -1;

		if (paths[i] && fs->isolated && lv->fan >= 0)
			fd = open(paths[i], O_PATH | O_DIRECTORY | O_NOFOLLOW |
						    O_CLOEXEC);
		/* without an fd: watched through another mount, or known
		 * as unwatched */
		m->watched = mark(lv, fd, m->dev);
		if (fd >= 0)
			close(fd);
		free(paths[i]);
	}
	free(paths);
	if (lv->fan >= 0 && !lv->nw) {
		cs_info("live layers: cannot watch their filesystems (no fanotify mark: %s): host changes show within %.1f s",
			strerror(errno), OVL_LIVE_TIMEOUT);
		close(lv->fan);
		lv->fan = -1;
	}
	cs_debug("live layers: %zu filesystems watched, %zu not", lv->nw,
		 lv->nunwatched);
	lv->tab_size = 1024;
	lv->tab = xcalloc(lv->tab_size, sizeof(*lv->tab));
	ovl_live_node(fs, fs->root);
}

/* ------------------------------------------------------- the index */

static size_t key_hash(int watch, int htype, const unsigned char *h,
		       unsigned int hlen)
{
	uint64_t x = 1469598103934665603ULL ^ (uint64_t)watch ^
		     ((uint64_t)(unsigned int)htype << 32);

	for (unsigned int i = 0; i < hlen; i++)
		x = (x ^ h[i]) * 1099511628211ULL;
	return (size_t)(x ^ (x >> 29));
}

static void key_insert(struct ovl_live *lv, struct ovl_live_key *k)
{
	size_t h;

	if (lv->count >= lv->tab_size) {
		size_t nsize = lv->tab_size * 2;
		struct ovl_live_key **nt = xcalloc(nsize, sizeof(*nt));

		for (size_t i = 0; i < lv->tab_size; i++) {
			struct ovl_live_key *e = lv->tab[i], *next;

			for (; e; e = next) {
				next = e->hnext;
				h = key_hash(e->watch, e->htype, e->h,
					     e->hlen) &
				    (nsize - 1);
				e->hnext = nt[h];
				nt[h] = e;
			}
		}
		free(lv->tab);
		lv->tab = nt;
		lv->tab_size = nsize;
	}
	h = key_hash(k->watch, k->htype, k->h, k->hlen) & (lv->tab_size - 1);
	k->hnext = lv->tab[h];
	lv->tab[h] = k;
	lv->count++;
}

static void key_remove(struct ovl_live *lv, struct ovl_live_key *k)
{
	size_t h = key_hash(k->watch, k->htype, k->h, k->hlen) &
		   (lv->tab_size - 1);
	struct ovl_live_key **p = &lv->tab[h];

	for (; *p; p = &(*p)->hnext) {
		if (*p == k) {
			*p = k->hnext;
			lv->count--;
			return;
		}
	}
}

void ovl_live_node_gone(struct ovl_fs *fs, struct ovl_node *n)
{
	struct ovl_live_key *k, *next;

	if (!fs->live)
		return;
	for (k = n->live_keys; k; k = next) {
		next = k->nnext;
		key_remove(fs->live, k);
		free(k);
	}
	n->live_keys = NULL;
}

static int watch_of_mount(const struct ovl_live *lv, int mnt_id)
{
	for (size_t i = 0; i < lv->nm; i++) {
		if (lv->m[i].id != mnt_id)
			continue;
		if (!lv->m[i].watched)
			return -1;
		for (size_t j = 0; j < lv->nw; j++)
			if (lv->w[j].dev == lv->m[i].dev)
				return (int)j;
	}
	return -1;
}

static bool dev_watched(const struct ovl_live *lv, dev_t dev)
{
	for (size_t i = 0; i < lv->nw; i++)
		if (lv->w[i].dev == dev)
			return true;
	return false;
}

/* Indexes fd, a part of directory n in a live layer; false when its
 * filesystem is not watched. */
static bool index_dir(struct ovl_live *lv, struct ovl_node *n, int fd)
{
	union {
		struct file_handle fh;
		unsigned char buf[sizeof(struct file_handle) + LIVE_MAX_HANDLE];
	} u;
	struct ovl_live_key *k;
	int mnt_id, w;

	if (lv->fan < 0)
		return false;
	u.fh.handle_bytes = LIVE_MAX_HANDLE;
	/* AT_HANDLE_FID (Linux 6.5): the encoding fanotify reports */
	if (name_to_handle_at(fd, "", &u.fh, &mnt_id,
			      AT_EMPTY_PATH | AT_HANDLE_FID) < 0) {
		u.fh.handle_bytes = LIVE_MAX_HANDLE;
		if (errno != EINVAL || name_to_handle_at(fd, "", &u.fh, &mnt_id,
							 AT_EMPTY_PATH) < 0)
			return false;
	}
	w = watch_of_mount(lv, mnt_id);
	if (w < 0) {
		/* a mount that came later, or a bind mount of a watched
		 * filesystem: by its device */
		struct stat st;

		if (fstat(fd, &st) < 0 || !dev_watched(lv, st.st_dev))
			return false;
		for (size_t j = 0; j < lv->nw; j++)
			if (lv->w[j].dev == st.st_dev)
				w = (int)j;
	}
	k = xmalloc(sizeof(*k) + u.fh.handle_bytes);
	k->node = n;
	k->watch = w;
	k->htype = u.fh.handle_type;
	k->hlen = u.fh.handle_bytes;
	memcpy(k->h, u.fh.f_handle, k->hlen);
	key_insert(lv, k);
	k->nnext = n->live_keys;
	n->live_keys = k;
	return true;
}

void ovl_live_node(struct ovl_fs *fs, struct ovl_node *n)
{
	struct ovl_live *lv = fs->live;
	bool lower_top;

	if (!lv)
		return;
	ovl_live_node_gone(fs, n);
	lower_top = n->nent && n->ent[0].layer > 0;
	n->live_short = false;
	if (!S_ISDIR(n->type)) {
		/* a file: its own filesystem tells of its changes */
		n->live_short = lower_top && fs->layers[n->ent[0].layer].live &&
				!dev_watched(lv, n->kdev);
		return;
	}
	for (int i = 0; i < n->nent; i++) {
		int l = n->ent[i].layer;

		if (l > 0 && fs->layers[l].live &&
		    !index_dir(lv, n, n->ent[i].fd))
			n->live_short = true;
	}
}

void ovl_live_node_attr(struct ovl_fs *fs, struct ovl_node *n,
			const struct ovl_node *dir, dev_t dev)
{
	/* the layer is not known until the node is resolved: short when
	 * its directory is, or its filesystem unwatched (the upper's is not
	 * live, but may be unwatched too: short until resolved) */
	if (fs->live && !n->nent)
		n->live_short =
			dir->live_short || (dev != fs->layers[0].dev &&
					    !dev_watched(fs->live, dev));
}

/* ------------------------------------------------------- events */

static void note(struct ovl_live *lv, struct ovl_fs *fs, struct ovl_node *n,
		 const char *name)
{
	fuse_ino_t ino = n == fs->root ? FUSE_ROOT_ID : (uintptr_t)n;
	struct live_note *last = lv->nnotes ? &lv->notes[lv->nnotes - 1] : NULL;

	/* a writer's events come in runs on one file */
	if (last && !name && !last->name && last->ino == ino)
		return;
	if (lv->nnotes == lv->notes_cap) {
		lv->notes_cap = lv->notes_cap ? lv->notes_cap * 2 : 64;
		lv->notes =
			xrealloc(lv->notes, lv->notes_cap * sizeof(*lv->notes));
	}
	lv->notes[lv->nnotes++] = (struct live_note){
		.parent = name ? ino : 0,
		.ino = name ? 0 : ino,
		.name = name ? xstrdup(name) : NULL,
	};
}

/* The node of name in directory n (its lower parts), if live. */
static struct ovl_node *child(struct ovl_fs *fs, struct ovl_node *n,
			      const char *name)
{
	for (int i = 0; i < n->nent; i++) {
		struct stat st;
		uint64_t num;

		if (n->ent[i].layer == 0 ||
		    ovl_check_mount(fs, n->ent[i].fd, name, 0) < 0 ||
		    fstatat(n->ent[i].fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		num = ovl_imap_get(fs, st.st_dev, st.st_ino);
		return num ? ovl_node_find(fs, num) : NULL;
	}
	return NULL;
}

/* One event on directory (watch, handle) and entry name. */
static void on_event(struct ovl_fs *fs, uint64_t mask, int watch,
		     const struct file_handle *fh, const char *name)
{
	struct ovl_live *lv = fs->live;
	size_t h = key_hash(watch, fh->handle_type, fh->f_handle,
			    fh->handle_bytes) &
		   (lv->tab_size - 1);
	bool self = !name || !*name || !strcmp(name, ".");
	bool names = mask &
		     (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO);

	for (struct ovl_live_key *k = lv->tab[h]; k; k = k->hnext) {
		struct ovl_node *n = k->node, *c;

		if (k->watch != watch || k->htype != fh->handle_type ||
		    k->hlen != fh->handle_bytes ||
		    memcmp(k->h, fh->f_handle, k->hlen))
			continue;
		lv->hits++;
		if (self) {
			note(lv, fs, n, NULL);
			continue;
		}
		if (names) {
			/* the name came or went: the kernel's dentry (or
			 * negative entry), our listing and the kernel's */
			ovl_dir_changed(n);
			note(lv, fs, n, name);
			note(lv, fs, n, NULL);
		}
		c = child(fs, n, name);
		if (c) {
			note(lv, fs, c, NULL);
			/* a directory moved in or out: find its parts again */
			if (names && S_ISDIR(c->type))
				c->gen = fs->gen - 1;
		}
	}
}

/* Every node, for a lost event. */
static void all_changed(struct ovl_fs *fs)
{
	fs->gen++;
	for (size_t i = 0; i < fs->nodes_size; i++)
		for (struct ovl_node *n = fs->nodes[i]; n; n = n->hnext) {
			ovl_dir_changed(n);
			note(fs->live, fs, n, NULL);
		}
}

/* The events in buf.  Records with file handles have lengths that are
 * not multiples of 8, so each header is copied out before it is read. */
static void on_events(struct ovl_fs *fs, const char *buf, ssize_t len)
{
	struct ovl_live *lv = fs->live;
	union {
		struct file_handle fh;
		unsigned char b[sizeof(struct file_handle) + LIVE_MAX_HANDLE];
	} u;
	struct fanotify_event_metadata md;
	size_t off = 0;

	while (off + sizeof(md) <= (size_t)len) {
		size_t p, end;

		memcpy(&md, buf + off, sizeof(md));
		if (md.event_len < sizeof(md) ||
		    off + md.event_len > (size_t)len)
			break;
		p = off + md.metadata_len;
		end = off + md.event_len;
		off = end;
		lv->events++;
		if (md.vers != FANOTIFY_METADATA_VERSION)
			continue;
		if (md.mask & FAN_Q_OVERFLOW) {
			all_changed(fs);
			continue;
		}
		while (p + sizeof(struct fanotify_event_info_fid) +
			       sizeof(struct file_handle) <=
		       end) {
			struct fanotify_event_info_fid fid;
			const char *name = NULL;
			size_t hb;
			int w = -1;

			memcpy(&fid, buf + p, sizeof(fid));
			if (fid.hdr.len < sizeof(fid) + sizeof(u.fh) ||
			    p + fid.hdr.len > end)
				break;
			memcpy(&u.fh, buf + p + sizeof(fid), sizeof(u.fh));
			hb = u.fh.handle_bytes;
			if (hb > LIVE_MAX_HANDLE ||
			    sizeof(fid) + sizeof(u.fh) + hb > fid.hdr.len)
				break;
			memcpy(u.fh.f_handle,
			       buf + p + sizeof(fid) + sizeof(u.fh), hb);
			if (fid.hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME)
				name = buf + p + sizeof(fid) + sizeof(u.fh) +
				       hb;
			if (fid.hdr.info_type ==
				    FAN_EVENT_INFO_TYPE_DFID_NAME ||
			    fid.hdr.info_type == FAN_EVENT_INFO_TYPE_DFID) {
				for (size_t i = 0; i < lv->nw && w < 0; i++)
					if (fsid_eq(&lv->w[i].fsid,
						    (const fsid_t *)&fid.fsid))
						w = (int)i;
				if (w >= 0)
					on_event(fs, md.mask, w, &u.fh, name);
			}
			p += fid.hdr.len;
		}
	}
}

static void send_notes(struct ovl_fs *fs)
{
	struct ovl_live *lv = fs->live;

	for (size_t i = 0; i < lv->nnotes; i++) {
		struct live_note *nt = &lv->notes[i];

		/* ENOENT: the kernel does not have it cached; nothing to do */
		if (nt->name)
			fuse_lowlevel_notify_inval_entry(
				fs->se, nt->parent, nt->name, strlen(nt->name));
		else
			fuse_lowlevel_notify_inval_inode(fs->se, nt->ino, 0, 0);
		free(nt->name);
	}
	lv->nnotes = 0;
}

static void *watcher(void *arg)
{
	struct ovl_fs *fs = arg;
	struct ovl_live *lv = fs->live;
	/* fanotify's alignment: whole events per read */
	static _Alignas(struct fanotify_event_metadata) char buf[65536];

	for (;;) {
		struct pollfd p[2] = { { lv->fan, POLLIN, 0 },
				       { lv->stop[0], POLLIN, 0 } };
		ssize_t len;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		len = read(lv->fan, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			cs_warn("live layers: cannot read events: %s",
				strerror(errno));
			break;
		}
		pthread_mutex_lock(&fs->lock);
		on_events(fs, buf, len);
		pthread_mutex_unlock(&fs->lock);
		/* without the lock: the kernel may wait on a request that
		 * waits for it */
		send_notes(fs);
		/* let a busy host writer's events gather (and merge in the
		 * queue) for a moment: a wakeup per event cost the writer
		 * more than the events themselves */
		nanosleep(&(struct timespec){ 0, LIVE_BATCH_NS }, NULL);
	}
	return NULL;
}

void ovl_live_start(struct ovl_fs *fs)
{
	struct ovl_live *lv = fs->live;

	if (!lv || lv->fan < 0)
		return;
	if (pipe2(lv->stop, O_CLOEXEC) < 0 ||
	    pthread_create(&lv->thread, NULL, watcher, fs) != 0) {
		/* no watcher: the entries cannot be trusted for long */
		cs_warn("live layers: cannot start the watcher: %s",
			strerror(errno));
		return;
	}
	lv->started = true;
}

void ovl_live_stop(struct ovl_fs *fs)
{
	struct ovl_live *lv = fs->live;

	if (!lv || !lv->started)
		return;
	close(lv->stop[1]);
	lv->stop[1] = -1;
	pthread_join(lv->thread, NULL);
	lv->started = false;
	cs_debug("live layers: %lu events, %lu on known directories",
		 lv->events, lv->hits);
}

void ovl_live_free(struct ovl_fs *fs)
{
	struct ovl_live *lv = fs->live;

	if (!lv)
		return;
	ovl_live_stop(fs);
	for (size_t i = 0; i < lv->tab_size; i++) {
		struct ovl_live_key *k = lv->tab[i], *next;

		for (; k; k = next) {
			next = k->hnext;
			free(k); /* the nodes go next, with their pointers */
		}
	}
	free(lv->tab);
	for (size_t i = 0; i < lv->nnotes; i++)
		free(lv->notes[i].name);
	free(lv->notes);
	for (int i = 0; i < 2; i++)
		if (lv->stop[i] >= 0)
			close(lv->stop[i]);
	if (lv->fan >= 0)
		close(lv->fan);
	free(lv->m);
	free(lv->w);
	free(lv->unwatched);
	free(lv);
	fs->live = NULL;
}
