/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first in every object of the out-of-tree sw_sync build (Kbuild):
 * what the 6.1 sources need from the kernel they are built for.
 */
#ifndef SW_SYNC_COMPAT_H
#define SW_SYNC_COMPAT_H

#include <linux/module.h>	/* sync_debug.c's late_initcall is module_init */
#include <linux/string.h>
#include <linux/version.h>

/* strlcpy() left the kernel in 6.8; strscpy() has been there since 4.3. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define strlcpy(dst, src, size) strscpy(dst, src, size)
#endif

/*
 * Since 6.10 __assign_str() takes only the field: the source is the one
 * given to __string(). ci/sw_sync-peer rewrites sync_trace.h's one call to
 * this macro.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define sw_sync_assign_str(field, src) __assign_str(field)
#else
#define sw_sync_assign_str(field, src) __assign_str(field, src)
#endif

#endif /* SW_SYNC_COMPAT_H */
