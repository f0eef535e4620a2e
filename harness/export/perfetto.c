// SPDX-License-Identifier: GPL-2.0
/*
 * The Chrome JSON trace format ("Trace Event Format"): one object with a
 * traceEvents array. Each CRTC is a process; its tracks are threads:
 * violations, VBLANKs, flip events (more lanes when sends overlap) and
 * commits (one lane per commit segment running at once). Slices are
 * complete events ('X') so that no begin/end pairing is left to the
 * viewer; instants are 'i' with thread scope; links are flow events
 * ('s' and 'f', bound to the enclosing slice). Times are microseconds
 * with nanosecond decimals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/rules.h"
#include "common/exit.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "export/perfetto.h"
#include "export/timeline.h"
#include "trace/eventfmt.h"
#include "trace/meta.h"
#include "trace/tracefile.h"

/* Thread ids: one block per CRTC, so that no two processes share a tid. */
#define TID_BLOCK 10000
#define TID_VIOLATIONS 1
#define TID_VBLANK 2
#define TID_EVENTS 100	/* + lane */
#define TID_COMMITS 1000 /* + lane */

struct json_out {
	FILE *file;
	bool first;
};

static int pid_of(unsigned int crtc)
{
	return (int)crtc + 1;
}

static int tid_of(unsigned int crtc, unsigned int track)
{
	return (int)(crtc + 1) * TID_BLOCK + (int)track;
}

static void print_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
}

/* Open one event object; the caller adds fields and closes it with '}'. */
static void event_begin(struct json_out *o, const char *name, char ph, uint64_t ts_ns, int pid,
			int tid)
{
	fputs(o->first ? "\n" : ",\n", o->file);
	o->first = false;
	fputs("{\"name\":", o->file);
	kmst_json_string(o->file, name);
	fprintf(o->file, ",\"ph\":\"%c\",\"ts\":", ph);
	print_us(o->file, ts_ns);
	fprintf(o->file, ",\"pid\":%d,\"tid\":%d", pid, tid);
}

static void metadata(struct json_out *o, const char *what, int pid, int tid, const char *name,
		     int sort_index)
{
	event_begin(o, what, 'M', 0, pid, tid);
	fputs(",\"args\":{\"name\":", o->file);
	kmst_json_string(o->file, name);
	fputs("}}", o->file);
	if (sort_index < 0)
		return;
	event_begin(o, !strcmp(what, "process_name") ? "process_sort_index" : "thread_sort_index",
		    'M', 0, pid, tid);
	fprintf(o->file, ",\"args\":{\"sort_index\":%d}}", sort_index);
}

static void name_tracks(struct json_out *o, const struct tl_timeline *tl, unsigned int c)
{
	const struct tl_crtc *crtc = &tl->crtcs[c];
	unsigned int lane, lanes;
	char name[64];

	if (crtc->crtc >= 0)
		snprintf(name, sizeof(name), "card%d crtc%d", crtc->minor, crtc->crtc);
	else
		snprintf(name, sizeof(name), "card%d (no CRTC)", crtc->minor);
	metadata(o, "process_name", pid_of(c), tid_of(c, TID_VIOLATIONS), name,
		 (crtc->minor + 1) * 100 + crtc->crtc + 1);
	metadata(o, "thread_name", pid_of(c), tid_of(c, TID_VIOLATIONS), "violations", 0);
	metadata(o, "thread_name", pid_of(c), tid_of(c, TID_VBLANK), "VBLANK", 1);
	lanes = crtc->send_lanes ? crtc->send_lanes : 1;
	for (lane = 0; lane < lanes; lane++) {
		snprintf(name, sizeof(name), lane ? "flip events (%u)" : "flip events", lane + 1);
		metadata(o, "thread_name", pid_of(c), tid_of(c, TID_EVENTS + lane), name, 10 + lane);
	}
	for (lane = 0; lane < crtc->commit_lanes; lane++) {
		snprintf(name, sizeof(name), lane ? "commits (%u)" : "commits", lane + 1);
		metadata(o, "thread_name", pid_of(c), tid_of(c, TID_COMMITS + lane), name, 1000 + lane);
	}
}

/* The event's own fields a viewer shows when it is clicked. */
static void event_args(FILE *f, const struct kmst_event *ev)
{
	fprintf(f, "\"commit\":%u,\"crtc\":%d,\"plane\":%d,\"cpu\":%u,\"kernel_tid\":%u",
		ev->commit_id, ev->crtc, ev->plane, ev->cpu, ev->tid);
}

