// SPDX-License-Identifier: GPL-2.0
/* The uAPI errno table (errno_table.h); each row names the kernel check. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "afuzz/errno_table.h"

static const struct kmst_afuzz_rule rules[KMST_MUT_COUNT] = {
	{ KMST_MUT_NONE, "valid", KMST_ERR_OK,
	  "a commit of the device's own objects, in bounds" },
	{ KMST_MUT_UNKNOWN_OBJECT, "unknown-object", KMST_ERR_ENOENT,
	  "drm_mode_atomic_ioctl: drm_mode_object_find() fails" },
	{ KMST_MUT_STALE_OBJECT, "stale-object", KMST_ERR_ENOENT,
	  "drm_mode_atomic_ioctl: drm_mode_object_find() fails on a removed id" },
	{ KMST_MUT_PROPLESS_OBJECT, "propless-object", KMST_ERR_ENOENT,
	  "drm_mode_atomic_ioctl: an object without properties" },
	{ KMST_MUT_UNKNOWN_PROP, "unknown-prop", KMST_ERR_ENOENT,
	  "drm_mode_atomic_ioctl: drm_mode_obj_find_prop_id() fails" },
	{ KMST_MUT_FOREIGN_PROP, "foreign-prop", KMST_ERR_ENOENT,
	  "drm_mode_atomic_ioctl: the property is not attached to the object" },
	{ KMST_MUT_RANGE, "range", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: value outside [min, max]" },
	{ KMST_MUT_ENUM, "enum", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: value is none of the enum's" },
	{ KMST_MUT_IMMUTABLE, "immutable", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: DRM_MODE_PROP_IMMUTABLE" },
	{ KMST_MUT_BAD_FB, "bad-fb", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: object property names no object" },
	{ KMST_MUT_STALE_FB, "stale-fb", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: object property names a removed fb" },
	{ KMST_MUT_FB_WRONG_TYPE, "fb-wrong-type", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: object of the wrong type" },
	{ KMST_MUT_BAD_BLOB, "bad-blob", KMST_ERR_EINVAL,
	  "drm_property_change_valid_get: blob property names no blob" },
	{ KMST_MUT_BLOB_SIZE, "blob-size", KMST_ERR_EINVAL,
	  "drm_atomic_set_mode_prop_for_crtc: blob length != sizeof(drm_mode_modeinfo)" },
	{ KMST_MUT_MODE_TIMINGS, "mode-timings", KMST_ERR_EINVAL,
	  "drm_atomic_set_mode_prop_for_crtc: drm_mode_convert_umode() refuses" },
	{ KMST_MUT_MODESET_NOT_ALLOWED, "modeset-not-allowed", KMST_ERR_EINVAL,
	  "drm_atomic_check_only: needs modeset without ALLOW_MODESET" },
	{ KMST_MUT_UNKNOWN_FLAG, "unknown-flag", KMST_ERR_EINVAL,
	  "drm_mode_atomic_ioctl: flags & ~DRM_MODE_ATOMIC_FLAGS" },
	{ KMST_MUT_ASYNC_FLAG, "async-flag", KMST_ERR_EINVAL,
	  "drm_mode_atomic_ioctl: PAGE_FLIP_ASYNC (no driver here supports async atomic flips)" },
	{ KMST_MUT_TEST_ONLY_EVENT, "test-only-event", KMST_ERR_EINVAL,
	  "drm_mode_atomic_ioctl: TEST_ONLY with PAGE_FLIP_EVENT" },
	{ KMST_MUT_EVENT_NO_CRTC, "event-no-crtc", KMST_ERR_EINVAL,
	  "prepare_signaling: PAGE_FLIP_EVENT and no CRTC in the state" },
	{ KMST_MUT_SRC_OUTSIDE_FB, "src-outside-fb", KMST_ERR_ENOSPC,
	  "drm_atomic_plane_check: source rectangle past the fb" },
	{ KMST_MUT_CRTC_RECT_OVERFLOW, "crtc-rect-overflow", KMST_ERR_ERANGE,
	  "drm_atomic_plane_check: crtc_x + crtc_w > INT_MAX" },
	{ KMST_MUT_FB_WITHOUT_CRTC, "fb-without-crtc", KMST_ERR_EINVAL,
	  "drm_atomic_plane_check: FB set but no CRTC" },
	/* The driver's plane check decides (can_position, visibility): either is legal. */
	{ KMST_MUT_PLANE_OFFSCREEN, "plane-offscreen", KMST_ERR_OK | KMST_ERR_EINVAL,
	  "driver atomic_check (drm_atomic_helper_check_plane_state)" },
	{ KMST_MUT_PLANE_PARTLY_OFF, "plane-partly-off", KMST_ERR_OK | KMST_ERR_EINVAL,
	  "driver atomic_check (drm_atomic_helper_check_plane_state)" },
	{ KMST_MUT_NONBLOCK_STORM, "nonblock-storm", KMST_ERR_OK | KMST_ERR_EBUSY,
	  "drm_atomic_helper_setup_commit: previous flip_done not signalled" },
	{ KMST_MUT_RMFB_IN_USE, "rmfb-in-use", KMST_ERR_OK,
	  "drm_framebuffer_remove: disables the planes scanning it out" },
	{ KMST_MUT_LEGACY_SETCRTC, "legacy-setcrtc", KMST_ERR_OK,
	  "drm_mode_setcrtc with the device's own mode and fb" },
	{ KMST_MUT_LEGACY_SETCRTC_BAD_FB, "legacy-setcrtc-bad-fb", KMST_ERR_ENOENT,
	  "drm_mode_setcrtc: drm_framebuffer_lookup() fails" },
	{ KMST_MUT_LEGACY_PAGE_FLIP, "legacy-page-flip", KMST_ERR_OK | KMST_ERR_EBUSY,
	  "drm_mode_page_flip_ioctl: EBUSY while a flip is pending" },
	{ KMST_MUT_LEGACY_PAGE_FLIP_BAD_FB, "legacy-page-flip-bad-fb", KMST_ERR_ENOENT,
	  "drm_mode_page_flip_ioctl: drm_framebuffer_lookup() fails" },
	{ KMST_MUT_LEGACY_CURSOR_MOVE, "legacy-cursor-move", KMST_ERR_OK | KMST_ERR_ENXIO,
	  "drm_mode_cursor_common: ENXIO only without a cursor plane or hook" },
};

