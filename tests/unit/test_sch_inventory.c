// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sch_inventory.c — the hosts inventory: field checks (a destination
 * is never an ssh option), parsing with line numbers, format/parse round
 * trip, add/rm on disk (duplicates and bad fields leave the file as it
 * was), target specs, quoting for the remote sh, the ssh command line and
 * the control socket path limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/scheduler.h"
#include "tests/unit/ut_tmp.h"

static char *tmp;

static int setup_dirs(void **state)
{
	(void)state;
	tmp = ut_tmpdir("test_sch");
	if (!tmp)
		return -1;
	ut_setenv_in(tmp, "CSHELL_CONFIG_DIR", "c");
	ut_setenv_in(tmp, "CSHELL_RUNTIME_DIR", "r");
	ut_setenv_in(tmp, "CSHELL_DATA_DIR", "d");
	return 0;
}

static int teardown_dirs(void **state)
{
	int r = ut_rmtree(tmp);

	(void)state;
	free(tmp);
	return r;
}

static void test_check_fields(void **state)
{
	static const char *good_dest[] = {
		"h",
		"user@host",
		"u@h:22",
		"10.0.0.1",
		"[::1]:2222",
		"fe80::1",
		"my-alias.example",
		"a_b@x.y-z:65535",
	};
	static const char *bad_dest[] = {
		"",	   "-oProxyCommand=x",
		"u@-h",	   "h:0",
		"h:65536", "h:2x",
		"a b",	   "h;rm",
		"[::1",	   "[zz]:1",
		"@h",	   ".h",
		"u@",	   "h:",
		"$(x)",	   "h\n",
	};
	static const char *bad_name[] = {
		"",
		"-a",
		".a",
		"a b",
		"a/b",
		"all",
		"host",
		"a*",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	for (size_t i = 0; i < CS_ARRAY_SIZE(good_dest); i++)
		assert_int_equal(sch_check_dest(good_dest[i], NULL), 0);
	for (size_t i = 0; i < CS_ARRAY_SIZE(bad_dest); i++) {
		assert_true(sch_check_dest(bad_dest[i], &err) < 0);
		assert_non_null(err.msg);
		cs_error_release(&err);
	}
	for (size_t i = 0; i < CS_ARRAY_SIZE(bad_name); i++)
		assert_true(sch_check_name(bad_name[i], NULL) < 0);
	assert_int_equal(sch_check_name("web-1.fra_2", NULL), 0);
	assert_int_equal(sch_check_label("role=web", NULL), 0);
	assert_int_equal(sch_check_label("empty=", NULL), 0);
	assert_true(sch_check_label("=x", NULL) < 0);
	assert_true(sch_check_label("novalue", NULL) < 0);
	assert_true(sch_check_label("k=a b", NULL) < 0);
}

static void test_dest_split(void **state)
{
	char *u, *h;
	int p;

	(void)state;
	assert_int_equal(
		sch_dest_split("deploy@10.0.0.1:2200", &u, &h, &p, NULL), 0);
	assert_string_equal(u, "deploy");
	assert_string_equal(h, "10.0.0.1");
	assert_int_equal(p, 2200);
	free(u);
	free(h);
	assert_int_equal(sch_dest_split("[fe80::1]:22", &u, &h, &p, NULL), 0);
	assert_null(u);
	assert_string_equal(h, "fe80::1");
	assert_int_equal(p, 22);
	free(h);
	assert_int_equal(sch_dest_split("alias", &u, &h, &p, NULL), 0);
	assert_null(u);
	assert_string_equal(h, "alias");
	assert_int_equal(p, 0);
	free(h);
}

static void test_parse(void **state)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"web1 deploy@10.0.0.11 role=web dc=fra\n"
		"  web2\tdeploy@10.0.0.12:2222   role=web # trailing\n"
		"db1 dbalias role=db";
	struct sch_inventory inv, inv2;
	struct cs_error err = CS_ERROR_INIT;
	char *out;

	(void)state;
	assert_int_equal(sch_inventory_parse(&inv, text, strlen(text), &err),
			 0);
	assert_int_equal(inv.n, 3);
	assert_string_equal(inv.hosts[1].name, "web2");
	assert_string_equal(inv.hosts[1].dest, "deploy@10.0.0.12:2222");
	assert_int_equal(inv.hosts[1].nlabels, 1);
	assert_string_equal(sch_host_label(&inv.hosts[0], "dc"), "fra");
	assert_null(sch_host_label(&inv.hosts[0], "d"));
	out = sch_inventory_format(&inv);
	assert_int_equal(sch_inventory_parse(&inv2, out, strlen(out), NULL), 0);
	assert_int_equal(inv2.n, 3);
	assert_string_equal(inv2.hosts[0].labels[1], "dc=fra");
	free(out);
	sch_inventory_release(&inv2);
	sch_inventory_release(&inv);

	/* errors name the line */
	assert_true(sch_inventory_parse(&inv, "a h\nb\n", 6, &err) < 0);
	assert_non_null(strstr(err.msg, "line 2"));
	cs_error_release(&err);
	assert_true(sch_inventory_parse(&inv, "a h\na h2\n", 9, &err) < 0);
	assert_non_null(strstr(err.msg, "already"));
	cs_error_release(&err);
	assert_true(sch_inventory_parse(&inv, "a h x\n", 6, &err) < 0);
	cs_error_release(&err);
	assert_true(sch_inventory_parse(&inv, "a h k=v k=w\n", 12, &err) < 0);
	cs_error_release(&err);
	assert_true(sch_inventory_parse(&inv, "a h\0b c\n", 8, &err) < 0);
	assert_non_null(strstr(err.msg, "NUL"));
	cs_error_release(&err);
	assert_int_equal(inv.n, 0);
}

