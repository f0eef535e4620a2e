// SPDX-License-Identifier: GPL-2.0
/*
 * diff's report. Text shows each way signatures differ once, with both
 * sides around the difference (entries in brackets are the ones the other
 * side lacks or ran elsewhere) and every line it happened at; then the
 * errnos, the flip events, the timing distributions and one verdict line.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xml.h"
#include "diff/report.h"
#include "seq/seq.h"
#include "trace/tracefile.h"

#define SHOW_MAX 10	/* commits listed per kind of difference in text */
#define CONTEXT 3	/* entries shown around a difference */

static const char *const verdict_ids[] = {
	[KMST_DIFF_SAME] = "same",	 [KMST_DIFF_SLOWER] = "slower",
	[KMST_DIFF_FASTER] = "faster",	 [KMST_DIFF_TOO_FEW] = "too_few",
	[KMST_DIFF_ONLY_A] = "only_a",	 [KMST_DIFF_ONLY_B] = "only_b",
};

static const char *seq_path(const struct kmst_diff_result *res)
{
	if (res->a.meta && res->a.meta->seq[0])
		return res->a.meta->seq;
	if (res->b.meta && res->b.meta->seq[0])
		return res->b.meta->seq;
	return "sequence";
}

/* "traces/x.seq line 17 (2nd)" or "commit #5" */
static void where_text(const struct kmst_diff_result *res, const struct kmst_diff_commit *c,
		       char *buf, size_t len)
{
	if (res->by_line && c->occurrence > 1)
		snprintf(buf, len, "%s line %u (commit %u of that line)", seq_path(res), c->seq_line,
			 c->occurrence);
	else if (res->by_line)
		snprintf(buf, len, "%s line %u", seq_path(res), c->seq_line);
	else
		snprintf(buf, len, "commit #%u", c->ordinal);
}

static const char *stage_name(uint8_t type)
{
	const char *name = kmst_event_type_name(type);

	return name ? name : "?";
}

/* What the marked entries are: missing in B, only in B, or in both but elsewhere. */
struct stage_summary {
	unsigned int missing[KMST_EV_MAX], extra[KMST_EV_MAX], moved[KMST_EV_MAX];
};

static void summarize(const struct kmst_diff_pair *pair, const uint8_t *ma, const uint8_t *mb,
		      struct stage_summary *s)
{
	unsigned int i, type;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < pair->a->stage_count; i++)
		s->missing[pair->a->stages[i].type] += ma[i];
	for (i = 0; i < pair->b->stage_count; i++)
		s->extra[pair->b->stages[i].type] += mb[i];
	for (type = 0; type < KMST_EV_MAX; type++) {
		unsigned int both = s->missing[type] < s->extra[type] ? s->missing[type] : s->extra[type];

		s->moved[type] = both;
		s->missing[type] -= both;
		s->extra[type] -= both;
	}
}

/* One step of the two signatures side by side: an entry of A, of B, or of both (-1: none). */
struct merged_step {
	int a, b;
};

/* A's and B's entries in one walk, common ones paired; returns the steps. */
static unsigned int merge_steps(const struct kmst_diff_pair *pair, const uint8_t *ma, const uint8_t *mb,
				struct merged_step *steps)
{
	unsigned int i = 0, j = 0, n = 0;

	while (i < pair->a->stage_count || j < pair->b->stage_count) {
		if (i < pair->a->stage_count && ma[i])
			steps[n++] = (struct merged_step){ (int)i++, -1 };
		else if (j < pair->b->stage_count && mb[j])
			steps[n++] = (struct merged_step){ -1, (int)j++ };
		else
			steps[n++] = (struct merged_step){ (int)i++, (int)j++ };
	}
	return n;
}

/*
 * One side's entries near a difference, the same stretch on both sides:
 * steps within CONTEXT of a step that differs, the rest elided.
 */
