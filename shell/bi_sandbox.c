// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * bi_sandbox.c — the `sandbox` (alias `sb`) builtin: the command line over
 * sandbox/sandbox.h.  One function per subcommand; create and run share
 * parse_create_opts().  Usage errors return 2, failures 1, `run` and
 * `exec` the command's own status.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "scheduler/scheduler.h"
#include "shell/shell_i.h"
#include "shell/target_i.h"
#include "vm/vm.h"
#include "shell/up_i.h"

#define OPTIONS_TEXT                                                           \
	"options: --image REF  --insecure (pull REF over plain http)\n"        \
	"         --layer DIR (repeatable, top first)  --mount SRC:DST[:ro]\n" \
	"         --env K=V  --workdir D  --hostname H  --user UID[:GID]\n"    \
	"         --cpus N  --memory SIZE  --pids N|max (default 2048)\n"      \
	"         --net none|host|private|private:host|slirp\n"                \
	"         --cap-add CAP  --cap-drop CAP\n"                             \
	"         --seccomp default|unconfined|FILE  --read-only\n"            \
	"         --trace FILE (create: record exec/open/connect events)\n"

#define KERNEL_TEXT                                                             \
	"         --kernel VERSION|PATH|DEB  a VM with that kernel (--image,\n" \
	"         --layer, --mount, --env, --workdir, --hostname, --cpus,\n"    \
	"         --memory and --read-only apply)\n"

#define ON_TEXT                                                                   \
	"         --on HOST|SPEC|auto  on the SSH host that fits (--label K=V,\n" \
	"         --arch A, --kernel, --cpus and --memory filter; least\n"        \
	"         allocated first, or --spread, --binpack; --replicas N makes\n"  \
	"         NAME-1..NAME-N, one per host first)\n"

/* One subcommand's usage, for `sandbox SUB --help` (podman's way). */
static const struct {
	const char *name, *text;
} sub_usage[] = {
	{ "create",
	  "usage: sandbox create NAME [options]\n" OPTIONS_TEXT KERNEL_TEXT
		  ON_TEXT },
	{ "run", "usage: sandbox run [options] [--] CMD [ARG...]\n" OPTIONS_TEXT
			 KERNEL_TEXT },
	{ "exec", "usage: sandbox exec NAME [--] CMD [ARG...]\n" },
	{ "ls", "usage: sandbox ls [--json|--names] [--local]\n" },
	{ "inspect", "usage: sandbox inspect NAME [--json | --files]\n" },
	{ "stop", "usage: sandbox stop NAME\n" },
	{ "start", "usage: sandbox start NAME\n" },
	{ "logs", "usage: sandbox logs NAME\n" },
	{ "diff", "usage: sandbox diff NAME\n" },
	{ "rm", "usage: sandbox rm [-f] NAME...\n" },
	{ "commit", "usage: sandbox commit NAME DIR | --image REF\n" },
	{ "stats", "usage: sandbox stats [NAME...] [--json]\n" },
};

static const char usage_text[] =
	"usage: sandbox create NAME [options]\n"
	"       sandbox run [options] [--kernel K] -- CMD [ARG...]\n"
	"       sandbox exec NAME [--] CMD [ARG...]\n"
	"       sandbox ls [--json|--names] [--local]\n"
	"       sandbox inspect NAME [--json | --files]\n"
	"       sandbox stop|start|logs|diff NAME\n"
	"       sandbox rm [-f] NAME...\n"
	"       sandbox commit NAME DIR | --image REF\n"
	"       sandbox stats [NAME...] [--json]\n"
	"       sandbox SUBCOMMAND --help\n" OPTIONS_TEXT KERNEL_TEXT ON_TEXT;

static int usage(struct sh *sh, const char *fmt, const char *arg)
{
	if (fmt) {
		char msg[256];

		snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
		sh_err(sh, "sandbox: %s", msg);
	}
	fputs(usage_text, stderr);
	return 2;
}

static int fail(struct sh *sh, struct cs_error *err)
{
	sh_err(sh, "%s", err->msg ? err->msg : "sandbox: failed");
	cs_error_release(err);
	return 1;
}

/* "--opt VAL" or "--opt=VAL": returns VAL or NULL (not this option). */
static const char *optval(int argc, char **argv, int *i, const char *opt,
			  int *missing)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* --image REF and how to pull it */
struct image_opt {
	const char *ref;
	int insecure; /* --insecure: plain http for REF's registry */
};

/* Parses create options from argv[*i] on; stops at "--" (consumed) or the
 * first non-option.  Returns 0, 2 (usage, printed) or 1 (bad value,
 * printed). */
static int parse_create_opts(struct sh *sh, int argc, char **argv, int *i,
			     struct sbx_spec *spec, struct image_opt *image)
{
	struct cs_error err = CS_ERROR_INIT;

	for (; *i < argc; (*i)++) {
		const char *a = argv[*i], *v;
		int missing = 0, r = 0;
		uint64_t mask;

		if (!strcmp(a, "--")) {
			(*i)++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--read-only")) {
			spec->read_only = 1;
			continue;
		}
		if (!strcmp(a, "--insecure")) {
			image->insecure = 1;
			continue;
		}
		if ((v = optval(argc, argv, i, "--layer", &missing))) {
			r = sbx_parse_layer(spec, v, &err);
		} else if ((v = optval(argc, argv, i, "--image", &missing))) {
			if (image->ref)
				return usage(sh, "only one --image%s", "");
			image->ref = v;
		} else if ((v = optval(argc, argv, i, "--mount", &missing))) {
			r = sbx_parse_mount(spec, v, &err);
		} else if ((v = optval(argc, argv, i, "--env", &missing))) {
			if (!strchr(v, '=') || v[0] == '=')
				return usage(sh, "invalid --env '%s' (use K=V)",
					     v);
			sbx_spec_add_env(spec, v);
		} else if ((v = optval(argc, argv, i, "--trace", &missing))) {
			free(spec->trace);
			spec->trace = v[0] == '/' ? xstrdup(v) : NULL;
			if (!spec->trace) {
				char cwd[4096];

				if (!getcwd(cwd, sizeof(cwd)))
					return usage(sh,
						     "--trace '%s': no "
						     "current directory",
						     v);
				spec->trace = xasprintf("%s/%s", cwd, v);
			}
		} else if ((v = optval(argc, argv, i, "--workdir", &missing))) {
			if (v[0] != '/')
				return usage(sh,
					     "--workdir '%s' must be an "
					     "absolute path",
					     v);
			free(spec->workdir);
			spec->workdir = xstrdup(v);
		} else if ((v = optval(argc, argv, i, "--hostname",
				       &missing))) {
			if (!*v || strlen(v) > 64)
				return usage(sh, "invalid --hostname '%s'", v);
			free(spec->hostname);
			spec->hostname = xstrdup(v);
		} else if ((v = optval(argc, argv, i, "--user", &missing))) {
			r = sbx_parse_user(v, &spec->uid, &spec->gid, &err);
		} else if ((v = optval(argc, argv, i, "--cpus", &missing))) {
			r = sbx_parse_cpus(v, &spec->cpus_milli, &err);
		} else if ((v = optval(argc, argv, i, "--memory", &missing))) {
			r = sbx_parse_size(v, &spec->memory, &err);
			if (!r && spec->memory < (4 << 20))
				return usage(sh,
					     "--memory '%s' is too small "
					     "(at least 4m)",
					     v);
		} else if ((v = optval(argc, argv, i, "--pids", &missing))) {
			r = sbx_parse_pids(v, &spec->pids, &err);
		} else if ((v = optval(argc, argv, i, "--net", &missing))) {
			r = sbx_parse_net_opt(spec, v, &err);
		} else if ((v = optval(argc, argv, i, "--cap-add", &missing))) {
			r = sbx_parse_cap(v, &mask, &err);
			spec->cap_add |= r ? 0 : mask;
			spec->cap_drop &= r ? ~0ULL : ~mask;
		} else if ((v = optval(argc, argv, i, "--cap-drop",
				       &missing))) {
			r = sbx_parse_cap(v, &mask, &err);
			spec->cap_drop |= r ? 0 : mask;
		} else if ((v = optval(argc, argv, i, "--seccomp", &missing))) {
			free(spec->seccomp_file);
			spec->seccomp_file = NULL;
			if (!strcmp(v, "default")) {
				spec->seccomp = SBX_SECCOMP_DEFAULT;
			} else if (!strcmp(v, "unconfined")) {
				spec->seccomp = SBX_SECCOMP_UNCONFINED;
			} else {
				spec->seccomp = SBX_SECCOMP_FILE;
				spec->seccomp_file = xstrdup(v);
			}
		} else if (missing) {
			return usage(sh, "option '%s' needs a value", a);
		} else {
			return usage(sh, "unknown option '%s'", a);
		}
		if (missing)
			return usage(sh, "option '%s' needs a value", a);
		if (r < 0) {
			sh_err(sh, "sandbox: %s", err.msg);
			cs_error_release(&err);
			return 2;
		}
	}
	return 0;
}

