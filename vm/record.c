// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * record.c — what a VM is, apart from its QEMU: the definition it was
 * created with (data/vm/<name>/config), next to its upper layer and the
 * console log of its last boot, so that `sandbox stop` ends the guest but
 * keeps the VM, `sandbox start` boots it again as it was, and `sandbox
 * ls/inspect` show a stopped VM as they show a stopped sandbox.  Needs
 * only libc: the shell links it from libcshell.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sandbox/sandbox.h"
#include "vm/vm_i.h"

/* 2: values escaped (vm_line_escape); 1: raw, no newline */
#define RECORD_VERSION 2

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->memory = 512ull << 20;
	cfg->boot_timeout = 30;
}

void vm_config_release(struct vm_config *cfg)
{
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->root);
	for (size_t i = 0; i < cfg->nlayers; i++)
		free(cfg->layers[i]);
	free(cfg->layers);
	for (size_t i = 0; i < cfg->nmounts; i++) {
		free(cfg->mounts[i].src);
		free(cfg->mounts[i].dst);
	}
	free(cfg->mounts);
	for (size_t i = 0; i < cfg->nenv; i++)
		free(cfg->env[i]);
	free(cfg->env);
	free(cfg->workdir);
	free(cfg->hostname);
	free(cfg->qemu);
	free(cfg->image);
	vm_config_init(cfg);
}

void vm_config_add_mount(struct vm_config *cfg, const char *src,
			 const char *dst, int ro)
{
	cfg->mounts = xrealloc(cfg->mounts,
			       (cfg->nmounts + 1) * sizeof(*cfg->mounts));
	cfg->mounts[cfg->nmounts].src = xstrdup(src);
	cfg->mounts[cfg->nmounts].dst = xstrdup(dst);
	cfg->mounts[cfg->nmounts++].ro = ro;
}

void vm_config_add_layer(struct vm_config *cfg, const char *dir)
{
	cfg->layers =
		xrealloc(cfg->layers, (cfg->nlayers + 2) * sizeof(char *));
	cfg->layers[cfg->nlayers++] = xstrdup(dir);
	cfg->layers[cfg->nlayers] = NULL;
}

void vm_config_add_env(struct vm_config *cfg, const char *kv)
{
	cfg->env = xrealloc(cfg->env, (cfg->nenv + 2) * sizeof(char *));
	cfg->env[cfg->nenv++] = xstrdup(kv);
	cfg->env[cfg->nenv] = NULL;
}

char *vm_data_dir(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *sub = NULL;

	if (vm_check_name(name, err) < 0)
		return NULL;
	sub = xasprintf("vm/%s", name);
	return cs_root_subdir(CS_ROOT_DATA, sub, create, err);
}

static char *record_path(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *dir = vm_data_dir(name, create, err);

	return dir ? xasprintf("%s/config", dir) : NULL;
}

/* A value goes on one line, escaped: a newline in it (an image's Env may
 * hold one) must not forge another key. */
static void put(struct cs_buf *b, const char *key, const char *val)
{
	if (!val)
		return;
	cs_buf_addf(b, "%s=", key);
	vm_line_escape(b, val);
	cs_buf_addc(b, '\n');
}

/* EEXIST, without its strerror: the sentence says it */
static int exists(const char *name, struct cs_error *err)
{
	cs_error_set(err, 0,
		     "VM '%s' already exists ('sandbox start %s' starts it, "
		     "'sandbox rm %s' removes it)",
		     name, name, name);
	if (err)
		err->code = EEXIST;
	return -1;
}

