// SPDX-License-Identifier: GPL-2.0
/* The REPLAY_COMMIT record of a commit replay or fuzz issued. */
#include <string.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "common/clock.h"
#include "trace/replay_record.h"

static uint16_t commit_flags(uint32_t drm_flags)
{
	return (uint16_t)(((drm_flags & DRM_MODE_ATOMIC_NONBLOCK) ? KMST_CF_NONBLOCK : 0) |
			  ((drm_flags & DRM_MODE_ATOMIC_ALLOW_MODESET) ? KMST_CF_ALLOW_MODESET : 0) |
			  ((drm_flags & DRM_MODE_ATOMIC_TEST_ONLY) ? KMST_CF_TEST_ONLY : 0) |
			  ((drm_flags & DRM_MODE_PAGE_FLIP_EVENT) ? KMST_CF_PAGE_FLIP_EVENT : 0) |
			  KMST_CF_FROM_IOCTL);
}

void kmst_replay_record(struct kmst_event *ev, const struct kmst_replay_result *r)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = kmst_monotonic_ns();
	ev->type = KMST_EV_REPLAY_COMMIT;
	ev->size = sizeof(*ev);
	ev->phase = KMST_PH_POINT;
	ev->source = KMST_SRC_USER;
	ev->pid = ev->tid = r->tid;
	ev->commit_id = r->commit_id;
	ev->minor = r->minor;
	ev->crtc = ev->plane = ev->connector = -1;
	ev->commit_flags = commit_flags(r->drm_flags);
	ev->ret = r->expected;
	ev->aux = (uint32_t)r->got;
	ev->arg0 = r->line;
	ev->arg1 = r->ordinal;
}
