// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace replay FILE.seq... [--device /dev/dri/cardN | --driver NAME] [-o TRACE|DIR]
 *                 [--no-check] [--no-trace] [--stall-timeout SEC] [check options] [-j]
 *
 * Replays each sequence with the tracers attached (one session for all;
 * --before-each CMD runs CMD with KMSTRACE_SEQ=FILE.seq before each one),
 * writes one trace per sequence (with one REPLAY_COMMIT record per
 * commit; -o names a directory when there are several, or when it ends
 * in '/' or is one; missing directories are created), then checks it.
 *
 * The commits are issued by a child process (replay_child.h); this one
 * keeps the tracer and the stall watchdog. A commit that stalls ends the
 * whole replay: the child is killed and left behind, the trace so far is
 * finished and checked, and the checker's verdict is the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "check/check_file.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/progress.h"
#include "replay/replay.h"
#include "replay/replay_child.h"
#include "seq/seq.h"
#include "trace/replay_record.h"
#include "trace/tracefile.h"
#include "tracer/tracer.h"
#include "tracer/watchdog.h"
#include "tracer/window.h"

#define MATCH_SLOTS 32
#define POLL_MS 100

/* What the tracer's record callback and the commit callback share. */
struct replay_trace {
	struct kmst_tracer *tracer;
	struct kmst_watchdog *watchdog; /* NULL: --stall-timeout 0 */
	struct kmst_writer writer;
	uint32_t tid;			/* the replaying thread: the child's */
	int minor;
	bool in_ioctl;
	bool ioctl_has_commit;		/* the ATOMIC_IOCTL enter named its commit */
	uint64_t ioctl_user_data;
	/* recent (user_data -> commit id) pairs seen in ATOMIC_IOCTL events */
	uint64_t match_user_data[MATCH_SLOTS];
	uint32_t match_commit[MATCH_SLOTS];
	unsigned int match_next;
	struct kmst_tracer_window window; /* the tracer's losses when this trace began */
	const char *seq_path;		/* the sequence being replayed */
	bool sync_timed_out;		/* said once per sequence: an ioctl's exit never came */
	int err;
};

static void remember(struct replay_trace *rt, uint64_t user_data, uint32_t commit)
{
	unsigned int i;

	for (i = 0; i < MATCH_SLOTS; i++)
		if (rt->match_user_data[i] == user_data && rt->match_commit[i] == commit)
			return;
	rt->match_user_data[rt->match_next] = user_data;
	rt->match_commit[rt->match_next] = commit;
	rt->match_next = (rt->match_next + 1) % MATCH_SLOTS;
}

/* Sees every traced record before it is written: ties our ioctls to commit ids. */
static int on_record(void *ctx, const struct kmst_event *ev)
{
	struct replay_trace *rt = ctx;

	if (ev->tid != rt->tid)
		return 0;
	if (ev->type == KMST_EV_ATOMIC_IOCTL) {
		rt->in_ioctl = ev->phase == KMST_PH_ENTER;
		rt->ioctl_user_data = ev->arg0;
		rt->ioctl_has_commit = ev->commit_id != 0;
		if (ev->commit_id)
			remember(rt, ev->arg0, ev->commit_id);
	} else if (rt->in_ioctl && !rt->ioctl_has_commit && ev->commit_id &&
		   kmst_event_class(ev->type) == KMST_CLASS_COMMIT) {
		/*
		 * Only when the ioctl's own records name no commit: a record
		 * inside the ioctl may be about another commit (an event of an
		 * earlier flip delivered meanwhile).
		 */
		remember(rt, rt->ioctl_user_data, ev->commit_id);
	}
	return 0;
}

static uint32_t matched_commit(struct replay_trace *rt, uint64_t user_data)
{
	unsigned int i, slot;

	/* The newest pair for this line: repeat blocks reuse lines. */
	for (i = 1; i <= MATCH_SLOTS; i++) {
		slot = (rt->match_next + MATCH_SLOTS - i) % MATCH_SLOTS;
		if (rt->match_commit[slot] && rt->match_user_data[slot] == user_data) {
			uint32_t commit = rt->match_commit[slot];

			rt->match_commit[slot] = 0;
			return commit;
		}
	}
	return 0;
}

