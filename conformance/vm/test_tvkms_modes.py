# SPDX-License-Identifier: GPL-2.0
"""tvkms mode validation and cursor sizes (issue 8).

A mode no real display could drive is refused with EINVAL, and the refused
SETCRTC leaves the pipe as it was: IGT kms_invalid_mode's zero-clock,
int-max-clock and overflow-vrefresh modes, a refresh above the 1000 Hz
limit and a frame longer than one second. The cursor plane takes square
sizes 64 to 512, which DRM_CAP_CURSOR_WIDTH/HEIGHT report.

One load for the whole file."""
import errno
import time

import pytest

import tvkms_util as tv

INT_MAX = 2 ** 31 - 1


@pytest.fixture(scope="module")
def pipe():
    """A lit CRTC 0 at 1024x768@60 (and its client, DRM master)."""
    with tv.session() as load:
        load()
        with tv.Card() as client:
            yield tv.Pipe(client, 0)


def invalid_modes(mode):
    """(name, mode) pairs every one of which must be refused."""
    return [
        ("zero-clock", mode.changed(clock=0)),
        ("int-max-clock", mode.changed(clock=INT_MAX)),
        # kms_invalid_mode: htotal * vtotal * vscan == 2^32.
        ("overflow-vrefresh", mode.changed(htotal=32768, vtotal=32768,
                                           vscan=4)),
        ("refresh-1001hz", mode.changed(
            clock=mode.htotal * mode.vtotal * 1001 // 1000 + 1)),
        ("frame-over-1s", mode.changed(clock=mode.htotal * mode.vtotal
                                       // 1000 - 1)),
        ("huge-vscan", mode.changed(clock=INT_MAX, htotal=65535,
                                            vtotal=65535, vscan=65535)),
    ]


@pytest.mark.parametrize("index", range(6), ids=[
    "zero-clock", "int-max-clock", "overflow-vrefresh", "refresh-1001hz",
    "frame-over-1s", "huge-vscan"])
def test_invalid_mode_is_refused_with_einval_and_no_state_change(
        pipe, index, request):
    client = pipe.client
    name, bad = invalid_modes(pipe.mode)[index]
    assert name == request.node.callspec.id
    before = client.get_crtc(pipe.crtc_id)
    with pytest.raises(OSError) as err:
        client.set_crtc(pipe.crtc_id, pipe.connector_id, pipe.fbs[0], bad)
    assert err.value.errno == errno.EINVAL, name
    fb_id, mode = client.get_crtc(pipe.crtc_id)
    assert fb_id == before[0] and mode.raw == before[1].raw, name


def test_vblank_keeps_its_rate_after_refused_modes(pipe):
    """The VBLANK timer never saw the refused modes: 30 VBLANKs of the
    60 Hz mode take 0.5 s (TCG tolerance: 0.35-1.5 s).  The wait is for an
    absolute sequence: under a loaded host a VBLANK can pass between two
    relative waits."""
    client = pipe.client
    first, t0 = client.vblank(0, 0)
    last, t1 = client.vblank(0, absolute=first + 30)
    assert last - first == 30
    assert 0.35 <= t1 - t0 <= 1.5, t1 - t0


def test_the_limit_rates_are_accepted(pipe):
    """1000 Hz (the limit) and 1 Hz (one frame a second) are modes."""
    client = pipe.client
    for refresh in (1000, 1):
        pixels = pipe.mode.htotal * pipe.mode.vtotal * refresh
        mode = pipe.mode.changed(clock=-(-pixels // 1000), vrefresh=refresh)
        client.set_crtc(pipe.crtc_id, pipe.connector_id, pipe.fbs[0], mode)
        assert client.get_crtc(pipe.crtc_id)[1].clock == mode.clock
    client.set_crtc(pipe.crtc_id, pipe.connector_id, pipe.fbs[0], pipe.mode)


def test_max_cursor_size_is_reported(pipe):
    assert pipe.client.get_cap(tv.CAP_CURSOR_WIDTH) == 512
    assert pipe.client.get_cap(tv.CAP_CURSOR_HEIGHT) == 512


def cursor_commit(pipe, width, height):
    client = pipe.client
    cursor = client.planes_of_type(tv.PLANE_TYPE_CURSOR)[0]
    fb_id = client.dumb_fb(width, height, tv.FORMAT_ARGB8888)
    client.atomic([(cursor, tv.OBJECT_PLANE, {
        "FB_ID": fb_id, "CRTC_ID": pipe.crtc_id, "CRTC_X": 10,
        "CRTC_Y": 20, "CRTC_W": width, "CRTC_H": height, "SRC_X": 0,
        "SRC_Y": 0, "SRC_W": width << 16, "SRC_H": height << 16})],
        tv.ATOMIC_TEST_ONLY)


@pytest.mark.parametrize("size", [64, 128, 256, 512, 100])
def test_square_cursor_sizes_64_to_512_are_accepted(pipe, size):
    cursor_commit(pipe, size, size)


@pytest.mark.parametrize("width,height", [(32, 32), (513, 513), (64, 32),
                                          (256, 512)])
def test_other_cursor_sizes_are_refused(pipe, width, height):
    with pytest.raises(OSError) as err:
        cursor_commit(pipe, width, height)
    assert err.value.errno == errno.EINVAL
