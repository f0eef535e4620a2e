// SPDX-License-Identifier: GPL-2.0+
/*
 * Pixel formats: the formats planes and writeback take, and
 * one line converter per format between its memory layout and the
 * composer's internal pixel (16 bit per channel ARGB, struct tvkms_pixel).
 *
 * Each converter handles a whole line in one loop of loads, shifts and
 * multiplies by constants, with no call per pixel, so the compiler may
 * vectorise it. The arithmetic is the contract the VM tests reproduce:
 * - an n-bit channel c widens to (c * 65535 + (2^n - 1) / 2) / (2^n - 1),
 *   so 8 bits become c * 257 and a 16-bit channel is kept as it is;
 * - a 16-bit channel v narrows to n bits as (v * (2^n - 1) + 32767) / 65535,
 *   so widening then narrowing gives back every n-bit value;
 * - formats without alpha read as opaque (alpha 65535);
 * - single-channel R formats read as grey: R = G = B = the widened value.
 * Memory is little endian as every DRM fourcc is.
 *
 * YCbCr formats (8-bit samples, semi-planar NV* and planar YUV/YVU*) are
 * read by one reader per family and horizontal subsampling: luma pixel x
 * takes chroma sample x / hsub of chroma line y / vsub (no interpolation,
 * as VKMS). The conversion follows the DRM documentation of the plane
 * properties COLOR_ENCODING and COLOR_RANGE, i.e. ITU-R BT.601, BT.709 and
 * BT.2020 (non-constant luminance), see tvkms_yuv_coeffs().
 */
#include <linux/kernel.h>
#include <linux/math64.h>

#include <drm/drm_fourcc.h>

#include "tvkms_compat.h"
#include "tvkms_drv.h"

/* n-bit channel to 16 bits, rounded (see the comment at the top). */
#define TVKMS_WIDEN(c, bits) \
	((u16)(((u32)(c) * 65535u + ((1u << (bits)) - 1) / 2) / \
	       ((1u << (bits)) - 1)))
/* 16-bit channel to n bits, rounded. */
#define TVKMS_NARROW(v, bits) \
	((u32)(((u32)(v) * ((1u << (bits)) - 1) + 32767u) / 65535u))

/* ---- readers: one format line to internal pixels ---- */

/*
 * A reader of a format of 8-bit channels: CPP bytes a pixel, each channel
 * at its byte offset (RO, GO, BO, AO; AO < 0: none, opaque). Every offset
 * is a constant of its instance, so each loop stays a line of loads the
 * compiler may vectorise.
 */
#define TVKMS_READER_8(name, cpp, ro, go, bo, ao)					\
static void tvkms_read_##name(const u8 *line, unsigned int first,		\
			      struct tvkms_pixel *dst, unsigned int count)	\
{										\
	const u8 *src = line + (size_t)first * (cpp);				\
	unsigned int i;								\
										\
	for (i = 0; i < count; i++, src += (cpp)) {				\
		dst[i].a = (ao) < 0 ? 0xffff : src[(ao) < 0 ? 0 : (ao)] * 257;	\
		dst[i].r = src[ro] * 257;					\
		dst[i].g = src[go] * 257;					\
		dst[i].b = src[bo] * 257;					\
	}									\
}

/* The same for 16-bit little-endian channels; offsets in channels. */
#define TVKMS_READER_16(name, ro, go, bo, ao)					\
static void tvkms_read_##name(const u8 *line, unsigned int first,		\
			      struct tvkms_pixel *dst, unsigned int count)	\
{										\
	const u8 *src = line + (size_t)first * 8;				\
	unsigned int i;								\
										\
	for (i = 0; i < count; i++, src += 8) {					\
		dst[i].a = (ao) < 0 ? 0xffff :					\
			   get_unaligned_le16(src + 2 * ((ao) < 0 ? 0 : (ao)));	\
		dst[i].r = get_unaligned_le16(src + 2 * (ro));			\
		dst[i].g = get_unaligned_le16(src + 2 * (go));			\
		dst[i].b = get_unaligned_le16(src + 2 * (bo));			\
	}									\
}

/* Byte (channel) order in memory: [31:0] A:R:G:B little endian is B, G, R, A. */
TVKMS_READER_8(xrgb8888, 4, 2, 1, 0, -1)
TVKMS_READER_8(argb8888, 4, 2, 1, 0, 3)
TVKMS_READER_8(xbgr8888, 4, 0, 1, 2, -1)
TVKMS_READER_8(abgr8888, 4, 0, 1, 2, 3)
/* [23:0] R:G:B little endian: blue is the first byte. */
TVKMS_READER_8(rgb888, 3, 2, 1, 0, -1)
TVKMS_READER_8(bgr888, 3, 0, 1, 2, -1)

