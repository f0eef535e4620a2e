// SPDX-License-Identifier: GPL-2.0
/*
 * Flip-event rules: event-twice, event-missing and event-early.
 *
 * A commit owes one event per CRTC that drm_atomic_helper_setup_commit
 * left an event on (KMST_CS_EVENT: the client's, from an atomic
 * PAGE_FLIP_EVENT or a legacy page flip, or the helper's own). A send is
 * direct (drm_crtc_send_vblank_event, in a SEND bracket on the sending
 * thread) or from the VBLANK handler (an armed event, seen as
 * VBLANK_EVENT_DELIVERED). Handler sends without a commit id go to the
 * oldest commit armed on that CRTC: DRM sends armed events in the order
 * they were armed. An event still owed when the state is freed may come a
 * little later (a tail that does not wait for flip_done): it is decided
 * once it comes; or missing after CK_OWED_VBLANKS VBLANKs without it, when
 * a later commit starts its hardware stages on the CRTC (DRM had it wait
 * for that flip), or when the trace goes on CK_OWED_NS past its retirement.
 */
#include "check/rules.h"
#include "check/state.h"
#include "trace/tracefile.h"

#define BIT(n) (1u << (n))

/* An event is sent at the latest one frame after its commit; 1 s covers any refresh. */
#define CK_OWED_NS 1000000000ull

/* uapi DRM_EVENT_*: a drmWaitVBlank or CRTC_QUEUE_SEQUENCE event is not a flip's. */
#define UAPI_EVENT_VBLANK 0x01
#define UAPI_EVENT_CRTC_SEQUENCE 0x03

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

static void owed_remove(struct ck_crtc *cr, unsigned int i)
{
	for (; i + 1 < cr->owed_count; i++)
		cr->owed[i] = cr->owed[i + 1];
	cr->owed_count--;
}

static void owed_missing(struct kmst_checker *ck, struct ck_crtc *cr, unsigned int i, const char *when)
{
	struct ck_owed *o = &cr->owed[i];
	struct kmst_violation *v;

	ck_checked(ck, KMST_RULE_EVENT_MISSING);
	ck_checked(ck, KMST_RULE_EVENT_TWICE); /* none came: certainly not two */
	v = ck_violation(ck, KMST_RULE_EVENT_MISSING, NULL, cr->minor, cr->crtc, &o->retire_ev, NULL,
			 "commit %u owed a flip event on crtc %d but none was sent (%s)", o->commit,
			 cr->crtc, when);
	if (v) {
		v->commit_id = o->commit;
		v->seq_line = o->seq_line;
	}
	owed_remove(cr, i);
}

/* A send whose commit was already retired: its owed event, or one too many. */
static void late_send(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev)
{
	struct kmst_violation *v;
	unsigned int i;

	for (i = 0; i < cr->owed_count; i++) {
		if (cr->owed[i].commit != ev->commit_id)
			continue;
		/* It came after all: counted, and the missing flip-done wait is tail-order's. */
		ck_checked(ck, KMST_RULE_EVENT_MISSING);
		ck_checked(ck, KMST_RULE_EVENT_TWICE);
		owed_remove(cr, i);
		return;
	}
	if (!cr->retired_commit || !cr->retired_sends ||
	    (ev->commit_id && ev->commit_id != cr->retired_commit))
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
	ck_checked(ck, KMST_RULE_EVENT_EARLY);
	if (cr->have_send && (int32_t)(seq - (uint32_t)cr->last_send_seq) < 0)
		ck_violation(ck, KMST_RULE_EVENT_EARLY, c, ev->minor, ev->crtc, ev, NULL,
			     "flip event on crtc %d carries sequence %u, before the previous event's %u",
			     ev->crtc, seq, (uint32_t)cr->last_send_seq);
	cr->have_send = true;
	cr->last_send_seq = seq;
}

/* Whether the CRTC's VBLANK was on when EV happened: from the record, else what we know. */
static bool vblank_on_at(const struct ck_crtc *cr, unsigned int vs)
{
	/* DRM says it is on, but drm_crtc_vblank_get just failed: no VBLANK will come. */
	if (cr->vblank_get_failed)
		return false;
	if (vs & KMST_VS_VALID)
		return vs & KMST_VS_ON;
	return cr->vblank_on == 1;
}

