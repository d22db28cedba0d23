/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * build.c — what image/ does for a Cshellfile build (docs/image.md,
 * "Builds"): turning a directory into a stored layer (a sandbox's upper
 * layer, whose kernel whiteouts become OCI ones, or the input of a `copy`
 * step, normalised so that its digest is the digest of its content), the
 * step cache (<data>/build-cache/<key hex> -> layer diff id) and the image
 * made of a base image plus such layers.  Running steps is not done here:
 * sandbox/ does that, driven by the shell (docs/design.md §1).
 *
 * Layers are written as uncompressed tars, so a blob's digest is its diff
 * id and the unpacked directory under layers/ comes from the same safe
 * unpacker as a pulled layer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/image_i.h"

/* ------------------------------------------------------------------ */
/* Step keys */

void img_build_key(const char *parent, const char *text, char *const *env,
		   const char *content, char key[IMG_DIGEST_LEN])
{
	struct img_hash h;

	/* NUL-separated fields with a version tag: a step whose text ends
	 * where an env entry begins hashes differently */
	img_hash_init(&h);
	img_hash_update(&h, "cshell-step-v1", 15);
	img_hash_update(&h, parent ? parent : "",
			strlen(parent ? parent : "") + 1);
	img_hash_update(&h, text, strlen(text) + 1);
	for (char *const *e = env; e && *e; e++) {
		img_hash_update(&h, "env", 4);
		img_hash_update(&h, *e, strlen(*e) + 1);
	}
	if (content) {
		img_hash_update(&h, "content", 8);
		img_hash_update(&h, content, strlen(content) + 1);
	}
	img_hash_final(&h, key);
}

/* ------------------------------------------------------------------ */
/* The step cache */

static char *cache_path(const char *key, int create, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_DATA, "build-cache", create, err);

	if (!dir)
		return NULL;
	return xasprintf("%s/%s", dir, img_digest_hex(key));
}

int img_cache_get(const char *key, char diffid[IMG_DIGEST_LEN],
		  char **layer_dir, struct cs_error *err)
{
	_cleanup_free_ char *p = cache_path(key, 0, err);
	struct cs_buf b = CS_BUF_INIT;
	struct img_store s;

	*layer_dir = NULL;
	if (!p)
		return -1;
	if (cs_read_file(p, &b, 4096, err) < 0) {
		cs_buf_release(&b);
		if (err->code == ENOENT) {
			cs_error_release(err);
			return 0;
		}
		return -1;
	}
	while (b.len && (b.buf[b.len - 1] == '\n'))
		b.buf[--b.len] = 0;
	if (!img_digest_valid(b.buf)) {
		/* a damaged entry is a miss: the step runs again */
		cs_buf_release(&b);
		return 0;
	}
	if (img_store_open(&s, err) < 0) {
		cs_buf_release(&b);
		return -1;
	}
	_cleanup_free_ char *layer = img_store_layer_path(&s, b.buf);
	_cleanup_free_ char *blob = img_store_blob_path(&s, b.buf);
	img_store_close(&s);
	/* `image prune` may have freed what no image named: then a miss */
	if (access(layer, F_OK) < 0 || access(blob, F_OK) < 0) {
		cs_buf_release(&b);
		return 0;
	}
	memcpy(diffid, b.buf, IMG_DIGEST_LEN);
	diffid[IMG_DIGEST_LEN - 1] = 0;
	*layer_dir = steal_ptr(&layer);
	cs_buf_release(&b);
	return 1;
}

int img_cache_put(const char *key, const char *diffid, struct cs_error *err)
{
	_cleanup_free_ char *p = cache_path(key, 1, err);
	_cleanup_free_ char *line = xasprintf("%s\n", diffid);

	if (!p)
		return -1;
	return cs_write_file_atomic(p, line, strlen(line), 0644, err);
}

/* ------------------------------------------------------------------ */
/* Directory -> layer tar */

