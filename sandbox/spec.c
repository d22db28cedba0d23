// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * spec.c — the sandbox description: lifecycle of struct sbx_spec and the
 * parsers front ends use for its options (sizes, cpus, user, mounts,
 * capability names, network mode, sandbox names).  Pure functions, no
 * syscalls beyond getcwd, so they are unit tested directly.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

void sbx_spec_init(struct sbx_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->uid = -1;
	spec->gid = -1;
	spec->net = SBX_NET_NONE;
	spec->pids = SBX_PIDS_DEFAULT;
	spec->seccomp = SBX_SECCOMP_DEFAULT;
	spec->backend = SBX_BACKEND_NS;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sbx_spec_release(struct sbx_spec *spec)
{
	free(spec->name);
	free_strv(spec->layers, spec->nlayers);
	for (size_t i = 0; i < spec->nmounts; i++) {
		free(spec->mounts[i].src);
		free(spec->mounts[i].dst);
	}
	free(spec->mounts);
	free_strv(spec->env, spec->nenv);
	free(spec->workdir);
	free(spec->hostname);
	free(spec->seccomp_file);
	free(spec->image);
	free(spec->trace);
	sbx_spec_init(spec);
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void sbx_spec_add_layer(struct sbx_spec *spec, const char *dir)
{
	strv_push(&spec->layers, &spec->nlayers, dir);
}

void sbx_spec_add_env(struct sbx_spec *spec, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	/* a later --env K=V replaces an earlier one */
	for (size_t i = 0; i < spec->nenv; i++) {
		if (!strncmp(spec->env[i], kv, klen) &&
		    spec->env[i][klen] == '=') {
			free(spec->env[i]);
			spec->env[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(&spec->env, &spec->nenv, kv);
}

void sbx_spec_add_mount(struct sbx_spec *spec, const char *src, const char *dst,
			int ro)
{
	spec->mounts = xrealloc(spec->mounts,
				(spec->nmounts + 1) * sizeof(*spec->mounts));
	spec->mounts[spec->nmounts].src = xstrdup(src);
	spec->mounts[spec->nmounts].dst = xstrdup(dst);
	spec->mounts[spec->nmounts].ro = ro;
	spec->nmounts++;
}

int sbx_parse_size(const char *s, uint64_t *out, struct cs_error *err)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!*s || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	switch (tolower((unsigned char)*end)) {
	case 0:
		break;
	case 'k':
		mult = 1ULL << 10;
		break;
	case 'm':
		mult = 1ULL << 20;
		break;
	case 'g':
		mult = 1ULL << 30;
		break;
	case 't':
		mult = 1ULL << 40;
		break;
	case 'b':
		break;
	default:
		goto bad;
	}
	if (*end) {
		end++;
		if (*end == 'i')
			end++;
		if (tolower((unsigned char)*end) == 'b' && mult != 1)
			end++;
		if (*end)
			goto bad;
	}
	if (v > UINT64_MAX / mult)
		goto bad;
	*out = v * mult;
	return 0;
bad:
	return cs_error_set(err, 0,
			    "invalid size '%s' (use a number with an optional "
			    "k, m, g or t suffix, e.g. 512m)",
			    s);
}

int sbx_parse_cpus(const char *s, uint64_t *milli, struct cs_error *err)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) && *p != '.')
		goto bad;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		if (whole > 100000)
			goto bad;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (digits < 3) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
			p++;
		}
	}
	if (*p)
		goto bad;
	while (digits++ < 3)
		frac *= 10;
	*milli = whole * 1000 + frac;
	if (!*milli)
		goto bad;
	return 0;
bad:
	return cs_error_set(err, 0,
			    "invalid cpu count '%s' (use a positive number "
			    "such as 2 or 0.5)",
			    s);
}

