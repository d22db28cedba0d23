/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.c — the on-disk store under the data root: paths, the two locks,
 * images.json load/save, blob writes and layer unpacking into place.
 *
 * Locks: store.lock is held shared by every pull for its whole run and
 * exclusively by garbage collection, so collection never removes a blob a
 * pull is about to reference; images.lock guards images.json
 * read-modify-write cycles.  Order: store.lock before images.lock.
 * Everything enters the store by rename from a ".tmp-" name, which
 * garbage collection removes when no pull holds the store.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/image_i.h"

int img_store_open(struct img_store *s, struct cs_error *err)
{
	memset(s, 0, sizeof(*s));
	s->store_lock = s->db_lock = -1;
	s->root = cs_root_subdir(CS_ROOT_DATA, "", 1, err);
	if (!s->root)
		return cs_error_wrap(err, "open image store");
	s->blobs = xasprintf("%s/blobs/sha256", s->root);
	s->layers = xasprintf("%s/layers/sha256", s->root);
	s->partial = xasprintf("%s/partial/sha256", s->root);
	if (cs_mkdir_p(s->blobs, 0755) < 0 || cs_mkdir_p(s->layers, 0755) < 0 ||
	    cs_mkdir_p(s->partial, 0755) < 0) {
		int e = errno;
		img_store_close(s);
		return cs_error_set(err, e ? e : EIO,
				    "open image store: create directories");
	}
	return 0;
}

void img_store_close(struct img_store *s)
{
	img_store_db_unlock(s);
	if (s->store_lock >= 0)
		close(s->store_lock);
	free(s->root);
	free(s->blobs);
	free(s->layers);
	free(s->partial);
	memset(s, 0, sizeof(*s));
	s->store_lock = s->db_lock = -1;
}

int img_store_lock(struct img_store *s, int exclusive, int wait,
		   struct cs_error *err)
{
	_cleanup_free_ char *p = xasprintf("%s/store.lock", s->root);

	s->store_lock = cs_lock_path(p, exclusive, wait, err);
	return s->store_lock < 0 ? -1 : 0;
}

int img_store_db_lock(struct img_store *s, int exclusive, struct cs_error *err)
{
	_cleanup_free_ char *p = xasprintf("%s/images.lock", s->root);

	s->db_lock = cs_lock_path(p, exclusive, 1, err);
	return s->db_lock < 0 ? -1 : 0;
}

void img_store_db_unlock(struct img_store *s)
{
	if (s->db_lock >= 0)
		close(s->db_lock);
	s->db_lock = -1;
}

char *img_store_blob_path(const struct img_store *s, const char *digest)
{
	return xasprintf("%s/%s", s->blobs, img_digest_hex(digest));
}

char *img_store_layer_path(const struct img_store *s, const char *diffid)
{
	return xasprintf("%s/%s", s->layers, img_digest_hex(diffid));
}

char *img_store_partial_path(const struct img_store *s, const char *digest)
{
	return xasprintf("%s/%s", s->partial, img_digest_hex(digest));
}

json_t *img_store_db_load(struct img_store *s, struct cs_error *err)
{
	_cleanup_free_ char *p = xasprintf("%s/images.json", s->root);
	struct cs_buf b = CS_BUF_INIT;
	json_error_t jerr;
	json_t *db;

	if (access(p, F_OK) < 0 && errno == ENOENT) {
		db = json_object();
		json_object_set_new(db, "version", json_integer(1));
		json_object_set_new(db, "images", json_array());
		return db;
	}
	if (cs_read_file(p, &b, 256u << 20, err) < 0)
		return cs_error_wrap(err, "read image list"), NULL;
	db = json_loadb(b.buf, b.len, 0, &jerr);
	cs_buf_release(&b);
	if (!db || !json_is_array(json_object_get(db, "images"))) {
		json_decref(db);
		cs_error_set(err, 0,
			     "image list '%s' is corrupt (%s): move it away "
			     "and pull again",
			     p, db ? "no images array" : jerr.text);
		return NULL;
	}
	return db;
}

int img_store_db_save(struct img_store *s, json_t *db, struct cs_error *err)
{
	_cleanup_free_ char *p = xasprintf("%s/images.json", s->root);
	_cleanup_free_ char *text =
		json_dumps(db, JSON_INDENT(1) | JSON_SORT_KEYS);

	if (!text)
		return cs_error_set(err, ENOMEM, "encode image list");
	if (cs_write_file_atomic(p, text, strlen(text), 0644, err) < 0)
		return cs_error_wrap(err, "save image list");
	return 0;
}

int img_store_put_blob(struct img_store *s, const char *digest,
		       const void *data, size_t len, struct cs_error *err)
{
	_cleanup_free_ char *p = img_store_blob_path(s, digest);
	char got[IMG_DIGEST_LEN];

	img_sha256(data, len, got);
	if (strcmp(got, digest))
		return cs_error_set(err, 0,
				    "digest mismatch: expected %s, got %s",
				    digest, got);
	if (access(p, F_OK) == 0)
		return 0;
	return cs_write_file_atomic(p, data, len, 0444, err);
}

/* Copies in to out, at most size bytes, hashing.  Returns the byte count
 * or -1 with err set. */
static int64_t copy_hashing(int in, int out, int64_t size,
			    char got[IMG_DIGEST_LEN], const char *digest,
			    struct cs_error *err)
{
	_cleanup_free_ char *buf = xmalloc(1 << 17);
	struct img_hash h;
	int64_t total = 0;

