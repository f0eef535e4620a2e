# SPDX-License-Identifier: GPL-2.0
"""ci/igt, the IGT adapter of `make igt`, run on a fake IGT build
(conformance/igt/fake/) in real guests with the real tvkms and sw_sync:
each kind of IGT outcome is classified as igt_runner would, in the table
and in results.json, and the run goes on after a hang and a panic."""
import json
import os
import subprocess

import pytest

from conftest import OUTPUT, ROOT, kernels

pytestmark = pytest.mark.guest

IGT = str(ROOT / "ci" / "igt")
FAKE = ROOT / "conformance" / "igt" / "fake"
KERNEL = kernels()[0]

EXPECTED = {
    "pass": "pass",
    "fail": "fail",
    "skip": "skip",
    "warn": "dmesg-warn",
    "fail-warn": "dmesg-fail",
    "crash": "crash",
    "sw-sync": "pass",
    "hang": "timeout",
    "hang-unkillable": "timeout",
    "panic": "incomplete",
    "after-panic": "pass",
}


def run_igt(env_extra, timeout=600):
    env = dict(os.environ, **env_extra)
    return subprocess.run([IGT], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env)


def test_no_igt_dir_says_so_in_one_line():
    env = {key: value for key, value in os.environ.items() if key != "IGT_DIR"}
    result = subprocess.run([IGT], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "IGT_DIR" in result.stderr and "README" in result.stderr


def test_an_igt_dir_without_the_binaries_says_so_in_one_line(tmp_path):
    result = run_igt({"IGT_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "lacks 24 of the 24 binaries" in result.stderr


@pytest.fixture(scope="module")
def fake_run():
    out = OUTPUT / "igt-fake"
    result = run_igt({"IGT_DIR": str(FAKE), "IGT_LIST": str(FAKE / "testlist.txt"),
                      "IGT_OUT": str(out), "KERNELS": KERNEL, "DRIVERS": "tvkms",
                      "IGT_TIMEOUT": "5", "IGT_TESTS": "", "TRACE": "0"})
    return result, out / KERNEL


def test_every_outcome_is_classified_in_results_json(fake_run):
    result, out = fake_run
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "tvkms" / "results.json").read_text())
    got = {name: test["result"] for name, test in report["tests"].items()}
    assert got == {f"igt@fake_kms@{name}": want for name, want in EXPECTED.items()}
    warn = report["tests"]["igt@fake_kms@warn"]
    assert "fake_kms: warn: a warning-level kernel log line" in warn["dmesg"]
    assert "Subtest warn: SUCCESS" in warn["out"]
    assert "does not hold" in report["tests"]["igt@fake_kms@fail"]["err"]
    totals = report["totals"]["root"]
    assert totals == {"pass": 3, "fail": 1, "skip": 1, "dmesg-warn": 1, "dmesg-fail": 1,
                      "crash": 1, "timeout": 2, "incomplete": 1}
    assert report["totals"]["igt@fake_kms"] == totals


def test_the_table_counts_each_outcome_and_lists_each_subtest(fake_run):
    result, out = fake_run
    table = (out / "table.txt").read_text()
    assert table in result.stdout
    rows = {line.split("|")[0].strip(): [cell.strip() for cell in line.split("|")[1:]]
            for line in table.splitlines() if "|" in line}
    # pass/fail/skip/warn/timeout/incomplete; dmesg-fail and crash count as fail
    assert rows["fake_kms"] == ["3/3/1/1/2/1"]
    for name, want in EXPECTED.items():
        assert rows[f"fake_kms@{name}"] == [want]


def test_the_run_goes_on_in_a_fresh_guest_after_a_hang_and_a_panic(fake_run):
    result, out = fake_run
    boots = result.stderr.count("booting a guest")
    assert boots == 4, result.stderr
    status = out / "tvkms" / "tests" / "fake_kms@hang-unkillable" / "status"
    assert status.read_text().strip() == "timeout"
    status = out / "tvkms" / "tests" / "fake_kms@after-panic" / "status"
    assert status.read_text().strip() == "0"
