/* SPDX-License-Identifier: GPL-2.0 */
/* The kmstrace subcommands: each lives in its own cmd_<name>.c. */
#ifndef KMSTRACE_COMMANDS_H
#define KMSTRACE_COMMANDS_H

#include <stdbool.h>

/* Exit codes shared by every subcommand. */
enum kmst_exit {
	KMST_EXIT_OK = 0,
	KMST_EXIT_VIOLATIONS = 1, /* check found rule violations */
	KMST_EXIT_BAD_INPUT = 2,  /* bad usage, bad or incomplete input */
	KMST_EXIT_FAILURE = 3,	  /* the system refused (BPF load, device, I/O) */
};

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

#endif
