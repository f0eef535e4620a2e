// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

/* Set once by main() before any subcommand runs. */
static struct kmst_log_opts log_opts;

void kmst_log_configure(const struct kmst_log_opts *opts)
{
	log_opts = *opts;
}

bool kmst_log_verbose(void)
{
	return log_opts.verbose;
}

bool kmst_log_quiet(void)
{
	return log_opts.quiet;
}

static void vprint(const char *fmt, va_list ap)
{
	fputs("kmstrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kmst_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void kmst_info(const char *fmt, ...)
{
	va_list ap;

	if (log_opts.quiet)
		return;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void kmst_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_opts.verbose)
		return;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}
