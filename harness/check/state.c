// SPDX-License-Identifier: GPL-2.0
/*
 * The checker's state: commits in flight (open addressing by id), CRTCs
 * and threads, the ring of recent events and the violation sink. Nothing
 * here knows a rule; the rules record through ck_violation().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/state.h"
#include "common/grow.h"

/* ---- commits in flight: open addressing keyed by commit id ---- */

static unsigned int commit_slot(uint32_t id, unsigned int cap)
{
	return (id * 2654435761u) & (cap - 1);
}

struct ck_commit *ck_commit_probe(struct kmst_checker *ck, uint32_t id)
{
	unsigned int i = commit_slot(id, ck->commit_cap);

	while (ck->commits[i].id) {
		if (ck->commits[i].id == id) {
			ck->commit_hint[id % CK_COMMIT_HINTS] = i;
			return &ck->commits[i];
		}
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

struct ck_commit *ck_commit_insert(struct kmst_checker *ck, uint32_t id)
{
	struct ck_commit *c;
	unsigned int i;

	/* Keep the load under one half so probes stay short. */
	if ((ck->commit_count + 1) * 2 > ck->commit_cap && commit_table_grow(ck))
		return NULL;
	i = commit_slot(id, ck->commit_cap);
	while (ck->commits[i].id)
		i = (i + 1) & (ck->commit_cap - 1);
	c = &ck->commits[i];
	memset(c, 0, sizeof(*c));
	c->id = id;
	ck->commit_hint[id % CK_COMMIT_HINTS] = i;
	c->minor = -1;
	ck->commit_count++;
	ck->result.commits++;
	if (ck->commit_count > ck->result.peak_in_flight)
		ck->result.peak_in_flight = ck->commit_count;
	return c;
}

/* Remove C, shifting later entries of its probe run back (no tombstones). */
void ck_commit_remove(struct kmst_checker *ck, struct ck_commit *c)
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

struct ck_tid *ck_tid_lookup(struct kmst_checker *ck, uint32_t tid)
{
	struct ck_tid *t;
	unsigned int i;

	for (i = 0; i < CK_MAX_TIDS; i++) {
		t = &ck->tids[i];
		if (t->tid == tid) {
			ck->tid_last = i;
			return t;
		}
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
	ck->tid_last = i;
	return t;
}

struct ck_commit *ck_thread_commit(struct kmst_checker *ck, const struct ck_tid *t)
{
	return t->commit ? ck_commit_find(ck, t->commit) : NULL;
}

/* ---- rule bookkeeping ---- */

void ck_needed_first(struct kmst_checker *ck, unsigned int rule, const char *why)
{
	struct ck_need *need = &ck->need[rule];

	need->needed = true;
	snprintf(need->why, sizeof(need->why), "%s", why);
}

unsigned int ck_minor_caps(struct kmst_checker *ck, int minor)
{
	static const struct {
		unsigned int cap;
		const char *trait;
	} lacks[] = {
		{ CK_CAP_VBLANK, "no-vblank" },
		{ CK_CAP_ATOMIC_BEGIN, "no-crtc.atomic_begin" },
		{ CK_CAP_ATOMIC_FLUSH, "no-crtc.atomic_flush" },
		{ CK_CAP_PREPARE_FB, "no-plane.prepare_fb" },
	};
	unsigned int i, caps = 0;
	struct ck_caps *slot = NULL;

	for (i = 0; i < CK_MAX_MINORS; i++) {
		if (ck->caps[i].minor == minor)
			return ck->caps[i].caps;
		if (!slot && ck->caps[i].minor == -2)
			slot = &ck->caps[i];
	}
	for (i = 0; i < sizeof(lacks) / sizeof(lacks[0]); i++)
		if (!kmst_meta_has_trait(&ck->meta, minor, lacks[i].trait))
			caps |= lacks[i].cap;
	if (slot) {
		slot->minor = minor;
		slot->caps = caps;
	}
	return caps;
}

/* ---- the window and the violation sink ---- */

void ck_window_feed_open(struct kmst_checker *ck, const struct kmst_event *ev)
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

/* The position of EV among the recent events (the newest match), or -1. */
static long long ring_find(const struct kmst_checker *ck, const struct kmst_event *ev)
{
	unsigned long long oldest = ck->ring_pos > CK_RING ? ck->ring_pos - CK_RING : 0;
	unsigned long long pos;

	for (pos = ck->ring_pos; pos > oldest; pos--)
		if (!memcmp(&ck->ring[(pos - 1) % CK_RING], ev, sizeof(*ev)))
			return (long long)(pos - 1);
	return -1;
}

/* Centre V's window on the offending event at ring position AT (-1: the newest event). */
static void window_around(struct kmst_checker *ck, struct kmst_violation *v, long long at,
			  const struct kmst_event *ev)
{
	const unsigned int before_max = KMST_CHECK_WINDOW - KMST_CHECK_WINDOW_AFTER - 1;
	unsigned long long oldest = ck->ring_pos > CK_RING ? ck->ring_pos - CK_RING : 0;
	unsigned long long first, pos;
	unsigned int after_have;

	v->window_count = 0;
	if (at < 0) {
		/* Long gone from the ring: show it, then what comes now. */
		v->window[v->window_count++] = *ev;
		v->window_offending = 0;
		v->after_needed = KMST_CHECK_WINDOW_AFTER;
		return;
	}
	first = (unsigned long long)at > oldest + before_max ? (unsigned long long)at - before_max : oldest;
	for (pos = first; pos <= (unsigned long long)at; pos++)
		v->window[v->window_count++] = ck->ring[pos % CK_RING];
	v->window_offending = v->window_count - 1;
	for (after_have = 0; pos < ck->ring_pos && after_have < KMST_CHECK_WINDOW_AFTER; pos++, after_have++)
		v->window[v->window_count++] = ck->ring[pos % CK_RING];
	v->after_needed = KMST_CHECK_WINDOW_AFTER - after_have;
}

struct kmst_violation *ck_violation(struct kmst_checker *ck, unsigned int rule,
				    const struct ck_commit *c, int minor, int crtc,
				    const struct kmst_event *ev, const struct kmst_event *other,
				    const char *fmt, ...)
{
	struct kmst_check_result *res = &ck->result;
	struct kmst_violation *v;
	va_list ap;

	/* Part of it ran outside the trace: what is missing is not its fault. */
	if (c && c->unjudged)
		return NULL;
	if (!ck_rule_on(ck, rule))
		return NULL;
	res->rules[rule].violations++;
	res->violations_total++;
	if (res->violation_count == KMST_CHECK_MAX_STORED)
		return NULL;
	v = kmst_grow((void **)&res->violations, &ck->violation_cap, res->violation_count,
		      sizeof(*v));
	if (!v)
		return NULL;
	res->violation_count++;
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
	if (ev) {
		v->offending[v->offending_count++] = *ev;
		window_around(ck, v, ring_find(ck, ev), ev);
	} else {
		window_around(ck, v, ck->ring_pos ? (long long)ck->ring_pos - 1 : -1,
			      &ck->ring[(ck->ring_pos + CK_RING - 1) % CK_RING]);
	}
	if (v->after_needed && ck->open_count < KMST_CHECK_MAX_STORED)
		ck->open_violations[ck->open_count++] = res->violation_count - 1;
	return v;
}
