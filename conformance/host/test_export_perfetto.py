# SPDX-License-Identifier: GPL-2.0
"""`kmstrace export --perfetto` writes a timeline in the Chrome JSON trace
format that ui.perfetto.dev and chrome://tracing open: every event has the
format's required fields, slices nest per track, flows pair up, and the
checker's violations are marked."""
import collections
import json
import subprocess

import pytest

from checker_synth import K, Synth

REQUIRED = ("name", "ph", "ts", "pid", "tid")


def export(kmstrace, trace, out, *args):
    return subprocess.run([str(kmstrace), "export", "--perfetto", str(trace), "-o", str(out),
                           *args], capture_output=True, text=True, timeout=60)


def ns(us):
    """The format's microseconds (nanosecond decimals) as integer nanoseconds."""
    return round(us * 1000)


def slices_by_track(events):
    """(start, end, event, file position) per track."""
    tracks = collections.defaultdict(list)
    for pos, e in enumerate(events):
        if e["ph"] == "X":
            tracks[(e["pid"], e["tid"])].append((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), e, pos))
    return tracks


def partial_overlaps(slices):
    """Pairs of slices on one track that overlap without one containing the other."""
    bad, stack = [], []
    for start, end, e, *_ in sorted(slices, key=lambda s: (s[0], -s[1])):
        while stack and stack[-1][1] <= start:
            stack.pop()
        if stack and end > stack[-1][1]:
            bad.append((stack[-1][2]["name"], e["name"]))
        stack.append((start, end, e))
    return bad


def innermost(tracks, e):
    """The deepest slice on E's track that contains E's time (of two with the same
    span, the later in the file is the child, as the viewers nest them)."""
    t = ns(e["ts"])
    inside = [s for s in tracks.get((e["pid"], e["tid"]), []) if s[0] <= t <= s[1]]
    return max(inside, key=lambda s: (s[0], -s[1], s[3]))[2] if inside else None


def next_on_track(events, e):
    """The first slice or instant on E's track at or after E's time (a flow's 'next slice')."""
    t = ns(e["ts"])
    later = [x for x in events if (x["pid"], x["tid"]) == (e["pid"], e["tid"])
             and x["ph"] in "Xi" and ns(x["ts"]) >= t]
    return min(later, key=lambda x: ns(x["ts"])) if later else None


def validate(path):
    """The format's required fields; returns the events."""
    doc = json.loads(path.read_text())
    events = doc["traceEvents"]
    assert events, "an empty timeline"
    for e in events:
        missing = [k for k in REQUIRED if k not in e]
        assert not missing, f"{e} lacks {missing}"
        assert e["ph"] in "XiMsf", e
        if e["ph"] == "X":
            assert e["dur"] >= 0, e
        if e["ph"] == "i":
            assert e.get("s", "t") in "tpg", e
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    processes = {e["pid"]: e["args"]["name"] for e in events
                 if e["ph"] == "M" and e["name"] == "process_name"}
    for e in events:
        if e["ph"] != "M":
            assert (e["pid"], e["tid"]) in names, f"track of {e} has no thread_name"
            assert e["pid"] in processes, f"process of {e} has no process_name"
    return doc, events, names, processes


def flows_of(events):
    flows = collections.defaultdict(dict)
    for e in events:
        if e["ph"] in "sf":
            assert "id" in e, e
            key = (e.get("cat"), e["name"], e["id"])
            assert e["ph"] not in flows[key], f"two '{e['ph']}' for flow {key}"
            flows[key][e["ph"]] = e
    for key, pair in flows.items():
        assert set(pair) == {"s", "f"}, f"flow {key} is not one 's' and one 'f': {pair}"
    return flows


def session_with_overlap_and_two_crtcs():
    """A modeset, flips, a nonblocking commit whose tail runs in a worker while the
    next ioctl starts, and commits on two CRTCs at once."""
    s = Synth()
    s.commit(modeset=True)
    for _ in range(3):
        s.commit()
        s.idle_vblanks(0, 1)
    s.nonblocking_overlap()
    s.commit(crtcs=(1,), modeset=True)
    s.commit(crtcs=(0, 1))
    return s


