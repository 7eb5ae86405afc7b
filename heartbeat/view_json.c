/* vmhad's view of the cluster: queries, and its presentation (JSON for `vmha status`, text dump). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "heartbeat/view.h"
#include "heartbeat/view_int.h"
#include "util.h"

static const struct host *sender_of(const struct vmha_view *view, uint32_t nodeid, uint32_t pid)
{
	size_t i;

	for (i = 0; view != NULL && i < view->n_hosts; i++) {
		const struct host *h = &view->hosts[i];

		if (h->nodeid == nodeid && h->pid == pid && h->in_group && h->announced &&
		    h->name[0] != '\0') {
			return h;
		}
	}
	return NULL;
}

const char *vmha_view_sender_host(const struct vmha_view *view, uint32_t nodeid, uint32_t pid)
{
	const struct host *h = sender_of(view, nodeid, pid);

	return h != NULL ? h->name : NULL;
}

const struct vmha_announce *vmha_view_sender_announce(const struct vmha_view *view, uint32_t nodeid,
                                                      uint32_t pid)
{
	const struct host *h = sender_of(view, nodeid, pid);

	return h != NULL ? &h->last : NULL;
}

bool vmha_view_host_alarm(const struct vmha_view *view, const char *host)
{
	const struct host *h =
	        view != NULL && host != NULL ? vmha_view_find_name(view, host) : NULL;

	return h != NULL && h->alarm;
}

uint64_t vmha_view_slot_changed_ms(const struct vmha_view *view, const char *host)
{
	const struct host *h =
	        view != NULL && host != NULL ? vmha_view_find_name(view, host) : NULL;

	return h != NULL && h->slot_changed_known ? h->slot_changed_ms : 0;
}

bool vmha_view_decision_pending(const struct vmha_view *view)
{
	size_t i;

	for (i = 0; view != NULL && i < view->n_hosts; i++) {
		const struct host *h = &view->hosts[i];

		if ((h->state == VMHA_HOST_LOST && !h->down_decided && view->storage_enabled) ||
		    h->state == VMHA_HOST_ISOLATED) {
			return true;
		}
	}
	return false;
}

uint64_t vmha_view_ring_joins(const struct vmha_view *view)
{
	return view != NULL ? view->ring_joins : 0;
}

size_t vmha_view_unheard_members(const struct vmha_view *view)
{
	size_t n = 0;
	size_t i;

	for (i = 0; view != NULL && i < view->n_hosts; i++) {
		const struct host *h = &view->hosts[i];

		if (h->in_group && h->name[0] == '\0') {
			n++;
		}
	}
	return n;
}

bool vmha_view_is_quorate(const struct vmha_view *view)
{
	return view != NULL && view->quorate;
}

size_t vmha_view_host_count(const struct vmha_view *view)
{
	return view != NULL ? view->n_hosts : 0;
}

int vmha_view_host_state(const struct vmha_view *view, const char *host)
{
	const struct host *h = NULL;

	if (view == NULL || host == NULL) {
		return -EINVAL;
	}
	h = vmha_view_find_name(view, host);
	return h != NULL ? (int)h->state : -ENOENT;
}

static int cmp_hosts(const void *a, const void *b)
{
	const struct host *ha = *(const struct host *const *)a;
	const struct host *hb = *(const struct host *const *)b;
	char ba[32], bb[32];

	return strcmp(vmha_view_host_label(ha, ba, sizeof(ba)),
	              vmha_view_host_label(hb, bb, sizeof(bb)));
}

/* Hosts in name order; the caller frees the array. */
static const struct host **sorted_hosts(const struct vmha_view *view)
{
	const struct host **list = calloc(view->n_hosts + 1, sizeof(*list));
	size_t i;

	if (list == NULL) {
		return NULL;
	}
	for (i = 0; i < view->n_hosts; i++) {
		list[i] = &view->hosts[i];
	}
	qsort(list, view->n_hosts, sizeof(*list), cmp_hosts);
	return list;
}

