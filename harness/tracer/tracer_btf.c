// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel BTF, indexed once: which functions fentry can reach, with their
 * BTF type ids, and the program handlers that load the fentry/fexit slots
 * with those ids.
 *
 * Why not libbpf's own lookup: bpf_program__set_attach_target() and
 * btf__find_by_name_kind() scan every type, and a module's split BTF scans
 * vmlinux's types again first. With some 100 programs, most on drm and
 * drm_kms_helper functions, that was half of the time to start tracing
 * (9 of 18 s in a TCG guest). Here each BTF is read once and searched by
 * bisection, and the slots load through a custom SEC() handler that hands
 * the kernel the type id directly.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "tracer/tracer_internal.h"

#define MAX_BTFS 32

struct btf_func {
	const char *name; /* in the BTF's string section */
	__u32 type_id;
};

/* One BTF object (vmlinux or a module) and its functions, sorted by name. */
struct btf_obj {
	char module[64]; /* "" for vmlinux */
	__u32 obj_id;	 /* the kernel's BTF object id; 0 for vmlinux (no fd needed) */
	struct btf *btf;
	struct btf_func *funcs;
	size_t count;
};

struct kmst_btf_index {
	struct btf_obj objs[MAX_BTFS]; /* [0] is vmlinux once loaded */
	int count;
};

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct btf_func *)a)->name, ((const struct btf_func *)b)->name);
}

/* Index OBJ's own FUNC types: a module's split BTF starts after vmlinux's. */
static int index_funcs(struct btf_obj *obj)
{
	const struct btf *base = btf__base_btf(obj->btf);
	__u32 id = base ? btf__type_cnt(base) : 1, end = btf__type_cnt(obj->btf);

	obj->funcs = malloc((end - id + 1) * sizeof(*obj->funcs));
	if (!obj->funcs)
		return -ENOMEM;
	for (; id < end; id++) {
		const struct btf_type *t = btf__type_by_id(obj->btf, id);

		if (!t || !btf_is_func(t))
			continue;
		obj->funcs[obj->count].name = btf__name_by_offset(obj->btf, t->name_off);
		obj->funcs[obj->count++].type_id = id;
	}
	qsort(obj->funcs, obj->count, sizeof(*obj->funcs), cmp_func);
	return 0;
}

/* The kernel's BTF object id of MODULE, or 0 if it has no BTF. */
static __u32 module_btf_id(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = { 0 };
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, module)) {
			close(fd);
			return id;
		}
		close(fd);
	}
	return 0;
}

/* MODULE's indexed BTF ("" for vmlinux), loaded on first use; NULL if none. */
static struct btf_obj *btf_obj_get(struct kmst_btf_index *ix, const char *module)
{
	struct btf_obj *obj;
	int i;

	for (i = 0; i < ix->count; i++)
		if (!strcmp(ix->objs[i].module, module))
			return ix->objs[i].btf ? &ix->objs[i] : NULL;
	if (ix->count == MAX_BTFS)
		return NULL;
	if (module[0] && !btf_obj_get(ix, ""))
		return NULL; /* a module's BTF is split on vmlinux's */
	obj = &ix->objs[ix->count++];
	snprintf(obj->module, sizeof(obj->module), "%s", module);
	if (!module[0]) {
		obj->btf = btf__load_vmlinux_btf();
	} else {
		obj->obj_id = module_btf_id(module);
		if (obj->obj_id)
			obj->btf = btf__load_from_kernel_by_id_split(obj->obj_id, ix->objs[0].btf);
	}
	if (!obj->btf)
		return NULL;
	if (index_funcs(obj)) {
		btf__free(obj->btf);
		obj->btf = NULL;
		return NULL;
	}
	return obj;
}

struct kmst_btf_index *kmst_btf_index_new(void)
{
	return calloc(1, sizeof(struct kmst_btf_index));
}

bool kmst_btf_func(struct kmst_btf_index *ix, const char *name, const char *module,
		   __u32 *type_id, __u32 *obj_id)
{
	struct btf_obj *obj = btf_obj_get(ix, module);
	struct btf_func key = { .name = name }, *found;

	if (!obj)
		return false;
	found = bsearch(&key, obj->funcs, obj->count, sizeof(*obj->funcs), cmp_func);
	if (!found)
		return false;
	*type_id = found->type_id;
	*obj_id = obj->obj_id;
	return true;
}

void kmst_btf_index_free(struct kmst_btf_index *ix)
{
	int i;

	if (!ix)
		return;
	for (i = 0; i < ix->count; i++) {
		free(ix->objs[i].funcs);
		btf__free(ix->objs[i].btf);
	}
	free(ix);
}

/* ---- the fentry/fexit slots' loading ---- */

/*
 * SEC("kmst_fentry") and SEC("kmst_fexit") programs are named
 * kmst_<kind>_<a>_<b> for function slot a*8+b (KMST_SLOT in commit.bpf.c),
 * KIND fentry, fexit or their rescues rentry and rexit.
 */
