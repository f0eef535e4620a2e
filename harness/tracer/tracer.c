// SPDX-License-Identifier: GPL-2.0
/*
 * The loader library (API in tracer.h): decides fentry or kprobe per
 * function, loads bpf/commit.bpf.c once, attaches it, and drains its ring
 * buffer into a trace file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "hist/hist.h"
#include "common/clock.h"
#include "common/log.h"
#include "tracer/tracer.h"
#include "tracer/tracer_internal.h"
#include "tracer/watchdog.h"
/* After the headers that define the types its globals use. */
#include "commit.skel.h"

#define DEFAULT_RINGBUF_SIZE (4UL << 20)
#define MAX_LINKS (KMST_FN_MAX * 4 + 8)
#define IOCTL_EXITS 8 /* atomic ioctl exits remembered for kmst_tracer_sync_ioctl */

/* Tracepoints: optional everywhere (drm's exist once drm.ko is loaded). */
static const struct {
	const char *tp;	  /* tracepoint name */
	const char *prog; /* program in commit.bpf.c */
	const char *meta; /* name in the trace metadata */
} tracepoints[] = {
	{ "drm_vblank_event", "kmst_tp_drm_vblank_event", "drm:drm_vblank_event" },
	{ "drm_vblank_event_queued", "kmst_tp_drm_vblank_event_queued", "drm:drm_vblank_event_queued" },
	/* How late the host ran each hrtimer: HANDLE_VBLANK's host lateness (unknown without). */
	{ "hrtimer_expire_entry", "kmst_tp_hrtimer_expire_entry", "timer:hrtimer_expire_entry" },
	{ "hrtimer_expire_exit", "kmst_tp_hrtimer_expire_exit", "timer:hrtimer_expire_exit" },
	/* Only while tvkms is loaded. */
	{ "tvkms_commit_stage", "kmst_tp_tvkms_commit_stage", "tvkms:tvkms_commit_stage" },
	{ "tvkms_vblank", "kmst_tp_tvkms_vblank", "tvkms:tvkms_vblank" },
	{ "tvkms_event", "kmst_tp_tvkms_event", "tvkms:tvkms_event" },
	{ "tvkms_fb", "kmst_tp_tvkms_fb", "tvkms:tvkms_fb" },
	{ "tvkms_fault", "kmst_tp_tvkms_fault", "tvkms:tvkms_fault" },
};

struct kmst_tracer {
	struct kmst_tracer_opts opts;
	char release[65];
	struct kmst_commit *skel;
	struct ring_buffer *rb;
	struct kmst_fn fns[KMST_FN_MAX];
	int fn_count;
	struct bpf_link *links[MAX_LINKS];
	int link_count;
	struct kmst_devices devs;
	char *meta;
	size_t meta_len, meta_cap;
	/* The poll in progress: where the ring buffer callback writes. */
	struct kmst_writer *writer;
	int write_err;
	/* The latest atomic ioctl exits handled, each taken once by kmst_tracer_sync_ioctl. */
	struct {
		uint32_t tid;
		uint64_t user_data;
		bool fresh;
	} ioctl_exit[IOCTL_EXITS];
	unsigned int ioctl_exit_next;
	/* Hooks (function N: N*2 entry, N*2+1 exit) that get a rescue program. */
	bool rescue[KMST_FN_MAX * 2];
	/* Each hook's KMST_CALLS_ALONE when tracing went live (rescue_lost). */
	unsigned long long rescue_alone_base[KMST_FN_MAX * 2];
};

static unsigned long long rescue_count(const struct kmst_tracer *t, int hook, __u32 which);

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's chatter only with -v; our own lines say what failed. */
	if (!kmst_log_verbose() || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int meta_add(struct kmst_tracer *t, const char *fmt, ...)
{
	va_list ap;
	int len;

	for (;;) {
		size_t room = t->meta_cap - t->meta_len;

		va_start(ap, fmt);
		len = vsnprintf(t->meta + t->meta_len, room, fmt, ap);
		va_end(ap);
		if (len < 0)
			return -EINVAL;
		if ((size_t)len + 2 <= room)
			break;
		char *bigger = realloc(t->meta, t->meta_cap * 2 + len + 2);

		if (!bigger)
			return -ENOMEM;
		t->meta = bigger;
		t->meta_cap = t->meta_cap * 2 + len + 2;
	}
	t->meta_len += len;
	t->meta[t->meta_len++] = '\n';
	t->meta[t->meta_len] = '\0';
	return 0;
}

static const char *const crtc_cb_names[KMST_CRTC_CB_COUNT] = {
	"crtc.atomic_check", "crtc.atomic_begin", "crtc.atomic_flush", "crtc.atomic_enable",
	"crtc.atomic_disable",
};
static const char *const plane_cb_names[KMST_PLANE_CB_COUNT] = {
	"plane.atomic_check", "plane.atomic_update", "plane.atomic_disable", "plane.prepare_fb",
	"plane.cleanup_fb",
};

/* Whether ADDR is in CBS[0..COUNT): a callback shared by several CRTCs or planes. */
static bool seen_before(const unsigned long long *cbs, size_t stride, unsigned int count,
			unsigned long long addr)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (cbs[i * stride] == addr)
			return true;
	return false;
}

