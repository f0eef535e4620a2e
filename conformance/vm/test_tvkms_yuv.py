# SPDX-License-Identifier: GPL-2.0
"""tvkms YCbCr formats: NV12, NV21, NV16, NV61, NV24, NV42 (semi-planar)
and YUV420, YVU420, YUV422, YVU422, YUV444, YVU444 (planar), with the
plane properties COLOR_ENCODING (BT.601, BT.709, BT.2020) and COLOR_RANGE
(limited, full).

Each pattern is shown on the overlay, cut from a larger fb at an odd
source position, and written back in XR48. The expected pixels come from
compose_ref.yuv_to_rgb: the ITU-R formulas of each encoding, exactly, in
limited (Y' 16-235, Cb/Cr 16-240) or full range, then blended over the
patterned primary like any opaque plane. TOLERANCE states how far a
written channel may be from it. Every chroma sample of the patterns
differs from its neighbours, so a wrong hsub, vsub, plane order or pitch
moves pixels far past the tolerance (test_patterns_tell_apart_... proves
that on the reference itself).

ADDFB2 must refuse mis-sized planar layouts with EINVAL and create no fb;
an invalid COLOR_ENCODING or COLOR_RANGE value must be refused and leave
the plane's properties as they were.

Shares test_tvkms_compose.py's scene (one load: crtcs=1 overlays=1
cursor=1 writeback=1, CRTC 0 lit at 640x480@60)."""
import errno

import pytest

import compose_ref as ref
import tvkms_util as tv
from test_tvkms_compose import HEIGHT, WIDTH, background, state_of
from test_tvkms_compose import scene  # noqa: F401 (fixture)

# How far (in 16-bit units, XR48) a written channel may be from the exact
# ITU value: 1/32 of an 8-bit step, room for the rounding of any
# fixed-point conversion with 12 or more fraction bits (tvkms's is off by
# at most 1). Two encodings or ranges differ by far more on these patterns.
TOLERANCE = 8

ENCODINGS = {"bt601": ref.ENCODING_BT601, "bt709": ref.ENCODING_BT709,
             "bt2020": ref.ENCODING_BT2020}
RANGES = {"limited": ref.RANGE_LIMITED, "full": ref.RANGE_FULL}
# fourcc code -> the name the issue and drm_fourcc.h give the format.
YUV_NAMES = {"NV12": "NV12", "NV21": "NV21", "NV16": "NV16",
             "NV61": "NV61", "NV24": "NV24", "NV42": "NV42",
             "YU12": "YUV420", "YV12": "YVU420", "YU16": "YUV422",
             "YV16": "YVU422", "YU24": "YUV444", "YV24": "YVU444"}
FB_W, FB_H = 64, 48          # the pattern's fb
SRC = (3, 5, 52, 38)         # odd x and y: chroma of pixel x is x / hsub
DST = (200, 150)


def sample(x, y, seed, low, high):
    """A sample value in [low, high] that differs from its neighbours, with
    one in eleven at 0 or 255 (out of a limited range: clamping)."""
    mixed = ((x * 73 + y * 151 + seed * 29) * 2654435761 >> 11) & 0xFFFF
    if mixed % 11 == 0:
        return 255 if mixed & 0x100 else 0
    return low + mixed % (high - low + 1)


