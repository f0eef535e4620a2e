// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commit.bpf.c - the tracers of the atomic commit path, VBLANK timing and
 * the atomic ioctls of any KMS driver, in one object so that every event
 * flows through one ring buffer.
 *
 * One handler serves every function: the loader describes each traced
 * function in fn_specs[] (its event type, what each argument is, and any
 * extra work), and attaches function N through the programs of slot N:
 * fentry/fexit where BTF allows, else kprobe/kretprobe.
 *
 * Handlers run in hrtimer and VBLANK interrupt context under
 * dev->event_lock: they only use hash/array maps (IRQ-safe bucket locks)
 * and bpf_ringbuf_reserve (IRQ-safe), never a sleepable helper and never
 * a lock of their own.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __KMST_BPF__
#include "kmstrace_event.h"
#include "kmstrace_tracer.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* uapi DRM_MODE_ATOMIC_* / DRM_MODE_PAGE_FLIP_EVENT */
#define UAPI_PAGE_FLIP_EVENT 0x01
#define UAPI_ATOMIC_TEST_ONLY 0x0100
#define UAPI_ATOMIC_NONBLOCK 0x0200
#define UAPI_ATOMIC_ALLOW_MODESET 0x0400
/* uapi DRM_EVENT_*: the pending events that belong to a CRTC */
#define UAPI_EVENT_VBLANK 0x01
#define UAPI_EVENT_CRTC_SEQUENCE 0x03

#define MAX_CRTCS 8

/* ---- Tunables, set by the loader through the skeleton before load ---- */

const volatile struct kmst_fn_spec fn_specs[KMST_FN_MAX];
const volatile __u32 filter_tgid;
const volatile char filter_comm[16];
const volatile __s32 filter_minor = -1;
const volatile __u8 recorder_on = 1;
const volatile struct kmst_hist hist_zero;
const volatile struct kmst_rec_atomic rec_atomic_zero;
/*
 * Wake the reader only once this many bytes wait in the ring. A wakeup per
 * event costs the traced client a context switch per commit; the reader
 * polls on a short timer anyway, so batching loses nothing. 0 = always wake.
 */
const volatile __u64 wakeup_bytes;

/* Next commit id minus one; ids start at 1 and are never reused. */
__u64 commit_id_counter;

/*
 * Set by the loader once every program is attached. Programs attach one at
 * a time: before all are in, a commit would be seen in part (its tail but
 * not its check) and judged on what was missed. Nothing is recorded until
 * then; a commit already running at that point is marked KMST_CF_JOINED.
 */
__u32 live;

/* ---- Maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

static __always_inline __u64 submit_flags(void)
{
	if (!wakeup_bytes || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Ring buffer reserve failures per event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMST_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct kmst_commit_info {
	__u32 id;
	__u16 flags;	/* KMST_CF_* */
	__u8 selected;	/* passes the pid/comm filter */
	__u8 bound;	/* a pre-assigned id already given to a state */
	__s32 minor;
	__u32 pad;
	__u64 ioctl_ts; /* atomic ioctl entry, 0 if not from the ioctl */
};

/* struct drm_atomic_state * -> its commit. Retired at __drm_atomic_state_free. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kmst_commit_info);
} states SEC(".maps");

/* tid -> the commit id pre-assigned at atomic ioctl entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kmst_commit_info);
} ioctl_pending SEC(".maps");

/* tid -> the commit of the last state-bearing call on that thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kmst_commit_info);
} tid_commit SEC(".maps");

struct kmst_event_owner {
	struct kmst_commit_info commit;
	__s32 crtc;
	__u32 pad;
	__u64 arm_ts;
};

/*
 * A commit's hw_done and cleanup_done completions (struct completion *,
 * inside its struct drm_crtc_commit) -> the commit, so complete_all() on
 * one of them becomes HW_DONE_COMPLETE / CLEANUP_DONE_COMPLETE whoever
 * signals it: the helpers, or a driver by hand.
 */
struct kmst_completion_owner {
	struct kmst_commit_info commit;
	__s32 crtc;
	__u32 type; /* KMST_EV_HW_DONE_COMPLETE or KMST_EV_CLEANUP_DONE_COMPLETE */
	__u64 crtc_ptr; /* drm_crtc_commit.crtc, to tell a reused address */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kmst_completion_owner);
} completions SEC(".maps");

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

/* kretprobe mode: the arguments seen at entry, per (tid, function). */
struct kmst_call_key {
	__u32 tid;
	__u32 fn;
};

struct kmst_call_args {
	__u64 args[KMST_FN_ARGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kmst_call_key);
	__type(value, struct kmst_call_args);
} kprobe_args SEC(".maps");

/* The atomic ioctl's arguments, copied at entry, emitted at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct kmst_rec_atomic);
} atomic_recs SEC(".maps");

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

/* ---- Helpers ---- */

/* Everything one event needs to know about its objects. */
struct kmst_ectx {
	struct kmst_commit_info commit;
	__s32 crtc;
	__s32 plane;
};

