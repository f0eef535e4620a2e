# SPDX-License-Identifier: GPL-2.0
"""In-guest tests of the DRM state the tracers read at the instants that
decide a rule (bpf/kmstrace_event.h: KMST_VS_*, KMST_CS_*, CRTC_STATE and
HANDLE_VBLANK's host lateness), on tvkms: a real client's legacy page flips
(`modetest -v`) and a replayed sequence that switches the pipe off and on.

Records are found by their type number (kmstrace_event.py reads it from the
header), so a name table that lags behind the header cannot hide them."""
import subprocess
import sys

import pytest

import tvkms_util as tv
from conftest import ROOT
from test_tracers_core import dump, first_connected_connector

sys.path.insert(0, str(ROOT / "bpf"))
import kmstrace_event as K  # noqa: E402

EV_NAMES = {number: name for name, number in K.EV.items()}
VS, CS = K.VS, K.CS
UAPI_EVENT_FLIP_COMPLETE = 0x02  # DRM_EVENT_FLIP_COMPLETE
# A CRTC whose VBLANK DRM has switched on and whose interrupt runs.
VBLANK_RUNNING = VS["VALID"] | VS["SUPPORTED"] | VS["ON"] | VS["ENABLED"]


class Trace:
    """One trace: its metadata lines, its records in order, by commit."""

    def __init__(self, path):
        self.meta, self.events, self.end = dump(path)
        for e in self.events:
            e["name"] = EV_NAMES.get(e["type_id"], "UNKNOWN")
        self.by_commit = {}
        for e in self.events:
            if e["commit_id"]:
                self.by_commit.setdefault(e["commit_id"], []).append(e)

    def of(self, name, phase=None, commit=None):
        events = self.by_commit.get(commit, []) if commit is not None else self.events
        return [e for e in events if e["name"] == name and (phase is None or e["phase"] == phase)]

    def flips(self):
        """Commits that went through drm_atomic_nonblocking_commit and were set up:
        the legacy page flips of `modetest -v` (its modeset is a blocking commit)."""
        return [cid for cid in self.by_commit
                if self.of("NONBLOCKING_COMMIT", "enter", cid)
                and any(e["ret"] == 0 for e in self.of("SETUP_COMMIT", "exit", cid))]

    def answered_flips(self):
        """The flips but the last: modetest -v waits for each flip's event
        before the next flip, so only the last can still be pending when it
        exits, and DRM then delivers that event with no file to go to."""
        return self.flips()[:-1]


def vblank_bits(e):
    """KMST_VS_* of a record, wherever its type carries them."""
    return e["aux"] if e["name"] in ("ARM_VBLANK_EVENT", "SEND_VBLANK_EVENT") else e["aux"] >> 16


def has(bits, *names, table=VS):
    return all(bits & table[name] for name in names)


@pytest.fixture(scope="module")
def tvkms():
    tv.unload()
    result = tv.load()
    assert result.returncode == 0, result.stderr
    yield tv.card()
    tv.unload()


