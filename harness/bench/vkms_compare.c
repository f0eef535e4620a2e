// SPDX-License-Identifier: GPL-2.0
/*
 * vkms_compare: tvkms against upstream VKMS, both loaded in one guest, on
 * the same scene: a 1920x1080 mode, a full-screen primary, a 256x256
 * ARGB8888 cursor and two 512x512 ARGB8888 overlays.
 *
 *   vkms_compare composer [-v] [--rounds N] [--frames F] [--primary-format XR24|AR24]
 *   vkms_compare vblank [-v] [--frames N]
 *
 * composer: with CRC on (source "auto", crc/data open and read), each
 * driver's composer work function is timed by fentry/fexit
 * (bpf/composer_time.bpf.c, its target set at load). Rounds alternate the
 * drivers; each round keeps F calls after one warm-up call (the first may
 * allocate the line buffers). Prints p50 and p99 ns/frame per driver over
 * every round and the tvkms/vkms ratios (target <= 0.5).
 *
 * vblank: N VBLANK timestamps per driver from DRM_IOCTL_CRTC_QUEUE_SEQUENCE
 * events (nanoseconds), both CRTCs running at once in the same mode. The
 * interval error is |t[i] - t[i-1] - nominal| between consecutive
 * sequence numbers, the nominal frame being htotal * vtotal / clock of the
 * mode; the drift is (last - first - frames * nominal) / (frames * nominal).
 *
 * Lines starting "bench: " are what ci/bench reads. Exit 0 when every figure
 * was measured (a missed target is for ci/bench to judge), 3 when not.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/log.h"
#include "diff/stats.h"
#include "replay/drm_props.h"
#include "composer_time.h"
#include "composer_time.skel.h"

#define FOURCC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define FORMAT_XRGB8888 FOURCC('X', 'R', '2', '4')
#define FORMAT_ARGB8888 FOURCC('A', 'R', '2', '4')

#define MAX_ROUNDS 64
#define ROUND_TIMEOUT_S 300.0
/* Sequences queued ahead per CRTC, so none is already past when it is queued. */
#define VBLANK_QUEUE_AHEAD 8

/* The drivers compared, and the composer work function of each. */
enum { DRV_TVKMS, DRV_VKMS, DRV_COUNT };
static const struct {
	const char *name;
	const char *composer_fn;
} drivers[DRV_COUNT] = {
	[DRV_TVKMS] = { "tvkms", "tvkms_composer_work" },
	[DRV_VKMS] = { "vkms", "vkms_composer_worker" },
};

/* The scene's planes, in the order they are looked up and committed. */
enum { PL_PRIMARY, PL_OVERLAY0, PL_OVERLAY1, PL_CURSOR, PL_COUNT };
static const struct {
	const char *name;
	uint64_t type; /* DRM_PLANE_TYPE_* */
	unsigned int width, height, x, y; /* 0 width: the mode's size at 0,0 */
} scene[PL_COUNT] = {
	[PL_PRIMARY] = { "primary", DRM_PLANE_TYPE_PRIMARY, 0, 0, 0, 0 },
	[PL_OVERLAY0] = { "overlay 0", DRM_PLANE_TYPE_OVERLAY, 512, 512, 100, 100 },
	[PL_OVERLAY1] = { "overlay 1", DRM_PLANE_TYPE_OVERLAY, 512, 512, 1200, 450 },
	[PL_CURSOR] = { "cursor", DRM_PLANE_TYPE_CURSOR, 256, 256, 800, 500 },
};

struct plane {
	uint32_t id, fb, format;
	unsigned int width, height, x, y;
};

