/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checker's bottom layer: per-commit, per-CRTC and per-thread tables,
 * the window of recent events, what each rule needs and has judged, and
 * the violation sink. The rules (rules_*.c) sit above it and only call
 * down into it; the dispatcher (dispatch.c) sits above the rules.
 */
#ifndef KMSTRACE_CHECK_STATE_H
#define KMSTRACE_CHECK_STATE_H

#include "check/check.h"
#include "trace/meta.h"

#define CK_MAX_CRTC 16	  /* CRTC indices tracked in per-commit bitmasks */
#define CK_MAX_PLANE 64	  /* plane indices tracked in per-commit bitmasks */
#define CK_MAX_CRTCS 64	  /* (minor, crtc) pairs tracked */
#define CK_MAX_TIDS 64	  /* threads tracked at once */
#define CK_ARMED_MAX 16	  /* armed events waiting for a VBLANK, per CRTC */
#define CK_PENDING_SEQ 8  /* handler-sent events waiting to be matched to their VBLANK */
#define CK_OWED_MAX 8	  /* retired commits whose event may still come, per CRTC */
#define CK_OWED_VBLANKS 3 /* VBLANKs after its state was freed an owed event may still take */
#define CK_RING 256	  /* recent events kept to centre a violation's window */
#define CK_BUSY_RING 32	  /* recent commits whose EBUSY was judged (check/expect.c) */
#define CK_STALL_NS 10000000000ull /* DRM's own bound on a commit's completions */

/* Tail stages in the order drm_atomic_helper_commit_tail runs them. */
enum ck_stage {
	CK_STAGE_DISABLES = 0,
	CK_STAGE_PLANES,
	CK_STAGE_ENABLES,
	CK_STAGE_HW_DONE,
	CK_STAGE_FLIP_WAIT,
	CK_STAGE_CLEANUP_PLANES,
	CK_STAGE_COUNT
};

struct ck_commit {
	uint32_t id;			/* 0 = free slot */
	uint16_t flags;			/* KMST_CF_* seen on its events */
	int minor;
	uint32_t seq_line;		/* replay: the sequence line its ioctl carried */
	bool has_user_data;
	uint64_t user_data;
	uint64_t start_ns;
	uint64_t setup_ns;		/* drm_atomic_helper_setup_commit entered (its stall check) */
	struct kmst_event first_ev;	/* the event that opened it, for reports */

	bool checked;			/* a DRM helper or driver check ran on it */
	bool committed;			/* reached commit (swap_state, tail) */
	bool setup;			/* setup_commit gave it drm_crtc_commits (CRTC_STATE seen) */
	bool skip_check_done;
	bool failed;			/* its ioctl or commit returned an error */
	bool returned;			/* its ioctl or top-level commit call returned */
	bool has_state;			/* an event besides its atomic ioctl's named it: DRM built a state */
	bool unjudged;			/* cut by the trace's start or end: no violation */
	bool tail_started;		/* a hardware stage entered */
	bool hw_done_entered, hw_done, flip_done, cleanup_done, wait_deps;
	bool test_only_reported, stalled;
	bool owed_decided;
	bool helper_tail;		/* ran drm_atomic_helper_commit_tail[_rpm], not the driver's own */		/* the events owed before its hardware stages were decided */
	uint8_t stage_seen;		/* bit per enum ck_stage */
	struct kmst_event stage_ev[CK_STAGE_COUNT]; /* first enter of each stage, for reports */

	uint16_t crtcs;			/* every CRTC it touched */
	uint16_t crtc_owed;		/* CRTCs on which it owes a flip event (KMST_CS_EVENT) */
	uint16_t crtc_vblank_on;	/* ... whose VBLANK was on at setup (KMST_VS_ON) */
	uint16_t crtc_vblank_support;	/* CRTCs with DRM VBLANK support (KMST_VS_SUPPORTED) */
	uint16_t crtc_going_off, crtc_going_on; /* the commit disables / enables them */
	uint16_t crtc_vblank_off_called, crtc_vblank_on_called;
	uint16_t crtc_begun, crtc_flushed, crtc_plane_updated;
	uint16_t crtc_armed, crtc_flip_done;
	uint16_t crtc_early;		/* sent at once before hw_done with VBLANK on */
	struct kmst_event early_ev;
	uint8_t sends[CK_MAX_CRTC];
	struct kmst_event send_ev[2];	/* the first two event sends, for reports */
	unsigned int send_ev_count;
	uint32_t dep_prev[CK_MAX_CRTC];	/* previous commit on each CRTC, at swap time */

	uint64_t planes_prepared, planes_cleaned, planes_cleaned_twice, planes_cleaned_early;
	struct kmst_event prepare_ev;	/* one PREPARE_FB for reports */
};

/* A retired commit whose flip event had not come when its state was freed. */
struct ck_owed {
	uint32_t commit, seq_line;
	unsigned int vblanks;		/* VBLANKs on the CRTC since */
	struct kmst_event retire_ev;
};

