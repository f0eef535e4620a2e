/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vblank_events.bpf.h - VBLANK handling and VBLANK events (part of
 * commit.bpf.c): which commit owns each pending event, each CRTC's part of
 * a commit at setup_commit, arming, sending and delivery with DRM's VBLANK
 * state at each instant, the handled VBLANKs with the host's lateness, and
 * the in-kernel histograms.
 */
#ifndef KMST_VBLANK_EVENTS_BPF_H
#define KMST_VBLANK_EVENTS_BPF_H

#include "completions.bpf.h"
#include "drm_state.bpf.h"
#include "emit.bpf.h"
#include "host_timer.bpf.h"

/* uapi DRM_EVENT_*: the pending events that belong to a CRTC */
#define UAPI_EVENT_VBLANK 0x01
#define UAPI_EVENT_CRTC_SEQUENCE 0x03

const volatile struct kmst_hist hist_zero;

struct kmst_event_owner {
	struct kmst_commit_info commit;
	__s32 crtc;
	__u32 pad;
	__u64 arm_ts; /* drm_crtc_arm_vblank_event; 0 = never armed */
};

/* struct drm_pending_vblank_event * -> the commit that owns it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kmst_event_owner);
} pending_events SEC(".maps");

struct kmst_crtc_key {
	__s32 minor;
	__s32 crtc;
};

/*
 * drm_crtc_send_vblank_event's event -> the commit found at its entry, for
 * its exit: by then the delivery (deliver_event) has dropped the event from
 * pending_events, and the CRTC's latest client event may be another
 * commit's (a helper's own event sent after a client's flip).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct kmst_commit_info);
} sending_events SEC(".maps");

struct kmst_crtc_info {
	struct kmst_commit_info latest_event; /* latest commit that requested or armed a client event */
	__u32 armed_commit;		  /* commit whose event waits for a VBLANK; 0 = none */
	__u32 pad;
	__u64 last_vblank_ts;
	__u64 last_vblank_seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct kmst_crtc_key);
	__type(value, struct kmst_crtc_info);
} crtcs SEC(".maps");

/* The VBLANK being handled on this CPU (drm_handle_vblank entry to exit). */
struct kmst_vblank_ctx {
	__s32 minor;
	__s32 crtc;
	__u32 armed_commit;
	__u32 pad;
	__u64 delivered_seq; /* the last event delivered on this CPU: its sequence */
	__u64 delivered_ts;  /* ... and timestamp, for drm_crtc_send_vblank_event's exit */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kmst_vblank_ctx);
} vblank_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct kmst_hist_key);
	__type(value, struct kmst_hist);
} hists SEC(".maps");

static __always_inline struct kmst_vblank_ctx *vblank_ctx(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vblank_cpu, &zero);
}

static __always_inline struct kmst_crtc_info *crtc_lookup(__s32 minor, __s32 crtc, bool create)
{
	struct kmst_crtc_key key = { .minor = minor, .crtc = crtc };
	struct kmst_crtc_info fresh = {}, *info;

	info = bpf_map_lookup_elem(&crtcs, &key);
	if (info || !create)
		return info;
	bpf_map_update_elem(&crtcs, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&crtcs, &key);
}

static __always_inline void hist_add(__u32 kind, __s32 minor, __s32 crtc, __u64 ns, __u64 nominal_ns)
{
	struct kmst_hist_key key = { .kind = kind, .minor = minor, .crtc = crtc };
	struct kmst_hist *hist;
	__u32 slot;

	hist = bpf_map_lookup_elem(&hists, &key);
	if (!hist) {
		bpf_map_update_elem(&hists, &key, (void *)&hist_zero, BPF_NOEXIST);
		hist = bpf_map_lookup_elem(&hists, &key);
		if (!hist)
			return;
	}
	slot = kmst_hist_log2_slot(ns / 1000);
	/* Keep the bound check and the index in one register for the verifier. */
	barrier_var(slot);
	if (slot < KMST_HIST_LOG2_SLOTS)
		__sync_fetch_and_add(&hist->log2[slot], 1);
	if (nominal_ns) {
		hist->nominal_ns = nominal_ns;
		slot = kmst_hist_lin_slot(ns, nominal_ns);
		barrier_var(slot);
		if (slot < KMST_HIST_LIN_SLOTS)
			__sync_fetch_and_add(&hist->linear[slot], 1);
	}
	__sync_fetch_and_add(&hist->count, 1);
	__sync_fetch_and_add(&hist->sum_ns, ns);
	if (ns > hist->max_ns)
		hist->max_ns = ns;
}

