// SPDX-License-Identifier: GPL-2.0
/* kmstrace dump TRACE: the trace as text, or as JSON lines with -j. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
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

static void print_end(const struct kmst_global_opts *opts, const struct kmst_end_record *end)
{
	unsigned int type;

	if (opts->json) {
		printf("{\"end\":{\"records\":%llu,\"drops_total\":%llu}}\n",
		       (unsigned long long)end->records, (unsigned long long)end->drops_total);
		return;
	}
	printf("# end: %llu records, %llu dropped\n", (unsigned long long)end->records,
	       (unsigned long long)end->drops_total);
	for (type = 0; type < KMST_EV_MAX; type++) {
		const char *name = kmst_event_type_name(type);

		if (end->drops[type])
			printf("# dropped %s: %llu\n", name ? name : "?",
			       (unsigned long long)end->drops[type]);
	}
}

int do_dump(const struct kmst_global_opts *opts, int argc, char **argv)
{
	const struct kmst_event *ev;
	struct kmst_reader reader;
	char line[512];
	int ret;

	if (argc != 2) {
		kmst_err("usage: kmstrace dump TRACE");
		return KMST_EXIT_BAD_INPUT;
	}
	if (kmst_reader_open(&reader, argv[1]))
		return KMST_EXIT_BAD_INPUT;
	if (opts->json) {
		print_meta_json(reader.meta);
	} else {
		printf("# kmstrace trace format %u\n", reader.version);
		for (char *meta_line = strtok(reader.meta, "\n"); meta_line;
		     meta_line = strtok(NULL, "\n"))
			printf("# %s\n", meta_line);
	}
	while ((ret = kmst_reader_next(&reader, &ev)) == 1) {
		if (opts->json) {
			kmst_event_print_json(stdout, ev);
			putchar('\n');
		} else {
			kmst_event_format(ev, line, sizeof(line));
			puts(line);
		}
	}
	if (ret == 0)
		print_end(opts, &reader.end);
	kmst_reader_close(&reader);
	return ret == 0 ? KMST_EXIT_OK : KMST_EXIT_BAD_INPUT;
}
