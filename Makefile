# SPDX-License-Identifier: GPL-2.0
# kmstrace: this Makefile only delegates to the parts and to ci/.
#
#   make           build module/ (per kernel), bpf/, harness/, doc/ (the man page)
#   make install   the tool, its man page and the corpus under $(DESTDIR)$(PREFIX)
#   make mutants   build tvkms's mutants (module/MUTANTS.md), per kernel
#   make run       install deps, build, boot $(KERNEL), run the demo
#   make check     install deps, build, host tests, VM tests per kernel
#   make bench     benchmarks (ratios measured side by side)
#   make fuzz      each parser fuzz target for FUZZ_SECONDS (default 300)
#   make check-knobs  every fault knob on the whole corpus (long)
#   make check-mutants  every mutant driver (long)
#   make check-matrix  the VM suite on every kernel, PREEMPT_RT included (long)
#   make igt IGT_DIR=DIR  IGT's kms tests on tvkms and vkms (DRIVERS), TRACE=1
#                  to check each subtest's trace (long; KERNELS defaults to 6.1)
#
# KERNELS="6.1 6.12" picks the matrix; KERNEL the one `make run` boots.
# MATRIX_KERNELS is every alias ci/kernel knows, for make check-matrix.
KERNELS ?= 6.1 6.12
MATRIX_KERNELS := 6.1 6.12 6.1-rt 6.12-rt
KERNEL ?= $(lastword $(KERNELS))
# Parallel jobs of make check's build (one per core).
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
V ?= 0
export KERNELS PYTHON PREFIX DESTDIR V

# Make splits paths on spaces and Kbuild refuses them: a clone under a path
# with a space runs every goal again from a symlink without one
# (ci/spaceless-top). Below, TOP is that path; the parts and ci/ get it as
# KMST_TOP.
ifeq ($(KMST_TOP)$(word 2,$(CURDIR)),)
TOP := $(CURDIR)
else ifneq ($(KMST_TOP),)
TOP := $(KMST_TOP)
else
KMST_TOP := $(shell ci/spaceless-top)
ifeq ($(KMST_TOP),)
$(error cannot build under a path with a space: ci/spaceless-top failed)
endif
GOALS := $(or $(MAKECMDGOALS),all)
.PHONY: $(GOALS)
$(firstword $(GOALS)):
	@cd $(KMST_TOP) && $(MAKE) --no-print-directory KMST_TOP=$(KMST_TOP) $(GOALS)
$(wordlist 2,$(words $(GOALS)),$(GOALS)):
	@:
SPACED := 1
endif
ifeq ($(SPACED),)
export KMST_TOP := $(TOP)

.PHONY: all module mutants mutants-short bpf harness doc install uninstall vkms deps run check check-host check-vm check-knobs check-mutants check-matrix bench igt fuzz fuzz-targets reliability clean

all: module bpf harness doc vkms

module:
	@$(MAKE) --no-print-directory -C module

# Not in `all`: each change to module/ rebuilds every mutant for every kernel.
# After module, whose build caches what the mutants' BTF needs.
mutants: | module
	@$(MAKE) --no-print-directory -C module mutants

bpf:
	@$(MAKE) --no-print-directory -C bpf

harness: bpf
	@$(MAKE) --no-print-directory -C harness

doc:
	@$(MAKE) --no-print-directory -C doc

install: harness doc
	@$(MAKE) --no-print-directory -C harness install
	@$(MAKE) --no-print-directory -C doc install
	@$(MAKE) --no-print-directory -C traces install

uninstall:
	@$(MAKE) --no-print-directory -C harness uninstall
	@$(MAKE) --no-print-directory -C doc uninstall
	@$(MAKE) --no-print-directory -C traces uninstall

