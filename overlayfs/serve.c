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
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
	/* files first: they point at nodes and may hold passthrough ids */
	ovl_files_free_all(fs);
	ovl_live_free(fs);
	end_volatile(fs);
	for (int i = 0; i < fs->nlayers; i++) {
		if (fs->layers[i].fd >= 0)
			close(fs->layers[i].fd);
		free(fs->layers[i].path);
	}
	free(fs->layers);
	if (fs->work_fd >= 0)
		close(fs->work_fd);
	for (int i = 0; i < 2; i++)
		if (fs->lock_fd[i] >= 0)
			close(fs->lock_fd[i]);
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
	free(fs->fuse_devs);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

static int setup_work(struct ovl_fs *fs, const char *work, struct cs_error *err)
{
	struct stat st;
	int wfd = open(work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char path[64];

	if (wfd < 0 || fstat(wfd, &st) < 0) {
		if (wfd >= 0)
			close(wfd);
		return cs_error_errno(err, "cannot open workdir '%s'", work);
	}
	fs->trap_dev[fs->ntrap] = st.st_dev;
	fs->trap_ino[fs->ntrap++] = st.st_ino;
	if (st.st_dev != fs->layers[0].dev) {
		close(wfd);
		return cs_error_set(
			err, 0,
			"workdir '%s' is not on the filesystem of upperdir '%s': put both on one filesystem",
			work, fs->layers[0].path);
	}
	if (mkdirat(wfd, "cshell-work", 0700) < 0 && errno != EEXIST) {
		close(wfd);
		return cs_error_errno(err, "cannot create '%s/cshell-work'",
				      work);
	}
	fs->work_fd =
		openat(wfd, "cshell-work", O_PATH | O_DIRECTORY | O_CLOEXEC);
	close(wfd);
	if (fs->work_fd < 0)
		return cs_error_errno(err, "cannot open '%s/cshell-work'",
				      work);
	if (check_volatile(fs, work, err) < 0)
		return -1;
	/* leftovers of a daemon that died mid copy-up */
	ovl_clean_work(fs);
	if (!fs->cfg->fsync && mark_volatile(fs, work, err) < 0)
		return -1;
	/* which marker forms the upper filesystem takes from us */
	fs->wh_mknod =
		!fs->cfg->oci_whiteouts &&
		mknodat(fs->work_fd, "probe", S_IFCHR, makedev(0, 0)) == 0;
	unlinkat(fs->work_fd, "probe", 0);
	ovl_proc_path(fs->work_fd, path);
	fs->priv_xattr =
		setxattr(path, "trusted.overlay.probe", "y", 1, 0) == 0;
	if (fs->priv_xattr)
		removexattr(path, "trusted.overlay.probe");
	return 0;
}

/* The daemon's state without layers: the FUSE session needs it before
 * the mount, and the layers are opened only after isolate(). */
static struct ovl_fs *fs_alloc(struct ovl_config *cfg)
{
	struct ovl_fs *fs = xcalloc(1, sizeof(*fs));

	pthread_mutex_init(&fs->lock, NULL);
	fs->cfg = cfg;
	fs->timeout = cfg->timeout;
	fs->work_fd = -1;
	fs->lock_fd[0] = fs->lock_fd[1] = -1;
	fs->pt_devfd = -1;
	fs->next_ino = 2;
	fs->ro = !cfg->upper;
	fs->nlayers = 1 + cfg->nlower;
	fs->layers = xcalloc(fs->nlayers, sizeof(*fs->layers));
	for (int i = 0; i < fs->nlayers; i++)
		fs->layers[i].fd = -1;
	return fs;
}

static int fs_open(struct ovl_fs *fs, struct cs_error *err)
{
	struct ovl_config *cfg = fs->cfg;
	struct ovl_node *root;
	struct stat st;

	if (cfg->upper && open_layer(&fs->layers[0], cfg->upper, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nlower; i++)
		if (open_layer(&fs->layers[i + 1], cfg->lowers[i], err) < 0)
			return -1;
	if (cfg->upper && setup_work(fs, cfg->work, err) < 0)
		return -1;
	/* a lower layer that contains them must not lead into them */
	if (cfg->upper && fstat(fs->layers[0].fd, &st) == 0) {
		fs->trap_dev[fs->ntrap] = st.st_dev;
		fs->trap_ino[fs->ntrap++] = st.st_ino;
	}

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
	return 0;
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

/* Layers, upper and work directory are opened once before the mount,
 * only to fail with a clear message and no mount left behind; their
 * devices are the cshell-fs mounts isolate() keeps.  The daemon opens
 * them again after isolate(), in the namespace it serves from. */
static int check_paths(const struct ovl_config *cfg, dev_t **devs, size_t *n,
		       struct cs_error *err)
{
	const char *what[] = { "upperdir", "workdir" };
	const char *path[] = { cfg->upper, cfg->work };
	struct stat st;

	*devs = xcalloc(cfg->nlower + 2, sizeof(**devs));
	*n = 0;
	for (size_t i = 0; i < cfg->nlower + 2; i++) {
		const char *p = i < cfg->nlower ? cfg->lowers[i] :
						  path[i - cfg->nlower];
		int fd;

		if (!p)
			continue;
		fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (fd >= 0)
				close(fd);
			if (i < cfg->nlower)
				return cs_error_errno(
					err, "cannot open layer '%s'", p);
			return cs_error_errno(err, "cannot open %s '%s'",
					      what[i - cfg->nlower], p);
		}
		close(fd);
		(*devs)[(*n)++] = st.st_dev;
	}
	return 0;
}

/* Undoes the octal escapes (\040 for a space, …) of a mountinfo field. */
void ovl_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

struct cs_mounts {
	char **path;
	dev_t *dev;
	size_t n;
};

/* The fuse.cshell-fs mounts of /proc/self/mountinfo in its order, which
 * puts a mount before those below it. */
static void cshell_mounts(struct cs_mounts *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	memset(m, 0, sizeof(*m));
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		char mnt[4096], type[256];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%255s", type) != 1 ||
		    strcmp(type, "fuse.cshell-fs"))
			continue;
		/* id parent major:minor root mount-point … - type … */
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) <
		    3)
			continue;
		ovl_unescape(mnt);
		m->path = xrealloc(m->path, (m->n + 1) * sizeof(*m->path));
		m->dev = xrealloc(m->dev, (m->n + 1) * sizeof(*m->dev));
		m->path[m->n] = xstrdup(mnt);
		m->dev[m->n++] = makedev(maj, min);
	}
	free(line);
	fclose(f);
}

