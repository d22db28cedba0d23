// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_img_unpack.c — unit tests of the layer unpacker: tarballs are
 * built in memory with libarchive (plain, gzip, zstd), unpacked into a
 * temp dir and checked: content, modes, links, whiteouts kept, later
 * entries replacing earlier ones, the diff id; and every escape (.., an
 * absolute path, a symlinked parent, hard links out, oversized files) is
 * refused without writing outside the destination.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <cmocka.h>

#include "image/image.h"
#include "tests/unit/ut_tmp.h"

static char *tmpdir, *dest, *outside;

struct tb {
	struct archive *a;
	char *buf;
	size_t size, used;
};

static void tb_open(struct tb *t, int filter)
{
	t->size = 8 << 20;
	t->buf = xmalloc(t->size);
	t->used = 0;
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	if (filter == 'g')
		archive_write_add_filter_gzip(t->a);
	else if (filter == 'z')
		archive_write_add_filter_zstd(t->a);
	assert_int_equal(
		archive_write_open_memory(t->a, t->buf, t->size, &t->used),
		ARCHIVE_OK);
}

static void tb_add(struct tb *t, const char *path, mode_t type, mode_t perm,
		   const char *data, const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 1000000, 0);
	if (type == AE_IFREG && !link)
		archive_entry_set_size(e, data ? strlen(data) : 0);
	if (link && type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	else if (link) {
		archive_entry_set_hardlink(e, link);
		archive_entry_set_size(e, 0);
	}
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (data && !link)
		archive_write_data(t->a, data, strlen(data));
	archive_entry_free(e);
}

/* Finishes the archive into a memfd (rewound) and returns it. */
static int tb_close(struct tb *t)
{
	int fd;

	archive_write_close(t->a);
	archive_write_free(t->a);
	fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cs_write_all(fd, t->buf, t->used), 0);
	lseek(fd, 0, SEEK_SET);
	free(t->buf);
	return fd;
}

static int setup(void **state)
{
	(void)state;
	tmpdir = ut_tmpdir("test_img_unpack");
	if (!tmpdir)
		return -1;
	dest = xasprintf("%s/dest", tmpdir);
	outside = xasprintf("%s/outside", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	int r = ut_rmtree(tmpdir);

	(void)state;
	free(tmpdir);
	free(dest);
	free(outside);
	return r;
}

/* Fresh empty dest and outside dirs before each test. */
static int fresh(void **state)
{
	(void)state;
	if (ut_rmtree(dest) || ut_rmtree(outside))
		return -1;
	return mkdir(dest, 0755) || mkdir(outside, 0755) ? -1 : 0;
}

static char *slurp(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dest, rel);
	struct cs_buf b = CS_BUF_INIT;

	if (cs_read_file(p, &b, 0, NULL) < 0)
		return NULL;
	return cs_buf_detach(&b, NULL);
}

static struct stat lstat_rel(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dest, rel);
	struct stat st;

	if (lstat(p, &st) < 0)
		memset(&st, 0, sizeof(st));
	return st;
}

static void build_basic(struct tb *t)
{
	tb_add(t, "./", AE_IFDIR, 0755, NULL, NULL);
	tb_add(t, "./bin/", AE_IFDIR, 0755, NULL, NULL);
	tb_add(t, "./bin/tool", AE_IFREG, 0755, "#!/bin/sh\n", NULL);
	tb_add(t, "bin/link", AE_IFLNK, 0777, NULL, "tool");
	tb_add(t, "bin/hard", AE_IFREG, 0644, NULL, "bin/tool");
	tb_add(t, "etc/.wh.gone", AE_IFREG, 0644, "", NULL);
	tb_add(t, "etc/.wh..wh..opq", AE_IFREG, 0644, "", NULL);
	tb_add(t, "ro/", AE_IFDIR, 0555, NULL, NULL);
	tb_add(t, "ro/file", AE_IFREG, 0600, "x", NULL);
	tb_add(t, "abs-link", AE_IFLNK, 0777, NULL, "/etc/passwd");
	tb_add(t, "replaced", AE_IFREG, 0644, "old", NULL);
	tb_add(t, "replaced", AE_IFREG, 0644, "new", NULL);
}

