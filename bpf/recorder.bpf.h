/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * recorder.bpf.h - the ioctl recorder (part of commit.bpf.c): a client's
 * arguments to the ioctls a replay needs (atomic, ADDFB2, RMFB,
 * CREATE_DUMB, CREATEPROPBLOB, GETPROPERTY's names), as struct kmst_rec_*
 * records. Off (recorder_on = 0) when the trace is only to be checked.
 */
#ifndef KMST_RECORDER_BPF_H
#define KMST_RECORDER_BPF_H

#include "emit.bpf.h"

const volatile __u8 recorder_on = 1;
const volatile struct kmst_rec_atomic rec_atomic_zero;

/* The atomic ioctl's arguments, copied at entry, emitted at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct kmst_rec_atomic);
} atomic_recs SEC(".maps");

/* drm_mode_atomic_ioctl entry: copy the client's arrays, bounded. */
static __always_inline void record_atomic_args(struct drm_mode_atomic *arg, const struct kmst_commit_info *commit)
{
	struct kmst_rec_atomic *rec;
	__u32 tid = current_tid();
	__u32 n, m, i, total = 0;
	__u64 objs_ptr, counts_ptr;

	if (!recorder_on || !commit->selected || !minor_selected(commit->minor))
		return;
	/* Start from zeroes: nothing of an earlier ioctl may leak into this one. */
	bpf_map_update_elem(&atomic_recs, &tid, (void *)&rec_atomic_zero, BPF_ANY);
	rec = bpf_map_lookup_elem(&atomic_recs, &tid);
	if (!rec)
		return;
	rec->flags = BPF_CORE_READ(arg, flags);
	rec->count_objs = BPF_CORE_READ(arg, count_objs);
	rec->user_data = BPF_CORE_READ(arg, user_data);
	objs_ptr = BPF_CORE_READ(arg, objs_ptr);
	counts_ptr = BPF_CORE_READ(arg, count_props_ptr);
	n = rec->count_objs;
	if (n > KMST_REC_MAX_OBJS) {
		n = KMST_REC_MAX_OBJS;
		rec->truncated = 1;
	}
	bpf_probe_read_user(rec->obj_ids, n * sizeof(__u32), (void *)objs_ptr);
	bpf_probe_read_user(rec->obj_prop_counts, n * sizeof(__u32), (void *)counts_ptr);
	for (i = 0; i < KMST_REC_MAX_OBJS; i++) {
		if (i >= n)
			break;
		total += rec->obj_prop_counts[i] & 0xffff;
	}
	rec->count_props = total;
	m = total;
	if (m > KMST_REC_MAX_PROPS) {
		m = KMST_REC_MAX_PROPS;
		rec->truncated = 1;
	}
	bpf_probe_read_user(rec->prop_ids, m * sizeof(__u32), (void *)BPF_CORE_READ(arg, props_ptr));
	bpf_probe_read_user(rec->prop_values, m * sizeof(__u64),
			    (void *)BPF_CORE_READ(arg, prop_values_ptr));
	rec->head.commit_id = commit->id;
	rec->head.commit_flags = commit->flags;
	rec->head.minor = commit->minor;
}

/* drm_mode_atomic_ioctl exit: the copy leaves, with the ioctl's result. */
static __always_inline void emit_atomic_record(__s32 ret)
{
	__u32 tid = current_tid();
	struct kmst_rec_atomic *rec = bpf_map_lookup_elem(&atomic_recs, &tid);
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!rec)
		return;
	rec->head.ts_ns = bpf_ktime_get_ns();
	rec->head.type = KMST_EV_REC_ATOMIC;
	rec->head.size = sizeof(*rec);
	rec->head.phase = KMST_PH_POINT;
	rec->head.source = KMST_SRC_KPROBE;
	rec->head.cpu = bpf_get_smp_processor_id();
	rec->head.pid = pid_tgid >> 32;
	rec->head.tid = tid;
	rec->head.crtc = rec->head.plane = rec->head.connector = -1;
	rec->head.ret = ret;
	if (bpf_ringbuf_output(&events, rec, sizeof(*rec), submit_flags()))
		count_drop(KMST_EV_REC_ATOMIC);
	bpf_map_delete_elem(&atomic_recs, &tid);
}

static __always_inline void rec_head(struct kmst_event *ev, __u16 type, __u16 size, __u8 source,
				     __s32 minor, __s32 ret)
{
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };

	c.commit.minor = minor;
	fill_head(ev, type, size, KMST_PH_POINT, source, &c);
	ev->ret = ret;
}

/* Reserve a recorder record and fill its head; NULL (counted) when the ring is full. */
static __always_inline void *rec_reserve(__u16 type, __u16 size, __u8 source, __s32 minor, __s32 ret)
{
	struct kmst_event *ev = bpf_ringbuf_reserve(&events, size, 0);

	if (!ev) {
		count_drop(type);
		return NULL;
	}
	rec_head(ev, type, size, source, minor, ret);
	return ev;
}

