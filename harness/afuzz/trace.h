/* SPDX-License-Identifier: GPL-2.0 */
/* kmstrace fuzz --trace: the tracers' records of the run, one REPLAY_COMMIT per case (trace.c). */
#ifndef KMSTRACE_AFUZZ_TRACE_H
#define KMSTRACE_AFUZZ_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "afuzz/afuzz.h"
#include "trace/tracefile.h"
#include "tracer/tracer.h"
#include "tracer/window.h"

struct kmst_afuzz_trace {
	struct kmst_tracer *tracer;
	struct kmst_writer writer;
	bool open;
	char path[4096];
	uint32_t tid;
	int minor;
	struct kmst_tracer_window window; /* the tracer's losses at the start */
};

/* Attach the tracers to DEV's minor and start the trace file PATH. */
int kmst_afuzz_trace_start(struct kmst_afuzz_trace *t, const struct kmst_afuzz_dev *dev, uint64_t seed,
			   const char *path);
/* Drain the records of case C, then its REPLAY_COMMIT (EXPECTED: the errno the table wants). */
int kmst_afuzz_trace_case(struct kmst_afuzz_trace *t, const struct kmst_afuzz_case *c, int got,
			  int expected);
/* Write the rest and the drop counts, detach. */
int kmst_afuzz_trace_finish(struct kmst_afuzz_trace *t);

#endif