static void tvkms_read_rgb565(const u8 *line, unsigned int first,
			      struct tvkms_pixel *dst, unsigned int count)
{
	const u8 *src = line + (size_t)first * 2;
	unsigned int i;

	for (i = 0; i < count; i++, src += 2) {
		u32 px = get_unaligned_le16(src);

		dst[i].a = 0xffff;
		dst[i].r = TVKMS_WIDEN(px >> 11, 5);
		dst[i].g = TVKMS_WIDEN((px >> 5) & 0x3f, 6);
		dst[i].b = TVKMS_WIDEN(px & 0x1f, 5);
	}
}

TVKMS_READER_16(xrgb16161616, 2, 1, 0, -1)
TVKMS_READER_16(argb16161616, 2, 1, 0, 3)
TVKMS_READER_16(abgr16161616, 0, 1, 2, 3)

static void tvkms_read_xrgb2101010(const u8 *line, unsigned int first,
				   struct tvkms_pixel *dst, unsigned int count)
{
	const u8 *src = line + (size_t)first * 4;
	unsigned int i;

	for (i = 0; i < count; i++, src += 4) {
		u32 px = get_unaligned_le32(src);

		dst[i].a = 0xffff;
		dst[i].r = TVKMS_WIDEN((px >> 20) & 0x3ff, 10);
		dst[i].g = TVKMS_WIDEN((px >> 10) & 0x3ff, 10);
		dst[i].b = TVKMS_WIDEN(px & 0x3ff, 10);
	}
}

static void tvkms_read_argb2101010(const u8 *line, unsigned int first,
				   struct tvkms_pixel *dst, unsigned int count)
{
	const u8 *src = line + (size_t)first * 4;
	unsigned int i;

	for (i = 0; i < count; i++, src += 4) {
		u32 px = get_unaligned_le32(src);

		dst[i].a = TVKMS_WIDEN(px >> 30, 2);
		dst[i].r = TVKMS_WIDEN((px >> 20) & 0x3ff, 10);
		dst[i].g = TVKMS_WIDEN((px >> 10) & 0x3ff, 10);
		dst[i].b = TVKMS_WIDEN(px & 0x3ff, 10);
	}
}

/*
 * Single-channel "red" formats: drm_fourcc.h gives them a direct relation
 * between value and brightness, so the value is shown grey (R = G = B),
 * opaque. Below 8 bits a byte packs 8 / bits pixels, the first pixel in
 * its most significant bits ("[7:0] R0:R1:R2:R3" of DRM_FORMAT_R2). Pixel
 * @first of @line starts at bit first * bits of the line.
 */
#define TVKMS_READER_GREY(name, bits)						\
static void tvkms_read_##name(const u8 *line, unsigned int first,		\
			      struct tvkms_pixel *dst, unsigned int count)	\
{										\
	unsigned int i, bit = first * (bits);					\
										\
	for (i = 0; i < count; i++, bit += (bits)) {				\
		u32 value = (line[bit / 8] >> (8 - (bits) - bit % 8)) &	\
			    ((1u << (bits)) - 1);				\
		u16 grey = TVKMS_WIDEN(value, bits);				\
										\
		dst[i].a = 0xffff;						\
		dst[i].r = grey;						\
		dst[i].g = grey;						\
		dst[i].b = grey;						\
	}									\
}

TVKMS_READER_GREY(r8, 8)
#ifdef TVKMS_COMPAT_HAS_R124
TVKMS_READER_GREY(r1, 1)
TVKMS_READER_GREY(r2, 2)
TVKMS_READER_GREY(r4, 4)
#endif

/* ---- YCbCr readers ---- */

static inline u16 tvkms_yuv_clamp(s32 value)
{
	return clamp_t(s32, value >> TVKMS_YUV_SHIFT, 0, 65535);
}

/*
 * A YCbCr reader: luma pixel first + i takes chroma sample
 * (first + i) / HSUB, the samples CSTEP bytes apart. HSUB and CSTEP are
 * constants of each instance, and the coefficients are copied to locals
 * so the compiler knows the output cannot alias them.
 */
