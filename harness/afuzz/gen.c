// SPDX-License-Identifier: GPL-2.0
/*
 * One fuzz case: a valid commit of the device's own objects (a flip of
 * the primary plane on some pipes, with random flags), then one mutation
 * from errno_table.h. Case N of seed S draws from its own stream, so
 * `--seed S --case N` builds the same case again.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"

#define BAD_ID_BASE 0x7ff00000u

static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int below(uint64_t *state, unsigned int n)
{
	return n ? (unsigned int)(next(state) % n) : 0;
}

static struct kmst_afuzz_set *add_set(struct kmst_afuzz_case *c, const struct kmst_afuzz_obj *obj,
				      const char *name, uint64_t value)
{
	const struct kmst_afuzz_prop *prop = kmst_afuzz_find_prop(obj, name);
	struct kmst_afuzz_set *s;

	if (!prop || c->set_count >= KMST_AFUZZ_MAX_SETS)
		return NULL;
	s = &c->sets[c->set_count++];
	memset(s, 0, sizeof(*s));
	s->obj_id = obj->id;
	s->prop_id = prop->id;
	s->value = value;
	s->obj = obj;
	s->prop_name = prop->name;
	s->value_pipe_fb = s->value_mode_pipe = s->value_crtc = -1;
	return s;
}

/* The set for OBJ's NAME already in the commit, or a new one. */
static struct kmst_afuzz_set *set_prop(struct kmst_afuzz_case *c, const struct kmst_afuzz_obj *obj,
				       const char *name, uint64_t value)
{
	unsigned int i;

	for (i = 0; i < c->set_count; i++)
		if (c->sets[i].obj == obj && c->sets[i].prop_name && !strcmp(c->sets[i].prop_name, name)) {
			c->sets[i].value = value;
			c->sets[i].value_pipe_fb = c->sets[i].value_mode_pipe = c->sets[i].value_crtc = -1;
			return &c->sets[i];
		}
	return add_set(c, obj, name, value);
}

/* The primary plane of PIPE flipped to its other fb, full screen. */
static void add_flip(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c, unsigned int p)
{
	struct kmst_afuzz_pipe *pipe = &dev->pipes[p];
	uint64_t w = pipe->mode.hdisplay, h = pipe->mode.vdisplay;
	struct kmst_afuzz_set *s;

	s = add_set(c, pipe->primary, "FB_ID", pipe->fbs[pipe->front ^ 1]);
	if (s)
		s->value_pipe_fb = (int)p;
	s = add_set(c, pipe->primary, "CRTC_ID", pipe->crtc->id);
	if (s)
		s->value_crtc = pipe->crtc->index;
	add_set(c, pipe->primary, "SRC_X", 0);
	add_set(c, pipe->primary, "SRC_Y", 0);
	add_set(c, pipe->primary, "SRC_W", w << 16);
	add_set(c, pipe->primary, "SRC_H", h << 16);
	add_set(c, pipe->primary, "CRTC_X", 0);
	add_set(c, pipe->primary, "CRTC_Y", 0);
	add_set(c, pipe->primary, "CRTC_W", w);
	add_set(c, pipe->primary, "CRTC_H", h);
}

