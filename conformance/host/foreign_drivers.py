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

# name as drmGetVersion reports it: the kernels it runs on (None: all). How each
# loads, and the qemu device it needs, is ci/driver-load's (shared with ci/igt).
DRIVERS = {
    "bochs-drm": None,
    "virtio_gpu": None,
    # upstream VKMS, built out of tree from Debian's linux-source-6.1 (ci/vkms-peer)
    "vkms": ["6.1"],
}


def cases(drivers=None):
    """(kernel alias, driver) pairs that run here."""
    for driver, only in sorted(DRIVERS.items()):
        if drivers is not None and driver not in drivers:
            continue
        for alias in kernels():
            if only is None or alias in only:
                yield alias, driver


def driver_load(alias, driver, *flags):
    """ci/driver-load's answer: the guest command that loads DRIVER, or with
    --qemu-args the qemu arguments of its device."""
    proc = subprocess.run([str(ROOT / "ci" / "driver-load"), *flags, alias, driver],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def vkms_module(alias):
    return OUTPUT / "vkms" / kernel_release(alias) / "vkms.ko"


@functools.lru_cache(maxsize=None)
def run(alias, driver):
    """Boot ALIAS with DRIVER's device, load it, replay the corpus (JSON
    reports on stdout; the default trace level) and record a 3-flip client
    at --level full (the whole stream, every core stage). Returns
    (CompletedProcess, replay output directory, flip-client trace)."""
    load = driver_load(alias, driver).strip()
    qemu = driver_load(alias, driver, "--qemu-args").split("\n")
    qemu = [arg for arg in qemu if arg]
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
              f"{q(KMSTRACE)} -q record --level full -o {q(flips)} -- {q(FLIP_CLIENT)} --flip-client 3 >&2 "
              f"|| exit 99; exit $status; }}")
    proc = subprocess.run([str(ROOT / "ci" / "vm"), "-k", alias, "-t", "900", *qemu_args, "--",
                           "sh", "-c", script], capture_output=True, text=True, timeout=1000,
                          cwd=ROOT)
    return proc, out, flips
