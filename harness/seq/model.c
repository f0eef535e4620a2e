// SPDX-License-Identifier: GPL-2.0
/* The sequence in memory: building it, freeing it, and the names it uses (errnos, formats). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "common/log.h"
#include "common/grow.h"
#include "seq/seq.h"

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	{ ENOENT, "ENOENT" },	    { EINTR, "EINTR" },
	{ EIO, "EIO" },		{ ENXIO, "ENXIO" },	    { E2BIG, "E2BIG" },
	{ EBADF, "EBADF" },	{ EAGAIN, "EAGAIN" },	    { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },	{ EFAULT, "EFAULT" },	    { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },	{ ENODEV, "ENODEV" },	    { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },	{ ERANGE, "ERANGE" },	    { EDEADLK, "EDEADLK" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
};

const char *kmst_errno_name(int err)
{
	size_t i;

	if (err == 0)
		return "ok";
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

const char *kmst_errno_text(int err, char *buf, size_t len)
{
	const char *name = kmst_errno_name(err);

	if (name)
		return name;
	snprintf(buf, len, "errno %d", err);
	return buf;
}

int kmst_errno_from_name(const char *name)
{
	size_t i;

	if (!strcmp(name, "ok"))
		return 0;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].err;
	return -1;
}

static const struct {
	uint32_t fourcc;
	const char *name;
	unsigned int cpp;
} formats[] = {
	{ DRM_FORMAT_XRGB8888, "XRGB8888", 4 },
	{ DRM_FORMAT_ARGB8888, "ARGB8888", 4 },
	{ DRM_FORMAT_XBGR8888, "XBGR8888", 4 },
	{ DRM_FORMAT_ABGR8888, "ABGR8888", 4 },
	{ DRM_FORMAT_RGB565, "RGB565", 2 },
	{ DRM_FORMAT_XRGB16161616, "XRGB16161616", 8 },
	{ DRM_FORMAT_ARGB16161616, "ARGB16161616", 8 },
};

uint32_t kmst_format_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return formats[i].fourcc;
	return 0;
}

const char *kmst_format_name(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].name;
	return NULL;
}

unsigned int kmst_format_cpp(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].cpp;
	return 0;
}

int kmst_seq_add_fb(struct kmst_seq *seq, const struct kmst_seq_fb *fb)
{
	struct kmst_seq_fb *slot = kmst_grow((void **)&seq->fbs, &seq->fb_cap, seq->fb_count,
					sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	*slot = *fb;
	seq->fb_count++;
	return 0;
}

struct kmst_seq_step *kmst_seq_add_step(struct kmst_seq *seq, enum kmst_seq_step_kind kind)
{
	struct kmst_seq_step *step = kmst_grow((void **)&seq->steps, &seq->step_cap, seq->step_count,
					  sizeof(*step));

	if (!step)
		return NULL;
	memset(step, 0, sizeof(*step));
	step->kind = kind;
	step->crtc = 0;
	step->first_object = seq->object_count;
	seq->step_count++;
	return step;
}

struct kmst_seq_object *kmst_seq_add_object(struct kmst_seq *seq, struct kmst_seq_step *commit,
					    const struct kmst_seq_ref *ref)
{
	struct kmst_seq_object *obj = kmst_grow((void **)&seq->objects, &seq->object_cap,
					   seq->object_count, sizeof(*obj));

	if (!obj)
		return NULL;
	memset(obj, 0, sizeof(*obj));
	obj->ref = *ref;
	obj->first_prop = seq->prop_count;
	if (commit->object_count == 0)
		commit->first_object = seq->object_count;
	commit->object_count++;
	seq->object_count++;
	return obj;
}

int kmst_seq_add_prop(struct kmst_seq *seq, struct kmst_seq_object *obj, const char *name,
		      const struct kmst_seq_value *value)
{
	struct kmst_seq_prop *prop = kmst_grow((void **)&seq->props, &seq->prop_cap, seq->prop_count,
					  sizeof(*prop));

	if (!prop)
		return -ENOMEM;
	memset(prop, 0, sizeof(*prop));
	snprintf(prop->name, sizeof(prop->name), "%s", name);
	prop->value = *value;
	if (obj->prop_count == 0)
		obj->first_prop = seq->prop_count;
	obj->prop_count++;
	seq->prop_count++;
	return 0;
}

void kmst_seq_free(struct kmst_seq *seq)
{
	free(seq->fbs);
	free(seq->steps);
	free(seq->objects);
	free(seq->props);
	free(seq->requires);
	memset(seq, 0, sizeof(*seq));
}
