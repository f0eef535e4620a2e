// SPDX-License-Identifier: GPL-2.0+
/* The one place the tvkms tracepoints are instantiated. */
#define CREATE_TRACE_POINTS
#include "tvkms_trace.h"
