/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmstrace fuzz: atomic commits built from a KMS device's real objects
 * and properties, each with one mutation, checked against the uAPI errno
 * table (errno_table.h) and, when rejected, against the state read back.
 *
 *   device.c    open the device, list its objects and properties, make
 *               the framebuffers and the starting modeset
 *   gen.c       one case from (seed, case number): a valid commit, then
 *               one mutation
 *   readback.c  every property of every object, compared before/after
 *   kmsg.c      kernel WARN/BUG/Oops lines from /dev/kmsg
 *   repro.c     a failing case as a .seq for `kmstrace replay`
 *   run.c       the loop, the counters and the progress line
 */
#ifndef KMSTRACE_AFUZZ_H
#define KMSTRACE_AFUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xf86drmMode.h>

#include "afuzz/errno_table.h"
#include "check/check.h"

#define KMST_AFUZZ_MAX_OBJ 64
#define KMST_AFUZZ_MAX_PROPS 48
#define KMST_AFUZZ_MAX_CRTCS 8
#define KMST_AFUZZ_MAX_SETS 48	/* (object, property, value) triples in one commit */

struct kmst_afuzz_prop {
	uint32_t id;
	char name[32];
	uint32_t flags;		/* DRM_MODE_PROP_* */
	uint64_t min, max;	/* range and signed range */
	uint64_t enum_values[16];
	unsigned int enum_count;
};

struct kmst_afuzz_obj {
	uint32_t id;
	uint32_t type;		/* DRM_MODE_OBJECT_CRTC, _PLANE, _CONNECTOR */
	int index;		/* among objects of its type */
	int plane_type;		/* DRM_PLANE_TYPE_*, planes only */
	uint32_t possible_crtcs;
	struct kmst_afuzz_prop props[KMST_AFUZZ_MAX_PROPS];
	unsigned int prop_count;
};

/* A CRTC the fuzzer drives: its connector, mode and primary plane. */
struct kmst_afuzz_pipe {
	struct kmst_afuzz_obj *crtc, *connector, *primary, *cursor;
	int connector_index;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	uint32_t fbs[2];	/* full-screen framebuffers, flipped between */
	unsigned int front;	/* index in fbs of the one scanned out */
};

struct kmst_afuzz_dev {
	int fd;
	char path[64];
	char driver[32];
	struct kmst_afuzz_obj objs[KMST_AFUZZ_MAX_OBJ];
	unsigned int obj_count;
	struct kmst_afuzz_pipe pipes[KMST_AFUZZ_MAX_CRTCS];
	unsigned int pipe_count;
	uint32_t small_fb;	/* 64x64, for overlays and cursors */
	uint32_t small_handle;
	unsigned int small_w, small_h;
};

int kmst_afuzz_dev_open(struct kmst_afuzz_dev *dev, const char *device, const char *driver);
/* The starting state: every pipe lit with its preferred mode and fbs[0]. */
int kmst_afuzz_dev_modeset(struct kmst_afuzz_dev *dev);
void kmst_afuzz_dev_close(struct kmst_afuzz_dev *dev);
const struct kmst_afuzz_prop *kmst_afuzz_find_prop(const struct kmst_afuzz_obj *obj, const char *name);
/* A new XRGB8888 dumb-buffer fb of W x H (0 with errno set on failure). */
uint32_t kmst_afuzz_make_fb(struct kmst_afuzz_dev *dev, unsigned int w, unsigned int h,
			    uint32_t *handle);
void kmst_afuzz_drop_fb(struct kmst_afuzz_dev *dev, uint32_t fb_id, uint32_t handle);
/* Read pending flip events without waiting; returns how many. */
int kmst_afuzz_drain_events(struct kmst_afuzz_dev *dev, int timeout_ms);

/* One (object, property, value), with what the reproducer needs to name it. */
struct kmst_afuzz_set {
	uint32_t obj_id, prop_id;
	uint64_t value;
	const struct kmst_afuzz_obj *obj;	/* NULL: an id the device does not have */
	const char *prop_name;			/* NULL: a property the object does not have */
	int value_pipe_fb;			/* value is pipes[N].fbs[..]: N, else -1 */
	int value_mode_pipe;			/* value is pipes[N].mode_blob: N, else -1 */
	int value_crtc;				/* value is a CRTC's id: its index, else -1 */
};

