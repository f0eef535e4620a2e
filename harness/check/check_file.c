// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "check/check_file.h"
#include "common/exit.h"
#include "common/log.h"
#include "trace/meta.h"
#include "trace/tracefile.h"

static void report_drops(const char *trace, const struct kmst_end_record *end)
{
	char list[512] = "";
	size_t used = 0;
	unsigned int type;

	for (type = 0; type < KMST_EV_MAX && used < sizeof(list); type++) {
		const char *name = kmst_event_type_name(type);

		if (end->drops[type])
			used += snprintf(list + used, sizeof(list) - used, "%s%s %llu", used ? ", " : "",
					 name ? name : "?", (unsigned long long)end->drops[type]);
	}
	kmst_err("%s: incomplete trace: %llu events were dropped (%s); INCOMPLETE (record with a bigger ring buffer)",
		 trace, (unsigned long long)end->drops_total, used ? list : "per type unknown");
}

int kmst_check_file(const char *trace, const struct kmst_check_opts *opts,
		    enum kmst_report_format format, const char *seq_path, FILE *out)
{
	struct kmst_report_ctx ctx = { .trace = trace, .seq_path = seq_path };
	const struct kmst_check_result *res;
	const struct kmst_event *ev;
	struct kmst_checker *ck;
	struct kmst_reader reader;
	struct kmst_meta *meta;
	int ret;

	if (kmst_reader_open(&reader, trace))
		return KMST_EXIT_BAD_INPUT;
	meta = malloc(sizeof(*meta));
	if (!meta) {
		kmst_err("%s: out of memory", trace);
		ret = KMST_EXIT_BAD_INPUT;
		goto out_reader;
	}
	kmst_meta_parse(reader.meta, meta);
	/* A replay's trace names its sequence, so a later `kmstrace check` can too. */
	if (!seq_path && meta->seq[0])
		ctx.seq_path = meta->seq;
	ctx.driver = meta->driver;
	ctx.kernel = meta->kernel;
	ck = kmst_checker_new(opts, meta);
	if (!ck) {
		kmst_err("%s: out of memory", trace);
		ret = KMST_EXIT_BAD_INPUT;
		goto out_meta;
	}
	while ((ret = kmst_reader_next(&reader, &ev)) == 1)
		kmst_checker_feed(ck, ev);
	if (ret < 0) {
		/* The reader said what is wrong; a partial trace never passes. */
		kmst_err("%s: no verdict on an unreadable or incomplete trace", trace);
		ret = KMST_EXIT_BAD_INPUT;
		goto out_checker;
	}
	if (reader.end.drops_total || reader.end.missed_runs) {
		if (reader.end.drops_total)
			report_drops(trace, &reader.end);
		else
			kmst_err("%s: incomplete trace: the kernel skipped %llu runs of the tracer's programs (one would have run while it ran on the same CPU, as PREEMPT_RT allows), so their records are missing; INCOMPLETE",
				 trace, (unsigned long long)reader.end.missed_runs);
		/*
		 * Records were lost: the trace is damaged input (README's exit
		 * table). The report still says so, every rule not judged, so
		 * that a JSON, JUnit or TAP consumer sees this trace too.
		 */
		res = kmst_checker_finish_lost(ck, reader.end.drops_total, reader.end.missed_runs);
		kmst_report_print(out, format, &ctx, res);
		ret = KMST_EXIT_BAD_INPUT;
		goto out_checker;
	}
	res = kmst_checker_finish(ck);
	if (res->unknown_events)
		kmst_info("%s: %llu records of types this kmstrace does not know were not judged",
			  trace, res->unknown_events);
	kmst_report_print(out, format, &ctx, res);
	ret = res->verdict == KMST_VERDICT_FAIL	      ? KMST_EXIT_VIOLATIONS :
	      res->verdict == KMST_VERDICT_INCOMPLETE ? KMST_EXIT_INCOMPLETE :
							KMST_EXIT_OK;
out_checker:
	kmst_checker_free(ck);
out_meta:
	free(meta);
out_reader:
	kmst_reader_close(&reader);
	return ret;
}
