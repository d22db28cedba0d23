/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm_i.h — private interfaces of vm/: the wire protocol shared by the
 * agent, the supervisor and the relay (docs/vm.md), the initramfs writer
 * and the state paths.
 */
#ifndef CSHELL_VM_I_H
#define CSHELL_VM_I_H

#include <stdint.h>

#include "lib/lib.h"
#include "vm/vm.h"

#define VM_PROTO_VERSION 4
#define VM_HDR_LEN 12
/* No frame carries more; a larger length is a protocol error. */
#define VM_MAX_PAYLOAD (64 * 1024)
/* Bytes a sender may have in flight per stream before a WINDOW.  A
 * stream moves at most a window per round trip of a WINDOW (port, QEMU,
 * supervisor, relay and back), which on a loaded host is tens of ms of
 * scheduling: 1 MiB capped a stream at ~35 MB/s where the raw port did
 * 300 (64 KiB in version 1, 256 KiB in version 2, 1 MiB in 3's first
 * cut).  A receiver returns credit in WINDOWs of at least VM_WINDOW_BATCH
 * bytes (fewer messages, fewer guest wake-ups); a stalled sender has
 * VM_WINDOW >= VM_WINDOW_BATCH in flight, so it always gets one. */
#define VM_WINDOW (8 * 1024 * 1024)
#define VM_WINDOW_BATCH (VM_WINDOW / 4)
/* The command's pipes in the guest: big enough that the command and the
 * agent take turns less often (pipe-max-size's default). */
#define VM_PIPE_SIZE (1024 * 1024)
/* The agent's DATA frames carry at most this much: a whole frame is one
 * write to the guest's virtio port, which takes 32 KiB per write. */
#define VM_CHUNK (32768 - VM_HDR_LEN)
/* The host's DATA frames (stdin) carry at most this much. */
#define VM_HOST_CHUNK VM_MAX_PAYLOAD
/* vm_conn_fill reads at most this much per call. */
#define VM_FILL_MAX (1024 * 1024)
/* Stream ports: virtio-serial ports beside the agent's.  stdout ports
 * "cshell.pN", each a socketpair of the supervisor's that stays
 * connected for the VM's life; stdin ports "cshell.iN", each a socket
 * <dir>/iN.sock of QEMU's the supervisor connects to anew for every exec
 * (the end of stdin is the end of a connection).  The agent gives free
 * ones to a command as its stdout and stdin (no copy through the agent:
 * docs/vm.md, "Stream ports"); VM_NPORTS of each. */
#define VM_NPORTS 2
/* Caps of an EXEC: so a malformed one cannot exhaust the guest. */
#define VM_MAX_ARGS 4096
#define VM_MAX_EXEC_BYTES (VM_MAX_PAYLOAD)

enum vm_msg_type {
	VM_MSG_HELLO = 1,     /* u32 version, str info */
	VM_MSG_EXEC = 2,      /* see struct vm_exec_msg */
	VM_MSG_STARTED = 3,   /* u32 pid */
	VM_MSG_DATA = 4,      /* stream in hdr; bytes; empty = EOF */
	VM_MSG_WINDOW = 5,    /* stream in hdr; u32 more bytes allowed */
	VM_MSG_SIGNAL = 6,    /* u32 signo */
	VM_MSG_WINSIZE = 7,   /* u16 rows, u16 cols */
	VM_MSG_EXIT = 8,      /* u32 kind (0 exit, 1 signal), u32 value */
	VM_MSG_PING = 9,      /* u64 cookie */
	VM_MSG_PONG = 10,     /* u64 cookie */
	VM_MSG_POWEROFF = 11, /* no payload */
	VM_MSG_ERROR = 12,    /* u32 errno, str message */
	/* agent -> supervisor only: */
	VM_MSG_PORT = 13,   /* stream in hdr; u32 stream port of that stream */
	VM_MSG_OUTLEN = 14, /* u64 bytes the exec wrote to its stdout port */
	VM_MSG_CLEAN = 15,  /* u32 stdin port read to the end of its last
			     * connection: the host may connect again */
	VM_MSG_CONFWAIT = 16, /* none: set up alike so far, waits for CONFIG */
	/* supervisor -> agent only: */
	VM_MSG_CONFIG = 17, /* "key=value" lines: the VM's own setup */
	VM_MSG_MAX = VM_MSG_CONFIG,
};

