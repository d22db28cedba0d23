/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.c — the `image` command line over image/image.h (pull, push,
 * import, export, ls, inspect, tag, rm, prune), run as the cshell-image
 * program: the shell's `image` builtin execs it, so libcurl, libarchive
 * and libcrypto are loaded only when images are used, never at every
 * shell start.  Each subcommand is a small function that parses its
 * options, calls the library and prints; img_cli() at the bottom
 * dispatches.  Usage errors return 2.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "image/image.h"

static const char usage_text[] =
	"usage: image pull [--insecure] [--platform OS/ARCH[/VARIANT]] [-q] REF...\n"
	"       image ls [--json] [-q]\n"
	"       image inspect [--json] REF\n"
	"       image push [--insecure] REF [DEST]\n"
	"       image import [--name NAME] [--platform P] DIR[:TAG] | FILE.tar\n"
	"       image export REF DIR[:TAG] | FILE.tar\n"
	"       image tag REF NEWREF\n"
	"       image rm [-f] REF...\n"
	"       image prune\n"
	"       image build [-t REF] [--rebuild] [DIR]   (a Cshellfile's environment)\n"
	"       image resolve [--insecure] [--platform P] REF   (for sandbox --image)\n"
	"'image COMMAND --help' tells more about one command.\n";

static int usage(const char *msg)
{
	if (msg)
		cs_cli_err("image: %s", msg);
	fputs(usage_text, stderr);
	return 2;
}

static int fail(struct cs_error *err)
{
	cs_cli_err("%s", err->msg ? err->msg : "image: unknown error");
	cs_error_release(err);
	return 1;
}

/* `image pull --help` and friends; "%1$s" is the registries config file,
 * which depends on the user and $CSHELL_CONFIG_DIR. */
static const struct {
	const char *name;
	const char *text;
} help_texts[] = {
	{ "pull",
	  "usage: image pull [--insecure] [--platform OS/ARCH[/VARIANT]] [-q] "
	  "REF...\n"
	  "Downloads images into the store (verified by sha256), with a "
	  "progress bar on a\n"
	  "terminal.  An interrupted pull (Ctrl-C) keeps what it downloaded: "
	  "pulling again\n"
	  "resumes it; 'image prune' deletes it.\n"
	  "  --insecure    plain http for this registry\n"
	  "  --platform P  the image for P from a multi-platform index (default: "
	  "the host's)\n"
	  "  -q, --quiet   no progress bar\n"
	  "Registries are spoken to over https, except loopback ones "
	  "(127.0.0.0/8, ::1,\n"
	  "localhost), which use plain http, as docker does.  The registries "
	  "config file\n"
	  "  %1$s\n"
	  "changes that per registry, one line each:\n"
	  "  insecure HOST[:PORT]    plain http\n"
	  "  secure HOST[:PORT]      https, also for a loopback registry\n"
	  "Credentials: $REGISTRY_AUTH_FILE, "
	  "$XDG_RUNTIME_DIR/containers/auth.json or\n"
	  "~/.docker/config.json.\n" },
	{ "push",
	  "usage: image push [--insecure] REF [DEST]\n"
	  "Sends a stored image to DEST (default: its own name).  Insecure "
	  "registries as\n"
	  "for pull (registries config: %1$s).\n" },
	{ "resolve",
	  "usage: image resolve [--insecure] [--platform P] [-q] [--nul] REF\n"
	  "Prints the layer directories and config of an image for `sandbox "
	  "--image`,\n"
	  "pulling it first when the store lacks it (see 'image pull --help'; "
	  "registries\n"
	  "config: %1$s).\n" },
	{ "import",
	  "usage: image import [--name NAME] [--platform P] DIR[:TAG] | "
	  "FILE.tar\n"
	  "Loads an OCI layout or a docker-archive.  --name is kept as given "
	  "(plus :latest\n"
	  "without a tag): 'imported/bb' stays 'imported/bb:latest'.\n" },
	{ "rm",
	  "usage: image rm [-f] REF...\n"
	  "Removes a name; an image left without names is deleted with the "
	  "blobs and\n"
	  "layers nothing else uses.  An image a sandbox uses is not deleted: "
	  "rm refuses,\n"
	  "naming the sandboxes; -f removes the name only (the image stays, "
	  "nameless,\n"
	  "until no sandbox uses it).\n" },
	{ "prune",
	  "usage: image prune\n"
	  "Deletes nameless images no sandbox uses, and every blob, layer and "
	  "partial\n"
	  "download no image references; layers a sandbox uses are kept.\n" },
};

