# SPDX-License-Identifier: GPL-2.0
"""False positives: the corpus replayed on drivers we did not write
(bochs-drm, virtio-gpu), each in its own ci/vm boot, reports no rule
violation; rules the driver cannot exercise are not applicable."""
import json
import subprocess

import pytest

from conftest import ROOT, kernels

CORPUS = sorted((ROOT / "traces").glob("*.seq"))
KMSTRACE = ROOT / ".output" / "harness" / "kmstrace"

DRIVERS = {
    # name as drmGetVersion reports it: (module, qemu device arguments)
    "bochs-drm": ("bochs", ["-vga", "std"]),
    "virtio_gpu": ("virtio-gpu", ["-vga", "none", "-device", "virtio-gpu-pci"]),
}

# Without VBLANK the flip completes inside the commit, so a second
# nonblocking flip may or may not find the first one pending: EBUSY is a
# tvkms expectation, not a rule.
TIMING_DEPENDENT = {"nonblock-ebusy.seq"}


def replay_in_vm(alias, driver, out):
    module, qemu = DRIVERS[driver]
    qemu_args = [arg for q in qemu for arg in ("--qemu-arg", q)]
    script = (f"modprobe {module} && sleep 1 && {KMSTRACE} replay "
              + " ".join(str(p) for p in CORPUS)
              + f" --driver {driver} -o {out} -f json")
    return subprocess.run([str(ROOT / "ci" / "vm"), "-k", alias, "-t", "900", *qemu_args, "--",
                           "sh", "-c", script], capture_output=True, text=True, timeout=1000,
                          cwd=ROOT)


@pytest.mark.parametrize("driver", sorted(DRIVERS))
@pytest.mark.parametrize("alias", kernels())
def test_corpus_on_foreign_driver_has_no_violation(alias, driver, tmp_path_factory):
    out = ROOT / ".output" / "replay-drivers" / f"{driver}-{alias}"
    out.mkdir(parents=True, exist_ok=True)
    result = replay_in_vm(alias, driver, out)
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-3000:]
    reports, skipped = {}, {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
            reports[report["trace"].rsplit("/", 1)[-1][:-len(".kmst")]] = report
        elif ": skipped: " in line:
            name, reason = line.split(": skipped: ", 1)
            skipped[name.rsplit("/", 1)[-1]] = reason
    assert set(reports) | set(skipped) == {p.name for p in CORPUS}, result.stderr[-3000:]
    assert reports, "at least the single-CRTC sequences run"
    for name, reason in skipped.items():
        assert "has no such" in reason, (name, reason)
    for name, report in reports.items():
        assert report["driver"] == driver
        assert report["violations"] == [], (name, [(v["rule"], v["detail"])
                                                   for v in report["violations"]][:4])
        statuses = {r["status"] for r in report["rules"].values()}
        assert statuses <= {"pass", "n/a"}, (name, report["rules"])
        if name not in TIMING_DEPENDENT:
            assert report["expectation_failures"] == [], (name, report["expectation_failures"])
    if driver == "bochs-drm":
        some = next(iter(reports.values()))
        for rule in ("vblank-jitter", "vblank-drop"):
            assert some["rules"][rule]["status"] == "n/a", some["rules"][rule]
