/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A replay run by a child process. A commit that never completes blocks
 * whoever issued it (and whoever closes the device after it) in the kernel,
 * possibly for good; with the commits issued by a child, only the child is
 * held: the parent keeps the tracer, writes the trace, prints the verdict,
 * and kills the child without waiting for it.
 */
#ifndef KMSTRACE_REPLAY_CHILD_H
#define KMSTRACE_REPLAY_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "replay/replay.h"

enum kmst_replay_report_kind {
	KMST_REPLAY_REPORT_COMMIT = 1, /* one commit issued */
	KMST_REPLAY_REPORT_DONE,       /* kmst_replay_run returned */
};

/* One message from the child. */
struct kmst_replay_report {
	enum kmst_replay_report_kind kind;
	struct kmst_replay_commit commit; /* COMMIT */
	int err;			  /* DONE: kmst_replay_run's result */
	struct kmst_replay_stats stats;	  /* DONE */
};

struct kmst_replay_child;

/*
 * Fork a child that runs kmst_replay_run(R) on the device R opened (it
 * inherits the open file, and DRM master with it) and reports each commit.
 * With PER_COMMIT, it waits after each commit until kmst_replay_child_ack(),
 * so the parent reads the records of that commit's ioctl before the next
 * ioctl begins. This process then closes its own descriptor of the device:
 * it must never be the one whose close waits for a stuck commit. NULL with
 * one line printed on failure.
 */
struct kmst_replay_child *kmst_replay_child_start(struct kmst_replay *r, bool per_commit);

pid_t kmst_replay_child_pid(const struct kmst_replay_child *c);

/* Polls readable when a report waits, or when the child went away. */
int kmst_replay_child_fd(const struct kmst_replay_child *c);

/*
 * The child's stdout and stderr come through a pipe (a child stuck in the
 * kernel must not hold this process's open): poll this descriptor too and
 * call kmst_replay_child_relay_log() when it is readable. -1 once the child
 * closed it.
 */
int kmst_replay_child_log_fd(const struct kmst_replay_child *c);

/* Copy what the child printed so far to stderr, without waiting. */
void kmst_replay_child_relay_log(struct kmst_replay_child *c);

/* Read one report (what the child printed before it is relayed first): 0, or -EPIPE if the child ended without a DONE (one line printed). */
int kmst_replay_child_read(struct kmst_replay_child *c, struct kmst_replay_report *report);

/* Let the child go on after a COMMIT report (PER_COMMIT). */
int kmst_replay_child_ack(struct kmst_replay_child *c);

/*
 * After DONE: let the child close the device and exit, and wait up to
 * TIMEOUT_MS for it. Returns 0, or -ETIMEDOUT after killing it without
 * waiting (one line printed). Frees C.
 */
int kmst_replay_child_finish(struct kmst_replay_child *c, int timeout_ms);

/*
 * The child is stuck in the kernel (or its replay is abandoned): SIGKILL
 * it and never wait for it. Frees C. NULL is allowed.
 */
void kmst_replay_child_abandon(struct kmst_replay_child *c);

#endif