int sbx_parse_pids(const char *s, uint64_t *out, struct cs_error *err)
{
	char *end;
	unsigned long long v;

	if (!strcmp(s, "max")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v > INT32_MAX)
		return cs_error_set(err, 0,
				    "invalid pids limit '%s' (use a number of "
				    "processes, or 0 or max for no limit)",
				    s);
	*out = v;
	return 0;
}

static int parse_id(const char *s, size_t len, long *out)
{
	long v = 0;

	if (!len || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > (long)UINT32_MAX - 1)
		return -1;
	*out = v;
	return 0;
}

int sbx_parse_user(const char *s, long *uid, long *gid, struct cs_error *err)
{
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : strlen(s);

	if (parse_id(s, ulen, uid) < 0 ||
	    (colon && parse_id(colon + 1, strlen(colon + 1), gid) < 0))
		return cs_error_set(err, 0,
				    "invalid user '%s' (use numeric UID or "
				    "UID:GID)",
				    s);
	if (!colon)
		*gid = *uid;
	return 0;
}

/* path made absolute against the current directory (malloc'd), NULL
 * when that cannot be read: a relative path given on the command line
 * means the caller's directory, not the one the record is read from
 * later (`sandbox start` in another directory) */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (!strcmp(path, "."))
		return xstrdup(cwd);
	return xasprintf("%s/%s", cwd,
			 !strncmp(path, "./", 2) ? path + 2 : path);
}

int sbx_parse_layer(struct sbx_spec *spec, const char *s, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL;

	if (!*s)
		return cs_error_set(err, 0,
				    "invalid layer '' (use a directory)");
	dir = absolute(s);
	if (!dir)
		return cs_error_errno(err, "invalid layer '%s': getcwd", s);
	sbx_spec_add_layer(spec, dir);
	return 0;
}

int sbx_parse_mount(struct sbx_spec *spec, const char *s, struct cs_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	_cleanup_free_ char *src = NULL;
	char *dst, *mode;
	int ro = 0;

	dst = strchr(copy, ':');
	if (!dst || dst == copy)
		goto bad;
	*dst++ = 0;
	mode = strchr(dst, ':');
	if (mode) {
		*mode++ = 0;
		if (!strcmp(mode, "ro"))
			ro = 1;
		else if (strcmp(mode, "rw"))
			goto bad;
	}
	if (dst[0] != '/')
		return cs_error_set(err, 0,
				    "invalid mount '%s': the destination must "
				    "be an absolute path",
				    s);
	src = absolute(copy);
	if (!src)
		return cs_error_errno(err, "invalid mount '%s': getcwd", s);
	sbx_spec_add_mount(spec, src, dst, ro);
	return 0;
bad:
	return cs_error_set(
		err, 0, "invalid mount '%s' (use SRC:DST or SRC:DST:ro)", s);
}

static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};

