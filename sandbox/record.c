// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * record.c — the sandbox record: struct sbx_info to and from its on-disk
 * form, and to JSON for `sandbox ls/inspect --json`.
 *
 * The record is "key=value" lines, the first one "version=N".  Values are
 * escaped (\\, \n, \t) so any path or env value round-trips; repeated keys
 * (layer, mount, env) keep their order; unknown keys are ignored so newer
 * writers can add fields, and a newer major version is refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

void sbx_info_release(struct sbx_info *info)
{
	sbx_spec_release(&info->spec);
	free(info->rootfs);
	free(info->upper);
	free(info->rootfs_mode);
	free(info->cgroup_v2);
	free(info->cgroup_v1);
	free(info->seccomp_bpf);
	memset(info, 0, sizeof(*info));
	sbx_spec_init(&info->spec);
}

static void put(struct cs_buf *out, const char *key, const char *val)
{
	if (!val)
		return;
	cs_buf_adds(out, key);
	cs_buf_addc(out, '=');
	for (const char *p = val; *p; p++) {
		if (*p == '\\')
			cs_buf_adds(out, "\\\\");
		else if (*p == '\n')
			cs_buf_adds(out, "\\n");
		else if (*p == '\t')
			cs_buf_adds(out, "\\t");
		else
			cs_buf_addc(out, *p);
	}
	cs_buf_addc(out, '\n');
}

static void putu(struct cs_buf *out, const char *key, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	put(out, key, num);
}

static void puti(struct cs_buf *out, const char *key, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	put(out, key, num);
}

const char *sbx_backend_name(enum sbx_backend b)
{
	switch (b) {
	case SBX_BACKEND_VM:
		return "vm";
	case SBX_BACKEND_REMOTE:
		return "remote";
	case SBX_BACKEND_NS:
		break;
	}
	return "ns";
}

static const char *seccomp_name(const struct sbx_spec *s)
{
	switch (s->seccomp) {
	case SBX_SECCOMP_UNCONFINED:
		return "unconfined";
	case SBX_SECCOMP_FILE:
		return "file";
	case SBX_SECCOMP_DEFAULT:
		break;
	}
	return "default";
}

int sbx_info_format(const struct sbx_info *info, struct cs_buf *out)
{
	const struct sbx_spec *s = &info->spec;

	puti(out, "version", SBX_RECORD_VERSION);
	put(out, "name", s->name);
	put(out, "backend", sbx_backend_name(s->backend));
	put(out, "state",
	    sbx_state_name(info->state == SBX_STATE_DEAD ? SBX_STATE_RUNNING :
							   info->state));
	puti(out, "init_pid", info->init_pid);
	putu(out, "init_start", info->init_start);
	puti(out, "fs_pid", info->fs_pid);
	putu(out, "fs_start", info->fs_start);
	puti(out, "userns", info->userns);
	puti(out, "ns_flags", info->ns_flags);
	putu(out, "caps", info->caps);
	put(out, "rootfs", info->rootfs);
	put(out, "rootfs_mode", info->rootfs_mode);
	put(out, "upper", info->upper);
	put(out, "cgroup_v2", info->cgroup_v2);
	put(out, "cgroup_v1", info->cgroup_v1);
	put(out, "seccomp_bpf", info->seccomp_bpf);
	puti(out, "created", info->created);
	puti(out, "ephemeral", info->ephemeral);
	for (size_t i = 0; i < s->nlayers; i++)
		put(out, "layer", s->layers[i]);
	for (size_t i = 0; i < s->nmounts; i++) {
		put(out, "mount_src", s->mounts[i].src);
		put(out, "mount_dst", s->mounts[i].dst);
		puti(out, "mount_ro", s->mounts[i].ro);
	}
	for (size_t i = 0; i < s->nenv; i++)
		put(out, "env", s->env[i]);
	put(out, "workdir", s->workdir);
	put(out, "hostname", s->hostname);
	puti(out, "uid", s->uid);
	puti(out, "gid", s->gid);
	putu(out, "cpus_milli", s->cpus_milli);
	putu(out, "memory", s->memory);
	putu(out, "pids", s->pids);
	put(out, "net", sbx_net_name(s->net));
	puti(out, "net_host_access", s->net_host_access);
	putu(out, "cap_add", s->cap_add);
	putu(out, "cap_drop", s->cap_drop);
	put(out, "seccomp", seccomp_name(s));
	put(out, "seccomp_file", s->seccomp_file);
	puti(out, "read_only", s->read_only);
	put(out, "image", s->image);
	put(out, "trace", s->trace);
	return 0;
}

