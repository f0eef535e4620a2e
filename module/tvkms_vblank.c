// SPDX-License-Identifier: GPL-2.0+
/*
 * VBLANK emulation: one hrtimer per CRTC on an absolute
 * schedule, epoch + k * frame_duration_ns, so no error accumulates.
 */
#include <linux/ktime.h>
#include <linux/math64.h>

#include <drm/drm_vblank.h>

#include "tvkms_drv.h"
#include "tvkms_trace.h"

/* The latest schedule instant at or before @now. Caller holds the lock. */
static ktime_t tvkms_vblank_floor(struct tvkms_vblank *vbl, ktime_t now)
{
	u64 frames;

	if (ktime_before(now, vbl->epoch))
		return vbl->epoch;
	frames = div64_u64(ktime_to_ns(ktime_sub(now, vbl->epoch)),
			   vbl->frame_duration_ns);
	return ktime_add_ns(vbl->epoch, frames * vbl->frame_duration_ns);
}

static enum hrtimer_restart tvkms_vblank_fire(struct hrtimer *timer)
{
	struct tvkms_crtc *tcrtc =
		container_of(timer, struct tvkms_crtc, vblank.timer);
	struct tvkms_vblank *vbl = &tcrtc->vblank;
	struct drm_crtc *crtc = &tcrtc->base;
	struct tvkms_device *tdev = to_tvkms_device(crtc->dev);
	unsigned long jitter_ns, drop_every;
	ktime_t now, this, next;
	u64 lateness, delay = 0;
	bool drop;

	spin_lock(&vbl->lock);
	/*
	 * Read the clock under the lock: a timestamp reader that ran before us
	 * then saw an earlier "now", so we never deliver an instant older than
	 * one it was told has passed.
	 */
	now = ktime_get();
	/*
	 * Disabled, or re-armed by enable_vblank while we waited for the
	 * lock: that start owns the timer now, and its expiry is not ours to
	 * move (the timer is queued again).
	 */
	if (!vbl->enabled || !vbl->frame_duration_ns || hrtimer_is_queued(timer)) {
		spin_unlock(&vbl->lock);
		return HRTIMER_NORESTART;
	}
	this = vbl->next_expected;
	lateness = ktime_before(now, this) ? 0 :
		   ktime_to_ns(ktime_sub(now, this));
	if (lateness >= vbl->frame_duration_ns) {
		/*
		 * The timer fell a frame or more behind (TCG, a stalled host):
		 * report the latest instant that passed and keep the schedule.
		 * Counted for debugfs, never WARNed: it is not a driver bug.
		 */
		ktime_t latest = tvkms_vblank_floor(vbl, now);

		vbl->overruns++;
		vbl->missed_frames += div64_u64(ktime_to_ns(ktime_sub(latest, this)),
						vbl->frame_duration_ns);
		this = latest;
	}
	if (lateness > vbl->max_lateness_ns)
		vbl->max_lateness_ns = lateness;
	next = ktime_add_ns(this, vbl->frame_duration_ns);
	vbl->next_expected = next;

	/*
	 * vblank-jitter shifts delivery only; the schedule stays exact. Every
	 * other VBLANK is delayed by the whole bound, so every interval is off
	 * by it: the rule breaks on the first interval, not by chance.
	 */
	jitter_ns = tvkms_fault_value(tdev, KMST_RULE_VBLANK_JITTER);
	if (jitter_ns) {
		u64 bound = min_t(u64, jitter_ns, vbl->frame_duration_ns / 2);

		delay = (vbl->delivered & 1) ? bound : 0;
	}
	hrtimer_set_expires(timer, ktime_add_ns(next, delay));

	drop_every = tvkms_fault_value(tdev, KMST_RULE_VBLANK_DROP);
	drop = drop_every && tvkms_fault_fires(tdev, KMST_RULE_VBLANK_DROP);
	if (drop)
		vbl->dropped++;
	else
		vbl->delivered++;
	vbl->delivering = this;
	vbl->in_callback = true;
	spin_unlock(&vbl->lock);

	if (jitter_ns)
		trace_tvkms_fault(NULL, tvkms_minor(crtc->dev), tcrtc->index,
				  -1, KMST_RULE_VBLANK_JITTER);
	if (drop) {
		trace_tvkms_fault(NULL, tvkms_minor(crtc->dev), tcrtc->index,
				  -1, KMST_RULE_VBLANK_DROP);
	} else {
		drm_crtc_handle_vblank(crtc);
#ifdef TVKMS_MUTANT_HANDLE_VBLANK_TWICE
		/*
		 * Mutant (vblank-jitter): the frame-done path reports the
		 * same VBLANK to drm a second time, 0 ns after the first.
		 */
		drm_crtc_handle_vblank(crtc);
#endif
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
		tvkms_crtc_send_pending_event(tcrtc);
#endif
		trace_tvkms_vblank(NULL, tvkms_minor(crtc->dev), tcrtc->index,
				   drm_crtc_vblank_count(crtc), ktime_to_ns(this),
				   ktime_to_ns(now));
		/* This VBLANK's frame, if CRC or writeback wants it. */
		tvkms_composer_vblank(tcrtc, drm_crtc_vblank_count(crtc));
	}

	spin_lock(&vbl->lock);
	vbl->in_callback = false;
	if (!drop && ktime_after(this, vbl->last_delivered))
		vbl->last_delivered = this;
	spin_unlock(&vbl->lock);
	return HRTIMER_RESTART;
}

