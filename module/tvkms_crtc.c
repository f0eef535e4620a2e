// SPDX-License-Identifier: GPL-2.0+
/*
 * The CRTC: mode checks, enable/disable with VBLANK on/off,
 * and the page-flip event at atomic_flush.
 */
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "tvkms_compat.h"
#include "tvkms_drv.h"
#include "tvkms_trace.h"

/*
 * Whether @mode is one this "hardware" can scan out. Everything is computed
 * in 64 bits from the user's fields, so no timing (up to INT_MAX kHz, 65535
 * lines, vscan 65535) can overflow the check itself:
 * - refresh, as drm_mode_vrefresh() defines it (interlace doubles it,
 *   DBLSCAN and vscan divide it), within TVKMS_MIN/MAX_REFRESH;
 * - the frame duration the VBLANK timer and drm's timestamping use, from
 *   the crtc_ timings drm_mode_set_crtcinfo() derived, within the same
 *   bounds (crtc_vtotal is an int that vtotal * vscan can wrap).
 */
static bool tvkms_crtc_mode_ok(struct drm_crtc *crtc,
			       const struct drm_display_mode *mode)
{
	u64 pixels_per_s, pixels_per_frame, frame_ns;

	if (mode->clock <= 0 || mode->htotal <= 0 || mode->vtotal <= 0 ||
	    mode->crtc_clock <= 0 || mode->crtc_htotal <= 0 ||
	    mode->crtc_vtotal <= 0) {
		drm_dbg_kms(crtc->dev, "[CRTC:%d] mode without timings\n",
			    crtc->base.id);
		return false;
	}
	pixels_per_s = (u64)mode->clock * 1000;
	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		pixels_per_s *= 2;
	pixels_per_frame = (u64)mode->htotal * mode->vtotal;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN)
		pixels_per_frame *= 2;
	if (mode->vscan > 1)
		pixels_per_frame *= mode->vscan;
	if (pixels_per_s > pixels_per_frame * TVKMS_MAX_REFRESH ||
	    pixels_per_s < pixels_per_frame * TVKMS_MIN_REFRESH) {
		drm_dbg_kms(crtc->dev,
			    "[CRTC:%d] refresh of %d kHz / %llu pixels outside %d-%d Hz\n",
			    crtc->base.id, mode->clock, pixels_per_frame,
			    TVKMS_MIN_REFRESH, TVKMS_MAX_REFRESH);
		return false;
	}
	frame_ns = div_u64((u64)mode->crtc_htotal * mode->crtc_vtotal *
				   1000000ull, mode->crtc_clock);
	if (frame_ns < NSEC_PER_SEC / TVKMS_MAX_REFRESH ||
	    frame_ns > NSEC_PER_SEC / TVKMS_MIN_REFRESH) {
		drm_dbg_kms(crtc->dev, "[CRTC:%d] frame of %llu ns out of range\n",
			    crtc->base.id, frame_ns);
		return false;
	}
	return true;
}

static int tvkms_crtc_atomic_check(struct drm_crtc *crtc,
				   struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);

	/*
	 * DRM core takes any GAMMA_LUT blob of whole drm_color_lut entries;
	 * the composer maps through exactly TVKMS_LUT_SIZE of them.
	 */
	if (crtc_state->gamma_lut &&
	    drm_color_lut_size(crtc_state->gamma_lut) != TVKMS_LUT_SIZE) {
		drm_dbg_atomic(crtc->dev, "[CRTC:%d] GAMMA_LUT of %d entries, not %d\n",
			       crtc->base.id,
			       drm_color_lut_size(crtc_state->gamma_lut),
			       TVKMS_LUT_SIZE);
		return -EINVAL;
	}
	if (!crtc_state->enable)
		return 0;
	/* The VBLANK emulation derives its frame duration from the mode. */
	if (!tvkms_crtc_mode_ok(crtc, &crtc_state->adjusted_mode))
		return -EINVAL;
