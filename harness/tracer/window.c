// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "tracer/window.h"

int kmst_tracer_window_open(const struct kmst_tracer *t, struct kmst_tracer_window *win)
{
	kmst_tracer_drops(t, win->drops);
	return kmst_tracer_missed_runs(t, &win->missed_runs, false) ? -1 : 0;
}

int kmst_tracer_window_close(struct kmst_tracer *t, struct kmst_writer *w,
			     const struct kmst_tracer_window *win)
{
	struct timespec settle = { .tv_nsec = 100 * 1000000L };
	unsigned long long drops[KMST_EV_MAX], missed;
	unsigned int type;
	int n;

	nanosleep(&settle, NULL);
	n = kmst_tracer_drain(t, w);
	if (n < 0) {
		kmst_err("%s: failed to drain the ring buffer: %s", w->path, strerror(-n));
		goto err_abort;
	}
	kmst_tracer_drops(t, drops);
	for (type = 0; type < KMST_EV_MAX; type++)
		drops[type] -= win->drops[type];
	if (kmst_tracer_missed_runs(t, &missed, false))
		goto err_abort;
	/* Name the hooks only when this trace lost runs. */
	if (missed != win->missed_runs && kmst_tracer_missed_runs(t, &missed, true))
		goto err_abort;
	return kmst_writer_close(w, drops, missed - win->missed_runs);
err_abort:
	kmst_writer_abort(w);
	return -1;
}
