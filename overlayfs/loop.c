// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * loop.c — the multithreaded request loop: one primary thread that takes
 * every request it is free for, and helpers for requests that arrive
 * while it is busy.
 *
 * Why not libfuse's fuse_session_loop_mt: its workers block in read() on
 * /dev/fuse, where the kernel wakes the one that has slept longest, so a
 * sequential caller (tar, find, a compiler) meets another thread at
 * every request, one that last ran on whichever CPU; on this kind of
 * machine (2 nested vCPUs) a wake-up across CPUs costs several times the
 * request itself, more so when the CPUs are busy.  Nor does it help to
 * have the idle worker that answered last take the next request (epoll
 * waiters are woken last in, first out): the reply wakes the caller,
 * which on the same CPU preempts the worker before it is back waiting,
 * and its next request goes to another thread.  A single thread does
 * best: when it gets the CPU back, the caller's next request is already
 * queued and read() returns without sleeping.  But a single thread stops
 * every caller while one request waits on the disk (a copy-up's fsync, a
 * cold lookup).
 *
 * So the primary (the thread that called ovl_loop()) blocks in read() as
 * the only reader, and while it handles a request the fd is in an epoll
 * instance (EPOLLONESHOT) where helpers wait: a request that comes
 * meanwhile wakes one helper, last in, first out, and a helper that took
 * one re-arms the fd while the primary is still busy.  The primary
 * takes it out when it replies (passthrough.c's write hooks call
 * ovl_loop_replying()), before the caller can send its next request.
 * Requests arrive one per wake-up; a helper woken for a request the
 * primary read first polls, finds nothing and waits again.  One fd for
 * all (no clone_fd): replies must go back through the fd a request came
 * from, and cloned fds share the kernel's queue anyway.
 *
 * Helpers are started when the last idle one takes a request, up to
 * OVL_LOOP_MAX threads in all, and never ended: an idle helper at the
 * bottom of the epoll stack costs nothing, and none is created and
 * destroyed per burst.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "overlayfs/ovl_i.h"

/* As libfuse's default: enough for overlapping slow requests (copy-ups,
 * fsyncs) not to hold up quick ones on 2 to 8 CPUs. */
#define OVL_LOOP_MAX 8

struct ovl_loop {
	struct fuse_session *se;
	int fd, epfd;
	pthread_t primary;
	pthread_mutex_t lock; /* the fields below */
	bool busy;	      /* the primary handles a request */
	bool armed;	      /* helpers are woken by a request */
	bool in_set;	      /* the fd is in the epoll set */
	int nthreads, nidle;  /* helpers started, and waiting */
	pthread_t threads[OVL_LOOP_MAX - 1];
	int error;
};

/* set in the primary only */
static __thread struct ovl_loop *primary_loop;

static int start_helper(struct ovl_loop *lp);

/*
 * With lp->lock held: whether a request wakes a helper.  Off is a
 * removal from the epoll set, not a change to no events: epoll would
 * still add EPOLLERR and EPOLLHUP, and /dev/fuse wakes its pollers
 * without saying for what, so every request would wake a helper only to
 * find nothing for it.  An fd disarmed by its one-shot event stays in
 * the set, quiet, and is armed again with a change.
 */
static void set_armed(struct ovl_loop *lp, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };

	if (lp->armed == on)
		return;
	if (on &&
	    epoll_ctl(lp->epfd, lp->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      lp->fd, &ev) == 0)
		lp->armed = lp->in_set = true;
	else if (!on && epoll_ctl(lp->epfd, EPOLL_CTL_DEL, lp->fd, NULL) == 0)
		lp->armed = lp->in_set = false;
}

/* The primary is done with its request: it will read the next one. */
static void primary_idle(struct ovl_loop *lp)
{
	pthread_mutex_lock(&lp->lock);
	lp->busy = false;
	set_armed(lp, false);
	pthread_mutex_unlock(&lp->lock);
}

void ovl_loop_replying(void)
{
	struct ovl_loop *lp = primary_loop;

	if (lp && lp->busy)
		primary_idle(lp);
}

static void free_buf(void *arg)
{
	free(((struct fuse_buf *)arg)->mem);
}

