// SPDX-License-Identifier: GPL-2.0+
/*
 * The composer: a CRTC's visible planes blended line by line
 * into 16-bit ARGB over a black background, on the CRTC's own ordered
 * workqueue, once per VBLANK while a CRC source is set or a writeback job
 * waits. Each composed line feeds the CRC and the writeback buffer.
 *
 * The "CRC" is a checksum of the output only, as the DRM CRC API asks:
 * xxh64 (seed 0) over the output lines as stored (16-bit a, r, g, b,
 * little-endian), its two halves xored into the one 32-bit value. With
 * crc32_le instead, the bench's 1080p frame took about twice as long
 * under TCG (75.8 against 39.4 ms, README).
 *
 * Lifetime: atomic_flush replaces the CRTC's frame (struct tvkms_frame,
 * refcounted); the work takes a reference for one composition, and each
 * writeback job one for the frame of the commit that queued it. Layer
 * pixels are the plane states' own mappings: a plane's cleanup_fb first
 * waits for the work and for the jobs still holding an older frame
 * (tvkms_composer_flush), and by then the flush of the commit that
 * replaced the state has replaced the frame as well.
 *
 * Writeback: the work writes the oldest queued job from that job's own
 * frame, so a job queued while the composer was behind still holds its
 * commit's picture (drm_writeback: a job is written with the content of
 * the commit that queued it, and jobs complete in queue order). When that
 * frame is no longer the CRTC's, the work composes twice: the job's frame
 * for the writeback, then the current one for the CRC.
 *
 * Blending, per channel c with plane alpha pa and pixel alpha fa (all
 * 16-bit, x * y meaning (x * y + 32767) / 65535), following the DRM
 * documentation of "pixel blend mode":
 *   None:           out = c * pa      + bg * (1 - pa)
 *   Pre-multiplied: out = c * pa      + bg * (1 - pa * fa), at most 1
 *   Coverage:       out = c * pa * fa + bg * (1 - pa * fa)
 * computed as (c * k1 + bg * (65535 - k2) + 32767) / 65535. The output is
 * opaque: alpha stays 65535 over the opaque background.
 *
 * The CRTC's GAMMA_LUT then maps each blended line, channel by channel,
 * before the CRC and the writeback see it (the DRM documentation places
 * the gamma LUT after blending, on the data sent to the connector). Entry
 * i of the TVKMS_LUT_SIZE entries (struct drm_color_lut, 16 bits) is the
 * output for input i * 65535 / (TVKMS_LUT_SIZE - 1); an input between two
 * entries is interpolated linearly between them:
 *   i = v / 257, f = v % 257, out = (lut[i] * (257 - f) + lut[i + 1] * f
 *   + 128) / 257
 * so the identity LUT (lut[i] = i * 257) leaves every value as it was.
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xxhash.h>

#include <drm/drm_atomic.h>
#include <drm/drm_blend.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_debugfs_crc.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "tvkms_drv.h"
#include "tvkms_trace.h"

static void tvkms_frame_release(struct kref *ref)
{
	struct tvkms_frame *frame = container_of(ref, struct tvkms_frame, ref);

	kfree(frame->gamma);
	kfree(frame);
}

static void tvkms_frame_put(struct tvkms_frame *frame)
{
	if (frame)
		kref_put(&frame->ref, tvkms_frame_release);
}

/* ---- the frame: built at atomic_flush ---- */

static int tvkms_layer_zpos_cmp(const void *a, const void *b)
{
	const struct tvkms_layer *la = a, *lb = b;

	return (int)la->zpos - (int)lb->zpos;
}

/*
 * The chroma planes of a YCbCr layer, and its reader. A rotated or
 * reflected layer is gathered into full-resolution planar lines first
 * (tvkms_layer_read_yuv), so it is read as YUV444.
 */
static bool tvkms_layer_yuv(struct drm_plane_state *pstate,
			    struct tvkms_layer *layer)
{
	struct tvkms_plane_state *tstate = to_tvkms_plane_state(pstate);
	const struct drm_format_info *info = pstate->fb->format;
	const u8 *first, *second;
	bool cr_first, gathered_cr_first;

