// SPDX-License-Identifier: GPL-2.0
/*
 * gnuplot runs as a child on a script written next to the PNG (a
 * temporary file, removed after), with the samples inline as datablocks,
 * so that nothing but the PNG is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/path.h"
#include "hist/plot.h"

#define HIST_BINS 60
#define MAX_CRTCS 64

/* One set's distributions on one CRTC; either may be NULL. */
struct plot_side {
	int minor;
	const struct kmst_hist_entry *vblank;
	const struct kmst_hist_entry *flip;
};

/* One row of panels: one CRTC of one set, or of each of two sets overlaid. */
struct plot_row {
	int crtc;
	int card; /* the set's cards ranked by minor, to pair two sets' CRTCs */
	struct plot_side side[2];
};

/* What is drawn: one set, or two overlaid with a legend naming them. */
struct plot_input {
	unsigned int sides;
	const char *label[2];
};

static const char *const side_colour[2] = { "#4060a0", "#d07020" };

/* gnuplot on PATH, in BUF; false if there is none. */
static bool find_gnuplot(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	const char *dir, *end;

	for (dir = path; dir && *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (end == dir)
			continue;
		if ((size_t)snprintf(buf, len, "%.*s/gnuplot", (int)(end - dir), dir) >= len)
			continue;
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* The rank of MINOR among the minors SET's plotted histograms name. */
static int card_rank(const struct kmst_hist_set *set, int minor)
{
	int below[256] = { 0 }, rank = 0, m;
	size_t i;

	for (i = 0; i < set->count; i++) {
		m = set->entries[i].key.minor;
		if (m >= 0 && m < minor && m < 256)
			below[m] = 1;
	}
	for (m = 0; m < 256; m++)
		rank += below[m];
	return rank;
}

static unsigned int collect_rows(const struct kmst_hist_set *set, struct plot_row *rows)
{
	unsigned int count = 0, r;
	size_t i;

	for (i = 0; i < set->count; i++) {
		const struct kmst_hist_entry *e = &set->entries[i];

		if (e->key.kind != KMST_HIST_VBLANK_INTERVAL && e->key.kind != KMST_HIST_FLIP_LATENCY)
			continue;
		if (!e->sample_count)
			continue;
		for (r = 0; r < count; r++)
			if (rows[r].side[0].minor == e->key.minor && rows[r].crtc == e->key.crtc)
				break;
		if (r == count) {
			if (count == MAX_CRTCS)
				continue;
			rows[count++] = (struct plot_row){
				.crtc = e->key.crtc,
				.card = card_rank(set, e->key.minor),
				.side[0].minor = e->key.minor,
			};
		}
		if (e->key.kind == KMST_HIST_VBLANK_INTERVAL)
			rows[r].side[0].vblank = e;
		else
			rows[r].side[0].flip = e;
	}
	return count;
}

/* A's rows that B has too (same card rank and CRTC), with B's side added. */
static unsigned int pair_rows(struct plot_row *rows, unsigned int count,
			      const struct plot_row *rows_b, unsigned int count_b)
{
	unsigned int kept = 0, r, q;

	for (r = 0; r < count; r++) {
		for (q = 0; q < count_b; q++)
			if (rows_b[q].card == rows[r].card && rows_b[q].crtc == rows[r].crtc)
				break;
		if (q == count_b)
			continue;
		rows[kept] = rows[r];
		rows[kept++].side[1] = rows_b[q].side[0];
	}
	return kept;
}

/* A path as a gnuplot single-quoted string: '' stands for '. */
static void print_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void print_datablock(FILE *f, const char *name, unsigned int row, unsigned int side,
			    const struct kmst_hist_entry *e)
{
	unsigned int i;

	fprintf(f, "$%s%u_%u << EOD\n", name, row, side);
	for (i = 0; e && i < e->sample_count; i++)
		fprintf(f, "%.6f\n", e->samples[i].ns / 1e6);
	fputs("EOD\n", f);
}

static double nominal_ms_of(unsigned long long nominal_ns)
{
	return nominal_ns / 1e6;
}

/* The nominal frame time as a dashed vertical line with its value. */
static void print_nominal(FILE *f, double nominal_ms)
{
	if (nominal_ms <= 0)
		return;
	fprintf(f, "set arrow 1 from %.6f, graph 0 to %.6f, graph 1 nohead dt 2 lw 2 lc rgb 'red' front\n"
		   "set label 1 'nominal frame %.3f ms' at %.6f, graph 0.93 right offset -0.5,0 tc rgb 'red' front\n",
		nominal_ms, nominal_ms, nominal_ms, nominal_ms);
}

static void print_empty(FILE *f, const char *what)
{
	fprintf(f, "set label 2 'no %s in this trace' at graph 0.5, graph 0.5 center\n"
		   "set xrange [0:1]\nset yrange [0:1]\nplot 2 notitle\nunset label 2\n"
		   "set autoscale x\nset autoscale y\n", what);
}

/* "card0 crtc1", or "crtc1 (A: card0, B: card1)" for two sets. */
static void print_title_crtc(FILE *f, const struct plot_row *r, const struct plot_input *in)
{
	if (in->sides == 1)
		fprintf(f, "set title 'card%d crtc%d: ", r->side[0].minor, r->crtc);
	else
		fprintf(f, "set title 'crtc%d (A card%d, B card%d): ", r->crtc, r->side[0].minor,
			r->side[1].minor);
}

/* " (12 intervals)", or " (A 12, B 14 intervals)". */
static void print_title_counts(FILE *f, unsigned int a, unsigned int b, const char *unit,
			       const struct plot_input *in)
{
	if (in->sides == 1)
		fprintf(f, " (%u %s)'\n", a, unit);
	else
		fprintf(f, " (A %u, B %u %s)'\n", a, b, unit);
}

/* The legend's entry for side S: the trace's file name, or none for one set. */
static void print_side_title(FILE *f, unsigned int s, const struct plot_input *in)
{
	if (in->sides == 1) {
		fputs(" notitle", f);
		return;
	}
	fprintf(f, " title ");
	print_quoted(f, in->label[s]);
}

static unsigned int count_of(const struct kmst_hist_entry *e)
{
	return e ? e->sample_count : 0;
}

static void print_vblank_panel(FILE *f, unsigned int row, const struct plot_row *r,
			       const struct plot_input *in)
{
	unsigned long long lo = ~0ull, hi = 0, nominal_ns = 0;
	bool any = false, first = true;
	double bin_ms;
	unsigned int i, s;

	print_title_crtc(f, r, in);
	fputs("VBLANK interval", f);
	print_title_counts(f, count_of(r->side[0].vblank), count_of(r->side[1].vblank),
			   "intervals", in);
	fputs("set xlabel 'interval between VBLANKs (ms)'\nset ylabel 'VBLANKs'\n", f);
	for (s = 0; s < in->sides; s++) {
		const struct kmst_hist_entry *e = r->side[s].vblank;

		if (!e)
			continue;
		any = true;
		for (i = 0; i < e->sample_count; i++) {
			if (e->samples[i].ns < lo)
				lo = e->samples[i].ns;
			if (e->samples[i].ns > hi)
				hi = e->samples[i].ns;
		}
		if (!nominal_ns)
			nominal_ns = e->hist.nominal_ns;
	}
	if (!any) {
		print_empty(f, "VBLANK");
		return;
	}
	if (nominal_ns && nominal_ns > hi)
		hi = nominal_ns;
	if (nominal_ns && nominal_ns < lo)
		lo = nominal_ns;
	/* One bin width for both sets, so that their bars compare. */
	bin_ms = (hi - lo) / 1e6 / HIST_BINS;
	if (bin_ms < 0.001)
		bin_ms = 0.001;
	print_nominal(f, nominal_ms_of(nominal_ns));
	fprintf(f, "bin = %.6f\nset boxwidth bin\nset style fill %s\nset yrange [0:*]\nplot",
		bin_ms, in->sides == 1 ? "solid 0.6" : "transparent solid 0.4");
	for (s = 0; s < in->sides; s++) {
		if (!r->side[s].vblank)
			continue;
		fprintf(f, "%s $vblank%u_%u using (bin * floor($1 / bin) + bin / 2):(1) smooth frequency "
			   "with boxes lc rgb '%s'", first ? "" : ",", row, s, side_colour[s]);
		print_side_title(f, s, in);
		first = false;
	}
	fputs("\nunset arrow 1\nunset label 1\nset autoscale y\n", f);
}

static void print_flip_panel(FILE *f, unsigned int row, const struct plot_row *r,
			     const struct plot_input *in)
{
	unsigned long long nominal_ns = 0;
	double nominal_ms, right_ms = 0;
	bool any = false, first = true;
	unsigned int s;

	print_title_crtc(f, r, in);
	fputs("flip latency, atomic ioctl to event delivered", f);
	print_title_counts(f, count_of(r->side[0].flip), count_of(r->side[1].flip), "flips", in);
	fputs("set xlabel 'latency (ms)'\nset ylabel 'fraction of flips'\n", f);
	for (s = 0; s < in->sides; s++) {
		const struct kmst_hist_entry *e = r->side[s].flip;

		if (!nominal_ns && r->side[s].vblank)
			nominal_ns = r->side[s].vblank->hist.nominal_ns;
		if (!e)
			continue;
		any = true;
		if (e->hist.max_ns / 1e6 > right_ms)
			right_ms = e->hist.max_ns / 1e6;
	}
	if (!any) {
		print_empty(f, "flip events");
		return;
	}
	nominal_ms = nominal_ms_of(nominal_ns);
	/* Wide enough to show the nominal frame time beside the latencies. */
	if (nominal_ms > right_ms)
		right_ms = nominal_ms;
	print_nominal(f, nominal_ms);
	fprintf(f, "set yrange [0:1.05]\nset xrange [0:%.6f]\nplot", right_ms * 1.05);
	for (s = 0; s < in->sides; s++) {
		if (!r->side[s].flip)
			continue;
		fprintf(f, "%s $flip%u_%u using 1:(1) smooth cnormal with steps lw 2 lc rgb '%s'",
			first ? "" : ",", row, s, in->sides == 1 ? "#208040" : side_colour[s]);
		print_side_title(f, s, in);
		first = false;
	}
	fputs("\nunset arrow 1\nunset label 1\nset autoscale x\nset autoscale y\n", f);
}

static int write_script(FILE *f, const char *png_path, const struct plot_row *rows,
			unsigned int count, const struct plot_input *in)
{
	unsigned int r, s;

	for (r = 0; r < count; r++) {
		for (s = 0; s < in->sides; s++) {
			print_datablock(f, "vblank", r, s, rows[r].side[s].vblank);
			print_datablock(f, "flip", r, s, rows[r].side[s].flip);
		}
	}
	fprintf(f, "set terminal pngcairo size %d,%u font ',10'\nset output ", KMST_PLOT_WIDTH,
		KMST_PLOT_ROW_HEIGHT * count);
	print_quoted(f, png_path);
	fprintf(f, "\nset grid\nset key %s\nset multiplot layout %u,2\n",
		in->sides == 1 ? "off" : "top left opaque noenhanced", count);
	for (r = 0; r < count; r++) {
		print_vblank_panel(f, r, &rows[r], in);
		print_flip_panel(f, r, &rows[r], in);
	}
	fputs("unset multiplot\nset output\n", f);
	return ferror(f) ? -1 : 0;
}

static int run_gnuplot(const char *gnuplot, const char *script, const char *png_path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		kmst_err("failed to start gnuplot: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		kmst_err("failed to wait for gnuplot: %s", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		kmst_err("%s: gnuplot failed (%s %d)", png_path, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

static bool plot_check(const char *png_path, char *gnuplot, size_t len)
{
	if (!find_gnuplot(gnuplot, len)) {
		kmst_err("--plot needs gnuplot (Debian package gnuplot-nox): not found");
		return false;
	}
	if (strchr(png_path, '\n')) {
		kmst_err("--plot: a file name with a newline cannot be handed to gnuplot");
		return false;
	}
	return true;
}

static int plot_rows(const char *gnuplot, const struct plot_row *rows, unsigned int count,
		     const struct plot_input *in, const char *png_path)
{
	char *script = NULL;
	int fd, err = -1;
	FILE *f;

	if (kmst_make_parent_dirs(png_path))
		return -1;
	if (asprintf(&script, "%s.gp.XXXXXX", png_path) < 0) {
		kmst_err("%s: out of memory", png_path);
		return -1;
	}
	fd = mkstemp(script);
	if (fd < 0) {
		kmst_err("%s: cannot create the gnuplot script: %s", script, strerror(errno));
		goto out_free;
	}
	f = fdopen(fd, "w");
	if (!f) {
		kmst_err("%s: cannot write the gnuplot script: %s", script, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	if (write_script(f, png_path, rows, count, in) | fclose(f)) {
		kmst_err("%s: cannot write the gnuplot script: %s", script, strerror(errno));
		goto out_unlink;
	}
	err = run_gnuplot(gnuplot, script, png_path);
out_unlink:
	unlink(script);
out_free:
	free(script);
	return err;
}

int kmst_hist_plot(const struct kmst_hist_set *set, const char *png_path)
{
	static const struct plot_input one = { .sides = 1 };
	struct plot_row rows[MAX_CRTCS];
	char gnuplot[4096];
	unsigned int count;

	if (!plot_check(png_path, gnuplot, sizeof(gnuplot)))
		return -1;
	count = collect_rows(set, rows);
	if (!count) {
		kmst_err("%s: no VBLANK interval or flip latency to plot", png_path);
		return -1;
	}
	return plot_rows(gnuplot, rows, count, &one, png_path);
}

int kmst_hist_plot_two(const struct kmst_hist_set *set_a, const char *label_a,
		       const struct kmst_hist_set *set_b, const char *label_b, const char *png_path)
{
	const struct plot_input two = { .sides = 2, .label = { label_a, label_b } };
	struct plot_row rows[MAX_CRTCS], rows_b[MAX_CRTCS];
	char gnuplot[4096];
	unsigned int count;

	if (!plot_check(png_path, gnuplot, sizeof(gnuplot)))
		return -1;
	count = pair_rows(rows, collect_rows(set_a, rows), rows_b, collect_rows(set_b, rows_b));
	if (!count) {
		kmst_err("%s: no CRTC has a VBLANK interval or flip latency in both traces", png_path);
		return -1;
	}
	return plot_rows(gnuplot, rows, count, &two, png_path);
}
