/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * overlayfs.h — the public interface of cshell-fs, the layered FUSE
 * filesystem: N read-only lower layers stacked top-first under one
 * writable upper layer, with the kernel overlayfs semantics and the OCI
 * whiteout conventions (docs/overlayfs.md).
 *
 * A caller fills a struct ovl_config (usually from a fuse-overlayfs style
 * option string with ovl_config_parse()), then ovl_serve() mounts it and
 * answers requests until the filesystem is unmounted.  Nothing here is
 * thread safe unless said so; ovl_serve() starts its own worker threads.
 */
#ifndef CSHELL_OVERLAYFS_H
#define CSHELL_OVERLAYFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "lib/lib.h"

/* Upper-bound on stacked lower layers (the kernel's overlayfs allows 500). */
#define OVL_MAX_LOWER 500
/* Kernel cache time of names and attributes: every change to the layers
 * comes through the daemon, which answers with the new state, so the
 * kernel may keep what it has (fuse-overlayfs does the same). */
#define OVL_DEFAULT_TIMEOUT 86400.0
/* The same for entries of a live lower layer whose filesystem the daemon
 * cannot watch (no fanotify): what the host changes shows this late. */
#define OVL_LIVE_TIMEOUT 0.5

/* What a mount is made of.  All strings are owned by the config. */
struct ovl_config {
	char **lowers; /* top-first lower layer directories */
	size_t nlower;
	char *upper;  /* NULL: read-only mount */
	char *work;   /* required with upper, same filesystem */
	char *fsname; /* shown in mount(8); default "cshell-fs" */
	bool allow_other;
	bool default_permissions; /* always on in practice, see ovl_serve */
	bool foreground;	  /* -f: do not daemonize */
	bool debug;		  /* -d: libfuse request tracing, implies -f */
	bool singlethread;	  /* -s */
	bool oci_whiteouts;	  /* whiteout=oci: upper gets .wh. markers */
	bool writeback;	  /* writeback=1 (default): kernel write cache */
	bool passthrough; /* passthrough=1 (default): kernel passthrough */
	bool fsync;	  /* fsync=1 (default); fsync=0 or volatile: no sync */
	bool sandbox;	  /* default; nosandbox: serve without the hardening of
		       * harden.c (for debugging) */
	double timeout;	  /* entry/attr cache seconds, OVL_DEFAULT_TIMEOUT */
	/* live=1: lower layers change outside the daemon (the host root);
	 * live=0: they never do; -1 (default): live unless inside the image
	 * store (docs/overlayfs.md, "Live lower layers") */
	int live;
	/* uidmapping=/gidmapping= (fuse-overlayfs): ids on disk are "host",
	 * ids shown by the mount "container" */
	struct ovl_idmap *uidmap, *gidmap;
	size_t nuidmap, ngidmap;
	struct cs_buf fuse_opts; /* options passed on to the kernel mount */
};

/* One range of uidmapping=/gidmapping=: container ids
 * [container, container + count) are host ids [host, host + count). */
struct ovl_idmap {
	uint32_t container, host, count;
};
#define OVL_MAX_IDMAP 340 /* ranges per option, as the kernel's uid_map */

/* The container id of host id (overflow 65534 when no range holds it). */
uint32_t ovl_id_to_container(const struct ovl_idmap *m, size_t n, uint32_t id);
/* The host id of container id, or (uint32_t)-1 when no range holds it.
 * Without ranges both are the identity. */
uint32_t ovl_id_to_host(const struct ovl_idmap *m, size_t n, uint32_t id);

/* Fills cfg with defaults (no layers). */
void ovl_config_init(struct ovl_config *cfg);
/* Frees everything cfg owns; it can be reused after ovl_config_init. */
void ovl_config_release(struct ovl_config *cfg);

/*
 * Parses one comma-separated option string as fuse-overlayfs takes it:
 * lowerdir=A:B (colons separate layers, "\:" and "\," escape), upperdir=,
 * workdir=, fsname=, allow_other, default_permissions, timeout=SECONDS,
 * writeback=0|1, passthrough=0|1, uidmapping=C:H:N[:C:H:N…] and
 * gidmapping= (fuse-overlayfs: container ids C..C+N-1 are host ids on disk
 * H..H+N-1),
 * whiteout=kernel|oci (the marker form written to the upper layer),
 * live=0|1 (whether lower layers change outside the daemon);
 * ignores the fuse-overlayfs tuning options it does not need (squash_to_*,
 * noacl, threaded=, fast_ino=, …) and passes unknown ones to the kernel
 * (ro, nosuid, nodev, …).  May be called several times; later values win.
 * Returns 0, or -1 with err set (unknown value format, too many layers).
 */
int ovl_config_parse(struct ovl_config *cfg, const char *opts,
		     struct cs_error *err);

/*
 * Parses a whole command line (argv[0] is skipped): -o OPTS (repeatable),
 * -f, -d, -s, -h/--help (returns 1), -V/--version (returns 2), and exactly
 * one MOUNTPOINT stored in *mountpoint (malloc'd).  Checks that lowerdir is
 * given and that upperdir and workdir come together.
 * Returns 0, 1, 2, or -1 with err set.
 */
int ovl_config_from_args(struct ovl_config *cfg, int argc, char **argv,
			 char **mountpoint, struct cs_error *err);

/* The usage text of cshell-fs. */
void ovl_usage(FILE *out, const char *prog);

/*
 * Opens the layers, mounts the filesystem on mountpoint and serves it
 * until it is unmounted (or SIGINT/SIGTERM/SIGHUP).  Daemonizes unless
 * cfg->foreground, after the mount succeeded, so the caller's exit status
 * tells whether the mount exists.  Returns 0 after a clean unmount, or -1
 * with err set (bad layer, mount refused, …).
 */
int ovl_serve(struct ovl_config *cfg, const char *mountpoint,
	      struct cs_error *err);

/* Whiteout naming (OCI image spec, "Whiteouts"). */
#define OVL_WH_PREFIX ".wh."
#define OVL_WH_OPAQUE ".wh..wh..opq"

/* True when name is an OCI whiteout marker (".wh.*", the opaque marker
 * included); such names never appear in the merged view. */
bool ovl_name_is_marker(const char *name);
/* For ".wh.NAME" returns NAME (a pointer into name); NULL otherwise, also
 * for the opaque marker. */
const char *ovl_whiteout_target(const char *name);

#endif
