#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpora of the fuzz targets (harness/fuzz/), written at build time.

    conformance/fuzz/seeds.py OUTDIR

OUTDIR/<target>/ gets, for seq_parse, the corpus in traces/; for
trace_check and seq_record, small real traces in the binary format, made
by the host tests' own generators (checker_synth.Synth for the checker's
traces, the recording of test_seq_from_recording for `kmstrace seq`).
Each trace target gets the other's traces too: both read the same files.
"""
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "conformance" / "host"))
sys.path.insert(0, str(ROOT / "conformance"))
from checker_synth import K, Synth  # noqa: E402
from test_seq_from_recording import recording  # noqa: E402


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


def write(outdir):
    targets = {name: outdir / name for name in ("seq_parse", "trace_check", "seq_record")}
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


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: conformance/fuzz/seeds.py OUTDIR")
    write(pathlib.Path(sys.argv[1]))