/*
 * --image REF: cshell-image resolves (and pulls when missing) the image
 * and prints its layers and config on stdout; its stderr stays ours, so
 * a pull shows its progress bar on a terminal and its errors, as `image
 * pull` does.  The image's layers go below any --layer dirs, its Env
 * before the --env entries (so those win), its WorkingDir and User apply
 * unless given; *cmd gets its Entrypoint+Cmd.
 */
static int apply_image(struct sh *sh, const struct image_opt *image,
		       struct sbx_spec *spec, char ***cmd)
{
	const char *ref = image->ref;
	char *argv[7];
	struct cs_buf out = CS_BUF_INIT;
	char **env = NULL;
	size_t nenv = 0, ncmd = 0;
	int n = 0;

	free(spec->image);
	spec->image = xstrdup(ref); /* what ls and inspect show */
	argv[n++] = sh_helper_path(sh, "cshell-image");
	argv[n++] = "resolve";
	argv[n++] = "--nul";
	if (image->insecure)
		argv[n++] = "--insecure";
	argv[n++] = "--";
	argv[n++] = (char *)ref;
	argv[n] = NULL;
	cs_buf_init(&out, 1u << 20);
	int st = sh_capture(sh, argv, &out, false);
	if (st != 0) {
		cs_buf_release(&out);
		/* 130: cshell-image said the pull was interrupted; another
		 * signal status: it was killed and could say nothing */
		if (st == 130)
			sh_err(sh,
			       "sandbox: not %s: the pull of image '%s' "
			       "was interrupted",
			       cmd ? "run" : "created", ref);
		else if (st > 128)
			sh_err(sh,
			       "sandbox: cannot use image '%s': "
			       "cshell-image was killed by signal %d",
			       ref, st - 128);
		else
			sh_err(sh,
			       "sandbox: cannot use image '%s' (see the "
			       "error above)",
			       ref);
		return 1;
	}
	/* "KEY=VALUE\0" records (image/cli.c, resolve --nul): any value
	 * a C string holds, newlines included */
	for (char *rec = out.buf; rec < out.buf + out.len;
	     rec += strlen(rec) + 1) {
		char *eq = strchr(rec, '=');

		if (!eq)
			continue;
		*eq = 0;
		const char *key = rec, *val = eq + 1;
		if (!strcmp(key, "layer")) {
			sbx_spec_add_layer(spec, val);
		} else if (!strcmp(key, "env")) {
			env = xrealloc(env, (nenv + 2) * sizeof(char *));
			env[nenv++] = xstrdup(val);
			env[nenv] = NULL;
		} else if (!strcmp(key, "workdir") && !spec->workdir) {
			spec->workdir = xstrdup(val);
		} else if (!strcmp(key, "user") && spec->uid < 0) {
			struct cs_error err = CS_ERROR_INIT;
			if (sbx_parse_user(val, &spec->uid, &spec->gid, &err) <
			    0) {
				sh_err(sh,
				       "sandbox: warning: image user '%s' "
				       "is not numeric; running as root",
				       val);
				cs_error_release(&err);
			}
		} else if (!strcmp(key, "argv") && cmd) {
			*cmd = xrealloc(*cmd, (ncmd + 2) * sizeof(char *));
			(*cmd)[ncmd++] = xstrdup(val);
			(*cmd)[ncmd] = NULL;
		}
		*eq = '=';
	}
	cs_buf_release(&out);
	/* the image's Env first, so --env entries override it */
	for (size_t k = 0; k < spec->nenv; k++) {
		env = xrealloc(env, (nenv + 2) * sizeof(char *));
		env[nenv++] = spec->env[k];
		env[nenv] = NULL;
	}
	free(spec->env);
	spec->env = env;
	spec->nenv = nenv;
	return 0;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* --kernel: a VM (vm/).  Booting needs libarchive and libcrypto, so like
 * images it runs in a helper program, cshell-vm, which takes the same
 * options (and names the ones a VM does not support): `cshell-vm boot
 * NAME …` for create, `cshell-vm run … -- CMD` for run (an ephemeral VM:
 * booted, the command, removed).  --image is resolved here, as for a
 * sandbox, and handed over as its layers, Env and WorkingDir (and its
 * name, which the VM's record keeps for ls and inspect).  first: the
 * first option of argv. */
static int create_vm(struct sh *sh, int argc, char **argv, int first)
{
	const char *name = first == 3 ? argv[2] : NULL;
	char **v;
	struct sbx_spec img;
	struct sbx_info info;
	int n = 0, r = 0, end = argc;

	if (name && sbx_inspect(name, &info, NULL) == 0) {
		sbx_info_release(&info);
		sh_err(sh, "sandbox: sandbox '%s' already exists", name);
		return 1;
	}
	/* the options end at "--" (what follows is run's command) */
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			end = i;
			break;
		}
	sbx_spec_init(&img);
	struct image_opt image = { 0 };
	for (int i = first; i < end; i++) {
		if (!strcmp(argv[i], "--image") && i + 1 < end)
			image.ref = argv[++i];
		else if (!strncmp(argv[i], "--image=", 8))
			image.ref = argv[i] + 8;
		else if (!strcmp(argv[i], "--insecure"))
			image.insecure = 1;
	}
	if (image.ref)
		r = apply_image(sh, &image, &img, NULL);
	v = arena_alloc(sh->stack, (argc + 8 + 2 * (img.nenv + img.nlayers)) *
					   sizeof(char *));
	v[n++] = sh_helper_path(sh, "cshell-vm");
	v[n++] = name ? "boot" : "run";
	if (name)
		v[n++] = (char *)name;
	/* the image's Env and WorkingDir first: later options win */
	for (size_t i = 0; !r && i < img.nenv; i++) {
		v[n++] = "--env";
		v[n++] = img.env[i];
	}
	if (!r && img.workdir) {
		v[n++] = "--workdir";
		v[n++] = img.workdir;
	}
	if (!r && image.ref) {
		v[n++] = "--image";
		v[n++] = (char *)image.ref;
	}
	for (int i = first; i < end; i++)
		if (!strcmp(argv[i], "--image"))
			i++;
		else if (strncmp(argv[i], "--image=", 8) &&
			 strcmp(argv[i], "--insecure"))
			v[n++] = argv[i];
	/* its layers below any --layer */
	for (size_t i = 0; !r && i < img.nlayers; i++) {
		v[n++] = "--layer";
		v[n++] = img.layers[i];
	}
	for (int i = end; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	if (!r)
		r = sh_exec_external_wait(sh, v);
	sbx_spec_release(&img);
	return r;
}

/* `sandbox start` of a VM: booting is cshell-vm's (see create_vm). */
static int start_vm(struct sh *sh, const char *name)
{
	char *v[] = { sh_helper_path(sh, "cshell-vm"), "start", (char *)name,
		      NULL };

	return sh_exec_external_wait(sh, v);
}

/* ---------------------------------------------------------------- */
/* Sandboxes on other hosts (scheduler/, docs/hosts.md): `create --on`
 * runs `cshell-hosts create`, which places and creates them through the
 * host's own cshell and records where each lives; the other subcommands
 * of a remote sandbox run `sandbox SUB` over ssh on its host. */

/* Options of placement, for cshell-hosts create; --cpus, --memory and
 * --kernel are placement rules too (and limits, or a VM, on the host). */
static bool is_place_opt(const char *a, bool *flag)
{
	static const char *const with_value[] = { "--on",      "--label",
						  "--kernel",  "--arch",
						  "--cpus",    "--memory",
						  "--replicas" };
	size_t n;

	*flag = !strcmp(a, "--spread") || !strcmp(a, "--binpack");
	if (*flag)
		return true;
	for (size_t i = 0; i < CS_ARRAY_SIZE(with_value); i++) {
		n = strlen(with_value[i]);
		if (!strncmp(a, with_value[i], n) && (!a[n] || a[n] == '='))
			return true;
	}
	return false;
}

/* Every create option but --read-only and --insecure takes a value. */
static bool takes_value(const char *a)
{
	return strcmp(a, "--read-only") && strcmp(a, "--insecure") &&
	       !strchr(a, '=');
}

/* The value of a placement option, checked here so that a typo reads as
 * for a local create: 0, or 2 (said). */
static int check_place_value(struct sh *sh, const char *opt, const char *v)
{
	struct cs_error err = CS_ERROR_INIT;
	uint64_t u;
	char *e;
	long n;
	int r = 0;

	if (!strncmp(opt, "--cpus", 6))
		r = sbx_parse_cpus(v, &u, &err);
	else if (!strncmp(opt, "--memory", 8))
		r = sbx_parse_size(v, &u, &err);
	else if (!strncmp(opt, "--label", 7) && (!strchr(v, '=') || *v == '='))
		r = cs_error_set(&err, 0, "invalid --label '%s' (use K=V)", v);
	else if (!strncmp(opt, "--replicas", 10) &&
		 ((n = strtol(v, &e, 10)) < 1 || n > 1000 || *e))
		r = cs_error_set(&err, 0, "invalid --replicas '%s' (1 to 1000)",
				 v);
	if (r < 0) {
		sh_err(sh, "sandbox: %s", err.msg);
		cs_error_release(&err);
		return 2;
	}
	return 0;
}

static bool local_sandbox(const char *name)
{
	struct sbx_info info;

	if (sbx_inspect(name, &info, NULL) < 0)
		return false;
	sbx_info_release(&info);
	return true;
}

static int create_remote(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_strvec place = CS_STRVEC_INIT, rest = CS_STRVEC_INIT;
	struct sbx_spec scratch;
	struct image_opt image = { 0 };
	int r = 0, i;

	if (sbx_check_name(argv[2], &err) < 0) {
		sh_err(sh, "sandbox: %s", err.msg);
		cs_error_release(&err);
		return 2;
	}
	cs_strvec_push(&place, sh_helper_path(sh, "cshell-hosts"));
	cs_strvec_push(&place, "create");
	cs_strvec_push(&place, argv[2]);
	cs_strvec_push(&rest, "--");
	for (i = 3; i < argc && !r; i++) {
		bool flag;
		struct cs_strvec *to =
			is_place_opt(argv[i], &flag) ? &place : &rest;

		if (argv[i][0] != '-' || !strcmp(argv[i], "--")) {
			r = usage(sh, "create: unexpected argument '%s'",
				  argv[i]);
		} else if (!strncmp(argv[i], "--trace", 7)) {
			r = usage(sh,
				  "create: --trace records on this "
				  "machine only, not with --on%s",
				  "");
		} else if (!flag && takes_value(argv[i]) && i + 1 >= argc) {
			r = usage(sh, "option '%s' needs a value", argv[i]);
		} else {
			const char *opt = argv[i], *eq = strchr(opt, '=');

			cs_strvec_push(to, opt);
			if (!flag && takes_value(opt))
				cs_strvec_push(to, argv[++i]);
			if (to == &place && !flag)
				r = check_place_value(sh, opt,
						      eq ? eq + 1 : argv[i]);
		}
	}
	/* the options the host's cshell gets, checked here first: a typo
	 * is a usage error before any host is asked */
	sbx_spec_init(&scratch);
	i = 1;
	if (!r)
		r = parse_create_opts(sh, (int)rest.n, rest.v, &i, &scratch,
				      &image);
	sbx_spec_release(&scratch);
	for (size_t k = 0; !r && k < rest.n; k++)
		cs_strvec_push(&place, rest.v[k]);
	if (!r && (local_sandbox(argv[2]) || vm_known(argv[2]))) {
		sh_err(sh, "sandbox: '%s' already exists on this machine",
		       argv[2]);
		r = 1;
	}
	if (!r)
		r = sh_exec_external_wait(sh, place.v);
	cs_strvec_release(&place);
	cs_strvec_release(&rest);
	return r;
}

/* NAME as a sandbox of another host: "HOST/SB", or a name that the
 * placement record holds and that is no local sandbox or VM.  Returns 1
 * with *h (release it) and *sb set, 0 when NAME is local, -1 (said). */
static int remote_of(struct sh *sh, const char *name, struct sch_host *h,
		     const char **sb)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;
	struct sch_remotes rem = { 0 };
	const struct sch_remote *r = NULL;
	const char *slash = strchr(name, '/');
	_cleanup_free_ char *host = NULL;
	const struct sch_host *found;

	if (slash) {
		host = xstrndup(name, slash - name);
		*sb = slash + 1;
	} else {
		if (local_sandbox(name) || vm_known(name) ||
		    sch_remotes_load(&rem, NULL) < 0)
			return 0;
		r = sch_remotes_find(&rem, name);
		host = r ? xstrdup(r->host) : NULL;
		*sb = name;
		sch_remotes_release(&rem);
		if (!host)
			return 0;
	}
	if (sch_inventory_load(&inv, &err) < 0)
		return fail(sh, &err), -1;
	found = sch_inventory_find(&inv, host);
	if (found)
		sch_host_copy(h, found);
	else
		sh_err(sh,
		       "sandbox: '%s' lives on host '%s', which is not in "
		       "the inventory (see 'host ls')",
		       name, host);
	sch_inventory_release(&inv);
	return found ? 1 : -1;
}

/* Runs `sandbox ARGV…` on h through its cshell: a terminal when this is
 * one (exec), the command's status. */
static int run_remote(struct sh *sh, const struct sch_host *h, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *cmd = sch_remote_cshell("sandbox", argv);
	struct sch_ssh_opts o = { 0 };
	char **v;
	int st;

	o.tty = isatty(0) && isatty(1) && !strcmp(argv[0], "exec");
	v = sch_ssh_argv(h, cmd, &o, &err);
	if (!v)
		return fail(sh, &err);
	st = sh_exec_external_wait(sh, v);
	sch_argv_free(v);
	return st;
}

/* SUB NAME ARGS… of a remote NAME: its host runs `sandbox SUB SB ARGS…`
 * (argv[0] is SUB, argv[k] NAME).  Returns -1 when NAME is local. */
static int remote_sub(struct sh *sh, int argc, char **argv, int k)
{
	struct sch_host h;
	const char *sb;
	int r = remote_of(sh, argv[k], &h, &sb);
	char **v;

	if (r <= 0)
		return r < 0 ? 1 : -1;
	v = arena_alloc(sh->stack, (argc + 1) * sizeof(char *));
	memcpy(v, argv, argc * sizeof(char *));
	v[k] = (char *)sb;
	v[argc] = NULL;
	r = run_remote(sh, &h, v);
	sch_host_release(&h);
	return r;
}

/* rm of a remote sandbox: on its host, then forgotten here. */
static int rm_remote(struct sh *sh, const char *name, int force, int *done)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_host h;
	const char *sb;
	int r = remote_of(sh, name, &h, &sb), k = 0;
	char *v[4];

