/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DRM uAPI's answers to each kind of fuzzed input, as documented by
 * drm_mode_atomic_ioctl() (drm_atomic_uapi.c), drm_property_change_valid_get()
 * (drm_property.c), drm_atomic_plane_check() and drm_atomic_check_only()
 * (drm_atomic.c) in Linux 6.1, and by the legacy ioctls (drm_crtc.c,
 * drm_plane.c). One mutation is applied to a commit that is valid
 * otherwise, so the first check the kernel makes is the one that answers.
 * `kmstrace fuzz --errno-table` prints it.
 */
#ifndef KMSTRACE_AFUZZ_ERRNO_TABLE_H
#define KMSTRACE_AFUZZ_ERRNO_TABLE_H

#include <stdbool.h>
#include <stdio.h>

enum kmst_afuzz_mutation {
	KMST_MUT_NONE = 0,		/* the valid commit itself */
	KMST_MUT_UNKNOWN_OBJECT,	/* an object id nothing has */
	KMST_MUT_STALE_OBJECT,		/* the id of a framebuffer just removed, as an object */
	KMST_MUT_PROPLESS_OBJECT,	/* a live framebuffer's id, as an object: fbs have no properties */
	KMST_MUT_UNKNOWN_PROP,		/* a property id nothing has */
	KMST_MUT_FOREIGN_PROP,		/* another object type's property */
	KMST_MUT_RANGE,			/* a range property's value past its bounds */
	KMST_MUT_ENUM,			/* an enum property's value none of its names have */
	KMST_MUT_IMMUTABLE,		/* a value for an immutable property */
	KMST_MUT_BAD_FB,		/* FB_ID naming no object */
	KMST_MUT_STALE_FB,		/* FB_ID naming a framebuffer just removed */
	KMST_MUT_FB_WRONG_TYPE,		/* FB_ID naming a CRTC */
	KMST_MUT_BAD_BLOB,		/* MODE_ID naming no blob */
	KMST_MUT_BLOB_SIZE,		/* MODE_ID naming a blob of the wrong size */
	KMST_MUT_MODE_TIMINGS,		/* MODE_ID naming a mode with impossible timings */
	KMST_MUT_MODESET_NOT_ALLOWED,	/* ACTIVE toggled without ALLOW_MODESET */
	KMST_MUT_UNKNOWN_FLAG,		/* a flag bit the uAPI does not define */
	KMST_MUT_ASYNC_FLAG,		/* DRM_MODE_PAGE_FLIP_ASYNC on an atomic commit */
	KMST_MUT_TEST_ONLY_EVENT,	/* TEST_ONLY | PAGE_FLIP_EVENT */
	KMST_MUT_EVENT_NO_CRTC,		/* PAGE_FLIP_EVENT on a commit with no CRTC */
	KMST_MUT_SRC_OUTSIDE_FB,	/* SRC rectangle past the framebuffer */
	KMST_MUT_CRTC_RECT_OVERFLOW,	/* CRTC_X + CRTC_W past INT_MAX */
	KMST_MUT_FB_WITHOUT_CRTC,	/* FB_ID set with CRTC_ID 0 */
	KMST_MUT_PLANE_OFFSCREEN,	/* a plane wholly off the CRTC */
	KMST_MUT_PLANE_PARTLY_OFF,	/* a plane partly off the CRTC */
	KMST_MUT_NONBLOCK_STORM,	/* back-to-back nonblocking flips on every CRTC */
	KMST_MUT_RMFB_IN_USE,		/* the scanned-out framebuffer removed */
	KMST_MUT_LEGACY_SETCRTC,	/* DRM_IOCTL_MODE_SETCRTC with a valid mode and fb */
	KMST_MUT_LEGACY_SETCRTC_BAD_FB, /* ... with an fb id naming nothing */
	KMST_MUT_LEGACY_PAGE_FLIP,	/* DRM_IOCTL_MODE_PAGE_FLIP with an event */
	KMST_MUT_LEGACY_PAGE_FLIP_BAD_FB,
	KMST_MUT_LEGACY_CURSOR_MOVE,	/* DRM_IOCTL_MODE_CURSOR, DRM_MODE_CURSOR_MOVE */
	KMST_MUT_COUNT,
};

/* Errno bits: the results the uAPI allows for one mutation. */
#define KMST_ERR_OK (1u << 0)
#define KMST_ERR_EINVAL (1u << 1)
#define KMST_ERR_ENOENT (1u << 2)
#define KMST_ERR_EBUSY (1u << 3)
#define KMST_ERR_ENOSPC (1u << 4)
#define KMST_ERR_ERANGE (1u << 5)
#define KMST_ERR_ENXIO (1u << 6)

struct kmst_afuzz_rule {
	enum kmst_afuzz_mutation mutation;
	const char *name;	/* as printed in reports and reproducers */
	unsigned int allowed;	/* KMST_ERR_* */
	const char *why;	/* the kernel check that answers */
};

/* The rule of MUTATION (never NULL for a mutation below KMST_MUT_COUNT). */
const struct kmst_afuzz_rule *kmst_afuzz_rule(enum kmst_afuzz_mutation mutation);

/*
 * Whether GOT (0 or a positive errno) is an answer the uAPI allows to
 * MUTATION; NONBLOCK adds EBUSY (a previous commit on one of its CRTCs
 * may not have signalled flip_done yet).
 */
bool kmst_afuzz_errno_allowed(enum kmst_afuzz_mutation mutation, bool nonblock, int got);

/* "ok|EBUSY": the allowed answers, for reports. */
void kmst_afuzz_allowed_text(unsigned int allowed, char *buf, size_t len);

/* The whole table, one mutation a line. */
void kmst_afuzz_print_table(FILE *out);

#endif
