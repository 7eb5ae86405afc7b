/* Host capacity and running VMs from libvirt. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "heartbeat/inventory.h"
#include "deadline.h"
#include "log.h"
#include "util.h"
#include "virt.h"

/* keepalive on a remote URI: a probe every 2 s (lib/virt: 3 missed close it) */
#define KEEPALIVE_INTERVAL_S 2
/* longest one collection may wait for libvirt (a hung libvirtd: degraded) */
#define COLLECT_TIMEOUT_MS 5000
/* after a call that timed out (its worker is left to a hung libvirtd), the
 * next connection attempt waits this long: one abandoned call at a time */
#define RETRY_AFTER_TIMEOUT_MS 10000

struct vmha_inventory {
	char *uri;
	uint32_t fake_vms;
	struct vmha_virt *v;
	bool reported_down;
	char why_down[512];
	uint64_t retry_at_ms;
	/* the last VMs seen, kept while libvirt is unreachable */
	struct vmha_vm_info *last_vms;
	size_t n_last_vms;
};

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
	return inv;
}

void vmha_inventory_free(struct vmha_inventory *inv)
{
	if (inv == NULL) {
		return;
	}
	vmha_virt_free(inv->v);
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
static bool paused_for_migration(const struct vmha_virt_domain_info *di)
{
	return di->state == VIR_DOMAIN_PAUSED && (di->reason == VIR_DOMAIN_PAUSED_MIGRATION ||
	                                          di->reason == VIR_DOMAIN_PAUSED_STARTING_UP ||
	                                          di->reason == VIR_DOMAIN_PAUSED_POSTCOPY);
}

static int ensure_connected(struct vmha_inventory *inv, uint64_t deadline_ms)
{
	int rc = 0;

	if (vmha_virt_is_alive(inv->v)) {
		goto out;
	}
	vmha_virt_free(inv->v);
	inv->v = NULL;
	if (vmha_clock_now_ms() < inv->retry_at_ms) {
		rc = -ETIMEDOUT;
		goto out;
	}
	rc = vmha_virt_open_flags(inv->uri, KEEPALIVE_INTERVAL_S, VMHA_VIRT_OPEN_READONLY,
	                          deadline_ms, &inv->v);
	if (rc < 0) {
		snprintf(inv->why_down, sizeof(inv->why_down), "%s", vmha_virt_open_error());
	}
	if (rc == -ETIMEDOUT) {
		inv->retry_at_ms = vmha_clock_now_ms() + RETRY_AFTER_TIMEOUT_MS;
	}
out:
	return rc;
}

/* libvirt's view; -EIO when libvirt cannot answer (the connection is then
 * dropped, and opened afresh by the next collection). */
static int libvirt_collect(struct vmha_inventory *inv, struct vmha_announce *a)
{
	uint64_t deadline_ms = vmha_deadline_in_ms(COLLECT_TIMEOUT_MS);
	struct vmha_virt_domain_info *doms = NULL;
	uint64_t free_bytes = 0;
	uint64_t memory_kib = 0;
	unsigned int cpus = 0;
	size_t n = 0;
	size_t i;
	int rc = 0;

	if (ensure_connected(inv, deadline_ms) < 0) {
		rc = -EIO;
		goto out;
	}
	/* no free-memory figure (0, as some drivers give) is not a libvirt that is down */
	if (vmha_virt_node_info(inv->v, deadline_ms, &cpus, &memory_kib) < 0 ||
	    (vmha_virt_node_free_memory(inv->v, deadline_ms, &free_bytes) < 0 &&
	     vmha_virt_is_wedged(inv->v)) ||
	    vmha_virt_list_active(inv->v, deadline_ms, &doms, &n) < 0) {
		snprintf(inv->why_down, sizeof(inv->why_down), "%s", vmha_virt_error(inv->v));
		if (vmha_virt_is_wedged(inv->v)) {
			inv->retry_at_ms = vmha_clock_now_ms() + RETRY_AFTER_TIMEOUT_MS;
		}
		vmha_virt_free(inv->v);
		inv->v = NULL;
		rc = -EIO;
		goto out;
	}
	a->cpus = cpus;
	a->memory_kib = memory_kib;
	a->memory_free_kib = free_bytes / 1024 <= a->memory_kib ? free_bytes / 1024 : a->memory_kib;
	if (n > VMHA_MSG_MAX_VMS) {
		vmha_warn("%zu vms run here; only %d are announced", n, VMHA_MSG_MAX_VMS);
	}
	a->vms = calloc(n + 1, sizeof(*a->vms));
	if (a->vms == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && a->n_vms < VMHA_MSG_MAX_VMS; i++) {
		struct vmha_vm_info *vm = &a->vms[a->n_vms];

		if (!vmha_util_name_is_valid(doms[i].name)) {
			continue; /* a name vmha cannot carry */
		}
		snprintf(vm->name, sizeof(vm->name), "%.*s", (int)sizeof(vm->name) - 1,
		         doms[i].name);
		snprintf(vm->uuid, sizeof(vm->uuid), "%.*s", (int)sizeof(vm->uuid) - 1,
		         doms[i].uuid);
		vm->state = state_of((unsigned char)doms[i].state);
		if (paused_for_migration(&doms[i])) {
			/* the incoming side of a live migration (or the source
			 * after the switch to post-copy) does not run the guest:
			 * announcing it active would move the VM's location to
			 * the target before it runs there */
			vm->state = VMHA_VM_OTHER;
		}
		vm->vcpus = doms[i].vcpus;
		vm->memory_kib = doms[i].memory_kib;
		a->n_vms++;
	}
	a->health = VMHA_HEALTH_OK;
out:
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
		vmha_warn("libvirt at '%s' does not answer (%s): announcing health 'degraded'",
		          inv->uri, inv->why_down[0] != '\0' ? inv->why_down : "unknown error");
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