	*done = r != 0;
	if (r <= 0)
		return r < 0;
	v[k++] = "rm";
	if (force)
		v[k++] = "-f";
	v[k++] = (char *)sb;
	v[k] = NULL;
	r = run_remote(sh, &h, v) ? 1 : 0;
	if (!r && sch_remote_rm(sb, h.name, &err) < 0)
		r = fail(sh, &err);
	sch_host_release(&h);
	return r;
}

/* One row of `sandbox ls` from another host (cshell-hosts sandboxes:
 * host, name, state, pid, backend, layers, JSON, each NUL-terminated). */
struct remote_row {
	const char *f[7];
};

enum {
	R_HOST,
	R_NAME,
	R_STATE,
	R_PID,
	R_BACKEND,
	R_LAYERS,
	R_JSON
};

/* The sandboxes of every host in the inventory (none when it is empty:
 * then nothing is asked).  *rows point into out. */
static size_t remote_rows(struct sh *sh, struct cs_buf *out,
			  struct remote_row **rows)
{
	struct sch_inventory inv;
	char *v[] = { sh_helper_path(sh, "cshell-hosts"), "sandboxes", NULL };
	size_t n = 0, f = 0;

	*rows = NULL;
	if (sch_inventory_load(&inv, NULL) < 0 || !inv.n)
		return 0;
	sch_inventory_release(&inv);
	cs_buf_init(out, 16u << 20);
	sh_capture(sh, v, out, false);
	for (char *p = out->buf; p && p < out->buf + out->len;
	     p += strlen(p) + 1) {
		if (!f) {
			*rows = xrealloc(*rows, (n + 1) * sizeof(**rows));
			n++;
		}
		(*rows)[n - 1].f[f] = p;
		f = (f + 1) % 7;
	}
	return f ? n - 1 : n; /* a cut record is dropped */
}