	layer->read_yuv = tvkms_format_yuv_reader(info, &cr_first);
	if (!layer->read_yuv)
		return false;
	/*
	 * The gathered lines are always Y, Cb, Cr: only the reader changes,
	 * the order of this fb's chroma planes (cr_first) stays.
	 */
	if (pstate->rotation != DRM_MODE_ROTATE_0)
		layer->read_yuv =
			tvkms_format_yuv_reader(drm_format_info(DRM_FORMAT_YUV444),
						&gathered_cr_first);
	layer->chroma_pitch = pstate->fb->pitches[1];
	layer->hsub = info->hsub;
	layer->vsub = info->vsub;
	first = tstate->data[1].vaddr;
	if (info->num_planes == 2) {
		/* Semi-planar: one plane of (Cb, Cr) or (Cr, Cb) pairs. */
		layer->cstep = 2;
		second = first + 1;
	} else {
		layer->cstep = 1;
		second = tstate->data[2].vaddr;
	}
	layer->cb = cr_first ? second : first;
	layer->cr = cr_first ? first : second;
	tvkms_yuv_coeffs(pstate->color_encoding, pstate->color_range,
			 &layer->coeffs);
	return true;
}

/* Whether @pstate can be composed; fills @layer from it. */
static bool tvkms_layer_from_state(struct drm_plane_state *pstate,
				   struct tvkms_layer *layer)
{
	struct tvkms_plane_state *tstate = to_tvkms_plane_state(pstate);
	struct drm_framebuffer *fb = pstate->fb;
	unsigned int i;

	if (!pstate->visible || !fb || tstate->mapped_fb != fb)
		return false;
	for (i = 0; i < fb->format->num_planes; i++)
		if (tstate->data[i].is_iomem || !tstate->data[i].vaddr)
			return false;
	layer->read_line = tvkms_format_reader(fb->format->format, &layer->bits);
	layer->read_yuv = NULL;
	if (!layer->read_line && !tvkms_layer_yuv(pstate, layer))
		return false;
	layer->pixels = tstate->data[0].vaddr;
	layer->pitch = fb->pitches[0];
	/* No scaling: the 16.16 source is whole pixels (plane atomic_check). */
	layer->src.x1 = pstate->src.x1 >> 16;
	layer->src.y1 = pstate->src.y1 >> 16;
	layer->src.x2 = pstate->src.x2 >> 16;
	layer->src.y2 = pstate->src.y2 >> 16;
	layer->dst = pstate->dst;
	layer->rotation = pstate->rotation;
	layer->alpha = pstate->alpha;
	layer->blend_mode = pstate->pixel_blend_mode;
	layer->opaque = !fb->format->has_alpha && pstate->alpha == 0xffff;
	layer->zpos = pstate->normalized_zpos;
	return true;
}

/*
 * A copy of the state's GAMMA_LUT (atomic_check took only blobs of
 * TVKMS_LUT_SIZE entries): the frame outlives the state, and it may be
 * dropped where the blob could not be (a blob's last put takes a mutex).
 */
static struct tvkms_gamma *tvkms_gamma_copy(struct drm_property_blob *blob)
{
	const struct drm_color_lut *entries;
	struct tvkms_gamma *gamma;
	unsigned int i;

	if (WARN_ON(drm_color_lut_size(blob) != TVKMS_LUT_SIZE))
		return NULL;
	gamma = kmalloc(sizeof(*gamma), GFP_KERNEL);
	if (!gamma)
		return NULL;
	entries = blob->data;
	for (i = 0; i < TVKMS_LUT_SIZE; i++) {
		gamma->red[i] = entries[i].red;
		gamma->green[i] = entries[i].green;
		gamma->blue[i] = entries[i].blue;
	}
	return gamma;
}

static struct tvkms_frame *tvkms_frame_build(struct drm_crtc_state *crtc_state,
					     struct drm_atomic_state *state)
{
	struct drm_crtc *crtc = crtc_state->crtc;
	struct tvkms_frame *frame;
	struct drm_plane *plane;
	unsigned int count = 0;

	frame = kzalloc(struct_size(frame, layers,
				    hweight32(crtc_state->plane_mask)),
			GFP_KERNEL);
	if (!frame)
		return NULL;
	kref_init(&frame->ref);
	frame->width = crtc_state->mode.hdisplay;
	frame->height = crtc_state->mode.vdisplay;
	if (crtc_state->gamma_lut) {
		frame->gamma = tvkms_gamma_copy(crtc_state->gamma_lut);
		if (!frame->gamma) {
			kfree(frame);
			return NULL;
		}
	}
	drm_for_each_plane_mask(plane, crtc->dev, crtc_state->plane_mask) {
		struct drm_plane_state *pstate =
			drm_atomic_get_new_plane_state(state, plane);

		if (!pstate)
			pstate = plane->state;
		if (tvkms_layer_from_state(pstate, &frame->layers[count]))
			count++;
	}
	frame->layer_count = count;
	sort(frame->layers, count, sizeof(frame->layers[0]),
	     tvkms_layer_zpos_cmp, NULL);
	return frame;
}

/* ---- reading and blending one line ---- */

