// SPDX-License-Identifier: GPL-2.0
/*
 * The checker's results in four forms. Text for people, JSON for scripts,
 * JUnit XML and TAP for CI systems: one test case per rule (n/a is a skip,
 * "not judged" an error, never a pass), plus one for the replay's expected
 * results when the trace is a replay.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/eventfmt.h"
#include "check/report.h"
#include "common/json.h"
#include "common/xml.h"
#include "check/rules.h"
#include "seq/seq.h"
#include "trace/tracefile.h"

int kmst_report_format_from_name(const char *name)
{
	if (!strcmp(name, "text"))
		return KMST_REPORT_TEXT;
	if (!strcmp(name, "json"))
		return KMST_REPORT_JSON;
	if (!strcmp(name, "junit"))
		return KMST_REPORT_JUNIT;
	if (!strcmp(name, "tap"))
		return KMST_REPORT_TAP;
	return -1;
}

static const char *status_name(enum kmst_rule_status status)
{
	switch (status) {
	case KMST_RULE_PASS:
		return "pass";
	case KMST_RULE_FAIL:
		return "fail";
	case KMST_RULE_NA:
		return "n/a";
	case KMST_RULE_NOT_JUDGED:
		return "not judged";
	default:
		return "not checked";
	}
}

static const char *verdict_name(enum kmst_verdict verdict)
{
	switch (verdict) {
	case KMST_VERDICT_PASS:
		return "PASS";
	case KMST_VERDICT_FAIL:
		return "FAIL";
	default:
		return "INCOMPLETE";
	}
}

/* "commit 12, crtc 0, sequence line 17" */
static void where(const struct kmst_violation *v, const struct kmst_report_ctx *ctx, char *buf,
		  size_t len)
{
	size_t used = 0;

	if (v->commit_id)
		used += snprintf(buf + used, len - used, "commit %u", v->commit_id);
	if (v->crtc >= 0 && used < len)
		used += snprintf(buf + used, len - used, "%scrtc %d", used ? ", " : "", v->crtc);
	if (v->minor >= 0 && used < len)
		used += snprintf(buf + used, len - used, "%scard%d", used ? ", " : "", v->minor);
	if (v->plane >= 0 && used < len)
		used += snprintf(buf + used, len - used, "%splane %d", used ? ", " : "", v->plane);
	if (v->seq_line && used < len)
		used += snprintf(buf + used, len - used, "%s%s line %u", used ? ", " : "",
				 ctx->seq_path ? ctx->seq_path : "sequence", v->seq_line);
	if (!used)
		snprintf(buf, len, "trace");
}

static void text_violation(FILE *out, const struct kmst_violation *v,
			   const struct kmst_report_ctx *ctx, const char *indent)
{
	char line[512], place[192];
	unsigned int i;

	where(v, ctx, place, sizeof(place));
	fprintf(out, "%sVIOLATION %s at %s\n", indent, kmst_rule_name(v->rule), place);
	fprintf(out, "%s  rule: %s\n", indent, kmst_rule_meaning(v->rule));
	fprintf(out, "%s  what: %s\n", indent, v->detail);
	if (v->offending_count)
		fprintf(out, "%s  offending events:\n", indent);
	for (i = 0; i < v->offending_count; i++) {
		kmst_event_format(&v->offending[i], line, sizeof(line));
		fprintf(out, "%s    %s\n", indent, line);
	}
	if (v->window_count)
		fprintf(out, "%s  window:\n", indent);
	for (i = 0; i < v->window_count; i++) {
		kmst_event_format(&v->window[i], line, sizeof(line));
		fprintf(out, "%s   %s %s\n", indent, i == v->window_offending ? ">" : " ", line);
	}
}

/* The trace lost records: nothing in it was judged (kmst_checker_finish_lost). */
static bool lost(const struct kmst_check_result *res)
{
	return res->dropped || res->missed_runs;
}

