// SPDX-License-Identifier: GPL-2.0
/*
 * The checker's top: takes each event in file order, keeps the thread and
 * CRTC bookkeeping, hands the event to the rules, retires commits, and at
 * the end decides every rule's status and the verdict. Each event type's
 * class (trace/tracefile.c) says how it is taken; a type with no class is
 * counted and reported, never skipped in silence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/rules.h"
#include "check/state.h"
#include "common/grow.h"
#include "trace/tracefile.h"

/*
 * The steps of kmst_checker_feed an event type takes beyond the rules,
 * looked up once per event: most types take none. Each list is the cases
 * of that step's own switch.
 */
#define FEED_THREAD 0x01 /* thread_event: a bracket a thread is inside of */
#define FEED_CRTC 0x02	 /* crtc_event: what is known of a CRTC's VBLANK */
#define FEED_AFTER 0x04	 /* after_rules: expect, timing, setup time, retirement */
#define FEED_JUDGED 0x08 /* its class is judged by the rules (set from the class) */

static unsigned int feed_steps(unsigned int type)
{
	switch (type) {
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_OFF:
		return FEED_THREAD | FEED_CRTC;
	case KMST_EV_FAKE_VBLANK:
		return FEED_THREAD;
	case KMST_EV_VBLANK_ON:
	case KMST_EV_VBLANK_GET:
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
	case KMST_EV_ARM_VBLANK_EVENT:
		return FEED_CRTC;
	case KMST_EV_CRTC_STATE:
		return FEED_CRTC | FEED_AFTER;
	case KMST_EV_SETUP_COMMIT:
	case KMST_EV_FLIP_DONE_COMPLETE:
	case KMST_EV_HANDLE_VBLANK:
	case KMST_EV_STATE_FREE:
		return FEED_AFTER;
	default:
		return 0;
	}
}

struct kmst_checker *kmst_checker_new(const struct kmst_check_opts *opts, const struct kmst_meta *meta)
{
	struct kmst_checker *ck = calloc(1, sizeof(*ck));
	unsigned int i;

	if (!ck)
		return NULL;
	ck->opts = *opts;
	if (!ck->opts.rules)
		ck->opts.rules = ~0u;
	ck->commit_cap = 64;
	ck->commits = calloc(ck->commit_cap, sizeof(*ck->commits));
	if (!ck->commits) {
		free(ck);
		return NULL;
	}
	if (meta)
		ck->meta = *meta;
	else
		kmst_meta_parse(NULL, &ck->meta);
	ck->result.replay = !strcmp(ck->meta.tool, "replay");
	for (i = 0; i < CK_MAX_MINORS; i++)
		ck->caps[i].minor = -2;
	/* The classes as trace/tracefile.c defines them, in reach of every event's lookup. */
	for (i = 0; i < KMST_EV_MAX; i++) {
		ck->type_class[i] = (uint8_t)kmst_event_class(i);
		ck->type_steps[i] = (uint8_t)feed_steps(i);
		if (ck->type_class[i] == KMST_CLASS_COMMIT || ck->type_class[i] == KMST_CLASS_COMMIT_LATE ||
		    ck->type_class[i] == KMST_CLASS_VBLANK)
			ck->type_steps[i] |= FEED_JUDGED;
	}
	return ck;
}

void kmst_checker_free(struct kmst_checker *ck)
{
	if (!ck)
		return;
	free(ck->commits);
	free(ck->result.violations);
	free(ck->result.expect_failures);
	free(ck);
}

static void thread_event(struct ck_tid *t, const struct kmst_event *ev)
{
	int *depth;

	switch (ev->type) {
	case KMST_EV_SEND_VBLANK_EVENT:
		depth = &t->send_depth;
		break;
	case KMST_EV_FAKE_VBLANK:
		depth = &t->fake_vblank_depth;
		break;
	case KMST_EV_VBLANK_OFF:
		depth = &t->vblank_off_depth;
		break;
	default:
		return;
	}
	*depth += ev->phase == KMST_PH_ENTER ? 1 : ev->phase == KMST_PH_EXIT ? -1 : 0;
	if (*depth < 0)
		*depth = 0;
}

