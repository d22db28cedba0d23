/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * net.c — `--net private`: as root, the sandbox's network namespace gets
 * eth0, one end of a veth pair whose other end joins the host bridge
 * cshbr0 (10.89.0.1/16), with a default route through it, IPv4 forwarding
 * and NAT out of the host — what docker0 gives a container; the
 * configuration is done with iproute2's `ip` and `nsenter`, the NAT rule
 * with iptables (required: without it there is no way out, and no
 * keeping the sandbox off the host).  Without root, slirp4netns (below).
 *
 * Addresses are leased as files runtime/net/10.89.X.Y holding the init
 * pid of the sandbox that uses them; a lease whose process is gone is
 * free again, so stop and rm need no hook.
 *
 * The host itself is out of reach: one iptables rule in INPUT refuses new
 * connections that arrive from the bridge (a service on the host's
 * 0.0.0.0 would answer on 10.89.0.1 or on any other of its addresses),
 * replies to the host's own connections pass.  `--net private:host`
 * sandboxes take their address from the upper half, HOST_RANGE, which the
 * rule lets through: a static rule, nothing to undo when a sandbox ends.
 * IPv6 is off on the bridge and the host ends, so the host has no
 * link-local address there either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sbx_i.h"

#define BRIDGE "cshbr0"
#define SUBNET "10.89.0.0/16"
#define GATEWAY "10.89.0.1"
/* leases of --net private:host sandboxes: 10.89.128.0 up */
#define HOST_RANGE "10.89.128.0/17"
#define HOST_FIRST (128 * 256)

/* Runs argv quietly; on failure err says what ran and what it printed. */
static int run(struct cs_error *err, const char *const argv[])
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cs_error_errno(err, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return cs_error_errno(err, "fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		dup2(pfd[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run '%s': %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	struct cs_buf out = CS_BUF_INIT;
	cs_buf_init(&out, 4096);
	cs_buf_read_fd(&out, pfd[0]);
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		cs_buf_release(&out);
		return 0;
	}
	while (out.len && out.buf[out.len - 1] == '\n')
		out.buf[--out.len] = 0;
	struct cs_buf cmd = CS_BUF_INIT;
	for (int i = 0; argv[i]; i++)
		cs_buf_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
	cs_error_set(err, 0, "'%s' failed%s%s", cmd.buf, out.len ? ": " : "",
		     out.buf);
	cs_buf_release(&cmd);
	cs_buf_release(&out);
	return -1;
}

static int ensure_bridge(struct cs_error *err)
{
	const char *show[] = { "ip", "link", "show", BRIDGE, NULL };
	const char *add[] = { "ip",   "link",	"add", BRIDGE,
			      "type", "bridge", NULL };
	const char *addr[] = { "ip",  "addr", "add", GATEWAY "/16",
			       "dev", BRIDGE, NULL };
	const char *up[] = { "ip", "link", "set", BRIDGE, "up", NULL };

	if (run(NULL, show) == 0)
		return run(err, up);
	if (run(err, add) < 0 || run(err, addr) < 0 || run(err, up) < 0)
		return -1;
	return 0;
}

/* IPv4 forwarding, without which eth0 reaches the bridge and no
 * further.  Written in place: a file of /proc cannot be replaced by a
 * rename (an atomic write fails there). */
static int ensure_forwarding(struct cs_error *err)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	struct cs_buf b = CS_BUF_INIT;
	int on, fd, r;

	on = cs_read_file(path, &b, 64, NULL) == 0 && b.len && b.buf[0] == '1';
	cs_buf_release(&b);
	if (on)
		return 0; /* also where /proc/sys is read-only but it is on */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : cs_write_all(fd, "1\n", 2);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return cs_error_set(err, -r,
				    "switch on IPv4 forwarding for --net "
				    "private (write 1 to %s, or use --net "
				    "slirp)",
				    path);
	return 0;
}

/* Forwarding and NAT out of the host: without either a private sandbox
 * has no way out, so a failure is an error, not a warning. */
static int ensure_nat(struct cs_error *err)
{
	const char *check[] = { "iptables",    "-t",   "nat",  "-C",
				"POSTROUTING", "-s",   SUBNET, "!",
				"-o",	       BRIDGE, "-j",   "MASQUERADE",
				NULL };
	const char *add[] = { "iptables",    "-t",   "nat",  "-A",
			      "POSTROUTING", "-s",   SUBNET, "!",
			      "-o",	     BRIDGE, "-j",   "MASQUERADE",
			      NULL };

	if (ensure_forwarding(err) < 0)
		return -1;
	if (run(NULL, check) == 0)
		return 0;
	if (run(err, add) < 0)
		return cs_error_wrap(err, "give --net private sandboxes NAT to "
					  "the outside (install iptables, or "
					  "use --net slirp)");
	return 0;
}

/* The INPUT rule that keeps private sandboxes off the host (see top);
 * without it, no private network at all: a sandbox would reach every
 * service of the host. */
