// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commit.bpf.c - the tracers of the atomic commit path, VBLANK timing and
 * the atomic ioctls of any KMS driver, in one object so that every event
 * flows through one ring buffer.
 *
 * One handler serves every function: the loader describes each traced
 * function in fn_specs[] (its event type, what each argument is, and any
 * extra work), and attaches function N through the programs of slot N:
 * fentry/fexit where BTF allows, else kprobe/kretprobe. This file holds
 * that handler and every program of the object; the work lives in parts
 * by concern:
 *   filter.bpf.h         which tasks and devices are traced
 *   commit_ids.bpf.h     commit identity: atomic state -> commit id
 *   emit.bpf.h           the ring buffer and the record head
 *   recorder.bpf.h       the client's ioctl arguments
 *   completions.bpf.h    hw_done / cleanup_done, whoever signals them
 *   drm_state.bpf.h      DRM's VBLANK and CRTC state (KMST_VS_*, KMST_CS_*)
 *   host_timer.bpf.h     how late the host ran a VBLANK's hrtimer
 *   vblank_events.bpf.h  VBLANKs, event ownership, arm/send/delivery
 *
 * Handlers run in hrtimer and VBLANK interrupt context under
 * dev->event_lock: they only use hash/array maps (IRQ-safe bucket locks)
 * and bpf_ringbuf_reserve (IRQ-safe), never a sleepable helper and never
 * a lock of their own.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __KMST_BPF__
#include "kmstrace_event.h"
#include "kmstrace_tracer.h"

#include "filter.bpf.h"
#include "commit_ids.bpf.h"
#include "emit.bpf.h"
#include "recorder.bpf.h"
#include "completions.bpf.h"
#include "drm_state.bpf.h"
#include "host_timer.bpf.h"
#include "vblank_events.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader through the skeleton before load. */
const volatile struct kmst_fn_spec fn_specs[KMST_FN_MAX];

/*
 * Set by the loader once every program is attached. Programs attach one at
 * a time: before all are in, a commit would be seen in part (its tail but
 * not its check) and judged on what was missed. Nothing is recorded until
 * then; a commit already running at that point is marked KMST_CF_JOINED.
 */
__u32 live;

/* kretprobe mode: the arguments seen at entry, per (tid, function). */
struct kmst_call_key {
	__u32 tid;
	__u32 fn;
};

struct kmst_call_args {
	__u64 args[KMST_FN_ARGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kmst_call_key);
	__type(value, struct kmst_call_args);
} kprobe_args SEC(".maps");

/* One call of a traced function, as its program saw it. */
struct kmst_call {
	__u64 args[KMST_FN_ARGS];
	__u64 ret;
	__u32 fn;	/* index in fn_specs[] */
	__u8 phase;  /* KMST_PH_ENTER or KMST_PH_EXIT */
	__u8 source; /* KMST_SRC_* */
};

/* The call's arguments by role (enum kmst_arg_role), then the objects they lead to. */
struct kmst_call_objs {
	struct drm_atomic_state *state;
	struct drm_plane_state *plane_state;
	struct drm_device *dev;
	struct drm_crtc *crtc;
	struct drm_plane *plane;
	__u64 event;	  /* struct drm_pending_vblank_event * or drm_pending_event * */
	__u64 data;	  /* an ioctl handler's kernel copy of its argument */
	__u64 timestamp;  /* ktime_t */
	__u64 completion; /* struct completion * */
	__s64 pipe;	  /* CRTC index; -1 = none */
};

/* ---- The one handler, step by step ---- */

static __always_inline __s32 call_ret(const struct kmst_call *call, __u32 phase, __u8 flags)
{
	if (phase != KMST_PH_EXIT || !(flags & KMST_FNF_RET))
		return 0;
	return (flags & KMST_FNF_RET_BOOL) ? (__s32)(call->ret & 0xff) : (__s32)call->ret;
}

