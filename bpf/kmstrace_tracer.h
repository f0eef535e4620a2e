/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kmstrace_tracer.h - what the loader (harness/tracer_*.c) and the tracer
 * programs (bpf/commit.bpf.c, bpf/discover.bpf.c) share besides the event
 * records: the table describing each traced function, the in-kernel
 * histograms and the device discovery results. Fixed-size integers only.
 * Never written to a trace file, so it carries no version of its own.
 */
#ifndef KMSTRACE_BPF_TRACER_H
#define KMSTRACE_BPF_TRACER_H

#ifndef __KMST_BPF__
#include <linux/types.h>
#endif

/*
 * Functions the loader may describe (core + driver callbacks). Function N
 * is attached through program slot N of commit.bpf.c (fentry/fexit or
 * kprobe/kretprobe, decided per function at load time).
 */
#define KMST_FN_MAX 96
#define KMST_FN_ARGS 6

/* The counters of kmst_fentry_rescue's claims (map rescue_counts): see commit.bpf.c. */
enum kmst_rescue_count {
	KMST_CLAIMS,		/* a call's first program claimed it and did its work */
	KMST_CLAIMS_CLEARED,	/* its second program found the claim and did nothing */
	KMST_CALLS_ALONE,	/* the second program found no claim and did the work */
	KMST_RESCUE_COUNTS
};

/* What a function argument is, so one handler can serve every function. */
enum kmst_arg_role {
	KMST_ARG_NONE = 0,
	KMST_ARG_DEV,		/* struct drm_device * */
	KMST_ARG_STATE,		/* struct drm_atomic_state * */
	KMST_ARG_KREF_STATE,	/* struct kref * embedded in a drm_atomic_state */
	KMST_ARG_CRTC,		/* struct drm_crtc * */
	KMST_ARG_PLANE,		/* struct drm_plane * */
	KMST_ARG_PLANE_STATE,	/* struct drm_plane_state * (->plane, ->state) */
	KMST_ARG_EVENT,		/* struct drm_pending_vblank_event * */
	KMST_ARG_PENDING_EVENT, /* struct drm_pending_event * (maybe a vblank one) */
	KMST_ARG_PIPE,		/* unsigned int CRTC index */
	KMST_ARG_IOCTL_DATA,	/* void *data of a DRM ioctl handler (kernel copy) */
	KMST_ARG_TIMESTAMP,	/* ktime_t */
	KMST_ARG_COMPLETION,	/* struct completion * */
};

/* Work a function needs beyond its enter/exit events. */
enum kmst_fn_special {
	KMST_SP_NONE = 0,
	KMST_SP_ATOMIC_IOCTL,	 /* pre-assign the commit id, copy the arguments */
	KMST_SP_STATE_INIT,	 /* bind the state to the tid's pre-assigned id */
	KMST_SP_STATE_FREE,	 /* retire the commit id */
	KMST_SP_NONBLOCKING,	 /* drm_atomic_nonblocking_commit */
	KMST_SP_SETUP_COMMIT,	 /* remember each CRTC's event -> commit */
	KMST_SP_ARM_EVENT,	 /* event armed: its arm time */
	KMST_SP_SEND_EVENT,	 /* drm_crtc_send_vblank_event */
	KMST_SP_DELIVER_EVENT,	 /* drm_send_event_timestamp_locked */
	KMST_SP_HANDLE_VBLANK,	 /* drm_handle_vblank: seq, frame duration, interval */
	KMST_SP_REC_ADDFB2,
	KMST_SP_REC_RMFB,
	KMST_SP_REC_CREATE_DUMB,
	KMST_SP_REC_CREATEBLOB,
	KMST_SP_REC_GETPROPERTY,
	KMST_SP_COMPLETE_ALL,	 /* complete_all: a commit's hw_done/cleanup_done fires */
};

/* enum kmst_fn_flags: which records a function produces. */
#define KMST_FNF_ENTER	0x01 /* an ENTER event */
#define KMST_FNF_EXIT	0x02 /* an EXIT event, with ret */
#define KMST_FNF_POINT_ENTER 0x04 /* one POINT event at entry */
#define KMST_FNF_POINT_EXIT 0x08 /* one POINT event at exit */
#define KMST_FNF_RET	0x10 /* the function returns a value worth recording */
#define KMST_FNF_RET_BOOL 0x20 /* ... a bool (only the low byte is meaningful) */

struct kmst_fn_spec {
	__u16 type;		   /* enum kmst_event_type of its events */
	__u8 special;		   /* enum kmst_fn_special */
	__u8 flags;		   /* KMST_FNF_* */
	__u8 roles[KMST_FN_ARGS]; /* enum kmst_arg_role per argument */
	__u8 recorder;		   /* 1: skipped when the recorder is off */
	__u8 pad;
};

