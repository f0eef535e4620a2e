// SPDX-License-Identifier: GPL-2.0
/* kmstrace check TRACE [--rules LIST] [-f text|json|junit|tap] [--vblank-tolerance PCT] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_file.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/log.h"
#include "trace/tracefile.h"

static void usage(void)
{
	kmst_err("usage: kmstrace check TRACE [--rules RULE|GROUP|-RULE,...] [-f text|json|junit|tap] "
		 "[--vblank-tolerance PCT] [--vblank-slack-us US] [--seq FILE.seq]");
}

int do_check(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "vblank-tolerance", required_argument, NULL, 't' },
		{ "vblank-slack-us", required_argument, NULL, 's' },
		{ "seq", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kmst_check_opts opts = {
		.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
		.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
	};
	enum kmst_report_format format = gopts->json ? KMST_REPORT_JSON : KMST_REPORT_TEXT;
	const char *seq_path = NULL;
	int opt, value;

	while ((opt = getopt_long(argc, argv, "r:f:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (!kmst_opt_rules(optarg, &opts.rules))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'f':
			value = kmst_report_format_from_name(optarg);
			if (value < 0) {
				kmst_err("-f: unknown format '%s': expected text, json, junit or tap", optarg);
				return KMST_EXIT_BAD_INPUT;
			}
			format = (enum kmst_report_format)value;
			break;
		case 't':
			if (!kmst_opt_uint("--vblank-tolerance", optarg, 1000, &opts.vblank_tolerance_pct))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 's':
			if (!kmst_opt_uint("--vblank-slack-us", optarg, 10000000, &opts.vblank_slack_us))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'q':
			seq_path = optarg;
			break;
		default:
			usage();
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage();
		return KMST_EXIT_BAD_INPUT;
	}
	return kmst_check_file(argv[optind], &opts, format, seq_path, stdout);
}