/* A settable range or enum property of one of the pipe's objects. */
static const struct kmst_afuzz_prop *pick_prop(const struct kmst_afuzz_pipe *pipe, uint64_t *rng,
					       uint32_t kind, const struct kmst_afuzz_obj **owner)
{
	const struct kmst_afuzz_obj *objs[3] = { pipe->crtc, pipe->primary, pipe->connector };
	const struct kmst_afuzz_prop *found[3 * KMST_AFUZZ_MAX_PROPS];
	const struct kmst_afuzz_obj *found_obj[3 * KMST_AFUZZ_MAX_PROPS];
	unsigned int n = 0, o, i, k;

	for (o = 0; o < 3; o++)
		for (i = 0; i < objs[o]->prop_count; i++) {
			const struct kmst_afuzz_prop *p = &objs[o]->props[i];

			if (p->flags & DRM_MODE_PROP_IMMUTABLE)
				continue;
			if (kind == DRM_MODE_PROP_RANGE && (p->flags & DRM_MODE_PROP_RANGE) &&
			    p->max != UINT64_MAX)
				;
			else if (kind == DRM_MODE_PROP_SIGNED_RANGE &&
				 (p->flags & DRM_MODE_PROP_EXTENDED_TYPE) == DRM_MODE_PROP_SIGNED_RANGE &&
				 (int64_t)p->max != INT64_MAX)
				;
			else if (kind == DRM_MODE_PROP_ENUM && (p->flags & DRM_MODE_PROP_ENUM) && p->enum_count)
				;
			else
				continue;
			found[n] = p;
			found_obj[n++] = objs[o];
		}
	if (!n)
		return NULL;
	k = below(rng, n);
	*owner = found_obj[k];
	return found[k];
}

static const struct kmst_afuzz_prop *immutable_prop(const struct kmst_afuzz_obj *obj)
{
	unsigned int i;

	for (i = 0; i < obj->prop_count; i++)
		if (obj->props[i].flags & DRM_MODE_PROP_IMMUTABLE)
			return &obj->props[i];
	return NULL;
}

/* An fb id that names nothing any more: made and removed now. */
static uint32_t stale_fb(struct kmst_afuzz_dev *dev)
{
	uint32_t handle, fb = kmst_afuzz_make_fb(dev, 64, 64, &handle);

	kmst_afuzz_drop_fb(dev, fb, handle);
	return fb;
}

