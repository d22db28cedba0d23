# SPDX-License-Identifier: GPL-3.0-or-later
# monitor/ — eBPF monitoring of sandboxes: library in libcshell (+ the
# kernel side monitor.bpf.c, built into a skeleton) and cshell-monitor, its
# test driver (docs/build.md explains these variables; docs/monitor.md the
# design).

LIBCSHELL_SRCS += $(filter-out monitor/main.c monitor/remote.c %.bpf.c,$(wildcard monitor/*.c))
# libbpf is dlopen'd when a monitor opens (bpf_dl.c), not linked
BPF_SRCS += monitor/monitor.bpf.c
BPF_SKEL_USERS += monitor/load.c

PROGRAMS += cshell-monitor
# --host (remote.c): the fan-out engine and jansson of scheduler/, in this
# program only ("=": scheduler/module.mk is read after this file)
cshell-monitor_SRCS = monitor/main.c monitor/remote.c $(SCHED_SRCS)
cshell-monitor_LDLIBS = $(SCHED_LDLIBS)

UNIT_TESTS += test_mon_event
test_mon_event_SRCS :=

FUZZ_TARGETS += fuzz_mon_event
fuzz_mon_event_SRCS :=