static __always_inline void sort_args(const struct kmst_call *call, __u32 fn, struct kmst_call_objs *o)
{
	__u32 i;

	for (i = 0; i < KMST_FN_ARGS; i++) {
		__u64 arg = call->args[i];

		switch (fn_specs[fn].roles[i]) {
		case KMST_ARG_DEV:
			o->dev = (void *)arg;
			break;
		case KMST_ARG_STATE:
			o->state = (void *)arg;
			break;
		case KMST_ARG_KREF_STATE:
			o->state = (void *)arg - bpf_core_field_offset(struct drm_atomic_state, ref);
			break;
		case KMST_ARG_CRTC:
			o->crtc = (void *)arg;
			break;
		case KMST_ARG_PLANE:
			o->plane = (void *)arg;
			break;
		case KMST_ARG_PLANE_STATE:
			o->plane_state = (void *)arg;
			break;
		case KMST_ARG_EVENT:
		case KMST_ARG_PENDING_EVENT:
			o->event = arg;
			break;
		case KMST_ARG_PIPE:
			o->pipe = (__u32)arg;
			break;
		case KMST_ARG_IOCTL_DATA:
			o->data = arg;
			break;
		case KMST_ARG_TIMESTAMP:
			o->timestamp = arg;
			break;
		case KMST_ARG_COMPLETION:
			o->completion = arg;
			break;
		}
	}
}

/*
 * Specials that are not about one commit's objects: they write their own
 * records, if any. True when SPECIAL was one of them.
 */
static __always_inline bool handle_own_records(const struct kmst_call *call, __u8 special, __u32 phase,
					       const struct kmst_call_objs *o, __s32 ret)
{
	switch (special) {
	case KMST_SP_COMPLETE_ALL:
		if (phase == KMST_PH_ENTER && o->completion)
			completion_fired(o->completion, call->source);
		return true;
	case KMST_SP_DELIVER_EVENT:
		if (phase == KMST_PH_ENTER)
			deliver_event(o->dev, (void *)o->event, o->timestamp, call->source);
		return true;
	case KMST_SP_HANDLE_VBLANK:
		if (phase == KMST_PH_ENTER)
			vblank_handling(o->dev, o->pipe);
		else
			vblank_handled(o->dev, o->pipe, ret, call->source);
		return true;
	case KMST_SP_REC_ADDFB2:
	case KMST_SP_REC_RMFB:
	case KMST_SP_REC_CREATE_DUMB:
	case KMST_SP_REC_CREATEBLOB:
	case KMST_SP_REC_GETPROPERTY:
		if (phase == KMST_PH_EXIT)
			record_ioctl(special, call->source, minor_of(o->dev), (void *)o->data, ret);
		return true;
	}
	return false;
}

/* A plane's CRTC in STATE: its new state's, else its old state's. */
static __always_inline struct drm_crtc *plane_crtc_in_state(struct drm_atomic_state *state, __s32 plane)
{
	struct __drm_planes_state *entry = BPF_CORE_READ(state, planes);
	struct drm_plane_state *ps;
	struct drm_crtc *crtc = NULL;

	entry = (void *)entry + plane * bpf_core_type_size(struct __drm_planes_state);
	ps = BPF_CORE_READ(entry, new_state);
	if (ps)
		crtc = BPF_CORE_READ(ps, crtc);
	if (!crtc) {
		ps = BPF_CORE_READ(entry, old_state);
		if (ps)
			crtc = BPF_CORE_READ(ps, crtc);
	}
	return crtc;
}

/*
 * Plane state -> plane + state + CRTC; plane/CRTC -> index and device;
 * state -> device. (BPF_CORE_READ takes kernel pointers held in locals: a
 * member of our own struct would become a relocation against it.)
 */
static __always_inline void resolve_objects(struct kmst_call_objs *o, struct kmst_ectx *c)
{
	struct drm_plane_state *plane_state = o->plane_state;
	struct drm_atomic_state *state = o->state;
	struct drm_device *dev = o->dev;
	struct drm_crtc *crtc = o->crtc;
	struct drm_plane *plane = o->plane;

	if (plane_state) {
		if (!plane)
			plane = BPF_CORE_READ(plane_state, plane);
		if (!state)
			state = BPF_CORE_READ(plane_state, state);
		if (!crtc)
			crtc = BPF_CORE_READ(plane_state, crtc);
	}
	if (plane) {
		c->plane = BPF_CORE_READ(plane, index);
		if (!dev)
			dev = BPF_CORE_READ(plane, dev);
		if (!crtc && state && c->plane >= 0 && c->plane < 32)
			crtc = plane_crtc_in_state(state, c->plane);
	}
	if (crtc) {
		c->crtc = BPF_CORE_READ(crtc, index);
		if (!dev)
			dev = BPF_CORE_READ(crtc, dev);
	}
	if (o->pipe >= 0)
		c->crtc = o->pipe;
	if (!dev && state)
		dev = BPF_CORE_READ(state, dev);
	c->commit.minor = minor_of(dev);
	o->state = state;
	o->dev = dev;
	o->crtc = crtc;
	o->plane = plane;
}

