// SPDX-License-Identifier: GPL-2.0
/* The `.seq` parser; the grammar is in traces/FORMAT.md. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "common/log.h"
#include "common/grow.h"
#include "seq/seq.h"

#define MAX_TOKENS 256

struct token {
	const char *text; /* NUL-terminated inside the line buffer */
	unsigned int col; /* 1-based */
};

struct parser {
	struct kmst_seq *seq;
	unsigned int line;
	bool seen_header;
	int open_commit;	/* step index of the commit taking object lines, -1 none */
	unsigned int repeat_stack[KMST_SEQ_MAX_DEPTH];
	unsigned int repeat_depth;
	unsigned int repeat_line[KMST_SEQ_MAX_DEPTH];
};

static int fail(struct parser *p, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, unsigned int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kmst_err("%s:%u:%u: %s", p->seq->path, p->line, col, msg);
	return -1;
}

/* Split LINE in place into whitespace-separated tokens; '#' starts a comment. */
static int tokenize(struct parser *p, char *line, struct token *tokens, unsigned int *count)
{
	char *c = line;

	*count = 0;
	for (;;) {
		while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
			*c++ = '\0';
		if (!*c || *c == '#')
			break;
		if (*count == MAX_TOKENS)
			return fail(p, (unsigned int)(c - line) + 1, "more than %d words on one line",
				    MAX_TOKENS);
		tokens[*count].text = c;
		tokens[*count].col = (unsigned int)(c - line) + 1;
		(*count)++;
		while (*c && *c != ' ' && *c != '\t' && *c != '\r' && *c != '\n')
			c++;
	}
	*c = '\0';
	return 0;
}

/* A decimal number that must end the string; false otherwise. */
static bool parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long value;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	value = strtoul(s, &end, 10);
	if (errno || *end || value > max)
		return false;
	*out = (unsigned int)value;
	return true;
}

static int fb_index(const struct kmst_seq *seq, const char *name)
{
	unsigned int i;

	for (i = 0; i < seq->fb_count; i++)
		if (!strcmp(seq->fbs[i].name, name))
			return (int)i;
	return -1;
}

/* "crtc:3" style suffix after PREFIX. */
static bool parse_indexed(const char *s, const char *prefix, unsigned int *index)
{
	size_t len = strlen(prefix);

	return !strncmp(s, prefix, len) && parse_uint(s + len, KMST_SEQ_MAX_INDEX, index);
}

static int parse_mode_blob(struct parser *p, const struct token *tok, const char *s,
			   struct kmst_seq_ref *ref)
{
	unsigned int base = tok->col + (unsigned int)(s - tok->text);
	unsigned int index;
	char extra;

	ref->kind = KMST_SEQ_MODE_BLOB;
	if (!strncmp(s, "preferred", 9)) {
		ref->mode_preferred = true;
		if (s[9] == '\0')
			return 0;
		if (s[9] == '@' && parse_indexed(s + 10, "connector:", &index)) {
			ref->index = (int)index;
			return 0;
		}
		return fail(p, base, "bad mode '%s': expected preferred or preferred@connector:N",
			    tok->text);
	}
	if (!strncmp(s, "any@", 4)) {
		/* Size left to the device: any mode at this refresh rate. */
		if (!parse_uint(s + 4, 100000, &ref->mode_refresh) || !ref->mode_refresh)
			return fail(p, base, "bad mode '%s': expected any@REFRESH, e.g. any@1000", tok->text);
		return 0;
	}
	if (sscanf(s, "%ux%u@%u%c", &ref->mode_w, &ref->mode_h, &ref->mode_refresh, &extra) != 3 ||
	    !isdigit((unsigned char)*s) || !ref->mode_w || !ref->mode_h || !ref->mode_refresh)
		return fail(p, base, "bad mode '%s': expected WIDTHxHEIGHT@REFRESH (e.g. 1024x768@60), any@REFRESH or preferred",
			    tok->text);
	return 0;
}

static int parse_plane(struct parser *p, const struct token *tok, const char *s,
		       struct kmst_seq_ref *ref)
{
	unsigned int base = tok->col + (unsigned int)(s - tok->text);
	const char *at = strchr(s, '@');
	unsigned int index;
	char head[32];
	size_t head_len;

