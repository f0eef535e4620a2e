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
#include "cli/options.h"
#include "trace/meta.h"
#include "hist/hist.h"
#include "hist/plot.h"
#include "common/clock.h"
#include "common/log.h"
#include "tracer/tracer.h"

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

static int live(const struct kmst_shared_opts *so, double seconds)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct kmst_hist_set set = { 0 };
	double start;
	struct kmst_tracer *t;
	int ret = KMST_EXIT_BAD_INPUT, n;

	opts.minor = so->minor;
	opts.no_recorder = true;
	t = kmst_tracer_open(&opts);
	if (!t)
		return KMST_EXIT_BAD_INPUT;
	if (kmst_tracer_attach(t))
		goto out;
	start = kmst_monotonic_s();
	do {
		/* Events are not kept: the histograms are in the kernel. */
		n = kmst_tracer_poll(t, NULL, 100);
		if (n < 0 && n != -EINTR)
			break;
	} while (kmst_monotonic_s() - start < seconds);
	if (kmst_tracer_read_hists(t, &set)) {
		kmst_err("failed to read the in-kernel histograms: %s", strerror(ENOMEM));
		goto out;
	}
	print_traits(stdout, kmst_tracer_meta(t), so->json);
	kmst_hist_print(stdout, &set, so->json);
	ret = KMST_EXIT_OK;
out:
	kmst_hist_set_free(&set);
	kmst_tracer_close(t);
	return ret;
}

#define OPT_LIVE 'l'
#define OPT_PLOT 'p'

static int do_hist(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "live", required_argument, NULL, OPT_LIVE },
		{ "plot", required_argument, NULL, OPT_PLOT },
		KMST_LONG_MINOR,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_hist_set set = { 0 };
	struct kmst_shared_opts so;
	const char *plot_path = NULL;
	double seconds = 0;
	char *meta = NULL;
	int opt, ret = KMST_EXIT_OK;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":l:p:m:j", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LIVE:
			if (!kmst_opt_seconds("--live", optarg, KMST_OPT_DURATION_MAX_S, &seconds))
				return KMST_EXIT_BAD_INPUT;
			break;
		case OPT_PLOT:
			plot_path = optarg;
			break;
		default:
			if (!kmst_opt_shared(&so, "hist", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (seconds && plot_path)
		return kmst_opt_usage_error("hist", "--plot needs a TRACE: the in-kernel histograms of --live keep no samples");
	if (seconds && optind == argc)
		return live(&so, seconds);
	if (seconds || optind != argc - 1)
		return kmst_opt_usage_error("hist", "expected one TRACE, or --live SECONDS");
	/* A plot needs each value, not only the histogram slots. */
	set.keep_samples = plot_path != NULL;
	if (kmst_hist_set_from_trace(&set, argv[optind], &meta)) {
		kmst_hist_set_free(&set);
		return KMST_EXIT_BAD_INPUT;
	}
	print_traits(stdout, meta, so.json);
	kmst_hist_print(stdout, &set, so.json);
	/* The text is printed first, so that it is there even when the plot cannot be. */
	fflush(stdout);
	if (plot_path && kmst_hist_plot(&set, plot_path))
		ret = KMST_EXIT_BAD_INPUT;
	free(meta);
	kmst_hist_set_free(&set);
	return ret;
}

const struct kmst_command kmst_cmd_hist = {
	.name = "hist",
	.synopsis = "TRACE [--plot OUT.png] | --live SECONDS [-m N]",
	.summary = "VBLANK interval, event latency and flip latency histograms per CRTC",
	.help = "VBLANK interval (log2, and linear around the nominal frame duration), event\n"
		"latency (armed -> delivered) and flip latency (atomic ioctl -> event delivered)\n"
		"per CRTC, from TRACE's events or from the in-kernel histograms of a live run.\n"
		"VBLANK intervals run between the instants the driver meant: how late the host\n"
		"ran its VBLANK timer (TCG) is taken out where the tracer measured it.\n\n"
		"  -p, --plot OUT.png  also draw, per CRTC, the VBLANK interval histogram and\n"
		"                      the flip latency CDF with gnuplot (a TRACE only)\n"
		"  -l, --live SECONDS  trace for SECONDS (at most 86400), then print\n"
		"  -m, --minor N       --live: only DRM minor N (/dev/dri/cardN, 0 to 255)\n"
		"  -j, --json          the histograms as JSON\n",
	.run = do_hist,
};
