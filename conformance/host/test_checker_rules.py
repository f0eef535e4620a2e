# SPDX-License-Identifier: GPL-2.0
"""`kmstrace check` on synthetic traces: a correct driver passes, and each
fault knob's pattern (as the tvkms contract describes it) is reported as
exactly that rule, at that commit."""
import json
import subprocess

import pytest

from checker_synth import FLAGS, K, Synth, standard_session


def check(kmstrace, trace, *args):
    return subprocess.run([str(kmstrace), "check", str(trace), *args], capture_output=True,
                          text=True, timeout=120)


def check_json(kmstrace, trace, *args):
    result = check(kmstrace, trace, "-f", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


# The rule table's one definition, read from bpf/kmstrace_event.h.
ALL_RULES = sorted(K.RULES)


def test_correct_driver_session_passes_every_rule(kmstrace, tmp_path):
    s = Synth()
    standard_session(s)
    s.nonblocking_overlap()
    s.idle_vblanks(0, 5)
    code, report = check_json(kmstrace, s.write(tmp_path / "ok.kmst"))
    assert report["violations"] == [], report["violations"][:1]
    assert code == 0
    assert report["verdict"] == "pass"
    assert set(report["rules"]) == set(ALL_RULES)
    for rule in ALL_RULES:
        assert report["rules"][rule]["status"] == "pass", (rule, report["rules"][rule])
        assert report["rules"][rule]["checked"] > 0, rule
    last = check(kmstrace, tmp_path / "ok.kmst").stdout.rstrip().splitlines()[-1]
    assert last == f"PASS: no violation; {len(ALL_RULES)} passed, 0 not judged, 0 not applicable"


# knob -> how to provoke it in a session; the faulty commit is returned
def _flip_fault(knob):
    def run(s):
        s.commit(modeset=True)
        s.commit()
        bad = s.commit(fault=knob)
        s.commit()
        return bad
    return run


def _disable_fault(knob):
    def run(s):
        s.commit(modeset=True)
        s.commit()
        bad = s.commit(disable=True, fault=knob)
        s.commit(modeset=True)
        return bad
    return run


def _test_only_fault(s):
    s.commit(modeset=True)
    bad = s.commit(test_only=True, flags=0, fault="test-only-commits")
    s.commit()
    return bad


def _overlap_fault(s):
    s.commit(modeset=True)
    _, second = s.nonblocking_overlap(fault="no-wait-dependencies")
    s.commit()
    return second


FAULTS = {
    "skip-check": _flip_fault("skip-check"),
    "tail-order": _flip_fault("tail-order"),
    "plane-bracket": _flip_fault("plane-bracket"),
    "fb-cleanup": _flip_fault("fb-cleanup"),
    "event-twice": _flip_fault("event-twice"),
    "event-missing": _flip_fault("event-missing"),
    "event-early": _flip_fault("event-early"),
    "cleanup-before-hw-done": _flip_fault("cleanup-before-hw-done"),
    "no-wait-dependencies": _overlap_fault,
    "vblank-off-missing": _disable_fault("vblank-off-missing"),
    "test-only-commits": _test_only_fault,
    "state-leak": _flip_fault("state-leak"),
}


# A fault's true consequences, reported beside it at the same commit: an
# event armed on a CRTC turned off without drm_crtc_vblank_off (which would
# have sent it) never comes.
CONSEQUENCES = {"vblank-off-missing": {"event-missing"}}


@pytest.mark.parametrize("rule", sorted(FAULTS))
def test_fault_pattern_is_reported_as_exactly_its_rule_at_its_commit(kmstrace, tmp_path, rule):
    s = Synth()
    bad = FAULTS[rule](s)
    s.idle_vblanks(0, 3)
    code, report = check_json(kmstrace, s.write(tmp_path / f"{rule}.kmst"))
    assert code == 1
    assert report["verdict"] == "fail"
    found = {(v["rule"], v["commit"]) for v in report["violations"]}
    allowed = {(r, bad) for r in CONSEQUENCES.get(rule, set())}
    assert (rule, bad) in found and found <= {(rule, bad)} | allowed, report["violations"]
    assert report["rules"][rule]["status"] == "fail"
    others = {r for r, res in report["rules"].items() if res["status"] == "fail"}
    assert others <= {rule} | CONSEQUENCES.get(rule, set())
    v = report["violations"][0]
    assert v["events"], "the offending events are named"
    assert v["window"], "a window of context is given"
    assert any(e["commit_id"] == bad for e in v["events"] + v["window"])


def test_commit_in_flight_when_tracing_began_is_counted_not_judged(kmstrace, tmp_path):
    s = Synth()
    joined = s.joined_commit()
    standard_session(s)
    code, report = check_json(kmstrace, s.write(tmp_path / "joined.kmst"))
    assert report["violations"] == [], report["violations"][:1]
    assert code == 0
    assert report["joined"] == 1
    text = check(kmstrace, tmp_path / "joined.kmst")
    assert "1 commits were in flight when tracing began: not judged" in text.stdout

    # Without the tracer's mark the same commit skipped its atomic_check.
    s = Synth()
    unmarked = s.joined_commit(mark=False)
    standard_session(s)
    code, report = check_json(kmstrace, s.write(tmp_path / "unmarked.kmst"))
    assert code == 1
    assert report["joined"] == 0
    assert {(v["rule"], v["commit"]) for v in report["violations"]} == {("skip-check", unmarked)}
    assert joined == unmarked


def test_commits_begun_before_the_trace_file_are_not_judged(kmstrace, tmp_path):
    """`kmstrace replay` drains the ring buffer before each sequence's trace
    and writes the last commit id handed out as commit_base: a commit up to
    it lost its first steps to the drain."""
    s = Synth()
    cut = s.joined_commit(mark=False)
    standard_session(s)
    meta = ("kernel=6.1.0-test\ndriver=tvkms\ntool=test\n"
            f"prog=drm_atomic_helper_commit_planes fentry\ncommit_base={cut}\n")
    code, report = check_json(kmstrace, s.write(tmp_path / "base.kmst", meta=meta))
    assert report["violations"] == [], report["violations"][:1]
    assert (code, report["joined"]) == (0, 1)
    # commit_base=0: the same commit is judged, and it skipped its check.
    code, report = check_json(kmstrace, s.write(tmp_path / "base0.kmst",
                                                meta=meta.replace(f"commit_base={cut}", "commit_base=0")))
    assert code == 1
    assert {(v["rule"], v["commit"]) for v in report["violations"]} == {("skip-check", cut)}


def test_commit_still_running_when_tracing_ended_is_counted_not_judged(kmstrace, tmp_path):
    s = Synth()
    standard_session(s)
    s.unfinished_commit()
    code, report = check_json(kmstrace, s.write(tmp_path / "cut.kmst"))
    assert report["violations"] == [], report["violations"][:1]
    assert (code, report["cut"], report["joined"]) == (0, 1, 0)
    text = check(kmstrace, tmp_path / "cut.kmst")
    assert "1 commits were still running when tracing ended: not judged" in text.stdout

    # Once its call returned, a state never freed is a leak, and its fb was never cleaned up.
    s.ev("HELPER_COMMIT", "EXIT", commit=s.next_commit - 1, flags=FLAGS["ALLOW_MODESET"])
    s.ev("COMMIT", "EXIT", commit=s.next_commit - 1, flags=FLAGS["ALLOW_MODESET"])
    code, report = check_json(kmstrace, s.write(tmp_path / "leak.kmst"))
    # Judged now; only its flip event stays unjudged: no VBLANK came before the end.
    assert code == 1 and report["cut"] == 1
    assert {v["rule"] for v in report["violations"]} == {"state-leak", "fb-cleanup"}


def test_vblank_drop_is_reported_at_the_gap(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.idle_vblanks(0, 5)
    s.vblank_irq(0, skip=True)
    s.idle_vblanks(0, 5)
    code, report = check_json(kmstrace, s.write(tmp_path / "drop.kmst"))
    assert code == 1
    assert [(v["rule"], v["crtc"]) for v in report["violations"]] == [("vblank-drop", 0)]
    gap = report["violations"][0]["events"]
    assert [e["type"] for e in gap] == ["HANDLE_VBLANK", "HANDLE_VBLANK"]
    assert gap[1]["arg0"] - gap[0]["arg0"] == 2


@pytest.mark.parametrize("off_seen", [True, False], ids=["interrupt-off-seen", "never-off"])
def test_vblank_count_jump_after_the_interrupt_was_off_is_not_a_drop(kmstrace, tmp_path,
                                                                     off_seen):
    """DRM turns the VBLANK interrupt off when no reference was held for
    drm_vblank_offdelay; the drm_vblank_get of the next flip turns it on and
    counts the frames that passed, so the first VBLANK after it jumps by
    them (kmscube's first flip on 6.12-rt, 5 s after the previous client).
    A record showing the interrupt off restarts the judgement there; the
    same jump with the interrupt never off is a drop."""
    s = Synth()
    s.commit(modeset=True)
    s.idle_vblanks(0, 5)
    if off_seen:
        s.irq_off.add(0)
    s.idle_vblanks(0, 5, skip=True)
    s.commit()
    s.idle_vblanks(0, 5)
    code, report = check_json(kmstrace, s.write(tmp_path / "off.kmst"))
    if off_seen:
        assert code == 0, report["violations"][:1]
        assert report["rules"]["vblank-drop"]["status"] == "pass"
        assert report["rules"]["vblank-drop"]["checked"] >= 8
    else:
        assert code == 1
        assert [v["rule"] for v in report["violations"]] == ["vblank-drop"]
        assert "(5 missed)" in report["violations"][0]["detail"]


def test_vblank_jitter_respects_the_tolerance(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.idle_vblanks(0, 5)
    s.vblank_irq(0, late_ns=2_500_000)  # the driver's timer 15 % of a 60 Hz frame late
    s.idle_vblanks(0, 5)
    trace = s.write(tmp_path / "jitter.kmst")
    code, report = check_json(kmstrace, trace)  # default: 20 % of the frame
    assert code == 0, report["violations"][:1]
    code, report = check_json(kmstrace, trace, "--vblank-tolerance", "10",
                              "--vblank-slack-us", "1000")
    assert code == 1
    assert {(v["rule"], v["crtc"]) for v in report["violations"]} == {("vblank-jitter", 0)}
    assert "2.5" in report["violations"][0]["detail"]


def test_no_vblank_driver_gets_vblank_rules_not_applicable(kmstrace, tmp_path):
    s = Synth(vblank=False)
    s.commit(modeset=True)
    for _ in range(3):
        s.commit()
    meta = "kernel=6.1\ndriver=bochs-drm\ntool=test\ntrait=card0 no-vblank\n"
    code, report = check_json(kmstrace, s.write(tmp_path / "bochs.kmst", meta=meta))
    assert code == 0, report["violations"][:1]
    for rule in ("vblank-jitter", "vblank-drop", "event-early"):
        assert report["rules"][rule]["status"] == "n/a"
        assert "no VBLANK support" in report["rules"][rule]["reason"]
    assert report["rules"]["event-missing"]["status"] == "pass"


def test_rules_option_limits_the_rules_checked(kmstrace, tmp_path):
    s = Synth()
    FAULTS["tail-order"](s)
    trace = s.write(tmp_path / "t.kmst")
    code, report = check_json(kmstrace, trace, "--rules", "fb-cleanup,event-missing")
    assert code == 0
    assert set(report["rules"]) == {"fb-cleanup", "event-missing"}
    result = check(kmstrace, trace, "--rules", "tail-order,bogus")
    assert result.returncode == 2
    assert "unknown rule or group 'bogus'" in result.stderr and "vblank-drop" in result.stderr


def test_violation_names_the_sequence_line_of_a_replayed_commit(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True, line=9)
    s.replay_record(9, commit=1, ordinal=1)
    bad = s.commit(fault="fb-cleanup", line=14)
    s.replay_record(14, commit=bad, ordinal=2)
    code, report = check_json(kmstrace, s.write(tmp_path / "replay.kmst"))
    assert code == 1
    assert [(v["rule"], v["commit"], v["line"]) for v in report["violations"]] == \
        [("fb-cleanup", bad, 14)]
    text = check(kmstrace, tmp_path / "replay.kmst", "--seq", "flips.seq").stdout
    assert f"VIOLATION fb-cleanup at commit {bad}, card0, plane 0, flips.seq line 14" in text


def test_line_comes_from_user_data_when_the_replay_record_has_no_commit_id(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True, line=5)
    s.replay_record(5, ordinal=1)
    s.commit(fault="tail-order", line=21)
    s.replay_record(21, ordinal=2)
    _, report = check_json(kmstrace, s.write(tmp_path / "ud.kmst"))
    assert [(v["rule"], v["line"]) for v in report["violations"]] == [("tail-order", 21)]


def test_replay_result_differing_from_the_sequence_fails(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True, line=3)
    s.replay_record(3, commit=1, ordinal=1)
    s.replay_record(7, expected=16, got=0, ordinal=2)  # EBUSY expected, got ok
    code, report = check_json(kmstrace, s.write(tmp_path / "exp.kmst"))
    assert code == 1
    assert report["violations"] == []
    assert report["expectation_failures"] == [
        {"line": 7, "ordinal": 2, "commit": 0, "expected": "EBUSY", "got": "ok"}]


def test_expected_ebusy_is_not_owed_when_the_previous_flip_was_done(kmstrace, tmp_path):
    """A nonblocking flip expected to find the previous one pending got ok:
    the trace shows that flip's flip_done before this commit began, so EBUSY
    was not owed (drm_atomic_helper_setup_commit's stall check) and the
    sequence's expectation was timing, not the driver."""
    s = Synth()
    s.commit(modeset=True, line=3)
    s.replay_record(3, commit=1, ordinal=1)
    s.commit(flags=FLAGS["PAGE_FLIP_EVENT"] | FLAGS["NONBLOCK"], line=7)
    s.replay_record(7, expected=16, got=0, commit=2, ordinal=2)
    s.idle_vblanks(0, 3)  # enough of a run to judge the VBLANK timing: PASS, not INCOMPLETE
    code, report = check_json(kmstrace, s.write(tmp_path / "busy-done.kmst"))
    assert report["expectation_failures"] == []
    assert report["busy_not_owed"] == 1
    assert code == 0, report
    text = check(kmstrace, tmp_path / "busy-done.kmst").stdout
    assert "1 expected EBUSY not owed: the previous flip was done" in text


def test_expected_ebusy_is_owed_while_the_previous_flip_is_pending(kmstrace, tmp_path):
    """The same result while the previous flip's flip_done had not come when
    the commit began: EBUSY was owed, so ok is an expectation failure (a
    driver or core that skipped the stall check)."""
    s = Synth()
    s.commit(modeset=True, line=3)
    s.replay_record(3, commit=1, ordinal=1)
    _, second = s.nonblocking_overlap()
    s.replay_record(9, expected=16, got=0, commit=second, ordinal=3)
    code, report = check_json(kmstrace, s.write(tmp_path / "busy-pending.kmst"))
    assert code == 1
    assert report["busy_not_owed"] == 0
    assert report["busy_raced"] == 0
    assert report["expectation_failures"] == [
        {"line": 9, "ordinal": 3, "commit": second, "expected": "EBUSY", "got": "ok"}]


def test_expected_ebusy_raced_when_the_previous_flip_completed_during_setup_commit(kmstrace,
                                                                                   tmp_path):
    """The previous flip's flip_done came after this commit entered
    drm_atomic_helper_setup_commit but before it returned: its stall check
    may have run after the flip, so ok is the uAPI's answer too (seen on
    virtio-gpu, whose flip completes in its worker at once). It is counted
    as raced, not as an expectation failure and not as not owed."""
    s = Synth()
    s.commit(modeset=True, line=3)
    s.replay_record(3, commit=1, ordinal=1)
    _, second = s.nonblocking_overlap(flip_in_setup=True)
    s.replay_record(9, expected=16, got=0, commit=second, ordinal=3)
    s.idle_vblanks(0, 3)
    code, report = check_json(kmstrace, s.write(tmp_path / "busy-raced.kmst"))
    assert report["expectation_failures"] == []
    assert (report["busy_raced"], report["busy_not_owed"]) == (1, 0)
    assert code == 0, report
    text = check(kmstrace, tmp_path / "busy-raced.kmst").stdout
    assert "1 expected EBUSY raced: the previous flip completed during setup_commit" in text


def test_text_report_shows_rule_meaning_events_and_window(kmstrace, tmp_path):
    s = Synth()
    bad = FAULTS["cleanup-before-hw-done"](s)
    result = check(kmstrace, s.write(tmp_path / "c.kmst"))
    assert result.returncode == 1
    out = result.stdout
    assert f"VIOLATION cleanup-before-hw-done at commit {bad}" in out
    assert "rule: hw_done <= cleanup_done per commit" in out
    assert "CLEANUP_DONE_COMPLETE point commit=%d" % bad in out
    assert "window:" in out and "\n   > " in out
    assert "cleanup-before-hw-done   fail       1 violation" in out
    assert out.rstrip().splitlines()[-1].startswith("FAIL: 1 violation in 1 rule")


def test_peak_in_flight_stays_small_on_a_long_trace(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    for _ in range(3000):
        s.commit()
    code, report = check_json(kmstrace, s.write(tmp_path / "long.kmst"))
    assert code == 0
    assert report["commits"] == 3001
    assert report["peak_in_flight"] <= 2



def test_state_leak_is_found_when_every_state_leaked(kmstrace, tmp_path):
    s = Synth()
    leaked = [s.commit(modeset=True, fault="state-leak"), s.commit(fault="state-leak")]
    meta = ("kernel=6.1\ndriver=tvkms\ntool=test\nprog=__drm_atomic_state_free fentry\n")
    code, report = check_json(kmstrace, s.write(tmp_path / "leak.kmst", meta=meta))
    assert code == 1
    assert sorted(v["commit"] for v in report["violations"]) == leaked
    assert {v["rule"] for v in report["violations"]} == {"state-leak"}


def test_atomic_ioctl_refused_before_its_state_was_allocated_is_not_a_state_leak(kmstrace, tmp_path):
    """kms_atomic's atomic-invalid-params and crtc-invalid-params: DRM refuses
    a bad flag, the reserved field and TEST_ONLY with PAGE_FLIP_EVENT before
    drm_atomic_state_alloc (drm_mode_atomic_ioctl, 6.1), so the id the tracer
    handed out at the ioctl's entry never names a state to free."""
    s = Synth()
    standard_session(s)
    s.refused_ioctl(flags=FLAGS["NONBLOCK"])
    s.refused_ioctl()
    s.refused_ioctl(flags=FLAGS["TEST_ONLY"] | FLAGS["PAGE_FLIP_EVENT"])
    s.commit()
    code, report = check_json(kmstrace, s.write(tmp_path / "refused.kmst"))
    assert report["violations"] == [], report["violations"][:1]
    assert code == 0
    assert report["rules"]["state-leak"]["status"] == "pass"

    # A state that was allocated and never freed is still a leak beside them.
    leaked = s.commit(fault="state-leak")
    s.refused_ioctl()
    code, report = check_json(kmstrace, s.write(tmp_path / "refused-leak.kmst"))
    assert code == 1
    assert [(v["rule"], v["commit"]) for v in report["violations"]] == [("state-leak", leaked)]


def test_commit_refused_by_drm_core_before_the_driver_check_did_not_skip_it(kmstrace, tmp_path):
    """kms_atomic's plane-invalid-params: drm_atomic_check_only's own plane
    checks (FB_ID without CRTC_ID, CRTC_ID without FB_ID, an fb too small)
    fail before the driver's atomic_check is called; the commit was refused,
    never committed, so skip-check does not apply to it."""
    s = Synth()
    standard_session(s)
    s.core_refused_commit()
    s.core_refused_commit()
    s.core_refused_commit(errno=28)
    s.commit()
    code, report = check_json(kmstrace, s.write(tmp_path / "core-refused.kmst"))
    assert report["violations"] == [], report["violations"][:1]
    assert code == 0
    assert report["rules"]["skip-check"]["status"] == "pass"

    # A commit that reached its tail without any check still breaks the rule.
    skipped = s.commit(fault="skip-check")
    code, report = check_json(kmstrace, s.write(tmp_path / "core-refused-skip.kmst"))
    assert code == 1
    assert [(v["rule"], v["commit"]) for v in report["violations"]] == [("skip-check", skipped)]
