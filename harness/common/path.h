/* SPDX-License-Identifier: GPL-2.0 */
/* Output paths: the directories a command writes into are created as needed. */
#ifndef KMSTRACE_PATH_H
#define KMSTRACE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Create DIR and its missing parents (mkdir -p). 0, or -1 after one line naming the path. */
int kmst_mkdir_p(const char *dir);
/* Create the missing directories above the file PATH. 0, or -1 after one line. */
int kmst_mkdir_parents(const char *path);
/* Whether PATH names a directory: it ends in '/' or is an existing directory. */
bool kmst_path_is_dir(const char *path);
/* DIR/NAME in BUF, one '/' between them. -1 after one line if it does not fit. */
int kmst_path_join(char *buf, size_t size, const char *dir, const char *name);

#endif