struct kmst_call {
	__u64 args[KMST_FN_ARGS];
	__u64 ret;
	__u32 fn;	/* index in fn_specs[] */
	__u8 phase;  /* KMST_PH_ENTER or KMST_PH_EXIT */
	__u8 source; /* KMST_SRC_* */
};

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline bool task_selected(void)
{
	char comm[16];
	int i;

	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return false;
	if (!filter_comm[0])
		return true;
	if (bpf_get_current_comm(comm, sizeof(comm)))
		return false;
	for (i = 0; i < 16; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool minor_selected(__s32 minor)
{
	return filter_minor < 0 || minor < 0 || minor == filter_minor;
}

static __always_inline __s32 minor_of(struct drm_device *dev)
{
	struct drm_minor *primary;

	if (!dev)
		return -1;
	primary = BPF_CORE_READ(dev, primary);
	if (!primary)
		return -1;
	return BPF_CORE_READ(primary, index);
}

static __always_inline void count_drop(__u32 type)
{
	__u64 *count;

	if (type >= KMST_EV_MAX)
		return;
	count = bpf_map_lookup_elem(&drops, &type);
	if (count)
		__sync_fetch_and_add(count, 1);
}

static __always_inline void fill_head(struct kmst_event *ev, __u16 type, __u16 size, __u8 phase,
				      __u8 source, const struct kmst_ectx *c)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ev->ts_ns = bpf_ktime_get_ns();
	ev->type = type;
	ev->size = size;
	ev->phase = phase;
	ev->source = source;
	ev->cpu = bpf_get_smp_processor_id();
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->commit_id = c->commit.id;
	ev->minor = c->commit.minor;
	ev->crtc = c->crtc;
	ev->plane = c->plane;
	ev->connector = -1;
	ev->commit_flags = c->commit.flags;
	ev->ret = 0;
	ev->aux = 0;
	ev->arg0 = 0;
	ev->arg1 = 0;
}

/* An event's type-specific values (BPF calls take at most five arguments). */
struct kmst_out {
	__s32 ret;
	__u32 aux;
	__u64 arg0;
	__u64 arg1;
};

static __noinline void emit(__u16 type, __u8 phase, __u8 source, const struct kmst_ectx *c,
			    const struct kmst_out *out)
{
	struct kmst_event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(type);
		return;
	}
	fill_head(ev, type, sizeof(*ev), phase, source, c);
	ev->ret = out->ret;
	ev->aux = out->aux;
	ev->arg0 = out->arg0;
	ev->arg1 = out->arg1;
	bpf_ringbuf_submit(ev, submit_flags());
}

#define EMIT(type, phase, source, c, ret_, aux_, arg0_, arg1_)                          \
	do {                                                                              \
		struct kmst_out out_ = { .ret = (ret_), .aux = (aux_), .arg0 = (arg0_),   \
					 .arg1 = (arg1_) };                               \
		emit(type, phase, source, c, &out_);                                      \
	} while (0)

static __always_inline __u32 new_commit_id(void)
{
	return __sync_fetch_and_add(&commit_id_counter, 1) + 1;
}

static __always_inline __u16 uapi_to_commit_flags(__u32 uapi)
{
	__u16 flags = KMST_CF_FROM_IOCTL;

	if (uapi & UAPI_ATOMIC_NONBLOCK)
		flags |= KMST_CF_NONBLOCK;
	if (uapi & UAPI_ATOMIC_ALLOW_MODESET)
		flags |= KMST_CF_ALLOW_MODESET;
	if (uapi & UAPI_ATOMIC_TEST_ONLY)
		flags |= KMST_CF_TEST_ONLY;
	if (uapi & UAPI_PAGE_FLIP_EVENT)
		flags |= KMST_CF_PAGE_FLIP_EVENT;
	return flags;
}

/*
 * The commit of STATE. A state met for the first time takes the id the
 * atomic ioctl pre-assigned on this thread, if it has not been given yet,
 * else a fresh one (kernel-internal commits: fbdev, suspend, ...). A fresh
 * state first met anywhere but its init (AT_INIT) was built before
 * tracing went live: it is marked KMST_CF_JOINED.
 */
