# SPDX-License-Identifier: GPL-2.0
"""The reference composer of the tvkms composition tests: pixel formats
packed and unpacked bit by bit, and lines blended with the integer
arithmetic tvkms documents (module/tvkms_formats.c, tvkms_composer.c),
which is the DRM documentation's "pixel blend mode" formulas in 16 bits
per channel.

A pixel here is (a, r, g, b), 16 bits each. A layer is a dict: fourcc,
cpp, rows (bytes of each source fb row), src (x, y, w, h in fb pixels),
dst (x, y, w, h on the CRTC, may cross any edge), alpha, blend, zpos.
A YCbCr layer (YUV_FORMATS) has instead rows of (luma bytes, Cb samples,
Cr samples) and its encoding and range: its pixels are the ITU formulas'
exact values (yuv_to_rgb), which the tests compare within a tolerance."""
from fractions import Fraction
from math import gcd
import struct

import xxhash

# The "pixel blend mode" property values (include/drm/drm_blend.h).
BLEND_PREMULTI, BLEND_COVERAGE, BLEND_NONE = 0, 1, 2


def fourcc(code):
    return int.from_bytes(code.encode(), "little")


# name: (cpp, [(channel, shift, bits)]) of a little-endian cpp-byte word.
# An "x" channel is padding the composer must ignore.
LAYOUTS = {
    "XR24": (4, [("x", 24, 8), ("r", 16, 8), ("g", 8, 8), ("b", 0, 8)]),
    "AR24": (4, [("a", 24, 8), ("r", 16, 8), ("g", 8, 8), ("b", 0, 8)]),
    "XB24": (4, [("x", 24, 8), ("b", 16, 8), ("g", 8, 8), ("r", 0, 8)]),
    "AB24": (4, [("a", 24, 8), ("b", 16, 8), ("g", 8, 8), ("r", 0, 8)]),
    "RG16": (2, [("r", 11, 5), ("g", 5, 6), ("b", 0, 5)]),
    "RG24": (3, [("r", 16, 8), ("g", 8, 8), ("b", 0, 8)]),
    "BG24": (3, [("b", 16, 8), ("g", 8, 8), ("r", 0, 8)]),
    "XR48": (8, [("x", 48, 16), ("r", 32, 16), ("g", 16, 16), ("b", 0, 16)]),
    "AR48": (8, [("a", 48, 16), ("r", 32, 16), ("g", 16, 16), ("b", 0, 16)]),
    "AB48": (8, [("a", 48, 16), ("b", 32, 16), ("g", 16, 16), ("r", 0, 16)]),
    "XR30": (4, [("x", 30, 2), ("r", 20, 10), ("g", 10, 10), ("b", 0, 10)]),
    "AR30": (4, [("a", 30, 2), ("r", 20, 10), ("g", 10, 10), ("b", 0, 10)]),
}
PLANE_FORMATS = list(LAYOUTS)

# Single-channel "red" formats: name -> bits per pixel. drm_fourcc.h:
# "[7:0] R0:R1:R2:R3 2:2:2:2 four pixels/byte", i.e. below 8 bits the
# first pixel of a byte is in its most significant bits. The value has a
# direct relation to brightness: the composer shows it grey, opaque.
GREY_FORMATS = {"R1  ": 1, "R2  ": 2, "R4  ": 4, "R8  ": 8}
WRITEBACK_FORMATS = ["XR24", "AR24", "XR48", "AR48", "RG16", "XR30"]


# Semi-planar and planar YCbCr formats, 8-bit samples: name -> (hsub,
# vsub, number of planes, whether the first chroma plane, or the first
# byte of each semi-planar pair, is Cr) as drm_fourcc.h lays them out.
YUV_FORMATS = {
    "NV12": (2, 2, 2, False), "NV21": (2, 2, 2, True),
    "NV16": (2, 1, 2, False), "NV61": (2, 1, 2, True),
    "NV24": (1, 1, 2, False), "NV42": (1, 1, 2, True),
    "YU12": (2, 2, 3, False), "YV12": (2, 2, 3, True),
    "YU16": (2, 1, 3, False), "YV16": (2, 1, 3, True),
    "YU24": (1, 1, 3, False), "YV24": (1, 1, 3, True),
}
# The plane properties' enum values (enum drm_color_encoding, _range).
ENCODING_BT601, ENCODING_BT709, ENCODING_BT2020 = 0, 1, 2
RANGE_LIMITED, RANGE_FULL = 0, 1
# Luma weights (Kr, Kb) of ITU-R BT.601, BT.709 and BT.2020.
LUMA_WEIGHTS = {ENCODING_BT601: (Fraction("0.299"), Fraction("0.114")),
                ENCODING_BT709: (Fraction("0.2126"), Fraction("0.0722")),
                ENCODING_BT2020: (Fraction("0.2627"), Fraction("0.0593"))}


