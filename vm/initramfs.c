// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * initramfs.c — the guest's initramfs, written as a cpio "newc" archive
 * (the kernel's own format, Documentation/driver-api/early-userspace):
 * cshell-agent as /init, the kernel's modules for virtio-mmio, the
 * virtio console and the shared filesystem with their dependencies from
 * modules.dep (decompressed, so any kernel can load them), and
 * /cshell.conf telling the agent what to load and mount.  It is left
 * uncompressed: under TCG the kernel would spend longer inflating it than
 * it takes to read.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "vm/vm_i.h"

void vm_cpio_init(struct vm_cpio *c, int fd)
{
	c->fd = fd;
	c->off = 0;
	c->ino = 1;
	c->failed = 0;
}

static void cpio_write(struct vm_cpio *c, const void *p, size_t n)
{
	if (!c->failed && cs_write_all(c->fd, p, n) < 0)
		c->failed = 1;
	c->off += n;
}

static void cpio_pad(struct vm_cpio *c)
{
	static const char zero[4];

	if (c->off % 4)
		cpio_write(c, zero, 4 - c->off % 4);
}

static void cpio_entry(struct vm_cpio *c, const char *path, unsigned mode,
		       const void *data, size_t len)
{
	char hdr[111];
	size_t nlen = strlen(path) + 1;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->ino++, mode, 0, 0, 1, 0, (unsigned)len, 0, 0, 0, 0,
		 (unsigned)nlen, 0);
	cpio_write(c, hdr, 110);
	cpio_write(c, path, nlen);
	cpio_pad(c);
	if (len) {
		cpio_write(c, data, len);
		cpio_pad(c);
	}
}

void vm_cpio_dir(struct vm_cpio *c, const char *path, unsigned mode)
{
	cpio_entry(c, path, S_IFDIR | mode, NULL, 0);
}

void vm_cpio_file(struct vm_cpio *c, const char *path, unsigned mode,
		  const void *data, size_t len)
{
	cpio_entry(c, path, S_IFREG | mode, data, len);
}

int vm_cpio_finish(struct vm_cpio *c)
{
	cpio_entry(c, "TRAILER!!!", 0, NULL, 0);
	return c->failed ? -1 : 0;
}

/* ------------------------------------------------------------------ */

struct dep {
	char *name; /* normalised module name */
	char *rel;  /* path in the modules dir */
	char **deps;
	size_t ndeps;
	int done;
};

char *vm_module_name(const char *rel)
{
	const char *b = strrchr(rel, '/');
	char *n = xstrdup(b ? b + 1 : rel);

	n[strcspn(n, ".")] = 0;
	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

static struct dep *dep_find(struct dep *d, size_t n, const char *key,
			    int by_rel)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(by_rel ? d[i].rel : d[i].name, key))
			return &d[i];
	return NULL;
}

/* Dependencies first (post-order), each module once. */
static void order(struct dep *d, size_t n, struct dep *m, struct cs_buf *out,
		  int depth)
{
	if (!m || m->done || depth > 64)
		return;
	m->done = 1;
	for (size_t i = 0; i < m->ndeps; i++)
		order(d, n, dep_find(d, n, m->deps[i], 1), out, depth + 1);
	cs_buf_addf(out, "%s\n", m->rel);
}

/* The relative paths of the modules to load, in load order. */
static int module_list(const struct vm_kernel *k, int virtiofs,
		       struct cs_buf *out, struct cs_error *err)
{
	/* virtiofs serves the writable shares only: read-only ones stay on
	 * 9p, whose readonly=on QEMU enforces (virtiofsd cannot) */
	const char *want[] = { "virtio_mmio", "virtio_console", "9pnet_virtio",
			       "9p", virtiofs ? "virtiofs" : NULL };
	struct cs_buf text = CS_BUF_INIT, builtin = CS_BUF_INIT;
	struct dep *d = NULL;
	size_t n = 0;
	char *path;
	int r = 0;

	if (!k->modules)
		return 0; /* everything built in, or the boot will say */
	path = xasprintf("%s/modules.dep", k->modules);
	r = cs_read_file(path, &text, 16 << 20, err);
	free(path);
	if (r < 0)
		return cs_error_wrap(err, "kernel %s has no usable modules.dep",
				     k->release);
	path = xasprintf("%s/modules.builtin", k->modules);
	cs_read_file(path, &builtin, 16 << 20, NULL);
	free(path);

