# SPDX-License-Identifier: GPL-2.0
"""The kmstrace command line follows bpftool's and perf's conventions:
every command answers --help, -h and `help COMMAND` on stdout with status
0; a bad option is one line on stderr and status 2; an option several
commands take is parsed by one helper with one bound; -j gives JSON and
nothing else on stdout; output directories are created as needed."""
import json
import re
import shutil
import subprocess

import pytest

from checker_synth import K, Synth, standard_session
from test_seq_from_recording import recording


def run(kmstrace, *args):
    return subprocess.run([str(kmstrace), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def commands(kmstrace):
    """The command names `kmstrace help` lists (the dispatch table's entries)."""
    out = run(kmstrace, "help").stdout
    section = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def stdout_json(result):
    """Every non-empty stdout line parsed as JSON: fails on any text line."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, "nothing on stdout"
    return [json.loads(line) for line in lines]


@pytest.fixture
def trace(tmp_path):
    synth = Synth()
    standard_session(synth)
    return synth.write(tmp_path / "session.kmst")


def test_help_lists_every_command(kmstrace):
    names = commands(kmstrace)
    for expected in ("dump", "record", "hist", "check", "replay", "seq", "list", "version"):
        assert expected in names
    for form in (["help"], ["--help"], ["-h"]):
        result = run(kmstrace, *form)
        assert result.returncode == 0, (form, result.stderr)
        assert result.stderr == ""
        assert commands(kmstrace) == names and all(n in result.stdout for n in names), form


@pytest.mark.parametrize("form", ["help CMD", "CMD --help", "CMD -h", "-j CMD --help"])
def test_every_command_answers_help_on_stdout_with_status_0(kmstrace, form):
    for name in commands(kmstrace):
        result = run(kmstrace, *form.replace("CMD", name).split())
        assert result.returncode == 0, (name, form, result.stderr)
        assert result.stderr == "", (name, form)
        assert result.stdout.startswith(f"usage: kmstrace [-j] {name}"), (name, form, result.stdout)


def test_help_after_double_dash_belongs_to_the_traced_command(kmstrace):
    # `record -- CMD -h`: -h is CMD's; record itself still wants -o.
    result = run(kmstrace, "record", "--", "true", "-h")
    assert result.returncode == 2
    assert "-o TRACE is required" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--no-such-option"], ["-Z"]])
def test_unknown_option_is_one_line_on_stderr_with_status_2(kmstrace, args):
    for name in commands(kmstrace):
        result = run(kmstrace, name, *args)
        assert result.returncode == 2, (name, result.stderr)
        assert result.stdout == "", name
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and args[0] in lines[0], (name, result.stderr)
        assert f"kmstrace {name} --help" in lines[0]
    result = run(kmstrace, "--no-such-option")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


def test_missing_value_names_the_option(kmstrace):
    result = run(kmstrace, "check", "--rules")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kmstrace: check: missing value for option '--rules' (see 'kmstrace check --help' for its "
        "usage)"]


@pytest.mark.parametrize("option, value, cmds", [
    ("--minor", "256", ["record -o x.kmst", "hist --live 1", "list"]),
    ("--minor", "-1", ["record -o x.kmst", "hist --live 1", "list"]),
    ("--stall-timeout", "0.1", ["record -o x.kmst", "replay x.seq"]),
    ("--duration", "0", ["record -o x.kmst"]),
    ("--vblank-tolerance", "1001", ["check x.kmst", "replay x.seq"]),
    ("--vblank-slack-us", "ten", ["check x.kmst", "replay x.seq"]),
    ("--rules", "all,-nosuchrule", ["check x.kmst", "replay x.seq"]),
    ("--format", "xml", ["check x.kmst", "replay x.seq"]),
])
def test_shared_option_has_one_bound_and_one_message(kmstrace, tmp_path, option, value, cmds):
    messages = set()
    for cmd in cmds:
        args = cmd.split()
        result = subprocess.run([str(kmstrace), *args, option, value], capture_output=True,
                                text=True, timeout=60, cwd=tmp_path)
        assert result.returncode == 2, (cmd, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (cmd, result.stderr)
        messages.add(lines[0])
    assert len(messages) == 1, messages
    assert value.split(",")[-1] in messages.pop()


def test_live_takes_the_same_seconds_bound_as_duration(kmstrace):
    live = run(kmstrace, "hist", "--live", "86401").stderr
    duration = run(kmstrace, "record", "-o", "x.kmst", "--duration", "86401").stderr
    assert "at most 86400" in live and "at most 86400" in duration


def test_version_names_tool_trace_format_and_libbpf(kmstrace):
    text = run(kmstrace, "--version")
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout == run(kmstrace, "version").stdout
    lines = text.stdout.splitlines()
    assert re.fullmatch(r"kmstrace \d+\.\d+\.\d+", lines[0])
    assert lines[1] == f"trace format {K.EVENT_VERSION}"
    assert re.fullmatch(r"libbpf \d+\.\d+", lines[2])
    [doc] = stdout_json(run(kmstrace, "-j", "version"))
    assert doc["trace_format"] == K.EVENT_VERSION
    assert f"libbpf {doc['libbpf']}" == lines[2]
    assert f"kmstrace {doc['kmstrace']}" == lines[0]
    if shutil.which("pkg-config"):
        built = subprocess.run(["pkg-config", "--modversion", "libbpf"], capture_output=True,
                               text=True).stdout.strip()
        if built:
            assert doc["libbpf"] == ".".join(built.split(".")[:2])


@pytest.mark.parametrize("where", ["before", "after"])
def test_json_is_all_that_reaches_stdout(kmstrace, trace, tmp_path, where, root):
    seq_trace = recording(tmp_path / "rec.kmst")
    corpus_seq = root / "traces" / "modeset-flips.seq"
    jobs = {
        "dump": [trace],
        "check": [trace],
        "hist": [trace],
        "seq": [seq_trace],
        "list": [trace],
        "version": [],
    }
    for name, args in jobs.items():
        argv = ["-j", name, *args] if where == "before" else [name, *args, "-j"]
        result = run(kmstrace, *argv)
        assert result.returncode in (0, 3), (name, result.stderr)
        docs = stdout_json(result)
        assert all(isinstance(d, dict) for d in docs), name
    [parsed] = stdout_json(run(kmstrace, "seq", "--parse", corpus_seq, "-j"))
    assert parsed["seq"] == str(corpus_seq) and parsed["commits"] > 0
    assert parsed["text"] == run(kmstrace, "seq", "--parse", corpus_seq).stdout


def test_check_json_flag_equals_format_json(kmstrace, trace):
    by_flag = json.loads(run(kmstrace, "check", trace, "-j").stdout)
    by_format = json.loads(run(kmstrace, "check", trace, "-f", "json").stdout)
    assert by_flag == by_format
    # -f wins over -j: a JUnit document, not JSON.
    assert run(kmstrace, "-j", "check", trace, "-f", "junit").stdout.lstrip().startswith("<?xml")


def test_rules_exclusion_keeps_the_rest(kmstrace, trace):
    every = json.loads(run(kmstrace, "check", trace, "-j").stdout)["rules"]
    report = json.loads(run(kmstrace, "check", trace, "-j", "--rules", "all,-timing").stdout)
    timing = {r for r, res in every.items() if res["group"] == "timing"}
    assert timing and set(report["rules"]) == set(every) - timing


def test_seq_output_directories_are_created(kmstrace, tmp_path):
    rec = recording(tmp_path / "rec.kmst")
    out = tmp_path / "new" / "sub" / "rec.seq"
    result = run(kmstrace, "seq", rec, "-o", out)
    assert result.returncode == 0, result.stderr
    assert run(kmstrace, "seq", "--parse", out).returncode == 0
    [doc] = stdout_json(run(kmstrace, "-j", "seq", rec, "-o", tmp_path / "again" / "r.seq"))
    assert doc["seq"] == str(tmp_path / "again" / "r.seq") and "text" not in doc
    assert (tmp_path / "again" / "r.seq").read_text() == out.read_text()


def test_output_path_that_cannot_be_made_is_one_line_naming_it(kmstrace, tmp_path):
    rec = recording(tmp_path / "rec.kmst")
    (tmp_path / "plain").write_text("a file, not a directory\n")
    out = tmp_path / "plain" / "sub" / "rec.seq"
    result = run(kmstrace, "seq", rec, "-o", out)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kmstrace: {tmp_path / 'plain'}: cannot create folder"), lines[0]
    assert result.stdout == ""


LIST_META = """kernel=6.12.0-test
prog=drm_atomic_helper_commit_hw_done fentry
prog=drm_atomic_helper_commit_planes fentry
prog=tvkms_crtc_atomic_flush fentry
prog=tvkms_plane_atomic_update kprobe
prog=drm:drm_vblank_event tracepoint
missing=drm_handle_vblank not-in-kallsyms
callback=card0 crtc.atomic_flush tvkms_crtc_atomic_flush
callback=card0 plane.atomic_update tvkms_plane_atomic_update
callback=card1 plane.atomic_update bochs_plane_update
trait=card1 no-vblank
driver=tvkms
device=/dev/dri/card0
minor=0
driver=bochs-drm
device=/dev/dri/card1
minor=1
tool=record
"""


def test_list_from_a_trace_shows_modes_callbacks_per_device_and_rules(kmstrace, tmp_path):
    path = tmp_path / "listed.kmst"
    K.write_trace(path, [], meta=LIST_META)
    doc = json.loads(run(kmstrace, "list", path, "-j").stdout)
    assert doc["source"] == str(path) and doc["kernel"] == "6.12.0-test"
    modes = {p["name"]: p["mode"] for p in doc["programs"]}
    assert modes["drm_atomic_helper_commit_hw_done"] == "fentry"
    assert modes["drm:drm_vblank_event"] == "tracepoint"
    assert doc["missing"] == [{"name": "drm_handle_vblank", "reason": "not-in-kallsyms"}]
    devices = {d["minor"]: d for d in doc["devices"]}
    assert devices[0]["driver"] == "tvkms" and devices[1]["driver"] == "bochs-drm"
    assert devices[0]["callbacks"] == [
        {"callback": "crtc.atomic_flush", "function": "tvkms_crtc_atomic_flush", "mode": "fentry"},
        {"callback": "plane.atomic_update", "function": "tvkms_plane_atomic_update",
         "mode": "kprobe"}]
    assert devices[1]["callbacks"] == [
        {"callback": "plane.atomic_update", "function": "bochs_plane_update",
         "mode": "not traced"}]
    assert devices[1]["traits"] == ["no-vblank"] and devices[0]["traits"] == []
    # Every rule of the table, once; those that need drm_handle_vblank say so.
    assert sorted(r["rule"] for r in doc["rules"]) == sorted(K.RULES)
    blocked = [r for r in doc["rules"] if not r["judgeable"]]
    assert blocked, "a rule needs drm_handle_vblank"
    assert all(r["missing"] == "drm_handle_vblank" and r["reason"] == "not-in-kallsyms"
               for r in blocked)
    assert {r["rule"] for r in blocked} == {r["rule"] for r in doc["rules"]
                                            if r["group"] == "timing"}

    text = run(kmstrace, "list", path)
    assert text.returncode == 0, text.stderr
    assert re.search(r"card0 tvkms\n\s+crtc\.atomic_flush\s+tvkms_crtc_atomic_flush\s+fentry",
                     text.stdout)
    for rule in blocked:
        assert re.search(rf"{rule['rule']}\s+cannot be judged: drm_handle_vblank not traced",
                         text.stdout)


@pytest.mark.parametrize("option", [["--level", "rules"], ["--level", "full"], ["--minor", "0"],
                                    ["--kprobe"]])
def test_list_of_a_trace_refuses_the_running_kernels_options(kmstrace, tmp_path, option):
    """A TRACE's level, attach modes and devices are what it was recorded
    with: an option that chooses them for the running kernel is refused,
    the default level's name included, not silently ignored."""
    path = tmp_path / "listed.kmst"
    K.write_trace(path, [], meta=LIST_META)
    result = run(kmstrace, "list", path, *option)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "not a TRACE" in result.stderr and not result.stdout


def test_list_agrees_with_the_checker_on_what_cannot_be_judged(kmstrace, tmp_path):
    synth = Synth()
    standard_session(synth)
    path = synth.write(tmp_path / "no-handle-vblank.kmst",
                       meta="kernel=6.1.0-test\ndriver=tvkms\ntool=test\nminor=0\n"
                            "missing=drm_handle_vblank not-in-kallsyms\n")
    listed = json.loads(run(kmstrace, "-j", "list", path).stdout)
    report = json.loads(run(kmstrace, "-j", "check", path).stdout)
    assert any(not rule["judgeable"] for rule in listed["rules"])
    for rule in listed["rules"]:
        status = report["rules"][rule["rule"]]
        if not rule["judgeable"]:
            assert status["status"] in ("not judged", "n/a"), rule
            if status["status"] == "not judged":
                assert "drm_handle_vblank" in status["reason"]
        else:
            assert "drm_handle_vblank" not in status.get("reason", ""), rule
