# SPDX-License-Identifier: GPL-2.0
"""A recording of a real client becomes a sequence that replays: `kmstrace
record` captures an atomic client's ioctls, `kmstrace seq` turns the raw
ids into symbolic objects and property names, and `kmstrace replay` runs
that sequence back on the device, every commit with its recorded result."""
import subprocess

import pytest

import tvkms_util as tv
from conftest import OUTPUT, ROOT

FLIP_CLIENT = OUTPUT / "harness" / "bench" / "tracing_overhead"
FLIPS = 5


@pytest.fixture(scope="module")
def device():
    with tv.session() as load:
        yield load()[1]


def run_kmstrace(binary, *args):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_recorded_client_replays_from_its_symbolic_sequence(kmstrace, device, tmp_path):
    recording, sequence = tmp_path / "client.kmst", tmp_path / "client.seq"
    result = run_kmstrace(kmstrace, "-q", "record", "-o", recording, "--", FLIP_CLIENT,
                      "--flip-client", FLIPS, "--device", device)
    assert result.returncode == 0, result.stderr

    result = run_kmstrace(kmstrace, "seq", recording, "-o", sequence)
    assert result.returncode == 0, result.stderr
    text = sequence.read_text()
    # Symbolic, not raw ids: objects by type and index, the mode as a blob.
    assert "crtc:0 ACTIVE=1 MODE_ID=blob:mode:" in text, text
    assert "plane:primary@crtc:0" in text and "connector:0 CRTC_ID=crtc:0" in text, text
    assert text.count("commit NONBLOCK PAGE_FLIP_EVENT") == FLIPS, text

    result = run_kmstrace(kmstrace, "replay", sequence, "--device", device,
                      "-o", tmp_path / "replay.kmst")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{FLIPS + 1} commits on {device}" in result.stderr, result.stderr
    assert "0 with another result than expected" in result.stderr
    assert f"{FLIPS} flip events read, 0 missing, 0 extra" in result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith("PASS:"), result.stdout