/* Copy @count pixels of @cpp bytes, @step bytes apart, into a packed row. */
static void tvkms_gather(u8 *dst, const u8 *src, long step, unsigned int cpp,
			 unsigned int count)
{
	unsigned int i;

	switch (cpp) {
	case 1:
		for (i = 0; i < count; i++, src += step)
			dst[i] = *src;
		break;
	case 2:
		for (i = 0; i < count; i++, src += step)
			memcpy(dst + 2 * i, src, 2);
		break;
	case 3:
		for (i = 0; i < count; i++, src += step)
			memcpy(dst + 3 * i, src, 3);
		break;
	case 4:
		for (i = 0; i < count; i++, src += step)
			memcpy(dst + 4 * i, src, 4);
		break;
	default:
		for (i = 0; i < count; i++, src += step)
			memcpy(dst + 8 * i, src, 8);
		break;
	}
}

/*
 * The same for pixels of @bits < 8 bits, packed several to a byte with the
 * first pixel in the high bits: @count pixels from fb pixel (@x, @y),
 * stepping (@dx, @dy), packed into @dst the same way from its bit 7 on.
 */
static void tvkms_gather_bits(u8 *dst, const u8 *pixels, unsigned int pitch,
			      int x, int y, int dx, int dy, unsigned int bits,
			      unsigned int count)
{
	unsigned int mask = (1u << bits) - 1;
	unsigned int i, out;

	memset(dst, 0, DIV_ROUND_UP(count * bits, 8));
	for (i = 0, out = 0; i < count; i++, out += bits, x += dx, y += dy) {
		unsigned int in = x * bits;
		unsigned int value = (pixels[(size_t)y * pitch + in / 8] >>
				      (8 - bits - in % 8)) & mask;

		dst[out / 8] |= value << (8 - bits - out % 8);
	}
}

/*
 * Line @v of a YCbCr layer's destination into @stage. Unturned, the line
 * is read in place; turned (see tvkms_layer_read), its samples are
 * gathered into three full-resolution lines in @raw: Y, Cb, Cr.
 */
static void tvkms_layer_read_yuv(const struct tvkms_layer *layer, int v,
				 int s, int t, int ds, int dt,
				 struct tvkms_pixel *stage, u8 *raw)
{
	unsigned int width = drm_rect_width(&layer->dst);
	struct tvkms_yuv_line line;
	unsigned int i, row;
	int x, y;

	if (layer->rotation == DRM_MODE_ROTATE_0) {
		row = (layer->src.y1 + v) / layer->vsub;
		line.luma = layer->pixels +
			    (size_t)(layer->src.y1 + v) * layer->pitch;
		line.cb = layer->cb + (size_t)row * layer->chroma_pitch;
		line.cr = layer->cr + (size_t)row * layer->chroma_pitch;
		layer->read_yuv(&line, layer->src.x1, &layer->coeffs, stage,
				width);
		return;
	}
	x = layer->src.x1 + s;
	y = layer->src.y1 + t;
	for (i = 0; i < width; i++, x += ds, y += dt) {
		size_t chroma = (size_t)(y / layer->vsub) * layer->chroma_pitch +
				(x / layer->hsub) * layer->cstep;

		raw[i] = layer->pixels[(size_t)y * layer->pitch + x];
		raw[width + i] = layer->cb[chroma];
		raw[2 * width + i] = layer->cr[chroma];
	}
	line.luma = raw;
	line.cb = raw + width;
	line.cr = raw + 2 * width;
	layer->read_yuv(&line, 0, &layer->coeffs, stage, width);
}

/*
 * Line @v of the layer's destination into @stage. DRM rotates the source
 * as drm_rect_rotate() does: reflect first, then rotate counter-clockwise.
 * So destination pixel (u, v) comes from source pixel (s, t) of the
 * sw x sh source rectangle with, before reflection:
 *   0: (u, v)  90: (sw-1-v, u)  180: (sw-1-u, sh-1-v)  270: (v, sh-1-u)
 * and a reflection mirrors s (X) or t (Y) within the rectangle. Rotated
 * lines are gathered into @raw and then read like an unrotated line.
 */
static void tvkms_layer_read(const struct tvkms_layer *layer, int v,
			     struct tvkms_pixel *stage, u8 *raw)
{
	unsigned int width = drm_rect_width(&layer->dst);
	int sw = drm_rect_width(&layer->src);
	int sh = drm_rect_height(&layer->src);
	int s, t, ds, dt;
	unsigned int cpp;
	const u8 *first;

