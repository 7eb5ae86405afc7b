/*
 * The failover coordinator and quorum (failover.h): what may act, quorum
 * lost, not known or regained, a stale table after an inquorate partition
 * merged, and self-fencing.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/failover_int.h"

bool fo_may_declare(const struct vmha_failover *fo)
{
	return fo->quorate && !fo->quorum_unknown && !fo->self_fenced;
}

bool fo_may_act(const struct vmha_failover *fo)
{
	return fo_may_declare(fo) && !fo->stale;
}

/* A stale table (this member was inquorate) is usable again once every
 * online host announced after quorum returned: their announcements locate
 * every VM that the quorate side started meanwhile. */
void fo_check_stale(struct vmha_failover *fo)
{
	size_t i;

	if (!fo->stale || !fo->quorate || fo->quorum_unknown) {
		return;
	}
	for (i = 0; i < fo->n_hosts; i++) {
		if (fo->hosts[i].online && !fo->hosts[i].announced_since_quorum) {
			return;
		}
	}
	fo->stale = false;
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, fo->self, NULL,
	        "host '%s': every online host announced since quorum returned: its table is "
	        "current again",
	        fo->self);
	fo_schedule(fo);
	fo_replay(fo);
}

/* Nothing acts (quorum lost or not known): starts not begun are held back;
 * forget: proposals and fenced announcements in flight are forgotten (re-sent). */
static void fo_hold_back(struct vmha_failover *fo, const char *state, const char *why, bool forget)
{
	size_t i;

	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, NULL,
	        "host '%s' is %s: no fence, plan, assignment or start", fo->self, state);
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (v->state == FO_VM_ASSIGNED && strcmp(v->target, fo->self) == 0) {
			/* the table stays as every member of the partition has it;
			 * this host starts nothing until quorum is known again */
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, v->spec.name,
			        "start of vm '%s' %s: %s", v->spec.name,
			        v->starting ? "in flight (the self-fence stops it)" : "held back",
			        why);
		}
		if (forget) {
			v->proposed = false;
			v->proposed_host[0] = '\0';
		}
	}
	for (i = 0; forget && i < fo->n_hosts; i++) {
		fo->hosts[i].fenced_sent = false;
	}
}

/*
 * This inquorate partition merged with another: the quorate side may have
 * failed over any VM meanwhile. Every pending failover (assigned, displaced,
 * stranded), and every VM that ran on a host now offline, becomes unknown on
 * every member of the partition alike: nobody plans, starts or fails it over
 * from this table again; an assignment of a quorate
 * coordinator, a start result or an announcement that shows the VM running
 * places it again. A start already begun on this host goes on and its
 * result counts. A VM that stopped on a host of this partition (its
 * self-fence) is forgotten as stopped there alike: the quorate side may hold
 * it assigned or starting, so it is not restarted in place but placed as one
 * that runs nowhere, once every online host acks (a start in flight objects).
 */
static void fo_forget_pending(struct vmha_failover *fo)
{
	size_t i;

	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];
		const struct fo_host *h = fo_find_host(fo, v->host);

		if (v->protected_vm && v->state == FO_VM_UNKNOWN && v->lost) {
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, v->spec.name,
			        "vm '%s' stopped on host '%s': forgotten, this partition was "
			        "inquorate (the quorate side may have failed it over)",
			        v->spec.name, v->last_host);
			fo_vm_found(v);
			continue;
		}
		if (v->protected_vm && v->state == FO_VM_RUNNING && (h == NULL || !h->online)) {
			/* where it ran is out of sight: the quorate side may have
			 * failed it over (a start result or an announcement places it) */
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, v->spec.name,
			        "vm '%s' ran on host '%s', which is offline: forgotten, this "
			        "partition was inquorate (the quorate side decided)",
			        v->spec.name, v->host);
			v->state = FO_VM_UNKNOWN;
			continue;
		}
		if (!v->protected_vm ||
		    (v->state != FO_VM_ASSIGNED && v->state != FO_VM_DISPLACED &&
		     v->state != FO_VM_STRANDED)) {
			continue;
		}
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, v->spec.name,
		        "vm '%s' was %s: forgotten, this partition was inquorate (the quorate side "
		        "decided)",
		        v->spec.name, fo_vm_state_name(v->state));
		if (v->state == FO_VM_ASSIGNED && !v->starting &&
		    strcmp(v->target, fo->self) == 0) {
			/* the quorate side may hold it assigned here too, waiting for
			 * a result that never comes: void it there as a failed start,
			 * in CPG order; this host starts it on no assignment before */
			fo_void_own(fo, v, "forgotten: this partition was inquorate");
		}
		v->state = FO_VM_UNKNOWN;
		v->target[0] = '\0';
		v->reason[0] = '\0';
	}
}

void fo_void_own(struct vmha_failover *fo, struct fo_vm *v, const char *why)
{
	v->voiding = true;
	v->void_sent = false;
	v->void_why = why;
	fo_send_voids(fo);
}

void fo_send_voids(struct vmha_failover *fo)
{
	const struct fo_host *self = fo_find_host(fo, fo->self);
	size_t i;

	if (self == NULL || !self->online) {
		return; /* refused everywhere: sent once this host announced */
	}
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		if (v->voiding && !v->void_sent) {
			fo_send_msg(fo, "start", fo->self, v->spec.name, "%s", v->void_why);
			v->void_sent = true;
		}
	}
}

