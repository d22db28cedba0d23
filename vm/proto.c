// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * proto.c — the agent wire protocol (docs/vm.md): frames of a 12-byte
 * little-endian header and a bounded payload, the EXEC body, and a
 * buffered nonblocking connection.  Everything decoded here may come from
 * a guest we do not trust (or a host gone mad), so every length is checked
 * against what is actually there before it is used.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "vm/vm_i.h"

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint32_t vm_get_u32(const uint8_t *p)
{
	return (uint32_t)get_le(p, 4);
}

uint64_t vm_get_u64(const uint8_t *p)
{
	return get_le(p, 8);
}

void vm_put_u16(struct cs_buf *b, uint16_t v)
{
	uint8_t p[2];

	put_le(p, v, 2);
	cs_buf_add(b, p, 2);
}

void vm_put_u32(struct cs_buf *b, uint32_t v)
{
	uint8_t p[4];

	put_le(p, v, 4);
	cs_buf_add(b, p, 4);
}

void vm_put_u64(struct cs_buf *b, uint64_t v)
{
	uint8_t p[8];

	put_le(p, v, 8);
	cs_buf_add(b, p, 8);
}

void vm_put_str(struct cs_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	vm_put_u32(b, (uint32_t)n);
	cs_buf_add(b, s ? s : "", n);
}

void vm_line_escape(struct cs_buf *b, const char *v)
{
	for (; *v; v++)
		if (*v == '\\' || *v == '\n') {
			cs_buf_addc(b, '\\');
			cs_buf_addc(b, *v == '\n' ? 'n' : '\\');
		} else {
			cs_buf_addc(b, *v);
		}
}

void vm_line_unescape(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s == '\\' && (s[1] == 'n' || s[1] == '\\'))
			*w++ = *++s == 'n' ? '\n' : '\\';
		else
			*w++ = *s;
	*w = 0;
}

int vm_frame_parse(const uint8_t *data, size_t len, struct vm_hdr *hdr,
		   const uint8_t **payload, size_t *used, struct cs_error *err)
{
	if (len < VM_HDR_LEN)
		return 0;
	hdr->len = vm_get_u32(data);
	hdr->type = data[4];
	hdr->stream = data[5];
	hdr->flags = (uint16_t)get_le(data + 6, 2);
	hdr->id = vm_get_u32(data + 8);
	if (hdr->len > VM_MAX_PAYLOAD)
		return cs_error_set(err, EPROTO, "frame of %u bytes exceeds %u",
				    hdr->len, VM_MAX_PAYLOAD);
	if (hdr->type == 0 || hdr->type > VM_MSG_MAX)
		return cs_error_set(err, EPROTO, "unknown frame type %u",
				    hdr->type);
	if (hdr->stream > VM_STDERR)
		return cs_error_set(err, EPROTO, "unknown stream %u",
				    hdr->stream);
	if (len - VM_HDR_LEN < hdr->len)
		return 0;
	*payload = data + VM_HDR_LEN;
	*used = VM_HDR_LEN + hdr->len;
	return 1;
}

void vm_hdr_encode(uint8_t h[VM_HDR_LEN], uint8_t type, uint8_t stream,
		   uint32_t id, size_t len)
{
	put_le(h, len, 4);
	h[4] = type;
	h[5] = stream;
	put_le(h + 6, 0, 2);
	put_le(h + 8, id, 4);
}

void vm_frame_put(struct cs_buf *out, uint8_t type, uint8_t stream, uint32_t id,
		  const void *payload, size_t len)
{
	uint8_t h[VM_HDR_LEN];

	vm_hdr_encode(h, type, stream, id, len);
	cs_buf_add(out, h, sizeof(h));
	if (len)
		cs_buf_add(out, payload, len);
}

