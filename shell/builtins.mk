# SPDX-License-Identifier: GPL-3.0-or-later
# shell/ builtins and arithmetic (arith.c, bi_*.c): their unit tests and
# fuzz target run over the stub interpreter tests/unit/sh_stub.c, so they
# build without the rest of the shell.  Included from shell/module.mk.
BUILTINS_SRCS := shell/arith.c shell/bi_test.c shell/bi_printf.c \
	shell/bi_read.c shell/bi_getopts.c shell/bi_umask.c shell/bi_echo.c \
	shell/bi_ulimit.c
UNIT_TESTS += test_sh_arith
test_sh_arith_SRCS := shell/arith.c tests/unit/sh_stub.c
UNIT_TESTS += test_sh_builtins
test_sh_builtins_SRCS := $(BUILTINS_SRCS) tests/unit/sh_stub.c
FUZZ_TARGETS += fuzz_arith
fuzz_arith_SRCS := shell/arith.c tests/unit/sh_stub.c
