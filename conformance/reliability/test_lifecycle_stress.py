# SPDX-License-Identifier: GPL-2.0
"""Lifecycle stress of tvkms, run in the guest by `make reliability`
(ci/reliability), not by make check: 200 load/unload cycles over varying
topologies; unbind while nonblocking flips are pending on every CRTC;
clients holding fds and dumb-buffer mmaps across the unplug and using them
after; the tracers attached and detached while commits run. None of it may
put a splat in the kernel log. Debian's kernels have no kmemleak
(CONFIG_DEBUG_KMEMLEAK is not set), so leaks are looked for in
/proc/slabinfo: the report (KMST_STRESS_REPORT, JSON) lists the slab
deltas over the whole run and every cache that grew by at least one
object per cycle. /proc/slabinfo counts a CPU's current slab as in use,
so a cache can seem to grow by a slab's worth of objects that nothing
holds. The exact ledger is SLUB's own allocation tracking, the kmemleak
equivalent Debian's kernels allow (CONFIG_SLUB_DEBUG=y): booted with
slub_debug=U (ci/reliability does), the kernel keeps each object's
allocation site, and debugfs slab/CACHE/alloc_traces counts the live
objects per site. A site holding at least one more live object per cycle
after the stress is a leak, and fails the run."""
import errno
import json
import mmap
import os
import pathlib
import re
import struct
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "conformance" / "vm"))
import tvkms_util as tv  # noqa: E402

# KMST_STRESS_MODULE: another tvkms.ko to stress (ci/reliability-guest's
# ledger round: a leak mutant, which must fail the ledger).
if os.environ.get("KMST_STRESS_MODULE"):
    tv.MODULE = pathlib.Path(os.environ["KMST_STRESS_MODULE"])
CYCLES = int(os.environ.get("KMST_STRESS_CYCLES", "200"))
# Each attach verifies and loads every BPF program: 15-20 s under TCG.
ATTACHES = int(os.environ.get("KMST_STRESS_ATTACHES", "5"))
REPORT = os.environ.get("KMST_STRESS_REPORT")
UNBIND = pathlib.Path("/sys/bus/platform/drivers/tvkms/unbind")
KMSTRACE = ROOT / ".output" / "harness" / "kmstrace"
MAP_DUMB = struct.Struct("=IIQ")
IOCTL_MAP_DUMB = tv._iowr(0xB3, MAP_DUMB.size)
# (crtcs, overlays, cursor, writeback, refresh): the topologies cycled through
TOPOLOGIES = [(c, o, cur, wb, r) for c in (1, 2, 3, 4) for o in (0, 1, 3) for cur in (0, 1)
              for wb in (0, 1) for r in (30, 60, 1000)]
results = {}


def slabinfo():
    """{cache: (objects in use, their bytes)} from /proc/slabinfo. Its
    num_objs counts whole slabs (a kmalloc-8 slab is 512 objects), so one
    more slab page looked like 512 leaked objects: active_objs is what is
    allocated."""
    caches = {}
    for line in pathlib.Path("/proc/slabinfo").read_text().splitlines()[2:]:
        f = line.split()
        caches[f[0]] = (int(f[1]), int(f[1]) * int(f[3]))
    return caches


ALLOC_TRACES = pathlib.Path("/sys/kernel/debug/slab")
# "     23 __kernfs_new_node+0x40/0x200 [kernfs] age=... pid=..." (the stack follows, indented)
ALLOC_SITE = re.compile(r"^\s*(\d+) (\S+)( \[\w+\])?")


def alloc_sites():
    """{(cache, allocation site): live objects} from SLUB's debugfs
    alloc_traces, or None when no cache tracks its users (booted without
    slub_debug=U). A site in a module that is no longer loaded prints as a
    bare address: it is named "unloaded module", never printed."""
    if not ALLOC_TRACES.is_dir():
        return None
    sites, tracked = {}, False
    for cache in sorted(ALLOC_TRACES.iterdir()):
        try:
            text = (cache / "alloc_traces").read_text()
        except OSError:
            continue
        tracked = True
        for line in text.splitlines():
            m = ALLOC_SITE.match(line)
            if not m:
                continue
            site = m.group(2) + (m.group(3) or "")
            if re.fullmatch(r"(0x)?[0-9a-f]+", m.group(2)):
                site = "unloaded module"
            key = (cache.name, site)
            sites[key] = sites.get(key, 0) + int(m.group(1))
    return sites if tracked else None


