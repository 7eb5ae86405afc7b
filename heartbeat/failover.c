/*
 * The failover coordinator (see failover.h): a pure state machine that turns
 * the ordered CPG inputs into fence, start and stranded actions, and plans
 * through the planner library.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>

#include "heartbeat/failover.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "util.h"

#define FO_MSG_KEY       "vmha_failover"
#define FO_MSG_VERSION   1
#define FO_MAX_EXCLUDED  8
#define FO_DEFAULT_START 2

enum fo_vm_state {
	FO_VM_UNKNOWN = 0,   /* protected, not seen running anywhere */
	FO_VM_RUNNING,       /* runs on host */
	FO_VM_DISPLACED,     /* its host was fenced: to be planned */
	FO_VM_ASSIGNED,      /* planned onto target, not started yet */
	FO_VM_STRANDED,      /* the planner found no place (reason) */
	FO_VM_NOT_RESTARTED, /* restart policy never */
};

static const char *const vm_state_names[] = {
        [FO_VM_UNKNOWN] = "unknown",     [FO_VM_RUNNING] = "running",
        [FO_VM_DISPLACED] = "displaced", [FO_VM_ASSIGNED] = "assigned",
        [FO_VM_STRANDED] = "stranded",   [FO_VM_NOT_RESTARTED] = "not_restarted",
};

struct fo_host {
	char name[VMHA_NAME_SIZE];
	uint32_t cpus;
	uint64_t memory_mib;
	bool online;
	bool down;
	bool fenced;
	/* VMs it announced that are not protected: they use capacity */
	size_t n_other;
	struct vmha_vm_info *other;
};

struct fo_vm {
	struct vmha_failover_vm spec;
	bool protected_vm;
	enum fo_vm_state state;
	char host[VMHA_NAME_SIZE];
	char target[VMHA_NAME_SIZE];
	char reason[256];
	/* local, not replicated: this host is starting it */
	bool starting;
	/* local: as coordinator, this host proposed target for it (stranded) */
	char proposed[VMHA_NAME_SIZE];
	size_t n_excluded;
	char excluded[FO_MAX_EXCLUDED][VMHA_NAME_SIZE];
};

struct fo_queue_item {
	struct vmha_failover_action a;
	struct fo_queue_item *next;
};

struct vmha_failover {
	char self[VMHA_NAME_SIZE];
	/* this host is the deterministic member now (proposes re-plans) */
	bool coordinator;
	/* why the coordinator re-plans now (for the log) */
	const char *retry_why;
	unsigned int max_parallel_starts;
	size_t n_hosts;
	struct fo_host *hosts;
	size_t n_vms;
	struct fo_vm *vms;
	struct fo_queue_item *head;
	struct fo_queue_item *tail;
	bool oom;
};

