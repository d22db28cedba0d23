/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * layout.c — `image import` and `image export` for OCI image layouts
 * (directories with oci-layout, index.json and blobs/sha256/), the
 * format skopeo's and podman's "oci:" transport reads and writes.
 *
 * Import treats the layout as untrusted, exactly like a registry: every
 * blob is verified by size and sha256 while it is copied into the store,
 * and layers go through the same safe unpacker.  Export copies blobs out
 * (never hard links, so the store cannot be changed through the copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image/image_i.h"

#define REF_NAME "org.opencontainers.image.ref.name"

/* Splits "DIR[:TAG]": a path that is a directory is taken whole. */
static void split_spec(const char *spec, char **dir, char **tag)
{
	struct stat st;
	const char *colon = strrchr(spec, ':');

	*tag = NULL;
	if (stat(spec, &st) == 0 || !colon || strchr(colon, '/')) {
		*dir = xstrdup(spec);
		return;
	}
	*dir = xstrndup(spec, colon - spec);
	*tag = xstrdup(colon + 1);
}

static char *layout_blob(const char *dir, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", dir, img_digest_hex(digest));
}

/* Reads a small blob of the layout, verifying its digest. */
static int read_verified(const char *dir, const char *digest,
			 struct cs_buf *out, struct cs_error *err)
{
	_cleanup_free_ char *p = NULL;
	char got[IMG_DIGEST_LEN];

	if (!img_digest_valid(digest))
		return cs_error_set(err, 0, "invalid digest '%.80s'", digest);
	p = layout_blob(dir, digest);
	if (cs_read_file(p, out, IMG_MAX_MANIFEST_SIZE, err) < 0)
		return -1;
	img_sha256(out->buf, out->len, got);
	if (strcmp(got, digest))
		return cs_error_set(err, 0,
				    "blob %s does not match its digest (got "
				    "%s)",
				    digest, got);
	return 0;
}

/* Picks the index.json entry for tag (or the only one). */
static json_t *pick_entry(json_t *index, const char *tag, const char *dir,
			  struct cs_error *err)
{
	json_t *list = json_object_get(index, "manifests"), *e, *found = NULL;
	size_t i;

	if (!json_is_array(list) || !json_array_size(list))
		return cs_error_set(err, 0, "layout '%s' holds no image", dir),
		       NULL;
	if (!tag) {
		if (json_array_size(list) == 1)
			return json_array_get(list, 0);
		return cs_error_set(err, 0,
				    "layout '%s' holds %zu images: say which "
				    "with '%s:TAG'",
				    dir, json_array_size(list), dir),
		       NULL;
	}
	json_array_foreach(list, i, e)
	{
		const char *n = json_string_value(json_object_get(
			json_object_get(e, "annotations"), REF_NAME));
		if (n && !strcmp(n, tag))
			found = e;
	}
	if (!found)
		cs_error_set(err, 0, "layout '%s' has no image tagged '%s'",
			     dir, tag);
	return found;
}

/* The name an imported image gets when none is given. */
static char *default_name(const char *dir, const char *annotation,
			  const char *tag, struct cs_error *err)
{
	_cleanup_free_ char *copy = xstrdup(dir);
	_cleanup_free_ char *cand = NULL;
	struct img_ref r;
	char *name;

	if (annotation && strchr(annotation, '/') &&
	    img_ref_parse(&r, annotation, NULL) == 0) {
		name = img_ref_name(&r);
		img_ref_release(&r);
		return name;
	}
	cand = xasprintf("localhost/%s:%s", basename(copy),
			 annotation ? annotation :
			 tag	    ? tag :
				      "latest");
	if (img_ref_parse(&r, cand, NULL) < 0)
		return cs_error_set(err, 0,
				    "cannot make an image name from '%s': give "
				    "one with --name",
				    cand),
		       NULL;
	name = img_ref_name(&r);
	img_ref_release(&r);
	return name;
}

static int import(struct img_store *s, const char *dir, const char *tag,
		  const char *name, const char *platform,
		  char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	struct cs_buf ib = CS_BUF_INIT, mb = CS_BUF_INIT, cb = CS_BUF_INIT;
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	json_t *index = NULL, *entry;
	char *path = NULL, *final_name = NULL;
	const char *want, *ann;
	int ret = -1;
	size_t i;

	path = xasprintf("%s/oci-layout", dir);
	if (access(path, F_OK) < 0) {
		cs_error_set(err, 0,
			     "'%s' is not an OCI image layout (no "
			     "oci-layout file)",
			     dir);
		goto out;
	}
	free(path);
	path = xasprintf("%s/index.json", dir);
	if (cs_read_file(path, &ib, IMG_MAX_MANIFEST_SIZE, err) < 0)
		goto out;
	index = json_loadb(ib.buf, ib.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(index)) {
		cs_error_set(err, 0, "'%s' is not valid JSON", path);
		goto out;
	}
	entry = pick_entry(index, tag, dir, err);
	if (!entry)
		goto out;
	want = json_string_value(json_object_get(entry, "digest"));
	ann = json_string_value(json_object_get(
		json_object_get(entry, "annotations"), REF_NAME));
	if (read_verified(dir, want, &mb, err) < 0 ||
	    img_manifest_parse(
		    &m, mb.buf, mb.len,
		    json_string_value(json_object_get(entry, "mediaType")),
		    err) < 0)
		goto out;
	memcpy(digest, want, IMG_DIGEST_LEN);
	if (m.kind == IMG_KIND_INDEX) {
		const struct img_descriptor *d =
			img_index_select(&m, platform, err);
		char sub[IMG_DIGEST_LEN];

		if (!d)
			goto out;
		memcpy(sub, d->digest, IMG_DIGEST_LEN);
		img_manifest_release(&m);
		cs_buf_release(&mb);
		if (read_verified(dir, sub, &mb, err) < 0 ||
		    img_manifest_parse(&m, mb.buf, mb.len, NULL, err) < 0)
			goto out;
		if (m.kind != IMG_KIND_MANIFEST) {
			cs_error_set(err, 0, "index entry %s is not a manifest",
				     sub);
			goto out;
		}
		memcpy(digest, sub, IMG_DIGEST_LEN);
	}
	final_name = name ? xstrdup(name) : default_name(dir, ann, tag, err);
	if (!final_name)
		goto out;
	if (name) {
		free(final_name);
		final_name = img_ref_given_name(name, err);
		if (!final_name)
			goto out;
	}
	for (i = 0; i <= m.n_layers; i++) {
		const struct img_descriptor *d =
			i ? &m.layers[i - 1] : &m.config;
		free(path);
		path = layout_blob(dir, d->digest);
		if (img_store_copy_blob(s, d->digest, d->size, path, err) < 0)
			goto out;
	}
	free(path);
	path = img_store_blob_path(s, m.config.digest);
	if (cs_read_file(path, &cb, IMG_MAX_MANIFEST_SIZE, err) < 0 ||
	    img_config_parse(&c, cb.buf, cb.len, err) < 0)
		goto out;
	if (c.n_diff_ids != m.n_layers) {
		cs_error_set(err, 0,
			     "image config lists %zu layers but the manifest "
			     "%zu",
			     c.n_diff_ids, m.n_layers);
		goto out;
	}
	if (img_store_unpack_all(s, &m, &c, err) < 0 ||
	    img_store_put_blob(s, digest, mb.buf, mb.len, err) < 0 ||
	    img_store_record(s, final_name, digest, &m, &c, err) < 0)
		goto out;
	ret = 0;
out:
	free(path);
	free(final_name);
	json_decref(index);
	img_manifest_release(&m);
	img_config_release(&c);
	cs_buf_release(&ib);
	cs_buf_release(&mb);
	cs_buf_release(&cb);
	return ret;
}

/* ------------------------------------------------------------------ */
/* docker-archive: a tar with manifest.json ([{Config, RepoTags, Layers}]),
 * the config and one tar per layer (what `docker save` and `podman save`
 * write).  It is unpacked with the same safe unpacker into a temp dir,
 * then turned into an OCI manifest over the same config and layers. */

static int archive_path_ok(const char *p)
{
	if (!p || !*p || *p == '/' || strlen(p) > 1024)
		return 0;
	for (const char *c = p; *c; c++)
		if (c[0] == '.' && c[1] == '.' && (c == p || c[-1] == '/'))
			return 0;
	return 1;
}

/* Opens rel below dir; symlinks may not lead out of dir (the archive
 * is untrusted: "layer.tar -> /etc/shadow" must not be read). */
static int open_beneath(const char *dir, const char *rel, struct cs_error *err)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH |
					   RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0)
		return cs_error_errno(err, "open '%s'", dir);
	fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd < 0)
		return cs_error_errno(err,
				      "open '%s' in the archive (it must "
				      "stay inside it)",
				      rel);
	return fd;
}