	if (layer->read_yuv && layer->rotation == DRM_MODE_ROTATE_0) {
		tvkms_layer_read_yuv(layer, v, 0, 0, 0, 0, stage, raw);
		return;
	}
	if (layer->rotation == DRM_MODE_ROTATE_0) {
		layer->read_line(layer->pixels +
				 (size_t)(layer->src.y1 + v) * layer->pitch,
				 layer->src.x1, stage, width);
		return;
	}
	switch (layer->rotation & DRM_MODE_ROTATE_MASK) {
	case DRM_MODE_ROTATE_90:
		s = sw - 1 - v, t = 0, ds = 0, dt = 1;
		break;
	case DRM_MODE_ROTATE_180:
		s = sw - 1, t = sh - 1 - v, ds = -1, dt = 0;
		break;
	case DRM_MODE_ROTATE_270:
		s = v, t = sh - 1, ds = 0, dt = -1;
		break;
	default:
		s = 0, t = v, ds = 1, dt = 0;
		break;
	}
	if (layer->rotation & DRM_MODE_REFLECT_X)
		s = sw - 1 - s, ds = -ds;
	if (layer->rotation & DRM_MODE_REFLECT_Y)
		t = sh - 1 - t, dt = -dt;
	if (layer->read_yuv) {
		tvkms_layer_read_yuv(layer, v, s, t, ds, dt, stage, raw);
		return;
	}
	if (layer->bits < 8) {
		tvkms_gather_bits(raw, layer->pixels, layer->pitch,
				  layer->src.x1 + s, layer->src.y1 + t, ds, dt,
				  layer->bits, width);
	} else {
		cpp = layer->bits / 8;
		first = layer->pixels +
			(size_t)(layer->src.y1 + t) * layer->pitch +
			(size_t)(layer->src.x1 + s) * cpp;
		tvkms_gather(raw, first,
			     (long)dt * layer->pitch + (long)ds * cpp, cpp,
			     width);
	}
	layer->read_line(raw, 0, stage, width);
}

static inline u32 tvkms_mul16(u32 x, u32 y)
{
	return (x * y + 32767) / 65535;
}

static void tvkms_blend_none(struct tvkms_pixel *dst,
			     const struct tvkms_pixel *src, unsigned int count,
			     u32 alpha)
{
	u32 keep = 65535 - alpha;
	unsigned int i;

	for (i = 0; i < count; i++) {
		dst[i].r = (src[i].r * alpha + dst[i].r * keep + 32767) / 65535;
		dst[i].g = (src[i].g * alpha + dst[i].g * keep + 32767) / 65535;
		dst[i].b = (src[i].b * alpha + dst[i].b * keep + 32767) / 65535;
	}
}

static void tvkms_blend_coverage(struct tvkms_pixel *dst,
				 const struct tvkms_pixel *src,
				 unsigned int count, u32 alpha)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		u32 k = tvkms_mul16(alpha, src[i].a);
		u32 keep = 65535 - k;

		dst[i].r = (src[i].r * k + dst[i].r * keep + 32767) / 65535;
		dst[i].g = (src[i].g * k + dst[i].g * keep + 32767) / 65535;
		dst[i].b = (src[i].b * k + dst[i].b * keep + 32767) / 65535;
	}
}

/* A colour above its alpha is not premultiplied: it saturates. */
static inline u16 tvkms_premulti(u32 c, u32 alpha, u32 bg, u32 keep)
{
	u64 sum = (u64)c * alpha + (u64)bg * keep + 32767;

	return min_t(u64, div_u64(sum, 65535), 65535);
}

static void tvkms_blend_premulti(struct tvkms_pixel *dst,
				 const struct tvkms_pixel *src,
				 unsigned int count, u32 alpha)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		u32 keep = 65535 - tvkms_mul16(alpha, src[i].a);

		dst[i].r = tvkms_premulti(src[i].r, alpha, dst[i].r, keep);
		dst[i].g = tvkms_premulti(src[i].g, alpha, dst[i].g, keep);
		dst[i].b = tvkms_premulti(src[i].b, alpha, dst[i].b, keep);
	}
}

static void tvkms_blend(struct tvkms_pixel *dst, const struct tvkms_pixel *src,
			unsigned int count, const struct tvkms_layer *layer)
{
	switch (layer->blend_mode) {
	case DRM_MODE_BLEND_PIXEL_NONE:
		tvkms_blend_none(dst, src, count, layer->alpha);
		break;
	case DRM_MODE_BLEND_COVERAGE:
		tvkms_blend_coverage(dst, src, count, layer->alpha);
		break;
	default:
		tvkms_blend_premulti(dst, src, count, layer->alpha);
		break;
	}
}

