/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * composer_time.h - the record composer_time.bpf.c sends for each run of a
 * driver's composer work function, read by harness/bench/vkms_compare.c.
 * It is a benchmark's record, never written to a trace file, so it lives
 * beside its one program rather than in kmstrace_event.h (the trace
 * format). Only fixed-size integers: no pointers, no kernel addresses.
 * Bump COMPOSER_TIME_VERSION whenever the layout changes.
 */
#ifndef KMSTRACE_COMPOSER_TIME_H
#define KMSTRACE_COMPOSER_TIME_H

#ifndef __KMST_BPF__
#include <linux/types.h>
#endif

#define COMPOSER_TIME_VERSION 1

/* One composer work call, from its fentry to its fexit. */
struct composer_time_record {
	__u32 version;	   /* COMPOSER_TIME_VERSION */
	__u32 cpu;	   /* where the call returned */
	__u64 start_ns;	   /* bpf_ktime_get_ns() at entry */
	__u64 duration_ns; /* exit - entry, one work run: one composed frame */
};

#endif