/* What is known of a CRTC's VBLANK: from DRM's own state where the record carries it. */
static void crtc_event(struct kmst_checker *ck, const struct kmst_event *ev)
{
	unsigned int vs = 0;
	struct ck_crtc *cr;

	switch (ev->type) {
	case KMST_EV_VBLANK_ON:
	case KMST_EV_VBLANK_OFF:
	case KMST_EV_VBLANK_GET:
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		break;
	case KMST_EV_CRTC_STATE:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		vs = ev->aux >> 16;
		break;
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
		if (ev->phase == KMST_PH_ENTER)
			vs = ev->aux;
		break;
	default:
		return;
	}
	if (ev->crtc < 0)
		return;
	cr = ck_crtc_get(ck, ev->minor, ev->crtc);
	if (!cr)
		return;
	if (vs & KMST_VS_VALID)
		cr->vblank_on = (vs & KMST_VS_ON) ? 1 : 0;
	/*
	 * The VBLANK interrupt is off at this instant (DRM turns it off once
	 * no reference was held for drm_vblank_offdelay): the drm_vblank_get
	 * that turns it on again counts the frames that passed meanwhile, and
	 * the next VBLANK's sequence jumps by them. Judge afresh from there.
	 */
	if ((vs & KMST_VS_VALID) && (vs & KMST_VS_SUPPORTED) && !(vs & KMST_VS_ENABLED))
		ck_rules_timing_restart(cr);
	switch (ev->type) {
	case KMST_EV_VBLANK_ON:
		if (ev->phase == KMST_PH_ENTER) {
			cr->vblank_on = 1;
			cr->vblank_get_failed = false;
			ck_rules_timing_reset(cr);
		}
		break;
	case KMST_EV_VBLANK_OFF:
		if (ev->phase == KMST_PH_EXIT)
			cr->armed_count = 0; /* whatever was armed has been sent or dropped */
		else
			cr->vblank_on = 0;
		ck_rules_timing_reset(cr);
		break;
	case KMST_EV_CRTC_ATOMIC_ENABLE:
	case KMST_EV_CRTC_ATOMIC_DISABLE:
		if (ev->phase != KMST_PH_EXIT)
			ck_rules_timing_reset(cr);
		break;
	case KMST_EV_VBLANK_GET:
		/* drm_crtc_vblank_get failing means VBLANK is off: sending at once is right. */
		if (ev->phase == KMST_PH_EXIT && ev->ret < 0) {
			cr->vblank_on = 0;
			cr->vblank_get_failed = true;
		}
		if (ev->phase == KMST_PH_EXIT && ev->ret == 0) {
			cr->vblank_ref = true;
			cr->vblank_get_failed = false;
			ck_needed(ck, KMST_RULE_VBLANK_JITTER, "a VBLANK reference was taken");
			ck_needed(ck, KMST_RULE_VBLANK_DROP, "a VBLANK reference was taken");
		}
		break;
	default:
		break;
	}
}

/* The commit EV names, opened if its class may open one. */
static struct ck_commit *event_commit(struct kmst_checker *ck, const struct kmst_event *ev,
				      enum kmst_event_class class)
{
	struct ck_commit *c;

	if (!ev->commit_id)
		return NULL;
	/* A call's return may come after its state was freed (the ioctl's): it never opens one. */
	c = class == KMST_CLASS_COMMIT && ev->phase != KMST_PH_EXIT ? ck_commit_get(ck, ev->commit_id) :
								       ck_commit_find(ck, ev->commit_id);
	if (!c)
		return NULL;
	c->flags |= ev->commit_flags;
	if (ev->minor >= 0)
		c->minor = ev->minor;
	if (!c->first_ev.type) {
		c->first_ev = *ev;
		c->start_ns = ev->ts_ns;
		/* Begun before the trace: met mid-flight, or cut off by a drain. */
		if (c->id <= ck->meta.commit_base)
			c->flags |= KMST_CF_JOINED;
		if (c->flags & KMST_CF_JOINED) {
			c->unjudged = true;
			ck->result.joined++;
		}
	}
	/* The one place a commit gets its sequence line: the user_data replay gave its ioctl. */
	if (ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_ENTER && !c->has_user_data) {
		c->has_user_data = true;
		c->user_data = ev->arg0;
		if (ck->result.replay && ev->arg0 < (1ull << 31))
			c->seq_line = (uint32_t)ev->arg0;
	}
	return c;
}

static void retire(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
		   const struct kmst_event *ev)
{
	ck_rules_commit_retire(ck, c, ev, false);
	ck_rules_events_retire(ck, c, ev);
	if (t->commit == c->id)
		t->commit = 0;
	ck_commit_remove(ck, c);
}

/* What is done with an event once the rules had it (FEED_AFTER types). */
static void after_rules(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
			const struct kmst_event *ev)
{
	struct ck_crtc *cr;

	switch (ev->type) {
	case KMST_EV_SETUP_COMMIT:
		if (c && ev->phase == KMST_PH_ENTER && !c->setup_ns)
			c->setup_ns = ev->ts_ns;
		break;
	case KMST_EV_CRTC_STATE:
		ck_expect_crtc_state(ck, c, ev);
		break;
	case KMST_EV_FLIP_DONE_COMPLETE:
		ck_expect_flip_done(ck, c, ev);
		break;
	case KMST_EV_HANDLE_VBLANK:
		cr = ev->crtc >= 0 ? ck_crtc_get(ck, ev->minor, ev->crtc) : NULL;
		if (cr)
			ck_rules_timing_vblank(ck, cr, ev);
		break;
	case KMST_EV_STATE_FREE:
		if (c)
			retire(ck, c, t, ev);
		break;
	default:
		break;
	}
}