/* `callback=cardN WHAT SYMBOL`: which function a device's callback is (? when hidden). */
static void add_callback_meta(struct kmst_tracer *t, int minor, const char *what,
			      const struct kmst_ksym *sym)
{
	meta_add(t, "callback=card%d %s %s", minor, what, sym ? sym->name : "?");
}

/* The driver callbacks of every discovered device, and its traits. */
static void add_callbacks(struct kmst_tracer *t, const struct kmst_ksyms *ks)
{
	unsigned int d, i, cb;

	for (d = 0; d < t->devs.count; d++) {
		const struct kmst_disc_dev *dev = &t->devs.devs[d];
		bool crtc_has[KMST_CRTC_CB_COUNT] = { 0 }, plane_has[KMST_PLANE_CB_COUNT] = { 0 };
		bool gem_prepare = false;

		if (t->opts.minor >= 0 && dev->minor != t->opts.minor)
			continue;
		for (i = 0; i < dev->crtcs && i < KMST_DISC_CRTCS; i++) {
			for (cb = 0; cb < KMST_CRTC_CB_COUNT; cb++) {
				const struct kmst_ksym *sym = kmst_ksyms_by_addr(ks, dev->crtc_cb[i][cb]);

				if (!dev->crtc_cb[i][cb])
					continue;
				crtc_has[cb] = true;
				if (!seen_before(&dev->crtc_cb[0][cb], KMST_CRTC_CB_COUNT, i,
						 dev->crtc_cb[i][cb]))
					add_callback_meta(t, dev->minor, crtc_cb_names[cb], sym);
				if (sym)
					t->fn_count = kmst_fns_add_callback(t->fns, t->fn_count, KMST_FN_MAX,
									    sym->name, sym->module, NULL,
									    true, cb);
			}
		}
		for (i = 0; i < dev->planes && i < KMST_DISC_PLANES; i++) {
			for (cb = 0; cb < KMST_PLANE_CB_COUNT; cb++) {
				const struct kmst_ksym *sym = kmst_ksyms_by_addr(ks, dev->plane_cb[i][cb]);

				if (!dev->plane_cb[i][cb]) {
					/* DRM calls the GEM helper when prepare_fb is unset. */
					if (cb == KMST_PLANE_CB_PREPARE_FB)
						gem_prepare = true;
					continue;
				}
				plane_has[cb] = true;
				if (!seen_before(&dev->plane_cb[0][cb], KMST_PLANE_CB_COUNT, i,
						 dev->plane_cb[i][cb]))
					add_callback_meta(t, dev->minor, plane_cb_names[cb], sym);
				if (sym)
					t->fn_count = kmst_fns_add_callback(t->fns, t->fn_count, KMST_FN_MAX,
									    sym->name, sym->module, NULL,
									    false, cb);
			}
		}
		if (gem_prepare) {
			const struct kmst_ksym *sym = kmst_ksyms_by_name(ks, "drm_gem_plane_helper_prepare_fb");

			add_callback_meta(t, dev->minor, "plane.prepare_fb", sym);
			if (sym)
				t->fn_count = kmst_fns_add_callback(t->fns, t->fn_count, KMST_FN_MAX,
								    sym->name, sym->module,
								    "plane.prepare_fb", false,
								    KMST_PLANE_CB_PREPARE_FB);
			plane_has[KMST_PLANE_CB_PREPARE_FB] = true;
		}
		if (ks->addrs_hidden)
			kmst_info("card%d: /proc/kallsyms hides addresses: %s callbacks not traced",
				  dev->minor, dev->driver);
		/* What the driver lacks is a trait of the driver, not a tracing failure. */
		if (!dev->num_vblank_crtcs)
			meta_add(t, "trait=card%d no-vblank", dev->minor);
		for (cb = 0; cb < KMST_CRTC_CB_COUNT; cb++)
			if (!crtc_has[cb] && dev->crtcs)
				meta_add(t, "trait=card%d no-%s", dev->minor, crtc_cb_names[cb]);
		for (cb = 0; cb < KMST_PLANE_CB_COUNT; cb++)
			if (!plane_has[cb] && dev->planes)
				meta_add(t, "trait=card%d no-%s", dev->minor, plane_cb_names[cb]);
	}
}

/* fentry where the function has BTF, else kprobe. */
static int decide_modes(struct kmst_tracer *t, const struct kmst_ksyms *ks, bool force_kprobe)
{
	struct kmst_btf_index *btf = force_kprobe ? NULL : kmst_btf_index_new();
	int i;

	if (!force_kprobe && !btf) {
		kmst_err("failed to allocate the BTF index: %s", strerror(errno));
		return -ENOMEM;
	}
	for (i = 0; i < t->fn_count; i++) {
		struct kmst_fn *fn = &t->fns[i];
		const struct kmst_ksym *sym = kmst_ksyms_by_name(ks, fn->name);

		fn->missing[0] = '\0';
		if (!sym) {
			fn->mode = KMST_MODE_NONE;
			if (fn->required) {
				kmst_err("failed to find %s on %s: not in /proc/kallsyms (no fentry or kprobe possible; is drm.ko loaded?)",
					 fn->name, t->release);
				kmst_btf_index_free(btf);
				return -ENOENT;
			}
			snprintf(fn->missing, sizeof(fn->missing), "not-in-kallsyms");
			continue;
		}
		snprintf(fn->module, sizeof(fn->module), "%s", sym->module);
		fn->btf_type_id = fn->btf_obj_id = 0;
		if (btf && kmst_btf_func(btf, fn->name, fn->module, &fn->btf_type_id, &fn->btf_obj_id))
			fn->mode = KMST_MODE_FENTRY;
		else
			fn->mode = KMST_MODE_KPROBE;
	}
	kmst_btf_index_free(btf);
	return 0;
}