/* drm_mode_atomic_ioctl: the commit id is pre-assigned here, before any state exists. */
static __always_inline void atomic_ioctl_commit(const struct kmst_call_objs *o, __u32 phase,
						struct kmst_ectx *c, struct kmst_out *out)
{
	struct drm_mode_atomic *arg = (void *)o->data;
	struct kmst_commit_info *pending;

	/* user_data is what the client matches its event with. */
	out->aux = BPF_CORE_READ(arg, flags);
	out->arg0 = BPF_CORE_READ(arg, user_data);
	if (phase == KMST_PH_ENTER) {
		c->commit = preassign_commit(o->dev, out->aux);
		record_atomic_args(arg, &c->commit);
		return;
	}
	pending = preassigned_commit();
	if (pending)
		c->commit = *pending;
}

/*
 * The commit the call belongs to, into c->commit: the ioctl's pre-assigned
 * one, the state's, the event's, or the thread's latest. Returns the
 * state's entry in `states` (NULL if none) through *STATE_COMMIT; false when
 * the call is of no traced commit and writes nothing.
 */
static __always_inline bool resolve_commit(__u8 special, __u32 phase, const struct kmst_call_objs *o,
					   struct kmst_ectx *c, struct kmst_out *out,
					   struct kmst_commit_info **state_commit_out)
{
	struct drm_atomic_state *state = o->state;
	struct kmst_commit_info *commit;
	__s32 minor = c->commit.minor;

	if (special == KMST_SP_ATOMIC_IOCTL) {
		atomic_ioctl_commit(o, phase, c, out);
	} else if (special == KMST_SP_STATE_FREE) {
		if (!retire_state_commit(o->state, &c->commit))
			return false;
	} else if (state) {
		commit = state_commit(state, special == KMST_SP_STATE_INIT);
		if (commit) {
			if (special == KMST_SP_NONBLOCKING && phase == KMST_PH_ENTER)
				commit->flags |= KMST_CF_NONBLOCK;
			if (phase == KMST_PH_ENTER &&
			    BPF_CORE_READ_BITFIELD_PROBED(state, allow_modeset))
				commit->flags |= KMST_CF_ALLOW_MODESET;
			c->commit = *commit;
			set_thread_commit(commit);
			*state_commit_out = commit;
		}
	} else if (o->event) {
		if (special == KMST_SP_SEND_EVENT && phase == KMST_PH_EXIT &&
		    event_send_ends(o->event, c)) {
			/* the commit the entry named */
		} else {
			event_commit(o->event, minor, c->crtc, c);
			if (!c->commit.id) {
				commit = thread_commit();
				if (commit)
					c->commit = *commit;
			}
			if (special == KMST_SP_SEND_EVENT && phase == KMST_PH_ENTER)
				event_send_begins(o->event, c);
		}
	} else if (o->crtc) {
		/* vblank on/off/get/put: the commit running on this thread, if any. */
		commit = thread_commit();
		if (commit)
			c->commit = *commit;
	}
	c->commit.minor = minor;
	return ectx_selected(c);
}

/* Work of the commit's own specials, before its records are written. */
static __always_inline void commit_special(const struct kmst_call *call, __u8 special, __u32 phase, __s32 ret,
					   const struct kmst_call_objs *o, struct kmst_commit_info *state_commit,
					   struct kmst_ectx *c, struct kmst_out *out)
{
	switch (special) {
	case KMST_SP_SETUP_COMMIT:
		if (phase == KMST_PH_EXIT && !ret && state_commit) {
			commit_crtcs_set_up(o->state, state_commit, c, out, call->source);
		}
		return;
	case KMST_SP_ARM_EVENT:
		if (phase == KMST_PH_ENTER && o->event) {
			event_call_state(o->dev, c->crtc, o->event, false, out);
			event_armed(o->event, c);
		}
		return;
	case KMST_SP_SEND_EVENT:
		if (phase == KMST_PH_ENTER)
			event_call_state(o->dev, c->crtc, o->event, true, out);
		else
			event_sent(out);
		return;
	}
}

