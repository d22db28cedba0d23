// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_ovl_config.c — unit tests of the cshell-fs command line: the
 * fuse-overlayfs option string (layers, escapes, ignored and passed-on
 * options), argv handling and its errors, and the whiteout name helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "overlayfs/overlayfs.h"

static void test_layers(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(
		ovl_config_parse(
			&c, "lowerdir=/a:/b\\:c::/d,upperdir=/u,workdir=/w",
			&err),
		0);
	assert_int_equal(c.nlower, 3);
	assert_string_equal(c.lowers[0], "/a");
	assert_string_equal(c.lowers[1], "/b:c");
	assert_string_equal(c.lowers[2], "/d");
	assert_string_equal(c.upper, "/u");
	assert_string_equal(c.work, "/w");
	/* a later lowerdir replaces the earlier one */
	assert_int_equal(ovl_config_parse(&c, "lowerdir=/x", &err), 0);
	assert_int_equal(c.nlower, 1);
	assert_string_equal(c.lowers[0], "/x");
	ovl_config_release(&c);
}

static void test_escaped_comma(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(ovl_config_parse(&c, "lowerdir=/a\\,b,fsname=x", &err),
			 0);
	assert_int_equal(c.nlower, 1);
	assert_string_equal(c.lowers[0], "/a,b");
	assert_string_equal(c.fsname, "x");
	ovl_config_release(&c);
}

static void test_other_options(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(
		ovl_config_parse(
			&c,
			"lowerdir=/l,allow_other,squash_to_root,ro,nosuid,timeout=2.5",
			&err),
		0);
	assert_true(c.allow_other);
	assert_true(c.timeout > 2.4 && c.timeout < 2.6);
	assert_string_equal(c.fuse_opts.buf, "ro,nosuid");
	assert_int_equal(ovl_config_parse(&c, "timeout=soon", &err), -1);
	assert_non_null(strstr(err.msg, "soon"));
	cs_error_release(&err);
	assert_false(c.oci_whiteouts);
	assert_int_equal(ovl_config_parse(&c, "whiteout=oci", &err), 0);
	assert_true(c.oci_whiteouts);
	assert_int_equal(ovl_config_parse(&c, "whiteout=both", &err), -1);
	cs_error_release(&err);
	assert_int_equal(ovl_config_parse(&c, "lowerdir=", &err), -1);
	cs_error_release(&err);
	ovl_config_release(&c);
}

/* fuse-overlayfs's fsync=0 and the kernel's volatile turn syncing off. */
static void test_nosync(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_true(c.fsync);
	assert_int_equal(ovl_config_parse(&c, "lowerdir=/l,fsync=0", &err), 0);
	assert_false(c.fsync);
	assert_int_equal(ovl_config_parse(&c, "fsync=1", &err), 0);
	assert_true(c.fsync);
	assert_int_equal(ovl_config_parse(&c, "volatile", &err), 0);
	assert_false(c.fsync);
	assert_int_equal(c.fuse_opts.len, 0); /* neither reaches the kernel */
	assert_int_equal(ovl_config_parse(&c, "fsync=no", &err), -1);
	assert_non_null(strstr(err.msg, "fsync"));
	cs_error_release(&err);
	assert_int_equal(ovl_config_parse(&c, "volatile=1", &err), -1);
	cs_error_release(&err);
	ovl_config_release(&c);
}

/* live=0|1 (issue 19); unset it is decided per layer (-1). */
static void test_live(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(c.live, -1);
	assert_int_equal(ovl_config_parse(&c, "lowerdir=/,live=0", &err), 0);
	assert_int_equal(c.live, 0);
	assert_int_equal(ovl_config_parse(&c, "live=1", &err), 0);
	assert_int_equal(c.live, 1);
	assert_int_equal(c.fuse_opts.len, 0);
	assert_int_equal(ovl_config_parse(&c, "live=yes", &err), -1);
	assert_non_null(strstr(err.msg, "live"));
	cs_error_release(&err);
	ovl_config_release(&c);
}

static int args(const char *const *v, int n, struct ovl_config *c, char **mnt,
		struct cs_error *err)
{
	return ovl_config_from_args(c, n, (char **)v, mnt, err);
}

