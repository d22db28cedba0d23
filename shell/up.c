// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * up.c — `up`, `down` and `image build`: the environment a Cshellfile
 * describes (docs/design.md §5, man 5 Cshellfile).
 *
 * Start reading at bi_up().  A Cshellfile is a cshell script: it is
 * evaluated in a forked child of the shell (its variables and functions
 * stay there) in which the environment builtins (`from`, `run`, …, the
 * table envs[] below) record declarations and anything that would run a
 * program is refused.  Only once the whole file evaluated does the child
 * build: each `run`/`copy` step is keyed and looked up in the image
 * store's cache through cshell-image (build-step), a missing `run` step
 * runs in a throwaway sandbox over the layers so far and its upper layer
 * becomes a cached layer (layer-commit), and the sandbox named after the
 * directory is created over the result (with `kernel`, a VM booted by
 * cshell-vm over the same layers; struct env_kind says how each kind is
 * started, stopped, removed and run in).  The child then writes the lock
 * and a state file, and the parent enters the sandbox or runs a command
 * in it.  An `up` whose Cshellfile and lock equal what the state file
 * remembers forks nothing of this: it only starts the sandbox if needed.
 * With `on` or --on the child only evaluates, and the parent sends the
 * project to the chosen host and runs `cshell up --here` there (up_on()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "sandbox/sandbox.h"
#include "shell/shell_i.h"
#include "scheduler/scheduler.h"
#include "shell/target_i.h"
#include "shell/up_i.h"
#include "vm/vm.h"

#define CSHELLFILE "Cshellfile"
#define LOCKFILE "Cshellfile.lock"
#define MAX_CSHELLFILE (1u << 20)

static const char up_usage_text[] =
	"usage: up [DIR] [--locked] [--rebuild] [--on HOST|auto|LABEL|--here]\n"
	"          [-- CMD [ARG...]]\n"
	"  build the environment the Cshellfile of DIR (or of the current\n"
	"  directory or a parent) describes, create or reuse the sandbox named\n"
	"  after that directory and enter it, or run CMD in it\n"
	"  --locked   fail when anything differs from Cshellfile.lock\n"
	"  --rebuild  run every step again (the cache is not used)\n"
	"  --on H     send the project to host H (auto, a label: the best\n"
	"             placed) and build and run there, whatever 'on' says\n"
	"  --here     build and run here, whatever 'on' says\n"
	"       down [--rm] [DIR]   stop that sandbox (--rm: remove it)\n"
	"       image build [-t REF] [DIR]   the environment as an OCI image\n"
	"see man 5 Cshellfile\n";

/* One build step. */
struct step {
	int line;
	bool copy;
	char *text;		 /* as the lock and progress show it */
	char *src, *dst;	 /* copy: absolute host path, path inside */
	struct cs_strvec keyenv; /* env, workdir and user at this step */
	char *workdir;
	long uid, gid;
};

/* What the evaluation declared. */
struct up_eval {
	char *dir;  /* the directory holding the Cshellfile */
	char *from; /* NULL: the host root; "scratch": no base */
	int from_line;
	struct cs_strvec layers; /* `layer` dirs, as declared (top first) */
	struct step *steps;
	size_t nsteps;
	struct sbx_spec spec; /* mounts, env, workdir, user, limits, net */
	char *user_text;
	bool net_set;
	char *kernel; /* NULL: a namespace sandbox, else a VM's --kernel */
	int kernel_line;
	char *on; /* NULL: here, else `on`'s word */
};

/* ------------------------------------------------------------------ */
/* The environment builtins.  Each runs in the evaluating child; an
 * error is fatal there (nothing is built) and names the line. */

static void __attribute__((noreturn))
decl_fail(struct sh *sh, const char *fmt, ...) CS_PRINTF(2, 3);
static void decl_fail(struct sh *sh, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sh_err(sh, "%s", msg);
	sh_exit(sh, 2);
}

static void need_args(struct sh *sh, int argc, char **argv, int min, int max,
		      const char *usage)
{
	if (argc - 1 < min || (max >= 0 && argc - 1 > max))
		decl_fail(sh, "%s: usage: %s %s", argv[0], argv[0], usage);
}

/* path relative to the Cshellfile's directory, malloc'd */
static char *project_path(struct up_eval *u, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	if (!strcmp(p, "."))
		return xstrdup(u->dir);
	return xasprintf("%s/%s", u->dir, p);
}

static void no_steps_yet(struct sh *sh, struct up_eval *u, const char *what)
{
	if (u->nsteps)
		decl_fail(sh,
			  "'%s' must come before the first run or copy "
			  "step",
			  what);
}

static struct step *new_step(struct sh *sh, struct up_eval *u)
{
	struct step *s;

	u->steps = xrealloc(u->steps, (u->nsteps + 1) * sizeof(*u->steps));
	s = &u->steps[u->nsteps++];
	memset(s, 0, sizeof(*s));
	s->line = sh->lineno;
	for (size_t i = 0; i < u->spec.nenv; i++)
		cs_strvec_push(&s->keyenv, u->spec.env[i]);
	if (u->spec.workdir) {
		cs_strvec_push_take(&s->keyenv,
				    xasprintf(":workdir=%s", u->spec.workdir));
		s->workdir = xstrdup(u->spec.workdir);
	}
	s->uid = u->spec.uid;
	s->gid = u->spec.gid;
	if (u->spec.uid >= 0)
		cs_strvec_push_take(
			&s->keyenv,
			xasprintf(":user=%ld:%ld", u->spec.uid, u->spec.gid));
	return s;
}

static int env_from(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;

	need_args(sh, argc, argv, 1, 1, "REF|scratch");
	if (u->from)
		decl_fail(sh, "from: only one 'from' (the first is on line %d)",
			  u->from_line);
	no_steps_yet(sh, u, "from");
	if (!*argv[1] || strpbrk(argv[1], " \t\n"))
		decl_fail(sh, "from: invalid image reference '%s'", argv[1]);
	u->from = xstrdup(argv[1]);
	u->from_line = sh->lineno;
	return 0;
}

static int env_layer(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct stat st;

	need_args(sh, argc, argv, 1, 1, "DIR");
	no_steps_yet(sh, u, "layer");
	_cleanup_free_ char *p = project_path(u, argv[1]);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		decl_fail(sh, "layer: '%s' is not a directory", argv[1]);
	cs_strvec_push(&u->layers, p);
	return 0;
}

static int env_copy(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct stat st;

	need_args(sh, argc, argv, 2, 2, "SRC DST");
	if (argv[2][0] != '/' || !argv[2][1])
		decl_fail(sh, "copy: DST '%s' must be an absolute path below /",
			  argv[2]);
	_cleanup_free_ char *src = project_path(u, argv[1]);
	if (lstat(src, &st) < 0)
		decl_fail(sh, "copy: cannot read '%s': %s", argv[1],
			  strerror(errno));
	struct step *s = new_step(sh, u);
	s->copy = true;
	s->src = steal_ptr(&src);
	s->dst = xstrdup(argv[2]);
	s->text = xasprintf("copy %s %s", argv[1], argv[2]);
	return 0;
}

static int env_run(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct cs_buf b = CS_BUF_INIT;

	need_args(sh, argc, argv, 1, -1, "CMD [ARG...]");
	/* one word is shell text (`run 'make && make install'`); several
	 * are quoted, so that they reach the step as they were given */
	if (argc == 2) {
		cs_buf_adds(&b, argv[1]);
	} else {
		for (int i = 1; i < argc; i++) {
			if (i > 1)
				cs_buf_addc(&b, ' ');
			sh_quote(&b, argv[i]);
		}
	}
	if (strchr(b.buf, '\n'))
		decl_fail(sh, "run: a step is one line (join commands with "
			      "'&&' or ';')");
	struct step *s = new_step(sh, u);
	s->text = cs_buf_detach(&b, NULL);
	return 0;
}

static int env_mount(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct stat st;

	need_args(sh, argc, argv, 2, 3, "SRC DST [ro]");
	if (argc == 4 && strcmp(argv[3], "ro") && strcmp(argv[3], "rw"))
		decl_fail(sh, "mount: third word '%s' must be ro or rw",
			  argv[3]);
	if (argv[2][0] != '/')
		decl_fail(sh, "mount: DST '%s' must be an absolute path",
			  argv[2]);
	_cleanup_free_ char *src = project_path(u, argv[1]);
	if (stat(src, &st) < 0)
		decl_fail(sh, "mount: cannot use '%s': %s", argv[1],
			  strerror(errno));
	sbx_spec_add_mount(&u->spec, src, argv[2],
			   argc == 4 && !strcmp(argv[3], "ro"));
	return 0;
}

static int env_env(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;

	need_args(sh, argc, argv, 1, -1, "K=V...");
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		_cleanup_free_ char *k =
			eq ? xstrndup(argv[i], eq - argv[i]) : NULL;

		if (!k || !sh_isname(k))
			decl_fail(sh, "env: '%s' is not NAME=VALUE", argv[i]);
		/* a later value of a name replaces the earlier one */
		size_t j;
		for (j = 0; j < u->spec.nenv; j++)
			if (!strncmp(u->spec.env[j], argv[i], eq - argv[i] + 1))
				break;
		if (j < u->spec.nenv) {
			free(u->spec.env[j]);
			u->spec.env[j] = xstrdup(argv[i]);
		} else {
			sbx_spec_add_env(&u->spec, argv[i]);
		}
	}
	return 0;
}

static int env_workdir(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;

	need_args(sh, argc, argv, 1, 1, "DIR");
	if (argv[1][0] != '/')
		decl_fail(sh, "workdir: '%s' must be an absolute path",
			  argv[1]);
	free(u->spec.workdir);
	u->spec.workdir = xstrdup(argv[1]);
	return 0;
}

static int env_user(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct cs_error err = CS_ERROR_INIT;

	need_args(sh, argc, argv, 1, 1, "NAME|UID[:GID]");
	if (sbx_parse_user(argv[1], &u->spec.uid, &u->spec.gid, &err) < 0) {
		cs_error_release(&err);
		/* a name means the host's over the host root; an image's
		 * passwd is not read here */
		struct passwd *pw = u->from ? NULL : getpwnam(argv[1]);

		if (!pw)
			decl_fail(sh, "user: '%s' is not a numeric UID[:GID]%s",
				  argv[1],
				  u->from ? " (names are looked up only "
					    "without 'from', in the host's "
					    "/etc/passwd)" :
					    " nor a user of this host");
		u->spec.uid = pw->pw_uid;
		u->spec.gid = pw->pw_gid;
	}
	free(u->user_text);
	u->user_text = xstrdup(argv[1]);
	return 0;
}

