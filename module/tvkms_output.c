// SPDX-License-Identifier: GPL-2.0+
/*
 * One encoder and one virtual connector per CRTC: the
 * mode list, and the connection status that debugfs toggles (hotplug).
 */
#include <drm/drm_atomic_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_encoder.h>
#include <drm/drm_modes.h>
#include <drm/drm_probe_helper.h>

#include <drm/drm_print.h>

#include "tvkms_drv.h"

/* Rates offered besides the refresh parameter, for VBLANK timing studies. */
static const unsigned int tvkms_extra_rates[] = { 30, 120, 144, 240, 1000 };

/*
 * A mode whose refresh is exact: htotal is a multiple of 40 and vtotal of
 * 25, so htotal * vtotal / 1000 is whole and the clock (in kHz) is that
 * times the rate, and the frame duration is exactly 1e9 / rate ns.
 */
static struct drm_display_mode *
tvkms_output_exact_mode(struct drm_device *dev, int width, int height,
			unsigned int rate)
{
	struct drm_display_mode *mode = drm_mode_create(dev);
	int htotal = roundup(width + width / 4 + 96, 40);
	int vtotal = roundup(height + 32, 25);

	if (!mode)
		return NULL;
	mode->hdisplay = width;
	mode->hsync_start = width + 48;
	mode->hsync_end = width + 48 + 32;
	mode->htotal = htotal;
	mode->vdisplay = height;
	mode->vsync_start = height + 3;
	mode->vsync_end = height + 3 + 6;
	mode->vtotal = vtotal;
	mode->clock = htotal / 40 * (vtotal / 25) * rate;
	mode->flags = DRM_MODE_FLAG_PHSYNC | DRM_MODE_FLAG_NVSYNC;
	mode->type = DRM_MODE_TYPE_DRIVER;
	drm_mode_set_name(mode);
	return mode;
}

static int tvkms_output_add_mode(struct drm_connector *connector, int width,
				 int height, unsigned int rate, bool preferred)
{
	struct drm_display_mode *mode;

	mode = tvkms_output_exact_mode(connector->dev, width, height, rate);
	if (!mode)
		return 0;
	if (preferred)
		mode->type |= DRM_MODE_TYPE_PREFERRED;
	drm_mode_probed_add(connector, mode);
	return 1;
}

static int tvkms_output_get_modes(struct drm_connector *connector)
{
	struct tvkms_device *tdev = to_tvkms_device(connector->dev);
	unsigned int refresh = tdev->config.refresh, i;
	int count;

	count = drm_add_modes_noedid(connector, TVKMS_MAX_WIDTH,
				     TVKMS_MAX_HEIGHT);
	count += tvkms_output_add_mode(connector, 1024, 768, refresh, true);
	count += tvkms_output_add_mode(connector, 1920, 1080, refresh, false);
	for (i = 0; i < ARRAY_SIZE(tvkms_extra_rates); i++) {
		if (tvkms_extra_rates[i] == refresh)
			continue;
		count += tvkms_output_add_mode(connector, 1024, 768,
					       tvkms_extra_rates[i], false);
	}
	return count;
}

static enum drm_connector_status
tvkms_output_detect(struct drm_connector *connector, bool force)
{
	return READ_ONCE(to_tvkms_output(connector)->connected) ?
		       connector_status_connected :
		       connector_status_disconnected;
}

static const struct drm_connector_funcs tvkms_connector_funcs = {
	.detect = tvkms_output_detect,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static const struct drm_connector_helper_funcs tvkms_connector_helper_funcs = {
	.get_modes = tvkms_output_get_modes,
};

/*
 * Probe now, so the status and modes are current for readers that do not
 * probe themselves (sysfs, drmModeGetConnectorCurrent).
 */
void tvkms_output_probe(struct tvkms_output *output)
{
	struct drm_connector *connector = &output->connector;
	struct drm_device *dev = connector->dev;

	mutex_lock(&dev->mode_config.mutex);
	connector->funcs->fill_modes(connector, dev->mode_config.max_width,
				     dev->mode_config.max_height);
	mutex_unlock(&dev->mode_config.mutex);
}

/* Hotplug: new status, re-probe, and a hotplug uevent naming the connector. */
void tvkms_output_set_connected(struct tvkms_output *output, bool connected)
{
	WRITE_ONCE(output->connected, connected);
	tvkms_output_probe(output);
	drm_kms_helper_connector_hotplug_event(&output->connector);
}

int tvkms_output_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc)
{
	struct tvkms_output *output = &tcrtc->output;
	struct drm_device *dev = &tdev->base;
	int ret;

	output->connected = true;
	ret = drmm_encoder_init(dev, &output->encoder, NULL,
				DRM_MODE_ENCODER_VIRTUAL, "tvkms-encoder-%u",
				tcrtc->index);
	if (ret)
		return ret;
	output->encoder.possible_crtcs = drm_crtc_mask(&tcrtc->base);

	ret = drmm_connector_init(dev, &output->connector,
				  &tvkms_connector_funcs,
				  DRM_MODE_CONNECTOR_VIRTUAL, NULL);
	if (ret)
		return ret;
	drm_connector_helper_add(&output->connector,
				 &tvkms_connector_helper_funcs);
	return drm_connector_attach_encoder(&output->connector,
					    &output->encoder);
}