def yuv_coefficients(encoding, color_range):
    """The exact conversion of one encoding and range, over one common
    denominator: (denominator, Y' offset, Y' factor, Cr->R, Cb->G, Cr->G,
    Cb->B), so that R = (Y' factor * (Y' - offset) + Cr->R * (Cr - 128)) /
    denominator and likewise for G and B. Computed once per pair."""
    key = (encoding, color_range)
    if key not in _COEFFICIENTS:
        kr, kb = LUMA_WEIGHTS[encoding]
        kg = 1 - kr - kb
        if color_range == RANGE_FULL:
            offset, luma, chroma = 0, Fraction(1, 255), Fraction(1, 255)
        else:
            offset, luma, chroma = 16, Fraction(1, 219), Fraction(1, 224)
        terms = [luma, 2 * (1 - kr) * chroma, 2 * kb * (1 - kb) / kg * chroma,
                 2 * kr * (1 - kr) / kg * chroma, 2 * (1 - kb) * chroma]
        denominator = 1
        for term in terms:
            denominator = denominator * term.denominator // \
                gcd(denominator, term.denominator)
        _COEFFICIENTS[key] = (denominator, offset) + tuple(
            int(term * denominator) for term in terms)
    return _COEFFICIENTS[key]


_COEFFICIENTS = {}


def _to16(numerator, denominator):
    """round(clamp(numerator / denominator, 0, 1) * 65535), the tie going
    to the even value like Python's round() of a Fraction."""
    if numerator <= 0:
        return 0
    if numerator >= denominator:
        return 65535
    quotient, rest = divmod(numerator * 65535, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and quotient & 1):
        quotient += 1
    return quotient


def yuv_to_rgb(y, cb, cr, encoding, color_range):
    """One 8-bit Y'CbCr sample as an opaque 16-bit (a, r, g, b) pixel,
    exactly: limited range has Y' 16-235 and Cb, Cr 16-240, full range
    0-255 for both (centre 128); R, G, B are clamped to [0, 1]. The ITU
    formulas R = Y' + 2(1 - Kr)Cr, G = Y' - 2Kb(1 - Kb)/Kg Cb - 2Kr(1 -
    Kr)/Kg Cr, B = Y' + 2(1 - Kb)Cb, in integers (yuv_coefficients)."""
    d, offset, luma, r_cr, g_cb, g_cr, b_cb = \
        yuv_coefficients(encoding, color_range)
    base, u, v = luma * (y - offset), cb - 128, cr - 128
    return (65535, _to16(base + r_cr * v, d),
            _to16(base - g_cb * u - g_cr * v, d), _to16(base + b_cb * u, d))


