/* SPDX-License-Identifier: GPL-2.0 */
/* Options more than one command takes, parsed one way with the same bounds everywhere. */
#ifndef KMSTRACE_OPTIONS_H
#define KMSTRACE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * --rules LIST: rule ids, groups (ordering, events, timing, lifetime, all)
 * and -name exclusions, e.g. "all,-timing". One line naming the bad word.
 */
bool kmst_opt_rules(const char *list, uint32_t *rules);
/* OPT's ARG as a whole number from 0 to MAX. One line naming the option. */
bool kmst_opt_uint(const char *opt, const char *arg, unsigned int max, unsigned int *out);

#endif
