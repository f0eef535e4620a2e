// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "diff/timing.h"

/* How far VALUE is from a whole number (at least one) of FRAME, in ppm of FRAME. */
static unsigned long long off_schedule_ppm(unsigned long long value, unsigned long long frame)
{
	unsigned long long frames = (value + frame / 2) / frame, whole, off;

	if (!frames)
		frames = 1;
	whole = frames * frame;
	off = value > whole ? value - whole : whole - value;
	return (unsigned long long)((double)off * 1e6 / (double)frame);
}

/*
 * One side of a distribution: its percentiles and the sorted measure the
 * test ranks. *MEASURE is malloc'd (NULL when empty).
 */
static int side_fill(struct kmst_diff_side *side, const struct kmst_hist_entry *entry,
		     unsigned long long **measure, unsigned int *measured)
{
	unsigned long long *values;
	unsigned int i, n = 0;

	*measure = NULL;
	*measured = 0;
	side->minor = entry ? entry->key.minor : -1;
	side->count = entry ? entry->sample_count : 0;
	if (!side->count)
		return 0;
	values = malloc(side->count * sizeof(*values));
	*measure = malloc(side->count * sizeof(**measure));
	if (!values || !*measure) {
		free(values);
		free(*measure);
		*measure = NULL;
		return -1;
	}
	for (i = 0; i < side->count; i++) {
		const struct kmst_hist_sample *s = &entry->samples[i];

		values[i] = s->ns;
		if (!kmst_diff_measures_schedule(entry->key.kind))
			(*measure)[n++] = s->ns;
		else if (s->nominal_ns)
			(*measure)[n++] = off_schedule_ppm(s->ns, s->nominal_ns);
	}
	kmst_stats_sort(values, side->count);
	side->values[KMST_DIFF_P50] = kmst_stats_percentile(values, side->count, 50);
	side->values[KMST_DIFF_P90] = kmst_stats_percentile(values, side->count, 90);
	side->values[KMST_DIFF_P99] = kmst_stats_percentile(values, side->count, 99);
	side->values[KMST_DIFF_MAX] = values[side->count - 1];
	free(values);
	kmst_stats_sort(*measure, n);
	side->measure[0] = kmst_stats_percentile(*measure, n, 50);
	side->measure[1] = kmst_stats_percentile(*measure, n, 90);
	*measured = n;
	return 0;
}

static void judge(struct kmst_diff_timing *t, const unsigned long long *ma, unsigned int na,
		  const unsigned long long *mb, unsigned int nb, const struct kmst_diff_opts *opts)
{
	bool slower = true, faster = true, beyond_slower = true, beyond_faster = true;
	unsigned int q;

	if (!na || !nb) {
		/* Measured on one side only: the other never ran it (no VBLANK, no event armed). */
		if (na >= KMST_DIFF_MIN_SAMPLES || nb >= KMST_DIFF_MIN_SAMPLES)
			t->verdict = na ? KMST_DIFF_ONLY_A : KMST_DIFF_ONLY_B;
		else
			t->verdict = KMST_DIFF_TOO_FEW;
		return;
	}
	if (na < KMST_DIFF_MIN_SAMPLES || nb < KMST_DIFF_MIN_SAMPLES) {
		t->verdict = KMST_DIFF_TOO_FEW;
		return;
	}
	kmst_mann_whitney(ma, na, mb, nb, &t->mw);
	t->tested = true;
	for (q = 0; q < 2; q++) {
		double scale;

		double delta = (double)t->b.measure[q] - (double)t->a.measure[q], noise = 0;

		if (kmst_diff_measures_schedule(t->kind)) {
			scale = 1e6; /* one frame, in ppm */
		} else {
			scale = t->a.measure[q] > t->frame_ns ? (double)t->a.measure[q] : (double)t->frame_ns;
			noise = (double)t->host_noise_ns;
		}
		if (scale < 1)
			scale = 1;
		t->change[q] = delta / scale;
		beyond_slower &= t->change[q] > opts->margin;
		beyond_faster &= t->change[q] < -opts->margin;
		slower &= t->change[q] > opts->margin && delta > noise;
		faster &= t->change[q] < -opts->margin && -delta > noise;
	}
	if (t->mw.p >= opts->alpha)
		t->verdict = KMST_DIFF_SAME;
	else
		t->verdict = slower ? KMST_DIFF_SLOWER : faster ? KMST_DIFF_FASTER : KMST_DIFF_SAME;
	t->host_noise = t->mw.p < opts->alpha && t->verdict == KMST_DIFF_SAME &&
			(beyond_slower || beyond_faster);
}