#define TVKMS_READER_YUV(name, hsub, cstep)					\
static void tvkms_read_##name(const struct tvkms_yuv_line *line,		\
			      unsigned int first,				\
			      const struct tvkms_yuv_coeffs *coeffs,		\
			      struct tvkms_pixel *dst, unsigned int count)	\
{										\
	const u8 *luma = line->luma + first, *cb = line->cb, *cr = line->cr;	\
	const s32 y_offset = coeffs->y_offset, ky = coeffs->y;			\
	const s32 r_cr = coeffs->r_cr, g_cb = coeffs->g_cb;			\
	const s32 g_cr = coeffs->g_cr, b_cb = coeffs->b_cb;			\
	unsigned int i;								\
										\
	for (i = 0; i < count; i++) {						\
		unsigned int c = (first + i) / (hsub) * (cstep);		\
		s32 y = (luma[i] - y_offset) * ky +				\
			(1 << (TVKMS_YUV_SHIFT - 1));				\
		s32 u = cb[c] - 128, v = cr[c] - 128;				\
										\
		dst[i].a = 0xffff;						\
		dst[i].r = tvkms_yuv_clamp(y + r_cr * v);			\
		dst[i].g = tvkms_yuv_clamp(y - g_cb * u - g_cr * v);		\
		dst[i].b = tvkms_yuv_clamp(y + b_cb * u);			\
	}									\
}

/* Planar (YUV420, YUV422, YUV444 and their YVU twins): own chroma planes. */
TVKMS_READER_YUV(yuv_planar_h1, 1, 1)
TVKMS_READER_YUV(yuv_planar_h2, 2, 1)
/* Semi-planar (NV12, NV16, NV24 and twins): Cb and Cr interleaved. */
TVKMS_READER_YUV(yuv_semi_h1, 1, 2)
TVKMS_READER_YUV(yuv_semi_h2, 2, 2)

/*
 * The YCbCr to RGB matrix of @encoding and @range, in 16-bit output units
 * per 8-bit code step, with TVKMS_YUV_SHIFT fraction bits. With the
 * encoding's luma weights Kr and Kb (Kg = 1 - Kr - Kb):
 *   BT.601: Kr 0.299, Kb 0.114; BT.709: 0.2126, 0.0722;
 *   BT.2020: 0.2627, 0.0593
 * and y = (Y - off) / Yr, u = (Cb - 128) / Cr_, v = (Cr - 128) / Cr_ where
 * limited range has off 16, Yr 219 (Y 16-235) and Cr_ 224 (C 16-240), and
 * full range off 0, Yr = Cr_ = 255:
 *   R = y + 2 (1 - Kr) v
 *   G = y - 2 Kb (1 - Kb) / Kg u - 2 Kr (1 - Kr) / Kg v
 *   B = y + 2 (1 - Kb) u
 * each then clamped to [0, 1] and scaled to 0-65535.
 */
#define TVKMS_K_ONE 10000ULL	/* the weights below are in 1/10000 */

void tvkms_yuv_coeffs(enum drm_color_encoding encoding,
		      enum drm_color_range range,
		      struct tvkms_yuv_coeffs *coeffs)
{
	const u64 scale = 65535ULL << TVKMS_YUV_SHIFT;
	u64 kr, kb, kg, y_range, c_range, c_div;

	switch (encoding) {
	case DRM_COLOR_YCBCR_BT709:
		kr = 2126;
		kb = 722;
		break;
	case DRM_COLOR_YCBCR_BT2020:
		kr = 2627;
		kb = 593;
		break;
	default:
		kr = 2990;
		kb = 1140;
		break;
	}
	kg = TVKMS_K_ONE - kr - kb;
	if (range == DRM_COLOR_YCBCR_FULL_RANGE) {
		coeffs->y_offset = 0;
		y_range = 255;
		c_range = 255;
	} else {
		coeffs->y_offset = 16;
		y_range = 219;
		c_range = 224;
	}
	c_div = TVKMS_K_ONE * c_range;
	coeffs->y = div64_u64(scale + y_range / 2, y_range);
	coeffs->r_cr = div64_u64(scale * 2 * (TVKMS_K_ONE - kr) + c_div / 2,
				 c_div);
	coeffs->b_cb = div64_u64(scale * 2 * (TVKMS_K_ONE - kb) + c_div / 2,
				 c_div);
	coeffs->g_cb = div64_u64(scale * 2 * kb * (TVKMS_K_ONE - kb) +
				 kg * c_div / 2, kg * c_div);
	coeffs->g_cr = div64_u64(scale * 2 * kr * (TVKMS_K_ONE - kr) +
				 kg * c_div / 2, kg * c_div);
}

/* ---- writers: internal pixels to one writeback format line ---- */

static void tvkms_write_xrgb8888(const struct tvkms_pixel *src, u8 *dst,
				 unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 4) {
		dst[0] = TVKMS_NARROW(src[i].b, 8);
		dst[1] = TVKMS_NARROW(src[i].g, 8);
		dst[2] = TVKMS_NARROW(src[i].r, 8);
		dst[3] = 0xff;
	}
}