def kernfs_paths():
    """Every path under /sys and debugfs: a KMS object's sysfs or debugfs
    entry left behind by an unload stays listed here."""
    paths = set()
    for top in ("/sys/devices", "/sys/class", "/sys/bus", "/sys/module", "/sys/kernel/debug"):
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            paths.add(dirpath)
            paths.update(os.path.join(dirpath, name) for name in filenames + dirnames)
    return paths


def drm_objects():
    """The tvkms device's framebuffers and open clients, from DRM's own
    debugfs lists (dri/N/framebuffer, dri/N/clients): what a client that
    exits must give back."""
    minor = tv.card()[0][len("card"):]
    top = pathlib.Path("/sys/kernel/debug/dri") / minor
    fbs = sum(1 for line in (top / "framebuffer").read_text().splitlines()
              if line.startswith("framebuffer["))
    clients = len((top / "clients").read_text().splitlines()) - 1
    return {"framebuffers": fbs, "clients": clients}


def settle():
    subprocess.run(["sync"], check=False)
    pathlib.Path("/proc/sys/vm/drop_caches").write_text("3")
    time.sleep(1.0)


@pytest.fixture(scope="module", autouse=True)
def ledger():
    """Slab and DRM counts around the whole stress, the log checked after it."""
    tv.unload()
    # One warm-up cycle fills the caches a first load allocates for good.
    assert tv.load(crtcs=4).returncode == 0
    tv.unload()
    # The walk fills the dentry and inode caches: before settle(), which
    # empties them, or the walk itself reads as growth.
    paths_before = kernfs_paths()
    # The first open of a debugfs file allocates its debugfs_fsdata, kept
    # while the file exists: a first read of every alloc_traces file, so
    # that the ledger's own opens are not counted as growth.
    alloc_sites()
    settle()
    before, dmesg_before = slabinfo(), len(tv.dmesg_lines())
    sites_before = alloc_sites()
    cards_before = len(list(pathlib.Path("/sys/class/drm").glob("card[0-9]*")))
    yield
    tv.unload()
    paths_after = kernfs_paths()
    settle()
    after = slabinfo()
    sites_after = alloc_sites()
    new_lines = tv.dmesg_lines()[dmesg_before:]
    deltas = {name: (after.get(name, (0, 0))[0] - before.get(name, (0, 0))[0],
                     after.get(name, (0, 0))[1] - before.get(name, (0, 0))[1])
              for name in set(before) | set(after)}
    grown = sorted(((n, d) for n, d in deltas.items() if d[0] >= CYCLES), key=lambda x: -x[1][1])
    results.update({
        "kernel": os.uname().release,
        "kmemleak": pathlib.Path("/sys/kernel/debug/kmemleak").exists(),
        "cycles": CYCLES,
        "slab_bytes_delta": sum(d[1] for d in deltas.values()),
        "slab_objects_delta": sum(d[0] for d in deltas.values()),
        "caches_grown_one_per_cycle": {n: d[0] for n, d in grown},
        "sysfs_debugfs_paths_new": sorted(paths_after - paths_before)[:40],
        "sysfs_debugfs_paths_new_count": len(paths_after - paths_before),
        "sysfs_debugfs_paths_gone_count": len(paths_before - paths_after),
        "drm_cards_before": cards_before,
        "drm_cards_after": len(list(pathlib.Path("/sys/class/drm").glob("card[0-9]*"))),
        "splats": tv.splats(new_lines),
        "alloc_tracking": sites_before is not None and sites_after is not None,
    })
    if results["alloc_tracking"]:
        grown_sites = sorted(((c, site, sites_after.get((c, site), 0) - sites_before.get((c, site), 0))
                              for c, site in set(sites_before) | set(sites_after)),
                             key=lambda x: -x[2])
        results["alloc_sites_tracked"] = len(sites_after)
        results["alloc_sites_top_growth"] = [
            {"cache": c, "site": site, "objects": d} for c, site, d in grown_sites[:10] if d > 0]
        results["alloc_sites_leaking"] = [
            {"cache": c, "site": site, "objects": d} for c, site, d in grown_sites if d >= CYCLES]
    if REPORT:
        pathlib.Path(REPORT).write_text(json.dumps(results, indent=1))
    assert not results["splats"], "\n".join(results["splats"])
    assert results["drm_cards_after"] == results["drm_cards_before"]
    assert not results.get("alloc_sites_leaking"), results["alloc_sites_leaking"]


def load(**params):
    result = tv.load(**params)
    assert result.returncode == 0, result.stderr


