# SPDX-License-Identifier: GPL-2.0
"""The tracers on real drivers other than tvkms: each case boots the guest
with the driver's device, records atomic page flips, and checks the trace
on the host. bochs-drm has no VBLANK support: that must show up as a
driver trait, with the commit path still traced."""
import json
import pathlib
import subprocess

import pytest

from conftest import ROOT, OUTPUT, kernels

KMSTRACE = OUTPUT / "harness" / "kmstrace"

DRIVERS = {
    # name: (qemu args, modprobe name)
    "bochs": (["--qemu-arg", "-vga", "--qemu-arg", "std"], "bochs"),
    "virtio-gpu": (["--qemu-arg", "-vga", "--qemu-arg", "none", "--qemu-arg", "-device",
                    "--qemu-arg", "virtio-gpu-pci"], "virtio-gpu"),
}

CORE_STAGES = ["ATOMIC_IOCTL", "CHECK_ONLY", "SETUP_COMMIT", "PREPARE_PLANES", "SWAP_STATE",
               "COMMIT_PLANES", "PLANE_ATOMIC_UPDATE", "HW_DONE", "CLEANUP_PLANES", "CLEANUP_DONE",
               "STATE_FREE"]


@pytest.fixture(scope="module", params=[(k, d) for k in kernels() for d in DRIVERS], ids=lambda p: f"{p[0]}-{p[1]}")
def driver_trace(request):
    alias, driver = request.param
    qemu_args, module = DRIVERS[driver]
    out = OUTPUT / "tests" / "tracers" / f"{alias}-{driver}.trace"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    script = (f"modprobe {module} && sleep 1 && "
              f"{KMSTRACE} record -o {out} -- {OUTPUT}/harness/bench/tracing_overhead --flip-client 3")
    proc = subprocess.run([str(ROOT / "ci" / "vm"), "-k", alias, "-t", "300", *qemu_args, "--",
                           "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return driver, out


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
