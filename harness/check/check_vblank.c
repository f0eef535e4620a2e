// SPDX-License-Identifier: GPL-2.0
/*
 * VBLANK and flip-event rules: vblank-jitter, vblank-drop, event-early, and
 * the attribution of every event send to a (commit, CRTC) for the counts
 * event-twice / event-missing check when the commit retires.
 *
 * A send is either direct (drm_crtc_send_vblank_event, in a SEND bracket on
 * the sending thread) or from the VBLANK handler (an armed event, seen only
 * as drm:drm_vblank_event_delivered). Handler sends without a commit id go
 * to the oldest commit armed on that CRTC: DRM sends armed events in the
 * order they were armed.
 */
#include <stdlib.h>

#include "check/check_internal.h"
#include "trace/tracefile.h"

#define BIT(n) (1u << (n))

static struct ck_commit *owner(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t)
{
	if (c)
		return c;
	/* Process-context callbacks without a state argument belong to the thread's commit. */
	return t->commit ? ck_commit_find(ck, t->commit) : NULL;
}

static void armed_push(struct ck_crtc *cr, uint32_t commit)
{
	if (cr->armed_count == CK_ARMED_MAX) {
		cr->armed_head = (cr->armed_head + 1) % CK_ARMED_MAX;
		cr->armed_count--;
	}
	cr->armed[(cr->armed_head + cr->armed_count++) % CK_ARMED_MAX] = commit;
}

static uint32_t armed_pop(struct ck_crtc *cr)
{
	uint32_t commit;

	if (!cr->armed_count)
		return 0;
	commit = cr->armed[cr->armed_head];
	cr->armed_head = (cr->armed_head + 1) % CK_ARMED_MAX;
	cr->armed_count--;
	return commit;
}

/* Drop COMMIT from the armed queue when the tracer attributed its send itself. */
static void armed_remove(struct ck_crtc *cr, uint32_t commit)
{
	unsigned int i;

	for (i = 0; i < cr->armed_count; i++) {
		unsigned int slot = (cr->armed_head + i) % CK_ARMED_MAX;

		if (cr->armed[slot] != commit)
			continue;
		for (; i + 1 < cr->armed_count; i++) {
			unsigned int from = (cr->armed_head + i + 1) % CK_ARMED_MAX;

			cr->armed[(cr->armed_head + i) % CK_ARMED_MAX] = cr->armed[from];
		}
		cr->armed_count--;
		return;
	}
}

static void reset_chain(struct ck_crtc *cr)
{
	cr->chain = false;
	cr->chain_len = 0;
	cr->have_send = false;
	cr->pending_count = 0;
}

/* A send that no commit on this CRTC is waiting for. */
static void stray_send(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev)
{
	struct kmst_violation *v;

	if (!cr->retired_commit || !cr->retired_sends)
		return;
	ck_checked(ck, KMST_RULE_EVENT_TWICE);
	v = ck_violation(ck, KMST_RULE_EVENT_TWICE, NULL, ev->minor, ev->crtc, ev, NULL,
			 "an extra flip event was sent on crtc %d after commit %u already got its event",
			 ev->crtc, cr->retired_commit);
	if (v) {
		v->commit_id = cr->retired_commit;
		v->seq_line = cr->retired_line;
	}
	cr->retired_sends++;
}

static void monotonic(struct kmst_checker *ck, struct ck_commit *c, struct ck_crtc *cr,
		      const struct kmst_event *ev)
{
	uint32_t seq = (uint32_t)ev->arg0;

	/* With VBLANK off the count is frozen or reset: only a running CRTC orders events. */
	if (cr->vblank_on != 1)
		return;
	if (cr->have_send && (int32_t)(seq - (uint32_t)cr->last_send_seq) < 0)
		ck_violation(ck, KMST_RULE_EVENT_EARLY, c, ev->minor, ev->crtc, ev, NULL,
			     "flip event on crtc %d carries sequence %u, before the previous event's %u",
			     ev->crtc, seq, (uint32_t)cr->last_send_seq);
	cr->have_send = true;
	cr->last_send_seq = seq;
}

static void count_send(struct kmst_checker *ck, struct ck_commit *c, struct ck_crtc *cr,
		       struct ck_tid *t, const struct kmst_event *ev, bool direct)
{
	int crtc = ev->crtc;

