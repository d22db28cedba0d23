// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * profile.c — `--seccomp FILE` in Docker's / the OCI runtime spec's JSON
 * format (moby/profiles seccomp/default.json): defaultAction,
 * defaultErrnoRet, and syscalls[] with names, action, errnoRet, args and
 * the includes/excludes conditions on capabilities, architectures and
 * minimum kernel.  A tiny JSON reader builds a tree (depth, size and count
 * capped: the file is untrusted input), then the rules go to libseccomp.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "sandbox/sandbox.h"
#include "sandbox/sbx_i.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_NODES 100000

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUM,
	J_STR,
	J_ARR,
	J_OBJ
};

struct jnode {
	enum jtype type;
	char *str; /* J_STR; also the key when in an object */
	char *key;
	unsigned long long num; /* J_NUM (non-negative integers), J_BOOL */
	struct jnode *kids;	/* J_ARR, J_OBJ */
	size_t nkids;
};

struct jparser {
	const char *p, *end;
	size_t nodes;
	const char *why;
};

static void jfree(struct jnode *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		jfree(&n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n->key);
}

static void skip_ws(struct jparser *jp)
{
	while (jp->p < jp->end && isspace((unsigned char)*jp->p))
		jp->p++;
}

static int jstring(struct jparser *jp, char **out)
{
	struct cs_buf b = CS_BUF_INIT;

	jp->p++; /* the opening quote */
	while (jp->p < jp->end && *jp->p != '"') {
		char c = *jp->p++;

		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			if (jp->p >= jp->end)
				goto bad;
			c = *jp->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				/* names and actions are ASCII: keep \u00XX,
				 * map anything else to '?' */
				if (jp->end - jp->p < 4)
					goto bad;
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)jp->p[i]))
						goto bad;
				c = strncmp(jp->p, "00", 2) ?
					    '?' :
					    (char)strtol((char[]){ jp->p[2],
								   jp->p[3],
								   0 },
							 NULL, 16);
				jp->p += 4;
				break;
			case '"':
			case '\\':
			case '/':
				break;
			default:
				goto bad;
			}
		}
		cs_buf_addc(&b, c);
	}
	if (jp->p >= jp->end)
		goto bad;
	jp->p++;
	*out = cs_buf_detach(&b, NULL);
	return 0;
bad:
	cs_buf_release(&b);
	jp->why = "bad string";
	return -1;
}

static int jvalue(struct jparser *jp, struct jnode *n, int depth);

static int jcontainer(struct jparser *jp, struct jnode *n, int depth,
		      char close)
{
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return 0;
	}
	for (;;) {
		struct jnode kid;
		char *key = NULL;

		memset(&kid, 0, sizeof(kid));
		skip_ws(jp);
		if (close == '}') {
			if (jp->p >= jp->end || *jp->p != '"' ||
			    jstring(jp, &key) < 0) {
				jp->why = "expected a key";
				return -1;
			}
			skip_ws(jp);
			if (jp->p >= jp->end || *jp->p++ != ':') {
				free(key);
				jp->why = "expected ':'";
				return -1;
			}
		}
		if (jvalue(jp, &kid, depth + 1) < 0) {
			free(key);
			jfree(&kid);
			return -1;
		}
		kid.key = key;
		n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
		n->kids[n->nkids++] = kid;
		skip_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			return 0;
		}
		jp->why = "expected ',' or a closing bracket";
		return -1;
	}
}

