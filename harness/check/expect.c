// SPDX-License-Identifier: GPL-2.0
/*
 * Replay's expectations (REPLAY_COMMIT records) against the sequence's
 * expect=, judged with DRM's own state where the result depends on timing.
 *
 * EBUSY is owed to a nonblocking commit only while the previous commit on
 * one of its CRTCs has not signalled flip_done (drm_atomic_helper_setup_
 * commit's stall check). A driver whose flip completes at once (no VBLANK)
 * or a guest the host stalls between two ioctls finds the previous flip
 * done: then "ok" is the uAPI's answer, not a failure. The trace says which:
 * at each CRTC_STATE (setup_commit's exit) the previous commit to swap
 * state on that CRTC is looked up, and it was done only if its flip_done
 * was seen before this commit entered setup_commit, where the stall check
 * runs. A flip_done seen while setup_commit ran (between its entry and the
 * CRTC_STATE at its exit) raced the stall check: either answer is the
 * uAPI's, and it is counted apart. Anything else not proven done counts as
 * pending, so a commit that got past a flip still pending when setup_commit
 * returned fails.
 */
#include <errno.h>

#include "check/rules.h"
#include "check/state.h"
#include "common/grow.h"

static struct ck_busy *busy_slot(struct kmst_checker *ck, uint32_t commit, uint32_t line)
{
	unsigned int i;

	for (i = 0; i < CK_BUSY_RING; i++)
		if (ck->busy[i].commit == commit)
			return &ck->busy[i];
	ck->busy_pos = (ck->busy_pos + 1) % CK_BUSY_RING;
	ck->busy[ck->busy_pos] = (struct ck_busy){ .commit = commit, .line = line };
	return &ck->busy[ck->busy_pos];
}

/* A commit's CRTC went through setup_commit: was the previous flip there done before it began? */
void ck_expect_crtc_state(struct kmst_checker *ck, const struct ck_commit *c,
			  const struct kmst_event *ev)
{
	struct ck_crtc *cr;
	struct ck_busy *b;
	bool seen, done, raced;
	uint64_t begin;

	if (!ck->result.replay || !c || ev->crtc < 0)
		return;
	cr = ck_crtc_get(ck, ev->minor, ev->crtc);
	if (!cr)
		return;
	/* No commit before it on this CRTC, or its flip_done seen before this commit's stall check. */
	begin = c->setup_ns ? c->setup_ns : c->start_ns;
	seen = cr->last_swapped && cr->flip_done_commit == cr->last_swapped;
	done = !cr->last_swapped || (seen && cr->flip_done_ns < begin);
	/* Seen while setup_commit ran: the stall check may have come before or after it. */
	raced = !done && seen && cr->flip_done_ns <= ev->ts_ns;
	b = busy_slot(ck, c->id, c->seq_line);
	b->line = c->seq_line;
	b->pending |= !done && !raced;
	b->raced |= raced;
	b->judged = true;
}

void ck_expect_flip_done(struct kmst_checker *ck, const struct ck_commit *c,
			 const struct kmst_event *ev)
{
	struct ck_crtc *cr;

	if (!c || ev->crtc < 0)
		return;
	cr = ck_crtc_get(ck, ev->minor, ev->crtc);
	if (!cr || cr->flip_done_commit == c->id)
		return;
	cr->flip_done_commit = c->id;
	cr->flip_done_ns = ev->ts_ns;
}

/*
 * The commit a REPLAY_COMMIT names, else the latest one whose ioctl
 * carried its line (an event delivered during the ioctl can leave the
 * replaying thread naming the previous commit).
 */
static const struct ck_busy *busy_find(const struct kmst_checker *ck, const struct kmst_event *ev)
{
	const struct ck_busy *by_line = NULL;
	unsigned int i, n;

	for (n = 0; n < CK_BUSY_RING; n++) {
		i = (ck->busy_pos + CK_BUSY_RING - n) % CK_BUSY_RING;
		if (!ck->busy[i].judged)
			continue;
		if (ev->commit_id && ck->busy[i].commit == ev->commit_id &&
		    (!ck->busy[i].line || ck->busy[i].line == (uint32_t)ev->arg0))
			return &ck->busy[i];
		if (!by_line && ck->busy[i].line == (uint32_t)ev->arg0)
			by_line = &ck->busy[i];
	}
	return by_line;
}

/* A REPLAY_COMMIT: the replayed commit's result against the sequence's expect=. */
void ck_expect_replay_commit(struct kmst_checker *ck, const struct kmst_event *ev)
{
	struct kmst_check_result *res = &ck->result;
	struct kmst_expect_failure *f;
	const struct ck_busy *b;

	res->replay = true;
	res->replay_commits++;
	if ((int)ev->aux == ev->ret)
		return;
	if (ev->ret == EBUSY && (int)ev->aux == 0) {
		b = busy_find(ck, ev);
		if (b && !b->pending) {
			if (b->raced)
				res->busy_raced++;
			else
				res->busy_not_owed++;
			return;
		}
	}
	if (res->expect_failure_count == KMST_CHECK_MAX_STORED * 4)
		return;
	f = kmst_grow((void **)&res->expect_failures, &ck->expect_cap, res->expect_failure_count,
		      sizeof(*f));
	if (!f)
		return;
	res->expect_failure_count++;
	f->seq_line = (uint32_t)ev->arg0;
	f->ordinal = (uint32_t)ev->arg1;
	f->expected = ev->ret;
	f->got = (int)ev->aux;
	f->commit_id = ev->commit_id;
}
