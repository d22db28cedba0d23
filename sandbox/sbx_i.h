/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sbx_i.h — private interfaces between the files of sandbox/: security
 * (seccomp, capabilities), cgroups, rootfs/mount setup and small process
 * helpers.  Never included outside sandbox/.
 */
#ifndef CSHELL_SANDBOX_SBX_I_H
#define CSHELL_SANDBOX_SBX_I_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"
#include "sandbox/sandbox.h"

/* spec.c */
const char *sbx_net_name(enum sbx_net net);
int sbx_cap_last(void);
/* Deep copy into an uninitialised dst. */
void sbx_spec_copy(struct sbx_spec *dst, const struct sbx_spec *src);

/* Bump when the default filter's rules change: cached blobs are keyed on
 * it. */
#define SBX_SECCOMP_REVISION 4

/* security.c: the seccomp filter is compiled with libseccomp once at
 * create time and cached as a raw BPF program; joining loads the cache. */
int sbx_seccomp_compile(const struct sbx_spec *spec, const char *path,
			struct cs_error *err);
/* profile.c: builds a libseccomp context (scmp_filter_ctx, returned in
 * *ctx) from a Docker/OCI JSON profile; caps decide its conditional rules.
 * 0 or -1 + err naming what is wrong. */
int sbx_profile_build(const char *text, size_t len, uint64_t caps, void **ctx,
		      struct cs_error *err);
/* Reads the cached filter (path NULL: none, bpf stays empty) — before
 * leaving the host's mount namespace.  Returns 0 or -errno. */
int sbx_seccomp_read(const char *path, struct cs_buf *bpf);
/* Sets no_new_privs and loads bpf (empty: no filter).  0 or -errno. */
int sbx_seccomp_load(const struct cs_buf *bpf);
/* Restricts the calling process: bounding set, ambient, uid/gid, then the
 * capability sets (inheritable left empty).  Returns 0 or -errno. */
int sbx_caps_apply(uint64_t caps, long uid, long gid);
uint64_t sbx_spec_caps(const struct sbx_spec *spec);

/* cgroup.c */
struct sbx_cgroup {
	char *v2; /* directory or NULL */
	char *v1; /* ':'-separated directories or NULL */
};
/* Creates the cgroup(s) for name and writes the spec's limits.  Without
 * rights, a warning and an empty cgroup (0 returned).  -1 + err when the
 * user asked for limits that cannot be set and rights exist. */
int sbx_cgroup_create(const struct sbx_spec *spec, struct sbx_cgroup *cg,
		      struct cs_error *err);
void sbx_cgroup_release(struct sbx_cgroup *cg);
/* Sets pid's oom_score_adj to -1000, or as low as the host allows. */
void sbx_oom_protect(pid_t pid);

/* rootfs.c: runs in the cloned child, inside its new mount namespace.
 * Mounts everything and pivots into rootfs.  -1 + err. */
struct sbx_setup {
	const struct sbx_spec *spec;
	const char *rootfs;    /* host path of the (mounted or bind) rootfs */
	const char *bind_from; /* bind mode: the host dir to bind, else NULL */
	const char *const *hide; /* host state roots to mask inside */
	int userns;
	/* a layer is the host root: mask the host's secrets (rootfs.c) and,
	 * with bind_from, cover its socket trees */
	int host_root;
};
int sbx_rootfs_setup(const struct sbx_setup *setup, struct cs_error *err);
/* With the host root as a layer: 1 when the host directory path is
 * masked or covered inside (a state root, one in hide, another user's
 * home, the caller's credentials, with bind the socket trees), so a
 * command cannot start there.  userns: rootless.  Host side. */
int sbx_host_hidden(const char *path, const char *const *hide, int userns,
		    int bind);

/* Cleanup helper for a struct sbx_info local (zero-initialise it). */
static inline void sbx_info_releasep(struct sbx_info *info)
{
	sbx_info_release(info);
}
#define _cleanup_info_ __attribute__((cleanup(sbx_info_releasep)))

/* idmap.c: writes the id maps of the rootless child pid (the caller as
 * root, plus the /etc/subuid range via newuidmap when available; *ranges
 * says so).  0 or -1 + err. */
int sbx_idmap_write(pid_t pid, int *ranges, struct cs_error *err);

/* sandbox.c: the pieces that join.c and run.c share with the lifecycle */
/* runtime/sandboxes/<name> and data/sandboxes/<name> (malloc'd), made
 * when create is set; NULL + err. */
char *sbx_rt_dir(const char *name, int create, struct cs_error *err);
char *sbx_data_dir(const char *name, int create, struct cs_error *err);
/* The cshell-init program: $CSHELL_INIT, next to our binary, or PATH. */
char *sbx_init_program(void);
/* Reads a record, its liveness computed (a running record whose init is
 * gone reads as dead).  0 or -1 + err (err->code ENOENT: none). */
int sbx_record_read(const char *name, struct sbx_info *info,
		    struct cs_error *err);
/* sbx_start_dir() when the caller's directory lies in a --mount source,
 * else NULL. */
char *sbx_mapped_cwd(const struct sbx_spec *spec);
/* Fork-like clone, born in the v2 cgroup cgfd when the kernel can;
 * *in_cg says whether it was. */
pid_t sbx_clone_into(int flags, int cgfd, int *in_cg);
/* An fd to exec cshell-init from that no process can write through:
 * sbx_ro_bind() is a private read-only bind detached from every mount
 * namespace (-1 where the mount API is refused: rootless), and
 * sbx_sealed_copy() a sealed memfd copy of the open file fd.  Both
 * close-on-exec; -1 + errno on failure. */
