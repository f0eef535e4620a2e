/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmstrace diff A B`: what changed from trace A to trace B of the same
 * sequence or client (another kernel, another driver). Commits are paired
 * by sequence line or by order (align.c); each pair's stage signature and
 * result are compared, then the flip events per CRTC, then the timing
 * distributions (timing.c). Any difference but a faster timing, or an
 * errno the sequence allows either way, is a regression.
 */
#ifndef KMSTRACE_DIFF_H
#define KMSTRACE_DIFF_H

#include <stdbool.h>

#include "diff/align.h"
#include "diff/profile.h"
#include "diff/timing.h"

#define KMST_DIFF_WHERE 8 /* places kept per group of commits that differ the same way */

/* Where a commit is: its sequence line and occurrence, or its place in the trace. */
struct kmst_diff_where {
	uint32_t seq_line;	/* 0 when commits were paired by order */
	uint32_t ordinal;	/* A's (B's when A has none) nth commit */
	unsigned int count;	/* commits of the group at this line */
};

/* Commits whose stage signatures differ, all the same way. */
struct kmst_diff_stage_group {
	struct kmst_diff_pair first;	/* the first pair that differs this way */
	unsigned int count;
	struct kmst_diff_where where[KMST_DIFF_WHERE];
	unsigned int where_count;	/* places kept; more are only counted */
};

/* A pair whose errno differs. */
struct kmst_diff_errno {
	struct kmst_diff_pair pair;
	bool allowed;	/* both results met the sequence's expect= (EBUSY|ok): not a regression */
};

/* Flip events delivered per CRTC, on A's and B's card of the same place. */
struct kmst_diff_events {
	int minor_a, minor_b, crtc;
	unsigned long long a, b;
};

struct kmst_diff_result {
	struct kmst_diff_profile a, b;
	bool by_line;			/* commits paired by sequence line, else by order */
	struct kmst_diff_pair *pairs;
	unsigned int pair_count;
	unsigned int compared;		/* pairs whose signatures were compared */
	unsigned int same_stages;	/* ... and were the same */
	unsigned int only_a, only_b;	/* commits the other trace lacks */
	struct kmst_diff_stage_group *groups;
	unsigned int group_count, group_cap;
	struct kmst_diff_errno *errnos;
	unsigned int errno_count, errno_cap;
	struct kmst_diff_events events[KMST_DIFF_CRTCS * 2];
	unsigned int event_count;
	struct kmst_diff_timing *timings;
	unsigned int timing_count;
	unsigned int regressions;	/* differences that make the verdict REGRESSION */
};

/*
 * Compare the traces at PATH_A and PATH_B into RES (free it with
 * kmst_diff_result_free, also after a failure). Returns 0, or -1 after one
 * line naming the file that could not be read.
 */
int kmst_diff_files(const char *path_a, const char *path_b, const struct kmst_diff_opts *opts,
		    struct kmst_diff_result *res);
void kmst_diff_result_free(struct kmst_diff_result *res);

/* Whether a timing's verdict is a regression (slower, or measured on one side only). */
bool kmst_diff_timing_regressed(const struct kmst_diff_timing *t);

#endif
