// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * composer_time.bpf.c - how long each run of one driver's composer work
 * function takes: fentry stamps the entry per thread, fexit sends one
 * struct composer_time_record. The function is chosen by the loader before
 * load (bpf_program__set_attach_target), so the same two programs time
 * tvkms_composer_work and upstream vkms's vkms_composer_worker alike.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define __KMST_BPF__
#include "composer_time.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Entry time per thread: a work function runs start to end in one kworker. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} entry_ns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps");

/* Records the ring buffer had no room for: the loader reports them. */
__u64 lost_records;

/* The target is a placeholder: the loader sets the real one before load. */
SEC("fentry/composer_work")
int BPF_PROG(composer_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&entry_ns, &tid, &now, BPF_ANY);
	return 0;
}

SEC("fexit/composer_work")
int BPF_PROG(composer_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns(), *start;
	struct composer_time_record *rec;

	start = bpf_map_lookup_elem(&entry_ns, &tid);
	if (!start)
		return 0;
	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&lost_records, 1);
	} else {
		rec->version = COMPOSER_TIME_VERSION;
		rec->cpu = bpf_get_smp_processor_id();
		rec->start_ns = *start;
		rec->duration_ns = now - *start;
		bpf_ringbuf_submit(rec, 0);
	}
	bpf_map_delete_elem(&entry_ns, &tid);
	return 0;
}
