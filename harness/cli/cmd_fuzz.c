// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace fuzz [--seed S] [--count N | --seconds T] [--case N]
 *               [--device DEV | --driver NAME] [-o DIR] [--trace [check options]]
 *               [--errno-table] [-j]
 *
 * Fuzzes a KMS device's atomic interface with commits of its own objects,
 * each with one mutation, and checks every answer against the uAPI errno
 * table and every rejected commit against the state read back (afuzz/).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afuzz/afuzz.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "common/log.h"

#define COUNT_MAX 1000000000ull

enum {
	OPT_SEED = KMST_OPT_COMMAND_BASE,
	OPT_COUNT,
	OPT_SECONDS,
	OPT_CASE,
	OPT_DRIVER,
	OPT_ERRNO_TABLE,
	OPT_TRACE,
};

static bool parse_u64(const char *opt, const char *arg, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || *out > max) {
		kmst_err("fuzz: %s: '%s' is not a whole number from 0 to %llu", opt, arg, max);
		return false;
	}
	return true;
}

static void print_summary(const struct kmst_afuzz_opts *o, const struct kmst_afuzz_stats *st)
{
	unsigned int m;

	if (o->json) {
		printf("{\"device\":");
		kmst_json_string(stdout, st->device);
		printf(",\"driver\":");
		kmst_json_string(stdout, st->driver);
		printf(",\"seed\":%" PRIu64 ",\"cases\":%llu,\"commits\":%llu,\"rejected\":%llu,"
		       "\"errno_mismatches\":%llu,\"state_changes\":%llu,\"splats\":%llu,"
		       "\"splats_counted\":%s,\"reproducers\":%llu,\"seconds\":%.3f,",
		       o->seed, st->cases, st->commits, st->rejected, st->mismatches, st->state_changed,
		       st->splats, st->kmsg_readable ? "true" : "false", st->reproducers, st->seconds);
		if (st->traced) {
			printf("\"trace\":");
			kmst_json_string(stdout, o->trace_path);
			printf(",\"trace_verdict\":%d,", st->trace_verdict);
		}
		printf("\"by_mutation\":{");
		for (m = 0; m < KMST_MUT_COUNT; m++)
			printf("%s\"%s\":%llu", m ? "," : "", kmst_afuzz_rule(m)->name, st->by_mutation[m]);
		printf("}}\n");
		return;
	}
	printf("fuzz %s (%s), seed %" PRIu64 ": %llu cases (%llu commits, %llu rejected) in %.1f s, %.0f/s\n",
	       st->device, st->driver, o->seed, st->cases, st->commits, st->rejected, st->seconds,
	       st->seconds > 0 ? st->cases / st->seconds : 0.0);
	printf("  errno mismatches %llu, state changed by a rejected or TEST_ONLY commit %llu, "
	       "kernel splats %llu%s\n",
	       st->mismatches, st->state_changed, st->splats,
	       st->kmsg_readable ? "" : " (/dev/kmsg not readable: not counted)");
	if (st->traced)
		printf("  trace %s: checker verdict exit %d (its report is on stderr; \"line N\" is case N)\n",
		       o->trace_path, st->trace_verdict);
	for (m = 0; m < KMST_MUT_COUNT; m++)
		if (st->by_mutation[m])
			printf("  %-24s %llu\n", kmst_afuzz_rule(m)->name, st->by_mutation[m]);
}

