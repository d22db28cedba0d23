/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lib.h — the shared plumbing of cshell: error values with wrapped context,
 * a capped growable string buffer, allocation that never returns NULL,
 * cleanup helpers, the three state roots, atomic writes, locks and logging.
 *
 * Every other module includes only this header from lib/.  Nothing here
 * knows about the shell, sandboxes or images.
 */
#ifndef CSHELL_LIB_H
#define CSHELL_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define CS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The version of every program of the tree (`cshell --version`); a
 * remote host's cshell must answer the same to take sandboxes. */
#define CS_VERSION "0.1.0"

/* ------------------------------------------------------------------ */
/* Allocation: these abort with a message on OOM, they never return NULL. */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) CS_PRINTF(1, 2);

/* ------------------------------------------------------------------ */
/* Cleanup helpers (GCC/Clang __attribute__((cleanup))).
 * Never mix them with goto-style cleanup in one function. */

void cs_freep(void *p);	 /* free(*(void **)p) */
void cs_closep(int *fd); /* close(*fd) when *fd >= 0 */
void cs_fclosep(FILE **f);

#define _cleanup_free_ __attribute__((cleanup(cs_freep)))
#define _cleanup_close_ __attribute__((cleanup(cs_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cs_fclosep)))

/* Hand ownership out of a cleanup-managed local. */
#define steal_ptr(pp)                                                          \
	({                                                                     \
		__typeof__(*(pp)) tmp_ = *(pp);                                \
		*(pp) = NULL;                                                  \
		tmp_;                                                          \
	})
#define steal_fd(fdp)                                                          \
	({                                                                     \
		int tmpfd_ = *(fdp);                                           \
		*(fdp) = -1;                                                   \
		tmpfd_;                                                        \
	})

/* ------------------------------------------------------------------ */
/* Errors (crun's libcrun_error_t is the model).
 *
 * A function that can fail returns < 0 (or NULL) and fills the
 * struct cs_error * passed as its last argument.  Callers add context with
 * cs_error_wrap(), so the message reads from the outside in:
 *   cannot create sandbox 'dev': mount layered fs on /run/x: No such device
 * A NULL err pointer is allowed everywhere: the error is then dropped.
 */
struct cs_error {
	int code;  /* errno value, or 0 when not from a syscall */
	char *msg; /* owned; NULL when no error is set */
};

#define CS_ERROR_INIT                                                          \
	{                                                                      \
		0, NULL                                                        \
	}

/* Sets the error (replacing any previous one).  When code != 0 the
 * strerror(code) text is appended after ": ".  Always returns -1 (or
 * -code when code > 0) so callers can write `return cs_error_set(...)`. */
int cs_error_set(struct cs_error *err, int code, const char *fmt, ...)
	CS_PRINTF(3, 4);
/* Same, with code = errno. */
int cs_error_errno(struct cs_error *err, const char *fmt, ...) CS_PRINTF(2, 3);
/* Prefixes the current message with "<context>: ".  Returns -1 (or -code). */
int cs_error_wrap(struct cs_error *err, const char *fmt, ...) CS_PRINTF(2, 3);
/* Frees the message and resets the code. */
void cs_error_release(struct cs_error *err);
/* Prints "<prog>: <msg>\n" to stderr (prog may be NULL). */
void cs_error_print(const struct cs_error *err, const char *prog);

/* ------------------------------------------------------------------ */
/* Growable string buffer (git's strbuf, curl's dynbuf cap).
 *
 * Invariants: buf is always NUL-terminated (buf[len] == 0) and never NULL
 * after any call; before the first append buf points at a shared empty
 * string.  cap == 0 means no cap; otherwise an append that would make len
 * exceed cap fails with -E2BIG and leaves the buffer unchanged, so input
 * that grows a buffer can never exhaust memory.
 */
struct cs_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char cs_buf_empty[];
#define CS_BUF_INIT                                                            \
	{                                                                      \
		cs_buf_empty, 0, 0, 0                                          \
	}

void cs_buf_init(struct cs_buf *b, size_t cap);
/* Frees the storage; the buffer is reset to empty and can be reused. */
void cs_buf_release(struct cs_buf *b);
/* Returns the malloc'd string (never NULL) and resets the buffer. */
char *cs_buf_detach(struct cs_buf *b, size_t *len);
void cs_buf_reset(struct cs_buf *b); /* len = 0, keeps storage */
void cs_buf_truncate(struct cs_buf *b, size_t len);
/* Room for n more bytes after the end, for a read() straight into the
 * buffer (the length unchanged): a pointer to it, NULL past the cap;
 * cs_buf_commit() then adds the m <= n bytes that came. */
char *cs_buf_space(struct cs_buf *b, size_t n);
void cs_buf_commit(struct cs_buf *b, size_t m);
/* Appenders return 0, or -E2BIG past the cap. */
int cs_buf_add(struct cs_buf *b, const void *data, size_t n);
int cs_buf_addc(struct cs_buf *b, int c);
int cs_buf_adds(struct cs_buf *b, const char *s);
int cs_buf_addf(struct cs_buf *b, const char *fmt, ...) CS_PRINTF(2, 3);
int cs_buf_vaddf(struct cs_buf *b, const char *fmt, va_list ap);
/* Appends p[0..n) with control bytes (C0, DEL, C1 in UTF-8) and '\' as
 * \xNN: what a sandbox or a remote host names must not drive the
 * terminal. */
