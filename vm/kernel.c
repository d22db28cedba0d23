// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kernel.c — from what the user called a kernel to an uncompressed vmlinux
 * and its modules directory.
 *
 * A microvm boots an ELF vmlinux straight away, which under TCG saves the
 * seconds the bzImage's own decompressor would spend at every boot; so a
 * compressed kernel is decompressed once (the payload found by its magic,
 * as the kernel's scripts/extract-vmlinux does) and cached under
 * data/vm/kernels/<sha256 of the input>/.  A linux-image .deb is unpacked
 * there too, but only the modules the guest needs: Debian's packages carry
 * no modules.dep (depmod runs at install), so the first pass reads every
 * module's "depends=" from its .modinfo and writes a modules.dep, the
 * second extracts the closure.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

#include "vm/vm_i.h"

#define KERNEL_CAP (512u << 20) /* an uncompressed vmlinux is < 100 MiB */
#define MODULE_CAP (64u << 20)

void vm_kernel_release(struct vm_kernel *k)
{
	free(k->vmlinux);
	free(k->modules);
	free(k->release);
	free(k->digest);
	memset(k, 0, sizeof(*k));
}

static int sha256_file(const char *path, char hex[65], struct cs_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char md[32], buf[1 << 16];
	EVP_MD_CTX *ctx;
	ssize_t n;

	if (fd < 0)
		return cs_error_errno(err, "cannot open %s", path);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return cs_error_errno(err, "cannot read %s", path);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return 0;
}

/*
 * The sha256 of the kernel the user named, which names its cache entry.
 * Hashing a 60 MB .deb costs ~0.2 s at every boot, so the digest is kept
 * in <kroot>/stat/ under the file's device, inode, size, mtime and ctime:
 * any change to the file changes its ctime, which no one can set back.
 */
static int input_digest(const char *kroot, const char *file, char hex[65],
			char **keep, struct cs_error *err)
{
	_cleanup_free_ char *key = NULL, *dir = NULL;
	struct cs_buf b = CS_BUF_INIT;
	struct stat st;

	if (stat(file, &st) == 0) {
		dir = xasprintf("%s/stat", kroot);
		key = xasprintf(
			"%s/%llx-%llx-%llx-%lld.%09ld-%lld.%09ld", dir,
			(unsigned long long)st.st_dev,
			(unsigned long long)st.st_ino,
			(unsigned long long)st.st_size,
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			(long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		if (cs_read_file(key, &b, 128, NULL) == 0 && b.len == 64 &&
		    strspn(b.buf, "0123456789abcdef") == 64) {
			memcpy(hex, b.buf, 65);
			cs_buf_release(&b);
			return 0;
		}
		cs_buf_release(&b);
	}
	if (sha256_file(file, hex, err) < 0)
		return -1;
	*keep = steal_ptr(&key);
	return 0;
}

/* Keeps the digest input_digest() computed under its key, once the file
 * proved a kernel (a typo's file leaves nothing); a cache of a cache:
 * when it cannot be written, the file is hashed next time. */
static void keep_digest(char *key, const char hex[65])
{
	char *sl = key ? strrchr(key, '/') : NULL;

	if (!sl)
		return;
	*sl = 0;
	if (cs_mkdir_p(key, 0755) == 0) {
		*sl = '/';
		cs_write_file_atomic(key, hex, 64, 0644, NULL);
	}
	free(key);
}

/* A complete 64-bit ELF: headers and section table inside the data. */
static int elf_ok(const uint8_t *p, size_t n)
{
	uint64_t shoff, phoff;
	uint16_t shnum, shentsize, phnum, phentsize;

	if (n < 64 || memcmp(p, "\177ELF", 4) || p[4] != 2)
		return 0;
	memcpy(&phoff, p + 32, 8);
	memcpy(&shoff, p + 40, 8);
	memcpy(&phentsize, p + 54, 2);
	memcpy(&phnum, p + 56, 2);
	memcpy(&shentsize, p + 58, 2);
	memcpy(&shnum, p + 60, 2);
	return phnum && phoff + (uint64_t)phnum * phentsize <= n &&
	       shoff + (uint64_t)shnum * shentsize <= n;
}

int vm_decompress(const void *data, size_t len, struct cs_buf *out, size_t cap,
		  struct cs_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[1 << 16];
	ssize_t n;
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	r = archive_read_open_memory(a, data, len);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &e);
	if (r != ARCHIVE_OK) {
		cs_error_set(err, 0, "%s",
			     archive_error_string(a) ? archive_error_string(a) :
						       "unreadable data");
		archive_read_free(a);
		return -1;
	}
	/* a payload followed by other bytes (a bzImage's) ends in an error
	 * after all of it came out: the caller checks what it got */
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (cap && out->len + (size_t)n > cap) {
			archive_read_free(a);
			return cs_error_set(err, E2BIG, "decompressed data");
		} else
			cs_buf_add(out, buf, (size_t)n);
	archive_read_free(a);
	return out->len ? 0 : cs_error_set(err, EINVAL, "no data");
}

/* extract-vmlinux: try each compression magic at each offset. */
static int extract_vmlinux(const uint8_t *p, size_t n, struct cs_buf *out)
{
	static const struct {
		const char *magic;
		size_t len;
	} magics[] = {
		{ "\x1f\x8b\x08", 3 }, /* gzip */
		{ "\xfd"
		  "7zXZ\0",
		  6 },			   /* xz */
		{ "\x28\xb5\x2f\xfd", 4 }, /* zstd */
		{ "\x5d\0\0\0", 4 },	   /* lzma */
		{ "BZh", 3 },		   /* bzip2 */
		{ "\x02\x21\x4c\x18", 4 }, /* lz4 legacy */
	};

	for (size_t m = 0; m < CS_ARRAY_SIZE(magics); m++) {
		const uint8_t *q = p;

		while ((q = memmem(q, n - (size_t)(q - p), magics[m].magic,
				   magics[m].len))) {
			cs_buf_reset(out);
			if (vm_decompress(q, n - (size_t)(q - p), out,
					  KERNEL_CAP, NULL) == 0 &&
			    elf_ok((uint8_t *)out->buf, out->len))
				return 0;
			q++;
		}
	}
	return -1;
}

/* The release a bzImage names in its setup header ("6.1.0-57-amd64 (…"). */
static char *bzimage_release(const uint8_t *p, size_t n)
{
	size_t off;
	const char *s;

	if (n < 0x210 || memcmp(p + 0x202, "HdrS", 4))
		return NULL;
	off = 0x200 + (size_t)(p[0x20e] | p[0x20f] << 8);
	if (off >= n - 64)
		return NULL;
	s = (const char *)p + off;
	return xstrndup(s, strnlen(s, 64) < strcspn(s, " ") ? strnlen(s, 64) :
							      strcspn(s, " "));
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Decompresses file into dir/vmlinux (or uses it as it is when it is an
 * ELF already).  *release from the bzImage header; with release NULL
 * (the caller knows it), a vmlinux an earlier boot decompressed is used
 * without reading file. */
static int kernel_file(const char *file, const char *cache, char **vmlinux,
		       char **release, struct cs_error *err)
{
	struct cs_buf data = CS_BUF_INIT, out = CS_BUF_INIT;
	char *path, *rel = NULL;
	int r = -1;

	if (!release) {
		path = xasprintf("%s/vmlinux", cache);
		if (access(path, R_OK) == 0) {
			*vmlinux = path;
			return 0;
		}
		free(path);
		release = &rel;
	}
	*release = NULL;
	if (cs_read_file(file, &data, KERNEL_CAP, err) < 0)
		return -1;
	if (elf_ok((uint8_t *)data.buf, data.len)) {
		*vmlinux = xstrdup(file);
		cs_buf_release(&data);
		return 0;
	}
	*release = bzimage_release((uint8_t *)data.buf, data.len);
	if (!*release) {
		cs_error_set(err, 0, "%s is not a Linux kernel image", file);
		goto out;
	}
	path = xasprintf("%s/vmlinux", cache);
	if (access(path, R_OK) == 0) {
		*vmlinux = path;
		r = 0;
		goto out;
	}
	if (extract_vmlinux((uint8_t *)data.buf, data.len, &out) < 0) {
		cs_error_set(err, 0,
			     "cannot find a compressed vmlinux inside %s",
			     file);
		free(path);
		goto out;
	}
	if (cs_mkdir_p(cache, 0755) < 0 ||
	    cs_write_file_atomic(path, out.buf, out.len, 0644, err) < 0) {
		cs_error_wrap(err, "cannot cache the kernel");
		free(path);
		goto out;
	}
	*vmlinux = path;
	r = 0;
out:
	if (r < 0) {
		free(*release);
		*release = NULL;
	}
	free(rel); /* nobody asked for it */
	cs_buf_release(&data);
	cs_buf_release(&out);
	return r;
}

/* ------------------------------------------------------------------ */
/* .deb */

struct outer {
	struct archive *a;
	char buf[1 << 16];
};

static la_ssize_t outer_read(struct archive *in, void *ctx, const void **p)
{
	struct outer *o = ctx;
	la_ssize_t n = archive_read_data(o->a, o->buf, sizeof(o->buf));

	(void)in;
	*p = o->buf;
	return n;
}

struct kmod {
	char *name; /* normalised: '-' → '_' */
	char *rel;  /* path under lib/modules/<release>/ */
	char *deps; /* "a,b" names */
	int want;
};

struct deb {
	int pass;
	char *release;
	struct cs_buf vmlinuz;
	struct cs_buf builtin;
	struct kmod *mods;
	size_t nmods;
	const char *stage; /* pass 2: extract under here */
	struct cs_error *err;
};

static int read_entry(struct archive *a, struct cs_buf *b, size_t cap)
{
	char buf[1 << 16];
	la_ssize_t n;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (cs_buf_add(b, buf, (size_t)n) < 0 || (cap && b->len > cap))
			return -1;
	return n < 0 ? -1 : 0;
}

static int deb_entry(struct deb *d, struct archive *a, const char *name)
{
	const char *rel;
	char *r;

	if (!strncmp(name, "./", 2))
		name += 2;
	if (!strncmp(name, "boot/vmlinuz-", 13)) {
		if (d->pass != 1)
			return 0;
		free(d->release);
		d->release = xstrdup(name + 13);
		cs_buf_reset(&d->vmlinuz);
		return read_entry(a, &d->vmlinuz, KERNEL_CAP);
	}
	if (strncmp(name, "lib/modules/", 12))
		return 0;
	rel = strchr(name + 12, '/');
	if (!rel)
		return 0;
	rel++;
	if (d->pass == 1 && !strcmp(rel, "modules.builtin"))
		return read_entry(a, &d->builtin, MODULE_CAP);
	if (!strstr(rel, ".ko"))
		return 0;
	if (d->pass == 1) {
		struct cs_buf data = CS_BUF_INIT, plain = CS_BUF_INIT;
		struct kmod *m;
		const char *dep;

		if (read_entry(a, &data, MODULE_CAP) < 0)
			return -1;
		if (!strstr(rel, ".ko.") ||
		    vm_decompress(data.buf, data.len, &plain, MODULE_CAP,
				  NULL) < 0) {
			cs_buf_release(&plain);
			plain = data;
			data = (struct cs_buf)CS_BUF_INIT;
		}
		d->mods = xrealloc(d->mods, (d->nmods + 1) * sizeof(*d->mods));
		m = &d->mods[d->nmods++];
		m->name = vm_module_name(rel);
		m->rel = xstrdup(rel);
		m->want = 0;
		dep = memmem(plain.buf, plain.len, "\0depends=", 9);
		m->deps = dep ? xstrndup(dep + 9,
					 strnlen(dep + 9,
						 plain.len -
							 (size_t)(dep + 9 -
								  plain.buf))) :
				xstrdup("");
		cs_buf_release(&data);
		cs_buf_release(&plain);
		return 0;
	}
	for (size_t i = 0; i < d->nmods; i++)
		if (d->mods[i].want && !strcmp(d->mods[i].rel, rel)) {
			struct cs_buf data = CS_BUF_INIT;
			int ok;

			r = xasprintf("%s/%s", d->stage, rel);
			*strrchr(r, '/') = 0;
			cs_mkdir_p(r, 0755);
			free(r);
			r = xasprintf("%s/%s", d->stage, rel);
			ok = read_entry(a, &data, MODULE_CAP) == 0 &&
			     cs_write_file_atomic(r, data.buf, data.len, 0644,
						  d->err) == 0;
			free(r);
			cs_buf_release(&data);
			return ok ? 0 : -1;
		}
	return 0;
}

static int deb_walk(const char *path, struct deb *d, struct cs_error *err)
{
	struct archive *a = archive_read_new(), *in = NULL;
	struct archive_entry *e;
	struct outer o;
	int r = -1, found = 0;

	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		cs_error_set(err, 0, "cannot read %s: %s", path,
			     archive_error_string(a));
		goto out;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		found = 1;
		o.a = a;
		in = archive_read_new();
		archive_read_support_filter_all(in);
		archive_read_support_format_tar(in);
		if (archive_read_open(in, &o, NULL, outer_read, NULL) !=
		    ARCHIVE_OK)
			goto bad;
		while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK)
			if (archive_entry_filetype(e) == AE_IFREG &&
			    deb_entry(d, in, archive_entry_pathname(e)) < 0) {
				r = -2;
				break;
			}
		if (r == -2 || r != ARCHIVE_EOF)
			goto bad;
		r = 0;
		goto out;
	}
	if (!found)
		cs_error_set(err, 0, "%s is not a Debian package", path);
	r = -1;
	goto out;
bad:
	if (!err || !err->msg)
		cs_error_set(err, 0, "cannot unpack %s: %s", path,
			     in ? archive_error_string(in) :
				  archive_error_string(a));
	r = -1;
out:
	if (in)
		archive_read_free(in);
	archive_read_free(a);
	return r;
}

/* The module named by the n bytes at name ("a-b" and "a_b" alike). */
static struct kmod *find_mod(struct deb *d, const char *name, size_t n)
{
	char tmp[128];

	snprintf(tmp, sizeof(tmp), "%.*s", (int)n, name);
	for (char *q = tmp; *q; q++)
		if (*q == '-')
			*q = '_';
	for (size_t i = 0; i < d->nmods; i++)
		if (!strcmp(d->mods[i].name, tmp))
			return &d->mods[i];
	return NULL;
}

static void want_mod(struct deb *d, struct kmod *m)
{
	if (!m || m->want)
		return;
	m->want = 1;
	for (const char *p = m->deps; *p;) {
		size_t n = strcspn(p, ",");

		want_mod(d, find_mod(d, p, n));
		p += n;
		p += *p == ',';
	}
}

/* The modules any guest may need: a superset of initramfs.c's list. */
static const char *const deb_wanted[] = {
	"virtio_mmio", "virtio_console", "9pnet_virtio", "9p", "virtiofs",
};

static int kernel_deb(const char *file, const char *cache, struct vm_kernel *k,
		      struct cs_error *err)
{
	struct deb d = { .pass = 1, .err = err };
	struct cs_buf dep = CS_BUF_INIT;
	char *stage = NULL, *p = NULL, *moddir = NULL;
	int r = -1;

	cs_buf_init(&d.vmlinuz, 0);
	cs_buf_init(&d.builtin, 0);
	if (is_dir(cache))
		goto done;
	if (deb_walk(file, &d, err) < 0)
		goto out;
	if (!d.release) {
		cs_error_set(err, 0, "%s holds no kernel (no boot/vmlinuz-*)",
			     file);
		goto out;
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(deb_wanted); i++)
		want_mod(&d,
			 find_mod(&d, deb_wanted[i], strlen(deb_wanted[i])));

	stage = xasprintf("%s.tmp-%d", cache, (int)getpid());
	vm_rm_rf(stage);
	moddir = xasprintf("%s/modules/%s", stage, d.release);
	if (cs_mkdir_p(moddir, 0755) < 0) {
		cs_error_errno(err, "cannot create %s", moddir);
		goto out;
	}
	d.pass = 2;
	d.stage = moddir;
	if (d.nmods && deb_walk(file, &d, err) < 0)
		goto out;
	/* a modules.dep of the modules kept, in depmod's format */
	for (size_t i = 0; i < d.nmods; i++) {
		if (!d.mods[i].want)
			continue;
		cs_buf_addf(&dep, "%s:", d.mods[i].rel);
		for (const char *q = d.mods[i].deps; *q;) {
			size_t n = strcspn(q, ",");
			struct kmod *m = find_mod(&d, q, n);

			if (m)
				cs_buf_addf(&dep, " %s", m->rel);
			q += n;
			q += *q == ',';
		}
		cs_buf_addc(&dep, '\n');
	}
	free(p);
	p = xasprintf("%s/modules.dep", moddir);
	if (cs_write_file_atomic(p, dep.buf, dep.len, 0644, err) < 0)
		goto out;
	free(p);
	p = xasprintf("%s/modules.builtin", moddir);
	if (cs_write_file_atomic(p, d.builtin.buf, d.builtin.len, 0644, err) <
	    0)
		goto out;
	free(p);
	p = xasprintf("%s/vmlinuz", stage);
	if (cs_write_file_atomic(p, d.vmlinuz.buf, d.vmlinuz.len, 0644, err) <
	    0)
		goto out;
	free(p);
	p = xasprintf("%s/release", stage);
	if (cs_write_file_atomic(p, d.release, strlen(d.release), 0644, err) <
	    0)
		goto out;
	if (rename(stage, cache) < 0 && !is_dir(cache)) {
		cs_error_errno(err, "cannot store %s", cache);
		goto out;
	}
done:
	free(p);
	p = xasprintf("%s/release", cache);
	cs_buf_reset(&dep);
	if (cs_read_file(p, &dep, 256, err) < 0)
		goto out;
	k->release = xstrdup(dep.buf);
	k->modules = xasprintf("%s/modules/%s", cache, k->release);
	free(p);
	p = xasprintf("%s/vmlinuz", cache);
	if (kernel_file(p, cache, &k->vmlinux, NULL, err) < 0)
		goto out;
	r = 0;
out:
	if (r < 0 && stage)
		vm_rm_rf(stage);
	free(stage);
	free(moddir);
	free(p);
	free(d.release);
	cs_buf_release(&d.vmlinuz);
	cs_buf_release(&d.builtin);
	cs_buf_release(&dep);
	for (size_t i = 0; i < d.nmods; i++) {
		free(d.mods[i].name);
		free(d.mods[i].rel);
		free(d.mods[i].deps);
	}
	free(d.mods);
	return r;
}

/* ------------------------------------------------------------------ */

static int is_deb(const char *path)
{
	char magic[8];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd >= 0 && read(fd, magic, 8) == 8 &&
	       !memcmp(magic, "!<arch>\n", 8);
}

/*
 * The newest entry of dir named PREFIX + V (V compared by strverscmp)
 * where V starts with the version prefix ver at a component boundary
 * ('.' or '-' after it, or the end when whole_ok) and ok(V) holds;
 * that V, malloc'd, or NULL.
 */
static char *newest_named(const char *dir, const char *prefix, const char *ver,
			  bool whole_ok, bool (*ok)(const char *v))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *best = NULL;
	size_t n = strlen(ver), pn = strlen(prefix);

	while (d && (e = readdir(d))) {
		const char *v = e->d_name + pn;

		if (strncmp(e->d_name, prefix, pn) || strncmp(v, ver, n) ||
		    !(v[n] == '.' || v[n] == '-' || (whole_ok && !v[n])) ||
		    (ok && !ok(v)))
			continue;
		if (!best || strverscmp(v, best) > 0) {
			free(best);
			best = xstrdup(v);
		}
	}
	if (d)
		closedir(d);
	return best;
}

