/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * registry.c — a client for the OCI distribution API over libcurl.
 *
 * img_registry_get_manifest() does one GET; on a 401 it answers the
 * WWW-Authenticate challenge (a Bearer token from the realm, or Basic
 * with credentials from the containers auth file) and retries once.
 * img_registry_fetch_blobs() downloads many blobs through one curl multi
 * handle, hashing each as it arrives into a temp file that is renamed to
 * its digest only after size and sha256 both verify.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image_i.h"

#define ACCEPT_MANIFESTS                                                       \
	"Accept: application/vnd.oci.image.index.v1+json, "                    \
	"application/vnd.oci.image.manifest.v1+json, "                         \
	"application/vnd.docker.distribution.manifest.list.v2+json, "          \
	"application/vnd.docker.distribution.manifest.v2+json"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------------ */
/* Configuration: insecure registries and credentials */

char *img_registries_config_path(void)
{
	_cleanup_free_ char *dir = cs_root_path(CS_ROOT_CONFIG);

	return xasprintf("%s/registries", dir);
}

/* The host part of "HOST[:PORT]" or "[V6]:PORT", malloc'd. */
static char *registry_host(const char *registry)
{
	const char *end;

	if (registry[0] == '[') {
		end = strchr(registry, ']');
		return end ? xstrndup(registry + 1, end - registry - 1) :
			     xstrdup(registry);
	}
	end = strrchr(registry, ':');
	return end ? xstrndup(registry, end - registry) : xstrdup(registry);
}

int img_registry_loopback(const char *registry)
{
	_cleanup_free_ char *host = registry_host(registry);
	struct in_addr a4;
	struct in6_addr a6;

	/* As docker does (127.0.0.0/8 and ::1), but without a DNS lookup:
	 * only literal addresses and "localhost", which never leave the
	 * machine, so plain http to them is not sent over a network. */
	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int img_registry_insecure_configured(const char *registry)
{
	_cleanup_free_ char *path = img_registries_config_path();
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];
	int v = img_registry_loopback(registry);

	if (!f)
		return v;
	/* the last line naming the registry wins over the default */
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *kw = strtok_r(line, " \t\r\n", &save);
		char *host = strtok_r(NULL, " \t\r\n", &save);

		if (!kw || !host || strcmp(host, registry))
			continue;
		if (!strcmp(kw, "insecure"))
			v = 1;
		else if (!strcmp(kw, "secure"))
			v = 0;
	}
	return v;
}

