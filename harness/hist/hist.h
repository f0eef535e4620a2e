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

#include "kmstrace_tracer.h"

struct kmst_hist_entry {
	struct kmst_hist_key key;
	struct kmst_hist hist;
	unsigned long long *samples_ns; /* every value, when the set keeps them (plots) */
	unsigned int sample_count, sample_cap;
};

struct kmst_hist_set {
	struct kmst_hist_entry *entries;
	size_t count, cap;
	bool keep_samples; /* set before filling from a trace: keep each value, not only the slots */
};

/* The histogram of (kind, minor, crtc), created empty if new; NULL on ENOMEM. */
struct kmst_hist *kmst_hist_set_get(struct kmst_hist_set *set, unsigned int kind, int minor, int crtc);
void kmst_hist_set_free(struct kmst_hist_set *set);

/* Count one value of NS nanoseconds (nominal_ns: centre of the linear slots, or 0). */
void kmst_hist_add(struct kmst_hist *hist, unsigned long long ns, unsigned long long nominal_ns);

/*
 * Fill SET from the events of the trace at PATH: VBLANK intervals from
 * HANDLE_VBLANK, event latency from ARM_VBLANK_EVENT to delivery, flip
 * latency from ATOMIC_IOCTL entry to delivery. Returns 0, or -1 with one
 * line printed. *meta (if not NULL) gets the trace's metadata (free it).
 */
int kmst_hist_set_from_trace(struct kmst_hist_set *set, const char *path, char **meta);

/* Every histogram in SET, sorted by card, CRTC and kind. */
void kmst_hist_print(FILE *out, struct kmst_hist_set *set, bool json);

#endif
