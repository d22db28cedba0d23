// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * trace.c — `sandbox create --trace FILE` and `sandbox inspect --files`:
 * a reproducibility check for dev environments.  At create a recorder
 * (cshell-monitor --json, detached from the shell) appends the sandbox's
 * exec, open and connect events to FILE until the sandbox stops (its
 * cgroup goes, the stream ends).  --files reads FILE back and lists the
 * files the sandbox read from outside its image layers: from the host
 * (a layer that is the host's own root or a directory of it) or from an
 * explicit --mount.
 *
 * The events are the monitor's stable JSON lines (docs/monitor.md); its
 * strings hold printable ASCII and escapes only, which the small reader
 * here undoes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "shell/shell_i.h"

/*
 * What the recorder wrote to file after off: 1 its start line, -1 a first
 * line that is not (its error, in first), 0 nothing whole yet.
 */
static int recorder_state(const char *file, off_t off, struct cs_buf *first)
{
	static const char start[] = "{\"type\":\"start\",";
	char buf[4096];
	ssize_t n = -1;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	char *nl;

	if (fd >= 0) {
		n = pread(fd, buf, sizeof(buf) - 1, off);
		close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = 0;
	nl = strchr(buf, '\n');
	if (!nl)
		return 0;
	if (!strncmp(buf, start, strlen(start)))
		return 1;
	cs_buf_reset(first);
	cs_buf_add(first, buf, (size_t)(nl - buf));
	return -1;
}

int sh_trace_start(struct sh *sh, const char *name, const char *file)
{
	char *mon = sh_helper_path(sh, "cshell-monitor");
	char *argv[] = { mon,  "--json", "--events", "exec,open,connect",
			 NULL, NULL };
	_cleanup_free_ char *target = xasprintf("@%s", name);
	struct cs_buf first = CS_BUF_INIT;
	struct stat fst;
	off_t off = 0;
	int st;
	pid_t pid;

	argv[4] = target;
	if (stat(file, &fst) == 0)
		off = fst.st_size; /* appending: only what comes now counts */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sh_err(sh, "sandbox: --trace: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* detached: no terminal, none of the shell's fds, not its
		 * child (the recorder outlives the shell, as the sandbox) */
		int out = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			       0644);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (out < 0 || nul < 0 || dup2(nul, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(126);
		setsid();
		if (fork() != 0)
			_exit(0);
		execv(mon, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		sh_err(sh, "sandbox: --trace: cannot write '%s'", file);
		return -1;
	}
	/* the recorder attaches in a moment: wait for its start line so
	 * that what the caller runs next is seen; anything else it writes
	 * first is why it could not start */
	for (int i = 0; i < 250; i++) {
		switch (recorder_state(file, off, &first)) {
		case 1:
			cs_buf_release(&first);
			return 0;
		case -1:
			sh_err(sh, "sandbox: --trace: %s",
			       first.len ? first.buf : "the monitor failed");
			cs_buf_release(&first);
			return -1;
		}
		usleep(20000);
	}
	cs_buf_release(&first);
	sh_err(sh,
	       "sandbox: --trace: the monitor did not start within 5 s "
	       "(see '%s', or run 'cshell-monitor @%s')",
	       file, name);
	return -1;
}

/* The value of "key":"…" in a JSON line, unescaped (malloc'd), or NULL. */
static char *json_str(const char *line, const char *key)
{
	_cleanup_free_ char *pat = xasprintf("\"%s\":\"", key);
	const char *p = strstr(line, pat);
	struct cs_buf b = CS_BUF_INIT;

	if (!p)
		return NULL;
	for (p += strlen(pat); *p && *p != '"'; p++) {
		if (*p != '\\') {
			cs_buf_addc(&b, *p);
			continue;
		}
		p++;
		if (*p == 'u' && strlen(p) >= 5) {
			char hex[5] = { p[1], p[2], p[3], p[4], 0 };

			cs_buf_addc(&b, (int)strtol(hex, NULL, 16));
			p += 4;
		} else if (*p) {
			cs_buf_addc(&b, *p == 'n' ? '\n' :
					*p == 't' ? '\t' :
						    *p);
		} else {
			break;
		}
	}
	return cs_buf_detach(&b, NULL);
}

static long json_num(const char *line, const char *key)
{
	_cleanup_free_ char *pat = xasprintf("\"%s\":", key);
	const char *p = strstr(line, pat);

	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* Whether path lies in dir (equal or below). */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* A line of the list; the path is the sandbox's to choose, so a control
 * byte in it (an escape sequence for the user's terminal) shows as \xNN. */
static void put_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	putchar('\n');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sh_trace_files(struct sh *sh, const struct sbx_info *info)
{
	const struct sbx_spec *s = &info->spec;
	struct cs_buf text = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;
	struct cs_strvec out = CS_STRVEC_INIT;
	bool host_layer = false;
	char *nl;

	if (!s->trace) {
		sh_err(sh, "sandbox: '%s' was created without --trace FILE",
		       s->name);
		return 1;
	}
	if (cs_read_file(s->trace, &text, 256u << 20, &err) < 0) {
		sh_err(sh, "sandbox: %s", err.msg);
		cs_error_release(&err);
		return 1;
	}
	/* a layer outside the image store is the host's (its root or a
	 * directory of it): what comes from there is not in any image */
	for (size_t i = 0; i < s->nlayers; i++)
		if (!strstr(s->layers[i], "/layers/sha256/"))
			host_layer = true;
	for (char *line = text.buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strstr(line, "\"type\":\"open\"") ||
		    json_num(line, "result") < 0 ||
		    (json_num(line, "flags") & O_ACCMODE) == O_WRONLY)
			continue;
		_cleanup_free_ char *path = json_str(line, "path");
		const char *from = NULL;

		if (!path || path[0] != '/' || under(path, "/proc") ||
		    under(path, "/sys") || under(path, "/dev"))
			continue;
		for (size_t m = 0; m < s->nmounts && !from; m++)
			if (under(path, s->mounts[m].dst))
				from = "mount";
		if (!from && host_layer)
			from = "host";
		if (from)
			cs_strvec_push_take(&out,
					    xasprintf("%s %s", from, path));
	}
	cs_buf_release(&text);
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_str);
	for (size_t i = 0; i < out.n; i++)
		if (!i || strcmp(out.v[i], out.v[i - 1]))
			put_line(out.v[i]);
	cs_strvec_release(&out);
	return 0;
}