static void print_text(FILE *out, const struct kmst_report_ctx *ctx,
		       const struct kmst_check_result *res)
{
	unsigned int i, fails = 0, na = 0, passed = 0, unjudged = 0;
	char a[32], b[32];

	fprintf(out, "kmstrace check: %s (driver %s, kernel %s): %llu events, %llu commits, "
		     "at most %llu in flight\n",
		ctx->trace, *ctx->driver ? ctx->driver : "?", *ctx->kernel ? ctx->kernel : "?",
		res->events, res->commits, res->peak_in_flight);
	if (res->joined)
		fprintf(out, "(%llu commits were in flight when tracing began: not judged)\n",
			res->joined);
	if (res->cut)
		fprintf(out, "(%llu commits were still running when tracing ended: not judged)\n",
			res->cut);
	for (i = 0; i < res->violation_count; i++) {
		fputc('\n', out);
		text_violation(out, &res->violations[i], ctx, "");
	}
	if (res->violations_total > res->violation_count)
		fprintf(out, "\n(%llu more violations not shown)\n",
			res->violations_total - res->violation_count);
	for (i = 0; i < res->expect_failure_count; i++) {
		const struct kmst_expect_failure *f = &res->expect_failures[i];

		fprintf(out, "\nEXPECTATION FAILED at %s line %u (replayed commit #%u",
			ctx->seq_path ? ctx->seq_path : "sequence", f->seq_line, f->ordinal);
		if (f->commit_id)
			fprintf(out, ", commit %u", f->commit_id);
		fprintf(out, "): expected %s, got %s\n", kmst_errno_text(f->expected, a, sizeof(a)),
			kmst_errno_text(f->got, b, sizeof(b)));
	}
	fputs("\nrules:\n", out);
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		const struct kmst_rule_result *r = &res->rules[i];

		if (r->status == KMST_RULE_NOT_CHECKED)
			continue;
		fprintf(out, "  %-24s %-10s", kmst_rule_name(i), status_name(r->status));
		if (r->status == KMST_RULE_FAIL)
			fprintf(out, " %llu violation%s", r->violations, r->violations == 1 ? "" : "s");
		else if (r->status == KMST_RULE_NA || r->status == KMST_RULE_NOT_JUDGED)
			fprintf(out, " (%s)", r->reason);
		else
			fprintf(out, " (%llu checks)", r->checked);
		fputc('\n', out);
		fails += r->status == KMST_RULE_FAIL;
		na += r->status == KMST_RULE_NA;
		passed += r->status == KMST_RULE_PASS;
		unjudged += r->status == KMST_RULE_NOT_JUDGED;
	}
	if (res->replay && lost(res)) {
		fprintf(out, "  %-24s %-10s (records were lost)\n", "replay-expectations", "not judged");
	} else if (res->replay) {
		fprintf(out, "  %-24s %-10s (%llu commits replayed", "replay-expectations",
			res->expect_failure_count ? "fail" : "pass", res->replay_commits);
		if (res->busy_not_owed)
			fprintf(out, "; %llu expected EBUSY not owed: the previous flip was done",
				res->busy_not_owed);
		if (res->busy_raced)
			fprintf(out, "; %llu expected EBUSY raced: the previous flip completed during "
				     "setup_commit's stall check", res->busy_raced);
		fputs(")\n", out);
	}
	if (res->host.late_vblanks)
		fprintf(out, "\nhost noise (not judged): %llu VBLANKs ran late on the host, %llu frames merged, "
			     "latest %.3f ms\n", res->host.late_vblanks, res->host.merged_frames,
			res->host.max_lateness_ns / 1e6);
	fprintf(out, "\n%s: ", verdict_name(res->verdict));
	if (lost(res))
		fprintf(out, "records were lost (%llu dropped, %llu tracer runs skipped); ", res->dropped,
			res->missed_runs);
	else if (res->violations_total)
		fprintf(out, "%llu violation%s in %u rule%s; ", res->violations_total,
			res->violations_total == 1 ? "" : "s", fails, fails == 1 ? "" : "s");
	else
		fputs("no violation; ", out);
	fprintf(out, "%u passed, %u not judged, %u not applicable%s\n", passed, unjudged, na,
		res->expect_failure_count ? "; replay results differ from the sequence" : "");
}

