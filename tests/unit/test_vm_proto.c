// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_vm_proto.c — unit tests of the VM agent protocol: frames split at
 * any byte boundary, an EXEC round-trips, malformed headers and bodies are
 * refused, a connection hands out every frame of a stream written in odd
 * pieces (more than one fill's worth), and the cpio writer pads as newc
 * wants.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vm/vm_i.h"

static void test_frame_split(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	struct vm_hdr h;
	const uint8_t *p;
	size_t used;

	(void)state;
	vm_frame_put(&b, VM_MSG_DATA, VM_STDOUT, 7, "hello", 5);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(vm_frame_parse((uint8_t *)b.buf, n, &h, &p,
						&used, NULL),
				 0);
	assert_int_equal(
		vm_frame_parse((uint8_t *)b.buf, b.len, &h, &p, &used, NULL),
		1);
	assert_int_equal(h.type, VM_MSG_DATA);
	assert_int_equal(h.stream, VM_STDOUT);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.len, 5);
	assert_int_equal(used, VM_HDR_LEN + 5);
	assert_memory_equal(p, "hello", 5);
	cs_buf_release(&b);
}

static void test_frame_bad(void **state)
{
	uint8_t big[VM_HDR_LEN] = { 0xff, 0xff, 0xff, 0x7f, VM_MSG_DATA };
	uint8_t type[VM_HDR_LEN] = { 0, 0, 0, 0, 99 };
	uint8_t stream[VM_HDR_LEN] = { 0, 0, 0, 0, VM_MSG_DATA, 3 };
	struct cs_error err = CS_ERROR_INIT;
	struct vm_hdr h;
	const uint8_t *p;
	size_t used;

	(void)state;
	assert_true(vm_frame_parse(big, sizeof(big), &h, &p, &used, &err) < 0);
	assert_non_null(strstr(err.msg, "exceeds"));
	cs_error_release(&err);
	assert_true(vm_frame_parse(type, sizeof(type), &h, &p, &used, NULL) <
		    0);
	assert_true(vm_frame_parse(stream, sizeof(stream), &h, &p, &used,
				   NULL) < 0);
}

static void test_exec_roundtrip(void **state)
{
	char *argv[] = { "sh", "-c", "echo a", NULL };
	char *env[] = { "A=1", "PATH=/bin", NULL };
	struct cs_buf b = CS_BUF_INIT;
	struct vm_exec_msg m;

	(void)state;
	vm_exec_encode(&b, VM_EXEC_TTY, 24, 80, "/src", argv, env);
	assert_int_equal(vm_exec_decode((uint8_t *)b.buf, b.len, &m, NULL), 0);
	assert_int_equal(m.flags, VM_EXEC_TTY);
	assert_int_equal(m.rows, 24);
	assert_int_equal(m.cols, 80);
	assert_string_equal(m.cwd, "/src");
	assert_int_equal(m.argc, 3);
	assert_string_equal(m.argv[2], "echo a");
	assert_null(m.argv[3]);
	assert_int_equal(m.envc, 2);
	assert_string_equal(m.env[1], "PATH=/bin");
	assert_null(m.env[2]);
	vm_exec_msg_release(&m);
	/* every truncation is refused, never read past */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.buf, n);
		assert_true(vm_exec_decode(copy, n, &m, NULL) < 0);
		free(copy);
	}
	cs_buf_release(&b);
}

static void test_exec_bad(void **state)
{
	char *empty[] = { "", NULL };
	char *none[] = { NULL };
	struct cs_buf b = CS_BUF_INIT;
	struct vm_exec_msg m;

	(void)state;
	vm_exec_encode(&b, 0, 0, 0, "", empty, NULL);
	assert_true(vm_exec_decode((uint8_t *)b.buf, b.len, &m, NULL) < 0);
	cs_buf_reset(&b);
	vm_exec_encode(&b, 0, 0, 0, "", none, NULL);
	assert_true(vm_exec_decode((uint8_t *)b.buf, b.len, &m, NULL) < 0);
	cs_buf_reset(&b);
	/* a string with a NUL inside */
	vm_exec_encode(&b, 0, 0, 0, "ab", (char *[]){ "x", NULL }, NULL);
	b.buf[13] = 0;
	assert_true(vm_exec_decode((uint8_t *)b.buf, b.len, &m, NULL) < 0);
	cs_buf_release(&b);
}

static void test_u32_str(void **state)
{
	struct cs_buf b = CS_BUF_INIT;
	struct vm_hdr h;
	const uint8_t *p;
	size_t used;
	uint32_t v;
	char *s;

	(void)state;
	vm_u32_str_frame(&b, VM_MSG_HELLO, 0, 1, "6.1.0");
	assert_int_equal(
		vm_frame_parse((uint8_t *)b.buf, b.len, &h, &p, &used, NULL),
		1);
	assert_int_equal(vm_u32_str_decode(p, h.len, &v, &s, NULL), 0);
	assert_int_equal(v, 1);
	assert_string_equal(s, "6.1.0");
	free(s);
	assert_true(vm_u32_str_decode(p, h.len - 1, &v, &s, NULL) < 0);
	cs_buf_release(&b);
}

/* a value with newlines and backslashes survives a key=value line */
static void test_line_escape(void **state)
{
	const char *v = "a\nb\\n\\\\c\\";
	struct cs_buf b = CS_BUF_INIT;

	(void)state;
	vm_line_escape(&b, v);
	cs_buf_addc(&b, 0);
	assert_null(strchr(b.buf, '\n'));
	vm_line_unescape(b.buf);
	assert_string_equal(b.buf, v);
	cs_buf_release(&b);
}