static void emit(struct vmha_failover *fo, enum vmha_failover_action_kind kind, int level,
                 const char *host, const char *vm, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static void emit(struct vmha_failover *fo, enum vmha_failover_action_kind kind, int level,
                 const char *host, const char *vm, const char *fmt, ...)
{
	struct fo_queue_item *it = calloc(1, sizeof(*it));
	va_list ap;

	if (it == NULL) {
		fo->oom = true;
		return;
	}
	it->a.kind = kind;
	it->a.level = level;
	snprintf(it->a.host, sizeof(it->a.host), "%s", host != NULL ? host : "");
	snprintf(it->a.vm, sizeof(it->a.vm), "%s", vm != NULL ? vm : "");
	va_start(ap, fmt);
	vsnprintf(it->a.text, sizeof(it->a.text), fmt, ap);
	va_end(ap);
	if (fo->tail != NULL) {
		fo->tail->next = it;
	} else {
		fo->head = it;
	}
	fo->tail = it;
}

struct vmha_failover *vmha_failover_new(const struct vmha_failover_config *config)
{
	struct vmha_failover *fo = NULL;

	if (config == NULL || config->self_name == NULL ||
	    !vmha_util_name_is_valid(config->self_name)) {
		return NULL;
	}
	fo = calloc(1, sizeof(*fo));
	if (fo == NULL) {
		return NULL;
	}
	snprintf(fo->self, sizeof(fo->self), "%s", config->self_name);
	fo->max_parallel_starts =
	        config->max_parallel_starts ? config->max_parallel_starts : FO_DEFAULT_START;
	return fo;
}

void vmha_failover_free(struct vmha_failover *fo)
{
	struct fo_queue_item *it = NULL;
	size_t i;

	if (fo == NULL) {
		return;
	}
	while (fo->head != NULL) {
		it = fo->head;
		fo->head = it->next;
		free(it);
	}
	for (i = 0; i < fo->n_hosts; i++) {
		free(fo->hosts[i].other);
	}
	free(fo->hosts);
	free(fo->vms);
	free(fo);
}

static struct fo_host *find_host(const struct vmha_failover *fo, const char *name)
{
	size_t i;

	for (i = 0; i < fo->n_hosts; i++) {
		if (strcmp(fo->hosts[i].name, name) == 0) {
			return &fo->hosts[i];
		}
	}
	return NULL;
}

static struct fo_host *get_host(struct vmha_failover *fo, const char *name)
{
	struct fo_host *h = find_host(fo, name);
	struct fo_host *p = NULL;

	if (h != NULL) {
		return h;
	}
	p = realloc(fo->hosts, (fo->n_hosts + 1) * sizeof(*p));
	if (p == NULL) {
		fo->oom = true;
		return NULL;
	}
	fo->hosts = p;
	h = &fo->hosts[fo->n_hosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	return h;
}

static struct fo_vm *find_vm(const struct vmha_failover *fo, const char *name)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		if (strcmp(fo->vms[i].spec.name, name) == 0) {
			return &fo->vms[i];
		}
	}
	return NULL;
}

static struct fo_vm *get_vm(struct vmha_failover *fo, const char *name)
{
	struct fo_vm *v = find_vm(fo, name);
	struct fo_vm *p = NULL;

	if (v != NULL) {
		return v;
	}
	p = realloc(fo->vms, (fo->n_vms + 1) * sizeof(*p));
	if (p == NULL) {
		fo->oom = true;
		return NULL;
	}
	fo->vms = p;
	v = &fo->vms[fo->n_vms++];
	memset(v, 0, sizeof(*v));
	snprintf(v->spec.name, sizeof(v->spec.name), "%s", name);
	v->spec.restart = true;
	return v;
}

static int take_oom(struct vmha_failover *fo)
{
	if (fo->oom) {
		fo->oom = false;
		return -ENOMEM;
	}
	return 0;
}

static int replan(struct vmha_failover *fo, bool propose);
static void schedule(struct vmha_failover *fo);

static bool any_stranded(const struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		if (fo->vms[i].protected_vm && fo->vms[i].state == FO_VM_STRANDED) {
			return true;
		}
	}
	return false;
}

/*
 * Capacity may have appeared (a host came online, a VM stopped or left): the
 * coordinator plans the stranded VMs again and proposes each placement as
 * an "assign" message; every member applies the assignments in CPG order
 * (the first one for a VM wins). A host that joined later, without the
 * history of the failover, learns the assignment from the message.
 */
static int retry_stranded(struct vmha_failover *fo, const char *why)
{
	if (!fo->coordinator || !any_stranded(fo)) {
		return 0;
	}
	fo->retry_why = why;
	return replan(fo, true);
}

static bool announced_active(const struct vmha_announce *a, const char *vm)
{
	size_t i;

	for (i = 0; i < a->n_vms; i++) {
		if ((a->vms[i].state == VMHA_VM_RUNNING || a->vms[i].state == VMHA_VM_PAUSED) &&
		    strcmp(a->vms[i].name, vm) == 0) {
			return true;
		}
	}
	return false;
}

