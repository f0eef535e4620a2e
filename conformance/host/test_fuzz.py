# SPDX-License-Identifier: GPL-2.0
"""The parser fuzzers (harness/fuzz/, `make fuzz`): make check's short round.

Every regression input (conformance/fuzz/regress/TARGET/, an input a
fuzzer once crashed on) runs clean through its target, and the command
that reads such files answers it with a verdict or an error naming
the file (diff's inputs hold two traces, split as fuzz_diff splits them); then each target fuzzes for KMST_FUZZ_SECONDS (default 30, all
targets at once) and must find no crash, leak or undefined behaviour.
"""
import os
import re
import subprocess
import sys

import pytest

from conftest import OUTPUT, ROOT

sys.path.insert(0, str(ROOT / "conformance" / "fuzz"))
from seeds import diff_split  # noqa: E402

REGRESS = ROOT / "conformance" / "fuzz" / "regress"
TARGETS = sorted(p.stem[len("fuzz_"):] for p in (ROOT / "harness" / "fuzz").glob("fuzz_*.c"))
SECONDS = int(os.environ.get("KMST_FUZZ_SECONDS", "30"))
# The kmstrace command that reads a target's inputs, FILE standing for the
# input, A and B for the two traces a diff input holds.
COMMANDS = {
    "seq_parse": ["seq", "--parse", "FILE"],
    "trace_check": ["check", "FILE"],
    "seq_record": ["seq", "FILE"],
    "diff": ["diff", "A", "B"],
}
REGRESS_INPUTS = sorted(p for p in REGRESS.glob("*/*") if p.is_file())


@pytest.fixture(scope="module")
def fuzz_bin():
    """The targets, built if they are not (make fuzz-targets; nothing to do once built)."""
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "fuzz-targets"],
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    return OUTPUT / "fuzz" / "bin"


def test_every_regression_folder_names_a_target():
    assert {p.name for p in REGRESS.iterdir() if p.is_dir()} <= set(TARGETS)


def test_regression_inputs_are_tiny():
    big = [(p.relative_to(ROOT), p.stat().st_size) for p in REGRESS_INPUTS
           if p.stat().st_size > 4096]
    assert not big, "cut regression inputs down (libFuzzer -minimize_crash=1, or by hand)"


@pytest.mark.parametrize("target", [t for t in TARGETS if (REGRESS / t).is_dir()])
def test_regression_inputs_run_clean_through_their_target(fuzz_bin, target):
    inputs = sorted((REGRESS / target).iterdir())
    result = subprocess.run([str(fuzz_bin / f"fuzz_{target}"), *map(str, inputs)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stderr.count("Executed ") == len(inputs)


@pytest.mark.parametrize("path", REGRESS_INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_regression_input_gets_a_verdict_or_an_error_naming_the_file(kmstrace, path, tmp_path):
    target = path.parent.name
    assert target in COMMANDS, f"name the kmstrace command that reads {target}'s inputs"
    files = {"FILE": path}
    if "A" in COMMANDS[target]:
        traces = diff_split(path.read_bytes())
        assert traces, f"{path}: shorter than fuzz_diff's header"
        for name, trace in zip("AB", traces):
            files[name] = tmp_path / f"{name.lower()}.kmst"
            files[name].write_bytes(trace)
    args = [str(files.get(arg, arg)) for arg in COMMANDS[target]]
    result = subprocess.run([str(kmstrace), *args], capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1, 2, 3), result.stderr
    if result.returncode == 2:
        named = tuple(f"kmstrace: {files[arg]}" for arg in COMMANDS[target] if arg in files)
        errors = result.stderr.splitlines()
        assert len(errors) == 1 and errors[0].startswith(named), errors
        assert result.stdout == ""


def test_short_fuzz_round_finds_no_crash(fuzz_bin):
    # A round of no time would pass without fuzzing anything: refuse it.
    assert SECONDS > 0, f"KMST_FUZZ_SECONDS={SECONDS}: the round needs a positive number of seconds"
    env = dict(os.environ, FUZZ_SECONDS=str(SECONDS), FUZZ_JOBS=str(len(TARGETS)))
    result = subprocess.run([str(ROOT / "ci" / "fuzz")], capture_output=True, text=True, env=env,
                            timeout=SECONDS * len(TARGETS) + 300)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = re.findall(r"^fuzz (\w+): (\d+) executions, \d+ exec/s, \d+ features, 0 crashes$",
                      result.stdout, re.M)
    assert sorted(target for target, _ in runs) == TARGETS, result.stdout
    assert all(int(executions) > 0 for _, executions in runs), result.stdout