static const struct {
	unsigned int bit;
	int err;
	const char *name;
} errnos[] = {
	{ KMST_ERR_OK, 0, "ok" },	    { KMST_ERR_EINVAL, EINVAL, "EINVAL" },
	{ KMST_ERR_ENOENT, ENOENT, "ENOENT" }, { KMST_ERR_EBUSY, EBUSY, "EBUSY" },
	{ KMST_ERR_ENOSPC, ENOSPC, "ENOSPC" }, { KMST_ERR_ERANGE, ERANGE, "ERANGE" },
	{ KMST_ERR_ENXIO, ENXIO, "ENXIO" },
};

const struct kmst_afuzz_rule *kmst_afuzz_rule(enum kmst_afuzz_mutation mutation)
{
	if ((unsigned int)mutation >= KMST_MUT_COUNT)
		return NULL;
	return &rules[mutation];
}

bool kmst_afuzz_errno_allowed(enum kmst_afuzz_mutation mutation, bool nonblock, int got)
{
	const struct kmst_afuzz_rule *rule = kmst_afuzz_rule(mutation);
	unsigned int allowed, i;

	if (!rule)
		return false;
	allowed = rule->allowed;
	/* EBUSY is owed to a nonblocking commit only when it would otherwise succeed. */
	if (nonblock && (allowed & KMST_ERR_OK))
		allowed |= KMST_ERR_EBUSY;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == got)
			return allowed & errnos[i].bit;
	return false;
}

void kmst_afuzz_allowed_text(unsigned int allowed, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]) && used < len; i++)
		if (allowed & errnos[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
						 errnos[i].name);
}

void kmst_afuzz_print_table(FILE *out)
{
	char allowed[64];
	unsigned int i;

	for (i = 0; i < KMST_MUT_COUNT; i++) {
		kmst_afuzz_allowed_text(rules[i].allowed, allowed, sizeof(allowed));
		fprintf(out, "%-24s %-14s %s\n", rules[i].name, allowed, rules[i].why);
	}
}