int vmha_failover_announce(struct vmha_failover *fo, uint64_t now_ms, const struct vmha_announce *a)
{
	struct fo_host *h = NULL;
	struct vmha_vm_info *other = NULL;
	size_t n_other = 0;
	size_t i;
	bool freed = false;
	bool grew = false;
	int rc;

	(void)now_ms;
	if (fo == NULL || a == NULL || !vmha_util_name_is_valid(a->host)) {
		return -EINVAL;
	}
	h = get_host(fo, a->host);
	if (h == NULL) {
		return take_oom(fo);
	}
	if (a->cpus > h->cpus || a->memory_kib / 1024 > h->memory_mib || h->down || h->fenced) {
		grew = true;
	}
	h->cpus = a->cpus;
	h->memory_mib = a->memory_kib / 1024;
	/* a fenced host that announces again came back: it takes VMs again,
	 * but the VMs that moved away stay where they run now */
	h->down = false;
	h->fenced = false;
	other = calloc(a->n_vms ? a->n_vms : 1, sizeof(*other));
	if (other == NULL) {
		return -ENOMEM;
	}
	/* every active VM uses capacity there (protected ones are counted once) */
	for (i = 0; i < a->n_vms; i++) {
		const struct vmha_vm_info *vi = &a->vms[i];
		struct fo_vm *v = find_vm(fo, vi->name);
		bool active = vi->state == VMHA_VM_RUNNING || vi->state == VMHA_VM_PAUSED;

		if (!active) {
			continue;
		}
		other[n_other++] = *vi;
		if (v == NULL || !v->protected_vm) {
			continue;
		}
		if (v->state == FO_VM_RUNNING && strcmp(v->host, a->host) != 0) {
			emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, a->host, vi->name,
			     "vm '%s' announced by host '%s' while it runs on host '%s'", vi->name,
			     a->host, v->host);
		}
		if (v->state == FO_VM_ASSIGNED) {
			/* the start result message decides; the announcement may
			 * come first */
			continue;
		}
		v->state = FO_VM_RUNNING;
		snprintf(v->host, sizeof(v->host), "%s", a->host);
		v->target[0] = '\0';
		v->reason[0] = '\0';
		v->proposed[0] = '\0';
	}
	/* a protected VM this host ran and no longer runs was stopped: it uses
	 * nothing (a host that cannot see its VMs says so and keeps the list) */
	for (i = 0; a->health == VMHA_HEALTH_OK && i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (v->protected_vm && v->state == FO_VM_RUNNING && strcmp(v->host, a->host) == 0 &&
		    !announced_active(a, v->spec.name)) {
			v->state = FO_VM_UNKNOWN;
			v->host[0] = '\0';
			freed = true;
			emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, a->host, v->spec.name,
			     "vm '%s' no longer runs on host '%s'", v->spec.name, a->host);
		}
	}
	/* a VM gone from this host frees its capacity too, unless the host
	 * cannot see its VMs: then what it ran still counts */
	for (i = 0; i < h->n_other; i++) {
		if (announced_active(a, h->other[i].name)) {
			continue;
		}
		if (a->health == VMHA_HEALTH_OK) {
			freed = true;
		} else {
			struct vmha_vm_info *p = realloc(other, (n_other + 1) * sizeof(*other));

			if (p == NULL) {
				free(other);
				return -ENOMEM;
			}
			other = p;
			other[n_other++] = h->other[i];
		}
	}
	free(h->other);
	h->other = other;
	h->n_other = n_other;
	rc = take_oom(fo);
	if (rc == 0 && h->online) {
		/* the coordinator that took over from one that died retries too */
		rc = retry_stranded(fo, freed  ? "capacity freed on a host"
		                        : grew ? "a host came back"
		                               : "re-plan");
	}
	return rc;
}

int vmha_failover_protect(struct vmha_failover *fo, const struct vmha_failover_vm *vm)
{
	struct fo_vm *v = NULL;
	size_t i;
	size_t j;

	if (fo == NULL || vm == NULL || !vmha_util_name_is_valid(vm->name)) {
		return -EINVAL;
	}
	v = get_vm(fo, vm->name);
	if (v == NULL) {
		return take_oom(fo);
	}
	v->spec = *vm;
	v->protected_vm = true;
	if (v->state == FO_VM_UNKNOWN) {
		/* announced before it was known as protected */
		for (i = 0; i < fo->n_hosts; i++) {
			if (fo->hosts[i].down || fo->hosts[i].fenced) {
				continue; /* its list is stale */
			}
			for (j = 0; j < fo->hosts[i].n_other; j++) {
				if (strcmp(fo->hosts[i].other[j].name, vm->name) == 0) {
					v->state = FO_VM_RUNNING;
					snprintf(v->host, sizeof(v->host), "%s", fo->hosts[i].name);
				}
			}
		}
	}
	return 0;
}

