/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The histograms as a picture: per CRTC, the VBLANK interval histogram
 * and the flip latency CDF, drawn by gnuplot (Debian's gnuplot-nox) into
 * one PNG, with the nominal frame time marked.
 */
#ifndef KMSTRACE_PLOT_H
#define KMSTRACE_PLOT_H

#include "hist/hist.h"

/* Pixels of one CRTC's row (two panels side by side). */
#define KMST_PLOT_WIDTH 1200
#define KMST_PLOT_ROW_HEIGHT 400

/*
 * Draw SET (filled with keep_samples) into PNG_PATH, KMST_PLOT_WIDTH by
 * KMST_PLOT_ROW_HEIGHT times the CRTCs, its folder created if missing.
 * Returns 0, or -1 with one line printed (gnuplot not found, nothing to
 * draw, gnuplot failed).
 */
int kmst_hist_plot(const struct kmst_hist_set *set, const char *png_path);

/*
 * The same, SET_A and SET_B overlaid in two colours, with a legend of
 * LABEL_A and LABEL_B, for every CRTC both have: paired by card (each
 * set's minors ranked in ascending order) and CRTC index.
 */
int kmst_hist_plot_two(const struct kmst_hist_set *set_a, const char *label_a,
		       const struct kmst_hist_set *set_b, const char *label_b, const char *png_path);

#endif
