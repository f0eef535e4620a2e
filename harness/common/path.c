// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/path.h"

/* mkdir that accepts an existing directory (and only a directory). FOR: the file it is for. */
static int make_one(const char *dir, const char *for_path)
{
	struct stat st;

	if (!mkdir(dir, 0777))
		return 0;
	if (errno == EEXIST && !stat(dir, &st) && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	if (for_path)
		kmst_err("%s: cannot create directory %s: %s", for_path, dir, strerror(errno));
	else
		kmst_err("%s: cannot create directory: %s", dir, strerror(errno));
	return -1;
}

static int mkdir_p(const char *dir, const char *for_path)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir), i;

	if (!len)
		return 0;
	if (len >= sizeof(buf)) {
		kmst_err("%s: path too long", dir);
		return -1;
	}
	memcpy(buf, dir, len + 1);
	/* Each prefix ending before a '/', then the whole path. */
	for (i = 1; i < len; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (make_one(buf, for_path))
			return -1;
		buf[i] = '/';
	}
	return make_one(buf, for_path);
}

int kmst_mkdir_p(const char *dir)
{
	return mkdir_p(dir, NULL);
}

int kmst_mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(buf)) {
		kmst_err("%s: path too long", path);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf, path);
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
