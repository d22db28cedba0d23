# SPDX-License-Identifier: GPL-3.0-or-later
# sandbox/ — namespaced sandboxes: library in libcshell + cshell-init
# (docs/build.md explains these variables; docs/sandbox.md the design).

LIBCSHELL_SRCS += $(filter-out sandbox/init.c,$(wildcard sandbox/*.c))
LIBCSHELL_LDLIBS += -lseccomp

PROGRAMS += cshell-init
cshell-init_SRCS := sandbox/init.c
# static: it runs inside rootfs that may have no C library at all; on
# x86_64 its entry point execs `--exec PATH` before libc starts (init.c)
cshell-init_LDLIBS := -static
ifeq ($(firstword $(subst -, ,$(shell $(CC) -dumpmachine))),x86_64)
cshell-init_LDLIBS += -Wl,-e,cshell_init_entry
endif

UNIT_TESTS += test_sbx_spec test_sbx_record test_sbx_state
test_sbx_spec_SRCS :=
test_sbx_record_SRCS :=
test_sbx_state_SRCS :=

FUZZ_TARGETS += fuzz_sbx_profile
fuzz_sbx_profile_SRCS :=
fuzz_sbx_profile_LDLIBS :=