static int env_cpus(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct cs_error err = CS_ERROR_INIT;

	need_args(sh, argc, argv, 1, 1, "N");
	if (sbx_parse_cpus(argv[1], &u->spec.cpus_milli, &err) < 0)
		decl_fail(sh, "cpus: %s", err.msg);
	return 0;
}

static int env_memory(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct cs_error err = CS_ERROR_INIT;

	need_args(sh, argc, argv, 1, 1, "SIZE");
	if (sbx_parse_size(argv[1], &u->spec.memory, &err) < 0)
		decl_fail(sh, "memory: %s", err.msg);
	if (u->spec.memory < (4 << 20))
		decl_fail(sh, "memory: '%s' is too small (at least 4m)",
			  argv[1]);
	return 0;
}

static int env_net(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct cs_error err = CS_ERROR_INIT;

	need_args(sh, argc, argv, 1, 1, "none|host|private|slirp");
	if (sbx_parse_net_opt(&u->spec, argv[1], &err) < 0)
		decl_fail(sh, "net: %s", err.msg);
	u->net_set = true;
	return 0;
}

/* `kernel`: the environment is a VM booting that kernel (vm/) over the
 * built layers.  A path (a word with a '/', or a file next to the
 * Cshellfile) means the project's file; anything else is a version
 * installed on the host, as `sandbox create --kernel` takes it. */
static int env_kernel(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;
	struct stat st;

	need_args(sh, argc, argv, 1, 1, "VERSION|PATH");
	if (u->kernel)
		decl_fail(sh,
			  "kernel: only one 'kernel' (the first is on line "
			  "%d)",
			  u->kernel_line);
	if (!*argv[1] || strpbrk(argv[1], " \t\n:"))
		decl_fail(sh, "kernel: '%s' cannot hold blanks or ':'",
			  argv[1]);
	if (strchr(argv[1], '/') ||
	    (stat(argv[1], &st) == 0 && S_ISREG(st.st_mode)))
		u->kernel = project_path(u, argv[1]);
	else
		u->kernel = xstrdup(argv[1]);
	u->kernel_line = sh->lineno;
	return 0;
}

/* `on`: where the environment is built and runs (up_on()): a host of
 * the inventory, `auto` (the placement's best) or a label or glob the
 * placement chooses among.  `up --on` overrides it, `up --here` ignores
 * it (what runs on the chosen host). */
static int env_on(struct sh *sh, int argc, char **argv)
{
	struct up_eval *u = sh->up;

	need_args(sh, argc, argv, 1, 1, "HOST|auto|LABEL");
	if (strcmp(argv[1], "auto") && !sch_spec_valid(argv[1]))
		decl_fail(sh, "on: '%s' is not a host name, a label or auto",
			  argv[1]);
	free(u->on);
	u->on = xstrdup(argv[1]);
	return 0;
}

static const struct builtin envs[] = {
	/* sorted by name for bsearch */
	{ "copy", env_copy, false },	   { "cpus", env_cpus, false },
	{ "env", env_env, false },	   { "from", env_from, false },
	{ "kernel", env_kernel, false },   { "layer", env_layer, false },
	{ "memory", env_memory, false },   { "mount", env_mount, false },
	{ "net", env_net, false },	   { "on", env_on, false },
	{ "run", env_run, false },	   { "user", env_user, false },
	{ "workdir", env_workdir, false },
};

static int cmp_env(const void *k, const void *e)
{
	return strcmp(k, ((const struct builtin *)e)->name);
}

/* What a Cshellfile may not run although the shell has it: they reach
 * outside the declaration (other sandboxes, images, hosts, programs). */
static const char *const refused[] = {
	"command", "down",  "enter",   "exec",	  "fanout", "host",
	"image",   "leave", "monitor", "sandbox", "sb",	    "up",
};

