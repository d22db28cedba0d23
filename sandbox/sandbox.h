/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sandbox.h — namespaced sandboxes on a layered filesystem.
 *
 * A sandbox is described by a struct sbx_spec, brought to life by
 * sbx_create() (layered rootfs + cshell-init as pid 1 of fresh namespaces)
 * and remembered by a small versioned record under the runtime root
 * (runtime/sandboxes/<name>/state), so any cshell can later join it with
 * sbx_join(), list, stop, start or remove it.  Persistent writes land in
 * data/sandboxes/<name>/{upper,work}.
 *
 * Functions that can fail return < 0 (or NULL) and fill the struct cs_error
 * passed last.  Nothing here is thread safe; the shell is single threaded.
 */
#ifndef CSHELL_SANDBOX_H
#define CSHELL_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"

/* Version of the on-disk record format written by this library. */
#define SBX_RECORD_VERSION 1

/* Where a sandbox runs.  Only SBX_BACKEND_NS is implemented here; vm/ and
 * scheduler/ reuse the record with their own backend. */
enum sbx_backend {
	SBX_BACKEND_NS,	    /* namespaces on the host kernel */
	SBX_BACKEND_VM,	    /* a QEMU guest (vm/) */
	SBX_BACKEND_REMOTE, /* on another host (scheduler/) */
};

enum sbx_net {
	SBX_NET_NONE,	 /* own network namespace, loopback only (default) */
	SBX_NET_HOST,	 /* the host's network namespace */
	SBX_NET_PRIVATE, /* own namespace + veth to bridge cshbr0, NAT (root);
			  * without root the same as SBX_NET_SLIRP */
	SBX_NET_SLIRP,	 /* own namespace + slirp4netns user-mode NAT */
};

enum sbx_seccomp {
	SBX_SECCOMP_DEFAULT, /* Docker's default blocks + TIOCSTI/TIOCLINUX */
	SBX_SECCOMP_UNCONFINED, /* no filter (no_new_privs still set) */
	SBX_SECCOMP_FILE,	/* default + syscalls listed in seccomp_file */
};

struct sbx_mount {
	char *src; /* host path */
	char *dst; /* absolute path inside the sandbox */
	int ro;
};

/* The pids limit sbx_spec_init() gives every sandbox: a fork bomb inside
 * stops there instead of exhausting the host's pids; a build's -j jobs
 * stay far below it. */
#define SBX_PIDS_DEFAULT 2048

/*
 * What a sandbox is.  Every string and array is owned by the spec and freed
 * by sbx_spec_release().  Zero values mean "default": no layers = the host
 * root read-only as the only lower layer; 0 limits = unlimited; uid/gid -1
 * = root of the sandbox.  sbx_spec_init() sets pids to SBX_PIDS_DEFAULT.
 */
struct sbx_spec {
	char *name;
	char **layers; /* top first, NULL terminated (may be NULL) */
	size_t nlayers;
	struct sbx_mount *mounts;
	size_t nmounts;
	char **env; /* "K=V", NULL terminated (may be NULL) */
	size_t nenv;
	char *workdir;	     /* default "/" */
	char *hostname;	     /* default the name */
	long uid, gid;	     /* -1: 0 */
	uint64_t cpus_milli; /* 1500 = 1.5 cpus; 0 = unlimited */
	uint64_t memory;     /* bytes; 0 = unlimited */
	uint64_t pids;	     /* 0 = unlimited; SBX_PIDS_DEFAULT at init */
	enum sbx_net net;
	int net_host_access; /* --net private:host: the host's own addresses
			      * reachable over the bridge (else refused) */
	uint64_t cap_add;    /* bit n = capability n */
	uint64_t cap_drop;   /* applied after cap_add */
	enum sbx_seccomp seccomp;
	char *seccomp_file;
	int read_only;
	enum sbx_backend backend;
	char *image; /* the --image reference the layers came from (shown by
		      * ls and inspect), or NULL */
	char *trace; /* --trace: the file the monitor records events to
		      * (absolute), or NULL; sandbox/ only keeps it */
};

void sbx_spec_init(struct sbx_spec *spec);
void sbx_spec_release(struct sbx_spec *spec);
/* Appenders copy their arguments. */
void sbx_spec_add_layer(struct sbx_spec *spec, const char *dir);
void sbx_spec_add_env(struct sbx_spec *spec, const char *kv);
void sbx_spec_add_mount(struct sbx_spec *spec, const char *src, const char *dst,
			int ro);

/* Option parsers for front ends: each returns 0, or -1 with a message
 * that names the bad value. */
int sbx_parse_size(const char *s, uint64_t *out, struct cs_error *err);
int sbx_parse_cpus(const char *s, uint64_t *milli, struct cs_error *err);
int sbx_parse_user(const char *s, long *uid, long *gid, struct cs_error *err);
/* --pids: a positive count, or 0 / "max" for no limit (*out 0). */
int sbx_parse_pids(const char *s, uint64_t *out, struct cs_error *err);
/* --layer DIR -> spec; a relative DIR is made absolute (against the
 * current directory), as a --mount source is. */
