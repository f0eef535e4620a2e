/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * emit.bpf.h - the ring buffer and the record head (part of commit.bpf.c).
 * Every record of the object leaves through `events`; a reserve failure is
 * counted per event type, never lost silently.
 */
#ifndef KMST_EMIT_BPF_H
#define KMST_EMIT_BPF_H

#include "commit_ids.bpf.h"

/*
 * Wake the reader only once this many bytes wait in the ring. A wakeup per
 * event costs the traced client a context switch per commit; the reader
 * polls on a short timer anyway, so batching loses nothing. 0 = always wake.
 */
const volatile __u64 wakeup_bytes;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

/* Ring buffer reserve failures per event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMST_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Everything one record needs to know about its objects. */
struct kmst_ectx {
	struct kmst_commit_info commit;
	__s32 crtc;
	__s32 plane;
};

/* A record's type-specific values (BPF calls take at most five arguments). */
struct kmst_out {
	__s32 ret;
	__u32 aux;
	__u64 arg0;
	__u64 arg1;
};

static __always_inline __u64 submit_flags(void)
{
	if (!wakeup_bytes || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
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

static __always_inline void emit(__u16 type, __u8 phase, __u8 source, const struct kmst_ectx *c,
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

/* A record of a commit left out by the filters is not written. */
static __always_inline bool ectx_selected(const struct kmst_ectx *c)
{
	return minor_selected(c->commit.minor) && (!c->commit.id || c->commit.selected);
}

#endif /* KMST_EMIT_BPF_H */
