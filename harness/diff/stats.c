// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>

#include "diff/stats.h"

static int cmp_values(const void *x, const void *y)
{
	unsigned long long a = *(const unsigned long long *)x, b = *(const unsigned long long *)y;

	return a < b ? -1 : a > b;
}

void kmst_stats_sort(unsigned long long *values, size_t count)
{
	if (count > 1)
		qsort(values, count, sizeof(*values), cmp_values);
}

unsigned long long kmst_stats_percentile(const unsigned long long *sorted, size_t count, double pct)
{
	size_t rank;

	if (!count)
		return 0;
	rank = (size_t)ceil(pct / 100.0 * (double)count);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return sorted[rank - 1];
}

int kmst_mann_whitney(const unsigned long long *a, size_t n1, const unsigned long long *b, size_t n2,
		      struct kmst_mann_whitney *out)
{
	double rank_sum_a = 0, ties = 0, n = (double)(n1 + n2), mean, sigma, delta;
	size_t i = 0, j = 0, rank = 0;

	if (!n1 || !n2)
		return -1;
	/*
	 * Walk both sorted samples as one pooled sample, a group of equal
	 * values at a time: the group holds ranks rank+1 .. rank+t, and each
	 * of its values takes their average.
	 */
	while (i < n1 || j < n2) {
		unsigned long long value = j == n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
		size_t in_a = 0, in_b = 0;
		double t, average;

		while (i < n1 && a[i] == value) {
			i++;
			in_a++;
		}
		while (j < n2 && b[j] == value) {
			j++;
			in_b++;
		}
		t = (double)(in_a + in_b);
		average = (double)rank + (t + 1) / 2;
		rank_sum_a += average * (double)in_a;
		ties += t * t * t - t;
		rank += in_a + in_b;
	}
	out->u = rank_sum_a - (double)n1 * ((double)n1 + 1) / 2;
	mean = (double)n1 * (double)n2 / 2;
	sigma = sqrt((double)n1 * (double)n2 / 12 * ((n + 1) - ties / (n * (n - 1))));
	if (!(sigma > 0)) {
		out->z = 0;
		out->p = 1;
		return 0;
	}
	delta = out->u - mean;
	/* Continuity: U moves in steps of 1/2; never past the mean. */
	delta = delta > 0.5 ? delta - 0.5 : delta < -0.5 ? delta + 0.5 : 0;
	out->z = delta / sigma;
	out->p = erfc(fabs(out->z) / sqrt(2));
	return 0;
}