int vmha_failover_host_online(struct vmha_failover *fo, const char *host, bool online)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return -EINVAL;
	}
	h = find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	if (h->online == online) {
		return 0;
	}
	h->online = online;
	if (online && !h->down && !h->fenced) {
		return retry_stranded(fo, "a host is online");
	}
	return 0;
}

void vmha_failover_set_coordinator(struct vmha_failover *fo, bool coordinator)
{
	size_t i;

	if (fo == NULL) {
		return;
	}
	if (fo->coordinator && !coordinator) {
		/* proposals of a former coordinator are its own business no more */
		for (i = 0; i < fo->n_vms; i++) {
			fo->vms[i].proposed[0] = '\0';
		}
	}
	fo->coordinator = coordinator;
}

int vmha_failover_unprotect(struct vmha_failover *fo, const char *vm)
{
	struct fo_vm *v = NULL;

	if (fo == NULL || vm == NULL) {
		return -EINVAL;
	}
	v = find_vm(fo, vm);
	if (v == NULL || !v->protected_vm) {
		return -ENOENT;
	}
	if (v->state == FO_VM_DISPLACED || v->state == FO_VM_ASSIGNED ||
	    v->state == FO_VM_STRANDED) {
		/* members read the registry at different times: a pending VM that
		 * left on one member only would make their plans differ */
		return -EBUSY;
	}
	/* where it runs, it still uses capacity: the host's announcement counts it */
	v->protected_vm = false;
	v->reason[0] = '\0';
	emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, NULL, vm,
	     "vm '%s' left the registry: no longer protected", vm);
	return take_oom(fo);
}