static void test_add_rm(void **state)
{
	char *labels[] = { "role=web" };
	struct cs_error err = CS_ERROR_INIT;
	struct sch_inventory inv;
	struct cs_buf before = CS_BUF_INIT, after = CS_BUF_INIT;
	char *path = xasprintf("%s/c/hosts", tmp);

	(void)state;
	assert_int_equal(sch_inventory_load(&inv, NULL), 0); /* no file yet */
	assert_int_equal(inv.n, 0);
	assert_int_equal(sch_host_add("web1", "u@10.0.0.1", labels, 1, &err),
			 0);
	assert_int_equal(sch_host_add("web2", "u@10.0.0.2", NULL, 0, &err), 0);
	assert_int_equal(cs_read_file(path, &before, 0, NULL), 0);

	assert_true(sch_host_add("web1", "u@10.0.0.3", NULL, 0, &err) < 0);
	assert_string_equal(err.msg, "host 'web1' is already in the inventory");
	cs_error_release(&err);
	assert_true(sch_host_add("web3", "-oProxyCommand=sh", NULL, 0, &err) <
		    0);
	cs_error_release(&err);
	assert_true(sch_host_rm("nope", &err) < 0);
	assert_string_equal(err.msg, "no host 'nope' in the inventory");
	cs_error_release(&err);
	assert_int_equal(cs_read_file(path, &after, 0, NULL), 0);
	assert_string_equal(before.buf, after.buf);

	assert_int_equal(sch_host_rm("web1", &err), 0);
	assert_int_equal(sch_inventory_load(&inv, NULL), 0);
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.hosts[0].name, "web2");
	sch_inventory_release(&inv);
	assert_int_equal(sch_host_rm("web2", &err), 0);
	cs_buf_release(&before);
	cs_buf_release(&after);
	free(path);
}

static void test_match(void **state)
{
	static const char text[] = "web1 a role=web dc=fra\n"
				   "web2 b role=web dc=ams\n"
				   "db1 c role=db dc=fra\n"
				   "web10 d\n";
	struct sch_inventory inv;
	struct cs_error err = CS_ERROR_INIT;
	size_t *idx;

	(void)state;
	assert_int_equal(sch_inventory_parse(&inv, text, strlen(text), NULL),
			 0);
	assert_int_equal(sch_match(&inv, "all", &idx, NULL), 4);
	free(idx);
	assert_int_equal(sch_match(&inv, "web*", &idx, NULL), 3);
	assert_int_equal(idx[2], 3);
	free(idx);
	assert_int_equal(sch_match(&inv, "role=web", &idx, NULL), 2);
	free(idx);
	assert_int_equal(sch_match(&inv, "dc=fra,web2", &idx, NULL), 3);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(idx[2], 2);
	free(idx);
	/* duplicates once, inventory order */
	assert_int_equal(sch_match(&inv, "db1,db1,web1", &idx, NULL), 2);
	assert_int_equal(idx[0], 0);
	free(idx);
	assert_int_equal(sch_match(&inv, "dc=a*", &idx, NULL), 1);
	free(idx);
	assert_true(sch_match(&inv, "nope", &idx, &err) < 0);
	assert_string_equal(err.msg, "unknown host 'nope' (see 'host ls')");
	cs_error_release(&err);
	assert_true(sch_match(&inv, "x*", &idx, &err) < 0);
	assert_string_equal(err.msg, "no host matches 'x*'");
	cs_error_release(&err);
	assert_true(sch_match(&inv, "web1,,db1", &idx, &err) < 0);
	cs_error_release(&err);
	assert_false(sch_spec_valid(""));
	assert_false(sch_spec_valid("a;b"));
	assert_false(sch_spec_valid("a,"));
	assert_true(sch_spec_valid("role=web,db*"));
	sch_inventory_release(&inv);
}

static void test_quote(void **state)
{
	char *argv[] = { "echo", "a b", "it's", "", "$HOME", NULL };
	char *q;

	(void)state;
	q = sch_quote_argv(argv);
	assert_string_equal(q, "echo 'a b' 'it'\\''s' '' '$HOME'");
	free(q);
	q = sch_quote("plain-word_1.2/x");
	assert_string_equal(q, "plain-word_1.2/x");
	free(q);
}

