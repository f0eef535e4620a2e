# SPDX-License-Identifier: GPL-2.0
"""The stall watchdog of `kmstrace replay` and `kmstrace record`: a commit
whose hw_done does not come is a verdict within a minute, not a hang.

tvkms's commit-stall knob holds each commit's hw_done for N ms inside the
commit tail, where no signal reaches it: whoever issued the commit is stuck
in the kernel that long, and so is whoever closes the device after it. The
tool must not be: it writes one STALL record naming the missing completion,
finishes the trace with its END record, checks it and exits 1 while the
commit is still held. Each test then lets the held commit complete and waits
until nothing holds the device, so the next test finds tvkms usable."""
import json
import os
import subprocess
import sys
import time

import pytest

import tvkms_util as tv
from conftest import ROOT, corpus_verdicts

sys.path.insert(0, str(ROOT / "bpf"))
import kmstrace_event as K  # noqa: E402

HOLD_MS = 15000         # commit-stall: each commit's hw_done is held this long (5x the
                        # stall timeout: the verdict comes while the commit is held)
STALL_TIMEOUT_S = 3     # --stall-timeout
VERDICT_WITHIN_S = 60   # the promise: a verdict within a minute of the stall
TRACER_START_S = 240    # loading and attaching the tracers comes before any commit: up to
                        # 80 s on a loaded PREEMPT_RT guest (kprobe mode), not part of the promise
FLIPS = ROOT / "traces" / "modeset-flips.seq"
TIMING = {"vblank-jitter", "vblank-drop"}  # judged against TCG's timer (test_replay_corpus.py)


def read_trace(path):
    """Every record of a trace file as a dict (kmstrace_event.py's layout), END included."""
    data = path.read_bytes()
    magic, version, meta_len = K.FILE_HEADER.unpack_from(data)
    assert magic == K.FILE_MAGIC and version == K.EVENT_VERSION, f"{path}: not a trace"
    offset, records = K.FILE_HEADER.size + meta_len, []
    while offset + K.EVENT.size <= len(data):
        record = K.unpack_event(data[offset:offset + K.EVENT.size])
        assert record["size"] >= K.EVENT.size, f"{path}: bad record at byte {offset}"
        records.append(record)
        offset += record["size"]
    return records


def wait_until_device_free(timeout_s):
    """The held commit completes after HOLD_MS; then the killed client's close
    finishes and drops its reference on the module."""
    refcnt = "/sys/module/tvkms/refcnt"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(refcnt) as f:
            if int(f.read()) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"tvkms still in use {timeout_s} s after the stall test")


def device_in_use():
    with open("/sys/module/tvkms/refcnt") as f:
        return int(f.read()) > 0


@pytest.fixture(scope="module")
def card():
    with tv.session() as load:
        yield load()[1]


@pytest.fixture
def held_hw_done(card):
    """commit-stall set for one test; cleared, and the device free again, after it."""
    assert tv.write_knob(f"commit-stall={HOLD_MS}") == 0
    try:
        yield card
    finally:
        assert tv.write_knob("none") == 0
        wait_until_device_free(HOLD_MS / 1000 + 30)


def assert_stall_verdict(proc, trace, elapsed_s):
    """What every stalled command must leave: exit 1, a finished trace, one
    STALL record for the held commit, naming hw_done."""
    # The promise is timed from the stuck commit (below): loading the tracers comes first.
    assert elapsed_s < TRACER_START_S + VERDICT_WITHIN_S, \
        f"no verdict {elapsed_s:.0f} s after starting"
    # The verdict came while the commit was still held: the tool did not wait for the kernel.
    assert device_in_use(), "the held commit finished before the verdict"
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert trace.exists(), proc.stderr
    records = read_trace(trace)
    assert records and records[-1]["type"] == K.EV["END"], "the trace has no END record"
    stalls = [r for r in records if r["type"] == K.EV["STALL"]]
    assert len(stalls) == 1, f"{len(stalls)} STALL records: one stuck commit was expected"
    stall = stalls[0]
    assert stall["aux"] == K.EV["HW_DONE_COMPLETE"], \
        f"the STALL record names event type {stall['aux']}, not HW_DONE_COMPLETE"
    assert stall["commit_id"] != 0
    # The tracers say what the commit owes per CRTC: the STALL names the CRTC.
    crtcs = {r["crtc"] for r in records
             if r["type"] == K.EV["CRTC_STATE"] and r["commit_id"] == stall["commit_id"]}
    assert stall["crtc"] in crtcs, f"STALL on crtc {stall['crtc']}, CRTC_STATE for {crtcs}"
    assert stall["arg0"] >= STALL_TIMEOUT_S * 10**9, "reported before the bound"
    first = min(r["ts_ns"] for r in records
                if r["commit_id"] == stall["commit_id"] and r["type"] != K.EV["STALL"])
    # Both clocks are CLOCK_MONOTONIC: the tracer stamps with bpf_ktime_get_ns().
    stall_to_verdict_s = time.monotonic() - first / 1e9
    print(f"stall to verdict: {stall_to_verdict_s:.1f} s (commit {stall['commit_id']} began "
          f"{stall_to_verdict_s:.1f} s ago, reported after {stall['arg0'] / 1e9:.1f} s)")
    assert stall_to_verdict_s < VERDICT_WITHIN_S
    return stall


