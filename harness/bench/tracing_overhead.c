// SPDX-License-Identifier: GPL-2.0
/*
 * tracing_overhead: atomic commit throughput with and without the tracers,
 * TEST_ONLY commits and real page flips with events, alternated A/B for
 * several rounds in one run; prints traced/untraced per round and the
 * target (>= 0.98). Each round also measures the tracers without the ioctl
 * recorder, to show what the recorder's user-memory copies cost, and the
 * tracers at --level rules (tracer.h), the hooks and phases the rules read.
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

#include <bpf/bpf.h>

#include "replay/drm_props.h"
#include "common/json.h"
#include "common/clock.h"
#include "common/log.h"
#include "tracer/tracer.h"

#define MAX_ROUNDS 64

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
	/* Wall time inside the atomic ioctl (the commit's kernel time untraced). */
	double ioctl_start, ioctl_s;
};

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
	k->ioctl_s += kmst_monotonic_s() - k->ioctl_start;
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

/* What one run of rate() did: commits and the time spent inside the atomic ioctl. */
struct run_count {
	unsigned long long commits;
	double ioctl_s;
};

/* Commits per second of one kind for SECONDS; RUN (may be NULL) gets the counts. */
static double rate_counted(struct kms *k, bool flips, double seconds, struct run_count *run)
{
	double start = kmst_monotonic_s(), end;
	unsigned long long n = 0;

	do {
		int err;

		k->ioctl_start = kmst_monotonic_s();
		err = flips ? flip_once(k) : commit(k, n & 1, DRM_MODE_ATOMIC_TEST_ONLY, false);
		if (!flips)
			k->ioctl_s += kmst_monotonic_s() - k->ioctl_start;
		if (err) {
			kmst_err("%s commit failed after %llu: %s", flips ? "flip" : "TEST_ONLY", n,
				 strerror(-err));
			return -1;
		}
		n++;
		end = kmst_monotonic_s();
	} while (end - start < seconds);
	if (run) {
		run->commits = n;
		run->ioctl_s = k->ioctl_s;
	}
	k->ioctl_s = 0;
	return n / (end - start);
}

static double rate(struct kms *k, bool flips, double seconds)
{
	return rate_counted(k, flips, seconds, NULL);
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
static int traced_rates(struct kms *k, bool recorder, enum kmst_trace_level level, double seconds,
			double *test_rate, double *flip_rate)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	struct drainer d = { 0 };
	pthread_t thread;

	opts.on_event = count_record;
	opts.on_event_ctx = &d;
	opts.no_recorder = !recorder;
	opts.level = level;
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

#define MAX_PROGS 256

/* Where a traced run's BPF time went: per program, per commit. */
struct breakdown {
	struct kmst_prog_stat progs[MAX_PROGS];
	int count;
	struct run_count run;
	double rate;
	unsigned long long drops;
};

/*
 * One traced run of SECONDS with BPF run-time statistics on (held through
 * a bpf_enable_stats() descriptor, so kernel.bpf_stats_enabled is left as
 * it was): each program's run_cnt and run_time_ns over the run. The
 * statistics cost two clock reads per program run, so the throughput
 * rounds run without them.
 */
static int measure_breakdown(struct kms *k, bool kprobe, enum kmst_trace_level level, bool flips,
			     double seconds, struct breakdown *out)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	static struct kmst_prog_stat before[MAX_PROGS];
	unsigned long long drops[KMST_EV_MAX];
	struct drainer d = { 0 };
	int stats_fd, i, n, err = -1;
	pthread_t thread;

	memset(out, 0, sizeof(*out));
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		kmst_err("failed to enable BPF run-time statistics: %s", strerror(errno));
		return -1;
	}
	opts.on_event = count_record;
	opts.on_event_ctx = &d;
	opts.force_kprobe = kprobe;
	opts.level = level;
	d.tracer = kmst_tracer_open(&opts);
	if (!d.tracer)
		goto out_stats;
	if (kmst_tracer_attach(d.tracer) || pthread_create(&thread, NULL, drain, &d))
		goto out_close;
	n = kmst_tracer_prog_stats(d.tracer, before, MAX_PROGS);
	if (n >= 0)
		out->rate = rate_counted(k, flips, seconds, &out->run);
	d.stop = true;
	pthread_join(thread, NULL);
	if (n < 0 || out->rate <= 0)
		goto out_close;
	out->count = kmst_tracer_prog_stats(d.tracer, out->progs, MAX_PROGS);
	if (out->count != n)
		goto out_close;
	for (i = 0; i < n; i++) {
		out->progs[i].run_cnt -= before[i].run_cnt;
		out->progs[i].run_time_ns -= before[i].run_time_ns;
	}
	out->drops = kmst_tracer_drops(d.tracer, drops);
	err = 0;
