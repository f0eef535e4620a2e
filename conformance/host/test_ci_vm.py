# SPDX-License-Identifier: GPL-2.0
"""ci/vm, the VM runner: what it promises to every other test."""
import os
import pathlib
import shlex
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, kernel_release, kernels

pytestmark = pytest.mark.guest

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


def test_exit_status_propagates_and_append_reaches_the_kernel_command_line():
    script = "echo out; cat /proc/cmdline; cat /sys/kernel/slab/kmalloc-8/store_user; exit 7"
    result = run_vm("-k", FIRST, "--append", "kmst_word=1", "--append=slub_debug=U", "--",
                    "sh", "-c", script)
    assert result.returncode == 7, result.stderr
    out, cmdline, store_user = result.stdout.strip().splitlines()
    assert out == "out"
    assert cmdline.split()[-2:] == ["kmst_word=1", "slub_debug=U"], cmdline
    assert store_user == "1"


def test_command_runs_as_root_in_the_work_tree_which_is_writable(tmp_path):
    marker = ROOT / ".output" / "vm-write-test"
    marker.unlink(missing_ok=True)
    script = f"id -u; pwd; echo guest > {shlex.quote(str(marker))}"
    result = run_vm("-k", FIRST, "--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0", str(ROOT)]
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


# ---- a work tree anywhere ----
# ci/vm needs only ci/ of a tree, so each odd place gets a copy of ci/ and
# one cheap boot: the command prints where it ran, leaves a file there and
# exits 3. The guest's /tmp and /run are its own tmpfs; a tree there used
# to be hidden behind them.

def tree_at(parent, prefix="kmst-tree-"):
    """A work tree made of ci/ only, in a new directory under PARENT. It
    shares this tree's initramfs and KVM probe result, which cost more than
    the boot itself when made afresh."""
    tree = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    shutil.copytree(ROOT / "ci", tree / "ci", symlinks=True)
    made = ROOT / ".output" / "vm"
    (tree / ".output" / "vm").mkdir(parents=True)
    for name in ["accel", f"initramfs-{kernel_release(FIRST)}.cpio.gz"]:
        if (made / name).exists():
            shutil.copy2(made / name, tree / ".output" / "vm" / name)
    return tree


def run_vm_in(tree, cwd):
    """ci/vm of TREE run from CWD, with $PWD as a shell there would set it."""
    script = "pwd; echo guest > ran-here; exit 3"
    return subprocess.run([str(tree / "ci" / "vm"), "-k", FIRST, "--",
                           "sh", "-c", script], capture_output=True, text=True,
                          timeout=600, cwd=cwd, env={**os.environ, "PWD": str(cwd)})


def assert_ran_in(result, shown, real):
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == str(shown), result.stderr
    assert (real / "ran-here").read_text().strip() == "guest"


@pytest.mark.parametrize("parent", ["/tmp", "/run"])
def test_work_tree_under_a_guest_tmpfs_is_reached(parent):
    """/tmp and /run are the guest's own tmpfs: the tree still shows there."""
    tree = tree_at(parent)
    try:
        assert_ran_in(run_vm_in(tree, tree), tree, tree)
    finally:
        shutil.rmtree(tree)


def test_work_tree_under_var_tmp_with_spaces_and_a_comma_is_reached():
    """/var/tmp, and a path no kernel command line or qemu option takes as is
    (one boot for both: neither case needs a guest of its own)."""
    tree = tree_at("/var/tmp", prefix="kmst tree, with spaces ")
    try:
        assert_ran_in(run_vm_in(tree, tree), tree, tree)
    finally:
        shutil.rmtree(tree)


def test_work_tree_through_a_symlink_runs_where_the_user_is():
    """The tree is reached through a symlink in /tmp, which the guest does not
    have: the command still runs in the path the user sees."""
    tree = tree_at("/var/tmp")
    links = pathlib.Path(tempfile.mkdtemp(prefix="kmst-links-", dir="/tmp"))
    shown = links / "tree"
    shown.symlink_to(tree)
    try:
        assert_ran_in(run_vm_in(shown, shown / "ci"), shown / "ci", tree / "ci")
    finally:
        shutil.rmtree(tree)
        shutil.rmtree(links)


def test_tree_under_a_path_with_a_space_builds_through_a_symlink():
    """Make splits words on spaces and Kbuild refuses them in M=: the top
    Makefile runs again from ci/spaceless-top's symlink. Building the man
    page and tvkms for one kernel crosses both (the rest of make uses the
    same TOP)."""
    parent = pathlib.Path(tempfile.mkdtemp(prefix="kmst tree, spaced "))
    tree = parent / "clone"
    tree.mkdir()
    try:
        for part in ["Makefile", "ci", "module", "doc", "bpf"]:
            src = ROOT / part
            if src.is_dir():
                shutil.copytree(src, tree / part, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, tree / part)
        result = subprocess.run(["make", "doc", "module", f"KERNELS={FIRST}"], cwd=tree,
                                capture_output=True, text=True, timeout=600,
                                env={**{k: v for k, v in os.environ.items() if k != "KMST_TOP"},
                                     "PWD": str(tree)})
        assert result.returncode == 0, result.stderr
        assert (tree / ".output" / "doc" / "kmstrace.1").stat().st_size > 0
        assert (tree / ".output" / "module" / kernel_release(FIRST) / "tvkms.ko").exists()
    finally:
        link = subprocess.run([str(tree / "ci" / "spaceless-top")], capture_output=True, text=True)
        if link.returncode == 0 and " " not in link.stdout:
            pathlib.Path(link.stdout.strip()).unlink(missing_ok=True)
        shutil.rmtree(parent)
