// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * log.c — diagnostics on stderr as "<prog>: <level>: <msg>", filtered by
 * $CSHELL_LOG.  Each message goes out in one write(2) so lines from
 * concurrent processes do not interleave.
 */
#include "lib/lib.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *prog_name = "cshell";

static const char *const level_names[] = {
	[CS_LOG_ERROR] = "error",
	[CS_LOG_WARN] = "warn",
	[CS_LOG_INFO] = "info",
	[CS_LOG_DEBUG] = "debug",
};

void cs_log_set_prog(const char *prog)
{
	prog_name = prog && *prog ? prog : "cshell";
}

const char *cs_log_prog(void)
{
	return prog_name;
}

/* Read on every call: cheap, and tests can change it at run time. */
static enum cs_log_level max_level(void)
{
	const char *v = getenv("CSHELL_LOG");
	size_t i;

	if (!v || !*v)
		return CS_LOG_WARN;
	for (i = 0; i < CS_ARRAY_SIZE(level_names); i++)
		if (!strcasecmp(v, level_names[i]))
			return (enum cs_log_level)i;
	if (!strcasecmp(v, "warning"))
		return CS_LOG_WARN;
	return CS_LOG_WARN;
}

void cs_log(enum cs_log_level level, const char *fmt, ...)
{
	struct cs_buf b = CS_BUF_INIT;
	int saved = errno;
	va_list ap;

	if ((unsigned)level >= CS_ARRAY_SIZE(level_names) ||
	    level > max_level())
		return;
	cs_buf_addf(&b, "%s: %s: ", prog_name, level_names[level]);
	va_start(ap, fmt);
	cs_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	cs_buf_addc(&b, '\n');
	cs_write_all(STDERR_FILENO, b.buf, b.len);
	cs_buf_release(&b);
	errno = saved;
}

void cs_cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("cshell: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
