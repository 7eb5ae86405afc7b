/*
 * The failover coordinator and the desired state of each VM (see
 * failover.h): the registry's specs (protect, unprotect, its snapshots), the
 * protected VMs that stopped on a live host, and the coordinator's recovery
 * of them: restart in place, relocation, giving up.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/failover_int.h"
#include "registry.h"
#include "util.h"

/*
 * Registry snapshots applied after a VM was seen stopped before it is
 * restarted: the loader takes only the latest finished read, so the third one
 * applied after the stop began after it, and shows an operator's "stopped"
 * written before the stop (vmha vm stop).
 */
#define FO_LOST_READS 3

/* The reason of a "skip" for the desired state: such a VM is started when it becomes started. */
#define FO_REASON_DESIRED "desired state is "

/* Whether VM v runs nowhere (unknown, or not restarted for its desired state alone). */
static bool runs_nowhere(const struct fo_vm *v)
{
	return v->state == FO_VM_UNKNOWN ||
	       (v->state == FO_VM_NOT_RESTARTED &&
	        strncmp(v->reason, FO_REASON_DESIRED, strlen(FO_REASON_DESIRED)) == 0);
}

int vmha_failover_protect(struct vmha_failover *fo, const struct vmha_failover_vm *vm)
{
	struct fo_vm *v = NULL;
	size_t i;
	size_t j;

	if (fo == NULL || vm == NULL || !vmha_util_name_is_valid(vm->name)) {
		return -EINVAL;
	}
	v = fo_get_vm(fo, vm->name);
	if (v == NULL) {
		return fo_take_oom(fo);
	}
	v->spec = *vm;
	v->protected_vm = true;
	if (v->state == FO_VM_UNKNOWN) {
		/* announced before it was known as protected */
		for (i = 0; i < fo->n_hosts; i++) {
			if (!fo->hosts[i].online || fo->hosts[i].down || fo->hosts[i].fenced) {
				continue; /* its list is stale (an offline host's too) */
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

void vmha_failover_set_registry_gen(struct vmha_failover *fo, uint64_t gen)
{
	size_t i;

	if (fo == NULL) {
		return;
	}
	fo->registry_gen = gen;
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		/* reads while it runs nowhere and is wanted (or stopped: an operator's
		 * "stopped" may be in the next read) */
		if (!runs_nowhere(v) || (!v->lost && v->spec.desired != VMHA_DESIRED_STARTED)) {
			v->lost_reads = 0;
		} else if (v->lost_reads < FO_LOST_READS) {
			v->lost_reads++;
		}
	}
}

int vmha_failover_unprotect(struct vmha_failover *fo, const char *vm)
{
	struct fo_vm *v = NULL;

	if (fo == NULL || vm == NULL) {
		return -EINVAL;
	}
	v = fo_find_vm(fo, vm);
	if (v == NULL || !v->protected_vm) {
		return -ENOENT;
	}
	if (v->state == FO_VM_DISPLACED || v->state == FO_VM_ASSIGNED ||
	    v->state == FO_VM_STRANDED) {
		/* a pending VM stays until it is placed */
		return -EBUSY;
	}
	v->protected_vm = false;
	v->reason[0] = '\0';
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, NULL, vm,
	        "vm '%s' left the registry: no longer protected", vm);
	return fo_take_oom(fo);
}

int vmha_failover_cluster_host(struct vmha_failover *fo, const char *host)
{
	if (fo == NULL || host == NULL || !vmha_util_name_is_valid(host)) {
		return -EINVAL;
	}
	if (fo_get_host(fo, host) == NULL) {
		return -ENOMEM;
	}
	fo->cluster_known = true;
	return fo_take_oom(fo);
}

int vmha_failover_host_unclear(struct vmha_failover *fo, const char *host, bool unclear)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return -EINVAL;
	}
	h = fo_find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	h->view_unclear = unclear;
	return 0;
}

void fo_vm_lost(struct vmha_failover *fo, struct fo_vm *v, const char *host)
{
	v->state = FO_VM_UNKNOWN;
	v->host[0] = '\0';
	v->lost = true;
	v->lost_reads = 0;
	snprintf(v->last_host, sizeof(v->last_host), "%s", host);
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, host, v->spec.name,
	        "vm '%s' no longer runs on host '%s'", v->spec.name, host);
}

void fo_vm_found(struct fo_vm *v)
{
	v->lost = false;
	v->lost_reads = 0;
}

