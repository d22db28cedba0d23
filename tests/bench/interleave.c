// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * interleave.c — side-by-side timing on a loaded machine: runs several
 * commands one after the other, N rounds, and prints the minimum, first
 * quartile and median wall time of each.  Interleaving shares the load
 * out evenly; the minimum is the run the load left alone.
 *
 *   cc -O2 -o interleave tests/bench/interleave.c
 *   ./interleave N CMD1 ARGS… -- CMD2 ARGS… [-- …]
 *
 * A command that fails ends the bench (its output goes to /dev/null).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* wall time of one run of argv in µs, or -1 when it fails */
static double run_once(char **argv, int null_fd)
{
	double t0 = now_us();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		dup2(null_fd, 1);
		dup2(null_fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return now_us() - t0;
}

int main(int argc, char **argv)
{
	char **cmds[MAX_CMDS];
	int n = argc > 2 ? atoi(argv[1]) : 0, ncmds = 1;
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	double *t;

	if (n <= 0) {
		fprintf(stderr,
			"usage: interleave N CMD ARGS... [-- CMD ARGS...]\n");
		return 2;
	}
	cmds[0] = argv + 2;
	for (int i = 2; i < argc && ncmds < MAX_CMDS; i++) {
		if (strcmp(argv[i], "--"))
			continue;
		argv[i] = NULL;
		cmds[ncmds++] = argv + i + 1;
	}
	t = calloc((size_t)ncmds * n, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < ncmds; c++) {
			t[c * n + i] = run_once(cmds[c], null_fd);
			if (t[c * n + i] < 0) {
				fprintf(stderr, "interleave: '%s' failed\n",
					cmds[c][0]);
				return 1;
			}
		}
	}
	for (int c = 0; c < ncmds; c++) {
		double *v = t + c * n;

		qsort(v, n, sizeof(*v), cmp_double);
		printf("%-40.40s min %8.0f  p25 %8.0f  median %8.0f µs\n",
		       cmds[c][0], v[0], v[n / 4], v[n / 2]);
	}
	free(t);
	return 0;
}