static void tvkms_write_argb8888(const struct tvkms_pixel *src, u8 *dst,
				 unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 4) {
		dst[0] = TVKMS_NARROW(src[i].b, 8);
		dst[1] = TVKMS_NARROW(src[i].g, 8);
		dst[2] = TVKMS_NARROW(src[i].r, 8);
		dst[3] = TVKMS_NARROW(src[i].a, 8);
	}
}

static void tvkms_write_xrgb16161616(const struct tvkms_pixel *src, u8 *dst,
				     unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 8) {
		put_unaligned_le16(src[i].b, dst);
		put_unaligned_le16(src[i].g, dst + 2);
		put_unaligned_le16(src[i].r, dst + 4);
		put_unaligned_le16(0xffff, dst + 6);
	}
}

static void tvkms_write_argb16161616(const struct tvkms_pixel *src, u8 *dst,
				     unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 8) {
		put_unaligned_le16(src[i].b, dst);
		put_unaligned_le16(src[i].g, dst + 2);
		put_unaligned_le16(src[i].r, dst + 4);
		put_unaligned_le16(src[i].a, dst + 6);
	}
}

static void tvkms_write_rgb565(const struct tvkms_pixel *src, u8 *dst,
			       unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 2)
		put_unaligned_le16(TVKMS_NARROW(src[i].r, 5) << 11 |
				   TVKMS_NARROW(src[i].g, 6) << 5 |
				   TVKMS_NARROW(src[i].b, 5), dst);
}

static void tvkms_write_xrgb2101010(const struct tvkms_pixel *src, u8 *dst,
				    unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++, dst += 4)
		put_unaligned_le32(3u << 30 |
				   TVKMS_NARROW(src[i].r, 10) << 20 |
				   TVKMS_NARROW(src[i].g, 10) << 10 |
				   TVKMS_NARROW(src[i].b, 10), dst);
}

/* ---- the tables ---- */

struct tvkms_format_reader {
	u32 fourcc;
	unsigned int bits;	/* per pixel in memory */
	tvkms_line_reader_t read;
};

static const struct tvkms_format_reader tvkms_readers[] = {
	{ DRM_FORMAT_XRGB8888, 32, tvkms_read_xrgb8888 },
	{ DRM_FORMAT_ARGB8888, 32, tvkms_read_argb8888 },
	{ DRM_FORMAT_XBGR8888, 32, tvkms_read_xbgr8888 },
	{ DRM_FORMAT_ABGR8888, 32, tvkms_read_abgr8888 },
	{ DRM_FORMAT_RGB565, 16, tvkms_read_rgb565 },
	{ DRM_FORMAT_RGB888, 24, tvkms_read_rgb888 },
	{ DRM_FORMAT_BGR888, 24, tvkms_read_bgr888 },
	{ DRM_FORMAT_XRGB16161616, 64, tvkms_read_xrgb16161616 },
	{ DRM_FORMAT_ARGB16161616, 64, tvkms_read_argb16161616 },
	{ DRM_FORMAT_ABGR16161616, 64, tvkms_read_abgr16161616 },
	{ DRM_FORMAT_XRGB2101010, 32, tvkms_read_xrgb2101010 },
	{ DRM_FORMAT_ARGB2101010, 32, tvkms_read_argb2101010 },
	{ DRM_FORMAT_R8, 8, tvkms_read_r8 },
#ifdef TVKMS_COMPAT_HAS_R124
	{ DRM_FORMAT_R1, 1, tvkms_read_r1 },
	{ DRM_FORMAT_R2, 2, tvkms_read_r2 },
	{ DRM_FORMAT_R4, 4, tvkms_read_r4 },
#endif
};

struct tvkms_format_writer {
	u32 fourcc;
	tvkms_line_writer_t write;
};

static const struct tvkms_format_writer tvkms_writers[] = {
	{ DRM_FORMAT_XRGB8888, tvkms_write_xrgb8888 },
	{ DRM_FORMAT_ARGB8888, tvkms_write_argb8888 },
	{ DRM_FORMAT_XRGB16161616, tvkms_write_xrgb16161616 },
	{ DRM_FORMAT_ARGB16161616, tvkms_write_argb16161616 },
	{ DRM_FORMAT_RGB565, tvkms_write_rgb565 },
	{ DRM_FORMAT_XRGB2101010, tvkms_write_xrgb2101010 },
};

/* YCbCr formats: whether the first chroma plane (or byte) is Cr. */
struct tvkms_yuv_format {
	u32 fourcc;
	bool cr_first;
};

