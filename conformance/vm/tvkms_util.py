# SPDX-License-Identifier: GPL-2.0
"""Helpers for the in-guest tvkms tests: load/unload the module, find its
card and debugfs directory, read the kernel log, and a minimal legacy-KMS
client (dumb buffers, SETCRTC, page flips with events, WAIT_VBLANK) built on
ioctl(2), so tests can count events and VBLANKs themselves."""
import contextlib
import ctypes
import fcntl
import mmap
import os
import pathlib
import re
import select
import struct
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELEASE = os.environ.get("KMST_KERNEL_RELEASE", os.uname().release)
MODULE = ROOT / ".output" / "module" / RELEASE / "tvkms.ko"
DEBUGFS = pathlib.Path("/sys/kernel/debug/tvkms")
TRACEFS = pathlib.Path("/sys/kernel/tracing")
SPLAT = re.compile(r"WARNING:|BUG:|Oops|general protection|kernel BUG|"
                   r"UBSAN:|KASAN:|possible circular locking|"
                   r"possible recursive locking|inconsistent lock state|"
                   r"refcount_t:|list_(add|del) corruption|"
                   r"flip_done timed out|hw_done timed out")


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def dmesg_lines():
    return run("dmesg").stdout.splitlines()


def splats(lines):
    return [line for line in lines if SPLAT.search(line)]


# PREEMPT_RT lets a task preempt a running BPF program; a second run of
# that program on the CPU meanwhile is skipped by the kernel and counted,
# and kmstrace calls such a trace incomplete (exit 2, never a pass). On
# these kernels a test that needs a whole recording makes a new one.
PREEMPT_RT = "PREEMPT_RT" in os.uname().version
LOST_RUNS = "incomplete trace: the kernel skipped"
RECORDING_ATTEMPTS = 3 if PREEMPT_RT else 1


def lost_tracer_runs(kmstrace, trace):
    """Whether the trace lacks records of tracer runs the kernel skipped."""
    result = subprocess.run([str(kmstrace), "check", str(trace)],
                            capture_output=True, text=True, timeout=300)
    return LOST_RUNS in result.stderr


def is_loaded():
    return pathlib.Path("/sys/module/tvkms").exists()


def load(**params):
    """insmod tvkms with params; returns the CompletedProcess (not checked)."""
    assert MODULE.exists(), f"{MODULE} is not built: run make -C module"
    deps = run("modinfo", "-F", "depends", str(MODULE)).stdout.strip()
    for dep in filter(None, deps.split(",")):
        run("modprobe", dep)
    args = [f"{k}={int(v) if isinstance(v, bool) else v}"
            for k, v in params.items()]
    return run("insmod", str(MODULE), *args, check=False)


def unload():
    if is_loaded():
        result = run("rmmod", "tvkms", check=False)
        assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def session():
    """Yields a load(**params) -> (card name, /dev/dri path) that insmods
    tvkms and requires success; on exit unloads tvkms and requires that the
    kernel log gained no splat since the session began, unload included.
    Tests share a session through module-scoped fixtures: loads are slow
    under TCG."""
    before = len(dmesg_lines())
    unload()

    def load_checked(**params):
        result = load(**params)
        assert result.returncode == 0, result.stderr
        return card()

    yield load_checked
    unload()
    new = dmesg_lines()[before:]
    assert not splats(new), "\n".join(splats(new))


def card():
    """(card name, /dev/dri path) of the tvkms device, found by driver."""
    for dev in sorted(pathlib.Path("/sys/class/drm").glob("card[0-9]*")):
        if "-" in dev.name:
            continue
        driver = dev / "device" / "driver"
        if driver.exists() and os.path.basename(os.readlink(driver)) == "tvkms":
            return dev.name, f"/dev/dri/{dev.name}"
    raise AssertionError("no tvkms card in /sys/class/drm")


def debugfs_dir():
    return DEBUGFS / card()[0]


def write_knob(text):
    """Write one line to the faults file; returns 0 or the errno."""
    fd = os.open(debugfs_dir() / "faults", os.O_WRONLY)
    try:
        os.write(fd, text.encode())
        return 0
    except OSError as err:
        return err.errno
    finally:
        os.close(fd)


def read_knobs():
    text = (debugfs_dir() / "faults").read_text()
    return dict(line.split("=", 1) for line in text.splitlines())


