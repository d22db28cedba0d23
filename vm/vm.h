/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm.h — the VM backend: a command runs in a QEMU guest with another
 * kernel, reached through cshell-agent (the guest's /init) over one
 * virtio-serial port.
 *
 * A VM is named; its state lives under runtime/vm/<name>/ (sockets,
 * console log, pid files) and its kernels under data/vm/kernels/.  Booting
 * forks a supervisor that owns QEMU and the agent's port: it multiplexes
 * the execs of many clients over the port, pings the agent to notice a
 * hung guest, and notices QEMU's death.  Clients (vm_exec) speak the same
 * wire protocol to the supervisor's control socket (docs/vm.md).
 *
 * Functions that can fail return < 0 and fill the struct cs_error passed
 * last.
 */
#ifndef CSHELL_VM_H
#define CSHELL_VM_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"

/* ------------------------------------------------------------------ */
/* Kernels */

/* A kernel ready to boot: an uncompressed vmlinux and the matching
 * modules directory (lib/modules/<release>), both owned. */
struct vm_kernel {
	char *vmlinux;
	char *modules; /* NULL when the kernel has none (all built in) */
	char *release; /* "6.1.0-41-amd64", from the modules dir or "" */
	char *digest;  /* "sha256:<hex>" of the file given (Cshellfile.lock) */
};

/*
 * Resolves what a user gave as --kernel:
 *   - a path to a bzImage, vmlinuz or vmlinux (modules: the dir
 *     /lib/modules/<release> when it exists, else none; "PATH:MODDIR"
 *     names it explicitly);
 *   - a linux-image-*.deb file (its vmlinuz and modules extracted);
 *   - a version installed on the host: /boot/vmlinuz-V + /lib/modules/V,
 *     where V may be a prefix ("6.1" picks the newest 6.1*).
 * Compressed kernels are decompressed once and cached by digest under
 * data/vm/kernels/.  0 or -1 + err (one sentence; nothing left behind).
 */
int vm_kernel_resolve(const char *spec, struct vm_kernel *k,
		      struct cs_error *err);
void vm_kernel_release(struct vm_kernel *k);

/* ------------------------------------------------------------------ */
/* Accelerator */

enum vm_accel {
	VM_ACCEL_TCG,
	VM_ACCEL_KVM,
};

/* KVM when /dev/kvm opens, the CPU shows vmx/svm and a VM can be made;
 * else TCG.  $CSHELL_VM_ACCEL=kvm|tcg forces one.  *reason (malloc'd,
 * may be NULL) says why. */
enum vm_accel vm_accel_detect(char **reason);

/* ------------------------------------------------------------------ */
/* Lifecycle */

struct vm_mount {
	char *src; /* host directory */
	char *dst; /* absolute path in the guest */
	int ro;
};

/* The least memory a VM is given (--memory): Debian's 6.1 kernel and the
 * initramfs need ~112 MiB under microvm (96 MiB panics loading modules);
 * QEMU's own default */
#define VM_MIN_MEMORY (128ull << 20)

struct vm_config {
	char *name;   /* [A-Za-z0-9][A-Za-z0-9_.-]* */
	char *kernel; /* a --kernel spec (vm_kernel_resolve) */
	/* the guest's /: a host directory shared as it is, or (root NULL)
	 * a layered root of these dirs, top first, NULL terminated, under an
	 * upper layer in data/vm/<name>/ that lives as long as the VM */
	char *root;
	char **layers;
	size_t nlayers;
	int root_ro; /* root shared read-only (layers: no upper) */
	struct vm_mount *mounts;
	size_t nmounts;
	char **env; /* "K=V" for every exec, NULL terminated or NULL */
	size_t nenv;
	char *workdir;	  /* default "/" */
	char *hostname;	  /* default the name */
	unsigned cpus;	  /* default 1 */
	uint64_t memory;  /* bytes, default 512 MiB */
	int boot_timeout; /* seconds, default 30 */
	char *qemu;	  /* default $CSHELL_QEMU or qemu-system-x86_64 */
	int virtiofs;	  /* writable shares over virtiofs (needs root and
			   * virtiofsd; else 9p) */
	char *image;	  /* the --image the layers came from, or NULL:
			   * what ls and inspect show */
	int ephemeral;	  /* made by `sandbox run`, removed after it */
};

void vm_config_init(struct vm_config *cfg);
void vm_config_release(struct vm_config *cfg);
void vm_config_add_mount(struct vm_config *cfg, const char *src,
			 const char *dst, int ro);
void vm_config_add_env(struct vm_config *cfg, const char *kv);
void vm_config_add_layer(struct vm_config *cfg, const char *dir);

/* Boots the VM and returns once its agent answered (or failed: the error
 * quotes the console's last lines; nothing is left running).  The
 * supervisor is a daemon of its own; it outlives the caller. */
int vm_boot(const struct vm_config *cfg, struct cs_error *err);

/* Powers the guest off through its agent, then kills QEMU after
 * timeout_ms; removes the runtime state.  Stopping a VM that is not
 * running cleans its state and is not an error. */
int vm_stop(const char *name, int timeout_ms, struct cs_error *err);

/* 0 when NAME's supervisor answers and its agent answers a PING within
 * timeout_ms (*rtt_us, when not NULL, the round trip); -1 + err else
 * (ENOENT: no such VM). */
int vm_ping(const char *name, int timeout_ms, long *rtt_us,
	    struct cs_error *err);

/* 1 when NAME has a supervisor taking connections (cheap: no ping),
 * else 0. */
int vm_exists(const char *name);
/* The names of the VMs here, running or stopped, sorted (malloc'd vector of
 * malloc'd strings, NULL terminated; never NULL). */
char **vm_names(void);

/* The kernel release the agent reported at boot (malloc'd) or NULL. */
char *vm_guest_release(const char *name, struct cs_error *err);

/* Path of the console log of NAME (malloc'd) or NULL + err: QEMU's file
 * while it runs, the copy of the last boot once stopped. */
char *vm_console_path(const char *name, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* The record: a VM outlives its QEMU (record.c, docs/vm.md) */

/*
 * data/vm/<name>/ holds the VM's definition (config: its vm_config as
 * key=value lines), its upper layer and what its last boot left (console
 * log, guest release, accelerator); runtime/vm/<name>/ exists while it
 * runs.  vm_stop() ends QEMU and keeps the record; vm_boot() of a loaded
 * record starts it again; vm_remove() removes both.
 */
char *vm_data_dir(const char *name, int create, struct cs_error *err);
/* Writes cfg's record; EEXIST (with what to do) when NAME has one. */
int vm_record_create(const struct vm_config *cfg, struct cs_error *err);
/* Fills cfg (vm_config_release) from NAME's record; ENOENT: none. */
int vm_record_load(const char *name, struct vm_config *cfg,
		   struct cs_error *err);
/* 1 when NAME has a record or is running. */
int vm_known(const char *name);
/* Stops NAME when running (only with force, else an error) and removes its
 * record, upper layer and logs.  ENOENT: no such VM. */
int vm_remove(const char *name, int force, struct cs_error *err);

struct sbx_info;

/* What `sandbox inspect` shows of a VM. */
struct vm_info {
	struct vm_config cfg; /* the record */
	int running;
	pid_t qemu_pid, supervisor_pid; /* 0 when stopped */
	char *release;	    /* the guest's `uname -r` (last boot) or NULL */
	char *accel;	    /* "kvm", "tcg" (last boot) or NULL */
	char *accel_reason; /* why that one */
	char *boot;	    /* "booted", "restored" (from a snapshot; the
			     * last boot) or NULL */
	char *state_dir;    /* runtime/vm/<name> */
	char *data_dir;	    /* data/vm/<name> */
	char *ctl_sock;	    /* NULL when stopped */
	char *console;	    /* vm_console_path() */
	char *rootfs;	    /* what QEMU shares as the guest's / */
	char *upper;	    /* NULL when read-only */
	/* QEMU's cgroups (docs/vm.md, "Figures"): the v2 directory and the
	 * ':'-separated v1 ones, NULL when stopped or there are none */
	char *cgroup_v2, *cgroup_v1;
	long long created; /* unix time */
	/* not running, and not because it was stopped: why (static text) */
	const char *dead_reason;
};

/* 0 or -1 + err (ENOENT: no such VM). */
int vm_inspect(const char *name, struct vm_info *vi, struct cs_error *err);
void vm_info_release(struct vm_info *vi);
/* vi as a sandbox's struct sbx_info (backend vm, pid = QEMU's), for the
 * listings shared with sandboxes; sbx_info_release() frees it. */
void vm_info_sbx(const struct vm_info *vi, struct sbx_info *out);
/* One JSON object: sbx_info_json()'s keys, then "vm": {qemu_pid,
 * supervisor_pid, kernel, release, accelerator, accelerator_reason, cpus,
 * state_dir, control_socket, console}. */
void vm_info_json(const struct vm_info *vi, struct cs_buf *out);

/* ------------------------------------------------------------------ */
/* Exec: the host side of `@NAME cmd` */

struct vm_exec_opts {
	char *const *argv; /* argv[0] searched in the guest's PATH */
	char *const *env;  /* NULL: the guest's defaults + cfg env */
	/* NULL: under a --mount's destination when the caller's directory
	 * lies in its source, else the VM's workdir */
	const char *cwd;
	int tty;	    /* -1: when stdin is a terminal; 0/1 forced */
	int in, out, errfd; /* host fds relayed (normally 0, 1, 2) */
};

/*
 * Runs argv in VM NAME and relays in/out/errfd until the command ends.
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 received meanwhile are
 * forwarded; SIGWINCH sends the window size (tty mode, which also puts
 * the local terminal in raw mode).  Returns the exit status (128+N when
 * killed by signal N, 127 not found, 126 not executable, 255 when the VM
 * went away), or -1 + err when nothing could run.  Installs signal
 * handlers for its duration: call it in a process of its own (a forked
 * pipeline element).
 */
int vm_exec(const char *name, const struct vm_exec_opts *opts,
	    struct cs_error *err);

#endif
