// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * difftest.c — the differential tester of cshell-fs: applies one seeded
 * random sequence of filesystem operations to two mounted trees (a
 * cshell-fs mount and a kernel overlayfs mount over identical layers),
 * compares every result and errno step by step, then compares the final
 * trees (names, types, modes, owners, sizes, contents, link counts of
 * non-directories, user xattrs).  Exit 0 when nothing differed.
 *
 * With --integrity it is the data-integrity exerciser instead: random
 * reads, writes, truncates and shared-mmap writes on one file (open
 * through two descriptors, one of them opened before the first write so
 * that it crosses the copy-up) checked against a shadow copy in memory.
 *
 * usage: ovl-difftest [-v] SEED NOPS TREE_A TREE_B
 *        ovl-difftest --integrity SEED NOPS FILE
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static uint64_t rng;
static int verbose;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Paths come from a small pool so that operations collide often: the
 * names the layer generator of the test scripts uses, plus new ones. */
static const char *const names[] = { "a", "b",	 "c",	"d", "e",
				     "f", "sub", "dir", "x", "y" };

static void rand_path(char *buf, size_t size)
{
	int depth = 1 + pick(3);
	size_t n = 0;

	for (int i = 0; i < depth; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? "/" : "",
			      names[pick(sizeof(names) / sizeof(names[0]))]);
}

static char **list(int dfd, size_t *count);

enum op {
	OP_CREATE,
	OP_WRITE,
	OP_TRUNC,
	OP_MKDIR,
	OP_RMDIR,
	OP_UNLINK,
	OP_RENAME,
	OP_LINK,
	OP_SYMLINK,
	OP_CHMOD,
	OP_CHOWN,
	OP_UTIMES,
	OP_SETXATTR,
	OP_RMXATTR,
	OP_READ,
	OP_STAT,
	OP_LIST,
	OP_MMAP,
	OP_EXCHANGE,
	OP_TMPFILE,
	OP_COUNT
};

static const char *const op_names[] = {
	"create", "write",  "truncate",	  "mkdir",	 "rmdir",
	"unlink", "rename", "link",	  "symlink",	 "chmod",
	"chown",  "utimes", "setxattr",	  "removexattr", "read",
	"stat",	  "list",   "mmap-write", "exchange",	 "tmpfile+link"
};

struct args {
	enum op op;
	char p1[256], p2[256];
	unsigned mode, uid;
	off_t off, len;
	unsigned char byte;
};

/* Runs one operation below root; returns 0 or an errno, and for reads a
 * checksum in *sum. */