/* The newest /boot/vmlinuz-V* for a version prefix. */
static char *installed(const char *ver)
{
	return newest_named("/boot", "vmlinuz-", ver, true, NULL);
}

/* A kernel image package to boot: not debug symbols, not the unsigned
 * variant, a .deb. */
static bool bootable_deb(const char *v)
{
	size_t l = strlen(v);

	return !strstr(v, "-dbg") && !strstr(v, "-unsigned") && l >= 4 &&
	       !strcmp(v + l - 4, ".deb");
}

/*
 * The newest Debian kernel package for a version prefix in apt's cache
 * (`apt-get install --download-only linux-image-amd64` puts it there
 * without installing it), as a path; NULL when none.
 */
static char *cached_deb(const char *ver)
{
	static const char dir[] = "/var/cache/apt/archives";
	char *best =
		newest_named(dir, "linux-image-", ver, false, bootable_deb);

	if (!best)
		return NULL;
	char *path = xasprintf("%s/linux-image-%s", dir, best);
	free(best);
	return path;
}

int vm_kernel_resolve(const char *spec, struct vm_kernel *k,
		      struct cs_error *err)
{
	_cleanup_free_ char *file = NULL, *moddir = NULL, *kroot = NULL,
			    *cache = NULL, *ver = NULL, *keep = NULL;
	char hex[65];
	const char *colon;
	int r;