/* An event of a class no commit or VBLANK rule takes (FEED_JUDGED not set). */
static void not_judged(struct kmst_checker *ck, const struct kmst_event *ev)
{
	struct ck_commit *stuck;

	switch (ev->type < KMST_EV_MAX ? ck->type_class[ev->type] : KMST_CLASS_UNKNOWN) {
	case KMST_CLASS_UNKNOWN:
		ck->result.unknown_events++;
		break;
	case KMST_CLASS_USER:
		if (ev->type == KMST_EV_REPLAY_COMMIT) {
			ck_expect_replay_commit(ck, ev);
		} else if (ev->type == KMST_EV_STALL) {
			stuck = ev->commit_id ? ck_commit_find(ck, ev->commit_id) : NULL;
			ck_rules_stall(ck, stuck, ev);
			ck_rules_events_stall(ck, stuck, ev);
		}
		break;
	default:
		break; /* a driver's or recorder's: detail for the window, no rule */
	}
}

void kmst_checker_feed(struct kmst_checker *ck, const struct kmst_event *ev)
{
	unsigned int steps = ev->type < KMST_EV_MAX ? ck->type_steps[ev->type] : 0;
	enum kmst_event_class class;
	struct ck_commit *c;
	struct ck_tid *t;

	ck->result.events++;
	if (ev->ts_ns > ck->last_ts)
		ck->last_ts = ev->ts_ns;
	ck_window_feed(ck, ev);
	if (!(steps & FEED_JUDGED)) {
		not_judged(ck, ev);
		return;
	}
	class = ck->type_class[ev->type];
	t = ck_tid_get(ck, ev->tid);
	c = event_commit(ck, ev, class);
	/* Interrupt-context events say nothing of the thread they interrupted. */
	if (c && class == KMST_CLASS_COMMIT)
		t->commit = c->id;
	if (steps & FEED_THREAD)
		thread_event(t, ev);
	if (steps & FEED_CRTC)
		crtc_event(ck, ev);
	ck_rules_commit_event(ck, c, t, ev);
	ck_rules_events_event(ck, c, t, ev);
	if (steps & FEED_AFTER)
		after_rules(ck, c, t, ev);
	/*
	 * The ioctl refused the request before allocating a state (bad flags,
	 * TEST_ONLY with PAGE_FLIP_EVENT, a bad object count): its id names no
	 * state, so no STATE_FREE will come, and none is owed.
	 */
	if (c && ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_EXIT && ev->ret < 0 &&
		 !c->state_seen)
		retire(ck, c, t, ev);
}

/*
 * A commit open at the end of the trace that had not finished: its call
 * had not returned, or its nonblocking tail had not reached cleanup_done.
 * Tracing ended under it; a leak is a state kept after the commit is over.
 */
static bool still_running(const struct ck_commit *c)
{
	if (!c->returned)
		return true;
	return (c->flags & KMST_CF_NONBLOCK) && !(c->flags & KMST_CF_TEST_ONLY) && !c->failed &&
	       !c->cleanup_done;
}

/* Why RULE does not apply to this trace, from the driver's capabilities first. */
static const char *na_reason(struct kmst_checker *ck, unsigned int rule)
{
	int minor = ck->meta.minor;
	bool no_vblank = minor >= 0 ? !ck_minor_has_vblank(ck, minor) :
				      kmst_meta_has_trait(&ck->meta, -1, "no-vblank");

	switch (rule) {
	case KMST_RULE_SKIP_CHECK:
	case KMST_RULE_TAIL_ORDER:
		return "no commit was committed";
	case KMST_RULE_PLANE_BRACKET:
		if (kmst_meta_has_trait(&ck->meta, minor, "no-crtc.atomic_begin") &&
		    kmst_meta_has_trait(&ck->meta, minor, "no-crtc.atomic_flush"))
			return "the driver has no CRTC atomic_begin/atomic_flush callbacks";
		return "no plane was updated";
	case KMST_RULE_FB_CLEANUP:
		if (kmst_meta_has_trait(&ck->meta, minor, "no-plane.prepare_fb"))
			return "the driver has no plane prepare_fb callback";
		return "no framebuffer was prepared";
	case KMST_RULE_EVENT_TWICE:
	case KMST_RULE_EVENT_MISSING:
		return "no commit owed a flip event (none committed an active CRTC)";
	case KMST_RULE_EVENT_EARLY:
		return no_vblank ? "the driver has no VBLANK support" :
				   "no commit owed a flip event on a CRTC whose VBLANK was on";
	case KMST_RULE_CLEANUP_BEFORE_HW_DONE:
	case KMST_RULE_COMMIT_STALL:
		return "no commit went through drm_atomic_helper_setup_commit";
	case KMST_RULE_NO_WAIT_DEPENDENCIES:
		return "no commit followed another on the same CRTC";
	case KMST_RULE_VBLANK_OFF_MISSING:
		return no_vblank ? "the driver has no VBLANK support" :
				   "no commit enabled or disabled a CRTC";
	case KMST_RULE_VBLANK_JITTER:
	case KMST_RULE_VBLANK_DROP:
		return no_vblank ? "the driver has no VBLANK support" :
				   "no VBLANK was asked for (no VBLANK reference was taken)";
	case KMST_RULE_TEST_ONLY_COMMITS:
		return "the client made no TEST_ONLY commit";
	case KMST_RULE_STATE_LEAK:
		return "no atomic state was allocated";
	default:
		return "not applicable";
	}
}

