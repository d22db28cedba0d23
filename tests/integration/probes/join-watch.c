// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * join-watch.c — the attacker of tests/integration/sandbox-join.sh, run as
 * root inside a sandbox while the host joins it again and again.  It polls
 * /proc/PID/{exe,cwd,root,fd/N} of every other process for SECONDS and
 * keeps each object it can open.  Then it reports, one "LEAK: …" line
 * each, every kept object that lies on a mount this sandbox does not have
 * (its mnt_id is missing from our mountinfo) and is of use to an attacker:
 * a directory (a way out), a terminal, a regular file that reopens for
 * writing, or any other regular file but ALLOWED (dev:ino, the read-only
 * cshell-init image that joined processes run from).  Pipes, sockets and
 * anonymous inodes are the caller's own plumbing and are skipped.
 *
 * usage: join-watch SECONDS ALLOWED_DEV:INO
 * output: "LEAK: …" lines, then "seen P processes, O objects, E exe"
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXOBJ 4000

struct obj {
	int fd;
	char what[700];
};

static struct obj objs[MAXOBJ];
static int nobj;
static int mnt_ids[4096], nmnt;

static void load_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];

	while (f && fgets(line, sizeof(line), f) && nmnt < 4096)
		mnt_ids[nmnt++] = atoi(line);
	if (f)
		fclose(f);
}

static int fd_mnt_id(int fd)
{
	char path[64], line[256];
	FILE *f;
	int id = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "mnt_id:", 7))
			id = atoi(line + 7);
	if (f)
		fclose(f);
	return id;
}

static int ours(int id)
{
	for (int i = 0; i < nmnt; i++)
		if (mnt_ids[i] == id)
			return 1;
	return 0;
}

/* keeps what /proc/PID/NAME opens to, once per (dev, ino) */
static void grab(const char *pid, const char *name)
{
	char path[700];
	struct stat st;
	int fd;

	if (nobj >= MAXOBJ)
		return;
	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode) || ours(fd_mnt_id(fd))) {
		close(fd);
		return;
	}
	for (int i = 0; i < nobj; i++) {
		struct stat o;
		if (fstat(objs[i].fd, &o) == 0 && o.st_dev == st.st_dev &&
		    o.st_ino == st.st_ino) {
			close(fd);
			return;
		}
	}
	objs[nobj].fd = fd;
	snprintf(objs[nobj].what, sizeof(objs[nobj].what), "%s", path);
	nobj++;
}

/* Run as the script of "#!/proc/self/exe": if our parent is a host
 * binary, keep its exe and try to reopen it for writing once it is gone
 * (runc's CVE-2019-5736). */
static int selfexe(void)
{
	char path[64];
	pid_t pp = getppid();
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pp);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		printf("parent's exe not reachable: %s\n", strerror(errno));
		return 0;
	}
	if (fork() > 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int i = 0; i < 100; i++) {
		int w = open(path, O_WRONLY | O_CLOEXEC);
		if (w >= 0) {
			printf("LEAK: the interpreter's exe reopens for writing\n");
			return 1;
		}
		usleep(50000);
	}
	printf("interpreter exe not writable: %s\n", strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	time_t end;
	unsigned long long adev = 0, aino = 0;
	long procs = 0;
	char self[16];
	int leaks = 0;

	if (argc > 1 && !strcmp(argv[1], "noop"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "selfexe"))
		return selfexe();
	if (argc < 3)
		return 2;
	end = time(NULL) + atoi(argv[1]);
	sscanf(argv[2], "%llu:%llu", &adev, &aino);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	load_mounts();
	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char fdir[300], name[300];
			DIR *fds;
			struct dirent *fe;

			if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
			    !strcmp(de->d_name, self))
				continue;
			procs++;
			grab(de->d_name, "exe");
			grab(de->d_name, "cwd");
			grab(de->d_name, "root");
			snprintf(fdir, sizeof(fdir), "/proc/%s/fd", de->d_name);
			fds = opendir(fdir);
			while (fds && (fe = readdir(fds))) {
				if (fe->d_name[0] == '.')
					continue;
				snprintf(name, sizeof(name), "fd/%s",
					 fe->d_name);
				grab(de->d_name, name);
			}
			if (fds)
				closedir(fds);
		}
		if (d)
			closedir(d);
	}
	for (int i = 0; i < nobj; i++) {
		struct stat st;
		char path[64], target[256] = "";
		int w;

		fstat(objs[i].fd, &st);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", objs[i].fd);
		if (readlink(path, target, sizeof(target) - 1) < 0)
			strcpy(target, "?");
		if (!strncmp(target, "anon_inode:", 11))
			continue;
		if (S_ISDIR(st.st_mode)) {
			printf("LEAK: directory %s (%s) from %s\n", target,
			       "foreign mount", objs[i].what);
			leaks++;
			continue;
		}
		w = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
		if (w >= 0) {
			printf("LEAK: %s %s reopens for writing (from %s)\n",
			       S_ISCHR(st.st_mode) ? "device" : "file", target,
			       objs[i].what);
			close(w);
			leaks++;
			continue;
		}
		if (S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_dev == adev &&
		    (unsigned long long)st.st_ino == aino)
			continue;
		printf("LEAK: %s (%s) from %s\n", target,
		       S_ISREG(st.st_mode) ? "host file" : "host object",
		       objs[i].what);
		leaks++;
	}
	printf("seen %ld processes, %d foreign objects\n", procs, nobj);
	return leaks ? 1 : 0;
}