struct tar_out {
	int fd;
	struct img_hash h;
	int failed;
};

static la_ssize_t tar_write(struct archive *a, void *ud, const void *buf,
			    size_t n)
{
	struct tar_out *t = ud;

	(void)a;
	img_hash_update(&t->h, buf, n);
	if (cs_write_all(t->fd, buf, n) < 0) {
		t->failed = errno ? errno : EIO;
		return -1;
	}
	return (la_ssize_t)n;
}

struct walk {
	struct archive *a;
	unsigned flags;
	struct cs_error *err;
	char *buf; /* file data */
};

/* The names in dirfd, sorted (a layer's bytes must not depend on the
 * order readdir happens to give), NULL-terminated. */
static char **sorted_names(int dirfd, size_t *n)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct cs_strvec v = CS_STRVEC_INIT;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		*n = 0;
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			cs_strvec_push(&v, de->d_name);
	closedir(d);
	*n = v.n;
	char **names = cs_strvec_detach(&v);
	qsort(names, *n, sizeof(char *), cs_cmp_strp);
	return names;
}

static void fill_entry(struct archive_entry *e, const char *name,
		       const struct stat *st, unsigned flags)
{
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, st->st_mode);
	if (flags & IMG_LAYER_NORMALIZE) {
		/* a copy's layer depends on the content only */
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_mtime(e, 0, 0);
	} else {
		archive_entry_set_uid(e, st->st_uid);
		archive_entry_set_gid(e, st->st_gid);
		archive_entry_set_mtime(
			e, flags & IMG_LAYER_NO_MTIME ? 0 : st->st_mtime, 0);
	}
}

static int write_header(struct walk *w, struct archive_entry *e,
			const char *name)
{
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return cs_error_set(w->err, EIO,
				    "write '%s' into the layer: %s", name,
				    archive_error_string(w->a));
	return 0;
}

static int add_whiteout(struct walk *w, const char *dir, const char *base)
{
	struct archive_entry *e = archive_entry_new();
	_cleanup_free_ char *name =
		xasprintf("%s%s.wh.%s", dir, *dir ? "/" : "", base);
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	r = write_header(w, e, name);
	archive_entry_free(e);
	return r;
}

static int opaque_dir(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));

	if (n < 0)
		n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static int add_file_data(struct walk *w, int fd, const char *name)
{
	ssize_t n;

	while ((n = read(fd, w->buf, 1 << 17)) > 0)
		if (archive_write_data(w->a, w->buf, n) != n)
			return cs_error_set(w->err, EIO,
					    "write '%s' into the layer: %s",
					    name, archive_error_string(w->a));
	if (n < 0)
		return cs_error_errno(w->err, "read '%s'", name);
	return 0;
}

/* Adds the entry base of directory dirfd as name (its path in the layer),
 * recursing into directories. */
