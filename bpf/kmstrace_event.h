/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kmstrace_event.h - the one definition of every record kmstrace produces.
 *
 * Shared by the BPF programs (bpf/ *.bpf.c), the loaders and the kmstrace
 * tool (harness/), and mirrored for Python by kmstrace_event.py beside it.
 * Only fixed-size integer types and arrays: no pointers, no kernel
 * addresses. Bump KMST_EVENT_VERSION whenever a layout or a numbering
 * below changes; readers refuse traces with a newer version.
 */
#ifndef KMSTRACE_EVENT_H
#define KMSTRACE_EVENT_H

#ifndef __KMST_BPF__
#include <linux/types.h>
#endif

#define KMST_EVENT_VERSION 3

/* Where an event came from. */
enum kmst_source {
	KMST_SRC_FENTRY = 1,	 /* fentry/fexit trampoline */
	KMST_SRC_KPROBE = 2,	 /* kprobe/kretprobe fallback */
	KMST_SRC_TRACEPOINT = 3, /* raw or BTF tracepoint (drm:*, tvkms:*) */
	KMST_SRC_USER = 4,	 /* written by the kmstrace tool itself */
};

/* Whether the event marks a function's entry, its exit, or one instant. */
enum kmst_phase {
	KMST_PH_ENTER = 1,
	KMST_PH_EXIT = 2,
	KMST_PH_POINT = 3,
};

/* Commit flags stamped on every event that belongs to a commit. */
#define KMST_CF_NONBLOCK	0x0001 /* DRM_MODE_ATOMIC_NONBLOCK / nonblocking_commit */
#define KMST_CF_ALLOW_MODESET	0x0002 /* DRM_MODE_ATOMIC_ALLOW_MODESET */
#define KMST_CF_TEST_ONLY	0x0004 /* DRM_MODE_ATOMIC_TEST_ONLY */
#define KMST_CF_PAGE_FLIP_EVENT 0x0008 /* DRM_MODE_PAGE_FLIP_EVENT */
#define KMST_CF_FROM_IOCTL	0x0010 /* the state was built by drm_mode_atomic_ioctl */
/*
 * The tracer first met the commit's state after it was built: tracing began
 * while the commit was in flight, so its earlier steps are not in the trace
 * and the checker does not judge it.
 */
#define KMST_CF_JOINED		0x0020

/*
 * DRM's VBLANK state of one CRTC at one instant, read by the tracers from
 * dev->vblank[pipe] and dev itself, so that a rule's applicability follows
 * from the driver's state and not from the events that happened to occur.
 * Carried where each event type's comment says (KMST_VS_*).
 */
#define KMST_VS_VALID		0x0001 /* the state below was read (0: unknown) */
#define KMST_VS_SUPPORTED	0x0002 /* pipe < dev->num_crtcs: DRM VBLANK support for this CRTC */
#define KMST_VS_ON		0x0004 /* !vblank->inmodeset: drm_crtc_vblank_on'd, drm_crtc_vblank_get can succeed */
#define KMST_VS_ENABLED		0x0008 /* vblank->enabled: the VBLANK interrupt is on at this instant */
#define KMST_VS_DISABLE_IMMEDIATE 0x0010 /* dev->vblank_disable_immediate; since 6.10, once
					   * drm_crtc_vblank_on ran, the CRTC's own
					   * vblank->config.disable_immediate */
#define KMST_VS_ARMED		0x0020 /* (event sends) the event was armed by drm_crtc_arm_vblank_event */
#define KMST_VS_CLIENT		0x0040 /* (events) a client's event (file_priv set), not a helper's own */

/* One CRTC's part of a commit (KMST_EV_CRTC_STATE's aux, low 16 bits: KMST_CS_*). */
#define KMST_CS_ACTIVE		0x0001 /* new crtc_state->active */
#define KMST_CS_ENABLE		0x0002 /* new crtc_state->enable */
#define KMST_CS_OLD_ACTIVE	0x0004 /* old crtc_state->active */
#define KMST_CS_MODESET		0x0008 /* drm_atomic_crtc_needs_modeset(new) */
#define KMST_CS_EVENT		0x0010 /* new crtc_state->event set: a flip event is owed (client's or the helper's) */
#define KMST_CS_CLIENT_EVENT	0x0020 /* ... and it is a client's (atomic PAGE_FLIP_EVENT or legacy page flip) */
#define KMST_CS_NO_VBLANK	0x0040 /* new crtc_state->no_vblank: the helper fakes the VBLANK */