static void run_basic(int filter)
{
	struct tb t;
	struct cs_error err = CS_ERROR_INIT;
	char diffid[IMG_DIGEST_LEN];
	_cleanup_free_ char *tool = NULL, *rep = NULL;
	struct stat st, st2;
	int fd;

	tb_open(&t, filter);
	build_basic(&t);
	fd = tb_close(&t);
	if (img_unpack(fd, dest, NULL, diffid, &err) < 0)
		fail_msg("unpack: %s", err.msg);
	close(fd);
	tool = slurp("bin/tool");
	assert_string_equal(tool, "#!/bin/sh\n");
	st = lstat_rel("bin/tool");
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_mtime, 1000000);
	st2 = lstat_rel("bin/hard");
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_true(S_ISLNK(lstat_rel("bin/link").st_mode));
	assert_true(S_ISREG(lstat_rel("etc/.wh.gone").st_mode));
	assert_true(S_ISREG(lstat_rel("etc/.wh..wh..opq").st_mode));
	assert_int_equal(lstat_rel("ro").st_mode & 07777, 0555);
	assert_true(S_ISLNK(lstat_rel("abs-link").st_mode));
	rep = slurp("replaced");
	assert_string_equal(rep, "new");
	assert_int_equal(strncmp(diffid, "sha256:", 7), 0);
	assert_true(img_digest_valid(diffid));
}

static void test_plain(void **state)
{
	(void)state;
	run_basic(0);
}
static void test_gzip(void **state)
{
	(void)state;
	run_basic('g');
}
static void test_zstd(void **state)
{
	(void)state;
	run_basic('z');
}

/* The diff id is the sha256 of the uncompressed tar, whatever the
 * compression, and a wrong expected diff id fails. */
