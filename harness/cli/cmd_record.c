// SPDX-License-Identifier: GPL-2.0
/*
 * kmstrace record -o TRACE [--pid P|--comm C] [--minor N] [--kprobe]
 *                 [--ringbuf-size BYTES] [--no-recorder] [--duration S]
 *                 [--stall-timeout SEC] [-- CMD ARGS...]
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
#include "common/log.h"
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

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kmstrace record -o TRACE [options] [-- CMD ARGS...]\n"
		"Trace the atomic commit path of every KMS driver while CMD runs (or until\n"
		"SIGINT/SIGTERM, or --duration) and write the events to TRACE.\n\n"
		"  -o, --output TRACE       trace file to write (required)\n"
		"  -p, --pid PID            only commits and ioctls of process PID\n"
		"  -c, --comm COMM          only commits and ioctls of tasks named COMM\n"
		"  -m, --minor N            only DRM minor N (/dev/dri/cardN)\n"
		"  -k, --kprobe             kprobe/kretprobe for every function (no fentry)\n"
		"  -r, --ringbuf-size BYTES ring buffer size, a power of two >= 4096\n"
		"                           (default 4194304); reserve failures are counted\n"
		"                           per event type in the trace's END record\n"
		"  -n, --no-recorder        do not copy ioctl arguments (REC_* records)\n"
		"  -d, --duration SECONDS   stop after this long (default: CMD's end or a signal)\n"
		"  -s, --stall-timeout SEC  a commit without hw_done, flip_done or cleanup_done\n"
		"                           after SEC seconds stops the recording, which is then\n"
		"                           checked (default %d, DRM's own wait; 0: off)\n",
		KMST_WATCHDOG_DEFAULT_S);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

int do_record(const struct kmst_global_opts *gopts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "minor", required_argument, NULL, 'm' },
		{ "kprobe", no_argument, NULL, 'k' },
		{ "ringbuf-size", required_argument, NULL, 'r' },
		{ "no-recorder", no_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stall-timeout", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kmst_tracer_opts opts = KMST_TRACER_OPTS_INIT;
	unsigned long long drops[KMST_EV_MAX], dropped;
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, ret = KMST_EXIT_BAD_INPUT, status, n;
	const char *output = NULL;
	uint64_t stall_bound_ns = KMST_WATCHDOG_DEFAULT_S * 1000000000ull;
	struct kmst_watchdog *watchdog = NULL;
	struct kmst_tracer *t = NULL;
	struct kmst_writer writer;
	double duration = 0, start;
	char *meta = NULL, *end;
	bool stalled = false;
	pid_t child = -1;

	while ((opt = getopt_long(argc, argv, "+o:p:c:m:kr:nd:s:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'p':
			opts.pid = strtol(optarg, &end, 10);
			if (*end || opts.pid <= 0)
				goto bad_value;
			break;
		case 'c':
			opts.comm = optarg;
			break;
		case 'm':
			opts.minor = strtol(optarg, &end, 10);
			if (*end || opts.minor < 0)
				goto bad_value;
			break;
		case 'k':
			opts.force_kprobe = true;
			break;
		case 'r':
			opts.ringbuf_size = strtoul(optarg, &end, 0);
			if (*end)
				goto bad_value;
			break;
		case 'n':
			opts.no_recorder = true;
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration <= 0)
				goto bad_value;
			break;
		case 's':
			if (kmst_watchdog_parse_bound(optarg, &stall_bound_ns))
				return KMST_EXIT_BAD_INPUT;
			break;
		case 'h':
			usage(stdout);
			return KMST_EXIT_OK;
		default:
			usage(stderr);
			return KMST_EXIT_BAD_INPUT;
		}
	}
	if (!output) {
		kmst_err("record: -o TRACE is required");
		usage(stderr);
		return KMST_EXIT_BAD_INPUT;
	}

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
	start = now_s();
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
		if (duration && now_s() - start >= duration)
			break;
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
	n = writer.records;
	if (kmst_writer_close(&writer, drops))
		goto out;
	kmst_info("%s: %d records, %llu dropped", output, n, dropped);
	ret = KMST_EXIT_OK;
	if (stalled) {
		struct kmst_check_opts check = {
			.vblank_tolerance_pct = KMST_CHECK_DEFAULT_TOLERANCE_PCT,
			.vblank_slack_us = KMST_CHECK_DEFAULT_SLACK_US,
		};

		/* The stall is in the trace: the checker's verdict names it. */
		ret = kmst_check_file(output, &check, gopts->json ? KMST_REPORT_JSON : KMST_REPORT_TEXT,
				      NULL, stdout);
		fflush(stdout);
	}
out:
	free(meta);
	kmst_tracer_close(t);
	kmst_watchdog_free(watchdog);
	return ret;

bad_value:
	kmst_err("record: bad value '%s' for -%c", optarg, opt);
	return KMST_EXIT_BAD_INPUT;
}