def crtc_stats(name):
    """A per-CRTC debugfs file of tvkms ("crtcN key=value ..." lines):
    {crtc index: {field: int}}."""
    stats = {}
    for line in (debugfs_dir() / name).read_text().splitlines():
        crtc, *fields = line.split()
        stats[int(crtc[4:])] = {k: int(v) for k, v in
                                (f.split("=") for f in fields)}
    return stats


def vblank_stats():
    """debugfs vblank file: {crtc index: {field: int}}."""
    return crtc_stats("vblank")


def composer_stats():
    """debugfs composer file: {crtc index: {field: int}} (frames composed,
    VBLANKs a late frame missed, CRC entries, writebacks, ...)."""
    return crtc_stats("composer")


@contextlib.contextmanager
def composer_delay(microseconds):
    """Each composer work sleeps this long before it takes its frame, as
    if the composer were behind (debugfs composer_delay_us); 0 again after."""
    knob = debugfs_dir() / "composer_delay_us"
    knob.write_text(f"{microseconds}\n")
    try:
        yield
    finally:
        knob.write_text("0\n")


# ---- the DRM uapi, as much as the tests use ----

def _iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("d") << 8) | nr


MODEINFO = struct.Struct("=I10HIII32s")  # struct drm_mode_modeinfo, 68 bytes
CARD_RES = struct.Struct("=4Q8I")
GET_CONNECTOR = struct.Struct("=4Q12I")
CREATE_DUMB = struct.Struct("=6IQ")
FB_CMD2 = struct.Struct("=5I4I4I4I4x4Q")
SET_CRTC = struct.Struct("=QIIIIIII68s")
PAGE_FLIP = struct.Struct("=IIIIQ")
WAIT_VBLANK = struct.Struct("=IIqq")
GET_CAP = struct.Struct("=QQ")
EVENT_VBLANK = struct.Struct("=IIQIIII")

IOCTL_GET_CAP = _iowr(0x0C, GET_CAP.size)
IOCTL_WAIT_VBLANK = _iowr(0x3A, WAIT_VBLANK.size)
IOCTL_GETRESOURCES = _iowr(0xA0, CARD_RES.size)
IOCTL_GETCRTC = _iowr(0xA1, SET_CRTC.size)
IOCTL_SETCRTC = _iowr(0xA2, SET_CRTC.size)
IOCTL_GETCONNECTOR = _iowr(0xA7, GET_CONNECTOR.size)
IOCTL_PAGE_FLIP = _iowr(0xB0, PAGE_FLIP.size)
IOCTL_CREATE_DUMB = _iowr(0xB2, CREATE_DUMB.size)
MAP_DUMB = struct.Struct("=IIQ")
IOCTL_MAP_DUMB = _iowr(0xB3, MAP_DUMB.size)
IOCTL_ADDFB2 = _iowr(0xB8, FB_CMD2.size)
CLIENT_CAP = struct.Struct("=QQ")
PLANE_RES = struct.Struct("=QI4x")
OBJ_PROPS = struct.Struct("=QQIII4x")
GET_PROPERTY = struct.Struct("=QQII32sII")
PROPERTY_ENUM = struct.Struct("=Q32s")  # struct drm_mode_property_enum
ATOMIC = struct.Struct("=II6Q")
IOCTL_SET_CLIENT_CAP = _iowr(0x0D, CLIENT_CAP.size)
IOCTL_GETPLANERESOURCES = _iowr(0xB5, PLANE_RES.size)
IOCTL_OBJ_GETPROPERTIES = _iowr(0xB9, OBJ_PROPS.size)
IOCTL_GETPROPERTY = _iowr(0xAA, GET_PROPERTY.size)
IOCTL_ATOMIC = _iowr(0xBC, ATOMIC.size)
GET_PLANE = struct.Struct("=6IQ")
CREATE_BLOB = struct.Struct("=QII")
DESTROY_BLOB = struct.Struct("=I")
GET_BLOB = struct.Struct("=IIQ")
CRTC_LUT = struct.Struct("=IIQQQ")
IOCTL_GETGAMMA = _iowr(0xA4, CRTC_LUT.size)
IOCTL_SETGAMMA = _iowr(0xA5, CRTC_LUT.size)
IOCTL_GETPROPBLOB = _iowr(0xAC, GET_BLOB.size)
IOCTL_GETPLANE = _iowr(0xB6, GET_PLANE.size)
IOCTL_CREATEPROPBLOB = _iowr(0xBD, CREATE_BLOB.size)
IOCTL_DESTROYPROPBLOB = _iowr(0xBE, DESTROY_BLOB.size)
CLIENT_CAP_UNIVERSAL_PLANES = 2
CLIENT_CAP_ATOMIC = 3
CLIENT_CAP_WRITEBACK_CONNECTORS = 5
OBJECT_PLANE = 0xEEEEEEEE
OBJECT_CRTC = 0xCCCCCCCC
OBJECT_CONNECTOR = 0xC0C0C0C0
PLANE_TYPE_OVERLAY, PLANE_TYPE_PRIMARY, PLANE_TYPE_CURSOR = 0, 1, 2
CAP_CURSOR_WIDTH = 0x8
CAP_CURSOR_HEIGHT = 0x9
ATOMIC_TEST_ONLY = 0x0100

