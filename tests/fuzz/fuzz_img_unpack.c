// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_img_unpack.c — libFuzzer target for the layer unpacker: each input
 * is a (possibly compressed) tar unpacked into a fresh directory next to
 * an "outside" directory; anything appearing outside is an escape and
 * aborts.  The file size cap is kept small so inputs cannot fill the
 * disk.
 */
#include <dirent.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "image/image.h"

static char *base, *in, *dest, *outside;

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static int chmod_cb(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int dir_empty(const char *path)
{
	return count_entries(path) == 0;
}

static void remove_base(void)
{
	nftw(base, chmod_cb, 16, FTW_PHYS);
	nftw(base, rm_cb, 16, FTW_PHYS | FTW_DEPTH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_unpack_opts opts = { .max_file_size = 1 << 20 };
	struct cs_error err = CS_ERROR_INIT;
	char diffid[IMG_DIGEST_LEN];
	int fd;

	if (!base) {
		char tmpl[] = "/tmp/fuzz_img_unpack.XXXXXX";
		if (!mkdtemp(tmpl))
			abort();
		base = xstrdup(tmpl);
		in = xasprintf("%s/in", base);
		dest = xasprintf("%s/in/layer", base);
		outside = xasprintf("%s/outside", base);
		mkdir(outside, 0755);
		atexit(remove_base);
	}
	nftw(in, chmod_cb, 16, FTW_PHYS);
	nftw(in, rm_cb, 16, FTW_PHYS | FTW_DEPTH);
	if (mkdir(in, 0755) < 0 || mkdir(dest, 0755) < 0)
		abort();
	fd = memfd_create("layer", MFD_CLOEXEC);
	if (fd < 0 || cs_write_all(fd, data, size) < 0)
		abort();
	lseek(fd, 0, SEEK_SET);
	img_unpack(fd, dest, &opts, diffid, &err);
	cs_error_release(&err);
	close(fd);
	if (!dir_empty(outside) || count_entries(base) != 2 ||
	    count_entries(in) != 1) {
		fprintf(stderr,
			"escape: something was written outside the layer\n");
		abort();
	}
	return 0;
}
