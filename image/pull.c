/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pull.c — `image pull`: resolve a reference to a manifest (choosing from
 * an index by platform), download the config and the missing layers in
 * parallel, unpack each layer once, and only then record the image in
 * images.json, so an interrupted pull leaves nothing listed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "image/image_i.h"

static volatile sig_atomic_t interrupted;

void img_interrupt(void)
{
	interrupted = 1;
}

int img_interrupted(void)
{
	return interrupted;
}

static int fetch_manifest(struct img_registry *r, const char *reference,
			  const char *want_digest, struct img_manifest *m,
			  struct cs_buf *body, char digest[IMG_DIGEST_LEN],
			  struct cs_error *err)
{
	_cleanup_free_ char *ctype = NULL;

	if (img_registry_get_manifest(r, reference, body, &ctype, err) < 0)
		return -1;
	img_sha256(body->buf, body->len, digest);
	if (want_digest && strcmp(digest, want_digest))
		return cs_error_set(err, 0,
				    "manifest digest mismatch: expected %s, "
				    "got %s",
				    want_digest, digest);
	if (img_manifest_parse(m, body->buf, body->len, ctype, err) < 0)
		return cs_error_wrap(err, "manifest %s", digest);
	return 0;
}

static json_t *layer_record(const struct img_descriptor *d, const char *diffid)
{
	return json_pack("{s:s, s:s, s:I, s:s}", "digest", d->digest, "diff_id",
			 diffid, "size", (json_int_t)d->size, "media_type",
			 d->media_type);
}

int img_store_record(struct img_store *s, const char *name, const char *digest,
		     const struct img_manifest *m, const struct img_config *c,
		     struct cs_error *err)
{
	json_t *db, *images, *img, *layers, *names;
	uint64_t size = m->config.size;
	size_t i;
	int ret;

	if (img_store_db_lock(s, 1, err) < 0)
		return -1;
	db = img_store_db_load(s, err);
	if (!db) {
		img_store_db_unlock(s);
		return -1;
	}
	images = json_object_get(db, "images");
	/* The name moves off whatever image had it. */
	json_array_foreach(images, i, img)
	{
		json_t *n2 = json_object_get(img, "names");
		size_t k;
		json_t *v;
		json_array_foreach(n2, k, v)
		{
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), name)) {
				json_array_remove(n2, k);
				break;
			}
		}
	}
	names = NULL;
	json_array_foreach(images, i, img)
	{
		if (!strcmp(json_string_value(json_object_get(img, "digest")) ?:
				    "",
			    digest)) {
			names = json_object_get(img, "names");
			break;
		}
	}
	if (!names) {
		layers = json_array();
		for (i = 0; i < m->n_layers; i++) {
			json_array_append_new(
				layers,
				layer_record(&m->layers[i], c->diff_ids[i]));
			size += m->layers[i].size;
		}
		img = json_pack(
			"{s:s, s:s, s:[], s:o, s:I, s:I, s:s, s:s}", "digest",
			digest, "config", m->config.digest, "names", "layers",
			layers, "size", (json_int_t)size, "pulled",
			(json_int_t)time(NULL), "os", c->os ? c->os : "",
			"architecture", c->arch ? c->arch : "");
		if (c->created)
			json_object_set_new(img, "created",
					    json_string(c->created));
		json_object_set_new(img, "media_type",
				    json_string(m->media_type));
		json_array_append_new(images, img);
		names = json_object_get(img, "names");
	}
	json_array_append_new(names, json_string(name));
	ret = img_store_db_save(s, db, err);
	json_decref(db);
	img_store_db_unlock(s);
	return ret;
}

/* Layers are unpacked in parallel: each goes into its own temp dir and
 * is renamed into place, so workers share nothing but the job counter. */
struct unpack_job {
	struct img_store *s;
	const struct img_manifest *m;
	const struct img_config *c;
	pthread_mutex_t lock;
	size_t next;
	int failed;
	struct cs_error err;
};

static void *unpack_worker(void *ud)
{
	struct unpack_job *j = ud;

	for (;;) {
		struct cs_error err = CS_ERROR_INIT;
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		if (j->failed)
			i = j->m->n_layers;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->m->n_layers)
			return NULL;
		if (img_interrupted()) {
			cs_error_set(&err, EINTR, "interrupted");
		} else if (img_store_unpack_layer(j->s, j->m->layers[i].digest,
						  j->c->diff_ids[i],
						  &err) == 0) {
			continue;
		}
		pthread_mutex_lock(&j->lock);
		if (!j->failed) {
			j->failed = 1;
			j->err = err;
		} else {
			cs_error_release(&err);
		}
		pthread_mutex_unlock(&j->lock);
	}
}