static void test_diffid(void **state)
{
	char d_plain[IMG_DIGEST_LEN], d_gz[IMG_DIGEST_LEN];
	unsigned char md[32];
	char hex[IMG_DIGEST_LEN];
	struct cs_error err = CS_ERROR_INIT;
	struct img_unpack_opts opts = { 0 };
	struct tb t;
	struct cs_buf raw = CS_BUF_INIT;
	int fd;

	(void)state;
	tb_open(&t, 0);
	build_basic(&t);
	fd = tb_close(&t);
	assert_true(cs_buf_read_fd(&raw, fd) > 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(img_unpack(fd, dest, NULL, d_plain, &err), 0);
	close(fd);
	EVP_Digest(raw.buf, raw.len, md, NULL, EVP_sha256(), NULL);
	strcpy(hex, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(hex + 7 + 2 * i, "%02x", md[i]);
	assert_string_equal(d_plain, hex);
	cs_buf_release(&raw);

	fresh(NULL);
	tb_open(&t, 'g');
	build_basic(&t);
	fd = tb_close(&t);
	opts.expected_diffid = d_plain;
	assert_int_equal(img_unpack(fd, dest, &opts, d_gz, &err), 0);
	assert_string_equal(d_gz, d_plain);

	fresh(NULL);
	lseek(fd, 0, SEEK_SET);
	opts.expected_diffid =
		"sha256:0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(img_unpack(fd, dest, &opts, d_gz, &err), -1);
	assert_non_null(strstr(err.msg, "does not match its diff id"));
	cs_error_release(&err);
	close(fd);
}

static int outside_empty(void)
{
	_cleanup_free_ char *cmd =
		xasprintf("test -z \"$(ls -A '%s')\"", outside);
	return system(cmd) == 0;
}

static void expect_refused(struct tb *t, const char *want)
{
	struct cs_error err = CS_ERROR_INIT;
	struct img_unpack_opts opts = { .max_file_size = 100 };
	int fd = tb_close(t);

	if (img_unpack(fd, dest, &opts, NULL, &err) == 0)
		fail_msg("unpacked an archive that should be refused (%s)",
			 want);
	close(fd);
	assert_non_null(err.msg);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not say '%s'", err.msg, want);
	cs_error_release(&err);
	assert_true(outside_empty());
}

static void test_dotdot(void **state)
{
	struct tb t;
	_cleanup_free_ char *p = NULL;

	(void)state;
	tb_open(&t, 0);
	tb_add(&t, "a/", AE_IFDIR, 0755, NULL, NULL);
	tb_add(&t, "a/../../outside/x", AE_IFREG, 0644, "pwned", NULL);
	expect_refused(&t, "'..' would leave the layer");
}

static void test_absolute(void **state)
{
	struct tb t;
	_cleanup_free_ char *p = xasprintf("%s/x", outside);

	(void)state;
	tb_open(&t, 0);
	tb_add(&t, p, AE_IFREG, 0644, "pwned", NULL);
	expect_refused(&t, "absolute path");
}

static void test_symlink_parent(void **state)
{
	struct tb t;

	(void)state;
	tb_open(&t, 'g');
	tb_add(&t, "lnk", AE_IFLNK, 0777, NULL, outside);
	tb_add(&t, "lnk/x", AE_IFREG, 0644, "pwned", NULL);
	expect_refused(&t, "parent directory is a symlink");
}

/* A directory replaced by a symlink, then an entry below it. */
static void test_dir_swapped_for_symlink(void **state)
{
	struct tb t;

	(void)state;
	tb_open(&t, 0);
	tb_add(&t, "d/", AE_IFDIR, 0755, NULL, NULL);
	tb_add(&t, "d/ok", AE_IFREG, 0644, "ok", NULL);
	tb_add(&t, "d", AE_IFLNK, 0777, NULL, outside);
	tb_add(&t, "d/x", AE_IFREG, 0644, "pwned", NULL);
	expect_refused(&t, "parent directory is a symlink");
}

static void test_relative_symlink_parent(void **state)
{
	struct tb t;

	(void)state;
	tb_open(&t, 0);
	tb_add(&t, "up", AE_IFLNK, 0777, NULL, "../outside");
	tb_add(&t, "up/x", AE_IFREG, 0644, "pwned", NULL);
	expect_refused(&t, "parent directory is a symlink");
}

static void test_hardlink_outside(void **state)
{
	struct tb t;
	_cleanup_free_ char *target = xasprintf("%s/secret", outside);

	(void)state;
	tb_open(&t, 0);
	tb_add(&t, "hl", AE_IFREG, 0644, NULL, target);
	expect_refused(&t, "absolute link target");

	fresh(NULL);
	tb_open(&t, 0);
	tb_add(&t, "hl", AE_IFREG, 0644, NULL, "../outside/secret");
	expect_refused(&t, "'..' would leave the layer");

	/* Through a symlink inside the layer. */
	fresh(NULL);
	tb_open(&t, 0);
	tb_add(&t, "lnk", AE_IFLNK, 0777, NULL, outside);
	tb_add(&t, "hl", AE_IFREG, 0644, NULL, "lnk/secret");
	expect_refused(&t, "parent directory is a symlink");

	fresh(NULL);
	tb_open(&t, 0);
	tb_add(&t, "hl", AE_IFREG, 0644, NULL, "missing");
	expect_refused(&t, "not in the layer");
}

static void test_size_cap(void **state)
{
	struct tb t;
	char big[200];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	tb_open(&t, 'g');
	tb_add(&t, "big", AE_IFREG, 0644, big, NULL);
	expect_refused(&t, "over the file size cap");
}

/* A small gzip layer that inflates past the layer cap. */
static void test_layer_cap(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct img_unpack_opts opts = { .max_layer_size = 1 << 20 };
	char *big = xmalloc(2 << 20);
	struct tb t;
	int fd;

	(void)state;
	memset(big, 'z', (2 << 20) - 1);
	big[(2 << 20) - 1] = 0;
	tb_open(&t, 'g');
	tb_add(&t, "bomb", AE_IFREG, 0644, big, NULL);
	fd = tb_close(&t);
	free(big);
	assert_true(lseek(fd, 0, SEEK_END) < (1 << 20) / 10);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(img_unpack(fd, dest, &opts, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "the layer size cap"));
	cs_error_release(&err);
	close(fd);
}

/* user.* xattrs are restored; trusted.* only as root. */
static void test_xattrs(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct archive_entry *e;
	struct tb t;
	_cleanup_free_ char *f = xasprintf("%s/f", dest);
	_cleanup_free_ char *d = xasprintf("%s/d", dest);
	char val[16] = "";
	int fd;

	(void)state;
	tb_open(&t, 0);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "d");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_xattr_add_entry(e, "trusted.overlay.opaque", "y", 1);
	assert_int_equal(archive_write_header(t.a, e), ARCHIVE_OK);
	archive_entry_free(e);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "f");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_xattr_add_entry(e, "user.cshell", "hello", 5);
	assert_int_equal(archive_write_header(t.a, e), ARCHIVE_OK);
	archive_entry_free(e);
	fd = tb_close(&t);
	if (img_unpack(fd, dest, NULL, NULL, &err) < 0)
		fail_msg("unpack: %s", err.msg);
	close(fd);
	if (getxattr(f, "user.cshell", val, sizeof(val)) < 0 &&
	    errno == ENOTSUP) {
		skip();
		return;
	}
	assert_string_equal(val, "hello");
	memset(val, 0, sizeof(val));
	if (geteuid() == 0) {
		assert_int_equal(
			getxattr(d, "trusted.overlay.opaque", val, sizeof(val)),
			1);
		assert_string_equal(val, "y");
	}
}

