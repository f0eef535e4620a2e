/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kmstrace subcommands: each lives in its own cmd_<name>.c and exports
 * its table entry, kmst_cmd_<name>. main() dispatches through the table and
 * answers `help`, --help and -h for every entry, so a new command only
 * fills in its entry.
 */
#ifndef KMSTRACE_COMMANDS_H
#define KMSTRACE_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "common/exit.h"

/* Global options, parsed by main() before the subcommand's own. */
struct kmst_global_opts {
	bool json; /* -j: machine-readable output */
};

struct kmst_command {
	const char *name;
	const char *synopsis; /* the arguments after the name, one line */
	const char *summary;  /* one line for `kmstrace help` */
	/* What it does and every option, one per line ("  -o, --output PATH  ..."). */
	const char *help;
	int (*run)(const struct kmst_global_opts *opts, int argc, char **argv);
};

extern const struct kmst_command kmst_cmd_dump;
extern const struct kmst_command kmst_cmd_record;
extern const struct kmst_command kmst_cmd_hist;
extern const struct kmst_command kmst_cmd_check;
extern const struct kmst_command kmst_cmd_diff;
extern const struct kmst_command kmst_cmd_replay;
extern const struct kmst_command kmst_cmd_seq;
extern const struct kmst_command kmst_cmd_export;
extern const struct kmst_command kmst_cmd_fuzz;
extern const struct kmst_command kmst_cmd_list;
extern const struct kmst_command kmst_cmd_version;

/* `kmstrace CMD --help`: usage, description and options. */
void kmst_command_help(FILE *out, const struct kmst_command *cmd);

#endif
