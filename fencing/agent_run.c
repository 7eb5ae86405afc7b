/* Running a fence agent under a deadline, arguments on standard input. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_run.h"
#include "deadline.h"
#include "log.h"

#define OUTPUT_MAX_BYTES      (64 * 1024)
#define DRAIN_AFTER_EXIT_MS   200
#define GIVE_UP_AFTER_KILL_MS 500
#define POLL_TICK_MS          50
#define MASK                  "*****"

struct arg {
	char *key;
	char *value;
	bool secret;
};

struct vmha_agent_args {
	struct arg *items;
	size_t n;
};

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

struct vmha_agent_result {
	enum vmha_agent_outcome outcome;
	int exit_code;
	int term_signal;
	int exec_errno;
	uint64_t duration_ms;
	uint64_t timeout_ms;
	char *path;
	struct buf out;
	struct buf err;
	char summary[512];
};

static void wipe_free(char *s)
{
	if (s == NULL) {
		return;
	}
	explicit_bzero(s, strlen(s));
	free(s);
}

struct vmha_agent_args *vmha_agent_args_new(void)
{
	return calloc(1, sizeof(struct vmha_agent_args));
}

void vmha_agent_args_free(struct vmha_agent_args *args)
{
	size_t i;

	if (args == NULL) {
		return;
	}
	for (i = 0; i < args->n; i++) {
		free(args->items[i].key);
		wipe_free(args->items[i].value);
	}
	free(args->items);
	free(args);
}

bool vmha_agent_param_is_secret(const char *name)
{
	size_t len;

	if (name == NULL) {
		return false;
	}
	len = strlen(name);
	if (len >= 7 && strcmp(name + len - 7, "_script") == 0) {
		return false; /* a path to a program that prints the secret */
	}
	if (strstr(name, "passw") != NULL || strstr(name, "secret") != NULL ||
	    strstr(name, "community") != NULL || strstr(name, "token") != NULL) {
		return true;
	}
	if (len >= 4 && strcmp(name + len - 4, "_key") == 0) {
		return true;
	}
	return strcmp(name, "hexadecimal_kg") == 0;
}

static bool key_is_valid(const char *key)
{
	const char *p;

	if (key == NULL || *key == '\0') {
		return false;
	}
	for (p = key; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-')) {
			return false;
		}
	}
	return true;
}

