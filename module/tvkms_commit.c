// SPDX-License-Identifier: GPL-2.0+
/*
 * Atomic check and commit. The commit follows
 * drm_atomic_helper_commit's structure, built from the same helper pieces,
 * so that its tail is ours: a chain of typed stages (tvkms_tail.h) that
 * each call the generic DRM helper for their step.
 */
#include <linux/delay.h>
#include <linux/iopoll.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem_atomic_helper.h>

#include "tvkms_compat.h"
#include <drm/drm_print.h>

#include "tvkms_drv.h"
#include "tvkms_tail.h"
#include "tvkms_trace.h"

static void tvkms_trace_stage(struct drm_atomic_state *state,
			      enum kmst_tvkms_stage stage)
{
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	u32 minor = tvkms_minor(state->dev);
	bool any = false;
	int i;

	if (!trace_tvkms_commit_stage_enabled())
		return;
	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		trace_tvkms_commit_stage(state, minor, drm_crtc_index(crtc),
					 stage);
		any = true;
	}
	if (!any)
		trace_tvkms_commit_stage(state, minor, -1, stage);
}

/* no-wait-dependencies: arm the flips held back on this state's CRTCs. */
static void tvkms_release_held_flips(struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	int i;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i)
		tvkms_crtc_release_held_flip(to_tvkms_crtc(crtc));
}

/* ---- the stages' bodies ---- */

static void tvkms_do_disables(struct drm_atomic_state *state)
{
	tvkms_trace_stage(state, KMST_TVKMS_STAGE_DISABLES);
	drm_atomic_helper_commit_modeset_disables(state->dev, state);
	/* This commit's hardware stages have begun: the held flip may land. */
	tvkms_release_held_flips(state);
}

/* plane-bracket: repeat one plane's update after its CRTC's atomic_flush. */
static void tvkms_fault_plane_bracket(struct drm_atomic_state *state)
{
	struct drm_plane_state *plane_state;
	struct drm_crtc_state *crtc_state;
	struct drm_plane *plane;
	int i;

	for_each_new_plane_in_state(state, plane, plane_state, i) {
		const struct drm_plane_helper_funcs *funcs =
			plane->helper_private;

		if (!plane_state->crtc || !plane_state->fb)
			continue;
		crtc_state = drm_atomic_get_new_crtc_state(state,
							   plane_state->crtc);
		if (!crtc_state || !crtc_state->active)
			continue;
		if (!tvkms_fault_fires(to_tvkms_device(state->dev),
				       KMST_RULE_PLANE_BRACKET))
			return;
		trace_tvkms_fault(state, tvkms_minor(state->dev),
				  drm_crtc_index(plane_state->crtc),
				  drm_plane_index(plane),
				  KMST_RULE_PLANE_BRACKET);
		funcs->atomic_update(plane, state);
		return;
	}
}

static void tvkms_do_planes(struct drm_atomic_state *state)
{
	tvkms_trace_stage(state, KMST_TVKMS_STAGE_PLANES);
	drm_atomic_helper_commit_planes(state->dev, state, 0);
	if (tvkms_fault_value(to_tvkms_device(state->dev),
			      KMST_RULE_PLANE_BRACKET))
		tvkms_fault_plane_bracket(state);
}

static void tvkms_do_enables(struct drm_atomic_state *state)
{
	tvkms_trace_stage(state, KMST_TVKMS_STAGE_ENABLES);
	drm_atomic_helper_commit_modeset_enables(state->dev, state);
}

/* ---- the typed chain ---- */

struct tvkms_tail_begun tvkms_tail_begin(struct drm_atomic_state *state)
{
	return (struct tvkms_tail_begun){ .state = state };
}

/*
 * Whether the commit before this one on any of its CRTCs has not signalled
 * hw_done or flip_done yet: what drm_atomic_helper_wait_for_dependencies
 * would wait for. try_wait_for_completion() leaves a complete_all()ed
 * completion done.
 */
