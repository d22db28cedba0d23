// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * mount.c — the layered rootfs of a sandbox: the one place that knows
 * cshell-fs (and any fuse-overlayfs-compatible program).  As root the
 * FUSE fs is mounted here and the daemon gets the mounted fd; otherwise
 * the program mounts itself.  Also the mount points a rootfs lacks (made
 * in the upper, or a shadow layer of empty directories for read-only
 * layers) and the unmount.  Start reading at sbx_mount_layers().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/pidfd.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define FUSE_SUPER_MAGIC 0x65735546

int sbx_check_layers(const struct sbx_spec *spec, struct cs_error *err)
{
	for (size_t i = 0; i < spec->nlayers; i++) {
		struct stat st;

		if (strpbrk(spec->layers[i], ":,"))
			return cs_error_set(err, 0,
					    "layer '%s': ':' and ',' are not "
					    "allowed in layer paths",
					    spec->layers[i]);
		if (stat(spec->layers[i], &st) < 0)
			return cs_error_errno(err, "layer '%s'",
					      spec->layers[i]);
		if (!S_ISDIR(st.st_mode))
			return cs_error_set(err, ENOTDIR, "layer '%s'",
					    spec->layers[i]);
	}
	return 0;
}

/* Unmounts the layered fs of info, if mounted.  In the host's mount
 * namespace only that FUSE mount ever sits on rootfs (a bind rootfs is
 * made inside the sandbox), so no statfs round trip to the daemon is
 * needed first; only the fusermount3 fallback (rootless) checks. */
