# SPDX-License-Identifier: GPL-3.0-or-later
# vm/ — the VM backend (docs/vm.md).  The wire protocol and the client side
# (vm_exec, vm_stop, vm_ping) go into libcshell: they need nothing but
# libc, and the shell relays `@NAME cmd` with them.  Booting (kernels,
# initramfs, QEMU, the supervisor) needs libarchive and libcrypto, so like
# image/ it is linked only into the programs that boot.
LIBCSHELL_SRCS += vm/proto.c vm/client.c vm/record.c vm/cgroup.c
VM_LIB_SRCS := vm/kernel.c vm/initramfs.c vm/boot.c
VM_LDLIBS := -larchive -lcrypto

PROGRAMS += cshell-agent cshell-vm
# static: it is the guest's /init, before any root with a C library
cshell-agent_SRCS := vm/agent.c
cshell-agent_LDLIBS := -static
cshell-vm_SRCS := $(VM_LIB_SRCS) vm/main.c
cshell-vm_LDLIBS := $(VM_LDLIBS)

UNIT_TESTS += test_vm_proto
test_vm_proto_SRCS := $(VM_LIB_SRCS)
test_vm_proto_LDLIBS := $(VM_LDLIBS)

FUZZ_TARGETS += fuzz_vm_proto
fuzz_vm_proto_SRCS :=
fuzz_vm_proto_LDLIBS :=
