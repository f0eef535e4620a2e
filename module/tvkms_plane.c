// SPDX-License-Identifier: GPL-2.0+
/*
 * Primary, overlay and cursor planes: formats, properties,
 * state checks through the DRM helpers, and the CPU mapping of each fb
 * between prepare_fb and cleanup_fb.
 */
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_drv.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>

#include <drm/drm_print.h>

#include "tvkms_drv.h"
#include "tvkms_trace.h"

static struct drm_plane_state *
tvkms_plane_duplicate_state(struct drm_plane *plane)
{
	struct tvkms_plane_state *tstate;

	tstate = kzalloc(sizeof(*tstate), GFP_KERNEL);
	if (!tstate)
		return NULL;
	__drm_atomic_helper_plane_duplicate_state(plane, &tstate->base);
	return &tstate->base;
}

static void tvkms_plane_destroy_state(struct drm_plane *plane,
				      struct drm_plane_state *state)
{
	__drm_atomic_helper_plane_destroy_state(state);
#ifndef TVKMS_MUTANT_PLANE_STATE_NOT_FREED
	kfree(to_tvkms_plane_state(state));
#else
	/*
	 * Mutant (the leak ledger of make reliability, not a checker rule):
	 * the helper "destroys the state", so the wrapper that holds it is
	 * never freed: every commit leaks one tvkms_plane_state per plane.
	 */
#endif
}

static void tvkms_plane_reset(struct drm_plane *plane)
{
	struct tvkms_plane_state *tstate;

	if (plane->state) {
		tvkms_plane_destroy_state(plane, plane->state);
		plane->state = NULL;
	}
	tstate = kzalloc(sizeof(*tstate), GFP_KERNEL);
	if (tstate)
		__drm_atomic_helper_plane_reset(plane, &tstate->base);
}

static const struct drm_plane_funcs tvkms_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.reset = tvkms_plane_reset,
	.atomic_duplicate_state = tvkms_plane_duplicate_state,
	.atomic_destroy_state = tvkms_plane_destroy_state,
};

static int tvkms_plane_atomic_check(struct drm_plane *plane,
				    struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *crtc_state;
	/*
	 * Every plane, the primary too, may sit anywhere and leave part of
	 * the CRTC uncovered: the composer fills it with the background
	 * colour (black), as VKMS does since it composes. IGT's
	 * kms_universal_plane universal-plane-sanity expects that of every
	 * non-Intel driver.
	 */
	const bool can_position = true;

	if (!new_state->fb || !new_state->crtc)
		return 0;
	if (plane->type == DRM_PLANE_TYPE_CURSOR &&
	    (new_state->crtc_w != new_state->crtc_h ||
	     new_state->crtc_w < TVKMS_CURSOR_MIN_SIZE ||
	     new_state->crtc_w > TVKMS_CURSOR_MAX_SIZE)) {
		drm_dbg_atomic(plane->dev, "[PLANE:%d] cursor %ux%u not square %d-%d\n",
			       plane->base.id, new_state->crtc_w,
			       new_state->crtc_h, TVKMS_CURSOR_MIN_SIZE,
			       TVKMS_CURSOR_MAX_SIZE);
		return -EINVAL;
	}
	crtc_state = drm_atomic_get_crtc_state(state, new_state->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);
	/* No scaler in this "hardware": src and dst sizes must match. */
	return drm_atomic_helper_check_plane_state(new_state, crtc_state,
						   DRM_PLANE_NO_SCALING,
						   DRM_PLANE_NO_SCALING,
						   can_position, true);
}

static void tvkms_plane_atomic_update(struct drm_plane *plane,
				      struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	int idx;

	if (tvkms_is_dry_run(state) || !new_state->crtc)
		return;
	if (!drm_dev_enter(plane->dev, &idx))
		return;
	atomic64_inc(&to_tvkms_crtc(new_state->crtc)->plane_updates);
	drm_dev_exit(idx);
}

static void tvkms_plane_atomic_disable(struct drm_plane *plane,
				       struct drm_atomic_state *state)
{
}

