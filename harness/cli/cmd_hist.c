// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace hist [TRACE | --live SECONDS]: the VBLANK interval, event
 * latency and flip latency histograms per CRTC, from a trace's events or
 * from the in-kernel histograms after tracing for SECONDS. -j: JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "trace/meta.h"
#include "hist/hist.h"
#include "hist/plot.h"
#include "common/log.h"
#include "tracer/tracer.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: kmstrace [-j] hist TRACE [--plot OUT.png] | kmstrace [-j] hist --live SECONDS [--minor N]\n"
		     "VBLANK interval (log2 and linear around the nominal frame duration),\n"
		     "event latency (armed -> delivered) and flip latency (atomic ioctl ->\n"
		     "event delivered) histograms per CRTC. --plot: also draw, per CRTC, the\n"
		     "VBLANK interval histogram and the flip latency CDF with gnuplot.\n");
}

/* Traits the trace records, e.g. a driver without VBLANK support. */
static void print_traits(FILE *out, const char *text, bool json)
{
	struct kmst_meta *meta = malloc(sizeof(*meta));
	unsigned int i;

	if (!meta || json) {
		free(meta);
		return;
	}
	kmst_meta_parse(text, meta);
	for (i = 0; i < meta->trait_count; i++)
		if (!strcmp(meta->traits[i].what, "no-vblank"))
			fprintf(out, "card%d no-vblank: the driver has no VBLANK support, so no VBLANK "
				     "histograms (a driver trait, not an error)\n", meta->traits[i].minor);
	free(meta);
}

static int live(const struct kmst_global_opts *gopts, double seconds, int minor)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct kmst_hist_set set = { 0 };
	struct timespec start, now;
	struct kmst_tracer *t;
	int ret = KMST_EXIT_BAD_INPUT, n;

	opts.minor = minor;
	opts.no_recorder = true;
	t = kmst_tracer_open(&opts);
	if (!t)
		return KMST_EXIT_BAD_INPUT;
	if (kmst_tracer_attach(t))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		/* Events are not kept: the histograms are in the kernel. */
		n = kmst_tracer_poll(t, NULL, 100);
		if (n < 0 && n != -EINTR)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	if (kmst_tracer_read_hists(t, &set)) {
		kmst_err("failed to read the in-kernel histograms: %s", strerror(ENOMEM));
		goto out;
	}
	print_traits(stdout, kmst_tracer_meta(t), gopts->json);
	kmst_hist_print(stdout, &set, gopts->json);
	ret = KMST_EXIT_OK;
out:
	kmst_hist_set_free(&set);
	kmst_tracer_close(t);
	return ret;
}

int do_hist(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "live", required_argument, NULL, 'l' },
		{ "minor", required_argument, NULL, 'm' },
		{ "plot", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kmst_hist_set set = { 0 };
	const char *plot_path = NULL;
	double seconds = 0;
	char *meta = NULL, *end;
	int opt, minor = -1, ret = KMST_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "l:m:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			seconds = strtod(optarg, &end);
			if (*end || seconds <= 0) {
				kmst_err("hist: bad value '%s' for --live", optarg);
				return KMST_EXIT_BAD_INPUT;
			}
			break;
		case 'm':
			minor = strtol(optarg, &end, 10);
			if (*end || minor < 0) {
				kmst_err("hist: bad value '%s' for --minor", optarg);
				return KMST_EXIT_BAD_INPUT;
			}
			break;
		case 'p':
			plot_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return KMST_EXIT_OK;
		default:
			usage(stderr);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (seconds && plot_path) {
		kmst_err("hist: --plot needs a TRACE: the in-kernel histograms of --live keep no samples");
		return KMST_EXIT_BAD_INPUT;
	}
	if (seconds)
		return live(gopts, seconds, minor);
	if (optind != argc - 1) {
		usage(stderr);
		return KMST_EXIT_BAD_INPUT;
	}
	/* A plot needs each value, not only the histogram slots. */
	set.keep_samples = plot_path != NULL;
	if (kmst_hist_set_from_trace(&set, argv[optind], &meta)) {
		kmst_hist_set_free(&set);
		return KMST_EXIT_BAD_INPUT;
	}
	print_traits(stdout, meta, gopts->json);
	kmst_hist_print(stdout, &set, gopts->json);
	/* The text is printed first, so that it is there even when the plot cannot be. */
	fflush(stdout);
	if (plot_path && kmst_hist_plot(&set, plot_path))
		ret = KMST_EXIT_BAD_INPUT;
	free(meta);
	kmst_hist_set_free(&set);
	return ret;
}