static void json_events(FILE *out, const struct kmst_event *events, unsigned int count)
{
	unsigned int i;

	fputc('[', out);
	for (i = 0; i < count; i++) {
		if (i)
			fputc(',', out);
		kmst_event_print_json(out, &events[i]);
	}
	fputc(']', out);
}

static void print_json(FILE *out, const struct kmst_report_ctx *ctx,
		       const struct kmst_check_result *res)
{
	unsigned int i;
	bool first = true;

	fputs("{\"trace\":", out);
	kmst_json_string(out, ctx->trace);
	fputs(",\"driver\":", out);
	kmst_json_string(out, ctx->driver);
	fputs(",\"kernel\":", out);
	kmst_json_string(out, ctx->kernel);
	fprintf(out, ",\"events\":%llu,\"commits\":%llu,\"joined\":%llu,\"cut\":%llu",
		res->events, res->commits, res->joined, res->cut);
	fprintf(out, ",\"peak_in_flight\":%llu", res->peak_in_flight);
	fprintf(out, ",\"dropped\":%llu,\"missed_runs\":%llu", res->dropped, res->missed_runs);
	fprintf(out, ",\"replay\":%s", res->replay ? "true" : "false");
	fprintf(out, ",\"host_noise\":{\"late_vblanks\":%llu,\"merged_frames\":%llu,\"max_lateness_ns\":%llu}",
		res->host.late_vblanks, res->host.merged_frames, res->host.max_lateness_ns);
	fprintf(out, ",\"verdict\":\"%s\",\"violations_total\":%llu,\"rules\":{",
		res->verdict == KMST_VERDICT_PASS ? "pass" : res->verdict == KMST_VERDICT_FAIL ? "fail" : "incomplete",
		res->violations_total);
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		const struct kmst_rule_result *r = &res->rules[i];

		if (r->status == KMST_RULE_NOT_CHECKED)
			continue;
		fprintf(out, "%s\"%s\":{\"status\":\"%s\",\"checked\":%llu,\"violations\":%llu,\"meaning\":",
			first ? "" : ",", kmst_rule_name(i), status_name(r->status), r->checked,
			r->violations);
		kmst_json_string(out, kmst_rule_meaning(i));
		fprintf(out, ",\"group\":\"%s\"", kmst_rule_group_name(kmst_rule_info(i)->group));
		if (r->status == KMST_RULE_NA || r->status == KMST_RULE_NOT_JUDGED) {
			fputs(",\"reason\":", out);
			kmst_json_string(out, r->reason);
		}
		fputc('}', out);
		first = false;
	}
	fputs("},\"violations\":[", out);
	for (i = 0; i < res->violation_count; i++) {
		const struct kmst_violation *v = &res->violations[i];

		fprintf(out, "%s{\"rule\":\"%s\",\"meaning\":", i ? "," : "", kmst_rule_name(v->rule));
		kmst_json_string(out, kmst_rule_meaning(v->rule));
		fprintf(out, ",\"commit\":%u,\"minor\":%d,\"crtc\":%d,\"plane\":%d,\"line\":%u,\"detail\":",
			v->commit_id, v->minor, v->crtc, v->plane, v->seq_line);
		kmst_json_string(out, v->detail);
		fputs(",\"events\":", out);
		json_events(out, v->offending, v->offending_count);
		fputs(",\"window\":", out);
		json_events(out, v->window, v->window_count);
		fputc('}', out);
	}
	fputs("],\"expectation_failures\":[", out);
	for (i = 0; i < res->expect_failure_count; i++) {
		const struct kmst_expect_failure *f = &res->expect_failures[i];
		const char *expected = kmst_errno_name(f->expected), *got = kmst_errno_name(f->got);

		fprintf(out, "%s{\"line\":%u,\"ordinal\":%u,\"commit\":%u,\"expected\":\"%s\",\"got\":\"%s\"}",
			i ? "," : "", f->seq_line, f->ordinal, f->commit_id, expected ? expected : "?",
			got ? got : "?");
	}
	fprintf(out, "],\"replay_commits\":%llu,\"busy_not_owed\":%llu,\"busy_raced\":%llu}\n",
		res->replay_commits, res->busy_not_owed, res->busy_raced);
}