const struct builtin *sh_up_builtin(struct sh *sh, const char *name,
				    bool target)
{
	const struct builtin *b = bsearch(name, envs, CS_ARRAY_SIZE(envs),
					  sizeof(envs[0]), cmp_env);

	if (target)
		decl_fail(sh, "'@%s' targets cannot be used in a Cshellfile",
			  name);
	if (b)
		return b;
	for (size_t i = 0; i < CS_ARRAY_SIZE(refused); i++)
		if (!strcmp(name, refused[i]))
			decl_fail(sh, "'%s' cannot be used in a Cshellfile",
				  name);
	if (strchr(name, '/') ||
	    (!sh_builtin(sh, name) && !sh_find_func(sh, name)))
		decl_fail(sh,
			  "unknown builtin '%s' (a Cshellfile runs only "
			  "its own builtins, shell builtins and functions: "
			  "put programs in a 'run' step)",
			  name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Finding the Cshellfile, naming the sandbox */

/* The directory holding the Cshellfile: dir itself (given), else the
 * current directory or its nearest parent that has one. */
static char *find_project(const char *dir, struct cs_error *err)
{
	char buf[PATH_MAX];

	if (!realpath(dir ? dir : ".", buf)) {
		cs_error_errno(err, "cannot use directory '%s'",
			       dir ? dir : ".");
		return NULL;
	}
	for (;;) {
		_cleanup_free_ char *f = xasprintf("%s/%s", buf, CSHELLFILE);

		if (access(f, F_OK) == 0)
			return xstrdup(buf);
		char *slash = strrchr(buf, '/');
		if (dir || !slash || slash == buf)
			break;
		*slash = 0;
	}
	cs_error_set(err, ENOENT,
		     "no Cshellfile in '%s'%s: write one (man 5 Cshellfile)",
		     dir ? dir : ".", dir ? "" : " or its parents");
	return NULL;
}

/* The sandbox's name: the directory's, with what a sandbox name may not
 * hold turned into '-' ("my project" -> "my-project"). */
static char *sandbox_name(const char *dir)
{
	const char *b = strrchr(dir, '/');
	char *n = xstrdup(b && b[1] ? b + 1 : "root");
	size_t len = strlen(n);

	if (len > 64)
		n[len = 64] = 0;
	for (char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			*p = '-';
	if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
	      (n[0] >= '0' && n[0] <= '9')))
		n[0] = 'x';
	if (!strcmp(n, "host")) { /* @host is reserved */
		free(n);
		n = xstrdup("host-env");
	}
	return n;
}

/* data/up/NAME.EXT: NAME.state is what the last successful `up` of name
 * was built from (the directory, the Cshellfile and the lock, byte for
 * byte), NAME.on where the last `up --on` sent it (up_on()). */
static char *up_file(const char *name, const char *ext, int create,
		     struct cs_error *err)
{
	_cleanup_free_ char *d =
		cs_root_subdir(CS_ROOT_DATA, "up", create, err);

	return d ? xasprintf("%s/%s.%s", d, name, ext) : NULL;
}

static char *state_path(const char *name, int create, struct cs_error *err)
{
	return up_file(name, "state", create, err);
}

static void current_state(const char *dir, struct cs_buf *out)
{
	_cleanup_free_ char *f = xasprintf("%s/%s", dir, CSHELLFILE);
	_cleanup_free_ char *l = xasprintf("%s/%s", dir, LOCKFILE);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_addf(out, "cshell-up-state 1\n%s\n", dir);
	if (cs_read_file(f, &b, MAX_CSHELLFILE, &err) == 0)
		cs_buf_add(out, b.buf, b.len);
	cs_error_release(&err);
	cs_buf_release(&b);
	cs_buf_add(out, "\0", 1);
	if (cs_read_file(l, &b, MAX_CSHELLFILE, &err) == 0)
		cs_buf_add(out, b.buf, b.len);
	cs_error_release(&err);
	cs_buf_release(&b);
}

/* True when the last successful up of name was made from state. */
static bool state_is(const char *name, const struct cs_buf *state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf then = CS_BUF_INIT;
	_cleanup_free_ char *stp = state_path(name, 0, &err);
	bool same = stp &&
		    cs_read_file(stp, &then, 2 * MAX_CSHELLFILE + PATH_MAX,
				 &err) == 0 &&
		    then.len == state->len &&
		    !memcmp(then.buf, state->buf, state->len);

	cs_error_release(&err);
	cs_buf_release(&then);
	return same;
}

/* ------------------------------------------------------------------ */
/* The environment: a namespace sandbox (sandbox/) or, with `kernel`, a
 * VM (vm/); what up and down do to one, per kind. */

struct up_job {
	const char *name;
	char **argv;
};

struct env_kind {
	int (*exists)(const char *name);
	/* starts it when it is stopped: 0, or 1 after saying why */
	int (*start)(struct sh *sh, const char *name);
	int (*stop)(const char *name, struct cs_error *err);
	int (*rm)(const char *name, struct cs_error *err);
	int (*run)(void *job); /* sh_run_as_job's main of a struct up_job */
};

static int sbx_env_exists(const char *name)
{
	struct sbx_info info;

	if (sbx_inspect(name, &info, NULL) < 0)
		return 0;
	sbx_info_release(&info);
	return 1;
}

static int sbx_env_start(struct sh *sh, const char *name)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_info info;

	if (sbx_inspect(name, &info, &err) < 0) {
		sh_err(sh, "up: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	enum sbx_state state = info.state;
	sbx_info_release(&info);
	if (state != SBX_STATE_RUNNING && sbx_start(name, &err) < 0) {
		sh_err(sh, "up: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	return 0;
}

static int sbx_env_stop(const char *name, struct cs_error *err)
{
	return sbx_stop(name, 5000, err);
}

static int sbx_env_rm(const char *name, struct cs_error *err)
{
	return sbx_rm(name, 1, err);
}

/* A job that could not run its command: 125, as `sandbox exec`. */
static int job_failed(struct cs_error *err)
{
	cs_error_print(err, "cshell");
	return 125;
}

static int sbx_env_run(void *arg)
{
	struct up_job *j = arg;
	struct cs_error err = CS_ERROR_INIT;

	if (sbx_join(j->name, &err) < 0)
		return job_failed(&err);
	errno = -sbx_exec(j->argv[0], j->argv, environ);
	fprintf(stderr, "cshell: %s: %s\n", j->argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* booting is cshell-vm's (it links what the shell does not) */
static int vm_env_start(struct sh *sh, const char *name)
{
	char *v[] = { sh_helper_path(sh, "cshell-vm"), "start", (char *)name,
		      NULL };

	return vm_exists(name) ? 0 : sh_exec_external_wait(sh, v) ? 1 : 0;
}

static int vm_env_stop(const char *name, struct cs_error *err)
{
	return vm_stop(name, 10000, err);
}

static int vm_env_rm(const char *name, struct cs_error *err)
{
	return vm_remove(name, 1, err);
}

static int vm_env_run(void *arg)
{
	struct up_job *j = arg;
	struct cs_error err = CS_ERROR_INIT;
	struct vm_exec_opts o = {
		.argv = j->argv, .tty = -1, .in = 0, .out = 1, .errfd = 2
	};
	int st = vm_exec(j->name, &o, &err);

	return st < 0 ? job_failed(&err) : st;
}

static const struct env_kind sbx_env = {
	sbx_env_exists, sbx_env_start, sbx_env_stop, sbx_env_rm, sbx_env_run,
};
static const struct env_kind vm_env = {
	vm_known, vm_env_start, vm_env_stop, vm_env_rm, vm_env_run,
};
static const struct env_kind *const env_kinds[] = { &sbx_env, &vm_env };

/* The kind of the environment name, NULL when there is none. */
static const struct env_kind *env_of(const char *name)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(env_kinds); i++)
		if (env_kinds[i]->exists(name))
			return env_kinds[i];
	return NULL;
}

/* Removes the environment name, of whichever kind, when it exists. */
static void env_remove(const char *name)
{
	const struct env_kind *k = env_of(name);
	struct cs_error err = CS_ERROR_INIT;

	if (k && k->rm(name, &err) < 0) {
		cs_warn("%s", err.msg);
		cs_error_release(&err);
	}
}

/* ------------------------------------------------------------------ */
/* The build (in the evaluating child) */

struct build {
	struct sh *sh;
	struct up_eval *u;
	bool locked, rebuild, image; /* image: for `image build` */
	bool progress;
	bool here;		 /* --here: `on` is ignored */
	const char *on;		 /* --on: overrides `on` */
	struct up_lock lock;	 /* what this build pins */
	struct up_lock old;	 /* the lock file, when --locked */
	struct cs_strvec base;	 /* the base image's layers, top first */
	struct cs_strvec imgenv; /* its Env */
	char *imgworkdir;
	char *imguser;
	struct cs_strvec built;	  /* step layers, bottom first */
	struct cs_strvec digests; /* their digests, bottom first */
};

/* Runs the helper program prog with args, its output into out; its
 * status. */
static int helper_run(struct build *b, const char *prog, char **args,
		      struct cs_buf *out)
{
	struct cs_strvec v = CS_STRVEC_INIT;
	int st;

	cs_strvec_push(&v, sh_helper_path(b->sh, prog));
	for (; *args; args++)
		cs_strvec_push(&v, *args);
	cs_buf_init(out, 1 << 16);
	st = sh_capture(b->sh, v.v, out, false);
	cs_strvec_release(&v);
	return st;
}

/* cshell-image with args: it prints "key value" lines (sh_out_field). */
static int helper(struct build *b, char **args, struct cs_buf *out)
{
	return helper_run(b, "cshell-image", args, out);
}

char *sh_out_field(const struct cs_buf *out, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = out->buf; l && *l;) {
		const char *nl = strchrnul(l, '\n');

		if ((size_t)(nl - l) > kl && !strncmp(l, key, kl) &&
		    l[kl] == ' ')
			return xstrndup(l + kl + 1, nl - l - kl - 1);
		l = *nl ? nl + 1 : NULL;
	}
	return NULL;
}

static void set_lock_from(struct build *b, const char *ref, const char *dg)
{
	b->lock.from = xstrdup(ref);
	b->lock.from_digest = xstrdup(dg);
}

static int resolve_base(struct build *b)
{
	struct up_eval *u = b->u;
	struct cs_buf out = CS_BUF_INIT;

	if (!u->from) {
		set_lock_from(b, "-", "-");
		return 0;
	}
	if (!strcmp(u->from, "scratch")) {
		set_lock_from(b, "scratch", "-");
		return 0;
	}
	/* --locked: a tag the registry moved must show, so ask it (a
	 * registry that cannot be reached leaves the stored image) */
	if (b->locked && !strchr(u->from, '@')) {
		char *pull[] = { "pull", "-q", "--", u->from, NULL };
		struct cs_buf o = CS_BUF_INIT;

		helper(b, pull, &o);
		cs_buf_release(&o);
	}
	char *res[] = { "resolve", "--", u->from, NULL };
	int st = helper(b, res, &out);
	if (st) {
		b->sh->lineno = u->from_line;
		sh_err(b->sh, "from: cannot use image '%s' (see above)",
		       u->from);
		cs_buf_release(&out);
		return -1;
	}
	for (const char *l = out.buf; *l;) {
		const char *nl = strchrnul(l, '\n');
		_cleanup_free_ char *line = xstrndup(l, nl - l);
		char *sp = strchr(line, ' ');

		if (sp) {
			*sp++ = 0;
			if (!strcmp(line, "layer"))
				cs_strvec_push(&b->base, sp);
			else if (!strcmp(line, "env"))
				cs_strvec_push(&b->imgenv, sp);
			else if (!strcmp(line, "workdir"))
				b->imgworkdir = xstrdup(sp);
			else if (!strcmp(line, "user"))
				b->imguser = xstrdup(sp);
			else if (!strcmp(line, "digest"))
				set_lock_from(b, u->from, sp);
		}
		l = *nl ? nl + 1 : nl;
	}
	cs_buf_release(&out);
	if (!b->lock.from) {
		sh_err(b->sh, "from: cshell-image gave no digest for '%s'",
		       u->from);
		return -1;
	}
	if (b->locked && (strcmp(b->old.from, b->lock.from) ||
			  strcmp(b->old.from_digest, b->lock.from_digest))) {
		b->sh->lineno = u->from_line;
		sh_err(b->sh,
		       "from %s resolves to %s but Cshellfile.lock pins %s %s: "
		       "run 'cshell up' without --locked to update the lock",
		       u->from, b->lock.from_digest, b->old.from,
		       b->old.from_digest);
		return -1;
	}
	return 0;
}

/* `kernel`: what a VM cannot be, refused before anything is built; the
 * kernel resolved (cshell-vm kernel: unpacked and cached once) and its
 * file's digest pinned, or compared with the lock's under --locked. */
static int resolve_kernel(struct build *b)
{
	struct up_eval *u = b->u;
	struct cs_buf out = CS_BUF_INIT;
	char *args[] = { "kernel", u->kernel, NULL };
	const char *why = NULL;

	if (!u->kernel)
		return 0;
	b->sh->lineno = u->kernel_line;
	if (b->image)
		why = "an image holds no kernel: 'image build' of a Cshellfile "
		      "with 'kernel' is not supported";
	else if (u->user_text)
		why = "a VM environment runs its commands as the guest's root: "
		      "remove 'user'";
	else if (u->net_set && u->spec.net != SBX_NET_NONE)
		why = "a VM has no network: remove 'net' or make it 'net none'";
	/* cshell-vm takes a mount as SRC:DST[:ro] */
	for (size_t k = 0; !why && k < u->spec.nmounts; k++)
		if (strchr(u->spec.mounts[k].src, ':') ||
		    strchr(u->spec.mounts[k].dst, ':'))
			why = "a VM cannot mount a path with ':' in it: "
			      "rename it or mount a directory above it";
	if (why) {
		sh_err(b->sh, "kernel: %s", why);
		return -1;
	}
	int st = helper_run(b, "cshell-vm", args, &out);
	const char *d = st ? NULL : strstr(out.buf, "\ndigest=sha256:");
	if (d) {
		b->lock.kernel = xstrdup(u->kernel);
		b->lock.kernel_digest = xstrndup(d + 8, strcspn(d + 8, "\n"));
	}
	cs_buf_release(&out);
	if (!d) {
		sh_err(b->sh, "kernel: cannot use kernel '%s' (see above)",
		       u->kernel);
		return -1;
	}
	if (b->locked &&
	    (!b->old.kernel || strcmp(b->old.kernel, b->lock.kernel) ||
	     strcmp(b->old.kernel_digest, b->lock.kernel_digest))) {
		sh_err(b->sh,
		       "kernel %s is %s but Cshellfile.lock pins %s%s%s: run "
		       "'cshell up' without --locked to update the lock",
		       u->kernel, b->lock.kernel_digest,
		       b->old.kernel ? b->old.kernel : "no kernel",
		       b->old.kernel ? " " : "",
		       b->old.kernel ? b->old.kernel_digest : "");
		return -1;
	}
	return 0;
}

/* The layers of a sandbox over the first n steps, top first. */
static char **layers_upto(struct build *b, size_t n, struct cs_strvec *v)
{
	for (size_t i = n; i > 0; i--)
		cs_strvec_push(v, b->built.v[i - 1]);
	for (size_t i = 0; i < b->u->layers.n; i++)
		cs_strvec_push(v, b->u->layers.v[i]);
	for (size_t i = 0; i < b->base.n; i++)
		cs_strvec_push(v, b->base.v[i]);
	/* without from the host root is the base, and must stay below the
	 * step layers (no layers at all means the same by default) */
	if (!b->u->from && v->n)
		cs_strvec_push(v, "/");
	return v->v;
}

/* The environment of a step's command: the base's and the Cshellfile's
 * up to it, then PATH and HOME if neither gave them (nothing of the
 * caller's environment: a step must not depend on who runs it). */
static char **step_env(struct build *b, const struct step *s,
		       struct cs_strvec *v)
{
	bool path = false, home = false;

	for (size_t i = 0; i < b->imgenv.n; i++)
		cs_strvec_push(v, b->imgenv.v[i]);
	for (size_t i = 0; i < s->keyenv.n; i++)
		if (s->keyenv.v[i][0] != ':')
			cs_strvec_push(v, s->keyenv.v[i]);
	for (size_t i = 0; i < v->n; i++) {
		path |= !strncmp(v->v[i], "PATH=", 5);
		home |= !strncmp(v->v[i], "HOME=", 5);
	}
	if (!path)
		cs_strvec_push(v, "PATH=/usr/local/sbin:/usr/local/bin:"
				  "/usr/sbin:/usr/bin:/sbin:/bin");
	if (!home)
		cs_strvec_push(v, "HOME=/root");
	return v->v;
}

struct step_job {
	const char *name;
	const char *text;
	char **envp;
};

static int step_job_main(void *arg)
{
	struct step_job *j = arg;
	struct cs_error err = CS_ERROR_INIT;
	char *argv[] = { "/bin/sh", "-c", (char *)j->text, NULL };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* a step reads nothing of the caller's (`cmds | cshell up` would
	 * lose its commands to it) */
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	if (sbx_join(j->name, &err) < 0) {
		cs_error_print(&err, "cshell");
		return 125;
	}
	errno = -sbx_exec(argv[0], argv, j->envp);
	fprintf(stderr,
		"cshell: up: cannot run /bin/sh in the build "
		"sandbox: %s (a 'run' step needs a shell in its image)\n",
		strerror(errno));
	return 127;
}

/* Runs step s (index i) in a throwaway sandbox over the layers so far;
 * on success its upper layer becomes a cached layer (layer dir and
 * digest in *dir, *digest).  Nothing is cached when it fails. */
static int run_step(struct build *b, size_t i, const char *key, char **dir,
		    char **digest)
{
	struct up_eval *u = b->u;
	const struct step *s = &u->steps[i];
	struct cs_error err = CS_ERROR_INIT;
	struct cs_strvec lv = CS_STRVEC_INIT, ev = CS_STRVEC_INIT;
	struct sbx_spec spec;
	struct sbx_info info;
	int st, r = -1;

	sbx_spec_init(&spec);
	spec.name = xasprintf("up-build-%d", (int)getpid());
	layers_upto(b, i, &lv);
	for (size_t k = 0; k < lv.n; k++)
		sbx_spec_add_layer(&spec, lv.v[k]);
	spec.workdir = xstrdup(s->workdir    ? s->workdir :
			       b->imgworkdir ? b->imgworkdir :
					       "/");
	/* steps run as root unless `user` came before them (as docker
	 * build); they get the network (a build installs packages) unless
	 * the Cshellfile chose a mode */
	spec.uid = s->uid;
	spec.gid = s->gid;
	spec.net = u->net_set ? u->spec.net : SBX_NET_HOST;
	spec.cpus_milli = u->spec.cpus_milli;
	spec.memory = u->spec.memory;
	sbx_rm(spec.name, 1, &err); /* a leftover of a killed build */
	cs_error_release(&err);
	if (sbx_create(&spec, &err) < 0) {
		b->sh->lineno = s->line;
		sh_err(b->sh, "cannot run step '%s': %s", s->text, err.msg);
		cs_error_release(&err);
		goto out;
	}
	struct step_job j = { spec.name, s->text, step_env(b, s, &ev) };
	char *jt = xasprintf("up: %s", s->text);
	st = sh_run_as_job(b->sh, jt, step_job_main, &j);
	free(jt);
	if (sbx_stop(spec.name, 5000, &err) < 0)
		cs_error_release(&err);
	if (st != 0) {
		b->sh->lineno = s->line;
		sh_err(b->sh,
		       "step '%s' failed with status %d; nothing of it "
		       "is kept",
		       s->text, st);
		goto out_rm;
	}
	if (sbx_inspect(spec.name, &info, &err) < 0 || !info.upper) {
		sh_err(b->sh, "cannot read the build sandbox of '%s': %s",
		       s->text, err.msg ? err.msg : "no upper layer");
		cs_error_release(&err);
		goto out_rm;
	}
	char *commit[] = { "layer-commit", "--key",    (char *)key,
			   "--",	   info.upper, NULL };
	struct cs_buf out = CS_BUF_INIT;
	if (helper(b, commit, &out) == 0) {
		*dir = sh_out_field(&out, "layer");
		*digest = sh_out_field(&out, "digest");
		r = *dir && *digest ? 0 : -1;
	}
	if (r < 0)
		sh_err(b->sh, "cannot store the layer of step '%s'", s->text);
	cs_buf_release(&out);
	sbx_info_release(&info);
out_rm:
	if (sbx_rm(spec.name, 1, &err) < 0) {
		cs_warn("%s", err.msg);
		cs_error_release(&err);
	}
out:
	cs_strvec_release(&lv);
	cs_strvec_release(&ev);
	sbx_spec_release(&spec);
	return r;
}

static void progress(struct build *b, size_t i, const char *what)
{
	if (!b->progress)
		return;
	fprintf(stderr, "up: [%zu/%zu] %.60s%s%s\n", i + 1, b->u->nsteps,
		b->u->steps[i].text,
		strlen(b->u->steps[i].text) > 60 ? "…" : "", what);
}

static int locked_step_differs(struct build *b, size_t i, const char *key)
{
	const struct step *s = &b->u->steps[i];

	if (!b->locked)
		return 0;
	if (i >= b->old.nsteps || strcmp(b->old.steps[i].key, key)) {
		b->sh->lineno = s->line;
		sh_err(b->sh,
		       "step %zu '%s' differs from Cshellfile.lock (%s): run "
		       "'cshell up' without --locked to update the lock",
		       i + 1, s->text,
		       i >= b->old.nsteps ? "the lock has fewer steps" :
					    "another key");
		return 1;
	}
	return 0;
}

static int build_steps(struct build *b)
{
	struct up_eval *u = b->u;
	const char *parent = b->lock.from_digest;

	if (u->layers.n)
		parent = u->layers.v[0]; /* live directories: by path */
	for (size_t i = 0; i < u->nsteps; i++) {
		const struct step *s = &u->steps[i];
		struct cs_strvec a = CS_STRVEC_INIT;
		struct cs_buf out = CS_BUF_INIT;

		cs_strvec_push(&a, "build-step");
		cs_strvec_push(&a, "--parent");
		cs_strvec_push(&a, i ? b->digests.v[i - 1] : parent);
		cs_strvec_push(&a, "--text");
		cs_strvec_push(&a, s->text);
		for (size_t k = 0; k < s->keyenv.n; k++) {
			cs_strvec_push(&a, "--env");
			cs_strvec_push(&a, s->keyenv.v[k]);
		}
		if (s->copy) {
			cs_strvec_push(&a, "--copy");
			cs_strvec_push_take(&a,
					    xasprintf("%s:%s", s->src, s->dst));
		}
		if (b->rebuild)
			cs_strvec_push(&a, "--rebuild");
		int st = helper(b, a.v, &out);
		cs_strvec_release(&a);
		_cleanup_free_ char *key =
			st ? NULL : sh_out_field(&out, "key");
		char *dir = sh_out_field(&out, "layer"),
		     *dg = sh_out_field(&out, "digest");
		_cleanup_free_ char *cached = sh_out_field(&out, "cached");
		cs_buf_release(&out);
		if (!key) {
			b->sh->lineno = s->line;
			sh_err(b->sh, "cannot prepare step '%s' (see above)",
			       s->text);
			free(dir);
			free(dg);
			return -1;
		}
		if (locked_step_differs(b, i, key)) {
			free(dir);
			free(dg);
			return -1;
		}
		if (!dir) {
			progress(b, i, "");
			if (run_step(b, i, key, &dir, &dg) < 0)
				return -1;
		} else {
			progress(b, i,
				 cached && !strcmp(cached, "1") ? " (cached)" :
								  "");
		}
		if (b->locked && strcmp(b->old.steps[i].digest, dg)) {
			b->sh->lineno = s->line;
			sh_err(b->sh,
			       "step %zu '%s' made layer %s but Cshellfile.lock "
			       "pins %s (its cached layer is gone and the step "
			       "is not reproducible): run 'cshell up' without "
			       "--locked to update the lock",
			       i + 1, s->text, dg, b->old.steps[i].digest);
			free(dir);
			free(dg);
			return -1;
		}
		cs_strvec_push_take(&b->built, dir);
		cs_strvec_push_take(&b->digests, dg);
		b->lock.steps = xrealloc(b->lock.steps,
					 (i + 1) * sizeof(*b->lock.steps));
		b->lock.steps[i].kind = xstrdup(s->copy ? "copy" : "run");
		b->lock.steps[i].key = xstrdup(key);
		b->lock.steps[i].digest = xstrdup(dg);
		b->lock.nsteps = i + 1;
	}
	if (b->locked && b->old.nsteps != u->nsteps) {
		sh_err(b->sh,
		       "Cshellfile.lock has %zu steps, the Cshellfile "
		       "%zu: run 'cshell up' without --locked to update the "
		       "lock",
		       b->old.nsteps, u->nsteps);
		return -1;
	}
	return 0;
}

static int read_old_lock(struct build *b)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", b->u->dir, LOCKFILE);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf t = CS_BUF_INIT;
	int r;

	if (cs_read_file(p, &t, MAX_CSHELLFILE, &err) < 0) {
		sh_err(b->sh,
		       "--locked: cannot read %s: %s (run 'cshell up' "
		       "without --locked to write it)",
		       p, err.msg);
		cs_error_release(&err);
		return -1;
	}
	r = up_lock_parse(&b->old, t.buf, t.len, &err);
	cs_buf_release(&t);
	if (r < 0) {
		sh_err(b->sh, "%s", err.msg);
		cs_error_release(&err);
	}
	return r;
}

/* The sandbox's spec: the Cshellfile's, over the built layers.  Its
 * commands run as the declared user; without one, under sudo, as the
 * user who ran sudo, so that files made in the project mount are
 * theirs (docs/sandbox.md: a rootful sandbox's root is the host's). */
static void final_spec(struct build *b, const char *name, struct sbx_spec *sp)
{
	struct up_eval *u = b->u;
	struct cs_strvec lv = CS_STRVEC_INIT;

	*sp = u->spec;
	memset(&u->spec, 0, sizeof(u->spec));
	free(sp->name);
	sp->name = xstrdup(name);
	layers_upto(b, u->nsteps, &lv);
	for (size_t k = 0; k < lv.n; k++)
		sbx_spec_add_layer(sp, lv.v[k]);
	cs_strvec_release(&lv);
	/* the base image's Env first, the Cshellfile's override it */
	char **env = NULL;
	size_t n = 0;
	for (size_t k = 0; k < b->imgenv.n + sp->nenv; k++) {
		env = xrealloc(env, (n + 2) * sizeof(char *));
		env[n++] = k < b->imgenv.n ? xstrdup(b->imgenv.v[k]) :
					     sp->env[k - b->imgenv.n];
		env[n] = NULL;
	}
	free(sp->env);
	sp->env = env;
	sp->nenv = n;
	if (!sp->workdir && b->imgworkdir)
		sp->workdir = xstrdup(b->imgworkdir);
	if (sp->uid < 0 && getuid() == 0 && getenv("SUDO_UID")) {
		struct cs_error err = CS_ERROR_INIT;
		_cleanup_free_ char *ug =
			xasprintf("%s:%s", getenv("SUDO_UID"),
				  getenv("SUDO_GID") ?: getenv("SUDO_UID"));

		if (sbx_parse_user(ug, &sp->uid, &sp->gid, &err) < 0)
			cs_error_release(&err);
	}
	if (u->from && strcmp(u->from, "scratch")) {
		free(sp->image);
		sp->image = xstrdup(u->from);
	}
}

/* `kernel`: the environment as a VM, booted by cshell-vm (booting links
 * what the shell does not) with the spec's layers, mounts, env, workdir
 * and limits.  A failed boot leaves no record (cshell-vm's rule). */
static int create_vm(struct build *b, const struct sbx_spec *sp)
{
	struct cs_strvec a = CS_STRVEC_INIT;
	int st;

	cs_strvec_push(&a, "cshell-vm");
	cs_strvec_push(&a, "boot");
	cs_strvec_push(&a, sp->name);
	cs_strvec_push(&a, "--kernel");
	cs_strvec_push(&a, b->u->kernel);
	for (size_t k = 0; k < sp->nlayers; k++) {
		cs_strvec_push(&a, "--layer");
		cs_strvec_push(&a, sp->layers[k]);
	}
	for (size_t k = 0; k < sp->nmounts; k++) {
		cs_strvec_push(&a, "--mount");
		cs_strvec_push_take(&a,
				    xasprintf("%s:%s%s", sp->mounts[k].src,
					      sp->mounts[k].dst,
					      sp->mounts[k].ro ? ":ro" : ""));
	}
	for (size_t k = 0; k < sp->nenv; k++) {
		cs_strvec_push(&a, "--env");
		cs_strvec_push(&a, sp->env[k]);
	}
	if (sp->workdir) {
		cs_strvec_push(&a, "--workdir");
		cs_strvec_push(&a, sp->workdir);
	}
	if (sp->cpus_milli) {
		cs_strvec_push(&a, "--cpus");
		cs_strvec_push_take(
			&a,
			xasprintf("%llu.%03llu",
				  (unsigned long long)sp->cpus_milli / 1000,
				  (unsigned long long)sp->cpus_milli % 1000));
	}
	if (sp->memory) {
		cs_strvec_push(&a, "--memory");
		cs_strvec_push_take(
			&a, xasprintf("%llu", (unsigned long long)sp->memory));
	}
	/* its "booted in" line is progress, not the command's output */
	struct cs_buf out = CS_BUF_INIT;
	st = helper_run(b, a.v[0], a.v + 1, &out);
	fputs(out.buf, stderr);
	cs_buf_release(&out);
	cs_strvec_release(&a);
	return st ? -1 : 0;
}

/* The environment over the built layers: a sandbox, or a VM. */
static int create_env(struct build *b, const char *name)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sbx_spec sp;
	int r = 0;

	final_spec(b, name, &sp);
	if (b->u->kernel) {
		r = create_vm(b, &sp);
	} else if (sbx_create(&sp, &err) < 0) {
		sh_err(b->sh, "%s", err.msg);
		cs_error_release(&err);
		r = -1;
	}
	sbx_spec_release(&sp);
	return r;
}

