/* SPDX-License-Identifier: GPL-2.0 */
/* Run the checker over one trace file and print the report (check and replay share it). */
#ifndef KMSTRACE_CHECK_FILE_H
#define KMSTRACE_CHECK_FILE_H

#include <stdio.h>

#include "check/check.h"
#include "check/report.h"

/*
 * Stream TRACE through the checker and print the report to OUT. Returns
 * KMST_EXIT_OK, KMST_EXIT_VIOLATIONS (a violation or a replay result that
 * differs from the sequence), or KMST_EXIT_BAD_INPUT for an unreadable or
 * incomplete trace (no END record, dropped events, missing programs the
 * rules cannot do without), which never passes.
 */
int kmst_check_file(const char *trace, const struct kmst_check_opts *opts,
		    enum kmst_report_format format, const char *seq_path, FILE *out);

#endif
