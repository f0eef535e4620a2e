// SPDX-License-Identifier: GPL-2.0
/* A replay run by a child process (API in replay_child.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/exit.h"
#include "common/log.h"
#include "replay/replay_child.h"

struct kmst_replay_child {
	pid_t pid;
	int sock;	 /* this side of a SOCK_SEQPACKET pair: one report per message */
	int log;	 /* the child's stdout and stderr (nonblocking; -1 once closed) */
	bool per_commit;
};

/* ---- the child ---- */

static void send_report(int sock, const struct kmst_replay_report *report)
{
	/* The parent went away: nobody is left to read the replay's results. */
	if (send(sock, report, sizeof(*report), MSG_NOSIGNAL) != (ssize_t)sizeof(*report))
		_exit(KMST_EXIT_BAD_INPUT);
}

static void report_commit(void *ctx, const struct kmst_replay_commit *commit)
{
	struct kmst_replay_child *c = ctx;
	struct kmst_replay_report report = { .kind = KMST_REPLAY_REPORT_COMMIT, .commit = *commit };
	char ack;
	ssize_t len;

	send_report(c->sock, &report);
	do
		len = recv(c->sock, &ack, 1, 0);
	while (len < 0 && errno == EINTR);
	if (len != 1)
		_exit(KMST_EXIT_BAD_INPUT);
}

/*
 * The child's stdio: its lines go through the parent, so that a child stuck
 * in the kernel never holds the parent's stdout or stderr open (whoever
 * reads them would wait for the child too).
 */
static void redirect_stdio(int log)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(log, STDOUT_FILENO) < 0 ||
	    dup2(log, STDERR_FILENO) < 0)
		_exit(KMST_EXIT_BAD_INPUT);
	close(null);
}

/* Close every descriptor but stdio, the device and the socket (the tracer's links among them). */
static void close_other_fds(int a, int b)
{
	int low = a < b ? a : b, high = a < b ? b : a;

	if (low > 3)
		close_range(3, (unsigned int)low - 1, 0);
	if (high > low + 1)
		close_range((unsigned int)low + 1, (unsigned int)high - 1, 0);
	close_range((unsigned int)high + 1, ~0u, 0);
}

static void __attribute__((noreturn)) child_main(struct kmst_replay_child *c, struct kmst_replay *r,
						      int log)
{
	struct kmst_replay_report report = { .kind = KMST_REPLAY_REPORT_DONE };
	char byte;
	ssize_t len;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	redirect_stdio(log);
	close_other_fds(kmst_replay_device_fd(r), c->sock);
	report.err = kmst_replay_run(r, c->per_commit ? report_commit : NULL, c);
	report.stats = *kmst_replay_stats(r);
	send_report(c->sock, &report);
	/* Leave the device as the replay left it until the parent has finished the trace. */
	do
		len = recv(c->sock, &byte, 1, 0);
	while (len > 0 || (len < 0 && errno == EINTR));
	kmst_replay_close(r);
	/* _exit: the parent's stdio buffers and trace file are not ours to flush. */
	_exit(report.err ? KMST_EXIT_BAD_INPUT : KMST_EXIT_OK);
}

/* ---- the parent ---- */

struct kmst_replay_child *kmst_replay_child_start(struct kmst_replay *r, bool per_commit)
{
	struct kmst_replay_child *c = calloc(1, sizeof(*c));
	int socks[2], logs[2];

	if (!c) {
		kmst_err("failed to allocate the replay child: %s", strerror(errno));
		return NULL;
	}
	c->per_commit = per_commit;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks)) {
		kmst_err("failed to create the replay child's socket pair: %s", strerror(errno));
		goto err_free;
	}
	if (pipe2(logs, O_CLOEXEC)) {
		kmst_err("failed to create the replay child's log pipe: %s", strerror(errno));
		goto err_close_socks;
	}
	if (fcntl(logs[0], F_SETFL, O_NONBLOCK)) {
		kmst_err("failed to make the replay child's log pipe nonblocking: %s", strerror(errno));
		goto err_close_logs;
	}
	/* What is buffered now would be printed twice otherwise. */
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		kmst_err("failed to fork the replay child: %s", strerror(errno));
		goto err_close_logs;
	}
	if (c->pid == 0) {
		c->sock = socks[1];
		child_main(c, r, logs[1]);
	}
	close(socks[1]);
	close(logs[1]);
	c->sock = socks[0];
	c->log = logs[0];
	kmst_replay_release_device(r);
	return c;