int vmha_agent_args_set(struct vmha_agent_args *args, const char *key, const char *value,
                        bool secret)
{
	struct arg *items = NULL;
	char *k = NULL;
	char *v = NULL;
	size_t i;
	int rc = 0;

	if (args == NULL || !key_is_valid(key) || value == NULL || strchr(value, '\n') != NULL) {
		rc = -EINVAL;
		goto out;
	}
	v = strdup(value);
	if (v == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	secret = secret || vmha_agent_param_is_secret(key);
	for (i = 0; i < args->n; i++) {
		if (strcmp(args->items[i].key, key) == 0) {
			wipe_free(args->items[i].value);
			args->items[i].value = v;
			args->items[i].secret = args->items[i].secret || secret;
			v = NULL;
			goto out;
		}
	}
	k = strdup(key);
	items = realloc(args->items, (args->n + 1) * sizeof(*items));
	if (k == NULL || items == NULL) {
		if (items != NULL) {
			args->items = items;
		}
		rc = -ENOMEM;
		goto out;
	}
	args->items = items;
	args->items[args->n].key = k;
	args->items[args->n].value = v;
	args->items[args->n].secret = secret;
	args->n++;
	k = NULL;
	v = NULL;
out:
	free(k);
	wipe_free(v);
	return rc;
}

const char *vmha_agent_args_get(const struct vmha_agent_args *args, const char *key)
{
	size_t i;

	if (args == NULL || key == NULL) {
		return NULL;
	}
	for (i = 0; i < args->n; i++) {
		if (strcmp(args->items[i].key, key) == 0) {
			return args->items[i].value;
		}
	}
	return NULL;
}

struct vmha_agent_args *vmha_agent_args_dup(const struct vmha_agent_args *args)
{
	struct vmha_agent_args *copy = NULL;
	size_t i;

	copy = vmha_agent_args_new();
	if (copy == NULL || args == NULL) {
		return copy;
	}
	for (i = 0; i < args->n; i++) {
		if (vmha_agent_args_set(copy, args->items[i].key, args->items[i].value,
		                        args->items[i].secret) != 0) {
			vmha_agent_args_free(copy);
			return NULL;
		}
	}
	return copy;
}

static int buf_append(struct buf *b, const char *data, size_t len, size_t max)
{
	char *grown = NULL;
	size_t want;

	if (b->len + len > max) {
		len = max > b->len ? max - b->len : 0;
	}
	want = b->len + len + 1;
	if (want > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < want) {
			cap *= 2;
		}
		grown = realloc(b->data, cap);
		if (grown == NULL) {
			return -ENOMEM;
		}
		b->data = grown;
		b->cap = cap;
	}
	if (len > 0) {
		memcpy(b->data + b->len, data, len);
	}
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

char *vmha_agent_args_format(const struct vmha_agent_args *args)
{
	struct buf b = {0};
	size_t i;

	if (buf_append(&b, "", 0, SIZE_MAX) != 0) {
		return NULL;
	}
	for (i = 0; args != NULL && i < args->n; i++) {
		const char *v = args->items[i].secret ? MASK : args->items[i].value;
		if ((i > 0 && buf_append(&b, " ", 1, SIZE_MAX) != 0) ||
		    buf_append(&b, args->items[i].key, strlen(args->items[i].key), SIZE_MAX) != 0 ||
		    buf_append(&b, "=", 1, SIZE_MAX) != 0 ||
		    buf_append(&b, v, strlen(v), SIZE_MAX) != 0) {
			free(b.data);
			return NULL;
		}
	}
	return b.data;
}

/* Replace every occurrence of secret in b by MASK. */
static int buf_mask(struct buf *b, const char *secret)
{
	struct buf masked = {0};
	size_t slen = strlen(secret);
	const char *p;
	const char *hit;
	int rc = 0;

	if (slen == 0 || b->data == NULL || strstr(b->data, secret) == NULL) {
		goto out;
	}
	p = b->data;
	while ((hit = strstr(p, secret)) != NULL) {
		rc = buf_append(&masked, p, (size_t)(hit - p), SIZE_MAX);
		if (rc == 0) {
			rc = buf_append(&masked, MASK, strlen(MASK), SIZE_MAX);
		}
		if (rc != 0) {
			goto out;
		}
		p = hit + slen;
	}
	rc = buf_append(&masked, p, strlen(p), SIZE_MAX);
	if (rc != 0) {
		goto out;
	}
	explicit_bzero(b->data, b->len);
	free(b->data);
	*b = masked;
	masked.data = NULL;
out:
	free(masked.data);
	return rc;
}

const char *vmha_agent_outcome_name(enum vmha_agent_outcome outcome)
{
	switch (outcome) {
	case VMHA_AGENT_SUCCESS:
		return "success";
	case VMHA_AGENT_OFF:
		return "off";
	case VMHA_AGENT_FAILED:
		return "failed";
	case VMHA_AGENT_TIMEOUT:
		return "timeout";
	case VMHA_AGENT_SIGNALED:
		return "signaled";
	case VMHA_AGENT_EXEC_FAILED:
		return "exec-failed";
	}
	return "unknown";
}

/* The last non-empty line of text, without its newline, into dst. */
static void last_line(const char *text, char *dst, size_t dstlen)
{
	const char *end;
	const char *start;
	size_t len;

	dst[0] = '\0';
	if (text == NULL) {
		return;
	}
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) {
		end--;
	}
	start = end;
	while (start > text && start[-1] != '\n') {
		start--;
	}
	len = (size_t)(end - start);
	if (len >= dstlen) {
		len = dstlen - 1;
	}
	memcpy(dst, start, len);
	dst[len] = '\0';
}

