// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz/input.h"

static int input_fds[KMST_FUZZ_FILES];
static FILE *fail_output;

/* Before main, so before libFuzzer's -close_fd_mask closes stderr. */
__attribute__((constructor)) static void keep_stderr(void)
{
	int fd = dup(2);

	fail_output = fd >= 0 ? fdopen(fd, "w") : NULL;
}

void kmst_fuzz_fail(const char *fmt, ...)
{
	FILE *out = fail_output ? fail_output : stderr;
	va_list ap;

	fputs("fuzz: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
	abort();
}
static char input_paths[KMST_FUZZ_FILES][64];

const char *kmst_fuzz_input_file(unsigned int file, const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (file >= KMST_FUZZ_FILES)
		kmst_fuzz_fail("no input file %u (there are %d)", file, KMST_FUZZ_FILES);
	if (!input_paths[file][0]) {
		input_fds[file] = memfd_create("kmstrace-fuzz-input", MFD_CLOEXEC);
		if (input_fds[file] < 0)
			kmst_fuzz_fail("memfd_create: %m");
		snprintf(input_paths[file], sizeof(input_paths[file]), "/proc/self/fd/%d", input_fds[file]);
	}
	if (ftruncate(input_fds[file], 0))
		kmst_fuzz_fail("ftruncate: %m");
	while (done < size) {
		ssize_t n = pwrite(input_fds[file], data + done, size - done, (off_t)done);

		if (n <= 0)
			kmst_fuzz_fail("pwrite: %m");
		done += (size_t)n;
	}
	return input_paths[file];
}

const char *kmst_fuzz_input_path(const uint8_t *data, size_t size)
{
	return kmst_fuzz_input_file(0, data, size);
}

FILE *kmst_fuzz_null_output(void)
{
	static FILE *null_output;

	if (!null_output) {
		null_output = fopen("/dev/null", "w");
		if (!null_output)
			kmst_fuzz_fail("/dev/null: %m");
	}
	return null_output;
}
