/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace's events as a timeline: the slices, instants and links that a
 * timeline viewer draws, grouped per CRTC, and placed in lanes so that
 * the slices of one lane nest properly. No output format here: the
 * Perfetto writer (perfetto.c) walks this model.
 */
#ifndef KMSTRACE_TIMELINE_H
#define KMSTRACE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/id_index.h"
#include "trace/level.h"

#include "kmstrace_event.h"

/* One (card, CRTC) of the trace: a process in the viewer. crtc -1: the card's commits that touched no CRTC. */
struct tl_crtc {
	int minor, crtc;
	unsigned int commit_lanes; /* lanes its commit segments needed */
	unsigned int send_lanes;   /* lanes its event sends needed */
};

/*
 * The part of one commit that one thread ran (an ioctl, a worker's tail):
 * a slice of its own, with the thread's calls for the commit nested in it.
 */
struct tl_segment {
	uint32_t commit_id;
	uint32_t tid;
	uint64_t start_ns, end_ns;
	unsigned int first, count; /* its items: order[first .. first + count) */
	unsigned int lane;	   /* its lane on its commit's first CRTC */
};

/*
 * A segment drawn on one CRTC's commit track. A commit that touched
 * several CRTCs is drawn on each of them.
 */
struct tl_placement {
	unsigned int segment, crtc, lane;
};

/* Where an item outside the segments is drawn on its CRTC. */
enum tl_track {
	TL_TRACK_SEGMENT = 0, /* inside its segment */
	TL_TRACK_EVENTS,      /* flip event arm, send, delivery; completions; stalls */
	TL_TRACK_VBLANK,      /* the CRTC's VBLANKs */
};

#define TL_NONE ((unsigned int)-1)

/* One call (an enter/exit pair, a slice) or one point event (an instant). */
struct tl_item {
	bool call;
	bool unfinished;	/* no exit in the trace: closed where its segment ends */
	enum tl_track track;
	uint64_t start_ns, end_ns; /* end == start for a point */
	uint64_t first_child_ns;   /* start of its first child, 0 if none */
	uint64_t anchor_ns;	   /* inside it, before its first child: where a link binds */
	unsigned int segment;	   /* TL_TRACK_SEGMENT: index in segments */
	unsigned int crtc;	   /* other tracks: index in crtcs */
	unsigned int lane;	   /* sends: lane on the CRTC's events track */
	unsigned int send;	   /* deliveries: the send it happened in, or TL_NONE */
	int32_t ret;		   /* the exit's return value */
	struct kmst_event ev;	   /* the enter (or point) record */
};

/* What is known of one commit across its events. */
struct tl_commit {
	bool seen;
	int minor;
	uint32_t crtc_mask;	 /* CRTCs its events named (bit per index < 32) */
	uint16_t flags;		 /* KMST_CF_* */
	uint64_t user_data;	 /* the atomic ioctl's: a replay's sequence line */
	unsigned int ioctl_item; /* its ATOMIC_IOCTL call, or TL_NONE */
	unsigned int tail_item;	 /* the first call of its commit tail, or TL_NONE */
};

struct tl_open; /* a call entered and not yet exited, while building */

struct tl_timeline {
	struct tl_crtc *crtcs;
	unsigned int crtc_count, crtc_cap;
	struct tl_segment *segments;
	unsigned int segment_count, segment_cap;
	struct tl_placement *placements;
	unsigned int placement_count, placement_cap;
	struct tl_item *items;	/* in file order */
	unsigned int item_count, item_cap;
	unsigned int *order;	/* segment items, grouped by segment, by start */
	struct tl_commit *commits; /* [0] for commit id 0, then by tl->ids' index + 1 */
	unsigned int commit_cap;
	struct kmst_id_index ids;  /* dense numbers for commit ids (a trace may name any id) */
	struct tl_open *open;
	unsigned int open_count, open_cap;
	unsigned long long unmatched_exits; /* exits whose enter is not in the trace */
	/*
	 * The trace's level (trace/level.h): a call whose exit that level does
	 * not trace is drawn as an instant at its entry, not as a slice.
	 */
	enum kmst_trace_level level;
};

/* The commit of COMMIT_ID (id 0: the no-commit entry); after tl_finish every item's commit has one. */
struct tl_commit *tl_commit(const struct tl_timeline *tl, uint32_t commit_id);
/* Add one record, in file order. Returns 0 or -ENOMEM. */
int tl_add_event(struct tl_timeline *tl, const struct kmst_event *ev);
/* The index in crtcs of (MINOR, CRTC), added if new; TL_NONE on ENOMEM. */
unsigned int tl_crtc_get(struct tl_timeline *tl, int minor, int crtc);
/* The CRTC a commit is drawn on first (its lowest, or the card's no-CRTC track); TL_NONE on ENOMEM. */
unsigned int tl_commit_crtc(struct tl_timeline *tl, uint32_t commit_id, int minor);
/* Close what is still open, order the items, place segments and sends in lanes. 0 or -ENOMEM. */
int tl_finish(struct tl_timeline *tl);
void tl_free(struct tl_timeline *tl);

#endif
