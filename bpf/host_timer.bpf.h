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

/* The hrtimer whose callback runs on this CPU (hrtimer_expire_entry to _exit). */
struct kmst_host_timer {
	__u64 timer;	  /* struct hrtimer *, never written to a trace; 0 = none */
	__u64 expires_ns; /* its programmed expiry, hrtimer->node.expires */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kmst_host_timer);
} host_timer_cpu SEC(".maps");

/*
 * hrtimer_expire_entry fires for every hrtimer of the system: one per-CPU
 * store, nothing else (no record, no filter).
 */
static __always_inline void host_timer_entered(struct hrtimer *timer)
{
	__u32 zero = 0;
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &zero);

	if (!slot)
		return;
	slot->timer = (__u64)timer;
	slot->expires_ns = BPF_CORE_READ(timer, node.expires);
}

/*
 * hrtimer_expire_exit: the callback is over. Only the timer that entered
 * last is cleared: a hard timer interrupting a soft one's callback then
 * leaves the slot empty (lateness unknown), never stale.
 */
static __always_inline void host_timer_exited(struct hrtimer *timer)
{
	__u32 zero = 0;
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &zero);

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
 * A real interrupt handler nested in a soft hrtimer's callback would be
 * credited with that timer's lateness; hrtimer-driven VBLANK of virtual
 * drivers runs in hard interrupt context, where nothing nests.
 */
static __always_inline __u32 host_lateness(__u64 now)
{
	__u32 zero = 0;
	struct kmst_host_timer *slot = bpf_map_lookup_elem(&host_timer_cpu, &zero);
	__u64 late;

	if (!slot || !slot->timer)
		return KMST_HOST_LATENESS_UNKNOWN;
	/* A timer with slack may run between its soft and its hard expiry. */
	if ((__s64)(now - slot->expires_ns) <= 0)
		return 0;
	late = now - slot->expires_ns;
	return late >= KMST_HOST_LATENESS_UNKNOWN - 1 ? KMST_HOST_LATENESS_UNKNOWN - 1 : (__u32)late;
}

#endif /* KMST_HOST_TIMER_BPF_H */
