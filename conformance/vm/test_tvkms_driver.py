# SPDX-License-Identifier: GPL-2.0
"""tvkms driver core, per parameter set (one load each, shared by every
test of the set): topology, parameters, modes and formats."""
import json
import pathlib

import pytest

import tvkms_util as tv

TOPOLOGIES = [
    dict(),
    dict(crtcs=2, overlays=0, cursor=False, writeback=False, refresh=75),
    dict(crtcs=4, overlays=8),
]
DEFAULTS = dict(crtcs=1, overlays=1, cursor=True, writeback=True, refresh=60,
                fbdev=False)
FORMATS = {0x34325258: ("XR24", 32), 0x34325241: ("AR24", 32),
           0x34324258: ("XB24", 32), 0x34324241: ("AB24", 32),
           0x36314752: ("RG16", 16), 0x38345258: ("XR48", 64),
           0x38345241: ("AR48", 64), 0x34324752: ("RG24", 24),
           0x34324742: ("BG24", 24), 0x38344241: ("AB48", 64),
           0x30335258: ("XR30", 32), 0x30335241: ("AR30", 32)}
# The single-channel formats every plane takes too (their framebuffers:
# test_tvkms_color.py); Debian's 6.1 and 6.12 both have all four.
SINGLE_CHANNEL = {0x20203152: "R1", 0x20203252: "R2", 0x20203452: "R4", 0x20203852: "R8"}
# The semi-planar and planar YCbCr formats every plane takes (their
# framebuffers and composition: test_tvkms_yuv.py).
YUV = {0x3231564E: "NV12", 0x3132564E: "NV21", 0x3631564E: "NV16",
       0x3136564E: "NV61", 0x3432564E: "NV24", 0x3234564E: "NV42",
       0x32315559: "YUV420", 0x32315659: "YVU420", 0x36315559: "YUV422",
       0x36315659: "YVU422", 0x34325559: "YUV444", 0x34325659: "YVU444"}


@pytest.fixture(scope="module", params=TOPOLOGIES,
                ids=["defaults", "2crtc-bare-75hz", "4crtc-8overlays"])
def topology(request):
    """(full parameter set, card path) of tvkms loaded with it."""
    with tv.session() as load:
        _, path = load(**request.param)
        yield {**DEFAULTS, **request.param}, path


def drm_info(path):
    out = tv.run("drm_info", "-j", path).stdout
    return json.loads(out)[path]


def test_drm_info_shows_the_configured_topology(topology):
    params, path = topology
    crtcs, overlays = params["crtcs"], params["overlays"]
    cursor, writeback = params["cursor"], params["writeback"]
    info = drm_info(path)

    assert info["driver"]["name"] == "tvkms"
    assert len(info["crtcs"]) == crtcs
    # DRM allows 32 planes: past that, overlays are one pool for all CRTCs.
    shared = crtcs * (1 + overlays + int(cursor)) > 32
    all_crtcs = (1 << crtcs) - 1
    types = [p["properties"]["type"]["value"] for p in info["planes"]]
    assert types.count(1) == crtcs, "one primary plane per CRTC"
    assert types.count(2) == (crtcs if cursor else 0), "cursor planes"
    assert types.count(0) == (overlays if shared else crtcs * overlays)
    for crtc_index in range(crtcs):
        usable = [p for p in info["planes"]
                  if p["properties"]["type"]["value"] == 0 and
                  p["possible_crtcs"] & (1 << crtc_index)]
        assert len(usable) == overlays, f"overlays usable by CRTC {crtc_index}"
    for plane in info["planes"]:
        dedicated = bin(plane["possible_crtcs"]).count("1") == 1
        if plane["properties"]["type"]["value"] == 0 and shared:
            assert plane["possible_crtcs"] == all_crtcs
        else:
            assert dedicated, "primary, cursor and unshared overlays"
        for prop in ("zpos", "alpha", "pixel blend mode", "rotation",
                     "COLOR_ENCODING", "COLOR_RANGE"):
            assert prop in plane["properties"], prop
    kinds = [c["type"] for c in info["connectors"]]
    assert kinds.count(15) == crtcs, "one virtual connector per CRTC"
    assert kinds.count(18) == (crtcs if writeback else 0), "writeback"
    assert len(info["encoders"]) == crtcs * (2 if writeback else 1)
    for connector in info["connectors"]:
        if connector["type"] == 15:
            assert connector["status"] == 1, "virtual connectors connected"


def test_parameters_are_read_only_and_as_loaded(topology):
    params, _ = topology
    for name, value in params.items():
        param = pathlib.Path("/sys/module/tvkms/parameters") / name
        assert param.stat().st_mode & 0o777 == 0o444, name
        shown = param.read_text().strip()
        expected = ("Y" if value else "N") if isinstance(value, bool) \
            else str(value)
        assert shown == expected, name


def test_modes_include_standard_preferred_and_extra_rates(topology):
    params, _ = topology
    refresh = params["refresh"]
    with tv.Card() as client:
        _, connectors = client.resources()
        connection, modes = client.connector(connectors[0])
    assert connection == 1
    preferred = [m for m in modes if m.preferred]
    assert [(m.name, m.exact_refresh) for m in preferred] == \
        [("1024x768", float(refresh))]
    rates = {round(m.exact_refresh, 3) for m in modes if m.name == "1024x768"}
    assert {30.0, 120.0, 144.0, 240.0, 1000.0, float(refresh)} <= rates
    sizes = {(m.hdisplay, m.vdisplay) for m in modes}
    assert (4096, 2160) in sizes and (640, 480) in sizes
    assert max(w for w, _ in sizes) <= 4096 and max(h for _, h in sizes) <= 2160


def test_plane_formats_are_the_documented_set(topology):
    _, path = topology
    names = {**{f: name for f, (name, _) in FORMATS.items()}, **SINGLE_CHANNEL,
             **YUV}
    for plane in drm_info(path)["planes"]:
        assert {names.get(f, hex(f)) for f in plane["formats"]} == set(names.values())


def test_addfb2_accepts_each_format_on_a_dumb_buffer(topology):
    with tv.Card() as client:
        assert client.get_cap(tv.CAP_DUMB_BUFFER) == 1
        for fourcc, (name, bpp) in FORMATS.items():
            assert client.dumb_fb(640, 480, fourcc, bpp) > 0, name


def test_addfb2_refuses_an_unsupported_format(topology):
    with tv.Card() as client:
        with pytest.raises(OSError) as err:
            client.dumb_fb(640, 480, 0x56595559, 16)  # YUYV
        assert err.value.errno == 22
