// SPDX-License-Identifier: GPL-2.0
/*
 * replay_cost: the cost of `kmstrace replay`'s commit path against a bare
 * libdrm loop issuing the same commits on the same device (tvkms, inside
 * the VM via ci/bench). Two workloads, alternated A/B for five rounds:
 * TEST_ONLY page flips (CPU bound: the replay's own overhead shows) and real
 * nonblocking flips each waiting for its event. Each round, a bare client
 * sets the mode, runs its loop (B), then replay flips the same plane (A).
 * Prints the median ratio
 * replay/bare per workload against the target (<= 1.05).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "replay/drm_props.h"
#include "replay/replay.h"
#include "seq/seq.h"
#include "common/clock.h"

#define ROUNDS 5
#define TEST_ONLY_COMMITS 2000
#define REAL_FLIPS 60
#define TARGET_RATIO 1.05

struct bare {
	int fd;
	uint32_t crtc, conn, plane, fb[2], blob;
	uint32_t prop_fb, prop_crtc_id, prop_mode, prop_active, prop_conn_crtc;
	uint32_t prop_src[4], prop_dst[4];
};

static int bare_open(struct bare *b, const char *device)
{
	drmModePlaneRes *planes;
	drmModeConnector *conn;
	drmModeRes *res;
	uint32_t i;

	b->fd = open(device, O_RDWR | O_CLOEXEC);
	if (b->fd < 0 || drmSetClientCap(b->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(b->fd, DRM_CLIENT_CAP_ATOMIC, 1))
		return -1;
	res = drmModeGetResources(b->fd);
	planes = drmModeGetPlaneResources(b->fd);
	if (!res || !planes || !res->count_crtcs || !res->count_connectors)
		return -1;
	b->crtc = res->crtcs[0];
	b->conn = res->connectors[0];
	for (i = 0; i < planes->count_planes && !b->plane; i++) {
		uint32_t type_prop = kmst_prop_id(b->fd, planes->planes[i], DRM_MODE_OBJECT_PLANE, "type");
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(b->fd, planes->planes[i], DRM_MODE_OBJECT_PLANE);
		uint32_t j;

		for (j = 0; props && j < props->count_props; j++)
			if (props->props[j] == type_prop && props->prop_values[j] == DRM_PLANE_TYPE_PRIMARY)
				b->plane = planes->planes[i];
		drmModeFreeObjectProperties(props);
	}
	conn = drmModeGetConnector(b->fd, b->conn);
	for (i = 0; conn && i < (uint32_t)conn->count_modes && !b->blob; i++)
		if (conn->modes[i].hdisplay == 1024 && conn->modes[i].vdisplay == 768 &&
		    conn->modes[i].vrefresh == 60)
			drmModeCreatePropertyBlob(b->fd, &conn->modes[i], sizeof(conn->modes[i]), &b->blob);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	drmModeFreePlaneResources(planes);
	b->prop_fb = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	b->prop_crtc_id = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	b->prop_src[0] = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "SRC_W");
	b->prop_src[1] = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "SRC_H");
	b->prop_dst[0] = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "CRTC_W");
	b->prop_dst[1] = kmst_prop_id(b->fd, b->plane, DRM_MODE_OBJECT_PLANE, "CRTC_H");
	b->prop_mode = kmst_prop_id(b->fd, b->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	b->prop_active = kmst_prop_id(b->fd, b->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	b->prop_conn_crtc = kmst_prop_id(b->fd, b->conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	for (i = 0; i < 2; i++) {
		struct drm_mode_create_dumb create = { .width = 1024, .height = 768, .bpp = 32 };
		uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

		if (drmIoctl(b->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
			return -1;
		handles[0] = create.handle;
		pitches[0] = create.pitch;
		if (drmModeAddFB2(b->fd, 1024, 768, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
				  &b->fb[i], 0))
			return -1;
	}
	return b->plane && b->blob && b->prop_fb ? 0 : -1;
}

static int bare_modeset(struct bare *b)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	int ret;

	drmModeAtomicAddProperty(req, b->conn, b->prop_conn_crtc, b->crtc);
	drmModeAtomicAddProperty(req, b->crtc, b->prop_mode, b->blob);
	drmModeAtomicAddProperty(req, b->crtc, b->prop_active, 1);
	drmModeAtomicAddProperty(req, b->plane, b->prop_fb, b->fb[0]);
	drmModeAtomicAddProperty(req, b->plane, b->prop_crtc_id, b->crtc);
	drmModeAtomicAddProperty(req, b->plane, b->prop_src[0], 1024 << 16);
	drmModeAtomicAddProperty(req, b->plane, b->prop_src[1], 768 << 16);
	drmModeAtomicAddProperty(req, b->plane, b->prop_dst[0], 1024);
	drmModeAtomicAddProperty(req, b->plane, b->prop_dst[1], 768);
	ret = drmModeAtomicCommit(b->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	return ret;
}

static void wait_event(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];

	if (poll(&pfd, 1, 1000) > 0 && read(fd, buf, sizeof(buf)) < 0)
		perror("read");
}

/* The same commits as the sequence: one FB_ID change per commit. */
static double bare_loop(struct bare *b, unsigned int commits, uint32_t flags)
{
	double start = (double)kmst_monotonic_ns();
	unsigned int i;

	for (i = 0; i < commits; i++) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();

		drmModeAtomicAddProperty(req, b->plane, b->prop_fb, b->fb[(i + 1) % 2]);
		if (drmModeAtomicCommit(b->fd, req, flags, (void *)(uintptr_t)(i + 1)))
			fprintf(stderr, "replay_cost: bare commit %u: %s\n", i, strerror(errno));
		drmModeAtomicFree(req);
		if (flags & DRM_MODE_PAGE_FLIP_EVENT)
			wait_event(b->fd);
	}
	return (double)kmst_monotonic_ns() - start;
}