/* One channel through its LUT (see the interpolation at the top). */
static inline u16 tvkms_lut_map(const u16 *lut, u32 value)
{
	u32 index = value / TVKMS_LUT_STEP, frac = value % TVKMS_LUT_STEP;
	u32 next = min_t(u32, index + 1, TVKMS_LUT_SIZE - 1);

	return (lut[index] * (TVKMS_LUT_STEP - frac) + lut[next] * frac +
		TVKMS_LUT_STEP / 2) / TVKMS_LUT_STEP;
}

static void tvkms_gamma_apply(const struct tvkms_gamma *gamma,
			      struct tvkms_pixel *line, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		line[i].r = tvkms_lut_map(gamma->red, line[i].r);
		line[i].g = tvkms_lut_map(gamma->green, line[i].g);
		line[i].b = tvkms_lut_map(gamma->blue, line[i].b);
	}
}

static void tvkms_fill_background(struct tvkms_pixel *line, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		line[i] = (struct tvkms_pixel){ .a = 0xffff };
}

/*
 * The topmost opaque layer covering all of line @y, or -1: it hides the
 * background and every layer below it, so composing starts there.
 */
static int tvkms_line_base(const struct tvkms_frame *frame, int y)
{
	int i;

	for (i = (int)frame->layer_count - 1; i >= 0; i--) {
		const struct tvkms_layer *layer = &frame->layers[i];

		if (layer->opaque && y >= layer->dst.y1 && y < layer->dst.y2 &&
		    layer->dst.x1 == 0 && layer->dst.x2 == (int)frame->width)
			return i;
	}
	return -1;
}

/*
 * Compose @frame; returns the checksum of its output lines when @checksum
 * is set (else 0). With @target, each line is also written to the
 * writeback fb @wb_fb.
 */
static u32 tvkms_compose(const struct tvkms_frame *frame,
			 struct tvkms_pixel *lines,
			 const struct tvkms_writeback_target *target,
			 const struct drm_framebuffer *wb_fb, bool checksum)
{
	unsigned int width = frame->width;
	struct xxh64_state hash;
	u64 digest;
	struct tvkms_pixel *out = lines, *stage = lines + width;
	u8 *raw = (u8 *)(lines + 2 * width);
	int y;

	xxh64_reset(&hash, 0);
	for (y = 0; y < frame->height; y++) {
		int base = tvkms_line_base(frame, y);
		unsigned int i;

		if (base < 0)
			tvkms_fill_background(out, width);
		for (i = max(base, 0); i < frame->layer_count; i++) {
			const struct tvkms_layer *layer = &frame->layers[i];

			if (y < layer->dst.y1 || y >= layer->dst.y2)
				continue;
			if (layer->opaque) {
				/* Alpha stays 0xffff: opaque formats read so. */
				tvkms_layer_read(layer, y - layer->dst.y1,
						 out + layer->dst.x1, raw);
				continue;
			}
			tvkms_layer_read(layer, y - layer->dst.y1, stage, raw);
			tvkms_blend(out + layer->dst.x1, stage,
				    drm_rect_width(&layer->dst), layer);
		}
		if (frame->gamma)
			tvkms_gamma_apply(frame->gamma, out, width);
		if (checksum)
			xxh64_update(&hash, out, width * sizeof(*out));
		if (target)
			target->write_line(out, (u8 *)target->data[0].vaddr +
					   (size_t)y * wb_fb->pitches[0],
					   width);
	}
	if (!checksum)
		return 0;
	digest = xxh64_digest(&hash);
	return lower_32_bits(digest) ^ upper_32_bits(digest);
}

/* ---- the work ---- */

/*
 * A work is done with its frame: the CRTC is idle again, or VBLANKs that
 * came for a newer frame meanwhile are composed next. Lock held.
 */
static void tvkms_composer_end_locked(struct tvkms_composer *composer)
{
	composer->work_frame = NULL;
	if (!composer->next_pending) {
		composer->busy = false;
		return;
	}
	composer->next_pending = false;
	composer->frame_start = composer->next_start;
	composer->frame_end = composer->next_end;
	queue_work(composer->wq, &composer->work);
}

/* Output, stage and raw (up to 8 bytes a pixel) lines of @width. */
static int tvkms_composer_reserve(struct tvkms_composer *composer,
				  unsigned int width)
{
	struct tvkms_pixel *lines;

	if (composer->line_capacity >= width)
		return 0;
	lines = kvmalloc_array(3 * (size_t)width, sizeof(*lines), GFP_KERNEL);
	if (!lines)
		return -ENOMEM;
	kvfree(composer->line_buf);
	composer->line_buf = lines;
	composer->line_capacity = width;
	return 0;
}

