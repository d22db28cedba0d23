/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * images.c — the store's public operations on recorded images: list,
 * find, inspect, tag, rm, prune and resolve (reference -> layer
 * directories + config, for the sandbox).  Each reads or rewrites
 * images.json under its lock; garbage collection of blobs and layers also
 * takes the store lock exclusively so it never races a pull.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_i.h"
#include "sandbox/sandbox.h"

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The hex part of a digest field, "" when the field is not a digest. */
static const char *jhex(json_t *o, const char *k)
{
	const char *s = jstr(o, k);

	return img_digest_valid(s) ? s + 7 : "";
}

static int is_hex_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int has_name(json_t *img, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(
		json_object_get(img, "names"), i,
		v) if (!strcmp(json_string_value(v) ?: "", name)) return 1;
	return 0;
}

/* Finds the index of ref in db's images; *by_name tells whether it matched
 * a name (as opposed to an id or digest). */
static int not_found(struct cs_error *err, const char *ref, const char *hint)
{
	cs_error_set(err, 0, "no image '%s' in the store%s", ref, hint);
	if (err)
		err->code = ENOENT;
	return -1;
}

/* Finds ref in db's images; *by_name tells whether it matched a name (as
 * opposed to an id or digest), *matched (may be NULL) gets that name,
 * malloc'd.  A name matches as given (a local image named so by
 * `import --name`) or in its canonical form. */
static int db_find(json_t *db, const char *ref, size_t *idx, int *by_name,
		   char **matched, struct cs_error *err)
{
	json_t *images = json_object_get(db, "images"), *img;
	const char *hex = ref;
	size_t i, found = (size_t)-1;

	if (matched)
		*matched = NULL;
	if (!strncmp(hex, "sha256:", 7))
		hex += 7;
	if (is_hex_prefix(hex)) {
		json_array_foreach(images, i, img)
		{
			if (strncmp(jhex(img, "digest"), hex, strlen(hex)) &&
			    strncmp(jhex(img, "config"), hex, strlen(hex)))
				continue;
			if (found != (size_t)-1)
				return cs_error_set(err, 0,
						    "'%s' matches several "
						    "images: give more digits",
						    ref);
			found = i;
		}
		if (found != (size_t)-1) {
			*idx = found;
			*by_name = 0;
			return 0;
		}
	}
	{
		struct img_ref r;
		char *names[2];

		if (img_ref_parse(&r, ref, NULL) < 0)
			return not_found(err, ref, "");
		names[0] = img_ref_given_name(ref, NULL);
		names[1] = img_ref_name(&r);
		for (int n = 0; n < 2; n++) {
			json_array_foreach(images, i, img)
			{
				if (r.digest ? strcmp(jstr(img, "digest"),
						      r.digest) :
					       !has_name(img, names[n]))
					continue;
				*idx = i;
				*by_name = !r.digest;
				if (matched)
					*matched = xstrdup(names[n]);
				img_ref_release(&r);
				free(names[0]);
				free(names[1]);
				return 0;
			}
		}
		img_ref_release(&r);
		free(names[0]);
		free(names[1]);
	}
	return not_found(err, ref, " (pull it first)");
}

static char **names_of(json_t *img, size_t *n)
{
	json_t *a = json_object_get(img, "names"), *v;
	char **names = xcalloc(json_array_size(a) + 1, sizeof(*names));
	size_t i, k = 0;

	json_array_foreach(a, i, v) if (json_is_string(v)) names[k++] =
		xstrdup(json_string_value(v));
	*n = k;
	return names;
}

static void info_fill(struct img_info *info, json_t *img)
{
	memset(info, 0, sizeof(*info));
	info->digest = xstrdup(jstr(img, "digest"));
	info->config = xstrdup(jstr(img, "config"));
	info->names = names_of(img, &info->n_names);
	info->n_layers = json_array_size(json_object_get(img, "layers"));
	info->size = json_integer_value(json_object_get(img, "size"));
	info->os = xstrdup(jstr(img, "os"));
	info->arch = xstrdup(jstr(img, "architecture"));
	if (json_is_string(json_object_get(img, "created")))
		info->created = xstrdup(jstr(img, "created"));
}

void img_info_release(struct img_info *info)
{
	free(info->digest);
	free(info->config);
	for (size_t i = 0; i < info->n_names; i++)
		free(info->names[i]);
	free(info->names);
	free(info->os);
	free(info->arch);
	free(info->created);
	memset(info, 0, sizeof(*info));
}

