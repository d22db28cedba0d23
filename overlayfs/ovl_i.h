/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ovl_i.h — private to overlayfs/: the in-memory model of a mount.
 *
 * A struct ovl_node is one inode of the merged view (libfuse's
 * passthrough_ll is the model): it holds O_PATH fds of the objects that
 * make it up, topmost first — for a non-directory just the topmost one,
 * for a directory every layer that merges into it, down to the first
 * opaque one.  Nodes know their parent and name only so that copy-up can
 * recreate the parent chain in the upper layer; no request resolves a path
 * string.  One mutex (fs->lock) guards the namespace: every node field,
 * the node and inode tables, and every change to the upper layer's
 * directories.  Data I/O on open files runs without it.
 */
#ifndef CSHELL_OVL_I_H
#define CSHELL_OVL_I_H

#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "overlayfs/overlayfs.h"

/* Layer 0 is the upper layer (absent on a read-only mount), 1..n lowers. */
struct ovl_layer {
	int fd; /* O_PATH of the layer root */
	dev_t dev;
	char *path;
	bool live; /* changes outside the daemon (live.c) */
};

/* One object of a node in one layer. */
struct ovl_ent {
	int layer;
	int fd; /* O_PATH | O_NOFOLLOW, owned */
};

struct ovl_node {
	struct ovl_node *parent; /* counted reference; NULL for the root */
	char *name;
	uint64_t ino; /* st_ino of the merged view, stable for the mount */
	mode_t type;  /* S_IFMT bits */
	int nent;
	struct ovl_ent *ent; /* topmost first; ent[0].layer == 0: in upper */
	dev_t kdev;	     /* key of the topmost object (for the inode map) */
	ino_t kino;
	uint64_t nlookup;	/* kernel references */
	unsigned refs;		/* children pointing here */
	uint64_t gen;		/* fs->gen when ent was resolved */
	struct ovl_node *hnext; /* live-node hash chain (by ino) */
	/* fd budget: least recently used nodes lose their fds (nent 0,
	 * evicted) and get them back by name on their next refresh */
	struct ovl_node *lru_prev, *lru_next;
	unsigned nopen; /* open files: kept resolved while > 0 */
	bool pinned;	/* cannot be found again by name: never evicted */
	bool removed;	/* its name was removed: never copied up again */
	/* open files in passthrough and in cached mode: the kernel allows
	 * one mode per inode, and one backing file */
	unsigned pt_opens, cached_opens;
	int pt_id; /* backing id while pt_opens > 0 */
	/* a directory's merged listing, sorted by offset (ops.c); valid
	 * until the directory changes (ovl_dir_changed) or fs->gen moves */
	struct ovl_dirent *dl;
	size_t dl_count;
	uint64_t dl_gen;
	bool dl_valid;
	bool evicted;
	/* live.c: the keys that find this directory from a change event,
	 * and whether its entries in live layers are unwatched (then the
	 * kernel caches them OVL_LIVE_TIMEOUT only) */
	struct ovl_live_key *live_keys;
	bool live_short;
};

/* (dev, ino) of a backing object → merged inode number. */
struct ovl_imap_ent {
	dev_t dev;
	ino_t ino;
	uint64_t num;
	struct ovl_imap_ent *next;
};

struct ovl_file;
struct ovl_live;
struct ovl_live_key;

