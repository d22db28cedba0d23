// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * agent.c — cshell-agent, the guest's /init (static: it starts from the
 * initramfs, before any root with a C library is mounted).
 *
 * It mounts /proc /sys /dev, loads the modules /cshell.conf lists (the
 * host put them in dependency order), mounts the shared root (9p or
 * virtiofs) and the --mounts, moves into the root, and then serves the
 * host over the virtio-serial port "cshell.agent": EXECs with pipes or a
 * pty, their streams under per-stream windows, signals, window sizes,
 * exits, pings and power-off (docs/vm.md).  Being pid 1 it also reaps
 * every orphan, and it must never exit: the kernel would panic.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "vm/vm_i.h"

extern char **environ;

struct exec {
	uint32_t id;
	pid_t pid;
	int tty;
	int in;	    /* stdin pipe / pty master (not owned when tty) */
	int out[3]; /* [1] stdout, [2] stderr (pty master in [1]) */
	uint32_t credit[3];
	uint32_t owed;	   /* stdin bytes written, not yet granted back */
	struct cs_buf inq; /* stdin bytes not yet written */
	/* DATA frames of one port read, written with one writev: they
	 * point into the port's input, valid until its next fill */
	struct iovec pend[64];
	int npend;
	int in_eof; /* close in once inq drained */
	int exited, status;
	/* the stream port that is its stdout (-1: a pipe), its byte count
	 * when the exec got it; waiting: EXIT waits for a process the
	 * command left behind to let go of it; iport: the stream port that
	 * is its stdin (-1: a pipe), an index of sport[] */
	int oport, waiting, iport;
	unsigned long long obase;
	struct exec *next;
};

static struct vm_conn port = { .fd = -1 };
static struct exec *execs;
static char **conf_env;
static size_t conf_nenv;
static char *conf_workdir = "/";
static int port_hup;
/* The stream ports: [0, VM_NPORTS) stdout ports cshell.pK, then as many
 * stdin ports cshell.iK.  dbg: its debugfs file (-1: not usable); busy:
 * given to an exec whose EXIT is not sent yet; dirty (stdin): that EXIT
 * went, and the port is not free again before the agent has read it to
 * its end (the host's old connection gone), drain its fd for that. */
static struct sport {
	int dbg, busy, dirty, drain;
	char dev[32];
} sport[2 * VM_NPORTS];

static void say(const char *fmt, ...) CS_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "cshell-agent: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (write(2, line, strlen(line)) < 0) {
		/* nowhere else to say it */
	}
}

/* pid 1 must not return: on a fatal setup error, say it on the console
 * and power off so the host's boot fails with the console tail. */
static void die(const char *what)
{
	say("fatal: %s: %s", what, strerror(errno));
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void mnt(const char *src, const char *dst, const char *type,
		unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		say("mount %s on %s: %s", type, dst, strerror(errno));
}

static void mkdir_p(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		say("module %s: %s", path, strerror(errno));
		return;
	}
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
		/* a kernel that enforces signatures: the signed original */
		char *signed_path = xasprintf("%s.signed", path);
		int sfd = open(signed_path, O_RDONLY | O_CLOEXEC);

		if (sfd < 0 || (syscall(SYS_finit_module, sfd, "", 0) < 0 &&
				errno != EEXIST))
			say("load %s: %s", path, strerror(errno));
		if (sfd >= 0)
			close(sfd);
		free(signed_path);
	}
	close(fd);
}

/* Mounts a shared directory, retrying while its device is still being
 * probed (the transport registers its tags asynchronously). */
/* Mounts a shared directory, retrying while its device is still being
 * probed (the transport registers its tags asynchronously).  The root
 * is the VM's own (nobody else writes it): cached loosely, which saves
 * a round trip through 9p for every lookup; a --mount is a live host
 * directory the user edits there too: mmap caching only. */
static int mount_share(const char *fs, const char *tag, const char *dst, int ro,
		       int own)
{
	unsigned long fl = ro ? MS_RDONLY : 0;
	const char *opts = NULL;

	if (!strcmp(fs, "9p"))
		opts = own ? "trans=virtio,version=9p2000.L,msize=262144,"
			     "cache=loose" :
			     "trans=virtio,version=9p2000.L,msize=262144,"
			     "cache=mmap";
	else
		fs = "virtiofs";
	for (int i = 0; i < 200; i++) {
		if (mount(tag, dst, fs, fl, opts) == 0)
			return 0;
		if (errno != ENOENT && errno != ENODEV && errno != EINVAL)
			break;
		usleep(10000);
	}
	say("mount %s %s on %s: %s", fs, tag, dst, strerror(errno));
	return -1;
}

/* The dynamic loader /bin/sh names (its PT_INTERP) in buf; -1 when
 * there is none. */
static int interp_of_sh(char *buf, size_t size)
{
	Elf64_Ehdr eh;
	int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC), r = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr))
		for (unsigned i = 0; i < eh.e_phnum && r < 0; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph),
				  (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			if (ph.p_type != PT_INTERP || ph.p_filesz >= size)
				continue;
			if (pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) ==
			    (ssize_t)ph.p_filesz) {
				buf[ph.p_filesz] = 0;
				r = 0;
			}
		}
	close(fd);
	return r;
}

/* Nearly every command maps the dynamic loader, the C library beside it
 * and the loader's cache.  The first to run would fault them in through
 * 9p a few pages at a time, ~60 ms under TCG; read here in 256 KiB reads
 * by a child (reaped as an orphan is) while the host is told the VM is
 * up, the first command finds them in the page cache (docs/vm.md). */
