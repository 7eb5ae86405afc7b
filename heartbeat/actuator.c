/*
 * The failover actuator (see actuator.h): worker threads and a result pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "deadline.h"
#include "fencing/fence.h"
#include "heartbeat/actuator.h"
#include "log.h"
#include "registry.h"
#include "virt.h"

struct vmha_actuator {
	int fds[2];
};

struct job {
	enum vmha_actuator_kind kind;
	int wfd;
	const struct vmha_fence_config *cfg;
	char host[VMHA_NAME_SIZE];
	char vm[VMHA_NAME_SIZE];
	char uri[256];
	char registry_dir[1024];
	uint64_t timeout_ms;
};

struct vmha_actuator *vmha_actuator_new(void)
{
	struct vmha_actuator *act = calloc(1, sizeof(*act));

	if (act == NULL) {
		return NULL;
	}
	if (pipe2(act->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(act);
		return NULL;
	}
	return act;
}

void vmha_actuator_free(struct vmha_actuator *act)
{
	if (act == NULL) {
		return;
	}
	close(act->fds[0]);
	close(act->fds[1]);
	free(act);
}

int vmha_actuator_fd(const struct vmha_actuator *act)
{
	return act->fds[0];
}

static void deliver(struct job *j, struct vmha_actuator_result *r)
{
	/* one result is smaller than PIPE_BUF: the write is atomic */
	if (write(j->wfd, r, sizeof(*r)) != (ssize_t)sizeof(*r)) {
		vmha_err("cannot report the result of a failover job on '%s'", r->host);
	}
}

static void run_fence(struct job *j, struct vmha_actuator_result *r)
{
	struct vmha_fence_result *res = NULL;
	int rc;

	rc = vmha_fence_run(j->cfg, j->host, VMHA_FENCE_OFF, vmha_deadline_in_ms(j->timeout_ms),
	                    &res);
	if (rc < 0) {
		snprintf(r->text, sizeof(r->text), "fencing could not run: %s", strerror(-rc));
		goto out;
	}
	r->ok = vmha_fence_result_ok(res);
	snprintf(r->text, sizeof(r->text), "%s: %s", vmha_fence_result_via(res),
	         vmha_fence_result_message(res));
out:
	vmha_fence_result_free(res);
}

/*
 * A refused create does not prove the VM is not running here: another start
 * of it (by a vmhad that crashed meanwhile, or still in flight in libvirtd)
 * makes the create fail while that start goes on. The registry's domains are
 * transient: a domain of that name present here (in any state) runs or is
 * starting. Only "no such domain" makes the refusal final; a domain that
 * runs is a start done; anything else leaves the outcome unknown (never
 * re-planned: the announcements will show where it runs).
 */
static void after_refusal(struct job *j, struct vmha_virt *v, uint64_t deadline,
                          struct vmha_actuator_result *r)
{
	struct vmha_virt_domain *dom = NULL;
	int state = 0;
	int reason = 0;
	int rc;

	rc = vmha_virt_domain_lookup(v, NULL, j->vm, deadline, &dom);
	if (rc == -ENOENT) {
		goto out;
	}
	if (rc == 0 && vmha_virt_domain_get_state(dom, deadline, &state, &reason) == 0 &&
	    (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED)) {
		r->ok = true;
		snprintf(r->text, sizeof(r->text), "already running here (started meanwhile)");
		goto out;
	}
	r->unknown = true;
	vmha_warn("vm '%s': %s; but %s", j->vm, r->text,
	          rc == 0 ? "a domain of that name is here: it may be starting"
	                  : "it cannot be looked up again");
out:
	vmha_virt_domain_free(dom);
}