/* sha256 and size of the rest of fd; rewinds it. */
static int hash_fd(int fd, const char *path, char digest[IMG_DIGEST_LEN],
		   int64_t *size, struct cs_error *err)
{
	_cleanup_free_ char *buf = xmalloc(1 << 17);
	struct img_hash h;
	ssize_t n;

	*size = 0;
	img_hash_init(&h);
	while ((n = read(fd, buf, 1 << 17)) > 0) {
		img_hash_update(&h, buf, n);
		*size += n;
	}
	if (n < 0) {
		img_hash_release(&h);
		return cs_error_errno(err, "read '%s'", path);
	}
	img_hash_final(&h, digest);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cs_error_errno(err, "rewind '%s'", path);
	return 0;
}

static const char *layer_media_type(int fd)
{
	unsigned char magic[4] = { 0 };

	if (pread(fd, magic, 4, 0) == 4) {
		if (magic[0] == 0x1f && magic[1] == 0x8b)
			return "application/vnd.oci.image.layer.v1.tar+gzip";
		if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
		    magic[3] == 0xfd)
			return "application/vnd.oci.image.layer.v1.tar+zstd";
	}
	return "application/vnd.oci.image.layer.v1.tar";
}

/* Builds the OCI manifest for the archive entry in tmp and stores its
 * blobs.  *mtext gets the manifest JSON. */