static void make_summary(struct vmha_agent_result *res)
{
	char line[300];

	switch (res->outcome) {
	case VMHA_AGENT_SUCCESS:
	case VMHA_AGENT_OFF:
	case VMHA_AGENT_FAILED:
		last_line(res->err.data, line, sizeof(line));
		if (line[0] == '\0') {
			last_line(res->out.data, line, sizeof(line));
		}
		if (line[0] != '\0') {
			snprintf(res->summary, sizeof(res->summary), "exit %d: %s", res->exit_code,
			         line);
		} else {
			snprintf(res->summary, sizeof(res->summary), "exit %d", res->exit_code);
		}
		break;
	case VMHA_AGENT_TIMEOUT:
		snprintf(res->summary, sizeof(res->summary), "timed out after %llu ms, killed",
		         (unsigned long long)res->timeout_ms);
		break;
	case VMHA_AGENT_SIGNALED:
		snprintf(res->summary, sizeof(res->summary), "killed by signal %d (%s)",
		         res->term_signal, strsignal(res->term_signal));
		break;
	case VMHA_AGENT_EXEC_FAILED:
		snprintf(res->summary, sizeof(res->summary), "cannot run '%s': %s", res->path,
		         strerror(res->exec_errno));
		break;
	}
}

/* In the child: become a process group leader, wire the pipes, exec. */
static void child_exec(const char *path, const char *const *extra_argv, int in_fd, int out_fd,
                       int err_fd, int report_fd)
{
	const char *argv[34];
	sigset_t all;
	size_t n = 0;
	int sig;
	int e;

	setpgid(0, 0);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP) {
			signal(sig, SIG_DFL);
		}
	}
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0) {
		goto fail;
	}
	/* Every other descriptor closes on exec (the report pipe already does). */
	if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
		long fd;
		long max_fd = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < max_fd && fd < 65536; fd++) {
			if (fd != report_fd) {
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
			}
		}
	}
	argv[n++] = path;
	while (extra_argv != NULL && extra_argv[n - 1] != NULL && n < 33) {
		argv[n] = extra_argv[n - 1];
		n++;
	}
	argv[n] = NULL;
	execv(path, (char *const *)argv);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

