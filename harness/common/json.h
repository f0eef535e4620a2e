/* SPDX-License-Identifier: GPL-2.0 */
/* The one JSON string writer: every command's -j output quotes through it. */
#ifndef KMSTRACE_JSON_H
#define KMSTRACE_JSON_H

#include <stdio.h>

/* S as a JSON string, quotes included; control characters escaped. */
void kmst_json_string(FILE *out, const char *s);

#endif
