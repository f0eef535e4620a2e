/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() that stamps every
 * trace record: user-space timestamps and deadlines are read from it so
 * they compare with the kernel's.
 */
#ifndef KMST_COMMON_CLOCK_H
#define KMST_COMMON_CLOCK_H

#include <stdint.h>

/* Now, in ns. */
uint64_t kmst_monotonic_ns(void);

/* Now, in seconds. */
double kmst_monotonic_s(void);

#endif