/* How many words of v start with prefix. */
static int count_prefix(char **v, const char *prefix)
{
	int k = 0;

	for (size_t i = 0; v[i]; i++)
		k += !strncmp(v[i], prefix, strlen(prefix));
	return k;
}

static void test_ssh_argv(void **state)
{
	struct sch_host h = { "web1", "deploy@10.0.0.1:2222", NULL, 0 };
	struct sch_ssh_opts o = { .connect_timeout = 3 };
	char **v, *s;
	size_t n;
	int has_master = 0;

	(void)state;
	v = sch_ssh_argv(&h, "echo 'x'", &o, NULL);
	assert_non_null(v);
	for (n = 0; v[n]; n++)
		if (!strncmp(v[n], "-oControlPath=", 14)) {
			has_master = 1;
			assert_non_null(strstr(v[n], "/ssh/web1.sock"));
		}
	assert_true(has_master);
	assert_string_equal(v[n - 1], "exec /bin/sh -c 'echo '\\''x'\\'''");
	assert_string_equal(v[n - 2], "10.0.0.1");
	assert_string_equal(v[n - 3], "--");
	/* the key exchange is ssh's (and the user's config's) choice */
	assert_int_equal(count_prefix(v, "-oKexAlgorithms"), 0);
	sch_argv_free(v);

	/* CSHELL_SSH_KEX: a list of one's own; empty is ssh's choice */
	setenv("CSHELL_SSH_KEX", "sntrup761x25519-sha512@openssh.com", 1);
	v = sch_ssh_argv(&h, "true", &o, NULL);
	assert_int_equal(count_prefix(v, "-oKexAlgorithms="
					 "sntrup761x25519-sha512@openssh.com"),
			 1);
	sch_argv_free(v);
	setenv("CSHELL_SSH_KEX", "", 1);
	v = sch_ssh_argv(&h, "true", &o, NULL);
	assert_int_equal(count_prefix(v, "-oKexAlgorithms"), 0);
	sch_argv_free(v);
	unsetenv("CSHELL_SSH_KEX");

	/* a runtime root too long for sun_path: no master, still works */
	s = xasprintf("%s/r/%0100d", tmp, 0);
	setenv("CSHELL_RUNTIME_DIR", s, 1);
	assert_null(sch_control_path("web1", NULL));
	v = sch_ssh_argv(&h, "true", &o, NULL);
	for (n = 0; v[n]; n++)
		if (!strcmp(v[n], "-oControlPath=none"))
			has_master = 0;
	assert_false(has_master);
	sch_argv_free(v);
	free(s);
	s = xasprintf("%s/r", tmp);
	setenv("CSHELL_RUNTIME_DIR", s, 1);
	free(s);
}

/* the placement record: where remote sandboxes live */
static void test_remotes(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct sch_remotes r;
	struct sch_remote a = { "web", "h1", 1500, 1024 },
			  b = { "db", "h2", 0, 0 }, dup = { "web", "h3", 0, 0 };
	char *words[] = { "create", "x y", "it's", NULL }, *none[] = { NULL };
	char *cmd;

	(void)state;
	assert_int_equal(sch_remotes_load(&r, &err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(sch_remote_add(&a, &err), 0);
	assert_int_equal(sch_remote_add(&b, &err), 0);
	assert_int_equal(sch_remote_add(&dup, &err), -1);
	assert_string_equal(err.msg,
			    "a sandbox 'web' is already placed on host 'h1'");
	cs_error_release(&err);
	assert_int_equal(sch_remotes_load(&r, &err), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(sch_remotes_find(&r, "web")->host, "h1");
	assert_int_equal(sch_remotes_find(&r, "web")->cpus_milli, 1500);
	assert_int_equal(sch_remotes_find(&r, "web")->mem_kb, 1024);
	assert_null(sch_remotes_find(&r, "h1"));
	sch_remotes_release(&r);
	/* another host's web is not this one */
	assert_int_equal(sch_remote_rm("web", "h2", &err), 0);
	assert_int_equal(sch_remotes_load(&r, &err), 0);
	assert_int_equal(r.n, 2);
	sch_remotes_release(&r);
	assert_int_equal(sch_remote_rm("web", "h1", &err), 0);
	assert_int_equal(sch_remote_rm("nosuch", "h1", &err), 0);
	assert_int_equal(sch_remotes_load(&r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].sandbox, "db");
	sch_remotes_release(&r);

	cmd = sch_remote_cshell("sandbox", words);
	assert_string_equal(cmd, "cshell -c 'sandbox \"$@\"' cshell create "
				 "'x y' 'it'\\''s'");
	free(cmd);
	cmd = sch_remote_cshell("sandbox", none);
	assert_string_equal(cmd, "cshell -c 'sandbox \"$@\"' cshell");
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_fields),
		cmocka_unit_test(test_dest_split),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_add_rm),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_ssh_argv),
		cmocka_unit_test(test_remotes),
	};

	return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
