// SPDX-License-Identifier: GPL-2.0
/*
 * The checker's core: per-commit, per-CRTC and per-thread state, the event
 * window, violation records, and the final decision per rule. The rules
 * themselves live in check_commit.c and check_vblank.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_internal.h"
#include "trace/tracefile.h"

static const char *const rule_meanings[KMST_RULE_COUNT] = {
	[KMST_RULE_SKIP_CHECK] = "every committed state passed atomic_check before its commit",
	[KMST_RULE_TAIL_ORDER] = "within a commit: modeset_disables < commit_planes < modeset_enables "
				 "< hw_done < flip-done wait < cleanup_planes (or the _rpm order)",
	[KMST_RULE_PLANE_BRACKET] = "per CRTC: atomic_begin < every plane update/disable on it < atomic_flush",
	[KMST_RULE_FB_CLEANUP] = "every prepare_fb gets exactly one cleanup_fb, after hw_done or on the failure path",
	[KMST_RULE_EVENT_TWICE] = "a commit that requested an event gets exactly one per CRTC it touched (not two)",
	[KMST_RULE_EVENT_MISSING] = "a commit that requested an event gets exactly one per CRTC it touched (not none)",
	[KMST_RULE_EVENT_EARLY] = "the flip event is not sent before hw_done; its sequence and timestamp are "
				  "monotonic per CRTC and match the VBLANK at which it was sent",
	[KMST_RULE_CLEANUP_BEFORE_HW_DONE] = "hw_done <= cleanup_done per commit",
	[KMST_RULE_NO_WAIT_DEPENDENCIES] = "a commit's hardware stages start only after the previous commit on "
					   "the same CRTC completed hw_done and flip_done",
	[KMST_RULE_VBLANK_OFF_MISSING] = "a CRTC disable turns vblank off before hw_done; an enable turns it on",
	[KMST_RULE_VBLANK_JITTER] = "on an active CRTC, VBLANK intervals stay within the tolerance of the frame duration",
	[KMST_RULE_VBLANK_DROP] = "on an active CRTC, VBLANK sequence numbers have no gaps",
	[KMST_RULE_TEST_ONLY_COMMITS] = "a TEST_ONLY commit runs no tail stages and sends no events",
	[KMST_RULE_STATE_LEAK] = "every atomic state is freed after its commit, rejected ones included",
};

const char *kmst_rule_meaning(unsigned int rule)
{
	return rule < KMST_RULE_COUNT ? rule_meanings[rule] : NULL;
}

static bool meta_has_line(const char *meta, const char *prefix, const char *word)
{
	size_t prefix_len = strlen(prefix);
	const char *line = meta;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len > prefix_len && !strncmp(line, prefix, prefix_len) &&
		    memmem(line, len, word, strlen(word)))
			return true;
		line = eol ? eol + 1 : NULL;
	}
	return false;
}

struct kmst_checker *kmst_checker_new(const struct kmst_check_opts *opts, const char *meta)
{
	struct kmst_checker *ck = calloc(1, sizeof(*ck));
	char base[16];

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
	ck->trait_no_vblank = meta && meta_has_line(meta, "trait=", "no-vblank");
	/* A trace where every state leaked has no STATE_FREE at all: the program says it was watched. */
	ck->seen_state_free = meta && meta_has_line(meta, "prog=", "__drm_atomic_state_free");
	ck->result.replay = meta && meta_has_line(meta, "tool=", "replay");
	if (meta && kmst_meta_get(meta, "commit_base", base, sizeof(base)))
		ck->commit_base = (uint32_t)strtoul(base, NULL, 10);
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

bool ck_rule_on(const struct kmst_checker *ck, unsigned int rule)
{
	return ck->opts.rules & (1u << rule);
}

void ck_checked(struct kmst_checker *ck, unsigned int rule)
{
	ck->result.rules[rule].checked++;
}

/* ---- commits in flight: open addressing keyed by commit id ---- */

static unsigned int commit_slot(uint32_t id, unsigned int cap)
{
	return (id * 2654435761u) & (cap - 1);
}

struct ck_commit *ck_commit_find(struct kmst_checker *ck, uint32_t id)
{
	unsigned int i = commit_slot(id, ck->commit_cap);

	while (ck->commits[i].id) {
		if (ck->commits[i].id == id)
			return &ck->commits[i];
		i = (i + 1) & (ck->commit_cap - 1);
	}
	return NULL;
}