/* ---- In-kernel histograms, one per (kind, minor, CRTC) ---- */

enum kmst_hist_kind {
	KMST_HIST_VBLANK_INTERVAL = 1, /* between consecutive HANDLE_VBLANKs */
	KMST_HIST_EVENT_LATENCY = 2,   /* drm_crtc_arm_vblank_event -> event delivered */
	KMST_HIST_FLIP_LATENCY = 3,    /* atomic ioctl entry -> event delivered */
	KMST_HIST_KIND_MAX,
};

#define KMST_HIST_LOG2_SLOTS 32 /* slot i: [2^i, 2^(i+1)) microseconds; slot 0 also holds 0 */
#define KMST_HIST_LIN_SLOTS 41	/* 100 us wide, centred on the nominal frame duration */
#define KMST_HIST_LIN_STEP_US 100

struct kmst_hist_key {
	__u32 kind; /* enum kmst_hist_kind */
	__s32 minor;
	__s32 crtc;
	__u32 pad;
};

struct kmst_hist {
	__u64 log2[KMST_HIST_LOG2_SLOTS];
	__u64 linear[KMST_HIST_LIN_SLOTS]; /* first/last slots also hold what lies beyond */
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 nominal_ns; /* frame duration the linear slots are centred on; 0 = none */
	__u64 missed;	  /* VBLANKs skipped (sequence jumped by more than one) */
};

/* Slot of a value in microseconds; shared so trace-derived histograms match. */
static inline __u32 kmst_hist_log2_slot(__u64 us)
{
	__u32 slot = 0;

	/* Bounded so the BPF verifier accepts it. */
	for (int i = 0; i < KMST_HIST_LOG2_SLOTS - 1; i++) {
		if (us < 2)
			break;
		us >>= 1;
		slot++;
	}
	return slot;
}

/* Linear slot of ns around nominal_ns (the middle slot holds nominal). */
static inline __u32 kmst_hist_lin_slot(__u64 ns, __u64 nominal_ns)
{
	const __u64 step_ns = KMST_HIST_LIN_STEP_US * 1000ULL;
	const __u32 mid = KMST_HIST_LIN_SLOTS / 2;
	__u64 off;

	/* Unsigned arithmetic only: BPF has no signed division. */
	if (ns >= nominal_ns) {
		off = (ns - nominal_ns + step_ns / 2) / step_ns;
		return off >= KMST_HIST_LIN_SLOTS - mid ? KMST_HIST_LIN_SLOTS - 1 : mid + (__u32)off;
	}
	off = (nominal_ns - ns + step_ns / 2) / step_ns;
	return off >= mid ? 0 : mid - (__u32)off;
}

/* ---- Device discovery (bpf/discover.bpf.c) ---- */

#define KMST_DISC_DEVS 8
#define KMST_DISC_CRTCS 8
#define KMST_DISC_PLANES 16

/* Callback slots, in the order of the helper vtables' fields we read. */
enum kmst_crtc_cb {
	KMST_CRTC_CB_ATOMIC_CHECK,
	KMST_CRTC_CB_ATOMIC_BEGIN,
	KMST_CRTC_CB_ATOMIC_FLUSH,
	KMST_CRTC_CB_ATOMIC_ENABLE,
	KMST_CRTC_CB_ATOMIC_DISABLE,
	KMST_CRTC_CB_COUNT,
};

enum kmst_plane_cb {
	KMST_PLANE_CB_ATOMIC_CHECK,
	KMST_PLANE_CB_ATOMIC_UPDATE,
	KMST_PLANE_CB_ATOMIC_DISABLE,
	KMST_PLANE_CB_PREPARE_FB,
	KMST_PLANE_CB_CLEANUP_FB,
	KMST_PLANE_CB_COUNT,
};

/*
 * One DRM device as seen through DRM_IOCTL_MODE_GETRESOURCES. The
 * function addresses stay in the loader (resolved through /proc/kallsyms
 * to names) and never reach a trace file.
 */
struct kmst_disc_dev {
	__s32 minor;	     /* primary minor index */
	__u32 num_vblank_crtcs; /* drm_device.num_crtcs: 0 = the driver has no VBLANK support */
	__u32 crtcs;
	__u32 planes;
	char driver[32];
	__u64 crtc_cb[KMST_DISC_CRTCS][KMST_CRTC_CB_COUNT];
	__u64 plane_cb[KMST_DISC_PLANES][KMST_PLANE_CB_COUNT];
};

#endif /* KMSTRACE_BPF_TRACER_H */