static void emit_call_or_point(struct json_out *o, const struct tl_item *item, const char *name,
			       int pid, int tid)
{
	event_begin(o, name, item->call ? 'X' : 'i', item->start_ns, pid, tid);
	if (item->call) {
		fputs(",\"dur\":", o->file);
		print_us(o->file, item->end_ns - item->start_ns);
	} else {
		fputs(",\"s\":\"t\"", o->file);
	}
	fputs(",\"args\":{", o->file);
	event_args(o->file, &item->ev);
	if (item->call)
		fprintf(o->file, ",\"ret\":%d", item->ret);
	if (item->unfinished)
		fputs(",\"unfinished\":true", o->file);
	fputs("}}", o->file);
}

static void emit_segment(struct json_out *o, const struct tl_timeline *tl,
			 const struct tl_placement *p)
{
	const struct tl_segment *seg = &tl->segments[p->segment];
	const struct tl_commit *c = tl_commit(tl, seg->commit_id);
	int pid = pid_of(p->crtc), tid = tid_of(p->crtc, TID_COMMITS + p->lane);
	char name[48], flags[128];
	unsigned int i;

	snprintf(name, sizeof(name), "commit %u", seg->commit_id);
	kmst_commit_flags_format(c->flags, flags, sizeof(flags));
	event_begin(o, name, 'X', seg->start_ns, pid, tid);
	fputs(",\"cat\":\"commit\",\"dur\":", o->file);
	print_us(o->file, seg->end_ns - seg->start_ns);
	fprintf(o->file, ",\"args\":{\"commit\":%u,\"kernel_tid\":%u,\"user_data\":%" PRIu64
			 ",\"flags\":", seg->commit_id, seg->tid, c->user_data);
	kmst_json_string(o->file, flags);
	fputs("}}", o->file);
	for (i = seg->first; i < seg->first + seg->count; i++) {
		const struct tl_item *item = &tl->items[tl->order[i]];
		const char *type = kmst_event_type_name(item->ev.type);

		emit_call_or_point(o, item, type ? type : "?", pid, tid);
	}
}

static const char *event_track_name(unsigned int type)
{
	switch (type) {
	case KMST_EV_ARM_VBLANK_EVENT:
		return "arm";
	case KMST_EV_SEND_VBLANK_EVENT:
		return "send";
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		return "deliver";
	case KMST_EV_HW_DONE_COMPLETE:
		return "hw_done";
	case KMST_EV_FLIP_DONE_COMPLETE:
		return "flip_done";
	case KMST_EV_CLEANUP_DONE_COMPLETE:
		return "cleanup_done";
	case KMST_EV_STATE_FREE:
		return "state freed";
	case KMST_EV_STALL:
		return "stall";
	default:
		return "?";
	}
}

static void emit_track_item(struct json_out *o, const struct tl_item *item)
{
	const struct kmst_event *ev = &item->ev;
	int pid = pid_of(item->crtc);
	char name[64];

	if (item->track == TL_TRACK_VBLANK) {
		event_begin(o, "vblank", 'i', item->start_ns, pid, tid_of(item->crtc, TID_VBLANK));
		fprintf(o->file, ",\"cat\":\"vblank\",\"s\":\"t\",\"args\":{\"seq\":%" PRIu64
				 ",\"frame_duration_ns\":%" PRIu64, (uint64_t)ev->arg0, (uint64_t)ev->arg1);
		if (ev->aux != KMST_HOST_LATENESS_UNKNOWN)
			fprintf(o->file, ",\"host_lateness_ns\":%u", ev->aux);
		fputs("}}", o->file);
		return;
	}
	snprintf(name, sizeof(name), "%s (commit %u)", event_track_name(ev->type), ev->commit_id);
	emit_call_or_point(o, item, name, pid,
			   tid_of(item->crtc, TID_EVENTS + (item->call ? item->lane : 0)));
}

static void emit_violation(struct json_out *o, const struct kmst_violation *v, unsigned int crtc,
			   uint64_t ts_ns)
{
	const char *rule = kmst_rule_name(v->rule);
	const char *meaning = kmst_rule_meaning(v->rule);

	event_begin(o, rule ? rule : "?", 'i', ts_ns, pid_of(crtc), tid_of(crtc, TID_VIOLATIONS));
	fputs(",\"cat\":\"violation\",\"s\":\"t\",\"args\":{\"rule\":", o->file);
	kmst_json_string(o->file, rule ? rule : "?");
	fputs(",\"text\":", o->file);
	kmst_json_string(o->file, v->detail);
	fputs(",\"meaning\":", o->file);
	kmst_json_string(o->file, meaning ? meaning : "");
	fprintf(o->file, ",\"commit\":%u,\"seq_line\":%u}}", v->commit_id, v->seq_line);
}

