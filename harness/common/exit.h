/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit codes every kmstrace command follows; README.md's table is this
 * one. A verdict that cannot be trusted is never 0.
 */
#ifndef KMSTRACE_EXIT_H
#define KMSTRACE_EXIT_H

enum kmst_exit {
	KMST_EXIT_OK = 0,	  /* done; for check/replay: PASS, every applicable rule judged */
	KMST_EXIT_VIOLATIONS = 1, /* a rule failed, or a replayed commit's result was not expected */
	KMST_EXIT_BAD_INPUT = 2,  /* bad usage or input, or the system refused (privileges, BPF, device,
				   * I/O), or a trace that lost records (dropped events, tracer runs
				   * the kernel skipped): its verdict is INCOMPLETE, never PASS */
	KMST_EXIT_INCOMPLETE = 3, /* nothing lost and no violation, but an applicable rule was not judged */
};

#endif
