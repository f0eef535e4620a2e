// SPDX-License-Identifier: GPL-2.0
#include "trace/vblank.h"

uint64_t kmst_vblank_driver_ts(const struct kmst_event *ev)
{
	if (ev->aux == KMST_HOST_LATENESS_UNKNOWN || ev->aux > ev->ts_ns)
		return ev->ts_ns;
	return ev->ts_ns - ev->aux;
}
