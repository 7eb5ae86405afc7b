/* Self-fencing after quorum loss: the timer, destroying the VMs, the record. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"
#include "qemuproc.h"
#include "selffence.h"
#include "util.h"
#include "virt.h"

/* longest one libvirt call of the self-fence may take (then: kill QEMU directly) */
#define SELFFENCE_CALL_MS 5000

struct vmha_selffence {
	uint64_t delay_ms;
	bool quorate;
	uint64_t lost_at_ms;
	bool done;
};

int vmha_selffence_check_delay(uint64_t delay_ms, uint64_t restart_delay_ms)
{
	if (delay_ms > UINT64_MAX - VMHA_SELFFENCE_MARGIN_MS ||
	    delay_ms + VMHA_SELFFENCE_MARGIN_MS > restart_delay_ms) {
		return -EINVAL;
	}
	return 0;
}

struct vmha_selffence *vmha_selffence_new(uint64_t delay_ms)
{
	struct vmha_selffence *sf = calloc(1, sizeof(*sf));

	if (sf != NULL) {
		sf->delay_ms = delay_ms;
		sf->quorate = true;
	}
	return sf;
}

void vmha_selffence_free(struct vmha_selffence *sf)
{
	free(sf);
}

void vmha_selffence_set_quorate(struct vmha_selffence *sf, bool quorate, uint64_t now_ms)
{
	if (quorate == sf->quorate) {
		return;
	}
	sf->quorate = quorate;
	if (!quorate) {
		sf->lost_at_ms = now_ms;
		vmha_warn("quorum lost: protected VMs will be destroyed in %llu ms unless it "
		          "comes back",
		          (unsigned long long)sf->delay_ms);
	} else {
		sf->done = false;
		vmha_notice("quorum regained");
	}
}

uint64_t vmha_selffence_due_at_ms(const struct vmha_selffence *sf)
{
	if (sf->quorate || sf->done || sf->lost_at_ms > UINT64_MAX - sf->delay_ms) {
		return VMHA_DEADLINE_NEVER;
	}
	return sf->lost_at_ms + sf->delay_ms;
}

bool vmha_selffence_due(const struct vmha_selffence *sf, uint64_t now_ms)
{
	return now_ms >= vmha_selffence_due_at_ms(sf);
}

bool vmha_selffence_may_feed_watchdog(const struct vmha_selffence *sf, uint64_t now_ms)
{
	return sf->quorate || (!sf->done && !vmha_selffence_due(sf, now_ms));
}

void vmha_selffence_mark_done(struct vmha_selffence *sf)
{
	sf->done = true;
}

/* Destroy one VM through lib/virt (each call bounded); 0 when verified not running. */
static int destroy_one(struct vmha_virt *v, const char *name)
{
	struct vmha_virt_domain *dom = NULL;
	int state = VIR_DOMAIN_NOSTATE;
	int reason = 0;
	int rc;

	rc = vmha_virt_domain_lookup(v, NULL, name, vmha_deadline_in_ms(SELFFENCE_CALL_MS), &dom);
	if (rc == -ENOENT) {
		rc = 0;
		goto stopped;
	}
	if (rc < 0) {
		vmha_err("self-fence: cannot look up domain '%s': %s", name, vmha_virt_error(v));
		goto out;
	}
	rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(SELFFENCE_CALL_MS), &state,
	                                &reason);
	if (rc == 0 && state != VIR_DOMAIN_SHUTOFF &&
	    vmha_virt_domain_destroy(dom, 0, vmha_deadline_in_ms(SELFFENCE_CALL_MS)) < 0) {
		vmha_err("self-fence: cannot destroy domain '%s': %s", name, vmha_virt_error(v));
	}
	rc = vmha_virt_domain_get_state(dom, vmha_deadline_in_ms(SELFFENCE_CALL_MS), &state,
	                                &reason);
	if (rc == -ENOENT) {
		/* a transient domain is gone once destroyed */
		rc = 0;
		state = VIR_DOMAIN_SHUTOFF;
	}
	if (rc < 0 || state != VIR_DOMAIN_SHUTOFF) {
		vmha_err("self-fence: domain '%s' may still run", name);
		rc = -EIO;
		goto out;
	}
stopped:
	vmha_notice("self-fence: domain '%s' is stopped", name);
out:
	vmha_virt_domain_free(dom);
	return rc < 0 ? -EIO : 0;
}

int vmha_selffence_destroy_vms(struct vmha_virt *conn, const char *const *vms, size_t n,
                               size_t *stopped)
{
	size_t i;
	int rc = 0;

	*stopped = 0;
	if (conn == NULL || (vms == NULL && n > 0)) {
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (destroy_one(conn, vms[i]) == 0) {
			(*stopped)++;
		} else {
			rc = -EIO;
		}
	}
	return rc;
}

static bool pid_alive(pid_t pid)
{
	char path[64];
	char line[256];
	bool alive = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL) {
		return false;
	}
	if (fgets(line, sizeof(line), f) != NULL) {
		const char *paren = strrchr(line, ')');
		alive = paren == NULL || paren[1] == '\0' || paren[2] != 'Z';
	}
	fclose(f);
	return alive;
}