static void on_commit(void *ctx, const struct kmst_replay_commit *rc)
{
	struct replay_trace *rt = ctx;
	struct kmst_event ev;
	int err;

	if (rt->err)
		return;
	/*
	 * Pull the ioctl's own records first, so its commit id is known and
	 * they precede this record in the trace (the checker reads in file order).
	 */
	err = kmst_tracer_sync_ioctl(rt->tracer, &rt->writer, rt->tid, rc->line, KMST_TRACER_SYNC_MS);
	if (err < 0) {
		rt->err = err;
		return;
	}
	if (!err && !rt->sync_timed_out) {
		rt->sync_timed_out = true;
		kmst_info("%s:%u: the atomic ioctl's exit record did not arrive within %d ms (lost or filtered out): its REPLAY_COMMIT may name no commit",
			  rt->seq_path, rc->line, KMST_TRACER_SYNC_MS);
	}
	kmst_replay_record(&ev, &(struct kmst_replay_result){
		.drm_flags = rc->flags, .expected = rc->expected, .got = rc->got,
		.line = rc->line, .ordinal = rc->ordinal,
		.commit_id = matched_commit(rt, rc->line), .tid = rt->tid, .minor = rt->minor });
	if (kmst_writer_append(&rt->writer, &ev))
		rt->err = -EIO;
}

struct replay_args {
	char **seq_paths;
	int seq_count;
	struct kmst_shared_opts so;	/* -o, --device, --stall-timeout, check options, -j */
	bool out_dir;			/* -o names a directory: one trace per sequence in it */
	const char *before_each;	/* shell command run before each sequence */
	struct kmst_replay_opts replay;
	enum kmst_report_format format;
	bool no_check, no_trace;
	unsigned int ringbuf_size;	/* --ringbuf-size; 0: the tracer's default */
};

enum {
	OPT_DRIVER = KMST_OPT_COMMAND_BASE,
	OPT_NO_CHECK,
	OPT_NO_TRACE,
	OPT_BEFORE_EACH,
	OPT_RINGBUF_SIZE,
};