/* KMST_EV_HANDLE_VBLANK's aux when the host timer's lateness is unknown. */
#define KMST_HOST_LATENESS_UNKNOWN 0xffffffffu

/*
 * Event types. Values are part of the trace format: append only, and bump
 * KMST_EVENT_VERSION if one is ever renumbered. Names in comments are the
 * kernel functions or tracepoints each one comes from.
 */
enum kmst_event_type {
	KMST_EV_NONE = 0,

	/* User-facing atomic entry points (enter + exit). */
	KMST_EV_ATOMIC_IOCTL = 1,	/* drm_mode_atomic_ioctl; arg0 = user_data, aux = ioctl flags */
	KMST_EV_CHECK_ONLY = 2,		/* drm_atomic_check_only */
	KMST_EV_COMMIT = 3,		/* drm_atomic_commit */
	KMST_EV_NONBLOCKING_COMMIT = 4, /* drm_atomic_nonblocking_commit */
	KMST_EV_HELPER_CHECK = 5,	/* drm_atomic_helper_check */
	KMST_EV_CHECK_MODESET = 6,	/* drm_atomic_helper_check_modeset */
	KMST_EV_CHECK_PLANES = 7,	/* drm_atomic_helper_check_planes */

	/* drm_atomic_helper_commit and its steps (enter + exit). */
	KMST_EV_HELPER_COMMIT = 10,	   /* drm_atomic_helper_commit */
	KMST_EV_SETUP_COMMIT = 11,	   /* drm_atomic_helper_setup_commit */
	KMST_EV_PREPARE_PLANES = 12,	   /* drm_atomic_helper_prepare_planes */
	KMST_EV_SWAP_STATE = 13,	   /* drm_atomic_helper_swap_state */
	KMST_EV_WAIT_FOR_FENCES = 14,	   /* drm_atomic_helper_wait_for_fences */
	KMST_EV_WAIT_FOR_DEPENDENCIES = 15, /* drm_atomic_helper_wait_for_dependencies */

	/* commit_tail stages (enter + exit). */
	KMST_EV_MODESET_DISABLES = 20,	 /* drm_atomic_helper_commit_modeset_disables */
	KMST_EV_COMMIT_PLANES = 21,	 /* drm_atomic_helper_commit_planes */
	KMST_EV_MODESET_ENABLES = 22,	 /* drm_atomic_helper_commit_modeset_enables */
	KMST_EV_FAKE_VBLANK = 23,	 /* drm_atomic_helper_fake_vblank */
	KMST_EV_HW_DONE = 24,		 /* drm_atomic_helper_commit_hw_done */
	KMST_EV_WAIT_FOR_FLIP_DONE = 25, /* drm_atomic_helper_wait_for_flip_done */
	KMST_EV_WAIT_FOR_VBLANKS = 26,	 /* drm_atomic_helper_wait_for_vblanks */
	KMST_EV_CLEANUP_PLANES = 27,	 /* drm_atomic_helper_cleanup_planes */
	KMST_EV_CLEANUP_DONE = 28,	 /* drm_atomic_helper_commit_cleanup_done */
	KMST_EV_COMMIT_TAIL = 29,	 /* the driver's commit_tail / drm_atomic_helper_commit_tail[_rpm] */

	/* The driver's own per-object callbacks, found from its vtables. */
	KMST_EV_CRTC_ATOMIC_CHECK = 40,
	KMST_EV_CRTC_ATOMIC_BEGIN = 41,
	KMST_EV_CRTC_ATOMIC_FLUSH = 42,
	KMST_EV_CRTC_ATOMIC_ENABLE = 43,
	KMST_EV_CRTC_ATOMIC_DISABLE = 44,
	KMST_EV_PLANE_ATOMIC_CHECK = 45,
	KMST_EV_PLANE_ATOMIC_UPDATE = 46,
	KMST_EV_PLANE_ATOMIC_DISABLE = 47,
	KMST_EV_PLANE_PREPARE_FB = 48,
	KMST_EV_PLANE_CLEANUP_FB = 49,

