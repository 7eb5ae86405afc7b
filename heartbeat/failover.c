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

#include "heartbeat/failover_int.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "util.h"

#define FO_DEFAULT_START     2
#define FO_DEFAULT_MAX_HOSTS 128
#define FO_DEFAULT_RETRY_MS  5000

static const char *const vm_state_names[] = {
        [FO_VM_UNKNOWN] = "unknown",     [FO_VM_RUNNING] = "running",
        [FO_VM_DISPLACED] = "displaced", [FO_VM_ASSIGNED] = "assigned",
        [FO_VM_STRANDED] = "stranded",   [FO_VM_NOT_RESTARTED] = "not_restarted",
};

const char *fo_vm_state_name(enum fo_vm_state state)
{
	return vm_state_names[state];
}

void fo_emit(struct vmha_failover *fo, enum vmha_failover_action_kind kind, int level,
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
	fo->max_hosts = config->max_hosts ? config->max_hosts : FO_DEFAULT_MAX_HOSTS;
	fo->fence_device = config->fence_device;
	fo->restart_delay_ms = config->restart_delay_ms;
	fo->fence_retry_ms = config->fence_retry_ms ? config->fence_retry_ms : FO_DEFAULT_RETRY_MS;
	fo->max_restart = config->recover_limits ? config->max_restart : 1;
	fo->max_relocate = config->recover_limits ? config->max_relocate : 1;
	fo->start_grace_ms = config->start_grace_ms;
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

struct fo_host *fo_find_host(const struct vmha_failover *fo, const char *name)
{
	size_t i;

	for (i = 0; i < fo->n_hosts; i++) {
		if (strcmp(fo->hosts[i].name, name) == 0) {
			return &fo->hosts[i];
		}
	}
	return NULL;
}

struct fo_host *fo_get_host(struct vmha_failover *fo, const char *name)
{
	struct fo_host *h = fo_find_host(fo, name);
	struct fo_host *p = NULL;

	if (h != NULL) {
		return h;
	}
	if (fo->n_hosts >= fo->max_hosts) {
		if (!fo->hosts_full_logged) {
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, name, NULL,
			        "host table full (%zu hosts): host '%s' ignored", fo->max_hosts,
			        name);
			fo->hosts_full_logged = true;
		}
		return NULL;
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

struct fo_vm *fo_find_vm(const struct vmha_failover *fo, const char *name)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		if (strcmp(fo->vms[i].spec.name, name) == 0) {
			return &fo->vms[i];
		}
	}
	return NULL;
}

struct fo_vm *fo_get_vm(struct vmha_failover *fo, const char *name)
{
	struct fo_vm *v = fo_find_vm(fo, name);
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

int fo_take_oom(struct vmha_failover *fo)
{
	if (fo->oom) {
		fo->oom = false;
		return -ENOMEM;
	}
	return 0;
}

/* Queue a message for the caller to multicast (the coordinator's decisions, start results). */
void fo_send_msg(struct vmha_failover *fo, const char *type, const char *host, const char *vm,
                 const char *fmt, ...)
{
	struct vmha_failover_msg m;
	struct fo_queue_item *before = NULL;
	va_list ap;

	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "%s", type);
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.vm, sizeof(m.vm), "%s", vm != NULL ? vm : "");
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (strcmp(type, "assign") == 0) {
		const struct fo_vm *v = fo_find_vm(fo, vm);

		m.priority = v != NULL ? v->spec.priority : 0;
		m.gen = fo->registry_gen;
	}
	before = fo->tail;
	fo_emit(fo, VMHA_FAILOVER_SEND, LOG_INFO, host, vm, "%s %s%s%s: %s", type, host,
	        vm != NULL ? " " : "", vm != NULL ? vm : "", m.text);
	if (fo->tail != NULL && fo->tail != before) {
		fo->tail->a.msg = m;
	}
}

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

