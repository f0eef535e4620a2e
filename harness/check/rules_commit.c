// SPDX-License-Identifier: GPL-2.0
/*
 * Commit-path rules: skip-check, tail-order, plane-bracket, fb-cleanup,
 * cleanup-before-hw-done, no-wait-dependencies, vblank-off-missing,
 * test-only-commits, state-leak and commit-stall. Order is judged from the
 * DRM helper calls and the driver's callbacks themselves; a driver's own
 * tracepoints (tvkms's stage announcements) add detail and never count.
 */
#include <string.h>

#include "check/rules.h"
#include "check/state.h"
#include "trace/tracefile.h"

#define BIT(n) (1u << (n))

static const char *const stage_names[CK_STAGE_COUNT] = {
	[CK_STAGE_DISABLES] = "modeset_disables", [CK_STAGE_PLANES] = "commit_planes",
	[CK_STAGE_ENABLES] = "modeset_enables",	  [CK_STAGE_HW_DONE] = "hw_done",
	[CK_STAGE_FLIP_WAIT] = "flip-done wait",  [CK_STAGE_CLEANUP_PLANES] = "cleanup_planes",
};

/* The tail stage a DRM helper call enters, or -1. */
static int tail_stage(const struct kmst_event *ev)
{
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

/* What a TEST_ONLY commit must never do: touch the hardware or VBLANK state. */
static bool is_hardware_event(const struct kmst_event *ev)
{
	if (ev->phase == KMST_PH_EXIT)
		return false;
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
	case KMST_EV_VBLANK_ON:
	case KMST_EV_VBLANK_OFF:
	case KMST_EV_VBLANK_GET:
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
		return true;
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
	ck_needed(ck, KMST_RULE_SKIP_CHECK, "a commit was committed");
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
	/*
	 * Cleaning up planes the hardware may still scan out: the flip had to
	 * be waited for. Judged on a driver's own tail only: inside the
	 * helpers' commit_tail the compiler may inline the wait, and that tail
	 * always waits.
	 */
	if (stage == CK_STAGE_CLEANUP_PLANES && c->tail_started && !c->helper_tail &&
	    !(c->stage_seen & BIT(CK_STAGE_FLIP_WAIT)))
		ck_violation(ck, KMST_RULE_TAIL_ORDER, c, ev->minor, -1, ev, NULL,
			     "cleanup_planes entered without a flip-done wait in commit %u", c->id);
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
		ck_needed(ck, KMST_RULE_NO_WAIT_DEPENDENCIES, "a commit followed another on the same CRTC");
		ck_checked(ck, KMST_RULE_NO_WAIT_DEPENDENCIES);
		prev = ck_commit_find(ck, c->dep_prev[crtc]);
		if (!prev || prev->unjudged || (prev->hw_done && prev->flip_done))
			continue;
		/* It did wait, and DRM gave up on the previous commit: that one's stall, not this. */
		if (c->wait_deps)
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

/* One CRTC of the commit, as drm_atomic_helper_setup_commit left it. */
static void crtc_state(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	unsigned int cs = ev->aux & 0xffff, vs = ev->aux >> 16;
	bool supported = (vs & KMST_VS_VALID) ? (vs & KMST_VS_SUPPORTED) : ck_minor_has_vblank(ck, ev->minor);
	uint16_t bit;

	if (ev->crtc < 0 || ev->crtc >= CK_MAX_CRTC)
		return;
	bit = BIT(ev->crtc);
	c->setup = true;
	c->crtcs |= bit;
	ck_needed(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE, "a commit went through setup_commit");
	ck_needed(ck, KMST_RULE_COMMIT_STALL, "a commit went through setup_commit");
	if (cs & KMST_CS_EVENT)
		c->crtc_owed |= bit;
	if (cs & KMST_CS_CLIENT_EVENT)
		c->flags |= KMST_CF_PAGE_FLIP_EVENT;
	if ((vs & KMST_VS_VALID) && (vs & KMST_VS_ON))
		c->crtc_vblank_on |= bit;
	if (!supported)
		return;
	c->crtc_vblank_support |= bit;
	if ((cs & KMST_CS_OLD_ACTIVE) && (!(cs & KMST_CS_ACTIVE) || (cs & KMST_CS_MODESET)))
		c->crtc_going_off |= bit;
	if ((cs & KMST_CS_ACTIVE) && (!(cs & KMST_CS_OLD_ACTIVE) || (cs & KMST_CS_MODESET)))
		c->crtc_going_on |= bit;
	if (c->crtc_going_off | c->crtc_going_on)
		ck_needed(ck, KMST_RULE_VBLANK_OFF_MISSING, "a commit enabled or disabled a CRTC with VBLANK support");
}

/* vblank-off-missing is decided when the commit signals hw_done. */
static void vblank_onoff_at_hw_done(struct kmst_checker *ck, struct ck_commit *c,
				    const struct kmst_event *ev)
{
	int crtc;

	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		uint16_t bit = BIT(crtc);

		if (c->crtc_going_off & bit) {
			ck_checked(ck, KMST_RULE_VBLANK_OFF_MISSING);
			if (!(c->crtc_vblank_off_called & bit))
				ck_violation(ck, KMST_RULE_VBLANK_OFF_MISSING, c, c->minor, crtc, ev, NULL,
					     "commit %u disabled crtc %d but did not call drm_crtc_vblank_off "
					     "before hw_done", c->id, crtc);
		}
		if (c->crtc_going_on & bit) {
			ck_checked(ck, KMST_RULE_VBLANK_OFF_MISSING);
			if (!(c->crtc_vblank_on_called & bit))
				ck_violation(ck, KMST_RULE_VBLANK_OFF_MISSING, c, c->minor, crtc, ev, NULL,
					     "commit %u enabled crtc %d but did not call drm_crtc_vblank_on "
					     "before hw_done", c->id, crtc);
		}
	}
	c->crtc_going_off = c->crtc_going_on = 0;
}

static void hw_done_entered(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	if (c->hw_done_entered)
		return;
	c->hw_done_entered = true;
	vblank_onoff_at_hw_done(ck, c, ev);
}

static void crtc_callback(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc = ev->crtc;
	uint16_t bit;

	if (crtc < 0 || crtc >= CK_MAX_CRTC || ev->phase == KMST_PH_EXIT)
		return;
	bit = BIT(crtc);
	c->crtcs |= bit;
	switch (ev->type) {
	case KMST_EV_CRTC_ATOMIC_BEGIN:
		c->crtc_begun |= bit;
		if (c->crtc_plane_updated & bit)
			ck_violation(ck, KMST_RULE_PLANE_BRACKET, c, ev->minor, crtc, ev, NULL,
				     "crtc %d atomic_begin came after a plane update on it in commit %u",
				     crtc, c->id);
		break;
	case KMST_EV_CRTC_ATOMIC_FLUSH:
		c->crtc_flushed |= bit;
		break;
	case KMST_EV_CRTC_ATOMIC_ENABLE:
		/* Without setup_commit's view, the driver's own callbacks tell. */
		if (!c->setup && ck_minor_has_vblank(ck, ev->minor)) {
			c->crtc_going_on |= bit;
			ck_needed(ck, KMST_RULE_VBLANK_OFF_MISSING, "a CRTC with VBLANK support was enabled");
		}
		break;
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		if (!c->setup && ck_minor_has_vblank(ck, ev->minor)) {
			c->crtc_going_off |= bit;
			ck_needed(ck, KMST_RULE_VBLANK_OFF_MISSING, "a CRTC with VBLANK support was disabled");
		}
		break;
	default:
		break;
	}
}

static void plane_update(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc = ev->crtc;
	unsigned int caps;
	uint16_t bit;

	if (ev->phase == KMST_PH_EXIT || crtc < 0 || crtc >= CK_MAX_CRTC)
		return;
	bit = BIT(crtc);
	c->crtcs |= bit;
	c->crtc_plane_updated |= bit;
	caps = ck_minor_caps(ck, ev->minor);
	if (!(caps & (CK_CAP_ATOMIC_BEGIN | CK_CAP_ATOMIC_FLUSH)))
		return; /* no bracket to be inside of */
	ck_needed(ck, KMST_RULE_PLANE_BRACKET, "a plane was updated on a driver with atomic_begin/flush");
	ck_checked(ck, KMST_RULE_PLANE_BRACKET);
	if (c->crtc_flushed & bit) {
		struct kmst_violation *v =
			ck_violation(ck, KMST_RULE_PLANE_BRACKET, c, ev->minor, crtc, ev, NULL,
				     "plane %d %s after crtc %d atomic_flush in commit %u", ev->plane,
				     ev->type == KMST_EV_PLANE_ATOMIC_UPDATE ? "atomic_update" :
									       "atomic_disable",
				     crtc, c->id);

		if (v)
			v->plane = ev->plane;
	} else if ((caps & CK_CAP_ATOMIC_BEGIN) && !(c->crtc_begun & bit)) {
		struct kmst_violation *v =
			ck_violation(ck, KMST_RULE_PLANE_BRACKET, c, ev->minor, crtc, ev, NULL,
				     "plane %d %s on crtc %d before its atomic_begin in commit %u",
				     ev->plane,
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
		if (ev->phase == KMST_PH_ENTER) {
			ck_needed(ck, KMST_RULE_FB_CLEANUP, "a plane's framebuffer was prepared");
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

static void test_only(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	if (!(c->flags & KMST_CF_TEST_ONLY) || c->test_only_reported || !is_hardware_event(ev))
		return;
	c->test_only_reported = true;
	ck_violation(ck, KMST_RULE_TEST_ONLY_COMMITS, c, ev->minor, ev->crtc, ev, NULL,
		     "TEST_ONLY commit %u ran %s", c->id, kmst_event_type_name(ev->type));
}

static void cleanup_done(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	if (ev->phase == KMST_PH_EXIT || c->cleanup_done)
		return;
	c->cleanup_done = true;
	ck_needed(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE, "a commit signalled cleanup_done");
	ck_checked(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE);
	if (!c->hw_done && !c->hw_done_entered)
		ck_violation(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE, c, ev->minor, -1, ev, NULL,
			     "commit %u signalled cleanup_done before hw_done", c->id);
}

void ck_rules_commit_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
			   const struct kmst_event *ev)
{
	int stage;

	(void)t;
	if (!c)
		return;
	if (ev->commit_flags & KMST_CF_TEST_ONLY)
		ck_needed(ck, KMST_RULE_TEST_ONLY_COMMITS, "the client made TEST_ONLY commits");
	if (is_check_event(ev->type)) {
		c->checked = true;
		if ((ev->type == KMST_EV_CRTC_ATOMIC_CHECK || ev->type == KMST_EV_PLANE_ATOMIC_CHECK) &&
		    ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC)
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
	test_only(ck, c, ev);

	switch (ev->type) {
	case KMST_EV_SWAP_STATE:
		if (ev->phase == KMST_PH_ENTER && !(c->flags & KMST_CF_TEST_ONLY)) {
			c->committed = true;
			ck_needed(ck, KMST_RULE_TAIL_ORDER, "a commit was committed");
			skip_check(ck, c, ev);
			swap_state(ck, c);
		}
		break;
	case KMST_EV_COMMIT:
	case KMST_EV_NONBLOCKING_COMMIT:
		if (ev->phase == KMST_PH_ENTER && !(c->flags & KMST_CF_TEST_ONLY))
			c->committed = true;
		break;
	case KMST_EV_CRTC_STATE:
		crtc_state(ck, c, ev);
		break;
	case KMST_EV_WAIT_FOR_DEPENDENCIES:
		c->wait_deps = true;
		break;
	case KMST_EV_COMMIT_TAIL:
		c->helper_tail = true;
		break;
	case KMST_EV_HW_DONE:
		if (ev->phase == KMST_PH_ENTER)
			hw_done_entered(ck, c, ev);
		else
			c->hw_done = true;
		break;
	case KMST_EV_HW_DONE_COMPLETE:
		hw_done_entered(ck, c, ev);
		c->hw_done = true;
		break;
	case KMST_EV_FLIP_DONE_COMPLETE:
		if (ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC)
			c->crtc_flip_done |= BIT(ev->crtc);
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
		cleanup_done(ck, c, ev);
		break;
	case KMST_EV_VBLANK_OFF:
	case KMST_EV_VBLANK_ON:
		if (ev->phase == KMST_PH_ENTER && ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC) {
			if (ev->type == KMST_EV_VBLANK_OFF)
				c->crtc_vblank_off_called |= BIT(ev->crtc);
			else
				c->crtc_vblank_on_called |= BIT(ev->crtc);
		}
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
	default:
		break;
	}

	stage = tail_stage(ev);
	if (stage >= 0 && !(c->flags & KMST_CF_TEST_ONLY)) {
		c->committed = true;
		ck_needed(ck, KMST_RULE_TAIL_ORDER, "a commit ran its tail");
		skip_check(ck, c, ev);
		if (stage == CK_STAGE_HW_DONE)
			hw_done_entered(ck, c, ev);
		if (!c->tail_started && stage <= CK_STAGE_ENABLES) {
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

/* A commit with drm_crtc_commits owes hw_done and cleanup_done: the next one waits on them. */
static void stall_at_retire(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	const char *missing;

	if (!c->setup || c->failed || c->stalled || (c->flags & KMST_CF_TEST_ONLY))
		return;
	missing = !c->hw_done && !c->hw_done_entered ? "hw_done" : !c->cleanup_done ? "cleanup_done" : NULL;
	if (!ev) {
		/* The trace ended under it: a stall only once DRM's own bound has passed. */
		if (!missing) {
			ck_checked(ck, KMST_RULE_COMMIT_STALL); /* completed, its state held on */
			return;
		}
		if (ck->last_ts < c->start_ns + CK_STALL_NS)
			return;
		ck_checked(ck, KMST_RULE_COMMIT_STALL);
		ck_violation(ck, KMST_RULE_COMMIT_STALL, c, c->minor, -1, &c->first_ev, NULL,
			     "commit %u had not signalled %s %.1f s after it began (DRM waits 10 s)",
			     c->id, missing, (ck->last_ts - c->start_ns) / 1e9);
		return;
	}
	ck_checked(ck, KMST_RULE_COMMIT_STALL);
	if (missing)
		ck_violation(ck, KMST_RULE_COMMIT_STALL, c, c->minor, -1, ev, NULL,
			     "commit %u was freed without ever signalling %s: the next commit on its "
			     "CRTCs waits DRM's 10 s for it", c->id, missing);
}

void ck_rules_stall(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	const char *missing = ev->aux == KMST_EV_HW_DONE_COMPLETE	 ? "hw_done" :
			      ev->aux == KMST_EV_FLIP_DONE_COMPLETE	 ? "flip_done" :
			      ev->aux == KMST_EV_CLEANUP_DONE_COMPLETE ? "cleanup_done" :
									 "a completion";

	ck_needed(ck, KMST_RULE_COMMIT_STALL, "the watchdog saw a commit stall");
	ck_checked(ck, KMST_RULE_COMMIT_STALL);
	if (c)
		c->stalled = true;
	ck_violation(ck, KMST_RULE_COMMIT_STALL, c, ev->minor, ev->crtc, ev, NULL,
		     "commit %u stalled: no %s%s%.*d after %.1f s", ev->commit_id, missing,
		     ev->crtc >= 0 ? " on crtc " : "", ev->crtc >= 0 ? 1 : 0, ev->crtc >= 0 ? ev->crtc : 0,
		     ev->arg0 / 1e9);
}

void ck_rules_commit_retire(struct kmst_checker *ck, struct ck_commit *c,
			    const struct kmst_event *ev, bool leaked)
{
	fb_cleanup_at_retire(ck, c, ev);
	/*
	 * A commit that failed before its tail was refused, not committed: DRM
	 * core's own checks in drm_atomic_check_only (plane fb and CRTC
	 * pairing, fb size, ...) run before the driver's atomic_check and
	 * end the commit when they fail.
	 */
	if (!(c->flags & KMST_CF_TEST_ONLY) && c->committed && !c->failed && !c->skip_check_done && ev)
		skip_check(ck, c, ev);
	if (c->flags & KMST_CF_TEST_ONLY)
		ck_checked(ck, KMST_RULE_TEST_ONLY_COMMITS);
	stall_at_retire(ck, c, ev);
	if (ev || !c->unjudged) {
		ck_needed(ck, KMST_RULE_STATE_LEAK, "atomic states were allocated");
		ck_checked(ck, KMST_RULE_STATE_LEAK);
	}
	if (leaked)
		ck_violation(ck, KMST_RULE_STATE_LEAK, c, c->minor, -1, &c->first_ev, NULL,
			     "atomic state of commit %u was never freed (no STATE_FREE by the end of the trace)",
			     c->id);
}