static void count_send(struct ck_commit *c, struct ck_crtc *cr,
		       struct ck_tid *t, const struct kmst_event *ev, bool direct)
{
	unsigned int vs = direct ? ev->aux : 0;
	int crtc = ev->crtc;

	c->flip_done = true;
	if (crtc < 0 || crtc >= CK_MAX_CRTC)
		return;
	c->crtcs |= BIT(crtc);
	c->crtc_flip_done |= BIT(crtc);
	if (c->sends[crtc] < 255)
		c->sends[crtc]++;
	if (c->send_ev_count < 2)
		c->send_ev[c->send_ev_count++] = *ev;
	if (!direct)
		return;
	/*
	 * Early: sent straight away while the CRTC's VBLANK is on, before
	 * hw_done, instead of being armed for the VBLANK. Sending at once is
	 * right when VBLANK is off (a disabled CRTC, drm_crtc_vblank_get
	 * failing, drm_atomic_helper_fake_vblank, drm_crtc_vblank_off).
	 * Decided at retire: an extra send beside the real one is event-twice's.
	 */
	if (vblank_on_at(cr, vs) && !(vs & KMST_VS_ARMED) && !t->fake_vblank_depth &&
	    !t->vblank_off_depth && !c->hw_done_entered &&
	    !((c->crtc_armed | c->crtc_early) & BIT(crtc))) {
		c->crtc_early |= BIT(crtc);
		c->early_ev = *ev;
	}
}

static void delivered(struct kmst_checker *ck, struct ck_commit *c, struct ck_crtc *cr,
		      struct ck_tid *t, const struct kmst_event *ev)
{
	unsigned int utype = ev->aux & 0xffff;
	uint32_t id;

	if (utype == UAPI_EVENT_VBLANK || utype == UAPI_EVENT_CRTC_SEQUENCE) {
		if (cr->queued_waits)
			cr->queued_waits--; /* a drmWaitVBlank event, not a flip */
		return;
	}
	monotonic(ck, c, cr, ev);
	if (t->send_depth > 0)
		return; /* the delivery inside a direct send: already counted */
	if (!c && ev->commit_id) {
		late_send(ck, cr, ev);
		return;
	}
	if (c) {
		armed_remove(cr, c->id);
	} else {
		id = armed_pop(cr);
		c = id ? ck_commit_find(ck, id) : NULL;
	}
	if (!c) {
		late_send(ck, cr, ev);
		return;
	}
	count_send(c, cr, t, ev, false);
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

/* The VBLANK handler ran on CR: owed events age. */
static void age_owed(struct kmst_checker *ck, struct ck_crtc *cr)
{
	unsigned int i = 0;

	while (i < cr->owed_count) {
		if (++cr->owed[i].vblanks >= CK_OWED_VBLANKS)
			owed_missing(ck, cr, i, "several VBLANKs passed after its state was freed");
		else
			i++;
	}
}

/* A later commit starts its hardware stages: DRM made it wait for the flips before it. */
static void __attribute__((noinline)) hardware_started(struct kmst_checker *ck, struct ck_commit *c)
{
	int crtc;

	if (c->owed_decided)
		return;
	c->owed_decided = true;
	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_crtc *cr;
		unsigned int i = 0;

		if (!(c->crtcs & BIT(crtc)))
			continue;
		cr = ck_crtc_get(ck, c->minor, crtc);
		while (cr && i < cr->owed_count) {
			if (cr->owed[i].commit != c->id)
				owed_missing(ck, cr, i, "a later commit started its hardware stages first");
			else
				i++;
		}
	}
}

