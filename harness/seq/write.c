// SPDX-License-Identifier: GPL-2.0
/* The `.seq` printer: a sequence back to text, in the grammar of traces/FORMAT.md. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "common/log.h"
#include "common/grow.h"
#include "seq/seq.h"

void kmst_seq_ref_format(const struct kmst_seq *seq, const struct kmst_seq_ref *ref, char *buf,
			 size_t len)
{
	switch (ref->kind) {
	case KMST_SEQ_NONE:
		snprintf(buf, len, "none");
		break;
	case KMST_SEQ_CRTC:
		snprintf(buf, len, "crtc:%d", ref->index);
		break;
	case KMST_SEQ_CONNECTOR:
		snprintf(buf, len, "connector:%d", ref->index);
		break;
	case KMST_SEQ_PLANE:
		switch (ref->plane_type) {
		case KMST_SEQ_PLANE_PRIMARY:
			snprintf(buf, len, "plane:primary@crtc:%d", ref->index);
			break;
		case KMST_SEQ_PLANE_CURSOR:
			snprintf(buf, len, "plane:cursor@crtc:%d", ref->index);
			break;
		case KMST_SEQ_PLANE_OVERLAY:
			snprintf(buf, len, "plane:overlay%d@crtc:%d", ref->plane_nth, ref->index);
			break;
		default:
			snprintf(buf, len, "plane:%d", ref->index);
			break;
		}
		break;
	case KMST_SEQ_FB:
		snprintf(buf, len, "fb:%s", seq->fbs[ref->fb].name);
		break;
	case KMST_SEQ_MODE_BLOB:
		if (ref->mode_preferred && ref->index)
			snprintf(buf, len, "blob:mode:preferred@connector:%d", ref->index);
		else if (ref->mode_preferred)
			snprintf(buf, len, "blob:mode:preferred");
		else if (!ref->mode_w)
			snprintf(buf, len, "blob:mode:any@%u", ref->mode_refresh);
		else
			snprintf(buf, len, "blob:mode:%ux%u@%u", ref->mode_w, ref->mode_h,
				 ref->mode_refresh);
		break;
	}
}

static void write_fill(const struct kmst_seq_fb *fb, FILE *out)
{
	switch (fb->fill) {
	case KMST_FILL_SOLID:
		fprintf(out, " fill=solid:%06x", fb->fill_arg);
		break;
	case KMST_FILL_CHECKER:
		fprintf(out, " fill=checker:%u", fb->fill_arg);
		break;
	case KMST_FILL_BARS:
		fprintf(out, " fill=bars");
		break;
	default:
		fprintf(out, " fill=gradient");
		break;
	}
}

static void write_commit(const struct kmst_seq *seq, const struct kmst_seq_step *step, FILE *out)
{
	unsigned int i, j;

	fputs("commit", out);
	if (step->flags & KMST_SEQ_F_TEST_ONLY)
		fputs(" TEST_ONLY", out);
	if (step->flags & KMST_SEQ_F_NONBLOCK)
		fputs(" NONBLOCK", out);
	if (step->flags & KMST_SEQ_F_ALLOW_MODESET)
		fputs(" ALLOW_MODESET", out);
	if (step->flags & KMST_SEQ_F_PAGE_FLIP_EVENT)
		fputs(" PAGE_FLIP_EVENT", out);
	if (step->expect_count > 1 || (step->expect_count == 1 && step->expect[0] != 0)) {
		fputs(" expect=", out);
		for (i = 0; i < step->expect_count; i++) {
			const char *name = kmst_errno_name(step->expect[i]);

			fprintf(out, "%s%s", i ? "|" : "", name ? name : "EINVAL");
		}
	}
	fputc('\n', out);
	for (i = 0; i < step->object_count; i++) {
		const struct kmst_seq_object *obj = &seq->objects[step->first_object + i];
		char ref[64];

		kmst_seq_ref_format(seq, &obj->ref, ref, sizeof(ref));
		fprintf(out, "\t%s", ref);
		for (j = 0; j < obj->prop_count; j++) {
			const struct kmst_seq_prop *prop = &seq->props[obj->first_prop + j];

			if (prop->value.is_ref)
				kmst_seq_ref_format(seq, &prop->value.ref, ref, sizeof(ref));
			else if (!strncmp(prop->name, "SRC_", 4) && prop->value.number >= 0 &&
				 prop->value.number < ((int64_t)65536 << 16) && !(prop->value.number & 0xffff))
				/*
				 * Source rectangles are 16.16 fixed point: keep them readable,
				 * within the range the parser reads fixed point in.
				 */
				snprintf(ref, sizeof(ref), "%" PRId64 ".0", prop->value.number >> 16);
			else
				snprintf(ref, sizeof(ref), "%" PRId64, prop->value.number);
			fprintf(out, " %s=%s", prop->name, ref);
		}
		fputc('\n', out);
	}
}

int kmst_seq_write(const struct kmst_seq *seq, FILE *out)
{
	unsigned int i;

	fprintf(out, "%s %d\n", KMST_SEQ_MAGIC, KMST_SEQ_VERSION);
	if (seq->require_count) {
		fputs("require", out);
		for (i = 0; i < seq->require_count; i++) {
			char ref[64];

			kmst_seq_ref_format(seq, &seq->requires[i], ref, sizeof(ref));
			fprintf(out, " %s", ref);
		}
		fputc('\n', out);
	}
	for (i = 0; i < seq->fb_count; i++) {
		const struct kmst_seq_fb *fb = &seq->fbs[i];

		fprintf(out, "fb %s %s %ux%u", fb->name, kmst_format_name(fb->format), fb->width,
			fb->height);
		write_fill(fb, out);
		fputc('\n', out);
	}
	for (i = 0; i < seq->step_count; i++) {
		const struct kmst_seq_step *step = &seq->steps[i];

		/* Statements inside repeat blocks stay unindented: indentation means object lines. */
		switch (step->kind) {
		case KMST_STEP_COMMIT:
			write_commit(seq, step, out);
			break;
		case KMST_STEP_WAIT_EVENT:
			if (step->timeout_ms != 1000)
				fprintf(out, "wait event timeout=%u\n", step->timeout_ms);
			else
				fputs("wait event\n", out);
			break;
		case KMST_STEP_WAIT_VBLANK:
			fprintf(out, "wait vblank %u crtc:%d\n", step->count, step->crtc);
			break;
		case KMST_STEP_WAIT_MS:
			fprintf(out, "wait ms %u\n", step->count);
			break;
		case KMST_STEP_REPEAT:
			fprintf(out, "repeat %u\n", step->count);
			break;
		case KMST_STEP_END:
			fputs("end\n", out);
			break;
		}
	}
	return ferror(out) ? -EIO : 0;
}