static bool fn_needs_exit(const struct kmst_fn *fn)
{
	return fn->spec.flags & (KMST_FNF_EXIT | KMST_FNF_POINT_EXIT);
}

/*
 * Whether FN's entry program must run. A kretprobe sees no arguments, so
 * its kprobe always runs to keep them; fexit sees them itself, so in
 * fentry mode a function recorded only at exit, whose special does no work
 * at entry, gets no fentry program: one program run less per call (the
 * state's commit is bound at drm_atomic_state_init's exit as well as at its
 * entry, on the same thread).
 */
static bool fn_needs_entry(const struct kmst_fn *fn)
{
	if (fn->mode != KMST_MODE_FENTRY ||
	    (fn->spec.flags & (KMST_FNF_ENTER | KMST_FNF_POINT_ENTER)))
		return true;
	switch (fn->spec.special) {
	case KMST_SP_STATE_INIT:
	case KMST_SP_REC_ADDFB2:
	case KMST_SP_REC_RMFB:
	case KMST_SP_REC_CREATE_DUMB:
	case KMST_SP_REC_CREATEBLOB:
	case KMST_SP_REC_GETPROPERTY:
		return !fn_needs_exit(fn);
	default:
		return true;
	}
}

/* KIND is fentry, fexit, kprobe or kretprobe; see KMST_SLOT in commit.bpf.c. */
static struct bpf_program *slot_prog(struct kmst_commit *skel, const char *kind, int slot)
{
	char name[48];

	snprintf(name, sizeof(name), "kmst_%s_%d_%d", kind, slot / 8, slot % 8);
	return bpf_object__find_program_by_name(skel->obj, name);
}

/* A PREEMPT_RT kernel says so in /sys/kernel/realtime ("1"). */
static bool kernel_is_rt(void)
{
	FILE *f = fopen("/sys/kernel/realtime", "r");
	int on = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &on) != 1)
		on = 0;
	fclose(f);
	return on == 1;
}

/* Open and load commit.bpf.o with the modes decided in t->fns. */
static int load_skel(struct kmst_tracer *t)
{
	struct kmst_fentry_load fentry_load;
	struct kmst_commit *skel;
	struct bpf_program *prog;
	unsigned long ringbuf_size;
	bool rt = kernel_is_rt();
	int i, err;

	err = kmst_fentry_load_begin(&fentry_load, t->fns, t->fn_count);
	if (err)
		return err;
	skel = kmst_commit__open();
	if (!skel) {
		err = -errno;
		kmst_err("failed to open commit.bpf.o: %s", strerror(-err));
		kmst_fentry_load_end(&fentry_load);
		return err;
	}
	/* Only the slots of traced functions are loaded (and verified). */
	bpf_object__for_each_program(prog, skel->obj) {
		if (!strncmp(bpf_program__name(prog), "kmst_f", 6) ||
		    !strncmp(bpf_program__name(prog), "kmst_r", 6) ||
		    !strncmp(bpf_program__name(prog), "kmst_k", 6))
			bpf_program__set_autoload(prog, false);
	}
	/* A tracepoint the level leaves out is not loaded either. */
	for (i = 0; i < (int)(sizeof(tracepoints) / sizeof(tracepoints[0])); i++)
		if (!kmst_tracepoint_at_level(tracepoints[i].tp, t->opts.level))
			bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj,
										   tracepoints[i].prog),
						  false);
	memset(t->rescue, 0, sizeof(t->rescue));
	for (i = 0; i < t->fn_count; i++) {
		struct kmst_fn *fn = &t->fns[i];
		bool fentry = fn->mode == KMST_MODE_FENTRY;

		memcpy((void *)&skel->rodata->fn_specs[i], &fn->spec, sizeof(fn->spec));
		if (fn->mode == KMST_MODE_NONE)
			continue;
		/* An fentry slot's target is its fn's btf_type_id (kmst_fentry_load_begin). */
		if (fn_needs_entry(fn))
			bpf_program__set_autoload(slot_prog(skel, fentry ? "fentry" : "kprobe", i),
						  true);
		if (fn_needs_exit(fn))
			bpf_program__set_autoload(slot_prog(skel, fentry ? "fexit" : "kretprobe", i),
						  true);
		/*
		 * Rescue programs (commit.bpf.c): complete_all runs in tasks and
		 * interrupts; on PREEMPT_RT any hook's program can be preempted.
		 */
		if (fentry && (rt || fn->spec.special == KMST_SP_COMPLETE_ALL)) {
			t->rescue[i * 2] = fn_needs_entry(fn);
			t->rescue[i * 2 + 1] = rt && fn_needs_exit(fn);
			if (t->rescue[i * 2])
				bpf_program__set_autoload(slot_prog(skel, "rentry", i), true);
			if (t->rescue[i * 2 + 1])
				bpf_program__set_autoload(slot_prog(skel, "rexit", i), true);
		}
	}
	skel->rodata->filter_tgid = t->opts.pid;
	if (t->opts.comm)
		snprintf((char *)skel->rodata->filter_comm, sizeof(skel->rodata->filter_comm), "%s",
			 t->opts.comm);
	skel->rodata->filter_minor = t->opts.minor;
	skel->rodata->recorder_on = !t->opts.no_recorder;
	ringbuf_size = t->opts.ringbuf_size ? t->opts.ringbuf_size : DEFAULT_RINGBUF_SIZE;
	/* Batch wakeups: the reader polls on a timer, see kmst_tracer_poll(). */
	skel->rodata->wakeup_bytes = ringbuf_size / 8;
	err = bpf_map__set_max_entries(skel->maps.events, ringbuf_size);
	if (err) {
		kmst_err("failed to size the ring buffer to %lu bytes: %s", t->opts.ringbuf_size,
			 strerror(-err));
		goto err_destroy;
	}
	err = kmst_commit__load(skel);
	if (err)
		goto err_destroy;
	kmst_fentry_load_end(&fentry_load);
	t->skel = skel;
	return 0;

