# SPDX-License-Identifier: GPL-3.0-or-later
# overlayfs/ — cshell-fs, the layered FUSE filesystem (docs/overlayfs.md).
# The daemon is its own program: its sources stay out of libcshell so that
# nothing else links libfuse.

OVL_SRCS := overlayfs/config.c overlayfs/node.c overlayfs/copyup.c \
	overlayfs/ops.c overlayfs/passthrough.c overlayfs/serve.c \
	overlayfs/harden.c overlayfs/lock.c overlayfs/live.c overlayfs/loop.c

PROGRAMS += cshell-fs
cshell-fs_SRCS := overlayfs/main.c $(OVL_SRCS)
cshell-fs_LDLIBS := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3 -lpthread) \
	-lseccomp
cshell-fs_CFLAGS = $(OVL_FUSE_CFLAGS)

# the random-operation tester of tests/integration/fs-difftest.sh
PROGRAMS += ovl-difftest
TEST_PROGRAMS += ovl-difftest
ovl-difftest_SRCS := overlayfs/tools/difftest.c
ovl-difftest_LDLIBS :=
ovl-difftest_CFLAGS :=

# libfuse's include path only where fuse headers are read
OVL_FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
overlayfs_HDR_CFLAGS := $(OVL_FUSE_CFLAGS)

UNIT_TESTS += test_ovl_config
test_ovl_config_SRCS := overlayfs/config.c
test_ovl_config_LDLIBS :=
test_ovl_config_CFLAGS := $(OVL_FUSE_CFLAGS)

FUZZ_TARGETS += fuzz_ovl_config
fuzz_ovl_config_SRCS := overlayfs/config.c
fuzz_ovl_config_LDLIBS :=
fuzz_ovl_config_CFLAGS := $(OVL_FUSE_CFLAGS)