static bool has_dev(const dev_t *devs, size_t n, dev_t dev)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i] == dev)
			return true;
	return false;
}

/*
 * A lower layer may contain the mount point: the host root as a layer
 * always does (the sandbox's rootfs lies in it).  A request that crosses
 * into our own mount asks us and waits on itself; every worker, then
 * every caller, is stuck in D state.  So, with the FUSE fd in hand and
 * before any layer is opened (an fd opened earlier would still walk the
 * caller's mount tree), the daemon takes a mount namespace of its own,
 * private so that nothing propagates back, and detaches there every
 * cshell-fs mount: ours and others (whose daemons may be waiting on us
 * in turn), except those a layer lives on.  Without CAP_SYS_ADMIN it
 * keeps their devices instead, and lookups refuse entries on them
 * (ovl_check_mount()).
 */
static void isolate(struct ovl_fs *fs, const dev_t *keep, size_t nkeep)
{
	struct cs_mounts m;
	size_t ngone = 0;
	char **gone;

	cshell_mounts(&m);
	gone = xcalloc(m.n + 1, sizeof(*gone));
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
		fs->isolated = true;
		for (size_t i = 0; i < m.n; i++) {
			char *p = m.path[i];
			bool below = false;

			for (size_t g = 0; g < ngone && !below; g++) {
				size_t l = strlen(gone[g]);

				below = !strncmp(p, gone[g], l) &&
					(p[l] == '/' || l == 1);
			}
			/* what is below a detached mount went with it; a
			 * path through it could lead into our own mount */
			if (below || !strcmp(p, "/") ||
			    has_dev(keep, nkeep, m.dev[i]))
				continue;
			if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
				cs_warn("cannot detach '%s' from the daemon's view: %s",
					p, strerror(errno));
			else
				gone[ngone++] = p;
		}
	} else {
		/* a new namespace still shared with the caller's must not
		 * have anything detached: it would propagate */
		fs->fuse_devs = m.dev;
		fs->nfuse_devs = m.n;
		m.dev = NULL;
	}
	free(gone);
	for (size_t i = 0; i < m.n; i++)
		free(m.path[i]);
	free(m.path);
	free(m.dev);
}

/* A mount handed over as /dev/fd/N (the sandbox mounts it itself). */
static bool fd_mount(const char *mountpoint)
{
	return !strncmp(mountpoint, "/dev/fd/", 8);
}

