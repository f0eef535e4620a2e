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

/* "cardN REST": N, and REST in *REST (*REST_LEN bytes); -1 if VALUE is not that. */
static int parse_card(const char *value, size_t len, const char **rest, size_t *rest_len)
{
	char *end;
	long minor;

	if (len < 6 || strncmp(value, "card", 4))
		return -1;
	minor = strtol(value + 4, &end, 10);
	if (end == value + 4 || *end != ' ' || (size_t)(end - value) >= len || minor < 0)
		return -1;
	*rest = end + 1;
	*rest_len = len - (size_t)(end + 1 - value);
	return (int)minor;
}

/* "cardN WHAT" */
static void parse_trait(struct kmst_meta *meta, const char *value, size_t len)
{
	struct kmst_meta_trait *trait;
	const char *what;
	size_t what_len;
	int minor = parse_card(value, len, &what, &what_len);

	if (meta->trait_count == KMST_META_TRAITS || minor < 0)
		return;
	trait = &meta->traits[meta->trait_count++];
	trait->minor = minor;
	copy_field(trait->what, sizeof(trait->what), what, what_len);
}

/* "cardN WHAT SYMBOL" */
static void parse_callback(struct kmst_meta *meta, const char *value, size_t len)
{
	struct kmst_meta_prog pair;
	const char *rest;
	size_t rest_len;
	int minor = parse_card(value, len, &rest, &rest_len);

	if (meta->callback_count == KMST_META_CALLBACKS || minor < 0)
		return;
	parse_prog(&pair, rest, rest_len);
	meta->callbacks[meta->callback_count].minor = minor;
	copy_field(meta->callbacks[meta->callback_count].what, sizeof(meta->callbacks[0].what),
		   pair.name, strlen(pair.name));
	copy_field(meta->callbacks[meta->callback_count].name, sizeof(meta->callbacks[0].name),
		   pair.detail, strlen(pair.detail));
	meta->callback_count++;
}

/* "/dev/dri/cardN", owned by the driver named last. */
static void parse_device(struct kmst_meta *meta, const char *value, size_t len)
{
	static const char prefix[] = "/dev/dri/card";
	struct kmst_meta_device *dev;
	char number[24];

	if (meta->device_count == KMST_META_DEVICES || len <= sizeof(prefix) - 1 ||
	    memcmp(value, prefix, sizeof(prefix) - 1))
		return;
	copy_field(number, sizeof(number), value + sizeof(prefix) - 1, len - (sizeof(prefix) - 1));
	dev = &meta->devices[meta->device_count++];
	dev->minor = atoi(number);
	snprintf(dev->driver, sizeof(dev->driver), "%s", meta->driver);
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
		parse_device(meta, value, value_len);
	} else if (KEY_IS("callback")) {
		parse_callback(meta, value, value_len);
	} else if (KEY_IS("tool")) {
		copy_field(meta->tool, sizeof(meta->tool), value, value_len);
	} else if (KEY_IS("level")) {
		copy_field(meta->level, sizeof(meta->level), value, value_len);
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

const char *kmst_meta_prog_mode(const struct kmst_meta *meta, const char *name)
{
	unsigned int i;

	for (i = 0; i < meta->prog_count; i++)
		if (!strcmp(meta->progs[i].name, name))
			return meta->progs[i].detail;
	return NULL;
}

const char *kmst_meta_missing(const struct kmst_meta *meta, const char *name)
{
	unsigned int i;

	for (i = 0; i < meta->missing_count; i++)
		if (!strcmp(meta->missing[i].name, name))
			return meta->missing[i].detail[0] ? meta->missing[i].detail : "not attached";
	return NULL;
}
