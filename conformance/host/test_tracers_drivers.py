# SPDX-License-Identifier: GPL-2.0
"""The tracers on real drivers other than tvkms: in the driver's boot
(foreign_drivers.py, shared with the corpus replay), a client's atomic page
flips are recorded, and the trace is checked on the host. bochs-drm has no VBLANK support: that must show up as a
driver trait, with the commit path still traced."""
import json
import pathlib
import subprocess

import pytest

import foreign_drivers as fd
from conftest import OUTPUT

pytestmark = pytest.mark.guest

KMSTRACE = OUTPUT / "harness" / "kmstrace"

CORE_STAGES = ["ATOMIC_IOCTL", "CHECK_ONLY", "SETUP_COMMIT", "PREPARE_PLANES", "SWAP_STATE",
               "COMMIT_PLANES", "PLANE_ATOMIC_UPDATE", "HW_DONE", "CLEANUP_PLANES", "CLEANUP_DONE",
               "STATE_FREE"]


@pytest.fixture(scope="module", params=list(fd.cases({"bochs-drm", "virtio_gpu"})),
                ids=lambda p: f"{p[0]}-{p[1]}")
def driver_trace(request):
    """The flip client recorded in the driver's boot (foreign_drivers.run)."""
    alias, driver = request.param
    proc, _, trace = fd.run(alias, driver)
    assert proc.returncode in (0, 1) and trace.exists(), proc.stdout[-2000:] + proc.stderr[-3000:]
    return driver, trace


def dump(trace):
    lines = subprocess.run([str(KMSTRACE), "-j", "dump", str(trace)], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    meta = json.loads(lines[0])["meta"].splitlines()
    return meta, [json.loads(line) for line in lines[1:] if line.startswith('{"ts_ns"')]


def test_atomic_flips_are_traced_through_every_core_stage(driver_trace):
    driver, trace = driver_trace
    meta, events = dump(trace)
    flips = {e["commit_id"] for e in events if e["type"] == "ATOMIC_IOCTL" and "page_flip_event" in e["flags"]}
    assert len(flips) >= 3, f"{driver}: expected 3 traced flips"
    commit = max(flips)
    types = [e["type"] for e in events if e["commit_id"] == commit]
    missing = [stage for stage in CORE_STAGES if stage not in types]
    assert not missing, f"{driver}: commit {commit} lacks {missing}"
    delivered = [e for e in events if e["type"] == "VBLANK_EVENT_DELIVERED" and e["commit_id"] in flips]
    assert len(delivered) == len(flips), f"{driver}: one delivered event per flip"


def test_missing_vblank_support_is_a_trait_not_an_error(driver_trace):
    driver, trace = driver_trace
    meta, events = dump(trace)
    has_vblank_events = any(e["type"] == "HANDLE_VBLANK" for e in events)
    no_vblank_trait = any(line.startswith("trait=") and line.endswith("no-vblank") for line in meta)
    assert no_vblank_trait != has_vblank_events, f"{driver}: trait and events disagree"
    assert not any(line.startswith("missing=drm_") for line in meta if "atomic" in line), meta