/* P's histogram of KIND on its CARD-th card's CRTC, or NULL. */
static const struct kmst_hist_entry *find_entry(const struct kmst_diff_profile *p, unsigned int kind,
						int card, int crtc)
{
	size_t i;

	for (i = 0; i < p->hists.count; i++) {
		const struct kmst_hist_entry *e = &p->hists.entries[i];

		if (e->key.kind == kind && e->key.crtc == crtc &&
		    kmst_diff_card_index(p, e->key.minor) == card)
			return e;
	}
	return NULL;
}

static int compare_one(struct kmst_diff_timing *t, const struct kmst_diff_profile *a,
		       const struct kmst_diff_profile *b, const struct kmst_diff_opts *opts,
		       unsigned int kind, int card, int crtc)
{
	const struct kmst_hist_entry *ea = find_entry(a, kind, card, crtc);
	const struct kmst_hist_entry *eb = find_entry(b, kind, card, crtc);
	const struct kmst_hist_entry *frame_a = find_entry(a, KMST_HIST_VBLANK_INTERVAL, card, crtc);
	const struct kmst_hist_entry *frame_b = find_entry(b, KMST_HIST_VBLANK_INTERVAL, card, crtc);
	unsigned long long *ma = NULL, *mb = NULL;
	unsigned int na, nb;
	int err = -1;

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->crtc = crtc;
	t->frame_ns = frame_a && frame_a->hist.nominal_ns ? frame_a->hist.nominal_ns :
		      frame_b ? frame_b->hist.nominal_ns : 0;
	t->host_noise_ns = a->host_late_p99_ns > b->host_late_p99_ns ? a->host_late_p99_ns :
								     b->host_late_p99_ns;
	if (side_fill(&t->a, ea, &ma, &na) || side_fill(&t->b, eb, &mb, &nb))
		goto out;
	judge(t, ma, na, mb, nb, opts);
	err = 0;
out:
	free(ma);
	free(mb);
	return err;
}

struct key {
	unsigned int kind;
	int card, crtc;
};

static int cmp_keys(const void *x, const void *y)
{
	const struct key *a = x, *b = y;

	if (a->card != b->card)
		return a->card < b->card ? -1 : 1;
	if (a->crtc != b->crtc)
		return a->crtc < b->crtc ? -1 : 1;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

/* Add P's (kind, card, crtc) keys to KEYS (room for every entry of both sets). */
static void add_keys(const struct kmst_diff_profile *p, struct key *keys, unsigned int *count)
{
	unsigned int j;
	size_t i;

	for (i = 0; i < p->hists.count; i++) {
		const struct kmst_hist_entry *e = &p->hists.entries[i];
		struct key k = { e->key.kind, kmst_diff_card_index(p, e->key.minor), e->key.crtc };

		if (!e->key.kind || e->key.kind >= KMST_HIST_KIND_MAX || k.card < 0)
			continue;
		for (j = 0; j < *count; j++)
			if (!cmp_keys(&keys[j], &k))
				break;
		if (j == *count)
			keys[(*count)++] = k;
	}
}

int kmst_diff_timing(const struct kmst_diff_profile *a, const struct kmst_diff_profile *b,
		     const struct kmst_diff_opts *opts, struct kmst_diff_timing **out,
		     unsigned int *count)
{
	size_t room = a->hists.count + b->hists.count;
	struct kmst_diff_timing *timings = NULL;
	unsigned int n = 0, i;
	struct key *keys;
	int err = -1;

	keys = malloc((room ? room : 1) * sizeof(*keys));
	if (!keys)
		return -1;
	add_keys(a, keys, &n);
	add_keys(b, keys, &n);
	qsort(keys, n, sizeof(*keys), cmp_keys);
	timings = calloc(n ? n : 1, sizeof(*timings));
	if (!timings)
		goto out;
	for (i = 0; i < n; i++)
		if (compare_one(&timings[i], a, b, opts, keys[i].kind, keys[i].card, keys[i].crtc))
			goto out;
	*out = timings;
	*count = n;
	timings = NULL;
	err = 0;
out:
	free(timings);
	free(keys);
	return err;
}
