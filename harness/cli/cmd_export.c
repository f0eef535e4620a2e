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
#include "common/json.h"
#include "common/log.h"
#include "export/perfetto.h"

#define OPT_PERFETTO 'p'

static int do_export(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "perfetto", no_argument, NULL, OPT_PERFETTO },
		KMST_LONG_OUTPUT,
		KMST_LONG_CHECK,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_shared_opts so;
	bool perfetto = false;
	int opt, ret;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":po:j" KMST_SHORT_CHECK, long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PERFETTO:
			perfetto = true;
			break;
		default:
			if (!kmst_opt_shared(&so, "export", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (!perfetto)
		return kmst_opt_usage_error("export", "say which format: --perfetto (the only one so far)");
	if (!so.output || optind != argc - 1)
		return kmst_opt_usage_error("export", "expected one TRACE and -o OUT.json");
	ret = kmst_export_perfetto(argv[optind], so.output, &so.check);
	if (so.json && ret == KMST_EXIT_OK) {
		/* The timeline is a file: stdout says where it went. */
		fputs("{\"perfetto\":", stdout);
		kmst_json_string(stdout, so.output);
		fputs("}\n", stdout);
	}
	return ret;
}

const struct kmst_command kmst_cmd_export = {
	.name = "export",
	.synopsis = "--perfetto TRACE -o OUT.json [-r LIST]",
	.summary = "the trace as a timeline for ui.perfetto.dev or chrome://tracing",
	.help = "Write TRACE as a timeline in the Chrome JSON trace format (ui.perfetto.dev,\n"
		"chrome://tracing): per CRTC, commits with their stages, flip events, VBLANKs\n"
		"and the checker's violations; arrows link each atomic ioctl to its commit's\n"
		"tail and to its event's delivery.\n\n"
		"  -p, --perfetto           the Chrome JSON trace format (the only one so far)\n"
		"  -o, --output OUT.json    the timeline to write (its folders are created)\n"
		KMST_HELP_CHECK
		"  -j, --json               {\"perfetto\": OUT.json} on stdout once written\n",
	.run = do_export,
};
