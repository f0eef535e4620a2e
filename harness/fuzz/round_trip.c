// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/input.h"
#include "fuzz/round_trip.h"

/* SEQ's canonical text, malloc'ed; aborts when it cannot be printed. */
static char *seq_text(const struct kmst_seq *seq, size_t *len)
{
	char *text = NULL;
	FILE *mem = open_memstream(&text, len);

	if (!mem || kmst_seq_write(seq, mem) || fclose(mem))
		kmst_fuzz_fail("kmst_seq_write failed");
	return text;
}

void kmst_fuzz_seq_round_trip(const struct kmst_seq *seq)
{
	struct kmst_seq again;
	size_t len, again_len;
	char *text, *again_text;

	text = seq_text(seq, &len);
	if (kmst_seq_parse(&again, kmst_fuzz_input_path((const uint8_t *)text, len)))
		kmst_fuzz_fail("the canonical text does not parse back:\n%s", text);
	again_text = seq_text(&again, &again_len);
	if (again_len != len || memcmp(again_text, text, len))
		kmst_fuzz_fail("the canonical text changed when parsed back:\n%s---\n%s", text, again_text);
	free(again_text);
	free(text);
	kmst_seq_free(&again);
}