static __noinline struct kmst_commit_info *state_commit(struct drm_atomic_state *state, bool at_init)
{
	struct kmst_commit_info fresh = {}, *info, *pending;
	__u64 key = (__u64)state;
	__u32 tid;

	if (!state)
		return NULL;
	info = bpf_map_lookup_elem(&states, &key);
	if (info)
		return info;
	tid = current_tid();
	pending = bpf_map_lookup_elem(&ioctl_pending, &tid);
	if (pending && !pending->bound) {
		pending->bound = 1;
		fresh = *pending;
		fresh.bound = 0;
	} else {
		fresh.id = new_commit_id();
		fresh.selected = task_selected();
		if (!at_init)
			fresh.flags |= KMST_CF_JOINED;
	}
	fresh.minor = minor_of(BPF_CORE_READ(state, dev));
	if (BPF_CORE_READ_BITFIELD_PROBED(state, allow_modeset))
		fresh.flags |= KMST_CF_ALLOW_MODESET;
	bpf_map_update_elem(&states, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&states, &key);
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

static __noinline void hist_add(__u32 kind, __s32 minor, __s32 crtc, __u64 ns, __u64 nominal_ns)
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

static __always_inline void note_commit_completions(struct drm_crtc_commit *crtc_commit,
						    struct drm_crtc *crtc,
						    const struct kmst_commit_info *commit)
{
	struct kmst_completion_owner owner = {};
	__u64 key;

	if (!crtc_commit)
		return;
	owner.commit = *commit;
	owner.crtc = BPF_CORE_READ(crtc, index);
	owner.crtc_ptr = (__u64)crtc;
	owner.type = KMST_EV_HW_DONE_COMPLETE;
	key = (__u64)crtc_commit + bpf_core_field_offset(struct drm_crtc_commit, hw_done);
	bpf_map_update_elem(&completions, &key, &owner, BPF_ANY);
	owner.type = KMST_EV_CLEANUP_DONE_COMPLETE;
	key = (__u64)crtc_commit + bpf_core_field_offset(struct drm_crtc_commit, cleanup_done);
	bpf_map_update_elem(&completions, &key, &owner, BPF_ANY);
}

/* complete_all(x): an event if x is a traced commit's hw_done or cleanup_done. */
static __noinline void completion_fired(__u64 completion, __u8 source)
{
	struct kmst_completion_owner *owner = bpf_map_lookup_elem(&completions, &completion);
	struct drm_crtc_commit *crtc_commit;
	struct kmst_ectx c = {};
	__u32 type;

	if (!owner)
		return;
	type = owner->type;
	crtc_commit = (void *)(completion - (type == KMST_EV_HW_DONE_COMPLETE ?
			bpf_core_field_offset(struct drm_crtc_commit, hw_done) :
			bpf_core_field_offset(struct drm_crtc_commit, cleanup_done)));
	if ((__u64)BPF_CORE_READ(crtc_commit, crtc) != owner->crtc_ptr) {
		bpf_map_delete_elem(&completions, &completion);
		return;
	}
	c.commit = owner->commit;
	c.crtc = owner->crtc;
	c.plane = -1;
	bpf_map_delete_elem(&completions, &completion);
	if (!minor_selected(c.commit.minor) || (c.commit.id && !c.commit.selected))
		return;
	EMIT(type, KMST_PH_POINT, source, &c, 0, 0, 0, 0);
}

/* Remember which commit owns each CRTC's event in STATE (set up by setup_commit). */
static __noinline void note_state_events(struct drm_atomic_state *state, const struct kmst_commit_info *commit)
{
	struct __drm_crtcs_state *crtc_states = BPF_CORE_READ(state, crtcs);
	int num_crtc = BPF_CORE_READ(state, dev, mode_config.num_crtc);
	__u64 entry_size = bpf_core_type_size(struct __drm_crtcs_state);
	int i;

	for (i = 0; i < MAX_CRTCS; i++) {
		struct __drm_crtcs_state *entry;
		struct drm_crtc_state *new_state;
		struct drm_pending_vblank_event *event;
		struct kmst_event_owner info = {};
		struct kmst_crtc_info *crtc_info;
		struct drm_crtc *crtc;
		__u64 key;

		if (i >= num_crtc)
			break;
		entry = (void *)crtc_states + i * entry_size;
		crtc = BPF_CORE_READ(entry, ptr);
		if (!crtc)
			continue;
		note_commit_completions(BPF_CORE_READ(entry, commit), crtc, commit);
		new_state = BPF_CORE_READ(entry, new_state);
		if (!new_state)
			continue;
		event = BPF_CORE_READ(new_state, event);
		if (!event)
			continue;
		key = (__u64)event;
		info.commit = *commit;
		info.crtc = BPF_CORE_READ(crtc, index);
		bpf_map_update_elem(&pending_events, &key, &info, BPF_ANY);
		/* A client event was requested: later strays on this CRTC are this commit's. */
		if (BPF_CORE_READ(event, base.file_priv)) {
			crtc_info = crtc_lookup(commit->minor, info.crtc, true);
			if (crtc_info)
				crtc_info->latest_event = *commit;
		}
	}
}

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

/* ---- Special work ---- */

static __noinline void atomic_ioctl_enter(struct drm_device *dev, struct drm_mode_atomic *arg)
{
	struct kmst_commit_info pending = {};
	struct kmst_rec_atomic *rec;
	__u32 tid = current_tid();
	__u32 n, m, i, total = 0;
	__u64 objs_ptr, counts_ptr;

	pending.id = new_commit_id();
	pending.flags = uapi_to_commit_flags(BPF_CORE_READ(arg, flags));
	pending.selected = task_selected();
	pending.minor = minor_of(dev);
	pending.ioctl_ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&ioctl_pending, &tid, &pending, BPF_ANY);

	if (!recorder_on || !pending.selected || !minor_selected(pending.minor))
		return;
	/* Start from zeroes: nothing of an earlier ioctl may leak into this one. */
	bpf_map_update_elem(&atomic_recs, &tid, (void *)&rec_atomic_zero, BPF_ANY);
	rec = bpf_map_lookup_elem(&atomic_recs, &tid);
	if (!rec)
		return;
	rec->flags = BPF_CORE_READ(arg, flags);
	rec->count_objs = BPF_CORE_READ(arg, count_objs);
	rec->user_data = BPF_CORE_READ(arg, user_data);
	objs_ptr = BPF_CORE_READ(arg, objs_ptr);
	counts_ptr = BPF_CORE_READ(arg, count_props_ptr);
	n = rec->count_objs;
	if (n > KMST_REC_MAX_OBJS) {
		n = KMST_REC_MAX_OBJS;
		rec->truncated = 1;
	}
	bpf_probe_read_user(rec->obj_ids, n * sizeof(__u32), (void *)objs_ptr);
	bpf_probe_read_user(rec->obj_prop_counts, n * sizeof(__u32), (void *)counts_ptr);
	for (i = 0; i < KMST_REC_MAX_OBJS; i++) {
		if (i >= n)
			break;
		total += rec->obj_prop_counts[i] & 0xffff;
	}
	rec->count_props = total;
	m = total;
	if (m > KMST_REC_MAX_PROPS) {
		m = KMST_REC_MAX_PROPS;
		rec->truncated = 1;
	}
	bpf_probe_read_user(rec->prop_ids, m * sizeof(__u32), (void *)BPF_CORE_READ(arg, props_ptr));
	bpf_probe_read_user(rec->prop_values, m * sizeof(__u64),
			    (void *)BPF_CORE_READ(arg, prop_values_ptr));
	rec->head.commit_id = pending.id;
	rec->head.commit_flags = pending.flags;
	rec->head.minor = pending.minor;
}

