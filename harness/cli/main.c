// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace: record, replay and check the atomic commit path of KMS drivers.
 * main() parses the global options and dispatches to one command of the
 * table. `help`, --help and -h are answered here, from the table, for
 * every command.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"

static const struct kmst_command *const commands[] = {
	&kmst_cmd_record, &kmst_cmd_replay, &kmst_cmd_check, &kmst_cmd_diff, &kmst_cmd_dump,
	&kmst_cmd_hist,	  &kmst_cmd_export, &kmst_cmd_seq,   &kmst_cmd_fuzz, &kmst_cmd_list, &kmst_cmd_version,
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kmstrace [-v] [-q] [-j] COMMAND [ARGS]\n"
		     "       kmstrace help [COMMAND] | --help | --version\n\n"
		     "  -v, --verbose  libbpf and debug messages\n"
		     "  -q, --quiet    errors only\n"
		     "  -j, --json     JSON output (every command also takes -j after its name)\n"
		     "  -h, --help     this text; 'kmstrace COMMAND --help' for one command\n"
		     "  -V, --version  kmstrace, trace format and libbpf versions\n\n"
		     "commands:\n");
	for (i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nexit status: 0 done (PASS), 1 a rule failed, 2 bad usage or input, the\n"
		     "system refused, or the trace lost records, 3 INCOMPLETE (an applicable rule\n"
		     "could not be judged).\n");
}

void kmst_command_help(FILE *out, const struct kmst_command *cmd)
{
	fprintf(out, "usage: kmstrace [-j] %s%s%s\n\n%s.\n\n%s", cmd->name,
		cmd->synopsis[0] ? " " : "", cmd->synopsis, cmd->summary, cmd->help);
}

static const struct kmst_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < COMMAND_COUNT; i++)
		if (!strcmp(name, commands[i]->name))
			return commands[i];
	return NULL;
}

/* -h or --help among a command's arguments (up to "--", after which they are CMD's own). */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

/* kmstrace help [COMMAND] */
static int do_help(int argc, char **argv)
{
	const struct kmst_command *cmd;

	if (argc < 2) {
		usage(stdout);
		return KMST_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd || argc > 2) {
		kmst_err("help: unknown command '%s' (see 'kmstrace help')", argv[1]);
		return KMST_EXIT_BAD_INPUT;
	}
	kmst_command_help(stdout, cmd);
	return KMST_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct kmst_global_opts opts = { 0 };
	struct kmst_log_opts log_opts = { 0 };
	const struct kmst_command *cmd;
	bool version = false;
	int opt;

	/* Our own one-line messages, not getopt's. */
	opterr = 0;
	/* '+': stop at the subcommand, whose options are its own. */
	while ((opt = getopt_long(argc, argv, "+vqjhV", long_opts, NULL)) != -1) {
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
		case 'V':
			version = true;
			break;
		default:
			if (optopt > 0 && optopt < 0x100)
				kmst_err("unknown option '-%c' (see 'kmstrace --help')", optopt);
			else
				kmst_err("unknown option '%s' (see 'kmstrace --help')", argv[optind - 1]);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	kmst_log_configure(&log_opts);
	if (version) {
		optind = 0;
		return kmst_cmd_version.run(&opts, 1, (char *[]){ "version", NULL });
	}
	if (optind >= argc) {
		usage(stderr);
		return KMST_EXIT_BAD_INPUT;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help"))
		return do_help(argc, argv);
	cmd = find_command(argv[0]);
	if (!cmd) {
		kmst_err("unknown command '%s' (see 'kmstrace help')", argv[0]);
		return KMST_EXIT_BAD_INPUT;
	}
	if (wants_help(argc, argv)) {
		kmst_command_help(stdout, cmd);
		return KMST_EXIT_OK;
	}
	/* 0, not 1: GNU getopt re-initialises, dropping main's '+' mode. */
	optind = 0;
	return cmd->run(&opts, argc, argv);
}
