/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * The private header of tvkms, grouped by KMS object.
 */
#ifndef _TVKMS_DRV_H_
#define _TVKMS_DRV_H_

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <drm/drm_atomic.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_file.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_plane.h>
#include <drm/drm_rect.h>
#include <drm/drm_writeback.h>

#include "kmstrace_event.h"

#define TVKMS_NAME "tvkms"
#define TVKMS_MAX_CRTCS 4
#define TVKMS_MAX_OVERLAYS 8
#define TVKMS_MAX_WIDTH 4096
#define TVKMS_MAX_HEIGHT 2160
#define TVKMS_MAX_FB_SIZE 8192
/* Square cursors of any size in this range (mode_config reports the max). */
#define TVKMS_CURSOR_MIN_SIZE 64
#define TVKMS_CURSOR_MAX_SIZE 512
/*
 * The VBLANK timer runs one frame per mode: a mode outside these rates is
 * refused at atomic check, so the timer never fires more often than every
 * millisecond, and drm's frame duration (an int of ns) never overflows.
 */
#define TVKMS_MAX_REFRESH 1000
#define TVKMS_MIN_REFRESH 1
#define TVKMS_HELD_STATES_MAX 256
#define TVKMS_MAX_PLANES 32
/*
 * no-wait-dependencies: a flip held back for the next commit is armed
 * at the latest this long after its flush, if no next commit comes.
 */
#define TVKMS_HELD_FLIP_MS 100
/*
 * How long a plane's cleanup_fb waits for writeback jobs of an older frame
 * (one VBLANK at the lowest refresh, the largest composition under TCG,
 * and margin).
 */
#define TVKMS_WB_STALE_TIMEOUT msecs_to_jiffies(5000)
/* VBLANKs one late timer callback may cover with CRC entries (1 s at 1000 Hz). */
#define TVKMS_SKIPPED_VBLANKS_MAX 1000

/* tvkms:tvkms_event kinds (TRACEPOINTS.md). */
enum tvkms_event_kind {
	TVKMS_EVENT_ARM = 1,	/* armed for the next VBLANK */
	TVKMS_EVENT_SEND = 2,	/* sent at once by tvkms */
	TVKMS_EVENT_CANCEL = 3,	/* cancelled unsent (event-missing) */
};

/* tvkms:tvkms_fb kinds. */
enum tvkms_fb_kind {
	TVKMS_FB_PREPARE = 1,
	TVKMS_FB_CLEANUP = 2,
	TVKMS_FB_DEFERRED_RELEASE = 3, /* fb-cleanup: released by a work item */
};

/* ---- configuration (module parameters, fixed for a device's life) ---- */

struct tvkms_config {
	unsigned int crtcs;
	unsigned int overlays;
	bool cursor;
	bool writeback;
	unsigned int refresh;
	bool fbdev;
	/*
	 * DRM allows 32 planes per device. When dedicated overlays would pass
	 * that, the overlays are one pool that every CRTC may use.
	 */
	bool shared_overlays;
};

/* ---- fault knobs (tvkms_faults.c) ---- */

struct tvkms_faults {
	/* Knob values, indexed by enum kmst_rule; read locklessly. */
	unsigned long value[KMST_RULE_COUNT];
	/* Eligible events seen since the knob was last set. */
	atomic_t seen[KMST_RULE_COUNT];
	/* Serialises knob writes and the held_states list. */
	struct mutex lock;
	/* state-leak: states holding an extra reference (lock). */
	struct list_head held_states;
	unsigned int held_count;
	/* fb-cleanup: plane resources released by deferred work. */
	struct workqueue_struct *deferred_wq;
};

/* ---- VBLANK emulation (tvkms_vblank.c) ---- */

