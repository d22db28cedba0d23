/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mon_i.h — what the files of monitor/ share besides monitor.h.  Private
 * to monitor/.
 */
#ifndef CSHELL_MON_I_H
#define CSHELL_MON_I_H

#include "lib/lib.h"

/* Appends s as a JSON string: bytes outside printable ASCII as \u00XX
 * (one per byte: paths and argv are bytes, not UTF-8), so the output is
 * always valid JSON. */
void mon_json_str(struct cs_buf *out, const char *s);

/* bpf_dl.c: loads libbpf.so (once; the shell does not link it, see
 * there).  Every libbpf call of monitor/ comes after it.  0, or -1 + err
 * naming what is missing. */
int mon_bpf_load(struct cs_error *err);

#endif