out_close:
	kmst_tracer_close(d.tracer);
out_stats:
	close(stats_fd);
	return err;
}

static int by_time_desc(const void *a, const void *b)
{
	const struct kmst_prog_stat *x = a, *y = b;

	return x->run_time_ns < y->run_time_ns ? 1 : x->run_time_ns > y->run_time_ns ? -1 : 0;
}

/* The breakdown's table; returns the BPF ns per commit. */
static double print_breakdown(struct breakdown *b, const char *mode, const char *kind)
{
	double commits = b->run.commits, total_ns = 0, total_runs = 0;
	int i;

	qsort(b->progs, b->count, sizeof(b->progs[0]), by_time_desc);
	for (i = 0; i < b->count; i++) {
		total_ns += b->progs[i].run_time_ns;
		total_runs += b->progs[i].run_cnt;
	}
	printf("BPF time per commit, %s, %s: %llu commits at %.1f/s, ring-buffer drops %llu\n",
	       mode, kind, b->run.commits, b->rate, b->drops);
	printf("  %-44s %-9s %10s %12s %9s %12s\n", "hook", "kind", "run_cnt", "run_time_ns",
	       "runs/cmt", "ns/commit");
	for (i = 0; i < b->count; i++) {
		const struct kmst_prog_stat *p = &b->progs[i];

		if (!p->run_cnt)
			continue;
		printf("  %-44s %-9s %10llu %12llu %9.2f %12.0f\n", p->hook, p->kind, p->run_cnt,
		       p->run_time_ns, p->run_cnt / commits, p->run_time_ns / commits);
	}
	printf("  %-44s %-9s %10.0f %12.0f %9.2f %12.0f\n", "total", "", total_runs, total_ns,
	       total_runs / commits, total_ns / commits);
	printf("  atomic ioctl wall time per commit (traced, stats on): %.0f ns\n",
	       b->run.ioctl_s * 1e9 / commits);
	return total_ns / commits;
}

static double runs_per_commit(const struct breakdown *b)
{
	double runs = 0;
	int i;

	for (i = 0; i < b->count; i++)
		runs += b->progs[i].run_cnt;
	return runs / b->run.commits;
}

