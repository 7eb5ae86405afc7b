/*
 * vmhad's VM health glue (standalone mode): the worker of
 * heartbeat/vmhealth_worker.h started with the settings, fed the VMs that
 * opted in from each registry read, its destroys turned into a log line, an
 * alert and a metric, and its view in the status JSON.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat/vmhad_int.h"
#include "heartbeat/vmhealth_worker.h"
#include "log.h"

#define STATUS_MAX 1024

static int32_t on_health_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_vmhealth_event ev;
	char desc[256];

	(void)fd;
	(void)revents;
	while (vmha_vmhealth_worker_take(d->health, &ev)) {
		if (ev.rc < 0) {
			vmha_err("vm '%s' is unhealthy (its guest agent did not answer %u pings) "
			         "but "
			         "cannot be destroyed: %s",
			         ev.vm, ev.failed, ev.why);
		} else {
			vmha_warn("vm '%s' destroyed: its guest agent did not answer %u pings in a "
			          "row (%s); its desired state decides what follows",
			          ev.vm, ev.failed, ev.why);
		}
		if (!ev.first) {
			continue; /* one alert per verdict */
		}
		snprintf(desc, sizeof(desc),
		         "QEMU guest agent did not answer %u pings: %s (%.160s)", ev.failed,
		         ev.rc < 0 ? "destroy failed" : "destroyed", ev.why);
		vmha_notify_vm_unhealthy(d->notify, ev.vm, desc);
	}
	return 0;
}

int vmhad_health_setup(struct daemon *d)
{
	struct vmha_vmhealth_worker_opts o;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.uri = d->conf.libvirt_uri;
	o.interval_ms = d->conf.health_interval_ms;
	o.timeout_ms = d->conf.health_timeout_ms;
	o.failures = d->conf.health_failures;
	d->health = vmha_vmhealth_worker_new(&o);
	if (d->health == NULL) {
		vmha_err("cannot start the vm health worker");
		return -ENOMEM;
	}
	rc = qb_loop_poll_add(d->loop, QB_LOOP_MED, vmha_vmhealth_worker_fd(d->health), POLLIN, d,
	                      on_health_fd);
	if (rc < 0) {
		vmha_err("cannot watch the vm health worker: %s", strerror(-rc));
	}
	return rc;
}

void vmhad_health_registry(struct daemon *d, const struct vmha_regload_snapshot *snap)
{
	char(*names)[VMHA_NAME_SIZE] = NULL;
	size_t n = 0;
	size_t i;

	if (d->health == NULL || snap->rc < 0) {
		return;
	}
	names = calloc(snap->n_vms > 0 ? snap->n_vms : 1, sizeof(*names));
	if (names == NULL) {
		return; /* the previous list stays */
	}
	for (i = 0; i < snap->n_vms; i++) {
		/* only a VM vmhad keeps running: it restarts what the check destroys */
		if (snap->vms[i].health_agent && snap->vms[i].desired == VMHA_DESIRED_STARTED) {
			snprintf(names[n++], VMHA_NAME_SIZE, "%s", snap->vms[i].name);
		}
	}
	if (vmha_vmhealth_worker_set_vms(d->health, (const char(*)[VMHA_NAME_SIZE])names, n) < 0) {
		vmha_warn("vm health: no memory for the list of vms (the previous one stays)");
	}
	free(names);
}

void vmhad_health_status(struct daemon *d, json_object *root)
{
	struct vmha_vmhealth_status *st = NULL;
	json_object *o = NULL;
	json_object *vms = NULL;
	size_t n = 0;
	size_t i;

	if (d->health == NULL) {
		return;
	}
	st = calloc(STATUS_MAX, sizeof(*st));
	o = json_object_new_object();
	vms = json_object_new_array();
	if (st == NULL || o == NULL || vms == NULL) {
		json_object_put(o);
		json_object_put(vms);
		goto out;
	}
	n = vmha_vmhealth_worker_status(d->health, st, STATUS_MAX);
	for (i = 0; i < n; i++) {
		json_object *v = json_object_new_object();

		if (v == NULL) {
			continue;
		}
		json_object_object_add(v, "name", json_object_new_string(st[i].vm));
		json_object_object_add(
		        v, "state", json_object_new_string(vmha_vmhealth_state_name(st[i].state)));
		json_object_object_add(v, "failed_pings", json_object_new_int64(st[i].failed));
		json_object_array_add(vms, v);
	}
	json_object_object_add(o, "interval_ms",
	                       json_object_new_int64((int64_t)d->conf.health_interval_ms));
	json_object_object_add(o, "timeout_ms",
	                       json_object_new_int64((int64_t)d->conf.health_timeout_ms));
	json_object_object_add(o, "failures", json_object_new_int64(d->conf.health_failures));
	json_object_object_add(o, "vms", vms);
	json_object_object_add(root, "vm_health", o);
out:
	free(st);
}
