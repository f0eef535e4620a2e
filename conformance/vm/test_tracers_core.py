# SPDX-License-Identifier: GPL-2.0
"""In-guest tests of the tracers and `kmstrace record` on tvkms (or the
vkms peer): kprobe fallback, drop counting, no kernel address in a trace,
and every commit stage in order."""
import json
import os
import pathlib
import re
import struct
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / ".output"
KMSTRACE = OUTPUT / "harness" / "kmstrace"
FLIP_CLIENT = OUTPUT / "harness" / "bench" / "tracing_overhead"

# Kernel half of the x86-64 address space; a word of the trace in it whose
# low 32 bits are not a small integer would be a leaked kernel pointer.
KERNEL_HALF = 0xffff800000000000

# One atomic page flip, in the order the DRM atomic helpers run its stages
# (drm_atomic_helper_commit itself is left out: tvkms has its own commit
# entry that calls the same steps). The atomic ioctl's exit is not in the
# list: a nonblocking commit's tail runs on a worker that may finish before
# the ioctl returns, so the exit is only ordered after the state swap.
FLIP_STAGES = [
    ("ATOMIC_IOCTL", "enter"), ("NONBLOCKING_COMMIT", "enter"), ("CHECK_ONLY", "enter"),
    ("HELPER_CHECK", "enter"), ("PLANE_ATOMIC_CHECK", "enter"), ("CHECK_ONLY", "exit"),
    ("SETUP_COMMIT", "enter"), ("PREPARE_PLANES", "enter"),
    ("PLANE_PREPARE_FB", "enter"), ("SWAP_STATE", "enter"),
    ("WAIT_FOR_DEPENDENCIES", "enter"), ("MODESET_DISABLES", "enter"), ("COMMIT_PLANES", "enter"),
    ("CRTC_ATOMIC_BEGIN", "enter"), ("PLANE_ATOMIC_UPDATE", "enter"), ("CRTC_ATOMIC_FLUSH", "enter"),
    ("ARM_VBLANK_EVENT", "enter"), ("MODESET_ENABLES", "enter"), ("HW_DONE", "enter"),
    ("VBLANK_EVENT_DELIVERED", "point"), ("CLEANUP_PLANES", "enter"), ("PLANE_CLEANUP_FB", "enter"),
    ("CLEANUP_DONE", "enter"), ("STATE_FREE", "point"),
]


def load_driver():
    """tvkms if built for this kernel, else the vkms peer; None if neither."""
    release = os.uname().release
    for mod in (OUTPUT / "module" / release / "tvkms.ko", OUTPUT / "vkms" / release / "vkms.ko"):
        if mod.exists():
            subprocess.run(["modprobe", "drm_kms_helper"], check=True)
            subprocess.run(["modprobe", "drm_shmem_helper"], check=False)
            loaded = subprocess.run(["insmod", str(mod)], capture_output=True, text=True)
            if loaded.returncode == 0 or "File exists" in loaded.stderr:
                subprocess.run(["udevadm", "settle"], check=False)
                return mod.stem
    return None


@pytest.fixture(scope="module")
def driver():
    name = load_driver()
    if name is None:
        pytest.fail(f"neither tvkms.ko nor the vkms peer is built for {os.uname().release}: run make")
    assert pathlib.Path("/dev/dri/card0").exists(), f"{name} loaded but no /dev/dri/card0"
    return name


