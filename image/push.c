/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * push.c — `image push`: send a stored image to a registry.  The store
 * lock is held shared for the whole push so garbage collection cannot
 * remove a blob being uploaded; blobs the registry already has are
 * skipped, others mounted across repositories when possible or uploaded
 * in one PUT, and the manifest goes last so the tag never points at
 * missing blobs.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_i.h"

struct push_blob {
	char *digest;
	int64_t size;
};

/* Another repository of the same registry that holds this image. */
static char *mount_source(json_t *img, const struct img_ref *dst)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(img, "names"), i, v)
	{
		struct img_ref r;
		char *repo = NULL;

		if (img_ref_parse(&r, json_string_value(v) ?: "", NULL) < 0)
			continue;
		if (!strcmp(r.registry, dst->registry) &&
		    strcmp(r.repo, dst->repo))
			repo = xstrdup(r.repo);
		img_ref_release(&r);
		if (repo)
			return repo;
	}
	return NULL;
}

static int push_blobs(struct img_store *s, struct img_registry *reg,
		      struct push_blob *blobs, size_t n, const char *from,
		      struct cs_error *err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path =
			img_store_blob_path(s, blobs[i].digest);
		int have = img_registry_blob_exists(reg, blobs[i].digest, err);

		if (have < 0)
			return -1;
		if (have)
			continue;
		if (img_registry_upload_blob(reg, blobs[i].digest, path,
					     blobs[i].size, from, err) < 0)
			return -1;
	}
	return 0;
}

static int push(struct img_store *s, const char *src, const char *dststr,
		unsigned flags, char digest[IMG_DIGEST_LEN],
		struct cs_error *err)
{
	struct img_ref dst = { 0 };
	struct img_registry reg = { 0 };
	struct cs_buf manifest = CS_BUF_INIT;
	struct push_blob *blobs = NULL;
	json_t *db = NULL, *img, *layers, *l, *found = NULL;
	char *from = NULL, *mpath = NULL, *media_type = NULL, *tag;
	size_t i, n = 0;
	int ret = -1;

	if (img_store_db_lock(s, 0, err) < 0)
		return -1;
	db = img_store_db_load(s, err);
	img_store_db_unlock(s);
	if (!db)
		return -1;
	{
		struct img_info info;
		if (img_find(src, &info, err) < 0)
			goto out;
		json_array_foreach(json_object_get(db, "images"), i, img) if (
			!strcmp(json_string_value(json_object_get(img, "digest")) ?:
					"",
				info.digest)) found = img;
		img_info_release(&info);
	}
	if (!found) {
		cs_error_set(err, 0, "image '%s' vanished from the store", src);
		goto out;
	}
	if (img_ref_parse(&dst, dststr ? dststr : src, err) < 0)
		goto out;
	if (!dst.tag) {
		cs_error_set(err, 0, "cannot push to '%s': give a tag",
			     dststr ? dststr : src);
		goto out;
	}
	tag = dst.tag;
	layers = json_object_get(found, "layers");
	blobs = xcalloc(json_array_size(layers) + 1, sizeof(*blobs));
	json_array_foreach(layers, i, l)
	{
		const char *d = json_string_value(json_object_get(l, "digest"));
		if (!img_digest_valid(d))
			continue;
		blobs[n].digest = xstrdup(d);
		blobs[n].size = json_integer_value(json_object_get(l, "size"));
		n++;
	}
	{
		const char *cfg =
			json_string_value(json_object_get(found, "config"));
		const char *md =
			json_string_value(json_object_get(found, "digest"));
		const char *mt =
			json_string_value(json_object_get(found, "media_type"));
		_cleanup_free_ char *cpath = NULL;
		struct stat st;

		if (!img_digest_valid(cfg) || !img_digest_valid(md)) {
			cs_error_set(err, 0, "image '%s' has a bad record",
				     src);
			goto out;
		}
		cpath = img_store_blob_path(s, cfg);
		if (stat(cpath, &st) < 0) {
			cs_error_errno(err, "config blob of '%s'", src);
			goto out;
		}
		blobs[n].digest = xstrdup(cfg);
		blobs[n].size = st.st_size;
		n++;
		mpath = img_store_blob_path(s, md);
		memcpy(digest, md, IMG_DIGEST_LEN);
		media_type = xstrdup(
			mt ? mt : "application/vnd.oci.image.manifest.v1+json");
	}
	if (cs_read_file(mpath, &manifest, IMG_MAX_MANIFEST_SIZE, err) < 0)
		goto out;
	from = mount_source(found, &dst);
	img_registry_init(&reg, &dst, flags & IMG_PULL_INSECURE, err);
	if (push_blobs(s, &reg, blobs, n, from, err) < 0 ||
	    img_registry_put_manifest(&reg, tag, media_type, manifest.buf,
				      manifest.len, err) < 0)
		goto out;
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(blobs[i].digest);
	free(blobs);
	free(from);
	free(mpath);
	free(media_type);
	cs_buf_release(&manifest);
	img_registry_release(&reg);
	img_ref_release(&dst);
	json_decref(db);
	return ret;
}

int img_push(const char *src, const char *dst, unsigned flags,
	     char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	struct img_store s;
	char d[IMG_DIGEST_LEN];
	int ret;

	if (img_store_open(&s, err) < 0)
		return -1;
	ret = img_store_lock(&s, 0, 1, err);
	if (ret == 0)
		ret = push(&s, src, dst, flags, d, err);
	img_store_close(&s);
	if (ret < 0)
		return cs_error_wrap(err, "cannot push '%s'", dst ? dst : src);
	if (digest)
		memcpy(digest, d, IMG_DIGEST_LEN);
	return 0;
}
