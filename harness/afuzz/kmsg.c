// SPDX-License-Identifier: GPL-2.0
/* Kernel splats while fuzzing: WARNING/BUG/Oops lines appended to /dev/kmsg. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "afuzz/afuzz.h"

static const char *const splat_marks[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault", "kernel BUG", "UBSAN:", "KASAN:",
	"list_add corruption", "list_del corruption", "refcount_t:", "Unable to handle",
};

void kmst_afuzz_kmsg_open(struct kmst_afuzz_kmsg *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* Only what the kernel says from now on. */
	if (k->fd >= 0 && lseek(k->fd, 0, SEEK_END) < 0) {
		close(k->fd);
		k->fd = -1;
	}
}

unsigned int kmst_afuzz_kmsg_poll(struct kmst_afuzz_kmsg *k)
{
	unsigned int found = 0, i;
	char rec[2048];
	ssize_t n;

	if (k->fd < 0)
		return 0;
	for (;;) {
		const char *text;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten before we read them */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "prio,seq,ts,flags;message\n" */
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		for (i = 0; i < sizeof(splat_marks) / sizeof(splat_marks[0]); i++)
			if (strstr(text, splat_marks[i])) {
				if (!k->splats && !found)
					snprintf(k->first, sizeof(k->first), "%.*s", (int)strcspn(text, "\n"),
						 text);
				found++;
				break;
			}
	}
	k->splats += found;
	return found;
}

void kmst_afuzz_kmsg_close(struct kmst_afuzz_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
