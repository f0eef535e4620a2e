// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/rules.h"
#include "cli/options.h"
#include "common/log.h"
#include "trace/tracefile.h"
#include "tracer/watchdog.h"

void kmst_shared_opts_init(struct kmst_shared_opts *so, const struct kmst_global_opts *gopts)
{
	*so = (struct kmst_shared_opts){
		.json = gopts->json,
		.minor = -1,
		.stall_bound_ns = KMST_WATCHDOG_DEFAULT_S * 1000000000ull,
		.check = {
			.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
			.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
		},
		.format = -1,
		.level = KMST_LEVEL_RULES,
	};
}

bool kmst_opt_rules(const char *list, uint32_t *rules)
{
	const char *bad = NULL;
	unsigned int bad_len = 0, rule, group;
	char known[600];
	size_t used = 0;

	*rules = kmst_rules_parse(list, &bad, &bad_len);
	if (*rules)
		return true;
	for (rule = 1; rule < KMST_RULE_COUNT && used < sizeof(known); rule++)
		used += snprintf(known + used, sizeof(known) - used, "%s ", kmst_rule_name(rule));
	for (group = 1; group < KMST_GROUP_COUNT && used < sizeof(known); group++)
		used += snprintf(known + used, sizeof(known) - used, "%s ", kmst_rule_group_name(group));
	kmst_err("--rules: unknown rule or group '%.*s' (or nothing left selected); known: %sall",
		 (int)bad_len, bad ? bad : "", known);
	return false;
}

bool kmst_opt_uint(const char *opt, const char *arg, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long value;

	/* strtoul takes "-1" as a huge number: only digits are a count. */
	value = isdigit((unsigned char)*arg) ? strtoul(arg, &end, 10) : 0;
	if (!isdigit((unsigned char)*arg) || *end || value > max) {
		kmst_err("%s: expected a number from 0 to %u, got '%s'", opt, max, arg);
		return false;
	}
	*out = (unsigned int)value;
	return true;
}

bool kmst_opt_seconds(const char *opt, const char *arg, double max, double *out)
{
	char *end;
	double value = strtod(arg, &end);

	if (!*arg || *end || !(value > 0 && value <= max)) {
		kmst_err("%s: expected seconds, more than 0 and at most %g, got '%s'", opt, max, arg);
		return false;
	}
	*out = value;
	return true;
}

int kmst_opt_usage_error(const char *cmd, const char *what)
{
	kmst_err("%s: %s (see 'kmstrace %s --help' for its usage)", cmd, what, cmd);
	return KMST_EXIT_BAD_INPUT;
}

/* getopt_long's '?' or ':' (optstring starts with ':'), as one line. */
static int opt_error(const char *cmd, int opt, char **argv)
{
	char name[64];

	/*
	 * A missing value: the option as typed is the last word taken. An
	 * unknown short option may sit in a cluster (-jx): optopt has it; an
	 * unknown long one leaves optopt 0.
	 */
	if (opt != ':' && optopt > 0 && optopt < 0x100 && isprint(optopt))
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%s", optind > 0 ? argv[optind - 1] : "?");
	kmst_err("%s: %s '%s' (see 'kmstrace %s --help' for its usage)", cmd,
		 opt == ':' ? "missing value for option" : "unknown option", name, cmd);
	return 0;
}

int kmst_opt_shared(struct kmst_shared_opts *so, const char *cmd, int opt, const char *arg,
		    char **argv)
{
	int format;

	switch (opt) {
	case KMST_OPT_JSON:
		so->json = true;
		return 1;
	case KMST_OPT_OUTPUT:
		if (!*arg) {
			kmst_opt_usage_error(cmd, "-o: empty path");
			return 0;
		}
		so->output = arg;
		return 1;
	case KMST_OPT_FORMAT:
		format = kmst_report_format_from_name(arg);
		if (format < 0) {
			kmst_err("-f: unknown format '%s': expected text, json, junit or tap", arg);
			return 0;
		}
		so->format = format;
		return 1;
	case KMST_OPT_MINOR: {
		unsigned int minor;

		if (!kmst_opt_uint("--minor", arg, KMST_OPT_MINOR_MAX, &minor))
			return 0;
		so->minor = (int)minor;
		return 1;
	}
	case KMST_OPT_DEVICE:
		if (!*arg) {
			kmst_opt_usage_error(cmd, "--device: empty path");
			return 0;
		}
		so->device = arg;
		return 1;
	case KMST_OPT_RULES:
		return kmst_opt_rules(arg, &so->check.rules);
	case KMST_OPT_STALL_TIMEOUT:
		return kmst_watchdog_parse_bound(arg, &so->stall_bound_ns) == 0;
	case KMST_OPT_LEVEL: {
		char what[96];

		if (kmst_trace_level_parse(arg, &so->level)) {
			so->level_given = true;
			return 1;
		}
		snprintf(what, sizeof(what), "--level: expected full or rules, got '%.40s'", arg);
		kmst_opt_usage_error(cmd, what);
		return 0;
	}
	case KMST_OPT_DURATION:
		return kmst_opt_seconds("--duration", arg, KMST_OPT_DURATION_MAX_S, &so->duration_s);
	case KMST_OPT_VBLANK_TOLERANCE:
		return kmst_opt_uint("--vblank-tolerance", arg, KMST_OPT_TOLERANCE_MAX_PCT,
				     &so->check.vblank_tolerance_pct);
	case KMST_OPT_VBLANK_SLACK:
		return kmst_opt_uint("--vblank-slack-us", arg, KMST_OPT_SLACK_MAX_US,
				     &so->check.vblank_slack_us);
	default:
		return opt_error(cmd, opt, argv);
	}
}

enum kmst_report_format kmst_opt_report_format(const struct kmst_shared_opts *so)
{
	if (so->format >= 0)
		return (enum kmst_report_format)so->format;
	return so->json ? KMST_REPORT_JSON : KMST_REPORT_TEXT;
}