/* ---- drm_atomic_helper_setup_commit: each CRTC's part of the commit ---- */

static __always_inline struct __drm_crtcs_state *crtc_entry(struct __drm_crtcs_state *crtc_states, int i)
{
	return (void *)crtc_states + i * bpf_core_type_size(struct __drm_crtcs_state);
}

/* Whether a CRTC of the commit carries a client's event (atomic or legacy flip). */
static __always_inline bool has_client_event(struct __drm_crtcs_state *crtc_states, int num_crtc)
{
	int i;

	for (i = 0; i < MAX_CRTCS; i++) {
		struct drm_crtc_state *new_state;
		struct drm_pending_vblank_event *event;

		if (i >= num_crtc)
			break;
		new_state = BPF_CORE_READ(crtc_entry(crtc_states, i), new_state);
		if (!new_state)
			continue;
		event = BPF_CORE_READ(new_state, event);
		if (event && BPF_CORE_READ(event, base.file_priv))
			return true;
	}
	return false;
}

/* The commit owns the CRTC's event (a client's, or the one the helper made). */
static __always_inline void note_event_owner(struct drm_pending_vblank_event *event,
					     const struct kmst_ectx *c)
{
	struct kmst_event_owner owner = {};
	struct kmst_crtc_info *crtc_info;
	__u64 key = (__u64)event;

	owner.commit = c->commit;
	owner.crtc = c->crtc;
	bpf_map_update_elem(&pending_events, &key, &owner, BPF_ANY);
	/* A client event was requested: later strays on this CRTC are this commit's. */
	if (BPF_CORE_READ(event, base.file_priv)) {
		crtc_info = crtc_lookup(c->commit.minor, c->crtc, true);
		if (crtc_info)
			crtc_info->latest_event = c->commit;
	}
}

/*
 * drm_atomic_helper_setup_commit returned 0: every CRTC of the commit now
 * has its drm_crtc_commit and, if it is or was active, the event a flip
 * completes. One CRTC_STATE record per CRTC; the events and completions
 * are mapped to the commit. A client's event on any CRTC marks the commit
 * KMST_CF_PAGE_FLIP_EVENT, so a legacy page flip asking for an event reads
 * like an atomic commit with the flag.
 *
 * C (the call's record context) and OUT are the caller's, borrowed for the
 * CRTC_STATE records and handed back as they came: the whole call chain
 * shares 512 bytes of stack.
 */
static __always_inline void commit_crtcs_set_up(struct drm_atomic_state *state, struct kmst_commit_info *commit,
					   struct kmst_ectx *c, struct kmst_out *out, __u8 source)
{
	struct __drm_crtcs_state *crtc_states = BPF_CORE_READ(state, crtcs);
	struct drm_device *dev = BPF_CORE_READ(state, dev);
	int num_crtc = BPF_CORE_READ(dev, mode_config.num_crtc);
	__s32 call_crtc = c->crtc;
	int i;