def yuv_planes(name, width, height, seed):
    """(luma rows, Cb rows, Cr rows) of a pattern: luma bytes per row, and
    the chroma samples of each chroma row (width / hsub by height / vsub),
    each sample unlike its horizontal and vertical neighbours."""
    hsub, vsub, _, _ = ref.YUV_FORMATS[name]
    luma = [bytes(sample(x, y, seed, 16, 235) for x in range(width))
            for y in range(height)]
    cb = [bytes(sample(x, y, seed + 1, 16, 240)
                for x in range(width // hsub)) for y in range(height // vsub)]
    cr = [bytes(sample(x, y, seed + 2, 16, 240)
                for x in range(width // hsub)) for y in range(height // vsub)]
    return luma, cb, cr


def reference_rows(name, planes, subsampling=None):
    """The layer rows compose_ref reads: (luma, Cb, Cr) of each fb row.
    subsampling=(hsub, vsub) reads the planes with other factors (a
    driver's mistake), for the test that proves the patterns catch it."""
    luma, cb, cr = planes
    vsub = subsampling[1] if subsampling else ref.YUV_FORMATS[name][1]
    return [(luma[y], cb[min(y // vsub, len(cb) - 1)],
             cr[min(y // vsub, len(cr) - 1)]) for y in range(len(luma))]


def fb_layout(client, name, planes):
    """A dumb buffer holding the planes as drm_fourcc.h lays out name:
    luma at offset 0 with the dumb's pitch, then the chroma plane(s) with
    half that pitch (so a reader using the luma pitch for chroma fails).
    Returns (handles, pitches, offsets, size) for ADDFB2."""
    _, _, nplanes, cr_first = ref.YUV_FORMATS[name]
    luma, cb, cr = planes
    handle, pitch, size = client.dumb(4 * FB_W, 2 * FB_H, 1)
    chroma_pitch = pitch // 2
    first, second = (cr, cb) if cr_first else (cb, cr)
    offsets = [0, pitch * FB_H]
    with client.map_dumb(handle, size) as mem:
        for y, row in enumerate(luma):
            mem[y * pitch:y * pitch + len(row)] = row
        if nplanes == 2:
            for y, (a, b) in enumerate(zip(first, second)):
                pairs = bytes(v for pair in zip(a, b) for v in pair)
                start = offsets[1] + y * chroma_pitch
                mem[start:start + len(pairs)] = pairs
        else:
            offsets.append(offsets[1] + chroma_pitch * len(first))
            for offset, rows in zip(offsets[1:], (first, second)):
                for y, row in enumerate(rows):
                    start = offset + y * chroma_pitch
                    mem[start:start + len(row)] = row
    return ([handle] * nplanes, [pitch] + [chroma_pitch] * (nplanes - 1),
            offsets, size)


def yuv_layer(scene, name, encoding, color_range, seed=0,
              rotation=ref.ROTATE_0):
    planes = yuv_planes(name, FB_W, FB_H, seed)
    handles, pitches, offsets, _ = fb_layout(scene.client, name, planes)
    fb = scene.client.addfb2_planes(FB_W, FB_H, ref.fourcc(name), handles,
                                    pitches, offsets)
    return dict(name=name, rows=reference_rows(name, planes), src=SRC,
                dst=DST, alpha=0xFFFF, blend=ref.BLEND_PREMULTI, zpos=1,
                fb=fb, rotation=rotation, encoding=encoding,
                range=color_range)


def expect_close(layers, rows):
    """Assert each written XR48 channel is within TOLERANCE of the
    reference, naming the first pixel that is not."""
    expected = ref.Reference(WIDTH, HEIGHT, layers)
    worst = 0
    for y in range(HEIGHT):
        want = expected.line_bytes(y, "XR48")
        if rows[y] == want:
            continue
        got = ref.unpack("XR48", rows[y])
        for x, (pixel, exact) in enumerate(zip(got, expected.line(y))):
            error = max(abs(a - b) for a, b in zip(pixel[1:], exact[1:]))
            assert error <= TOLERANCE, \
                f"line {y} pixel {x}: written {pixel}, expected {exact} " \
                f"(tolerance {TOLERANCE})"
            worst = max(worst, error)
    return worst


@pytest.fixture(scope="module")
def primary(scene):
    """The patterned XR24 primary under every YCbCr overlay (one fb)."""
    return background(scene, seed=4)


# ---- properties ----
# (First in the file: the defaults are checked before any test sets them.)

def test_every_plane_has_color_encoding_and_range_defaulting_to_bt601_limited(scene):
    """Created with drm_plane_create_color_properties on every plane (all
    take YCbCr), listing BT.601, BT.709, BT.2020 and limited, full; the
    defaults are VKMS's: BT.601, limited range."""
    for plane in (scene.primary, scene.overlay, scene.cursor):
        client = scene.client
        assert client.property_enums(plane, tv.OBJECT_PLANE,
                                     "COLOR_ENCODING") == {
            "ITU-R BT.601 YCbCr": ref.ENCODING_BT601,
            "ITU-R BT.709 YCbCr": ref.ENCODING_BT709,
            "ITU-R BT.2020 YCbCr": ref.ENCODING_BT2020}
        assert client.property_enums(plane, tv.OBJECT_PLANE,
                                     "COLOR_RANGE") == {
            "YCbCr limited range": ref.RANGE_LIMITED,
            "YCbCr full range": ref.RANGE_FULL}
        props = client.properties(plane, tv.OBJECT_PLANE)
        assert props["COLOR_ENCODING"][1] == ref.ENCODING_BT601, plane
        assert props["COLOR_RANGE"][1] == ref.RANGE_LIMITED, plane


@pytest.mark.parametrize("color_range", RANGES.values(), ids=RANGES)
@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS)
@pytest.mark.parametrize("name", ref.YUV_FORMATS, ids=YUV_NAMES.values())
def test_yuv_format_composes_to_the_itu_reference(scene, primary, name,
                                                   encoding, color_range):
    overlay = yuv_layer(scene, name, encoding, color_range, seed=len(name))
    written = scene.write_back((primary, overlay), "XR48")
    expect_close([primary, overlay], written)


@pytest.mark.parametrize("name", ["NV12", "YV12", "NV61"],
                         ids=["NV12", "YVU420", "NV61"])
def test_turned_yuv_plane_composes_to_the_itu_reference(scene, primary,
                                                         name):
    """Rotated 90 degrees and reflected along x: every destination pixel
    takes its own source pixel's chroma sample."""
    overlay = yuv_layer(scene, name, ref.ENCODING_BT709, ref.RANGE_FULL,
                        seed=7, rotation=ref.ROTATE_90 | ref.REFLECT_X)
    written = scene.write_back((primary, overlay), "XR48")
    expect_close([primary, overlay], written)


def far_apart(name, first, second):
    """Whether the reference outputs of two layer variants differ by more
    than the tolerance somewhere in the visible part."""
    sx, sy, sw, sh = SRC
    for y in range(sy, sy + sh):
        a = ref.unpack_yuv(first, y, sx, sw)
        b = ref.unpack_yuv(second, y, sx, sw)
        if any(abs(p - q) > TOLERANCE for pa, pb in zip(a, b)
               for p, q in zip(pa, pb)):
            return True
    return False


@pytest.mark.parametrize("name", ref.YUV_FORMATS, ids=YUV_NAMES.values())
def test_patterns_tell_apart_encodings_ranges_and_subsampling(name):
    """The checker can fail: on these patterns, every other encoding or
    range, swapped chroma planes, and any other hsub/vsub give outputs
    beyond the tolerance. (Runs on the reference only.)"""
    planes = yuv_planes(name, FB_W, FB_H, len(name))
    hsub, vsub, nplanes, cr_first = ref.YUV_FORMATS[name]

    def layer(encoding, color_range, rows=None, fmt=name):
        return dict(name=fmt, rows=rows or reference_rows(name, planes),
                    encoding=encoding, range=color_range)

    combos = [(e, r) for e in ENCODINGS.values() for r in RANGES.values()]
    for i, first in enumerate(combos):
        for second in combos[i + 1:]:
            assert far_apart(name, layer(*first), layer(*second)), \
                f"{name}: {first} and {second} look alike"
    luma, cb, cr = planes
    swapped = reference_rows(name, (luma, cr, cb))
    assert far_apart(name, layer(0, 0), layer(0, 0, swapped)), \
        f"{name}: Cb and Cr swapped look alike"
    for other, (h, v, n, c) in ref.YUV_FORMATS.items():
        if (h, v) == (hsub, vsub):
            continue
        # The same bytes read with other subsampling: a wider chroma
        # sample count is what a driver with hsub 1 would index into.
        wide = (luma, [row * 2 for row in cb], [row * 2 for row in cr])
        rows = reference_rows(name, wide, (h, v))
        assert far_apart(name, layer(0, 0), layer(0, 0, rows, other)), \
            f"{name} read as hsub {h} vsub {v} looks alike"


@pytest.mark.parametrize("prop,value", [("COLOR_ENCODING", 3),
                                        ("COLOR_ENCODING", 0xFFFF),
                                        ("COLOR_RANGE", 2)])
def test_invalid_color_property_value_is_refused_and_changes_nothing(
        scene, primary, prop, value):
    overlay = yuv_layer(scene, "NV12", ref.ENCODING_BT709, ref.RANGE_FULL)
    scene.write_back((primary, overlay), "XR48")
    before = state_of(scene)
    overlay_before = scene.client.properties(scene.overlay, tv.OBJECT_PLANE)
    with pytest.raises(OSError) as err:
        scene.commit([(scene.overlay, tv.OBJECT_PLANE, {prop: value})])
    assert err.value.errno == errno.EINVAL
    assert state_of(scene) == before
    overlay_after = scene.client.properties(scene.overlay, tv.OBJECT_PLANE)
    assert overlay_after == overlay_before
    assert overlay_after["COLOR_ENCODING"][1] == ref.ENCODING_BT709
    assert overlay_after["COLOR_RANGE"][1] == ref.RANGE_FULL


# ---- refused framebuffers ----

def good_layout(scene, name):
    planes = yuv_planes(name, FB_W, FB_H, 1)
    return fb_layout(scene.client, name, planes)


def bad_layouts(scene):
    """name -> (fourcc name, handles, pitches, offsets), each one mistake
    away from a layout ADDFB2 takes."""
    bad = {}
    handles, pitches, offsets, size = good_layout(scene, "NV12")
    bad["nv12-chroma-pitch-too-small"] = (
        "NV12", handles, [pitches[0], FB_W - 2], offsets)
    bad["nv12-luma-pitch-too-small"] = (
        "NV12", handles, [FB_W - 1, pitches[1]], offsets)
    bad["nv12-chroma-offset-beyond-buffer"] = (
        "NV12", handles, pitches, [0, size])
    bad["nv12-chroma-missing-handle"] = (
        "NV12", [handles[0], 0], pitches, offsets)
    handles, pitches, offsets, size = good_layout(scene, "YU12")
    bad["yuv420-cr-missing-handle"] = (
        "YU12", handles[:2] + [0], pitches, offsets)
    bad["yuv420-cr-pitch-too-small"] = (
        "YU12", handles, pitches[:2] + [FB_W // 2 - 1], offsets)
    bad["yuv420-cr-offset-beyond-buffer"] = (
        "YU12", handles, pitches, offsets[:2] + [size - 8])
    bad["yuv420-only-one-plane"] = (
        "YU12", handles[:1], pitches[:1], offsets[:1])
    handles, pitches, offsets, size = good_layout(scene, "YU24")
    bad["yuv444-cb-offset-beyond-buffer"] = (
        "YU24", handles, pitches, [0, size - FB_W, offsets[2]])
    return bad


BAD_LAYOUTS = ["nv12-chroma-pitch-too-small", "nv12-luma-pitch-too-small",
               "nv12-chroma-offset-beyond-buffer",
               "nv12-chroma-missing-handle", "yuv420-cr-missing-handle",
               "yuv420-cr-pitch-too-small", "yuv420-cr-offset-beyond-buffer",
               "yuv420-only-one-plane", "yuv444-cb-offset-beyond-buffer"]


def test_addfb2_takes_each_yuv_format_with_a_sound_layout(scene):
    for name in ref.YUV_FORMATS:
        handles, pitches, offsets, _ = good_layout(scene, name)
        assert scene.client.addfb2_planes(FB_W, FB_H, ref.fourcc(name),
                                          handles, pitches, offsets), name


@pytest.mark.parametrize("case", BAD_LAYOUTS)
def test_addfb2_refuses_a_mis_sized_planar_layout(scene, case):
    name, handles, pitches, offsets = bad_layouts(scene)[case]
    before = scene.client.framebuffers()
    with pytest.raises(OSError) as err:
        scene.client.addfb2_planes(FB_W, FB_H, ref.fourcc(name), handles,
                                   pitches, offsets)
    assert err.value.errno == errno.EINVAL, case
    assert scene.client.framebuffers() == before, "a refused ADDFB2 made an fb"
