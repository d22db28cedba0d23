/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * remote_i.h — private to monitor/: `cshell-monitor --host SPEC`, the
 * monitors of several SSH hosts merged into one stream (remote.c).  Not in
 * libcshell: it needs the fan-out engine and jansson of scheduler/, which
 * only cshell-monitor links.
 */
#ifndef CSHELL_MONITOR_REMOTE_I_H
#define CSHELL_MONITOR_REMOTE_I_H

#include <signal.h>

#include "lib/lib.h"

struct mon_remote_opts {
	const char *spec;     /* hosts: a spec of scheduler.h (sch_match) */
	int json;	      /* JSON lines with "host"; else text */
	const char *events;   /* passed on as --events; NULL: all */
	const char *duration; /* passed on as --duration; NULL: none */
	double duration_s;    /* its value (the local safety timeout) */
	const volatile sig_atomic_t *stop; /* ^C: end every host's run */
};

/*
 * Runs `cshell -c 'monitor --json …'` on every host of o->spec over the
 * scheduler's connections (sch_fanout(): a watchdog ends the remote
 * monitor when the connection closes) and writes their lines to stdout
 * as they arrive, each with its host: a "host" key first in JSON mode, a
 * host column in text mode.  A host that cannot be reached, fails or
 * dies is reported (JSON: a "host_error" line; text: a sentence on
 * stderr) while the others go on; its stderr lines go to stderr as
 * "host: line".  Returns 0 when every host's run ended well (by its
 * duration, a stop, or all its sandboxes gone), 1 when one did not, -1
 * with err when nothing could start (no such host, empty inventory).
 */
int mon_remote_stream(const struct mon_remote_opts *o, struct cs_error *err);

#endif