static void decide(struct kmst_checker *ck, unsigned int rule)
{
	struct kmst_rule_result *r = &ck->result.rules[rule];
	const char *fn, *reason = NULL;

	if (!ck_rule_on(ck, rule)) {
		r->status = KMST_RULE_NOT_CHECKED;
		r->violations = 0;
		return;
	}
	if (r->violations) {
		r->status = KMST_RULE_FAIL;
		return;
	}
	fn = kmst_rule_missing_function(rule, &ck->meta, &reason);
	if (fn && (ck->need[rule].needed || r->checked)) {
		r->status = KMST_RULE_NOT_JUDGED;
		snprintf(r->reason, sizeof(r->reason), "%s was not traced (%s)", fn, reason);
	} else if (r->checked) {
		r->status = KMST_RULE_PASS;
	} else if (ck->need[rule].needed) {
		r->status = KMST_RULE_NOT_JUDGED;
		snprintf(r->reason, sizeof(r->reason), "it applies (%s) but the trace has nothing to judge it on",
			 ck->need[rule].why);
	} else {
		r->status = KMST_RULE_NA;
		snprintf(r->reason, sizeof(r->reason), "%s", na_reason(ck, rule));
	}
}

const struct kmst_check_result *kmst_checker_finish(struct kmst_checker *ck)
{
	struct kmst_check_result *res = &ck->result;
	bool failed = res->expect_failure_count, incomplete = false;
	unsigned int i;

	ck->open_count = 0;
	for (i = 0; i < ck->commit_cap; i++) {
		struct ck_commit *c = &ck->commits[i];

		if (!c->id)
			continue;
		/* A stalled commit is stuck, not leaked: its stall is its verdict. */
		if ((still_running(c) || c->stalled) && !c->unjudged) {
			c->unjudged = true;
			res->cut++;
		}
		ck_rules_commit_retire(ck, c, NULL, true);
		if (!c->unjudged)
			ck_rules_events_retire(ck, c, NULL);
	}
	ck_rules_events_finish(ck);
	res->violations_total = 0;
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		decide(ck, i);
		res->violations_total += res->rules[i].violations;
		failed |= res->rules[i].status == KMST_RULE_FAIL;
		incomplete |= res->rules[i].status == KMST_RULE_NOT_JUDGED;
	}
	res->verdict = failed ? KMST_VERDICT_FAIL : incomplete ? KMST_VERDICT_INCOMPLETE : KMST_VERDICT_PASS;
	return res;
}

const struct kmst_check_result *kmst_checker_finish_lost(struct kmst_checker *ck,
							 unsigned long long dropped,
							 unsigned long long missed_runs)
{
	struct kmst_check_result *res = &ck->result;
	unsigned int i;

	res->dropped = dropped;
	res->missed_runs = missed_runs;
	res->violation_count = 0;
	res->violations_total = 0;
	res->expect_failure_count = 0;
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		struct kmst_rule_result *r = &res->rules[i];

		r->violations = 0;
		r->checked = 0;
		if (!ck_rule_on(ck, i)) {
			r->status = KMST_RULE_NOT_CHECKED;
			continue;
		}
		r->status = KMST_RULE_NOT_JUDGED;
		if (dropped && missed_runs)
			snprintf(r->reason, sizeof(r->reason),
				 "records were lost: %llu dropped by a full ring buffer, %llu tracer runs skipped by the kernel",
				 dropped, missed_runs);
		else if (dropped)
			snprintf(r->reason, sizeof(r->reason),
				 "records were lost: %llu dropped by a full ring buffer", dropped);
		else
			snprintf(r->reason, sizeof(r->reason),
				 "records were lost: the kernel skipped %llu tracer runs", missed_runs);
	}
	res->verdict = KMST_VERDICT_INCOMPLETE;
	return res;
}