static __noinline void atomic_ioctl_exit(__s32 ret)
{
	__u32 tid = current_tid();
	struct kmst_rec_atomic *rec = bpf_map_lookup_elem(&atomic_recs, &tid);
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&ioctl_pending, &tid);
	if (!rec)
		return;
	rec->head.ts_ns = bpf_ktime_get_ns();
	rec->head.type = KMST_EV_REC_ATOMIC;
	rec->head.size = sizeof(*rec);
	rec->head.phase = KMST_PH_POINT;
	rec->head.source = KMST_SRC_KPROBE;
	rec->head.cpu = bpf_get_smp_processor_id();
	rec->head.pid = pid_tgid >> 32;
	rec->head.tid = tid;
	rec->head.crtc = rec->head.plane = rec->head.connector = -1;
	rec->head.ret = ret;
	if (bpf_ringbuf_output(&events, rec, sizeof(*rec), submit_flags()))
		count_drop(KMST_EV_REC_ATOMIC);
	bpf_map_delete_elem(&atomic_recs, &tid);
}

static __always_inline void rec_head(struct kmst_event *ev, __u16 type, __u16 size, __u8 source,
				     __s32 minor, __s32 ret)
{
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };

	c.commit.minor = minor;
	fill_head(ev, type, size, KMST_PH_POINT, source, &c);
	ev->ret = ret;
}

/* The recorder's other ioctls, at exit: the kernel copy holds the returned ids. */
static __noinline void record_ioctl(__u8 special, __u8 source, __s32 minor, void *data, __s32 ret)
{
	if (!recorder_on || !task_selected() || !minor_selected(minor))
		return;
	switch (special) {
	case KMST_SP_REC_ADDFB2: {
		struct drm_mode_fb_cmd2 *cmd = data;
		struct kmst_rec_addfb2 *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);

		if (!rec) {
			count_drop(KMST_EV_REC_ADDFB2);
			return;
		}
		rec_head(&rec->head, KMST_EV_REC_ADDFB2, sizeof(*rec), source, minor, ret);
		rec->fb_id = BPF_CORE_READ(cmd, fb_id);
		rec->width = BPF_CORE_READ(cmd, width);
		rec->height = BPF_CORE_READ(cmd, height);
		rec->pixel_format = BPF_CORE_READ(cmd, pixel_format);
		rec->flags = BPF_CORE_READ(cmd, flags);
		bpf_core_read(rec->handles, sizeof(rec->handles), &cmd->handles);
		bpf_core_read(rec->pitches, sizeof(rec->pitches), &cmd->pitches);
		bpf_core_read(rec->offsets, sizeof(rec->offsets), &cmd->offsets);
		bpf_core_read(rec->modifier, sizeof(rec->modifier), &cmd->modifier);
		rec->pad = 0;
		bpf_ringbuf_submit(rec, submit_flags());
		return;
	}
	case KMST_SP_REC_RMFB: {
		struct kmst_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
		__u32 fb_id = 0;

		if (!ev) {
			count_drop(KMST_EV_REC_RMFB);
			return;
		}
		bpf_probe_read_kernel(&fb_id, sizeof(fb_id), data);
		rec_head(ev, KMST_EV_REC_RMFB, sizeof(*ev), source, minor, ret);
		ev->arg0 = fb_id;
		bpf_ringbuf_submit(ev, submit_flags());
		return;
	}
	case KMST_SP_REC_CREATE_DUMB: {
		struct drm_mode_create_dumb *args = data;
		struct kmst_rec_create_dumb *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);

		if (!rec) {
			count_drop(KMST_EV_REC_CREATE_DUMB);
			return;
		}
		rec_head(&rec->head, KMST_EV_REC_CREATE_DUMB, sizeof(*rec), source, minor, ret);
		rec->height = BPF_CORE_READ(args, height);
		rec->width = BPF_CORE_READ(args, width);
		rec->bpp = BPF_CORE_READ(args, bpp);
		rec->flags = BPF_CORE_READ(args, flags);
		rec->handle = BPF_CORE_READ(args, handle);
		rec->pitch = BPF_CORE_READ(args, pitch);
		rec->size = BPF_CORE_READ(args, size);
		bpf_ringbuf_submit(rec, submit_flags());
		return;
	}
	case KMST_SP_REC_CREATEBLOB: {
		struct drm_mode_create_blob *args = data;
		struct kmst_rec_blob *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
		__u32 len;

		if (!rec) {
			count_drop(KMST_EV_REC_CREATEPROPBLOB);
			return;
		}
		rec_head(&rec->head, KMST_EV_REC_CREATEPROPBLOB, sizeof(*rec), source, minor, ret);
		rec->blob_id = BPF_CORE_READ(args, blob_id);
		rec->length = BPF_CORE_READ(args, length);
		len = rec->length;
		if (len > KMST_REC_MAX_BLOB)
			len = KMST_REC_MAX_BLOB;
		/* Ring buffer memory is not zeroed: clear the tail the copy leaves. */
		for (int i = 0; i < KMST_REC_MAX_BLOB / 8; i++)
			((__u64 *)rec->data)[i] = 0;
		bpf_probe_read_user(rec->data, len, (void *)BPF_CORE_READ(args, data));
		bpf_ringbuf_submit(rec, submit_flags());
		return;
	}
	case KMST_SP_REC_GETPROPERTY: {
		struct drm_mode_get_property *args = data;
		struct kmst_rec_prop_name *rec;

		if (ret)
			return;
		rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
		if (!rec) {
			count_drop(KMST_EV_REC_PROPERTY_NAME);
			return;
		}
		rec_head(&rec->head, KMST_EV_REC_PROPERTY_NAME, sizeof(*rec), source, minor, ret);
		rec->head.arg0 = BPF_CORE_READ(args, prop_id);
		bpf_core_read(rec->name, sizeof(rec->name), &args->name);
		bpf_ringbuf_submit(rec, submit_flags());
		return;
	}
	}
}

