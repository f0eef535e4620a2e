// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/log.h"
#include "diff/diff.h"

bool kmst_diff_timing_regressed(const struct kmst_diff_timing *t)
{
	return t->verdict == KMST_DIFF_SLOWER || t->verdict == KMST_DIFF_ONLY_A ||
	       t->verdict == KMST_DIFF_ONLY_B;
}

/* Whether the pairs P and Q differ the same way: the same two signatures. */
static bool same_difference(const struct kmst_diff_pair *p, const struct kmst_diff_pair *q)
{
	return kmst_diff_same_stages(p->a, q->a) && kmst_diff_same_stages(p->b, q->b);
}

static void group_where(struct kmst_diff_stage_group *g, const struct kmst_diff_pair *pair,
			bool by_line)
{
	uint32_t line = by_line ? pair->a->seq_line : 0;
	unsigned int i;

	g->count++;
	for (i = 0; by_line && i < g->where_count; i++) {
		if (g->where[i].seq_line == line) {
			g->where[i].count++;
			return;
		}
	}
	if (g->where_count < KMST_DIFF_WHERE)
		g->where[g->where_count++] = (struct kmst_diff_where){ line, pair->a->ordinal, 1 };
}

static int add_stage_difference(struct kmst_diff_result *res, const struct kmst_diff_pair *pair)
{
	struct kmst_diff_stage_group *g;
	unsigned int i;

	for (i = 0; i < res->group_count; i++) {
		if (same_difference(&res->groups[i].first, pair)) {
			group_where(&res->groups[i], pair, res->by_line);
			return 0;
		}
	}
	g = kmst_grow((void **)&res->groups, &res->group_cap, res->group_count, sizeof(*g));
	if (!g)
		return -1;
	memset(g, 0, sizeof(*g));
	g->first = *pair;
	group_where(g, pair, res->by_line);
	res->group_count++;
	res->regressions++;
	return 0;
}

static int add_errno_difference(struct kmst_diff_result *res, const struct kmst_diff_pair *pair)
{
	const struct kmst_diff_commit *a = pair->a, *b = pair->b;
	struct kmst_diff_errno *e;

	e = kmst_grow((void **)&res->errnos, &res->errno_cap, res->errno_count, sizeof(*e));
	if (!e)
		return -1;
	e->pair = *pair;
	/* Each side got what the sequence expected: it allows both results. */
	e->allowed = a->replayed && b->replayed && a->err == a->expected && b->err == b->expected;
	res->errno_count++;
	res->regressions += !e->allowed;
	return 0;
}

static int compare_commits(struct kmst_diff_result *res)
{
	unsigned int i;

	for (i = 0; i < res->pair_count; i++) {
		const struct kmst_diff_pair *pair = &res->pairs[i];

		if (!pair->a || !pair->b) {
			res->only_a += !pair->b;
			res->only_b += !pair->a;
			continue;
		}
		if (pair->a->err != pair->b->err && add_errno_difference(res, pair))
			return -1;
		/* A replayed commit matched to no traced one has no signature to compare. */
		if (!pair->a->commit_id || !pair->b->commit_id)
			continue;
		res->compared++;
		if (kmst_diff_same_stages(pair->a, pair->b))
			res->same_stages++;
		else if (add_stage_difference(res, pair))
			return -1;
	}
	res->regressions += (res->only_a || res->only_b);
	return 0;
}

static struct kmst_diff_events *events_slot(struct kmst_diff_result *res, int card, int crtc)
{
	struct kmst_diff_events *e;
	unsigned int i;

	for (i = 0; i < res->event_count; i++) {
		e = &res->events[i];
		if (e->crtc == crtc && kmst_diff_card_index(e->minor_a >= 0 ? &res->a : &res->b,
							    e->minor_a >= 0 ? e->minor_a : e->minor_b) == card)
			return e;
	}
	if (res->event_count == sizeof(res->events) / sizeof(res->events[0]))
		return NULL;
	e = &res->events[res->event_count++];
	*e = (struct kmst_diff_events){ -1, -1, crtc, 0, 0 };
	return e;
}

/* Flip events delivered per CRTC, A's cards paired with B's in order. */
static void compare_events(struct kmst_diff_result *res)
{
	struct kmst_diff_events *e;
	unsigned int i;

	for (i = 0; i < res->a.crtc_count; i++) {
		const struct kmst_diff_crtc_events *c = &res->a.crtcs[i];

		e = events_slot(res, kmst_diff_card_index(&res->a, c->minor), c->crtc);
		if (e) {
			e->minor_a = c->minor;
			e->a = c->delivered;
		}
	}
	for (i = 0; i < res->b.crtc_count; i++) {
		const struct kmst_diff_crtc_events *c = &res->b.crtcs[i];

		e = events_slot(res, kmst_diff_card_index(&res->b, c->minor), c->crtc);
		if (e) {
			e->minor_b = c->minor;
			e->b = c->delivered;
		}
	}
	for (i = 0; i < res->event_count; i++)
		res->regressions += res->events[i].a != res->events[i].b;
}

int kmst_diff_files(const char *path_a, const char *path_b, const struct kmst_diff_opts *opts,
		    struct kmst_diff_result *res)
{
	unsigned int i;

	memset(res, 0, sizeof(*res));
	if (kmst_diff_profile_read(&res->a, path_a) || kmst_diff_profile_read(&res->b, path_b))
		return -1;
	if (kmst_diff_align(&res->a, &res->b, &res->pairs, &res->pair_count, &res->by_line) ||
	    compare_commits(res))
		goto out_memory;
	compare_events(res);
	if (kmst_diff_timing(&res->a, &res->b, opts, &res->timings, &res->timing_count))
		goto out_memory;
	for (i = 0; i < res->timing_count; i++)
		res->regressions += kmst_diff_timing_regressed(&res->timings[i]);
	return 0;

out_memory:
	kmst_err("%s, %s: out of memory", path_a, path_b);
	return -1;
}

void kmst_diff_result_free(struct kmst_diff_result *res)
{
	free(res->pairs);
	free(res->groups);
	free(res->errnos);
	free(res->timings);
	kmst_diff_profile_free(&res->a);
	kmst_diff_profile_free(&res->b);
	memset(res, 0, sizeof(*res));
}
