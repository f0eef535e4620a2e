# SPDX-License-Identifier: GPL-2.0
"""The corpus (traces/*.seq) replays on tvkms, with the tracers attached,
to the result traces/verdicts.txt gives it: the overall verdict, and the
rules each sequence exercises judged and passed; and bad input gets a
clear error and exit 2.

VBLANK timing is judged too: the tracers measure how late the host ran
each VBLANK timer, and what TCG adds is host noise, not a violation.

The traces stay in .output/traces/<kernel alias>/: ci/check diffs the
kernels' traces once every kernel ran."""
import functools
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

import tvkms_util as tv
from conftest import ROOT, corpus_verdicts, misattributed_records

TRACES = ROOT / "traces"
CORPUS = sorted(TRACES.glob("*.seq"))
EXPECTED = corpus_verdicts()


def fresh_tvkms():
    """tvkms loaded anew, every CRTC off: the corpus's first sequence enables
    its CRTC (vblank-off-missing is judged there). Returns the device path."""
    tv.unload()
    # two CRTCs so multi-crtc.seq runs; one overlay and a cursor per CRTC
    result = tv.load(crtcs=2, overlays=1, cursor=1)
    assert result.returncode == 0, result.stderr
    return tv.card()[1]


@pytest.fixture(scope="module")
def tvkms():
    yield fresh_tvkms()
    tv.unload()


