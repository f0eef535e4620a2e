/* SPDX-License-Identifier: GPL-2.0 */
/* One error printer and one info printer for every kmstrace subcommand. */
#ifndef KMSTRACE_LOG_H
#define KMSTRACE_LOG_H

#include <stdbool.h>

/* "kmstrace: <message>" on stderr. */
void kmst_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "kmstrace: <message>" on stderr unless quiet (-q). */
void kmst_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void kmst_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Output settings from the global options, read-only after main() parses them. */
struct kmst_log_opts {
	bool verbose;
	bool quiet;
};
void kmst_log_configure(const struct kmst_log_opts *opts);
bool kmst_log_verbose(void);
bool kmst_log_quiet(void);

#endif