static int do_fuzz(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "case", required_argument, NULL, OPT_CASE },
		{ "driver", required_argument, NULL, OPT_DRIVER },
		{ "errno-table", no_argument, NULL, OPT_ERRNO_TABLE },
		{ "trace", no_argument, NULL, OPT_TRACE },
		KMST_LONG_CHECK,
		KMST_LONG_DEVICE,
		KMST_LONG_OUTPUT,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_afuzz_opts o = { .only_case = -1 };
	struct kmst_afuzz_stats st;
	struct kmst_shared_opts so;
	unsigned long long value;
	bool seeded = false, table = false, trace = false;
	char trace_path[4096];
	int opt, ret;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":d:o:j" KMST_SHORT_CHECK, long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_SEED:
			if (!parse_u64("--seed", optarg, UINT64_MAX, &value))
				return KMST_EXIT_BAD_INPUT;
			o.seed = value;
			seeded = true;
			break;
		case OPT_COUNT:
			if (!parse_u64("--count", optarg, COUNT_MAX, &value) || !value) {
				if (!value)
					kmst_err("fuzz: --count: must be at least 1");
				return KMST_EXIT_BAD_INPUT;
			}
			o.count = value;
			break;
		case OPT_SECONDS:
			if (!kmst_opt_seconds("--seconds", optarg, KMST_OPT_DURATION_MAX_S, &o.seconds))
				return KMST_EXIT_BAD_INPUT;
			break;
		case OPT_CASE:
			if (!parse_u64("--case", optarg, COUNT_MAX, &value))
				return KMST_EXIT_BAD_INPUT;
			o.only_case = (long long)value;
			break;
		case OPT_DRIVER:
			o.driver = optarg;
			break;
		case OPT_ERRNO_TABLE:
			table = true;
			break;
		case OPT_TRACE:
			trace = true;
			break;
		default:
			if (!kmst_opt_shared(&so, "fuzz", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc)
		return kmst_opt_usage_error("fuzz", "takes no arguments");
	if (table) {
		kmst_afuzz_print_table(stdout);
		return KMST_EXIT_OK;
	}
	if (o.count && o.seconds > 0)
		return kmst_opt_usage_error("fuzz", "--count and --seconds exclude each other");
	if (so.device && o.driver)
		return kmst_opt_usage_error("fuzz", "--device and --driver exclude each other");
	if (!o.count && o.seconds <= 0)
		o.count = 1000;
	if (!seeded)
		o.seed = (uint64_t)time(NULL);
	o.device = so.device;
	o.out_dir = so.output;
	o.json = so.json;
	o.check = &so.check;
	if (trace) {
		snprintf(trace_path, sizeof(trace_path), "%s/fuzz-%" PRIu64 ".kmst",
			 so.output ? so.output : ".", o.seed);
		o.trace_path = trace_path;
	}
	kmst_info("fuzz: seed %" PRIu64 " (--seed %" PRIu64 " runs the same cases again)", o.seed, o.seed);
	ret = kmst_afuzz_run(&o, &st);
	if (ret != KMST_EXIT_BAD_INPUT)
		print_summary(&o, &st);
	return ret;
}

const struct kmst_command kmst_cmd_fuzz = {
	.name = "fuzz",
	.synopsis = "[--seed S] [--count N | --seconds T] [--device DEV | --driver NAME] [-o DIR] [--trace]",
	.summary = "fuzz a KMS device's atomic interface with mutated commits of its own objects",
	.help = "Builds valid atomic commits from the device's CRTCs, planes, connectors, dumb-buffer\n"
		"framebuffers and mode blobs, mutates each one way (unknown and stale ids, values out\n"
		"of range, every flag combination, wrong-size blobs, impossible mode timings, planes\n"
		"off screen, nonblocking storms, fbs removed while on screen, legacy SETCRTC,\n"
		"PAGE_FLIP and CURSOR between atomic commits), checks each errno against the uAPI\n"
		"table (--errno-table), reads every property back after a rejected or TEST_ONLY\n"
		"commit, and counts kernel WARN/BUG/Oops lines in /dev/kmsg. Each finding is written\n"
		"as a .seq reproducer. Exit 0: none; 1: a mismatch, state change or splat; 2: error.\n"
		"      --seed S             the random seed (default: the time; printed)\n"
		"      --count N            run N cases (default 1000)\n"
		"      --seconds T          run for T seconds instead\n"
		"      --case N             run only case N of the seed (reproduce one case)\n"
		"  -d, --device PATH        the device (default: the first KMS device)\n"
		"      --driver NAME        the first KMS device of driver NAME\n"
		"  -o, --output DIR         where reproducers go (default: .)\n"
		"      --trace              attach the tracers, write DIR/fuzz-SEED.kmst and check it:\n"
		"                           each violation names its case (\"line N\" = case N)\n"
		KMST_HELP_CHECK
		"      --errno-table        print the uAPI errno table and exit\n"
		"  -j, --json               the summary as one JSON object\n",
	.run = do_fuzz,
};