static bool tvkms_dependencies_pending(struct drm_atomic_state *state)
{
	struct drm_crtc_state *old_crtc_state;
	struct drm_crtc *crtc;
	int i;

	for_each_old_crtc_in_state(state, crtc, old_crtc_state, i) {
		struct drm_crtc_commit *commit = old_crtc_state->commit;

		if (commit && (!try_wait_for_completion(&commit->hw_done) ||
			       !try_wait_for_completion(&commit->flip_done)))
			return true;
	}
	return false;
}

struct tvkms_tail_ready tvkms_tail_wait(struct tvkms_tail_begun begun)
{
	struct drm_atomic_state *state = begun.state;
	struct tvkms_device *tdev = to_tvkms_device(state->dev);

	drm_atomic_helper_wait_for_fences(state->dev, state, false);
	if (tvkms_fault_fires(tdev, KMST_RULE_NO_WAIT_DEPENDENCIES)) {
		/* Announced only when the skipped wait had something to wait for. */
		if (tvkms_dependencies_pending(state))
			trace_tvkms_fault(state, tvkms_minor(state->dev), -1,
					  -1, KMST_RULE_NO_WAIT_DEPENDENCIES);
	} else {
		/* A flip held back would otherwise be waited for here. */
		tvkms_release_held_flips(state);
#ifdef TVKMS_MUTANT_SKIP_WAIT_DEPENDENCIES
		/*
		 * Mutant (no-wait-dependencies): "swap_state already stalled
		 * on the previous commit's hw_done, so there is nothing left to
		 * wait for": but the previous flip may not have landed yet.
		 */
#else
		drm_atomic_helper_wait_for_dependencies(state);
#endif
	}
	return (struct tvkms_tail_ready){ .state = state };
}

struct tvkms_tail_disabled tvkms_tail_disables(struct tvkms_tail_ready ready)
{
	tvkms_do_disables(ready.state);
	return (struct tvkms_tail_disabled){ .state = ready.state };
}

struct tvkms_tail_planes_done
tvkms_tail_planes(struct tvkms_tail_disabled disabled)
{
	tvkms_do_planes(disabled.state);
	return (struct tvkms_tail_planes_done){ .state = disabled.state };
}

struct tvkms_tail_enabled
tvkms_tail_enables(struct tvkms_tail_planes_done planes_done)
{
	tvkms_do_enables(planes_done.state);
	return (struct tvkms_tail_enabled){ .state = planes_done.state };
}

/*
 * cleanup-before-hw-done: complete the commits' cleanup_done before
 * hw_done. drm_atomic_helper_commit_cleanup_done would WARN on that order,
 * so complete the completions directly; the helper, called later as usual,
 * completes them again (harmless) and unlinks the commits.
 */
static void tvkms_fault_cleanup_first(struct drm_atomic_state *state)
{
	int i;

	trace_tvkms_fault(state, tvkms_minor(state->dev), -1, -1,
			  KMST_RULE_CLEANUP_BEFORE_HW_DONE);
	/* The state holds a reference on each of its CRTC commits. */
	for (i = 0; i < state->dev->mode_config.num_crtc; i++)
		if (state->crtcs[i].ptr && state->crtcs[i].commit)
			complete_all(&state->crtcs[i].commit->cleanup_done);
	if (state->fake_commit)
		complete_all(&state->fake_commit->cleanup_done);
}

#ifdef TVKMS_MUTANT_HW_DONE_STALL
/*
 * Mutant (commit-stall): wait for the "hardware" to report the new
 * scanout registers latched before signalling hw_done. The author polls
 * the plane-update counter for a change, but the planes were written
 * before this point, so it never changes again: every commit waits out
 * the generous timeout, past DRM's own 10 s bound.
 */
#define TVKMS_LATCH_TIMEOUT_US (12 * USEC_PER_SEC)

