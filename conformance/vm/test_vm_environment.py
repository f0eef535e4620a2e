# SPDX-License-Identifier: GPL-2.0
"""What every in-guest test relies on: the file systems ci/vm mounts and
the kernel features the tracers need."""
import os
import pathlib

import pytest


def mounts():
    with open("/proc/mounts") as f:
        return {line.split()[1]: line.split()[2] for line in f}


def test_runs_inside_the_vm_as_root():
    assert os.environ.get("KMST_IN_VM") == "1"
    assert os.geteuid() == 0


@pytest.mark.parametrize("path,fstype", [
    ("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"),
    ("/sys/kernel/debug", "debugfs"), ("/sys/fs/bpf", "bpf"), ("/", "overlay"),
])
def test_file_system_is_mounted(path, fstype):
    assert mounts().get(path) == fstype


def test_tracefs_is_mounted():
    table = mounts()
    assert "tracefs" in (table.get("/sys/kernel/tracing"),
                         table.get("/sys/kernel/debug/tracing"))


def test_kernel_has_btf_for_vmlinux_and_drm():
    assert pathlib.Path("/sys/kernel/btf/vmlinux").stat().st_size > 1_000_000
    os.system("modprobe drm_kms_helper")
    assert pathlib.Path("/sys/kernel/btf/drm").exists()
    assert pathlib.Path("/sys/kernel/btf/drm_kms_helper").exists()


def test_root_file_system_is_writable_but_host_is_not_touched():
    probe = pathlib.Path("/etc/kmstrace-vm-probe")
    probe.write_text("x")
    assert probe.read_text() == "x"
    probe.unlink()