static int cmp_vms(const void *a, const void *b)
{
	return strcmp(((const struct vmha_vm_info *)a)->name,
	              ((const struct vmha_vm_info *)b)->name);
}

/* A host's VMs in name order (a copy the caller frees), or NULL when it has none. */
static struct vmha_vm_info *sorted_vms(const struct host *h)
{
	struct vmha_vm_info *vms = NULL;

	if (h->last.n_vms == 0) {
		return NULL;
	}
	vms = calloc(h->last.n_vms, sizeof(*vms));
	if (vms != NULL) {
		memcpy(vms, h->last.vms, h->last.n_vms * sizeof(*vms));
		qsort(vms, h->last.n_vms, sizeof(*vms), cmp_vms);
	}
	return vms;
}

static void ring_text(const struct vmha_view *view, char *buf, size_t size)
{
	if (view->ring_known) {
		snprintf(buf, size, "%" PRIx32 ".%" PRIx64, view->ring_nodeid, view->ring_seq);
	} else {
		snprintf(buf, size, "none");
	}
}

json_object *vmha_view_to_json(const struct vmha_view *view, uint64_t now_ms)
{
	json_object *root = NULL;
	json_object *hosts = NULL;
	const struct host **list = NULL;
	char ring[48];
	size_t i, j;

	if (view == NULL) {
		goto out;
	}
	list = sorted_hosts(view);
	root = json_object_new_object();
	hosts = json_object_new_array();
	if (list == NULL || root == NULL || hosts == NULL) {
		json_object_put(root);
		json_object_put(hosts);
		root = NULL;
		goto out;
	}
	ring_text(view, ring, sizeof(ring));
	json_object_object_add(root, "self", json_object_new_string(view->self_name));
	json_object_object_add(root, "quorate", json_object_new_boolean(view->quorate));
	json_object_object_add(root, "quorum_known", json_object_new_boolean(view->quorum_known));
	json_object_object_add(root, "ring_id",
	                       view->ring_known ? json_object_new_string(ring) : NULL);
	for (i = 0; i < view->n_hosts; i++) {
		const struct host *h = list[i];
		json_object *o = json_object_new_object();
		json_object *vms = json_object_new_array();
		struct vmha_vm_info *sorted = sorted_vms(h);
		char buf[32];

		if (o == NULL || vms == NULL) {
			json_object_put(o);
			json_object_put(vms);
			free(sorted);
			continue;
		}
		json_object_object_add(
		        o, "name",
		        json_object_new_string(vmha_view_host_label(h, buf, sizeof(buf))));
		json_object_object_add(o, "nodeid", json_object_new_int64(h->nodeid));
		json_object_object_add(o, "state",
		                       json_object_new_string(vmha_view_state_name(h->state)));
		json_object_object_add(o, "alarm", json_object_new_boolean(h->alarm));
		json_object_object_add(
		        o, "self",
		        json_object_new_boolean(h->nodeid == view->self_nodeid &&
		                                strcmp(h->name, view->self_name) == 0));
		json_object_object_add(
		        o, "health",
		        h->announced ? json_object_new_string(vmha_msg_health_name(h->last.health))
		                     : NULL);
		json_object_object_add(o, "cpus", json_object_new_int64(h->last.cpus));
		json_object_object_add(o, "memory_kib",
		                       json_object_new_int64((int64_t)h->last.memory_kib));
		json_object_object_add(o, "memory_free_kib",
		                       json_object_new_int64((int64_t)h->last.memory_free_kib));
		json_object_object_add(
		        o, "last_heard_network_ms",
		        h->announced ? json_object_new_int64((int64_t)(now_ms - h->last_net_ms))
		                     : NULL);
		json_object_object_add(
		        o, "last_heard_storage_ms",
		        h->slot_changed_known
		                ? json_object_new_int64((int64_t)(now_ms - h->slot_changed_ms))
		                : NULL);
		json_object_object_add(
		        o, "left_reason",
		        (h->in_group || h->state == VMHA_HOST_JOINING)
		                ? NULL
		                : json_object_new_string(vmha_view_reason_name(h->lost_reason)));
		for (j = 0; j < h->last.n_vms && sorted != NULL; j++) {
			json_object *vm = json_object_new_object();

			if (vm == NULL) {
				continue;
			}
			json_object_object_add(vm, "name", json_object_new_string(sorted[j].name));
			json_object_object_add(vm, "uuid", json_object_new_string(sorted[j].uuid));
			json_object_object_add(
			        vm, "state",
			        json_object_new_string(vmha_msg_vm_state_name(sorted[j].state)));
			json_object_object_add(vm, "vcpus", json_object_new_int64(sorted[j].vcpus));
			json_object_object_add(
			        vm, "memory_kib",
			        json_object_new_int64((int64_t)sorted[j].memory_kib));
			json_object_array_add(vms, vm);
		}
		free(sorted);
		json_object_object_add(o, "vms", vms);
		json_object_array_add(hosts, o);
	}
	json_object_object_add(root, "hosts", hosts);
out:
	free(list);
	return root;
}

