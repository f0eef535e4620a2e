// SPDX-License-Identifier: GPL-2.0+
/*
 * One writeback connector per CRTC. A job is checked against
 * the CRTC's mode and the writeback formats, its fb mapped in
 * prepare_writeback_job, queued at the commit's writeback stage, and
 * written by the composer with the next VBLANK's frame, which then signals
 * it (tvkms_composer.c). Jobs are written and signalled in queue order,
 * one per composed frame, as drm_writeback_signal_completion() requires.
 */
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_writeback.h>

#include <drm/drm_print.h>

#include "tvkms_drv.h"

static int tvkms_writeback_encoder_check(struct drm_encoder *encoder,
					 struct drm_crtc_state *crtc_state,
					 struct drm_connector_state *conn_state)
{
	struct drm_framebuffer *fb;
	unsigned int i;

	if (!conn_state->writeback_job || !conn_state->writeback_job->fb)
		return 0;
	fb = conn_state->writeback_job->fb;
	if (!crtc_state->active) {
		drm_dbg_kms(encoder->dev, "writeback job on an inactive CRTC\n");
		return -EINVAL;
	}
	if (fb->width != crtc_state->mode.hdisplay ||
	    fb->height != crtc_state->mode.vdisplay) {
		drm_dbg_kms(encoder->dev, "writeback fb %ux%u != mode %ux%u\n",
			    fb->width, fb->height, crtc_state->mode.hdisplay,
			    crtc_state->mode.vdisplay);
		return -EINVAL;
	}
	for (i = 0; i < TVKMS_WRITEBACK_FORMAT_COUNT; i++)
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
	struct tvkms_crtc *tcrtc = container_of(wb, struct tvkms_crtc, wb);
	struct drm_writeback_job *job = conn_state->writeback_job;

	if (tvkms_is_dry_run(state) || !job || !job->fb)
		return;
	/* Queueing moves the job out of the state: keep the pointer. */
	drm_writeback_queue_job(wb, conn_state);
	tvkms_composer_writeback_queued(tcrtc, job);
}

/* From the atomic ioctl, before the commit: map the fb for the composer. */
static int tvkms_writeback_prepare_job(struct drm_writeback_connector *wb,
				       struct drm_writeback_job *job)
{
	struct tvkms_writeback_target *target;
	int ret;

	if (!job->fb)
		return 0;
	target = kzalloc(sizeof(*target), GFP_KERNEL);
	if (!target)
		return -ENOMEM;
	target->write_line = tvkms_format_writer(job->fb->format->format);
	if (!target->write_line) {
		ret = -EINVAL;
		goto err_free;
	}
	ret = drm_gem_fb_vmap(job->fb, target->map, target->data);
	if (ret)
		goto err_free;
	if (target->data[0].is_iomem) {
		ret = -EINVAL;
		goto err_unmap;
	}
	job->priv = target;
	return 0;

err_unmap:
	drm_gem_fb_vunmap(job->fb, target->map);
err_free:
	kfree(target);
	return ret;
}

/* After the job was signalled (or never queued): unmap the fb. */
static void tvkms_writeback_cleanup_job(struct drm_writeback_connector *wb,
					struct drm_writeback_job *job)
{
	struct tvkms_writeback_target *target = job->priv;

	if (!target)
		return;
	tvkms_composer_writeback_release(target);
	drm_gem_fb_vunmap(job->fb, target->map);
	kfree(target);
	job->priv = NULL;
}

static const struct drm_connector_helper_funcs tvkms_writeback_helper_funcs = {
	.get_modes = tvkms_writeback_get_modes,
	.atomic_commit = tvkms_writeback_atomic_commit,
	.prepare_writeback_job = tvkms_writeback_prepare_job,
	.cleanup_writeback_job = tvkms_writeback_cleanup_job,
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
	u32 clones;
	int ret;

	ret = drm_writeback_connector_init(&tdev->base, &tcrtc->wb,
					   &tvkms_writeback_connector_funcs,
					   &tvkms_writeback_encoder_funcs,
					   tvkms_writeback_formats,
					   TVKMS_WRITEBACK_FORMAT_COUNT,
					   drm_crtc_mask(&tcrtc->base));
	if (ret)
		return ret;
	drm_connector_helper_add(&tcrtc->wb.base,
				 &tvkms_writeback_helper_funcs);
	/*
	 * The CRTC drives its output and its writeback at once: each encoder
	 * must list the other as a clone, or the atomic check's clone test
	 * refuses every writeback commit.
	 */
	clones = drm_encoder_mask(&tcrtc->output.encoder) |
		 drm_encoder_mask(&tcrtc->wb.encoder);
	tcrtc->output.encoder.possible_clones = clones;
	tcrtc->wb.encoder.possible_clones = clones;
	return 0;
}