	img_hash_init(&h);
	for (;;) {
		ssize_t n = read(in, buf, 1 << 17);
		int r = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n < 0)
			r = cs_error_errno(err, "read blob %s", digest);
		else if ((total += n) > size)
			r = cs_error_set(err, 0,
					 "blob %s is larger than the %lld "
					 "bytes its descriptor declares",
					 digest, (long long)size);
		else if ((r = cs_write_all(out, buf, n)) < 0)
			cs_error_set(err, -r, "write blob %s", digest);
		if (r < 0) {
			img_hash_release(&h);
			return -1;
		}
		img_hash_update(&h, buf, n);
	}
	img_hash_final(&h, got);
	return total;
}

int img_store_copy_blob_fd(struct img_store *s, const char *digest,
			   int64_t size, int in, struct cs_error *err)
{
	_cleanup_free_ char *dest = img_store_blob_path(s, digest);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-XXXXXX", dest);
	_cleanup_close_ int out = -1;
	char got[IMG_DIGEST_LEN];
	int64_t total;

	if (access(dest, F_OK) == 0)
		return 0;
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return cs_error_errno(err, "create '%s'", tmp);
	total = copy_hashing(in, out, size, got, digest, err);
	if (total < 0) {
		unlink(tmp);
		return -1;
	}
	if (total != size || strcmp(got, digest)) {
		unlink(tmp);
		return cs_error_set(err, 0,
				    "blob %s does not match its descriptor "
				    "(%lld bytes, %s); nothing was stored",
				    digest, (long long)total, got);
	}
	if (fsync(out) < 0 || fchmod(out, 0444) < 0 || rename(tmp, dest) < 0) {
		int e = errno;
		unlink(tmp);
		return cs_error_set(err, e, "store blob %s", digest);
	}
	return 0;
}

int img_store_copy_blob(struct img_store *s, const char *digest, int64_t size,
			const char *src, struct cs_error *err)
{
	_cleanup_close_ int in = -1;
	_cleanup_free_ char *dest = img_store_blob_path(s, digest);

	if (access(dest, F_OK) == 0)
		return 0;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cs_error_errno(err, "open blob '%s'", src);
	return img_store_copy_blob_fd(s, digest, size, in, err);
}

static int chmod_cb(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int img_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	if (geteuid() != 0)
		nftw(path, chmod_cb, 32, FTW_PHYS | FTW_MOUNT);
	if (nftw(path, rm_cb, 32, FTW_PHYS | FTW_MOUNT | FTW_DEPTH) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

int img_store_unpack_tmp(struct img_store *s, int fd, const char *blob_digest,
			 const char *diffid, char **tmp_out,
			 struct cs_error *err)
{
	_cleanup_free_ char *tmp = NULL;
	/* A blob whose digest is the diff id is an uncompressed tar: its
	 * bytes are verified as the blob (before the tree is committed). */
	struct img_unpack_opts opts = { .expected_diffid = diffid,
					.diffid_verified =
						!strcmp(blob_digest, diffid) };
	const char *cap = getenv("CSHELL_IMAGE_MAX_FILE_SIZE");
	const char *lcap = getenv("CSHELL_IMAGE_MAX_LAYER_SIZE");
	char got[IMG_DIGEST_LEN];

	if (cap && *cap)
		opts.max_file_size = strtoull(cap, NULL, 10);
	if (lcap && *lcap)
		opts.max_layer_size = strtoull(lcap, NULL, 10);
	tmp = xasprintf("%s/.tmp-%s-XXXXXX", s->layers, img_digest_hex(diffid));
	if (!mkdtemp(tmp))
		return cs_error_errno(err, "create '%s'", tmp);
	if (img_unpack(fd, tmp, &opts, got, err) < 0) {
		int e = err ? err->code : 0;

		img_rm_tree(tmp);
		/* the entry's name alone does not say which disk is full */
		if (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS)
			return cs_error_wrap(err,
					     "layer %.19s, unpacked in '%s'",
					     blob_digest, s->layers);
		return cs_error_wrap(err, "layer %.19s", blob_digest);
	}
	*tmp_out = steal_ptr(&tmp);
	return 0;
}

int img_store_commit_layer(struct img_store *s, const char *tmp,
			   const char *diffid, int synced, struct cs_error *err)
{
	_cleanup_free_ char *final = img_store_layer_path(s, diffid);
	_cleanup_close_ int dfd = -1;

	if (!synced) {
		dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			syncfs(dfd);
	}
	if (rename(tmp, final) < 0) {
		int e = errno;
		img_rm_tree(tmp);
		if (e == EEXIST || e == ENOTEMPTY)
			return 0; /* another pull unpacked it first */
		return cs_error_set(err, e, "rename layer into '%s'", final);
	}
	return 0;
}

int img_store_unpack_fd(struct img_store *s, int fd, const char *blob_digest,
			const char *diffid, struct cs_error *err)
{
	_cleanup_free_ char *final = img_store_layer_path(s, diffid);
	_cleanup_free_ char *tmp = NULL;

	if (access(final, F_OK) == 0)
		return 0;
	if (img_store_unpack_tmp(s, fd, blob_digest, diffid, &tmp, err) < 0)
		return -1;
	return img_store_commit_layer(s, tmp, diffid, 0, err);
}

int img_store_unpack_layer(struct img_store *s, const char *blob_digest,
			   const char *diffid, struct cs_error *err)
{
	_cleanup_free_ char *final = img_store_layer_path(s, diffid);
	_cleanup_free_ char *blob = img_store_blob_path(s, blob_digest);
	_cleanup_close_ int fd = -1;

	if (access(final, F_OK) == 0)
		return 0;
	fd = open(blob, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cs_error_errno(err, "open blob '%s'", blob);
	return img_store_unpack_fd(s, fd, blob_digest, diffid, err);
}
