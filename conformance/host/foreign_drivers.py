# SPDX-License-Identifier: GPL-2.0
"""Drivers we did not write, each run once per kernel in one ci/vm boot that
serves every test about it: the corpus replayed with the tracers attached
(test_replay_drivers.py) and a flip client recorded (test_tracers_drivers.py).
One boot rather than two saves a guest start and a tracer load per driver."""
import functools
import shlex
import subprocess

from conftest import OUTPUT, ROOT, kernel_release, kernels

CORPUS = sorted((ROOT / "traces").glob("*.seq"))
KMSTRACE = OUTPUT / "harness" / "kmstrace"
FLIP_CLIENT = OUTPUT / "harness" / "bench" / "tracing_overhead"

# name as drmGetVersion reports it: (how to load it, qemu device arguments, kernels)
DRIVERS = {
    "bochs-drm": ("modprobe bochs", ["-vga", "std"], None),
    "virtio_gpu": ("modprobe virtio-gpu", ["-vga", "none", "-device", "virtio-gpu-pci"], None),
    # upstream VKMS, built out of tree from Debian's linux-source-6.1 (ci/vkms-peer)
    "vkms": ("modprobe drm_kms_helper && (modprobe drm_shmem_helper || true) && insmod {vkms}",
             [], ["6.1"]),
}


def cases(drivers=None):
    """(kernel alias, driver) pairs that run here."""
    for driver, (_, _, only) in sorted(DRIVERS.items()):
        if drivers is not None and driver not in drivers:
            continue
        for alias in kernels():
            if only is None or alias in only:
                yield alias, driver


def vkms_module(alias):
    return OUTPUT / "vkms" / kernel_release(alias) / "vkms.ko"


@functools.lru_cache(maxsize=None)
def run(alias, driver):
    """Boot ALIAS with DRIVER's device, load it, replay the corpus (JSON
    reports on stdout) and record a 3-flip client. Returns (CompletedProcess,
    replay output directory, flip-client trace)."""
    load, qemu, _ = DRIVERS[driver]
    load = load.format(vkms=shlex.quote(str(vkms_module(alias))))
    out = OUTPUT / "replay-drivers" / f"{driver}-{alias}"
    out.mkdir(parents=True, exist_ok=True)
    flips = out / "flip-client.kmst"
    flips.unlink(missing_ok=True)
    qemu_args = [arg for q in qemu for arg in ("--qemu-arg", q)]
    # The replay's status is the verdict (judged by the tests); the record must work.
    q = lambda path: shlex.quote(str(path))  # noqa: E731 (the tree may be under a path with spaces)
    script = (f"{load} && sleep 1 && "
              f"{{ {q(KMSTRACE)} replay {' '.join(q(p) for p in CORPUS)} --driver {driver} "
              f"-o {q(str(out) + '/')} -f json; status=$?; "
              f"{q(KMSTRACE)} -q record -o {q(flips)} -- {q(FLIP_CLIENT)} --flip-client 3 >&2 "
              f"|| exit 99; exit $status; }}")
    proc = subprocess.run([str(ROOT / "ci" / "vm"), "-k", alias, "-t", "900", *qemu_args, "--",
                           "sh", "-c", script], capture_output=True, text=True, timeout=1000,
                          cwd=ROOT)
    return proc, out, flips
