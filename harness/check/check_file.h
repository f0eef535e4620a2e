/* SPDX-License-Identifier: GPL-2.0 */
/* Run the checker over one trace file and print the report (check and replay share it). */
#ifndef KMSTRACE_CHECK_FILE_H
#define KMSTRACE_CHECK_FILE_H

#include <stdio.h>

#include "check/check.h"
#include "check/report.h"

/*
 * Stream TRACE through the checker and print the report to OUT. Returns
 * the exit code of the verdict (common/exit.h): OK for PASS, VIOLATIONS
 * for FAIL (a violation, or a replay result that differs from the
 * sequence), INCOMPLETE when an applicable rule could not be judged or
 * events were dropped, BAD_INPUT for an unreadable or truncated trace.
 */
int kmst_check_file(const char *trace, const struct kmst_check_opts *opts,
		    enum kmst_report_format format, const char *seq_path, FILE *out);

#endif
