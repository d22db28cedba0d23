// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_vm_proto.c — libFuzzer target for the VM agent protocol decoder:
 * the input is a byte stream as the agent or a client would send it; it
 * is cut into frames and every EXEC, HELLO and ERROR body is decoded, as
 * the agent and the supervisor do.  The whole input, as a string, is
 * also unescaped as a record's or /cshell.conf's value is, and must come
 * back the same through vm_line_escape.  The same stream is then read
 * as a peer's bytes arrive, cut into pieces whose sizes the input's first
 * bytes choose, through vm_conn_fill and vm_conn_next (the agent's and the
 * supervisor's reader): every frame handed out must lie inside the bytes
 * read, and a garbled stream is dropped as they do.  Crashes, leaks, UB
 * and an abort are findings.
 */
#include <fcntl.h>
#include <unistd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_i.h"

/* Hands data to a vm_conn over a pipe in pieces, taking every whole
 * frame after each piece. */
static void conn_stream(const uint8_t *data, size_t size)
{
	struct vm_conn c;
	size_t off = 0, k = 0;
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return;
	vm_conn_init(&c, p[0]);
	while (off < size) {
		/* piece sizes 1..256 from the input's first 16 bytes */
		size_t n = size < 16 ? 7 : (size_t)data[k++ % 16] + 1;

		if (n > size - off)
			n = size - off;
		if (write(p[1], data + off, n) != (ssize_t)n)
			break;
		off += n;
		if (vm_conn_fill(&c) < 0)
			break;
		for (;;) {
			struct cs_error err = CS_ERROR_INIT;
			const uint8_t *pl;
			struct vm_hdr h;
			int r = vm_conn_next(&c, &h, &pl, &err);

			cs_error_release(&err);
			if (r < 0)
				vm_conn_drop_input(&c);
			if (r != 1)
				break;
			if (pl < c.in || pl + h.len > c.in + c.in_len)
				abort();
		}
	}
	close(p[1]);
	vm_conn_release(&c); /* closes p[0] */
}

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
	conn_stream(data, size);
	return 0;
}
