/* Host maintenance: the standby flag (see maint.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heartbeat/failover_msg.h"
#include "heartbeat/maint.h"
#include "log.h"
#include "util.h"

#define MAINT_FILE "standby"

struct vmha_maint {
	char path[1100];
	char dir[1024];
	char self[VMHA_NAME_SIZE];
	bool standby;
};

static void load(struct vmha_maint *m)
{
	char buf[64] = "";
	size_t n = 0;
	FILE *f = fopen(m->path, "re");

	if (f == NULL) {
		if (errno != ENOENT) {
			vmha_err("cannot read '%s': %s: this host stays in standby", m->path,
			         strerror(errno));
			m->standby = true;
		}
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (strcmp(buf, "standby\n") == 0) {
		m->standby = true;
	} else if (strcmp(buf, "online\n") == 0) {
		m->standby = false;
	} else {
		vmha_err("'%s':1: expected 'standby' or 'online': this host stays in standby "
		         "('vmha host online %s' clears it)",
		         m->path, m->self);
		m->standby = true;
	}
	if (m->standby) {
		vmha_notice("host '%s' is in standby (kept in '%s')", m->self, m->path);
	}
}

int vmha_maint_new(const char *state_dir, const char *self, struct vmha_maint **out)
{
	struct vmha_maint *m = NULL;

	*out = NULL;
	if (state_dir == NULL || state_dir[0] != '/' || !vmha_util_name_is_valid(self) ||
	    strlen(state_dir) >= sizeof(m->dir)) {
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return -ENOMEM;
	}
	snprintf(m->dir, sizeof(m->dir), "%s", state_dir);
	snprintf(m->path, sizeof(m->path), "%s/%s", state_dir, MAINT_FILE);
	snprintf(m->self, sizeof(m->self), "%s", self);
	load(m);
	*out = m;
	return 0;
}

void vmha_maint_free(struct vmha_maint *m)
{
	free(m);
}

bool vmha_maint_standby(const struct vmha_maint *m)
{
	return m != NULL && m->standby;
}

int vmha_maint_request(const char *text, char **buf, size_t *len, char *err, size_t err_size)
{
	struct vmha_failover_msg msg;
	const char *node = NULL;

	*buf = NULL;
	memset(&msg, 0, sizeof(msg));
	if (strncmp(text, "standby ", 8) == 0) {
		msg.ok = true;
		node = text + 8;
	} else if (strncmp(text, "online ", 7) == 0) {
		node = text + 7;
	} else {
		snprintf(err, err_size,
		         "unknown command (expected 'standby NODE' or 'online NODE')");
		return -EINVAL;
	}
	if (!vmha_util_name_is_valid(node)) {
		snprintf(err, err_size, "invalid host name '%.64s'", node);
		return -EINVAL;
	}
	snprintf(msg.type, sizeof(msg.type), "standby");
	snprintf(msg.host, sizeof(msg.host), "%s", node);
	return vmha_failover_msg_encode(&msg, buf, len);
}

int vmha_maint_command(const char *text, int (*send)(void *opaque, const void *buf, size_t len),
                       void *opaque, char *reply, size_t reply_size)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = vmha_maint_request(text, &buf, &len, reply, reply_size);

	if (rc == 0) {
		rc = send(opaque, buf, len);
		snprintf(reply, reply_size, "%s",
		         rc == 0 ? "published to the group" : "cannot publish to the group");
	}
	free(buf);
	return rc;
}

/* Write the flag to a temporary file, sync it, rename it over the old one. */
static int persist(const struct vmha_maint *m, bool standby)
{
	char tmp[1200];
	const char *text = standby ? "standby\n" : "online\n";
	int fd = -1;
	int dfd = -1;
	int rc = 0;

	if (mkdir(m->dir, 0755) < 0 && errno != EEXIST) {
		return -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", m->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return -errno;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0) {
		rc = errno != 0 ? -errno : -EIO;
	}
	if (close(fd) < 0 && rc == 0) {
		rc = -errno;
	}
	if (rc == 0 && rename(tmp, m->path) < 0) {
		rc = -errno;
	}
	if (rc < 0) {
		unlink(tmp);
		goto out;
	}
	dfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	return rc;
}

int vmha_maint_deliver(struct vmha_maint *m, const char *sender, const void *buf, size_t len,
                       bool *changed)
{
	struct vmha_failover_msg msg;
	char err[128];
	int rc;

	*changed = false;
	if (m == NULL || vmha_failover_msg_decode(buf, len, &msg, err, sizeof(err)) < 0 ||
	    strcmp(msg.type, "standby") != 0) {
		return -ENOMSG;
	}
	if (sender == NULL) {
		vmha_warn("standby message about host '%s' dropped: not sent by a vmhad member",
		          msg.host);
		return -EPERM;
	}
	vmha_notice("host '%s' %s (asked through host '%s')", msg.host,
	            msg.ok ? "enters standby: it takes no vms" : "is online again: it takes vms",
	            sender);
	if (strcmp(msg.host, m->self) != 0 || m->standby == msg.ok) {
		return 0;
	}
	m->standby = msg.ok;
	*changed = true;
	rc = persist(m, msg.ok);
	if (rc < 0) {
		vmha_err("cannot keep the standby flag in '%s': %s: it is lost when vmhad restarts",
		         m->path, strerror(-rc));
	}
	return 0;
}
