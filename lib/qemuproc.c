/* The one QEMU process matcher (see qemuproc.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "qemuproc.h"
#include "util.h"

#define DELETED_SUFFIX " (deleted)"

bool vmha_qemuproc_exe_is_qemu(const char *exe)
{
	const char *base = NULL;
	size_t len = 0;
	size_t dlen = strlen(DELETED_SUFFIX);

	if (exe == NULL || exe[0] != '/') {
		return false;
	}
	base = strrchr(exe, '/') + 1;
	len = strlen(base);
	if (len > dlen && strcmp(base + len - dlen, DELETED_SUFFIX) == 0) {
		len -= dlen;
	}
	if (len > strlen("qemu-system-") && strncmp(base, "qemu-system-", 12) == 0) {
		return true;
	}
	return (len == 8 && strncmp(base, "qemu-kvm", 8) == 0) ||
	       (len == 3 && strncmp(base, "kvm", 3) == 0);
}

/* Does a "-name" value name the guest? "NAME", "guest=NAME,..." */
static bool name_arg_matches(const char *arg, const char *name)
{
	size_t len = strlen(name);
	const char *g = NULL;

	if (strcmp(arg, name) == 0) {
		return true;
	}
	for (g = arg; (g = strstr(g, "guest=")) != NULL; g++) {
		if ((g == arg || g[-1] == ',') && strncmp(g + 6, name, len) == 0 &&
		    (g[6 + len] == ',' || g[6 + len] == '\0')) {
			return true;
		}
	}
	return false;
}

bool vmha_qemuproc_args_match(const char *args, size_t len, const char *name, const char *uuid)
{
	const char *end = args + len;
	const char *a = args;

	if (args == NULL || (name == NULL && uuid == NULL)) {
		return false;
	}
	while (a < end) {
		size_t alen = strnlen(a, (size_t)(end - a));
		const char *v = a + alen + 1;

		if (v < end && strnlen(v, (size_t)(end - v)) < (size_t)(end - v)) {
			if (name != NULL && strcmp(a, "-name") == 0 && name_arg_matches(v, name)) {
				return true;
			}
			if (uuid != NULL && strcmp(a, "-uuid") == 0 && strcasecmp(v, uuid) == 0) {
				return true;
			}
		}
		a += alen + 1;
	}
	return false;
}

/* Compare a cgroup path part with name; in systemd form a '-' is "\x2d". */
static const char *match_escaped(const char *p, const char *name, bool systemd)
{
	for (; *name != '\0'; name++) {
		if (systemd && *name == '-') {
			if (strncmp(p, "\\x2d", 4) != 0) {
				return NULL;
			}
			p += 4;
		} else if (*p == *name) {
			p++;
		} else {
			return NULL;
		}
	}
	return p;
}

/* Does one path component start at p name the guest's machine? */
static bool component_matches(const char *p, const char *name)
{
	const char *sep = "-";
	const char *suffix = ".libvirt-qemu";
	bool systemd = false;
	const char *q = NULL;

	if (strncmp(p, "machine-qemu\\x2d", 16) == 0) {
		systemd = true;
		sep = "\\x2d";
		suffix = ".scope";
		p += 16;
	} else if (strncmp(p, "qemu-", 5) == 0) {
		p += 5;
	} else {
		return false;
	}
	q = p;
	while (*q >= '0' && *q <= '9') {
		q++;
	}
	if (q == p || strncmp(q, sep, strlen(sep)) != 0) {
		return false;
	}
	q = match_escaped(q + strlen(sep), name, systemd);
	if (q == NULL || strncmp(q, suffix, strlen(suffix)) != 0) {
		return false;
	}
	q += strlen(suffix);
	return *q == '/' || *q == '\n' || *q == '\0';
}

