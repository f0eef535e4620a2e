/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * completions.bpf.h - a commit's hw_done and cleanup_done completions (part
 * of commit.bpf.c). drm_atomic_helper_setup_commit gives every CRTC of a
 * commit a struct drm_crtc_commit; its two completions (struct completion *)
 * are mapped to the commit, so complete_all() on one of them becomes
 * HW_DONE_COMPLETE / CLEANUP_DONE_COMPLETE whoever signals it: the helpers,
 * or a driver by hand.
 */
#ifndef KMST_COMPLETIONS_BPF_H
#define KMST_COMPLETIONS_BPF_H

#include "emit.bpf.h"

struct kmst_completion_owner {
	struct kmst_commit_info commit;
	__s32 crtc;
	__u32 type; /* KMST_EV_HW_DONE_COMPLETE or KMST_EV_CLEANUP_DONE_COMPLETE */
	__u64 crtc_ptr; /* drm_crtc_commit.crtc, to tell a reused address */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kmst_completion_owner);
} completions SEC(".maps");

static __always_inline void note_commit_completions(struct drm_crtc_commit *crtc_commit,
						    struct drm_crtc *crtc,
						    const struct kmst_commit_info *commit)
{
	struct kmst_completion_owner owner = {};
	__u64 key;

	if (!crtc_commit)
		return;
	owner.commit = *commit;
	owner.crtc = BPF_CORE_READ(crtc, index);
	owner.crtc_ptr = (__u64)crtc;
	owner.type = KMST_EV_HW_DONE_COMPLETE;
	key = (__u64)crtc_commit + bpf_core_field_offset(struct drm_crtc_commit, hw_done);
	bpf_map_update_elem(&completions, &key, &owner, BPF_ANY);
	owner.type = KMST_EV_CLEANUP_DONE_COMPLETE;
	key = (__u64)crtc_commit + bpf_core_field_offset(struct drm_crtc_commit, cleanup_done);
	bpf_map_update_elem(&completions, &key, &owner, BPF_ANY);
}

/* complete_all(x): a record if x is a traced commit's hw_done or cleanup_done. */
static __always_inline void completion_fired(__u64 completion, __u8 source)
{
	struct kmst_completion_owner *owner = bpf_map_lookup_elem(&completions, &completion);
	struct drm_crtc_commit *crtc_commit;
	struct kmst_ectx c = {};
	__u32 type;

	if (!owner)
		return;
	type = owner->type;
	crtc_commit = (void *)(completion - (type == KMST_EV_HW_DONE_COMPLETE ?
			bpf_core_field_offset(struct drm_crtc_commit, hw_done) :
			bpf_core_field_offset(struct drm_crtc_commit, cleanup_done)));
	if ((__u64)BPF_CORE_READ(crtc_commit, crtc) != owner->crtc_ptr) {
		bpf_map_delete_elem(&completions, &completion);
		return;
	}
	c.commit = owner->commit;
	c.crtc = owner->crtc;
	c.plane = -1;
	bpf_map_delete_elem(&completions, &completion);
	if (!ectx_selected(&c))
		return;
	EMIT(type, KMST_PH_POINT, source, &c, 0, 0, 0, 0);
}

#endif /* KMST_COMPLETIONS_BPF_H */
