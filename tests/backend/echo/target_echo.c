// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * target_echo.c — a target backend for tests: the targets echo-one and
 * echo-two run a command on this machine with CSHELL_ECHO_TARGET set to
 * their name, and echo-down is known but cannot be used.  With its builtin
 * echo-targets (help entry, completion) it shows what a module adds to the
 * shell: this file and its module.mk, nothing shared.
 */
#include <fnmatch.h>
#include <string.h>

#include "shell/shell_i.h"
#include "shell/target_i.h"

extern const struct sh_backend sh_backend_echo;

static const char *const echo_names[] = { "echo-one", "echo-two", NULL };

static int echo_resolve(const char *word, struct sh_targets *out,
			struct cs_error *err)
{
	int added = 0;

	if (!strcmp(word, "echo-down")) {
		cs_error_set(err, 0, "echo target '%s' is down", word);
		return -1;
	}
	for (const char *const *n = echo_names; *n; n++) {
		if (fnmatch(word, *n, 0) == 0) {
			sh_targets_add(out, &sh_backend_echo, *n, NULL);
			added++;
		}
	}
	return added;
}

static int echo_enter(const struct sh_target *t, char **argv,
		      const char *const **env, struct cs_error *err)
{
	static char var[64];
	static const char *vars[] = { var, NULL };

	(void)argv, (void)err;
	snprintf(var, sizeof(var), "CSHELL_ECHO_TARGET=%s", t->name);
	*env = vars;
	return 0;
}

static char **echo_target_names(void)
{
	struct cs_strvec v = CS_STRVEC_INIT;

	for (const char *const *n = echo_names; *n; n++)
		cs_strvec_push(&v, *n);
	return cs_strvec_detach(&v);
}

const struct sh_backend sh_backend_echo = {
	.name = "echo",
	.resolve = echo_resolve,
	.enter = echo_enter,
	.names = echo_target_names,
};

/* echo-targets [--count]: the names, or how many */
static int bi_echo_targets(struct sh *sh, int argc, char **argv)
{
	size_t n = 0;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--count")))
		return sh_bi_usage(sh, "echo-targets: usage: %s",
				   "echo-targets [--count]");
	for (const char *const *p = echo_names; *p; p++, n++)
		if (argc == 1)
			printf("%s\n", *p);
	if (argc == 2)
		printf("%zu\n", n);
	return 0;
}

static const char *const echo_targets_flags[] = { "--count", NULL };

static const struct sh_completion echo_targets_completion = {
	.flags = echo_targets_flags,
};

SH_BUILTIN(echo_targets) = {
	.b = { "echo-targets", bi_echo_targets, false },
	.usage = "echo-targets [--count]",
	.what = "the targets of the echo test backend",
	.complete = &echo_targets_completion,
};