/* An option that means something only with --on. */
static bool only_placement(const char *a)
{
	static const char *const opts[] = { "--label", "--arch", "--replicas",
					    "--spread", "--binpack" };

	for (size_t i = 0; i < CS_ARRAY_SIZE(opts); i++) {
		size_t n = strlen(opts[i]);

		if (!strncmp(a, opts[i], n) && (!a[n] || a[n] == '='))
			return true;
	}
	return false;
}

static int cmd_create(struct sh *sh, int argc, char **argv)
{
	struct sbx_spec spec;
	struct cs_error err = CS_ERROR_INIT;
	int i = 2, r;

	if (argc < 3 || argv[2][0] == '-')
		return usage(sh, "create: missing sandbox NAME%s", "");
	for (i = 3; i < argc; i++)
		if (!strcmp(argv[i], "--on") || !strncmp(argv[i], "--on=", 5))
			return create_remote(sh, argc, argv);
	for (i = 3; i < argc; i++)
		if (only_placement(argv[i]))
			return usage(
				sh,
				"create: %s places on SSH hosts: it needs --on HOST|auto",
				argv[i]);
	for (i = 3; i < argc; i++)
		if (!strcmp(argv[i], "--kernel") || !strcmp(argv[i], "--vm"))
			return create_vm(sh, argc, argv, 3);
	if (vm_known(argv[2])) {
		sh_err(sh, "sandbox: a VM '%s' already exists", argv[2]);
		return 1;
	}
	sbx_spec_init(&spec);
	spec.name = xstrdup(argv[2]);
	i = 3;
	struct image_opt image = { 0 };
	r = parse_create_opts(sh, argc, argv, &i, &spec, &image);
	if (!r && i < argc)
		r = usage(sh, "create: unexpected argument '%s'", argv[i]);
	if (!r && image.insecure && !image.ref)
		r = usage(sh, "create: --insecure needs --image%s", "");
	if (!r && image.ref)
		r = apply_image(sh, &image, &spec, NULL);
	if (!r && sbx_check_name(spec.name, &err) < 0) {
		sh_err(sh, "sandbox: %s", err.msg);
		cs_error_release(&err);
		r = 2;
	}
	if (!r && sbx_create(&spec, &err) < 0)
		r = fail(sh, &err);
	/* --trace: the recorder, or no sandbox (it was asked for with it) */
	if (!r && spec.trace && sh_trace_start(sh, spec.name, spec.trace) < 0) {
		sh_err(sh,
		       "sandbox: '%s' not created: its events could not "
		       "be recorded",
		       spec.name);
		if (sbx_rm(spec.name, 1, &err) < 0)
			cs_error_release(&err);
		r = 1;
	}
	sbx_spec_release(&spec);
	return r;
}

struct run_job {
	struct sh *sh;
	const struct sbx_spec *spec;
	char **argv;
	int forked; /* in a job's child of its own */
};

static int run_job_main(void *arg)
{
	struct run_job *rj = arg;
	struct cs_error err = CS_ERROR_INIT;
	int r = sbx_run(rj->spec, rj->argv, &err);

	if (r < 0) {
		fail(rj->sh, &err);
		r = 125;
	}
	/* the command died of a signal: so does the job, and the shell
	 * reports it as for any command (the newline after ^C) */
	if (rj->forked && r > 128 && r < 128 + NSIG) {
		fflush(NULL);
		signal(r - 128, SIG_DFL);
		raise(r - 128);
	}
	return r;
}

