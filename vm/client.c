// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * client.c — the host side of a running VM that needs nothing but libc:
 * state paths, the supervisor's control socket, `@NAME cmd` (vm_exec: a
 * relay of stdio, signals and window size), ping and stop.  The shell
 * links this from libcshell; booting lives in boot.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "vm/vm_i.h"

extern char **environ;

int vm_check_name(const char *name, struct cs_error *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 ||
	    !strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
		    name[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-",
			    name[i]))
			goto bad;
	return 0;
bad:
	return cs_error_set(err, EINVAL, "invalid VM name '%s'",
			    name ? name : "");
}

char *vm_state_dir(const char *name, int create, struct cs_error *err)
{
	_cleanup_free_ char *sub = NULL;

	if (vm_check_name(name, err) < 0)
		return NULL;
	sub = xasprintf("vm/%s", name);
	return cs_root_subdir(CS_ROOT_RUNTIME, sub, create, err);
}

char *vm_guest_release(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir = vm_state_dir(name, 0, err), *p = NULL;
	struct cs_buf b = CS_BUF_INIT;

	if (!dir)
		return NULL;
	p = xasprintf("%s/release", dir);
	if (cs_read_file(p, &b, 256, err) < 0)
		return NULL;
	return cs_buf_detach(&b, NULL);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int vm_ctl_connect(const char *name, struct cs_error *err)
{
	_cleanup_free_ char *dir = vm_state_dir(name, 0, err);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!dir)
		return -1;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock",
			     dir) >= sizeof(sa.sun_path))
		return cs_error_set(err, ENAMETOOLONG, "socket path of VM %s",
				    name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cs_error_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return cs_error_set(err, ENOENT, "VM %s is not running",
					    name);
		return cs_error_set(err, e, "cannot reach VM %s", name);
	}
	return fd;
}

int vm_exists(const char *name)
{
	int fd = vm_ctl_connect(name, NULL);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Waits for the next frame (timeout_ms < 0: forever).  1, 0 on EOF or
 * timeout (err says which), -1 + err. */
static int next_frame(struct vm_conn *c, struct vm_hdr *h, const uint8_t **p,
		      int timeout_ms, struct cs_error *err)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		int r = vm_conn_next(c, h, p, err);
		ssize_t n;

		if (r != 0)
			return r;
		r = poll(&pf, 1, timeout_ms < 0 ? -1 : (int)(end - now_ms()));
		if (r == 0 || (timeout_ms >= 0 && now_ms() >= end)) {
			cs_error_set(err, ETIMEDOUT, "no answer");
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return cs_error_errno(err, "poll");
		n = vm_conn_fill(c);
		if (n == 0) {
			cs_error_set(err, ECONNRESET, "connection closed");
			return 0;
		}
		if (n < 0 && n != -EAGAIN)
			return cs_error_set(err, (int)-n, "read");
	}
}

/* Connects and reads the supervisor's HELLO. */
static int ctl_open(const char *name, struct vm_conn *c, struct cs_error *err)
{
	struct vm_hdr h;
	const uint8_t *p;
	uint32_t ver;
	char *info;
	int fd = vm_ctl_connect(name, err);

	if (fd < 0)
		return -1;
	/* vm_conn_fill reads until the socket is empty */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	vm_sock_buffer(fd, VM_WINDOW);
	vm_conn_init(c, fd);
	if (next_frame(c, &h, &p, 5000, err) != 1 || h.type != VM_MSG_HELLO ||
	    vm_u32_str_decode(p, h.len, &ver, &info, NULL) < 0) {
		vm_conn_release(c);
		return cs_error_wrap(err, "VM %s does not answer", name);
	}
	free(info);
	if (ver != VM_PROTO_VERSION) {
		vm_conn_release(c);
		return cs_error_set(err, EPROTO,
				    "VM %s speaks protocol %u, not %u", name,
				    ver, VM_PROTO_VERSION);
	}
	return 0;
}

int vm_ping(const char *name, int timeout_ms, long *rtt_us,
	    struct cs_error *err)
{
	struct vm_conn c;
	struct vm_hdr h;
	const uint8_t *p;
	struct timespec t0, t1;
	uint8_t cookie[8] = { 'c', 's', 'h', 'p', 'i', 'n', 'g', 0 };

