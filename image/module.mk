# SPDX-License-Identifier: GPL-3.0-or-later
# image/ — OCI images (registry client, store, safe unpacking), archived
# into build/libcshell.a (docs/build.md).
LIBCSHELL_SRCS += $(wildcard image/*.c)
LIBCSHELL_LDLIBS += -lcurl -larchive -ljansson -lcrypto -lpthread

UNIT_TESTS += test_img_ref test_img_manifest test_img_unpack
test_img_ref_SRCS :=
test_img_manifest_SRCS :=
test_img_unpack_SRCS :=

FUZZ_TARGETS += fuzz_img_manifest fuzz_img_unpack
