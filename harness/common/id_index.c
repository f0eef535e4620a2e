// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "common/id_index.h"

static unsigned int slot_of(uint32_t id, unsigned int cap)
{
	return (id * 2654435761u) & (cap - 1);
}

uint32_t kmst_id_index_find(const struct kmst_id_index *ix, uint32_t id)
{
	unsigned int i;

	if (!id || !ix->cap)
		return KMST_ID_NONE;
	for (i = slot_of(id, ix->cap); ix->slots[i].id; i = (i + 1) & (ix->cap - 1))
		if (ix->slots[i].id == id)
			return ix->slots[i].index;
	return KMST_ID_NONE;
}

static void place(struct kmst_id_slot *slots, unsigned int cap, struct kmst_id_slot slot)
{
	unsigned int i = slot_of(slot.id, cap);

	while (slots[i].id)
		i = (i + 1) & (cap - 1);
	slots[i] = slot;
}

static int grow(struct kmst_id_index *ix)
{
	unsigned int cap = ix->cap ? ix->cap * 2 : 64, i;
	struct kmst_id_slot *slots;

	if (!cap)
		return -1;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].id)
			place(slots, cap, ix->slots[i]);
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return 0;
}

uint32_t kmst_id_index_get(struct kmst_id_index *ix, uint32_t id)
{
	uint32_t index = kmst_id_index_find(ix, id);

	if (index != KMST_ID_NONE)
		return index;
	/* Keep the load under one half so probes stay short. */
	if ((ix->count + 1) * 2 > ix->cap && grow(ix))
		return KMST_ID_NONE;
	place(ix->slots, ix->cap, (struct kmst_id_slot){ id, ix->count });
	return ix->count++;
}

void kmst_id_index_free(struct kmst_id_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->cap = ix->count = 0;
}
