// SPDX-License-Identifier: GPL-2.0
/*
 * The trace reader (trace/tracefile.c) and the checker fed from it, with
 * the report printed and discarded: `kmstrace check FILE` on any bytes.
 */
#include "check/check_file.h"
#include "fuzz/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kmst_check_opts opts = {
		.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
		.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
	};
	/*
	 * The report format follows the length in 8-byte units (a whole trace
	 * is always a multiple of 8), so every format is printed without a
	 * byte of the trace spent on choosing it.
	 */
	enum kmst_report_format format = (enum kmst_report_format)(size / 8 % 4);

	kmst_check_file(kmst_fuzz_input_path(data, size), &opts, format, NULL,
			kmst_fuzz_null_output());
	return 0;
}