/* Capacity may have appeared: the coordinator plans the stranded VMs again. */
static void retry_stranded(struct vmha_failover *fo, const char *why)
{
	if (vmha_failover_is_coordinator(fo) && fo_may_act(fo) && any_stranded(fo)) {
		fo_replan(fo, why);
	}
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

/* An accepted announcement shows VM v active on host: it runs there, whatever was pending. */
static void seen_active(struct vmha_failover *fo, struct fo_vm *v, const char *host)
{
	if (v->state == FO_VM_RUNNING && strcmp(v->host, host) != 0) {
		/* a live migration arrives before its source's next announcement;
		 * if the source announces it again, this fires there as an error */
		bool moved = !v->seen_elsewhere;

		fo_emit(fo, VMHA_FAILOVER_EVENT, moved ? LOG_NOTICE : LOG_ERR, host, v->spec.name,
		        moved ? "vm '%s' now announced by host '%s' (last on host '%s'): moved, "
		                "unless that host announces it again"
		              : "vm '%s' announced by host '%s' while it runs on host '%s'",
		        v->spec.name, host, v->host);
		v->seen_elsewhere = true;
	} else if (v->state == FO_VM_RUNNING) {
		v->seen_elsewhere = false;
	}
	if (v->state == FO_VM_ASSIGNED && strcmp(v->target, host) != 0) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, host, v->spec.name,
		        "vm '%s' is active on host '%s' while assigned to host '%s': not started "
		        "there",
		        v->spec.name, host, v->target);
	} else if (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, host, v->spec.name,
		        "vm '%s' is active on host '%s' while %s: not restarted", v->spec.name,
		        host, fo_vm_state_name(v->state));
	}
	/* assigned there and announced active there: it runs (a start result may
	 * follow, or never come when the vmhad that started it restarted) */
	if (v->state == FO_VM_NOT_RESTARTED) {
		/* started again by an operator: the restart and relocation counts begin anew */
		v->n_restarts = 0;
		v->n_relocations = 0;
	}
	fo_vm_found(v);
	v->state = FO_VM_RUNNING;
	snprintf(v->host, sizeof(v->host), "%s", host);
	v->target[0] = '\0';
	v->reason[0] = '\0';
	v->proposed = false;
	v->proposed_host[0] = '\0';
}

int vmha_failover_announce(struct vmha_failover *fo, uint64_t now_ms, const struct vmha_announce *a)
{
	struct fo_host *h = NULL;
	struct vmha_vm_info *other = NULL;
	size_t n_other = 0;
	size_t i;
	bool freed = false;
	bool grew = false;

	if (fo == NULL || a == NULL || !vmha_util_name_is_valid(a->host)) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	h = fo_get_host(fo, a->host);
	if (h == NULL) {
		return fo_take_oom(fo);
	}
	if (a->cpus > h->cpus || a->memory_kib / 1024 > h->memory_mib || h->down || h->fenced) {
		grew = true;
	}
	if (h->incarnation != a->incarnation && strcmp(a->host, fo->self) != 0) {
		/* a vmhad (re)joined: once every online host has announced again (so
		 * that it knows them), the coordinator replays the table for it */
		for (i = 0; i < fo->n_hosts; i++) {
			fo->hosts[i].announced_since_join = false;
		}
		fo->replay_pending = true;
	}
	h->incarnation = a->incarnation;
	h->seq = a->seq;
	h->synced = a->synced;
	h->announced_since_join = true;
	h->announced_since_quorum = true;
	h->cpus = a->cpus;
	h->memory_mib = a->memory_kib / 1024;
	h->has_safety = a->has_safety;
	h->safety = a->safety;
	h->standby = a->standby;
	h->health_ok = a->health == VMHA_HEALTH_OK;
	/* a host that announces again (through the view: its vmhad is a member)
	 * came back: it takes VMs again, but the VMs that moved away stay */
	h->down = false;
	h->fenced = false;
	h->fencing = false;
	h->fenced_sent = false;
	h->timer_refused = false;
	other = calloc(a->n_vms ? a->n_vms : 1, sizeof(*other));
	if (other == NULL) {
		return -ENOMEM;
	}
	for (i = 0; i < a->n_vms; i++) {
		const struct vmha_vm_info *vi = &a->vms[i];
		struct fo_vm *v = fo_find_vm(fo, vi->name);

		if (vi->state != VMHA_VM_RUNNING && vi->state != VMHA_VM_PAUSED) {
			continue;
		}
		other[n_other++] = *vi;
		if (v != NULL && v->protected_vm) {
			seen_active(fo, v, a->host);
		}
	}
	/* a protected VM this host ran and no longer runs was stopped (a host
	 * that cannot see its VMs says so and keeps the list) */
	for (i = 0; a->health == VMHA_HEALTH_OK && i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (v->protected_vm && v->state == FO_VM_RUNNING && strcmp(v->host, a->host) == 0 &&
		    !announced_active(a, v->spec.name)) {
			freed = true;
			fo_vm_lost(fo, v, a->host);
		}
	}
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
	fo_check_stale(fo);
	fo_replay(fo);
	/* a VM announced active on its target runs: the next tier may start
	 * (its start result may never come: the vmhad that began it restarted,
	 * or it was sent while its host was not online in the view) */
	fo_schedule(fo); /* after an announcement */
	if (h->online) {
		retry_stranded(fo, freed  ? "capacity freed on a host"
		                   : grew ? "a host came back"
		                          : "re-plan");
		fo_coordinate(fo);
	}
	return fo_take_oom(fo);
}

