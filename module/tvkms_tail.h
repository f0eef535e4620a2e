/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * The typed commit tail. Each stage takes the token the
 * previous stage returned and returns the next one; every token is its own
 * struct type, so calling a stage out of order is a C type error:
 *
 *   begin -> wait (fences, dependencies) -> disables -> planes -> enables
 *         -> hw_done -> flip_done -> cleanup (planes) -> finish (cleanup_done)
 *
 * This header needs nothing but a declaration of struct drm_atomic_state,
 * so module/tests/ can compile against it without a kernel tree.
 */
#ifndef _TVKMS_TAIL_H_
#define _TVKMS_TAIL_H_

struct drm_atomic_state;

struct tvkms_tail_begun {
	struct drm_atomic_state *state;
};

struct tvkms_tail_ready {
	struct drm_atomic_state *state;
};

struct tvkms_tail_disabled {
	struct drm_atomic_state *state;
};

struct tvkms_tail_planes_done {
	struct drm_atomic_state *state;
};

struct tvkms_tail_enabled {
	struct drm_atomic_state *state;
};

struct tvkms_tail_hw_done {
	struct drm_atomic_state *state;
};

struct tvkms_tail_flipped {
	struct drm_atomic_state *state;
};

struct tvkms_tail_cleaned {
	struct drm_atomic_state *state;
};

struct tvkms_tail_begun tvkms_tail_begin(struct drm_atomic_state *state);
struct tvkms_tail_ready tvkms_tail_wait(struct tvkms_tail_begun begun);
struct tvkms_tail_disabled tvkms_tail_disables(struct tvkms_tail_ready ready);
struct tvkms_tail_planes_done
tvkms_tail_planes(struct tvkms_tail_disabled disabled);
struct tvkms_tail_enabled
tvkms_tail_enables(struct tvkms_tail_planes_done planes_done);
struct tvkms_tail_hw_done tvkms_tail_hw_done(struct tvkms_tail_enabled enabled);
struct tvkms_tail_flipped tvkms_tail_flip_done(struct tvkms_tail_hw_done hw_done);
struct tvkms_tail_cleaned tvkms_tail_cleanup(struct tvkms_tail_flipped flipped);
void tvkms_tail_finish(struct tvkms_tail_cleaned cleaned);

#endif /* _TVKMS_TAIL_H_ */
