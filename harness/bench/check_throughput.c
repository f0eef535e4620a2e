// SPDX-License-Identifier: GPL-2.0
/*
 * check_throughput: write a synthetic trace of about 10 million events (a
 * correct driver flipping with events at 60 Hz, as the tracers record it),
 * then time `kmstrace check` on it: events per second on one core, against
 * the target of 30 M/s. The reader alone is timed too, to show where the
 * time goes. The check runs in a child process of its own, so that its
 * peak RSS (wait4's ru_maxrss) is the checker's, not the generator's.
 * Usage: check_throughput [EVENTS] [PATH]
 *
 * The last line, `bench: check events=N mevents_per_s=X peak_rss_kib=K`,
 * is what ci/bench's table reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "check/check_file.h"
#include "common/exit.h"
#include "common/log.h"
#include "trace/tracefile.h"

#define TARGET_EVENTS_PER_S 30e6
#define FRAME_NS 16666667ull

struct gen {
	struct kmst_writer w;
	unsigned long long ts, events;
	unsigned int commit, vblank_seq;
};

static int emit(struct gen *g, unsigned int type, unsigned int phase, unsigned int commit, int crtc,
		int plane, unsigned long long arg0, unsigned long long arg1)
{
	struct kmst_event ev = {
		.ts_ns = g->ts += 700,
		.type = (__u16)type,
		.size = sizeof(ev),
		.phase = (__u8)phase,
		.source = KMST_SRC_FENTRY,
		.pid = 4242,
		.tid = commit ? 4242 : 0,
		.commit_id = commit,
		.crtc = (__s16)crtc,
		.plane = (__s16)plane,
		.connector = -1,
		.commit_flags = commit ? KMST_CF_PAGE_FLIP_EVENT | KMST_CF_FROM_IOCTL : 0,
		.arg0 = arg0,
		.arg1 = arg1,
	};

	g->events++;
	return kmst_writer_append(&g->w, &ev);
}

#define CALL(type, ...)                                                        \
	do {                                                                   \
		err |= emit(g, type, KMST_PH_ENTER, c, __VA_ARGS__, 0, 0);     \
		err |= emit(g, type, KMST_PH_EXIT, c, __VA_ARGS__, 0, 0);      \
	} while (0)

/* One page flip, the way a helper-based driver with a VBLANK timer runs it. */
static int flip(struct gen *g)
{
	unsigned int c = ++g->commit;
	int err = 0;

	err |= emit(g, KMST_EV_ATOMIC_IOCTL, KMST_PH_ENTER, 0, -1, -1, c, 0);
	err |= emit(g, KMST_EV_STATE_ALLOC, KMST_PH_POINT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_CHECK_ONLY, KMST_PH_ENTER, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_HELPER_CHECK, KMST_PH_ENTER, c, -1, -1, 0, 0);
	CALL(KMST_EV_CHECK_MODESET, -1, -1);
	err |= emit(g, KMST_EV_CHECK_PLANES, KMST_PH_ENTER, c, -1, -1, 0, 0);
	CALL(KMST_EV_PLANE_ATOMIC_CHECK, 0, 0);
	CALL(KMST_EV_CRTC_ATOMIC_CHECK, 0, -1);
	err |= emit(g, KMST_EV_CHECK_PLANES, KMST_PH_EXIT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_HELPER_CHECK, KMST_PH_EXIT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_CHECK_ONLY, KMST_PH_EXIT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_COMMIT, KMST_PH_ENTER, c, -1, -1, 0, 0);
	CALL(KMST_EV_SETUP_COMMIT, -1, -1);
	CALL(KMST_EV_PLANE_PREPARE_FB, 0, 0);
	CALL(KMST_EV_SWAP_STATE, -1, -1);
	CALL(KMST_EV_WAIT_FOR_DEPENDENCIES, -1, -1);
	CALL(KMST_EV_MODESET_DISABLES, -1, -1);
	err |= emit(g, KMST_EV_COMMIT_PLANES, KMST_PH_ENTER, c, -1, -1, 0, 0);
	CALL(KMST_EV_CRTC_ATOMIC_BEGIN, 0, -1);
	CALL(KMST_EV_PLANE_ATOMIC_UPDATE, 0, 0);
	err |= emit(g, KMST_EV_CRTC_ATOMIC_FLUSH, KMST_PH_ENTER, c, 0, -1, 0, 0);
	CALL(KMST_EV_ARM_VBLANK_EVENT, 0, -1);
	err |= emit(g, KMST_EV_CRTC_ATOMIC_FLUSH, KMST_PH_EXIT, c, 0, -1, 0, 0);
	err |= emit(g, KMST_EV_COMMIT_PLANES, KMST_PH_EXIT, c, -1, -1, 0, 0);
	CALL(KMST_EV_MODESET_ENABLES, -1, -1);
	CALL(KMST_EV_HW_DONE, -1, -1);
	err |= emit(g, KMST_EV_WAIT_FOR_FLIP_DONE, KMST_PH_ENTER, c, -1, -1, 0, 0);
	g->ts += FRAME_NS - 40 * 700;
	g->vblank_seq++;
	err |= emit(g, KMST_EV_VBLANK_EVENT_DELIVERED, KMST_PH_POINT, 0, 0, -1, g->vblank_seq, 0);
	err |= emit(g, KMST_EV_VBLANK_EVENT, KMST_PH_POINT, 0, 0, -1, g->vblank_seq, g->ts);
	err |= emit(g, KMST_EV_HANDLE_VBLANK, KMST_PH_POINT, 0, 0, -1, g->vblank_seq, FRAME_NS);
	err |= emit(g, KMST_EV_WAIT_FOR_FLIP_DONE, KMST_PH_EXIT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_CLEANUP_PLANES, KMST_PH_ENTER, c, -1, -1, 0, 0);
	CALL(KMST_EV_PLANE_CLEANUP_FB, 0, 0);
	err |= emit(g, KMST_EV_CLEANUP_PLANES, KMST_PH_EXIT, c, -1, -1, 0, 0);
	CALL(KMST_EV_CLEANUP_DONE, -1, -1);
	err |= emit(g, KMST_EV_COMMIT, KMST_PH_EXIT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_STATE_FREE, KMST_PH_POINT, c, -1, -1, 0, 0);
	err |= emit(g, KMST_EV_ATOMIC_IOCTL, KMST_PH_EXIT, 0, -1, -1, c, 0);
	return err;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long long target = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
	const char *path = argc > 2 ? argv[2] : "/tmp/kmstrace-check-throughput.kmst";
	struct kmst_check_opts opts = {
		.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
		.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
	};
	const struct kmst_event *ev;
	struct kmst_reader reader;
	struct gen g = { .ts = 1000000000ull };
	double start, read_s, check_s, cpu_s;
	unsigned long long records = 0;
	struct rusage usage;
	FILE *devnull;
	int ret, status;
	pid_t child;

	if (kmst_writer_open(&g.w, path, "kernel=synthetic\ndriver=synthetic\ntool=check_throughput\n"))
		return 1;
	while (g.events < target)
		if (flip(&g)) {
			kmst_writer_abort(&g.w);
			return 1;
		}
	if (kmst_writer_close(&g.w, NULL, 0))
		return 1;

	start = now_s();
	if (kmst_reader_open(&reader, path))
		return 1;
	while ((ret = kmst_reader_next(&reader, &ev)) == 1)
		records++;
	kmst_reader_close(&reader);
	read_s = now_s() - start;
	if (ret < 0)
		return 1;

	start = now_s();
	child = fork();
	if (child < 0) {
		perror("check_throughput: fork");
		unlink(path);
		return 1;
	}
	if (!child) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			_exit(KMST_EXIT_BAD_INPUT);
		_exit(kmst_check_file(path, &opts, KMST_REPORT_TEXT, NULL, devnull));
	}
	if (wait4(child, &status, 0, &usage) != child) {
		perror("check_throughput: wait4");
		unlink(path);
		return 1;
	}
	check_s = now_s() - start;
	unlink(path);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (ret != KMST_EXIT_OK) {
		fprintf(stderr, "check_throughput: the synthetic trace did not pass (exit %d)\n", ret);
		return 1;
	}
	printf("synthetic trace: %llu events, %u commits\n", records, g.commit);
	printf("reader alone:    %.2f s, %.1f M events/s\n", read_s, records / read_s / 1e6);
	printf("kmstrace check:  %.2f s, %.1f M events/s (target >= %.0f M/s): %s\n", check_s,
	       records / check_s / 1e6, TARGET_EVENTS_PER_S / 1e6,
	       records / check_s >= TARGET_EVENTS_PER_S ? "met" : "NOT met");
	printf("ratio check/reader time: %.2f; the checker's peak RSS: %ld KiB\n", check_s / read_s,
	       usage.ru_maxrss);
	/*
	 * On a machine shared with other work the wall time includes time the
	 * core ran something else: the child's own CPU time is the checker's.
	 */
	cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
		usage.ru_stime.tv_usec / 1e6;
	printf("kmstrace check CPU time: %.2f s, %.1f M events/s\n", cpu_s, records / cpu_s / 1e6);
	printf("bench: check events=%llu mevents_per_s=%.2f cpu_mevents_per_s=%.2f peak_rss_kib=%ld\n",
	       records, records / check_s / 1e6, records / cpu_s / 1e6, usage.ru_maxrss);
	return 0;
}