static void run_start(struct job *j, struct vmha_actuator_result *r)
{
	uint64_t deadline = vmha_deadline_in_ms(j->timeout_ms);
	struct vmha_registry *reg = NULL;
	struct vmha_registry_vm *vm = NULL;
	struct vmha_virt *v = NULL;
	struct vmha_virt_domain *dom = NULL;
	char *err = NULL;
	uint64_t t0 = vmha_clock_now_ms();
	int state = 0;
	int reason = 0;
	int rc;

	reg = vmha_registry_open(j->registry_dir);
	rc = reg != NULL ? vmha_registry_load(reg, j->vm, &vm, &err) : -errno;
	if (rc < 0) {
		snprintf(r->text, sizeof(r->text), "cannot start from the registry: %s",
		         err != NULL ? err : strerror(-rc));
		goto out;
	}
	vmha_debug("vm '%s': domain xml read from the registry in %" PRIu64 " ms", j->vm,
	           vmha_clock_now_ms() - t0);
	t0 = vmha_clock_now_ms();
	rc = vmha_virt_open(j->uri[0] ? j->uri : NULL, 5, deadline, &v);
	if (rc < 0) {
		snprintf(r->text, sizeof(r->text), "cannot connect to libvirt: %s",
		         vmha_virt_open_error());
		goto out;
	}
	rc = vmha_virt_domain_lookup(v, NULL, j->vm, deadline, &dom);
	if (rc == 0 && vmha_virt_domain_get_state(dom, deadline, &state, &reason) == 0 &&
	    (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED)) {
		r->ok = true;
		snprintf(r->text, sizeof(r->text), "already running here");
		goto out;
	}
	vmha_virt_domain_free(dom);
	dom = NULL;
	vmha_debug("vm '%s': libvirt connection and lookup in %" PRIu64 " ms", j->vm,
	           vmha_clock_now_ms() - t0);
	t0 = vmha_clock_now_ms();
	rc = vmha_virt_domain_create_xml(v, vmha_registry_vm_xml(vm), 0, deadline, NULL);
	vmha_debug("vm '%s': libvirt create in %" PRIu64 " ms", j->vm, vmha_clock_now_ms() - t0);
	if (rc == -ETIMEDOUT) {
		/* it may still come up: the announcements will show it */
		r->unknown = true;
		snprintf(r->text, sizeof(r->text), "start timed out: %s", vmha_virt_error(v));
		goto out;
	}
	if (rc < 0) {
		snprintf(r->text, sizeof(r->text), "libvirt refused the start: %s",
		         vmha_virt_error(v));
		after_refusal(j, v, deadline, r);
		goto out;
	}
	r->ok = true;
	snprintf(r->text, sizeof(r->text), "started");
out:
	vmha_virt_domain_free(dom);
	vmha_virt_free(v);
	vmha_registry_vm_free(vm);
	vmha_registry_free(reg);
	free(err);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct vmha_actuator_result r;
	uint64_t t0 = vmha_clock_now_ms();

	memset(&r, 0, sizeof(r));
	r.kind = j->kind;
	snprintf(r.host, sizeof(r.host), "%s", j->host);
	snprintf(r.vm, sizeof(r.vm), "%s", j->vm);
	if (j->kind == VMHA_ACTUATOR_FENCE) {
		run_fence(j, &r);
	} else {
		run_start(j, &r);
	}
	r.duration_ms = vmha_clock_now_ms() - t0;
	deliver(j, &r);
	free(j);
	return NULL;
}

static int spawn(struct job *j)
{
	pthread_t tid;
	int rc = -pthread_create(&tid, NULL, worker, j);

	if (rc < 0) {
		free(j);
		return rc;
	}
	pthread_detach(tid);
	return 0;
}

int vmha_actuator_fence(struct vmha_actuator *act, const struct vmha_fence_config *cfg,
                        const char *host, uint64_t timeout_ms)
{
	struct job *j = NULL;

	if (act == NULL || cfg == NULL || host == NULL) {
		return -EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		return -ENOMEM;
	}
	j->kind = VMHA_ACTUATOR_FENCE;
	j->wfd = act->fds[1];
	j->cfg = cfg;
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->timeout_ms = timeout_ms;
	return spawn(j);
}

int vmha_actuator_start(struct vmha_actuator *act, const char *uri, const char *self,
                        const char *vm, const char *registry_dir, uint64_t timeout_ms)
{
	struct job *j = NULL;

	if (act == NULL || self == NULL || vm == NULL || registry_dir == NULL) {
		return -EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		return -ENOMEM;
	}
	j->kind = VMHA_ACTUATOR_START;
	j->wfd = act->fds[1];
	snprintf(j->host, sizeof(j->host), "%s", self);
	snprintf(j->vm, sizeof(j->vm), "%s", vm);
	snprintf(j->uri, sizeof(j->uri), "%s", uri != NULL ? uri : "");
	snprintf(j->registry_dir, sizeof(j->registry_dir), "%s", registry_dir);
	j->timeout_ms = timeout_ms;
	return spawn(j);
}

bool vmha_actuator_take(struct vmha_actuator *act, struct vmha_actuator_result *out)
{
	ssize_t n;

	if (act == NULL || out == NULL) {
		return false;
	}
	n = read(act->fds[0], out, sizeof(*out));
	return n == (ssize_t)sizeof(*out);
}