static int parse_args(int argc, char **argv, const struct kmst_global_opts *gopts,
		      struct replay_args *a)
{
	static const struct option long_opts[] = {
		KMST_LONG_DEVICE,
		{ "driver", required_argument, NULL, OPT_DRIVER },
		KMST_LONG_OUTPUT,
		{ "no-check", no_argument, NULL, OPT_NO_CHECK },
		{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
		{ "before-each", required_argument, NULL, OPT_BEFORE_EACH },
		{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE },
		KMST_LONG_LEVEL,
		KMST_LONG_CHECK,
		KMST_LONG_FORMAT,
		KMST_LONG_STALL_TIMEOUT,
		KMST_LONG_JSON,
		{ 0 },
	};
	struct kmst_shared_opts *so = &a->so;
	int opt;

	kmst_shared_opts_init(so, gopts);
	while ((opt = getopt_long(argc, argv, ":d:o:s:jf:" KMST_SHORT_CHECK, long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_DRIVER:
			a->replay.driver = optarg;
			break;
		case OPT_NO_CHECK:
			a->no_check = true;
			break;
		case OPT_NO_TRACE:
			a->no_trace = true;
			break;
		case OPT_BEFORE_EACH:
			a->before_each = optarg;
			break;
		case OPT_RINGBUF_SIZE:
			if (!kmst_opt_uint("--ringbuf-size", optarg, 1u << 30, &a->ringbuf_size))
				return -1;
			break;
		default:
			if (!kmst_opt_shared(so, "replay", opt, optarg, argv))
				return -1;
		}
	}
	if (optind >= argc) {
		kmst_opt_usage_error("replay", "expected at least one FILE.seq");
		return -1;
	}
	a->seq_paths = argv + optind;
	a->seq_count = argc - optind;
	a->replay.device = so->device;
	a->format = kmst_opt_report_format(so);
	if (so->output && !a->no_trace) {
		a->out_dir = a->seq_count > 1 || kmst_path_is_dir(so->output);
		if (a->out_dir ? kmst_mkdir_p(so->output) : kmst_make_parent_dirs(so->output))
			return -1;
	}
	return 0;
}

static int open_tracer(struct replay_trace *rt, int minor, unsigned int ringbuf_size,
		       enum kmst_trace_level level)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;

	opts.level = level;
	opts.minor = minor;
	opts.ringbuf_size = ringbuf_size;
	opts.on_event = on_record;
	opts.on_event_ctx = rt;
	opts.watchdog = rt->watchdog;
	rt->minor = minor;
	rt->tracer = kmst_tracer_open(&opts);
	if (!rt->tracer || kmst_tracer_attach(rt->tracer))
		return -1;
	return 0;
}

static int start_trace(struct replay_trace *rt, const char *seq_path, const char *trace_path,
		       const struct kmst_replay_stats *stats)
{
	char *meta = NULL;
	int err;

	/* Records from before this sequence belong to no trace. */
	if (kmst_tracer_drain(rt->tracer, NULL) < 0)
		return -1;
	if (kmst_tracer_window_open(rt->tracer, &rt->window))
		return -1;
	/* The watchdog judges this sequence's commits by this sequence's losses. */
	if (rt->watchdog)
		kmst_watchdog_sync_losses(rt->watchdog);
	memset(rt->match_commit, 0, sizeof(rt->match_commit));
	rt->seq_path = seq_path;
	rt->sync_timed_out = false;
	rt->err = 0;
	/* Commits that began before the drain are cut: the checker does not judge them. */
	if (asprintf(&meta, "%stool=replay\nseq=%s\nreplay_device=%s\ncommit_base=%u\n",
		     kmst_tracer_meta(rt->tracer), seq_path, stats->device,
		     kmst_tracer_commit_base(rt->tracer)) < 0)
		return -1;
	err = kmst_writer_open(&rt->writer, trace_path, meta);
	free(meta);
	return err;
}

static int finish_trace(struct replay_trace *rt)
{
	return kmst_tracer_window_close(rt->tracer, &rt->writer, &rt->window);
}

enum { REPLAY_DONE = 0, REPLAY_STALLED = 1 };

/* The watchdog's turn (it checks the time at most every KMST_WATCHDOG_CHECK_MS). */
static int watch(struct replay_trace *rt)
{
	int stalls;

	if (!rt->watchdog)
		return REPLAY_DONE;
	stalls = kmst_watchdog_poll(rt->watchdog, &rt->writer);
	if (stalls < 0)
		return stalls;
	return stalls ? REPLAY_STALLED : REPLAY_DONE;
}

/*
 * Serve the child until its replay ends: tie each commit it reports to the
 * records of its ioctl, drain the ring buffer, run the watchdog. Returns
 * REPLAY_DONE with *STATS filled, REPLAY_STALLED, or a negative errno.
 */
static int serve_child(const struct replay_args *a, struct replay_trace *rt,
		       struct kmst_replay_child *child, struct kmst_replay_stats *stats)
{
	struct pollfd pfds[3] = {
		{ .fd = kmst_replay_child_fd(child), .events = POLLIN },
		{ .fd = a->no_trace ? -1 : kmst_tracer_fd(rt->tracer), .events = POLLIN },
		{ .events = POLLIN },
	};
	struct kmst_replay_report report;
	int ready, err;

