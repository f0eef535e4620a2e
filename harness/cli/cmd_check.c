// SPDX-License-Identifier: GPL-2.0
/* kmstrace check TRACE: the commit rules over one trace, and the verdict as the exit code. */
#include <getopt.h>

#include "check/check_file.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/log.h"

#define OPT_SEQ KMST_OPT_COMMAND_BASE

static int do_check(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		KMST_LONG_CHECK,
		KMST_LONG_FORMAT,
		KMST_LONG_JSON,
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ 0 },
	};
	struct kmst_shared_opts so;
	const char *seq_path = NULL;
	int opt;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":jf:" KMST_SHORT_CHECK, long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_SEQ:
			seq_path = optarg;
			break;
		default:
			if (!kmst_opt_shared(&so, "check", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1)
		return kmst_opt_usage_error("check", "expected one TRACE");
	return kmst_check_file(argv[optind], &so.check, kmst_opt_report_format(&so), seq_path, stdout);
}

const struct kmst_command kmst_cmd_check = {
	.name = "check",
	.synopsis = "TRACE [-r LIST] [-f FORMAT] [--seq FILE.seq]",
	.summary = "check a trace against the DRM commit rules",
	.help = "Judge every selected rule on TRACE and print the report; the verdict is the\n"
		"exit status: 0 PASS, 1 FAIL, 3 INCOMPLETE (a rule not judged), 2 an\n"
		"unreadable trace, or one that lost records (dropped events, skipped tracer\n"
		"runs: INCOMPLETE).\n\n"
		KMST_HELP_CHECK
		KMST_HELP_FORMAT
		"      --seq FILE.seq       the sequence TRACE replayed: violations name its lines\n"
		"  -j, --json               the report as JSON\n",
	.run = do_check,
};
