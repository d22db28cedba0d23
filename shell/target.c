// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * target.c — resolving `@SPEC` through the table of target backends
 * (target_i.h), generated from the SH_BACKENDS lists of the module.mk
 * files: nothing here names a backend but "host", this machine's own.
 */
#include <string.h>

#include "shell/shell_i.h"
#include "shell/target_i.h"

bool sh_target_is_glob(const char *word)
{
	return strpbrk(word, "*?[") != NULL;
}

void sh_targets_add(struct sh_targets *out, const struct sh_backend *be,
		    const char *name, void *handle)
{
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].be == be && !strcmp(out->v[i].name, name)) {
			struct sh_target dup = { be, NULL, handle };

			if (be->release)
				be->release(&dup);
			return; /* `@a,a` or `@a,a*`: once */
		}
	}
	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->v[out->n].be = be;
	out->v[out->n].name = xstrdup(name);
	out->v[out->n].handle = handle;
	out->n++;
}

void sh_targets_release(struct sh_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].be->release)
			t->v[i].be->release(&t->v[i]);
		free(t->v[i].name);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* One word: the first backend that knows a plain name; every backend for a
 * glob. */
static int resolve_word(const char *word, struct sh_targets *out,
			struct cs_error *err)
{
	bool glob = sh_target_is_glob(word);
	size_t before = out->n;

	for (size_t i = 0; sh_backends[i]; i++) {
		int r = sh_backends[i]->resolve(word, out, err);

		if (r < 0)
			return -1;
		if (r > 0 && !glob)
			return 0;
	}
	if (out->n > before)
		return 0;
	if (glob)
		return cs_error_set(err, 0,
				    "no target matches '@%s' (see "
				    "'sandbox ls' and 'host ls')",
				    word);
	return cs_error_set(err, 0,
			    "unknown target '%s' (no sandbox, VM or host of "
			    "that name; see 'sandbox ls' and 'host ls')",
			    word);
}

int sh_targets_resolve(const char *spec, struct sh_targets *out,
		       struct cs_error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL;

	if (!*spec)
		return cs_error_set(err, 0, "'@' needs a target name");
	for (char *w = strtok_r(copy, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		if (resolve_word(w, out, err) < 0) {
			sh_targets_release(out);
			return -1;
		}
	}
	if (!out->n)
		return cs_error_set(err, 0, "'@%s' names no target", spec);
	return 0;
}

char **sh_target_names(void)
{
	struct cs_strvec v = CS_STRVEC_INIT;

	for (size_t i = 0; sh_backends[i]; i++) {
		char **some =
			sh_backends[i]->names ? sh_backends[i]->names() : NULL;

		for (size_t j = 0; some && some[j]; j++)
			cs_strvec_push_take(&v, some[j]);
		free(some);
	}
	return cs_strvec_detach(&v);
}

char *sh_target_rootfs(const char *spec, char **workdir)
{
	struct sh_targets t = { 0 };
	char *root = NULL;

	*workdir = NULL;
	if (sh_targets_resolve(spec, &t, NULL) == 0 && t.n == 1 &&
	    t.v[0].be->rootfs)
		root = t.v[0].be->rootfs(&t.v[0], workdir);
	sh_targets_release(&t);
	return root;
}

char *sh_target_host_path(const char *spec, const char *path)
{
	struct sh_targets t = { 0 };
	char *p = NULL;

	if (sh_targets_resolve(spec, &t, NULL) == 0 && t.n == 1 &&
	    t.v[0].be->host_path)
		p = t.v[0].be->host_path(&t.v[0], path);
	sh_targets_release(&t);
	return p;
}

/* ---------------------------------------------------------------- host */

/* "host": this machine, the shell's own.  Commands routed here run as
 * if no target were named (and leave an `enter`ed one aside). */
static int host_resolve(const char *word, struct sh_targets *out,
			struct cs_error *err)
{
	(void)err;
	/* by its name only: `@h*` means hosts h1, h2…, not this machine */
	if (strcmp(word, "host"))
		return 0;
	sh_targets_add(out, &sh_backend_host, "host", NULL);
	return 1;
}

static int host_enter(const struct sh_target *t, char **argv,
		      const char *const **env, struct cs_error *err)
{
	(void)t, (void)argv, (void)err;
	*env = NULL;
	return 0;
}

static char **host_names(void)
{
	struct cs_strvec v = CS_STRVEC_INIT;

	cs_strvec_push(&v, "host");
	return cs_strvec_detach(&v);
}

const struct sh_backend sh_backend_host = {
	.name = "host",
	.local = true,
	.resolve = host_resolve,
	.enter = host_enter,
	.names = host_names,
};

/* ---------------------------------------------------------------- enter */

static int bi_enter(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc == 1) {
		if (sh->entered)
			printf("%s\n", sh->entered);
		return 0;
	}
	if (argc > 2)
		return sh_bi_usage(sh, "enter: usage: enter TARGET%s", "");
	const char *t = argv[1][0] == '@' ? argv[1] + 1 : argv[1];
	struct sh_targets ts = { 0 };
	if (sh_targets_resolve(t, &ts, &err) < 0) {
		sh_err(sh, "enter: %s", err.msg);
		cs_error_release(&err);
		return 2;
	}
	if (ts.n != 1) {
		sh_err(sh, "enter: '%s' names %zu targets; enter takes one", t,
		       ts.n);
		sh_targets_release(&ts);
		return 2;
	}
	free(sh->entered);
	sh->entered = ts.v[0].be->local ? NULL : xstrdup(ts.v[0].name);
	sh_targets_release(&ts);
	return 0;
}

static int bi_leave(struct sh *sh, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!sh->entered) {
		sh_err(sh, "leave: not entered into any target");
		return 1;
	}
	free(sh->entered);
	sh->entered = NULL;
	return 0;
}

/* `enter <Tab>`: every target name */
static bool enter_operand(struct sh *sh, char *const *words, int nwords,
			  const char *text)
{
	(void)sh, (void)words;
	if (nwords != 1)
		return false;
	sh_complete_offer_take(text, sh_target_names());
	return true;
}

static const struct sh_completion enter_completion = {
	.operand = enter_operand,
};

SH_BUILTIN(enter) = {
	.b = { "enter", bi_enter, false },
	.usage = "enter [TARGET]",
	.what = "run the following commands in TARGET; 'enter host' or 'leave' returns",
	.complete = &enter_completion,
};

SH_BUILTIN(leave) = {
	.b = { "leave", bi_leave, false },
	.usage = "leave",
	.what = "return to the host after 'enter'",
};
