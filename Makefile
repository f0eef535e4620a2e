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
#
# KERNELS="6.1 6.12" picks the matrix; KERNEL the one `make run` boots.
KERNELS ?= 6.1 6.12
KERNEL ?= $(lastword $(KERNELS))
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
V ?= 0
export KERNELS PYTHON PREFIX DESTDIR V

.PHONY: all module mutants mutants-short bpf harness doc install uninstall vkms deps run check check-host check-vm check-knobs check-mutants bench fuzz fuzz-targets reliability clean

all: module bpf harness doc vkms

module:
	@$(MAKE) --no-print-directory -C module

# Not in `all`: each change to module/ rebuilds every mutant for every kernel.
mutants:
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
vkms:
	@if echo " $(KERNELS) " | grep -q " 6.1 "; then KERNELS=6.1 ci/vkms-peer; fi

deps:
	@ci/deps

run: deps
	@$(MAKE) --no-print-directory all
	@ci/vm -k $(KERNEL) --qemu-arg -vga --qemu-arg std -- ci/demo $(DEMO_ARGS)

# The mutants of make check's round only (module/Makefile's MUTANTS_SHORT).
mutants-short:
	@$(MAKE) --no-print-directory -C module mutants-short

check: deps
	@$(MAKE) --no-print-directory all mutants-short fuzz-targets
	@ci/check

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

check-vm: all mutants-short
	@ci/check --vm-only

bench: deps
	@$(MAKE) --no-print-directory all
	@ci/bench

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
# (ci/reliability); make check runs a short round (conformance/vm/test_afuzz.py).
reliability: deps
	@$(MAKE) --no-print-directory all fuzz-targets vkms
	@ci/reliability

clean:
	@$(MAKE) --no-print-directory -C module clean
	rm -rf .output
