/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commit_ids.bpf.h - commit identity (part of commit.bpf.c): every atomic
 * state gets a small id for the trace, pre-assigned at the atomic ioctl's
 * entry so the ioctl's own records carry it, bound to the state at its
 * init, and retired at __drm_atomic_state_free. Calls that name no state
 * (VBLANK get/put, ...) take the id of the last state seen on their thread.
 */
#ifndef KMST_COMMIT_IDS_BPF_H
#define KMST_COMMIT_IDS_BPF_H

#include "filter.bpf.h"

/* uapi DRM_MODE_ATOMIC_* / DRM_MODE_PAGE_FLIP_EVENT */
#define UAPI_PAGE_FLIP_EVENT 0x01
#define UAPI_ATOMIC_TEST_ONLY 0x0100
#define UAPI_ATOMIC_NONBLOCK 0x0200
#define UAPI_ATOMIC_ALLOW_MODESET 0x0400

struct kmst_commit_info {
	__u32 id;
	__u16 flags;	/* KMST_CF_* */
	__u8 selected;	/* passes the pid/comm filter */
	__u8 bound;	/* a pre-assigned id already given to a state */
	__s32 minor;
	__u32 pad;
	__u64 ioctl_ts; /* atomic ioctl entry, 0 if not from the ioctl */
};

/* Next commit id minus one; ids start at 1 and are never reused. */
__u64 commit_id_counter;

/* struct drm_atomic_state * -> its commit. Retired at __drm_atomic_state_free. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kmst_commit_info);
} states SEC(".maps");

/* tid -> the commit id pre-assigned at atomic ioctl entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kmst_commit_info);
} ioctl_pending SEC(".maps");

/* tid -> the commit of the last state-bearing call on that thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kmst_commit_info);
} tid_commit SEC(".maps");

static __always_inline __u32 new_commit_id(void)
{
	return __sync_fetch_and_add(&commit_id_counter, 1) + 1;
}

static __always_inline __u16 uapi_to_commit_flags(__u32 uapi)
{
	__u16 flags = KMST_CF_FROM_IOCTL;

	if (uapi & UAPI_ATOMIC_NONBLOCK)
		flags |= KMST_CF_NONBLOCK;
	if (uapi & UAPI_ATOMIC_ALLOW_MODESET)
		flags |= KMST_CF_ALLOW_MODESET;
	if (uapi & UAPI_ATOMIC_TEST_ONLY)
		flags |= KMST_CF_TEST_ONLY;
	if (uapi & UAPI_PAGE_FLIP_EVENT)
		flags |= KMST_CF_PAGE_FLIP_EVENT;
	return flags;
}

/* drm_mode_atomic_ioctl entry: the id its state will take, and its flags. */
static __always_inline struct kmst_commit_info preassign_commit(struct drm_device *dev, __u32 uapi_flags)
{
	struct kmst_commit_info pending = {};
	__u32 tid = current_tid();

	pending.id = new_commit_id();
	pending.flags = uapi_to_commit_flags(uapi_flags);
	pending.selected = task_selected();
	pending.minor = minor_of(dev);
	pending.ioctl_ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&ioctl_pending, &tid, &pending, BPF_ANY);
	return pending;
}

static __always_inline struct kmst_commit_info *preassigned_commit(void)
{
	__u32 tid = current_tid();

	return bpf_map_lookup_elem(&ioctl_pending, &tid);
}

static __always_inline void forget_preassigned_commit(void)
{
	__u32 tid = current_tid();

	bpf_map_delete_elem(&ioctl_pending, &tid);
}

/*
 * The commit of STATE. A state met for the first time takes the id the
 * atomic ioctl pre-assigned on this thread, if it has not been given yet,
 * else a fresh one (kernel-internal commits: fbdev, suspend, ...). A fresh
 * state first met anywhere but its init (AT_INIT) was built before
 * tracing went live: it is marked KMST_CF_JOINED.
 */
static __always_inline struct kmst_commit_info *state_commit(struct drm_atomic_state *state, bool at_init)
{
	struct kmst_commit_info fresh = {}, *info, *pending;
	__u64 key = (__u64)state;

	if (!state)
		return NULL;
	info = bpf_map_lookup_elem(&states, &key);
	if (info)
		return info;
	pending = preassigned_commit();
	if (pending && !pending->bound) {
		pending->bound = 1;
		fresh = *pending;
		fresh.bound = 0;
	} else {
		fresh.id = new_commit_id();
		fresh.selected = task_selected();
		if (!at_init)
			fresh.flags |= KMST_CF_JOINED;
	}
	fresh.minor = minor_of(BPF_CORE_READ(state, dev));
	if (BPF_CORE_READ_BITFIELD_PROBED(state, allow_modeset))
		fresh.flags |= KMST_CF_ALLOW_MODESET;
	bpf_map_update_elem(&states, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&states, &key);
}

/* __drm_atomic_state_free: the commit of STATE, whose id is retired here. */
static __always_inline bool retire_state_commit(struct drm_atomic_state *state,
						struct kmst_commit_info *out)
{
	__u64 key = (__u64)state;
	struct kmst_commit_info *commit = bpf_map_lookup_elem(&states, &key);

	if (!commit)
		return false; /* never part of this trace */
	*out = *commit;
	bpf_map_delete_elem(&states, &key);
	return true;
}

/* Calls without a state of their own belong to the thread's last commit. */
static __always_inline void set_thread_commit(const struct kmst_commit_info *commit)
{
	__u32 tid = current_tid();
	struct kmst_commit_info *slot = bpf_map_lookup_elem(&tid_commit, &tid);

	/*
	 * Most calls of a commit run on the thread that set it already: a
	 * write in place costs a lookup, an update a new element per call.
	 * Only this thread writes its own entry, and only when the commit
	 * changed.
	 */
	if (slot) {
		if (slot->id != commit->id || slot->flags != commit->flags)
			*slot = *commit;
		return;
	}
	bpf_map_update_elem(&tid_commit, &tid, commit, BPF_ANY);
}

static __always_inline struct kmst_commit_info *thread_commit(void)
{
	__u32 tid = current_tid();

	return bpf_map_lookup_elem(&tid_commit, &tid);
}

#endif /* KMST_COMMIT_IDS_BPF_H */