static char *auth_file_path(void)
{
	const char *e = getenv("REGISTRY_AUTH_FILE");
	char *p;

	if (e && *e)
		return xstrdup(e);
	e = getenv("XDG_RUNTIME_DIR");
	if (e && *e) {
		p = xasprintf("%s/containers/auth.json", e);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	e = getenv("HOME");
	if (e && *e) {
		p = xasprintf("%s/.docker/config.json", e);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* "https://host:port/v1/" -> "host:port" for comparing auth keys. */
static int auth_key_matches(const char *key, const char *registry)
{
	const char *k = key, *end;

	if (!strncmp(k, "https://", 8))
		k += 8;
	else if (!strncmp(k, "http://", 7))
		k += 7;
	end = strchrnul(k, '/');
	if ((size_t)(end - k) == strlen(registry) &&
	    !strncmp(k, registry, end - k))
		return 1;
	if (!strcmp(registry, "docker.io"))
		return (end - k == 15 && !strncmp(k, "index.docker.io", 15)) ||
		       (end - k == 20 &&
			!strncmp(k, "registry-1.docker.io", 20));
	return 0;
}

static char *load_basic(const char *registry)
{
	_cleanup_free_ char *path = auth_file_path();
	json_t *root, *auths, *v;
	const char *key;
	char *ret = NULL;

	if (!path)
		return NULL;
	root = json_load_file(path, 0, NULL);
	if (!root)
		return NULL;
	auths = json_object_get(root, "auths");
	json_object_foreach(auths, key, v)
	{
		json_t *a = json_object_get(v, "auth");
		if (auth_key_matches(key, registry) && json_is_string(a) &&
		    *json_string_value(a)) {
			ret = xstrdup(json_string_value(a));
			break;
		}
	}
	json_decref(root);
	return ret;
}

int img_registry_init(struct img_registry *r, const struct img_ref *ref,
		      int insecure, struct cs_error *err)
{
	const char *host = ref->registry;

	(void)err;
	pthread_once(&curl_once, curl_init_once);
	memset(r, 0, sizeof(*r));
	if (!strcmp(host, "docker.io"))
		host = "registry-1.docker.io";
	r->insecure =
		insecure || img_registry_insecure_configured(ref->registry);
	r->registry = xstrdup(ref->registry);
	r->base = xasprintf("%s://%s", r->insecure ? "http" : "https", host);
	r->repo = xstrdup(ref->repo);
	r->basic = load_basic(ref->registry);
	return 0;
}

void img_registry_release(struct img_registry *r)
{
	free(r->registry);
	free(r->base);
	free(r->repo);
	free(r->basic);
	free(r->token);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ */
/* Single requests */

struct resp {
	struct cs_buf body;
	char *ctype;
	char *www_auth;
	char *location;
	char *digest; /* Docker-Content-Digest */
	long code;
	int too_big;
};

static void resp_release(struct resp *rs)
{
	cs_buf_release(&rs->body);
	free(rs->ctype);
	free(rs->www_auth);
	free(rs->location);
	free(rs->digest);
	memset(rs, 0, sizeof(*rs));
}

static size_t body_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *rs = ud;

	if (cs_buf_add(&rs->body, p, sz * n) < 0) {
		rs->too_big = 1;
		return 0;
	}
	return sz * n;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *v, *end = line + len;

	if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return NULL;
	v = line + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v &&
	       (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return xstrndup(v, end - v);
}

static size_t header_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *rs = ud;
	size_t len = sz * n;
	char *v;

	/* A new response (after a redirect) starts a new set of headers. */
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		free(rs->ctype);
		free(rs->www_auth);
		free(rs->location);
		free(rs->digest);
		rs->ctype = rs->www_auth = rs->location = rs->digest = NULL;
	}
	if ((v = header_value(p, len, "Content-Type"))) {
		free(rs->ctype);
		rs->ctype = v;
	} else if ((v = header_value(p, len, "WWW-Authenticate"))) {
		free(rs->www_auth);
		rs->www_auth = v;
	} else if ((v = header_value(p, len, "Location"))) {
		free(rs->location);
		rs->location = v;
	} else if ((v = header_value(p, len, "Docker-Content-Digest"))) {
		free(rs->digest);
		rs->digest = v;
	}
	return len;
}

/* Aborts a transfer once the pull was interrupted. */
static int xferinfo_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	(void)ud;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return img_interrupted();
}

static void setup_easy(struct img_registry *r, CURL *h, const char *url,
		       struct curl_slist **hdrs, const char *accept,
		       int send_auth)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cshell");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	if (accept)
		*hdrs = curl_slist_append(*hdrs, accept);
	if (send_auth && r->token) {
		_cleanup_free_ char *a =
			xasprintf("Authorization: Bearer %s", r->token);
		*hdrs = curl_slist_append(*hdrs, a);
	} else if (send_auth && r->basic) {
		_cleanup_free_ char *a =
			xasprintf("Authorization: Basic %s", r->basic);
		*hdrs = curl_slist_append(*hdrs, a);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
}

static int transport_error(struct img_registry *r, CURLcode c, const char *ebuf,
			   struct cs_error *err)
{
	const char *why = *ebuf ? ebuf : curl_easy_strerror(c);
	_cleanup_free_ char *conf = img_registries_config_path();

	if (img_interrupted())
		return cs_error_set(err, EINTR, "interrupted");
	if (!r->insecure &&
	    (c == CURLE_SSL_CONNECT_ERROR ||
	     c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_RECV_ERROR))
		return cs_error_set(err, 0,
				    "cannot reach registry '%s' over https: "
				    "%s (a registry serving plain http must "
				    "be marked insecure: --insecure, or a line "
				    "'insecure %s' in %s)",
				    r->registry, why, r->registry, conf);
	if (c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_COULDNT_CONNECT)
		return cs_error_set(err, 0,
				    "cannot reach registry '%s' over %s: %s "
				    "(check the name and port; registries "
				    "are configured in %s)",
				    r->registry, r->insecure ? "http" : "https",
				    why, conf);
	return cs_error_set(err, 0, "cannot reach registry '%s': %s",
			    r->registry, why);
}

/* One HTTP request.  A body comes from data/len or, when fd >= 0, from
 * the file (fd_len bytes). */
struct req {
	const char *method; /* GET, HEAD, POST, PUT, PATCH */
	const char *url;
	const char *accept;
	const char *ctype;
	const char *header; /* one more "Name: value", or NULL */
	const void *data;
	size_t len;
	int fd;
	int64_t fd_len;
	off_t fd_start; /* where the body starts in the file */
	off_t fd_off;	/* read position, reset on every attempt */
};

static size_t read_fd_cb(char *buf, size_t sz, size_t n, void *ud)
{
	struct req *q = ud;
	size_t want = sz * n;
	ssize_t got;

	if ((int64_t)want > q->fd_start + q->fd_len - q->fd_off)
		want = q->fd_start + q->fd_len - q->fd_off;
	got = pread(q->fd, buf, want, q->fd_off);
	if (got < 0)
		return CURL_READFUNC_ABORT;
	q->fd_off += got;
	return got;
}

/* Performs q into rs (response body capped at cap).  Returns 0 (any HTTP
 * code) or -1 on a transport failure. */
static int request(struct img_registry *r, struct req *q, int send_auth,
		   struct resp *rs, size_t cap, struct cs_error *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode c;

	if (!h)
		return cs_error_set(err, ENOMEM, "start a transfer");
	memset(rs, 0, sizeof(*rs));
	cs_buf_init(&rs->body, cap);
	if (q->ctype) {
		_cleanup_free_ char *ct =
			xasprintf("Content-Type: %s", q->ctype);
		hdrs = curl_slist_append(hdrs, ct);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (q->header)
		hdrs = curl_slist_append(hdrs, q->header);
	setup_easy(r, h, q->url, &hdrs, q->accept, send_auth);
	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (q->fd >= 0) {
		q->fd_off = q->fd_start;
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		if (strcmp(q->method, "PUT"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_fd_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, q);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)q->fd_len);
	} else if (strcmp(q->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->data ? q->data : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)q->len);
		/* A redirected POST/PUT keeps its method. */
		curl_easy_setopt(h, CURLOPT_POSTREDIR,
				 (long)CURL_REDIR_POST_ALL);
	}
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->code);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rs->too_big)
		return cs_error_set(err, 0,
				    "response from '%s' exceeds the limit of "
				    "%zu bytes",
				    r->registry, cap);
	if (c != CURLE_OK)
		return transport_error(r, c, ebuf, err);
	return 0;
}