	for (;;) {
		pfds[2].fd = kmst_replay_child_log_fd(child);
		ready = poll(pfds, 3, POLL_MS);
		if (ready < 0 && errno != EINTR) {
			err = -errno;
			kmst_err("replay child %d: failed to wait for its reports: %s",
				 kmst_replay_child_pid(child), strerror(-err));
			return err;
		}
		if (ready > 0 && pfds[2].revents)
			kmst_replay_child_relay_log(child);
		if (ready > 0 && pfds[0].revents) {
			err = kmst_replay_child_read(child, &report);
			if (err)
				return err;
			if (report.kind == KMST_REPLAY_REPORT_DONE) {
				*stats = report.stats;
				return report.err;
			}
			on_commit(rt, &report.commit);
			if (rt->err)
				return rt->err;
			err = kmst_replay_child_ack(child);
			if (err)
				return err;
		} else if (!a->no_trace) {
			err = kmst_tracer_drain(rt->tracer, &rt->writer);
			if (err < 0)
				return err;
		}
		err = watch(rt);
		if (err)
			return err;
	}
}

/*
 * The replay's last commits may still be in flight (nonblocking tails):
 * follow them until none owes a completion, or one stalls.
 */
static int wait_in_flight(struct replay_trace *rt)
{
	int n, err;

	while (rt->watchdog && kmst_watchdog_busy(rt->watchdog)) {
		n = kmst_tracer_poll(rt->tracer, &rt->writer, 10);
		if (n < 0 && n != -EINTR)
			return n;
		err = watch(rt);
		if (err)
			return err;
	}
	return REPLAY_DONE;
}

/* How long the child may take to close the device once its trace is finished. */
static int child_finish_ms(const struct replay_trace *rt)
{
	uint64_t bound_ns = rt->watchdog ? kmst_watchdog_bound_ns(rt->watchdog) :
					   KMST_WATCHDOG_DEFAULT_S * 1000000000ull;

	return (int)(bound_ns / 1000000);
}

/*
 * Run R in a child and write its trace. Returns REPLAY_DONE with *STATS the
 * child's, REPLAY_STALLED with the trace finished (its STALL records in it)
 * and the child left behind, or a negative errno with the trace aborted.
 */
static int run_in_child(const struct replay_args *a, struct replay_trace *rt,
			struct kmst_replay *r, struct kmst_replay_stats *stats)
{
	struct kmst_replay_child *child;
	int err;

