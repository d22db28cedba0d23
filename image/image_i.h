/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image_i.h — private interfaces between the files of image/: sha256
 * hashing, the registry client, the store's paths and its images.json
 * record.  Never included outside image/.
 */
#ifndef CSHELL_IMAGE_IMAGE_I_H
#define CSHELL_IMAGE_IMAGE_I_H

#include <jansson.h>
#include <openssl/evp.h>

#include "image/image.h"

/* ------------------------------------------------------------------ */
/* digest.c */

struct img_hash {
	EVP_MD_CTX *ctx;
};

void img_hash_init(struct img_hash *h);
void img_hash_update(struct img_hash *h, const void *data, size_t n);
/* Writes "sha256:<hex>" and releases the context. */
void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_LEN]);
void img_hash_release(struct img_hash *h);
void img_sha256(const void *data, size_t n, char out[IMG_DIGEST_LEN]);
/* The hex part of a digest ("invalid-digest" for an invalid one). */
const char *img_digest_hex(const char *digest);

/* ------------------------------------------------------------------ */
/* registry.c: one repository on one registry. */

struct img_registry {
	char *registry; /* as in the reference: "localhost:5000" */
	char *base;	/* "https://host[:port]" */
	char *repo;
	char *basic; /* base64 user:pass from the auth file, or NULL */
	char *token; /* Bearer token, or NULL */
	int insecure;
};

/* Returns 1 when registry is spoken to over plain http: a loopback one
 * (img_registry_loopback()) unless a line "secure HOST[:PORT]" in the
 * registries config says otherwise, or one a line "insecure HOST[:PORT]"
 * names (the last line naming it wins). */
int img_registry_insecure_configured(const char *registry);
int img_registry_init(struct img_registry *r, const struct img_ref *ref,
		      int insecure, struct cs_error *err);
void img_registry_release(struct img_registry *r);
/* GETs a manifest (by tag or digest) into body (capped at
 * IMG_MAX_MANIFEST_SIZE); *ctype gets the malloc'd Content-Type. */
int img_registry_get_manifest(struct img_registry *r, const char *reference,
			      struct cs_buf *body, char **ctype,
			      struct cs_error *err);

/* HEAD of a blob: 1 present, 0 absent, -1 error. */
int img_registry_blob_exists(struct img_registry *r, const char *digest,
			     struct cs_error *err);
/* Uploads the blob at path (monolithic POST + PUT), or mounts it from
 * repository mount_from of the same registry when that works. */
int img_registry_upload_blob(struct img_registry *r, const char *digest,
			     const char *path, int64_t size,
			     const char *mount_from, struct cs_error *err);
int img_registry_put_manifest(struct img_registry *r, const char *reference,
			      const char *media_type, const void *data,
			      size_t len, struct cs_error *err);

struct img_fetch {
	const char *digest;
	int64_t size;
	const char *dest; /* final path; written through a temp file */
	/* -1, or a stream socket that gets a copy of the bytes as they
	 * arrive (for unpacking while downloading).  The fetcher owns it
	 * and closes it when the blob is done, fails, or restarts from
	 * zero, so the reader sees EOF; the bytes sent are unverified. */
	int tee;
	int tee_broken; /* the tee stopped before the end of the blob */
	/* NULL, or where the download is kept when the pull stops (the
	 * store's partial/sha256/<hex>): the next pull resumes it */
	const char *partial;
	int done;      /* verified and renamed to dest */
	char *tmp;     /* the fetcher's: verified, awaiting the rename */
	int tmp_fd;    /* the fetcher's: tmp, open (and locked) till then */
	int resumable; /* the fetcher's: tmp is partial */
};

/* Downloads the blobs, up to parallel at once, each verified by size and
 * sha256; once all are verified one syncfs makes them durable and they
 * are renamed to their dest.  Returns 0 or -1 (the first
 * failure; other transfers are stopped and their temp files removed). */