static void prefetch(void)
{
	char interp[256], real[4096], *files[3] = { "/etc/ld.so.cache" };
	char *buf;
	int n = 1;

	if (fork() != 0)
		return;
	if (interp_of_sh(interp, sizeof(interp)) == 0 &&
	    realpath(interp, real)) {
		files[n++] = xstrdup(real);
		*strrchr(real, '/') = 0;
		files[n++] = xasprintf("%s/libc.so.6", real);
	}
	buf = xmalloc(256 << 10);
	for (int i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);

		while (fd >= 0 && read(fd, buf, 256 << 10) > 0)
			;
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

/* What the host's configuration says (the initramfs's /cshell.conf: the
 * modules; the supervisor's CONFIG: the rest), until setup_root(). */
static struct {
	char root_fs[16], root_tag[256];
	int root_ro;
	struct cs_buf mounts, hide;
} conf = { .root_fs = "9p",
	   .root_tag = "cshroot",
	   .mounts = CS_BUF_INIT,
	   .hide = CS_BUF_INIT };

/* Fresh randomness from the host, credited: a guest restored from a
 * snapshot would otherwise draw the same numbers as every other clone
 * of it. */
static void reseed(const char *hex)
{
	struct {
		int entropy_count, buf_size;
		unsigned char buf[64];
	} e = { 0 };
	size_t n = strlen(hex) / 2;
	int fd;

	if (n > sizeof(e.buf))
		n = sizeof(e.buf);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return;
		e.buf[i] = (unsigned char)v;
	}
	e.entropy_count = (int)n * 8;
	e.buf_size = (int)n;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &e) < 0 ||
	    ioctl(fd, RNDRESEEDCRNG) < 0)
		say("reseed: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* "key=value" lines (conf_put()'s escaping undone where it applies) */
static void conf_apply(char *text)
{
	for (char *line = text, *nl; line && *line; line = nl) {
		char *v;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		v = strchr(line, '=');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(line, "hide") || !strcmp(line, "hostname") ||
		    !strcmp(line, "workdir") || !strcmp(line, "env"))
			vm_line_unescape(v);
		if (!strcmp(line, "module"))
			load_module(v);
		else if (!strcmp(line, "root_fs"))
			snprintf(conf.root_fs, sizeof(conf.root_fs), "%s", v);
		else if (!strcmp(line, "root_tag"))
			snprintf(conf.root_tag, sizeof(conf.root_tag), "%s", v);
		else if (!strcmp(line, "root_ro"))
			conf.root_ro = atoi(v);
		else if (!strcmp(line, "mount")) /* tag \t dst \t ro \t fs */
			cs_buf_addf(&conf.mounts, "%s\n", v);
		else if (!strcmp(line, "hide"))
			cs_buf_addf(&conf.hide, "%s\n", v);
		else if (!strcmp(line, "hostname"))
			sethostname(v, strlen(v));
		else if (!strcmp(line, "workdir"))
			conf_workdir = xstrdup(v);
		else if (!strcmp(line, "env")) {
			conf_env = xrealloc(conf_env,
					    (conf_nenv + 2) * sizeof(char *));
			conf_env[conf_nenv++] = xstrdup(v);
			conf_env[conf_nenv] = NULL;
		} else if (!strcmp(line, "time")) {
			/* a restored guest's clock is the snapshot's */
			struct timespec t = { 0 };
			long long sec = 0, nsec = 0;

			if (sscanf(v, "%lld.%lld", &sec, &nsec) == 2) {
				t.tv_sec = (time_t)sec;
				t.tv_nsec = nsec;
				clock_settime(CLOCK_REALTIME, &t);
			}
		} else if (!strcmp(line, "seed")) {
			reseed(v);
		}
	}
}

/* /proc, /sys, /dev and the modules the initramfs's /cshell.conf lists:
 * what every VM of this kernel and agent does alike (a snapshot may be
 * taken after it, docs/vm.md). */
