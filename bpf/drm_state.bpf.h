/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * drm_state.bpf.h - DRM's own state at the instants that decide a rule
 * (part of commit.bpf.c): a CRTC's VBLANK state (KMST_VS_*) and its part of
 * a commit (KMST_CS_*), read through CO-RE so one object serves 6.1 and
 * 6.12. The checker judges a rule's applicability from these bits, not
 * from the events that happened to occur.
 */
#ifndef KMST_DRM_STATE_BPF_H
#define KMST_DRM_STATE_BPF_H

#define MAX_CRTCS 8

/*
 * DRM's VBLANK state of CRTC PIPE of DEV (KMST_VS_*, without the per-event
 * ARMED and CLIENT), and its reference count in *REFCOUNT. 0 when PIPE is
 * not a CRTC index.
 */
static __always_inline __u32 vblank_state(struct drm_device *dev, __s32 pipe, __u64 *refcount)
{
	struct drm_vblank_crtc *vblank;
	__u32 bits = KMST_VS_VALID;
	bool disable_immediate;

	*refcount = 0;
	if (!dev || pipe < 0 || pipe >= MAX_CRTCS)
		return 0;
	disable_immediate = BPF_CORE_READ(dev, vblank_disable_immediate);
	vblank = BPF_CORE_READ(dev, vblank);
	/* dev->vblank has num_crtcs entries: 0 when drm_vblank_init never ran. */
	if (!vblank || pipe >= BPF_CORE_READ(dev, num_crtcs)) {
		if (disable_immediate)
			bits |= KMST_VS_DISABLE_IMMEDIATE;
		return bits;
	}
	bits |= KMST_VS_SUPPORTED;
	vblank = (void *)vblank + pipe * bpf_core_type_size(struct drm_vblank_crtc);
	if (!BPF_CORE_READ(vblank, inmodeset))
		bits |= KMST_VS_ON;
	if (BPF_CORE_READ(vblank, enabled))
		bits |= KMST_VS_ENABLED;
	/*
	 * Since 6.10 drm_crtc_vblank_on_config() copies the device's setting
	 * into each CRTC's config, where a driver may override it; the VBLANK
	 * core then reads the CRTC's copy.
	 */
	if (bpf_core_field_exists(vblank->config) && (bits & KMST_VS_ON))
		disable_immediate = BPF_CORE_READ(vblank, config.disable_immediate);
	if (disable_immediate)
		bits |= KMST_VS_DISABLE_IMMEDIATE;
	*refcount = (__u32)BPF_CORE_READ(vblank, refcount.counter);
	return bits;
}

/* drm_vblank_count(): the sequence DRM gives an event sent now on PIPE (KMST_VS_SUPPORTED only). */
static __always_inline __u64 vblank_count(struct drm_device *dev, __s32 pipe)
{
	struct drm_vblank_crtc *vblank = BPF_CORE_READ(dev, vblank);

	if (!vblank || pipe < 0 || pipe >= MAX_CRTCS)
		return 0;
	vblank = (void *)vblank + pipe * bpf_core_type_size(struct drm_vblank_crtc);
	return BPF_CORE_READ(vblank, count.counter);
}

/* KMST_VS_CLIENT / KMST_VS_ARMED of one pending VBLANK event. */
static __always_inline __u32 event_bits(struct drm_pending_vblank_event *event, bool armed)
{
	__u32 bits = armed ? KMST_VS_ARMED : 0;

	if (event && BPF_CORE_READ(event, base.file_priv))
		bits |= KMST_VS_CLIENT;
	return bits;
}

/* drm_atomic_crtc_needs_modeset() */
static __always_inline bool crtc_needs_modeset(struct drm_crtc_state *crtc_state)
{
	return BPF_CORE_READ_BITFIELD_PROBED(crtc_state, mode_changed) ||
	       BPF_CORE_READ_BITFIELD_PROBED(crtc_state, active_changed) ||
	       BPF_CORE_READ_BITFIELD_PROBED(crtc_state, connectors_changed);
}

/* One CRTC's part of a commit (KMST_CS_*), from its old and new state. */
static __always_inline __u32 crtc_commit_bits(struct drm_crtc_state *new_state, struct drm_crtc_state *old_state)
{
	struct drm_pending_vblank_event *event;
	__u32 bits = 0;

	if (old_state && BPF_CORE_READ(old_state, active))
		bits |= KMST_CS_OLD_ACTIVE;
	if (!new_state)
		return bits;
	if (BPF_CORE_READ(new_state, active))
		bits |= KMST_CS_ACTIVE;
	if (BPF_CORE_READ(new_state, enable))
		bits |= KMST_CS_ENABLE;
	if (crtc_needs_modeset(new_state))
		bits |= KMST_CS_MODESET;
	if (BPF_CORE_READ_BITFIELD_PROBED(new_state, no_vblank))
		bits |= KMST_CS_NO_VBLANK;
	event = BPF_CORE_READ(new_state, event);
	if (event) {
		bits |= KMST_CS_EVENT;
		if (BPF_CORE_READ(event, base.file_priv))
			bits |= KMST_CS_CLIENT_EVENT;
	}
	return bits;
}

#endif /* KMST_DRM_STATE_BPF_H */