static void build_release(struct build *b)
{
	up_lock_release(&b->lock);
	up_lock_release(&b->old);
	cs_strvec_release(&b->base);
	cs_strvec_release(&b->imgenv);
	cs_strvec_release(&b->built);
	cs_strvec_release(&b->digests);
	free(b->imgworkdir);
	free(b->imguser);
}

/* After the evaluation: builds, writes the lock, creates the sandbox
 * (or, for `image build`, records the image).  Returns 0 or 1. */
static int build_and_create(struct build *b, const char *name, const char *tag)
{
	struct up_eval *u = b->u;
	struct cs_error err = CS_ERROR_INIT;
	char *lp = NULL, *stp = NULL;
	int r = 1;

	b->sh->progname = CSHELLFILE;
	b->sh->script_file = true;
	b->sh->lineno = 0;
	if (tag && !u->from) {
		sh_err(b->sh, "image build needs 'from REF' or 'from scratch' "
			      "(an image cannot hold the host root)");
		return 1;
	}
	if (tag && u->layers.n) {
		sh_err(b->sh, "image build cannot take 'layer' directories "
			      "(they stay live on the host): use 'copy'");
		return 1;
	}
	if (b->locked && read_old_lock(b) < 0)
		return 1;
	if (b->locked && !u->kernel && b->old.kernel) {
		sh_err(b->sh,
		       "Cshellfile.lock pins kernel %s but the Cshellfile has "
		       "no 'kernel': run 'cshell up' without --locked to "
		       "update the lock",
		       b->old.kernel);
		return 1;
	}
	if (resolve_base(b) < 0 || resolve_kernel(b) < 0 || build_steps(b) < 0)
		goto out;
	b->sh->lineno = 0;
	if (tag) {
		struct cs_strvec a = CS_STRVEC_INIT;
		struct cs_buf out = CS_BUF_INIT;

		cs_strvec_push(&a, "build-image");
		cs_strvec_push(&a, "--tag");
		cs_strvec_push(&a, tag);
		if (strcmp(u->from, "scratch")) {
			cs_strvec_push(&a, "--base");
			cs_strvec_push(&a, u->from);
		}
		for (size_t k = 0; k < b->digests.n; k++) {
			cs_strvec_push(&a, "--layer");
			cs_strvec_push(&a, b->digests.v[k]);
		}
		if (u->spec.nenv) {
			for (size_t k = 0; k < b->imgenv.n; k++) {
				cs_strvec_push(&a, "--env");
				cs_strvec_push(&a, b->imgenv.v[k]);
			}
			for (size_t k = 0; k < u->spec.nenv; k++) {
				cs_strvec_push(&a, "--env");
				cs_strvec_push(&a, u->spec.env[k]);
			}
		}
		if (u->spec.workdir) {
			cs_strvec_push(&a, "--workdir");
			cs_strvec_push(&a, u->spec.workdir);
		}
		if (u->user_text) {
			cs_strvec_push(&a, "--user");
			cs_strvec_push(&a, u->user_text);
		}
		int st = helper(b, a.v, &out);
		cs_strvec_release(&a);
		if (!st)
			fputs(out.buf, stdout);
		cs_buf_release(&out);
		r = st ? 1 : 0;
		goto out;
	}
	/* the lock, unless --locked (then it matched, and stays as it is) */
	lp = xasprintf("%s/%s", u->dir, LOCKFILE);
	if (!b->locked) {
		struct cs_buf t = CS_BUF_INIT;
		struct cs_buf old = CS_BUF_INIT;

		up_lock_format(&b->lock, &t);
		if (cs_read_file(lp, &old, MAX_CSHELLFILE, &err) < 0)
			cs_error_release(&err);
		if ((old.len != t.len || memcmp(old.buf, t.buf, t.len)) &&
		    cs_write_file_atomic(lp, t.buf, t.len, 0644, &err) < 0) {
			sh_err(b->sh, "cannot write %s: %s", lp, err.msg);
			cs_error_release(&err);
			cs_buf_release(&t);
			cs_buf_release(&old);
			goto out;
		}
		cs_buf_release(&t);
		cs_buf_release(&old);
	}
	/* the sandbox: made anew, as its Cshellfile changed since (a
	 * --locked up that found all as locked keeps the one this very
	 * Cshellfile and lock made) */
	struct cs_buf state = CS_BUF_INIT;
	current_state(u->dir, &state);
	if (!b->locked || !state_is(name, &state) || !env_of(name)) {
		env_remove(name);
		if (create_env(b, name) < 0) {
			cs_buf_release(&state);
			goto out;
		}
	}
	/* remember what it was made from: the next up with the same
	 * Cshellfile and lock starts nothing of the above */
	stp = state_path(name, 1, &err);
	if (!stp ||
	    cs_write_file_atomic(stp, state.buf, state.len, 0644, &err) < 0) {
		cs_warn("cannot remember the build of '%s': %s", name, err.msg);
		cs_error_release(&err);
	}
	cs_buf_release(&state);
	r = 0;
out:
	free(lp);
	free(stp);
	return r;
}