PAGE_FLIP_EVENT = 0x01
EVENT_FLIP_COMPLETE = 0x02
VBLANK_ABSOLUTE = 0x0
VBLANK_RELATIVE = 0x1
VBLANK_HIGH_CRTC_SHIFT = 1
FORMAT_XRGB8888 = 0x34325258
FORMAT_ARGB8888 = 0x34325241
CAP_DUMB_BUFFER = 0x1


MODE_FIELDS = ("clock", "hdisplay", "hsync_start", "hsync_end", "htotal",
               "hskew", "vdisplay", "vsync_start", "vsync_end", "vtotal",
               "vscan", "vrefresh", "flags", "type", "name")


class Mode:
    def __init__(self, raw):
        self.raw = raw
        f = MODEINFO.unpack(raw)
        self.clock, self.hdisplay, self.htotal = f[0], f[1], f[4]
        self.vdisplay, self.vtotal = f[6], f[9]
        self.vrefresh, self.flags, self.type = f[11], f[12], f[13]
        self.name = f[14].split(b"\0")[0].decode()

    @property
    def exact_refresh(self):
        return self.clock * 1000.0 / (self.htotal * self.vtotal)

    @property
    def preferred(self):
        return bool(self.type & 0x8)

    def changed(self, **fields):
        """A copy of this mode with some struct drm_mode_modeinfo fields
        replaced (names as in MODE_FIELDS)."""
        values = list(MODEINFO.unpack(self.raw))
        for name, value in fields.items():
            values[MODE_FIELDS.index(name)] = value
        return Mode(MODEINFO.pack(*values))


def _array(count, fmt="I"):
    return (ctypes.c_uint32 * max(count, 1))() if fmt == "I" else \
        (ctypes.c_uint64 * max(count, 1))()


