// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace diff A.kmst B.kmst: what changed from one trace of a sequence
 * or client to another (kernel against kernel, driver against driver).
 * Exit 0 the same, 1 a regression, 2 bad input or a trace that lost records.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/log.h"
#include "common/path.h"
#include "diff/diff.h"
#include "diff/report.h"
#include "hist/plot.h"
#include "trace/meta.h"

enum {
	OPT_ALPHA = KMST_OPT_COMMAND_BASE,
	OPT_MARGIN,
	OPT_PLOT,
};

static bool parse_alpha(const char *arg, double *alpha)
{
	char *end;
	double value = strtod(arg, &end);

	if (!*arg || *end || !(value > 0 && value < 1)) {
		kmst_err("--alpha: expected a significance level, more than 0 and less than 1, got '%s'", arg);
		return false;
	}
	*alpha = value;
	return true;
}

/* One line per trace that lost records: its differences may be the recording's. */
static bool report_drops(const struct kmst_diff_profile *p)
{
	if (!p->drops && !p->missed_runs)
		return false;
	if (p->drops)
		kmst_err("%s: incomplete trace: %llu events were dropped; its differences may be the recording's (INCOMPLETE)",
			 p->path, p->drops);
	else
		kmst_err("%s: incomplete trace: the kernel skipped %llu runs of the tracer's programs; its differences may be the recording's (INCOMPLETE)",
			 p->path, p->missed_runs);
	return true;
}

static int do_diff(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "margin", required_argument, NULL, OPT_MARGIN },
		{ "plot", required_argument, NULL, OPT_PLOT },
		KMST_LONG_FORMAT,
		KMST_LONG_OUTPUT,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_diff_opts opts = {
		.alpha = KMST_DIFF_DEFAULT_ALPHA,
		.margin = KMST_DIFF_DEFAULT_MARGIN_PCT / 100.0,
	};
	enum kmst_report_format format;
	struct kmst_diff_result res;
	struct kmst_shared_opts so;
	unsigned int margin_pct;
	const char *plot_path = NULL;
	FILE *out = stdout;
	int opt, ret;
	bool dropped;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":jf:o:", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ALPHA:
			if (!parse_alpha(optarg, &opts.alpha))
				return KMST_EXIT_BAD_INPUT;
			break;
		case OPT_MARGIN:
			if (!kmst_opt_uint("--margin", optarg, KMST_OPT_TOLERANCE_MAX_PCT, &margin_pct))
				return KMST_EXIT_BAD_INPUT;
			opts.margin = margin_pct / 100.0;
			break;
		case OPT_PLOT:
			plot_path = optarg;
			break;
		default:
			if (!kmst_opt_shared(&so, "diff", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 2)
		return kmst_opt_usage_error("diff", "expected two traces, A and B");
	format = kmst_opt_report_format(&so);
	if (format == KMST_REPORT_TAP)
		return kmst_opt_usage_error("diff", "-f: expected text, json or junit");
	if (kmst_diff_files(argv[optind], argv[optind + 1], &opts, &res)) {
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	/* A trace without level= predates the levels and was traced in full. */
	if (strcmp(res.a.meta->level[0] ? res.a.meta->level : "full",
		   res.b.meta->level[0] ? res.b.meta->level : "full")) {
		kmst_err("%s was traced at --level %s, %s at --level %s: their stages differ by the level, not the kernel; trace both at the same level",
			 res.a.path, res.a.meta->level[0] ? res.a.meta->level : "full", res.b.path,
			 res.b.meta->level[0] ? res.b.meta->level : "full");
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	if (so.output) {
		if (kmst_make_parent_dirs(so.output)) {
			ret = KMST_EXIT_BAD_INPUT;
			goto out;
		}
		out = fopen(so.output, "w");
		if (!out) {
			kmst_err("%s: cannot create the report: %s", so.output, strerror(errno));
			ret = KMST_EXIT_BAD_INPUT;
			goto out;
		}
	}
	kmst_diff_report(out, format, &res, &opts);
	if (out != stdout && fclose(out)) {
		kmst_err("%s: cannot write the report: %s", so.output, strerror(errno));
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	dropped = report_drops(&res.a);
	dropped |= report_drops(&res.b);
	ret = dropped ? KMST_EXIT_BAD_INPUT : res.regressions ? KMST_EXIT_VIOLATIONS : KMST_EXIT_OK;
	/* The report is out first, so that it is there even when the plot cannot be. */
	fflush(stdout);
	if (plot_path && kmst_hist_plot_two(&res.a.hists, res.a.path, &res.b.hists, res.b.path,
					    plot_path))
		ret = KMST_EXIT_BAD_INPUT;
out:
	kmst_diff_result_free(&res);
	return ret;
}

const struct kmst_command kmst_cmd_diff = {
	.name = "diff",
	.synopsis = "A.kmst B.kmst [-f FORMAT] [-o FILE] [--alpha P] [--margin PCT]"
		    " [--plot OUT.png]",
	.summary = "compare two traces of one sequence or client: stages, results, timing",
	.help = "Compare trace B with trace A of the same sequence or client (another kernel,\n"
		"another driver). Commits are paired by sequence line (replays) or by order;\n"
		"each pair's stage signature (the stages and callbacks its own threads ran, in\n"
		"order) and errno are compared, then the flip events per CRTC, then the VBLANK\n"
		"interval, event latency and flip latency distributions, measured as hist\n"
		"measures them. A distribution regresses when a Mann-Whitney U test finds it\n"
		"changed (p < alpha) and its p50 and p90 both grew by more than the margin: of\n"
		"A's value, but at least of a frame, for the latencies; of a frame, for how far\n"
		"VBLANK intervals are off the frame's schedule. A latency must also have moved\n"
		"by more than the host's noise (how late it ran the VBLANK timers, p99).\n"
		"Exit status: 0 the same, 1 a regression, 2 bad usage, an unreadable trace, or\n"
		"a trace that lost records (its differences may be the recording's).\n\n"
		"      --alpha P            significance level, 0 < P < 1 (default 0.01)\n"
		"      --margin PCT         how much slower p50 and p90 must be, % (0 to 1000,\n"
		"                           default 10)\n"
		"  -f, --format FORMAT      report as text, json or junit (-j: json)\n"
		"  -o, --output FILE        write the report to FILE instead of standard output\n"
		"  -j, --json               the report as JSON\n"
		"      --plot OUT.png       also draw A's and B's VBLANK interval histograms\n"
		"                           and flip latency CDFs overlaid with gnuplot, per\n"
		"                           CRTC both have (paired by card order and CRTC\n"
		"                           index); the exit status is the diff's, or 2 if the\n"
		"                           plot cannot be drawn\n",
	.run = do_diff,
};