struct ovl_fs {
	struct ovl_config *cfg;
	int nlayers; /* 1 + nlower; layers[0].fd < 0 when ro */
	struct ovl_layer *layers;
	int work_fd;	/* O_PATH of <workdir>/cshell-work, or -1 */
	int lock_fd[2]; /* flocked upper and work dirs (lock.c) */
	bool ro;
	bool priv_xattr;      /* trusted.* usable: root in init userns */
	bool wh_mknod;	      /* char 0:0 whiteouts can be made */
	bool writeback;	      /* the kernel's writeback cache is on */
	bool volatile_marked; /* fsync=0/volatile marker written (serve.c) */
	/* passthrough.c: FUSE passthrough of upper files */
	bool pt_kernel;		 /* the kernel offered it at INIT */
	bool passthrough;	 /* asked for; off again if the ioctl fails */
	int pt_devfd;		 /* the session's /dev/fuse fd, or -1 */
	uint64_t pt_init_unique; /* the INIT request, until answered */
	/* handle_killpriv_v2: the kernel offered it / we took it; then we
	 * clear setuid and setgid bits on writes, truncates and opens with
	 * O_TRUNC by callers without CAP_FSETID (ops.c) */
	bool kp2_kernel, killpriv;
	struct fuse_session *se; /* serve.c */
	/* the upper root and the work directory as seen through a lower
	 * layer that contains them: a lookup reaching one gets ELOOP, like
	 * the kernel's overlayfs "traps" (node.c) */
	dev_t trap_dev[2];
	ino_t trap_ino[2];
	int ntrap;
	/* true when the daemon runs in a mount namespace of its own without
	 * any cshell-fs mount, its own included (serve.c); otherwise lookups
	 * refuse entries on the devices of the cshell-fs mounts it saw */
	bool isolated;
	struct ovl_file *open_files; /* ops.c; under lock */
	dev_t *fuse_devs;
	size_t nfuse_devs;
	pthread_mutex_t lock;
	struct ovl_node *root;
	uint64_t gen; /* bumped when cached layers may be stale */
	uint64_t next_ino;
	uint64_t tmp_seq;
	/* live nodes by ino */
	struct ovl_node **nodes;
	size_t nodes_size, nodes_count;
	/* inode numbers by backing object, kept for the mount's life */
	struct ovl_imap_ent **imap;
	size_t imap_size, imap_count;
	double timeout;
	/* nodes by last use, most recent first (the root is not listed) */
	struct ovl_node *lru_head, *lru_tail;
	int fd_high; /* an fd this high means: evict (unlock) */
	bool evict_pending;
	struct ovl_live *live; /* live.c; NULL when no layer is live */
};

/* fsync or fdatasync of an upper-layer fd, unless the mount syncs nothing
 * (fsync=0, volatile).  0 or -errno. */
static inline int ovl_sync_fd(const struct ovl_fs *fs, int fd, bool datasync)
{
	if (!fs->cfg->fsync)
		return 0;
	return (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
}

static inline int node_upper_fd(const struct ovl_node *n)
{
	return n->nent && n->ent[0].layer == 0 ? n->ent[0].fd : -1;
}

static inline int node_top_fd(const struct ovl_node *n)
{
	return n->nent ? n->ent[0].fd : -1;
}

/* node.c: tables and layer resolution (fs->lock held) */
uint64_t ovl_imap_get(struct ovl_fs *fs, dev_t dev, ino_t ino);
void ovl_imap_set(struct ovl_fs *fs, dev_t dev, ino_t ino, uint64_t num);
void ovl_imap_drop(struct ovl_fs *fs, dev_t dev, ino_t ino);
struct ovl_node *ovl_node_find(struct ovl_fs *fs, uint64_t ino);
void ovl_node_unref(struct ovl_fs *fs, struct ovl_node *n);
void ovl_node_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t nl);
void ovl_node_set_name(struct ovl_fs *fs, struct ovl_node *n,
		       struct ovl_node *parent, const char *name);
void ovl_ents_free(struct ovl_ent *ent, int nent);
/* Names in directory node n changed: its cached listing is stale. */
static inline void ovl_dir_changed(struct ovl_node *n)
{
	n->dl_valid = false;
}
void ovl_node_renumber(struct ovl_fs *fs, struct ovl_node *n, uint64_t ino);
uint64_t ovl_new_ino(struct ovl_fs *fs);

/* The result of resolving one name in a directory node. */
struct ovl_lookup {
	int nent;
	struct ovl_ent ent[1 + OVL_MAX_LOWER];
	struct stat st;	   /* of the topmost object */
	bool upper_wh;	   /* upper holds a whiteout for the name (any form) */
	bool upper_oci_wh; /* … as a ".wh.NAME" file */
	bool lower_below;  /* some lower layer holds the name (maybe hidden) */
};
int ovl_resolve(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		struct ovl_lookup *lk);
void ovl_lookup_release(struct ovl_lookup *lk);
/* Finds or creates the node for a resolved entry, taking lk's fds, and
 * adds one kernel reference.  Never fails. */
