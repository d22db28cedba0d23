/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * inventory.c — $CONFIG/hosts: parsing, formatting, add/rm under a lock,
 * and matching target specs (names, globs, labels, all).
 *
 * The file is line-oriented text so that people can edit it by hand;
 * every field is checked on the way in and on the way out, because a
 * destination ends up on ssh's command line (a leading '-' would be an
 * option) and a name in a socket path.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "scheduler/sched_i.h"

static int name_char(int c)
{
	return isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
}

int sch_check_name(const char *name, struct cs_error *err)
{
	size_t n = strlen(name);

	if (!n)
		return cs_error_set(err, 0, "a host name cannot be empty");
	if (n > SCH_NAME_MAX)
		return cs_error_set(err, 0,
				    "host name '%.20s…' is longer than %d "
				    "characters",
				    name, SCH_NAME_MAX);
	if (!isascii(name[0]) || !isalnum((unsigned char)name[0]))
		return cs_error_set(err, 0,
				    "host name '%s' must start with a letter "
				    "or digit",
				    name);
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)name[i]))
			return cs_error_set(err, 0,
					    "host name '%s' may hold only "
					    "letters, digits, '.', '_' and '-'",
					    name);
	if (!strcmp(name, "all") || !strcmp(name, "any") ||
	    !strcmp(name, "host"))
		return cs_error_set(err, 0,
				    "'%s' is reserved and cannot name a host",
				    name);
	return 0;
}

/* A user or host name as ssh takes it, never an option. */
static int dest_word(const char *s, size_t n)
{
	if (!n || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static int ipv6_word(const char *s, size_t n)
{
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return 0;
	return 1;
}

int sch_dest_split(const char *dest, char **user, char **host, int *port,
		   struct cs_error *err)
{
	const char *at, *h, *end, *colon = NULL;
	size_t hn;
	long p = 0;

	*user = *host = NULL;
	*port = 0;
	if (strlen(dest) > SCH_DEST_MAX)
		return cs_error_set(err, 0,
				    "destination is longer than %d characters",
				    SCH_DEST_MAX);
	at = strrchr(dest, '@');
	h = at ? at + 1 : dest;
	if (at && !dest_word(dest, at - dest))
		goto bad;
	end = h + strlen(h);
	if (*h == '[') {
		const char *close = strchr(h, ']');

		if (!close || !ipv6_word(h + 1, close - h - 1))
			goto bad;
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			goto bad;
		h++;
		hn = close - h;
	} else {
		colon = strchr(h, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* a bare IPv6 address: no port possible */
			if (!ipv6_word(h, end - h))
				goto bad;
			colon = NULL;
			hn = end - h;
		} else {
			hn = colon ? (size_t)(colon - h) : (size_t)(end - h);
			if (!dest_word(h, hn))
				goto bad;
		}
	}
	if (colon) {
		char *e;

		errno = 0;
		if (!isdigit((unsigned char)colon[1]))
			goto bad;
		p = strtol(colon + 1, &e, 10);
		if (*e || errno || p < 1 || p > 65535)
			return cs_error_set(err, 0,
					    "destination '%s' has a bad port "
					    "(1 to 65535)",
					    dest);
	}
	*user = at ? xstrndup(dest, at - dest) : NULL;
	*host = xstrndup(h, hn);
	*port = (int)p;
	return 0;
bad:
	return cs_error_set(err, 0,
			    "destination '%s' is not [user@]host[:port] or an "
			    "ssh config alias",
			    dest);
}

int sch_check_dest(const char *dest, struct cs_error *err)
{
	char *u, *h;
	int p;

	if (sch_dest_split(dest, &u, &h, &p, err) < 0)
		return -1;
	free(u);
	free(h);
	return 0;
}

static int label_value_char(int c)
{
	return name_char(c) || c == ':' || c == '/' || c == '@' || c == '+';
}

int sch_check_label(const char *label, struct cs_error *err)
{
	const char *eq = strchr(label, '=');

	if (!eq || eq == label || strlen(label) > SCH_LABEL_MAX)
		goto bad;
	for (const char *p = label; p < eq; p++)
		if (!name_char((unsigned char)*p))
			goto bad;
	for (const char *p = eq + 1; *p; p++)
		if (!label_value_char((unsigned char)*p))
			goto bad;
	return 0;
bad:
	return cs_error_set(err, 0,
			    "label '%.*s' is not key=value (letters, digits, "
			    "'.', '_', '-'; at most %d characters)",
			    SCH_LABEL_MAX, label, SCH_LABEL_MAX);
}

void sch_host_release(struct sch_host *h)
{
	free(h->name);
	free(h->dest);
	for (size_t i = 0; i < h->nlabels; i++)
		free(h->labels[i]);
	free(h->labels);
	memset(h, 0, sizeof(*h));
}

void sch_host_copy(struct sch_host *dst, const struct sch_host *src)
{
	dst->name = xstrdup(src->name);
	dst->dest = xstrdup(src->dest);
	dst->nlabels = src->nlabels;
	dst->labels = xcalloc(src->nlabels + 1, sizeof(char *));
	for (size_t i = 0; i < src->nlabels; i++)
		dst->labels[i] = xstrdup(src->labels[i]);
}

void sch_inventory_release(struct sch_inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		sch_host_release(&inv->hosts[i]);
	free(inv->hosts);
	inv->hosts = NULL;
	inv->n = 0;
}

const struct sch_host *sch_inventory_find(const struct sch_inventory *inv,
					  const char *name)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->hosts[i].name, name))
			return &inv->hosts[i];
	return NULL;
}