void vm_exec_encode(struct cs_buf *out, uint32_t flags, uint16_t rows,
		    uint16_t cols, const char *cwd, char *const *argv,
		    char *const *env)
{
	size_t argc = 0, envc = 0;

	while (argv && argv[argc])
		argc++;
	while (env && env[envc])
		envc++;
	vm_put_u32(out, flags);
	vm_put_u16(out, rows);
	vm_put_u16(out, cols);
	vm_put_str(out, cwd);
	vm_put_u32(out, (uint32_t)argc);
	vm_put_u32(out, (uint32_t)envc);
	for (size_t i = 0; i < argc; i++)
		vm_put_str(out, argv[i]);
	for (size_t i = 0; i < envc; i++)
		vm_put_str(out, env[i]);
}

void vm_exec_msg_release(struct vm_exec_msg *m)
{
	free(m->argv);
	free(m->env);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

/* Reads a string at *off of p[len]: NUL-free, copied NUL-terminated into
 * the arena at *aoff. */
static int get_str(const uint8_t *p, size_t len, size_t *off, char *arena,
		   size_t *aoff, char **out)
{
	uint32_t n;

	if (len - *off < 4)
		return -1;
	n = vm_get_u32(p + *off);
	*off += 4;
	if (n > len - *off || memchr(p + *off, 0, n))
		return -1;
	memcpy(arena + *aoff, p + *off, n);
	arena[*aoff + n] = 0;
	*out = arena + *aoff;
	*aoff += n + 1;
	*off += n;
	return 0;
}

int vm_exec_decode(const uint8_t *p, size_t len, struct vm_exec_msg *m,
		   struct cs_error *err)
{
	size_t off = 0, aoff = 0;
	uint32_t argc, envc;

	memset(m, 0, sizeof(*m));
	if (len < 8)
		return cs_error_set(err, EPROTO, "short exec message");
	m->flags = vm_get_u32(p);
	m->rows = (uint16_t)get_le(p + 4, 2);
	m->cols = (uint16_t)get_le(p + 6, 2);
	off = 8;
	/* every string needs at least its 4 length bytes: the arena never
	 * needs more than len bytes (each string's NUL replaces its length) */
	m->buf = xmalloc(len + 1);
	if (get_str(p, len, &off, m->buf, &aoff, &m->cwd) < 0 || len - off < 8)
		goto bad;
	argc = vm_get_u32(p + off);
	envc = vm_get_u32(p + off + 4);
	off += 8;
	if (argc == 0 || argc > VM_MAX_ARGS || envc > VM_MAX_ARGS ||
	    (uint64_t)(argc + envc) * 4 > len - off)
		goto bad;
	m->argv = xcalloc(argc + 1, sizeof(char *));
	m->env = xcalloc(envc + 1, sizeof(char *));
	for (uint32_t i = 0; i < argc; i++)
		if (get_str(p, len, &off, m->buf, &aoff, &m->argv[i]) < 0)
			goto bad;
	for (uint32_t i = 0; i < envc; i++)
		if (get_str(p, len, &off, m->buf, &aoff, &m->env[i]) < 0)
			goto bad;
	if (off != len || !m->argv[0][0])
		goto bad;
	m->argc = argc;
	m->envc = envc;
	return 0;
bad:
	vm_exec_msg_release(m);
	return cs_error_set(err, EPROTO, "malformed exec message");
}

int vm_u32_str_decode(const uint8_t *p, size_t len, uint32_t *v, char **s,
		      struct cs_error *err)
{
	size_t off = 4, aoff = 0;
	char *arena, *str;

	if (len < 8)
		return cs_error_set(err, EPROTO, "short message");
	*v = vm_get_u32(p);
	arena = xmalloc(len);
	if (get_str(p, len, &off, arena, &aoff, &str) < 0 || off != len) {
		free(arena);
		return cs_error_set(err, EPROTO, "malformed message");
	}
	*s = arena; /* str == arena: the first string starts it */
	(void)str;
	return 0;
}

void vm_u32_str_frame(struct cs_buf *out, uint8_t type, uint32_t id, uint32_t v,
		      const char *s)
{
	struct cs_buf b = CS_BUF_INIT;
	size_t n = strlen(s);

	/* a message never makes a frame too big: cut it */
	if (n > VM_MAX_PAYLOAD - 8)
		n = VM_MAX_PAYLOAD - 8;
	vm_put_u32(&b, v);
	vm_put_u32(&b, (uint32_t)n);
	cs_buf_add(&b, s, n);
	vm_frame_put(out, type, 0, id, b.buf, b.len);
	cs_buf_release(&b);
}

/* ------------------------------------------------------------------ */

void vm_sock_buffer(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) <
	    0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

void vm_conn_init(struct vm_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->rfd = -1;
	cs_buf_init(&c->out, 0);
}

void vm_conn_release(struct vm_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->rfd >= 0)
		close(c->rfd);
	c->rfd = -1;
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_off = c->in_cap = c->in_used = 0;
	cs_buf_release(&c->out);
	c->out_off = 0;
}