static int add_tree(struct walk *w, int dirfd, const char *base,
		    const char *name)
{
	struct stat st;
	int r = 0;

	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cs_error_errno(w->err, "stat '%s'", name);
	/* a kernel whiteout of an upper layer: the OCI form */
	if ((w->flags & IMG_LAYER_UPPER) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(0, 0)) {
		_cleanup_free_ char *dir = xstrdup(name);
		char *slash = strrchr(dir, '/');
		const char *b = slash ? slash + 1 : dir;

		if (slash)
			*slash = 0;
		else
			dir[0] = 0;
		_cleanup_free_ char *bb = xstrdup(b);
		return add_whiteout(w, slash ? dir : "", bb);
	}
	struct archive_entry *e = archive_entry_new();
	fill_entry(e, name, &st, w->flags);
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int fd =
			openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			archive_entry_free(e);
			return cs_error_errno(w->err, "open '%s'", name);
		}
		archive_entry_set_size(e, st.st_size);
		r = write_header(w, e, name);
		if (!r)
			r = add_file_data(w, fd, name);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, base, target, sizeof(target) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return cs_error_errno(w->err, "read link '%s'", name);
		}
		target[n] = 0;
		archive_entry_set_symlink(e, target);
		r = write_header(w, e, name);
	} else if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int fd =
			openat(dirfd, base,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		size_t n = 0;

		if (fd < 0) {
			archive_entry_free(e);
			return cs_error_errno(w->err, "open '%s'", name);
		}
		r = write_header(w, e, name);
		if (!r && (w->flags & IMG_LAYER_UPPER) && opaque_dir(fd)) {
			_cleanup_free_ char *o =
				xasprintf("%s/.wh..wh..opq", name);
			struct archive_entry *oe = archive_entry_new();

			archive_entry_set_pathname(oe, o);
			archive_entry_set_filetype(oe, AE_IFREG);
			archive_entry_set_perm(oe, 0644);
			archive_entry_set_size(oe, 0);
			r = write_header(w, oe, o);
			archive_entry_free(oe);
		}
		char **names = r ? NULL : sorted_names(fd, &n);
		for (size_t i = 0; !r && i < n; i++) {
			_cleanup_free_ char *child =
				xasprintf("%s/%s", name, names[i]);
			r = add_tree(w, fd, names[i], child);
		}
		for (size_t i = 0; names && i < n; i++)
			free(names[i]);
		free(names);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
		   S_ISFIFO(st.st_mode)) {
		archive_entry_set_rdev(e, st.st_rdev);
		r = write_header(w, e, name);
	} /* sockets do not go into layers */
	archive_entry_free(e);
	return r;
}

/* Writes the entries of the directory layer (every child of it) or, with
 * a prefix, src itself as prefix (a copy).  Directories on the way to
 * prefix are added first, owned by root, 0755. */
static int write_layer(struct archive *a, const char *src, const char *prefix,
		       unsigned flags, struct cs_error *err)
{
	struct walk w = { a, flags, err, xmalloc(1 << 17) };
	int r = 0;

	if (!prefix) {
		_cleanup_close_ int fd =
			open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		size_t n = 0;

		if (fd < 0) {
			free(w.buf);
			return cs_error_errno(err, "open '%s'", src);
		}
		char **names = sorted_names(fd, &n);
		for (size_t i = 0; !r && i < n; i++)
			r = add_tree(&w, fd, names[i], names[i]);
		for (size_t i = 0; names && i < n; i++)
			free(names[i]);
		free(names);
		free(w.buf);
		return r;
	}
	/* the directories on the way to prefix */
	_cleanup_free_ char *p = xstrdup(prefix);
	for (char *s = strchr(p, '/'); !r && s; s = strchr(s + 1, '/')) {
		struct archive_entry *e = archive_entry_new();
		struct stat st = { .st_mode = S_IFDIR | 0755 };

		*s = 0;
		fill_entry(e, p, &st, IMG_LAYER_NORMALIZE);
		r = write_header(&w, e, p);
		archive_entry_free(e);
		*s = '/';
	}
	if (!r) {
		_cleanup_free_ char *dir = xstrdup(src);
		_cleanup_free_ char *base = xstrdup(src);
		char *slash = strrchr(dir, '/');
		_cleanup_close_ int fd = -1;

		if (slash == dir)
			dir[1] = 0;
		else if (slash)
			*slash = 0;
		else
			strcpy(dir, ".");
		free(base);
		base = xstrdup(slash ? slash + 1 : src);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = cs_error_errno(err, "open '%s'", dir);
		else
			r = add_tree(&w, fd, base, prefix);
	}
	free(w.buf);
	return r;
}

int img_layer_from_dir(const char *src, const char *prefix, unsigned flags,
		       char diffid[IMG_DIGEST_LEN], char **layer_dir,
		       struct cs_error *err)
{
	struct img_store s;
	struct tar_out t = { -1, { 0 }, 0 };
	struct archive *a;
	char *tmp = NULL, *blob = NULL; /* freed at out: (no cleanup
					 * attributes with goto) */
	int r = -1;