static __always_inline void record_addfb2(struct drm_mode_fb_cmd2 *cmd, __u8 source, __s32 minor, __s32 ret)
{
	struct kmst_rec_addfb2 *rec = rec_reserve(KMST_EV_REC_ADDFB2, sizeof(*rec), source, minor, ret);

	if (!rec)
		return;
	rec->fb_id = BPF_CORE_READ(cmd, fb_id);
	rec->width = BPF_CORE_READ(cmd, width);
	rec->height = BPF_CORE_READ(cmd, height);
	rec->pixel_format = BPF_CORE_READ(cmd, pixel_format);
	rec->flags = BPF_CORE_READ(cmd, flags);
	bpf_core_read(rec->handles, sizeof(rec->handles), &cmd->handles);
	bpf_core_read(rec->pitches, sizeof(rec->pitches), &cmd->pitches);
	bpf_core_read(rec->offsets, sizeof(rec->offsets), &cmd->offsets);
	bpf_core_read(rec->modifier, sizeof(rec->modifier), &cmd->modifier);
	rec->pad = 0;
	bpf_ringbuf_submit(rec, submit_flags());
}

static __always_inline void record_rmfb(__u32 *fb_id_arg, __u8 source, __s32 minor, __s32 ret)
{
	struct kmst_event *ev = rec_reserve(KMST_EV_REC_RMFB, sizeof(*ev), source, minor, ret);
	__u32 fb_id = 0;

	if (!ev)
		return;
	bpf_probe_read_kernel(&fb_id, sizeof(fb_id), fb_id_arg);
	ev->arg0 = fb_id;
	bpf_ringbuf_submit(ev, submit_flags());
}

static __always_inline void record_create_dumb(struct drm_mode_create_dumb *args, __u8 source, __s32 minor,
					       __s32 ret)
{
	struct kmst_rec_create_dumb *rec = rec_reserve(KMST_EV_REC_CREATE_DUMB, sizeof(*rec), source, minor,
							ret);

	if (!rec)
		return;
	rec->height = BPF_CORE_READ(args, height);
	rec->width = BPF_CORE_READ(args, width);
	rec->bpp = BPF_CORE_READ(args, bpp);
	rec->flags = BPF_CORE_READ(args, flags);
	rec->handle = BPF_CORE_READ(args, handle);
	rec->pitch = BPF_CORE_READ(args, pitch);
	rec->size = BPF_CORE_READ(args, size);
	bpf_ringbuf_submit(rec, submit_flags());
}

static __always_inline void record_createblob(struct drm_mode_create_blob *args, __u8 source, __s32 minor,
					      __s32 ret)
{
	struct kmst_rec_blob *rec = rec_reserve(KMST_EV_REC_CREATEPROPBLOB, sizeof(*rec), source, minor, ret);
	__u32 len;

	if (!rec)
		return;
	rec->blob_id = BPF_CORE_READ(args, blob_id);
	rec->length = BPF_CORE_READ(args, length);
	len = rec->length;
	if (len > KMST_REC_MAX_BLOB)
		len = KMST_REC_MAX_BLOB;
	/* Ring buffer memory is not zeroed: clear the tail the copy leaves. */
	for (int i = 0; i < KMST_REC_MAX_BLOB / 8; i++)
		((__u64 *)rec->data)[i] = 0;
	bpf_probe_read_user(rec->data, len, (void *)BPF_CORE_READ(args, data));
	bpf_ringbuf_submit(rec, submit_flags());
}

static __always_inline void record_property_name(struct drm_mode_get_property *args, __u8 source,
						 __s32 minor, __s32 ret)
{
	struct kmst_rec_prop_name *rec;

	if (ret)
		return;
	rec = rec_reserve(KMST_EV_REC_PROPERTY_NAME, sizeof(*rec), source, minor, ret);
	if (!rec)
		return;
	rec->head.arg0 = BPF_CORE_READ(args, prop_id);
	bpf_core_read(rec->name, sizeof(rec->name), &args->name);
	bpf_ringbuf_submit(rec, submit_flags());
}

/* The recorder's other ioctls, at exit: the kernel copy holds the returned ids. */
static __always_inline void record_ioctl(__u8 special, __u8 source, __s32 minor, void *data, __s32 ret)
{
	if (!recorder_on || !task_selected() || !minor_selected(minor))
		return;
	switch (special) {
	case KMST_SP_REC_ADDFB2:
		record_addfb2(data, source, minor, ret);
		return;
	case KMST_SP_REC_RMFB:
		record_rmfb(data, source, minor, ret);
		return;
	case KMST_SP_REC_CREATE_DUMB:
		record_create_dumb(data, source, minor, ret);
		return;
	case KMST_SP_REC_CREATEBLOB:
		record_createblob(data, source, minor, ret);
		return;
	case KMST_SP_REC_GETPROPERTY:
		record_property_name(data, source, minor, ret);
		return;
	}
}

#endif /* KMST_RECORDER_BPF_H */