static int get(struct img_registry *r, const char *url, const char *accept,
	       int send_auth, struct resp *rs, size_t cap, struct cs_error *err)
{
	struct req q = {
		.method = "GET", .url = url, .accept = accept, .fd = -1
	};

	return request(r, &q, send_auth, rs, cap, err);
}

/* request() answering one 401 challenge. */
static int authenticate(struct img_registry *r, const char *challenge,
			struct cs_error *err);

static int request_authed(struct img_registry *r, struct req *q,
			  struct resp *rs, size_t cap, struct cs_error *err)
{
	if (request(r, q, 1, rs, cap, err) < 0)
		return -1;
	if (rs->code != 401 || !rs->www_auth)
		return 0;
	if (authenticate(r, rs->www_auth, err) < 0)
		return -1;
	resp_release(rs);
	return request(r, q, 1, rs, cap, err);
}

/* Extracts param="value" (or param=value) from a challenge. */
static char *challenge_param(const char *ch, const char *name)
{
	size_t nl = strlen(name);
	const char *p = ch;

	while ((p = strcasestr(p, name))) {
		const char *q = p + nl, *end;

		if ((p != ch && p[-1] != ' ' && p[-1] != ',') || *q != '=') {
			p++;
			continue;
		}
		q++;
		if (*q == '"') {
			q++;
			end = strchr(q, '"');
			if (!end)
				return NULL;
		} else {
			end = strchrnul(q, ',');
		}
		return xstrndup(q, end - q);
	}
	return NULL;
}

static int authenticate(struct img_registry *r, const char *challenge,
			struct cs_error *err)
{
	_cleanup_free_ char *realm = NULL, *service = NULL, *scope = NULL,
			    *url = NULL;
	struct resp rs = { 0 };
	json_t *j;
	const char *tok;
	CURL *h;
	char *esc;

	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!r->basic)
			return cs_error_set(err, 0,
					    "registry '%s' requires a login: "
					    "add credentials for it to the "
					    "containers auth file "
					    "($REGISTRY_AUTH_FILE)",
					    r->registry);
		return 0;
	}
	if (strncasecmp(challenge, "Bearer", 6))
		return cs_error_set(err, 0,
				    "registry '%s' asks for unsupported "
				    "authentication '%.40s'",
				    r->registry, challenge);
	realm = challenge_param(challenge, "realm");
	service = challenge_param(challenge, "service");
	scope = challenge_param(challenge, "scope");
	if (!realm ||
	    (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7)))
		return cs_error_set(err, 0,
				    "registry '%s' sent a token challenge "
				    "without a valid realm",
				    r->registry);
	/* Credentials go to the realm: never in clear from an https
	 * registry. */
	if (!r->insecure && strncmp(realm, "https://", 8))
		return cs_error_set(err, 0,
				    "registry '%s' sends its token requests to "
				    "plain http '%s': refusing (mark the "
				    "registry insecure to allow it)",
				    r->registry, realm);
	if (!scope)
		scope = xasprintf("repository:%s:pull", r->repo);
	h = curl_easy_init();
	if (!h)
		return cs_error_set(err, ENOMEM, "start a transfer");
	esc = curl_easy_escape(h, scope, 0);
	if (service) {
		char *s = curl_easy_escape(h, service, 0);
		url = xasprintf("%s%cservice=%s&scope=%s", realm,
				strchr(realm, '?') ? '&' : '?', s, esc);
		curl_free(s);
	} else {
		url = xasprintf("%s%cscope=%s", realm,
				strchr(realm, '?') ? '&' : '?', esc);
	}
	curl_free(esc);
	curl_easy_cleanup(h);
	/* The token service sees Basic credentials, never an old token. */
	free(r->token);
	r->token = NULL;
	if (get(r, url, NULL, 1, &rs, 1u << 20, err) < 0) {
		resp_release(&rs);
		return cs_error_wrap(err, "get a token");
	}
	if (rs.code == 401 || rs.code == 403) {
		resp_release(&rs);
		return cs_error_set(err, 0,
				    "authentication to registry '%s' failed%s",
				    r->registry,
				    r->basic ? ": check the user name and "
					       "password in the auth file" :
					       ": it needs a login (add "
					       "credentials to the auth file)");
	}
	if (rs.code != 200) {
		resp_release(&rs);
		return cs_error_set(err, 0,
				    "token service of '%s' answered HTTP %ld",
				    r->registry, rs.code);
	}
	j = json_loadb(rs.body.buf, rs.body.len, 0, NULL);
	resp_release(&rs);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok || strpbrk(tok, "\r\n")) {
		json_decref(j);
		return cs_error_set(err, 0,
				    "token service of '%s' sent no token",
				    r->registry);
	}
	free(r->token);
	r->token = xstrdup(tok);
	json_decref(j);
	return 0;
}