	for (char *l = text.buf, *nl; *l; l = nl + 1) {
		char *colon, *tok, *save = NULL;

		nl = strchr(l, '\n');
		if (!nl)
			nl = l + strlen(l) - 1;
		*nl = 0;
		colon = strchr(l, ':');
		if (!colon)
			continue;
		*colon = 0;
		d = xrealloc(d, (n + 1) * sizeof(*d));
		memset(&d[n], 0, sizeof(d[n]));
		d[n].rel = xstrdup(l);
		d[n].name = vm_module_name(l);
		for (tok = strtok_r(colon + 1, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			d[n].deps = xrealloc(d[n].deps,
					     (d[n].ndeps + 1) * sizeof(char *));
			d[n].deps[d[n].ndeps++] = xstrdup(tok);
		}
		n++;
		if (nl[1] == 0)
			break;
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(want) && r == 0; i++) {
		struct dep *m;
		char *pat;

		if (!want[i])
			continue;
		m = dep_find(d, n, want[i], 0);
		if (m) {
			order(d, n, m, out, 0);
			continue;
		}
		/* built in: modules.builtin lists ".../NAME.ko" */
		pat = xasprintf("/%s.ko", want[i]);
		for (char *c = pat; *c; c++)
			if (*c == '_' && !strstr(builtin.buf, pat))
				*c = '-';
		if (!strstr(builtin.buf, pat)) {
			char *p2 = xasprintf("/%s.ko", want[i]);

			if (!strstr(builtin.buf, p2))
				r = cs_error_set(
					err, 0,
					"kernel %s has no %s module "
					"(neither loadable nor built in)",
					k->release, want[i]);
			free(p2);
		}
		free(pat);
	}
	for (size_t i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].rel);
		for (size_t j = 0; j < d[i].ndeps; j++)
			free(d[i].deps[j]);
		free(d[i].deps);
	}
	free(d);
	cs_buf_release(&text);
	cs_buf_release(&builtin);
	return r;
}

/* A module without its appended signature: under TCG checking the
 * signatures of the handful of modules costs about a second of every
 * boot; an unsigned module only taints a kernel that does not enforce
 * signatures.  The signed original goes along for one that does. */
static size_t unsigned_len(const struct cs_buf *m)
{
	static const char magic[] = "~Module signature appended~\n";
	size_t ml = sizeof(magic) - 1, n = m->len;
	const uint8_t *p = (const uint8_t *)m->buf;
	uint32_t sig;

	if (n < ml + 12 || memcmp(p + n - ml, magic, ml))
		return n;
	n -= ml;
	/* struct module_signature: 5 bytes, 3 pad, be32 sig_len */
	sig = (uint32_t)p[n - 4] << 24 | (uint32_t)p[n - 3] << 16 |
	      (uint32_t)p[n - 2] << 8 | p[n - 1];
	if ((uint64_t)sig + 12 + p[n - 12 + 3] + p[n - 12 + 4] > n)
		return m->len;
	return n - 12 - sig - p[n - 12 + 3] - p[n - 12 + 4];
}

