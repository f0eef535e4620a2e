// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "common/grow.h"

void *kmst_grow(void **array, unsigned int *cap, unsigned int count, size_t size)
{
	if (count == *cap) {
		unsigned int new_cap = *cap ? *cap * 2 : 16;
		void *bigger = realloc(*array, (size_t)new_cap * size);

		if (!bigger)
			return NULL;
		*array = bigger;
		*cap = new_cap;
	}
	return (char *)*array + (size_t)count * size;
}
