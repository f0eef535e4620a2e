/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace files: the one reader and the one writer of the format defined in
 * bpf/kmstrace_event.h. Every subcommand that touches a trace goes through
 * here, so format checks live in one place.
 */
#ifndef KMSTRACE_TRACEFILE_H
#define KMSTRACE_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kmstrace_event.h"

#define KMST_META_MAX 65536

struct kmst_writer {
	FILE *file;
	const char *path;
	unsigned long long records;
};

/* Create PATH and write the header with META (key=value lines). */
int kmst_writer_open(struct kmst_writer *w, const char *path, const char *meta);
/* Append one record of ev->size bytes. */
int kmst_writer_append(struct kmst_writer *w, const struct kmst_event *ev);
/*
 * Write the END record with the drop counts (may be NULL) and the tracer's
 * skipped program runs (struct kmst_end_record), and close.
 */
int kmst_writer_close(struct kmst_writer *w, const unsigned long long *drops,
		      unsigned long long missed_runs);
/* Close without an END record (the trace stays marked incomplete). */
void kmst_writer_abort(struct kmst_writer *w);

struct kmst_reader {
	int fd;
	const char *path;
	unsigned int version;
	char *meta;		 /* NUL-terminated metadata text */
	unsigned long long offset; /* byte offset of the next record */
	unsigned long long records;
	bool ended;		 /* the END record was read */
	bool eof;		 /* no byte of the file is left to bring in */
	struct kmst_end_record end;
	/*
	 * Records are handed out in place, from POS up to LIMIT: no copy or
	 * library call per record. A regular file is mapped a window at a
	 * time (the window before is unmapped, so memory stays the same
	 * whatever the trace's length); anything else (a pipe) is read() into
	 * BUF a chunk at a time. Every record's size is a multiple of 8 and
	 * both start 8-aligned, so each record stays aligned.
	 */
	const unsigned char *pos, *limit;
	/*
	 * A mapped file's size when it was opened: what is read. Every caller
	 * reads a trace after its writer closed it; a file cut shorter while
	 * it is mapped would fault (SIGBUS) where read() would see it end.
	 */
	unsigned long long file_size;
	unsigned char *map;		/* the mapped window, or NULL */
	size_t map_len;
	unsigned long long map_offset;	/* the file offset the window starts at */
	unsigned char *buf;		/* the read() fallback's buffer */
	size_t buf_cap;
};

/*
 * Open and validate the header. On failure prints one line naming the
 * file and what is wrong, and returns -1.
 */
int kmst_reader_open(struct kmst_reader *r, const char *path);
/*
 * Read the next record. Returns 1 with *ev pointing at it (valid until the
 * next call), 0 at a clean end (after the END record), -1 on a truncated or
 * corrupt file (one line printed, naming the file and byte offset).
 */
int kmst_reader_next_slow(struct kmst_reader *r, const struct kmst_event **ev);
static inline int kmst_reader_next(struct kmst_reader *r, const struct kmst_event **ev)
{
	const struct kmst_event *head = (const struct kmst_event *)r->pos;

	/*
	 * The common case, a whole valid record in place: anything else
	 * (the window's end, END, a corrupt or cut record) takes the slow path,
	 * which checks again and says what is wrong.
	 */
	if ((size_t)(r->limit - r->pos) >= sizeof(*head) && head->size >= sizeof(*head) &&
	    !(head->size % 8) && (size_t)(r->limit - r->pos) >= head->size &&
	    head->type != KMST_EV_NONE && head->type < KMST_EV_MAX && head->type != KMST_EV_END) {
		r->pos += head->size;
		r->offset += head->size;
		r->records++;
		*ev = head;
		return 1;
	}
	return kmst_reader_next_slow(r, ev);
}
void kmst_reader_close(struct kmst_reader *r);


/* How the checker takes an event type. */
enum kmst_event_class {
	KMST_CLASS_UNKNOWN = 0,
	KMST_CLASS_COMMIT,	/* about one commit; its first event opens the commit */
	KMST_CLASS_COMMIT_LATE, /* about one commit, may come after its state was freed: never opens one */
	KMST_CLASS_VBLANK,	/* about one CRTC's VBLANK, in interrupt context: no thread's commit */
	KMST_CLASS_DRIVER,	/* a driver's own tracepoint: detail only, never judged */
	KMST_CLASS_USER,	/* written by kmstrace (replay results, marks, END, the watchdog) */
	KMST_CLASS_RECORDER,	/* a client's ioctl arguments: for `seq`, not for rules */
};

struct kmst_event_type_info {
	const char *name;
	enum kmst_event_class class;
};

enum kmst_event_class kmst_event_class(unsigned int type);
/* The name of an event type ("COMMIT_PLANES"), or NULL if unknown. */
const char *kmst_event_type_name(unsigned int type);
/* The rule id string ("tail-order") or NULL. */
const char *kmst_rule_name(unsigned int rule);
/* The rule for a rule id string, or 0 if unknown. */
unsigned int kmst_rule_from_name(const char *name);

#endif