int img_registry_fetch_blobs(struct img_registry *r, struct img_fetch *v,
			     size_t n, unsigned parallel, int progress,
			     struct cs_error *err);

/* ------------------------------------------------------------------ */
/* store.c */

struct img_store {
	char *root;	/* <data>/ */
	char *blobs;	/* <data>/blobs/sha256 */
	char *layers;	/* <data>/layers/sha256 */
	char *partial;	/* <data>/partial/sha256: downloads to resume */
	int store_lock; /* flock on <data>/store.lock, -1 when not held */
	int db_lock;	/* flock on <data>/images.lock */
};

int img_store_open(struct img_store *s, struct cs_error *err);
void img_store_close(struct img_store *s);
/* Shared: pulls (many at once); exclusive: prune. */
int img_store_lock(struct img_store *s, int exclusive, int wait,
		   struct cs_error *err);
int img_store_db_lock(struct img_store *s, int exclusive, struct cs_error *err);
void img_store_db_unlock(struct img_store *s);
char *img_store_blob_path(const struct img_store *s, const char *digest);
char *img_store_layer_path(const struct img_store *s, const char *diffid);
char *img_store_partial_path(const struct img_store *s, const char *digest);
/* Loads images.json (an empty record when absent).  Caller holds the db
 * lock. */
json_t *img_store_db_load(struct img_store *s, struct cs_error *err);
int img_store_db_save(struct img_store *s, json_t *db, struct cs_error *err);
/* Writes a small blob (manifest) atomically under its digest. */
int img_store_put_blob(struct img_store *s, const char *digest,
		       const void *data, size_t len, struct cs_error *err);
/* Unpacks the layer read from fd into a new temp dir under layers/;
 * *tmp gets its malloc'd path.  Nothing is listed under the diff id yet. */
int img_store_unpack_tmp(struct img_store *s, int fd, const char *blob_digest,
			 const char *diffid, char **tmp, struct cs_error *err);
/* Syncs tmp (unless synced says the caller just did: one syncfs for many
 * trees) and renames it to layers/sha256/<diffid> (dropping it when
 * another pull got there first). */
int img_store_commit_layer(struct img_store *s, const char *tmp,
			   const char *diffid, int synced,
			   struct cs_error *err);
/* Unpacks the layer read from fd into layers/sha256/<diffid> unless
 * already there (blob_digest names it in errors). */
int img_store_unpack_fd(struct img_store *s, int fd, const char *blob_digest,
			const char *diffid, struct cs_error *err);
/* Unpacks the blob into layers/sha256/<diffid> unless already there. */
int img_store_unpack_layer(struct img_store *s, const char *blob_digest,
			   const char *diffid, struct cs_error *err);
/* Unpacks every layer of m (diff ids from c), in parallel (pull.c). */
int img_store_unpack_all(struct img_store *s, const struct img_manifest *m,
			 const struct img_config *c, struct cs_error *err);
/* Records a complete image under name in images.json; the name moves off
 * any other image (pull.c). */
int img_store_record(struct img_store *s, const char *name, const char *digest,
		     const struct img_manifest *m, const struct img_config *c,
		     struct cs_error *err);
/* Copies the file src into the store as blob digest, verifying size and
 * sha256 on the way; a no-op when the store has it. */
int img_store_copy_blob(struct img_store *s, const char *digest, int64_t size,
			const char *src, struct cs_error *err);
/* Same, reading from fd's current position. */
int img_store_copy_blob_fd(struct img_store *s, const char *digest,
			   int64_t size, int fd, struct cs_error *err);
/* Writes the stored image info as a docker-archive at path, tagged name
 * (archive.c). */
int img_export_archive(struct img_store *s, const struct img_info *info,
		       const char *path, const char *name,
		       struct cs_error *err);
/* Removes a tree made read-only by the store. */
int img_rm_tree(const char *path);

#endif
