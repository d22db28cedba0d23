/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.h — OCI images: references, the registry client, the
 * content-addressed store and safe layer unpacking.
 *
 * The store lives under the data root (docs/design.md §3): blobs/sha256/<hex>
 * holds every verified blob, layers/sha256/<diffid-hex>/ each layer
 * unpacked once (OCI whiteouts kept as regular files for cshell-fs), and
 * images.json the list of complete images.  Other modules use
 * img_resolve() to turn a reference into layer directories and the image
 * config; the shell's `image` builtin drives the rest.
 *
 * Thread safety: none of these functions share mutable state, so distinct
 * calls may run in different threads; the store itself is guarded by file
 * locks, so several processes may use it at once.
 */
#ifndef CSHELL_IMAGE_IMAGE_H
#define CSHELL_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

/* Limits on untrusted input. */
#define IMG_MAX_MANIFEST_SIZE (4u << 20) /* manifest, index, config JSON */
#define IMG_MAX_LAYERS 256
#define IMG_DEFAULT_MAX_FILE_SIZE (8ull << 30)	 /* one file in a layer */
#define IMG_DEFAULT_MAX_LAYER_SIZE (64ull << 30) /* a layer, uncompressed */
#define IMG_MAX_LAYER_ENTRIES (4u << 20)	 /* tar entries in a layer */

/* "sha256:" + 64 hex digits + NUL */
#define IMG_DIGEST_LEN 72

/* ------------------------------------------------------------------ */
/* References: [REGISTRY/]REPO[:TAG][@sha256:HEX]
 *
 * A first component with a '.' or ':' or equal to "localhost" names the
 * registry; otherwise the registry is docker.io and a one-component repo
 * gets the "library/" prefix.  Without tag and digest the tag is
 * "latest". */
struct img_ref {
	char *registry; /* "docker.io", "localhost:5000" */
	char *repo;	/* "library/busybox" */
	char *tag;	/* NULL when only a digest was given */
	char *digest;	/* NULL or "sha256:<hex>" */
};

/* Parses s into ref (all fields malloc'd).  Returns 0, or -1 with err set
 * (ref then holds nothing to release). */
int img_ref_parse(struct img_ref *ref, const char *s, struct cs_error *err);
void img_ref_release(struct img_ref *ref);
/* Returns the malloc'd canonical name "registry/repo:tag" (or
 * "registry/repo@digest" without a tag). */
char *img_ref_name(const struct img_ref *ref);
/* The name of a local image as the user gave it ("imported/bb" ->
 * "imported/bb:latest", no docker.io/ or library/ added), for `image
 * import --name`; the canonical name when s names a registry or a
 * digest.  NULL with err set when s is not a valid reference. */
char *img_ref_given_name(const char *s, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* Digests */

/* True when d is "sha256:" followed by 64 lower-case hex digits. */
int img_digest_valid(const char *d);

/* ------------------------------------------------------------------ */
/* Manifests, indexes and configs (parsers of untrusted JSON). */

enum img_manifest_kind {
	IMG_KIND_MANIFEST, /* OCI image manifest / Docker v2 schema 2 */
	IMG_KIND_INDEX,	   /* OCI image index / Docker manifest list */
};

enum img_compression {
	IMG_COMP_NONE,
	IMG_COMP_GZIP,
	IMG_COMP_ZSTD,
};

struct img_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	enum img_compression comp; /* layers only */
	/* index entries only (may be NULL) */
	char *os;
	char *arch;
	char *variant;
};

struct img_manifest {
	enum img_manifest_kind kind;
	char *media_type;
	struct img_descriptor config; /* IMG_KIND_MANIFEST */
	struct img_descriptor *layers;
	size_t n_layers;
	struct img_descriptor *manifests; /* IMG_KIND_INDEX */
	size_t n_manifests;
};

/* Parses a manifest or index of at most IMG_MAX_MANIFEST_SIZE bytes.
 * content_type (the HTTP Content-Type, may be NULL) is used when the
 * document has no mediaType.  Refuses schema 1, unknown media types, bad
 * digests, negative sizes and more than IMG_MAX_LAYERS layers.  Returns 0
 * or -1 with err set. */
