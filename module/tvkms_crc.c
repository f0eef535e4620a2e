// SPDX-License-Identifier: GPL-2.0+
/*
 * The DRM CRC API of a CRTC (debugfs dri/N/crtc-M/crc/): one
 * source, "auto", an xxh64 checksum of the composed output lines
 * (tvkms_composer.c).
 * drm calls these with the CRTC's crc lock protocol: verify at the write
 * to "control", set with the source when "data" is opened and with NULL
 * when it is closed, never two at once for a CRTC. While the source is
 * set a VBLANK reference is held, so the composer runs every frame.
 */
#include <drm/drm_crtc.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "tvkms_drv.h"

static const char *const tvkms_crc_sources[] = { "auto" };

/* NULL or "" turns the CRC off; "auto" on; anything else is refused. */
static int tvkms_crc_parse_source(const char *source, bool *enabled)
{
	if (!source || !*source) {
		*enabled = false;
		return 0;
	}
	if (!strcmp(source, "auto")) {
		*enabled = true;
		return 0;
	}
	return -EINVAL;
}

int tvkms_crc_verify_source(struct drm_crtc *crtc, const char *source,
			    size_t *values_cnt)
{
	bool enabled;

	if (tvkms_crc_parse_source(source, &enabled)) {
		drm_dbg_driver(crtc->dev, "[CRTC:%d] unknown CRC source '%s'\n",
			       crtc->base.id, source);
		return -EINVAL;
	}
	*values_cnt = 1;
	return 0;
}

int tvkms_crc_set_source(struct drm_crtc *crtc, const char *source)
{
	struct tvkms_composer *composer = &to_tvkms_crtc(crtc)->composer;
	bool enabled;
	int ret;

	ret = tvkms_crc_parse_source(source, &enabled);
	if (ret)
		return ret;
	if (enabled && !composer->crc_vblank_ref) {
		ret = drm_crtc_vblank_get(crtc);
		if (ret)
			return ret;
		composer->crc_vblank_ref = true;
	}
	tvkms_composer_set_crc(to_tvkms_crtc(crtc), enabled);
	if (!enabled && composer->crc_vblank_ref) {
		drm_crtc_vblank_put(crtc);
		composer->crc_vblank_ref = false;
	}
	return 0;
}

const char *const *tvkms_crc_get_sources(struct drm_crtc *crtc, size_t *count)
{
	*count = ARRAY_SIZE(tvkms_crc_sources);
	return tvkms_crc_sources;
}
