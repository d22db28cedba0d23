// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * cd.c — the cd and pwd builtins: the logical working directory (PWD,
 * OLDPWD, CDPATH), canonicalised as POSIX describes for -L.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/shell_i.h"
#include "shell/interactive_i.h"
#include "shell/target_i.h"

/* Canonicalises an absolute path textually: removes ., .., //.  NULL,
 * with errno set, when the component before a .. is no directory: POSIX
 * (cd, step 8.b) makes that an error rather than let nonexistent/.. be
 * the current directory. */
static char *canon(struct sh *sh, const char *path)
{
	size_t n = strlen(path);
	char *out = arena_alloc(sh->stack, n + 2);
	size_t o = 0;
	const char *p = path;

	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t len = e - p;
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			struct stat st;
			out[o] = 0;
			if (o > 0 && stat(out, &st) < 0)
				return NULL;
			if (o > 0 && !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				return NULL;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

static int bi_cd(struct sh *sh, int argc, char **argv)
{
	bool physical = false, print = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-P"))
			physical = true;
		else if (!strcmp(argv[i], "-L"))
			physical = false;
		else
			return sh_bi_usage(sh, "cd: unknown option '%s'",
					   argv[i]);
	}
	const char *dir = i < argc ? argv[i] : NULL;
	if (i + 1 < argc)
		return sh_bi_usage(sh, "cd: too many arguments%s", "");
	if (!dir) {
		dir = sh_getvar(sh, "HOME");
		if (!dir || !*dir) {
			sh_err(sh, "cd: HOME not set");
			return 1;
		}
	} else if (!strcmp(dir, "-")) {
		dir = sh_getvar(sh, "OLDPWD");
		if (!dir) {
			sh_err(sh, "cd: OLDPWD not set");
			return 1;
		}
		print = true;
	}
	/* after `enter dev`: a path of dev's that the host lacks (a --mount
	 * destination such as /src) is where the host sees it; commands
	 * then start there in dev again (sbx_start_dir maps it back) */
	struct stat hst;
	if (sh->entered && dir[0] == '/' && stat(dir, &hst) < 0) {
		char *hp = sh_target_host_path(sh->entered, dir);

		if (hp && stat(hp, &hst) == 0 && S_ISDIR(hst.st_mode))
			dir = arena_strdup(sh->stack, hp);
		free(hp);
	}
	const char *pwd = sh_getvar(sh, "PWD");
	char *oldpwd = pwd ? arena_strdup(sh->stack, pwd) : NULL;
	char *tried = NULL;

	/* CDPATH */
	const char *cdpath = sh_getvar(sh, "CDPATH");
	bool rel = dir[0] != '/' && strncmp(dir, "./", 2) && strcmp(dir, ".") &&
		   strncmp(dir, "../", 3) && strcmp(dir, "..");
	if (cdpath && rel) {
		for (const char *p = cdpath;;) {
			const char *e = strchrnul(p, ':');
			size_t dl = e - p;
			char *cand =
				dl ? xasprintf("%.*s/%s", (int)dl, p, dir) :
				     xasprintf("%s", dir);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
				tried = arena_strdup(sh->stack, cand);
				if (dl)
					print = true;
				free(cand);
				break;
			}
			free(cand);
			if (!*e)
				break;
			p = e + 1;
		}
	}
	const char *target = tried ? tried : dir;
	char *newpwd = NULL;
	if (!physical) {
		char *abs;
		if (target[0] == '/')
			abs = arena_strdup(sh->stack, target);
		else {
			const char *base = oldpwd ? oldpwd : ".";
			abs = arena_alloc(sh->stack,
					  strlen(base) + strlen(target) + 2);
			sprintf(abs, "%s/%s", base, target);
		}
		if (abs[0] == '/') {
			char *c = canon(sh, abs);
			if (!c) {
				sh_err(sh, "cd: can't cd to '%s': %s", dir,
				       strerror(errno));
				return 1;
			}
			if (chdir(c) == 0)
				newpwd = c;
		}
	}
	if (!newpwd) {
		if (chdir(target) < 0) {
			/* status 1 as in bash (dash: 2; POSIX: >0) */
			sh_err(sh, "cd: can't cd to '%s': %s", dir,
			       strerror(errno));
			return 1;
		}
		char *cwd = getcwd(NULL, 0);
		newpwd = arena_strdup(sh->stack, cwd ? cwd : target);
		free(cwd);
	}
	if (oldpwd)
		var_set(sh, "OLDPWD", oldpwd,
			SH_VAR_EXPORT); /* as dash, bash */
	var_set(sh, "PWD", newpwd, 0);
	if (print)
		printf("%s\n", newpwd);
	return 0;
}

static int bi_pwd(struct sh *sh, int argc, char **argv)
{
	bool physical = false;

	/* operands are ignored, as by dash and bash */
	for (int i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-P"))
			physical = true;
		else if (!strcmp(argv[i], "-L"))
			physical = false;
		else if (!strcmp(argv[i], "--"))
			break;
		else
			return sh_bi_usage(sh, "pwd: unknown option '%s'",
					   argv[i]);
	}
	const char *pwd = sh_getvar(sh, "PWD");
	struct stat a, b;
	if (!physical && pwd && pwd[0] == '/' && stat(pwd, &a) == 0 &&
	    stat(".", &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		printf("%s\n", pwd);
		return 0;
	}
	char *cwd = getcwd(NULL, 0);
	if (!cwd && errno == ENOENT && !physical && pwd && pwd[0] == '/') {
		/* the directory was removed: $PWD is still where we are */
		printf("%s\n", pwd);
		return 0;
	}
	if (!cwd) {
		sh_err(sh, "pwd: %s", strerror(errno));
		return 1;
	}
	printf("%s\n", cwd);
	free(cwd);
	return 0;
}

SH_BUILTIN(cd) = {
	.b = { "cd", bi_cd, false },
	.usage = "cd [-L|-P] [DIR|-]",
	.what = "change the working directory",
};

SH_BUILTIN(pwd) = {
	.b = { "pwd", bi_pwd, false },
	.usage = "pwd [-L|-P]",
	.what = "print the working directory",
};
