// SPDX-License-Identifier: GPL-2.0
/* kmstrace check TRACE [--rules LIST] [-f text|json|junit|tap] [--vblank-tolerance PCT] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_file.h"
#include "cli/commands.h"
#include "common/log.h"
#include "trace/tracefile.h"

static void usage(void)
{
	kmst_err("usage: kmstrace check TRACE [--rules RULE,...] [-f text|json|junit|tap] "
		 "[--vblank-tolerance PCT] [--vblank-slack-us US] [--seq FILE.seq]");
}

/* "tail-order,fb-cleanup" -> rule bits; one line naming a bad rule and listing the good ones. */
static int parse_rules(const char *list, uint32_t *rules)
{
	char *copy = strdup(list), *name, *save = NULL;
	unsigned int rule;

	if (!copy)
		return -1;
	*rules = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		rule = kmst_rule_from_name(name);
		if (!rule) {
			char known[512];
			size_t used = 0;

			for (rule = 1; rule < KMST_RULE_COUNT; rule++)
				used += snprintf(known + used, sizeof(known) - used, "%s%s", used ? " " : "",
						 kmst_rule_name(rule));
			kmst_err("--rules: unknown rule '%s'; the rules are: %s", name, known);
			free(copy);
			return -1;
		}
		*rules |= 1u << rule;
	}
	free(copy);
	return *rules ? 0 : -1;
}

static bool parse_uint_arg(const char *opt, const char *arg, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long value = strtoul(arg, &end, 10);

	if (!*arg || *end || value > max) {
		kmst_err("%s: expected a number from 0 to %u, got '%s'", opt, max, arg);
		return false;
	}
	*out = (unsigned int)value;
	return true;
}

int do_check(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "vblank-tolerance", required_argument, NULL, 't' },
		{ "vblank-slack-us", required_argument, NULL, 's' },
		{ "seq", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kmst_check_opts opts = {
		.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
		.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
	};
	enum kmst_report_format format = gopts->json ? KMST_REPORT_JSON : KMST_REPORT_TEXT;
	const char *seq_path = NULL;
	int opt, value;

	while ((opt = getopt_long(argc, argv, "r:f:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (parse_rules(optarg, &opts.rules))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'f':
			value = kmst_report_format_from_name(optarg);
			if (value < 0) {
				kmst_err("-f: unknown format '%s': expected text, json, junit or tap", optarg);
				return KMST_EXIT_BAD_INPUT;
			}
			format = (enum kmst_report_format)value;
			break;
		case 't':
			if (!parse_uint_arg("--vblank-tolerance", optarg, 1000, &opts.vblank_tolerance_pct))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 's':
			if (!parse_uint_arg("--vblank-slack-us", optarg, 10000000, &opts.vblank_slack_us))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'q':
			seq_path = optarg;
			break;
		default:
			usage();
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage();
		return KMST_EXIT_BAD_INPUT;
	}
	return kmst_check_file(argv[optind], &opts, format, seq_path, stdout);
}