static void text_signature(FILE *out, const char *side, const struct kmst_diff_commit *c,
			   const struct merged_step *steps, unsigned int count, bool is_a)
{
	int previous = -1;
	unsigned int k, l;
	bool elided = false;

	fprintf(out, "    %s (commit %u):", side, c->commit_id);
	for (k = 0; k < count; k++) {
		int index = is_a ? steps[k].a : steps[k].b;
		bool near = false;

		if (index < 0)
			continue;
		for (l = k >= CONTEXT ? k - CONTEXT : 0; l <= k + CONTEXT && l < count; l++)
			near |= steps[l].a < 0 || steps[l].b < 0;
		if (!near) {
			if (!elided)
				fputs(" ...", out);
			elided = true;
			continue;
		}
		if (previous >= 0 && !elided && c->stages[index].thread != c->stages[previous].thread)
			fputs(" |", out);
		elided = false;
		previous = index;
		fprintf(out, steps[k].a < 0 || steps[k].b < 0 ? " [%s]" : " %s",
			stage_name(c->stages[index].type));
	}
	if (!c->stage_count)
		fputs(" (nothing traced)", out);
	if (c->cut)
		fputs(" (cut)", out);
	fputc('\n', out);
}

static void text_type_list(FILE *out, const char *what, const unsigned int *counts, bool *first)
{
	unsigned int type;
	bool any = false;

	for (type = 0; type < KMST_EV_MAX; type++) {
		if (!counts[type])
			continue;
		fprintf(out, "%s%s", any ? " " : *first ? "    " : "; ", any ? "" : what);
		fputs(stage_name(type), out);
		if (counts[type] > 1)
			fprintf(out, " x%u", counts[type]);
		any = true;
		*first = false;
	}
}

static void text_group(FILE *out, const struct kmst_diff_result *res, const struct kmst_diff_stage_group *g)
{
	const struct kmst_diff_pair *pair = &g->first;
	uint8_t *ma = malloc(pair->a->stage_count + 1), *mb = malloc(pair->b->stage_count + 1);
	struct merged_step *steps = malloc((pair->a->stage_count + pair->b->stage_count + 1) * sizeof(*steps));
	struct stage_summary *s = malloc(sizeof(*s));
	unsigned int i, count, listed = 0;
	char place[320];
	bool first = true;

	fprintf(out, "\nSTAGES DIFFER on %u commit%s:", g->count, g->count == 1 ? "" : "s");
	for (i = 0; i < g->where_count; i++) {
		if (res->by_line)
			fprintf(out, "%s line %u", i ? "," : "", g->where[i].seq_line);
		else
			fprintf(out, "%s #%u", i ? "," : "", g->where[i].ordinal);
		if (g->where[i].count > 1)
			fprintf(out, " (x%u)", g->where[i].count);
		listed += g->where[i].count;
	}
	if (listed < g->count)
		fprintf(out, " and %u more", g->count - listed);
	if (res->by_line)
		fprintf(out, " of %s", seq_path(res));
	fputc('\n', out);
	where_text(res, pair->a, place, sizeof(place));
	fprintf(out, "  first at %s:\n", place);
	if (!ma || !mb || !steps || !s || kmst_diff_stage_marks(pair->a, pair->b, ma, mb)) {
		fputs("    (out of memory: signatures not shown)\n", out);
		goto out;
	}
	count = merge_steps(pair, ma, mb, steps);
	text_signature(out, "A", pair->a, steps, count, true);
	text_signature(out, "B", pair->b, steps, count, false);
	summarize(pair, ma, mb, s);
	text_type_list(out, "missing in B: ", s->missing, &first);
	text_type_list(out, "only in B: ", s->extra, &first);
	text_type_list(out, "reordered: ", s->moved, &first);
	if (!first)
		fputc('\n', out);
out:
	free(ma);
	free(mb);
	free(steps);
	free(s);
}

static void text_header(FILE *out, const char *side, const struct kmst_diff_profile *p)
{
	unsigned int i;

	fprintf(out, "%s: %s (driver %s, kernel %s)", side, p->path, *p->meta->driver ? p->meta->driver : "?",
		*p->meta->kernel ? p->meta->kernel : "?");
	if (p->other_commits)
		fprintf(out, ", %llu commit%s not replayed (kernel-internal) not compared", p->other_commits,
			p->other_commits == 1 ? "" : "s");
	if (p->joined)
		fprintf(out, ", %llu begun before the trace", p->joined);
	fputc('\n', out);
	/* A stage of a function one side could not trace shows as a difference: say so. */
	for (i = 0; i < p->meta->missing_count; i++)
		fprintf(out, "   %s could not trace %s (%s): its stage differences may be that\n", side,
			p->meta->missing[i].name, p->meta->missing[i].detail);
}