	*layer_dir = NULL;
	if (img_store_open(&s, err) < 0)
		return -1;
	/* shared, as a pull: a prune waits until the layer is in place */
	if (img_store_lock(&s, 0, 1, err) < 0)
		goto out;
	tmp = xasprintf("%s/.build-XXXXXX", s.blobs);
	t.fd = mkostemp(tmp, O_CLOEXEC);
	if (t.fd < 0) {
		cs_error_errno(err, "create a temporary file in '%s'", s.blobs);
		goto out;
	}
	img_hash_init(&t.h);
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, &t, NULL, tar_write, NULL) != ARCHIVE_OK) {
		cs_error_set(err, EIO, "start the layer: %s",
			     archive_error_string(a));
		archive_write_free(a);
		img_hash_release(&t.h);
		goto out_tmp;
	}
	r = write_layer(a, src, prefix, flags, err);
	if (archive_write_close(a) != ARCHIVE_OK && !r)
		r = cs_error_set(err, t.failed ? t.failed : EIO,
				 "write the layer: %s",
				 archive_error_string(a));
	archive_write_free(a);
	img_hash_final(&t.h, diffid);
	if (r < 0)
		goto out_tmp;
	r = -1;
	if (fsync(t.fd) < 0 || fchmod(t.fd, 0444) < 0) {
		cs_error_errno(err, "write '%s'", tmp);
		goto out_tmp;
	}
	blob = img_store_blob_path(&s, diffid);
	if (rename(tmp, blob) < 0) {
		cs_error_errno(err, "rename '%s' to '%s'", tmp, blob);
		goto out_tmp;
	}
	if (lseek(t.fd, 0, SEEK_SET) < 0 ||
	    img_store_unpack_fd(&s, t.fd, diffid, diffid, err) < 0)
		goto out;
	*layer_dir = img_store_layer_path(&s, diffid);
	r = 0;
	goto out;
out_tmp:
	unlink(tmp);
out:
	if (t.fd >= 0)
		close(t.fd);
	free(tmp);
	free(blob);
	img_store_close(&s);
	return r;
}

/* ------------------------------------------------------------------ */
/* Images */

static int read_blob(struct img_store *s, const char *digest, struct cs_buf *b,
		     struct cs_error *err)
{
	_cleanup_free_ char *p = img_store_blob_path(s, digest);

