/* SPDX-License-Identifier: GPL-2.0 */
/* The one growable-array helper. */
#ifndef KMSTRACE_GROW_H
#define KMSTRACE_GROW_H

#include <stddef.h>

/*
 * Make room in *ARRAY (*CAP elements of SIZE bytes, COUNT used) for one
 * more, doubling from 16. Returns the free slot, or NULL (and *ARRAY
 * unchanged) when out of memory.
 */
void *kmst_grow(void **array, unsigned int *cap, unsigned int count, size_t size);

#endif