bool vmha_qemuproc_cgroup_match(const char *cgroup, const char *name)
{
	const char *p = cgroup;

	if (cgroup == NULL || name == NULL || name[0] == '\0') {
		return false;
	}
	for (; *p != '\0'; p++) {
		if (*p == '/' && component_matches(p + 1, name)) {
			return true;
		}
	}
	return false;
}

/* Read a small /proc file; returns its length or -1. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t off = 0;
	ssize_t n = 0;
	int fd = -1;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	while (off < (ssize_t)size - 1 && (n = read(fd, buf + off, size - 1 - (size_t)off)) > 0) {
		off += n;
	}
	close(fd);
	buf[off] = '\0';
	return off;
}

bool vmha_qemuproc_is_guest_of(pid_t pid, const char *name, const char *uuid)
{
	char path[64];
	char exe[4096];
	char *buf = NULL;
	ssize_t len = 0;
	bool found = false;
	const size_t size = 65536;

	if (pid <= 0 || (name == NULL && uuid == NULL)) {
		return false;
	}
	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	len = readlink(path, exe, sizeof(exe) - 1);
	if (len <= 0) {
		return false; /* gone, a kernel thread, or not ours to read */
	}
	exe[len] = '\0';
	if (!vmha_qemuproc_exe_is_qemu(exe)) {
		return false;
	}
	buf = malloc(size);
	if (buf == NULL) {
		return false;
	}
	len = read_proc(pid, "cmdline", buf, size);
	if (len > 0 && vmha_qemuproc_args_match(buf, (size_t)len, name, uuid)) {
		found = true;
	}
	if (!found && name != NULL && read_proc(pid, "cgroup", buf, size) > 0) {
		found = vmha_qemuproc_cgroup_match(buf, name);
	}
	free(buf);
	return found;
}

bool vmha_qemuproc_is_guest(pid_t pid, const char *name)
{
	return vmha_qemuproc_is_guest_of(pid, name, NULL);
}

int vmha_qemuproc_find_all(const char *name, const char *uuid, pid_t *pids, size_t max, size_t *n)
{
	DIR *dir = NULL;
	struct dirent *de = NULL;
	int rc = 0;

	*n = 0;
	if ((name == NULL && uuid == NULL) || (pids == NULL && max > 0)) {
		rc = -EINVAL;
		goto out;
	}
	dir = opendir("/proc");
	if (dir == NULL) {
		rc = -errno;
		goto out;
	}
	while ((de = readdir(dir)) != NULL && *n < max) {
		uint64_t v = 0;

		if (vmha_util_parse_u64(de->d_name, &v) < 0 || v <= 1 || v >= (uint64_t)INT32_MAX ||
		    (pid_t)v == getpid()) {
			continue;
		}
		if (vmha_qemuproc_is_guest_of((pid_t)v, name, uuid)) {
			pids[(*n)++] = (pid_t)v;
		}
	}
out:
	if (dir != NULL) {
		closedir(dir);
	}
	return rc;
}

int vmha_qemuproc_find(const char *rundir, const char *name, pid_t *pid)
{
	char path[4096];
	char buf[32];
	FILE *f = NULL;
	size_t n = 0;
	int rc = -ESRCH;

	*pid = 0;
	snprintf(path, sizeof(path), "%s/%s.pid", rundir, name);
	f = fopen(path, "re");
	if (f != NULL) {
		uint64_t v = 0;

		if (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			if (vmha_util_parse_u64(buf, &v) == 0 && v > 0 && v < (uint64_t)INT32_MAX &&
			    vmha_qemuproc_is_guest((pid_t)v, name)) {
				*pid = (pid_t)v;
				rc = 0;
			}
		}
		fclose(f);
		if (rc == 0) {
			goto out;
		}
	}
	/* no (valid) pid file: look at every process */
	rc = vmha_qemuproc_find_all(name, NULL, pid, 1, &n);
	if (rc == 0 && n == 0) {
		rc = -ESRCH;
	}
out:
	return rc;
}
