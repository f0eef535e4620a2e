/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace as a timeline in the Chrome JSON trace format, which
 * ui.perfetto.dev and chrome://tracing open: per CRTC, the commits with
 * their stages nested, the flip events, the VBLANKs and the checker's
 * violations, and arrows from each atomic ioctl to its commit's tail and
 * to its event's delivery.
 */
#ifndef KMSTRACE_PERFETTO_H
#define KMSTRACE_PERFETTO_H

#include "check/check.h"

/*
 * Read TRACE, check it with OPTS, and write the timeline to OUT_PATH
 * (its folder created if missing). Returns an exit code (common/exit.h):
 * OK once written, whatever the verdict; BAD_INPUT, with one line
 * printed, for an unreadable trace or an output that cannot be written.
 */
int kmst_export_perfetto(const char *trace, const char *out_path, const struct kmst_check_opts *opts);

#endif