int vm_record_create(const struct vm_config *cfg, struct cs_error *err)
{
	_cleanup_free_ char *path = record_path(cfg->name, 1, err);
	struct cs_buf b = CS_BUF_INIT;
	struct stat st;
	int r = 0;

	if (!path)
		return -1;
	/* data/vm/kernels is the kernel cache */
	if (!strcmp(cfg->name, "kernels"))
		return cs_error_set(err, EINVAL,
				    "a VM cannot be named 'kernels' (cshell's "
				    "kernel cache has that name); choose "
				    "another");
	if (stat(path, &st) == 0)
		return exists(cfg->name, err);
	cs_buf_addf(&b, "version=%d\nname=%s\n", RECORD_VERSION, cfg->name);
	put(&b, "kernel", cfg->kernel);
	put(&b, "root", cfg->root);
	for (size_t i = 0; i < cfg->nlayers; i++)
		put(&b, "layer", cfg->layers[i]);
	for (size_t i = 0; i < cfg->nmounts; i++) {
		_cleanup_free_ char *m = NULL;

		if (strchr(cfg->mounts[i].src, '\t') ||
		    strchr(cfg->mounts[i].dst, '\t')) {
			r = cs_error_set(err, EINVAL,
					 "mount %s: a tab in the path cannot "
					 "be kept",
					 cfg->mounts[i].src);
			break;
		}
		m = xasprintf("%s\t%s\t%d", cfg->mounts[i].src,
			      cfg->mounts[i].dst, cfg->mounts[i].ro);
		put(&b, "mount", m);
	}
	for (size_t i = 0; i < cfg->nenv; i++)
		put(&b, "env", cfg->env[i]);
	put(&b, "workdir", cfg->workdir);
	put(&b, "hostname", cfg->hostname);
	put(&b, "qemu", cfg->qemu);
	put(&b, "image", cfg->image);
	cs_buf_addf(&b,
		    "read_only=%d\ncpus=%u\nmemory=%" PRIu64 "\ntimeout=%d\n"
		    "virtiofs=%d\nephemeral=%d\ncreated=%lld\n",
		    cfg->root_ro, cfg->cpus, cfg->memory, cfg->boot_timeout,
		    cfg->virtiofs, cfg->ephemeral, (long long)time(NULL));
	/* new, not replaced: of two creates of one name at once, one
	 * fails here (the stat above leaves them both through) */
	if (r == 0) {
		r = cs_write_file_new(path, b.buf, b.len, 0644, err);
		if (r < 0 && err && err->code == EEXIST)
			exists(cfg->name, err);
	}
	cs_buf_release(&b);
	return r < 0 ? -1 : 0;
}

static int record_read(const char *name, struct vm_config *cfg,
		       long long *created, struct cs_error *err)
{
	_cleanup_free_ char *path = record_path(name, 0, err);
	struct cs_buf b = CS_BUF_INIT;
	char *line, *next;
	int escaped = 0;

	vm_config_init(cfg);
	if (!path)
		return -1;
	if (cs_read_file(path, &b, 1 << 20, err) < 0) {
		if (err && err->code == ENOENT) {
			cs_error_release(err);
			cs_error_set(err, ENOENT, "no VM '%s'", name);
		}
		return -1;
	}
	for (line = b.buf; line && *line; line = next) {
		char *eq, *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		v = eq + 1;
		if (escaped)
			vm_line_unescape(v);
		if (!strcmp(line, "version") && atoi(v) > RECORD_VERSION) {
			cs_buf_release(&b);
			return cs_error_set(err, 0,
					    "VM '%s' was made by a newer "
					    "cshell (record version %s); "
					    "upgrade cshell",
					    name, v);
		} else if (!strcmp(line, "version")) {
			escaped = atoi(v) >= 2;
		} else if (!strcmp(line, "name")) {
			cfg->name = xstrdup(v);
		} else if (!strcmp(line, "kernel")) {
			cfg->kernel = xstrdup(v);
		} else if (!strcmp(line, "root")) {
			cfg->root = xstrdup(v);
		} else if (!strcmp(line, "layer")) {
			vm_config_add_layer(cfg, v);
		} else if (!strcmp(line, "mount")) {
			char *t1 = strchr(v, '\t'), *t2;

			if (t1 && (t2 = strchr(t1 + 1, '\t'))) {
				*t1 = *t2 = 0;
				vm_config_add_mount(cfg, v, t1 + 1,
						    atoi(t2 + 1));
			}
		} else if (!strcmp(line, "env")) {
			vm_config_add_env(cfg, v);
		} else if (!strcmp(line, "workdir")) {
			cfg->workdir = xstrdup(v);
		} else if (!strcmp(line, "hostname")) {
			cfg->hostname = xstrdup(v);
		} else if (!strcmp(line, "qemu")) {
			cfg->qemu = xstrdup(v);
		} else if (!strcmp(line, "image")) {
			cfg->image = xstrdup(v);
		} else if (!strcmp(line, "read_only")) {
			cfg->root_ro = atoi(v);
		} else if (!strcmp(line, "cpus")) {
			cfg->cpus = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(line, "memory")) {
			cfg->memory = strtoull(v, NULL, 10);
		} else if (!strcmp(line, "timeout")) {
			cfg->boot_timeout = atoi(v);
		} else if (!strcmp(line, "virtiofs")) {
			cfg->virtiofs = atoi(v);
		} else if (!strcmp(line, "ephemeral")) {
			cfg->ephemeral = atoi(v);
		} else if (!strcmp(line, "created") && created) {
			*created = strtoll(v, NULL, 10);
		}
	}
	cs_buf_release(&b);
	if (!cfg->name || strcmp(cfg->name, name) || !cfg->kernel) {
		vm_config_release(cfg);
		return cs_error_set(
			err, 0,
			"the record of VM '%s' is damaged ('sandbox "
			"rm %s' removes it)",
			name, name);
	}
	return 0;
}