int vmha_failover_host_down(struct vmha_failover *fo, uint64_t now_ms, const char *host,
                            bool coordinator)
{
	struct fo_host *h = NULL;

	(void)now_ms;
	if (fo == NULL || host == NULL || !vmha_util_name_is_valid(host)) {
		return -EINVAL;
	}
	h = get_host(fo, host);
	if (h == NULL) {
		return take_oom(fo);
	}
	h->down = true;
	h->online = false;
	if (coordinator) {
		emit(fo, VMHA_FAILOVER_FENCE, LOG_WARNING, host, NULL,
		     "host '%s' is down: this host fences it", host);
	} else {
		emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, host, NULL,
		     "host '%s' is down: waiting for the coordinator to fence it", host);
	}
	return take_oom(fo);
}

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
static void stranded_reason(const struct fo_vm *v, const char *reason, char *buf, size_t size)
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
 * (propose: the coordinator's re-plan of stranded VMs); spread: with
 * preferences that spread the starts over the survivors.
 */
static int plan_once(struct vmha_failover *fo, bool propose, bool spread, struct vmha_model **out_m,
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
		vmha_model_host_set_standby(m, idx, !h->online || h->fenced || h->down);
		for (j = 0; rc == 0 && j < h->n_other; j++) {
			const struct fo_vm *pv = find_vm(fo, h->other[j].name);

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
		vmha_model_vm_set_demand(m, idx, d_cpu, v->spec.vcpus);
		vmha_model_vm_set_demand(m, idx, d_mem, v->spec.memory_mib);
		vmha_model_vm_set_priority(m, idx, v->spec.priority);
		vmha_model_vm_set_restart(m, idx, v->spec.restart);
		if (v->spec.group[0] != '\0') {
			rc = vmha_model_vm_add_group(m, idx, v->spec.group);
		}
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
		if (propose && v->state == FO_VM_STRANDED && v->proposed[0] != '\0' &&
		    find_host(fo, v->proposed) != NULL) {
			/* proposed already: counts where it goes */
			rc = vmha_model_vm_set_host(m, idx, v->proposed);
		} else if (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED) {
			/* runs nowhere (its host was fenced, and may be back by now):
			 * placed as an extra VM, found by name after the model is
			 * finished (which sorts it) */
			idx_of[i] = idx;
			n_idx++;
		} else if (rc == 0 && place[0] != '\0' && find_host(fo, place) != NULL) {
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
		emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, NULL, NULL, "cannot plan: %s", err);
		goto out;
	}
	for (i = 0; i < vmha_model_vm_count(m); i++) {
		const struct fo_vm *v = find_vm(fo, vmha_model_vm_name(m, i));

		if (v != NULL && v->protected_vm &&
		    (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED) &&
		    !(propose && v->state == FO_VM_STRANDED && v->proposed[0] != '\0' &&
		      find_host(fo, v->proposed) != NULL)) {
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

static int replan(struct vmha_failover *fo, bool propose)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	struct vmha_model *m2 = NULL;
	struct vmha_plan *p2 = NULL;
	size_t i;
	char why[256];
	bool any = false;
	int rc = 0;

	for (i = 0; i < fo->n_vms; i++) {
		if (fo->vms[i].protected_vm &&
		    (fo->vms[i].state == FO_VM_DISPLACED || fo->vms[i].state == FO_VM_STRANDED)) {
			any = true;
		}
	}
	if (!any) {
		goto out;
	}
	/* spread the starts over the survivors, unless that strands more */
	rc = plan_once(fo, propose, true, &m, &p);
	if (rc == 0 && vmha_plan_stranded_count(p) > 0) {
		rc = plan_once(fo, propose, false, &m2, &p2);
		if (rc == 0 && vmha_plan_stranded_count(p2) < vmha_plan_stranded_count(p)) {
			vmha_plan_free(p);
			vmha_model_free(m);
			m = m2;
			p = p2;
			m2 = NULL;
			p2 = NULL;
		}
	}
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < vmha_plan_displaced_count(p); i++) {
		size_t mv = vmha_plan_displaced(p, i);
		struct fo_vm *v = find_vm(fo, vmha_model_vm_name(m, mv));
		long target;

		if (v == NULL || !v->protected_vm ||
		    (v->state != FO_VM_DISPLACED && v->state != FO_VM_STRANDED)) {
			continue;
		}
		if (propose) {
			/* the coordinator proposes; the "assign" message decides */
			if (v->state != FO_VM_STRANDED || v->proposed[0] != '\0' ||
			    vmha_plan_outcome(p, mv) != VMHA_PLAN_RESTART) {
				continue;
			}
			target = vmha_plan_target(p, mv);
			snprintf(v->proposed, sizeof(v->proposed), "%s",
			         vmha_model_host_name(m, (size_t)target));
			emit(fo, VMHA_FAILOVER_ASSIGN, LOG_NOTICE, v->proposed, v->spec.name,
			     "%s: vm '%s' (stranded) can restart on host '%s'",
			     fo->retry_why != NULL ? fo->retry_why : "re-plan", v->spec.name,
			     v->proposed);
			continue;
		}
		switch (vmha_plan_outcome(p, mv)) {
		case VMHA_PLAN_RESTART:
			target = vmha_plan_target(p, mv);
			v->state = FO_VM_ASSIGNED;
			snprintf(v->target, sizeof(v->target), "%s",
			         vmha_model_host_name(m, (size_t)target));
			v->reason[0] = '\0';
			emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, v->target, v->spec.name,
			     "plan: vm '%s' (priority %" PRId64 ") restarts on host '%s'",
			     v->spec.name, v->spec.priority, v->target);
			break;
		case VMHA_PLAN_STRANDED:
			stranded_reason(v, vmha_plan_reason(p, mv), why, sizeof(why));
			if (v->state != FO_VM_STRANDED || strcmp(v->reason, why) != 0) {
				snprintf(v->reason, sizeof(v->reason), "%s", why);
				emit(fo, VMHA_FAILOVER_STRANDED, LOG_ERR, v->host, v->spec.name,
				     "vm '%s' is stranded: %s", v->spec.name, v->reason);
			}
			v->state = FO_VM_STRANDED;
			break;
		case VMHA_PLAN_NOT_RESTARTED:
			v->state = FO_VM_NOT_RESTARTED;
			snprintf(v->reason, sizeof(v->reason), "%s", "restart policy is never");
			emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, v->host, v->spec.name,
			     "vm '%s' is not restarted: %s", v->spec.name, v->reason);
			break;
		default:
			break;
		}
	}
out:
	if (rc == -ENOMEM) {
		fo->oom = true;
	}
	vmha_plan_free(p);
	vmha_model_free(m);
	vmha_plan_free(p2);
	vmha_model_free(m2);
	return rc;
}

