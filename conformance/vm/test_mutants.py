# SPDX-License-Identifier: GPL-2.0
"""Mutant drivers (module/MUTANTS.md): each mutant is tvkms with one
realistic bug written into its normal code paths, built by
`make -C module mutants` into .output/mutants/NAME/RELEASE/tvkms.ko.

For each mutant: load it, replay the sequence that exercises its bug (a
corpus file, or a short sequence of its own where the corpus cannot show
the bug within DRM's own timeouts), and for the event and VBLANK mutants
also record a real client (`modetest -v`) and check that recording. The
checker must report the mutant's rule as failed, at the sequence lines of
the commits that carry the bug, and no other rule but the ones listed for
it. The unmodified tvkms, loaded the same way, must pass every sequence and
recording with every applicable rule judged.

Under TCG the emulated VBLANK can run late whenever the host does not run
the guest; the two timing rules are left out of a mutant's "no other rule"
assertion unless they are its own rule, never out of the unmodified
driver's."""
import dataclasses
import functools
import json
import os
import pathlib
import subprocess
import tempfile
import time

import pytest

import tvkms_util as tv
from conftest import ROOT

MUTANTS = ROOT / ".output" / "mutants"
TRACES = ROOT / "traces"
# KMST_KMSTRACE runs the same assertions against another build of the tool.
KMSTRACE = pathlib.Path(os.environ.get("KMST_KMSTRACE",
                                       ROOT / ".output" / "harness" / "kmstrace"))
TIMING = {"vblank-jitter", "vblank-drop"}
# refresh=1 adds the 1 Hz 1024x768 mode; the corpus uses the DMT 60 Hz one.
LOAD = {"crtcs": 1, "overlays": 1, "cursor": 1, "refresh": 1}
MODETEST_MODE = "1024x768-60"

HEAD = """kmstrace-seq 1
fb A XRGB8888 1024x768 fill=gradient
fb B XRGB8888 1024x768 fill=bars
commit ALLOW_MODESET PAGE_FLIP_EVENT
\tconnector:0 CRTC_ID=crtc:0
\tcrtc:0 MODE_ID=blob:mode:1024x768@{hz} ACTIVE=1
\tplane:primary@crtc:0 FB_ID=fb:A CRTC_ID=crtc:0 SRC_X=0 SRC_Y=0 SRC_W=1024.0 SRC_H=768.0 CRTC_X=0 CRTC_Y=0 CRTC_W=1024 CRTC_H=768
"""

# One modeset whose event must come. A driver that never gets its event
# out keeps the blocking ioctl in DRM's flip_done wait for 10 s, so the
# sequence stops at one commit.
ONE_MODESET = HEAD.format(hz=60) + """wait event timeout=2000
"""

# Switch the pipe off after DRM's VBLANK off-delay (5 s) has passed: then
# DRM's own WARN for a missing drm_crtc_vblank_off ("driver forgot to call
# drm_crtc_vblank_off()") stays silent, and only the checker can tell.
IDLE_THEN_OFF = HEAD.format(hz=60) + """wait event
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
wait event
wait ms 6000
commit ALLOW_MODESET PAGE_FLIP_EVENT
\tconnector:0 CRTC_ID=none
\tcrtc:0 MODE_ID=none ACTIVE=0
\tplane:primary@crtc:0 FB_ID=none CRTC_ID=none
wait event
"""

# A nonblocking flip just after a 1 Hz VBLANK, then at once a blocking
# commit on the same CRTC: the flip lands a whole second later, so a tail
# that does not wait for it surely starts its hardware stages first.
OVERLAP_1HZ = HEAD.format(hz=1) + """wait event timeout=3000
wait vblank 1 crtc:0
commit NONBLOCK PAGE_FLIP_EVENT
\tplane:primary@crtc:0 FB_ID=fb:B
commit
\tplane:primary@crtc:0 FB_ID=fb:A
wait event timeout=3000
"""

OWN_SEQUENCES = {
    "one-modeset": ONE_MODESET,
    "idle-then-off": IDLE_THEN_OFF,
    "overlap-1hz": OVERLAP_1HZ,
}


def sequence_text(name):
    if name in OWN_SEQUENCES:
        return OWN_SEQUENCES[name]
    return (TRACES / f"{name}.seq").read_text()


