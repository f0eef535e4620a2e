# SPDX-License-Identifier: GPL-2.0
"""`kmstrace seq TRACE -o FILE.seq`: a recording of raw ids becomes a
symbolic sequence that parses and names objects by type and index."""
import struct
import subprocess

from checker_synth import K

XRGB8888 = 0x34325258
ARGB8888 = 0x34325241
MODE_FLAGS = {"NONBLOCK": 0x200, "ALLOW_MODESET": 0x400, "PAGE_FLIP_EVENT": 0x1,
              "TEST_ONLY": 0x100}
# object ids as a driver might number them
CONN, CRTC0, CRTC1, PRIMARY0, CURSOR0, PRIMARY1 = 30, 40, 41, 50, 52, 55
PROPS = {"CRTC_ID": 1, "MODE_ID": 2, "ACTIVE": 3, "FB_ID": 4, "SRC_W": 5, "SRC_H": 6,
         "CRTC_X": 7, "CRTC_Y": 8}


def mode_blob(w, h, refresh):
    # struct drm_mode_modeinfo: clock, 10 x u16 timings, vrefresh, flags, type, name[32]
    return struct.pack("<I10HIII32s", 65000, w, w + 24, w + 160, w + 320, 0, h, h + 3, h + 9,
                       h + 38, 0, refresh, 0, 0, b"%dx%d" % (w, h))


def recording(path):
    ts = iter(range(10**9, 2 * 10**9, 1000))
    recs = [K.rec_prop_name(next(ts), pid, name) for name, pid in PROPS.items()]
    recs += [K.rec_addfb2(next(ts), 100, 1024, 768, XRGB8888),
             K.rec_addfb2(next(ts), 101, 1024, 768, XRGB8888),
             K.rec_addfb2(next(ts), 102, 64, 64, ARGB8888),
             K.rec_blob(next(ts), 200, mode_blob(1024, 768, 60))]
    P = PROPS
    recs.append(K.rec_atomic(next(ts), MODE_FLAGS["ALLOW_MODESET"] | MODE_FLAGS["PAGE_FLIP_EVENT"], [
        (CONN, [(P["CRTC_ID"], CRTC0)]),
        (CRTC0, [(P["MODE_ID"], 200), (P["ACTIVE"], 1)]),
        (PRIMARY0, [(P["FB_ID"], 100), (P["CRTC_ID"], CRTC0), (P["SRC_W"], 1024 << 16),
                    (P["SRC_H"], 768 << 16)]),
    ]))
    recs.append(K.rec_atomic(next(ts), MODE_FLAGS["NONBLOCK"] | MODE_FLAGS["PAGE_FLIP_EVENT"], [
        (PRIMARY0, [(P["FB_ID"], 101)]),
        (CURSOR0, [(P["FB_ID"], 102), (P["CRTC_ID"], CRTC0), (P["CRTC_X"], (-8) & (2**64 - 1)),
                   (P["CRTC_Y"], 10)]),
    ]))
    recs.append(K.rec_atomic(next(ts), MODE_FLAGS["NONBLOCK"] | MODE_FLAGS["PAGE_FLIP_EVENT"],
                             [(PRIMARY0, [(P["FB_ID"], 100)])], ret=-16))
    recs.append(K.rec_atomic(next(ts), MODE_FLAGS["TEST_ONLY"], [
        (PRIMARY1, [(P["FB_ID"], 100), (P["CRTC_ID"], CRTC1)])], ret=-22))
    K.write_trace(path, recs, meta="kernel=6.1\ndriver=tvkms\ntool=record\n")
    return path