struct tvkms_vblank {
	struct hrtimer timer;
	/*
	 * Protects every field below. Taken from the hrtimer callback (hard
	 * IRQ; a softirq thread on PREEMPT_RT, where this is a sleeping
	 * lock) and under drm's vblank_time_lock, so always IRQ-safe.
	 */
	spinlock_t lock;
	bool enabled;		/* between enable_vblank and disable_vblank */
	ktime_t epoch;		/* a VBLANK instant the schedule is aligned to */
	u64 frame_duration_ns;	/* from the last mode set; 0 = none yet */
	bool crtc_on;		/* between atomic_enable and atomic_disable */
	ktime_t next_expected;	/* the schedule's next VBLANK instant */
	ktime_t delivering;	/* the instant being handled in the callback */
	/*
	 * The latest instant the callback delivered (or the timer started
	 * from): what get_vblank_timestamp reports outside the callback while
	 * the timer runs, so a timestamp never runs ahead of a delivery still
	 * in flight (drm derives the count from timestamp differences).
	 */
	ktime_t last_delivered;
	/* The latest instant get_vblank_timestamp returned: never go below it. */
	ktime_t last_reported;
	bool in_callback;
	u64 delivered;		/* VBLANKs handed to drm_crtc_handle_vblank */
	u64 overruns;		/* callbacks that ran a frame or more late */
	u64 missed_frames;	/* schedule instants skipped by overruns */
	u64 dropped;		/* VBLANKs withheld by the vblank-drop knob */
	u64 max_lateness_ns;
};

/* ---- pixel formats (tvkms_formats.c) ---- */

/*
 * The composer's internal pixel: 16 bits per channel, straight (not
 * premultiplied) alpha. The CRC is computed over lines of these.
 */
struct tvkms_pixel {
	u16 a;
	u16 r;
	u16 g;
	u16 b;
};

/*
 * Convert @count pixels of one line between a format and tvkms_pixel. A
 * reader starts at pixel @first of @line, which formats of fewer than 8
 * bits a pixel need (a byte holds several pixels).
 */
typedef void (*tvkms_line_reader_t)(const u8 *line, unsigned int first,
				    struct tvkms_pixel *dst,
				    unsigned int count);
typedef void (*tvkms_line_writer_t)(const struct tvkms_pixel *src, u8 *dst,
				    unsigned int count);

/*
 * YCbCr to RGB of one COLOR_ENCODING and COLOR_RANGE, fixed point with
 * TVKMS_YUV_SHIFT fraction bits: each coefficient maps one 8-bit code
 * step to 16-bit output units (tvkms_yuv_coeffs() gives the formulas).
 */
#define TVKMS_YUV_SHIFT 12
struct tvkms_yuv_coeffs {
	s32 y_offset;	/* code of black: 16 (limited) or 0 (full) */
	s32 y;		/* luma gain */
	s32 r_cr;
	s32 g_cb;	/* subtracted */
	s32 g_cr;	/* subtracted */
	s32 b_cb;
};

/*
 * One line of a YCbCr format with 8-bit samples: @luma is the line of the
 * Y plane, @cb and @cr the first samples of the chroma line. The reader of
 * each format family knows its hsub and the distance between samples.
 */
struct tvkms_yuv_line {
	const u8 *luma;
	const u8 *cb;
	const u8 *cr;
};

typedef void (*tvkms_yuv_reader_t)(const struct tvkms_yuv_line *line,
				   unsigned int first,
				   const struct tvkms_yuv_coeffs *coeffs,
				   struct tvkms_pixel *dst,
				   unsigned int count);

#define TVKMS_WRITEBACK_FORMAT_COUNT 6
/* R1, R2 and R4 only where drm_fourcc.h has them (tvkms_compat.h). */
extern const u32 tvkms_plane_formats[];
extern const unsigned int tvkms_plane_format_count;
extern const u32 tvkms_writeback_formats[TVKMS_WRITEBACK_FORMAT_COUNT];

/* ---- composer (tvkms_composer.c) ---- */

