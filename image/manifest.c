/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * manifest.c — parsers for the untrusted JSON documents of an image:
 * manifests and indexes (OCI and Docker v2 schema 2 media types), and the
 * image config.  Everything is validated here (digests, sizes, counts) so
 * the rest of image/ handles only well-formed values.
 */
#include <string.h>
#include <sys/utsname.h>

#include "image/image_i.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST                                                         \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST                                                     \
	"application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1"

static const struct {
	const char *mt;
	enum img_compression comp;
} layer_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", IMG_COMP_NONE },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", IMG_COMP_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", IMG_COMP_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar",
	  IMG_COMP_NONE },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	  IMG_COMP_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	  IMG_COMP_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", IMG_COMP_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	  IMG_COMP_GZIP },
};

static const char *config_types[] = {
	"application/vnd.oci.image.config.v1+json",
	"application/vnd.docker.container.image.v1+json",
};

static char *dup_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static void descriptor_release(struct img_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

static int descriptor_parse(struct img_descriptor *d, json_t *j,
			    const char *what, struct cs_error *err)
{
	json_t *size = json_object_get(j, "size");
	json_t *plat;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j))
		return cs_error_set(err, 0, "%s is not an object", what);
	d->media_type = dup_str(j, "mediaType");
	d->digest = dup_str(j, "digest");
	if (!d->media_type)
		return cs_error_set(err, 0, "%s has no mediaType", what);
	if (!img_digest_valid(d->digest))
		return cs_error_set(err, 0, "%s has no valid sha256 digest",
				    what);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return cs_error_set(err, 0, "%s has no valid size", what);
	d->size = json_integer_value(size);
	plat = json_object_get(j, "platform");
	if (json_is_object(plat)) {
		d->os = dup_str(plat, "os");
		d->arch = dup_str(plat, "architecture");
		d->variant = dup_str(plat, "variant");
	}
	return 0;
}

static int layer_type(struct img_descriptor *d, struct cs_error *err)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(layer_types); i++)
		if (!strcmp(d->media_type, layer_types[i].mt)) {
			d->comp = layer_types[i].comp;
			return 0;
		}
	return cs_error_set(err, 0, "unsupported layer media type '%s'",
			    d->media_type);
}

static int parse_manifest(struct img_manifest *m, json_t *root,
			  struct cs_error *err)
{
	json_t *layers = json_object_get(root, "layers");
	size_t i;
	int known = 0;

	m->kind = IMG_KIND_MANIFEST;
	if (descriptor_parse(&m->config, json_object_get(root, "config"),
			     "manifest config", err) < 0)
		return -1;
	for (i = 0; i < CS_ARRAY_SIZE(config_types); i++)
		known |= !strcmp(m->config.media_type, config_types[i]);
	if (!known)
		return cs_error_set(err, 0,
				    "unsupported config media type '%s' (not "
				    "a container image?)",
				    m->config.media_type);
	if (!json_is_array(layers))
		return cs_error_set(err, 0, "manifest has no layers array");
	if (json_array_size(layers) > IMG_MAX_LAYERS)
		return cs_error_set(err, 0,
				    "manifest has %zu layers, more than the "
				    "limit of %d",
				    json_array_size(layers), IMG_MAX_LAYERS);
	m->layers = xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	for (i = 0; i < json_array_size(layers); i++) {
		m->n_layers = i + 1;
		if (descriptor_parse(&m->layers[i], json_array_get(layers, i),
				     "layer", err) < 0 ||
		    layer_type(&m->layers[i], err) < 0)
			return cs_error_wrap(err, "layer %zu", i + 1);
	}
	return 0;
}

static int parse_index(struct img_manifest *m, json_t *root,
		       struct cs_error *err)
{
	json_t *list = json_object_get(root, "manifests");
	size_t i;

	m->kind = IMG_KIND_INDEX;
	if (!json_is_array(list))
		return cs_error_set(err, 0, "index has no manifests array");
	if (json_array_size(list) > 4096)
		return cs_error_set(err, 0, "index has too many manifests");
	m->manifests =
		xcalloc(json_array_size(list) + 1, sizeof(*m->manifests));
	for (i = 0; i < json_array_size(list); i++) {
		m->n_manifests = i + 1;
		if (descriptor_parse(&m->manifests[i], json_array_get(list, i),
				     "index entry", err) < 0)
			return -1;
	}
	return 0;
}