def test_load_unload_cycles_over_varying_topologies():
    start = time.monotonic()
    for i in range(CYCLES):
        crtcs, overlays, cursor, writeback, refresh = TOPOLOGIES[i % len(TOPOLOGIES)]
        load(crtcs=crtcs, overlays=overlays, cursor=bool(cursor), writeback=bool(writeback),
             refresh=refresh)
        with tv.Card() as client:
            crtc_ids, connector_ids = client.resources()
            assert len(crtc_ids) == crtcs
            assert len(connector_ids) == crtcs
            assert len(client.planes()) == crtcs * (1 + overlays + cursor)
            client.enable_writeback()
            assert len(client.resources()[1]) == crtcs * (1 + writeback)
        tv.unload()
    results["cycle_seconds"] = round(time.monotonic() - start, 1)


def test_unbind_with_nonblocking_flips_pending_on_every_crtc():
    load(crtcs=4, refresh=30)
    client = tv.Card()
    pipes = [tv.Pipe(client, index, "1024x768", 30) for index in range(4)]
    for index, pipe in enumerate(pipes):
        pipe.flip(200 + index)
    UNBIND.write_text("tvkms")
    events = client.read_events(3.0, count=4)
    with pytest.raises(OSError) as err:
        client.resources()
    assert err.value.errno == errno.ENODEV
    assert sorted(e[0] for e in events) == [200, 201, 202, 203], events
    client.close()
    tv.unload()


def dumb_map(client, width, height):
    f = tv.CREATE_DUMB.unpack(client.ioctl(tv.IOCTL_CREATE_DUMB, tv.CREATE_DUMB.pack(
        height, width, 32, 0, 0, 0, 0)))
    handle, size = f[4], f[6]
    offset = MAP_DUMB.unpack(client.ioctl(IOCTL_MAP_DUMB, MAP_DUMB.pack(handle, 0, 0)))[2]
    return mmap.mmap(client.fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                     offset=offset)


def test_fds_and_dumb_mmaps_held_across_unplug_then_used():
    load(crtcs=2)
    clients = [tv.Card() for _ in range(3)]
    maps = [dumb_map(c, 256, 256) for c in clients]
    for m in maps:
        m[:4] = b"kmst"
    tv.Pipe(clients[0], 0)
    UNBIND.write_text("tvkms")
    # The buffers' pages outlive the device: the mappings stay usable.
    for m in maps:
        assert m[:4] == b"kmst"
        m[4:8] = b"late"
    for c in clients:
        with pytest.raises(OSError) as err:
            c.resources()
        assert err.value.errno == errno.ENODEV
    for m in maps:
        m.close()
    for c in clients:
        c.close()
    tv.unload()


def commits_in(trace):
    """The atomic ioctls a trace saw enter."""
    out = subprocess.run([str(KMSTRACE), "-j", "dump", str(trace)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return sum(1 for line in out.stdout.splitlines()
               if line.startswith('{"ts_ns"') and '"type":"ATOMIC_IOCTL"' in line
               and '"phase":"enter"' in line)


def test_tracers_attached_and_detached_while_commits_run(tmp_path):
    load(crtcs=2)
    _, device = tv.card()
    objects_before = drm_objects()
    fuzz = subprocess.Popen([str(KMSTRACE), "-q", "fuzz", "--device", device, "--seconds", "900",
                             "--seed", "7", "-o", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    attaches, traced = 0, []
    try:
        while attaches < ATTACHES:
            assert fuzz.poll() is None, "the fuzzer ended before the tracers were done"
            trace = tmp_path / f"t{attaches}.kmst"
            rec = subprocess.run([str(KMSTRACE), "-q", "record", "-o", str(trace),
                                  "--duration", "0.5"], capture_output=True, text=True, timeout=300)
            assert rec.returncode == 0, rec.stderr
            traced.append(commits_in(trace))
            attaches += 1
    finally:
        fuzz.terminate()
        out, errs = fuzz.communicate(timeout=60)
    results["tracer_attach_cycles"] = attaches
    results["commits_traced_per_attach"] = traced
    # The fuzzer removed framebuffers in use and left blobs and fbs behind
    # at SIGTERM: once it is gone, the device holds what it held before.
    objects_after = drm_objects()
    results["drm_objects_around_fuzz"] = {"before": objects_before, "after": objects_after}
    assert objects_after == objects_before
    # Each attach saw the fuzzer's commits: the tracers came and went under them.
    assert all(traced), traced
    assert fuzz.returncode == 0, errs
    tv.unload()