/*
 * One visible plane as the composer reads it, in CRTC coordinates. Either
 * read_line (packed formats) or read_yuv (YCbCr, with its chroma planes)
 * is set.
 */
struct tvkms_layer {
	tvkms_line_reader_t read_line;
	tvkms_yuv_reader_t read_yuv;
	/* The fb's first plane at its offset: a mapping of the plane state. */
	const u8 *pixels;
	unsigned int pitch;
	unsigned int bits;	/* per pixel: 1, 2, 4 or whole bytes */
	/* YCbCr only: first Cb and Cr samples of the fb, in the same maps. */
	const u8 *cb;
	const u8 *cr;
	unsigned int chroma_pitch;
	unsigned int cstep;	/* bytes from one chroma sample to the next */
	unsigned int hsub;	/* of the format (drm_format_info) */
	unsigned int vsub;
	struct tvkms_yuv_coeffs coeffs;
	struct drm_rect src;	/* visible source, whole fb pixels */
	struct drm_rect dst;	/* visible destination, clipped to the CRTC */
	unsigned int rotation;	/* DRM_MODE_ROTATE_* | DRM_MODE_REFLECT_* */
	u16 alpha;		/* plane alpha, 0-0xffff */
	u16 blend_mode;		/* DRM_MODE_BLEND_* */
	/*
	 * No alpha channel and plane alpha 0xffff: every blend mode gives the
	 * source pixel exactly, so the layer is read straight into the output.
	 */
	bool opaque;
	unsigned int zpos;	/* normalized: the blending order */
};

/*
 * The legacy gamma size and the only GAMMA_LUT size atomic_check takes
 * (as VKMS's VKMS_LUT_SIZE): entries TVKMS_LUT_STEP apart in 16 bits.
 */
#define TVKMS_LUT_SIZE 256
#define TVKMS_LUT_STEP (65535 / (TVKMS_LUT_SIZE - 1))
static_assert(TVKMS_LUT_STEP * (TVKMS_LUT_SIZE - 1) == 65535);

/* A frame's own copy of its CRTC's GAMMA_LUT, channel by channel. */
struct tvkms_gamma {
	u16 red[TVKMS_LUT_SIZE];
	u16 green[TVKMS_LUT_SIZE];
	u16 blue[TVKMS_LUT_SIZE];
};

/*
 * What a CRTC scans out, built at atomic_flush from its plane states. The
 * layer mappings belong to those plane states: cleanup_fb waits for the
 * composer work and for the writeback jobs that still hold this frame
 * (tvkms_composer_flush) before it unmaps them, and by then a newer frame
 * has replaced this one. Freed by the last kref_put, which
 * only frees memory, so any context may drop it.
 */
struct tvkms_frame {
	struct kref ref;
	unsigned int width;
	unsigned int height;
	/* NULL: no GAMMA_LUT. Owned by the frame, freed with it. */
	struct tvkms_gamma *gamma;
	unsigned int layer_count;
	struct tvkms_layer layers[];	/* bottom (lowest zpos) first */
};