static int ensure_host_block(struct cs_error *err)
{
	const char *rule[] = { "iptables", "-w",   "-C",	"INPUT",
			       "-i",	   BRIDGE, "!",		"-s",
			       HOST_RANGE, "-m",   "conntrack", "--ctstate",
			       "NEW",	   "-j",   "REJECT",	NULL };

	if (run(NULL, rule) == 0)
		return 0;
	rule[2] = "-I"; /* first: before a host firewall's ACCEPTs */
	if (run(err, rule) < 0)
		return cs_error_wrap(err,
				     "keep --net private sandboxes from the "
				     "host's services (install iptables, or "
				     "use --net private:host)");
	return 0;
}

/* No IPv6 address of the host on the bridge (a link-local one would let
 * a sandbox reach services on the host's [::]). */
static void no_ipv6(const char *ifname)
{
	_cleanup_free_ char *p =
		xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* no IPv6 on this host */
	cs_write_all(fd, "1\n", 2);
	close(fd);
}

/* Leases a free address for pid; returns it malloc'd, or NULL + err.
 * host_access: from HOST_RANGE, else below it. */
static char *lease(const char *dir, pid_t pid, int host_access,
		   struct cs_error *err)
{
	int first = host_access ? HOST_FIRST : 2,
	    last = host_access ? 65534 : HOST_FIRST;

	for (int n = first; n < last; n++) {
		char ip[32], path[4096], buf[32];
		snprintf(ip, sizeof(ip), "10.89.%d.%d", n / 256, n % 256);
		if (n % 256 == 0 || n % 256 == 255)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ip);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t r = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[r > 0 ? r : 0] = 0;
			long owner = strtol(buf, NULL, 10);
			if (owner > 0 &&
			    (kill(owner, 0) == 0 || errno == EPERM))
				continue; /* in use */
		}
		snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
		if (cs_write_file_atomic(path, buf, strlen(buf), 0644, err) < 0)
			return NULL;
		return xstrdup(ip);
	}
	cs_error_set(err, 0, "no free address left in " SUBNET);
	return NULL;
}

/*
 * Rootless: slirp4netns (user-mode networking, as rootless podman) gives
 * the namespace tap0 = 10.0.2.100/24 with a default route through
 * 10.0.2.2 and NAT out of the host, the host's loopback not reachable.
 * The caller owns the sandbox's user namespace, so it may join its
 * network namespace without entering it.  A watcher, detached from the
 * shell, ends slirp4netns when the sandbox's init ends (slirp4netns keeps
 * the namespace alive through its tap device and would never notice).
 */
#define SLIRP_READY_TIMEOUT_MS 10000

