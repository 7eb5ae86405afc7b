/* Host capacity and running VMs from libvirt. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "heartbeat/inventory.h"
#include "log.h"
#include "util.h"

/* keepalive: a probe every 2 s, the connection closes after 3 unanswered */
#define KEEPALIVE_INTERVAL_S 2
#define KEEPALIVE_COUNT      3

struct vmha_inventory {
	char *uri;
	uint32_t fake_vms;
	virConnectPtr conn;
	bool reported_down;
	/* the last VMs seen, kept while libvirt is unreachable */
	struct vmha_vm_info *last_vms;
	size_t n_last_vms;
};

static pthread_once_t event_once = PTHREAD_ONCE_INIT;
static bool event_loop_ok;

static void *event_thread(void *arg)
{
	for (;;) {
		virEventRunDefaultImpl();
	}
	return arg;
}

static void quiet_errors(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void start_event_loop(void)
{
	pthread_t tid;

	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() < 0) {
		return;
	}
	if (pthread_create(&tid, NULL, event_thread, NULL) != 0) {
		return;
	}
	pthread_detach(tid);
	event_loop_ok = true;
}

struct vmha_inventory *vmha_inventory_new(const char *uri, uint32_t fake_vms)
{
	struct vmha_inventory *inv = calloc(1, sizeof(*inv));

	if (inv == NULL) {
		return NULL;
	}
	inv->uri = strdup(uri != NULL ? uri : "qemu:///system");
	if (inv->uri == NULL) {
		free(inv);
		return NULL;
	}
	inv->fake_vms = fake_vms;
	if (fake_vms == 0) {
		pthread_once(&event_once, start_event_loop);
	}
	return inv;
}

void vmha_inventory_free(struct vmha_inventory *inv)
{
	if (inv == NULL) {
		return;
	}
	if (inv->conn != NULL) {
		virConnectClose(inv->conn);
	}
	free(inv->last_vms);
	free(inv->uri);
	free(inv);
}

static void kernel_capacity(struct vmha_announce *a)
{
	struct sysinfo si;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	a->cpus = cpus > 0 ? (uint32_t)cpus : 1;
	if (sysinfo(&si) == 0) {
		a->memory_kib = (uint64_t)si.totalram * si.mem_unit / 1024;
		a->memory_free_kib = (uint64_t)si.freeram * si.mem_unit / 1024;
	}
}

static int fake_collect(struct vmha_inventory *inv, struct vmha_announce *a)
{
	uint32_t i;

	kernel_capacity(a);
	a->vms = calloc(inv->fake_vms, sizeof(*a->vms));
	if (a->vms == NULL) {
		return -ENOMEM;
	}
	a->n_vms = inv->fake_vms;
	for (i = 0; i < inv->fake_vms; i++) {
		snprintf(a->vms[i].name, sizeof(a->vms[i].name), "fake-vm-%04u", i);
		snprintf(a->vms[i].uuid, sizeof(a->vms[i].uuid), "00000000-0000-4000-8000-%012x",
		         i);
		a->vms[i].state = VMHA_VM_RUNNING;
		a->vms[i].vcpus = 1;
		a->vms[i].memory_kib = 65536;
	}
	a->health = VMHA_HEALTH_OK;
	return 0;
}

static enum vmha_vm_state state_of(unsigned char s)
{
	switch (s) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		return VMHA_VM_RUNNING;
	case VIR_DOMAIN_PAUSED:
	case VIR_DOMAIN_PMSUSPENDED:
		return VMHA_VM_PAUSED;
	case VIR_DOMAIN_SHUTOFF:
		return VMHA_VM_SHUTOFF;
	case VIR_DOMAIN_CRASHED:
		return VMHA_VM_CRASHED;
	default:
		return VMHA_VM_OTHER;
	}
}

/* A paused domain waiting for (or left behind by) a live migration. */
static bool paused_for_migration(virDomainPtr dom)
{
	int state = 0;
	int reason = 0;

	if (virDomainGetState(dom, &state, &reason, 0) < 0) {
		return false;
	}
	return state == VIR_DOMAIN_PAUSED &&
	       (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_STARTING_UP ||
	        reason == VIR_DOMAIN_PAUSED_POSTCOPY);
}

static bool ensure_connected(struct vmha_inventory *inv)
{
	if (inv->conn != NULL && virConnectIsAlive(inv->conn) == 1) {
		return true;
	}
	if (inv->conn != NULL) {
		virConnectClose(inv->conn);
		inv->conn = NULL;
	}
	inv->conn = virConnectOpenReadOnly(inv->uri);
	if (inv->conn == NULL) {
		return false;
	}
	if (event_loop_ok &&
	    virConnectSetKeepAlive(inv->conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT) < 0) {
		vmha_debug("keepalive not available on '%s'", inv->uri);
	}
	return true;
}

