// SPDX-License-Identifier: GPL-2.0
/*
 * Issuing a case: the atomic ioctl called directly (libdrm's
 * drmModeAtomicCommit sorts the properties and skips an empty commit,
 * which would hide exactly what is fuzzed), and the legacy ioctls.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"

static int atomic_ioctl(struct kmst_afuzz_dev *dev, const struct kmst_afuzz_case *c, uint32_t flags)
{
	uint32_t objs[KMST_AFUZZ_MAX_SETS], counts[KMST_AFUZZ_MAX_SETS], props[KMST_AFUZZ_MAX_SETS];
	uint64_t values[KMST_AFUZZ_MAX_SETS];
	struct drm_mode_atomic arg = { 0 };
	unsigned int i, n = 0, k;

	/* Properties in the order generated, grouped by object, as the uAPI wants. */
	for (i = 0; i < c->set_count; i++) {
		for (k = 0; k < n && objs[k] != c->sets[i].obj_id; k++)
			;
		if (k == n) {
			objs[n] = c->sets[i].obj_id;
			counts[n++] = 0;
		}
	}
	for (k = 0, i = 0; k < n; k++) {
		unsigned int s;

		for (s = 0; s < c->set_count; s++)
			if (c->sets[s].obj_id == objs[k]) {
				props[i] = c->sets[s].prop_id;
				values[i++] = c->sets[s].value;
				counts[k]++;
			}
	}
	arg.flags = flags;
	arg.count_objs = n;
	arg.objs_ptr = (uintptr_t)objs;
	arg.count_props_ptr = (uintptr_t)counts;
	arg.props_ptr = (uintptr_t)props;
	arg.prop_values_ptr = (uintptr_t)values;
	arg.user_data = c->number;
	return drmIoctl(dev->fd, DRM_IOCTL_MODE_ATOMIC, &arg) ? errno : 0;
}

/* After an accepted flip, the other fb of each flipped pipe is in front. */
static void flipped(struct kmst_afuzz_dev *dev, const struct kmst_afuzz_case *c, uint32_t flags)
{
	unsigned int p;

	if (flags & DRM_MODE_ATOMIC_TEST_ONLY)
		return;
	for (p = 0; p < dev->pipe_count; p++)
		if (c->pipe_mask & (1u << p))
			dev->pipes[p].front ^= 1;
}

static int storm(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c)
{
	unsigned int i, s;
	int got;

	for (i = 0; i < c->storm; i++) {
		/* Every pipe, each commit to the fb not in front. */
		for (s = 0; s < c->set_count; s++)
			if (c->sets[s].value_pipe_fb >= 0) {
				struct kmst_afuzz_pipe *pipe = &dev->pipes[c->sets[s].value_pipe_fb];

				c->sets[s].value = pipe->fbs[pipe->front ^ 1];
			}
		got = atomic_ioctl(dev, c, c->flags);
		if (got == EBUSY)
			continue;
		if (got)
			return got;
		flipped(dev, c, c->flags);
	}
	return 0;
}

static int legacy(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c)
{
	struct kmst_afuzz_pipe *pipe = &dev->pipes[c->pipe];
	uint32_t connector = pipe->connector->id, fb = pipe->fbs[pipe->front ^ 1];
	int ret = 0;

	switch (c->mutation) {
	case KMST_MUT_LEGACY_SETCRTC_BAD_FB:
		fb = c->bad_id;
		/* fallthrough */
	case KMST_MUT_LEGACY_SETCRTC:
		ret = drmModeSetCrtc(dev->fd, pipe->crtc->id, fb, 0, 0, &connector, 1, &pipe->mode);
		break;
	case KMST_MUT_LEGACY_PAGE_FLIP_BAD_FB:
		fb = c->bad_id;
		/* fallthrough */
	case KMST_MUT_LEGACY_PAGE_FLIP:
		ret = drmModePageFlip(dev->fd, pipe->crtc->id, fb, DRM_MODE_PAGE_FLIP_EVENT,
				      (void *)(uintptr_t)c->number);
		break;
	default:
		ret = drmModeMoveCursor(dev->fd, pipe->crtc->id, c->legacy_x, c->legacy_y);
		break;
	}
	if (ret)
		return errno ? errno : EIO;
	if (c->mutation == KMST_MUT_LEGACY_SETCRTC || c->mutation == KMST_MUT_LEGACY_PAGE_FLIP)
		pipe->front ^= 1;
	return 0;
}

int kmst_afuzz_case_issue(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c)
{
	int got;

	switch (c->mutation) {
	case KMST_MUT_NONBLOCK_STORM:
		return storm(dev, c);
	case KMST_MUT_LEGACY_SETCRTC:
	case KMST_MUT_LEGACY_SETCRTC_BAD_FB:
	case KMST_MUT_LEGACY_PAGE_FLIP:
	case KMST_MUT_LEGACY_PAGE_FLIP_BAD_FB:
	case KMST_MUT_LEGACY_CURSOR_MOVE:
		return legacy(dev, c);
	case KMST_MUT_RMFB_IN_USE:
		got = atomic_ioctl(dev, c, c->flags);
		if (got)
			return got;
		/* The fb goes while on screen: the kernel must take it off every plane. */
		if (drmModeRmFB(dev->fd, c->temp_fb))
			return errno;
		c->temp_fb = 0;
		return 0;
	default:
		got = atomic_ioctl(dev, c, c->flags);
		if (!got && c->mutation == KMST_MUT_NONE)
			flipped(dev, c, c->flags);
		return got;
	}
}