static int cmd_run(struct sh *sh, int argc, char **argv)
{
	struct sbx_spec spec;
	int i = 2, r;

	for (int k = 2; k < argc && strcmp(argv[k], "--"); k++)
		if (!strcmp(argv[k], "--kernel") || !strcmp(argv[k], "--vm"))
			return create_vm(sh, argc, argv, 2);
	sbx_spec_init(&spec);
	struct image_opt image = { 0 };
	char **imgcmd = NULL;
	r = parse_create_opts(sh, argc, argv, &i, &spec, &image);
	if (!r && spec.trace)
		r = usage(sh,
			  "run: --trace is for create (a run's events: "
			  "'monitor' while it runs)%s",
			  "");
	if (!r && image.insecure && !image.ref)
		r = usage(sh, "run: --insecure needs --image%s", "");
	if (!r && image.ref)
		r = apply_image(sh, &image, &spec, &imgcmd);
	/* no command: the image's Entrypoint and Cmd, as docker run does */
	char **cmdv = i < argc ? argv + i : imgcmd;
	if (!r && !cmdv)
		r = usage(sh, "run: missing command%s", "");
	if (!r) {
		/* a job of its own: the command is in its process group, so
		 * ^Z stops it and `fg` resumes it, as for `@dev cmd` */
		struct run_job rj = { sh, &spec, cmdv, 0 };
		_cleanup_free_ char *text = job_text_argv(argc, argv, NULL);

		/* without job control (a script) in this process, so that
		 * a TERM to the shell ends and removes the sandbox */
		if (jobs_control_active(sh)) {
			rj.forked = 1;
			r = sh_run_as_job(sh, text, run_job_main, &rj);
		} else {
			r = run_job_main(&rj);
		}
	}
	free_strv(imgcmd);
	sbx_spec_release(&spec);
	return r;
}

/* NAME is a VM (vm/, running or stopped) and no sandbox record has that
 * name. */
static bool is_vm(const char *name)
{
	struct sbx_info info;

	if (!vm_known(name))
		return false;
	if (sbx_inspect(name, &info, NULL) == 0) {
		sbx_info_release(&info);
		return false;
	}
	return true;
}

struct exec_job {
	const char *name;
	char **argv;
};

/* In the job's child: join, then exec through the sandbox's image. */
static int exec_job_main(void *arg)
{
	struct exec_job *ej = arg;
	struct cs_error err = CS_ERROR_INIT;

	if (sbx_join(ej->name, &err) < 0) {
		cs_error_print(&err, "cshell");
		return 125;
	}
	errno = -sbx_exec(ej->argv[0], ej->argv, environ);
	fprintf(stderr, "cshell: %s: %s\n", ej->argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* In the job's child: the command in a VM, relayed (as `@NAME cmd`). */
static int exec_vm_main(void *arg)
{
	struct exec_job *ej = arg;
	struct cs_error err = CS_ERROR_INIT;
	struct vm_exec_opts o = {
		.argv = ej->argv, .tty = -1, .out = 1, .errfd = 2
	};
	int st = vm_exec(ej->name, &o, &err);

	if (st < 0) {
		cs_error_print(&err, "cshell");
		return 125;
	}
	return st;
}

static int cmd_exec(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_info info;
	int i = 3;

	if (argc < 3)
		return usage(sh, "exec: missing sandbox NAME%s", "");
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage(sh, "exec: missing command%s", "");
	int r = remote_sub(sh, argc - 1, argv + 1, 1);
	if (r >= 0)
		return r;
	if (is_vm(argv[2])) {
		sbx_join_prepare();
		struct exec_job ej = { argv[2], argv + i };
		_cleanup_free_ char *text = job_text_argv(argc, argv, NULL);

		if (!vm_exists(argv[2])) {
			sh_err(sh,
			       "sandbox: VM '%s' is not running ('sandbox "
			       "start %s' starts it)",
			       argv[2], argv[2]);
			return 1;
		}
		return sh_run_as_job(sh, text, exec_vm_main, &ej);
	}
	/* report "no such sandbox" before forking */
	if (sbx_inspect(argv[2], &info, &err) < 0)
		return fail(sh, &err);
	sbx_info_release(&info);
	sbx_join_prepare();
	struct exec_job ej = { argv[2], argv + i };
	_cleanup_free_ char *text = job_text_argv(argc, argv, NULL);

	return sh_run_as_job(sh, text, exec_job_main, &ej);
}

static int want_json(int argc, char **argv, int from, const char **name)
{
	int json = 0;

	*name = NULL;
	for (int i = from; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-')
			return -1;
		else if (!*name)
			*name = argv[i];
		else
			return -1;
	}
	return json;
}

/* What the LAYERS column says: the image a sandbox was made from (its
 * layers are digests nobody recognises), else the layer directories. */
static void layers_text(const struct sbx_spec *s, struct cs_buf *out)
{
	if (s->image) {
		cs_buf_adds(out, s->image);
	} else {
		for (size_t l = 0; l < s->nlayers; l++)
			cs_buf_addf(out, "%s%s", l ? ":" : "", s->layers[l]);
	}
	if (s->read_only)
		cs_buf_adds(out, " (ro)");
}

/* The `ls` table, each column as wide as its longest entry (a long name
 * must not shift the columns after it), rows of remote_row's fields.  The
 * HOST column (`-` for this machine) when hosts are in the inventory. */
static void print_rows(const struct remote_row *r, size_t n, bool host)
{
	static const char *const head[] = { "HOST", "NAME",    "STATE",
					    "PID",  "BACKEND", "LAYERS" };
	int w[R_LAYERS] = { 0 };

	for (int c = host ? R_HOST : R_NAME; c < R_LAYERS; c++) {
		w[c] = (int)strlen(head[c]);
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(r[i].f[c]) > w[c])
				w[c] = (int)strlen(r[i].f[c]);
	}
	for (size_t i = 0; i <= n; i++) {
		const char *const *f = i ? r[i - 1].f : head;

		for (int c = host ? R_HOST : R_NAME; c < R_LAYERS; c++)
			printf("%-*s  ", w[c], f[c]);
		printf("%s\n", f[R_LAYERS]);
	}
}

/* The table of the local sandboxes and VMs, then the remote ones; the
 * reason of each dead local sandbox after it, on stderr, with what to
 * do. */
static void print_table(const struct sbx_info *list, size_t n,
			const struct remote_row *remote, size_t nr, bool host)
{
	struct remote_row *rows = xcalloc(n + nr + 1, sizeof(*rows));
	char **own = xcalloc(2 * n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		const struct sbx_spec *s = &list[i].spec;
		struct cs_buf b = CS_BUF_INIT;

		cs_buf_adds(&b, "");
		layers_text(s, &b);
		own[2 * i] = xasprintf("%d", (int)list[i].init_pid);
		own[2 * i + 1] = cs_buf_detach(&b, NULL);
		rows[i] = (struct remote_row){
			{ "-", s->name, sbx_state_name(list[i].state),
			  own[2 * i], sbx_backend_name(s->backend),
			  own[2 * i + 1], NULL }
		};
	}
	if (nr)
		memcpy(rows + n, remote, nr * sizeof(*rows));
	print_rows(rows, n + nr, host);
	fflush(stdout);
	for (size_t i = 0; i < 2 * n; i++)
		free(own[i]);
	free(own);
	free(rows);
	for (size_t i = 0; i < n; i++)
		if (list[i].dead_reason)
			fprintf(stderr,
				"sandbox '%s' is dead: %s ('sandbox start %s' "
				"starts it again, 'sandbox rm %s' removes "
				"it)\n",
				list[i].spec.name, list[i].dead_reason,
				list[i].spec.name, list[i].spec.name);
}

/* VMs (vm/) keep their own record (vm/record.c): added to the sandboxes'
 * list as struct sbx_info of backend vm, sorted in by name, so the table
 * and the JSON are one for both. */
static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct sbx_info *)a)->spec.name,
		      ((const struct sbx_info *)b)->spec.name);
}