static int denied(struct img_registry *r, struct cs_error *err)
{
	return cs_error_set(err, 0, "registry '%s' denied access to '%s'%s",
			    r->registry, r->repo,
			    r->basic ? ": check the credentials in the auth "
				       "file" :
				       ": log in first (credentials in "
				       "$REGISTRY_AUTH_FILE)");
}

int img_registry_get_manifest(struct img_registry *r, const char *reference,
			      struct cs_buf *body, char **ctype,
			      struct cs_error *err)
{
	_cleanup_free_ char *url =
		xasprintf("%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	struct req q = { .method = "GET",
			 .url = url,
			 .accept = ACCEPT_MANIFESTS,
			 .fd = -1 };
	struct resp rs;

	if (request_authed(r, &q, &rs, IMG_MAX_MANIFEST_SIZE, err) < 0) {
		resp_release(&rs);
		return cs_error_wrap(err, "get manifest '%s'", reference);
	}
	if (rs.code != 200) {
		if (rs.code == 401 || rs.code == 403)
			denied(r, err);
		else if (rs.code == 404)
			cs_error_set(err, 0,
				     "image '%s:%s' not found on registry '%s'",
				     r->repo, reference, r->registry);
		else
			cs_error_set(err, 0,
				     "registry '%s' answered HTTP %ld for "
				     "manifest '%s'",
				     r->registry, rs.code, reference);
		resp_release(&rs);
		return -1;
	}
	*body = rs.body;
	*ctype = steal_ptr(&rs.ctype);
	memset(&rs.body, 0, sizeof(rs.body));
	rs.body.buf = cs_buf_empty;
	resp_release(&rs);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pushing */

int img_registry_blob_exists(struct img_registry *r, const char *digest,
			     struct cs_error *err)
{
	_cleanup_free_ char *url =
		xasprintf("%s/v2/%s/blobs/%s", r->base, r->repo, digest);
	struct req q = { .method = "HEAD", .url = url, .fd = -1 };
	struct resp rs;
	long code;

