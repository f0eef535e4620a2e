// SPDX-License-Identifier: GPL-2.0
/*
 * `kmstrace diff A B` (diff/) on two fuzzed traces, with the report
 * printed and discarded. The input is a 6-byte header, then A, then B:
 *
 *   byte 0      the report format, % 3 (text, JSON, JUnit)
 *   byte 1      --margin, in percent
 *   bytes 2-5   A's length, little-endian (cut to what follows)
 *
 * and B is the rest; an empty B is A again (a trace diffed with itself).
 * conformance/fuzz/seeds.py writes and splits inputs the same way.
 */
#include "diff/diff.h"
#include "diff/report.h"
#include "fuzz/input.h"

#define DIFF_HEADER 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmst_diff_opts opts = { .alpha = KMST_DIFF_DEFAULT_ALPHA };
	enum kmst_report_format format;
	struct kmst_diff_result res;
	const char *path_a, *path_b;
	size_t a_size, b_size;

	if (size < DIFF_HEADER)
		return 0;
	format = (enum kmst_report_format)(data[0] % 3);
	opts.margin = data[1] / 100.0;
	a_size = (size_t)data[2] | (size_t)data[3] << 8 | (size_t)data[4] << 16 | (size_t)data[5] << 24;
	data += DIFF_HEADER;
	size -= DIFF_HEADER;
	if (a_size > size)
		a_size = size;
	b_size = size - a_size;
	path_a = kmst_fuzz_input_file(0, data, a_size);
	path_b = b_size ? kmst_fuzz_input_file(1, data + a_size, b_size) : path_a;
	if (!kmst_diff_files(path_a, path_b, &opts, &res))
		kmst_diff_report(kmst_fuzz_null_output(), format, &res, &opts);
	kmst_diff_result_free(&res);
	return 0;
}
