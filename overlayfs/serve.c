// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * serve.c — from a struct ovl_config to a served mount: opens the layers,
 * checks them, prepares the work directory, builds the root node, mounts
 * through libfuse and runs the multithreaded request loop.  Teardown runs
 * in the reverse order through goto labels named for what they undo.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlayfs/ovl_i.h"

static int open_layer(struct ovl_layer *l, const char *path,
		      struct cs_error *err)
{
	struct stat st;

	l->path = xstrdup(path);
	l->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0 || fstat(l->fd, &st) < 0)
		return cs_error_errno(err, "cannot open layer '%s'", path);
	l->dev = st.st_dev;
	return 0;
}

/* fsync=0 and volatile leave changes unsynced; a marker in the work
 * directory holding the boot id says so until the daemon exits cleanly
 * (which syncs).  A marker of another boot means the machine went down
 * meanwhile: the upper layer may hold half-written files, and we refuse
 * it, as the kernel's overlayfs refuses a work dir after a volatile mount
 * (docs/overlayfs.md). */
#define VOLATILE_MARK "volatile"

/* The boot id into out ("" when /proc cannot tell). */
static void boot_id(struct cs_buf *out)
{
	cs_buf_init(out, 64);
	if (cs_read_file("/proc/sys/kernel/random/boot_id", out, 64, NULL) < 0)
		out->len = 0;
	while (out->len && out->buf[out->len - 1] == '\n')
		out->len--;
	cs_buf_addc(out, 0);
}

