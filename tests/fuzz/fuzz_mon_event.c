// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_mon_event.c — libFuzzer target for mon_event_decode(), the one
 * reader of the kernel's ring-buffer records (monitor/wire_i.h): any bytes
 * of any length are decoded, and what decodes is formatted as JSON and as
 * a terminal line.  Out-of-bounds reads, unterminated strings, leaks and
 * UB are the findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_error err = CS_ERROR_INIT;
	struct cs_buf out = CS_BUF_INIT;
	struct mon_event *ev = malloc(sizeof(*ev));
	/* an exact-size heap copy, so ASan sees any read past the record */
	uint8_t *copy = malloc(size ? size : 1);

	if (!ev || !copy) {
		free(ev);
		free(copy);
		return 0;
	}
	memcpy(copy, data, size);
	if (mon_event_decode(copy, size, ev, &err) == 0) {
		ev->cgroup = "/sys/fs/cgroup/x";
		ev->label = size & 1 ? "dev" : NULL;
		mon_event_json(ev, 0, &out);
		cs_buf_reset(&out);
		mon_event_text(ev, &out);
	}
	cs_error_release(&err);
	cs_buf_release(&out);
	free(copy);
	free(ev);
	return 0;
}
