# SPDX-License-Identifier: GPL-3.0-or-later
# shell/: the cshell program (docs/build.md explains these variables).
PROGRAMS += cshell
# the hosts inventory and the ssh command line for @host targets (no
# jansson: the rest of scheduler/ runs as cshell-hosts)
cshell_SRCS := $(wildcard shell/*.c) $(SCHED_CORE_SRCS)
cshell_LDLIBS := -lreadline

include shell/builtins.mk
# everything of the interpreter but main(), for tests and fuzzing
SHELL_LIB_SRCS := $(filter-out shell/main.c,$(cshell_SRCS))
UNIT_TESTS += test_sh_parse
test_sh_parse_SRCS := $(SHELL_LIB_SRCS)
test_sh_parse_LDLIBS := -lreadline
UNIT_TESTS += test_sh_table
test_sh_table_SRCS := $(SHELL_LIB_SRCS)
test_sh_table_LDLIBS := -lreadline
FUZZ_TARGETS += fuzz_sh_parse
fuzz_sh_parse_SRCS := $(SHELL_LIB_SRCS)
fuzz_sh_parse_LDLIBS := -lreadline
# Cshellfile.lock (shell/uplock.c): any bytes, the file is the user's
UNIT_TESTS += test_up_lock
test_up_lock_SRCS := shell/uplock.c
FUZZ_TARGETS += fuzz_up_lock
fuzz_up_lock_SRCS := shell/uplock.c
