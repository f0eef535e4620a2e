// SPDX-License-Identifier: GPL-2.0
/*
 * Module glue for the out-of-tree sw_sync build (see Kbuild). The driver
 * code itself is the kernel's: sync_debug.c's late_initcall becomes the
 * module's init, and there is no exit, so the module stays loaded once
 * inserted (its debugfs files are never removed, as in the built-in
 * driver).
 */
#include <linux/sync_file.h>

/*
 * sync_debug.c names the sync_files on its debugfs list with
 * sync_file_get_name(), which the kernel does not export. Nothing adds to
 * that list (sync_file_debug_add() has no caller), so this stand-in only
 * has to link; it names the file by its address.
 */
char *sync_file_get_name(struct sync_file *sync_file, char *buf, int len)
{
	snprintf(buf, len, "sync_file-%p", sync_file);
	return buf;
}

MODULE_DESCRIPTION("sw_sync: user-space controlled fence timelines, for IGT's fence tests");
MODULE_LICENSE("GPL");
