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

/* Each CPU's hrtimer bases: which timer's callback runs on it now. */
extern struct hrtimer_cpu_base hrtimer_bases __ksym;

/* HRTIMER_BASE_MONOTONIC .. _TAI are hard; the _SOFT four follow them. */
#define KMST_HRTIMER_HARD_BASES 4
#define KMST_HRTIMER_BASES 8

/*
 * The hrtimer whose callback runs on this CPU now, by the kernel's own
 * record (hrtimer_clock_base.running, set around each callback), and its
 * context (KMST_HOST_TIMER_*); 0 outside any callback. A hard callback
 * running now has interrupted whatever soft one runs, so it is the caller.
 */
static __always_inline __u64 host_timer_running(__u32 *ctx)
{
	struct hrtimer_cpu_base *cpu_base = bpf_this_cpu_ptr(&hrtimer_bases);
	/* One CO-RE read per base: the bases' size differs between kernels. */
	__u64 running[KMST_HRTIMER_BASES] = {
		(__u64)BPF_CORE_READ(cpu_base, clock_base[0].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[1].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[2].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[3].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[4].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[5].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[6].running),
		(__u64)BPF_CORE_READ(cpu_base, clock_base[7].running),
	};
	__u64 soft = 0;
	int i;

#pragma unroll
	for (i = 0; i < KMST_HRTIMER_BASES; i++) {
		if (!running[i])
			continue;
		if (i < KMST_HRTIMER_HARD_BASES) {
			*ctx = KMST_HOST_TIMER_HARD;
			return running[i];
		}
		if (!soft)
			soft = running[i];
	}
	*ctx = KMST_HOST_TIMER_SOFT;
	return soft;
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
 * The expiry is the one hrtimer_expire_entry saw for that very timer: when
 * the kernel skipped that run of the tracepoint's program (it was busy on
 * this CPU for a timer this one interrupted), the slot holds another timer
 * and the lateness is unknown, never another timer's.
 */
static __always_inline __u32 host_lateness(__u64 now)
{
	struct kmst_host_timer *slot;
	__u64 running, late;
	__u32 ctx;

	running = host_timer_running(&ctx);
	if (!running)
		return KMST_HOST_LATENESS_UNKNOWN;
	slot = bpf_map_lookup_elem(&host_timer_cpu, &ctx);
	if (!slot || slot->timer != running)
		return KMST_HOST_LATENESS_UNKNOWN;
	/* A timer with slack may run between its soft and its hard expiry. */
	if ((__s64)(now - slot->expires_ns) <= 0)
		return 0;
	late = now - slot->expires_ns;
	return late >= KMST_HOST_LATENESS_UNKNOWN - 1 ? KMST_HOST_LATENESS_UNKNOWN - 1 : (__u32)late;
}

#endif /* KMST_HOST_TIMER_BPF_H */