#ifdef TVKMS_MUTANT_TEST_ONLY_PROGRAMS_HW
	/*
	 * Mutant (test-only-commits): "nothing is on screen yet, so bring the
	 * timing generator up now and let the hardware validate the mode":
	 * the enable path runs from atomic_check, TEST_ONLY probes included.
	 */
	if (drm_atomic_crtc_needs_modeset(crtc_state) && crtc_state->active &&
	    !crtc->state->active)
		crtc->helper_private->atomic_enable(crtc, state);
#endif
	return 0;
}

#ifdef TVKMS_MUTANT_PLANES_UPDATED_AT_ENABLE
/*
 * Mutant (plane-bracket): "the pipe loses its plane registers when it
 * powers up, so program them again": plane updates from atomic_enable,
 * which runs after the planes stage, outside any atomic_begin/flush.
 */
static void tvkms_crtc_reprogram_planes(struct drm_crtc *crtc,
					struct drm_atomic_state *state)
{
	struct drm_plane_state *plane_state;
	struct drm_plane *plane;
	int i;

	for_each_new_plane_in_state(state, plane, plane_state, i) {
		const struct drm_plane_helper_funcs *funcs =
			plane->helper_private;

		if (plane_state->crtc == crtc && plane_state->fb)
			funcs->atomic_update(plane, state);
	}
}
#endif

static void tvkms_crtc_atomic_enable(struct drm_crtc *crtc,
				     struct drm_atomic_state *state)
{
	struct tvkms_crtc *tcrtc = to_tvkms_crtc(crtc);
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);

	if (tvkms_is_dry_run(state))
		return;
	tvkms_vblank_set_mode(tcrtc, &crtc_state->adjusted_mode);
	drm_crtc_vblank_on(crtc);
#ifdef TVKMS_MUTANT_PLANES_UPDATED_AT_ENABLE
	tvkms_crtc_reprogram_planes(crtc, state);
#endif
}

/*
 * vblank-off-missing: turn drm's VBLANK off without drm_crtc_vblank_off.
 * disable_outputs() WARNs unless drm_crtc_vblank_get fails right after
 * atomic_disable, so VBLANK must really end up off: run drm's own
 * off-delay timer function now (what drm does once the last reference has
 * been idle long enough; it calls disable_vblank), and enable_vblank
 * refuses while the CRTC is off. Only possible while nobody holds a VBLANK
 * reference (no armed event, no waiter); otherwise the knob waits for a
 * later disable.
 */
static bool tvkms_crtc_vblank_off_other_way(struct tvkms_crtc *tcrtc,
					    struct drm_atomic_state *state)
{
	struct drm_crtc *crtc = &tcrtc->base;
	struct drm_vblank_crtc *vblank = tvkms_compat_vblank_crtc(crtc);

	if (!tvkms_fault_value(to_tvkms_device(crtc->dev),
			       KMST_RULE_VBLANK_OFF_MISSING) ||
	    atomic_read(&vblank->refcount) != 0 ||
	    !tvkms_fault_fires(to_tvkms_device(crtc->dev),
			       KMST_RULE_VBLANK_OFF_MISSING))
		return false;
	vblank->disable_timer.function(&vblank->disable_timer);
	trace_tvkms_fault(state, tvkms_minor(crtc->dev),
			  tcrtc->index, -1, KMST_RULE_VBLANK_OFF_MISSING);
	return true;
}

static void tvkms_crtc_atomic_disable(struct drm_crtc *crtc,
				      struct drm_atomic_state *state)
{
	struct tvkms_crtc *tcrtc = to_tvkms_crtc(crtc);

	if (tvkms_is_dry_run(state))
		return;
	tvkms_vblank_set_off(tcrtc);
	/* drm_crtc_vblank_off below sends it: no flip outlives the pipe. */
	tvkms_crtc_release_held_flip(tcrtc);
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
	tvkms_crtc_send_pending_event(tcrtc);
#endif
#ifdef TVKMS_MUTANT_NO_VBLANK_OFF
	/*
	 * Mutant (vblank-off-missing): the timer below stops the "hardware"
	 * VBLANK, and the author took that for enough; drm is never told. DRM
	 * WARNs in disable_outputs() only if its VBLANK is still enabled then.
	 */
	tvkms_crtc_vblank_off_other_way(tcrtc, state);
#else
	if (!tvkms_crtc_vblank_off_other_way(tcrtc, state))
		drm_crtc_vblank_off(crtc);
#endif
	tvkms_vblank_stop(tcrtc);
}