static const struct tvkms_yuv_format tvkms_yuv_formats[] = {
	{ DRM_FORMAT_NV12, false },	{ DRM_FORMAT_NV21, true },
	{ DRM_FORMAT_NV16, false },	{ DRM_FORMAT_NV61, true },
	{ DRM_FORMAT_NV24, false },	{ DRM_FORMAT_NV42, true },
	{ DRM_FORMAT_YUV420, false },	{ DRM_FORMAT_YVU420, true },
	{ DRM_FORMAT_YUV422, false },	{ DRM_FORMAT_YVU422, true },
	{ DRM_FORMAT_YUV444, false },	{ DRM_FORMAT_YVU444, true },
};

/* The formats every plane advertises, in the order planes list them. */
const u32 tvkms_plane_formats[] = {
	DRM_FORMAT_XRGB8888,	 DRM_FORMAT_ARGB8888,
	DRM_FORMAT_XBGR8888,	 DRM_FORMAT_ABGR8888,
	DRM_FORMAT_RGB565,	 DRM_FORMAT_RGB888,
	DRM_FORMAT_BGR888,	 DRM_FORMAT_XRGB16161616,
	DRM_FORMAT_ARGB16161616, DRM_FORMAT_ABGR16161616,
	DRM_FORMAT_XRGB2101010,	 DRM_FORMAT_ARGB2101010,
	DRM_FORMAT_R8,
#ifdef TVKMS_COMPAT_HAS_R124
	DRM_FORMAT_R1,		 DRM_FORMAT_R2,
	DRM_FORMAT_R4,
#endif
	DRM_FORMAT_NV12,	 DRM_FORMAT_NV21,
	DRM_FORMAT_NV16,	 DRM_FORMAT_NV61,
	DRM_FORMAT_NV24,	 DRM_FORMAT_NV42,
	DRM_FORMAT_YUV420,	 DRM_FORMAT_YVU420,
	DRM_FORMAT_YUV422,	 DRM_FORMAT_YVU422,
	DRM_FORMAT_YUV444,	 DRM_FORMAT_YVU444,
};

const unsigned int tvkms_plane_format_count = ARRAY_SIZE(tvkms_plane_formats);

/* The formats every writeback connector advertises. */
const u32 tvkms_writeback_formats[TVKMS_WRITEBACK_FORMAT_COUNT] = {
	DRM_FORMAT_XRGB8888,	 DRM_FORMAT_ARGB8888,
	DRM_FORMAT_XRGB16161616, DRM_FORMAT_ARGB16161616,
	DRM_FORMAT_RGB565,	 DRM_FORMAT_XRGB2101010,
};

/* The reader of @fourcc and its bits per pixel (@bits), or NULL. */
tvkms_line_reader_t tvkms_format_reader(u32 fourcc, unsigned int *bits)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tvkms_readers); i++) {
		if (tvkms_readers[i].fourcc == fourcc) {
			if (bits)
				*bits = tvkms_readers[i].bits;
			return tvkms_readers[i].read;
		}
	}
	return NULL;
}

static const struct tvkms_yuv_format *tvkms_yuv_format(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tvkms_yuv_formats); i++)
		if (tvkms_yuv_formats[i].fourcc == fourcc)
			return &tvkms_yuv_formats[i];
	return NULL;
}

bool tvkms_format_is_yuv(u32 fourcc)
{
	return tvkms_yuv_format(fourcc);
}

/*
 * The reader of the YCbCr format @info, or NULL; @cr_first tells whether
 * its first chroma plane (semi-planar: first byte of a pair) is Cr.
 */
tvkms_yuv_reader_t tvkms_format_yuv_reader(const struct drm_format_info *info,
					   bool *cr_first)
{
	const struct tvkms_yuv_format *format = tvkms_yuv_format(info->format);

	if (!format)
		return NULL;
	*cr_first = format->cr_first;
	if (info->num_planes == 2)
		return info->hsub == 2 ? tvkms_read_yuv_semi_h2 :
					 tvkms_read_yuv_semi_h1;
	return info->hsub == 2 ? tvkms_read_yuv_planar_h2 :
				 tvkms_read_yuv_planar_h1;
}

tvkms_line_writer_t tvkms_format_writer(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tvkms_writers); i++)
		if (tvkms_writers[i].fourcc == fourcc)
			return tvkms_writers[i].write;
	return NULL;
}

/* Whether a framebuffer of @fourcc can be scanned out or written back. */
bool tvkms_format_supported(u32 fourcc)
{
	return tvkms_format_reader(fourcc, NULL) || tvkms_format_is_yuv(fourcc) ||
	       tvkms_format_writer(fourcc);
}
