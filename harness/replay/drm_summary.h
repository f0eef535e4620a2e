/* SPDX-License-Identifier: GPL-2.0 */
/* A one-screen summary of a KMS device: CRTCs, planes, connectors, modes. */
#ifndef KMSTRACE_DRM_SUMMARY_H
#define KMSTRACE_DRM_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Open DEVICE (/dev/dri/cardN), read its KMS objects through libdrm and
 * print them to OUT: text, or one JSON object with JSON. Returns 0, or -1
 * after one line naming the device and the call that failed.
 */
int kmst_drm_summary(const char *device, bool json, FILE *out);

#endif
