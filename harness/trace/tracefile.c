// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/log.h"
#include "trace/tracefile.h"


static size_t pad8(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

int kmst_writer_open(struct kmst_writer *w, const char *path, const char *meta)
{
	struct kmst_file_header hdr = { .version = KMST_EVENT_VERSION };
	static const char zeros[8];
	size_t meta_len = strlen(meta);

	memset(w, 0, sizeof(*w));
	if (meta_len > KMST_META_MAX) {
		kmst_err("%s: metadata too long (%zu bytes)", path, meta_len);
		return -1;
	}
	memcpy(hdr.magic, KMST_FILE_MAGIC, sizeof(hdr.magic));
	hdr.meta_len = pad8(meta_len);
	w->file = fopen(path, "wb");
	if (!w->file) {
		kmst_err("%s: cannot create trace: %s", path, strerror(errno));
		return -1;
	}
	w->path = path;
	if (fwrite(&hdr, sizeof(hdr), 1, w->file) != 1 ||
	    fwrite(meta, 1, meta_len, w->file) != meta_len ||
	    fwrite(zeros, 1, hdr.meta_len - meta_len, w->file) != hdr.meta_len - meta_len)
		goto err_write;
	return 0;

err_write:
	kmst_err("%s: cannot write trace header: %s", path, strerror(errno));
	fclose(w->file);
	w->file = NULL;
	return -1;
}

int kmst_writer_append(struct kmst_writer *w, const struct kmst_event *ev)
{
	if (ev->size < sizeof(*ev) || ev->size % 8) {
		kmst_err("%s: refusing to write a record of type %u with size %u",
			 w->path, ev->type, ev->size);
		return -1;
	}
	if (fwrite(ev, ev->size, 1, w->file) != 1) {
		kmst_err("%s: write failed after %llu records: %s", w->path,
			 w->records, strerror(errno));
		return -1;
	}
	w->records++;
	return 0;
}

int kmst_writer_close(struct kmst_writer *w, const unsigned long long *drops,
		      unsigned long long missed_runs)
{
	struct kmst_end_record end = { 0 };
	int err = 0;
	int i;

	end.head.type = KMST_EV_END;
	end.head.size = sizeof(end);
	end.head.phase = KMST_PH_POINT;
	end.head.source = KMST_SRC_USER;
	end.head.minor = -1;
	end.head.crtc = end.head.plane = end.head.connector = -1;
	end.records = w->records;
	for (i = 0; drops && i < KMST_EV_MAX; i++) {
		end.drops[i] = drops[i];
		end.drops_total += drops[i];
	}
	end.missed_runs = missed_runs;
	if (fwrite(&end, sizeof(end), 1, w->file) != 1)
		err = -1;
	if (fclose(w->file) != 0)
		err = -1;
	if (err)
		kmst_err("%s: cannot finish trace: %s", w->path, strerror(errno));
	w->file = NULL;
	return err;
}

void kmst_writer_abort(struct kmst_writer *w)
{
	if (w->file)
		fclose(w->file);
	w->file = NULL;
}

/* One read() fills this much; a record larger than it grows the buffer. */
#define KMST_READ_CHUNK (1u << 20)
/*
 * A regular file is mapped this much at a time: big enough that remapping
 * costs nothing per record, small enough that the checker's memory does
 * not grow with the trace. A record (at most 64 KiB) always fits in one.
 */
#define KMST_MAP_WINDOW (1u << 20)

/* read() all of LEN bytes unless the file ends first; returns the count or -1. */
static ssize_t read_full(int fd, void *dst, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)dst + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int kmst_reader_open(struct kmst_reader *r, const char *path)
{
	struct kmst_file_header hdr;
	struct stat st;
	ssize_t got;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		kmst_err("%s: cannot open trace: %s", path, strerror(errno));
		return -1;
	}
	got = read_full(r->fd, &hdr, sizeof(hdr));
	if (got < 0) {
		kmst_err("%s: cannot read trace: %s", path, strerror(errno));
		goto err_close;
	}
	if ((size_t)got != sizeof(hdr)) {
		kmst_err("%s: not a kmstrace trace (file shorter than its header)", path);
		goto err_close;
	}
	if (memcmp(hdr.magic, KMST_FILE_MAGIC, sizeof(hdr.magic)) != 0) {
		kmst_err("%s: not a kmstrace trace (bad magic)", path);
		goto err_close;
	}
	if (hdr.version > KMST_EVENT_VERSION) {
		kmst_err("%s: trace format version %u is newer than this kmstrace (%u); upgrade kmstrace",
			 path, hdr.version, KMST_EVENT_VERSION);
		goto err_close;
	}
	if (hdr.version < 1) {
		kmst_err("%s: trace format version %u is invalid", path, hdr.version);
		goto err_close;
	}
	if (hdr.meta_len > KMST_META_MAX + 8 || hdr.meta_len % 8) {
		kmst_err("%s: corrupt header (metadata length %u)", path, hdr.meta_len);
		goto err_close;
	}
	r->version = hdr.version;
	r->meta = calloc(1, hdr.meta_len + 1);
	if (!r->meta) {
		kmst_err("%s: out of memory", path);
		goto err_close;
	}
	if (hdr.meta_len && read_full(r->fd, r->meta, hdr.meta_len) != (ssize_t)hdr.meta_len) {
		kmst_err("%s: truncated in the header metadata", path);
		goto err_free;
	}
	r->offset = sizeof(hdr) + hdr.meta_len;
	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* Mapped: the first window is made by the first reader_fill. */
		r->file_size = st.st_size;
		return 0;
	}
	r->buf_cap = KMST_READ_CHUNK;
	r->buf = malloc(r->buf_cap);
	if (!r->buf) {
		kmst_err("%s: out of memory", path);
		goto err_free;
	}
	r->pos = r->limit = r->buf;
	return 0;

