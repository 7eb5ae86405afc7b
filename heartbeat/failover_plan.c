/*
 * The failover coordinator's planner adapter (see failover.h): builds a
 * planner model from the replicated table and plans the displaced and
 * stranded VMs. Only the coordinator plans; members apply its decisions.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/failover_int.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "planner/regmodel.h"
#include "vmspec.h"
#include "util.h"

static bool vm_excludes(const struct fo_vm *v, const char *host)
{
	size_t i;

	for (i = 0; i < v->n_excluded; i++) {
		if (strcmp(v->excluded[i], host) == 0) {
			return true;
		}
	}
	return false;
}

static bool csv_has(const char *csv, const char *name)
{
	size_t len = strlen(name);
	const char *p = csv;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0) {
			return true;
		}
		if (end == NULL) {
			break;
		}
		p = end + 1;
	}
	return false;
}

/*
 * VM @p v's spec into model VM @p idx through the planner's one spec mapping
 * (vmha_model_vm_apply_spec): demand, priority, restart policy, anti-affinity
 * and the preferred hosts this table knows (a host not announced yet is left
 * out). The allowed hosts are added by the caller: they depend on the
 * table's hosts and the failed starts.
 */
static int apply_spec(const struct vmha_failover *fo, struct vmha_model *m, size_t idx,
                      size_t d_cpu, size_t d_mem, const struct fo_vm *v)
{
	struct vmha_vm_spec spec;
	size_t len = 0;
	size_t i;

	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "%s", v->spec.name);
	snprintf(spec.group, sizeof(spec.group), "%s", v->spec.group);
	/* a priority from a peer's assign message may be out of range: the nearest tier */
	spec.priority = v->spec.priority > VMHA_PRIORITY_MAX   ? VMHA_PRIORITY_MAX
	                : v->spec.priority < VMHA_PRIORITY_MIN ? VMHA_PRIORITY_MIN
	                                                       : v->spec.priority;
	spec.restart = v->spec.restart;
	spec.has_vcpus = true;
	spec.vcpus = v->spec.vcpus;
	spec.has_memory = true;
	spec.memory_mib = v->spec.memory_mib;
	for (i = 0; i < fo->n_hosts; i++) {
		const char *hn = fo->hosts[i].name;

		if (csv_has(v->spec.preferred, hn) &&
		    len + strlen(hn) + 2 < sizeof(spec.preferred)) {
			len += (size_t)snprintf(spec.preferred + len, sizeof(spec.preferred) - len,
			                        "%s%s", len > 0 ? "," : "", hn);
		}
	}
	return vmha_model_vm_apply_spec(m, idx, d_cpu, d_mem, &spec);
}

/* An assignment proposed by this coordinator and not delivered yet. */
static bool in_flight(const struct vmha_failover *fo, const struct fo_vm *v)
{
	return v->proposed && v->proposed_host[0] != '\0' &&
	       fo_find_host(fo, v->proposed_host) != NULL;
}

/* Where a VM counts for capacity in the plan, "" for nowhere. */
static const char *vm_place(const struct fo_vm *v)
{
	switch (v->state) {
	case FO_VM_RUNNING:
	case FO_VM_DISPLACED:
	case FO_VM_STRANDED:
		return v->host;
	case FO_VM_ASSIGNED:
		return v->target;
	default:
		return "";
	}
}

/* The planner's reason, and where a start already failed (those hosts are not allowed). */
void fo_stranded_reason(const struct fo_vm *v, const char *reason, char *buf, size_t size)
{
	size_t len;
	size_t i;

	snprintf(buf, size, "%s", reason);
	if (v->n_excluded == 0) {
		return;
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s", " (start failed on");
	for (i = 0; i < v->n_excluded; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, " %s", v->excluded[i]);
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s", ")");
}

/*
 * Plan the displaced and stranded VMs onto the online, not fenced hosts, the
 * same way on every member.
 */
/* Where each VM to place prefers to go: the usable hosts in turn, so that
 * the starts spread over the survivors (fewer start waves per host). */
static int spread_preferences(const struct vmha_failover *fo, struct vmha_model *m,
                              const size_t *idx_of, size_t n_idx)
{
	const struct fo_host **usable = NULL;
	const struct fo_vm **order = NULL;
	size_t n_usable = 0;
	size_t n = 0;
	size_t i;
	size_t j;
	int rc = 0;

	usable = calloc(fo->n_hosts + 1, sizeof(*usable));
	order = calloc(n_idx + 1, sizeof(*order));
	if (usable == NULL || order == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->online && !h->fenced && !h->down) {
			/* insertion in name order */
			for (j = n_usable; j > 0 && strcmp(usable[j - 1]->name, h->name) > 0; j--) {
				usable[j] = usable[j - 1];
			}
			usable[j] = h;
			n_usable++;
		}
	}
	if (n_usable < 2 || n_idx <= fo->max_parallel_starts) {
		/* one wave of starts on one host: best fit, as it packs best */
		goto out;
	}
	/* the VMs to place, highest priority first, then by name */
	for (i = 0; i < fo->n_vms && n < n_idx; i++) {
		const struct fo_vm *v = &fo->vms[i];

		if (!v->protected_vm || idx_of[i] == SIZE_MAX) {
			continue;
		}
		for (j = n; j > 0 && (order[j - 1]->spec.priority < v->spec.priority ||
		                      (order[j - 1]->spec.priority == v->spec.priority &&
		                       strcmp(order[j - 1]->spec.name, v->spec.name) > 0));
		     j--) {
			order[j] = order[j - 1];
		}
		order[j] = v;
		n++;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		rc = vmha_model_vm_add_preferred(m, idx_of[order[i] - fo->vms],
		                                 usable[i % n_usable]->name);
	}
out:
	free(usable);
	free(order);
	return rc;
}