/* libvirt's view; -EIO when libvirt cannot answer. */
static int libvirt_collect(struct vmha_inventory *inv, struct vmha_announce *a)
{
	virNodeInfo info;
	virDomainPtr *doms = NULL;
	unsigned long long free_bytes;
	int n = 0;
	int i;
	int rc = 0;

	if (!ensure_connected(inv) || virNodeGetInfo(inv->conn, &info) < 0) {
		rc = -EIO;
		goto out;
	}
	free_bytes = virNodeGetFreeMemory(inv->conn);
	a->cpus = info.cpus;
	a->memory_kib = info.memory;
	a->memory_free_kib = free_bytes / 1024 <= a->memory_kib ? free_bytes / 1024 : a->memory_kib;
	n = virConnectListAllDomains(inv->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		rc = -EIO;
		goto out;
	}
	if (n > VMHA_MSG_MAX_VMS) {
		vmha_warn("%d vms run here; only %d are announced", n, VMHA_MSG_MAX_VMS);
	}
	a->vms = calloc((size_t)n + 1, sizeof(*a->vms));
	if (a->vms == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && a->n_vms < VMHA_MSG_MAX_VMS; i++) {
		struct vmha_vm_info *vm = &a->vms[a->n_vms];
		virDomainInfo dinfo;
		const char *name = virDomainGetName(doms[i]);

		if (name == NULL || !vmha_util_name_is_valid(name) ||
		    virDomainGetUUIDString(doms[i], vm->uuid) < 0 ||
		    virDomainGetInfo(doms[i], &dinfo) < 0) {
			continue; /* gone meanwhile, or a name vmha cannot carry */
		}
		snprintf(vm->name, sizeof(vm->name), "%s", name);
		vm->state = state_of(dinfo.state);
		if (dinfo.state == VIR_DOMAIN_PAUSED && paused_for_migration(doms[i])) {
			/* the incoming side of a live migration (or the source
			 * after the switch to post-copy) does not run the guest:
			 * announcing it active would move the VM's location to
			 * the target before it runs there */
			vm->state = VMHA_VM_OTHER;
		}
		vm->vcpus = dinfo.nrVirtCpu;
		vm->memory_kib = dinfo.memory;
		a->n_vms++;
	}
	a->health = VMHA_HEALTH_OK;
out:
	for (i = 0; i < n; i++) {
		virDomainFree(doms[i]);
	}
	free(doms);
	return rc;
}

int vmha_inventory_collect(struct vmha_inventory *inv, struct vmha_announce *a)
{
	int rc = 0;

	free(a->vms);
	a->vms = NULL;
	a->n_vms = 0;
	if (inv->fake_vms > 0) {
		rc = fake_collect(inv, a);
		goto out;
	}
	rc = libvirt_collect(inv, a);
	if (rc == 0) {
		struct vmha_vm_info *copy = NULL;

		if (inv->reported_down) {
			vmha_notice("libvirt at '%s' answers again", inv->uri);
			inv->reported_down = false;
		}
		if (a->n_vms > 0) {
			copy = calloc(a->n_vms, sizeof(*copy));
			if (copy == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(copy, a->vms, a->n_vms * sizeof(*copy));
		}
		free(inv->last_vms);
		inv->last_vms = copy;
		inv->n_last_vms = a->n_vms;
		goto out;
	}
	if (rc == -ENOMEM) {
		goto out;
	}
	if (!inv->reported_down) {
		virErrorPtr err = virGetLastError();

		vmha_warn("libvirt at '%s' does not answer (%s): announcing health 'degraded'",
		          inv->uri,
		          err != NULL && err->message != NULL ? err->message : "unknown error");
		inv->reported_down = true;
	}
	free(a->vms);
	a->vms = NULL;
	a->n_vms = 0;
	kernel_capacity(a);
	a->health = VMHA_HEALTH_DEGRADED;
	rc = 0;
	if (inv->n_last_vms > 0) {
		a->vms = calloc(inv->n_last_vms, sizeof(*a->vms));
		if (a->vms == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(a->vms, inv->last_vms, inv->n_last_vms * sizeof(*a->vms));
		a->n_vms = inv->n_last_vms;
	}
out:
	if (rc < 0) {
		free(a->vms);
		a->vms = NULL;
		a->n_vms = 0;
	}
	return rc;
}
