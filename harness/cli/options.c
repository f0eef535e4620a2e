// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "check/rules.h"
#include "cli/options.h"
#include "common/log.h"
#include "trace/tracefile.h"

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
	unsigned long value = strtoul(arg, &end, 10);

	if (!*arg || *end || value > max) {
		kmst_err("%s: expected a number from 0 to %u, got '%s'", opt, max, arg);
		return false;
	}
	*out = (unsigned int)value;
	return true;
}
