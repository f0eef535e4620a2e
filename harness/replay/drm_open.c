// SPDX-License-Identifier: GPL-2.0
/* Finding and opening the KMS device a command drives (replay, fuzz). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "common/log.h"
#include "replay/drm_open.h"

#define KMST_MAX_CARDS 64

/* A KMS node, not a render-only one: it has CRTCs. */
static bool is_kms(int fd)
{
	drmModeRes *res = drmModeGetResources(fd);
	bool kms = res && res->count_crtcs > 0;

	drmModeFreeResources(res);
	return kms;
}

static bool is_driver(int fd, const char *driver)
{
	drmVersion *version;
	bool match;

	version = drmGetVersion(fd);
	match = version && (!driver || !strcmp(version->name, driver));
	drmFreeVersion(version);
	return match;
}

int kmst_drm_open(const char *device, const char *driver, char *path, size_t len)
{
	int fd, minor, err;

	if (device) {
		fd = open(device, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			kmst_err("%s: cannot open device: %s", device, strerror(err));
			return -err;
		}
		snprintf(path, len, "%s", device);
		return fd;
	}
	for (minor = 0; minor < KMST_MAX_CARDS; minor++) {
		snprintf(path, len, "/dev/dri/card%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_driver(fd, driver) && is_kms(fd))
			return fd;
		close(fd);
	}
	path[0] = '\0';
	kmst_err("/dev/dri: no KMS device%s%s found (give one with --device)",
		 driver ? " of driver " : "", driver ? driver : "");
	return -ENODEV;
}
