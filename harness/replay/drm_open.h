/* SPDX-License-Identifier: GPL-2.0 */
/* Finding and opening the KMS device a command drives (replay, fuzz). */
#ifndef KMSTRACE_DRM_OPEN_H
#define KMSTRACE_DRM_OPEN_H

#include <stddef.h>

/*
 * Open DEVICE, or else the first /dev/dri/cardN that has CRTCs and, when
 * DRIVER is given, whose driver is DRIVER. The node's path goes to PATH.
 * Returns the fd, or -errno after one line naming the device (or saying
 * that none was found).
 */
int kmst_drm_open(const char *device, const char *driver, char *path, size_t len);

#endif
