/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commit sequences (traces/FORMAT.md): the one parser and the one printer
 * of the `.seq` text format. Objects stay symbolic here; replay maps them
 * to a device's ids, `kmstrace seq` builds them from a recording.
 */
#ifndef KMSTRACE_SEQ_H
#define KMSTRACE_SEQ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KMST_SEQ_VERSION 1
#define KMST_SEQ_MAGIC "kmstrace-seq"
#define KMST_SEQ_NAME_LEN 32	/* DRM_PROP_NAME_LEN, and fb names */
#define KMST_SEQ_MAX_EXPECT 4	/* alternatives in one expect= */
#define KMST_SEQ_MAX_DEPTH 8	/* nested repeat blocks */
#define KMST_SEQ_MAX_FB_SIZE 16384 /* framebuffer width and height, in pixels */
#define KMST_SEQ_MAX_INDEX 255	/* N in crtc:N, connector:N, plane:N, ...@crtc:N */
#define KMST_SEQ_MAX_OVERLAY 64	/* K in plane:overlayK@crtc:N */

enum kmst_seq_obj_kind {
	KMST_SEQ_NONE = 0,	/* the value `none`: object id 0 */
	KMST_SEQ_CRTC,		/* crtc:N */
	KMST_SEQ_CONNECTOR,	/* connector:N */
	KMST_SEQ_PLANE,		/* plane:primary@crtc:N, plane:overlayK@crtc:N, plane:cursor@crtc:N, plane:N */
	KMST_SEQ_FB,		/* fb:NAME */
	KMST_SEQ_MODE_BLOB,	/* blob:mode:WxH@R, blob:mode:preferred[@connector:N] */
};

enum kmst_seq_plane_type {
	KMST_SEQ_PLANE_ANY = 0, /* plane:N, the Nth plane of the device */
	KMST_SEQ_PLANE_PRIMARY,
	KMST_SEQ_PLANE_OVERLAY,
	KMST_SEQ_PLANE_CURSOR,
};

/* A symbolic object, as written in a sequence. */
struct kmst_seq_ref {
	enum kmst_seq_obj_kind kind;
	int index;			/* crtc/connector index; plane: its CRTC (or N for plane:N) */
	enum kmst_seq_plane_type plane_type;
	int plane_nth;			/* overlayK: K (1-based) */
	int fb;				/* fb:NAME: index in seq->fbs */
	unsigned int mode_w, mode_h, mode_refresh;
	bool mode_preferred;		/* blob:mode:preferred: the connector's preferred mode */
};

enum kmst_seq_fill {
	KMST_FILL_GRADIENT = 0, /* red across, green down, blue from the name */
	KMST_FILL_SOLID,	/* solid:RRGGBB */
	KMST_FILL_CHECKER,	/* checker:N, N-pixel black/white squares */
	KMST_FILL_BARS,		/* eight vertical colour bars */
};

struct kmst_seq_fb {
	char name[KMST_SEQ_NAME_LEN];
	uint32_t format;	/* DRM fourcc */
	unsigned int width, height;
	enum kmst_seq_fill fill;
	uint32_t fill_arg;	/* solid: 0xRRGGBB; checker: square size */
	unsigned int line;
};

struct kmst_seq_value {
	bool is_ref;
	struct kmst_seq_ref ref;
	int64_t number;
};

struct kmst_seq_prop {
	char name[KMST_SEQ_NAME_LEN];
	struct kmst_seq_value value;
	unsigned int col;
};

/* One object line in a commit: the object and its properties. */
struct kmst_seq_object {
	struct kmst_seq_ref ref;
	unsigned int line, col;
	unsigned int first_prop, prop_count; /* in seq->props */
};

enum kmst_seq_step_kind {
	KMST_STEP_COMMIT = 1,
	KMST_STEP_WAIT_EVENT,	/* every flip event still owed */
	KMST_STEP_WAIT_VBLANK,	/* N vblanks on a CRTC */
	KMST_STEP_WAIT_MS,
	KMST_STEP_REPEAT,	/* repeat N: steps up to the matching end, N times */
	KMST_STEP_END,
};

/* Commit flags as written (SEQ_F_*), the DRM_MODE_* bits replay passes. */
#define KMST_SEQ_F_TEST_ONLY 0x1
#define KMST_SEQ_F_NONBLOCK 0x2
#define KMST_SEQ_F_ALLOW_MODESET 0x4
#define KMST_SEQ_F_PAGE_FLIP_EVENT 0x8

struct kmst_seq_step {
	enum kmst_seq_step_kind kind;
	unsigned int line;
	/* commit */
	unsigned int flags;			/* KMST_SEQ_F_* */
	int expect[KMST_SEQ_MAX_EXPECT];	/* errno values, 0 = ok */
	unsigned int expect_count;
	unsigned int first_object, object_count; /* in seq->objects */
	/* waits and repeat */
	unsigned int count;			/* vblanks, ms, repetitions */
	int crtc;				/* wait vblank on crtc:N */
	unsigned int timeout_ms;		/* wait event */
	unsigned int match;			/* repeat <-> end: the other step's index */
};

struct kmst_seq {
	const char *path;
	unsigned int version;
	struct kmst_seq_fb *fbs;
	unsigned int fb_count, fb_cap;
	struct kmst_seq_step *steps;
	unsigned int step_count, step_cap;
	struct kmst_seq_object *objects;
	unsigned int object_count, object_cap;
	struct kmst_seq_prop *props;
	unsigned int prop_count, prop_cap;
	struct kmst_seq_ref *requires;		/* objects the device must have */
	unsigned int require_count, require_cap;
};

/*
 * Parse PATH. On error prints one `PATH:LINE:COL: message` line and
 * returns -1 (and frees what it built).
 */
int kmst_seq_parse(struct kmst_seq *seq, const char *path);
void kmst_seq_free(struct kmst_seq *seq);

/* Append to a sequence under construction (used by `kmstrace seq`). */
int kmst_seq_add_fb(struct kmst_seq *seq, const struct kmst_seq_fb *fb);
struct kmst_seq_step *kmst_seq_add_step(struct kmst_seq *seq, enum kmst_seq_step_kind kind);
struct kmst_seq_object *kmst_seq_add_object(struct kmst_seq *seq, struct kmst_seq_step *commit,
					    const struct kmst_seq_ref *ref);
int kmst_seq_add_prop(struct kmst_seq *seq, struct kmst_seq_object *obj, const char *name,
		      const struct kmst_seq_value *value);

/* Write SEQ in canonical form; the output parses back to the same steps. */
int kmst_seq_write(const struct kmst_seq *seq, FILE *out);

/* "crtc:0", "plane:overlay1@crtc:0", "fb:A", "blob:mode:1024x768@60"... */
void kmst_seq_ref_format(const struct kmst_seq *seq, const struct kmst_seq_ref *ref, char *buf,
			 size_t len);

/* "EBUSY" for EBUSY, "ok" for 0; NULL if the errno has no name here. */
const char *kmst_errno_name(int err);
/* kmst_errno_name(), or "errno N" written into BUF for one that has no name. */
const char *kmst_errno_text(int err, char *buf, size_t len);
/* The errno for a name ("EBUSY"), 0 for "ok", -1 if unknown. */
int kmst_errno_from_name(const char *name);

/* Fourcc for a format name ("XRGB8888"), 0 if unknown; and back. */
uint32_t kmst_format_from_name(const char *name);
const char *kmst_format_name(uint32_t fourcc);
/* Bytes per pixel of a supported format, 0 if unsupported. */
unsigned int kmst_format_cpp(uint32_t fourcc);

#endif
