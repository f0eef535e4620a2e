// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace list [TRACE]: what tracing can see on the running kernel (the
 * tracers are loaded and attached, then detached), or what it saw when
 * TRACE was recorded: each traced function and how it is attached (fentry,
 * kprobe, tracepoint) or why not, each DRM device's driver callbacks, and
 * which rules of the rule table can be judged on that.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/rules.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "common/log.h"
#include "replay/drm_summary.h"
#include "trace/meta.h"
#include "trace/tracefile.h"
#include "tracer/tracer.h"

#define OPT_KPROBE 'k'

/* The metadata of a tracer attached now on this kernel, as a record would write it. */
static char *live_meta(const struct kmst_shared_opts *so, bool force_kprobe)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct kmst_tracer *t;
	char *meta = NULL;

	opts.minor = so->minor;
	opts.force_kprobe = force_kprobe;
	opts.level = so->level;
	t = kmst_tracer_open(&opts);
	if (!t)
		return NULL;
	if (!kmst_tracer_attach(t)) {
		meta = strdup(kmst_tracer_meta(t));
		if (!meta)
			kmst_err("list: out of memory");
	}
	kmst_tracer_close(t);
	return meta;
}

static char *trace_meta(const char *path)
{
	struct kmst_reader reader;
	char *meta;

	if (kmst_reader_open(&reader, path))
		return NULL;
	meta = strdup(reader.meta);
	if (!meta)
		kmst_err("%s: out of memory", path);
	kmst_reader_close(&reader);
	return meta;
}

static const char *callback_mode(const struct kmst_meta *meta, const struct kmst_meta_callback *cb)
{
	const char *mode = kmst_meta_prog_mode(meta, cb->name);

	if (mode)
		return mode;
	return kmst_meta_missing(meta, cb->name) ? "not attached" : "not traced";
}

static void print_text(const struct kmst_meta *meta, const char *source)
{
	unsigned int i, d, rule;

	printf("%s, kernel %s, level %s\n\nprograms:\n", source, meta->kernel[0] ? meta->kernel : "?",
	       meta->level[0] ? meta->level : "full");
	for (i = 0; i < meta->prog_count; i++)
		printf("  %-48s %s\n", meta->progs[i].name, meta->progs[i].detail);
	for (i = 0; i < meta->missing_count; i++)
		printf("  %-48s not attached: %s\n", meta->missing[i].name, meta->missing[i].detail);
	printf("\ndevices:\n");
	if (!meta->device_count)
		printf("  none (no KMS device)\n");
	for (d = 0; d < meta->device_count; d++) {
		const struct kmst_meta_device *dev = &meta->devices[d];

		printf("  card%d %s\n", dev->minor, dev->driver);
		for (i = 0; i < meta->callback_count; i++) {
			const struct kmst_meta_callback *cb = &meta->callbacks[i];

			if (cb->minor == dev->minor)
				printf("    %-22s %-40s %s\n", cb->what, cb->name, callback_mode(meta, cb));
		}
		for (i = 0; i < meta->trait_count; i++)
			if (meta->traits[i].minor == dev->minor)
				printf("    trait: %s\n", meta->traits[i].what);
	}
	printf("\nrules:\n");
	for (rule = 1; rule < KMST_RULE_COUNT; rule++) {
		const char *reason = NULL;
		const char *fn = kmst_rule_missing_function(rule, meta, &reason);

		if (fn)
			printf("  %-24s cannot be judged: %s not traced (%s)\n", kmst_rule_name(rule), fn,
			       reason);
		else
			printf("  %-24s can be judged\n", kmst_rule_name(rule));
	}
}

static void json_key(const char *key, const char *value, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	kmst_json_string(stdout, value);
}

