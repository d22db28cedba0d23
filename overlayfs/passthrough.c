// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * passthrough.c — the kernel's FUSE passthrough (Linux >= 6.9) and
 * O_TMPFILE with libfuse 3.14, which predates both.
 *
 * With passthrough the kernel reads and writes an open file's backing file
 * itself: no request per read or write and the backing filesystem's page
 * cache.  libfuse 3.14 can neither ask for it at INIT nor reply to an open
 * with a backing id, so:
 *  - the session's I/O goes through the custom io hooks below, which note
 *    the INIT request and add FUSE_PASSTHROUGH and max_stack_depth to
 *    libfuse's INIT reply;
 *  - backing files are registered with the FUSE_DEV_IOC_BACKING_OPEN ioctl
 *    (root in the initial user namespace only), one per node while it has
 *    passthrough opens;
 *  - open and create replies carrying the backing id are built here and
 *    sent with fuse_reply_buf().
 * The same read hook answers FUSE_TMPFILE (O_TMPFILE, protocol 7.37),
 * which libfuse 3.14 would answer ENOSYS, with ovl_tmpfile() in ops.c; for
 * that the session's requests are read, never spliced.
 * The wire structures come from the kernel's include/uapi/linux/fuse.h
 * (protocol 7.40); Debian 12's headers stop at 7.38.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "overlayfs/ovl_i.h"

#define PT_INIT_OPCODE 26	       /* FUSE_INIT */
#define PT_FLAG2_PASSTHROUGH (1u << 5) /* FUSE_PASSTHROUGH >> 32 */
#define PT_FOPEN_PASSTHROUGH (1u << 7)
#define PT_FOPEN_KEEP_CACHE (1u << 1)
#define PT_STACK_DEPTH 1	  /* backing files sit on plain filesystems */
#define PT_KILLPRIV_V2 (1u << 28) /* FUSE_HANDLE_KILLPRIV_V2, init flags */
#define PT_OPEN_OPCODE 14
#define PT_WRITE_OPCODE 16
#define PT_OPEN_KILL_SUIDGID (1u << 0)	/* fuse_open_in.open_flags */
#define PT_WRITE_KILL_SUIDGID (1u << 2) /* fuse_write_in.write_flags */

__thread bool ovl_req_kill_suidgid;

struct pt_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct pt_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct pt_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, max_stack_depth;
	uint32_t unused[6];
};

struct pt_open_in {
	uint32_t flags, open_flags;
};

struct pt_write_in {
	uint64_t fh, offset;
	uint32_t size, write_flags;
};

struct pt_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define PT_IOC_BACKING_OPEN _IOW(229, 1, struct pt_backing_map)
#define PT_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

const unsigned long ovl_pt_ioctls[2] = { PT_IOC_BACKING_OPEN,
					 PT_IOC_BACKING_CLOSE };

struct pt_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};

struct pt_attr {
	uint64_t ino, size, blocks, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec;
	uint32_t mode, nlink, uid, gid, rdev, blksize, flags;
};

struct pt_entry_out {
	uint64_t nodeid, generation, entry_valid, attr_valid;
	uint32_t entry_valid_nsec, attr_valid_nsec;
	struct pt_attr attr;
};

struct pt_init_in {
	uint32_t major, minor, max_readahead, flags, flags2;
	uint32_t unused[11];
};

#define PT_TMPFILE_OPCODE 51 /* FUSE_TMPFILE, protocol 7.37 */

struct pt_create_in {
	uint32_t flags, mode, umask, open_flags;
};

static void fill_entry(struct pt_entry_out *o,
		       const struct fuse_entry_param *e);

/* Answers FUSE_TMPFILE, which libfuse 3.14 does not know: the reply is a
 * create's (entry + open). */