/*
 * Ask this host to start its assigned VMs of the highest pending tier, at
 * most max_parallel_starts at once. A lower tier waits until no VM of a
 * higher tier is assigned or starting anywhere.
 */
static void schedule(struct vmha_failover *fo)
{
	bool have_tier = false;
	int64_t tier = 0;
	unsigned int starting = 0;
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		const struct fo_vm *v = &fo->vms[i];

		if (v->state != FO_VM_ASSIGNED) {
			continue;
		}
		if (!have_tier || v->spec.priority > tier) {
			tier = v->spec.priority;
			have_tier = true;
		}
		if (v->starting) {
			starting++;
		}
	}
	if (!have_tier) {
		return;
	}
	/* deterministic order: by name (vms are in arrival order; pick the least name) */
	while (starting < fo->max_parallel_starts) {
		struct fo_vm *next = NULL;

		for (i = 0; i < fo->n_vms; i++) {
			struct fo_vm *v = &fo->vms[i];

			if (v->state == FO_VM_ASSIGNED && !v->starting &&
			    v->spec.priority == tier && strcmp(v->target, fo->self) == 0 &&
			    (next == NULL || strcmp(v->spec.name, next->spec.name) < 0)) {
				next = v;
			}
		}
		if (next == NULL) {
			break;
		}
		next->starting = true;
		starting++;
		emit(fo, VMHA_FAILOVER_START, LOG_NOTICE, fo->self, next->spec.name,
		     "starting vm '%s' (priority %" PRId64 ") on this host", next->spec.name,
		     next->spec.priority);
	}
}

static int on_fenced(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_host *h = get_host(fo, m->host);
	size_t n = 0;
	size_t i;

	if (h == NULL) {
		return take_oom(fo);
	}
	if (h->fenced) {
		emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, m->host, NULL,
		     "host '%s' fenced again (%s): already handled", m->host, m->text);
		return 0;
	}
	h->fenced = true;
	h->online = false;
	/* it runs nothing any more */
	free(h->other);
	h->other = NULL;
	h->n_other = 0;
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (strcmp(v->proposed, m->host) == 0) {
			v->proposed[0] = '\0';
		}
		if (!v->protected_vm) {
			continue;
		}
		if ((v->state == FO_VM_RUNNING && strcmp(v->host, m->host) == 0) ||
		    (v->state == FO_VM_ASSIGNED && strcmp(v->target, m->host) == 0)) {
			v->state = FO_VM_DISPLACED;
			v->starting = false;
			snprintf(v->host, sizeof(v->host), "%s", m->host);
			v->target[0] = '\0';
			n++;
		}
	}
	emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, NULL,
	     "host '%s' is fenced (%s): %zu protected vms to restart", m->host, m->text, n);
	return replan(fo, false);
}

static int on_start(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = find_vm(fo, m->vm);
	int rc = 0;

	if (v == NULL || !v->protected_vm || v->state != FO_VM_ASSIGNED ||
	    strcmp(v->target, m->host) != 0) {
		emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, m->vm,
		     "start result of vm '%s' on host '%s' was not expected: ignored", m->vm,
		     m->host);
		return -EINVAL;
	}
	v->starting = false;
	if (m->ok) {
		v->state = FO_VM_RUNNING;
		snprintf(v->host, sizeof(v->host), "%s", m->host);
		v->target[0] = '\0';
		emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, m->host, m->vm,
		     "vm '%s' runs on host '%s'", m->vm, m->host);
		return 0;
	}
	emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, m->host, m->vm,
	     "start of vm '%s' on host '%s' failed (%s): planning it elsewhere", m->vm, m->host,
	     m->text);
	if (v->n_excluded < FO_MAX_EXCLUDED) {
		snprintf(v->excluded[v->n_excluded], sizeof(v->excluded[0]), "%s", m->host);
		v->n_excluded++;
	}
	v->state = FO_VM_DISPLACED;
	v->target[0] = '\0';
	rc = replan(fo, false);
	return rc;
}