static int run(int root, const struct args *a, uint64_t *sum)
{
	int fd, r = 0;

	*sum = 0;
	switch (a->op) {
	case OP_CREATE:
		fd = openat(root, a->p1, O_CREAT | O_EXCL | O_WRONLY, a->mode);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	case OP_WRITE: {
		char buf[4096];

		memset(buf, a->byte, sizeof(buf));
		fd = openat(root, a->p1, O_WRONLY);
		if (fd < 0)
			return errno;
		if (pwrite(fd, buf, a->len % sizeof(buf), a->off) < 0)
			r = errno;
		close(fd);
		return r;
	}
	case OP_READ: {
		char buf[65536];
		ssize_t n;

		fd = openat(root, a->p1, O_RDONLY);
		if (fd < 0)
			return errno;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++)
				*sum = *sum * 131 + (unsigned char)buf[i];
		if (n < 0)
			r = errno;
		close(fd);
		return r;
	}
	case OP_TRUNC:
		fd = openat(root, a->p1, O_WRONLY);
		if (fd < 0)
			return errno;
		if (ftruncate(fd, a->off) < 0)
			r = errno;
		close(fd);
		return r;
	case OP_MKDIR:
		return mkdirat(root, a->p1, a->mode) < 0 ? errno : 0;
	case OP_RMDIR:
		return unlinkat(root, a->p1, AT_REMOVEDIR) < 0 ? errno : 0;
	case OP_UNLINK:
		return unlinkat(root, a->p1, 0) < 0 ? errno : 0;
	case OP_RENAME:
		return renameat(root, a->p1, root, a->p2) < 0 ? errno : 0;
	case OP_EXCHANGE:
		return renameat2(root, a->p1, root, a->p2, RENAME_EXCHANGE) <
				       0 ?
			       errno :
			       0;
	case OP_TMPFILE: {
		/* an O_TMPFILE file in directory p1, written, named p2 */
		char buf[512];

		memset(buf, a->byte, sizeof(buf));
		fd = openat(root, a->p1, O_TMPFILE | O_RDWR, a->mode);
		if (fd < 0)
			return errno;
		if (pwrite(fd, buf, a->len % sizeof(buf), 0) < 0 ||
		    linkat(fd, "", root, a->p2, AT_EMPTY_PATH) < 0)
			r = errno;
		close(fd);
		return r;
	}
	case OP_LINK:
		return linkat(root, a->p1, root, a->p2, 0) < 0 ? errno : 0;
	case OP_SYMLINK:
		return symlinkat(a->p2, root, a->p1) < 0 ? errno : 0;
	case OP_CHMOD:
		return fchmodat(root, a->p1, a->mode, 0) < 0 ? errno : 0;
	case OP_CHOWN:
		return fchownat(root, a->p1, a->uid, a->uid,
				AT_SYMLINK_NOFOLLOW) < 0 ?
			       errno :
			       0;
	case OP_UTIMES: {
		struct timespec ts[2] = { { a->off, 0 }, { a->off, 0 } };

		return utimensat(root, a->p1, ts, AT_SYMLINK_NOFOLLOW) < 0 ?
			       errno :
			       0;
	}
	case OP_SETXATTR:
	case OP_RMXATTR: {
		char path[64], val[2] = { (char)a->byte, 0 };

		/* through an fd of the directory: the xattr calls take paths */
		fd = openat(root, a->p1, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			return errno;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (a->op == OP_SETXATTR)
			r = setxattr(path, "user.t", val, 1, 0) < 0 ? errno : 0;
		else
			r = removexattr(path, "user.t") < 0 ? errno : 0;
		close(fd);
		return r;
	}
	case OP_MMAP: {
		/* write through a shared mapping of the file's first bytes */
		struct stat st;
		char *p;
		size_t n;

		fd = openat(root, a->p1, O_RDWR);
		if (fd < 0)
			return errno;
		if (fstat(fd, &st) < 0 || st.st_size == 0) {
			r = st.st_size == 0 ? 0 : errno;
			close(fd);
			return r;
		}
		n = (size_t)st.st_size < 4096 ? (size_t)st.st_size : 4096;
		p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			r = errno;
			close(fd);
			return r;
		}
		memset(p, a->byte, n / 2 + 1);
		if (msync(p, n, MS_SYNC) < 0)
			r = errno;
		munmap(p, n);
		close(fd);
		return r;
	}
	case OP_STAT: {
		struct stat st;

		if (fstatat(root, a->p1, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno;
		/* what must agree (times and directory link counts need not) */
		*sum = ((uint64_t)st.st_mode << 40) ^
		       ((uint64_t)st.st_uid << 20) ^ (uint64_t)st.st_size * 7 ^
		       (S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_nlink << 56);
		return 0;
	}
	case OP_LIST: {
		size_t n;
		char **v;

		fd = openat(root, a->p1, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return errno;
		v = list(fd, &n);
		close(fd);
		for (size_t i = 0; i < n; i++) {
			for (const char *c = v[i]; *c; c++)
				*sum = *sum * 131 + (unsigned char)*c;
			*sum = *sum * 131 + '/';
			free(v[i]);
		}
		free(v);
		return 0;
	}
	default:
		return EINVAL;
	}
}

static void gen(struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->op = pick(OP_COUNT);
	rand_path(a->p1, sizeof(a->p1));
	rand_path(a->p2, sizeof(a->p2));
	a->mode = (unsigned[]){ 0644, 0755, 0600, 0444, 0700 }[pick(5)];
	a->uid = pick(3) * 1000;
	a->off = pick(4) ? pick(9000) : pick(300000);
	a->len = pick(5000);
	a->byte = 'a' + pick(26);
}

static int mismatches;

static void describe(const struct args *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s %s mode=%o off=%lld", op_names[a->op], a->p1,
		 a->p2, a->mode, (long long)a->off);
}

/* ---------------------------------------------------------- tree compare */

static uint64_t file_sum(int dfd, const char *name)
{
	char buf[65536];
	uint64_t sum = 1;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 131 + (unsigned char)buf[i];
	close(fd);
	return sum;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char **list(int dfd, size_t *count)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	char **v = NULL;
	struct dirent *de;
	size_t n = 0;

	*count = 0;
	if (!dp)
		return NULL;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), cmp_names);
	*count = n;
	return v;
}