int img_manifest_parse(struct img_manifest *m, const char *data, size_t len,
		       const char *content_type, struct cs_error *err)
{
	json_error_t jerr;
	json_t *root;
	const char *mt;
	int ret;

	memset(m, 0, sizeof(*m));
	if (len > IMG_MAX_MANIFEST_SIZE)
		return cs_error_set(err, 0,
				    "manifest of %zu bytes exceeds the limit "
				    "of %u bytes",
				    len, IMG_MAX_MANIFEST_SIZE);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cs_error_set(err, 0, "manifest is not valid JSON: %s",
				    jerr.text);
	ret = -1;
	if (!json_is_object(root)) {
		cs_error_set(err, 0, "manifest is not a JSON object");
		goto out;
	}
	if (json_integer_value(json_object_get(root, "schemaVersion")) != 2) {
		cs_error_set(err, 0,
			     "unsupported manifest schema version (only "
			     "schema 2 and OCI are supported)");
		goto out;
	}
	m->media_type = dup_str(root, "mediaType");
	mt = m->media_type;
	if (!mt && content_type && *content_type)
		mt = content_type;
	if (!mt)
		mt = json_object_get(root, "manifests") ? MT_OCI_INDEX :
							  MT_OCI_MANIFEST;
	if (!strncmp(mt, MT_OCI_INDEX, strlen(MT_OCI_INDEX)) ||
	    !strncmp(mt, MT_DOCKER_LIST, strlen(MT_DOCKER_LIST)))
		ret = parse_index(m, root, err);
	else if (!strncmp(mt, MT_OCI_MANIFEST, strlen(MT_OCI_MANIFEST)) ||
		 !strncmp(mt, MT_DOCKER_MANIFEST, strlen(MT_DOCKER_MANIFEST)))
		ret = parse_manifest(m, root, err);
	else if (!strncmp(mt, MT_DOCKER_V1, strlen(MT_DOCKER_V1)))
		cs_error_set(err, 0,
			     "docker schema 1 manifests are not supported");
	else
		cs_error_set(err, 0, "unsupported manifest media type '%s'",
			     mt);
	if (!m->media_type)
		m->media_type = xstrdup(mt);
out:
	json_decref(root);
	if (ret < 0)
		img_manifest_release(m);
	return ret;
}

void img_manifest_release(struct img_manifest *m)
{
	size_t i;

	free(m->media_type);
	descriptor_release(&m->config);
	for (i = 0; i < m->n_layers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	for (i = 0; i < m->n_manifests; i++)
		descriptor_release(&m->manifests[i]);
	free(m->manifests);
	memset(m, 0, sizeof(*m));
}

const char *img_host_platform(void)
{
	static __thread char buf[80];
	struct utsname u;
	const char *arch = "amd64";

	if (buf[0])
		return buf;
	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "x86_64"))
			arch = "amd64";
		else if (!strcmp(u.machine, "aarch64"))
			arch = "arm64";
		else if (!strncmp(u.machine, "armv7", 5))
			arch = "arm/v7";
		else if (!strncmp(u.machine, "armv6", 5))
			arch = "arm/v6";
		else if (!strcmp(u.machine, "i686") ||
			 !strcmp(u.machine, "i386"))
			arch = "386";
		else if (!strcmp(u.machine, "ppc64le"))
			arch = "ppc64le";
		else if (!strcmp(u.machine, "s390x"))
			arch = "s390x";
		else if (!strcmp(u.machine, "riscv64"))
			arch = "riscv64";
		else
			arch = u.machine;
	}
	snprintf(buf, sizeof(buf), "linux/%.64s", arch);
	return buf;
}

const struct img_descriptor *img_index_select(const struct img_manifest *idx,
					      const char *platform,
					      struct cs_error *err)
{
	_cleanup_free_ char *p =
		xstrdup(platform ? platform : img_host_platform());
	char *os = p, *arch, *variant;

