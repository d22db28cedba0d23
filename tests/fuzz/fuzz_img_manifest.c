// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_img_manifest.c — libFuzzer target for the parsers of registry JSON:
 * every input is parsed as a manifest/index (with and without a
 * Content-Type), an index is asked for a platform, and the input is also
 * parsed as an image config.  Crashes, leaks and UB are the findings.
 */
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

static void one(const char *data, size_t size, const char *ctype)
{
	struct cs_error err = CS_ERROR_INIT;
	struct img_manifest m;

	if (img_manifest_parse(&m, data, size, ctype, &err) == 0) {
		if (m.kind == IMG_KIND_INDEX) {
			img_index_select(&m, "linux/amd64", &err);
			cs_error_release(&err);
			img_index_select(&m, "linux/arm/v7", &err);
		}
		img_manifest_release(&m);
	}
	cs_error_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_error err = CS_ERROR_INIT;
	struct img_config c;

	one((const char *)data, size, NULL);
	one((const char *)data, size,
	    "application/vnd.oci.image.index.v1+json");
	if (img_config_parse(&c, (const char *)data, size, &err) == 0)
		img_config_release(&c);
	cs_error_release(&err);
	return 0;
}