/* The job the next composition writes: the oldest queued one. */
static struct drm_writeback_job *
tvkms_composer_writeback_head(struct tvkms_crtc *tcrtc)
{
	struct drm_writeback_connector *wb = &tcrtc->wb;
	struct drm_writeback_job *job;
	unsigned long flags;

	spin_lock_irqsave(&wb->job_lock, flags);
	job = list_first_entry_or_null(&wb->job_queue, struct drm_writeback_job,
				       list_entry);
	spin_unlock_irqrestore(&wb->job_lock, flags);
	return job;
}

/* Signal @count queued jobs with @status (CRTC off: nothing was written). */
static void tvkms_composer_cancel_writebacks(struct tvkms_crtc *tcrtc,
					     int status)
{
	struct tvkms_composer *composer = &tcrtc->composer;
	unsigned long flags;
	unsigned int count;

	spin_lock_irqsave(&composer->lock, flags);
	count = composer->wb_pending;
	composer->wb_pending = 0;
	composer->wb_stale = 0;
	composer->wb_abandon = false;
	spin_unlock_irqrestore(&composer->lock, flags);
	while (count--) {
		drm_writeback_signal_completion(&tcrtc->wb, status);
		drm_crtc_vblank_put(&tcrtc->base);
	}
	wake_up_all(&composer->wb_wait);
}

static void tvkms_composer_work(struct work_struct *work)
{
	struct tvkms_composer *composer =
		container_of(work, struct tvkms_composer, work);
	struct tvkms_crtc *tcrtc =
		container_of(composer, struct tvkms_crtc, composer);
	const struct tvkms_writeback_target *target = NULL;
	struct drm_crtc *crtc = &tcrtc->base;
	struct drm_writeback_job *job = NULL;
	struct tvkms_frame *frame, *job_frame = NULL;
	u64 start, end, seq, duration = 0;
	unsigned long flags;
	unsigned int width;
	bool crc_on, wb_on, abandon, composing, late = false;
	u32 minor = tvkms_minor(crtc->dev);
	u32 delay_us = READ_ONCE(to_tvkms_device(crtc->dev)->composer_delay_us);
	unsigned int refused = 0;
	int status = 0;
	u32 crc = 0;
	ktime_t begin = 0;

	if (delay_us)
		usleep_range(delay_us, delay_us + delay_us / 8 + 1);
	spin_lock_irqsave(&composer->lock, flags);
	frame = composer->frame;
	if (frame)
		kref_get(&frame->ref);
	composer->work_frame = frame;
	crc_on = composer->crc_enabled;
	wb_on = composer->wb_pending > 0;
	/* Stale jobs are the oldest: the head is one if any is left. */
	abandon = composer->wb_stale && composer->wb_abandon;
	start = composer->frame_start;
	spin_unlock_irqrestore(&composer->lock, flags);

	if (wb_on) {
		job = tvkms_composer_writeback_head(tcrtc);
		target = job ? job->priv : NULL;
		job_frame = target ? target->frame : NULL;
		if (!job_frame || abandon) {
			status = abandon ? -ETIMEDOUT : -EINVAL;
			target = NULL;
			job_frame = NULL;
		}
	}
	width = frame ? frame->width : 0;
	if (job_frame)
		width = max(width, job_frame->width);
	if (!frame || (!crc_on && !job) ||
	    tvkms_composer_reserve(composer, width)) {
		spin_lock_irqsave(&composer->lock, flags);
		tvkms_composer_end_locked(composer);
		spin_unlock_irqrestore(&composer->lock, flags);
		tvkms_frame_put(frame);
		return;
	}

	composing = crc_on || job_frame;
	if (composing) {
		trace_tvkms_compose_start(NULL, minor, tcrtc->index,
					  frame->layer_count);
		begin = ktime_get();
	}
	late = job_frame && job_frame != frame;
	if (late) {
		/* A job queued before the frame was replaced: its own picture. */
		tvkms_compose(job_frame, composer->line_buf, target, job->fb,
			      false);
		job_frame = NULL;
	}
	if (crc_on || job_frame)
		crc = tvkms_compose(frame, composer->line_buf, job_frame ?
				    target : NULL, job_frame ? job->fb : NULL,
				    crc_on);
	if (composing) {
		duration = ktime_to_ns(ktime_sub(ktime_get(), begin));
		trace_tvkms_compose_end(NULL, minor, tcrtc->index,
					frame->layer_count);
	}

	if (job) {
		drm_writeback_signal_completion(&tcrtc->wb, status);
		drm_crtc_vblank_put(crtc);
	}

	spin_lock_irqsave(&composer->lock, flags);
	end = composer->frame_end;
	tvkms_composer_end_locked(composer);
	if (composing) {
		composer->composed++;
		composer->last_ns = duration;
		composer->max_ns = max(composer->max_ns, duration);
	}
	if (job) {
		composer->wb_pending--;
		if (composer->wb_stale && !--composer->wb_stale)
			composer->wb_abandon = false;
		if (!status)
			composer->writebacks++;
		if (late)
			composer->writebacks_late++;
	}
	if (crc_on)
		composer->crc_entries += end - start + 1;
	spin_unlock_irqrestore(&composer->lock, flags);
	if (job)
		wake_up_all(&composer->wb_wait);

	/*
	 * VBLANKs that came while this frame was late show the same picture:
	 * each still gets its entry (counted as missed in debugfs).
	 */
	for (seq = start; crc_on && seq <= end; seq++)
		if (drm_crtc_add_crc_entry(crtc, true, seq, &crc) == -ENOBUFS)
			refused++;
	if (refused) {
		/* DRM's buffer was full: its reader fell behind. */
		spin_lock_irqsave(&composer->lock, flags);
		composer->crc_refused += refused;
		spin_unlock_irqrestore(&composer->lock, flags);
	}
	tvkms_frame_put(frame);
}

