// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_img_manifest.c — unit tests of the manifest, index and config
 * parsers: OCI and Docker media types, compression from the layer type,
 * platform selection, and refusal of schema 1, bad digests, negative
 * sizes, too many layers and oversized documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image/image.h"

#define D(c)                                                                   \
	"sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
		c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
			c c c
#define DA D("a")
#define DB D("b")
#define DC D("c")

static const char oci_manifest[] =
	"{\"schemaVersion\":2,"
	"\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
	"\"digest\":\"" DA "\",\"size\":10},"
	"\"layers\":["
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" DB
	"\",\"size\":20},"
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" DC
	"\",\"size\":30},"
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DC
	"\",\"size\":0}]}";

static const char docker_manifest[] =
	"{\"schemaVersion\":2,"
	"\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
	"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
	"\"digest\":\"" DA "\",\"size\":10},"
	"\"layers\":["
	"{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" DB
	"\",\"size\":20}]}";

static const char index_doc[] =
	"{\"schemaVersion\":2,"
	"\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" DA
	"\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" DB
	"\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
	"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" DC
	"\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

static int parse(struct img_manifest *m, const char *doc, const char *ctype,
		 struct cs_error *err)
{
	return img_manifest_parse(m, doc, strlen(doc), ctype, err);
}

static void test_oci_manifest(void **state)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(parse(&m, oci_manifest, NULL, &err), 0);
	assert_int_equal(m.kind, IMG_KIND_MANIFEST);
	assert_string_equal(m.config.digest, DA);
	assert_int_equal(m.n_layers, 3);
	assert_int_equal(m.layers[0].comp, IMG_COMP_GZIP);
	assert_int_equal(m.layers[1].comp, IMG_COMP_ZSTD);
	assert_int_equal(m.layers[2].comp, IMG_COMP_NONE);
	assert_int_equal(m.layers[1].size, 30);
	img_manifest_release(&m);
}

static void test_docker_manifest(void **state)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	assert_int_equal(parse(&m, docker_manifest, NULL, &err), 0);
	assert_int_equal(m.n_layers, 1);
	assert_int_equal(m.layers[0].comp, IMG_COMP_GZIP);
	img_manifest_release(&m);
}

static void test_index_select(void **state)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;
	const struct img_descriptor *d;

	(void)state;
	assert_int_equal(parse(&m, index_doc, NULL, &err), 0);
	assert_int_equal(m.kind, IMG_KIND_INDEX);
	assert_int_equal(m.n_manifests, 3);
	d = img_index_select(&m, "linux/arm64", &err);
	assert_non_null(d);
	assert_string_equal(d->digest, DB);
	d = img_index_select(&m, "linux/arm/v7", &err);
	assert_non_null(d);
	assert_string_equal(d->digest, DA);
	d = img_index_select(&m, "linux/amd64", &err);
	assert_string_equal(d->digest, DC);
	assert_null(img_index_select(&m, "linux/s390x", &err));
	assert_non_null(strstr(err.msg, "no image for platform linux/s390x"));
	cs_error_release(&err);
	assert_null(img_index_select(&m, "linux", &err));
	cs_error_release(&err);
	/* The host platform is one of the well-known forms. */
	assert_int_equal(strncmp(img_host_platform(), "linux/", 6), 0);
	img_manifest_release(&m);
}

static void test_media_type_from_header(void **state)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;
	const char *doc = "{\"schemaVersion\":2,\"manifests\":[]}";

	(void)state;
	assert_int_equal(
		parse(&m, doc, "application/vnd.oci.image.index.v1+json", &err),
		0);
	assert_int_equal(m.kind, IMG_KIND_INDEX);
	img_manifest_release(&m);
}

static void expect_refused(const char *doc, const char *want)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;

	if (parse(&m, doc, NULL, &err) == 0) {
		img_manifest_release(&m);
		fail_msg("accepted: %s", doc);
	}
	assert_non_null(err.msg);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not say '%s'", err.msg, want);
	cs_error_release(&err);
}