static void test_not_a_tar(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	int fd = memfd_create("junk", MFD_CLOEXEC);
	char junk[4096];

	(void)state;
	memset(junk, 'j', sizeof(junk));
	assert_int_equal(cs_write_all(fd, junk, sizeof(junk)), 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(img_unpack(fd, dest, NULL, NULL, &err), -1);
	assert_non_null(err.msg);
	cs_error_release(&err);
	close(fd);
}

/* Corrupt gzip: a byte in the middle of the deflate stream flipped; it
 * fails to decompress or its content no longer matches the diff id.  (The
 * gzip CRC itself is not what protects us: blobs are verified by digest
 * and the uncompressed stream by diff id.) */
static void test_corrupt_gzip(void **state)
{
	struct cs_error err = CS_ERROR_INIT;
	struct tb t;
	struct cs_buf b = CS_BUF_INIT;
	char good[IMG_DIGEST_LEN];
	struct img_unpack_opts opts = { .expected_diffid = good };
	int fd, fd2;

	(void)state;
	tb_open(&t, 'g');
	build_basic(&t);
	fd = tb_close(&t);
	assert_int_equal(img_unpack(fd, dest, NULL, good, &err), 0);
	fresh(NULL);
	lseek(fd, 0, SEEK_SET);
	cs_buf_read_fd(&b, fd);
	close(fd);
	b.buf[b.len / 2] ^= 0xff; /* inside the deflate stream */
	fd2 = memfd_create("bad", MFD_CLOEXEC);
	cs_write_all(fd2, b.buf, b.len);
	lseek(fd2, 0, SEEK_SET);
	cs_buf_release(&b);
	assert_int_equal(img_unpack(fd2, dest, &opts, NULL, &err), -1);
	assert_non_null(err.msg);
	cs_error_release(&err);
	close(fd2);
}

/* As an unprivileged user setuid bits are dropped. */
static void test_setuid_dropped(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	chmod(tmpdir, 0755);
	chmod(dest, 0777);
	pid = fork();
	if (pid == 0) {
		struct tb t;
		struct stat st;
		_cleanup_free_ char *p = xasprintf("%s/suid", dest);
		int fd;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(3);
		tb_open(&t, 0);
		tb_add(&t, "suid", AE_IFREG, 04755, "x", NULL);
		tb_add(&t, "dev", AE_IFCHR, 0600, NULL, NULL);
		fd = tb_close(&t);
		{
			struct cs_error err = CS_ERROR_INIT;
			if (img_unpack(fd, dest, NULL, NULL, &err) < 0) {
				fprintf(stderr, "# %s\n", err.msg);
				_exit(4);
			}
		}
		if (stat(p, &st) < 0 || (st.st_mode & 07777) != 0755)
			_exit(5);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain, fresh),
		cmocka_unit_test_setup(test_gzip, fresh),
		cmocka_unit_test_setup(test_zstd, fresh),
		cmocka_unit_test_setup(test_diffid, fresh),
		cmocka_unit_test_setup(test_dotdot, fresh),
		cmocka_unit_test_setup(test_absolute, fresh),
		cmocka_unit_test_setup(test_symlink_parent, fresh),
		cmocka_unit_test_setup(test_dir_swapped_for_symlink, fresh),
		cmocka_unit_test_setup(test_relative_symlink_parent, fresh),
		cmocka_unit_test_setup(test_hardlink_outside, fresh),
		cmocka_unit_test_setup(test_size_cap, fresh),
		cmocka_unit_test_setup(test_layer_cap, fresh),
		cmocka_unit_test_setup(test_xattrs, fresh),
		cmocka_unit_test_setup(test_not_a_tar, fresh),
		cmocka_unit_test_setup(test_corrupt_gzip, fresh),
		cmocka_unit_test_setup(test_setuid_dropped, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