/* Where an `up` with `on` goes on (the evaluating child's answer). */
struct up_remote {
	char *on;	     /* NULL: built here */
	uint64_t cpus_milli; /* what the placement asks for */
	uint64_t memory;
};

/* In the evaluating child of an `up` that goes to another host: what is
 * sent there is the project directory (up_on()), so what lies outside
 * it is refused, and the answer goes to the parent on fd.  0 or 1. */
static int remote_request(struct build *b, const char *on, int fd)
{
	struct up_eval *u = b->u;
	size_t dl = strlen(u->dir);
	char msg[512];
	int n;

	b->sh->lineno = 0;
	if (u->layers.n) {
		sh_err(b->sh, "on: 'layer' directories are not sent to another "
			      "host: use 'copy'");
		return 1;
	}
	for (size_t i = 0; i < u->nsteps; i++) {
		const char *src = u->steps[i].src;
		/* `copy ../x` names a path below the project's text */
		_cleanup_free_ char *real = src ? realpath(src, NULL) : NULL;

		if (src && (!real || strncmp(real, u->dir, dl) ||
			    (real[dl] && real[dl] != '/'))) {
			b->sh->lineno = u->steps[i].line;
			sh_err(b->sh,
			       "on: copy source '%s' is outside the project "
			       "directory, which is all that is sent to the host",
			       src);
			return 1;
		}
	}
	n = snprintf(msg, sizeof(msg), "on %llu %llu %s",
		     (unsigned long long)u->spec.cpus_milli,
		     (unsigned long long)u->spec.memory, on);
	return n > 0 && (size_t)n < sizeof(msg) && write(fd, msg, n) == n ? 0 :
									    1;
}