struct kmst_afuzz_case {
	uint64_t seed;
	unsigned long long number;
	enum kmst_afuzz_mutation mutation;
	uint32_t flags;				/* DRM_MODE_ATOMIC_* | DRM_MODE_PAGE_FLIP_EVENT */
	struct kmst_afuzz_set sets[KMST_AFUZZ_MAX_SETS];
	unsigned int set_count;
	unsigned int pipe_mask;			/* pipes the valid part drives */
	int pipe;				/* the pipe a mutation or legacy ioctl targets */
	int32_t legacy_x, legacy_y;		/* cursor position */
	uint32_t bad_id;			/* the invalid id used, if any */
	/* made for this case, released after it */
	uint32_t temp_blob, temp_fb, temp_handle;
	unsigned int storm;			/* nonblock-storm: commits to issue */
	const char *what;			/* one phrase: what the mutation did */
};

/*
 * Case NUMBER of SEED: its own random stream, so it can be built alone.
 * May create a blob or fb (released by kmst_afuzz_case_release).
 */
int kmst_afuzz_case_build(struct kmst_afuzz_dev *dev, uint64_t seed, unsigned long long number,
			  struct kmst_afuzz_case *c);
void kmst_afuzz_case_release(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c);
/* Issue the case; returns 0 or the positive errno of the (first failing) ioctl. */
int kmst_afuzz_case_issue(struct kmst_afuzz_dev *dev, struct kmst_afuzz_case *c);

/* Every property value of every object. */
struct kmst_afuzz_snapshot {
	uint32_t obj_id[KMST_AFUZZ_MAX_OBJ * KMST_AFUZZ_MAX_PROPS];
	uint32_t prop_id[KMST_AFUZZ_MAX_OBJ * KMST_AFUZZ_MAX_PROPS];
	uint64_t value[KMST_AFUZZ_MAX_OBJ * KMST_AFUZZ_MAX_PROPS];
	unsigned int count;
};
int kmst_afuzz_snapshot_take(struct kmst_afuzz_dev *dev, struct kmst_afuzz_snapshot *snap);
/* The first difference as "object 34 FB_ID: 51 -> 0", or false if none. */
bool kmst_afuzz_snapshot_differs(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_snapshot *a,
				 const struct kmst_afuzz_snapshot *b, char *why, size_t len);

/* /dev/kmsg from now on: counts WARNING/BUG/Oops lines, keeps the first. */
struct kmst_afuzz_kmsg {
	int fd;			/* -1: not readable (counted as unknown) */
	unsigned long long splats;
	char first[256];
};
void kmst_afuzz_kmsg_open(struct kmst_afuzz_kmsg *k);
/* Read what is new; returns how many splats it held. */
unsigned int kmst_afuzz_kmsg_poll(struct kmst_afuzz_kmsg *k);
void kmst_afuzz_kmsg_close(struct kmst_afuzz_kmsg *k);

/* Write case C as a sequence to PATH (setup modeset, then the case). */
int kmst_afuzz_repro_write(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_case *c,
			   int got, const char *finding, const char *path);

struct kmst_afuzz_opts {
	uint64_t seed;
	unsigned long long count;	/* 0: run by time */
	double seconds;
	long long only_case;		/* --case N, else -1 */
	const char *device, *driver;
	const char *out_dir;		/* reproducers go here */
	const char *trace_path;		/* --trace: the trace file; NULL = no tracers */
	const struct kmst_check_opts *check; /* the checker's options, with --trace */
	bool json;
};

struct kmst_afuzz_stats {
	unsigned long long cases, commits, rejected, mismatches, state_changed, splats;
	unsigned long long by_mutation[KMST_MUT_COUNT];
	unsigned long long reproducers;
	double seconds;
	bool kmsg_readable;
	bool traced;
	int trace_verdict;		/* the checker's exit code (common/exit.h) */
	char device[64], driver[32];
};

/* Run the fuzzer; returns a KMST_EXIT_* code. */
int kmst_afuzz_run(const struct kmst_afuzz_opts *opts, struct kmst_afuzz_stats *stats);

#endif
