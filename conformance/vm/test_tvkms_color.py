# SPDX-License-Identifier: GPL-2.0
"""tvkms colour: the CRTC's GAMMA_LUT and the single-channel R formats.

Scenes are written back in XR48 (16 bits a channel, so nothing is lost)
and compared byte for byte with compose_ref.py: R1/R2/R4/R8 read as grey,
the first pixel of a byte in its high bits (drm_fourcc.h), and GAMMA_LUT
maps each blended channel through 256 entries with linear interpolation
between them. A refused GAMMA_LUT must leave the property as it was.

Shares test_tvkms_compose.py's scene (one load: crtcs=1 overlays=1
cursor=1 writeback=1, CRTC 0 lit at 640x480@60) and its CRC fixture."""
import errno
import math
import os
import struct

import pytest

import compose_ref as ref
import tvkms_util as tv
from test_tvkms_compose import (HEIGHT, WIDTH, background, expect_written,
                                pattern_rows)
from test_tvkms_compose import crc, scene  # noqa: F401 (fixtures)

LUT_SIZE = 256
LUT_ENTRY = struct.Struct("=4H")  # struct drm_color_lut


# ---- single-channel R formats ----

def kernel_version():
    return tuple(int(n) for n in tv.RELEASE.split("-")[0].split(".")[:2])


def r_formats_of_this_kernel():
    """The R formats tvkms lists on the running kernel: R8 always; R1, R2
    and R4 from 6.1 on, where drm_fourcc.h and drm_format_info() gained
    them (test_planes_list_the_r_formats_of_this_kernel checks the list)."""
    names = ["R8  "]
    if kernel_version() >= (6, 1):
        names = ["R1  ", "R2  ", "R4  "] + names
    return names


R_FORMATS = r_formats_of_this_kernel()


def grey_rows(name, width, height, seed, period=None):
    """Rows of width pixels of grey format name: bytes varying along x and,
    unless period is given, along y (so a turned plane cannot hide)."""
    nbytes = (width * ref.GREY_FORMATS[name] + 7) // 8
    distinct = period or height
    rows = [bytes(((x * 37 + row * 101 + seed * 53) * 2654435761 >> 9) & 0xFF
                  for x in range(nbytes)) for row in range(distinct)]
    return [rows[y % distinct] for y in range(height)]


def grey_layer(scene, name, rows, width, src, dst, zpos=0,
               rotation=ref.ROTATE_0):
    """A layer of grey format name; its fb is width pixels wide (the dumb
    buffer takes a byte a pixel, more than the format needs)."""
    fb = scene.client.image_fb(width, len(rows), ref.fourcc(name), 1, rows)
    return dict(name=name, cpp=None, rows=rows, src=src, dst=dst,
                alpha=0xFFFF, blend=ref.BLEND_PREMULTI, zpos=zpos, fb=fb,
                rotation=rotation)


def test_planes_list_the_r_formats_of_this_kernel(scene):
    listed_by_plane = [
        {name for name in ref.GREY_FORMATS
         if ref.fourcc(name) in scene.client.plane_formats(plane)}
        for plane in (scene.primary, scene.overlay, scene.cursor)]
    for listed in listed_by_plane:
        assert "R8  " in listed, "R8 is missing from a plane's formats"
        assert listed == set(R_FORMATS), \
            f"planes list {sorted(listed)}, expected {sorted(R_FORMATS)} " \
            f"on {tv.RELEASE}"


# Hand-packed bytes and the grey each pixel must show (value widened to
# 16 bits), independent of compose_ref: the first pixel is the high bits.
FIRST_PIXEL_HIGH = {
    "R1  ": (b"\xa0", [65535, 0, 65535, 0, 0, 0, 0, 0]),
    "R2  ": (b"\x1b", [0, 21845, 43690, 65535]),
    "R4  ": (b"\x1f", [4369, 65535]),
    "R8  ": (b"\x00\x80\xff", [0, 0x8080, 65535]),
}