void fo_count_restart(struct fo_vm *v, const char *target)
{
	if (v->lost && v->state == FO_VM_UNKNOWN && strcmp(v->last_host, target) == 0) {
		v->n_restarts++;
	}
	fo_vm_found(v);
}

/* This member's answer to a placement of v (ack). */
static void send_ack(struct vmha_failover *fo, struct fo_vm *v, bool ok, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void send_ack(struct vmha_failover *fo, struct fo_vm *v, bool ok, const char *fmt, ...)
{
	struct fo_queue_item *before = fo->tail;
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fo_send_msg(fo, "ack", fo->self, v->spec.name, "%s", text);
	if (fo->tail != NULL && fo->tail != before) {
		fo->tail->a.msg.ok = ok;
	}
}

int fo_on_ack(struct vmha_failover *fo, const char *sender, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);
	size_t i;
	bool all = true;

	if (v == NULL || !v->placing) {
		return 0; /* no placement waits (cancelled, or done) */
	}
	if (!m->ok) {
		/* retried after more registry reads (an objection is not a loop) */
		v->placing = false;
		v->proposed = false;
		v->lost_reads = 0;
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, sender, m->vm,
		        "vm '%s' is not placed: host '%s' objects (%s)", m->vm, sender, m->text);
		return 0;
	}
	for (i = 0; i < fo->n_hosts && i < FO_MAX_ACKS; i++) {
		if (strcmp(fo->hosts[i].name, sender) == 0) {
			v->acked[i] = true;
		}
	}
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->online && !h->down && !h->fenced && (i >= FO_MAX_ACKS || !v->acked[i])) {
			all = false;
		}
	}
	if (!all) {
		return 0;
	}
	v->placing = false;
	v->proposed = false;
	fo_vm_found(v);
	v->state = FO_VM_DISPLACED;
	snprintf(v->host, sizeof(v->host), "%s", sender);
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, NULL, m->vm,
	        "vm '%s' is placed: every online host agrees it runs nowhere", m->vm);
	return 0;
}

void fo_cancel_placing(struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		if (fo->vms[i].placing) {
			fo->vms[i].placing = false;
			fo->vms[i].proposed = false;
			fo->vms[i].lost_reads = 0;
		}
	}
}

/* The first host this member's view holds unclear or alarming (NULL: none). */
static const char *unclear_host(const struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_hosts; i++) {
		if (fo->hosts[i].view_unclear) {
			return fo->hosts[i].name;
		}
	}
	return NULL;
}

