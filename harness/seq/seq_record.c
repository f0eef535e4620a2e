// SPDX-License-Identifier: GPL-2.0
/*
 * A recording holds raw object ids. The symbolic form is rebuilt from
 * what the client did with them: an object with FB_ID/SRC_* is a plane,
 * one with MODE_ID/ACTIVE a CRTC, one with only CRTC_ID a connector; the
 * values of CRTC_ID name the CRTCs. Indices follow object id order (DRM
 * assigns ids in creation order, which is also index order). Within a
 * CRTC, the plane with the lowest id is taken as the primary, a plane only
 * ever showing framebuffers of at most 256x256 with a higher id as the
 * cursor (the highest such id: a CRTC has one cursor), and the rest as
 * overlays in id order. The rules are written
 * down in traces/FORMAT.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "common/exit.h"
#include "common/log.h"
#include "common/grow.h"
#include "seq/seq_record.h"
#include "trace/tracefile.h"

#define CURSOR_MAX 256

struct prop_name {
	uint32_t id;
	char name[KMST_REC_NAME_LEN + 1];
};

struct blob_mode {
	uint32_t id;
	unsigned int w, h, refresh;
};

struct fb_map {
	uint32_t id;
	int seq_fb;
};

enum obj_class { OBJ_UNKNOWN, OBJ_CRTC, OBJ_CONNECTOR, OBJ_PLANE };

struct object {
	uint32_t id;
	enum obj_class class;
	uint32_t crtc_id;	/* planes and connectors: last CRTC_ID seen (0 none) */
	bool has_crtc_id;	/* CRTC_ID was set on it, 0 included */
	bool big_fb;		/* a plane that showed a framebuffer larger than a cursor */
	struct kmst_seq_ref ref;
};

struct recording {
	const char *trace;
	struct prop_name *names;
	unsigned int name_count, name_cap;
	struct blob_mode *blobs;
	unsigned int blob_count, blob_cap;
	struct fb_map *fbs;
	unsigned int fb_count, fb_cap;
	struct kmst_rec_atomic *commits;
	unsigned int commit_count, commit_cap;
	struct object *objects;
	unsigned int object_count, object_cap;
};

static const char *prop_name(const struct recording *rec, uint32_t id)
{
	unsigned int i;

	for (i = rec->name_count; i-- > 0;)
		if (rec->names[i].id == id)
			return rec->names[i].name;
	return NULL;
}

static struct object *object_get(struct recording *rec, uint32_t id)
{
	struct object *obj;
	unsigned int i;

	for (i = 0; i < rec->object_count; i++)
		if (rec->objects[i].id == id)
			return &rec->objects[i];
	obj = kmst_grow((void **)&rec->objects, &rec->object_cap, rec->object_count, sizeof(*obj));
	if (!obj)
		return NULL;
	memset(obj, 0, sizeof(*obj));
	obj->id = id;
	rec->object_count++;
	return obj;
}

static int fb_of(const struct recording *rec, uint32_t id)
{
	unsigned int i;

	for (i = rec->fb_count; i-- > 0;)
		if (rec->fbs[i].id == id)
			return rec->fbs[i].seq_fb;
	return -1;
}

static const struct blob_mode *blob_of(const struct recording *rec, uint32_t id)
{
	unsigned int i;

	for (i = rec->blob_count; i-- > 0;)
		if (rec->blobs[i].id == id)
			return &rec->blobs[i];
	return NULL;
}