static void add_vms(struct sbx_info **list, size_t *n, struct cs_buf *json)
{
	char **vms = vm_names();
	size_t n0 = *n;

	for (char **p = vms; *p; p++) {
		struct vm_info vi;

		if (vm_inspect(*p, &vi, NULL) == 0) {
			*list = xrealloc(*list, (*n + 1) * sizeof(**list));
			vm_info_sbx(&vi, &(*list)[(*n)++]);
			if (json) {
				cs_buf_adds(json, json->len > 1 ? "," : "");
				vm_info_json(&vi, json);
			}
			vm_info_release(&vi);
		}
		free(*p);
	}
	free(vms);
	if (*n > n0)
		qsort(*list, *n, sizeof(**list), cmp_info);
}

static int cmd_ls(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_info *list;
	size_t n;
	const char *extra = NULL;
	int json = 0, names = 0, local = 0;

	/* --local: this machine's only (what cshell-hosts asks each host
	 * for: a host whose inventory holds us must not ask back) */
	if (argc > 2 && !strcmp(argv[argc - 1], "--local"))
		local = 1, argc--;
	/* --names: one name a line, for completion scripts (as image ls) */
	if (argc == 3 && !strcmp(argv[2], "--names"))
		names = 1;
	else
		json = want_json(argc, argv, 2, &extra);
	if (json < 0 || extra)
		return usage(sh, "ls: unexpected argument%s", "");
	if (sbx_list(&list, &n, &err) < 0)
		return fail(sh, &err);
	/* the other hosts' sandboxes after ours (names: from the record,
	 * nothing asked over the network) */
	struct cs_buf rout = CS_BUF_INIT;
	struct remote_row *rr = NULL;
	struct sch_inventory inv = { 0 };
	size_t nr = names || local ? 0 : remote_rows(sh, &rout, &rr);
	bool hosts = !local && sch_inventory_load(&inv, NULL) == 0 && inv.n;

	sch_inventory_release(&inv);
	if (names && !local) {
		struct sch_remotes rem;

		add_vms(&list, &n, NULL);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].spec.name);
		if (sch_remotes_load(&rem, NULL) == 0) {
			for (size_t i = 0; i < rem.n; i++)
				printf("%s\n", rem.v[i].sandbox);
			sch_remotes_release(&rem);
		}
	} else if (names) {
		add_vms(&list, &n, NULL);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].spec.name);
	} else if (json) {
		struct cs_buf b = CS_BUF_INIT;

		cs_buf_addc(&b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				cs_buf_addc(&b, ',');
			sbx_info_json(&list[i], &b);
		}
		/* a VM's object carries its "vm" details too */
		add_vms(&list, &n, &b);
		/* a remote one its "host" */
		for (size_t i = 0; i < nr; i++) {
			cs_buf_adds(&b, b.len > 1 ? "," : "");
			cs_buf_adds(&b, rr[i].f[R_JSON]);
		}
		cs_buf_adds(&b, "]\n");
		fputs(b.buf, stdout);
		cs_buf_release(&b);
	} else {
		add_vms(&list, &n, NULL);
		print_table(list, n, rr, nr, hosts);
	}
	free(rr);
	cs_buf_release(&rout);
	sbx_info_list_free(list, n);
	return 0;
}

static int inspect_vm(struct sh *sh, const char *name, int json)
{
	struct cs_error err = CS_ERROR_INIT;
	struct vm_info vi;
	struct cs_buf b = CS_BUF_INIT;
	const struct vm_config *c = &vi.cfg;

	if (vm_inspect(name, &vi, &err) < 0)
		return fail(sh, &err);
	if (json) {
		vm_info_json(&vi, &b);
		printf("%s\n", b.buf);
		cs_buf_release(&b);
		vm_info_release(&vi);
		return 0;
	}
	printf("name:     %s\nstate:    %s\n", c->name,
	       vi.running ? "running" : "stopped");
	printf("backend:  vm\nkernel:   %s (release %s)\n", c->kernel,
	       vi.release ? vi.release : "?");
	if (vi.accel)
		printf("accel:    %s (%s)\n", vi.accel, vi.accel_reason);
	if (vi.boot)
		printf("boot:     %s\n", vi.boot);
	printf("pid:      %d (qemu), %d (supervisor)\n", (int)vi.qemu_pid,
	       (int)vi.supervisor_pid);
	if (c->image)
		printf("image:    %s\n", c->image);
	printf("rootfs:   %s (%s)\n", vi.rootfs ? vi.rootfs : "-",
	       c->virtiofs ? "virtiofs" : "9p");
	for (size_t l = 0; l < c->nlayers; l++)
		printf("layer:    %s\n", c->layers[l]);
	printf("upper:    %s\n", vi.upper ? vi.upper : "(read-only)");
	for (size_t m = 0; m < c->nmounts; m++)
		printf("mount:    %s:%s%s\n", c->mounts[m].src,
		       c->mounts[m].dst, c->mounts[m].ro ? ":ro" : "");
	for (size_t e = 0; e < c->nenv; e++)
		printf("env:      %s\n", c->env[e]);
	printf("workdir:  %s\n", c->workdir ? c->workdir : "/");
	printf("hostname: %s\n", c->hostname ? c->hostname : c->name);
	printf("limits:   cpus %u, memory %" PRIu64 "\n", c->cpus, c->memory);
	if (vi.ctl_sock)
		printf("sockets:  %s (control)\n", vi.ctl_sock);
	printf("console:  %s ('sandbox logs %s')\n",
	       vi.console ? vi.console : "-", c->name);
	vm_info_release(&vi);
	return 0;
}