@pytest.mark.parametrize("name", R_FORMATS)
def test_r_format_packs_the_first_pixel_in_the_high_bits(scene, name):
    pattern, greys = FIRST_PIXEL_HIGH[name]
    nbytes = WIDTH * ref.GREY_FORMATS[name] // 8
    row = (pattern * (nbytes // len(pattern) + 1))[:nbytes]
    primary = grey_layer(scene, name, [row] * HEIGHT, WIDTH,
                         (0, 0, WIDTH, HEIGHT), (0, 0))
    written = scene.write_back((primary,))
    for y in (0, HEIGHT - 1):
        got = ref.unpack("XR48", written[y][:len(greys) * 8])
        assert got == [(65535, g, g, g) for g in greys], \
            f"line {y}: written {got}"


@pytest.mark.parametrize("name", R_FORMATS)
def test_r_format_overlay_composes_to_the_reference(scene, name):
    """Cut from a wider fb at an x that is no multiple of a byte's pixels,
    an odd width: the reader starts and ends inside bytes."""
    rows = grey_rows(name, 131, 90, seed=3, period=5)
    overlay = grey_layer(scene, name, rows, 131, (13, 5, 97, 61), (37, 21),
                         zpos=1)
    primary = background(scene)
    written = scene.write_back((primary, overlay))
    expect_written(scene, [primary, overlay], written)


@pytest.mark.parametrize("name", R_FORMATS)
def test_r_format_as_primary(scene, name):
    primary = grey_layer(scene, name,
                         grey_rows(name, WIDTH, HEIGHT, seed=5, period=7),
                         WIDTH, (0, 0, WIDTH, HEIGHT), (0, 0))
    written = scene.write_back((primary,))
    expect_written(scene, [primary], written)


TURNS = {"rotate-90-reflect-y": ref.ROTATE_90 | ref.REFLECT_Y,
         "rotate-180": ref.ROTATE_180,
         "rotate-270-reflect-x": ref.ROTATE_270 | ref.REFLECT_X}


@pytest.mark.parametrize("rotation", TURNS.values(), ids=TURNS)
@pytest.mark.parametrize("name", R_FORMATS)
def test_r_format_turned(scene, name, rotation):
    """A turned plane reads its pixels across bytes and rows."""
    rows = grey_rows(name, 75, 50, seed=6)
    overlay = grey_layer(scene, name, rows, 75, (3, 2, 67, 41), (100, 80),
                         zpos=1, rotation=rotation)
    primary = background(scene, seed=2)
    written = scene.write_back((primary, overlay))
    expect_written(scene, [primary, overlay], written)


# ---- GAMMA_LUT ----

def identity_lut():
    return [i * 65535 // (LUT_SIZE - 1) for i in range(LUT_SIZE)]


def inverting_lut():
    return [65535 - v for v in identity_lut()]


def curve_lut(curve):
    return [round(65535 * curve(i / (LUT_SIZE - 1))) for i in range(LUT_SIZE)]


# Different on each channel, so a channel read through another's LUT
# shows; blue is not even monotonic.
NONLINEAR = (curve_lut(lambda x: x ** 2.2),
             curve_lut(math.sqrt),
             curve_lut(lambda x: (1 - math.cos(3 * math.pi * x)) / 2))


def lut_bytes(red, green, blue):
    return b"".join(LUT_ENTRY.pack(r, g, b, 0)
                    for r, g, b in zip(red, green, blue))


class Gamma:
    """GAMMA_LUT blobs of one test; the LUT is cleared at the end."""

    def __init__(self, scene):
        self.scene = scene
        self.blobs = []

    def blob(self, data):
        blob_id = self.scene.client.create_blob(data)
        self.blobs.append(blob_id)
        return blob_id

    def crtc(self, blob_id):
        """The CRTC object of a commit setting GAMMA_LUT to blob_id."""
        return (self.scene.pipe.crtc_id, tv.OBJECT_CRTC,
                {"GAMMA_LUT": blob_id})

    def set(self, gamma):
        """The CRTC object setting the LUTs gamma = (red, green, blue)."""
        return self.crtc(self.blob(lut_bytes(*gamma)) if gamma else 0)

    def property(self):
        return self.scene.client.properties(self.scene.pipe.crtc_id,
                                            tv.OBJECT_CRTC)["GAMMA_LUT"][1]

    def close(self):
        self.scene.client.atomic([self.crtc(0)])
        for blob_id in self.blobs:
            self.scene.client.destroy_blob(blob_id)


@pytest.fixture
def gamma(scene):
    lut = Gamma(scene)
    yield lut
    lut.close()


def gamma_scene(scene):
    """16-bit channels (every fraction between LUT entries) under an 8-bit
    overlay blended at partial alpha."""
    primary = background(scene, "XR48", seed=4)
    overlay = scene.layer("AR24", pattern_rows("AR24", 96, 64, 2),
                          (0, 0, 96, 64), (300, 200), alpha=0x9000, zpos=1)
    return primary, overlay


def test_crtc_has_gamma_lut_of_the_legacy_gamma_size(scene):
    props = scene.client.properties(scene.pipe.crtc_id, tv.OBJECT_CRTC)
    assert "GAMMA_LUT" in props
    assert props["GAMMA_LUT_SIZE"][1] == LUT_SIZE
    assert scene.client.gamma_size(scene.pipe.crtc_id) == LUT_SIZE
    # drm_crtc_enable_color_mgmt(crtc, 0, false, size): no degamma, no CTM.
    assert "DEGAMMA_LUT" not in props and "CTM" not in props


def test_identity_lut_leaves_the_output_unchanged(scene, gamma):
    layers = gamma_scene(scene)
    plain = scene.write_back(layers, extra=[gamma.set(None)])
    expect_written(scene, layers, plain)
    identity = (identity_lut(),) * 3
    through = scene.write_back(layers, extra=[gamma.set(identity)])
    assert through == plain, "the identity GAMMA_LUT changed the output"


def test_inverting_lut_inverts_the_output(scene, gamma):
    layers = gamma_scene(scene)
    plain = scene.write_back(layers, extra=[gamma.set(None)])
    inverted = scene.write_back(layers,
                                extra=[gamma.set((inverting_lut(),) * 3)])
    for y in range(0, HEIGHT, 7):
        for before, after in zip(ref.unpack("XR48", plain[y]),
                                 ref.unpack("XR48", inverted[y])):
            assert [65535 - c for c in before[1:]] == list(after[1:]), \
                f"line {y}: {before} inverted to {after}"
    expect_written(scene, layers, inverted,
                   gamma=(inverting_lut(),) * 3)


def test_nonlinear_lut_matches_the_reference(scene, gamma):
    layers = gamma_scene(scene)
    written = scene.write_back(layers, extra=[gamma.set(NONLINEAR)])
    expect_written(scene, layers, written, gamma=NONLINEAR)


BAD_LUTS = {"255-entries": lut_bytes(*(identity_lut()[:255],) * 3),
            "257-entries": lut_bytes(*(identity_lut() + [65535],) * 3),
            "1-entry": LUT_ENTRY.pack(0, 0, 0, 0),
            "part-of-an-entry": lut_bytes(*(identity_lut(),) * 3) + b"\0" * 4}


@pytest.mark.parametrize("data", BAD_LUTS.values(), ids=BAD_LUTS)
def test_wrong_size_lut_is_refused_and_keeps_the_property(scene, gamma,
                                                          data):
    layers = gamma_scene(scene)
    scene.write_back(layers, extra=[gamma.set(NONLINEAR)])
    kept = gamma.property()
    assert kept != 0
    with pytest.raises(OSError) as err:
        scene.client.atomic([gamma.crtc(gamma.blob(data))])
    assert err.value.errno == errno.EINVAL
    assert gamma.property() == kept, "a refused GAMMA_LUT replaced the LUT"
    # The LUT in use is still the one kept.
    written = scene.write_back(layers)
    expect_written(scene, layers, written, gamma=NONLINEAR)


def test_crc_changes_when_the_lut_changes(scene, gamma, crc):
    layers = gamma_scene(scene)
    objects = scene.objects(*layers)
    plain = crc(objects + [gamma.set(None)])
    identity = crc(objects + [gamma.set((identity_lut(),) * 3)])
    inverted = crc(objects + [gamma.set((inverting_lut(),) * 3)])
    nonlinear = crc(objects + [gamma.set(NONLINEAR)])
    assert identity == plain
    assert len({plain, inverted, nonlinear}) == 3, \
        f"CRCs {plain:#x} {inverted:#x} {nonlinear:#x} not all different"
    assert inverted == ref.Reference(WIDTH, HEIGHT, list(layers),
                                     (inverting_lut(),) * 3).crc()


def test_legacy_setgamma_sets_the_gamma_lut(scene, gamma):
    layers = gamma_scene(scene)
    scene.write_back(layers, extra=[gamma.set(None)])
    scene.client.set_gamma(scene.pipe.crtc_id, *NONLINEAR)
    blob_id = gamma.property()
    assert blob_id != 0, "SETGAMMA left GAMMA_LUT unset"
    assert scene.client.blob(blob_id) == lut_bytes(*NONLINEAR)
    assert scene.client.get_gamma(scene.pipe.crtc_id, LUT_SIZE) == NONLINEAR
    written = scene.write_back(layers)
    expect_written(scene, layers, written, gamma=NONLINEAR)


def test_legacy_setgamma_of_another_size_is_refused(scene, gamma):
    scene.client.set_gamma(scene.pipe.crtc_id, *NONLINEAR)
    kept = gamma.property()
    with pytest.raises(OSError) as err:
        scene.client.set_gamma(scene.pipe.crtc_id,
                               *(lut[:128] for lut in NONLINEAR))
    assert err.value.errno == errno.EINVAL
    assert gamma.property() == kept
