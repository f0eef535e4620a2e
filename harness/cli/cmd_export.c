// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace export --perfetto TRACE -o OUT.json: the trace as a timeline
 * for ui.perfetto.dev or chrome://tracing, with the checker's violations
 * marked on it.
 */
#include <getopt.h>
#include <stdio.h>

#include "check/check.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/log.h"
#include "export/perfetto.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: kmstrace export --perfetto TRACE -o OUT.json [--rules LIST]\n"
		     "Write TRACE as a timeline in the Chrome JSON trace format (ui.perfetto.dev,\n"
		     "chrome://tracing): per CRTC, commits with their stages, flip events, VBLANKs\n"
		     "and the checker's violations (--rules as for check); arrows link each atomic\n"
		     "ioctl to its commit's tail and to its event's delivery.\n");
}

int do_export(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "perfetto", no_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kmst_check_opts check_opts = {
		.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
		.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
	};
	const char *out_path = NULL;
	bool perfetto = false;
	int opt;

	(void)gopts; /* the output is a file; nothing is printed to take -j */
	while ((opt = getopt_long(argc, argv, "o:r:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			perfetto = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'r':
			if (!kmst_opt_rules(optarg, &check_opts.rules))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'h':
			usage(stdout);
			return KMST_EXIT_OK;
		default:
			usage(stderr);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (!perfetto) {
		kmst_err("export: say which format: --perfetto (the only one so far)");
		return KMST_EXIT_BAD_INPUT;
	}
	if (!out_path || optind != argc - 1) {
		usage(stderr);
		return KMST_EXIT_BAD_INPUT;
	}
	return kmst_export_perfetto(argv[optind], out_path, &check_opts);
}