int sbx_parse_layer(struct sbx_spec *spec, const char *s, struct cs_error *err);
/* "SRC:DST[:ro|:rw]" -> spec; a relative SRC is made absolute. */
int sbx_parse_mount(struct sbx_spec *spec, const char *s, struct cs_error *err);
/* "NET_ADMIN", "CAP_NET_ADMIN" (any case) or "ALL" -> bit mask. */
int sbx_parse_cap(const char *s, uint64_t *mask, struct cs_error *err);
int sbx_parse_net(const char *s, enum sbx_net *net, struct cs_error *err);
/* --net: a mode of sbx_parse_net, or "private:host" (net_host_access). */
int sbx_parse_net_opt(struct sbx_spec *spec, const char *s,
		      struct cs_error *err);
/* A sandbox name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}.  0 or -1 + err. */
int sbx_check_name(const char *name, struct cs_error *err);

/* Docker's default capability set minus NET_RAW and MKNOD. */
uint64_t sbx_default_caps(void);
/* The name of capability n without the CAP_ prefix, lower case; NULL
 * when unknown. */
const char *sbx_cap_name(int n);

enum sbx_state {
	SBX_STATE_RUNNING,
	SBX_STATE_STOPPED,
	SBX_STATE_DEAD, /* record says running, but its init or its
			 * layered-fs daemon is gone (dead_reason says) */
};

const char *sbx_state_name(enum sbx_state state);
/* "ns", "vm", "remote". */
const char *sbx_backend_name(enum sbx_backend b);

/* What the record holds, plus the liveness computed when it was read. */
struct sbx_info {
	struct sbx_spec spec;
	enum sbx_state state;
	pid_t init_pid;	     /* host pid of cshell-init, 0 when stopped */
	uint64_t init_start; /* its start time (clock ticks), for pid reuse */
	pid_t fs_pid;	     /* host pid of the layered-fs daemon, 0: none
			      * or unknown */
	uint64_t fs_start;   /* its start time */
	const char *dead_reason; /* why the state is dead (static text),
				  * computed when read; NULL otherwise */
	int userns;		 /* 1 when the sandbox has its own user ns */
	int ns_flags;		 /* CLONE_NEW* flags of its namespaces */
	uint64_t caps;		 /* effective capability set */
	char *rootfs;		 /* runtime/sandboxes/<name>/rootfs */
	char *upper;		 /* data/sandboxes/<name>/upper, NULL if none */
	char *rootfs_mode;	 /* "fuse" or "bind" */
	char *cgroup_v2;	 /* v2 directory or NULL */
	char *cgroup_v1;	 /* ':'-separated v1 directories or NULL */
	char *seccomp_bpf;	 /* cached filter file or NULL */
	long long created;	 /* unix time */
	int ephemeral;
};

void sbx_info_release(struct sbx_info *info);
/* Serialises info as the record (key=value lines) / parses it back.
 * sbx_info_parse fills a zeroed info; returns 0 or -1 + err. */
int sbx_info_format(const struct sbx_info *info, struct cs_buf *out);
int sbx_info_parse(struct sbx_info *info, const char *text,
		   struct cs_error *err);
/* Appends info as one JSON object. */
void sbx_info_json(const struct sbx_info *info, struct cs_buf *out);

/* Creates and starts a sandbox.  Fails when the name exists (also when a
 * concurrent create of the same name wins).  Returns 0 or -1 + err. */
int sbx_create(const struct sbx_spec *spec, struct cs_error *err);

/*
 * Joins a running sandbox: to be called in a forked child right before
 * exec.  Moves the process into the sandbox's cgroup, setns() into all its
 * namespaces through a pidfd of its init, then forks once more (a pid
 * namespace only applies to children): the returned-to process is inside
 * the sandbox with no_new_privs, the capability set, the seccomp filter,
 * uid/gid, cwd = workdir, the sandbox's env added to environ, and every fd
 * above 2 closed.  The intermediate process never returns: it waits for
 * the inner one, forwards SIGTERM/SIGHUP/SIGUSR1/SIGUSR2/SIGALRM to it, and
 * SIGINT/SIGQUIT when sent by kill(2) (the terminal's reach it directly
 * through the process group), stops when it stops, and exits with its
 * status (re-raising the signal that killed it).
 * Returns 0 (in the inner process) or -1 + err (nothing changed yet when
 * the error is "no such sandbox" or "not running").
 */
int sbx_join(const char *name, struct cs_error *err);
/* Where a command of the sandbox with spec starts, seen from the caller's
 * current directory: under a --mount destination when the directory lies
 * in that mount's source, else the workdir ("/" by default).  Malloc'd. */
char *sbx_start_dir(const struct sbx_spec *spec);
/* After a successful sbx_join: the sandbox's --env entries ("K=V", NULL
 * terminated, never NULL), for a caller that execs with its own envp
 * instead of environ.  Owned by the library; valid until exec. */