err_destroy:
	kmst_commit__destroy(skel);
	kmst_fentry_load_end(&fentry_load);
	return err;
}

/* The watchdog's loss source: records dropped plus tracer runs skipped, so far. */
static int tracer_lost(void *ctx, unsigned long long *lost)
{
	unsigned long long drops[KMST_EV_MAX], missed;
	const struct kmst_tracer *t = ctx;
	int err = kmst_tracer_missed_runs(t, &missed, false);

	if (err)
		return err;
	*lost = kmst_tracer_drops(t, drops) + missed;
	return 0;
}

struct kmst_tracer *kmst_tracer_open(const struct kmst_tracer_opts *opts)
{
	struct kmst_ksyms ks = { 0 };
	struct kmst_tracer *t;
	struct utsname uts;
	int i, err, fentry_count = 0;

	libbpf_set_print(libbpf_print);
	if (opts->ringbuf_size &&
	    (opts->ringbuf_size < 4096 || (opts->ringbuf_size & (opts->ringbuf_size - 1)))) {
		kmst_err("ring buffer size %lu: must be a power of two of at least 4096 bytes",
			 opts->ringbuf_size);
		errno = EINVAL;
		return NULL;
	}
	err = kmst_tracer_check_caps();
	if (err) {
		errno = -err;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		kmst_err("failed to allocate the tracer: %s", strerror(errno));
		return NULL;
	}
	t->opts = *opts;
	t->meta_cap = 4096;
	t->meta = calloc(1, t->meta_cap);
	if (!t->meta)
		goto err_free;
	if (uname(&uts) == 0)
		snprintf(t->release, sizeof(t->release), "%s", uts.release);
	meta_add(t, "kernel=%s", t->release);

	err = kmst_discover(&t->devs);
	if (err)
		goto err_free;
	err = kmst_ksyms_load(&ks);
	if (err)
		goto err_free;
	t->fn_count = kmst_fns_add_core(t->fns, KMST_FN_MAX, !opts->no_recorder);
	add_callbacks(t, &ks);
	t->fn_count = kmst_fns_apply_level(t->fns, t->fn_count, opts->level);
	meta_add(t, "level=%s", kmst_trace_level_name(opts->level));
	err = decide_modes(t, &ks, opts->force_kprobe);
	kmst_ksyms_free(&ks);
	if (err)
		goto err_free;

	for (i = 0; i < t->fn_count; i++)
		fentry_count += t->fns[i].mode == KMST_MODE_FENTRY;
	err = load_skel(t);
	if (err && fentry_count) {
		kmst_info("failed to load commit.bpf.o with %d fentry programs on %s (%s); falling back to kprobe for every function",
			  fentry_count, t->release, strerror(-err));
		for (i = 0; i < t->fn_count; i++) {
			if (t->fns[i].mode == KMST_MODE_FENTRY)
				t->fns[i].mode = KMST_MODE_KPROBE;
		}
		err = load_skel(t);
	}
	if (err) {
		kmst_err("failed to load commit.bpf.o on %s: %s (run with -v for the verifier log)",
			 t->release, strerror(-err));
		goto err_free;
	}
	if (opts->watchdog)
		kmst_watchdog_set_loss_source(opts->watchdog, tracer_lost, t);
	return t;

err_free:
	kmst_tracer_close(t);
	errno = EINVAL;
	return NULL;
}

static int attach_kprobe(struct kmst_tracer *t, int idx, bool retprobe, char *why, size_t why_len)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .retprobe = retprobe);
	struct bpf_program *prog = slot_prog(t->skel, retprobe ? "kretprobe" : "kprobe", idx);
	struct bpf_link *link;

	link = bpf_program__attach_kprobe_opts(prog, t->fns[idx].name, &kopts);
	if (!link) {
		snprintf(why, why_len, "%s:%s", retprobe ? "kretprobe" : "kprobe", strerror(errno));
		return -errno;
	}
	t->links[t->link_count++] = link;
	return 0;
}

