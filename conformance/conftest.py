# SPDX-License-Identifier: GPL-2.0
"""Fixtures shared by the host suite (conformance/host) and the in-guest
suite (conformance/vm)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / ".output"


def corpus_verdicts():
    """traces/verdicts.txt: {sequence file name: (VERDICT, {rules it exercises})}."""
    lines = (ROOT / "traces" / "verdicts.txt").read_text().splitlines()
    return {name: (verdict, set(rules)) for name, verdict, *rules in
            (line.split() for line in lines if line.strip() and not line.startswith("#"))}


def kernels():
    """The kernel matrix, as `make check` passes it."""
    return os.environ.get("KERNELS", "6.1 6.12").split()


def kernel_release(alias):
    return subprocess.run([str(ROOT / "ci" / "kernel"), alias], check=True,
                          capture_output=True, text=True).stdout.strip()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "guest: a host test that boots guests itself (ci/check runs these beside "
        "the kernels' VM suites)")


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def kmstrace():
    """Path of the built kmstrace tool."""
    path = OUTPUT / "harness" / "kmstrace"
    assert path.exists(), f"{path} is not built: run make"
    return path
