/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader library: opens, configures, attaches and drains the CO-RE
 * tracers of bpf/ (commit path, VBLANK timing, ioctl recorder). `kmstrace
 * record`, `kmstrace replay` and the benchmarks all go through this API.
 *
 * Life cycle, in a straight line:
 *
 *	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
 *	t = kmst_tracer_open(&opts);         discover devices, decide modes, load
 *	kmst_tracer_attach(t);               attach every program
 *	kmst_writer_open(&w, path, kmst_tracer_meta(t));
 *	while (running)
 *		kmst_tracer_poll(t, &w, 100);
 *	kmst_tracer_drain(t, &w);            whatever is left in the ring buffer
 *	kmst_tracer_drops(t, drops);
 *	kmst_tracer_missed_runs(t, &missed, true);
 *	kmst_writer_close(&w, drops, missed);
 *	kmst_tracer_close(t);
 *
 * Every failure prints one line (through log.h) naming the function, the
 * kernel release and the fallback tried, and returns NULL / a negative errno.
 */
#ifndef KMSTRACE_TRACER_H
#define KMSTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmstrace_event.h"
#include "trace/level.h"
#include "trace/tracefile.h"

/* Called for every record drained, before it is written (may be NULL). */
typedef int (*kmst_tracer_event_fn)(void *ctx, const struct kmst_event *ev);

struct kmst_watchdog;

struct kmst_tracer_opts {
	int pid;		  /* trace only commits/ioctls of this tgid; 0 = any */
	const char *comm;	  /* ... of tasks with this comm; NULL = any */
	int minor;		  /* only DRM minor N (cardN); -1 = any */
	bool force_kprobe;	  /* kprobe/kretprobe for every function, no fentry */
	unsigned long ringbuf_size; /* bytes, power of two >= 4096; 0 = default (4 MiB) */
	bool no_recorder;	  /* do not copy ioctl arguments (KMST_EV_REC_*) */
	enum kmst_trace_level level; /* KMST_TRACER_OPTS_INIT: KMST_LEVEL_RULES */
	kmst_tracer_event_fn on_event; /* sees each record drained by poll/drain */
	void *on_event_ctx;
	struct kmst_watchdog *watchdog; /* fed each record drained (watchdog.h); NULL = none */
};

#define KMST_TRACER_OPTS_INIT { .minor = -1, .level = KMST_LEVEL_RULES }

struct kmst_tracer;

/*
 * Find the DRM devices and their drivers' callbacks, decide fentry or
 * kprobe per function, and load the programs. NULL on failure (one line
 * printed).
 */
struct kmst_tracer *kmst_tracer_open(const struct kmst_tracer_opts *opts);

/*
 * Attach every program. An optional function that cannot be attached is
 * listed as `missing=` (and logged once with kmst_info); a required one
 * makes this fail. Returns 0 or a negative errno.
 */
int kmst_tracer_attach(struct kmst_tracer *t);

/*
 * The trace metadata, valid until kmst_tracer_close: `kernel=`, `driver=`,
 * `device=`, `minor=`, one `prog=NAME MODE` per attached program, one
 * `missing=NAME REASON` per function left out, and one `trait=cardN WHAT`
 * per driver trait (e.g. `trait=card0 no-vblank`), newline-terminated
 * lines. Callers append their own keys (tool=...) before writing.
 */
const char *kmst_tracer_meta(const struct kmst_tracer *t);

/*
 * Wait up to timeout_ms for records and write them to W (may be NULL:
 * then only on_event sees them). Returns the number of records handled,
 * 0 on timeout, or a negative errno (-EINTR when a signal interrupted the
 * wait, which is not an error).
 */
int kmst_tracer_poll(struct kmst_tracer *t, struct kmst_writer *w, int timeout_ms);

/* Handle everything still in the ring buffer without waiting. */
int kmst_tracer_drain(struct kmst_tracer *t, struct kmst_writer *w);

/*
 * Drain until the exit record of thread TID's atomic ioctl that carried
 * USER_DATA has been handled (now or by an earlier poll), waiting up to
 * timeout_ms. The ring buffer hands records out in the order they were
 * reserved, so one still being written on another CPU holds back the
 * ioctl's own: a caller that writes a record about the ioctl right after
 * it returned (replay's REPLAY_COMMIT) calls this first, or the record
 * lands ahead of the ioctl's and cannot name its commit. Each exit is
 * taken once. Returns 1, 0 on timeout (the exit was lost or never
 * traced), or a negative errno.
 */
#define KMST_TRACER_SYNC_MS 250 /* callers' bound: far above a TCG guest's stalls */
int kmst_tracer_sync_ioctl(struct kmst_tracer *t, struct kmst_writer *w, uint32_t tid,
			   uint64_t user_data, int timeout_ms);

/*
 * A descriptor that polls readable when records wait, for callers that
 * wait on other descriptors too. Wakeups are batched: drain on a timeout
 * as well.
 */
int kmst_tracer_fd(const struct kmst_tracer *t);

/*
 * Ring buffer reserve failures so far, per event type (KMST_EV_MAX
 * entries, summed over CPUs). Returns the total.
 */
unsigned long long kmst_tracer_drops(const struct kmst_tracer *t,
				     unsigned long long drops[KMST_EV_MAX]);

/*
 * Runs of the tracer's programs that the kernel skipped so far, summed over
 * every loaded program (bpf_prog_info.recursion_misses): records lost
 * without a ring-buffer drop (struct kmst_end_record's missed_runs).
 * With SAY, when there are any, one line names each program's hook and its
 * count.
 * 0 and *MISSED set, or a negative errno.
 */
int kmst_tracer_missed_runs(const struct kmst_tracer *t, unsigned long long *missed, bool say);

/*
 * The last commit id handed out so far. A trace that starts after a drain
 * writes it as `commit_base=N`: commits up to N began before the trace.
 */
uint32_t kmst_tracer_commit_base(const struct kmst_tracer *t);

/* The in-kernel histograms (see hist.h); kinds are enum kmst_hist_kind. */
struct kmst_hist_set;
int kmst_tracer_read_hists(const struct kmst_tracer *t, struct kmst_hist_set *set);

/*
 * One loaded program's run statistics (kernel.bpf_stats_enabled, or a
 * bpf_enable_stats() descriptor held open): what it hooks and how, how many
 * times it ran and the time it ran for, from the kernel's bpf_prog_info.
 * The counts only grow while statistics are enabled.
 */
struct kmst_prog_stat {
	char hook[128];	/* the traced function or tracepoint */
	const char *kind; /* "fentry", "fexit", "kprobe", "kretprobe" or "raw_tp" */
	unsigned long long run_cnt, run_time_ns;
};

/*
 * Fill up to MAX entries, one per program loaded, in a stable order (the
 * same program at the same index on every call of one tracer). Returns the
 * count or a negative errno.
 */
int kmst_tracer_prog_stats(const struct kmst_tracer *t, struct kmst_prog_stat *stats, int max);

/* Detach and free everything. NULL is allowed. */
void kmst_tracer_close(struct kmst_tracer *t);

#endif