static int jvalue(struct jparser *jp, struct jnode *n, int depth)
{
	skip_ws(jp);
	if (depth > JSON_MAX_DEPTH || ++jp->nodes > JSON_MAX_NODES) {
		jp->why = "nested too deep or too large";
		return -1;
	}
	if (jp->p >= jp->end) {
		jp->why = "unexpected end";
		return -1;
	}
	switch (*jp->p) {
	case '{':
		n->type = J_OBJ;
		return jcontainer(jp, n, depth, '}');
	case '[':
		n->type = J_ARR;
		return jcontainer(jp, n, depth, ']');
	case '"':
		n->type = J_STR;
		return jstring(jp, &n->str);
	default:
		break;
	}
	if (isdigit((unsigned char)*jp->p)) {
		/* by hand, within the buffer: strtoull would read past an
		 * input that is not NUL-terminated (found by fuzzing) */
		const char *q = jp->p;
		unsigned long long v = 0;

		for (; q < jp->end && isdigit((unsigned char)*q); q++) {
			unsigned d = (unsigned)(*q - '0');

			if (v > (ULLONG_MAX - d) / 10) {
				jp->why = "number too large";
				return -1;
			}
			v = v * 10 + d;
		}
		if (q < jp->end && (*q == '.' || *q == 'e' || *q == 'E')) {
			jp->why = "numbers must be non-negative integers";
			return -1;
		}
		n->type = J_NUM;
		n->num = v;
		jp->p = q;
		return 0;
	}
	static const struct {
		const char *word;
		enum jtype type;
		unsigned long long v;
	} words[] = { { "true", J_BOOL, 1 },
		      { "false", J_BOOL, 0 },
		      { "null", J_NULL, 0 } };
	for (size_t i = 0; i < CS_ARRAY_SIZE(words); i++) {
		size_t len = strlen(words[i].word);

		if ((size_t)(jp->end - jp->p) >= len &&
		    !strncmp(jp->p, words[i].word, len)) {
			n->type = words[i].type;
			n->num = words[i].v;
			jp->p += len;
			return 0;
		}
	}
	jp->why = "unexpected character";
	return -1;
}

static const struct jnode *jget(const struct jnode *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->nkids; i++)
		if (obj->kids[i].key && !strcmp(obj->kids[i].key, key))
			return &obj->kids[i];
	return NULL;
}

