/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics `diff` compares two timing distributions with: percentiles
 * and the two-sample Mann-Whitney U test (Wilcoxon rank-sum), with the
 * normal approximation, the tie correction and a continuity correction.
 */
#ifndef KMSTRACE_DIFF_STATS_H
#define KMSTRACE_DIFF_STATS_H

#include <stddef.h>

/* Sort VALUES ascending, in place. */
void kmst_stats_sort(unsigned long long *values, size_t count);

/*
 * The PCT percentile (0 < PCT <= 100) of COUNT sorted VALUES by the
 * nearest-rank method: the smallest value with at least PCT % of the
 * values at or below it, sorted[ceil(PCT / 100 * COUNT) - 1]. 0 when empty.
 */
unsigned long long kmst_stats_percentile(const unsigned long long *sorted, size_t count, double pct);

struct kmst_mann_whitney {
	double u;	/* U of the first sample: how often one of it exceeds one of the second (ties 1/2) */
	double z;	/* (U - n1 n2 / 2), continuity-corrected by 1/2 towards 0, over its tie-corrected sigma */
	double p;	/* two-sided p-value, erfc(|z| / sqrt 2); 1 when sigma is 0 (every value tied) */
};

/*
 * Compare sample A (N1 values) with sample B (N2 values), both sorted
 * ascending. U = R1 - n1 (n1 + 1) / 2, R1 the rank sum of A in the pooled
 * sample (ties take their average rank); sigma^2 = n1 n2 / 12 *
 * ((n + 1) - sum(t^3 - t) / (n (n - 1))), t the size of each group of ties.
 * Returns 0, or -1 when a sample is empty.
 */
int kmst_mann_whitney(const unsigned long long *a, size_t n1, const unsigned long long *b, size_t n2,
		      struct kmst_mann_whitney *out);

#endif
