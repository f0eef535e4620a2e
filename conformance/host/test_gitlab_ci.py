# SPDX-License-Identifier: GPL-2.0
"""ci/gitlab-ci.yml, run locally by gitlab-ci-local (npm) with its shell
executor: the pipeline GitLab would make of it, and one matrix cell run for
real (one boot, one sequence)."""
import json
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from checker_synth import Synth
from conftest import OUTPUT, ROOT, kernels

pytestmark = pytest.mark.guest

# Newer releases need Node 22 (Set.prototype.union); Debian 12 has 18.
GITLAB_CI_LOCAL = "gitlab-ci-local@4.65.1"
NPM_PREFIX = OUTPUT / "npm"
STATE = OUTPUT / "gitlab-ci-local"
FIRST = kernels()[0]
DRIVERS = ["tvkms", "bochs-drm", "virtio_gpu"]


@pytest.fixture(scope="module")
def gitlab_ci_local():
    tool = NPM_PREFIX / "node_modules" / ".bin" / "gitlab-ci-local"
    if not tool.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: gitlab-ci-local comes from npm")
        installed = subprocess.run([npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit",
                                    "--no-fund", GITLAB_CI_LOCAL],
                                   capture_output=True, text=True, timeout=600)
        if installed.returncode != 0:
            reachable = subprocess.run([npm, "ping"], capture_output=True, timeout=120)
            if reachable.returncode != 0:
                pytest.skip(f"the npm registry is unreachable: cannot install {GITLAB_CI_LOCAL}")
            pytest.fail(f"npm install {GITLAB_CI_LOCAL} failed: {installed.stderr[-2000:]}")
    # It copies the tracked files with rsync before any job, even a shell one.
    assert shutil.which("rsync"), "gitlab-ci-local needs rsync (ci/deps installs it)"

    def run(*args, timeout=120):
        return subprocess.run([str(tool), "--file", "ci/gitlab-ci.yml",
                               "--state-dir", str(STATE.relative_to(ROOT)),
                               "--home", str(STATE / "home"), "--no-color", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return run


def job_names(result):
    """The jobs a pipeline would run (--list-json also lists when: never)."""
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return {job["name"] for job in json.loads(result.stdout) if job["when"] != "never"}


def test_pipeline_has_one_cell_job_per_kernel_driver_and_corpus(gitlab_ci_local):
    names = job_names(gitlab_ci_local("--list-json"))
    cells = {f"cell: [{kernel},{driver},traces]"
             for kernel in ("6.1", "6.12") for driver in DRIVERS}
    cells.add("cell: [6.1,vkms,traces]")  # the peer builds for 6.1 only
    assert {name for name in names if name.startswith("cell")} == cells
    assert {"build", "diff-kernels"} <= names


def test_igt_jobs_exist_only_when_an_igt_build_is_given(gitlab_ci_local):
    assert not any(name.startswith("igt") for name in job_names(gitlab_ci_local("--list-json")))
    with_igt = job_names(gitlab_ci_local("--list-json", "--variable", "IGT_DIR=/opt/igt"))
    assert {"igt: [6.1]", "igt: [6.12]"} <= with_igt


def test_diff_job_reports_kernel_differences_as_an_allowed_failure(gitlab_ci_local):
    """Two sequences, one the same on both kernels and one not: a warning
    with a line each; a trace diff cannot read fails the job."""
    old, new = OUTPUT / "gitlab-diff" / "old", OUTPUT / "gitlab-diff" / "new"
    shutil.rmtree(OUTPUT / "gitlab-diff", ignore_errors=True)
    for folder, fault in ((old, None), (new, "no-wait-dependencies")):
        folder.mkdir(parents=True)
        for name, bent in (("same.seq", None), ("bent.seq", fault)):
            s = Synth()
            s.commit(modeset=True)
            s.commit(fault=bent)
            s.write(folder / f"{name}.kmst")
    where = ["--variable", f"DIFF_OLD={old.relative_to(ROOT)}",
             "--variable", f"DIFF_NEW={new.relative_to(ROOT)}"]
    result = gitlab_ci_local(*where, "diff-kernels")
    assert "same.seq: SAME: " in result.stdout, result.stdout[-2000:]
    assert "bent.seq: REGRESSION: stages differ on 1 commit" in result.stdout, result.stdout[-2000:]
    assert "WARN" in result.stdout and "FAIL" not in result.stdout, result.stdout[-2000:]
    assert result.returncode == 0, result.stdout[-2000:]
    (new / "bent.seq.kmst").write_bytes(b"KMSTRACE but cut")
    result = gitlab_ci_local(*where, "diff-kernels")
    assert "bent.seq could not be compared (exit 2)" in result.stdout, result.stdout[-2000:]
    assert "FAIL" in result.stdout and "WARN" not in result.stdout, result.stdout[-2000:]
    shutil.rmtree(OUTPUT / "gitlab-diff", ignore_errors=True)


def test_one_cell_replays_its_corpus_and_leaves_a_junit_report(gitlab_ci_local):
    """The tvkms cell of the first kernel, its corpus cut to one sequence."""
    out = OUTPUT / "cells" / f"{FIRST}-tvkms-traces_back-to-back.seq"
    shutil.rmtree(out, ignore_errors=True)
    result = gitlab_ci_local("--variable", "CORPUS=traces/back-to-back.seq",
                             f"cell: [{FIRST},tvkms,traces]", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "PASS" in result.stdout, result.stdout[-3000:]
    assert (out / "traces" / "back-to-back.seq.kmst").stat().st_size > 0
    suite = ElementTree.parse(out / "junit" / "back-to-back.xml").find("testsuite")
    assert suite.get("name") == f"{FIRST}/tvkms/back-to-back"
    assert int(suite.get("tests")) > 0
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0")
    assert all(case.get("classname") == f"{FIRST}/tvkms/back-to-back"
               for case in suite.iter("testcase"))