struct ovl_node *ovl_node_get(struct ovl_fs *fs, struct ovl_node *dir,
			      const char *name, struct ovl_lookup *lk);
/* For a listing: the merged attributes of dir/name without opening it.
 * 0 for a plain non-directory (st filled; ovl_node_get_attr() makes its
 * node), 1 when it needs ovl_resolve() (a directory, a lower file with
 * several names), or -errno. */
int ovl_resolve_attr(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		     struct stat *st);
/* The node of a plain non-directory resolved by ovl_resolve_attr(): the
 * live one of its number, else a new one without fds (resolved by name at
 * its first use); adds one kernel reference. */
struct ovl_node *ovl_node_get_attr(struct ovl_fs *fs, struct ovl_node *dir,
				   const char *name, const struct stat *st);
/* A node without a name (an O_TMPFILE file in the upper layer) for the
 * O_PATH fd upper, with one kernel reference; it is never evicted. */
struct ovl_node *ovl_node_anon(struct ovl_fs *fs, int upper,
			       const struct stat *st);
/* Re-resolves n (and its ancestors) when fs->gen moved or its fds were
 * evicted; marks it used.  0 or -errno (-ESTALE: evicted and its name now
 * names something else). */
int ovl_node_refresh(struct ovl_fs *fs, struct ovl_node *n);
/* Closes the fds of the least recently used nodes that can be found again
 * by name; called by the unlocking side when fs->evict_pending. */
void ovl_evict(struct ovl_fs *fs);
int ovl_is_opaque_dir(int fd);
/* -ELOOP for a lower entry the daemon must not enter: a trap (the upper
 * or work directory) or, when not isolated, a cshell-fs mount; else 0.
 * ovl_check_mount() looks at dfd/name without asking a FUSE daemon (call
 * it before any stat that could cross into such a mount);
 * ovl_check_trap() at the stat of a lower entry. */
int ovl_check_mount(const struct ovl_fs *fs, int dfd, const char *name,
		    int flags);
int ovl_check_trap(const struct ovl_fs *fs, const struct stat *st);
int ovl_is_whiteout(const struct stat *st);
/* Fills st for the merged view of n. 0 or -errno. */
int ovl_node_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st);
/* Turns the stat of n's topmost object into the merged view's (inode
 * number, directory link count, ids through uidmapping/gidmapping). */
void ovl_node_fix_stat(const struct ovl_fs *fs, const struct ovl_node *n,
		       struct stat *st);
/* Reads the merged directory listing (names only, markers and whited-out
 * names removed). */
struct ovl_dirent {
	char *name;
	uint64_t ino;
	uint64_t off; /* readdir offset (ops.c) */
	unsigned char type;
};
int ovl_list_dir(struct ovl_fs *fs, struct ovl_node *dir,
		 struct ovl_dirent **out, size_t *count);
void ovl_dirents_free(struct ovl_dirent *d, size_t n);
int ovl_proc_path(int fd, char buf[64]);

/* copyup.c (fs->lock held) */
int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n, bool data);
int ovl_make_whiteout(struct ovl_fs *fs, int dirfd, const char *name);
int ovl_set_opaque(struct ovl_fs *fs, int fd);
char *ovl_tmp_name(struct ovl_fs *fs);
int ovl_clean_work(struct ovl_fs *fs);
int ovl_copy_up_tree(struct ovl_fs *fs, struct ovl_node *n);

/* ops.c */
extern const struct fuse_lowlevel_ops ovl_ops;

/* O_TMPFILE in directory node nodeid for the caller uid/gid: the new
 * node and open file, like a create (ops.c).  0 or -errno. */
int ovl_tmpfile(struct ovl_fs *fs, uint64_t nodeid, uint32_t uid, uint32_t gid,
		uint32_t flags, uint32_t mode, struct fuse_entry_param *e,
		struct fuse_file_info *fi, int *backing_id);
/* Undoes ovl_tmpfile() when its reply could not be sent. */
/* Frees every file still open (the daemon is ending: a lazy unmount
 * sends no RELEASE for them). */
void ovl_files_free_all(struct ovl_fs *fs);
void ovl_tmpfile_abort(struct ovl_fs *fs, const struct fuse_entry_param *e,
		       const struct fuse_file_info *fi);

