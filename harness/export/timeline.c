// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "export/timeline.h"
#include "trace/tracefile.h"

/* Segments looked up from the newest back: a commit's threads are close together in a trace. */
#define SEGMENT_LOOKBACK 256

struct tl_open {
	unsigned int item;
	unsigned int segment;	/* TL_NONE for a send */
	uint32_t tid;
	uint64_t children_end;	/* the latest end of a call closed inside it */
};

unsigned int tl_crtc_get(struct tl_timeline *tl, int minor, int crtc)
{
	struct tl_crtc *c;
	unsigned int i;

	for (i = 0; i < tl->crtc_count; i++)
		if (tl->crtcs[i].minor == minor && tl->crtcs[i].crtc == crtc)
			return i;
	c = kmst_grow((void **)&tl->crtcs, &tl->crtc_cap, tl->crtc_count, sizeof(*c));
	if (!c)
		return TL_NONE;
	memset(c, 0, sizeof(*c));
	c->minor = minor;
	c->crtc = crtc;
	return tl->crtc_count++;
}

static struct tl_commit *commit_get(struct tl_timeline *tl, uint32_t id)
{
	uint32_t index = id ? kmst_id_index_get(&tl->ids, id) : 0;

	if (index == KMST_ID_NONE)
		return NULL;
	index += id ? 1 : 0;
	if (index >= tl->commit_cap) {
		unsigned int cap = tl->commit_cap ? tl->commit_cap * 2 : 64, i;
		struct tl_commit *bigger;

		while (cap <= index)
			cap *= 2;
		bigger = realloc(tl->commits, (size_t)cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		for (i = tl->commit_cap; i < cap; i++)
			bigger[i] = (struct tl_commit){ .minor = -1, .ioctl_item = TL_NONE,
							.tail_item = TL_NONE };
		tl->commits = bigger;
		tl->commit_cap = cap;
	}
	return &tl->commits[index];
}

struct tl_commit *tl_commit(const struct tl_timeline *tl, uint32_t commit_id)
{
	uint32_t index = commit_id ? kmst_id_index_find(&tl->ids, commit_id) : 0;

	if (index == KMST_ID_NONE)
		return NULL;
	index += commit_id ? 1 : 0;
	return index < tl->commit_cap ? &tl->commits[index] : NULL;
}

unsigned int tl_commit_crtc(struct tl_timeline *tl, uint32_t commit_id, int minor)
{
	const struct tl_commit *c = tl_commit(tl, commit_id);

	if (!c || !c->seen)
		return tl_crtc_get(tl, minor, -1);
	if (!c->crtc_mask)
		return tl_crtc_get(tl, c->minor, -1);
	return tl_crtc_get(tl, c->minor, __builtin_ctz(c->crtc_mask));
}

static struct tl_item *item_new(struct tl_timeline *tl, const struct kmst_event *ev, bool call,
				enum tl_track track)
{
	struct tl_item *item = kmst_grow((void **)&tl->items, &tl->item_cap, tl->item_count,
					 sizeof(*item));