def unpack_yuv(layer, row, first, count):
    """Pixels first .. first + count - 1 of a YCbCr layer's row. Its rows
    are (luma bytes, Cb samples, Cr samples) of each fb row, the chroma
    being that of chroma row y / vsub; pixel x takes sample x / hsub."""
    hsub = YUV_FORMATS[layer["name"]][0]
    luma, cb, cr = layer["rows"][row]
    return [yuv_to_rgb(luma[x], cb[x // hsub], cr[x // hsub],
                       layer["encoding"], layer["range"])
            for x in range(first, first + count)]


def widen(value, bits):
    top = (1 << bits) - 1
    return (value * 65535 + top // 2) // top


def narrow(value, bits):
    return (value * ((1 << bits) - 1) + 32767) // 65535


def pack_native(name, channels):
    """One pixel's bytes from native-depth channel values {r, g, b, a, x}."""
    cpp, layout = LAYOUTS[name]
    word = 0
    for channel, shift, bits in layout:
        word |= (channels.get(channel, 0) & ((1 << bits) - 1)) << shift
    return word.to_bytes(cpp, "little")


def unpack(name, data):
    """A row of bytes of format name to (a, r, g, b) pixels, 16-bit."""
    cpp, layout = LAYOUTS[name]
    has_alpha = any(c == "a" for c, _, _ in layout)
    pixels = []
    for off in range(0, len(data) - cpp + 1, cpp):
        word = int.from_bytes(data[off:off + cpp], "little")
        ch = {c: widen((word >> s) & ((1 << b) - 1), b) for c, s, b in layout}
        pixels.append((ch["a"] if has_alpha else 65535, ch["r"], ch["g"],
                       ch["b"]))
    return pixels


def pack_grey(name, values):
    """A row of bytes of grey format name holding the given native values,
    pixel 0 in the high bits of byte 0; a last partial byte is zero-padded."""
    bits = GREY_FORMATS[name]
    out = bytearray((len(values) * bits + 7) // 8)
    for i, value in enumerate(values):
        bit = i * bits
        out[bit // 8] |= (value & ((1 << bits) - 1)) << (8 - bits - bit % 8)
    return bytes(out)


def unpack_grey(name, data, first, count):
    """Pixels first .. first + count - 1 of a grey row, as (a, r, g, b)."""
    bits = GREY_FORMATS[name]
    pixels = []
    for i in range(first, first + count):
        bit = i * bits
        value = data[bit // 8] >> (8 - bits - bit % 8) & ((1 << bits) - 1)
        grey = widen(value, bits)
        pixels.append((65535, grey, grey, grey))
    return pixels


def lut_map(lut, value):
    """One 16-bit channel through a GAMMA_LUT (entries of 16 bits, evenly
    spaced over the input range, linear between them), rounded to the
    nearest. Exact rational arithmetic: the entry position of value is
    value * (n - 1) / 65535."""
    position = Fraction(value * (len(lut) - 1), 65535)
    index = position.numerator // position.denominator
    frac = position - index
    if frac == 0:
        return lut[index]
    exact = lut[index] * (1 - frac) + lut[index + 1] * frac
    # With 256 entries the denominator is 257, odd: never a tie.
    return int(exact + Fraction(1, 2))


def apply_gamma(pixels, gamma):
    """Output pixels through gamma = (red, green, blue) LUTs; alpha kept."""
    red, green, blue = gamma
    return [(a, lut_map(red, r), lut_map(green, g), lut_map(blue, b))
            for a, r, g, b in pixels]


def pack_output(name, pixels):
    """The writeback bytes of output pixels: padding bits all ones.
    "internal" is the composer's own line: a, r, g, b as 16-bit words."""
    if name == "internal":
        return struct.pack(f"<{4 * len(pixels)}H",
                           *(c for p in pixels for c in p))
    cpp, layout = LAYOUTS[name]
    padding, fields = 0, []
    for channel, shift, bits in layout:
        if channel == "x":
            padding |= ((1 << bits) - 1) << shift
        else:
            fields.append(("argb".index(channel), shift, bits))
    out = bytearray()
    for pixel in pixels:
        word = padding
        for index, shift, bits in fields:
            value = pixel[index]
            word |= (value if bits == 16 else narrow(value, bits)) << shift
        out += word.to_bytes(cpp, "little")
    return bytes(out)


def mul16(x, y):
    return (x * y + 32767) // 65535


def blend_pixel(fg, bg, alpha, mode):
    fa = fg[0]
    if mode == BLEND_NONE:
        k1 = k2 = alpha
    elif mode == BLEND_COVERAGE:
        k1 = k2 = mul16(alpha, fa)
    else:
        k1, k2 = alpha, mul16(alpha, fa)
    return (65535,) + tuple(
        min(65535, (f * k1 + b * (65535 - k2) + 32767) // 65535)
        for f, b in zip(fg[1:], bg[1:]))


ROTATE_0, ROTATE_90, ROTATE_180, ROTATE_270 = 1, 2, 4, 8
REFLECT_X, REFLECT_Y = 16, 32


def dst_size(layer):
    """The plane's size on the CRTC: the source's, turned by 90 or 270."""
    _, _, w, h = layer["src"]
    if layer.get("rotation", ROTATE_0) & (ROTATE_90 | ROTATE_270):
        return h, w
    return w, h


def source_of(rotation, u, v, sw, sh):
    """The source pixel (s, t) of an sw x sh source shown at (u, v) of the
    destination. DRM's rotation property (drm_rect_rotate()): the source
    is reflected first, then rotated counter-clockwise."""
    angle = rotation & 15
    if angle == ROTATE_90:
        s, t = sw - 1 - v, u
    elif angle == ROTATE_180:
        s, t = sw - 1 - u, sh - 1 - v
    elif angle == ROTATE_270:
        s, t = v, sh - 1 - u
    else:
        s, t = u, v
    if rotation & REFLECT_X:
        s = sw - 1 - s
    if rotation & REFLECT_Y:
        t = sh - 1 - t
    return s, t


def clip(layer, width, height):
    """(src x, src y, dst x1, dst y1, dst x2, dst y2) of the visible part,
    or None; unscaled planes only (src x, y only mean something unrotated)."""
    sx, sy, _, _ = layer["src"]
    w, h = dst_size(layer)
    dx, dy = layer["dst"][:2]
    x1, y1 = max(dx, 0), max(dy, 0)
    x2, y2 = min(dx + w, width), min(dy + h, height)
    if x1 >= x2 or y1 >= y2:
        return None
    return sx + x1 - dx, sy + y1 - dy, x1, y1, x2, y2


class Reference:
    """The expected output of a scene, line by line, with each distinct
    line computed once (test patterns repeat rows)."""

    def __init__(self, width, height, layers, gamma=None):
        self.width, self.height = width, height
        self.gamma = gamma  # (red, green, blue) LUTs, or None
        self.layers = sorted(layers, key=lambda layer: layer["zpos"])
        self.visible = [clip(layer, width, height) for layer in self.layers]
        self.cache = {}

    def _source(self, index, row, x, count):
        layer = self.layers[index]
        if layer["name"] in YUV_FORMATS:
            return unpack_yuv(layer, row, x, count)
        if layer["name"] in GREY_FORMATS:
            return unpack_grey(layer["name"], layer["rows"][row], x, count)
        cpp = layer["cpp"]
        data = layer["rows"][row][x * cpp:(x + count) * cpp]
        return unpack(layer["name"], data)

    def _rotated(self, i):
        return self.layers[i].get("rotation", ROTATE_0) != ROTATE_0

    def _rotated_source(self, i, y, x1, x2):
        layer = self.layers[i]
        sx, sy, sw, sh = layer["src"]
        dx, dy = layer["dst"][:2]
        pixels = []
        for x in range(x1, x2):
            s, t = source_of(layer["rotation"], x - dx, y - dy, sw, sh)
            pixels += self._source(i, sy + t, sx + s, 1)
        return pixels

    def line(self, y):
        """Output pixels of line y."""
        return self._line(y)[0]

    def line_bytes(self, y, name):
        """Line y as the writeback format name writes it."""
        entry = self._line(y)
        if name not in entry[1]:
            entry[1][name] = pack_output(name, entry[0])
        return entry[1][name]

    def _line(self, y):
        rows = [(i, vis[1] + y - vis[3]) for i, vis in enumerate(self.visible)
                if vis and vis[3] <= y < vis[5]]
        # Keyed by content: pattern rows repeat as the same bytes objects.
        # A rotated layer's line is keyed by y itself.
        key = tuple((i, y) if self._rotated(i) else
                    (i, self.layers[i]["rows"][row]) for i, row in rows)
        if key not in self.cache:
            self.cache[key] = (self._blended(key, rows), {})
        return self.cache[key]

    def _blended(self, key, rows):
        """The blended (and gamma-mapped) pixels of a line holding rows.
        Each prefix of the layer stack is kept by its key, so a line where
        a small plane covers a patterned primary blends only that plane's
        span over the primary's line computed before."""
        out = [(65535, 0, 0, 0)] * self.width
        for depth, (i, row) in enumerate(rows):
            prefix = ("prefix",) + key[:depth + 1]
            if prefix in self.cache:
                out = self.cache[prefix]
                continue
            layer, vis = self.layers[i], self.visible[i]
            if self._rotated(i):
                src = self._rotated_source(i, key[depth][1], vis[2], vis[4])
            else:
                src = self._source(i, row, vis[0], vis[4] - vis[2])
            out = list(out)
            for n, x in enumerate(range(vis[2], vis[4])):
                out[x] = blend_pixel(src[n], out[x], layer["alpha"],
                                     layer["blend"])
            self.cache[prefix] = out
        if self.gamma:
            out = apply_gamma(out, self.gamma)
        return out

    def crc(self):
        """tvkms's CRC: xxh64 (seed 0) over the 16-bit a, r, g, b lines,
        its two 32-bit halves xored."""
        digest = xxhash.xxh64(seed=0)
        for y in range(self.height):
            digest.update(self.line_bytes(y, "internal"))
        value = digest.intdigest()
        return (value & 0xFFFFFFFF) ^ (value >> 32)
