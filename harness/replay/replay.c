// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include "common/clock.h"
#include "common/exit.h"
#include "common/log.h"
#include "replay/drm_open.h"
#include "replay/replay.h"

#define MAX_OBJECTS 64

struct dev_object {
	uint32_t id;
	uint32_t type;		/* DRM_MODE_OBJECT_* */
	uint32_t possible_crtcs; /* planes */
	int plane_type;		/* DRM_PLANE_TYPE_*, planes */
	uint32_t crtc_id;	/* planes and connectors: CRTC now (client's model) */
	drmModePropertyRes **props;
	unsigned int prop_count;
};

struct fb {
	uint32_t fb_id, handle;
};

struct mode_blob {
	struct kmst_seq_ref ref;
	uint32_t blob_id;
};

/* One commit, fully resolved: what goes into drmModeAtomicAddProperty. */
struct commit_plan {
	uint32_t *objs, *props;
	uint64_t *values;
	unsigned int count;
	uint32_t crtc_mask;	/* CRTCs (by index) owed an event, before the model update */
};

struct kmst_replay {
	const struct kmst_seq *seq;
	struct kmst_replay_stats stats;
	int fd;
	struct dev_object crtcs[MAX_OBJECTS], connectors[MAX_OBJECTS], planes[MAX_OBJECTS];
	unsigned int crtc_count, connector_count, plane_count;
	drmModeConnector *connector_info[MAX_OBJECTS];
	struct fb *fbs;
	struct mode_blob *blobs;
	unsigned int blob_count;
	struct commit_plan *plans;	/* per step; only commits have one */
	unsigned int owed_events;	/* flip events not read yet */
};

static int seq_error(const struct kmst_replay *r, unsigned int line, unsigned int col,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int seq_error(const struct kmst_replay *r, unsigned int line, unsigned int col,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kmst_err("%s:%u:%u: %s", r->seq->path, line, col, msg);
	return -EINVAL;
}

/* ---- device discovery ---- */

static int open_device(struct kmst_replay *r, const struct kmst_replay_opts *opts)
{
	r->fd = kmst_drm_open(opts->device, opts->driver, r->stats.device, sizeof(r->stats.device));
	if (r->fd < 0) {
		int err = r->fd;

		r->fd = -1;
		return err;
	}
	return 0;
}

static int load_props(struct kmst_replay *r, struct dev_object *obj)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(r->fd, obj->id, obj->type);
	unsigned int i;

	if (!props)
		return -errno;
	obj->props = calloc(props->count_props ? props->count_props : 1, sizeof(*obj->props));
	if (!obj->props) {
		drmModeFreeObjectProperties(props);
		return -ENOMEM;
	}
	for (i = 0; i < props->count_props; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(r->fd, props->props[i]);

		if (!prop)
			continue;
		if (!strcmp(prop->name, "type") && obj->type == DRM_MODE_OBJECT_PLANE)
			obj->plane_type = (int)props->prop_values[i];
		if (!strcmp(prop->name, "CRTC_ID"))
			obj->crtc_id = (uint32_t)props->prop_values[i];
		obj->props[obj->prop_count++] = prop;
	}
	drmModeFreeObjectProperties(props);
	return 0;
}