/* drm_send_event_timestamp_locked: one pending event leaves for its file. */
static __noinline void deliver_event(struct drm_device *dev, struct drm_pending_event *pe,
				     __u64 timestamp, __u8 source)
{
	struct drm_pending_vblank_event *e = (void *)pe;
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };
	struct kmst_event_owner *info;
	struct kmst_crtc_info *crtc_info;
	struct kmst_vblank_ctx *vctx;
	struct drm_event *uevent;
	__u64 key = (__u64)pe, now = bpf_ktime_get_ns();
	__u64 arm_ts = 0, seq = 0;
	__u32 utype = 0, zero = 0;
	__s32 minor = minor_of(dev);

	uevent = BPF_CORE_READ(pe, event);
	if (uevent)
		utype = BPF_CORE_READ(uevent, type);
	info = bpf_map_lookup_elem(&pending_events, &key);
	/* Other pending events (fences, ...) go through here too. */
	if (!info && (utype < UAPI_EVENT_VBLANK || utype > UAPI_EVENT_CRTC_SEQUENCE))
		return;
	c.crtc = BPF_CORE_READ(e, pipe);
	if (info) {
		c.commit = info->commit;
		arm_ts = info->arm_ts;
	} else {
		event_commit(key, minor, c.crtc, &c);
	}
	c.commit.minor = minor;
	if (utype == UAPI_EVENT_CRTC_SEQUENCE)
		seq = BPF_CORE_READ(e, event.seq.sequence);
	else if (utype)
		seq = BPF_CORE_READ(e, event.vbl.sequence);
	vctx = bpf_map_lookup_elem(&vblank_cpu, &zero);
	if (vctx) {
		vctx->delivered_seq = seq;
		vctx->delivered_ts = timestamp;
	}
	crtc_info = crtc_lookup(minor, c.crtc, false);
	if (crtc_info && crtc_info->armed_commit == c.commit.id)
		crtc_info->armed_commit = 0;
	bpf_map_delete_elem(&pending_events, &key);
	if (!minor_selected(minor) || (c.commit.id && !c.commit.selected))
		return;
	if (BPF_CORE_READ(pe, file_priv)) {
		EMIT(KMST_EV_VBLANK_EVENT_DELIVERED, KMST_PH_POINT, source, &c, 0, utype, seq, timestamp);
		if (arm_ts)
			hist_add(KMST_HIST_EVENT_LATENCY, minor, c.crtc, now - arm_ts, 0);
		if (c.commit.ioctl_ts)
			hist_add(KMST_HIST_FLIP_LATENCY, minor, c.crtc, now - c.commit.ioctl_ts, 0);
	}
	if (BPF_CORE_READ(pe, completion))
		EMIT(KMST_EV_FLIP_DONE_COMPLETE, KMST_PH_POINT, source, &c, 0, 0, seq, timestamp);
}