/* The call's own records, as its fn_specs[] flags ask. */
static __always_inline void emit_call(const struct kmst_call *call, __u16 type, __u8 flags, __u32 phase,
				      const struct kmst_ectx *c, struct kmst_out *out)
{
	if (phase == KMST_PH_ENTER) {
		if (flags & KMST_FNF_ENTER)
			emit(type, KMST_PH_ENTER, call->source, c, out);
		else if (flags & KMST_FNF_POINT_ENTER)
			emit(type, KMST_PH_POINT, call->source, c, out);
	} else {
		if (flags & KMST_FNF_EXIT)
			emit(type, KMST_PH_EXIT, call->source, c, out);
		else if (flags & KMST_FNF_POINT_EXIT)
			emit(type, KMST_PH_POINT, call->source, c, out);
	}
}

/*
 * FN and PHASE are passed as arguments, not in *call: the verifier then
 * knows them as constants in each slot and skips every branch that
 * function cannot take, which keeps loading fast.
 *
 * Every function of these programs is inlined, none is a BPF subprogram:
 * 6.1's verifier stops its precision backtracking at a subprogram call or
 * exit (backtrack_insn returns -ENOTSUPP) and falls back to marking every
 * scalar of the path precise (mark_all_scalars_precise), which defeats
 * state pruning. With subprograms, loading the tracers on 6.1 under TCG
 * took 7 to 10 s more per traced run, nearly all of it in that fallback
 * (perf in the guest). 6.12's verifier backtracks through subprograms and
 * loads as fast either way.
 */
static __always_inline int handle(struct kmst_call *call, __u32 fn, __u32 phase)
{
	struct kmst_call_objs o = { .pipe = -1 };
	struct kmst_ectx c = { .crtc = -1, .plane = -1 };
	struct kmst_commit_info *state_commit = NULL;
	struct kmst_out out = {};
	__u8 special, flags;
	__u16 type;

	if (fn >= KMST_FN_MAX)
		return 0;
	type = fn_specs[fn].type;
	special = fn_specs[fn].special;
	flags = fn_specs[fn].flags;
	if (!type)
		return 0;
	out.ret = call_ret(call, phase, flags);
	sort_args(call, fn, &o);
	if (handle_own_records(call, special, phase, &o, out.ret))
		return 0;
	resolve_objects(&o, &c);
	if (resolve_commit(special, phase, &o, &c, &out, &state_commit)) {
		commit_special(call, special, phase, out.ret, &o, state_commit, &c, &out);
		emit_call(call, type, flags, phase, &c, &out);
	}
	/* Whether or not it was traced, the ioctl's pre-assigned id ends with it. */
	if (special == KMST_SP_ATOMIC_IOCTL && phase == KMST_PH_EXIT) {
		emit_atomic_record(out.ret);
		forget_preassigned_commit();
	}
	return 0;
}

/*
 * ---- Program slots: slot N serves function N of fn_specs[] ----
 *
 * Every traced function gets its own fentry/fexit or kprobe/kretprobe
 * program, so that N is a constant the verifier prunes with: a generic
 * program serving every function would take tens of seconds to verify
 * under emulation. Only the slots the loader uses are loaded.
 */

static __always_inline int fentry_call(__u64 *ctx, __u32 fn, __u8 phase)
{
	struct kmst_call call = { .fn = fn, .phase = phase, .source = KMST_SRC_FENTRY };
	__u32 i;

	if (!live)
		return 0;
	for (i = 0; i < KMST_FN_ARGS; i++)
		bpf_get_func_arg(ctx, i, &call.args[i]);
	if (phase == KMST_PH_EXIT)
		bpf_get_func_ret(ctx, &call.ret);
	return handle(&call, fn, phase);
}

