// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "kmstrace_event.h"
#include "kmstrace_tracer.h"
#include "trace/level.h"

/*
 * What KMST_LEVEL_RULES keeps of each event type's records: every phase
 * (ALL, the default for a type not named), the entry only (ENTRY), or
 * nothing (NONE: the function is not traced). This follows what
 * harness/check reads of each type:
 * - ALL where an exit carries what a rule needs: a return value (ioctl,
 *   check_only, commit, helper commit, prepare_fb, vblank_get), a stage
 *   left (hw_done, the flip-done waits), a special's work at exit
 *   (setup_commit's CRTC states, send_vblank_event), or a depth the
 *   checker tracks per thread (fake_vblank, vblank_off, send);
 * - ENTRY where only the call having begun counts: an atomic_check ran
 *   (skip-check), a tail stage or callback was entered (tail-order,
 *   plane-bracket, test-only-commits), cleanup_fb ran, VBLANK turned on,
 *   an event was armed;
 * - NONE for prepare_planes, wait_for_fences and vblank_put, which no
 *   rule reads.
 * The recorder's types and the specials with no records of their own are
 * never cut. test_levels.py replays the corpus, the fault knobs and the
 * mutant drivers at both levels and compares every rule.
 */
#define ENTRY (KMST_FNF_ENTER | KMST_FNF_POINT_ENTER)
#define NONE 0x100

static const unsigned short rules_keep[KMST_EV_MAX] = {
	[KMST_EV_HELPER_CHECK] = ENTRY,
	[KMST_EV_CHECK_MODESET] = ENTRY,
	[KMST_EV_CHECK_PLANES] = ENTRY,
	[KMST_EV_PREPARE_PLANES] = NONE,
	[KMST_EV_SWAP_STATE] = ENTRY,
	[KMST_EV_WAIT_FOR_FENCES] = NONE,
	[KMST_EV_WAIT_FOR_DEPENDENCIES] = ENTRY,
	[KMST_EV_COMMIT_TAIL] = ENTRY,
	[KMST_EV_MODESET_DISABLES] = ENTRY,
	[KMST_EV_COMMIT_PLANES] = ENTRY,
	[KMST_EV_MODESET_ENABLES] = ENTRY,
	[KMST_EV_CLEANUP_PLANES] = ENTRY,
	[KMST_EV_CLEANUP_DONE] = ENTRY,
	[KMST_EV_VBLANK_ON] = ENTRY,
	[KMST_EV_VBLANK_PUT] = NONE,
	[KMST_EV_ARM_VBLANK_EVENT] = ENTRY,
	[KMST_EV_CRTC_ATOMIC_CHECK] = ENTRY,
	[KMST_EV_CRTC_ATOMIC_BEGIN] = ENTRY,
	[KMST_EV_CRTC_ATOMIC_FLUSH] = ENTRY,
	[KMST_EV_CRTC_ATOMIC_ENABLE] = ENTRY,
	[KMST_EV_CRTC_ATOMIC_DISABLE] = ENTRY,
	[KMST_EV_PLANE_ATOMIC_CHECK] = ENTRY,
	[KMST_EV_PLANE_ATOMIC_UPDATE] = ENTRY,
	[KMST_EV_PLANE_ATOMIC_DISABLE] = ENTRY,
	[KMST_EV_PLANE_CLEANUP_FB] = ENTRY,
};

/* tvkms's own tracepoints feed timelines and diff, not the rules (its fault tracepoint stays). */
static const char *const full_only_tracepoints[] = {
	"tvkms_commit_stage", "tvkms_vblank", "tvkms_event", "tvkms_fb",
};

const char *kmst_trace_level_name(enum kmst_trace_level level)
{
	return level == KMST_LEVEL_RULES ? "rules" : "full";
}

bool kmst_trace_level_parse(const char *name, enum kmst_trace_level *level)
{
	if (!strcmp(name, "full"))
		*level = KMST_LEVEL_FULL;
	else if (!strcmp(name, "rules"))
		*level = KMST_LEVEL_RULES;
	else
		return false;
	return true;
}

enum kmst_trace_level kmst_trace_level_of_meta(const char *value)
{
	return !strcmp(value, "rules") ? KMST_LEVEL_RULES : KMST_LEVEL_FULL;
}

unsigned int kmst_level_keeps(enum kmst_trace_level level, unsigned int type)
{
	unsigned int keep;

	if (level == KMST_LEVEL_FULL || type >= KMST_EV_MAX)
		return 0xff;
	keep = rules_keep[type];
	return keep == NONE ? 0 : keep ? keep : 0xff;
}

bool kmst_level_traces_exit(enum kmst_trace_level level, unsigned int type)
{
	return kmst_level_keeps(level, type) & KMST_FNF_EXIT;
}

bool kmst_tracepoint_at_level(const char *tp, enum kmst_trace_level level)
{
	size_t i;

	if (level == KMST_LEVEL_FULL)
		return true;
	for (i = 0; i < sizeof(full_only_tracepoints) / sizeof(full_only_tracepoints[0]); i++)
		if (!strcmp(tp, full_only_tracepoints[i]))
			return false;
	return true;
}
