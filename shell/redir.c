/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redir.c — redirections (XCU 2.7) on real file descriptors.  For builtins
 * and compound commands each changed fd is first saved above 10 (close on
 * exec) and restored by sh_redirect_undo(); forked children apply them
 * without saving.  Here-documents arrive through a pipe, or a memfd when
 * they are larger than a pipe holds.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "shell/builtin_i.h"
#include "shell/shell_i.h"

#define FD_BASE 10

int sh_move_fd_high(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE);

	if (nfd < 0)
		return -errno;
	close(fd);
	return nfd;
}

static bool saved_since(struct sh *sh, struct savedfd *mark, int fd)
{
	for (struct savedfd *s = sh->saved; s && s != mark; s = s->next)
		if (s->fd == fd)
			return true;
	return false;
}

static void save_fd(struct sh *sh, struct savedfd *mark, int fd)
{
	if (saved_since(sh, mark, fd))
		return;
	struct savedfd *s = xmalloc(sizeof(*s));
	s->fd = fd;
	s->saved = fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE);
	if (s->saved < 0 && errno != EBADF) {
		/* cannot save it: fall back to closing on undo */
		s->saved = -1;
	}
	s->next = sh->saved;
	sh->saved = s;
}

void sh_redirect_undo(struct sh *sh, struct savedfd *upto)
{
	while (sh->saved && sh->saved != upto) {
		struct savedfd *s = sh->saved;
		sh->saved = s->next;
		if (s->saved >= 0) {
			dup2(s->saved, s->fd);
			close(s->saved);
		} else {
			close(s->fd);
		}
		free(s);
	}
}

/* A pipe, or a memfd when len is more than a pipe holds, to read text
 * from: here-documents and here-strings. */