	if (request_authed(r, &q, &rs, 4096, err) < 0) {
		resp_release(&rs);
		return -1;
	}
	code = rs.code;
	resp_release(&rs);
	if (code == 200)
		return 1;
	if (code == 404)
		return 0;
	if (code == 401 || code == 403)
		return denied(r, err);
	return cs_error_set(err, 0,
			    "registry '%s' answered HTTP %ld for blob %s",
			    r->registry, code, digest);
}

/* Resolves an upload Location (absolute or relative to the registry). */
static char *upload_url(struct img_registry *r, const char *loc,
			const char *digest)
{
	const char *sep = strchr(loc, '?') ? "&" : "?";

	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
		return xasprintf("%s%sdigest=%s", loc, sep, digest);
	return xasprintf("%s%s%s%sdigest=%s", r->base, *loc == '/' ? "" : "/",
			 loc, sep, digest);
}

/* $CSHELL_IMAGE_PUSH_CHUNK: bytes per PATCH; unset or 0: one PUT. */
static int64_t chunk_size(void)
{
	const char *e = getenv("CSHELL_IMAGE_PUSH_CHUNK");

	return e && *e ? strtoll(e, NULL, 10) : 0;
}

/* PATCHes the blob in chunks to the upload session at loc (taken over
 * and freed), then closes it with a PUT carrying the digest. */
static int upload_chunked(struct img_registry *r, const char *digest, int fd,
			  int64_t size, char *loc, struct cs_error *err)
{
	int64_t chunk = chunk_size(), off = 0;
	struct resp rs;

	while (off < size) {
		int64_t n = size - off < chunk ? size - off : chunk;
		_cleanup_free_ char *url = NULL, *range = NULL;
		struct req q = { .method = "PATCH",
				 .fd = fd,
				 .fd_start = off,
				 .fd_len = n,
				 .ctype = "application/octet-stream" };

		if (strncmp(loc, "http", 4) && loc[0] != '/') {
			free(loc);
			return cs_error_set(err, 0,
					    "registry '%s' sent a bad upload "
					    "location",
					    r->registry);
		}
		url = strncmp(loc, "http", 4) ?
			      xasprintf("%s%s", r->base, loc) :
			      xstrdup(loc);
		range = xasprintf("Content-Range: %lld-%lld", (long long)off,
				  (long long)(off + n - 1));
		q.url = url;
		q.header = range;
		if (request_authed(r, &q, &rs, 65536, err) < 0) {
			resp_release(&rs);
			free(loc);
			return cs_error_wrap(err, "upload blob %s", digest);
		}
		if (rs.code != 202 || !rs.location) {
			long code = rs.code;
			resp_release(&rs);
			free(loc);
			return cs_error_set(
				err, 0,
				"registry '%s' answered HTTP %ld to "
				"a chunk of blob %s",
				r->registry, code, digest);
		}
		free(loc);
		loc = steal_ptr(&rs.location);
		resp_release(&rs);
		off += n;
	}
	{
		_cleanup_free_ char *put = upload_url(r, loc, digest);
		struct req q = { .method = "PUT", .url = put, .fd = -1 };
		long code;

		free(loc);
		if (request_authed(r, &q, &rs, 65536, err) < 0) {
			resp_release(&rs);
			return cs_error_wrap(err, "finish upload of %s",
					     digest);
		}
		code = rs.code;
		resp_release(&rs);
		if (code != 201)
			return cs_error_set(
				err, 0,
				"registry '%s' answered HTTP %ld to "
				"the end of the upload of blob %s",
				r->registry, code, digest);
	}
	return 0;
}

int img_registry_upload_blob(struct img_registry *r, const char *digest,
			     const char *path, int64_t size,
			     const char *mount_from, struct cs_error *err)
{
	_cleanup_free_ char *url = NULL, *put = NULL;
	_cleanup_close_ int fd = -1;
	struct req q = { .method = "POST", .fd = -1 };
	struct resp rs;

	if (mount_from)
		url = xasprintf("%s/v2/%s/blobs/uploads/?mount=%s&from=%s",
				r->base, r->repo, digest, mount_from);
	else
		url = xasprintf("%s/v2/%s/blobs/uploads/", r->base, r->repo);
	q.url = url;
	if (request_authed(r, &q, &rs, 65536, err) < 0) {
		resp_release(&rs);
		return cs_error_wrap(err, "start upload of %s", digest);
	}
	if (rs.code == 201 && mount_from) {
		resp_release(&rs);
		return 0; /* mounted from the other repository */
	}
	if (rs.code != 202 || !rs.location) {
		long code = rs.code;
		resp_release(&rs);
		if (code == 401 || code == 403)
			return denied(r, err);
		return cs_error_set(err, 0,
				    "registry '%s' answered HTTP %ld when "
				    "starting an upload",
				    r->registry, code);
	}
	if (strncmp(rs.location, "http", 4) && rs.location[0] != '/') {
		resp_release(&rs);
		return cs_error_set(err, 0,
				    "registry '%s' sent a bad upload "
				    "location",
				    r->registry);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		resp_release(&rs);
		return cs_error_errno(err, "open blob '%s'", path);
	}
	if (chunk_size() > 0 && size > chunk_size()) {
		char *loc = steal_ptr(&rs.location);

		resp_release(&rs);
		return upload_chunked(r, digest, fd, size, loc, err);
	}
	put = upload_url(r, rs.location, digest);
	resp_release(&rs);
	q = (struct req){ .method = "PUT",
			  .url = put,
			  .fd = fd,
			  .fd_len = size,
			  .ctype = "application/octet-stream" };
	if (request_authed(r, &q, &rs, 65536, err) < 0) {
		resp_release(&rs);
		return cs_error_wrap(err, "upload blob %s", digest);
	}
	if (rs.code != 201) {
		long code = rs.code;
		resp_release(&rs);
		return cs_error_set(err, 0,
				    "registry '%s' answered HTTP %ld to the "
				    "upload of blob %s",
				    r->registry, code, digest);
	}
	resp_release(&rs);
	return 0;
}

int img_registry_put_manifest(struct img_registry *r, const char *reference,
			      const char *media_type, const void *data,
			      size_t len, struct cs_error *err)
{
	_cleanup_free_ char *url =
		xasprintf("%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	struct req q = { .method = "PUT",
			 .url = url,
			 .ctype = media_type,
			 .data = data,
			 .len = len,
			 .fd = -1 };
	struct resp rs;
	long code;

	if (request_authed(r, &q, &rs, 65536, err) < 0) {
		resp_release(&rs);
		return cs_error_wrap(err, "put manifest '%s'", reference);
	}
	code = rs.code;
	resp_release(&rs);
	if (code == 201 || code == 200)
		return 0;
	if (code == 401 || code == 403)
		return denied(r, err);
	return cs_error_set(err, 0,
			    "registry '%s' answered HTTP %ld to the manifest "
			    "'%s'",
			    r->registry, code, reference);
}

/* ------------------------------------------------------------------ */
/* Parallel blob downloads */

struct xfer {
	struct img_fetch *f;
	CURL *h;
	struct curl_slist *hdrs;
	int fd;
	char *tmp;
	int resumable; /* tmp is f->partial: kept when the pull stops */
	int bad;       /* its bytes are wrong: never kept */
	int werr;      /* errno of a failed write */
	struct img_hash hash;
	int64_t got;
	int too_big;
	int attempts;	   /* transfers started for this blob */
	int64_t range_got; /* start of the Content-Range answered, -1 */
	int started;	   /* a body byte of this attempt was seen */
	char ebuf[CURL_ERROR_SIZE];
};

#define BLOB_ATTEMPTS 4
#define BLOB_CHUNK (512L * 1024) /* CURLOPT_BUFFERSIZE of blob transfers */

static void tee_close(struct img_fetch *f)
{
	if (f->tee >= 0)
		close(f->tee);
	f->tee = -1;
}

/* Blocking send of all of it; the reader going away is EPIPE, no
 * signal. */
static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static size_t blob_header_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	_cleanup_free_ char *v = header_value(p, len, "Content-Range");
	long long start;

	if (len > 5 && !strncmp(p, "HTTP/", 5))
		x->range_got = -1;
	if (v && sscanf(v, "bytes %lld-", &start) == 1)
		x->range_got = start;
	return len;
}

/* Starts the blob over: the server ignored our Range.  A tee reader
 * cannot take bytes back: it gets EOF and the caller unpacks later. */
static int xfer_rewind(struct xfer *x)
{
	if (x->f->tee >= 0)
		x->f->tee_broken = 1;
	tee_close(x->f);
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
		return -1;
	img_hash_release(&x->hash);
	img_hash_init(&x->hash);
	x->got = 0;
	return 0;
}