int vmha_selffence_kill_qemu(const char *vm, size_t *killed)
{
	return vmha_selffence_kill_guest(vm, NULL, killed);
}

int vmha_selffence_kill_guest(const char *vm, const char *uuid, size_t *killed)
{
	pid_t pids[64];
	size_t n = 0, i;
	uint64_t deadline_ms;
	bool left = false;
	int rc = 0;

	*killed = 0;
	if (vm == NULL || !vmha_util_name_is_valid(vm)) {
		rc = -EINVAL;
		goto out;
	}
	/* Only a QEMU binary whose -name/-uuid or libvirt cgroup is this guest. */
	rc = vmha_qemuproc_find_all(vm, uuid, pids, sizeof(pids) / sizeof(pids[0]), &n);
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (kill(pids[i], SIGKILL) == 0) {
			vmha_warn("self-fence: killed QEMU process %ld of domain '%s'",
			          (long)pids[i], vm);
		}
	}
	*killed = n;
	deadline_ms = vmha_deadline_in_ms(2000);
	do {
		left = false;
		for (i = 0; i < n; i++) {
			left = left || pid_alive(pids[i]);
		}
		if (left) {
			usleep(20 * 1000);
		}
	} while (left && !vmha_deadline_expired(deadline_ms));
	if (left) {
		vmha_err("self-fence: a QEMU process of domain '%s' survived SIGKILL", vm);
		rc = -EIO;
	}
out:
	return rc;
}

static char *record_path(const char *slot_path)
{
	char *path = NULL;

	if (asprintf(&path, "%s.selffence", slot_path) < 0) {
		return NULL;
	}
	return path;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd = -1;
	int rc = 0;

	if (copy == NULL) {
		return -ENOMEM;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		rc = -errno;
	}
	if (fd >= 0) {
		close(fd);
	}
	free(copy);
	return rc;
}

int vmha_selffence_record_write(const char *slot_path, const char *node, const char *const *vms,
                                size_t n, bool complete)
{
	char *path = NULL;
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1;
	size_t i;
	int rc = 0;

	if (slot_path == NULL || node == NULL || !vmha_util_name_is_valid(node)) {
		rc = -EINVAL;
		goto out;
	}
	path = record_path(slot_path);
	if (path == NULL || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	fd = -1;
	fprintf(f, "node=%s\ntime=%lld\nvms=", node, (long long)time(NULL));
	for (i = 0; i < n; i++) {
		fprintf(f, "%s%s", i > 0 ? "," : "", vms[i]);
	}
	fprintf(f, "\nresult=%s\n", complete ? "complete" : "incomplete");
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = -errno;
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = -errno;
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto out;
	}
	rc = fsync_dir_of(path);
out:
	if (f != NULL) {
		fclose(f);
	}
	if (fd >= 0) {
		close(fd);
	}
	if (rc != 0 && tmp != NULL) {
		unlink(tmp);
		vmha_err("self-fence: cannot write record '%s': %s", path != NULL ? path : "",
		         strerror(-rc));
	}
	free(tmp);
	free(path);
	return rc;
}

int vmha_selffence_record_read(const char *slot_path, int64_t *when_epoch, bool *complete)
{
	char line[4096];
	char *path = NULL;
	FILE *f = NULL;
	bool have_time = false, have_result = false;
	int rc = 0;

	path = record_path(slot_path);
	if (path == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		rc = errno == ENOENT ? -ENOENT : -errno;
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "time=", 5) == 0) {
			have_time = vmha_util_parse_i64(line + 5, when_epoch) == 0;
		} else if (strcmp(line, "result=complete") == 0) {
			*complete = true;
			have_result = true;
		} else if (strcmp(line, "result=incomplete") == 0) {
			*complete = false;
			have_result = true;
		}
	}
	rc = have_time && have_result ? 0 : -EINVAL;
out:
	if (f != NULL) {
		fclose(f);
	}
	free(path);
	return rc;
}

int vmha_selffence_execute(struct vmha_selffence *sf, struct vmha_virt *conn, const char *node,
                           const char *const *vms, size_t n, const char *slot_path)
{
	size_t stopped = 0;
	size_t killed = 0;
	size_t i;
	int destroy_rc = 0;
	int rc;

	vmha_crit("self-fence: quorum lost, destroying %zu protected VMs", n);
	for (i = 0; i < n; i++) {
		int one = conn != NULL ? destroy_one(conn, vms[i]) : -ENOTCONN;
		if (one != 0) {
			/* libvirt could not do it: no QEMU process of the VM may survive. */
			vmha_warn("self-fence: killing the QEMU processes of '%s' directly",
			          vms[i]);
			one = vmha_selffence_kill_qemu(vms[i], &killed);
		}
		if (one == 0) {
			stopped++;
		} else {
			destroy_rc = one;
		}
	}
	rc = vmha_selffence_record_write(slot_path, node, vms, n, destroy_rc == 0);
	if (destroy_rc == 0 && rc == 0) {
		vmha_selffence_mark_done(sf);
		vmha_notice("self-fence: %zu VMs stopped, recorded beside '%s'", stopped,
		            slot_path);
	}
	return destroy_rc != 0 ? destroy_rc : rc;
}
