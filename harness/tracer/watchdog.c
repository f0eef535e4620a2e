// SPDX-License-Identifier: GPL-2.0
/*
 * The stall watchdog (API in watchdog.h).
 *
 * What a commit owes comes from DRM's own bookkeeping: for every CRTC in
 * the state, drm_atomic_helper_setup_commit() creates a drm_crtc_commit
 * whose hw_done and cleanup_done the tail must complete, and a flip_done
 * that the CRTC's event completes when the state carries one
 * (KMST_EV_CRTC_STATE, KMST_CS_EVENT). A commit is done when its state is
 * freed.
 *
 * Traces from tracers that do not emit CRTC_STATE yet: a commit owes one
 * hw_done and one cleanup_done, on some CRTC, once setup_commit returned
 * 0. That is the instant DRM creates the completions and the tracer starts
 * following them; a tail stage alone would also count drivers whose commit
 * path never calls setup_commit, which have no completion to wait for.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "tracer/watchdog.h"

/* Commits followed at once, by commit id modulo this: DRM keeps a few in flight per CRTC. */
#define WD_SLOTS 1024

enum wd_kind {
	WD_HW_DONE,
	WD_FLIP_DONE,
	WD_CLEANUP_DONE,
	WD_KINDS,
};

/* The record type each completion becomes in a trace, in the order a tail reaches them. */
static const unsigned int wd_kind_type[WD_KINDS] = {
	[WD_HW_DONE] = KMST_EV_HW_DONE_COMPLETE,
	[WD_FLIP_DONE] = KMST_EV_FLIP_DONE_COMPLETE,
	[WD_CLEANUP_DONE] = KMST_EV_CLEANUP_DONE_COMPLETE,
};

struct wd_commit {
	uint32_t commit_id;	   /* 0: free slot */
	uint64_t first_ns;	   /* the commit's first record */
	uint32_t owed[WD_KINDS];   /* CRTCs (bit = index) that owe each completion */
	uint32_t done[WD_KINDS];   /* CRTCs whose completion came */
	uint8_t done_kinds;	   /* completions that came on any CRTC (bit = enum wd_kind) */
	bool per_crtc;		   /* a CRTC_STATE record said what is owed */
	bool setup_done;	   /* setup_commit returned 0 (the fallback's trigger) */
	bool reported;
	uint16_t commit_flags;
	int32_t minor;
	uint32_t pid, tid;	   /* who began the commit */
};

struct kmst_watchdog {
	uint64_t bound_ns;
	uint64_t next_check_ns;
	unsigned long long untracked; /* commits left out: their slot held an older one still owing */
	kmst_watchdog_lost_fn lost_fn;
	void *lost_ctx;
	unsigned long long lost_seen; /* the losses at the last query */
	uint64_t clean_since_ns;      /* no record was lost from then to the last query */
	unsigned long long blinded;   /* commits not judged: records were lost while they ran */
	struct wd_commit commits[WD_SLOTS];
};

int kmst_watchdog_parse_bound(const char *text, uint64_t *bound_ns)
{
	char *end;
	double seconds = strtod(text, &end);

	if (!*text || *end || !(seconds == 0 ||
				(seconds >= KMST_WATCHDOG_MIN_S && seconds <= KMST_WATCHDOG_MAX_S))) {
		kmst_err("--stall-timeout: expected seconds from %g to %d, or 0 for no watchdog; got '%s'",
			 KMST_WATCHDOG_MIN_S, KMST_WATCHDOG_MAX_S, text);
		return -1;
	}
	*bound_ns = (uint64_t)(seconds * 1e9);
	return 0;
}

struct kmst_watchdog *kmst_watchdog_new(uint64_t bound_ns)
{
	struct kmst_watchdog *wd = calloc(1, sizeof(*wd));

	if (!wd) {
		kmst_err("failed to allocate the stall watchdog: %s", strerror(errno));
		return NULL;
	}
	wd->bound_ns = bound_ns;
	return wd;
}

void kmst_watchdog_set_loss_source(struct kmst_watchdog *wd, kmst_watchdog_lost_fn fn, void *ctx)
{
	wd->lost_fn = fn;
	wd->lost_ctx = ctx;
	kmst_watchdog_sync_losses(wd);
}

void kmst_watchdog_sync_losses(struct kmst_watchdog *wd)
{
	unsigned long long lost;

	if (!wd->lost_fn || wd->lost_fn(wd->lost_ctx, &lost))
		return;
	wd->lost_seen = lost;
	wd->clean_since_ns = kmst_monotonic_ns();
}

/*
 * Whether records may have been lost while C was in flight. The losses
 * are counted as they happen, so a count that grew since the last query
 * means a loss some time before now: every commit that began before now
 * may have lost one. Queried only for a commit about to be called stalled.
 */
static bool maybe_lost(struct kmst_watchdog *wd, const struct wd_commit *c, uint64_t now)
{
	unsigned long long lost;

	if (!wd->lost_fn)
		return false;
	/* Cannot tell: judge it as if nothing was lost; a stall must never go unsaid. */
	if (wd->lost_fn(wd->lost_ctx, &lost))
		return false;
	if (lost != wd->lost_seen) {
		wd->lost_seen = lost;
		wd->clean_since_ns = now;
	}
	return c->first_ns < wd->clean_since_ns;
}

void kmst_watchdog_free(struct kmst_watchdog *wd)
{
	if (wd && wd->blinded)
		kmst_info("stall watchdog: %llu commits were not judged for stalls: records were lost while they were in flight",
			  wd->blinded);
	if (wd && wd->untracked)
		kmst_debug("stall watchdog: %llu commits not followed (their slot held an older commit still owing)",
			   wd->untracked);
	free(wd);
}