static size_t blob_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	long code = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 && code != 206)
		return len; /* error body: discarded, the code is reported */
	if (!x->started) {
		x->started = 1;
		if (code == 206 && x->range_got != x->got)
			return 0; /* not the range we asked for */
		if (code == 200 && x->got && xfer_rewind(x) < 0)
			return 0;
	}
	if (x->got + (int64_t)len > x->f->size) {
		x->too_big = 1;
		return 0;
	}
	img_hash_update(&x->hash, p, len);
	int r = cs_write_all(x->fd, p, len);
	if (r < 0) {
		x->werr = -r;
		return 0;
	}
	x->got += len;
	if (x->f->tee >= 0 && send_all(x->f->tee, p, len) < 0) {
		tee_close(x->f);
		x->f->tee_broken = 1;
	}
	return len;
}

static void xfer_release(struct xfer *x, CURLM *m)
{
	if (x->f)
		tee_close(x->f);
	if (x->h) {
		curl_multi_remove_handle(m, x->h);
		curl_easy_cleanup(x->h);
	}
	curl_slist_free_all(x->hdrs);
	if (x->fd >= 0)
		close(x->fd);
	/* a partial download of good bytes stays for the next pull */
	if (x->tmp && (!x->resumable || x->bad || x->got == 0))
		unlink(x->tmp);
	free(x->tmp);
	img_hash_release(&x->hash);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

/* Opens f->partial, the blob's download kept from an earlier pull, so
 * the transfer resumes after the bytes it holds; they are hashed again
 * (the digest is checked over the whole blob at the end).  Locked, so
 * two pulls never write one file; a file that is locked, or was renamed
 * away by the pull that just finished it, is not used.  Returns the fd
 * with x->got set, or -1 (the caller then downloads into a temp file). */
static int partial_open(struct xfer *x, struct img_fetch *f)
{
	static const size_t bufsz = 1u << 20;
	struct stat st, st2;
	int64_t keep;
	char *buf;
	int fd;

	fd = open(f->partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 ||
	    stat(f->partial, &st2) < 0 || st.st_ino != st2.st_ino ||
	    st.st_dev != st2.st_dev || !S_ISREG(st.st_mode))
		goto fail;
	keep = st.st_size;
	if (keep > f->size)
		keep = 0;
	/* all of it: fetch the last byte again, so the usual path verifies
	 * and stores it (a Range from the end would be unsatisfiable) */
	if (keep == f->size && keep > 0)
		keep--;
	if (ftruncate(fd, keep) < 0)
		goto fail;
	buf = xmalloc(bufsz);
	for (int64_t off = 0; off < keep;) {
		size_t want = keep - off < (int64_t)bufsz ?
				      (size_t)(keep - off) :
				      bufsz;
		ssize_t n = pread(fd, buf, want, off);

		if (n <= 0) {
			free(buf);
			goto fail;
		}
		img_hash_update(&x->hash, buf, n);
		off += n;
	}
	free(buf);
	if (lseek(fd, keep, SEEK_SET) < 0)
		goto fail;
	x->got = keep;
	if (keep)
		cs_debug("blob %s: resuming after %lld bytes", f->digest,
			 (long long)keep);
	return fd;
fail:
	close(fd);
	img_hash_release(&x->hash);
	img_hash_init(&x->hash);
	x->got = 0;
	return -1;
}

static int xfer_start(struct img_registry *r, struct xfer *x,
		      struct img_fetch *f, CURLM *m, struct cs_error *err)
{
	_cleanup_free_ char *url =
		xasprintf("%s/v2/%s/blobs/%s", r->base, r->repo, f->digest);
	char range[48];

	memset(x, 0, sizeof(*x));
	x->f = f;
	img_hash_init(&x->hash);
	x->fd = f->partial ? partial_open(x, f) : -1;
	if (x->fd >= 0) {
		x->tmp = xstrdup(f->partial);
		x->resumable = 1;
	} else {
		x->tmp = xasprintf("%s.tmp-XXXXXX", f->dest);
		x->fd = mkostemp(x->tmp, O_CLOEXEC);
	}
	if (x->fd < 0) {
		int e = errno;
		free(x->tmp);
		x->tmp = NULL;
		return cs_error_set(err, e, "create a file for blob %s",
				    f->digest);
	}
	/* the unpacker reading along must see the blob from its start: it
	 * stops, and the layer is unpacked from the verified blob instead */
	if (x->got && f->tee >= 0) {
		f->tee_broken = 1;
		tee_close(f);
	}
	x->h = curl_easy_init();
	if (!x->h)
		return cs_error_set(err, ENOMEM, "start a transfer");
	x->attempts = 1;
	x->range_got = -1;
	setup_easy(r, x->h, url, &x->hdrs, NULL, 1);
	snprintf(range, sizeof(range), "%lld-", (long long)x->got);
	if (x->got)
		curl_easy_setopt(x->h, CURLOPT_RANGE, range);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->ebuf);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, blob_header_cb);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, blob_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	/* big chunks: each one is hashed, written and teed to the unpacker
	 * with a syscall each (curl's default is 16 KiB) */
	curl_easy_setopt(x->h, CURLOPT_BUFFERSIZE, BLOB_CHUNK);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	curl_multi_add_handle(m, x->h);
	return 0;
}

