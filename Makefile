# SPDX-License-Identifier: GPL-3.0-or-later
#
# Top Makefile of cshell.  Modules plug in through M/module.mk files that
# only set variables (protocol: docs/build.md); everything below turns those
# variables into rules.  Start reading at "Module variables", then the
# templates that expand one program / unit test / fuzz target each.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# ---------------------------------------------------------------- knobs

CC ?= cc
AR ?= ar
FUZZ_CC ?= clang
CFLAGS ?= -O2 -g
LDFLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=
WERROR ?=
V ?=
# Seconds of fuzzing for check-fuzz, split evenly across the targets.
FUZZ_SECONDS ?= 60
# `make run` starts scripts/run.sh (cshell entered into the sandbox
# "default" over the host root); RUN_WRAPPER goes in front of it.
RUN_WRAPPER ?=
RUN_ARGS ?=

BUILD := build
ABUILD := $(BUILD)/asan
FBUILD := $(BUILD)/fuzz

# bubblewrap's warning set on top of -Wall -Wextra: errors even without
# WERROR, since the tree is clean of them
REQ_CFLAGS := -std=gnu11 -Wall -Wextra -I. -D_GNU_SOURCE \
	-Werror=shadow -Werror=missing-prototypes -Werror=strict-prototypes \
	-Werror=vla -Werror=pointer-arith
ifeq ($(WERROR),1)
REQ_CFLAGS += -Werror
endif
DEP_CFLAGS = -MMD -MP
ASAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# (libFuzzer's entry point comes with no header to declare it)
FUZZ_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -g -O1 -Wno-missing-prototypes

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# ---------------------------------------------------------------- modules

# Module variables (docs/build.md).  LIBCSHELL_CFLAGS is an addition: flags
# (e.g. pkg-config --cflags) every object needs because a library module's
# public header includes a system header from a non-standard path.
LIBCSHELL_SRCS :=
LIBCSHELL_LDLIBS :=
LIBCSHELL_CFLAGS :=
PROGRAMS :=
UNIT_TESTS :=
FUZZ_TARGETS :=
# eBPF programs (see "generated sources" below): BPF_SRCS lists M/NAME.bpf.c
# files, BPF_SKEL_USERS the user-side .c files that include their skeletons.
BPF_SRCS :=
BPF_SKEL_USERS :=
# the shell's tables (see "generated sources"): SH_BUILTINS lists ID or
# ID=NAME, SH_BACKENDS ORDER:ID (docs/shell.md, "Adding a builtin/backend")
SH_BUILTINS :=
SH_BACKENDS :=
GEN := $(BUILD)/gen

MODULE_MKS := $(sort $(wildcard */module.mk))
include $(MODULE_MKS)