static void tree_diff(int da, int db, const char *rel)
{
	size_t na, nb;
	char **va = list(da, &na), **vb = list(db, &nb);
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(va[i], vb[j]);
		struct stat sa, sb;
		char xa[64] = "", xb[64] = "";

		if (c) {
			printf("  tree: %s/%s only in %s\n", rel,
			       c < 0 ? va[i] : vb[j], c < 0 ? "A" : "B");
			mismatches++;
			c < 0 ? i++ : j++;
			continue;
		}
		fstatat(da, va[i], &sa, AT_SYMLINK_NOFOLLOW);
		fstatat(db, vb[j], &sb, AT_SYMLINK_NOFOLLOW);
		if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid ||
		    sa.st_gid != sb.st_gid ||
		    (!S_ISDIR(sa.st_mode) && (sa.st_size != sb.st_size ||
					      sa.st_nlink != sb.st_nlink))) {
			printf("  tree: %s/%s differs: mode %o/%o uid %u/%u size %lld/%lld nlink %lu/%lu\n",
			       rel, va[i], sa.st_mode, sb.st_mode, sa.st_uid,
			       sb.st_uid, (long long)sa.st_size,
			       (long long)sb.st_size,
			       (unsigned long)sa.st_nlink,
			       (unsigned long)sb.st_nlink);
			mismatches++;
		} else if (S_ISREG(sa.st_mode) &&
			   file_sum(da, va[i]) != file_sum(db, vb[j])) {
			printf("  tree: %s/%s contents differ\n", rel, va[i]);
			mismatches++;
		}
		if (S_ISDIR(sa.st_mode) || S_ISREG(sa.st_mode)) {
			int fa = openat(da, va[i], O_RDONLY | O_NOFOLLOW);
			int fb = openat(db, vb[j], O_RDONLY | O_NOFOLLOW);
			ssize_t la = fa >= 0 ? fgetxattr(fa, "user.t", xa,
							 sizeof(xa)) :
					       -1;
			ssize_t lb = fb >= 0 ? fgetxattr(fb, "user.t", xb,
							 sizeof(xb)) :
					       -1;

			if (la != lb || (la > 0 && memcmp(xa, xb, la))) {
				printf("  tree: %s/%s xattr user.t differs\n",
				       rel, va[i]);
				mismatches++;
			}
			if (S_ISDIR(sa.st_mode) && fa >= 0 && fb >= 0) {
				char sub[4096];

				snprintf(sub, sizeof(sub), "%s/%s", rel, va[i]);
				tree_diff(fa, fb, sub);
			}
			if (fa >= 0)
				close(fa);
			if (fb >= 0)
				close(fb);
		}
		i++;
		j++;
	}
	for (i = 0; i < na; i++)
		free(va[i]);
	for (j = 0; j < nb; j++)
		free(vb[j]);
	free(va);
	free(vb);
}

#define SHADOW_MAX (1 << 20)

