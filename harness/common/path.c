// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/path.h"

/* mkdir DIR unless it is there already as a folder. */
static int make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	kmst_err("%s: cannot create folder: %s", dir, strerror(errno));
	return -1;
}

/* DIR (which this may write to) and every folder above it. */
static int make_dirs(char *dir)
{
	char *slash;
	int err;

	if (!*dir)
		return 0;
	/* Each prefix in turn, skipping the leading '/' of an absolute path. */
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		if (slash[-1] == '/')
			continue; /* "a//b" */
		*slash = '\0';
		err = make_dir(dir);
		*slash = '/';
		if (err)
			return err;
	}
	return make_dir(dir);
}

int kmst_make_parent_dirs(const char *path)
{
	char *dir = strdup(path);
	char *slash;
	int err = 0;

	if (!dir) {
		kmst_err("%s: out of memory", path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0'; /* else the current folder, or / */
		err = make_dirs(dir);
	}
	free(dir);
	return err;
}

int kmst_mkdir_p(const char *dir)
{
	char *copy = strdup(dir);
	size_t len;
	int err;

	if (!copy) {
		kmst_err("%s: out of memory", dir);
		return -1;
	}
	/* "out/" is the folder "out". */
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	err = make_dirs(copy);
	free(copy);
	return err;
}

bool kmst_path_is_dir(const char *path)
{
	size_t len = strlen(path);
	struct stat st;

	if (len && path[len - 1] == '/')
		return true;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int kmst_path_join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t len = strlen(dir);
	int n;

	/* One '/' between them, whether DIR ends in one or not. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	n = snprintf(buf, size, "%.*s/%s", (int)len, dir, name);
	if (n < 0 || (size_t)n >= size) {
		kmst_err("%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}
