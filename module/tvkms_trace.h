/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * The tvkms trace system. The record format is documented
 * in TRACEPOINTS.md; every TP_PROTO starts with the commit's atomic state
 * (NULL when no commit is involved) followed only by integers, so raw
 * tracepoint programs can read the arguments in order without BTF.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tvkms

#if !defined(_TVKMS_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _TVKMS_TRACE_H_

#include <linux/tracepoint.h>
#include <linux/types.h>

struct drm_atomic_state;

TRACE_EVENT(tvkms_commit_stage,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u32 stage),
	TP_ARGS(state, minor, crtc, stage),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, crtc)
		__field(u32, stage)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->crtc = crtc;
		__entry->stage = stage;
	),
	TP_printk("minor=%u crtc=%d stage=%u", __entry->minor, __entry->crtc,
		  __entry->stage)
);

TRACE_EVENT(tvkms_vblank,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u64 seq, u64 expected_ns, u64 actual_ns),
	TP_ARGS(state, minor, crtc, seq, expected_ns, actual_ns),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, crtc)
		__field(u64, seq)
		__field(u64, expected_ns)
		__field(u64, actual_ns)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->crtc = crtc;
		__entry->seq = seq;
		__entry->expected_ns = expected_ns;
		__entry->actual_ns = actual_ns;
	),
	TP_printk("minor=%u crtc=%d seq=%llu expected_ns=%llu actual_ns=%llu",
		  __entry->minor, __entry->crtc, __entry->seq,
		  __entry->expected_ns, __entry->actual_ns)
);

TRACE_EVENT(tvkms_event,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u32 kind, u64 user_data),
	TP_ARGS(state, minor, crtc, kind, user_data),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, crtc)
		__field(u32, kind)
		__field(u64, user_data)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->crtc = crtc;
		__entry->kind = kind;
		__entry->user_data = user_data;
	),
	TP_printk("minor=%u crtc=%d kind=%u user_data=0x%llx", __entry->minor,
		  __entry->crtc, __entry->kind, __entry->user_data)
);

TRACE_EVENT(tvkms_fb,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int plane,
		 u32 kind, u32 fb_id),
	TP_ARGS(state, minor, plane, kind, fb_id),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, plane)
		__field(u32, kind)
		__field(u32, fb_id)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->plane = plane;
		__entry->kind = kind;
		__entry->fb_id = fb_id;
	),
	TP_printk("minor=%u plane=%d kind=%u fb_id=%u", __entry->minor,
		  __entry->plane, __entry->kind, __entry->fb_id)
);

TRACE_EVENT(tvkms_fault,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 int plane, u32 rule),
	TP_ARGS(state, minor, crtc, plane, rule),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, crtc)
		__field(int, plane)
		__field(u32, rule)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->crtc = crtc;
		__entry->plane = plane;
		__entry->rule = rule;
	),
	TP_printk("minor=%u crtc=%d plane=%d rule=%u", __entry->minor,
		  __entry->crtc, __entry->plane, __entry->rule)
);

/*
 * One composition of a CRTC's frame (tvkms_composer.c), from its work
 * item: start before the first line, end after the last one was written
 * to the CRC and the writeback buffer. planes = layers blended.
 */
DECLARE_EVENT_CLASS(tvkms_compose_class,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u32 planes),
	TP_ARGS(state, minor, crtc, planes),
	TP_STRUCT__entry(
		__field(u32, minor)
		__field(int, crtc)
		__field(u32, planes)
	),
	TP_fast_assign(
		__entry->minor = minor;
		__entry->crtc = crtc;
		__entry->planes = planes;
	),
	TP_printk("minor=%u crtc=%d planes=%u", __entry->minor, __entry->crtc,
		  __entry->planes)
);

DEFINE_EVENT(tvkms_compose_class, tvkms_compose_start,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u32 planes),
	TP_ARGS(state, minor, crtc, planes)
);

DEFINE_EVENT(tvkms_compose_class, tvkms_compose_end,
	TP_PROTO(const struct drm_atomic_state *state, u32 minor, int crtc,
		 u32 planes),
	TP_ARGS(state, minor, crtc, planes)
);

#endif /* _TVKMS_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tvkms_trace
#include <trace/define_trace.h>
