// SPDX-License-Identifier: GPL-2.0+
/*
 * One writeback connector per CRTC. A writeback job is
 * validated against the CRTC's mode and completed when its commit reaches
 * the hardware stage; the buffer's content is left as the client made it.
 */
#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_writeback.h>

#include <drm/drm_print.h>

#include "tvkms_drv.h"

static const u32 tvkms_writeback_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
};

static int tvkms_writeback_encoder_check(struct drm_encoder *encoder,
					 struct drm_crtc_state *crtc_state,
					 struct drm_connector_state *conn_state)
{
	struct drm_framebuffer *fb;
	unsigned int i;

	if (!conn_state->writeback_job || !conn_state->writeback_job->fb)
		return 0;
	fb = conn_state->writeback_job->fb;
	if (fb->width != crtc_state->mode.hdisplay ||
	    fb->height != crtc_state->mode.vdisplay) {
		drm_dbg_kms(encoder->dev, "writeback fb %ux%u != mode %ux%u\n",
			    fb->width, fb->height, crtc_state->mode.hdisplay,
			    crtc_state->mode.vdisplay);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(tvkms_writeback_formats); i++)
		if (fb->format->format == tvkms_writeback_formats[i])
			return 0;
	drm_dbg_kms(encoder->dev, "writeback format %p4cc not supported\n",
		    &fb->format->format);
	return -EINVAL;
}

static const struct drm_encoder_helper_funcs tvkms_writeback_encoder_funcs = {
	.atomic_check = tvkms_writeback_encoder_check,
};

static int tvkms_writeback_get_modes(struct drm_connector *connector)
{
	return drm_add_modes_noedid(connector, TVKMS_MAX_WIDTH,
				    TVKMS_MAX_HEIGHT);
}

static void tvkms_writeback_atomic_commit(struct drm_connector *connector,
					  struct drm_atomic_state *state)
{
	struct drm_connector_state *conn_state =
		drm_atomic_get_new_connector_state(state, connector);
	struct drm_writeback_connector *wb =
		container_of(connector, struct drm_writeback_connector, base);

	if (tvkms_is_dry_run(state) || !conn_state->writeback_job)
		return;
	drm_writeback_queue_job(wb, conn_state);
	drm_writeback_signal_completion(wb, 0);
}

static const struct drm_connector_helper_funcs tvkms_writeback_helper_funcs = {
	.get_modes = tvkms_writeback_get_modes,
	.atomic_commit = tvkms_writeback_atomic_commit,
};

static const struct drm_connector_funcs tvkms_writeback_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

int tvkms_writeback_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc)
{
	int ret;

	ret = drm_writeback_connector_init(&tdev->base, &tcrtc->wb,
					   &tvkms_writeback_connector_funcs,
					   &tvkms_writeback_encoder_funcs,
					   tvkms_writeback_formats,
					   ARRAY_SIZE(tvkms_writeback_formats),
					   drm_crtc_mask(&tcrtc->base));
	if (ret)
		return ret;
	drm_connector_helper_add(&tcrtc->wb.base,
				 &tvkms_writeback_helper_funcs);
	return 0;
}
