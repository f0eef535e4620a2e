# SPDX-License-Identifier: GPL-2.0
"""Fixtures shared by the host suite (conformance/host) and the in-guest
suite (conformance/vm)."""
import json
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


def misattributed_records(kmstrace, trace):
    """Records of TRACE (a replay's or a fuzz run's) tied to the wrong
    commit or written out of place:
    - each REPLAY_COMMIT must come after the exit record of its thread's
      atomic ioctl carrying its line (user_data), with no other
      REPLAY_COMMIT between, and name that ioctl's commit: the checker
      reads a trace in file order, so one written ahead of its ioctl's
      records is judged against the wrong commit;
    - a drm_crtc_send_vblank_event's exit names the commit its entry named.
    Returns [(record index, why)]."""
    dump = subprocess.run([str(kmstrace), "dump", "-j", str(trace)], capture_output=True,
                          text=True, check=True).stdout.splitlines()
    exits, sending, bad = {}, {}, []
    for i, line in enumerate(dump):
        ev = json.loads(line)
        kind = ev.get("type")
        if kind == "ATOMIC_IOCTL" and ev["phase"] == "exit":
            exits[(ev["tid"], ev["arg0"])] = ev["commit_id"]
        elif kind == "REPLAY_COMMIT":
            commit = exits.get((ev["tid"], ev["arg0"]))
            if commit is None:
                bad.append((i, f"REPLAY_COMMIT of line {ev['arg0']}: its ioctl's exit is not "
                               "before it"))
            elif commit and ev["commit_id"] != commit:
                bad.append((i, f"REPLAY_COMMIT of line {ev['arg0']}: names commit "
                               f"{ev['commit_id']}, its ioctl's is {commit}"))
            exits.clear()
        elif kind == "SEND_VBLANK_EVENT" and ev["phase"] == "enter":
            sending[ev["tid"]] = ev["commit_id"]
        elif kind == "SEND_VBLANK_EVENT" and ev["phase"] == "exit":
            commit = sending.pop(ev["tid"], None)
            if commit is not None and ev["commit_id"] != commit:
                bad.append((i, f"SEND_VBLANK_EVENT exit names commit {ev['commit_id']}, "
                               f"its entry {commit}"))
    return bad


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