static void tvkms_wait_latched(struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state;
	struct drm_crtc *crtc;
	s64 before, now;
	int i;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		atomic64_t *updates = &to_tvkms_crtc(crtc)->plane_updates;

		before = atomic64_read(updates);
		if (read_poll_timeout(atomic64_read, now, now != before,
				      10 * USEC_PER_MSEC, TVKMS_LATCH_TIMEOUT_US,
				      false, updates))
			drm_dbg_kms(state->dev, "[CRTC:%d] latch timed out\n",
				    crtc->base.id);
		return;
	}
}
#endif

/* commit-stall: hold hw_done for the knob's value in milliseconds. */
static void tvkms_fault_stall(struct drm_atomic_state *state)
{
	unsigned long stall_ms = tvkms_fault_value(to_tvkms_device(state->dev),
						   KMST_RULE_COMMIT_STALL);

	if (!stall_ms || tvkms_is_dry_run(state))
		return;
	trace_tvkms_fault(state, tvkms_minor(state->dev), -1, -1,
			  KMST_RULE_COMMIT_STALL);
	msleep(stall_ms);
}

struct tvkms_tail_hw_done tvkms_tail_hw_done(struct tvkms_tail_enabled enabled)
{
	struct drm_atomic_state *state = enabled.state;

	tvkms_trace_stage(state, KMST_TVKMS_STAGE_HW_DONE);
	tvkms_fault_stall(state);
#ifdef TVKMS_MUTANT_HW_DONE_STALL
	tvkms_wait_latched(state);
#endif
	if (tvkms_fault_fires(to_tvkms_device(state->dev),
			      KMST_RULE_CLEANUP_BEFORE_HW_DONE))
		tvkms_fault_cleanup_first(state);
#if defined(TVKMS_MUTANT_HW_DONE_MISSING)
	/*
	 * Mutant (commit-stall, cleanup-before-hw-done): a tail written from
	 * a template that predates nonblocking commits never signals hw_done.
	 * drm_atomic_helper_commit_cleanup_done WARNs on it (MUTANTS.md).
	 */
#elif defined(TVKMS_MUTANT_HW_DONE_LATE)
	/*
	 * Mutant (tail-order): hw_done moved to the end of the tail, "once
	 * everything is really finished": after cleanup_planes.
	 */
#else
	drm_atomic_helper_commit_hw_done(state);
#endif
	return (struct tvkms_tail_hw_done){ .state = state };
}

static void tvkms_cleanup_planes(struct drm_atomic_state *state);

struct tvkms_tail_flipped tvkms_tail_flip_done(struct tvkms_tail_hw_done hw_done)
{
	struct drm_atomic_state *state = hw_done.state;

	tvkms_trace_stage(state, KMST_TVKMS_STAGE_FLIP_DONE);
#ifdef TVKMS_MUTANT_CLEANUP_BEFORE_FLIP_WAIT
	/*
	 * Mutant (tail-order): "the new buffers are programmed, the old ones
	 * can go": cleanup_planes before the flip_done wait, so the old fb is
	 * unmapped while it is still being scanned out.
	 */
	tvkms_cleanup_planes(state);
#endif
	drm_atomic_helper_wait_for_flip_done(state->dev, state);
	return (struct tvkms_tail_flipped){ .state = state };
}

/*
 * fb-cleanup: leave one plane out of drm_atomic_helper_cleanup_planes by
 * hiding it from the state for that call only, and release what its
 * cleanup_fb would have released from a work item.
 */
static bool tvkms_fault_skip_cleanup_fb(struct drm_atomic_state *state)
{
	struct tvkms_device *tdev = to_tvkms_device(state->dev);
	struct drm_plane_state *old_plane_state;
	struct tvkms_plane_state *skipped;
	struct drm_plane *plane;
	int i;

	for_each_old_plane_in_state(state, plane, old_plane_state, i) {
		skipped = to_tvkms_plane_state(old_plane_state);
		if (!skipped->mapped_fb)
			continue;
		if (!tvkms_fault_fires(tdev, KMST_RULE_FB_CLEANUP))
			return false;
		trace_tvkms_fault(state, tvkms_minor(state->dev), -1,
				  drm_plane_index(plane), KMST_RULE_FB_CLEANUP);
		state->planes[i].ptr = NULL;
		drm_atomic_helper_cleanup_planes(state->dev, state);
		state->planes[i].ptr = plane;
		tvkms_plane_release_deferred(tdev, skipped);
		return true;
	}
	return false;
}

