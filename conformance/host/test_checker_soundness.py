# SPDX-License-Identifier: GPL-2.0
"""The checker judges each rule from DRM's own state, never from the events
that happened to occur: bugs written the way driver authors write them fail
their rule, a rule that applies is never silently n/a, and the host's late
timers are never the driver's violation."""
import json
import subprocess

from checker_synth import FLAGS, K, Synth


def check(kmstrace, trace, *args):
    result = subprocess.run([str(kmstrace), "check", str(trace), "-f", "json", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1, 3), result.stderr
    return result.returncode, json.loads(result.stdout)


def failed(report):
    return {(v["rule"], v["commit"]) for v in report["violations"]}


def test_early_event_fails_although_no_vblank_interrupt_ever_ran(kmstrace, tmp_path):
    """Events sent from atomic_flush without arming: the driver never takes a
    VBLANK reference, so its VBLANK interrupt never runs. VBLANK is on all the
    same (drm_crtc_vblank_on), so event-early applies and fails."""
    s = Synth()
    s.commit(modeset=True)
    bad = [s.commit(fault="event-early") for _ in range(3)]
    code, report = check(kmstrace, s.write(tmp_path / "early.kmst"))
    assert code == 1 and report["verdict"] == "fail"
    assert failed(report) == {("event-early", c) for c in bad}
    assert report["rules"]["event-early"]["status"] == "fail"
    for rule in ("vblank-jitter", "vblank-drop"):
        assert report["rules"][rule]["status"] == "n/a"
        assert "no VBLANK reference was taken" in report["rules"][rule]["reason"]


def test_helper_event_is_owed_without_a_client_event(kmstrace, tmp_path):
    """setup_commit gives every active CRTC an event (the helper's own when the
    client asked for none): a driver that never sends it fails event-missing."""
    s = Synth()
    s.commit(modeset=True)
    bad = s.commit(flags=0, fault="event-missing")
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "helper.kmst"))
    assert code == 1
    assert failed(report) == {("event-missing", bad)}


def test_legacy_page_flip_event_is_judged(kmstrace, tmp_path):
    """drmModePageFlip(DRM_MODE_PAGE_FLIP_EVENT): no atomic flag, the event is
    on the CRTC state; the event rules are judged, not n/a."""
    s = Synth()
    s.commit(modeset=True)
    for _ in range(3):
        s.commit(flags=0)
        s.idle_vblanks(0, 1)
    s.idle_vblanks(0, 3)
    code, report = check(kmstrace, s.write(tmp_path / "legacy.kmst"))
    assert code == 0, report["violations"][:1]
    for rule in ("event-twice", "event-missing", "event-early"):
        assert report["rules"][rule]["status"] == "pass", (rule, report["rules"][rule])


def test_tail_without_flip_wait_is_tail_order_not_a_missing_event(kmstrace, tmp_path):
    """The state is freed before the VBLANK sends its event: the event came,
    late; the bug is the missing flip-done wait."""
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    bad = s.commit(fault="no-flip-wait")
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "noflipwait.kmst"))
    assert code == 1
    assert failed(report) == {("tail-order", bad)}
    assert "without a flip-done wait" in report["violations"][0]["detail"]


def test_missing_hw_done_is_a_stall_and_cleanup_before_hw_done(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    bad = s.commit(fault="no-hw-done")
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "nohwdone.kmst"))
    assert code == 1
    assert failed(report) == {("cleanup-before-hw-done", bad), ("commit-stall", bad)}
    stall = [v for v in report["violations"] if v["rule"] == "commit-stall"][0]
    assert "hw_done" in stall["detail"]


def test_event_armed_without_a_vblank_reference_fails_event_missing(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    bad = s.commit(fault="arm-no-ref")
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "noref.kmst"))
    assert code == 1
    assert failed(report) == {("event-missing", bad)}
    assert "no VBLANK reference" in report["violations"][0]["detail"]


def test_watchdog_stall_record_fails_commit_stall_naming_the_stage(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    stuck = s.commit(free=False)
    s.ev("STALL", commit=stuck, crtc=0, aux=K.EV["HW_DONE_COMPLETE"], arg0=10_000_000_000,
         source="USER")
    code, report = check(kmstrace, s.write(tmp_path / "stall.kmst"))
    assert code == 1
    assert ("commit-stall", stuck) in failed(report)
    stall = [v for v in report["violations"] if v["rule"] == "commit-stall"][0]
    assert "no hw_done on crtc 0 after 10.0 s" in stall["detail"]


def test_test_only_commit_that_turns_vblank_on_fails(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    cid = s.next_commit
    s.next_commit += 1
    c = dict(commit=cid, flags=FLAGS["TEST_ONLY"] | FLAGS["FROM_IOCTL"])
    s.ev("ATOMIC_IOCTL", "ENTER", **c)
    s.ev("STATE_ALLOC", **c)
    s.call("CHECK_ONLY", lambda: s.call("VBLANK_ON", crtc=0, **c), **c)
    s.ev("STATE_FREE", **c)
    s.ev("ATOMIC_IOCTL", "EXIT", **c)
    s.commit()
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "to.kmst"))
    assert code == 1
    assert failed(report) == {("test-only-commits", cid)}


