// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace record -o TRACE [--pid P|--comm C] [--minor N] [--kprobe] [--level L]
 *                 [--ringbuf-size BYTES] [--no-recorder] [--duration S]
 *                 [--stall-timeout SEC] [-j] [-- CMD ARGS...]
 * Attach the tracers, run CMD (or wait for SIGINT/SIGTERM or the
 * duration), and write every event to TRACE. A commit that stalls
 * (watchdog.h) stops the recording: CMD is killed and left behind, and the
 * finished trace is checked; the checker's verdict is the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check/check_file.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/progress.h"
#include "trace/tracefile.h"
#include "tracer/tracer.h"
#include "tracer/watchdog.h"

#define POLL_MS 100

/* Set from the signal handler only. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static pid_t start_child(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "kmstrace: failed to run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		kmst_err("failed to fork for %s: %s", argv[0], strerror(errno));
	return pid;
}

enum {
	OPT_PID = 'p',
	OPT_COMM = 'c',
	OPT_KPROBE = 'k',
	OPT_NO_RECORDER = 'n',
	OPT_RINGBUF_SIZE = KMST_OPT_COMMAND_BASE,
};

static int parse_args(int argc, char **argv, struct kmst_shared_opts *so,
		      struct kmst_tracer_opts *opts)
{
	static const struct option long_opts[] = {
		KMST_LONG_OUTPUT,
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, OPT_COMM },
		KMST_LONG_MINOR,
		{ "kprobe", no_argument, NULL, OPT_KPROBE },
		{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE },
		{ "no-recorder", no_argument, NULL, OPT_NO_RECORDER },
		KMST_LONG_LEVEL,
		KMST_LONG_DURATION,
		KMST_LONG_STALL_TIMEOUT,
		KMST_LONG_JSON,
		{ 0 },
	};
	unsigned int value;
	int opt;

	/* '+': CMD's own options are not ours. */
	while ((opt = getopt_long(argc, argv, "+:o:p:c:m:kns:j", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PID:
			if (!kmst_opt_uint("--pid", optarg, INT32_MAX, &value))
				return -1;
			if (!value) {
				kmst_opt_usage_error("record", "--pid: expected a process id, not 0");
				return -1;
			}
			opts->pid = (int)value;
			break;
		case OPT_COMM:
			opts->comm = optarg;
			break;
		case OPT_KPROBE:
			opts->force_kprobe = true;
			break;
		case OPT_RINGBUF_SIZE:
			if (!kmst_opt_uint("--ringbuf-size", optarg, 1u << 30, &value))
				return -1;
			opts->ringbuf_size = value;
			break;
		case OPT_NO_RECORDER:
			opts->no_recorder = true;
			break;
		default:
			if (!kmst_opt_shared(so, "record", opt, optarg, argv))
				return -1;
		}
	}
	if (!so->output) {
		kmst_opt_usage_error("record", "-o TRACE is required");
		return -1;
	}
	opts->minor = so->minor;
	opts->level = so->level;
	return 0;
}

/* -j: what was recorded, as one JSON object (a stalled recording's check report inside). */
static void print_json_head(const char *output, int records, unsigned long long dropped,
			    unsigned long long missed, bool stalled)
{
	printf("{\"trace\":");
	kmst_json_string(stdout, output);
	printf(",\"records\":%d,\"dropped\":%llu,\"missed_runs\":%llu,\"stalled\":%s", records,
	       dropped, missed, stalled ? "true" : "false");
}

