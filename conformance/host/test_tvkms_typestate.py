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


def test_the_module_itself_uses_the_typed_chain():
    source = (MODULE / "tvkms_commit.c").read_text()
    chain = ["tvkms_tail_begin(", "tvkms_tail_wait(", "tvkms_tail_disables(",
             "tvkms_tail_planes(", "tvkms_tail_enables(",
             "tvkms_tail_hw_done(", "tvkms_tail_flip_done(",
             "tvkms_tail_cleanup(", "tvkms_tail_finish("]
    tail = source[source.index("static void tvkms_commit_tail("):]
    for stage in chain:
        assert stage in tail, stage