void tvkms_vblank_init(struct tvkms_crtc *tcrtc)
{
	struct tvkms_vblank *vbl = &tcrtc->vblank;

	spin_lock_init(&vbl->lock);
	/*
	 * Not HRTIMER_MODE_ABS_HARD: the callback takes spinlock_t locks
	 * (ours, drm's event_lock and vblank_time_lock), which sleep on
	 * PREEMPT_RT. There the timer expires in softirq context instead, in
	 * a thread, as vkms's VBLANK hrtimer does.
	 */
	hrtimer_init(&vbl->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	vbl->timer.function = tvkms_vblank_fire;
}

/* Called from the tail (atomic_enable) before drm_crtc_vblank_on. */
void tvkms_vblank_set_mode(struct tvkms_crtc *tcrtc,
			   const struct drm_display_mode *mode)
{
	struct tvkms_vblank *vbl = &tcrtc->vblank;
	u64 frame_ns = 0;
	unsigned long flags;

	if (mode->crtc_clock > 0 && mode->crtc_htotal && mode->crtc_vtotal)
		frame_ns = div_u64((u64)mode->crtc_htotal * mode->crtc_vtotal *
					   1000000ull, mode->crtc_clock);

	spin_lock_irqsave(&vbl->lock, flags);
	vbl->frame_duration_ns = frame_ns;
	vbl->crtc_on = true;
	vbl->epoch = ktime_get();
	vbl->next_expected = vbl->epoch;
	spin_unlock_irqrestore(&vbl->lock, flags);
}

/* Start the timer at the first schedule instant after now. Lock held. */
static void tvkms_vblank_start_locked(struct tvkms_vblank *vbl)
{
	ktime_t now = ktime_get();

	vbl->last_delivered = tvkms_vblank_floor(vbl, now);
	vbl->next_expected = ktime_add_ns(vbl->last_delivered, vbl->frame_duration_ns);
	hrtimer_start(&vbl->timer, vbl->next_expected, HRTIMER_MODE_ABS);
}

/* drm_crtc_funcs.enable_vblank: called under drm's vblank_time_lock. */
int tvkms_vblank_enable(struct drm_crtc *crtc)
{
	struct tvkms_vblank *vbl = &to_tvkms_crtc(crtc)->vblank;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&vbl->lock, flags);
	if (!vbl->crtc_on || !vbl->frame_duration_ns) {
		ret = -EINVAL;
	} else {
		vbl->enabled = true;
		tvkms_vblank_start_locked(vbl);
	}
	spin_unlock_irqrestore(&vbl->lock, flags);
	return ret;
}

/*
 * drm_crtc_funcs.disable_vblank: called under drm's vblank_time_lock,
 * which the callback takes inside drm_crtc_handle_vblank, so waiting for a
 * running callback here could deadlock: only try to cancel, and let the
 * callback see !enabled and not restart.
 */
void tvkms_vblank_disable(struct drm_crtc *crtc)
{
	struct tvkms_vblank *vbl = &to_tvkms_crtc(crtc)->vblank;
	unsigned long flags;

	spin_lock_irqsave(&vbl->lock, flags);
	vbl->enabled = false;
	hrtimer_try_to_cancel(&vbl->timer);
	spin_unlock_irqrestore(&vbl->lock, flags);
}

/*
 * Called from atomic_disable before VBLANK is turned off: from here on
 * enable_vblank refuses, as hardware with its pipe off would.
 */
void tvkms_vblank_set_off(struct tvkms_crtc *tcrtc)
{
	struct tvkms_vblank *vbl = &tcrtc->vblank;
	unsigned long flags;

	spin_lock_irqsave(&vbl->lock, flags);
	vbl->crtc_on = false;
	spin_unlock_irqrestore(&vbl->lock, flags);
}

/*
 * Stop the timer for good, waiting for a running callback. Process context
 * only, with no lock held that the callback takes.
 */
void tvkms_vblank_stop(struct tvkms_crtc *tcrtc)
{
	hrtimer_cancel(&tcrtc->vblank.timer);
}

/*
 * drm_crtc_funcs.get_vblank_timestamp: a schedule instant, never "now".
 * While the timer runs, only instants the callback delivered count as
 * passed, as on hardware where a VBLANK has happened once its interrupt
 * has: reporting a later instant while its delivery is still in flight
 * (TCG delays callbacks) would make the callback's own timestamp go
 * backwards, and drm's timestamp-derived count jump by ~2^32.
 */
bool tvkms_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
			    ktime_t *vblank_time, bool in_vblank_irq)
{
	struct tvkms_vblank *vbl = &to_tvkms_crtc(crtc)->vblank;
	unsigned long flags;
	bool valid = true;

	spin_lock_irqsave(&vbl->lock, flags);
	if (!vbl->frame_duration_ns)
		valid = false;
	else if (in_vblank_irq && vbl->in_callback)
		*vblank_time = vbl->delivering;
	else if (vbl->enabled)
		*vblank_time = vbl->last_delivered;
	else
		*vblank_time = tvkms_vblank_floor(vbl, ktime_get());
	/*
	 * drm derives the count from timestamp differences: one instant
	 * earlier than a reported one reads as a negative frame count, a
	 * jump of ~2^32 that strands every armed event. Never go backwards.
	 */
	if (valid) {
		if (ktime_before(*vblank_time, vbl->last_reported))
			*vblank_time = vbl->last_reported;
		vbl->last_reported = *vblank_time;
	}
	spin_unlock_irqrestore(&vbl->lock, flags);
	if (valid)
		*max_error = 0;
	return valid;
}