static void tmpfile_request(struct ovl_fs *fs, int fd, const void *buf,
			    size_t len)
{
	const struct pt_in_header *h = buf;
	const struct pt_create_in *in = (const void *)(h + 1);
	struct pt_out_header oh = { .unique = h->unique };
	struct {
		struct pt_entry_out entry;
		struct pt_open_out open;
	} out;
	struct iovec iov[2] = { { &oh, sizeof(oh) }, { &out, sizeof(out) } };
	struct fuse_entry_param e;
	struct fuse_file_info fi;
	int backing_id = 0, r = -EPROTO;

	memset(&out, 0, sizeof(out));
	memset(&fi, 0, sizeof(fi));
	if (len >= sizeof(*h) + sizeof(*in))
		r = ovl_tmpfile(fs, h->nodeid, h->uid, h->gid, in->flags,
				in->mode, &e, &fi, &backing_id);
	if (r < 0) {
		oh.error = r;
		oh.len = sizeof(oh);
		writev(fd, iov, 1);
		return;
	}
	fill_entry(&out.entry, &e);
	out.open.fh = fi.fh;
	out.open.open_flags =
		backing_id ? PT_FOPEN_PASSTHROUGH : PT_FOPEN_KEEP_CACHE;
	out.open.backing_id = backing_id;
	oh.len = sizeof(oh) + sizeof(out);
	if (writev(fd, iov, 2) < 0)
		ovl_tmpfile_abort(fs, &e, &fi); /* interrupted meanwhile */
}

/* Notes the INIT request and what the kernel offers, answers FUSE_TMPFILE
 * requests itself, and tells the thread about to handle an open or write
 * whether the kernel asks it to clear the setuid and setgid bits (the
 * handle_killpriv_v2 flags, which libfuse 3.14 drops). */
static ssize_t pt_read(int fd, void *buf, size_t len, void *userdata)
{
	struct ovl_fs *fs = userdata;
	ssize_t r;
	const struct pt_in_header *h = buf;

	for (;;) {
		r = read(fd, buf, len);
		if (ovl_reqstats && r >= (ssize_t)sizeof(*h))
			ovl_reqstats_count(h->opcode);
		if (r < (ssize_t)sizeof(*h) || h->opcode != PT_TMPFILE_OPCODE)
			break;
		tmpfile_request(fs, fd, buf, (size_t)r);
	}
	ovl_req_kill_suidgid = false;
	if (r >= (ssize_t)(sizeof(*h) + sizeof(struct pt_open_in)) &&
	    h->opcode == PT_OPEN_OPCODE) {
		const struct pt_open_in *in = (const void *)(h + 1);

		ovl_req_kill_suidgid = in->open_flags & PT_OPEN_KILL_SUIDGID;
	} else if (r >= (ssize_t)(sizeof(*h) + sizeof(struct pt_write_in)) &&
		   h->opcode == PT_WRITE_OPCODE) {
		const struct pt_write_in *in = (const void *)(h + 1);

		ovl_req_kill_suidgid = in->write_flags & PT_WRITE_KILL_SUIDGID;
	}

	if (r >= (ssize_t)(sizeof(*h) + offsetof(struct pt_init_in, unused)) &&
	    h->opcode == PT_INIT_OPCODE) {
		const struct pt_init_in *in = (const void *)(h + 1);

		fs->pt_kernel = in->major == 7 && in->minor >= 40 &&
				(in->flags2 & PT_FLAG2_PASSTHROUGH);
		fs->kp2_kernel = in->major == 7 && in->minor >= 33 &&
				 (in->flags & PT_KILLPRIV_V2);
		__atomic_store_n(&fs->pt_init_unique, h->unique,
				 __ATOMIC_RELEASE);
	}
	return r;
}

static ssize_t pt_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct ovl_fs *fs = userdata;
	uint64_t init = __atomic_load_n(&fs->pt_init_unique, __ATOMIC_ACQUIRE);

	ovl_loop_replying();

	if (init && count >= 2 &&
	    iov[0].iov_len == sizeof(struct pt_out_header) &&
	    ((struct pt_out_header *)iov[0].iov_base)->unique == init &&
	    ((struct pt_out_header *)iov[0].iov_base)->error == 0 &&
	    iov[1].iov_len >= offsetof(struct pt_init_out, unused)) {
		struct pt_init_out *o = iov[1].iov_base;

		if (fs->passthrough) {
			o->flags2 |= PT_FLAG2_PASSTHROUGH;
			o->max_stack_depth = PT_STACK_DEPTH;
		}
		/* We clear setuid/setgid ourselves (ops.c, kill_suidgid): the
		 * kernel then stops asking for security.capability before
		 * every write and for the mode before every chown. */
		if (fs->kp2_kernel) {
			o->flags |= PT_KILLPRIV_V2;
			fs->killpriv = true;
		}
		fs->pt_init_unique = 0;
	}
	return writev(fd, iov, count);
}

