// SPDX-License-Identifier: GPL-2.0
/* The device under fuzz: its objects, properties, framebuffers and starting state. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"
#include "common/log.h"
#include "replay/drm_open.h"

static int open_node(struct kmst_afuzz_dev *dev, const char *device, const char *driver)
{
	drmVersion *version;

	dev->fd = kmst_drm_open(device, driver, dev->path, sizeof(dev->path));
	if (dev->fd < 0) {
		dev->fd = -1;
		return -1;
	}
	version = drmGetVersion(dev->fd);
	if (version)
		snprintf(dev->driver, sizeof(dev->driver), "%s", version->name);
	drmFreeVersion(version);
	if (drmSetClientCap(dev->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(dev->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		kmst_err("%s: no atomic modesetting: %s", dev->path, strerror(errno));
		return -1;
	}
	if (drmSetMaster(dev->fd)) {
		kmst_err("%s: cannot become DRM master (another client holds it, or no "
			 "CAP_SYS_ADMIN): %s", dev->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int load_props(struct kmst_afuzz_dev *dev, struct kmst_afuzz_obj *obj)
{
	drmModeObjectProperties *props;
	unsigned int i;

	props = drmModeObjectGetProperties(dev->fd, obj->id, obj->type);
	if (!props) {
		kmst_err("%s: cannot read the properties of object %u: %s", dev->path, obj->id,
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < props->count_props && obj->prop_count < KMST_AFUZZ_MAX_PROPS; i++) {
		drmModePropertyRes *res = drmModeGetProperty(dev->fd, props->props[i]);
		struct kmst_afuzz_prop *p = &obj->props[obj->prop_count];
		int k;

		if (!res)
			continue;
		p->id = res->prop_id;
		snprintf(p->name, sizeof(p->name), "%s", res->name);
		p->flags = res->flags;
		if (res->count_values >= 2) {
			p->min = res->values[0];
			p->max = res->values[1];
		}
		for (k = 0; k < res->count_enums && p->enum_count < 16; k++)
			p->enum_values[p->enum_count++] = res->enums[k].value;
		if (!strcmp(p->name, "type") && obj->type == DRM_MODE_OBJECT_PLANE)
			obj->plane_type = (int)props->prop_values[i];
		drmModeFreeProperty(res);
		obj->prop_count++;
	}
	drmModeFreeObjectProperties(props);
	return 0;
}

static struct kmst_afuzz_obj *add_obj(struct kmst_afuzz_dev *dev, uint32_t id, uint32_t type, int index)
{
	struct kmst_afuzz_obj *obj;

	if (dev->obj_count >= KMST_AFUZZ_MAX_OBJ)
		return NULL;
	obj = &dev->objs[dev->obj_count++];
	memset(obj, 0, sizeof(*obj));
	obj->id = id;
	obj->type = type;
	obj->index = index;
	obj->plane_type = -1;
	if (load_props(dev, obj))
		return NULL;
	return obj;
}

const struct kmst_afuzz_prop *kmst_afuzz_find_prop(const struct kmst_afuzz_obj *obj, const char *name)
{
	unsigned int i;

	for (i = 0; obj && i < obj->prop_count; i++)
		if (!strcmp(obj->props[i].name, name))
			return &obj->props[i];
	return NULL;
}

uint32_t kmst_afuzz_make_fb(struct kmst_afuzz_dev *dev, unsigned int w, unsigned int h,
			    uint32_t *handle)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_destroy_dumb destroy = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 }, fb_id = 0;
	void *pixels;

	if (drmIoctl(dev->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return 0;
	map.handle = create.handle;
	/* Touch the memory through a mapping, as a client would. */
	if (drmIoctl(dev->fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		goto err_destroy;
	pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd, (off_t)map.offset);
	if (pixels == MAP_FAILED)
		goto err_destroy;
	memset(pixels, 0x40, create.size);
	munmap(pixels, create.size);
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(dev->fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb_id, 0))
		goto err_destroy;
	*handle = create.handle;
	return fb_id;
err_destroy:
	destroy.handle = create.handle;
	drmIoctl(dev->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	return 0;
}

