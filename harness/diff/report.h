/* SPDX-License-Identifier: GPL-2.0 */
/* diff's result as text, JSON or JUnit XML (check's -f names, without tap). */
#ifndef KMSTRACE_DIFF_REPORT_H
#define KMSTRACE_DIFF_REPORT_H

#include <stdio.h>

#include "check/report.h"
#include "diff/diff.h"

/*
 * Print RES in FORMAT (KMST_REPORT_TEXT, _JSON or _JUNIT). Text ends with
 * one verdict line, "SAME: ..." or "REGRESSION: ...".
 */
void kmst_diff_report(FILE *out, enum kmst_report_format format, const struct kmst_diff_result *res,
		      const struct kmst_diff_opts *opts);

#endif
