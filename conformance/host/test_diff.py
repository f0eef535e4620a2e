# SPDX-License-Identifier: GPL-2.0
"""`kmstrace diff A B` on synthetic traces: the same trace diffs as the
same; a stage missing or moved, another errno, another count of flip
events and a slower latency distribution are regressions that name the
commit's sequence line or the distribution; a significant change within
the margin is not; a damaged trace is one line and exit 2; JSON and JUnit
are well formed. The Mann-Whitney test is checked through the JSON report
against values worked out by hand and against its documented formula."""
import json
import math
import subprocess
import xml.etree.ElementTree as ET

import pytest

from checker_synth import FRAME_NS, K, Synth
from test_hist_plot import ROW_HEIGHT, WIDTH, flips, needs_gnuplot, png_size

SEQ = "test.seq"
META = f"kernel=6.1.0-test\ndriver=tvkms\ntool=replay\nminor=0\nseq={SEQ}\n"
MODESET, FLIP_B, FLIP_A = 4, 9, 12   # sequence lines
ROUNDS = 3                           # `repeat 3` around the two flips
CLIENT_EVENT = 0x02 | (K.VS["VALID"] | K.VS["CLIENT"]) << 16  # a flip-complete event a client reads


def diff(kmstrace, a, b, *args):
    return subprocess.run([str(kmstrace), "diff", str(a), str(b), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def diff_json(kmstrace, a, b, *args):
    result = diff(kmstrace, a, b, "-f", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def last_line(result):
    return result.stdout.rstrip().splitlines()[-1]


def replayed(path, fault=None, at=None, got=None, drop_delivery=None):
    """A replay of a sequence: a modeset at line 4, then ROUNDS of flips at
    lines 9 and 12. FAULT (a checker_synth fault) bends the commit AT
    (line, nth commit of that line); GOT {(line, nth): errno} is what replay
    recorded instead of success; DROP_DELIVERY (line, nth) removes that
    commit's flip event."""
    s = Synth()
    got = got or {}
    plan = [(MODESET, 1)] + [(line, n) for n in range(1, ROUNDS + 1) for line in (FLIP_B, FLIP_A)]
    commits = {}
    for ordinal, (line, nth) in enumerate(plan, 1):
        cid = s.commit(modeset=line == MODESET, line=line, fault=fault if (line, nth) == at else None)
        commits[(line, nth)] = cid
        err = got.get((line, nth), 0)
        s.replay_record(line, expected=0, got=err, commit=cid, ordinal=ordinal)
        s.idle_vblanks(0, 1)
    if drop_delivery:
        cid = commits[drop_delivery]
        s.records = [r for r in s.records
                     if not (K.unpack_event(r)["type"] == K.EV["VBLANK_EVENT_DELIVERED"] and
                             K.unpack_event(r)["commit_id"] == cid)]
    return s.write(path, meta=META)


def latencies(path, event_latency_ns, frame_ns=None, host_late_ns=None):
    """A recording of flips whose events arrive EVENT_LATENCY_NS (one value
    per flip) after they were armed. With FRAME_NS, VBLANKs run at that
    frame, so the CRTC's frame is known; HOST_LATE_NS is how late the host
    ran each VBLANK timer (unknown without)."""
    s = Synth()
    for i, latency in enumerate(event_latency_ns, 1):
        c = dict(commit=i, flags=K.CF["PAGE_FLIP_EVENT"] | K.CF["FROM_IOCTL"], crtc=0)
        s.ev("ATOMIC_IOCTL", "ENTER", dt=1_000_000, **c)
        s.ev("ARM_VBLANK_EVENT", "ENTER", dt=100_000, aux=s.vs(0, "CLIENT"), arg0=1, **c)
        s.ev("VBLANK_EVENT_DELIVERED", dt=latency, tid=1, aux=CLIENT_EVENT, **c)
        s.ev("ATOMIC_IOCTL", "EXIT", dt=1000, **c)
        if frame_ns:
            s.ev("HANDLE_VBLANK", tid=1, crtc=0, arg0=i, arg1=frame_ns, dt=1000,
                 aux=K.HOST_LATENESS_UNKNOWN if host_late_ns is None else host_late_ns)
    return s.write(path, meta="kernel=6.1.0-test\ndriver=tvkms\ntool=test\nminor=0\n")


def timing(report, kind, crtc=0):
    found = [t for t in report["timing"] if t["kind"] == kind and t["crtc"] == crtc]
    assert len(found) == 1, report["timing"]
    return found[0]


# ---- the same ---------------------------------------------------------------

def test_a_trace_diffs_the_same_as_itself(kmstrace, tmp_path):
    trace = replayed(tmp_path / "a.kmst")
    result = diff(kmstrace, trace, trace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert last_line(result).startswith("SAME: 7 commits with the same stages and results")
    assert "commits: 7 paired by sequence line, 7 compared, 7 with the same stages" in result.stdout


def test_two_replays_of_one_sequence_diff_the_same(kmstrace, tmp_path):
    code, report = diff_json(kmstrace, replayed(tmp_path / "a.kmst"), replayed(tmp_path / "b.kmst"))
    assert code == 0
    assert report["verdict"] == "same" and report["regressions"] == 0
    assert report["paired_by"] == "line" and report["same_stages"] == 7
    assert report["stage_differences"] == report["errno_differences"] == []
    assert report["flip_events"] == [{"crtc": 0, "minor_a": 0, "minor_b": 0, "a": 7, "b": 7}]


# ---- ordering -----------------------------------------------------------------

def test_a_missing_stage_is_a_regression_at_its_sequence_line_with_both_sides(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", fault="no-wait-dependencies", at=(FLIP_A, 2))
    result = diff(kmstrace, a, b)
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert f"STAGES DIFFER on 1 commit: line {FLIP_A} of {SEQ}" in out
    assert f"first at {SEQ} line {FLIP_A} (commit 2 of that line):" in out
    side_a = next(line for line in out.splitlines() if line.startswith("    A (commit"))
    side_b = next(line for line in out.splitlines() if line.startswith("    B (commit"))
    assert "[WAIT_FOR_DEPENDENCIES]" in side_a and "WAIT_FOR_DEPENDENCIES" not in side_b
    assert "MODESET_DISABLES" in side_a and "MODESET_DISABLES" in side_b
    assert "missing in B: WAIT_FOR_DEPENDENCIES" in out
    assert last_line(result) == "REGRESSION: stages differ on 1 commit"


def test_a_reordered_stage_is_a_regression_showing_both_orders(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", fault="tail-order", at=(FLIP_B, 1))
    code, report = diff_json(kmstrace, a, b)
    assert code == 1
    (group,) = report["stage_differences"]
    assert group["count"] == 1 and group["where"] == [{"line": FLIP_B, "ordinal": 2, "count": 1}]
    assert group["a"]["line"] == FLIP_B and group["b"]["line"] == FLIP_B
    order_a, order_b = group["a"]["stages"], group["b"]["stages"]
    assert order_a.index("MODESET_DISABLES") < order_a.index("COMMIT_PLANES")
    assert order_b.index("MODESET_DISABLES") > order_b.index("COMMIT_PLANES")
    assert "MODESET_DISABLES" in group["reordered"] or "COMMIT_PLANES" in group["reordered"]
    assert group["missing_in_b"] == [] and group["only_in_b"] == []
    text = diff(kmstrace, a, b).stdout
    assert f"line {FLIP_B} of {SEQ}" in text and "reordered: " in text


def test_commits_that_differ_the_same_way_are_shown_once_with_every_line(kmstrace, tmp_path):
    s = Synth()
    for ordinal, line in enumerate([MODESET, FLIP_B, FLIP_A, FLIP_B, FLIP_A], 1):
        cid = s.commit(modeset=line == MODESET, line=line)
        s.replay_record(line, commit=cid, ordinal=ordinal)
        s.idle_vblanks(0, 1)
    a = s.write(tmp_path / "a.kmst", meta=META)
    s = Synth()
    for ordinal, line in enumerate([MODESET, FLIP_B, FLIP_A, FLIP_B, FLIP_A], 1):
        cid = s.commit(modeset=line == MODESET, line=line,
                       fault=None if line == MODESET else "no-wait-dependencies")
        s.replay_record(line, commit=cid, ordinal=ordinal)
        s.idle_vblanks(0, 1)
    b = s.write(tmp_path / "b.kmst", meta=META)
    result = diff(kmstrace, a, b)
    assert result.returncode == 1
    assert result.stdout.count("STAGES DIFFER") == 1
    assert f"STAGES DIFFER on 4 commits: line {FLIP_B} (x2), line {FLIP_A} (x2) of {SEQ}" \
        in result.stdout


def test_a_commit_only_one_trace_has_is_a_regression(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    s = Synth()
    cid = s.commit(modeset=True, line=MODESET)
    s.replay_record(MODESET, commit=cid, ordinal=1)
    b = s.write(tmp_path / "b.kmst", meta=META)
    result = diff(kmstrace, a, b)
    assert result.returncode == 1
    assert f"ONLY IN A: {SEQ} line {FLIP_B}" in result.stdout
    assert "6 commits only in A, 0 only in B" in last_line(result)


def test_a_replayed_commit_replay_did_not_match_is_found_by_its_line(kmstrace, tmp_path):
    """Replay names a commit it did not see yet as commit 0; its ioctl carried the line."""
    def trace(path, fault=None):
        s = Synth()
        for ordinal, line in enumerate([MODESET, FLIP_B], 1):
            cid = s.commit(modeset=line == MODESET, line=line, fault=fault if line == FLIP_B else None)
            s.replay_record(line, commit=0 if line == FLIP_B else cid, ordinal=ordinal)
        return s.write(path, meta=META)
    code, report = diff_json(kmstrace, trace(tmp_path / "a.kmst"),
                             trace(tmp_path / "b.kmst", fault="no-wait-dependencies"))
    assert code == 1 and report["compared"] == 2
    assert report["a"]["other_commits"] == 0
    assert report["stage_differences"][0]["a"]["line"] == FLIP_B


def test_a_replayed_commit_replay_matched_to_the_previous_commit_is_found_by_its_line(
        kmstrace, tmp_path):
    """An interrupt delivered the previous flip's event on the replaying thread
    during the ioctl, and replay took that commit for this line's."""
    def trace(path, misnamed):
        s = Synth()
        previous = 0
        for ordinal, line in enumerate([MODESET, FLIP_B, FLIP_A, FLIP_B], 1):
            cid = s.commit(modeset=line == MODESET, line=line)
            s.replay_record(line, commit=previous if misnamed and line == FLIP_A else cid,
                            ordinal=ordinal)
            previous = cid
        return s.write(path, meta=META)
    result = diff(kmstrace, trace(tmp_path / "a.kmst", False), trace(tmp_path / "b.kmst", True))
    assert result.returncode == 0, result.stdout
    assert "commits: 4 paired by sequence line, 4 compared, 4 with the same stages" in result.stdout
    assert "not replayed" not in result.stdout


def test_recordings_without_lines_are_paired_by_commit_order(kmstrace, tmp_path):
    def recording(path, fault=None):
        s = Synth()
        for n in range(4):
            s.commit(modeset=n == 0, fault=fault if n == 2 else None)
            s.idle_vblanks(0, 1)
        return s.write(path)
    same = diff(kmstrace, recording(tmp_path / "a.kmst"), recording(tmp_path / "b.kmst"))
    assert same.returncode == 0, same.stdout
    assert "paired by order" in same.stdout
    differs = diff(kmstrace, recording(tmp_path / "a.kmst"),
                   recording(tmp_path / "c.kmst", fault="no-wait-dependencies"))
    assert differs.returncode == 1
    assert "STAGES DIFFER on 1 commit: #3" in differs.stdout
    assert "first at commit #3:" in differs.stdout


def test_places_beyond_the_listed_ones_are_counted(kmstrace, tmp_path):
    def recording(path, fault=None):
        s = Synth()
        s.commit(modeset=True)
        for _ in range(12):
            s.commit(fault=fault)
        return s.write(path)
    result = diff(kmstrace, recording(tmp_path / "a.kmst"),
                  recording(tmp_path / "b.kmst", fault="no-wait-dependencies"))
    assert result.returncode == 1
    assert "STAGES DIFFER on 12 commits: #2, #3, #4, #5, #6, #7, #8, #9 and 4 more\n" in result.stdout


def test_a_function_one_side_could_not_trace_is_named_beside_its_difference(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    s = Synth()
    for ordinal, line in enumerate([MODESET, FLIP_B], 1):
        cid = s.commit(modeset=line == MODESET, line=line, fault="no-wait-dependencies")
        s.replay_record(line, commit=cid, ordinal=ordinal)
    b = s.write(tmp_path / "b.kmst", meta=META + "missing=drm_atomic_helper_wait_for_dependencies "
                "not found in BTF or kallsyms\n")
    result = diff(kmstrace, a, b)
    assert "   B could not trace drm_atomic_helper_wait_for_dependencies (not found in BTF or " \
        "kallsyms): its stage differences may be that" in result.stdout
    code, report = diff_json(kmstrace, a, b)
    assert report["b"]["missing"] == ["drm_atomic_helper_wait_for_dependencies"]
    assert report["a"]["missing"] == []


# ---- results --------------------------------------------------------------------

def test_another_errno_is_a_regression_at_its_line(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", got={(FLIP_B, 3): 22})
    result = diff(kmstrace, a, b)
    assert result.returncode == 1
    assert f"ERRNO DIFFERS at {SEQ} line {FLIP_B} (commit 3 of that line): A got ok, B got EINVAL" \
        in result.stdout
    assert last_line(result) == "REGRESSION: errno differs on 1 commit"


def test_an_errno_the_sequence_allows_either_way_is_not_a_regression(kmstrace, tmp_path):
    """expect=EBUSY|ok: one replay got EBUSY, the other ok, each as expected."""
    def trace(path, err):
        s = Synth()
        cid = s.commit(modeset=True, line=MODESET)
        s.replay_record(MODESET, commit=cid, ordinal=1)
        cid = s.commit(line=FLIP_B)
        s.replay_record(FLIP_B, expected=err, got=err, commit=cid, ordinal=2)
        return s.write(path, meta=META)
    result = diff(kmstrace, trace(tmp_path / "a.kmst", 16), trace(tmp_path / "b.kmst", 0))
    assert result.returncode == 0, result.stdout
    assert "A got EBUSY, B got ok (the sequence expects either: not a regression)" in result.stdout


def test_another_count_of_flip_events_is_a_regression_naming_the_crtc(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", drop_delivery=(FLIP_A, 1))
    code, report = diff_json(kmstrace, a, b)
    assert code == 1
    assert report["flip_events"] == [{"crtc": 0, "minor_a": 0, "minor_b": 0, "a": 7, "b": 6}]
    assert report["stage_differences"] == []
    result = diff(kmstrace, a, b)
    assert "flip events delivered: crtc 0 7 -> 6 (DIFFER)" in result.stdout
    assert "flip events differ on crtc 0 (7 -> 6)" in last_line(result)


# ---- timing -----------------------------------------------------------------------

def spread(center_ns, n=60, step_ns=20_000):
    """N latencies around CENTER_NS, STEP_NS apart (no two equal)."""
    return [center_ns + (i - n // 2) * step_ns for i in range(n)]


def test_a_latency_shift_beyond_the_margin_is_a_regression_naming_it(kmstrace, tmp_path):
    a = latencies(tmp_path / "a.kmst", spread(5_000_000))
    b = latencies(tmp_path / "b.kmst", spread(6_000_000))  # +20 %
    result = diff(kmstrace, a, b)
    assert result.returncode == 1, result.stdout
    assert "crtc 0 event_latency: REGRESSION (slower)" in result.stdout
    assert last_line(result) == "REGRESSION: event_latency slower on crtc 0; flip_latency slower on crtc 0"
    code, report = diff_json(kmstrace, a, b)
    t = timing(report, "event_latency")
    assert t["verdict"] == "slower" and t["regression"] and t["p"] < 0.01
    assert t["change_p50"] == pytest.approx(0.2, abs=0.01)


def test_a_significant_shift_within_the_margin_is_not_a_regression(kmstrace, tmp_path):
    a = latencies(tmp_path / "a.kmst", spread(5_000_000, n=200, step_ns=2_000))
    b = latencies(tmp_path / "b.kmst", spread(5_250_000, n=200, step_ns=2_000))  # +5 %
    code, report = diff_json(kmstrace, a, b)
    t = timing(report, "event_latency")
    assert t["p"] < 1e-6, "significant"
    assert t["change_p50"] == pytest.approx(0.05, abs=0.005)
    assert t["verdict"] == "same" and code == 0
    # ... and a margin below the shift makes it one
    code, report = diff_json(kmstrace, a, b, "--margin", "3")
    assert code == 1 and timing(report, "event_latency")["verdict"] == "slower"


def test_a_latency_shift_within_the_hosts_timer_lateness_is_the_hosts(kmstrace, tmp_path):
    """+1 ms on 4 ms flips at 1000 Hz, while the host ran the VBLANK timers
    2 ms late: a TCG host that got busier, not the driver."""
    a = latencies(tmp_path / "a.kmst", spread(4_000_000), frame_ns=1_000_000, host_late_ns=0)
    b = latencies(tmp_path / "b.kmst", spread(5_000_000), frame_ns=1_000_000,
                  host_late_ns=2_000_000)
    result = diff(kmstrace, a, b)
    assert result.returncode == 0, result.stdout
    assert "crtc 0 event_latency: same (the change is within the host's noise)" in result.stdout
    assert "the host ran VBLANK timers up to 0.000 ms late in A, 2.000 ms in B" in result.stdout
    code, report = diff_json(kmstrace, a, b)
    t = timing(report, "event_latency")
    assert t["host_noise_ns"] == 2_000_000 and t["within_host_noise"] and t["p"] < 1e-6
    # the same shift with the host on time is the driver's
    b = latencies(tmp_path / "c.kmst", spread(5_000_000), frame_ns=1_000_000, host_late_ns=0)
    assert diff(kmstrace, a, b).returncode == 1


def test_a_faster_distribution_is_reported_but_not_a_regression(kmstrace, tmp_path):
    a = latencies(tmp_path / "a.kmst", spread(6_000_000))
    b = latencies(tmp_path / "b.kmst", spread(5_000_000))
    result = diff(kmstrace, a, b)
    assert result.returncode == 0, result.stdout
    assert "crtc 0 event_latency: faster" in result.stdout


def test_latency_margin_is_at_least_a_frame_of_the_crtc(kmstrace, tmp_path):
    """+1 ms on a 2 ms latency is +50 % of the value but 6 % of a 16.7 ms frame."""
    a = latencies(tmp_path / "a.kmst", spread(2_000_000), frame_ns=FRAME_NS)
    b = latencies(tmp_path / "b.kmst", spread(3_000_000), frame_ns=FRAME_NS)
    code, report = diff_json(kmstrace, a, b)
    t = timing(report, "event_latency")
    assert t["frame_ns"] == FRAME_NS and t["p"] < 1e-6
    assert t["change_p50"] == pytest.approx(1_000_000 / FRAME_NS, rel=0.01)
    assert t["verdict"] == "same" and code == 0


def test_too_few_samples_are_not_tested(kmstrace, tmp_path):
    code, report = diff_json(kmstrace, latencies(tmp_path / "a.kmst", spread(5_000_000, n=5)),
                             latencies(tmp_path / "b.kmst", spread(9_000_000, n=5)))
    assert code == 0
    t = timing(report, "event_latency")
    assert t["verdict"] == "too_few" and "p" not in t


def vblanks(path, late_every_other_ns=0, host_late_ns=0, n=60):
    s = Synth()
    s.commit(modeset=True)
    for i in range(n):
        s.vblank_irq(0, late_ns=late_every_other_ns if i % 2 else 0, host_late_ns=host_late_ns)
    return s.write(path)


def test_vblank_jitter_is_a_regression_of_the_vblank_interval(kmstrace, tmp_path):
    """Every other VBLANK 4 ms late: intervals of frame +-4 ms, median in place."""
    result = diff(kmstrace, vblanks(tmp_path / "a.kmst"),
                  vblanks(tmp_path / "b.kmst", late_every_other_ns=4_000_000))
    assert result.returncode == 1, result.stdout
    assert "crtc 0 vblank_interval: REGRESSION (slower)" in result.stdout
    assert "p90 0.0% -> 24.0% of a frame" in result.stdout
    assert last_line(result) == "REGRESSION: vblank_interval slower on crtc 0"


def test_a_late_host_is_not_vblank_jitter(kmstrace, tmp_path):
    """The host ran every timer 3 ms late (measured): the driver's schedule is intact."""
    result = diff(kmstrace, vblanks(tmp_path / "a.kmst"),
                  vblanks(tmp_path / "b.kmst", host_late_ns=3_000_000))
    assert result.returncode == 0, result.stdout
    assert "crtc 0 vblank_interval: same" in result.stdout


# ---- Mann-Whitney and percentiles, through the JSON report -------------------

def mann_whitney(a, b):
    """U of A, and the two-sided p-value of the normal approximation with tie
    and continuity corrections: sigma^2 = n1 n2 / 12 ((n + 1) - sum(t^3 - t) /
    (n (n - 1))), z = (|U - n1 n2 / 2| - 1/2) / sigma, p = erfc(|z| / sqrt 2)."""
    pooled = sorted(a + b)
    ranks, i = {}, 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j] == pooled[i]:
            j += 1
        ranks[pooled[i]] = (i + 1 + j) / 2, j - i
        i = j
    n1, n2, n = len(a), len(b), len(a) + len(b)
    u = sum(ranks[v][0] for v in a) - n1 * (n1 + 1) / 2
    ties = sum(t ** 3 - t for _, t in ranks.values())
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = max(abs(u - n1 * n2 / 2) - 0.5, 0) / sigma
    return u, math.erfc(z / math.sqrt(2))


def event_latency_test(kmstrace, tmp_path, a_ms, b_ms):
    a = latencies(tmp_path / "a.kmst", [int(v * 1e6) for v in a_ms])
    b = latencies(tmp_path / "b.kmst", [int(v * 1e6) for v in b_ms])
    return timing(diff_json(kmstrace, a, b)[1], "event_latency")


def test_mann_whitney_of_separated_samples_matches_the_hand_computed_value(kmstrace, tmp_path):
    # A = 1..8, B = 9..16: every A below every B, so U = 0; mean 32,
    # sigma = sqrt(8 * 8 / 12 * 17) = 9.5219; z = (32 - 0.5) / sigma = 3.3082;
    # p = erfc(3.3082 / sqrt 2) = 0.000939
    t = event_latency_test(kmstrace, tmp_path, range(1, 9), range(9, 17))
    assert t["u"] == 0
    assert abs(t["z"]) == pytest.approx(3.3082, abs=1e-4)
    assert t["p"] == pytest.approx(0.000939, rel=1e-3)


def test_mann_whitney_with_ties_follows_the_documented_formula(kmstrace, tmp_path):
    a = [1, 2, 2, 3, 3, 3, 4, 5, 6, 6]
    b = [3, 4, 4, 5, 5, 6, 7, 8, 8, 9, 9]
    u, p = mann_whitney(a, b)
    # by hand, ties sharing their mean rank: A's ranks are 1, 2.5 x2 (the 2s),
    # 5.5 x3 (the 3s hold ranks 4-7), 9 (the 4s: 8-10), 12 (the 5s: 11-13) and
    # 15 x2 (the 6s: 14-16), 73.5 in all, so U = 73.5 - 10 * 11 / 2 = 18.5
    assert u == 18.5
    t = event_latency_test(kmstrace, tmp_path, a, b)
    assert t["u"] == u
    assert t["p"] == pytest.approx(p, rel=1e-6)


def test_identical_samples_are_not_significant(kmstrace, tmp_path):
    t = event_latency_test(kmstrace, tmp_path, [4] * 10, [4] * 10)
    assert t["p"] == 1 and t["verdict"] == "same"


def test_percentiles_are_nearest_rank(kmstrace, tmp_path):
    t = event_latency_test(kmstrace, tmp_path, range(1, 101), range(1, 101))
    side = t["a"]
    assert (side["p50_ns"], side["p90_ns"], side["p99_ns"], side["max_ns"]) == \
        (50_000_000, 90_000_000, 99_000_000, 100_000_000)
    assert side["count"] == 100


# ---- formats and bad input ------------------------------------------------------

def test_json_is_one_object_with_every_part(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", fault="no-wait-dependencies", at=(FLIP_B, 1))
    for args in (["-f", "json"], ["-j"]):
        result = diff(kmstrace, a, b, *args)
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert len(lines) == 1
        report = json.loads(lines[0])
        assert report["verdict"] == "regression"
        assert report["a"]["trace"] == str(a) and report["a"]["seq"] == SEQ
        for key in ("stage_differences", "errno_differences", "only_in_a", "only_in_b",
                    "flip_events", "timing", "alpha", "margin"):
            assert key in report, key
        assert {t["kind"] for t in report["timing"]} == \
            {"vblank_interval", "event_latency", "flip_latency"}


def test_junit_is_valid_xml_with_a_failure_per_regression(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", fault="tail-order", at=(FLIP_A, 1), got={(FLIP_B, 2): 16})
    result = diff(kmstrace, a, b, "-f", "junit", "-o", tmp_path / "out" / "diff.xml")
    assert result.returncode == 1 and result.stdout == ""
    suite = ET.parse(tmp_path / "out" / "diff.xml").getroot().find("testsuite")
    assert suite.get("name") == "kmstrace-diff"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["stages"].find("failure") is not None
    assert f"line {FLIP_A}" in cases["stages"].find("failure").text
    assert cases["errnos"].find("failure") is not None
    assert cases["flip-events crtc 0"].find("failure") is None
    assert int(suite.get("failures")) == 2
    assert int(suite.get("tests")) == len(cases)


def test_tap_is_refused(kmstrace, tmp_path):
    trace = replayed(tmp_path / "a.kmst")
    result = diff(kmstrace, trace, trace, "-f", "tap")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("args, what", [
    (["--alpha", "0"], "--alpha"), (["--alpha", "1.5"], "--alpha"),
    (["--margin", "-1"], "--margin"), (["--margin", "1001"], "--margin"), ([], "two traces")])
def test_bad_options_are_one_line_and_exit_2(kmstrace, tmp_path, args, what):
    trace = replayed(tmp_path / "a.kmst")
    result = subprocess.run([str(kmstrace), "diff", str(trace), *args], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and what in lines[0], result.stderr


def test_a_truncated_trace_is_one_line_naming_it_and_exit_2(kmstrace, tmp_path):
    good = replayed(tmp_path / "a.kmst")
    cut = tmp_path / "cut.kmst"
    data = good.read_bytes()
    cut.write_bytes(data[:len(data) // 2 + 3])
    for a, b in ((good, cut), (cut, good)):
        result = diff(kmstrace, a, b)
        assert result.returncode == 2 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and str(cut) in lines[0], result.stderr
        assert "byte" in lines[0] and "record" in lines[0]


def huge_commit_id(path, end=True):
    """A recording whose one commit has an id near 2**32 (any id a damaged trace may name)."""
    s = Synth()
    s.ev("ATOMIC_IOCTL", "ENTER", commit=0xFFFFFFFF, flags=K.CF["FROM_IOCTL"])
    s.ev("ATOMIC_IOCTL", "EXIT", commit=0xFFFFFFFF, flags=K.CF["FROM_IOCTL"])
    return s.write(path, end=end)


def test_a_commit_id_near_2_32_is_compared_like_any_other(kmstrace, tmp_path):
    trace = huge_commit_id(tmp_path / "a.kmst")
    result = diff(kmstrace, trace, trace)
    assert result.returncode == 0, result.stderr
    assert last_line(result).startswith("SAME: 1 commit with the same stages and results")


def test_a_cut_trace_with_a_commit_id_near_2_32_names_its_byte_not_memory(kmstrace, tmp_path):
    good = huge_commit_id(tmp_path / "a.kmst")
    cut = huge_commit_id(tmp_path / "cut.kmst", end=False)
    result = diff(kmstrace, good, cut)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(cut) in lines[0] and "byte" in lines[0], result.stderr


def test_an_ioctl_result_that_is_no_errno_is_a_corrupt_record_named_by_its_byte(kmstrace, tmp_path):
    s = Synth()
    c = dict(commit=1, flags=K.CF["FROM_IOCTL"])
    s.ev("ATOMIC_IOCTL", "ENTER", **c)
    s.ev("ATOMIC_IOCTL", "EXIT", ret=-2**31, **c)
    bad = s.write(tmp_path / "bad.kmst")
    result = diff(kmstrace, replayed(tmp_path / "a.kmst"), bad)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kmstrace: {bad}: corrupt record at byte "), lines
    assert "(record 2: an atomic ioctl returned -2147483648, which is no errno)" in lines[0]


def test_garbage_and_missing_files_are_one_line_and_exit_2(kmstrace, tmp_path):
    good = replayed(tmp_path / "a.kmst")
    garbage = tmp_path / "garbage.kmst"
    garbage.write_bytes(b"not a trace at all, just some bytes\n" * 10)
    for bad in (garbage, tmp_path / "absent.kmst"):
        result = diff(kmstrace, good, bad)
        assert result.returncode == 2 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and str(bad) in lines[0], result.stderr


def test_a_trace_that_dropped_events_is_incomplete(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    drops = [0] * K.EV_MAX
    drops[K.EV["COMMIT_PLANES"]] = 2
    lossy = s.write(tmp_path / "lossy.kmst", drops=drops)
    result = diff(kmstrace, lossy, lossy)
    assert result.returncode == 2, "a trace that lost records is never 'the same'"
    assert "2 events were dropped" in result.stderr and str(lossy) in result.stderr


# ---- --plot -----------------------------------------------------------------------

def diff_env(kmstrace, a, b, *args, env=None):
    return subprocess.run([str(kmstrace), "diff", str(a), str(b), *map(str, args)],
                          capture_output=True, text=True, timeout=60, env=env)


@needs_gnuplot
@pytest.mark.parametrize("drop_delivery", [None, (FLIP_A, 1)], ids=["same", "regression"])
def test_plot_leaves_the_report_and_exit_status_the_diffs(kmstrace, tmp_path, drop_delivery):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst", drop_delivery=drop_delivery)
    out = tmp_path / "plots" / "ab.png"
    plain = diff(kmstrace, a, b)
    with_plot = diff(kmstrace, a, b, "--plot", out)
    assert plain.returncode == (1 if drop_delivery else 0), plain.stderr
    assert with_plot.returncode == plain.returncode, with_plot.stderr
    assert with_plot.stdout == plain.stdout
    assert png_size(out) == (WIDTH, ROW_HEIGHT), "one CRTC: one row of panels"
    assert [p.name for p in out.parent.iterdir()] == ["ab.png"], "the gnuplot script is removed"


@needs_gnuplot
def test_plot_has_a_row_per_crtc_both_traces_have(kmstrace, tmp_path):
    a = flips((0, 1)).write(tmp_path / "a.kmst")
    b = flips((0, 1)).write(tmp_path / "b.kmst")
    out = tmp_path / "ab.png"
    result = diff(kmstrace, a, b, "--plot", out)
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (WIDTH, ROW_HEIGHT * 2)


def test_plot_without_gnuplot_is_one_line_naming_it_and_exit_2(kmstrace, tmp_path):
    a = replayed(tmp_path / "a.kmst")
    b = replayed(tmp_path / "b.kmst")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    out = tmp_path / "ab.png"
    result = diff_env(kmstrace, a, b, "--plot", out, env={"PATH": str(empty_bin)})
    assert result.returncode == 2
    assert result.stderr == \
        "kmstrace: --plot needs gnuplot (Debian package gnuplot-nox): not found\n"
    assert last_line(result).startswith("SAME"), "the report is printed before the plot fails"
    assert not out.exists()
