/*
 * The registry loader (see regload.h): one worker thread (lib/worker.h)
 * whose pipe wakes the main loop.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "heartbeat/regload.h"
#include "log.h"
#include "planner/model.h"
#include "registry.h"
#include "util.h"
#include "vmspec.h"
#include "worker.h"

struct vmha_regload {
	char dir[1024];
	struct vmha_worker *thread;
	/* the newest request, and the request the read in progress answers */
	uint64_t requested;
	uint64_t reading;
	/* when the read in progress started (0: idle) */
	uint64_t busy_since_ms;
	struct vmha_regload_snapshot *ready;
};

void vmha_regload_snapshot_free(struct vmha_regload_snapshot *s)
{
	if (s == NULL) {
		return;
	}
	free(s->vms);
	free(s->failed);
	free(s);
}

/*
 * The coordinator's view of one registry entry, from its typed spec (the
 * one registry -> planner mapping, lib/vmspec.h). A VM without a vCPU count
 * counts one. -EINVAL (message in err) for an entry the planner cannot take.
 */
static int spec_of(const struct vmha_registry_vm *vm, const char *name,
                   struct vmha_failover_vm *spec, char *err, size_t errlen)
{
	struct vmha_vm_spec s;
	int rc = 0;

	memset(spec, 0, sizeof(*spec));
	rc = vmha_vm_spec_from_registry(vm, name, &s, err, errlen);
	if (rc < 0) {
		goto out;
	}
	if (strlen(s.name) >= sizeof(spec->name) || strlen(s.group) >= sizeof(spec->group) ||
	    strlen(s.allowed) >= sizeof(spec->allowed) ||
	    strlen(s.preferred) >= sizeof(spec->preferred)) {
		snprintf(err, errlen, "name, anti-affinity, allowed or preferred too long");
		rc = -EINVAL;
		goto out;
	}
	memcpy(spec->name, s.name, strlen(s.name) + 1);
	memcpy(spec->group, s.group, strlen(s.group) + 1);
	memcpy(spec->allowed, s.allowed, strlen(s.allowed) + 1);
	memcpy(spec->preferred, s.preferred, strlen(s.preferred) + 1);
	spec->priority = s.priority;
	spec->restart = s.restart;
	spec->desired = vmha_registry_vm_desired(vm);
	spec->health_agent = vmha_registry_vm_health_agent(vm);
	spec->vcpus = s.has_vcpus ? s.vcpus : 1;
	spec->memory_mib = s.has_memory ? s.memory_mib : 0;
out:
	return rc;
}

struct vmha_regload_snapshot *vmha_regload_read(const char *dir)
{
	struct vmha_regload_snapshot *s = calloc(1, sizeof(*s));
	struct vmha_registry *reg = NULL;
	char **names = NULL;
	size_t n = 0;
	size_t i;
	uint64_t t0 = vmha_clock_now_ms();
	int rc;