int img_store_unpack_all(struct img_store *s, const struct img_manifest *m,
			 const struct img_config *c, struct cs_error *err)
{
	struct unpack_job j = { .s = s, .m = m, .c = c };
	pthread_t tids[8];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = m->n_layers, started = 0;

	if (ncpu < 1)
		ncpu = 1;
	if (n > (size_t)ncpu)
		n = ncpu;
	if (n > CS_ARRAY_SIZE(tids))
		n = CS_ARRAY_SIZE(tids);
	pthread_mutex_init(&j.lock, NULL);
	for (size_t i = 1; i < n; i++)
		if (pthread_create(&tids[started], NULL, unpack_worker, &j) ==
		    0)
			started++;
	unpack_worker(&j);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&j.lock);
	if (!j.failed)
		return 0;
	if (err) {
		cs_error_release(err);
		*err = j.err;
	} else {
		cs_error_release(&j.err);
	}
	return -1;
}

static int fetch_config(struct img_store *s, struct img_registry *r,
			const struct img_manifest *m, struct img_config *c,
			struct cs_error *err)
{
	_cleanup_free_ char *p = img_store_blob_path(s, m->config.digest);
	_cleanup_free_ char *part = img_store_partial_path(s, m->config.digest);
	struct img_fetch f = { .digest = m->config.digest,
			       .size = m->config.size,
			       .dest = p,
			       .partial = part,
			       .tee = -1 };
	struct cs_buf cfg = CS_BUF_INIT;
	int ret = 0;

	if (access(p, F_OK) < 0)
		ret = img_registry_fetch_blobs(r, &f, 1, 1, 0, err);
	if (ret == 0)
		ret = cs_read_file(p, &cfg, IMG_MAX_MANIFEST_SIZE, err);
	if (ret == 0)
		ret = img_config_parse(c, cfg.buf, cfg.len, err);
	cs_buf_release(&cfg);
	return ret < 0 ? cs_error_wrap(err, "config %s", m->config.digest) : 0;
}

/* A layer unpacked while it downloads: the fetcher copies the bytes into
 * one end of a socket pair, this thread unpacks from the other. */
#define MAX_STREAMS 16

struct stream {
	struct img_store *s;
	const char *digest;
	const char *diffid;
	size_t fetch; /* index in the fetch list */
	int fd;
	pthread_t tid;
	char *tmp; /* the unpacked tree, committed once the blob verified */
};

static void *stream_worker(void *ud)
{
	struct stream *st = ud;
	struct cs_error err = CS_ERROR_INIT;

	/* A failure here is not final: the layer is unpacked again from its
	 * verified blob, which reports the error if it persists. */
	if (img_store_unpack_tmp(st->s, st->fd, st->digest, st->diffid,
				 &st->tmp, &err) < 0)
		cs_debug("layer %.19s not unpacked while downloading: %s",
			 st->digest, err.msg ? err.msg : "");
	cs_error_release(&err);
	close(st->fd);
	return NULL;
}