static int mutate(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c, uint64_t *rng)
{
	struct kmst_afuzz_pipe *pipe = &dev->pipes[c->pipe];
	const struct kmst_afuzz_obj *owner = NULL;
	const struct kmst_afuzz_prop *prop;
	struct kmst_afuzz_set *s;
	uint64_t w = pipe->mode.hdisplay, h = pipe->mode.vdisplay;
	drmModeModeInfo mode;
	uint8_t junk[256];
	unsigned int len;

	c->bad_id = BAD_ID_BASE + below(rng, 0xfffff);
	switch (c->mutation) {
	case KMST_MUT_NONE:
		break;
	case KMST_MUT_UNKNOWN_OBJECT:
	case KMST_MUT_STALE_OBJECT:
	case KMST_MUT_PROPLESS_OBJECT:
		if (c->mutation == KMST_MUT_STALE_OBJECT && !(c->bad_id = stale_fb(dev)))
			return -errno;
		if (c->mutation == KMST_MUT_PROPLESS_OBJECT)
			c->bad_id = pipe->fbs[pipe->front];
		s = add_set(c, pipe->primary, "FB_ID", pipe->fbs[pipe->front]);
		if (s) {
			s->obj_id = c->bad_id;
			s->obj = NULL;
		}
		c->what = "an object id with no properties on the device";
		break;
	case KMST_MUT_UNKNOWN_PROP:
		s = add_set(c, pipe->crtc, "ACTIVE", 1);
		if (s) {
			s->prop_id = c->bad_id;
			s->prop_name = NULL;
		}
		c->what = "a property id nothing has";
		break;
	case KMST_MUT_FOREIGN_PROP:
		/* FB_ID is a plane property; a CRTC does not have it. */
		prop = kmst_afuzz_find_prop(pipe->primary, "FB_ID");
		s = add_set(c, pipe->crtc, "ACTIVE", 1);
		if (s && prop) {
			s->prop_id = prop->id;
			s->prop_name = NULL;
		}
		c->what = "a plane's FB_ID property on a CRTC";
		break;
	case KMST_MUT_RANGE:
		if (below(rng, 2) && (prop = pick_prop(pipe, rng, DRM_MODE_PROP_SIGNED_RANGE, &owner)))
			set_prop(c, owner, prop->name, (uint64_t)((int64_t)prop->max + 1 + below(rng, 1000)));
		else if ((prop = pick_prop(pipe, rng, DRM_MODE_PROP_RANGE, &owner)))
			set_prop(c, owner, prop->name, prop->max + 1 + below(rng, 1000));
		else
			return -ENOENT;
		c->what = "a value past the property's range";
		break;
	case KMST_MUT_ENUM: {
		uint64_t v = 0;
		unsigned int i;

		prop = pick_prop(pipe, rng, DRM_MODE_PROP_ENUM, &owner);
		if (!prop)
			return -ENOENT;
		for (i = 0; i < prop->enum_count; i++)
			if (prop->enum_values[i] >= v)
				v = prop->enum_values[i] + 1;
		set_prop(c, owner, prop->name, v + below(rng, 1000));
		c->what = "a value none of the enum's names have";
		break;
	}
	case KMST_MUT_IMMUTABLE:
		prop = immutable_prop(pipe->primary);
		if (!prop)
			return -ENOENT;
		add_set(c, pipe->primary, prop->name, 0);
		c->what = "a value for an immutable property";
		break;
	case KMST_MUT_BAD_FB:
	case KMST_MUT_STALE_FB:
	case KMST_MUT_FB_WRONG_TYPE:
		if (c->mutation == KMST_MUT_STALE_FB && !(c->bad_id = stale_fb(dev)))
			return -errno;
		if (c->mutation == KMST_MUT_FB_WRONG_TYPE)
			c->bad_id = pipe->crtc->id;
		s = set_prop(c, pipe->primary, "FB_ID", c->bad_id);
		if (s && c->mutation == KMST_MUT_FB_WRONG_TYPE)
			s->value_crtc = pipe->crtc->index;
		c->what = "FB_ID naming no framebuffer";
		break;
	case KMST_MUT_BAD_BLOB:
		set_prop(c, pipe->crtc, "MODE_ID", c->bad_id);
		c->flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		c->what = "MODE_ID naming no blob";
		break;
	case KMST_MUT_BLOB_SIZE:
		do
			len = 1 + below(rng, sizeof(junk));
		while (len == sizeof(drmModeModeInfo));
		memset(junk, (int)below(rng, 256), sizeof(junk));
		if (drmModeCreatePropertyBlob(dev->fd, junk, len, &c->temp_blob))
			return -errno;
		set_prop(c, pipe->crtc, "MODE_ID", c->temp_blob);
		c->flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		c->what = "MODE_ID naming a blob of the wrong size";
		break;
	case KMST_MUT_MODE_TIMINGS:
		mode = pipe->mode;
		switch (below(rng, 5)) {
		case 0: mode.clock = 0; break;
		case 1: mode.hsync_start = (uint16_t)(mode.hdisplay - 1); break;
		case 2: mode.vtotal = (uint16_t)(mode.vsync_end - 1); break;
		case 3: mode.hdisplay = 0; break;
		default: mode.clock = (uint32_t)INT_MAX + 1 + below(rng, 1000); break;
		}
		if (drmModeCreatePropertyBlob(dev->fd, &mode, sizeof(mode), &c->temp_blob))
			return -errno;
		set_prop(c, pipe->crtc, "MODE_ID", c->temp_blob);
		c->flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		c->what = "a mode with impossible timings";
		break;
	case KMST_MUT_MODESET_NOT_ALLOWED:
		set_prop(c, pipe->crtc, "ACTIVE", 0);
		c->flags &= ~DRM_MODE_ATOMIC_ALLOW_MODESET;
		c->what = "ACTIVE=0 without ALLOW_MODESET";
		break;
	case KMST_MUT_UNKNOWN_FLAG: {
		static const unsigned int bits[] = { 2, 3, 4, 5, 6, 7, 11, 12, 16, 24, 31 };

		c->flags |= 1u << bits[below(rng, sizeof(bits) / sizeof(bits[0]))];
		c->what = "a flag the uAPI does not define";
		break;
	}
	case KMST_MUT_ASYNC_FLAG:
		c->flags |= DRM_MODE_PAGE_FLIP_ASYNC;
		c->what = "DRM_MODE_PAGE_FLIP_ASYNC";
		break;
	case KMST_MUT_TEST_ONLY_EVENT:
		c->flags |= DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_PAGE_FLIP_EVENT;
		c->what = "TEST_ONLY with PAGE_FLIP_EVENT";
		break;
	case KMST_MUT_EVENT_NO_CRTC:
		c->set_count = 0;
		c->pipe_mask = 0;
		c->flags = DRM_MODE_PAGE_FLIP_EVENT | (below(rng, 2) ? DRM_MODE_ATOMIC_NONBLOCK : 0);
		c->what = "PAGE_FLIP_EVENT on a commit of no CRTC";
		break;
	case KMST_MUT_SRC_OUTSIDE_FB:
		if (below(rng, 2))
			set_prop(c, pipe->primary, "SRC_W", (w + 1 + below(rng, 4096)) << 16);
		else
			set_prop(c, pipe->primary, "SRC_X", (uint64_t)(1 + below(rng, (unsigned int)w)) << 16);
		c->what = "a source rectangle past the framebuffer";
		break;
	case KMST_MUT_CRTC_RECT_OVERFLOW:
		set_prop(c, pipe->primary, "CRTC_X", (uint64_t)(INT_MAX - below(rng, (unsigned int)w - 1)));
		c->what = "CRTC_X + CRTC_W past INT_MAX";
		break;
	case KMST_MUT_FB_WITHOUT_CRTC:
		set_prop(c, pipe->primary, "CRTC_ID", 0);
		c->what = "FB_ID with CRTC_ID 0";
		break;
	case KMST_MUT_PLANE_OFFSCREEN:
	case KMST_MUT_PLANE_PARTLY_OFF: {
		const struct kmst_afuzz_obj *plane = pipe->cursor ? pipe->cursor : pipe->primary;
		bool small = plane != pipe->primary;
		uint64_t pw = small ? dev->small_w : w, ph = small ? dev->small_h : h;
		int64_t x, y;

		if (c->mutation == KMST_MUT_PLANE_OFFSCREEN) {
			x = below(rng, 2) ? -(int64_t)pw - 1 - below(rng, 1000) : (int64_t)w + below(rng, 1000);
			y = below(rng, (unsigned int)h);
		} else {
			x = below(rng, 2) ? -(int64_t)(pw / 2) : (int64_t)(w - pw / 2);
			y = below(rng, 2) ? -(int64_t)(ph / 2) : (int64_t)(h - ph / 2);
		}
		s = set_prop(c, plane, "FB_ID", small ? dev->small_fb : pipe->fbs[pipe->front ^ 1]);
		if (s && !small)
			s->value_pipe_fb = c->pipe;
		s = set_prop(c, plane, "CRTC_ID", pipe->crtc->id);
		if (s)
			s->value_crtc = pipe->crtc->index;
		set_prop(c, plane, "SRC_X", 0);
		set_prop(c, plane, "SRC_Y", 0);
		set_prop(c, plane, "SRC_W", pw << 16);
		set_prop(c, plane, "SRC_H", ph << 16);
		set_prop(c, plane, "CRTC_X", (uint64_t)x);
		set_prop(c, plane, "CRTC_Y", (uint64_t)y);
		set_prop(c, plane, "CRTC_W", pw);
		set_prop(c, plane, "CRTC_H", ph);
		c->what = "a plane placed off the CRTC";
		break;
	}
	case KMST_MUT_NONBLOCK_STORM:
		c->storm = 4 + below(rng, 13);
		c->flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
		c->what = "back-to-back nonblocking flips";
		break;
	case KMST_MUT_RMFB_IN_USE: {
		uint32_t fb = kmst_afuzz_make_fb(dev, (unsigned int)w, (unsigned int)h, &c->temp_handle);

		if (!fb)
			return -errno;
		c->temp_fb = fb;
		s = set_prop(c, pipe->primary, "FB_ID", fb);
		c->flags &= ~(DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_NONBLOCK);
		c->what = "the framebuffer being scanned out removed";
		break;
	}
	case KMST_MUT_LEGACY_SETCRTC_BAD_FB:
	case KMST_MUT_LEGACY_PAGE_FLIP_BAD_FB:
	case KMST_MUT_LEGACY_SETCRTC:
	case KMST_MUT_LEGACY_PAGE_FLIP:
	case KMST_MUT_LEGACY_CURSOR_MOVE:
		c->set_count = 0;
		c->legacy_x = (int32_t)below(rng, (unsigned int)(w > 64 ? w - 64 : 1));
		c->legacy_y = (int32_t)below(rng, (unsigned int)(h > 64 ? h - 64 : 1));
		c->what = "a legacy ioctl between atomic commits";
		break;
	case KMST_MUT_COUNT:
		return -EINVAL;
	}
	return 0;
}

