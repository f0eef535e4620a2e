// SPDX-License-Identifier: GPL-2.0
/*
 * Commit-path rules: skip-check, tail-order, plane-bracket, fb-cleanup,
 * cleanup-before-hw-done, no-wait-dependencies, vblank-off-missing,
 * test-only-commits, state-leak, and the per-commit half of the event
 * counts (event-twice / event-missing are decided when the state is freed).
 */
#include <string.h>

#include "check/check_internal.h"
#include "trace/tracefile.h"

#define BIT(n) (1u << (n))

static const char *const stage_names[CK_STAGE_COUNT] = {
	[CK_STAGE_DISABLES] = "modeset_disables", [CK_STAGE_PLANES] = "commit_planes",
	[CK_STAGE_ENABLES] = "modeset_enables",	  [CK_STAGE_HW_DONE] = "hw_done",
	[CK_STAGE_FLIP_WAIT] = "flip-done wait",  [CK_STAGE_CLEANUP_PLANES] = "cleanup_planes",
};

/* The tail stage an event enters, or -1. */
static int tail_stage(const struct kmst_event *ev)
{
	if (ev->type == KMST_EV_TVKMS_STAGE) {
		switch (ev->aux) {
		case KMST_TVKMS_STAGE_DISABLES:
			return CK_STAGE_DISABLES;
		case KMST_TVKMS_STAGE_PLANES:
			return CK_STAGE_PLANES;
		case KMST_TVKMS_STAGE_ENABLES:
			return CK_STAGE_ENABLES;
		case KMST_TVKMS_STAGE_HW_DONE:
			return CK_STAGE_HW_DONE;
		case KMST_TVKMS_STAGE_FLIP_DONE:
			return CK_STAGE_FLIP_WAIT;
		case KMST_TVKMS_STAGE_CLEANUP:
			return CK_STAGE_CLEANUP_PLANES;
		default:
			return -1;
		}
	}
	if (ev->phase != KMST_PH_ENTER)
		return -1;
	switch (ev->type) {
	case KMST_EV_MODESET_DISABLES:
		return CK_STAGE_DISABLES;
	case KMST_EV_COMMIT_PLANES:
		return CK_STAGE_PLANES;
	case KMST_EV_MODESET_ENABLES:
		return CK_STAGE_ENABLES;
	case KMST_EV_HW_DONE:
		return CK_STAGE_HW_DONE;
	case KMST_EV_WAIT_FOR_FLIP_DONE:
	case KMST_EV_WAIT_FOR_VBLANKS:
		return CK_STAGE_FLIP_WAIT;
	case KMST_EV_CLEANUP_PLANES:
		return CK_STAGE_CLEANUP_PLANES;
	default:
		return -1;
	}
}

/* Planes and enables may come in either order (the _rpm tail); the rest is strict. */
static int stage_rank(int stage)
{
	static const int rank[CK_STAGE_COUNT] = { 0, 1, 1, 2, 3, 4 };

	return rank[stage];
}

static bool is_tail_event(const struct kmst_event *ev)
{
	switch (ev->type) {
	case KMST_EV_MODESET_DISABLES:
	case KMST_EV_COMMIT_PLANES:
	case KMST_EV_MODESET_ENABLES:
	case KMST_EV_FAKE_VBLANK:
	case KMST_EV_HW_DONE:
	case KMST_EV_WAIT_FOR_FLIP_DONE:
	case KMST_EV_WAIT_FOR_VBLANKS:
	case KMST_EV_CLEANUP_PLANES:
	case KMST_EV_CLEANUP_DONE:
	case KMST_EV_COMMIT_TAIL:
	case KMST_EV_CRTC_ATOMIC_BEGIN:
	case KMST_EV_CRTC_ATOMIC_FLUSH:
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
	case KMST_EV_PLANE_ATOMIC_UPDATE:
	case KMST_EV_PLANE_ATOMIC_DISABLE:
	case KMST_EV_TVKMS_STAGE:
		return ev->phase != KMST_PH_EXIT;
	default:
		return false;
	}
}

static bool is_check_event(unsigned int type)
{
	return type == KMST_EV_HELPER_CHECK || type == KMST_EV_CHECK_MODESET ||
	       type == KMST_EV_CHECK_PLANES || type == KMST_EV_CRTC_ATOMIC_CHECK ||
	       type == KMST_EV_PLANE_ATOMIC_CHECK;
}