static int commit_table_grow(struct kmst_checker *ck)
{
	unsigned int old_cap = ck->commit_cap, i;
	struct ck_commit *old = ck->commits;

	ck->commits = calloc(old_cap * 2, sizeof(*ck->commits));
	if (!ck->commits) {
		ck->commits = old;
		return -1;
	}
	ck->commit_cap = old_cap * 2;
	for (i = 0; i < old_cap; i++) {
		unsigned int j;

		if (!old[i].id)
			continue;
		j = commit_slot(old[i].id, ck->commit_cap);
		while (ck->commits[j].id)
			j = (j + 1) & (ck->commit_cap - 1);
		ck->commits[j] = old[i];
	}
	free(old);
	return 0;
}

static struct ck_commit *commit_get(struct kmst_checker *ck, uint32_t id)
{
	struct ck_commit *c = ck_commit_find(ck, id);
	unsigned int i;

	if (c)
		return c;
	/* Keep the load under one half so probes stay short. */
	if ((ck->commit_count + 1) * 2 > ck->commit_cap && commit_table_grow(ck))
		return NULL;
	i = commit_slot(id, ck->commit_cap);
	while (ck->commits[i].id)
		i = (i + 1) & (ck->commit_cap - 1);
	c = &ck->commits[i];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->minor = -1;
	ck->commit_count++;
	ck->result.commits++;
	if (ck->commit_count > ck->result.peak_in_flight)
		ck->result.peak_in_flight = ck->commit_count;
	return c;
}

/* Remove C, shifting later entries of its probe run back (no tombstones). */
static void commit_remove(struct kmst_checker *ck, struct ck_commit *c)
{
	unsigned int mask = ck->commit_cap - 1;
	unsigned int hole = (unsigned int)(c - ck->commits), i = hole;

	for (;;) {
		unsigned int home;

		i = (i + 1) & mask;
		if (!ck->commits[i].id)
			break;
		home = commit_slot(ck->commits[i].id, ck->commit_cap);
		/* Move entry i into the hole if its home is not in (hole, i]. */
		if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
			ck->commits[hole] = ck->commits[i];
			hole = i;
		}
	}
	ck->commits[hole].id = 0;
	ck->commit_count--;
}

/* ---- CRTCs and threads ---- */

struct ck_crtc *ck_crtc_get(struct kmst_checker *ck, int minor, int crtc)
{
	struct ck_crtc *cr = &ck->crtcs[ck->last_crtc];
	int i;

	if (cr->used && cr->minor == minor && cr->crtc == crtc)
		return cr;
	for (i = 0; i < CK_MAX_CRTCS; i++) {
		cr = &ck->crtcs[i];
		if (cr->used && cr->minor == minor && cr->crtc == crtc) {
			ck->last_crtc = i;
			return cr;
		}
		if (!cr->used) {
			memset(cr, 0, sizeof(*cr));
			cr->used = true;
			cr->minor = minor;
			cr->crtc = crtc;
			cr->vblank_on = -1;
			ck->last_crtc = i;
			return cr;
		}
	}
	return NULL;
}

static struct ck_tid *tid_get(struct kmst_checker *ck, uint32_t tid)
{
	struct ck_tid *t;
	unsigned int i;