static int archive_manifest(struct img_store *s, const char *tmp, json_t *e,
			    char **mtext, struct cs_error *err)
{
	json_t *layers = json_object_get(e, "Layers"), *l, *descs, *man;
	const char *cfg = json_string_value(json_object_get(e, "Config"));
	_cleanup_close_ int cfd = -1;
	char d[IMG_DIGEST_LEN];
	int64_t size;
	size_t i;

	if (!archive_path_ok(cfg) || !json_is_array(layers) ||
	    json_array_size(layers) > IMG_MAX_LAYERS)
		return cs_error_set(err, 0, "manifest.json entry is invalid");
	cfd = open_beneath(tmp, cfg, err);
	if (cfd < 0 || hash_fd(cfd, cfg, d, &size, err) < 0 ||
	    img_store_copy_blob_fd(s, d, size, cfd, err) < 0)
		return -1;
	descs = json_array();
	man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion",
			2, "mediaType",
			"application/vnd.oci.image.manifest.v1+json", "config",
			"mediaType", "application/vnd.oci.image.config.v1+json",
			"digest", d, "size", (json_int_t)size, "layers", descs);
	json_array_foreach(layers, i, l)
	{
		const char *lp = json_string_value(l);
		_cleanup_close_ int lfd = -1;

		if (!archive_path_ok(lp)) {
			json_decref(man);
			return cs_error_set(err, 0,
					    "bad layer path in "
					    "manifest.json");
		}
		lfd = open_beneath(tmp, lp, err);
		if (lfd < 0 || hash_fd(lfd, lp, d, &size, err) < 0 ||
		    img_store_copy_blob_fd(s, d, size, lfd, err) < 0) {
			json_decref(man);
			return -1;
		}
		json_array_append_new(descs,
				      json_pack("{s:s, s:s, s:I}", "mediaType",
						layer_media_type(lfd), "digest",
						d, "size", (json_int_t)size));
	}
	*mtext = json_dumps(man, JSON_COMPACT);
	json_decref(man);
	return *mtext ? 0 : cs_error_set(err, ENOMEM, "encode manifest");
}