	if (has_client_event(crtc_states, num_crtc)) {
		commit->flags |= KMST_CF_PAGE_FLIP_EVENT;
		set_thread_commit(commit);
	}
	c->commit.flags = commit->flags;
	for (i = 0; i < MAX_CRTCS; i++) {
		struct __drm_crtcs_state *entry;
		struct drm_crtc_state *new_state;
		struct drm_pending_vblank_event *event;
		struct drm_crtc *crtc;

		if (i >= num_crtc)
			break;
		entry = crtc_entry(crtc_states, i);
		crtc = BPF_CORE_READ(entry, ptr);
		if (!crtc)
			continue;
		c->crtc = BPF_CORE_READ(crtc, index);
		note_commit_completions(BPF_CORE_READ(entry, commit), crtc, &c->commit);
		new_state = BPF_CORE_READ(entry, new_state);
		out->aux = crtc_commit_bits(new_state, BPF_CORE_READ(entry, old_state)) |
			   vblank_state(dev, c->crtc, &out->arg0) << 16;
		out->arg1 = new_state ? BPF_CORE_READ(new_state, plane_mask) : 0;
		emit(KMST_EV_CRTC_STATE, KMST_PH_POINT, source, c, out);
		event = new_state ? BPF_CORE_READ(new_state, event) : NULL;
		if (event)
			note_event_owner(event, c);
	}
	c->crtc = call_crtc;
	out->aux = 0;
	out->arg0 = 0;
	out->arg1 = 0;
}

/* ---- Events: armed, sent, delivered ---- */

/* The commit of a CRTC-level event: its own entry, else the CRTC's latest. */
static __always_inline void event_commit(__u64 event, __s32 minor, __s32 crtc, struct kmst_ectx *c)
{
	struct kmst_event_owner *info = bpf_map_lookup_elem(&pending_events, &event);
	struct kmst_crtc_info *crtc_info;

	if (info) {
		c->commit = info->commit;
		return;
	}
	crtc_info = crtc_lookup(minor, crtc, false);
	if (crtc_info)
		c->commit = crtc_info->latest_event;
	c->commit.minor = minor;
}

/* drm_crtc_send_vblank_event entry: its exit names the same commit (sending_events). */
static __always_inline void event_send_begins(__u64 event, const struct kmst_ectx *c)
{
	bpf_map_update_elem(&sending_events, &event, &c->commit, BPF_ANY);
}

/* drm_crtc_send_vblank_event exit: the commit its entry named. False if none was kept. */
static __always_inline bool event_send_ends(__u64 event, struct kmst_ectx *c)
{
	struct kmst_commit_info *info = bpf_map_lookup_elem(&sending_events, &event);

	if (!info)
		return false;
	c->commit = *info;
	bpf_map_delete_elem(&sending_events, &event);
	return true;
}

/* drm_crtc_arm_vblank_event entry: the event now waits for the CRTC's next VBLANK. */
static __always_inline void event_armed(__u64 event, const struct kmst_ectx *c)
{
	struct kmst_event_owner fresh = {}, *info = bpf_map_lookup_elem(&pending_events, &event);
	struct kmst_crtc_info *crtc_info = crtc_lookup(c->commit.minor, c->crtc, true);

	if (!info) {
		fresh.commit = c->commit;
		fresh.crtc = c->crtc;
		bpf_map_update_elem(&pending_events, &event, &fresh, BPF_ANY);
		info = bpf_map_lookup_elem(&pending_events, &event);
	}
	if (info)
		info->arm_ts = bpf_ktime_get_ns();
	if (crtc_info) {
		crtc_info->armed_commit = c->commit.id;
		if (BPF_CORE_READ((struct drm_pending_vblank_event *)event, base.file_priv))
			crtc_info->latest_event = c->commit;
	}
}

/* Whether drm_crtc_arm_vblank_event took EVENT before. */
static __always_inline bool event_was_armed(__u64 event)
{
	struct kmst_event_owner *info = bpf_map_lookup_elem(&pending_events, &event);

	return info && info->arm_ts;
}

/*
 * ARM_VBLANK_EVENT / SEND_VBLANK_EVENT at entry: DRM's VBLANK state of the
 * CRTC and the event's kind in aux, the VBLANK refcount in arg0.
 */
static __always_inline void event_call_state(struct drm_device *dev, __s32 crtc, __u64 event, bool sending,
					struct kmst_out *out)
{
	__u64 refcount;