int img_manifest_parse(struct img_manifest *m, const char *data, size_t len,
		       const char *content_type, struct cs_error *err);
void img_manifest_release(struct img_manifest *m);
/* Picks the entry of an index matching platform "os/arch[/variant]" (NULL:
 * the host's).  Returns the entry (owned by idx) or NULL with err set. */
const struct img_descriptor *img_index_select(const struct img_manifest *idx,
					      const char *platform,
					      struct cs_error *err);
/* Returns the host platform as a static "linux/amd64"-style string. */
const char *img_host_platform(void);

/* The parts of an image config the sandbox applies. */
struct img_config {
	char **env; /* NULL-terminated "K=V" strings */
	char **entrypoint;
	char **cmd;
	char *workdir; /* NULL when unset */
	char *user;
	char *os;
	char *arch;
	char *created;
	char **diff_ids; /* rootfs.diff_ids, NULL-terminated */
	size_t n_diff_ids;
};

int img_config_parse(struct img_config *c, const char *data, size_t len,
		     struct cs_error *err);
void img_config_release(struct img_config *c);

/* ------------------------------------------------------------------ */
/* Layer unpacking */

struct img_unpack_opts {
	uint64_t max_file_size;	     /* 0: IMG_DEFAULT_MAX_FILE_SIZE */
	uint64_t max_layer_size;     /* 0: IMG_DEFAULT_MAX_LAYER_SIZE */
	const char *expected_diffid; /* NULL: not checked */
	/* The caller verifies these very bytes against expected_diffid
	 * itself (an uncompressed layer whose blob digest is its diff id):
	 * do not hash them a second time. */
	int diffid_verified;
};

/* Unpacks the (gzip, zstd or plain) tar layer read from fd into the
 * existing empty directory dest, safely: refuses absolute paths, "..",
 * entries below a symlink, hard links to outside the layer, files over the
 * size cap, layers whose uncompressed tar exceeds the layer cap (a
 * decompression bomb); setuid/setgid bits, ownership, device nodes and
 * trusted.* / security.* xattrs only as root (otherwise dropped: see
 * docs/image.md); user.* xattrs always.  OCI whiteouts stay regular
 * files.  Stores the diff id (sha256 of the uncompressed tar) in diffid
 * and fails when it differs from opts->expected_diffid.  On failure dest
 * may hold a partial tree: the caller removes it.  Returns 0 or -1. */
int img_unpack(int fd, const char *dest, const struct img_unpack_opts *opts,
	       char diffid[IMG_DIGEST_LEN], struct cs_error *err);

/* ------------------------------------------------------------------ */
/* Pulling */

enum img_pull_flags {
	IMG_PULL_INSECURE = 1 << 0, /* allow plain http for this registry */
	IMG_PULL_QUIET = 1 << 1,    /* no progress output */
};

struct img_pull_opts {
	unsigned flags;
	const char *platform; /* NULL: the host's */
	unsigned parallel;    /* concurrent blob downloads, 0: 4 */
};

/* Pulls ref into the store.  Every blob is verified by sha256 before it
 * enters the store; the image is listed only once complete.  Plain http is
 * used only when the registry is marked insecure (flag, or a line
 * "insecure HOST[:PORT]" in <config root>/registries).  Credentials come
 * from $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or
 * ~/.docker/config.json.  Stores the manifest digest in digest (may be
 * NULL).  Returns 0 or -1 with err set. */
int img_pull(const char *ref, const struct img_pull_opts *opts,
	     char digest[IMG_DIGEST_LEN], struct cs_error *err);

/* Asks running pulls to stop; async-signal-safe (for a SIGINT handler).
 * They then fail with err->code EINTR, keeping what they downloaded in
 * the store's partial/ directory for the next pull of the same blobs to
 * resume. */
void img_interrupt(void);
/* Nonzero once img_interrupt() was called. */
int img_interrupted(void);

