// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "check/rules.h"
#include "trace/meta.h"
#include "trace/tracefile.h"

static const struct kmst_rule_info rule_table[KMST_RULE_COUNT] = {
	[KMST_RULE_SKIP_CHECK] = {
		"every committed state passed atomic_check before its commit",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_check_only", "drm_atomic_helper_swap_state" },
	},
	[KMST_RULE_TAIL_ORDER] = {
		"within a commit, the DRM helpers run modeset_disables < commit_planes < modeset_enables "
		"< hw_done < flip-done wait < cleanup_planes (planes and enables may swap, the _rpm order), "
		"and cleanup_planes never runs without the flip-done wait",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_helper_commit_modeset_disables", "drm_atomic_helper_commit_planes",
		  "drm_atomic_helper_commit_modeset_enables", "drm_atomic_helper_commit_hw_done",
		  "drm_atomic_helper_wait_for_flip_done", "drm_atomic_helper_cleanup_planes" },
	},
	[KMST_RULE_PLANE_BRACKET] = {
		"per CRTC: atomic_begin < every plane update/disable on it < atomic_flush",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_helper_commit_planes" },
	},
	[KMST_RULE_FB_CLEANUP] = {
		"every prepare_fb gets exactly one cleanup_fb, after hw_done or on the failure path",
		KMST_GROUP_LIFETIME,
		{ "drm_atomic_helper_commit_hw_done" },
	},
	[KMST_RULE_EVENT_TWICE] = {
		"a commit that owes a flip event on a CRTC (the client's or the helper's own) sends it once, not twice",
		KMST_GROUP_EVENTS,
		{ "drm_atomic_helper_setup_commit", "drm_crtc_send_vblank_event",
		  "drm_send_event_timestamp_locked" },
	},
	[KMST_RULE_EVENT_MISSING] = {
		"a commit that owes a flip event on a CRTC sends it, and an armed event holds a VBLANK "
		"reference so the VBLANK that sends it comes",
		KMST_GROUP_EVENTS,
		{ "drm_atomic_helper_setup_commit", "drm_crtc_send_vblank_event",
		  "drm_send_event_timestamp_locked", "drm_crtc_arm_vblank_event" },
	},
	[KMST_RULE_EVENT_EARLY] = {
		"while a CRTC's VBLANK is on, its flip event is armed for the VBLANK, not sent at once "
		"before hw_done; event sequences and timestamps are monotonic per CRTC and match the "
		"VBLANK at which the event was sent",
		KMST_GROUP_EVENTS,
		{ "drm_atomic_helper_setup_commit", "drm_crtc_send_vblank_event",
		  "drm_crtc_arm_vblank_event", "drm_atomic_helper_commit_hw_done" },
	},
	[KMST_RULE_CLEANUP_BEFORE_HW_DONE] = {
		"hw_done <= cleanup_done per commit",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_helper_setup_commit", "complete_all" },
	},
	[KMST_RULE_NO_WAIT_DEPENDENCIES] = {
		"a commit's hardware stages start only after the previous commit on the same CRTC "
		"completed hw_done and flip_done",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_helper_swap_state", "complete_all", "drm_atomic_helper_commit_planes" },
	},
	[KMST_RULE_VBLANK_OFF_MISSING] = {
		"a commit that disables a CRTC with VBLANK support turns its VBLANK off before hw_done; "
		"one that enables it turns it on",
		KMST_GROUP_EVENTS,
		{ "drm_atomic_helper_setup_commit", "drm_crtc_vblank_off", "drm_crtc_vblank_on",
		  "drm_atomic_helper_commit_hw_done" },
	},
	[KMST_RULE_VBLANK_JITTER] = {
		"on an active CRTC, VBLANK intervals stay within the tolerance of the frame duration "
		"(what the host's late timers add is host noise, not judged)",
		KMST_GROUP_TIMING,
		{ "drm_handle_vblank" },
	},
	[KMST_RULE_VBLANK_DROP] = {
		"on an active CRTC, VBLANK sequence numbers have no gaps (beyond frames a late host "
		"timer merged)",
		KMST_GROUP_TIMING,
		{ "drm_handle_vblank" },
	},
	[KMST_RULE_TEST_ONLY_COMMITS] = {
		"a TEST_ONLY commit runs no tail stage or hardware callback, changes no VBLANK state "
		"and sends no event",
		KMST_GROUP_ORDERING,
		{ "drm_atomic_check_only" },
	},
	[KMST_RULE_STATE_LEAK] = {
		"every atomic state is freed after its commit, rejected ones included",
		KMST_GROUP_LIFETIME,
		{ "__drm_atomic_state_free" },
	},
	[KMST_RULE_COMMIT_STALL] = {
		"every commit signals hw_done, flip_done and cleanup_done within DRM's 10 s bound",
		KMST_GROUP_LIFETIME,
		{ "drm_atomic_helper_setup_commit", "complete_all" },
	},
};

