// SPDX-License-Identifier: GPL-2.0
/*
 * The functions the tracers attach to and what each argument is. One
 * table for fentry and kprobe modes alike; bpf/commit.bpf.c reads it as
 * fn_specs[].
 */
#include <stdio.h>
#include <string.h>

#include "kmstrace_event.h"
#include "trace/level.h"
#include "tracer/tracer_internal.h"

#define R(...) { __VA_ARGS__ }
#define ENTER_EXIT (KMST_FNF_ENTER | KMST_FNF_EXIT)
#define ENTER_EXIT_RET (KMST_FNF_ENTER | KMST_FNF_EXIT | KMST_FNF_RET)

struct core_fn {
	const char *name;
	enum kmst_event_type type;
	enum kmst_fn_special special;
	unsigned int flags;
	__u8 roles[KMST_FN_ARGS];
	bool required;
	bool recorder;
};

static const struct core_fn core_fns[] = {
	/* The user-facing calls: every KMS driver goes through these. */
	{ "drm_mode_atomic_ioctl", KMST_EV_ATOMIC_IOCTL, KMST_SP_ATOMIC_IOCTL, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), true, false },
	{ "drm_atomic_check_only", KMST_EV_CHECK_ONLY, 0, ENTER_EXIT_RET, R(KMST_ARG_STATE), true, false },
	{ "drm_atomic_commit", KMST_EV_COMMIT, 0, ENTER_EXIT_RET, R(KMST_ARG_STATE), true, false },
	{ "drm_atomic_nonblocking_commit", KMST_EV_NONBLOCKING_COMMIT, KMST_SP_NONBLOCKING,
	  ENTER_EXIT_RET, R(KMST_ARG_STATE), true, false },
	{ "drm_atomic_state_init", KMST_EV_STATE_ALLOC, KMST_SP_STATE_INIT,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET, R(KMST_ARG_DEV, KMST_ARG_STATE), true, false },
	{ "__drm_atomic_state_free", KMST_EV_STATE_FREE, KMST_SP_STATE_FREE, KMST_FNF_POINT_ENTER,
	  R(KMST_ARG_KREF_STATE), true, false },
	/* The atomic helpers (drm_kms_helper): absent from drivers that do not use them. */
	{ "drm_atomic_helper_check", KMST_EV_HELPER_CHECK, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_check_modeset", KMST_EV_CHECK_MODESET, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_check_planes", KMST_EV_CHECK_PLANES, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit", KMST_EV_HELPER_COMMIT, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_setup_commit", KMST_EV_SETUP_COMMIT, KMST_SP_SETUP_COMMIT, ENTER_EXIT_RET,
	  R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_prepare_planes", KMST_EV_PREPARE_PLANES, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_swap_state", KMST_EV_SWAP_STATE, 0, ENTER_EXIT_RET, R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_wait_for_fences", KMST_EV_WAIT_FOR_FENCES, 0, ENTER_EXIT_RET,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_wait_for_dependencies", KMST_EV_WAIT_FOR_DEPENDENCIES, 0, ENTER_EXIT,
	  R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_tail", KMST_EV_COMMIT_TAIL, 0, ENTER_EXIT, R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_tail_rpm", KMST_EV_COMMIT_TAIL, 0, ENTER_EXIT, R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_modeset_disables", KMST_EV_MODESET_DISABLES, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_planes", KMST_EV_COMMIT_PLANES, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_modeset_enables", KMST_EV_MODESET_ENABLES, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_fake_vblank", KMST_EV_FAKE_VBLANK, 0, ENTER_EXIT, R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_hw_done", KMST_EV_HW_DONE, 0, ENTER_EXIT,
	  R(KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_wait_for_flip_done", KMST_EV_WAIT_FOR_FLIP_DONE, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_wait_for_vblanks", KMST_EV_WAIT_FOR_VBLANKS, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_cleanup_planes", KMST_EV_CLEANUP_PLANES, 0, ENTER_EXIT,
	  R(KMST_ARG_DEV, KMST_ARG_STATE), false, false },
	{ "drm_atomic_helper_commit_cleanup_done", KMST_EV_CLEANUP_DONE, 0,
	  ENTER_EXIT, R(KMST_ARG_STATE), false, false },
	/* VBLANK bookkeeping and events (drm.ko). */
	{ "drm_crtc_vblank_on", KMST_EV_VBLANK_ON, 0, ENTER_EXIT, R(KMST_ARG_CRTC), false, false },
	{ "drm_crtc_vblank_off", KMST_EV_VBLANK_OFF, 0, ENTER_EXIT, R(KMST_ARG_CRTC), false, false },
	{ "drm_crtc_vblank_get", KMST_EV_VBLANK_GET, 0, ENTER_EXIT_RET, R(KMST_ARG_CRTC), false, false },
	{ "drm_crtc_vblank_put", KMST_EV_VBLANK_PUT, 0, ENTER_EXIT, R(KMST_ARG_CRTC), false, false },
	{ "drm_crtc_arm_vblank_event", KMST_EV_ARM_VBLANK_EVENT, KMST_SP_ARM_EVENT, ENTER_EXIT,
	  R(KMST_ARG_CRTC, KMST_ARG_EVENT), false, false },
	{ "drm_crtc_send_vblank_event", KMST_EV_SEND_VBLANK_EVENT, KMST_SP_SEND_EVENT, ENTER_EXIT,
	  R(KMST_ARG_CRTC, KMST_ARG_EVENT), false, false },
	/* drm_crtc_handle_vblank tail-calls this, so it sees every VBLANK. */
	{ "drm_handle_vblank", KMST_EV_HANDLE_VBLANK, KMST_SP_HANDLE_VBLANK,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET | KMST_FNF_RET_BOOL, R(KMST_ARG_DEV, KMST_ARG_PIPE), false, false },
	/* Every VBLANK/flip event leaves through here, armed or sent at once. */
	{ "drm_send_event_timestamp_locked", KMST_EV_VBLANK_EVENT_DELIVERED, KMST_SP_DELIVER_EVENT, 0,
	  R(KMST_ARG_DEV, KMST_ARG_PENDING_EVENT, KMST_ARG_TIMESTAMP), false, false },
	/*
	 * A commit's hw_done/cleanup_done completions fire here, whether the
	 * helpers or the driver signal them (setup_commit tells which are whose).
	 */
	{ "complete_all", KMST_EV_HW_DONE_COMPLETE, KMST_SP_COMPLETE_ALL, 0, R(KMST_ARG_COMPLETION),
	  false, false },
	/* The recorder: arguments of the ioctls a replay needs. */
	{ "drm_mode_addfb2_ioctl", KMST_EV_REC_ADDFB2, KMST_SP_REC_ADDFB2,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET, R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), false, true },
	{ "drm_mode_rmfb_ioctl", KMST_EV_REC_RMFB, KMST_SP_REC_RMFB, KMST_FNF_POINT_EXIT | KMST_FNF_RET,
	  R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), false, true },
	{ "drm_mode_create_dumb_ioctl", KMST_EV_REC_CREATE_DUMB, KMST_SP_REC_CREATE_DUMB,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET, R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), false, true },
	{ "drm_mode_createblob_ioctl", KMST_EV_REC_CREATEPROPBLOB, KMST_SP_REC_CREATEBLOB,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET, R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), false, true },
	{ "drm_mode_getproperty_ioctl", KMST_EV_REC_PROPERTY_NAME, KMST_SP_REC_GETPROPERTY,
	  KMST_FNF_POINT_EXIT | KMST_FNF_RET, R(KMST_ARG_DEV, KMST_ARG_IOCTL_DATA), false, true },
};

