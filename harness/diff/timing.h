/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timing distributions of two traces, per CRTC and kind (hist's VBLANK
 * interval, event latency and flip latency), compared. A distribution
 * regresses only when the difference is both significant (Mann-Whitney,
 * two-sided p < alpha) and large: its median and its p90 both grew by more
 * than the margin, measured against
 *
 * - for the latencies, A's value of that percentile, but never less than
 *   one frame of the CRTC (a fraction of a frame that a slower or busier
 *   host shifts is not a regression a display shows);
 * - for the VBLANK interval, one frame: what is tested there is how far
 *   each interval is from a whole number of frames (its own frame), since
 *   jitter spreads intervals both ways and leaves their median in place,
 *   and frames a late timer merged are whole frames.
 *
 * A latency must also have moved by more than the host's noise: the p99 of
 * how late the host ran the VBLANK timers, the larger of the two traces'.
 * Each step of a flip waits on the host, and under TCG a busier host moves
 * a 1000 Hz burst's flip latency by a millisecond (34 % between two
 * replays on one 6.1 guest) while its timers ran up to several ms late.
 * VBLANK intervals are measured with that lateness already taken out.
 */
#ifndef KMSTRACE_DIFF_TIMING_H
#define KMSTRACE_DIFF_TIMING_H

#include <stdbool.h>

#include "diff/profile.h"
#include "diff/stats.h"

#define KMST_DIFF_DEFAULT_ALPHA 0.01
#define KMST_DIFF_DEFAULT_MARGIN_PCT 10
#define KMST_DIFF_MIN_SAMPLES 8 /* fewer on a side: not tested (the normal approximation needs more) */

struct kmst_diff_opts {
	double alpha;	/* significance level, 0 < alpha < 1 */
	double margin;	/* fraction (0.1 = 10 %) the median and p90 must both move by */
};

enum kmst_diff_verdict {
	KMST_DIFF_SAME = 0,	/* no significant change beyond the margin */
	KMST_DIFF_SLOWER,	/* a regression */
	KMST_DIFF_FASTER,	/* an improvement: reported, not a regression */
	KMST_DIFF_TOO_FEW,	/* fewer than KMST_DIFF_MIN_SAMPLES on a side: not tested */
	KMST_DIFF_ONLY_A,	/* measured in A only: a difference */
	KMST_DIFF_ONLY_B,	/* measured in B only: a difference */
};

enum { KMST_DIFF_P50, KMST_DIFF_P90, KMST_DIFF_P99, KMST_DIFF_MAX, KMST_DIFF_QUANTILES };

struct kmst_diff_side {
	int minor;		/* -1 when the trace has no such distribution */
	unsigned int count;
	unsigned long long values[KMST_DIFF_QUANTILES];	/* ns */
	unsigned long long measure[2];	/* p50 and p90 of what is tested (ns, or ppm of a frame) */
};

struct kmst_diff_timing {
	unsigned int kind;		/* enum kmst_hist_kind */
	int crtc;
	unsigned long long frame_ns;	/* the CRTC's nominal frame (A's, else B's), 0 unknown */
	unsigned long long host_noise_ns; /* a latency change within it is the host's (0: none measured) */
	struct kmst_diff_side a, b;
	bool tested;			/* mw holds the test */
	struct kmst_mann_whitney mw;
	double change[2];		/* p50 and p90 of the measure, B - A over their scale */
	bool host_noise;		/* significant, beyond the margin, but within the host's noise */
	enum kmst_diff_verdict verdict;
};

/* Whether the measure of KIND is the distance from the frame, in ppm of it. */
static inline bool kmst_diff_measures_schedule(unsigned int kind)
{
	return kind == KMST_HIST_VBLANK_INTERVAL;
}

/*
 * Every distribution of A or B, compared, sorted by card, CRTC and kind.
 * Returns 0, or -1 when out of memory.
 */
int kmst_diff_timing(const struct kmst_diff_profile *a, const struct kmst_diff_profile *b,
		     const struct kmst_diff_opts *opts, struct kmst_diff_timing **out,
		     unsigned int *count);

#endif