int vm_record_load(const char *name, struct vm_config *cfg,
		   struct cs_error *err)
{
	return record_read(name, cfg, NULL, err);
}

int vm_known(const char *name)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (vm_check_name(name, NULL) < 0)
		return 0;
	path = record_path(name, 0, NULL);
	return (path && stat(path, &st) == 0) || vm_exists(name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the VM names found under root (vm/ of the runtime or data root) to
 * v; with need_record only those holding a record (the data root also
 * keeps the kernel cache, data/vm/kernels). */
static void scan(enum cs_root root, int need_record, char ***v, size_t *n)
{
	_cleanup_free_ char *dir = cs_root_subdir(root, "vm", 0, NULL);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;
		size_t i;

		if (e->d_name[0] == '.' || vm_check_name(e->d_name, NULL) < 0)
			continue;
		p = xasprintf("%s/%s/config", dir, e->d_name);
		if (need_record && stat(p, &st) < 0)
			continue;
		for (i = 0; i < *n && strcmp((*v)[i], e->d_name); i++)
			;
		if (i < *n)
			continue;
		*v = xrealloc(*v, (*n + 2) * sizeof(char *));
		(*v)[(*n)++] = xstrdup(e->d_name);
		(*v)[*n] = NULL;
	}
	if (d)
		closedir(d);
}

char **vm_names(void)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	scan(CS_ROOT_RUNTIME, 0, &v, &n);
	scan(CS_ROOT_DATA, 1, &v, &n);
	qsort(v, n, sizeof(char *), cmp_str);
	return v;
}

char *vm_console_path(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir = vm_state_dir(name, 0, NULL), *p = NULL;
	struct stat st;

	/* while it runs, QEMU's own file; once stopped, the copy stop
	 * kept in the data root */
	if (dir) {
		p = xasprintf("%s/console.log", dir);
		if (stat(p, &st) == 0)
			return steal_ptr(&p);
	}
	free(dir);
	dir = vm_data_dir(name, 0, err);
	return dir ? xasprintf("%s/console.log", dir) : NULL;
}

int vm_remove(const char *name, int force, struct cs_error *err)
{
	_cleanup_free_ char *data = NULL;

	if (!vm_known(name))
		return cs_error_set(err, ENOENT, "no VM '%s'", name);
	if (vm_exists(name)) {
		if (!force)
			return cs_error_set(err, 0,
					    "VM '%s' is running (stop it, or "
					    "rm -f)",
					    name);
		if (vm_stop(name, 10000, err) < 0)
			return -1;
	} else {
		/* what a VM that died left in the runtime root */
		vm_stop(name, 0, NULL);
	}
	data = vm_data_dir(name, 0, NULL);
	if (data)
		vm_rm_rf(data);
	return 0;
}

/* ------------------------------------------------------------------ */
/* inspect */