def test_host_lateness_is_host_noise_and_driver_lateness_is_jitter(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    s.idle_vblanks(0, 4)
    s.vblank_irq(0, host_late_ns=9_000_000)           # host ran the timer late
    s.idle_vblanks(0, 3)
    s.vblank_irq(0, host_late_ns=40_000_000, merged=2)  # ... so late it merged two frames
    s.idle_vblanks(0, 4)
    trace = s.write(tmp_path / "host.kmst")
    strict = ("--vblank-tolerance", "10", "--vblank-slack-us", "500")
    code, report = check(kmstrace, trace, *strict)
    assert code == 0, report["violations"][:1]
    assert report["host_noise"]["late_vblanks"] == 2
    assert report["host_noise"]["merged_frames"] == 2
    assert report["rules"]["vblank-jitter"]["status"] == "pass"

    s = Synth()
    s.commit(modeset=True)
    s.commit()
    s.idle_vblanks(0, 4)
    s.vblank_irq(0, late_ns=9_000_000)    # the driver's own timer was late
    s.idle_vblanks(0, 3)
    s.vblank_irq(0, skip=True)            # the driver dropped a VBLANK, the host was on time
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "driver.kmst"), *strict)
    assert code == 1
    assert {v["rule"] for v in report["violations"]} == {"vblank-jitter", "vblank-drop"}


def test_trace_too_short_to_judge_an_applicable_rule_is_incomplete(kmstrace, tmp_path):
    """A VBLANK reference was taken, but the trace ends before two VBLANK
    intervals: the timing rules apply and are not judged."""
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    code, report = check(kmstrace, s.write(tmp_path / "short.kmst"))
    assert code == 3
    assert report["verdict"] == "incomplete"
    for rule in ("vblank-jitter", "vblank-drop"):
        assert report["rules"][rule]["status"] == "not judged"
        assert report["rules"][rule]["reason"].startswith("it applies (")


def test_violation_window_is_centred_on_the_offending_event(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    bad = s.commit(fault="event-early")
    s.commit()
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "win.kmst"))
    v = [v for v in report["violations"] if v["rule"] == "event-early"][0]
    assert v["commit"] == bad
    window = v["window"]
    send = v["events"][-1]
    assert send["type"] == "SEND_VBLANK_EVENT" and send["commit_id"] == bad
    at = window.index(send)
    assert at >= 4 and len(window) - at - 1 >= 4, "events on both sides of the offending one"


def test_sequence_line_comes_from_the_replayed_ioctl_not_the_thread(kmstrace, tmp_path):
    """A VBLANK interrupt on the replaying thread while it is inside the next
    commit's ioctl does not move a violation to that commit's line."""
    s = Synth()
    s.commit(modeset=True, line=3)
    bad = s.commit(fault="state-leak", line=8)
    s.commit(line=12)
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "line.kmst"))
    assert code == 1
    assert [(v["rule"], v["commit"], v["line"]) for v in report["violations"]] == \
        [("state-leak", bad, 8)]


def test_rules_option_takes_groups_and_exclusions(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    s.idle_vblanks(0, 4)
    trace = s.write(tmp_path / "g.kmst")
    _, report = check(kmstrace, trace, "--rules", "all,-timing")
    assert "vblank-jitter" not in report["rules"] and "vblank-drop" not in report["rules"]
    assert len(report["rules"]) == len(K.RULES) - 2
    _, report = check(kmstrace, trace, "--rules", "timing")
    assert set(report["rules"]) == {"vblank-jitter", "vblank-drop"}
    _, report = check(kmstrace, trace, "--rules", "-events")
    assert "event-early" not in report["rules"] and "tail-order" in report["rules"]


def test_vblank_handled_twice_for_one_frame_fails_vblank_jitter(kmstrace, tmp_path):
    """DRM ignores the second drm_crtc_handle_vblank of a frame (no gap in the
    count), so only the repeated sequence shows the bug."""
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    s.idle_vblanks(0, 4)
    s.ev("HANDLE_VBLANK", tid=1, crtc=0, arg0=s.vblank_seq[0], arg1=16_666_667, dt=2000)
    s.idle_vblanks(0, 4)
    code, report = check(kmstrace, s.write(tmp_path / "twice.kmst"))
    assert code == 1
    assert [(v["rule"], v["crtc"]) for v in report["violations"]] == [("vblank-jitter", 0)]
    assert "handled twice" in report["violations"][0]["detail"]


def test_stall_on_flip_done_is_also_the_missing_event(kmstrace, tmp_path):
    """A driver that keeps the event and never sends it: the watchdog names
    flip_done, and the event the commit owed is missing."""
    s = Synth()
    s.commit(modeset=True)
    stuck = s.commit(fault="event-missing", free=False)
    s.ev("STALL", commit=stuck, crtc=0, aux=K.EV["FLIP_DONE_COMPLETE"], arg0=10_100_000_000,
         source="USER")
    code, report = check(kmstrace, s.write(tmp_path / "stall-event.kmst"))
    assert code == 1
    assert failed(report) == {("commit-stall", stuck), ("event-missing", stuck)}
