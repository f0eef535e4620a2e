# SPDX-License-Identifier: GPL-2.0
"""The checker's verdicts are the same at every trace level (`kmstrace
replay/record --level full|rules`). In one boot, each of these is replayed
at both levels, one after the other:

- the corpus (traces/*.seq), on a freshly loaded tvkms;
- every fault knob's sequence (test_rules_faults.CASES), its knob set by
  --before-each as there;
- the mutant drivers of `make check`'s round (test_mutants.RUN) that have a
  sequence, each loaded anew.

Each report is compared rule by rule: the verdict, every rule's status
(pass, fail, n/a, not judged), the violations as (rule, sequence line),
the replay expectations that failed, and the number of commits. The rules
level must also trace less: fewer records per commit, on the same
sequences."""
import json

import pytest

import test_mutants as mutants
import test_replay_corpus as corpus
import test_rules_faults as faults
import tvkms_util as tv

LEVELS = ("full", "rules")
MUTANTS = [name for name in mutants.RUN if mutants.CASES[name].sequence]


def attempts(replay):
    """REPLAY() again while the kernel skipped tracer runs (PREEMPT_RT): a
    lossy trace is judged "not judged" whatever its level."""
    for _ in range(tv.RECORDING_ATTEMPTS):
        run, reports = replay()
        if tv.LOST_RUNS not in run.stderr:
            break
    return run, reports


def by_name(run, suffix):
    reports = {}
    for line in run.stdout.splitlines():
        report = json.loads(line)
        assert "skipped" not in report, report
        name = report["trace"].rsplit("/", 1)[-1]
        reports[name[:-len(suffix)]] = report
    return reports


@pytest.fixture(scope="module")
def corpus_levels(kmstrace, tmp_path_factory):
    """{level: (CompletedProcess, {sequence file name: report})}."""
    found = {}
    for level in LEVELS:
        out = tmp_path_factory.mktemp(f"corpus-{level}")

        def replay():
            run = corpus.replay(kmstrace, *corpus.CORPUS, "--device", corpus.fresh_tvkms(),
                                "-o", f"{out}/", "-f", "json", "--level", level)
            return run, by_name(run, ".kmst")
        found[level] = attempts(replay)
    tv.unload()
    return found


@pytest.fixture(scope="module")
def fault_levels(kmstrace, tmp_path_factory):
    """{level: (CompletedProcess, {knob: report})}."""
    found = {}
    for level in LEVELS:
        base = tmp_path_factory.mktemp(f"faults-{level}")
        found[level] = attempts(lambda: faults.replay_faults(kmstrace, base / "seqs",
                                                             base / "traces", "--level", level))
    tv.unload()
    return found


@pytest.fixture(scope="module")
def mutant_levels(tmp_path_factory):
    """{mutant: {level: (CompletedProcess, report of its sequence)}}."""
    found = {}
    for name in MUTANTS:
        case = mutants.CASES[name]
        found[name] = {}
        for level in LEVELS:
            mutants.unload_when_unused()
            _, device = mutants.insmod(mutants.mutant_module(name))
            out = tmp_path_factory.mktemp(f"{name}-{level}")
            run, reports = mutants.replay([case.sequence], device, out, "--level", level)
            assert case.sequence in reports, run.stderr[-2000:]
            found[name][level] = (run, reports[case.sequence])
    mutants.unload_when_unused()
    return found


def judged(report):
    """What a report judged, rule by rule (not how many VBLANKs it saw)."""
    return {
        "verdict": report["verdict"],
        "rules": {rule: r["status"] for rule, r in sorted(report["rules"].items())},
        "violations": sorted({(v["rule"], v["line"]) for v in report["violations"]}),
        "expectation_failures": sorted(json.dumps(e, sort_keys=True)
                                       for e in report["expectation_failures"]),
        "commits": report["commits"],
    }


def assert_same(found, key, where):
    full, rules = (found[level][1][key] if isinstance(found[level][1], dict)
                   and key in found[level][1] else None for level in LEVELS)
    assert full is not None, f"{where}: no report at --level full: {found['full'][0].stderr[-2000:]}"
    assert rules is not None, f"{where}: no report at --level rules: {found['rules'][0].stderr[-2000:]}"
    a, b = judged(full), judged(rules)
    assert a == b, f"{where}: full {json.dumps(a)}\nrules {json.dumps(b)}"
    return full, rules


@pytest.mark.parametrize("seq", corpus.CORPUS, ids=lambda p: p.name)
def test_corpus_sequence_judged_the_same_at_every_level(corpus_levels, seq):
    full, rules = assert_same(corpus_levels, seq.name, seq.name)
    # the expected verdict itself is test_replay_corpus's; here it must hold at both levels
    assert full["verdict"].upper() == corpus.EXPECTED[seq.name][0].upper()


@pytest.mark.parametrize("knob", list(faults.CASES))
def test_fault_knob_judged_the_same_at_every_level(fault_levels, knob):
    full, _ = assert_same(fault_levels, knob, f"knob {knob}")
    assert full["rules"][faults.CASES[knob][0]]["status"] == "fail"


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_judged_the_same_at_every_level(mutant_levels, name):
    runs = mutant_levels[name]
    a, b = (judged(runs[level][1]) for level in LEVELS)
    assert a == b, f"mutant {name}: full {json.dumps(a)}\nrules {json.dumps(b)}"
    assert runs["full"][1]["rules"][mutants.CASES[name].rule]["status"] == "fail"


def test_rules_level_writes_fewer_records_per_commit(corpus_levels):
    """The same corpus, fewer records: the hooks and phases no rule reads are gone."""
    per_commit = {}
    for level in LEVELS:
        reports = corpus_levels[level][1].values()
        events = sum(r["events"] for r in reports)
        commits = sum(r["commits"] for r in reports)
        assert commits, level
        per_commit[level] = events / commits
    assert per_commit["rules"] < 0.8 * per_commit["full"], per_commit