static char *read_line(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	struct cs_buf b = CS_BUF_INIT;

	if (cs_read_file(p, &b, 4096, NULL) < 0)
		return NULL;
	while (b.len && b.buf[b.len - 1] == '\n')
		b.buf[--b.len] = 0;
	return cs_buf_detach(&b, NULL);
}

/* Why a VM that is not running died (static text), or NULL: it was
 * stopped, or its guest powered off.  The supervisor leaves a word in
 * <data>/dead (boot.c); a supervisor that is gone itself leaves its pid
 * file. */
static const char *dead_reason(const char *data, const char *state)
{
	static const struct {
		const char *word, *text;
	} why[] = {
		{ "killed", "its QEMU was killed" },
		{ "exit", "its QEMU exited with an error" },
		{ "hung", "its guest stopped answering pings" },
		{ "agent", "its agent's port closed or broke the protocol" },
	};
	_cleanup_free_ char *w = read_line(data, "dead"), *sp = NULL;

	for (size_t i = 0; w && i < CS_ARRAY_SIZE(why); i++)
		if (!strcmp(w, why[i].word))
			return why[i].text;
	if (w)
		return "its QEMU ended";
	sp = state ? read_line(state, "supervisor.pid") : NULL;
	if (sp && atoi(sp) > 0 && kill(atoi(sp), 0) < 0 && errno == ESRCH)
		return "its supervisor is gone";
	return NULL;
}

int vm_inspect(const char *name, struct vm_info *vi, struct cs_error *err)
{
	_cleanup_free_ char *qp = NULL, *sp = NULL, *acc = NULL;
	char *tab;

	memset(vi, 0, sizeof(*vi));
	if (record_read(name, &vi->cfg, &vi->created, err) < 0)
		return -1;
	vi->state_dir = vm_state_dir(name, 0, NULL);
	vi->data_dir = vm_data_dir(name, 0, NULL);
	vi->running = vm_exists(name);
	if (vi->running && vi->state_dir) {
		qp = read_line(vi->state_dir, "qemu.pid");
		sp = read_line(vi->state_dir, "supervisor.pid");
		vi->qemu_pid = qp ? (pid_t)atoi(qp) : 0;
		vi->supervisor_pid = sp ? (pid_t)atoi(sp) : 0;
		vi->release = read_line(vi->state_dir, "release");
		acc = read_line(vi->state_dir, "accel");
		vi->boot = read_line(vi->state_dir, "boot");
		vi->ctl_sock = xasprintf("%s/ctl.sock", vi->state_dir);
		vm_cgroup_read(vi->state_dir, &vi->cgroup_v2, &vi->cgroup_v1);
	} else if (vi->data_dir) {
		/* what the last boot said, kept by stop */
		vi->release = read_line(vi->data_dir, "release");
		acc = read_line(vi->data_dir, "accel");
		vi->boot = read_line(vi->data_dir, "boot");
		vi->dead_reason = dead_reason(vi->data_dir, vi->state_dir);
	}
	if (acc && (tab = strchr(acc, '\t'))) {
		*tab = 0;
		vi->accel = xstrdup(acc);
		vi->accel_reason = xstrdup(tab + 1);
	}
	vi->console = vm_console_path(name, NULL);
	if (vi->cfg.root)
		vi->rootfs = xstrdup(vi->cfg.root);
	else if (vi->cfg.nlayers == 1 && vi->cfg.root_ro &&
		 strcmp(vi->cfg.layers[0], "/"))
		vi->rootfs = xstrdup(vi->cfg.layers[0]);
	else if (vi->state_dir)
		vi->rootfs = xasprintf("%s/rootfs", vi->state_dir);
	if (!vi->cfg.root && !vi->cfg.root_ro && vi->data_dir)
		vi->upper = xasprintf("%s/upper", vi->data_dir);
	return 0;
}

void vm_info_release(struct vm_info *vi)
{
	vm_config_release(&vi->cfg);
	free(vi->release);
	free(vi->accel);
	free(vi->accel_reason);
	free(vi->boot);
	free(vi->state_dir);
	free(vi->data_dir);
	free(vi->ctl_sock);
	free(vi->console);
	free(vi->rootfs);
	free(vi->upper);
	free(vi->cgroup_v2);
	free(vi->cgroup_v1);
	memset(vi, 0, sizeof(*vi));
}