static void skip_check(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	if (c->skip_check_done || (c->flags & KMST_CF_TEST_ONLY))
		return;
	c->skip_check_done = true;
	ck_checked(ck, KMST_RULE_SKIP_CHECK);
	if (!c->checked)
		ck_violation(ck, KMST_RULE_SKIP_CHECK, c, ev->minor, ev->crtc, ev, NULL,
			     "commit %u reached %s without any atomic_check (no helper check, "
			     "no CRTC/plane atomic_check)", c->id, kmst_event_type_name(ev->type));
}

static void tail_order(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev,
		       int stage)
{
	int later;

	ck->seen_tail = true;
	if (c->stage_seen & BIT(stage))
		return;
	ck_checked(ck, KMST_RULE_TAIL_ORDER);
	for (later = 0; later < CK_STAGE_COUNT; later++) {
		if (!(c->stage_seen & BIT(later)) || stage_rank(later) <= stage_rank(stage))
			continue;
		ck_violation(ck, KMST_RULE_TAIL_ORDER, c, ev->minor, -1, ev, &c->stage_ev[later],
			     "%s entered after %s in commit %u", stage_names[stage], stage_names[later],
			     c->id);
		break;
	}
	c->stage_seen |= BIT(stage);
	c->stage_ev[stage] = *ev;
}

/* The first hardware stage: the previous commit on each CRTC must be done. */
static void dependencies(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc;

	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_commit *prev;

		if (!c->dep_prev[crtc])
			continue;
		ck_checked(ck, KMST_RULE_NO_WAIT_DEPENDENCIES);
		prev = ck_commit_find(ck, c->dep_prev[crtc]);
		if (!prev || (prev->hw_done && prev->flip_done))
			continue;
		ck_violation(ck, KMST_RULE_NO_WAIT_DEPENDENCIES, c, ev->minor, crtc, ev, NULL,
			     "commit %u started %s on crtc %d before commit %u completed %s%s%s",
			     c->id, kmst_event_type_name(ev->type), crtc, prev->id,
			     prev->hw_done ? "" : "hw_done",
			     prev->hw_done ? "flip_done" : (prev->flip_done ? "" : " and flip_done"),
			     c->wait_deps ? "" : " (it never called wait_for_dependencies)");
	}
}

static void swap_state(struct kmst_checker *ck, struct ck_commit *c)
{
	int crtc;

	ck->seen_swap = true;
	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_crtc *cr;

		if (!(c->crtcs & BIT(crtc)))
			continue;
		cr = ck_crtc_get(ck, c->minor, crtc);
		if (!cr)
			continue;
		if (cr->last_swapped != c->id)
			c->dep_prev[crtc] = cr->last_swapped;
		cr->last_swapped = c->id;
	}
}

/* vblank-off-missing is decided when the commit signals hw_done. */
static void vblank_onoff_at_hw_done(struct kmst_checker *ck, struct ck_commit *c,
				    const struct kmst_event *ev)
{
	int crtc;

	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_crtc *cr;

		if (!((c->crtc_disabled | c->crtc_enabled) & BIT(crtc)))
			continue;
		cr = ck_crtc_get(ck, c->minor, crtc);
		if (!cr)
			continue;
		if ((c->crtc_disabled & BIT(crtc)) && cr->off_commit == c->id) {
			ck_checked(ck, KMST_RULE_VBLANK_OFF_MISSING);
			if (!cr->off_seen)
				ck_violation(ck, KMST_RULE_VBLANK_OFF_MISSING, c, c->minor, crtc, ev, NULL,
					     "commit %u disabled crtc %d but did not call drm_crtc_vblank_off "
					     "before hw_done", c->id, crtc);
			cr->off_commit = 0;
		}
		if ((c->crtc_enabled & BIT(crtc)) && cr->on_commit == c->id) {
			ck_checked(ck, KMST_RULE_VBLANK_OFF_MISSING);
			if (!cr->on_seen)
				ck_violation(ck, KMST_RULE_VBLANK_OFF_MISSING, c, c->minor, crtc, ev, NULL,
					     "commit %u enabled crtc %d but did not call drm_crtc_vblank_on "
					     "before hw_done", c->id, crtc);
			cr->on_commit = 0;
		}
	}
}