static void fill(struct kmst_fn *fn, const char *name, const char *what)
{
	memset(fn, 0, sizeof(*fn));
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	snprintf(fn->what, sizeof(fn->what), "%s", what);
}

int kmst_fns_add_core(struct kmst_fn *fns, int max, bool recorder)
{
	int count = 0;
	size_t i;

	for (i = 0; i < sizeof(core_fns) / sizeof(core_fns[0]) && count < max; i++) {
		const struct core_fn *def = &core_fns[i];
		struct kmst_fn *fn = &fns[count];

		if (def->recorder && !recorder)
			continue;
		fill(fn, def->name, def->name);
		fn->spec.type = def->type;
		fn->spec.special = def->special;
		fn->spec.flags = def->flags;
		memcpy(fn->spec.roles, def->roles, sizeof(fn->spec.roles));
		fn->spec.recorder = def->recorder;
		fn->required = def->required;
		count++;
	}
	return count;
}

static const struct {
	const char *what;
	enum kmst_event_type type;
	unsigned int flags;
	__u8 roles[KMST_FN_ARGS];
} crtc_cbs[KMST_CRTC_CB_COUNT] = {
	[KMST_CRTC_CB_ATOMIC_CHECK] = { "crtc.atomic_check", KMST_EV_CRTC_ATOMIC_CHECK, ENTER_EXIT_RET,
					R(KMST_ARG_CRTC, KMST_ARG_STATE) },
	[KMST_CRTC_CB_ATOMIC_BEGIN] = { "crtc.atomic_begin", KMST_EV_CRTC_ATOMIC_BEGIN, ENTER_EXIT,
					R(KMST_ARG_CRTC, KMST_ARG_STATE) },
	[KMST_CRTC_CB_ATOMIC_FLUSH] = { "crtc.atomic_flush", KMST_EV_CRTC_ATOMIC_FLUSH, ENTER_EXIT,
					R(KMST_ARG_CRTC, KMST_ARG_STATE) },
	[KMST_CRTC_CB_ATOMIC_ENABLE] = { "crtc.atomic_enable", KMST_EV_CRTC_ATOMIC_ENABLE, ENTER_EXIT,
					 R(KMST_ARG_CRTC, KMST_ARG_STATE) },
	[KMST_CRTC_CB_ATOMIC_DISABLE] = { "crtc.atomic_disable", KMST_EV_CRTC_ATOMIC_DISABLE, ENTER_EXIT,
					  R(KMST_ARG_CRTC, KMST_ARG_STATE) },
}, plane_cbs[KMST_PLANE_CB_COUNT] = {
	[KMST_PLANE_CB_ATOMIC_CHECK] = { "plane.atomic_check", KMST_EV_PLANE_ATOMIC_CHECK, ENTER_EXIT_RET,
					 R(KMST_ARG_PLANE, KMST_ARG_STATE) },
	[KMST_PLANE_CB_ATOMIC_UPDATE] = { "plane.atomic_update", KMST_EV_PLANE_ATOMIC_UPDATE, ENTER_EXIT,
					  R(KMST_ARG_PLANE, KMST_ARG_STATE) },
	[KMST_PLANE_CB_ATOMIC_DISABLE] = { "plane.atomic_disable", KMST_EV_PLANE_ATOMIC_DISABLE,
					   ENTER_EXIT, R(KMST_ARG_PLANE, KMST_ARG_STATE) },
	[KMST_PLANE_CB_PREPARE_FB] = { "plane.prepare_fb", KMST_EV_PLANE_PREPARE_FB, ENTER_EXIT_RET,
				       R(KMST_ARG_PLANE, KMST_ARG_PLANE_STATE) },
	[KMST_PLANE_CB_CLEANUP_FB] = { "plane.cleanup_fb", KMST_EV_PLANE_CLEANUP_FB, ENTER_EXIT,
				       R(KMST_ARG_PLANE, KMST_ARG_PLANE_STATE) },
};