	c->flip_done = true;
	if (c->flags & KMST_CF_TEST_ONLY) {
		if (!c->test_only_reported) {
			c->test_only_reported = true;
			ck_violation(ck, KMST_RULE_TEST_ONLY_COMMITS, c, ev->minor, crtc, ev, NULL,
				     "TEST_ONLY commit %u sent a flip event on crtc %d", c->id, crtc);
		}
	}
	if (crtc >= 0 && crtc < CK_MAX_CRTC) {
		c->crtcs |= BIT(crtc);
		if (c->sends[crtc] < 255)
			c->sends[crtc]++;
	}
	if (c->send_ev_count < 2)
		c->send_ev[c->send_ev_count++] = *ev;
	ck_checked(ck, KMST_RULE_EVENT_EARLY);
	/*
	 * Early: sent straight away while the CRTC's VBLANK is running and before
	 * hw_done, instead of being armed. Sending at once is right when VBLANK is
	 * off (a disabled CRTC, drm_atomic_helper_fake_vblank, drm_crtc_vblank_off).
	 */
	if (direct && !t->fake_vblank_depth && !t->vblank_off_depth && !c->hw_done_entered &&
	    cr->vblank_on == 1 && crtc >= 0 && crtc < CK_MAX_CRTC &&
	    !((c->crtc_armed | c->crtc_disabled | c->crtc_early) & BIT(crtc))) {
		/* Decided at retire: an extra send next to the real one is event-twice's. */
		c->crtc_early |= BIT(crtc);
		c->early_ev = *ev;
	}
}

static void delivered(struct kmst_checker *ck, struct ck_commit *c, struct ck_crtc *cr,
		      struct ck_tid *t, const struct kmst_event *ev)
{
	uint32_t id;

	ck->seen_delivered = true;
	ck->seen_send = true;
	monotonic(ck, c, cr, ev);
	if (t->send_depth > 0)
		return; /* the tracepoint inside a direct send: already counted */
	if (!c && ev->commit_id) {
		stray_send(ck, cr, ev); /* its commit already retired */
		return;
	}
	if (c) {
		armed_remove(cr, c->id);
	} else {
		id = armed_pop(cr);
		c = id ? ck_commit_find(ck, id) : NULL;
		if (!id && cr->queued_waits) {
			cr->queued_waits--; /* a drmWaitVBlank event, not a flip */
			return;
		}
	}
	if (!c) {
		stray_send(ck, cr, ev);
		return;
	}
	count_send(ck, c, cr, t, ev, false);
	/* Its sequence must be the VBLANK being handled, which is traced right after. */
	if (!t->vblank_off_depth && cr->pending_count < CK_PENDING_SEQ) {
		cr->pending_seq[cr->pending_count] = ev->arg0;
		cr->pending_ev[cr->pending_count++] = *ev;
	}
}

static void match_pending(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev)
{
	unsigned int i;

	for (i = 0; i < cr->pending_count; i++) {
		const struct kmst_event *send = &cr->pending_ev[i];

		ck_checked(ck, KMST_RULE_EVENT_EARLY);
		if ((uint32_t)cr->pending_seq[i] == (uint32_t)ev->arg0)
			continue;
		ck_violation(ck, KMST_RULE_EVENT_EARLY, ck_commit_find(ck, send->commit_id),
			     ev->minor, ev->crtc, send, ev,
			     "flip event on crtc %d carries sequence %u but was sent at VBLANK %u",
			     ev->crtc, (uint32_t)cr->pending_seq[i], (uint32_t)ev->arg0);
	}
	cr->pending_count = 0;
}