	ref->kind = KMST_SEQ_PLANE;
	if (!at) {
		if (!parse_uint(s, KMST_SEQ_MAX_INDEX, &index))
			return fail(p, base,
				    "bad plane '%s': expected plane:primary@crtc:N, plane:overlayK@crtc:N, "
				    "plane:cursor@crtc:N or plane:N", tok->text);
		ref->plane_type = KMST_SEQ_PLANE_ANY;
		ref->index = (int)index;
		return 0;
	}
	head_len = (size_t)(at - s);
	if (head_len >= sizeof(head))
		return fail(p, base, "bad plane '%s'", tok->text);
	memcpy(head, s, head_len);
	head[head_len] = '\0';
	if (!parse_indexed(at + 1, "crtc:", &index))
		return fail(p, base + (unsigned int)(at + 1 - s),
			    "bad plane '%s': expected @crtc:N after the plane type", tok->text);
	ref->index = (int)index;
	if (!strcmp(head, "primary")) {
		ref->plane_type = KMST_SEQ_PLANE_PRIMARY;
	} else if (!strcmp(head, "cursor")) {
		ref->plane_type = KMST_SEQ_PLANE_CURSOR;
	} else if (!strncmp(head, "overlay", 7) && parse_uint(head + 7, KMST_SEQ_MAX_OVERLAY, &index) && index > 0) {
		ref->plane_type = KMST_SEQ_PLANE_OVERLAY;
		ref->plane_nth = (int)index;
	} else {
		return fail(p, base, "unknown plane type '%s': expected primary, cursor or overlayK (K >= 1)",
			    head);
	}
	return 0;
}

/* An object reference: crtc:N, connector:N, plane:..., fb:NAME, blob:mode:..., none. */
static int parse_ref(struct parser *p, const struct token *tok, const char *s,
		     struct kmst_seq_ref *ref)
{
	unsigned int base = tok->col + (unsigned int)(s - tok->text);
	unsigned int index;
	int fb;

	memset(ref, 0, sizeof(*ref));
	if (!strcmp(s, "none")) {
		ref->kind = KMST_SEQ_NONE;
		return 0;
	}
	if (!strncmp(s, "crtc:", 5)) {
		if (!parse_uint(s + 5, KMST_SEQ_MAX_INDEX, &index))
			return fail(p, base + 5, "bad CRTC index in '%s'", tok->text);
		ref->kind = KMST_SEQ_CRTC;
		ref->index = (int)index;
		return 0;
	}
	if (!strncmp(s, "connector:", 10)) {
		if (!parse_uint(s + 10, KMST_SEQ_MAX_INDEX, &index))
			return fail(p, base + 10, "bad connector index in '%s'", tok->text);
		ref->kind = KMST_SEQ_CONNECTOR;
		ref->index = (int)index;
		return 0;
	}
	if (!strncmp(s, "plane:", 6))
		return parse_plane(p, tok, s + 6, ref);
	if (!strncmp(s, "fb:", 3)) {
		fb = fb_index(p->seq, s + 3);
		if (fb < 0)
			return fail(p, base + 3, "unknown framebuffer '%s' (declare it with `fb %s FORMAT WxH` first)",
				    s + 3, s + 3);
		ref->kind = KMST_SEQ_FB;
		ref->fb = fb;
		return 0;
	}
	if (!strncmp(s, "blob:mode:", 10))
		return parse_mode_blob(p, tok, s + 10, ref);
	return fail(p, base, "unknown object '%s': expected crtc:N, connector:N, plane:..., fb:NAME, "
		    "blob:mode:..., or none", s);
}

