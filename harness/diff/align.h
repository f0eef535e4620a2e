/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which commit of one trace is which commit of the other, and how two
 * commits' stage signatures differ.
 */
#ifndef KMSTRACE_DIFF_ALIGN_H
#define KMSTRACE_DIFF_ALIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "diff/profile.h"

/* One commit and its counterpart; a side is NULL when the other trace has none. */
struct kmst_diff_pair {
	const struct kmst_diff_commit *a, *b;
};

/*
 * Pair A's commits with B's: by sequence line and occurrence when both
 * traces replayed a sequence, else by order. Pairs come in A's order,
 * then B's commits that A lacks, in B's order. *BY_LINE says which.
 * Returns 0, or -1 when out of memory.
 */
int kmst_diff_align(const struct kmst_diff_profile *a, const struct kmst_diff_profile *b,
		    struct kmst_diff_pair **pairs, unsigned int *count, bool *by_line);

/* Whether two signatures hold the same stages in the same order. */
bool kmst_diff_same_stages(const struct kmst_diff_commit *a, const struct kmst_diff_commit *b);

/*
 * Mark the entries of each signature outside their longest common
 * subsequence (1 in A_MARKS / B_MARKS, one byte per entry): what one side
 * ran and the other did not, or ran elsewhere. Returns 0, or -1 when out
 * of memory.
 */
int kmst_diff_stage_marks(const struct kmst_diff_commit *a, const struct kmst_diff_commit *b,
			  uint8_t *a_marks, uint8_t *b_marks);

#endif