static void *helper(void *arg)
{
	struct ovl_loop *lp = arg;
	struct fuse_buf buf = { 0 };
	struct pollfd pfd = { .fd = lp->fd, .events = POLLIN };
	struct epoll_event ev;
	int r;

	pthread_cleanup_push(free_buf, &buf);
	while (!fuse_session_exited(lp->se)) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		r = epoll_wait(lp->epfd, &ev, 1, -1);
		if (r == 1) {
			/* the one-shot event disarmed the fd */
			pthread_mutex_lock(&lp->lock);
			lp->armed = false;
			pthread_mutex_unlock(&lp->lock);
			/* still there, or read by the primary meanwhile? */
			r = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) ?
				    fuse_session_receive_buf(lp->se, &buf) :
				    0;
		} else if (r < 0 && errno != EINTR) {
			r = -errno;
		} else {
			r = 0;
		}
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (r == -EINTR || r == -EAGAIN || r == 0)
			continue;
		if (r < 0) {
			lp->error = r;
			fuse_session_exit(lp->se);
			/* interrupts the primary's read() */
			pthread_kill(lp->primary, SIGTERM);
			break;
		}
		pthread_mutex_lock(&lp->lock);
		/* the primary still busy: the next request wakes another */
		if (lp->busy)
			set_armed(lp, true);
		if (--lp->nidle == 0)
			start_helper(lp);
		pthread_mutex_unlock(&lp->lock);
		fuse_session_process_buf(lp->se, &buf);
		pthread_mutex_lock(&lp->lock);
		lp->nidle++;
		pthread_mutex_unlock(&lp->lock);
	}
	pthread_cleanup_pop(1);
	return NULL;
}

/* With lp->lock held, or before any helper runs. */
static int start_helper(struct ovl_loop *lp)
{
	sigset_t stop, old;
	int r;

	if (lp->nthreads == OVL_LOOP_MAX - 1)
		return -EAGAIN;
	/* the primary takes the signals that end the daemon (libfuse's
	 * handlers, which interrupt its read()); faults stay with the
	 * thread that faults */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	r = pthread_create(&lp->threads[lp->nthreads], NULL, helper, lp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		cs_warn("cannot start a request helper: %s", strerror(r));
		return -r;
	}
	lp->nthreads++;
	lp->nidle++;
	return 0;
}

int ovl_loop(struct fuse_session *se)
{
	struct ovl_loop lp = { .se = se,
			       .fd = fuse_session_fd(se),
			       .primary = pthread_self() };
	struct fuse_buf buf = { 0 };
	int r = 0;

	/* the fd joins it while the primary is busy */
	lp.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp.epfd < 0)
		return -errno;
	pthread_mutex_init(&lp.lock, NULL);
	pthread_mutex_lock(&lp.lock);
	start_helper(&lp);
	pthread_mutex_unlock(&lp.lock);
	primary_loop = &lp;
	while (!fuse_session_exited(se)) {
		r = fuse_session_receive_buf(se, &buf);
		if (r == -EINTR || r == -EAGAIN || r == 0) {
			r = 0;
			continue; /* a signal, or the session ended */
		}
		if (r < 0)
			break;
		pthread_mutex_lock(&lp.lock);
		lp.busy = true;
		set_armed(&lp, true);
		pthread_mutex_unlock(&lp.lock);
		fuse_session_process_buf(se, &buf);
		/* no reply (a forget): idle only now */
		ovl_loop_replying();
		r = 0;
	}
	primary_loop = NULL;
	free(buf.mem);
	pthread_mutex_lock(&lp.lock);
	for (int i = 0; i < lp.nthreads; i++)
		pthread_cancel(lp.threads[i]);
	pthread_mutex_unlock(&lp.lock);
	for (int i = 0; i < lp.nthreads; i++)
		pthread_join(lp.threads[i], NULL);
	pthread_mutex_destroy(&lp.lock);
	close(lp.epfd);
	fuse_session_reset(se);
	return r < 0 ? r : lp.error;
}

/*
 * Request counts, for the bench (tests/bench/fs.sh): with
 * CSHELL_FS_REQSTATS=FILE in its environment the daemon counts the
 * requests it reads by opcode, and on SIGUSR1 rewrites FILE with its pid,
 * the number of such dumps and the counts so far ("pid N", "seq N", then
 * "OPCODE COUNT" lines).  FILE is
 * opened before the daemon's root goes away; the pid is written at once
 * so that a reader knows whom to signal.  Off, it costs one test of a
 * NULL pointer per request.
 */