/* The instant a violation is drawn at: the event that triggered it. */
static uint64_t violation_ts(const struct kmst_violation *v, uint64_t fallback_ns)
{
	if (v->window_count)
		return v->window[v->window_offending].ts_ns;
	if (v->offending_count)
		return v->offending[v->offending_count - 1].ts_ns;
	return fallback_ns;
}

static void emit_flow(struct json_out *o, const char *name, unsigned int id, char ph,
		      uint64_t ts_ns, int pid, int tid, bool enclosing)
{
	event_begin(o, name, ph, ts_ns, pid, tid);
	fprintf(o->file, ",\"cat\":\"flow\",\"id\":%u%s}", id, enclosing ? ",\"bp\":\"e\"" : "");
}

/*
 * Each atomic ioctl to its commit's tail and to each delivery of its
 * event. A flow starts in the ioctl's slice, before its first child, so
 * the viewer binds it to the ioctl and not to a stage inside it.
 */
static void emit_flows(struct json_out *o, struct tl_timeline *tl)
{
	unsigned int i, id = 0;

	for (i = 0; i < tl->item_count; i++) {
		const struct tl_item *item = &tl->items[i];
		const struct tl_commit *c = tl_commit(tl, item->ev.commit_id);
		const struct tl_item *ioctl, *target;
		unsigned int crtc, from_tid;

		if (!item->ev.commit_id || c->ioctl_item == TL_NONE)
			continue;
		ioctl = &tl->items[c->ioctl_item];
		crtc = tl_commit_crtc(tl, item->ev.commit_id, item->ev.minor);
		if (crtc == TL_NONE)
			continue;
		from_tid = tid_of(crtc, TID_COMMITS + tl->segments[ioctl->segment].lane);
		if (i == c->tail_item) {
			id++;
			emit_flow(o, "ioctl to tail", id, 's', ioctl->anchor_ns, pid_of(crtc), from_tid, false);
			emit_flow(o, "ioctl to tail", id, 'f', item->anchor_ns, pid_of(crtc),
				  tid_of(crtc, TID_COMMITS + tl->segments[item->segment].lane), true);
		}
		if (item->ev.type != KMST_EV_VBLANK_EVENT_DELIVERED || item->track != TL_TRACK_EVENTS)
			continue;
		id++;
		emit_flow(o, "ioctl to event", id, 's', ioctl->anchor_ns, pid_of(crtc), from_tid, false);
		if (item->send != TL_NONE) {
			target = &tl->items[item->send];
			emit_flow(o, "ioctl to event", id, 'f', target->anchor_ns, pid_of(target->crtc),
				  tid_of(target->crtc, TID_EVENTS + target->lane), true);
		} else {
			/*
			 * Sent from the VBLANK handler, not inside a send: bind
			 * to the next slice, the delivery itself, a nanosecond
			 * ahead so that no viewer sorts the flow after it.
			 */
			emit_flow(o, "ioctl to event", id, 'f', item->start_ns ? item->start_ns - 1 : 0,
				  pid_of(item->crtc), tid_of(item->crtc, TID_EVENTS), false);
		}
	}
}

static void emit_other_data(struct json_out *o, const char *trace, const struct kmst_meta *meta,
			    const struct kmst_check_result *res)
{
	static const char *const verdicts[] = { "pass", "fail", "incomplete" };

	fputs("\n],\n\"otherData\":{\"trace\":", o->file);
	kmst_json_string(o->file, trace);
	fputs(",\"kernel\":", o->file);
	kmst_json_string(o->file, meta->kernel);
	fputs(",\"driver\":", o->file);
	kmst_json_string(o->file, meta->driver);
	fputs(",\"level\":", o->file);
	kmst_json_string(o->file, meta->level[0] ? meta->level : "full");
	fprintf(o->file, ",\"verdict\":\"%s\",\"violations\":%llu,\"violations_shown\":%u}}\n",
		verdicts[res->verdict], res->violations_total, res->violation_count);
}

