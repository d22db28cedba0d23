# SPDX-License-Identifier: GPL-3.0-or-later
# shell/: the cshell program (docs/build.md explains these variables).
PROGRAMS += cshell
# the hosts inventory and the ssh command line for @host targets (no
# jansson: the rest of scheduler/ runs as cshell-hosts)
cshell_SRCS += $(wildcard shell/*.c) $(SCHED_CORE_SRCS) $(GEN)/shell/tables.c
cshell_LDLIBS += -lreadline
# The builtins, each defined with SH_BUILTIN(ID) in the file that
# implements it (the file is named on the right), listed as ID or ID=NAME
# when the name is no C identifier; and the target backends in resolution
# order, ORDER:ID for `const struct sh_backend sh_backend_ID`.  The build
# generates the tables from these lists (docs/shell.md, "Adding a builtin").
SH_BUILTINS += dot=. colon=: break continue eval exec exit export false \
	hash local readonly return shift source times true type unset \
	command builtin declare typeset # builtins.c
SH_BUILTINS += help                     # help.c
SH_BUILTINS += cd pwd                   # cd.c
SH_BUILTINS += alias unalias            # alias.c
SH_BUILTINS += set shopt                # options.c
SH_BUILTINS += bg fg jobs wait          # jobs.c
SH_BUILTINS += kill trap                # trap.c
SH_BUILTINS += enter leave              # target.c
SH_BUILTINS += lbracket=[ test          # bi_test.c
SH_BUILTINS += echo                     # bi_echo.c
SH_BUILTINS += printf                   # bi_printf.c
SH_BUILTINS += read                     # bi_read.c
SH_BUILTINS += getopts                  # bi_getopts.c
SH_BUILTINS += umask                    # bi_umask.c
SH_BUILTINS += ulimit                   # bi_ulimit.c
SH_BUILTINS += sandbox sb               # bi_sandbox.c
SH_BUILTINS += image                    # bi_image.c
SH_BUILTINS += fanout host              # bi_host.c
SH_BUILTINS += monitor                  # bi_monitor.c
SH_BUILTINS += down up                  # up.c
SH_BACKENDS += 10:host 20:sandbox 30:vm 40:ssh # target.c, target_*.c

include shell/builtins.mk
# everything of the interpreter but main(), for tests and fuzzing: expanded
# late (=), so that it holds what modules included after this one add
SHELL_LIB_SRCS = $(filter-out shell/main.c,$(cshell_SRCS))
UNIT_TESTS += test_sh_parse
test_sh_parse_SRCS = $(SHELL_LIB_SRCS)
test_sh_parse_LDLIBS := -lreadline
UNIT_TESTS += test_sh_table
test_sh_table_SRCS = $(SHELL_LIB_SRCS)
test_sh_table_LDLIBS := -lreadline
FUZZ_TARGETS += fuzz_sh_parse
fuzz_sh_parse_SRCS = $(SHELL_LIB_SRCS)
fuzz_sh_parse_LDLIBS := -lreadline
# Cshellfile.lock (shell/uplock.c): any bytes, the file is the user's
UNIT_TESTS += test_up_lock
test_up_lock_SRCS := shell/uplock.c
FUZZ_TARGETS += fuzz_up_lock
fuzz_up_lock_SRCS := shell/uplock.c