/* The text of every stored violation of RULE, for JUnit and TAP bodies. */
static void rule_violations_text(FILE *out, const struct kmst_report_ctx *ctx,
				 const struct kmst_check_result *res, unsigned int rule, bool xml,
				 const char *indent)
{
	unsigned int i;

	for (i = 0; i < res->violation_count; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem;

		if (res->violations[i].rule != rule)
			continue;
		mem = open_memstream(&buf, &len);
		if (!mem)
			return;
		text_violation(mem, &res->violations[i], ctx, indent);
		fclose(mem);
		if (xml)
			kmst_xml_text(out, buf);
		else
			fputs(buf, out);
		free(buf);
	}
}

static void print_junit(FILE *out, const struct kmst_report_ctx *ctx,
			const struct kmst_check_result *res)
{
	unsigned int i, tests = 0, failures = 0, errors = 0, skipped = 0;

	for (i = 1; i < KMST_RULE_COUNT; i++) {
		tests += res->rules[i].status != KMST_RULE_NOT_CHECKED;
		failures += res->rules[i].status == KMST_RULE_FAIL;
		errors += res->rules[i].status == KMST_RULE_NOT_JUDGED;
		skipped += res->rules[i].status == KMST_RULE_NA;
	}
	if (res->replay) {
		tests++;
		failures += res->expect_failure_count > 0;
		errors += lost(res);
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	fputs("<testsuite name=\"kmstrace-check\" ", out);
	fprintf(out, "tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", tests, failures,
		errors, skipped);
	fputs("  <properties><property name=\"trace\" value=\"", out);
	kmst_xml_text(out, ctx->trace);
	fputs("\"/><property name=\"driver\" value=\"", out);
	kmst_xml_text(out, ctx->driver);
	fputs("\"/><property name=\"kernel\" value=\"", out);
	kmst_xml_text(out, ctx->kernel);
	fputs("\"/></properties>\n", out);
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		const struct kmst_rule_result *r = &res->rules[i];

		if (r->status == KMST_RULE_NOT_CHECKED)
			continue;
		fprintf(out, "  <testcase classname=\"kmstrace.check\" name=\"%s\">", kmst_rule_name(i));
		if (r->status == KMST_RULE_NA) {
			fputs("<skipped message=\"not applicable: ", out);
			kmst_xml_text(out, r->reason);
			fputs("\"/>", out);
		} else if (r->status == KMST_RULE_NOT_JUDGED) {
			fputs("<error message=\"not judged: ", out);
			kmst_xml_text(out, r->reason);
			fputs("\" type=\"not-judged\"/>", out);
		} else if (r->status == KMST_RULE_FAIL) {
			fprintf(out, "<failure message=\"%llu violation%s: ", r->violations,
				r->violations == 1 ? "" : "s");
			kmst_xml_text(out, kmst_rule_meaning(i));
			fputs("\" type=\"violation\">\n", out);
			rule_violations_text(out, ctx, res, i, true, "");
			fputs("</failure>", out);
		}
		fputs("</testcase>\n", out);
	}
	if (res->replay) {
		fputs("  <testcase classname=\"kmstrace.replay\" name=\"replay-expectations\">", out);
		if (lost(res)) {
			fputs("<error message=\"not judged: records were lost\" type=\"not-judged\"/>", out);
		} else if (res->expect_failure_count) {
			fprintf(out, "<failure message=\"%u commits got another result than expected\" type=\"expectation\">\n",
				res->expect_failure_count);
			for (i = 0; i < res->expect_failure_count; i++) {
				const struct kmst_expect_failure *f = &res->expect_failures[i];
				char a[32], b[32];

				fprintf(out, "line %u: expected %s, got %s\n", f->seq_line,
					kmst_errno_text(f->expected, a, sizeof(a)), kmst_errno_text(f->got, b, sizeof(b)));
			}
			fputs("</failure>", out);
		}
		fputs("</testcase>\n", out);
	}
	fputs("</testsuite>\n</testsuites>\n", out);
}