def record(tmp_path, *args, flips=5, name="t.trace"):
    trace = tmp_path / name
    proc = subprocess.run([str(KMSTRACE), "record", "-o", str(trace), *args, "--",
                           str(FLIP_CLIENT), "--flip-client", str(flips)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return trace


@pytest.fixture(scope="module")
def default_trace(driver, tmp_path_factory):
    """One recording in the default attach mode at --level full (the whole
    event stream these tests read), shared by the tests that only read it:
    each recording costs seconds of BPF verification under TCG."""
    return record(tmp_path_factory.mktemp("default"), "--level", "full", flips=20)


def dump(trace):
    out = subprocess.run([str(KMSTRACE), "-j", "dump", str(trace)], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    meta = json.loads(out[0])["meta"].splitlines()
    events = [json.loads(line) for line in out[1:] if line.startswith('{"ts_ns"')]
    end = json.loads(out[-1])["end"]
    return meta, events, end


def leaked_words(data):
    """Offsets of 8-byte words that look like kernel pointers."""
    found = []
    for off in range(0, len(data) - 7, 8):
        (word,) = struct.unpack_from("<Q", data, off)
        if word >= KERNEL_HALF and (word & 0xffffffff) >= 0x10000:
            found.append((off, hex(word)))
    return found


def test_flip_stages_appear_in_helper_order_with_one_commit_id(default_trace):
    meta, events, _ = dump(default_trace)
    flip_ids = [e["commit_id"] for e in events
                if e["type"] == "ATOMIC_IOCTL" and e["phase"] == "enter" and "page_flip_event" in e["flags"]]
    assert flip_ids, "no atomic page flip was traced"
    commit = flip_ids[-1]
    seen = [(e["type"], e["phase"]) for e in events if e["commit_id"] == commit]
    position = 0
    for stage in FLIP_STAGES:
        if stage[0] == "ARM_VBLANK_EVENT" and "trait=card0 no-vblank" in meta:
            continue
        assert stage in seen[position:], f"{stage} missing or out of order in commit {commit}: {seen}"
        position = seen.index(stage, position) + 1
    swapped = seen.index(("SWAP_STATE", "exit"))
    assert ("ATOMIC_IOCTL", "exit") in seen[swapped:], f"the ioctl's exit is missing or before the state swap: {seen}"


def test_forced_kprobe_mode_attaches_no_fentry_and_traces_the_same_flip(driver, tmp_path):
    meta, events, _ = dump(record(tmp_path, "--kprobe"))
    progs = [line for line in meta if line.startswith("prog=") and not line.endswith(" tracepoint")]
    assert progs and all(line.endswith(" kprobe") for line in progs), progs
    delivered = [e for e in events if e["type"] == "VBLANK_EVENT_DELIVERED"]
    assert len(delivered) >= 5, "kprobe mode lost flip events"


def test_default_mode_uses_fentry_where_btf_exists(default_trace):
    meta, _, _ = dump(default_trace)
    assert "prog=drm_atomic_commit fentry" in meta, [m for m in meta if "drm_atomic_commit" in m]


@pytest.fixture(scope="module")
def tiny_ring_trace(driver, tmp_path_factory):
    """A 4 KiB ring buffer flooded by 30 flips: the overflow recording."""
    return record(tmp_path_factory.mktemp("tiny"), "--ringbuf-size", "4096", flips=30)


def test_tiny_ring_buffer_counts_every_drop_per_type(tiny_ring_trace):
    trace = tiny_ring_trace
    _, events, end = dump(trace)
    assert end["drops_total"] > 0, "a 4 KiB ring buffer under 30 flips dropped nothing"
    text = subprocess.run([str(KMSTRACE), "dump", str(trace)], check=True, capture_output=True,
                          text=True).stdout
    per_type = [int(line.rsplit(":", 1)[1]) for line in text.splitlines() if line.startswith("# dropped ")]
    assert sum(per_type) == end["drops_total"]
    assert end["records"] == len(events)


def test_checker_verdict_on_an_overflowed_trace_is_incomplete_never_pass(tiny_ring_trace):
    result = subprocess.run([str(KMSTRACE), "check", str(tiny_ring_trace)],
                            capture_output=True, text=True)
    # README's exit table: a trace that lost records exits 2, its verdict INCOMPLETE
    # (3 is kept for a rule not judged on a trace that lost nothing).
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "PASS" not in result.stdout
    assert "events were dropped" in result.stderr and "INCOMPLETE" in result.stderr, result.stderr


def test_trace_file_holds_no_kernel_address(default_trace):
    data = default_trace.read_bytes()
    assert leaked_words(data) == []


def test_kernel_address_scan_finds_a_planted_pointer():
    data = bytearray(64) + struct.pack("<Q", 0xffff888103a4c000) + bytearray(8)
    assert leaked_words(bytes(data)) == [(64, "0xffff888103a4c000")]


KERNEL_WORD = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?([0-9a-fA-F]{16})(?![0-9A-Za-z])|(?<![0-9.])(\d{19,20})(?![0-9.])")


def leaked_text(text):
    """Numbers in text output (hex, 0x-prefixed or bare, or decimal) that
    fall in the kernel half of the address space."""
    found = []
    for match in KERNEL_WORD.finditer(text):
        value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if KERNEL_HALF <= value < 1 << 64:
            found.append(match.group(0))
    return found


def test_kernel_address_text_scan_finds_planted_pointers():
    assert leaked_text('{"a": 18446612682099851264, "b": "0xffff888103a4c000"}') == \
        ["18446612682099851264", "0xffff888103a4c000"]
    assert leaked_text("at ffff888103a4c000\n") == ["ffff888103a4c000"]
    assert leaked_text("ts 1234567890123456789 id 0x10 t=1.18446744073709551") == []


def test_no_text_output_holds_a_kernel_address(default_trace, tmp_path):
    """Issue 11: no kernel address in any output: dump, the check reports in
    every format, the Perfetto export, hist and list, errors included."""
    outputs = {}
    for name, args in {
            "dump": ["dump", default_trace], "dump -j": ["-j", "dump", default_trace],
            "check text": ["check", default_trace], "check json": ["check", default_trace, "-f", "json"],
            "check junit": ["check", default_trace, "-f", "junit"],
            "check tap": ["check", default_trace, "-f", "tap"],
            "hist -j": ["-j", "hist", default_trace], "list -j": ["-j", "list"],
            "export": ["export", "--perfetto", default_trace, "-o", tmp_path / "t.json"],
            "missing object": ["check", tmp_path / "absent.kmst"]}.items():
        result = subprocess.run([str(KMSTRACE), *map(str, args)], capture_output=True, text=True,
                                timeout=240)
        outputs[name + " stdout"] = result.stdout
        outputs[name + " stderr"] = result.stderr
    outputs["perfetto file"] = (tmp_path / "t.json").read_text()
    assert len(outputs["perfetto file"]) > 1000, "the export wrote almost nothing"
    leaks = {name: leaked_text(text)[:5] for name, text in outputs.items() if leaked_text(text)}
    assert leaks == {}, leaks


def test_hist_reports_vblank_interval_near_the_nominal_frame(default_trace):
    out = subprocess.run([str(KMSTRACE), "-j", "hist", str(default_trace)], check=True, capture_output=True,
                         text=True).stdout
    hists = {h["kind"]: h for h in json.loads(out)["histograms"]}
    interval = hists["vblank_interval"]
    assert interval["count"] >= 20, interval
    # TCG on a loaded host delivers an emulated VBLANK late now and then, and
    # one 150 ms gap moves the mean of 30 intervals by a quarter frame: the
    # median is judged.  The linear buckets are offsets from the nominal frame.
    buckets = sorted((b["offset"], b["count"]) for b in interval["linear_us"])
    assert sum(count for _, count in buckets) == interval["count"], interval
    seen = 0
    for offset, count in buckets:
        seen += count
        if 2 * seen >= interval["count"]:
            break
    assert abs(offset) <= 1000, (offset, interval)
    assert hists["flip_latency"]["count"] >= 20


def first_connected_connector(driver):
    out = subprocess.run(["modetest", "-M", driver, "-c"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) > 3 and fields[0].isdigit() and fields[2] == "connected":
            return fields[0]
    raise AssertionError(f"modetest lists no connected connector:\n{out}")


def test_record_of_modetest_flips_shows_every_stage_in_order(driver, tmp_path):
    """`kmstrace record -- modetest -v`, a real client: its page flips take
    the legacy ioctl, which the atomic helpers turn into a nonblocking atomic
    commit, so a complete flip shows every stage of FLIP_STAGES but the
    atomic ioctl's own, in order, under one commit id."""
    trace = tmp_path / "modetest.trace"
    connector = first_connected_connector(driver)
    # modetest -v stops at the first byte on stdin: record passes its stdin
    # on, so an open and silent pipe keeps it flipping until --duration.
    with open(tmp_path / "record.err", "w") as err:
        proc = subprocess.Popen([str(KMSTRACE), "record", "--duration", "3", "-o", str(trace),
                                 "--level", "full", "--", "modetest", "-M", driver, "-s", f"{connector}:1024x768",
                                 "-v"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=err)
        try:
            assert proc.wait(timeout=240) == 0, (tmp_path / "record.err").read_text()
        finally:
            proc.stdin.close()
    meta, events, end = dump(trace)
    assert end["drops_total"] == 0
    assert end["missed_runs"] == 0, "the kernel skipped runs of the tracer's programs"
    by_commit = {}
    for e in events:
        if e["commit_id"]:
            by_commit.setdefault(e["commit_id"], []).append((e["type"], e["phase"]))
    flips = [cid for cid, seen in by_commit.items()
             if ("NONBLOCKING_COMMIT", "enter") in seen and ("STATE_FREE", "point") in seen
             and ("VBLANK_EVENT_DELIVERED", "point") in seen]
    assert len(flips) >= 10, f"modetest made {len(flips)} complete flips in 3 s"
    seen = by_commit[flips[-1]]
    position = 0
    for stage in FLIP_STAGES:
        if stage[0] == "ATOMIC_IOCTL":
            continue
        if stage[0] == "ARM_VBLANK_EVENT" and f"trait=card0 no-vblank" in meta:
            continue
        assert stage in seen[position:], f"{stage} missing or out of order in commit {flips[-1]}: {seen}"
        position = seen.index(stage, position) + 1
