// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "hist/hist.h"
#include "common/grow.h"
#include "common/log.h"
#include "trace/tracefile.h"
#include "trace/vblank.h"

#define BAR_WIDTH 40

static const char *const kind_names[KMST_HIST_KIND_MAX] = {
	[KMST_HIST_VBLANK_INTERVAL] = "vblank_interval",
	[KMST_HIST_EVENT_LATENCY] = "event_latency",
	[KMST_HIST_FLIP_LATENCY] = "flip_latency",
};

static const char *const kind_titles[KMST_HIST_KIND_MAX] = {
	[KMST_HIST_VBLANK_INTERVAL] = "VBLANK interval",
	[KMST_HIST_EVENT_LATENCY] = "event latency (armed -> delivered)",
	[KMST_HIST_FLIP_LATENCY] = "flip latency (atomic ioctl or page flip -> event delivered)",
};

const char *kmst_hist_kind_name(unsigned int kind)
{
	return kind < KMST_HIST_KIND_MAX && kind_names[kind] ? kind_names[kind] : "?";
}

static struct kmst_hist_entry *entry_get(struct kmst_hist_set *set, unsigned int kind, int minor,
					 int crtc)
{
	struct kmst_hist_entry *entry;
	size_t i;

	for (i = 0; i < set->count; i++) {
		entry = &set->entries[i];
		if (entry->key.kind == kind && entry->key.minor == minor && entry->key.crtc == crtc)
			return entry;
	}
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct kmst_hist_entry *bigger = realloc(set->entries, cap * sizeof(*bigger));

		if (!bigger)
			return NULL;
		set->entries = bigger;
		set->cap = cap;
	}
	entry = &set->entries[set->count++];
	memset(entry, 0, sizeof(*entry));
	entry->key.kind = kind;
	entry->key.minor = minor;
	entry->key.crtc = crtc;
	return entry;
}

struct kmst_hist *kmst_hist_set_get(struct kmst_hist_set *set, unsigned int kind, int minor, int crtc)
{
	struct kmst_hist_entry *entry = entry_get(set, kind, minor, crtc);

	return entry ? &entry->hist : NULL;
}

void kmst_hist_set_free(struct kmst_hist_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		free(set->entries[i].samples);
	free(set->entries);
	memset(set, 0, sizeof(*set));
}

void kmst_hist_add(struct kmst_hist *hist, unsigned long long ns, unsigned long long nominal_ns)
{
	hist->log2[kmst_hist_log2_slot(ns / 1000)]++;
	if (nominal_ns) {
		hist->nominal_ns = nominal_ns;
		hist->linear[kmst_hist_lin_slot(ns, nominal_ns)]++;
	}
	hist->count++;
	hist->sum_ns += ns;
	if (ns > hist->max_ns)
		hist->max_ns = ns;
}

/* Count NS in (KIND, MINOR, CRTC), and keep it if the set keeps samples; NULL on ENOMEM. */
static struct kmst_hist *count_value(struct kmst_hist_set *set, unsigned int kind, int minor,
				     int crtc, unsigned long long ns, unsigned long long nominal_ns)
{
	struct kmst_hist_entry *entry = entry_get(set, kind, minor, crtc);
	struct kmst_hist_sample *slot;

	if (!entry)
		return NULL;
	kmst_hist_add(&entry->hist, ns, nominal_ns);
	if (!set->keep_samples)
		return &entry->hist;
	slot = kmst_grow((void **)&entry->samples, &entry->sample_cap, entry->sample_count,
			 sizeof(*slot));
	if (!slot)
		return NULL;
	slot->ns = ns;
	slot->nominal_ns = nominal_ns;
	entry->sample_count++;
	return &entry->hist;
}

static bool times_reserve(struct kmst_hist_builder *b, size_t index)
{
	unsigned long long *a, *c;
	size_t cap;

	if (index < b->times_cap)
		return true;
	cap = index * 2 + 64;
	a = realloc(b->ioctl_ts, cap * sizeof(*a));
	if (!a)
		return false;
	b->ioctl_ts = a;
	c = realloc(b->arm_ts, cap * sizeof(*c));
	if (!c)
		return false;
	b->arm_ts = c;
	memset(a + b->times_cap, 0, (cap - b->times_cap) * sizeof(*a));
	memset(c + b->times_cap, 0, (cap - b->times_cap) * sizeof(*c));
	b->times_cap = cap;
	return true;
}

void kmst_hist_builder_init(struct kmst_hist_builder *b, struct kmst_hist_set *set)
{
	memset(b, 0, sizeof(*b));
	b->set = set;
}