static char *unescape(const char *v, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len) {
			i++;
			*o++ = v[i] == 'n' ? '\n' : v[i] == 't' ? '\t' : v[i];
		} else {
			*o++ = v[i];
		}
	}
	*o = 0;
	return out;
}

static int num(const char *v, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return (errno || end == v || *end) ? -1 : 0;
}

static int unum(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return (errno || end == v || *end || *v == '-') ? -1 : 0;
}

static void set_str(char **field, char *val)
{
	free(*field);
	*field = val;
}

/* Applies one key; returns -1 when the value is malformed. */
static int apply(struct sbx_info *info, const char *key, char *val,
		 long long *version)
{
	struct sbx_spec *s = &info->spec;
	long long n = 0;
	uint64_t u = 0;
	int isnum = num(val, &n) == 0;
	int isunum = unum(val, &u) == 0;

#define STR(k, field)                                                          \
	if (!strcmp(key, k)) {                                                 \
		set_str(&(field), val);                                        \
		return 0;                                                      \
	}
#define INT(k, field)                                                          \
	if (!strcmp(key, k)) {                                                 \
		free(val);                                                     \
		if (!isnum)                                                    \
			return -1;                                             \
		(field) = n;                                                   \
		return 0;                                                      \
	}
#define UINT(k, field)                                                         \
	if (!strcmp(key, k)) {                                                 \
		free(val);                                                     \
		if (!isunum)                                                   \
			return -1;                                             \
		(field) = u;                                                   \
		return 0;                                                      \
	}
	INT("version", *version);
	STR("name", s->name);
	STR("rootfs", info->rootfs);
	STR("rootfs_mode", info->rootfs_mode);
	STR("upper", info->upper);
	STR("cgroup_v2", info->cgroup_v2);
	STR("cgroup_v1", info->cgroup_v1);
	STR("seccomp_bpf", info->seccomp_bpf);
	STR("workdir", s->workdir);
	STR("hostname", s->hostname);
	STR("seccomp_file", s->seccomp_file);
	STR("image", s->image);
	STR("trace", s->trace);
	INT("init_pid", info->init_pid);
	UINT("init_start", info->init_start);
	INT("fs_pid", info->fs_pid);
	UINT("fs_start", info->fs_start);
	INT("userns", info->userns);
	INT("ns_flags", info->ns_flags);
	UINT("caps", info->caps);
	INT("created", info->created);
	INT("ephemeral", info->ephemeral);
	INT("uid", s->uid);
	INT("gid", s->gid);
	UINT("cpus_milli", s->cpus_milli);
	UINT("memory", s->memory);
	UINT("pids", s->pids);
	UINT("cap_add", s->cap_add);
	UINT("cap_drop", s->cap_drop);
	INT("read_only", s->read_only);
	INT("net_host_access", s->net_host_access);
#undef STR
#undef INT
#undef UINT
	if (!strcmp(key, "layer")) {
		sbx_spec_add_layer(s, val);
	} else if (!strcmp(key, "env")) {
		sbx_spec_add_env(s, val);
	} else if (!strcmp(key, "mount_src")) {
		sbx_spec_add_mount(s, val, "", 0);
	} else if (!strcmp(key, "mount_dst") || !strcmp(key, "mount_ro")) {
		if (!s->nmounts) {
			free(val);
			return -1;
		}
		if (key[6] == 'd') {
			set_str(&s->mounts[s->nmounts - 1].dst, val);
			return 0;
		}
		s->mounts[s->nmounts - 1].ro = isnum && n;
	} else if (!strcmp(key, "backend")) {
		/* an unknown backend is never taken for a namespace sandbox:
		 * joining or stopping it as one would act on the wrong thing */
		if (!strcmp(val, "ns"))
			s->backend = SBX_BACKEND_NS;
		else if (!strcmp(val, "vm"))
			s->backend = SBX_BACKEND_VM;
		else if (!strcmp(val, "remote"))
			s->backend = SBX_BACKEND_REMOTE;
		else {
			free(val);
			return -2;
		}
	} else if (!strcmp(key, "state")) {
		info->state = !strcmp(val, "running") ? SBX_STATE_RUNNING :
							SBX_STATE_STOPPED;
	} else if (!strcmp(key, "net")) {
		if (sbx_parse_net(val, &s->net, NULL) < 0) {
			free(val);
			return -1;
		}
	} else if (!strcmp(key, "seccomp")) {
		s->seccomp = !strcmp(val, "unconfined") ?
				     SBX_SECCOMP_UNCONFINED :
			     !strcmp(val, "file") ? SBX_SECCOMP_FILE :
						    SBX_SECCOMP_DEFAULT;
	}
	free(val);
	return 0;
}