static int load_objects(struct kmst_replay *r)
{
	drmModePlaneRes *plane_res;
	drmModeRes *res;
	unsigned int i;
	int err = 0;

	if (drmSetClientCap(r->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(r->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		kmst_err("%s: the device does not offer atomic modesetting: %s", r->stats.device,
			 strerror(errno));
		return -EOPNOTSUPP;
	}
	res = drmModeGetResources(r->fd);
	plane_res = drmModeGetPlaneResources(r->fd);
	if (!res || !plane_res) {
		kmst_err("%s: cannot read the KMS resources: %s", r->stats.device, strerror(errno));
		err = -EIO;
		goto out;
	}
	for (i = 0; i < (unsigned int)res->count_crtcs && i < MAX_OBJECTS; i++) {
		r->crtcs[i].id = res->crtcs[i];
		r->crtcs[i].type = DRM_MODE_OBJECT_CRTC;
		r->crtc_count++;
	}
	for (i = 0; i < (unsigned int)res->count_connectors && i < MAX_OBJECTS; i++) {
		r->connectors[i].id = res->connectors[i];
		r->connectors[i].type = DRM_MODE_OBJECT_CONNECTOR;
		r->connector_info[i] = drmModeGetConnector(r->fd, res->connectors[i]);
		r->connector_count++;
	}
	for (i = 0; i < plane_res->count_planes && i < MAX_OBJECTS; i++) {
		drmModePlane *plane = drmModeGetPlane(r->fd, plane_res->planes[i]);

		r->planes[i].id = plane_res->planes[i];
		r->planes[i].type = DRM_MODE_OBJECT_PLANE;
		r->planes[i].possible_crtcs = plane ? plane->possible_crtcs : 0;
		drmModeFreePlane(plane);
		r->plane_count++;
	}
	for (i = 0; i < r->crtc_count && !err; i++)
		err = load_props(r, &r->crtcs[i]);
	for (i = 0; i < r->connector_count && !err; i++)
		err = load_props(r, &r->connectors[i]);
	for (i = 0; i < r->plane_count && !err; i++)
		err = load_props(r, &r->planes[i]);
	if (err)
		kmst_err("%s: cannot read object properties: %s", r->stats.device, strerror(-err));
out:
	drmModeFreeResources(res);
	drmModeFreePlaneResources(plane_res);
	return err;
}

/* ---- symbolic objects ---- */

static int plane_type_of(enum kmst_seq_plane_type type)
{
	switch (type) {
	case KMST_SEQ_PLANE_PRIMARY:
		return DRM_PLANE_TYPE_PRIMARY;
	case KMST_SEQ_PLANE_CURSOR:
		return DRM_PLANE_TYPE_CURSOR;
	default:
		return DRM_PLANE_TYPE_OVERLAY;
	}
}

/* The plane a symbolic plane names (FORMAT.md), or NULL. */
static struct dev_object *find_plane(struct kmst_replay *r, const struct kmst_seq_ref *ref)
{
	uint32_t crtc_bit = 1u << ref->index;
	int type = plane_type_of(ref->plane_type), nth = 0;
	struct dev_object *fallback = NULL;
	unsigned int i;

	if (ref->plane_type == KMST_SEQ_PLANE_ANY)
		return ref->index < (int)r->plane_count ? &r->planes[ref->index] : NULL;
	if (ref->index >= (int)r->crtc_count)
		return NULL;
	for (i = 0; i < r->plane_count; i++) {
		struct dev_object *p = &r->planes[i];

		if (p->plane_type != type || !(p->possible_crtcs & crtc_bit))
			continue;
		if (ref->plane_type == KMST_SEQ_PLANE_OVERLAY) {
			if (++nth == ref->plane_nth)
				return p;
			continue;
		}
		/* A primary or cursor dedicated to this CRTC wins over a shared one. */
		if (p->possible_crtcs == crtc_bit)
			return p;
		if (!fallback)
			fallback = p;
	}
	return fallback;
}

static bool mode_matches(const drmModeModeInfo *mode, const struct kmst_seq_ref *ref)
{
	if (ref->mode_preferred)
		return mode->type & DRM_MODE_TYPE_PREFERRED;
	return (!ref->mode_w || (mode->hdisplay == ref->mode_w && mode->vdisplay == ref->mode_h)) &&
	       mode->vrefresh == ref->mode_refresh;
}

static const drmModeModeInfo *find_mode(struct kmst_replay *r, const struct kmst_seq_ref *ref)
{
	unsigned int i, j;

	for (i = 0; i < r->connector_count; i++) {
		const drmModeConnector *conn = r->connector_info[i];

		if (!conn || (ref->mode_preferred && (int)i != ref->index))
			continue;
		for (j = 0; j < (unsigned int)conn->count_modes; j++)
			if (mode_matches(&conn->modes[j], ref))
				return &conn->modes[j];
	}
	return NULL;
}

/* "crtc:0 crtc:1" / "plane:primary@crtc:0 plane:cursor@crtc:0 ..." / modes: what the device has. */
static void list_objects(struct kmst_replay *r, enum kmst_seq_obj_kind kind, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i, j;

	buf[0] = '\0';
	if (kind == KMST_SEQ_CRTC || kind == KMST_SEQ_CONNECTOR) {
		unsigned int n = kind == KMST_SEQ_CRTC ? r->crtc_count : r->connector_count;

		for (i = 0; i < n && used < len; i++)
			used += snprintf(buf + used, len - used, "%s%s:%u", i ? " " : "",
					 kind == KMST_SEQ_CRTC ? "crtc" : "connector", i);
	} else if (kind == KMST_SEQ_PLANE) {
		for (i = 0; i < r->crtc_count && used < len; i++) {
			unsigned int overlay = 0;

			for (j = 0; j < r->plane_count && used < len; j++) {
				const struct dev_object *p = &r->planes[j];

				if (!(p->possible_crtcs & (1u << i)))
					continue;
				if (p->plane_type == DRM_PLANE_TYPE_PRIMARY)
					used += snprintf(buf + used, len - used, "%splane:primary@crtc:%u",
							 used ? " " : "", i);
				else if (p->plane_type == DRM_PLANE_TYPE_CURSOR)
					used += snprintf(buf + used, len - used, "%splane:cursor@crtc:%u",
							 used ? " " : "", i);
				else
					used += snprintf(buf + used, len - used, "%splane:overlay%u@crtc:%u",
							 used ? " " : "", ++overlay, i);
			}
		}
	} else if (kind == KMST_SEQ_MODE_BLOB) {
		for (i = 0; i < r->connector_count && used < len; i++) {
			const drmModeConnector *conn = r->connector_info[i];

			for (j = 0; conn && j < (unsigned int)conn->count_modes && j < 24 && used < len; j++)
				used += snprintf(buf + used, len - used, "%s%ux%u@%u", used ? " " : "",
						 conn->modes[j].hdisplay, conn->modes[j].vdisplay,
						 conn->modes[j].vrefresh);
			if (conn && conn->count_modes > 24 && used < len)
				used += snprintf(buf + used, len - used, " ... (%d modes on connector:%u)",
						 conn->count_modes, i);
		}
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static struct dev_object *find_object(struct kmst_replay *r, const struct kmst_seq_ref *ref)
{
	switch (ref->kind) {
	case KMST_SEQ_CRTC:
		return ref->index < (int)r->crtc_count ? &r->crtcs[ref->index] : NULL;
	case KMST_SEQ_CONNECTOR:
		return ref->index < (int)r->connector_count ? &r->connectors[ref->index] : NULL;
	case KMST_SEQ_PLANE:
		return find_plane(r, ref);
	default:
		return NULL;
	}
}

/* Does the device have REF? If not, fill WHY with what it has instead. */
static bool has_object(struct kmst_replay *r, const struct kmst_seq_ref *ref, char *why, size_t len)
{
	char name[64], have[768];

	if (ref->kind == KMST_SEQ_MODE_BLOB ? find_mode(r, ref) != NULL : find_object(r, ref) != NULL)
		return true;
	kmst_seq_ref_format(r->seq, ref, name, sizeof(name));
	list_objects(r, ref->kind, have, sizeof(have));
	snprintf(why, len, "%s: the device (%s) has no such %s; it has: %s", name, r->stats.driver,
		 ref->kind == KMST_SEQ_MODE_BLOB ? "mode" : "object", have);
	return false;
}

static int crtc_index_of(const struct kmst_replay *r, uint32_t crtc_id)
{
	unsigned int i;

	for (i = 0; i < r->crtc_count; i++)
		if (r->crtcs[i].id == crtc_id)
			return (int)i;
	return -1;
}

static uint32_t mode_blob(struct kmst_replay *r, const struct kmst_seq_ref *ref)
{
	const drmModeModeInfo *mode;
	struct mode_blob *slot;
	unsigned int i;

	for (i = 0; i < r->blob_count; i++)
		if (!memcmp(&r->blobs[i].ref, ref, sizeof(*ref)))
			return r->blobs[i].blob_id;
	mode = find_mode(r, ref);
	if (!mode)
		return 0;
	slot = realloc(r->blobs, (r->blob_count + 1) * sizeof(*slot));
	if (!slot)
		return 0;
	r->blobs = slot;
	slot = &r->blobs[r->blob_count];
	slot->ref = *ref;
	if (drmModeCreatePropertyBlob(r->fd, mode, sizeof(*mode), &slot->blob_id)) {
		kmst_err("%s: cannot create a mode blob: %s", r->stats.device, strerror(errno));
		return 0;
	}
	r->blob_count++;
	return slot->blob_id;
}

static const drmModePropertyRes *find_prop(const struct dev_object *obj, const char *name)
{
	char spaced[KMST_SEQ_NAME_LEN];
	unsigned int i;
	char *c;

	for (i = 0; i < obj->prop_count; i++)
		if (!strcmp(obj->props[i]->name, name))
			return obj->props[i];
	/* `_` stands for a space in names like "pixel blend mode". */
	snprintf(spaced, sizeof(spaced), "%s", name);
	for (c = spaced; *c; c++)
		if (*c == '_')
			*c = ' ';
	for (i = 0; i < obj->prop_count; i++)
		if (!strcmp(obj->props[i]->name, spaced))
			return obj->props[i];
	return NULL;
}

static int prop_error(struct kmst_replay *r, const struct kmst_seq_object *o,
		      const struct kmst_seq_prop *p, const struct dev_object *obj)
{
	char name[64], have[1024];
	size_t used = 0;
	unsigned int i;

	kmst_seq_ref_format(r->seq, &o->ref, name, sizeof(name));
	have[0] = '\0';
	for (i = 0; i < obj->prop_count && used < sizeof(have); i++)
		used += snprintf(have + used, sizeof(have) - used, "%s%s", i ? ", " : "",
				 obj->props[i]->name);
	return seq_error(r, o->line, p->col, "%s has no property '%s'; it has: %s", name, p->name, have);
}

/* Resolve one commit step into ids; updates the client's model of plane/connector CRTCs. */
static int plan_commit(struct kmst_replay *r, const struct kmst_seq_step *step, struct commit_plan *plan)
{
	unsigned int total = 0, i, j, n = 0;

	for (i = 0; i < step->object_count; i++)
		total += r->seq->objects[step->first_object + i].prop_count;
	plan->objs = calloc(total ? total : 1, sizeof(*plan->objs));
	plan->props = calloc(total ? total : 1, sizeof(*plan->props));
	plan->values = calloc(total ? total : 1, sizeof(*plan->values));
	if (!plan->objs || !plan->props || !plan->values)
		return -ENOMEM;
	for (i = 0; i < step->object_count; i++) {
		const struct kmst_seq_object *o = &r->seq->objects[step->first_object + i];
		struct dev_object *obj = find_object(r, &o->ref);
		char why[1024];

		if (!obj) {
			has_object(r, &o->ref, why, sizeof(why));
			return seq_error(r, o->line, o->col, "%s", why);
		}
		for (j = 0; j < o->prop_count; j++) {
			const struct kmst_seq_prop *p = &r->seq->props[o->first_prop + j];
			const drmModePropertyRes *prop = find_prop(obj, p->name);
			uint64_t value = (uint64_t)p->value.number;

			if (!prop)
				return prop_error(r, o, p, obj);
			if (p->value.is_ref) {
				const struct kmst_seq_ref *ref = &p->value.ref;
				struct dev_object *target;

				switch (ref->kind) {
				case KMST_SEQ_NONE:
					value = 0;
					break;
				case KMST_SEQ_FB:
					value = 0; /* filled in once the framebuffers exist */
					break;
				case KMST_SEQ_MODE_BLOB:
					if (!has_object(r, ref, why, sizeof(why)))
						return seq_error(r, o->line, p->col, "%s", why);
					value = mode_blob(r, ref);
					if (!value)
						return -EIO;
					break;
				default:
					target = find_object(r, ref);
					if (!target) {
						has_object(r, ref, why, sizeof(why));
						return seq_error(r, o->line, p->col, "%s", why);
					}
					value = target->id;
					break;
				}
			}
			plan->objs[n] = obj->id;
			plan->props[n] = prop->prop_id;
			plan->values[n] = value;
			n++;
		}
	}
	plan->count = n;
	return 0;
}

/* FB ids are only known after creation: patch them into the plans. */
static void patch_fbs(struct kmst_replay *r)
{
	unsigned int s, i, j, n;

	for (s = 0; s < r->seq->step_count; s++) {
		const struct kmst_seq_step *step = &r->seq->steps[s];

		if (step->kind != KMST_STEP_COMMIT)
			continue;
		n = 0;
		for (i = 0; i < step->object_count; i++) {
			const struct kmst_seq_object *o = &r->seq->objects[step->first_object + i];

			for (j = 0; j < o->prop_count; j++, n++) {
				const struct kmst_seq_prop *p = &r->seq->props[o->first_prop + j];

				if (p->value.is_ref && p->value.ref.kind == KMST_SEQ_FB)
					r->plans[s].values[n] = r->fbs[p->value.ref.fb].fb_id;
			}
		}
	}
}

static bool seq_commits(const struct kmst_seq *seq)
{
	unsigned int i;

	for (i = 0; i < seq->step_count; i++)
		if (seq->steps[i].kind == KMST_STEP_COMMIT)
			return true;
	return false;
}

struct kmst_replay *kmst_replay_open(const struct kmst_seq *seq, const struct kmst_replay_opts *opts,
				     int *exit_code)
{
	struct kmst_replay *r = calloc(1, sizeof(*r));
	drmVersion *version;
	struct stat st;
	unsigned int i;
	int err;

	*exit_code = KMST_EXIT_BAD_INPUT;
	if (!r)
		return NULL;
	r->seq = seq;
	r->fd = -1;
	err = open_device(r, opts);
	if (err)
		goto fail;
	version = drmGetVersion(r->fd);
	snprintf(r->stats.driver, sizeof(r->stats.driver), "%s", version ? version->name : "?");
	drmFreeVersion(version);
	r->stats.minor = fstat(r->fd, &st) == 0 ? (int)minor(st.st_rdev) : -1;
	/*
	 * Commits need DRM master (the atomic and legacy modeset ioctls are
	 * DRM_MASTER-only). The first opener gets it; if another client held
	 * it and let go, take it. Without it every commit would fail with
	 * EACCES and read as the driver's errno, so refuse in one line.
	 */
	if (drmSetMaster(r->fd) && !drmIsMaster(r->fd) && seq_commits(seq)) {
		kmst_err("%s: not DRM master (another client such as a compositor holds it, or this process lacks CAP_SYS_ADMIN); replaying %s needs it to commit",
			 r->stats.device, seq->path);
		err = -EACCES;
		goto fail;
	}
	err = load_objects(r);
	if (err)
		goto fail;
	for (i = 0; i < seq->require_count; i++)
		if (!has_object(r, &seq->requires[i], r->stats.skip_reason, sizeof(r->stats.skip_reason))) {
			r->stats.skipped = true;
			*exit_code = KMST_EXIT_OK;
			return r;
		}
	r->plans = calloc(seq->step_count ? seq->step_count : 1, sizeof(*r->plans));
	r->fbs = calloc(seq->fb_count ? seq->fb_count : 1, sizeof(*r->fbs));
	if (!r->plans || !r->fbs) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < seq->step_count; i++) {
		if (seq->steps[i].kind != KMST_STEP_COMMIT)
			continue;
		err = plan_commit(r, &seq->steps[i], &r->plans[i]);
		if (err == -EINVAL) {
			*exit_code = KMST_EXIT_BAD_INPUT;
			goto fail_quiet;
		}
		if (err)
			goto fail;
	}
	*exit_code = KMST_EXIT_OK;
	return r;
fail:
	if (err == -ENOMEM)
		kmst_err("%s: out of memory", seq->path);
fail_quiet:
	kmst_replay_close(r);
	return NULL;
}

const struct kmst_replay_stats *kmst_replay_stats(const struct kmst_replay *r)
{
	return &r->stats;
}

/* ---- framebuffers ---- */

static void fill_pixel(const struct kmst_seq_fb *fb, unsigned int x, unsigned int y, uint8_t *rgb)
{
	static const uint8_t bars[8][3] = { { 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 },
					     { 0, 255, 0 },	{ 255, 0, 255 }, { 255, 0, 0 },
					     { 0, 0, 255 },	{ 0, 0, 0 } };
	unsigned int hash = 0;
	const char *c;

	switch (fb->fill) {
	case KMST_FILL_SOLID:
		rgb[0] = fb->fill_arg >> 16;
		rgb[1] = fb->fill_arg >> 8;
		rgb[2] = fb->fill_arg;
		break;
	case KMST_FILL_CHECKER:
		rgb[0] = rgb[1] = rgb[2] = ((x / fb->fill_arg) + (y / fb->fill_arg)) % 2 ? 255 : 0;
		break;
	case KMST_FILL_BARS:
		memcpy(rgb, bars[x * 8 / fb->width], 3);
		break;
	default:
		for (c = fb->name; *c; c++)
			hash = hash * 31 + (unsigned char)*c;
		rgb[0] = (uint8_t)(x * 255 / (fb->width > 1 ? fb->width - 1 : 1));
		rgb[1] = (uint8_t)(y * 255 / (fb->height > 1 ? fb->height - 1 : 1));
		rgb[2] = (uint8_t)hash;
		break;
	}
}

static void store_pixel(uint32_t format, uint8_t *dst, const uint8_t *rgb)
{
	uint32_t v32;
	uint16_t v16;
	uint64_t v64;

	switch (format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
		v32 = 0xff000000u | rgb[0] << 16 | rgb[1] << 8 | rgb[2];
		memcpy(dst, &v32, 4);
		break;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
		v32 = 0xff000000u | rgb[2] << 16 | rgb[1] << 8 | rgb[0];
		memcpy(dst, &v32, 4);
		break;
	case DRM_FORMAT_RGB565:
		v16 = (uint16_t)((rgb[0] >> 3) << 11 | (rgb[1] >> 2) << 5 | rgb[2] >> 3);
		memcpy(dst, &v16, 2);
		break;
	default: /* 16 bits per channel, alpha (or X) opaque */
		v64 = 0xffffull << 48 | (uint64_t)(rgb[0] * 257u) << 32 | (uint64_t)(rgb[1] * 257u) << 16 |
		      rgb[2] * 257u;
		memcpy(dst, &v64, 8);
		break;
	}
}

static int create_fb(struct kmst_replay *r, const struct kmst_seq_fb *fb, struct fb *out)
{
	unsigned int cpp = kmst_format_cpp(fb->format), x, y;
	struct drm_mode_create_dumb create = { .width = fb->width, .height = fb->height,
					       .bpp = cpp * 8 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint8_t *pixels, rgb[3];

	if (drmIoctl(r->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		kmst_err("%s:%u: fb %s: cannot create a %ux%u dumb buffer: %s", r->seq->path, fb->line,
			 fb->name, fb->width, fb->height, strerror(errno));
		return -errno;
	}
	out->handle = create.handle;
	map.handle = create.handle;
	if (drmIoctl(r->fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		goto err_map;
	pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, (off_t)map.offset);
	if (pixels == MAP_FAILED)
		goto err_map;
	for (y = 0; y < fb->height; y++)
		for (x = 0; x < fb->width; x++) {
			fill_pixel(fb, x, y, rgb);
			store_pixel(fb->format, pixels + (size_t)y * create.pitch + (size_t)x * cpp, rgb);
		}
	munmap(pixels, create.size);
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(r->fd, fb->width, fb->height, fb->format, handles, pitches, offsets,
			  &out->fb_id, 0)) {
		kmst_err("%s:%u: fb %s: the device refused a %s %ux%u framebuffer: %s", r->seq->path,
			 fb->line, fb->name, kmst_format_name(fb->format), fb->width, fb->height,
			 strerror(errno));
		return -errno;
	}
	return 0;
err_map:
	kmst_err("%s:%u: fb %s: cannot map the dumb buffer: %s", r->seq->path, fb->line, fb->name,
		 strerror(errno));
	return -errno;
}

/* ---- running ---- */

/*
 * Read flip events until none is owed or TIMEOUT_MS passed (0: only what
 * is already there). The raw drm_event stream is parsed here rather than
 * through drmHandleEvent so each event is counted against what is owed.
 */
static int read_events(struct kmst_replay *r, int timeout_ms)
{
	uint64_t deadline = kmst_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
	char buf[1024];

	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		int64_t left_ns = (int64_t)(deadline - kmst_monotonic_ns());
		int left = left_ns > 0 ? (int)((left_ns + 999999) / 1000000) : 0, ret;
		ssize_t len, off;

		if (!r->owed_events && timeout_ms > 0)
			return 0;
		ret = poll(&pfd, 1, left > 0 ? left : 0);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return 0;
		len = read(r->fd, buf, sizeof(buf));
		if (len < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (len < 0)
			return -errno;
		for (off = 0; off + (ssize_t)sizeof(struct drm_event) <= len;) {
			const struct drm_event *e = (const void *)(buf + off);

			if (e->type == DRM_EVENT_FLIP_COMPLETE) {
				r->stats.events++;
				if (r->owed_events)
					r->owed_events--;
				else
					r->stats.events_extra++;
			}
			if (!e->length)
				break;
			off += e->length;
		}
		if (timeout_ms == 0)
			return 0;
	}
}

/* CRTCs (by index) a commit includes, from the client's model of routing. */
static uint32_t commit_crtcs(struct kmst_replay *r, const struct kmst_seq_step *step,
			     const struct commit_plan *plan, bool update)
{
	uint32_t mask = 0;
	unsigned int i, n = 0, j;

	for (i = 0; i < step->object_count; i++) {
		const struct kmst_seq_object *o = &r->seq->objects[step->first_object + i];
		struct dev_object *obj = find_object(r, &o->ref);
		int idx;

		if (o->ref.kind == KMST_SEQ_CRTC) {
			mask |= 1u << o->ref.index;
			n += o->prop_count;
			continue;
		}
		idx = crtc_index_of(r, obj->crtc_id);
		if (idx >= 0)
			mask |= 1u << idx;
		for (j = 0; j < o->prop_count; j++, n++) {
			if (strcmp(r->seq->props[o->first_prop + j].name, "CRTC_ID"))
				continue;
			idx = crtc_index_of(r, (uint32_t)plan->values[n]);
			if (idx >= 0)
				mask |= 1u << idx;
			if (update)
				obj->crtc_id = (uint32_t)plan->values[n];
		}
	}
	return mask;
}

static bool expected(const struct kmst_seq_step *step, int got, int *matched)
{
	unsigned int i;

	for (i = 0; i < step->expect_count; i++)
		if (step->expect[i] == got) {
			*matched = got;
			return true;
		}
	*matched = step->expect[0];
	return false;
}

static int do_commit(struct kmst_replay *r, const struct kmst_seq_step *step,
		     struct commit_plan *plan, kmst_replay_commit_fn on_commit, void *ctx)
{
	struct kmst_replay_commit rc = { .line = step->line };
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	uint32_t flags = 0, crtcs;
	unsigned int i;
	int ret;

	if (!req)
		return -ENOMEM;
	for (i = 0; i < plan->count; i++)
		if (drmModeAtomicAddProperty(req, plan->objs[i], plan->props[i], plan->values[i]) < 0) {
			drmModeAtomicFree(req);
			return -ENOMEM;
		}
	if (step->flags & KMST_SEQ_F_TEST_ONLY)
		flags |= DRM_MODE_ATOMIC_TEST_ONLY;
	if (step->flags & KMST_SEQ_F_NONBLOCK)
		flags |= DRM_MODE_ATOMIC_NONBLOCK;
	if (step->flags & KMST_SEQ_F_ALLOW_MODESET)
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	if (step->flags & KMST_SEQ_F_PAGE_FLIP_EVENT)
		flags |= DRM_MODE_PAGE_FLIP_EVENT;
	crtcs = commit_crtcs(r, step, plan, false);
	/* user_data = the line: events and traces map back to the sequence. */
	ret = drmModeAtomicCommit(r->fd, req, flags, (void *)(uintptr_t)step->line);
	rc.got = ret ? errno : 0;
	drmModeAtomicFree(req);
	r->stats.commits++;
	rc.ordinal = (unsigned int)r->stats.commits;
	rc.flags = flags;
	if (!expected(step, rc.got, &rc.expected)) {
		const char *want = kmst_errno_name(rc.expected), *got = kmst_errno_name(rc.got);

		/*
		 * EBUSY is owed only while the previous flip is pending, which
		 * user space cannot see: the trace's flip_done decides it
		 * (check/expect.c), or it is a mismatch when nothing is traced.
		 */
		if (rc.expected == EBUSY && !rc.got && (flags & DRM_MODE_ATOMIC_NONBLOCK))
			r->stats.busy_unmet++;
		else
			r->stats.mismatches++;
		kmst_info("%s:%u: commit #%u: expected %s, got %s%s", r->seq->path, step->line,
			  rc.ordinal, want ? want : "?", got ? got : strerror(rc.got),
			  rc.expected == EBUSY && !rc.got ?
				  " (owed only if the previous flip was still pending)" : "");
	}
	if (!rc.got && !(flags & DRM_MODE_ATOMIC_TEST_ONLY)) {
		commit_crtcs(r, step, plan, true);
		if (flags & DRM_MODE_PAGE_FLIP_EVENT)
			r->owed_events += (unsigned int)__builtin_popcount(crtcs);
	}
	if (on_commit)
		on_commit(ctx, &rc);
	return 0;
}

static void wait_vblanks(struct kmst_replay *r, const struct kmst_seq_step *step)
{
	drmVBlank vbl = { 0 };

	vbl.request.type = DRM_VBLANK_RELATIVE;
	if (step->crtc == 1)
		vbl.request.type |= DRM_VBLANK_SECONDARY;
	else if (step->crtc > 1)
		vbl.request.type |= (drmVBlankSeqType)((step->crtc << DRM_VBLANK_HIGH_CRTC_SHIFT) &
						       DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = step->count;
	if (drmWaitVBlank(r->fd, &vbl)) {
		/* No VBLANK on this device or CRTC: wait that many 60 Hz frames instead. */
		struct timespec ts = { .tv_sec = step->count / 60,
				       .tv_nsec = (long)(step->count % 60) * 16666667L };

		kmst_debug("%s:%u: drmWaitVBlank: %s; sleeping %u frames", r->seq->path, step->line,
			   strerror(errno), step->count);
		nanosleep(&ts, NULL);
	}
}

int kmst_replay_run(struct kmst_replay *r, kmst_replay_commit_fn on_commit, void *ctx)
{
	const struct kmst_seq *seq = r->seq;
	unsigned int remaining[KMST_SEQ_MAX_DEPTH], depth = 0, pc = 0, i;
	uint64_t start_ns;
	int err;

	if (r->stats.skipped)
		return 0;
	for (i = 0; i < seq->fb_count; i++) {
		err = create_fb(r, &seq->fbs[i], &r->fbs[i]);
		if (err)
			return err;
	}
	patch_fbs(r);
	start_ns = kmst_monotonic_ns();
	while (pc < seq->step_count) {
		const struct kmst_seq_step *step = &seq->steps[pc];
		struct timespec ts;

		switch (step->kind) {
		case KMST_STEP_COMMIT:
			/*
			 * Take the events already there, so the count stays right; skipped
			 * when none is owed, to keep a syscall out of the commit path.
			 */
			err = r->owed_events ? read_events(r, 0) : 0;
			if (!err)
				err = do_commit(r, step, &r->plans[pc], on_commit, ctx);
			if (err)
				return err;
			break;
		case KMST_STEP_WAIT_EVENT:
			err = read_events(r, (int)step->timeout_ms);
			if (err)
				return err;
			if (r->owed_events) {
				kmst_info("%s:%u: %u flip event%s still missing after %u ms", seq->path,
					  step->line, r->owed_events, r->owed_events == 1 ? "" : "s",
					  step->timeout_ms);
				r->stats.events_missing += r->owed_events;
				r->owed_events = 0;
			}
			break;
		case KMST_STEP_WAIT_VBLANK:
			wait_vblanks(r, step);
			break;
		case KMST_STEP_WAIT_MS:
			ts.tv_sec = step->count / 1000;
			ts.tv_nsec = (long)(step->count % 1000) * 1000000L;
			nanosleep(&ts, NULL);
			break;
		case KMST_STEP_REPEAT:
			remaining[depth++] = step->count;
			break;
		case KMST_STEP_END:
			if (--remaining[depth - 1] > 0) {
				pc = step->match + 1;
				continue;
			}
			depth--;
			break;
		}
		pc++;
	}
	r->stats.steps_ns = kmst_monotonic_ns() - start_ns;
	/* Events still owed at the end: give them a last chance, then count them. */
	err = read_events(r, 1000);
	if (err)
		return err;
	r->stats.events_missing += r->owed_events;
	r->owed_events = 0;
	read_events(r, 50); /* extras that come late */
	return 0;
}

int kmst_replay_device_fd(const struct kmst_replay *r)
{
	return r->fd;
}

void kmst_replay_release_device(struct kmst_replay *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void kmst_replay_close(struct kmst_replay *r)
{
	unsigned int i, j;

	if (!r)
		return;
	if (r->fd >= 0) {
		for (i = 0; r->fbs && i < r->seq->fb_count; i++) {
			if (r->fbs[i].fb_id)
				drmModeRmFB(r->fd, r->fbs[i].fb_id);
			if (r->fbs[i].handle) {
				struct drm_mode_destroy_dumb destroy = { .handle = r->fbs[i].handle };

				drmIoctl(r->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
			}
		}
		for (i = 0; i < r->blob_count; i++)
			drmModeDestroyPropertyBlob(r->fd, r->blobs[i].blob_id);
	}
	for (i = 0; r->plans && i < r->seq->step_count; i++) {
		free(r->plans[i].objs);
		free(r->plans[i].props);
		free(r->plans[i].values);
	}
	for (i = 0; i < MAX_OBJECTS; i++) {
		struct dev_object *lists[3] = { &r->crtcs[i], &r->connectors[i], &r->planes[i] };

		for (j = 0; j < 3; j++) {
			unsigned int k;

			for (k = 0; k < lists[j]->prop_count; k++)
				drmModeFreeProperty(lists[j]->props[k]);
			free(lists[j]->props);
		}
		drmModeFreeConnector(r->connector_info[i]);
	}
	free(r->plans);
	free(r->fbs);
	free(r->blobs);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}
