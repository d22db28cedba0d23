// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * rootfs.c — the mount namespace of a sandbox, set up by the cloned child
 * before it becomes cshell-init.  Split by concern, in the order it runs:
 * take what is needed from the host as detached mount fds (device nodes,
 * /sys, the user's --mount sources), pivot_root into the rootfs and drop
 * the host tree, lock the root down (nodev, nosuid, optionally read-only),
 * then build /proc, /dev and /sys inside, attach the user's mounts, and
 * mask what must not be read or written (docs/design.md §7).
 *
 * Everything after pivot_root resolves paths inside the new root only, so
 * a symlink in a layer cannot point a mount at the host.  Any failure is
 * fatal: the sandbox never starts half set up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <stdlib.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

static const struct {
	const char *name;
	unsigned int major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* Files masked with /dev/null and directories masked with an empty
 * read-only tmpfs (Docker's list), then paths made read-only. */
static const char *const masked_files[] = {
	"/proc/kcore",	     "/proc/keys",	    "/proc/timer_list",
	"/proc/sched_debug", "/proc/latency_stats", "/proc/timer_stats",
	"/proc/kallsyms",    "/proc/kmsg",
};
static const char *const masked_dirs[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	"/proc/driver",
};
static const char *const ro_paths[] = {
	"/proc/bus",	       "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger",
};

/*
 * With the host root as a layer the sandbox would see the host as it is:
 * its password hashes, ssh host keys, every user's home and every cshell
 * state root.  What is masked then: host_files read empty (an empty
 * read-only file), the directories an empty read-only tmpfs.  The caller's own
 * home stays (a project under it is what `make run` works on), but for
 * the credentials below it (cred_dirs, cred_files).
 */
static const char *const host_files[] = {
	"/etc/shadow",
	"/etc/gshadow",
	"/etc/shadow-",
	"/etc/gshadow-",
};
static const char *const state_roots[] = {
	"/run/cshell",
	"/var/lib/cshell",
	"/etc/cshell",
};
static const char *const cred_dirs[] = {
	".ssh",
	".gnupg",
	".aws",
	".azure",
	".config/gcloud",
	".docker",
	".kube",
	".password-store",
	".local/share/keyrings",
	".config/gh",
	".local/share/cshell",
	".config/cshell",
};
static const char *const cred_files[] = {
	".netrc",  ".git-credentials",	 ".pgpass",
	".pypirc", ".cargo/credentials", ".cargo/credentials.toml",
};
/* The trees where host unix sockets live (tmux, ssh-agent, D-Bus,
 * container APIs): a bind of the host root would let connect(2) reach
 * them, so they get a fresh tmpfs each (a path through cshell-fs is no
 * socket).  Writable: a read-only root's only scratch space. */
static const struct {
	const char *path, *opts;
} socket_trees[] = {
	{ "/tmp", "mode=1777" },
	{ "/var/tmp", "mode=1777" },
	{ "/run", "mode=0755" },
	{ "/var/run", "mode=0755" },
};

struct strv {
	char **v;
	size_t n;
};

struct held {
	int dev[CS_ARRAY_SIZE(dev_nodes)];
	int sys;
	int *user; /* one per spec mount */
	int *user_dir;
	/* host root as a layer: paths to mask, found before leaving the
	 * host (listing /home through the layered fs costs round trips) */
	struct strv null_files, empty_dirs, scratch;
};

static void strv_add(struct strv *sv, char *owned)
{
	sv->v = xrealloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	sv->v[sv->n++] = owned;
}

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static int clone_tree(const char *path, int recursive)
{
	int fd = open_tree(AT_FDCWD, path,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				   (recursive ? AT_RECURSIVE : 0));

	return fd < 0 ? -errno : fd;
}

static int attach(int fd, const char *dst)
{
	if (move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int set_attr(const char *path, unsigned int flags, uint64_t set)
{
	struct mount_attr attr = { .attr_set = set };

	if (mount_setattr(AT_FDCWD, path, flags, &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

/* Creates an empty file to bind a non-directory onto. */
static int make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return errno == EEXIST || errno == EISDIR ? 0 : -errno;
	close(fd);
	return 0;
}

static int make_parent(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int r;

	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	r = cs_mkdir_p(dir, 0755);
	return r == -EEXIST ? 0 : r;
}

/* The home directory of uid in /etc/passwd (no NSS: this runs in the
 * sandbox's first process), malloc'd, or NULL. */
static char *passwd_home(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	char *home = NULL;

	if (!f)
		return NULL;
	while ((pw = fgetpwent(f)))
		if (pw->pw_uid == uid && pw->pw_dir && pw->pw_dir[0] == '/') {
			home = xstrdup(pw->pw_dir);
			break;
		}
	fclose(f);
	return home;
}

static int same_file(const struct stat *a, const char *path)
{
	struct stat b;

	return stat(path, &b) == 0 && a->st_dev == b.st_dev &&
	       a->st_ino == b.st_ino;
}

/* Adds every directory in dir (but for the caller's own homes) to out. */
static void other_homes(const char *dir, char *const *own, size_t nown,
			struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;
		size_t i;

		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		/* a home that is a link is masked where it leads */
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		for (i = 0; i < nown && !same_file(&st, own[i]); i++)
			;
		if (i == nown)
			strv_add(out, steal_ptr(&p));
	}
	closedir(d);
}

/*
 * The caller's own homes, shared with the sandbox: $HOME; as root also
 * /root and, under sudo, the home of the user who ran sudo (SUDO_UID: the
 * project is there).  In a user namespace (rootless) $HOME only.
 */
static size_t own_homes(const struct sbx_setup *s, char **own, size_t max)
{
	const char *home = getenv("HOME"), *sudo = getenv("SUDO_UID");
	size_t n = 0;

	if (home && home[0] == '/' && home[1] && n < max)
		own[n++] = xstrdup(home);
	if (s->userns)
		return n;
	if (n < max && !(n && !strcmp(own[0], "/root")))
		own[n++] = xstrdup("/root");
	if (sudo && *sudo && strcmp(sudo, "0") && n < max) {
		char *end;
		unsigned long uid = strtoul(sudo, &end, 10);

		if (!*end && (own[n] = passwd_home((uid_t)uid)))
			n++;
	}
	return n;
}

/* Collects what to mask with the host root as a layer (host paths, the
 * same inside). */
static void find_host_secrets(const struct sbx_setup *s, struct held *h)
{
	char *own[3] = { NULL, NULL, NULL };
	size_t nown = own_homes(s, own, CS_ARRAY_SIZE(own));
	glob_t g;
	struct stat st;
	DIR *d;
	struct dirent *e;

	for (size_t i = 0; i < CS_ARRAY_SIZE(host_files); i++)
		if (lstat(host_files[i], &st) == 0)
			strv_add(&h->null_files, xstrdup(host_files[i]));
	if (glob("/etc/ssh/ssh_host_*_key", GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			strv_add(&h->null_files, xstrdup(g.gl_pathv[i]));
		globfree(&g);
	}
	/* a bind of / also needs the socket trees covered; below them
	 * nothing else has to be masked then */
	for (size_t i = 0; s->bind_from && i < CS_ARRAY_SIZE(socket_trees); i++)
		if (lstat(socket_trees[i].path, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			strv_add(&h->scratch, xstrdup(socket_trees[i].path));
	if (s->bind_from) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		if (xdg && xdg[0] == '/' && strncmp(xdg, "/run/", 5) &&
		    strncmp(xdg, "/tmp/", 5) && lstat(xdg, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			strv_add(&h->scratch, xstrdup(xdg));
	}
	/* every user's cshell state: the system roots, runtime roots under
	 * /run/user and /tmp (rootless without XDG_RUNTIME_DIR) */
	for (size_t i = 0; i < CS_ARRAY_SIZE(state_roots); i++)
		strv_add(&h->empty_dirs, xstrdup(state_roots[i]));
	if (!s->bind_from && (d = opendir("/run/user"))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				strv_add(&h->empty_dirs,
					 xasprintf("/run/user/%s/cshell",
						   e->d_name));
		closedir(d);
	}
	if (!s->bind_from && (d = opendir("/tmp"))) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "cshell-", 7) && e->d_name[7] &&
			    strspn(e->d_name + 7, "0123456789") ==
				    strlen(e->d_name + 7))
				strv_add(&h->empty_dirs,
					 xasprintf("/tmp/%s", e->d_name));
		closedir(d);
	}
	/* other users' homes, whole; the caller's credentials */
	other_homes("/home", own, nown, &h->empty_dirs);
	if (lstat("/root", &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t i;

		for (i = 0; i < nown && !same_file(&st, own[i]); i++)
			;
		if (i == nown)
			strv_add(&h->empty_dirs, xstrdup("/root"));
	}
	for (size_t o = 0; o < nown; o++) {
		for (size_t i = 0; i < CS_ARRAY_SIZE(cred_dirs); i++) {
			char *p = xasprintf("%s/%s", own[o], cred_dirs[i]);

			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
				strv_add(&h->empty_dirs, p);
			else
				free(p);
		}
		for (size_t i = 0; i < CS_ARRAY_SIZE(cred_files); i++) {
			char *p = xasprintf("%s/%s", own[o], cred_files[i]);

			if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
				strv_add(&h->null_files, p);
			else
				free(p);
		}
		free(own[o]);
	}
}

/* For a backend that builds its own view of the host root (vm/: an
 * extra layer): the same list, as NULL terminated vectors. */
void sbx_host_secrets(char ***files, char ***dirs)
{
	struct sbx_setup s = { .userns = geteuid() != 0 };
	struct held h = { 0 };

	find_host_secrets(&s, &h);
	strv_add(&h.null_files, NULL);
	strv_add(&h.empty_dirs, NULL);
	*files = h.null_files.v;
	*dirs = h.empty_dirs.v;
	strv_free(&h.scratch);
}

/* Whether path is dir or below it. */
static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

int sbx_host_hidden(const char *path, const char *const *hide, int userns,
		    int bind)
{
	struct sbx_setup s = { .userns = userns };
	char *own[3] = { NULL, NULL, NULL };
	size_t nown;
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *p;
	struct stat st;
	int hidden = 0;

	for (size_t i = 0; hide && hide[i]; i++)
		if (under(path, hide[i]))
			return 1;
	for (size_t i = 0; i < CS_ARRAY_SIZE(state_roots); i++)
		if (under(path, state_roots[i]))
			return 1;
	for (size_t i = 0; bind && i < CS_ARRAY_SIZE(socket_trees); i++)
		if (under(path, socket_trees[i].path))
			return 1;
	if (bind && xdg && xdg[0] == '/' && under(path, xdg))
		return 1;
	/* /run/user/UID/cshell, /tmp/cshell-UID */
	if (!strncmp(path, "/run/user/", 10) && (p = strchr(path + 10, '/')) &&
	    under(p, "/cshell"))
		return 1;
	if (!strncmp(path, "/tmp/cshell-", 12) && path[12] &&
	    strspn(path + 12, "0123456789") == strcspn(path + 12, "/"))
		return 1;
	nown = own_homes(&s, own, CS_ARRAY_SIZE(own));
	if (!strncmp(path, "/home/", 6) && path[6]) {
		_cleanup_free_ char *home = xasprintf(
			"/home/%.*s", (int)strcspn(path + 6, "/"), path + 6);
		size_t i;

		if (stat(home, &st) == 0 && S_ISDIR(st.st_mode)) {
			for (i = 0; i < nown && !same_file(&st, own[i]); i++)
				;
			hidden = i == nown;
		}
	}
	if (!hidden && under(path, "/root") && stat("/root", &st) == 0) {
		size_t i;

		for (i = 0; i < nown && !same_file(&st, own[i]); i++)
			;
		hidden = i == nown;
	}
	for (size_t o = 0; o < nown; o++) {
		for (size_t i = 0; !hidden && i < CS_ARRAY_SIZE(cred_dirs);
		     i++) {
			_cleanup_free_ char *c =
				xasprintf("%s/%s", own[o], cred_dirs[i]);

			hidden = under(path, c);
		}
		free(own[o]);
	}
	return hidden;
}

/*
 * A sysfs of our own, detached, read-only: a clone of the host's /sys
 * would bring its submounts (debugfs, tracefs, bpffs, securityfs, the v1
 * cgroup trees), and its network part would be the host's (sysfs shows
 * the network namespace of whoever mounts it: ours, so /sys/class/net
 * lists the sandbox's interfaces).  Made before pivot_root: in a user
 * namespace the kernel allows a new sysfs only while a full one is
 * visible in the mount namespace.  Returns the mount fd or -errno.
 */
static int fresh_sysfs(void)
{
	_cleanup_close_ int fs = fsopen("sysfs", FSOPEN_CLOEXEC);
	int fd;

	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	fd = fsmount(fs, FSMOUNT_CLOEXEC,
		     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			     MOUNT_ATTR_NOEXEC);
	return fd < 0 ? -errno : fd;
}

static int take_host(const struct sbx_setup *s, struct held *h,
		     struct cs_error *err)
{
	const struct sbx_spec *spec = s->spec;

	/* in a user namespace device nodes cannot be made: bind the host's */
	for (size_t i = 0; s->userns && i < CS_ARRAY_SIZE(dev_nodes); i++) {
		_cleanup_free_ char *p =
			xasprintf("/dev/%s", dev_nodes[i].name);

		h->dev[i] = clone_tree(p, 0);
		if (h->dev[i] < 0)
			return cs_error_set(err, -h->dev[i], "bind '%s'", p);
	}
	h->sys = fresh_sysfs();
	if (h->sys == -EPERM || h->sys == -ENOSYS) {
		/* only a user namespace that owns the network namespace may
		 * mount sysfs (rootless with --net host does not): the host's
		 * /sys without its submounts, or, where the kernel refuses to
		 * reveal what those submounts cover (EINVAL, they are locked
		 * in a user namespace), with them as before */
		h->sys = clone_tree("/sys", 0);
		if (h->sys == -EINVAL)
			h->sys = clone_tree("/sys", 1);
	}
	if (h->sys < 0)
		return cs_error_set(err, -h->sys, "mount sysfs");
	if (s->host_root)
		find_host_secrets(s, h);
	h->user = xcalloc(spec->nmounts + 1, sizeof(int));
	h->user_dir = xcalloc(spec->nmounts + 1, sizeof(int));
	for (size_t i = 0; i < spec->nmounts; i++) {
		struct stat st;

		if (stat(spec->mounts[i].src, &st) < 0)
			return cs_error_errno(err, "mount source '%s'",
					      spec->mounts[i].src);
		h->user_dir[i] = S_ISDIR(st.st_mode);
		h->user[i] = clone_tree(spec->mounts[i].src, 1);
		if (h->user[i] < 0)
			return cs_error_set(err, -h->user[i],
					    "bind mount source '%s'",
					    spec->mounts[i].src);
	}
	return 0;
}

static int enter_root(const struct sbx_setup *s, struct cs_error *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cs_error_errno(err, "make mounts private");
	if (s->bind_from &&
	    mount(s->bind_from, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cs_error_errno(err, "bind '%s' on '%s'", s->bind_from,
				      s->rootfs);
	if (chdir(s->rootfs) < 0)
		return cs_error_errno(err, "chdir '%s'", s->rootfs);
	/* the old root is stacked under the new one and detached at once:
	 * no directory of the host stays reachable */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cs_error_errno(err, "pivot_root into '%s'", s->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return cs_error_errno(err, "detach the host root");
	if (chdir("/") < 0)
		return cs_error_errno(err, "chdir /");
	return 0;
}

static int setup_dev(struct held *h, struct cs_error *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
		{ "pts/ptmx", "/dev/ptmx" },
	};
	mode_t old_mask;
	int r;

	if ((r = cs_mkdir_p("/dev", 0755)) < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "mkdir /dev");
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=65536k") < 0)
		return cs_error_errno(err, "mount tmpfs on /dev");
	/* root: the nodes themselves, one syscall and no mount each */
	old_mask = umask(0);
	for (size_t i = 0; i < CS_ARRAY_SIZE(dev_nodes); i++) {
		_cleanup_free_ char *p =
			xasprintf("/dev/%s", dev_nodes[i].name);

		if (h->dev[i] < 0)
			r = mknod(p, S_IFCHR | 0666,
				  makedev(dev_nodes[i].major,
					  dev_nodes[i].minor)) < 0 ?
				    -errno :
				    0;
		else if ((r = make_file(p)) == 0)
			r = attach(h->dev[i], p);
		if (r < 0) {
			umask(old_mask);
			return cs_error_set(err, -r, "make '%s'", p);
		}
	}
	umask(old_mask);
	for (size_t i = 0; i < CS_ARRAY_SIZE(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return cs_error_errno(err, "symlink '%s'", links[i][1]);
	if (mkdir("/dev/pts", 0755) < 0 || mkdir("/dev/shm", 01777) < 0)
		return cs_error_errno(err, "mkdir /dev/pts");
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return cs_error_errno(err, "mount devpts on /dev/pts");
	if (mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777,size=65536k") < 0)
		return cs_error_errno(err, "mount tmpfs on /dev/shm");
	return 0;
}

/* The host's cgroup tree came in with /sys: replace it with the sandbox's
 * own view (a cgroup2 mount inside its cgroup namespace shows only its
 * subtree; v1 hierarchies and their release_agent files disappear). */
static int setup_cgroupfs(struct cs_error *err)
{
	const unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct stat st;

	if (lstat("/sys/fs/cgroup", &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", fl, NULL) == 0)
		return 0;
	if (mount("tmpfs", "/sys/fs/cgroup", "tmpfs", fl, "size=0,mode=0755") <
	    0)
		return cs_error_errno(err, "mask /sys/fs/cgroup");
	return 0;
}

static int setup_user_mounts(const struct sbx_spec *spec, struct held *h,
			     struct cs_error *err)
{
	for (size_t i = 0; i < spec->nmounts; i++) {
		const char *dst = spec->mounts[i].dst;
		int r;

		if (h->user_dir[i]) {
			r = cs_mkdir_p(dst, 0755);
			if (r == -EEXIST)
				r = 0;
		} else {
			r = make_parent(dst);
			if (!r)
				r = make_file(dst);
		}
		if (!r)
			r = attach(h->user[i], dst);
		if (!r)
			r = set_attr(dst, AT_RECURSIVE,
				     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID |
					     (spec->mounts[i].ro ?
						      MOUNT_ATTR_RDONLY :
						      0));
		if (r == -EROFS)
			return cs_error_set(err, 0,
					    "mount '%s' on '%s': the mount "
					    "point does not exist and the "
					    "sandbox is read-only (add it to "
					    "a layer)",
					    spec->mounts[i].src, dst);
		if (r < 0)
			return cs_error_set(err, -r, "mount '%s' on '%s'",
					    spec->mounts[i].src, dst);
	}
	return 0;
}

static int mask_paths(const char *const *hide, struct cs_error *err)
{
	struct stat st;

	for (size_t i = 0; i < CS_ARRAY_SIZE(masked_files); i++) {
		if (lstat(masked_files[i], &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (mount("/dev/null", masked_files[i], NULL, MS_BIND, NULL) <
		    0)
			return cs_error_errno(err, "mask '%s'",
					      masked_files[i]);
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(masked_dirs); i++) {
		if (lstat(masked_dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", masked_dirs[i], "tmpfs", MS_RDONLY,
			  "size=0") < 0)
			return cs_error_errno(err, "mask '%s'", masked_dirs[i]);
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(ro_paths); i++) {
		if (lstat(ro_paths[i], &st) < 0)
			continue;
		if (mount(ro_paths[i], ro_paths[i], NULL, MS_BIND | MS_REC,
			  NULL) < 0 ||
		    set_attr(ro_paths[i], AT_RECURSIVE,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) < 0)
			return cs_error_errno(err, "make '%s' read-only",
					      ro_paths[i]);
	}
	/* the host's cshell state (other sandboxes' records and layers)
	 * shows through a host-root lower layer: hide it */
	for (size_t i = 0; hide && hide[i]; i++) {
		if (lstat(hide[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", hide[i], "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0,mode=0755") < 0)
			return cs_error_errno(err, "hide '%s'", hide[i]);
	}
	return 0;
}

/*
 * Masks what find_host_secrets() found, now inside the sandbox: the
 * socket trees first (what lies below them is gone then and skipped),
 * then the files and directories.  Paths are looked up again here (a
 * layer above the host root may differ); symlinks are followed inside
 * the new root, so a ~/.ssh that is a link masks what it points to.
 */
static int mask_host(struct held *h, struct cs_error *err)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV;
	const char *empty = "/dev/.cshell-empty";
	struct stat st;
	int r;

	for (size_t i = 0; i < h->scratch.n; i++) {
		const char *p = h->scratch.v[i], *opts = "mode=0700";

		for (size_t t = 0; t < CS_ARRAY_SIZE(socket_trees); t++)
			if (!strcmp(p, socket_trees[t].path))
				opts = socket_trees[t].opts;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", p, "tmpfs", fl, opts) < 0)
			return cs_error_errno(err, "cover '%s'", p);
	}
	/* an empty regular file, not /dev/null: writes to a device node
	 * succeed on a read-only mount, and `echo >>/etc/shadow` must fail
	 * rather than vanish.  Made in our /dev tmpfs, unlinked once bound */
	if (h->null_files.n && (r = make_file(empty)) < 0)
		return cs_error_set(err, -r, "create '%s'", empty);
	for (size_t i = 0; i < h->null_files.n; i++) {
		const char *p = h->null_files.v[i];

		if (stat(p, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (mount(empty, p, NULL, MS_BIND, NULL) < 0 ||
		    set_attr(p, 0,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) <
			    0) {
			r = -errno;
			unlink(empty);
			return cs_error_set(err, -r, "mask '%s'", p);
		}
	}
	if (h->null_files.n)
		unlink(empty);
	for (size_t i = 0; i < h->empty_dirs.n; i++) {
		const char *p = h->empty_dirs.v[i];

		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY | fl | MS_NOEXEC,
			  "size=0,mode=0755") < 0)
			return cs_error_errno(err, "hide '%s'", p);
	}
	return 0;
}

static int loopback_up(struct cs_error *err)
{
	struct ifreq ifr;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return cs_error_errno(err, "socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return cs_error_errno(err, "get flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return cs_error_errno(err, "bring lo up");
	return 0;
}

static void held_release(struct held *h, size_t nuser)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(dev_nodes); i++)
		if (h->dev[i] >= 0)
			close(h->dev[i]);
	if (h->sys >= 0)
		close(h->sys);
	for (size_t i = 0; h->user && i < nuser; i++)
		if (h->user[i] > 0)
			close(h->user[i]);
	free(h->user);
	free(h->user_dir);
	strv_free(&h->null_files);
	strv_free(&h->empty_dirs);
	strv_free(&h->scratch);
}

/* With slirp4netns the name server is its forwarder at 10.0.2.3 (the
 * host's own, often 127.0.0.53, is out of reach): a resolv.conf saying so
 * is bound over the rootfs's, which stays untouched.  The file is made in
 * the sandbox's /dev tmpfs and unlinked there once bound. */
static int slirp_resolv(struct cs_error *err)
{
	static const char conf[] = "nameserver 10.0.2.3\n";
	const char *tmp = "/dev/.cshell-resolv.conf";
	struct stat st;
	int fd;

	if (stat("/etc/resolv.conf", &st) < 0 &&
	    lstat("/etc/resolv.conf", &st) < 0)
		return 0; /* no file to replace (a minimal image): leave it */
	if (!S_ISREG(st.st_mode))
		return 0; /* a symlink to a file not there yet: leave it */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || cs_write_all(fd, conf, sizeof(conf) - 1) < 0) {
		if (fd >= 0)
			close(fd);
		return cs_error_errno(err, "write %s", tmp);
	}
	close(fd);
	if (mount(tmp, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
		unlink(tmp);
		return cs_error_errno(err, "bind /etc/resolv.conf");
	}
	unlink(tmp);
	return 0;
}

static int setup(const struct sbx_setup *s, struct held *h,
		 struct cs_error *err)
{
	const struct sbx_spec *spec = s->spec;
	const char *hn = spec->hostname ? spec->hostname : spec->name;
	int r;

	if (take_host(s, h, err) < 0 || enter_root(s, err) < 0)
		return -1;
	r = set_attr("/", AT_RECURSIVE,
		     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID |
			     (spec->read_only ? MOUNT_ATTR_RDONLY : 0));
	if (r < 0)
		return cs_error_set(err, -r, "lock down the root");
	/* a bind of the host root brought the host's /proc, /dev and /sys
	 * trees (debugfs, tracefs, bpffs, cgroup v1…): ours would only
	 * cover them, still listed in mountinfo and one umount away.  In a
	 * user namespace they are locked to us (and /proc must stay for
	 * the kernel to allow a new one) */
	for (size_t i = 0; s->bind_from && !s->userns && i < 3; i++) {
		static const char *const trees[] = { "/proc", "/dev", "/sys" };

		if (umount2(trees[i], MNT_DETACH) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			return cs_error_errno(err, "detach the host's '%s'",
					      trees[i]);
	}
	if ((r = cs_mkdir_p("/proc", 0555)) < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "mkdir /proc");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return cs_error_errno(err, "mount /proc");
	if (setup_dev(h, err) < 0)
		return -1;
	if ((r = cs_mkdir_p("/sys", 0555)) < 0 && r != -EEXIST)
		return cs_error_set(err, -r, "mkdir /sys");
	if ((r = attach(h->sys, "/sys")) < 0 ||
	    (r = set_attr("/sys", AT_RECURSIVE,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				  MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0)
		return cs_error_set(err, -r, "mount /sys read-only");
	/* the host's secrets before the user's mounts: a --mount of the
	 * caller's ~/.ssh is a deliberate choice and stays visible */
	if (setup_cgroupfs(err) < 0 || mask_host(h, err) < 0 ||
	    setup_user_mounts(spec, h, err) < 0 || mask_paths(s->hide, err) < 0)
		return -1;
	if (spec->workdir && (r = cs_mkdir_p(spec->workdir, 0755)) < 0 &&
	    r != -EEXIST)
		return cs_error_set(err, -r, "create workdir '%s'",
				    spec->workdir);
	if (sethostname(hn, strlen(hn)) < 0)
		return cs_error_errno(err, "set hostname '%s'", hn);
	if (spec->net == SBX_NET_NONE && loopback_up(err) < 0)
		return -1;
	if ((spec->net == SBX_NET_SLIRP ||
	     (spec->net == SBX_NET_PRIVATE && s->userns)) &&
	    slirp_resolv(err) < 0)
		return -1;
	return 0;
}

int sbx_rootfs_setup(const struct sbx_setup *s, struct cs_error *err)
{
	struct held h;
	int r;

	memset(&h, 0xff, sizeof(h));
	h.user = NULL;
	h.user_dir = NULL;
	memset(&h.null_files, 0, sizeof(h.null_files));
	memset(&h.empty_dirs, 0, sizeof(h.empty_dirs));
	memset(&h.scratch, 0, sizeof(h.scratch));
	r = setup(s, &h, err);
	held_release(&h, s->spec->nmounts);
	return r;
}
