# SPDX-License-Identifier: GPL-3.0-or-later
# sandbox/ — namespaced sandboxes: library in libcshell + cshell-init
# (docs/build.md explains these variables; docs/sandbox.md the design).

LIBCSHELL_SRCS += $(filter-out sandbox/init.c,$(wildcard sandbox/*.c))
LIBCSHELL_LDLIBS += -lseccomp

PROGRAMS += cshell-init
cshell-init_SRCS := sandbox/init.c
# static: it runs inside rootfs that may have no C library at all
cshell-init_LDLIBS := -static

UNIT_TESTS += test_sbx_spec test_sbx_record test_sbx_state
test_sbx_spec_SRCS :=
test_sbx_record_SRCS :=
test_sbx_state_SRCS :=

FUZZ_TARGETS += fuzz_sbx_profile
fuzz_sbx_profile_SRCS :=
fuzz_sbx_profile_LDLIBS :=