err_free:
	free(r->meta);
	r->meta = NULL;
err_close:
	close(r->fd);
	r->fd = -1;
	return -1;
}

/* Map the window that starts at the page holding the next record. */
static int map_window(struct kmst_reader *r)
{
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	unsigned long long start = r->offset & ~(page - 1);
	size_t len = r->file_size - start < KMST_MAP_WINDOW ? r->file_size - start : KMST_MAP_WINDOW;
	void *map;

	if (r->offset >= r->file_size) {
		r->eof = true; /* what is left of the window is all there is */
		return 0;
	}
	if (r->map && munmap(r->map, r->map_len)) {
		kmst_err("%s: cannot unmap trace at byte %llu: %s", r->path, r->map_offset,
			 strerror(errno));
		return -1;
	}
	r->map = NULL;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, (off_t)start);
	if (map == MAP_FAILED) {
		kmst_err("%s: cannot map trace at byte %llu: %s", r->path, start, strerror(errno));
		return -1;
	}
	r->map = map;
	r->map_len = len;
	r->map_offset = start;
	r->pos = r->map + (r->offset - start);
	r->limit = r->map + len;
	r->eof = start + len == r->file_size;
	return 0;
}

/* The read() fallback: keep what is left, then read until NEED bytes or the end. */
static int read_more(struct kmst_reader *r, size_t need)
{
	size_t avail = (size_t)(r->limit - r->pos), len;

	memmove(r->buf, r->pos, avail);
	if (need > r->buf_cap) {
		unsigned char *bigger = realloc(r->buf, need);

		if (!bigger) {
			kmst_err("%s: out of memory", r->path);
			return -1;
		}
		r->buf = bigger;
		r->buf_cap = need;
	}
	len = avail;
	while (len < need) {
		ssize_t n = read(r->fd, r->buf + len, r->buf_cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kmst_err("%s: cannot read trace at byte %llu: %s", r->path,
				 r->offset + len, strerror(errno));
			return -1;
		}
		if (n == 0) {
			r->eof = true;
			break;
		}
		len += n;
	}
	r->pos = r->buf;
	r->limit = r->buf + len;
	return 0;
}

/*
 * Make at least NEED bytes available at pos, unless the file ends first.
 * Returns the bytes available (less than NEED only at the end of the
 * file), or -1 after printing the error.
 */