/* The malloc'd path of the registries config file,
 * <config root>/registries: lines "insecure HOST[:PORT]" (plain http)
 * and "secure HOST[:PORT]" (https even for a loopback registry). */
char *img_registries_config_path(void);
/* True when registry ("HOST[:PORT]") is a loopback address, literally
 * (127.0.0.0/8, ::1) or "localhost": plain http by default, as docker
 * does; no DNS lookup is made. */
int img_registry_loopback(const char *registry);

/* Pushes the stored image src to dst (NULL: src's own name): each blob
 * the registry lacks is mounted from another repository of the same
 * registry holding it (another name of the image) or uploaded, then the
 * manifest is put under dst's tag.  Same insecure/credential rules as
 * img_pull (flags: IMG_PULL_INSECURE).  Stores the manifest digest in
 * digest (may be NULL).  Returns 0 or -1 with err set. */
int img_push(const char *src, const char *dst, unsigned flags,
	     char digest[IMG_DIGEST_LEN], struct cs_error *err);

/* Imports an image from a docker-archive tarball (`docker save`, `podman
 * save`; named by name, else its RepoTags) or from an OCI layout
 * "DIR[:TAG]" (TAG: the
 * org.opencontainers.image.ref.name annotation; may be omitted when the
 * layout holds one image).  The layout is untrusted: every blob is
 * verified, layers are unpacked safely.  The image is named name, else
 * after a full reference in the annotation, else
 * "localhost/<dir name>:<tag>".  Returns 0 or -1 with err set. */
int img_import(const char *spec, const char *name, const char *platform,
	       char digest[IMG_DIGEST_LEN], struct cs_error *err);
/* Writes a stored image into the OCI layout "DIR[:TAG]" (created when
 * missing; other images in it are kept; TAG defaults to ref's tag), or,
 * for a spec ending in ".tar", into a docker-archive tagged with ref's
 * name. */
