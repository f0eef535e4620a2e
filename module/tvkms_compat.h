/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * Every difference between the kernels tvkms builds for
 * (Debian's 6.1 and 6.12). Nothing else in the driver tests a version.
 */
#ifndef _TVKMS_COMPAT_H_
#define _TVKMS_COMPAT_H_

#include <linux/version.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_vblank.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <drm/drm_fbdev_shmem.h>
#else
#include <drm/drm_fb_helper.h>
#endif

/* The unaligned access helpers moved from asm/ to linux/ in 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.12 file_operations gained fop_flags; DRM GEM sets unsigned offsets. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define TVKMS_COMPAT_FOP_FLAGS .fop_flags = FOP_UNSIGNED_OFFSET,
#else
#define TVKMS_COMPAT_FOP_FLAGS
#endif

/* drm_crtc_vblank_crtc() arrived in 6.10; before it, index dev->vblank. */
static inline struct drm_vblank_crtc *
tvkms_compat_vblank_crtc(struct drm_crtc *crtc)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return drm_crtc_vblank_crtc(crtc);
#else
	return &crtc->dev->vblank[drm_crtc_index(crtc)];
#endif
}

/*
 * platform_driver.remove returns void since 6.11: the driver's remove is
 * void, and this wraps it for the older int-returning hook.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define TVKMS_COMPAT_PLATFORM_REMOVE(remove_fn) (remove_fn)
#else
#define TVKMS_COMPAT_PLATFORM_REMOVE(remove_fn) (remove_fn##_int)
#define TVKMS_COMPAT_DEFINE_REMOVE_INT(remove_fn)                    \
	static int remove_fn##_int(struct platform_device *pdev)     \
	{                                                            \
		remove_fn(pdev);                                     \
		return 0;                                            \
	}
#endif
#ifndef TVKMS_COMPAT_DEFINE_REMOVE_INT
#define TVKMS_COMPAT_DEFINE_REMOVE_INT(remove_fn)
#endif

/* The generic fbdev client became the shmem one in 6.11. */
static inline void tvkms_compat_fbdev_setup(struct drm_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	drm_fbdev_shmem_setup(dev, 32);
#else
	drm_fbdev_generic_setup(dev, 32);
#endif
}

/*
 * Undoing prepare_planes on a failed commit: 6.7 split this out of
 * drm_atomic_helper_cleanup_planes, which before that did both jobs.
 */
static inline void tvkms_compat_unprepare_planes(struct drm_device *dev,
						 struct drm_atomic_state *state)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	drm_atomic_helper_unprepare_planes(dev, state);
#else
	drm_atomic_helper_cleanup_planes(dev, state);
#endif
}

/*
 * The 1, 2 and 4 bit single-channel formats (DRM_FORMAT_R1, R2, R4) are
 * in the uapi drm_fourcc.h only from 6.1 on (Debian's 6.1 and 6.12 both
 * have them); DRM_FORMAT_R8 is older than any kernel tvkms builds for.
 */
#if defined(DRM_FORMAT_R1) && defined(DRM_FORMAT_R2) && defined(DRM_FORMAT_R4)
#define TVKMS_COMPAT_HAS_R124
#endif

#endif /* _TVKMS_COMPAT_H_ */