static ssize_t reader_fill(struct kmst_reader *r, size_t need)
{
	size_t avail = (size_t)(r->limit - r->pos);

	if (avail >= need || r->eof)
		return avail;
	if (r->buf ? read_more(r, need) : map_window(r))
		return -1;
	return r->limit - r->pos;
}

/* The END record: the counts must match, and nothing may follow it. */
static int reader_end(struct kmst_reader *r, const struct kmst_event *head)
{
	ssize_t avail;

	/* A version 2 END ends before missed_runs, which then reads 0. */
	if (head->size < offsetof(struct kmst_end_record, missed_runs)) {
		kmst_err("%s: corrupt END record at byte %llu", r->path, r->offset - head->size);
		return -1;
	}
	memset(&r->end, 0, sizeof(r->end));
	memcpy(&r->end, head, head->size < sizeof(r->end) ? head->size : sizeof(r->end));
	if (r->end.records != r->records) {
		kmst_err("%s: corrupt trace: END record counts %llu records, file has %llu",
			 r->path, (unsigned long long)r->end.records, r->records);
		return -1;
	}
	r->ended = true;
	avail = reader_fill(r, 1);
	if (avail != 0) {
		if (avail > 0)
			kmst_err("%s: corrupt trace: data after the END record (byte %llu)",
				 r->path, r->offset);
		return -1;
	}
	return 0;
}

int kmst_reader_next_slow(struct kmst_reader *r, const struct kmst_event **ev)
{
	const struct kmst_event *head;
	ssize_t avail;

	if (r->ended)
		return 0;
	avail = r->limit - r->pos;
	if ((size_t)avail < sizeof(*head)) {
		avail = reader_fill(r, sizeof(*head));
		if (avail < 0)
			return -1;
		if (avail == 0) {
			kmst_err("%s: incomplete trace: no END record after %llu records (byte %llu); "
				 "the recording was cut short",
				 r->path, r->records, r->offset);
			return -1;
		}
		if ((size_t)avail < sizeof(*head)) {
			kmst_err("%s: truncated record at byte %llu (record %llu)", r->path,
				 r->offset, r->records + 1);
			return -1;
		}
	}
	head = (const struct kmst_event *)r->pos;
	if (head->size < sizeof(*head) || head->size % 8 ||
	    head->type == KMST_EV_NONE || head->type >= KMST_EV_MAX) {
		kmst_err("%s: corrupt record at byte %llu (record %llu: type %u, size %u)",
			 r->path, r->offset, r->records + 1, head->type, head->size);
		return -1;
	}
	if ((size_t)avail < head->size) {
		unsigned int size = head->size;

		/* The fill may move the window: take the record from its new place. */
		avail = reader_fill(r, size);
		if (avail < 0)
			return -1;
		if ((size_t)avail < size) {
			kmst_err("%s: truncated record at byte %llu (record %llu, %u bytes expected)",
				 r->path, r->offset, r->records + 1, size);
			return -1;
		}
		head = (const struct kmst_event *)r->pos;
	}
	r->pos += head->size;
	r->offset += head->size;
	if (head->type == KMST_EV_END)
		return reader_end(r, head);
	r->records++;
	*ev = head;
	return 1;
}

void kmst_reader_close(struct kmst_reader *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->meta);
	free(r->buf);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * Every event type: its name, and the class that tells the checker how to
 * take it (enum kmst_event_class). A type missing here has class 0, which
 * the checker counts and reports as unknown: none is skipped silently.
 */
