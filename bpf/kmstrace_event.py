# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The Python mirror of bpf/kmstrace_event.h, for tests that build or read
trace files.

Numbers (event types, commit flags, rules, the format version) are read
from the C header itself when this module is imported, so there is one
definition of them; only the struct layouts are spelled here, as struct
format strings, and their sizes are checked against the header's rules
(64-byte event head).
"""
import pathlib
import re
import struct

HEADER = pathlib.Path(__file__).resolve().parent / "kmstrace_event.h"
_TEXT = HEADER.read_text()


def _enum_body(name):
    match = re.search(r"enum\s+%s\s*\{(.*?)\};" % name, _TEXT, re.S)
    if not match:
        raise ImportError(f"{HEADER}: enum {name} not found")
    return re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.S)


def _parse_enum(name):
    values, current = {}, -1
    for item in _enum_body(name).split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            key, value = (part.strip() for part in item.split("=", 1))
            current = int(value, 0)
        else:
            key, current = item, current + 1
        values[key] = current
    return values


def _parse_defines(prefix):
    return {m.group(1): int(m.group(2), 0)
            for m in re.finditer(r"#define\s+(%s\w+)\s+(0x[0-9a-fA-F]+|\d+)" % prefix, _TEXT)}


EVENT_VERSION = int(re.search(r"#define\s+KMST_EVENT_VERSION\s+(\d+)", _TEXT).group(1))
FILE_MAGIC = re.search(r'#define\s+KMST_FILE_MAGIC\s+"(\w+)"', _TEXT).group(1).encode()

EV = {k[len("KMST_EV_"):]: v for k, v in _parse_enum("kmst_event_type").items()}
PHASE = {k[len("KMST_PH_"):]: v for k, v in _parse_enum("kmst_phase").items()}
SOURCE = {k[len("KMST_SRC_"):]: v for k, v in _parse_enum("kmst_source").items()}
TVKMS_STAGE = {k[len("KMST_TVKMS_STAGE_"):]: v
               for k, v in _parse_enum("kmst_tvkms_stage").items()}
CF = {k[len("KMST_CF_"):]: v for k, v in _parse_defines("KMST_CF_").items()}
# DRM's VBLANK state (KMST_VS_*) and a CRTC's part of a commit (KMST_CS_*)
VS = {k[len("KMST_VS_"):]: v for k, v in _parse_defines("KMST_VS_").items()}
CS = {k[len("KMST_CS_"):]: v for k, v in _parse_defines("KMST_CS_").items()}
HOST_LATENESS_UNKNOWN = int(re.search(r"#define\s+KMST_HOST_LATENESS_UNKNOWN\s+(0x[0-9a-fA-F]+)",
                                      _TEXT).group(1), 16)
RULE_IDS = {k[len("KMST_RULE_"):]: v for k, v in _parse_enum("kmst_rule").items()
            if k != "KMST_RULE_COUNT"}
# rule id string ("tail-order") -> number, from KMST_RULE_NAMES_INIT
RULES = {m.group(2): RULE_IDS[m.group(1)]
         for m in re.finditer(r'\[KMST_RULE_(\w+)\]\s*=\s*"([\w-]+)"', _TEXT)}
EV_MAX = EV["MAX"]

# struct kmst_event: ts_ns type size phase source cpu pid tid commit_id minor
#                    crtc plane connector commit_flags ret aux arg0 arg1
EVENT = struct.Struct("<QHHBBHIIIihhhHiIQQ")
FILE_HEADER = struct.Struct("<8sII")  # magic, version, meta_len
END_TAIL = struct.Struct("<QQ%dQQ" % EV_MAX)  # records, drops_total, drops[], missed_runs
assert EVENT.size == 64, "struct kmst_event is 64 bytes"

FIELDS = ("ts_ns", "type", "size", "phase", "source", "cpu", "pid", "tid", "commit_id",
          "minor", "crtc", "plane", "connector", "commit_flags", "ret", "aux", "arg0", "arg1")


def event(type, ts_ns, phase="POINT", commit=0, crtc=-1, plane=-1, connector=-1, flags=0,
          ret=0, aux=0, arg0=0, arg1=0, minor=0, tid=100, pid=100, cpu=0,
          source="FENTRY"):
    """One 64-byte record. `type` and `phase` are names ("COMMIT_PLANES", "ENTER")."""
    return EVENT.pack(ts_ns, EV[type], EVENT.size, PHASE[phase], SOURCE[source], cpu, pid,
                      tid, commit, minor, crtc, plane, connector, flags, ret, aux,
                      arg0 & (2**64 - 1), arg1 & (2**64 - 1))


def unpack_event(data):
    return dict(zip(FIELDS, EVENT.unpack_from(data)))


def end_record(records, drops=None, missed_runs=0):
    drops = list(drops or [0] * EV_MAX)
    head = EVENT.pack(0, EV["END"], EVENT.size + END_TAIL.size, PHASE["POINT"], SOURCE["USER"],
                      0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, 0)
    return head + END_TAIL.pack(records, sum(drops), *drops, missed_runs)


def write_trace(path, records, meta="kernel=test\ndriver=test\ntool=test\n", end=True,
                drops=None, version=None, missed_runs=0):
    """A trace file: header, metadata, RECORDS (bytes each), END unless end=False."""
    meta_bytes = meta.encode()
    meta_bytes += b"\0" * (-len(meta_bytes) % 8)
    with open(path, "wb") as out:
        out.write(FILE_HEADER.pack(FILE_MAGIC, EVENT_VERSION if version is None else version,
                                   len(meta_bytes)))
        out.write(meta_bytes)
        for record in records:
            out.write(record)
        if end:
            out.write(end_record(len(records), drops, missed_runs))


# ---- recorder records (struct kmst_rec_*) ----
REC_MAX_OBJS = int(re.search(r"#define\s+KMST_REC_MAX_OBJS\s+(\d+)", _TEXT).group(1))
REC_MAX_PROPS = int(re.search(r"#define\s+KMST_REC_MAX_PROPS\s+(\d+)", _TEXT).group(1))
REC_MAX_BLOB = int(re.search(r"#define\s+KMST_REC_MAX_BLOB\s+(\d+)", _TEXT).group(1))
REC_NAME_LEN = int(re.search(r"#define\s+KMST_REC_NAME_LEN\s+(\d+)", _TEXT).group(1))
REC_ATOMIC = struct.Struct("<IIIIQ%dI%dI%dI%dQ" % (REC_MAX_OBJS, REC_MAX_OBJS, REC_MAX_PROPS,
                                                  REC_MAX_PROPS))
REC_ADDFB2 = struct.Struct("<IIIII4I4I4II4Q")
REC_BLOB = struct.Struct("<II%ds" % REC_MAX_BLOB)
REC_PROP_NAME = struct.Struct("<%ds" % REC_NAME_LEN)


def _record(type, ts_ns, body, **head):
    size = EVENT.size + len(body)
    assert size % 8 == 0, f"{type} record of {size} bytes"
    return event(type, ts_ns, **head)[:2 + 8] + struct.pack("<H", size) + \
        event(type, ts_ns, **head)[12:] + body


def rec_atomic(ts_ns, flags, objects, user_data=0, ret=0, **head):
    """objects: [(obj_id, [(prop_id, value), ...]), ...]"""
    obj_ids = [o for o, _ in objects]
    counts = [len(props) for _, props in objects]
    pairs = [p for _, props in objects for p in props]
    body = REC_ATOMIC.pack(flags, len(obj_ids), len(pairs), 0, user_data,
                           *(obj_ids + [0] * (REC_MAX_OBJS - len(obj_ids))),
                           *(counts + [0] * (REC_MAX_OBJS - len(counts))),
                           *([p for p, _ in pairs] + [0] * (REC_MAX_PROPS - len(pairs))),
                           *([v for _, v in pairs] + [0] * (REC_MAX_PROPS - len(pairs))))
    return _record("REC_ATOMIC", ts_ns, body, ret=ret, **head)


def rec_addfb2(ts_ns, fb_id, width, height, fourcc, **head):
    body = REC_ADDFB2.pack(fb_id, width, height, fourcc, 0, *([0] * 12), 0, *([0] * 4))
    return _record("REC_ADDFB2", ts_ns, body, **head)


def rec_blob(ts_ns, blob_id, data, **head):
    return _record("REC_CREATEPROPBLOB", ts_ns, REC_BLOB.pack(blob_id, len(data), data), **head)


def rec_prop_name(ts_ns, prop_id, name, **head):
    return _record("REC_PROPERTY_NAME", ts_ns, REC_PROP_NAME.pack(name.encode()), arg0=prop_id,
                   **head)