static void tvkms_plane_release_map(struct tvkms_plane_state *tstate)
{
	drm_gem_fb_vunmap(tstate->mapped_fb, tstate->map);
	drm_framebuffer_put(tstate->mapped_fb);
	WRITE_ONCE(tstate->mapped_fb, NULL);
}

static int tvkms_plane_prepare_fb(struct drm_plane *plane,
				  struct drm_plane_state *new_state)
{
	struct tvkms_plane_state *tstate = to_tvkms_plane_state(new_state);
	struct drm_framebuffer *fb = new_state->fb;
	int ret;

	trace_tvkms_fb(new_state->state, tvkms_minor(plane->dev),
		       drm_plane_index(plane), TVKMS_FB_PREPARE,
		       fb ? fb->base.id : 0);
	if (!fb)
		return 0;
	/* Implicit fences of the fb's objects become the state's fence. */
	ret = drm_gem_plane_helper_prepare_fb(plane, new_state);
	if (ret)
		return ret;
	ret = drm_gem_fb_vmap(fb, tstate->map, tstate->data);
	if (ret)
		return ret;
	/* Our own reference, so the mapping can outlive the state's. */
	drm_framebuffer_get(fb);
	tstate->mapped_fb = fb;
	return 0;
}

/*
 * Whether the fb that @old_state mapped stays mapped once it is unmapped:
 * the state that replaced it in the same commit maps that fb too. A GEM
 * object's vmap is counted (drm_gem_vmap), so its address stays valid
 * while any state holds a mapping, and every frame that read it through
 * @old_state reads the same address, on the same CRTC: DRM refuses a plane
 * switching CRTCs in one commit (drm_atomic_plane_check), so the CRTC whose
 * composer read it is the one the successor's own cleanup_fb waits for
 * when it unmaps a different fb. @old_state->state is the commit's
 * atomic state, whose new plane state lives until the commit is freed,
 * after its cleanup. A state cleaned before it was swapped in (a failed
 * commit) is its own "new" state and does not count.
 */
static bool tvkms_plane_fb_stays_mapped(struct drm_plane *plane,
					struct drm_plane_state *old_state)
{
	struct drm_plane_state *next;

	if (!old_state->state)
		return false;
	next = drm_atomic_get_new_plane_state(old_state->state, plane);
	/*
	 * The next commit's cleanup_fb may be unmapping @next right now (its
	 * tail waits for this commit's flip_done, not its cleanup). Either we
	 * read NULL and wait here, or it flushed before unmapping, so nothing
	 * still reads this fb when we unmap it.
	 */
	return next && next != old_state &&
	       READ_ONCE(to_tvkms_plane_state(next)->mapped_fb) ==
	       to_tvkms_plane_state(old_state)->mapped_fb;
}

static void tvkms_plane_cleanup_fb(struct drm_plane *plane,
				   struct drm_plane_state *old_state)
{
	struct tvkms_plane_state *tstate = to_tvkms_plane_state(old_state);

	trace_tvkms_fb(old_state->state, tvkms_minor(plane->dev),
		       drm_plane_index(plane), TVKMS_FB_CLEANUP,
		       old_state->fb ? old_state->fb->base.id : 0);
	/*
	 * A composition still reading this state's mapping ends first; the
	 * frames composed after it were built from newer states. Unless the
	 * new state maps the same fb (a cursor move, a flip to the same fb):
	 * the pixels stay mapped, and the commit does not wait for the
	 * composer, which would hold every such commit to the composer's pace.
	 */
	if (tstate->mapped_fb && old_state->crtc &&
	    !tvkms_plane_fb_stays_mapped(plane, old_state))
		tvkms_composer_flush(to_tvkms_crtc(old_state->crtc));
	if (tstate->mapped_fb)
		tvkms_plane_release_map(tstate);
}

struct tvkms_deferred_release {
	struct work_struct work;
	struct drm_framebuffer *fb;
	struct iosys_map map[DRM_FORMAT_MAX_PLANES];
	u32 minor;
	int plane;
};

static void tvkms_plane_deferred_release_work(struct work_struct *work)
{
	struct tvkms_deferred_release *release =
		container_of(work, struct tvkms_deferred_release, work);

	trace_tvkms_fb(NULL, release->minor, release->plane,
		       TVKMS_FB_DEFERRED_RELEASE, release->fb->base.id);
	drm_gem_fb_vunmap(release->fb, release->map);
	drm_framebuffer_put(release->fb);
	kfree(release);
}

