/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * filter.bpf.h - which tasks and devices a trace covers (part of
 * commit.bpf.c): the loader's filters, and the DRM minor of a device.
 */
#ifndef KMST_FILTER_BPF_H
#define KMST_FILTER_BPF_H

/* Set by the loader through the skeleton before load. */
const volatile __u32 filter_tgid;
const volatile char filter_comm[16];
const volatile __s32 filter_minor = -1;

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline bool task_selected(void)
{
	char comm[16];
	int i;

	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return false;
	if (!filter_comm[0])
		return true;
	if (bpf_get_current_comm(comm, sizeof(comm)))
		return false;
	for (i = 0; i < 16; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool minor_selected(__s32 minor)
{
	return filter_minor < 0 || minor < 0 || minor == filter_minor;
}

static __always_inline __s32 minor_of(struct drm_device *dev)
{
	struct drm_minor *primary;

	if (!dev)
		return -1;
	primary = BPF_CORE_READ(dev, primary);
	if (!primary)
		return -1;
	return BPF_CORE_READ(primary, index);
}

#endif /* KMST_FILTER_BPF_H */