def test_recording_becomes_a_symbolic_sequence(kmstrace, tmp_path):
    out = tmp_path / "rec.seq"
    result = subprocess.run([str(kmstrace), "seq", str(recording(tmp_path / "rec.kmst")), "-o",
                             str(out)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines() == [
        "kmstrace-seq 1",
        "fb fb0 XRGB8888 1024x768 fill=gradient",
        "fb fb1 XRGB8888 1024x768 fill=gradient",
        "fb fb2 ARGB8888 64x64 fill=gradient",
        "commit ALLOW_MODESET PAGE_FLIP_EVENT",
        "\tconnector:0 CRTC_ID=crtc:0",
        "\tcrtc:0 MODE_ID=blob:mode:1024x768@60 ACTIVE=1",
        "\tplane:primary@crtc:0 FB_ID=fb:fb0 CRTC_ID=crtc:0 SRC_W=1024.0 SRC_H=768.0",
        "wait event",
        "commit NONBLOCK PAGE_FLIP_EVENT",
        "\tplane:primary@crtc:0 FB_ID=fb:fb1",
        "\tplane:cursor@crtc:0 FB_ID=fb:fb2 CRTC_ID=crtc:0 CRTC_X=-8 CRTC_Y=10",
        "wait event",
        "commit NONBLOCK PAGE_FLIP_EVENT expect=EBUSY",
        "\tplane:primary@crtc:0 FB_ID=fb:fb0",
        "commit TEST_ONLY expect=EINVAL",
        "\tplane:primary@crtc:1 FB_ID=fb:fb0 CRTC_ID=crtc:1",
    ]
    again = subprocess.run([str(kmstrace), "seq", "--parse", str(out)], capture_output=True,
                           text=True, timeout=30)
    assert again.returncode == 0, again.stderr


def test_recording_without_property_names_is_refused(kmstrace, tmp_path):
    recs = [K.rec_atomic(1000, 0, [(CRTC0, [(3, 1)])])]
    path = tmp_path / "noname.kmst"
    K.write_trace(path, recs)
    result = subprocess.run([str(kmstrace), "seq", str(path)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert "property id 3, whose name was not recorded" in result.stderr


def test_trace_without_recorder_records_is_refused(kmstrace, tmp_path):
    path = tmp_path / "plain.kmst"
    K.write_trace(path, [K.event("HANDLE_VBLANK", 1000, crtc=0)])
    result = subprocess.run([str(kmstrace), "seq", str(path)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert "no recorded atomic commits" in result.stderr


def seq_of(kmstrace, tmp_path, recs, name="r.kmst"):
    path = tmp_path / name
    K.write_trace(path, recs, meta="kernel=6.1\ndriver=tvkms\ntool=record\n")
    return subprocess.run([str(kmstrace), "seq", str(path)], capture_output=True, text=True,
                          timeout=30)


def test_property_name_with_spaces_is_written_with_underscores(kmstrace, tmp_path):
    recs = [K.rec_prop_name(1, 3, "ACTIVE"), K.rec_prop_name(2, 9, "pixel blend mode"),
            K.rec_atomic(3, 0, [(CRTC0, [(3, 1)]), (PRIMARY0, [(9, 2)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 0, result.stderr
    assert "\tplane:0 pixel_blend_mode=2" in result.stdout.splitlines()


def test_property_name_a_sequence_cannot_spell_is_refused(kmstrace, tmp_path):
    # Found by fuzz_seq_record: "SRC=W" was written as `SRC=W=1`, which no parser reads back.
    recs = [K.rec_prop_name(1, 3, "ACTIVE"), K.rec_prop_name(2, 7, "SRC=W"),
            K.rec_atomic(3, 0, [(CRTC0, [(3, 1), (7, 1)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 sets property id 7, whose recorded name cannot "
        "be written in a sequence (1 to 31 printable ASCII characters, no '=', no leading '#')"]


def test_connector_only_ever_detached_is_still_a_connector(kmstrace, tmp_path):
    # Found by fuzz_seq_record: CRTC_ID=0 alone left the object nameless, written as `none`.
    P = PROPS
    recs = [K.rec_prop_name(1, P["CRTC_ID"], "CRTC_ID"), K.rec_prop_name(2, P["ACTIVE"], "ACTIVE"),
            K.rec_atomic(3, MODE_FLAGS["ALLOW_MODESET"],
                         [(CONN, [(P["CRTC_ID"], 0)]), (CRTC0, [(P["ACTIVE"], 0)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["\tconnector:0 CRTC_ID=none", "\tcrtc:0 ACTIVE=0"]


def test_object_of_unknown_kind_is_refused(kmstrace, tmp_path):
    recs = [K.rec_prop_name(1, 3, "max bpc"), K.rec_atomic(2, 0, [(CONN, [(3, 8)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 sets properties of object {CONN}, and no "
        "property it was ever given says whether it is a CRTC, a plane or a connector"]


def test_framebuffer_a_sequence_cannot_declare_is_refused(kmstrace, tmp_path):
    # Found by fuzz_seq_record: `fb fb0 XRGB8888 20000x8` was written, and no parser reads it back.
    recs = [K.rec_addfb2(1, 100, 20000, 8, XRGB8888), K.rec_prop_name(2, 3, "ACTIVE"),
            K.rec_atomic(3, 0, [(CRTC0, [(3, 1)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: record 1: framebuffer 100 is 20000x8; a sequence holds "
        "1 to 16384 pixels each way"]


def test_property_set_twice_in_one_commit_keeps_the_last_value(kmstrace, tmp_path):
    # Found by fuzz_seq_record: both were written on one line, which the parser refuses.
    recs = [K.rec_prop_name(1, 3, "ACTIVE"), K.rec_atomic(2, 0, [(CRTC0, [(3, 1), (3, 0)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "\tcrtc:0 ACTIVE=0"


def test_object_used_as_two_kinds_is_refused(kmstrace, tmp_path):
    # Found by fuzz_seq_record: a CRTC_ID naming a plane was written as `crtc:-1`.
    recs = [K.rec_prop_name(1, 4, "CRTC_ID"), K.rec_prop_name(2, 5, "CRTC_X"),
            K.rec_atomic(3, 0, [(CONN, [(4, CRTC0)]), (CRTC0, [(5, 0)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 uses object {CRTC0} as a plane after using it "
        "as a CRTC"]


def test_mode_a_sequence_cannot_name_is_refused(kmstrace, tmp_path):
    # Found by fuzz_seq_record: a 1024x0 mode was written as blob:mode:1024x0@60.
    recs = [K.rec_prop_name(1, 2, "MODE_ID"), K.rec_blob(2, 200, mode_blob(1024, 0, 60)),
            K.rec_atomic(3, 0, [(CRTC0, [(2, 200)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 uses mode blob 200, a 1024x0 mode at 60 Hz, "
        "which a sequence cannot name (blob:mode:WxH@R, none of them 0)"]


def test_test_only_commit_with_flip_event_is_refused(kmstrace, tmp_path):
    # Found by fuzz_seq_record: written as is, and the parser refuses the pair (DRM always does).
    recs = [K.rec_prop_name(1, 3, "ACTIVE"),
            K.rec_atomic(2, MODE_FLAGS["TEST_ONLY"] | MODE_FLAGS["PAGE_FLIP_EVENT"],
                         [(CRTC0, [(3, 1)])], ret=-22)]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 has TEST_ONLY with PAGE_FLIP_EVENT, which DRM "
        "always refuses and a sequence cannot hold"]


def test_commit_result_that_is_no_errno_is_refused(kmstrace, tmp_path):
    # UBSan in fuzz_seq_record: negating INT_MIN to make it an errno.
    recs = [K.rec_prop_name(1, 3, "ACTIVE"), K.rec_atomic(2, 0, [(CRTC0, [(3, 1)])], ret=-2**31)]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: commit 1 returned -2147483648, which is no errno"]


def test_more_overlays_than_a_sequence_can_name_is_refused(kmstrace, tmp_path):
    # A primary and 65 overlays on crtc:0; the parser reads overlay1 to overlay64.
    P = PROPS
    recs = [K.rec_prop_name(1, P["CRTC_ID"], "CRTC_ID"), K.rec_prop_name(2, P["FB_ID"], "FB_ID"),
            K.rec_addfb2(3, 100, 1024, 768, XRGB8888)]
    planes = range(1000, 1066)
    for first in range(0, len(planes), K.REC_MAX_OBJS):
        recs.append(K.rec_atomic(4, 0, [(plane, [(P["FB_ID"], 100), (P["CRTC_ID"], CRTC0)])
                                        for plane in planes[first:first + K.REC_MAX_OBJS]]))
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmstrace: {tmp_path / 'r.kmst'}: object 1065 would be plane:overlay65@crtc:0, beyond what "
        "a sequence can name (indices up to 255, overlays up to 64)"]


def test_two_small_planes_on_one_crtc_are_an_overlay_and_the_cursor(kmstrace, tmp_path):
    # A primary and two planes that only ever show 64x64 buffers: a CRTC has
    # one cursor, the last plane the driver made; the other small one is an overlay.
    P = PROPS
    recs = [K.rec_prop_name(1, P["CRTC_ID"], "CRTC_ID"), K.rec_prop_name(2, P["FB_ID"], "FB_ID"),
            K.rec_addfb2(3, 100, 1024, 768, XRGB8888), K.rec_addfb2(4, 102, 64, 64, ARGB8888),
            K.rec_atomic(5, 0, [(PRIMARY0, [(P["FB_ID"], 100), (P["CRTC_ID"], CRTC0)]),
                                (51, [(P["FB_ID"], 102), (P["CRTC_ID"], CRTC0)]),
                                (CURSOR0, [(P["FB_ID"], 102), (P["CRTC_ID"], CRTC0)])])]
    result = seq_of(kmstrace, tmp_path, recs)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert [line.split()[0] for line in out if line.startswith("\tplane")] == [
        "plane:primary@crtc:0", "plane:overlay1@crtc:0", "plane:cursor@crtc:0"]