int cs_buf_add_printable(struct cs_buf *b, const char *p, size_t n);
/* s escaped so, malloc'd. */
char *cs_printable(const char *s);
/* Reads all of fd into the buffer (until EOF).  Returns bytes read, or
 * -errno / -E2BIG.  EINTR is retried. */
ssize_t cs_buf_read_fd(struct cs_buf *b, int fd);

/*
 * A growing NULL-terminated vector of malloc'd strings (git's strvec):
 * v[n] is NULL once anything was pushed; an empty vector has v NULL.
 * The vector owns its strings; cs_strvec_detach() hands them out.
 */
struct cs_strvec {
	char **v;
	size_t n, alloc;
};
#define CS_STRVEC_INIT                                                         \
	{                                                                      \
		NULL, 0, 0                                                     \
	}
/* Appends a copy of s. */
void cs_strvec_push(struct cs_strvec *sv, const char *s);
/* Appends s itself (malloc'd; the vector frees it). */
void cs_strvec_push_take(struct cs_strvec *sv, char *s);
void cs_strvec_release(struct cs_strvec *sv);
/* The NULL-terminated array (never NULL), now the caller's; sv is left
 * empty. */
char **cs_strvec_detach(struct cs_strvec *sv);
/* strcmp() of two char *s: qsort()'s and bsearch()'s comparator for an
 * array of strings. */
int cs_cmp_strp(const void *a, const void *b);

/* ------------------------------------------------------------------ */
/* State roots (docs/design.md §3).
 *
 * CS_ROOT_CONFIG:  $CSHELL_CONFIG_DIR, else $XDG_CONFIG_HOME/cshell
 *                  (~/.config/cshell), or /etc/cshell for root.
 * CS_ROOT_DATA:    $CSHELL_DATA_DIR, else $XDG_DATA_HOME/cshell
 *                  (~/.local/share/cshell), or /var/lib/cshell for root.
 * CS_ROOT_RUNTIME: $CSHELL_RUNTIME_DIR, else $XDG_RUNTIME_DIR/cshell
 *                  (/tmp/cshell-<uid> when unset), or /run/cshell for root.
 * The override variables win for root too.
 */
enum cs_root {
	CS_ROOT_CONFIG,
	CS_ROOT_DATA,
	CS_ROOT_RUNTIME,
};

/* Returns the malloc'd path of the root (not created). */
char *cs_root_path(enum cs_root root);
/* Returns the malloc'd path "<root>/<sub>", creating the directories
 * (mode 0700 for runtime, 0755 otherwise) when create is true.  NULL + err
 * on failure. */
char *cs_root_subdir(enum cs_root root, const char *sub, int create,
		     struct cs_error *err);
/* mkdir -p.  Returns 0 or -errno. */
int cs_mkdir_p(const char *path, mode_t mode);

/* ------------------------------------------------------------------ */
/* Files */

/* Removes name below dirfd and, when it is a directory, everything in
 * it; never follows a symlink.  0 (also when name does not exist) or
 * -errno. */
int cs_remove_tree(int dirfd, const char *name);
/* Removes everything inside the directory fd, which it takes over (and
 * closes). */
int cs_remove_children(int fd);

/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory.  Returns 0 or -1 with err set. */
int cs_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct cs_error *err);
/* The same for a file that must not exist yet: of two writers of one
 * path, one fails, with err's code EEXIST (a hard link, not a rename,
 * puts it in place). */
int cs_write_file_new(const char *path, const void *data, size_t len,
		      mode_t mode, struct cs_error *err);
/* Reads a whole file, at most cap bytes (0: no cap).  Returns 0 or -1. */
int cs_read_file(const char *path, struct cs_buf *out, size_t cap,
		 struct cs_error *err);
/* Opens (creating) path and takes an flock, exclusive or shared, waiting
 * when wait is true.  Returns the fd (O_CLOEXEC), or -1 with err set
 * (code EWOULDBLOCK when !wait and the lock is held). */
int cs_lock_path(const char *path, int exclusive, int wait,
		 struct cs_error *err);
/* write(2) all of it, retrying short writes and EINTR.  0 or -errno. */
int cs_write_all(int fd, const void *data, size_t len);

/* ------------------------------------------------------------------ */
/* Logging: messages go to stderr as "<prog>: <level>: <msg>".
 * The level comes from $CSHELL_LOG (error, warn, info, debug; default
 * warn). */
enum cs_log_level {
	CS_LOG_ERROR,
	CS_LOG_WARN,
	CS_LOG_INFO,
	CS_LOG_DEBUG,
};

void cs_log_set_prog(const char *prog); /* default "cshell" */
const char *cs_log_prog(void);
void cs_log(enum cs_log_level level, const char *fmt, ...) CS_PRINTF(2, 3);
#define cs_warn(...) cs_log(CS_LOG_WARN, __VA_ARGS__)
#define cs_info(...) cs_log(CS_LOG_INFO, __VA_ARGS__)
#define cs_debug(...) cs_log(CS_LOG_DEBUG, __VA_ARGS__)
/* What a helper program (cshell-image, cshell-hosts) says for the cshell
 * front end it serves: "cshell: <msg>" on stderr, after flushing stdout,
 * in the shell's own message style. */
void cs_cli_err(const char *fmt, ...) CS_PRINTF(1, 2);

#endif