/* A transfer that broke after some bytes of a 200/206 answer is resumed
 * with a Range request (restarted if the server ignores it), up to
 * BLOB_ATTEMPTS times.  Returns 1 when the transfer was restarted. */
static int xfer_retry(struct xfer *x, CURLM *m, CURLcode c)
{
	long code = 0;
	char range[48];

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (c == CURLE_OK || x->too_big || (code != 200 && code != 206) ||
	    x->attempts >= BLOB_ATTEMPTS || x->got >= x->f->size)
		return 0;
	if (c != CURLE_PARTIAL_FILE && c != CURLE_RECV_ERROR &&
	    c != CURLE_GOT_NOTHING && c != CURLE_OPERATION_TIMEDOUT &&
	    c != CURLE_HTTP2_STREAM && c != CURLE_SEND_ERROR)
		return 0;
	cs_debug("blob %s broke after %lld bytes (%s): resuming", x->f->digest,
		 (long long)x->got, *x->ebuf ? x->ebuf : curl_easy_strerror(c));
	curl_multi_remove_handle(m, x->h);
	x->attempts++;
	x->started = 0;
	x->ebuf[0] = 0;
	snprintf(range, sizeof(range), "%lld-", (long long)x->got);
	curl_easy_setopt(x->h, CURLOPT_RANGE, x->got ? range : NULL);
	curl_multi_add_handle(m, x->h);
	return 1;
}

static int xfer_finish(struct img_registry *r, struct xfer *x, CURLcode c,
		       struct cs_error *err)
{
	char got[IMG_DIGEST_LEN];
	long code = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (img_interrupted())
		return cs_error_set(err, EINTR, "interrupted");
	if (x->werr)
		return cs_error_set(err, x->werr,
				    "cannot write blob %s to '%s'",
				    x->f->digest, x->tmp);
	x->bad = x->too_big;
	if (x->too_big)
		return cs_error_set(err, 0,
				    "blob %s is larger than the %lld bytes "
				    "its manifest declares",
				    x->f->digest, (long long)x->f->size);
	if (c != CURLE_OK && (code == 200 || code == 206) &&
	    x->got < x->f->size)
		return cs_error_set(err, 0,
				    "blob %s truncated: got %lld of %lld "
				    "bytes after %d attempts (%s)",
				    x->f->digest, (long long)x->got,
				    (long long)x->f->size, x->attempts,
				    *x->ebuf ? x->ebuf : curl_easy_strerror(c));
	if (c != CURLE_OK)
		return transport_error(r, c, x->ebuf, err),
		       cs_error_wrap(err, "blob %s", x->f->digest);
	if (code == 404)
		return cs_error_set(err, 0,
				    "blob %s not found on registry '%s'",
				    x->f->digest, r->registry);
	if (code != 200 && code != 206)
		return cs_error_set(err, 0,
				    "registry '%s' answered HTTP %ld for blob "
				    "%s",
				    r->registry, code, x->f->digest);
	if (x->got != x->f->size)
		return cs_error_set(
			err, 0, "blob %s truncated: got %lld of %lld bytes",
			x->f->digest, (long long)x->got, (long long)x->f->size);
	img_hash_final(&x->hash, got);
	x->bad = strcmp(got, x->f->digest) != 0;
	if (x->bad)
		return cs_error_set(err, 0,
				    "blob digest mismatch: expected %s, got "
				    "%s; nothing was stored",
				    x->f->digest, got);
	if (fchmod(x->fd, 0444) < 0)
		return cs_error_errno(err, "write blob %s", x->f->digest);
	/* Renamed by commit_blobs() after one syncfs for all; the fd (and
	 * with it the lock on a partial file) is held until then. */
	x->f->tmp = steal_ptr(&x->tmp);
	x->f->tmp_fd = x->fd;
	x->f->resumable = x->resumable;
	x->fd = -1;
	return 0;
}

/* Makes the verified blobs durable with one syncfs (not one fsync each,
 * which would stall every transfer) and renames them into place. */
static int commit_blobs(struct img_fetch *v, size_t n, struct cs_error *err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = -1;

		if (!v[i].tmp)
			continue;
		fd = open(v[i].tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0)
			return cs_error_errno(err, "sync blob %s in '%s'",
					      v[i].digest, v[i].tmp);
		break;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].tmp)
			continue;
		if (rename(v[i].tmp, v[i].dest) < 0)
			return cs_error_errno(err, "store blob %s as '%s'",
					      v[i].digest, v[i].dest);
		free(v[i].tmp);
		v[i].tmp = NULL;
		close(v[i].tmp_fd);
		v[i].tmp_fd = -1;
		v[i].done = 1;
	}
	return 0;
}

static void show_progress(struct xfer *xs, size_t nx, size_t done_bytes,
			  size_t total, size_t ndone, size_t n)
{
	char bar[31];
	uint64_t now = done_bytes;
	int fill;

	for (size_t i = 0; i < nx; i++)
		if (xs[i].h)
			now += xs[i].got;
	fill = total ? (int)(now * 30 / total) : 30;
	if (fill > 30)
		fill = 30;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = 0;
	fprintf(stderr, "\r\033[K[%s] %3d%%  %.1f/%.1f MiB  %zu/%zu blobs", bar,
		total ? (int)(now * 100 / total) : 100, now / 1048576.0,
		total / 1048576.0, ndone, n);
}