def test_replay_of_a_stalled_commit_exits_with_a_stall_verdict(kmstrace, held_hw_done,
                                                              tmp_path):
    trace = tmp_path / "t.kmst"
    start = time.monotonic()
    proc = subprocess.run([str(kmstrace), "replay", str(FLIPS), "--device", held_hw_done,
                           "-o", str(trace), "-f", "json",
                           "--stall-timeout", str(STALL_TIMEOUT_S)],
                          capture_output=True, text=True,
                          timeout=TRACER_START_S + VERDICT_WITHIN_S, cwd=ROOT)
    elapsed_s = time.monotonic() - start
    stall = assert_stall_verdict(proc, trace, elapsed_s)
    # The stuck commit is the one the replay issued first: its REPLAY_COMMIT never came.
    assert stall["tid"] != 0
    assert "stall" in proc.stderr


def test_record_of_a_stalled_client_exits_with_a_stall_verdict(kmstrace, held_hw_done,
                                                              tmp_path):
    trace = tmp_path / "t.kmst"
    # A legacy SETCRTC: a blocking commit, so the client sits in the held tail.
    client = ("import sys, tvkms_util as tv; "
              f"tv.Pipe(tv.Card({held_hw_done!r}), 0)")
    # Files, not pipes: the stuck client shares kmstrace's stdout and stderr,
    # and a pipe would only reach EOF when the client is gone.
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    start = time.monotonic()
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.run([str(kmstrace), "record", "-o", str(trace),
                               "--stall-timeout", str(STALL_TIMEOUT_S), "--",
                               sys.executable, "-c", client],
                              stdout=stdout, stderr=stderr,
                              timeout=TRACER_START_S + VERDICT_WITHIN_S,
                              cwd=ROOT / "conformance" / "vm")
    elapsed_s = time.monotonic() - start
    proc.stdout, proc.stderr = out.read_text(), err.read_text()
    assert_stall_verdict(proc, trace, elapsed_s)
    assert "stall" in proc.stderr


def replay_reports(kmstrace, device, out, *args):
    """Replay the corpus sequences that run on one CRTC: {sequence: JSON report}, stderr."""
    seqs = sorted((ROOT / "traces").glob("*.seq"))
    proc = subprocess.run([str(kmstrace), "replay", *map(str, seqs), "--device", device,
                           "-o", str(out), "-f", "json", *args],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    reports = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
            if "skipped" in report:  # a sequence this device cannot run
                continue
            reports[os.path.basename(report["trace"])] = report
    assert reports, proc.stderr
    return reports, proc


def test_watchdog_reports_no_stall_on_a_correct_driver(kmstrace, card, tmp_path):
    """The corpus under a tight watchdog gives the verdicts traces/verdicts.txt
    gives it, and no STALL record: the watchdog never mistakes a correct
    driver's commit for a stuck one."""
    expected = corpus_verdicts()
    for attempt in range(tv.RECORDING_ATTEMPTS):
        out = tmp_path / f"attempt-{attempt}"
        on, proc = replay_reports(kmstrace, card, out, "--stall-timeout", "2")
        # A trace that lost skipped tracer runs (PREEMPT_RT) judges no rule,
        # and the watchdog says in one info line which commits it could not judge.
        lossy = any(report.get("missed_runs") for report in on.values())
        assert "kmstrace: stall:" not in proc.stderr, proc.stderr
        assert lossy or "stall watchdog" not in proc.stderr, proc.stderr
        for name in on:
            stalls = [r for r in read_trace(out / name) if r["type"] == K.EV["STALL"]]
            assert stalls == [], f"{name}: a STALL record on a correct driver"
        if not lossy:
            break
    for name, report in on.items():
        assert report["rules"]["commit-stall"]["status"] == "pass", name
        not_timing = [v for v in report["violations"] if v["rule"] not in TIMING]
        assert not not_timing, (name, not_timing[:3])
        if not report["violations"]:
            assert report["verdict"] == expected[name[:-len(".kmst")]][0].lower(), name
