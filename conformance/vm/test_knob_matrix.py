# SPDX-License-Identifier: GPL-2.0
"""Every tvkms fault knob on the corpus: wherever a knob broke its rule
(tvkms fired its tvkms:tvkms_fault tracepoint in the trace), the checker
FAILS that rule; on a sequence the knob left alone the verdict is the one
traces/verdicts.txt gives. The corpus is replayed once per knob, on a
freshly loaded tvkms, in the order of the clean run.

`make check-knobs` runs the whole corpus (KMST_KNOB_MATRIX=full); any
other KMST_KNOB_MATRIX value runs the sequences in SHORT. Without it,
ci/check leaves this file out: make check's knob round is
test_rules_faults.py, each knob once at its line."""
import json
import os
import subprocess
import sys

import pytest

import tvkms_util as tv
from conftest import ROOT, corpus_verdicts

sys.path.insert(0, str(ROOT / "bpf"))
import kmstrace_event as K  # noqa: E402

TRACES = ROOT / "traces"
EXPECTED = corpus_verdicts()
SHORT = ["back-to-back.seq", "disable-enable.seq", "modeset-flips.seq", "nonblock-ebusy.seq", "test-only.seq"]
FULL = os.environ.get("KMST_KNOB_MATRIX") == "full"
SEQS = sorted(EXPECTED) if FULL else SHORT
# knob value (default 1: every eligible event); commit-stall is the watchdog's (test_watchdog.py)
VALUES = {"vblank-jitter": "8000000", "vblank-drop": "3"}
KNOBS = [rule for rule in sorted(K.RULES, key=K.RULES.get) if rule != "commit-stall"]
# A knob's true consequences, reported beside its rule (see test_rules_faults.py).
CONSEQUENCES = {"tail-order": {"event-early"},
                "vblank-off-missing": {"event-early", "event-missing"}}


def fired(kmstrace, trace, rule):
    """Whether tvkms fired its fault tracepoint for RULE in TRACE."""
    dump = subprocess.run([str(kmstrace), "-j", "dump", str(trace)], capture_output=True,
                          text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    return any(e.get("type") == "TVKMS_FAULT" and e.get("aux") == K.RULES[rule]
               for e in map(json.loads, (line for line in dump.stdout.splitlines()
                                         if line.startswith('{"ts_ns"'))))


def jitter_within_slack(kmstrace, trace):
    """Whether tvkms's vblank-jitter delay, min(value, frame / 2), is within
    the checker's default allowance, max(20 % of the frame, 500 us), on
    every CRTC of TRACE (the frame from its HANDLE_VBLANK records)."""
    dump = subprocess.run([str(kmstrace), "-j", "dump", str(trace)], capture_output=True,
                          text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    frames = {e["arg1"] for e in map(json.loads, (line for line in dump.stdout.splitlines()
                                                  if line.startswith('{"ts_ns"')))
              if e.get("type") == "HANDLE_VBLANK" and e.get("arg1")}
    delay = int(VALUES["vblank-jitter"])
    return bool(frames) and all(min(delay, f // 2) <= max(f // 5, 500_000) for f in frames)


@pytest.fixture(scope="module", params=KNOBS)
def knob_run(request, kmstrace, tmp_path_factory):
    knob = request.param
    setting = f"{knob}={VALUES[knob]}" if knob in VALUES else knob
    tv.unload()
    result = tv.load(crtcs=2, overlays=1, cursor=1)
    assert result.returncode == 0, result.stderr
    out = tmp_path_factory.mktemp(knob)
    faults = tv.debugfs_dir() / "faults"
    hook = f"echo none > {faults} && echo {setting} > {faults}"
    try:
        run = subprocess.run([str(kmstrace), "replay", *(str(TRACES / s) for s in SEQS),
                              "--device", tv.card()[1], "-o", str(out), "-f", "json",
                              "--before-each", hook],
                             capture_output=True, text=True, timeout=1800, cwd=ROOT)
    finally:
        tv.write_knob("none")
        tv.unload()
    reports = {}
    for line in run.stdout.splitlines():
        report = json.loads(line)
        assert "skipped" not in report, report
        reports[report["trace"].rsplit("/", 1)[-1][:-len(".kmst")]] = report
    return knob, run, reports


def test_every_knob_that_fired_fails_its_rule(kmstrace, knob_run):
    """A knob that fired never gives PASS: its rule fails, or (a timing knob
    on a sequence too short for two VBLANK intervals) is not judged; and
    somewhere in the corpus the rule FAILS."""
    knob, run, reports = knob_run
    assert set(reports) == set(SEQS), run.stderr[-3000:]
    caught = []
    for name, report in sorted(reports.items()):
        verdict, exercised = EXPECTED[name]
        rules = {v["rule"] for v in report["violations"]}
        consequences = CONSEQUENCES.get(knob, set())
        if fired(kmstrace, report["trace"], knob):
            status = report["rules"][knob]["status"]
            if knob == "vblank-jitter" and jitter_within_slack(kmstrace, report["trace"]):
                # The knob's delay is within the rule's stated tolerance: it
                # cannot fail it (README, known limits); only other rules are checked.
                assert rules <= consequences, (name, rules)
                continue
            assert status in ("fail", "not judged"), (name, report["rules"][knob])
            assert rules <= {knob} | consequences, (name, rules)
            assert report["verdict"] != "pass", name
            if status == "fail":
                caught.append(name)
        else:
            # The knob found nothing to break here; what an earlier sequence's
            # broken state left behind may still show as the knob's consequences.
            assert rules <= consequences, (name, [(v["rule"], v["detail"]) for v in report["violations"]])
            if not rules:
                assert report["verdict"] == verdict.lower(), (name, {
                    r: res.get("reason") for r, res in report["rules"].items()
                    if res["status"] == "not judged"})
    assert caught, f"{knob} failed its rule on none of {SEQS}"
    assert run.returncode == 1
