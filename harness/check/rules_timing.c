// SPDX-License-Identifier: GPL-2.0
/*
 * VBLANK timing: vblank-jitter and vblank-drop, judged per CRTC from the
 * VBLANK handler's records. The tracer measures how late the host ran the
 * hrtimer that called the handler (HANDLE_VBLANK's aux): intervals are
 * judged with that lateness taken out, and a sequence jump that the
 * lateness explains (a timer that fired frames late merges them) is the
 * host's, counted as host noise and never the driver's violation. A
 * driver whose own timestamps, sequence or schedule are wrong still fails.
 */
#include <stdbool.h>
#include <stddef.h>

#include "check/rules.h"
#include "check/state.h"
#include "trace/vblank.h"

void ck_rules_timing_reset(struct ck_crtc *cr)
{
	cr->chain = false;
	cr->chain_len = 0;
	cr->have_send = false;
	cr->pending_count = 0;
}

void ck_rules_timing_restart(struct ck_crtc *cr)
{
	cr->chain = false;
}

static uint64_t allowed_deviation(const struct kmst_checker *ck, uint64_t frame)
{
	uint64_t allowed = frame * ck->opts.vblank_tolerance_pct / 100;

	if (allowed < ck->opts.vblank_slack_us * 1000ull)
		allowed = ck->opts.vblank_slack_us * 1000ull;
	return allowed;
}

static void host_noise(struct kmst_checker *ck, const struct kmst_event *ev, uint64_t merged)
{
	struct kmst_host_noise *host = &ck->result.host;

	host->late_vblanks++;
	host->merged_frames += merged;
	if (ev->aux != KMST_HOST_LATENESS_UNKNOWN && ev->aux > host->max_lateness_ns)
		host->max_lateness_ns = ev->aux;
}

void ck_rules_timing_vblank(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev)
{
	uint64_t seq = ev->arg0, frame = ev->arg1, now = kmst_vblank_driver_ts(ev);
	uint64_t interval, deviation, allowed, lateness, raw_interval, raw_deviation;
	bool restart = false;	/* this VBLANK's time is the host's: judge from the next one */

	cr->vblank_on = 1;
	ck_needed(ck, KMST_RULE_VBLANK_JITTER, "VBLANK interrupts ran");
	ck_needed(ck, KMST_RULE_VBLANK_DROP, "VBLANK interrupts ran");
	/*
	 * Intervals are judged between consecutive VBLANKs of one run: from
	 * the second VBLANK after a (re)start on, never across a restart,
	 * whose first VBLANK may come at any point of the frame.
	 */
	if (cr->chain && frame == cr->frame_ns && frame && seq == cr->last_seq) {
		/* DRM ignores a second call for the same VBLANK; handling it twice is still wrong. */
		ck_checked(ck, KMST_RULE_VBLANK_JITTER);
		ck_violation(ck, KMST_RULE_VBLANK_JITTER, NULL, ev->minor, ev->crtc, ev, &cr->last_vblank,
			     "crtc %d: VBLANK %llu handled twice, %.3f ms apart (a frame is %.3f ms)",
			     ev->crtc, (unsigned long long)seq, (ev->ts_ns - cr->last_vblank.ts_ns) / 1e6,
			     frame / 1e6);
		return;
	}
	lateness = ev->aux == KMST_HOST_LATENESS_UNKNOWN ? 0 : ev->aux;
	if (ev->aux == KMST_HOST_LATENESS_UNKNOWN && cr->lateness_known) {
		/* A gap in the measurement of a timer that has one: no interval across it. */
		restart = true;
		goto update;
	}
	if (ev->aux != KMST_HOST_LATENESS_UNKNOWN)
		cr->lateness_known = true;
	if (frame && lateness >= frame) {
		/*
		 * A frame or more after its timer's expiry: the host ran it that
		 * late, and frames it merged show as a jump in the count. The
		 * host's, and no interval to judge across, on either side.
		 */
		host_noise(ck, ev, cr->chain && seq > cr->last_seq + 1 ? seq - cr->last_seq - 1 : 0);
		restart = true;
		goto update;
	}
	if (!cr->chain || frame != cr->frame_ns || !frame || seq < cr->last_seq ||
	    now < cr->last_ts)
		goto update;
	ck_checked(ck, KMST_RULE_VBLANK_DROP);
	ck_checked(ck, KMST_RULE_VBLANK_JITTER);
	interval = now - cr->last_ts;
	allowed = allowed_deviation(ck, frame);
	if (seq - cr->last_seq >= 2) {
		uint64_t missed = seq - cr->last_seq - 1;

		/* The timer fired that many frames late: the host merged them. */
		if (lateness + frame / 2 >= missed * frame) {
			host_noise(ck, ev, missed);
			/* Its time is the late timer's, not the frame's: judge from the next run. */
			restart = true;
			goto update;
		}
		ck_violation(ck, KMST_RULE_VBLANK_DROP, NULL, ev->minor, ev->crtc, ev, &cr->last_vblank,
			     "crtc %d: VBLANK sequence jumped from %llu to %llu (%llu missed) over %.3f ms, "
			     "while the host ran its timer %.3f ms late",
			     ev->crtc, (unsigned long long)cr->last_seq, (unsigned long long)seq,
			     (unsigned long long)missed, interval / 1e6, lateness / 1e6);
		goto update;
	}
	if (lateness > allowed)
		host_noise(ck, ev, 0);
	deviation = interval > frame ? interval - frame : frame - interval;
	raw_interval = ev->ts_ns - cr->last_raw_ts;
	raw_deviation = raw_interval > frame ? raw_interval - frame : frame - raw_interval;
	/*
	 * A driver whose schedule is off is off both ways: from the timers'
	 * expiries and as delivered. Only one of them off is the host (late
	 * delivery) or a timer expiry the tracer misread.
	 */
	if (deviation > allowed && raw_deviation > allowed)
		ck_violation(ck, KMST_RULE_VBLANK_JITTER, NULL, ev->minor, ev->crtc, ev, &cr->last_vblank,
			     "crtc %d: VBLANK interval %.3f ms against a frame of %.3f ms "
			     "(off by %.3f ms, %.3f ms allowed; host lateness already taken out)",
			     ev->crtc, interval / 1e6, frame / 1e6, deviation / 1e6, allowed / 1e6);
update:
	if (!cr->chain || frame != cr->frame_ns)
		cr->chain_len = 0;
	cr->chain_len++;
	cr->chain = !restart;
	cr->last_seq = seq;
	cr->last_ts = now;
	cr->last_raw_ts = ev->ts_ns;
	cr->frame_ns = frame;
	cr->last_vblank = *ev;
}