/*
 * HOOK's rescue program (KIND rentry or rexit), attached after the slot
 * program so that the trampoline runs it first. Without it the slot still
 * traces, and its lost runs stay counted.
 */
static void attach_rescue(struct kmst_tracer *t, int hook, const char *kind)
{
	struct bpf_link *link;

	if (!t->rescue[hook])
		return;
	/* From here the slot program looks for the rescue's claims (none yet). */
	__atomic_store_n(&t->skel->bss->rescue_on[hook], 1, __ATOMIC_SEQ_CST);
	link = bpf_program__attach_trace(slot_prog(t->skel, kind, hook / 2));
	if (!link) {
		__atomic_store_n(&t->skel->bss->rescue_on[hook], 0, __ATOMIC_SEQ_CST);
		kmst_info("%s: no rescue of the %s runs the kernel skips (%s)", t->fns[hook / 2].name,
			  hook % 2 ? "fexit" : "fentry", strerror(errno));
		return;
	}
	t->links[t->link_count++] = link;
}

static int attach_fentry(struct kmst_tracer *t, int idx, char *why, size_t why_len)
{
	struct bpf_link *entry = NULL, *exit_link = NULL;

	if (fn_needs_entry(&t->fns[idx])) {
		entry = bpf_program__attach_trace(slot_prog(t->skel, "fentry", idx));
		if (!entry) {
			snprintf(why, why_len, "fentry:%s", strerror(errno));
			return -errno;
		}
	}
	if (fn_needs_exit(&t->fns[idx])) {
		exit_link = bpf_program__attach_trace(slot_prog(t->skel, "fexit", idx));
		if (!exit_link) {
			snprintf(why, why_len, "fexit:%s", strerror(errno));
			bpf_link__destroy(entry);
			return -errno;
		}
	}
	if (entry)
		t->links[t->link_count++] = entry;
	if (exit_link)
		t->links[t->link_count++] = exit_link;
	if (entry)
		attach_rescue(t, idx * 2, "rentry");
	if (exit_link)
		attach_rescue(t, idx * 2 + 1, "rexit");
	return 0;
}

static int ringbuf_record(void *ctx, void *data, size_t size)
{
	struct kmst_tracer *t = ctx;
	const struct kmst_event *ev = data;
	int err;

	if (size < sizeof(*ev) || ev->size > size) {
		kmst_err("ring buffer: record of %zu bytes is shorter than its header says; dropping it", size);
		return 0;
	}
	if (t->opts.watchdog)
		kmst_watchdog_feed(t->opts.watchdog, ev);
	if (ev->type == KMST_EV_ATOMIC_IOCTL && ev->phase == KMST_PH_EXIT) {
		t->ioctl_exit[t->ioctl_exit_next].tid = ev->tid;
		t->ioctl_exit[t->ioctl_exit_next].user_data = ev->arg0;
		t->ioctl_exit[t->ioctl_exit_next].fresh = true;
		t->ioctl_exit_next = (t->ioctl_exit_next + 1) % IOCTL_EXITS;
	}
	if (t->opts.on_event) {
		err = t->opts.on_event(t->opts.on_event_ctx, ev);
		if (err)
			return err;
	}
	if (t->writer && kmst_writer_append(t->writer, ev)) {
		t->write_err = -EIO;
		return -EIO;
	}
	return 0;
}

static void detach_all(struct kmst_tracer *t)
{
	while (t->link_count > 0)
		bpf_link__destroy(t->links[--t->link_count]);
}

/*
 * Attach every function in its mode. A function whose fentry attach
 * fails is switched to kprobe, and the object is loaded once more with
 * that decision (its kprobe slot was not loaded the first time).
 */
static int attach_functions(struct kmst_tracer *t, bool *reload)
{
	char why[96];
	int idx, err;

	*reload = false;
	for (idx = 0; idx < t->fn_count; idx++) {
		struct kmst_fn *fn = &t->fns[idx];
		int links_before = t->link_count;

		if (fn->mode == KMST_MODE_FENTRY) {
			if (!attach_fentry(t, idx, why, sizeof(why)))
				continue;
			kmst_info("%s: fentry attach failed on %s (%s); falling back to kprobe",
				  fn->name, t->release, why);
			snprintf(fn->missing, sizeof(fn->missing), "%s", why);
			fn->mode = KMST_MODE_KPROBE;
			*reload = true;
			continue;
		}
		if (fn->mode != KMST_MODE_KPROBE || *reload)
			continue;
		err = attach_kprobe(t, idx, false, why, sizeof(why));
		if (!err && fn_needs_exit(fn))
			err = attach_kprobe(t, idx, true, why, sizeof(why));
		if (!err)
			continue;
		while (t->link_count > links_before)
			bpf_link__destroy(t->links[--t->link_count]);
		fn->mode = KMST_MODE_NONE;
		if (fn->required) {
			kmst_err("failed to attach %s on %s: %s, then fallback %s", fn->name, t->release,
				 fn->missing[0] ? fn->missing : "fentry not possible (no BTF or --kprobe)",
				 why);
			return err;
		}
		if (fn->missing[0])
			strncat(fn->missing, ",", sizeof(fn->missing) - strlen(fn->missing) - 1);
		strncat(fn->missing, why, sizeof(fn->missing) - strlen(fn->missing) - 1);
	}
	return 0;
}