	memset(k, 0, sizeof(*k));
	if (!spec || !*spec)
		return cs_error_set(err, 0, "no kernel given");
	colon = strchr(spec, ':');
	file = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	if (colon)
		moddir = xstrdup(colon + 1);
	if (!strchr(file, '/') && access(file, F_OK) < 0) {
		/* a version installed on this host, else one in apt's cache */
		ver = installed(file);
		if (ver) {
			free(file);
			file = xasprintf("/boot/vmlinuz-%s", ver);
			if (!moddir)
				moddir = xasprintf("/lib/modules/%s", ver);
		} else {
			char *deb = cached_deb(file);

			if (!deb)
				return cs_error_set(
					err, 0,
					"no installed kernel matches '%s' (no "
					"/boot/vmlinuz-%s*, no linux-image-%s* "
					"in /var/cache/apt/archives): give a "
					"kernel's path, or fetch Debian's with "
					"apt-get install --download-only "
					"linux-image-amd64",
					file, file, file);
			free(file);
			file = deb;
		}
	}
	if (access(file, R_OK) < 0)
		return cs_error_errno(err, "cannot read kernel %s", file);
	kroot = cs_root_subdir(CS_ROOT_DATA, "vm/kernels", 0, err);
	if (!kroot || input_digest(kroot, file, hex, &keep, err) < 0)
		return -1;
	cache = xasprintf("%s/%.32s", kroot, hex);

	if (is_deb(file)) {
		r = kernel_deb(file, cache, k, err);
		if (r < 0) {
			vm_kernel_release(k);
		} else {
			k->digest = xasprintf("sha256:%s", hex);
			keep_digest(steal_ptr(&keep), hex);
		}
		return r;
	}
	if (kernel_file(file, cache, &k->vmlinux, &k->release, err) < 0)
		return -1;
	if (!k->release)
		k->release = xstrdup(ver ? ver : "");
	if (!moddir && *k->release) {
		moddir = xasprintf("/lib/modules/%s", k->release);
		if (!is_dir(moddir)) {
			free(moddir);
			moddir = NULL;
		}
	}
	if (moddir && !is_dir(moddir)) {
		cs_error_set(err, 0, "no modules directory %s", moddir);
		vm_kernel_release(k);
		return -1;
	}
	k->modules = steal_ptr(&moddir);
	k->digest = xasprintf("sha256:%s", hex);
	keep_digest(steal_ptr(&keep), hex);
	return 0;
}
