// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/meta.h"

/* Copy the LEN bytes at SRC into DST (size DST_LEN), NUL-terminated. */
static void copy_field(char *dst, size_t dst_len, const char *src, size_t len)
{
	if (len >= dst_len)
		len = dst_len - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "NAME DETAIL" into a prog entry. */
static void parse_prog(struct kmst_meta_prog *prog, const char *value, size_t len)
{
	size_t name_len = strcspn(value, " ");

	if (name_len > len)
		name_len = len;
	copy_field(prog->name, sizeof(prog->name), value, name_len);
	if (name_len < len)
		copy_field(prog->detail, sizeof(prog->detail), value + name_len + 1, len - name_len - 1);
	else
		prog->detail[0] = '\0';
}

/* "cardN WHAT" */
static void parse_trait(struct kmst_meta *meta, const char *value, size_t len)
{
	struct kmst_meta_trait *trait;
	char *end;
	long minor;

	if (meta->trait_count == KMST_META_TRAITS || len < 6 || strncmp(value, "card", 4))
		return;
	minor = strtol(value + 4, &end, 10);
	if (end == value + 4 || *end != ' ' || (size_t)(end - value) >= len)
		return;
	trait = &meta->traits[meta->trait_count++];
	trait->minor = (int)minor;
	copy_field(trait->what, sizeof(trait->what), end + 1, len - (size_t)(end + 1 - value));
}

static void parse_line(struct kmst_meta *meta, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	size_t key_len, value_len;
	const char *value;
	char number[24];

	if (!eq)
		return;
	key_len = (size_t)(eq - line);
	value = eq + 1;
	value_len = len - key_len - 1;
#define KEY_IS(k) (key_len == sizeof(k) - 1 && !memcmp(line, k, key_len))
	if (KEY_IS("kernel")) {
		copy_field(meta->kernel, sizeof(meta->kernel), value, value_len);
	} else if (KEY_IS("driver")) {
		copy_field(meta->driver, sizeof(meta->driver), value, value_len);
	} else if (KEY_IS("device")) {
		copy_field(meta->device, sizeof(meta->device), value, value_len);
	} else if (KEY_IS("tool")) {
		copy_field(meta->tool, sizeof(meta->tool), value, value_len);
	} else if (KEY_IS("seq")) {
		copy_field(meta->seq, sizeof(meta->seq), value, value_len);
	} else if (KEY_IS("minor")) {
		copy_field(number, sizeof(number), value, value_len);
		meta->minor = atoi(number);
	} else if (KEY_IS("commit_base")) {
		copy_field(number, sizeof(number), value, value_len);
		meta->commit_base = (uint32_t)strtoul(number, NULL, 10);
	} else if (KEY_IS("trait")) {
		parse_trait(meta, value, value_len);
	} else if (KEY_IS("prog")) {
		if (meta->prog_count < KMST_META_PROGS)
			parse_prog(&meta->progs[meta->prog_count++], value, value_len);
	} else if (KEY_IS("missing")) {
		if (meta->missing_count < KMST_META_MISSING)
			parse_prog(&meta->missing[meta->missing_count++], value, value_len);
	}
#undef KEY_IS
}

void kmst_meta_parse(const char *text, struct kmst_meta *meta)
{
	const char *line = text;

	memset(meta, 0, sizeof(*meta));
	meta->minor = -1;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		parse_line(meta, line, len);
		line = eol ? eol + 1 : NULL;
	}
}

bool kmst_meta_has_trait(const struct kmst_meta *meta, int minor, const char *trait)
{
	unsigned int i;

	for (i = 0; i < meta->trait_count; i++)
		if ((minor < 0 || meta->traits[i].minor == minor) && !strcmp(meta->traits[i].what, trait))
			return true;
	return false;
}

bool kmst_meta_has_prog(const struct kmst_meta *meta, const char *name)
{
	unsigned int i;

	for (i = 0; i < meta->prog_count; i++)
		if (!strcmp(meta->progs[i].name, name))
			return true;
	return false;
}

const char *kmst_meta_missing(const struct kmst_meta *meta, const char *name)
{
	unsigned int i;

	for (i = 0; i < meta->missing_count; i++)
		if (!strcmp(meta->missing[i].name, name))
			return meta->missing[i].detail[0] ? meta->missing[i].detail : "not attached";
	return NULL;
}