static void tvkms_crtc_atomic_begin(struct drm_crtc *crtc,
				    struct drm_atomic_state *state)
{
}

/* event-missing: complete what sending would have, then drop the event. */
static void tvkms_crtc_cancel_event(struct drm_crtc *crtc,
				    struct drm_pending_vblank_event *event)
{
	struct completion *done = event->base.completion;

	if (done) {
		complete_all(done);
		if (event->base.completion_release)
			event->base.completion_release(done);
		event->base.completion = NULL;
	}
	if (event->base.fence)
		dma_fence_signal(event->base.fence);
	drm_event_cancel_free(crtc->dev, &event->base);
}

/*
 * event-twice: a second flip-complete event for the same file and
 * user_data, sent at once. Caller holds dev->event_lock.
 */
static void tvkms_crtc_send_duplicate_locked(struct drm_crtc *crtc,
					     struct drm_pending_vblank_event *event)
{
	struct drm_pending_vblank_event *twin;
	struct drm_file *file_priv = event->base.file_priv;

	if (!file_priv)
		return;
	twin = kzalloc(sizeof(*twin), GFP_ATOMIC);
	if (!twin)
		return;
	twin->event.base.type = event->event.base.type;
	twin->event.base.length = sizeof(twin->event.vbl);
	twin->event.vbl.user_data = event->event.vbl.user_data;
	twin->event.vbl.crtc_id = event->event.vbl.crtc_id;
	if (drm_event_reserve_init_locked(crtc->dev, file_priv, &twin->base,
					  &twin->event.base)) {
		kfree(twin);
		return;
	}
	drm_crtc_send_vblank_event(crtc, twin);
}

/*
 * no-wait-dependencies: arm a held flip event now (the next commit's tail
 * has run its first hardware stage, or the fallback timer expired).
 */
void tvkms_crtc_release_held_flip(struct tvkms_crtc *tcrtc)
{
	struct drm_crtc *crtc = &tcrtc->base;
	struct drm_pending_vblank_event *event;
	unsigned long flags;

	spin_lock_irqsave(&crtc->dev->event_lock, flags);
	event = tcrtc->held_flip;
	tcrtc->held_flip = NULL;
	if (event) {
		trace_tvkms_event(NULL, tvkms_minor(crtc->dev), tcrtc->index,
				  TVKMS_EVENT_ARM, event->event.vbl.user_data);
		drm_crtc_arm_vblank_event(crtc, event);
	}
	spin_unlock_irqrestore(&crtc->dev->event_lock, flags);
}

static void tvkms_crtc_held_flip_work(struct work_struct *work)
{
	tvkms_crtc_release_held_flip(container_of(to_delayed_work(work),
						  struct tvkms_crtc,
						  held_flip_work));
}

/*
 * no-wait-dependencies must show on every run, not only when the next
 * commit happens to start within the same frame as this flush: keep the
 * flip (and so its commit's flip_done) pending until the next commit has
 * started its hardware stages. Caller holds dev->event_lock.
 */
static bool tvkms_crtc_hold_flip_locked(struct tvkms_crtc *tcrtc,
					struct drm_pending_vblank_event *event)
{
	if (!tvkms_fault_value(to_tvkms_device(tcrtc->base.dev),
			       KMST_RULE_NO_WAIT_DEPENDENCIES) ||
	    tcrtc->held_flip)
		return false;
	tcrtc->held_flip = event;
	mod_delayed_work(system_wq, &tcrtc->held_flip_work,
			 msecs_to_jiffies(TVKMS_HELD_FLIP_MS));
	return true;
}