static int import_archive(struct img_store *s, const char *path,
			  const char *name, char digest[IMG_DIGEST_LEN],
			  struct cs_error *err)
{
	_cleanup_free_ char *tmp =
		xasprintf("%s/.tmp-import-XXXXXX", s->layers);
	_cleanup_free_ char *mtext = NULL, *fname = NULL;
	_cleanup_close_ int fd = -1;
	struct cs_buf mb = CS_BUF_INIT, cb = CS_BUF_INIT;
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	json_t *list = NULL, *e;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cs_error_errno(err, "open '%s'", path);
	if (!mkdtemp(tmp))
		return cs_error_errno(err, "create '%s'", tmp);
	r = img_unpack(fd, tmp, NULL, NULL, err);
	if (r == 0) {
		_cleanup_close_ int mfd =
			open_beneath(tmp, "manifest.json", err);
		ssize_t n = mfd < 0 ? -1 : 0;

		if (mfd >= 0) {
			cs_buf_init(&mb, IMG_MAX_MANIFEST_SIZE);
			n = cs_buf_read_fd(&mb, mfd);
			if (n < 0)
				cs_error_set(err, n == -E2BIG ? 0 : (int)-n,
					     "read manifest.json%s",
					     n == -E2BIG ? ": too large" : "");
		}
		r = n < 0 ? -1 : 0;
	}
	if (r == 0) {
		list = json_loadb(mb.buf, mb.len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_array(list) || json_array_size(list) != 1)
			r = cs_error_set(err, 0,
					 "manifest.json must list exactly one "
					 "image");
	}
	e = json_array_get(list, 0);
	if (r == 0 && !name) {
		const char *t = json_string_value(
			json_array_get(json_object_get(e, "RepoTags"), 0));
		struct img_ref ref;

		if (!t || img_ref_parse(&ref, t, NULL) < 0)
			r = cs_error_set(err, 0,
					 "the archive names no image: give "
					 "one with --name");
		else {
			fname = img_ref_name(&ref);
			img_ref_release(&ref);
		}
	} else if (r == 0) {
		fname = img_ref_given_name(name, err);
		r = fname ? 0 : -1;
	}
	if (r == 0)
		r = archive_manifest(s, tmp, e, &mtext, err);
	if (r == 0)
		r = img_manifest_parse(&m, mtext, strlen(mtext), NULL, err);
	if (r == 0) {
		_cleanup_free_ char *cp =
			img_store_blob_path(s, m.config.digest);
		r = cs_read_file(cp, &cb, IMG_MAX_MANIFEST_SIZE, err);
	}
	if (r == 0)
		r = img_config_parse(&c, cb.buf, cb.len, err);
	if (r == 0 && c.n_diff_ids != m.n_layers)
		r = cs_error_set(err, 0,
				 "image config lists %zu layers but the "
				 "archive %zu",
				 c.n_diff_ids, m.n_layers);
	if (r == 0) {
		img_sha256(mtext, strlen(mtext), digest);
		r = img_store_unpack_all(s, &m, &c, err);
	}
	if (r == 0)
		r = img_store_put_blob(s, digest, mtext, strlen(mtext), err);
	if (r == 0)
		r = img_store_record(s, fname, digest, &m, &c, err);
	img_rm_tree(tmp);
	json_decref(list);
	img_manifest_release(&m);
	img_config_release(&c);
	cs_buf_release(&mb);
	cs_buf_release(&cb);
	return r < 0 ? -1 : 0;
}

int img_import(const char *spec, const char *name, const char *platform,
	       char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *tag = NULL;
	struct img_store s;
	struct stat st;
	char d[IMG_DIGEST_LEN];
	int ret;

	split_spec(spec, &dir, &tag);
	if (img_store_open(&s, err) < 0)
		return cs_error_wrap(err, "cannot import '%s'", spec);
	ret = img_store_lock(&s, 0, 1, err);
	if (ret == 0 && stat(spec, &st) == 0 && S_ISREG(st.st_mode))
		ret = import_archive(&s, spec, name, d, err);
	else if (ret == 0)
		ret = import(&s, dir, tag, name, platform, d, err);
	img_store_close(&s);
	if (ret < 0)
		return cs_error_wrap(err, "cannot import '%s'", spec);
	if (digest)
		memcpy(digest, d, IMG_DIGEST_LEN);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Export */

static int copy_out(const char *src, const char *dst, struct cs_error *err)
{
	_cleanup_close_ int in = -1, out = -1;
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-XXXXXX", dst);
	struct stat st;

	if (access(dst, F_OK) == 0)
		return 0; /* content-addressed: same name, same bytes */
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return cs_error_errno(err, "open '%s'", src);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return cs_error_errno(err, "create '%s'", tmp);
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, left, 0);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			unlink(tmp);
			return cs_error_set(err, e, "copy '%s'", src);
		}
		left -= n;
	}
	if (fchmod(out, 0644) < 0 || fsync(out) < 0 || rename(tmp, dst) < 0) {
		int e = errno;
		unlink(tmp);
		return cs_error_set(err, e, "write '%s'", dst);
	}
	return 0;
}

