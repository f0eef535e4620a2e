/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a HANDLE_VBLANK record means in time, read one way by every
 * command: the checker judges VBLANK timing from it, and hist (and diff
 * through hist) measure VBLANK intervals from it.
 */
#ifndef KMSTRACE_TRACE_VBLANK_H
#define KMSTRACE_TRACE_VBLANK_H

#include <stdint.h>

#include "kmstrace_event.h"

/*
 * The instant the driver meant for the VBLANK of HANDLE_VBLANK record EV:
 * its time less how late the host ran the hrtimer that called the handler
 * (the record's aux), so that a slow host (TCG) does not show as the
 * driver's jitter. The record's own time when the lateness is unknown (no
 * hrtimer called it) or larger than the time itself.
 */
uint64_t kmst_vblank_driver_ts(const struct kmst_event *ev);

#endif
