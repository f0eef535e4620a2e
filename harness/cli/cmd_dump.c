// SPDX-License-Identifier: GPL-2.0
/* kmstrace dump TRACE: the trace as text, or as JSON lines with -j. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "trace/eventfmt.h"
#include "common/log.h"
#include "trace/tracefile.h"

static void print_meta_json(const char *meta)
{
	fputs("{\"meta\":", stdout);
	kmst_json_string(stdout, meta);
	puts("}");
}

static void print_end(bool json, const struct kmst_end_record *end)
{
	unsigned int type;

	if (json) {
		printf("{\"end\":{\"records\":%llu,\"drops_total\":%llu,\"missed_runs\":%llu}}\n",
		       (unsigned long long)end->records, (unsigned long long)end->drops_total,
		       (unsigned long long)end->missed_runs);
		return;
	}
	printf("# end: %llu records, %llu dropped, %llu tracer runs skipped by the kernel\n",
	       (unsigned long long)end->records, (unsigned long long)end->drops_total,
	       (unsigned long long)end->missed_runs);
	for (type = 0; type < KMST_EV_MAX; type++) {
		const char *name = kmst_event_type_name(type);

		if (end->drops[type])
			printf("# dropped %s: %llu\n", name ? name : "?",
			       (unsigned long long)end->drops[type]);
	}
}

static int do_dump(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		KMST_LONG_JSON,
		{ 0 },
	};
	const struct kmst_event *ev;
	struct kmst_shared_opts so;
	struct kmst_reader reader;
	char line[512];
	int ret, opt;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":j", long_opts, NULL)) != -1)
		if (!kmst_opt_shared(&so, "dump", opt, optarg, argv))
			return KMST_EXIT_BAD_INPUT;
	if (optind != argc - 1)
		return kmst_opt_usage_error("dump", "expected one TRACE");
	if (kmst_reader_open(&reader, argv[optind]))
		return KMST_EXIT_BAD_INPUT;
	if (so.json) {
		print_meta_json(reader.meta);
	} else {
		printf("# kmstrace trace format %u\n", reader.version);
		for (char *meta_line = strtok(reader.meta, "\n"); meta_line;
		     meta_line = strtok(NULL, "\n"))
			printf("# %s\n", meta_line);
	}
	while ((ret = kmst_reader_next(&reader, &ev)) == 1) {
		if (so.json) {
			kmst_event_print_json(stdout, ev);
			putchar('\n');
		} else {
			kmst_event_format(ev, line, sizeof(line));
			puts(line);
		}
	}
	if (ret == 0)
		print_end(so.json, &reader.end);
	kmst_reader_close(&reader);
	return ret == 0 ? KMST_EXIT_OK : KMST_EXIT_BAD_INPUT;
}

const struct kmst_command kmst_cmd_dump = {
	.name = "dump",
	.synopsis = "TRACE",
	.summary = "print a trace file's metadata and every event as text",
	.help = "One line per event, in file order, after the trace's metadata (# lines).\n\n"
		"  -j, --json  JSON lines: {\"meta\":...}, one object per event, {\"end\":...}\n",
	.run = do_dump,
};
