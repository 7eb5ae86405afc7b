/* Child processes bounded by a deadline (see cmd.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "deadline.h"

extern char **environ;

/* Polling interval while the child runs without captured output. */
#define CMD_POLL_MS 20

/* Read what the child wrote, for at most wait_ms; keeps the last byte free. */
static void drain(int fd, char *out, size_t out_len, size_t *used, int wait_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char discard[512];
	ssize_t n;

	if (poll(&pfd, 1, wait_ms) <= 0)
		return;
	if (*used + 1 < out_len)
		n = read(fd, out + *used, out_len - 1 - *used);
	else
		n = read(fd, discard, sizeof(discard));
	if (n > 0 && *used + 1 < out_len)
		*used += (size_t)n;
	out[*used] = '\0';
}

bool vmha_cmd_exists(const char *name)
{
	const char *env = getenv("PATH");
	char dirs[4096];
	char candidate[4200];
	char *save = NULL;
	char *dir = NULL;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0;
	snprintf(dirs, sizeof(dirs), "%s", env != NULL ? env : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		snprintf(candidate, sizeof(candidate), "%s/%s", dir, name);
		if (access(candidate, X_OK) == 0)
			return true;
	}
	return false;
}

int vmha_cmd_run(char *const argv[], uint64_t deadline_ms, char *out, size_t out_len)
{
	posix_spawn_file_actions_t actions;
	bool actions_set = false;
	int pipefd[2] = {-1, -1};
	size_t used = 0;
	pid_t pid = -1;
	int wstatus = 0;
	int rc = 0;

	if (out != NULL && out_len > 0)
		out[0] = '\0';
	/* posix_spawnp() reports a missing program only where it can vfork */
	if (!vmha_cmd_exists(argv[0])) {
		rc = -ENOENT;
		goto out;
	}
	if (out != NULL && out_len > 0) {
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		rc = -posix_spawn_file_actions_init(&actions);
		if (rc < 0)
			goto out;
		actions_set = true;
		rc = -posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
		if (rc == 0)
			rc = -posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
		if (rc < 0)
			goto out;
	}
	rc = -posix_spawnp(&pid, argv[0], actions_set ? &actions : NULL, NULL, argv, environ);
	if (rc < 0) {
		pid = -1;
		goto out;
	}
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		pipefd[1] = -1;
	}
	for (;;) {
		pid_t r = waitpid(pid, &wstatus, WNOHANG);

		if (r == pid)
			break;
		if (r < 0) {
			rc = -errno;
			pid = -1;
			goto out;
		}
		if (vmha_deadline_expired(deadline_ms)) {
			kill(pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
			pid = -1;
			rc = -ETIMEDOUT;
			goto out;
		}
		if (pipefd[0] >= 0)
			drain(pipefd[0], out, out_len, &used, CMD_POLL_MS);
		else
			usleep(CMD_POLL_MS * 1000);
	}
	pid = -1;
	/* what is left in the pipe after the exit */
	if (pipefd[0] >= 0) {
		size_t before;

		do {
			before = used;
			drain(pipefd[0], out, out_len, &used, 0);
		} while (used != before && used + 1 < out_len);
	}
	if (WIFEXITED(wstatus))
		rc = WEXITSTATUS(wstatus);
	else
		rc = 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
out:
	if (actions_set)
		posix_spawn_file_actions_destroy(&actions);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return rc;
}