@pytest.fixture
def clean(tmp_path, kmstrace):
    trace = session_with_overlap_and_two_crtcs().write(tmp_path / "clean.kmst")
    out = tmp_path / "new" / "dir" / "clean.json"
    result = export(kmstrace, trace, out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return validate(out)


def test_every_event_has_the_required_fields_and_named_tracks(clean):
    _, events, names, processes = clean
    assert sorted(processes.values()) == ["card0 crtc0", "card0 crtc1"]
    track_names = set(names.values())
    assert {"violations", "VBLANK", "flip events", "commits"} <= track_names


def test_output_folder_is_created(tmp_path, kmstrace):
    trace = Synth().write(tmp_path / "empty.kmst")
    out = tmp_path / "a" / "b" / "t.json"
    result = export(kmstrace, trace, out)
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_slices_nest_properly_on_every_track(clean):
    _, events, _, _ = clean
    tracks = slices_by_track(events)
    assert tracks
    for track, slices in tracks.items():
        assert partial_overlaps(slices) == [], f"track {track}"


def test_nesting_check_catches_a_partial_overlap():
    a = {"name": "a"}
    b = {"name": "b"}
    assert partial_overlaps([(0, 10, a), (5, 15, b)]) == [("a", "b")]
    assert partial_overlaps([(0, 10, a), (5, 10, b)]) == []
    assert partial_overlaps([(0, 10, a), (10, 15, b)]) == []


def test_commit_stages_nest_inside_their_commit(clean):
    _, events, names, _ = clean
    tracks = slices_by_track(events)
    commit_tracks = [t for t, n in names.items() if n.startswith("commits")]
    stages = 0
    for track in commit_tracks:
        for start, end, e, _ in tracks.get(track, []):
            if e.get("cat") == "commit":
                continue
            parents = [p for s, t, p, _ in tracks[track]
                       if p.get("cat") == "commit" and s <= start and end <= t]
            assert parents, f"{e['name']} of commit {e['args']['commit']} outside any commit slice"
            assert parents[0]["args"]["commit"] == e["args"]["commit"], e
            stages += 1
    assert stages > 50


def test_overlapping_commits_get_separate_lanes(clean):
    _, _, names, _ = clean
    assert "commits (2)" in names.values(), "the worker's tail overlaps the next ioctl"


def test_multi_crtc_commit_is_drawn_on_each_crtc(clean):
    _, events, _, processes = clean
    pid_of = {name: pid for pid, name in processes.items()}
    on = collections.defaultdict(set)
    for e in events:
        if e.get("cat") == "commit":
            on[e["args"]["commit"]].add(e["pid"])
    assert any(pids == {pid_of["card0 crtc0"], pid_of["card0 crtc1"]} for pids in on.values())


def test_flows_link_each_ioctl_to_its_tail_and_event_delivery(clean):
    _, events, _, _ = clean
    tracks = slices_by_track(events)
    flows = flows_of(events)
    kinds = collections.Counter(name for _, name, _ in flows)
    # every commit whose ioctl the tracer named (the synthetic overlap's are not)
    ioctls = {e["args"]["commit"] for e in events
              if e["name"] == "ATOMIC_IOCTL" and e["args"]["commit"] and e.get("cat") != "commit"}
    assert len(ioctls) >= 6
    assert kinds["ioctl to tail"] == len(ioctls), kinds
    assert kinds["ioctl to event"] >= len(ioctls), kinds
    for (_, name, flow_id), pair in flows.items():
        source = innermost(tracks, pair["s"])
        assert source and source["name"] == "ATOMIC_IOCTL", (name, flow_id, source)
        commit = source["args"]["commit"]
        if pair["f"].get("bp") == "e":
            target = innermost(tracks, pair["f"])
        else:
            target = next_on_track(events, pair["f"])
        assert target, (name, flow_id)
        assert target["args"]["commit"] == commit, (name, target)
        if name == "ioctl to tail":
            assert target["name"] in ("COMMIT_TAIL", "WAIT_FOR_DEPENDENCIES",
                                      "MODESET_DISABLES", "COMMIT_PLANES"), target
        else:
            assert target["name"].split()[0] in ("send", "deliver"), target


def test_vblanks_and_flip_events_are_marked(clean):
    _, events, names, _ = clean
    by_track = collections.Counter((names[(e["pid"], e["tid"])], e["name"].split()[0])
                                   for e in events if e["ph"] in "iX" and
                                   (e["pid"], e["tid"]) in names)
    assert by_track[("VBLANK", "vblank")] >= 5
    assert by_track[("flip events", "arm")] >= 3
    assert by_track[("flip events", "deliver")] >= 5


def test_a_violation_is_an_instant_with_its_rule_and_text(tmp_path, kmstrace):
    s = Synth()
    s.commit(modeset=True)
    s.commit()
    bad = s.commit(fault="tail-order")
    s.commit()
    out = tmp_path / "v.json"
    result = export(kmstrace, s.write(tmp_path / "v.kmst"), out)
    assert result.returncode == 0, "a violation is drawn, not an export failure: " + result.stderr
    doc, events, names, processes = validate(out)
    marks = [e for e in events if e.get("cat") == "violation"]
    assert [(m["name"], m["args"]["commit"]) for m in marks] == [("tail-order", bad)]
    mark = marks[0]
    assert mark["ph"] == "i"
    assert names[(mark["pid"], mark["tid"])] == "violations"
    assert processes[mark["pid"]] == "card0 crtc0"
    assert mark["args"]["rule"] == "tail-order" and mark["args"]["text"]
    commit_slices = [e for e in events if e.get("cat") == "commit" and e["args"]["commit"] == bad]
    assert any(ns(c["ts"]) <= ns(mark["ts"]) <= ns(c["ts"]) + ns(c["dur"]) for c in commit_slices), \
        "the mark sits on the offending commit"
    assert doc["otherData"]["verdict"] == "fail"


def test_a_clean_trace_has_no_violation_marks(clean):
    doc, events, _, _ = clean
    assert [e for e in events if e.get("cat") == "violation"] == []
    assert doc["otherData"]["verdict"] == "pass"


def test_truncated_trace_is_one_line_naming_file_and_offset_exit_2(tmp_path, kmstrace):
    trace = tmp_path / "cut.kmst"
    session_with_overlap_and_two_crtcs().write(trace)
    data = trace.read_bytes()
    trace.write_bytes(data[:len(data) // 2 + 3])
    out = tmp_path / "cut.json"
    result = export(kmstrace, trace, out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(trace) in lines[0] and "byte" in lines[0], lines[0]
    assert not out.exists()


def test_not_a_trace_is_one_line_exit_2(tmp_path, kmstrace):
    trace = tmp_path / "junk.kmst"
    trace.write_bytes(b"not a trace at all, just text\n")
    result = export(kmstrace, trace, tmp_path / "junk.json")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(trace) in result.stderr


def test_missing_output_option_is_a_usage_error(tmp_path, kmstrace):
    trace = Synth().write(tmp_path / "t.kmst")
    result = subprocess.run([str(kmstrace), "export", "--perfetto", str(trace)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage" in result.stderr


@pytest.mark.parametrize("first_id", [0x80000000, 0xFFFFFFF0])
def test_commit_ids_near_the_top_of_32_bits_export(tmp_path, kmstrace, first_id):
    """Commit ids are any 32-bit value (a long-running kernel, or a damaged
    trace): the timeline numbers them itself; an id of 2^31 used to overflow
    its table size and write past the table."""
    s = Synth()
    s.next_commit = first_id
    s.commit(modeset=True)
    s.commit()
    s.idle_vblanks(0, 2)
    result = export(kmstrace, s.write(tmp_path / "high.kmst"), tmp_path / "high.json")
    assert result.returncode == 0, result.stderr
    events = json.loads((tmp_path / "high.json").read_text())["traceEvents"]
    named = {e["name"] for e in events if e["ph"] == "X"}
    assert "ATOMIC_IOCTL" in named or any("commit" in n for n in named), sorted(named)[:20]
