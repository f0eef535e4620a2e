// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace seq --parse FILE.seq    validate a sequence, print it in canonical form
 * kmstrace seq TRACE -o FILE.seq   turn a recording's REC_* records into a sequence
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"
#include "seq/seq.h"
#include "seq/seq_record.h"

static void usage(void)
{
	kmst_err("usage: kmstrace seq --parse FILE.seq | kmstrace seq TRACE [-o FILE.seq]");
}

static int parse_only(const char *path)
{
	struct kmst_seq seq;
	int err;

	if (kmst_seq_parse(&seq, path))
		return KMST_EXIT_BAD_INPUT;
	err = kmst_seq_write(&seq, stdout);
	kmst_seq_free(&seq);
	return err ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
}

static int from_trace(const char *trace, const char *out_path)
{
	struct kmst_seq seq;
	FILE *out = stdout;
	int ret;

	ret = kmst_seq_from_trace(&seq, trace);
	if (ret)
		return ret;
	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			kmst_err("%s: cannot create sequence: %m", out_path);
			kmst_seq_free(&seq);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	ret = kmst_seq_write(&seq, out) ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
	if (out != stdout && fclose(out)) {
		kmst_err("%s: cannot write sequence: %m", out_path);
		ret = KMST_EXIT_BAD_INPUT;
	}
	kmst_seq_free(&seq);
	return ret;
}

int do_seq(const struct kmst_global_opts *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "parse", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *parse = NULL, *out_path = NULL;
	int opt;

	(void)opts;
	/* 0 re-initialises glibc getopt, so options may also follow the positional argument. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "p:o:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			parse = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		default:
			usage();
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (parse && optind == argc && !out_path)
		return parse_only(parse);
	if (!parse && optind == argc - 1)
		return from_trace(argv[optind], out_path);
	usage();
	return KMST_EXIT_BAD_INPUT;
}