static int write_timeline(FILE *f, const char *trace, struct tl_timeline *tl,
			  const struct kmst_meta *meta, const struct kmst_check_result *res,
			  uint64_t last_ns)
{
	struct json_out o = { .file = f, .first = true };
	unsigned int *violation_crtc = NULL;
	unsigned int c, i;

	if (res->violation_count) {
		violation_crtc = calloc(res->violation_count, sizeof(*violation_crtc));
		if (!violation_crtc)
			return -ENOMEM;
	}
	/* A violation about no CRTC is drawn on its commit's first one. */
	for (i = 0; i < res->violation_count; i++) {
		const struct kmst_violation *v = &res->violations[i];

		violation_crtc[i] = v->crtc >= 0 ? tl_crtc_get(tl, v->minor, v->crtc) :
						   tl_commit_crtc(tl, v->commit_id, v->minor);
		if (violation_crtc[i] == TL_NONE) {
			free(violation_crtc);
			return -ENOMEM;
		}
	}
	fputs("{\"traceEvents\":[", f);
	for (c = 0; c < tl->crtc_count; c++) {
		name_tracks(&o, tl, c);
		for (i = 0; i < tl->placement_count; i++)
			if (tl->placements[i].crtc == c)
				emit_segment(&o, tl, &tl->placements[i]);
		for (i = 0; i < tl->item_count; i++)
			if (tl->items[i].track != TL_TRACK_SEGMENT && tl->items[i].crtc == c)
				emit_track_item(&o, &tl->items[i]);
		for (i = 0; i < res->violation_count; i++)
			if (violation_crtc[i] == c)
				emit_violation(&o, &res->violations[i], c,
					       violation_ts(&res->violations[i], last_ns));
	}
	emit_flows(&o, tl);
	emit_other_data(&o, trace, meta, res);
	free(violation_crtc);
	return 0;
}

int kmst_export_perfetto(const char *trace, const char *out_path, const struct kmst_check_opts *opts)
{
	const struct kmst_check_result *res;
	struct tl_timeline tl = { 0 };
	const struct kmst_event *ev;
	struct kmst_checker *ck;
	struct kmst_reader reader;
	struct kmst_meta *meta;
	uint64_t last_ns = 0;
	int ret = KMST_EXIT_BAD_INPUT, n;
	FILE *out;

	if (kmst_reader_open(&reader, trace))
		return KMST_EXIT_BAD_INPUT;
	meta = malloc(sizeof(*meta));
	if (!meta) {
		kmst_err("%s: out of memory", trace);
		goto out_reader;
	}
	kmst_meta_parse(reader.meta, meta);
	tl.level = kmst_trace_level_of_meta(meta->level);
	ck = kmst_checker_new(opts, meta);
	if (!ck) {
		kmst_err("%s: out of memory", trace);
		goto out_meta;
	}
	while ((n = kmst_reader_next(&reader, &ev)) == 1) {
		kmst_checker_feed(ck, ev);
		if (tl_add_event(&tl, ev)) {
			kmst_err("%s: out of memory at record %llu", trace, reader.records);
			goto out_checker;
		}
		if (ev->ts_ns > last_ns)
			last_ns = ev->ts_ns;
	}
	if (n < 0)
		goto out_checker; /* the reader said what is wrong, in one line */
	if (reader.end.drops_total)
		kmst_info("%s: %llu events were dropped while recording: the timeline has gaps", trace,
			  (unsigned long long)reader.end.drops_total);
	if (reader.end.missed_runs)
		kmst_info("%s: the kernel skipped %llu runs of the tracer's programs: the timeline has gaps",
			  trace, (unsigned long long)reader.end.missed_runs);
	res = kmst_checker_finish(ck);
	if (tl_finish(&tl)) {
		kmst_err("%s: out of memory", trace);
		goto out_checker;
	}
	if (kmst_make_parent_dirs(out_path))
		goto out_checker;
	out = fopen(out_path, "w");
	if (!out) {
		kmst_err("%s: cannot create: %s", out_path, strerror(errno));
		goto out_checker;
	}
	if (write_timeline(out, trace, &tl, meta, res, last_ns)) {
		kmst_err("%s: out of memory", trace);
		fclose(out);
		goto out_unlink;
	}
	if (ferror(out) | fclose(out)) {
		kmst_err("%s: cannot write: %s", out_path, strerror(errno));
		goto out_unlink;
	}
	kmst_debug("%s: %u CRTC tracks, %u commit segments, %llu exits without an entry",
		   out_path, tl.crtc_count, tl.segment_count, tl.unmatched_exits);
	ret = KMST_EXIT_OK;
	goto out_checker;

out_unlink:
	unlink(out_path);
out_checker:
	tl_free(&tl);
	kmst_checker_free(ck);
out_meta:
	free(meta);
out_reader:
	kmst_reader_close(&reader);
	return ret;
}