static void early(void)
{
	struct cs_buf b = CS_BUF_INIT;

	mnt("proc", "/proc", "proc", 0, NULL);
	mnt("sysfs", "/sys", "sysfs", 0, NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (cs_read_file("/cshell.conf", &b, 1 << 20, NULL) < 0)
		die("/cshell.conf");
	conf_apply(b.buf);
	cs_buf_release(&b);
}

/* The VM's own root and mounts, from its CONFIG, and the move into it. */
static void setup_root(void)
{
	if (mount_share(conf.root_fs, conf.root_tag, "/newroot", conf.root_ro,
			1) < 0)
		die("cannot mount the root");
	for (char *l = conf.mounts.buf, *nl; *l; l = nl + 1) {
		char *dst, *ro, *fs, path[4096];

		nl = strchr(l, '\n');
		*nl = 0;
		dst = strchr(l, '\t');
		ro = dst ? strchr(dst + 1, '\t') : NULL;
		fs = ro ? strchr(ro + 1, '\t') : NULL;
		if (!fs)
			continue;
		*dst++ = 0;
		*ro++ = 0;
		*fs++ = 0;
		snprintf(path, sizeof(path), "/newroot%s", dst);
		mkdir_p(path);
		mount_share(fs, l, path, atoi(ro), 0);
	}
	cs_buf_release(&conf.mounts);

	/* the classic switch_root: the initramfs cannot be pivoted away */
	if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		die("switch root");
	prefetch();
	mnt("proc", "/proc", "proc", 0, NULL);
	mnt("sysfs", "/sys", "sysfs", 0, NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mnt("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666,mode=0620");
	mnt("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777");
	/* the stream ports' counters (find_ports()) */
	mnt("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (conf.root_ro) {
		/* a read-only root still needs somewhere to write */
		mnt("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
		mnt("tmpfs", "/run", "tmpfs", 0, "mode=0755");
	}
	/* after /tmp and /run: a state root may lie below them */
	for (char *l = conf.hide.buf, *nl; *l; l = nl + 1) {
		struct stat st;

		nl = strchr(l, '\n');
		*nl = 0;
		if (stat(l, &st) == 0 && S_ISDIR(st.st_mode) &&
		    mount("tmpfs", l, "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0,mode=0755") < 0)
			say("hide %s: %s", l, strerror(errno));
	}
	cs_buf_release(&conf.hide);
}

/* The device name (vportNpM) of the port called name into dev; 0, or -1
 * when there is none (yet). */
static int port_dev(const char *name, char *dev, size_t size)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int r = -1;

	while (d && r < 0 && (e = readdir(d))) {
		char p[512], got[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name",
			 e->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (!fgets(got, sizeof(got), f))
			got[0] = 0;
		fclose(f);
		got[strcspn(got, "\n")] = 0;
		if (!strcmp(got, name) &&
		    (size_t)snprintf(dev, size, "%s", e->d_name) < size)
			r = 0;
	}
	if (d)
		closedir(d);
	return r;
}

/* The agent's port, /dev/vportNpM whose name is cshell.agent, waiting
 * for the driver to list it. */
static int open_port(void)
{
	char dev[64], p[128];

	for (int i = 0; i < 500; i++) {
		if (port_dev("cshell.agent", dev, sizeof(dev)) == 0) {
			snprintf(p, sizeof(p), "/dev/%s", dev);
			return open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		}
		usleep(10000);
	}
	errno = ENOENT;
	return -1;
}

/* The stream ports the host made, each with its debugfs file open for
 * good (a command may unmount debugfs); without one a port stays unused
 * and its stream goes through a pipe.  The driver names its ports as the
 * host's control messages come, after the agent's own maybe: those still
 * missing are looked for again at the next exec, a few hundred times at
 * most (a kernel without debugfs never has them). */
static void find_ports(void)
{
	static int tries;

	if (tries++ > 300)
		return;
	for (int k = 0; k < 2 * VM_NPORTS; k++) {
		struct sport *sp = &sport[k];
		char name[32], p[128];

		if (sp->dbg >= 0)
			continue;
		snprintf(name, sizeof(name), "cshell.%c%d",
			 k < VM_NPORTS ? 'p' : 'i', k % VM_NPORTS);
		if (port_dev(name, sp->dev, sizeof(sp->dev)) < 0)
			continue;
		snprintf(p, sizeof(p), "/sys/kernel/debug/virtio-ports/%s",
			 sp->dev);
		sp->dbg = open(p, O_RDONLY | O_CLOEXEC);
	}
}

/* A counter of port k's debugfs file ("bytes_sent: 123"); -1 when it
 * cannot be read. */
static long long port_stat(int k, const char *key)
{
	char b[512], *l;
	ssize_t n = pread(sport[k].dbg, b, sizeof(b) - 1, 0);
	size_t kl = strlen(key);

	if (n <= 0)
		return -1;
	b[n] = 0;
	for (l = b; l; l = strchr(l, '\n'), l += !!l)
		if (!strncmp(l, key, kl) && l[kl] == ':')
			return strtoll(l + kl + 1, NULL, 10);
	return -1;
}

/* A free stream port for a command's stdout (out) or stdin, opened
 * (blocking, as a command's stdio is) in *fd, with for stdout its count
 * so far in *base; its index in sport[], or -1 when none is free (the
 * stream is then a pipe).  Free: no exec holds it, no process has it open
 * (the driver lets one open at a time), the host is connected, and for
 * stdin the connection is a new one: the port was read to the end of
 * the last (drained, below) before the host connected again. */
static int claim_port(int out, int *fd, unsigned long long *base)
{
	for (int k = 0; k < 2 * VM_NPORTS; k++)
		if (sport[k].dbg < 0) {
			find_ports();
			break;
		}
	for (int k = out ? 0 : VM_NPORTS; k < (out ? 1 : 2) * VM_NPORTS; k++) {
		struct sport *sp = &sport[k];
		char p[128];
		long long b = 0;

		if (sp->dbg < 0 || sp->busy || sp->dirty ||
		    port_stat(k, "host_connected") != 1)
			continue;
		snprintf(p, sizeof(p), "/dev/%s", sp->dev);
		*fd = open(p, (out ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (*fd < 0)
			continue;
		if (out && (b = port_stat(k, "bytes_sent")) < 0) {
			close(*fd);
			continue;
		}
		if (base)
			*base = (unsigned long long)b;
		sp->busy = 1;
		return k;
	}
	return -1;
}

static void send_frame(uint8_t type, uint8_t stream, uint32_t id, const void *p,
		       size_t n)
{
	vm_frame_put(&port.out, type, stream, id, p, n);
}

static void send_u32s(uint8_t type, uint32_t id, uint32_t a, uint32_t b,
		      int two)
{
	struct cs_buf m = CS_BUF_INIT;

	vm_put_u32(&m, a);
	if (two)
		vm_put_u32(&m, b);
	send_frame(type, 0, id, m.buf, m.len);
	cs_buf_release(&m);
}

/* PORT: stream port k (of that stream's) is the exec's stdin or stdout */
static void send_port(uint8_t stream, uint32_t id, int k)
{
	uint8_t b[4] = { (uint8_t)k, 0, 0, 0 };

	send_frame(VM_MSG_PORT, stream, id, b, 4);
}

static struct exec *find_exec(uint32_t id)
{
	for (struct exec *e = execs; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

static int find_exec_ptr(const struct exec *x)
{
	for (struct exec *e = execs; e; e = e->next)
		if (e == x)
			return 1;
	return 0;
}

static char **make_env(const struct vm_exec_msg *m)
{
	size_t n = 0, cap = m->envc + conf_nenv + 4;
	char **env = xcalloc(cap, sizeof(char *));
	static char *defaults[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
		"/bin",
		"HOME=/root", NULL
	};

	for (size_t i = 0; i < m->envc; i++)
		env[n++] = m->env[i];
	if (!m->envc)
		for (char **d = defaults; *d; d++)
			env[n++] = *d;
	/* the VM's own --env wins over the caller's, as in a sandbox */
	for (size_t i = 0; i < conf_nenv; i++) {
		size_t kl = strcspn(conf_env[i], "=") + 1;

		for (size_t j = 0; j < n; j++)
			if (!strncmp(env[j], conf_env[i], kl)) {
				env[j] = env[--n];
				break;
			}
		env[n++] = conf_env[i];
	}
	env[n] = NULL;
	return env;
}

/*
 * execvp's search of PATH, with its misses kept: each name execvp tries
 * in a directory that lacks it is a lookup through 9p and the host's
 * layered fs, which caches no negative entries (v9fs keeps none): `@vm
 * true` spent 2-7 ms there, a third of its round trip.  A miss (this
 * directory has no such name) is kept while the directory's mtime and
 * ctime stay the same: a file made or removed there moves them.  Only
 * for a name without a slash under a PATH of absolute directories;
 * anything else is execvp's.
 */
static struct pmiss {
	char dir[256], name[128];
	struct timespec mtime, ctime;
} pmiss[64];
static unsigned pmiss_next;

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether dir (as st) is known to lack name; with add, it is now. */
static int pmiss_known(const char *dir, const struct stat *st, const char *name,
		       int add)
{
	struct pmiss *m;

	for (size_t i = 0; i < CS_ARRAY_SIZE(pmiss); i++) {
		m = &pmiss[i];
		if (!strcmp(m->dir, dir) && !strcmp(m->name, name) &&
		    same_time(&m->mtime, &st->st_mtim) &&
		    same_time(&m->ctime, &st->st_ctim))
			return 1;
	}
	if (!add || strlen(dir) >= sizeof(m->dir) ||
	    strlen(name) >= sizeof(m->name))
		return 0;
	m = &pmiss[pmiss_next++ % CS_ARRAY_SIZE(pmiss)];
	strcpy(m->dir, dir);
	strcpy(m->name, name);
	m->mtime = st->st_mtim;
	m->ctime = st->st_ctim;
	return 1;
}

/* The first PATH directory holding name, as dir/name in out; 0 when the
 * search is execvp's to do. */
static int path_find(const char *name, const char *path, char *out, size_t size)
{
	const char *p = path;

	if (!*name || strchr(name, '/') || !path)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ":");
		char dir[1024];
		struct stat st, f;

		if (!n || *p != '/' || n >= sizeof(dir))
			return 0; /* the cwd, or relative: execvp's */
		memcpy(dir, p, n);
		dir[n] = 0;
		p += n + (p[n] == ':');
		if (stat(dir, &st) < 0 || pmiss_known(dir, &st, name, 0))
			continue;
		if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
			return 0;
		if (stat(out, &f) == 0)
			return 1;
		if (errno != ENOENT)
			return 0;
		pmiss_known(dir, &st, name, 1);
	}
	return 0;
}

/* The PATH execvp would search under env (its first PATH=), or NULL. */
static const char *env_path(char **env)
{
	for (; *env; env++)
		if (!strncmp(*env, "PATH=", 5))
			return *env + 5;
	return NULL;
}

static void child(const struct vm_exec_msg *m, int fds[3], const char *pts,
		  int errpipe, const char *found, char **env)
{
	sigset_t all;
	int e;

	setsid();
	if (pts) {
		int t = open(pts, O_RDWR);

		if (t < 0)
			goto fail;
		ioctl(t, TIOCSCTTY, 0);
		if (m->rows && m->cols) {
			struct winsize ws = { .ws_row = m->rows,
					      .ws_col = m->cols };
			ioctl(t, TIOCSWINSZ, &ws);
		}
		dup2(t, 0);
		dup2(t, 1);
		dup2(t, 2);
		if (t > 2)
			close(t);
	} else {
		for (int i = 0; i < 3; i++)
			dup2(fds[i], i);
	}
	/* the agent ignores SIGPIPE alone (serve()), which an exec would
	 * keep; it catches none (what it takes comes by signalfd, blocked) */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (chdir(m->cwd[0] ? m->cwd : conf_workdir) < 0 && chdir("/") < 0)
		goto fail;
	if (found) {
		execve(found, m->argv, env);
		/* gone meanwhile, not executable, a script without #!: as
		 * execvp would have it */
	}
	/* execvpe searches the caller's PATH, not env's: environ is env
	 * here (spawn() sets it back for the agent) */
	environ = env;
	execvp(m->argv[0], m->argv);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0) {
		/* the parent then sees an exit without a start */
	}
	_exit(e == ENOENT ? 127 : 126);
}

/* The child, by vfork: it runs on the agent's memory until its exec, so
 * nothing of the agent's is copied for a process that execs at once
 * (under TCG, fork's copy of the page tables and the copy-on-write
 * faults after it were ~5 of the ~10 ms from EXEC to the exec).  The
 * child changes only its fds, session, signal state and cwd: the
 * environment is built and the command's path found here, and the
 * agent goes on once the child has exec'd or failed. */
static pid_t spawn(const struct vm_exec_msg *m, int fds[3], const char *pts,
		   int errpipe)
{
	char **env = make_env(m), **own = environ, found[4096];
	int known = path_find(m->argv[0], env_path(env), found, sizeof(found));
	pid_t pid = vfork();

	if (pid == 0)
		child(m, fds, pts, errpipe, known ? found : NULL, env);
	/* the child's execvp set the environ both share */
	environ = own;
	free(env);
	return pid;
}

static void start_exec(uint32_t id, const uint8_t *p, size_t len)
{
	struct cs_error err = CS_ERROR_INIT;
	struct vm_exec_msg m;
	int fds[3] = { -1, -1, -1 }, mine[3] = { -1, -1, -1 }, ep[2], ce = 0;
	int oport = -1, iport = -1;
	unsigned long long obase = 0;
	char *pts = NULL;
	struct exec *e;
	pid_t pid;

	if (!id || find_exec(id)) {
		vm_u32_str_frame(&port.out, VM_MSG_ERROR, id, EEXIST,
				 "exec id in use");
		return;
	}
	if (vm_exec_decode(p, len, &m, &err) < 0) {
		vm_u32_str_frame(&port.out, VM_MSG_ERROR, id, EPROTO, err.msg);
		cs_error_release(&err);
		return;
	}
	if (m.flags & VM_EXEC_TTY) {
		mine[0] = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (mine[0] < 0 || grantpt(mine[0]) < 0 ||
		    unlockpt(mine[0]) < 0 || !(pts = ptsname(mine[0])))
			goto sys_fail;
		pts = xstrdup(pts);
		mine[1] = mine[0];
	} else {
		int pp[2];

		oport = claim_port(1, &fds[1], &obase);
		iport = claim_port(0, &fds[0], NULL);
		for (int i = 0; i < 3; i++) {
			if ((i == 1 && oport >= 0) || (i == 0 && iport >= 0))
				continue;
			if (pipe2(pp, O_CLOEXEC) < 0)
				goto sys_fail;
			/* the command and the agent take turns less often
			 * (each switch flushes TCG's TLB) */
			fcntl(pp[0], F_SETPIPE_SZ, VM_PIPE_SIZE);
			fds[i] = i ? pp[1] : pp[0];
			mine[i] = i ? pp[0] : pp[1];
		}
	}
	if (pipe2(ep, O_CLOEXEC) < 0)
		goto sys_fail;
	pid = spawn(&m, fds, pts, ep[1]);
	close(ep[1]);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (pid < 0) {
		close(ep[0]);
		goto sys_fail;
	}
	/* the exec status pipe closes on a successful exec */
	if (read(ep[0], &ce, sizeof(ce)) != sizeof(ce))
		ce = 0;
	close(ep[0]);
	free(pts);

	e = xcalloc(1, sizeof(*e));
	e->id = id;
	e->pid = pid;
	e->tty = !!(m.flags & VM_EXEC_TTY);
	e->in = mine[0];
	e->out[1] = mine[1];
	e->out[2] = e->tty ? -1 : mine[2];
	e->credit[1] = e->credit[2] = VM_WINDOW;
	e->oport = oport;
	e->obase = obase;
	e->iport = iport;
	/* before STARTED: the host reads the stdout port for this exec from
	 * now on, and sends its stdin there, not here */
	if (oport >= 0)
		send_port(VM_STDOUT, id, oport);
	if (iport >= 0)
		send_port(VM_STDIN, id, iport - VM_NPORTS);
	cs_buf_init(&e->inq, 0);
	for (int i = 0; i < 3; i++)
		if (mine[i] >= 0)
			fcntl(mine[i], F_SETFL,
			      fcntl(mine[i], F_GETFL) | O_NONBLOCK);
	e->next = execs;
	execs = e;
	if (ce)
		vm_u32_str_frame(&port.out, VM_MSG_ERROR, id, (uint32_t)ce,
				 strerror(ce));
	else
		send_u32s(VM_MSG_STARTED, id, (uint32_t)pid, 0, 0);
	vm_exec_msg_release(&m);
	return;
sys_fail:
	ce = errno;
	/* their fds are closed with fds[] */
	if (oport >= 0)
		sport[oport].busy = 0;
	if (iport >= 0)
		sport[iport].busy = 0;
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (mine[i] >= 0 && (i == 0 || mine[i] != mine[0]))
			close(mine[i]);
	}
	free(pts);
	vm_u32_str_frame(&port.out, VM_MSG_ERROR, id, (uint32_t)ce,
			 strerror(ce));
	vm_exec_msg_release(&m);
}

static void close_in(struct exec *e)
{
	if (e->in >= 0 && !e->tty)
		close(e->in);
	e->in = -1;
}

/* n more bytes of stdin went to the command: WINDOW (stream 0) once a
 * batch's worth is owed */
static void grant_stdin(struct exec *e, uint32_t n)
{
	e->owed += n;
	if (e->owed >= VM_WINDOW_BATCH) {
		send_u32s(VM_MSG_WINDOW, e->id, e->owed, 0, 0);
		e->owed = 0;
	}
}

static void flush_stdin(struct exec *e)
{
	ssize_t n;

	if (e->in < 0) {
		cs_buf_reset(&e->inq);
		return;
	}
	if (e->inq.len) {
		n = write(e->in, e->inq.buf, e->inq.len);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			/* the command closed its stdin: drop what comes */
			close_in(e);
			cs_buf_reset(&e->inq);
			return;
		}
		if (n > 0) {
			memmove(e->inq.buf, e->inq.buf + n, e->inq.len - n);
			cs_buf_truncate(&e->inq, e->inq.len - (size_t)n);
			grant_stdin(e, (uint32_t)n);
		}
	}
	if (!e->inq.len && e->in_eof) {
		if (e->tty)
			(void)!write(e->in, "\004", 1);
		close_in(e);
	}
}

/* Writes the DATA frames gathered from one port read straight to the
 * command's stdin, in one writev (a producer writing 4 KiB at a time
 * sends as many frames, and under TCG a syscall each cost more than the
 * bytes), queueing what the pipe does not take. */
static void write_pending(struct exec *e)
{
	ssize_t n;
	size_t done;
	int k = e->npend;

	if (!k)
		return;
	e->npend = 0;
	n = writev(e->in, e->pend, k);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		close_in(e); /* the command closed its stdin */
		return;
	}
	if (n > 0)
		grant_stdin(e, (uint32_t)n);
	done = n > 0 ? (size_t)n : 0;
	for (int i = 0; i < k; i++) {
		size_t len = e->pend[i].iov_len;

		if (done >= len) {
			done -= len;
			continue;
		}
		cs_buf_add(&e->inq, (const char *)e->pend[i].iov_base + done,
			   len - done);
		done = 0;
	}
}

/* A DATA frame's bytes for the command's stdin: gathered for
 * write_pending while nothing is queued before them. */
static void write_stdin(struct exec *e, const uint8_t *p, size_t len)
{
	if (e->npend == (int)CS_ARRAY_SIZE(e->pend))
		write_pending(e);
	if (e->in < 0)
		return;
	e->pend[e->npend].iov_base = (void *)p;
	e->pend[e->npend++].iov_len = len;
}

static void free_exec(struct exec *e)
{
	struct exec **pp;

	for (pp = &execs; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	e->npend = 0; /* stdin for a command that is gone */
	close_in(e);
	for (int i = 1; i < 3; i++)
		if (e->out[i] >= 0)
			close(e->out[i]);
	cs_buf_release(&e->inq);
	free(e);
}

/* Reads stdin port k, once its exec is done, to the end of the host's
 * connection (the supervisor closes it at EXIT), dropping what the
 * command left; then it is free for a new connection, and CLEAN tells
 * the supervisor to make one.  While a process the command left behind
 * still has it open, it is tried again (serve(): every 20 ms). */
static void drain_port(int k)
{
	static char b[4096];
	struct sport *sp = &sport[k];
	ssize_t n;

	if (sp->drain < 0) {
		char p[128];

		snprintf(p, sizeof(p), "/dev/%s", sp->dev);
		sp->drain = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (sp->drain < 0)
			return;
	}
	while ((n = read(sp->drain, b, sizeof(b))) > 0)
		;
	if (n < 0)
		return; /* EAGAIN: the host has not closed it yet */
	close(sp->drain);
	sp->drain = -1;
	sp->dirty = 0;
	send_u32s(VM_MSG_CLEAN, 0, (uint32_t)(k - VM_NPORTS), 0, 0);
}

/* EXIT once the command ended and its output is all sent; with a stream
 * port, once nothing has that open any more, after OUTLEN, the count of
 * bytes it took (the host then knows where this exec's stdout ends). */
static void maybe_finish(struct exec *e)
{
	int k = -1;

	if (!e->exited || e->out[1] >= 0 || e->out[2] >= 0)
		return;
	if (e->oport >= 0) {
		struct cs_buf m = CS_BUF_INIT;
		long long sent;

		/* a process the command left behind still writes there */
		e->waiting = port_stat(e->oport, "guest_connected") == 1;
		if (e->waiting)
			return;
		sent = port_stat(e->oport, "bytes_sent");
		vm_put_u64(&m, sent >= (long long)e->obase ?
				       (unsigned long long)sent - e->obase :
				       0);
		send_frame(VM_MSG_OUTLEN, 0, e->id, m.buf, m.len);
		cs_buf_release(&m);
		sport[e->oport].busy = 0;
		e->oport = -1;
	}
	if (e->iport >= 0) {
		/* read to its end once the host closed it, after EXIT */
		sport[e->iport].busy = 0;
		sport[e->iport].dirty = 1;
		k = e->iport;
		e->iport = -1;
	}
	if (WIFSIGNALED(e->status))
		send_u32s(VM_MSG_EXIT, e->id, 1, (uint32_t)WTERMSIG(e->status),
			  1);
	else
		send_u32s(VM_MSG_EXIT, e->id, 0,
			  (uint32_t)WEXITSTATUS(e->status), 1);
	free_exec(e);
	if (k >= 0) {
		/* the EXIT first: the drain is nobody's wait */
		vm_conn_flush(&port);
		drain_port(k);
	}
}

/* Bytes of whole frames: written to the port at once when nothing is
 * queued before them (a write of up to 32 KiB the port takes whole), what
 * it did not take queued. */
static void send_raw(const uint8_t *b, size_t n)
{
	ssize_t w = 0;

	if (!vm_conn_pending(&port)) {
		w = write(port.fd, b, n);
		if (w < 0)
			w = 0;
	}
	cs_buf_add(&port.out, b + w, n - (size_t)w);
}

/* The agent's own pipe a DATA frame's payload passes through on its way
 * from a command's pipe to the port (splice_out). */
static int mid[2] = { -1, -1 };

/* Waits until the port takes more; 0, or -1 when the host is gone. */
static int wait_port(void)
{
	struct pollfd pf = { .fd = port.fd, .events = POLLOUT };

	if (poll(&pf, 1, -1) < 0 && errno != EINTR)
		return -1;
	return pf.revents & (POLLHUP | POLLERR) ? -1 : 0;
}

/* Writes all of b[0..n) to the port, waiting while it is full (a spliced
 * frame must go out whole before any other frame); 0, or -1 when the host
 * is gone. */
static int port_write_all(const void *b, size_t n)
{
	while (n) {
		ssize_t k = write(port.fd, b, n);

		if (k > 0) {
			b = (const char *)b + k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			if (wait_port() < 0)
				return -1;
		} else if (k < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* Empties the agent's pipe by reading it (copying): what a splice to the
 * port did not take.  Its bytes go to the port when send, else nowhere. */
static int mid_copy(int send)
{
	static uint8_t b[VM_MAX_PAYLOAD];
	ssize_t k;

	while ((k = read(mid[0], b, sizeof(b))) > 0)
		if (send && port_write_all(b, (size_t)k) < 0)
			return -1;
	return 0;
}

/*
 * One DATA frame of up to want bytes from stream s without copying them:
 * spliced from the command's pipe into the agent's own, whose content is
 * then exact for the header, and from there to the port, whose driver
 * hands the pipe's pages to the host.  A splice straight from the
 * command's pipe oopsed Debian's 6.1 guest (virtqueue_add_split): its
 * driver sizes the scatter list for every buffer the pipe holds, more
 * than a splice that leaves some behind fills (docs/vm.md).  So the
 * second splice always takes all the agent's pipe holds, and only that
 * pipe, which no command writes, feeds it.
 * A driver without splice (EINVAL) gets the bytes copied, and splice is
 * not tried again.  Returns the bytes sent, 0 at EOF, -1 with errno
 * (EAGAIN: the pipe is empty; ENOSYS: splice is off, copy instead).
 */
static ssize_t splice_out(struct exec *e, int s, size_t want)
{
	uint8_t h[VM_HDR_LEN];
	ssize_t n, k;
	size_t left;

	if (mid[0] < 0)
		return errno = ENOSYS, -1;
	n = splice(e->out[s], NULL, mid[1], NULL, want, SPLICE_F_NONBLOCK);
	if (n <= 0)
		return n;
	vm_hdr_encode(h, VM_MSG_DATA, (uint8_t)s, e->id, (uint32_t)n);
	if (port_write_all(h, sizeof(h)) < 0)
		goto lost;
	for (left = (size_t)n; left;) {
		k = splice(mid[0], NULL, port.fd, NULL, left,
			   SPLICE_F_NONBLOCK);
		if (k > 0) {
			left -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			if (wait_port() < 0)
				goto lost;
		} else if (k < 0 && errno == EINVAL) {
			/* no splice_write in this driver */
			if (mid_copy(1) < 0)
				goto lost;
			close(mid[0]);
			close(mid[1]);
			mid[0] = mid[1] = -1;
			return n;
		} else if (k == 0 || errno != EINTR) {
			goto lost;
		}
	}
	return n;
lost:
	/* the host went away mid-frame: the stream restarts with its next
	 * hello, and the agent's pipe must be empty for the next frame */
	port_hup = 1;
	mid_copy(0);
	return n;
}

/* Sends what the command wrote to stream s, as long as the credit lasts,
 * the pipe has bytes and the port's queue is short: one readv of up to 128
 * KiB (as cat reads) straight into the payloads of four frames, each then
 * one write to the port: no copy between the pipe and the port. */
static void read_out(struct exec *e, int s)
{
	static uint8_t fr[4][VM_HDR_LEN + VM_CHUNK];

	while (!e->tty && e->credit[s] && !vm_conn_pending(&port)) {
		ssize_t n = splice_out(e, s,
				       e->credit[s] < VM_MAX_PAYLOAD ?
					       e->credit[s] :
					       VM_MAX_PAYLOAD);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			break;
		if (n == 0) {
			send_frame(VM_MSG_DATA, (uint8_t)s, e->id, NULL, 0);
			close(e->out[s]);
			e->out[s] = -1;
			maybe_finish(e);
			return;
		}
		e->credit[s] -= (uint32_t)n;
	}
	while (e->credit[s] && port.out.len - port.out_off < VM_WINDOW) {
		size_t want = e->credit[s] < CS_ARRAY_SIZE(fr) * VM_CHUNK ?
				      e->credit[s] :
				      CS_ARRAY_SIZE(fr) * VM_CHUNK;
		struct iovec iov[4];
		int k = 0;
		ssize_t n;

		for (size_t left = want; left; k++) {
			size_t l = left < VM_CHUNK ? left : VM_CHUNK;

			iov[k] = (struct iovec){ fr[k] + VM_HDR_LEN, l };
			left -= l;
		}
		n = readv(e->out[s], iov, k);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* EOF, or EIO on a pty whose slave is gone */
			send_frame(VM_MSG_DATA, (uint8_t)s, e->id, NULL, 0);
			if (e->tty)
				e->in = -1; /* the master is closed below */
			close(e->out[s]);
			e->out[s] = -1;
			maybe_finish(e);
			return;
		}
		e->credit[s] -= (uint32_t)n;
		for (size_t off = 0, i = 0; off < (size_t)n;
		     off += VM_CHUNK, i++) {
			size_t l = (size_t)n - off < VM_CHUNK ?
					   (size_t)n - off :
					   VM_CHUNK;

			vm_hdr_encode(fr[i], VM_MSG_DATA, (uint8_t)s, e->id, l);
			send_raw(fr[i], VM_HDR_LEN + l);
		}
		if ((size_t)n < want)
			return; /* the pipe is empty */
	}
}

static void reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (struct exec *e = execs; e; e = e->next)
			if (e->pid == pid) {
				e->exited = 1;
				e->status = st;
				maybe_finish(e);
				break;
			}
}

static void poweroff(void)
{
	kill(-1, SIGTERM);
	usleep(100000);
	kill(-1, SIGKILL);
	sync();
	/* with reboot=t and QEMU's -no-reboot this ends QEMU at once,
	 * also on machines without ACPI power-off */
	reboot(RB_AUTOBOOT);
}

static void handle(const struct vm_hdr *h, const uint8_t *p)
{
	struct exec *e = h->id ? find_exec(h->id) : NULL;
	struct utsname u;

	switch (h->type) {
	case VM_MSG_HELLO:
		uname(&u);
		vm_u32_str_frame(&port.out, VM_MSG_HELLO, 0, VM_PROTO_VERSION,
				 u.release);
		break;
	case VM_MSG_PING:
		send_frame(VM_MSG_PONG, 0, h->id, p, h->len);
		break;
	case VM_MSG_EXEC:
		start_exec(h->id, p, h->len);
		break;
	case VM_MSG_DATA:
		if (!e || h->stream != VM_STDIN || e->in < 0 || e->in_eof)
			break;
		if (!h->len) {
			write_pending(e);
			e->in_eof = 1;
		} else if (!e->inq.len && !e->tty) {
			write_stdin(e, p, h->len);
			break; /* written after this port read */
		} else if (e->inq.len + h->len <= 2 * VM_WINDOW) {
			cs_buf_add(&e->inq, p, h->len);
		}
		flush_stdin(e);
		break;
	case VM_MSG_WINDOW:
		if (e && h->len == 4 && h->stream != VM_STDIN) {
			uint64_t c =
				(uint64_t)e->credit[h->stream] + vm_get_u32(p);

			e->credit[h->stream] = c > 16 * VM_WINDOW ?
						       16 * VM_WINDOW :
						       (uint32_t)c;
		}
		break;
	case VM_MSG_SIGNAL:
		if (e && h->len == 4 && !e->exited) {
			int sig = (int)vm_get_u32(p);

			if (sig > 0 && sig < NSIG && kill(-e->pid, sig) < 0)
				kill(e->pid, sig);
		}
		break;
	case VM_MSG_WINSIZE:
		if (e && e->tty && h->len == 4 && e->out[1] >= 0) {
			struct winsize ws = {
				.ws_row = (unsigned short)(p[0] | p[1] << 8),
				.ws_col = (unsigned short)(p[2] | p[3] << 8),
			};
			ioctl(e->out[1], TIOCSWINSZ, &ws);
		}
		break;
	case VM_MSG_POWEROFF:
		poweroff();
		break;
	default:
		break;
	}
}

static void serve(void)
{
	struct cs_error err = CS_ERROR_INIT;
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		struct pollfd pf[2 + 2 * VM_NPORTS + 3 * 64];
		struct exec *who[2 + 2 * VM_NPORTS + 3 * 64];
		int what[2 + 2 * VM_NPORTS + 3 * 64], n = 0, waiting, d0;
		struct vm_hdr h;
		const uint8_t *p;
		int r;

		pf[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		who[n++] = NULL;
		pf[n] = (struct pollfd){
			.fd = port_hup ? -1 : port.fd,
			.events =
				POLLIN | (vm_conn_pending(&port) ? POLLOUT : 0)
		};
		who[n++] = NULL;
		/* stdin ports read to their end (drain_port) */
		for (int k = 0; k < 2 * VM_NPORTS; k++) {
			pf[n] = (struct pollfd){ .fd = sport[k].drain,
						 .events = POLLIN };
			who[n++] = NULL;
		}
		d0 = n;
		for (struct exec *e = execs;
		     e && n + 3 <= (int)CS_ARRAY_SIZE(pf); e = e->next) {
			if (e->in >= 0 && e->inq.len && !e->tty) {
				pf[n] = (struct pollfd){ .fd = e->in,
							 .events = POLLOUT };
				who[n] = e;
				what[n++] = 0;
			}
			for (int s = 1; s < 3; s++)
				if (e->out[s] >= 0 && e->credit[s] &&
				    port.out.len - port.out_off < VM_WINDOW) {
					pf[n] = (struct pollfd){
						.fd = e->out[s],
						.events =
							POLLIN |
							(e->tty && e->inq.len ?
								 POLLOUT :
								 0)
					};
					who[n] = e;
					what[n++] = s;
				}
		}
		waiting = 0;
		for (struct exec *e = execs; e; e = e->next)
			waiting |= e->waiting;
		for (int k = 0; k < 2 * VM_NPORTS; k++)
			waiting |= sport[k].dirty && sport[k].drain < 0;
		/* a port still held is looked at again every 20 ms */
		if (poll(pf, (nfds_t)n, port_hup ? 200 : waiting ? 20 : -1) < 0)
			continue;
		for (struct exec *e = execs, *next; waiting && e; e = next) {
			next = e->next;
			if (e->waiting)
				maybe_finish(e);
		}
		for (int k = 0; k < 2 * VM_NPORTS; k++)
			if (sport[k].dirty &&
			    (sport[k].drain < 0 || pf[2 + k].revents))
				drain_port(k);
		if (pf[0].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap();
		}
		port_hup = 0;
		if (pf[1].revents & POLLIN) {
			r = (int)vm_conn_fill(&port);
			while (r > 0 &&
			       (r = vm_conn_next(&port, &h, &p, &err)) == 1)
				handle(&h, p);
			/* before the next fill moves what they point to */
			for (struct exec *e = execs; e; e = e->next)
				write_pending(e);
			if (r < 0 && r != -EAGAIN) {
				/* a garbled stream cannot be resynced: drop
				 * what we have and wait for the next hello */
				say("%s", err.msg ? err.msg : "port error");
				cs_error_release(&err);
				vm_conn_drop_input(&port);
			}
		} else if (pf[1].revents & POLLHUP) {
			port_hup = 1; /* host not connected: poll slowly */
		}
		for (int i = d0; i < n; i++) {
			struct exec *e = who[i];

			if (!pf[i].revents || !find_exec_ptr(e))
				continue;
			if (what[i] == 0 || (pf[i].revents & POLLOUT))
				flush_stdin(e);
			if (what[i] && e->out[what[i]] == pf[i].fd &&
			    (pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				read_out(e, what[i]);
		}
		if (vm_conn_flush(&port) < 0)
			port_hup = 1;
	}
}

/* Says CONFWAIT and applies the CONFIG that answers it; whether a HELLO
 * came meanwhile (answered once the VM is set up). */
static int wait_config(void)
{
	struct cs_error err = CS_ERROR_INIT;
	int hello = 0;

	vm_frame_put(&port.out, VM_MSG_CONFWAIT, 0, 0, NULL, 0);
	for (;;) {
		struct pollfd pf = {
			.fd = port.fd,
			.events =
				POLLIN | (vm_conn_pending(&port) ? POLLOUT : 0)
		};
		struct vm_hdr h;
		const uint8_t *p;

		vm_conn_flush(&port);
		if (poll(&pf, 1, 1000) <= 0)
			continue;
		if (!(pf.revents & POLLIN)) {
			usleep(10000); /* the host not connected yet */
			continue;
		}
		if (vm_conn_fill(&port) == 0)
			continue; /* the host is not connected yet */
		while (vm_conn_next(&port, &h, &p, &err) == 1) {
			if (h.type == VM_MSG_HELLO)
				hello = 1;
			if (h.type == VM_MSG_CONFIG) {
				char *text = xmalloc(h.len + 1);

				memcpy(text, p, h.len);
				text[h.len] = 0;
				conf_apply(text);
				free(text);
				return hello;
			}
		}
		cs_error_release(&err);
	}
}

int main(void)
{
	int hello;

	cs_log_set_prog("cshell-agent");
	if (getpid() != 1) {
		say("runs as the init of a cshell VM only");
		return 2;
	}
	early();
	port.fd = open_port();
	if (port.fd < 0)
		die("no virtio port named cshell.agent");
	vm_conn_init(&port, port.fd);
	/* a snapshot of the VM may be taken while this waits */
	hello = wait_config();
	setup_root();
	for (int k = 0; k < 2 * VM_NPORTS; k++)
		sport[k].dbg = sport[k].drain = -1;
	find_ports();
	if (pipe2(mid, O_CLOEXEC | O_NONBLOCK) == 0)
		fcntl(mid[0], F_SETPIPE_SZ, 4 * VM_MAX_PAYLOAD);
	if (hello) {
		struct vm_hdr h = { .type = VM_MSG_HELLO };

		handle(&h, NULL);
	}
	serve();
	return 0;
}
