/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay a commit sequence on a KMS device through libdrm, the way a
 * compositor drives it: symbolic objects mapped by type and index,
 * properties by name, dumb-buffer framebuffers with deterministic fills,
 * atomic commits with user_data = the sequence line, events read with
 * timeouts so a missing one never hangs.
 */
#ifndef KMSTRACE_REPLAY_H
#define KMSTRACE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "seq/seq.h"

struct kmst_replay_opts {
	const char *device;	/* /dev/dri/cardN, or NULL: the first KMS device */
	const char *driver;	/* with device NULL: the first card of this driver */
};

/* One commit issued, as reported to the caller right after the ioctl returned. */
struct kmst_replay_commit {
	unsigned int line;	/* sequence line, also the ioctl's user_data */
	unsigned int ordinal;	/* nth commit of the replay, from 1 */
	int expected;		/* errno the sequence expected (the one matched, or the first) */
	int got;		/* errno the ioctl returned, 0 = ok */
	uint32_t flags;		/* DRM_MODE_* flags passed */
};

typedef void (*kmst_replay_commit_fn)(void *ctx, const struct kmst_replay_commit *commit);

struct kmst_replay_stats {
	unsigned long long commits;
	unsigned long long mismatches;	   /* result differs from expect= */
	unsigned long long busy_unmet;	   /* nonblocking, expect=EBUSY, got ok: the trace decides */
	unsigned long long events;	   /* flip events read */
	unsigned long long events_missing; /* owed but not read by a wait's timeout */
	unsigned long long events_extra;   /* read but not owed */
	unsigned long long steps_ns;	   /* time spent issuing the steps (no setup, no final drain) */
	bool skipped;			   /* a `require` was not met */
	char skip_reason[256];
	char driver[64];		   /* the device's driver name */
	char device[64];
	int minor;
};

struct kmst_replay;

/*
 * Open the device and resolve every object, property and mode the
 * sequence names, so bad input fails before any commit is issued. Returns
 * NULL with one line printed (FILE:LINE:COL for sequence problems, listing
 * what the device has). A sequence whose `require` the device does not
 * meet opens fine with stats.skipped set.
 */
struct kmst_replay *kmst_replay_open(const struct kmst_seq *seq, const struct kmst_replay_opts *opts,
				     int *exit_code);
const struct kmst_replay_stats *kmst_replay_stats(const struct kmst_replay *r);

/*
 * Create the framebuffers and issue every step. ON_COMMIT (may be NULL)
 * sees each commit. Returns 0 when the replay ran to the end (mismatches
 * and missing events are counted in the stats), or a negative errno when
 * the device failed under it.
 */
int kmst_replay_run(struct kmst_replay *r, kmst_replay_commit_fn on_commit, void *ctx);

/* Free the framebuffers and blobs, close the device. */
void kmst_replay_close(struct kmst_replay *r);

/* The open device (replay_child.c keeps it in the child). */
int kmst_replay_device_fd(const struct kmst_replay *r);

/*
 * Let go of this process's descriptor of the device without touching what
 * is on it (framebuffers, blobs, master belong to the open file, which a
 * forked child keeps). kmst_replay_close then only frees memory.
 */
void kmst_replay_release_device(struct kmst_replay *r);

#endif