/* Evaluates dir's Cshellfile in a forked child and, when it evaluated,
 * builds there (build_and_create), or, when it goes to another host
 * (`on`, --on), fills rm.  Returns the child's status: 0 only when all
 * went well. */
static int evaluate_and_build(struct sh *sh, const char *dir, const char *name,
			      struct build *proto, const char *tag,
			      struct up_remote *rm)
{
	_cleanup_free_ char *file = xasprintf("%s/%s", dir, CSHELLFILE);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	int pfd[2];
	pid_t pid;

	if (fd < 0) {
		sh_err(sh, "up: cannot open '%s': %s", file, strerror(errno));
		return 1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		close(fd);
		sh_err(sh, "up: pipe: %s", strerror(errno));
		return 1;
	}
	sh_flush_std(sh);
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		sh_err(sh, "up: cannot fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		struct up_eval u = { 0 };
		struct build b = *proto;
		int hfd = sh_move_fd_high(fd);

		close(pfd[0]);
		sh_forked(sh);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		u.dir = xstrdup(dir);
		sbx_spec_init(&u.spec);
		sh->up = &u;
		sh->progname = CSHELLFILE;
		sh->script = true;
		sh->script_file = true;
		sh->opts[OPT_INTERACTIVE] = false;
		sh->opts[OPT_MONITOR] = false;
		sh->jmp = NULL;
		sh->entered = NULL;
		sh->ttyfd = -1;
		/* relative paths in the file mean its directory */
		if (chdir(dir) < 0)
			_exit(1);
		src_push_fd(sh, hfd >= 0 ? hfd : fd, false);
		/* a script of its own: nothing of the calling shell's
		 * functions, aliases or arguments */
		sh->funcs = NULL;
		sh->aliases = NULL;
		params_set(&sh->params, 0, NULL);
		sh_run_source(sh, true);
		sh->up = NULL;
		/* evaluated: now build; nothing earlier touched the store */
		b.sh = sh;
		b.u = &u;
		const char *on = b.here || tag ? NULL : b.on ? b.on : u.on;
		int r = on ? remote_request(&b, on, pfd[1]) :
			     build_and_create(&b, name, tag);
		if (on) {
			fflush(NULL);
			_exit(r);
		}
		build_release(&b);
		if (!r)
			(void)!write(pfd[1], "ok", 2);
		fflush(NULL);
		_exit(r);
	}
	close(fd);
	close(pfd[1]);
	int ws, st;
	char ok[512] = "";
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	st = sh_waitstatus(ws);
	ssize_t n = read(pfd[0], ok, sizeof(ok) - 1);
	close(pfd[0]);
	unsigned long long cpus, mem;
	int off = 0;
	if (!st && rm && n > 3 &&
	    sscanf(ok, "on %llu %llu %n", &cpus, &mem, &off) == 2 && off) {
		rm->on = xstrdup(ok + off);
		rm->cpus_milli = cpus;
		rm->memory = mem;
		return 0;
	}
	/* an `exit 0` in the Cshellfile ends the child before its build */
	if (!st && (n != 2 || memcmp(ok, "ok", 2))) {
		sh_err(sh, "up: the Cshellfile exited before its end; nothing "
			   "was built");
		st = 1;
	}
	return st ? (st == 2 ? 2 : 1) : 0;
}

/* ------------------------------------------------------------------ */
/* On another host (`on`, `up --on`): the project directory is sent to
 * the chosen host and built there by that host's cshell (`up --receive`,
 * then `up DIR --here`), and the lock it wrote comes back.  Building
 * there rather than sending layers keeps one way of building: the same
 * inputs give the same keys and layers there as here (docs: man 5
 * Cshellfile, ON ANOTHER HOST). */

/* For `auto`, a label or a glob: the hosts it names probed (cshell-hosts
 * probe: placement reads the probe cache) and the name of the one
 * `cshell-hosts place` ranks first for the Cshellfile's cpus and memory
 * (malloc'd), or NULL after saying why (place's reasons, then ours). */
static char *placed_host(struct sh *sh, const struct up_remote *rm)
{
	const char *spec = strcmp(rm->on, "auto") ? rm->on : NULL;
	unsigned long long kb = rm->memory >> 10;
	struct cs_strvec a = CS_STRVEC_INIT;
	struct cs_buf out = CS_BUF_INIT;
	char *chosen = NULL;

	cs_strvec_push(&a, sh_helper_path(sh, "cshell-hosts"));
	cs_strvec_push(&a, "probe");
	if (spec)
		cs_strvec_push(&a, spec);
	cs_buf_init(&out, 1 << 16);
	sh_capture(sh, a.v, &out, true);
	cs_buf_release(&out);
	cs_strvec_release(&a);
	cs_strvec_push(&a, sh_helper_path(sh, "cshell-hosts"));
	cs_strvec_push(&a, "place");
	if (rm->cpus_milli) {
		cs_strvec_push(&a, "--cpus");
		cs_strvec_push_take(&a,
				    xasprintf("%.3f", rm->cpus_milli / 1000.0));
	}
	if (kb) {
		cs_strvec_push(&a, "--memory");
		cs_strvec_push_take(&a, xasprintf("%lluk", kb));
	}
	if (spec)
		cs_strvec_push(&a, spec);
	cs_buf_init(&out, 1 << 16);
	if (sh_capture(sh, a.v, &out, false) == 0 && out.len)
		chosen = xstrndup(out.buf, strcspn(out.buf, " \n"));
	cs_strvec_release(&a);
	cs_buf_release(&out);
	if (!chosen)
		sh_err(sh, "up: no host fits '%s' (see above)", rm->on);
	return chosen;
}

/* The host rm->on names, or the placement's choice, copied into h. */
static int pick_host(struct sh *sh, const struct up_remote *rm,
		     struct sch_host *h)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;
	_cleanup_free_ char *chosen = NULL;

	if (!strcmp(rm->on, "auto") || strchr(rm->on, '=') ||
	    sh_target_is_glob(rm->on)) {
		chosen = placed_host(sh, rm);
		if (!chosen)
			return -1;
	}
	if (sch_inventory_load(&inv, &err) < 0) {
		sh_err(sh, "up: cannot read the hosts inventory: %s", err.msg);
		cs_error_release(&err);
		return -1;
	}
	const struct sch_host *f =
		sch_inventory_find(&inv, chosen ? chosen : rm->on);
	if (f)
		sch_host_copy(h, f);
	else
		sh_err(sh, "up: unknown host '%s' (see 'host ls')", rm->on);
	sch_inventory_release(&inv);
	return f ? 0 : -1;
}

/* The ssh command line that runs argv on h (no terminal). */
static char **remote_argv(struct sh *sh, const struct sch_host *h, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_ssh_opts o = { 0 };
	_cleanup_free_ char *cmd = sch_quote_argv(argv);
	char **v = sch_ssh_argv(h, cmd, &o, &err);

	if (!v) {
		sh_err(sh, "up: cannot run on host '%s': %s", h->name, err.msg);
		cs_error_release(&err);
	}
	return v;
}

/* Sends the project directory to h (tar through ssh into `cshell up
 * --receive NAME` there); the directory it landed in, or NULL after one
 * sentence saying why. */
static char *send_project(struct sh *sh, const struct sch_host *h,
			  const char *proj, const char *name)
{
	char *recv[] = { "cshell", "up", "--receive", (char *)name, NULL };
	char **ssh = remote_argv(sh, h, recv);
	struct cs_strvec a = CS_STRVEC_INIT;
	struct cs_buf out = CS_BUF_INIT;
	char *dir = NULL;

	if (!ssh)
		return NULL;
	/* tar's output into ssh, ssh's messages into what is captured */
	cs_strvec_push(&a, "/bin/sh");
	cs_strvec_push(&a, "-c");
	cs_strvec_push(&a, "d=$1; shift; tar -C \"$d\" -cf - . | "
			   "\"$@\" 2>&1");
	cs_strvec_push(&a, "sh");
	cs_strvec_push(&a, proj);
	for (char **p = ssh; *p; p++)
		cs_strvec_push(&a, *p);
	sch_argv_free(ssh);
	cs_buf_init(&out, 1 << 16);
	int st = sh_capture(sh, a.v, &out, false);
	cs_strvec_release(&a);
	while (out.len && out.buf[out.len - 1] == '\n')
		out.buf[--out.len] = 0;
	const char *last = strrchr(out.buf, '\n');
	last = last ? last + 1 : out.buf;
	if (!st && last[0] == '/')
		dir = xstrdup(last);
	else if (st == SCH_STATUS_TRANSPORT)
		sh_err(sh, "up: cannot reach host '%s': %s", h->name,
		       *last ? last : "ssh failed");
	else
		sh_err(sh, "up: cannot send the project to host '%s': %s",
		       h->name, *last ? last : "no answer");
	cs_buf_release(&out);
	return dir;
}

/* NAME.on: "HOST\nDIR\n", so that `down` reaches the environment there. */
static void remember_host(const char *name, const char *host, const char *dir)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *p = up_file(name, "on", 1, &err);
	_cleanup_free_ char *text = xasprintf("%s\n%s\n", host, dir);

	if (!p || cs_write_file_atomic(p, text, strlen(text), 0644, &err) < 0) {
		cs_warn("cannot remember where '%s' runs: %s", name, err.msg);
		cs_error_release(&err);
	}
}

struct remote_job {
	const struct sch_host *h;
	char **argv;
};

/* In the job's child: ssh execs, with a terminal when there is one (the
 * ssh target's enter(), as `@HOST cmd`). */
static int remote_job_main(void *arg)
{
	struct remote_job *j = arg;
	struct cs_error err = CS_ERROR_INIT;

	sh_ssh_enter_host(j->h, j->argv, &err);
	return job_failed(&err);
}

/* The lock h wrote in dir replaces the project's (when it parses and
 * differs): the lock is the project's, wherever it was built. */
