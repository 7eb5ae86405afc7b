/*
 * The failover coordinator's outputs (see failover.h): the action queue, the
 * queries on the replicated table and its JSON for `vmha status`.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "heartbeat/failover_int.h"

bool vmha_failover_next_action(struct vmha_failover *fo, struct vmha_failover_action *out)
{
	struct fo_queue_item *it = NULL;

	if (fo == NULL || fo->head == NULL) {
		return false;
	}
	it = fo->head;
	fo->head = it->next;
	if (fo->head == NULL) {
		fo->tail = NULL;
	}
	*out = it->a;
	free(it);
	return true;
}

bool vmha_failover_is_protected(const struct vmha_failover *fo, const char *vm)
{
	const struct fo_vm *v = NULL;

	if (fo == NULL || vm == NULL) {
		return false;
	}
	v = fo_find_vm(fo, vm);
	return v != NULL && v->protected_vm;
}

bool vmha_failover_host_is_fenced(const struct vmha_failover *fo, const char *host)
{
	const struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return false;
	}
	h = fo_find_host(fo, host);
	return h != NULL && h->fenced;
}

size_t vmha_failover_pending_count(const struct vmha_failover *fo)
{
	size_t n = 0;
	size_t i;

	for (i = 0; fo != NULL && i < fo->n_vms; i++) {
		if (fo->vms[i].state == FO_VM_ASSIGNED || fo->vms[i].state == FO_VM_DISPLACED) {
			n++;
		}
	}
	return n;
}

const char *vmha_failover_vm_location(const struct vmha_failover *fo, const char *vm)
{
	const struct fo_vm *v = NULL;
	const char *place = NULL;

	if (fo == NULL || vm == NULL) {
		return NULL;
	}
	v = fo_find_vm(fo, vm);
	if (v == NULL) {
		return NULL;
	}
	place = v->state == FO_VM_ASSIGNED ? v->target : v->host;
	if (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED || place[0] == '\0') {
		return NULL;
	}
	return place;
}

size_t vmha_failover_host_count(const struct vmha_failover *fo)
{
	return fo != NULL ? fo->n_hosts : 0;
}

const char *vmha_failover_host_name(const struct vmha_failover *fo, size_t i)
{
	return fo != NULL && i < fo->n_hosts ? fo->hosts[i].name : NULL;
}

size_t vmha_failover_vm_count(const struct vmha_failover *fo)
{
	return fo != NULL ? fo->n_vms : 0;
}

const char *vmha_failover_vm_name(const struct vmha_failover *fo, size_t i)
{
	return fo != NULL && i < fo->n_vms ? fo->vms[i].spec.name : NULL;
}

static int cmp_vm_name(const void *a, const void *b)
{
	const struct fo_vm *const *x = a;
	const struct fo_vm *const *y = b;

	return strcmp((*x)->spec.name, (*y)->spec.name);
}

json_object *vmha_failover_to_json(const struct vmha_failover *fo)
{
	json_object *arr = json_object_new_array();
	const struct fo_vm **sorted = NULL;
	size_t n = 0;
	size_t i;

	if (arr == NULL || fo == NULL) {
		return arr;
	}
	sorted = calloc(fo->n_vms + 1, sizeof(*sorted));
	if (sorted == NULL) {
		json_object_put(arr);
		return NULL;
	}
	for (i = 0; i < fo->n_vms; i++) {
		if (fo->vms[i].protected_vm) {
			sorted[n++] = &fo->vms[i];
		}
	}
	qsort(sorted, n, sizeof(*sorted), cmp_vm_name);
	for (i = 0; i < n; i++) {
		const struct fo_vm *v = sorted[i];
		json_object *o = json_object_new_object();

		if (o == NULL) {
			continue;
		}
		json_object_object_add(o, "name", json_object_new_string(v->spec.name));
		json_object_object_add(o, "state",
		                       json_object_new_string(fo_vm_state_name(v->state)));
		json_object_object_add(o, "host",
		                       v->host[0] ? json_object_new_string(v->host) : NULL);
		json_object_object_add(o, "target",
		                       v->target[0] ? json_object_new_string(v->target) : NULL);
		json_object_object_add(o, "priority", json_object_new_int64(v->spec.priority));
		json_object_object_add(o, "reason",
		                       v->reason[0] ? json_object_new_string(v->reason) : NULL);
		json_object_object_add(
		        o, "desired",
		        json_object_new_string(vmha_registry_desired_name(v->spec.desired)));
		json_object_object_add(o, "restarts", json_object_new_int64(v->n_restarts));
		json_object_object_add(o, "relocations", json_object_new_int64(v->n_relocations));
		json_object_array_add(arr, o);
	}
	free(sorted);
	return arr;
}

int vmha_failover_host_down_ms(const struct vmha_failover *fo, const char *host, uint64_t *down_ms)
{
	const struct fo_host *h = NULL;

	if (fo == NULL || host == NULL || down_ms == NULL) {
		return -EINVAL;
	}
	h = fo_find_host(fo, host);
	if (h == NULL || !h->down) {
		return -ENOENT;
	}
	*down_ms = h->down_ms;
	return 0;
}
