// SPDX-License-Identifier: GPL-2.0
/*
 * A failing case written as a commit sequence (traces/FORMAT.md): the
 * starting modeset, then the case's commit with the uAPI's expectation, so
 * `kmstrace replay` shows the same mismatch. What .seq v1 cannot name (ids
 * the device does not have, flags outside the four, legacy ioctls) is
 * written as a comment with the `kmstrace fuzz --seed S --case N` that
 * issues it exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "afuzz/afuzz.h"
#include "common/log.h"

static void obj_ref(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_obj *obj, char *buf,
		    size_t len)
{
	unsigned int p;

	if (obj->type == DRM_MODE_OBJECT_CRTC) {
		snprintf(buf, len, "crtc:%d", obj->index);
		return;
	}
	if (obj->type == DRM_MODE_OBJECT_CONNECTOR) {
		snprintf(buf, len, "connector:%d", obj->index);
		return;
	}
	for (p = 0; p < dev->pipe_count; p++) {
		if (dev->pipes[p].primary == obj) {
			snprintf(buf, len, "plane:primary@crtc:%d", dev->pipes[p].crtc->index);
			return;
		}
		if (dev->pipes[p].cursor == obj) {
			snprintf(buf, len, "plane:cursor@crtc:%d", dev->pipes[p].crtc->index);
			return;
		}
	}
	snprintf(buf, len, "plane:%d", obj->index);
}

static void prop_word(const char *name, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", name);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ' ')
			buf[i] = '_';
}

static void value_text(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_set *s, char *buf,
		       size_t len)
{
	unsigned int p;

	if (s->value_crtc >= 0) {
		snprintf(buf, len, "crtc:%d", s->value_crtc);
		return;
	}
	for (p = 0; p < dev->pipe_count; p++) {
		const struct kmst_afuzz_pipe *pipe = &dev->pipes[p];

		if (s->value && (s->value == pipe->fbs[0] || s->value == pipe->fbs[1]) &&
		    !strcmp(s->prop_name, "FB_ID")) {
			snprintf(buf, len, "fb:p%u%c", p, s->value == pipe->fbs[0] ? 'a' : 'b');
			return;
		}
		if (s->value && s->value == pipe->mode_blob && !strcmp(s->prop_name, "MODE_ID")) {
			snprintf(buf, len, "blob:mode:preferred@connector:%d", pipe->connector_index);
			return;
		}
	}
	if (s->value && s->value == dev->small_fb && !strcmp(s->prop_name, "FB_ID")) {
		snprintf(buf, len, "fb:small");
		return;
	}
	if (!strncmp(s->prop_name, "SRC_", 4) && !(s->value & 0xffff))
		snprintf(buf, len, "%llu.0", (unsigned long long)(s->value >> 16));
	else if (!strncmp(s->prop_name, "CRTC_", 5) && strcmp(s->prop_name, "CRTC_ID"))
		snprintf(buf, len, "%lld", (long long)s->value);
	else
		snprintf(buf, len, "%llu", (unsigned long long)s->value);
}

static void write_sets(FILE *out, const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_case *c)
{
	const struct kmst_afuzz_obj *done[KMST_AFUZZ_MAX_SETS];
	unsigned int n = 0, i, k;
	char ref[64], word[40], value[64];

	for (i = 0; i < c->set_count; i++)
		if (!c->sets[i].obj || !c->sets[i].prop_name)
			fprintf(out, "# not in .seq v1: object %u property %u = %llu\n", c->sets[i].obj_id,
				c->sets[i].prop_id, (unsigned long long)c->sets[i].value);
	for (i = 0; i < c->set_count; i++) {
		const struct kmst_afuzz_obj *obj = c->sets[i].obj;

		if (!obj || !c->sets[i].prop_name)
			continue;
		for (k = 0; k < n && done[k] != obj; k++)
			;
		if (k < n)
			continue;
		done[n++] = obj;
		obj_ref(dev, obj, ref, sizeof(ref));
		fprintf(out, "\t%s", ref);
		for (k = i; k < c->set_count; k++) {
			if (c->sets[k].obj != obj || !c->sets[k].prop_name)
				continue;
			prop_word(c->sets[k].prop_name, word, sizeof(word));
			value_text(dev, &c->sets[k], value, sizeof(value));
			fprintf(out, " %s=%s", word, value);
		}
		fputc('\n', out);
	}
}

static void flag_words(FILE *out, uint32_t flags)
{
	if (flags & DRM_MODE_ATOMIC_TEST_ONLY)
		fputs(" TEST_ONLY", out);
	if (flags & DRM_MODE_ATOMIC_NONBLOCK)
		fputs(" NONBLOCK", out);
	if (flags & DRM_MODE_ATOMIC_ALLOW_MODESET)
		fputs(" ALLOW_MODESET", out);
	if (flags & DRM_MODE_PAGE_FLIP_EVENT)
		fputs(" PAGE_FLIP_EVENT", out);
}

int kmst_afuzz_repro_write(const struct kmst_afuzz_dev *dev, const struct kmst_afuzz_case *c,
			   int got, const char *finding, const char *path)
{
	const struct kmst_afuzz_rule *rule = kmst_afuzz_rule(c->mutation);
	const uint32_t known = DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_NONBLOCK |
			       DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_PAGE_FLIP_EVENT;
	bool atomic = c->mutation < KMST_MUT_LEGACY_SETCRTC;
	char allowed[64];
	unsigned int p;
	FILE *out;

	out = fopen(path, "w");
	if (!out) {
		kmst_err("%s: cannot write the reproducer: %s", path, strerror(errno));
		return -1;
	}
	kmst_afuzz_allowed_text(rule->allowed, allowed, sizeof(allowed));
	fprintf(out, "kmstrace-seq 1\n");
	fprintf(out, "# kmstrace fuzz --seed %llu --case %llu on %s (%s)\n",
		(unsigned long long)c->seed, c->number, dev->driver, dev->path);
	fprintf(out, "# mutation %s: %s; allowed %s, got %s\n", rule->name, c->what, allowed,
		got ? strerrorname_np(got) : "ok");
	fprintf(out, "# finding: %s\n", finding);
	for (p = 0; p < dev->pipe_count; p++)
		fprintf(out, "fb p%ua XRGB8888 %ux%u\nfb p%ub XRGB8888 %ux%u\n", p,
			dev->pipes[p].mode.hdisplay, dev->pipes[p].mode.vdisplay, p,
			dev->pipes[p].mode.hdisplay, dev->pipes[p].mode.vdisplay);
	fprintf(out, "fb small XRGB8888 %ux%u\n\ncommit ALLOW_MODESET\n", dev->small_w, dev->small_h);
	for (p = 0; p < dev->pipe_count; p++) {
		const struct kmst_afuzz_pipe *pipe = &dev->pipes[p];
		int crtc = pipe->crtc->index;

		fprintf(out, "\tconnector:%d CRTC_ID=crtc:%d\n", pipe->connector_index, crtc);
		fprintf(out, "\tcrtc:%d MODE_ID=blob:mode:preferred@connector:%d ACTIVE=1\n", crtc,
			pipe->connector_index);
		fprintf(out, "\tplane:primary@crtc:%d FB_ID=fb:p%ua CRTC_ID=crtc:%d SRC_X=0 SRC_Y=0 "
			"SRC_W=%u.0 SRC_H=%u.0 CRTC_X=0 CRTC_Y=0 CRTC_W=%u CRTC_H=%u\n",
			crtc, p, crtc, pipe->mode.hdisplay, pipe->mode.vdisplay, pipe->mode.hdisplay,
			pipe->mode.vdisplay);
	}
	fputc('\n', out);
	if (!atomic) {
		fprintf(out, "# a legacy ioctl (%s) on crtc:%d: not in .seq v1\n", rule->name,
			dev->pipes[c->pipe].crtc->index);
	} else if (c->flags & ~known || ((c->flags & DRM_MODE_ATOMIC_TEST_ONLY) &&
					 (c->flags & DRM_MODE_PAGE_FLIP_EVENT))) {
		fprintf(out, "# flags 0x%x: not in .seq v1 (the parser refuses them)\n", c->flags);
	} else {
		if (c->storm)
			fprintf(out, "repeat %u\n", c->storm);
		fputs("commit", out);
		flag_words(out, c->flags);
		fprintf(out, " expect=%s\n", allowed);
		write_sets(out, dev, c);
		if (c->storm)
			fputs("end\n", out);
		if (c->flags & DRM_MODE_PAGE_FLIP_EVENT)
			fputs("wait event\n", out);
	}
	if (fclose(out)) {
		kmst_err("%s: cannot write the reproducer: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
