// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_sbx_profile.c — libFuzzer target for `--seccomp FILE`: a Docker /
 * OCI JSON profile (sandbox/profile.c's capped JSON reader and the rules
 * it turns into a libseccomp context), with two capability sets so that
 * the includes/excludes on caps take both branches.  Crashes, leaks and
 * UB are the findings; a refused profile is fine.
 */
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sbx_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t caps[] = { 0, ~0ULL };

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct cs_error err = CS_ERROR_INIT;
		void *ctx = NULL;

		if (sbx_profile_build((const char *)data, size, caps[i], &ctx,
				      &err) == 0 &&
		    ctx)
			seccomp_release(ctx);
		cs_error_release(&err);
	}
	return 0;
}