class Card:
    """A client of the tvkms card: the first opener is DRM master."""

    def __init__(self, path=None):
        self.path = path or card()[1]
        self.fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ioctl(self, request, buf):
        buf = bytearray(buf)
        fcntl.ioctl(self.fd, request, buf, True)
        return bytes(buf)

    def get_cap(self, cap):
        return GET_CAP.unpack(self.ioctl(IOCTL_GET_CAP,
                                         GET_CAP.pack(cap, 0)))[1]

    def resources(self):
        counts = CARD_RES.unpack(self.ioctl(IOCTL_GETRESOURCES,
                                            bytes(CARD_RES.size)))
        crtcs, connectors = _array(counts[5]), _array(counts[6])
        fbs, encoders = _array(counts[4]), _array(counts[7])
        self.ioctl(IOCTL_GETRESOURCES, CARD_RES.pack(
            ctypes.addressof(fbs), ctypes.addressof(crtcs),
            ctypes.addressof(connectors), ctypes.addressof(encoders),
            counts[4], counts[5], counts[6], counts[7], 0, 0, 0, 0))
        return list(crtcs)[:counts[5]], list(connectors)[:counts[6]]

    def connector(self, connector_id):
        """(connection, modes) after a full probe."""
        head = GET_CONNECTOR.pack(0, 0, 0, 0, 0, 0, 0, 0, connector_id,
                                  0, 0, 0, 0, 0, 0, 0)
        f = GET_CONNECTOR.unpack(self.ioctl(IOCTL_GETCONNECTOR, head))
        count_modes = f[4]
        modes = ctypes.create_string_buffer(MODEINFO.size * max(count_modes, 1))
        f = GET_CONNECTOR.unpack(self.ioctl(IOCTL_GETCONNECTOR, GET_CONNECTOR.pack(
            0, ctypes.addressof(modes), 0, 0, count_modes, 0, 0, 0,
            connector_id, 0, 0, 0, 0, 0, 0, 0)))
        raw = modes.raw
        return f[11], [Mode(raw[i * MODEINFO.size:(i + 1) * MODEINFO.size])
                       for i in range(min(count_modes, f[4]))]

    def dumb_fb(self, width, height, fourcc=FORMAT_XRGB8888, bpp=32):
        f = CREATE_DUMB.unpack(self.ioctl(IOCTL_CREATE_DUMB, CREATE_DUMB.pack(
            height, width, bpp, 0, 0, 0, 0)))
        handle, pitch = f[4], f[5]
        f = FB_CMD2.unpack(self.ioctl(IOCTL_ADDFB2, FB_CMD2.pack(
            0, width, height, fourcc, 0, handle, 0, 0, 0,
            pitch, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        return f[0]

    def image_fb(self, width, height, fourcc, cpp, rows):
        """A dumb-buffer fb of fourcc whose row y holds rows[y] (bytes of
        width * cpp; shorter rows and missing rows stay zero)."""
        f = CREATE_DUMB.unpack(self.ioctl(IOCTL_CREATE_DUMB, CREATE_DUMB.pack(
            height, width, cpp * 8, 0, 0, 0, 0)))
        handle, pitch, size = f[4], f[5], f[6]
        offset = MAP_DUMB.unpack(self.ioctl(IOCTL_MAP_DUMB, MAP_DUMB.pack(
            handle, 0, 0)))[2]
        with mmap.mmap(self.fd, size, mmap.MAP_SHARED,
                       mmap.PROT_READ | mmap.PROT_WRITE,
                       offset=offset) as mem:
            for y, row in enumerate(rows):
                mem[y * pitch:y * pitch + len(row)] = row
        f = FB_CMD2.unpack(self.ioctl(IOCTL_ADDFB2, FB_CMD2.pack(
            0, width, height, fourcc, 0, handle, 0, 0, 0,
            pitch, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        return f[0]

    def dumb(self, width, height, cpp):
        """A dumb buffer: (handle, pitch, size)."""
        f = CREATE_DUMB.unpack(self.ioctl(IOCTL_CREATE_DUMB, CREATE_DUMB.pack(
            height, width, cpp * 8, 0, 0, 0, 0)))
        return f[4], f[5], f[6]

    def addfb2(self, width, height, fourcc, handle, pitch):
        """ADDFB2 of one linear plane; raises OSError with the errno."""
        return self.addfb2_planes(width, height, fourcc, [handle], [pitch],
                                  [0])

    def addfb2_planes(self, width, height, fourcc, handles, pitches,
                      offsets):
        """ADDFB2 of up to four linear planes (lists, one entry a plane);
        returns the fb id or raises OSError with the errno."""
        def four(values):
            return list(values) + [0] * (4 - len(values))
        f = FB_CMD2.unpack(self.ioctl(IOCTL_ADDFB2, FB_CMD2.pack(
            0, width, height, fourcc, 0, *four(handles), *four(pitches),
            *four(offsets), 0, 0, 0, 0)))
        return f[0]

    def framebuffers(self):
        """The ids of the fbs this client created (GETRESOURCES)."""
        count = CARD_RES.unpack(self.ioctl(IOCTL_GETRESOURCES,
                                           bytes(CARD_RES.size)))[4]
        fbs = _array(count)
        self.ioctl(IOCTL_GETRESOURCES, CARD_RES.pack(
            ctypes.addressof(fbs), 0, 0, 0, count, 0, 0, 0, 0, 0, 0, 0))
        return list(fbs)[:count]

    def map_dumb(self, handle, size):
        """A shared read-write mmap of a dumb buffer (caller closes it)."""
        offset = MAP_DUMB.unpack(self.ioctl(IOCTL_MAP_DUMB, MAP_DUMB.pack(
            handle, 0, 0)))[2]
        return mmap.mmap(self.fd, size, mmap.MAP_SHARED,
                         mmap.PROT_READ | mmap.PROT_WRITE, offset=offset)

    def set_crtc(self, crtc_id, connector_id, fb_id, mode):
        conns = _array(1)
        conns[0] = connector_id
        self.ioctl(IOCTL_SETCRTC, SET_CRTC.pack(
            ctypes.addressof(conns), 1, crtc_id, fb_id, 0, 0, 0, 1, mode.raw))

    def get_crtc(self, crtc_id):
        """(fb id, mode or None) the CRTC scans out now."""
        f = SET_CRTC.unpack(self.ioctl(IOCTL_GETCRTC, SET_CRTC.pack(
            0, 0, crtc_id, 0, 0, 0, 0, 0, bytes(MODEINFO.size))))
        return f[3], (Mode(f[8]) if f[7] else None)

    def disable_crtc(self, crtc_id):
        self.ioctl(IOCTL_SETCRTC, SET_CRTC.pack(0, 0, crtc_id, 0, 0, 0, 0, 0,
                                                bytes(MODEINFO.size)))

    def enable_atomic(self):
        for cap in (CLIENT_CAP_UNIVERSAL_PLANES, CLIENT_CAP_ATOMIC):
            self.ioctl(IOCTL_SET_CLIENT_CAP, CLIENT_CAP.pack(cap, 1))

    def enable_writeback(self):
        """Writeback connectors are listed only to clients that ask."""
        self.enable_atomic()
        self.ioctl(IOCTL_SET_CLIENT_CAP,
                   CLIENT_CAP.pack(CLIENT_CAP_WRITEBACK_CONNECTORS, 1))

    def planes(self):
        """All plane ids (universal planes: primary and cursor included)."""
        self.enable_atomic()
        count = PLANE_RES.unpack(self.ioctl(IOCTL_GETPLANERESOURCES,
                                            bytes(PLANE_RES.size)))[1]
        ids = _array(count)
        self.ioctl(IOCTL_GETPLANERESOURCES,
                   PLANE_RES.pack(ctypes.addressof(ids), count))
        return list(ids)[:count]

    def property_id(self, obj_id, obj_type, name):
        count = OBJ_PROPS.unpack(self.ioctl(IOCTL_OBJ_GETPROPERTIES, OBJ_PROPS.pack(
            0, 0, 0, obj_id, obj_type)))[2]
        ids, values = _array(count), _array(count, "Q")
        self.ioctl(IOCTL_OBJ_GETPROPERTIES, OBJ_PROPS.pack(
            ctypes.addressof(ids), ctypes.addressof(values), count, obj_id,
            obj_type))
        for prop_id in list(ids)[:count]:
            f = GET_PROPERTY.unpack(self.ioctl(IOCTL_GETPROPERTY, GET_PROPERTY.pack(
                0, 0, prop_id, 0, bytes(32), 0, 0)))
            if f[4].split(b"\0")[0].decode() == name:
                return prop_id
        raise AssertionError(f"object {obj_id} has no property {name}")

    def property_enums(self, obj_id, obj_type, name):
        """{enum name: value} of an enum property of a KMS object."""
        prop_id = self.property_id(obj_id, obj_type, name)
        count = GET_PROPERTY.unpack(self.ioctl(IOCTL_GETPROPERTY, GET_PROPERTY.pack(
            0, 0, prop_id, 0, bytes(32), 0, 0)))[6]
        values = _array(count, "Q")
        enums = ctypes.create_string_buffer(PROPERTY_ENUM.size * max(count, 1))
        self.ioctl(IOCTL_GETPROPERTY, GET_PROPERTY.pack(
            ctypes.addressof(values), ctypes.addressof(enums), prop_id, 0,
            bytes(32), count, count))
        entries = (PROPERTY_ENUM.unpack_from(enums.raw, i * PROPERTY_ENUM.size)
                   for i in range(count))
        return {label.split(b"\0")[0].decode(): value
                for value, label in entries}

    def properties(self, obj_id, obj_type):
        """{name: (property id, value)} of a KMS object."""
        count = OBJ_PROPS.unpack(self.ioctl(IOCTL_OBJ_GETPROPERTIES, OBJ_PROPS.pack(
            0, 0, 0, obj_id, obj_type)))[2]
        ids, values = _array(count), _array(count, "Q")
        self.ioctl(IOCTL_OBJ_GETPROPERTIES, OBJ_PROPS.pack(
            ctypes.addressof(ids), ctypes.addressof(values), count, obj_id,
            obj_type))
        props = {}
        for prop_id, value in zip(list(ids)[:count], list(values)[:count]):
            f = GET_PROPERTY.unpack(self.ioctl(IOCTL_GETPROPERTY, GET_PROPERTY.pack(
                0, 0, prop_id, 0, bytes(32), 0, 0)))
            props[f[4].split(b"\0")[0].decode()] = (prop_id, value)
        return props

    def plane_formats(self, plane_id):
        """The fourccs a plane lists (GETPLANE's format list)."""
        count = GET_PLANE.unpack(self.ioctl(IOCTL_GETPLANE, GET_PLANE.pack(
            plane_id, 0, 0, 0, 0, 0, 0)))[5]
        formats = _array(count)
        self.ioctl(IOCTL_GETPLANE, GET_PLANE.pack(
            plane_id, 0, 0, 0, 0, count, ctypes.addressof(formats)))
        return list(formats)[:count]

    def create_blob(self, data):
        """A property blob holding the bytes data; returns its id."""
        buf = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
        return CREATE_BLOB.unpack(self.ioctl(IOCTL_CREATEPROPBLOB,
                                             CREATE_BLOB.pack(
                                                 ctypes.addressof(buf),
                                                 len(data), 0)))[2]

    def destroy_blob(self, blob_id):
        self.ioctl(IOCTL_DESTROYPROPBLOB, DESTROY_BLOB.pack(blob_id))

    def blob(self, blob_id):
        """The bytes of a property blob."""
        length = GET_BLOB.unpack(self.ioctl(IOCTL_GETPROPBLOB, GET_BLOB.pack(
            blob_id, 0, 0)))[1]
        buf = ctypes.create_string_buffer(max(length, 1))
        self.ioctl(IOCTL_GETPROPBLOB, GET_BLOB.pack(
            blob_id, length, ctypes.addressof(buf)))
        return buf.raw[:length]

    def gamma_size(self, crtc_id):
        """The CRTC's legacy gamma size (GETCRTC)."""
        return SET_CRTC.unpack(self.ioctl(IOCTL_GETCRTC, SET_CRTC.pack(
            0, 0, crtc_id, 0, 0, 0, 0, 0, bytes(MODEINFO.size))))[6]

    def set_gamma(self, crtc_id, red, green, blue):
        """Legacy SETGAMMA of three tables of 16-bit entries."""
        size = len(red)
        tables = [(ctypes.c_uint16 * size)(*t) for t in (red, green, blue)]
        self.ioctl(IOCTL_SETGAMMA, CRTC_LUT.pack(
            crtc_id, size, *(ctypes.addressof(t) for t in tables)))

    def get_gamma(self, crtc_id, size):
        """Legacy GETGAMMA: (red, green, blue) tables of size entries."""
        tables = [(ctypes.c_uint16 * size)() for _ in range(3)]
        self.ioctl(IOCTL_GETGAMMA, CRTC_LUT.pack(
            crtc_id, size, *(ctypes.addressof(t) for t in tables)))
        return tuple(list(t) for t in tables)

    def planes_of_type(self, plane_type):
        return [p for p in self.planes()
                if self.properties(p, OBJECT_PLANE)["type"][1] == plane_type]

    def atomic(self, objects, flags=0):
        """One atomic commit: objects is [(obj_id, obj_type, {property
        name: value})]; raises OSError with the kernel's errno."""
        self.enable_atomic()
        obj_ids, counts, prop_ids, prop_values = [], [], [], []
        for obj_id, obj_type, values in objects:
            props = self.properties(obj_id, obj_type)
            obj_ids.append(obj_id)
            counts.append(len(values))
            for name, value in values.items():
                prop_ids.append(props[name][0])
                prop_values.append(value)
        objs, cnts = _array(len(obj_ids)), _array(len(obj_ids))
        props, vals = _array(len(prop_ids)), _array(len(prop_ids), "Q")
        objs[:len(obj_ids)], cnts[:len(obj_ids)] = obj_ids, counts
        props[:len(prop_ids)], vals[:len(prop_ids)] = prop_ids, prop_values
        self.ioctl(IOCTL_ATOMIC, ATOMIC.pack(
            flags, len(obj_ids), ctypes.addressof(objs),
            ctypes.addressof(cnts), ctypes.addressof(props),
            ctypes.addressof(vals), 0, 0))

    def test_only_flip(self, plane_id, fb_id):
        """A TEST_ONLY atomic commit setting the plane's FB_ID."""
        self.enable_atomic()
        prop = self.property_id(plane_id, OBJECT_PLANE, "FB_ID")
        objs, counts, props = _array(1), _array(1), _array(1)
        values = _array(1, "Q")
        objs[0], counts[0], props[0], values[0] = plane_id, 1, prop, fb_id
        self.ioctl(IOCTL_ATOMIC, ATOMIC.pack(
            ATOMIC_TEST_ONLY, 1, ctypes.addressof(objs),
            ctypes.addressof(counts), ctypes.addressof(props),
            ctypes.addressof(values), 0, 0))

    def page_flip(self, crtc_id, fb_id, user_data):
        self.ioctl(IOCTL_PAGE_FLIP, PAGE_FLIP.pack(
            crtc_id, fb_id, PAGE_FLIP_EVENT, 0, user_data))

    def read_events(self, timeout, count=None):
        """Flip-complete events read within timeout seconds, or until
        `count` arrived: a list of (user_data, sequence, time s, crtc_id)."""
        events = []
        deadline = time.monotonic() + timeout
        while count is None or len(events) < count:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                break
            data = os.read(self.fd, 4096)
            off = 0
            while off + 8 <= len(data):
                etype, length = struct.unpack_from("=II", data, off)
                if etype == EVENT_FLIP_COMPLETE:
                    f = EVENT_VBLANK.unpack_from(data, off)
                    events.append((f[2], f[5], f[3] + f[4] / 1e6, f[6]))
                off += length
        return events

    def vblank(self, crtc_index, relative=0, absolute=None):
        """Wait `relative` VBLANKs (0 = none), or until VBLANK sequence
        `absolute`; (sequence, timestamp in s)."""
        kind, value = VBLANK_RELATIVE, relative
        if absolute is not None:
            kind, value = VBLANK_ABSOLUTE, absolute
        request = kind | (crtc_index << VBLANK_HIGH_CRTC_SHIFT)
        f = WAIT_VBLANK.unpack(self.ioctl(IOCTL_WAIT_VBLANK, WAIT_VBLANK.pack(
            request, value, 0, 0)))
        return f[1], f[2] + f[3] / 1e6


def find_mode(modes, name, refresh):
    for mode in modes:
        if mode.name == name and round(mode.exact_refresh) == refresh:
            return mode
    raise AssertionError(f"no mode {name}@{refresh} in "
                         f"{[(m.name, m.vrefresh) for m in modes]}")


class Pipe:
    """A lit CRTC: mode set on connector N / CRTC N with two framebuffers."""

    def __init__(self, client, index, name="1024x768", refresh=60):
        crtcs, connectors = client.resources()
        self.client = client
        self.index = index
        self.crtc_id = crtcs[index]
        self.connector_id = connectors[index]
        _, modes = client.connector(self.connector_id)
        self.mode = find_mode(modes, name, refresh)
        self.fbs = [client.dumb_fb(self.mode.hdisplay, self.mode.vdisplay)
                    for _ in range(2)]
        client.set_crtc(self.crtc_id, self.connector_id, self.fbs[0],
                        self.mode)
        self.flips = 0

    def flip(self, user_data):
        self.flips += 1
        self.client.page_flip(self.crtc_id, self.fbs[self.flips % 2],
                              user_data)


class Trace:
    """ftrace events of a trace system, for counting what the kernel did."""

    def __init__(self, *events):
        self.events = events

    def __enter__(self):
        (TRACEFS / "tracing_on").write_text("0")
        (TRACEFS / "trace").write_text("")
        for event in self.events:
            (TRACEFS / "events" / event / "enable").write_text("1")
        (TRACEFS / "tracing_on").write_text("1")
        return self

    def __exit__(self, *exc):
        (TRACEFS / "tracing_on").write_text("0")
        for event in self.events:
            (TRACEFS / "events" / event / "enable").write_text("0")

    def lines(self, name):
        text = (TRACEFS / "trace").read_text()
        return [line for line in text.splitlines()
                if not line.startswith("#") and f" {name}:" in line]