void fo_own_void_delivered(struct vmha_failover *fo, const struct vmha_failover_msg *m,
                           bool sender_online)
{
	struct fo_vm *v = fo_find_vm(fo, m->vm);

	if (v == NULL || !v->void_sent || m->ok || strcmp(m->host, fo->self) != 0) {
		return;
	}
	v->void_sent = false;
	/* applied everywhere alike: done; refused everywhere: owed again */
	v->voiding = !sender_online;
}

void vmha_failover_set_quorum(struct vmha_failover *fo, bool quorate)
{
	if (fo == NULL || (fo->quorate == quorate && !fo->quorum_unknown)) {
		return;
	}
	fo->quorum_unknown = false;
	fo->quorate = quorate;
	if (!quorate) {
		fo_hold_back(fo, "inquorate", "quorum lost", true);
		fo->was_inquorate = true;
		fo->merged = false;
		return;
	}
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, fo->self, NULL, "host '%s' is quorate",
	        fo->self);
	if (fo->was_inquorate && fo->merged) {
		size_t i;

		/* another partition merged into this inquorate one: its table may
		 * differ from the quorate side's */
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, NULL,
		        "host '%s' was inquorate and hosts joined meanwhile: its table is stale "
		        "until every online host announced again",
		        fo->self);
		fo_forget_pending(fo);
		fo->stale = true;
		for (i = 0; i < fo->n_hosts; i++) {
			fo->hosts[i].announced_since_quorum = false;
		}
	}
	fo->was_inquorate = false;
	fo->merged = false;
	fo_schedule(fo);
	fo_coordinate(fo);
}

void vmha_failover_nodes_joined(struct vmha_failover *fo)
{
	/* nodes whose vmhads are down (or not yet up) can bring quorum from a
	 * partition that was quorate and acted: as much a merge as a vmhad
	 * joining, when this partition was inquorate */
	if (fo != NULL && fo->was_inquorate) {
		fo->merged = true; /* nodes joined */
	}
}

void vmha_failover_host_joining(struct vmha_failover *fo, const char *host)
{
	const struct fo_host *h = fo != NULL && host != NULL ? fo_find_host(fo, host) : NULL;

	/* a member of the new membership that has not announced yet: when this
	 * partition was inquorate, another one merges, even if the quorum of
	 * the merged membership comes before its announcement */
	if (h != NULL && strcmp(host, fo->self) != 0 && fo->was_inquorate && !fo->merged) {
		fo->merged = true;
	}
}

void vmha_failover_await_quorum(struct vmha_failover *fo)
{
	if (fo == NULL || fo->quorum_unknown) {
		return;
	}
	fo->quorum_unknown = true;
	/* proposals in flight stay: a second one for the same vm would race the first */
	fo_hold_back(fo, "waiting for the quorum of a new membership", "quorum not known yet",
	             false);
}

bool vmha_failover_quorum_known(const struct vmha_failover *fo)
{
	return fo != NULL && !fo->quorum_unknown;
}

void vmha_failover_set_self_fenced(struct vmha_failover *fo, bool self_fenced)
{
	size_t i;

	if (fo == NULL || fo->self_fenced == self_fenced) {
		return;
	}
	fo->self_fenced = self_fenced;
	fo_emit(fo, VMHA_FAILOVER_EVENT, self_fenced ? LOG_WARNING : LOG_NOTICE, fo->self, NULL,
	        self_fenced ? "host '%s' fenced itself: no fence, plan, assignment or start"
	                    : "host '%s' no longer self-fenced",
	        fo->self);
	for (i = 0; self_fenced && i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		/* the survivors fail this host over: its own pending starts are
		 * void here at once (this host must not start them once quorum
		 * returns, before its message is delivered), and on every other
		 * member alike: published as failed starts, applied in CPG order
		 * (voided in this table alone, the others held them assigned here
		 * and the lower tiers waited for good). A start in flight
		 * publishes its own result. */
		if (v->state == FO_VM_ASSIGNED && strcmp(v->target, fo->self) == 0) {
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, fo->self, v->spec.name,
			        "start of vm '%s' cancelled: this host fenced itself",
			        v->spec.name);
			if (!v->starting) {
				fo_void_own(fo, v, "cancelled: this host fenced itself");
			}
			v->state = FO_VM_DISPLACED;
			v->target[0] = '\0';
			v->starting = false;
		}
	}
	if (!self_fenced) {
		fo_schedule(fo);
		fo_coordinate(fo);
	}
}

void vmha_failover_set_unheard(struct vmha_failover *fo, size_t n_unheard)
{
	if (fo == NULL || fo->n_unheard == n_unheard) {
		return;
	}
	if ((fo->n_unheard == 0) != (n_unheard == 0)) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_INFO, fo->self, NULL,
		        n_unheard > 0 ? "host '%s' has not heard every member of its "
		                        "configuration: it does not coordinate"
		                      : "host '%s' has heard every member of its configuration",
		        fo->self);
	}
	fo->n_unheard = n_unheard;
	if (n_unheard == 0) {
		fo_replay(fo);
		fo_coordinate(fo);
	}
}
