/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * target_i.h — where `@T cmd` runs: a table of target backends (crun's
 * cgroup managers are the model).  Each backend lives in its own file and
 * exports one `const struct sh_backend sh_backend_ID`, listed as ORDER:ID in
 * SH_BACKENDS of its module.mk; the build generates the table in that order
 * (docs/design.md §4: this machine's name "host", local sandboxes, local
 * VMs, then SSH hosts and the sandboxes placed on them), and target.c walks
 * it knowing none of them.  A
 * new backend is its file and its module.mk, nothing shared.
 *
 * A target word is a name or a glob (`dev`, `sb*`), and a target spec a
 * comma-separated list of words (`@a,b`): resolving it fills a vector of
 * targets, each with its backend's handle, so nothing is looked up twice
 * between resolve and enter.
 */
#ifndef CSHELL_SHELL_TARGET_I_H
#define CSHELL_SHELL_TARGET_I_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/lib.h"

struct sh_backend;

struct sh_target {
	const struct sh_backend *be;
	char *name;   /* the target's own name ("dev", "host") */
	void *handle; /* the backend's, freed by its release() */
};

struct sh_targets {
	struct sh_target *v;
	size_t n;
};

struct sh_backend {
	const char *name; /* "host", "sandbox", …: for messages */
	/* the shell's own machine: commands run here, builtins and
	 * functions in this shell */
	bool local;
	/*
	 * Adds to out the targets that word names (a glob matches many).
	 * Returns how many were added (>= 1), 0 when the word is none of
	 * this backend's (the next backend is asked), -1 + err when it is
	 * but cannot be used now (a stopped sandbox).
	 */
	int (*resolve)(const char *word, struct sh_targets *out,
		       struct cs_error *err);
	/*
	 * In the forked child right before exec: either execs something
	 * itself (a relay) and never returns, or prepares this process (joins
	 * a sandbox) and returns 0, with *env set to "K=V" entries the
	 * command gets on top of the shell's exports (NULL-terminated, or
	 * NULL).  -1 + err fails the command with status 126.
	 */
	int (*enter)(const struct sh_target *t, char **argv,
		     const char *const **env, struct cs_error *err);
	/* Names @ completes to: a malloc'd NULL-terminated vector of
	 * malloc'd strings (NULL: none). */
	char **(*names)(void);
	/* The host path of t's root filesystem (malloc'd) and, in *workdir,
	 * the directory its commands start in from the shell's current one;
	 * NULL when t cannot be browsed from here.  May be NULL. */
	char *(*rootfs)(const struct sh_target *t, char **workdir);
	/* The host path at which t's file path (absolute, as t sees it)
	 * can be read — under a mount's source when a mount holds it —
	 * malloc'd; NULL when t cannot be browsed from here.  May be
	 * NULL. */
	char *(*host_path)(const struct sh_target *t, const char *path);
	/* Frees t->handle.  May be NULL. */
	void (*release)(struct sh_target *t);
};

/* Every backend, in resolution order, NULL-terminated: generated from
 * SH_BACKENDS (ORDER:ID) of the module.mk files into build/gen/shell/
 * tables.c (docs/shell.md, "Adding a backend"). */
extern const struct sh_backend *const sh_backends[];
/* shell/'s own backends: the sandbox and ssh ones are named by
 * bi_sandbox.c and bi_monitor.c too; the others only by their own files,
 * which need the declaration before the definition (a backend elsewhere
 * declares its own, as tests/backend/echo/target_echo.c does). */
extern const struct sh_backend sh_backend_host;
extern const struct sh_backend sh_backend_sandbox;
extern const struct sh_backend sh_backend_vm;
extern const struct sh_backend sh_backend_ssh;

/* In a forked child: argv on host h as `@HOST argv` runs it (the ssh
 * backend's enter(), for callers that chose h themselves, as `up --on`).
 * Returns only on failure (-1 + err). */
struct sch_host;
int sh_ssh_enter_host(const struct sch_host *h, char **argv,
		      struct cs_error *err);

/* Adds a target (name copied, handle owned) to out. */
void sh_targets_add(struct sh_targets *out, const struct sh_backend *be,
		    const char *name, void *handle);
/* Resolves a spec ("a,b", "sb*") into out, which must be empty.  0, or -1
 * + err naming the first word no backend takes (out then empty). */
int sh_targets_resolve(const char *spec, struct sh_targets *out,
		       struct cs_error *err);
void sh_targets_release(struct sh_targets *t);
/* Every name @ completes to, from every backend (malloc'd vector). */
char **sh_target_names(void);
/* t's root filesystem as the backend's rootfs() says; NULL when none. */
char *sh_target_rootfs(const char *spec, char **workdir);
/* t's file path as the host sees it (the backend's host_path()); NULL
 * when none. */
char *sh_target_host_path(const char *spec, const char *path);
/* Whether a word is a glob (then it may match none or many). */
bool sh_target_is_glob(const char *word);

/* eval.c: the helper program name (cshell-hosts…) next to this cshell,
 * else name itself for a PATH search; malloc'd (a backend's forked
 * child has none of the shell's arenas). */
char *sh_helper_path_dup(const char *name);

#endif