int sbx_unmount_rootfs(const struct sbx_info *info)
{
	struct statfs st;

	if (!info->rootfs || !info->rootfs_mode ||
	    strcmp(info->rootfs_mode, "fuse"))
		return 0;
	if (umount2(info->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ||
	    errno == EINVAL || errno == ENOENT)
		return 0;
	if (statfs(info->rootfs, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC)
		return 0;
	{
		char *argv[] = { "fusermount3", "-u", "-z", info->rootfs,
				 NULL };

		return sbx_spawn_wait(argv, -1, NULL);
	}
}

/* Appends the last line the program wrote to log to err's message. */
void sbx_add_log_tail(const char *log, struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	char *line;

	if (!err || !err->msg || cs_read_file(log, &b, 1 << 20, NULL) < 0) {
		cs_buf_release(&b);
		return;
	}
	while (b.len && b.buf[b.len - 1] == '\n')
		b.buf[--b.len] = 0;
	line = b.buf + b.len;
	while (line > b.buf && line[-1] != '\n')
		line--;
	if (*line) {
		char *msg = xasprintf("%s (%.200s)", err->msg, line);

		free(err->msg);
		err->msg = msg;
	}
	cs_buf_release(&b);
}

/* fd moved to 10 or above (close-on-exec), or -1 */
static int high_fd(int fd)
{
	int h;

	if (fd < 0 || fd >= 10)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

struct fs_daemon {
	char *const *argv;
	int logfd, fusefd; /* both above 9: the dup2s cannot clobber them */
	sigset_t mask;	   /* the caller's */
	int err;
	pid_t pid; /* the daemon */
};

/* In a process sharing the caller's memory: starts the daemon in a
 * session of its own and exits at once, so the daemon is nobody's child
 * (it lives as long as the sandbox, not as long as the shell). */
static int fs_daemon_main(void *arg)
{
	struct fs_daemon *d = arg;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all;
	pid_t pid;

	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, d->logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, d->logfd, 2);
	posix_spawn_file_actions_adddup2(&fa, d->fusefd, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &d->mask);
	posix_spawnattr_setsigdefault(&at, &all);
	d->err = posix_spawn(&pid, d->argv[0], &fa, &at, d->argv, environ);
	d->pid = d->err ? 0 : pid;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return 0;
}

/* Root with cshell-fs: we mount the FUSE filesystem ourselves on an open
 * /dev/fuse and hand the fd to the daemon (`-f … /dev/fd/3`, libfuse's
 * pre-mounted fd).  Nothing waits for the daemon to start: the kernel
 * holds the sandbox's first requests until it answers.  Should it die,
 * its fd closes with it (ours is closed here) and those requests fail;
 * the log then says why. */
static int mount_fuse_fd(struct sbx_info *info, const char *prog,
			 const char *opts, const char *log,
			 struct cs_error *err)
{
	char *argv[] = { (char *)prog, "-f",	    "-o",
			 (char *)opts, "/dev/fd/3", NULL };
	struct fs_daemon *d;
	_cleanup_close_ int fd = -1;
	char mopts[128];
	sigset_t all;
	pid_t pid;
	int status, r;

	fd = high_fd(open("/dev/fuse", O_RDWR | O_CLOEXEC));
	if (fd < 0)
		return cs_error_errno(err,
				      "mount layered fs on '%s': open "
				      "/dev/fuse",
				      info->rootfs);
	snprintf(mopts, sizeof(mopts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,"
		 "default_permissions",
		 fd);
	if (mount("cshell-fs", info->rootfs, "fuse.cshell-fs",
		  MS_NOSUID | MS_NODEV | (info->upper ? 0 : MS_RDONLY),
		  mopts) < 0) {
		return cs_error_errno(err, "mount layered fs on '%s'",
				      info->rootfs);
	}
	d = sbx_shared_new(sizeof(*d));
	if (!d) {
		cs_error_errno(err, "run '%s'", prog);
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	d->argv = argv;
	d->fusefd = fd;
	d->logfd = high_fd(
		open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
	if (d->logfd < 0) {
		cs_error_errno(err, "open '%s'", log);
		munmap(d, sizeof(*d));
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &d->mask);
	pid = sbx_spawn_shared(fs_daemon_main, d);
	r = pid < 0 ? errno : 0;
	sigprocmask(SIG_SETMASK, &d->mask, NULL);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	close(d->logfd);
	if (!r)
		r = d->err;
	info->fs_pid = r ? 0 : d->pid;
	munmap(d, sizeof(*d));
	if (r) {
		cs_error_set(err, r, "run '%s'", prog);
		umount2(info->rootfs, MNT_DETACH);
		return -1;
	}
	return 0;
}

/* The mount points the sandbox's setup makes when no layer has them
 * (rootfs.c), made here in the upper layer before it is mounted: the
 * same directories, without LOOKUP+MKDIR round trips through the layered
 * fs.  Best effort: what fails here is made through the mount. */
static void premake_mount_points(const struct sbx_info *info)
{
	static const struct {
		const char *name;
		mode_t mode;
	} dirs[] = { { "proc", 0555 }, { "dev", 0755 }, { "sys", 0555 } };
	const struct sbx_spec *spec = &info->spec;

	for (size_t i = 0; i < CS_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *up = NULL;
		struct stat st;
		size_t l;

		for (l = 0; l < spec->nlayers; l++) {
			_cleanup_free_ char *p = xasprintf(
				"%s/%s", spec->layers[l], dirs[i].name);

			if (lstat(p, &st) == 0 || errno != ENOENT)
				break;
		}
		if (l < spec->nlayers)
			continue;
		up = xasprintf("%s/%s", info->upper, dirs[i].name);
		mkdir(up, dirs[i].mode);
	}
}

/* Rootless: whether this user may open /dev/fuse.  libfuse's own report
 * of that ("failed to open /dev/fuse") is not the last line of the
 * daemon's log, and the daemon's guess (fusermount3 missing) is wrong
 * then: say what is missing and what works without it. */
static int fuse_usable(struct cs_error *err)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return cs_error_set(err, 0,
			    "failed to open /dev/fuse: %s (the layered fs "
			    "needs it: give this user read-write access to "
			    "/dev/fuse, or use --read-only with a single "
			    "layer or none, which works rootless without "
			    "FUSE)",
			    strerror(errno));
}

/* The pid of the daemon that serves the FUSE mount on rootfs, for a
 * program that daemonized itself: the process whose last argument is the
 * mount point (libfuse keeps its argv).  0 when none is found. */
pid_t sbx_find_fs_daemon(const char *rootfs)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300];
		struct cs_buf b = CS_BUF_INIT;
		char *last;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/cmdline", e->d_name);
		if (cs_read_file(path, &b, 1 << 16, NULL) == 0 && b.len > 1) {
			/* NUL-separated, NUL-terminated */
			last = b.buf + b.len - 1;
			while (last > b.buf && last[-1])
				last--;
			if (!strcmp(last, rootfs))
				found = (pid_t)atoi(e->d_name);
		}
		cs_buf_release(&b);
	}
	closedir(d);
	return found;
}

/* Whether no layer has rel ("/proc"). */
static int in_no_layer(const struct sbx_spec *spec, const char *rel)
{
	struct stat st;

	for (size_t l = 0; l < spec->nlayers; l++) {
		_cleanup_free_ char *p =
			xasprintf("%s%s", spec->layers[l], rel);

		if (lstat(p, &st) == 0 || errno != ENOENT)
			return 0;
	}
	return 1;
}

/*
 * A read-only sandbox cannot make the mount points its setup needs
 * (/proc, /dev, /sys, the workdir, --mount destinations) when no layer
 * has them: an image or a --layer without /proc ("mkdir /proc:
 * Read-only file system").  They go into a "shadow" layer of their own
 * under the runtime dir, empty directories (files for file mounts) put
 * below the others: the sandbox stays read-only, with no upper layer to
 * write.  With make unset, says whether one is needed; else makes it in
 * dir and returns 1 when it has anything.
 */
int sbx_shadow_points(const struct sbx_spec *spec, const char *dir, int make)
{
	static const char *const fixed[] = { "/proc", "/dev", "/sys" };
	size_t n = CS_ARRAY_SIZE(fixed) + 1 + spec->nmounts;
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = i < 3  ? fixed[i] :
				i == 3 ? spec->workdir :
					 spec->mounts[i - 4].dst;
		_cleanup_free_ char *path = NULL;
		struct stat st;
		int file;

		if (!p || !strcmp(p, "/") || !in_no_layer(spec, p))
			continue;
		if (!make)
			return 1;
		file = i > 3 && stat(spec->mounts[i - 4].src, &st) == 0 &&
		       !S_ISDIR(st.st_mode);
		path = xasprintf("%s%s", dir, p);
		if (file) {
			int fd;

			*strrchr(path, '/') = 0;
			cs_mkdir_p(path, 0755);
			path[strlen(path)] = '/';
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		} else {
			cs_mkdir_p(path, 0755);
		}
		any = 1;
	}
	return any;
}

