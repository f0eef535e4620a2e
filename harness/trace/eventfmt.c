// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "trace/eventfmt.h"
#include "trace/tracefile.h"

static const char *phase_name(unsigned int phase)
{
	switch (phase) {
	case KMST_PH_ENTER:
		return "enter";
	case KMST_PH_EXIT:
		return "exit";
	default:
		return "point";
	}
}

void kmst_commit_flags_format(unsigned int flags, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ KMST_CF_NONBLOCK, "nonblock" },
		{ KMST_CF_ALLOW_MODESET, "allow_modeset" },
		{ KMST_CF_TEST_ONLY, "test_only" },
		{ KMST_CF_PAGE_FLIP_EVENT, "page_flip_event" },
		{ KMST_CF_FROM_IOCTL, "ioctl" },
		{ KMST_CF_JOINED, "joined" },
	};
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 used ? "|" : "", names[i].name);
	}
	if (!used)
		snprintf(buf, len, "-");
}

void kmst_event_format(const struct kmst_event *ev, char *buf, size_t len)
{
	const char *name = kmst_event_type_name(ev->type);
	char flags[96];

	kmst_commit_flags_format(ev->commit_flags, flags, sizeof(flags));
	snprintf(buf, len,
		 "%llu.%09llu cpu%u tid %u %s %s commit=%u minor=%d crtc=%d plane=%d "
		 "conn=%d flags=%s ret=%d aux=%u arg0=%llu arg1=%llu",
		 (unsigned long long)ev->ts_ns / 1000000000ull,
		 (unsigned long long)ev->ts_ns % 1000000000ull,
		 ev->cpu, ev->tid, name ? name : "UNKNOWN", phase_name(ev->phase), ev->commit_id,
		 ev->minor, ev->crtc, ev->plane, ev->connector, flags, ev->ret, ev->aux,
		 (unsigned long long)ev->arg0, (unsigned long long)ev->arg1);
}

void kmst_event_print_json(FILE *out, const struct kmst_event *ev)
{
	const char *name = kmst_event_type_name(ev->type);
	char flags[96];

	kmst_commit_flags_format(ev->commit_flags, flags, sizeof(flags));
	fprintf(out,
		"{\"ts_ns\":%llu,\"type\":\"%s\",\"type_id\":%u,\"phase\":\"%s\","
		"\"cpu\":%u,\"pid\":%u,\"tid\":%u,\"commit_id\":%u,\"minor\":%d,\"crtc\":%d,"
		"\"plane\":%d,\"connector\":%d,\"flags\":\"%s\",\"ret\":%d,\"aux\":%u,"
		"\"arg0\":%llu,\"arg1\":%llu,\"size\":%u}",
		(unsigned long long)ev->ts_ns, name ? name : "UNKNOWN", ev->type, phase_name(ev->phase),
		ev->cpu, ev->pid, ev->tid, ev->commit_id, ev->minor, ev->crtc, ev->plane,
		ev->connector, flags, ev->ret, ev->aux, (unsigned long long)ev->arg0, (unsigned long long)ev->arg1,
		ev->size);
}
