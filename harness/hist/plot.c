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

struct plot_row {
	int minor, crtc;
	const struct kmst_hist_entry *vblank; /* may be NULL */
	const struct kmst_hist_entry *flip;   /* may be NULL */
};

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
			if (rows[r].minor == e->key.minor && rows[r].crtc == e->key.crtc)
				break;
		if (r == count) {
			if (count == MAX_CRTCS)
				continue;
			rows[count++] = (struct plot_row){ .minor = e->key.minor, .crtc = e->key.crtc };
		}
		if (e->key.kind == KMST_HIST_VBLANK_INTERVAL)
			rows[r].vblank = e;
		else
			rows[r].flip = e;
	}
	return count;
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

static void print_datablock(FILE *f, const char *name, unsigned int row,
			    const struct kmst_hist_entry *e)
{
	unsigned int i;

	fprintf(f, "$%s%u << EOD\n", name, row);
	for (i = 0; e && i < e->sample_count; i++)
		fprintf(f, "%.6f\n", e->samples[i].ns / 1e6);
	fputs("EOD\n", f);
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

static void print_vblank_panel(FILE *f, unsigned int row, const struct plot_row *r)
{
	const struct kmst_hist_entry *e = r->vblank;
	unsigned long long lo = ~0ull, hi = 0;
	double bin_ms;
	unsigned int i;

	fprintf(f, "set title 'card%d crtc%d: VBLANK interval (%u intervals)'\n"
		   "set xlabel 'interval between VBLANKs (ms)'\nset ylabel 'VBLANKs'\n",
		r->minor, r->crtc, e ? e->sample_count : 0);
	if (!e) {
		print_empty(f, "VBLANK");
		return;
	}
	for (i = 0; i < e->sample_count; i++) {
		if (e->samples[i].ns < lo)
			lo = e->samples[i].ns;
		if (e->samples[i].ns > hi)
			hi = e->samples[i].ns;
	}
	if (e->hist.nominal_ns && e->hist.nominal_ns > hi)
		hi = e->hist.nominal_ns;
	if (e->hist.nominal_ns && e->hist.nominal_ns < lo)
		lo = e->hist.nominal_ns;
	bin_ms = (hi - lo) / 1e6 / HIST_BINS;
	if (bin_ms < 0.001)
		bin_ms = 0.001;
	print_nominal(f, e->hist.nominal_ns / 1e6);
	fprintf(f, "bin = %.6f\nset boxwidth bin\nset style fill solid 0.6\nset yrange [0:*]\n"
		   "plot $vblank%u using (bin * floor($1 / bin) + bin / 2):(1) smooth frequency "
		   "with boxes lc rgb '#4060a0' notitle\n"
		   "unset arrow 1\nunset label 1\nset autoscale y\n", bin_ms, row);
}

static void print_flip_panel(FILE *f, unsigned int row, const struct plot_row *r)
{
	const struct kmst_hist_entry *e = r->flip;
	double nominal_ms = r->vblank ? r->vblank->hist.nominal_ns / 1e6 : 0;
	double right_ms;

	fprintf(f, "set title 'card%d crtc%d: flip latency, atomic ioctl to event delivered (%u flips)'\n"
		   "set xlabel 'latency (ms)'\nset ylabel 'fraction of flips'\n",
		r->minor, r->crtc, e ? e->sample_count : 0);
	if (!e) {
		print_empty(f, "flip events");
		return;
	}
	/* Wide enough to show the nominal frame time beside the latencies. */
	right_ms = e->hist.max_ns / 1e6 > nominal_ms ? e->hist.max_ns / 1e6 : nominal_ms;
	print_nominal(f, nominal_ms);
	fprintf(f, "set yrange [0:1.05]\nset xrange [0:%.6f]\n", right_ms * 1.05);
	fprintf(f,
		   "plot $flip%u using 1:(1) smooth cnormal with steps lw 2 lc rgb '#208040' notitle\n"
		   "unset arrow 1\nunset label 1\nset autoscale x\nset autoscale y\n", row);
}

static int write_script(FILE *f, const char *png_path, const struct plot_row *rows,
			unsigned int count)
{
	unsigned int r;

	for (r = 0; r < count; r++) {
		print_datablock(f, "vblank", r, rows[r].vblank);
		print_datablock(f, "flip", r, rows[r].flip);
	}
	fprintf(f, "set terminal pngcairo size %d,%u font ',10'\nset output ", KMST_PLOT_WIDTH,
		KMST_PLOT_ROW_HEIGHT * count);
	print_quoted(f, png_path);
	fprintf(f, "\nset grid\nset key off\nset multiplot layout %u,2\n", count);
	for (r = 0; r < count; r++) {
		print_vblank_panel(f, r, &rows[r]);
		print_flip_panel(f, r, &rows[r]);
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

int kmst_hist_plot(const struct kmst_hist_set *set, const char *png_path)
{
	struct plot_row rows[MAX_CRTCS];
	char gnuplot[4096], *script = NULL;
	unsigned int count;
	int fd, err = -1;
	FILE *f;

	if (!find_gnuplot(gnuplot, sizeof(gnuplot))) {
		kmst_err("--plot needs gnuplot (Debian package gnuplot-nox): not found");
		return -1;
	}
	if (strchr(png_path, '\n')) {
		kmst_err("--plot: a file name with a newline cannot be handed to gnuplot");
		return -1;
	}
	count = collect_rows(set, rows);
	if (!count) {
		kmst_err("%s: no VBLANK interval or flip latency to plot", png_path);
		return -1;
	}
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
	if (write_script(f, png_path, rows, count) | fclose(f)) {
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
