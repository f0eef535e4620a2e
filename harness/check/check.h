/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The streaming invariant checker: feed it a trace's events in file order,
 * one at a time; it keeps state only for commits in flight (created when a
 * commit id first appears, dropped at its STATE_FREE), per CRTC and per
 * thread, plus a bounded window of recent events for context.
 */
#ifndef KMSTRACE_CHECK_H
#define KMSTRACE_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "kmstrace_event.h"

#define KMST_CHECK_WINDOW 12	 /* events of context kept around a violation */
#define KMST_CHECK_WINDOW_AFTER 4 /* of which, events after the offending one */
#define KMST_CHECK_MAX_OFFENDING 4
#define KMST_CHECK_MAX_STORED 256 /* violations kept in full; more are only counted */

struct kmst_check_opts {
	uint32_t rules;			/* bit per enum kmst_rule to check; 0 = all */
	unsigned int vblank_tolerance_pct; /* allowed interval deviation, % of the frame */
	unsigned int vblank_slack_us;	/* ... but never less than this (TCG timer lateness) */
};

#define KMST_CHECK_DEFAULT_TOLERANCE_PCT 20
#define KMST_CHECK_DEFAULT_SLACK_US 500

struct kmst_violation {
	unsigned int rule;		/* enum kmst_rule */
	uint32_t commit_id;		/* 0 when the rule is per CRTC (VBLANK timing) */
	int minor, crtc;		/* crtc -1 when not about one CRTC */
	int plane;			/* -1 when not about one plane */
	uint32_t seq_line;		/* sequence file line of a replayed commit, 0 unknown */
	uint64_t user_data;		/* the atomic ioctl's user_data, when seen */
	bool has_user_data;
	char detail[160];		/* what exactly went wrong, one line */
	struct kmst_event offending[KMST_CHECK_MAX_OFFENDING];
	unsigned int offending_count;
	struct kmst_event window[KMST_CHECK_WINDOW];
	unsigned int window_count;
	unsigned int window_offending; /* index in window of the event that triggered it */
	unsigned int after_needed;	/* internal: events still to add after it */
};

/* A replayed commit whose result differed from the sequence's expect=. */
struct kmst_expect_failure {
	uint32_t seq_line;
	uint32_t ordinal;	/* nth commit of the replay */
	int expected, got;	/* errno, 0 = ok */
	uint32_t commit_id;
};

enum kmst_rule_status {
	KMST_RULE_NOT_CHECKED = 0, /* not selected with --rules */
	KMST_RULE_PASS,		   /* judged at least once, no violation */
	KMST_RULE_FAIL,
	KMST_RULE_NA,		   /* ruled out by the driver's capabilities or the client's requests */
	KMST_RULE_NOT_JUDGED,	   /* it applies, but the trace lacks what is needed to judge it */
};

/* The overall verdict: PASS only when nothing failed and every applicable rule was judged. */
enum kmst_verdict {
	KMST_VERDICT_PASS = 0,
	KMST_VERDICT_FAIL,
	KMST_VERDICT_INCOMPLETE,
};

struct kmst_rule_result {
	enum kmst_rule_status status;
	unsigned long long checked;	/* how many times the rule was evaluated */
	unsigned long long violations;
	char reason[160];		/* why n/a, or what was missing to judge it */
};

/* What the host (not the driver) did to VBLANK timing: shown, never judged. */
struct kmst_host_noise {
	unsigned long long late_vblanks;    /* VBLANKs excused because the host ran the timer late */
	unsigned long long merged_frames;   /* frames a late timer merged into one VBLANK */
	unsigned long long max_lateness_ns; /* the latest the host ran a VBLANK timer */
};

struct kmst_check_result {
	struct kmst_rule_result rules[KMST_RULE_COUNT];
	enum kmst_verdict verdict;
	struct kmst_violation *violations; /* stored ones, in detection order */
	unsigned int violation_count;
	unsigned long long violations_total;
	struct kmst_expect_failure *expect_failures;
	unsigned int expect_failure_count;
	unsigned long long replay_commits;
	unsigned long long busy_not_owed;  /* expect=EBUSY got ok: the previous flip was done (check/expect.c) */
	unsigned long long busy_raced;	   /* expect=EBUSY got ok: that flip completed during setup_commit */
	unsigned long long events;
	unsigned long long commits;
	unsigned long long joined;	   /* commits in flight when tracing began: not judged */
	unsigned long long cut;		   /* commits still running when tracing ended: not judged */
	unsigned long long peak_in_flight; /* most commits tracked at once */
	unsigned long long unknown_events; /* records of a type this checker has no class for */
	struct kmst_host_noise host;
	unsigned long long dropped;	   /* records the ring buffer dropped (END record) */
	unsigned long long missed_runs;	   /* tracer runs the kernel skipped (END record) */
	bool replay;			/* the trace came from `kmstrace replay` */
};

struct kmst_checker;

struct kmst_meta;

struct kmst_checker *kmst_checker_new(const struct kmst_check_opts *opts, const struct kmst_meta *meta);
void kmst_checker_feed(struct kmst_checker *ck, const struct kmst_event *ev);
/* Close the commits still in flight and decide every rule. */
const struct kmst_check_result *kmst_checker_finish(struct kmst_checker *ck);
/*
 * The result of a trace that lost records (DROPPED ring-buffer drops,
 * MISSED_RUNS tracer runs the kernel skipped): no rule is judged, since a
 * lost record can hide a violation as well as fake one, and the verdict is
 * INCOMPLETE. Every selected rule is reported not judged, with the loss as
 * its reason.
 */
const struct kmst_check_result *kmst_checker_finish_lost(struct kmst_checker *ck,
							 unsigned long long dropped,
							 unsigned long long missed_runs);
void kmst_checker_free(struct kmst_checker *ck);


#endif
