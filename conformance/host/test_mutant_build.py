# SPDX-License-Identifier: GPL-2.0
"""A mutant build (module/Makefile, MUTANT=NAME) compiles its macro into the
files that name it and reuses the plain build's objects for the rest: the
mutant differs from tvkms exactly where its bug is written."""
import re
import subprocess

from conftest import ROOT, kernel_release, kernels

MODULE = ROOT / "module"


def build(*args):
    result = subprocess.run(["make", "-s", "-C", str(MODULE), *args], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_mutant_is_the_plain_module_but_where_its_macro_is_named():
    alias = kernels()[-1]
    release = kernel_release(alias)
    name = "event-from-flush"
    macro = "TVKMS_MUTANT_EVENT_FROM_FLUSH"
    build(f"KERNELS={alias}")
    build(f"KERNELS={alias}", f"MUTANT={name}")
    plain = ROOT / ".output" / "module" / release
    mutant = ROOT / ".output" / "mutants" / name / release
    assert (mutant / "tvkms.ko").is_file()
    named = {src.stem for src in MODULE.glob("tvkms_*.c")
             if re.search(rf"\b{macro}\b", src.read_text())}
    assert named, f"no source names {macro}"
    for src in MODULE.glob("tvkms_*.c"):
        obj = src.stem + ".o"
        command = (mutant / f".{obj}.cmd").read_text()
        same = (mutant / obj).read_bytes() == (plain / obj).read_bytes()
        if src.stem in named:
            assert f"-D{macro}" in command, f"{obj} was compiled without {macro}"
            assert not same, f"{obj} names {macro} but is the plain build's object"
        else:
            assert f"-D{macro}" not in command, f"{obj} does not name {macro}"
            assert same, f"{obj} was compiled again, not taken from the plain build"


def test_a_mutant_that_no_source_names_is_refused():
    result = subprocess.run(["make", "-s", "-C", str(MODULE), "MUTANT=no-such-bug"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "unknown MUTANT=no-such-bug" in result.stderr, result.stderr
