/*
 * The registry loader (see regload.h): one worker thread, a mutex, a
 * condition variable and a pipe that wakes the main loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "heartbeat/regload.h"
#include "log.h"
#include "planner/model.h"
#include "registry.h"
#include "util.h"
#include "vmspec.h"

struct vmha_regload {
	char dir[1024];
	int fds[2];
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
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
	    strlen(s.allowed) >= sizeof(spec->allowed)) {
		snprintf(err, errlen, "name, anti-affinity or allowed too long");
		rc = -EINVAL;
		goto out;
	}
	memcpy(spec->name, s.name, strlen(s.name) + 1);
	memcpy(spec->group, s.group, strlen(s.group) + 1);
	memcpy(spec->allowed, s.allowed, strlen(s.allowed) + 1);
	spec->priority = s.priority;
	spec->restart = s.restart;
	spec->desired = vmha_registry_vm_desired(vm);
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

static void *loader_thread(void *arg)
{
	struct vmha_regload *rl = arg;
	struct vmha_regload_snapshot *s = NULL;
	uint64_t seq;
	char byte = 1;

	pthread_mutex_lock(&rl->lock);
	while (!rl->stop) {
		if (rl->requested == rl->reading) {
			pthread_cond_wait(&rl->wake, &rl->lock);
			continue;
		}
		seq = rl->requested;
		rl->reading = seq;
		rl->busy_since_ms = vmha_clock_now_ms();
		pthread_mutex_unlock(&rl->lock);
		s = vmha_regload_read(rl->dir);
		pthread_mutex_lock(&rl->lock);
		rl->busy_since_ms = 0;
		if (s == NULL) {
			continue;
		}
		s->seq = seq;
		vmha_regload_snapshot_free(rl->ready);
		rl->ready = s;
		s = NULL;
		if (write(rl->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
			vmha_err("cannot wake the main loop after a registry read: %s",
			         strerror(errno));
		}
	}
	pthread_mutex_unlock(&rl->lock);
	return NULL;
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
	if (pipe2(rl->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(rl);
		return NULL;
	}
	pthread_mutex_init(&rl->lock, NULL);
	pthread_cond_init(&rl->wake, NULL);
	if (pthread_create(&rl->tid, NULL, loader_thread, rl) != 0) {
		close(rl->fds[0]);
		close(rl->fds[1]);
		pthread_mutex_destroy(&rl->lock);
		pthread_cond_destroy(&rl->wake);
		free(rl);
		return NULL;
	}
	return rl;
}

void vmha_regload_free(struct vmha_regload *rl, uint64_t wait_ms)
{
	struct timespec until;

	if (rl == NULL) {
		return;
	}
	pthread_mutex_lock(&rl->lock);
	rl->stop = true;
	pthread_cond_signal(&rl->wake);
	pthread_mutex_unlock(&rl->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(wait_ms / 1000);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(rl->tid, NULL, &until) != 0) {
		/* stuck in i/o: it still uses rl, which stays allocated */
		vmha_warn("the registry reader is stuck in i/o on '%s': not waiting for it",
		          rl->dir);
		pthread_detach(rl->tid);
		return;
	}
	close(rl->fds[0]);
	close(rl->fds[1]);
	vmha_regload_snapshot_free(rl->ready);
	pthread_mutex_destroy(&rl->lock);
	pthread_cond_destroy(&rl->wake);
	free(rl);
}

int vmha_regload_fd(const struct vmha_regload *rl)
{
	return rl->fds[0];
}

uint64_t vmha_regload_request(struct vmha_regload *rl)
{
	uint64_t seq;

	pthread_mutex_lock(&rl->lock);
	/* a read in progress started before this request: ask for the next one */
	seq = ++rl->requested;
	pthread_cond_signal(&rl->wake);
	pthread_mutex_unlock(&rl->lock);
	return seq;
}

bool vmha_regload_take(struct vmha_regload *rl, struct vmha_regload_snapshot **out)
{
	char buf[64];

	if (rl == NULL || out == NULL) {
		return false;
	}
	while (read(rl->fds[0], buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&rl->lock);
	*out = rl->ready;
	rl->ready = NULL;
	pthread_mutex_unlock(&rl->lock);
	return *out != NULL;
}

uint64_t vmha_regload_busy_ms(struct vmha_regload *rl, uint64_t now_ms)
{
	uint64_t since;

	pthread_mutex_lock(&rl->lock);
	since = rl->busy_since_ms;
	pthread_mutex_unlock(&rl->lock);
	return since != 0 && now_ms > since ? now_ms - since : 0;
}