	/* VBLANK bookkeeping and events (enter + exit unless noted). */
	KMST_EV_VBLANK_ON = 60,		 /* drm_crtc_vblank_on */
	KMST_EV_VBLANK_OFF = 61,	 /* drm_crtc_vblank_off */
	KMST_EV_VBLANK_GET = 62,	 /* drm_crtc_vblank_get */
	KMST_EV_VBLANK_PUT = 63,	 /* drm_crtc_vblank_put */
	KMST_EV_ARM_VBLANK_EVENT = 64,	 /* drm_crtc_arm_vblank_event; ENTER: aux = KMST_VS_*,
					  * arg0 = vblank refcount */
	KMST_EV_SEND_VBLANK_EVENT = 65,	 /* drm_crtc_send_vblank_event; ENTER: aux = KMST_VS_* (with
					  * ARMED, CLIENT), arg0 = vblank refcount; EXIT: arg0 = seq,
					  * arg1 = event ts ns */
	KMST_EV_HANDLE_VBLANK = 66,	 /* drm_crtc_handle_vblank (POINT at exit): arg0 = vblank seq,
					  * arg1 = frame_duration_ns (from the vblank state), aux = how
					  * long after the programmed expiry of the hrtimer that called
					  * it this record was taken, ns (saturated): the host's lateness
					  * plus the callback's run, so ts_ns - aux is the instant the
					  * driver meant; KMST_HOST_LATENESS_UNKNOWN when not called from
					  * an hrtimer */
	KMST_EV_VBLANK_EVENT = 67,	 /* tracepoint drm:drm_vblank_event: arg0 = seq, arg1 = vblank ts ns */
	KMST_EV_VBLANK_EVENT_QUEUED = 68, /* tracepoint drm:drm_vblank_event_queued: arg0 = seq */
	KMST_EV_VBLANK_EVENT_DELIVERED = 69, /* a VBLANK event leaves (drm_send_event_timestamp_locked):
					      * client events and the helper's own ones of traced
					      * commits; aux = uapi event type | KMST_VS_* << 16,
					      * arg0 = seq (a helper's own event, which has no uapi
					      * payload: the CRTC's VBLANK count DRM sent it at),
					      * arg1 = event ts ns */

	/* Completion of a commit's drm_crtc_commit completions (POINT). */
	KMST_EV_HW_DONE_COMPLETE = 80,
	KMST_EV_FLIP_DONE_COMPLETE = 81,
	KMST_EV_CLEANUP_DONE_COMPLETE = 82,
	KMST_EV_STATE_FREE = 83, /* __drm_atomic_state_free (POINT): the commit id is retired */
	KMST_EV_STATE_ALLOC = 84, /* drm_atomic_state_alloc / init (POINT): a commit id is born */
	KMST_EV_CRTC_STATE = 85,  /* one CRTC of a commit, at drm_atomic_helper_setup_commit's exit
				   * (POINT): crtc, aux = KMST_CS_* | KMST_VS_* << 16,
				   * arg0 = vblank refcount, arg1 = the new state's plane_mask */

	/* tvkms's own tracepoints (POINT). */
	KMST_EV_TVKMS_STAGE = 100,	/* tvkms:tvkms_commit_stage; aux = enum kmst_tvkms_stage */
	KMST_EV_TVKMS_VBLANK = 101,	/* tvkms:tvkms_vblank; arg0 = seq, arg1 = expected ns, aux = lateness */
	KMST_EV_TVKMS_EVENT = 102,	/* tvkms:tvkms_event; aux = 1 arm, 2 send */
	KMST_EV_TVKMS_FB = 103,		/* tvkms:tvkms_fb; aux = 1 prepare, 2 cleanup */
	KMST_EV_TVKMS_FAULT = 104,	/* tvkms:tvkms_fault; aux = enum kmst_rule */

	/* Written by user space into the trace file. */
	KMST_EV_REPLAY_COMMIT = 120, /* replay issued a commit: arg0 = sequence line, aux = errno
				      * got, ret = errno expected; commit_id = ioctl's commit */
	KMST_EV_MARK = 121,	     /* free-form marker: arg0 = user value */
	KMST_EV_END = 122,	     /* struct kmst_end_record: the last record of a complete trace */
	KMST_EV_STALL = 123,	     /* the watchdog of `replay`/`record`: commit commit_id has not
				      * reached a stage within the bound; aux = the completion still
				      * missing (KMST_EV_HW_DONE_COMPLETE, _FLIP_DONE_ or
				      * _CLEANUP_DONE_), arg0 = ns waited since the commit began,
				      * crtc = the CRTC whose completion is missing (-1 unknown) */