/*
 * ---- Rescue programs: a second fentry/fexit program on one hook ----
 *
 * The kernel runs a tracing program at most once at a time per CPU: a call
 * of the traced function from an interrupt that arrives while the program
 * runs for a task on that CPU, or on PREEMPT_RT from a task that preempts
 * it there, is skipped and only counted (recursion_misses). complete_all is
 * called in both contexts (hw_done in the commit's worker, flip_done from
 * the VBLANK interrupt), so its slot program loses runs on every kernel;
 * on PREEMPT_RT every hook can.
 *
 * The loader puts a rescue program (kmst_rentry_<a>_<b>, kmst_rexit_...)
 * beside such a hook's slot program. Each has its own recursion guard, so
 * a call finds at least one of them free unless both are busy at once. The
 * trampoline runs the last attached program first (the kernel links each
 * new one at the head of its list); the loader attaches the rescue after
 * the slot program, so for each call the rescue runs first. It claims the
 * call and does the work; the slot program then finds the claim, clears it
 * and does nothing, or, when the rescue was skipped for this call, finds
 * none and does the work itself. A call is told from another by the
 * address of the trampoline's frame (ctx), which both programs of one call
 * share, tagged with the hook. The claim is kept per task for a call on the
 * task's stack, so that a task preempted or moved to another CPU between
 * the two programs still finds it, and per CPU for a call on an interrupt
 * stack, so that a call nested in an interrupt never touches the claim of
 * the call it interrupted.
 *
 * Lost are the calls neither program ran, and those the slot program ran
 * alone but took for claimed, because a claim of an earlier call at the
 * same frame was left (that call's slot program skipped). Per hook, with M
 * the slot program's misses, E the claims and D the cleared claims, lost
 * is M - E + D (kmst_tracer_missed_runs). The slot program also counts the
 * calls it did alone (KMST_CALLS_ALONE): they cannot outnumber the
 * rescue's misses unless the kernel ran the two in the other order.
 */

/* Hook N*2 (entry) or N*2+1 (exit) of function N has a rescue: set by the
 * loader just before the rescue program is attached. */
__u8 rescue_on[KMST_FN_MAX * 2];

/*
 * THREAD_SIZE on x86-64 without KASAN (Debian's kernels). A deeper task
 * frame would be taken for an interrupt's: harmless, as both programs of
 * the call then use the same claim slot.
 */
#define KMST_TASK_STACK_SIZE (4 * 4096ULL)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} rescue_claim SEC(".maps"); /* per stack: the claimed call's tagged frame (rescue_claim_of) */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMST_FN_MAX * 2 * KMST_RESCUE_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} rescue_counts SEC(".maps"); /* [hook * KMST_RESCUE_COUNTS + enum kmst_rescue_count] */

static __always_inline void rescue_count(__u32 hook, __u32 which)
{
	__u32 key = hook * KMST_RESCUE_COUNTS + which;
	__u64 *n = bpf_map_lookup_elem(&rescue_counts, &key);

	if (n)
		*n += 1;
}

/*
 * The call's tag (TAG): its frame's address with the hook in bits 48-55,
 * which are all ones in every kernel address; and its stack's claim slot.
 */
static __always_inline __u64 *rescue_claim_of(__u64 *ctx, __u32 hook, __u64 *tag)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 stack = (__u64)task->stack, key, none = 0, frame = 0, *claim;
	void *at = ctx;

	/* The frame's address as a number: the verifier keeps ctx a pointer. */
	bpf_probe_read_kernel(&frame, sizeof(frame), &at);
	*tag = frame ^ ((__u64)(hook + 1) << 48);
	if (frame - stack < KMST_TASK_STACK_SIZE)
		key = current_tid();
	else
		key = 1ULL << 32 | bpf_get_smp_processor_id();
	claim = bpf_map_lookup_elem(&rescue_claim, &key);
	if (claim)
		return claim;
	bpf_map_update_elem(&rescue_claim, &key, &none, BPF_NOEXIST);
	return bpf_map_lookup_elem(&rescue_claim, &key);
}

static __always_inline int on_fentry(__u64 *ctx, __u32 fn, __u8 phase)
{
	__u32 hook = fn * 2 + (phase == KMST_PH_EXIT);
	__u64 tag, *claim;

	if (rescue_on[hook]) {
		claim = rescue_claim_of(ctx, hook, &tag);
		if (claim && *claim == tag) {
			*claim = 0;
			rescue_count(hook, KMST_CLAIMS_CLEARED);
			return 0;
		}
		rescue_count(hook, KMST_CALLS_ALONE);
	}
	return fentry_call(ctx, fn, phase);
}

static __always_inline int on_rescue(__u64 *ctx, __u32 fn, __u8 phase)
{
	__u32 hook = fn * 2 + (phase == KMST_PH_EXIT);
	__u64 tag, *claim;

	claim = rescue_claim_of(ctx, hook, &tag);
	if (claim)
		*claim = tag;
	rescue_count(hook, KMST_CLAIMS);
	return fentry_call(ctx, fn, phase);
}

