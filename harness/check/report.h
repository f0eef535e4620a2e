/* SPDX-License-Identifier: GPL-2.0 */
/* Checker results as text, JSON, JUnit XML or TAP. */
#ifndef KMSTRACE_REPORT_H
#define KMSTRACE_REPORT_H

#include <stdio.h>

#include "check/check.h"

enum kmst_report_format {
	KMST_REPORT_TEXT = 0,
	KMST_REPORT_JSON,
	KMST_REPORT_JUNIT,
	KMST_REPORT_TAP,
};

/* "text", "json", "junit", "tap"; -1 if unknown. */
int kmst_report_format_from_name(const char *name);

struct kmst_report_ctx {
	const char *trace;	/* path, named in the report */
	const char *seq_path;	/* the sequence replayed, when known */
	const char *driver;	/* from the trace metadata, may be "" */
	const char *kernel;
};

void kmst_report_print(FILE *out, enum kmst_report_format format,
		       const struct kmst_report_ctx *ctx, const struct kmst_check_result *res);

#endif