/*
 * Build the model of the cluster and plan the displaced and stranded VMs
 * (a VM with a decision in flight counts where it was proposed); spread: with
 * preferences that spread the starts over the survivors.
 */
int fo_plan_once(struct vmha_failover *fo, bool spread, struct vmha_model **out_m,
                 struct vmha_plan **out_p)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	size_t *failed = NULL;
	size_t n_failed = 0;
	size_t *extra = NULL;
	size_t n_extra = 0;
	size_t *idx_of = NULL;
	size_t n_idx = 0;
	size_t d_cpu = 0;
	size_t d_mem = 0;
	size_t i;
	size_t j;
	size_t idx;
	char err[256];
	char name[VMHA_NAME_SIZE + 16];
	int rc = 0;

	idx_of = calloc(fo->n_vms + 1, sizeof(*idx_of));
	if (idx_of == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < fo->n_vms; i++) {
		idx_of[i] = SIZE_MAX;
	}
	m = vmha_model_new();
	failed = calloc(fo->n_hosts + 1, sizeof(*failed));
	extra = calloc(fo->n_vms + 1, sizeof(*extra));
	if (m == NULL || failed == NULL || extra == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_model_dim(m, "cpu", true, &d_cpu);
	if (rc == 0) {
		rc = vmha_model_dim(m, "memory", true, &d_mem);
	}
	for (i = 0; rc == 0 && i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		rc = vmha_model_add_host(m, h->name, "announcement", &idx);
		if (rc < 0) {
			break;
		}
		vmha_model_host_set_capacity(m, idx, d_cpu, h->cpus);
		vmha_model_host_set_capacity(m, idx, d_mem, h->memory_mib);
		vmha_model_host_set_standby(m, idx,
		                            !h->online || h->fenced || h->down || h->standby);
		for (j = 0; rc == 0 && j < h->n_other; j++) {
			const struct fo_vm *pv = fo_find_vm(fo, h->other[j].name);

			if (pv != NULL && pv->protected_vm) {
				continue; /* counted below */
			}
			snprintf(name, sizeof(name), "%s", h->other[j].name);
			rc = vmha_model_add_vm(m, name, "announcement", &idx);
			if (rc == -EINVAL) {
				rc = 0; /* a duplicate name: counted once */
				continue;
			}
			if (rc == 0) {
				vmha_model_vm_set_demand(m, idx, d_cpu, h->other[j].vcpus);
				vmha_model_vm_set_demand(m, idx, d_mem,
				                         h->other[j].memory_kib / 1024);
				vmha_model_vm_set_restart(m, idx, false);
				rc = vmha_model_vm_set_host(m, idx, h->name);
			}
		}
	}
	for (i = 0; rc == 0 && i < fo->n_vms; i++) {
		const struct fo_vm *v = &fo->vms[i];
		const char *place = vm_place(v);

		if (!v->protected_vm) {
			continue;
		}
		rc = vmha_model_add_vm(m, v->spec.name, "registry", &idx);
		if (rc < 0) {
			break;
		}
		rc = apply_spec(fo, m, idx, d_cpu, d_mem, v);
		if (rc == 0 && (v->spec.allowed[0] != '\0' || v->n_excluded > 0)) {
			bool none = true;

			for (j = 0; rc == 0 && j < fo->n_hosts; j++) {
				const char *hn = fo->hosts[j].name;

				if ((v->spec.allowed[0] == '\0' || csv_has(v->spec.allowed, hn)) &&
				    !vm_excludes(v, hn)) {
					rc = vmha_model_vm_add_allowed(m, idx, hn);
					none = false;
				}
			}
			if (rc == 0 && none) {
				/* allowed nowhere known: only its own (failed) host */
				rc = vmha_model_vm_add_allowed(m, idx, place[0] ? place : v->host);
			}
		}
		if (in_flight(fo, v)) {
			/* assigned already (not delivered yet): counts where it goes */
			rc = vmha_model_vm_set_host(m, idx, v->proposed_host);
		} else if (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED) {
			/* runs nowhere (its host was fenced, and may be back by now):
			 * placed as an extra VM, found by name after the model is
			 * finished (which sorts it) */
			idx_of[i] = idx;
			n_idx++;
		} else if (rc == 0 && place[0] != '\0' && fo_find_host(fo, place) != NULL) {
			rc = vmha_model_vm_set_host(m, idx, place);
		}
	}
	if (rc == 0 && spread) {
		rc = spread_preferences(fo, m, idx_of, n_idx);
	}
	if (rc < 0) {
		goto out;
	}
	rc = vmha_model_finish(m, err, sizeof(err));
	if (rc < 0) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, NULL, NULL, "cannot plan: %s", err);
		goto out;
	}
	for (i = 0; i < vmha_model_vm_count(m); i++) {
		const struct fo_vm *v = fo_find_vm(fo, vmha_model_vm_name(m, i));

		if (v != NULL && v->protected_vm &&
		    (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED) &&
		    !in_flight(fo, v)) {
			extra[n_extra++] = i;
		}
	}
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if ((h->fenced || h->down) && vmha_model_host_find(m, h->name, &idx) == 0) {
			failed[n_failed++] = idx;
		}
	}
	p = vmha_plan_new(m);
	if (p == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_plan_run(p, failed, n_failed, extra, n_extra, 0);
	if (rc < 0) {
		goto out;
	}
	*out_m = m;
	*out_p = p;
	m = NULL;
	p = NULL;
out:
	vmha_plan_free(p);
	vmha_model_free(m);
	free(failed);
	free(extra);
	free(idx_of);
	return rc;
}
