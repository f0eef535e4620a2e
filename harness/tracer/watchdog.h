/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stall watchdog of `kmstrace record` and `kmstrace replay`: a commit
 * that does not reach hw_done, flip_done or cleanup_done within a bound
 * becomes one KMST_EV_STALL record in the trace, and the command stops with
 * a verdict instead of hanging with the driver.
 *
 * The tracer feeds it every record it drains (kmst_tracer_opts.watchdog),
 * in O(1) and without allocating; the elapsed-time check runs from the
 * command's poll loop (kmst_watchdog_poll), at most every
 * KMST_WATCHDOG_CHECK_MS, never per event.
 */
#ifndef KMSTRACE_WATCHDOG_H
#define KMSTRACE_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "kmstrace_event.h"
#include "trace/tracefile.h"

/* DRM's own bound: drm_crtc_commit_wait() and the helpers give up after 10 s. */
#define KMST_WATCHDOG_DEFAULT_S 10
/* --stall-timeout SEC accepts 0 (off) or this range. */
#define KMST_WATCHDOG_MIN_S 0.5
#define KMST_WATCHDOG_MAX_S 3600
#define KMST_WATCHDOG_CHECK_MS 100

struct kmst_watchdog;

/*
 * Parse --stall-timeout's SEC (decimal seconds) into *bound_ns; 0 turns
 * the watchdog off. Prints one line naming the option and returns -1 on a
 * bad value. Both commands parse it here, with the same bounds.
 */
int kmst_watchdog_parse_bound(const char *text, uint64_t *bound_ns);

/* A watchdog with BOUND_NS (> 0). NULL with one line printed if out of memory. */
struct kmst_watchdog *kmst_watchdog_new(uint64_t bound_ns);

/*
 * Where the watchdog learns that records were lost: FN sets *LOST to the
 * records lost so far (ring-buffer drops plus tracer runs the kernel
 * skipped) and returns 0. A commit in flight while records were lost may
 * have lost the very completion it seems to miss: it is not reported as a
 * stall (its trace is INCOMPLETE anyway). FN is only called when a commit
 * has owed a completion for longer than the bound. The tracer sets it
 * (kmst_tracer_open with opts.watchdog).
 */
typedef int (*kmst_watchdog_lost_fn)(void *ctx, unsigned long long *lost);
void kmst_watchdog_set_loss_source(struct kmst_watchdog *wd, kmst_watchdog_lost_fn fn, void *ctx);

/*
 * Take the losses so far as the baseline: commits that begin from now on
 * are judged unless records are lost again. Call it when a new trace
 * starts in the same tracer session (each sequence of a replay).
 */
void kmst_watchdog_sync_losses(struct kmst_watchdog *wd);

/* Follow one record (any type; the ones that are not about a commit are ignored). */
void kmst_watchdog_feed(struct kmst_watchdog *wd, const struct kmst_event *ev);

/*
 * If KMST_WATCHDOG_CHECK_MS passed since the last check: for each commit
 * that has owed a completion for longer than the bound and was not
 * reported before, append one KMST_EV_STALL record to W (may be NULL) and
 * print one line naming the commit and what it misses. Returns how many
 * (0: nothing stuck), or -EIO if W failed.
 */
int kmst_watchdog_poll(struct kmst_watchdog *wd, struct kmst_writer *w);

/* Whether some commit still owes a completion (reported stalls aside). */
bool kmst_watchdog_busy(const struct kmst_watchdog *wd);

uint64_t kmst_watchdog_bound_ns(const struct kmst_watchdog *wd);

/* Prints, when there were any, how many commits lost records could not be judged for. */
void kmst_watchdog_free(struct kmst_watchdog *wd);

#endif