/* harden.c: the empty root, the capability drop, no_new_privs and the
 * seccomp filter, after setup and before serving (unless nosandbox).
 * 0, or -1 with err set. */
int ovl_harden(struct ovl_fs *fs, struct cs_error *err);
/* Keeps only the capabilities of the mask keep (1 << CAP_…): effective,
 * permitted and bounding; clears the inheritable and ambient sets. */
int ovl_drop_caps(uint64_t keep, struct cs_error *err);

/* live.c: lower layers that change outside the daemon (the host root).
 * Their filesystems are watched with fanotify and changes invalidate the
 * kernel's caches; where that is not permitted, their entries are cached
 * for OVL_LIVE_TIMEOUT only.  Setup (after the layers are open, before
 * ovl_harden) never fails: it warns and falls back. */
void ovl_live_setup(struct ovl_fs *fs);
/* The watcher thread: after ovl_harden (it inherits the filter); stopped
 * before the session ends. */
void ovl_live_start(struct ovl_fs *fs);
void ovl_live_stop(struct ovl_fs *fs);
void ovl_live_free(struct ovl_fs *fs);
/* fs->lock held: n's fds changed (indexes a directory, sets live_short),
 * and n is being freed. */
void ovl_live_node(struct ovl_fs *fs, struct ovl_node *n);
void ovl_live_node_gone(struct ovl_fs *fs, struct ovl_node *n);
/* A node without fds for st under dir (readdirplus). */
void ovl_live_node_attr(struct ovl_fs *fs, struct ovl_node *n,
			const struct ovl_node *dir, dev_t dev);

/* serve.c: undoes the octal escapes of a mountinfo field, in place. */
void ovl_unescape(char *s);

/* How long the kernel may cache n's entry and attributes. */
static inline double ovl_timeout(const struct ovl_fs *fs,
				 const struct ovl_node *n)
{
	if (n && n->live_short && fs->timeout > OVL_LIVE_TIMEOUT)
		return OVL_LIVE_TIMEOUT;
	return fs->timeout;
}

/* lock.c: flocks the upper and work directories for the daemon's life
 * (fs->lock_fd), so that a second daemon on them fails, naming the
 * first.  0, or -1 with err set. */
int ovl_lock_dirs(struct ovl_fs *fs, struct cs_error *err);

/* loop.c: serves se's requests with worker threads until the session
 * ends; 0 or -errno. */
int ovl_loop(struct fuse_session *se);
/* Called by the write hooks before a reply: the primary thread stops
 * counting as busy (no-op in other threads). */
void ovl_loop_replying(void);
/* Request counts by opcode when CSHELL_FS_REQSTATS names a file (NULL
 * otherwise); setup before the daemon hardens, counted by the read hook. */
#define OVL_REQSTATS_OPS 64
extern uint64_t *ovl_reqstats;
void ovl_reqstats_setup(void);
static inline void ovl_reqstats_count(uint32_t opcode)
{
	__atomic_fetch_add(
		&ovl_reqstats[opcode < OVL_REQSTATS_OPS ? opcode : 0], 1,
		__ATOMIC_RELAXED);
}

/* passthrough.c */
/* Set while a thread handles an open or write whose caller the kernel
 * found without CAP_FSETID (handle_killpriv_v2). */
extern __thread bool ovl_req_kill_suidgid;
/* Routes the session's I/O through the hooks that ask for passthrough at
 * INIT, when this process may use it (root in the initial namespace). */
int ovl_pt_setup(struct ovl_fs *fs, struct fuse_session *se);
/* The ioctl requests of the two calls below (harden.c allows these). */
extern const unsigned long ovl_pt_ioctls[2];
/* Registers an open fd as a backing file: its id, or -1 (errno set). */
int ovl_pt_open_backing(struct ovl_fs *fs, int fd);
void ovl_pt_close_backing(struct ovl_fs *fs, int id);
int ovl_pt_reply_open(fuse_req_t req, const struct fuse_file_info *fi,
		      int backing_id);
int ovl_pt_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			const struct fuse_file_info *fi, int backing_id);

#endif
