/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The REPLAY_COMMIT record that replay and fuzz write beside the tracer's
 * records: one commit a tool issued, its result and the result expected.
 */
#ifndef KMSTRACE_REPLAY_RECORD_H
#define KMSTRACE_REPLAY_RECORD_H

#include <stdint.h>

#include "kmstrace_event.h"

struct kmst_replay_result {
	uint32_t drm_flags;	/* the ioctl's DRM_MODE_ATOMIC_* and PAGE_FLIP_EVENT */
	int expected, got;	/* errno, 0 for ok */
	uint32_t line;		/* the sequence's line (fuzz: the case number) */
	uint32_t ordinal;	/* the commit's place in the run */
	uint32_t commit_id;	/* the traced commit it matched, 0 if none */
	uint32_t tid;		/* the issuing thread */
	int minor;		/* the card */
};

/* Fill EV with a REPLAY_COMMIT record for R, stamped now (CLOCK_MONOTONIC, as bpf_ktime_get_ns). */
void kmst_replay_record(struct kmst_event *ev, const struct kmst_replay_result *r);

#endif