/* Integer (decimal, 0x hex, signed) or 16.16 fixed point ("1024.0", "0.5"). */
static bool parse_number(const char *s, int64_t *out)
{
	const char *dot = strchr(s, '.');
	char *end;

	errno = 0;
	if (dot) {
		double value = strtod(s, &end);

		if (errno || *end || end == s || !isdigit((unsigned char)dot[1]))
			return false;
		if (value < -32768.0 || value >= 65536.0)
			return false;
		*out = (int64_t)(value * 65536.0 + (value < 0 ? -0.5 : 0.5));
		return true;
	}
	if (*s == '-') {
		long long value = strtoll(s, &end, 0);

		if (errno || *end || end == s + 1)
			return false;
		*out = value;
		return true;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	{
		unsigned long long value = strtoull(s, &end, 0);

		if (errno || *end)
			return false;
		*out = (int64_t)value;
	}
	return true;
}

static int parse_value(struct parser *p, const struct token *tok, const char *s,
		       struct kmst_seq_value *value)
{
	memset(value, 0, sizeof(*value));
	if (isdigit((unsigned char)*s) || *s == '-' || *s == '.') {
		if (!parse_number(s, &value->number))
			return fail(p, tok->col + (unsigned int)(s - tok->text),
				    "bad number '%s': expected an integer (0x for hex) or 16.16 fixed point like 1024.0",
				    s);
		return 0;
	}
	value->is_ref = true;
	return parse_ref(p, tok, s, &value->ref);
}

static int parse_fb(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_fb fb = { 0 };
	unsigned int i;
	char extra;

	if (count < 4)
		return fail(p, tokens[0].col, "expected `fb NAME FORMAT WIDTHxHEIGHT [fill=PATTERN]`");
	if (strlen(tokens[1].text) >= KMST_SEQ_NAME_LEN || strchr(tokens[1].text, ':'))
		return fail(p, tokens[1].col, "bad framebuffer name '%s' (at most %d characters, no ':')",
			    tokens[1].text, KMST_SEQ_NAME_LEN - 1);
	if (fb_index(p->seq, tokens[1].text) >= 0)
		return fail(p, tokens[1].col, "framebuffer '%s' is declared twice", tokens[1].text);
	snprintf(fb.name, sizeof(fb.name), "%s", tokens[1].text);
	fb.format = kmst_format_from_name(tokens[2].text);
	if (!fb.format)
		return fail(p, tokens[2].col,
			    "unknown format '%s': expected XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGB565, "
			    "XRGB16161616 or ARGB16161616", tokens[2].text);
	if (sscanf(tokens[3].text, "%ux%u%c", &fb.width, &fb.height, &extra) != 2 ||
	    !isdigit((unsigned char)tokens[3].text[0]) || !fb.width || !fb.height ||
	    fb.width > KMST_SEQ_MAX_FB_SIZE || fb.height > KMST_SEQ_MAX_FB_SIZE)
		return fail(p, tokens[3].col, "bad size '%s': expected WIDTHxHEIGHT, 1 to %d each",
			    tokens[3].text, KMST_SEQ_MAX_FB_SIZE);
	for (i = 4; i < count; i++) {
		const char *s = tokens[i].text;
		unsigned int value;

		if (strncmp(s, "fill=", 5))
			return fail(p, tokens[i].col, "unexpected '%s': expected fill=PATTERN", s);
		s += 5;
		if (!strcmp(s, "gradient")) {
			fb.fill = KMST_FILL_GRADIENT;
		} else if (!strcmp(s, "bars")) {
			fb.fill = KMST_FILL_BARS;
		} else if (!strncmp(s, "solid:", 6) && strlen(s + 6) == 6 &&
			   strspn(s + 6, "0123456789abcdefABCDEF") == 6) {
			fb.fill = KMST_FILL_SOLID;
			fb.fill_arg = (uint32_t)strtoul(s + 6, NULL, 16);
		} else if (!strncmp(s, "checker:", 8) && parse_uint(s + 8, 4096, &value) && value) {
			fb.fill = KMST_FILL_CHECKER;
			fb.fill_arg = value;
		} else {
			return fail(p, tokens[i].col + 5,
				    "unknown fill '%s': expected gradient, bars, solid:RRGGBB or checker:N", s);
		}
	}
	fb.line = p->line;
	if (kmst_seq_add_fb(p->seq, &fb))
		return fail(p, tokens[0].col, "out of memory");
	return 0;
}

static int parse_expect(struct parser *p, const struct token *tok, struct kmst_seq_step *step)
{
	char list[64];
	char *name, *save = NULL;

	if (strlen(tok->text + 7) >= sizeof(list))
		return fail(p, tok->col + 7, "expect= list too long");
	snprintf(list, sizeof(list), "%s", tok->text + 7);
	step->expect_count = 0;
	for (name = strtok_r(list, "|", &save); name; name = strtok_r(NULL, "|", &save)) {
		int err = kmst_errno_from_name(name);

		if (err < 0)
			return fail(p, tok->col + 7 + (unsigned int)(name - list),
				    "unknown result '%s': expected ok or an errno name such as EINVAL, EBUSY",
				    name);
		if (step->expect_count == KMST_SEQ_MAX_EXPECT)
			return fail(p, tok->col, "at most %d alternatives in expect=", KMST_SEQ_MAX_EXPECT);
		step->expect[step->expect_count++] = err;
	}
	if (!step->expect_count)
		return fail(p, tok->col + 7, "empty expect=: write ok or an errno name");
	return 0;
}

static int parse_commit(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_step *step = kmst_seq_add_step(p->seq, KMST_STEP_COMMIT);
	unsigned int i;

	if (!step)
		return fail(p, tokens[0].col, "out of memory");
	step->line = p->line;
	step->expect_count = 1; /* expect=ok unless said otherwise */
	for (i = 1; i < count; i++) {
		const char *s = tokens[i].text;

		if (!strcmp(s, "TEST_ONLY"))
			step->flags |= KMST_SEQ_F_TEST_ONLY;
		else if (!strcmp(s, "NONBLOCK"))
			step->flags |= KMST_SEQ_F_NONBLOCK;
		else if (!strcmp(s, "ALLOW_MODESET"))
			step->flags |= KMST_SEQ_F_ALLOW_MODESET;
		else if (!strcmp(s, "PAGE_FLIP_EVENT"))
			step->flags |= KMST_SEQ_F_PAGE_FLIP_EVENT;
		else if (!strncmp(s, "expect=", 7)) {
			if (parse_expect(p, &tokens[i], step))
				return -1;
		} else
			return fail(p, tokens[i].col,
				    "unknown commit flag '%s': expected TEST_ONLY, NONBLOCK, ALLOW_MODESET, "
				    "PAGE_FLIP_EVENT or expect=RESULT", s);
	}
	if ((step->flags & KMST_SEQ_F_TEST_ONLY) && (step->flags & KMST_SEQ_F_PAGE_FLIP_EVENT))
		return fail(p, tokens[0].col,
			    "TEST_ONLY with PAGE_FLIP_EVENT is always EINVAL in DRM; drop one of them");
	p->open_commit = (int)(p->seq->step_count - 1);
	return 0;
}

static int parse_object_line(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_step *commit;
	struct kmst_seq_object *obj;
	struct kmst_seq_ref ref;
	unsigned int i, j;

	if (p->open_commit < 0)
		return fail(p, tokens[0].col, "indented line outside a commit: object lines follow `commit`");
	commit = &p->seq->steps[p->open_commit];
	if (parse_ref(p, &tokens[0], tokens[0].text, &ref))
		return -1;
	if (ref.kind != KMST_SEQ_CRTC && ref.kind != KMST_SEQ_CONNECTOR && ref.kind != KMST_SEQ_PLANE)
		return fail(p, tokens[0].col, "'%s' has no properties to set: commit lines start with a crtc, "
			    "connector or plane", tokens[0].text);
	if (count < 2)
		return fail(p, tokens[0].col + (unsigned int)strlen(tokens[0].text),
			    "expected PROPERTY=VALUE after '%s'", tokens[0].text);
	obj = kmst_seq_add_object(p->seq, commit, &ref);
	if (!obj)
		return fail(p, tokens[0].col, "out of memory");
	obj->line = p->line;
	obj->col = tokens[0].col;
	for (i = 1; i < count; i++) {
		const char *eq = strchr(tokens[i].text, '=');
		struct kmst_seq_value value;
		char name[KMST_SEQ_NAME_LEN];
		size_t name_len;

		if (!eq || eq == tokens[i].text)
			return fail(p, tokens[i].col, "expected PROPERTY=VALUE, got '%s'", tokens[i].text);
		name_len = (size_t)(eq - tokens[i].text);
		if (name_len >= sizeof(name))
			return fail(p, tokens[i].col, "property name longer than %d characters",
				    KMST_SEQ_NAME_LEN - 1);
		memcpy(name, tokens[i].text, name_len);
		name[name_len] = '\0';
		for (j = obj->first_prop; j < obj->first_prop + obj->prop_count; j++)
			if (!strcmp(p->seq->props[j].name, name))
				return fail(p, tokens[i].col, "property %s set twice on %s", name,
					    tokens[0].text);
		if (!eq[1])
			return fail(p, tokens[i].col + (unsigned int)name_len + 1, "missing value after '%s='",
				    name);
		if (parse_value(p, &tokens[i], eq + 1, &value))
			return -1;
		if (value.is_ref && (value.ref.kind == KMST_SEQ_CONNECTOR))
			return fail(p, tokens[i].col + (unsigned int)name_len + 1,
				    "a connector is not a property value");
		if (kmst_seq_add_prop(p->seq, obj, name, &value))
			return fail(p, tokens[i].col, "out of memory");
		p->seq->props[p->seq->prop_count - 1].col = tokens[i].col;
	}
	return 0;
}

static int parse_wait(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_step *step;
	unsigned int i, value;

	if (count < 2)
		return fail(p, tokens[0].col, "expected `wait event`, `wait vblank [N] [crtc:K]` or `wait ms N`");
	if (!strcmp(tokens[1].text, "event")) {
		step = kmst_seq_add_step(p->seq, KMST_STEP_WAIT_EVENT);
		if (!step)
			return fail(p, tokens[0].col, "out of memory");
		step->timeout_ms = 1000;
		for (i = 2; i < count; i++) {
			if (strncmp(tokens[i].text, "timeout=", 8) ||
			    !parse_uint(tokens[i].text + 8, 600000, &value) || !value)
				return fail(p, tokens[i].col, "expected timeout=MS (1 to 600000) after `wait event`");
			step->timeout_ms = value;
		}
	} else if (!strcmp(tokens[1].text, "vblank")) {
		step = kmst_seq_add_step(p->seq, KMST_STEP_WAIT_VBLANK);
		if (!step)
			return fail(p, tokens[0].col, "out of memory");
		step->count = 1;
		for (i = 2; i < count; i++) {
			if (parse_uint(tokens[i].text, 100000, &value) && value) {
				step->count = value;
			} else if (parse_indexed(tokens[i].text, "crtc:", &value)) {
				step->crtc = (int)value;
			} else {
				return fail(p, tokens[i].col, "expected a count (1 to 100000) or crtc:N, got '%s'",
					    tokens[i].text);
			}
		}
	} else if (!strcmp(tokens[1].text, "ms")) {
		if (count != 3 || !parse_uint(tokens[2].text, 600000, &value))
			return fail(p, count > 2 ? tokens[2].col : tokens[1].col + 2,
				    "expected `wait ms N` with N from 0 to 600000");
		step = kmst_seq_add_step(p->seq, KMST_STEP_WAIT_MS);
		if (!step)
			return fail(p, tokens[0].col, "out of memory");
		step->count = value;
	} else {
		return fail(p, tokens[1].col, "unknown wait '%s': expected event, vblank or ms", tokens[1].text);
	}
	step->line = p->line;
	return 0;
}

static int parse_repeat(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_step *step;
	unsigned int value;

	if (count != 2 || !parse_uint(tokens[1].text, 1000000, &value) || !value)
		return fail(p, count > 1 ? tokens[1].col : tokens[0].col + 6,
			    "expected `repeat N` with N from 1 to 1000000");
	if (p->repeat_depth == KMST_SEQ_MAX_DEPTH)
		return fail(p, tokens[0].col, "repeat blocks nest at most %d deep", KMST_SEQ_MAX_DEPTH);
	step = kmst_seq_add_step(p->seq, KMST_STEP_REPEAT);
	if (!step)
		return fail(p, tokens[0].col, "out of memory");
	step->line = p->line;
	step->count = value;
	p->repeat_line[p->repeat_depth] = p->line;
	p->repeat_stack[p->repeat_depth++] = p->seq->step_count - 1;
	return 0;
}

static int parse_end(struct parser *p, const struct token *tokens, unsigned int count)
{
	struct kmst_seq_step *step;
	unsigned int open;

	if (count != 1)
		return fail(p, tokens[1].col, "unexpected '%s' after end", tokens[1].text);
	if (!p->repeat_depth)
		return fail(p, tokens[0].col, "`end` without a `repeat`");
	open = p->repeat_stack[--p->repeat_depth];
	step = kmst_seq_add_step(p->seq, KMST_STEP_END);
	if (!step)
		return fail(p, tokens[0].col, "out of memory");
	step->line = p->line;
	step->match = open;
	p->seq->steps[open].match = p->seq->step_count - 1;
	return 0;
}

static int parse_require(struct parser *p, const struct token *tokens, unsigned int count)
{
	unsigned int i;

	if (count < 2)
		return fail(p, tokens[0].col + 7, "expected the objects the device must have after `require`");
	for (i = 1; i < count; i++) {
		struct kmst_seq_ref *ref = kmst_grow((void **)&p->seq->requires, &p->seq->require_cap,
						p->seq->require_count, sizeof(*ref));

		if (!ref)
			return fail(p, tokens[i].col, "out of memory");
		if (parse_ref(p, &tokens[i], tokens[i].text, ref))
			return -1;
		if (ref->kind == KMST_SEQ_NONE || ref->kind == KMST_SEQ_FB)
			return fail(p, tokens[i].col, "`require` takes device objects (crtc, connector, plane, "
				    "blob:mode), not '%s'", tokens[i].text);
		p->seq->require_count++;
	}
	return 0;
}

static int parse_header(struct parser *p, const struct token *tokens, unsigned int count)
{
	unsigned int version;

	if (strcmp(tokens[0].text, KMST_SEQ_MAGIC))
		return fail(p, tokens[0].col, "not a commit sequence: the first line must be `%s %d`",
			    KMST_SEQ_MAGIC, KMST_SEQ_VERSION);
	if (count != 2 || !parse_uint(tokens[1].text, 1000000, &version) || !version)
		return fail(p, count > 1 ? tokens[1].col : tokens[0].col + 13,
			    "expected a format version after %s", KMST_SEQ_MAGIC);
	if (version > KMST_SEQ_VERSION)
		return fail(p, tokens[1].col, "sequence format version %u is newer than this kmstrace (%d)",
			    version, KMST_SEQ_VERSION);
	p->seq->version = version;
	p->seen_header = true;
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	struct token tokens[MAX_TOKENS];
	bool indented = line[0] == ' ' || line[0] == '\t';
	unsigned int count;
	const char *word;

	if (tokenize(p, line, tokens, &count))
		return -1;
	if (!count)
		return 0;
	if (!p->seen_header)
		return parse_header(p, tokens, count);
	if (indented)
		return parse_object_line(p, tokens, count);
	p->open_commit = -1;
	word = tokens[0].text;
	if (!strcmp(word, "commit"))
		return parse_commit(p, tokens, count);
	if (!strcmp(word, "fb"))
		return parse_fb(p, tokens, count);
	if (!strcmp(word, "wait"))
		return parse_wait(p, tokens, count);
	if (!strcmp(word, "repeat"))
		return parse_repeat(p, tokens, count);
	if (!strcmp(word, "end"))
		return parse_end(p, tokens, count);
	if (!strcmp(word, "require"))
		return parse_require(p, tokens, count);
	return fail(p, tokens[0].col, "unknown statement '%s': expected commit, fb, wait, repeat, end or require",
		    word);
}

int kmst_seq_parse(struct kmst_seq *seq, const char *path)
{
	struct parser p = { .seq = seq, .open_commit = -1 };
	size_t cap = 0;
	char *line = NULL;
	ssize_t got;
	FILE *file;
	int err = 0;

	memset(seq, 0, sizeof(*seq));
	seq->path = path;
	file = fopen(path, "r");
	if (!file) {
		kmst_err("%s: cannot open sequence: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, file)) > 0) {
		p.line++;
		if (strlen(line) != (size_t)got) {
			err = fail(&p, (unsigned int)strlen(line) + 1, "NUL byte in a text file");
			break;
		}
		err = parse_line(&p, line);
		if (err)
			break;
	}
	if (!err && ferror(file)) {
		kmst_err("%s: read failed: %s", path, strerror(errno));
		err = -1;
	}
	if (!err && !p.seen_header) {
		p.line = p.line ? p.line : 1;
		err = fail(&p, 1, "empty sequence: the first line must be `%s %d`", KMST_SEQ_MAGIC,
			   KMST_SEQ_VERSION);
	}
	if (!err && p.repeat_depth) {
		p.line = p.repeat_line[p.repeat_depth - 1];
		err = fail(&p, 1, "`repeat` without a matching `end`");
	}
	free(line);
	fclose(file);
	if (err) {
		kmst_seq_free(seq);
		return -1;
	}
	return 0;
}
