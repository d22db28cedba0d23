// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * error.c — struct cs_error: one message per failure, built from the inside
 * out.  The innermost failure sets it (with strerror appended when it came
 * from a syscall), each caller on the way up prefixes its own context.
 */
#include "lib/lib.h"

#include <errno.h>
#include <string.h>

static int ret_for(const struct cs_error *err)
{
	return err && err->code > 0 ? -err->code : -1;
}

static int error_vset(struct cs_error *err, int code, const char *fmt,
		      va_list ap)
{
	char *msg;

	if (!err)
		return code > 0 ? -code : -1;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup(fmt);
	if (code) {
		char *full = xasprintf("%s: %s", msg, strerror(code));

		free(msg);
		msg = full;
	}
	free(err->msg);
	err->msg = msg;
	err->code = code;
	return ret_for(err);
}

int cs_error_set(struct cs_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int cs_error_errno(struct cs_error *err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, code, fmt, ap);
	va_end(ap);
	errno = code;
	return r;
}

int cs_error_wrap(struct cs_error *err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *msg;

	if (!err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = xstrdup(fmt);
	va_end(ap);
	if (err->msg) {
		msg = xasprintf("%s: %s", ctx, err->msg);
		free(ctx);
	} else {
		/* Wrapping nothing: the context is all we know. */
		msg = ctx;
	}
	free(err->msg);
	err->msg = msg;
	return ret_for(err);
}

void cs_error_release(struct cs_error *err)
{
	if (!err)
		return;
	free(err->msg);
	err->msg = NULL;
	err->code = 0;
}

void cs_error_print(const struct cs_error *err, const char *prog)
{
	const char *msg = err && err->msg ? err->msg : "unknown error";

	if (prog)
		fprintf(stderr, "%s: %s\n", prog, msg);
	else
		fprintf(stderr, "%s\n", msg);
}