static int stream_start(struct stream *st, struct img_fetch *f)
{
	int sv[2], sz = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	st->fd = sv[1];
	if (pthread_create(&st->tid, NULL, stream_worker, st) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	f->tee = sv[0];
	return 0;
}

/* Downloads the layers the store lacks, each once, unpacking up to
 * MAX_STREAMS of them on the fly. */
static int fetch_layers(struct img_store *s, struct img_registry *r,
			const struct img_manifest *m,
			const struct img_config *c,
			const struct img_pull_opts *opts, int progress,
			struct cs_error *err)
{
	struct img_fetch *fetch = xcalloc(m->n_layers + 1, sizeof(*fetch));
	char **paths = xcalloc(m->n_layers + 1, sizeof(*paths));
	char **parts = xcalloc(m->n_layers + 1, sizeof(*parts));
	struct stream streams[MAX_STREAMS];
	size_t i, k, nf = 0, ns = 0;
	int ret = 0, synced = 0;

	for (i = 0; i < m->n_layers; i++) {
		const struct img_descriptor *d = &m->layers[i];
		char *p = img_store_blob_path(s, d->digest), *layer;
		int dup = 0;

		for (k = 0; k < nf; k++)
			dup |= !strcmp(fetch[k].digest, d->digest);
		if (dup || access(p, F_OK) == 0) {
			free(p);
			continue;
		}
		paths[nf] = p;
		parts[nf] = img_store_partial_path(s, d->digest);
		fetch[nf] = (struct img_fetch){ .digest = d->digest,
						.size = d->size,
						.dest = p,
						.partial = parts[nf],
						.tee = -1 };
		layer = img_store_layer_path(s, c->diff_ids[i]);
		if (ns < MAX_STREAMS && access(layer, F_OK) < 0) {
			streams[ns] = (struct stream){ .s = s,
						       .digest = d->digest,
						       .diffid = c->diff_ids[i],
						       .fetch = nf };
			if (stream_start(&streams[ns], &fetch[nf]) == 0)
				ns++;
		}
		free(layer);
		nf++;
	}
	if (nf)
		ret = img_registry_fetch_blobs(r, fetch, nf, opts->parallel,
					       progress, err);
	/* The fetcher closed every tee: the streams see EOF and end.  A
	 * tree is kept only when it saw the whole blob and the blob
	 * verified; one syncfs makes all kept trees durable. */
	for (k = 0; k < ns; k++) {
		struct stream *st = &streams[k];

		pthread_join(st->tid, NULL);
		if (st->tmp &&
		    (!fetch[st->fetch].done || fetch[st->fetch].tee_broken)) {
			img_rm_tree(st->tmp);
			free(st->tmp);
			st->tmp = NULL;
		}
		synced |= st->tmp != NULL;
	}
	if (synced) {
		_cleanup_close_ int dfd =
			open(s->layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || syncfs(dfd) < 0)
			synced = 0; /* commit syncs each tree then */
	}
	for (k = 0; k < ns; k++) {
		struct stream *st = &streams[k];
		struct cs_error cerr = CS_ERROR_INIT;

		if (!st->tmp)
			continue;
		if (img_store_commit_layer(s, st->tmp, st->diffid, synced,
					   &cerr) < 0)
			cs_debug("%s", cerr.msg ? cerr.msg : "");
		cs_error_release(&cerr);
		free(st->tmp);
	}
	for (k = 0; k < nf; k++) {
		free(paths[k]);
		free(parts[k]);
	}
	free(paths);
	free(parts);
	free(fetch);
	return ret;
}

static int pull(struct img_store *s, struct img_registry *r,
		const struct img_ref *ref, const struct img_pull_opts *opts,
		char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	char *name = img_ref_name(ref);
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	struct cs_buf body = CS_BUF_INIT;
	int ret = -1, progress;

	if (fetch_manifest(r, ref->digest ? ref->digest : ref->tag, ref->digest,
			   &m, &body, digest, err) < 0)
		goto out;
	if (m.kind == IMG_KIND_INDEX) {
		const struct img_descriptor *d;
		char want[IMG_DIGEST_LEN];

		d = img_index_select(&m, opts->platform, err);
		if (!d)
			goto out;
		memcpy(want, d->digest, IMG_DIGEST_LEN);
		img_manifest_release(&m);
		cs_buf_release(&body);
		if (fetch_manifest(r, want, want, &m, &body, digest, err) < 0)
			goto out;
		if (m.kind != IMG_KIND_MANIFEST) {
			cs_error_set(err, 0, "index entry %s is not a manifest",
				     want);
			goto out;
		}
	}
	if (m.config.size > IMG_MAX_MANIFEST_SIZE) {
		cs_error_set(err, 0,
			     "image config of %lld bytes exceeds the limit of "
			     "%u bytes",
			     (long long)m.config.size, IMG_MAX_MANIFEST_SIZE);
		goto out;
	}

	progress = !(opts->flags & IMG_PULL_QUIET) && isatty(2);
	if (fetch_config(s, r, &m, &c, err) < 0)
		goto out;
	if (c.n_diff_ids != m.n_layers) {
		cs_error_set(err, 0,
			     "image config lists %zu layers but the manifest "
			     "%zu",
			     c.n_diff_ids, m.n_layers);
		goto out;
	}
	/* Layers still missing are unpacked from their blobs (the streams
	 * of fetch_layers() may have done most of them already). */
	if (fetch_layers(s, r, &m, &c, opts, progress, err) < 0 ||
	    img_store_unpack_all(s, &m, &c, err) < 0)
		goto out;
	if (img_store_put_blob(s, digest, body.buf, body.len, err) < 0 ||
	    img_store_record(s, name, digest, &m, &c, err) < 0)
		goto out;
	ret = 0;
out:
	free(name);
	img_config_release(&c);
	img_manifest_release(&m);
	cs_buf_release(&body);
	return ret;
}

int img_pull(const char *refstr, const struct img_pull_opts *opts,
	     char digest[IMG_DIGEST_LEN], struct cs_error *err)
{
	struct img_pull_opts def = { 0 };
	struct img_ref ref;
	struct img_registry r;
	struct img_store s;
	char d[IMG_DIGEST_LEN];
	int ret;

	if (!opts)
		opts = &def;
	if (img_ref_parse(&ref, refstr, err) < 0)
		return -1;
	img_registry_init(&r, &ref, opts->flags & IMG_PULL_INSECURE, err);
	if (img_store_open(&s, err) < 0) {
		ret = -1;
		goto out;
	}
	ret = img_store_lock(&s, 0, 1, err);
	if (ret == 0)
		ret = pull(&s, &r, &ref, opts, d, err);
	if (ret == 0 && digest)
		memcpy(digest, d, IMG_DIGEST_LEN);
	img_store_close(&s);
out:
	if (ret < 0)
		cs_error_wrap(err, "cannot pull '%s'", refstr);
	img_registry_release(&r);
	img_ref_release(&ref);
	return ret;
}
