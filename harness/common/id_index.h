/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dense indices for commit ids: the nth distinct id seen gets index n, so
 * per-commit tables grow with the commits a trace holds, not with the
 * largest id it names (a damaged trace can name any 32-bit id).
 */
#ifndef KMSTRACE_ID_INDEX_H
#define KMSTRACE_ID_INDEX_H

#include <stdint.h>

#define KMST_ID_NONE UINT32_MAX

struct kmst_id_index {
	struct kmst_id_slot {
		uint32_t id;	/* 0 = free (commit id 0 is "none" and never indexed) */
		uint32_t index;
	} *slots;		/* open addressing keyed by id */
	unsigned int cap;	/* a power of two, or 0 */
	unsigned int count;	/* ids indexed: the next index */
};

/* ID's index, or KMST_ID_NONE if it has none (or ID is 0). */
uint32_t kmst_id_index_find(const struct kmst_id_index *ix, uint32_t id);
/* ID's index, given the next one if it had none; KMST_ID_NONE when out of memory. ID != 0. */
uint32_t kmst_id_index_get(struct kmst_id_index *ix, uint32_t id);
void kmst_id_index_free(struct kmst_id_index *ix);

#endif