int vmha_failover_host_online(struct vmha_failover *fo, const char *host, bool online)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return -EINVAL;
	}
	h = fo_find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	if (h->online == online) {
		return 0;
	}
	h->online = online;
	fo_cancel_placing(fo);
	if (online && fo->was_inquorate) {
		fo->merged = true;
	}
	fo_check_stale(fo);
	if (online && !h->down && !h->fenced) {
		retry_stranded(fo, "a host is online");
	}
	/* the coordinator may have changed: the new one takes over the duties */
	fo_coordinate(fo);
	return fo_take_oom(fo);
}

static int refuse(struct vmha_failover *fo, const struct vmha_failover_msg *m, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int refuse(struct vmha_failover *fo, const struct vmha_failover_msg *m, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, m->vm[0] ? m->vm : NULL,
	        "%s message about '%s'%s%s dropped: %s", m->type, m->host, m->vm[0] ? " vm " : "",
	        m->vm, why);
	return -EINVAL;
}

int fo_refuse(struct vmha_failover *fo, const struct vmha_failover_msg *m, const char *why)
{
	return refuse(fo, m, "%s", why);
}

static int on_down(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_host *h = fo_find_host(fo, m->host);

	if (h == NULL) {
		/* the coordinator's table has it (state transfer to a member that
		 * (re)joined after the host was lost): known from now on, offline */
		h = fo_get_host(fo, m->host);
		if (h == NULL) {
			return refuse(fo, m, "unknown host and the host table is full");
		}
	}
	if (h->online) {
		return refuse(fo, m, "the host is online here");
	}
	if (h->down || h->fenced) {
		return 0;
	}
	h->down = true;
	h->down_ms = fo->now_ms;
	h->fencing = false;
	h->fence_retry_ms = 0;
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, NULL,
	        "host '%s' is down (%s): the coordinator fences it", m->host, m->text);
	return 0;
}

static int on_fenced(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_host *h = fo_find_host(fo, m->host);
	size_t n = 0;
	size_t i;

	if (h == NULL) {
		return refuse(fo, m, "unknown host");
	}
	if (h->fenced) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, m->host, NULL,
		        "host '%s' fenced again (%s): already handled", m->host, m->text);
		return 0;
	}
	if (h->online || !h->down) {
		return refuse(fo, m, "the host was not declared down");
	}
	h->fenced = true;
	h->fencing = false;
	h->fenced_sent = false;
	free(h->other);
	h->other = NULL;
	h->n_other = 0;
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (strcmp(v->proposed_host, m->host) == 0) {
			v->proposed = false;
			v->proposed_host[0] = '\0';
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
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, NULL,
	        "host '%s' is fenced (%s): %zu protected vms to restart", m->host, m->text, n);
	fo_replan(fo, "plan");
	return 0;
}

/*
 * A start that succeeded on a host this table did not expect it on: a start
 * begun before quorum was lost (its pending state forgotten), or the start of
 * a quorate side's assignment while this table (from an inquorate partition
 * that merged) has the VM pending, or on a host that is lost, down or fenced.
 * It runs there: nothing plans or starts it elsewhere. (A result that
 * contradicts a live host running it is stale: refused.)
 */
static bool started_unexpected(const struct vmha_failover *fo, const struct fo_vm *v,
                               const struct vmha_failover_msg *m)
{
	const struct fo_host *was = NULL;

	if (v == NULL || !v->protected_vm || !m->ok) {
		return false;
	}
	if (v->state == FO_VM_RUNNING && strcmp(v->host, m->host) != 0) {
		was = fo_find_host(fo, v->host);
		return was == NULL || !was->online || was->down || was->fenced;
	}
	return v->state == FO_VM_UNKNOWN || v->state == FO_VM_DISPLACED ||
	       v->state == FO_VM_STRANDED;
}

