# SPDX-License-Identifier: GPL-3.0-or-later
# image/ — OCI images (registry client, store, safe unpacking) and the
# cshell-image program behind the shell's `image` builtin.  The library
# is not in libcshell: its dependencies (libcurl, libarchive, libcrypto)
# would otherwise load at every shell start.
IMAGE_LIB_SRCS := $(filter-out image/main.c,$(wildcard image/*.c))
IMAGE_LDLIBS := -lcurl -larchive -ljansson -lcrypto -lpthread

PROGRAMS += cshell-image
cshell-image_SRCS := $(IMAGE_LIB_SRCS) image/main.c
cshell-image_LDLIBS := $(IMAGE_LDLIBS)

UNIT_TESTS += test_img_ref test_img_manifest test_img_unpack
test_img_ref_SRCS := $(IMAGE_LIB_SRCS)
test_img_ref_LDLIBS := $(IMAGE_LDLIBS)
test_img_manifest_SRCS := $(IMAGE_LIB_SRCS)
test_img_manifest_LDLIBS := $(IMAGE_LDLIBS)
test_img_unpack_SRCS := $(IMAGE_LIB_SRCS)
test_img_unpack_LDLIBS := $(IMAGE_LDLIBS)

FUZZ_TARGETS += fuzz_img_manifest fuzz_img_unpack
fuzz_img_manifest_SRCS := $(IMAGE_LIB_SRCS)
fuzz_img_manifest_LDLIBS := $(IMAGE_LDLIBS)
fuzz_img_unpack_SRCS := $(IMAGE_LIB_SRCS)
fuzz_img_unpack_LDLIBS := $(IMAGE_LDLIBS)