static void fetch_lock(struct sh *sh, const struct sch_host *h, const char *dir,
		       const char *proj)
{
	_cleanup_free_ char *rl = xasprintf("%s/%s", dir, LOCKFILE);
	_cleanup_free_ char *ll = xasprintf("%s/%s", proj, LOCKFILE);
	char *cat[] = { "cat", "--", rl, NULL };
	char **ssh = remote_argv(sh, h, cat);
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf out = CS_BUF_INIT, old = CS_BUF_INIT;
	struct up_lock l;

	if (!ssh)
		return;
	cs_buf_init(&out, 1 << 16);
	int st = sh_capture(sh, ssh, &out, true);
	sch_argv_free(ssh);
	if (!st && up_lock_parse(&l, out.buf, out.len, &err) == 0) {
		up_lock_release(&l);
		if (cs_read_file(ll, &old, MAX_CSHELLFILE, &err) < 0)
			cs_error_release(&err);
		if ((old.len != out.len || memcmp(old.buf, out.buf, out.len)) &&
		    cs_write_file_atomic(ll, out.buf, out.len, 0644, &err) < 0)
			sh_err(sh, "up: cannot write %s: %s", ll, err.msg);
	}
	cs_error_release(&err);
	cs_buf_release(&out);
	cs_buf_release(&old);
}

/* `up` on another host: the host chosen, the project sent, `cshell up
 * DIR --here [-- CMD]` run there (entered with a terminal when there is
 * one), the lock fetched back.  The status is the remote up's. */
static int up_on(struct sh *sh, const char *proj, const char *name,
		 const struct up_remote *rm, const struct build *proto,
		 char **cmd)
{
	struct sch_host h = { 0 };
	struct cs_strvec a = CS_STRVEC_INIT;
	int st;

	if (pick_host(sh, rm, &h) < 0)
		return 1;
	_cleanup_free_ char *dir = send_project(sh, &h, proj, name);
	if (!dir) {
		sch_host_release(&h);
		return 1;
	}
	remember_host(name, h.name, dir);
	if (proto->progress) {
		cs_strvec_push(&a, "env");
		cs_strvec_push(&a, "CSHELL_UP_PROGRESS=1");
	}
	cs_strvec_push(&a, "cshell");
	cs_strvec_push(&a, "up");
	cs_strvec_push(&a, dir);
	cs_strvec_push(&a, "--here");
	if (proto->locked)
		cs_strvec_push(&a, "--locked");
	if (proto->rebuild)
		cs_strvec_push(&a, "--rebuild");
	if (cmd) {
		cs_strvec_push(&a, "--");
		for (char **p = cmd; *p; p++)
			cs_strvec_push(&a, *p);
	}
	struct remote_job j = { &h, a.v };
	_cleanup_free_ char *text = xasprintf("up --on %s", h.name);
	st = sh_run_as_job(sh, text, remote_job_main, &j);
	cs_strvec_release(&a);
	if (!proto->locked)
		fetch_lock(sh, &h, dir, proj);
	sch_host_release(&h);
	return st;
}

/* One line of a list GNU tar wrote with --quoting-style=escape, in
 * place: backslash escapes undone, "./" and a directory's "/" taken off.
 * NULL for "." itself and for a name that could leave the directory. */
static char *sent_name(char *l)
{
	static const char esc[] = "\\\\n\nt\ta\ab\bf\fr\rv\v";
	char *o = l, *i = l;

	while (*i) {
		const char *e;

		if (*i != '\\' || !i[1]) {
			*o++ = *i++;
		} else if (i[1] >= '0' && i[1] <= '7') {
			int v = 0, k;

			for (k = 1; k <= 3 && i[k] >= '0' && i[k] <= '7'; k++)
				v = v * 8 + (i[k] - '0');
			*o++ = (char)v;
			i += k;
		} else {
			e = strchr(esc, i[1]);
			*o++ = e && (e - esc) % 2 == 0 ? e[1] : i[1];
			i += 2;
		}
	}
	*o = 0;
	if (o > l && o[-1] == '/')
		*--o = 0;
	if (!strncmp(l, "./", 2))
		l += 2;
	if (!*l || !strcmp(l, "."))
		return NULL;
	for (const char *c = l; *c; c++)
		if (c[0] == '.' && c[1] == '.' && (c == l || c[-1] == '/') &&
		    (!c[2] || c[2] == '/'))
			return NULL;
	return *l == '/' ? NULL : l;
}

/* The names of a sent list (root/NAME.sent), sorted; with files_only,
 * those of its non-directories only. */
static void sent_read(const char *path, struct cs_strvec *v, bool files_only)
{
	struct cs_buf b = CS_BUF_INIT;

	if (cs_read_file(path, &b, 256u << 20, NULL) < 0)
		return;
	for (char *l = b.buf, *nl; l && *l; l = nl) {
		char *n;

		nl = strchr(l, '\n');
		if (nl)
			*nl++ = 0;
		if (files_only && *l && l[strlen(l) - 1] == '/')
			continue;
		n = sent_name(l);
		if (n)
			cs_strvec_push(v, n);
	}
	cs_buf_release(&b);
	if (v->n)
		qsort(v->v, v->n, sizeof(*v->v), cs_cmp_strp);
}

/* Removes rel below dirfd, never through a symlink: a file, or a
 * directory once it is empty (else it stays); with tree, only a
 * directory, and all in it. */
static void remove_beneath(int dirfd, const char *rel, bool tree)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve =
					RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
	_cleanup_free_ char *parent = xstrdup(rel);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : rel;
	int pfd = dirfd;
	struct stat st;

	if (slash) {
		*slash = 0;
		pfd = (int)syscall(SYS_openat2, dirfd, parent, &how,
				   sizeof(how));
		if (pfd < 0)
			return;
	}
	if (tree) {
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			cs_remove_tree(pfd, base);
	} else if (unlinkat(pfd, base, 0) < 0 &&
		   (errno == EISDIR || errno == EPERM)) {
		(void)unlinkat(pfd, base, AT_REMOVEDIR);
	}
	if (pfd != dirfd)
		close(pfd);
}

/* Before a send is unpacked in dir: what the last one brought and this
 * one lacks has been removed from the project since, so it goes here
 * too, deepest first; a directory this one brings as a file or symlink
 * goes with all in it (tar cannot unpack over it).  Files made here (a
 * build's output) were in neither list and stay. */
static void prune_unsent(const char *dir, const char *old_list,
			 const char *new_list)
{
	struct cs_strvec old = CS_STRVEC_INIT, now = CS_STRVEC_INIT,
			 files = CS_STRVEC_INIT;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	sent_read(old_list, &old, false);
	sent_read(new_list, &now, false);
	sent_read(new_list, &files, true);
	for (size_t i = old.n; dfd >= 0 && i-- > 0;)
		if (!now.n || !bsearch(&old.v[i], now.v, now.n, sizeof(*now.v),
				       cs_cmp_strp))
			remove_beneath(dfd, old.v[i], false);
	for (size_t i = 0; dfd >= 0 && i < files.n; i++)
		remove_beneath(dfd, files.v[i], true);
	cs_strvec_release(&old);
	cs_strvec_release(&now);
	cs_strvec_release(&files);
}