static void text_commits(FILE *out, const struct kmst_diff_result *res)
{
	unsigned int i, shown = 0;
	char place[320], a[32], b[32];

	for (i = 0; i < res->group_count; i++)
		text_group(out, res, &res->groups[i]);
	for (i = 0; i < res->errno_count; i++) {
		const struct kmst_diff_errno *e = &res->errnos[i];

		if (shown++ == SHOW_MAX) {
			fprintf(out, "(%u more errno differences)\n", res->errno_count - SHOW_MAX);
			break;
		}
		where_text(res, e->pair.a, place, sizeof(place));
		fprintf(out, "\n%s at %s: A got %s, B got %s%s\n", e->allowed ? "errno differs" : "ERRNO DIFFERS",
			place, kmst_errno_text(e->pair.a->err, a, sizeof(a)), kmst_errno_text(e->pair.b->err, b, sizeof(b)),
			e->allowed ? " (the sequence expects either: not a regression)" : "");
	}
	shown = 0;
	for (i = 0; i < res->pair_count; i++) {
		const struct kmst_diff_pair *pair = &res->pairs[i];
		const struct kmst_diff_commit *c = pair->a ? pair->a : pair->b;

		if (pair->a && pair->b)
			continue;
		if (shown++ == SHOW_MAX) {
			fprintf(out, "(%u more commits in one trace only)\n", res->only_a + res->only_b - SHOW_MAX);
			break;
		}
		where_text(res, c, place, sizeof(place));
		fprintf(out, "\nONLY IN %s: %s (commit %u, got %s)\n", pair->a ? "A" : "B", place,
			c->commit_id, kmst_errno_text(c->err, a, sizeof(a)));
	}
}

static void card_text(const struct kmst_diff_result *res, int minor_a, int minor_b, char *buf, size_t len)
{
	bool several = res->a.minor_count > 1 || res->b.minor_count > 1;

	if (minor_a == minor_b && !several)
		buf[0] = '\0';
	else if (minor_a == minor_b)
		snprintf(buf, len, "card%d ", minor_a);
	else
		snprintf(buf, len, "card%d/card%d ", minor_a, minor_b);
}

static void text_events(FILE *out, const struct kmst_diff_result *res)
{
	unsigned int i;
	char card[40];

	fputs("\nflip events delivered:", out);
	if (!res->event_count)
		fputs(" none in either trace", out);
	for (i = 0; i < res->event_count; i++) {
		const struct kmst_diff_events *e = &res->events[i];

		card_text(res, e->minor_a, e->minor_b, card, sizeof(card));
		fprintf(out, "%s %scrtc %d %llu -> %llu%s", i ? "," : "", card, e->crtc, e->a, e->b,
			e->a != e->b ? " (DIFFER)" : "");
	}
	fputc('\n', out);
}

static void text_side(FILE *out, const char *side, const struct kmst_diff_side *s)
{
	if (!s->count) {
		fprintf(out, "    %s: none\n", side);
		return;
	}
	fprintf(out, "    %s: %u, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n", side, s->count,
		s->values[KMST_DIFF_P50] / 1e6, s->values[KMST_DIFF_P90] / 1e6,
		s->values[KMST_DIFF_P99] / 1e6, s->values[KMST_DIFF_MAX] / 1e6);
}

/* What a latency's change at percentile Q was measured against (timing.h). */
static const char *scale_name(const struct kmst_diff_timing *t, unsigned int q)
{
	return t->frame_ns > t->a.measure[q] ? "a frame" : "A's";
}

