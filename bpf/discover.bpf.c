// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * discover.bpf.c - a one-shot look at every KMS device the loader opens:
 * the loader issues DRM_IOCTL_MODE_GETRESOURCES on each card, and this
 * program, run inside that ioctl, walks dev->mode_config's CRTC and plane
 * lists and copies the helper vtables' callback addresses. The loader
 * resolves them to names through /proc/kallsyms, so no driver name is
 * hard-coded anywhere. Only the loader's own ioctls are looked at.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __KMST_BPF__
#include "kmstrace_tracer.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 loader_tgid;

struct kmst_disc_dev devs[KMST_DISC_DEVS];
__u32 dev_count;

static __always_inline void read_crtcs(struct drm_device *dev, struct kmst_disc_dev *out)
{
	struct list_head *head = &dev->mode_config.crtc_list;
	struct list_head *node = BPF_CORE_READ(head, next);
	__u32 i;

	for (i = 0; i < KMST_DISC_CRTCS; i++) {
		const struct drm_crtc_helper_funcs *funcs;
		struct drm_crtc *crtc;

		if (node == head || !node)
			break;
		crtc = (void *)node - bpf_core_field_offset(struct drm_crtc, head);
		funcs = BPF_CORE_READ(crtc, helper_private);
		if (funcs) {
			out->crtc_cb[i][KMST_CRTC_CB_ATOMIC_CHECK] = (__u64)BPF_CORE_READ(funcs, atomic_check);
			out->crtc_cb[i][KMST_CRTC_CB_ATOMIC_BEGIN] = (__u64)BPF_CORE_READ(funcs, atomic_begin);
			out->crtc_cb[i][KMST_CRTC_CB_ATOMIC_FLUSH] = (__u64)BPF_CORE_READ(funcs, atomic_flush);
			out->crtc_cb[i][KMST_CRTC_CB_ATOMIC_ENABLE] = (__u64)BPF_CORE_READ(funcs, atomic_enable);
			out->crtc_cb[i][KMST_CRTC_CB_ATOMIC_DISABLE] = (__u64)BPF_CORE_READ(funcs, atomic_disable);
		}
		out->crtcs = i + 1;
		node = BPF_CORE_READ(node, next);
	}
}

static __always_inline void read_planes(struct drm_device *dev, struct kmst_disc_dev *out)
{
	struct list_head *head = &dev->mode_config.plane_list;
	struct list_head *node = BPF_CORE_READ(head, next);
	__u32 i;

	for (i = 0; i < KMST_DISC_PLANES; i++) {
		const struct drm_plane_helper_funcs *funcs;
		struct drm_plane *plane;

		if (node == head || !node)
			break;
		plane = (void *)node - bpf_core_field_offset(struct drm_plane, head);
		funcs = BPF_CORE_READ(plane, helper_private);
		if (funcs) {
			out->plane_cb[i][KMST_PLANE_CB_ATOMIC_CHECK] = (__u64)BPF_CORE_READ(funcs, atomic_check);
			out->plane_cb[i][KMST_PLANE_CB_ATOMIC_UPDATE] = (__u64)BPF_CORE_READ(funcs, atomic_update);
			out->plane_cb[i][KMST_PLANE_CB_ATOMIC_DISABLE] = (__u64)BPF_CORE_READ(funcs, atomic_disable);
			out->plane_cb[i][KMST_PLANE_CB_PREPARE_FB] = (__u64)BPF_CORE_READ(funcs, prepare_fb);
			out->plane_cb[i][KMST_PLANE_CB_CLEANUP_FB] = (__u64)BPF_CORE_READ(funcs, cleanup_fb);
		}
		out->planes = i + 1;
		node = BPF_CORE_READ(node, next);
	}
}

SEC("kprobe/drm_mode_getresources")
int BPF_KPROBE(discover_getresources, struct drm_device *dev)
{
	struct kmst_disc_dev *out;
	__u32 slot;

	if ((bpf_get_current_pid_tgid() >> 32) != loader_tgid)
		return 0;
	slot = dev_count;
	if (slot >= KMST_DISC_DEVS)
		return 0;
	out = &devs[slot];
	out->minor = BPF_CORE_READ(dev, primary, index);
	out->num_vblank_crtcs = BPF_CORE_READ(dev, num_crtcs);
	bpf_probe_read_kernel_str(out->driver, sizeof(out->driver), BPF_CORE_READ(dev, driver, name));
	read_crtcs(dev, out);
	read_planes(dev, out);
	dev_count = slot + 1;
	return 0;
}