#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
/* From the VBLANK handler and atomic_disable: the event kept at flush. */
void tvkms_crtc_send_pending_event(struct tvkms_crtc *tcrtc)
{
	struct drm_crtc *crtc = &tcrtc->base;
	unsigned long flags;

	spin_lock_irqsave(&crtc->dev->event_lock, flags);
	if (tcrtc->pending_event) {
		trace_tvkms_event(NULL, tvkms_minor(crtc->dev), tcrtc->index,
				  TVKMS_EVENT_SEND,
				  tcrtc->pending_event->event.vbl.user_data);
		drm_crtc_send_vblank_event(crtc, tcrtc->pending_event);
		tcrtc->pending_event = NULL;
	}
	spin_unlock_irqrestore(&crtc->dev->event_lock, flags);
}
#endif

/*
 * The flip event of a CRTC flush: armed for the next VBLANK, or sent at
 * once when none will come (pipe off, VBLANK refused, device unplugged),
 * or bent by the event knobs.
 */
static void tvkms_crtc_flush_event(struct drm_crtc *crtc,
				   struct drm_atomic_state *state,
				   struct drm_pending_vblank_event *event,
				   bool present)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);
	struct tvkms_crtc *tcrtc = to_tvkms_crtc(crtc);
	struct tvkms_device *tdev = to_tvkms_device(crtc->dev);
	u64 user_data = event->event.vbl.user_data;
	u32 minor = tvkms_minor(crtc->dev);
	unsigned long flags;

	if (tvkms_fault_fires(tdev, KMST_RULE_EVENT_MISSING)) {
		trace_tvkms_fault(state, minor, tcrtc->index, -1,
				  KMST_RULE_EVENT_MISSING);
		trace_tvkms_event(state, minor, tcrtc->index,
				  TVKMS_EVENT_CANCEL, user_data);
		tvkms_crtc_cancel_event(crtc, event);
		return;
	}

	spin_lock_irqsave(&crtc->dev->event_lock, flags);
	/* Only a client's event can be doubled: the file gets both. */
	if (event->base.file_priv &&
	    tvkms_fault_fires(tdev, KMST_RULE_EVENT_TWICE)) {
		trace_tvkms_fault(state, minor, tcrtc->index, -1,
				  KMST_RULE_EVENT_TWICE);
		trace_tvkms_event(state, minor, tcrtc->index, TVKMS_EVENT_SEND,
				  user_data);
		tvkms_crtc_send_duplicate_locked(crtc, event);
	}
	if (tvkms_fault_fires(tdev, KMST_RULE_EVENT_EARLY)) {
		trace_tvkms_fault(state, minor, tcrtc->index, -1,
				  KMST_RULE_EVENT_EARLY);
		trace_tvkms_event(state, minor, tcrtc->index, TVKMS_EVENT_SEND,
				  user_data);
		drm_crtc_send_vblank_event(crtc, event);
#ifdef TVKMS_MUTANT_EVENT_FROM_FLUSH
	/*
	 * Mutant (event-early): "the registers are written, so the flip is
	 * done": the event leaves at flush while VBLANK is on, a frame before
	 * the new buffers are scanned out.
	 */
	} else if (present && crtc_state->active) {
		trace_tvkms_event(state, minor, tcrtc->index, TVKMS_EVENT_SEND,
				  user_data);
		drm_crtc_send_vblank_event(crtc, event);
#endif
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
	/*
	 * Mutant (event-missing): the event waits for tvkms's own VBLANK
	 * handler, but no VBLANK reference is taken, so drm never enables
	 * the VBLANK interrupt and the handler never runs.
	 */
	} else if (present && crtc_state->active) {
		trace_tvkms_event(state, minor, tcrtc->index, TVKMS_EVENT_ARM,
				  user_data);
		if (tcrtc->pending_event)
			drm_crtc_send_vblank_event(crtc, tcrtc->pending_event);
		tcrtc->pending_event = event;
#endif
	} else if (present && crtc_state->active &&
		   drm_crtc_vblank_get(crtc) == 0) {
		/* The reference taken here is dropped when the event is sent. */
		if (!tvkms_crtc_hold_flip_locked(tcrtc, event)) {
			trace_tvkms_event(state, minor, tcrtc->index,
					  TVKMS_EVENT_ARM, user_data);
			drm_crtc_arm_vblank_event(crtc, event);
		}
	} else {
		/* No VBLANK will come: the flip is done now. */
		trace_tvkms_event(state, minor, tcrtc->index, TVKMS_EVENT_SEND,
				  user_data);
		drm_crtc_send_vblank_event(crtc, event);
	}
	spin_unlock_irqrestore(&crtc->dev->event_lock, flags);
}

