// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "check/check_file.h"
#include "common/exit.h"
#include "common/log.h"
#include "trace/tracefile.h"

/*
 * Functions without which no rule can be decided: a trace whose metadata
 * says one of them could not be attached is incomplete. Everything else
 * missing only makes the rules that need it not applicable.
 */
static const char *const required_functions[] = {
	"drm_atomic_check_only",
	"drm_atomic_helper_commit_hw_done",
	"drm_atomic_helper_commit_planes",
};

/* The first `missing=NAME ...` line naming a required function, or NULL. */
static const char *missing_required(const char *meta, char *name, size_t len)
{
	const char *line = meta;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t line_len = eol ? (size_t)(eol - line) : strlen(line);
		size_t i;

		if (line_len > 8 && !strncmp(line, "missing=", 8)) {
			size_t name_len = strcspn(line + 8, " \n");

			for (i = 0; i < sizeof(required_functions) / sizeof(required_functions[0]); i++) {
				if (strlen(required_functions[i]) != name_len ||
				    strncmp(line + 8, required_functions[i], name_len))
					continue;
				snprintf(name, len, "%.*s", (int)(line_len - 8), line + 8);
				return name;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

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
	kmst_err("%s: incomplete trace: %llu events were dropped (%s); no verdict (record with a bigger ring buffer)",
		 trace, (unsigned long long)end->drops_total, used ? list : "per type unknown");
}

int kmst_check_file(const char *trace, const struct kmst_check_opts *opts,
		    enum kmst_report_format format, const char *seq_path, FILE *out)
{
	struct kmst_report_ctx ctx = { .trace = trace, .seq_path = seq_path };
	const struct kmst_check_result *res;
	char driver[64] = "", kernel[96] = "", missing[160], seq_meta[256];
	const struct kmst_event *ev;
	struct kmst_checker *ck;
	struct kmst_reader reader;
	int ret;

	if (kmst_reader_open(&reader, trace))
		return KMST_EXIT_BAD_INPUT;
	if (missing_required(reader.meta, missing, sizeof(missing))) {
		kmst_err("%s: incomplete trace: a required program was missing when recording (%s); no verdict",
			 trace, missing);
		kmst_reader_close(&reader);
		return KMST_EXIT_BAD_INPUT;
	}
	/* A replay's trace names its sequence, so a later `kmstrace check` can too. */
	if (!seq_path && kmst_meta_get(reader.meta, "seq", seq_meta, sizeof(seq_meta)))
		ctx.seq_path = seq_meta;
	kmst_meta_get(reader.meta, "driver", driver, sizeof(driver));
	kmst_meta_get(reader.meta, "kernel", kernel, sizeof(kernel));
	ctx.driver = driver;
	ctx.kernel = kernel;
	ck = kmst_checker_new(opts, reader.meta);
	if (!ck) {
		kmst_err("%s: out of memory", trace);
		kmst_reader_close(&reader);
		return KMST_EXIT_BAD_INPUT;
	}
	while ((ret = kmst_reader_next(&reader, &ev)) == 1)
		kmst_checker_feed(ck, ev);
	if (ret < 0) {
		/* The reader said what is wrong; a partial trace never passes. */
		kmst_err("%s: no verdict on an unreadable or incomplete trace", trace);
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	if (reader.end.drops_total) {
		report_drops(trace, &reader.end);
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	res = kmst_checker_finish(ck);
	kmst_report_print(out, format, &ctx, res);
	ret = res->violations_total || res->expect_failure_count ? KMST_EXIT_VIOLATIONS : KMST_EXIT_OK;
out:
	kmst_checker_free(ck);
	kmst_reader_close(&reader);
	return ret;
}