static void text_timing(FILE *out, const struct kmst_diff_result *res, const struct kmst_diff_timing *t)
{
	bool schedule = kmst_diff_measures_schedule(t->kind);
	char card[40];

	card_text(res, t->a.minor >= 0 ? t->a.minor : t->b.minor, t->b.minor >= 0 ? t->b.minor : t->a.minor,
		  card, sizeof(card));
	fprintf(out, "  %scrtc %d %s: ", card, t->crtc, kmst_hist_kind_name(t->kind));
	switch (t->verdict) {
	case KMST_DIFF_SLOWER:
		fputs("REGRESSION (slower)", out);
		break;
	case KMST_DIFF_FASTER:
		fputs("faster", out);
		break;
	case KMST_DIFF_TOO_FEW:
		fprintf(out, "not tested (fewer than %d samples)", KMST_DIFF_MIN_SAMPLES);
		break;
	case KMST_DIFF_ONLY_A:
		fputs("REGRESSION (measured in A only)", out);
		break;
	case KMST_DIFF_ONLY_B:
		fputs("REGRESSION (measured in B only)", out);
		break;
	default:
		fputs(t->host_noise ? "same (the change is within the host's noise)" : "same", out);
	}
	if (t->tested && schedule)
		fprintf(out, " (p=%.2g; off the frame's schedule: p50 %.1f%% -> %.1f%%, p90 %.1f%% -> %.1f%% of a frame)",
			t->mw.p, t->a.measure[0] / 1e4, t->b.measure[0] / 1e4, t->a.measure[1] / 1e4,
			t->b.measure[1] / 1e4);
	else if (t->tested)
		fprintf(out, " (p=%.2g; p50 %+.1f%% of %s, p90 %+.1f%% of %s)", t->mw.p, t->change[0] * 100,
			scale_name(t, 0), t->change[1] * 100, scale_name(t, 1));
	fputc('\n', out);
	text_side(out, "A", &t->a);
	text_side(out, "B", &t->b);
}

/* The categories of difference, for the verdict line: "stages differ on 200 commits; ...". */
static void verdict_text(FILE *out, const struct kmst_diff_result *res)
{
	unsigned int i, stages = 0, errnos = 0;
	const char *sep = "";
	char card[40];

	for (i = 0; i < res->group_count; i++)
		stages += res->groups[i].count;
	for (i = 0; i < res->errno_count; i++)
		errnos += !res->errnos[i].allowed;
	if (!res->regressions) {
		fprintf(out, "SAME: %u commit%s with the same stages%s, the same flip events, no timing regression\n",
			res->same_stages, res->same_stages == 1 ? "" : "s", errnos ? "" : " and results");
		return;
	}
	fputs("REGRESSION: ", out);
	if (stages) {
		fprintf(out, "stages differ on %u commit%s", stages, stages == 1 ? "" : "s");
		sep = "; ";
	}
	if (errnos) {
		fprintf(out, "%serrno differs on %u commit%s", sep, errnos, errnos == 1 ? "" : "s");
		sep = "; ";
	}
	if (res->only_a || res->only_b) {
		fprintf(out, "%s%u commit%s only in A, %u only in B", sep, res->only_a,
			res->only_a == 1 ? "" : "s", res->only_b);
		sep = "; ";
	}
	for (i = 0; i < res->event_count; i++) {
		const struct kmst_diff_events *e = &res->events[i];

		if (e->a == e->b)
			continue;
		card_text(res, e->minor_a, e->minor_b, card, sizeof(card));
		fprintf(out, "%sflip events differ on %scrtc %d (%llu -> %llu)", sep, card, e->crtc, e->a, e->b);
		sep = "; ";
	}
	for (i = 0; i < res->timing_count; i++) {
		const struct kmst_diff_timing *t = &res->timings[i];

		if (!kmst_diff_timing_regressed(t))
			continue;
		fprintf(out, "%s%s %s on crtc %d", sep, kmst_hist_kind_name(t->kind),
			t->verdict == KMST_DIFF_SLOWER ? "slower" :
			t->verdict == KMST_DIFF_ONLY_A ? "measured in A only" : "measured in B only", t->crtc);
		sep = "; ";
	}
	fputc('\n', out);
}

static void print_text(FILE *out, const struct kmst_diff_result *res, const struct kmst_diff_opts *opts)
{
	unsigned int i;

	fputs("kmstrace diff\n", out);
	text_header(out, "A", &res->a);
	text_header(out, "B", &res->b);
	fprintf(out, "commits: %u paired by %s, %u compared, %u with the same stages, %u only in A, %u only in B\n",
		res->pair_count - res->only_a - res->only_b, res->by_line ? "sequence line" : "order",
		res->compared, res->same_stages, res->only_a, res->only_b);
	text_commits(out, res);
	text_events(out, res);
	fprintf(out, "\ntiming (a regression: Mann-Whitney p < %g, and p50 and p90 both more than %g%% slower):\n",
		opts->alpha, opts->margin * 100);
	if (res->a.host_late_p99_ns || res->b.host_late_p99_ns)
		fprintf(out, "  (host noise: the host ran VBLANK timers up to %.3f ms late in A, %.3f ms in B, p99;\n"
			     "   a latency change within the larger is the host's)\n",
			res->a.host_late_p99_ns / 1e6, res->b.host_late_p99_ns / 1e6);
	if (!res->timing_count)
		fputs("  nothing measured in either trace\n", out);
	for (i = 0; i < res->timing_count; i++)
		text_timing(out, res, &res->timings[i]);
	fputc('\n', out);
	verdict_text(out, res);
}

