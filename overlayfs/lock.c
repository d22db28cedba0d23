// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * lock.c — one daemon per upper layer.  Two daemons on one upper (and
 * work) directory each cache its state and clean the other's copy-ups
 * out of the work directory: a runtime directory removed by hand and a
 * sandbox created again under its name did just that.  So the daemon
 * holds an flock on both directories for its life (the lock follows the
 * fd through fuse_daemonize()'s fork and goes with the last process that
 * has it), taken before the mount so that a second daemon fails with
 * nothing mounted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "overlayfs/ovl_i.h"

/* Whether /proc/PID/fdinfo/FD shows an flock held through that fd. */
static bool fd_has_flock(const char *pid, const char *fd)
{
	_cleanup_free_ char *p = xasprintf("/proc/%s/fdinfo/%s", pid, fd);
	FILE *f = fopen(p, "re");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "lock:", 5) && strstr(line, "FLOCK");
	fclose(f);
	return found;
}

/* The pid of the process holding an flock on the object st, or 0.  Only
 * for the message of a refused mount: it walks every process's fds. */
static pid_t lock_holder(const struct stat *st)
{
	DIR *procd = opendir("/proc");
	struct dirent *p;
	pid_t found = 0;

	if (!procd)
		return 0;
	while (!found && (p = readdir(procd))) {
		_cleanup_free_ char *fdp = NULL;
		struct dirent *d;
		DIR *fdd;

		if (p->d_name[0] < '1' || p->d_name[0] > '9' ||
		    atoi(p->d_name) == getpid())
			continue;
		fdp = xasprintf("/proc/%s/fd", p->d_name);
		fdd = opendir(fdp);
		if (!fdd)
			continue;
		while (!found && (d = readdir(fdd))) {
			_cleanup_free_ char *l = NULL;
			struct stat o;

			if (d->d_name[0] == '.')
				continue;
			l = xasprintf("%s/%s", fdp, d->d_name);
			if (stat(l, &o) == 0 && o.st_dev == st->st_dev &&
			    o.st_ino == st->st_ino &&
			    fd_has_flock(p->d_name, d->d_name))
				found = atoi(p->d_name);
		}
		closedir(fdd);
	}
	closedir(procd);
	return found;
}

/* Locks dir for the daemon's life: the fd, or -1 with err set. */
static int lock_dir(const char *what, const char *dir, struct cs_error *err)
{
	/* a daemon whose mount just ended may still be syncing and
	 * exiting: give it a moment before calling it a second daemon */
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	pid_t pid;

	if (fd < 0)
		return cs_error_errno(err, "cannot open %s '%s'", what, dir);
	for (int i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK || i == 40) {
			int e = errno;

			if (e != EWOULDBLOCK) {
				close(fd);
				return cs_error_set(err, e,
						    "cannot lock %s '%s'", what,
						    dir);
			}
			pid = fstat(fd, &st) == 0 ? lock_holder(&st) : 0;
			close(fd);
			if (pid > 0)
				return cs_error_set(
					err, 0,
					"%s '%s' is in use by another cshell-fs (pid %d): two daemons on one upper layer would corrupt it; unmount that one first",
					what, dir, (int)pid);
			return cs_error_set(
				err, 0,
				"%s '%s' is in use by another cshell-fs (pid unknown): two daemons on one upper layer would corrupt it; unmount that one first",
				what, dir);
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

int ovl_lock_dirs(struct ovl_fs *fs, struct cs_error *err)
{
	const struct ovl_config *cfg = fs->cfg;
	struct stat us, ws;

	if (!cfg->upper)
		return 0;
	fs->lock_fd[0] = lock_dir("upperdir", cfg->upper, err);
	if (fs->lock_fd[0] < 0)
		return -1;
	/* one directory as both would conflict with our own lock */
	if (stat(cfg->work, &ws) == 0 && fstat(fs->lock_fd[0], &us) == 0 &&
	    us.st_dev == ws.st_dev && us.st_ino == ws.st_ino)
		return 0;
	fs->lock_fd[1] = lock_dir("workdir", cfg->work, err);
	return fs->lock_fd[1] < 0 ? -1 : 0;
}
