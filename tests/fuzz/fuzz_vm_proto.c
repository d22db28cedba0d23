// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_vm_proto.c — libFuzzer target for the VM agent protocol decoder:
 * the input is a byte stream as the agent or a client would send it; it
 * is cut into frames and every EXEC, HELLO and ERROR body is decoded, as
 * the agent and the supervisor do.  The whole input, as a string, is
 * also unescaped as a record's or /cshell.conf's value is, and must come
 * back the same through vm_line_escape.  Crashes, leaks, UB and an abort
 * are findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	char *line = malloc(size + 1);
	struct cs_buf b = CS_BUF_INIT;

	memcpy(line, data, size);
	line[size] = 0;
	vm_line_unescape(line);
	vm_line_escape(&b, line);
	cs_buf_addc(&b, 0);
	vm_line_unescape(b.buf);
	if (strcmp(b.buf, line))
		abort();
	cs_buf_release(&b);
	free(line);

	while (off < size) {
		struct cs_error err = CS_ERROR_INIT;
		struct vm_exec_msg m;
		struct vm_hdr h;
		const uint8_t *p;
		size_t used;
		uint32_t v;
		char *s;
		int r = vm_frame_parse(data + off, size - off, &h, &p, &used,
				       &err);

		cs_error_release(&err);
		if (r != 1)
			break;
		/* a copy of exactly the payload, so ASan sees overreads */
		uint8_t *copy = malloc(h.len ? h.len : 1);

		memcpy(copy, p, h.len);
		if (vm_exec_decode(copy, h.len, &m, &err) == 0) {
			for (size_t i = 0; i < m.argc; i++)
				(void)strlen(m.argv[i]);
			for (size_t i = 0; i < m.envc; i++)
				(void)strlen(m.env[i]);
			(void)strlen(m.cwd);
			vm_exec_msg_release(&m);
		}
		cs_error_release(&err);
		if (vm_u32_str_decode(copy, h.len, &v, &s, NULL) == 0) {
			(void)strlen(s);
			free(s);
		}
		free(copy);
		off += used;
	}
	return 0;
}
