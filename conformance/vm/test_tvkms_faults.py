# SPDX-License-Identifier: GPL-2.0
"""tvkms fault knobs: the debugfs file's contract, and what each knob does
to a client (events doubled, missing, VBLANKs dropped or jittered), that
each one fires tvkms:tvkms_fault with its rule id, and that none of them
stalls, splats or leaves the device unusable once cleared."""
import errno
import stat
import sys

import pytest

import tvkms_util as tv
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bpf"))
import kmstrace_event as K  # noqa: E402  the one rule table: knob names are rule ids

RULE_ID = dict(K.RULES)
KNOBS = sorted(RULE_ID, key=RULE_ID.get)
SETTING = {"vblank-jitter": "2000000", "vblank-drop": "2", "commit-stall": "50"}


@pytest.fixture(scope="module")
def loaded():
    """One load for the whole file (loads are slow under TCG); the kernel
    log of the whole file must stay clean, unload included."""
    with tv.session() as load:
        yield load()


@pytest.fixture
def tvkms(loaded):
    """Every test starts and ends with all knobs cleared and no splat."""
    before = len(tv.dmesg_lines())
    assert tv.write_knob("none") == 0
    yield tv.card()
    assert tv.write_knob("none") == 0
    new = tv.dmesg_lines()[before:]
    assert not tv.splats(new), "\n".join(tv.splats(new))


def test_faults_file_lists_every_knob_in_rule_order(tvkms):
    path = tv.debugfs_dir() / "faults"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tv.read_knobs()) == KNOBS
    assert set(tv.read_knobs().values()) == {"0"}


def test_a_knob_set_alone_leaves_the_others_off_and_none_clears_all(tvkms):
    assert tv.write_knob("event-missing=3") == 0
    assert tv.write_knob("vblank-drop=5") == 0
    knobs = tv.read_knobs()
    assert {k: v for k, v in knobs.items() if v != "0"} == {"event-missing": "3", "vblank-drop": "5"}
    assert tv.write_knob("none") == 0
    assert set(tv.read_knobs().values()) == {"0"}


def test_a_knob_value_n_fires_on_every_nth_eligible_event(tvkms):
    """Its value is a behaviour, not a number kept: event-missing=3 drops every third event."""
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        tv.write_knob("event-missing=3")
        events = flip_and_collect(client, pipe, 6)
    assert [len(e) for e in events] == [1, 1, 0, 1, 1, 0]


@pytest.mark.parametrize("line,named", [("no-such-knob", "no-such-knob"),
                                        ("event-twice=x", "'x'"),
                                        ("vblank-drop=-1", "'-1'")])
def test_bad_knob_writes_are_refused_and_named(tvkms, line, named):
    before = len(tv.dmesg_lines())
    assert tv.write_knob(line) == errno.EINVAL
    assert set(tv.read_knobs().values()) == {"0"}
    assert any(named in l for l in tv.dmesg_lines()[before:])


def flip_and_collect(client, pipe, flips, expect=1, timeout=0.5):
    """Flip `flips` times; per flip, the events read until `expect` arrived
    (or `timeout` passed), then whatever else arrives right after."""
    per_flip = []
    for n in range(flips):
        pipe.flip(1000 + n)
        events = client.read_events(timeout, count=expect) if expect else []
        events += client.read_events(0.05 if expect else timeout)
        per_flip.append(events)
    return per_flip


def exercise(client, pipe):
    """Everything a knob may act on: flips, a CRTC off/on, a TEST_ONLY
    commit, VBLANK waits."""
    flip_and_collect(client, pipe, 3, timeout=0.2)
    client.disable_crtc(pipe.crtc_id)
    client.set_crtc(pipe.crtc_id, pipe.connector_id, pipe.fbs[0], pipe.mode)
    client.test_only_flip(client.planes()[0], pipe.fbs[1])
    client.vblank(0, 6)
    flip_and_collect(client, pipe, 3, timeout=0.2)
    # A blocking commit right behind a flip still in flight: what
    # wait_for_dependencies is for.
    pipe.flip(2000)
    client.set_crtc(pipe.crtc_id, pipe.connector_id, pipe.fbs[0], pipe.mode)
    client.read_events(0.5)