int img_export(const char *ref, const char *spec, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* The store */

struct img_info {
	char *digest; /* manifest digest */
	char *config; /* config digest; its first 12 hex digits are the id */
	char **names; /* NULL-terminated canonical names */
	size_t n_names;
	size_t n_layers;
	uint64_t size; /* compressed size of config and layers */
	char *os;
	char *arch;
	char *created; /* from the config, may be NULL */
};

struct img_list {
	struct img_info *v;
	size_t n;
};

/* Lists complete images (a shared lock is held while reading). */
int img_list(struct img_list *out, struct cs_error *err);
void img_list_release(struct img_list *l);

/* Returns the malloc'd JSON array of the images (as `image ls --json`
 * prints it), or NULL with err set. */
char *img_list_json(struct cs_error *err);

/* Finds an image by name ("busybox", "localhost:5000/x:1"), by
 * name@digest, or by a prefix (>= 4 hex digits) of its id or manifest
 * digest.  Returns 0 and fills info, -1 with err set (code ENOENT when no
 * image matches). */
int img_find(const char *ref, struct img_info *info, struct cs_error *err);
void img_info_release(struct img_info *info);

/* Returns the malloc'd JSON text of an image: its store record plus its
 * manifest and config documents. */
char *img_inspect_json(const char *ref, struct cs_error *err);

/* Adds name dst to the image src names; dst moves off any other image. */
int img_tag(const char *src, const char *dst, struct cs_error *err);
/* Removes one name (or, given an id/digest, the whole image).  An image
 * left without names is dropped and its unshared blobs and layers freed
 * -- unless a sandbox uses it (all its layer directories are among a
 * sandbox record's layers, sandbox/sandbox.h): then this fails with code
 * EBUSY naming the sandboxes, or with force removes the name(s) only and
 * keeps the image, nameless.  Returns 0 or -1 with err set. */
int img_rm(const char *ref, int force, struct cs_error *err);

struct img_prune_stats {
	size_t blobs;
	size_t layers;
	uint64_t bytes;
};

/* Drops nameless images no sandbox uses, then deletes blobs, unpacked
 * layers and leftovers of interrupted pulls (partial downloads too)
 * that no image references; layer directories a sandbox record names
 * are always kept.  Waits for pulls in progress. */
int img_prune(struct img_prune_stats *st, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* For the sandbox: a reference resolved to layer directories. */

struct img_resolved {
	char **layers; /* absolute layer dirs, top first, NULL-terminated */
	size_t n_layers;
	struct img_config config;
	char digest[IMG_DIGEST_LEN];
};

/* Resolves a stored image (no pull).  Returns 0, or -1 with err set (code
 * ENOENT when the image is not in the store). */
int img_resolve(const char *ref, struct img_resolved *out,
		struct cs_error *err);
void img_resolved_release(struct img_resolved *r);
/* img_resolve(), pulling ref first when the store lacks it (what
 * `sandbox create --image REF` wants).  opts may be NULL. */
int img_resolve_or_pull(const char *ref, const struct img_pull_opts *opts,
			struct img_resolved *out, struct cs_error *err);

/* ------------------------------------------------------------------ */
/* Builds (a Cshellfile's steps; docs/image.md "Builds").  The shell runs
 * the steps in sandboxes; image/ keys them, caches their layers and
 * makes images of them. */

/* The cache key of a step: sha256 over the parent layer's digest ("" for
 * the base), the step's text, its environment ("K=V", NULL-terminated,
 * may be NULL) and, for a copy, the content digest of its input. */
void img_build_key(const char *parent, const char *text, char *const *env,
		   const char *content, char key[IMG_DIGEST_LEN]);
/* Looks key up in <data>/build-cache/: 1 and the layer's diff id and
 * malloc'd directory when cached (and its blob and layer are still in
 * the store), 0 when not, -1 + err. */
int img_cache_get(const char *key, char diffid[IMG_DIGEST_LEN],
		  char **layer_dir, struct cs_error *err);
/* Remembers that step key made layer diffid (atomic write). */
int img_cache_put(const char *key, const char *diffid, struct cs_error *err);

enum img_layer_flags {
	/* src is a sandbox's upper layer: kernel whiteouts (char 0:0) and
	 * opaque xattrs become OCI .wh. entries */
	IMG_LAYER_UPPER = 1 << 0,
	/* owner root, mtime 0: the digest depends on the content only */
	IMG_LAYER_NORMALIZE = 1 << 1,
	/* mtime 0, owners kept: a build step's layer is the same wherever
	 * and whenever the step ran (Cshellfile.lock, `up --on`) */
	IMG_LAYER_NO_MTIME = 1 << 2,
};

/* Stores a layer made of directory src (its children at the layer's
 * root) or, with prefix ("usr/share/x", no leading '/'), of the file or
 * tree src placed at prefix: an uncompressed tar blob (digest = diff id,
 * in diffid) unpacked into layers/ by the safe unpacker; *layer_dir gets
 * the malloc'd layer directory.  Returns 0 or -1 + err. */
int img_layer_from_dir(const char *src, const char *prefix, unsigned flags,
		       char diffid[IMG_DIGEST_LEN], char **layer_dir,
		       struct cs_error *err);

/* What an image build sets in the config (NULL: the base's). */
struct img_build_config {
	char **env; /* replaces the base's Env */
	const char *workdir;
	const char *user;
	char **cmd; /* replaces Cmd and drops the base's Entrypoint */
};

/* Records image name = the stored image base (NULL: none, "scratch")
 * plus the stored layers diffids (bottom first, NULL-terminated), one
 * manifest layer each, and cfg.  Stores the manifest digest in digest.
 * Returns 0 or -1 + err. */
int img_build_image(const char *name, const char *base, char *const *diffids,
		    const struct img_build_config *cfg,
		    char digest[IMG_DIGEST_LEN], struct cs_error *err);

/* The `image` command line (cli.c), argv[0] being "image": what
 * `cshell image …` and the shell's image builtin run, as the cshell-image
 * program.  Returns the exit status. */
int img_cli(int argc, char **argv);

#endif