int sbx_mount_layers(struct sbx_info *info, const char *log,
		     struct cs_error *err)
{
	const struct sbx_spec *spec = &info->spec;
	struct cs_buf opts = CS_BUF_INIT;
	_cleanup_free_ char *prog = sbx_fs_program();
	const char *base;
	struct statfs st;
	int r;

	cs_buf_adds(&opts, "lowerdir=");
	for (size_t i = 0; i < spec->nlayers; i++)
		cs_buf_addf(&opts, "%s%s", i ? ":" : "", spec->layers[i]);
	if (!info->upper) {
		_cleanup_free_ char *shadow = xstrdup(info->rootfs);

		strcpy(shadow + strlen(shadow) - strlen("rootfs"), "shadow");
		sbx_rm_tree(shadow);
		if (sbx_shadow_points(spec, shadow, 1))
			cs_buf_addf(&opts, ":%s", shadow);
	}
	if (info->upper) {
		_cleanup_free_ char *work = xstrdup(info->upper);

		strcpy(work + strlen(work) - strlen("upper"), "work");
		cs_buf_addf(&opts, ",upperdir=%s,workdir=%s", info->upper,
			    work);
	}
	if (geteuid() == 0)
		cs_buf_adds(&opts, ",allow_other");
	if (geteuid() == 0 && info->upper)
		premake_mount_points(info);
	base = strrchr(prog, '/');
	info->fs_pid = 0;
	info->fs_start = 0;
	if (geteuid() == 0 && !strcmp(base ? base + 1 : prog, "cshell-fs")) {
		r = mount_fuse_fd(info, prog, opts.buf, log, err);
		cs_buf_release(&opts);
		/* read now: the daemon is no child of ours to wait for */
		if (r == 0 && info->fs_pid > 0)
			info->fs_start = sbx_proc_start(info->fs_pid);
		return r;
	}
	if (geteuid() != 0 && (r = fuse_usable(err)) < 0) {
		cs_buf_release(&opts);
		return r;
	}
	{
		char *argv[] = { prog, "-o", opts.buf, info->rootfs, NULL };
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);

		r = sbx_spawn_wait(argv, fd, err);
		if (fd >= 0)
			close(fd);
	}
	cs_buf_release(&opts);
	if (r < 0)
		sbx_add_log_tail(log, err);
	if (r < 0)
		return cs_error_wrap(err,
				     "mount layered fs on '%s' (set CSHELL_FS "
				     "to a fuse-overlayfs compatible program)",
				     info->rootfs);
	if (statfs(info->rootfs, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC)
		return cs_error_set(err, 0,
				    "mount layered fs on '%s': '%s' exited "
				    "without mounting",
				    info->rootfs, prog);
	info->fs_pid = sbx_find_fs_daemon(info->rootfs);
	if (info->fs_pid > 0)
		info->fs_start = sbx_proc_start(info->fs_pid);
	return 0;
}
