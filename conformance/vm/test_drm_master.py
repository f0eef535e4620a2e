# SPDX-License-Identifier: GPL-2.0
"""Issue 11's privilege rule on a real kernel: replay needs DRM master. With
another client holding it (a compositor, here our own first opener),
replay says so in one line naming the device, exits 2 and commits nothing;
once the client lets go, the same replay runs. Tracing without CAP_BPF and
CAP_PERFMON is refused the same way before any program is loaded."""
import shutil
import subprocess

import pytest

import tvkms_util as tv
from conftest import ROOT

KMSTRACE = ROOT / ".output" / "harness" / "kmstrace"
SEQ = ROOT / "traces" / "test-only.seq"


@pytest.fixture(scope="module")
def tvkms():
    with tv.session() as load:
        _, path = load()
        yield path


def replay(device, *extra):
    return subprocess.run([str(KMSTRACE), "replay", str(SEQ), "--device", device, *extra],
                          capture_output=True, text=True, timeout=300)


def test_replay_without_drm_master_is_one_line_naming_the_device_exit_2(tvkms):
    with tv.Card(tvkms):  # the first opener: DRM master until it closes
        result = replay(tvkms, "--no-trace")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert tvkms in lines[0] and "not DRM master" in lines[0], lines[0]
    assert result.stdout == "", "nothing may have been replayed"
    # The refusal was the master's alone: with it free, the same replay runs.
    again = replay(tvkms, "--no-trace")
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="util-linux's setpriv is missing")
def test_replay_without_tracing_caps_loads_nothing_and_exits_2(tvkms, tmp_path):
    out = tmp_path / "t.kmst"
    result = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-bpf,-perfmon,-sys_admin",
                             str(KMSTRACE), "replay", str(SEQ), "--device", tvkms, "-o", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "lacks CAP_BPF and CAP_PERFMON" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists()
