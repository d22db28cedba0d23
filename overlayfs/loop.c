// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * loop.c — the multithreaded request loop.
 *
 * Workers wait for requests in epoll_wait() on one epoll instance that
 * watches the /dev/fuse fd, instead of blocking in read() on it as
 * libfuse's fuse_session_loop_mt() does.  Why: the kernel queues
 * read()ers of /dev/fuse first in, first out, so each request wakes the
 * worker that has slept longest; a sequential caller (tar, find, a
 * compiler) meets another thread at every request, one that last ran on
 * whichever CPU, and on this kind of machine (2 nested vCPUs) a wake-up
 * across CPUs costs several times the request itself, more so when the
 * CPUs are busy.  Fewer idle workers in libfuse's loop do not help: with
 * max_idle_threads below the busy count it ends and creates a thread per
 * request.  Waiters of one epoll instance are woken last in, first out:
 * the worker that just answered takes the next request, the scheduler
 * keeps it next to its caller, and the other workers sleep until requests
 * overlap (a slow copy-up or fsync, readahead, writeback).
 *
 * The fd is watched with EPOLLONESHOT and re-armed right after each read,
 * before the request is handled: one wake-up per request (level-triggered
 * epoll would wake a second waiter while the first has yet to read), and
 * a request that arrived meanwhile wakes the next idle worker at once.
 * The fd is non-blocking, so a worker that lost the request to another
 * (an interrupted one is withdrawn) just waits again.  One fd for all
 * (no clone_fd): cloned fds share the kernel's request queue, and each
 * would be woken for every request.
 *
 * Workers are started when the last idle one takes a request, up to
 * OVL_LOOP_MAX, and are never ended: an idle worker at the bottom of the
 * epoll stack costs nothing, and none is created and destroyed per burst.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
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
	pthread_mutex_t lock;
	int nthreads, nidle; /* started, and not handling a request */
	pthread_t threads[OVL_LOOP_MAX];
	sem_t finish; /* posted by a worker that saw the session end */
	int error;
};

static int start_worker(struct ovl_loop *lp);

/* Watch the fd for the next request; at once if one is waiting. */
static int arm(struct ovl_loop *lp, int op)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };

	return epoll_ctl(lp->epfd, op, lp->fd, &ev);
}

static void free_buf(void *arg)
{
	free(((struct fuse_buf *)arg)->mem);
}

static void *worker(void *arg)
{
	struct ovl_loop *lp = arg;
	struct fuse_buf buf = { 0 };
	struct epoll_event ev;
	int r;

	pthread_cleanup_push(free_buf, &buf);
	while (!fuse_session_exited(lp->se)) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		r = epoll_wait(lp->epfd, &ev, 1, -1);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (r < 0 && errno != EINTR) {
			lp->error = -errno;
			fuse_session_exit(lp->se);
			break;
		}
		if (r <= 0)
			continue;
		/* libfuse allocates buf.mem at the first read */
		r = fuse_session_receive_buf(lp->se, &buf);
		if (arm(lp, EPOLL_CTL_MOD) < 0 && !fuse_session_exited(lp->se)) {
			lp->error = -errno;
			fuse_session_exit(lp->se);
			break;
		}
		if (r == -EAGAIN || r == -EINTR || r == 0)
			continue; /* taken by another, or the session ended */
		if (r < 0) {
			lp->error = r;
			fuse_session_exit(lp->se);
			break;
		}
		pthread_mutex_lock(&lp->lock);
		/* the last idle worker is busy now: one more may be needed
		 * while this request takes its time */
		if (--lp->nidle == 0 && lp->nthreads < OVL_LOOP_MAX)
			start_worker(lp);
		pthread_mutex_unlock(&lp->lock);
		fuse_session_process_buf(lp->se, &buf);
		pthread_mutex_lock(&lp->lock);
		lp->nidle++;
		pthread_mutex_unlock(&lp->lock);
	}
	pthread_cleanup_pop(1);
	sem_post(&lp->finish);
	return NULL;
}

