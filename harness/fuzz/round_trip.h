/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The promise of kmst_seq_write() (seq/seq.h), checked on every sequence a
 * target builds: its canonical text parses back, and prints the same text
 * again. A sequence that `seq --parse` or `kmstrace seq` prints and replay
 * then refuses is a bug, so a break aborts like a crash.
 */
#ifndef KMSTRACE_FUZZ_ROUND_TRIP_H
#define KMSTRACE_FUZZ_ROUND_TRIP_H

#include "seq/seq.h"

void kmst_fuzz_seq_round_trip(const struct kmst_seq *seq);

#endif