# Test modules (tests/backend/*/module.mk) are written as a real module is
# (cshell_SRCS +=, SH_BACKENDS +=, SH_BUILTINS +=) but go only into the
# test build of the shell, build/test-backend/bin/cshell (make
# test-backend): what they add is set aside in TB_*, the lists restored.
TEST_MODULE_MKS := $(sort $(wildcard tests/backend/*/module.mk))
TEST_MODULE_VARS := cshell_SRCS cshell_LDLIBS SH_BUILTINS SH_BACKENDS
$(foreach v,$(TEST_MODULE_VARS),$(eval PROD_$(v) := $$($(v))))
include $(TEST_MODULE_MKS)
$(foreach v,$(TEST_MODULE_VARS),$(eval TB_$(v) := $$($(v))))
$(foreach v,$(TEST_MODULE_VARS),$(eval $(v) := $$(PROD_$(v))))

ALL_CFLAGS = $(REQ_CFLAGS) $(LIBCSHELL_CFLAGS) $(CFLAGS)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
aobj = $(patsubst %.c,$(ABUILD)/obj/%.o,$(1))
fobj = $(patsubst %.c,$(FBUILD)/obj/%.o,$(1))

LIB_OBJS := $(call obj,$(LIBCSHELL_SRCS))
LIB_AOBJS := $(call aobj,$(LIBCSHELL_SRCS))
LIB_FOBJS := $(call fobj,$(LIBCSHELL_SRCS))

BINS := $(addprefix $(BUILD)/bin/,$(PROGRAMS))
ABINS := $(addprefix $(ABUILD)/bin/,$(PROGRAMS))
UNITS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
AUNITS := $(addprefix $(ABUILD)/tests/,$(UNIT_TESTS))
FUZZERS := $(addprefix $(FBUILD)/,$(FUZZ_TARGETS))

# ---------------------------------------------------------------- flags stamps
# Objects depend on a file holding the flags they were built with, so that
# changing CFLAGS/CC rebuilds.  -Werror is left out on purpose (switching
# between `make` and `make check` must not rebuild everything); instead an
# object that compiled with warnings leaves a .warn file and is rebuilt when
# WERROR=1, so `make check` never lets a warning through.

FLAGS_KEY := $(CC) $(filter-out -Werror,$(ALL_CFLAGS))
ASAN_FLAGS_KEY := $(FLAGS_KEY) $(ASAN_CFLAGS)
# $(1) = stamp file, $(2) = name of the variable holding its wanted content.
define write_stamp
ifneq ($$(strip $$(file <$(1))),$$(strip $$($(2))))
$$(shell mkdir -p $(dir $(1)))
$$(file >$(1),$$($(2)))
endif
endef
$(eval $(call write_stamp,$(BUILD)/obj/.flags,FLAGS_KEY))
$(eval $(call write_stamp,$(ABUILD)/obj/.flags,ASAN_FLAGS_KEY))

ifeq ($(WERROR),1)
WARNED := $(patsubst %.warn,%,$(shell find $(BUILD) -name '*.o.warn' 2>/dev/null))
$(WARNED): FORCE
endif

# Compile: $(1) extra flags; keeps a .warn file when the compiler complained.
define compile
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(if $(filter 1,$(V)),$(info $(CC) $(ALL_CFLAGS) $(1) $(DEP_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@))
	@rm -f $@.warn; \
	$(CC) $(ALL_CFLAGS) $(1) $(DEP_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@ \
		2>$@.warn; rc=$$?; cat $@.warn >&2; \
	[ -s $@.warn ] || rm -f $@.warn; exit $$rc
endef

# A plain `make` on a machine without the build dependencies says what to
# install instead of dying on a missing header (checked once; the stamp is
# redone when a deps.txt changes).
$(BUILD)/.deps-ok: $(wildcard */deps.txt)
	@mkdir -p $(@D)
	$(Q)if command -v dpkg-query >/dev/null && \
		! out=$$(scripts/deps.sh --runtime --check 2>&1); then \
		echo "cshell: build dependencies are missing: $${out#*missing: }" >&2; \
		echo "  install them with 'make deps' as root, or run:" >&2; \
		echo "  sudo apt-get install --no-install-recommends $${out#*missing: }" >&2; \
		exit 1; \
	fi
	@touch $@

$(BUILD)/obj/%.o: %.c $(BUILD)/obj/.flags | $(BUILD)/.deps-ok
	$(call compile,)

$(ABUILD)/obj/%.o: %.c $(ABUILD)/obj/.flags
	$(call compile,$(ASAN_CFLAGS))

$(FBUILD)/obj/%.o: %.c
	$(call say,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		$(DEP_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/libcshell.a: $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(ABUILD)/libcshell.a: $(LIB_AOBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FBUILD)/libcshell.a: $(LIB_FOBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# ---------------------------------------------------------------- generated sources
# libbpf-bootstrap's pipeline: the running kernel's BTF -> $(GEN)/vmlinux.h;
# M/NAME.bpf.c -> clang -target bpf -> $(GEN)/M/NAME.bpf.o (debug info
# stripped, BTF kept for CO-RE) -> bpftool gen skeleton -> $(GEN)/M/NAME.skel.h,
# included as "M/NAME.skel.h" by the BPF_SKEL_USERS only, so no header under
# a module folder ever needs a generated one (hdr-check stays plain).

BPFTOOL ?= bpftool
BPF_CC ?= clang
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')
BPF_SKELS := $(patsubst %.bpf.c,$(GEN)/%.skel.h,$(BPF_SRCS))

$(GEN)/vmlinux.h:
	$(call say,GEN,$@)
	@if ! [ -r $(VMLINUX_BTF) ]; then \
		echo "cannot build the eBPF programs: this kernel has no BTF at $(VMLINUX_BTF) (it needs CONFIG_DEBUG_INFO_BTF=y; or set VMLINUX_BTF=FILE)" >&2; \
		exit 1; fi
	@command -v $(BPFTOOL) >/dev/null || { echo "cannot build the eBPF programs: '$(BPFTOOL)' not found (make deps installs the Debian package bpftool)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp && mv $@.tmp $@

$(GEN)/%.bpf.o: %.bpf.c $(GEN)/vmlinux.h
	$(call say,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(BPF_CC) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(GEN) -I. \
		-Wall -MMD -MP -MT $@ -MF $@.d -c $< -o $@.tmp && \
		$(LLVM_STRIP) -g $@.tmp && mv $@.tmp $@

$(GEN)/%.skel.h: $(GEN)/%.bpf.o
	$(call say,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< >$@.tmp && mv $@.tmp $@

# kept for inspection (llvm-objdump -S) instead of deleted as intermediates
.SECONDARY: $(patsubst %.skel.h,%.bpf.o,$(BPF_SKELS)) $(GEN)/vmlinux.h

ifneq ($(strip $(BPF_SKEL_USERS)),)
BPF_USER_OBJS := $(call obj,$(BPF_SKEL_USERS)) $(call aobj,$(BPF_SKEL_USERS)) \
	$(call fobj,$(BPF_SKEL_USERS))
$(BPF_USER_OBJS): EXTRA_CFLAGS += -I$(GEN)
$(BPF_USER_OBJS): $(BPF_SKELS)
endif

# The shell's builtin and backend tables, from SH_BUILTINS and SH_BACKENDS
# (dash's mkbuiltins): the lists are kept in a stamp rewritten only when
# they change, so the table is regenerated exactly then.
SH_TABLES_KEY := --builtins $(SH_BUILTINS) --backends $(SH_BACKENDS)
TB_SH_TABLES_KEY := --builtins $(TB_SH_BUILTINS) --backends $(TB_SH_BACKENDS)
$(eval $(call write_stamp,$(GEN)/shell/tables.list,SH_TABLES_KEY))
$(eval $(call write_stamp,$(GEN)/test-backend/shell/tables.list,TB_SH_TABLES_KEY))

$(GEN)/%/tables.c: $(GEN)/%/tables.list scripts/gen-sh-tables.sh
	$(call say,GEN,$@)
	$(Q)set -f; scripts/gen-sh-tables.sh $$(cat $<) >$@.tmp && mv $@.tmp $@
.SECONDARY: $(GEN)/shell/tables.c $(GEN)/test-backend/shell/tables.c

# ---------------------------------------------------------------- templates

# $(1) = program name.  Link order: objects, libcshell.a, NAME_LDLIBS,
# LIBCSHELL_LDLIBS.
define program_rules
$(call obj,$($(1)_SRCS)) $(call aobj,$($(1)_SRCS)): EXTRA_CFLAGS += $($(1)_CFLAGS)
$(BUILD)/bin/$(1): $(call obj,$($(1)_SRCS)) $(BUILD)/libcshell.a
	$$(call say,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) \
		$(BUILD)/libcshell.a $($(1)_LDLIBS) $$(LIBCSHELL_LDLIBS)
$(ABUILD)/bin/$(1): $(call aobj,$($(1)_SRCS)) $(ABUILD)/libcshell.a
	$$(call say,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(ASAN_CFLAGS) $$(LDFLAGS) -o $$@ \
		$$(filter %.o,$$^) $(ABUILD)/libcshell.a \
		$(filter-out -static,$($(1)_LDLIBS)) $$(LIBCSHELL_LDLIBS)
endef

# $(1) = unit test name: tests/unit/NAME.c + NAME_SRCS + libcshell + cmocka.
define unit_rules
$(call obj,tests/unit/$(1).c $($(1)_SRCS)) $(call aobj,tests/unit/$(1).c $($(1)_SRCS)): EXTRA_CFLAGS += $($(1)_CFLAGS)
$(BUILD)/tests/$(1): $(call obj,tests/unit/$(1).c $($(1)_SRCS)) $(BUILD)/libcshell.a
	$$(call say,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) \
		$(BUILD)/libcshell.a $($(1)_LDLIBS) $$(LIBCSHELL_LDLIBS) -lcmocka
$(ABUILD)/tests/$(1): $(call aobj,tests/unit/$(1).c $($(1)_SRCS)) $(ABUILD)/libcshell.a
	$$(call say,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(ASAN_CFLAGS) $$(LDFLAGS) -o $$@ \
		$$(filter %.o,$$^) $(ABUILD)/libcshell.a $($(1)_LDLIBS) \
		$$(LIBCSHELL_LDLIBS) -lcmocka
endef

# $(1) = fuzz target: tests/fuzz/NAME.c + NAME_SRCS, clang + libFuzzer.
define fuzz_rules
$(call fobj,tests/fuzz/$(1).c $($(1)_SRCS)): EXTRA_CFLAGS += $($(1)_CFLAGS)
$(FBUILD)/$(1): $(call fobj,tests/fuzz/$(1).c $($(1)_SRCS)) $(FBUILD)/libcshell.a
	$$(call say,FUZZLD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(FUZZ_CC) $$(ALL_CFLAGS) $$(FUZZ_CFLAGS) -fsanitize=fuzzer \
		$$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(FBUILD)/libcshell.a \
		$($(1)_LDLIBS) $$(LIBCSHELL_LDLIBS)
endef

$(foreach p,$(PROGRAMS),$(eval $(call program_rules,$(p))))
# the test build of cshell: its objects are the normal ones plus the test
# modules' sources and its own tables
TB_cshell_OBJS := $(call obj,$(filter-out $(GEN)/shell/tables.c,$(TB_cshell_SRCS))) \
	$(call obj,$(GEN)/test-backend/shell/tables.c)
$(BUILD)/test-backend/bin/cshell: $(TB_cshell_OBJS) $(BUILD)/libcshell.a
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TB_cshell_OBJS) \
		$(BUILD)/libcshell.a $(TB_cshell_LDLIBS) $(LIBCSHELL_LDLIBS)
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rules,$(t))))
$(foreach f,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(f))))

# ---------------------------------------------------------------- targets

.PHONY: all asan unit unit-bins check check-build run bench hdr-check test-backend \
	check-fuzz fuzz-bins check-format install uninstall clean deps \
	deps-runtime FORCE

all: $(BUILD)/libcshell.a $(BINS)

asan: $(ABUILD)/libcshell.a $(ABINS) $(AUNITS)

unit-bins: $(UNITS) $(AUNITS)

# cshell with the test modules' backends and builtins (tests/backend/)
test-backend: $(BUILD)/test-backend/bin/cshell

# Build and run the unit tests only (normal, then ASan+UBSan).
unit: unit-bins
	$(Q)CSHELL_BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" tests/run --unit

# Installs missing Debian packages (cheap dpkg check first): everything
# make check needs, or (deps-runtime) what building and running needs.
deps:
	$(Q)scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh
deps-runtime:
	$(Q)scripts/deps.sh --runtime --check >/dev/null 2>&1 || \
		scripts/deps.sh --runtime

# Everything make check needs, built with -Werror.
# the ASan+UBSan cshell-fs: tests/integration/fs-asan.sh runs the fs suite on
# it; the ASan+UBSan cshell: tests/run runs the spec suite on it too
check-build: all unit-bins test-backend $(ABUILD)/bin/cshell-fs \
	$(ABUILD)/bin/cshell

# The build step holds a lock so that two `make check` runs sharing one
# tree (several people, or CI plus a person) do not write the same objects.
BUILD_LOCK = mkdir -p $(BUILD) && flock $(BUILD)/.build.lock

check:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(BUILD_LOCK) $(MAKE) --no-print-directory WERROR=1 check-build
	$(Q)CSHELL_BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" tests/run

run:
	$(Q)$(MAKE) --no-print-directory deps-runtime
	$(Q)$(BUILD_LOCK) $(MAKE) --no-print-directory all
	$(Q)exec $(RUN_WRAPPER) scripts/run.sh $(BUILD)/bin $(RUN_ARGS)

bench: all
	$(Q)set -e; export CSHELL_BIN=$(CURDIR)/$(BUILD)/bin CSHELL_SRC=$(CURDIR); \
	for b in $(sort $(wildcard tests/bench/*.sh)); do \
		echo "== $$b"; bash "$$b"; \
	done

# Every module header compiles on its own, with the flags its module
# gives its headers (M_HDR_CFLAGS in M/module.mk: a system include path).
HEADERS := $(sort $(wildcard */*.h))
hdr_flags = $($(firstword $(subst /, ,$(1)))_HDR_CFLAGS)
hdr-check:
	$(Q)fail=0; $(foreach h,$(HEADERS), \
		printf '  %-7s %s\n' HDR "$(h)"; \
		printf '#include "%s"\n' "$(h)" | $(CC) $(ALL_CFLAGS) \
			$(call hdr_flags,$(h)) -Werror -fsyntax-only -x c - || \
			fail=1;) exit $$fail

fuzz-bins: $(FUZZERS)

check-fuzz: fuzz-bins
	$(Q)set -u; targets="$(FUZZ_TARGETS)"; n=$(words $(FUZZ_TARGETS)); \
	if [ $$n -eq 0 ]; then echo "SKIP: check-fuzz: no FUZZ_TARGETS"; exit 0; fi; \
	per=$$(( $(FUZZ_SECONDS) / n )); [ $$per -ge 1 ] || per=1; fail=0; \
	for t in $$targets; do \
		corpus=$(FBUILD)/corpus/$$t; art=$(FBUILD)/artifacts/$$t/; \
		mkdir -p $$corpus $$art; seeds=; \
		[ -d tests/fuzz/$$t.corpus ] && seeds=tests/fuzz/$$t.corpus; \
		echo "== fuzz $$t for $${per}s"; \
		if $(FBUILD)/$$t -max_total_time=$$per -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$$art $$corpus $$seeds \
			> $(FBUILD)/$$t.log 2>&1; then \
			echo "PASS: fuzz $$t"; \
		else \
			tail -n 40 $(FBUILD)/$$t.log; \
			echo "FAIL: fuzz $$t: crash, input saved under $$art"; fail=1; \
		fi; \
	done; exit $$fail

# .clang-format over every tracked C file (the tree is formatted; CI
# runs this), or with FORMAT_BASE=REV only the lines changed since REV.
FORMAT_BASE ?=
check-format:
	$(Q)if [ -n "$(FORMAT_BASE)" ]; then \
		out=$$(git clang-format --diff --extensions c,h $(FORMAT_BASE) 2>&1); \
		case "$$out" in \
		"" | "no modified files to format" | \
		"clang-format did not modify any files") echo "format: ok" ;; \
		*) printf '%s\n' "$$out"; exit 1 ;; \
		esac; \
	else \
		bad=$$(for f in $$(git ls-files '*.c' '*.h'); do \
			clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || \
				echo "$$f"; done); \
		if [ -n "$$bad" ]; then \
			echo "not formatted (clang-format -i FILE):" $$bad; \
			exit 1; \
		fi; \
		echo "format: ok"; \
	fi

# ---------------------------------------------------------------- install

BINDIR := $(PREFIX)/bin
MANDIR := $(PREFIX)/share/man
# bash-completion's own directory, recomputed for our PREFIX so that
# PREFIX=/usr/local stays under /usr/local (bash-completion searches there).
BASHCOMPDIR := $(strip $(or $(shell pkg-config \
	--define-variable=prefix=$(PREFIX) \
	--define-variable=datadir=$(PREFIX)/share \
	--variable=completionsdir bash-completion 2>/dev/null), \
	$(PREFIX)/share/bash-completion/completions))
ZSHCOMPDIR := $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d
MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)

# TEST_PROGRAMS are built like PROGRAMS but never installed.
INST_BINS = $(addprefix $(BUILD)/bin/,$(filter-out $(TEST_PROGRAMS),$(PROGRAMS)))

install: all
	$(Q)install -d $(DESTDIR)$(BINDIR)
	$(Q)$(if $(INST_BINS),install -m 0755 $(INST_BINS) $(DESTDIR)$(BINDIR)/)
	$(Q)$(if $(MAN1),install -d $(DESTDIR)$(MANDIR)/man1 && \
		install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(Q)$(if $(MAN5),install -d $(DESTDIR)$(MANDIR)/man5 && \
		install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(Q)$(if $(wildcard completions/cshell.bash),\
		install -D -m 0644 completions/cshell.bash $(DESTDIR)$(BASHCOMPDIR)/cshell)
	$(Q)$(if $(wildcard completions/_cshell),\
		install -D -m 0644 completions/_cshell $(DESTDIR)$(ZSHCOMPDIR)/_cshell)
	$(Q)$(if $(wildcard completions/cshell.fish),\
		install -D -m 0644 completions/cshell.fish $(DESTDIR)$(FISHCOMPDIR)/cshell.fish)

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(filter-out $(TEST_PROGRAMS),$(PROGRAMS))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
		$(DESTDIR)$(BASHCOMPDIR)/cshell $(DESTDIR)$(ZSHCOMPDIR)/_cshell \
		$(DESTDIR)$(FISHCOMPDIR)/cshell.fish

clean:
	$(call say,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