static __always_inline int on_kprobe(struct pt_regs *regs, __u32 fn)
{
	struct kmst_call call = { .fn = fn, .phase = KMST_PH_ENTER, .source = KMST_SRC_KPROBE };
	struct kmst_call_key key = { .tid = current_tid(), .fn = fn };

	if (!live)
		return 0;
	call.args[0] = PT_REGS_PARM1(regs);
	call.args[1] = PT_REGS_PARM2(regs);
	call.args[2] = PT_REGS_PARM3(regs);
	call.args[3] = PT_REGS_PARM4(regs);
	call.args[4] = PT_REGS_PARM5(regs);
	call.args[5] = regs->r9; /* x86-64: the sixth argument (libbpf 1.1 has no PT_REGS_PARM6) */
	/* A kretprobe sees no arguments: keep them for it. */
	if (fn_specs[fn].flags & (KMST_FNF_EXIT | KMST_FNF_POINT_EXIT))
		bpf_map_update_elem(&kprobe_args, &key, &call.args, BPF_ANY);
	return handle(&call, fn, KMST_PH_ENTER);
}

static __always_inline int on_kretprobe(struct pt_regs *regs, __u32 fn)
{
	struct kmst_call call = { .fn = fn, .phase = KMST_PH_EXIT, .source = KMST_SRC_KPROBE };
	struct kmst_call_key key = { .tid = current_tid(), .fn = fn };
	struct kmst_call_args *args;

	args = bpf_map_lookup_elem(&kprobe_args, &key);
	if (!args)
		return 0;
	__builtin_memcpy(call.args, args->args, sizeof(call.args));
	bpf_map_delete_elem(&kprobe_args, &key);
	call.ret = PT_REGS_RC(regs);
	return handle(&call, fn, KMST_PH_EXIT);
}

/* Slot a*8+b: kmst_fentry_<a>_<b>, kmst_fexit_..., their rescues kmst_rentry_... and
 * kmst_rexit_..., kmst_kprobe_..., kmst_kretprobe_... */
#define KMST_SLOT(a, b)                                                                  \
	SEC("kmst_fentry")                                                               \
	int kmst_fentry_##a##_##b(__u64 *ctx) { return on_fentry(ctx, a * 8 + b, KMST_PH_ENTER); } \
	SEC("kmst_fexit")                                                                \
	int kmst_fexit_##a##_##b(__u64 *ctx) { return on_fentry(ctx, a * 8 + b, KMST_PH_EXIT); } \
	SEC("kmst_fentry")                                                               \
	int kmst_rentry_##a##_##b(__u64 *ctx) { return on_rescue(ctx, a * 8 + b, KMST_PH_ENTER); } \
	SEC("kmst_fexit")                                                                \
	int kmst_rexit_##a##_##b(__u64 *ctx) { return on_rescue(ctx, a * 8 + b, KMST_PH_EXIT); } \
	SEC("kprobe")                                                                    \
	int kmst_kprobe_##a##_##b(struct pt_regs *regs) { return on_kprobe(regs, a * 8 + b); } \
	SEC("kretprobe")                                                                 \
	int kmst_kretprobe_##a##_##b(struct pt_regs *regs) { return on_kretprobe(regs, a * 8 + b); }

#define KMST_SLOTS8(a)                                                                   \
	KMST_SLOT(a, 0) KMST_SLOT(a, 1) KMST_SLOT(a, 2) KMST_SLOT(a, 3)                  \
	KMST_SLOT(a, 4) KMST_SLOT(a, 5) KMST_SLOT(a, 6) KMST_SLOT(a, 7)

/* KMST_FN_MAX (96) slots. */
KMST_SLOTS8(0)
KMST_SLOTS8(1)
KMST_SLOTS8(2)
KMST_SLOTS8(3)
KMST_SLOTS8(4)
KMST_SLOTS8(5)
KMST_SLOTS8(6)
KMST_SLOTS8(7)
KMST_SLOTS8(8)
KMST_SLOTS8(9)
KMST_SLOTS8(10)
KMST_SLOTS8(11)

/* ---- Tracepoints (raw: no BTF needed) ---- */

/* hrtimer_expire_entry(struct hrtimer *timer, ktime_t *now): every hrtimer of the system. */
SEC("raw_tp/hrtimer_expire_entry")
int kmst_tp_hrtimer_expire_entry(struct bpf_raw_tracepoint_args *ctx)
{
	host_timer_entered((void *)ctx->args[0]);
	return 0;
}

