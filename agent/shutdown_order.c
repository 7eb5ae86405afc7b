/* Host shutdown ordering with a systemd drop-in (see shutdown_order.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "deadline.h"
#include "log.h"
#include "shutdown_order.h"

static const char *dropin_dir(void)
{
	const char *dir = getenv("VMHA_SYSTEMD_RUNDIR");

	return dir != NULL && dir[0] == '/' ? dir : VMHA_SHUTDOWN_ORDER_DIR;
}

static bool systemd_is_pid1(void)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/1/comm", "re");

	if (f == NULL) {
		return false;
	}
	if (fgets(comm, sizeof(comm), f) == NULL) {
		comm[0] = '\0';
	}
	fclose(f);
	return strcmp(comm, "systemd\n") == 0;
}

int vmha_shutdown_order_path(const struct vmha_actx *c, char *path, size_t path_len)
{
	char key[300];
	size_t i;
	int n;

	snprintf(key, sizeof(key), "%s",
	         vmha_params_instance(c->p) != NULL ? vmha_params_instance(c->p) : c->name);
	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] == '/') {
			key[i] = '_';
		}
	}
	n = snprintf(path, path_len, "%s/99-vmha-VirtualDomain-%s.conf", dropin_dir(), key);
	return n < 0 || (size_t)n >= path_len ? -ENAMETOOLONG : 0;
}

/* Create dir and its parents (mode 0755). */
static int mkdir_p(const char *dir)
{
	char tmp[4096];
	char *s;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (s = tmp + 1; *s != '\0'; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
			*s = '/';
		}
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

void vmha_shutdown_order_add(struct vmha_actx *c)
{
	char path[4200];
	char tmp[4300];
	char text[1024];
	char old[1024] = "";
	size_t n = 0;
	FILE *f = NULL;
	int rc;

	if (vmha_shutdown_order_path(c, path, sizeof(path)) < 0) {
		return;
	}
	snprintf(text, sizeof(text),
	         "# Written by ocf:vmha:VirtualDomain for resource '%s' (removed by its stop):\n"
	         "# at host shutdown, Pacemaker stops (migrating the guest away) before\n"
	         "# libvirt and the guests' own shutdown.\n"
	         "[Unit]\n"
	         "After=libvirtd.service virtqemud.service libvirt-guests.service "
	         "virt-guest-shutdown.target\n"
	         "Wants=virt-guest-shutdown.target\n",
	         vmha_params_instance(c->p) != NULL ? vmha_params_instance(c->p) : c->name);
	f = fopen(path, "re");
	if (f != NULL) {
		n = fread(old, 1, sizeof(old) - 1, f);
		old[n] = '\0';
		fclose(f);
		f = NULL;
		if (strcmp(old, text) == 0) {
			return;
		}
	}
	rc = mkdir_p(dropin_dir());
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (rc == 0) {
		f = fopen(tmp, "we");
		rc = f == NULL ? -errno : 0;
	}
	if (rc == 0 && (fputs(text, f) < 0 || fchmod(fileno(f), 0644) < 0)) {
		rc = -EIO;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		rc = -errno;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		rc = -errno;
	}
	if (rc < 0) {
		unlink(tmp);
		vmha_warn("cannot write the shutdown-ordering drop-in '%s': %s", path,
		          strerror(-rc));
		return;
	}
	vmha_info("wrote the shutdown-ordering drop-in '%s'", path);
	if (systemd_is_pid1()) {
		char *reload[] = {"systemctl", "daemon-reload", NULL};
		char *start[] = {"systemctl", "start", "virt-guest-shutdown.target", NULL};
		uint64_t deadline_ms = vmha_deadline_share(c->deadline_ms, 20);
		int r = vmha_cmd_run(reload, deadline_ms, NULL, 0);

		if (r != 0) {
			vmha_warn("systemctl daemon-reload failed (%d)", r);
		}
		r = vmha_cmd_run(start, deadline_ms, NULL, 0);
		if (r != 0) {
			vmha_warn("systemctl start virt-guest-shutdown.target failed (%d)", r);
		}
	}
}

void vmha_shutdown_order_remove(struct vmha_actx *c)
{
	char path[4200];

	if (vmha_shutdown_order_path(c, path, sizeof(path)) < 0) {
		return;
	}
	if (unlink(path) == 0) {
		vmha_info("removed the shutdown-ordering drop-in '%s'", path);
	} else if (errno != ENOENT) {
		vmha_warn("cannot remove '%s': %s", path, strerror(errno));
	}
}
