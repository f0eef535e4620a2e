# SPDX-License-Identifier: GPL-2.0
"""tvkms driver core: parameters, topology, modes, formats, fbdev, and
clean load/unload cycles."""
import json
import os
import pathlib

import pytest

import tvkms_util as tv


@pytest.fixture
def tvkms():
    """Load tvkms with the given params; unload after the test and require
    that the test left no kernel splat behind."""
    before = len(tv.dmesg_lines())
    tv.unload()

    def load(**params):
        result = tv.load(**params)
        assert result.returncode == 0, result.stderr
        return tv.card()

    yield load
    tv.unload()
    new = tv.dmesg_lines()[before:]
    assert not tv.splats(new), "\n".join(tv.splats(new))


def drm_info(path):
    out = tv.run("drm_info", "-j", path).stdout
    return json.loads(out)[path]


TOPOLOGIES = [
    dict(),
    dict(crtcs=2, overlays=0, cursor=False, writeback=False),
    dict(crtcs=4, overlays=8),
]


@pytest.mark.parametrize("params", TOPOLOGIES,
                         ids=["defaults", "2crtc-bare", "4crtc-8overlays"])
def test_drm_info_shows_the_configured_topology(tvkms, params):
    crtcs = params.get("crtcs", 1)
    overlays = params.get("overlays", 1)
    cursor = params.get("cursor", True)
    writeback = params.get("writeback", True)
    _, path = tvkms(**params)
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
        for prop in ("zpos", "alpha", "pixel blend mode", "rotation"):
            assert prop in plane["properties"], prop
    kinds = [c["type"] for c in info["connectors"]]
    assert kinds.count(15) == crtcs, "one virtual connector per CRTC"
    assert kinds.count(18) == (crtcs if writeback else 0), "writeback"
    assert len(info["encoders"]) == crtcs * (2 if writeback else 1)
    for connector in info["connectors"]:
        if connector["type"] == 15:
            assert connector["status"] == 1, "virtual connectors connected"


def test_plane_formats_are_the_documented_set(tvkms):
    _, path = tvkms()
    expected = {"XR24", "AR24", "XB24", "AB24", "RG16", "XR48", "AR48"}
    fourcc = {0x34325258: "XR24", 0x34325241: "AR24", 0x34324258: "XB24",
              0x34324241: "AB24", 0x36314752: "RG16", 0x38345258: "XR48",
              0x38345241: "AR48"}
    for plane in drm_info(path)["planes"]:
        assert {fourcc.get(f, hex(f)) for f in plane["formats"]} == expected


@pytest.mark.parametrize("fourcc,bpp", [
    (0x34325258, 32), (0x34325241, 32), (0x34324258, 32), (0x34324241, 32),
    (0x36314752, 16), (0x38345258, 64), (0x38345241, 64)])
def test_addfb2_accepts_each_format_on_a_dumb_buffer(tvkms, fourcc, bpp):
    tvkms()
    with tv.Card() as client:
        assert client.get_cap(tv.CAP_DUMB_BUFFER) == 1
        assert client.dumb_fb(640, 480, fourcc, bpp) > 0


def test_addfb2_refuses_an_unsupported_format(tvkms):
    tvkms()
    with tv.Card() as client:
        with pytest.raises(OSError) as err:
            client.dumb_fb(640, 480, 0x56595559, 16)  # YUYV
        assert err.value.errno == 22


@pytest.mark.parametrize("refresh", [60, 75])
def test_modes_include_standard_preferred_and_extra_rates(tvkms, refresh):
    tvkms(refresh=refresh)
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


def test_parameters_are_read_only_after_load(tvkms):
    tvkms(crtcs=2)
    for name in ("crtcs", "overlays", "cursor", "writeback", "refresh",
                 "fbdev"):
        param = pathlib.Path("/sys/module/tvkms/parameters") / name
        assert param.stat().st_mode & 0o777 == 0o444, name
    assert pathlib.Path("/sys/module/tvkms/parameters/crtcs").read_text() == "2\n"


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
