# SPDX-License-Identifier: GPL-2.0
"""ci/vm, the VM runner: what it promises to every other test."""
import shutil
import subprocess

import pytest

from conftest import ROOT, kernel_release, kernels

VM = str(ROOT / "ci" / "vm")
FIRST = kernels()[0]


def run_vm(*args, timeout=600):
    return subprocess.run([VM, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("alias", kernels())
def test_boots_the_named_kernel(alias):
    result = run_vm("-k", alias, "--", "uname", "-r")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == kernel_release(alias)
    assert "boot to command" in result.stderr


def test_exit_status_propagates():
    result = run_vm("-k", FIRST, "--", "sh", "-c", "echo out; exit 7")
    assert result.returncode == 7, result.stderr
    assert result.stdout.strip() == "out"


def test_command_runs_as_root_in_the_work_tree_which_is_writable(tmp_path):
    marker = ROOT / ".output" / "vm-write-test"
    marker.unlink(missing_ok=True)
    script = f"id -u; pwd; echo guest > {marker}"
    result = run_vm("-k", FIRST, "--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", str(ROOT)]
    assert marker.read_text().strip() == "guest"
    marker.unlink()


def test_timeout_ends_a_hung_guest():
    result = run_vm("-k", FIRST, "-t", "25", "--", "sleep", "600")
    assert result.returncode == 124
    assert "timeout" in result.stderr and "25 s" in result.stderr


def test_unknown_alias_lists_the_known_ones():
    result = run_vm("-k", "4.19", "--", "true")
    assert result.returncode == 2
    assert "unknown kernel alias '4.19'" in result.stderr
    for alias in ("6.1", "6.12"):
        assert alias in result.stderr


def test_kernel_warn_fails_the_run(tmp_path):
    """A WARN_ON in the guest fails the run even though the command succeeded."""
    release = kernel_release(FIRST)
    build = tmp_path / "warn_on"
    shutil.copytree(ROOT / "conformance" / "fixtures" / "warn_on", build)
    subprocess.run(["make", "-s", "-C", f"/lib/modules/{release}/build",
                    f"M={build}", "modules"], check=True, capture_output=True)
    module = ROOT / ".output" / "warn_on.ko"
    shutil.copy(build / "warn_on.ko", module)
    result = run_vm("-k", FIRST, "--", "insmod", str(module))
    module.unlink()
    assert result.returncode == 125, result.stderr
    assert "kernel splat" in result.stderr
    assert "WARNING:" in result.stderr and "kmst_warn_on_init" in result.stderr
