/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace levels (record/replay --level): what each level traces of each
 * event type. The tracer attaches by it; diff and export read a trace by
 * the level its metadata names (level=, none before the levels: full).
 */
#ifndef KMSTRACE_TRACE_LEVEL_H
#define KMSTRACE_TRACE_LEVEL_H

#include <stdbool.h>

/*
 * RULES, the default: only the hooks and phases the checker's rules read,
 * so fewer programs run per commit; the checker's verdicts are the same at
 * both levels (conformance/vm/test_levels.py). FULL: every hook, entry and
 * exit (the event stream for timelines, diff and debugging).
 */
enum kmst_trace_level {
	KMST_LEVEL_FULL = 0,
	KMST_LEVEL_RULES,
};

/* "full" or "rules". */
const char *kmst_trace_level_name(enum kmst_trace_level level);
/* NAME as a level; false if it is none. */
bool kmst_trace_level_parse(const char *name, enum kmst_trace_level *level);
/* A trace's level from its metadata's level= value ("" before the levels: full). */
enum kmst_trace_level kmst_trace_level_of_meta(const char *value);

/*
 * The KMST_FNF_* flags LEVEL keeps of a function whose events are of TYPE:
 * 0xff (all), its entry flags only, or 0 (the function is not traced).
 */
unsigned int kmst_level_keeps(enum kmst_trace_level level, unsigned int type);
/* Whether calls of TYPE have their exit traced at LEVEL (an entry is then a call, not a point). */
bool kmst_level_traces_exit(enum kmst_trace_level level, unsigned int type);
/* Whether tracepoint TP (its name without the group) is traced at LEVEL. */
bool kmst_tracepoint_at_level(const char *tp, enum kmst_trace_level level);

#endif
