// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "diff/align.h"

struct line_key {
	uint32_t line, occurrence;
	unsigned int index;
};

static int cmp_key(const void *x, const void *y)
{
	const struct line_key *a = x, *b = y;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->occurrence < b->occurrence ? -1 : a->occurrence > b->occurrence;
}

/* B's commit from A's commit's line and occurrence, or -1. */
static int find_by_line(const struct line_key *keys, unsigned int count, const struct kmst_diff_commit *c)
{
	struct line_key want = { c->seq_line, c->occurrence, 0 };
	const struct line_key *found = bsearch(&want, keys, count, sizeof(*keys), cmp_key);

	return found ? (int)found->index : -1;
}

int kmst_diff_align(const struct kmst_diff_profile *a, const struct kmst_diff_profile *b,
		    struct kmst_diff_pair **pairs_out, unsigned int *count_out, bool *by_line)
{
	unsigned int i, n = 0, total = a->commit_count + b->commit_count;
	struct kmst_diff_pair *pairs;
	struct line_key *keys = NULL;
	bool *taken;
	int err = -1;

	*by_line = a->replay && b->replay;
	pairs = calloc(total ? total : 1, sizeof(*pairs));
	taken = calloc(b->commit_count ? b->commit_count : 1, sizeof(*taken));
	if (!pairs || !taken)
		goto out;
	if (*by_line) {
		keys = malloc((b->commit_count ? b->commit_count : 1) * sizeof(*keys));
		if (!keys)
			goto out;
		for (i = 0; i < b->commit_count; i++)
			keys[i] = (struct line_key){ b->commits[i].seq_line, b->commits[i].occurrence, i };
		qsort(keys, b->commit_count, sizeof(*keys), cmp_key);
	}
	for (i = 0; i < a->commit_count; i++) {
		const struct kmst_diff_commit *c = &a->commits[i];
		int j = *by_line ? find_by_line(keys, b->commit_count, c) :
				   i < b->commit_count ? (int)i : -1;

		pairs[n].a = c;
		if (j >= 0) {
			pairs[n].b = &b->commits[j];
			taken[j] = true;
		}
		n++;
	}
	for (i = 0; i < b->commit_count; i++)
		if (!taken[i])
			pairs[n++].b = &b->commits[i];
	*pairs_out = pairs;
	*count_out = n;
	pairs = NULL;
	err = 0;
out:
	free(keys);
	free(taken);
	free(pairs);
	return err;
}

bool kmst_diff_same_stages(const struct kmst_diff_commit *a, const struct kmst_diff_commit *b)
{
	unsigned int i;

	if (a->stage_count != b->stage_count)
		return false;
	for (i = 0; i < a->stage_count; i++)
		if (a->stages[i].type != b->stages[i].type)
			return false;
	return true;
}

int kmst_diff_stage_marks(const struct kmst_diff_commit *a, const struct kmst_diff_commit *b,
			  uint8_t *a_marks, uint8_t *b_marks)
{
	unsigned int n = a->stage_count, m = b->stage_count, i, j;
	/* lcs[i][j]: the longest common subsequence of a[i..] and b[j..] */
	unsigned short *lcs = calloc((size_t)(n + 1) * (m + 1), sizeof(*lcs));

	if (!lcs)
		return -1;
#define LCS(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			LCS(i, j) = a->stages[i].type == b->stages[j].type ? LCS(i + 1, j + 1) + 1 :
				    LCS(i + 1, j) > LCS(i, j + 1) ? LCS(i + 1, j) : LCS(i, j + 1);
	memset(a_marks, 1, n);
	memset(b_marks, 1, m);
	for (i = 0, j = 0; i < n && j < m;) {
		if (a->stages[i].type == b->stages[j].type) {
			a_marks[i++] = 0;
			b_marks[j++] = 0;
		} else if (LCS(i + 1, j) >= LCS(i, j + 1)) {
			i++;
		} else {
			j++;
		}
	}
#undef LCS
	free(lcs);
	return 0;
}