	for (i = 0; i < CK_MAX_TIDS; i++) {
		t = &ck->tids[i];
		if (t->tid == tid)
			return t;
		if (!t->tid)
			break;
	}
	if (i == CK_MAX_TIDS) {
		/* Recycle round-robin: long-gone threads age out. */
		i = ck->tid_next;
		ck->tid_next = (ck->tid_next + 1) % CK_MAX_TIDS;
	}
	t = &ck->tids[i];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

/* ---- violations ---- */

struct kmst_violation *ck_violation(struct kmst_checker *ck, unsigned int rule,
				    const struct ck_commit *c, int minor, int crtc,
				    const struct kmst_event *ev, const struct kmst_event *other,
				    const char *fmt, ...)
{
	struct kmst_check_result *res = &ck->result;
	struct kmst_violation *v;
	unsigned long long first;
	unsigned int i, n;
	va_list ap;

	/* Part of it ran outside the trace: what is missing is not its fault. */
	if (c && c->unjudged)
		return NULL;
	res->rules[rule].violations++;
	res->violations_total++;
	if (res->violation_count == KMST_CHECK_MAX_STORED)
		return NULL;
	if (res->violation_count == ck->violation_cap) {
		unsigned int cap = ck->violation_cap ? ck->violation_cap * 2 : 16;
		struct kmst_violation *bigger = realloc(res->violations, cap * sizeof(*bigger));

		if (!bigger)
			return NULL;
		res->violations = bigger;
		ck->violation_cap = cap;
	}
	v = &res->violations[res->violation_count++];
	memset(v, 0, sizeof(*v));
	v->rule = rule;
	v->minor = minor;
	v->crtc = crtc;
	v->plane = -1;
	if (c) {
		v->commit_id = c->id;
		v->seq_line = c->seq_line;
		v->has_user_data = c->has_user_data;
		v->user_data = c->user_data;
		if (v->minor < 0)
			v->minor = c->minor;
	}
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
	if (other)
		v->offending[v->offending_count++] = *other;
	if (ev)
		v->offending[v->offending_count++] = *ev;
	/* Context: the events before this one (it is the newest in the window). */
	n = ck->window_pos < KMST_CHECK_WINDOW - KMST_CHECK_WINDOW_AFTER ?
		    (unsigned int)ck->window_pos :
		    KMST_CHECK_WINDOW - KMST_CHECK_WINDOW_AFTER;
	first = ck->window_pos - n;
	for (i = 0; i < n; i++)
		v->window[i] = ck->window[(first + i) % KMST_CHECK_WINDOW];
	v->window_count = n;
	v->window_offending = n ? n - 1 : 0;
	v->after_needed = KMST_CHECK_WINDOW_AFTER;
	if (ck->open_count < KMST_CHECK_MAX_STORED)
		ck->open_violations[ck->open_count++] = res->violation_count - 1;
	return v;
}

static void feed_open_violations(struct kmst_checker *ck, const struct kmst_event *ev)
{
	unsigned int i = 0;

	while (i < ck->open_count) {
		struct kmst_violation *v = &ck->result.violations[ck->open_violations[i]];

		v->window[v->window_count++] = *ev;
		if (--v->after_needed == 0)
			ck->open_violations[i] = ck->open_violations[--ck->open_count];
		else
			i++;
	}
}

/* A REPLAY_COMMIT names the line of a commit id: patch violations already found. */
static void replay_commit(struct kmst_checker *ck, const struct kmst_event *ev)
{
	struct kmst_check_result *res = &ck->result;
	uint32_t line = (uint32_t)ev->arg0;
	struct ck_commit *c;
	unsigned int i;

	res->replay = true;
	res->replay_commits++;
	if (ev->commit_id) {
		c = ck_commit_find(ck, ev->commit_id);
		if (c)
			c->seq_line = line;
		for (i = 0; i < res->violation_count; i++)
			if (res->violations[i].commit_id == ev->commit_id && !res->violations[i].seq_line)
				res->violations[i].seq_line = line;
	}
	if ((int)ev->aux != ev->ret) {
		struct kmst_expect_failure *f;

		if (res->expect_failure_count == ck->expect_cap) {
			unsigned int cap = ck->expect_cap ? ck->expect_cap * 2 : 16;

			if (cap > KMST_CHECK_MAX_STORED * 4)
				return;
			f = realloc(res->expect_failures, cap * sizeof(*f));
			if (!f)
				return;
			res->expect_failures = f;
			ck->expect_cap = cap;
		}
		f = &res->expect_failures[res->expect_failure_count++];
		f->seq_line = line;
		f->ordinal = (uint32_t)ev->arg1;
		f->expected = ev->ret;
		f->got = (int)ev->aux;
		f->commit_id = ev->commit_id;
	}
}

static void thread_event(struct kmst_checker *ck, struct ck_tid *t, const struct kmst_event *ev)
{
	int step = ev->phase == KMST_PH_ENTER ? 1 : ev->phase == KMST_PH_EXIT ? -1 : 0;

	switch (ev->type) {
	case KMST_EV_ATOMIC_IOCTL:
		t->in_ioctl = step > 0;
		if (step > 0)
			t->user_data = ev->arg0;
		break;
	case KMST_EV_SEND_VBLANK_EVENT:
		t->send_depth += step;
		break;
	case KMST_EV_FAKE_VBLANK:
		t->fake_vblank_depth += step;
		break;
	case KMST_EV_VBLANK_OFF:
		t->vblank_off_depth += step;
		break;
	default:
		return;
	}
	if (t->send_depth < 0)
		t->send_depth = 0;
	if (t->fake_vblank_depth < 0)
		t->fake_vblank_depth = 0;
	if (t->vblank_off_depth < 0)
		t->vblank_off_depth = 0;
	(void)ck;
}

/*
 * Events that may come after the state was freed (the ioctl's return, the
 * completions, a late event send, VBLANKs the tracer attributes to the
 * commit whose event was armed) only find a commit; they never open one,
 * or a retired commit would come back to life.
 */
static bool opens_commit(unsigned int type)
{
	switch (type) {
	case KMST_EV_ATOMIC_IOCTL:
	case KMST_EV_STATE_FREE:
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
	case KMST_EV_HW_DONE_COMPLETE:
	case KMST_EV_FLIP_DONE_COMPLETE:
	case KMST_EV_CLEANUP_DONE_COMPLETE:
	case KMST_EV_HANDLE_VBLANK:
	case KMST_EV_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_QUEUED:
	case KMST_EV_TVKMS_VBLANK:
	case KMST_EV_TVKMS_EVENT:
	case KMST_EV_TVKMS_FAULT:
		return false;
	default:
		return true;
	}
}

void kmst_checker_feed(struct kmst_checker *ck, const struct kmst_event *ev)
{
	struct ck_commit *c = NULL;
	struct ck_tid *t;

	ck->result.events++;
	ck->window[ck->window_pos++ % KMST_CHECK_WINDOW] = *ev;
	if (ck->open_count)
		feed_open_violations(ck, ev);
	if (ev->type == KMST_EV_REPLAY_COMMIT) {
		replay_commit(ck, ev);
		return;
	}
	if (ev->type >= KMST_EV_REPLAY_COMMIT)
		return; /* marks and recorder records carry no rule */
	if (ev->type == KMST_EV_STATE_FREE)
		ck->seen_state_free = true;
	t = tid_get(ck, ev->tid);
	if (ev->commit_id) {
		c = opens_commit(ev->type) ? commit_get(ck, ev->commit_id) :
					     ck_commit_find(ck, ev->commit_id);
		if (c) {
			c->flags |= ev->commit_flags;
			if (ev->minor >= 0)
				c->minor = ev->minor;
			/* The ioctl's user_data is the sequence line when replaying. */
			if (t->in_ioctl && !c->has_user_data) {
				c->has_user_data = true;
				c->user_data = t->user_data;
			}
			if (!c->first_ev.type) {
				c->first_ev = *ev;
				/* Begun before the trace: met mid-flight, or cut off by a drain. */
				if (c->id <= ck->commit_base)
					c->flags |= KMST_CF_JOINED;
				if (c->flags & KMST_CF_JOINED) {
					c->unjudged = true;
					ck->result.joined++;
				}
			}
			if (ev->type != KMST_EV_STATE_FREE)
				t->commit = c->id;
		}
	}
	thread_event(ck, t, ev);
	ck_commit_event(ck, c, t, ev);
	ck_vblank_event(ck, c, t, ev);
	if (c && ev->type == KMST_EV_STATE_FREE) {
		ck_commit_retire(ck, c, ev, false);
		if (t->commit == c->id)
			t->commit = 0;
		commit_remove(ck, c);
	}
}

static void not_applicable(struct kmst_checker *ck, unsigned int rule, bool na, const char *reason)
{
	struct kmst_rule_result *r = &ck->result.rules[rule];

	if (r->status != KMST_RULE_NOT_CHECKED && na) {
		r->status = KMST_RULE_NA;
		snprintf(r->na_reason, sizeof(r->na_reason), "%s", reason);
	}
}

/* Violations of rules found not applicable were only candidates: drop them. */
static void drop_na_violations(struct kmst_checker *ck)
{
	struct kmst_check_result *res = &ck->result;
	unsigned int i, kept = 0;

	for (i = 0; i < res->violation_count; i++) {
		struct kmst_rule_result *r = &res->rules[res->violations[i].rule];

		if (r->status == KMST_RULE_NA || r->status == KMST_RULE_NOT_CHECKED)
			continue;
		if (kept != i)
			res->violations[kept] = res->violations[i];
		kept++;
	}
	res->violation_count = kept;
	res->violations_total = 0;
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		if (res->rules[i].status == KMST_RULE_NA || res->rules[i].status == KMST_RULE_NOT_CHECKED)
			res->rules[i].violations = 0;
		res->violations_total += res->rules[i].violations;
	}
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

const struct kmst_check_result *kmst_checker_finish(struct kmst_checker *ck)
{
	struct kmst_check_result *res = &ck->result;
	const char *no_vblank = ck->trait_no_vblank ? "the driver has no VBLANK (trait no-vblank)" :
						     "no VBLANK was handled in the trace";
	unsigned int i;

	ck->open_count = 0;
	for (i = 0; i < ck->commit_cap; i++) {
		struct ck_commit *c = &ck->commits[i];

		if (!c->id)
			continue;
		if (still_running(c) && !c->unjudged) {
			c->unjudged = true;
			res->cut++;
		}
		ck_commit_retire(ck, c, NULL, true);
	}
	for (i = 1; i < KMST_RULE_COUNT; i++)
		res->rules[i].status = ck_rule_on(ck, i) ? KMST_RULE_PASS : KMST_RULE_NOT_CHECKED;

	not_applicable(ck, KMST_RULE_SKIP_CHECK, !ck->seen_check,
		       "no atomic_check helper or callback was seen");
	not_applicable(ck, KMST_RULE_TAIL_ORDER, !ck->seen_tail, "no commit tail stage was seen");
	not_applicable(ck, KMST_RULE_PLANE_BRACKET, !ck->seen_begin_flush,
		       "the driver has no CRTC atomic_begin/atomic_flush callbacks in the trace");
	not_applicable(ck, KMST_RULE_FB_CLEANUP, !ck->seen_prepare_fb,
		       "no plane prepare_fb callback was seen");
	not_applicable(ck, KMST_RULE_EVENT_TWICE, !ck->seen_flip_event,
		       "no commit requested a flip event");
	not_applicable(ck, KMST_RULE_EVENT_MISSING, !ck->seen_flip_event,
		       "no commit requested a flip event");
	/* Armed events are only seen sent through drm:drm_vblank_event_delivered. */
	not_applicable(ck, KMST_RULE_EVENT_TWICE, ck->seen_armed && !ck->seen_delivered,
		       "events were armed but drm_vblank_event_delivered was not traced");
	not_applicable(ck, KMST_RULE_EVENT_MISSING, ck->seen_armed && !ck->seen_delivered,
		       "events were armed but drm_vblank_event_delivered was not traced");
	not_applicable(ck, KMST_RULE_EVENT_EARLY, !ck->seen_handle_vblank, no_vblank);
	not_applicable(ck, KMST_RULE_CLEANUP_BEFORE_HW_DONE, !ck->seen_cleanup_done || !ck->seen_hw_done,
		       "no hw_done/cleanup_done of a commit was seen");
	not_applicable(ck, KMST_RULE_NO_WAIT_DEPENDENCIES, !ck->seen_swap || !ck->seen_hw_done,
		       "no swap_state/hw_done of a commit was seen");
	not_applicable(ck, KMST_RULE_VBLANK_OFF_MISSING,
		       !ck->seen_handle_vblank && !ck->seen_vblank_onoff, no_vblank);
	not_applicable(ck, KMST_RULE_VBLANK_OFF_MISSING, !ck->seen_crtc_onoff,
		       "no CRTC was enabled or disabled in the trace");
	not_applicable(ck, KMST_RULE_VBLANK_JITTER, !ck->seen_handle_vblank, no_vblank);
	not_applicable(ck, KMST_RULE_VBLANK_DROP, !ck->seen_handle_vblank, no_vblank);
	not_applicable(ck, KMST_RULE_TEST_ONLY_COMMITS, !ck->seen_test_only,
		       "no TEST_ONLY commit in the trace");
	not_applicable(ck, KMST_RULE_STATE_LEAK, !ck->seen_state_free,
		       "no atomic state free was seen");
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		if (res->rules[i].status == KMST_RULE_PASS && res->rules[i].violations)
			res->rules[i].status = KMST_RULE_FAIL;
		/* A rule never evaluated did not pass: the trace gave it nothing to judge. */
		not_applicable(ck, i, res->rules[i].status == KMST_RULE_PASS && !res->rules[i].checked,
			       "not exercised: the trace has nothing this rule applies to");
	}
	drop_na_violations(ck);
	/* Replays use the line number as user_data: name the line where no REPLAY_COMMIT did. */
	for (i = 0; i < res->violation_count; i++) {
		struct kmst_violation *v = &res->violations[i];

		if (res->replay && !v->seq_line && v->has_user_data && v->user_data < (1ull << 31))
			v->seq_line = (uint32_t)v->user_data;
	}
	return res;
}
