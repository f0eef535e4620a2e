// SPDX-License-Identifier: GPL-2.0
/*
 * `kmstrace seq TRACE`: a recording's REC_* records turned into a sequence
 * (seq/seq_record.c), which must then print and parse back.
 */
#include "fuzz/input.h"
#include "fuzz/round_trip.h"
#include "seq/seq_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmst_seq seq;

	if (kmst_seq_from_trace(&seq, kmst_fuzz_input_path(data, size)))
		return 0;
	kmst_fuzz_seq_round_trip(&seq);
	kmst_seq_free(&seq);
	return 0;
}