static ssize_t pt_splice(int fdin, off_t *offin, int fdout, off_t *offout,
			 size_t len, unsigned int flags, void *userdata)
{
	(void)userdata;
	ovl_loop_replying();
	return splice(fdin, offin, fdout, offout, len, flags);
}

/* The backing ioctl wants CAP_SYS_ADMIN in the initial user namespace:
 * root with the identity uid map. */
static bool pt_possible(void)
{
	char line[128];
	unsigned long a, b, c;
	FILE *f;
	bool full = false;

	if (geteuid() != 0 || !(f = fopen("/proc/self/uid_map", "re")))
		return false;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%lu %lu %lu", &a, &b, &c) == 3)
		full = a == 0 && b == 0 && c == 4294967295UL;
	fclose(f);
	return full;
}

int ovl_pt_setup(struct ovl_fs *fs, struct fuse_session *se)
{
	/* no splice_receive: requests are read, so the hook sees each */
	static const struct fuse_custom_io io = {
		.read = pt_read,
		.writev = pt_writev,
		.splice_send = pt_splice,
	};
	int fd = fuse_session_fd(se);

	if (fs->cfg->passthrough && pt_possible())
		fs->pt_devfd = fd;
	return fuse_session_custom_io(se, &io, fd);
}

int ovl_pt_open_backing(struct ovl_fs *fs, int fd)
{
	struct pt_backing_map map = { .fd = fd };
	int id = ioctl(fs->pt_devfd, PT_IOC_BACKING_OPEN, &map);

	return id > 0 ? id : -1;
}

void ovl_pt_close_backing(struct ovl_fs *fs, int id)
{
	uint32_t v = (uint32_t)id;

	ioctl(fs->pt_devfd, PT_IOC_BACKING_CLOSE, &v);
}

static void fill_open(struct pt_open_out *o, const struct fuse_file_info *fi,
		      int backing_id)
{
	memset(o, 0, sizeof(*o));
	o->fh = fi->fh;
	o->open_flags = PT_FOPEN_PASSTHROUGH;
	o->backing_id = backing_id;
}

int ovl_pt_reply_open(fuse_req_t req, const struct fuse_file_info *fi,
		      int backing_id)
{
	struct pt_open_out o;

	fill_open(&o, fi, backing_id);
	return fuse_reply_buf(req, (const char *)&o, sizeof(o));
}

static uint32_t nsec_of(double t)
{
	double frac = t - (double)(uint64_t)t;

	return frac > 0 ? (uint32_t)(frac * 1e9) : 0;
}

static void fill_entry(struct pt_entry_out *o, const struct fuse_entry_param *e)
{
	const struct stat *st = &e->attr;

	memset(o, 0, sizeof(*o));
	o->nodeid = e->ino;
	o->generation = e->generation;
	o->entry_valid = (uint64_t)e->entry_timeout;
	o->entry_valid_nsec = nsec_of(e->entry_timeout);
	o->attr_valid = (uint64_t)e->attr_timeout;
	o->attr_valid_nsec = nsec_of(e->attr_timeout);
	o->attr.ino = st->st_ino;
	o->attr.mode = st->st_mode;
	o->attr.nlink = st->st_nlink;
	o->attr.uid = st->st_uid;
	o->attr.gid = st->st_gid;
	o->attr.rdev = st->st_rdev;
	o->attr.size = st->st_size;
	o->attr.blksize = st->st_blksize;
	o->attr.blocks = st->st_blocks;
	o->attr.atime = st->st_atim.tv_sec;
	o->attr.mtime = st->st_mtim.tv_sec;
	o->attr.ctime = st->st_ctim.tv_sec;
	o->attr.atimensec = st->st_atim.tv_nsec;
	o->attr.mtimensec = st->st_mtim.tv_nsec;
	o->attr.ctimensec = st->st_ctim.tv_nsec;
}

int ovl_pt_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			const struct fuse_file_info *fi, int backing_id)
{
	struct {
		struct pt_entry_out entry;
		struct pt_open_out open;
	} out;

	fill_entry(&out.entry, e);
	fill_open(&out.open, fi, backing_id);
	return fuse_reply_buf(req, (const char *)&out, sizeof(out));
}