/* Opens the store and loads images.json under the db lock. */
static json_t *open_db(struct img_store *s, int exclusive, struct cs_error *err)
{
	json_t *db;

	if (img_store_open(s, err) < 0)
		return NULL;
	if (img_store_db_lock(s, exclusive, err) < 0) {
		img_store_close(s);
		return NULL;
	}
	db = img_store_db_load(s, err);
	if (!db)
		img_store_close(s);
	return db;
}

int img_list(struct img_list *out, struct cs_error *err)
{
	struct img_store s;
	json_t *db = open_db(&s, 0, err), *images, *img;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!db)
		return -1;
	images = json_object_get(db, "images");
	out->v = xcalloc(json_array_size(images) + 1, sizeof(*out->v));
	json_array_foreach(images, i, img) info_fill(&out->v[out->n++], img);
	json_decref(db);
	img_store_close(&s);
	return 0;
}

char *img_list_json(struct cs_error *err)
{
	struct img_store s;
	json_t *db = open_db(&s, 0, err), *out, *img;
	size_t i;
	char *text;

	if (!db)
		return NULL;
	out = json_array();
	json_array_foreach(json_object_get(db, "images"), i, img)
	{
		const char *cfg = jstr(img, "config");
		json_t *o = json_pack(
			"{s:O, s:s, s:s, s:s%, s:I, s:I, s:s, s:s}", "names",
			json_object_get(img, "names"), "digest",
			jstr(img, "digest"), "config", cfg, "id",
			jhex(img, "config"),
			(size_t)(*jhex(img, "config") ? 12 : 0), "layers",
			(json_int_t)json_array_size(
				json_object_get(img, "layers")),
			"size",
			json_integer_value(json_object_get(img, "size")), "os",
			jstr(img, "os"), "architecture",
			jstr(img, "architecture"));
		if (o && json_is_string(json_object_get(img, "created")))
			json_object_set(o, "created",
					json_object_get(img, "created"));
		if (o)
			json_array_append_new(out, o);
	}
	text = json_dumps(out, JSON_INDENT(2));
	json_decref(out);
	json_decref(db);
	img_store_close(&s);
	return text;
}

