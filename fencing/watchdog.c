/* Watchdog feeding. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "watchdog.h"

struct vmha_watchdog {
	int fd;
	char *path;
	unsigned long feeds;
};

int vmha_watchdog_open(const char *path, unsigned int timeout_s, struct vmha_watchdog **out)
{
	struct vmha_watchdog *wd = NULL;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (path == NULL || path[0] != '/') {
		rc = -EINVAL;
		goto out;
	}
	wd = calloc(1, sizeof(*wd));
	if (wd == NULL || (wd->path = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	wd->fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (wd->fd < 0 || fstat(wd->fd, &st) != 0) {
		rc = -errno;
		vmha_err("cannot open watchdog '%s': %s", path, strerror(errno));
		goto out;
	}
	if (S_ISCHR(st.st_mode) && timeout_s > 0) {
		int t = (int)timeout_s;
		if (ioctl(wd->fd, WDIOC_SETTIMEOUT, &t) != 0) {
			vmha_warn("watchdog '%s': cannot set timeout %u s: %s", path, timeout_s,
			          strerror(errno));
		}
	}
	vmha_info("watchdog '%s' open", path);
	*out = wd;
	wd = NULL;
out:
	if (wd != NULL) {
		if (wd->fd >= 0) {
			close(wd->fd);
		}
		free(wd->path);
		free(wd);
	}
	return rc;
}

static int write_byte(int fd, char c)
{
	ssize_t n;

	do {
		n = write(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1) {
		return 0;
	}
	return n < 0 ? -errno : -EIO;
}

int vmha_watchdog_feed(struct vmha_watchdog *wd)
{
	int rc;

	if (wd == NULL) {
		return -EINVAL;
	}
	rc = write_byte(wd->fd, '.');
	if (rc == 0) {
		wd->feeds++;
	} else {
		vmha_err("cannot feed watchdog '%s': %s", wd->path, strerror(-rc));
	}
	return rc;
}

int vmha_watchdog_close(struct vmha_watchdog *wd, bool disarm)
{
	int rc = 0;

	if (wd == NULL) {
		return 0;
	}
	if (disarm) {
		rc = write_byte(wd->fd, 'V');
	}
	if (close(wd->fd) != 0 && rc == 0) {
		rc = -errno;
	}
	free(wd->path);
	free(wd);
	return rc;
}

unsigned long vmha_watchdog_feed_count(const struct vmha_watchdog *wd)
{
	return wd->feeds;
}
