/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redir.c — redirections (XCU 2.7) on real file descriptors.  For builtins
 * and compound commands each changed fd is first saved above 10 (close on
 * exec) and restored by sh_redirect_undo(); forked children apply them
 * without saving.  Here-documents arrive through a pipe, or a memfd when
 * they are larger than a pipe holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

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

int sh_heredoc_fd(struct sh *sh, struct redir *r)
{
	const char *text;
	size_t len;
	int pfd[2];

	if (r->body_quoted) {
		text = r->body ? r->body->u.lit.text : "";
		len = r->body ? r->body->u.lit.len : 0;
	} else {
		text = sh_expand_parts(sh, r->body, 0);
		len = strlen(text);
	}
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

int sh_redirect(struct sh *sh, struct redir *r, bool save)
{
	struct savedfd *mark = sh->saved;

	for (; r; r = r->next) {
		int fd = -1;
		if (r->fd >= 1024 || r->fd < 0) {
			sh_err(sh, "%d: bad file descriptor number", r->fd);
			return -1;
		}
		if (r->type == R_HEREDOC) {
			fd = sh_heredoc_fd(sh, r);
			if (fd < 0) {
				sh_err(sh, "cannot make here-document: %s",
				       strerror(-fd));
				return -1;
			}
		} else if (r->type == R_DUPIN || r->type == R_DUPOUT) {
			char *w = sh_expand_word(sh, r->target, EXP_TILDE);
			if (!strcmp(w, "-")) {
				if (save)
					save_fd(sh, mark, r->fd);
				close(r->fd);
				continue;
			}
			char *end;
			long n = strtol(w, &end, 10);
			if (!*w || *end || n < 0 || n > 1023) {
				sh_err(sh, "%s: bad file descriptor for '%s'",
				       w, r->type == R_DUPIN ? "<&" : ">&");
				return -1;
			}
			if (n == r->fd)
				continue;
			if (fcntl(n, F_GETFD) < 0) {
				sh_err(sh, "%ld: bad file descriptor", n);
				return -1;
			}
			if (save)
				save_fd(sh, mark, r->fd);
			if (dup2(n, r->fd) < 0) {
				sh_err(sh, "%ld: %s", n, strerror(errno));
				return -1;
			}
			continue;
		} else {
			char *fname = sh_expand_word(sh, r->target, EXP_TILDE);
			fd = open_target(sh, r, fname);
			if (fd < 0) {
				const char *verb = r->type == R_IN ?
							   "cannot open" :
							   "cannot create";
				sh_err(sh, "%s '%s': %s", verb, fname,
				       strerror(errno));
				return -1;
			}
		}
		if (save)
			save_fd(sh, mark, r->fd);
		if (fd != r->fd) {
			if (dup2(fd, r->fd) < 0) {
				sh_err(sh, "%d: %s", r->fd, strerror(errno));
				close(fd);
				return -1;
			}
			close(fd);
		} else {
			/* landed on the wanted fd: it must survive exec */
			fcntl(fd, F_SETFD, 0);
		}
	}
	return 0;
}