char *vm_agent_program(struct cs_error *err)
{
	const char *env = getenv("CSHELL_AGENT");
	char self[4096], *p;
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		p = strrchr(self, '/');
		if (p) {
			*p = 0;
			p = xasprintf("%s/cshell-agent", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	for (const char *path = getenv("PATH"); path && *path;) {
		size_t l = strcspn(path, ":");

		p = xasprintf("%.*s/cshell-agent", (int)l, path);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
		path += l;
		path += *path == ':';
	}
	cs_error_set(err, 0, "cshell-agent not found (set CSHELL_AGENT)");
	return NULL;
}

/* the agent reads lines: the value escaped (an image's Env may hold a
 * newline) */
static void conf_put(struct cs_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	cs_buf_addf(b, "%s=", k);
	vm_line_escape(b, v);
	cs_buf_addc(b, '\n');
}

int vm_initramfs_build(const char *path, const struct vm_kernel *k,
		       const struct vm_config *cfg, const char *root_tag,
		       const char *root_fs, struct cs_buf *vmconf,
		       struct cs_error *err)
{
	struct cs_buf mods = CS_BUF_INIT, modconf = CS_BUF_INIT,
		      data = CS_BUF_INIT, plain = CS_BUF_INIT;
	_cleanup_free_ char *agent = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	struct vm_cpio c;
	int r = -1;

	agent = vm_agent_program(err);
	if (!agent)
		return -1;
	if (module_list(k, cfg->virtiofs, &mods, err) < 0)
		goto out;
	tmp = xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		cs_error_errno(err, "cannot create %s", tmp);
		goto out;
	}
	vm_cpio_init(&c, fd);
	if (cs_read_file(agent, &data, 64 << 20, err) < 0)
		goto out;
	vm_cpio_file(&c, "init", 0755, data.buf, data.len);
	vm_cpio_dir(&c, "proc", 0755);
	vm_cpio_dir(&c, "sys", 0755);
	vm_cpio_dir(&c, "dev", 0755);
	vm_cpio_dir(&c, "newroot", 0755);
	vm_cpio_dir(&c, "m", 0755);

	for (char *l = mods.buf, *nl; *l; l = nl + 1) {
		char *src, name[64], *dst;

		nl = strchr(l, '\n');
		*nl = 0;
		src = xasprintf("%s/%s", k->modules, l);
		cs_buf_reset(&data);
		cs_buf_reset(&plain);
		if (cs_read_file(src, &data, 64 << 20, err) < 0) {
			free(src);
			goto out;
		}
		free(src);
		if (!strstr(l, ".ko.") ||
		    vm_decompress(data.buf, data.len, &plain, 64 << 20, err) <
			    0) {
			if (strstr(l, ".ko.")) {
				cs_error_wrap(err, "module %s", l);
				goto out;
			}
			cs_buf_reset(&plain);
			cs_buf_add(&plain, data.buf, data.len);
		}
		/* flat names: the agent only needs to open them */
		snprintf(name, sizeof(name), "%.*s",
			 (int)strcspn(strrchr(l, '/') ? strrchr(l, '/') + 1 : l,
				      "."),
			 strrchr(l, '/') ? strrchr(l, '/') + 1 : l);
		dst = xasprintf("m/%s.ko", name);
		vm_cpio_file(&c, dst, 0644, plain.buf, unsigned_len(&plain));
		if (unsigned_len(&plain) != plain.len) {
			char *sig = xasprintf("%s.signed", dst);

			vm_cpio_file(&c, sig, 0644, plain.buf, plain.len);
			free(sig);
		}
		cs_buf_addf(&modconf, "module=/%s\n", dst);
		free(dst);
	}
	/* the rest is the VM's own: its CONFIG (the supervisor's), not
	 * the initramfs, which is then the same for every VM of the
	 * kernel and agent (a snapshot's) */
	struct cs_buf *conf = vmconf;

	cs_buf_addf(conf, "root_fs=%s\nroot_tag=%s\nroot_ro=%d\n", root_fs,
		    root_tag, cfg->root_ro);
	for (size_t i = 0; i < cfg->nmounts; i++)
		if (!strchr(cfg->mounts[i].dst, '\n') &&
		    !strchr(cfg->mounts[i].dst, '\t'))
			cs_buf_addf(conf, "mount=m%zu\t%s\t%d\t%s\n", i,
				    cfg->mounts[i].dst, cfg->mounts[i].ro,
				    cfg->virtiofs && !cfg->mounts[i].ro ?
					    "virtiofs" :
					    "9p");
	/* over the host root the guest would see cshell's own state, among
	 * it the layered root's mount point (a lookup there would loop
	 * through the layered fs into itself): hidden as in a sandbox */
	int host_root = cfg->root && !strcmp(cfg->root, "/");

	for (size_t i = 0; i < cfg->nlayers; i++)
		host_root |= !strcmp(cfg->layers[i], "/");
	for (int rt = CS_ROOT_CONFIG; host_root && rt <= CS_ROOT_RUNTIME;
	     rt++) {
		char *p = cs_root_path((enum cs_root)rt);

		conf_put(conf, "hide", p);
		free(p);
	}
	conf_put(conf, "hostname", cfg->hostname ? cfg->hostname : cfg->name);
	conf_put(conf, "workdir", cfg->workdir);
	for (size_t i = 0; i < cfg->nenv; i++)
		conf_put(conf, "env", cfg->env[i]);
	vm_cpio_file(&c, "cshell.conf", 0644, modconf.buf, modconf.len);
	if (vm_cpio_finish(&c) < 0) {
		cs_error_errno(err, "cannot write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		cs_error_errno(err, "cannot rename %s", tmp);
		goto out;
	}
	r = 0;
out:
	if (r < 0 && tmp)
		unlink(tmp);
	cs_buf_release(&mods);
	cs_buf_release(&modconf);
	cs_buf_release(&data);
	cs_buf_release(&plain);
	return r;
}