def commits(name):
    """[(line, flags, expect)] of every commit statement of a sequence."""
    found = []
    for number, line in enumerate(sequence_text(name).splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words and words[0] == "commit" and not line[0].isspace():
            expect = next((w[7:] for w in words if w.startswith("expect=")), "ok")
            found.append((number, set(w for w in words[1:] if "=" not in w), expect))
    return found


def all_commits(name):
    return {line for line, _, _ in commits(name)}


def flips(name):
    return {line for line, flags, _ in commits(name)
            if "NONBLOCK" in flags and "ALLOW_MODESET" not in flags}


def modesets(name):
    return {line for line, flags, _ in commits(name) if "ALLOW_MODESET" in flags
            and "TEST_ONLY" not in flags}


def refused_by_driver_check(name):
    """test-only.seq's commits that tvkms's atomic_check itself refuses (the
    scaling probe, ERANGE). Its EINVAL (a modeset without ALLOW_MODESET) and
    ENOSPC (a source outside the fb) come from DRM core, before or after
    the driver's atomic_check has returned 0."""
    return {line for line, _, expect in commits(name) if "ERANGE" in expect}


@dataclasses.dataclass
class Mutant:
    """What a mutant must be caught by. `must`: lines that must each carry
    a violation of `rule`; `allowed`: the lines its violations may be at
    (None: any line, for the VBLANK stream that belongs to no commit);
    `extra`: other rules its bug breaks as well."""
    rule: str
    sequence: str = None
    must: set = dataclasses.field(default_factory=set)
    allowed: set = None
    extra: set = dataclasses.field(default_factory=set)
    modetest_seconds: int = 0


def corpus_case(rule, sequence, lines, **kw):
    return Mutant(rule, sequence, set(lines), set(lines), **kw)


CASES = {
    "event-from-flush": corpus_case("event-early", "modeset-flips", flips("modeset-flips"),
                                    modetest_seconds=3),
    # no modetest: its SETCRTC and then each flip wait 10 s for flip_done,
    # and closing it takes as long again (over 2 minutes in all)
    # its flip_done never comes either: commit-stall may name that stage
    "event-no-vblank-ref": corpus_case("event-missing", "one-modeset", {4},
                                       extra={"commit-stall"}),
    # drm never hears of the pipe's VBLANK going off, so the disabling
    # commit's event, sent at once, may count as sent with VBLANK on
    "no-vblank-off": corpus_case("vblank-off-missing", "idle-then-off",
                                 all_commits("idle-then-off") - {4, 9}, extra={"event-early"}),
    "cleanup-before-flip-wait": corpus_case("tail-order", "modeset-flips",
                                            all_commits("modeset-flips")),
    # hw_done after cleanup_planes: cleanup_fb runs before hw_done too
    "hw-done-late": corpus_case("tail-order", "modeset-flips", all_commits("modeset-flips"),
                                extra={"fb-cleanup"}),
    "hw-done-stall": corpus_case("commit-stall", "one-modeset", {4}),
    # a disabling commit's flush now runs before atomic_disable: its event
    # leaves at once while the pipe's VBLANK is still on
    "planes-before-disables": corpus_case("tail-order", "disable-enable",
                                          all_commits("disable-enable"), extra={"event-early"}),
    "skip-wait-dependencies": corpus_case("no-wait-dependencies", "overlap-1hz",
                                          {max(all_commits("overlap-1hz"))}),
    # only legacy page flips take the mutant's page_flip hook: no sequence;
    # its own copy of the event also leaves before hw_done
    "event-sent-twice": Mutant("event-twice", extra={"event-early"}, modetest_seconds=3),
    "state-leak-on-check-error": corpus_case("state-leak", "test-only",
                                             refused_by_driver_check("test-only")),
    "test-only-programs-hw": corpus_case("test-only-commits", "test-only",
                                         {min(all_commits("test-only"))}),
    "handle-vblank-twice": Mutant("vblank-jitter", "modeset-flips", modetest_seconds=3),
    "planes-updated-at-enable": corpus_case("plane-bracket", "modeset-flips",
                                            modesets("modeset-flips")),
    "check-skipped-for-flips": corpus_case("skip-check", "modeset-flips", flips("modeset-flips")),
}
# Built, but not run here: DRM itself WARNs on it, and a WARN fails the
# whole guest run (ci/vm exit 125). MUTANTS.md says what it shows.
NOT_RUN = {"hw-done-missing": "drm_atomic_helper_commit_cleanup_done WARNs without hw_done"}

# `make check` runs a short round, one mutant per rule group, named once in
# module/Makefile (MUTANTS_SHORT); `make check-mutants` runs them all
# (KMST_MUTANTS=full).
def short_round():
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT / "module"),
                          "mutants-short-list"], capture_output=True, text=True, check=True)
    return out.stdout.split()


