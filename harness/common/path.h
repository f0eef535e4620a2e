/* SPDX-License-Identifier: GPL-2.0 */
/* Output paths: every command that writes a file makes its folder first. */
#ifndef KMSTRACE_PATH_H
#define KMSTRACE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Create the folders above PATH that do not exist yet (like mkdir -p on
 * dirname PATH). Returns 0, or -1 with one line printed naming the folder.
 */
int kmst_make_parent_dirs(const char *path);
/* Create DIR and its missing parents (mkdir -p). 0, or -1 after one line naming the folder. */
int kmst_mkdir_p(const char *dir);
/* Whether PATH names a directory: it ends in '/' or is an existing directory. */
bool kmst_path_is_dir(const char *path);
/* DIR/NAME in BUF, one '/' between them. -1 after one line if it does not fit. */
int kmst_path_join(char *buf, size_t size, const char *dir, const char *name);

#endif
