// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * config.c — the command line of cshell-fs, compatible with fuse-overlayfs:
 * "-o lowerdir=A:B,upperdir=U,workdir=W[,…] [-f] [-d] MOUNTPOINT".
 * ovl_config_parse() splits one option string; ovl_config_from_args()
 * walks argv.  Pure string work, so unit tests drive it directly.
 */
#include <errno.h>
#include <string.h>

#include "overlayfs/overlayfs.h"

void ovl_config_init(struct ovl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->default_permissions = true;
	cfg->writeback = true;
	cfg->passthrough = true;
	cfg->fsync = true;
	cfg->sandbox = true;
	cfg->timeout = OVL_DEFAULT_TIMEOUT;
	cfg->live = -1;
	cs_buf_init(&cfg->fuse_opts, 64 * 1024);
}

static void free_lowers(struct ovl_config *cfg)
{
	for (size_t i = 0; i < cfg->nlower; i++)
		free(cfg->lowers[i]);
	free(cfg->lowers);
	cfg->lowers = NULL;
	cfg->nlower = 0;
}

void ovl_config_release(struct ovl_config *cfg)
{
	free_lowers(cfg);
	free(cfg->upper);
	free(cfg->work);
	free(cfg->fsname);
	cs_buf_release(&cfg->fuse_opts);
	free(cfg->uidmap);
	free(cfg->gidmap);
	memset(cfg, 0, sizeof(*cfg));
}

/* Copies the next item of s up to an unescaped sep, removing the escaping
 * backslashes; advances *s past the separator. */
static char *next_item(const char **s, char sep)
{
	const char *p = *s;
	char *out = xmalloc(strlen(p) + 1);
	size_t n = 0;

	while (*p && *p != sep) {
		if (*p == '\\' && p[1])
			p++;
		out[n++] = *p++;
	}
	out[n] = 0;
	*s = *p ? p + 1 : p;
	return out;
}

static int parse_lowers(struct ovl_config *cfg, const char *val,
			struct cs_error *err)
{
	free_lowers(cfg);
	while (*val) {
		char *item = next_item(&val, ':');

		if (!*item) {
			free(item);
			continue;
		}
		if (cfg->nlower >= OVL_MAX_LOWER) {
			free(item);
			return cs_error_set(
				err, 0, "too many lower layers (at most %d)",
				OVL_MAX_LOWER);
		}
		cfg->lowers = xrealloc(cfg->lowers,
				       (cfg->nlower + 1) * sizeof(char *));
		cfg->lowers[cfg->nlower++] = item;
	}
	if (!cfg->nlower)
		return cs_error_set(err, 0, "lowerdir= names no directory");
	return 0;
}

/* fuse-overlayfs options that tune its own behaviour; we accept and ignore
 * them so that existing command lines keep working. */
static const char *const ignored_opts[] = {
	"squash_to_root",    "squash_to_uid", "squash_to_gid",
	"static_nlink",	     "noacl",	      "threaded",
	"fast_ino",	     "noxattrs",      "plugins",
	"xattr_permissions", "redirect_dir",  "index",
	"metacopy",	     "xino",	      "userxattr",
};

static bool ignored(const char *key)
{
	for (size_t i = 0; i < CS_ARRAY_SIZE(ignored_opts); i++)
		if (!strcmp(key, ignored_opts[i]))
			return true;
	return false;
}

/* "C:H:N[:C:H:N…]" into ranges. */
static int parse_idmap(const char *key, const char *val, struct ovl_idmap **out,
		       size_t *nout, struct cs_error *err)
{
	struct ovl_idmap *m = NULL;
	size_t n = 0;
	const char *p = val;

	if (!val || !*val)
		return cs_error_set(err, 0, "%s needs CONTAINER:HOST:COUNT",
				    key);
	while (*p) {
		unsigned long long v[3];

		for (int i = 0; i < 3; i++) {
			char *end;

			if (*p < '0' || *p > '9')
				goto bad;
			errno = 0;
			v[i] = strtoull(p, &end, 10);
			if (errno || v[i] > UINT32_MAX ||
			    (*end != ':' && *end != 0) || (i < 2 && !*end))
				goto bad;
			p = *end ? end + 1 : end;
		}
		if (!v[2] || v[0] + v[2] - 1 > UINT32_MAX ||
		    v[1] + v[2] - 1 > UINT32_MAX || n == OVL_MAX_IDMAP)
			goto bad;
		m = xrealloc(m, (n + 1) * sizeof(*m));
		m[n++] = (struct ovl_idmap){ (uint32_t)v[0], (uint32_t)v[1],
					     (uint32_t)v[2] };
		if (p > val && p[-1] == ':' && !*p)
			goto bad; /* a trailing colon */
	}
	free(*out);
	*out = m;
	*nout = n;
	return 0;
bad:
	free(m);
	return cs_error_set(
		err, 0,
		"%s '%s' is not CONTAINER:HOST:COUNT[:…] (ranges of 1 to 2^32 ids, at most %d)",
		key, val, OVL_MAX_IDMAP);
}