static void json_breakdown(FILE *json, const struct breakdown *b, const char *mode, const char *level,
			   const char *kind, double untraced_ioctl_ns)
{
	double commits = b->run.commits, total_ns = 0;
	int i, first = 1;

	for (i = 0; i < b->count; i++)
		total_ns += b->progs[i].run_time_ns;
	fprintf(json, "{\"mode\":\"%s\",\"level\":\"%s\",\"kind\":\"%s\",\"commits\":%llu,"
		      "\"rate\":%.1f,\"drops\":%llu,\"bpf_ns_per_commit\":%.1f,"
		      "\"untraced_ioctl_ns_per_commit\":%.1f,\"programs\":[",
		mode, level, kind, b->run.commits, b->rate, b->drops, total_ns / commits,
		untraced_ioctl_ns);
	for (i = 0; i < b->count; i++) {
		const struct kmst_prog_stat *p = &b->progs[i];

		if (!p->run_cnt)
			continue;
		fprintf(json, "%s{\"hook\":", first ? "" : ",");
		kmst_json_string(json, p->hook);
		fprintf(json, ",\"kind\":\"%s\",\"run_cnt\":%llu,\"run_time_ns\":%llu}", p->kind,
			p->run_cnt, p->run_time_ns);
		first = 0;
	}
	fprintf(json, "]}");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "flip-client", required_argument, NULL, 'f' },
		{ "json", required_argument, NULL, 'j' },
		{ 0 },
	};
	struct kmst_log_opts log_opts = { 0 };
	const char *device = "/dev/dri/card0", *json_path = NULL;
	/*
	 * Per round: the ratios [B full, C full without the recorder, D rules
	 * level][test-only, flips], the untraced ioctl time.
	 */
	double seconds = 1.0, ratio[3][2][MAX_ROUNDS], ioctl_ns[2][MAX_ROUNDS];
	double med[3][2], lo[3][2], hi[3][2], med_ioctl[2];
	static struct breakdown breakdown;
	FILE *json = NULL;
	int rounds = 5, flips = 0, opt, round, err, r, c, mode, kind;
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
		case 'j':
			json_path = optarg;
			break;
		case 'v':
			log_opts.verbose = true;
			break;
		default:
			fprintf(stderr, "usage: tracing_overhead [-v] [--device DEV] [--rounds N] [--seconds S] "
					"[--refresh HZ] [--json FILE] | --flip-client N\n");
			return 2;
		}
	}
	kmst_log_configure(&log_opts);
	if (flips > 0)
		return flip_client(device, flips);
	if (rounds < 5 || rounds > MAX_ROUNDS || seconds <= 0) {
		kmst_err("tracing_overhead: 5 to %d rounds of a positive duration", MAX_ROUNDS);
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
	       "A = untraced, B = traced, C = traced without the ioctl recorder, "
	       "D = traced at --level rules\n",
	       device, k.mode.hdisplay, k.mode.vdisplay, k.mode.vrefresh, rounds, seconds);
	printf("%-5s %9s %9s %9s %9s %6s %6s %6s %9s %9s %9s %9s %6s %6s %6s\n", "round",
	       "test A/s", "test B/s", "test C/s", "test D/s", "B/A", "C/A", "D/A", "flips A/s",
	       "flips B/s", "flips C/s", "flips D/s", "B/A", "C/A", "D/A");
	for (round = 1; round <= rounds; round++) {
		double a[2], t[3][2];
		struct run_count a_run[2];

		a[0] = rate_counted(&k, false, seconds, &a_run[0]);
		a[1] = rate_counted(&k, true, seconds, &a_run[1]);
		if (a[0] <= 0 || a[1] <= 0 ||
		    traced_rates(&k, true, KMST_LEVEL_FULL, seconds, &t[0][0], &t[0][1]) ||
		    traced_rates(&k, false, KMST_LEVEL_FULL, seconds, &t[1][0], &t[1][1]) ||
		    traced_rates(&k, true, KMST_LEVEL_RULES, seconds, &t[2][0], &t[2][1]))
			return 3;
		/* The first attach said what is missing; later rounds need not repeat it. */
		log_opts.quiet = !log_opts.verbose;
		kmst_log_configure(&log_opts);
		printf("%-5d", round);
		for (c = 0; c < 2; c++)
			printf(" %9.1f %9.1f %9.1f %9.1f %6.3f %6.3f %6.3f", a[c], t[0][c], t[1][c],
			       t[2][c], t[0][c] / a[c], t[1][c] / a[c], t[2][c] / a[c]);
		printf("\n");
		for (r = 0; r < 3; r++)
			for (c = 0; c < 2; c++)
				ratio[r][c][round - 1] = t[r][c] / a[c];
		for (c = 0; c < 2; c++)
			ioctl_ns[c][round - 1] = a_run[c].ioctl_s * 1e9 / a_run[c].commits;
	}
	for (r = 0; r < 3; r++) {
		for (c = 0; c < 2; c++) {
			med[r][c] = median(ratio[r][c], rounds);
			lo[r][c] = ratio[r][c][0];
			hi[r][c] = ratio[r][c][rounds - 1];
		}
	}
	for (c = 0; c < 2; c++)
		med_ioctl[c] = median(ioctl_ns[c], rounds);
	printf("median ratio traced/untraced (min..max), test-only: %.3f (%.3f..%.3f), recorder off %.3f, "
	       "level rules %.3f; flips: %.3f (%.3f..%.3f), recorder off %.3f, level rules %.3f\n",
	       med[0][0], lo[0][0], hi[0][0], med[1][0], med[2][0], med[0][1], lo[0][1], hi[0][1],
	       med[1][1], med[2][1]);
	printf("untraced atomic ioctl time per commit (median): test-only %.0f ns, flip %.0f ns\n",
	       med_ioctl[0], med_ioctl[1]);
	for (r = 0; r < 3; r += 2)
		for (c = 0; c < 2; c++)
			printf("bench: overhead kind=%s level=%s median=%.4f min=%.4f max=%.4f rounds=%d\n",
			       c ? "flips" : "test_only", r ? "rules" : "full", med[r][c], lo[r][c],
			       hi[r][c], rounds);
	if (json_path) {
		json = fopen(json_path, "w");
		if (!json) {
			kmst_err("%s: cannot write: %s", json_path, strerror(errno));
			return 3;
		}
		fprintf(json, "{\"device\":");
		kmst_json_string(json, device);
		fprintf(json, ",\"mode\":\"%ux%u@%u\",\"rounds\":%d,\"seconds\":%.2f,", k.mode.hdisplay,
			k.mode.vdisplay, k.mode.vrefresh, rounds, seconds);
		for (c = 0; c < 2; c++)
			fprintf(json, "\"%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,"
				      "\"recorder_off_median\":%.4f,\"level_rules\":{\"median\":%.4f,"
				      "\"min\":%.4f,\"max\":%.4f},\"untraced_ioctl_ns\":%.1f},",
				c ? "flips" : "test_only", med[0][c], lo[0][c], hi[0][c], med[1][c],
				med[2][c], lo[2][c], hi[2][c], med_ioctl[c]);
		fprintf(json, "\"breakdown\":[");
	}
	/*
	 * Where the time goes, per attach mode, level and kind, with statistics
	 * on: fentry and kprobe at the full level, fentry at the rules level.
	 */
	for (mode = 0; mode < 3; mode++) {
		for (kind = 0; kind < 2; kind++) {
			const char *mode_name = mode == 1 ? "kprobe" : "fentry";
			enum kmst_trace_level level = mode == 2 ? KMST_LEVEL_RULES : KMST_LEVEL_FULL;
			const char *kind_name = kind ? "1000 Hz flips" : "TEST_ONLY storm";
			char title[64];
			double bpf_ns;

			if (measure_breakdown(&k, mode == 1, level, kind, seconds, &breakdown))
				return 3;
			snprintf(title, sizeof(title), "%s mode, level %s", mode_name,
				 kmst_trace_level_name(level));
			bpf_ns = print_breakdown(&breakdown, title, kind_name);
			printf("  BPF time / untraced atomic ioctl time: %.3f (target <= 0.05)\n",
			       bpf_ns / med_ioctl[kind]);
			printf("bench: bpf mode=%s level=%s kind=%s ns_per_commit=%.0f runs_per_commit=%.2f "
			       "ioctl_ns=%.0f ratio=%.4f drops=%llu\n", mode_name,
			       kmst_trace_level_name(level), kind ? "flips" : "test_only", bpf_ns,
			       runs_per_commit(&breakdown), med_ioctl[kind], bpf_ns / med_ioctl[kind],
			       breakdown.drops);
			if (json) {
				if (mode || kind)
					fputc(',', json);
				json_breakdown(json, &breakdown, mode_name, kmst_trace_level_name(level),
					       kind ? "flips" : "test_only", med_ioctl[kind]);
			}
		}
	}
	if (json) {
		fprintf(json, "]}\n");
		if (fclose(json)) {
			kmst_err("%s: cannot write: %s", json_path, strerror(errno));
			return 3;
		}
	}
	close(k.fd);
	return 0;
}