int kmst_tracer_attach(struct kmst_tracer *t)
{
	bool reload;
	unsigned int d;
	size_t i;
	int idx, err;

	err = attach_functions(t, &reload);
	if (!err && reload) {
		detach_all(t);
		kmst_commit__destroy(t->skel);
		t->skel = NULL;
		err = load_skel(t);
		if (err) {
			kmst_err("failed to reload commit.bpf.o on %s: %s", t->release, strerror(-err));
			return err;
		}
		err = attach_functions(t, &reload);
	}
	if (err)
		return err;
	for (i = 0; i < sizeof(tracepoints) / sizeof(tracepoints[0]); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(t->skel->obj,
									     tracepoints[i].prog);
		struct bpf_link *link;

		if (!kmst_tracepoint_at_level(tracepoints[i].tp, t->opts.level))
			continue;
		link = bpf_program__attach_raw_tracepoint(prog, tracepoints[i].tp);
		if (!link) {
			meta_add(t, "missing=%s raw_tp:%s", tracepoints[i].meta, strerror(errno));
			kmst_info("%s: not attached on %s (%s); its events are left out",
				  tracepoints[i].meta, t->release, strerror(errno));
			continue;
		}
		t->links[t->link_count++] = link;
		meta_add(t, "prog=%s tracepoint", tracepoints[i].meta);
	}

	for (d = 0; d < t->devs.count; d++) {
		const struct kmst_disc_dev *dev = &t->devs.devs[d];

		if (t->opts.minor >= 0 && dev->minor != t->opts.minor)
			continue;
		meta_add(t, "driver=%s", dev->driver);
		meta_add(t, "device=/dev/dri/card%d", dev->minor);
		meta_add(t, "minor=%d", dev->minor);
	}
	for (idx = 0; idx < t->fn_count; idx++) {
		const struct kmst_fn *fn = &t->fns[idx];

		if (fn->mode == KMST_MODE_NONE) {
			meta_add(t, "missing=%s %s", fn->name, fn->missing);
			kmst_info("%s: not traced on %s (%s)", fn->name, t->release, fn->missing);
		} else {
			meta_add(t, "prog=%s %s", fn->name, fn->mode == KMST_MODE_FENTRY ? "fentry" : "kprobe");
		}
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), ringbuf_record, t, NULL);
	if (!t->rb) {
		err = -errno;
		kmst_err("failed to create the ring buffer reader: %s", strerror(-err));
		return err;
	}
	/* The calls the slot programs did alone while their rescues were not attached yet. */
	for (i = 0; i < KMST_FN_MAX * 2; i++)
		if (t->skel->bss->rescue_on[i])
			t->rescue_alone_base[i] = rescue_count(t, i, KMST_CALLS_ALONE);
	/* Everything is attached: record from here on, never a commit seen in part. */
	__atomic_store_n(&t->skel->bss->live, 1, __ATOMIC_SEQ_CST);
	return 0;
}

const char *kmst_tracer_meta(const struct kmst_tracer *t)
{
	return t->meta;
}

uint32_t kmst_tracer_commit_base(const struct kmst_tracer *t)
{
	/* The programs bump it atomically; one aligned 64-bit load sees a whole value. */
	return (uint32_t)__atomic_load_n(&t->skel->bss->commit_id_counter, __ATOMIC_SEQ_CST);
}

int kmst_tracer_poll(struct kmst_tracer *t, struct kmst_writer *w, int timeout_ms)
{
	int n;

	t->writer = w;
	t->write_err = 0;
	n = ring_buffer__poll(t->rb, timeout_ms);
	/* Wakeups are batched (wakeup_bytes): a quiet timeout may leave records. */
	if (n == 0 && !t->write_err)
		n = ring_buffer__consume(t->rb);
	t->writer = NULL;
	if (t->write_err)
		return t->write_err;
	return n;
}

int kmst_tracer_drain(struct kmst_tracer *t, struct kmst_writer *w)
{
	int n;

	t->writer = w;
	t->write_err = 0;
	n = ring_buffer__consume(t->rb);
	t->writer = NULL;
	if (t->write_err)
		return t->write_err;
	return n;
}

static bool take_ioctl_exit(struct kmst_tracer *t, uint32_t tid, uint64_t user_data)
{
	unsigned int i;

	for (i = 0; i < IOCTL_EXITS; i++) {
		if (t->ioctl_exit[i].fresh && t->ioctl_exit[i].tid == tid &&
		    t->ioctl_exit[i].user_data == user_data) {
			t->ioctl_exit[i].fresh = false;
			return true;
		}
	}
	return false;
}

