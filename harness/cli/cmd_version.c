// SPDX-License-Identifier: GPL-2.0
/* kmstrace version (and kmstrace --version): the tool, its trace format and libbpf. */
#include <getopt.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "kmstrace_event.h"

/* The tool's own version; the trace format has its own number (KMST_EVENT_VERSION). */
#define KMSTRACE_VERSION "0.1.0"

static int do_version(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_shared_opts so;
	int opt;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":j", long_opts, NULL)) != -1)
		if (!kmst_opt_shared(&so, "version", opt, optarg, argv))
			return KMST_EXIT_BAD_INPUT;
	if (optind != argc)
		return kmst_opt_usage_error("version", "takes no arguments");
	if (so.json) {
		fputs("{\"kmstrace\":", stdout);
		kmst_json_string(stdout, KMSTRACE_VERSION);
		printf(",\"trace_format\":%u,\"libbpf\":\"%u.%u\"}\n", KMST_EVENT_VERSION,
		       libbpf_major_version(), libbpf_minor_version());
	} else {
		printf("kmstrace %s\ntrace format %u\nlibbpf %u.%u\n", KMSTRACE_VERSION,
		       KMST_EVENT_VERSION, libbpf_major_version(), libbpf_minor_version());
	}
	return KMST_EXIT_OK;
}

const struct kmst_command kmst_cmd_version = {
	.name = "version",
	.synopsis = "",
	.summary = "print the versions of kmstrace, of its trace format and of libbpf",
	.help = "  -j, --json  one JSON object: kmstrace, trace_format, libbpf\n",
	.run = do_version,
};
