// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace: record, replay and check the atomic commit path of KMS drivers.
 * main() parses the global options and dispatches to one do_<cmd>().
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"

static const struct kmst_command commands[] = {
	{ "dump", "TRACE", "print a trace file as text (-j: JSON lines)", do_dump },
	{ "record", "-o TRACE [--pid P|--comm C] [--minor N] [-- CMD]", "trace the atomic path while CMD runs", do_record },
	{ "hist", "[TRACE | --live SECONDS]", "VBLANK interval and flip latency histograms", do_hist },
	{ "check", "TRACE [--rules LIST] [-f text|json|junit|tap]", "check a trace against the DRM commit rules", do_check },
	{ "replay", "FILE.seq [--device DEV] [-o TRACE] [--no-check]", "replay a commit sequence with the tracers, then check it", do_replay },
	{ "seq", "--parse FILE.seq | TRACE [-o FILE.seq]", "validate a sequence, or make one from a recording", do_seq },
	{ "export", "--perfetto TRACE -o OUT.json", "the trace as a timeline for ui.perfetto.dev", do_export },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kmstrace [-v] [-q] [-j] COMMAND [ARGS]\n\n"
		     "  -v  verbose (libbpf and debug messages)\n"
		     "  -q  quiet (errors only)\n"
		     "  -j  JSON output where the command has it\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %-45s %s\n", commands[i].name, commands[i].usage,
			commands[i].summary);
}

int main(int argc, char **argv)
{
	struct kmst_global_opts opts = { 0 };
	struct kmst_log_opts log_opts = { 0 };
	size_t i;
	int opt;

	/* '+': stop at the subcommand, whose options are its own. */
	while ((opt = getopt(argc, argv, "+vqjh")) != -1) {
		switch (opt) {
		case 'v':
			log_opts.verbose = true;
			break;
		case 'q':
			log_opts.quiet = true;
			break;
		case 'j':
			opts.json = true;
			break;
		case 'h':
			usage(stdout);
			return KMST_EXIT_OK;
		default:
			usage(stderr);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	kmst_log_configure(&log_opts);
	if (optind >= argc) {
		usage(stderr);
		return KMST_EXIT_BAD_INPUT;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			/* 0, not 1: GNU getopt re-initialises, dropping main's '+' mode. */
			optind = 0;
			return commands[i].run(&opts, argc, argv);
		}
	}
	kmst_err("unknown command '%s'", argv[optind]);
	usage(stderr);
	return KMST_EXIT_BAD_INPUT;
}
