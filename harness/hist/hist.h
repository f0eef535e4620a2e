/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VBLANK interval and latency histograms: filled in the kernel
 * (bpf/commit.bpf.c) or from a trace's events, with the same buckets
 * (bpf/kmstrace_tracer.h), and printed by the one printer below in the
 * style of bcc's log2 tables, or as JSON.
 */
#ifndef KMSTRACE_HIST_H
#define KMSTRACE_HIST_H

#include <stdbool.h>
#include <stdio.h>

#include "common/id_index.h"
#include "kmstrace_event.h"
#include "kmstrace_tracer.h"

/* One value, as kept when the set keeps samples. */
struct kmst_hist_sample {
	unsigned long long ns;
	unsigned long long nominal_ns; /* the frame it was measured against (VBLANK intervals), or 0 */
};

struct kmst_hist_entry {
	struct kmst_hist_key key;
	struct kmst_hist hist;
	struct kmst_hist_sample *samples; /* every value, when the set keeps them (plots, diff) */
	unsigned int sample_count, sample_cap;
};

struct kmst_hist_set {
	struct kmst_hist_entry *entries;
	size_t count, cap;
	bool keep_samples; /* set before filling from a trace: keep each value, not only the slots */
};

/* A kind's id in JSON and reports ("vblank_interval"), "?" if unknown. */
const char *kmst_hist_kind_name(unsigned int kind);

/* The histogram of (kind, minor, crtc), created empty if new; NULL on ENOMEM. */
struct kmst_hist *kmst_hist_set_get(struct kmst_hist_set *set, unsigned int kind, int minor, int crtc);
void kmst_hist_set_free(struct kmst_hist_set *set);

/* Count one value of NS nanoseconds (nominal_ns: centre of the linear slots, or 0). */
void kmst_hist_add(struct kmst_hist *hist, unsigned long long ns, unsigned long long nominal_ns);

/* The last VBLANK of one CRTC, to measure the next interval from. */
struct kmst_hist_vblank_last {
	int minor, crtc;
	unsigned long long ts, seq;
};

#define KMST_HIST_VBLANK_CRTCS (KMST_DISC_DEVS * KMST_DISC_CRTCS)

/*
 * Fills a set from a trace's events, one at a time: every command that
 * reads a trace for more than its histograms (diff) measures the values
 * exactly as `hist` does. Per-commit times are indexed by the commit's
 * place among the trace's commits (ids), not by its id.
 */
struct kmst_hist_builder {
	struct kmst_hist_set *set;
	unsigned long long *ioctl_ts;	/* the commit's atomic ioctl (or its state's birth) */
	unsigned long long *arm_ts;	/* its event armed */
	size_t times_cap;
	struct kmst_id_index ids;
	struct kmst_hist_vblank_last last[KMST_HIST_VBLANK_CRTCS];
	size_t nlast;
};

void kmst_hist_builder_init(struct kmst_hist_builder *b, struct kmst_hist_set *set);
/* Count EV's value, if it ends one; 0, or -1 when out of memory. */
int kmst_hist_builder_feed(struct kmst_hist_builder *b, const struct kmst_event *ev);
void kmst_hist_builder_free(struct kmst_hist_builder *b);

/*
 * Fill SET from the events of the trace at PATH: VBLANK intervals from
 * HANDLE_VBLANK (between the instants the driver meant: the host's
 * lateness taken out, kmst_vblank_driver_ts()), event latency from ARM_VBLANK_EVENT to delivery, flip
 * latency from ATOMIC_IOCTL entry to delivery. Returns 0, or -1 with one
 * line printed. *meta (if not NULL) gets the trace's metadata (free it).
 */
int kmst_hist_set_from_trace(struct kmst_hist_set *set, const char *path, char **meta);

/* Every histogram in SET, sorted by card, CRTC and kind. */
void kmst_hist_print(FILE *out, struct kmst_hist_set *set, bool json);

#endif
