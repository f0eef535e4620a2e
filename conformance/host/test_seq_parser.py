# SPDX-License-Identifier: GPL-2.0
"""The commit-sequence format (traces/FORMAT.md): `kmstrace seq --parse`."""
import subprocess

import pytest

from checker_synth import K
from conftest import ROOT

TRACES = ROOT / "traces"
CORPUS = sorted(TRACES.glob("*.seq"))


def parse(kmstrace, path):
    return subprocess.run([str(kmstrace), "seq", "--parse", str(path)],
                          capture_output=True, text=True, timeout=30)


def write(tmp_path, text, name="t.seq"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_corpus_lists_every_sequence_with_a_verdict_and_known_rules():
    listed = {}
    for line in (TRACES / "verdicts.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, verdict, *rules = line.split()
            listed[name] = verdict
            assert rules and set(rules) <= set(K.RULES), (name, set(rules) - set(K.RULES))
    assert set(listed) == {p.name for p in CORPUS}
    assert set(listed.values()) <= {"PASS", "FAIL", "INCOMPLETE"}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_sequence_parses_and_canonical_form_is_stable(kmstrace, tmp_path, path):
    first = parse(kmstrace, path)
    assert first.returncode == 0, first.stderr
    again = parse(kmstrace, write(tmp_path, first.stdout))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout


def test_fixed_point_and_negative_values_are_kept(kmstrace, tmp_path):
    text = ("kmstrace-seq 1\nfb A XRGB8888 64x64\ncommit\n"
            "\tplane:overlay2@crtc:1 FB_ID=fb:A SRC_X=0.5 SRC_W=64.0 CRTC_X=-32 zpos=0x10\n")
    result = parse(kmstrace, write(tmp_path, text))
    assert result.returncode == 0, result.stderr
    line = result.stdout.splitlines()[-1].split()
    assert line[0] == "plane:overlay2@crtc:1"
    assert line[1:] == ["FB_ID=fb:A", "SRC_X=32768", "SRC_W=64.0", "CRTC_X=-32", "zpos=16"]


def test_source_beyond_the_fixed_point_range_is_printed_as_an_integer(kmstrace, tmp_path):
    # Found by fuzz_seq_record: 0x100000000 was printed as 65536.0, which the parser refuses.
    text = "kmstrace-seq 1\ncommit\n\tplane:0 SRC_W=0x100000000 SRC_H=0xffff0000\n"
    result = parse(kmstrace, write(tmp_path, text))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "\tplane:0 SRC_W=4294967296 SRC_H=65535.0"
    again = parse(kmstrace, write(tmp_path, result.stdout, "again.seq"))
    assert again.returncode == 0, again.stderr


def test_flags_expectations_waits_and_repeat_round_trip(kmstrace, tmp_path):
    text = ("kmstrace-seq 1\nrequire crtc:1 plane:cursor@crtc:0 blob:mode:any@1000\n"
            "repeat 2\ncommit NONBLOCK PAGE_FLIP_EVENT expect=EBUSY|ok\n"
            "\tcrtc:0 ACTIVE=1 MODE_ID=blob:mode:preferred\n"
            "wait event timeout=50\nwait vblank 3 crtc:1\nwait ms 5\nend\n")
    result = parse(kmstrace, write(tmp_path, text))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "require crtc:1 plane:cursor@crtc:0 blob:mode:any@1000",
        "repeat 2",
        "commit NONBLOCK PAGE_FLIP_EVENT expect=EBUSY|ok",
        "\tcrtc:0 ACTIVE=1 MODE_ID=blob:mode:preferred",
        "wait event timeout=50",
        "wait vblank 3 crtc:1",
        "wait ms 5",
        "end",
    ]


MALFORMED = [
    # (text, line, col, words the message must contain)
    ("", 1, 1, "empty sequence"),
    ("hello 1\n", 1, 1, "not a commit sequence"),
    ("kmstrace-seq 2\n", 1, 14, "newer than this kmstrace"),
    ("kmstrace-seq 1\ncommit NONBLOK\n", 2, 8, "unknown commit flag 'NONBLOK'"),
    ("kmstrace-seq 1\ncommit expect=EFOO\n", 2, 15, "unknown result 'EFOO'"),
    ("kmstrace-seq 1\n\tcrtc:0 ACTIVE=1\n", 2, 2, "outside a commit"),
    ("kmstrace-seq 1\ncommit\n\tcrtc:0 ACTIVE\n", 3, 9, "expected PROPERTY=VALUE"),
    ("kmstrace-seq 1\ncommit\n\tcrtc:x ACTIVE=1\n", 3, 7, "bad CRTC index"),
    ("kmstrace-seq 1\ncommit\n\tplane:sprite@crtc:0 FB_ID=none\n", 3, 8, "unknown plane type 'sprite'"),
    ("kmstrace-seq 1\ncommit\n\tplane:primary FB_ID=fb:nope\n", 3, 8, "bad plane"),
    ("kmstrace-seq 1\ncommit\n\tplane:0 FB_ID=fb:nope\n", 3, 19, "unknown framebuffer 'nope'"),
    ("kmstrace-seq 1\ncommit\n\tcrtc:0 ACTIVE=1x\n", 3, 16, "bad number '1x'"),
    ("kmstrace-seq 1\ncommit\n\tcrtc:0 ACTIVE=1 ACTIVE=0\n", 3, 18, "set twice"),
    ("kmstrace-seq 1\ncommit\n\tcrtc:0 MODE_ID=blob:mode:1024x@60\n", 3, 27, "bad mode"),
    ("kmstrace-seq 1\nfb A YUYV 64x64\n", 2, 6, "unknown format 'YUYV'"),
    ("kmstrace-seq 1\nfb A XRGB8888 64\n", 2, 15, "bad size"),
    ("kmstrace-seq 1\nfb A XRGB8888 64x64 fill=plaid\n", 2, 26, "unknown fill 'plaid'"),
    ("kmstrace-seq 1\nfb A XRGB8888 64x64\nfb A XRGB8888 8x8\n", 3, 4, "declared twice"),
    ("kmstrace-seq 1\nwait forever\n", 2, 6, "unknown wait 'forever'"),
    ("kmstrace-seq 1\nwait ms\n", 2, 8, "wait ms N"),
    ("kmstrace-seq 1\nrepeat 3\ncommit\n", 2, 1, "without a matching `end`"),
    ("kmstrace-seq 1\nend\n", 2, 1, "without a `repeat`"),
    ("kmstrace-seq 1\nflip\n", 2, 1, "unknown statement 'flip'"),
    ("kmstrace-seq 1\ncommit TEST_ONLY PAGE_FLIP_EVENT\n", 2, 1, "TEST_ONLY with PAGE_FLIP_EVENT"),
    ("kmstrace-seq 1\nrequire fb:A\n", 2, 12, "unknown framebuffer"),
]


@pytest.mark.parametrize("text,line,col,words", MALFORMED,
                         ids=[m[3] for m in MALFORMED])
def test_malformed_sequence_names_file_line_and_column(kmstrace, tmp_path, text, line, col, words):
    path = write(tmp_path, text)
    result = parse(kmstrace, path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kmstrace: {path}:{line}:{col}: "), lines[0]
    assert words in lines[0]


def test_missing_file_is_bad_input(kmstrace, tmp_path):
    result = parse(kmstrace, tmp_path / "absent.seq")
    assert result.returncode == 2
    assert "absent.seq: cannot open sequence" in result.stderr
