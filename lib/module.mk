# SPDX-License-Identifier: GPL-3.0-or-later
# lib/ — shared plumbing, archived into build/libcshell.a (docs/build.md).

LIBCSHELL_SRCS += $(wildcard lib/*.c)

UNIT_TESTS += test_lib_error test_lib_buf test_lib_root test_lib_file
test_lib_error_SRCS :=
test_lib_buf_SRCS :=
test_lib_root_SRCS :=
test_lib_file_SRCS :=