void kmst_hist_builder_free(struct kmst_hist_builder *b)
{
	free(b->ioctl_ts);
	free(b->arm_ts);
	b->ioctl_ts = b->arm_ts = NULL;
	b->times_cap = 0;
	kmst_id_index_free(&b->ids);
}

int kmst_hist_builder_feed(struct kmst_hist_builder *b, const struct kmst_event *ev)
{
	struct kmst_hist_set *set = b->set;
	struct kmst_hist_vblank_last *last = b->last;
	unsigned long long now;
	struct kmst_hist *hist;
	uint32_t at = 0;	/* the commit's index in the times */
	unsigned int vs;
	size_t i;

	if (ev->commit_id) {
		at = kmst_id_index_get(&b->ids, ev->commit_id);
		if (at == KMST_ID_NONE || !times_reserve(b, at))
			return -1;
	}
	switch (ev->type) {
	case KMST_EV_ATOMIC_IOCTL:
		if (ev->phase == KMST_PH_ENTER && ev->commit_id)
			b->ioctl_ts[at] = ev->ts_ns;
		break;
	case KMST_EV_STATE_ALLOC:
		/* A legacy page flip has no atomic ioctl: its commit starts with its state. */
		if (ev->commit_id && !b->ioctl_ts[at])
			b->ioctl_ts[at] = ev->ts_ns;
		break;
	case KMST_EV_ARM_VBLANK_EVENT:
		if (ev->phase == KMST_PH_ENTER && ev->commit_id)
			b->arm_ts[at] = ev->ts_ns;
		break;
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		/* Only a client's event is a flip someone waits for (not the helper's own). */
		vs = ev->aux >> 16;
		if (!ev->commit_id || ((vs & KMST_VS_VALID) && !(vs & KMST_VS_CLIENT)))
			break;
		if (b->arm_ts[at] && ev->ts_ns >= b->arm_ts[at])
			count_value(set, KMST_HIST_EVENT_LATENCY, ev->minor, ev->crtc,
				    ev->ts_ns - b->arm_ts[at], 0);
		if (b->ioctl_ts[at] && ev->ts_ns >= b->ioctl_ts[at])
			count_value(set, KMST_HIST_FLIP_LATENCY, ev->minor, ev->crtc,
				    ev->ts_ns - b->ioctl_ts[at], 0);
		break;
	case KMST_EV_HANDLE_VBLANK:
		now = kmst_vblank_driver_ts(ev);
		for (i = 0; i < b->nlast; i++)
			if (last[i].minor == ev->minor && last[i].crtc == ev->crtc)
				break;
		if (i == b->nlast) {
			if (b->nlast == KMST_HIST_VBLANK_CRTCS)
				break;
			last[b->nlast++] = (struct kmst_hist_vblank_last){ ev->minor, ev->crtc, 0, 0 };
		}
		if (last[i].ts && now > last[i].ts) {
			hist = count_value(set, KMST_HIST_VBLANK_INTERVAL, ev->minor, ev->crtc,
					   now - last[i].ts, ev->arg1);
			if (hist) {
				if (ev->arg0 > last[i].seq + 1)
					hist->missed += ev->arg0 - last[i].seq - 1;
			}
		}
		last[i].ts = now;
		last[i].seq = ev->arg0;
		break;
	}
	return 0;
}

int kmst_hist_set_from_trace(struct kmst_hist_set *set, const char *path, char **meta)
{
	struct kmst_hist_builder builder;
	const struct kmst_event *ev;
	struct kmst_reader reader;
	int ret, err = -1;

	if (kmst_reader_open(&reader, path))
		return -1;
	kmst_hist_builder_init(&builder, set);
	while ((ret = kmst_reader_next(&reader, &ev)) == 1) {
		if (kmst_hist_builder_feed(&builder, ev)) {
			kmst_err("%s: out of memory", path);
			goto out;
		}
	}
	if (ret == 0) {
		err = 0;
		if (meta)
			*meta = strdup(reader.meta);
	}
out:
	kmst_hist_builder_free(&builder);
	kmst_reader_close(&reader);
	return err;
}

static int cmp_entries(const void *a, const void *b)
{
	const struct kmst_hist_key *x = &((const struct kmst_hist_entry *)a)->key;
	const struct kmst_hist_key *y = &((const struct kmst_hist_entry *)b)->key;

	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	if (x->crtc != y->crtc)
		return x->crtc < y->crtc ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static void print_bar(FILE *out, unsigned long long count, unsigned long long max)
{
	int width = max ? (int)(count * BAR_WIDTH / max) : 0, i;

	fputc('|', out);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < width ? '*' : ' ', out);
	fputc('|', out);
}