RUN = list(CASES) if os.environ.get("KMST_MUTANTS") == "full" else short_round()


def mutant_module(name):
    return MUTANTS / name / tv.RELEASE / "tvkms.ko"


def insmod(module):
    assert module.exists(), f"{module} is not built: run make -C module mutants"
    deps = tv.run("modinfo", "-F", "depends", str(module)).stdout.strip()
    for dep in filter(None, deps.split(",")):
        tv.run("modprobe", dep)
    args = [f"{k}={int(v)}" for k, v in LOAD.items()]
    result = tv.run("insmod", str(module), *args, check=False)
    assert result.returncode == 0, result.stderr
    return tv.card()


def replay(sequences, device, out, *extra):
    """Replay sequence names in one tracer session (EXTRA: more replay
    options): (CompletedProcess, {name: JSON report})."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sequences:
        if name in OWN_SEQUENCES:
            path = out / f"{name}.seq"
            path.write_text(OWN_SEQUENCES[name])
        else:
            path = TRACES / f"{name}.seq"
        paths.append(path)
    # one sequence: -o names the trace; several: the directory of traces
    target = f"{out}/" if len(paths) > 1 else str(out / f"{paths[0].name}.kmst")
    for _ in range(tv.RECORDING_ATTEMPTS):  # again while tracer runs were skipped (PREEMPT_RT)
        run = subprocess.run([str(KMSTRACE), "replay", *map(str, paths), "--device", device,
                              "-o", target, "-f", "json", *extra],
                             capture_output=True, text=True, timeout=600, cwd=ROOT)
        if tv.LOST_RUNS not in run.stderr:
            break
    reports = {}
    for line in run.stdout.splitlines():
        report = json.loads(line)
        assert "skipped" not in report, report
        reports[pathlib.Path(report["trace"]).name.split(".seq")[0]] = report
    return run, reports


@functools.lru_cache(maxsize=None)
def mutant_replay(name, level="rules"):
    """Mutant NAME loaded anew and its sequence replayed at trace LEVEL, once
    per boot and level (test_levels compares the levels on the same runs):
    (CompletedProcess, {sequence: JSON report}). The mutant stays loaded."""
    unload_when_unused()
    _, device = insmod(mutant_module(name))
    out = pathlib.Path(tempfile.mkdtemp(prefix=f"{name}-{level}-"))
    return replay([CASES[name].sequence], device, out, "--level", level)


def connected_connector():
    out = tv.run("modetest", "-M", "tvkms", "-c").stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) > 3 and fields[0].isdigit() and fields[2] == "connected":
            return fields[0]
    raise AssertionError(f"modetest lists no connected connector:\n{out}")


def record_modetest(seconds, out):
    """`kmstrace record -- modetest -v` for `seconds`, then `kmstrace check`:
    (check's CompletedProcess, JSON report). Recorded again, up to
    tv.RECORDING_ATTEMPTS, while the kernel skipped tracer runs (PREEMPT_RT)."""
    trace = out / "modetest.kmst"
    for _ in range(tv.RECORDING_ATTEMPTS):
        # modetest -v flips until a byte arrives on stdin: keep it open and silent
        with open(out / "record.err", "w") as err:
            proc = subprocess.Popen([str(KMSTRACE), "record", "--duration", str(seconds),
                                     "-o", str(trace), "--", "modetest", "-M", "tvkms", "-s",
                                     f"{connected_connector()}:{MODETEST_MODE}", "-v"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
            try:
                status = proc.wait(timeout=seconds + 240)
            finally:
                proc.stdin.close()
        assert status == 0, (out / "record.err").read_text()[-2000:]
        check = subprocess.run([str(KMSTRACE), "check", str(trace), "-f", "json"],
                               capture_output=True, text=True, timeout=120)
        assert check.stdout, check.stderr
        if tv.LOST_RUNS not in check.stderr:
            break
    return check, json.loads(check.stdout)


def summary(report):
    return json.dumps({"verdict": report.get("verdict"),
                       "rules": {k: v["status"] for k, v in report["rules"].items()
                                 if v["status"] != "pass"},
                       "violations": [(v["rule"], v["line"], v["commit"], v["detail"])
                                      for v in report["violations"]][:8]})


def assert_caught(report, case, where, recording=False):
    rule = case.rule
    assert report["rules"].get(rule, {}).get("status") == "fail", \
        f"{where}: {rule} not failed: {summary(report)}"
    found = [v for v in report["violations"] if v["rule"] == rule]
    assert found, f"{where}: no {rule} violation: {summary(report)}"
    noise = TIMING - {rule}
    others = {v["rule"] for v in report["violations"]} - {rule} - case.extra - noise
    assert not others, f"{where}: other rules fail too: {summary(report)}"
    if recording:
        assert all(v["crtc"] in (0, -1) for v in found), summary(report)
        return
    lines = {v["line"] for v in found}
    missing = case.must - lines
    assert not missing, f"{where}: no {rule} at lines {sorted(missing)}: {summary(report)}"
    if case.allowed is not None:
        stray = lines - case.allowed
        assert not stray, f"{where}: {rule} at lines {sorted(stray)} without the bug: " \
                          f"{summary(report)}"
    v = found[0]
    assert v["events"] and v["window"], "offending events and context are reported"


def unload_when_unused(timeout_s=90):
    """rmmod tvkms once nothing uses it. A replay whose watchdog gave up on
    a stuck commit has left the process that issued it in the kernel, and
    that one lets go of the device only when DRM's own 10 s waits end."""
    refcnt = pathlib.Path("/sys/module/tvkms/refcnt")
    deadline = time.monotonic() + timeout_s
    while refcnt.exists() and int(refcnt.read_text()) and time.monotonic() < deadline:
        time.sleep(0.5)
    tv.unload()


@pytest.fixture
def clean_slate():
    """No tvkms before the test, none after; the kernel log gains no splat
    (DRM's own flip_done timeout message is the expected symptom of some
    mutants, a WARN or BUG never is)."""
    before = len(tv.dmesg_lines())
    unload_when_unused()
    yield
    unload_when_unused()
    new = tv.dmesg_lines()[before:]
    splats = [line for line in tv.splats(new) if "timed out" not in line]
    assert not splats, "\n".join(splats)


def test_every_built_mutant_has_a_case():
    built = {d.name for d in MUTANTS.iterdir() if mutant_module(d.name).exists()} \
        if MUTANTS.exists() else set()
    assert set(RUN) <= set(CASES), f"no case for {sorted(set(RUN) - set(CASES))}"
    assert set(RUN) <= built, f"not built: {sorted(set(RUN) - built)}"
    assert built <= set(CASES) | set(NOT_RUN), \
        f"built {sorted(built)}; cases {sorted(set(CASES) | set(NOT_RUN))}"


@pytest.mark.parametrize("name", RUN)
def test_mutant_is_caught_by_its_rule(name, clean_slate, tmp_path):
    case = CASES[name]
    started = time.monotonic()
    if case.sequence:
        run, reports = mutant_replay(name)
        assert case.sequence in reports, run.stderr[-3000:]
        assert run.returncode == 1, f"replay exit {run.returncode}: {run.stderr[-2000:]}"
        assert_caught(reports[case.sequence], case, f"{name} on {case.sequence}.seq")
    if case.modetest_seconds:
        unload_when_unused()
        insmod(mutant_module(name))
        check, report = record_modetest(case.modetest_seconds, tmp_path)
        assert check.returncode == 1, f"check exit {check.returncode}: {summary(report)}"
        assert_caught(report, case, f"{name} under modetest -v", recording=True)
    print(f"{name}: {time.monotonic() - started:.1f} s")


def test_unmodified_tvkms_passes_every_mutant_sequence(clean_slate, tmp_path):
    """The same sequences and recording on tvkms as built: PASS, every
    rule judged (pass) or ruled out by the driver or client (n/a)."""
    _, device = insmod(tv.MODULE)
    sequences = sorted({CASES[name].sequence for name in RUN if CASES[name].sequence})
    run, reports = replay(sequences, device, tmp_path / "replay")
    assert set(reports) == set(sequences), run.stderr[-3000:]
    for name, report in reports.items():
        assert report["verdict"].lower() == "pass", f"{name}: {summary(report)}"
        assert not report["violations"], f"{name}: {summary(report)}"
        unjudged = {k: v["status"] for k, v in report["rules"].items()
                    if v["status"] not in ("pass", "n/a")}
        assert not unjudged, f"{name}: {unjudged}"
    assert run.returncode == 0, run.stderr[-2000:]
    check, report = record_modetest(3, tmp_path)
    assert check.returncode == 0, summary(report)
    assert report["verdict"].lower() == "pass", summary(report)
    # modetest -v asks for an event with every page flip: the event rules apply
    for rule in ("event-twice", "event-missing", "event-early"):
        assert report["rules"][rule]["status"] == "pass", f"{rule}: {summary(report)}"