const char *const *sbx_joined_env(void);
/* Execs file (searched in envp's PATH when it has no '/') with argv and
 * envp.  After sbx_join() this goes through cshell-init's read-only image
 * (and, on a terminal, its pty session), never straight from the calling
 * binary; elsewhere it is a plain execve.  Returns only on failure: -errno
 * (a joined command that is not found is reported, with status 127, by
 * cshell-init itself). */
int sbx_exec(const char *file, char *const argv[], char *const envp[]);
/* Optional, in a long-lived caller (the shell) before it forks joins:
 * opens cshell-init's read-only image once, for every later sbx_join()
 * of this process and its children.  0 or -errno (sbx_join then opens
 * its own). */
int sbx_join_prepare(void);

/* For `@NAME` routing, before anything is forked: 0 when NAME is a
 * running local sandbox; -1 + err otherwise, err->code ENOENT when there
 * is no sandbox of that name (so a router can try hosts next). */
int sbx_resolve(const char *name, struct cs_error *err);

/* Reads one record (liveness computed).  0 or -1 + err (ENOENT: no such
 * sandbox). */
int sbx_inspect(const char *name, struct sbx_info *info, struct cs_error *err);
/* All records, sorted by name; *out is an array of *n infos to free with
 * sbx_info_list_free().  Unreadable records are skipped with a warning. */
int sbx_list(struct sbx_info **out, size_t *n, struct cs_error *err);
void sbx_info_list_free(struct sbx_info *list, size_t n);

/* Stops init (SIGTERM, SIGKILL after timeout_ms), unmounts the rootfs,
 * removes the cgroup; the record stays as stopped.  Stopping a stopped
 * sandbox is not an error. */
int sbx_stop(const char *name, int timeout_ms, struct cs_error *err);
/* Starts a stopped (or dead) sandbox again from its recorded spec. */
int sbx_start(const char *name, struct cs_error *err);
/* Removes a sandbox: runtime record, rootfs, cgroups and its persistent
 * upper layer.  A running one needs force (then it is stopped first); a
 * dead one is cleaned. */
int sbx_rm(const char *name, int force, struct cs_error *err);

/* Creates an ephemeral sandbox from spec (the name may be NULL: one is
 * made up), runs argv in it as its pid 2 (with the caller's stdio and
 * environment plus the spec's, restricted as a joined process is), and
 * removes it once argv has ended (the rest of the sandbox is stopped
 * then).  SIGINT/SIGQUIT are ignored by the caller meanwhile.  Returns
 * the command's exit status (128+N on signal N; 137, with a warning,
 * when the sandbox's init ended without reporting it), or -1 + err when
 * it could not run.  Not thread safe (it blocks signals and forks). */
int sbx_run(const struct sbx_spec *spec, char *const argv[],
	    struct cs_error *err);

/* Writes the changes of the upper layer as "A /path", "C /path",
 * "D /path" lines (docker diff).  0 or -1 + err. */
int sbx_diff(const char *name, struct cs_buf *out, struct cs_error *err);
/* Copies the upper layer to dir (which must not exist or be empty), as a
 * layer directory usable with --layer.  0 or -1 + err. */
int sbx_commit(const char *name, const char *dir, struct cs_error *err);
/* The same for any upper layer over spec's layers (vm/ keeps its own):
 * diff, and commit (upper NULL: "read-only", nothing to commit). */
int sbx_diff_upper(const struct sbx_spec *spec, const char *upper,
		   struct cs_buf *out, struct cs_error *err);
int sbx_commit_upper(const char *upper, const char *dir, struct cs_error *err);
/* Path of the log file of the sandbox's init (malloc'd), or NULL + err. */
char *sbx_log_path(const char *name, struct cs_error *err);

/* What a sandbox masks when the host root is one of its layers, for a
 * backend that builds its own view of it (vm/): host paths of files to
 * show empty and of directories to show empty (other users' homes, the
 * caller's credentials, cshell's state).  Malloc'd NULL terminated
 * vectors of malloc'd strings. */
void sbx_host_secrets(char ***files, char ***dirs);

/* The layered-fs program: $CSHELL_FS, else cshell-fs next to
 * /proc/self/exe, else "cshell-fs" (PATH).  Malloc'd. */
char *sbx_fs_program(void);

/* A cgroup as a record names it: the v2 directory v2 and the
 * ':'-separated v1 directories v1 (either may be NULL); vm/ makes its
 * own for QEMU.  Moves pid into every directory (0 = the caller, which
 * must then be single-threaded): 0 or -errno. */
int sbx_cgroup_enter(const char *v2, const char *v1, pid_t pid);
/* Removes the directories (retrying briefly while they drain). */
void sbx_cgroup_remove(const char *v2, const char *v1);
/* The name of name's cgroup directories: name and a hash of the runtime
 * root, so two state roots' sandboxes of one name do not share one. */
char *sbx_cgroup_id(const char *name);
/* Whether path is a cgroup v2 mount. */
int sbx_is_cgroup2(const char *path);

#endif