static void crtc_callback(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc = ev->crtc;
	struct ck_crtc *cr;

	if (crtc < 0 || crtc >= CK_MAX_CRTC || ev->phase == KMST_PH_EXIT)
		return;
	c->crtcs |= BIT(crtc);
	switch (ev->type) {
	case KMST_EV_CRTC_ATOMIC_BEGIN:
		ck->seen_begin_flush = true;
		c->crtc_begun |= BIT(crtc);
		if (c->crtc_plane_updated & BIT(crtc))
			ck_violation(ck, KMST_RULE_PLANE_BRACKET, c, ev->minor, crtc, ev, NULL,
				     "crtc %d atomic_begin came after a plane update on it in commit %u",
				     crtc, c->id);
		break;
	case KMST_EV_CRTC_ATOMIC_FLUSH:
		ck->seen_begin_flush = true;
		c->crtc_flushed |= BIT(crtc);
		break;
	case KMST_EV_CRTC_ATOMIC_ENABLE:
		ck->seen_crtc_onoff = true;
		c->crtc_enabled |= BIT(crtc);
		cr = ck_crtc_get(ck, ev->minor, crtc);
		if (cr) {
			cr->on_commit = c->id;
			cr->on_seen = false;
		}
		break;
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		ck->seen_crtc_onoff = true;
		c->crtc_disabled |= BIT(crtc);
		cr = ck_crtc_get(ck, ev->minor, crtc);
		if (cr) {
			cr->off_commit = c->id;
			cr->off_seen = false;
		}
		break;
	default:
		break;
	}
}

static void plane_update(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc = ev->crtc;

	if (ev->phase == KMST_PH_EXIT || crtc < 0 || crtc >= CK_MAX_CRTC)
		return;
	c->crtcs |= BIT(crtc);
	c->crtc_plane_updated |= BIT(crtc);
	if (!(c->crtc_begun & BIT(crtc)) && !(c->crtc_flushed & BIT(crtc)))
		return; /* checked at atomic_begin, if the driver has one */
	ck_checked(ck, KMST_RULE_PLANE_BRACKET);
	if (c->crtc_flushed & BIT(crtc)) {
		struct kmst_violation *v =
			ck_violation(ck, KMST_RULE_PLANE_BRACKET, c, ev->minor, crtc, ev, NULL,
				     "plane %d %s after crtc %d atomic_flush in commit %u", ev->plane,
				     ev->type == KMST_EV_PLANE_ATOMIC_UPDATE ? "atomic_update" :
									       "atomic_disable",
				     crtc, c->id);

		if (v)
			v->plane = ev->plane;
	}
}

static void plane_fb(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	uint64_t bit;

	if (ev->plane < 0 || ev->plane >= CK_MAX_PLANE)
		return;
	bit = 1ull << ev->plane;
	if (ev->type == KMST_EV_PLANE_PREPARE_FB) {
		ck->seen_prepare_fb = true;
		if (ev->phase == KMST_PH_ENTER) {
			c->planes_prepared |= bit;
			c->prepare_ev = *ev;
		} else if (ev->phase == KMST_PH_EXIT && ev->ret != 0) {
			c->planes_prepared &= ~bit; /* a failed prepare_fb is not cleaned up */
		}
		return;
	}
	if (ev->phase == KMST_PH_EXIT)
		return;
	if (c->planes_cleaned & bit)
		c->planes_cleaned_twice |= bit;
	c->planes_cleaned |= bit;
	if (!c->hw_done_entered)
		c->planes_cleaned_early |= bit;
}

