# SPDX-License-Identifier: GPL-2.0
"""kmstrace fuzz on tvkms, make check's short round (`make reliability`
runs 100,000 cases per kernel): a few thousand mutated commits of every
kind must all get the answer the uAPI errno table allows, leave the state
unchanged when rejected, and put no splat in the kernel log; a case is
reproduced by its seed and number."""
import json
import os
import subprocess

import pytest

import tvkms_util as tv
from conftest import OUTPUT

CASES = int(os.environ.get("KMST_AFUZZ_CASES", "3000"))
SEED = 20261204


@pytest.fixture(scope="module")
def device():
    with tv.session() as load:
        yield load(crtcs=2, overlays=1, cursor=True)[1]


def fuzz(device, *args, out_dir):
    result = subprocess.run([str(OUTPUT / "harness" / "kmstrace"), "-q", "fuzz", "--device", device,
                             "-o", str(out_dir), "-j", *args],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def test_fuzzed_commits_get_the_uapi_errno_leave_rejected_state_and_no_splat(device, tmp_path):
    result, summary = fuzz(device, "--seed", str(SEED), "--count", str(CASES), out_dir=tmp_path)
    assert summary["cases"] == CASES
    assert summary["splats_counted"], "/dev/kmsg was not readable: splats were not counted"
    assert summary["errno_mismatches"] == 0, result.stderr
    assert summary["state_changes"] == 0, result.stderr
    assert summary["splats"] == 0, result.stderr
    assert result.returncode == 0
    # Every mutation ran, and most of them were refused as the table says.
    missing = [name for name, count in summary["by_mutation"].items() if not count]
    assert not missing, f"mutations never generated: {missing}"
    assert summary["rejected"] > CASES // 3


def test_one_case_is_reproduced_by_seed_and_number(device, tmp_path):
    _, first = fuzz(device, "--seed", str(SEED), "--case", "17", out_dir=tmp_path)
    _, again = fuzz(device, "--seed", str(SEED), "--case", "17", out_dir=tmp_path)
    assert first["cases"] == again["cases"] == 1
    assert first["by_mutation"] == again["by_mutation"]
    assert first["rejected"] == again["rejected"]