static int cmd_inspect(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_info info;
	struct cs_buf b = CS_BUF_INIT;
	const char *name;
	int json;

	/* --files NAME: what a --trace'd sandbox read from the host */
	if (argc == 4 &&
	    (!strcmp(argv[2], "--files") || !strcmp(argv[3], "--files"))) {
		name = strcmp(argv[2], "--files") ? argv[2] : argv[3];
		if (sbx_inspect(name, &info, &err) < 0)
			return fail(sh, &err);
		int st = sh_trace_files(sh, &info);
		sbx_info_release(&info);
		return st;
	}
	json = want_json(argc, argv, 2, &name);
	if (json < 0 || !name)
		return usage(sh, "inspect: need one sandbox NAME%s", "");
	int k = argv[2] == name ? 1 : 2,
	    r = remote_sub(sh, argc - 1, argv + 1, k);
	if (r >= 0)
		return r;
	if (is_vm(name))
		return inspect_vm(sh, name, json);
	if (sbx_inspect(name, &info, &err) < 0)
		return fail(sh, &err);
	sbx_info_json(&info, &b);
	if (json) {
		printf("%s\n", b.buf);
	} else {
		const struct sbx_spec *s = &info.spec;

		printf("name:     %s\nstate:    %s", s->name,
		       sbx_state_name(info.state));
		if (info.dead_reason)
			printf(" (%s; 'sandbox start %s' starts it again)",
			       info.dead_reason, s->name);
		printf("\npid:      %d\n", (int)info.init_pid);
		if (s->image)
			printf("image:    %s\n", s->image);
		printf("rootfs:   %s (%s)\n", info.rootfs ? info.rootfs : "-",
		       info.rootfs_mode ? info.rootfs_mode : "-");
		for (size_t l = 0; l < s->nlayers; l++)
			printf("layer:    %s\n", s->layers[l]);
		printf("upper:    %s\n",
		       info.upper ? info.upper : "(read-only)");
		for (size_t m = 0; m < s->nmounts; m++)
			printf("mount:    %s:%s%s\n", s->mounts[m].src,
			       s->mounts[m].dst, s->mounts[m].ro ? ":ro" : "");
		for (size_t e = 0; e < s->nenv; e++)
			printf("env:      %s\n", s->env[e]);
		printf("workdir:  %s\n", s->workdir ? s->workdir : "/");
		printf("hostname: %s\n", s->hostname ? s->hostname : s->name);
		printf("user:     %ld:%ld\n", s->uid < 0 ? 0 : s->uid,
		       s->gid < 0 ? 0 : s->gid);
		printf("net:      %s%s\n",
		       s->net == SBX_NET_HOST	 ? "host" :
		       s->net == SBX_NET_PRIVATE ? "private" :
		       s->net == SBX_NET_SLIRP	 ? "slirp" :
						   "none",
		       s->net_host_access ? " (host reachable)" : "");
		printf("limits:   cpus %" PRIu64 ".%03" PRIu64
		       ", memory %" PRIu64 ", pids %" PRIu64
		       " (0 = unlimited)\n",
		       s->cpus_milli / 1000, s->cpus_milli % 1000, s->memory,
		       s->pids);
		printf("seccomp:  %s\n",
		       s->seccomp == SBX_SECCOMP_UNCONFINED ? "unconfined" :
		       s->seccomp == SBX_SECCOMP_FILE	    ? s->seccomp_file :
							      "default");
		printf("cgroup:   %s\n", info.cgroup_v2 ? info.cgroup_v2 : "-");
	}
	cs_buf_release(&b);
	sbx_info_release(&info);
	return 0;
}

/* stop, start, diff, logs of a VM: its record keeps what a sandbox's
 * does (the upper layer, the console of its last boot). */
static int simple_vm(struct sh *sh, const char *sub, const char *name)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;
	struct vm_info vi;
	int r = 0;

	if (!strcmp(sub, "stop"))
		return vm_stop(name, 10000, &err) < 0 ? fail(sh, &err) : 0;
	if (!strcmp(sub, "start")) {
		if (vm_exists(name)) {
			sh_err(sh, "sandbox: VM '%s' is already running", name);
			return 1;
		}
		return start_vm(sh, name);
	}
	if (vm_inspect(name, &vi, &err) < 0)
		return fail(sh, &err);
	cs_buf_adds(&b, "");
	if (!strcmp(sub, "diff")) {
		struct sbx_info si;

		vm_info_sbx(&vi, &si);
		if (vi.upper && access(vi.upper, F_OK) == 0 &&
		    sbx_diff_upper(&si.spec, vi.upper, &b, &err) < 0) {
			cs_error_wrap(&err, "cannot diff VM '%s'", name);
			r = fail(sh, &err);
		}
		sbx_info_release(&si);
	} else if (vi.console &&
		   cs_read_file(vi.console, &b, 16 << 20, &err) < 0) {
		/* logs: no console yet is no output */
		if (err.code != ENOENT)
			r = fail(sh, &err);
		cs_error_release(&err);
	}
	if (!r)
		fputs(b.buf, stdout);
	cs_buf_release(&b);
	vm_info_release(&vi);
	return r;
}

static int cmd_simple(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	const char *sub = argv[1];

	if (argc != 3 || argv[2][0] == '-')
		return usage(sh, "%s: need one sandbox NAME", sub);
	int r = remote_sub(sh, argc - 1, argv + 1, 1);
	if (r >= 0)
		return r;
	if (is_vm(argv[2]))
		return simple_vm(sh, sub, argv[2]);
	if (!strcmp(sub, "stop")) {
		if (sbx_stop(argv[2], 5000, &err) < 0)
			return fail(sh, &err);
	} else if (!strcmp(sub, "start")) {
		if (sbx_start(argv[2], &err) < 0)
			return fail(sh, &err);
	} else if (!strcmp(sub, "diff")) {
		struct cs_buf b = CS_BUF_INIT;

		if (sbx_diff(argv[2], &b, &err) < 0) {
			cs_buf_release(&b);
			return fail(sh, &err);
		}
		fputs(b.buf, stdout);
		cs_buf_release(&b);
	} else { /* logs */
		char *path = sbx_log_path(argv[2], &err);
		struct cs_buf b = CS_BUF_INIT;
		struct sbx_info info;

		if (!path || sbx_inspect(argv[2], &info, &err) < 0) {
			free(path);
			return fail(sh, &err);
		}
		sbx_info_release(&info);
		if (cs_read_file(path, &b, 16 << 20, &err) < 0 &&
		    err.code != ENOENT) {
			free(path);
			return fail(sh, &err);
		}
		cs_error_release(&err);
		fputs(b.buf, stdout);
		cs_buf_release(&b);
		free(path);
	}
	return 0;
}

