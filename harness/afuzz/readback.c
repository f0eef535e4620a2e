// SPDX-License-Identifier: GPL-2.0
/* Every property of every object read back, so a rejected commit can be shown to change nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xf86drmMode.h>

#include "afuzz/afuzz.h"

int kmst_afuzz_snapshot_take(struct kmst_afuzz_dev *dev, struct kmst_afuzz_snapshot *snap)
{
	unsigned int o, i;

	snap->count = 0;
	for (o = 0; o < dev->obj_count; o++) {
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(dev->fd, dev->objs[o].id, dev->objs[o].type);

		if (!props)
			return -errno;
		for (i = 0; i < props->count_props && snap->count < sizeof(snap->value) / sizeof(snap->value[0]);
		     i++) {
			snap->obj_id[snap->count] = dev->objs[o].id;
			snap->prop_id[snap->count] = props->props[i];
			snap->value[snap->count++] = props->prop_values[i];
		}
		drmModeFreeObjectProperties(props);
	}
	return 0;
}

static const char *prop_name(const struct kmst_afuzz_dev *dev, uint32_t obj_id, uint32_t prop_id)
{
	unsigned int o, i;

	for (o = 0; o < dev->obj_count; o++)
		for (i = 0; dev->objs[o].id == obj_id && i < dev->objs[o].prop_count; i++)
			if (dev->objs[o].props[i].id == prop_id)
				return dev->objs[o].props[i].name;
	return "?";
}

bool kmst_afuzz_snapshot_differs(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_snapshot *a,
				 const struct kmst_afuzz_snapshot *b, char *why, size_t len)
{
	unsigned int i;

	if (a->count != b->count) {
		snprintf(why, len, "%u properties before, %u after", a->count, b->count);
		return true;
	}
	for (i = 0; i < a->count; i++) {
		if (a->obj_id[i] == b->obj_id[i] && a->prop_id[i] == b->prop_id[i] &&
		    a->value[i] == b->value[i])
			continue;
		snprintf(why, len, "object %u %s: %llu -> %llu", a->obj_id[i],
			 prop_name(dev, a->obj_id[i], a->prop_id[i]), (unsigned long long)a->value[i],
			 (unsigned long long)b->value[i]);
		return true;
	}
	return false;
}
