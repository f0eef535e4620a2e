/* SPDX-License-Identifier: GPL-2.0 */
/* From a recording (KMST_EV_REC_* records) to a symbolic commit sequence. */
#ifndef KMSTRACE_SEQ_RECORD_H
#define KMSTRACE_SEQ_RECORD_H

#include "seq/seq.h"

/*
 * Read TRACE and build SEQ from its recorder records. Returns 0, or a
 * KMST_EXIT_* code after printing one line naming the trace and the
 * record that could not be converted.
 */
int kmst_seq_from_trace(struct kmst_seq *seq, const char *trace);

#endif