void kmst_afuzz_drop_fb(struct kmst_afuzz_dev *dev, uint32_t fb_id, uint32_t handle)
{
	struct drm_mode_destroy_dumb destroy = { .handle = handle };

	if (fb_id)
		drmModeRmFB(dev->fd, fb_id);
	if (handle)
		drmIoctl(dev->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec, void *data)
{
	(void)fd, (void)seq, (void)sec, (void)usec, (void)data;
}

int kmst_afuzz_drain_events(struct kmst_afuzz_dev *dev, int timeout_ms)
{
	drmEventContext ctx = { .version = 2, .page_flip_handler = on_flip };
	struct pollfd pfd = { .fd = dev->fd, .events = POLLIN };
	int n = 0;

	while (poll(&pfd, 1, n ? 0 : timeout_ms) > 0 && (pfd.revents & POLLIN)) {
		if (drmHandleEvent(dev->fd, &ctx))
			break;
		n++;
	}
	return n;
}

/* Pair each connected connector with a CRTC its encoders can drive. */
static int make_pipes(struct kmst_afuzz_dev *dev, drmModeRes *res)
{
	uint32_t used_crtcs = 0;
	int c, e, i;

	for (c = 0; c < res->count_connectors && dev->pipe_count < KMST_AFUZZ_MAX_CRTCS; c++) {
		drmModeConnector *conn = drmModeGetConnector(dev->fd, res->connectors[c]);
		struct kmst_afuzz_pipe *pipe = &dev->pipes[dev->pipe_count];
		uint32_t possible = 0;
		int mode = 0;

		if (!conn)
			continue;
		if (conn->connection != DRM_MODE_CONNECTED || !conn->count_modes) {
			drmModeFreeConnector(conn);
			continue;
		}
		for (e = 0; e < conn->count_encoders; e++) {
			drmModeEncoder *enc = drmModeGetEncoder(dev->fd, conn->encoders[e]);

			if (enc)
				possible |= enc->possible_crtcs;
			drmModeFreeEncoder(enc);
		}
		for (i = 0; i < conn->count_modes; i++)
			if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
				mode = i;
				break;
			}
		pipe->mode = conn->modes[mode];
		drmModeFreeConnector(conn);
		for (i = 0; i < res->count_crtcs; i++)
			if ((possible & (1u << i)) && !(used_crtcs & (1u << i)))
				break;
		if (i == res->count_crtcs)
			continue;
		used_crtcs |= 1u << i;
		pipe->connector_index = c;
		for (e = 0; e < (int)dev->obj_count; e++) {
			struct kmst_afuzz_obj *o = &dev->objs[e];

			if (o->type == DRM_MODE_OBJECT_CRTC && o->index == i)
				pipe->crtc = o;
			else if (o->type == DRM_MODE_OBJECT_CONNECTOR && o->index == c)
				pipe->connector = o;
		}
		/* Prefer the plane that drives only this CRTC, as replay does. */
		for (e = 0; e < (int)dev->obj_count; e++) {
			struct kmst_afuzz_obj *o = &dev->objs[e];
			struct kmst_afuzz_obj **slot = o->plane_type == DRM_PLANE_TYPE_PRIMARY ? &pipe->primary :
						       o->plane_type == DRM_PLANE_TYPE_CURSOR ? &pipe->cursor : NULL;

			if (o->type != DRM_MODE_OBJECT_PLANE || !slot || !(o->possible_crtcs & (1u << i)))
				continue;
			if (!*slot || o->possible_crtcs == (1u << i))
				*slot = o;
		}
		if (!pipe->crtc || !pipe->connector || !pipe->primary)
			continue;
		dev->pipe_count++;
	}
	return dev->pipe_count ? 0 : -1;
}