static void print_text(FILE *out, const struct kmst_hist_entry *entry)
{
	const struct kmst_hist *h = &entry->hist;
	int first = -1, last = -1, i;
	unsigned long long max = 0;

	fprintf(out, "card%d crtc%d: %s: %llu samples, mean %.3f ms, max %.3f ms", entry->key.minor,
		entry->key.crtc, kind_titles[entry->key.kind], (unsigned long long)h->count,
		h->count ? h->sum_ns / 1e6 / h->count : 0.0, h->max_ns / 1e6);
	if (entry->key.kind == KMST_HIST_VBLANK_INTERVAL)
		fprintf(out, ", nominal %.3f ms, %llu missed", h->nominal_ns / 1e6,
			(unsigned long long)h->missed);
	fputc('\n', out);
	for (i = 0; i < KMST_HIST_LOG2_SLOTS; i++) {
		if (!h->log2[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->log2[i] > max)
			max = h->log2[i];
	}
	if (first < 0)
		return;
	fprintf(out, "%24s : %-9s distribution\n", "usecs", "count");
	for (i = first; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;

		fprintf(out, "%10llu -> %-10llu : %-9llu ", lo, hi, (unsigned long long)h->log2[i]);
		print_bar(out, h->log2[i], max);
		fputc('\n', out);
	}
	if (!h->nominal_ns)
		return;
	first = last = -1;
	max = 0;
	for (i = 0; i < KMST_HIST_LIN_SLOTS; i++) {
		if (!h->linear[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->linear[i] > max)
			max = h->linear[i];
	}
	fprintf(out, "%24s : %-9s distribution\n", "usecs from nominal", "count");
	for (i = first; i <= last && first >= 0; i++) {
		int offset = (i - KMST_HIST_LIN_SLOTS / 2) * KMST_HIST_LIN_STEP_US;
		const char *edge = i == 0 ? "<=" : i == KMST_HIST_LIN_SLOTS - 1 ? ">=" : "  ";

		fprintf(out, "%17s%+6d : %-9llu ", edge, offset, (unsigned long long)h->linear[i]);
		print_bar(out, h->linear[i], max);
		fputc('\n', out);
	}
}

static void print_json(FILE *out, const struct kmst_hist_entry *entry)
{
	const struct kmst_hist *h = &entry->hist;
	bool comma = false;
	int i;

	fprintf(out, "{\"kind\":\"%s\",\"minor\":%d,\"crtc\":%d,\"count\":%llu,\"sum_ns\":%llu,"
		     "\"max_ns\":%llu,\"nominal_ns\":%llu,\"missed\":%llu,\"log2_us\":[",
		kind_names[entry->key.kind], entry->key.minor, entry->key.crtc,
		(unsigned long long)h->count, (unsigned long long)h->sum_ns,
		(unsigned long long)h->max_ns, (unsigned long long)h->nominal_ns,
		(unsigned long long)h->missed);
	for (i = 0; i < KMST_HIST_LOG2_SLOTS; i++) {
		if (!h->log2[i])
			continue;
		fprintf(out, "%s{\"lo\":%llu,\"hi\":%llu,\"count\":%llu}", comma ? "," : "",
			i ? 1ULL << i : 0, (1ULL << (i + 1)) - 1, (unsigned long long)h->log2[i]);
		comma = true;
	}
	fputs("],\"linear_us\":[", out);
	comma = false;
	for (i = 0; h->nominal_ns && i < KMST_HIST_LIN_SLOTS; i++) {
		if (!h->linear[i])
			continue;
		fprintf(out, "%s{\"offset\":%d,\"count\":%llu}", comma ? "," : "",
			(i - KMST_HIST_LIN_SLOTS / 2) * KMST_HIST_LIN_STEP_US,
			(unsigned long long)h->linear[i]);
		comma = true;
	}
	fputs("]}", out);
}

void kmst_hist_print(FILE *out, struct kmst_hist_set *set, bool json)
{
	size_t i;

	qsort(set->entries, set->count, sizeof(*set->entries), cmp_entries);
	if (json)
		fputs("{\"histograms\":[", out);
	for (i = 0; i < set->count; i++) {
		const struct kmst_hist_entry *entry = &set->entries[i];

		if (!entry->key.kind || entry->key.kind >= KMST_HIST_KIND_MAX)
			continue;
		if (json) {
			if (i)
				fputc(',', out);
			print_json(out, entry);
		} else {
			if (i)
				fputc('\n', out);
			print_text(out, entry);
		}
	}
	if (json)
		fputs("]}\n", out);
}
