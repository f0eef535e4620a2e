/* SPDX-License-Identifier: GPL-2.0 */
/* Output paths: every command that writes a file makes its folder first. */
#ifndef KMSTRACE_PATH_H
#define KMSTRACE_PATH_H

/*
 * Create the folders above PATH that do not exist yet (like mkdir -p on
 * dirname PATH). Returns 0, or -1 with one line printed naming the folder.
 */
int kmst_make_parent_dirs(const char *path);

#endif
