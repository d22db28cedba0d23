// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_up_lock.c — libFuzzer target for the Cshellfile.lock parser
 * (shell/uplock.c): any bytes, as the file is the user's.  What parses
 * must format to text that parses again to the same lock.  Crashes,
 * leaks and UB are the findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell/up_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct up_lock l, again;
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf b = CS_BUF_INIT;

	if (up_lock_parse(&l, (const char *)data, size, &err) < 0) {
		cs_error_release(&err);
		return 0;
	}
	up_lock_format(&l, &b);
	if (up_lock_parse(&again, b.buf, b.len, &err) < 0 ||
	    again.nsteps != l.nsteps || !l.kernel != !again.kernel ||
	    (l.kernel && (strcmp(l.kernel, again.kernel) ||
			  strcmp(l.kernel_digest, again.kernel_digest))))
		abort();
	for (size_t i = 0; i < l.nsteps; i++)
		if (strcmp(l.steps[i].key, again.steps[i].key) ||
		    strcmp(l.steps[i].digest, again.steps[i].digest))
			abort();
	up_lock_release(&again);
	up_lock_release(&l);
	cs_buf_release(&b);
	return 0;
}
