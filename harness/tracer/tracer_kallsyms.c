// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, read once: which module holds a function, and which
 * function a driver's vtable points at. Addresses stay in this process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/tracer_internal.h"

#define KALLSYMS "/proc/kallsyms"

static int cmp_addr(const void *a, const void *b)
{
	const struct kmst_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int kmst_ksyms_load(struct kmst_ksyms *ks)
{
	size_t cap = 0, pool_len = 0, pool_cap = 0, i;
	char line[512], name[256], module[128];
	unsigned long long addr;
	bool any_addr = false;
	char type;
	FILE *f;
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	f = fopen(KALLSYMS, "r");
	if (!f) {
		err = -errno;
		kmst_err("%s: cannot open: %s", KALLSYMS, strerror(errno));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t name_len, mod_len;
		int fields;

		module[0] = '\0';
		fields = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, module);
		if (fields < 3 || (type != 't' && type != 'T'))
			continue;
		if (addr)
			any_addr = true;
		if (ks->count == cap) {
			struct kmst_ksym *bigger;

			cap = cap ? cap * 2 : 65536;
			bigger = realloc(ks->syms, cap * sizeof(*bigger));
			if (!bigger)
				goto err_nomem;
			ks->syms = bigger;
		}
		name_len = strlen(name) + 1;
		mod_len = strlen(module) + 1;
		if (pool_len + name_len + mod_len > pool_cap) {
			char *bigger;

			pool_cap = pool_cap ? pool_cap * 2 : 1 << 22;
			bigger = realloc(ks->pool, pool_cap);
			if (!bigger)
				goto err_nomem;
			ks->pool = bigger;
		}
		/* Offsets for now: the pool may still move. */
		ks->syms[ks->count].addr = addr;
		ks->syms[ks->count].name = (const char *)(uintptr_t)pool_len;
		memcpy(ks->pool + pool_len, name, name_len);
		pool_len += name_len;
		ks->syms[ks->count].module = (const char *)(uintptr_t)pool_len;
		memcpy(ks->pool + pool_len, module, mod_len);
		pool_len += mod_len;
		ks->count++;
	}
	fclose(f);
	for (i = 0; i < ks->count; i++) {
		ks->syms[i].name = ks->pool + (uintptr_t)ks->syms[i].name;
		ks->syms[i].module = ks->pool + (uintptr_t)ks->syms[i].module;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), cmp_addr);
	ks->addrs_hidden = !any_addr;
	return 0;

err_nomem:
	fclose(f);
	kmst_err("%s: out of memory after %zu symbols", KALLSYMS, ks->count);
	kmst_ksyms_free(ks);
	return -ENOMEM;
}

const struct kmst_ksym *kmst_ksyms_by_addr(const struct kmst_ksyms *ks, unsigned long long addr)
{
	size_t lo = 0, hi = ks->count;

	if (!addr || ks->addrs_hidden)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr == addr)
			return &ks->syms[mid];
		if (ks->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct kmst_ksym *kmst_ksyms_by_name(const struct kmst_ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->count; i++)
		if (ks->syms[i].name[0] == name[0] && !strcmp(ks->syms[i].name, name))
			return &ks->syms[i];
	return NULL;
}

void kmst_ksyms_free(struct kmst_ksyms *ks)
{
	free(ks->syms);
	free(ks->pool);
	memset(ks, 0, sizeof(*ks));
}