static int on_assign(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = find_vm(fo, m->vm);
	const struct fo_host *h = find_host(fo, m->host);

	if (h != NULL && (h->fenced || h->down)) {
		emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, m->host, m->vm,
		     "assignment of vm '%s' to host '%s' ignored: the host is down", m->vm,
		     m->host);
		if (v != NULL) {
			v->proposed[0] = '\0';
		}
		return -EINVAL;
	}
	if (v == NULL || !v->protected_vm ||
	    (v->state != FO_VM_STRANDED && v->state != FO_VM_UNKNOWN)) {
		/* placed meanwhile (an earlier assignment won, or it runs) */
		emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, m->host, m->vm,
		     "assignment of vm '%s' to host '%s' ignored: it is %s", m->vm, m->host,
		     v != NULL && v->protected_vm ? vm_state_names[v->state] : "not protected");
		if (v != NULL && strcmp(v->proposed, m->host) == 0) {
			v->proposed[0] = '\0';
		}
		return -EINVAL;
	}
	v->state = FO_VM_ASSIGNED;
	snprintf(v->target, sizeof(v->target), "%s", m->host);
	v->reason[0] = '\0';
	v->proposed[0] = '\0';
	v->starting = false;
	emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, v->target, v->spec.name,
	     "plan: vm '%s' (priority %" PRId64 ") restarts on host '%s' (%s)", v->spec.name,
	     v->spec.priority, v->target, m->text);
	return 0;
}

int vmha_failover_message(struct vmha_failover *fo, uint64_t now_ms,
                          const struct vmha_failover_msg *m)
{
	int rc;

	(void)now_ms;
	if (fo == NULL || m == NULL) {
		return -EINVAL;
	}
	if (strcmp(m->type, "fenced") == 0) {
		rc = on_fenced(fo, m);
	} else if (strcmp(m->type, "start") == 0) {
		rc = on_start(fo, m);
	} else if (strcmp(m->type, "assign") == 0) {
		rc = on_assign(fo, m);
	} else {
		rc = -EINVAL;
	}
	if (rc == 0 || rc == -EINVAL) {
		/* a refused message changes nothing, but tiers may move on */
		schedule(fo);
	}
	if (rc == 0) {
		rc = take_oom(fo);
	}
	return rc;
}

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
	v = find_vm(fo, vm);
	return v != NULL && v->protected_vm;
}

bool vmha_failover_host_is_fenced(const struct vmha_failover *fo, const char *host)
{
	const struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return false;
	}
	h = find_host(fo, host);
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
	v = find_vm(fo, vm);
	if (v == NULL) {
		return NULL;
	}
	place = vm_place(v);
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
		                       json_object_new_string(vm_state_names[v->state]));
		json_object_object_add(o, "host",
		                       v->host[0] ? json_object_new_string(v->host) : NULL);
		json_object_object_add(o, "target",
		                       v->target[0] ? json_object_new_string(v->target) : NULL);
		json_object_object_add(o, "priority", json_object_new_int64(v->spec.priority));
		json_object_object_add(o, "reason",
		                       v->reason[0] ? json_object_new_string(v->reason) : NULL);
		json_object_array_add(arr, o);
	}
	free(sorted);
	return arr;
}