const char *sch_host_label(const struct sch_host *h, const char *key)
{
	size_t kn = strlen(key);

	for (size_t i = 0; i < h->nlabels; i++)
		if (!strncmp(h->labels[i], key, kn) && h->labels[i][kn] == '=')
			return h->labels[i] + kn + 1;
	return NULL;
}

/* Checks the fields and appends a host; the inventory owns nothing new
 * when it fails. */
static int inventory_append(struct sch_inventory *inv, const char *name,
			    const char *dest, char *const *labels,
			    size_t nlabels, struct cs_error *err)
{
	struct sch_host *h;

	if (sch_check_name(name, err) < 0 || sch_check_dest(dest, err) < 0)
		return -1;
	if (sch_inventory_find(inv, name))
		return cs_error_set(err, 0,
				    "host '%s' is already in the "
				    "inventory",
				    name);
	if (inv->n >= SCH_MAX_HOSTS)
		return cs_error_set(err, 0,
				    "the inventory holds at most %d "
				    "hosts",
				    SCH_MAX_HOSTS);
	if (nlabels > SCH_MAX_LABELS)
		return cs_error_set(err, 0, "host '%s' has more than %d labels",
				    name, SCH_MAX_LABELS);
	for (size_t i = 0; i < nlabels; i++) {
		size_t kn = strcspn(labels[i], "=");

		if (sch_check_label(labels[i], err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strncmp(labels[j], labels[i], kn + 1))
				return cs_error_set(err, 0,
						    "label '%.*s' is given "
						    "twice",
						    (int)kn, labels[i]);
	}
	inv->hosts = xrealloc(inv->hosts, (inv->n + 1) * sizeof(*inv->hosts));
	h = &inv->hosts[inv->n++];
	sch_host_copy(h, &(struct sch_host){ (char *)name, (char *)dest,
					     (char **)labels, nlabels });
	return 0;
}

int sch_inventory_parse(struct sch_inventory *inv, const char *text, size_t len,
			struct cs_error *err)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;

	inv->hosts = NULL;
	inv->n = 0;
	if (len > SCH_INVENTORY_MAX)
		return cs_error_set(err, 0,
				    "the inventory is larger than %u "
				    "bytes",
				    SCH_INVENTORY_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n), *save = NULL,
		     *f[2 + SCH_MAX_LABELS + 1];
		size_t nf = 0;
		int r = 0;

		lineno++;
		p += n + (nl ? 1 : 0);
		if (strlen(line) != n) {
			free(line);
			cs_error_set(err, 0, "line %u holds a NUL byte",
				     lineno);
			goto fail;
		}
		for (char *t = strtok_r(line, " \t\r", &save); t;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (t[0] == '#')
				break;
			if (nf == CS_ARRAY_SIZE(f)) {
				r = cs_error_set(err, 0, "too many labels");
				break;
			}
			f[nf++] = t;
		}
		if (!r && nf == 1)
			r = cs_error_set(err, 0,
					 "host '%.*s' has no destination",
					 SCH_NAME_MAX, f[0]);
		if (!r && nf >= 2)
			r = inventory_append(inv, f[0], f[1], f + 2, nf - 2,
					     err);
		free(line);
		if (r < 0) {
			cs_error_wrap(err, "line %u", lineno);
			goto fail;
		}
	}
	return 0;
fail:
	sch_inventory_release(inv);
	return -1;
}

char *sch_inventory_format(const struct sch_inventory *inv)
{
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_adds(&b, "# cshell hosts (docs/hosts.md): NAME DEST "
			"[KEY=VALUE...]\n");
	for (size_t i = 0; i < inv->n; i++) {
		const struct sch_host *h = &inv->hosts[i];

		cs_buf_addf(&b, "%s %s", h->name, h->dest);
		for (size_t j = 0; j < h->nlabels; j++)
			cs_buf_addf(&b, " %s", h->labels[j]);
		cs_buf_addc(&b, '\n');
	}
	return cs_buf_detach(&b, NULL);
}

static char *inventory_path(int create, struct cs_error *err)
{
	_cleanup_free_ char *dir =
		cs_root_subdir(CS_ROOT_CONFIG, "", create, err);

	return dir ? xasprintf("%s/hosts", dir) : NULL;
}

static int load_path(struct sch_inventory *inv, const char *path,
		     struct cs_error *err)
{
	struct cs_buf b = CS_BUF_INIT;
	struct cs_error e = CS_ERROR_INIT;
	int r;