/*
 * In its own namespace the daemon can no longer unmount its mount when a
 * signal ends it (libfuse's unmount then runs there), so a child left in
 * the caller's namespace does it when told: it holds nothing but one end
 * of a socket pair, and on "u" detaches the mount point and answers.  It
 * exits when the daemon's end closes.  Returns that end, or -1.
 */
static int start_unmounter(const char *mountpoint)
{
	int sp[2], null;
	char c = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid > 0) {
		close(sp[1]);
		return sp[0];
	}
	/* no FUSE fd here (it would keep a dead daemon's mount alive), and
	 * no caller's pipe (a reader would wait for us) */
	setsid();
	prctl(PR_SET_NAME, "cshell-fs-umount");
	/* not libfuse's handlers, inherited from the daemon: a signal meant
	 * for the daemon must not end the one that unmounts after it; the
	 * daemon's end (its socket closing) ends this one */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (dup2(sp[1], 3) < 0)
		_exit(1);
	close_range(4, ~0U, 0);
	/* all it may still do is unmount */
	if (ovl_drop_caps(1ULL << CAP_SYS_ADMIN, NULL) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(1);
	/* the caller's cwd: mountpoint may be relative */
	while (read(3, &c, 1) < 0 && errno == EINTR)
		;
	if (c == 'u') {
		umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW);
		if (write(3, "k", 1) < 0)
			_exit(1);
	}
	_exit(0);
}

/* A clean end of a daemon whose mount is still there: the unmounter
 * detaches it, and we wait until it has. */
static void unmount_by_helper(struct fuse_session *se, int sock)
{
	struct pollfd p = { .fd = fuse_session_fd(se), .events = 0 };
	char c = 0;

	/* as libfuse: a connection the kernel ended was unmounted already */
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		return;
	if (write(sock, "u", 1) == 1)
		while (read(sock, &c, 1) < 0 && errno == EINTR)
			;
}

int ovl_serve(struct ovl_config *cfg, const char *mountpoint,
	      struct cs_error *err)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	_cleanup_free_ char *opts = NULL;
	_cleanup_free_ dev_t *keep = NULL;
	struct fuse_session *se;
	struct ovl_fs *fs;
	int ret = -1, unmounter = -1;
	size_t nkeep;

	/* modes arrive with the caller's umask applied already */
	umask(0);
	raise_nofile();
	if (check_paths(cfg, &keep, &nkeep, err) < 0)
		return -1;
	fs = fs_alloc(cfg);
	/* before the mount: a second daemon leaves nothing mounted */
	if (ovl_lock_dirs(fs, err) < 0)
		goto out_fs;
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
		cs_error_set(err, 0,
			     "cannot start a FUSE session (options '%s')",
			     opts);
		goto out_args;
	}
	fs->se = se; /* for notifications from request handlers */
	if (fuse_set_signal_handlers(se) < 0) {
		cs_error_set(err, 0, "cannot install signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(se, mountpoint) < 0) {
		cs_error_set(
			err, 0,
			"cannot mount on '%s' (is /dev/fuse there and fusermount3 installed?)",
			mountpoint);
		goto out_signals;
	}
	if (!fd_mount(mountpoint) && geteuid() == 0)
		unmounter = start_unmounter(mountpoint);
	isolate(fs, keep, nkeep);
	if (!fs->isolated && unmounter >= 0) {
		close(unmounter);
		unmounter = -1;
	}
	if (fs_open(fs, err) < 0)
		goto out_unmount;
	ovl_live_setup(fs); /* fanotify needs what ovl_harden drops */
	fs->fd_high = fd_budget();
	if (ovl_pt_setup(fs, se) < 0) {
		cs_error_set(err, 0, "cannot set up the session's I/O");
		goto out_unmount;
	}
	if (fuse_daemonize(cfg->foreground) < 0) {
		cs_error_set(err, 0, "cannot go to the background");
		goto out_unmount;
	}
	ovl_reqstats_setup();
	/* single-threaded still: capabilities and the filter are per thread
	 * and the workers inherit them */
	if (ovl_harden(fs, err) < 0)
		goto out_unmount;
	ovl_live_start(fs);
	if (cfg->singlethread) {
		ret = fuse_session_loop(se);
	} else {
		ret = ovl_loop(se);
	}
	ovl_live_stop(fs); /* it notifies through the session */
	/* while our signal handlers still turn SIGTERM into a clean end */
	end_volatile(fs);
	if (ret < 0)
		cs_error_set(err, -ret, "serving '%s' failed", mountpoint);
	else
		ret = 0;
out_unmount:
	if (unmounter >= 0) {
		unmount_by_helper(se, unmounter);
		close(unmounter);
	}
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
