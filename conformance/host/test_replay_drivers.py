# SPDX-License-Identifier: GPL-2.0
"""Drivers we did not write (upstream vkms, bochs-drm, virtio-gpu), each in
its own ci/vm boot: the corpus replays with no rule violation, and every
rule the driver's capabilities allow is judged somewhere in the corpus and
passes. A rule may be n/a only because the driver lacks what it covers; a
report that is merely n/a, or not judged, fails."""
import json
import subprocess

import pytest

import foreign_drivers as fd
from conftest import misattributed_records

pytestmark = pytest.mark.guest

CAPABILITY = "the driver has no"


@pytest.mark.parametrize("alias,driver", list(fd.cases()), ids=lambda p: p)
def test_corpus_on_foreign_driver_judges_every_rule_it_allows(alias, driver):
    if driver == "vkms":
        assert fd.vkms_module(alias).exists(), "the vkms peer is built by `make` (ci/vkms-peer)"
    result, _, _ = fd.run(alias, driver)
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-3000:]
    assert "{" in result.stdout, f"no report: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    reports, skipped = {}, {}
    # -f json: a sequence the device cannot run is a JSON line too, never text.
    assert ": skipped: " not in result.stdout, result.stdout[-2000:]
    for line in result.stdout.splitlines():
        if not line.startswith("{"):
            continue
        report = json.loads(line)
        if "skipped" in report:
            skipped[report["seq"].rsplit("/", 1)[-1]] = report["skipped"]
        else:
            reports[report["trace"].rsplit("/", 1)[-1][:-len(".kmst")]] = report
    assert set(reports) | set(skipped) == {p.name for p in fd.CORPUS}, result.stderr[-3000:]
    assert reports, "at least the single-CRTC sequences run"
    for name, reason in skipped.items():
        assert "has no such" in reason, (name, reason)
    passed, capability_na = set(), {}
    for name, report in reports.items():
        assert report["driver"] == driver
        assert report["violations"] == [], (name, [(v["rule"], v["detail"])
                                                   for v in report["violations"]][:4])
        not_judged = {r: res["reason"] for r, res in report["rules"].items()
                      if res["status"] == "not judged"}
        assert not not_judged, (name, not_judged)
        # nonblock-ebusy.seq too: without VBLANK the flip completes inside
        # the commit, and the trace shows EBUSY was not owed, or that the
        # flip completed while setup_commit's stall check ran (check/expect.c).
        assert report["expectation_failures"] == [], (name, report["expectation_failures"])
        assert report["verdict"] == "pass", name
        for rule, res in report["rules"].items():
            if res["status"] == "pass":
                passed.add(rule)
            elif res["status"] == "n/a" and res["reason"].startswith(CAPABILITY):
                capability_na.setdefault(rule, res["reason"])
    rules = set(next(iter(reports.values()))["rules"])
    unjudged = rules - passed - set(capability_na)
    assert not unjudged, f"{driver}: rules its capabilities allow were never judged: {unjudged}"
    if driver == "bochs-drm":
        assert {"vblank-jitter", "vblank-drop", "event-early"} <= set(capability_na)
    if driver == "vkms":
        assert {"event-early", "vblank-jitter", "vblank-drop", "vblank-off-missing"} <= passed
    assert {"tail-order", "event-missing", "event-twice", "skip-check"} <= passed


@pytest.mark.parametrize("alias,driver", list(fd.cases()), ids=lambda p: p)
def test_foreign_driver_traces_name_each_records_own_commit(kmstrace, alias, driver):
    """Without VBLANK (bochs-drm) the helper's own event is sent right after
    a client's flip, and a commit's ioctl records can be held back in the
    ring buffer behind another CPU's: each record still names its commit,
    and each REPLAY_COMMIT follows its ioctl's records."""
    result, out, _ = fd.run(alias, driver)
    traces = sorted(out.glob("*.seq.kmst"))
    assert traces, result.stderr[-3000:]
    bad = {t.name: errors[:3] for t in traces if (errors := misattributed_records(kmstrace, t))}
    assert not bad, bad