static int sync_upper(struct ovl_fs *fs)
{
	char path[64];
	int fd, r = 0;

	ovl_proc_path(fs->layers[0].fd, path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* Before the work directory is emptied: a marker of another boot refuses
 * the mount; one of this boot (a daemon that died, every write still in
 * the page cache) is synced if this mount syncs. */
static int check_volatile(struct ovl_fs *fs, const char *work,
			  struct cs_error *err)
{
	_cleanup_free_ char *mark =
		xasprintf("%s/cshell-work/" VOLATILE_MARK, work);
	struct cs_buf was = CS_BUF_INIT, now = CS_BUF_INIT;
	int r = 0;

	cs_buf_init(&was, 64);
	if (cs_read_file(mark, &was, 64, NULL) < 0) {
		cs_buf_release(&was);
		return 0; /* none */
	}
	cs_buf_addc(&was, 0);
	boot_id(&now);
	if (!now.buf[0] || strcmp(was.buf, now.buf))
		r = cs_error_set(
			err, 0,
			"upperdir '%s' was mounted with fsync=0 or volatile and the machine restarted before that mount ended: its files may be half-written; check them (or start from an empty upperdir), then remove '%s' to mount it again",
			fs->layers[0].path, mark);
	else if (fs->cfg->fsync && sync_upper(fs) < 0)
		r = cs_error_errno(err, "cannot sync upperdir '%s'",
				   fs->layers[0].path);
	cs_buf_release(&was);
	cs_buf_release(&now);
	return r;
}

static int mark_volatile(struct ovl_fs *fs, const char *work,
			 struct cs_error *err)
{
	_cleanup_free_ char *mark =
		xasprintf("%s/cshell-work/" VOLATILE_MARK, work);
	struct cs_buf now = CS_BUF_INIT;
	int r;

	boot_id(&now);
	/* synced, with its directory: the marker must outlast a crash */
	r = cs_write_file_atomic(mark, now.buf, strlen(now.buf), 0600, err);
	cs_buf_release(&now);
	if (r == 0)
		fs->volatile_marked = true;
	return r;
}

/* A volatile mount that ends cleanly syncs once, then drops its marker;
 * when the sync fails the marker stays and says why. */
static void end_volatile(struct ovl_fs *fs)
{
	if (fs->volatile_marked && sync_upper(fs) == 0)
		unlinkat(fs->work_fd, VOLATILE_MARK, 0);
	fs->volatile_marked = false;
}

static void fs_free(struct ovl_fs *fs)
{
	end_volatile(fs);
	for (int i = 0; i < fs->nlayers; i++) {
		if (fs->layers[i].fd >= 0)
			close(fs->layers[i].fd);
		free(fs->layers[i].path);
	}
	free(fs->layers);
	if (fs->work_fd >= 0)
		close(fs->work_fd);
	if (fs->root) {
		ovl_dirents_free(fs->root->dl, fs->root->dl_count);
		ovl_ents_free(fs->root->ent, fs->root->nent);
		free(fs->root);
	}
	/* live nodes other than the root are gone after the kernel's final
	 * forgets; what is left is freed with the tables */
	for (size_t i = 0; i < fs->nodes_size; i++) {
		struct ovl_node *n = fs->nodes[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			if (n == fs->root)
				continue;
			ovl_dirents_free(n->dl, n->dl_count);
			ovl_ents_free(n->ent, n->nent);
			free(n->name);
			free(n);
		}
	}
	free(fs->nodes);
	for (size_t i = 0; i < fs->imap_size; i++) {
		struct ovl_imap_ent *e = fs->imap[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(fs->imap);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

static int setup_work(struct ovl_fs *fs, const char *work,
		      struct cs_error *err)
{
	struct stat st;
	int wfd = open(work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char path[64];

	if (wfd < 0 || fstat(wfd, &st) < 0) {
		if (wfd >= 0)
			close(wfd);
		return cs_error_errno(err, "cannot open workdir '%s'", work);
	}
	if (st.st_dev != fs->layers[0].dev) {
		close(wfd);
		return cs_error_set(err, 0,
				    "workdir '%s' is not on the filesystem of upperdir '%s': put both on one filesystem",
				    work, fs->layers[0].path);
	}
	if (mkdirat(wfd, "cshell-work", 0700) < 0 && errno != EEXIST) {
		close(wfd);
		return cs_error_errno(err, "cannot create '%s/cshell-work'",
				      work);
	}
	fs->work_fd = openat(wfd, "cshell-work", O_PATH | O_DIRECTORY |
							 O_CLOEXEC);
	close(wfd);
	if (fs->work_fd < 0)
		return cs_error_errno(err, "cannot open '%s/cshell-work'", work);
	if (check_volatile(fs, work, err) < 0)
		return -1;
	/* leftovers of a daemon that died mid copy-up */
	ovl_clean_work(fs);
	if (!fs->cfg->fsync && mark_volatile(fs, work, err) < 0)
		return -1;
	/* which marker forms the upper filesystem takes from us */
	fs->wh_mknod = !fs->cfg->oci_whiteouts &&
		       mknodat(fs->work_fd, "probe", S_IFCHR, makedev(0, 0)) == 0;
	unlinkat(fs->work_fd, "probe", 0);
	ovl_proc_path(fs->work_fd, path);
	fs->priv_xattr = setxattr(path, "trusted.overlay.probe", "y", 1, 0) == 0;
	if (fs->priv_xattr)
		removexattr(path, "trusted.overlay.probe");
	return 0;
}

static struct ovl_fs *fs_new(struct ovl_config *cfg, struct cs_error *err)
{
	struct ovl_fs *fs = xcalloc(1, sizeof(*fs));
	struct ovl_node *root;
	struct stat st;

	pthread_mutex_init(&fs->lock, NULL);
	fs->cfg = cfg;
	fs->timeout = cfg->timeout;
	fs->work_fd = -1;
	fs->pt_devfd = -1;
	fs->next_ino = 2;
	fs->ro = !cfg->upper;
	fs->nlayers = 1 + cfg->nlower;
	fs->layers = xcalloc(fs->nlayers, sizeof(*fs->layers));
	for (int i = 0; i < fs->nlayers; i++)
		fs->layers[i].fd = -1;
	if (cfg->upper && open_layer(&fs->layers[0], cfg->upper, err) < 0)
		goto fail;
	for (size_t i = 0; i < cfg->nlower; i++)
		if (open_layer(&fs->layers[i + 1], cfg->lowers[i], err) < 0)
			goto fail;
	if (cfg->upper && setup_work(fs, cfg->work, err) < 0)
		goto fail;

	root = xcalloc(1, sizeof(*root));
	root->type = S_IFDIR;
	root->ent = xcalloc(fs->nlayers, sizeof(*root->ent));
	for (int i = fs->ro ? 1 : 0; i < fs->nlayers; i++) {
		root->ent[root->nent].layer = i;
		root->ent[root->nent].fd = dup(fs->layers[i].fd);
		root->nent++;
	}
	fstat(root->ent[0].fd, &st);
	root->ino = 1;
	root->kdev = st.st_dev;
	root->kino = st.st_ino;
	root->nlookup = 1;
	fs->root = root;
	ovl_imap_set(fs, st.st_dev, st.st_ino, 1);
	return fs;
fail:
	fs_free(fs);
	return NULL;
}

/* Every inode the kernel holds keeps an O_PATH fd here, so a find over a
 * big tree needs as many fds as it has names: take the most the system
 * allows (fs.nr_open when privileged, else the hard limit). */
static void raise_nofile(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (nr_open > rl.rlim_max) {
		struct rlimit big = { nr_open, nr_open };

		if (setrlimit(RLIMIT_NOFILE, &big) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Nodes' fds may grow up to here; the rest is for open files, listings
 * and copy-ups. */
static int fd_budget(void)
{
	struct rlimit rl;
	rlim_t cur = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		cur = rl.rlim_cur;
	if (cur > INT_MAX)
		cur = INT_MAX;
	return cur > 512 ? (int)(cur - cur / 8) : (int)(cur / 2);
}

int ovl_serve(struct ovl_config *cfg, const char *mountpoint,
	      struct cs_error *err)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	_cleanup_free_ char *opts = NULL;
	struct fuse_loop_config *lc;
	struct fuse_session *se;
	struct ovl_fs *fs;
	int ret = -1;

	/* modes arrive with the caller's umask applied already */
	umask(0);
	raise_nofile();
	fs = fs_new(cfg, err);
	if (!fs)
		return -1;
	fs->fd_high = fd_budget();
	/* as fuse-overlayfs does: a root mount serves every user (the
	 * kernel's overlayfs has no such limit), and default_permissions
	 * keeps the kernel checking modes for them */
	if (geteuid() == 0)
		cfg->allow_other = true;
	opts = xasprintf("fsname=%s,subtype=cshell-fs%s%s%s%s%s",
			 cfg->fsname ? cfg->fsname : "cshell-fs",
			 cfg->default_permissions ? ",default_permissions" : "",
			 cfg->allow_other ? ",allow_other" : "",
			 fs->ro ? ",ro" : "", cfg->fuse_opts.len ? "," : "",
			 cfg->fuse_opts.buf);
	if (fuse_opt_add_arg(&args, "cshell-fs") ||
	    fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opts) ||
	    (cfg->debug && fuse_opt_add_arg(&args, "-d"))) {
		cs_error_set(err, ENOMEM, "cannot build mount options");
		goto out_fs;
	}
	se = fuse_session_new(&args, &ovl_ops, sizeof(ovl_ops), fs);
	if (!se) {
		cs_error_set(err, 0, "cannot start a FUSE session (options '%s')",
			     opts);
		goto out_args;
	}
	fs->se = se; /* for notifications from request handlers */
	if (fuse_set_signal_handlers(se) < 0) {
		cs_error_set(err, 0, "cannot install signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(se, mountpoint) < 0) {
		cs_error_set(err, 0,
			     "cannot mount on '%s' (is /dev/fuse there and fusermount3 installed?)",
			     mountpoint);
		goto out_signals;
	}
	if (ovl_pt_setup(fs, se) < 0) {
		cs_error_set(err, 0, "cannot set up the session's I/O");
		goto out_unmount;
	}
	if (fuse_daemonize(cfg->foreground) < 0) {
		cs_error_set(err, 0, "cannot go to the background");
		goto out_unmount;
	}
	if (cfg->singlethread) {
		ret = fuse_session_loop(se);
	} else {
		lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, 0);
		/* as many idle as at most busy: no thread churn under load */
		fuse_loop_cfg_set_max_threads(lc, 8);
		fuse_loop_cfg_set_idle_threads(lc, 8);
		ret = fuse_session_loop_mt(se, lc);
		fuse_loop_cfg_destroy(lc);
	}
	/* while our signal handlers still turn SIGTERM into a clean end */
	end_volatile(fs);
	if (ret < 0)
		cs_error_set(err, -ret, "serving '%s' failed", mountpoint);
	else
		ret = 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
out_fs:
	fs_free(fs);
	return ret < 0 ? -1 : 0;
}