/* drm_handle_vblank exit: the new count, the nominal frame, the interval. */
static __noinline void vblank_handled(struct drm_device *dev, __u32 pipe, bool ret, __u8 source)
{
	struct kmst_ectx c = { .plane = -1 };
	struct drm_vblank_crtc *vblank;
	struct kmst_crtc_info *crtc_info;
	struct kmst_vblank_ctx *vctx;
	__u64 seq, ts, framedur;
	__u32 zero = 0;

	c.crtc = pipe;
	c.commit.minor = minor_of(dev);
	vctx = bpf_map_lookup_elem(&vblank_cpu, &zero);
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
	EMIT(KMST_EV_HANDLE_VBLANK, KMST_PH_POINT, source, &c, ret, 0, seq, framedur);

	crtc_info = crtc_lookup(c.commit.minor, c.crtc, true);
	if (!crtc_info)
		return;
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

/* ---- The one handler ---- */

/*
 * FN and PHASE are passed in registers, not in *call: the verifier then
 * knows them as constants in each fentry slot and skips every branch
 * that function cannot take, which keeps loading fast.
 */
static __noinline int handle(struct kmst_call *call, __u32 fn, __u32 phase)
{
	struct drm_atomic_state *state = NULL;
	struct drm_plane_state *plane_state = NULL;
	struct drm_device *dev = NULL;
	struct drm_crtc *crtc = NULL;
	struct drm_plane *plane = NULL;
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };
	struct kmst_commit_info *commit = NULL;
	__u64 event = 0, data = 0, timestamp = 0, completion = 0, arg0 = 0, arg1 = 0;
	__u32 aux = 0;
	__s64 pipe = -1;
	__u32 i;
	__u8 special, flags;
	__s32 ret = 0;
	__u16 type;

	if (fn >= KMST_FN_MAX)
		return 0;
	type = fn_specs[fn].type;
	special = fn_specs[fn].special;
	flags = fn_specs[fn].flags;
	if (!type)
		return 0;
	if (phase == KMST_PH_EXIT && (flags & KMST_FNF_RET))
		ret = (flags & KMST_FNF_RET_BOOL) ? (__s32)(call->ret & 0xff) : (__s32)call->ret;

	for (i = 0; i < KMST_FN_ARGS; i++) {
		__u64 arg = call->args[i];

		switch (fn_specs[fn].roles[i]) {
		case KMST_ARG_DEV:
			dev = (void *)arg;
			break;
		case KMST_ARG_STATE:
			state = (void *)arg;
			break;
		case KMST_ARG_KREF_STATE:
			state = (void *)arg - bpf_core_field_offset(struct drm_atomic_state, ref);
			break;
		case KMST_ARG_CRTC:
			crtc = (void *)arg;
			break;
		case KMST_ARG_PLANE:
			plane = (void *)arg;
			break;
		case KMST_ARG_PLANE_STATE:
			plane_state = (void *)arg;
			break;
		case KMST_ARG_EVENT:
		case KMST_ARG_PENDING_EVENT:
			event = arg;
			break;
		case KMST_ARG_PIPE:
			pipe = (__u32)arg;
			break;
		case KMST_ARG_IOCTL_DATA:
			data = arg;
			break;
		case KMST_ARG_TIMESTAMP:
			timestamp = arg;
			break;
		case KMST_ARG_COMPLETION:
			completion = arg;
			break;
		}
	}

	/* Specials that are not about one commit's objects. */
	switch (special) {
	case KMST_SP_COMPLETE_ALL:
		if (phase == KMST_PH_ENTER && completion)
			completion_fired(completion, call->source);
		return 0;
	case KMST_SP_DELIVER_EVENT:
		if (phase == KMST_PH_ENTER)
			deliver_event(dev, (void *)event, timestamp, call->source);
		return 0;
	case KMST_SP_HANDLE_VBLANK:
		if (phase == KMST_PH_ENTER) {
			__u32 zero = 0;
			struct kmst_vblank_ctx *vctx = bpf_map_lookup_elem(&vblank_cpu, &zero);
			struct kmst_crtc_info *crtc_info = crtc_lookup(minor_of(dev), pipe, false);

			if (vctx) {
				vctx->minor = minor_of(dev);
				vctx->crtc = pipe;
				vctx->armed_commit = crtc_info ? crtc_info->armed_commit : 0;
			}
		} else {
			vblank_handled(dev, pipe, ret, call->source);
		}
		return 0;
	case KMST_SP_REC_ADDFB2:
	case KMST_SP_REC_RMFB:
	case KMST_SP_REC_CREATE_DUMB:
	case KMST_SP_REC_CREATEBLOB:
	case KMST_SP_REC_GETPROPERTY:
		if (phase == KMST_PH_EXIT)
			record_ioctl(special, call->source, minor_of(dev), (void *)data, ret);
		return 0;
	}

	/* Resolve the objects: plane state -> plane + state, state -> device. */
	if (plane_state) {
		if (!plane)
			plane = BPF_CORE_READ(plane_state, plane);
		if (!state)
			state = BPF_CORE_READ(plane_state, state);
		if (!crtc)
			crtc = BPF_CORE_READ(plane_state, crtc);
	}
	if (plane) {
		c.plane = BPF_CORE_READ(plane, index);
		if (!dev)
			dev = BPF_CORE_READ(plane, dev);
		if (!crtc && state && c.plane >= 0 && c.plane < 32) {
			struct __drm_planes_state *entry = BPF_CORE_READ(state, planes);
			struct drm_plane_state *ps;

			entry = (void *)entry + c.plane * bpf_core_type_size(struct __drm_planes_state);
			ps = BPF_CORE_READ(entry, new_state);
			if (ps)
				crtc = BPF_CORE_READ(ps, crtc);
			if (!crtc) {
				ps = BPF_CORE_READ(entry, old_state);
				if (ps)
					crtc = BPF_CORE_READ(ps, crtc);
			}
		}
	}
	if (crtc) {
		c.crtc = BPF_CORE_READ(crtc, index);
		if (!dev)
			dev = BPF_CORE_READ(crtc, dev);
	}
	if (pipe >= 0)
		c.crtc = pipe;
	if (!dev && state)
		dev = BPF_CORE_READ(state, dev);
	c.commit.minor = minor_of(dev);

	if (special == KMST_SP_ATOMIC_IOCTL) {
		__u32 tid = current_tid();

		if (phase == KMST_PH_ENTER)
			atomic_ioctl_enter(dev, (void *)data);
		/* user_data is what the client matches its event with. */
		aux = BPF_CORE_READ((struct drm_mode_atomic *)data, flags);
		arg0 = BPF_CORE_READ((struct drm_mode_atomic *)data, user_data);
		commit = bpf_map_lookup_elem(&ioctl_pending, &tid);
		if (commit)
			c.commit = *commit;
		c.commit.minor = minor_of(dev);
	} else if (special == KMST_SP_STATE_FREE) {
		__u64 key = (__u64)state;

		commit = bpf_map_lookup_elem(&states, &key);
		if (!commit)
			return 0; /* never part of this trace */
		c.commit = *commit;
		bpf_map_delete_elem(&states, &key);
	} else if (state) {
		commit = state_commit(state, special == KMST_SP_STATE_INIT);
		if (commit) {
			__u32 tid = current_tid();

			if (special == KMST_SP_NONBLOCKING && phase == KMST_PH_ENTER)
				commit->flags |= KMST_CF_NONBLOCK;
			if (phase == KMST_PH_ENTER &&
			    BPF_CORE_READ_BITFIELD_PROBED(state, allow_modeset))
				commit->flags |= KMST_CF_ALLOW_MODESET;
			c.commit = *commit;
			bpf_map_update_elem(&tid_commit, &tid, commit, BPF_ANY);
		}
	} else if (event) {
		event_commit(event, c.commit.minor, c.crtc, &c);
		if (!c.commit.id) {
			__u32 tid = current_tid();

			commit = bpf_map_lookup_elem(&tid_commit, &tid);
			if (commit)
				c.commit = *commit;
		}
	} else if (crtc) {
		/* vblank on/off/get/put: the commit running on this thread, if any. */
		__u32 tid = current_tid();

		commit = bpf_map_lookup_elem(&tid_commit, &tid);
		if (commit)
			c.commit = *commit;
	}
	c.commit.minor = minor_of(dev);

	if (!minor_selected(c.commit.minor))
		return 0;
	if (c.commit.id && !c.commit.selected)
		return 0;

	if (special == KMST_SP_SETUP_COMMIT && phase == KMST_PH_EXIT && !ret)
		note_state_events(state, &c.commit);
	if (special == KMST_SP_ARM_EVENT && phase == KMST_PH_ENTER && event) {
		struct kmst_event_owner fresh = {}, *info = bpf_map_lookup_elem(&pending_events, &event);
		struct kmst_crtc_info *crtc_info = crtc_lookup(c.commit.minor, c.crtc, true);

		if (!info) {
			fresh.commit = c.commit;
			fresh.crtc = c.crtc;
			bpf_map_update_elem(&pending_events, &event, &fresh, BPF_ANY);
			info = bpf_map_lookup_elem(&pending_events, &event);
		}
		if (info)
			info->arm_ts = bpf_ktime_get_ns();
		if (crtc_info) {
			crtc_info->armed_commit = c.commit.id;
			if (BPF_CORE_READ((struct drm_pending_vblank_event *)event, base.file_priv))
				crtc_info->latest_event = c.commit;
		}
	}

	if (special == KMST_SP_SEND_EVENT && phase == KMST_PH_EXIT) {
		__u32 zero = 0;
		struct kmst_vblank_ctx *vctx = bpf_map_lookup_elem(&vblank_cpu, &zero);

		if (vctx) {
			arg0 = vctx->delivered_seq;
			arg1 = vctx->delivered_ts;
		}
	}

	if (phase == KMST_PH_ENTER) {
		if (flags & KMST_FNF_ENTER)
			EMIT(type, KMST_PH_ENTER, call->source, &c, 0, aux, arg0, arg1);
		else if (flags & KMST_FNF_POINT_ENTER)
			EMIT(type, KMST_PH_POINT, call->source, &c, 0, aux, arg0, arg1);
	} else {
		if (flags & KMST_FNF_EXIT)
			EMIT(type, KMST_PH_EXIT, call->source, &c, ret, aux, arg0, arg1);
		else if (flags & KMST_FNF_POINT_EXIT)
			EMIT(type, KMST_PH_POINT, call->source, &c, ret, aux, arg0, arg1);
		if (special == KMST_SP_ATOMIC_IOCTL)
			atomic_ioctl_exit(ret);
	}
	return 0;
}

