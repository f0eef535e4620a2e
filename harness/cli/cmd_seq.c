// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace seq --parse FILE.seq    validate a sequence, print it in canonical form
 * kmstrace seq TRACE [-o FILE.seq] turn a recording's REC_* records into a sequence
 * -j: one JSON object instead, with the canonical text as a string.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "seq/seq.h"
#include "seq/seq_record.h"

#define OPT_PARSE 'p'

/*
 * {"seq":FILE|null, "from_trace":TRACE, "steps":N, "commits":N, "fbs":N, "text":...}:
 * the text when the sequence was written to no file.
 */
static int print_json(const struct kmst_seq *seq, const char *seq_path, const char *trace)
{
	unsigned int i, commits = 0;
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem;

	for (i = 0; i < seq->step_count; i++)
		commits += seq->steps[i].kind == KMST_STEP_COMMIT;
	if (!(seq_path && trace)) {
		mem = open_memstream(&text, &text_len);
		if (!mem || kmst_seq_write(seq, mem) || fclose(mem)) {
			kmst_err("%s: cannot format the sequence", seq_path ? seq_path : trace);
			free(text);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	printf("{\"seq\":");
	if (seq_path)
		kmst_json_string(stdout, seq_path);
	else
		printf("null");
	if (trace) {
		printf(",\"from_trace\":");
		kmst_json_string(stdout, trace);
	}
	printf(",\"steps\":%u,\"commits\":%u,\"fbs\":%u", seq->step_count, commits, seq->fb_count);
	if (text) {
		printf(",\"text\":");
		kmst_json_string(stdout, text);
	}
	printf("}\n");
	free(text);
	return KMST_EXIT_OK;
}

static int parse_only(const char *path, bool json)
{
	struct kmst_seq seq;
	int ret;

	if (kmst_seq_parse(&seq, path))
		return KMST_EXIT_BAD_INPUT;
	if (json)
		ret = print_json(&seq, path, NULL);
	else
		ret = kmst_seq_write(&seq, stdout) ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
	kmst_seq_free(&seq);
	return ret;
}

static int write_file(const struct kmst_seq *seq, const char *out_path)
{
	FILE *out;
	int ret;

	if (kmst_make_parent_dirs(out_path))
		return KMST_EXIT_BAD_INPUT;
	out = fopen(out_path, "w");
	if (!out) {
		kmst_err("%s: cannot create sequence: %m", out_path);
		return KMST_EXIT_BAD_INPUT;
	}
	ret = kmst_seq_write(seq, out) ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
	if (fclose(out)) {
		kmst_err("%s: cannot write sequence: %m", out_path);
		ret = KMST_EXIT_BAD_INPUT;
	}
	return ret;
}

static int from_trace(const char *trace, const char *out_path, bool json)
{
	struct kmst_seq seq;
	int ret;

	ret = kmst_seq_from_trace(&seq, trace);
	if (ret)
		return ret;
	if (out_path)
		ret = write_file(&seq, out_path);
	else if (!json)
		ret = kmst_seq_write(&seq, stdout) ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
	if (!ret && json)
		ret = print_json(&seq, out_path, trace);
	kmst_seq_free(&seq);
	return ret;
}

static int do_seq(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "parse", required_argument, NULL, OPT_PARSE },
		KMST_LONG_OUTPUT,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_shared_opts so;
	const char *parse = NULL;
	int opt;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":p:o:j", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PARSE:
			parse = optarg;
			break;
		default:
			if (!kmst_opt_shared(&so, "seq", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (parse && optind == argc && !so.output)
		return parse_only(parse, so.json);
	if (!parse && optind == argc - 1)
		return from_trace(argv[optind], so.output, so.json);
	return kmst_opt_usage_error("seq", "expected --parse FILE.seq, or one TRACE with an optional -o");
}

const struct kmst_command kmst_cmd_seq = {
	.name = "seq",
	.synopsis = "--parse FILE.seq | TRACE [-o FILE.seq]",
	.summary = "validate a commit sequence, or make one from a recording",
	.help = "--parse checks FILE.seq and prints it in canonical form; TRACE (a recording\n"
		"with its ioctl arguments, REC_* records) becomes a symbolic, replayable\n"
		"sequence (see traces/FORMAT.md).\n\n"
		"  -p, --parse FILE.seq  validate FILE.seq (one PATH:LINE:COL line on error)\n"
		"  -o, --output FILE.seq  write the sequence there (its directories are created)\n"
		"  -j, --json            one JSON object: seq (the file), from_trace, steps,\n"
		"                        commits, fbs, and text (the sequence) unless -o wrote it\n",
	.run = do_seq,
};
