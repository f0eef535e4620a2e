# SPDX-License-Identifier: GPL-2.0
"""The checker's verdicts are the same at every trace level (`kmstrace
replay/record --level full|rules`). In one boot, each of these is replayed
at both levels, one after the other:

- the corpus (traces/*.seq), on a freshly loaded tvkms;
- every fault knob's sequence (test_rules_faults.CASES), its knob set by
  --before-each as there;
- the mutant drivers that have a sequence, each loaded anew: all of them
  under `make check-mutants` (KMST_MUTANTS=full), and in `make check` the
  first two of its short round (an event rule and an ordering rule), each
  mutant costing two loads and replays here.

The runs at the default level (rules) are the ones test_replay_corpus,
test_rules_faults and test_mutants judge (each cached once per boot), so
only the full level costs replays of its own. Each report is compared rule
by rule: the verdict, every rule's status (pass, fail, n/a, not judged),
the violations as (rule, sequence line), the replay expectations that
failed, and the number of commits. The rules level must also trace less:
fewer records per commit, on the same sequences."""
import json
import os
import subprocess

import pytest

import test_mutants as mutants
import test_replay_corpus as corpus
import test_rules_faults as faults
import tvkms_util as tv
from conftest import ROOT

LEVELS = ("full", "rules")
MUTANTS = [name for name in mutants.RUN if mutants.CASES[name].sequence]
if os.environ.get("KMST_MUTANTS") != "full":
    MUTANTS = MUTANTS[:2]


@pytest.fixture(scope="module")
def corpus_levels(kmstrace):
    """{level: (CompletedProcess, {sequence file name: report})}."""
    yield {level: corpus.corpus_replay(kmstrace, level) for level in LEVELS}
    tv.unload()


@pytest.fixture(scope="module")
def fault_levels(kmstrace):
    """{level: (CompletedProcess, {knob: report})}."""
    yield {level: faults.fault_replay(kmstrace, level) for level in LEVELS}
    tv.unload()


@pytest.fixture(scope="module")
def mutant_levels():
    """{mutant: {level: (CompletedProcess, report of its sequence)}}."""
    found = {}
    for name in MUTANTS:
        sequence = mutants.CASES[name].sequence
        found[name] = {}
        for level in LEVELS:
            run, reports = mutants.mutant_replay(name, level)
            assert sequence in reports, run.stderr[-2000:]
            found[name][level] = (run, reports[sequence])
    yield found
    mutants.unload_when_unused()


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


def trace_of(found, level, name):
    return found[level][1][name]["trace"]


def test_diff_refuses_traces_of_two_levels(kmstrace, corpus_levels):
    """Their stages differ by the level, not by the kernel: one line, exit 2."""
    name = "modeset-flips.seq"
    full, rules = (trace_of(corpus_levels, level, name) for level in LEVELS)
    result = subprocess.run([str(kmstrace), "diff", full, rules], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    assert result.stderr.count("\n") == 1 and "--level full" in result.stderr \
        and "--level rules" in result.stderr, result.stderr


def test_a_rules_level_trace_exports_calls_without_exits_as_instants(kmstrace, corpus_levels,
                                                                     tmp_path):
    """A call whose exit the level does not trace is an instant at its entry, not
    a slice left unfinished; the calls traced whole are still slices."""
    trace = trace_of(corpus_levels, "rules", "modeset-flips.seq")
    out = tmp_path / "timeline.json"
    result = subprocess.run([str(kmstrace), "export", "--perfetto", trace, "-o", str(out)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    events = doc["traceEvents"]
    assert doc["otherData"]["level"] == "rules"
    assert not [e for e in events if e.get("args", {}).get("unfinished")]
    kinds = {}
    for e in events:
        kinds.setdefault(e["name"], set()).add(e["ph"])
    assert "X" in kinds.get("HW_DONE", set()), sorted(kinds)
    assert kinds.get("COMMIT_PLANES") == {"i"}, kinds.get("COMMIT_PLANES")