static void tvkms_cleanup_planes(struct drm_atomic_state *state)
{
	if (!tvkms_fault_value(to_tvkms_device(state->dev),
			       KMST_RULE_FB_CLEANUP) ||
	    !tvkms_fault_skip_cleanup_fb(state))
		drm_atomic_helper_cleanup_planes(state->dev, state);
}

struct tvkms_tail_cleaned tvkms_tail_cleanup(struct tvkms_tail_flipped flipped)
{
	struct drm_atomic_state *state = flipped.state;

	tvkms_trace_stage(state, KMST_TVKMS_STAGE_CLEANUP);
#ifndef TVKMS_MUTANT_CLEANUP_BEFORE_FLIP_WAIT
	tvkms_cleanup_planes(state);
#endif
#ifdef TVKMS_MUTANT_HW_DONE_LATE
	drm_atomic_helper_commit_hw_done(state);
#endif
	return (struct tvkms_tail_cleaned){ .state = state };
}

void tvkms_tail_finish(struct tvkms_tail_cleaned cleaned)
{
	drm_atomic_helper_commit_cleanup_done(cleaned.state);
	drm_atomic_state_put(cleaned.state);
}

/*
 * tail-order: the fault path that leaves the typed chain on purpose and
 * runs the planes stage before the disables stage.
 */
static struct tvkms_tail_enabled
tvkms_tail_fault_planes_before_disables(struct tvkms_tail_ready ready)
{
	struct drm_atomic_state *state = ready.state;

	trace_tvkms_fault(state, tvkms_minor(state->dev), -1, -1,
			  KMST_RULE_TAIL_ORDER);
	tvkms_do_planes(state);
	tvkms_do_disables(state);
	tvkms_do_enables(state);
	return (struct tvkms_tail_enabled){ .state = state };
}

#ifdef TVKMS_MUTANT_PLANES_BEFORE_DISABLES
/*
 * Mutant (tail-order): the new planes should be up before the old outputs
 * go dark. The typed chain refuses that order at compile time (MUTANTS.md),
 * so the author called the helpers directly and forged the token the chain
 * expects next.
 */
static struct tvkms_tail_enabled
tvkms_mutant_planes_first(struct tvkms_tail_ready ready)
{
	struct drm_atomic_state *state = ready.state;

	drm_atomic_helper_commit_planes(state->dev, state, 0);
	drm_atomic_helper_commit_modeset_disables(state->dev, state);
	tvkms_release_held_flips(state);
	drm_atomic_helper_commit_modeset_enables(state->dev, state);
	return (struct tvkms_tail_enabled){ .state = state };
}
#endif

static void tvkms_commit_tail(struct drm_atomic_state *state)
{
	struct tvkms_tail_ready ready;
	struct tvkms_tail_enabled enabled;

	ready = tvkms_tail_wait(tvkms_tail_begin(state));
	if (tvkms_fault_fires(to_tvkms_device(state->dev),
			      KMST_RULE_TAIL_ORDER))
		enabled = tvkms_tail_fault_planes_before_disables(ready);
	else
#ifdef TVKMS_MUTANT_PLANES_BEFORE_DISABLES
		enabled = tvkms_mutant_planes_first(ready);
#else
		enabled = tvkms_tail_enables(
			tvkms_tail_planes(tvkms_tail_disables(ready)));
#endif
	tvkms_tail_finish(tvkms_tail_cleanup(
		tvkms_tail_flip_done(tvkms_tail_hw_done(enabled))));
}