static void json_profile(FILE *out, const struct kmst_diff_profile *p)
{
	unsigned int i;

	fputs("{\"trace\":", out);
	kmst_json_string(out, p->path);
	fputs(",\"driver\":", out);
	kmst_json_string(out, p->meta->driver);
	fputs(",\"kernel\":", out);
	kmst_json_string(out, p->meta->kernel);
	fputs(",\"seq\":", out);
	kmst_json_string(out, p->meta->seq);
	fprintf(out, ",\"commits\":%u,\"other_commits\":%llu,\"joined\":%llu,\"drops\":%llu,\"missed_runs\":%llu,"
		     "\"host_late_p99_ns\":%llu,\"missing\":[",
		p->commit_count, p->other_commits, p->joined, p->drops, p->missed_runs,
		p->host_late_p99_ns);
	for (i = 0; i < p->meta->missing_count; i++) {
		fputs(i ? "," : "", out);
		kmst_json_string(out, p->meta->missing[i].name);
	}
	fputs("]}", out);
}

static void json_commit(FILE *out, const struct kmst_diff_commit *c, const uint8_t *marks)
{
	char buf[32];
	unsigned int i;

	fprintf(out, "{\"commit\":%u,\"line\":%u,\"occurrence\":%u,\"ordinal\":%u,\"errno\":",
		c->commit_id, c->seq_line, c->occurrence, c->ordinal);
	kmst_json_string(out, kmst_errno_text(c->err, buf, sizeof(buf)));
	if (!marks) {
		fputc('}', out);
		return;
	}
	fputs(",\"stages\":[", out);
	for (i = 0; i < c->stage_count; i++) {
		fputs(i ? "," : "", out);
		kmst_json_string(out, stage_name(c->stages[i].type));
	}
	fputs("],\"threads\":[", out);
	for (i = 0; i < c->stage_count; i++)
		fprintf(out, "%s%u", i ? "," : "", c->stages[i].thread);
	fputs("],\"differs\":[", out);
	for (i = 0; i < c->stage_count; i++)
		fprintf(out, "%s%s", i ? "," : "", marks[i] ? "true" : "false");
	fprintf(out, "],\"cut\":%s}", c->cut ? "true" : "false");
}

static void json_type_list(FILE *out, const char *key, const unsigned int *counts)
{
	unsigned int type, n;
	bool first = true;

	fprintf(out, ",\"%s\":[", key);
	for (type = 0; type < KMST_EV_MAX; type++) {
		for (n = 0; n < counts[type]; n++) {
			fputs(first ? "" : ",", out);
			kmst_json_string(out, stage_name(type));
			first = false;
		}
	}
	fputc(']', out);
}

static void json_group(FILE *out, const struct kmst_diff_stage_group *g)
{
	const struct kmst_diff_pair *pair = &g->first;
	uint8_t *ma = malloc(pair->a->stage_count + 1), *mb = malloc(pair->b->stage_count + 1);
	struct stage_summary *s = malloc(sizeof(*s));
	unsigned int i;
	bool marked = ma && mb && s && !kmst_diff_stage_marks(pair->a, pair->b, ma, mb);

	fprintf(out, "{\"count\":%u,\"where\":[", g->count);
	for (i = 0; i < g->where_count; i++)
		fprintf(out, "%s{\"line\":%u,\"ordinal\":%u,\"count\":%u}", i ? "," : "",
			g->where[i].seq_line, g->where[i].ordinal, g->where[i].count);
	fputs("],\"a\":", out);
	json_commit(out, pair->a, marked ? ma : NULL);
	fputs(",\"b\":", out);
	json_commit(out, pair->b, marked ? mb : NULL);
	if (marked) {
		summarize(pair, ma, mb, s);
		json_type_list(out, "missing_in_b", s->missing);
		json_type_list(out, "only_in_b", s->extra);
		json_type_list(out, "reordered", s->moved);
	}
	fputc('}', out);
	free(ma);
	free(mb);
	free(s);
}