int kmst_tracer_sync_ioctl(struct kmst_tracer *t, struct kmst_writer *w, uint32_t tid,
			   uint64_t user_data, int timeout_ms)
{
	uint64_t deadline;
	int n;

	n = kmst_tracer_drain(t, w);
	if (n < 0)
		return n;
	if (take_ioctl_exit(t, tid, user_data))
		return 1;
	deadline = kmst_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		/* A record reserved ahead of the ioctl's, still being written on another CPU. */
		n = kmst_tracer_poll(t, w, 1);
		if (n < 0 && n != -EINTR)
			return n;
		if (take_ioctl_exit(t, tid, user_data))
			return 1;
		if (kmst_monotonic_ns() >= deadline)
			return 0;
	}
}

int kmst_tracer_fd(const struct kmst_tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

unsigned long long kmst_tracer_drops(const struct kmst_tracer *t, unsigned long long drops[KMST_EV_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	unsigned long long total = 0;
	__u64 *values;
	__u32 type;

	memset(drops, 0, sizeof(drops[0]) * KMST_EV_MAX);
	if (ncpus <= 0)
		return 0;
	values = calloc(ncpus, sizeof(*values));
	if (!values)
		return 0;
	for (type = 0; type < KMST_EV_MAX; type++) {
		int cpu;

		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.drops), &type, values))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			drops[type] += values[cpu];
		total += drops[type];
	}
	free(values);
	return total;
}

int kmst_tracer_read_hists(const struct kmst_tracer *t, struct kmst_hist_set *set)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	struct kmst_hist_key key, next;
	struct kmst_hist value;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct kmst_hist *dst;

		if (bpf_map_lookup_elem(fd, &next, &value) == 0) {
			dst = kmst_hist_set_get(set, next.kind, next.minor, next.crtc);
			if (!dst)
				return -ENOMEM;
			*dst = value;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

/* What program PROG hooks, from its slot (kmst_<kind>_<a>_<b>) or the tracepoint table. */
static void prog_hook(const struct kmst_tracer *t, const char *prog, struct kmst_prog_stat *stat)
{
	static const char *const kinds[] = { "fentry", "fexit", "kprobe", "kretprobe", "rentry",
					     "rexit" };
	static const char *const shown[] = { "fentry", "fexit", "kprobe", "kretprobe",
					     "fentry rescue", "fexit rescue" };
	char kind[16];
	int a, b, n = 0;
	size_t i;

	if (sscanf(prog, "kmst_%15[a-z]_%d_%d%n", kind, &a, &b, &n) == 3 && !prog[n] &&
	    a * 8 + b < t->fn_count) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			if (!strcmp(kind, kinds[i])) {
				stat->kind = shown[i];
				snprintf(stat->hook, sizeof(stat->hook), "%s", t->fns[a * 8 + b].name);
				return;
			}
		}
	}
	for (i = 0; i < sizeof(tracepoints) / sizeof(tracepoints[0]); i++) {
		if (!strcmp(prog, tracepoints[i].prog)) {
			stat->kind = "raw_tp";
			snprintf(stat->hook, sizeof(stat->hook), "%s", tracepoints[i].meta);
			return;
		}
	}
	stat->kind = "prog";
	snprintf(stat->hook, sizeof(stat->hook), "%s", prog);
}

/*
 * PROG's bpf_prog_info into INFO: 1 when it is loaded, 0 when it is not
 * (not to be used), a negative errno after saying why.
 */
static int read_prog_info(struct bpf_program *prog, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_program__fd(prog);
	int err;

	if (fd < 0)
		return 0;
	memset(info, 0, sizeof(*info));
	/* libbpf 1.1 has no bpf_prog_get_info_by_fd: the generic call, same info. */
	if (!bpf_obj_get_info_by_fd(fd, info, &len))
		return 1;
	err = -errno;
	kmst_err("failed to read the run statistics of %s: %s", bpf_program__name(prog),
		 strerror(-err));
	return err;
}

int kmst_tracer_prog_stats(const struct kmst_tracer *t, struct kmst_prog_stat *stats, int max)
{
	struct bpf_program *prog;
	struct bpf_prog_info info;
	int count = 0, ret;

	bpf_object__for_each_program(prog, t->skel->obj) {
		ret = read_prog_info(prog, &info);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (count >= max)
			return -E2BIG;
		prog_hook(t, bpf_program__name(prog), &stats[count]);
		stats[count].run_cnt = info.run_cnt;
		stats[count].run_time_ns = info.run_time_ns;
		count++;
	}
	return count;
}

/* HOOK's rescue counter WHICH (enum kmst_rescue_count), summed over the CPUs. */
static unsigned long long rescue_count(const struct kmst_tracer *t, int hook, __u32 which)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 key = hook * KMST_RESCUE_COUNTS + which;
	unsigned long long total = 0;
	__u64 *values;
	int cpu;

	if (ncpus <= 0)
		return 0;
	values = calloc(ncpus, sizeof(*values));
	if (!values)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.rescue_counts), &key, values))
		for (cpu = 0; cpu < ncpus; cpu++)
			total += values[cpu];
	free(values);
	return total;
}

/*
 * The calls of HOOK that its slot program and its rescue both lost, from
 * their misses (see commit.bpf.c's rescue programs): M - E + D. Calls the
 * slot program did alone since tracing went live beyond the rescue's misses
 * mean the kernel ran the two in the other order, and may have recorded
 * calls twice: counted as lost too.
 */