struct tvkms_composer {
	/* Ordered: one frame at a time per CRTC, in VBLANK order. */
	struct workqueue_struct *wq;
	struct work_struct work;
	/*
	 * Protects every field up to the work-only ones. Taken from the VBLANK
	 * hrtimer (hard IRQ), so always IRQ-safe.
	 */
	spinlock_t lock;
	struct tvkms_frame *frame;	/* NULL while the CRTC is off */
	bool crc_enabled;		/* CRC source "auto" is set */
	unsigned int wb_pending;	/* writeback jobs queued, not yet written */
	/*
	 * The oldest wb_stale of the pending jobs hold a frame that a newer
	 * one has replaced since they were queued. Their layers read plane
	 * states that the next commit's cleanup_fb unmaps, so cleanup_fb
	 * waits on wb_wait until they are written (tvkms_composer_flush).
	 * wb_abandon: that wait timed out, so the stale jobs are signalled
	 * with an error instead of being written.
	 */
	unsigned int wb_stale;
	bool wb_abandon;
	wait_queue_head_t wb_wait;
	bool busy;			/* a frame is queued or being composed */
	u64 frame_start;		/* VBLANK sequence of the busy frame */
	u64 frame_end;			/* latest VBLANK it stands for */
	/* The frame the running work took; NULL while none is running. */
	struct tvkms_frame *work_frame;
	/*
	 * VBLANKs that came while a work composed a frame replaced since:
	 * composed again from the new frame as soon as the work ends.
	 */
	bool next_pending;
	u64 next_start;
	u64 next_end;
	/*
	 * The last VBLANK sequence the composer saw while active; a callback
	 * that skipped VBLANKs covers them from last_seq + 1 (at most
	 * TVKMS_SKIPPED_VBLANKS_MAX of them: a longer gap is a restart).
	 */
	u64 last_seq;
	bool last_seq_valid;
	u64 composed;			/* frames composed */
	u64 missed;			/* VBLANKs that found a frame unfinished */
	u64 crc_entries;
	u64 crc_refused;		/* entries DRM refused: its buffer was full */
	u64 writebacks;
	u64 writebacks_late;		/* written from a replaced frame */
	u64 last_ns;			/* duration of the last composition */
	u64 max_ns;
	/* Work-only: the line buffers, grown as needed, freed at teardown. */
	struct tvkms_pixel *line_buf;	/* output, stage, raw: 3 lines */
	unsigned int line_capacity;	/* pixels per line of line_buf */
	/* Set with crc_enabled (crc mutex of drm): a VBLANK reference held. */
	bool crc_vblank_ref;
};

/* ---- writeback (tvkms_writeback.c) ---- */

/*
 * A writeback job's target (drm_writeback_job.priv): the fb mapped from
 * prepare_writeback_job until cleanup_writeback_job, which drm calls only
 * after the job was signalled, so the composer may write while it is the
 * head of the connector's job_queue. @frame is the frame of the commit that
 * queued the job (a reference taken at the commit's writeback stage,
 * dropped at cleanup): the job holds that commit's picture even when a
 * later commit has replaced the CRTC's frame before the composer got to it.
 */
struct tvkms_writeback_target {
	struct iosys_map map[DRM_FORMAT_MAX_PLANES];
	struct iosys_map data[DRM_FORMAT_MAX_PLANES];
	tvkms_line_writer_t write_line;
	struct tvkms_frame *frame;
};

/* ---- output: encoder + virtual connector (tvkms_output.c) ---- */

struct tvkms_output {
	struct drm_encoder encoder;
	struct drm_connector connector;
	/* Status reported by detect; written by the debugfs hotplug file. */
	bool connected;
};

/* ---- CRTC (tvkms_crtc.c) ---- */

struct tvkms_crtc {
	struct drm_crtc base;
	unsigned int index;
	struct tvkms_vblank vblank;
	struct tvkms_composer composer;
	struct tvkms_output output;
	struct drm_writeback_connector wb;
	struct drm_plane *primary;
	struct drm_plane *cursor;
	struct drm_plane *overlays[TVKMS_MAX_OVERLAYS];
	/* "Hardware" scanout registers, written inside drm_dev_enter. */
	atomic64_t plane_updates;
	atomic64_t flushes;
	/*
	 * no-wait-dependencies: a flip event (with its VBLANK reference)
	 * not armed yet, so that the next commit's tail surely starts before
	 * this flip is done (dev->event_lock). Armed by the next commit
	 * after its first hardware stage, or by held_flip_work.
	 */
	struct drm_pending_vblank_event *held_flip;
	struct delayed_work held_flip_work;
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
	/* The event the VBLANK handler sends (dev->event_lock). */
	struct drm_pending_vblank_event *pending_event;
#endif
};