/* hrtimer_expire_exit(struct hrtimer *timer) */
SEC("raw_tp/hrtimer_expire_exit")
int kmst_tp_hrtimer_expire_exit(struct bpf_raw_tracepoint_args *ctx)
{
	host_timer_exited((void *)ctx->args[0]);
	return 0;
}

/* drm:drm_vblank_event(int crtc, unsigned int seq, ktime_t time, bool high_prec): once per VBLANK. */
SEC("raw_tp/drm_vblank_event")
int kmst_tp_drm_vblank_event(struct bpf_raw_tracepoint_args *ctx)
{
	struct kmst_ectx c = { .plane = -1 };

	if (!live)
		return 0;
	c.crtc = (__s32)ctx->args[0];
	c.commit.minor = vblank_cpu_minor(c.crtc);
	if (!minor_selected(c.commit.minor))
		return 0;
	EMIT(KMST_EV_VBLANK_EVENT, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0,
	     (__u32)ctx->args[3] & 1, (__u32)ctx->args[1], ctx->args[2]);
	return 0;
}

/* drm:drm_vblank_event_queued(struct drm_file *file, int crtc, unsigned int seq) */
SEC("raw_tp/drm_vblank_event_queued")
int kmst_tp_drm_vblank_event_queued(struct bpf_raw_tracepoint_args *ctx)
{
	struct kmst_ectx c = { .commit.minor = -1, .plane = -1 };

	if (!live || !task_selected())
		return 0;
	c.crtc = (__s32)ctx->args[1];
	EMIT(KMST_EV_VBLANK_EVENT_QUEUED, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0, 0,
	     (__u32)ctx->args[2], 0);
	return 0;
}

/*
 * tvkms's tracepoints (module/tvkms_trace.h): each starts with the
 * commit's atomic state (NULL when none) and continues with integers.
 */
static __always_inline int tvkms_point(void *state, __u32 minor, __u16 type, __s32 crtc,
				       __s32 plane, __u32 aux, __u64 arg0, __u64 arg1)
{
	struct kmst_ectx c = { .crtc = crtc, .plane = plane };
	struct kmst_commit_info *commit;

	if (!live)
		return 0;
	commit = state ? state_commit(state, false) : NULL;
	if (commit)
		c.commit = *commit;
	c.commit.minor = minor;
	if (!minor_selected(c.commit.minor) || (c.commit.id && !c.commit.selected))
		return 0;
	EMIT(type, KMST_PH_POINT, KMST_SRC_TRACEPOINT, &c, 0, aux, arg0, arg1);
	return 0;
}

/* tvkms_commit_stage(state, u32 minor, int crtc, u32 stage) */
SEC("raw_tp/tvkms_commit_stage")
int kmst_tp_tvkms_commit_stage(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_STAGE, (__s32)ctx->args[2],
			   -1, ctx->args[3], 0, 0);
}

/* tvkms_vblank(state, u32 minor, int crtc, u64 seq, u64 expected_ns, u64 actual_ns) */
SEC("raw_tp/tvkms_vblank")
int kmst_tp_tvkms_vblank(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 expected = ctx->args[4], actual = ctx->args[5];
	__u64 late = actual > expected ? actual - expected : 0;

	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_VBLANK, (__s32)ctx->args[2],
			   -1, late > 0xffffffffULL ? 0xffffffffU : (__u32)late, ctx->args[3], expected);
}

/* tvkms_event(state, u32 minor, int crtc, u32 kind, u64 user_data) */
SEC("raw_tp/tvkms_event")
int kmst_tp_tvkms_event(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_EVENT, (__s32)ctx->args[2],
			   -1, ctx->args[3], ctx->args[4], 0);
}

/* tvkms_fb(state, u32 minor, int plane, u32 kind, u32 fb_id) */
SEC("raw_tp/tvkms_fb")
int kmst_tp_tvkms_fb(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_FB, -1, (__s32)ctx->args[2],
			   ctx->args[3], (__u32)ctx->args[4], 0);
}

/* tvkms_fault(state, u32 minor, int crtc, int plane, u32 rule) */
SEC("raw_tp/tvkms_fault")
int kmst_tp_tvkms_fault(struct bpf_raw_tracepoint_args *ctx)
{
	return tvkms_point((void *)ctx->args[0], ctx->args[1], KMST_EV_TVKMS_FAULT, (__s32)ctx->args[2],
			   (__s32)ctx->args[3], ctx->args[4], 0, 0);
}
