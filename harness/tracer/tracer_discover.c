// SPDX-License-Identifier: GPL-2.0
/*
 * Device discovery: load bpf/discover.bpf.c, issue
 * DRM_IOCTL_MODE_GETRESOURCES on every /dev/dri/card*, and collect what the
 * program saw of each device (driver, minor, VBLANK support, the helper
 * vtables' callbacks).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#include "common/log.h"
#include "tracer/tracer_internal.h"
/* After the headers that define the types its globals use. */
#include "discover.skel.h"

#define DRI_DIR "/dev/dri"

static void poke_cards(void)
{
	struct dirent *de;
	DIR *dir = opendir(DRI_DIR);

	if (!dir) {
		kmst_debug("%s: cannot list: %s", DRI_DIR, strerror(errno));
		return;
	}
	while ((de = readdir(dir))) {
		struct drm_mode_card_res res;
		char path[300];
		int fd;

		if (strncmp(de->d_name, "card", 4))
			continue;
		snprintf(path, sizeof(path), DRI_DIR "/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			kmst_debug("%s: cannot open: %s", path, strerror(errno));
			continue;
		}
		memset(&res, 0, sizeof(res));
		if (ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res))
			kmst_debug("%s: not a KMS device: %s", path, strerror(errno));
		close(fd);
	}
	closedir(dir);
}

int kmst_discover(struct kmst_devices *devs)
{
	struct kmst_discover *skel;
	int err;

	memset(devs, 0, sizeof(*devs));
	skel = kmst_discover__open();
	if (!skel) {
		err = -errno;
		kmst_err("failed to open discover.bpf.o: %s", strerror(-err));
		return err;
	}
	skel->rodata->loader_tgid = getpid();
	err = kmst_discover__load(skel);
	if (err) {
		/* Without drm.ko (and its BTF) there is no device to find. */
		kmst_debug("discover.bpf.o: cannot load (%s): no DRM device to discover", strerror(-err));
		err = 0;
		goto out;
	}
	err = kmst_discover__attach(skel);
	if (err) {
		/* No DRM core loaded: no device, nothing to find. */
		kmst_debug("drm_mode_getresources: cannot attach (%s): no KMS device to discover",
			   strerror(-err));
		err = 0;
		goto out;
	}
	poke_cards();
	devs->count = skel->bss->dev_count;
	if (devs->count > KMST_DISC_DEVS)
		devs->count = KMST_DISC_DEVS;
	memcpy(devs->devs, skel->bss->devs, sizeof(devs->devs[0]) * devs->count);
out:
	kmst_discover__destroy(skel);
	return err;
}