	arch = strchr(os, '/');
	if (!arch)
		return cs_error_set(err, 0,
				    "invalid platform '%s' (want "
				    "os/arch[/variant])",
				    p),
		       NULL;
	*arch++ = 0;
	variant = strchr(arch, '/');
	if (variant)
		*variant++ = 0;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct img_descriptor *d = &idx->manifests[i];

		if (!d->os || !d->arch || strcmp(d->os, os) ||
		    strcmp(d->arch, arch))
			continue;
		if (variant && (!d->variant || strcmp(d->variant, variant)))
			continue;
		if (strcmp(d->media_type, MT_OCI_MANIFEST) &&
		    strcmp(d->media_type, MT_DOCKER_MANIFEST))
			continue;
		return d;
	}
	cs_error_set(err, 0, "no image for platform %s/%s%s%s in the index", os,
		     arch, variant ? "/" : "", variant ? variant : "");
	return NULL;
}

static char **str_array(json_t *a, size_t max, size_t *n)
{
	char **v;
	size_t i, k = 0;

	if (n)
		*n = 0;
	if (!json_is_array(a))
		return NULL;
	v = xcalloc(json_array_size(a) + 1, sizeof(*v));
	for (i = 0; i < json_array_size(a) && i < max; i++) {
		json_t *s = json_array_get(a, i);
		if (json_is_string(s))
			v[k++] = xstrdup(json_string_value(s));
	}
	if (n)
		*n = k;
	return v;
}

int img_config_parse(struct img_config *c, const char *data, size_t len,
		     struct cs_error *err)
{
	json_error_t jerr;
	json_t *root, *cfg, *rootfs;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (len > IMG_MAX_MANIFEST_SIZE)
		return cs_error_set(err, 0,
				    "image config of %zu bytes exceeds the "
				    "limit of %u bytes",
				    len, IMG_MAX_MANIFEST_SIZE);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cs_error_set(err, 0,
				    "image config is not valid JSON: %s",
				    jerr.text);
	if (!json_is_object(root)) {
		cs_error_set(err, 0, "image config is not a JSON object");
		goto out;
	}
	c->os = dup_str(root, "os");
	c->arch = dup_str(root, "architecture");
	c->created = dup_str(root, "created");
	cfg = json_object_get(root, "config");
	if (json_is_object(cfg)) {
		c->env = str_array(json_object_get(cfg, "Env"), 65536, NULL);
		c->entrypoint = str_array(json_object_get(cfg, "Entrypoint"),
					  65536, NULL);
		c->cmd = str_array(json_object_get(cfg, "Cmd"), 65536, NULL);
		c->workdir = dup_str(cfg, "WorkingDir");
		c->user = dup_str(cfg, "User");
	}
	rootfs = json_object_get(root, "rootfs");
	if (!json_is_object(rootfs) ||
	    !json_is_array(json_object_get(rootfs, "diff_ids"))) {
		cs_error_set(err, 0, "image config has no rootfs.diff_ids");
		goto out;
	}
	if (json_array_size(json_object_get(rootfs, "diff_ids")) >
	    IMG_MAX_LAYERS) {
		cs_error_set(err, 0, "image config has too many layers");
		goto out;
	}
	c->diff_ids = str_array(json_object_get(rootfs, "diff_ids"),
				IMG_MAX_LAYERS, &c->n_diff_ids);
	if (c->n_diff_ids !=
	    json_array_size(json_object_get(rootfs, "diff_ids"))) {
		cs_error_set(err, 0, "image config has a bad diff id");
		goto out;
	}
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (!img_digest_valid(c->diff_ids[i])) {
			cs_error_set(err, 0,
				     "image config has an invalid diff id "
				     "'%.80s'",
				     c->diff_ids[i]);
			goto out;
		}
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		img_config_release(c);
	return ret;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void img_config_release(struct img_config *c)
{
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->diff_ids);
	free(c->workdir);
	free(c->user);
	free(c->os);
	free(c->arch);
	free(c->created);
	memset(c, 0, sizeof(*c));
}