static unsigned long long rescue_lost(const struct kmst_tracer *t, int hook,
				      unsigned long long slot_misses, unsigned long long rescue_misses)
{
	unsigned long long claims = rescue_count(t, hook, KMST_CLAIMS);
	unsigned long long cleared = rescue_count(t, hook, KMST_CLAIMS_CLEARED);
	unsigned long long alone = rescue_count(t, hook, KMST_CALLS_ALONE) - t->rescue_alone_base[hook];
	unsigned long long lost = slot_misses + cleared > claims ? slot_misses + cleared - claims : 0;
	const char *name = t->fns[hook / 2].name, *kind = hook % 2 ? "fexit" : "fentry";

	if (slot_misses || rescue_misses)
		kmst_debug("%s (%s): slot program skipped %llu, rescue skipped %llu; %llu claims, %llu cleared, %llu calls done by the slot alone",
			   name, kind, slot_misses, rescue_misses, claims, cleared, alone);
	if (alone > rescue_misses) {
		kmst_info("%s (%s): its two programs ran in an order the tracer does not expect; %llu calls may be recorded twice",
			  name, kind, alone - rescue_misses);
		lost += alone - rescue_misses;
	}
	return lost;
}

/* The hook (function N*2, or N*2+1 for its exit) of the slot or rescue program PROG; -1. */
static int prog_rescue_hook(const struct kmst_tracer *t, const char *prog, bool *rescue)
{
	static const char *const kinds[] = { "fentry", "fexit", "rentry", "rexit" };
	char kind[16];
	int a, b, n = 0;
	size_t i;

	if (sscanf(prog, "kmst_%15[a-z]_%d_%d%n", kind, &a, &b, &n) != 3 || prog[n] ||
	    a * 8 + b >= t->fn_count)
		return -1;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kind, kinds[i])) {
			*rescue = i >= 2;
			return (a * 8 + b) * 2 + (int)(i % 2);
		}
	}
	return -1;
}

int kmst_tracer_missed_runs(const struct kmst_tracer *t, unsigned long long *missed, bool say)
{
	unsigned long long slot_misses[KMST_FN_MAX * 2] = { 0 }, rescue_misses[KMST_FN_MAX * 2] = { 0 };
	unsigned long long lost, samples = 0;
	struct kmst_prog_stat stat;
	struct bpf_program *prog;
	struct bpf_prog_info info;
	char hooks[512] = "";
	size_t used = 0;
	bool rescue;
	int ret, hook;

	*missed = 0;
	bpf_object__for_each_program(prog, t->skel->obj) {
		ret = read_prog_info(prog, &info);
		if (ret < 0)
			return ret;
		if (!ret || !info.recursion_misses)
			continue;
		hook = prog_rescue_hook(t, bpf_program__name(prog), &rescue);
		if (hook >= 0 && t->skel->bss->rescue_on[hook]) {
			if (rescue)
				rescue_misses[hook] = info.recursion_misses;
			else
				slot_misses[hook] = info.recursion_misses;
			continue;
		}
		/* They record nothing: a skipped run leaves a VBLANK's host lateness unknown. */
		if (prog == t->skel->progs.kmst_tp_hrtimer_expire_entry ||
		    prog == t->skel->progs.kmst_tp_hrtimer_expire_exit) {
			samples += info.recursion_misses;
			continue;
		}
		*missed += info.recursion_misses;
		prog_hook(t, bpf_program__name(prog), &stat);
		if (used < sizeof(hooks))
			used += snprintf(hooks + used, sizeof(hooks) - used, "%s%s (%s) %llu",
					 used ? ", " : "", stat.hook, stat.kind,
					 (unsigned long long)info.recursion_misses);
	}
	for (hook = 0; hook < KMST_FN_MAX * 2; hook++) {
		if (!t->skel->bss->rescue_on[hook] || !(slot_misses[hook] || rescue_misses[hook]))
			continue;
		lost = rescue_lost(t, hook, slot_misses[hook], rescue_misses[hook]);
		*missed += lost;
		if (lost && used < sizeof(hooks))
			used += snprintf(hooks + used, sizeof(hooks) - used, "%s%s (%s and its rescue) %llu",
					 used ? ", " : "", t->fns[hook / 2].name,
					 hook % 2 ? "fexit" : "fentry", lost);
	}
	if (say && *missed)
		kmst_info("the kernel skipped runs of the tracer's programs (since they were loaded): %s",
			  hooks);
	if (say && samples)
		kmst_info("the kernel skipped %llu runs of the hrtimer tracepoints' programs (since they were loaded): the host lateness of the VBLANKs of those timers is unknown",
			  samples);
	return 0;
}

void kmst_tracer_close(struct kmst_tracer *t)
{
	if (!t)
		return;
	if (t->opts.watchdog)
		kmst_watchdog_set_loss_source(t->opts.watchdog, NULL, NULL);
	ring_buffer__free(t->rb);
	detach_all(t);
	kmst_commit__destroy(t->skel);
	free(t->meta);
	free(t);
}
