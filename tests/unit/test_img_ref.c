// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_img_ref.c — unit tests of image reference parsing: docker.io
 * normalisation, registries with ports, tags, digests, canonical names,
 * names kept as given, loopback registries and the rejection of
 * malformed references.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image/image.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const char *in, const char *reg, const char *repo,
		  const char *tag, const char *digest, const char *name)
{
	struct img_ref r;
	struct cs_error err = CS_ERROR_INIT;
	char *n;

	assert_int_equal(img_ref_parse(&r, in, &err), 0);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repo, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	n = img_ref_name(&r);
	assert_string_equal(n, name);
	free(n);
	img_ref_release(&r);
}

static void test_docker_hub(void **state)
{
	(void)state;
	check("busybox", "docker.io", "library/busybox", "latest", NULL,
	      "docker.io/library/busybox:latest");
	check("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
	      "docker.io/library/busybox:1.36");
	check("user/app", "docker.io", "user/app", "latest", NULL,
	      "docker.io/user/app:latest");
	check("index.docker.io/library/debian:12", "docker.io",
	      "library/debian", "12", NULL, "docker.io/library/debian:12");
}

static void test_registries(void **state)
{
	(void)state;
	check("localhost:5000/busybox:test", "localhost:5000", "busybox",
	      "test", NULL, "localhost:5000/busybox:test");
	check("localhost/a/b", "localhost", "a/b", "latest", NULL,
	      "localhost/a/b:latest");
	check("quay.io/org/img-x_y.z:v1.0-rc", "quay.io", "org/img-x_y.z",
	      "v1.0-rc", NULL, "quay.io/org/img-x_y.z:v1.0-rc");
	check("127.0.0.1:1234/x", "127.0.0.1:1234", "x", "latest", NULL,
	      "127.0.0.1:1234/x:latest");
}

static void test_digests(void **state)
{
	(void)state;
	check("busybox@sha256:" HEX64, "docker.io", "library/busybox", NULL,
	      "sha256:" HEX64, "docker.io/library/busybox@sha256:" HEX64);
	check("r.io/x:t@sha256:" HEX64, "r.io", "x", "t", "sha256:" HEX64,
	      "r.io/x:t");
}

static void test_invalid(void **state)
{
	static const char *bad[] = {
		"",
		"UPPER/case",
		"busybox:",
		"busybox:-tag",
		"busybox@sha256:abc",
		"busybox@md5:" HEX64,
		"a//b",
		"/abs",
		"trailing/",
		"-lead",
		"r.io/x:bad tag",
		"busybox@sha256:" HEX64 "00",
	};
	(void)state;
	for (size_t i = 0; i < CS_ARRAY_SIZE(bad); i++) {
		struct img_ref r;
		struct cs_error err = CS_ERROR_INIT;

		if (img_ref_parse(&r, bad[i], &err) == 0) {
			img_ref_release(&r);
			fail_msg("accepted '%s'", bad[i]);
		}
		assert_non_null(err.msg);
		assert_non_null(strstr(err.msg, "invalid image reference"));
		cs_error_release(&err);
	}
}

static void test_digest_valid(void **state)
{
	(void)state;
	assert_true(img_digest_valid("sha256:" HEX64));
	assert_false(img_digest_valid("sha256:" HEX64 "a"));
	assert_false(img_digest_valid("sha256:0123"));
	assert_false(img_digest_valid(
		"sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_false(img_digest_valid(NULL));
}

static void given(const char *in, const char *want)
{
	struct cs_error err = CS_ERROR_INIT;
	char *n = img_ref_given_name(in, &err);

	if (!want) {
		assert_null(n);
		cs_error_release(&err);
		return;
	}
	assert_non_null(n);
	assert_string_equal(n, want);
	free(n);
}

/* `import --name`: kept as given, only ":latest" added */
static void test_given_name(void **state)
{
	(void)state;
	given("imported/bb", "imported/bb:latest");
	given("bb", "bb:latest");
	given("imported/bb:v1", "imported/bb:v1");
	given("localhost/x", "localhost/x:latest");
	given("reg.io:5000/a/b", "reg.io:5000/a/b:latest");
	given("docker.io/x", "docker.io/library/x:latest");
	given("x@sha256:" HEX64, "docker.io/library/x@sha256:" HEX64);
	given("Bad/Name", NULL);
}

/* loopback registries are plain http by default, literally only */
static void test_loopback(void **state)
{
	(void)state;
	assert_true(img_registry_loopback("127.0.0.1:5000"));
	assert_true(img_registry_loopback("127.1.2.3"));
	assert_true(img_registry_loopback("localhost:5000"));
	assert_true(img_registry_loopback("localhost"));
	assert_true(img_registry_loopback("[::1]:5000"));
	assert_true(img_registry_loopback("[::ffff:127.0.0.1]:80"));
	assert_false(img_registry_loopback("128.0.0.1:5000"));
	assert_false(img_registry_loopback("10.0.0.1"));
	assert_false(img_registry_loopback("127.example.com:5000"));
	assert_false(img_registry_loopback("localhost.example.com"));
	assert_false(img_registry_loopback("[::2]:5000"));
	assert_false(img_registry_loopback("docker.io"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_hub),
		cmocka_unit_test(test_registries),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_digest_valid),
		cmocka_unit_test(test_given_name),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
