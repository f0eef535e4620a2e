// SPDX-License-Identifier: GPL-2.0
/*
 * A commit's stage signature holds what its own threads ran for it, in
 * an order that does not depend on timing:
 *
 * - the calls that carry its state (checks, commit steps, tail stages and
 *   the driver's callbacks), each thread's in its order, the threads in
 *   the order they first worked on it (the ioctl's, then the worker's);
 * - calls the tracer attributes to the thread's latest commit (VBLANK
 *   on/off/get, arming an event, sending one at once) only while that
 *   thread is inside one of the commit's own calls: the same call made
 *   later by the client (drmWaitVBlank) or from an interrupt that ran on
 *   that thread is not the commit's;
 * - an event sent at once (never armed), but not one the VBLANK handler
 *   sends for it, whose place depends on when the interrupt came.
 *
 * Exits, VBLANK puts (from the interrupt), completions, deliveries and
 * the driver's own tracepoints are left out for the same reason.
 */
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/id_index.h"
#include "common/log.h"
#include "diff/profile.h"
#include "diff/stats.h"
#include "trace/level.h"
#include "trace/tracefile.h"

#define MAX_ERRNO 4095	/* the kernel's: a failed ioctl returns -1 to -MAX_ERRNO */
#define THREAD_SLOTS 64 /* threads whose open calls are followed at once */
#define THREAD_DEPTH 32 /* open calls followed per thread */

struct open_call {
	uint16_t type;
	uint32_t commit_id;
};

struct thread_calls {
	uint32_t tid;	/* 0 = free */
	unsigned int depth;
	struct open_call calls[THREAD_DEPTH];
};

/* What is known of one commit id while the trace is read. */
struct commit_build {
	uint32_t id;
	bool seen, joined, replayed, has_ioctl_ret, has_user_data;
	int ioctl_ret;
	uint64_t user_data;	/* its atomic ioctl's: the sequence line, when replayed */
	uint16_t flags;
	uint32_t tids[KMST_DIFF_THREADS];
	unsigned int tid_count;
	bool cut;
	struct kmst_diff_stage *stages;
	unsigned int stage_count, stage_cap;
};

struct profile_build {
	struct kmst_diff_profile *p;
	struct kmst_id_index ids;
	struct commit_build *commits; /* by the commit's index in ids */
	size_t commit_cap;
	uint32_t *by_id;	/* indices of commits, in order of id (once the trace is read) */
	struct thread_calls threads[THREAD_SLOTS];
	unsigned int thread_next; /* next slot to recycle */
	unsigned int replay_cap;
	struct kmst_hist_builder hist;
	unsigned long long *lateness;	/* each VBLANK timer's measured lateness, ns */
	unsigned int lateness_count, lateness_cap;
	enum kmst_trace_level level;	/* the trace's: which calls have their exit traced */
};

static struct commit_build *commit_get(struct profile_build *b, uint32_t id)
{
	uint32_t index = kmst_id_index_get(&b->ids, id);
	struct commit_build *bigger;
	size_t cap;

	if (index == KMST_ID_NONE)
		return NULL;
	if (index >= b->commit_cap) {
		cap = (size_t)index * 2 + 64;
		bigger = realloc(b->commits, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		memset(bigger + b->commit_cap, 0, (cap - b->commit_cap) * sizeof(*bigger));
		b->commits = bigger;
		b->commit_cap = cap;
	}
	b->commits[index].id = id;
	return &b->commits[index];
}

/* ID's commit, or NULL if the trace has none. */
static struct commit_build *commit_find(struct profile_build *b, uint32_t id)
{
	uint32_t index = kmst_id_index_find(&b->ids, id);

	return index == KMST_ID_NONE ? NULL : &b->commits[index];
}

static int cmp_commit_id(const void *x, const void *y, void *commits)
{
	const struct commit_build *c = commits;
	uint32_t a = c[*(const uint32_t *)x].id, b = c[*(const uint32_t *)y].id;

	return a < b ? -1 : a > b;
}

/* The commits in order of id (the order the kernel began them): b->by_id. */
static int sort_by_id(struct profile_build *b)
{
	uint32_t i;

	b->by_id = malloc((b->ids.count ? b->ids.count : 1) * sizeof(*b->by_id));
	if (!b->by_id)
		return -1;
	for (i = 0; i < b->ids.count; i++)
		b->by_id[i] = i;
	qsort_r(b->by_id, b->ids.count, sizeof(*b->by_id), cmp_commit_id, b->commits);
	return 0;
}

static struct thread_calls *thread_get(struct profile_build *b, uint32_t tid)
{
	struct thread_calls *t;
	unsigned int i;