static void tvkms_commit_work(struct work_struct *work)
{
	struct drm_atomic_state *state =
		container_of(work, struct drm_atomic_state, commit_work);

	tvkms_commit_tail(state);
}

int tvkms_atomic_commit(struct drm_device *dev, struct drm_atomic_state *state,
			bool nonblock)
{
	struct tvkms_device *tdev = to_tvkms_device(dev);
	int ret;

	ret = drm_atomic_helper_setup_commit(state, nonblock);
	if (ret)
		return ret;
	INIT_WORK(&state->commit_work, tvkms_commit_work);

	ret = drm_atomic_helper_prepare_planes(dev, state);
	if (ret)
		return ret;
	if (!nonblock) {
		ret = drm_atomic_helper_wait_for_fences(dev, state, true);
		if (ret)
			goto err_unprepare;
	}
	ret = drm_atomic_helper_swap_state(state, true);
	if (ret)
		goto err_unprepare;

	if (tvkms_fault_fires(tdev, KMST_RULE_STATE_LEAK)) {
		trace_tvkms_fault(state, tvkms_minor(dev), -1, -1,
				  KMST_RULE_STATE_LEAK);
		tvkms_faults_hold_state(tdev, state);
	}

	/* The tail's reference; it drops it in tvkms_tail_finish. */
	drm_atomic_state_get(state);
	if (nonblock)
		queue_work(tdev->commit_wq, &state->commit_work);
	else
		tvkms_commit_tail(state);
	return 0;

err_unprepare:
	tvkms_compat_unprepare_planes(dev, state);
	return ret;
}

/* ---- atomic check ---- */

static bool tvkms_plane_geometry_equal(const struct drm_plane_state *a,
				       const struct drm_plane_state *b)
{
	return a->crtc == b->crtc && a->crtc_x == b->crtc_x &&
	       a->crtc_y == b->crtc_y && a->crtc_w == b->crtc_w &&
	       a->crtc_h == b->crtc_h && a->src_x == b->src_x &&
	       a->src_y == b->src_y && a->src_w == b->src_w &&
	       a->src_h == b->src_h && a->rotation == b->rotation &&
	       a->alpha == b->alpha && a->zpos == b->zpos &&
	       a->pixel_blend_mode == b->pixel_blend_mode;
}

static bool tvkms_fb_layout_equal(const struct drm_framebuffer *a,
				  const struct drm_framebuffer *b)
{
	if (!a || !b)
		return a == b;
	return a->width == b->width && a->height == b->height &&
	       a->format == b->format && a->modifier == b->modifier;
}

/*
 * skip-check applies only to plain page flips: no modeset requested, no
 * connector touched, every plane keeping its geometry and fb layout. What
 * the skipped helper checks would have computed then stays valid.
 */
static bool tvkms_commit_is_plain_flip(struct drm_atomic_state *state)
{
	struct drm_crtc_state *old_crtc_state, *new_crtc_state;
	struct drm_plane_state *old_plane_state, *new_plane_state;
	struct drm_plane *plane;
	struct drm_crtc *crtc;
	int i;

	if (state->allow_modeset || state->num_connector)
		return false;
	for_each_oldnew_crtc_in_state(state, crtc, old_crtc_state,
				      new_crtc_state, i) {
		if (new_crtc_state->enable != old_crtc_state->enable ||
		    new_crtc_state->active != old_crtc_state->active ||
		    !drm_mode_equal(&new_crtc_state->mode,
				    &old_crtc_state->mode))
			return false;
	}
	for_each_oldnew_plane_in_state(state, plane, old_plane_state,
				       new_plane_state, i) {
		if (!tvkms_plane_geometry_equal(old_plane_state,
						new_plane_state) ||
		    !tvkms_fb_layout_equal(old_plane_state->fb,
					   new_plane_state->fb))
			return false;
	}
	return true;
}

