// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * root.c — where cshell keeps its state (docs/design.md §3): the config,
 * data and runtime roots, chosen from the override variables, then the
 * system paths for root, then the XDG variables and $HOME.  Also mkdir -p.
 */
#include "lib/lib.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

struct root_desc {
	const char *override; /* CSHELL_*_DIR */
	const char *system;   /* used when running as root */
	const char *xdg;      /* XDG_*_HOME / XDG_RUNTIME_DIR */
	const char *home_sub; /* under $HOME when xdg is unset */
};

static const struct root_desc roots[] = {
	[CS_ROOT_CONFIG] = { "CSHELL_CONFIG_DIR", "/etc/cshell",
			     "XDG_CONFIG_HOME", ".config" },
	[CS_ROOT_DATA] = { "CSHELL_DATA_DIR", "/var/lib/cshell",
			   "XDG_DATA_HOME", ".local/share" },
	[CS_ROOT_RUNTIME] = { "CSHELL_RUNTIME_DIR", "/run/cshell",
			      "XDG_RUNTIME_DIR", NULL },
};

/* XDG says relative values are invalid and must be ignored. */
static const char *abs_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] == '/' ? v : NULL;
}

static const char *home_dir(void)
{
	const char *h = abs_env("HOME");
	struct passwd *pw;

	if (h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/";
}

char *cs_root_path(enum cs_root root)
{
	const struct root_desc *d = &roots[root];
	const char *v;

	v = getenv(d->override);
	if (v && v[0])
		return xstrdup(v);
	if (geteuid() == 0)
		return xstrdup(d->system);
	v = abs_env(d->xdg);
	if (v)
		return xasprintf("%s/cshell", v);
	if (d->home_sub)
		return xasprintf("%s/%s/cshell", home_dir(), d->home_sub);
	return xasprintf("/tmp/cshell-%u", (unsigned)geteuid());
}

/* The runtime root holds sockets and pids; one that another user owns (say
 * a squatted /tmp/cshell-<uid>) must not be trusted. */
static int check_runtime_root(const char *path, struct cs_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return cs_error_errno(
			err, "cannot inspect runtime directory '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return cs_error_set(err, ENOTDIR,
				    "runtime directory '%s' is not a directory",
				    path);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return cs_error_set(err, EPERM,
				    "runtime directory '%s' must be owned by "
				    "uid %u and not writable by others (fix "
				    "it or set CSHELL_RUNTIME_DIR)",
				    path, (unsigned)geteuid());
	return 0;
}

char *cs_root_subdir(enum cs_root root, const char *sub, int create,
		     struct cs_error *err)
{
	_cleanup_free_ char *base = cs_root_path(root);
	_cleanup_free_ char *path = NULL;
	mode_t mode = root == CS_ROOT_RUNTIME ? 0700 : 0755;
	int r;

	while (sub && *sub == '/')
		sub++;
	path = sub && *sub ? xasprintf("%s/%s", base, sub) : xstrdup(base);
	if (!create)
		return steal_ptr(&path);
	r = cs_mkdir_p(base, mode);
	if (r < 0) {
		cs_error_set(err, -r, "cannot create directory '%s'", base);
		return NULL;
	}
	if (root == CS_ROOT_RUNTIME && check_runtime_root(base, err) < 0)
		return NULL;
	r = cs_mkdir_p(path, mode);
	if (r < 0) {
		cs_error_set(err, -r, "cannot create directory '%s'", path);
		return NULL;
	}
	return steal_ptr(&path);
}

static int mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int cs_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	char *s;
	int r;

	if (!path || !*path)
		return -EINVAL;
	/* the common case, the parent exists: one syscall */
	r = mkdir_one(path, mode);
	if (r != -ENOENT)
		return r;
	p = xstrdup(path);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		/* Skip "//" and a trailing "/". */
		r = s[-1] == '/' ? 0 : mkdir_one(p, mode);
		*s = '/';
		if (r < 0)
			return r;
	}
	return mkdir_one(p, mode);
}