void ck_commit_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
		     const struct kmst_event *ev)
{
	int stage;

	(void)t;
	if (!c)
		return;
	if (ev->commit_flags & KMST_CF_TEST_ONLY)
		ck->seen_test_only = true;
	if (ev->commit_flags & KMST_CF_PAGE_FLIP_EVENT)
		ck->seen_flip_event = true;
	if (is_check_event(ev->type)) {
		ck->seen_check = true;
		c->checked = true;
		if (ev->type == KMST_EV_CRTC_ATOMIC_CHECK && ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC)
			c->crtcs |= BIT(ev->crtc);
		if (ev->type == KMST_EV_PLANE_ATOMIC_CHECK && ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC)
			c->crtcs |= BIT(ev->crtc);
	}
	if (ev->phase == KMST_PH_EXIT && ev->ret < 0 &&
	    (ev->type == KMST_EV_ATOMIC_IOCTL || ev->type == KMST_EV_CHECK_ONLY ||
	     ev->type == KMST_EV_COMMIT || ev->type == KMST_EV_NONBLOCKING_COMMIT ||
	     ev->type == KMST_EV_HELPER_COMMIT))
		c->failed = true;
	if (ev->phase == KMST_PH_EXIT &&
	    (ev->type == KMST_EV_ATOMIC_IOCTL || ev->type == KMST_EV_COMMIT ||
	     ev->type == KMST_EV_NONBLOCKING_COMMIT))
		c->returned = true;

	if (is_tail_event(ev) && (c->flags & KMST_CF_TEST_ONLY)) {
		if (!c->test_only_reported) {
			c->test_only_reported = true;
			ck_violation(ck, KMST_RULE_TEST_ONLY_COMMITS, c, ev->minor, ev->crtc, ev, NULL,
				     "TEST_ONLY commit %u ran %s", c->id, kmst_event_type_name(ev->type));
		}
	}

	switch (ev->type) {
	case KMST_EV_SWAP_STATE:
		if (ev->phase == KMST_PH_ENTER) {
			c->committed = true;
			skip_check(ck, c, ev);
			swap_state(ck, c);
		}
		break;
	case KMST_EV_COMMIT:
	case KMST_EV_NONBLOCKING_COMMIT:
		if (ev->phase == KMST_PH_ENTER)
			c->committed = true;
		break;
	case KMST_EV_WAIT_FOR_DEPENDENCIES:
		c->wait_deps = true;
		break;
	case KMST_EV_HW_DONE:
		ck->seen_hw_done = true;
		if (ev->phase == KMST_PH_ENTER) {
			c->hw_done_entered = true;
			vblank_onoff_at_hw_done(ck, c, ev);
		} else {
			c->hw_done = true;
		}
		break;
	case KMST_EV_HW_DONE_COMPLETE:
		ck->seen_hw_done = true;
		c->hw_done_entered = c->hw_done = true;
		break;
	case KMST_EV_FLIP_DONE_COMPLETE:
		c->flip_done = true;
		break;
	case KMST_EV_WAIT_FOR_FLIP_DONE:
	case KMST_EV_WAIT_FOR_VBLANKS:
		/* Returning from the wait means every CRTC of the commit flipped. */
		if (ev->phase == KMST_PH_EXIT)
			c->flip_done = true;
		break;
	case KMST_EV_CLEANUP_DONE:
	case KMST_EV_CLEANUP_DONE_COMPLETE:
		if (ev->phase == KMST_PH_EXIT || c->cleanup_done)
			break;
		ck->seen_cleanup_done = true;
		c->cleanup_done = true;
		ck_checked(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE);
		if (!c->hw_done_entered)
			ck_violation(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE, c, ev->minor, -1, ev, NULL,
				     "commit %u signalled cleanup_done before hw_done", c->id);
		break;
	case KMST_EV_CRTC_ATOMIC_BEGIN:
	case KMST_EV_CRTC_ATOMIC_FLUSH:
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		crtc_callback(ck, c, ev);
		break;
	case KMST_EV_PLANE_ATOMIC_UPDATE:
	case KMST_EV_PLANE_ATOMIC_DISABLE:
		plane_update(ck, c, ev);
		break;
	case KMST_EV_PLANE_PREPARE_FB:
	case KMST_EV_PLANE_CLEANUP_FB:
		plane_fb(ck, c, ev);
		break;
	case KMST_EV_STATE_FREE:
		ck->seen_state_free = true;
		break;
	default:
		break;
	}

	stage = tail_stage(ev);
	if (stage >= 0 && !(c->flags & KMST_CF_TEST_ONLY)) {
		c->committed = true;
		skip_check(ck, c, ev);
		/*
		 * tvkms announces a stage before its helper runs: only the helpers
		 * start hardware, and only the helper (or the completion itself)
		 * signals hw_done.
		 */
		if (stage == CK_STAGE_HW_DONE && ev->type != KMST_EV_TVKMS_STAGE)
			c->hw_done_entered = true;
		if (!c->tail_started && stage <= CK_STAGE_ENABLES && ev->type != KMST_EV_TVKMS_STAGE) {
			c->tail_started = true;
			dependencies(ck, c, ev);
		}
		tail_order(ck, c, ev, stage);
	}
}