static void vblank_timing(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev)
{
	uint64_t seq = ev->arg0, frame = ev->arg1;
	uint64_t interval, deviation, allowed;

	ck->seen_handle_vblank = true;
	cr->vblank_on = 1;
	/*
	 * The first VBLANK after a (re)start may come at any point of the frame:
	 * intervals are judged from the second one on.
	 */
	if (!cr->chain || frame != cr->frame_ns || !frame || seq <= cr->last_seq ||
	    ev->ts_ns < cr->last_ts || cr->chain_len < 2)
		goto update;
	ck_checked(ck, KMST_RULE_VBLANK_DROP);
	ck_checked(ck, KMST_RULE_VBLANK_JITTER);
	interval = ev->ts_ns - cr->last_ts;
	if (seq - cr->last_seq >= 2) {
		ck_violation(ck, KMST_RULE_VBLANK_DROP, NULL, ev->minor, ev->crtc, ev, &cr->last_vblank,
			     "crtc %d: VBLANK sequence jumped from %llu to %llu (%llu missed) over %.3f ms",
			     ev->crtc, (unsigned long long)cr->last_seq, (unsigned long long)seq,
			     (unsigned long long)(seq - cr->last_seq - 1), interval / 1e6);
		goto update;
	}
	deviation = interval > frame ? interval - frame : frame - interval;
	allowed = frame * ck->opts.vblank_tolerance_pct / 100;
	if (allowed < ck->opts.vblank_slack_us * 1000ull)
		allowed = ck->opts.vblank_slack_us * 1000ull;
	if (deviation > allowed)
		ck_violation(ck, KMST_RULE_VBLANK_JITTER, NULL, ev->minor, ev->crtc, ev, &cr->last_vblank,
			     "crtc %d: VBLANK interval %.3f ms against a frame of %.3f ms "
			     "(off by %.3f ms, %.3f ms allowed)",
			     ev->crtc, interval / 1e6, frame / 1e6, deviation / 1e6, allowed / 1e6);
update:
	if (!cr->chain || frame != cr->frame_ns)
		cr->chain_len = 0;
	cr->chain_len++;
	cr->chain = true;
	cr->last_seq = seq;
	cr->last_ts = ev->ts_ns;
	cr->frame_ns = frame;
	cr->last_vblank = *ev;
}

void ck_vblank_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
		     const struct kmst_event *ev)
{
	struct ck_commit *own;
	struct ck_crtc *cr;

	if (ev->crtc < 0)
		return;
	switch (ev->type) {
	case KMST_EV_VBLANK_ON:
	case KMST_EV_VBLANK_OFF:
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
	case KMST_EV_VBLANK_EVENT_QUEUED:
	case KMST_EV_HANDLE_VBLANK:
	case KMST_EV_VBLANK_EVENT:
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
	case KMST_EV_VBLANK_GET:
		break;
	default:
		return;
	}
	cr = ck_crtc_get(ck, ev->minor, ev->crtc);
	if (!cr)
		return;
	switch (ev->type) {
	case KMST_EV_VBLANK_ON:
		if (ev->phase == KMST_PH_EXIT)
			break;
		ck->seen_vblank_onoff = true;
		cr->vblank_on = 1;
		cr->on_seen = true;
		reset_chain(cr);
		break;
	case KMST_EV_VBLANK_OFF:
		ck->seen_vblank_onoff = true;
		if (ev->phase == KMST_PH_EXIT) {
			/* Whatever was armed has been sent or dropped by now. */
			cr->armed_count = 0;
			reset_chain(cr);
			break;
		}
		cr->vblank_on = 0;
		cr->off_seen = true;
		reset_chain(cr);
		break;
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		if (ev->phase != KMST_PH_EXIT)
			reset_chain(cr);
		/* Across a disable only the driver's own vblank_off/on calls tell the state. */
		if (ev->type == KMST_EV_CRTC_ATOMIC_DISABLE && ev->phase == KMST_PH_ENTER)
			cr->vblank_on = -1;
		break;
	case KMST_EV_VBLANK_GET:
		/* drm_crtc_vblank_get failing means VBLANK is off: sending at once is right. */
		if (ev->phase == KMST_PH_EXIT && ev->ret < 0)
			cr->vblank_on = 0;
		break;
	case KMST_EV_ARM_VBLANK_EVENT:
		if (ev->phase == KMST_PH_EXIT)
			break;
		ck->seen_armed = true;
		own = owner(ck, c, t);
		if (!own || ev->crtc >= CK_MAX_CRTC)
			break;
		own->crtc_armed |= BIT(ev->crtc);
		own->crtcs |= BIT(ev->crtc);
		armed_push(cr, own->id);
		break;
	case KMST_EV_SEND_VBLANK_EVENT:
		if (ev->phase == KMST_PH_EXIT)
			break;
		ck->seen_send = true;
		own = ev->commit_id ? c : owner(ck, c, t);
		if (own)
			count_send(ck, own, cr, t, ev, true);
		else
			stray_send(ck, cr, ev);
		break;
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		delivered(ck, c, cr, t, ev);
		break;
	case KMST_EV_VBLANK_EVENT_QUEUED:
		cr->queued_waits++;
		break;
	case KMST_EV_VBLANK_EVENT:
		ck->seen_handle_vblank = true;
		match_pending(ck, cr, ev);
		break;
	case KMST_EV_HANDLE_VBLANK:
		match_pending(ck, cr, ev);
		vblank_timing(ck, cr, ev);
		break;
	default:
		break;
	}
}