static int do_record(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	unsigned long long drops[KMST_EV_MAX], dropped, missed;
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = KMST_EXIT_BAD_INPUT, status, n;
	struct kmst_watchdog *watchdog = NULL;
	struct kmst_shared_opts so;
	struct kmst_progress progress;
	struct kmst_tracer *t = NULL;
	struct kmst_writer writer;
	const char *output;
	uint64_t stall_bound_ns;
	double duration, start;
	char *meta = NULL;
	bool stalled = false;
	pid_t child = -1;

	kmst_shared_opts_init(&so, gopts);
	if (parse_args(argc, argv, &so, &opts))
		return KMST_EXIT_BAD_INPUT;
	output = so.output;
	duration = so.duration_s;
	stall_bound_ns = so.stall_bound_ns;
	if (kmst_make_parent_dirs(output))
		return KMST_EXIT_BAD_INPUT;
	kmst_progress_init(&progress);

	if (stall_bound_ns) {
		watchdog = kmst_watchdog_new(stall_bound_ns);
		if (!watchdog)
			return KMST_EXIT_BAD_INPUT;
		opts.watchdog = watchdog;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t = kmst_tracer_open(&opts);
	if (!t)
		goto out;
	if (kmst_tracer_attach(t))
		goto out;
	if (asprintf(&meta, "%stool=kmstrace record\n", kmst_tracer_meta(t)) < 0) {
		kmst_err("%s: out of memory", output);
		goto out;
	}
	if (kmst_writer_open(&writer, output, meta))
		goto out;
	if (optind < argc) {
		child = start_child(argv + optind);
		if (child < 0) {
			kmst_writer_abort(&writer);
			goto out;
		}
	}
	start = kmst_monotonic_s();
	while (!stop_signal) {
		n = kmst_tracer_poll(t, &writer, POLL_MS);
		if (n < 0 && n != -EINTR) {
			kmst_err("%s: failed to drain the ring buffer: %s", output, strerror(-n));
			kmst_writer_abort(&writer);
			goto out;
		}
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				kmst_info("%s exited with status %d", argv[optind],
					  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			break;
		}
		if (duration && kmst_monotonic_s() - start >= duration)
			break;
		if (duration)
			kmst_progress_show(&progress, "recording %s: %.0f of %g s, %llu records", output,
					   kmst_monotonic_s() - start, duration, (unsigned long long)writer.records);
		if (watchdog) {
			n = kmst_watchdog_poll(watchdog, &writer);
			if (n < 0) {
				kmst_writer_abort(&writer);
				goto out;
			}
			if (n > 0) {
				stalled = true;
				break;
			}
		}
	}
	kmst_progress_clear(&progress);
	if (stalled && child > 0) {
		/* CMD may be blocked in the kernel for good: never wait for it. */
		kill(child, SIGKILL);
		kmst_err("%s: stopped by the stall watchdog (--stall-timeout %g s); %s killed and left behind",
			 output, stall_bound_ns / 1e9, argv[optind]);
		child = -1;
	} else if (stalled) {
		kmst_err("%s: stopped by the stall watchdog (--stall-timeout %g s)", output,
			 stall_bound_ns / 1e9);
	}
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	n = kmst_tracer_drain(t, &writer);
	if (n < 0) {
		kmst_err("%s: failed to drain the ring buffer: %s", output, strerror(-n));
		kmst_writer_abort(&writer);
		goto out;
	}
	dropped = kmst_tracer_drops(t, drops);
	if (kmst_tracer_missed_runs(t, &missed, true)) {
		kmst_writer_abort(&writer);
		goto out;
	}
	n = writer.records;
	if (kmst_writer_close(&writer, drops, missed))
		goto out;
	if (missed)
		kmst_info("%s: %d records, %llu dropped, %llu program runs skipped by the kernel", output,
			  n, dropped, missed);
	else
		kmst_info("%s: %d records, %llu dropped", output, n, dropped);
	ret = KMST_EXIT_OK;
	if (so.json)
		print_json_head(output, n, dropped, missed, stalled);
	if (stalled) {
		struct kmst_check_opts check = {
			.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
			.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
		};

		/* The stall is in the trace: the checker's verdict names it. */
		if (so.json)
			printf(",\"check\":");
		fflush(stdout);
		ret = kmst_check_file(output, &check, so.json ? KMST_REPORT_JSON : KMST_REPORT_TEXT,
				      NULL, stdout);
	}
	if (so.json)
		printf("}\n");
	fflush(stdout);
out:
	free(meta);
	kmst_tracer_close(t);
	kmst_watchdog_free(watchdog);
	return ret;
}

const struct kmst_command kmst_cmd_record = {
	.name = "record",
	.synopsis = "-o TRACE [options] [-- CMD ARGS...]",
	.summary = "trace the atomic commit path while CMD runs",
	.help = "Trace the atomic commit path of every KMS driver while CMD runs (or until\n"
		"SIGINT/SIGTERM, or --duration) and write the events to TRACE. A commit that\n"
		"stalls stops the recording; the trace is then checked and the verdict is the\n"
		"exit status.\n\n"
		"  -o, --output TRACE       trace file to write (required; directories created)\n"
		"  -p, --pid PID            only commits and ioctls of process PID\n"
		"  -c, --comm COMM          only commits and ioctls of tasks named COMM\n"
		"  -m, --minor N            only DRM minor N (/dev/dri/cardN, 0 to 255)\n"
		"  -k, --kprobe             kprobe/kretprobe for every function (no fentry)\n"
		"      --ringbuf-size BYTES  ring buffer size, a power of two >= 4096\n"
		"                           (default 4194304); reserve failures are counted\n"
		"                           per event type in the trace's END record\n"
		KMST_HELP_LEVEL
		"  -n, --no-recorder        do not copy ioctl arguments (REC_* records)\n"
		"      --duration SECONDS   stop after this long (at most 86400; default: CMD's\n"
		"                           end or a signal); a progress line on a terminal\n"
		"  -s, --stall-timeout SEC  a commit without hw_done, flip_done or cleanup_done\n"
		"                           after SEC seconds (0.5 to 3600) stops the recording,\n"
		"                           which is then checked (default 10, DRM's own wait;\n"
		"                           0: off)\n"
		"  -j, --json               one JSON object: trace, records, dropped,\n"
		"                           missed_runs (tracer runs the kernel skipped), stalled,\n"
		"                           and check (the report) when stalled\n",
	.run = do_record,
};
