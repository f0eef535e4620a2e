/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * host_timer.bpf.h - how late the host ran the hrtimer behind a VBLANK
 * (part of commit.bpf.c). Virtual drivers (tvkms, vkms) emulate VBLANK with
 * an hrtimer; under an emulator the timer expires late whenever the host
 * does not run the guest. hrtimer_expire_entry gives the timer and the
 * base's "now"; its programmed expiry is read there, before the callback
 * moves it to the next frame. drm_handle_vblank, when called inside that
 * callback on the same CPU, reports now - expiry as host lateness: the
 * part of a late VBLANK that is the host's, not the driver's.
 */
#ifndef KMST_HOST_TIMER_BPF_H
#define KMST_HOST_TIMER_BPF_H

/*
 * The hrtimer whose callback runs on this CPU (hrtimer_expire_entry to
 * _exit), one slot per expiry context: soft timers (softirq, or the
 * ktimers thread of PREEMPT_RT, where a VBLANK hrtimer not marked hard
 * runs) and hard ones (interrupt). A hard timer may interrupt a soft one's
 * callback; nothing nests within one context on one CPU, so two slots
 * hold every nesting.
 */
enum kmst_host_timer_ctx {
	KMST_HOST_TIMER_SOFT = 0,
	KMST_HOST_TIMER_HARD = 1,
	KMST_HOST_TIMER_CTXS,
};

struct kmst_host_timer {
	__u64 timer;	  /* struct hrtimer *, never written to a trace; 0 = none */
	__u64 expires_ns; /* its programmed expiry, hrtimer->node.expires */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMST_HOST_TIMER_CTXS);
	__type(key, __u32);
	__type(value, struct kmst_host_timer);
} host_timer_cpu SEC(".maps");

/*
 * Which slot TIMER's callback uses. hrtimer->is_soft (4.16 on) says it
 * expires in softirq context: asked for with HRTIMER_MODE_SOFT, or on
 * PREEMPT_RT every timer not marked HRTIMER_MODE_HARD. (is_hard is only
 * the HARD mode bit: unset on a plain timer that still expires in hard
 * interrupt context without PREEMPT_RT.)
 */
static __always_inline __u32 host_timer_ctx(struct hrtimer *timer)
{
	if (bpf_core_field_exists(timer->is_soft) && BPF_CORE_READ(timer, is_soft))
		return KMST_HOST_TIMER_SOFT;
	return KMST_HOST_TIMER_HARD;
}

/*
 * hrtimer_expire_entry fires for every hrtimer of the system: one per-CPU
 * store, nothing else (no record, no filter).
 */
static __always_inline void host_timer_entered(struct hrtimer *timer)
{
	__u32 ctx = host_timer_ctx(timer);
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &ctx);

	if (!slot)
		return;
	slot->timer = (__u64)timer;
	slot->expires_ns = BPF_CORE_READ(timer, node.expires);
}

/* hrtimer_expire_exit: the callback is over; its context's slot is empty. */
static __always_inline void host_timer_exited(struct hrtimer *timer)
{
	__u32 ctx = host_timer_ctx(timer);
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &ctx);

	if (slot && slot->timer == (__u64)timer)
		slot->timer = 0;
}

/*
 * How long after its programmed expiry the hrtimer whose callback runs on
 * this CPU got to NOW (drm_handle_vblank's exit), in ns (saturated),
 * or KMST_HOST_LATENESS_UNKNOWN outside any callback. That is the host's
 * lateness in running the timer plus the callback's own run up to here,
 * which an emulator stretches too: the record's time minus it is the
 * timer's programmed expiry, the instant the driver meant for this VBLANK.
 * NOW must be the record's own time: an emulator can stall the guest
 * between two clock reads, and a lateness read before the record's time
 * was taken then misses that stall (a false 1 ms jitter under TCG).
 * A hard callback running now has interrupted whatever soft one runs, so
 * its slot, when full, is the one that called; else the soft slot is.
 */
static __always_inline __u32 host_lateness(__u64 now)
{
	__u32 hard = KMST_HOST_TIMER_HARD, soft = KMST_HOST_TIMER_SOFT;
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &hard);
	__u64 late;

	if (!slot || !slot->timer)
		slot = bpf_map_lookup_elem(&host_timer_cpu, &soft);
	if (!slot || !slot->timer)
		return KMST_HOST_LATENESS_UNKNOWN;
	/* A timer with slack may run between its soft and its hard expiry. */
	if ((__s64)(now - slot->expires_ns) <= 0)
		return 0;
	late = now - slot->expires_ns;
	return late >= KMST_HOST_LATENESS_UNKNOWN - 1 ? KMST_HOST_LATENESS_UNKNOWN - 1 : (__u32)late;
}

#endif /* KMST_HOST_TIMER_BPF_H */