/* ---- calls from the CRTC, planes, writeback and VBLANK ---- */

/*
 * From the CRTC's atomic_flush (commit tail): the frame the next VBLANKs
 * compose. With the CRTC off there is none, and writeback jobs still
 * queued are signalled with an error.
 */
void tvkms_composer_update(struct tvkms_crtc *tcrtc,
			   struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, &tcrtc->base);
	struct tvkms_composer *composer = &tcrtc->composer;
	struct tvkms_frame *frame = NULL, *old;
	unsigned long flags;

	if (crtc_state->active)
		frame = tvkms_frame_build(crtc_state, state);
	spin_lock_irqsave(&composer->lock, flags);
	old = composer->frame;
	composer->frame = frame;
	/* Every job queued so far holds the frame just replaced, or older. */
	composer->wb_stale = composer->wb_pending;
	spin_unlock_irqrestore(&composer->lock, flags);
	tvkms_frame_put(old);
	if (!frame) {
		flush_work(&composer->work);
		tvkms_composer_cancel_writebacks(tcrtc, -ECANCELED);
	}
}

/*
 * From the VBLANK hrtimer, after drm_crtc_handle_vblank. A callback that ran
 * a frame or more late (an overrun under TCG, or a dropped VBLANK) moves
 * drm's counter by more than one: the VBLANKs it skipped showed the same
 * frame, and get their CRC entries with this one.
 */
void tvkms_composer_vblank(struct tvkms_crtc *tcrtc, u64 seq)
{
	struct tvkms_composer *composer = &tcrtc->composer;
	bool queue = false;
	u64 first;

	spin_lock(&composer->lock);
	if (!composer->frame ||
	    (!composer->crc_enabled && !composer->wb_pending)) {
		composer->last_seq_valid = false;
		spin_unlock(&composer->lock);
		return;
	}
	first = seq;
	if (composer->last_seq_valid && seq > composer->last_seq &&
	    seq - composer->last_seq <= TVKMS_SKIPPED_VBLANKS_MAX)
		first = composer->last_seq + 1;
	composer->last_seq = seq;
	composer->last_seq_valid = true;
	if (composer->busy) {
		/*
		 * The previous frame is still queued or being composed: this
		 * VBLANK shows it late, unless the CRTC has a newer frame
		 * since the work took its own.
		 */
		composer->missed++;
		if (!composer->work_frame ||
		    composer->work_frame == composer->frame) {
			composer->frame_end = seq;
		} else {
			if (!composer->next_pending)
				composer->next_start = first;
			composer->next_pending = true;
			composer->next_end = seq;
		}
	} else {
		composer->busy = true;
		composer->frame_start = first;
		composer->frame_end = seq;
		queue = true;
	}
	spin_unlock(&composer->lock);
	if (queue)
		queue_work(composer->wq, &composer->work);
}

static bool tvkms_composer_no_stale(struct tvkms_composer *composer)
{
	unsigned long flags;
	bool none;

	spin_lock_irqsave(&composer->lock, flags);
	none = !composer->wb_stale;
	spin_unlock_irqrestore(&composer->lock, flags);
	return none;
}

/*
 * Before a plane state's mapping goes: wait for a composition in flight,
 * and for the writeback jobs that hold an older frame than the CRTC's
 * (the VBLANKs their VBLANK references keep coming write them). Should
 * those not be written in time (a tail that stopped the VBLANKs first),
 * they are signalled with -ETIMEDOUT instead: never read unmapped pixels.
 * Process context.
 */
