/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wire_i.h — the records monitor.bpf.c writes into the ring buffer and the
 * maps it shares with load.c; included by both sides (bootstrap.h's role in
 * libbpf-bootstrap).  Kernel side it sits on vmlinux.h, user side on
 * <linux/types.h>.  Every record starts with struct mon_wire_hdr; the
 * decoder (event.c) trusts none of it: sizes, lengths and strings are all
 * checked again there.
 */
#ifndef CSHELL_MON_WIRE_I_H
#define CSHELL_MON_WIRE_I_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MON_WIRE_COMM 16
#define MON_WIRE_PATH 256     /* filename of exec, path of open */
#define MON_WIRE_ARGS 256     /* first bytes of argv, NUL separated */
#define MON_WIRE_SOCKADDR 128 /* sizeof(struct sockaddr_storage) */
/* Deepest cgroup level whose ancestors are checked (levels below it are
 * still caught through a monitored ancestor above). */
#define MON_WIRE_MAX_LEVELS 32
/* pidns_level for "the task's own pid namespace". */
#define MON_WIRE_OWN_NS 0xffffffffu

enum mon_wire_type {
	MON_WIRE_EXEC = 1,
	MON_WIRE_EXIT = 2,
	MON_WIRE_OPEN = 3,
	MON_WIRE_CONNECT = 4,
};

/* Value of the "monitored" map, keyed by a v2 cgroup id. */
struct mon_wire_cg {
	__u32 pidns_level; /* report pids at this pid-ns level */
	__u32 pad;
};

struct mon_wire_hdr {
	__u32 type;   /* enum mon_wire_type */
	__u32 pid;    /* host tgid */
	__u32 tid;    /* host tid */
	__u32 ppid;   /* host tgid of the real parent */
	__u32 ns_pid; /* tgid at the chosen pid-ns level, 0 if not visible */
	__u32 ns_tid;
	__u32 uid;
	__u32 gid;
	__u64 ts_ns;	      /* CLOCK_MONOTONIC */
	__u64 cgroup_id;      /* the monitored cgroup that matched */
	__u64 task_cgroup_id; /* the task's own v2 cgroup */
	char comm[MON_WIRE_COMM];
};

struct mon_wire_exec {
	struct mon_wire_hdr hdr;
	__u32 filename_len; /* bytes in filename, NUL included */
	__u32 args_len;	    /* bytes read of argv */
	__u32 args_total;   /* bytes argv has in all */
	__u32 pad;
	char filename[MON_WIRE_PATH];
	char args[MON_WIRE_ARGS];
};

struct mon_wire_exit {
	struct mon_wire_hdr hdr;
	__s32 exit_code; /* the wait(2) status */
	__u32 pad;
	__u64 runtime_ns; /* since the process was forked */
};

struct mon_wire_open {
	struct mon_wire_hdr hdr;
	__s64 result; /* fd or -errno */
	__s32 dfd;    /* AT_FDCWD for open(2) */
	__u32 flags;
	__u32 path_len; /* bytes in path, NUL included; 0 when unreadable */
	__u32 pad;
	char path[MON_WIRE_PATH];
};

struct mon_wire_connect {
	struct mon_wire_hdr hdr;
	__s64 result; /* 0 or -errno (-EINPROGRESS for non-blocking) */
	__s32 fd;
	__u32 addrlen; /* what the caller passed */
	__u32 sa_len;  /* bytes copied into sa */
	__u32 pad;
	__u8 sa[MON_WIRE_SOCKADDR];
};

/* A syscall seen at sys_enter, finished at sys_exit (the "pending" map). */
struct mon_wire_pending {
	__u64 ptr;  /* user pointer: path, or sockaddr */
	__u64 ptr2; /* openat2: struct open_how */
	__u64 cgroup_id;
	__u32 nr;    /* syscall number */
	__s32 arg;   /* dfd or fd */
	__u32 flags; /* open flags, or addrlen */
	__u32 pidns_level;
};

#endif