@pytest.mark.parametrize("knob", KNOBS)
def test_knob_fires_its_tracepoint_and_clears_cleanly(tvkms, knob):
    with tv.Card() as client, tv.Trace("tvkms/tvkms_fault") as trace:
        pipe = tv.Pipe(client, 0)
        value = SETTING.get(knob, "1")
        assert tv.write_knob(f"{knob}={value}") == 0
        exercise(client, pipe)
        assert tv.write_knob("none") == 0
        client.read_events(0.3)  # drain what the knob left in flight
        fired = [line for line in trace.lines("tvkms_fault")
                 if f"rule={RULE_ID[knob]}" in line.split()[-1]]
        assert fired, f"{knob} never fired tvkms:tvkms_fault"
        # Cleared: the device works as before, one event per flip.
        for events in flip_and_collect(client, pipe, 3, timeout=2.0):
            assert len(events) == 1, events


def test_event_twice_delivers_two_events_for_one_flip(tvkms):
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        tv.write_knob("event-twice")
        events = flip_and_collect(client, pipe, 3, expect=2)
    for events_of_flip in events:
        assert len(events_of_flip) == 2, events_of_flip
        assert events_of_flip[0][0] == events_of_flip[1][0], "same user_data"


def test_event_missing_sends_nothing_and_does_not_stall(tvkms):
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        tv.write_knob("event-missing=2")
        events = flip_and_collect(client, pipe, 4)
    assert [len(e) for e in events] == [1, 0, 1, 0]


def test_vblank_drop_makes_the_counter_jump(tvkms):
    with tv.Card() as client, tv.Trace("tvkms/tvkms_vblank") as trace:
        pipe = tv.Pipe(client, 0)
        tv.write_knob("vblank-drop=2")
        seq0, _ = client.vblank(0)
        client.vblank(0, 20)
        seq1, _ = client.vblank(0)
        tv.write_knob("none")
        seqs = [int(line.split("seq=")[1].split()[0])
                for line in trace.lines("tvkms_vblank")]
        del pipe
    gaps = [b - a for a, b in zip(seqs, seqs[1:])]
    assert seq1 - seq0 >= 20
    assert gaps.count(2) >= 5, gaps


def vblank_lateness(client, knob):
    """Per VBLANK of 40: (schedule step, delivery - schedule) with KNOB set."""
    with tv.Trace("tvkms/tvkms_vblank") as trace:
        tv.write_knob(knob)
        client.vblank(0, 40)
        tv.write_knob("none")
        lines = trace.lines("tvkms_vblank")
    expected = [int(l.split("expected_ns=")[1].split()[0]) for l in lines]
    late = [int(l.split("actual_ns=")[1].split()[0]) - e for l, e in zip(lines, expected)]
    return [b - a for a, b in zip(expected, expected[1:])], late


def test_vblank_jitter_delays_delivery_but_keeps_the_schedule(tvkms):
    """Side by side in one run: TCG delays both halves alike; the knob adds
    a uniform 0..4 ms (median 2 ms) to its half only."""
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        _, plain = vblank_lateness(client, "none")
        steps, jittered = vblank_lateness(client, "vblank-jitter=4000000")
        del pipe
    frame_ns = 10**9 // 60
    # Kept schedule: whole frames apart (more than one only where TCG made
    # the timer overrun and the skipped instants were counted as missed).
    assert all(step > 0 and step % frame_ns == 0 for step in set(steps)), set(steps)
    # Every other VBLANK is 4 ms late with the knob: about half of them.
    late = sum(ns >= 3_000_000 for ns in jittered) - sum(ns >= 3_000_000 for ns in plain)
    assert late >= 12, (late, plain, jittered)


def test_state_leak_holds_states_until_cleared(tvkms):
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        tv.write_knob("state-leak")
        flip_and_collect(client, pipe, 5)
        tv.write_knob("state-leak=0")
        flip_and_collect(client, pipe, 2)
    # Released: the fixtures check that the log stays clean through unload.
    assert tv.read_knobs()["state-leak"] == "0"