static void json_side(FILE *out, const struct kmst_diff_side *s)
{
	fprintf(out, "{\"minor\":%d,\"count\":%u,\"p50_ns\":%llu,\"p90_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,"
		     "\"measure_p50\":%llu,\"measure_p90\":%llu}",
		s->minor, s->count, s->values[KMST_DIFF_P50], s->values[KMST_DIFF_P90],
		s->values[KMST_DIFF_P99], s->values[KMST_DIFF_MAX], s->measure[0], s->measure[1]);
}

static void print_json(FILE *out, const struct kmst_diff_result *res, const struct kmst_diff_opts *opts)
{
	unsigned int i;
	bool first = true;

	fputs("{\"a\":", out);
	json_profile(out, &res->a);
	fputs(",\"b\":", out);
	json_profile(out, &res->b);
	fprintf(out, ",\"paired_by\":\"%s\",\"pairs\":%u,\"compared\":%u,\"same_stages\":%u",
		res->by_line ? "line" : "order", res->pair_count, res->compared, res->same_stages);
	fputs(",\"stage_differences\":[", out);
	for (i = 0; i < res->group_count; i++) {
		fputs(i ? "," : "", out);
		json_group(out, &res->groups[i]);
	}
	fputs("],\"errno_differences\":[", out);
	for (i = 0; i < res->errno_count; i++) {
		fprintf(out, "%s{\"allowed\":%s,\"a\":", i ? "," : "", res->errnos[i].allowed ? "true" : "false");
		json_commit(out, res->errnos[i].pair.a, NULL);
		fputs(",\"b\":", out);
		json_commit(out, res->errnos[i].pair.b, NULL);
		fputc('}', out);
	}
	fputs("],\"only_in_a\":[", out);
	for (i = 0; i < res->pair_count; i++) {
		if (res->pairs[i].b)
			continue;
		fputs(first ? "" : ",", out);
		json_commit(out, res->pairs[i].a, NULL);
		first = false;
	}
	fputs("],\"only_in_b\":[", out);
	first = true;
	for (i = 0; i < res->pair_count; i++) {
		if (res->pairs[i].a)
			continue;
		fputs(first ? "" : ",", out);
		json_commit(out, res->pairs[i].b, NULL);
		first = false;
	}
	fputs("],\"flip_events\":[", out);
	for (i = 0; i < res->event_count; i++) {
		const struct kmst_diff_events *e = &res->events[i];

		fprintf(out, "%s{\"crtc\":%d,\"minor_a\":%d,\"minor_b\":%d,\"a\":%llu,\"b\":%llu}", i ? "," : "",
			e->crtc, e->minor_a, e->minor_b, e->a, e->b);
	}
	fputs("],\"timing\":[", out);
	for (i = 0; i < res->timing_count; i++) {
		const struct kmst_diff_timing *t = &res->timings[i];

		fprintf(out, "%s{\"kind\":\"%s\",\"crtc\":%d,\"frame_ns\":%llu,\"host_noise_ns\":%llu,"
			     "\"measure\":\"%s\",\"a\":", i ? "," : "",
			kmst_hist_kind_name(t->kind), t->crtc, t->frame_ns, t->host_noise_ns,
			kmst_diff_measures_schedule(t->kind) ? "off_schedule_ppm" : "ns");
		json_side(out, &t->a);
		fputs(",\"b\":", out);
		json_side(out, &t->b);
		if (t->tested)
			fprintf(out, ",\"u\":%.1f,\"z\":%.10g,\"p\":%.10g,\"change_p50\":%.10g,\"change_p90\":%.10g",
				t->mw.u, t->mw.z, t->mw.p, t->change[0], t->change[1]);
		fprintf(out, ",\"verdict\":\"%s\",\"within_host_noise\":%s,\"regression\":%s}",
			verdict_ids[t->verdict], t->host_noise ? "true" : "false",
			kmst_diff_timing_regressed(t) ? "true" : "false");
	}
	fprintf(out, "],\"alpha\":%g,\"margin\":%g,\"regressions\":%u,\"verdict\":\"%s\"}\n", opts->alpha,
		opts->margin, res->regressions, res->regressions ? "regression" : "same");
}

