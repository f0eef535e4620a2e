/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One progress line on stderr for long runs, redrawn in place. Only when
 * stderr is a terminal (and not -q): a log file or a pipe never sees it.
 * Clear it before printing anything else.
 */
#ifndef KMSTRACE_PROGRESS_H
#define KMSTRACE_PROGRESS_H

#include <stdbool.h>

struct kmst_progress {
	bool on;	/* stderr is a TTY and not quiet */
	bool shown;	/* a line is on the screen now */
};

void kmst_progress_init(struct kmst_progress *p);
/* Replace the line with FMT. */
void kmst_progress_show(struct kmst_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Erase the line, if one is shown. */
void kmst_progress_clear(struct kmst_progress *p);

#endif