/* Appends to a growing string; on failure *buf becomes NULL. */
static void append(char **buf, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p = NULL;

	if (*buf == NULL) {
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = realloc(*buf, *len + (size_t)n + 1);
	if (p == NULL) {
		free(*buf);
		*buf = NULL;
		return;
	}
	*buf = p;
	va_start(ap, fmt);
	vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
}

char *vmha_view_dump(const struct vmha_view *view, uint64_t now_ms)
{
	const struct host **list = NULL;
	char *out = NULL;
	size_t len = 0;
	char ring[48];
	size_t i, j;

	if (view == NULL) {
		goto cleanup;
	}
	list = sorted_hosts(view);
	out = calloc(1, 1);
	if (list == NULL || out == NULL) {
		free(out);
		out = NULL;
		goto cleanup;
	}
	ring_text(view, ring, sizeof(ring));
	append(&out, &len, "view self=%s quorate=%s ring=%s hosts=%zu\n", view->self_name,
	       view->quorum_known ? (view->quorate ? "yes" : "no") : "unknown", ring,
	       view->n_hosts);
	for (i = 0; i < view->n_hosts; i++) {
		const struct host *h = list[i];
		struct vmha_vm_info *sorted = sorted_vms(h);
		char buf[32];

		append(&out, &len, "  host %s node=%" PRIu32 " state=%s",
		       vmha_view_host_label(h, buf, sizeof(buf)), h->nodeid,
		       vmha_view_state_name(h->state));
		if (h->announced) {
			append(&out, &len,
			       " health=%s cpus=%" PRIu32 " memory_kib=%" PRIu64
			       " free_kib=%" PRIu64 " net_age_ms=%" PRIu64,
			       vmha_msg_health_name(h->last.health), h->last.cpus,
			       h->last.memory_kib, h->last.memory_free_kib,
			       now_ms - h->last_net_ms);
		}
		if (h->slot_changed_known) {
			append(&out, &len, " storage_age_ms=%" PRIu64, now_ms - h->slot_changed_ms);
		}
		if (!h->in_group && h->state != VMHA_HOST_JOINING) {
			append(&out, &len, " left=%s", vmha_view_reason_name(h->lost_reason));
		}
		append(&out, &len, " vms=");
		for (j = 0; j < h->last.n_vms && sorted != NULL; j++) {
			append(&out, &len, "%s%s:%s", j > 0 ? "," : "", sorted[j].name,
			       vmha_msg_vm_state_name(sorted[j].state));
		}
		if (h->last.n_vms == 0) {
			append(&out, &len, "-");
		}
		append(&out, &len, "\n");
		free(sorted);
	}
cleanup:
	free(list);
	return out;
}