/* Prints the help of a subcommand (the usage lines when it has none). */
static int sub_help(const char *name)
{
	_cleanup_free_ char *conf = img_registries_config_path();

	for (size_t i = 0; i < CS_ARRAY_SIZE(help_texts); i++)
		if (!strcmp(help_texts[i].name, name)) {
			printf(help_texts[i].text, conf);
			return 0;
		}
	fputs(usage_text, stdout);
	return 0;
}

/* SIGINT (Ctrl-C), SIGTERM, SIGHUP during a pull: the pull stops at its
 * next step and fails with EINTR, keeping its partial downloads, so the
 * user gets a message saying so; a second signal kills at once. */
static void on_signal(int sig)
{
	if (img_interrupted()) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	img_interrupt();
}

static void catch_interrupts(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CS_ARRAY_SIZE(sigs); i++) {
		/* ignored, as in a background job: stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* The status of a failed pull: 130 (as a shell reports SIGINT) when it
 * was interrupted, with a message saying what is left. */
static int pull_failed(const char *ref, struct cs_error *err)
{
	if (!img_interrupted())
		return fail(err);
	cs_error_release(err);
	cs_cli_err("image: pull of '%s' interrupted; the downloaded part is "
		   "kept: pull again to resume, or 'image prune' to delete it",
		   ref);
	return 130;
}

/* Parses the long options of a subcommand; argv[0] is the subcommand.
 * Returns the index of the first operand or -1 on a usage error. */
static int parse_opts(int argc, char **argv, const struct option *lo,
		      const char *so,
		      int (*cb)(int c, const char *arg, void *ud), void *ud)
{
	int c;

	optind = 0; /* glibc: full reinitialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			cs_cli_err(
				"image %s: unknown or incomplete option '%s'",
				argv[0], argv[optind - 1]);
			return -1;
		}
		if (cb(c, optarg, ud) < 0)
			return -1;
	}
	return optind;
}

struct pull_args {
	struct img_pull_opts opts;
	bool nul; /* resolve --nul */
};

static int pull_opt(int c, const char *arg, void *ud)
{
	struct pull_args *a = ud;

	switch (c) {
	case 'k':
		a->opts.flags |= IMG_PULL_INSECURE;
		return 0;
	case 'p':
		a->opts.platform = arg;
		return 0;
	case 'q':
		a->opts.flags |= IMG_PULL_QUIET;
		return 0;
	case '0':
		a->nul = true;
		return 0;
	}
	return -1;
}

/* the options of pull, shared by resolve (which pulls when needed) */
static const struct option pull_lo[] = {
	{ "insecure", no_argument, NULL, 'k' },
	{ "platform", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "nul", no_argument, NULL, '0' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_pull(int argc, char **argv)
{
	struct pull_args a = { { 0 }, false };
	int i = parse_opts(argc, argv, pull_lo, "+q", pull_opt, &a), st = 0;

	if (i < 0 || a.nul)
		return usage(a.nul ? "pull: --nul is an option of resolve" :
				     NULL);
	if (i >= argc)
		return usage("pull: missing image reference");
	catch_interrupts();
	for (; i < argc; i++) {
		struct cs_error err = CS_ERROR_INIT;
		char digest[IMG_DIGEST_LEN];

		if (img_pull(argv[i], &a.opts, digest, &err) < 0) {
			st = pull_failed(argv[i], &err);
			if (st == 130)
				return st;
			continue;
		}
		printf("%s: %s\n", argv[i], digest);
	}
	return st;
}

/*
 * `image resolve REF`: what `sandbox create --image` needs, one field per
 * item: layer (top first), env, workdir, user, argv (entrypoint then cmd,
 * one word each), digest.  Pulls the image when the store lacks it.
 *   - default, for people: "KEY VALUE" lines; a value holding a newline
 *     cannot be written so and is an error (status 1), never dropped;
 *   - --nul, for programs (the shell): "KEY=VALUE" records each ended by
 *     a NUL byte, which carries any value a C string can hold.
 */
static int print_field(const char *key, const char *v, bool nul)
{
	if (!v)
		return 0;
	if (nul) {
		printf("%s=%s%c", key, v, 0);
		return 0;
	}
	if (strchr(v, '\n')) {
		fprintf(stderr,
			"cshell-image: resolve: the image's %s '%.20s…' holds a "
			"newline, which this format cannot carry (use --nul)\n",
			key, v);
		return -1;
	}
	printf("%s %s\n", key, v);
	return 0;
}

static int cmd_resolve(int argc, char **argv)
{
	struct pull_args a = { { 0 }, false };
	struct cs_error err = CS_ERROR_INIT;
	struct img_resolved r;
	int i = parse_opts(argc, argv, pull_lo, "+q", pull_opt, &a);

	if (i < 0)
		return usage(NULL);
	if (i + 1 != argc)
		return usage("resolve: takes one image reference");
	catch_interrupts();
	if (img_resolve_or_pull(argv[i], &a.opts, &r, &err) < 0)
		return pull_failed(argv[i], &err);
	bool nul = a.nul;
	int bad = 0;
	for (size_t k = 0; k < r.n_layers; k++)
		bad |= print_field("layer", r.layers[k], nul);
	for (char **e = r.config.env; e && *e; e++)
		bad |= print_field("env", *e, nul);
	bad |= print_field("workdir", r.config.workdir, nul);
	bad |= print_field(
		"user", r.config.user && *r.config.user ? r.config.user : NULL,
		nul);
	for (char **e = r.config.entrypoint; e && *e; e++)
		bad |= print_field("argv", *e, nul);
	for (char **e = r.config.cmd; e && *e; e++)
		bad |= print_field("argv", *e, nul);
	bad |= print_field("digest", r.digest, nul);
	img_resolved_release(&r);
	return bad ? 1 : 0;
}

static int cmd_push(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "insecure", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct pull_args a = { { 0 }, false };
	struct cs_error err = CS_ERROR_INIT;
	char digest[IMG_DIGEST_LEN];
	int i = parse_opts(argc, argv, lo, "+q", pull_opt, &a);
	const char *dst;

	if (i < 0)
		return usage(NULL);
	if (i >= argc || argc - i > 2)
		return usage("push: want an image and an optional "
			     "destination");
	dst = argc - i == 2 ? argv[i + 1] : NULL;
	if (img_push(argv[i], dst, a.opts.flags, digest, &err) < 0)
		return fail(&err);
	printf("%s: %s\n", dst ? dst : argv[i], digest);
	return 0;
}

struct import_args {
	const char *name;
	const char *platform;
};

static int import_opt(int c, const char *arg, void *ud)
{
	struct import_args *a = ud;

	if (c == 'n')
		a->name = arg;
	else if (c == 'p')
		a->platform = arg;
	else
		return -1;
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "platform", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	char digest[IMG_DIGEST_LEN];
	int i = parse_opts(argc, argv, lo, "+", import_opt, &a);

	if (i < 0)
		return usage(NULL);
	if (i + 1 != argc)
		return usage("import: want one layout DIR[:TAG] or "
			     "archive FILE.tar");
	if (img_import(argv[i], a.name, a.platform, digest, &err) < 0)
		return fail(&err);
	printf("%s: %s\n", argv[i], digest);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc != 3)
		return usage("export: want an image and a layout "
			     "DIR[:TAG] or an archive FILE.tar");
	if (img_export(argv[1], argv[2], &err) < 0)
		return fail(&err);
	return 0;
}

struct flag_args {
	int json;
	int quiet;
	int names;
};

static int flag_opt(int c, const char *arg, void *ud)
{
	struct flag_args *a = ud;

	(void)arg;
	if (c == 'j')
		a->json = 1;
	else if (c == 'q')
		a->quiet = 1;
	else if (c == 'N')
		a->names = 1;
	else
		return -1;
	return 0;
}

static const struct option flag_lo[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "names", no_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 },
};

static void human_size(uint64_t n, char *buf, size_t len)
{
	if (n >= (1ull << 30))
		snprintf(buf, len, "%.1fGB", n / 1073741824.0);
	else if (n >= (1ull << 20))
		snprintf(buf, len, "%.1fMB", n / 1048576.0);
	else if (n >= 1024)
		snprintf(buf, len, "%.1fkB", n / 1024.0);
	else
		snprintf(buf, len, "%" PRIu64 "B", n);
}

static int cmd_ls(int argc, char **argv)
{
	struct flag_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	struct img_list l;
	int i = parse_opts(argc, argv, flag_lo, "+q", flag_opt, &a);

	if (i < 0)
		return usage(NULL);
	if (i < argc)
		return usage("ls: takes no operands");
	if (a.json) {
		char *text = img_list_json(&err);
		if (!text)
			return fail(&err);
		printf("%s\n", text);
		free(text);
		return 0;
	}
	if (img_list(&l, &err) < 0)
		return fail(&err);
	if (!a.quiet && !a.names)
		printf("%-50s %-12s %6s %9s\n", "NAME", "ID", "LAYERS", "SIZE");
	for (size_t k = 0; k < l.n; k++) {
		struct img_info *m = &l.v[k];
		if (a.names) {
			/* one reference per line, for completion scripts */
			for (size_t j = 0; j < m->n_names; j++)
				printf("%s\n", m->names[j]);
			continue;
		}
		const char *id = strlen(m->config) > 19 ? m->config + 7 : "";
		char size[32];

		if (a.quiet) {
			printf("%.12s\n", id);
			continue;
		}
		human_size(m->size, size, sizeof(size));
		if (!m->n_names)
			printf("%-50s %-12.12s %6zu %9s\n", "<none>", id,
			       m->n_layers, size);
		for (size_t j = 0; j < m->n_names; j++)
			printf("%-50s %-12.12s %6zu %9s\n", m->names[j], id,
			       m->n_layers, size);
	}
	img_list_release(&l);
	return 0;
}

static void print_strv(const char *label, char **v)
{
	if (!v || !*v)
		return;
	printf("%-11s", label);
	for (; *v; v++)
		printf(" %s", *v);
	putchar('\n');
}

static int cmd_inspect(int argc, char **argv)
{
	struct flag_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	struct img_info info;
	struct img_resolved r;
	int i = parse_opts(argc, argv, flag_lo, "+", flag_opt, &a);
	char size[32];

	if (i < 0)
		return usage(NULL);
	if (i + 1 != argc)
		return usage("inspect: want exactly one image");
	if (a.json) {
		char *text = img_inspect_json(argv[i], &err);
		if (!text)
			return fail(&err);
		printf("%s\n", text);
		free(text);
		return 0;
	}
	if (img_find(argv[i], &info, &err) < 0)
		return fail(&err);
	if (img_resolve(argv[i], &r, &err) < 0) {
		img_info_release(&info);
		return fail(&err);
	}
	for (size_t k = 0; k < info.n_names; k++)
		printf("%-11s %s\n", k ? "" : "Names:", info.names[k]);
	printf("%-11s %s\n", "Digest:", info.digest);
	printf("%-11s %s\n", "Config:", info.config);
	printf("%-11s %s/%s\n", "Platform:", info.os, info.arch);
	if (info.created)
		printf("%-11s %s\n", "Created:", info.created);
	human_size(info.size, size, sizeof(size));
	printf("%-11s %s\n", "Size:", size);
	print_strv("Env:", r.config.env);
	print_strv("Entrypoint:", r.config.entrypoint);
	print_strv("Cmd:", r.config.cmd);
	if (r.config.workdir && *r.config.workdir)
		printf("%-11s %s\n", "WorkingDir:", r.config.workdir);
	if (r.config.user && *r.config.user)
		printf("%-11s %s\n", "User:", r.config.user);
	for (size_t k = 0; k < r.n_layers; k++)
		printf("%-11s %s\n", k ? "" : "Layers:", r.layers[k]);
	img_resolved_release(&r);
	img_info_release(&info);
	return 0;
}

static int cmd_tag(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc != 3)
		return usage("tag: want an image and a new name");
	if (img_tag(argv[1], argv[2], &err) < 0)
		return fail(&err);
	return 0;
}