static int build_stdin(const struct vmha_agent_args *args, struct buf *b)
{
	size_t i;
	int rc = 0;

	rc = buf_append(b, "", 0, SIZE_MAX);
	for (i = 0; rc == 0 && args != NULL && i < args->n; i++) {
		rc = buf_append(b, args->items[i].key, strlen(args->items[i].key), SIZE_MAX);
		if (rc == 0) {
			rc = buf_append(b, "=", 1, SIZE_MAX);
		}
		if (rc == 0) {
			rc = buf_append(b, args->items[i].value, strlen(args->items[i].value),
			                SIZE_MAX);
		}
		if (rc == 0) {
			rc = buf_append(b, "\n", 1, SIZE_MAX);
		}
	}
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Read what is there into b; closes *fd at end of file or error. */
static void drain_fd(int *fd, struct buf *b)
{
	char chunk[4096];
	ssize_t got;

	for (;;) {
		got = read(*fd, chunk, sizeof(chunk));
		if (got > 0) {
			if (buf_append(b, chunk, (size_t)got, OUTPUT_MAX_BYTES) != 0) {
				close_fd(fd);
				return;
			}
			continue;
		}
		if (got < 0 && (errno == EINTR)) {
			continue;
		}
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		}
		close_fd(fd);
		return;
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int vmha_agent_run(const char *path, const char *const *extra_argv,
                   const struct vmha_agent_args *args, uint64_t deadline_ms,
                   struct vmha_agent_result **out)
{
	struct vmha_agent_result *res = NULL;
	struct buf input = {0};
	size_t input_off = 0;
	int in_sock[2] = {-1, -1};
	int out_pipe[2] = {-1, -1};
	int err_pipe[2] = {-1, -1};
	int report[2] = {-1, -1};
	int pidfd = -1;
	pid_t pid = -1;
	bool exited = false;
	bool timed_out = false;
	bool killed = false;
	uint64_t start_ms = vmha_clock_now_ms();
	uint64_t kill_at_ms = VMHA_DEADLINE_NEVER;
	uint64_t drain_until_ms = VMHA_DEADLINE_NEVER;
	uint64_t give_up_ms = VMHA_DEADLINE_NEVER;
	int status = 0;
	int poll_errno = 0;
	size_t i;
	int rc = 0;

	if (path == NULL || out == NULL) {
		rc = -EINVAL;
		goto out;
	}
	*out = NULL;
	res = calloc(1, sizeof(*res));
	if (res == NULL || (res->path = strdup(path)) == NULL ||
	    buf_append(&res->out, "", 0, SIZE_MAX) != 0 ||
	    buf_append(&res->err, "", 0, SIZE_MAX) != 0 || build_stdin(args, &input) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	res->exit_code = -1;
	res->timeout_ms = vmha_deadline_remaining_at_ms(deadline_ms, start_ms);
	/* A socket, not a pipe, for stdin: send(MSG_NOSIGNAL) cannot raise SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sock) != 0 ||
	    pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
	    pipe2(report, O_CLOEXEC) != 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		child_exec(path, extra_argv, in_sock[1], out_pipe[1], err_pipe[1], report[1]);
	}
	setpgid(pid, pid); /* also done by the child; whichever runs first wins */
	close_fd(&in_sock[1]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[1]);
	close_fd(&report[1]);
	fcntl(in_sock[0], F_SETFL, O_NONBLOCK);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd fds[5];
		nfds_t nfds = 0;
		int idx_in = -1, idx_out = -1, idx_err = -1, idx_rep = -1, idx_pid = -1;
		uint64_t now_ms = vmha_clock_now_ms();
		uint64_t wake_ms = VMHA_DEADLINE_NEVER;
		siginfo_t info;
		int timeout;

		if (!exited) {
			memset(&info, 0, sizeof(info));
			/* WNOWAIT keeps the zombie, so its process group id stays ours to kill. */
			if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    info.si_pid == pid) {
				exited = true;
				drain_until_ms = now_ms + DRAIN_AFTER_EXIT_MS;
			}
		}
		if (exited && out_pipe[0] < 0 && err_pipe[0] < 0 && report[0] < 0) {
			break;
		}
		if (!exited && !timed_out && now_ms >= deadline_ms) {
			timed_out = true;
			vmha_warn("fence agent '%s' (pid %d) still running at its deadline, "
			          "sending SIGTERM",
			          path, (int)pid);
			kill(-pid, SIGTERM);
			kill_at_ms = now_ms + VMHA_AGENT_KILL_GRACE_MS;
		}
		if (!killed &&
		    ((timed_out && now_ms >= kill_at_ms) || (exited && now_ms >= drain_until_ms))) {
			/* Past the grace, or the agent left children holding its pipes. */
			kill(-pid, SIGKILL);
			killed = true;
			give_up_ms = now_ms + GIVE_UP_AFTER_KILL_MS;
		}
		if (killed && now_ms >= give_up_ms) {
			break;
		}
		if (!timed_out && !exited) {
			wake_ms = earliest(wake_ms, deadline_ms);
		}
		if (!killed) {
			wake_ms = earliest(wake_ms, timed_out ? kill_at_ms : wake_ms);
			wake_ms = earliest(wake_ms, exited ? drain_until_ms : wake_ms);
		} else {
			wake_ms = earliest(wake_ms, give_up_ms);
		}
		if (pidfd < 0 || exited) {
			wake_ms = earliest(wake_ms, now_ms + POLL_TICK_MS);
		}
		timeout = vmha_deadline_poll_timeout(wake_ms);

		if (in_sock[0] >= 0) {
			idx_in = (int)nfds;
			fds[nfds++] = (struct pollfd){.fd = in_sock[0], .events = POLLOUT};
		}
		if (out_pipe[0] >= 0) {
			idx_out = (int)nfds;
			fds[nfds++] = (struct pollfd){.fd = out_pipe[0], .events = POLLIN};
		}
		if (err_pipe[0] >= 0) {
			idx_err = (int)nfds;
			fds[nfds++] = (struct pollfd){.fd = err_pipe[0], .events = POLLIN};
		}
		if (report[0] >= 0) {
			idx_rep = (int)nfds;
			fds[nfds++] = (struct pollfd){.fd = report[0], .events = POLLIN};
		}
		if (pidfd >= 0 && !exited) {
			idx_pid = (int)nfds;
			fds[nfds++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		}
		if (poll(fds, nfds, timeout) < 0) {
			if (errno == EINTR) {
				continue;
			}
			poll_errno = errno;
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		if (idx_in >= 0 && fds[idx_in].revents != 0) {
			ssize_t sent = 0;
			if (fds[idx_in].revents & POLLOUT) {
				sent = send(in_sock[0], input.data + input_off,
				            input.len - input_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			}
			if (sent > 0) {
				input_off += (size_t)sent;
			}
			if ((sent < 0 && errno != EAGAIN && errno != EINTR) ||
			    (fds[idx_in].revents & (POLLERR | POLLHUP)) || input_off >= input.len) {
				shutdown(in_sock[0], SHUT_WR);
				close_fd(&in_sock[0]);
			}
		}
		if (idx_out >= 0 && fds[idx_out].revents != 0) {
			drain_fd(&out_pipe[0], &res->out);
		}
		if (idx_err >= 0 && fds[idx_err].revents != 0) {
			drain_fd(&err_pipe[0], &res->err);
		}
		if (idx_rep >= 0 && fds[idx_rep].revents != 0) {
			int e = 0;
			if (read(report[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
				res->exec_errno = e;
			}
			close_fd(&report[0]);
		}
		(void)idx_pid;
	}

	if (exited || killed) {
		/* After SIGKILL a process ends; wait for it, but not forever. */
		uint64_t reap_deadline_ms = vmha_deadline_in_ms(GIVE_UP_AFTER_KILL_MS);
		pid_t got = 0;
		while ((got = waitpid(pid, &status, WNOHANG)) == 0 &&
		       !vmha_deadline_expired(reap_deadline_ms)) {
			usleep(10 * 1000);
		}
		if (got == pid) {
			pid = -1;
		} else {
			vmha_err("fence agent '%s' (pid %d) did not end after SIGKILL", path,
			         (int)pid);
		}
	}
	if (poll_errno != 0) {
		rc = -poll_errno;
		goto out;
	}
	res->duration_ms = vmha_clock_now_ms() - start_ms;
	if (res->exec_errno != 0) {
		res->outcome = VMHA_AGENT_EXEC_FAILED;
	} else if (timed_out) {
		res->outcome = VMHA_AGENT_TIMEOUT;
	} else if (pid >= 0) {
		res->outcome = VMHA_AGENT_SIGNALED;
		res->term_signal = SIGKILL;
	} else if (WIFSIGNALED(status)) {
		res->outcome = VMHA_AGENT_SIGNALED;
		res->term_signal = WTERMSIG(status);
	} else if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
		res->outcome = res->exit_code == 0   ? VMHA_AGENT_SUCCESS
		               : res->exit_code == 2 ? VMHA_AGENT_OFF
		                                     : VMHA_AGENT_FAILED;
	} else {
		res->outcome = VMHA_AGENT_FAILED;
	}
	for (i = 0; args != NULL && i < args->n; i++) {
		if (args->items[i].secret && (buf_mask(&res->out, args->items[i].value) != 0 ||
		                              buf_mask(&res->err, args->items[i].value) != 0)) {
			rc = -ENOMEM;
			goto out;
		}
	}
	make_summary(res);
	*out = res;
	res = NULL;
	rc = 0;
out:
	close_fd(&in_sock[0]);
	close_fd(&in_sock[1]);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[0]);
	close_fd(&err_pipe[1]);
	close_fd(&report[0]);
	close_fd(&report[1]);
	close_fd(&pidfd);
	if (input.data != NULL) {
		explicit_bzero(input.data, input.len);
		free(input.data);
	}
	vmha_agent_result_free(res);
	return rc;
}

void vmha_agent_result_free(struct vmha_agent_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->path);
	free(res->out.data);
	free(res->err.data);
	free(res);
}

enum vmha_agent_outcome vmha_agent_result_outcome(const struct vmha_agent_result *res)
{
	return res->outcome;
}

int vmha_agent_result_exit_code(const struct vmha_agent_result *res)
{
	return res->exit_code;
}

const char *vmha_agent_result_stdout(const struct vmha_agent_result *res)
{
	return res->out.data;
}

const char *vmha_agent_result_stderr(const struct vmha_agent_result *res)
{
	return res->err.data;
}

size_t vmha_agent_result_stdout_len(const struct vmha_agent_result *res)
{
	return res->out.len;
}

uint64_t vmha_agent_result_duration_ms(const struct vmha_agent_result *res)
{
	return res->duration_ms;
}

const char *vmha_agent_result_summary(const struct vmha_agent_result *res)
{
	return res->summary;
}
