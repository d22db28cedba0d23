# SPDX-License-Identifier: GPL-3.0-or-later
# shell/: the cshell program (docs/build.md explains these variables).
PROGRAMS += cshell
cshell_SRCS := $(wildcard shell/*.c)
cshell_LDLIBS := -lreadline

include shell/builtins.mk
# everything of the interpreter but main(), for tests and fuzzing
SHELL_LIB_SRCS := $(filter-out shell/main.c,$(cshell_SRCS))
UNIT_TESTS += test_sh_parse
test_sh_parse_SRCS := $(SHELL_LIB_SRCS)
test_sh_parse_LDLIBS := -lreadline
FUZZ_TARGETS += fuzz_sh_parse
fuzz_sh_parse_SRCS := $(SHELL_LIB_SRCS)
fuzz_sh_parse_LDLIBS := -lreadline