static void slirp_watch(pid_t init, int ready_wr, int log_fd)
{
	char pidstr[16], readyfd[32];
	int ipfd = (int)syscall(SYS_pidfd_open, init, 0), spfd;
	pid_t s;

	snprintf(pidstr, sizeof(pidstr), "%ld", (long)init);
	s = fork();
	if (s == 0) {
		/* stdin /dev/null, stdout+stderr the log, 3 the ready pipe */
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		dup2(ready_wr, 3);
		close_range(4, ~0U, 0);
		snprintf(readyfd, sizeof(readyfd), "--ready-fd=3");
		execlp("slirp4netns", "slirp4netns", "--configure",
		       "--mtu=65520", "--disable-host-loopback", readyfd,
		       pidstr, "tap0", (char *)NULL);
		dprintf(2, "cannot run slirp4netns: %s\n", strerror(errno));
		_exit(127);
	}
	close(ready_wr);
	if (s < 0 || ipfd < 0) {
		if (s > 0)
			kill(s, SIGTERM);
		_exit(1);
	}
	spfd = (int)syscall(SYS_pidfd_open, s, 0);
	for (;;) {
		struct pollfd p[2] = { { ipfd, POLLIN, 0 },
				       { spfd, POLLIN, 0 } };

		if (poll(p, spfd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
			continue;
		break; /* init or slirp4netns ended */
	}
	kill(s, SIGTERM);
	waitpid(s, NULL, 0);
	_exit(0);
}

/* slirp4netns's log as a sentence: its lines without the "child
 * failed(1)" that only says its child exited, and for the usual cause,
 * /dev/net/tun out of the user's reach, what to do. */
static void slirp_error(const char *log, struct cs_error *err)
{
	struct cs_buf why = CS_BUF_INIT;
	const char *tun = strstr(log, "/dev/net/tun");

	if (strstr(log, "cannot run slirp4netns")) {
		cs_error_set(err, 0,
			     "--net private without root needs slirp4netns "
			     "(Debian: apt install slirp4netns)");
		return;
	}
	if (tun) {
		const char *eol = strchrnul(tun, '\n');
		const char *colon = memchr(tun, ':', (size_t)(eol - tun));

		while (colon && *++colon == ' ')
			;
		cs_error_set(err, 0,
			     "slirp4netns did not start: it cannot open "
			     "/dev/net/tun%s%.*s%s: give this user read-write "
			     "access to it, or use --net none or --net host",
			     colon && colon < eol ? " (" : "",
			     colon && colon < eol ? (int)(eol - colon) : 0,
			     colon && colon < eol ? colon : "",
			     colon && colon < eol ? ")" : "");
		return;
	}
	cs_buf_adds(&why, "");
	for (const char *l = log, *e; *l; l = *e ? e + 1 : e) {
		e = strchrnul(l, '\n');
		if (e == l || !strncmp(l, "child failed(", 13))
			continue;
		cs_buf_addf(&why, "%s%.*s", why.len ? "; " : "", (int)(e - l),
			    l);
	}
	cs_error_set(err, 0, "slirp4netns did not start%s%s",
		     why.len ? ": " : " (it said nothing)", why.buf);
	cs_buf_release(&why);
}

static int slirp_setup(pid_t pid, const char *rt, struct cs_error *err)
{
	_cleanup_free_ char *logp =
		xasprintf("%s/slirp-%ld.log", rt, (long)pid);
	int ready[2], log_fd, st;
	char buf[64];
	ssize_t n = 0;
	pid_t c;

	log_fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return cs_error_errno(err, "create '%s'", logp);
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(log_fd);
		return cs_error_errno(err, "pipe");
	}
	c = fork();
	if (c == 0) {
		/* the watcher: no terminal, no parent to wait for it, and none
		 * of the shell's descriptors (a held pipe end would keep a
		 * run's status from ever ending) */
		int null = open("/dev/null", O_RDWR);

		close(ready[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0 || dup2(ready[1], 3) < 0 ||
		    dup2(log_fd, 4) < 0)
			_exit(1);
		close_range(5, ~0U, 0);
		slirp_watch(pid, 3, 4);
	}
	close(ready[1]);
	close(log_fd);
	if (c < 0) {
		close(ready[0]);
		return cs_error_errno(err, "fork");
	}
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	struct pollfd p = { ready[0], POLLIN, 0 };
	if (poll(&p, 1, SLIRP_READY_TIMEOUT_MS) > 0)
		n = read(ready[0], buf, sizeof(buf));
	close(ready[0]);
	if (n > 0) {
		unlink(logp);
		return 0;
	}
	struct cs_buf log = CS_BUF_INIT;
	cs_buf_init(&log, 4096);
	cs_read_file(logp, &log, 4096, NULL);
	while (log.len && log.buf[log.len - 1] == '\n')
		log.buf[--log.len] = 0;
	slirp_error(log.buf ? log.buf : "", err);
	cs_buf_release(&log);
	unlink(logp);
	return -1;
}

int sbx_net_setup(pid_t pid, int slirp, int host_access, struct cs_error *err)
{
	_cleanup_free_ char *rt =
		cs_root_subdir(CS_ROOT_RUNTIME, "net", 1, err);
	_cleanup_free_ char *lockp = NULL, *ip = NULL;
	char host_if[16], pidstr[16], cidr[40];
	int lockfd;

	if (!rt)
		return -1;
	if (slirp || geteuid() != 0)
		return slirp_setup(pid, rt, err);
	lockp = xasprintf("%s/lock", rt);
	lockfd = cs_lock_path(lockp, 1, 1, err);
	if (lockfd < 0)
		return -1;
	int r = -1;
	if (ensure_bridge(err) < 0 || ensure_host_block(err) < 0)
		goto out;
	no_ipv6(BRIDGE);
	if (ensure_nat(err) < 0)
		goto out;
	ip = lease(rt, pid, host_access, err);
	if (!ip)
		goto out;
	snprintf(host_if, sizeof(host_if), "cshv%ld", (long)pid % 100000000);
	snprintf(pidstr, sizeof(pidstr), "%ld", (long)pid);
	snprintf(cidr, sizeof(cidr), "%s/16", ip);
	const char *veth[] = { "ip",   "link", "add",  host_if, "type", "veth",
			       "peer", "name", "eth0", "netns", pidstr, NULL };
	const char *master[] = { "ip",	   "link", "set", host_if,
				 "master", BRIDGE, "up",  NULL };
	const char *addr[] = { "nsenter", "-t", pidstr, "-n",	"ip", "addr",
			       "add",	  cidr, "dev",	"eth0", NULL };
	const char *up[] = { "nsenter", "-t",  pidstr, "-n", "ip",
			     "link",	"set", "eth0", "up", NULL };
	const char *lo[] = { "nsenter", "-t",  pidstr, "-n", "ip",
			     "link",	"set", "lo",   "up", NULL };
	const char *route[] = { "nsenter", "-t",    pidstr, "-n",
				"ip",	   "route", "add",  "default",
				"via",	   GATEWAY, NULL };
	if (run(err, veth) < 0) {
		cs_error_wrap(err, "set up the private network");
		goto out;
	}
	no_ipv6(host_if);
	if (run(err, master) < 0 || run(err, addr) < 0 || run(err, up) < 0 ||
	    run(err, lo) < 0 || run(err, route) < 0) {
		cs_error_wrap(err, "set up the private network");
		goto out;
	}
	r = 0;
out:
	close(lockfd);
	return r;
}
