// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace fuzz --trace: the tracers attached for the whole run (the
 * tracer/ and trace/ layers record and replay use), one REPLAY_COMMIT
 * record per case whose "line" is the case number, so the checker
 * (check/check_file.h, run once over the trace at the end) names the case
 * behind every violation, and reports an errno mismatch as an
 * expectation failure of that case.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"
#include "afuzz/trace.h"
#include "common/log.h"
#include "trace/replay_record.h"

int kmst_afuzz_trace_start(struct kmst_afuzz_trace *t, const struct kmst_afuzz_dev *dev, uint64_t seed,
			   const char *path)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct stat st;
	char *meta = NULL;
	int err;

	memset(t, 0, sizeof(*t));
	if (fstat(dev->fd, &st)) {
		kmst_err("%s: cannot stat the device: %s", dev->path, strerror(errno));
		return -1;
	}
	t->minor = (int)minor(st.st_rdev);
	t->tid = (uint32_t)gettid();
	opts.minor = t->minor;
	t->tracer = kmst_tracer_open(&opts);
	if (!t->tracer || kmst_tracer_attach(t->tracer))
		goto err_tracer;
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (kmst_tracer_window_open(t->tracer, &t->window))
		goto err_tracer;
	if (asprintf(&meta, "%stool=fuzz\nseq=fuzz seed %llu, case\ncommit_base=%u\n",
		     kmst_tracer_meta(t->tracer), (unsigned long long)seed,
		     kmst_tracer_commit_base(t->tracer)) < 0)
		goto err_tracer;
	err = kmst_writer_open(&t->writer, path, meta);
	free(meta);
	if (err)
		goto err_tracer;
	t->open = true;
	return 0;
err_tracer:
	kmst_tracer_close(t->tracer);
	t->tracer = NULL;
	return -1;
}

int kmst_afuzz_trace_case(struct kmst_afuzz_trace *t, const struct kmst_afuzz_case *c, int got,
			  int expected)
{
	struct kmst_event ev;

	if (!t->open)
		return 0;
	/* The case's ioctl records ahead of its REPLAY_COMMIT (kmst_tracer_sync_ioctl). */
	if (kmst_tracer_sync_ioctl(t->tracer, &t->writer, t->tid, c->number, KMST_TRACER_SYNC_MS) < 0)
		return -1;
	kmst_replay_record(&ev, &(struct kmst_replay_result){
		.drm_flags = c->flags, .expected = expected, .got = got,
		.line = c->number, .ordinal = c->number + 1, .tid = t->tid, .minor = t->minor });
	return kmst_writer_append(&t->writer, &ev) ? -1 : 0;
}

int kmst_afuzz_trace_finish(struct kmst_afuzz_trace *t)
{
	int err = 0;

	if (t->open) {
		err = kmst_tracer_window_close(t->tracer, &t->writer, &t->window);
		t->open = false;
	}
	kmst_tracer_close(t->tracer);
	t->tracer = NULL;
	return err;
}