void vm_info_sbx(const struct vm_info *vi, struct sbx_info *out)
{
	const struct vm_config *c = &vi->cfg;
	struct sbx_spec *s = &out->spec;

	memset(out, 0, sizeof(*out));
	sbx_spec_init(s);
	s->name = xstrdup(c->name);
	s->backend = SBX_BACKEND_VM;
	for (size_t i = 0; i < c->nlayers; i++)
		sbx_spec_add_layer(s, c->layers[i]);
	for (size_t i = 0; i < c->nmounts; i++)
		sbx_spec_add_mount(s, c->mounts[i].src, c->mounts[i].dst,
				   c->mounts[i].ro);
	for (size_t i = 0; i < c->nenv; i++)
		sbx_spec_add_env(s, c->env[i]);
	s->workdir = c->workdir ? xstrdup(c->workdir) : NULL;
	s->hostname = c->hostname ? xstrdup(c->hostname) : NULL;
	s->image = c->image ? xstrdup(c->image) : NULL;
	s->cpus_milli = (uint64_t)c->cpus * 1000;
	s->memory = c->memory;
	s->pids = 0; /* the guest's own kernel counts them */
	s->net = SBX_NET_NONE;
	/* the guest kernel filters no syscalls of its own */
	s->seccomp = SBX_SECCOMP_UNCONFINED;
	s->read_only = c->root_ro;
	out->state = vi->running     ? SBX_STATE_RUNNING :
		     vi->dead_reason ? SBX_STATE_DEAD :
				       SBX_STATE_STOPPED;
	out->dead_reason = vi->dead_reason;
	out->init_pid = vi->qemu_pid;
	out->rootfs = vi->rootfs ? xstrdup(vi->rootfs) : NULL;
	out->upper = vi->upper ? xstrdup(vi->upper) : NULL;
	out->rootfs_mode = xstrdup(c->virtiofs ? "virtiofs" : "9p");
	out->created = vi->created;
	out->ephemeral = c->ephemeral;
	out->cgroup_v2 = vi->cgroup_v2 ? xstrdup(vi->cgroup_v2) : NULL;
	out->cgroup_v1 = vi->cgroup_v1 ? xstrdup(vi->cgroup_v1) : NULL;
}

/* JSON strings of the "vm" object (paths, the accelerator's reason) */
static void json_str(struct cs_buf *b, const char *key, const char *s)
{
	cs_buf_addf(b, ",\"%s\":", key);
	if (!s) {
		cs_buf_adds(b, "null");
		return;
	}
	cs_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			cs_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			cs_buf_addf(b, "\\u%04x", *p);
		else
			cs_buf_addc(b, (char)*p);
	}
	cs_buf_addc(b, '"');
}

void vm_info_json(const struct vm_info *vi, struct cs_buf *out)
{
	struct sbx_info si;
	size_t start = out->len;

	/* a sandbox's keys first, so one reader handles both backends */
	vm_info_sbx(vi, &si);
	sbx_info_json(&si, out);
	sbx_info_release(&si);
	if (out->len > start && out->buf[out->len - 1] == '}')
		out->buf[--out->len] = 0;
	cs_buf_addf(out, ",\"vm\":{\"qemu_pid\":%d,\"supervisor_pid\":%d",
		    (int)vi->qemu_pid, (int)vi->supervisor_pid);
	json_str(out, "kernel", vi->cfg.kernel);
	json_str(out, "release", vi->release);
	json_str(out, "accelerator", vi->accel);
	json_str(out, "accelerator_reason", vi->accel_reason);
	json_str(out, "boot", vi->boot);
	cs_buf_addf(out, ",\"cpus\":%u", vi->cfg.cpus);
	json_str(out, "state_dir", vi->running ? vi->state_dir : NULL);
	json_str(out, "control_socket", vi->ctl_sock);
	json_str(out, "console", vi->console);
	cs_buf_adds(out, "}}");
}
