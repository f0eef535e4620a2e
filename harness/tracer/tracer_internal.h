/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tracer_*.c files share: the table of traced functions, the
 * kernel symbol lookup and the device discovery. Not part of the API.
 */
#ifndef KMSTRACE_TRACER_INTERNAL_H
#define KMSTRACE_TRACER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "kmstrace_tracer.h"
#include "tracer/tracer.h"

/* How one function ended up being traced. */
enum kmst_fn_mode {
	KMST_MODE_NONE = 0, /* not traced (missing, or recorder off) */
	KMST_MODE_FENTRY,
	KMST_MODE_KPROBE,
};

struct kmst_fn {
	char name[128];		/* kernel symbol */
	char module[64];	/* "" for vmlinux */
	char what[48];		/* "crtc.atomic_flush" for callbacks, else the name */
	struct kmst_fn_spec spec; /* fn_specs[N] of commit.bpf.c; N is also its program slot */
	bool required;
	enum kmst_fn_mode mode;
	__u32 btf_type_id;	/* fentry: the function's BTF FUNC id */
	__u32 btf_obj_id;	/* fentry: its module's BTF object id; 0 for vmlinux */
	char missing[160];	/* why it is not traced; "" if it is */
};

#define KMST_FN_NAME_LEN 128

/* 0 if this process may load the tracer; else one line says what it lacks, -EPERM. */
int kmst_tracer_check_caps(void);

/* The core functions (tracer_funcs.c). Returns how many were added. */
int kmst_fns_add_core(struct kmst_fn *fns, int max, bool recorder);
/* One driver callback, deduplicated by name; returns the new count. */
int kmst_fns_add_callback(struct kmst_fn *fns, int count, int max, const char *name,
			  const char *module, const char *what, bool crtc, int cb);
/*
 * Keep only what LEVEL traces: at KMST_LEVEL_RULES each function's phases
 * are cut to those a rule reads and a function no rule reads is taken out
 * of FNS (before any slot is loaded). Returns the new count.
 */
int kmst_fns_apply_level(struct kmst_fn *fns, int count, enum kmst_trace_level level);

/* ---- /proc/kallsyms (tracer_kallsyms.c) ---- */

struct kmst_ksym {
	unsigned long long addr;
	const char *name;
	const char *module; /* "" for vmlinux */
};

struct kmst_ksyms {
	struct kmst_ksym *syms; /* text symbols, sorted by address */
	size_t count;
	char *pool;		/* the names the entries point into */
	bool addrs_hidden;	/* kptr_restrict: every address reads as 0 */
};

int kmst_ksyms_load(struct kmst_ksyms *ks);
const struct kmst_ksym *kmst_ksyms_by_addr(const struct kmst_ksyms *ks, unsigned long long addr);
const struct kmst_ksym *kmst_ksyms_by_name(const struct kmst_ksyms *ks, const char *name);
void kmst_ksyms_free(struct kmst_ksyms *ks);

/* ---- Kernel BTF and the fentry slots' loading (tracer_btf.c) ---- */

struct kmst_btf_index;

struct kmst_btf_index *kmst_btf_index_new(void);
/*
 * Whether NAME in MODULE ("" for vmlinux) has a BTF FUNC, so fentry can
 * attach: then its type id and the module's BTF object id (0 for vmlinux).
 */
bool kmst_btf_func(struct kmst_btf_index *ix, const char *name, const char *module,
		   __u32 *type_id, __u32 *obj_id);
void kmst_btf_index_free(struct kmst_btf_index *ix);

/*
 * While one object loads: SEC("kmst_fentry")/SEC("kmst_fexit") programs
 * load with their slot's btf_type_id, and the module BTF fds it needs are
 * held. begin() before the skeleton is opened, end() once it is loaded.
 */
struct kmst_fentry_load {
	const struct kmst_fn *fns;
	int fn_count;
	int btf_fds[KMST_FN_MAX]; /* per slot; 0 for vmlinux */
	int fentry_handler, fexit_handler;
};

int kmst_fentry_load_begin(struct kmst_fentry_load *load, const struct kmst_fn *fns, int fn_count);
void kmst_fentry_load_end(struct kmst_fentry_load *load);

/* ---- Device discovery (tracer_discover.c) ---- */

struct kmst_devices {
	struct kmst_disc_dev devs[KMST_DISC_DEVS];
	unsigned int count;
};

/*
 * Run bpf/discover.bpf.c against every /dev/dri/card*. Returns 0 (with
 * devs->count possibly 0 when no KMS device exists) or a negative errno.
 */
int kmst_discover(struct kmst_devices *devs);

#endif