uint64_t kmst_watchdog_bound_ns(const struct kmst_watchdog *wd)
{
	return wd->bound_ns;
}

static uint32_t crtc_bit(int crtc)
{
	return crtc >= 0 && crtc < 32 ? 1u << crtc : 0;
}

/* The first completion C still owes, in the order a tail reaches them; 0 if none. */
static unsigned int missing_completion(const struct wd_commit *c, int *crtc)
{
	unsigned int kind;

	for (kind = 0; kind < WD_KINDS; kind++) {
		uint32_t pending = c->owed[kind] & ~c->done[kind];

		if (c->per_crtc && pending) {
			*crtc = __builtin_ctz(pending);
			return wd_kind_type[kind];
		}
		if (!c->per_crtc && c->setup_done && kind != WD_FLIP_DONE &&
		    !(c->done_kinds & (1u << kind))) {
			*crtc = -1;
			return wd_kind_type[kind];
		}
	}
	return 0;
}

static void complete(struct wd_commit *c, enum wd_kind kind, int crtc)
{
	c->done[kind] |= crtc_bit(crtc);
	c->done_kinds |= 1u << kind;
}

void kmst_watchdog_feed(struct kmst_watchdog *wd, const struct kmst_event *ev)
{
	struct wd_commit *c;
	int crtc;

	if (!ev->commit_id || ev->source == KMST_SRC_USER)
		return;
	c = &wd->commits[ev->commit_id % WD_SLOTS];
	if (c->commit_id != ev->commit_id) {
		if (ev->type == KMST_EV_STATE_FREE)
			return;
		/* Keep the older one if it still owes: it is the one that may be stuck. */
		if (c->commit_id && missing_completion(c, &crtc)) {
			wd->untracked++;
			return;
		}
		memset(c, 0, sizeof(*c));
		c->commit_id = ev->commit_id;
		c->first_ns = ev->ts_ns;
		c->minor = ev->minor;
		c->pid = ev->pid;
		c->tid = ev->tid;
	}
	c->commit_flags |= ev->commit_flags;
	switch (ev->type) {
	case KMST_EV_CRTC_STATE:
		if (!crtc_bit(ev->crtc))
			break;
		c->per_crtc = true;
		c->owed[WD_HW_DONE] |= crtc_bit(ev->crtc);
		c->owed[WD_CLEANUP_DONE] |= crtc_bit(ev->crtc);
		if ((ev->aux & 0xffff) & KMST_CS_EVENT)
			c->owed[WD_FLIP_DONE] |= crtc_bit(ev->crtc);
		break;
	case KMST_EV_SETUP_COMMIT:
		if (ev->phase == KMST_PH_EXIT && ev->ret == 0)
			c->setup_done = true;
		break;
	case KMST_EV_HW_DONE_COMPLETE:
		complete(c, WD_HW_DONE, ev->crtc);
		break;
	case KMST_EV_FLIP_DONE_COMPLETE:
	case KMST_EV_SEND_VBLANK_EVENT:
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		complete(c, WD_FLIP_DONE, ev->crtc);
		break;
	case KMST_EV_CLEANUP_DONE_COMPLETE:
		complete(c, WD_CLEANUP_DONE, ev->crtc);
		break;
	case KMST_EV_STATE_FREE:
		c->commit_id = 0;
		break;
	default:
		break;
	}
}

bool kmst_watchdog_busy(const struct kmst_watchdog *wd)
{
	unsigned int slot;
	int crtc;

	for (slot = 0; slot < WD_SLOTS; slot++) {
		const struct wd_commit *c = &wd->commits[slot];

		if (c->commit_id && !c->reported && missing_completion(c, &crtc))
			return true;
	}
	return false;
}

int kmst_watchdog_poll(struct kmst_watchdog *wd, struct kmst_writer *w)
{
	uint64_t now = kmst_monotonic_ns();
	unsigned int slot, type;
	int written = 0, crtc;

	if (now < wd->next_check_ns)
		return 0;
	wd->next_check_ns = now + KMST_WATCHDOG_CHECK_MS * 1000000ull;
	for (slot = 0; slot < WD_SLOTS; slot++) {
		struct wd_commit *c = &wd->commits[slot];
		struct kmst_event ev = { 0 };

		if (!c->commit_id || c->reported || now - c->first_ns < wd->bound_ns)
			continue;
		type = missing_completion(c, &crtc);
		if (!type)
			continue;
		c->reported = true;
		if (maybe_lost(wd, c, now)) {
			wd->blinded++;
			continue;
		}
		ev.ts_ns = now;
		ev.type = KMST_EV_STALL;
		ev.size = sizeof(ev);
		ev.phase = KMST_PH_POINT;
		ev.source = KMST_SRC_USER;
		ev.pid = c->pid;
		ev.tid = c->tid;
		ev.commit_id = c->commit_id;
		ev.minor = c->minor;
		ev.crtc = (int16_t)crtc;
		ev.plane = ev.connector = -1;
		ev.commit_flags = c->commit_flags;
		ev.aux = type;
		ev.arg0 = now - c->first_ns;
		if (w && kmst_writer_append(w, &ev))
			return -EIO;
		if (crtc >= 0)
			kmst_err("stall: commit %u has no %s on CRTC %d after %.1f s", c->commit_id,
				 kmst_event_type_name(type), crtc, ev.arg0 / 1e9);
		else
			kmst_err("stall: commit %u has no %s after %.1f s", c->commit_id,
				 kmst_event_type_name(type), ev.arg0 / 1e9);
		written++;
	}
	return written;
}
