/* SPDX-License-Identifier: GPL-2.0 */
/* Property lookups by name on a KMS object, shared by the bench clients. */
#ifndef KMSTRACE_DRM_PROPS_H
#define KMSTRACE_DRM_PROPS_H

#include <stdint.h>

/* The id of OBJ's property NAME (OBJ of DRM_MODE_OBJECT_* TYPE), or 0. */
uint32_t kmst_prop_id(int fd, uint32_t obj, uint32_t type, const char *name);

#endif