static int parse_action(const char *name, unsigned long long errno_ret,
			uint32_t *act)
{
	static const struct {
		const char *name;
		uint32_t act;
	} acts[] = {
		{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
		{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
		{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL },
		{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
		{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	};

	if (!strcmp(name, "SCMP_ACT_ERRNO")) {
		*act = SCMP_ACT_ERRNO(
			(uint16_t)(errno_ret ? errno_ret : EPERM));
		return 0;
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(acts); i++) {
		if (!strcmp(name, acts[i].name)) {
			*act = acts[i].act;
			return 0;
		}
	}
	return -1;
}

static int parse_op(const char *name, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < CS_ARRAY_SIZE(ops); i++) {
		if (!strcmp(name, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return -1;
}

static int kernel_at_least(const char *want)
{
	struct utsname u;
	unsigned a = 0, b = 0, x = 0, y = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &x, &y) < 1 ||
	    sscanf(want, "%u.%u", &a, &b) < 1)
		return 1;
	return x > a || (x == a && y >= b);
}

static int arch_is_native(const char *s)
{
	static const char *const go[][2] = {
		{ "amd64", "x86_64" },
		{ "arm64", "aarch64" },
		{ "386", "x86" },
	};
	char name[32];
	size_t n = 0;

	if (!strncmp(s, "SCMP_ARCH_", 10))
		s += 10;
	for (size_t i = 0; i < CS_ARRAY_SIZE(go); i++)
		if (!strcmp(s, go[i][0]))
			s = go[i][1];
	for (; s[n] && n < sizeof(name) - 1; n++)
		name[n] = (char)tolower((unsigned char)s[n]);
	name[n] = 0;
	return seccomp_arch_resolve_name(name) == seccomp_arch_native();
}

/* Docker's includes (all must hold: every listed capability held, the
 * native arch listed, the kernel recent enough) and excludes (any one
 * holding drops the rule). */
static int cond_match(const struct jnode *cond, uint64_t caps, int all)
{
	const struct jnode *c = jget(cond, "caps"), *a = jget(cond, "arches"),
			   *k = jget(cond, "minKernel");
	int any = 0, every = 1, has;

	for (size_t i = 0; c && c->type == J_ARR && i < c->nkids; i++) {
		uint64_t m = 0;

		has = c->kids[i].type == J_STR &&
		      sbx_parse_cap(c->kids[i].str, &m, NULL) == 0 &&
		      (caps & m) == m;
		any |= has;
		every &= has;
	}
	if (a && a->type == J_ARR && a->nkids) {
		has = 0;
		for (size_t i = 0; i < a->nkids; i++)
			if (a->kids[i].type == J_STR &&
			    arch_is_native(a->kids[i].str))
				has = 1;
		any |= has;
		every &= has;
	}
	if (k && k->type == J_STR) {
		has = kernel_at_least(k->str);
		any |= has;
		every &= has;
	}
	return all ? every : any;
}

static int add_rule(scmp_filter_ctx ctx, const struct jnode *rule,
		    uint64_t caps, uint32_t defact, struct cs_error *err)
{
	const struct jnode *names = jget(rule, "names"),
			   *name = jget(rule, "name"),
			   *action = jget(rule, "action"),
			   *eret = jget(rule, "errnoRet"),
			   *args = jget(rule, "args"),
			   *inc = jget(rule, "includes"),
			   *exc = jget(rule, "excludes");
	struct scmp_arg_cmp cmp[6];
	unsigned ncmp = 0;
	uint32_t act;

	if (inc && inc->nkids && !cond_match(inc, caps, 1))
		return 0;
	if (exc && exc->nkids && cond_match(exc, caps, 0))
		return 0;
	if (!action || action->type != J_STR ||
	    parse_action(action->str, eret ? eret->num : 0, &act) < 0)
		return cs_error_set(err, 0, "a rule has no valid \"action\"");
	if (act == defact)
		return 0;
	for (size_t i = 0; args && args->type == J_ARR && i < args->nkids;
	     i++) {
		const struct jnode *a = &args->kids[i], *idx = jget(a, "index"),
				   *v = jget(a, "value"),
				   *v2 = jget(a, "valueTwo"),
				   *op = jget(a, "op");
		enum scmp_compare o;

		if (ncmp >= 6 || !idx || idx->num > 5 || !op ||
		    op->type != J_STR || parse_op(op->str, &o) < 0)
			return cs_error_set(err, 0,
					    "a rule has a bad \"args\" entry");
		cmp[ncmp++] = (struct scmp_arg_cmp){ (unsigned)idx->num, o,
						     v ? v->num : 0,
						     v2 ? v2->num : 0 };
	}
	for (size_t i = 0; i < (names ? names->nkids : 1); i++) {
		const struct jnode *nm = names ? &names->kids[i] : name;
		int nr, r;

		if (!nm || nm->type != J_STR)
			return cs_error_set(err, 0, "a rule has no \"names\"");
		nr = seccomp_syscall_resolve_name(nm->str);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture / libseccomp */
		r = seccomp_rule_add_array(ctx, act, nr, ncmp,
					   ncmp ? cmp : NULL);
		if (r < 0 && r != -EEXIST && r != -EDOM && r != -EOPNOTSUPP)
			return cs_error_set(err, -r, "rule for '%s'", nm->str);
	}
	return 0;
}

int sbx_profile_build(const char *text, size_t len, uint64_t caps, void **out,
		      struct cs_error *err)
{
	struct jparser jp = { text, text + len, 0, NULL };
	struct jnode root;
	const struct jnode *def, *deret, *rules;
	uint32_t defact;
	scmp_filter_ctx ctx = NULL;
	int r = -1;

	memset(&root, 0, sizeof(root));
	if (jvalue(&jp, &root, 0) < 0) {
		cs_error_set(err, 0, "invalid JSON at byte %zu: %s",
			     (size_t)(jp.p - text), jp.why);
		goto out;
	}
	skip_ws(&jp);
	if (jp.p != jp.end || root.type != J_OBJ) {
		cs_error_set(err, 0, "invalid JSON: not one object");
		goto out;
	}
	def = jget(&root, "defaultAction");
	deret = jget(&root, "defaultErrnoRet");
	if (!def || def->type != J_STR ||
	    parse_action(def->str, deret ? deret->num : 0, &defact) < 0) {
		cs_error_set(err, 0, "no valid \"defaultAction\"");
		goto out;
	}
	ctx = seccomp_init(defact);
	if (!ctx) {
		cs_error_set(err, ENOMEM, "seccomp_init");
		goto out;
	}
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	rules = jget(&root, "syscalls");
	for (size_t i = 0; rules && rules->type == J_ARR && i < rules->nkids;
	     i++)
		if (add_rule(ctx, &rules->kids[i], caps, defact, err) < 0)
			goto out;
	*out = ctx;
	ctx = NULL;
	r = 0;
out:
	if (ctx)
		seccomp_release(ctx);
	jfree(&root);
	return r;
}