enum vm_stream {
	VM_STDIN = 0,
	VM_STDOUT = 1,
	VM_STDERR = 2,
};

struct vm_hdr {
	uint32_t len; /* payload bytes */
	uint8_t type;
	uint8_t stream;
	uint16_t flags; /* 0; reserved */
	uint32_t id;	/* exec channel, 0 for the VM as a whole */
};

#define VM_EXEC_TTY 1u
/* client → supervisor only: the client's stdout, a pipe, came with the
 * EXEC (SCM_RIGHTS); an exec's stream port is spliced into it */
#define VM_EXEC_OUTFD 2u

/* A decoded EXEC; the strings point into the payload copy in buf. */
struct vm_exec_msg {
	uint32_t flags;
	uint16_t rows, cols;
	char *cwd;   /* "" = the default workdir */
	char **argv; /* NULL terminated, argc >= 1 */
	char **env;  /* NULL terminated */
	size_t argc, envc;
	char *buf; /* owns everything above */
};

/* Splits a frame off the front of data: 1 and *hdr, *payload filled when
 * a whole frame is there (*used its size), 0 when more bytes are needed,
 * -1 + err for a malformed header (the stream cannot be resynced). */
int vm_frame_parse(const uint8_t *data, size_t len, struct vm_hdr *hdr,
		   const uint8_t **payload, size_t *used, struct cs_error *err);
/* The header of a frame of len payload bytes (which follow it). */
void vm_hdr_encode(uint8_t h[VM_HDR_LEN], uint8_t type, uint8_t stream,
		   uint32_t id, size_t len);
/* Appends a frame to out. */
void vm_frame_put(struct cs_buf *out, uint8_t type, uint8_t stream, uint32_t id,
		  const void *payload, size_t len);

/* Payload helpers (little endian). */
void vm_put_u16(struct cs_buf *b, uint16_t v);
void vm_put_u32(struct cs_buf *b, uint32_t v);
void vm_put_u64(struct cs_buf *b, uint64_t v);
void vm_put_str(struct cs_buf *b, const char *s);
uint32_t vm_get_u32(const uint8_t *p);
uint64_t vm_get_u64(const uint8_t *p);

/* key=value lines (the record, /cshell.conf) keep any value: a backslash
 * is written as two, a newline as a backslash and 'n'; unescaping is in
 * place. */
void vm_line_escape(struct cs_buf *b, const char *v);
void vm_line_unescape(char *s);

/* EXEC body. */
void vm_exec_encode(struct cs_buf *out, uint32_t flags, uint16_t rows,
		    uint16_t cols, const char *cwd, char *const *argv,
		    char *const *env);
int vm_exec_decode(const uint8_t *p, size_t len, struct vm_exec_msg *m,
		   struct cs_error *err);
void vm_exec_msg_release(struct vm_exec_msg *m);
/* HELLO / ERROR bodies: a u32 then a string (the rest of the payload,
 * NUL-free; malloc'd in *s). */
int vm_u32_str_decode(const uint8_t *p, size_t len, uint32_t *v, char **s,
		      struct cs_error *err);
void vm_u32_str_frame(struct cs_buf *out, uint8_t type, uint32_t id, uint32_t v,
		      const char *s);

/* A length-framed byte stream over a nonblocking fd: bytes read are
 * gathered in in[in_off..in_len); frames queued in out are written when
 * the fd takes them. */
struct vm_conn {
	int fd;
	uint8_t *in;
	size_t in_len, in_off, in_cap;
	size_t in_used; /* bytes of the frame vm_conn_next handed out */
	struct cs_buf out;
	size_t out_off;
	/* take_fds: reads keep an fd the peer passes (SCM_RIGHTS) in rfd
	 * (-1: none) until taken; a second one meanwhile is closed */
	int take_fds, rfd;
};

/* Lets a socket queue that many bytes it sends (past the system's cap
 * when we may, else up to it): a peer the host's scheduler keeps
 * waiting a few ms must not stall a stream. */
void vm_sock_buffer(int fd, int bytes);
void vm_conn_init(struct vm_conn *c, int fd);
void vm_conn_release(struct vm_conn *c);
/* Reads what is there, up to VM_FILL_MAX bytes in as many reads as it
 * takes (a guest's virtio port hands out a page per read).  Returns bytes
 * read, 0 at EOF, -EAGAIN when nothing was there, -errno. */
