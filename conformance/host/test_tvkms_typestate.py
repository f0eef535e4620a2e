# SPDX-License-Identifier: GPL-2.0
"""The typed commit tail of tvkms (module/tvkms_tail.h): calling a stage out
of order is a compile error, the right order compiles."""
import subprocess

from conftest import ROOT

MODULE = ROOT / "module"


def compile_c(path):
    return subprocess.run(
        ["gcc", "-std=gnu11", "-Werror", "-fsyntax-only", "-I", str(MODULE),
         str(path)], capture_output=True, text=True)


def test_misordered_tail_does_not_compile():
    result = compile_c(MODULE / "tests" / "tail_misordered.c")
    assert result.returncode != 0
    assert "incompatible type for argument 1 of 'tvkms_tail_planes'" in \
        result.stderr.replace("\u2018", "'").replace("\u2019", "'"), \
        result.stderr


def test_ordered_tail_compiles():
    result = compile_c(MODULE / "tests" / "tail_ordered.c")
    assert result.returncode == 0, result.stderr


def kernel_release():
    result = subprocess.run([str(ROOT / "ci" / "kernel"), "6.12"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def build_commit_object(tmp_path, patch=None):
    """Compile tvkms_commit.c as Kbuild does, from a copy of module/ (PATCH edits the copy)."""
    for src in list(MODULE.glob("*.[ch]")) + [MODULE / "Kbuild", ROOT / "bpf" / "kmstrace_event.h"]:
        (tmp_path / src.name).write_text(src.read_text())
    if patch:
        commit = tmp_path / "tvkms_commit.c"
        text = commit.read_text()
        assert patch[0] in text, "the typed chain is where the test expects it"
        commit.write_text(text.replace(patch[0], patch[1]))
    return subprocess.run(["make", "-s", "-C", f"/lib/modules/{kernel_release()}/build",
                           f"M={tmp_path}", "tvkms_commit.o"],
                          capture_output=True, text=True, timeout=300)


def test_the_modules_own_tail_reordered_does_not_compile(tmp_path):
    """Not a text search: the driver's real tail, with disables and planes
    swapped, is rejected by the compiler against the kernel headers."""
    (tmp_path / "ordered").mkdir()
    (tmp_path / "swapped").mkdir()
    ordered = build_commit_object(tmp_path / "ordered")
    assert ordered.returncode == 0, ordered.stderr[-2000:]
    swapped = build_commit_object(
        tmp_path / "swapped",
        patch=("tvkms_tail_planes(tvkms_tail_disables(ready))",
               "tvkms_tail_disables(tvkms_tail_planes(ready))"))
    assert swapped.returncode != 0
    assert "incompatible type for argument 1 of 'tvkms_tail_planes'" in \
        swapped.stderr.replace("\u2018", "'").replace("\u2019", "'"), swapped.stderr[-2000:]
