# SPDX-License-Identifier: GPL-2.0
"""Tracing that starts while a commit is running. tvkms at refresh=1 makes
every blocking commit wait about a second for its flip: `kmstrace record`
goes live in the middle of one. That commit's check ran before tracing
began, so the tracer marks it joined and the checker counts it instead of
reporting it as a commit that skipped atomic_check."""
import json
import pathlib
import subprocess
import threading

import pytest

import tvkms_util as tv

ROOT = pathlib.Path(__file__).resolve().parents[2]
KMSTRACE = ROOT / ".output" / "harness" / "kmstrace"


@pytest.fixture(scope="module")
def slow_tvkms():
    with tv.session() as load:
        yield load(refresh=1)


class BlockingFlipper(threading.Thread):
    """Legacy SETCRTC to the other framebuffer, back to back: each one is a
    blocking atomic commit that waits for the next 1 Hz VBLANK."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.commits = 0
        self.error = None

    def run(self):
        try:
            with tv.Card() as client:
                pipe = tv.Pipe(client, 0, "1024x768", 1)
                while not self.stop.is_set():
                    self.commits += 1
                    client.set_crtc(pipe.crtc_id, pipe.connector_id,
                                    pipe.fbs[self.commits % 2], pipe.mode)
        except Exception as exc:  # reported by the test
            self.error = exc


def test_commit_running_when_tracing_goes_live_is_joined_not_judged(slow_tvkms, tmp_path):
    trace = tmp_path / "attach.kmst"
    flipper = BlockingFlipper()
    flipper.start()
    try:
        # BPF loading takes seconds under TCG: the flipper is mid-commit when tracing goes live.
        record = subprocess.run([str(KMSTRACE), "record", "--duration", "4", "-o", str(trace)],
                                capture_output=True, text=True, timeout=300)
    finally:
        flipper.stop.set()
        flipper.join(timeout=10)
    assert flipper.error is None, flipper.error
    assert record.returncode == 0, record.stderr

    out = subprocess.run([str(KMSTRACE), "-j", "dump", str(trace)], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    events = [json.loads(line) for line in out if line.startswith('{"ts_ns"')]
    joined = {e["commit_id"] for e in events if "joined" in e["flags"].split("|")}
    assert joined, "no commit was marked joined: tracing went live between two commits"
    first = min(e["ts_ns"] for e in events if e["commit_id"] in joined)
    checked = [e for e in events
               if e["commit_id"] in joined and e["type"] in ("HELPER_CHECK", "CHECK_ONLY")]
    assert not checked, "a joined commit's check ran after tracing began"
    assert first == min(e["ts_ns"] for e in events if e["commit_id"]), \
        "the joined commit is the one already running at the start"

    result = subprocess.run([str(KMSTRACE), "check", "-f", "json", str(trace)],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert report["violations"] == [], [(v["rule"], v["detail"]) for v in report["violations"]]
    assert result.returncode == 0, result.stderr
    assert report["joined"] == len(joined)
    # The commits after it were traced whole, and judged.
    assert report["commits"] > report["joined"] + report["cut"]
    assert report["rules"]["skip-check"]["status"] == "pass"
    assert report["rules"]["skip-check"]["checked"] >= 1