void tvkms_composer_flush(struct tvkms_crtc *tcrtc)
{
	struct tvkms_composer *composer = &tcrtc->composer;
	unsigned long flags;

	flush_work(&composer->work);
	if (wait_event_timeout(composer->wb_wait,
			       tvkms_composer_no_stale(composer),
			       TVKMS_WB_STALE_TIMEOUT))
		return;
	spin_lock_irqsave(&composer->lock, flags);
	composer->wb_abandon = composer->wb_stale > 0;
	spin_unlock_irqrestore(&composer->lock, flags);
	drm_dbg_kms(tcrtc->base.dev,
		    "crtc%u: writeback jobs of an old frame not written in time\n",
		    tcrtc->index);
	flush_work(&composer->work);
}

/*
 * From the writeback connector's atomic_commit, after queueing @job: the
 * next composition writes it, from the frame this commit's atomic_flush
 * built (the commit tail flushes the CRTCs before its writeback stage).
 * With the CRTC off no frame will come, so the job is signalled at once
 * with an error.
 */
void tvkms_composer_writeback_queued(struct tvkms_crtc *tcrtc,
				     struct drm_writeback_job *job)
{
	struct tvkms_writeback_target *target = job->priv;
	struct tvkms_composer *composer = &tcrtc->composer;
	unsigned long flags;
	bool off;

	/*
	 * A VBLANK reference per pending job keeps the VBLANK timer, and so
	 * the composer, running until the job is written: the commit's own
	 * flip event may be gone already (a modeset sends it at once).
	 */
	if (drm_crtc_vblank_get(&tcrtc->base)) {
		drm_writeback_signal_completion(&tcrtc->wb, -ECANCELED);
		return;
	}
	spin_lock_irqsave(&composer->lock, flags);
	off = !composer->frame;
	if (!off && target && !target->frame) {
		kref_get(&composer->frame->ref);
		target->frame = composer->frame;
	}
	if (!off)
		composer->wb_pending++;
	spin_unlock_irqrestore(&composer->lock, flags);
	if (off) {
		drm_writeback_signal_completion(&tcrtc->wb, -ECANCELED);
		drm_crtc_vblank_put(&tcrtc->base);
	}
}

/* From the job's cleanup, after it was signalled: drop its frame. */
void tvkms_composer_writeback_release(struct tvkms_writeback_target *target)
{
	tvkms_frame_put(target->frame);
	target->frame = NULL;
}

/* From set_crc_source (drm serialises it per CRTC). */
void tvkms_composer_set_crc(struct tvkms_crtc *tcrtc, bool enabled)
{
	struct tvkms_composer *composer = &tcrtc->composer;
	unsigned long flags;

	spin_lock_irqsave(&composer->lock, flags);
	composer->crc_enabled = enabled;
	if (enabled && !composer->wb_pending)
		composer->last_seq_valid = false;
	spin_unlock_irqrestore(&composer->lock, flags);
	if (!enabled)
		flush_work(&composer->work);
}

/*
 * Device teardown, after the VBLANK timer stopped for good: no
 * composition can start any more; finish the last one and drop the frame.
 */
void tvkms_composer_stop(struct tvkms_crtc *tcrtc)
{
	struct tvkms_composer *composer = &tcrtc->composer;
	struct tvkms_frame *old;
	unsigned long flags;

	flush_work(&composer->work);
	spin_lock_irqsave(&composer->lock, flags);
	old = composer->frame;
	composer->frame = NULL;
	spin_unlock_irqrestore(&composer->lock, flags);
	tvkms_frame_put(old);
	tvkms_composer_cancel_writebacks(tcrtc, -ECANCELED);
}

static void tvkms_composer_release(struct drm_device *dev, void *data)
{
	struct tvkms_composer *composer = data;

	destroy_workqueue(composer->wq);
	tvkms_frame_put(composer->frame);
	kvfree(composer->line_buf);
}

int tvkms_composer_init(struct tvkms_device *tdev, struct tvkms_crtc *tcrtc)
{
	struct tvkms_composer *composer = &tcrtc->composer;

	spin_lock_init(&composer->lock);
	init_waitqueue_head(&composer->wb_wait);
	INIT_WORK(&composer->work, tvkms_composer_work);
	composer->wq = alloc_ordered_workqueue("tvkms-compose-%u", 0,
					       tcrtc->index);
	if (!composer->wq)
		return -ENOMEM;
	return drmm_add_action_or_reset(&tdev->base, tvkms_composer_release,
					composer);
}