int sbx_ro_bind(const char *path);
int sbx_sealed_copy(int fd);
int sbx_unmount_rootfs(const struct sbx_info *info);
/* Adds the last lines of the log file to err's message. */
void sbx_add_log_tail(const char *log, struct cs_error *err);
int sbx_rm_tree(const char *dir);
/* 1 when the process of pidfd ended within ms milliseconds. */
int sbx_wait_pidfd(int pidfd, int ms);
/* Ends init (if alive), removes the cgroup, unmounts; the caller holds
 * the lock. */
void sbx_halt(struct sbx_info *info, int timeout_ms);

/* What `run` adds to a boot: the command, forked by the sandbox's first
 * process right before it becomes cshell-init. */
struct run_cmd {
	char *const *argv;
	/* out: the read end on which init writes the command's wait status
	 * when it ends; init as a pidfd (or -1), to wait for its end; the
	 * record as written */
	int status_fd, init_pidfd;
	struct sbx_info info;
};

/* 0 for a namespace sandbox; -1 + err naming the backend otherwise
 * (vm/ and scheduler/ drive theirs; see docs/sandbox.md). */
int sbx_ns_only(const struct sbx_info *info, struct cs_error *err);
/* Creates and boots a sandbox (ephemeral: a `run`, with run's command).
 * 0 or -1 + err, everything undone. */
int sbx_boot_new(const struct sbx_spec *spec, int ephemeral,
		 struct run_cmd *run, struct cs_error *err);

/* run.c: removes a `run` sandbox whose caller was killed before it could
 * (ephemeral and dead); 1 when it did, 0 when info is not one. */
int sbx_run_sweep(struct sbx_info *info);

/* clone.c: the sandbox's first process, cloned by a helper so that init
 * is not our child (boot_with in sandbox.c fills the arguments). */
struct child_args {
	const struct sbx_spec *spec;
	const struct sbx_info *info;
	const struct sbx_cgroup *cg;
	const char *bind_from;
	const char *hide[3];
	/* run: the command; the pipe on which init reports its status;
	 * with --net private the one on which it waits for eth0 (else -1),
	 * and the caller's ends of those two */
	char *const *argv;
	int status_fd, go_fd, status_rd, go_wr;
	/* run: init writes on ready_wr once it is non-dumpable; the command
	 * waits for that on ready_rd before it runs anything of its own */
	int ready_rd, ready_wr;
	/* rootless: wait for the id maps on sync_fd (else -1) */
	int sync_fd;
	char cwd[PATH_MAX]; /* run: sbx_mapped_cwd(), else "" (in a, whose
			     * lifetime the command child relies on anyway) */
	int err_fd, log_fd, init_fd, exec_fd, in_cg;
	sigset_t sigmask; /* the caller's, restored in init */
};
/* Clones the child and waits for its verdict: init's pid (*start: its
 * start time) or -1 + err with the child's message. */
pid_t sbx_clone_init(struct child_args *a, uint64_t *start,
		     struct cs_error *err);
/* The fds boot_with() opens for the child, closed on every path. */
void sbx_child_args_close(struct child_args *a);
/* run: the status, ready and (as root) go pipes. */
int sbx_run_pipes(struct child_args *a, const struct sbx_spec *spec,
		  struct cs_error *err);

/* mount.c: the layered rootfs. */
int sbx_check_layers(const struct sbx_spec *spec, struct cs_error *err);
/* Mounts info's layers on info->rootfs (cshell-fs, or CSHELL_FS); the
 * daemon's output goes to log.  0 or -1 + err. */
int sbx_mount_layers(struct sbx_info *info, const char *log,
		     struct cs_error *err);
/* The pid of the layered-fs daemon serving rootfs, or -1. */
pid_t sbx_find_fs_daemon(const char *rootfs);
/* The mount points spec's read-only layers lack, as a layer of empty
 * directories in dir (make: create it); how many are missing. */
int sbx_shadow_points(const struct sbx_spec *spec, const char *dir, int make);
/* clone.c: runs fn(arg) in a process sharing our memory on its own
 * stack, vfork-like (we wait until it execs or exits); its pid or -1.
 * What it reports goes in sbx_shared_new() memory (MAP_SHARED, zeroed;
 * NULL when out of memory). */
pid_t sbx_spawn_shared(int (*fn)(void *), void *arg);
void *sbx_shared_new(size_t size);
/* sandbox.c: runs argv (errfd: its stderr, or -1) and waits; 0 or -1 +
 * err with its status. */
int sbx_spawn_wait(char *const argv[], int errfd, struct cs_error *err);

/* proc helpers (sandbox.c) */
/* Start time (field 22 of /proc/PID/stat), 0 when the process is gone or
 * a zombie. */
uint64_t sbx_proc_start(pid_t pid);
/* The same, also of a zombie (a process that ended but is not reaped). */
uint64_t sbx_proc_start_any(pid_t pid);

/* net.c: eth0 on the host bridge for --net private (root only); the
 * lease and the host end of the veth go away with the sandbox's init. */
/* The network of a sandbox whose init is pid: the bridge as root, else
 * (or with slirp) slirp4netns.  0, or -1 with err set. */
/* host_access: the sandbox may reach the host's own addresses through
 * the bridge (--net private:host); otherwise new connections from it to
 * the host are refused by an iptables rule. */
int sbx_net_setup(pid_t pid, int slirp, int host_access, struct cs_error *err);

#endif
