// SPDX-License-Identifier: GPL-2.0
#include <time.h>

#include "clock.h"

uint64_t kmst_monotonic_ns(void)
{
	struct timespec now;

	/* Cannot fail: CLOCK_MONOTONIC exists and &now is valid. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

double kmst_monotonic_s(void)
{
	return (double)kmst_monotonic_ns() / 1e9;
}