int fo_on_relocate(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);

	if (v == NULL) {
		/* not in this member's registry snapshot: the coordinator's table rules */
		v = fo_get_vm(fo, m->vm);
		if (v == NULL) {
			return fo_take_oom(fo);
		}
		v->protected_vm = true;
	}
	v->proposed = false;
	v->proposed_host[0] = '\0';
	if (v->protected_vm && v->state == FO_VM_ASSIGNED && !v->starting) {
		/* a table that diverged (partitions merged): this member holds an
		 * assignment the coordinator's table forgot, and no start of it runs
		 * here: the coordinator of the moment rules, the held start is void */
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, v->target, m->vm,
		        "vm '%s' was assigned to host '%s' here: the coordinator places it again",
		        m->vm, v->target);
		v->state = FO_VM_UNKNOWN;
		v->target[0] = '\0';
	} else if (v->protected_vm && (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED)) {
		/* as above: a failover pending here that the coordinator's table
		 * forgot (it ran on a host the merging partition lost); it runs
		 * nowhere here either, the coordinator places it */
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, v->host, m->vm,
		        "vm '%s' was %s here: the coordinator places it again", m->vm,
		        fo_vm_state_name(v->state));
		v->state = FO_VM_UNKNOWN;
		v->reason[0] = '\0';
	}
	if (!v->protected_vm || !runs_nowhere(v)) {
		if (v->protected_vm) {
			/* this table has it running, pending or starting: object */
			send_ack(fo, v, false, "it is %s here%s", fo_vm_state_name(v->state),
			         v->starting ? " (starting)" : "");
		}
		return fo_refuse(fo, m, "it does not run nowhere");
	}
	if (v->lost && strcmp(v->last_host, m->host) != 0) {
		/* it stopped on another live host here: it runs nowhere here either.
		 * The coordinator's table, which forgot that stop (a fresh vmhad, a
		 * merge), places it: this member answers like one where it ran
		 * nowhere (else the placement waits for its ack for good) */
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, v->last_host, m->vm,
		        "vm '%s' stopped on host '%s' here: the coordinator places it", m->vm,
		        v->last_host);
		fo_vm_found(v);
	}
	if (!v->lost) {
		/* it ran nowhere in the coordinator's table: placed once every online
		 * host's table agrees (a table that diverged may hold its assignment);
		 * an objection, this member's own too, ends the placement */
		v->placing = true;
		v->placing_since_ms = fo->now_ms;
		memset(v->acked, 0, sizeof(v->acked));
	}
	if (!v->lost && fo->start_grace_ms > 0 && fo->now_ms - fo->born_ms < fo->start_grace_ms) {
		/* the vmhad before this one may have begun a start of v that
		 * libvirt still runs: its table does not know */
		send_ack(fo, v, false,
		         "this vmhad started %" PRIu64 " ms ago (start grace %" PRIu64
		         " ms): a start the one before began may be in flight",
		         fo->now_ms - fo->born_ms, fo->start_grace_ms);
		return 0;
	}
	if (!v->lost && unclear_host(fo) != NULL) {
		/* this member's view holds a host unclear or alarming that the
		 * coordinator's view may not know (a fresh vmhad never saw it): that
		 * host may run v */
		send_ack(fo, v, false, "host '%s' is unclear here", unclear_host(fo));
		return 0;
	}
	if (!v->lost) {
		send_ack(fo, v, true, "runs nowhere here");
		return 0;
	}
	if (v->lost) {
		/* planned elsewhere than where it stopped */
		if (v->n_excluded < FO_MAX_EXCLUDED) {
			snprintf(v->excluded[v->n_excluded], sizeof(v->excluded[0]), "%s", m->host);
			v->n_excluded++;
		}
		v->n_relocations++;
		v->n_restarts = 0;
	}
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, m->host, m->vm, "vm '%s' is %s (%s)", m->vm,
	        v->lost ? "relocated" : "placed", m->text);
	fo_vm_found(v);
	v->state = FO_VM_DISPLACED;
	snprintf(v->host, sizeof(v->host), "%s", m->host);
	return 0;
}

int fo_on_stopped(struct vmha_failover *fo, const struct vmha_failover_msg *m)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);

	if (v == NULL) {
		/* not in this member's registry snapshot: the coordinator's table rules */
		v = fo_get_vm(fo, m->vm);
		if (v == NULL) {
			return fo_take_oom(fo);
		}
		v->protected_vm = true;
	}
	if (!v->protected_vm) {
		return fo_refuse(fo, m, "it is not protected");
	}
	if (v->state != FO_VM_UNKNOWN) {
		return 0; /* located or pending here already: that rules */
	}
	if (!v->lost || strcmp(v->last_host, m->host) != 0) {
		v->lost = true;
		v->lost_reads = 0;
		snprintf(v->last_host, sizeof(v->last_host), "%s", m->host);
	}
	v->n_restarts = v->n_restarts > m->restarts ? v->n_restarts : m->restarts;
	v->n_relocations = v->n_relocations > m->relocations ? v->n_relocations : m->relocations;
	return 0;
}

void fo_replay_stopped(struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		const struct fo_vm *v = &fo->vms[i];
		struct fo_queue_item *before = fo->tail;

		if (!v->protected_vm || v->state != FO_VM_UNKNOWN || !v->lost) {
			continue;
		}
		fo_send_msg(fo, "stopped", v->last_host, v->spec.name, "state transfer");
		if (fo->tail != NULL && fo->tail != before) {
			fo->tail->a.msg.restarts = v->n_restarts;
			fo->tail->a.msg.relocations = v->n_relocations;
		}
	}
}

/*
 * Whether no host's state is unclear: every known host (the cluster's, and
 * any that announced) is fenced, or online
 * and announced (with a healthy inventory) since its vmhad (re)joined and
 * since quorum returned. A host that is lost, down and not yet fenced, or
 * whose vmhad has not told its VMs yet, may run any VM.
 */
static bool table_clear(const struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->view_unclear) {
			return false;
		}
		if (h->fenced) {
			continue;
		}
		if (!h->online || h->down || !h->announced_since_join ||
		    !h->announced_since_quorum || !h->health_ok) {
			return false;
		}
	}
	return true;
}