void img_list_release(struct img_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		img_info_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int img_find(const char *ref, struct img_info *info, struct cs_error *err)
{
	struct img_store s;
	json_t *db = open_db(&s, 0, err);
	size_t idx;
	int by_name, ret;

	if (!db)
		return -1;
	ret = db_find(db, ref, &idx, &by_name, NULL, err);
	if (ret == 0)
		info_fill(info,
			  json_array_get(json_object_get(db, "images"), idx));
	json_decref(db);
	img_store_close(&s);
	return ret < 0 ? -1 : 0;
}

static json_t *load_blob_json(struct img_store *s, const char *digest)
{
	_cleanup_free_ char *p = NULL;

	if (!img_digest_valid(digest))
		return NULL;
	p = img_store_blob_path(s, digest);
	return json_load_file(p, 0, NULL);
}

char *img_inspect_json(const char *ref, struct cs_error *err)
{
	struct img_store s;
	json_t *db = open_db(&s, 0, err), *img, *out, *layers, *l;
	size_t idx, i;
	int by_name;
	char *text;

	if (!db)
		return NULL;
	if (db_find(db, ref, &idx, &by_name, NULL, err) < 0) {
		json_decref(db);
		img_store_close(&s);
		return NULL;
	}
	img = json_array_get(json_object_get(db, "images"), idx);
	out = json_deep_copy(img);
	layers = json_object_get(out, "layers");
	json_array_foreach(layers, i, l)
	{
		const char *d = jstr(l, "diff_id");
		if (img_digest_valid(d)) {
			_cleanup_free_ char *p = img_store_layer_path(&s, d);
			json_object_set_new(l, "path", json_string(p));
		}
	}
	json_object_set_new(out, "id",
			    json_stringn(jhex(img, "config"),
					 *jhex(img, "config") ? 12 : 0));
	json_object_set_new(out, "manifest",
			    load_blob_json(&s, jstr(img, "digest")) ?:
				    json_null());
	json_object_set_new(out, "image_config",
			    load_blob_json(&s, jstr(img, "config")) ?:
				    json_null());
	text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(out);
	json_decref(db);
	img_store_close(&s);
	return text;
}

int img_tag(const char *src, const char *dst, struct cs_error *err)
{
	struct img_store s;
	struct img_ref r;
	_cleanup_free_ char *name = NULL;
	json_t *db, *img;
	size_t idx, i;
	int by_name, ret;

	if (img_ref_parse(&r, dst, err) < 0)
		return -1;
	if (!r.tag) {
		img_ref_release(&r);
		return cs_error_set(err, 0,
				    "cannot tag with '%s': a tag "
				    "name cannot be a digest",
				    dst);
	}
	name = img_ref_name(&r);
	img_ref_release(&r);
	db = open_db(&s, 1, err);
	if (!db)
		return -1;
	ret = db_find(db, src, &idx, &by_name, NULL, err);
	if (ret == 0) {
		json_array_foreach(json_object_get(db, "images"), i, img)
		{
			json_t *names = json_object_get(img, "names"), *v;
			size_t k;

			json_array_foreach(
				names, k,
				v) if (!strcmp(json_string_value(v) ?: "",
					       name))
			{
				json_array_remove(names, k);
				break;
			}
		}
		img = json_array_get(json_object_get(db, "images"), idx);
		json_array_append_new(json_object_get(img, "names"),
				      json_string(name));
		ret = img_store_db_save(&s, db, err);
	}
	json_decref(db);
	img_store_close(&s);
	return ret < 0 ? -1 : 0;
}

/*
 * Sandboxes and the store.  A sandbox record names its lower layers as
 * directories (sandbox/'s public API, sbx_list(): spec.layers); image/
 * reads them itself rather than having the shell pass them, so every
 * caller of img_rm()/img_prune() is covered.  An image is in use by a
 * sandbox when all of its layer directories are among the sandbox's
 * layers; garbage collection keeps every layer directory any sandbox
 * names, whatever happens to the images.
 */
struct sbx_use {
	char **names;  /* sandbox names */
	json_t **dirs; /* per sandbox: {canonical layer dir: true} */
	size_t n;
};

/* A directory's canonical path (realpath when it exists), malloc'd. */
static char *canon(const char *p)
{
	char *r = realpath(p, NULL);

	return r ? r : xstrdup(p);
}

static int sbx_use_load(struct sbx_use *u, struct cs_error *err)
{
	struct sbx_info *list;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (sbx_list(&list, &n, err) < 0)
		return cs_error_wrap(err, "cannot tell which sandboxes use "
					  "images");
	u->names = xcalloc(n + 1, sizeof(*u->names));
	u->dirs = xcalloc(n + 1, sizeof(*u->dirs));
	for (size_t i = 0; i < n; i++) {
		u->names[i] = xstrdup(list[i].spec.name);
		u->dirs[i] = json_object();
		for (size_t l = 0; l < list[i].spec.nlayers; l++) {
			_cleanup_free_ char *c = canon(list[i].spec.layers[l]);

			json_object_set_new(u->dirs[i], c, json_true());
		}
	}
	u->n = n;
	sbx_info_list_free(list, n);
	return 0;
}

static void sbx_use_release(struct sbx_use *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->names[i]);
		json_decref(u->dirs[i]);
	}
	free(u->names);
	free(u->dirs);
	memset(u, 0, sizeof(*u));
}

/* The sandboxes using img ("a, b"), malloc'd, or NULL when none does. */
static char *users_of(struct img_store *s, const struct sbx_use *u, json_t *img)
{
	json_t *layers = json_object_get(img, "layers"), *l;
	struct cs_buf b = CS_BUF_INIT;
	size_t k;

	if (!json_array_size(layers))
		return NULL;
	for (size_t i = 0; i < u->n; i++) {
		int all = 1;

		json_array_foreach(layers, k, l)
		{
			const char *d = jstr(l, "diff_id");
			_cleanup_free_ char *p = NULL, *c = NULL;

			if (!img_digest_valid(d)) {
				all = 0;
				break;
			}
			p = img_store_layer_path(s, d);
			c = canon(p);
			if (!json_object_get(u->dirs[i], c)) {
				all = 0;
				break;
			}
		}
		if (!all)
			continue;
		if (b.len)
			cs_buf_adds(&b, ", ");
		cs_buf_adds(&b, u->names[i]);
	}
	if (!b.len) {
		cs_buf_release(&b);
		return NULL;
	}
	return b.buf;
}

/* Adds the diff ids of the store's layer directories that sandboxes
 * name to keep. */
static void keep_sandbox_layers(struct img_store *s, const struct sbx_use *u,
				json_t *keep)
{
	_cleanup_free_ char *root = canon(s->layers);
	size_t len = strlen(root);

	for (size_t i = 0; i < u->n; i++) {
		const char *dir;
		json_t *v;

		json_object_foreach(u->dirs[i], dir, v)
		{
			if (strncmp(dir, root, len) || dir[len] != '/' ||
			    strchr(dir + len + 1, '/'))
				continue;
			_cleanup_free_ char *d =
				xasprintf("sha256:%s", dir + len + 1);
			json_object_set_new(keep, d, json_true());
		}
	}
}

