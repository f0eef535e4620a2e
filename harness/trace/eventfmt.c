// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
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

struct bit_name {
	unsigned int bit;
	const char *name;
};

/* "a|b|c" for the bits of FLAGS named in NAMES, or "-". */
static void bits_format(const struct bit_name *names, size_t count, unsigned int flags, char *buf,
			size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < count; i++) {
		if (!(flags & names[i].bit))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 used ? "|" : "", names[i].name);
	}
	if (!used)
		snprintf(buf, len, "-");
}

#define BITS_FORMAT(names, flags, buf, len) \
	bits_format(names, sizeof(names) / sizeof(names[0]), flags, buf, len)

void kmst_commit_flags_format(unsigned int flags, char *buf, size_t len)
{
	static const struct bit_name names[] = {
		{ KMST_CF_NONBLOCK, "nonblock" },
		{ KMST_CF_ALLOW_MODESET, "allow_modeset" },
		{ KMST_CF_TEST_ONLY, "test_only" },
		{ KMST_CF_PAGE_FLIP_EVENT, "page_flip_event" },
		{ KMST_CF_FROM_IOCTL, "ioctl" },
		{ KMST_CF_JOINED, "joined" },
	};

	BITS_FORMAT(names, flags, buf, len);
}

/* KMST_VS_*: "on|enabled|..." , "unknown" when the tracer could not read it. */
static void vblank_state_format(unsigned int bits, char *buf, size_t len)
{
	static const struct bit_name names[] = {
		{ KMST_VS_SUPPORTED, "supported" },
		{ KMST_VS_ON, "on" },
		{ KMST_VS_ENABLED, "enabled" },
		{ KMST_VS_DISABLE_IMMEDIATE, "disable_immediate" },
		{ KMST_VS_ARMED, "armed" },
		{ KMST_VS_CLIENT, "client" },
	};

	if (!(bits & KMST_VS_VALID))
		snprintf(buf, len, "unknown");
	else
		BITS_FORMAT(names, bits, buf, len);
}

static void crtc_state_format(unsigned int bits, char *buf, size_t len)
{
	static const struct bit_name names[] = {
		{ KMST_CS_ACTIVE, "active" },
		{ KMST_CS_ENABLE, "enable" },
		{ KMST_CS_OLD_ACTIVE, "old_active" },
		{ KMST_CS_MODESET, "modeset" },
		{ KMST_CS_EVENT, "event" },
		{ KMST_CS_CLIENT_EVENT, "client_event" },
		{ KMST_CS_NO_VBLANK, "no_vblank" },
	};

	BITS_FORMAT(names, bits, buf, len);
}

/* Where an event type carries DRM's state, and in which bits of aux. */
struct state_fields {
	bool vblank;	   /* KMST_VS_* */
	unsigned int vs;
	bool crtc;	   /* KMST_CS_* */
	unsigned int cs;
	bool refcount;	   /* arg0 is the VBLANK refcount */
	bool host_late;	   /* aux is the host's lateness */
};

static struct state_fields state_fields(const struct kmst_event *ev)
{
	struct state_fields f = { 0 };

	switch (ev->type) {
	case KMST_EV_ARM_VBLANK_EVENT:
	case KMST_EV_SEND_VBLANK_EVENT:
		if (ev->phase == KMST_PH_ENTER) {
			f.vblank = f.refcount = true;
			f.vs = ev->aux;
		}
		break;
	case KMST_EV_VBLANK_EVENT_DELIVERED:
		f.vblank = true;
		f.vs = ev->aux >> 16;
		break;
	case KMST_EV_CRTC_STATE:
		f.vblank = f.crtc = f.refcount = true;
		f.vs = ev->aux >> 16;
		f.cs = ev->aux & 0xffff;
		break;
	case KMST_EV_HANDLE_VBLANK:
		f.host_late = true;
		break;
	}
	return f;
}

/* " vblank=on|enabled refcount=1 ..." for the types that carry DRM's state. */
static void state_suffix(const struct kmst_event *ev, char *buf, size_t len)
{
	struct state_fields f = state_fields(ev);
	char bits[128];
	size_t used = 0;

	buf[0] = '\0';
	if (f.crtc) {
		crtc_state_format(f.cs, bits, sizeof(bits));
		used += snprintf(buf + used, used < len ? len - used : 0, " crtc_state=%s plane_mask=0x%llx",
				 bits, (unsigned long long)ev->arg1);
	}
	if (f.vblank) {
		vblank_state_format(f.vs, bits, sizeof(bits));
		used += snprintf(buf + used, used < len ? len - used : 0, " vblank=%s", bits);
	}
	if (f.refcount)
		used += snprintf(buf + used, used < len ? len - used : 0, " refcount=%llu",
				 (unsigned long long)ev->arg0);
	if (f.host_late && ev->aux == KMST_HOST_LATENESS_UNKNOWN)
		snprintf(buf + used, used < len ? len - used : 0, " host_late_ns=unknown");
	else if (f.host_late)
		snprintf(buf + used, used < len ? len - used : 0, " host_late_ns=%u", ev->aux);
}

/* The same as JSON members, each with a leading comma. */
static void state_json(FILE *out, const struct kmst_event *ev)
{
	struct state_fields f = state_fields(ev);
	char bits[128];

	if (f.crtc) {
		crtc_state_format(f.cs, bits, sizeof(bits));
		fprintf(out, ",\"crtc_state\":\"%s\"", bits);
	}
	if (f.vblank) {
		vblank_state_format(f.vs, bits, sizeof(bits));
		fprintf(out, ",\"vblank_state\":\"%s\"", bits);
	}
	if (f.host_late && ev->aux == KMST_HOST_LATENESS_UNKNOWN)
		fprintf(out, ",\"host_lateness_ns\":null");
	else if (f.host_late)
		fprintf(out, ",\"host_lateness_ns\":%u", ev->aux);
}

void kmst_event_format(const struct kmst_event *ev, char *buf, size_t len)
{
	const char *name = kmst_event_type_name(ev->type);
	char flags[96], state[256];

	kmst_commit_flags_format(ev->commit_flags, flags, sizeof(flags));
	state_suffix(ev, state, sizeof(state));
	snprintf(buf, len,
		 "%llu.%09llu cpu%u tid %u %s %s commit=%u minor=%d crtc=%d plane=%d "
		 "conn=%d flags=%s ret=%d aux=%u arg0=%llu arg1=%llu%s",
		 (unsigned long long)ev->ts_ns / 1000000000ull,
		 (unsigned long long)ev->ts_ns % 1000000000ull,
		 ev->cpu, ev->tid, name ? name : "UNKNOWN", phase_name(ev->phase), ev->commit_id,
		 ev->minor, ev->crtc, ev->plane, ev->connector, flags, ev->ret, ev->aux,
		 (unsigned long long)ev->arg0, (unsigned long long)ev->arg1, state);
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
		"\"arg0\":%llu,\"arg1\":%llu,\"size\":%u",
		(unsigned long long)ev->ts_ns, name ? name : "UNKNOWN", ev->type, phase_name(ev->phase),
		ev->cpu, ev->pid, ev->tid, ev->commit_id, ev->minor, ev->crtc, ev->plane,
		ev->connector, flags, ev->ret, ev->aux, (unsigned long long)ev->arg0, (unsigned long long)ev->arg1,
		ev->size);
	state_json(out, ev);
	fputc('}', out);
}