err_close_logs:
	close(logs[0]);
	close(logs[1]);
err_close_socks:
	close(socks[0]);
	close(socks[1]);
err_free:
	free(c);
	return NULL;
}

pid_t kmst_replay_child_pid(const struct kmst_replay_child *c)
{
	return c->pid;
}

int kmst_replay_child_fd(const struct kmst_replay_child *c)
{
	return c->sock;
}

int kmst_replay_child_log_fd(const struct kmst_replay_child *c)
{
	return c->log;
}

void kmst_replay_child_relay_log(struct kmst_replay_child *c)
{
	char buf[4096];
	ssize_t len;

	while (c->log >= 0) {
		len = read(c->log, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == EAGAIN)
			return;
		if (len <= 0) {
			/* The child is gone, or the pipe failed: nothing more will come. */
			close(c->log);
			c->log = -1;
			return;
		}
		if (fwrite(buf, 1, (size_t)len, stderr) != (size_t)len)
			return;
	}
}

int kmst_replay_child_read(struct kmst_replay_child *c, struct kmst_replay_report *report)
{
	ssize_t len;
	int status;

	/* What it printed before this report comes first. */
	kmst_replay_child_relay_log(c);
	do
		len = recv(c->sock, report, sizeof(*report), 0);
	while (len < 0 && errno == EINTR);
	if (len == (ssize_t)sizeof(*report))
		return 0;
	if (len < 0) {
		kmst_err("replay child %d: failed to read its report: %s", c->pid, strerror(errno));
		return -EPIPE;
	}
	if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
		kmst_err("replay child %d ended before the replay did (status %d)", c->pid,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		c->pid = 0;
	} else {
		kmst_err("replay child %d: closed its socket before the replay ended", c->pid);
	}
	return -EPIPE;
}

int kmst_replay_child_ack(struct kmst_replay_child *c)
{
	char ack = 1;

	if (send(c->sock, &ack, 1, MSG_NOSIGNAL) != 1) {
		kmst_err("replay child %d: failed to let it go on: %s", c->pid, strerror(errno));
		return -EPIPE;
	}
	return 0;
}

int kmst_replay_child_finish(struct kmst_replay_child *c, int timeout_ms)
{
	struct timespec nap = { .tv_nsec = 2 * 1000000L };
	int waited_ms = 0, status;
	pid_t pid = c->pid;

	/* EOF on its socket: the child closes the device and exits. */
	kmst_replay_child_relay_log(c);
	close(c->sock);
	if (c->log >= 0)
		close(c->log);
	free(c);
	if (!pid)
		return 0;
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		if (done == pid)
			return 0;
		if (done < 0 && errno != EINTR) {
			kmst_err("replay child %d: failed to wait for it: %s", pid, strerror(errno));
			return -ECHILD;
		}
		if (waited_ms >= timeout_ms)
			break;
		nanosleep(&nap, NULL);
		waited_ms += 2;
	}
	kmst_err("replay child %d: still closing the device after %d ms; killed and left behind", pid,
		 timeout_ms);
	kill(pid, SIGKILL);
	return -ETIMEDOUT;
}

void kmst_replay_child_abandon(struct kmst_replay_child *c)
{
	if (!c)
		return;
	if (c->pid > 0)
		kill(c->pid, SIGKILL);
	kmst_replay_child_relay_log(c);
	close(c->sock);
	if (c->log >= 0)
		close(c->log);
	free(c);
}
