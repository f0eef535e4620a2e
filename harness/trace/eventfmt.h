/* SPDX-License-Identifier: GPL-2.0 */
/* The one text and JSON rendering of an event, used by dump and check. */
#ifndef KMSTRACE_EVENTFMT_H
#define KMSTRACE_EVENTFMT_H

#include <stddef.h>
#include <stdio.h>

#include "kmstrace_event.h"

/* One line of text, no newline: "12.345678901 cpu1 tid 42 COMMIT_PLANES enter commit=3 ...". */
void kmst_event_format(const struct kmst_event *ev, char *buf, size_t len);
/* One JSON object, no newline. */
void kmst_event_print_json(FILE *out, const struct kmst_event *ev);
/* "nonblock|allow_modeset|..." or "-". */
void kmst_commit_flags_format(unsigned int flags, char *buf, size_t len);

#endif
