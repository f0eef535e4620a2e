// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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
	if (!slash || slash == dir)
		goto out; /* the current folder, or / */
	*slash = '\0';
	/* Each prefix in turn, skipping the leading '/' of an absolute path. */
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		err = make_dir(dir);
		*slash = '/';
		if (err)
			goto out;
	}
	err = make_dir(dir);
out:
	free(dir);
	return err;
}