static int rm_opt(int c, const char *arg, void *ud)
{
	(void)arg;
	if (c != 'f')
		return -1;
	*(int *)ud = 1;
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int force = 0, st = 0;
	int i = parse_opts(argc, argv, lo, "+f", rm_opt, &force);

	if (i < 0)
		return usage(NULL);
	if (i >= argc)
		return usage("rm: missing image");
	for (; i < argc; i++) {
		struct cs_error err = CS_ERROR_INIT;

		if (img_rm(argv[i], force, &err) < 0)
			st = fail(&err);
		else
			printf("removed %s\n", argv[i]);
	}
	return st;
}

static int cmd_prune(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct img_prune_stats st;
	char size[32];

	(void)argv;
	if (argc != 1)
		return usage("prune: takes no operands");
	if (img_prune(&st, &err) < 0)
		return fail(&err);
	human_size(st.bytes, size, sizeof(size));
	printf("removed %zu blobs and %zu layers (%s)\n", st.blobs, st.layers,
	       size);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Builds: what the shell's `up` and `image build` ask (docs/image.md
 * "Builds"); the output is "key value" lines as resolve's. */

struct build_args {
	const char *parent, *text, *copy, *key, *name, *base;
	const char *workdir, *user;
	struct cs_strvec env, layers, cmd;
	int rebuild, has_cmd;
};

