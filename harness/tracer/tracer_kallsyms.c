// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, read once: which module holds a function, and which
 * function a driver's vtable points at. Addresses stay in this process.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/tracer_internal.h"

#define KALLSYMS "/proc/kallsyms"
/* One fread takes this much; lines are whole within it. */
#define KSYMS_READ_SIZE (1 << 20)

static int cmp_addr(const void *a, const void *b)
{
	const struct kmst_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * One line: "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]". Parsed by hand:
 * there are some 200,000 lines, and sscanf on each took seconds in a TCG
 * guest. NAME and MODULE point into LINE, which is NUL-terminated here.
 */
static bool parse_line(char *line, unsigned long long *addr, char *type, char **name,
		       char **module)
{
	char *end;

	*addr = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
		return false;
	*type = end[1];
	*name = end + 3;
	*module = NULL;
	for (end = *name; *end && *end != '\t' && *end != ' '; end++)
		;
	if (end == *name)
		return false;
	if (*end) {
		*end++ = '\0';
		while (*end == '\t' || *end == ' ')
			end++;
		if (*end == '[') {
			char *close = strchr(end, ']');

			if (close) {
				*close = '\0';
				*module = end + 1;
			}
		}
	}
	return true;
}

/* Append NAME and MODULE ("" for vmlinux) to the pool; offsets, as the pool may move. */
static int add_sym(struct kmst_ksyms *ks, size_t *cap, size_t *pool_len, size_t *pool_cap,
		   unsigned long long addr, const char *name, const char *module)
{
	size_t name_len = strlen(name) + 1, mod_len = strlen(module) + 1;

	if (ks->count == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 65536;
		struct kmst_ksym *bigger = realloc(ks->syms, new_cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		ks->syms = bigger;
		*cap = new_cap;
	}
	if (*pool_len + name_len + mod_len > *pool_cap) {
		size_t new_cap = *pool_cap ? *pool_cap * 2 : 1 << 22;
		char *bigger;

		while (*pool_len + name_len + mod_len > new_cap)
			new_cap *= 2;
		bigger = realloc(ks->pool, new_cap);
		if (!bigger)
			return -ENOMEM;
		ks->pool = bigger;
		*pool_cap = new_cap;
	}
	ks->syms[ks->count].addr = addr;
	ks->syms[ks->count].name = (const char *)(uintptr_t)*pool_len;
	memcpy(ks->pool + *pool_len, name, name_len);
	*pool_len += name_len;
	ks->syms[ks->count].module = (const char *)(uintptr_t)*pool_len;
	memcpy(ks->pool + *pool_len, module, mod_len);
	*pool_len += mod_len;
	ks->count++;
	return 0;
}

int kmst_ksyms_load(struct kmst_ksyms *ks)
{
	size_t cap = 0, pool_len = 0, pool_cap = 0, i;
	bool any_addr = false;
	size_t buf_len = 0;
	char *buf;
	FILE *f;
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	buf = malloc(KSYMS_READ_SIZE + 1);
	if (!buf) {
		kmst_err("%s: out of memory", KALLSYMS);
		return -ENOMEM;
	}
	f = fopen(KALLSYMS, "r");
	if (!f) {
		err = -errno;
		kmst_err("%s: cannot open: %s", KALLSYMS, strerror(errno));
		goto out_free_buf;
	}
	/* Whole lines from large reads: procfs hands out a page per small read. */
	for (;;) {
		size_t got = fread(buf + buf_len, 1, KSYMS_READ_SIZE - buf_len, f);
		char *line = buf, *nl;

		buf_len += got;
		buf[buf_len] = '\0';
		if (!got && buf_len && !memchr(buf, '\n', buf_len)) {
			buf[buf_len++] = '\n'; /* a last line without its newline */
			buf[buf_len] = '\0';
		}
		while ((nl = memchr(line, '\n', buf + buf_len - line))) {
			unsigned long long addr;
			char type, *name, *module;

			*nl = '\0';
			if (parse_line(line, &addr, &type, &name, &module) &&
			    (type == 't' || type == 'T')) {
				if (addr)
					any_addr = true;
				if (add_sym(ks, &cap, &pool_len, &pool_cap, addr, name,
					    module ? module : "")) {
					err = -ENOMEM;
					kmst_err("%s: out of memory after %zu symbols", KALLSYMS,
						 ks->count);
					goto out_close;
				}
			}
			line = nl + 1;
		}
		buf_len -= line - buf;
		memmove(buf, line, buf_len);
		if (!got)
			break;
		if (buf_len == KSYMS_READ_SIZE) {
			err = -EINVAL;
			kmst_err("%s: a line longer than %d bytes", KALLSYMS, KSYMS_READ_SIZE);
			goto out_close;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		kmst_err("%s: read error after %zu symbols", KALLSYMS, ks->count);
		goto out_close;
	}
	for (i = 0; i < ks->count; i++) {
		ks->syms[i].name = ks->pool + (uintptr_t)ks->syms[i].name;
		ks->syms[i].module = ks->pool + (uintptr_t)ks->syms[i].module;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), cmp_addr);
	ks->addrs_hidden = !any_addr;
out_close:
	fclose(f);
out_free_buf:
	free(buf);
	if (err)
		kmst_ksyms_free(ks);
	return err;
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
