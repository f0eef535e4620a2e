#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpora of the fuzz targets (harness/fuzz/), written at build time.

    conformance/fuzz/seeds.py OUTDIR

OUTDIR/<target>/ gets, for seq_parse, the corpus in traces/; for
trace_check and seq_record, small real traces in the binary format, made
by the host tests' own generators (checker_synth.Synth for the checker's
traces, the recording of test_seq_from_recording for `kmstrace seq`).
Each trace target gets the other's traces too: both read the same files.
diff gets pairs of test_diff's traces (a replay against one with a stage,
an errno or a flip event changed; latencies that moved) and each checker
trace against itself, in fuzz_diff's input format (diff_input).
"""
import pathlib
import shutil
import struct
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "conformance" / "host"))
sys.path.insert(0, str(ROOT / "conformance"))
from checker_synth import K, Synth  # noqa: E402
from test_diff import FLIP_A, FLIP_B, latencies, replayed, spread  # noqa: E402
from test_seq_from_recording import recording  # noqa: E402

# fuzz_diff's input (harness/fuzz/fuzz_diff.c): the report format (% 3),
# --margin in percent, A's length (little-endian), then A, then B.
DIFF_HEADER = struct.Struct("<BBI")


def diff_input(a, b=b"", format_index=0, margin_pct=10):
    """fuzz_diff's input diffing trace bytes A with B (with A itself when B is empty)."""
    return DIFF_HEADER.pack(format_index, margin_pct, len(a)) + a + b


def diff_split(data):
    """The traces A and B a fuzz_diff input holds, as fuzz_diff splits it (None if too short)."""
    if len(data) < DIFF_HEADER.size:
        return None
    _, _, a_len = DIFF_HEADER.unpack_from(data)
    rest = data[DIFF_HEADER.size:]
    a, b = rest[:a_len], rest[a_len:]
    return a, b or a


def pad_to_format(path, index):
    """Pad PATH's metadata with NULs so that fuzz_trace_check prints its report in
    format INDEX (it picks text, JSON, JUnit or TAP by the length / 8 % 4)."""
    data = bytearray(path.read_bytes())
    magic, version, meta_len = K.FILE_HEADER.unpack_from(data)
    pad = 8 * ((index - len(data) // 8) % 4)
    data[K.FILE_HEADER.size + meta_len:K.FILE_HEADER.size + meta_len] = bytes(pad)
    K.FILE_HEADER.pack_into(data, 0, magic, version, meta_len + pad)
    path.write_bytes(data)


def checker_traces(out):
    """One short session per shape the checker knows, and per fault Synth can bend."""
    def session(name, fault=None, vblank=True, **write):
        s = Synth(vblank=vblank)
        s.commit(modeset=True)
        s.commit(fault=fault)
        s.idle_vblanks(0, 1)
        s.commit(test_only=True, flags=0, fault=fault)
        s.write(out / name, **write)

    session("clean.kmst")
    clean = (out / "clean.kmst").read_bytes()
    session("no-vblank.kmst", vblank=False)
    session("no-end.kmst", end=False)
    drops = [0] * K.EV_MAX
    drops[K.EV["COMMIT_PLANES"]] = 2
    session("drops.kmst", drops=drops)
    for index, rule in enumerate(sorted(K.RULES)):
        # Rules Synth has no fault for (timing, stalls) give the clean session again.
        session(f"fault-{rule}.kmst", fault=rule)
        if (out / f"fault-{rule}.kmst").read_bytes() == clean:
            (out / f"fault-{rule}.kmst").unlink()
        else:
            pad_to_format(out / f"fault-{rule}.kmst", index % 4)
    s = Synth()
    s.commit(modeset=True)
    s.nonblocking_overlap()
    s.write(out / "nonblocking.kmst")
    s = Synth()
    s.joined_commit()
    s.commit(disable=True)
    s.unfinished_commit()
    s.write(out / "joined-cut.kmst")
    s = Synth()
    s.commit(modeset=True, line=3)
    s.replay_record(3)
    s.commit(line=5, ret=16)
    s.replay_record(5, expected=0, got=16, ordinal=2)
    s.write(out / "replay.kmst")


def diff_pairs(out, checker):
    """Pairs test_diff compares, and each trace of CHECKER (a folder) with itself."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        a = replayed(tmp / "a.kmst").read_bytes()
        pairs = {
            "replay-same": (a, replayed(tmp / "b.kmst").read_bytes()),
            "replay-stage-missing": (a, replayed(tmp / "c.kmst", fault="no-wait-dependencies",
                                                 at=(FLIP_A, 2)).read_bytes()),
            "replay-errno": (a, replayed(tmp / "d.kmst", got={(FLIP_B, 3): 22}).read_bytes()),
            "replay-event-dropped": (replayed(tmp / "e.kmst",
                                              drop_delivery=(FLIP_A, 1)).read_bytes(), a),
            "latency-slower": (latencies(tmp / "f.kmst", spread(5_000_000, n=12)).read_bytes(),
                               latencies(tmp / "g.kmst", spread(6_000_000, n=12),
                                         frame_ns=1_000_000, host_late_ns=0).read_bytes()),
        }
    for index, (name, (a, b)) in enumerate(sorted(pairs.items())):
        (out / f"{name}.diff").write_bytes(diff_input(a, b, format_index=index % 3))
    for index, trace in enumerate(sorted(checker.iterdir())):
        (out / f"self-{trace.stem}.diff").write_bytes(
            diff_input(trace.read_bytes(), format_index=index % 3))


def write(outdir):
    targets = {name: outdir / name for name in ("seq_parse", "trace_check", "seq_record", "diff")}
    for path in targets.values():
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    for seq in sorted((ROOT / "traces").glob("*.seq")):
        shutil.copy(seq, targets["seq_parse"] / seq.name)
    checker_traces(targets["trace_check"])
    recording(targets["seq_record"] / "recording.kmst")
    for trace in targets["trace_check"].iterdir():
        shutil.copy(trace, targets["seq_record"] / trace.name)
    shutil.copy(targets["seq_record"] / "recording.kmst", targets["trace_check"])
    diff_pairs(targets["diff"], targets["trace_check"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: conformance/fuzz/seeds.py OUTDIR")
    write(pathlib.Path(sys.argv[1]))