	/* Recorder records (struct kmst_rec_*): the client's ioctl arguments. */
	KMST_EV_REC_ATOMIC = 140,
	KMST_EV_REC_ADDFB2 = 141,
	KMST_EV_REC_RMFB = 142,
	KMST_EV_REC_CREATE_DUMB = 143,
	KMST_EV_REC_CREATEPROPBLOB = 144,
	KMST_EV_REC_PROPERTY_NAME = 145, /* a property id's name, captured at GETPROPERTY */

	KMST_EV_MAX = 160,
};

/*
 * The fixed head of every record, in the ring buffer and in a trace file.
 * `size` is the whole record's length in bytes (a multiple of 8), so a
 * reader can step over record types it does not know.
 */
struct kmst_event {
	__u64 ts_ns;	     /* CLOCK_MONOTONIC, bpf_ktime_get_ns() */
	__u16 type;	     /* enum kmst_event_type */
	__u16 size;	     /* bytes in the whole record, this head included */
	__u8 phase;	     /* enum kmst_phase */
	__u8 source;	     /* enum kmst_source */
	__u16 cpu;
	__u32 pid;	     /* tgid */
	__u32 tid;
	__u32 commit_id;     /* small per-trace id of the atomic state; 0 = none */
	__s32 minor;	     /* DRM minor index (card N); -1 = unknown */
	__s16 crtc;	     /* CRTC index; -1 = none */
	__s16 plane;	     /* plane index; -1 = none */
	__s16 connector;     /* connector index; -1 = none */
	__u16 commit_flags;  /* KMST_CF_* */
	__s32 ret;	     /* return value at EXIT; 0 otherwise */
	__u32 aux;	     /* type-specific small value, see the type's comment */
	__u64 arg0;	     /* type-specific */
	__u64 arg1;	     /* type-specific */
};

/* tvkms commit_tail stages, as carried in KMST_EV_TVKMS_STAGE's aux. */
enum kmst_tvkms_stage {
	KMST_TVKMS_STAGE_DISABLES = 1,
	KMST_TVKMS_STAGE_PLANES = 2,
	KMST_TVKMS_STAGE_ENABLES = 3,
	KMST_TVKMS_STAGE_HW_DONE = 4,
	KMST_TVKMS_STAGE_FLIP_DONE = 5,
	KMST_TVKMS_STAGE_CLEANUP = 6,
};

/*
 * Checker rules. The ids double as tvkms fault knob names
 * (/sys/kernel/debug/tvkms/<card>/faults) and as `kmstrace check --rules`
 * names: keep the strings exactly as listed in kmst_rule_names.
 */
enum kmst_rule {
	KMST_RULE_SKIP_CHECK = 1,
	KMST_RULE_TAIL_ORDER,
	KMST_RULE_PLANE_BRACKET,
	KMST_RULE_FB_CLEANUP,
	KMST_RULE_EVENT_TWICE,
	KMST_RULE_EVENT_MISSING,
	KMST_RULE_EVENT_EARLY,
	KMST_RULE_CLEANUP_BEFORE_HW_DONE,
	KMST_RULE_NO_WAIT_DEPENDENCIES,
	KMST_RULE_VBLANK_OFF_MISSING,
	KMST_RULE_VBLANK_JITTER,
	KMST_RULE_VBLANK_DROP,
	KMST_RULE_TEST_ONLY_COMMITS,
	KMST_RULE_STATE_LEAK,
	KMST_RULE_COMMIT_STALL,
	KMST_RULE_COUNT
};

#define KMST_RULE_NAMES_INIT                                                 \
	{                                                                    \
		[KMST_RULE_SKIP_CHECK] = "skip-check",                       \
		[KMST_RULE_TAIL_ORDER] = "tail-order",                       \
		[KMST_RULE_PLANE_BRACKET] = "plane-bracket",                 \
		[KMST_RULE_FB_CLEANUP] = "fb-cleanup",                       \
		[KMST_RULE_EVENT_TWICE] = "event-twice",                     \
		[KMST_RULE_EVENT_MISSING] = "event-missing",                 \
		[KMST_RULE_EVENT_EARLY] = "event-early",                     \
		[KMST_RULE_CLEANUP_BEFORE_HW_DONE] = "cleanup-before-hw-done", \
		[KMST_RULE_NO_WAIT_DEPENDENCIES] = "no-wait-dependencies",   \
		[KMST_RULE_VBLANK_OFF_MISSING] = "vblank-off-missing",       \
		[KMST_RULE_VBLANK_JITTER] = "vblank-jitter",                 \
		[KMST_RULE_VBLANK_DROP] = "vblank-drop",                     \
		[KMST_RULE_TEST_ONLY_COMMITS] = "test-only-commits",         \
		[KMST_RULE_STATE_LEAK] = "state-leak",                       \
		[KMST_RULE_COMMIT_STALL] = "commit-stall",                   \
	}