static int export(struct img_store *s, const struct img_info *info,
		  const char *dir, const char *tag, struct cs_error *err)
{
	_cleanup_free_ char *blobs = xasprintf("%s/blobs/sha256", dir);
	_cleanup_free_ char *ipath = xasprintf("%s/index.json", dir);
	_cleanup_free_ char *lpath = xasprintf("%s/oci-layout", dir);
	_cleanup_free_ char *mpath = img_store_blob_path(s, info->digest);
	_cleanup_free_ char *text = NULL;
	struct cs_buf mb = CS_BUF_INIT, cb = CS_BUF_INIT;
	struct img_manifest m;
	json_t *index = NULL, *list, *e, *desc;
	size_t i;
	int r;
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

	if (cs_mkdir_p(blobs, 0755) < 0)
		return cs_error_errno(err, "create '%s'", blobs);
	r = cs_read_file(mpath, &mb, IMG_MAX_MANIFEST_SIZE, err);
	if (r == 0)
		r = img_manifest_parse(&m, mb.buf, mb.len, NULL, err);
	if (r < 0) {
		cs_buf_release(&mb);
		return -1;
	}
	for (i = 0; r == 0 && i <= m.n_layers + 1; i++) {
		const char *d = i == 0 ? info->digest :
				i == 1 ? m.config.digest :
					 m.layers[i - 2].digest;
		_cleanup_free_ char *from = img_store_blob_path(s, d);
		_cleanup_free_ char *to =
			xasprintf("%s/%s", blobs, img_digest_hex(d));
		r = copy_out(from, to, err);
	}
	desc = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", m.media_type,
			 "digest", info->digest, "size", (json_int_t)mb.len,
			 "annotations", REF_NAME, tag);
	img_manifest_release(&m);
	cs_buf_release(&mb);
	if (r < 0) {
		json_decref(desc);
		return -1;
	}
	if (access(ipath, F_OK) == 0) {
		if (cs_read_file(ipath, &cb, IMG_MAX_MANIFEST_SIZE, err) < 0) {
			json_decref(desc);
			return -1;
		}
		index = json_loadb(cb.buf, cb.len, 0, NULL);
		cs_buf_release(&cb);
	}
	if (!json_is_array(json_object_get(index, "manifests"))) {
		json_decref(index);
		index = json_pack("{s:i, s:[]}", "schemaVersion", 2,
				  "manifests");
	}
	list = json_object_get(index, "manifests");
	for (i = json_array_size(list); i-- > 0;) {
		e = json_array_get(list, i);
		const char *n = json_string_value(json_object_get(
			json_object_get(e, "annotations"), REF_NAME));
		if (n && !strcmp(n, tag))
			json_array_remove(list, i);
	}
	json_array_append_new(list, desc);
	text = json_dumps(index, JSON_COMPACT);
	json_decref(index);
	if (cs_write_file_atomic(lpath, layout, strlen(layout), 0644, err) <
		    0 ||
	    cs_write_file_atomic(ipath, text, strlen(text), 0644, err) < 0)
		return -1;
	return 0;
}

/* "FILE.tar" (or .tar.*) means a docker-archive, anything else a
 * layout. */
static int is_archive_name(const char *spec)
{
	size_t n = strlen(spec);
	struct stat st;

	if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return n > 4 && !strcmp(spec + n - 4, ".tar");
}

int img_export(const char *ref, const char *spec, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *tag = NULL;
	struct img_store s;
	struct img_info info;
	struct img_ref r;
	int ret;

	split_spec(spec, &dir, &tag);
	if (!tag && img_ref_parse(&r, ref, NULL) == 0) {
		tag = xstrdup(r.tag ? r.tag : "latest");
		img_ref_release(&r);
	}
	if (!tag)
		tag = xstrdup("latest");
	if (img_find(ref, &info, err) < 0)
		return cs_error_wrap(err, "cannot export '%s'", ref);
	if (img_store_open(&s, err) < 0) {
		img_info_release(&info);
		return cs_error_wrap(err, "cannot export '%s'", ref);
	}
	ret = img_store_lock(&s, 0, 1, err);
	if (ret == 0 && is_archive_name(spec)) {
		_cleanup_free_ char *name = NULL;
		struct img_ref rr;

		/* Tagged with the reference's canonical name. */
		if (img_ref_parse(&rr, ref, NULL) == 0) {
			if (rr.tag)
				name = img_ref_name(&rr);
			img_ref_release(&rr);
		}
		if (!name)
			name = xstrdup(info.n_names ? info.names[0] :
						      "localhost/image:latest");
		ret = img_export_archive(&s, &info, spec, name, err);
	} else if (ret == 0) {
		ret = export(&s, &info, dir, tag, err);
	}
	img_store_close(&s);
	img_info_release(&info);
	if (ret < 0)
		return cs_error_wrap(err, "cannot export '%s' to '%s'", ref,
				     spec);
	return 0;
}
