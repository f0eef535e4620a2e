/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Options more than one command takes, parsed one way with the same
 * bounds everywhere. A command lists the shared options it takes with the
 * KMST_LONG_* entries, hands every getopt result it does not know itself
 * to kmst_opt_shared(), and reports the rest with kmst_opt_error():
 *
 *	struct kmst_shared_opts so;
 *	kmst_shared_opts_init(&so, gopts);
 *	while ((opt = getopt_long(argc, argv, ":o:m:", long_opts, NULL)) != -1) {
 *		switch (opt) {
 *		case MY_OWN: ...; break;
 *		default:
 *			if (kmst_opt_shared(&so, "record", opt, optarg, argv) < 1)
 *				return KMST_EXIT_BAD_INPUT;
 *		}
 *	}
 *
 * -h/--help never reaches a command: main() answers it from the command
 * table, so every command has it.
 */
#ifndef KMSTRACE_OPTIONS_H
#define KMSTRACE_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "check/check.h"
#include "check/report.h"
#include "cli/commands.h"
#include "tracer/tracer.h"

/* One letter (or, for long-only options, one code) per shared option. */
enum kmst_opt_code {
	KMST_OPT_JSON = 'j',
	KMST_OPT_OUTPUT = 'o',
	KMST_OPT_FORMAT = 'f',
	KMST_OPT_MINOR = 'm',
	KMST_OPT_DEVICE = 'd',
	KMST_OPT_RULES = 'r',
	KMST_OPT_STALL_TIMEOUT = 's',
	/* Long only: above every character. */
	KMST_OPT_DURATION = 0x100,
	KMST_OPT_VBLANK_TOLERANCE,
	KMST_OPT_VBLANK_SLACK,
	KMST_OPT_LEVEL,
	/* A command's own long-only options number from here. */
	KMST_OPT_COMMAND_BASE = 0x200,
};

#define KMST_LONG_JSON { "json", no_argument, NULL, KMST_OPT_JSON }
#define KMST_LONG_OUTPUT { "output", required_argument, NULL, KMST_OPT_OUTPUT }
#define KMST_LONG_FORMAT { "format", required_argument, NULL, KMST_OPT_FORMAT }
#define KMST_LONG_MINOR { "minor", required_argument, NULL, KMST_OPT_MINOR }
#define KMST_LONG_DEVICE { "device", required_argument, NULL, KMST_OPT_DEVICE }
#define KMST_LONG_STALL_TIMEOUT { "stall-timeout", required_argument, NULL, KMST_OPT_STALL_TIMEOUT }
#define KMST_LONG_DURATION { "duration", required_argument, NULL, KMST_OPT_DURATION }
/* Every command that loads the tracers. */
#define KMST_LONG_LEVEL { "level", required_argument, NULL, KMST_OPT_LEVEL }
#define KMST_HELP_LEVEL                                                                        \
	"      --level LEVEL        what is traced: rules (the default: only what the rules\n"      \
	"                           read, fewer programs per commit) or full (every hook,\n"       \
	"                           entry and exit: for timelines, diff, debugging)\n"
/* The checker's options, taken by every command that checks a trace. */
#define KMST_LONG_CHECK                                                             \
	{ "rules", required_argument, NULL, KMST_OPT_RULES },                        \
	{ "vblank-tolerance", required_argument, NULL, KMST_OPT_VBLANK_TOLERANCE },  \
	{ "vblank-slack-us", required_argument, NULL, KMST_OPT_VBLANK_SLACK }
#define KMST_SHORT_CHECK "r:"
/* The checker's options, in the help of every command that checks. */
#define KMST_HELP_CHECK                                                                        \
	"  -r, --rules LIST         rules to judge: ids, groups (ordering, events, timing,\n"        \
	"                           lifetime, all) and -id exclusions, e.g. all,-timing\n"           \
	"      --vblank-tolerance PCT  allowed VBLANK interval deviation, % of the frame\n"            \
	"                           (0 to 1000, default 20)\n"                                        \
	"      --vblank-slack-us US  ... but never less than US microseconds (0 to 10000000,\n"       \
	"                           default 500)\n"

#define KMST_HELP_FORMAT "  -f, --format FORMAT      report as text, json, junit or tap (-j: json)\n"

/* Bounds, the same in every command (and in the man page). */
#define KMST_OPT_MINOR_MAX 255
#define KMST_OPT_DURATION_MAX_S 86400
#define KMST_OPT_TOLERANCE_MAX_PCT 1000
#define KMST_OPT_SLACK_MAX_US 10000000

/* The values of the shared options; defaults from kmst_shared_opts_init(). */
struct kmst_shared_opts {
	bool json;			/* -j, before or after the command */
	const char *output;		/* -o PATH; NULL when not given */
	int minor;			/* --minor N; -1 = any */
	const char *device;		/* --device /dev/dri/cardN; NULL when not given */
	double duration_s;		/* --duration SECONDS; 0 = not given */
	uint64_t stall_bound_ns;	/* --stall-timeout SEC; 0 = no watchdog */
	struct kmst_check_opts check;	/* --rules, --vblank-tolerance, --vblank-slack-us */
	int format;			/* -f NAME (enum kmst_report_format); -1 = not given */
	enum kmst_trace_level level;	/* --level NAME; KMST_LEVEL_RULES when not given */
	bool level_given;		/* --level was on the command line */
};

void kmst_shared_opts_init(struct kmst_shared_opts *so, const struct kmst_global_opts *gopts);

/*
 * Store OPT's value (getopt_long's result, ARG its optarg) if it is a
 * shared option. Returns 1 if stored; 0 after printing one line for an
 * unknown option, a missing value or a bad value (naming the option and
 * its bounds). CMD names the command in the line.
 */
int kmst_opt_shared(struct kmst_shared_opts *so, const char *cmd, int opt, const char *arg,
		    char **argv);

/* The report format: -f, else JSON with -j, else text. */
enum kmst_report_format kmst_opt_report_format(const struct kmst_shared_opts *so);

/* One line on stderr for a usage error (WHAT), pointing at `kmstrace CMD --help`. */
int kmst_opt_usage_error(const char *cmd, const char *what);

/*
 * --rules LIST: rule ids, groups (ordering, events, timing, lifetime, all)
 * and -name exclusions, e.g. "all,-timing". One line naming the bad word.
 */
bool kmst_opt_rules(const char *list, uint32_t *rules);
/* OPT's ARG as a whole number from 0 to MAX. One line naming the option. */
bool kmst_opt_uint(const char *opt, const char *arg, unsigned int max, unsigned int *out);
/* OPT's ARG as seconds, more than 0 and at most MAX. One line naming the option. */
bool kmst_opt_seconds(const char *opt, const char *arg, double max, double *out);

#endif
