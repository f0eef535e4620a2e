// SPDX-License-Identifier: GPL-2.0
/*
 * tracing_overhead: atomic commit throughput with and without the tracers,
 * TEST_ONLY commits and real page flips with events, alternated A/B for
 * several rounds in one run; prints traced/untraced per round and the
 * target (>= 0.98). Each round also measures the tracers without the ioctl
 * recorder, to show what the recorder's user-memory copies cost.
 *
 *   tracing_overhead [-v] [--device /dev/dri/cardN] [--rounds N] [--seconds S]
 *                    [--refresh HZ]
 *   tracing_overhead --flip-client N [--device ...]
 *
 * --flip-client N only sets a mode and does N nonblocking atomic flips with
 * PAGE_FLIP_EVENT, waiting for each event (the tests' atomic client); it
 * exits 0 when every event arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "replay/drm_props.h"
#include "common/log.h"
#include "tracer/tracer.h"

#define TARGET_RATIO 0.98

struct kms {
	int fd;
	uint32_t conn_id, crtc_id, plane_id, mode_blob;
	drmModeModeInfo mode;
	uint32_t fb[2];
	/* property ids */
	uint32_t conn_crtc, crtc_mode, crtc_active, plane_fb, plane_crtc;
	uint32_t src_x, src_y, src_w, src_h, crtc_x, crtc_y, crtc_w, crtc_h;
	unsigned int front;
	unsigned long long events;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_fb(struct kms *k, unsigned int idx)
{
	struct drm_mode_create_dumb create = { .width = k->mode.hdisplay, .height = k->mode.vdisplay,
					       .bpp = 32 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	if (drmIoctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	/* 'XR24' */
	if (drmModeAddFB2(k->fd, create.width, create.height, 0x34325258, handles, pitches, offsets,
			  &k->fb[idx], 0))
		return -errno;
	return 0;
}

/* The connector's first mode, or its first mode at REFRESH Hz if one exists. */
static drmModeModeInfo pick_mode(const drmModeConnector *c, unsigned int refresh)
{
	int i;

	for (i = 0; refresh && i < c->count_modes; i++)
		if (c->modes[i].vrefresh == refresh)
			return c->modes[i];
	return c->modes[0];
}

static int kms_open(struct kms *k, const char *device, unsigned int refresh)
{
	drmModeRes *res = NULL;
	drmModePlaneRes *planes = NULL;
	int i, crtc_index = -1, err = -ENODEV;

	memset(k, 0, sizeof(*k));
	k->fd = open(device, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		kmst_err("%s: cannot open: %s", device, strerror(errno));
		return -errno;
	}
	if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		kmst_err("%s: no atomic modesetting: %s", device, strerror(errno));
		return -errno;
	}
	res = drmModeGetResources(k->fd);
	if (!res)
		goto out;
	for (i = 0; i < res->count_connectors && !k->conn_id; i++) {
		drmModeConnector *c = drmModeGetConnector(k->fd, res->connectors[i]);

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes) {
			drmModeEncoder *e = drmModeGetEncoder(k->fd, c->encoders[0]);
			int j;

			for (j = 0; e && j < res->count_crtcs; j++) {
				if (e->possible_crtcs & (1u << j)) {
					crtc_index = j;
					break;
				}
			}
			drmModeFreeEncoder(e);
			if (crtc_index >= 0) {
				k->conn_id = c->connector_id;
				k->mode = pick_mode(c, refresh);
				k->crtc_id = res->crtcs[crtc_index];
			}
		}
		drmModeFreeConnector(c);
	}
	if (!k->conn_id) {
		kmst_err("%s: no connected connector with a mode", device);
		goto out;
	}
	planes = drmModeGetPlaneResources(k->fd);
	for (i = 0; planes && i < (int)planes->count_planes && !k->plane_id; i++) {
		drmModePlane *p = drmModeGetPlane(k->fd, planes->planes[i]);
		uint32_t type = kmst_prop_id(k->fd, planes->planes[i], DRM_MODE_OBJECT_PLANE, "type");
		drmModeObjectProperties *props = drmModeObjectGetProperties(k->fd, planes->planes[i],
									   DRM_MODE_OBJECT_PLANE);
		uint32_t j;

		for (j = 0; props && j < props->count_props; j++)
			if (props->props[j] == type && props->prop_values[j] == DRM_PLANE_TYPE_PRIMARY &&
			    p && (p->possible_crtcs & (1u << crtc_index)))
				k->plane_id = planes->planes[i];
		drmModeFreeObjectProperties(props);
		drmModeFreePlane(p);
	}
	if (!k->plane_id) {
		kmst_err("%s: no primary plane for CRTC %u", device, k->crtc_id);
		goto out;
	}
	k->conn_crtc = kmst_prop_id(k->fd, k->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	k->crtc_mode = kmst_prop_id(k->fd, k->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	k->crtc_active = kmst_prop_id(k->fd, k->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	k->plane_fb = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID");
	k->plane_crtc = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	k->src_x = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_X");
	k->src_y = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_Y");
	k->src_w = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_W");
	k->src_h = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_H");
	k->crtc_x = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X");
	k->crtc_y = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y");
	k->crtc_w = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_W");
	k->crtc_h = kmst_prop_id(k->fd, k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_H");
	if (drmModeCreatePropertyBlob(k->fd, &k->mode, sizeof(k->mode), &k->mode_blob) ||
	    make_fb(k, 0) || make_fb(k, 1)) {
		kmst_err("%s: cannot create the mode blob or framebuffers: %s", device, strerror(errno));
		goto out;
	}
	err = 0;
out:
	drmModeFreePlaneResources(planes);
	drmModeFreeResources(res);
	return err;
}

/* Commit framebuffer k->fb[idx] (with the whole mode when modeset). */
static int commit(struct kms *k, unsigned int idx, uint32_t flags, bool modeset)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	int ret;

	if (!req)
		return -ENOMEM;
	if (modeset) {
		drmModeAtomicAddProperty(req, k->conn_id, k->conn_crtc, k->crtc_id);
		drmModeAtomicAddProperty(req, k->crtc_id, k->crtc_mode, k->mode_blob);
		drmModeAtomicAddProperty(req, k->crtc_id, k->crtc_active, 1);
		drmModeAtomicAddProperty(req, k->plane_id, k->plane_crtc, k->crtc_id);
		drmModeAtomicAddProperty(req, k->plane_id, k->src_x, 0);
		drmModeAtomicAddProperty(req, k->plane_id, k->src_y, 0);
		drmModeAtomicAddProperty(req, k->plane_id, k->src_w, (uint64_t)k->mode.hdisplay << 16);
		drmModeAtomicAddProperty(req, k->plane_id, k->src_h, (uint64_t)k->mode.vdisplay << 16);
		drmModeAtomicAddProperty(req, k->plane_id, k->crtc_x, 0);
		drmModeAtomicAddProperty(req, k->plane_id, k->crtc_y, 0);
		drmModeAtomicAddProperty(req, k->plane_id, k->crtc_w, k->mode.hdisplay);
		drmModeAtomicAddProperty(req, k->plane_id, k->crtc_h, k->mode.vdisplay);
	}
	drmModeAtomicAddProperty(req, k->plane_id, k->plane_fb, k->fb[idx]);
	ret = drmModeAtomicCommit(k->fd, req, flags, k);
	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec, unsigned int crtc,
		    void *data)
{
	struct kms *k = data;

	(void)fd, (void)seq, (void)sec, (void)usec, (void)crtc;
	k->events++;
}

/* One flip with an event, waiting up to a second for the event. */
static int flip_once(struct kms *k)
{
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	unsigned long long before = k->events;
	struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
	int err;

	k->front ^= 1;
	err = commit(k, k->front, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, false);
	if (err)
		return err;
	while (k->events == before) {
		if (poll(&pfd, 1, 1000) <= 0)
			return -ETIMEDOUT;
		if (drmHandleEvent(k->fd, &ev))
			return -EIO;
	}
	return 0;
}

/* Commits per second of one kind for SECONDS. */
static double rate(struct kms *k, bool flips, double seconds)
{
	double start = now_s(), end;
	unsigned long long n = 0;

	do {
		int err = flips ? flip_once(k) : commit(k, n & 1, DRM_MODE_ATOMIC_TEST_ONLY, false);

		if (err) {
			kmst_err("%s commit failed after %llu: %s", flips ? "flip" : "TEST_ONLY", n,
				 strerror(-err));
			return -1;
		}
		n++;
		end = now_s();
	} while (end - start < seconds);
	return n / (end - start);
}

struct drainer {
	struct kmst_tracer *tracer;
	volatile bool stop;
	unsigned long long records;
};

static int count_record(void *ctx, const struct kmst_event *ev)
{
	struct drainer *d = ctx;

	(void)ev;
	d->records++;
	return 0;
}

/* The consumer a traced run has: it drains the ring buffer as record does. */
static void *drain(void *arg)
{
	struct drainer *d = arg;

	while (!d->stop)
		kmst_tracer_poll(d->tracer, NULL, 50);
	kmst_tracer_drain(d->tracer, NULL);
	return NULL;
}

static int flip_client(const char *device, int flips)
{
	struct kms k;
	int i, err;

	if (kms_open(&k, device, 0))
		return 3;
	err = commit(&k, 0, DRM_MODE_ATOMIC_ALLOW_MODESET, true);
	if (err) {
		kmst_err("%s: modeset failed: %s", device, strerror(-err));
		return 3;
	}
	for (i = 0; i < flips; i++) {
		err = flip_once(&k);
		if (err) {
			kmst_err("%s: flip %d failed: %s", device, i + 1, strerror(-err));
			return 1;
		}
	}
	printf("flips=%d events=%llu\n", flips, k.events);
	close(k.fd);
	return 0;
}

/*
 * Commit rates with the tracers attached (the recorder on or off), drained
 * by a second thread as `kmstrace record` drains them.
 */
static int traced_rates(struct kms *k, bool recorder, double seconds, double *test_rate,
			double *flip_rate)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct drainer d = { 0 };
	pthread_t thread;

	opts.on_event = count_record;
	opts.on_event_ctx = &d;
	opts.no_recorder = !recorder;
	d.tracer = kmst_tracer_open(&opts);
	if (!d.tracer)
		return -1;
	if (kmst_tracer_attach(d.tracer) || pthread_create(&thread, NULL, drain, &d)) {
		kmst_tracer_close(d.tracer);
		return -1;
	}
	*test_rate = rate(k, false, seconds);
	*flip_rate = rate(k, true, seconds);
	d.stop = true;
	pthread_join(thread, NULL);
	kmst_tracer_close(d.tracer);
	return *test_rate > 0 && *flip_rate > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "flip-client", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct kmst_log_opts log_opts = { 0 };
	const char *device = "/dev/dri/card0";
	/* Sums of the ratios: [recorder on, off][test-only, flips]. */
	double seconds = 1.0, sum[2][2] = { { 0 } };
	int rounds = 5, flips = 0, opt, round, err;
	unsigned int refresh = 0;
	struct kms k;

	while ((opt = getopt_long(argc, argv, "d:r:s:R:f:v", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'R':
			refresh = atoi(optarg);
			break;
		case 'f':
			flips = atoi(optarg);
			break;
		case 'v':
			log_opts.verbose = true;
			break;
		default:
			fprintf(stderr, "usage: tracing_overhead [-v] [--device DEV] [--rounds N] [--seconds S] "
					"[--refresh HZ] | --flip-client N\n");
			return 2;
		}
	}
	kmst_log_configure(&log_opts);
	if (flips > 0)
		return flip_client(device, flips);
	if (rounds < 5 || seconds <= 0) {
		kmst_err("tracing_overhead: at least 5 rounds of a positive duration");
		return 2;
	}
	if (kms_open(&k, device, refresh))
		return 3;
	if (refresh && k.mode.vrefresh != refresh)
		kmst_info("%s: no %u Hz mode; using %ux%u@%u", device, refresh, k.mode.hdisplay,
			  k.mode.vdisplay, k.mode.vrefresh);
	err = commit(&k, 0, DRM_MODE_ATOMIC_ALLOW_MODESET, true);
	if (err) {
		kmst_err("%s: modeset failed: %s", device, strerror(-err));
		return 3;
	}
	printf("tracing overhead on %s (%ux%u@%u), %d rounds of %.1f s per kind\n"
	       "A = untraced, B = traced, C = traced without the ioctl recorder\n",
	       device, k.mode.hdisplay, k.mode.vdisplay, k.mode.vrefresh, rounds, seconds);
	printf("%-5s %10s %10s %10s %6s %6s %9s %9s %9s %6s %6s\n", "round", "test A/s",
	       "test B/s", "test C/s", "B/A", "C/A", "flips A/s", "flips B/s", "flips C/s", "B/A",
	       "C/A");
	for (round = 1; round <= rounds; round++) {
		double a_test, b_test, c_test, a_flip, b_flip, c_flip;

		a_test = rate(&k, false, seconds);
		a_flip = rate(&k, true, seconds);
		if (a_test <= 0 || a_flip <= 0 ||
		    traced_rates(&k, true, seconds, &b_test, &b_flip) ||
		    traced_rates(&k, false, seconds, &c_test, &c_flip))
			return 3;
		/* The first attach said what is missing; later rounds need not repeat it. */
		log_opts.quiet = !log_opts.verbose;
		kmst_log_configure(&log_opts);
		printf("%-5d %10.1f %10.1f %10.1f %6.3f %6.3f %9.1f %9.1f %9.1f %6.3f %6.3f\n", round,
		       a_test, b_test, c_test, b_test / a_test, c_test / a_test, a_flip, b_flip,
		       c_flip, b_flip / a_flip, c_flip / a_flip);
		sum[0][0] += b_test / a_test;
		sum[0][1] += b_flip / a_flip;
		sum[1][0] += c_test / a_test;
		sum[1][1] += c_flip / a_flip;
	}
	printf("mean ratio traced/untraced, test-only: %.3f (recorder off %.3f); "
	       "flips: %.3f (recorder off %.3f); target >= %.2f: %s\n",
	       sum[0][0] / rounds, sum[1][0] / rounds, sum[0][1] / rounds, sum[1][1] / rounds,
	       TARGET_RATIO,
	       sum[0][0] / rounds >= TARGET_RATIO && sum[0][1] / rounds >= TARGET_RATIO ? "met" : "NOT met");
	close(k.fd);
	return 0;
}