static const struct kmst_event_type_info event_types[KMST_EV_MAX] = {
	[KMST_EV_ATOMIC_IOCTL] = { "ATOMIC_IOCTL", KMST_CLASS_COMMIT },
	[KMST_EV_CHECK_ONLY] = { "CHECK_ONLY", KMST_CLASS_COMMIT },
	[KMST_EV_COMMIT] = { "COMMIT", KMST_CLASS_COMMIT },
	[KMST_EV_NONBLOCKING_COMMIT] = { "NONBLOCKING_COMMIT", KMST_CLASS_COMMIT },
	[KMST_EV_HELPER_CHECK] = { "HELPER_CHECK", KMST_CLASS_COMMIT },
	[KMST_EV_CHECK_MODESET] = { "CHECK_MODESET", KMST_CLASS_COMMIT },
	[KMST_EV_CHECK_PLANES] = { "CHECK_PLANES", KMST_CLASS_COMMIT },
	[KMST_EV_HELPER_COMMIT] = { "HELPER_COMMIT", KMST_CLASS_COMMIT },
	[KMST_EV_SETUP_COMMIT] = { "SETUP_COMMIT", KMST_CLASS_COMMIT },
	[KMST_EV_PREPARE_PLANES] = { "PREPARE_PLANES", KMST_CLASS_COMMIT },
	[KMST_EV_SWAP_STATE] = { "SWAP_STATE", KMST_CLASS_COMMIT },
	[KMST_EV_WAIT_FOR_FENCES] = { "WAIT_FOR_FENCES", KMST_CLASS_COMMIT },
	[KMST_EV_WAIT_FOR_DEPENDENCIES] = { "WAIT_FOR_DEPENDENCIES", KMST_CLASS_COMMIT },
	[KMST_EV_MODESET_DISABLES] = { "MODESET_DISABLES", KMST_CLASS_COMMIT },
	[KMST_EV_COMMIT_PLANES] = { "COMMIT_PLANES", KMST_CLASS_COMMIT },
	[KMST_EV_MODESET_ENABLES] = { "MODESET_ENABLES", KMST_CLASS_COMMIT },
	[KMST_EV_FAKE_VBLANK] = { "FAKE_VBLANK", KMST_CLASS_COMMIT },
	[KMST_EV_HW_DONE] = { "HW_DONE", KMST_CLASS_COMMIT },
	[KMST_EV_WAIT_FOR_FLIP_DONE] = { "WAIT_FOR_FLIP_DONE", KMST_CLASS_COMMIT },
	[KMST_EV_WAIT_FOR_VBLANKS] = { "WAIT_FOR_VBLANKS", KMST_CLASS_COMMIT },
	[KMST_EV_CLEANUP_PLANES] = { "CLEANUP_PLANES", KMST_CLASS_COMMIT },
	[KMST_EV_CLEANUP_DONE] = { "CLEANUP_DONE", KMST_CLASS_COMMIT },
	[KMST_EV_COMMIT_TAIL] = { "COMMIT_TAIL", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_ATOMIC_CHECK] = { "CRTC_ATOMIC_CHECK", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_ATOMIC_BEGIN] = { "CRTC_ATOMIC_BEGIN", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_ATOMIC_FLUSH] = { "CRTC_ATOMIC_FLUSH", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_ATOMIC_ENABLE] = { "CRTC_ATOMIC_ENABLE", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_ATOMIC_DISABLE] = { "CRTC_ATOMIC_DISABLE", KMST_CLASS_COMMIT },
	[KMST_EV_PLANE_ATOMIC_CHECK] = { "PLANE_ATOMIC_CHECK", KMST_CLASS_COMMIT },
	[KMST_EV_PLANE_ATOMIC_UPDATE] = { "PLANE_ATOMIC_UPDATE", KMST_CLASS_COMMIT },
	[KMST_EV_PLANE_ATOMIC_DISABLE] = { "PLANE_ATOMIC_DISABLE", KMST_CLASS_COMMIT },
	[KMST_EV_PLANE_PREPARE_FB] = { "PLANE_PREPARE_FB", KMST_CLASS_COMMIT },
	[KMST_EV_PLANE_CLEANUP_FB] = { "PLANE_CLEANUP_FB", KMST_CLASS_COMMIT },
	[KMST_EV_VBLANK_ON] = { "VBLANK_ON", KMST_CLASS_COMMIT },
	[KMST_EV_VBLANK_OFF] = { "VBLANK_OFF", KMST_CLASS_COMMIT },
	[KMST_EV_VBLANK_GET] = { "VBLANK_GET", KMST_CLASS_COMMIT },
	[KMST_EV_VBLANK_PUT] = { "VBLANK_PUT", KMST_CLASS_COMMIT },
	[KMST_EV_ARM_VBLANK_EVENT] = { "ARM_VBLANK_EVENT", KMST_CLASS_COMMIT },
	[KMST_EV_SEND_VBLANK_EVENT] = { "SEND_VBLANK_EVENT", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_HANDLE_VBLANK] = { "HANDLE_VBLANK", KMST_CLASS_VBLANK },
	[KMST_EV_VBLANK_EVENT] = { "VBLANK_EVENT", KMST_CLASS_VBLANK },
	[KMST_EV_VBLANK_EVENT_QUEUED] = { "VBLANK_EVENT_QUEUED", KMST_CLASS_VBLANK },
	[KMST_EV_VBLANK_EVENT_DELIVERED] = { "VBLANK_EVENT_DELIVERED", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_HW_DONE_COMPLETE] = { "HW_DONE_COMPLETE", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_FLIP_DONE_COMPLETE] = { "FLIP_DONE_COMPLETE", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_CLEANUP_DONE_COMPLETE] = { "CLEANUP_DONE_COMPLETE", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_STATE_FREE] = { "STATE_FREE", KMST_CLASS_COMMIT_LATE },
	[KMST_EV_STATE_ALLOC] = { "STATE_ALLOC", KMST_CLASS_COMMIT },
	[KMST_EV_CRTC_STATE] = { "CRTC_STATE", KMST_CLASS_COMMIT },
	[KMST_EV_TVKMS_STAGE] = { "TVKMS_STAGE", KMST_CLASS_DRIVER },
	[KMST_EV_TVKMS_VBLANK] = { "TVKMS_VBLANK", KMST_CLASS_DRIVER },
	[KMST_EV_TVKMS_EVENT] = { "TVKMS_EVENT", KMST_CLASS_DRIVER },
	[KMST_EV_TVKMS_FB] = { "TVKMS_FB", KMST_CLASS_DRIVER },
	[KMST_EV_TVKMS_FAULT] = { "TVKMS_FAULT", KMST_CLASS_DRIVER },
	[KMST_EV_REPLAY_COMMIT] = { "REPLAY_COMMIT", KMST_CLASS_USER },
	[KMST_EV_MARK] = { "MARK", KMST_CLASS_USER },
	[KMST_EV_END] = { "END", KMST_CLASS_USER },
	[KMST_EV_STALL] = { "STALL", KMST_CLASS_USER },
	[KMST_EV_REC_ATOMIC] = { "REC_ATOMIC", KMST_CLASS_RECORDER },
	[KMST_EV_REC_ADDFB2] = { "REC_ADDFB2", KMST_CLASS_RECORDER },
	[KMST_EV_REC_RMFB] = { "REC_RMFB", KMST_CLASS_RECORDER },
	[KMST_EV_REC_CREATE_DUMB] = { "REC_CREATE_DUMB", KMST_CLASS_RECORDER },
	[KMST_EV_REC_CREATEPROPBLOB] = { "REC_CREATEPROPBLOB", KMST_CLASS_RECORDER },
	[KMST_EV_REC_PROPERTY_NAME] = { "REC_PROPERTY_NAME", KMST_CLASS_RECORDER },
};

const char *kmst_event_type_name(unsigned int type)
{
	return type < KMST_EV_MAX ? event_types[type].name : NULL;
}

enum kmst_event_class kmst_event_class(unsigned int type)
{
	return type < KMST_EV_MAX ? event_types[type].class : KMST_CLASS_UNKNOWN;
}

static const char *const rule_names[KMST_RULE_COUNT] = KMST_RULE_NAMES_INIT;

const char *kmst_rule_name(unsigned int rule)
{
	return rule < KMST_RULE_COUNT ? rule_names[rule] : NULL;
}

unsigned int kmst_rule_from_name(const char *name)
{
	unsigned int rule;

	for (rule = 1; rule < KMST_RULE_COUNT; rule++)
		if (!strcmp(rule_names[rule], name))
			return rule;
	return 0;
}