int kmst_afuzz_case_build(struct kmst_afuzz_dev *dev, uint64_t seed, unsigned long long number,
			  struct kmst_afuzz_case *c)
{
	uint64_t rng = seed ^ (number * 0xd1342543de82ef95ull);
	unsigned int p;
	int err;

	memset(c, 0, sizeof(*c));
	c->seed = seed;
	c->number = number;
	next(&rng);
	/* A third valid commits, the rest spread over the mutations. */
	c->mutation = below(&rng, 3) ? (enum kmst_afuzz_mutation)(1 + below(&rng, KMST_MUT_COUNT - 1))
				     : KMST_MUT_NONE;
	/* Every combination of the four flags; TEST_ONLY with EVENT is its own mutation. */
	c->flags = (below(&rng, 2) ? DRM_MODE_ATOMIC_TEST_ONLY : 0) |
		   (below(&rng, 2) ? DRM_MODE_ATOMIC_NONBLOCK : 0) |
		   (below(&rng, 2) ? DRM_MODE_ATOMIC_ALLOW_MODESET : 0) |
		   (below(&rng, 2) ? DRM_MODE_PAGE_FLIP_EVENT : 0);
	if ((c->flags & DRM_MODE_ATOMIC_TEST_ONLY) && (c->flags & DRM_MODE_PAGE_FLIP_EVENT)) {
		if (c->mutation == KMST_MUT_NONE)
			c->mutation = KMST_MUT_TEST_ONLY_EVENT;
		else
			c->flags &= ~DRM_MODE_PAGE_FLIP_EVENT;
	}
	c->pipe = (int)below(&rng, dev->pipe_count);
	c->pipe_mask = 1u << c->pipe;
	for (p = 0; p < dev->pipe_count; p++)
		if (below(&rng, 2))
			c->pipe_mask |= 1u << p;
	for (p = 0; p < dev->pipe_count; p++)
		if (c->pipe_mask & (1u << p))
			add_flip(dev, c, p);
	c->what = "a flip of the primary planes";
	err = mutate(dev, c, &rng);
	if (err == -ENOENT) {
		/* The device has no property of the kind: the valid commit instead. */
		c->mutation = KMST_MUT_NONE;
		c->what = "a flip of the primary planes";
		err = 0;
	}
	return err;
}

void kmst_afuzz_case_release(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c)
{
	if (c->temp_blob)
		drmModeDestroyPropertyBlob(dev->fd, c->temp_blob);
	if (c->temp_fb || c->temp_handle)
		kmst_afuzz_drop_fb(dev, c->temp_fb, c->temp_handle);
	c->temp_blob = c->temp_fb = c->temp_handle = 0;
}
