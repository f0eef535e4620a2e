# SPDX-License-Identifier: GPL-2.0
"""For every rule: set the matching tvkms fault knob, replay a sequence that
exercises it, and the checker reports exactly that rule, at the commit
(sequence line) that broke it. All sequences run in one tracer session;
`--before-each` sets the knob named by each sequence's file name.

Under TCG the emulated VBLANK timer is delivered late whenever the host
does not run the guest: the tracers measure that lateness and the checker
counts it as host noise, so no timing violation is excused here."""
import functools
import json
import os
import pathlib
import subprocess
import tempfile

import pytest

import tvkms_util as tv
from conftest import ROOT

HEAD = """kmstrace-seq 1
fb A XRGB8888 1024x768 fill=gradient
fb B XRGB8888 1024x768 fill=bars
commit ALLOW_MODESET PAGE_FLIP_EVENT
\tconnector:0 CRTC_ID=crtc:0
\tcrtc:0 MODE_ID=blob:mode:1024x768@60 ACTIVE=1
\tplane:primary@crtc:0 FB_ID=fb:A CRTC_ID=crtc:0 SRC_X=0 SRC_Y=0 SRC_W=1024.0 SRC_H=768.0 CRTC_X=0 CRTC_Y=0 CRTC_W=1024 CRTC_H=768
wait event
"""  # the modeset is line 4; the next line is 9
MODESET = 4

FLIPS = HEAD + """commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
wait event{timeout}
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:A
wait event{timeout}
"""  # flips at lines 9 and 12
FLIP_LINES = {9, 12}

# event-twice sends each flip event a second time at once, from atomic_flush,
# before the commit's own event: one `wait event` would return on that copy
# with the flip still pending, and the next nonblocking flip would get EBUSY
# or not as the VBLANK timer falls (a replay's outcome that varies with
# timing, which test_levels, comparing two replays, then reads as a
# difference). Two waits per commit take both events.
FLIPS_TWICE = HEAD + """wait event
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
wait event
wait event
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:A
wait event
wait event
"""  # flips at lines 10 and 14
FLIP_TWICE_LINES = {10, 14}

OVERLAP = HEAD + """commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
commit
\tplane:primary@crtc:0 FB_ID=fb:A
wait event
"""  # the blocking commit at line 11 follows the nonblocking flip at once

OFF_ON = HEAD + """commit ALLOW_MODESET PAGE_FLIP_EVENT
\tconnector:0 CRTC_ID=none
\tcrtc:0 MODE_ID=none ACTIVE=0
\tplane:primary@crtc:0 FB_ID=none CRTC_ID=none
wait event timeout=300
commit ALLOW_MODESET PAGE_FLIP_EVENT
\tconnector:0 CRTC_ID=crtc:0
\tcrtc:0 MODE_ID=blob:mode:1024x768@60 ACTIVE=1
\tplane:primary@crtc:0 FB_ID=fb:A CRTC_ID=crtc:0 SRC_X=0 SRC_Y=0 SRC_W=1024.0 SRC_H=768.0 CRTC_X=0 CRTC_Y=0 CRTC_W=1024 CRTC_H=768
wait event
"""  # the disable at line 9

PROBES = HEAD + """commit TEST_ONLY
\tplane:primary@crtc:0 FB_ID=fb:B
commit TEST_ONLY
\tplane:primary@crtc:0 FB_ID=fb:A
"""  # TEST_ONLY commits at lines 9 and 11

STEADY = HEAD + """repeat 40
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
wait event
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:A
wait event
end
"""  # 80 flips, ~1.3 s of VBLANKs