struct ck_crtc {
	bool used;
	int minor, crtc;
	int vblank_on;			/* -1 unknown, 0 off, 1 on (from KMST_VS_ON and on/off calls) */
	bool vblank_ref;		/* a VBLANK reference was taken while it was on */
	bool vblank_get_failed;		/* drm_crtc_vblank_get failed since the last vblank_on */
	bool chain;			/* last_* hold the previous VBLANK of an active run */
	bool lateness_known;		/* its VBLANK timer's lateness has been measured */
	unsigned int chain_len;		/* VBLANKs in the run so far */
	uint64_t last_ts, last_seq, frame_ns;
	uint64_t last_raw_ts;		/* the record's own time of the previous VBLANK */
	struct kmst_event last_vblank;
	uint32_t last_swapped;		/* commit id that last swapped state on it */
	uint32_t flip_done_commit;	/* the last commit whose flip_done was signalled on it, */
	uint64_t flip_done_ns;		/* and when */
	uint32_t armed[CK_ARMED_MAX];	/* armed commits awaiting their VBLANK send */
	unsigned int armed_head, armed_count;
	uint64_t pending_seq[CK_PENDING_SEQ]; /* sends from the VBLANK handler to match */
	struct kmst_event pending_ev[CK_PENDING_SEQ];
	unsigned int pending_count;
	bool have_send;
	uint64_t last_send_seq;
	uint32_t queued_waits;		/* drmWaitVBlank events queued, not delivered */
	struct ck_owed owed[CK_OWED_MAX];
	unsigned int owed_count;
	/* the last commit retired with an event on it, for sends that come late */
	uint32_t retired_commit, retired_line;
	uint8_t retired_sends;
};

struct ck_tid {
	uint32_t tid;			/* 0 = free */
	uint32_t commit;		/* the commit its last commit-bearing event named */
	int send_depth;			/* inside drm_crtc_send_vblank_event */
	int fake_vblank_depth;		/* inside drm_atomic_helper_fake_vblank */
	int vblank_off_depth;		/* inside drm_crtc_vblank_off */
};

/* What a rule needs to be judged, and why it is n/a when it is not needed. */
struct ck_need {
	bool needed;			/* the driver's state and the client's requests make it apply */
	char why[120];			/* what made it apply, for "not judged" reports */
};

/* What a device's driver has, from the recording's traits, looked up once per minor. */
#define CK_CAP_VBLANK		0x01
#define CK_CAP_ATOMIC_BEGIN	0x02
#define CK_CAP_ATOMIC_FLUSH	0x04
#define CK_CAP_PREPARE_FB	0x08
#define CK_MAX_MINORS 8

struct ck_caps {
	int minor;			/* -2 = free slot */
	unsigned int caps;		/* CK_CAP_* */
};

/*
 * Whether a commit owed EBUSY: the previous flip on one of its CRTCs was
 * pending (pending), or completed while its setup_commit ran (raced).
 */
struct ck_busy {
	uint32_t commit, line;
	bool judged, pending, raced;
};

struct kmst_checker {
	struct kmst_check_opts opts;
	struct kmst_check_result result;
	struct kmst_meta meta;
	unsigned int violation_cap, expect_cap;
	uint64_t last_ts;

	struct ck_commit *commits;	/* open addressing, linear probing, by id */
	unsigned int commit_cap, commit_count;
	struct ck_crtc crtcs[CK_MAX_CRTCS];
	int last_crtc;			/* index of the last one looked up */
	struct ck_tid tids[CK_MAX_TIDS];
	unsigned int tid_next;		/* next slot to recycle */

	struct ck_need need[KMST_RULE_COUNT];
	struct ck_caps caps[CK_MAX_MINORS];

	struct kmst_event ring[CK_RING]; /* the latest events, for windows */
	unsigned long long ring_pos;	/* events fed so far */
	unsigned int open_violations[KMST_CHECK_MAX_STORED]; /* still collecting "after" events */
	unsigned int open_count;
	struct ck_busy busy[CK_BUSY_RING];
	unsigned int busy_pos;
};

/* ---- tables ---- */
struct ck_commit *ck_commit_find(struct kmst_checker *ck, uint32_t id);
struct ck_commit *ck_commit_get(struct kmst_checker *ck, uint32_t id);
void ck_commit_remove(struct kmst_checker *ck, struct ck_commit *c);
struct ck_crtc *ck_crtc_get(struct kmst_checker *ck, int minor, int crtc);
struct ck_tid *ck_tid_get(struct kmst_checker *ck, uint32_t tid);
/* The commit a thread-context event without its own commit id belongs to. */
struct ck_commit *ck_thread_commit(struct kmst_checker *ck, const struct ck_tid *t);

/* ---- rule bookkeeping ---- */
bool ck_rule_on(const struct kmst_checker *ck, unsigned int rule);
/* RULE was evaluated once. */
void ck_checked(struct kmst_checker *ck, unsigned int rule);
/* RULE applies: WHY names what made it apply (kept from the first call). */
void ck_needed(struct kmst_checker *ck, unsigned int rule, const char *why);
/* What card MINOR's driver has (CK_CAP_*), from the recording's discovery. */
unsigned int ck_minor_caps(struct kmst_checker *ck, int minor);
static inline bool ck_minor_has_vblank(struct kmst_checker *ck, int minor)
{
	return ck_minor_caps(ck, minor) & CK_CAP_VBLANK;
}

/* ---- the window and the violation sink ---- */
void ck_window_feed(struct kmst_checker *ck, const struct kmst_event *ev);
/*
 * Record a violation of RULE by commit C (may be NULL) on CRTC (-1 none).
 * EV is the offending event: the window is centred on it when it is still
 * among the recent events. OTHER (may be NULL) is a second offending event.
 */
struct kmst_violation *ck_violation(struct kmst_checker *ck, unsigned int rule,
				    const struct ck_commit *c, int minor, int crtc,
				    const struct kmst_event *ev, const struct kmst_event *other,
				    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#endif