	child = kmst_replay_child_start(r, !a->no_trace);
	if (!child) {
		err = -ECHILD;
		goto err_abort;
	}
	rt->tid = (uint32_t)kmst_replay_child_pid(child);
	err = serve_child(a, rt, child, stats);
	if (err == REPLAY_DONE && !a->no_trace)
		err = wait_in_flight(rt);
	if (err) {
		/* Stalled, or failed under it: it may be blocked in the kernel for good. */
		kmst_replay_child_abandon(child);
		if (err == REPLAY_STALLED)
			return finish_trace(rt) ? -EIO : REPLAY_STALLED;
		goto err_abort;
	}
	if (!a->no_trace && finish_trace(rt)) {
		kmst_replay_child_abandon(child);
		return -EIO;
	}
	/* The trace is finished: the child may close the device now. */
	return kmst_replay_child_finish(child, child_finish_ms(rt));

err_abort:
	if (!a->no_trace)
		kmst_writer_abort(&rt->writer);
	return err;
}

/* Exit codes by severity: a system failure beats bad input beats violations. */
static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* A sequence the device cannot run (e.g. no second CRTC): in the report's format. */
static void print_skipped(const struct replay_args *a, const char *seq_path, const char *reason)
{
	if (a->format == KMST_REPORT_TEXT) {
		printf("%s: skipped: %s\n", seq_path, reason);
	} else if (a->format == KMST_REPORT_JSON) {
		fputs("{\"seq\":", stdout);
		kmst_json_string(stdout, seq_path);
		fputs(",\"skipped\":", stdout);
		kmst_json_string(stdout, reason);
		fputs("}\n", stdout);
	} else {
		/* JUnit and TAP documents have no place for it: a diagnostic. */
		kmst_info("%s: skipped: %s", seq_path, reason);
	}
	fflush(stdout);
}

/* *STOP: a commit stalled, the device is no longer usable for the next sequences. */
static int replay_one(const struct replay_args *a, struct replay_trace *rt, const char *seq_path,
		      int index, struct kmst_progress *progress, bool *stop, bool *checked)
{
	char temp_trace[4096], trace_buf[4096];
	const struct kmst_replay_stats *stats;
	struct kmst_replay_stats child_stats;
	const char *trace_path = a->so.output;
	struct kmst_replay *r = NULL;
	struct kmst_seq seq;
	bool temp = false;
	int ret, err;

	if (kmst_seq_parse(&seq, seq_path))
		return KMST_EXIT_BAD_INPUT;
	/* A hook to set the device up per sequence (fault knobs, hotplug), in one tracer session. */
	if (a->before_each) {
		int status;

		if (setenv("KMSTRACE_SEQ", seq_path, 1))
			return KMST_EXIT_BAD_INPUT;
		status = system(a->before_each);
		if (status != 0) {
			kmst_err("%s: --before-each command failed (status %d): %s", seq_path, status,
				 a->before_each);
			kmst_seq_free(&seq);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	r = kmst_replay_open(&seq, &a->replay, &ret);
	if (!r)
		goto out_seq;
	stats = kmst_replay_stats(r);
	if (stats->skipped) {
		print_skipped(a, seq_path, stats->skip_reason);
		ret = KMST_EXIT_OK;
		goto out;
	}
	if (!a->no_trace) {
		if (!rt->tracer && open_tracer(rt, stats->minor, a->ringbuf_size, a->so.level)) {
			ret = KMST_EXIT_BAD_INPUT;
			goto out;
		}
		if (trace_path && a->out_dir) {
			const char *base = strrchr(seq_path, '/');
			char name[512];

			snprintf(name, sizeof(name), "%s.kmst", base ? base + 1 : seq_path);
			if (kmst_path_join(trace_buf, sizeof(trace_buf), trace_path, name)) {
				ret = KMST_EXIT_BAD_INPUT;
				goto out;
			}
			trace_path = trace_buf;
		} else if (!trace_path) {
			const char *tmpdir = getenv("TMPDIR");
			int fd;

			snprintf(temp_trace, sizeof(temp_trace), "%s/kmstrace-replay-XXXXXX",
				 tmpdir && *tmpdir ? tmpdir : "/tmp");
			fd = mkstemp(temp_trace);

			if (fd < 0) {
				kmst_err("%s: cannot create a temporary trace: %s", temp_trace, strerror(errno));
				ret = KMST_EXIT_BAD_INPUT;
				goto out;
			}
			close(fd);
			trace_path = temp_trace;
			temp = true;
		}
		if (start_trace(rt, seq_path, trace_path, stats)) {
			ret = KMST_EXIT_BAD_INPUT;
			goto out;
		}
	}
	if (a->seq_count > 1)
		kmst_progress_show(progress, "replay %d of %d: %s", index + 1, a->seq_count,
				   seq_path);
	err = run_in_child(a, rt, r, &child_stats);
	kmst_progress_clear(progress);
	if (err < 0) {
		kmst_err("%s: replay on %s stopped: %s", seq_path, stats->device, strerror(-err));
		ret = KMST_EXIT_BAD_INPUT;
		goto out;
	}
	if (err == REPLAY_STALLED) {
		*stop = true;
		kmst_err("%s: replay on %s stopped by the stall watchdog (--stall-timeout %g s)%s%s",
			 seq_path, stats->device, kmst_watchdog_bound_ns(rt->watchdog) / 1e9,
			 temp ? "" : "; trace ", temp ? "" : trace_path);
		/* The stall is in the trace: the checker's verdict names it. */
		ret = KMST_EXIT_VIOLATIONS;
		goto check;
	}
	stats = &child_stats;
	kmst_info("%s: %llu commits on %s (%s), %llu with another result than expected%s%.0llu%s, "
		  "%llu flip events read, %llu missing, %llu extra%s%s",
		  seq_path, stats->commits, stats->device, stats->driver, stats->mismatches,
		  stats->busy_unmet ? " (" : "", stats->busy_unmet,
		  stats->busy_unmet ? " ok instead of EBUSY, judged from the trace)" : "",
		  stats->events, stats->events_missing, stats->events_extra,
		  a->no_trace || temp ? "" : ", trace ", a->no_trace || temp ? "" : trace_path);
	/* An unmet EBUSY is the checker's to judge; untraced, it is a mismatch. */
	ret = stats->mismatches || stats->events_missing || stats->events_extra ||
			      (stats->busy_unmet && (a->no_trace || a->no_check)) ?
		      KMST_EXIT_VIOLATIONS :
		      KMST_EXIT_OK;
check:
	if (!a->no_trace && !a->no_check) {
		int verdict;

		if (index && a->format == KMST_REPORT_TEXT)
			putchar('\n');
		verdict = kmst_check_file(trace_path, &a->so.check, a->format, seq_path, stdout);
		ret = *stop ? verdict : worst(ret, verdict);
		fflush(stdout);
		/*
		 * A verdict is this sequence's alone, an incomplete trace's
		 * exit 2 too (records lost): the next sequences still run.
		 */
		*checked = true;
	}
out:
	if (temp)
		unlink(temp_trace);
	kmst_replay_close(r);
out_seq:
	kmst_seq_free(&seq);
	return ret;
}

static int do_replay(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	struct replay_args a = { 0 };
	struct replay_trace rt = { 0 };
	struct kmst_progress progress;	/* which sequence, on a terminal, when there are several */
	int ret = KMST_EXIT_OK, i;
	bool stop = false;

	if (parse_args(argc, argv, gopts, &a))
		return KMST_EXIT_BAD_INPUT;
	kmst_progress_init(&progress);
	if (!a.no_trace && a.so.stall_bound_ns) {
		rt.watchdog = kmst_watchdog_new(a.so.stall_bound_ns);
		if (!rt.watchdog)
			return KMST_EXIT_BAD_INPUT;
	}
	/*
	 * One tracer session for every sequence: attaching is the expensive
	 * part. An error before a verdict (the sequence, the device, the
	 * tracer) ends the run; a verdict, even INCOMPLETE, does not.
	 */
	for (i = 0; i < a.seq_count && !stop; i++) {
		bool checked = false;
		int one = replay_one(&a, &rt, a.seq_paths[i], i, &progress, &stop, &checked);

		ret = worst(ret, one);
		if (one == KMST_EXIT_BAD_INPUT && !checked)
			break;
	}
	kmst_tracer_close(rt.tracer);
	kmst_watchdog_free(rt.watchdog);
	return ret;
}

const struct kmst_command kmst_cmd_replay = {
	.name = "replay",
	.synopsis = "FILE.seq... [-d DEV | --driver NAME] [-o TRACE|DIR/] [options]",
	.summary = "replay commit sequences with the tracers attached, then check each trace",
	.help = "Replays each sequence through libdrm from a child process, in one tracer\n"
		"session, writes one trace per sequence and checks it; the worst verdict is the\n"
		"exit status. A commit that stalls ends the replay (its verdict: commit-stall).\n\n"
		"  -d, --device DEV         the DRM device, e.g. /dev/dri/card0\n"
		"      --driver NAME        the first device whose driver is NAME\n"
		"  -o, --output TRACE|DIR   where traces go: a directory (one NAME.seq.kmst per\n"
		"                           sequence) when several sequences are given, or when it\n"
		"                           ends in '/' or is a directory; created as needed.\n"
		"                           Default: a temporary trace, removed after the check\n"
		"      --no-check           write the traces, do not check them\n"
		"      --no-trace           replay only: no tracers, no trace, no check\n"
		"      --before-each CMD    run the shell command CMD before each sequence, with\n"
		"                           KMSTRACE_SEQ=FILE.seq in its environment\n"
		"      --ringbuf-size BYTES the tracer's ring buffer, a power of two >= 4096\n"
		"                           (default 4 MiB); a trace that overflows it is\n"
		"                           INCOMPLETE, and the next sequences still run\n"
		KMST_HELP_LEVEL
		"  -s, --stall-timeout SEC  a commit without hw_done, flip_done or cleanup_done\n"
		"                           after SEC seconds (0.5 to 3600) ends the replay\n"
		"                           (default 10; 0: off)\n"
		KMST_HELP_CHECK
		KMST_HELP_FORMAT
		"  -j, --json               each sequence's report (or skip) as one JSON object\n"
		"\nWith several sequences, a progress line is shown on stderr when it is a terminal.\n",
	.run = do_replay,
};
