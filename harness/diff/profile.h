/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One trace as `diff` compares it, read in one pass through the trace
 * reader: each commit's stage signature and result, the flip events
 * delivered per CRTC, and the timing distributions exactly as `hist`
 * measures them (its builder, with every sample kept).
 */
#ifndef KMSTRACE_DIFF_PROFILE_H
#define KMSTRACE_DIFF_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "hist/hist.h"
#include "trace/meta.h"

#define KMST_DIFF_THREADS 4	 /* threads of one commit told apart (ioctl, worker, ...) */
#define KMST_DIFF_MAX_STAGES 1024 /* entries of one signature; more are cut */
#define KMST_DIFF_CRTCS 64	 /* (card, CRTC) pairs counted */
#define KMST_DIFF_CARDS 16	 /* cards told apart */

/* One entry of a stage signature: a stage or callback the commit's own threads ran. */
struct kmst_diff_stage {
	uint8_t type;	/* enum kmst_event_type */
	uint8_t thread; /* which of the commit's threads, numbered in order of appearance */
};

struct kmst_diff_commit {
	uint32_t commit_id;	/* 0: the replayed commit was matched to no traced one */
	uint32_t seq_line;	/* the sequence line it was issued from (replay); 0 without */
	uint32_t occurrence;	/* nth commit from that line (inside `repeat`), from 1 */
	uint32_t ordinal;	/* nth commit compared in its trace, from 1 */
	bool replayed;		/* from a REPLAY_COMMIT record: err and expected are replay's */
	int err;		/* the errno it got; 0 ok */
	int expected;		/* replay: the errno the sequence expected (the one matched, or its first) */
	uint16_t flags;		/* KMST_CF_* */
	bool cut;		/* the signature hit KMST_DIFF_MAX_STAGES */
	/* The signature: each thread's entries in order, threads in order of appearance. */
	struct kmst_diff_stage *stages;
	unsigned int stage_count;
};

/* Flip events delivered to clients on one CRTC. */
struct kmst_diff_crtc_events {
	int minor, crtc;
	unsigned long long delivered;
};

struct kmst_diff_profile {
	const char *path;
	struct kmst_meta *meta;
	bool replay;		/* it holds REPLAY_COMMIT records: commits are aligned by sequence line */
	struct kmst_diff_commit *commits; /* in replay (or commit) order */
	unsigned int commit_count;
	unsigned long long other_commits; /* traced, but not replayed (kernel-internal commits) */
	unsigned long long joined;	   /* begun before the trace: never compared */
	struct kmst_diff_crtc_events crtcs[KMST_DIFF_CRTCS];
	unsigned int crtc_count;
	struct kmst_hist_set hists;	   /* with every sample kept */
	unsigned long long drops;	   /* events the recording dropped */
	unsigned long long missed_runs;	   /* tracer runs the kernel skipped (records never made) */
	/*
	 * How late the host ran the VBLANK timers (HANDLE_VBLANK's measured
	 * lateness, where known): its p99, and how many were measured. Under
	 * TCG it is milliseconds, and every step of a flip waits on the host.
	 */
	unsigned long long host_late_p99_ns;
	unsigned int host_late_count;
	/*
	 * The cards its events and histograms name, ascending: the two traces'
	 * cards are paired in this order (tvkms may be card0 in one guest and
	 * card1 in another).
	 */
	int minors[KMST_DIFF_CARDS];
	unsigned int minor_count;
};

/*
 * Read the trace at PATH into P. Returns 0, or -1 with one line printed
 * naming the file (and the byte offset and record, for a damaged trace).
 */
int kmst_diff_profile_read(struct kmst_diff_profile *p, const char *path);
void kmst_diff_profile_free(struct kmst_diff_profile *p);

/* MINOR's place among P's cards, or -1. */
int kmst_diff_card_index(const struct kmst_diff_profile *p, int minor);

#endif