uint32_t ovl_id_to_container(const struct ovl_idmap *m, size_t n, uint32_t id)
{
	if (!n)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].host && id - m[i].host < m[i].count)
			return m[i].container + (id - m[i].host);
	return 65534;
}

uint32_t ovl_id_to_host(const struct ovl_idmap *m, size_t n, uint32_t id)
{
	if (!n)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container && id - m[i].container < m[i].count)
			return m[i].host + (id - m[i].container);
	return (uint32_t)-1;
}

static int parse_one(struct ovl_config *cfg, const char *opt,
		     struct cs_error *err)
{
	const char *eq = strchr(opt, '=');
	_cleanup_free_ char *key = eq ? xstrndup(opt, eq - opt) : xstrdup(opt);
	const char *val = eq ? eq + 1 : NULL;

	if (!strcmp(key, "lowerdir")) {
		if (!val)
			return cs_error_set(err, 0, "lowerdir needs a value");
		return parse_lowers(cfg, val, err);
	}
	if (!strcmp(key, "upperdir") || !strcmp(key, "workdir") ||
	    !strcmp(key, "fsname")) {
		char **dst = key[0] == 'u' ? &cfg->upper :
			     key[0] == 'w' ? &cfg->work :
					     &cfg->fsname;
		const char *p = val;

		if (!val || !*val)
			return cs_error_set(err, 0, "%s needs a value", key);
		free(*dst);
		*dst = next_item(&p, 0);
		return 0;
	}
	if (!strcmp(key, "timeout")) {
		char *end;

		if (!val)
			return cs_error_set(err, 0, "timeout needs a value");
		errno = 0;
		cfg->timeout = strtod(val, &end);
		if (errno || *end || cfg->timeout < 0)
			return cs_error_set(
				err, 0,
				"timeout '%s' is not a number of seconds", val);
		return 0;
	}
	/* fsync=0 (fuse-overlayfs) and volatile (the kernel's): no sync of
	 * the upper layer, neither at copy-up nor on request */
	bool *flag = !strcmp(key, "writeback")	 ? &cfg->writeback :
		     !strcmp(key, "passthrough") ? &cfg->passthrough :
		     !strcmp(key, "fsync")	 ? &cfg->fsync :
						   NULL;
	if (flag) {
		if (!val || (strcmp(val, "0") && strcmp(val, "1")))
			return cs_error_set(err, 0, "%s takes 0 or 1", key);
		*flag = val[0] == '1';
		return 0;
	}
	if (!strcmp(key, "live")) {
		if (!val || (strcmp(val, "0") && strcmp(val, "1")))
			return cs_error_set(err, 0, "live takes 0 or 1");
		cfg->live = val[0] == '1';
		return 0;
	}
	if (!strcmp(key, "volatile")) {
		if (val)
			return cs_error_set(err, 0, "volatile takes no value");
		cfg->fsync = false;
		return 0;
	}
	if (!strcmp(key, "whiteout")) {
		if (val && !strcmp(val, "oci"))
			cfg->oci_whiteouts = true;
		else if (val && !strcmp(val, "kernel"))
			cfg->oci_whiteouts = false;
		else
			return cs_error_set(
				err, 0, "whiteout= takes 'kernel' or 'oci'");
		return 0;
	}
	if (!strcmp(key, "nosandbox")) {
		cfg->sandbox = false;
		return 0;
	}
	if (!strcmp(key, "allow_other")) {
		cfg->allow_other = true;
		return 0;
	}
	if (!strcmp(key, "default_permissions")) {
		cfg->default_permissions = true;
		return 0;
	}
	if (!strcmp(key, "uidmapping"))
		return parse_idmap(key, val, &cfg->uidmap, &cfg->nuidmap, err);
	if (!strcmp(key, "gidmapping"))
		return parse_idmap(key, val, &cfg->gidmap, &cfg->ngidmap, err);
	if (ignored(key))
		return 0;
	/* Anything else is a mount option for the kernel (ro, nosuid, …). */
	if (cfg->fuse_opts.len && cs_buf_addc(&cfg->fuse_opts, ',') < 0)
		return cs_error_set(err, E2BIG, "mount options");
	if (cs_buf_adds(&cfg->fuse_opts, opt) < 0)
		return cs_error_set(err, E2BIG, "mount options");
	return 0;
}

