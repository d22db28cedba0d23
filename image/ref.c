/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ref.c — image references as docker and podman read them:
 * [REGISTRY/]REPO[:TAG][@DIGEST], normalised so that "busybox" and
 * "docker.io/library/busybox:latest" name the same image.
 */
#include <string.h>

#include "image/image.h"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Repository path components: [a-z0-9]+ joined by '.', '_', '__' or '-'s,
 * components joined by '/'. */
static int repo_valid(const char *r)
{
	const char *p = r;

	if (!*p)
		return 0;
	while (*p) {
		if (!is_lower_alnum(*p))
			return 0; /* a component starts with an alnum */
		while (*p && *p != '/') {
			if (is_lower_alnum(*p)) {
				p++;
				continue;
			}
			if (*p == '.' || *p == '_' || *p == '-') {
				while (*p == '.' || *p == '_' || *p == '-')
					p++;
				if (!is_lower_alnum(*p))
					return 0;
				continue;
			}
			return 0;
		}
		if (*p == '/')
			p++;
		else
			break;
		if (!*p)
			return 0;
	}
	return strlen(r) <= 255;
}

static int tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' ||
			 (i > 0 && (c == '.' || c == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

static int registry_valid(const char *h)
{
	if (!*h || strlen(h) > 255)
		return 0;
	for (const char *p = h; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

int img_ref_parse(struct img_ref *ref, const char *s, struct cs_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *name = copy, *at, *slash, *colon;
	_cleanup_free_ char *registry = NULL, *repo = NULL, *tag = NULL,
			    *digest = NULL;

	memset(ref, 0, sizeof(*ref));
	at = strchr(name, '@');
	if (at) {
		*at = 0;
		if (!img_digest_valid(at + 1))
			return cs_error_set(err, 0,
					    "invalid image reference '%s': "
					    "bad digest (want sha256:<64 hex>)",
					    s);
		digest = xstrdup(at + 1);
	}
	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', slash - name) ||
		      memchr(name, ':', slash - name) ||
		      (slash - name == 9 && !strncmp(name, "localhost", 9)))) {
		registry = xstrndup(name, slash - name);
		name = slash + 1;
	} else {
		registry = xstrdup("docker.io");
	}
	if (!strcmp(registry, "index.docker.io") ||
	    !strcmp(registry, "registry-1.docker.io")) {
		free(registry);
		registry = xstrdup("docker.io");
	}
	colon = strrchr(name, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = 0;
		tag = xstrdup(colon + 1);
		if (!tag_valid(tag))
			return cs_error_set(err, 0,
					    "invalid image reference '%s': "
					    "bad tag '%s'",
					    s, tag);
	}
	if (!registry_valid(registry))
		return cs_error_set(err, 0,
				    "invalid image reference '%s': bad "
				    "registry '%s'",
				    s, registry);
	if (!strcmp(registry, "docker.io") && !strchr(name, '/'))
		repo = xasprintf("library/%s", name);
	else
		repo = xstrdup(name);
	if (!repo_valid(repo))
		return cs_error_set(err, 0,
				    "invalid image reference '%s': repository "
				    "names are lower-case letters, digits and "
				    "separators",
				    s);
	if (!tag && !digest)
		tag = xstrdup("latest");
	ref->registry = steal_ptr(&registry);
	ref->repo = steal_ptr(&repo);
	ref->tag = steal_ptr(&tag);
	ref->digest = steal_ptr(&digest);
	return 0;
}

void img_ref_release(struct img_ref *ref)
{
	free(ref->registry);
	free(ref->repo);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

char *img_ref_name(const struct img_ref *ref)
{
	if (ref->tag)
		return xasprintf("%s/%s:%s", ref->registry, ref->repo,
				 ref->tag);
	return xasprintf("%s/%s@%s", ref->registry, ref->repo, ref->digest);
}

char *img_ref_given_name(const char *s, struct cs_error *err)
{
	struct img_ref r;
	const char *slash = strchr(s, '/'), *last = strrchr(s, '/');
	char *ret;

	if (img_ref_parse(&r, s, err) < 0)
		return NULL;
	/* the registry is named or a digest pins it: nothing to keep that
	 * the canonical form lacks */
	if (r.digest ||
	    (slash && (memchr(s, '.', slash - s) || memchr(s, ':', slash - s) ||
		       (slash - s == 9 && !strncmp(s, "localhost", 9)))))
		ret = img_ref_name(&r);
	else if (strchr(last ? last : s, ':'))
		ret = xstrdup(s);
	else
		ret = xasprintf("%s:latest", s);
	img_ref_release(&r);
	return ret;
}
