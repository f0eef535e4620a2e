/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz targets' one way to hand bytes to code that reads a file by
 * path (the trace reader, the sequence parser): the bytes go into a
 * memfd of the process, named by its /proc/self/fd path, so no file is
 * written to disk and the production readers stay as they are. A target
 * that reads two files (diff's A and B) uses two memfds.
 */
#ifndef KMSTRACE_FUZZ_INPUT_H
#define KMSTRACE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Replace the memfd's contents with DATA and return its path (valid until
 * the next call). Aborts if the memfd cannot be written: that is the
 * machine failing, not the input.
 */
const char *kmst_fuzz_input_path(const uint8_t *data, size_t size);

#define KMST_FUZZ_FILES 2 /* memfds a target can hold at once */

/* The same for memfd FILE (0 is kmst_fuzz_input_path's), below KMST_FUZZ_FILES. */
const char *kmst_fuzz_input_file(unsigned int file, const uint8_t *data, size_t size);

/*
 * A broken promise that is not a crash (a sequence that does not parse
 * back): print the message where the sanitizers' reports go, and abort so
 * libFuzzer keeps the input. make fuzz closes the targets' stderr (every
 * rejected input prints a line); this stream is the original one.
 */
void kmst_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A stream that discards what is written to it (the reports), opened once. */
FILE *kmst_fuzz_null_output(void);

#endif