void vm_conn_drop_input(struct vm_conn *c)
{
	c->in_len = c->in_off = c->in_used = 0;
}

/* read() for a connection that takes fds: the first one that came (in
 * any message) is kept in c->rfd until taken, others are closed. */
static ssize_t recv_fds(struct vm_conn *c, void *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);

	for (struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; h;
	     h = CMSG_NXTHDR(&m, h)) {
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->rfd < 0)
				c->rfd = fd;
			else
				close(fd);
		}
	}
	return n;
}

ssize_t vm_conn_fill(struct vm_conn *c)
{
	size_t got = 0;

	/* the frame handed out last is done with: keep only the partial
	 * frame after it, at the front */
	c->in_off += c->in_used;
	c->in_used = 0;
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	while (got < VM_FILL_MAX) {
		ssize_t n;

		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = c->in_cap ? 2 * c->in_cap : 262144;
			c->in = xrealloc(c->in, c->in_cap);
		}
		n = c->take_fds ? recv_fds(c, c->in + c->in_len,
					   c->in_cap - c->in_len) :
				  read(c->fd, c->in + c->in_len,
				       c->in_cap - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && got)
			break;
		if (n < 0)
			return errno == EAGAIN ? -EAGAIN : -errno;
		if (n == 0) /* EOF: the next call says so */
			break;
		c->in_len += (size_t)n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int vm_conn_pending(const struct vm_conn *c)
{
	return c->out.len > c->out_off;
}

int vm_conn_flush(struct vm_conn *c)
{
	while (c->out.len > c->out_off) {
		ssize_t n = write(c->fd, c->out.buf + c->out_off,
				  c->out.len - c->out_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		cs_buf_reset(&c->out);
		c->out_off = 0;
	} else if (c->out_off > 1 << 20) {
		/* compact now and then so the buffer does not only grow */
		memmove(c->out.buf, c->out.buf + c->out_off,
			c->out.len - c->out_off);
		cs_buf_truncate(&c->out, c->out.len - c->out_off);
		c->out_off = 0;
	}
	return 0;
}

ssize_t vm_send_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	return sendmsg(sock, &m, MSG_NOSIGNAL);
}

int vm_conn_send_fd(struct vm_conn *c, int fd)
{
	ssize_t n;

	if (!vm_conn_pending(c))
		return -EINVAL;
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };

		n = vm_send_fd(c->fd, c->out.buf + c->out_off,
			       c->out.len - c->out_off, fd);
		if (n >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		if (errno == EAGAIN && poll(&p, 1, 5000) == 0)
			return -ETIMEDOUT;
	}
	c->out_off += (size_t)n;
	return 0;
}

int vm_conn_flush_wait(struct vm_conn *c, int timeout_ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		long left;
		int r = vm_conn_flush(c);

		if (r < 0)
			return r;
		if (!vm_conn_pending(c))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
				     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, timeout_ms < 0 ? -1 : (int)left) < 0 &&
		    errno != EINTR)
			return -errno;
	}
}

int vm_conn_next(struct vm_conn *c, struct vm_hdr *hdr, const uint8_t **payload,
		 struct cs_error *err)
{
	size_t used;
	int r;

	/* drop the frame handed out last time */
	c->in_off += c->in_used;
	c->in_used = 0;
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	r = vm_frame_parse(c->in + c->in_off, c->in_len - c->in_off, hdr,
			   payload, &used, err);
	if (r == 1)
		c->in_used = used;
	return r;
}
