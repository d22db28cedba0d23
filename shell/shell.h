/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shell.h — the cshell language: a POSIX sh interpreter with `@target`
 * routing.  main() is a thin wrapper over sh_main(); other modules never
 * include this header (shell/ is the module that knows all the others).
 */
#ifndef CSHELL_SHELL_SHELL_H
#define CSHELL_SHELL_SHELL_H

#include "lib/lib.h"

struct sh;

/* Runs cshell with a command line as main() gets it.  Returns the exit
 * status (it may also exit directly, e.g. on `exit`). */
int sh_main(int argc, char **argv);

/*
 * Routing of `@T cmd`: resolve() runs in the shell before anything is
 * started and says whether T names a target (0) or not (-1 with err set;
 * the command then fails with status 2).  enter() runs in the forked child
 * right before exec: it either execs something itself (an ssh client, an
 * agent relay) and never returns, or prepares the process (joins a
 * sandbox's namespaces) and returns 0 so the shell execs argv as usual;
 * -1 with err set fails the command with status 126.
 */

struct sh_router {
	int (*resolve)(const char *target, struct cs_error *err);
	/* *env: "K=V" entries the command gets on top of the shell's
	 * exported variables (a sandbox's --env); NULL-terminated or NULL */
	int (*enter)(const char *target, char **argv, const char *const **env,
		     struct cs_error *err);
	/* Names for completion: kind "target" (what @ accepts), "sandbox",
	 * "image".  A malloc'd NULL-terminated array of malloc'd strings. */
	char **(*names)(struct sh *sh, const char *kind);
	/* The host path of a target's root filesystem and (malloc'd, in
	 * *workdir) the directory its commands start in from the shell's
	 * current one, for completing inside it and for the prompt; NULL
	 * when the target cannot be browsed from here. */
	char *(*rootfs)(const char *target, char **workdir);
};

/* The router in use (route.c); modules register targets there. */
extern const struct sh_router *sh_router;

#endif