/* drm_crtc_arm_vblank_event: the caller must hold a VBLANK reference, or no VBLANK comes. */
static void arm(struct kmst_checker *ck, struct ck_commit *c, struct ck_crtc *cr,
		const struct kmst_event *ev)
{
	unsigned int vs = ev->aux;

	c->crtc_armed |= BIT(ev->crtc);
	c->crtcs |= BIT(ev->crtc);
	armed_push(cr, c->id);
	if (!(vs & KMST_VS_VALID) || !(vs & KMST_VS_ON))
		return;
	ck_checked(ck, KMST_RULE_EVENT_MISSING);
	if (!ev->arg0)
		ck_violation(ck, KMST_RULE_EVENT_MISSING, c, ev->minor, ev->crtc, ev, NULL,
			     "commit %u armed its event on crtc %d holding no VBLANK reference "
			     "(no drm_crtc_vblank_get): the VBLANK that sends it may never come",
			     c->id, ev->crtc);
}

/* An event about one CRTC's flip events or VBLANK (the rest of ck_rules_events_event). */
static void __attribute__((noinline)) crtc_event(struct kmst_checker *ck, struct ck_commit *c,
						 struct ck_tid *t, const struct kmst_event *ev)
{
	struct ck_commit *own;
	struct ck_crtc *cr;

	switch (ev->type) {
	case KMST_EV_CRTC_STATE:
		if (!c || !(ev->aux & KMST_CS_EVENT))
			return;
		ck_needed(ck, KMST_RULE_EVENT_TWICE, "a commit owed a flip event");
		ck_needed(ck, KMST_RULE_EVENT_MISSING, "a commit owed a flip event");
		if (((ev->aux >> 16) & KMST_VS_VALID) && ((ev->aux >> 16) & KMST_VS_ON))
			ck_needed(ck, KMST_RULE_EVENT_EARLY,
				  "a commit owed a flip event on a CRTC whose VBLANK was on");
		return;
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
	case KMST_EV_VBLANK_EVENT_QUEUED:
	case KMST_EV_HANDLE_VBLANK:
	case KMST_EV_VBLANK_EVENT:
		break;
	default:
		return;
	}
	cr = ck_crtc_get(ck, ev->minor, ev->crtc);
	if (!cr)
		return;
	switch (ev->type) {
	case KMST_EV_ARM_VBLANK_EVENT:
		if (ev->phase == KMST_PH_EXIT)
			break;
		own = c ? c : ck_thread_commit(ck, t);
		if (own)
			arm(ck, own, cr, ev);
		break;
	case KMST_EV_SEND_VBLANK_EVENT:
		if (ev->phase == KMST_PH_EXIT) {
			monotonic(ck, ev->commit_id ? c : ck_thread_commit(ck, t), cr, ev);
			break;
		}
		own = ev->commit_id ? c : ck_thread_commit(ck, t);
		if (own)
			count_send(own, cr, t, ev, true);
		else
			late_send(ck, cr, ev);
		break;
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		delivered(ck, c, cr, t, ev);
		break;
	case KMST_EV_VBLANK_EVENT_QUEUED:
		cr->queued_waits++;
		break;
	case KMST_EV_VBLANK_EVENT:
		match_pending(ck, cr, ev);
		break;
	case KMST_EV_HANDLE_VBLANK:
		match_pending(ck, cr, ev);
		age_owed(ck, cr);
		break;
	default:
		break;
	}
}

/*
 * Every event comes here; most are about no CRTC, and cost two tests (the
 * work is out of line so that they do not pay for its registers).
 */
void ck_rules_events_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
			   const struct kmst_event *ev)
{
	if (c && ev->phase == KMST_PH_ENTER && !(c->flags & KMST_CF_TEST_ONLY) &&
	    (ev->type == KMST_EV_MODESET_DISABLES || ev->type == KMST_EV_COMMIT_PLANES ||
	     ev->type == KMST_EV_MODESET_ENABLES))
		hardware_started(ck, c);
	if (ev->crtc >= 0 && ev->crtc < CK_MAX_CRTC)
		crtc_event(ck, c, t, ev);
}