	out->aux = vblank_state(dev, crtc, &refcount) |
		   event_bits((void *)event, sending && event_was_armed(event));
	out->arg0 = refcount;
}

/* SEND_VBLANK_EVENT at exit: the sequence and time the event was given. */
static __always_inline void event_sent(struct kmst_out *out)
{
	struct kmst_vblank_ctx *vctx = vblank_ctx();

	if (vctx) {
		out->arg0 = vctx->delivered_seq;
		out->arg1 = vctx->delivered_ts;
	}
}

/* The latency histograms of a client's event. */
static __always_inline void event_latencies(const struct kmst_ectx *c, __u64 arm_ts)
{
	__u64 now = bpf_ktime_get_ns();

	if (arm_ts)
		hist_add(KMST_HIST_EVENT_LATENCY, c->commit.minor, c->crtc, now - arm_ts, 0);
	if (c->commit.ioctl_ts)
		hist_add(KMST_HIST_FLIP_LATENCY, c->commit.minor, c->crtc, now - c->commit.ioctl_ts, 0);
}

/*
 * drm_send_event_timestamp_locked: one pending event leaves, for its file
 * (a client's) or only to complete flip_done (the helper's own). Other
 * pending events (fences, ...) go through here too and are left out.
 */
static __always_inline void deliver_event(struct drm_device *dev, struct drm_pending_event *pe,
				     __u64 timestamp, __u8 source)
{
	struct drm_pending_vblank_event *e = (void *)pe;
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };
	struct kmst_event_owner *info;
	struct kmst_crtc_info *crtc_info;
	struct kmst_vblank_ctx *vctx;
	struct drm_event *uevent;
	__u64 key = (__u64)pe, arm_ts = 0, seq = 0, refcount;
	__u32 utype = 0, bits;
	__s32 minor = minor_of(dev);

	uevent = BPF_CORE_READ(pe, event);
	if (uevent)
		utype = BPF_CORE_READ(uevent, type);
	info = bpf_map_lookup_elem(&pending_events, &key);
	if (!info && (utype < UAPI_EVENT_VBLANK || utype > UAPI_EVENT_CRTC_SEQUENCE))
		return;
	if (info) {
		c.commit = info->commit;
		c.crtc = info->crtc;
		arm_ts = info->arm_ts;
	} else {
		c.crtc = BPF_CORE_READ(e, pipe);
		event_commit(key, minor, c.crtc, &c);
	}
	c.commit.minor = minor;
	bits = vblank_state(dev, c.crtc, &refcount) | event_bits(e, arm_ts != 0);
	if (utype == UAPI_EVENT_CRTC_SEQUENCE)
		seq = BPF_CORE_READ(e, event.seq.sequence);
	else if (utype)
		seq = BPF_CORE_READ(e, event.vbl.sequence);
	else if (bits & KMST_VS_SUPPORTED)
		/* The helper's own event has no uapi payload to hold its sequence. */
		seq = vblank_count(dev, c.crtc);
	vctx = vblank_ctx();
	if (vctx) {
		vctx->delivered_seq = seq;
		vctx->delivered_ts = timestamp;
	}
	crtc_info = crtc_lookup(minor, c.crtc, false);
	if (crtc_info && crtc_info->armed_commit == c.commit.id)
		crtc_info->armed_commit = 0;
	bpf_map_delete_elem(&pending_events, &key);
	if (!ectx_selected(&c))
		return;
	EMIT(KMST_EV_VBLANK_EVENT_DELIVERED, KMST_PH_POINT, source, &c, 0, utype | bits << 16, seq,
	     timestamp);
	if (bits & KMST_VS_CLIENT)
		event_latencies(&c, arm_ts);
	if (BPF_CORE_READ(pe, completion))
		EMIT(KMST_EV_FLIP_DONE_COMPLETE, KMST_PH_POINT, source, &c, 0, 0, seq, timestamp);
}

/* ---- drm_handle_vblank ---- */