static const char *const group_names[KMST_GROUP_COUNT] = {
	[KMST_GROUP_ORDERING] = "ordering",
	[KMST_GROUP_EVENTS] = "events",
	[KMST_GROUP_TIMING] = "timing",
	[KMST_GROUP_LIFETIME] = "lifetime",
};

const struct kmst_rule_info *kmst_rule_info(unsigned int rule)
{
	return rule && rule < KMST_RULE_COUNT ? &rule_table[rule] : NULL;
}

const char *kmst_rule_meaning(unsigned int rule)
{
	return rule && rule < KMST_RULE_COUNT ? rule_table[rule].meaning : NULL;
}

const char *kmst_rule_group_name(enum kmst_rule_group group)
{
	return group > 0 && group < KMST_GROUP_COUNT ? group_names[group] : NULL;
}

const char *kmst_rule_missing_function(unsigned int rule, const struct kmst_meta *meta,
				       const char **reason)
{
	const struct kmst_rule_info *info = kmst_rule_info(rule);
	unsigned int i;

	for (i = 0; info && i < KMST_RULE_MAX_REQUIRES && info->requires[i]; i++) {
		*reason = kmst_meta_missing(meta, info->requires[i]);
		if (*reason)
			return info->requires[i];
	}
	return NULL;
}

/* The rules named by WORD (LEN bytes): one rule, a group, or all. */
static uint32_t word_rules(const char *word, size_t len)
{
	char name[40];
	unsigned int rule, group;
	uint32_t mask = 0;

	if (!len || len >= sizeof(name))
		return 0;
	memcpy(name, word, len);
	name[len] = '\0';
	if (!strcmp(name, "all"))
		return ((1u << KMST_RULE_COUNT) - 1) & ~1u;
	rule = kmst_rule_from_name(name);
	if (rule)
		return 1u << rule;
	for (group = 1; group < KMST_GROUP_COUNT; group++) {
		if (strcmp(name, group_names[group]))
			continue;
		for (rule = 1; rule < KMST_RULE_COUNT; rule++)
			if (rule_table[rule].group == group)
				mask |= 1u << rule;
	}
	return mask;
}

uint32_t kmst_rules_parse(const char *list, const char **bad, unsigned int *bad_len)
{
	uint32_t mask = 0;
	const char *word = list;
	bool first = true;

	while (word) {
		const char *comma = strchr(word, ',');
		size_t len = comma ? (size_t)(comma - word) : strlen(word);
		bool exclude = len && word[0] == '-';
		uint32_t rules = word_rules(word + exclude, len - exclude);

		if (!rules) {
			*bad = word;
			*bad_len = (unsigned int)len;
			return 0;
		}
		if (exclude && first)
			mask = word_rules("all", 3);
		if (exclude)
			mask &= ~rules;
		else
			mask |= rules;
		first = false;
		word = comma ? comma + 1 : NULL;
	}
	if (!mask) {
		*bad = list;
		*bad_len = (unsigned int)strlen(list);
	}
	return mask;
}