static int write_seq(const char *path, unsigned int commits, bool test_only)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "kmstrace-seq 1\nfb A XRGB8888 1024x768 fill=solid:000000\n"
		   "fb B XRGB8888 1024x768 fill=solid:000000\nrepeat %u\n", commits / 2);
	if (test_only)
		fprintf(f, "commit TEST_ONLY\n\tplane:primary@crtc:0 FB_ID=fb:B\n"
			   "commit TEST_ONLY\n\tplane:primary@crtc:0 FB_ID=fb:A\nend\n");
	else
		fprintf(f, "commit NONBLOCK PAGE_FLIP_EVENT\n\tplane:primary@crtc:0 FB_ID=fb:B\nwait event\n"
			   "commit NONBLOCK PAGE_FLIP_EVENT\n\tplane:primary@crtc:0 FB_ID=fb:A\nwait event\nend\n");
	return fclose(f);
}

/* Replay's time for issuing the steps (framebuffer setup excluded, as in the bare loop). */
static double replay_steps(const char *seq_path, const char *device)
{
	struct kmst_replay_opts opts = { .device = device };
	struct kmst_replay *r;
	struct kmst_seq seq;
	double ns = -1;
	int code;

	if (kmst_seq_parse(&seq, seq_path))
		return -1;
	r = kmst_replay_open(&seq, &opts, &code);
	if (r && !kmst_replay_run(r, NULL, NULL))
		ns = (double)kmst_replay_stats(r)->steps_ns;
	kmst_replay_close(r);
	kmst_seq_free(&seq);
	return ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *device = argc > 1 ? argv[1] : "/dev/dri/card0";
	static const struct {
		const char *name;
		bool test_only;
		unsigned int commits;
	} loads[] = { { "TEST_ONLY flips", true, TEST_ONLY_COMMITS },
		      { "real flips with events", false, REAL_FLIPS } };
	char seq_path[] = "/tmp/kmstrace-replay-cost-XXXXXX";
	int status = 0, fd;
	size_t l;

	fd = mkstemp(seq_path);
	if (fd < 0)
		return 1;
	close(fd);
	for (l = 0; l < sizeof(loads) / sizeof(loads[0]); l++) {
		double ratios[ROUNDS], replay_ns = 0, bare_ns = 0;
		int round;

		if (write_seq(seq_path, loads[l].commits, loads[l].test_only))
			return 1;
		for (round = 0; round < ROUNDS; round++) {
			struct bare b = { 0 };
			double a, z;

			/* The bare client sets the mode; both then flip the same primary plane. */
			if (bare_open(&b, device) || bare_modeset(&b)) {
				fprintf(stderr, "replay_cost: %s: cannot set up the bare loop: %s\n", device,
					strerror(errno));
				return 1;
			}
			z = bare_loop(&b, loads[l].commits,
				      loads[l].test_only ? DRM_MODE_ATOMIC_TEST_ONLY :
							   DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
			/* Hand DRM master over to the replay's own file descriptor. */
			drmDropMaster(b.fd);
			a = replay_steps(seq_path, device);
			close(b.fd);
			if (a < 0) {
				fprintf(stderr, "replay_cost: the replay failed\n");
				return 1;
			}
			ratios[round] = a / z;
			replay_ns += a;
			bare_ns += z;
			printf("  %-24s round %d: replay %.2f ms, bare %.2f ms, ratio %.3f\n", loads[l].name,
			       round + 1, a / 1e6, z / 1e6, ratios[round]);
		}
		qsort(ratios, ROUNDS, sizeof(ratios[0]), cmp_double);
		printf("%-24s %u commits: replay %.1f us/commit, bare %.1f us/commit, median ratio %.3f "
		       "(target <= %.2f): %s\n", loads[l].name, loads[l].commits,
		       replay_ns / ROUNDS / loads[l].commits / 1e3, bare_ns / ROUNDS / loads[l].commits / 1e3,
		       ratios[ROUNDS / 2], TARGET_RATIO, ratios[ROUNDS / 2] <= TARGET_RATIO ? "met" : "NOT met");
		printf("bench: replay load=%s median=%.4f min=%.4f max=%.4f\n",
		       loads[l].test_only ? "test_only" : "flips", ratios[ROUNDS / 2], ratios[0],
		       ratios[ROUNDS - 1]);
		if (ratios[ROUNDS / 2] > TARGET_RATIO)
			status = 1;
	}
	unlink(seq_path);
	return status;
}