/* Entry: remember which CRTC this CPU handles, and whose event waits on it. */
static __always_inline void vblank_handling(struct drm_device *dev, __u32 pipe)
{
	struct kmst_vblank_ctx *vctx = vblank_ctx();
	__s32 minor = minor_of(dev);
	struct kmst_crtc_info *crtc_info = crtc_lookup(minor, pipe, false);

	if (!vctx)
		return;
	vctx->minor = minor;
	vctx->crtc = pipe;
	vctx->armed_commit = crtc_info ? crtc_info->armed_commit : 0;
}

/*
 * The HANDLE_VBLANK record: its aux is the host's lateness measured
 * against the record's own time (host_lateness), so the two come from one
 * clock read; a guest stall between two reads would show as jitter. Its
 * own function, not emit(): a struct kmst_out with the time in it grew
 * every emit() caller's frame past 6.1's 512-byte combined stack limit.
 */
static __always_inline void emit_handle_vblank(__u8 source, const struct kmst_ectx *c, __s32 ret,
					  __u64 seq, __u64 framedur)
{
	struct kmst_event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(KMST_EV_HANDLE_VBLANK);
		return;
	}
	fill_head(ev, KMST_EV_HANDLE_VBLANK, sizeof(*ev), KMST_PH_POINT, source, c);
	ev->ret = ret;
	ev->aux = host_lateness(ev->ts_ns);
	ev->arg0 = seq;
	ev->arg1 = framedur;
	bpf_ringbuf_submit(ev, submit_flags());
}

/* Exit: the new count, the nominal frame, the host's lateness, the interval. */
static __always_inline void vblank_handled(struct drm_device *dev, __u32 pipe, bool ret, __u8 source)
{
	struct kmst_ectx c = { .plane = -1 };
	struct drm_vblank_crtc *vblank;
	struct kmst_crtc_info *crtc_info;
	struct kmst_vblank_ctx *vctx;
	__u64 seq, ts, framedur;

	c.crtc = pipe;
	c.commit.minor = minor_of(dev);
	vctx = vblank_ctx();
	if (vctx && vctx->crtc == (__s32)pipe)
		c.commit.id = vctx->armed_commit;
	if (!minor_selected(c.commit.minor))
		return;
	vblank = BPF_CORE_READ(dev, vblank);
	if (!vblank || pipe >= MAX_CRTCS)
		return;
	vblank = (void *)vblank + pipe * bpf_core_type_size(struct drm_vblank_crtc);
	seq = BPF_CORE_READ(vblank, count.counter);
	ts = BPF_CORE_READ(vblank, time);
	framedur = BPF_CORE_READ(vblank, framedur_ns);
	crtc_info = crtc_lookup(c.commit.minor, c.crtc, true);
	if (!crtc_info)
		return;
	emit_handle_vblank(source, &c, ret, seq, framedur);

	if (crtc_info->last_vblank_ts && ts > crtc_info->last_vblank_ts) {
		struct kmst_hist_key key = { KMST_HIST_VBLANK_INTERVAL, c.commit.minor, c.crtc };
		struct kmst_hist *hist;

		hist_add(KMST_HIST_VBLANK_INTERVAL, c.commit.minor, c.crtc,
			 ts - crtc_info->last_vblank_ts, framedur);
		hist = bpf_map_lookup_elem(&hists, &key);
		if (hist && seq > crtc_info->last_vblank_seq + 1)
			__sync_fetch_and_add(&hist->missed, seq - crtc_info->last_vblank_seq - 1);
	}
	crtc_info->last_vblank_ts = ts;
	crtc_info->last_vblank_seq = seq;
}

/* The DRM minor of the VBLANK this CPU is handling for CRTC, -1 if none. */
static __always_inline __s32 vblank_cpu_minor(__s32 crtc)
{
	struct kmst_vblank_ctx *vctx = vblank_ctx();

	return vctx && vctx->crtc == crtc ? vctx->minor : -1;
}

#endif /* KMST_VBLANK_EVENTS_BPF_H */