static void test_refused(void **state)
{
	(void)state;
	expect_refused("{\"schemaVersion\":1,\"name\":\"x\"}",
		       "schema version");
	expect_refused(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}",
		"schema 1");
	expect_refused("[1,2]", "not a JSON object");
	expect_refused("{\"schemaVersion\":2,", "not valid JSON");
	expect_refused("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}",
		       "unsupported manifest media type");
	expect_refused(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}",
		"valid sha256 digest");
	expect_refused(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DA
		"\",\"size\":-1},\"layers\":[]}",
		"valid size");
	expect_refused(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/x-helm\",\"digest\":\"" DA
		"\",\"size\":1},\"layers\":[]}",
		"config media type");
	expect_refused(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DA
		"\",\"size\":1},"
		"\"layers\":[{\"mediaType\":\"application/x-rar\",\"digest\":\"" DA
		"\",\"size\":1}]}",
		"unsupported layer media type");
	expect_refused("{\"schemaVersion\":2,\"schemaVersion\":2}",
		       "not valid JSON");
}

static void test_caps(void **state)
{
	struct img_manifest m;
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;

	(void)state;
	/* Too many layers. */
	cs_buf_adds(
		&b,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DA
		"\",\"size\":1},\"layers\":[");
	for (int i = 0; i <= IMG_MAX_LAYERS; i++)
		cs_buf_addf(
			&b,
			"%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DA
			"\",\"size\":1}",
			i ? "," : "");
	cs_buf_adds(&b, "]}");
	assert_int_equal(img_manifest_parse(&m, b.buf, b.len, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "more than the limit"));
	cs_error_release(&err);
	/* Oversized document: refused before parsing. */
	assert_int_equal(img_manifest_parse(&m, b.buf,
					    IMG_MAX_MANIFEST_SIZE + 1, NULL,
					    &err),
			 -1);
	assert_non_null(strstr(err.msg, "exceeds the limit"));
	cs_error_release(&err);
	cs_buf_release(&b);
}

static void test_config(void **state)
{
	struct img_config c;
	struct cs_error err = CS_ERROR_INIT;
	const char *doc =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-01-01T00:00:00Z\","
		"\"config\":{\"Env\":[\"PATH=/bin\",\"A=b c\"],\"Cmd\":[\"/bin/sh\",\"-c\",\"echo\"],"
		"\"Entrypoint\":null,\"WorkingDir\":\"/w\",\"User\":\"1000:1000\"},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DA "\",\"" DB
		"\"]}}";

	(void)state;
	assert_int_equal(img_config_parse(&c, doc, strlen(doc), &err), 0);
	assert_string_equal(c.env[0], "PATH=/bin");
	assert_string_equal(c.env[1], "A=b c");
	assert_null(c.env[2]);
	assert_string_equal(c.cmd[2], "echo");
	assert_null(c.entrypoint);
	assert_string_equal(c.workdir, "/w");
	assert_string_equal(c.user, "1000:1000");
	assert_int_equal(c.n_diff_ids, 2);
	assert_string_equal(c.diff_ids[1], DB);
	img_config_release(&c);

	doc = "{\"rootfs\":{\"diff_ids\":[\"sha256:zz\"]}}";
	assert_int_equal(img_config_parse(&c, doc, strlen(doc), &err), -1);
	assert_non_null(strstr(err.msg, "invalid diff id"));
	cs_error_release(&err);
	doc = "{\"config\":{}}";
	assert_int_equal(img_config_parse(&c, doc, strlen(doc), &err), -1);
	assert_non_null(strstr(err.msg, "rootfs.diff_ids"));
	cs_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_manifest),
		cmocka_unit_test(test_docker_manifest),
		cmocka_unit_test(test_index_select),
		cmocka_unit_test(test_media_type_from_header),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