int sbx_info_parse(struct sbx_info *info, const char *text,
		   struct cs_error *err)
{
	long long version = -1;
	int lineno = 0, r;

	sbx_spec_init(&info->spec);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		_cleanup_free_ char *key = NULL;

		lineno++;
		if (len) {
			if (!eq || eq == p)
				return cs_error_set(err, 0,
						    "malformed record line %d",
						    lineno);
			key = xstrndup(p, (size_t)(eq - p));
			r = apply(info, key,
				  unescape(eq + 1, len - (size_t)(eq - p) - 1),
				  &version);
			if (r == -2)
				return cs_error_set(
					err, 0,
					"unknown backend '%.*s' "
					"(written by a newer "
					"cshell?)",
					(int)(len - (size_t)(eq - p) - 1),
					eq + 1);
			if (r < 0)
				return cs_error_set(err, 0,
						    "malformed record line %d "
						    "('%s')",
						    lineno, key);
			if (lineno == 1 && strcmp(key, "version"))
				return cs_error_set(err, 0,
						    "record has no version");
		}
		p += len + (nl ? 1 : 0);
	}
	if (version < 1)
		return cs_error_set(err, 0, "record has no version");
	if (version > SBX_RECORD_VERSION)
		return cs_error_set(err, 0,
				    "record version %lld is newer than this "
				    "cshell understands (%d); upgrade cshell",
				    version, SBX_RECORD_VERSION);
	if (!info->spec.name)
		return cs_error_set(err, 0, "record has no name");
	return 0;
}

static void json_str(struct cs_buf *out, const char *s)
{
	if (!s) {
		cs_buf_adds(out, "null");
		return;
	}
	cs_buf_addc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			cs_buf_addf(out, "\\%c", *p);
		else if (*p == '\n')
			cs_buf_adds(out, "\\n");
		else if (*p == '\t')
			cs_buf_adds(out, "\\t");
		else if (*p < 0x20)
			cs_buf_addf(out, "\\u%04x", *p);
		else
			cs_buf_addc(out, (char)*p);
	}
	cs_buf_addc(out, '"');
}

static void json_key(struct cs_buf *out, const char *key)
{
	cs_buf_addf(out, "%s\"%s\":",
		    out->len && out->buf[out->len - 1] != '{' ? "," : "", key);
}

static void json_strv(struct cs_buf *out, char **v, size_t n)
{
	cs_buf_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			cs_buf_addc(out, ',');
		json_str(out, v[i]);
	}
	cs_buf_addc(out, ']');
}