const char *sbx_cap_name(int n)
{
	if (n < 0 || (size_t)n >= CS_ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[n];
}

int sbx_cap_last(void)
{
	return (int)CS_ARRAY_SIZE(cap_names) - 1;
}

uint64_t sbx_default_caps(void)
{
	/* Docker's default set, without NET_RAW (raw sockets) and MKNOD
	 * (device nodes): neither is needed by ordinary builds. */
	static const int caps[] = { 0 /* chown */,
				    1 /* dac_override */,
				    3 /* fowner */,
				    4 /* fsetid */,
				    5 /* kill */,
				    6 /* setgid */,
				    7 /* setuid */,
				    8 /* setpcap */,
				    10 /* net_bind_service */,
				    18 /* sys_chroot */,
				    29 /* audit_write */,
				    31 /* setfcap */ };
	uint64_t mask = 0;

	for (size_t i = 0; i < CS_ARRAY_SIZE(caps); i++)
		mask |= 1ULL << caps[i];
	return mask;
}

int sbx_parse_cap(const char *s, uint64_t *mask, struct cs_error *err)
{
	const char *n = s;

	if (!strcasecmp(s, "all")) {
		*mask = (sbx_cap_last() >= 63) ?
				UINT64_MAX :
				(1ULL << (sbx_cap_last() + 1)) - 1;
		return 0;
	}
	if (!strncasecmp(n, "cap_", 4))
		n += 4;
	for (size_t i = 0; i < CS_ARRAY_SIZE(cap_names); i++) {
		if (!strcasecmp(n, cap_names[i])) {
			*mask = 1ULL << i;
			return 0;
		}
	}
	return cs_error_set(err, 0,
			    "unknown capability '%s' (names as in "
			    "capabilities(7), e.g. NET_ADMIN, or ALL)",
			    s);
}

int sbx_parse_net(const char *s, enum sbx_net *net, struct cs_error *err)
{
	if (!strcmp(s, "none"))
		*net = SBX_NET_NONE;
	else if (!strcmp(s, "host"))
		*net = SBX_NET_HOST;
	else if (!strcmp(s, "private"))
		*net = SBX_NET_PRIVATE;
	else if (!strcmp(s, "slirp"))
		*net = SBX_NET_SLIRP;
	else
		return cs_error_set(
			err, 0,
			"invalid network mode '%s' (use none, host, "
			"private or slirp)",
			s);
	return 0;
}

int sbx_parse_net_opt(struct sbx_spec *spec, const char *s,
		      struct cs_error *err)
{
	if (!strcmp(s, "private:host")) {
		spec->net = SBX_NET_PRIVATE;
		spec->net_host_access = 1;
		return 0;
	}
	if (sbx_parse_net(s, &spec->net, NULL) < 0)
		return cs_error_set(err, 0,
				    "invalid network mode '%s' (use none, "
				    "host, private, private:host or slirp)",
				    s);
	spec->net_host_access = 0;
	return 0;
}

const char *sbx_net_name(enum sbx_net net)
{
	switch (net) {
	case SBX_NET_HOST:
		return "host";
	case SBX_NET_PRIVATE:
		return "private";
	case SBX_NET_SLIRP:
		return "slirp";
	case SBX_NET_NONE:
		break;
	}
	return "none";
}

int sbx_check_name(const char *name, struct cs_error *err)
{
	size_t len = strlen(name);

	if (!len || len > 64 || !isalnum((unsigned char)name[0]))
		goto bad;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			goto bad;
	}
	return 0;
bad:
	return cs_error_set(err, 0,
			    "invalid sandbox name '%s' (use letters, digits, "
			    "'_', '.', '-', starting with a letter or digit, "
			    "at most 64)",
			    name);
}

const char *sbx_state_name(enum sbx_state state)
{
	switch (state) {
	case SBX_STATE_RUNNING:
		return "running";
	case SBX_STATE_STOPPED:
		return "stopped";
	case SBX_STATE_DEAD:
		return "dead";
	}
	return "unknown";
}

void sbx_spec_copy(struct sbx_spec *dst, const struct sbx_spec *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->layers = NULL;
	dst->nlayers = 0;
	for (size_t i = 0; i < src->nlayers; i++)
		sbx_spec_add_layer(dst, src->layers[i]);
	dst->env = NULL;
	dst->nenv = 0;
	for (size_t i = 0; i < src->nenv; i++)
		sbx_spec_add_env(dst, src->env[i]);
	dst->mounts = NULL;
	dst->nmounts = 0;
	for (size_t i = 0; i < src->nmounts; i++)
		sbx_spec_add_mount(dst, src->mounts[i].src, src->mounts[i].dst,
				   src->mounts[i].ro);
	dst->workdir = src->workdir ? xstrdup(src->workdir) : NULL;
	dst->hostname = src->hostname ? xstrdup(src->hostname) : NULL;
	dst->seccomp_file =
		src->seccomp_file ? xstrdup(src->seccomp_file) : NULL;
	dst->image = src->image ? xstrdup(src->image) : NULL;
	dst->trace = src->trace ? xstrdup(src->trace) : NULL;
}