static int build_opt(int c, const char *arg, void *ud)
{
	struct build_args *a = ud;

	switch (c) {
	case 'P':
		a->parent = arg;
		return 0;
	case 'T':
		a->text = arg;
		return 0;
	case 'C':
		a->copy = arg;
		return 0;
	case 'K':
		a->key = arg;
		return 0;
	case 't':
		a->name = arg;
		return 0;
	case 'B':
		a->base = arg;
		return 0;
	case 'w':
		a->workdir = arg;
		return 0;
	case 'u':
		a->user = arg;
		return 0;
	case 'e':
		cs_strvec_push(&a->env, arg);
		return 0;
	case 'l':
		cs_strvec_push(&a->layers, arg);
		return 0;
	case 'c':
		cs_strvec_push(&a->cmd, arg);
		a->has_cmd = 1;
		return 0;
	case 'r':
		a->rebuild = 1;
		return 0;
	}
	return -1;
}

static const struct option build_lo[] = {
	{ "parent", required_argument, NULL, 'P' },
	{ "text", required_argument, NULL, 'T' },
	{ "copy", required_argument, NULL, 'C' },
	{ "key", required_argument, NULL, 'K' },
	{ "tag", required_argument, NULL, 't' },
	{ "base", required_argument, NULL, 'B' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "user", required_argument, NULL, 'u' },
	{ "env", required_argument, NULL, 'e' },
	{ "layer", required_argument, NULL, 'l' },
	{ "cmd", required_argument, NULL, 'c' },
	{ "rebuild", no_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

static void build_args_release(struct build_args *a)
{
	cs_strvec_release(&a->env);
	cs_strvec_release(&a->layers);
	cs_strvec_release(&a->cmd);
}

/* build-step --parent D --text T [--env K=V]... [--copy SRC:DST]
 * [--rebuild]: the step's key, then "layer DIR" + "digest D" when it is
 * cached (a copy is always: its layer is made here), else "missing". */
static int cmd_build_step(int argc, char **argv)
{
	struct build_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	char key[IMG_DIGEST_LEN], diffid[IMG_DIGEST_LEN] = "";
	char *dir = NULL;
	const char *content = NULL;
	int i = parse_opts(argc, argv, build_lo, "", build_opt, &a), hit = 0;

	if (i < 0 || i != argc || !a.text) {
		build_args_release(&a);
		return usage("build-step: needs --text");
	}
	if (a.copy) {
		/* SRC:DST, SRC absolute (the shell made it so), DST the path
		 * inside; "DST/" puts SRC's name under it */
		const char *colon = strrchr(a.copy, ':');
		_cleanup_free_ char *src =
			colon ? xstrndup(a.copy, colon - a.copy) : NULL;
		_cleanup_free_ char *dst = NULL;

		if (!src || colon[1] != '/' || !colon[2]) {
			build_args_release(&a);
			return usage("build-step: --copy SRC:/DST");
		}
		if (colon[strlen(colon) - 1] == '/') {
			const char *b = strrchr(src, '/');
			dst = xasprintf("%s%s", colon + 2, b ? b + 1 : src);
		} else {
			dst = xstrdup(colon + 2);
		}
		if (img_layer_from_dir(src, dst, IMG_LAYER_NORMALIZE, diffid,
				       &dir, &err) < 0) {
			build_args_release(&a);
			return fail(&err);
		}
		content = diffid;
	}
	img_build_key(a.parent, a.text, a.env.v, content, key);
	if (!a.rebuild || a.copy) {
		char cached[IMG_DIGEST_LEN];
		char *cdir = NULL;

		hit = img_cache_get(key, cached, &cdir, &err);
		if (hit < 0) {
			free(dir);
			build_args_release(&a);
			return fail(&err);
		}
		if (hit && !a.copy) {
			memcpy(diffid, cached, sizeof(diffid));
			dir = cdir;
		} else {
			free(cdir);
		}
	}
	if (a.copy && !hit && img_cache_put(key, diffid, &err) < 0) {
		free(dir);
		build_args_release(&a);
		return fail(&err);
	}
	print_field("key", key, false);
	if (dir) {
		print_field("layer", dir, false);
		print_field("digest", diffid, false);
		print_field("cached", hit ? "1" : "0", false);
	} else {
		print_field("missing", "1", false);
	}
	free(dir);
	build_args_release(&a);
	return 0;
}

/* layer-commit [--key K] DIR: DIR (a sandbox's upper layer) becomes a
 * stored layer, cached under K when given (`sandbox commit --image`
 * caches nothing). */
static int cmd_layer_commit(int argc, char **argv)
{
	struct build_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	char diffid[IMG_DIGEST_LEN];
	char *dir = NULL;
	int i = parse_opts(argc, argv, build_lo, "", build_opt, &a);

	if (i < 0 || i + 1 != argc || (a.key && !img_digest_valid(a.key))) {
		build_args_release(&a);
		return usage("layer-commit: [--key DIGEST] DIR");
	}
	/* a build step's (keyed) layer must not depend on when it ran */
	if (img_layer_from_dir(argv[i], NULL,
			       IMG_LAYER_UPPER |
				       (a.key ? IMG_LAYER_NO_MTIME : 0),
			       diffid, &dir, &err) < 0 ||
	    (a.key && img_cache_put(a.key, diffid, &err) < 0)) {
		free(dir);
		build_args_release(&a);
		return fail(&err);
	}
	print_field("layer", dir, false);
	print_field("digest", diffid, false);
	free(dir);
	build_args_release(&a);
	return 0;
}

/* build-image --tag NAME [--base REF] [--layer DIFFID]... [--env K=V]...
 * [--workdir D] [--user U] [--cmd ARG]... */
static int cmd_build_image(int argc, char **argv)
{
	struct build_args a = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	char digest[IMG_DIGEST_LEN];
	int i = parse_opts(argc, argv, build_lo, "", build_opt, &a);

	if (i < 0 || i != argc || !a.name) {
		build_args_release(&a);
		return usage("build-image: needs --tag NAME");
	}
	_cleanup_free_ char *name = img_ref_given_name(a.name, &err);
	if (!name) {
		build_args_release(&a);
		return fail(&err);
	}
	struct img_build_config cfg = {
		a.env.n ? a.env.v : NULL,
		a.workdir,
		a.user,
		a.has_cmd ? a.cmd.v : NULL,
	};
	if (img_build_image(name, a.base, a.layers.v, &cfg, digest, &err) < 0) {
		build_args_release(&a);
		return fail(&err);
	}
	printf("%s: %s\n", name, digest);
	build_args_release(&a);
	return 0;
}

int img_cli(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "pull", cmd_pull },
		{ "ls", cmd_ls },
		{ "list", cmd_ls },
		{ "inspect", cmd_inspect },
		{ "push", cmd_push },
		{ "import", cmd_import },
		{ "export", cmd_export },
		{ "tag", cmd_tag },
		{ "rm", cmd_rm },
		{ "prune", cmd_prune },
		{ "resolve", cmd_resolve },
		{ "build-step", cmd_build_step },
		{ "layer-commit", cmd_layer_commit },
		{ "build-image", cmd_build_image },
	};

	if (argc < 2)
		return usage(NULL);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		for (int k = 2; k < argc && strcmp(argv[k], "--"); k++)
			if (!strcmp(argv[k], "--help") ||
			    !strcmp(argv[k], "-h"))
				return sub_help(cmds[i].name);
		return cmds[i].fn(argc - 1, argv + 1);
	}
	cs_cli_err("image: unknown command '%s'", argv[1]);
	return usage(NULL);
}
