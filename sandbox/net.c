/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * net.c — `--net private`: the sandbox's network namespace gets eth0, one
 * end of a veth pair whose other end joins the host bridge cshbr0
 * (10.89.0.1/16), with a default route through it, IPv4 forwarding and
 * NAT out of the host — what docker0 gives a container.  Needs root; the
 * configuration is done with iproute2's `ip` and `nsenter`, the NAT rule
 * with iptables when it is installed.
 *
 * Addresses are leased as files runtime/net/10.89.X.Y holding the init
 * pid of the sandbox that uses them; a lease whose process is gone is
 * free again, so stop and rm need no hook.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "sandbox/sbx_i.h"

#define BRIDGE "cshbr0"
#define SUBNET "10.89.0.0/16"
#define GATEWAY "10.89.0.1"

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
	const char *add[] = { "ip", "link", "add", BRIDGE, "type", "bridge", NULL };
	const char *addr[] = { "ip", "addr", "add", GATEWAY "/16", "dev", BRIDGE, NULL };
	const char *up[] = { "ip", "link", "set", BRIDGE, "up", NULL };

	if (run(NULL, show) == 0)
		return run(err, up);
	if (run(err, add) < 0 || run(err, addr) < 0 || run(err, up) < 0)
		return -1;
	return 0;
}

/* Forwarding and NAT out of the host; without iptables, a warning. */
static void ensure_nat(void)
{
	const char *check[] = { "iptables", "-t", "nat", "-C", "POSTROUTING",
				"-s", SUBNET, "!", "-o", BRIDGE, "-j",
				"MASQUERADE", NULL };
	const char *add[] = { "iptables", "-t", "nat", "-A", "POSTROUTING",
			      "-s", SUBNET, "!", "-o", BRIDGE, "-j",
			      "MASQUERADE", NULL };
	struct cs_error err = CS_ERROR_INIT;

	cs_write_file_atomic("/proc/sys/net/ipv4/ip_forward", "1\n", 2, 0644,
			     NULL);
	if (run(NULL, check) == 0)
		return;
	if (run(&err, add) < 0)
		cs_warn("sandbox network: no NAT to the outside: %s", err.msg);
	cs_error_release(&err);
}

/* Leases a free address for pid; returns it malloc'd, or NULL + err. */
static char *lease(const char *dir, pid_t pid, struct cs_error *err)
{
	for (int n = 2; n < 65534; n++) {
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
			if (owner > 0 && (kill(owner, 0) == 0 || errno == EPERM))
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

int sbx_net_setup(pid_t pid, struct cs_error *err)
{
	_cleanup_free_ char *rt = cs_root_subdir(CS_ROOT_RUNTIME, "net", 1, err);
	_cleanup_free_ char *lockp = NULL, *ip = NULL;
	char host_if[16], pidstr[16], cidr[40];
	int lockfd;

	if (!rt)
		return -1;
	if (geteuid() != 0)
		return cs_error_set(err, 0,
				    "--net private needs root here (rootless "
				    "private networking is not available)");
	lockp = xasprintf("%s/lock", rt);
	lockfd = cs_lock_path(lockp, 1, 1, err);
	if (lockfd < 0)
		return -1;
	int r = -1;
	if (ensure_bridge(err) < 0)
		goto out;
	ensure_nat();
	ip = lease(rt, pid, err);
	if (!ip)
		goto out;
	snprintf(host_if, sizeof(host_if), "cshv%ld", (long)pid % 100000000);
	snprintf(pidstr, sizeof(pidstr), "%ld", (long)pid);
	snprintf(cidr, sizeof(cidr), "%s/16", ip);
	const char *veth[] = { "ip", "link", "add", host_if, "type", "veth",
			       "peer", "name", "eth0", "netns", pidstr, NULL };
	const char *master[] = { "ip", "link", "set", host_if, "master",
				 BRIDGE, "up", NULL };
	const char *addr[] = { "nsenter", "-t", pidstr, "-n", "ip", "addr",
			       "add", cidr, "dev", "eth0", NULL };
	const char *up[] = { "nsenter", "-t", pidstr, "-n", "ip", "link",
			     "set", "eth0", "up", NULL };
	const char *lo[] = { "nsenter", "-t", pidstr, "-n", "ip", "link",
			     "set", "lo", "up", NULL };
	const char *route[] = { "nsenter", "-t", pidstr, "-n", "ip", "route",
				"add", "default", "via", GATEWAY, NULL };
	if (run(err, veth) < 0 || run(err, master) < 0 || run(err, addr) < 0 ||
	    run(err, up) < 0 || run(err, lo) < 0 || run(err, route) < 0) {
		cs_error_wrap(err, "set up the private network");
		goto out;
	}
	r = 0;
out:
	close(lockfd);
	return r;
}