/*
 * fb-cleanup: the tail skipped this state's cleanup_fb, so hand its mapping
 * and fb reference to a work item that releases them instead. If no memory
 * is left for that, release them here: never leak.
 */
void tvkms_plane_release_deferred(struct tvkms_device *tdev,
				  struct tvkms_plane_state *tstate)
{
	struct tvkms_deferred_release *release;

	if (!tstate->mapped_fb)
		return;
	/* As in cleanup_fb: no composition may read the mapping after this. */
	if (tstate->base.crtc)
		tvkms_composer_flush(to_tvkms_crtc(tstate->base.crtc));
	release = kzalloc(sizeof(*release), GFP_KERNEL);
	if (!release) {
		tvkms_plane_release_map(tstate);
		return;
	}
	INIT_WORK(&release->work, tvkms_plane_deferred_release_work);
	release->fb = tstate->mapped_fb;
	memcpy(release->map, tstate->map, sizeof(release->map));
	release->minor = tvkms_minor(&tdev->base);
	release->plane = drm_plane_index(tstate->base.plane);
	WRITE_ONCE(tstate->mapped_fb, NULL);	/* read by fb_stays_mapped */
	queue_work(tdev->faults.deferred_wq, &release->work);
}

static const struct drm_plane_helper_funcs tvkms_plane_helper_funcs = {
	.prepare_fb = tvkms_plane_prepare_fb,
	.cleanup_fb = tvkms_plane_cleanup_fb,
	.atomic_check = tvkms_plane_atomic_check,
	.atomic_update = tvkms_plane_atomic_update,
	.atomic_disable = tvkms_plane_atomic_disable,
};

struct drm_plane *tvkms_plane_create(struct tvkms_device *tdev,
				     enum drm_plane_type type, u32 crtc_mask,
				     unsigned int zpos)
{
	unsigned int zpos_max = tdev->config.overlays + 1;
	struct drm_plane *plane;
	int ret;

	plane = __drmm_universal_plane_alloc(&tdev->base, sizeof(*plane), 0,
					     crtc_mask, &tvkms_plane_funcs,
					     tvkms_plane_formats,
					     tvkms_plane_format_count,
					     NULL, type, NULL);
	if (IS_ERR(plane))
		return plane;
	drm_plane_helper_add(plane, &tvkms_plane_helper_funcs);

	if (type == DRM_PLANE_TYPE_PRIMARY)
		ret = drm_plane_create_zpos_immutable_property(plane, 0);
	else
		ret = drm_plane_create_zpos_property(plane, zpos, 1, zpos_max);
	if (ret)
		return ERR_PTR(ret);
	ret = drm_plane_create_alpha_property(plane);
	if (ret)
		return ERR_PTR(ret);
	ret = drm_plane_create_blend_mode_property(plane,
						   BIT(DRM_MODE_BLEND_PIXEL_NONE) |
						   BIT(DRM_MODE_BLEND_PREMULTI) |
						   BIT(DRM_MODE_BLEND_COVERAGE));
	if (ret)
		return ERR_PTR(ret);
	ret = drm_plane_create_rotation_property(plane, DRM_MODE_ROTATE_0,
						 DRM_MODE_ROTATE_MASK |
						 DRM_MODE_REFLECT_MASK);
	if (ret)
		return ERR_PTR(ret);
	/* Every plane takes YCbCr formats; the default is VKMS's. */
	ret = drm_plane_create_color_properties(plane,
						BIT(DRM_COLOR_YCBCR_BT601) |
						BIT(DRM_COLOR_YCBCR_BT709) |
						BIT(DRM_COLOR_YCBCR_BT2020),
						BIT(DRM_COLOR_YCBCR_LIMITED_RANGE) |
						BIT(DRM_COLOR_YCBCR_FULL_RANGE),
						DRM_COLOR_YCBCR_BT601,
						DRM_COLOR_YCBCR_LIMITED_RANGE);
	if (ret)
		return ERR_PTR(ret);
	return plane;
}