static bool tvkms_in_test_only_ioctl(struct tvkms_device *tdev)
{
	bool mine;

	spin_lock(&tdev->test_only_lock);
	mine = tdev->test_only_task == current;
	spin_unlock(&tdev->test_only_lock);
	return mine;
}

/*
 * test-only-commits: run the planes stage on the TEST_ONLY state. The
 * callbacks see tvkms_is_dry_run() and touch no hardware and no events.
 */
static void tvkms_fault_dry_run(struct tvkms_device *tdev,
				struct drm_atomic_state *state)
{
	mutex_lock(&tdev->dry_run_lock);
	WRITE_ONCE(tdev->dry_run_state, state);
	trace_tvkms_fault(state, tvkms_minor(state->dev), -1, -1,
			  KMST_RULE_TEST_ONLY_COMMITS);
	tvkms_trace_stage(state, KMST_TVKMS_STAGE_PLANES);
	drm_atomic_helper_commit_planes(state->dev, state, 0);
	WRITE_ONCE(tdev->dry_run_state, NULL);
	mutex_unlock(&tdev->dry_run_lock);
}

#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
/*
 * Mutant (state-leak): the states being checked are listed, each with a
 * reference, for a debug hook; atomic_check's error return forgets to
 * take its state off the list, so it stays referenced until unbind.
 */
static void tvkms_checking_add(struct tvkms_device *tdev,
			       struct drm_atomic_state *state)
{
	mutex_lock(&tdev->checking_lock);
	if (tdev->checking_count < TVKMS_HELD_STATES_MAX)
		tdev->checking[tdev->checking_count++] =
			drm_atomic_state_get(state);
	mutex_unlock(&tdev->checking_lock);
}

static void tvkms_checking_del(struct tvkms_device *tdev,
			       struct drm_atomic_state *state)
{
	unsigned int i;

	mutex_lock(&tdev->checking_lock);
	for (i = 0; i < tdev->checking_count; i++) {
		if (tdev->checking[i] != state)
			continue;
		tdev->checking[i] = tdev->checking[--tdev->checking_count];
		drm_atomic_state_put(state);
		break;
	}
	mutex_unlock(&tdev->checking_lock);
}

/* Unbind: whatever is still listed goes now. */
void tvkms_checking_release(struct tvkms_device *tdev)
{
	mutex_lock(&tdev->checking_lock);
	while (tdev->checking_count)
		drm_atomic_state_put(tdev->checking[--tdev->checking_count]);
	mutex_unlock(&tdev->checking_lock);
}
#endif

int tvkms_atomic_check(struct drm_device *dev, struct drm_atomic_state *state)
{
	struct tvkms_device *tdev = to_tvkms_device(dev);
	int ret;

#ifdef TVKMS_MUTANT_CHECK_SKIPPED_FOR_FLIPS
	/*
	 * Mutant (skip-check): "a flip to a framebuffer of the same layout
	 * cannot fail", so plain flips skip the helpers' checks altogether.
	 */
	if (tvkms_commit_is_plain_flip(state))
		return 0;
#endif
	if (tvkms_fault_value(tdev, KMST_RULE_SKIP_CHECK) &&
	    tvkms_commit_is_plain_flip(state) &&
	    tvkms_fault_fires(tdev, KMST_RULE_SKIP_CHECK)) {
		trace_tvkms_fault(state, tvkms_minor(dev), -1, -1,
				  KMST_RULE_SKIP_CHECK);
		return 0;
	}

#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
	tvkms_checking_add(tdev, state);
#endif
	ret = drm_atomic_helper_check(dev, state);
	if (ret)
		return ret;
#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
	tvkms_checking_del(tdev, state);
#endif

	if (tvkms_fault_value(tdev, KMST_RULE_TEST_ONLY_COMMITS) &&
	    tvkms_in_test_only_ioctl(tdev) &&
	    tvkms_fault_fires(tdev, KMST_RULE_TEST_ONLY_COMMITS))
		tvkms_fault_dry_run(tdev, state);
	return 0;
}