/* One driver's device with the scene set. */
struct device {
	int fd, minor, crtc_index;
	uint32_t conn_id, crtc_id, mode_blob;
	drmModeModeInfo mode;
	struct plane planes[PL_COUNT];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!kmst_log_verbose() || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The first /dev/dri/cardN whose driver is NAME, opened; -1 if none. */
static int open_driver(const char *name)
{
	char path[32];
	int i;

	for (i = 0; i < 16; i++) {
		drmVersionPtr version;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		version = drmGetVersion(fd);
		if (version && !strcmp(version->name, name)) {
			drmFreeVersion(version);
			return fd;
		}
		drmFreeVersion(version);
		close(fd);
	}
	return -1;
}

/* A dumb buffer of WIDTH x HEIGHT in FORMAT, filled with a pattern ALPHA translucent. */
static int make_fb(int fd, unsigned int width, unsigned int height, uint32_t format, uint8_t alpha,
		   uint32_t *fb_id)
{
	struct drm_mode_create_dumb create = { .width = width, .height = height, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	unsigned int x, y;
	uint8_t *pixels;

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return -errno;
	pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	if (pixels == MAP_FAILED)
		return -errno;
	for (y = 0; y < height; y++) {
		uint32_t *line = (uint32_t *)(pixels + (size_t)y * create.pitch);

		for (x = 0; x < width; x++)
			line[x] = (uint32_t)alpha << 24 | (x * 255 / width) << 16 | (y * 255 / height) << 8 |
				  ((x + y) & 0xff);
	}
	munmap(pixels, create.size);
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(fd, width, height, format, handles, pitches, offsets, fb_id, 0))
		return -errno;
	return 0;
}

static uint64_t plane_type(int fd, uint32_t plane_id)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	uint32_t type_prop = kmst_prop_id(fd, plane_id, DRM_MODE_OBJECT_PLANE, "type");
	uint64_t type = ~0ull;
	uint32_t i;

	for (i = 0; props && i < props->count_props; i++)
		if (props->props[i] == type_prop)
			type = props->prop_values[i];
	drmModeFreeObjectProperties(props);
	return type;
}

static bool plane_takes(const drmModePlane *p, uint32_t format)
{
	uint32_t i;

	for (i = 0; i < p->count_formats; i++)
		if (p->formats[i] == format)
			return true;
	return false;
}

/* The scene's planes for the CRTC of index CRTC_INDEX, each unused so far. */
static int find_planes(struct device *d, const char *driver, uint32_t primary_format)
{
	drmModePlaneRes *res = drmModeGetPlaneResources(d->fd);
	bool used[64] = { false };
	int p, err = 0;
	uint32_t i;

	if (!res)
		return -errno;
	for (p = 0; p < PL_COUNT && !err; p++) {
		struct plane *pl = &d->planes[p];

		pl->format = p == PL_PRIMARY ? primary_format : FORMAT_ARGB8888;
		for (i = 0; i < res->count_planes && i < 64 && !pl->id; i++) {
			drmModePlane *plane = drmModeGetPlane(d->fd, res->planes[i]);

			if (plane && !used[i] && (plane->possible_crtcs & (1u << d->crtc_index)) &&
			    plane_type(d->fd, res->planes[i]) == scene[p].type &&
			    plane_takes(plane, pl->format)) {
				pl->id = res->planes[i];
				used[i] = true;
			}
			drmModeFreePlane(plane);
		}
		if (!pl->id) {
			kmst_err("%s: no %s plane taking %.4s for CRTC %u", driver, scene[p].name,
				 (const char *)&pl->format, d->crtc_id);
			err = -ENODEV;
		}
		pl->width = scene[p].width ? scene[p].width : d->mode.hdisplay;
		pl->height = scene[p].height ? scene[p].height : d->mode.vdisplay;
		pl->x = scene[p].x;
		pl->y = scene[p].y;
	}
	drmModeFreePlaneResources(res);
	return err;
}

/*
 * The connector's 1920x1080 mode: the DMT/CEA 1080p60 timing (148.5 MHz,
 * 2200x1125) when it has it, so that both drivers run the same mode, else
 * its first 1920x1080 mode at 60 Hz, else its first 1920x1080 mode.
 */
static bool pick_mode(const drmModeConnector *c, drmModeModeInfo *mode)
{
	int i, rank = 0;

	for (i = 0; i < c->count_modes; i++) {
		const drmModeModeInfo *m = &c->modes[i];
		int r;

		if (m->hdisplay != 1920 || m->vdisplay != 1080)
			continue;
		r = m->clock == 148500 && m->htotal == 2200 && m->vtotal == 1125 ? 3 :
		    m->vrefresh == 60 ? 2 : 1;
		if (r > rank) {
			*mode = *m;
			rank = r;
		}
	}
	return rank > 0;
}