@pytest.fixture(scope="module")
def modetest_trace(kmstrace, tvkms, tmp_path_factory):
    """`kmstrace record` of `modetest -s CONN:1024x768 -v` for 2 s."""
    tmp = tmp_path_factory.mktemp("modetest")
    trace = tmp / "modetest.kmst"
    connector = first_connected_connector("tvkms")
    # modetest -v stops at the first byte on stdin: an open, silent pipe
    # keeps it flipping until --duration.
    with open(tmp / "record.err", "w") as err:
        proc = subprocess.Popen([str(kmstrace), "record", "--duration", "2", "-o", str(trace), "--",
                                 "modetest", "-M", "tvkms", "-s", f"{connector}:1024x768", "-v"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        try:
            assert proc.wait(timeout=240) == 0, (tmp / "record.err").read_text()
        finally:
            proc.stdin.close()
    result = Trace(trace)
    assert result.end["drops_total"] == 0, "the ring buffer dropped records"
    assert len(result.flips()) >= 5, f"modetest made {len(result.flips())} flips in 2 s"
    return result


@pytest.fixture(scope="module")
def disable_trace(kmstrace, tvkms, tmp_path_factory):
    """traces/disable-enable.seq replayed: the pipe lit, flipped and switched
    off three times, each commit asking for an event. At --level full: the
    tests read drm_crtc_vblank_on's exit, which no rule needs."""
    trace = tmp_path_factory.mktemp("disable") / "disable-enable.kmst"
    result = subprocess.run([str(kmstrace), "replay", str(ROOT / "traces" / "disable-enable.seq"),
                             "--device", tvkms[1], "-o", str(trace), "--level", "full"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert trace.exists(), result.stdout + result.stderr
    return Trace(trace)


def test_every_flip_states_an_active_crtc_with_a_client_event(modetest_trace):
    """A legacy drmModePageFlip(DRM_MODE_PAGE_FLIP_EVENT) commit has a
    CRTC_STATE saying its CRTC is active and carries the client's event."""
    want = CS["ACTIVE"] | CS["EVENT"] | CS["CLIENT_EVENT"]
    for cid in modetest_trace.flips():
        states = modetest_trace.of("CRTC_STATE", commit=cid)
        assert states, f"flip commit {cid} has no CRTC_STATE"
        assert any(s["aux"] & want == want for s in states), \
            f"flip commit {cid}: no CRTC active with a client event: {[hex(s['aux']) for s in states]}"
        assert all(s["arg1"] for s in states if s["aux"] & CS["ACTIVE"]), \
            f"flip commit {cid}: an active CRTC with no plane in plane_mask"


def test_flip_records_ask_for_an_event_like_an_atomic_commit_with_the_flag(modetest_trace):
    """From its CRTC_STATE on, every record of a legacy flip carries
    KMST_CF_PAGE_FLIP_EVENT, as an atomic commit with the flag does."""
    for cid in modetest_trace.flips():
        records = modetest_trace.by_commit[cid]
        first = next(i for i, e in enumerate(records) if e["name"] == "CRTC_STATE")
        # HANDLE_VBLANK only names the commit whose armed event waits on it.
        unflagged = [(e["name"], e["phase"]) for e in records[first:]
                     if e["name"] != "HANDLE_VBLANK" and "page_flip_event" not in e["flags"].split("|")]
        assert not unflagged, f"flip commit {cid}: records without page_flip_event: {unflagged}"


def test_a_modeset_without_event_does_not_ask_for_one(modetest_trace):
    """modetest's SETCRTC asks for no event: the helper gives the CRTC its
    own (CS_EVENT), which is not a client's, and the commit is not flagged."""
    modesets = [e for e in modetest_trace.of("CRTC_STATE") if e["aux"] & CS["MODESET"]]
    assert modesets, "no CRTC_STATE of modetest's modeset"
    for e in modesets:
        assert e["aux"] & (CS["ACTIVE"] | CS["EVENT"]) == CS["ACTIVE"] | CS["EVENT"], hex(e["aux"])
        assert not e["aux"] & CS["CLIENT_EVENT"], f"the modeset's event is taken for a client's: {e}"
        assert "page_flip_event" not in e["flags"].split("|"), e


def test_armed_events_see_vblank_on_and_enabled_with_a_reference(modetest_trace):
    arms = modetest_trace.of("ARM_VBLANK_EVENT", "enter")
    assert len(arms) >= 5, f"{len(arms)} events armed"
    for e in arms:
        assert e["aux"] & VBLANK_RUNNING == VBLANK_RUNNING, \
            f"armed with VBLANK state {e['vblank_state']!r}: {e}"
        assert e["arg0"] >= 1, f"armed without a VBLANK reference (refcount {e['arg0']})"


def test_flip_events_are_armed_as_the_clients(modetest_trace):
    """Every flip's event is armed as modetest's (file_priv set), but the
    last flip's may be armed after record ended modetest: closing the file
    unlinks its pending events and clears their file_priv
    (drm_events_release), and the commit's tail arms it afterwards."""
    flips = modetest_trace.flips()
    answered = set(modetest_trace.answered_flips())
    arms = [e for e in modetest_trace.of("ARM_VBLANK_EVENT", "enter") if e["commit_id"] in answered]
    assert len(arms) >= 5, f"{len(arms)} flip events armed"
    for e in arms:
        assert e["aux"] & VS["CLIENT"], f"modetest's flip event armed as the helper's: {e}"
    last = modetest_trace.of("ARM_VBLANK_EVENT", "enter", flips[-1])
    assert len(last) <= 1, f"the last flip's event armed {len(last)} times"
    if last and not last[0]["aux"] & VS["CLIENT"]:
        delivered = [e for e in modetest_trace.of("VBLANK_EVENT_DELIVERED", commit=flips[-1])
                     if vblank_bits(e) & VS["CLIENT"]]
        assert not delivered, f"an event armed without a file was delivered to a client: {delivered}"


def test_client_events_are_delivered_marked_client_and_armed(modetest_trace):
    for cid in modetest_trace.answered_flips():
        delivered = [e for e in modetest_trace.of("VBLANK_EVENT_DELIVERED", commit=cid)
                     if vblank_bits(e) & VS["CLIENT"]]
        assert len(delivered) == 1, f"flip commit {cid}: {len(delivered)} client events delivered"
        event = delivered[0]
        assert event["aux"] & 0xffff == UAPI_EVENT_FLIP_COMPLETE, event
        assert has(vblank_bits(event), "VALID", "ARMED"), event


def test_the_helpers_own_events_are_delivered_too(modetest_trace):
    """drm_atomic_helper_setup_commit's own event of the modeset (no file,
    no uapi type) is seen leaving, marked as not a client's."""
    modeset_commits = {e["commit_id"] for e in modetest_trace.of("CRTC_STATE")
                       if e["aux"] & CS["MODESET"]}
    helpers = [e for cid in modeset_commits
               for e in modetest_trace.of("VBLANK_EVENT_DELIVERED", commit=cid)]
    assert helpers, "the modeset's own event was not delivered in the trace"
    for e in helpers:
        assert e["aux"] & 0xffff == 0 and not vblank_bits(e) & VS["CLIENT"], e


def test_handled_vblanks_know_how_late_the_host_ran_the_timer(modetest_trace):
    assert "prog=timer:hrtimer_expire_entry tracepoint" in modetest_trace.meta, \
        [m for m in modetest_trace.meta if "hrtimer" in m]
    handled = modetest_trace.of("HANDLE_VBLANK")
    assert len(handled) >= 10, f"{len(handled)} VBLANKs handled"
    unknown = [e for e in handled if e["aux"] == K.HOST_LATENESS_UNKNOWN]
    assert not unknown, f"{len(unknown)} of {len(handled)} tvkms VBLANKs without host lateness"
    # Under emulation the host never runs a timer exactly on time: all zeros
    # would mean the expiry or the clock was not read.
    assert any(e["aux"] > 0 for e in handled), "every host lateness is 0"


def test_a_disabled_crtc_is_stated_inactive(disable_trace):
    disables = [e for e in disable_trace.of("CRTC_STATE")
                if e["aux"] & CS["OLD_ACTIVE"] and not e["aux"] & CS["ACTIVE"]]
    assert len(disables) == 3, f"{len(disables)} disabling commits, the sequence has 3"
    for e in disables:
        assert not e["aux"] & CS["ENABLE"] and e["aux"] & CS["MODESET"], hex(e["aux"])
        assert e["aux"] & CS["CLIENT_EVENT"], f"the disabling commit's event is missing: {e}"
        assert e["arg1"] == 0, f"a disabled CRTC with planes 0x{e['arg1']:x}"


def test_the_event_of_a_disabling_commit_is_sent_with_vblank_off(disable_trace):
    """DRM turned VBLANK off (drm_crtc_vblank_off in atomic_disable) before
    the disabling commit's event is sent: the send shows VS_ON cleared."""
    disabling = {e["commit_id"]: e["crtc"] for e in disable_trace.of("CRTC_STATE")
                 if e["aux"] & CS["OLD_ACTIVE"] and not e["aux"] & CS["ACTIVE"]}
    assert disabling, "no disabling commit"
    for cid, crtc in disabling.items():
        records = disable_trace.by_commit[cid]
        off = [i for i, e in enumerate(records) if e["name"] == "VBLANK_OFF" and e["crtc"] == crtc]
        sends = [i for i, e in enumerate(records)
                 if e["name"] == "SEND_VBLANK_EVENT" and e["phase"] == "enter" and e["crtc"] == crtc]
        assert off and sends, f"commit {cid}: VBLANK_OFF at {off}, sends at {sends}"
        assert off[0] < sends[-1], f"commit {cid}: the event was sent before VBLANK went off"
        send = records[sends[-1]]
        assert has(send["aux"], "VALID", "SUPPORTED"), send
        assert not send["aux"] & VS["ON"], f"commit {cid}: sent with VBLANK on: {send}"
        assert not send["aux"] & VS["ARMED"], f"commit {cid}: the event was armed first: {send}"


def test_a_crtc_lit_again_shows_vblank_off_until_drm_turns_it_on(disable_trace):
    """Enabling after a disable: at setup VBLANK is still off (CRTC_STATE
    without VS_ON). The commit's event is armed with VBLANK running after
    drm_crtc_vblank_on, or, if the driver flushes before it enables (tvkms
    on 6.1), sent at once with VS_ON cleared: the bits follow DRM's state."""
    enables = [e for e in disable_trace.of("CRTC_STATE")
               if e["aux"] & CS["ACTIVE"] and not e["aux"] & CS["OLD_ACTIVE"]]
    # Three in the sequence; the first finds the CRTC still lit if an earlier
    # client (modetest) left it so.
    assert len(enables) >= 2, f"{len(enables)} commits lit the CRTC after a disable"
    for e in enables:
        assert has(vblank_bits(e), "VALID", "SUPPORTED") and not vblank_bits(e) & VS["ON"], e
        records = disable_trace.by_commit[e["commit_id"]]
        on = [i for i, r in enumerate(records) if r["name"] == "VBLANK_ON" and r["phase"] == "exit"]
        assert on, f"commit {e['commit_id']} lit the CRTC without drm_crtc_vblank_on"
        calls = [(i, r) for i, r in enumerate(records) if r["phase"] == "enter"
                 and r["name"] in ("ARM_VBLANK_EVENT", "SEND_VBLANK_EVENT")]
        assert calls, f"commit {e['commit_id']}: its event was neither armed nor sent"
        for i, r in calls:
            if i > on[0]:
                assert r["aux"] & VBLANK_RUNNING == VBLANK_RUNNING, (r["name"], r["vblank_state"])
            else:
                assert not r["aux"] & VS["ON"], (r["name"], r["vblank_state"])