uint64_t *ovl_reqstats;
static int reqstats_fd = -1;

static const char *const op_names[OVL_REQSTATS_OPS] = {
	[1] = "LOOKUP",	       [2] = "FORGET",	   [3] = "GETATTR",
	[4] = "SETATTR",       [5] = "READLINK",   [6] = "SYMLINK",
	[8] = "MKNOD",	       [9] = "MKDIR",	   [10] = "UNLINK",
	[11] = "RMDIR",	       [12] = "RENAME",	   [13] = "LINK",
	[14] = "OPEN",	       [15] = "READ",	   [16] = "WRITE",
	[17] = "STATFS",       [18] = "RELEASE",   [20] = "FSYNC",
	[21] = "SETXATTR",     [22] = "GETXATTR",  [23] = "LISTXATTR",
	[24] = "REMOVEXATTR",  [25] = "FLUSH",	   [26] = "INIT",
	[27] = "OPENDIR",      [28] = "READDIR",   [29] = "RELEASEDIR",
	[30] = "FSYNCDIR",     [31] = "GETLK",	   [32] = "SETLK",
	[33] = "SETLKW",       [34] = "ACCESS",	   [35] = "CREATE",
	[36] = "INTERRUPT",    [37] = "BMAP",	   [38] = "DESTROY",
	[39] = "IOCTL",	       [40] = "POLL",	   [41] = "NOTIFY_REPLY",
	[42] = "BATCH_FORGET", [43] = "FALLOCATE", [44] = "READDIRPLUS",
	[45] = "RENAME2",      [46] = "LSEEK",	   [47] = "COPY_FILE_RANGE",
	[50] = "SYNCFS",       [51] = "TMPFILE",   [52] = "STATX",
};

/* async-signal-safe: no stdio in a signal handler */
static size_t put(char *b, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		b[at++] = *s++;
	return at;
}

static size_t put_u64(char *b, size_t at, size_t cap, uint64_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n && at < cap)
		b[at++] = d[--n];
	return at;
}

static void reqstats_write(int sig)
{
	static uint64_t seq; /* a reader waits for it to change */
	char b[4096];
	size_t at = 0, cap = sizeof(b) - 1;
	int e = errno;

	(void)sig;
	at = put(b, at, cap, "pid ");
	at = put_u64(b, at, cap, (uint64_t)getpid());
	at = put(b, at, cap, "\nseq ");
	at = put_u64(b, at, cap, ++seq);
	at = put(b, at, cap, "\n");
	for (int i = 0; ovl_reqstats && i < OVL_REQSTATS_OPS; i++) {
		uint64_t v =
			__atomic_load_n(&ovl_reqstats[i], __ATOMIC_RELAXED);

		if (!v)
			continue;
		if (op_names[i]) {
			at = put(b, at, cap, op_names[i]);
		} else {
			at = put(b, at, cap, "OP");
			at = put_u64(b, at, cap, (uint64_t)i);
		}
		at = put(b, at, cap, " ");
		at = put_u64(b, at, cap, v);
		at = put(b, at, cap, "\n");
	}
	/* one write of the whole file, blank lines after the counts: a
	 * reader never finds it truncated and half-written */
	memset(b + at, '\n', cap - at);
	if (pwrite(reqstats_fd, b, cap, 0) < 0)
		(void)0; /* nobody to tell from a signal handler */
	errno = e;
}

void ovl_reqstats_setup(void)
{
	const char *path = getenv("CSHELL_FS_REQSTATS");
	struct sigaction sa = { .sa_handler = reqstats_write,
				.sa_flags = SA_RESTART };

	if (!path || !*path)
		return;
	reqstats_fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (reqstats_fd < 0) {
		cs_warn("cannot open '%s' for request counts: %s", path,
			strerror(errno));
		return;
	}
	ovl_reqstats = xcalloc(OVL_REQSTATS_OPS, sizeof(*ovl_reqstats));
	sigaction(SIGUSR1, &sa, NULL);
	reqstats_write(0);
}
