// SPDX-License-Identifier: GPL-2.0
/*
 * The privileges the tracer needs, checked before anything is loaded, so a
 * user without them reads one line naming what is missing instead of a
 * libbpf EPERM. Loading tracing programs, fentry/kprobe attachment and BPF
 * maps need CAP_BPF and CAP_PERFMON (Linux 5.8 and later), or CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/log.h"
#include "tracer/tracer_internal.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

int kmst_tracer_check_caps(void)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	char missing[64] = "";

	if (syscall(SYS_capget, &head, data)) {
		int err = errno;

		kmst_err("failed to read this process's capabilities: %s", strerror(err));
		return -err;
	}
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	snprintf(missing, sizeof(missing), "%s%s%s", has_cap(data, CAP_BPF) ? "" : "CAP_BPF",
		 has_cap(data, CAP_BPF) || has_cap(data, CAP_PERFMON) ? "" : " and ",
		 has_cap(data, CAP_PERFMON) ? "" : "CAP_PERFMON");
	kmst_err("tracing needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load its BPF programs; this process lacks %s: run kmstrace as root",
		 missing);
	return -EPERM;
}