int kmst_fns_add_callback(struct kmst_fn *fns, int count, int max, const char *name,
			  const char *module, const char *what, bool crtc, int cb)
{
	struct kmst_fn *fn;
	int i;

	for (i = 0; i < count; i++)
		if (!strcmp(fns[i].name, name))
			return count;
	if (count >= max)
		return count;
	fn = &fns[count];
	fill(fn, name, what ? what : (crtc ? crtc_cbs[cb].what : plane_cbs[cb].what));
	snprintf(fn->module, sizeof(fn->module), "%s", module);
	fn->spec.type = crtc ? crtc_cbs[cb].type : plane_cbs[cb].type;
	fn->spec.flags = crtc ? crtc_cbs[cb].flags : plane_cbs[cb].flags;
	memcpy(fn->spec.roles, crtc ? crtc_cbs[cb].roles : plane_cbs[cb].roles, sizeof(fn->spec.roles));
	return count + 1;
}

/* Keep only what LEVEL traces (trace/level.c says what each level keeps of each type). */
int kmst_fns_apply_level(struct kmst_fn *fns, int count, enum kmst_trace_level level)
{
	int i, kept = 0;

	for (i = 0; i < count; i++) {
		struct kmst_fn *fn = &fns[i];
		unsigned int keep = kmst_level_keeps(level, fn->spec.type);

		if (!keep && !fn->required)
			continue;
		if (keep)
			fn->spec.flags &= keep;
		if (kept != i)
			fns[kept] = *fn;
		kept++;
	}
	return kept;
}