/*
 * Arming happens inside drm_dev_enter, so an event is either armed before
 * drm_dev_unplug returns (and teardown then sends it, tvkms_crtc_unplug)
 * or sees the device gone and is sent at once.
 */
static void tvkms_crtc_atomic_flush(struct drm_crtc *crtc,
				    struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);
	struct drm_pending_vblank_event *event = crtc_state->event;
	bool present;
	int idx;

	if (tvkms_is_dry_run(state))
		return;
	/* What the next VBLANKs compose (also after an unplug: a CRTC off). */
	tvkms_composer_update(to_tvkms_crtc(crtc), state);
	present = drm_dev_enter(crtc->dev, &idx);
	if (present)
		atomic64_inc(&to_tvkms_crtc(crtc)->flushes);
	if (event) {
		crtc_state->event = NULL;
		tvkms_crtc_flush_event(crtc, state, event, present);
	}
	if (present)
		drm_dev_exit(idx);
}

static const struct drm_crtc_helper_funcs tvkms_crtc_helper_funcs = {
	.atomic_check = tvkms_crtc_atomic_check,
	.atomic_begin = tvkms_crtc_atomic_begin,
	.atomic_flush = tvkms_crtc_atomic_flush,
	.atomic_enable = tvkms_crtc_atomic_enable,
	.atomic_disable = tvkms_crtc_atomic_disable,
};

#ifdef TVKMS_MUTANT_EVENT_SENT_TWICE
/*
 * Mutant (event-twice): page_flip kept from a pre-atomic version of the
 * driver, which told the client the flip was done once it was queued.
 * The atomic helper now sends the ioctl's event at the VBLANK as well, so
 * every legacy page flip with DRM_MODE_PAGE_FLIP_EVENT gets two.
 */
static int tvkms_crtc_page_flip(struct drm_crtc *crtc,
				struct drm_framebuffer *fb,
				struct drm_pending_vblank_event *event,
				u32 flags, struct drm_modeset_acquire_ctx *ctx)
{
	struct drm_file *file_priv = event ? event->base.file_priv : NULL;
	struct drm_pending_vblank_event *queued;
	unsigned long irqflags;
	u64 user_data = event ? event->event.vbl.user_data : 0;
	int ret;

	ret = drm_atomic_helper_page_flip(crtc, fb, event, flags, ctx);
	if (ret || !file_priv)
		return ret;
	queued = kzalloc(sizeof(*queued), GFP_KERNEL);
	if (!queued)
		return 0;
	queued->event.base.type = DRM_EVENT_FLIP_COMPLETE;
	queued->event.base.length = sizeof(queued->event.vbl);
	queued->event.vbl.user_data = user_data;
	queued->event.vbl.crtc_id = crtc->base.id;
	if (drm_event_reserve_init(crtc->dev, file_priv, &queued->base,
				   &queued->event.base)) {
		kfree(queued);
		return 0;
	}
	spin_lock_irqsave(&crtc->dev->event_lock, irqflags);
	trace_tvkms_event(NULL, tvkms_minor(crtc->dev), drm_crtc_index(crtc),
			  TVKMS_EVENT_SEND, user_data);
	drm_crtc_send_vblank_event(crtc, queued);
	spin_unlock_irqrestore(&crtc->dev->event_lock, irqflags);
	return 0;
}
#endif