/* Copies standard input to path; 0 or -errno. */
static int spool_stdin(const char *path)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[65536];
	ssize_t n;
	int r;

	if (fd < 0)
		return -errno;
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		r = cs_write_all(fd, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/* `up --receive NAME` (what up_on() runs on the chosen host): a tar of
 * a project on stdin unpacked into data/up/hosted/NAME, whose path it
 * prints.  Files are updated in place, so that a running sandbox's
 * mount of the project sees them; the tar is kept (NAME.tar.tmp) and
 * listed first, so that what the previous send brought and this one
 * lacks is removed (prune_unsent; the list stays as NAME.sent).  A
 * directory it made is removed again when the tar fails. */
static int up_receive(struct sh *sh, const char *name)
{
	struct cs_error err = CS_ERROR_INIT;
	_cleanup_free_ char *slashed = xasprintf("/%s", name);
	_cleanup_free_ char *ok = sandbox_name(slashed);
	_cleanup_free_ char *root =
		cs_root_subdir(CS_ROOT_DATA, "up/hosted", 1, &err);

	if (strcmp(ok, name) || !root) {
		sh_err(sh, "up: --receive: %s",
		       root ? "not a sandbox name" : err.msg);
		cs_error_release(&err);
		return 2;
	}
	_cleanup_free_ char *dir = xasprintf("%s/%s", root, name);
	_cleanup_free_ char *sent = xasprintf("%s/%s.sent", root, name);
	_cleanup_free_ char *sent_new = xasprintf("%s.new", sent);
	_cleanup_free_ char *spool = xasprintf("%s/%s.tar.tmp", root, name);
	char *list[] = { "tar", "-t", "-f", spool, "--quoting-style=escape",
			 NULL };
	char *tar[] = { "tar", "-x", "-f", spool, "--no-same-owner",
			"-C",  dir,  NULL };
	char *rm[] = { "rm", "-rf", "--", dir, NULL };
	struct cs_buf names = CS_BUF_INIT;
	bool made;
	int r = spool_stdin(spool);

	if (r < 0) {
		unlink(spool);
		sh_err(sh, "up: cannot keep the project sent in %s: %s", root,
		       strerror(-r));
		return 1;
	}
	if (sh_capture(sh, list, &names, true) ||
	    cs_write_file_atomic(sent_new, names.buf ? names.buf : "",
				 names.len, 0644, &err) < 0) {
		cs_buf_release(&names);
		unlink(spool);
		sh_err(sh, "up: %s",
		       err.msg ? err.msg :
				 "the project sent was not a complete tar");
		cs_error_release(&err);
		return 1;
	}
	cs_buf_release(&names);
	made = mkdir(dir, 0755) == 0;
	if (!made && errno != EEXIST) {
		sh_err(sh, "up: cannot create %s: %s", dir, strerror(errno));
		unlink(spool);
		return 1;
	}
	prune_unsent(dir, sent, sent_new);
	r = sh_exec_external_wait(sh, tar);
	unlink(spool);
	if (r) {
		if (made)
			sh_exec_external_wait(sh, rm);
		unlink(sent_new);
		sh_err(sh, "up: the project sent was not a complete tar");
		return 1;
	}
	if (rename(sent_new, sent) < 0)
		cs_warn("up: cannot keep the list of what was sent as %s: %s",
			sent, strerror(errno));
	printf("%s\n", dir);
	return 0;
}

/* ------------------------------------------------------------------ */
/* up, down */

static int up_usage(struct sh *sh, const char *msg, const char *arg)
{
	if (msg)
		sh_err(sh, msg, arg);
	fputs(up_usage_text, stderr);
	return 2;
}

static bool wants_help(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "help"))
		return true;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int bi_up(struct sh *sh, int argc, char **argv)
{
	struct build proto = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	const char *dir = NULL;
	char **cmd = NULL;
	int i;

	if (wants_help(argc, argv)) {
		fputs(up_usage_text, stdout);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = argv + i + 1;
			break;
		} else if (!strcmp(argv[i], "--locked")) {
			proto.locked = true;
		} else if (!strcmp(argv[i], "--rebuild")) {
			proto.rebuild = true;
		} else if (!strcmp(argv[i], "--here")) {
			proto.here = true;
		} else if (!strcmp(argv[i], "--on") && i + 1 < argc) {
			proto.on = argv[++i];
			if (strcmp(proto.on, "auto") &&
			    !sch_spec_valid(proto.on))
				return up_usage(sh,
						"up: --on '%s' is not a host "
						"name, a label or auto",
						proto.on);
		} else if (!strcmp(argv[i], "--on")) {
			return up_usage(sh,
					"up: --on needs a host, a label or "
					"auto%s",
					"");
		} else if (!strcmp(argv[i], "--receive") && i + 2 == argc) {
			return up_receive(sh, argv[i + 1]);
		} else if (argv[i][0] == '-') {
			return up_usage(sh, "up: unknown option '%s'", argv[i]);
		} else if (!dir) {
			dir = argv[i];
		} else {
			return up_usage(sh,
					"up: unexpected argument '%s' (a "
					"command goes after '--')",
					argv[i]);
		}
	}
	if (cmd && !*cmd)
		return up_usage(sh, "up: no command after '--'%s", "");
	if (proto.on && proto.here)
		return up_usage(sh, "up: --on and --here exclude each other%s",
				"");
	if (sh->up)
		return up_usage(sh, "up: not inside a Cshellfile%s", "");
	_cleanup_free_ char *proj = find_project(dir, &err);
	if (!proj) {
		sh_err(sh, "up: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	_cleanup_free_ char *name = sandbox_name(proj);

	/* unchanged since the last up, and the sandbox still there: no
	 * evaluation, no cshell-image, no build */
	struct cs_buf now = CS_BUF_INIT;
	current_state(proj, &now);
	/* --locked checks the registry too (a moved tag), so it always
	 * evaluates */
	bool fresh = !proto.rebuild && !proto.locked && state_is(name, &now) &&
		     env_of(name);
	cs_buf_release(&now);
	if (!fresh) {
		/* a sandbox of that name that no up made is not ours to
		 * replace */
		_cleanup_free_ char *mine = state_path(name, 0, &err);
		if (mine && access(mine, F_OK) < 0 && !proto.on &&
		    env_of(name)) {
			sh_err(sh,
			       "up: a sandbox '%s' exists that 'up' did not "
			       "make: remove it (sandbox rm -f %s) or rename the "
			       "directory '%s'",
			       name, name, proj);
			return 1;
		}
		cs_error_release(&err);
		/* one build of a project at a time */
		_cleanup_free_ char *lockp = state_path(name, 1, &err);
		_cleanup_close_ int lock = -1;
		if (lockp) {
			lockp[strlen(lockp) - strlen(".state")] = 0;
			char *l = xasprintf("%s.lock", lockp);
			lock = cs_lock_path(l, 1, 1, &err);
			free(l);
		}
		if (lock < 0) {
			sh_err(sh, "up: %s", err.msg ? err.msg : "cannot lock");
			cs_error_release(&err);
			return 1;
		}
		proto.progress = isatty(2) || getenv("CSHELL_UP_PROGRESS");
		struct up_remote rm = { 0 };
		int st = evaluate_and_build(sh, proj, name, &proto, NULL, &rm);
		if (!st && rm.on) {
			st = up_on(sh, proj, name, &rm, &proto, cmd);
			free(rm.on);
			return st;
		}
		if (st)
			return st;
	}
	const struct env_kind *k = env_of(name);
	if (!k) {
		sh_err(sh, "up: the environment '%s' is gone", name);
		return 1;
	}
	if (k->start(sh, name))
		return 1;
	if (cmd) {
		struct up_job j = { name, cmd };
		_cleanup_free_ char *text = job_text_argv(argc, argv, NULL);

		return sh_run_as_job(sh, text, k->run, &j);
	}
	/* no command: enter it.  An interactive shell (the builtin) keeps
	 * going, entered; `cshell up` becomes an interactive shell entered
	 * into the sandbox (cshell --enter). */
	if (sh->opts[OPT_INTERACTIVE]) {
		free(sh->entered);
		sh->entered = xstrdup(name);
		fprintf(stderr,
			"up: entered '%s' ('leave' returns, 'down' "
			"stops it)\n",
			name);
		return 0;
	}
	char *self = sh_helper_path(sh, "cshell");
	char *v[] = { self, "--enter", name, NULL };
	sh_flush_std(sh);
	execv(self, v);
	sh_err(sh, "up: cannot run '%s': %s", self, strerror(errno));
	return 126;
}

/* `down` of an environment that is not here: the host the last `up
 * --on` sent it to runs `cshell down DIR` (NAME.on); --rm forgets it. */
static int down_on(struct sh *sh, const char *name, bool rm)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf t = CS_BUF_INIT;
	_cleanup_free_ char *p = up_file(name, "on", 0, &err);

	if (!p || cs_read_file(p, &t, 2 * PATH_MAX, &err) < 0) {
		cs_error_release(&err);
		sh_err(sh, "down: no environment '%s' (nothing to stop)", name);
		return 1;
	}
	char *nl = strchr(t.buf, '\n');
	struct up_remote where = { .on = t.buf };
	struct sch_host h = { 0 };
	int st = 1;
	if (nl)
		*nl = 0;
	if (!nl || nl[1] != '/') {
		sh_err(sh, "down: %s is not what 'up --on' wrote: remove it",
		       p);
	} else if (pick_host(sh, &where, &h) == 0) {
		char *dir = nl + 1;
		dir[strcspn(dir, "\n")] = 0;
		char *a[] = { "cshell", "down", dir, rm ? "--rm" : NULL, NULL };
		struct remote_job j = { &h, a };
		_cleanup_free_ char *text = xasprintf("down on %s", h.name);
		st = sh_run_as_job(sh, text, remote_job_main, &j);
		sch_host_release(&h);
	}
	if (!st && rm)
		unlink(p);
	cs_buf_release(&t);
	return st;
}

static int bi_down(struct sh *sh, int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	const char *dir = NULL;
	bool rm = false;

	if (wants_help(argc, argv)) {
		fputs(up_usage_text, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rm"))
			rm = true;
		else if (argv[i][0] == '-' || dir)
			return up_usage(sh, "down: unexpected argument '%s'",
					argv[i]);
		else
			dir = argv[i];
	}
	_cleanup_free_ char *proj = find_project(dir, &err);
	if (!proj) {
		sh_err(sh, "down: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	_cleanup_free_ char *name = sandbox_name(proj);
	if (sh->entered && !strcmp(sh->entered, name)) {
		free(sh->entered);
		sh->entered = NULL;
	}
	const struct env_kind *k = env_of(name);
	if (!k)
		return down_on(sh, name, rm);
	if ((rm ? k->rm(name, &err) : k->stop(name, &err)) < 0) {
		sh_err(sh, "down: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	if (rm) {
		_cleanup_free_ char *stp = state_path(name, 0, &err);

		if (stp)
			unlink(stp);
		cs_error_release(&err);
	}
	return 0;
}

int sh_up_image_build(struct sh *sh, int argc, char **argv)
{
	struct build proto = { 0 };
	struct cs_error err = CS_ERROR_INIT;
	const char *dir = NULL, *tag = NULL;

	/* argv: image build [-t REF] [DIR] */
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs("usage: image build [-t REF] [--rebuild] [DIR]\n"
			      "  the environment of DIR's Cshellfile as an OCI "
			      "image in the local store\n  (one layer per "
			      "run/copy step; 'from' is required)\n",
			      stdout);
			return 0;
		} else if ((!strcmp(argv[i], "-t") ||
			    !strcmp(argv[i], "--tag")) &&
			   i + 1 < argc) {
			tag = argv[++i];
		} else if (!strcmp(argv[i], "--rebuild")) {
			proto.rebuild = true;
		} else if (argv[i][0] != '-' && !dir) {
			dir = argv[i];
		} else {
			sh_err(sh,
			       "image build: unexpected argument '%s' "
			       "(usage: image build [-t REF] [DIR])",
			       argv[i]);
			return 2;
		}
	}
	_cleanup_free_ char *proj = find_project(dir, &err);
	if (!proj) {
		sh_err(sh, "image build: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	_cleanup_free_ char *name = sandbox_name(proj);
	_cleanup_free_ char *deftag = xasprintf("localhost/%s:latest", name);
	proto.image = true;
	proto.progress = isatty(2) || getenv("CSHELL_UP_PROGRESS");
	return evaluate_and_build(sh, proj, name, &proto, tag ? tag : deftag,
				  NULL);
}

/* Tab completion: the flags of up and down */
static const char *const up_flags[] = {
	"--locked", "--rebuild", "--on", "--here", "--rm", "--help", NULL,
};

static const struct sh_completion up_completion = {
	.flags = up_flags,
};

SH_BUILTIN(up) = {
	.b = { "up", bi_up, false },
	.own_help = true,
	.usage =
		"up [DIR] [--locked] [--rebuild] [--on HOST|--here] [-- CMD...]",
	.what = "build and enter the environment of a Cshellfile (man 5 Cshellfile)",
	.complete = &up_completion,
};

SH_BUILTIN(down) = {
	.b = { "down", bi_down, false },
	.own_help = true,
	.usage = "down [--rm] [DIR]",
	.what = "stop the sandbox of a Cshellfile (--rm: remove it)",
	.complete = &up_completion,
};