/* Adds every digest and diff id that images reference to keep. */
static json_t *referenced(json_t *db)
{
	json_t *keep = json_object(), *img, *l;
	size_t i, k;

	json_array_foreach(json_object_get(db, "images"), i, img)
	{
		json_object_set_new(keep, jstr(img, "digest"), json_true());
		json_object_set_new(keep, jstr(img, "config"), json_true());
		json_array_foreach(json_object_get(img, "layers"), k, l)
		{
			json_object_set_new(keep, jstr(l, "digest"),
					    json_true());
			json_object_set_new(keep, jstr(l, "diff_id"),
					    json_true());
		}
	}
	return keep;
}

static __thread uint64_t du_total; /* nftw() has no user pointer */

static int du_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* Disk usage of a tree. */
static uint64_t tree_size(const char *path)
{
	du_total = 0;
	nftw(path, du_cb, 32, FTW_PHYS | FTW_MOUNT);
	return du_total;
}

/* Deletes what keep does not name from dir; the store lock is held
 * exclusively so leftovers of interrupted pulls go too. */
static void sweep(const char *dir, json_t *keep, size_t *count, uint64_t *bytes)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *digest = NULL, *path = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		digest = xasprintf("sha256:%s", e->d_name);
		if (json_object_get(keep, digest))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		*bytes += tree_size(path);
		if (img_rm_tree(path) == 0)
			(*count)++;
	}
	closedir(d);
}

static int gc(struct img_store *s, int wait, struct img_prune_stats *st,
	      int drop_dangling, struct cs_error *err)
{
	json_t *db, *keep, *img;
	struct sbx_use use;
	size_t i;
	int ret = 0;

	if (img_store_lock(s, 1, wait, err) < 0)
		return -1;
	if (img_store_db_lock(s, 1, err) < 0)
		return -1;
	/* without knowing what sandboxes use, nothing is safe to delete */
	if (sbx_use_load(&use, err) < 0)
		return -1;
	db = img_store_db_load(s, err);
	if (!db) {
		sbx_use_release(&use);
		return -1;
	}
	if (drop_dangling) {
		json_t *images = json_object_get(db, "images");
		int changed = 0;

		for (i = json_array_size(images); i-- > 0;) {
			_cleanup_free_ char *users = NULL;

			img = json_array_get(images, i);
			if (json_array_size(json_object_get(img, "names")))
				continue;
			/* a nameless image a sandbox uses stays listed, so
			 * `image ls` still shows what holds the space */
			users = users_of(s, &use, img);
			if (users)
				continue;
			json_array_remove(images, i);
			changed = 1;
		}
		if (changed)
			ret = img_store_db_save(s, db, err);
	}
	keep = referenced(db);
	keep_sandbox_layers(s, &use, keep);
	sbx_use_release(&use);
	if (ret == 0) {
		sweep(s->blobs, keep, &st->blobs, &st->bytes);
		sweep(s->layers, keep, &st->layers, &st->bytes);
	}
	/* downloads kept for resuming go only on prune: `rm` after an
	 * interrupted pull must not throw them away */
	if (ret == 0 && drop_dangling) {
		json_t *none = json_object();

		sweep(s->partial, none, &st->blobs, &st->bytes);
		json_decref(none);
	}
	json_decref(keep);
	json_decref(db);
	return ret;
}