	inv->hosts = NULL;
	inv->n = 0;
	if (cs_read_file(path, &b, SCH_INVENTORY_MAX + 1, &e) < 0) {
		if (e.code == ENOENT) {
			cs_error_release(&e);
			return 0;
		}
		*err = e;
		return -1;
	}
	r = sch_inventory_parse(inv, b.buf, b.len, err);
	cs_buf_release(&b);
	if (r < 0)
		return cs_error_wrap(err, "%s", path);
	return 0;
}

int sch_inventory_load(struct sch_inventory *inv, struct cs_error *err)
{
	_cleanup_free_ char *path = inventory_path(0, err);

	inv->hosts = NULL;
	inv->n = 0;
	return path ? load_path(inv, path, err) : -1;
}

int sch_lock_for(const char *path, struct cs_error *err)
{
	_cleanup_free_ char *lock = xasprintf("%s.lock", path);

	return cs_lock_path(lock, 1, 1, err);
}

/* Runs fn on the inventory under its lock and writes the result. */
static int inventory_update(int (*fn)(struct sch_inventory *, void *,
				      struct cs_error *),
			    void *arg, struct cs_error *err)
{
	_cleanup_free_ char *path = inventory_path(1, err);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct sch_inventory inv;
	int r;

	if (!path || (fd = sch_lock_for(path, err)) < 0)
		return -1;
	if (load_path(&inv, path, err) < 0)
		return -1;
	r = fn(&inv, arg, err);
	if (r == 0) {
		text = sch_inventory_format(&inv);
		r = cs_write_file_atomic(path, text, strlen(text), 0644, err);
	}
	sch_inventory_release(&inv);
	return r;
}

struct add_arg {
	const char *name, *dest;
	char *const *labels;
	size_t nlabels;
};

static int add_fn(struct sch_inventory *inv, void *p, struct cs_error *err)
{
	struct add_arg *a = p;

	return inventory_append(inv, a->name, a->dest, a->labels, a->nlabels,
				err);
}

int sch_host_add(const char *name, const char *dest, char *const *labels,
		 size_t nlabels, struct cs_error *err)
{
	struct add_arg a = { name, dest, labels, nlabels };

	/* checked before the lock too, so that a typo costs no file */
	if (sch_check_name(name, err) < 0 || sch_check_dest(dest, err) < 0)
		return -1;
	return inventory_update(add_fn, &a, err);
}

static int rm_fn(struct sch_inventory *inv, void *p, struct cs_error *err)
{
	struct sch_host *h = (struct sch_host *)sch_inventory_find(inv, p);
	size_t i;

	if (!h)
		return cs_error_set(err, 0, "no host '%s' in the inventory",
				    (const char *)p);
	sch_disconnect(h);
	i = h - inv->hosts;
	sch_host_release(h);
	memmove(&inv->hosts[i], &inv->hosts[i + 1],
		(inv->n - i - 1) * sizeof(*h));
	inv->n--;
	return 0;
}

int sch_host_rm(const char *name, struct cs_error *err)
{
	return inventory_update(rm_fn, (void *)name, err);
}

/* ------------------------------------------------------------------ */
/* Target specs */

static int spec_char(int c)
{
	return name_char(c) || strchr("*?[]!=:/@+", c);
}

int sch_spec_valid(const char *spec)
{
	int item = 0;

	if (!*spec)
		return 0;
	for (const char *p = spec; *p; p++) {
		if (*p == ',') {
			if (!item)
				return 0;
			item = 0;
		} else if (spec_char((unsigned char)*p)) {
			item = 1;
		} else {
			return 0;
		}
	}
	return item;
}

static int item_matches(const struct sch_host *h, const char *item)
{
	const char *eq = strchr(item, '=');

	if (!strcmp(item, "all"))
		return 1;
	if (eq) {
		_cleanup_free_ char *key = xstrndup(item, eq - item);
		const char *v = sch_host_label(h, key);

		return v && !fnmatch(eq + 1, v, 0);
	}
	return !fnmatch(item, h->name, 0);
}

int sch_match(const struct sch_inventory *inv, const char *spec, size_t **idx,
	      struct cs_error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	_cleanup_free_ char *hit = NULL;
	char *save = NULL;
	size_t n = 0;

	*idx = NULL;
	if (!sch_spec_valid(spec))
		return cs_error_set(err, 0,
				    "'%s' is not a host spec (names, "
				    "globs, key=value or all, separated by "
				    "commas)",
				    spec);
	hit = xcalloc(inv->n + 1, 1);
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		int any = 0;

		for (size_t i = 0; i < inv->n; i++)
			if (item_matches(&inv->hosts[i], it))
				hit[i] = any = 1;
		if (!any) {
			if (!strcmp(it, "all"))
				return cs_error_set(err, 0,
						    "the inventory is "
						    "empty (see 'host add')");
			if (strpbrk(it, "*?[="))
				return cs_error_set(err, 0,
						    "no host matches "
						    "'%s'",
						    it);
			return cs_error_set(err, 0,
					    "unknown host '%s' (see "
					    "'host ls')",
					    it);
		}
	}
	*idx = xcalloc(inv->n + 1, sizeof(size_t));
	for (size_t i = 0; i < inv->n; i++)
		if (hit[i])
			(*idx)[n++] = i;
	return (int)n;
}