static const struct drm_crtc_funcs tvkms_crtc_funcs = {
	.set_config = drm_atomic_helper_set_config,
#ifdef TVKMS_MUTANT_EVENT_SENT_TWICE
	.page_flip = tvkms_crtc_page_flip,
#else
	.page_flip = drm_atomic_helper_page_flip,
#endif
	.reset = drm_atomic_helper_crtc_reset,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	.enable_vblank = tvkms_vblank_enable,
	.disable_vblank = tvkms_vblank_disable,
	.get_vblank_timestamp = tvkms_vblank_timestamp,
	.set_crc_source = tvkms_crc_set_source,
	.verify_crc_source = tvkms_crc_verify_source,
	.get_crc_sources = tvkms_crc_get_sources,
};

int tvkms_crtc_init(struct tvkms_device *tdev, unsigned int index)
{
	struct tvkms_crtc *tcrtc = &tdev->crtcs[index];
	unsigned int i, zpos = 0;
	int ret;

	tcrtc->index = index;
	tvkms_vblank_init(tcrtc);
	INIT_DELAYED_WORK(&tcrtc->held_flip_work, tvkms_crtc_held_flip_work);
	ret = tvkms_composer_init(tdev, tcrtc);
	if (ret)
		return ret;

	tcrtc->primary = tvkms_plane_create(tdev, DRM_PLANE_TYPE_PRIMARY,
					    BIT(index), zpos++);
	if (IS_ERR(tcrtc->primary))
		return PTR_ERR(tcrtc->primary);
	for (i = 0; !tdev->config.shared_overlays &&
		    i < tdev->config.overlays; i++) {
		tcrtc->overlays[i] = tvkms_plane_create(tdev,
							DRM_PLANE_TYPE_OVERLAY,
							BIT(index), zpos++);
		if (IS_ERR(tcrtc->overlays[i]))
			return PTR_ERR(tcrtc->overlays[i]);
	}
	if (tdev->config.cursor) {
		tcrtc->cursor = tvkms_plane_create(tdev, DRM_PLANE_TYPE_CURSOR,
						   BIT(index),
						   tdev->config.overlays + 1);
		if (IS_ERR(tcrtc->cursor))
			return PTR_ERR(tcrtc->cursor);
	}

	ret = drmm_crtc_init_with_planes(&tdev->base, &tcrtc->base,
					 tcrtc->primary, tcrtc->cursor,
					 &tvkms_crtc_funcs, "tvkms-crtc-%u",
					 index);
	if (ret)
		return ret;
	drm_crtc_helper_add(&tcrtc->base, &tvkms_crtc_helper_funcs);
	/*
	 * GAMMA_LUT with the legacy gamma size: with no gamma_set hook, DRM
	 * core serves DRM_IOCTL_MODE_SETGAMMA by committing a GAMMA_LUT blob
	 * of gamma_size entries (drm_crtc_legacy_gamma_set).
	 */
	ret = drm_mode_crtc_set_gamma_size(&tcrtc->base, TVKMS_LUT_SIZE);
	if (ret)
		return ret;
	drm_crtc_enable_color_mgmt(&tcrtc->base, 0, false, TVKMS_LUT_SIZE);
	return 0;
}

/*
 * Device teardown, after the pipes were shut down and every commit tail
 * has run: stop the VBLANK timer for good, then send any event still armed
 * (drm_crtc_vblank_off sends them at once), so no flip_done waits for a
 * VBLANK that can no longer come.
 */
void tvkms_crtc_unplug(struct tvkms_crtc *tcrtc)
{
	tvkms_vblank_set_off(tcrtc);
	tvkms_vblank_stop(tcrtc);
	tvkms_composer_stop(tcrtc);
	cancel_delayed_work_sync(&tcrtc->held_flip_work);
	tvkms_crtc_release_held_flip(tcrtc);
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
	tvkms_crtc_send_pending_event(tcrtc);
#endif
	drm_crtc_vblank_off(&tcrtc->base);
}
