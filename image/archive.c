/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * archive.c — `image export REF FILE.tar`: writes a docker-archive (the
 * format of `docker save` / `podman save`, read by `docker load`,
 * `podman load` and skopeo's docker-archive: transport).
 *
 * The tarball holds the config as <hex>.json, each layer as an
 * uncompressed <diffid-hex>.tar (compressed blobs are inflated into a
 * temp file first and checked against their diff id) and manifest.json.
 * It is written to a temp file next to the target and renamed when
 * complete.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_i.h"

#define COPY_BUF (1 << 17)

/* Appends the file open at fd (size bytes) as name. */
static int add_file(struct archive *a, const char *name, int fd, int64_t size,
		    struct cs_error *err)
{
	_cleanup_free_ char *buf = xmalloc(COPY_BUF);
	struct archive_entry *e = archive_entry_new();
	int64_t left = size;
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return cs_error_set(err, 0, "write '%s': %s", name,
				    archive_error_string(a));
	while (left > 0) {
		ssize_t n = read(fd, buf, left < COPY_BUF ? left : COPY_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cs_error_set(err, n < 0 ? errno : EIO,
					    "read data for '%s'", name);
		if (archive_write_data(a, buf, n) != n)
			return cs_error_set(err, 0, "write '%s': %s", name,
					    archive_error_string(a));
		left -= n;
	}
	return 0;
}

/* Inflates the layer blob at in into the unlinked temp file out,
 * checking the result against diffid.  Returns its size or -1. */
static int64_t inflate_layer(int in, int out, const char *diffid,
			     struct cs_error *err)
{
	_cleanup_free_ char *buf = xmalloc(COPY_BUF);
	struct archive *raw = archive_read_new();
	struct archive_entry *e;
	struct img_hash h;
	char got[IMG_DIGEST_LEN];
	int64_t total = 0;
	la_ssize_t n;

	archive_read_support_filter_gzip(raw);
	archive_read_support_filter_zstd(raw);
	archive_read_support_format_raw(raw);
	if (archive_read_open_fd(raw, in, COPY_BUF) != ARCHIVE_OK ||
	    archive_read_next_header(raw, &e) != ARCHIVE_OK) {
		cs_error_set(err, 0, "read layer: %s",
			     archive_error_string(raw) ?: "unknown format");
		archive_read_free(raw);
		return -1;
	}
	img_hash_init(&h);
	while ((n = archive_read_data(raw, buf, COPY_BUF)) > 0) {
		int r = cs_write_all(out, buf, n);

		if (r < 0) {
			cs_error_set(err, -r, "write layer");
			break;
		}
		img_hash_update(&h, buf, n);
		total += n;
	}
	if (n < 0)
		cs_error_set(err, 0, "inflate layer: %s",
			     archive_error_string(raw));
	archive_read_free(raw);
	if (n != 0) {
		img_hash_release(&h);
		return -1;
	}
	img_hash_final(&h, got);
	if (strcmp(got, diffid))
		return cs_error_set(err, 0,
				    "layer inflates to %s, not its diff id %s",
				    got, diffid);
	if (lseek(out, 0, SEEK_SET) < 0)
		return cs_error_errno(err, "rewind layer");
	return total;
}

static int add_layer(struct img_store *s, struct archive *a,
		     const struct img_descriptor *d, const char *diffid,
		     struct cs_error *err)
{
	_cleanup_free_ char *blob = img_store_blob_path(s, d->digest);
	_cleanup_free_ char *name = xasprintf("%s.tar", img_digest_hex(diffid));
	_cleanup_close_ int in = open(blob, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int tmp = -1;
	int64_t size;

	if (in < 0)
		return cs_error_errno(err, "open blob %s", d->digest);
	if (!strcmp(d->digest, diffid))
		return add_file(a, name, in, d->size, err);
	tmp = open(s->blobs, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0)
		return cs_error_errno(err, "create a temp file in '%s'",
				      s->blobs);
	size = inflate_layer(in, tmp, diffid, err);
	if (size < 0)
		return cs_error_wrap(err, "layer %.19s", d->digest);
	return add_file(a, name, tmp, size, err);
}

static int write_archive(struct img_store *s, struct archive *a,
			 const struct img_info *info, const char *name,
			 const struct img_manifest *m,
			 const struct img_config *c, struct cs_error *err)
{
	_cleanup_free_ char *cpath = img_store_blob_path(s, m->config.digest);
	_cleanup_free_ char *cname =
		xasprintf("%s.json", img_digest_hex(m->config.digest));
	_cleanup_close_ int cfd = open(cpath, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	json_t *man, *layers;
	struct stat st;
	size_t i;
	int r;

	(void)info;
	if (cfd < 0 || fstat(cfd, &st) < 0)
		return cs_error_errno(err, "open config %s", m->config.digest);
	if (add_file(a, cname, cfd, st.st_size, err) < 0)
		return -1;
	layers = json_array();
	for (i = 0; i < m->n_layers; i++) {
		if (add_layer(s, a, &m->layers[i], c->diff_ids[i], err) < 0) {
			json_decref(layers);
			return -1;
		}
		json_array_append_new(
			layers,
			json_sprintf("%s.tar", img_digest_hex(c->diff_ids[i])));
	}
	man = json_pack("[{s:s, s:[s], s:o}]", "Config", cname, "RepoTags",
			name, "Layers", layers);
	text = json_dumps(man, JSON_COMPACT);
	json_decref(man);
	if (!text)
		return cs_error_set(err, ENOMEM, "encode manifest.json");
	{
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(text);

		archive_entry_set_pathname(e, "manifest.json");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, len);
		r = archive_write_header(a, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK ||
		    archive_write_data(a, text, len) != (la_ssize_t)len)
			return cs_error_set(err, 0, "write manifest.json: %s",
					    archive_error_string(a));
	}
	return 0;
}

int img_export_archive(struct img_store *s, const struct img_info *info,
		       const char *path, const char *name, struct cs_error *err)
{
	_cleanup_free_ char *mpath = img_store_blob_path(s, info->digest);
	_cleanup_free_ char *cpath = NULL;
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	_cleanup_close_ int fd = -1;
	struct cs_buf mb = CS_BUF_INIT, cb = CS_BUF_INIT;
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	struct archive *a;
	int r;

	r = cs_read_file(mpath, &mb, IMG_MAX_MANIFEST_SIZE, err);
	if (r == 0)
		r = img_manifest_parse(&m, mb.buf, mb.len, NULL, err);
	if (r == 0) {
		cpath = img_store_blob_path(s, m.config.digest);
		r = cs_read_file(cpath, &cb, IMG_MAX_MANIFEST_SIZE, err);
	}
	if (r == 0)
		r = img_config_parse(&c, cb.buf, cb.len, err);
	if (r == 0 && c.n_diff_ids != m.n_layers)
		r = cs_error_set(err, 0,
				 "image config and manifest disagree "
				 "on the layers");
	cs_buf_release(&mb);
	cs_buf_release(&cb);
	if (r == 0) {
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			r = cs_error_errno(err, "create '%s'", tmp);
	}
	if (r < 0) {
		img_manifest_release(&m);
		img_config_release(&c);
		return -1;
	}
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
		r = cs_error_set(err, 0, "write '%s': %s", tmp,
				 archive_error_string(a));
	if (r == 0)
		r = write_archive(s, a, info, name, &m, &c, err);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = cs_error_set(err, 0, "write '%s': %s", tmp,
				 archive_error_string(a));
	archive_write_free(a);
	img_manifest_release(&m);
	img_config_release(&c);
	if (r == 0 &&
	    (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0))
		r = cs_error_errno(err, "write '%s'", path);
	if (r < 0)
		unlink(tmp);
	return r < 0 ? -1 : 0;
}