	if (!item)
		return NULL;
	memset(item, 0, sizeof(*item));
	item->call = call;
	item->track = track;
	item->start_ns = item->end_ns = ev->ts_ns;
	item->segment = item->crtc = item->send = TL_NONE;
	item->ev = *ev;
	tl->item_count++;
	return item;
}

static unsigned int segment_get(struct tl_timeline *tl, const struct kmst_event *ev)
{
	unsigned int i, oldest = tl->segment_count > SEGMENT_LOOKBACK ?
						 tl->segment_count - SEGMENT_LOOKBACK : 0;
	struct tl_segment *seg;

	for (i = tl->segment_count; i > oldest; i--) {
		seg = &tl->segments[i - 1];
		if (seg->commit_id == ev->commit_id && seg->tid == ev->tid)
			return i - 1;
	}
	seg = kmst_grow((void **)&tl->segments, &tl->segment_cap, tl->segment_count, sizeof(*seg));
	if (!seg)
		return TL_NONE;
	memset(seg, 0, sizeof(*seg));
	seg->commit_id = ev->commit_id;
	seg->tid = ev->tid;
	seg->start_ns = seg->end_ns = ev->ts_ns;
	return tl->segment_count++;
}

/* Whether open entry O belongs to the stack of SEGMENT (a segment's calls) or of TID (sends). */
static bool open_in(const struct tl_open *o, unsigned int segment, uint32_t tid)
{
	return o->segment == segment && (segment != TL_NONE || o->tid == tid);
}

/* The entry below open[AT] in the same stack: its parent, or TL_NONE. */
static unsigned int open_parent(const struct tl_timeline *tl, unsigned int at)
{
	const struct tl_open *o = &tl->open[at];
	unsigned int i;

	for (i = at; i > 0; i--)
		if (open_in(&tl->open[i - 1], o->segment, o->tid))
			return i - 1;
	return TL_NONE;
}

/* Close open[AT] at END_NS (never before what it contains) and tell its parent. */
static void open_close(struct tl_timeline *tl, unsigned int at, uint64_t end_ns, bool unfinished)
{
	struct tl_open *o = &tl->open[at];
	struct tl_item *item = &tl->items[o->item];
	unsigned int parent = open_parent(tl, at);
	uint64_t child;

	if (end_ns < item->start_ns)
		end_ns = item->start_ns;
	if (end_ns < o->children_end)
		end_ns = o->children_end;
	item->end_ns = end_ns;
	item->unfinished = unfinished;
	child = item->first_child_ns && item->first_child_ns < end_ns ? item->first_child_ns : end_ns;
	item->anchor_ns = item->start_ns + (child - item->start_ns) / 2;
	if (parent != TL_NONE && tl->open[parent].children_end < end_ns)
		tl->open[parent].children_end = end_ns;
	memmove(o, o + 1, (tl->open_count - at - 1) * sizeof(*o));
	tl->open_count--;
}

/* The innermost open entry of a stack, or TL_NONE. */
static unsigned int open_top(const struct tl_timeline *tl, unsigned int segment, uint32_t tid)
{
	unsigned int i;

	for (i = tl->open_count; i > 0; i--)
		if (open_in(&tl->open[i - 1], segment, tid))
			return i - 1;
	return TL_NONE;
}

/* A new item starts inside the innermost open call of its stack: keep it inside, and note it. */
static void open_child(struct tl_timeline *tl, struct tl_item *item, unsigned int segment,
		       uint32_t tid)
{
	unsigned int top = open_top(tl, segment, tid);
	struct tl_item *parent;

	if (top == TL_NONE)
		return;
	parent = &tl->items[tl->open[top].item];
	if (item->start_ns < parent->start_ns)
		item->start_ns = item->end_ns = parent->start_ns;
	if (!parent->first_child_ns)
		parent->first_child_ns = item->start_ns;
}

static int open_push(struct tl_timeline *tl, unsigned int item, unsigned int segment, uint32_t tid)
{
	struct tl_open *o = kmst_grow((void **)&tl->open, &tl->open_cap, tl->open_count, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*o = (struct tl_open){ .item = item, .segment = segment, .tid = tid };
	tl->open_count++;
	return 0;
}

/* An exit: close the call it ends, and the calls inside it that never exited. */
static void call_exit(struct tl_timeline *tl, const struct kmst_event *ev, unsigned int segment)
{
	unsigned int i, at = TL_NONE;

	for (i = tl->open_count; i > 0; i--) {
		const struct tl_open *o = &tl->open[i - 1];

		if (open_in(o, segment, ev->tid) && tl->items[o->item].ev.type == ev->type) {
			at = i - 1;
			break;
		}
	}
	if (at == TL_NONE) {
		/* Entered before tracing began. */
		tl->unmatched_exits++;
		return;
	}
	while ((i = open_top(tl, segment, ev->tid)) != at)
		open_close(tl, i, ev->ts_ns, true);
	tl->items[tl->open[at].item].ret = ev->ret;
	open_close(tl, at, ev->ts_ns, false);
}

/* A call or point of a commit, on the thread that ran it. */
static int add_to_segment(struct tl_timeline *tl, const struct kmst_event *ev)
{
	unsigned int segment = segment_get(tl, ev);
	struct tl_segment *seg;
	struct tl_item *item;

	if (segment == TL_NONE)
		return -ENOMEM;
	seg = &tl->segments[segment];
	if (ev->ts_ns < seg->start_ns)
		seg->start_ns = ev->ts_ns;
	if (ev->ts_ns > seg->end_ns)
		seg->end_ns = ev->ts_ns;
	if (ev->phase == KMST_PH_EXIT) {
		call_exit(tl, ev, segment);
		return 0;
	}
	item = item_new(tl, ev, ev->phase == KMST_PH_ENTER && kmst_level_traces_exit(tl->level, ev->type),
			TL_TRACK_SEGMENT);
	if (!item)
		return -ENOMEM;
	item->segment = segment;
	open_child(tl, item, segment, ev->tid);
	if (item->call)
		return open_push(tl, tl->item_count - 1, segment, ev->tid);
	return 0;
}

/* A flip event's arm, send or delivery, a completion, a stall: on the CRTC's events track. */
static int add_event_track(struct tl_timeline *tl, const struct kmst_event *ev)
{
	struct tl_item *item;
	unsigned int top;

	if (ev->type == KMST_EV_SEND_VBLANK_EVENT && ev->phase == KMST_PH_EXIT) {
		call_exit(tl, ev, TL_NONE);
		return 0;
	}
	if (ev->phase == KMST_PH_EXIT)
		return 0; /* an arm's exit: the arm is drawn at its entry */
	item = item_new(tl, ev, ev->type == KMST_EV_SEND_VBLANK_EVENT, TL_TRACK_EVENTS);
	if (!item)
		return -ENOMEM;
	top = open_top(tl, TL_NONE, ev->tid);
	if (ev->type == KMST_EV_VBLANK_EVENT_DELIVERED && top != TL_NONE)
		item->send = tl->open[top].item;
	open_child(tl, item, TL_NONE, ev->tid);
	if (item->call)
		return open_push(tl, tl->item_count - 1, TL_NONE, ev->tid);
	return 0;
}

static bool in_segment(const struct kmst_event *ev)
{
	if (!ev->commit_id || kmst_event_class(ev->type) != KMST_CLASS_COMMIT)
		return false;
	return ev->type != KMST_EV_ARM_VBLANK_EVENT;
}

static bool on_event_track(const struct kmst_event *ev)
{
	switch (ev->type) {
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
	case KMST_EV_HW_DONE_COMPLETE:
	case KMST_EV_FLIP_DONE_COMPLETE:
	case KMST_EV_CLEANUP_DONE_COMPLETE:
	case KMST_EV_STATE_FREE:
	case KMST_EV_STALL:
		return true;
	default:
		return false;
	}
}

int tl_add_event(struct tl_timeline *tl, const struct kmst_event *ev)
{
	struct tl_commit *c;
	struct tl_item *item;

	if (ev->commit_id) {
		c = commit_get(tl, ev->commit_id);
		if (!c)
			return -ENOMEM;
		c->seen = true;
		if (c->minor < 0)
			c->minor = ev->minor;
		if (ev->crtc >= 0 && ev->crtc < 32)
			c->crtc_mask |= 1u << ev->crtc;
		c->flags |= ev->commit_flags;
		if (ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_ENTER)
			c->user_data = ev->arg0;
	}
	if (in_segment(ev))
		return add_to_segment(tl, ev);
	if (on_event_track(ev))
		return add_event_track(tl, ev);
	if (ev->type == KMST_EV_HANDLE_VBLANK && ev->crtc >= 0) {
		item = item_new(tl, ev, false, TL_TRACK_VBLANK);
		return item ? 0 : -ENOMEM;
	}
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Segment items by segment, then by start, a parent (longer) before its children. */
static int cmp_segment_items(const void *a, const void *b, void *arg)
{
	const struct tl_timeline *tl = arg;
	const struct tl_item *x = &tl->items[*(const unsigned int *)a];
	const struct tl_item *y = &tl->items[*(const unsigned int *)b];
	int order;

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	order = cmp_u64(x->start_ns, y->start_ns);
	if (!order)
		order = -cmp_u64(x->end_ns, y->end_ns);
	return order ? order : cmp_u64(*(const unsigned int *)a, *(const unsigned int *)b);
}

static int cmp_placements(const void *a, const void *b, void *arg)
{
	const struct tl_timeline *tl = arg;
	const struct tl_placement *x = a, *y = b;
	int order;

	if (x->crtc != y->crtc)
		return x->crtc < y->crtc ? -1 : 1;
	order = cmp_u64(tl->segments[x->segment].start_ns, tl->segments[y->segment].start_ns);
	return order ? order : cmp_u64(x->segment, y->segment);
}

static int cmp_sends(const void *a, const void *b, void *arg)
{
	const struct tl_timeline *tl = arg;
	const struct tl_item *x = &tl->items[*(const unsigned int *)a];
	const struct tl_item *y = &tl->items[*(const unsigned int *)b];
	int order;

	if (x->crtc != y->crtc)
		return x->crtc < y->crtc ? -1 : 1;
	order = cmp_u64(x->start_ns, y->start_ns);
	return order ? order : cmp_u64(*(const unsigned int *)a, *(const unsigned int *)b);
}

/*
 * Greedy lane choice: the first lane free by START_NS (its last interval
 * ended at or before it), so the intervals of a lane never overlap.
 * LANES holds each lane's end; reset it for each CRTC.
 */
static unsigned int lane_take(uint64_t **lanes, unsigned int *count, unsigned int *cap,
			      uint64_t start_ns, uint64_t end_ns)
{
	unsigned int lane;
	uint64_t *slot;

	for (lane = 0; lane < *count; lane++) {
		if ((*lanes)[lane] <= start_ns) {
			(*lanes)[lane] = end_ns;
			return lane;
		}
	}
	slot = kmst_grow((void **)lanes, cap, *count, sizeof(**lanes));
	if (!slot)
		return TL_NONE;
	*slot = end_ns;
	return (*count)++;
}

static int order_segment_items(struct tl_timeline *tl)
{
	unsigned int i, n = 0;

	tl->order = malloc((tl->item_count + 1) * sizeof(*tl->order));
	if (!tl->order)
		return -ENOMEM;
	for (i = 0; i < tl->item_count; i++)
		if (tl->items[i].track == TL_TRACK_SEGMENT)
			tl->order[n++] = i;
	qsort_r(tl->order, n, sizeof(*tl->order), cmp_segment_items, tl);
	for (i = 0; i < n; i++) {
		struct tl_segment *seg = &tl->segments[tl->items[tl->order[i]].segment];

		if (!seg->count)
			seg->first = i;
		seg->count++;
	}
	return 0;
}

static void find_commit_links(struct tl_timeline *tl)
{
	unsigned int i;

	for (i = 0; i < tl->item_count; i++) {
		const struct tl_item *item = &tl->items[i];
		struct tl_commit *c = tl_commit(tl, item->ev.commit_id);

		if (item->track != TL_TRACK_SEGMENT || !item->call)
			continue;
		if (item->ev.type == KMST_EV_ATOMIC_IOCTL && c->ioctl_item == TL_NONE)
			c->ioctl_item = i;
		/* drm_atomic_helper_commit_tail's own entry, else its first stage. */
		if (item->ev.type == KMST_EV_COMMIT_TAIL &&
		    (c->tail_item == TL_NONE || tl->items[c->tail_item].ev.type != KMST_EV_COMMIT_TAIL))
			c->tail_item = i;
		if ((item->ev.type == KMST_EV_WAIT_FOR_DEPENDENCIES ||
		     item->ev.type == KMST_EV_MODESET_DISABLES ||
		     item->ev.type == KMST_EV_COMMIT_PLANES) && c->tail_item == TL_NONE)
			c->tail_item = i;
	}
}

static int place_segments(struct tl_timeline *tl)
{
	unsigned int i, bit, crtc, lane_count = 0, lane_cap = 0;
	uint64_t *lanes = NULL;
	struct tl_placement *p;
	int err = -ENOMEM;

	for (i = 0; i < tl->segment_count; i++) {
		const struct tl_commit *c = tl_commit(tl, tl->segments[i].commit_id);
		uint32_t mask = c->crtc_mask;

		do {
			bit = mask ? (unsigned int)__builtin_ctz(mask) : 0;
			crtc = tl_crtc_get(tl, c->minor, mask ? (int)bit : -1);
			p = kmst_grow((void **)&tl->placements, &tl->placement_cap,
				      tl->placement_count, sizeof(*p));
			if (crtc == TL_NONE || !p)
				goto out;
			*p = (struct tl_placement){ .segment = i, .crtc = crtc };
			tl->placement_count++;
			mask &= mask - 1;
		} while (mask);
	}
	qsort_r(tl->placements, tl->placement_count, sizeof(*tl->placements), cmp_placements, tl);
	for (i = 0; i < tl->placement_count; i++) {
		struct tl_placement *pl = &tl->placements[i];
		struct tl_segment *seg = &tl->segments[pl->segment];
		const struct tl_commit *c = tl_commit(tl, seg->commit_id);

		if (i == 0 || tl->placements[i - 1].crtc != pl->crtc)
			lane_count = 0;
		pl->lane = lane_take(&lanes, &lane_count, &lane_cap, seg->start_ns, seg->end_ns);
		if (pl->lane == TL_NONE)
			goto out;
		if (lane_count > tl->crtcs[pl->crtc].commit_lanes)
			tl->crtcs[pl->crtc].commit_lanes = lane_count;
		/* The first CRTC's lane is where the commit's links start. */
		if (!c->crtc_mask || tl->crtcs[pl->crtc].crtc == __builtin_ctz(c->crtc_mask))
			seg->lane = pl->lane;
	}
	err = 0;
out:
	free(lanes);
	return err;
}

static int place_sends(struct tl_timeline *tl)
{
	unsigned int i, n = 0, lane_count = 0, lane_cap = 0;
	unsigned int *sends = malloc((tl->item_count + 1) * sizeof(*sends));
	uint64_t *lanes = NULL;
	int err = -ENOMEM;

	if (!sends)
		return -ENOMEM;
	for (i = 0; i < tl->item_count; i++)
		if (tl->items[i].track == TL_TRACK_EVENTS && tl->items[i].call)
			sends[n++] = i;
	qsort_r(sends, n, sizeof(*sends), cmp_sends, tl);
	for (i = 0; i < n; i++) {
		struct tl_item *send = &tl->items[sends[i]];

		if (i == 0 || tl->items[sends[i - 1]].crtc != send->crtc)
			lane_count = 0;
		send->lane = lane_take(&lanes, &lane_count, &lane_cap, send->start_ns, send->end_ns);
		if (send->lane == TL_NONE)
			goto out;
		if (lane_count > tl->crtcs[send->crtc].send_lanes)
			tl->crtcs[send->crtc].send_lanes = lane_count;
	}
	err = 0;
out:
	free(lanes);
	free(sends);
	return err;
}

int tl_finish(struct tl_timeline *tl)
{
	unsigned int i;
	int err;

	/* Calls still open when the trace ended close with their segment (sends: where they began). */
	while (tl->open_count) {
		const struct tl_open *o = &tl->open[tl->open_count - 1];
		uint64_t end = o->segment != TL_NONE ? tl->segments[o->segment].end_ns :
						      tl->items[o->item].start_ns;

		open_close(tl, tl->open_count - 1, end, true);
	}
	if (!commit_get(tl, 0))
		return -ENOMEM; /* so that every item's commit id indexes commits */
	for (i = 0; i < tl->item_count; i++) {
		struct tl_item *item = &tl->items[i];

		if (item->track == TL_TRACK_SEGMENT)
			continue;
		item->crtc = item->ev.crtc >= 0 ? tl_crtc_get(tl, item->ev.minor, item->ev.crtc) :
						  tl_commit_crtc(tl, item->ev.commit_id, item->ev.minor);
		if (item->crtc == TL_NONE)
			return -ENOMEM;
	}
	err = order_segment_items(tl);
	if (!err)
		find_commit_links(tl);
	if (!err)
		err = place_segments(tl);
	if (!err)
		err = place_sends(tl);
	return err;
}

void tl_free(struct tl_timeline *tl)
{
	free(tl->crtcs);
	free(tl->segments);
	free(tl->placements);
	free(tl->items);
	free(tl->order);
	free(tl->commits);
	kmst_id_index_free(&tl->ids);
	free(tl->open);
	memset(tl, 0, sizeof(*tl));
}