# Upstream VKMS, the peer driver, built from Debian's linux-source-6.1 for
# the 6.1 kernel (its sources do not build against newer headers).
# After module: both cache the 6.1 kernel's vmlinux for module BTF. Its own
# `make -j2`, not the parent's jobserver (MAKEFLAGS cleared).
vkms: | module
	@if echo " $(KERNELS) " | grep -q " 6.1 "; then MAKEFLAGS= KERNELS=6.1 ci/vkms-peer; fi

deps:
	@ci/deps

run: deps
	@$(MAKE) --no-print-directory all
	@ci/vm -k $(KERNEL) --qemu-arg -vga --qemu-arg std -- ci/demo $(DEMO_ARGS)

# The mutants of make check's round only (module/Makefile's MUTANTS_SHORT).
mutants-short: | module
	@$(MAKE) --no-print-directory -C module mutants-short

check: deps
	@start=$$(date +%s) && \
	$(MAKE) --no-print-directory -j$(JOBS) all mutants-short fuzz-targets && \
	KMST_CHECK_START=$$start ci/check

check-host: all fuzz-targets
	@ci/check --host-only

# Every fault knob on the whole corpus, per kernel (make check runs a short round).
check-knobs: deps
	@$(MAKE) --no-print-directory all
	@for k in $(KERNELS); do \
		ci/vm -k $$k -t 5400 -- env KMST_KNOB_MATRIX=full $(PYTHON) -m pytest \
			-p no:cacheprovider -q -rfEs conformance/vm/test_knob_matrix.py || exit 1; \
	done

# Every mutant, per kernel (make check runs a short round).
check-mutants: deps
	@$(MAKE) --no-print-directory all mutants
	@for k in $(KERNELS); do \
		ci/vm -k $$k -t 5400 -- env KMST_MUTANTS=full $(PYTHON) -m pytest \
			-p no:cacheprovider -q -rfEs conformance/vm/test_mutants.py || exit 1; \
	done

# The VM suite on all four kernels; make check keeps KERNELS at 6.1 6.12
# to stay within its 30 minutes (README, "Kernel matrix").
check-matrix: deps
	@$(MAKE) --no-print-directory all mutants-short KERNELS="$(MATRIX_KERNELS)"
	@KERNELS="$(MATRIX_KERNELS)" ci/check --vm-only

check-vm: all mutants-short
	@ci/check --vm-only

bench: deps
	@$(MAKE) --no-print-directory all
	@ci/bench

# IGT is not in Debian: the user gives a build (README, "IGT"), checked
# before anything is built. vkms is 6.1 only, so 6.1 is the default kernel.
IGT_KERNELS = $(if $(filter command line environment,$(origin KERNELS)),$(KERNELS),6.1)
igt:
	@IGT_DIR='$(IGT_DIR)' ci/igt --check-igt
	@$(MAKE) --no-print-directory KERNELS='$(IGT_KERNELS)' all
	@IGT_DIR='$(IGT_DIR)' KERNELS='$(IGT_KERNELS)' DRIVERS='$(DRIVERS)' TRACE='$(TRACE)' ci/igt

# The libFuzzer targets of harness/fuzz/ (not in all: a second build with
# the sanitizers), then each run for FUZZ_SECONDS; make check runs a short
# round (conformance/host/test_fuzz.py).
fuzz-targets: bpf
	@$(MAKE) --no-print-directory -C harness fuzz

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-targets
	@ci/fuzz

# The parser fuzzers, kmstrace fuzz (100,000 cases per kernel on tvkms and
# on upstream vkms 6.1) and the lifecycle stress, with one report
# (ci/reliability), which also proves the stress's leak ledger on the leak
# mutants (module/MUTANTS.md); make check runs a short round
# (conformance/vm/test_afuzz.py).
reliability: deps
	@$(MAKE) --no-print-directory all fuzz-targets vkms
	@$(MAKE) --no-print-directory -C module leak-mutants
	@ci/reliability

clean:
	@$(MAKE) --no-print-directory -C module clean
	rm -rf .output
endif