ssize_t vm_conn_fill(struct vm_conn *c);
/* Forgets the bytes read and not yet taken (a garbled stream). */
void vm_conn_drop_input(struct vm_conn *c);
/* Writes queued bytes.  0 when all written or the fd would block,
 * -errno on a broken connection. */
int vm_conn_flush(struct vm_conn *c);
int vm_conn_pending(const struct vm_conn *c);
/* Takes the next whole frame out of in: 1, 0 (need more), -1 + err.
 * *payload stays valid until the next vm_conn_fill on c (later frames
 * taken meanwhile do not move it: the agent writes them all at once). */
int vm_conn_next(struct vm_conn *c, struct vm_hdr *hdr, const uint8_t **payload,
		 struct cs_error *err);
/* send() of len bytes with fd attached (SCM_RIGHTS): sendmsg()'s result. */
ssize_t vm_send_fd(int sock, const void *buf, size_t len, int fd);
/* Writes queued bytes (at least one) with fd attached, waiting up to 5 s
 * for room: 0 or -errno.  The rest, if any, goes with vm_conn_flush. */
int vm_conn_send_fd(struct vm_conn *c, int fd);
/* Writes all queued bytes, blocking (poll) up to timeout_ms. */
int vm_conn_flush_wait(struct vm_conn *c, int timeout_ms);

/* initramfs.c: cpio "newc" archive writer. */
struct vm_cpio {
	int fd;
	uint64_t off;
	unsigned ino;
	int failed;
};

void vm_cpio_init(struct vm_cpio *c, int fd);
void vm_cpio_dir(struct vm_cpio *c, const char *path, unsigned mode);
void vm_cpio_file(struct vm_cpio *c, const char *path, unsigned mode,
		  const void *data, size_t len);
/* The trailer; 0 or -1 when any write failed. */
int vm_cpio_finish(struct vm_cpio *c);

/* Builds the initramfs of kernel k for cfg at path: the agent as /init,
 * the modules the guest needs (with their dependencies from modules.dep,
 * decompressed) and /cshell.conf (those modules); the VM's own setup
 * (root, mounts, hostname, workdir, env: the agent's CONFIG) is added to
 * vmconf.  0 or -1 + err. */
int vm_initramfs_build(const char *path, const struct vm_kernel *k,
		       const struct vm_config *cfg, const char *root_tag,
		       const char *root_fs, struct cs_buf *vmconf,
		       struct cs_error *err);
/* The module name of a path: basename without extensions, '-' as '_'. */
char *vm_module_name(const char *path);
/* Decompresses a whole .xz/.zst/.gz buffer (or copies a plain one). */
int vm_decompress(const void *data, size_t len, struct cs_buf *out, size_t cap,
		  struct cs_error *err);

/* The agent program: $CSHELL_AGENT, else cshell-agent next to
 * /proc/self/exe, else in PATH.  Malloc'd or NULL + err. */
char *vm_agent_program(struct cs_error *err);

/* runtime/vm/<name>[/<file>], created when create. */
char *vm_state_dir(const char *name, int create, struct cs_error *err);
int vm_check_name(const char *name, struct cs_error *err);
/* rm -rf, not crossing into anything it cannot remove. */
void vm_rm_rf(const char *path);
/* Removes the state files of a VM and its layered root with the upper
 * layer (all: also its lock and directory). */
void vm_state_remove(const char *dir, int all);

/* cgroup.c: QEMU's cgroups, for `sandbox stats` (no limits).  Creates
 * them for VM name and lists them in dir/cgroup: 0, or -1 (no rights, no
 * cgroup fs; nothing written).  *v2 / *v1 (':'-separated) malloc'd or
 * NULL: QEMU enters them with sbx_cgroup_enter() before it execs (memory
 * is charged where it is allocated). */
int vm_cgroup_create(const char *dir, const char *name, char **v2, char **v1);
/* What dir/cgroup lists; -1 when it does not exist. */
int vm_cgroup_read(const char *dir, char **v2, char **v1);
/* Removes the groups dir/cgroup lists, and that file. */
void vm_cgroup_remove(const char *dir);

/* supervisor.c */
int vm_ctl_connect(const char *name, struct cs_error *err);

#endif