/* Event counts per CRTC, decided once the commit is over. */
void ck_rules_events_retire(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	uint16_t owed = c->crtc_owed;
	int crtc;

	/* A trace without setup_commit's view: the client's request is all we know. */
	if (!c->setup && (c->flags & KMST_CF_PAGE_FLIP_EVENT)) {
		owed = c->crtcs;
		if (owed) {
			ck_needed(ck, KMST_RULE_EVENT_TWICE, "a commit requested a flip event");
			ck_needed(ck, KMST_RULE_EVENT_MISSING, "a commit requested a flip event");
		}
	}
	if ((c->flags & KMST_CF_TEST_ONLY) || c->failed || !c->committed || c->unjudged)
		return;
	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		struct ck_crtc *cr;

		if (!(owed & BIT(crtc)))
			continue;
		cr = ck_crtc_get(ck, c->minor, crtc);
		if (c->crtc_vblank_on & BIT(crtc))
			ck_checked(ck, KMST_RULE_EVENT_EARLY);
		if ((c->crtc_early & BIT(crtc)) && c->sends[crtc] <= 1)
			ck_violation(ck, KMST_RULE_EVENT_EARLY, c, c->minor, crtc, &c->early_ev, NULL,
				     "commit %u sent its flip event on crtc %d at once, before hw_done, "
				     "while its VBLANK was on, without arming it", c->id, crtc);
		if (c->sends[crtc] > 1) {
			ck_checked(ck, KMST_RULE_EVENT_TWICE);
			ck_violation(ck, KMST_RULE_EVENT_TWICE, c, c->minor, crtc, &c->send_ev[1],
				     &c->send_ev[0], "commit %u got %u flip events on crtc %d", c->id,
				     c->sends[crtc], crtc);
		} else if (c->sends[crtc] == 1) {
			ck_checked(ck, KMST_RULE_EVENT_TWICE);
			ck_checked(ck, KMST_RULE_EVENT_MISSING);
		} else if (cr && !c->stalled) {
			/* Not yet: it may still come (decided by age_owed / late_send). */
			if (cr->owed_count == CK_OWED_MAX)
				owed_missing(ck, cr, 0, "too many owed events on the CRTC");
			cr->owed[cr->owed_count].commit = c->id;
			cr->owed[cr->owed_count].seq_line = c->seq_line;
			cr->owed[cr->owed_count].vblanks = 0;
			cr->owed[cr->owed_count].retire_ev = ev ? *ev : c->first_ev;
			cr->owed_count++;
		}
		if (cr) {
			cr->retired_commit = c->id;
			cr->retired_line = c->seq_line;
			cr->retired_sends = c->sends[crtc];
		}
	}
}

void ck_rules_events_stall(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev)
{
	int crtc;

	if (!c || c->unjudged || ev->aux != KMST_EV_FLIP_DONE_COMPLETE)
		return;
	for (crtc = 0; crtc < CK_MAX_CRTC; crtc++) {
		if (!(c->crtc_owed & BIT(crtc)) || c->sends[crtc] || (ev->crtc >= 0 && ev->crtc != crtc))
			continue;
		ck_checked(ck, KMST_RULE_EVENT_MISSING);
		ck_checked(ck, KMST_RULE_EVENT_TWICE);
		ck_violation(ck, KMST_RULE_EVENT_MISSING, c, c->minor, crtc, ev, NULL,
			     "commit %u owed a flip event on crtc %d and none came in %.1f s", c->id, crtc,
			     ev->arg0 / 1e9);
	}
}

void ck_rules_events_finish(struct kmst_checker *ck)
{
	unsigned int i;

	for (i = 0; i < CK_MAX_CRTCS; i++) {
		struct ck_crtc *cr = &ck->crtcs[i];

		if (!cr->used)
			continue;
		/* Not a VBLANK nor a second since it retired: the trace may have ended too soon. */
		while (cr->owed_count) {
			if (cr->owed[0].vblanks || !ck_minor_has_vblank(ck, cr->minor) ||
			    ck->last_ts >= cr->owed[0].retire_ev.ts_ns + CK_OWED_NS) {
				owed_missing(ck, cr, 0, "not by the end of the trace");
			} else {
				ck->result.cut++;
				owed_remove(cr, 0);
			}
		}
	}
}