	if (s == NULL) {
		return NULL;
	}
	reg = vmha_registry_open(dir);
	if (reg == NULL) {
		s->rc = errno != 0 ? -errno : -EIO;
		snprintf(s->err, sizeof(s->err), "cannot open the vm registry '%s': %s", dir,
		         strerror(-s->rc));
		goto out;
	}
	rc = vmha_registry_list(reg, &names, &n);
	if (rc < 0) {
		s->rc = rc;
		snprintf(s->err, sizeof(s->err), "cannot list the vm registry '%s': %s", dir,
		         strerror(-rc));
		goto out;
	}
	s->vms = calloc(n ? n : 1, sizeof(*s->vms));
	s->failed = calloc(n ? n : 1, sizeof(*s->failed));
	if (s->vms == NULL || s->failed == NULL) {
		s->rc = -ENOMEM;
		snprintf(s->err, sizeof(s->err), "cannot read the vm registry '%s': %s", dir,
		         strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct vmha_registry_vm *vm = NULL;
		char *err = NULL;
		char why[512];

		rc = vmha_registry_load(reg, names[i], &vm, &err);
		if (rc < 0) {
			if (s->failed_err[0] == '\0') {
				snprintf(s->failed_err, sizeof(s->failed_err),
				         "registry vm '%s': %s", names[i],
				         err != NULL ? err : strerror(-rc));
			}
			snprintf(s->failed[s->n_failed++], VMHA_NAME_SIZE, "%s", names[i]);
			free(err);
			continue;
		}
		rc = spec_of(vm, names[i], &s->vms[s->n_vms], why, sizeof(why));
		vmha_registry_vm_free(vm);
		if (rc < 0) {
			if (s->failed_err[0] == '\0') {
				snprintf(s->failed_err, sizeof(s->failed_err),
				         "registry vm '%.64s': %.160s", names[i], why);
			}
			/* an entry the planner cannot take counts as unreadable */
			snprintf(s->failed[s->n_failed++], VMHA_NAME_SIZE, "%s", names[i]);
			continue;
		}
		s->n_vms++;
	}
out:
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	vmha_registry_free(reg);
	s->duration_ms = vmha_clock_now_ms() - t0;
	return s;
}

static void loader_thread(struct vmha_worker *t, void *arg)
{
	struct vmha_regload *rl = arg;
	struct vmha_regload_snapshot *s = NULL;
	uint64_t seq;

	vmha_worker_lock(t);
	while (!vmha_worker_stopping(t)) {
		if (rl->requested == rl->reading) {
			(void)vmha_worker_wait_ms(t, UINT64_MAX);
			continue;
		}
		seq = rl->requested;
		rl->reading = seq;
		rl->busy_since_ms = vmha_clock_now_ms();
		vmha_worker_unlock(t);
		s = vmha_regload_read(rl->dir);
		vmha_worker_lock(t);
		rl->busy_since_ms = 0;
		if (s == NULL) {
			continue;
		}
		s->seq = seq;
		vmha_regload_snapshot_free(rl->ready);
		rl->ready = s;
		s = NULL;
		vmha_worker_wake_loop(t);
	}
	vmha_worker_unlock(t);
}

struct vmha_regload *vmha_regload_new(const char *dir)
{
	struct vmha_regload *rl = NULL;

	if (dir == NULL) {
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL) {
		return NULL;
	}
	snprintf(rl->dir, sizeof(rl->dir), "%s", dir);
	rl->thread = vmha_worker_new("registry reader", loader_thread, rl, true);
	if (rl->thread == NULL) {
		free(rl);
		return NULL;
	}
	return rl;
}

void vmha_regload_free(struct vmha_regload *rl, uint64_t wait_ms)
{
	if (rl == NULL) {
		return;
	}
	if (!vmha_worker_stop(rl->thread, wait_ms)) {
		/* stuck in i/o: it still uses rl, which stays allocated */
		return;
	}
	vmha_regload_snapshot_free(rl->ready);
	free(rl);
}

int vmha_regload_fd(const struct vmha_regload *rl)
{
	return vmha_worker_fd(rl->thread);
}

uint64_t vmha_regload_request(struct vmha_regload *rl)
{
	uint64_t seq;

	vmha_worker_lock(rl->thread);
	/* a read in progress started before this request: ask for the next one */
	seq = ++rl->requested;
	vmha_worker_signal(rl->thread);
	vmha_worker_unlock(rl->thread);
	return seq;
}

bool vmha_regload_take(struct vmha_regload *rl, struct vmha_regload_snapshot **out)
{
	if (rl == NULL || out == NULL) {
		return false;
	}
	vmha_worker_drain(rl->thread);
	vmha_worker_lock(rl->thread);
	*out = rl->ready;
	rl->ready = NULL;
	vmha_worker_unlock(rl->thread);
	return *out != NULL;
}

uint64_t vmha_regload_busy_ms(struct vmha_regload *rl, uint64_t now_ms)
{
	uint64_t since;

	vmha_worker_lock(rl->thread);
	since = rl->busy_since_ms;
	vmha_worker_unlock(rl->thread);
	return since != 0 && now_ms > since ? now_ms - since : 0;
}