/* Data-integrity exerciser: returns the number of wrong reads. */
static int integrity(const char *path, long nops)
{
	unsigned char *shadow = calloc(1, SHADOW_MAX),
		      *buf = malloc(SHADOW_MAX);
	int rfd = open(path, O_RDONLY), wfd = -1, bad = 0;
	off_t size;
	ssize_t n;

	if (rfd < 0 || !shadow || !buf) {
		perror("ovl-difftest: integrity file");
		return 1;
	}
	n = pread(rfd, shadow, SHADOW_MAX, 0);
	size = n < 0 ? 0 : n;
	for (long i = 0; i < nops; i++) {
		unsigned op = pick(4);
		off_t off = pick(SHADOW_MAX / 2), len = 1 + pick(65536);

		if (op != 3 && wfd < 0 && (wfd = open(path, O_RDWR)) < 0)
			return perror("ovl-difftest: open for write"), 1;
		if (op == 0) { /* write */
			unsigned char c = 'a' + pick(26);

			memset(buf, c, len);
			if (pwrite(wfd, buf, len, off) != len)
				return perror("ovl-difftest: write"), 1;
			memset(shadow + off, c, len);
			if (off + len > size)
				size = off + len;
		} else if (op == 1) { /* truncate */
			off_t ns = pick(SHADOW_MAX / 2);

			if (ftruncate(wfd, ns) < 0)
				return perror("ovl-difftest: truncate"), 1;
			if (ns < size)
				memset(shadow + ns, 0, size - ns);
			size = ns;
		} else if (op == 2 && size > 0) { /* shared mmap write */
			off_t mo = pick(size) & ~4095L, ml = size - mo;
			unsigned char c = 'A' + pick(26), *p;

			if (ml > 8192)
				ml = 8192;
			p = mmap(NULL, ml, PROT_READ | PROT_WRITE, MAP_SHARED,
				 wfd, mo);
			if (p == MAP_FAILED)
				return perror("ovl-difftest: mmap"), 1;
			memset(p, c, ml / 2 + 1);
			memset(shadow + mo, c, ml / 2 + 1);
			if (msync(p, ml, MS_SYNC) < 0)
				return perror("ovl-difftest: msync"), 1;
			munmap(p, ml);
		}
		/* read back through the descriptor opened first */
		{
			struct stat st;
			off_t ro = pick(size + 1);

			n = pread(rfd, buf, SHADOW_MAX, ro);
			if (fstat(rfd, &st) < 0 || st.st_size != size ||
			    n != size - ro || memcmp(buf, shadow + ro, n)) {
				if (bad++ < 5)
					printf("  op %ld: read at %lld: %zd bytes (size %lld, want %lld)%s\n",
					       i, (long long)ro, n,
					       (long long)st.st_size,
					       (long long)size,
					       n == size - ro ?
						       ", data differs" :
						       "");
			}
		}
	}
	printf("  %ld operations, %d bad reads\n", nops, bad);
	close(rfd);
	if (wfd >= 0)
		close(wfd);
	free(shadow);
	free(buf);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	long nops;
	int ra, rb, argi = 1;

	if (argc == 5 && !strcmp(argv[1], "--integrity")) {
		rng = strtoull(argv[2], NULL, 0) * 2654435761ULL +
		      88172645463325252ULL;
		return integrity(argv[4], strtol(argv[3], NULL, 0));
	}

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		argi++;
	}
	if (argc - argi != 4) {
		fprintf(stderr,
			"usage: ovl-difftest [-v] SEED NOPS TREE_A TREE_B\n");
		return 2;
	}
	rng = strtoull(argv[argi], NULL, 0) * 2654435761ULL +
	      88172645463325252ULL;
	nops = strtol(argv[argi + 1], NULL, 0);
	ra = open(argv[argi + 2], O_RDONLY | O_DIRECTORY);
	rb = open(argv[argi + 3], O_RDONLY | O_DIRECTORY);
	if (ra < 0 || rb < 0) {
		perror("ovl-difftest: cannot open a tree");
		return 2;
	}
	umask(022);
	for (long i = 0; i < nops; i++) {
		struct args a;
		uint64_t sa, sb;
		int ea, eb;
		char d[700];

		gen(&a);
		ea = run(ra, &a, &sa);
		eb = run(rb, &a, &sb);
		describe(&a, d, sizeof(d));
		if (verbose)
			printf("  %ld: %s -> %d %d\n", i, d, ea, eb);
		if (ea != eb || sa != sb) {
			printf("  op %ld: %s: cshell-fs %s, kernel %s%s\n", i,
			       d, ea ? strerror(ea) : "ok",
			       eb ? strerror(eb) : "ok",
			       sa != sb ? " (read data differs)" : "");
			mismatches++;
		}
	}
	tree_diff(ra, rb, ".");
	printf("  %ld operations, %d mismatches\n", nops, mismatches);
	return mismatches ? 1 : 0;
}
