// SPDX-License-Identifier: GPL-2.0+
/*
 * The same chain in the right order: must compile, so the failure of
 * tail_misordered.c is due to the order and nothing else.
 * Not part of the module build.
 */
#include "tvkms_tail.h"

void tvkms_tail_ordered(struct drm_atomic_state *state)
{
	struct tvkms_tail_ready ready = tvkms_tail_wait(tvkms_tail_begin(state));
	struct tvkms_tail_planes_done planes =
		tvkms_tail_planes(tvkms_tail_disables(ready));

	tvkms_tail_finish(tvkms_tail_cleanup(tvkms_tail_flip_done(
		tvkms_tail_hw_done(tvkms_tail_enables(planes)))));
}
