// SPDX-License-Identifier: GPL-2.0
/* The sequence parser (seq/parse.c) on a .seq file's text, as `seq --parse` and replay read it. */
#include "fuzz/input.h"
#include "fuzz/round_trip.h"
#include "seq/seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmst_seq seq;

	if (kmst_seq_parse(&seq, kmst_fuzz_input_path(data, size)))
		return 0;
	kmst_fuzz_seq_round_trip(&seq);
	kmst_seq_free(&seq);
	return 0;
}
