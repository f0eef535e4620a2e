// SPDX-License-Identifier: GPL-2.0
/* The fuzz loop: build, snapshot, issue, judge, read back, watch the kernel log. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"
#include "afuzz/trace.h"
#include "check/check_file.h"
#include "common/clock.h"
#include "common/exit.h"
#include "common/log.h"
#include "common/path.h"
#include "common/progress.h"

#define MAX_REPRODUCERS 20
#define LOG_EVERY_S 60.0

/* State the loop carries; one per run, on the stack of kmst_afuzz_run. */
struct fuzz_run {
	const struct kmst_afuzz_opts *opts;
	struct kmst_afuzz_stats *stats;
	struct kmst_afuzz_dev dev;
	struct kmst_afuzz_kmsg kmsg;
	struct kmst_afuzz_snapshot before, after;
	struct kmst_progress progress;
	struct kmst_afuzz_trace trace;	/* --trace */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void finding(struct fuzz_run *r, const struct kmst_afuzz_case *c, int got, const char *what)
{
	char path[4096];

	kmst_progress_clear(&r->progress);
	kmst_err("case %llu (seed %llu, %s): %s", c->number, (unsigned long long)c->seed,
		 kmst_afuzz_rule(c->mutation)->name, what);
	if (r->stats->reproducers >= MAX_REPRODUCERS)
		return;
	snprintf(path, sizeof(path), "%s/fuzz-%llu-%llu.seq", r->opts->out_dir ? r->opts->out_dir : ".",
		 (unsigned long long)c->seed, c->number);
	if (!kmst_afuzz_repro_write(&r->dev, c, got, what, path)) {
		r->stats->reproducers++;
		kmst_err("case %llu: reproducer %s", c->number, path);
	}
}

/* After rmfb of the fb on screen, the primary plane must have let go of it. */
static bool fb_released(struct fuzz_run *r, const struct kmst_afuzz_case *c, char *why, size_t len)
{
	const struct kmst_afuzz_pipe *pipe = &r->dev.pipes[c->pipe];
	const struct kmst_afuzz_prop *fb_prop = kmst_afuzz_find_prop(pipe->primary, "FB_ID");
	unsigned int i;

	if (kmst_afuzz_snapshot_take(&r->dev, &r->after))
		return true;
	for (i = 0; fb_prop && i < r->after.count; i++)
		if (r->after.obj_id[i] == pipe->primary->id && r->after.prop_id[i] == fb_prop->id &&
		    r->after.value[i] != 0) {
			snprintf(why, len, "FB_ID still %llu after its fb was removed",
				 (unsigned long long)r->after.value[i]);
			return false;
		}
	return true;
}

/* The errno the table wants for C: GOT when allowed, else the first allowed. */
static int expected_errno(const struct kmst_afuzz_case *c, int got)
{
	static const int errnos[] = { 0, EINVAL, ENOENT, EBUSY, ENOSPC, ERANGE, ENXIO };
	bool nonblock = c->flags & DRM_MODE_ATOMIC_NONBLOCK;
	unsigned int i;

	if (kmst_afuzz_errno_allowed(c->mutation, nonblock, got))
		return got;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (kmst_afuzz_errno_allowed(c->mutation, nonblock, errnos[i]))
			return errnos[i];
	return 0;
}

static int run_case(struct fuzz_run *r, unsigned long long number)
{
	struct kmst_afuzz_stats *st = r->stats;
	struct kmst_afuzz_case c;
	bool nonblock, readback;
	char why[320], allowed[64];
	unsigned int splats;
	int got, err;

	kmst_afuzz_drain_events(&r->dev, 0);
	err = kmst_afuzz_case_build(&r->dev, r->opts->seed, number, &c);
	if (err) {
		kmst_err("%s: case %llu: cannot create its blob or framebuffer: %s", r->dev.path, number,
			 strerror(-err));
		kmst_afuzz_case_release(&r->dev, &c);
		return err;
	}
	err = kmst_afuzz_snapshot_take(&r->dev, &r->before);
	if (err) {
		kmst_err("%s: cannot read the properties back: %s", r->dev.path, strerror(-err));
		kmst_afuzz_case_release(&r->dev, &c);
		return err;
	}
	got = kmst_afuzz_case_issue(&r->dev, &c);
	st->cases++;
	st->by_mutation[c.mutation]++;
	st->commits += c.storm ? c.storm : 1;
	if (got)
		st->rejected++;
	nonblock = c.flags & DRM_MODE_ATOMIC_NONBLOCK;
	if (!kmst_afuzz_errno_allowed(c.mutation, nonblock, got)) {
		st->mismatches++;
		kmst_afuzz_allowed_text(kmst_afuzz_rule(c.mutation)->allowed, allowed, sizeof(allowed));
		snprintf(why, sizeof(why), "%s: got %s, the uAPI allows %s%s", c.what,
			 got ? strerrorname_np(got) : "ok", allowed, nonblock ? " (or EBUSY)" : "");
		finding(r, &c, got, why);
	}
	if (kmst_afuzz_trace_case(&r->trace, &c, got, expected_errno(&c, got))) {
		kmst_afuzz_case_release(&r->dev, &c);
		return -EIO;
	}
	/* A rejected commit, and an accepted TEST_ONLY one, change nothing. */
	readback = c.mutation != KMST_MUT_NONBLOCK_STORM && c.mutation != KMST_MUT_RMFB_IN_USE &&
		   (got || ((c.flags & DRM_MODE_ATOMIC_TEST_ONLY) && c.mutation < KMST_MUT_LEGACY_SETCRTC));
	if (readback) {
		err = kmst_afuzz_snapshot_take(&r->dev, &r->after);
		if (!err && kmst_afuzz_snapshot_differs(&r->dev, &r->before, &r->after, why, sizeof(why))) {
			char what[400];

			st->state_changed++;
			snprintf(what, sizeof(what), "%s %s, yet the state changed: %s",
				 got ? "rejected" : "TEST_ONLY accepted", got ? strerrorname_np(got) : "",
				 why);
			finding(r, &c, got, what);
		}
	}
	if (c.mutation == KMST_MUT_RMFB_IN_USE && !got) {
		if (!fb_released(r, &c, why, sizeof(why))) {
			st->state_changed++;
			finding(r, &c, got, why);
		}
		/* Removing the primary's fb turned the CRTC off: light it again. */
		kmst_afuzz_drain_events(&r->dev, 100);
		if (kmst_afuzz_dev_modeset(&r->dev)) {
			kmst_afuzz_case_release(&r->dev, &c);
			return -EIO;
		}
	}
	splats = kmst_afuzz_kmsg_poll(&r->kmsg);
	if (splats) {
		snprintf(why, sizeof(why), "kernel splat: %s", r->kmsg.first);
		finding(r, &c, got, why);
	}
	kmst_afuzz_case_release(&r->dev, &c);
	return 0;
}

int kmst_afuzz_run(const struct kmst_afuzz_opts *opts, struct kmst_afuzz_stats *stats)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double start, last_shown = 0, last_logged, now;
	unsigned long long n;
	struct fuzz_run *r;
	int ret = KMST_EXIT_BAD_INPUT;