static void test_argv(void **state)
{
	static const char *const ok[] = { "cshell-fs",	 "-o",
					  "lowerdir=/l", "-f",
					  "-ofsname=n",	 "/mnt" };
	static const char *const nomnt[] = { "cshell-fs", "-o", "lowerdir=/l" };
	static const char *const nolower[] = { "cshell-fs", "/mnt" };
	static const char *const half[] = { "cshell-fs", "-o",
					    "lowerdir=/l,upperdir=/u", "/m" };
	static const char *const help[] = { "cshell-fs", "--help" };
	static const char *const bad[] = { "cshell-fs", "-x", "/m" };
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;
	char *mnt = NULL;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(args(ok, 6, &c, &mnt, &err), 0);
	assert_string_equal(mnt, "/mnt");
	assert_true(c.foreground);
	assert_string_equal(c.fsname, "n");
	free(mnt);
	ovl_config_release(&c);

	ovl_config_init(&c);
	assert_int_equal(args(nomnt, 3, &c, &mnt, &err), -1);
	cs_error_release(&err);
	ovl_config_release(&c);
	ovl_config_init(&c);
	assert_int_equal(args(nolower, 2, &c, &mnt, &err), -1);
	assert_non_null(strstr(err.msg, "lowerdir"));
	cs_error_release(&err);
	free(mnt);
	ovl_config_release(&c);
	ovl_config_init(&c);
	assert_int_equal(args(half, 4, &c, &mnt, &err), -1);
	assert_non_null(strstr(err.msg, "workdir"));
	cs_error_release(&err);
	free(mnt);
	ovl_config_release(&c);
	ovl_config_init(&c);
	assert_int_equal(args(help, 2, &c, &mnt, &err), 1);
	assert_int_equal(args(bad, 3, &c, &mnt, &err), -1);
	cs_error_release(&err);
	ovl_config_release(&c);
}

static void test_idmap(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config c;

	(void)state;
	ovl_config_init(&c);
	assert_int_equal(
		ovl_config_parse(
			&c,
			"lowerdir=/l,uidmapping=0:1000:1:1:100000:65536,gidmapping=0:5:10",
			&err),
		0);
	assert_int_equal(c.nuidmap, 2);
	assert_int_equal(c.ngidmap, 1);
	assert_int_equal(ovl_id_to_container(c.uidmap, c.nuidmap, 1000), 0);
	assert_int_equal(ovl_id_to_container(c.uidmap, c.nuidmap, 100000), 1);
	assert_int_equal(ovl_id_to_container(c.uidmap, c.nuidmap, 165535),
			 65536);
	assert_int_equal(ovl_id_to_container(c.uidmap, c.nuidmap, 165536),
			 65534);
	assert_int_equal(ovl_id_to_container(c.uidmap, c.nuidmap, 0), 65534);
	assert_int_equal(ovl_id_to_host(c.uidmap, c.nuidmap, 0), 1000);
	assert_int_equal(ovl_id_to_host(c.uidmap, c.nuidmap, 65536), 165535);
	assert_int_equal(ovl_id_to_host(c.uidmap, c.nuidmap, 65537),
			 (uint32_t)-1);
	assert_int_equal(ovl_id_to_host(c.gidmap, c.ngidmap, 9), 14);
	/* no mapping: the identity */
	assert_int_equal(ovl_id_to_host(NULL, 0, 42), 42);
	assert_int_equal(ovl_id_to_container(NULL, 0, 42), 42);
	const char *bad[] = { "uidmapping=",	  "uidmapping=0:1000",
			      "uidmapping=0:1:0", "uidmapping=0:1:2:",
			      "uidmapping=a:b:c", "uidmapping=0:4294967295:2",
			      "gidmapping=-1:0:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(ovl_config_parse(&c, bad[i], &err), -1);
		assert_non_null(err.msg);
		cs_error_release(&err);
	}
	ovl_config_release(&c);
}

static void test_whiteout_names(void **state)
{
	(void)state;
	assert_true(ovl_name_is_marker(".wh.foo"));
	assert_true(ovl_name_is_marker(".wh..wh..opq"));
	assert_false(ovl_name_is_marker(".whx"));
	assert_false(ovl_name_is_marker("foo"));
	assert_string_equal(ovl_whiteout_target(".wh.foo"), "foo");
	assert_null(ovl_whiteout_target(".wh..wh..opq"));
	assert_null(ovl_whiteout_target(".wh."));
	assert_null(ovl_whiteout_target("foo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_escaped_comma),
		cmocka_unit_test(test_other_options),
		cmocka_unit_test(test_nosync),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_whiteout_names),
		cmocka_unit_test(test_idmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
