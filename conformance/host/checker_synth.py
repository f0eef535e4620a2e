# SPDX-License-Identifier: GPL-2.0
"""Synthetic traces for the checker's host tests.

`Synth` emits the events a correct helper-based driver with an emulated
VBLANK (tvkms, vkms) produces for each commit, in the order the DRM
helpers run them; `fault=` bends one commit the way the matching tvkms
fault knob does (the contract table in the checker task), so each test
knows exactly which rule and commit must be reported.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bpf"))
import kmstrace_event as K  # noqa: E402

FRAME_NS = 16_666_667
FLAGS = K.CF
VS, CS = K.VS, K.CS
FLIP_COMPLETE = 0x02  # uapi DRM_EVENT_FLIP_COMPLETE


class Synth:
    def __init__(self, minor=0, tid=200, vblank=True):
        self.records = []
        self.ts = 1_000_000_000
        self.minor = minor
        self.tid = tid
        self.vblank = vblank
        self.vblank_seq = {}   # crtc -> seq
        self.vblank_ts = {}    # crtc -> ts of the last VBLANK
        self.next_commit = 1
        self.armed = {}        # crtc -> [commit ids]
        self.lines = {}        # commit id -> sequence line
        self.active = {}       # crtc -> whether it scans out
        self.von = {}          # crtc -> DRM VBLANK on (drm_crtc_vblank_on'd)
        self.irq_off = set()   # crtcs whose VBLANK interrupt DRM turned off (offdelay)

    def vs(self, crtc, *extra):
        """KMST_VS_* bits of CRTC now, as the tracer reads them."""
        bits = VS["VALID"]
        if self.vblank:
            bits |= VS["SUPPORTED"]
            if self.von.get(crtc):
                bits |= VS["ON"] | (0 if crtc in self.irq_off else VS["ENABLED"])
        for name in extra:
            bits |= VS[name]
        return bits

    # -- low level ---------------------------------------------------------
    def ev(self, type, phase="POINT", dt=1000, tid=None, **kw):
        self.ts += dt
        kw.setdefault("minor", self.minor)
        self.records.append(K.event(type, self.ts, phase=phase, tid=tid or self.tid, **kw))

    def call(self, type, body=None, ret=0, **kw):
        self.ev(type, "ENTER", **kw)
        if body:
            body()
        self.ev(type, "EXIT", ret=ret, **kw)

    # -- VBLANK --------------------------------------------------------------
    def vblank_irq(self, crtc, skip=False, late_ns=0, host_late_ns=0, send_events=True,
                   merged=0):
        """One emulated VBLANK on CRTC: armed events are sent, then the count moves.

        late_ns: the driver programmed its timer that late (its own jitter);
        host_late_ns: the host ran the timer that late (measured lateness);
        merged: frames the late timer folded into this VBLANK (the count jumps).
        """
        last = self.vblank_ts.get(crtc, self.ts)
        expiry = last + FRAME_NS + late_ns      # when the driver's timer was due
        target = last + FRAME_NS * (1 + merged)  # the VBLANK it reports
        self.ts = max(self.ts, expiry + host_late_ns - 1)
        self.vblank_ts[crtc] = target
        seq = self.vblank_seq.get(crtc, 0) + 1 + merged
        self.vblank_seq[crtc] = seq
        if skip:
            return
        if send_events:
            for commit in self.armed.pop(crtc, []):
                self.ev("VBLANK_EVENT_DELIVERED", tid=1, crtc=crtc, commit=commit, arg0=seq,
                        aux=FLIP_COMPLETE | self.vs(crtc, "ARMED", "CLIENT") << 16)
                self.ev("FLIP_DONE_COMPLETE", tid=1, crtc=crtc, commit=commit)
        self.ev("VBLANK_EVENT", tid=1, crtc=crtc, arg0=seq, arg1=target, source="TRACEPOINT")
        self.ev("HANDLE_VBLANK", tid=1, crtc=crtc, arg0=seq, arg1=FRAME_NS, dt=1,
                aux=host_late_ns)

    def idle_vblanks(self, crtc, n, **kw):
        for _ in range(n):
            self.vblank_irq(crtc, **kw)

    # -- a whole commit ----------------------------------------------------
    def commit(self, crtcs=(0,), planes=None, flags=FLAGS["PAGE_FLIP_EVENT"], modeset=False,
               disable=False, test_only=False, fault=None, line=None, ret=0, free=True):
        """Issue one atomic commit; returns its commit id.

        planes: list of (plane index, crtc index) updated; defaults to the
        primary of each CRTC (plane index = crtc index).
        """
        cid = self.next_commit
        self.next_commit += 1
        planes = list(planes if planes is not None else [(c, c) for c in crtcs])
        flags |= FLAGS["FROM_IOCTL"]
        if modeset or disable:
            flags |= FLAGS["ALLOW_MODESET"]
        if test_only:
            flags |= FLAGS["TEST_ONLY"]
            flags &= ~FLAGS["PAGE_FLIP_EVENT"]
        c = dict(commit=cid, flags=flags)
        user_data = line if line is not None else 0
        if line is not None:
            self.lines[cid] = line
        self.ev("ATOMIC_IOCTL", "ENTER", arg0=user_data, aux=flags, commit=cid, flags=flags)
        self.ev("STATE_ALLOC", **c)

        def checks():
            if fault == "skip-check":
                return

            def helper():
                self.call("CHECK_MODESET", **c)

                def planes_check():
                    for plane, crtc in planes:
                        self.call("PLANE_ATOMIC_CHECK", plane=plane, crtc=crtc, **c)
                    for crtc in crtcs:
                        self.call("CRTC_ATOMIC_CHECK", crtc=crtc, **c)
                self.call("CHECK_PLANES", planes_check, **c)
            self.call("HELPER_CHECK", helper, **c)
        self.call("CHECK_ONLY", checks, ret=-ret if ret and test_only else 0, **c)
        if test_only:
            if fault == "test-only-commits":
                self.call("COMMIT_PLANES", **c)
            self.ev("STATE_FREE", **c)
            self.ev("ATOMIC_IOCTL", "EXIT", ret=-ret if ret else 0, arg0=user_data, **c)
            return cid
        self.ev("COMMIT", "ENTER", **c)
        self.ev("HELPER_COMMIT", "ENTER", **c)
        self.setup_commit(c, crtcs, flags, modeset, disable)

        def prepare():
            for plane, crtc in planes:
                self.call("PLANE_PREPARE_FB", plane=plane, crtc=crtc, **c)
        self.call("PREPARE_PLANES", prepare, **c)
        self.call("SWAP_STATE", **c)
        self.tail(cid, c, crtcs, planes, flags, modeset, disable, fault)
        self.ev("HELPER_COMMIT", "EXIT", **c)
        self.ev("COMMIT", "EXIT", **c)
        if free and fault != "state-leak":
            self.ev("STATE_FREE", **c)
        # the tracer names the commit on the ioctl's return, after the state was freed
        self.ev("ATOMIC_IOCTL", "EXIT", arg0=user_data, **c)
        return cid

    def refused_ioctl(self, flags=0, errno=22):
        """An atomic ioctl DRM refuses before drm_atomic_state_alloc (a bad flag,
        the reserved field, TEST_ONLY with PAGE_FLIP_EVENT): the tracer hands
        out its id at the ioctl's entry, and no state ever carries it."""
        cid = self.next_commit
        self.next_commit += 1
        flags |= FLAGS["FROM_IOCTL"]
        c = dict(commit=cid, flags=flags)
        self.ev("ATOMIC_IOCTL", "ENTER", aux=flags, **c)
        self.ev("ATOMIC_IOCTL", "EXIT", ret=-errno, aux=flags, **c)
        return cid

    def core_refused_commit(self, errno=22):
        """A commit drm_atomic_check_only refuses with DRM core's own checks
        (a plane's FB_ID without CRTC_ID, an fb too small: -ENOSPC) before it
        calls the driver's atomic_check: drm_atomic_commit fails, the state is
        freed, and no check, swap or tail event names it."""
        cid = self.next_commit
        self.next_commit += 1
        flags = FLAGS["FROM_IOCTL"]
        c = dict(commit=cid, flags=flags)
        self.ev("ATOMIC_IOCTL", "ENTER", aux=flags, **c)
        self.ev("STATE_ALLOC", **c)
        self.ev("COMMIT", "ENTER", **c)
        self.call("CHECK_ONLY", ret=-errno, **c)
        self.ev("COMMIT", "EXIT", ret=-errno, **c)
        self.ev("STATE_FREE", **c)
        self.ev("ATOMIC_IOCTL", "EXIT", ret=-errno, **c)
        return cid

    def setup_commit(self, c, crtcs, flags, modeset, disable, legacy_event=False, during=None):
        """drm_atomic_helper_setup_commit: one CRTC_STATE per CRTC, as the tracer reads it.

        during: what other threads did while it ran (before the CRTC_STATEs).
        """
        self.call("SETUP_COMMIT", during, **c)
        for crtc in crtcs:
            old = self.active.get(crtc, False)
            new = not disable and (old or modeset)
            bits = (CS["ACTIVE"] | CS["ENABLE"] if new else 0) | (CS["OLD_ACTIVE"] if old else 0)
            if modeset or disable:
                bits |= CS["MODESET"]
            if old or new:
                bits |= CS["EVENT"]  # the client's, or the helper's own
                if flags & FLAGS["PAGE_FLIP_EVENT"] or legacy_event:
                    bits |= CS["CLIENT_EVENT"]
            self.ev("CRTC_STATE", crtc=crtc, aux=bits | self.vs(crtc) << 16, arg0=1,
                    arg1=1 << crtc, **c)
            self.active[crtc] = new

    def joined_commit(self, crtcs=(0,), mark=True):
        """A kernel-internal modeset whose state was built before tracing began:
        the trace holds its tail only. MARK: the tracer flagged it JOINED."""
        cid = self.next_commit
        self.next_commit += 1
        planes = [(crtc, crtc) for crtc in crtcs]
        flags = FLAGS["ALLOW_MODESET"] | (FLAGS["JOINED"] if mark else 0)
        c = dict(commit=cid, flags=flags)
        self.tail(cid, c, crtcs, planes, flags, True, False, None)
        self.ev("STATE_FREE", **c)
        return cid

    def unfinished_commit(self, crtc=0):
        """A kernel-internal modeset that the end of the trace cuts short:
        checked, its plane's fb prepared, its call never returned."""
        cid = self.next_commit
        self.next_commit += 1
        c = dict(commit=cid, flags=FLAGS["ALLOW_MODESET"])
        self.ev("STATE_ALLOC", **c)
        self.call("HELPER_CHECK", lambda: self.call("CRTC_ATOMIC_CHECK", crtc=crtc, **c), **c)
        self.ev("COMMIT", "ENTER", **c)
        self.ev("HELPER_COMMIT", "ENTER", **c)
        self.setup_commit(c, (crtc,), c["flags"], True, False)
        self.call("PREPARE_PLANES",
                  lambda: self.call("PLANE_PREPARE_FB", plane=crtc, crtc=crtc, **c), **c)
        return cid

    def tail(self, cid, c, crtcs, planes, flags, modeset, disable, fault):
        event = flags & FLAGS["PAGE_FLIP_EVENT"]
        if fault != "no-wait-dependencies":
            self.call("WAIT_FOR_DEPENDENCIES", **c)

        def disables():
            if disable:
                for crtc in crtcs:
                    def off(crtc=crtc):
                        if fault != "vblank-off-missing":
                            self.call("VBLANK_OFF", crtc=crtc, **c)
                            self.von[crtc] = False
                    self.call("CRTC_ATOMIC_DISABLE", off, crtc=crtc, **c)

        def commit_planes():
            for crtc in crtcs:
                self.call("CRTC_ATOMIC_BEGIN", crtc=crtc, **c)
            for plane, crtc in planes:
                self.call("PLANE_ATOMIC_DISABLE" if disable else "PLANE_ATOMIC_UPDATE",
                          plane=plane, crtc=crtc, **c)
            for crtc in crtcs:
                def flush(crtc=crtc):
                    if not self.vblank and not disable:
                        return  # drm_atomic_helper_fake_vblank sends it
                    if not self.von.get(crtc) or fault == "event-early":
                        # VBLANK is off: the event goes out at once (allowed);
                        # with it on, that is the early-event bug
                        self.send_now(crtc, c)
                    else:
                        self.call("VBLANK_GET", crtc=crtc, **c)
                        self.irq_off.discard(crtc)  # drm_vblank_get turns it on
                        if fault != "event-missing":
                            # arm-no-ref: armed while holding no VBLANK reference
                            self.ev("ARM_VBLANK_EVENT", "ENTER", crtc=crtc,
                                    aux=self.vs(crtc, "CLIENT"), arg0=0 if fault == "arm-no-ref" else 1,
                                    **c)
                            self.ev("ARM_VBLANK_EVENT", "EXIT", crtc=crtc, **c)
                            self.armed.setdefault(crtc, []).append(cid)
                self.call("CRTC_ATOMIC_FLUSH", flush, crtc=crtc, **c)
            if fault == "plane-bracket":
                plane, crtc = planes[0]
                self.call("PLANE_ATOMIC_UPDATE", plane=plane, crtc=crtc, **c)

        def enables():
            if modeset and not disable:
                for crtc in crtcs:
                    def on(crtc=crtc):
                        self.call("VBLANK_ON", crtc=crtc, **c)
                        self.von[crtc] = True
                        self.vblank_ts[crtc] = self.ts
                    self.call("CRTC_ATOMIC_ENABLE", on if self.vblank else None, crtc=crtc, **c)

        if fault == "tail-order":
            self.call("COMMIT_PLANES", commit_planes, **c)
            self.call("MODESET_DISABLES", disables, **c)
        else:
            self.call("MODESET_DISABLES", disables, **c)
            self.call("COMMIT_PLANES", commit_planes, **c)
        self.call("MODESET_ENABLES", enables, **c)
        if not self.vblank and not disable:
            self.call("FAKE_VBLANK", lambda: [self.send_now(crtc, c) for crtc in crtcs], **c)
        if fault == "cleanup-before-hw-done":
            self.ev("CLEANUP_DONE_COMPLETE", **c)
        if fault != "no-hw-done":
            self.call("HW_DONE", **c)

        def wait_flip():
            # event-early: the event went out at once and no VBLANK reference was taken
            if self.vblank and not disable and fault != "event-early":
                for crtc in crtcs:
                    if not self.armed.get(crtc):
                        continue  # sent already; no reference keeps the interrupt running
                    self.vblank_irq(crtc)
                    if fault == "event-twice" and event:
                        self.ev("SEND_VBLANK_EVENT", "ENTER", tid=1, crtc=crtc, commit=cid,
                                aux=self.vs(crtc, "CLIENT"), arg0=1)
                        self.ev("VBLANK_EVENT_DELIVERED", tid=1, crtc=crtc, commit=cid,
                                arg0=self.vblank_seq[crtc],
                                aux=FLIP_COMPLETE | self.vs(crtc, "CLIENT") << 16)
                        self.ev("SEND_VBLANK_EVENT", "EXIT", tid=1, crtc=crtc, commit=cid,
                                arg0=self.vblank_seq[crtc], arg1=self.vblank_ts[crtc])
        if fault != "no-flip-wait":
            self.call("WAIT_FOR_FLIP_DONE", wait_flip, **c)

        def cleanup():
            for plane, crtc in planes:
                if fault == "fb-cleanup" and plane == planes[0][0]:
                    continue
                self.call("PLANE_CLEANUP_FB", plane=plane, crtc=crtc, **c)
        self.call("CLEANUP_PLANES", cleanup, **c)
        if fault != "cleanup-before-hw-done":
            self.call("CLEANUP_DONE", **c)

    def send_now(self, crtc, c, tid=None):
        """drm_crtc_send_vblank_event at once, from the committing thread."""
        kw = dict(tid=tid) if tid else {}
        self.ev("SEND_VBLANK_EVENT", "ENTER", crtc=crtc, aux=self.vs(crtc, "CLIENT"),
                arg0=1 if self.von.get(crtc) else 0, **kw, **c)
        self.ev("VBLANK_EVENT_DELIVERED", crtc=crtc, arg0=self.vblank_seq.get(crtc, 0),
                aux=FLIP_COMPLETE | self.vs(crtc, "CLIENT") << 16, **kw, **c)
        self.ev("FLIP_DONE_COMPLETE", crtc=crtc, **kw, **c)
        self.ev("SEND_VBLANK_EVENT", "EXIT", crtc=crtc, arg0=self.vblank_seq.get(crtc, 0),
                arg1=self.ts, **kw, **c)

    def nonblocking_overlap(self, crtc=0, fault=None, flip_in_setup=False):
        """A nonblocking flip, then at once a blocking flip on the same CRTC.

        The second one's tail must wait for the first one's flip; with
        `no-wait-dependencies` its planes stage runs before that VBLANK.
        flip_in_setup: the first flip's VBLANK comes while the second
        commit's setup_commit runs (racing its stall check).
        Returns (first id, second id).
        """
        first = self.next_commit
        self.next_commit += 1
        c1 = dict(commit=first, flags=FLAGS["PAGE_FLIP_EVENT"] | FLAGS["NONBLOCK"] | FLAGS["FROM_IOCTL"])
        self.ev("ATOMIC_IOCTL", "ENTER")
        self.ev("STATE_ALLOC", **c1)

        def checks1():
            def helper():
                self.call("CRTC_ATOMIC_CHECK", crtc=crtc, **c1)
            self.call("HELPER_CHECK", helper, **c1)
        self.call("CHECK_ONLY", checks1, **c1)
        self.ev("NONBLOCKING_COMMIT", "ENTER", **c1)
        self.setup_commit(c1, (crtc,), c1["flags"], False, False)
        self.call("PLANE_PREPARE_FB", plane=crtc, crtc=crtc, **c1)
        self.call("SWAP_STATE", **c1)
        self.ev("NONBLOCKING_COMMIT", "EXIT", **c1)
        self.ev("ATOMIC_IOCTL", "EXIT")
        # the worker runs the first tail up to its flip wait
        worker = dict(tid=300)
        self.ev("COMMIT_TAIL", "ENTER", **worker, **c1)
        self.call("WAIT_FOR_DEPENDENCIES", **worker, **c1)
        for stage in ("MODESET_DISABLES", "COMMIT_PLANES", "MODESET_ENABLES"):
            self.call(stage, **worker, **c1)
        self.call("VBLANK_GET", crtc=crtc, **worker, **c1)
        self.ev("ARM_VBLANK_EVENT", "ENTER", crtc=crtc, aux=self.vs(crtc, "CLIENT"), arg0=1,
                **worker, **c1)
        self.armed.setdefault(crtc, []).append(first)
        self.call("HW_DONE", **worker, **c1)
        self.ev("WAIT_FOR_FLIP_DONE", "ENTER", **worker, **c1)
        # second, blocking commit
        second = self.next_commit
        self.next_commit += 1
        c2 = dict(commit=second, flags=FLAGS["FROM_IOCTL"])
        self.ev("ATOMIC_IOCTL", "ENTER")
        self.ev("STATE_ALLOC", **c2)

        def checks2():
            def helper():
                self.call("CRTC_ATOMIC_CHECK", crtc=crtc, **c2)
            self.call("HELPER_CHECK", helper, **c2)
        self.call("CHECK_ONLY", checks2, **c2)
        self.ev("COMMIT", "ENTER", **c2)
        self.setup_commit(c2, (crtc,), c2["flags"], False, False,
                          during=(lambda: self.vblank_irq(crtc)) if flip_in_setup else None)
        self.call("SWAP_STATE", **c2)
        self.ev("COMMIT_TAIL", "ENTER", **c2)
        if fault == "no-wait-dependencies":
            self.call("MODESET_DISABLES", **c2)
            self.call("COMMIT_PLANES", **c2)
            self.vblank_irq(crtc)
        else:
            def wait():
                self.vblank_irq(crtc)
            self.call("WAIT_FOR_DEPENDENCIES", wait, **c2)
            self.call("MODESET_DISABLES", **c2)
            self.call("COMMIT_PLANES", **c2)
        # the first commit finishes in its worker
        self.ev("WAIT_FOR_FLIP_DONE", "EXIT", **worker, **c1)
        self.call("CLEANUP_PLANES", lambda: self.call("PLANE_CLEANUP_FB", plane=crtc, crtc=crtc,
                                                      **worker, **c1), **worker, **c1)
        self.call("CLEANUP_DONE", **worker, **c1)
        self.ev("COMMIT_TAIL", "EXIT", **worker, **c1)
        self.ev("STATE_FREE", **worker, **c1)
        # the second one completes
        self.call("MODESET_ENABLES", **c2)
        self.call("HW_DONE", **c2)
        self.call("VBLANK_GET", crtc=crtc, **c2)
        self.ev("ARM_VBLANK_EVENT", "ENTER", crtc=crtc, aux=self.vs(crtc), arg0=1, **c2)
        self.armed.setdefault(crtc, []).append(second)
        self.call("WAIT_FOR_FLIP_DONE", lambda: self.vblank_irq(crtc), **c2)
        self.call("CLEANUP_PLANES", **c2)
        self.call("CLEANUP_DONE", **c2)
        self.ev("COMMIT_TAIL", "EXIT", **c2)
        self.ev("COMMIT", "EXIT", **c2)
        self.ev("STATE_FREE", **c2)
        self.ev("ATOMIC_IOCTL", "EXIT")
        return first, second

    def replay_record(self, line, expected=0, got=0, commit=0, ordinal=0):
        self.ev("REPLAY_COMMIT", commit=commit, arg0=line, arg1=ordinal, ret=expected, aux=got,
                source="USER")

    def write(self, path, meta=None, **kw):
        if meta is None:
            # A trace with sequence lines is a replay's: they ride in the ioctl's user_data.
            meta = ("kernel=6.1.0-test\ndriver=tvkms\ntool=%s\nminor=0\n" % ("replay" if self.lines else "test") +
                    "prog=drm_atomic_helper_commit_planes fentry\n")
            if not self.vblank:
                meta += "trait=card0 no-vblank\n"
        K.write_trace(path, self.records, meta=meta, **kw)
        return path


def standard_session(s, flips=4):
    """Modeset, flips, a TEST_ONLY probe, disable, enable: a correct driver's trace."""
    ids = [s.commit(modeset=True)]
    for _ in range(flips):
        ids.append(s.commit())
        s.idle_vblanks(0, 1)
    ids.append(s.commit(test_only=True, flags=0))
    ids.append(s.commit(disable=True))
    ids.append(s.commit(modeset=True))
    ids.append(s.commit())
    return ids
