// SPDX-License-Identifier: GPL-2.0+
/*
 * Deliberately misordered commit tail: the planes stage is handed the
 * token of the wait stage, skipping the disables. This file must NOT
 * compile (conformance/host/test_tvkms_typestate.py checks the error).
 * Not part of the module build.
 */
#include "tvkms_tail.h"

void tvkms_tail_misordered(struct drm_atomic_state *state)
{
	struct tvkms_tail_ready ready = tvkms_tail_wait(tvkms_tail_begin(state));
	struct tvkms_tail_planes_done planes = tvkms_tail_planes(ready);

	tvkms_tail_finish(tvkms_tail_cleanup(tvkms_tail_flip_done(
		tvkms_tail_hw_done(tvkms_tail_enables(planes)))));
}