static void print_json(const struct kmst_meta *meta, const char *trace)
{
	unsigned int i, d, rule;
	bool first;

	printf("{\"source\":");
	if (trace)
		kmst_json_string(stdout, trace);
	else
		printf("\"kernel\"");
	json_key("kernel", meta->kernel, true);
	json_key("level", meta->level[0] ? meta->level : "full", true);
	printf(",\"programs\":[");
	for (i = 0; i < meta->prog_count; i++) {
		printf("%s{", i ? "," : "");
		json_key("name", meta->progs[i].name, false);
		json_key("mode", meta->progs[i].detail, true);
		printf("}");
	}
	printf("],\"missing\":[");
	for (i = 0; i < meta->missing_count; i++) {
		printf("%s{", i ? "," : "");
		json_key("name", meta->missing[i].name, false);
		json_key("reason", meta->missing[i].detail, true);
		printf("}");
	}
	printf("],\"devices\":[");
	for (d = 0; d < meta->device_count; d++) {
		const struct kmst_meta_device *dev = &meta->devices[d];

		printf("%s{\"minor\":%d", d ? "," : "", dev->minor);
		json_key("driver", dev->driver, true);
		printf(",\"callbacks\":[");
		first = true;
		for (i = 0; i < meta->callback_count; i++) {
			const struct kmst_meta_callback *cb = &meta->callbacks[i];

			if (cb->minor != dev->minor)
				continue;
			printf("%s{", first ? "" : ",");
			json_key("callback", cb->what, false);
			json_key("function", cb->name, true);
			json_key("mode", callback_mode(meta, cb), true);
			printf("}");
			first = false;
		}
		printf("],\"traits\":[");
		first = true;
		for (i = 0; i < meta->trait_count; i++) {
			if (meta->traits[i].minor != dev->minor)
				continue;
			printf("%s", first ? "" : ",");
			kmst_json_string(stdout, meta->traits[i].what);
			first = false;
		}
		printf("]}");
	}
	printf("],\"rules\":[");
	for (rule = 1; rule < KMST_RULE_COUNT; rule++) {
		const struct kmst_rule_info *info = kmst_rule_info(rule);
		const char *reason = NULL;
		const char *fn = kmst_rule_missing_function(rule, meta, &reason);

		printf("%s{", rule > 1 ? "," : "");
		json_key("rule", kmst_rule_name(rule), false);
		json_key("group", kmst_rule_group_name(info->group), true);
		printf(",\"judgeable\":%s", fn ? "false" : "true");
		if (fn) {
			json_key("missing", fn, true);
			json_key("reason", reason, true);
		}
		printf("}");
	}
	printf("]}\n");
}

static int do_list(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		KMST_LONG_MINOR,
		KMST_LONG_DEVICE,
		{ "kprobe", no_argument, NULL, OPT_KPROBE },
		KMST_LONG_LEVEL,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_shared_opts so;
	struct kmst_meta *meta;
	bool force_kprobe = false;
	const char *trace = NULL;
	char *text;
	int opt;

	kmst_shared_opts_init(&so, gopts);
	while ((opt = getopt_long(argc, argv, ":m:d:kj", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_KPROBE:
			force_kprobe = true;
			break;
		default:
			if (!kmst_opt_shared(&so, "list", opt, optarg, argv))
				return KMST_EXIT_BAD_INPUT;
		}
	}
	if (optind < argc - 1)
		return kmst_opt_usage_error("list", "expected at most one TRACE");
	if (optind == argc - 1) {
		trace = argv[optind];
		if (so.minor >= 0 || force_kprobe || so.level_given)
			return kmst_opt_usage_error("list", "--minor, --kprobe and --level are for the running kernel, not a TRACE");
	}
	if (so.device) {
		if (trace || so.minor >= 0 || force_kprobe || so.level_given)
			return kmst_opt_usage_error("list", "--device takes no TRACE, --minor, --kprobe or --level");
		return kmst_drm_summary(so.device, so.json, stdout) ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK;
	}
	text = trace ? trace_meta(trace) : live_meta(&so, force_kprobe);
	if (!text)
		return KMST_EXIT_BAD_INPUT;
	meta = malloc(sizeof(*meta));
	if (!meta) {
		kmst_err("list: out of memory");
		free(text);
		return KMST_EXIT_BAD_INPUT;
	}
	kmst_meta_parse(text, meta);
	if (so.json)
		print_json(meta, trace);
	else
		print_text(meta, trace ? trace : "running kernel");
	free(meta);
	free(text);
	return KMST_EXIT_OK;
}

const struct kmst_command kmst_cmd_list = {
	.name = "list",
	.synopsis = "[TRACE] [-m N] [-k] [--level L] | -d DEV",
	.summary = "what can be traced and judged: programs, driver callbacks, rules",
	.help = "Loads and attaches the tracers on the running kernel (then detaches them), or\n"
		"reads TRACE's metadata, and lists each traced function with how it is attached\n"
		"(fentry, kprobe, tracepoint) or why not, each DRM device's driver callbacks and\n"
		"their functions, its traits (e.g. no-vblank), and which rules can be judged.\n\n"
		"  -m, --minor N  only DRM minor N (/dev/dri/cardN, 0 to 255)\n"
		"  -d, --device DEV  instead, the device's KMS objects in one screen: CRTCs,\n"
		"                 planes (type, CRTCs, formats counted), connectors and modes\n"
		"  -k, --kprobe   as record --kprobe: kprobe/kretprobe for every function\n"
		"      --level LEVEL  as record --level: full or rules\n"
		"  -j, --json     one JSON object: source, kernel, level, programs, missing, devices\n"
		"                 (minor, driver, callbacks, traits), rules (judgeable or the\n"
		"                 missing function and why)\n",
	.run = do_list,
};
