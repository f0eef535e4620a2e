/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one parser of a trace's metadata (`key=value` lines, see
 * bpf/kmstrace_event.h): every reader of the metadata asks this struct.
 */
#ifndef KMSTRACE_META_H
#define KMSTRACE_META_H

#include <stdbool.h>
#include <stdint.h>

#define KMST_META_TRAITS 32
#define KMST_META_PROGS 160
#define KMST_META_MISSING 64
#define KMST_META_DEVICES 16
#define KMST_META_CALLBACKS 96

struct kmst_meta_trait {
	int minor;	 /* the card it is about */
	char what[40];	 /* "no-vblank", "no-atomic_begin", ... */
};

struct kmst_meta_prog {
	char name[64];	 /* function or tracepoint */
	char detail[96]; /* attach mode (prog=) or the reason it is missing (missing=) */
};

/* A traced DRM device: each `device=/dev/dri/cardN` line, with the `driver=` before it. */
struct kmst_meta_device {
	int minor;
	char driver[64];
};

/* `callback=cardN WHAT SYMBOL`: the function behind one of a device's callbacks. */
struct kmst_meta_callback {
	int minor;
	char what[40];	 /* "crtc.atomic_flush" */
	char name[88];	 /* the kernel symbol; "?" when kallsyms hides addresses */
};

struct kmst_meta {
	char kernel[96];
	char driver[64];
	char device[64];
	char tool[32];
	char seq[256];		/* the sequence a replay ran */
	char level[16];		/* the trace level (record --level); "" in traces before it */
	int minor;		/* -1 when not given */
	uint32_t commit_base;	/* commit ids up to it began before the trace */
	unsigned int trait_count, prog_count, missing_count, device_count, callback_count;
	struct kmst_meta_trait traits[KMST_META_TRAITS];
	struct kmst_meta_prog progs[KMST_META_PROGS];
	struct kmst_meta_prog missing[KMST_META_MISSING];
	struct kmst_meta_device devices[KMST_META_DEVICES];
	struct kmst_meta_callback callbacks[KMST_META_CALLBACKS];
};

/* Parse TEXT (may be NULL: everything unknown). Lines past the bounds are ignored. */
void kmst_meta_parse(const char *text, struct kmst_meta *meta);
/* Whether card MINOR (-1: any card) has TRAIT. */
bool kmst_meta_has_trait(const struct kmst_meta *meta, int minor, const char *trait);
/* Whether NAME was attached. */
bool kmst_meta_has_prog(const struct kmst_meta *meta, const char *name);
/* NAME's attach mode ("fentry", "kprobe", "tracepoint"), or NULL if it was not attached. */
const char *kmst_meta_prog_mode(const struct kmst_meta *meta, const char *name);
/* Why NAME could not be attached, or NULL if it was not reported missing. */
const char *kmst_meta_missing(const struct kmst_meta *meta, const char *name);

#endif