	for (i = 0; i < THREAD_SLOTS; i++)
		if (b->threads[i].tid == tid)
			return &b->threads[i];
	for (i = 0; i < THREAD_SLOTS; i++)
		if (!b->threads[i].tid)
			break;
	if (i == THREAD_SLOTS) {
		i = b->thread_next;
		b->thread_next = (b->thread_next + 1) % THREAD_SLOTS;
	}
	t = &b->threads[i];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

/* Whether the thread is inside one of COMMIT_ID's own calls. */
static bool inside_commit(const struct thread_calls *t, uint32_t commit_id)
{
	unsigned int i;

	for (i = 0; i < t->depth; i++)
		if (t->calls[i].commit_id == commit_id)
			return true;
	return false;
}

/* EXIT_TRACED: whether the trace's level traces EV's exit (else its entry opens nothing). */
static void follow_call(struct thread_calls *t, const struct kmst_event *ev, bool exit_traced)
{
	unsigned int i;

	if (ev->phase == KMST_PH_ENTER) {
		if (!exit_traced)
			return;
		if (t->depth < THREAD_DEPTH)
			t->calls[t->depth++] = (struct open_call){ ev->type, ev->commit_id };
		return;
	}
	if (ev->phase != KMST_PH_EXIT)
		return;
	/* The innermost open call it closes; calls above it missed their exit. */
	for (i = t->depth; i > 0; i--) {
		if (t->calls[i - 1].type == ev->type && t->calls[i - 1].commit_id == ev->commit_id) {
			t->depth = i - 1;
			return;
		}
	}
}

/* Whether EV (an ENTER or a POINT) is an entry of its commit's signature. */
static bool in_signature(const struct kmst_event *ev, bool inside)
{
	switch (ev->type) {
	case KMST_EV_ATOMIC_IOCTL ... KMST_EV_CHECK_PLANES:
	case KMST_EV_HELPER_COMMIT ... KMST_EV_WAIT_FOR_DEPENDENCIES:
	case KMST_EV_MODESET_DISABLES ... KMST_EV_COMMIT_TAIL:
	case KMST_EV_CRTC_ATOMIC_CHECK ... KMST_EV_PLANE_CLEANUP_FB:
		return true;
	case KMST_EV_VBLANK_ON:
	case KMST_EV_VBLANK_OFF:
	case KMST_EV_VBLANK_GET:
	case KMST_EV_ARM_VBLANK_EVENT:
		return inside;
	case KMST_EV_SEND_VBLANK_EVENT:
		return inside && !(ev->aux & KMST_VS_ARMED);
	default:
		return false;
	}
}

static int add_stage(struct commit_build *c, const struct kmst_event *ev)
{
	struct kmst_diff_stage *slot;
	unsigned int thread;

	for (thread = 0; thread < c->tid_count; thread++)
		if (c->tids[thread] == ev->tid)
			break;
	if (thread == c->tid_count) {
		if (c->tid_count < KMST_DIFF_THREADS)
			c->tids[c->tid_count++] = ev->tid;
		else
			thread = KMST_DIFF_THREADS - 1;
	}
	if (c->stage_count == KMST_DIFF_MAX_STAGES) {
		c->cut = true;
		return 0;
	}
	slot = kmst_grow((void **)&c->stages, &c->stage_cap, c->stage_count, sizeof(*slot));
	if (!slot)
		return -1;
	*slot = (struct kmst_diff_stage){ (uint8_t)ev->type, (uint8_t)thread };
	c->stage_count++;
	return 0;
}

static int commit_event(struct profile_build *b, const struct kmst_event *ev)
{
	struct thread_calls *t = thread_get(b, ev->tid);
	struct commit_build *c = commit_get(b, ev->commit_id);
	bool inside;

	if (!c)
		return -1;
	if (!c->seen) {
		c->seen = true;
		/* Begun before the trace: its first steps are not in it. */
		c->joined = (ev->commit_flags & KMST_CF_JOINED) || ev->commit_id <= b->p->meta->commit_base;
	}
	c->flags |= ev->commit_flags;
	if (ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_ENTER && !c->has_user_data) {
		c->has_user_data = true;
		c->user_data = ev->arg0;
	}
	if (ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_EXIT) {
		c->has_ioctl_ret = true;
		c->ioctl_ret = ev->ret;
	}
	inside = inside_commit(t, ev->commit_id);
	follow_call(t, ev, kmst_level_traces_exit(b->level, ev->type));
	if (ev->phase == KMST_PH_EXIT || !in_signature(ev, inside))
		return 0;
	return add_stage(c, ev);
}

static int replay_event(struct profile_build *b, const struct kmst_event *ev)
{
	struct kmst_diff_profile *p = b->p;
	struct kmst_diff_commit *commit;

	commit = kmst_grow((void **)&p->commits, &b->replay_cap, p->commit_count, sizeof(*commit));
	if (!commit)
		return -1;
	memset(commit, 0, sizeof(*commit));
	commit->replayed = true;
	commit->commit_id = ev->commit_id;
	commit->seq_line = (uint32_t)ev->arg0;
	commit->err = (int)ev->aux;
	commit->expected = ev->ret;
	commit->flags = ev->commit_flags;
	commit->ordinal = ++p->commit_count;
	p->replay = true;
	return 0;
}

static int count_delivery(struct kmst_diff_profile *p, const struct kmst_event *ev)
{
	unsigned int vs = ev->aux >> 16, i;

	/* A client's event, as hist counts it (not the helper's own). */
	if ((vs & KMST_VS_VALID) && !(vs & KMST_VS_CLIENT))
		return 0;
	for (i = 0; i < p->crtc_count; i++)
		if (p->crtcs[i].minor == ev->minor && p->crtcs[i].crtc == ev->crtc)
			break;
	if (i == p->crtc_count) {
		if (i == KMST_DIFF_CRTCS)
			return 0;
		p->crtcs[p->crtc_count++] = (struct kmst_diff_crtc_events){ ev->minor, ev->crtc, 0 };
	}
	p->crtcs[i].delivered++;
	return 0;
}

static int count_lateness(struct profile_build *b, const struct kmst_event *ev)
{
	unsigned long long *slot;

	if (ev->aux == KMST_HOST_LATENESS_UNKNOWN)
		return 0;
	slot = kmst_grow((void **)&b->lateness, &b->lateness_cap, b->lateness_count, sizeof(*slot));
	if (!slot)
		return -1;
	*slot = ev->aux;
	b->lateness_count++;
	return 0;
}

static int feed(struct profile_build *b, const struct kmst_event *ev)
{
	enum kmst_event_class class = kmst_event_class(ev->type);

	if (kmst_hist_builder_feed(&b->hist, ev))
		return -1;
	if (ev->type == KMST_EV_HANDLE_VBLANK && count_lateness(b, ev))
		return -1;
	if (ev->type == KMST_EV_REPLAY_COMMIT)
		return replay_event(b, ev);
	if (ev->type == KMST_EV_VBLANK_EVENT_DELIVERED && count_delivery(b->p, ev))
		return -1;
	if (!ev->commit_id || (class != KMST_CLASS_COMMIT && class != KMST_CLASS_COMMIT_LATE))
		return 0;
	return commit_event(b, ev);
}

/* Threads in order of appearance, each one's entries in its own order. */
static void order_by_thread(struct commit_build *c)
{
	struct kmst_diff_stage *sorted;
	unsigned int thread, i, n = 0;

	if (c->tid_count < 2)
		return;
	sorted = malloc(c->stage_count * sizeof(*sorted));
	if (!sorted)
		return; /* in order of time, which is still one signature */
	for (thread = 0; thread < c->tid_count; thread++)
		for (i = 0; i < c->stage_count; i++)
			if (c->stages[i].thread == thread)
				sorted[n++] = c->stages[i];
	memcpy(c->stages, sorted, n * sizeof(*sorted));
	free(sorted);
}

/* Move commit C's signature and flags into COMMIT. */
static void take_signature(struct kmst_diff_commit *commit, struct commit_build *c)
{
	order_by_thread(c);
	commit->stages = c->stages;
	commit->stage_count = c->stage_count;
	commit->cut = c->cut;
	commit->flags |= c->flags;
	c->stages = NULL;
	c->stage_count = c->stage_cap = 0;
}

struct line_index {
	uint32_t line;
	unsigned int index;
};

static int cmp_line_index(const void *x, const void *y)
{
	const struct line_index *a = x, *b = y;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * The traced commit of a replayed one that replay did not match, or
 * matched to another commit: the first one left whose ioctl carried the
 * line as user_data, as replay issued it. 0 if none.
 */
static uint32_t unmatched_commit(const struct profile_build *b, uint32_t line)
{
	uint32_t i;

	for (i = 0; i < b->ids.count; i++) {
		const struct commit_build *c = &b->commits[b->by_id[i]];

		if (c->seen && !c->joined && !c->replayed && c->has_user_data && c->user_data == line)
			return c->id;
	}
	return 0;
}

/* A replay's commits: the nth commit from each line, and each one's signature. */
static int finish_replay(struct profile_build *b)
{
	struct kmst_diff_profile *p = b->p;
	struct line_index *order;
	struct commit_build *c;
	unsigned int i;

	if (sort_by_id(b))
		return -1;
	order = malloc((p->commit_count ? p->commit_count : 1) * sizeof(*order));
	if (!order)
		return -1;
	for (i = 0; i < p->commit_count; i++)
		order[i] = (struct line_index){ p->commits[i].seq_line, i };
	qsort(order, p->commit_count, sizeof(*order), cmp_line_index);
	for (i = 0; i < p->commit_count; i++) {
		bool same_line = i && order[i - 1].line == order[i].line;

		p->commits[order[i].index].occurrence =
			same_line ? p->commits[order[i - 1].index].occurrence + 1 : 1;
	}
	free(order);
	/*
	 * Replay names the commit an ioctl's records named while it ran; an
	 * interrupt that delivered an earlier commit's event on the replaying
	 * thread can make that the earlier commit. A commit is the record's
	 * only if its ioctl carried the record's line and no earlier record
	 * took it; else it is the first commit left that carried the line.
	 */
	for (i = 0; i < p->commit_count; i++) {
		c = commit_find(b, p->commits[i].commit_id);
		if (c && c->seen && !c->replayed && (!c->has_user_data || c->user_data == p->commits[i].seq_line))
			c->replayed = true;
		else
			p->commits[i].commit_id = 0;
	}
	for (i = 0; i < p->commit_count; i++) {
		struct kmst_diff_commit *commit = &p->commits[i];

		if (!commit->commit_id)
			commit->commit_id = unmatched_commit(b, commit->seq_line);
		c = commit_find(b, commit->commit_id);
		if (!c)
			continue;
		c->replayed = true;
		take_signature(commit, c);
	}
	for (i = 0; i < b->ids.count; i++) {
		c = &b->commits[i];
		p->joined += c->seen && c->joined && !c->replayed;
		p->other_commits += c->seen && !c->joined && !c->replayed;
	}
	return 0;
}

/* A recording's commits: every one that began in the trace, by commit id (their order). */
static int finish_recording(struct profile_build *b)
{
	struct kmst_diff_profile *p = b->p;
	unsigned int count = 0, i = 0;
	uint32_t n;

	if (sort_by_id(b))
		return -1;
	for (n = 0; n < b->ids.count; n++) {
		count += b->commits[n].seen && !b->commits[n].joined;
		p->joined += b->commits[n].seen && b->commits[n].joined;
	}
	p->commits = calloc(count ? count : 1, sizeof(*p->commits));
	if (!p->commits)
		return -1;
	for (n = 0; n < b->ids.count; n++) {
		struct commit_build *c = &b->commits[b->by_id[n]];
		struct kmst_diff_commit *commit;

		if (!c->seen || c->joined)
			continue;
		commit = &p->commits[i++];
		commit->commit_id = c->id;
		commit->ordinal = i;
		/* A failed ioctl returns -errno. */
		commit->err = c->has_ioctl_ret && c->ioctl_ret < 0 ? -c->ioctl_ret : 0;
		take_signature(commit, c);
	}
	p->commit_count = count;
	return 0;
}

static void add_minor(struct kmst_diff_profile *p, int minor)
{
	unsigned int i;

	for (i = 0; i < p->minor_count; i++)
		if (p->minors[i] == minor)
			return;
	if (p->minor_count == KMST_DIFF_CARDS)
		return;
	for (i = p->minor_count; i > 0 && p->minors[i - 1] > minor; i--)
		p->minors[i] = p->minors[i - 1];
	p->minors[i] = minor;
	p->minor_count++;
}

int kmst_diff_card_index(const struct kmst_diff_profile *p, int minor)
{
	unsigned int i;

	for (i = 0; i < p->minor_count; i++)
		if (p->minors[i] == minor)
			return (int)i;
	return -1;
}

static void build_free(struct profile_build *b)
{
	size_t i;

	for (i = 0; i < b->commit_cap; i++)
		free(b->commits[i].stages);
	free(b->commits);
	free(b->by_id);
	kmst_id_index_free(&b->ids);
	free(b->lateness);
	kmst_hist_builder_free(&b->hist);
}

/*
 * Whether EV holds what no kernel records. An atomic ioctl's result is
 * negated into its errno, and below -MAX_ERRNO it is no errno (INT_MIN
 * would not even negate); like any damage, it is named by its place.
 */
static bool damaged(const struct kmst_reader *reader, const struct kmst_event *ev)
{
	if (ev->type != KMST_EV_ATOMIC_IOCTL || ev->phase != KMST_PH_EXIT || ev->ret >= -MAX_ERRNO)
		return false;
	kmst_err("%s: corrupt record at byte %llu (record %llu: an atomic ioctl returned %d, which is no errno)",
		 reader->path, reader->offset - ev->size, reader->records, ev->ret);
	return true;
}

int kmst_diff_profile_read(struct kmst_diff_profile *p, const char *path)
{
	struct profile_build build = { .p = p };
	const struct kmst_event *ev;
	struct kmst_reader reader;
	int ret, err = -1;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->path = path;
	p->hists.keep_samples = true;
	kmst_hist_builder_init(&build.hist, &p->hists);
	if (kmst_reader_open(&reader, path))
		goto out_build;
	p->meta = malloc(sizeof(*p->meta));
	if (!p->meta)
		goto out_memory;
	kmst_meta_parse(reader.meta, p->meta);
	build.level = kmst_trace_level_of_meta(p->meta->level);
	while ((ret = kmst_reader_next(&reader, &ev)) == 1) {
		if (damaged(&reader, ev))
			goto out_reader;
		if (feed(&build, ev))
			goto out_memory;
	}
	/* The reader said what is wrong, naming the byte and the record. */
	if (ret < 0)
		goto out_reader;
	p->drops = reader.end.drops_total;
	p->missed_runs = reader.end.missed_runs;
	if (p->replay ? finish_replay(&build) : finish_recording(&build))
		goto out_memory;
	kmst_stats_sort(build.lateness, build.lateness_count);
	p->host_late_p99_ns = kmst_stats_percentile(build.lateness, build.lateness_count, 99);
	p->host_late_count = build.lateness_count;
	for (i = 0; i < p->crtc_count; i++)
		add_minor(p, p->crtcs[i].minor);
	for (i = 0; i < p->hists.count; i++)
		add_minor(p, p->hists.entries[i].key.minor);
	err = 0;
	goto out_reader;

out_memory:
	kmst_err("%s: out of memory", path);
out_reader:
	kmst_reader_close(&reader);
out_build:
	build_free(&build);
	if (err)
		kmst_diff_profile_free(p);
	return err;
}

void kmst_diff_profile_free(struct kmst_diff_profile *p)
{
	unsigned int i;

	for (i = 0; i < p->commit_count; i++)
		free(p->commits[i].stages);
	free(p->commits);
	free(p->meta);
	kmst_hist_set_free(&p->hists);
	p->commits = NULL;
	p->meta = NULL;
	p->commit_count = 0;
}