static int fetch_group(struct img_registry *r, struct img_fetch *v, size_t n,
		       unsigned parallel, int progress, struct cs_error *err)
{
	CURLM *m = curl_multi_init();
	struct xfer *xs;
	size_t next = 0, ndone = 0, nx, total = 0, done_bytes = 0;
	int running = 0, ret = 0;
	struct timespec last = { 0 };

	if (!m)
		return cs_error_set(err, ENOMEM, "start transfers");
	if (!parallel)
		parallel = 4;
	nx = parallel < n ? parallel : n;
	xs = xcalloc(nx + 1, sizeof(*xs));
	for (size_t i = 0; i < nx; i++)
		xs[i].fd = -1;
	for (size_t i = 0; i < n; i++) {
		total += v[i].size;
		v[i].tmp_fd = -1;
	}
	for (size_t i = 0; i < nx; i++)
		if (xfer_start(r, &xs[i], &v[next++], m, err) < 0) {
			ret = -1;
			goto out;
		}
	while (ndone < n) {
		CURLMsg *msg;
		int left;

		if (img_interrupted()) {
			ret = cs_error_set(err, EINTR, "interrupted");
			goto out;
		}
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			ret = cs_error_set(err, 0, "transfer failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &left))) {
			struct xfer *x = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&x);
			if (xfer_retry(x, m, msg->data.result))
				continue;
			if (xfer_finish(r, x, msg->data.result, err) < 0) {
				ret = -1;
				goto out;
			}
			ndone++;
			done_bytes += x->f->size;
			xfer_release(x, m);
			if (next < n &&
			    xfer_start(r, x, &v[next++], m, err) < 0) {
				ret = -1;
				goto out;
			}
		}
		if (progress) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec * 10 + now.tv_nsec / 100000000 !=
			    last.tv_sec * 10 + last.tv_nsec / 100000000) {
				show_progress(xs, nx, done_bytes, total, ndone,
					      n);
				last = now;
			}
		}
		if (ndone < n)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	if (progress) {
		show_progress(xs, 0, done_bytes, total, ndone, n);
		fputc('\n', stderr);
		progress = 0;
	}
	ret = commit_blobs(v, n, err);
out:
	for (size_t i = 0; i < nx; i++)
		xfer_release(&xs[i], m);
	for (size_t i = 0; i < n; i++) {
		tee_close(&v[i]);
		if (v[i].tmp) {
			/* verified: a partial one is resumed from its end */
			if (!v[i].resumable)
				unlink(v[i].tmp);
			free(v[i].tmp);
			v[i].tmp = NULL;
		}
		if (v[i].tmp_fd >= 0)
			close(v[i].tmp_fd);
		v[i].tmp_fd = -1;
	}
	free(xs);
	curl_multi_cleanup(m);
	if (ret < 0 && progress)
		fputc('\n', stderr);
	return ret;
}

/* One curl multi loop runs in one thread, and hashing, writing and teeing
 * every byte costs more CPU than receiving it: without a progress bar to
 * draw, the blobs are split over up to one thread per CPU, each with its
 * own loop. */
struct fetch_part {
	struct img_registry *r;
	struct img_fetch *v;
	size_t n;
	unsigned parallel;
	int ret;
	struct cs_error err;
	pthread_t tid;
};

static void *fetch_part_run(void *ud)
{
	struct fetch_part *p = ud;

	p->ret = fetch_group(p->r, p->v, p->n, p->parallel, 0, &p->err);
	return NULL;
}

int img_registry_fetch_blobs(struct img_registry *r, struct img_fetch *v,
			     size_t n, unsigned parallel, int progress,
			     struct cs_error *err)
{
	struct fetch_part parts[8];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t np = n, started = 0, at = 0;
	int ret = 0;

	if (!parallel)
		parallel = 4;
	if (np > (size_t)(ncpu > 1 ? ncpu : 1))
		np = ncpu > 1 ? (size_t)ncpu : 1;
	if (np > parallel)
		np = parallel;
	if (np > CS_ARRAY_SIZE(parts))
		np = CS_ARRAY_SIZE(parts);
	if (progress || np < 2)
		return fetch_group(r, v, n, parallel, progress, err);
	for (size_t i = 0; i < np; i++) {
		size_t cnt = n / np + (i < n % np);

		parts[i] =
			(struct fetch_part){ .r = r,
					     .v = v + at,
					     .n = cnt,
					     .parallel =
						     (parallel + np - 1) / np,
					     .err = CS_ERROR_INIT };
		at += cnt;
	}
	for (size_t i = 1; i < np; i++) {
		if (pthread_create(&parts[i].tid, NULL, fetch_part_run,
				   &parts[i]) != 0)
			break;
		started = i;
	}
	/* the parts no thread took run here, one after the other */
	fetch_part_run(&parts[0]);
	for (size_t i = started + 1; i < np; i++)
		fetch_part_run(&parts[i]);
	for (size_t i = 1; i <= started; i++)
		pthread_join(parts[i].tid, NULL);
	for (size_t i = 0; i < np; i++) {
		if (parts[i].ret < 0 && !ret) {
			ret = -1;
			if (err) {
				cs_error_release(err);
				*err = parts[i].err;
				continue;
			}
		}
		cs_error_release(&parts[i].err);
	}
	return ret;
}