int vmha_failover_msg_encode(const struct vmha_failover_msg *m, char **out, size_t *out_len)
{
	json_object *o = NULL;
	const char *s = NULL;
	int rc = 0;

	if (m == NULL || out == NULL || out_len == NULL || !vmha_util_name_is_valid(m->host) ||
	    (strcmp(m->type, "fenced") != 0 && strcmp(m->type, "start") != 0 &&
	     strcmp(m->type, "assign") != 0) ||
	    (strcmp(m->type, "fenced") != 0 && !vmha_util_name_is_valid(m->vm))) {
		return -EINVAL;
	}
	o = json_object_new_object();
	if (o == NULL) {
		return -ENOMEM;
	}
	json_object_object_add(o, FO_MSG_KEY, json_object_new_int(FO_MSG_VERSION));
	json_object_object_add(o, "type", json_object_new_string(m->type));
	json_object_object_add(o, "host", json_object_new_string(m->host));
	if (strcmp(m->type, "fenced") != 0) {
		json_object_object_add(o, "vm", json_object_new_string(m->vm));
	}
	if (strcmp(m->type, "start") == 0) {
		json_object_object_add(o, "ok", json_object_new_boolean(m->ok));
	}
	json_object_object_add(o, "text", json_object_new_string(m->text));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*out = s != NULL ? strdup(s) : NULL;
	if (*out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*out_len = strlen(*out) + 1;
out:
	json_object_put(o);
	return rc;
}

static int get_string(json_object *o, const char *key, char *dst, size_t size, bool required,
                      char *err, size_t err_size)
{
	json_object *v = NULL;
	const char *s = NULL;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (!required) {
			dst[0] = '\0';
			return 0;
		}
		snprintf(err, err_size, "failover message lacks '%s'", key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, err_size, "failover message field '%s' is not a string", key);
		return -EINVAL;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= size) {
		snprintf(err, err_size, "failover message field '%s' is too long", key);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", s);
	return 0;
}

int vmha_failover_msg_decode(const void *buf, size_t len, struct vmha_failover_msg *m, char *err,
                             size_t err_size)
{
	json_tokener *tok = NULL;
	json_object *o = NULL;
	json_object *v = NULL;
	size_t n = len;
	int rc = 0;

	if (buf == NULL || m == NULL || err == NULL || err_size == 0) {
		return -EINVAL;
	}
	err[0] = '\0';
	memset(m, 0, sizeof(*m));
	if (n > 0 && ((const char *)buf)[n - 1] == '\0') {
		n--;
	}
	if (n == 0 || n > 4096 ||
	    memmem(buf, n, "\"" FO_MSG_KEY "\"", strlen(FO_MSG_KEY) + 2) == NULL) {
		return -ENOMSG;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		return -ENOMEM;
	}
	o = json_tokener_parse_ex(tok, buf, (int)n);
	if (o == NULL || json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object)) {
		rc = -ENOMSG;
		goto out;
	}
	if (!json_object_object_get_ex(o, FO_MSG_KEY, &v)) {
		rc = -ENOMSG;
		goto out;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) != FO_MSG_VERSION) {
		snprintf(err, err_size, "failover message of unknown version");
		rc = -EINVAL;
		goto out;
	}
	rc = get_string(o, "type", m->type, sizeof(m->type), true, err, err_size);
	if (rc == 0) {
		rc = get_string(o, "host", m->host, sizeof(m->host), true, err, err_size);
	}
	if (rc == 0) {
		rc = get_string(o, "text", m->text, sizeof(m->text), false, err, err_size);
	}
	if (rc < 0) {
		goto out;
	}
	if (!vmha_util_name_is_valid(m->host)) {
		snprintf(err, err_size, "failover message: invalid host name");
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(m->type, "fenced") == 0) {
		goto out;
	}
	if (strcmp(m->type, "start") != 0 && strcmp(m->type, "assign") != 0) {
		snprintf(err, err_size, "failover message of unknown type '%s'", m->type);
		rc = -EINVAL;
		goto out;
	}
	rc = get_string(o, "vm", m->vm, sizeof(m->vm), true, err, err_size);
	if (rc < 0) {
		goto out;
	}
	if (!vmha_util_name_is_valid(m->vm)) {
		snprintf(err, err_size, "failover message: invalid vm name");
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(m->type, "assign") == 0) {
		goto out;
	}
	if (!json_object_object_get_ex(o, "ok", &v) || !json_object_is_type(v, json_type_boolean)) {
		snprintf(err, err_size, "failover message field 'ok' is missing or not a boolean");
		rc = -EINVAL;
		goto out;
	}
	m->ok = json_object_get_boolean(v);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}
