# SPDX-License-Identifier: GPL-2.0
"""ci/reliability's report (RELI_REPORT_ONLY=1) over results laid out as
ci/reliability-guest writes them: every column and row is read from its
file, tvkms's findings fail the run, vkms's are listed with their
reproducer and do not."""
import json
import subprocess

from conftest import ROOT

RELEASE = subprocess.run([str(ROOT / "ci" / "kernel"), "6.1"], capture_output=True, text=True,
                         check=True).stdout.strip()
LEAK_MUTANTS = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT / "module"),
                               "leak-mutants-list"], capture_output=True, text=True,
                              check=True).stdout.split()


def fuzz_summary(driver, cases, splats=0, mismatches=0):
    return {"driver": driver, "cases": cases, "commits": cases + 7, "rejected": cases // 2,
            "errno_mismatches": mismatches, "state_changes": 0, "splats": splats,
            "reproducers": 1 if splats or mismatches else 0, "seconds": cases / 100}


TRACKED = {"alloc_tracking": True, "alloc_sites_tracked": 5120, "alloc_sites_leaking": [],
           "alloc_sites_top_growth": [{"cache": "kmalloc-16", "site": "__kernfs_new_node+0x40/0x200",
                                       "objects": 66},
                                      {"cache": "kmalloc-8", "site": "unloaded module", "objects": 3}]}


def results(tmp_path, tvkms_mismatches=0, vkms_splats=0, stress_tail="4 passed in 300.1s",
            alloc=TRACKED, ledger_caught=True):
    run = tmp_path / RELEASE
    run.mkdir(parents=True)
    (run / "tvkms.json").write_text(json.dumps(fuzz_summary("tvkms", 5000, mismatches=tvkms_mismatches)))
    (run / "vkms.json").write_text(json.dumps(fuzz_summary("vkms", 4000, splats=vkms_splats)))
    for driver, violations in (("tvkms", 0), ("vkms", 3)):
        (run / f"{driver}-trace.json").write_text(json.dumps(fuzz_summary(driver, 200)))
        (run / f"{driver}-check.json").write_text(json.dumps(
            {"verdict": "fail" if violations else "pass", "violations_total": violations}))
    (run / "stress.json").write_text(json.dumps({
        "cycles": 200, "cycle_seconds": 99.5, "tracer_attach_cycles": 5, "splats": [],
        "kmemleak": False, "slab_bytes_delta": 1024, "slab_objects_delta": 3,
        "caches_grown_one_per_cycle": {}, "drm_cards_before": 0, "drm_cards_after": 0,
        "drm_objects_around_fuzz": {"before": {"framebuffers": 1, "clients": 0},
                                    "after": {"framebuffers": 1, "clients": 0}}, **alloc}))
    (run / "stress.log").write_text("....\n" + stress_tail + "\n")
    for name in LEAK_MUTANTS:
        leaking = [{"cache": "kmalloc-512", "site": "unloaded module", "objects": 6276}]
        (run / f"ledger-{name}.json").write_text(json.dumps(
            {"cycles": 30, "alloc_tracking": True, "alloc_sites_leaking": leaking if ledger_caught else []}))
    (tmp_path / "parsers.txt").write_text("fuzz seq_parse: 10 executions, 5 exec/s, 3 features, 0 crashes\n")
    if vkms_splats:
        (run / "vkms").mkdir()
        (run / "vkms" / "fuzz-1-42.seq").write_text("# finding: kernel splat: WARNING: at vkms\n")
    return subprocess.run([str(ROOT / "ci" / "reliability")], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "RELI_REPORT_ONLY": "1", "RELI_OUT": str(tmp_path),
                               "KERNELS": "6.1", "RELI_CASES": "5000"})


def rows(stdout):
    return {line[:34].strip(): line[34:].split() for line in stdout.splitlines() if len(line) > 34}


def test_report_reads_every_row_from_the_results_and_a_clean_tvkms_passes(tmp_path):
    result = results(tmp_path)
    table = rows(result.stdout)
    assert table["cases run"] == ["5000", "4000"]
    assert table["--trace round: cases"] == ["200", "200"]
    assert table["--trace round: rule violations"] == ["0", "3"]
    assert table["--trace round: checker verdict"] == ["pass", "fail"]
    assert table["cases/s"] == ["100", "100"]
    assert "200 load/unload cycles in 99.5 s, 5 tracer attach/detach cycles" in result.stdout
    assert ("DRM cards with tvkms unloaded: 0 before the stress, 0 after; DRM objects around the "
            "fuzzer: 1 framebuffers and 0 clients before, 1 and 0 after") in result.stdout
    assert ("allocation sites (slub_debug=U, live objects per site): 5120 sites, 0 grown by >= 1 "
            "object per cycle; most grown: kmalloc-16 __kernfs_new_node+0x40/0x200 +66, "
            "kmalloc-8 unloaded module +3") in result.stdout
    assert result.returncode == 0, result.stdout


def test_each_leak_mutant_must_be_caught_by_the_ledger(tmp_path):
    assert LEAK_MUTANTS
    caught = results(tmp_path / "caught")
    for name in LEAK_MUTANTS:
        assert (f"leak ledger on mutant {name} (30 cycles): caught, kmalloc-512 unloaded module +6276"
                in caught.stdout)
    missed = results(tmp_path / "missed", ledger_caught=False)
    for name in LEAK_MUTANTS:
        assert f"leak ledger on mutant {name} (30 cycles): NOT CAUGHT" in missed.stdout
    assert missed.returncode == 1


def test_a_stress_without_allocation_tracking_says_so(tmp_path):
    result = results(tmp_path, alloc={"alloc_tracking": False})
    assert ("allocation sites (slub_debug=U, live objects per site): not tracked (booted without "
            "slub_debug=U)") in result.stdout


def test_a_tvkms_errno_mismatch_fails_the_run(tmp_path):
    result = results(tmp_path, tvkms_mismatches=1)
    assert rows(result.stdout)["errno mismatches"] == ["1", "0"]
    assert result.returncode == 1


def test_a_vkms_splat_is_a_finding_with_its_reproducer_not_a_failure(tmp_path):
    result = results(tmp_path, vkms_splats=2)
    assert rows(result.stdout)["kernel splats"] == ["0", "2"]
    assert f"{RELEASE}/vkms/fuzz-1-42.seq: kernel splat: WARNING: at vkms" in result.stdout
    assert result.returncode == 0, result.stdout


def test_a_failed_stress_test_fails_the_run_and_is_shown(tmp_path):
    result = results(tmp_path, stress_tail="1 failed, 3 passed in 214.88s (0:03:34)")
    assert "tests: 1 failed, 3 passed in 214.88s (0:03:34)" in result.stdout
    assert result.returncode == 1