static bool host_usable(const struct vmha_failover *fo, const char *name)
{
	const struct fo_host *h = fo_find_host(fo, name);

	return h != NULL && h->online && !h->down && !h->fenced && h->health_ok;
}

bool fo_skip_undesired(struct vmha_failover *fo, struct fo_vm *v)
{
	if (v->spec.desired == VMHA_DESIRED_STARTED || v->proposed) {
		return false;
	}
	v->proposed = true;
	fo_send_msg(fo, "skip", v->host[0] ? v->host : v->last_host, v->spec.name,
	            FO_REASON_DESIRED "%s", vmha_registry_desired_name(v->spec.desired));
	return true;
}

/* The coordinator decides about one VM that stopped on a live host, or runs nowhere. */
static void recover_one(struct vmha_failover *fo, struct fo_vm *v)
{
	if (v->proposed || v->lost_reads < FO_LOST_READS) {
		return;
	}
	if (!v->lost) {
		/* runs nowhere and never stopped here (a coordinator that started
		 * since, a failover forgotten at a merge, a VM enabled again): placed
		 * once every online host's table agrees (fo_on_ack) */
		if (v->spec.desired == VMHA_DESIRED_STARTED && v->spec.restart && !v->placing) {
			v->proposed = true;
			fo_send_msg(fo, "relocate", fo->self, v->spec.name,
			            FO_REASON_DESIRED "started and it runs nowhere");
		}
		return;
	}
	if (v->spec.desired != VMHA_DESIRED_STARTED || !v->spec.restart) {
		/* an operator's stop, disabled or restart policy never: left alone */
		v->proposed = true;
		fo_send_msg(fo, "skip", v->last_host, v->spec.name, "%s",
		            !v->spec.restart ? "restart policy is never"
		            : v->spec.desired == VMHA_DESIRED_STOPPED
		                    ? FO_REASON_DESIRED "stopped: not restarted"
		                    : FO_REASON_DESIRED "disabled: left alone");
		return;
	}
	v->proposed = true;
	if (v->n_restarts < fo->max_restart && host_usable(fo, v->last_host)) {
		snprintf(v->proposed_host, sizeof(v->proposed_host), "%s", v->last_host);
		fo_send_msg(fo, "assign", v->last_host, v->spec.name,
		            "restart in place after a stop (restart %u of %u)", v->n_restarts + 1,
		            fo->max_restart);
	} else if (v->n_relocations < fo->max_relocate) {
		fo_send_msg(fo, "relocate", v->last_host, v->spec.name,
		            "%u restarts there; relocation %u of %u", v->n_restarts,
		            v->n_relocations + 1, fo->max_relocate);
	} else {
		fo_send_msg(fo, "skip", v->last_host, v->spec.name,
		            "stopped again after %u restarts and %u relocations: left stopped "
		            "(max_restart %u, max_relocate %u)",
		            v->n_restarts, v->n_relocations, fo->max_restart, fo->max_relocate);
	}
}

/*
 * The coordinator objects to a placement that an online host has not answered
 * within FO_PLACE_TIMEOUT_MS: a member that dropped the placement (a fresh
 * vmhad that has not heard the coordinator yet) never answers, and the
 * placement would wait for it for good. Every member applies the objection:
 * the placement is retried.
 */
static void placing_timeout(struct vmha_failover *fo, struct fo_vm *v)
{
	size_t i;

	if (!v->placing || fo->now_ms - v->placing_since_ms < FO_PLACE_TIMEOUT_MS) {
		return;
	}
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->online && !h->down && !h->fenced && (i >= FO_MAX_ACKS || !v->acked[i])) {
			break;
		}
	}
	/* once per timeout: the objection is on its way */
	v->placing_since_ms = fo->now_ms;
	send_ack(fo, v, false, "host '%s' did not answer within %u ms",
	         i < fo->n_hosts ? fo->hosts[i].name : "?", FO_PLACE_TIMEOUT_MS);
}

void fo_recover(struct vmha_failover *fo)
{
	size_t i;

	if (!fo->cluster_known || !vmha_failover_is_coordinator(fo) || !fo_may_act(fo)) {
		return;
	}
	for (i = 0; i < fo->n_vms; i++) {
		placing_timeout(fo, &fo->vms[i]);
	}
	if (!table_clear(fo)) {
		return;
	}
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (v->protected_vm && runs_nowhere(v)) {
			recover_one(fo, v);
		}
	}
}
