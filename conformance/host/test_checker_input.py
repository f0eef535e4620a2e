# SPDX-License-Identifier: GPL-2.0
"""`kmstrace check` never passes a trace it cannot trust, and CI formats
carry the verdict per rule."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from checker_synth import K, Synth


def check(kmstrace, trace, *args):
    return subprocess.run([str(kmstrace), "check", str(trace), *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def clean_session():
    s = Synth()
    s.commit(modeset=True)
    for _ in range(3):
        s.commit()
    return s


def test_trace_without_end_record_is_incomplete(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "cut.kmst", end=False)
    result = check(kmstrace, trace)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "incomplete trace: no END record" in result.stderr


def test_trace_with_drops_is_incomplete(kmstrace, tmp_path, clean_session):
    drops = [0] * K.EV_MAX
    drops[K.EV["COMMIT_PLANES"]] = 3
    trace = clean_session.write(tmp_path / "drops.kmst", drops=drops)
    result = check(kmstrace, trace)
    # README's exit table: a trace that lost records is exit 2, its verdict INCOMPLETE.
    assert result.returncode == 2, "lost records: incomplete, never a pass"
    assert "PASS" not in result.stdout
    assert "3 events were dropped (COMMIT_PLANES 3)" in result.stderr
    assert "INCOMPLETE" in result.stderr


def test_trace_with_skipped_tracer_runs_is_incomplete(kmstrace, tmp_path, clean_session):
    """Runs the kernel skipped (bpf_prog_info.recursion_misses, e.g. under
    PREEMPT_RT) lost records without a ring-buffer drop: never a pass."""
    trace = clean_session.write(tmp_path / "missed.kmst", missed_runs=5)
    result = check(kmstrace, trace)
    assert result.returncode == 2, "lost records: incomplete, never a pass"
    assert "PASS" not in result.stdout
    assert "skipped 5 runs of the tracer's programs" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    dump = subprocess.run([str(kmstrace), "dump", str(trace)], capture_output=True, text=True,
                          timeout=60)
    assert "5 tracer runs skipped by the kernel" in dump.stdout


@pytest.mark.parametrize("lost", ["dropped", "missed_runs"])
def test_a_lossy_trace_still_gets_a_report_with_every_rule_not_judged(kmstrace, tmp_path,
                                                                      clean_session, lost):
    """A JSON consumer replaying many sequences sees one report per trace,
    the lossy one too: verdict incomplete, the loss counted, no rule judged
    (a lost record can hide a violation as well as fake one)."""
    drops = [0] * K.EV_MAX
    drops[K.EV["HW_DONE_COMPLETE"]] = 2
    trace = clean_session.write(tmp_path / "lossy.kmst", **(
        {"drops": drops} if lost == "dropped" else {"missed_runs": 4}))
    result = check(kmstrace, trace, "-f", "json")
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "incomplete"
    assert (report["dropped"], report["missed_runs"]) == ((2, 0) if lost == "dropped" else (0, 4))
    assert report["rules"] and all(r["status"] == "not judged" and "records were lost" in r["reason"]
                                   for r in report["rules"].values()), report["rules"]
    assert report["violations"] == []
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    text = check(kmstrace, trace)
    assert text.returncode == 2
    assert "INCOMPLETE: records were lost" in text.stdout and "PASS" not in text.stdout
    junit = ET.fromstring(check(kmstrace, trace, "-f", "junit").stdout)
    suite = junit.find("testsuite")
    assert int(suite.get("errors")) == int(suite.get("tests")) > 0
    assert int(suite.get("failures")) == 0


def test_version_2_trace_without_skipped_runs_field_is_still_judged(kmstrace, tmp_path,
                                                                    clean_session):
    """A trace written before the END record counted skipped runs (format
    version 2) reads with none."""
    trace = clean_session.write(tmp_path / "v2.kmst", version=2)
    data = bytearray(trace.read_bytes())
    end_size = K.EVENT.size + K.END_TAIL.size
    end = data[-end_size:]
    # The version 2 END: the same head with its size 8 bytes less, no missed_runs.
    end[10:12] = (end_size - 8).to_bytes(2, "little")  # struct kmst_event.size
    trace.write_bytes(bytes(data[:-end_size] + end[:-8]))
    result = check(kmstrace, trace)
    assert result.returncode == 0, result.stderr
    assert "PASS" in result.stdout


def test_rules_needing_a_missing_program_are_not_judged_and_the_verdict_incomplete(
        kmstrace, tmp_path, clean_session):
    meta = ("kernel=6.1\ndriver=tvkms\ntool=test\n"
            "missing=drm_atomic_helper_commit_hw_done not found in BTF or kallsyms\n")
    trace = clean_session.write(tmp_path / "missing.kmst", meta=meta)
    result = check(kmstrace, trace, "-f", "json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["verdict"] == "incomplete"
    needs_hw_done = {"tail-order", "fb-cleanup", "event-early", "vblank-off-missing"}
    for rule, res in report["rules"].items():
        if rule in needs_hw_done:
            assert res["status"] == "not judged", rule
            assert "drm_atomic_helper_commit_hw_done was not traced" in res["reason"]
        else:
            assert res["status"] != "not judged", (rule, res)
    text = check(kmstrace, trace).stdout
    assert text.rstrip().splitlines()[-1].startswith("INCOMPLETE: no violation;")


def test_a_violation_still_fails_when_another_rule_is_not_judged(kmstrace, tmp_path):
    s = Synth()
    s.commit(modeset=True)
    bad = s.commit(fault="state-leak")
    meta = ("kernel=6.1\ndriver=tvkms\ntool=test\n"
            "missing=drm_atomic_helper_commit_hw_done not found in BTF or kallsyms\n")
    result = check(kmstrace, s.write(tmp_path / "m.kmst", meta=meta), "-f", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["verdict"] == "fail"
    assert [(v["rule"], v["commit"]) for v in report["violations"]] == [("state-leak", bad)]


def test_missing_optional_program_only_makes_its_rules_not_applicable(kmstrace, tmp_path):
    s = Synth(vblank=False)
    s.commit(modeset=True)
    s.commit()
    meta = ("kernel=6.1\ndriver=x\ntool=test\nminor=0\ntrait=card0 no-vblank\n"
            "missing=drm_handle_vblank no vblank\n")
    result = check(kmstrace, s.write(tmp_path / "opt.kmst", meta=meta), "-f", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "pass"
    for rule in ("vblank-jitter", "vblank-drop"):
        assert report["rules"][rule]["status"] == "n/a"
        assert report["rules"][rule]["reason"] == "the driver has no VBLANK support"
    judged = {r for r, res in report["rules"].items() if res["status"] == "pass"}
    assert {"tail-order", "event-missing", "event-twice", "skip-check"} <= judged


def test_truncated_record_is_bad_input(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "t.kmst")
    size = os.path.getsize(trace)
    with open(trace, "r+b") as f:
        f.truncate(size - K.EVENT.size - K.END_TAIL.size - 20)  # cut inside the last event, END gone
    result = check(kmstrace, trace)
    assert result.returncode == 2
    assert "truncated record at byte" in result.stderr


def test_data_after_the_end_record_is_bad_input(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "tail.kmst")
    with open(trace, "ab") as f:
        f.write(b"\0" * 8)
    result = check(kmstrace, trace)
    assert result.returncode == 2
    assert "data after the END record" in result.stderr


def big_trace(path, mebibytes=3):
    """A clean trace of MEBIBYTES MiB and its commit count."""
    s = Synth()
    s.commit(modeset=True)
    commits = 1
    while sum(len(r) for r in s.records) < mebibytes * (1 << 20):
        s.commit()
        s.idle_vblanks(0, 1)
        commits += 1
    return s.write(path), commits


def test_a_trace_larger_than_the_read_chunk_is_read_whole(kmstrace, tmp_path):
    """The reader maps a file 1 MiB at a time: records that straddle a
    window's end are read whole, and every commit is counted."""
    trace, commits = big_trace(tmp_path / "big.kmst")
    result = check(kmstrace, trace, "-f", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["commits"] == commits


def test_a_trace_read_from_a_pipe_gets_the_mapped_files_report(kmstrace, tmp_path):
    """A pipe cannot be mapped: it is read() a chunk at a time instead, and
    the report is the same, whole records across each refill."""
    trace, _ = big_trace(tmp_path / "big.kmst")
    cut = tmp_path / "cut.kmst"
    cut.write_bytes(trace.read_bytes()[:(1 << 20) + 20])  # a record cut just past the first MiB
    reports = []
    for path in (trace, cut):
        mapped = check(kmstrace, path, "-f", "json")
        with open(path, "rb") as f:
            piped = subprocess.run([str(kmstrace), "check", "/dev/stdin", "-f", "json"], stdin=f,
                                   capture_output=True, text=True, timeout=60)
        assert piped.returncode == mapped.returncode, piped.stderr
        assert piped.stderr.replace("/dev/stdin", str(path)) == mapped.stderr
        reports.append((mapped, piped))
    mapped, piped = reports[0]
    assert mapped.returncode == 0, mapped.stderr
    mapped_report, piped_report = json.loads(mapped.stdout), json.loads(piped.stdout)
    assert piped_report.pop("trace") == "/dev/stdin"
    mapped_report.pop("trace")
    assert piped_report == mapped_report
    mapped, _ = reports[1]
    assert mapped.returncode == 2 and "truncated record at byte" in mapped.stderr


def test_corrupt_record_is_bad_input(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "c.kmst")
    with open(trace, "r+b") as f:
        header = K.FILE_HEADER.unpack(f.read(K.FILE_HEADER.size))
        f.seek(K.FILE_HEADER.size + header[2] + 64 * 5 + 10)  # size field of record 6
        f.write(b"\x07\x00")
    result = check(kmstrace, trace)
    assert result.returncode == 2
    assert "corrupt record at byte" in result.stderr and "record 6" in result.stderr


def test_newer_format_version_is_refused(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "v.kmst", version=K.EVENT_VERSION + 1)
    result = check(kmstrace, trace)
    assert result.returncode == 2
    assert f"version {K.EVENT_VERSION + 1} is newer than this kmstrace" in result.stderr


def test_not_a_trace_is_refused(kmstrace, tmp_path):
    path = tmp_path / "x.kmst"
    path.write_bytes(b"hello world, not a trace at all")
    result = check(kmstrace, path)
    assert result.returncode == 2
    assert "bad magic" in result.stderr


def test_unknown_format_and_bad_tolerance_are_usage_errors(kmstrace, tmp_path, clean_session):
    trace = clean_session.write(tmp_path / "u.kmst")
    result = check(kmstrace, trace, "-f", "yaml")
    assert result.returncode == 2 and "unknown format 'yaml'" in result.stderr
    result = check(kmstrace, trace, "--vblank-tolerance", "lots")
    assert result.returncode == 2 and "--vblank-tolerance" in result.stderr


def faulty_trace(tmp_path):
    s = Synth(vblank=False)
    s.commit(modeset=True)
    s.commit(fault="tail-order")
    meta = "kernel=6.1\ndriver=bochs-drm\ntool=test\ntrait=card0 no-vblank\n"
    return s.write(tmp_path / "f.kmst", meta=meta)


def test_junit_has_a_failure_for_the_broken_rule_and_skips_for_na(kmstrace, tmp_path):
    result = check(kmstrace, faulty_trace(tmp_path), "-f", "junit")
    assert result.returncode == 1
    suite = ET.fromstring(result.stdout).find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert len(cases) == len(K.RULES) and int(suite.get("tests")) == len(K.RULES)
    assert cases["tail-order"].find("failure") is not None
    assert "commit 2" in cases["tail-order"].find("failure").text
    assert cases["vblank-drop"].find("skipped") is not None
    assert "no VBLANK support" in cases["vblank-drop"].find("skipped").get("message")
    assert cases["fb-cleanup"].find("failure") is None
    assert int(suite.get("failures")) == 1
    assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases.values())