static void fb_cleanup_at_retire(struct kmst_checker *ck, struct ck_commit *c,
				 const struct kmst_event *ev)
{
	uint64_t missing = c->planes_prepared & ~c->planes_cleaned;
	int plane;

	if (!c->planes_prepared)
		return;
	ck_checked(ck, KMST_RULE_FB_CLEANUP);
	for (plane = 0; plane < CK_MAX_PLANE; plane++) {
		uint64_t bit = 1ull << plane;
		struct kmst_violation *v = NULL;

		if (missing & bit)
			v = ck_violation(ck, KMST_RULE_FB_CLEANUP, c, c->minor, -1, &c->prepare_ev, ev,
					 "plane %d: prepare_fb in commit %u was never followed by cleanup_fb",
					 plane, c->id);
		else if (c->planes_cleaned_twice & bit)
			v = ck_violation(ck, KMST_RULE_FB_CLEANUP, c, c->minor, -1, &c->prepare_ev, ev,
					 "plane %d: cleanup_fb called more than once in commit %u", plane,
					 c->id);
		else if ((c->planes_cleaned_early & bit) && c->hw_done_entered && !c->failed)
			v = ck_violation(ck, KMST_RULE_FB_CLEANUP, c, c->minor, -1, &c->prepare_ev, ev,
					 "plane %d: cleanup_fb before hw_done in successful commit %u",
					 plane, c->id);
		if (v)
			v->plane = plane;
	}
}

/* Event counts per CRTC, decided once the commit is over. */
static void events_at_retire(struct kmst_checker *ck, struct ck_commit *c,
			     const struct kmst_event *ev)
{
	int crtc;

	if (!(c->flags & KMST_CF_PAGE_FLIP_EVENT) || (c->flags & KMST_CF_TEST_ONLY) || c->failed ||
	    !c->committed)
		return;
	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_crtc *cr;

		if (!(c->crtcs & BIT(crtc)))
			continue;
		ck_checked(ck, KMST_RULE_EVENT_MISSING);
		ck_checked(ck, KMST_RULE_EVENT_TWICE);
		if ((c->crtc_early & BIT(crtc)) && c->sends[crtc] <= 1)
			ck_violation(ck, KMST_RULE_EVENT_EARLY, c, c->minor, crtc, &c->early_ev, NULL,
				     "commit %u sent its flip event on crtc %d before hw_done, with VBLANK "
				     "on and without arming it", c->id, crtc);
		if (c->sends[crtc] == 0)
			ck_violation(ck, KMST_RULE_EVENT_MISSING, c, c->minor, crtc, ev, NULL,
				     "commit %u requested a flip event but none was sent on crtc %d",
				     c->id, crtc);
		else if (c->sends[crtc] > 1)
			ck_violation(ck, KMST_RULE_EVENT_TWICE, c, c->minor, crtc, &c->send_ev[1],
				     &c->send_ev[0], "commit %u got %u flip events on crtc %d", c->id,
				     c->sends[crtc], crtc);
		cr = ck_crtc_get(ck, c->minor, crtc);
		if (cr) {
			cr->retired_commit = c->id;
			cr->retired_line = c->seq_line;
			cr->retired_sends = c->sends[crtc];
		}
	}
}

void ck_commit_retire(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev,
		      bool leaked)
{
	fb_cleanup_at_retire(ck, c, ev);
	events_at_retire(ck, c, ev);
	if (!(c->flags & KMST_CF_TEST_ONLY) && c->committed && !c->skip_check_done && ev)
		skip_check(ck, c, ev);
	if (c->flags & KMST_CF_TEST_ONLY)
		ck_checked(ck, KMST_RULE_TEST_ONLY_COMMITS);
	ck_checked(ck, KMST_RULE_STATE_LEAK);
	if (leaked)
		ck_violation(ck, KMST_RULE_STATE_LEAK, c, c->minor, -1, &c->first_ev, NULL,
			     "atomic state of commit %u was never freed (no STATE_FREE by the end of the trace)",
			     c->id);
}