/* Frames of every size up to VM_MAX_PAYLOAD, 3 MiB in all, written in
 * 7777-byte pieces: each comes out whole and in order, the payload of
 * frame i filled with i. */
static void test_conn_stream(void **state)
{
	static uint8_t pay[VM_MAX_PAYLOAD];
	struct cs_buf out = CS_BUF_INIT;
	struct vm_conn c;
	struct vm_hdr h;
	const uint8_t *p;
	size_t off = 0, total = 0;
	uint32_t want = 0, n = 0;
	int sv[2];

	(void)state;
	for (; total < (3u << 20); n++) {
		size_t len = (n * 40503u) % (VM_MAX_PAYLOAD + 1);

		memset(pay, (int)(n & 0xff), len);
		vm_frame_put(&out, VM_MSG_DATA, VM_STDOUT, n, pay, len);
		total += len;
	}
	assert_int_equal(socketpair(AF_UNIX,
				    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				    0, sv),
			 0);
	vm_conn_init(&c, sv[0]);
	while (want < n) {
		int r;

		if (off < out.len) {
			size_t k = out.len - off < 7777 ? out.len - off : 7777;
			ssize_t w = write(sv[1], out.buf + off, k);

			if (w > 0)
				off += (size_t)w;
		}
		if (vm_conn_fill(&c) == 0)
			break;
		while ((r = vm_conn_next(&c, &h, &p, NULL)) == 1) {
			size_t len = (want * 40503u) % (VM_MAX_PAYLOAD + 1);

			assert_int_equal(h.id, want);
			assert_int_equal(h.len, len);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(p[i], want & 0xff);
			want++;
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(want, n);
	vm_conn_release(&c);
	close(sv[1]);
	cs_buf_release(&out);
}

/* An fd passed with a frame (the client's stdout pipe with its EXEC)
 * is kept by a connection that takes fds, until taken; one more passed
 * meanwhile is closed, not kept (the supervisor holds at most one per
 * client). */
static void test_conn_fd(void **state)
{
	struct vm_conn a, b;
	struct vm_hdr h;
	const uint8_t *p;
	struct stat st;
	int sv[2], pp[2], kept, k;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX,
				    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				    0, sv),
			 0);
	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	vm_conn_init(&a, sv[0]);
	vm_conn_init(&b, sv[1]);
	b.take_fds = 1;
	assert_int_equal(vm_conn_send_fd(&a, pp[1]), -EINVAL); /* no bytes */
	vm_frame_put(&a.out, VM_MSG_EXEC, 0, 1, "x", 1);
	assert_int_equal(vm_conn_send_fd(&a, pp[1]), 0);
	vm_frame_put(&a.out, VM_MSG_EXEC, 0, 2, "y", 1);
	assert_int_equal(vm_conn_send_fd(&a, pp[0]), 0);
	assert_false(vm_conn_pending(&a));
	assert_true(vm_conn_fill(&b) > 0);
	for (k = 1; vm_conn_next(&b, &h, &p, NULL) == 1; k++)
		assert_int_equal(h.id, k);
	assert_int_equal(k, 3);
	/* the first: the pipe's write end */
	kept = b.rfd;
	assert_true(kept >= 0);
	assert_int_equal(fstat(kept, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(fcntl(kept, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_true(fcntl(kept, F_GETFD) & FD_CLOEXEC);
	/* the second was closed: the read end's only other copy is pp[0] */
	close(pp[1]);
	assert_int_equal(write(kept, "z", 1), 1);
	close(kept);
	b.rfd = -1;
	{
		char c[2];

		assert_int_equal(read(pp[0], c, 2), 1);
		assert_int_equal(read(pp[0], c, 2), 0); /* EOF: no copy left */
	}
	close(pp[0]);
	/* a connection that does not take fds reads past them */
	vm_frame_put(&b.out, VM_MSG_EXEC, 0, 3, "w", 1);
	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	assert_int_equal(vm_conn_send_fd(&b, pp[1]), 0);
	close(pp[1]);
	assert_true(vm_conn_fill(&a) > 0);
	assert_int_equal(vm_conn_next(&a, &h, &p, NULL), 1);
	assert_int_equal(h.id, 3);
	assert_int_equal(a.rfd, -1);
	{
		char c;

		assert_int_equal(read(pp[0], &c, 1), 0); /* dropped with it */
	}
	close(pp[0]);
	vm_conn_release(&a);
	vm_conn_release(&b);
}

static void test_cpio(void **state)
{
	char path[] = "/tmp/test_vm_cpio.XXXXXX";
	int fd = mkstemp(path);
	struct cs_buf b = CS_BUF_INIT;
	struct vm_cpio c;

	(void)state;
	assert_true(fd >= 0);
	vm_cpio_init(&c, fd);
	vm_cpio_dir(&c, "dev", 0755);
	vm_cpio_file(&c, "init", 0755, "abc", 3);
	assert_int_equal(vm_cpio_finish(&c), 0);
	close(fd);
	assert_int_equal(cs_read_file(path, &b, 0, NULL), 0);
	unlink(path);
	assert_int_equal(b.len % 4, 0);
	assert_memory_equal(b.buf, "070701", 6);
	assert_non_null(memmem(b.buf, b.len, "init\0", 5));
	assert_non_null(memmem(b.buf, b.len, "TRAILER!!!", 10));
	cs_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_split),
		cmocka_unit_test(test_frame_bad),
		cmocka_unit_test(test_exec_roundtrip),
		cmocka_unit_test(test_exec_bad),
		cmocka_unit_test(test_u32_str),
		cmocka_unit_test(test_line_escape),
		cmocka_unit_test(test_conn_stream),
		cmocka_unit_test(test_conn_fd),
		cmocka_unit_test(test_cpio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