int img_rm(const char *ref, int force, struct cs_error *err)
{
	struct img_store s;
	struct img_prune_stats st = { 0 };
	struct cs_error gcerr = CS_ERROR_INIT;
	json_t *db = open_db(&s, 1, err), *img, *names;
	_cleanup_free_ char *matched = NULL;
	size_t idx, k;
	int by_name, ret;
	json_t *v;

	if (!db)
		return -1;
	ret = db_find(db, ref, &idx, &by_name, &matched, err);
	if (ret == 0) {
		json_t *images = json_object_get(db, "images");
		int last;

		img = json_array_get(images, idx);
		names = json_object_get(img, "names");
		last = !by_name || json_array_size(names) <= 1;
		/* Dropping the image would free the layers a sandbox runs
		 * on: refuse (docker's "image is in use by container");
		 * forced, only the names go and the image stays,
		 * nameless, until no sandbox uses it. */
		_cleanup_free_ char *users = NULL;
		if (last) {
			struct sbx_use use;

			ret = sbx_use_load(&use, err);
			if (ret == 0) {
				users = users_of(&s, &use, img);
				sbx_use_release(&use);
			}
		}
		if (ret == 0 && users && !force)
			ret = cs_error_set(
				err, EBUSY,
				"image '%s' is in use by sandbox %s: "
				"remove the sandbox first (sandbox "
				"rm), or untag the image with "
				"'image rm -f' (its layers stay "
				"until no sandbox uses them)",
				ref, users);
		if (ret == 0 && by_name) {
			json_array_foreach(
				names, k,
				v) if (!strcmp(json_string_value(v) ?: "",
					       matched))
			{
				json_array_remove(names, k);
				break;
			}
		}
		if (ret == 0 && users)
			json_array_clear(names);
		else if (ret == 0 && (!by_name || json_array_size(names) == 0))
			json_array_remove(images, idx);
		if (ret == 0)
			ret = img_store_db_save(&s, db, err);
	}
	json_decref(db);
	img_store_db_unlock(&s);
	/* Free what nothing uses any more, unless a pull is running. */
	if (ret == 0 && gc(&s, 0, &st, 0, &gcerr) < 0)
		cs_debug("not collecting garbage now: %s",
			 gcerr.msg ? gcerr.msg : "");
	cs_error_release(&gcerr);
	img_store_close(&s);
	return ret < 0 ? -1 : 0;
}

int img_prune(struct img_prune_stats *st, struct cs_error *err)
{
	struct img_store s;
	struct img_prune_stats dummy;
	int ret;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (img_store_open(&s, err) < 0)
		return -1;
	ret = gc(&s, 1, st, 1, err);
	img_store_close(&s);
	return ret < 0 ? cs_error_wrap(err, "cannot prune images"), -1 : 0;
}

int img_resolve(const char *ref, struct img_resolved *out, struct cs_error *err)
{
	struct img_store s;
	json_t *db, *img, *layers;
	struct cs_buf cfg = CS_BUF_INIT;
	_cleanup_free_ char *cpath = NULL;
	size_t idx, i, n;
	int by_name;

	memset(out, 0, sizeof(*out));
	db = open_db(&s, 0, err);
	if (!db)
		return -1;
	if (db_find(db, ref, &idx, &by_name, NULL, err) < 0) {
		json_decref(db);
		img_store_close(&s);
		return -1;
	}
	img = json_array_get(json_object_get(db, "images"), idx);
	snprintf(out->digest, sizeof(out->digest), "%s", jstr(img, "digest"));
	cpath = img_digest_valid(jstr(img, "config")) ?
			img_store_blob_path(&s, jstr(img, "config")) :
			xstrdup("");
	if (cs_read_file(cpath, &cfg, IMG_MAX_MANIFEST_SIZE, err) < 0 ||
	    img_config_parse(&out->config, cfg.buf, cfg.len, err) < 0) {
		cs_buf_release(&cfg);
		json_decref(db);
		img_store_close(&s);
		return cs_error_wrap(err, "image '%s': read config", ref);
	}
	cs_buf_release(&cfg);
	layers = json_object_get(img, "layers");
	n = json_array_size(layers);
	out->layers = xcalloc(n + 1, sizeof(*out->layers));
	for (i = 0; i < n; i++) {
		/* Top first: the last layer of the manifest leads. */
		const char *d =
			jstr(json_array_get(layers, n - 1 - i), "diff_id");
		char *p = img_digest_valid(d) ? img_store_layer_path(&s, d) :
						NULL;

		if (!p || access(p, F_OK) < 0) {
			free(p);
			json_decref(db);
			img_store_close(&s);
			img_resolved_release(out);
			return cs_error_set(err, 0,
					    "image '%s' is incomplete: layer "
					    "%.19s is missing (pull it again)",
					    ref, d);
		}
		out->layers[out->n_layers++] = p;
	}
	json_decref(db);
	img_store_close(&s);
	return 0;
}

void img_resolved_release(struct img_resolved *r)
{
	for (size_t i = 0; i < r->n_layers; i++)
		free(r->layers[i]);
	free(r->layers);
	img_config_release(&r->config);
	memset(r, 0, sizeof(*r));
}

int img_resolve_or_pull(const char *ref, const struct img_pull_opts *opts,
			struct img_resolved *out, struct cs_error *err)
{
	struct cs_error first = CS_ERROR_INIT;

	if (img_resolve(ref, out, &first) == 0)
		return 0;
	if (first.code != ENOENT) {
		if (err) {
			cs_error_release(err);
			*err = first;
		} else {
			cs_error_release(&first);
		}
		return -1;
	}
	cs_error_release(&first);
	if (img_pull(ref, opts, NULL, err) < 0)
		return -1;
	return img_resolve(ref, out, err);
}
