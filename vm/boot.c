// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * boot.c — bringing a VM up and keeping watch over it.
 *
 * vm_boot() resolves the kernel, writes the initramfs and forks (twice, so
 * it is nobody's child) a supervisor.  The supervisor starts QEMU
 * (`-M microvm`, virtio-mmio devices, the root and --mounts shared over
 * 9p, the agent's virtio-serial port as a Unix socket it connects to),
 * waits for the agent's HELLO within the boot timeout, tells vm_boot()
 * "ok" or why not (quoting the console's tail), and then serves clients on
 * ctl.sock: their exec channels are multiplexed over the one port (QEMU's
 * socket takes one connection at a time), agent pings notice a hung
 * guest, and QEMU's exit ends everything and removes the runtime state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/sha.h>

#include "sandbox/sandbox.h"
#include "vm/vm_i.h"

#define PING_EVERY_MS 5000
/* A guest busy under TCG may take its time; a dead one never answers. */
#define PING_TIMEOUT_MS 20000
#define POWEROFF_GRACE_MS 5000
/* QEMU's end of the agent's socketpair, as QEMU sees it (-chardev
 * socket,fd=); each end may queue this much: a supervisor the host's
 * scheduler leaves waiting for a few ms must not stall the guest's port
 * (the default 208 KiB lasts ~2 ms at 100 MB/s) */
#define AGENT_FD 3
/* then the stream ports' (AGENT_FD + 1 + k), the monitor's, and the
 * snapshot a VM is restored from */
#define MON_FD (AGENT_FD + 1 + VM_NPORTS)
#define SNAP_FD (MON_FD + 1)
#define AGENT_SOCK_BUF (8 * 1024 * 1024)

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */

static int cpu_has_virt(void)
{
	struct cs_buf b = CS_BUF_INIT;
	int yes = 0;

	if (cs_read_file("/proc/cpuinfo", &b, 8 << 20, NULL) == 0)
		for (char *l = b.buf; l && *l; l = strchr(l, '\n'), l += !!l)
			if (!strncmp(l, "flags", 5)) {
				char *e = strchr(l, '\n');

				if (e)
					*e = 0;
				yes = strstr(l, " vmx") || strstr(l, " svm");
				break;
			}
	cs_buf_release(&b);
	return yes;
}

enum vm_accel vm_accel_detect(char **reason)
{
	const char *env = getenv("CSHELL_VM_ACCEL");
	int fd, vm;

	if (reason)
		*reason = NULL;
	if (env && (!strcmp(env, "tcg") || !strcmp(env, "kvm"))) {
		if (reason)
			*reason = xasprintf("CSHELL_VM_ACCEL=%s", env);
		return !strcmp(env, "kvm") ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (reason)
			*reason = xasprintf("/dev/kvm: %s", strerror(errno));
		return VM_ACCEL_TCG;
	}
	if (!cpu_has_virt()) {
		close(fd);
		if (reason)
			*reason = xstrdup("/dev/kvm exists but the CPU shows "
					  "no vmx/svm (a nested or "
					  "paravirtual KVM a stock kernel "
					  "does not boot on)");
		return VM_ACCEL_TCG;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION ||
	    (vm = ioctl(fd, KVM_CREATE_VM, 0)) < 0) {
		close(fd);
		if (reason)
			*reason = xstrdup("/dev/kvm cannot create a VM");
		return VM_ACCEL_TCG;
	}
	close(vm);
	close(fd);
	if (reason)
		*reason = xstrdup("/dev/kvm usable");
	return VM_ACCEL_KVM;
}

static unsigned long tsc_khz(void)
{
	struct cs_buf b = CS_BUF_INIT;
	unsigned long khz = 2000000;
	char *p;

	if (cs_read_file("/proc/cpuinfo", &b, 8 << 20, NULL) == 0 &&
	    (p = strstr(b.buf, "cpu MHz")) && (p = strchr(p, ':')))
		khz = (unsigned long)(strtod(p + 1, NULL) * 1000);
	cs_buf_release(&b);
	return khz ? khz : 2000000;
}

static char *find_qemu(const struct vm_config *cfg)
{
	const char *q = cfg->qemu ? cfg->qemu : getenv("CSHELL_QEMU");

	if (q && *q)
		return strchr(q, '/') ? (access(q, X_OK) ? NULL : xstrdup(q)) :
					NULL;
	for (const char *path = getenv("PATH") ? getenv("PATH") :
						 "/usr/bin:/bin";
	     *path;) {
		size_t l = strcspn(path, ":");
		char *p = xasprintf("%.*s/qemu-system-x86_64", (int)l, path);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
		path += l;
		path += *path == ':';
	}
	return NULL;
}

/* The last lines of a log, indented, for an error message. */
static char *log_tail(const char *path, int lines)
{
	struct cs_buf b = CS_BUF_INIT, out = CS_BUF_INIT;
	char *p;
	int n = 0;

	if (cs_read_file(path, &b, 0, NULL) < 0 || !b.len) {
		cs_buf_release(&b);
		return xstrdup("  (empty)");
	}
	while (b.len && b.buf[b.len - 1] == '\n')
		b.buf[--b.len] = 0;
	for (p = b.buf + b.len; p > b.buf && n < lines; p--)
		if (p[-1] == '\n' && ++n == lines)
			break;
	for (char *l = p; *l;) {
		size_t k = strcspn(l, "\n");

		cs_buf_addf(&out, "  %.*s\n", (int)k, l);
		l += k;
		l += *l == '\n';
	}
	if (out.len)
		out.buf[--out.len] = 0;
	cs_buf_release(&b);
	return cs_buf_detach(&out, NULL);
}

static void add(char ***argv, size_t *n, char *s)
{
	*argv = xrealloc(*argv, (*n + 2) * sizeof(char *));
	(*argv)[(*n)++] = s;
	(*argv)[*n] = NULL;
}

/* s with its commas doubled, for a QEMU option's value (malloc'd) */
static char *opt_escape(const char *s)
{
	struct cs_buf b = CS_BUF_INIT;

	for (; *s; s++) {
		if (*s == ',')
			cs_buf_addc(&b, ',');
		cs_buf_addc(&b, *s);
	}
	return cs_buf_detach(&b, NULL);
}

/* One shared directory: virtiofs (its virtiofsd listening on
 * <dir>/fs-<tag>.sock) when writable and asked for, else 9p. */
static void share(char ***a, size_t *n, const struct vm_config *cfg,
		  const char *tag, const char *path, int ro, const char *dir,
		  const char *sec)
{
	/* paths in QEMU's options: commas doubled */
	_cleanup_free_ char *qdir = opt_escape(dir), *qpath = opt_escape(path);

	if (cfg->virtiofs && !ro) {
		add(a, n, xstrdup("-chardev"));
		add(a, n,
		    xasprintf("socket,id=fs%s,path=%s/fs-%s.sock", tag, qdir,
			      tag));
		add(a, n, xstrdup("-device"));
		add(a, n,
		    xasprintf("vhost-user-fs-device,chardev=fs%s,tag=%s", tag,
			      tag));
		return;
	}
	add(a, n, xstrdup("-fsdev"));
	add(a, n,
	    xasprintf("local,id=%s,path=%s,security_model=%s,"
		      "multidevs=remap%s",
		      tag, qpath, sec, ro ? ",readonly=on" : ""));
	add(a, n, xstrdup("-device"));
	add(a, n,
	    xasprintf("virtio-9p-device,fsdev=%s,mount_tag=%s", tag, tag));
}

/* $CSHELL_VIRTIOFSD, else QEMU's own (Debian 12: qemu-system-common);
 * NULL when there is none. */
static char *find_virtiofsd(void)
{
	const char *env = getenv("CSHELL_VIRTIOFSD");
	static const char *const paths[] = { "/usr/lib/qemu/virtiofsd",
					     "/usr/libexec/virtiofsd" };

	if (env && *env)
		return access(env, X_OK) ? NULL : xstrdup(env);
	for (size_t i = 0; i < CS_ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return xstrdup(paths[i]);
	return NULL;
}

/* Starts a virtiofsd per writable share and waits for their sockets.
 * They die with us (PR_SET_PDEATHSIG).  0 or -1. */
static int start_virtiofsd(const struct vm_config *cfg, const char *dir,
			   pid_t *pids, size_t *npids)
{
	_cleanup_free_ char *prog = find_virtiofsd();
	long end = now_ms() + 5000;

	for (size_t i = 0; i <= cfg->nmounts; i++) {
		const char *src = i ? cfg->mounts[i - 1].src : cfg->root;
		int ro = i ? cfg->mounts[i - 1].ro : cfg->root_ro;
		char *tag = i ? xasprintf("m%zu", i - 1) : xstrdup("cshroot");
		char *sock = xasprintf("%s/fs-%s.sock", dir, tag);
		struct cs_buf so = CS_BUF_INIT;
		char *srcopt;
		pid_t pid;

		/* a FUSE option: ',' and '\\' escaped with '\\' */
		cs_buf_adds(&so, "source=");
		for (const char *c = src; *c; c++) {
			if (*c == ',' || *c == '\\')
				cs_buf_addc(&so, '\\');
			cs_buf_addc(&so, *c);
		}
		srcopt = cs_buf_detach(&so, NULL);

		free(tag);
		if (ro) {
			free(sock);
			free(srcopt);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			char *log = xasprintf("%s/qemu.log", dir);
			int fd = open(log,
				      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				      0644);

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			/* the root is the VM's own: cached; a --mount is
			 * edited on the host too */
			execl(prog, prog, xasprintf("--socket-path=%s", sock),
			      "-o", srcopt, "-o",
			      i ? "cache=auto" : "cache=always", (char *)NULL);
			_exit(127);
		}
		free(srcopt);
		if (pid < 0) {
			free(sock);
			return -1;
		}
		pids[(*npids)++] = pid;
		while (access(sock, F_OK) < 0 && now_ms() < end &&
		       waitpid(pid, NULL, WNOHANG) == 0)
			usleep(10000);
		if (access(sock, F_OK) < 0) {
			free(sock);
			return -1;
		}
		free(sock);
	}
	return 0;
}

static char **qemu_argv(const struct vm_config *cfg, const char *qemu,
			const struct vm_kernel *k, const char *dir,
			enum vm_accel accel)
{
	char **a = NULL;
	size_t n = 0;
	const char *sec = geteuid() == 0 ? "passthrough" : "none";
	/* the state dir in QEMU's options: its commas doubled */
	_cleanup_free_ char *qemu_path = opt_escape(dir);
	/* whole MiB, rounded up; a record from before --memory had a
	 * floor (QEMU then took "0m" as its default) gets the floor */
	unsigned long long mib = cfg->memory < VM_MIN_MEMORY ?
					 VM_MIN_MEMORY >> 20 :
					 (cfg->memory + (1ull << 20) - 1) >> 20;
	char *tsc;

	add(&a, &n, xstrdup(qemu));
	add(&a, &n, xstrdup("-M"));
	/* vhost-user-fs needs the guest's memory shareable with virtiofsd */
	add(&a, &n,
	    xstrdup(cfg->virtiofs ?
			    "microvm,x-option-roms=off,memory-backend=mem" :
			    "microvm,x-option-roms=off"));
	/* modern virtio-mmio (QEMU's default is the legacy v1 interface,
	 * which vhost-user devices refuse) */
	add(&a, &n, xstrdup("-global"));
	add(&a, &n, xstrdup("virtio-mmio.force-legacy=off"));
	if (cfg->virtiofs) {
		add(&a, &n, xstrdup("-object"));
		add(&a, &n,
		    xasprintf("memory-backend-memfd,id=mem,size=%llum,"
			      "share=on",
			      (unsigned long long)mib));
	}
	add(&a, &n, xstrdup("-accel"));
	add(&a, &n, xstrdup(accel == VM_ACCEL_KVM ? "kvm" : "tcg"));
	add(&a, &n, xstrdup("-cpu"));
	/* TCG: without ERMS the guest copies with rep movsq, not rep movsb,
	 * which TCG runs a byte per iteration: a pipe in the guest moves
	 * ~400 MB/s instead of ~45 */
	add(&a, &n, xstrdup(accel == VM_ACCEL_KVM ? "host" : "max,-erms"));
	add(&a, &n, xstrdup("-smp"));
	add(&a, &n, xasprintf("%u", cfg->cpus ? cfg->cpus : 1));
	add(&a, &n, xstrdup("-m"));
	add(&a, &n, xasprintf("%llum", (unsigned long long)mib));
	add(&a, &n, xstrdup("-nodefaults"));
	add(&a, &n, xstrdup("-no-user-config"));
	add(&a, &n, xstrdup("-no-reboot"));
	add(&a, &n, xstrdup("-nographic"));
	/* QEMU's human monitor on a socketpair of the supervisor's: it
	 * saves a snapshot through it (save_snapshot()) */
	add(&a, &n, xstrdup("-monitor"));
	add(&a, &n, xstrdup("none"));
	add(&a, &n, xstrdup("-chardev"));
	add(&a, &n, xasprintf("socket,id=mon,fd=%d,server=off", MON_FD));
	add(&a, &n, xstrdup("-mon"));
	add(&a, &n, xstrdup("chardev=mon,mode=readline"));
	/* appended to: what the supervisor wrote before QEMU starts (a
	 * snapshot that did not restore) stays */
	add(&a, &n, xstrdup("-chardev"));
	add(&a, &n,
	    xasprintf("file,id=console,path=%s/console.log,append=on",
		      qemu_path));
	add(&a, &n, xstrdup("-serial"));
	add(&a, &n, xstrdup("chardev:console"));
	add(&a, &n, xstrdup("-kernel"));
	add(&a, &n, xstrdup(k->vmlinux));
	add(&a, &n, xstrdup("-initrd"));
	add(&a, &n, xasprintf("%s/initramfs", dir));
	add(&a, &n, xstrdup("-append"));
	/* reboot=t: the agent's reboot() is a triple fault, which
	 * -no-reboot turns into QEMU's exit on any machine type */
	/* TCG: the TSC calibration would spin without tsc_early_khz, and the
	 * clocksource watchdog costs seconds before it distrusts the TSC.
	 * norandmaps: TCG finds its translated code by virtual address, so
	 * with ASLR every exec of a dynamic program translates ld.so and
	 * libc afresh (a fork + exec of true: 127 -> 20 ms).
	 * mitigations=off: page-table isolation reloads CR3 on every
	 * syscall, which flushes TCG's TLB; and under TCG the guest's
	 * memory accesses are checked by QEMU's software MMU, not by the
	 * CPU these mitigations are for (docs/vm.md). */
	tsc = accel == VM_ACCEL_TCG ?
		      xasprintf(" tsc_early_khz=%lu tsc=reliable norandmaps"
				" mitigations=off",
				tsc_khz()) :
		      xstrdup("");
	/* $CSHELL_VM_CMDLINE: more kernel options, for debugging a boot */
	add(&a, &n,
	    xasprintf("console=ttyS0 reboot=t panic=-1 quiet "
		      "loglevel=4 8250.nr_uarts=1%s %s",
		      tsc,
		      getenv("CSHELL_VM_CMDLINE") ?
			      getenv("CSHELL_VM_CMDLINE") :
			      ""));
	free(tsc);
	add(&a, &n, xstrdup("-device"));
	add(&a, &n, xstrdup("virtio-serial-device"));
	add(&a, &n, xstrdup("-chardev"));
	/* the supervisor's socketpair, connected already (supervise()) */
	add(&a, &n, xasprintf("socket,id=agent,fd=%d,server=off", AGENT_FD));
	add(&a, &n, xstrdup("-device"));
	add(&a, &n, xstrdup("virtserialport,chardev=agent,name=cshell.agent"));
	/* the stream ports: stdout ones connected like the agent's
	 * (supervise()), stdin ones listening for the supervisor, which
	 * connects to each anew after every exec (the end of a stdin is the
	 * end of its connection) */
	for (int i = 0; i < VM_NPORTS; i++) {
		add(&a, &n, xstrdup("-chardev"));
		add(&a, &n,
		    xasprintf("socket,id=i%d,path=%s/i%d.sock,server=on,"
			      "wait=off",
			      i, qemu_path, i));
		add(&a, &n, xstrdup("-device"));
		add(&a, &n,
		    xasprintf("virtserialport,chardev=i%d,name=cshell.i%d", i,
			      i));
	}
	for (int i = 0; i < VM_NPORTS; i++) {
		add(&a, &n, xstrdup("-chardev"));
		add(&a, &n,
		    xasprintf("socket,id=p%d,fd=%d,server=off", i,
			      AGENT_FD + 1 + i));
		add(&a, &n, xstrdup("-device"));
		add(&a, &n,
		    xasprintf("virtserialport,chardev=p%d,name=cshell.p%d", i,
			      i));
	}
	share(&a, &n, cfg, "cshroot", cfg->root, cfg->root_ro, dir, sec);
	for (size_t i = 0; i < cfg->nmounts; i++) {
		char *tag = xasprintf("m%zu", i);

		share(&a, &n, cfg, tag, cfg->mounts[i].src, cfg->mounts[i].ro,
		      dir, sec);
		free(tag);
	}
	return a;
}

/* ------------------------------------------------------------------ */
/* the supervisor */

struct client {
	struct vm_conn c;
	int gone;
};

struct chan {
	uint32_t gid, lid;
	struct client *cl; /* NULL: its client left, output is discarded */
	int ping;
	/* its EXIT, held while its stream port has bytes still to come */
	int held_exit;
	uint8_t exitp[8];
	/* stdout/stderr bytes relayed to cl and not yet given back by its
	 * WINDOWs: the agent may not go past VM_WINDOW (a guest that does
	 * would grow cl's queue here without end) */
	uint32_t unacked[3];
	/* where its stdin goes: undecided (its frames wait in early) until
	 * the agent says PORT (a stdin port: inport, the bytes not yet
	 * written there in inq, credit owed to the client in owed, in_eof
	 * once the client's EOF came) or STARTED (the agent) */
	enum {
		ROUTE_WAIT,
		ROUTE_AGENT,
		ROUTE_PORT
	} route;
	int inport, in_eof;
	uint32_t owed;
	struct cs_buf early, inq;
	/* the client's stdout pipe (VM_EXEC_OUTFD), -1: none; its stream
	 * port's bytes are spliced into it, never through the client.
	 * out_blocked: it was full (polled for room); out_gone: its reader
	 * left (EPIPE), what follows is dropped */
	int outfd, out_blocked, out_gone;
};

/* A stdin port: its connection (-1: none, until the agent's CLEAN), the
 * exec it is given to (0: none). */
struct iport {
	int fd;
	uint32_t gid;
};

/* A stream port (VM_NPORTS): the execs whose stdout it carried or
 * carries, in the order the agent gave it to them; what arrives belongs
 * to the first until its OUTLEN count is reached. */
struct sport {
	int fd;
	/* port_to_client()'s pipe, empty between calls */
	int mid[2];
	struct pentry {
		uint32_t gid;
		uint64_t got, total; /* total: UINT64_MAX until OUTLEN */
	} * q;
	size_t nq;
};

struct sup {
	const char *name, *dir;
	pid_t qemu;
	struct vm_conn agent;
	struct sport sp[VM_NPORTS];
	struct iport ip[VM_NPORTS];
	int lfd;
	struct client **cl;
	size_t ncl;
	struct chan *ch;
	size_t nch;
	uint32_t next_gid;
	long ping_sent, last_pong, poweroff_at;
	/* why the supervisor killed QEMU (vm_dead_reason()'s words) */
	const char *why;
};

static struct chan *chan_by_gid(struct sup *s, uint32_t gid)
{
	for (size_t i = 0; i < s->nch; i++)
		if (s->ch[i].gid == gid)
			return &s->ch[i];
	return NULL;
}

static struct chan *chan_by_lid(struct sup *s, struct client *cl, uint32_t lid)
{
	for (size_t i = 0; i < s->nch; i++)
		if (s->ch[i].cl == cl && s->ch[i].lid == lid)
			return &s->ch[i];
	return NULL;
}

/* Ends c's use of its stdin port: the connection closes (EOF, and the
 * agent then reads the port to that end and says CLEAN). */
static void stdin_port_end(struct sup *s, struct chan *c)
{
	if (c->route == ROUTE_PORT && c->inport >= 0) {
		struct iport *ip = &s->ip[c->inport];

		if (ip->fd >= 0)
			close(ip->fd);
		ip->fd = -1;
		ip->gid = 0;
	}
	c->inport = -1;
	cs_buf_release(&c->inq);
}

/* Closes c's stdout pipe: the reader's EOF, once the client's copy closes
 * too. */
static void chan_out_close(struct chan *c)
{
	if (c->outfd >= 0)
		close(c->outfd);
	c->outfd = -1;
	c->out_blocked = 0;
}

static void chan_drop(struct sup *s, struct chan *c)
{
	chan_out_close(c);
	stdin_port_end(s, c);
	cs_buf_release(&c->early);
	*c = s->ch[--s->nch];
}

/* A new connection to stdin port k (QEMU listens on <dir>/iK.sock); the
 * port stays without one when that fails. */
static void stdin_port_connect(struct sup *s, int k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/i%d.sock", s->dir, k);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		vm_sock_buffer(fd, AGENT_SOCK_BUF);
	s->ip[k].fd = fd;
	s->ip[k].gid = 0;
}

/* Writes what c's stdin port may take; the client gets its credit back
 * as the bytes go, and the connection's write side is shut at the
 * client's EOF (a whole close would let QEMU drop what it has not read
 * yet). */
static void stdin_port_flush(struct sup *s, struct chan *c)
{
	struct iport *ip = &s->ip[c->inport];
	ssize_t n = 0;

	if (ip->fd < 0)
		return;
	if (c->inq.len) {
		n = write(ip->fd, c->inq.buf, c->inq.len);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			/* QEMU let go of it: the command's stdin ended */
			cs_buf_reset(&c->inq);
			return;
		}
		if (n > 0) {
			memmove(c->inq.buf, c->inq.buf + n, c->inq.len - n);
			cs_buf_truncate(&c->inq, c->inq.len - (size_t)n);
			c->owed += (uint32_t)n;
		}
	}
	if (c->cl && c->owed && (c->owed >= VM_WINDOW_BATCH || !c->inq.len)) {
		uint8_t b[4] = { (uint8_t)c->owed, (uint8_t)(c->owed >> 8),
				 (uint8_t)(c->owed >> 16),
				 (uint8_t)(c->owed >> 24) };

		vm_frame_put(&c->cl->c.out, VM_MSG_WINDOW, VM_STDIN, c->lid, b,
			     4);
		c->owed = 0;
	}
	if (!c->inq.len && c->in_eof == 1) {
		shutdown(ip->fd, SHUT_WR);
		c->in_eof = 2;
	}
}

/* A stdin DATA frame (or EOF, empty) of c's, by its route. */
static void stdin_frame(struct sup *s, struct chan *c, const uint8_t *p,
			size_t len)
{
	if (c->route == ROUTE_WAIT) {
		vm_frame_put(&c->early, VM_MSG_DATA, VM_STDIN, c->gid, p, len);
	} else if (c->route == ROUTE_AGENT) {
		vm_frame_put(&s->agent.out, VM_MSG_DATA, VM_STDIN, c->gid, p,
			     len);
	} else if (!c->in_eof && c->inport >= 0) {
		if (!len)
			c->in_eof = 1;
		/* the client keeps to its window: this is bounded */
		cs_buf_add(&c->inq, p, len);
		stdin_port_flush(s, c);
	}
}

/* The agent decided where c's stdin goes: the frames that waited follow
 * it. */
static void stdin_route(struct sup *s, struct chan *c, int route)
{
	struct cs_buf early = c->early;
	size_t off = 0;

	if (c->route != ROUTE_WAIT)
		return;
	c->route = route;
	cs_buf_init(&c->early, 0);
	while (off + VM_HDR_LEN <= early.len) {
		struct vm_hdr h;
		const uint8_t *pl;
		size_t used;

		if (vm_frame_parse((const uint8_t *)early.buf + off,
				   early.len - off, &h, &pl, &used, NULL) != 1)
			break;
		stdin_frame(s, c, pl, h.len);
		off += used;
	}
	cs_buf_release(&early);
}

static void to_agent(struct sup *s, const struct vm_hdr *h, uint32_t gid,
		     const uint8_t *p)
{
	vm_frame_put(&s->agent.out, h->type, h->stream, gid, p, h->len);
}

/* An EXEC whose client passed its stdout pipe with it: c keeps the pipe,
 * the agent gets the EXEC without the flag (it is the supervisor's). */
static void exec_with_pipe(struct sup *s, struct client *cl, struct chan *c,
			   const struct vm_hdr *h, const uint8_t *p)
{
	uint8_t *q;
	uint32_t f = vm_get_u32(p) & ~VM_EXEC_OUTFD;
	struct stat st;

	c->outfd = cl->c.rfd;
	cl->c.rfd = -1;
	if (c->outfd < 0 || fstat(c->outfd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		vm_u32_str_frame(&cl->c.out, VM_MSG_ERROR, h->id, EBADF,
				 "no stdout pipe came with the command");
		chan_drop(s, c);
		return;
	}
	q = xmalloc(h->len);
	memcpy(q, p, h->len);
	for (int i = 0; i < 4; i++)
		q[i] = (uint8_t)(f >> (8 * i));
	to_agent(s, h, c->gid, q);
	free(q);
}

static void from_client(struct sup *s, struct client *cl,
			const struct vm_hdr *h, const uint8_t *p)
{
	struct chan *c;

	if (h->type == VM_MSG_POWEROFF) {
		vm_frame_put(&s->agent.out, VM_MSG_POWEROFF, 0, 0, NULL, 0);
		if (!s->poweroff_at)
			s->poweroff_at = now_ms() + POWEROFF_GRACE_MS;
		return;
	}
	if (!h->id)
		return;
	c = chan_by_lid(s, cl, h->id);
	if (h->type == VM_MSG_EXEC || h->type == VM_MSG_PING) {
		if (c) {
			vm_u32_str_frame(&cl->c.out, VM_MSG_ERROR, h->id,
					 EEXIST, "channel in use");
			return;
		}
		s->ch = xrealloc(s->ch, (s->nch + 1) * sizeof(*s->ch));
		c = &s->ch[s->nch++];
		*c = (struct chan){ 0 };
		c->gid = ++s->next_gid ? s->next_gid : ++s->next_gid;
		c->lid = h->id;
		c->cl = cl;
		c->ping = h->type == VM_MSG_PING;
		c->inport = -1;
		c->outfd = -1;
		cs_buf_init(&c->early, 0);
		cs_buf_init(&c->inq, 0);
		/* a tty's stdin is the agent's pty, never a port */
		c->route =
			c->ping || h->len < 4 || (vm_get_u32(p) & VM_EXEC_TTY) ?
				ROUTE_AGENT :
				ROUTE_WAIT;
	}
	if (!c)
		return;
	if (h->type == VM_MSG_WINDOW && h->len == 4 && h->stream < 3) {
		uint32_t v = vm_get_u32(p);

		c->unacked[h->stream] -=
			v < c->unacked[h->stream] ? v : c->unacked[h->stream];
	}
	if (h->type == VM_MSG_EXEC && h->len >= 4 &&
	    (vm_get_u32(p) & VM_EXEC_OUTFD)) {
		exec_with_pipe(s, cl, c, h, p);
		return;
	}
	if (h->type == VM_MSG_DATA && h->stream == VM_STDIN)
		stdin_frame(s, c, p, h->len);
	else if (h->type == VM_MSG_DATA || h->type == VM_MSG_WINDOW ||
		 h->type == VM_MSG_SIGNAL || h->type == VM_MSG_WINSIZE ||
		 h->type == VM_MSG_EXEC || h->type == VM_MSG_PING)
		to_agent(s, h, c->gid, p);
}

static struct pentry *pentry_by_gid(struct sup *s, uint32_t gid, int *port)
{
	for (int k = 0; k < VM_NPORTS; k++)
		for (size_t i = 0; i < s->sp[k].nq; i++)
			if (s->sp[k].q[i].gid == gid) {
				*port = k;
				return &s->sp[k].q[i];
			}
	return NULL;
}

/* Ends the execs at the head of port k whose bytes all came: their held
 * EXITs go out. */
static void port_check(struct sup *s, int k)
{
	struct sport *sp = &s->sp[k];

	while (sp->nq && sp->q[0].got == sp->q[0].total) {
		struct chan *c = chan_by_gid(s, sp->q[0].gid);

		memmove(sp->q, sp->q + 1, --sp->nq * sizeof(*sp->q));
		if (c)
			chan_out_close(c);
		if (c && c->held_exit) {
			if (c->cl)
				vm_frame_put(&c->cl->c.out, VM_MSG_EXIT, 0,
					     c->lid, c->exitp, 8);
			chan_drop(s, c);
		}
	}
}

/* PORT for a stdin port and CLEAN; 0, or -1 for one that breaks the
 * protocol. */
static int stdin_port_msg(struct sup *s, const struct vm_hdr *h,
			  const uint8_t *p)
{
	uint32_t k = h->len == 4 ? vm_get_u32(p) : VM_NPORTS;
	struct chan *c;

	if (k >= VM_NPORTS)
		return -1;
	if (h->type == VM_MSG_CLEAN) {
		/* read to the end of its last connection: a new one */
		if (s->ip[k].fd >= 0)
			return -1;
		stdin_port_connect(s, (int)k);
		return 0;
	}
	if (s->ip[k].fd < 0 || s->ip[k].gid)
		return -1;
	c = chan_by_gid(s, h->id);
	if (!c) {
		/* its client and channel are gone: EOF at once */
		close(s->ip[k].fd);
		s->ip[k].fd = -1;
		return 0;
	}
	if (c->route != ROUTE_WAIT)
		return -1;
	s->ip[k].gid = c->gid;
	c->inport = (int)k;
	stdin_route(s, c, ROUTE_PORT);
	return 0;
}

/* PORT and OUTLEN; 0, or -1 for one that breaks the protocol. */
static int port_msg(struct sup *s, const struct vm_hdr *h, const uint8_t *p)
{
	struct pentry *e;
	int k;

	if (h->type == VM_MSG_CLEAN ||
	    (h->type == VM_MSG_PORT && h->stream == VM_STDIN))
		return stdin_port_msg(s, h, p);
	if (h->type == VM_MSG_PORT) {
		struct sport *sp;

		if (h->stream != VM_STDOUT || h->len != 4 ||
		    vm_get_u32(p) >= VM_NPORTS || !h->id ||
		    pentry_by_gid(s, h->id, &k))
			return -1;
		sp = &s->sp[vm_get_u32(p)];
		if (sp->fd < 0 || sp->nq >= 1024)
			return -1;
		sp->q = xrealloc(sp->q, (sp->nq + 1) * sizeof(*sp->q));
		sp->q[sp->nq++] = (struct pentry){ h->id, 0, UINT64_MAX };
		return 0;
	}
	if (h->len != 8 || !(e = pentry_by_gid(s, h->id, &k)) ||
	    e->total != UINT64_MAX || vm_get_u64(p) == UINT64_MAX ||
	    e->got > vm_get_u64(p))
		return -1;
	e->total = vm_get_u64(p);
	port_check(s, k);
	return 0;
}

/* Whether port k's head may be read now: its client takes what comes
 * (or it has none, and the bytes are dropped). */
static int port_wanted(struct sup *s, int k)
{
	struct chan *c;

	if (!s->sp[k].nq)
		return 0;
	c = chan_by_gid(s, s->sp[k].q[0].gid);
	if (c && c->outfd >= 0)
		return !c->out_blocked;
	return !c || !c->cl || c->cl->c.out.len - c->cl->c.out_off < VM_WINDOW;
}

/* Reads exactly n bytes (which are there) from the pipe fd onto out. */
static int pipe_to_queue(int fd, struct cs_buf *out, size_t n)
{
	while (n) {
		char *dst = cs_buf_space(out, n);
		ssize_t r = dst ? read(fd, dst, n) : -1;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		cs_buf_commit(out, (size_t)r);
		n -= (size_t)r;
	}
	return 0;
}

/* Up to want bytes of port sp as a DATA frame (stdout, id) for the
 * client cl: spliced from QEMU's socket into sp's pipe and, when nothing
 * is queued for the client, from there into its socket, never through
 * this process's memory (under TCG here the host's cores are short, and
 * each copy of a stream's bytes there slows the guest: a third of the
 * CPU of a read and a write).  What the socket does not take at once,
 * or all of it behind a queue, is queued.  splice()'s result. */
static ssize_t port_to_client(struct sport *sp, struct vm_conn *cl, uint32_t id,
			      size_t want)
{
	uint8_t h[VM_HDR_LEN];
	ssize_t n, w = 0, m = 0;

	n = splice(sp->fd, NULL, sp->mid[1], NULL, want,
		   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n <= 0)
		return n;
	vm_hdr_encode(h, VM_MSG_DATA, VM_STDOUT, id, (size_t)n);
	if (!vm_conn_pending(cl)) {
		w = write(cl->fd, h, sizeof(h));
		if (w == (ssize_t)sizeof(h))
			m = splice(sp->mid[0], NULL, cl->fd, NULL, (size_t)n,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		w = w < 0 ? 0 : w;
		m = m < 0 ? 0 : m;
	}
	if (w < (ssize_t)sizeof(h))
		cs_buf_add(&cl->out, h + w, sizeof(h) - (size_t)w);
	if (m < n && pipe_to_queue(sp->mid[0], &cl->out, (size_t)(n - m)) < 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

/* Up to want bytes of port sp spliced into c's stdout pipe.  splice()'s
 * result; a full pipe marks c blocked (its room is polled for), a pipe
 * whose reader left gets what a local writer would: SIGPIPE for the
 * command, and its output is dropped from then on. */
static ssize_t port_to_pipe(struct sup *s, struct sport *sp, struct chan *c,
			    size_t want)
{
	ssize_t n = splice(sp->fd, NULL, c->outfd, NULL, want,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	struct pollfd pf = { .fd = c->outfd, .events = POLLOUT };

	if (n >= 0)
		return n;
	if (errno == EAGAIN && poll(&pf, 1, 0) == 0) {
		c->out_blocked = 1;
	} else if (errno == EPIPE) {
		uint8_t b[4] = { SIGPIPE, 0, 0, 0 };

		vm_frame_put(&s->agent.out, VM_MSG_SIGNAL, 0, c->gid, b, 4);
		chan_out_close(c);
		c->out_gone = 1;
		errno = EAGAIN;
	}
	return -1;
}

/* Port k has bytes: for the exec at its head, as far as its client's
 * queue allows, up to 1 MiB per wake-up (a poll round each 64 KiB would
 * leave QEMU waiting on a full socket).  0, or -1 when QEMU closed it. */
static int port_read(struct sup *s, int k)
{
	static uint8_t buf[VM_MAX_PAYLOAD];
	struct sport *sp = &s->sp[k];

	for (int i = 0; i < 16 && port_wanted(s, k); i++) {
		struct pentry *e = &sp->q[0];
		size_t want = sizeof(buf);
		struct chan *c;
		ssize_t n;

		if (e->total - e->got < want)
			want = (size_t)(e->total - e->got);
		c = chan_by_gid(s, e->gid);
		/* into the client's pipe, to the client, or dropped (it or
		 * its reader is gone) */
		if (c && c->outfd >= 0)
			n = port_to_pipe(s, sp, c, want);
		else if (c && c->cl && !c->out_gone)
			n = port_to_client(sp, &c->cl->c, c->lid, want);
		else
			n = read(sp->fd, buf, want);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;
		e->got += (uint64_t)n;
		port_check(s, k);
		if ((size_t)n < want)
			break;
	}
	return 0;
}

/* 0, or -1 when the agent sent more than its window or broke the stream
 * ports' rules (the VM is killed) */
static int from_agent(struct sup *s, const struct vm_hdr *h, const uint8_t *p)
{
	struct chan *c;
	int k;

	if (h->type == VM_MSG_PORT || h->type == VM_MSG_OUTLEN ||
	    h->type == VM_MSG_CLEAN)
		return port_msg(s, h, p);

	if (h->type == VM_MSG_PONG && h->id == 0) {
		s->last_pong = now_ms();
		s->ping_sent = 0;
		return 0;
	}
	/* any frame shows the agent alive */
	s->last_pong = now_ms();
	c = chan_by_gid(s, h->id);
	if (!c)
		return 0;
	/* no PORT before these: its stdin is the agent's */
	if (h->type == VM_MSG_STARTED || h->type == VM_MSG_ERROR ||
	    h->type == VM_MSG_EXIT)
		stdin_route(s, c, ROUTE_AGENT);
	if (h->type == VM_MSG_EXIT)
		stdin_port_end(s, c);
	if (h->type == VM_MSG_EXIT && h->len == 8 &&
	    pentry_by_gid(s, c->gid, &k)) {
		/* its stdout is still on the way through its port */
		c->held_exit = 1;
		memcpy(c->exitp, p, 8);
		return 0;
	}
	if (!c->cl) {
		/* an orphan's output: keep the command from blocking */
		if (h->type == VM_MSG_DATA && h->len && h->stream != VM_STDIN) {
			uint8_t b[4] = { (uint8_t)h->len,
					 (uint8_t)(h->len >> 8), 0, 0 };
			vm_frame_put(&s->agent.out, VM_MSG_WINDOW, h->stream,
				     c->gid, b, 4);
		}
	} else {
		if (h->type == VM_MSG_DATA && h->stream < 3 &&
		    (c->unacked[h->stream] += h->len) > VM_WINDOW)
			return -1;
		vm_frame_put(&c->cl->c.out, h->type, h->stream, c->lid, p,
			     h->len);
	}
	if (h->type == VM_MSG_EXIT || h->type == VM_MSG_PONG ||
	    (h->type == VM_MSG_ERROR && !c->ping))
		chan_drop(s, c);
	return 0;
}

static void client_gone(struct sup *s, struct client *cl)
{
	for (size_t i = 0; i < s->nch; i++) {
		if (s->ch[i].cl != cl)
			continue;
		s->ch[i].cl = NULL;
		/* its output is dropped now, as before a pipe was passed */
		chan_out_close(&s->ch[i]);
		/* as a terminal hang-up would: EOF on a stdin port too */
		if (s->ch[i].route != ROUTE_AGENT && !s->ch[i].in_eof)
			stdin_frame(s, &s->ch[i], NULL, 0);
		if (s->ch[i].ping) {
			s->ch[i].gid = 0;
			continue;
		}
		/* as a terminal hang-up would */
		uint8_t b[4] = { SIGHUP, 0, 0, 0 };
		vm_frame_put(&s->agent.out, VM_MSG_SIGNAL, 0, s->ch[i].gid, b,
			     4);
	}
	for (size_t i = 0; i < s->nch;)
		if (!s->ch[i].cl && s->ch[i].ping)
			chan_drop(s, &s->ch[i]);
		else
			i++;
	vm_conn_release(&cl->c);
	cl->gone = 1;
}

static void sup_log(const char *dir, const char *fmt, ...) CS_PRINTF(2, 3);
static void sup_log(const char *dir, const char *fmt, ...)
{
	char *p = xasprintf("%s/console.log", dir), line[512];
	int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	va_list ap;

	free(p);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	(void)!write(fd, line, strlen(line));
	close(fd);
}

static int listen_ctl(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", dir);
	unlink(sa.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Whether QEMU exits within a second: its sockets close as it ends, a
 * little before its exit shows (then its status says why it ended). */
static int qemu_ending(int pidfd)
{
	struct pollfd q = { .fd = pidfd, .events = POLLIN };

	return poll(&q, 1, 1000) == 1;
}

/* A socket of QEMU's closed: QEMU's own end, or else the guest's fault
 * (its ports are QEMU's to close), and QEMU is killed. */
static void socket_closed(struct sup *s, int pidfd, const char *what)
{
	if (qemu_ending(pidfd))
		return;
	sup_log(s->dir, "cshell: %s closed", what);
	s->why = "agent";
	kill(s->qemu, SIGKILL);
}

static void serve(struct sup *s, int pidfd, const char *release)
{
	for (;;) {
		struct pollfd pf[3 + 3 * VM_NPORTS + 256];
		struct client *who[3 + 3 * VM_NPORTS + 256];
		uint32_t blocked[VM_NPORTS];
		long t = now_ms(), wait = PING_EVERY_MS;
		int n = 0, take, kick[VM_NPORTS] = { 0 };
		struct vm_hdr h;
		const uint8_t *p;

		pf[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		who[n++] = NULL;
		pf[n] = (struct pollfd){
			.fd = s->agent.fd,
			.events = POLLIN |
				  (vm_conn_pending(&s->agent) ? POLLOUT : 0)
		};
		who[n++] = NULL;
		pf[n] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		who[n++] = NULL;
		for (int k = 0; k < VM_NPORTS; k++) {
			pf[n] = (struct pollfd){ .fd = s->sp[k].fd,
						 .events = port_wanted(s, k) ?
								   POLLIN :
								   0 };
			who[n++] = NULL;
		}
		/* stdin ports with bytes to write */
		for (int k = 0; k < VM_NPORTS; k++) {
			struct chan *c = s->ip[k].gid ?
						 chan_by_gid(s, s->ip[k].gid) :
						 NULL;

			pf[n] = (struct pollfd){ .fd = c && c->inq.len ?
							       s->ip[k].fd :
							       -1,
						 .events = POLLOUT };
			who[n++] = NULL;
		}
		/* stdout pipes that were full, at the ports' heads */
		for (int k = 0; k < VM_NPORTS; k++) {
			struct chan *c =
				s->sp[k].nq ?
					chan_by_gid(s, s->sp[k].q[0].gid) :
					NULL;

			blocked[k] = c && c->outfd >= 0 && c->out_blocked ?
					     c->gid :
					     0;
			pf[n] = (struct pollfd){ .fd = blocked[k] ? c->outfd :
								    -1,
						 .events = POLLOUT };
			who[n++] = NULL;
		}
		/* a guest that does not read its port must not have the
		 * clients' frames queued here without end */
		take = s->agent.out.len - s->agent.out_off < 2 * VM_WINDOW;
		for (size_t i = 0; i < s->ncl && n < (int)CS_ARRAY_SIZE(pf);
		     i++) {
			pf[n] = (struct pollfd){
				.fd = s->cl[i]->c.fd,
				.events = (take ? POLLIN : 0) |
					  (vm_conn_pending(&s->cl[i]->c) ?
						   POLLOUT :
						   0)
			};
			who[n++] = s->cl[i];
		}
		if (s->poweroff_at)
			wait = s->poweroff_at - t > 0 ? s->poweroff_at - t : 0;
		poll(pf, (nfds_t)n, (int)wait);
		t = now_ms();

		if (pf[0].revents) /* QEMU is gone */
			return;
		for (int k = 0; k < VM_NPORTS; k++) {
			struct chan *c =
				blocked[k] ? chan_by_gid(s, blocked[k]) : NULL;

			if (c && pf[3 + 2 * VM_NPORTS + k].revents) {
				c->out_blocked = 0;
				kick[k] = 1;
			}
		}
		if (s->poweroff_at && t >= s->poweroff_at) {
			sup_log(s->dir, "cshell: guest did not power off, "
					"killing qemu");
			kill(s->qemu, SIGKILL);
			s->poweroff_at = t + 60000;
		}
		/* hang detection */
		if (!s->ping_sent && t - s->last_pong >= PING_EVERY_MS) {
			uint8_t ck[8] = { 0 };

			vm_frame_put(&s->agent.out, VM_MSG_PING, 0, 0, ck, 8);
			s->ping_sent = t;
		} else if (s->ping_sent && t - s->ping_sent > PING_TIMEOUT_MS) {
			sup_log(s->dir,
				"cshell: agent did not answer a ping for %d s, "
				"killing qemu",
				PING_TIMEOUT_MS / 1000);
			s->why = "hung";
			kill(s->qemu, SIGKILL);
			s->ping_sent = t + 3600000;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = vm_conn_fill(&s->agent);
			struct cs_error err = CS_ERROR_INIT;
			int k;

			if (r == 0 || (r < 0 && r != -EAGAIN)) {
				socket_closed(s, pidfd, "agent port");
				return;
			}
			while ((k = vm_conn_next(&s->agent, &h, &p, &err)) == 1)
				if (from_agent(s, &h, p) < 0) {
					cs_error_set(&err, 0,
						     "sent past its window "
						     "or misused a stream "
						     "port");
					k = -1;
					break;
				}
			if (k < 0) {
				sup_log(s->dir, "cshell: agent: %s", err.msg);
				s->why = "agent";
				kill(s->qemu, SIGKILL);
				return;
			}
		}
		if (pf[2].revents & POLLIN) {
			int fd = accept4(s->lfd, NULL, NULL,
					 SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd >= 0) {
				struct client *cl = xcalloc(1, sizeof(*cl));

				vm_sock_buffer(fd, AGENT_SOCK_BUF);

				vm_conn_init(&cl->c, fd);
				cl->c.take_fds = 1;
				vm_u32_str_frame(&cl->c.out, VM_MSG_HELLO, 0,
						 VM_PROTO_VERSION, release);
				s->cl = xrealloc(s->cl,
						 (s->ncl + 1) * sizeof(*s->cl));
				s->cl[s->ncl++] = cl;
			}
		}
		for (int k = 0; k < VM_NPORTS; k++)
			if ((pf[3 + k].revents || kick[k]) &&
			    port_read(s, k) < 0) {
				socket_closed(s, pidfd, "stream port");
				return;
			}
		for (int k = 0; k < VM_NPORTS; k++) {
			struct chan *c = s->ip[k].gid ?
						 chan_by_gid(s, s->ip[k].gid) :
						 NULL;

			if (c && pf[3 + VM_NPORTS + k].revents)
				stdin_port_flush(s, c);
		}
		for (int i = 3 + 3 * VM_NPORTS; i < n; i++) {
			struct client *cl = who[i];
			struct cs_error err = CS_ERROR_INIT;
			ssize_t r;
			int k;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = vm_conn_fill(&cl->c);
			while ((k = vm_conn_next(&cl->c, &h, &p, &err)) == 1)
				from_client(s, cl, &h, p);
			cs_error_release(&err);
			if (r == 0 || (r < 0 && r != -EAGAIN) || k < 0)
				client_gone(s, cl);
		}
		for (size_t i = 0; i < s->ncl;) {
			struct client *cl = s->cl[i];

			if (!cl->gone && vm_conn_flush(&cl->c) < 0)
				client_gone(s, cl);
			if (cl->gone) {
				free(cl);
				s->cl[i] = s->cl[--s->ncl];
			} else {
				i++;
			}
		}
		if (vm_conn_flush(&s->agent) < 0) {
			s->why = "agent";
			kill(s->qemu, SIGKILL);
			return;
		}
	}
}

/* The --mounts as "SRC\tDST" lines, for vm_exec's start directory. */
static int write_mounts(const struct vm_config *cfg, const char *dir,
			struct cs_error *err)
{
	_cleanup_free_ char *p = xasprintf("%s/mounts", dir);
	struct cs_buf b = CS_BUF_INIT;
	int r;

	for (size_t i = 0; i < cfg->nmounts; i++)
		if (!strpbrk(cfg->mounts[i].src, "\t\n") &&
		    !strpbrk(cfg->mounts[i].dst, "\t\n"))
			cs_buf_addf(&b, "%s\t%s\n", cfg->mounts[i].src,
				    cfg->mounts[i].dst);
	r = cs_write_file_atomic(p, b.buf, b.len, 0644, err);
	cs_buf_release(&b);
	return r;
}

#define FUSE_SUPER_MAGIC 0x65735546

/* Makes path's parents in the mask layer with the host's modes and
 * owners: a directory of the top layer gives the merged one its
 * attributes (/root stays 0700).  0, or -1 when a parent is no directory
 * on the host (a symlinked /home): a directory over it would hide what
 * the link leads to, so that path is not masked. */
static int mask_parents(const char *mask, const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	int r = 0;

	for (char *sl = strchr(p + 1, '/'); sl && !r;
	     sl = strchr(sl + 1, '/')) {
		struct stat st;

		*sl = 0;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = -1;
		} else {
			_cleanup_free_ char *m = xasprintf("%s%s", mask, p);

			if (mkdir(m, st.st_mode & 07777) == 0) {
				(void)!chown(m, st.st_uid, st.st_gid);
				chmod(m, st.st_mode & 07777);
			}
		}
		*sl = '/';
	}
	return r;
}

/*
 * With the host root as a layer, the guest must not read what a sandbox
 * masks (sbx_host_secrets(): /etc/shadow, ssh host keys, other users'
 * homes, the caller's credentials).  Masking inside the guest would not
 * hold (its root can unmount anything), so it is a layer of the host's,
 * <dir>/mask, put right above the host root: an empty file of the same
 * mode and owner for each file, an empty opaque directory (the OCI marker
 * .wh..wh..opq) for each directory.  Writes land in the VM's own upper
 * layer, never on the host.  Returns the layer's path.
 */
static char *build_mask(const char *dir, struct cs_error *err)
{
	char *mask = xasprintf("%s/mask", dir), **files, **dirs;
	struct stat st;

	vm_rm_rf(mask);
	if (mkdir(mask, 0755) < 0) {
		cs_error_errno(err, "create %s", mask);
		free(mask);
		return NULL;
	}
	sbx_host_secrets(&files, &dirs);
	for (char **f = files; *f; f++) {
		if (lstat(*f, &st) == 0 && !S_ISDIR(st.st_mode) &&
		    mask_parents(mask, *f) == 0) {
			_cleanup_free_ char *m = xasprintf("%s%s", mask, *f);
			int fd =
				open(m, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				     st.st_mode & 07777);

			if (fd >= 0) {
				(void)!fchown(fd, st.st_uid, st.st_gid);
				fchmod(fd, st.st_mode & 07777);
				close(fd);
			}
		}
		free(*f);
	}
	for (char **d = dirs; *d; d++) {
		if (stat(*d, &st) == 0 && S_ISDIR(st.st_mode) &&
		    mask_parents(mask, *d) == 0) {
			_cleanup_free_ char *m = xasprintf("%s%s", mask, *d),
					    *o = xasprintf("%s/.wh..wh..opq",
							   m);
			int fd;

			mkdir(m, 0755);
			fd = open(o, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
		free(*d);
	}
	free(files);
	free(dirs);
	return mask;
}

static int is_host_root(const char *dir)
{
	struct stat a, b;

	return stat(dir, &a) == 0 && stat("/", &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * The layered root: the sandbox module's layered-fs program (cshell-fs,
 * or $CSHELL_FS) over the layers with an upper layer in data/vm/<name>/,
 * mounted on <dir>/rootfs, which QEMU then shares.  The program
 * daemonises once mounted.  *root gets the mount point.
 */
static int mount_layers(const struct vm_config *cfg, const char *dir,
			char **root, struct cs_error *err)
{
	_cleanup_free_ char *prog = sbx_fs_program(), *mnt = NULL, *data = NULL,
			    *sub = NULL, *log = NULL, *mask = NULL;
	struct cs_buf opts = CS_BUF_INIT;
	struct statfs st;
	int status, logfd;
	pid_t pid;

	cs_buf_adds(&opts, "lowerdir=");
	for (size_t i = 0; i < cfg->nlayers; i++) {
		if (strpbrk(cfg->layers[i], ":,")) {
			cs_buf_release(&opts);
			return cs_error_set(err, 0,
					    "layer %s: a ':' or ',' in its "
					    "path cannot be passed on",
					    cfg->layers[i]);
		}
		if (!mask && is_host_root(cfg->layers[i])) {
			mask = build_mask(dir, err);
			if (!mask || strpbrk(mask, ":,")) {
				cs_buf_release(&opts);
				return mask ? cs_error_set(err, 0,
							   "%s: a ':' or ',' "
							   "in the path",
							   mask) :
					      -1;
			}
			cs_buf_addf(&opts, "%s%s", i ? ":" : "", mask);
			cs_buf_addc(&opts, ':');
		} else if (i) {
			cs_buf_addc(&opts, ':');
		}
		cs_buf_adds(&opts, cfg->layers[i]);
	}
	if (!cfg->root_ro) {
		sub = xasprintf("vm/%s", cfg->name);
		data = cs_root_subdir(CS_ROOT_DATA, sub, 1, err);
		if (!data) {
			cs_buf_release(&opts);
			return -1;
		}
		free(sub);
		sub = xasprintf("%s/upper", data);
		mkdir(sub, 0755);
		cs_buf_addf(&opts, ",upperdir=%s", sub);
		free(sub);
		sub = xasprintf("%s/work", data);
		mkdir(sub, 0755);
		cs_buf_addf(&opts, ",workdir=%s", sub);
	}
	mnt = xasprintf("%s/rootfs", dir);
	mkdir(mnt, 0755);
	log = xasprintf("%s/console.log", dir);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		dup2(null, 0);
		/* a daemon must not hold the caller's stdout */
		dup2(logfd >= 0 ? logfd : null, 1);
		dup2(logfd >= 0 ? logfd : null, 2);
		execlp(prog, prog, "-o", opts.buf, mnt, (char *)NULL);
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	cs_buf_release(&opts);
	if (pid < 0)
		return cs_error_errno(err, "fork");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    statfs(mnt, &st) < 0 || st.f_type != FUSE_SUPER_MAGIC) {
		char *tail = log_tail(log, 3);

		cs_error_set(err, 0,
			     "cannot mount the layered root of VM %s with "
			     "%s:\n%s",
			     cfg->name, prog, tail);
		free(tail);
		return -1;
	}
	*root = steal_ptr(&mnt);
	return 0;
}

/* The supervisor's end of the agent's port (nonblocking) in *mine, QEMU's
 * in *qemu; each side may queue AGENT_SOCK_BUF bytes.  0 or -1. */
static int agent_pair(int *mine, int *qemu)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	vm_sock_buffer(sv[0], AGENT_SOCK_BUF);
	vm_sock_buffer(sv[1], AGENT_SOCK_BUF);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*mine = sv[0];
	*qemu = sv[1];
	return 0;
}

/* A stream port's pipe for port_to_client(): room for a frame's payload
 * whole, however the socket's buffers fall into pages.  0 or -1. */
static int port_pipe(int mid[2])
{
	if (pipe2(mid, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	fcntl(mid[1], F_SETPIPE_SZ, 4 * VM_MAX_PAYLOAD);
	return 0;
}

static void report(int fd, const char *msg)
{
	(void)!write(fd, msg, strlen(msg));
	close(fd);
}

/* Closes every fd above 2 but keep. */
static void close_except(int keep)
{
	if (keep > 3)
		syscall(SYS_close_range, 3, keep - 1, 0);
	syscall(SYS_close_range, keep + 1, ~0U, 0);
}

/* The VM ended without being asked: <data>/dead says why in a word
 * vm_dead_reason() knows; NULL why: a new boot, no longer dead. */
static void mark_dead(const char *name, const char *why)
{
	_cleanup_free_ char *data = vm_data_dir(name, 0, NULL), *p = NULL;

	if (!data)
		return;
	p = xasprintf("%s/dead", data);
	if (why)
		cs_write_file_atomic(p, why, strlen(why), 0644, NULL);
	else
		unlink(p);
}

/* ------------------------------------------------------------------ */
/* snapshots: a VM saved while its agent waits for its CONFIG (all alike
 * so far), restored instead of booted by the next VM that QEMU would run
 * the same way (docs/vm.md, "Snapshots") */

/* Reads QEMU's monitor until its prompt; 0, or -1 (timeout, EOF). */
static int hmp_read(int fd, struct cs_buf *out, long deadline)
{
	cs_buf_reset(out);
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		char b[4096];
		long left = deadline - now_ms();
		ssize_t n;

		if (out->len >= 7 &&
		    !memcmp(out->buf + out->len - 7, "(qemu) ", 7))
			return 0;
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -1;
		n = read(fd, b, sizeof(b));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		cs_buf_add(out, b, (size_t)n);
	}
}

/* One monitor command (with fd passed along when >= 0), its output. */
static int hmp(int fd, const char *cmd, int pass, struct cs_buf *out,
	       long deadline)
{
	ssize_t n = pass >= 0 ? vm_send_fd(fd, cmd, strlen(cmd), pass) :
				send(fd, cmd, strlen(cmd), MSG_NOSIGNAL);

	if (n != (ssize_t)strlen(cmd))
		return -1;
	return hmp_read(fd, out, deadline);
}

/* How many snapshots are kept (~75 MB each with 512 MiB of guest RAM):
 * those used or saved last. */
#define SNAPSHOTS_KEPT 4

/* Removes all but the SNAPSHOTS_KEPT newest files (by mtime: a restore
 * touches its snapshot) in path's directory. */
static void prune_snapshots(const char *path)
{
	_cleanup_free_ char *sdir = xstrdup(path);
	char *slash = strrchr(sdir, '/');
	DIR *d;
	struct dirent *e;

	if (!slash)
		return;
	*slash = 0;
	for (;;) {
		char oldest[256] = "";
		struct timespec ot = { 0 };
		int n = 0;

		d = opendir(sdir);
		if (!d)
			return;
		while ((e = readdir(d))) {
			struct stat st;

			if (e->d_name[0] == '.' ||
			    fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode) || strlen(e->d_name) != 64)
				continue;
			n++;
			if (!*oldest || st.st_mtim.tv_sec < ot.tv_sec ||
			    (st.st_mtim.tv_sec == ot.tv_sec &&
			     st.st_mtim.tv_nsec < ot.tv_nsec)) {
				snprintf(oldest, sizeof(oldest), "%s",
					 e->d_name);
				ot = st.st_mtim;
			}
		}
		if (n > SNAPSHOTS_KEPT)
			unlinkat(dirfd(d), oldest, 0);
		closedir(d);
		if (n <= SNAPSHOTS_KEPT)
			return;
	}
}

/* Saves the running guest to path and lets it run on: QEMU writes an
 * unnamed file in path's directory, linked there once complete (a
 * supervisor killed meanwhile leaves nothing; of two saving one kind at
 * once, the second finds it there).  0, or -1 with why in the console
 * log. */
static int save_snapshot(const char *dir, int mon, const char *path)
{
	_cleanup_free_ char *sdir = xstrdup(path), *self = NULL;
	struct cs_buf out = CS_BUF_INIT;
	long deadline = now_ms() + 30000;
	int fd, r = -1, started = 0;

	*strrchr(sdir, '/') = 0;
	fd = open(sdir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || hmp_read(mon, &out, deadline) < 0 ||
	    hmp(mon, "migrate_set_parameter max-bandwidth 100G\n", -1, &out,
		deadline) < 0 ||
	    hmp(mon, "getfd cshsnap\n", fd, &out, deadline) < 0)
		goto out;
	started = 1;
	/* detached, and asked about every few ms: without -d the monitor
	 * looks at the migration once a second */
	if (hmp(mon, "migrate -d fd:cshsnap\n", -1, &out, deadline) < 0)
		goto out;
	do {
		usleep(5000);
		if (hmp(mon, "info migrate\n", -1, &out, deadline) < 0)
			goto out;
	} while (strstr(out.buf, "Migration status: active") ||
		 strstr(out.buf, "Migration status: setup"));
	self = xasprintf("/proc/self/fd/%d", fd);
	if (!strstr(out.buf, "Migration status: completed") ||
	    (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0 &&
	     errno != EEXIST))
		goto out;
	prune_snapshots(path);
	r = 0;
out:
	if (r < 0)
		sup_log(dir, "cshell: no snapshot saved: %.200s",
			out.len ? out.buf : strerror(errno));
	/* a completed migration leaves the guest paused */
	if (started && hmp(mon, "cont\n", -1, &out, now_ms() + 5000) < 0)
		r = -1;
	if (fd >= 0)
		close(fd);
	cs_buf_release(&out);
	return r;
}

/* The agent's CONFIG: the VM's own lines, the host's time and fresh
 * randomness (a restored guest has the snapshot's). */
static void send_config(struct sup *s, const char *conf)
{
	struct cs_buf b = CS_BUF_INIT;
	struct timespec t;
	unsigned char seed[32];

	clock_gettime(CLOCK_REALTIME, &t);
	cs_buf_adds(&b, conf);
	cs_buf_addf(&b, "time=%lld.%09ld\n", (long long)t.tv_sec, t.tv_nsec);
	if (getrandom(seed, sizeof(seed), 0) == (ssize_t)sizeof(seed)) {
		cs_buf_adds(&b, "seed=");
		for (size_t i = 0; i < sizeof(seed); i++)
			cs_buf_addf(&b, "%02x", seed[i]);
		cs_buf_addc(&b, '\n');
	}
	vm_frame_put(&s->agent.out, VM_MSG_CONFIG, 0, 0, b.buf, b.len);
	cs_buf_release(&b);
}

/* argv and "-incoming fd:SNAP_FD" (a restore) */
static char **with_incoming(char **argv)
{
	size_t n = 0;
	char **a;

	while (argv[n])
		n++;
	a = xcalloc(n + 3, sizeof(*a));
	memcpy(a, argv, n * sizeof(*a));
	a[n] = xstrdup("-incoming");
	a[n + 1] = xasprintf("fd:%d", SNAP_FD);
	return a;
}

/* Starts QEMU (restoring snapfd's state when >= 0) with new socketpairs
 * for the agent, the stdout ports and the monitor (*mon); its pidfd, or
 * -1. */
static int start_qemu(struct sup *s, char **argv, const char *dir,
		      const char *cg2, const char *cg1, int logfd, int snapfd,
		      int *mon)
{
	int qfd[2 + VM_NPORTS], pidfd;
	char *p, *msg;

	if (agent_pair(&s->agent.fd, &qfd[0]) < 0)
		return -1;
	for (int k = 0; k < VM_NPORTS; k++)
		if (agent_pair(&s->sp[k].fd, &qfd[1 + k]) < 0)
			return -1;
	if (agent_pair(mon, &qfd[1 + VM_NPORTS]) < 0)
		return -1;
	s->qemu = fork();
	if (s->qemu == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sbx_cgroup_enter(cg2, cg1, getpid());
		if (logfd >= 0) {
			dup2(logfd, 1);
			dup2(logfd, 2);
		}
		/* QEMU's ends to AGENT_FD and on, by way of fds above
		 * them all, so that no dup2 overwrites one still to move */
		for (int k = 0; k < 2 + VM_NPORTS; k++)
			qfd[k] = fcntl(qfd[k], F_DUPFD, SNAP_FD + 1);
		if (snapfd >= 0)
			snapfd = fcntl(snapfd, F_DUPFD, SNAP_FD + 1);
		for (int k = 0; k < 2 + VM_NPORTS; k++)
			dup2(qfd[k], AGENT_FD + k);
		if (snapfd >= 0)
			dup2(snapfd, SNAP_FD);
		/* nothing the caller left open reaches QEMU */
		syscall(SYS_close_range, snapfd >= 0 ? SNAP_FD + 1 : SNAP_FD,
			~0U, 0);
		if (snapfd >= 0)
			argv = with_incoming(argv);
		execv(argv[0], argv);
		_exit(127);
	}
	for (int k = 0; k < 2 + VM_NPORTS; k++)
		close(qfd[k]);
	if (s->qemu < 0)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, s->qemu, 0);
	p = xasprintf("%s/qemu.pid", dir);
	msg = xasprintf("%d\n", (int)s->qemu);
	cs_write_file_atomic(p, msg, strlen(msg), 0644, NULL);
	free(p);
	free(msg);
	vm_conn_init(&s->agent, s->agent.fd);
	vm_u32_str_frame(&s->agent.out, VM_MSG_HELLO, 0, VM_PROTO_VERSION,
			 "cshell");
	return pidfd;
}

/* Ends a QEMU that did not come up, and its socketpairs. */
static void end_qemu(struct sup *s, int *pidfd, int *mon)
{
	kill(s->qemu, SIGKILL);
	waitpid(s->qemu, NULL, 0);
	s->qemu = 0;
	close(*pidfd);
	close(*mon);
	*pidfd = *mon = -1;
	vm_conn_release(&s->agent);
	for (int k = 0; k < VM_NPORTS; k++) {
		close(s->sp[k].fd);
		s->sp[k].fd = -1;
	}
}

/* Runs in the daemonised grandchild; never returns.  conf: the agent's
 * CONFIG; snap: where this VM's kind's snapshot is, restored from when
 * it is there, else saved (NULL: none). */
static void supervise(const struct vm_config *cfg, char **argv, const char *dir,
		      int status_fd, const char *conf, const char *snap)
{
	struct sup s = { .name = cfg->name, .dir = dir, .lfd = -1 };
	pid_t fsd[1 + 64];
	size_t nfsd = 0;
	char *p, *release = NULL, *msg, *cg2, *cg1;
	long deadline = now_ms() + (long)cfg->boot_timeout * 1000, end;
	int up = 0, timed_out = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), pidfd, logfd, st;
	int mon = -1, snapfd = -1, configured = 0;
	sigset_t none;

	for (int k = 0; k < VM_NPORTS; k++) {
		s.sp[k].fd = s.ip[k].fd = -1;
		s.sp[k].mid[0] = s.sp[k].mid[1] = -1;
	}
	/* 0-2 become /dev/null below: the status pipe must not be one */
	if (status_fd < 3)
		status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	/* it outlives the command that booted it: a pipe end or lock the
	 * caller left open would stay held for the VM's life */
	close_except(status_fd);
	p = xasprintf("%s/supervisor.pid", dir);
	msg = xasprintf("%d\n", (int)getpid());
	cs_write_file_atomic(p, msg, strlen(msg), 0644, NULL);
	free(p);
	free(msg);

	mark_dead(cfg->name, NULL);
	p = xasprintf("%s/qemu.log", dir);
	logfd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		     0644);
	free(p);
	if (cfg->virtiofs && start_virtiofsd(cfg, dir, fsd, &nfsd) < 0) {
		p = xasprintf("%s/qemu.log", dir);
		msg = log_tail(p, 5);
		free(p);
		p = msg;
		msg = xasprintf("virtiofsd of VM %s did not start:\n%s",
				cfg->name, p);
		free(p);
		goto kill_fail;
	}
	vm_cgroup_create(dir, cfg->name, &cg2, &cg1);
	for (int k = 0; k < VM_NPORTS; k++)
		if (port_pipe(s.sp[k].mid) < 0)
			goto fail;
	snapfd = snap ? open(snap, O_RDONLY | O_CLOEXEC) : -1;
	/* used last: kept longest (prune_snapshots()) */
	if (snapfd >= 0)
		futimens(snapfd, NULL);
again:
	pidfd = start_qemu(&s, argv, dir, cg2, cg1, logfd, snapfd, &mon);
	if (pidfd < 0)
		goto fail;
	if (snapfd >= 0) {
		/* the restored agent is waiting for it already */
		send_config(&s, conf);
		configured = 1;
	}
	/* a restore that does not answer soon boots instead */
	end = snapfd >= 0 && now_ms() + 10000 < deadline ? now_ms() + 10000 :
							   deadline;
	while (!up) {
		struct pollfd pf[2] = {
			{ .fd = s.agent.fd,
			  .events = POLLIN |
				    (vm_conn_pending(&s.agent) ? POLLOUT : 0) },
			{ .fd = pidfd, .events = POLLIN },
		};
		struct vm_hdr h;
		const uint8_t *pl;
		long left = end - now_ms();

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		poll(pf, 2, (int)left);
		if (pf[1].revents)
			break;
		vm_conn_flush(&s.agent);
		if (!(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (vm_conn_fill(&s.agent) == 0)
			break;
		while (!up && vm_conn_next(&s.agent, &h, &pl, NULL) == 1) {
			uint32_t ver;

			if (h.type == VM_MSG_CONFWAIT && !configured) {
				/* all alike so far: saved for the next */
				if (snap)
					save_snapshot(dir, mon, snap);
				send_config(&s, conf);
				configured = 1;
				vm_conn_flush(&s.agent);
			} else if (h.type == VM_MSG_HELLO) {
				if (vm_u32_str_decode(pl, h.len, &ver, &release,
						      NULL) < 0 ||
				    ver != VM_PROTO_VERSION) {
					msg = xasprintf("the agent of VM %s "
							"speaks another "
							"protocol",
							cfg->name);
					goto kill_fail;
				}
				up = 1;
			}
		}
	}
	if (!up && snapfd >= 0) {
		/* the snapshot did not restore (QEMU or the kernel changed
		 * in a way its key missed, or the file is damaged):
		 * dropped, and this VM boots as it would have without it */
		sup_log(dir, "cshell: the snapshot did not restore; booting");
		end_qemu(&s, &pidfd, &mon);
		close(snapfd);
		snapfd = -1;
		unlink(snap);
		snap = NULL;
		configured = timed_out = 0;
		goto again;
	}
	if (!up && timed_out)
		goto timeout;
	if (!up)
		goto died;
	{ /* for `sandbox inspect` */
		const char *kind = snapfd >= 0 ? "restored" : "booted";

		p = xasprintf("%s/boot", dir);
		cs_write_file_atomic(p, kind, strlen(kind), 0644, NULL);
		free(p);
	}
	close(mon);
	if (snapfd >= 0)
		close(snapfd);
	p = xasprintf("%s/release", dir);
	cs_write_file_atomic(p, release, strlen(release), 0644, NULL);
	free(p);
	/* QEMU listens on them since before the guest booted */
	for (int k = 0; k < VM_NPORTS; k++)
		stdin_port_connect(&s, k);
	s.lfd = listen_ctl(dir);
	if (s.lfd < 0) {
		msg = xasprintf("cannot listen on %s/ctl.sock: %s", dir,
				strerror(errno));
		goto kill_fail;
	}
	s.last_pong = now_ms();
	report(status_fd, "ok");
	serve(&s, pidfd, release);
	kill(s.qemu, SIGKILL);
	waitpid(s.qemu, &st, 0);
	sup_log(dir, "cshell: qemu exited");
	/* not asked to stop, not powered off by the guest: dead, and
	 * `sandbox ls` says so until the next start */
	if (!s.poweroff_at && (s.why || !WIFEXITED(st) || WEXITSTATUS(st)))
		mark_dead(cfg->name, s.why	     ? s.why :
				     WIFSIGNALED(st) ? "killed" :
						       "exit");
	for (size_t i = 0; i < s.ncl; i++)
		vm_conn_release(&s.cl[i]->c);
	close(s.lfd);
	for (size_t i = 0; i < nfsd; i++)
		kill(fsd[i], SIGKILL);
	vm_state_remove(dir, 1);
	_exit(0);

timeout:
	p = xasprintf("%s/console.log", dir);
	msg = log_tail(p, 15);
	free(p);
	p = msg;
	msg = xasprintf("VM %s did not boot within %d s; console:\n%s",
			cfg->name, cfg->boot_timeout, p);
	free(p);
	goto kill_fail;
died:
	p = xasprintf("%s/console.log", dir);
	{
		char *con = log_tail(p, 15), *q = xasprintf("%s/qemu.log", dir),
		     *ql = log_tail(q, 5);

		msg = xasprintf(
			"QEMU of VM %s exited while booting; qemu:\n%s\n"
			"console:\n%s",
			cfg->name, ql, con);
		free(con);
		free(q);
		free(ql);
	}
	free(p);
kill_fail:
	if (s.qemu > 0) {
		kill(s.qemu, SIGKILL);
		waitpid(s.qemu, NULL, 0);
	}
	for (size_t i = 0; i < nfsd; i++)
		kill(fsd[i], SIGKILL);
	report(status_fd, msg);
	_exit(1);
fail:
	report(status_fd, "cannot start QEMU");
	_exit(1);
}

/* Where the snapshot of a VM that QEMU runs as argv would be: data/vm/
 * snapshots/<sha256 of what QEMU checks when it loads one: the command
 * line, the per-VM paths in it left out (the state dir, the shares'
 * sources), the initramfs, QEMU's binary>.  NULL when a VM has none: a
 * virtiofs share (vhost-user-fs cannot be saved), or
 * CSHELL_VM_SNAPSHOTS=0. */
static char *snapshot_path(const struct vm_config *cfg, char **argv,
			   const char *dir, const char *initrd)
{
	const char *env = getenv("CSHELL_VM_SNAPSHOTS");
	struct cs_buf b = CS_BUF_INIT, img = CS_BUF_INIT;
	unsigned char md[32];
	char hex[65], *sdir, *path = NULL;
	struct stat st;

	if (cfg->virtiofs || (env && !strcmp(env, "0")))
		return NULL;
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i], *d = strstr(a, dir), *pp;

		if (d) /* the state dir's paths: "@" and what follows */
			cs_buf_addf(&b, "%.*s@%s", (int)(d - a), a,
				    d + strlen(dir));
		else if ((pp = strstr(a, "path=")))
			cs_buf_addf(&b, "%.*s@%s", (int)(pp + 5 - a), a,
				    pp + strcspn(pp, ","));
		else
			cs_buf_adds(&b, a);
		cs_buf_addc(&b, '\0');
	}
	if (stat(argv[0], &st) < 0 ||
	    cs_read_file(initrd, &img, 256 << 20, NULL) < 0) {
		cs_buf_release(&b);
		return NULL;
	}
	cs_buf_addf(&b, "qemu %llu %lld.%09ld", (unsigned long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	cs_buf_add(&b, img.buf, img.len);
	SHA256((const unsigned char *)b.buf, b.len, md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	cs_buf_release(&b);
	cs_buf_release(&img);
	sdir = cs_root_subdir(CS_ROOT_DATA, "vm/snapshots", 1, NULL);
	if (sdir)
		path = xasprintf("%s/%s", sdir, hex);
	free(sdir);
	return path;
}

int vm_boot(const struct vm_config *cfg, struct cs_error *err)
{
	_cleanup_free_ char *dir = NULL, *qemu = NULL, *initrd = NULL,
			    *reason = NULL, *lock = NULL, *root = NULL,
			    *snap = NULL;
	struct cs_buf conf = CS_BUF_INIT;
	struct vm_kernel k = { 0 };
	struct vm_config c = *cfg;
	struct cs_buf st = CS_BUF_INIT;
	_cleanup_close_ int lockfd = -1;
	enum vm_accel accel;
	char **argv = NULL;
	int pp[2], r = -1, made = 0;
	pid_t pid;
	struct stat sb;

	if (vm_check_name(cfg->name, err) < 0)
		return -1;
	if (!cfg->root && !cfg->nlayers)
		return cs_error_set(err, 0, "VM %s has no root", cfg->name);
	if (cfg->root && (stat(cfg->root, &sb) < 0 || !S_ISDIR(sb.st_mode)))
		return cs_error_set(err, 0,
				    "root %s of VM %s is not a directory",
				    cfg->root, cfg->name);
	for (size_t i = 0; i < cfg->nlayers; i++)
		if (stat(cfg->layers[i], &sb) < 0 || !S_ISDIR(sb.st_mode))
			return cs_error_set(err, 0,
					    "layer %s is not a directory",
					    cfg->layers[i]);
	for (size_t i = 0; i < cfg->nmounts; i++)
		if (stat(cfg->mounts[i].src, &sb) < 0 || !S_ISDIR(sb.st_mode))
			return cs_error_set(
				err, 0, "mount source %s is not a directory",
				cfg->mounts[i].src);
	qemu = find_qemu(cfg);
	if (!qemu)
		return cs_error_set(err, ENOENT,
				    "qemu-system-x86_64 not found (install "
				    "qemu-system-x86 or set CSHELL_QEMU)");
	if (vm_ping(cfg->name, 2000, NULL, NULL) == 0)
		return cs_error_set(err, EEXIST, "VM %s is already running",
				    cfg->name);
	if (vm_kernel_resolve(cfg->kernel, &k, err) < 0)
		return -1;

	dir = vm_state_dir(cfg->name, 1, err);
	if (!dir)
		goto out;
	lock = xasprintf("%s/lock", dir);
	lockfd = cs_lock_path(lock, 1, 0, err);
	if (lockfd < 0) {
		cs_error_wrap(err, "VM %s is being booted or stopped",
			      cfg->name);
		goto out;
	}
	/* what a dead VM of this name left behind */
	vm_state_remove(dir, 0);
	made = 1;
	if (cfg->root)
		root = xstrdup(cfg->root);
	else if (cfg->nlayers == 1 && cfg->root_ro &&
		 !is_host_root(cfg->layers[0]))
		root = xstrdup(cfg->layers[0]); /* no need for a layered fs */
	else if (mount_layers(cfg, dir, &root, err) < 0)
		goto out;
	c.root = root;
	/* virtiofsd needs root (it sandboxes itself in namespaces) */
	if (c.virtiofs) {
		char *fsd = find_virtiofsd();

		if (!fsd || geteuid() != 0 || c.nmounts > 64) {
			cs_info("VM %s: no virtiofs (%s), 9p instead", c.name,
				fsd ? "needs root" : "no virtiofsd");
			c.virtiofs = 0;
		}
		free(fsd);
	}
	if (write_mounts(cfg, dir, err) < 0)
		goto out;
	initrd = xasprintf("%s/initramfs", dir);
	if (vm_initramfs_build(initrd, &k, &c, "cshroot",
			       c.virtiofs && !c.root_ro ? "virtiofs" : "9p",
			       &conf, err) < 0)
		goto out;
	if (!c.hostname)
		c.hostname = c.name;
	accel = vm_accel_detect(&reason);
	cs_info("VM %s: %s (%s)", cfg->name,
		accel == VM_ACCEL_KVM ? "kvm" : "tcg", reason);
	{ /* for `sandbox inspect` */
		_cleanup_free_ char *p = xasprintf("%s/accel", dir),
				    *t = xasprintf("%s\t%s",
						   accel == VM_ACCEL_KVM ?
							   "kvm" :
							   "tcg",
						   reason ? reason : "");

		cs_write_file_atomic(p, t, strlen(t), 0644, NULL);
	}
	argv = qemu_argv(&c, qemu, &k, dir, accel);
	snap = snapshot_path(&c, argv, dir, initrd);

	if (pipe2(pp, O_CLOEXEC) < 0) {
		cs_error_errno(err, "pipe");
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(pp[0]);
		if (fork() == 0)
			supervise(&c, argv, dir, pp[1], conf.buf, snap);
		_exit(0);
	}
	close(pp[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	cs_buf_read_fd(&st, pp[0]);
	close(pp[0]);
	if (!strcmp(st.buf, "ok")) {
		r = 0;
		made = 0;
	} else {
		cs_error_set(
			err, 0, "%s%s",
			st.len ? st.buf : "the VM supervisor died",
			k.modules ? "" :
				    "\n(the kernel came without modules: if "
				    "virtio-mmio, virtio-console or 9p are "
				    "not built in, give --kernel PATH:MODDIR)");
	}
out:
	if (r < 0 && made)
		vm_state_remove(dir, 1);
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
	cs_buf_release(&st);
	cs_buf_release(&conf);
	vm_kernel_release(&k);
	return r;
}
