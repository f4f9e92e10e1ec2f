# SPDX-License-Identifier: GPL-2.0-only
#
# mknet: multikernel core and the mknet network device, as an overlay on
# Debian's linux-source-6.12.  `make help` lists the targets.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
SRC := $(BUILD)/linux
KSRC_TAR ?= /usr/src/linux-source-6.12.tar.xz
JOBS ?= $(shell nproc)
TESTDIR := $(TOP)/tools/testing/mknet

# One debug kernel serves every test; the bench kernel has no debug options.
OBJ_TEST := $(BUILD)/obj-test
OBJ_BENCH := $(BUILD)/obj-bench

export CCACHE_DIR ?= $(HOME)/.cache/ccache
# Hits whatever path the clone is at: paths under it hash as relative,
# and the build directory itself is not hashed.
export CCACHE_BASEDIR ?= $(TOP)
export CCACHE_NOHASHDIR ?= 1
export KBUILD_BUILD_TIMESTAMP := 2025-01-01
export KBUILD_BUILD_USER := mknet
export KBUILD_BUILD_HOST := mknet

KMAKE = $(MAKE) -s -C $(SRC) CC="ccache gcc" -j$(JOBS)

OVERLAY_DIRS := kernel include arch drivers Documentation tools
OVERLAY_FILES := $(shell find $(OVERLAY_DIRS) -type f 2>/dev/null)

.PHONY: all help deps tree kernel bench-kernel initramfs test run check \
	bench bench-latency profile fuzz stress clean distclean

all: test

help:
	@echo "make run      boot the VM and show the multikernel demo"
	@echo "make test     debug kernel, KUnit and selftests in QEMU; last line 'N passed, N failed'"
	@echo "make bench    plain kernel: veth and mknet pairs, then mknet0 to a second kernel; build/bench.txt"
	@echo "make bench-latency  the same, round trips only (ping, sockperf, busy polling)"
	@echo "make profile  perf of one TCP stream over veth, mknet, mknet0 to a second kernel; build/profile.txt"
	@echo "make profile MKPROFILE=pp  the same for a sockperf UDP ping-pong (round trips)"
	@echo "make profile MKPROFILE=xdptx  frames bouncing between XDP_TX programs on each pair"
	@echo "make profile MKPROFILE=ul  sockperf under-load: its slowest replies and the counters that moved"
	@echo "make stress   5 minutes of traffic with flaps, resizes, reloads; judged for splats"
	@echo "make fuzz     fuzz the checks of peer-written state (FUZZ_TIME=600 s)"
	@echo "make check    checkpatch --strict, W=1 and sparse on our code"
	@echo "make kernel   build the debug kernel only"
	@echo "make deps     install the Debian packages the build needs"

deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@bash scripts/deps.sh
	@touch $@

# The source tree: pristine linux-source-6.12, our patch series, our files.
tree: $(BUILD)/.tree
$(BUILD)/.tree: $(BUILD)/.deps $(wildcard patches/*.patch) $(OVERLAY_FILES) scripts/prepare-tree.sh
	@bash scripts/prepare-tree.sh $(KSRC_TAR) $(SRC)
	@touch $@

$(OBJ_TEST)/.config: config/base.config config/debug.config | $(BUILD)/.tree
	@bash scripts/configure.sh $(SRC) $(OBJ_TEST) config/base.config config/debug.config

$(OBJ_BENCH)/.config: config/base.config config/bench.config | $(BUILD)/.tree
	@bash scripts/configure.sh $(SRC) $(OBJ_BENCH) config/base.config config/bench.config

kernel: $(OBJ_TEST)/.config
	@echo "  BUILD   debug kernel $$($(KMAKE) O=$(OBJ_TEST) kernelversion)"
	@$(KMAKE) O=$(OBJ_TEST) bzImage modules
	@ccache -s | grep -E "Hits|Misses" | head -2 | sed 's/^/  ccache  /' || true

bench-kernel: $(OBJ_BENCH)/.config
	@echo "  BUILD   bench kernel $$($(KMAKE) O=$(OBJ_BENCH) kernelversion)"
	@$(KMAKE) O=$(OBJ_BENCH) bzImage modules

# Each kernel gets its own initramfs: it carries that kernel's modules.
initramfs: kernel
	@MK_WITH_PYTHON=1 bash $(TESTDIR)/mkinitramfs.sh $(OBJ_TEST) $(OBJ_TEST)/initramfs.cpio.gz

test: kernel initramfs
	@bash $(TESTDIR)/run-tests.sh $(OBJ_TEST)/arch/x86/boot/bzImage \
		$(OBJ_TEST)/initramfs.cpio.gz $(BUILD)/test

run: kernel initramfs
	@bash $(TESTDIR)/run-demo.sh $(OBJ_TEST)/arch/x86/boot/bzImage \
		$(OBJ_TEST)/initramfs.cpio.gz $(BUILD)/run

# Pairs in one kernel, then mknet0 to a second one it starts on CPU 1:
# the -host initramfs carries the instance's kernel and initramfs.
# bench-latency: the round trips only (ping, sockperf, busy polling).
bench-latency: export MKBENCH_ONLY := latency
bench bench-latency: bench-kernel
	@bash $(TESTDIR)/mkinitramfs.sh $(OBJ_BENCH) $(OBJ_BENCH)/initramfs.cpio.gz
	@bash $(TESTDIR)/run-bench.sh $(OBJ_BENCH)/arch/x86/boot/bzImage \
		$(OBJ_BENCH)/initramfs.cpio.gz $(BUILD)/$@.txt

# Where the time goes: perf in the guest, on the bench kernel.
profile: bench-kernel
	@bash scripts/deps.sh perf
	@MK_WITH_PERF=1 bash $(TESTDIR)/mkinitramfs.sh $(OBJ_BENCH) \
		$(OBJ_BENCH)/initramfs-perf.cpio.gz
	@bash $(TESTDIR)/run-profile.sh $(OBJ_BENCH)/arch/x86/boot/bzImage \
		$(OBJ_BENCH)/initramfs-perf.cpio.gz $(BUILD)/profile.txt

# Bidirectional traffic with flaps, resizes, MTU changes and module
# reloads on the debug kernel; MK_STRESS_TIME seconds (default 300).
stress: initramfs
	@bash $(TESTDIR)/run-stress.sh $(OBJ_TEST)/arch/x86/boot/bzImage \
		$(OBJ_TEST)/initramfs.cpio.gz $(BUILD)/stress

# Long fuzzing of the peer-state checks; FUZZ_TIME seconds (default 600).
fuzz: deps
	@bash $(TESTDIR)/fuzz/run-fuzz.sh $(or $(FUZZ_TIME),600) $(BUILD)/fuzz/fuzz.log

check: $(OBJ_TEST)/.config
	@bash scripts/check.sh $(SRC) $(OBJ_TEST)

clean:
	rm -rf $(BUILD)/test $(BUILD)/run $(BUILD)/initramfs*

distclean:
	rm -rf $(BUILD)
