/* Find a guest's QEMU process without libvirtd (see qemuproc.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemuproc.h"
#include "util.h"

/* Does a "-name" value name the guest? "NAME", "guest=NAME,..." */
static bool name_arg_matches(const char *arg, const char *name)
{
	size_t len = strlen(name);
	const char *g;

	if (strcmp(arg, name) == 0)
		return true;
	for (g = arg; (g = strstr(g, "guest=")) != NULL; g++) {
		if ((g == arg || g[-1] == ',') && strncmp(g + 6, name, len) == 0 &&
		    (g[6 + len] == ',' || g[6 + len] == '\0'))
			return true;
	}
	return false;
}

bool vmha_qemuproc_is_guest(pid_t pid, const char *name)
{
	char path[64];
	char buf[65536];
	ssize_t n;
	ssize_t off = 0;
	int fd;
	bool is_qemu = false;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (off < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + off, sizeof(buf) - 1 - (size_t)off)) > 0)
		off += n;
	close(fd);
	if (off <= 0)
		return false; /* zombie or kernel thread */
	buf[off] = '\0';
	{
		const char *argv0 = buf;
		const char *base = strrchr(argv0, '/');

		base = base != NULL ? base + 1 : argv0;
		is_qemu = strncmp(base, "qemu", 4) == 0;
	}
	for (const char *a = buf; a < buf + off; a += strlen(a) + 1) {
		if (strcmp(a, "-name") == 0) {
			const char *v = a + strlen(a) + 1;

			if (v < buf + off && name_arg_matches(v, name))
				found = true;
		}
	}
	return is_qemu && found;
}

int vmha_qemuproc_find(const char *rundir, const char *name, pid_t *pid)
{
	char path[4096];
	char buf[32];
	DIR *dir = NULL;
	struct dirent *de;
	FILE *f;
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
		if (rc == 0)
			goto out;
	}
	/* no (valid) pid file: look at every process */
	dir = opendir("/proc");
	if (dir == NULL) {
		rc = -errno;
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		uint64_t v = 0;

		if (vmha_util_parse_u64(de->d_name, &v) < 0 || v == 0 || v >= (uint64_t)INT32_MAX)
			continue;
		if (vmha_qemuproc_is_guest((pid_t)v, name)) {
			*pid = (pid_t)v;
			rc = 0;
			break;
		}
	}
out:
	if (dir != NULL)
		closedir(dir);
	return rc;
}