def test_tap_plan_and_results(kmstrace, tmp_path):
    result = check(kmstrace, faulty_trace(tmp_path), "-f", "tap")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "TAP version 13" and lines[1] == f"1..{len(K.RULES)}"
    results = [line for line in lines if line.startswith(("ok ", "not ok "))]
    assert len(results) == len(K.RULES)
    assert [r for r in results if r.startswith("not ok")] == ["not ok 2 - tail-order"]
    assert any(r.startswith("ok") and "vblank-jitter # SKIP not applicable" in r for r in results)


def test_not_judged_is_an_error_in_junit_and_not_ok_in_tap(kmstrace, tmp_path, clean_session):
    meta = ("kernel=6.1\ndriver=tvkms\ntool=test\n"
            "missing=__drm_atomic_state_free not attached\n")
    trace = clean_session.write(tmp_path / "nj.kmst", meta=meta)
    result = check(kmstrace, trace, "-f", "junit")
    assert result.returncode == 3
    suite = ET.fromstring(result.stdout).find("testsuite")
    case = [c for c in suite.findall("testcase") if c.get("name") == "state-leak"][0]
    assert case.find("error") is not None and case.find("skipped") is None
    assert "not judged" in case.find("error").get("message")
    assert int(suite.get("errors")) == 1
    tap = check(kmstrace, trace, "-f", "tap").stdout.splitlines()
    assert any(line.startswith("not ok") and line.endswith("- state-leak") for line in tap)