static bool is_plane_prop(const char *name)
{
	static const char *const names[] = { "FB_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H",
					     "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H", "zpos",
					     "alpha", "rotation", "pixel blend mode", "IN_FENCE_FD",
					     "FB_DAMAGE_CLIPS", "COLOR_ENCODING", "COLOR_RANGE" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static bool is_crtc_prop(const char *name)
{
	static const char *const names[] = { "MODE_ID", "ACTIVE", "OUT_FENCE_PTR", "VRR_ENABLED",
					     "GAMMA_LUT", "DEGAMMA_LUT", "CTM" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int collect(struct recording *rec, struct kmst_seq *seq)
{
	const struct kmst_event *ev;
	struct kmst_reader reader;
	int ret;

	if (kmst_reader_open(&reader, rec->trace))
		return KMST_EXIT_BAD_INPUT;
	while ((ret = kmst_reader_next(&reader, &ev)) == 1) {
		if (ev->type == KMST_EV_REC_PROPERTY_NAME && ev->size >= sizeof(struct kmst_rec_prop_name)) {
			const struct kmst_rec_prop_name *r = (const void *)ev;
			struct prop_name *slot = kmst_grow((void **)&rec->names, &rec->name_cap,
						      rec->name_count, sizeof(*slot));

			if (!slot)
				goto oom;
			slot->id = (uint32_t)r->head.arg0;
			memcpy(slot->name, r->name, KMST_REC_NAME_LEN);
			slot->name[KMST_REC_NAME_LEN] = '\0';
			rec->name_count++;
		} else if (ev->type == KMST_EV_REC_CREATEPROPBLOB &&
			   ev->size >= sizeof(struct kmst_rec_blob) && ev->ret == 0) {
			const struct kmst_rec_blob *r = (const void *)ev;
			struct drm_mode_modeinfo mode;
			struct blob_mode *slot;

			if (r->length != sizeof(mode))
				continue;
			memcpy(&mode, r->data, sizeof(mode));
			slot = kmst_grow((void **)&rec->blobs, &rec->blob_cap, rec->blob_count, sizeof(*slot));
			if (!slot)
				goto oom;
			slot->id = r->blob_id;
			slot->w = mode.hdisplay;
			slot->h = mode.vdisplay;
			slot->refresh = mode.vrefresh;
			if (!slot->refresh && mode.htotal && mode.vtotal) {
				/* In 64 bits: two u16 totals multiply past an int. */
				unsigned long long frame = (unsigned long long)mode.htotal * mode.vtotal;

				slot->refresh = (unsigned int)((mode.clock * 1000ull + frame / 2) / frame);
			}
			rec->blob_count++;
		} else if (ev->type == KMST_EV_REC_ADDFB2 && ev->size >= sizeof(struct kmst_rec_addfb2) &&
			   ev->ret == 0) {
			const struct kmst_rec_addfb2 *r = (const void *)ev;
			struct kmst_seq_fb fb = { 0 };
			struct fb_map *slot;

			if (!kmst_format_cpp(r->pixel_format)) {
				kmst_err("%s: record %llu: framebuffer %u has a pixel format (0x%08x) replay cannot create",
					 rec->trace, reader.records, r->fb_id, r->pixel_format);
				goto err;
			}
			if (!r->width || !r->height || r->width > KMST_SEQ_MAX_FB_SIZE ||
			    r->height > KMST_SEQ_MAX_FB_SIZE) {
				kmst_err("%s: record %llu: framebuffer %u is %ux%u; a sequence holds 1 to %d "
					 "pixels each way",
					 rec->trace, reader.records, r->fb_id, r->width, r->height,
					 KMST_SEQ_MAX_FB_SIZE);
				goto err;
			}
			snprintf(fb.name, sizeof(fb.name), "fb%u", seq->fb_count);
			fb.format = r->pixel_format;
			fb.width = r->width;
			fb.height = r->height;
			fb.fill = KMST_FILL_GRADIENT;
			slot = kmst_grow((void **)&rec->fbs, &rec->fb_cap, rec->fb_count, sizeof(*slot));
			if (!slot || kmst_seq_add_fb(seq, &fb))
				goto oom;
			slot->id = r->fb_id;
			slot->seq_fb = (int)seq->fb_count - 1;
			rec->fb_count++;
		} else if (ev->type == KMST_EV_REC_ATOMIC && ev->size >= sizeof(struct kmst_rec_atomic)) {
			struct kmst_rec_atomic *slot = kmst_grow((void **)&rec->commits, &rec->commit_cap,
							    rec->commit_count, sizeof(*slot));

			if (!slot)
				goto oom;
			memcpy(slot, ev, sizeof(*slot));
			if (slot->truncated) {
				kmst_err("%s: record %llu: the atomic commit was cut at %d objects/%d properties "
					 "when recorded; it cannot be replayed faithfully",
					 rec->trace, reader.records, KMST_REC_MAX_OBJS, KMST_REC_MAX_PROPS);
				goto err;
			}
			rec->commit_count++;
		}
	}
	kmst_reader_close(&reader);
	if (ret < 0)
		return KMST_EXIT_BAD_INPUT;
	if (!rec->commit_count) {
		kmst_err("%s: no recorded atomic commits (REC_ATOMIC records): record with the recorder on",
			 rec->trace);
		return KMST_EXIT_BAD_INPUT;
	}
	return 0;
oom:
	kmst_err("%s: out of memory", rec->trace);
err:
	kmst_reader_close(&reader);
	return KMST_EXIT_BAD_INPUT;
}

/* Visit each (object, property name, value) of commit C. */
#define for_each_commit_prop(rec, c, o, p)                                              \
	for (o = 0, p = 0; o < (c)->count_objs && o < KMST_REC_MAX_OBJS; o++)          \
		for (unsigned int _n = 0; _n < (c)->obj_prop_counts[o] && p < KMST_REC_MAX_PROPS; \
		     _n++, p++)

/*
 * An object keeps one kind: DRM's object ids are unique across CRTCs,
 * planes and connectors, so a recording that uses one id as two kinds is
 * damaged, and no name given to it could be replayed.
 */
static int set_class(const struct recording *rec, unsigned int commit, struct object *obj,
		     enum obj_class class)
{
	static const char *const names[] = {
		[OBJ_UNKNOWN] = "?", [OBJ_CRTC] = "CRTC", [OBJ_CONNECTOR] = "connector",
		[OBJ_PLANE] = "plane",
	};

	if (obj->class != OBJ_UNKNOWN && obj->class != class) {
		kmst_err("%s: commit %u uses object %u as a %s after using it as a %s", rec->trace,
			 commit, obj->id, names[class], names[obj->class]);
		return -1;
	}
	obj->class = class;
	return 0;
}

static int classify(struct recording *rec)
{
	unsigned int i, o, p;

	for (i = 0; i < rec->commit_count; i++) {
		const struct kmst_rec_atomic *c = &rec->commits[i];

		for_each_commit_prop(rec, c, o, p) {
			const char *name = prop_name(rec, c->prop_ids[p]);
			struct object *obj = object_get(rec, c->obj_ids[o]);

			if (!obj)
				return -ENOMEM;
			if (!name) {
				kmst_err("%s: commit %u sets property id %u, whose name was not recorded",
					 rec->trace, i + 1, c->prop_ids[p]);
				return -EINVAL;
			}
			if (is_plane_prop(name)) {
				if (set_class(rec, i + 1, obj, OBJ_PLANE))
					return -EINVAL;
			} else if (is_crtc_prop(name)) {
				if (set_class(rec, i + 1, obj, OBJ_CRTC))
					return -EINVAL;
			} else if (!strcmp(name, "CRTC_ID")) {
				struct object *crtc = c->prop_values[p] ?
							      object_get(rec, (uint32_t)c->prop_values[p]) :
							      NULL;

				if (c->prop_values[p] && !crtc)
					return -ENOMEM;
				if (crtc && set_class(rec, i + 1, crtc, OBJ_CRTC))
					return -EINVAL;
				obj = object_get(rec, c->obj_ids[o]);
				obj->has_crtc_id = true;
				if (c->prop_values[p])
					obj->crtc_id = (uint32_t)c->prop_values[p];
			}
		}
	}
	/* An object that only ever had CRTC_ID set is a connector, also one only ever detached (0). */
	for (i = 0; i < rec->object_count; i++)
		if (rec->objects[i].class == OBJ_UNKNOWN && rec->objects[i].has_crtc_id)
			rec->objects[i].class = OBJ_CONNECTOR;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct object *x = *(const struct object *const *)a, *y = *(const struct object *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int crtc_index(const struct recording *rec, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < rec->object_count; i++)
		if (rec->objects[i].id == id && rec->objects[i].class == OBJ_CRTC)
			return rec->objects[i].ref.index;
	return -1;
}

/*
 * A CRTC has one cursor: of the planes on it that only ever showed small
 * framebuffers, the one with the highest id (drivers create the cursor
 * last). Is there such a plane on sorted[i]'s CRTC after it?
 */
static bool later_small_plane(struct object *const *sorted, unsigned int count, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < count; j++)
		if (sorted[j]->class == OBJ_PLANE && sorted[j]->crtc_id == sorted[i]->crtc_id &&
		    !sorted[j]->big_fb)
			return true;
	return false;
}

/* Give every object its symbolic name, following the header comment's rules. */
static int name_objects(struct recording *rec, const struct kmst_seq *seq)
{
	struct object **sorted = calloc(rec->object_count ? rec->object_count : 1, sizeof(*sorted));
	unsigned int i, o, p, crtcs = 0, connectors = 0, planes = 0;

	if (!sorted)
		return -ENOMEM;
	/* Planes that ever showed a framebuffer bigger than a cursor. */
	for (i = 0; i < rec->commit_count; i++) {
		const struct kmst_rec_atomic *c = &rec->commits[i];

		for_each_commit_prop(rec, c, o, p) {
			const char *name = prop_name(rec, c->prop_ids[p]);
			int fb;

			if (strcmp(name, "FB_ID") || !c->prop_values[p])
				continue;
			fb = fb_of(rec, (uint32_t)c->prop_values[p]);
			if (fb < 0 || seq->fbs[fb].width > CURSOR_MAX || seq->fbs[fb].height > CURSOR_MAX)
				object_get(rec, c->obj_ids[o])->big_fb = true;
		}
	}
	for (i = 0; i < rec->object_count; i++)
		sorted[i] = &rec->objects[i];
	qsort(sorted, rec->object_count, sizeof(*sorted), cmp_id);
	for (i = 0; i < rec->object_count; i++) {
		struct object *obj = sorted[i];

		if (obj->class == OBJ_CRTC) {
			obj->ref.kind = KMST_SEQ_CRTC;
			obj->ref.index = (int)crtcs++;
		} else if (obj->class == OBJ_CONNECTOR) {
			obj->ref.kind = KMST_SEQ_CONNECTOR;
			obj->ref.index = (int)connectors++;
		}
	}
	for (i = 0; i < rec->object_count; i++) {
		struct object *obj = sorted[i];
		unsigned int j, overlays = 0;
		bool primary_taken = false;
		int crtc;

		if (obj->class != OBJ_PLANE)
			continue;
		crtc = obj->crtc_id ? crtc_index(rec, obj->crtc_id) : -1;
		obj->ref.kind = KMST_SEQ_PLANE;
		if (crtc < 0) {
			/* Never attached to a CRTC in the recording: only its position is known. */
			obj->ref.plane_type = KMST_SEQ_PLANE_ANY;
			obj->ref.index = (int)planes++;
			continue;
		}
		planes++;
		obj->ref.index = crtc;
		for (j = 0; j < i; j++)
			if (sorted[j]->class == OBJ_PLANE && sorted[j]->crtc_id == obj->crtc_id) {
				if (sorted[j]->ref.plane_type == KMST_SEQ_PLANE_PRIMARY)
					primary_taken = true;
				else if (sorted[j]->ref.plane_type == KMST_SEQ_PLANE_OVERLAY)
					overlays++;
			}
		if (!primary_taken && obj->big_fb)
			obj->ref.plane_type = KMST_SEQ_PLANE_PRIMARY;
		else if (!obj->big_fb && !later_small_plane(sorted, rec->object_count, i))
			obj->ref.plane_type = KMST_SEQ_PLANE_CURSOR;
		else {
			obj->ref.plane_type = KMST_SEQ_PLANE_OVERLAY;
			obj->ref.plane_nth = (int)overlays + 1;
		}
	}
	for (i = 0; i < rec->object_count; i++) {
		const struct object *obj = sorted[i];
		char name[64];

		if (obj->ref.index <= KMST_SEQ_MAX_INDEX && obj->ref.plane_nth <= KMST_SEQ_MAX_OVERLAY)
			continue;
		kmst_seq_ref_format(seq, &obj->ref, name, sizeof(name));
		kmst_err("%s: object %u would be %s, beyond what a sequence can name (indices up to %d, "
			 "overlays up to %d)",
			 rec->trace, obj->id, name, KMST_SEQ_MAX_INDEX, KMST_SEQ_MAX_OVERLAY);
		free(sorted);
		return -EINVAL;
	}
	free(sorted);
	return 0;
}

static int convert_value(struct recording *rec, unsigned int commit, const char *name, uint64_t raw,
			 struct kmst_seq_value *value)
{
	memset(value, 0, sizeof(*value));
	if (!strcmp(name, "FB_ID") || !strcmp(name, "CRTC_ID") || !strcmp(name, "MODE_ID")) {
		value->is_ref = true;
		if (!raw) {
			value->ref.kind = KMST_SEQ_NONE;
			return 0;
		}
	}
	if (!strcmp(name, "FB_ID") && raw) {
		value->ref.kind = KMST_SEQ_FB;
		value->ref.fb = fb_of(rec, (uint32_t)raw);
		if (value->ref.fb < 0) {
			kmst_err("%s: commit %u uses framebuffer %llu, whose ADDFB2 was not recorded",
				 rec->trace, commit, (unsigned long long)raw);
			return -EINVAL;
		}
	} else if (!strcmp(name, "CRTC_ID") && raw) {
		value->ref.kind = KMST_SEQ_CRTC;
		value->ref.index = crtc_index(rec, (uint32_t)raw);
	} else if (!strcmp(name, "MODE_ID") && raw) {
		const struct blob_mode *mode = blob_of(rec, (uint32_t)raw);

		if (!mode) {
			kmst_err("%s: commit %u uses mode blob %llu, whose CREATEPROPBLOB was not recorded",
				 rec->trace, commit, (unsigned long long)raw);
			return -EINVAL;
		}
		if (!mode->w || !mode->h || !mode->refresh) {
			kmst_err("%s: commit %u uses mode blob %llu, a %ux%u mode at %u Hz, which a sequence "
				 "cannot name (blob:mode:WxH@R, none of them 0)",
				 rec->trace, commit, (unsigned long long)raw, mode->w, mode->h, mode->refresh);
			return -EINVAL;
		}
		value->ref.kind = KMST_SEQ_MODE_BLOB;
		value->ref.mode_w = mode->w;
		value->ref.mode_h = mode->h;
		value->ref.mode_refresh = mode->refresh;
	} else if (!value->is_ref) {
		value->number = (int64_t)raw;
	}
	return 0;
}

/*
 * NAME as a sequence spells it (traces/FORMAT.md): a space becomes `_`.
 * A name that cannot be written as one PROPERTY=VALUE word (empty, too
 * long, with `=`, a leading `#` or a byte that is not printable ASCII) is
 * refused: the kernel never names a property so, the file is damaged.
 */
static int spell_prop_name(const struct recording *rec, unsigned int commit, uint32_t prop_id,
			   const char *name, char seq_name[KMST_SEQ_NAME_LEN])
{
	size_t i, len = strlen(name);

	for (i = 0; i < len && len < KMST_SEQ_NAME_LEN; i++) {
		if (name[i] == ' ')
			seq_name[i] = '_';
		else if (name[i] > ' ' && name[i] < 0x7f && name[i] != '=' && (i || name[i] != '#'))
			seq_name[i] = name[i];
		else
			break;
	}
	if (!len || i < len) {
		kmst_err("%s: commit %u sets property id %u, whose recorded name cannot be written in a "
			 "sequence (1 to %d printable ASCII characters, no '=', no leading '#')",
			 rec->trace, commit, prop_id, KMST_SEQ_NAME_LEN - 1);
		return -EINVAL;
	}
	seq_name[len] = '\0';
	return 0;
}

/*
 * OBJ's property NAME if this object line sets it already. DRM applies a
 * property set twice in one ioctl in order, so the last value is the one
 * that counts; a sequence may name a property once per object line.
 */
static struct kmst_seq_prop *find_prop(struct kmst_seq *seq, const struct kmst_seq_object *obj,
				       const char *name)
{
	unsigned int i;

	for (i = obj->first_prop; i < obj->first_prop + obj->prop_count; i++)
		if (!strcmp(seq->props[i].name, name))
			return &seq->props[i];
	return NULL;
}

static int build_steps(struct recording *rec, struct kmst_seq *seq)
{
	unsigned int i, o, p;

	for (i = 0; i < rec->commit_count; i++) {
		const struct kmst_rec_atomic *c = &rec->commits[i];
		struct kmst_seq_step *step = kmst_seq_add_step(seq, KMST_STEP_COMMIT);
		struct kmst_seq_object *obj = NULL;
		unsigned int last_obj = ~0u;

		if (!step)
			return -ENOMEM;
		step->line = i + 1;
		if (c->flags & DRM_MODE_ATOMIC_TEST_ONLY)
			step->flags |= KMST_SEQ_F_TEST_ONLY;
		if (c->flags & DRM_MODE_ATOMIC_NONBLOCK)
			step->flags |= KMST_SEQ_F_NONBLOCK;
		if (c->flags & DRM_MODE_ATOMIC_ALLOW_MODESET)
			step->flags |= KMST_SEQ_F_ALLOW_MODESET;
		if (c->flags & DRM_MODE_PAGE_FLIP_EVENT)
			step->flags |= KMST_SEQ_F_PAGE_FLIP_EVENT;
		if ((step->flags & KMST_SEQ_F_TEST_ONLY) && (step->flags & KMST_SEQ_F_PAGE_FLIP_EVENT)) {
			kmst_err("%s: commit %u has TEST_ONLY with PAGE_FLIP_EVENT, which DRM always refuses "
				 "and a sequence cannot hold",
				 rec->trace, i + 1);
			return -EINVAL;
		}
		/* An ioctl fails with -errno, errno at most the kernel's MAX_ERRNO (4095). */
		if (c->head.ret < -4095) {
			kmst_err("%s: commit %u returned %d, which is no errno", rec->trace, i + 1,
				 c->head.ret);
			return -EINVAL;
		}
		step->expect_count = 1;
		step->expect[0] = c->head.ret < 0 ? -c->head.ret : 0;
		if (!kmst_errno_name(step->expect[0])) {
			kmst_err("%s: commit %u failed with errno %d, which has no name in the sequence format",
				 rec->trace, i + 1, step->expect[0]);
			return -EINVAL;
		}
		for_each_commit_prop(rec, c, o, p) {
			const char *name = prop_name(rec, c->prop_ids[p]);
			char seq_name[KMST_SEQ_NAME_LEN];
			struct kmst_seq_value value;
			struct kmst_seq_prop *set;

			if (spell_prop_name(rec, i + 1, c->prop_ids[p], name, seq_name))
				return -EINVAL;
			if (o != last_obj) {
				const struct object *rec_obj = object_get(rec, c->obj_ids[o]);

				if (rec_obj->class == OBJ_UNKNOWN) {
					kmst_err("%s: commit %u sets properties of object %u, and no property it "
						 "was ever given says whether it is a CRTC, a plane or a connector",
						 rec->trace, i + 1, c->obj_ids[o]);
					return -EINVAL;
				}
				obj = kmst_seq_add_object(seq, step, &rec_obj->ref);
				if (!obj)
					return -ENOMEM;
				last_obj = o;
			}
			if (convert_value(rec, i + 1, name, c->prop_values[p], &value))
				return -EINVAL;
			set = find_prop(seq, obj, seq_name);
			if (set)
				set->value = value;
			else if (kmst_seq_add_prop(seq, obj, seq_name, &value))
				return -ENOMEM;
		}
		if ((step->flags & KMST_SEQ_F_PAGE_FLIP_EVENT) && step->expect[0] == 0 &&
		    !kmst_seq_add_step(seq, KMST_STEP_WAIT_EVENT))
			return -ENOMEM;
		if (seq->steps[seq->step_count - 1].kind == KMST_STEP_WAIT_EVENT)
			seq->steps[seq->step_count - 1].timeout_ms = 1000;
	}
	return 0;
}

int kmst_seq_from_trace(struct kmst_seq *seq, const char *trace)
{
	struct recording rec = { .trace = trace };
	int ret;

	memset(seq, 0, sizeof(*seq));
	seq->path = trace;
	seq->version = KMST_SEQ_VERSION;
	ret = collect(&rec, seq);
	if (ret)
		goto out;
	ret = classify(&rec);
	if (!ret)
		ret = name_objects(&rec, seq);
	if (!ret)
		ret = build_steps(&rec, seq);
	if (ret == -ENOMEM)
		kmst_err("%s: out of memory", trace);
	ret = ret ? KMST_EXIT_BAD_INPUT : 0;
out:
	free(rec.names);
	free(rec.blobs);
	free(rec.fbs);
	free(rec.commits);
	free(rec.objects);
	if (ret)
		kmst_seq_free(seq);
	return ret;
}