	return cs_read_file(p, b, IMG_MAX_MANIFEST_SIZE, err);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int img_build_image(const char *name, const char *base, char *const *diffids,
		    const struct img_build_config *cfg,
		    char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	struct img_store s;
	struct img_info info = { 0 };
	struct cs_buf mb = CS_BUF_INIT, cb = CS_BUF_INIT;
	json_t *config = NULL, *manifest = NULL, *layers, *diff_ids, *cc;
	json_error_t jerr;
	char *ctext = NULL, *mtext = NULL;
	char cdigest[IMG_DIGEST_LEN];
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	int r = -1;

	if (img_store_open(&s, err) < 0)
		return -1;
	if (img_store_lock(&s, 0, 1, err) < 0)
		goto out;
	if (base) {
		if (img_find(base, &info, err) < 0 ||
		    read_blob(&s, info.digest, &mb, err) < 0 ||
		    read_blob(&s, info.config, &cb, err) < 0) {
			cs_error_wrap(err, "base image '%s'", base);
			goto out;
		}
		config = json_loadb(cb.buf, cb.len, 0, &jerr);
		manifest = json_loadb(mb.buf, mb.len, 0, &jerr);
		if (!json_is_object(config) || !json_is_object(manifest)) {
			cs_error_set(err, 0,
				     "base image '%s' has a damaged "
				     "config or manifest: pull it again",
				     base);
			goto out;
		}
		/* the build adds to the base's own documents */
		json_object_del(config, "created");
		json_object_del(config, "history");
		json_object_del(manifest, "annotations");
	} else {
		const char *plat = img_host_platform();
		_cleanup_free_ char *os = xstrndup(plat, strcspn(plat, "/"));
		const char *arch =
			plat + strlen(os) + (plat[strlen(os)] ? 1 : 0);
		_cleanup_free_ char *a2 = xstrndup(arch, strcspn(arch, "/"));

		config = json_pack("{s:s, s:s, s:{s:s, s:[]}}", "architecture",
				   a2, "os", os, "rootfs", "type", "layers",
				   "diff_ids");
		manifest = json_pack(
			"{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
			"application/vnd.oci.image.manifest.v1+json", "layers");
	}
	diff_ids =
		json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	layers = json_object_get(manifest, "layers");
	if (!json_is_array(diff_ids) || !json_is_array(layers)) {
		cs_error_set(err, 0, "base image '%s' has no layer list", base);
		goto out;
	}
	for (char *const *d = diffids; d && *d; d++) {
		_cleanup_free_ char *blob = img_store_blob_path(&s, *d);
		struct stat st;

		if (!img_digest_valid(*d) || stat(blob, &st) < 0) {
			cs_error_set(err, ENOENT,
				     "layer %s is not in the store: run the "
				     "build again",
				     *d);
			goto out;
		}
		json_array_append_new(diff_ids, json_string(*d));
		json_array_append_new(
			layers,
			json_pack("{s:s, s:s, s:I}", "mediaType",
				  "application/vnd.oci.image.layer.v1.tar",
				  "digest", *d, "size",
				  (json_int_t)st.st_size));
	}
	cc = json_object_get(config, "config");
	if (!json_is_object(cc)) {
		cc = json_object();
		json_object_set_new(config, "config", cc);
	}
	if (cfg->env)
		json_object_set_new(cc, "Env", strv_json(cfg->env));
	if (cfg->workdir)
		json_object_set_new(cc, "WorkingDir",
				    json_string(cfg->workdir));
	if (cfg->user)
		json_object_set_new(cc, "User", json_string(cfg->user));
	if (cfg->cmd) {
		json_object_set_new(cc, "Cmd", strv_json(cfg->cmd));
		json_object_del(cc, "Entrypoint");
	}
	ctext = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	img_sha256(ctext, strlen(ctext), cdigest);
	json_object_set_new(
		manifest, "config",
		json_pack("{s:s, s:s, s:I}", "mediaType",
			  "application/vnd.oci.image.config.v1+json", "digest",
			  cdigest, "size", (json_int_t)strlen(ctext)));
	/* a Docker manifest over OCI layers would mix media types */
	json_object_set_new(
		manifest, "mediaType",
		json_string("application/vnd.oci.image.manifest.v1+json"));
	mtext = json_dumps(manifest, JSON_COMPACT | JSON_SORT_KEYS);
	img_sha256(mtext, strlen(mtext), digest);
	if (img_manifest_parse(&m, mtext, strlen(mtext), NULL, err) < 0 ||
	    img_config_parse(&c, ctext, strlen(ctext), err) < 0 ||
	    img_store_put_blob(&s, cdigest, ctext, strlen(ctext), err) < 0 ||
	    img_store_put_blob(&s, digest, mtext, strlen(mtext), err) < 0 ||
	    img_store_record(&s, name, digest, &m, &c, err) < 0)
		goto out;
	r = 0;
out:
	img_manifest_release(&m);
	img_config_release(&c);
	free(ctext);
	free(mtext);
	json_decref(config);
	json_decref(manifest);
	cs_buf_release(&mb);
	cs_buf_release(&cb);
	if (info.digest)
		img_info_release(&info);
	img_store_close(&s);
	if (r < 0)
		cs_error_wrap(err, "cannot build image '%s'", name);
	return r;
}