static void json_caps(struct cs_buf *out, uint64_t caps)
{
	int first = 1;

	cs_buf_addc(out, '[');
	for (int i = 0; i <= sbx_cap_last(); i++) {
		if (!(caps & (1ULL << i)))
			continue;
		if (!first)
			cs_buf_addc(out, ',');
		first = 0;
		cs_buf_adds(out, "\"CAP_");
		for (const char *p = sbx_cap_name(i); *p; p++)
			cs_buf_addc(
				out,
				(char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
		cs_buf_addc(out, '"');
	}
	cs_buf_addc(out, ']');
}

void sbx_info_json(const struct sbx_info *info, struct cs_buf *out)
{
	const struct sbx_spec *s = &info->spec;

	cs_buf_addc(out, '{');
	json_key(out, "name");
	json_str(out, s->name);
	json_key(out, "backend");
	json_str(out, sbx_backend_name(s->backend));
	json_key(out, "state");
	json_str(out, sbx_state_name(info->state));
	if (info->dead_reason) {
		json_key(out, "dead_reason");
		json_str(out, info->dead_reason);
	}
	json_key(out, "pid");
	cs_buf_addf(out, "%d", (int)info->init_pid);
	json_key(out, "created");
	cs_buf_addf(out, "%lld", info->created);
	json_key(out, "ephemeral");
	cs_buf_adds(out, info->ephemeral ? "true" : "false");
	json_key(out, "image");
	json_str(out, s->image);
	json_key(out, "trace");
	json_str(out, s->trace);
	json_key(out, "layers");
	json_strv(out, s->layers, s->nlayers);
	json_key(out, "rootfs");
	json_str(out, info->rootfs);
	json_key(out, "rootfs_mode");
	json_str(out, info->rootfs_mode);
	json_key(out, "upper");
	json_str(out, info->upper);
	json_key(out, "mounts");
	cs_buf_addc(out, '[');
	for (size_t i = 0; i < s->nmounts; i++) {
		cs_buf_adds(out, i ? ",{" : "{");
		json_key(out, "src");
		json_str(out, s->mounts[i].src);
		json_key(out, "dst");
		json_str(out, s->mounts[i].dst);
		json_key(out, "ro");
		cs_buf_adds(out, s->mounts[i].ro ? "true}" : "false}");
	}
	cs_buf_addc(out, ']');
	json_key(out, "env");
	json_strv(out, s->env, s->nenv);
	json_key(out, "workdir");
	json_str(out, s->workdir ? s->workdir : "/");
	json_key(out, "hostname");
	json_str(out, s->hostname ? s->hostname : s->name);
	json_key(out, "uid");
	cs_buf_addf(out, "%ld", s->uid < 0 ? 0 : s->uid);
	json_key(out, "gid");
	cs_buf_addf(out, "%ld", s->gid < 0 ? 0 : s->gid);
	json_key(out, "cpus");
	cs_buf_addf(out, "%" PRIu64 ".%03" PRIu64, s->cpus_milli / 1000,
		    s->cpus_milli % 1000);
	json_key(out, "memory");
	cs_buf_addf(out, "%" PRIu64, s->memory);
	json_key(out, "pids");
	cs_buf_addf(out, "%" PRIu64, s->pids);
	json_key(out, "net");
	json_str(out, sbx_net_name(s->net));
	json_key(out, "net_host_access");
	cs_buf_adds(out, s->net_host_access ? "true" : "false");
	json_key(out, "capabilities");
	json_caps(out, info->caps);
	json_key(out, "seccomp");
	json_str(out, seccomp_name(s));
	json_key(out, "read_only");
	cs_buf_adds(out, s->read_only ? "true" : "false");
	json_key(out, "userns");
	cs_buf_adds(out, info->userns ? "true" : "false");
	json_key(out, "cgroup_v2");
	json_str(out, info->cgroup_v2);
	cs_buf_addc(out, '}');
}