/*
 * ---- Program slots: slot N serves function N of fn_specs[] ----
 *
 * Every traced function gets its own fentry/fexit or kprobe/kretprobe
 * program, so that N is a constant the verifier prunes with: a generic
 * program serving every function would take tens of seconds to verify
 * under emulation. Only the slots the loader uses are loaded.
 */

static __always_inline int on_fentry(__u64 *ctx, __u32 fn, __u8 phase)
{
	struct kmst_call call = { .fn = fn, .phase = phase, .source = KMST_SRC_FENTRY };
	__u32 i;

	if (!live)
		return 0;
	for (i = 0; i < KMST_FN_ARGS; i++)
		bpf_get_func_arg(ctx, i, &call.args[i]);
	if (phase == KMST_PH_EXIT)
		bpf_get_func_ret(ctx, &call.ret);
	return handle(&call, fn, phase);
}

static __always_inline int on_kprobe(struct pt_regs *regs, __u32 fn)
{
	struct kmst_call call = { .fn = fn, .phase = KMST_PH_ENTER, .source = KMST_SRC_KPROBE };
	struct kmst_call_key key = { .tid = current_tid(), .fn = fn };

	if (!live)
		return 0;
	call.args[0] = PT_REGS_PARM1(regs);
	call.args[1] = PT_REGS_PARM2(regs);
	call.args[2] = PT_REGS_PARM3(regs);
	call.args[3] = PT_REGS_PARM4(regs);
	call.args[4] = PT_REGS_PARM5(regs);
	call.args[5] = regs->r9; /* x86-64: the sixth argument (libbpf 1.1 has no PT_REGS_PARM6) */
	/* A kretprobe sees no arguments: keep them for it. */
	if (fn_specs[fn].flags & (KMST_FNF_EXIT | KMST_FNF_POINT_EXIT))
		bpf_map_update_elem(&kprobe_args, &key, &call.args, BPF_ANY);
	return handle(&call, fn, KMST_PH_ENTER);
}

static __always_inline int on_kretprobe(struct pt_regs *regs, __u32 fn)
{
	struct kmst_call call = { .fn = fn, .phase = KMST_PH_EXIT, .source = KMST_SRC_KPROBE };
	struct kmst_call_key key = { .tid = current_tid(), .fn = fn };
	struct kmst_call_args *args;

	args = bpf_map_lookup_elem(&kprobe_args, &key);
	if (!args)
		return 0;
	__builtin_memcpy(call.args, args->args, sizeof(call.args));
	bpf_map_delete_elem(&kprobe_args, &key);
	call.ret = PT_REGS_RC(regs);
	return handle(&call, fn, KMST_PH_EXIT);
}