# knob setting -> (rule, sequence, lines that must be reported, lines allowed)
CASES = {
    "skip-check": ("skip-check", FLIPS, FLIP_LINES, FLIP_LINES),
    "tail-order": ("tail-order", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
    "plane-bracket": ("plane-bracket", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
    "fb-cleanup": ("fb-cleanup", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
    "event-twice": ("event-twice", FLIPS_TWICE, FLIP_TWICE_LINES,
                    FLIP_TWICE_LINES | {MODESET}),
    "event-missing": ("event-missing", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
    "event-early": ("event-early", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
    "cleanup-before-hw-done": ("cleanup-before-hw-done", FLIPS, FLIP_LINES,
                               FLIP_LINES | {MODESET}),
    "no-wait-dependencies": ("no-wait-dependencies", OVERLAP, {11}, {11}),
    "vblank-off-missing": ("vblank-off-missing", OFF_ON, {9}, {9}),
    # tvkms caps the delay at half a frame, over the default 20 % tolerance
    "vblank-jitter=8000000": ("vblank-jitter", STEADY, set(), set()),
    "vblank-drop=3": ("vblank-drop", STEADY, set(), set()),
    "test-only-commits": ("test-only-commits", PROBES, {9, 11}, {9, 11}),
    "state-leak": ("state-leak", FLIPS, FLIP_LINES, FLIP_LINES | {MODESET}),
}


# True consequences of a knob, reported beside its rule on the same commits:
# planes before disables flushes a disabling CRTC while its VBLANK is still
# on, so its event leaves early; an event armed on a pipe switched off
# without drm_crtc_vblank_off (which would have sent it) never comes.
CONSEQUENCES = {"tail-order": {"event-early"},
                "vblank-off-missing": {"event-early", "event-missing"}}


def seq_name(index, knob):
    return f"{index:02d}-{knob}"


def replay_faults(kmstrace, seqs, out, *extra):
    """Load tvkms, replay every case in one tracer session (EXTRA: more
    replay options), writing the sequences to SEQS and the traces to OUT:
    (CompletedProcess, {knob: JSON report}). tvkms stays loaded."""
    tv.unload()
    result = tv.load(crtcs=1, overlays=1, cursor=1)
    assert result.returncode == 0, result.stderr
    seqs.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (knob, (_, text, _, _)) in enumerate(CASES.items()):
        timeout = " timeout=300" if knob == "event-missing" else ""
        path = seqs / f"{seq_name(index, knob)}.seq"
        path.write_text(text.format(timeout=timeout))
        paths.append(path)
    faults = tv.debugfs_dir() / "faults"
    # the knob is the file name after "NN-"; `none` first also drops state-leak's held states
    hook = (f'echo none > {faults} && n=$(basename "$KMSTRACE_SEQ" .seq) && '
            f'echo "${{n#*-}}" > {faults}')
    try:
        run = subprocess.run([str(kmstrace), "replay", *map(str, paths), "--device", tv.card()[1],
                              "-o", str(out), "-f", "json", "--before-each", hook, *extra],
                             capture_output=True, text=True, timeout=900, cwd=ROOT)
    finally:
        tv.write_knob("none")
    reports = {}
    for line in run.stdout.splitlines():
        report = json.loads(line)
        assert "skipped" not in report, report
        name = report["trace"].rsplit("/", 1)[-1][:-len(".seq.kmst")]
        reports[name.split("-", 1)[1]] = report
    return run, reports


@functools.lru_cache(maxsize=None)
def fault_replay(kmstrace, level="rules"):
    """Every case replayed at trace LEVEL, once per boot and level (test_levels
    compares the levels on the same runs). The default level's traces are
    kept for inspection after the boot."""
    seqs = pathlib.Path(tempfile.mkdtemp(prefix=f"faults-{level}-"))
    # per kernel: make check boots the kernels at once from one tree
    alias = os.environ.get("KMST_KERNEL_ALIAS") or os.uname().release
    out = ROOT / ".output" / "fault-traces" / alias if level == "rules" else seqs / "traces"
    for _ in range(tv.RECORDING_ATTEMPTS):  # again while tracer runs were skipped (PREEMPT_RT)
        run, reports = replay_faults(kmstrace, seqs, out, "--level", level)
        if tv.LOST_RUNS not in run.stderr:
            break
    return run, reports


@pytest.fixture(scope="module")
def fault_reports(kmstrace):
    """Every case replayed in one tracer session at the default level: {knob: JSON report}."""
    yield fault_replay(kmstrace)
    tv.unload()


@pytest.mark.parametrize("knob", list(CASES))
def test_fault_knob_is_reported_as_exactly_its_rule_at_its_line(fault_reports, knob):
    run, reports = fault_reports
    rule, _, must, allowed = CASES[knob]
    assert knob in reports, run.stderr[-3000:]
    report = reports[knob]
    found = [v for v in report["violations"] if v["rule"] == rule]
    rules = {v["rule"] for v in report["violations"]}
    assert rule in rules and rules <= {rule} | CONSEQUENCES.get(rule, set()), \
        json.dumps([(v["rule"], v["line"], v["detail"]) for v in report["violations"]][:6])
    assert report["rules"][rule]["status"] == "fail"
    lines = {v["line"] for v in found}
    assert not must or lines & must, lines  # a commit the knob breaks
    if allowed:
        assert lines <= allowed, lines
    else:
        assert all(v["crtc"] == 0 and v["commit"] == 0 for v in found)
    v = found[0]
    assert v["events"] and v["window"], "offending events and context are reported"


def test_fault_batch_exits_with_violations(fault_reports):
    run, reports = fault_reports
    assert run.returncode == 1, run.stderr[-2000:]
    assert len(reports) == len(CASES)