static int on_start(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);

	if (started_unexpected(fo, v, m)) {
		v->target[0] = '\0';
		v->reason[0] = '\0';
		v->starting = false;
		v->state = FO_VM_RUNNING;
		fo_vm_found(v);
		snprintf(v->host, sizeof(v->host), "%s", m->host);
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, m->host, m->vm,
		        "vm '%s' runs on host '%s'", m->vm, m->host);
		return 0;
	}
	if (v != NULL && v->protected_vm && v->state == FO_VM_UNKNOWN &&
	    strcmp(m->host, fo->self) == 0) {
		v->starting = false; /* failed: it stays unknown */
	}
	if (v == NULL || !v->protected_vm || v->state != FO_VM_ASSIGNED ||
	    strcmp(v->target, m->host) != 0) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, m->vm,
		        "start result of vm '%s' on host '%s' was not expected: ignored", m->vm,
		        m->host);
		return -EINVAL;
	}
	v->starting = false;
	if (m->ok) {
		v->state = FO_VM_RUNNING;
		snprintf(v->host, sizeof(v->host), "%s", m->host);
		v->target[0] = '\0';
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, m->host, m->vm,
		        "vm '%s' runs on host '%s'", m->vm, m->host);
		return 0;
	}
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, m->host, m->vm,
	        "start of vm '%s' on host '%s' failed (%s): planning it elsewhere", m->vm, m->host,
	        m->text);
	if (v->n_excluded < FO_MAX_EXCLUDED) {
		snprintf(v->excluded[v->n_excluded], sizeof(v->excluded[0]), "%s", m->host);
		v->n_excluded++;
	}
	v->state = FO_VM_DISPLACED;
	v->target[0] = '\0';
	fo_replan(fo, "start failed");
	return 0;
}

static int on_assign(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);
	const struct fo_host *h = fo_find_host(fo, m->host);

	if (v != NULL && strcmp(v->proposed_host, m->host) == 0) {
		v->proposed = false;
		v->proposed_host[0] = '\0';
	}
	if (v != NULL && v->state == FO_VM_ASSIGNED && strcmp(v->target, m->host) == 0) {
		return 0; /* the same assignment again (state transfer): nothing changes */
	}
	if (h == NULL || h->fenced || (!m->replay && (!h->online || h->down))) {
		/* a state transfer replays the table as it is: an assignment to
		 * a host that left since is kept everywhere alike (its fence
		 * voids it; its fresh vmhad starts it), else the tables diverge */
		return refuse(fo, m, "the target is not an online host");
	}
	if (v == NULL) {
		/* not in this member's registry snapshot: the coordinator's plan rules */
		v = fo_get_vm(fo, m->vm);
		if (v == NULL) {
			return fo_take_oom(fo);
		}
		v->protected_vm = true;
	}
	if (!v->protected_vm || (v->state != FO_VM_STRANDED && v->state != FO_VM_UNKNOWN &&
	                         v->state != FO_VM_DISPLACED)) {
		return refuse(fo, m, "it is %s%s%s",
		              v->protected_vm ? fo_vm_state_name(v->state) : "not protected",
		              v->state == FO_VM_RUNNING ? " on " : "",
		              v->state == FO_VM_RUNNING ? v->host : "");
	}
	fo_count_restart(v, m->host);
	v->state = FO_VM_ASSIGNED;
	snprintf(v->target, sizeof(v->target), "%s", m->host);
	v->spec.priority = m->priority;
	v->gen = m->gen;
	v->reason[0] = '\0';
	v->proposed = false;
	v->starting = false;
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, v->target, v->spec.name,
	        "plan: vm '%s' (priority %" PRId64 ") restarts on host '%s' (%s, registry "
	        "generation %" PRIu64 ")",
	        v->spec.name, v->spec.priority, v->target, m->text, m->gen);
	return 0;
}

