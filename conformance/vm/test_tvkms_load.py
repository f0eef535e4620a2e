# SPDX-License-Identifier: GPL-2.0
"""tvkms loading: bad parameters refused, fbdev only on request, and clean
load/unload cycles."""
import os
import pathlib

import pytest

import tvkms_util as tv


@pytest.fixture
def tvkms():
    with tv.session() as load:
        yield load


@pytest.mark.parametrize("param,message", [
    ("crtcs=0", "crtcs=0 out of range"),
    ("crtcs=5", "crtcs=5 out of range"),
    ("overlays=9", "overlays=9 out of range"),
    ("refresh=0", "refresh=0 out of range"),
    ("refresh=1001", "refresh=1001 out of range"),
])
def test_bad_parameter_fails_the_load_with_a_clear_line(tvkms, param, message):
    before = len(tv.dmesg_lines())
    name, value = param.split("=")
    result = tv.load(**{name: value})
    assert result.returncode != 0
    assert not tv.is_loaded()
    assert any(message in line for line in tv.dmesg_lines()[before:])


def fb_devices():
    graphics = pathlib.Path("/sys/class/graphics")
    return [p.name for p in graphics.glob("fb[0-9]*")
            if "tvkms" in (p / "name").read_text()] if graphics.exists() else []


def test_fbdev_emulation_only_when_asked(tvkms):
    tvkms()
    assert fb_devices() == []
    tv.unload()
    tvkms(fbdev=True)
    assert len(fb_devices()) == 1


def test_twenty_load_unload_cycles_are_clean(tvkms):
    for _ in range(20):
        tvkms(crtcs=2)
        tv.unload()
        assert not tv.is_loaded()
    assert not os.path.exists("/sys/kernel/debug/tvkms")