static void print_tap(FILE *out, const struct kmst_report_ctx *ctx,
		      const struct kmst_check_result *res)
{
	unsigned int i, n = 0, tests = res->replay ? 1 : 0;

	for (i = 1; i < KMST_RULE_COUNT; i++)
		tests += res->rules[i].status != KMST_RULE_NOT_CHECKED;
	fprintf(out, "TAP version 13\n1..%u\n", tests);
	for (i = 1; i < KMST_RULE_COUNT; i++) {
		const struct kmst_rule_result *r = &res->rules[i];

		if (r->status == KMST_RULE_NOT_CHECKED)
			continue;
		n++;
		if (r->status == KMST_RULE_NA) {
			fprintf(out, "ok %u - %s # SKIP not applicable: %s\n", n, kmst_rule_name(i),
				r->reason);
		} else if (r->status == KMST_RULE_NOT_JUDGED) {
			fprintf(out, "not ok %u - %s\n  ---\n  message: \"not judged: %s\"\n  ...\n", n,
				kmst_rule_name(i), r->reason);
		} else if (r->status == KMST_RULE_PASS) {
			fprintf(out, "ok %u - %s\n", n, kmst_rule_name(i));
		} else {
			fprintf(out, "not ok %u - %s\n  ---\n  message: \"%llu violation%s: %s\"\n"
				     "  details: |\n", n, kmst_rule_name(i), r->violations,
				r->violations == 1 ? "" : "s", kmst_rule_meaning(i));
			rule_violations_text(out, ctx, res, i, false, "    ");
			fputs("  ...\n", out);
		}
	}
	if (res->replay) {
		n++;
		if (lost(res)) {
			fprintf(out, "not ok %u - replay-expectations\n  ---\n  message: \"not judged: "
				     "records were lost\"\n  ...\n", n);
		} else if (!res->expect_failure_count) {
			fprintf(out, "ok %u - replay-expectations\n", n);
		} else {
			fprintf(out, "not ok %u - replay-expectations\n  ---\n  details: |\n", n);
			for (i = 0; i < res->expect_failure_count; i++) {
				const struct kmst_expect_failure *f = &res->expect_failures[i];
				char a[32], b[32];

				fprintf(out, "    line %u: expected %s, got %s\n", f->seq_line,
					kmst_errno_text(f->expected, a, sizeof(a)), kmst_errno_text(f->got, b, sizeof(b)));
			}
			fputs("  ...\n", out);
		}
	}
}

void kmst_report_print(FILE *out, enum kmst_report_format format,
		       const struct kmst_report_ctx *ctx, const struct kmst_check_result *res)
{
	switch (format) {
	case KMST_REPORT_JSON:
		print_json(out, ctx, res);
		break;
	case KMST_REPORT_JUNIT:
		print_junit(out, ctx, res);
		break;
	case KMST_REPORT_TAP:
		print_tap(out, ctx, res);
		break;
	default:
		print_text(out, ctx, res);
		break;
	}
}
