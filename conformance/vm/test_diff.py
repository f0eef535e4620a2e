# SPDX-License-Identifier: GPL-2.0
"""`kmstrace diff` on real traces: the corpus's 1000 Hz flip burst replayed
on tvkms, twice as it is, then with a fault knob set. Two replays of one
sequence on one kernel diff as the same, under TCG's noisy timer too; the
`event-early` knob is a stage regression at every commit's line, naming
the event calls that changed; `vblank-jitter` is a regression of the VBLANK
interval distribution and of nothing else.

The replays are at --level full, as diff's users record: the stage
signatures name the VBLANK calls made inside the driver's callbacks, whose
exits the default level does not trace. One tracer session replays every
case (attaching is the slow part); a
first replay of the burst's modeset brings the CRTC to its mode, so that
every compared replay starts from the same state. On PREEMPT_RT each case
is replayed three times in that session, and the first take that lost no
tracer run is the one compared."""
import json
import shutil
import subprocess

import pytest

import tvkms_util as tv
from conftest import ROOT

BURST = ROOT / "traces" / "flip-burst-1000hz.seq"
FLIP_LINES = (16, 19)  # the burst's two flips, inside `repeat 100`
# file name -> the fault knob set while it replays ("none": a correct driver)
CASES = {"0-none": "warm-up", "1-none": "A", "2-none": "the same again",
         "3-event-early": "event-early", "4-vblank-jitter=8000000": "vblank-jitter"}


# Takes of each compared case in the one session: a PREEMPT_RT kernel can skip
# a tracer run now and then (tvkms_util.LOST_RUNS), and a lossy take is not compared.
TAKES = "abc" if tv.PREEMPT_RT else "a"


@pytest.fixture(scope="module")
def traces(kmstrace, tmp_path_factory):
    """Replay the burst once per case and take in one tracer session:
    {case: the trace of its first take that lost no tracer run}."""
    tv.unload()
    result = tv.load(crtcs=1)
    assert result.returncode == 0, result.stderr
    seqs = tmp_path_factory.mktemp("diff-seqs")
    out = tmp_path_factory.mktemp("diff-traces")
    # "1-none" take "b" is 1b-none.seq; the hook reads the knob after the first "-"
    takes = {name: [name] if name == "0-none" else
             [name.replace("-", take + "-", 1) for take in TAKES] for name in CASES}
    # the warm-up first, then the cases' takes interleaved: 1a 2a 3a 4a 1b ...
    paths = [seqs / "0-none.seq"] + [seqs / f"{takes[name][i]}.seq"
                                     for i in range(len(TAKES)) for name in CASES
                                     if name != "0-none"]
    for path in paths:
        shutil.copy(BURST, path)
    # the warm-up needs only the burst's modeset: up to its first `wait event`
    text = BURST.read_text()
    paths[0].write_text(text[:text.index("wait event\n") + len("wait event\n")])
    faults = tv.debugfs_dir() / "faults"
    hook = (f'echo none > {faults} && n=$(basename "$KMSTRACE_SEQ" .seq) && '
            f'echo "${{n#*-}}" > {faults}')
    for _ in range(tv.RECORDING_ATTEMPTS):
        try:
            run = subprocess.run([str(kmstrace), "replay", *map(str, paths), "--device",
                                  tv.card()[1], "-o", f"{out}/", "--no-check", "--before-each",
                                  hook, "--level", "full"],
                                 capture_output=True, text=True, timeout=900, cwd=ROOT)
        finally:
            tv.write_knob("none")
        assert run.returncode == 0, run.stderr[-3000:]
        found, complete = {}, True
        for name, names in takes.items():
            recorded = [out / f"{take}.seq.kmst" for take in names]
            for trace in recorded:
                assert trace.exists(), (trace.name, run.stderr[-2000:])
            whole = [t for t in recorded
                     if name == "0-none" or not tv.lost_tracer_runs(kmstrace, t)]
            found[name] = (whole or recorded)[0]
            complete = complete and bool(whole)
        if complete:
            break
    yield found
    tv.unload()


def diff(kmstrace, a, b, *args):
    return subprocess.run([str(kmstrace), "diff", str(a), str(b), *args], capture_output=True,
                          text=True, timeout=120)


def test_the_same_sequence_replayed_twice_diffs_the_same(kmstrace, traces):
    result = diff(kmstrace, traces["1-none"], traces["2-none"])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("SAME: 201 commits with the same stages and results"), result.stdout[-4000:]


def test_event_early_is_a_stage_regression_at_the_flips_naming_the_event_calls(kmstrace, traces):
    result = diff(kmstrace, traces["1-none"], traces["3-event-early"])
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr
    out = result.stdout
    lines = ", ".join(f"line {line} (x100)" for line in FLIP_LINES)
    assert f"STAGES DIFFER on 200 commits: {lines} of " in out, out[-4000:]
    assert "missing in B: VBLANK_GET ARM_VBLANK_EVENT; only in B: SEND_VBLANK_EVENT" in out, out[-4000:]
    side_a = next(line for line in out.splitlines() if line.startswith("    A (commit"))
    assert "CRTC_ATOMIC_FLUSH [VBLANK_GET] [ARM_VBLANK_EVENT]" in side_a, side_a
    # the modeset at line 9 (the CRTC is on from the warm-up) sends its event early too
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("REGRESSION: stages differ on 201 commits"), last


def test_vblank_jitter_is_a_regression_of_the_vblank_interval_only(kmstrace, traces):
    result = diff(kmstrace, traces["1-none"], traces["4-vblank-jitter=8000000"], "-f", "json")
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr
    report = json.loads(result.stdout)
    assert report["stage_differences"] == [] and report["errno_differences"] == []
    regressed = [(t["kind"], t["crtc"]) for t in report["timing"] if t["regression"]]
    assert regressed == [("vblank_interval", 0)], report["timing"]
    # tvkms caps the delay at half a 1 ms frame: every interval is that far off
    vblank = report["timing"][[t["kind"] for t in report["timing"]].index("vblank_interval")]
    assert vblank["b"]["measure_p50"] >= 400_000, vblank
    text = diff(kmstrace, traces["1-none"], traces["4-vblank-jitter=8000000"]).stdout
    assert text.rstrip().splitlines()[-1] == "REGRESSION: vblank_interval slower on crtc 0"
