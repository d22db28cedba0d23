// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * vm-init.c — the guest /init of tests/bench/vm.sh's bare QEMU, the
 * baseline cshell's VM backend is measured against.  bench= on the kernel
 * command line says what to do before powering off (reboot(): a triple
 * fault with reboot=t, which ends QEMU under -no-reboot, as the agent's):
 *   true      run /true (this program again, as `true`);
 *   in:N      read N bytes from the virtio-serial port named "bench",
 *             then write one byte back;
 *   out:N     write N bytes into the file /big first, then copy that
 *             file to the port as cat does (128 KiB reads);
 *   cat:N     the same with the guest's own cat (/usr/bin/cat /big, its
 *             stdout the port): "the guest's cat straight to the port";
 *   wc:N      the guest's own `wc -l`, its stdin the port, until EOF;
 *             prints the count and "bench-ms=T" on the console, T the ms from the
 *             port's first byte written to wc's exit (after EOF the host
 *             is gone from the port: it cannot time the end itself);
 * a port mode first writes one byte, once the port is open.  For cat and
 * wc the initramfs also holds those programs and their libraries.
 * The ports need the modules /cshell.conf lists (the bench reuses the
 * initramfs cshell-vm wrote, with this /init in place of the agent).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void load_modules(void)
{
	FILE *f = fopen("/cshell.conf", "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "module=", 7))
			continue;
		fd = open(line + 7, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			syscall(SYS_finit_module, fd, "", 0);
			close(fd);
		}
	}
	if (f)
		fclose(f);
}

/* /dev/vportNpM whose sysfs name is "bench"; -1 until it shows up */
static int open_port(void)
{
	for (int tries = 0; tries < 500; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char p[300], name[64] = "";
			FILE *f;

			snprintf(p, sizeof(p),
				 "/sys/class/virtio-ports/%s/name", e->d_name);
			f = fopen(p, "re");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f) &&
			    !strncmp(name, "bench", 5)) {
				fclose(f);
				snprintf(p, sizeof(p), "/dev/%s", e->d_name);
				closedir(d);
				return open(p, O_RDWR | O_CLOEXEC);
			}
			fclose(f);
		}
		if (d)
			closedir(d);
		usleep(10000);
	}
	return -1;
}

/* Runs prog (cat: of /big, wc: -l) with in and out as its stdin and
 * stdout (-1: /dev/null), and waits for it. */
static void run(const char *prog, int in, int out)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid_t pid = fork();

	if (pid == 0) {
		dup2(in >= 0 ? in : null, 0);
		dup2(out >= 0 ? out : null, 1);
		if (strstr(prog, "cat"))
			execl(prog, "cat",
			      in < 0 && out < 0 ? "/dev/null" : "/big",
			      (char *)NULL);
		else
			execl(prog, "wc", "-l", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	if (null >= 0)
		close(null);
}

int main(int argc, char **argv)
{
	static char buf[1 << 17];
	char cmdline[4096] = "", *mode;
	struct timespec t0, t1;
	int fd, src = -1;

	(void)argc;
	if (!strcmp(argv[0], "true") || strstr(argv[0], "/true"))
		return 0;
	mount("proc", "/proc", "proc", 0, NULL);
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		(void)!read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
	}
	mode = strstr(cmdline, "bench=");
	mode = mode ? mode + 6 : "true";
	if (!strncmp(mode, "true", 4)) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	} else {
		long long n = atoll(strchr(mode, ':') + 1), done = 0;

		mount("sysfs", "/sys", "sysfs", 0, NULL);
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		load_modules();
		if (mode[0] == 'o' || mode[0] == 'c') {
			src = open("/big", O_RDWR | O_CREAT | O_TRUNC, 0600);
			for (long long w = 0; src >= 0 && w < n;)
				w += write(src, buf,
					   n - w < (long long)sizeof(buf) ?
						   (size_t)(n - w) :
						   sizeof(buf));
			if (src >= 0)
				lseek(src, 0, SEEK_SET);
		}
		/* cat and wc run once first, on nothing: the timed run finds
		 * them read and translated, as the agent's side does */
		if (mode[0] == 'c' || mode[0] == 'w')
			run(mode[0] == 'c' ? "/usr/bin/cat" : "/usr/bin/wc", -1,
			    -1);
		fd = open_port();
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* the host starts its clock once the port is open */
		if (fd >= 0)
			(void)!write(fd, "r", 1);
		if (fd >= 0 && (mode[0] == 'c' || mode[0] == 'w')) {
			int con = open("/dev/console", O_WRONLY | O_CLOEXEC);

			/* wc's count goes to the console too */
			if (mode[0] == 'c')
				run("/usr/bin/cat", -1, fd);
			else
				run("/usr/bin/wc", fd, con);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (mode[0] == 'w' && con >= 0)
				dprintf(con, "bench-ms=%ld\n",
					(t1.tv_sec - t0.tv_sec) * 1000 +
						(t1.tv_nsec - t0.tv_nsec) /
							1000000);
			fsync(fd);
			reboot(RB_AUTOBOOT);
		}
		while (fd >= 0 && done < n) {
			size_t want = n - done < (long long)sizeof(buf) ?
					      (size_t)(n - done) :
					      sizeof(buf);
			ssize_t r = read(mode[0] == 'i' ? fd : src, buf, want);

			if (r > 0 && mode[0] == 'o')
				for (ssize_t w = 0, k; w < r; w += k) {
					k = write(fd, buf + w, (size_t)(r - w));
					if (k <= 0)
						reboot(RB_AUTOBOOT);
				}
			if (r <= 0)
				break;
			done += r;
		}
		if (fd >= 0 && mode[0] == 'i')
			(void)!write(fd, "k", 1);
		if (fd >= 0)
			fsync(fd);
	}
	reboot(RB_AUTOBOOT);
	return 0;
}
