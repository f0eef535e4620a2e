/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule table (rules_table.c): what each rule means, its group, and
 * the traced functions it cannot be judged without. Rule ids and numbers
 * come from bpf/kmstrace_event.h; this is the only other place a rule is
 * described. `kmstrace list [-j]` prints whether each can be judged.
 */
#ifndef KMSTRACE_RULES_H
#define KMSTRACE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "kmstrace_event.h"

enum kmst_rule_group {
	KMST_GROUP_ORDERING = 1, /* the commit path's order */
	KMST_GROUP_EVENTS,	 /* flip events and VBLANK on/off */
	KMST_GROUP_TIMING,	 /* VBLANK timing */
	KMST_GROUP_LIFETIME,	 /* states, framebuffers, stalls */
	KMST_GROUP_COUNT
};

#define KMST_RULE_MAX_REQUIRES 8

struct kmst_rule_info {
	const char *meaning;
	enum kmst_rule_group group;
	/* Traced functions the rule cannot be judged without (NULL-terminated). */
	const char *requires[KMST_RULE_MAX_REQUIRES];
};

/* The table entry of RULE (1..KMST_RULE_COUNT-1), or NULL. */
const struct kmst_rule_info *kmst_rule_info(unsigned int rule);
const char *kmst_rule_meaning(unsigned int rule);
const char *kmst_rule_group_name(enum kmst_rule_group group);
struct kmst_meta;
/*
 * The first function RULE cannot be judged without that META reports as
 * not attached (with why in *REASON), or NULL: the rule can be judged on
 * what was traced. The checker and `kmstrace list` both ask this.
 */
const char *kmst_rule_missing_function(unsigned int rule, const struct kmst_meta *meta,
				       const char **reason);

/*
 * Parse a --rules list: names, groups (ordering, events, timing, lifetime,
 * all) and "-name" exclusions, comma-separated, applied left to right; a
 * list that starts with an exclusion starts from all. Returns the bit mask
 * (bit per enum kmst_rule), or 0 with the offending word in *bad.
 */
uint32_t kmst_rules_parse(const char *list, const char **bad, unsigned int *bad_len);

#endif

/* ---- The rules, above the state layer and below the dispatcher ---- */

struct kmst_checker;
struct ck_commit;
struct ck_tid;
struct ck_crtc;

/*
 * rules_commit.c: skip-check, tail-order, plane-bracket, fb-cleanup,
 * cleanup-before-hw-done, no-wait-dependencies, vblank-off-missing,
 * test-only-commits, state-leak, commit-stall.
 */
void ck_rules_commit_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
			   const struct kmst_event *ev);
/* C's state was freed (EV), or the trace ended with it open (EV NULL, LEAKED). */
void ck_rules_commit_retire(struct kmst_checker *ck, struct ck_commit *c,
			    const struct kmst_event *ev, bool leaked);
/* The watchdog's KMST_EV_STALL record. */
void ck_rules_stall(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev);

/* rules_events.c: event-twice, event-missing, event-early. */
void ck_rules_events_event(struct kmst_checker *ck, struct ck_commit *c, struct ck_tid *t,
			   const struct kmst_event *ev);
void ck_rules_events_retire(struct kmst_checker *ck, struct ck_commit *c,
			    const struct kmst_event *ev);
/* The watchdog's KMST_EV_STALL record: a flip_done that never came is an event that never came. */
void ck_rules_events_stall(struct kmst_checker *ck, struct ck_commit *c, const struct kmst_event *ev);
/* The trace ended: decide the events still owed. */
void ck_rules_events_finish(struct kmst_checker *ck);

/* rules_timing.c: vblank-jitter, vblank-drop (HANDLE_VBLANK). */
void ck_rules_timing_vblank(struct kmst_checker *ck, struct ck_crtc *cr, const struct kmst_event *ev);
/* A CRTC's VBLANK run restarts (on/off, enable/disable). */
void ck_rules_timing_reset(struct ck_crtc *cr);
/*
 * The VBLANK interrupt was seen off: judge intervals afresh from the next
 * VBLANK. Only the interval chain: the events' sequence checks stay.
 */
void ck_rules_timing_restart(struct ck_crtc *cr);

/* expect.c: replay's expect= against the result, EBUSY judged from flip_done. */
void ck_expect_crtc_state(struct kmst_checker *ck, const struct ck_commit *c,
			  const struct kmst_event *ev);
void ck_expect_flip_done(struct kmst_checker *ck, const struct ck_commit *c,
			 const struct kmst_event *ev);
void ck_expect_replay_commit(struct kmst_checker *ck, const struct kmst_event *ev);
