/* SPDX-License-Identifier: GPL-2.0 */
/*
 * window.h - one trace file's share of a tracer that outlives it (replay
 * writes a trace per sequence, fuzz one per run): the tracer's loss
 * counters at the trace's start, and the close that writes only the
 * losses since then into the END record.
 */
#ifndef KMST_TRACER_WINDOW_H
#define KMST_TRACER_WINDOW_H

#include "kmstrace_event.h"
#include "trace/tracefile.h"
#include "tracer/tracer.h"

struct kmst_tracer_window {
	unsigned long long drops[KMST_EV_MAX]; /* kmst_tracer_drops() at the start */
	unsigned long long missed_runs;	       /* kmst_tracer_missed_runs() at the start */
};

/* Take the counters at the start of a trace. 0, or -1 after saying why. */
int kmst_tracer_window_open(const struct kmst_tracer *t, struct kmst_tracer_window *win);

/*
 * Let nonblocking tails, their state frees and the next VBLANKs land
 * (100 ms), drain the ring buffer into W, and close W with the drops and
 * skipped runs since WIN was opened. On a failed drain W is closed without
 * END (incomplete). 0, or -1 after saying why.
 */
int kmst_tracer_window_close(struct kmst_tracer *t, struct kmst_writer *w,
			     const struct kmst_tracer_window *win);

#endif