/* ---- plane (tvkms_plane.c) ---- */

struct tvkms_plane_state {
	struct drm_plane_state base;
	/* CPU mapping of the fb taken in prepare_fb, dropped in cleanup_fb. */
	struct iosys_map map[DRM_FORMAT_MAX_PLANES];
	struct iosys_map data[DRM_FORMAT_MAX_PLANES];
	/* The fb this state mapped and holds a reference on; NULL = none. */
	struct drm_framebuffer *mapped_fb;
};

/* ---- device (tvkms_drv.c) ---- */

struct tvkms_device {
	struct drm_device base;
	struct tvkms_config config;
	struct tvkms_crtc crtcs[TVKMS_MAX_CRTCS];
	struct tvkms_faults faults;
	/*
	 * Runs nonblocking commit tails, so teardown can wait for every tail
	 * before the module's code may go away.
	 */
	struct workqueue_struct *commit_wq;
	struct dentry *debugfs_dir;
	/*
	 * debugfs composer_delay_us (0: none): how long each composer work
	 * sleeps before it takes its frame, as if the composer were behind
	 * (tests of writeback jobs queued while one is pending). Read once
	 * per work, without a lock.
	 */
	u32 composer_delay_us;
	/*
	 * The task inside a TEST_ONLY atomic ioctl, so atomic_check can tell
	 * a test commit from a real one (test-only-commits knob).
	 */
	spinlock_t test_only_lock; /* protects test_only_task */
	struct task_struct *test_only_task;
	/* Serialises dry runs of TEST_ONLY states (test-only-commits). */
	struct mutex dry_run_lock;
	/* The TEST_ONLY state in a dry run, if any (dry_run_lock). */
	struct drm_atomic_state *dry_run_state;
#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
	/* States in atomic_check, each with a reference (checking_lock). */
	struct mutex checking_lock;
	struct drm_atomic_state *checking[TVKMS_HELD_STATES_MAX];
	unsigned int checking_count;
#endif
};

static inline struct tvkms_device *to_tvkms_device(struct drm_device *dev)
{
	return container_of(dev, struct tvkms_device, base);
}

static inline struct tvkms_crtc *to_tvkms_crtc(struct drm_crtc *crtc)
{
	return container_of(crtc, struct tvkms_crtc, base);
}

static inline struct tvkms_plane_state *
to_tvkms_plane_state(struct drm_plane_state *state)
{
	return container_of(state, struct tvkms_plane_state, base);
}

static inline struct tvkms_output *
to_tvkms_output(struct drm_connector *connector)
{
	return container_of(connector, struct tvkms_output, connector);
}

static inline u32 tvkms_minor(struct drm_device *dev)
{
	return dev->primary ? dev->primary->index : 0;
}

/* Whether @state is a TEST_ONLY state run through the tail as a dry run. */
static inline bool tvkms_is_dry_run(struct drm_atomic_state *state)
{
	return state &&
	       READ_ONCE(to_tvkms_device(state->dev)->dry_run_state) == state;
}

/* tvkms_crtc.c */
int tvkms_crtc_init(struct tvkms_device *tdev, unsigned int index);
void tvkms_crtc_unplug(struct tvkms_crtc *tcrtc);
void tvkms_crtc_release_held_flip(struct tvkms_crtc *tcrtc);
#ifdef TVKMS_MUTANT_EVENT_NO_VBLANK_REF
void tvkms_crtc_send_pending_event(struct tvkms_crtc *tcrtc);
#endif

/* tvkms_vblank.c */
void tvkms_vblank_init(struct tvkms_crtc *tcrtc);
int tvkms_vblank_enable(struct drm_crtc *crtc);
void tvkms_vblank_disable(struct drm_crtc *crtc);
bool tvkms_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
			    ktime_t *vblank_time, bool in_vblank_irq);
void tvkms_vblank_set_mode(struct tvkms_crtc *tcrtc,
			   const struct drm_display_mode *mode);