	memset(stats, 0, sizeof(*stats));
	r = calloc(1, sizeof(*r)); /* two snapshots: too big for the stack */
	if (!r) {
		kmst_err("failed to allocate the fuzzer state: %s", strerror(errno));
		return KMST_EXIT_BAD_INPUT;
	}
	r->opts = opts;
	r->stats = stats;
	if (opts->out_dir && kmst_mkdir_p(opts->out_dir))
		goto out_free;
	if (kmst_afuzz_dev_open(&r->dev, opts->device, opts->driver))
		goto out_dev;
	snprintf(stats->device, sizeof(stats->device), "%s", r->dev.path);
	snprintf(stats->driver, sizeof(stats->driver), "%s", r->dev.driver);
	if (kmst_afuzz_dev_modeset(&r->dev))
		goto out_dev;
	if (opts->trace_path && kmst_afuzz_trace_start(&r->trace, &r->dev, opts->seed, opts->trace_path))
		goto out_dev;
	kmst_afuzz_kmsg_open(&r->kmsg);
	stats->kmsg_readable = r->kmsg.fd >= 0;
	if (!stats->kmsg_readable)
		kmst_info("/dev/kmsg: not readable (%s): kernel splats are not counted", strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	kmst_progress_init(&r->progress);
	start = kmst_monotonic_s();
	last_logged = start;
	for (n = 0; !stop_requested; n++) {
		unsigned long long number = opts->only_case >= 0 ? (unsigned long long)opts->only_case : n;

		if (opts->only_case >= 0 ? n == 1 : opts->count ? n >= opts->count : kmst_monotonic_s() - start >= opts->seconds)
			break;
		if (run_case(r, number))
			goto out_kmsg;
		now = kmst_monotonic_s();
		if (now - last_shown >= 0.5) {
			last_shown = now;
			kmst_progress_show(&r->progress,
					   "fuzz %s: %llu cases, %.0f/s, %llu errno mismatches, %llu state changes, %s, %llu splats",
					   r->dev.driver, stats->cases, stats->cases / (now - start + 1e-9),
					   stats->mismatches, stats->state_changed,
					   opts->trace_path ? "violations checked at the end" : "0 violations (no --trace)",
					   r->kmsg.splats);
		}
		/*
		 * A log (CI, make reliability) gets no progress line; one plain
		 * line a minute shows a long run's rate and that it moves.
		 */
		if (!r->progress.on && now - last_logged >= LOG_EVERY_S) {
			last_logged = now;
			kmst_info("fuzz %s: %llu cases in %.0f s, %.1f/s, %llu errno mismatches, %llu state changes, %llu splats",
				  r->dev.driver, stats->cases, now - start, stats->cases / (now - start),
				  stats->mismatches, stats->state_changed, r->kmsg.splats);
		}
	}
	kmst_afuzz_drain_events(&r->dev, 200);
	/* Splats that came late (a worker's WARN after the last ioctl). */
	kmst_afuzz_kmsg_poll(&r->kmsg);
	ret = stats->mismatches || stats->state_changed || r->kmsg.splats ? KMST_EXIT_VIOLATIONS : KMST_EXIT_OK;
	if (opts->trace_path) {
		int verdict;

		if (kmst_afuzz_trace_finish(&r->trace)) {
			ret = KMST_EXIT_BAD_INPUT;
			goto out_kmsg;
		}
		kmst_progress_clear(&r->progress);
		/* The checker's report, on stderr: stdout keeps the summary (-j: one object). */
		verdict = kmst_check_file(opts->trace_path, opts->check, KMST_REPORT_TEXT, NULL, stderr);
		stats->traced = true;
		stats->trace_verdict = verdict;
		if (ret == KMST_EXIT_OK || verdict == KMST_EXIT_BAD_INPUT)
			ret = verdict;
	}
out_kmsg:
	kmst_afuzz_trace_finish(&r->trace);
	kmst_progress_clear(&r->progress);
	stats->splats = r->kmsg.splats;
	stats->seconds = kmst_monotonic_s() - start;
	kmst_afuzz_kmsg_close(&r->kmsg);
out_dev:
	kmst_afuzz_dev_close(&r->dev);
out_free:
	free(r);
	return ret;
}