static int add_plane(drmModeAtomicReq *req, int fd, uint32_t crtc_id, const struct plane *pl)
{
	static const char *const names[] = { "FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H",
					     "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	uint64_t values[] = { pl->fb, crtc_id, 0, 0, (uint64_t)pl->width << 16, (uint64_t)pl->height << 16,
			      pl->x, pl->y, pl->width, pl->height };
	unsigned int i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint32_t prop = kmst_prop_id(fd, pl->id, DRM_MODE_OBJECT_PLANE, names[i]);

		if (!prop || drmModeAtomicAddProperty(req, pl->id, prop, values[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Open DRIVER's device and commit the scene in its 1920x1080 mode. */
static int device_open(struct device *d, const char *driver, uint32_t primary_format)
{
	drmModeAtomicReq *req = NULL;
	drmModeRes *res = NULL;
	struct stat st;
	int i, p, err = -ENODEV;

	memset(d, 0, sizeof(*d));
	d->crtc_index = -1;
	d->fd = open_driver(driver);
	if (d->fd < 0) {
		kmst_err("no /dev/dri/card* of driver %s (is it loaded?)", driver);
		return -ENODEV;
	}
	if (fstat(d->fd, &st) || drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		kmst_err("%s: no atomic modesetting: %s", driver, strerror(errno));
		return -errno;
	}
	/* debugfs names the device dri/<minor>: the card node's minor. */
	d->minor = minor(st.st_rdev);
	res = drmModeGetResources(d->fd);
	for (i = 0; res && i < res->count_connectors && !d->conn_id; i++) {
		drmModeConnector *c = drmModeGetConnector(d->fd, res->connectors[i]);
		drmModeEncoder *e = NULL;
		int j;

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_encoders &&
		    pick_mode(c, &d->mode))
			e = drmModeGetEncoder(d->fd, c->encoders[0]);
		for (j = 0; e && j < res->count_crtcs && d->crtc_index < 0; j++) {
			if (e->possible_crtcs & (1u << j)) {
				d->crtc_index = j;
				d->crtc_id = res->crtcs[j];
				d->conn_id = c->connector_id;
			}
		}
		drmModeFreeEncoder(e);
		drmModeFreeConnector(c);
	}
	if (!d->conn_id) {
		kmst_err("%s: no connected connector with a 1920x1080 mode", driver);
		goto out;
	}
	err = find_planes(d, driver, primary_format);
	if (err)
		goto out;
	for (p = 0; p < PL_COUNT; p++) {
		struct plane *pl = &d->planes[p];

		err = make_fb(d->fd, pl->width, pl->height, pl->format, p == PL_PRIMARY ? 0xff : 0x80,
			      &pl->fb);
		if (err) {
			kmst_err("%s: failed to create the %s framebuffer: %s", driver, scene[p].name,
				 strerror(-err));
			goto out;
		}
	}
	err = -EINVAL;
	req = drmModeAtomicAlloc();
	if (!req || drmModeCreatePropertyBlob(d->fd, &d->mode, sizeof(d->mode), &d->mode_blob))
		goto out;
	if (drmModeAtomicAddProperty(req, d->conn_id,
				     kmst_prop_id(d->fd, d->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"),
				     d->crtc_id) < 0 ||
	    drmModeAtomicAddProperty(req, d->crtc_id,
				     kmst_prop_id(d->fd, d->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID"),
				     d->mode_blob) < 0 ||
	    drmModeAtomicAddProperty(req, d->crtc_id,
				     kmst_prop_id(d->fd, d->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1) < 0)
		goto out;
	for (p = 0; p < PL_COUNT; p++)
		if (add_plane(req, d->fd, d->crtc_id, &d->planes[p]))
			goto out;
	if (drmModeAtomicCommit(d->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL)) {
		err = -errno;
		kmst_err("%s: failed to commit the scene: %s", driver, strerror(errno));
		goto out;
	}
	err = 0;
out:
	drmModeAtomicFree(req);
	drmModeFreeResources(res);
	return err;
}

static double nominal_frame_ns(const drmModeModeInfo *mode)
{
	return (double)mode->htotal * mode->vtotal * 1e6 / mode->clock;
}

/* ---- composer ns/frame ---- */

struct samples {
	unsigned long long *ns;
	size_t count, cap;
};

static int samples_add(struct samples *s, unsigned long long ns)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		unsigned long long *grown = realloc(s->ns, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->ns = grown;
		s->cap = cap;
	}
	s->ns[s->count++] = ns;
	return 0;
}

/* What one timed round keeps of the ring buffer's records. */
struct round {
	struct samples *pool;
	unsigned int seen, wanted, bad_version;
};

static int on_composer_record(void *ctx, void *data, size_t size)
{
	const struct composer_time_record *rec = data;
	struct round *r = ctx;

	if (size < sizeof(*rec) || rec->version != COMPOSER_TIME_VERSION) {
		r->bad_version++;
		return 0;
	}
	/* The first call of a round is a warm-up; past WANTED, CRC is being turned off. */
	if (r->seen++ == 0 || r->seen > r->wanted + 1)
		return 0;
	return samples_add(r->pool, rec->duration_ns);
}

/* Read whatever the CRC file has, so the DRM CRC FIFO never overflows. */
static unsigned int crc_drain(int crc_fd)
{
	char buf[4096];
	unsigned int lines = 0;
	ssize_t n;

	while ((n = read(crc_fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return lines;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = -errno;
	close(fd);
	return err;
}

/*
 * One round: time FRAMES composer calls of driver DRV with CRC on, into POOL.
 * Returns the round's median ns, or 0 on failure.
 */
static unsigned long long composer_round(const struct device *d, int drv, unsigned int frames,
					 struct samples *pool, unsigned int *crc_lines)
{
	struct round r = { .pool = pool, .wanted = frames };
	struct kmst_composer_time *skel = NULL;
	struct ring_buffer *rb = NULL;
	size_t first = pool->count;
	unsigned long long median = 0;
	char path[128];
	int crc_fd = -1, err;
	double start;

	skel = kmst_composer_time__open();
	if (!skel) {
		kmst_err("failed to open the composer timer: %s", strerror(errno));
		return 0;
	}
	err = bpf_program__set_attach_target(skel->progs.composer_enter, 0, drivers[drv].composer_fn);
	if (!err)
		err = bpf_program__set_attach_target(skel->progs.composer_exit, 0, drivers[drv].composer_fn);
	if (!err)
		err = kmst_composer_time__load(skel);
	if (err) {
		kmst_err("failed to load fentry/fexit on %s (module BTF?): %s", drivers[drv].composer_fn,
			 strerror(-err));
		goto out;
	}
	err = kmst_composer_time__attach(skel);
	if (err) {
		kmst_err("failed to attach to %s: %s", drivers[drv].composer_fn, strerror(-err));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.records), on_composer_record, &r, NULL);
	if (!rb) {
		kmst_err("failed to create the ring buffer reader: %s", strerror(errno));
		goto out;
	}
	/* The DRM CRC API: the source is set by writing it, and runs while data is open. */
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/crtc-%d/crc/control", d->minor,
		 d->crtc_index);
	err = write_file(path, "auto");
	if (err) {
		kmst_err("failed to write auto to %s: %s", path, strerror(-err));
		goto out;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/crtc-%d/crc/data", d->minor,
		 d->crtc_index);
	crc_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (crc_fd < 0) {
		kmst_err("failed to open %s: %s", path, strerror(errno));
		goto out;
	}
	start = kmst_monotonic_s();
	while (r.seen <= frames && !stopping) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			kmst_err("failed to poll the ring buffer: %s", strerror(-err));
			goto out;
		}
		*crc_lines += crc_drain(crc_fd);
		if (kmst_monotonic_s() - start > ROUND_TIMEOUT_S) {
			kmst_err("%s: %u of %u composer calls in %.0f s", drivers[drv].name, r.seen, frames + 1,
				 ROUND_TIMEOUT_S);
			goto out;
		}
	}
	if (r.bad_version || skel->bss->lost_records) {
		kmst_err("%s: %u records of another version, %llu lost", drivers[drv].name, r.bad_version,
			 (unsigned long long)skel->bss->lost_records);
		goto out;
	}
	if (pool->count - first == frames) {
		unsigned long long *round_ns = malloc(frames * sizeof(*round_ns));

		if (round_ns) {
			memcpy(round_ns, pool->ns + first, frames * sizeof(*round_ns));
			kmst_stats_sort(round_ns, frames);
			median = kmst_stats_percentile(round_ns, frames, 50);
			free(round_ns);
		}
	}
out:
	if (crc_fd >= 0) {
		*crc_lines += crc_drain(crc_fd);
		close(crc_fd);
	}
	ring_buffer__free(rb);
	kmst_composer_time__destroy(skel);
	return median;
}

static int do_composer(int rounds, unsigned int frames, uint32_t primary_format)
{
	struct device devs[DRV_COUNT];
	struct samples pool[DRV_COUNT] = { 0 };
	double round_ratio[MAX_ROUNDS], p50[DRV_COUNT], p99[DRV_COUNT];
	unsigned int crc_lines[DRV_COUNT] = { 0 };
	int drv, round, status = 3;

	for (drv = 0; drv < DRV_COUNT; drv++)
		if (device_open(&devs[drv], drivers[drv].name, primary_format))
			return 3;
	printf("composer ns/frame: %ux%u@%u, %.4s primary, two 512x512 ARGB8888 overlays, "
	       "a 256x256 ARGB8888 cursor, CRC on; %d alternated rounds of %u frames\n",
	       devs[0].mode.hdisplay, devs[0].mode.vdisplay, devs[0].mode.vrefresh,
	       (const char *)&primary_format, rounds, frames);
	printf("%-5s %14s %14s %8s\n", "round", "tvkms p50 ns", "vkms p50 ns", "ratio");
	for (round = 0; round < rounds; round++) {
		unsigned long long median[DRV_COUNT];
		int i;

		/* ABBA: neither driver always goes first. */
		for (i = 0; i < DRV_COUNT; i++) {
			drv = round % 2 ? DRV_COUNT - 1 - i : i;
			median[drv] = composer_round(&devs[drv], drv, frames, &pool[drv], &crc_lines[drv]);
			if (!median[drv])
				goto out;
		}
		round_ratio[round] = (double)median[DRV_TVKMS] / median[DRV_VKMS];
		printf("%-5d %14llu %14llu %8.3f\n", round + 1, median[DRV_TVKMS], median[DRV_VKMS],
		       round_ratio[round]);
	}
	for (drv = 0; drv < DRV_COUNT; drv++) {
		kmst_stats_sort(pool[drv].ns, pool[drv].count);
		p50[drv] = kmst_stats_percentile(pool[drv].ns, pool[drv].count, 50);
		p99[drv] = kmst_stats_percentile(pool[drv].ns, pool[drv].count, 99);
		printf("bench: composer driver=%s function=%s p50_ns=%.0f p99_ns=%.0f max_ns=%llu frames=%zu "
		       "crc_lines=%u primary=%.4s\n",
		       drivers[drv].name, drivers[drv].composer_fn, p50[drv], p99[drv],
		       pool[drv].ns[pool[drv].count - 1], pool[drv].count, crc_lines[drv],
		       (const char *)&primary_format);
	}
	{
		double lo = round_ratio[0], hi = round_ratio[0];

		for (round = 1; round < rounds; round++) {
			lo = fmin(lo, round_ratio[round]);
			hi = fmax(hi, round_ratio[round]);
		}
		printf("bench: composer_ratio p50=%.4f p99=%.4f round_min=%.4f round_max=%.4f rounds=%d "
		       "primary=%.4s\n",
		       p50[DRV_TVKMS] / p50[DRV_VKMS], p99[DRV_TVKMS] / p99[DRV_VKMS], lo, hi, rounds,
		       (const char *)&primary_format);
	}
	status = 0;
out:
	for (drv = 0; drv < DRV_COUNT; drv++) {
		free(pool[drv].ns);
		close(devs[drv].fd);
	}
	return status;
}

/* ---- VBLANK interval error and drift ---- */

struct vblank_run {
	const struct device *dev;
	uint64_t *seq, *ns; /* each event, in arrival order */
	unsigned int count, wanted, queued_up_to, mismatched;
	uint64_t first_seq;
};

static void on_sequence(int fd, uint64_t sequence, uint64_t ns, uint64_t user_data)
{
	struct vblank_run *v = (struct vblank_run *)(uintptr_t)user_data;

	(void)fd;
	if (v->count >= v->wanted)
		return;
	v->seq[v->count] = sequence;
	v->ns[v->count] = ns;
	v->count++;
}

/* Queue absolute sequences up to VBLANK_QUEUE_AHEAD past what has arrived. */
static int vblank_queue(struct vblank_run *v)
{
	while (v->queued_up_to < v->wanted && v->queued_up_to < v->count + VBLANK_QUEUE_AHEAD) {
		uint64_t queued;

		if (drmCrtcQueueSequence(v->dev->fd, v->dev->crtc_id, 0, v->first_seq + v->queued_up_to,
					 &queued, (uint64_t)(uintptr_t)v))
			return -errno;
		v->queued_up_to++;
	}
	return 0;
}

static int do_vblank(unsigned int frames)
{
	drmEventContext ev = { .version = 4, .sequence_handler = on_sequence };
	struct device devs[DRV_COUNT];
	struct vblank_run runs[DRV_COUNT] = { 0 };
	double nominal, start;
	int drv, status = 3;

	for (drv = 0; drv < DRV_COUNT; drv++) {
		if (device_open(&devs[drv], drivers[drv].name, FORMAT_XRGB8888))
			goto out;
		runs[drv].dev = &devs[drv];
		runs[drv].wanted = frames;
		runs[drv].seq = calloc(frames, sizeof(uint64_t));
		runs[drv].ns = calloc(frames, sizeof(uint64_t));
		if (!runs[drv].seq || !runs[drv].ns) {
			kmst_err("failed to allocate %u timestamps", frames);
			goto out;
		}
	}
	if (memcmp(&devs[DRV_TVKMS].mode, &devs[DRV_VKMS].mode, offsetof(drmModeModeInfo, vrefresh))) {
		kmst_err("tvkms and vkms offer different 1920x1080 modes");
		goto out;
	}
	nominal = nominal_frame_ns(&devs[0].mode);
	printf("VBLANK intervals: %ux%u@%u (clock %u kHz, %ux%u total, nominal frame %.2f ns), "
	       "%u frames per driver, both CRTCs running at once\n",
	       devs[0].mode.hdisplay, devs[0].mode.vdisplay, devs[0].mode.vrefresh, devs[0].mode.clock,
	       devs[0].mode.htotal, devs[0].mode.vtotal, nominal, frames);
	for (drv = 0; drv < DRV_COUNT; drv++) {
		uint64_t now_seq, now_ns;

		/* A margin of two frames past the current one before the first event. */
		if (drmCrtcGetSequence(devs[drv].fd, devs[drv].crtc_id, &now_seq, &now_ns)) {
			kmst_err("%s: failed to read the CRTC sequence: %s", drivers[drv].name, strerror(errno));
			goto out;
		}
		runs[drv].first_seq = now_seq + 2;
	}
	start = kmst_monotonic_s();
	while (!stopping && (runs[0].count < frames || runs[1].count < frames)) {
		struct pollfd pfd[DRV_COUNT];

		for (drv = 0; drv < DRV_COUNT; drv++) {
			int err = vblank_queue(&runs[drv]);

			if (err) {
				kmst_err("%s: failed to queue a sequence: %s", drivers[drv].name, strerror(-err));
				goto out;
			}
			pfd[drv].fd = devs[drv].fd;
			pfd[drv].events = POLLIN;
		}
		if (poll(pfd, DRV_COUNT, 1000) < 0 && errno != EINTR)
			goto out;
		for (drv = 0; drv < DRV_COUNT; drv++)
			if ((pfd[drv].revents & POLLIN) && drmHandleEvent(devs[drv].fd, &ev)) {
				kmst_err("%s: failed to read events", drivers[drv].name);
				goto out;
			}
		if (kmst_monotonic_s() - start > 2.0 * frames * nominal / 1e9 + 60) {
			kmst_err("VBLANK events: %u and %u of %u after %.0f s", runs[0].count, runs[1].count,
				 frames, kmst_monotonic_s() - start);
			goto out;
		}
	}
	if (stopping)
		goto out;
	for (drv = 0; drv < DRV_COUNT; drv++) {
		struct vblank_run *v = &runs[drv];
		unsigned long long *error = calloc(frames, sizeof(*error));
		unsigned int i, intervals = 0, gaps = 0;
		double span_frames, drift;

		if (!error)
			goto out;
		for (i = 1; i < v->count; i++) {
			double interval = (double)(v->ns[i] - v->ns[i - 1]);

			if (v->seq[i] != v->seq[i - 1] + 1) {
				gaps++;
				continue;
			}
			/* Tenths of a nanosecond: the nominal frame is not a whole number. */
			error[intervals++] = (unsigned long long)llround(fabs(interval - nominal) * 10);
		}
		for (i = 0; i < v->count; i++)
			v->mismatched += v->seq[i] != v->first_seq + i;
		kmst_stats_sort(error, intervals);
		span_frames = (double)(v->seq[v->count - 1] - v->seq[0]);
		drift = (v->ns[v->count - 1] - v->ns[0] - span_frames * nominal) / (span_frames * nominal);
		printf("bench: vblank driver=%s frames=%u intervals=%u gaps=%u late_events=%u "
		       "p50_ns=%.1f p99_ns=%.1f max_ns=%.1f drift_pct=%.6f nominal_ns=%.2f mode=%ux%u@%u\n",
		       drivers[drv].name, v->count, intervals, gaps, v->mismatched,
		       kmst_stats_percentile(error, intervals, 50) / 10.0,
		       kmst_stats_percentile(error, intervals, 99) / 10.0,
		       intervals ? error[intervals - 1] / 10.0 : 0.0, drift * 100, nominal,
		       devs[drv].mode.hdisplay, devs[drv].mode.vdisplay, devs[drv].mode.vrefresh);
		free(error);
	}
	status = 0;
out:
	for (drv = 0; drv < DRV_COUNT; drv++) {
		free(runs[drv].seq);
		free(runs[drv].ns);
		if (runs[drv].dev)
			close(devs[drv].fd);
	}
	return status;
}

static void usage(void)
{
	fprintf(stderr, "usage: vkms_compare composer [-v] [--rounds N] [--frames F] "
			"[--primary-format XR24|AR24]\n"
			"       vkms_compare vblank [-v] [--frames N]\n");
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "frames", required_argument, NULL, 'f' },
		{ "primary-format", required_argument, NULL, 'p' },
		{ 0 },
	};
	struct kmst_log_opts log_opts = { 0 };
	uint32_t primary_format = FORMAT_XRGB8888;
	int rounds = 5, frames = -1, opt;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *cmd;

	if (argc < 2) {
		usage();
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "r:f:p:v", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'f':
			frames = atoi(optarg);
			break;
		case 'p':
			if (strlen(optarg) != 4) {
				usage();
				return 2;
			}
			primary_format = FOURCC(optarg[0], optarg[1], optarg[2], optarg[3]);
			break;
		case 'v':
			log_opts.verbose = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	kmst_log_configure(&log_opts);
	libbpf_set_print(libbpf_print);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!strcmp(cmd, "composer")) {
		if (frames < 0)
			frames = 20;
		if (rounds < 1 || rounds > MAX_ROUNDS || frames < 1) {
			kmst_err("composer: 1 to %d rounds of at least one frame", MAX_ROUNDS);
			return 2;
		}
		return do_composer(rounds, frames, primary_format);
	}
	if (!strcmp(cmd, "vblank")) {
		if (frames < 0)
			frames = 10000;
		if (frames < 3) {
			kmst_err("vblank: at least 3 frames");
			return 2;
		}
		return do_vblank(frames);
	}
	usage();
	return 2;
}