static int cmd_rm(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	int force = 0, i = 2, status = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = 1;
		else
			return usage(sh, "rm: unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		return usage(sh, "rm: missing sandbox NAME%s", "");
	for (; i < argc; i++) {
		int remote;

		if (rm_remote(sh, argv[i], force, &remote))
			status = 1;
		if (remote)
			continue;
		if (!is_vm(argv[i])) {
			if (sbx_rm(argv[i], force, &err) < 0)
				status = fail(sh, &err);
		} else if (vm_remove(argv[i], force, &err) < 0) {
			cs_error_wrap(&err, "sandbox");
			status = fail(sh, &err);
		}
	}
	return status;
}

/* The sandbox's layers above its image (`up` puts its steps' layers
 * there), bottom first, as "--layer DIFFID" arguments: each must be a
 * layer of the image store (layers/sha256/<hex>, named by its diff id).
 * The host root and --layer directories of one's own cannot go into an
 * image: they are left out with a warning.  0, or 1 (printed). */
static int stored_layers_above_image(struct sh *sh, const struct sbx_info *info,
				     struct cs_strvec *a)
{
	struct cs_buf out = CS_BUF_INIT;
	const struct sbx_spec *s = &info->spec;

	if (s->image) {
		char *v[] = { sh_helper_path(sh, "cshell-image"), "resolve",
			      "--", s->image, NULL };

		cs_buf_init(&out, 1 << 16);
		if (sh_capture(sh, v, &out, false) != 0) {
			cs_buf_release(&out);
			sh_err(sh,
			       "sandbox: cannot commit '%s': its image '%s' "
			       "is not usable (see above)",
			       s->name, s->image);
			return 1;
		}
	}
	for (size_t i = s->nlayers; i-- > 0;) {
		const char *l = s->layers[i];
		_cleanup_free_ char *line = xasprintf("layer %s\n", l);
		const char *b = strrchr(l, '/');

		if (out.buf && strstr(out.buf, line))
			continue; /* the image's own */
		if (b && b - l >= 14 &&
		    !strncmp(b - 14, "/layers/sha256", 14) &&
		    strlen(b + 1) == 64 &&
		    strspn(b + 1, "0123456789abcdef") == 64) {
			cs_strvec_push(a, "--layer");
			cs_strvec_push_take(a, xasprintf("sha256:%s", b + 1));
		} else {
			sh_err(sh,
			       "sandbox: warning: layer '%s' of '%s' is not "
			       "in the image store: the image leaves it out",
			       l, s->name);
		}
	}
	cs_buf_release(&out);
	return 0;
}

/* commit NAME --image REF: the upper layer as one more layer over the
 * sandbox's image (none over the host root), stored by cshell-image. */
static int commit_image(struct sh *sh, const char *name, const char *ref)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf out = CS_BUF_INIT;
	struct sbx_info info;
	char *v[10];
	int n = 0, st;

	if (sbx_inspect(name, &info, &err) < 0)
		return fail(sh, &err);
	if (!info.upper) {
		sh_err(sh,
		       "sandbox: cannot commit '%s': it is read-only, it "
		       "has no changes",
		       name);
		sbx_info_release(&info);
		return 1;
	}
	v[n++] = sh_helper_path(sh, "cshell-image");
	v[n++] = "layer-commit";
	v[n++] = "--";
	v[n++] = info.upper;
	v[n] = NULL;
	cs_buf_init(&out, 1 << 16);
	st = sh_capture(sh, v, &out, false);
	_cleanup_free_ char *digest = st ? NULL : sh_out_field(&out, "digest");
	cs_buf_release(&out);
	if (!digest) {
		sh_err(sh, "sandbox: cannot commit '%s' (see above)", name);
		sbx_info_release(&info);
		return 1;
	}
	struct cs_strvec a = CS_STRVEC_INIT;
	cs_strvec_push(&a, v[0]);
	cs_strvec_push(&a, "build-image");
	cs_strvec_push(&a, "--tag");
	cs_strvec_push(&a, ref);
	if (info.spec.image) {
		cs_strvec_push(&a, "--base");
		cs_strvec_push(&a, info.spec.image);
	}
	st = stored_layers_above_image(sh, &info, &a);
	cs_strvec_push(&a, "--layer");
	cs_strvec_push(&a, digest);
	if (!st)
		st = sh_exec_external_wait(sh, a.v);
	cs_strvec_release(&a);
	sbx_info_release(&info);
	return st ? 1 : 0;
}

static int cmd_commit(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;

	if (argc == 5 && !strcmp(argv[3], "--image"))
		return commit_image(sh, argv[2], argv[4]);
	if (argc != 4)
		return usage(sh, "commit: need NAME and DIR (or --image REF)%s",
			     "");
	if (is_vm(argv[2])) {
		struct vm_info vi;
		int r;

		if (vm_inspect(argv[2], &vi, &err) < 0)
			return fail(sh, &err);
		r = sbx_commit_upper(vi.upper, argv[3], &err);
		vm_info_release(&vi);
		if (r < 0) {
			cs_error_wrap(&err, "cannot commit VM '%s'", argv[2]);
			return fail(sh, &err);
		}
		return 0;
	}
	if (sbx_commit(argv[2], argv[3], &err) < 0)
		return fail(sh, &err);
	return 0;
}

static int bi_sandbox(struct sh *sh, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct sh *, int, char **);
	} cmds[] = {
		{ "create", cmd_create },
		{ "run", cmd_run },
		{ "exec", cmd_exec },
		{ "ls", cmd_ls },
		{ "list", cmd_ls },
		{ "inspect", cmd_inspect },
		{ "stop", cmd_simple },
		{ "start", cmd_simple },
		{ "logs", cmd_simple },
		{ "diff", cmd_simple },
		{ "rm", cmd_rm },
		{ "commit", cmd_commit },
		{ "stats", bi_sandbox_stats },
	};

	if (argc < 2)
		return usage(sh, NULL, NULL);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc > 2 &&
	    (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		for (size_t i = 0; i < CS_ARRAY_SIZE(sub_usage); i++) {
			if (!strcmp(argv[1], sub_usage[i].name) ||
			    (!strcmp(argv[1], "list") &&
			     !strcmp(sub_usage[i].name, "ls"))) {
				fputs(sub_usage[i].text, stdout);
				return 0;
			}
		}
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(sh, argc, argv);
	return usage(sh, "'%s' is not a sandbox command", argv[1]);
}

/* Tab completion */
static const char *const sandbox_subs[] = {
	"create", "ls",	  "inspect", "exec", "stop",  "start", "rm",
	"logs",	  "diff", "commit",  "run",  "stats", NULL,
};
static const char *const sandbox_flags[] = {
	"--image",
	"--layer",
	"--mount",
	"--env",
	"--workdir",
	"--hostname",
	"--user",
	"--cpus",
	"--memory",
	"--pids",
	"--net",
	"--cap-add",
	"--cap-drop",
	"--seccomp",
	"--read-only",
	"--insecure",
	"--trace",
	"--json",
	"-f",
	/* sandbox create --on: placement on SSH hosts (docs/hosts.md) */
	"--on",
	"--label",
	"--spread",
	"--binpack",
	"--replicas",
	NULL,
};

/* image names after --image; sandbox names as the operand of a subcommand
 * that takes one */
static bool sandbox_operand(struct sh *sh, char *const *words, int nwords,
			    const char *text)
{
	if (!strcmp(words[nwords - 1], "--image")) {
		sh_complete_offer_take(text, sh_image_names(sh));
		return true;
	}
	if (nwords == 2 && text[0] != '-' && strcmp(words[1], "create") &&
	    strcmp(words[1], "run") && strcmp(words[1], "ls")) {
		sh_complete_offer_take(text, sh_backend_sandbox.names());
		return true;
	}
	return false;
}

static const struct sh_completion sandbox_completion = {
	.subs = sandbox_subs,
	.flags = sandbox_flags,
	.operand = sandbox_operand,
};

SH_BUILTIN(sandbox) = {
	.b = { "sandbox", bi_sandbox, false },
	.own_help = true,
	.usage =
		"sandbox create|ls|inspect|exec|stop|start|rm|logs|diff|commit|run|stats ...",
	.what = "namespaced sandboxes (alias sb)",
	.complete = &sandbox_completion,
};

SH_BUILTIN(sb) = {
	.b = { "sb", bi_sandbox, false },
	.own_help = true,
	.complete = &sandbox_completion,
};
