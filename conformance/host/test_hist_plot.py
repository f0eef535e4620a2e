# SPDX-License-Identifier: GPL-2.0
"""`kmstrace hist TRACE --plot OUT.png` draws, per CRTC, the VBLANK interval
histogram and the flip latency CDF with gnuplot: a PNG of 1200x400 pixels
per CRTC, next to the text histograms, and one line when gnuplot is not
there."""
import shutil
import struct
import subprocess

import pytest

from checker_synth import Synth

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH, ROW_HEIGHT = 1200, 400  # harness/hist/plot.h

needs_gnuplot = pytest.mark.skipif(shutil.which("gnuplot") is None,
                                   reason="gnuplot is not installed (ci/deps: gnuplot-nox)")


def png_size(path):
    """(width, height) from the IHDR chunk, which must come first."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    length, kind, width, height = struct.unpack(">I4sII", data[8:24])
    assert kind == b"IHDR" and length == 13, f"{path}: first chunk is {kind!r}"
    return width, height


def flips(crtcs):
    s = Synth()
    for crtc in crtcs:
        s.commit(crtcs=(crtc,), modeset=True)
    for _ in range(6):
        s.commit(crtcs=crtcs)
        for crtc in crtcs:
            s.idle_vblanks(crtc, 1)
    return s


def hist(kmstrace, trace, *args, env=None):
    return subprocess.run([str(kmstrace), "hist", str(trace), *args], capture_output=True,
                          text=True, timeout=60, env=env)


@needs_gnuplot
@pytest.mark.parametrize("crtcs", [(0,), (0, 1)])
def test_plot_is_a_png_1200_wide_and_400_high_per_crtc(kmstrace, tmp_path, crtcs):
    trace = flips(crtcs).write(tmp_path / "t.kmst")
    out = tmp_path / "plots" / "t.png"
    result = hist(kmstrace, trace, "--plot", str(out))
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (WIDTH, ROW_HEIGHT * len(crtcs))
    assert [p.name for p in out.parent.iterdir()] == ["t.png"], "the gnuplot script is removed"


@needs_gnuplot
def test_text_histograms_are_printed_with_the_plot(kmstrace, tmp_path):
    trace = flips((0,)).write(tmp_path / "t.kmst")
    plain = hist(kmstrace, trace)
    with_plot = hist(kmstrace, trace, "--plot", str(tmp_path / "t.png"))
    assert with_plot.returncode == 0
    assert with_plot.stdout == plain.stdout
    assert "VBLANK interval" in with_plot.stdout


def test_without_gnuplot_one_line_error_exit_2_and_text_still_printed(kmstrace, tmp_path):
    trace = flips((0,)).write(tmp_path / "t.kmst")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    out = tmp_path / "t.png"
    result = hist(kmstrace, trace, "--plot", str(out), env={"PATH": str(empty_bin)})
    assert result.returncode == 2
    assert result.stderr == \
        "kmstrace: --plot needs gnuplot (Debian package gnuplot-nox): not found\n"
    assert "VBLANK interval" in result.stdout
    assert not out.exists()


def test_plot_refuses_live_histograms(kmstrace):
    result = subprocess.run([str(kmstrace), "hist", "--live", "1", "--plot", "x.png"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