void tvkms_vblank_set_off(struct tvkms_crtc *tcrtc);
void tvkms_vblank_stop(struct tvkms_crtc *tcrtc);

/* tvkms_plane.c */
struct drm_plane *tvkms_plane_create(struct tvkms_device *tdev,
				     enum drm_plane_type type, u32 crtc_mask,
				     unsigned int zpos);
void tvkms_plane_release_deferred(struct tvkms_device *tdev,
				  struct tvkms_plane_state *tstate);

/* tvkms_formats.c */
tvkms_line_reader_t tvkms_format_reader(u32 fourcc, unsigned int *bits);
tvkms_yuv_reader_t tvkms_format_yuv_reader(const struct drm_format_info *info,
					   bool *cr_first);
void tvkms_yuv_coeffs(enum drm_color_encoding encoding,
		      enum drm_color_range range,
		      struct tvkms_yuv_coeffs *coeffs);
tvkms_line_writer_t tvkms_format_writer(u32 fourcc);
bool tvkms_format_supported(u32 fourcc);
bool tvkms_format_is_yuv(u32 fourcc);

/* tvkms_composer.c */
int tvkms_composer_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc);
void tvkms_composer_update(struct tvkms_crtc *tcrtc,
			   struct drm_atomic_state *state);
void tvkms_composer_vblank(struct tvkms_crtc *tcrtc, u64 seq);
void tvkms_composer_flush(struct tvkms_crtc *tcrtc);
void tvkms_composer_writeback_queued(struct tvkms_crtc *tcrtc,
				     struct drm_writeback_job *job);
void tvkms_composer_writeback_release(struct tvkms_writeback_target *target);
void tvkms_composer_set_crc(struct tvkms_crtc *tcrtc, bool enabled);
void tvkms_composer_stop(struct tvkms_crtc *tcrtc);

/* tvkms_crc.c */
int tvkms_crc_set_source(struct drm_crtc *crtc, const char *source);
int tvkms_crc_verify_source(struct drm_crtc *crtc, const char *source,
			    size_t *values_cnt);
const char *const *tvkms_crc_get_sources(struct drm_crtc *crtc,
					 size_t *count);

/* tvkms_output.c */
int tvkms_output_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc);
void tvkms_output_probe(struct tvkms_output *output);
void tvkms_output_set_connected(struct tvkms_output *output, bool connected);

/* tvkms_writeback.c */
int tvkms_writeback_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc);

/* tvkms_commit.c */
int tvkms_atomic_check(struct drm_device *dev, struct drm_atomic_state *state);
int tvkms_atomic_commit(struct drm_device *dev, struct drm_atomic_state *state,
			bool nonblock);
#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
void tvkms_checking_release(struct tvkms_device *tdev);
#endif

/* tvkms_faults.c */
int tvkms_faults_init(struct tvkms_device *tdev);
void tvkms_faults_fini(struct tvkms_device *tdev);
bool tvkms_fault_fires(struct tvkms_device *tdev, enum kmst_rule rule);
unsigned long tvkms_fault_value(struct tvkms_device *tdev, enum kmst_rule rule);
void tvkms_faults_hold_state(struct tvkms_device *tdev,
			     struct drm_atomic_state *state);
void tvkms_faults_release_states(struct tvkms_device *tdev);
void tvkms_faults_clear(struct tvkms_device *tdev);
ssize_t tvkms_faults_show(struct tvkms_device *tdev, char *buf, size_t size);
int tvkms_faults_write(struct tvkms_device *tdev, const char *line);

/* tvkms_debugfs.c */
void tvkms_debugfs_init(struct tvkms_device *tdev);
void tvkms_debugfs_fini(struct tvkms_device *tdev);
void tvkms_debugfs_module_init(void);
void tvkms_debugfs_module_exit(void);

#endif /* _TVKMS_DRV_H_ */
