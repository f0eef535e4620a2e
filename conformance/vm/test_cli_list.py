# SPDX-License-Identifier: GPL-2.0
"""The command line on a real kernel: `kmstrace list` names tvkms's
callbacks and attaches them with fentry; long runs show a progress line
on a terminal only; replay creates its output directories and, with -j,
prints JSON only."""
import json
import os
import pty
import select
import subprocess

import pytest

import tvkms_util as tv
from conftest import ROOT

KMSTRACE = ROOT / ".output" / "harness" / "kmstrace"
TRACES = ROOT / "traces"


@pytest.fixture(scope="module")
def tvkms():
    with tv.session() as load:
        name, path = load()
        yield int(name[len("card"):]), path


def run(*args, **kw):
    return subprocess.run([str(KMSTRACE), *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kw)


def test_list_shows_tvkms_callbacks_attached_with_fentry(tvkms):
    minor, _ = tvkms
    result = run("-j", "list", "--minor", minor)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"] == "kernel" and doc["kernel"] == os.uname().release
    [device] = [d for d in doc["devices"] if d["minor"] == minor]
    assert device["driver"] == "tvkms"
    callbacks = {c["callback"]: c for c in device["callbacks"]}
    for what in ("crtc.atomic_flush", "plane.atomic_update", "plane.atomic_check"):
        assert what in callbacks, f"{what} not found among {sorted(callbacks)}"
        assert callbacks[what]["function"].startswith("tvkms_"), callbacks[what]
        assert callbacks[what]["mode"] == "fentry", callbacks[what]
    modes = {p["name"]: p["mode"] for p in doc["programs"]}
    assert modes.get("drm_atomic_commit") == "fentry"
    # the default level leaves out what no rule reads; --level full attaches it
    assert doc["level"] == "rules"
    assert "tvkms:tvkms_commit_stage" not in modes and "drm_atomic_helper_wait_for_fences" not in modes
    assert modes.get("tvkms:tvkms_fault") == "tracepoint"
    full = json.loads(run("-j", "list", "--minor", minor, "--level", "full").stdout)
    full_modes = {p["name"]: p["mode"] for p in full["programs"]}
    assert full["level"] == "full"
    assert full_modes.get("tvkms:tvkms_commit_stage") == "tracepoint"
    assert full_modes.get("drm_atomic_helper_wait_for_fences") == "fentry"
    assert set(modes) < set(full_modes)
    judgeable = {r["rule"] for r in doc["rules"] if r["judgeable"]}
    assert "tail-order" in judgeable and "skip-check" in judgeable

    text = run("list", "--minor", minor)
    assert text.returncode == 0, text.stderr
    assert f"card{minor} tvkms" in text.stdout
    assert callbacks["crtc.atomic_flush"]["function"] in text.stdout


def test_list_kprobe_mode_attaches_the_callbacks_with_kprobes(tvkms):
    minor, _ = tvkms
    doc = json.loads(run("-j", "list", "--minor", minor, "--kprobe").stdout)
    [device] = [d for d in doc["devices"] if d["minor"] == minor]
    assert device["callbacks"] and all(c["mode"] == "kprobe" for c in device["callbacks"])


def stderr_on_a_terminal(*args):
    """Run kmstrace with stderr on a pseudo-terminal; returns (status, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(KMSTRACE), *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=300), seen.decode(errors="replace")


def test_record_duration_shows_progress_on_a_terminal_only(tvkms, tmp_path):
    minor, _ = tvkms
    status, terminal = stderr_on_a_terminal("record", "--minor", minor, "--duration", "2",
                                            "-o", tmp_path / "tty" / "t.kmst")
    assert status == 0, terminal
    assert "\r\x1b[K" in terminal and "recording" in terminal
    assert (tmp_path / "tty" / "t.kmst").exists()

    piped = run("record", "--minor", minor, "--duration", "2", "-o", tmp_path / "pipe.kmst")
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stderr and "recording" not in piped.stderr


def test_replay_of_many_shows_progress_on_a_terminal_and_creates_the_directory(tvkms, tmp_path):
    _, device = tvkms
    seqs = [TRACES / "test-only.seq", TRACES / "cursor-move.seq"]
    out = tmp_path / "new" / "dir"
    status, terminal = stderr_on_a_terminal("replay", *seqs, "--device", device, "-o", out,
                                            "--rules", "all,-timing")
    assert status in (0, 3), terminal
    assert "replay 1 of 2" in terminal and "replay 2 of 2" in terminal
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s.name}.kmst" for s in seqs)


def test_replay_json_is_json_only_and_a_trailing_slash_means_a_directory(tvkms, tmp_path):
    _, device = tvkms
    out = tmp_path / "one" / "sub"
    result = run("-j", "replay", TRACES / "test-only.seq", "--device", device, "-o", f"{out}/",
                 "--rules", "all,-timing")
    assert result.returncode in (0, 3), result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(docs) == 1 and docs[0]["verdict"] in ("pass", "incomplete"), docs
    assert (out / "test-only.seq.kmst").is_file()
    assert "\r" not in result.stderr