static int on_unplaced(struct vmha_failover *fo, const struct vmha_failover_msg *m, bool never)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);
	bool was_lost = false;

	if (v != NULL) {
		v->proposed = false;
	}
	if (v != NULL && v->state == FO_VM_STRANDED && !never && strcmp(v->reason, m->text) == 0) {
		return 0; /* the same decision again (state transfer) */
	}
	if (v == NULL && !never) {
		/* not in this member's registry snapshot: the coordinator's table rules */
		v = fo_get_vm(fo, m->vm);
		if (v == NULL) {
			return fo_take_oom(fo);
		}
		v->protected_vm = true;
	}
	if (v == NULL || !v->protected_vm ||
	    (v->state != FO_VM_DISPLACED && v->state != FO_VM_STRANDED &&
	     !(v->state == FO_VM_UNKNOWN && (!never || v->lost)))) {
		return refuse(fo, m, "it is not pending");
	}
	was_lost = v->lost;
	fo_vm_found(v);
	if (v->host[0] == '\0') {
		snprintf(v->host, sizeof(v->host), "%s", m->host);
	}
	snprintf(v->reason, sizeof(v->reason), "%s", m->text);
	if (never) {
		v->state = FO_VM_NOT_RESTARTED;
		fo_emit(fo, VMHA_FAILOVER_EVENT,
		        was_lost && v->spec.restart && v->spec.desired == VMHA_DESIRED_STARTED
		                ? LOG_ERR
		                : LOG_NOTICE,
		        v->host, v->spec.name, "vm '%s' is not restarted: %s", v->spec.name,
		        v->reason);
		return 0;
	}
	v->state = FO_VM_STRANDED;
	fo_emit(fo, VMHA_FAILOVER_STRANDED, LOG_ERR, v->host, v->spec.name,
	        "vm '%s' is stranded: %s", v->spec.name, v->reason);
	return 0;
}

/* A decision of this member's that was refused: it may be taken again. */
static void forget_proposal(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);
	struct fo_host *h = fo_find_host(fo, m->host);

	if (v != NULL && m->vm[0] != '\0') {
		v->proposed = false;
		v->proposed_host[0] = '\0';
	} else if (h != NULL && strcmp(m->type, "fenced") == 0) {
		h->fenced_sent = false;
	}
}

int vmha_failover_message(struct vmha_failover *fo, uint64_t now_ms, const char *sender,
                          const struct vmha_failover_msg *m)
{
	const struct fo_host *from = NULL;
	const char *coord = NULL;
	bool own_refused = false;
	int rc;

	if (fo == NULL || m == NULL) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	from = sender != NULL ? fo_find_host(fo, sender) : NULL;
	coord = vmha_failover_coordinator(fo);
	if (strcmp(m->type, "start") == 0 && sender != NULL && strcmp(sender, fo->self) == 0) {
		fo_own_void_delivered(fo, m, from != NULL && from->online);
	}
	if (from == NULL || !from->online) {
		rc = refuse(fo, m, "not sent by the vmhad of an online host");
		own_refused = sender != NULL && strcmp(sender, fo->self) == 0;
	} else if (vmha_failover_msg_is_decision(m->type) &&
	           (coord == NULL || strcmp(coord, sender) != 0)) {
		rc = refuse(fo, m, "host '%s' is not the coordinator", sender);
		own_refused = strcmp(sender, fo->self) == 0;
	} else if ((strcmp(m->type, "start") == 0 || strcmp(m->type, "ack") == 0) &&
	           strcmp(m->host, sender) != 0) {
		rc = refuse(fo, m, "sent by host '%s'", sender);
	} else if (strcmp(m->type, "down") == 0) {
		rc = on_down(fo, m);
	} else if (strcmp(m->type, "fenced") == 0) {
		rc = on_fenced(fo, m);
	} else if (strcmp(m->type, "start") == 0) {
		rc = on_start(fo, m);
	} else if (strcmp(m->type, "assign") == 0) {
		rc = on_assign(fo, m);
	} else if (strcmp(m->type, "relocate") == 0) {
		rc = fo_on_relocate(fo, m);
	} else if (strcmp(m->type, "stopped") == 0) {
		rc = fo_on_stopped(fo, m);
	} else if (strcmp(m->type, "ack") == 0) {
		rc = fo_on_ack(fo, sender, m);
	} else if (strcmp(m->type, "sync") == 0) {
		rc = fo_on_sync(fo, sender, m);
	} else if (strcmp(m->type, "stranded") == 0 || strcmp(m->type, "skip") == 0) {
		rc = on_unplaced(fo, m, strcmp(m->type, "skip") == 0);
	} else {
		rc = refuse(fo, m, "unknown type");
	}
	if (own_refused) {
		/* this member's own decision, ordered after the membership changed,
		 * was refused for its sender (everywhere alike): no longer in flight */
		forget_proposal(fo, m);
	}
	if (rc == 0 || rc == -EINVAL) {
		/* a refused message changes nothing, but tiers may move on */
		fo_schedule(fo);
		fo_coordinate(fo);
	}
	if (rc == 0) {
		rc = fo_take_oom(fo);
	}
	return rc;
}
