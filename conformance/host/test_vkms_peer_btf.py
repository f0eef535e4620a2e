# SPDX-License-Identifier: GPL-2.0
"""The vkms peer carries module BTF on 6.1 (ci/vkms-peer, as tvkms.ko does),
so that fentry reaches vkms_composer_worker: make bench times the two
drivers' composers the same way (harness/bench/vkms_compare)."""
import subprocess

import pytest

from conftest import OUTPUT, kernel_release, kernels


@pytest.mark.skipif("6.1" not in kernels(), reason="the vkms peer is built for 6.1 only")
def test_vkms_peer_has_btf_for_its_composer_work_function():
    release = kernel_release("6.1")
    module = OUTPUT / "vkms" / release / "vkms.ko"
    base = OUTPUT / "btf" / release / "vmlinux"
    assert module.exists(), "the vkms peer is built by `make` (ci/vkms-peer)"
    assert base.exists(), f"{base}: the base BTF module/Makefile extracts for {release}"
    dump = subprocess.run(["bpftool", "btf", "dump", "file", str(module), "-B", str(base)],
                          capture_output=True, text=True)
    assert dump.returncode == 0, f"vkms.ko has no readable module BTF: {dump.stderr[-500:]}"
    assert "FUNC 'vkms_composer_worker'" in dump.stdout, \
        "vkms.ko's BTF lacks vkms_composer_worker: fentry cannot time the vkms composer"