static int slot_of(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	int a, b;

	if (sscanf(name, "kmst_fentry_%d_%d", &a, &b) != 2 &&
	    sscanf(name, "kmst_fexit_%d_%d", &a, &b) != 2 &&
	    sscanf(name, "kmst_rentry_%d_%d", &a, &b) != 2 &&
	    sscanf(name, "kmst_rexit_%d_%d", &a, &b) != 2)
		return -1;
	return a * 8 + b;
}

static int prepare_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	const struct kmst_fentry_load *load = (const struct kmst_fentry_load *)cookie;
	int slot = slot_of(prog);

	if (slot < 0 || slot >= load->fn_count || !load->fns[slot].btf_type_id) {
		kmst_err("%s: no BTF target for this program slot", bpf_program__name(prog));
		return -EINVAL;
	}
	opts->attach_btf_id = load->fns[slot].btf_type_id;
	opts->attach_btf_obj_fd = load->btf_fds[slot] > 0 ? load->btf_fds[slot] : 0;
	return 0;
}

static int no_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	(void)prog, (void)opts, (void)cookie;
	return -EINVAL;
}

/*
 * libbpf 1.1's libbpf_unregister_prog_handler() frees its handler array
 * when the last handler goes (realloc to 0 bytes) but keeps the freed
 * pointer, so the next register writes to freed memory: a second tracer
 * in one process (the benchmark's rounds, a reload after an fentry attach
 * failure) corrupted the heap. A handler registered once and never
 * unregistered, for a section no object has, keeps the array alive.
 */
static void register_anchor_handler(void)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, anchor, .prog_prepare_load_fn = no_load);

	if (libbpf_register_prog_handler("kmst_never_used", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
					 &anchor) < 0)
		kmst_info("could not register libbpf's anchor program handler; a second tracer "
			  "in this process may corrupt memory (libbpf 1.1)");
}

int kmst_fentry_load_begin(struct kmst_fentry_load *load, const struct kmst_fn *fns, int fn_count)
{
	static pthread_once_t anchor_once = PTHREAD_ONCE_INIT;
	LIBBPF_OPTS(libbpf_prog_handler_opts, handler, .cookie = (long)load,
		    .prog_prepare_load_fn = prepare_load);
	int i, j, err;

	memset(load, 0, sizeof(*load));
	load->fns = fns;
	load->fn_count = fn_count;
	load->fentry_handler = load->fexit_handler = -1;
	/* One fd per module BTF object, shared by its functions' slots. */
	for (i = 0; i < fn_count; i++) {
		if (fns[i].mode != KMST_MODE_FENTRY || !fns[i].btf_obj_id)
			continue;
		for (j = 0; j < i; j++)
			if (load->btf_fds[j] > 0 && fns[j].btf_obj_id == fns[i].btf_obj_id)
				break;
		if (j < i) {
			load->btf_fds[i] = load->btf_fds[j];
			continue;
		}
		load->btf_fds[i] = bpf_btf_get_fd_by_id(fns[i].btf_obj_id);
		if (load->btf_fds[i] < 0) {
			err = -errno;
			kmst_err("failed to open the BTF of %s (module %s): %s", fns[i].name,
				 fns[i].module, strerror(errno));
			load->btf_fds[i] = 0;
			kmst_fentry_load_end(load);
			return err;
		}
	}
	pthread_once(&anchor_once, register_anchor_handler);
	load->fentry_handler = libbpf_register_prog_handler("kmst_fentry", BPF_PROG_TYPE_TRACING,
							     BPF_TRACE_FENTRY, &handler);
	load->fexit_handler = libbpf_register_prog_handler("kmst_fexit", BPF_PROG_TYPE_TRACING,
							    BPF_TRACE_FEXIT, &handler);
	if (load->fentry_handler < 0 || load->fexit_handler < 0) {
		err = load->fentry_handler < 0 ? load->fentry_handler : load->fexit_handler;
		kmst_err("failed to register the fentry program handlers: %s", strerror(-err));
		kmst_fentry_load_end(load);
		return err;
	}
	return 0;
}

void kmst_fentry_load_end(struct kmst_fentry_load *load)
{
	int i, j;

	if (load->fentry_handler >= 0)
		libbpf_unregister_prog_handler(load->fentry_handler);
	if (load->fexit_handler >= 0)
		libbpf_unregister_prog_handler(load->fexit_handler);
	load->fentry_handler = load->fexit_handler = -1;
	for (i = 0; i < load->fn_count; i++) {
		if (load->btf_fds[i] <= 0)
			continue;
		close(load->btf_fds[i]);
		/* Shared fds: forget every copy of the one just closed. */
		for (j = i + 1; j < load->fn_count; j++)
			if (load->btf_fds[j] == load->btf_fds[i])
				load->btf_fds[j] = 0;
		load->btf_fds[i] = 0;
	}
}