int kmst_afuzz_dev_open(struct kmst_afuzz_dev *dev, const char *device, const char *driver)
{
	drmModePlaneRes *planes = NULL;
	drmModeRes *res = NULL;
	unsigned int p, i;
	int ret = -1;

	memset(dev, 0, sizeof(*dev));
	if (open_node(dev, device, driver))
		return -1;
	res = drmModeGetResources(dev->fd);
	planes = drmModeGetPlaneResources(dev->fd);
	if (!res || !planes) {
		kmst_err("%s: cannot list the KMS objects: %s", dev->path, strerror(errno));
		goto out;
	}
	for (i = 0; i < (unsigned int)res->count_crtcs; i++)
		if (!add_obj(dev, res->crtcs[i], DRM_MODE_OBJECT_CRTC, (int)i))
			goto err_objects;
	for (i = 0; i < (unsigned int)res->count_connectors; i++)
		if (!add_obj(dev, res->connectors[i], DRM_MODE_OBJECT_CONNECTOR, (int)i))
			goto err_objects;
	for (p = 0; p < planes->count_planes; p++) {
		drmModePlane *plane = drmModeGetPlane(dev->fd, planes->planes[p]);
		struct kmst_afuzz_obj *obj;

		if (!plane)
			goto err_objects;
		obj = add_obj(dev, plane->plane_id, DRM_MODE_OBJECT_PLANE, (int)p);
		if (obj)
			obj->possible_crtcs = plane->possible_crtcs;
		drmModeFreePlane(plane);
		if (!obj)
			goto err_objects;
	}
	if (make_pipes(dev, res)) {
		kmst_err("%s: no connected connector with a CRTC and a primary plane to fuzz",
			 dev->path);
		goto out;
	}
	for (i = 0; i < dev->pipe_count; i++) {
		struct kmst_afuzz_pipe *pipe = &dev->pipes[i];
		uint32_t handle, k;

		if (drmModeCreatePropertyBlob(dev->fd, &pipe->mode, sizeof(pipe->mode), &pipe->mode_blob))
			goto err_fb;
		for (k = 0; k < 2; k++) {
			pipe->fbs[k] = kmst_afuzz_make_fb(dev, pipe->mode.hdisplay, pipe->mode.vdisplay,
							  &handle);
			if (!pipe->fbs[k])
				goto err_fb;
		}
	}
	dev->small_w = dev->small_h = 64;
	dev->small_fb = kmst_afuzz_make_fb(dev, dev->small_w, dev->small_h, &dev->small_handle);
	if (!dev->small_fb)
		goto err_fb;
	ret = 0;
	goto out;
err_fb:
	kmst_err("%s: cannot create the framebuffers and mode blobs: %s", dev->path, strerror(errno));
	goto out;
err_objects:
	kmst_err("%s: cannot read the KMS objects (more than %d?): %s", dev->path, KMST_AFUZZ_MAX_OBJ,
		 strerror(errno));
out:
	drmModeFreePlaneResources(planes);
	drmModeFreeResources(res);
	return ret;
}

static int add(drmModeAtomicReq *req, const struct kmst_afuzz_obj *obj, const char *name, uint64_t value)
{
	const struct kmst_afuzz_prop *prop = kmst_afuzz_find_prop(obj, name);

	if (!prop)
		return 0; /* optional properties (zpos, alpha) may be absent */
	return drmModeAtomicAddProperty(req, obj->id, prop->id, value) < 0 ? -1 : 0;
}

int kmst_afuzz_dev_modeset(struct kmst_afuzz_dev *dev)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	unsigned int i, o;
	int err = 0;

	if (!req)
		return -ENOMEM;
	/* Every plane off first, so overlays left on by earlier clients do not refuse us. */
	for (o = 0; o < dev->obj_count; o++)
		if (dev->objs[o].type == DRM_MODE_OBJECT_PLANE) {
			err |= add(req, &dev->objs[o], "FB_ID", 0);
			err |= add(req, &dev->objs[o], "CRTC_ID", 0);
		}
	for (i = 0; i < dev->pipe_count; i++) {
		struct kmst_afuzz_pipe *pipe = &dev->pipes[i];
		uint64_t w = pipe->mode.hdisplay, h = pipe->mode.vdisplay;

		pipe->front = 0;
		err |= add(req, pipe->connector, "CRTC_ID", pipe->crtc->id);
		err |= add(req, pipe->crtc, "MODE_ID", pipe->mode_blob);
		err |= add(req, pipe->crtc, "ACTIVE", 1);
		err |= add(req, pipe->primary, "FB_ID", pipe->fbs[0]);
		err |= add(req, pipe->primary, "CRTC_ID", pipe->crtc->id);
		err |= add(req, pipe->primary, "SRC_X", 0);
		err |= add(req, pipe->primary, "SRC_Y", 0);
		err |= add(req, pipe->primary, "SRC_W", w << 16);
		err |= add(req, pipe->primary, "SRC_H", h << 16);
		err |= add(req, pipe->primary, "CRTC_X", 0);
		err |= add(req, pipe->primary, "CRTC_Y", 0);
		err |= add(req, pipe->primary, "CRTC_W", w);
		err |= add(req, pipe->primary, "CRTC_H", h);
	}
	if (!err && drmModeAtomicCommit(dev->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL))
		err = -errno;
	drmModeAtomicFree(req);
	if (err)
		kmst_err("%s: the starting modeset (every pipe on its preferred mode) failed: %s",
			 dev->path, strerror(err < 0 ? -err : EIO));
	return err;
}

void kmst_afuzz_dev_close(struct kmst_afuzz_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd); /* the file's fbs, blobs and handles go with it */
	dev->fd = -1;
}
