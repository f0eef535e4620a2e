/* SPDX-License-Identifier: GPL-2.0 */
/* The checker's state, shared by its core (check.c) and its rule families. */
#ifndef KMSTRACE_CHECK_INTERNAL_H
#define KMSTRACE_CHECK_INTERNAL_H

#include "check/check.h"

#define CK_MAX_CRTC 16	 /* CRTC indices tracked in per-commit bitmasks */
#define CK_MAX_PLANE 64	 /* plane indices tracked in per-commit bitmasks */
#define CK_MAX_CRTCS 64	 /* (minor, crtc) pairs tracked */
#define CK_MAX_TIDS 64	 /* threads tracked at once */
#define CK_ARMED_MAX 16	 /* armed events waiting for a VBLANK, per CRTC */
#define CK_PENDING_SEQ 8 /* handler-sent events waiting to be matched to their VBLANK */

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
	bool has_user_data;
	uint64_t user_data;
	uint32_t seq_line;
	struct kmst_event first_ev;	/* the event that opened it, for reports */

	bool checked;			/* a DRM helper or driver check ran on it */
	bool committed;			/* reached commit (swap_state, tail) */
	bool skip_check_done;		/* skip-check evaluated */
	bool failed;			/* its ioctl or commit returned an error */
	bool returned;			/* its ioctl or top-level commit call returned */
	bool unjudged;			/* cut by the trace's start or end: no violation */
	bool tail_started;		/* a hardware stage entered */
	bool hw_done_entered, hw_done, flip_done, cleanup_done, wait_deps;
	bool test_only_reported;
	uint8_t stage_seen;		/* bit per enum ck_stage */
	struct kmst_event stage_ev[CK_STAGE_COUNT]; /* first enter of each stage, for reports */

	uint16_t crtcs;			/* every CRTC it touched */
	uint16_t crtc_begun, crtc_flushed, crtc_plane_updated;
	uint16_t crtc_enabled, crtc_disabled, crtc_armed;
	uint16_t crtc_early;		/* sent straight away before hw_done with VBLANK on */
	struct kmst_event early_ev;
	uint8_t sends[CK_MAX_CRTC];
	struct kmst_event send_ev[2];	/* the first two event sends, for reports */
	unsigned int send_ev_count;
	uint32_t dep_prev[CK_MAX_CRTC];	/* previous commit on each CRTC, at swap time */

	uint64_t planes_prepared, planes_cleaned, planes_cleaned_twice, planes_cleaned_early;
	struct kmst_event prepare_ev;	/* one PREPARE_FB for reports */
};

struct ck_crtc {
	bool used;
	int minor, crtc;
	int vblank_on;			/* -1 unknown, 0 off, 1 on */
	bool chain;			/* last_* hold the previous VBLANK of an active run */
	unsigned int chain_len;		/* VBLANKs in the run so far */
	uint64_t last_ts, last_seq, frame_ns;
	struct kmst_event last_vblank;
	uint32_t last_swapped;		/* commit id that last swapped state on it */
	uint32_t armed[CK_ARMED_MAX];	/* armed commits awaiting their VBLANK send */
	unsigned int armed_head, armed_count;
	uint64_t pending_seq[CK_PENDING_SEQ]; /* sends from the VBLANK handler to match */
	struct kmst_event pending_ev[CK_PENDING_SEQ];
	unsigned int pending_count;
	bool have_send;
	uint64_t last_send_seq;
	uint32_t queued_waits;		/* drmWaitVBlank events queued, not delivered */
	uint32_t off_commit, on_commit;	/* commit disabling/enabling it, waiting for vblank off/on */
	bool off_seen, on_seen;
	/* the last commit retired with an event on it, for sends that come late */
	uint32_t retired_commit, retired_line;
	uint8_t retired_sends;
};

struct ck_tid {
	uint32_t tid;			/* 0 = free */
	uint32_t commit;		/* the commit its last commit-bearing event named */
	bool in_ioctl;
	uint64_t user_data;
	int send_depth;			/* inside drm_crtc_send_vblank_event */
	int fake_vblank_depth;		/* inside drm_atomic_helper_fake_vblank */
	int vblank_off_depth;		/* inside drm_crtc_vblank_off */
};

struct kmst_checker {
	struct kmst_check_opts opts;
	struct kmst_check_result result;
	uint32_t commit_base;		/* meta commit_base: ids up to it began before the trace */
	unsigned int violation_cap, expect_cap;

	struct ck_commit *commits;	/* open addressing, linear probing, by id */
	unsigned int commit_cap, commit_count;
	struct ck_crtc crtcs[CK_MAX_CRTCS];
	int last_crtc;			/* index of the last one looked up */
	struct ck_tid tids[CK_MAX_TIDS];
	unsigned int tid_next;		/* next slot to recycle */

	struct kmst_event window[KMST_CHECK_WINDOW]; /* ring of the latest events */
	unsigned long long window_pos;
	unsigned int open_violations[KMST_CHECK_MAX_STORED]; /* still collecting "after" events */
	unsigned int open_count;

	/* What the trace showed the driver does: decides "not applicable". */
	bool seen_check, seen_tail, seen_begin_flush, seen_prepare_fb, seen_send, seen_delivered,
		seen_armed, seen_handle_vblank, seen_vblank_onoff, seen_crtc_onoff, seen_swap,
		seen_hw_done, seen_cleanup_done, seen_state_free, seen_test_only, seen_flip_event;
	bool trait_no_vblank;
};

/* check.c */
struct ck_commit *ck_commit_find(struct kmst_checker *ck, uint32_t id);
struct ck_crtc *ck_crtc_get(struct kmst_checker *ck, int minor, int crtc);
bool ck_rule_on(const struct kmst_checker *ck, unsigned int rule);
void ck_checked(struct kmst_checker *ck, unsigned int rule);
/*
 * Record a violation of RULE by commit C (may be NULL) on CRTC (-1 none),
 * triggered by EV; OTHER (may be NULL) is a second offending event.
 */
struct kmst_violation *ck_violation(struct kmst_checker *ck, unsigned int rule,
				    const struct ck_commit *c, int minor, int crtc,
				    const struct kmst_event *ev, const struct kmst_event *other,
				    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* check_commit.c: the commit path (check, tail order, brackets, fbs, state). */
void ck_commit_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
		     const struct kmst_event *ev);
void ck_commit_retire(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev,
		      bool leaked);

/* check_vblank.c: VBLANK timing and flip events. */
void ck_vblank_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
		     const struct kmst_event *ev);

#endif