/* ---- Recorder records: a client's ioctl arguments, copied at entry. ---- */

#define KMST_REC_MAX_OBJS 32	/* objects per atomic ioctl kept */
#define KMST_REC_MAX_PROPS 128	/* properties per atomic ioctl kept */
#define KMST_REC_MAX_BLOB 256	/* bytes of a property blob kept (a mode is 68) */
#define KMST_REC_NAME_LEN 32	/* DRM_PROP_NAME_LEN */

/* DRM_IOCTL_MODE_ATOMIC. ret (in the head) is the ioctl's result. */
struct kmst_rec_atomic {
	struct kmst_event head;
	__u32 flags;		/* ioctl flags */
	__u32 count_objs;	/* as the client passed it */
	__u32 count_props;	/* total properties, as the client passed them */
	__u32 truncated;	/* 1 if objects or properties were cut at the bounds */
	__u64 user_data;
	__u32 obj_ids[KMST_REC_MAX_OBJS];
	__u32 obj_prop_counts[KMST_REC_MAX_OBJS];
	__u32 prop_ids[KMST_REC_MAX_PROPS];
	__u64 prop_values[KMST_REC_MAX_PROPS];
};

/* DRM_IOCTL_MODE_ADDFB2 (arg fields as in struct drm_mode_fb_cmd2). */
struct kmst_rec_addfb2 {
	struct kmst_event head;
	__u32 fb_id; /* the id the kernel returned */
	__u32 width, height, pixel_format, flags;
	__u32 handles[4], pitches[4], offsets[4];
	__u32 pad;
	__u64 modifier[4];
};

/* DRM_IOCTL_MODE_RMFB: head.arg0 = fb id. */

/* DRM_IOCTL_MODE_CREATE_DUMB. */
struct kmst_rec_create_dumb {
	struct kmst_event head;
	__u32 height, width, bpp, flags;
	__u32 handle, pitch;
	__u64 size;
};

/* DRM_IOCTL_MODE_CREATEPROPBLOB: the blob's bytes, bounded. */
struct kmst_rec_blob {
	struct kmst_event head;
	__u32 blob_id; /* the id the kernel returned */
	__u32 length;  /* as the client passed it; bytes beyond KMST_REC_MAX_BLOB are not kept */
	__u8 data[KMST_REC_MAX_BLOB];
};

/* A property's name, so a recording can be turned into symbolic form. */
struct kmst_rec_prop_name {
	struct kmst_event head; /* arg0 = property id */
	char name[KMST_REC_NAME_LEN];
};

/* ---- Trace files ---- */

#define KMST_FILE_MAGIC "KMSTRACE" /* 8 bytes, no NUL in the file */

/*
 * A trace file is: this header; `meta_len` bytes of text metadata
 * (`key=value` lines, NUL-padded to a multiple of 8); then records, each
 * starting with struct kmst_event; and last, one KMST_EV_END record. A file
 * without the END record is incomplete.
 *
 * Metadata keys: kernel=, driver=, device=, minor=, tool=, and one
 * `prog=NAME MODE` line per attached program (MODE fentry|kprobe|tracepoint)
 * and one `missing=NAME REASON` line per program that could not attach.
 */
struct kmst_file_header {
	char magic[8];
	__u32 version;	/* KMST_EVENT_VERSION of the writer */
	__u32 meta_len; /* bytes of metadata that follow, padded to 8 */
};

/* The closing record: counts the reader checks the file against. */
struct kmst_end_record {
	struct kmst_event head; /* type KMST_EV_END */
	__u64 records;		/* records written before this one */
	__u64 drops_total;	/* ring buffer reserve failures, all types */
	__u64 drops[KMST_EV_MAX]; /* reserve failures per event type */
	/*
	 * Since version 3: runs of the tracer's programs that the kernel
	 * skipped (the sum of their bpf_prog_info.recursion_misses while the
	 * trace was written). A program is skipped when it would run while it
	 * already runs on the same CPU, which PREEMPT_RT's preemptible
	 * contexts allow: the records it would have made are missing, with no
	 * ring-buffer drop to count them. A version 2 END has no such field
	 * (read as 0).
	 */
	__u64 missed_runs;
};

#endif /* KMSTRACE_EVENT_H */