/* Slot a*8+b: kmst_fentry_<a>_<b>, kmst_fexit_..., kmst_kprobe_..., kmst_kretprobe_... */
#define KMST_SLOT(a, b)                                                                  \
	SEC("fentry")                                                                    \
	int kmst_fentry_##a##_##b(__u64 *ctx) { return on_fentry(ctx, a * 8 + b, KMST_PH_ENTER); } \
	SEC("fexit")                                                                     \
	int kmst_fexit_##a##_##b(__u64 *ctx) { return on_fentry(ctx, a * 8 + b, KMST_PH_EXIT); } \
	SEC("kprobe")                                                                    \
	int kmst_kprobe_##a##_##b(struct pt_regs *regs) { return on_kprobe(regs, a * 8 + b); } \
	SEC("kretprobe")                                                                 \
	int kmst_kretprobe_##a##_##b(struct pt_regs *regs) { return on_kretprobe(regs, a * 8 + b); }

#define KMST_SLOTS8(a)                                                                   \
	KMST_SLOT(a, 0) KMST_SLOT(a, 1) KMST_SLOT(a, 2) KMST_SLOT(a, 3)                  \
	KMST_SLOT(a, 4) KMST_SLOT(a, 5) KMST_SLOT(a, 6) KMST_SLOT(a, 7)

/* KMST_FN_MAX (96) slots. */
KMST_SLOTS8(0)
KMST_SLOTS8(1)
KMST_SLOTS8(2)
KMST_SLOTS8(3)
KMST_SLOTS8(4)
KMST_SLOTS8(5)
KMST_SLOTS8(6)
KMST_SLOTS8(7)
KMST_SLOTS8(8)
KMST_SLOTS8(9)
KMST_SLOTS8(10)
KMST_SLOTS8(11)

/* ---- Tracepoints (raw: no BTF needed) ---- */

static __always_inline __s32 vblank_cpu_minor(__s32 crtc)
{
	__u32 zero = 0;
	struct kmst_vblank_ctx *vctx = bpf_map_lookup_elem(&vblank_cpu, &zero);

	return vctx && vctx->crtc == crtc ? vctx->minor : -1;
}

/* drm:drm_vblank_event(int crtc, unsigned int seq, ktime_t time, bool high_prec): once per VBLANK. */
SEC("raw_tp/drm_vblank_event")
int kmst_tp_drm_vblank_event(struct bpf_raw_tracepoint_args *ctx)
{
	struct kmst_ectx c = { .plane = -1 };

	if (!live)
		return 0;
	c.crtc = (__s32)ctx->args[0];
	c.commit.minor = vblank_cpu_minor(c.crtc);
	if (!minor_selected(c.commit.minor))
		return 0;
	EMIT(KMST_EV_VBLANK_EVENT, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0,
	     (__u32)ctx->args[3] & 1, (__u32)ctx->args[1], ctx->args[2]);
	return 0;
}

/* drm:drm_vblank_event_queued(struct drm_file *file, int crtc, unsigned int seq) */
SEC("raw_tp/drm_vblank_event_queued")
int kmst_tp_drm_vblank_event_queued(struct bpf_raw_tracepoint_args *ctx)
{
	struct kmst_ectx c = { .commit.minor = -1, .plane = -1 };

	if (!live || !task_selected())
		return 0;
	c.crtc = (__s32)ctx->args[1];
	EMIT(KMST_EV_VBLANK_EVENT_QUEUED, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0, 0,
	     (__u32)ctx->args[2], 0);
	return 0;
}

/*
 * tvkms's tracepoints (module/tvkms_trace.h): each starts with the
 * commit's atomic state (NULL when none) and continues with integers.
 */
static __always_inline int tvkms_point(void *state, __u32 minor, __u16 type, __s32 crtc,
				       __s32 plane, __u32 aux, __u64 arg0, __u64 arg1)
{
	struct kmst_ectx c = { .crtc = crtc, .plane = plane };
	struct kmst_commit_info *commit;

	if (!live)
		return 0;
	commit = state ? state_commit(state, false) : NULL;
	if (commit)
		c.commit = *commit;
	c.commit.minor = minor;
	if (!minor_selected(c.commit.minor) || (c.commit.id && !c.commit.selected))
		return 0;
	EMIT(type, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0, aux, arg0, arg1);
	return 0;
}

/* tvkms_commit_stage(state, u32 minor, int crtc, u32 stage) */
SEC("raw_tp/tvkms_commit_stage")
int kmst_tp_tvkms_commit_stage(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_STAGE, (__s32)ctx->args[2],
			   -1, ctx->args[3], 0, 0);
}

/* tvkms_vblank(state, u32 minor, int crtc, u64 seq, u64 expected_ns, u64 actual_ns) */
SEC("raw_tp/tvkms_vblank")
int kmst_tp_tvkms_vblank(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 expected = ctx->args[4], actual = ctx->args[5];
	__u64 late = actual > expected ? actual - expected : 0;

	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_VBLANK, (__s32)ctx->args[2],
			   -1, late > 0xffffffffULL ? 0xffffffffU : (__u32)late, ctx->args[3], expected);
}

/* tvkms_event(state, u32 minor, int crtc, u32 kind, u64 user_data) */
SEC("raw_tp/tvkms_event")
int kmst_tp_tvkms_event(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_EVENT, (__s32)ctx->args[2],
			   -1, ctx->args[3], ctx->args[4], 0);
}

/* tvkms_fb(state, u32 minor, int plane, u32 kind, u32 fb_id) */
SEC("raw_tp/tvkms_fb")
int kmst_tp_tvkms_fb(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_FB, -1, (__s32)ctx->args[2],
			   ctx->args[3], (__u32)ctx->args[4], 0);
}

/* tvkms_fault(state, u32 minor, int crtc, int plane, u32 rule) */
SEC("raw_tp/tvkms_fault")
int kmst_tp_tvkms_fault(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_FAULT, (__s32)ctx->args[2],
			   (__s32)ctx->args[3], ctx->args[4], 0, 0);
}
