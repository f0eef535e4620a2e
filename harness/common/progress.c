// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"

/* Back to column 0, erase to the end of the line. */
#define ERASE_LINE "\r\033[K"

void kmst_progress_init(struct kmst_progress *p)
{
	p->on = isatty(STDERR_FILENO) && !kmst_log_quiet();
	p->shown = false;
}

void kmst_progress_show(struct kmst_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->on)
		return;
	fputs(ERASE_LINE "kmstrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	p->shown = true;
}

void kmst_progress_clear(struct kmst_progress *p)
{
	if (!p->shown)
		return;
	fputs(ERASE_LINE, stderr);
	fflush(stderr);
	p->shown = false;
}