int ovl_config_parse(struct ovl_config *cfg, const char *opts,
		     struct cs_error *err)
{
	const char *p = opts;

	while (*p) {
		_cleanup_free_ char *opt = NULL;
		const char *start = p;

		/* Split on unescaped commas but keep the escapes: the
		 * per-option parser removes them. */
		while (*p && *p != ',') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		opt = xstrndup(start, p - start);
		if (*p)
			p++;
		if (!*opt)
			continue;
		if (parse_one(cfg, opt, err) < 0)
			return -1;
	}
	return 0;
}

void ovl_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s -o lowerdir=DIR[:DIR…][,upperdir=DIR,workdir=DIR][,OPT…] [-f] [-d] [-s] MOUNTPOINT\n"
		"\n"
		"Mounts the lower layers (top first) under a writable upper layer with\n"
		"the semantics of the kernel overlayfs; lowerdir alone mounts read-only.\n"
		"\n"
		"  -o fsname=NAME        name shown by mount(8) (default cshell-fs)\n"
		"  -o allow_other        let other users in (default for root; others\n"
		"                        need user_allow_other)\n"
		"  -o timeout=SECONDS    kernel entry/attribute cache time (default 86400)\n"
		"  -o writeback=0|1      the kernel's writeback cache (default 1)\n"
		"  -o uidmapping=C:H:N[:...], gidmapping=...  container ids C.. are host ids H.. on disk\n"
		"  -o passthrough=0|1    kernel passthrough of upper files, when root (default 1)\n"
		"  -o fsync=0, volatile  never sync the upper layer (faster; a machine\n"
		"                        crash may leave half-written files in it)\n"
		"  -o live=0|1           lower layers change outside the mount (the\n"
		"                        host root): watch them (default: those\n"
		"                        outside the image store)\n"
		"  -o whiteout=oci       write OCI .wh. markers to the upper layer\n"
		"                        (default kernel: 0:0 devices, opaque xattr)\n"
		"  -o nosandbox          serve without dropping privileges (debugging)\n"
		"  -o ro,nosuid,nodev,…  passed to the kernel mount\n"
		"  -f                    stay in the foreground\n"
		"  -d                    trace every request (implies -f)\n"
		"  -s                    serve requests on a single thread\n"
		"  -h, --help            this text\n"
		"  -V, --version         the version\n",
		prog);
}

int ovl_config_from_args(struct ovl_config *cfg, int argc, char **argv,
			 char **mountpoint, struct cs_error *err)
{
	*mountpoint = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") || !strncmp(a, "-o", 2)) {
			const char *v =
				a[2] ? a + 2 :
				       (i + 1 < argc ? argv[++i] : NULL);

			if (!v)
				return cs_error_set(err, 0,
						    "option -o needs a value");
			if (ovl_config_parse(cfg, v, err) < 0)
				return -1;
		} else if (!strcmp(a, "-f")) {
			cfg->foreground = true;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
			cfg->debug = cfg->foreground = true;
		} else if (!strcmp(a, "-s")) {
			cfg->singlethread = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return 1;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			return 2;
		} else if (a[0] == '-' && a[1]) {
			return cs_error_set(
				err, 0, "unknown option '%s' (see --help)", a);
		} else if (*mountpoint) {
			return cs_error_set(
				err, 0,
				"more than one mount point ('%s', '%s')",
				*mountpoint, a);
		} else {
			*mountpoint = xstrdup(a);
		}
	}
	if (!*mountpoint)
		return cs_error_set(err, 0,
				    "no mount point given (see --help)");
	if (!cfg->nlower)
		return cs_error_set(
			err, 0, "no lower layer: give -o lowerdir=DIR[:DIR…]");
	if (!!cfg->upper != !!cfg->work)
		return cs_error_set(
			err, 0,
			"upperdir and workdir go together: give both or neither");
	return 0;
}

bool ovl_name_is_marker(const char *name)
{
	return !strncmp(name, OVL_WH_PREFIX, sizeof(OVL_WH_PREFIX) - 1);
}

const char *ovl_whiteout_target(const char *name)
{
	if (!ovl_name_is_marker(name) || !strcmp(name, OVL_WH_OPAQUE))
		return NULL;
	name += sizeof(OVL_WH_PREFIX) - 1;
	return *name ? name : NULL;
}