def replay(kmstrace, *args, timeout=600):
    return subprocess.run([str(kmstrace), "replay", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def corpus_trace_dir():
    """Where this kernel's corpus traces stay after the boot, for ci/check's
    diff of the kernels: .output/traces/<kernel alias>/<sequence>.seq.kmst."""
    alias = os.environ.get("KMST_KERNEL_ALIAS") or os.uname().release
    return ROOT / ".output" / "traces" / alias


@functools.lru_cache(maxsize=None)
def corpus_replay(kmstrace, level="rules"):
    """Replay the whole corpus at trace LEVEL in one tracer session, on a
    freshly loaded tvkms: (CompletedProcess, {sequence name: JSON report}).
    At the default level the traces stay in corpus_trace_dir(). Done once
    per boot and level: test_levels compares the levels on the same runs."""
    out = corpus_trace_dir() if level == "rules" else pathlib.Path(tempfile.mkdtemp(prefix=level))
    for _ in range(tv.RECORDING_ATTEMPTS):
        shutil.rmtree(out, ignore_errors=True)
        # each attempt starts from the state the first found: every CRTC off
        result = replay(kmstrace, *CORPUS, "--device", fresh_tvkms(), "-o", f"{out}/", "-f", "json",
                        "--level", level)
        if tv.LOST_RUNS not in result.stderr:
            break
    reports = {}
    for line in result.stdout.splitlines():
        assert line.startswith("{"), f"not a report (a skipped sequence?): {line}"
        report = json.loads(line)
        reports[report["trace"].rsplit("/", 1)[-1][:-len(".kmst")]] = report
    return result, reports


@pytest.fixture(scope="module")
def corpus_reports(kmstrace):
    """The corpus replayed at the default level: {sequence name: JSON report}."""
    return corpus_replay(kmstrace)


@pytest.mark.parametrize("seq", CORPUS, ids=lambda p: p.name)
def test_corpus_sequence_replays_to_its_verdict(corpus_reports, seq):
    result, reports = corpus_reports
    verdict, exercised = EXPECTED[seq.name]
    assert seq.name in reports, result.stderr
    report = reports[seq.name]
    assert report["violations"] == [], json.dumps(
        [(v["rule"], v["line"], v["detail"]) for v in report["violations"][:3]], indent=1)
    assert report["expectation_failures"] == [], report["expectation_failures"]
    assert report["verdict"] == verdict.lower()
    statuses = {rule: res["status"] for rule, res in report["rules"].items()}
    assert {r for r, st in statuses.items() if st == "pass"} == exercised, statuses
    for rule, res in report["rules"].items():
        if rule not in exercised:
            assert res["status"] == "n/a" and res["reason"], (rule, res)
    assert report["driver"] == "tvkms"
    assert report["replay_commits"] > 0
    assert f"{seq}: " in result.stderr and " 0 missing, 0 extra" in result.stderr


def test_whole_corpus_replays_every_sequence(corpus_reports):
    result, reports = corpus_reports
    assert len(reports) == len(CORPUS)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_record_of_the_corpus_traces_names_its_own_commit(kmstrace, corpus_reports):
    """A REPLAY_COMMIT follows its ioctl's records and names its commit, even
    when a record another CPU was still writing held the ioctl's back in the
    ring buffer; a sent event's exit names its entry's commit."""
    result, reports = corpus_reports
    bad = {seq.name: errors[:3] for seq in CORPUS
           if (errors := misattributed_records(kmstrace, corpus_trace_dir() / f"{seq.name}.kmst"))}
    assert not bad, bad


def test_early_event_on_the_burst_fails_event_early(kmstrace, tvkms, tmp_path):
    """Issue 13's session: events sent at once from atomic_flush, never armed,
    while VBLANK is on but its interrupt never runs."""
    faults = tv.debugfs_dir() / "faults"
    faults.write_text("event-early\n")
    try:
        result = replay(kmstrace, TRACES / "flip-burst-1000hz.seq", "--device", tvkms,
                        "-o", tmp_path / "early.kmst")
    finally:
        faults.write_text("none\n")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["event-early", "fail"] for line in lines), result.stdout[-3000:]
    assert lines[-1].startswith("FAIL: ") and "violations in 1 rule" in lines[-1], lines[-1]


def test_unknown_object_lists_what_the_device_has(kmstrace, tvkms, tmp_path):
    seq = tmp_path / "bad.seq"
    seq.write_text("kmstrace-seq 1\ncommit\n\tcrtc:7 ACTIVE=1\n")
    result = replay(kmstrace, seq, "--device", tvkms, "--no-trace")
    assert result.returncode == 2
    assert f"{seq}:3:2: crtc:7: the device (tvkms) has no such object; it has: crtc:0 crtc:1" \
        in result.stderr


def test_unknown_property_lists_the_object_properties(kmstrace, tvkms, tmp_path):
    seq = tmp_path / "bad.seq"
    seq.write_text("kmstrace-seq 1\ncommit\n\tplane:primary@crtc:0 FB_ID=none SHINY=1\n")
    result = replay(kmstrace, seq, "--device", tvkms, "--no-trace")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert f"{seq}:3:34: plane:primary@crtc:0 has no property 'SHINY'; it has:" in line
    assert "FB_ID" in line and "CRTC_ID" in line and "SRC_W" in line


def test_unknown_mode_lists_the_modes(kmstrace, tvkms, tmp_path):
    seq = tmp_path / "bad.seq"
    seq.write_text("kmstrace-seq 1\ncommit ALLOW_MODESET\n\tcrtc:0 MODE_ID=blob:mode:1234x567@61\n")
    result = replay(kmstrace, seq, "--device", tvkms, "--no-trace")
    assert result.returncode == 2
    assert "blob:mode:1234x567@61: the device (tvkms) has no such mode; it has:" in result.stderr
    assert "1024x768@60" in result.stderr


def test_malformed_sequence_is_reported_before_touching_the_device(kmstrace, tvkms, tmp_path):
    seq = tmp_path / "bad.seq"
    seq.write_text("kmstrace-seq 1\ncommit NONBLOK\n")
    result = replay(kmstrace, seq, "--device", tvkms)
    assert result.returncode == 2
    assert result.stderr.strip() == f"kmstrace: {seq}:2:8: unknown commit flag 'NONBLOK': " \
        "expected TEST_ONLY, NONBLOCK, ALLOW_MODESET, PAGE_FLIP_EVENT or expect=RESULT"


def test_unmet_requirement_skips_with_the_reason(kmstrace, tvkms, tmp_path):
    seq = tmp_path / "req.seq"
    seq.write_text("kmstrace-seq 1\nrequire plane:overlay5@crtc:0\ncommit\n\tcrtc:0 ACTIVE=0\n")
    result = replay(kmstrace, seq, "--device", tvkms, "--no-trace")
    assert result.returncode == 0
    assert "skipped: plane:overlay5@crtc:0: the device (tvkms) has no such object" in result.stdout


def test_an_incomplete_trace_does_not_stop_the_next_sequences(kmstrace, tvkms, tmp_path):
    """A verdict is one sequence's: the burst overflowing a 4 KiB ring
    buffer is INCOMPLETE (exit 2), with a report; the commits that lost
    their completions are not called stalled, and the sequence after it is
    still replayed and judged."""
    burst, after = TRACES / "flip-burst-1000hz.seq", TRACES / "back-to-back.seq"
    result = replay(kmstrace, burst, after, "--device", tvkms, "--ringbuf-size", "4096",
                    "-o", f"{tmp_path}/", "-f", "json")
    assert result.returncode == 2, result.stderr[-2000:]
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["trace"].rsplit("/", 1)[-1] for r in reports] == \
        ["flip-burst-1000hz.seq.kmst", "back-to-back.seq.kmst"], result.stderr[-2000:]
    assert reports[0]["verdict"] == "incomplete" and reports[0]["dropped"] > 0
    assert f"{after}: 9 commits" in result.stderr
    # A completion lost with the dropped records is no stall of the driver.
    assert "stall:" not in result.stderr and "stall watchdog (" not in result.stderr, \
        result.stderr[-2000:]