	if (ctl_open(name, &c, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	vm_frame_put(&c.out, VM_MSG_PING, 0, 1, cookie, sizeof(cookie));
	if (vm_conn_flush_wait(&c, timeout_ms) < 0)
		goto fail;
	for (;;) {
		if (next_frame(&c, &h, &p, timeout_ms, err) != 1)
			goto fail;
		if (h.type == VM_MSG_PONG && h.id == 1)
			break;
		if (h.type == VM_MSG_ERROR)
			goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rtt_us)
		*rtt_us = (t1.tv_sec - t0.tv_sec) * 1000000 +
			  (t1.tv_nsec - t0.tv_nsec) / 1000;
	vm_conn_release(&c);
	return 0;
fail:
	vm_conn_release(&c);
	return cs_error_set(err, ETIMEDOUT, "VM %s does not answer a ping",
			    name);
}

static pid_t read_pid(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	struct cs_buf b = CS_BUF_INIT;
	long v = 0;

	if (cs_read_file(p, &b, 64, NULL) == 0)
		v = strtol(b.buf, NULL, 10);
	cs_buf_release(&b);
	return v > 1 ? (pid_t)v : 0;
}

void vm_rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		char *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			vm_rm_rf(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

/* The layered root, when there is one: unmounted lazily (QEMU may still
 * be going away).  Its upper layer is the VM's, in the data root: it
 * outlives the boot (vm_remove() removes it). */
static void remove_rootfs(const char *dir)
{
	_cleanup_free_ char *mnt = xasprintf("%s/rootfs", dir);
	struct stat st;

	if (stat(mnt, &st) < 0)
		return;
	if (umount2(mnt, MNT_DETACH) < 0 && errno == EPERM) {
		pid_t pid = fork();

		if (pid == 0) {
			execlp("fusermount3", "fusermount3", "-u", "-z", mnt,
			       (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	rmdir(mnt);
}

/* What the boot of a VM with a record said (its console, the guest's
 * release, the accelerator) moves to the record, for `sandbox logs` and
 * `inspect` of the stopped VM. */
static void keep_last_boot(const char *dir)
{
	static const char *const files[] = { "console.log", "release", "accel",
					     "boot" };
	const char *name = strrchr(dir, '/');
	_cleanup_free_ char *data = NULL, *cfg = NULL;
	struct stat st;

	data = vm_data_dir(name ? name + 1 : dir, 0, NULL);
	if (!data)
		return;
	cfg = xasprintf("%s/config", data);
	if (stat(cfg, &st) < 0)
		return;
	for (size_t i = 0; i < CS_ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *from = xasprintf("%s/%s", dir, files[i]),
				    *to = xasprintf("%s/%s", data, files[i]);

		if (stat(from, &st) == 0)
			rename(from, to);
	}
}

void vm_state_remove(const char *dir, int all)
{
	static const char *const files[] = {
		"ctl.sock", "console.log",    "initramfs", "initramfs.tmp",
		"qemu.pid", "supervisor.pid", "release",   "qemu.log",
		"mounts",   "accel",	      "boot",	   "lock",
	};

	keep_last_boot(dir);
	vm_cgroup_remove(dir);
	for (size_t i = 0; i < CS_ARRAY_SIZE(files) - !all; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);

		unlink(p);
		free(p);
	}
	/* virtiofsd sockets, one per writable share; QEMU's of the stdin
	 * ports, iN.sock */
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "fs-", 3) ||
		    (e->d_name[0] == 'i' && strstr(e->d_name, ".sock"))) {
			char *p = xasprintf("%s/%s", dir, e->d_name);

			unlink(p);
			free(p);
		}
	if (d)
		closedir(d);
	remove_rootfs(dir);
	{ /* the layer that masks the host's secrets (boot.c) */
		char *p = xasprintf("%s/mask", dir);

		vm_rm_rf(p);
		free(p);
	}
	if (all)
		rmdir(dir);
}

int vm_stop(const char *name, int timeout_ms, struct cs_error *err)
{
	_cleanup_free_ char *dir = vm_state_dir(name, 0, err);
	struct vm_conn c;
	pid_t sup, qemu;
	long end;

	if (!dir)
		return -1;
	sup = read_pid(dir, "supervisor.pid");
	qemu = read_pid(dir, "qemu.pid");
	if (ctl_open(name, &c, NULL) == 0) {
		struct vm_hdr h;
		const uint8_t *p;

		vm_frame_put(&c.out, VM_MSG_POWEROFF, 0, 0, NULL, 0);
		vm_conn_flush_wait(&c, 1000);
		/* the supervisor closes us once QEMU is gone */
		while (next_frame(&c, &h, &p, timeout_ms, NULL) == 1)
			;
		vm_conn_release(&c);
	}
	end = now_ms() + 2000;
	/* whatever is left: QEMU first, so the supervisor sees it die */
	if (qemu > 0 && kill(qemu, 0) == 0) {
		kill(qemu, SIGKILL);
	}
	while (sup > 0 && kill(sup, 0) == 0 && now_ms() < end)
		usleep(10000);
	if (sup > 0 && kill(sup, 0) == 0)
		kill(sup, SIGKILL);
	vm_state_remove(dir, 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* exec relay */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* a full pipe already holds enough wake-ups */
	}
	errno = e;
}

static const int fwd_sigs[] = { SIGINT,	 SIGTERM, SIGHUP,  SIGQUIT,
				SIGUSR1, SIGUSR2, SIGWINCH };

static void put_u32_frame(struct vm_conn *c, uint8_t type, uint8_t stream,
			  uint32_t id, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	vm_frame_put(&c->out, type, stream, id, b, 4);
}

static void put_winsize(struct vm_conn *c, int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		put_u32_frame(c, VM_MSG_WINSIZE, 0, 1,
			      (uint32_t)ws.ws_row | (uint32_t)ws.ws_col << 16);
}

/* Sends what stdin has, as far as the credit goes (a few frames per
 * wake-up); at its end an empty DATA.  0 once stdin is done, else 1. */
static int relay_stdin(struct vm_conn *c, int fd, uint32_t *credit)
{
	char buf[VM_HOST_CHUNK];

	for (int i = 0; i < 4 && *credit; i++) {
		size_t want = *credit < sizeof(buf) ? *credit : sizeof(buf);
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t n;

		/* stdin may block (it is the caller's): read only what poll
		 * says is there */
		if (i && poll(&pf, 1, 0) != 1)
			return 1;
		n = read(fd, buf, want);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 1;
		if (n <= 0) {
			vm_frame_put(&c->out, VM_MSG_DATA, VM_STDIN, 1, NULL,
				     0);
			return 0;
		}
		*credit -= (uint32_t)n;
		vm_frame_put(&c->out, VM_MSG_DATA, VM_STDIN, 1, buf, (size_t)n);
		if ((size_t)n < want)
			return 1;
	}
	return 1;
}

/* Where a command starts, seen from the caller's directory: under a
 * --mount destination when it lies in that mount's source (the longest
 * such), else "" (the VM's workdir).  Malloc'd. */
static char *start_dir(const char *name)
{
	_cleanup_free_ char *dir = vm_state_dir(name, 0, NULL), *p = NULL;
	struct cs_buf b = CS_BUF_INIT;
	char cwd[4096], *best = NULL;
	size_t best_len = 0;

	if (!dir || !getcwd(cwd, sizeof(cwd)))
		return xstrdup("");
	p = xasprintf("%s/mounts", dir);
	if (cs_read_file(p, &b, 1 << 20, NULL) < 0) {
		cs_buf_release(&b);
		return xstrdup("");
	}
	for (char *l = b.buf, *nl; *l; l = nl + 1) {
		char *dst;
		size_t n;

		nl = strchr(l, '\n');
		if (!nl)
			break;
		*nl = 0;
		dst = strchr(l, '\t');
		if (!dst)
			continue;
		*dst++ = 0;
		n = strlen(l);
		while (n > 1 && l[n - 1] == '/')
			n--;
		if (n <= best_len || strncmp(cwd, l, n) ||
		    (cwd[n] != '/' && cwd[n] != 0 && n > 1))
			continue;
		free(best);
		best = xasprintf("%s%s", dst, n > 1 ? cwd + n : cwd);
		best_len = n;
	}
	cs_buf_release(&b);
	return best ? best : xstrdup("");
}

int vm_exec(const char *name, const struct vm_exec_opts *o,
	    struct cs_error *err)
{
	_cleanup_free_ char *cwd = o->cwd ? xstrdup(o->cwd) : start_dir(name);
	struct sigaction sa = { .sa_handler = on_signal }, old[7];
	struct termios saved;
	struct winsize ws = { 0 };
	struct vm_conn c;
	struct cs_buf msg = CS_BUF_INIT;
	int tty, pass, raw = 0, status = -1, in_open = 1,
		       out_ok[3] = { 1, 1, 1 };
	struct stat st;
	uint32_t credit = VM_WINDOW, owed[3] = { 0 };

	if (!o->argv || !o->argv[0])
		return cs_error_set(err, EINVAL, "no command");
	if (ctl_open(name, &c, err) < 0)
		return -1;
	tty = o->tty >= 0 ? o->tty : isatty(o->in) && isatty(o->out);
	if (tty)
		ioctl(o->in, TIOCGWINSZ, &ws);
	/* stdout a pipe: the supervisor writes the command's stream port
	 * into it, and its bytes never pass through this process (one copy
	 * and a process fewer on their way) */
	pass = !tty && fstat(o->out, &st) == 0 && S_ISFIFO(st.st_mode);
	vm_exec_encode(
		&msg, (tty ? VM_EXEC_TTY : 0) | (pass ? VM_EXEC_OUTFD : 0),
		ws.ws_row, ws.ws_col, cwd, o->argv, o->env ? o->env : environ);
	if (msg.len > VM_MAX_PAYLOAD) {
		cs_buf_release(&msg);
		vm_conn_release(&c);
		return cs_error_set(err, E2BIG,
				    "command line and environment too long");
	}
	vm_frame_put(&c.out, VM_MSG_EXEC, 0, 1, msg.buf, msg.len);
	cs_buf_release(&msg);
	if (pass && vm_conn_send_fd(&c, o->out) < 0) {
		vm_conn_release(&c);
		return cs_error_set(err, 0, "VM %s went away", name);
	}

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		vm_conn_release(&c);
		return cs_error_errno(err, "pipe");
	}
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CS_ARRAY_SIZE(fwd_sigs); i++)
		sigaction(fwd_sigs[i], &sa, &old[i]);
	signal(SIGPIPE, SIG_IGN);
	if (tty && isatty(o->in) && tcgetattr(o->in, &saved) == 0) {
		struct termios t = saved;

		cfmakeraw(&t);
		raw = tcsetattr(o->in, TCSADRAIN, &t) == 0;
	}

	while (status < 0) {
		struct pollfd pf[3] = {
			{ .fd = c.fd,
			  .events = POLLIN |
				    (vm_conn_pending(&c) ? POLLOUT : 0) },
			/* stdin waits while the supervisor does not take
			 * what was sent: whatever credit the guest gives */
			{ .fd = in_open && credit &&
						c.out.len - c.out_off <
							VM_WINDOW ?
					o->in :
					-1,
			  .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
		};
		struct vm_hdr h;
		const uint8_t *p;
		ssize_t n;
		int r;

		if (poll(pf, 3, -1) < 0 && errno != EINTR)
			break;
		if (pf[2].revents) {
			unsigned char s;

			while (read(sig_pipe[0], &s, 1) == 1)
				if (s == SIGWINCH)
					put_winsize(&c, o->in);
				else
					put_u32_frame(&c, VM_MSG_SIGNAL, 0, 1,
						      s);
		}
		if (pf[1].revents)
			in_open = relay_stdin(&c, o->in, &credit);
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = vm_conn_fill(&c);
			if (n == 0 || (n < 0 && n != -EAGAIN)) {
				status = 255;
				cs_warn("VM %s went away", name);
				break;
			}
		}
		while ((r = vm_conn_next(&c, &h, &p, err)) == 1) {
			if (h.id != 1)
				continue;
			switch (h.type) {
			case VM_MSG_DATA:
				if (h.stream == VM_STDIN || !h.len)
					break;
				if (out_ok[h.stream] &&
				    cs_write_all(h.stream == VM_STDOUT ?
							 o->out :
							 o->errfd,
						 p, h.len) < 0) {
					/* our reader is gone: as a local
					 * writer would, the command gets
					 * SIGPIPE */
					out_ok[h.stream] = 0;
					put_u32_frame(&c, VM_MSG_SIGNAL, 0, 1,
						      SIGPIPE);
				}
				owed[h.stream] += h.len;
				if (owed[h.stream] >= VM_WINDOW_BATCH) {
					put_u32_frame(&c, VM_MSG_WINDOW,
						      h.stream, 1,
						      owed[h.stream]);
					owed[h.stream] = 0;
				}
				break;
			case VM_MSG_WINDOW:
				if (h.len == 4 && h.stream == VM_STDIN)
					credit += vm_get_u32(p);
				break;
			case VM_MSG_EXIT:
				if (h.len == 8)
					status =
						vm_get_u32(p) ?
							128 + (int)(vm_get_u32(
									    p +
									    4) &
								    127) :
							(int)(vm_get_u32(p +
									 4) &
							      255);
				break;
			case VM_MSG_ERROR: {
				uint32_t e;
				char *m;

				if (vm_u32_str_decode(p, h.len, &e, &m, NULL) <
				    0)
					e = EIO, m = xstrdup("bad error");
				if (raw)
					tcsetattr(o->in, TCSADRAIN, &saved),
						raw = 0;
				fprintf(stderr, "%s: %s: %s\n", name,
					o->argv[0], m);
				free(m);
				status = e == ENOENT ? 127 : 126;
				break;
			}
			default:
				break;
			}
		}
		if (r < 0) {
			status = 255;
			break;
		}
		if (vm_conn_flush(&c) < 0) {
			status = 255;
			cs_warn("VM %s went away", name);
			break;
		}
	}
	if (raw)
		tcsetattr(o->in, TCSADRAIN, &saved);
	for (size_t i = 0; i < CS_ARRAY_SIZE(fwd_sigs); i++)
		sigaction(fwd_sigs[i], &old[i], NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	vm_conn_release(&c);
	cs_error_release(err);
	return status < 0 ? 255 : status;
}