/* A test case whose failure body is what text prints for it. */
static void junit_case(FILE *out, const char *name, const char *failure, const char *body)
{
	fputs("  <testcase classname=\"kmstrace.diff\" name=\"", out);
	kmst_xml_text(out, name);
	fputs("\">", out);
	if (failure) {
		fputs("<failure type=\"regression\" message=\"", out);
		kmst_xml_text(out, failure);
		fputs("\">\n", out);
		kmst_xml_text(out, body ? body : "");
		fputs("</failure>", out);
	}
	fputs("</testcase>\n", out);
}

/* What print_text writes with FN, as a malloc'd string ("" when out of memory). */
static char *text_of(void (*fn)(FILE *, const struct kmst_diff_result *), const struct kmst_diff_result *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return NULL;
	fn(mem, res);
	fclose(mem);
	return buf;
}

static void print_junit(FILE *out, const struct kmst_diff_result *res)
{
	unsigned int i, tests = 2 + res->event_count, failures = 0, skipped = 0, errnos = 0;
	char name[96], message[160], card[40], *body;

	for (i = 0; i < res->errno_count; i++)
		errnos += !res->errnos[i].allowed;
	failures += (res->group_count || res->only_a || res->only_b) + (errnos > 0);
	for (i = 0; i < res->event_count; i++)
		failures += res->events[i].a != res->events[i].b;
	for (i = 0; i < res->timing_count; i++) {
		tests++;
		failures += kmst_diff_timing_regressed(&res->timings[i]);
		skipped += res->timings[i].verdict == KMST_DIFF_TOO_FEW;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	fprintf(out, "<testsuite name=\"kmstrace-diff\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\">\n",
		tests, failures, skipped);
	fputs("  <properties><property name=\"a\" value=\"", out);
	kmst_xml_text(out, res->a.path);
	fputs("\"/><property name=\"b\" value=\"", out);
	kmst_xml_text(out, res->b.path);
	fputs("\"/></properties>\n", out);
	body = text_of(text_commits, res);
	snprintf(message, sizeof(message), "%u groups of commits with other stages, %u only in A, %u only in B",
		 res->group_count, res->only_a, res->only_b);
	junit_case(out, "stages", res->group_count || res->only_a || res->only_b ? message : NULL, body);
	snprintf(message, sizeof(message), "%u commits got another errno", errnos);
	junit_case(out, "errnos", errnos ? message : NULL, body);
	free(body);
	for (i = 0; i < res->event_count; i++) {
		const struct kmst_diff_events *e = &res->events[i];

		card_text(res, e->minor_a, e->minor_b, card, sizeof(card));
		snprintf(name, sizeof(name), "flip-events %scrtc %d", card, e->crtc);
		snprintf(message, sizeof(message), "%llu flip events delivered in A, %llu in B", e->a, e->b);
		junit_case(out, name, e->a != e->b ? message : NULL, NULL);
	}
	for (i = 0; i < res->timing_count; i++) {
		const struct kmst_diff_timing *t = &res->timings[i];
		char *text = NULL;
		size_t len = 0;
		FILE *mem;

		snprintf(name, sizeof(name), "%s crtc %d", kmst_hist_kind_name(t->kind), t->crtc);
		if (t->verdict == KMST_DIFF_TOO_FEW) {
			fputs("  <testcase classname=\"kmstrace.diff\" name=\"", out);
			kmst_xml_text(out, name);
			fprintf(out, "\"><skipped message=\"fewer than %d samples\"/></testcase>\n",
				KMST_DIFF_MIN_SAMPLES);
			continue;
		}
		mem = open_memstream(&text, &len);
		if (mem) {
			text_timing(mem, res, t);
			fclose(mem);
		}
		snprintf(message, sizeof(message), "%s: %s", name, verdict_ids[t->verdict]);
		junit_case(out, name, kmst_diff_timing_regressed(t) ? message : NULL, text);
		free(text);
	}
	fputs("</testsuite>\n</testsuites>\n", out);
}

void kmst_diff_report(FILE *out, enum kmst_report_format format, const struct kmst_diff_result *res,
		      const struct kmst_diff_opts *opts)
{
	switch (format) {
	case KMST_REPORT_JSON:
		print_json(out, res, opts);
		break;
	case KMST_REPORT_JUNIT:
		print_junit(out, res);
		break;
	default:
		print_text(out, res, opts);
		break;
	}
}