static int text_fd(const char *text, size_t len)
{
	int pfd[2];

	if (len <= 65536 && pipe2(pfd, O_CLOEXEC) == 0) {
		if (len && cs_write_all(pfd[1], text, len) < 0) {
			close(pfd[0]);
			close(pfd[1]);
			goto use_memfd;
		}
		close(pfd[1]);
		return pfd[0];
	}
use_memfd:;
	int fd = memfd_create("cshell-heredoc", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (cs_write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int sh_heredoc_fd(struct sh *sh, struct redir *r)
{
	const char *text;
	size_t len;

	if (r->body_quoted) {
		text = r->body ? r->body->u.lit.text : "";
		len = r->body ? r->body->u.lit.len : 0;
	} else {
		text = sh_expand_parts(sh, r->body, 0);
		len = strlen(text);
	}
	return text_fd(text, len);
}

/* <<< word (bash): the word, expanded but not split or globbed, and a
 * newline. */
static int herestr_fd(struct sh *sh, struct redir *r)
{
	struct cs_buf b = CS_BUF_INIT;

	cs_buf_adds(&b, sh_expand_word(sh, r->target, EXP_TILDE));
	cs_buf_addc(&b, '\n');
	int fd = text_fd(b.buf, b.len);
	cs_buf_release(&b);
	return fd;
}

static int open_target(struct sh *sh, struct redir *r, const char *fname)
{
	int fd;

	switch (r->type) {
	case R_IN:
		fd = open(fname, O_RDONLY | O_CLOEXEC);
		break;
	case R_RDWR:
		fd = open(fname, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		break;
	case R_APPEND:
		fd = open(fname, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0666);
		break;
	case R_OUT:
		if (sh->opts[OPT_NOCLOBBER]) {
			struct stat st;
			int exists = stat(fname, &st) == 0;
			if (exists && S_ISREG(st.st_mode)) {
				errno = EEXIST;
				return -1;
			}
			fd = open(fname,
				  O_WRONLY | O_CREAT | O_CLOEXEC |
					  (exists ? 0 : O_EXCL),
				  0666);
			break;
		}
		/* fall through */
	case R_CLOBBER:
	default:
		fd = open(fname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0666);
		break;
	}
	return fd;
}

/* Puts fd (which this takes) on target, saving target first. */
static int install_fd(struct sh *sh, struct savedfd *mark, bool save, int fd,
		      int target)
{
	if (save)
		save_fd(sh, mark, target);
	if (fd == target) {
		/* landed on the wanted fd: it must survive exec */
		fcntl(fd, F_SETFD, 0);
		return 0;
	}
	if (dup2(fd, target) < 0) {
		sh_err(sh, "%d: %s", target, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int open_file(struct sh *sh, struct redir *r, const char *fname)
{
	int fd = open_target(sh, r, fname);

	if (fd < 0)
		sh_err(sh, "%s '%s': %s",
		       r->type == R_IN ? "cannot open" : "cannot create", fname,
		       strerror(errno));
	return fd;
}

/* Stdout and stderr to file, as `>file 2>&1`: bash's `&>file`, `&>>file`
 * and `>&file` (no fd number before it; unspecified by POSIX). */
static int both_to_file(struct sh *sh, struct redir *r, struct savedfd *mark,
			bool save, const char *fname, enum redir_type type)
{
	struct redir out = *r;

	out.type = type;
	int fd = open_file(sh, &out, fname);
	if (fd < 0)
		return -1;
	int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE);
	if (fd2 < 0) {
		sh_err(sh, "'%s': %s", fname, strerror(errno));
		close(fd);
		return -1;
	}
	if (install_fd(sh, mark, save, fd, 1) < 0) {
		close(fd2);
		return -1;
	}
	return install_fd(sh, mark, save, fd2, 2);
}

/* {name}>…: fd moves to a free fd from 10 up, kept open after the
 * command (bash), whose number goes in name. */
static int name_fd(struct sh *sh, struct redir *r, int fd)
{
	char num[16];
	int nfd = fcntl(fd, F_DUPFD, FD_BASE);

	if (nfd < 0) {
		sh_err(sh, "{%s}: %s", r->fdvar, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(num, sizeof(num), "%d", nfd);
	if (sh_setvar(sh, r->fdvar, num, 0) < 0) {
		close(nfd);
		return -1;
	}
	return 0;
}

/* {name}>&- closes the fd whose number is in name. */
static int close_named(struct sh *sh, struct redir *r)
{
	const char *v = sh_getvar(sh, r->fdvar);
	char *end;
	long n = v ? strtol(v, &end, 10) : -1;

	if (!v || !*v || *end || n < 0 || n > INT_MAX) {
		sh_err(sh, "{%s}: '%s' is not a file descriptor", r->fdvar,
		       v ? v : "");
		return -1;
	}
	close(n);
	return 0;
}

/* <&word and >&word: a copy of fd word; `-` closes; `N-` (bash, ksh)
 * copies N and closes it, i.e. moves it. */
static int redirect_dup(struct sh *sh, struct redir *r, struct savedfd *mark,
			bool save)
{
	char *w = sh_expand_word(sh, r->target, EXP_TILDE);
	char *end = w;
	long n = 0;

	if (!strcmp(w, "-") && r->fdvar)
		return close_named(sh, r);
	if (!strcmp(w, "-")) {
		if (save)
			save_fd(sh, mark, r->fd);
		close(r->fd);
		return 0;
	}
	while (isdigit((unsigned char)*end) && n < 1024)
		n = n * 10 + (*end++ - '0');
	bool move = end > w && !strcmp(end, "-");
	if (end == w || (*end && !move) || n > 1023) {
		if (r->type == R_DUPOUT && !r->fd_given && *w &&
		    !isdigit((unsigned char)*w))
			return both_to_file(sh, r, mark, save, w, R_OUT);
		sh_err(sh, "%s: bad file descriptor for '%s'", w,
		       r->type == R_DUPIN ? "<&" : ">&");
		return -1;
	}
	if (n == r->fd && !r->fdvar)
		return 0;
	if (fcntl(n, F_GETFD) < 0) {
		sh_err(sh, "%ld: bad file descriptor", n);
		return -1;
	}
	if (r->fdvar) {
		int fd = fcntl(n, F_DUPFD_CLOEXEC, FD_BASE);
		if (fd < 0 || name_fd(sh, r, fd) < 0)
			return -1;
		if (move)
			close(n);
		return 0;
	}
	if (save)
		save_fd(sh, mark, r->fd);
	if (dup2(n, r->fd) < 0) {
		sh_err(sh, "%ld: %s", n, strerror(errno));
		return -1;
	}
	if (move) {
		if (save)
			save_fd(sh, mark, n);
		close(n);
	}
	return 0;
}

int sh_redirect(struct sh *sh, struct redir *r, bool save)
{
	struct savedfd *mark = sh->saved;

	for (; r; r = r->next) {
		int fd;
		if (r->fd >= 1024 || r->fd < 0) {
			sh_err(sh, "%d: bad file descriptor number", r->fd);
			return -1;
		}
		switch (r->type) {
		case R_DUPIN:
		case R_DUPOUT:
			if (redirect_dup(sh, r, mark, save) < 0)
				return -1;
			continue;
		case R_HEREDOC:
		case R_HERESTR:
			fd = r->type == R_HEREDOC ? sh_heredoc_fd(sh, r) :
						    herestr_fd(sh, r);
			if (fd < 0) {
				sh_err(sh, "cannot make here-document: %s",
				       strerror(-fd));
				return -1;
			}
			break;
		default:
			if (r->both) {
				char *f = sh_expand_word(sh, r->target,
							 EXP_TILDE);
				if (both_to_file(sh, r, mark, save, f,
						 r->type) < 0)
					return -1;
				continue;
			}
			fd = open_file(
				sh, r,
				sh_expand_word(sh, r->target, EXP_TILDE));
			if (fd < 0)
				return -1;
			break;
		}
		int rc = r->fdvar ? name_fd(sh, r, fd) :
				    install_fd(sh, mark, save, fd, r->fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}
