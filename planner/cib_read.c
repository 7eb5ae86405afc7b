/* Read a CIB for the planner: from a file, stdin or cibadmin -Q (see cib.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cib.h"
#include "cib_int.h"
#include "deadline.h"

/* Read all of fd until EOF or the deadline. */
static int read_all(int fd, uint64_t deadline_ms, char **out, size_t *outlen)
{
	char *data = NULL;
	size_t len = 0;
	size_t alloc = 0;
	int rc = 0;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		int pr;

		if (len == alloc) {
			char *p = NULL;

			if (alloc >= MAX_CIB_BYTES) {
				rc = -EFBIG;
				goto out;
			}
			alloc = alloc == 0 ? 65536 : alloc * 2;
			p = realloc(data, alloc);
			if (p == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			data = p;
		}
		if (deadline_ms != 0) {
			pr = poll(&pfd, 1, vmha_deadline_poll_timeout(deadline_ms));
			if (pr < 0 && errno == EINTR) {
				continue;
			}
			if (pr < 0) {
				rc = -errno;
				goto out;
			}
			if (pr == 0) {
				rc = -ETIMEDOUT;
				goto out;
			}
		}
		n = read(fd, data + len, alloc - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	*out = data;
	*outlen = len;
	data = NULL;
out:
	free(data);
	return rc;
}

int vmha_cib_parse_file(const char *path, struct vmha_model *m, char *err, size_t errlen)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char *data = NULL;
	size_t len = 0;
	int fd = -1;
	int rc = 0;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
		goto out;
	}
	rc = read_all(fd, 0, &data, &len);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", name, strerror(-rc));
		goto out;
	}
	rc = vmha_cib_parse_buffer(name, data, len, m, err, errlen);
out:
	if (fd > STDIN_FILENO) {
		close(fd);
	}
	free(data);
	return rc;
}

int vmha_cib_read_live(struct vmha_model *m, uint64_t timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline_ms = vmha_deadline_in_ms(timeout_ms);
	int pipefd[2] = {-1, -1};
	pid_t pid = -1;
	char *data = NULL;
	size_t len = 0;
	int status = 0;
	int rc = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cibadmin -Q: pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "cibadmin -Q: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execlp("cibadmin", "cibadmin", "-Q", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	rc = read_all(pipefd[0], deadline_ms, &data, &len);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
		snprintf(err, errlen, "cibadmin -Q: %s",
		         rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = -EIO;
		snprintf(err, errlen, "cibadmin -Q: failed (exit status %d)",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	rc = vmha_cib_parse_buffer("cibadmin -Q", data, len, m, err, errlen);
out:
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
	}
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
	}
	free(data);
	return rc;
}