/* With lp->lock held, or before any worker runs. */
static int start_worker(struct ovl_loop *lp)
{
	sigset_t stop, old;
	int r;

	/* the main thread takes the signals that end the daemon (libfuse's
	 * handlers); faults stay with the thread that faults */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	r = pthread_create(&lp->threads[lp->nthreads], NULL, worker, lp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		cs_warn("cannot start a request worker: %s", strerror(r));
		return -r;
	}
	lp->nthreads++;
	lp->nidle++;
	return 0;
}

int ovl_loop(struct fuse_session *se)
{
	struct ovl_loop lp = { .se = se, .fd = fuse_session_fd(se) };
	int r, fl = fcntl(lp.fd, F_GETFL);

	if (fl < 0 || fcntl(lp.fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	lp.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp.epfd < 0)
		return -errno;
	if (arm(&lp, EPOLL_CTL_ADD) < 0) {
		r = -errno;
		close(lp.epfd);
		return r;
	}
	pthread_mutex_init(&lp.lock, NULL);
	sem_init(&lp.finish, 0, 0);
	pthread_mutex_lock(&lp.lock);
	r = start_worker(&lp);
	pthread_mutex_unlock(&lp.lock);
	/* a signal (libfuse's handlers end the session) interrupts the
	 * wait; so does a worker that saw the connection end */
	while (r == 0 && !fuse_session_exited(se))
		sem_wait(&lp.finish);
	pthread_mutex_lock(&lp.lock);
	for (int i = 0; i < lp.nthreads; i++)
		pthread_cancel(lp.threads[i]);
	pthread_mutex_unlock(&lp.lock);
	for (int i = 0; i < lp.nthreads; i++)
		pthread_join(lp.threads[i], NULL);
	sem_destroy(&lp.finish);
	pthread_mutex_destroy(&lp.lock);
	close(lp.epfd);
	fcntl(lp.fd, F_SETFL, fl);
	fuse_session_reset(se);
	return r ? r : lp.error;
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
	[1] = "LOOKUP", [2] = "FORGET", [3] = "GETATTR", [4] = "SETATTR",
	[5] = "READLINK", [6] = "SYMLINK", [8] = "MKNOD", [9] = "MKDIR",
	[10] = "UNLINK", [11] = "RMDIR", [12] = "RENAME", [13] = "LINK",
	[14] = "OPEN", [15] = "READ", [16] = "WRITE", [17] = "STATFS",
	[18] = "RELEASE", [20] = "FSYNC", [21] = "SETXATTR",
	[22] = "GETXATTR", [23] = "LISTXATTR", [24] = "REMOVEXATTR",
	[25] = "FLUSH", [26] = "INIT", [27] = "OPENDIR", [28] = "READDIR",
	[29] = "RELEASEDIR", [30] = "FSYNCDIR", [31] = "GETLK",
	[32] = "SETLK", [33] = "SETLKW", [34] = "ACCESS", [35] = "CREATE",
	[36] = "INTERRUPT", [37] = "BMAP", [38] = "DESTROY", [39] = "IOCTL",
	[40] = "POLL", [41] = "NOTIFY_REPLY", [42] = "BATCH_FORGET",
	[43] = "FALLOCATE", [44] = "READDIRPLUS", [45] = "RENAME2",
	[46] = "LSEEK", [47] = "COPY_FILE_RANGE", [50] = "SYNCFS",
	[51] = "TMPFILE", [52] = "STATX",
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
		uint64_t v = __atomic_load_n(&ovl_reqstats[i], __ATOMIC_RELAXED);

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
	reqstats_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (reqstats_fd < 0) {
		cs_warn("cannot open '%s' for request counts: %s", path,
			strerror(errno));
		return;
	}
	ovl_reqstats = xcalloc(OVL_REQSTATS_OPS, sizeof(*ovl_reqstats));
	sigaction(SIGUSR1, &sa, NULL);
	reqstats_write(0);
}
