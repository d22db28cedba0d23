# SPDX-License-Identifier: GPL-3.0-or-later
# scheduler/ — SSH hosts: inventory, connections, probes, placement and
# fan-out (docs/hosts.md), and cshell-hosts, the command line the shell's
# `host` and `fanout` builtins exec.  Like image/, the library stays out of
# libcshell so that jansson is loaded only where hosts are used; a program
# that wants it lists $(SCHED_SRCS) and $(SCHED_LDLIBS).
SCHED_SRCS := $(filter-out scheduler/main.c,$(wildcard scheduler/*.c))
SCHED_LDLIBS := -ljansson
# what the shell links for @host targets: no jansson, no engine
SCHED_CORE_SRCS := scheduler/inventory.c scheduler/ssh.c scheduler/remote.c

PROGRAMS += cshell-hosts
cshell-hosts_SRCS := $(SCHED_SRCS) scheduler/main.c
cshell-hosts_LDLIBS := $(SCHED_LDLIBS)

UNIT_TESTS += test_sch_inventory test_sch_place test_sch_fanout
test_sch_inventory_SRCS := $(SCHED_SRCS)
test_sch_inventory_LDLIBS := $(SCHED_LDLIBS)
test_sch_place_SRCS := $(SCHED_SRCS)
test_sch_place_LDLIBS := $(SCHED_LDLIBS)
test_sch_fanout_SRCS := $(SCHED_SRCS)
test_sch_fanout_LDLIBS := $(SCHED_LDLIBS)

FUZZ_TARGETS += fuzz_sch_inventory
fuzz_sch_inventory_SRCS := $(SCHED_SRCS)
fuzz_sch_inventory_LDLIBS := $(SCHED_LDLIBS)
