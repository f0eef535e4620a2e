/* SPDX-License-Identifier: GPL-2.0 */
/* The kmstrace subcommands: each lives in its own cmd_<name>.c. */
#ifndef KMSTRACE_COMMANDS_H
#define KMSTRACE_COMMANDS_H

#include <stdbool.h>

#include "common/exit.h"

/* Global options, parsed by main() before the subcommand's own. */
struct kmst_global_opts {
	bool json; /* -j: machine-readable output where the command has it */
};

struct kmst_command {
	const char *name;
	const char *usage; /* arguments after the name */
	const char *summary;
	int (*run)(const struct kmst_global_opts *opts, int argc, char **argv);
};

int do_dump(const struct kmst_global_opts *opts, int argc, char **argv);
int do_record(const struct kmst_global_opts *opts, int argc, char **argv);
int do_hist(const struct kmst_global_opts *opts, int argc, char **argv);
int do_replay(const struct kmst_global_opts *opts, int argc, char **argv);
int do_check(const struct kmst_global_opts *opts, int argc, char **argv);
int do_seq(const struct kmst_global_opts *opts, int argc, char **argv);
int do_export(const struct kmst_global_opts *opts, int argc, char **argv);

#endif
