/*
 * The failover coordinator's duties (see failover.h): who the coordinator
 * is, the local inputs that only the coordinator turns into decisions (a
 * host looks down, a fresh self-fenced slot, a fence result, time), the
 * duties derived from the replicated table (fence, plan), and the start
 * pacing of this member.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/failover_int.h"
#include "heartbeat/wdfeed.h"
#include "planner/model.h"
#include "planner/plan.h"
#include "util.h"

/*
 * The coordinator: the online host, neither down nor fenced, whose vmhad
 * ranks highest, the lowest name among equals. A vmhad that announced that it
 * holds the table (it coordinated, or the state transfer to it was delivered)
 * ranks above one that does not, and a mature one (announced FO_MATURE_SEQ
 * times) above a fresh one: a vmhad that just restarted coordinates only once
 * it has the table, or when nobody has it. Derived from ordered inputs only,
 * so the same on every member.
 */
const char *vmha_failover_coordinator(const struct vmha_failover *fo)
{
	const char *best = NULL;
	int best_rank = -1;
	size_t i;

	for (i = 0; fo != NULL && i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];
		int rank = (h->synced ? 2 : 0) + (h->seq >= FO_MATURE_SEQ ? 1 : 0);

		if (!h->online || h->down || h->fenced) {
			continue;
		}
		if (rank > best_rank || (rank == best_rank && strcmp(h->name, best) < 0)) {
			best = h->name;
			best_rank = rank;
		}
	}
	return best;
}

bool vmha_failover_is_coordinator(const struct vmha_failover *fo)
{
	const char *c = vmha_failover_coordinator(fo);

	/* a member that has not heard every member of its configuration may
	 * take itself for the coordinator while another one is */
	return c != NULL && strcmp(c, fo->self) == 0 && fo->n_unheard == 0;
}

int vmha_failover_host_down(struct vmha_failover *fo, uint64_t now_ms, const char *host)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL || !vmha_util_name_is_valid(host)) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	h = fo_find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	if (h->down || h->fenced) {
		return 0;
	}
	if (!vmha_failover_is_coordinator(fo)) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, host, NULL,
		        "host '%s' looks down here: the coordinator decides", host);
		return fo_take_oom(fo);
	}
	if (!fo_may_declare(fo)) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, host, NULL,
		        "host '%s' looks down but this host may not decide (inquorate or "
		        "self-fenced)",
		        host);
		return fo_take_oom(fo);
	}
	fo_send_msg(fo, "down", host, NULL, "no longer a member");
	return fo_take_oom(fo);
}

int vmha_failover_host_self_fenced(struct vmha_failover *fo, uint64_t now_ms, const char *host)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	h = fo_find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	if (h->online || h->fenced || h->fenced_sent || !vmha_failover_is_coordinator(fo) ||
	    !fo_may_declare(fo)) {
		return 0;
	}
	if (!h->down) {
		fo_send_msg(fo, "down", host, NULL, "its storage slot says it fenced itself");
	}
	fo_send_msg(fo, "fenced", host, NULL, "self-fenced: its storage slot says so");
	h->fenced_sent = true;
	return fo_take_oom(fo);
}

int vmha_failover_fence_done(struct vmha_failover *fo, uint64_t now_ms, const char *host, bool ok,
                             const char *text)
{
	struct fo_host *h = NULL;

	if (fo == NULL || host == NULL || text == NULL) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	h = fo_find_host(fo, host);
	if (h == NULL) {
		return -ENOENT;
	}
	h->fencing = false;
	if (!ok) {
		h->fence_retry_ms = now_ms + fo->fence_retry_ms;
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, host, NULL,
		        "fencing host '%s' failed: %s; retrying", host, text);
		return fo_take_oom(fo);
	}
	if (!h->down || h->fenced || h->online) {
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, host, NULL,
		        "host '%s' fenced (%s), but it is no longer down: nothing to announce",
		        host, text);
	} else if (!vmha_failover_is_coordinator(fo) || !fo_may_act(fo)) {
		/* quorum is checked again before a fence result counts */
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_WARNING, host, NULL,
		        "host '%s' fenced (%s), but this host is no longer the quorate "
		        "coordinator: not announced",
		        host, text);
	} else if (!h->fenced_sent) {
		fo_send_msg(fo, "fenced", host, NULL, "%s", text);
		h->fenced_sent = true;
	}
	return fo_take_oom(fo);
}

/*
 * The coordinator's duties, derived from the replicated table so that a new
 * coordinator continues where the old one stopped: fence the hosts that are
 * down and not fenced (or announce them after the restart delay without a
 * fence device), and plan the displaced VMs that have no decision yet.
 */
/*
 * No fence device: the lost host counts as fenced once its own announced
 * watchdog and self-fence settings make a restart safe (vmha_wdfeed_timer_restart),
 * never on this host's restart_delay alone. Without such settings, wait.
 */
static void fo_timer_restart(struct vmha_failover *fo, struct fo_host *h)
{
	uint64_t delay_ms = 0;
	const char *why = NULL;

	if (vmha_wdfeed_timer_restart(h->has_safety ? &h->safety : NULL, fo->restart_delay_ms,
	                              &delay_ms, &why) < 0) {
		if (!h->timer_refused) {
			h->timer_refused = true;
			fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_ERR, h->name, NULL,
			        "host '%s' is down and there is no fence device: its vms are not "
			        "restarted (%s): give it a watchdog or configure fence_config",
			        h->name, why);
		}
		return;
	}
	if (fo->now_ms >= h->down_ms + delay_ms) {
		fo_send_msg(fo, "fenced", h->name, NULL,
		            "restart delay passed without a fence device (the host's watchdog "
		            "has reset it)");
		h->fenced_sent = true;
	}
}

/*
 * A new coordinator replays the table to the vmhads that do not hold it yet:
 * the last one may have left before its state transfer to them was delivered.
 */
static void track_coordinator(struct vmha_failover *fo)
{
	const char *c = vmha_failover_coordinator(fo);
	size_t i;

	if (c == NULL || strcmp(c, fo->last_coordinator) == 0) {
		return;
	}
	snprintf(fo->last_coordinator, sizeof(fo->last_coordinator), "%s", c);
	for (i = 0; i < fo->n_hosts; i++) {
		if (fo->hosts[i].online && !fo->hosts[i].synced) {
			fo->replay_pending = true;
		}
	}
}

bool vmha_failover_synced(const struct vmha_failover *fo)
{
	return fo != NULL && fo->self_synced;
}

int fo_on_sync(struct vmha_failover *fo, const char *sender, const struct vmha_failover_msg *m)
{
	if (strcmp(m->host, fo->self) != 0 || fo->self_synced) {
		return 0;
	}
	/* the state transfer before it was delivered: this table is the group's */
	fo->self_synced = true;
	fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, fo->self, NULL,
	        "this vmhad holds the table now (state transfer from host '%s')", sender);
	return 0;
}

void fo_coordinate(struct vmha_failover *fo)
{
	size_t i;
	bool displaced = false;

	track_coordinator(fo);
	fo_replay(fo);
	if (!vmha_failover_is_coordinator(fo) || !fo_may_act(fo)) {
		return;
	}
	if (!fo->self_synced) {
		/* nobody online holds the table: this one is it from now on */
		fo->self_synced = true;
		fo_emit(fo, VMHA_FAILOVER_EVENT, LOG_NOTICE, fo->self, NULL,
		        "this vmhad coordinates: its table is the group's");
	}
	for (i = 0; i < fo->n_hosts; i++) {
		struct fo_host *h = &fo->hosts[i];

		if (!h->down || h->fenced || h->fencing || h->fenced_sent) {
			continue;
		}
		if (fo->fence_device) {
			if (fo->now_ms >= h->fence_retry_ms) {
				h->fencing = true;
				fo_emit(fo, VMHA_FAILOVER_FENCE, LOG_WARNING, h->name, NULL,
				        "host '%s' is down: this host fences it", h->name);
			}
		} else {
			fo_timer_restart(fo, h);
		}
	}
	for (i = 0; i < fo->n_vms; i++) {
		if (fo->vms[i].protected_vm && fo->vms[i].state == FO_VM_DISPLACED &&
		    !fo->vms[i].proposed) {
			displaced = true;
		}
	}
	if (displaced) {
		fo_replan(fo, "plan");
	}
	fo_recover(fo);
}

int vmha_failover_tick(struct vmha_failover *fo, uint64_t now_ms)
{
	if (fo == NULL) {
		return -EINVAL;
	}
	fo_set_now(fo, now_ms);
	fo_coordinate(fo);
	return fo_take_oom(fo);
}

/*
 * The coordinator plans the displaced and stranded VMs and publishes one
 * decision per VM (assign, stranded, skip); every member applies them in
 * CPG order. Nobody else plans: members with other registry snapshots or
 * timer phases cannot make different plans.
 */
void fo_replan(struct vmha_failover *fo, const char *why)
{
	struct vmha_model *m = NULL;
	struct vmha_plan *p = NULL;
	struct vmha_model *m2 = NULL;
	struct vmha_plan *p2 = NULL;
	size_t i;
	char reason[256];
	int rc = 0;

	if (!vmha_failover_is_coordinator(fo) || !fo_may_act(fo)) {
		return;
	}
	fo->plan_why = why;
	for (i = 0; i < fo->n_vms; i++) {
		struct fo_vm *v = &fo->vms[i];

		/* stopped or disabled: never failed over */
		if (v->protected_vm &&
		    (v->state == FO_VM_DISPLACED || v->state == FO_VM_STRANDED)) {
			(void)fo_skip_undesired(fo, v);
		}
	}
	/* spread the starts over the survivors, unless that strands more */
	rc = fo_plan_once(fo, true, &m, &p);
	if (rc == 0 && vmha_plan_stranded_count(p) > 0) {
		rc = fo_plan_once(fo, false, &m2, &p2);
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
		struct fo_vm *v = fo_find_vm(fo, vmha_model_vm_name(m, mv));
		const char *target = NULL;

		if (v == NULL || !v->protected_vm || v->proposed ||
		    (v->state != FO_VM_DISPLACED && v->state != FO_VM_STRANDED)) {
			continue;
		}
		switch (vmha_plan_outcome(p, mv)) {
		case VMHA_PLAN_RESTART:
			target = vmha_model_host_name(m, (size_t)vmha_plan_target(p, mv));
			v->proposed = true;
			snprintf(v->proposed_host, sizeof(v->proposed_host), "%s", target);
			fo_send_msg(fo, "assign", target, v->spec.name, "%s", why);
			break;
		case VMHA_PLAN_STRANDED:
			fo_stranded_reason(v, vmha_plan_reason(p, mv), reason, sizeof(reason));
			if (v->state != FO_VM_STRANDED || strcmp(v->reason, reason) != 0) {
				v->proposed = true;
				fo_send_msg(fo, "stranded", v->host, v->spec.name, "%s", reason);
			}
			break;
		case VMHA_PLAN_NOT_RESTARTED:
			v->proposed = true;
			fo_send_msg(fo, "skip", v->host, v->spec.name, "restart policy is never");
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
}

/*
 * Ask this host to start its assigned VMs of the highest pending tier, at
 * most max_parallel_starts at once. A lower tier waits until no VM of a
 * higher tier is assigned anywhere. Nothing starts while inquorate or
 * self-fenced.
 */
void fo_schedule(struct vmha_failover *fo)
{
	bool have_tier = false;
	int64_t tier = 0;
	unsigned int starting = 0;
	size_t i;

	fo_send_voids(fo);
	if (!fo_may_act(fo)) {
		return;
	}
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
	while (starting < fo->max_parallel_starts) {
		struct fo_vm *next = NULL;

		for (i = 0; i < fo->n_vms; i++) {
			struct fo_vm *v = &fo->vms[i];

			if (v->state == FO_VM_ASSIGNED && !v->starting && !v->voiding &&
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
		fo_emit(fo, VMHA_FAILOVER_START, LOG_NOTICE, fo->self, next->spec.name,
		        "starting vm '%s' (priority %" PRId64 ") on this host", next->spec.name,
		        next->spec.priority);
	}
}

/* An assignment of this table, replayed (a state transfer, not a decision) */
static void send_replayed_assign(struct vmha_failover *fo, const struct fo_vm *v)
{
	const struct fo_queue_item *before = fo->tail;

	fo_send_msg(fo, "assign", v->target, v->spec.name, "state transfer");
	if (fo->tail != NULL && fo->tail != before) {
		fo->tail->a.msg.replay = true;
	}
}

/*
 * State transfer to a vmhad that (re)joined: the coordinator publishes its
 * table again as decisions ("down", "fenced", "assign", "stranded"), in CPG
 * order; members that have them already ignore them, the new one builds its
 * table from them before it is mature enough to coordinate. Sent once every
 * online host has announced since the join, so that the new member knows
 * every host the decisions name.
 */
void fo_replay(struct vmha_failover *fo)
{
	size_t i;

	if (!fo->replay_pending || fo->stale || fo->n_unheard > 0) {
		/* a stale table is replayed once it is current again, and one
		 * that may lack a member's host once every member was heard */
		return;
	}
	for (i = 0; i < fo->n_hosts; i++) {
		if (fo->hosts[i].online && !fo->hosts[i].announced_since_join) {
			return;
		}
	}
	if (!fo_may_act(fo)) {
		/* kept for when this member may act (quorum known again): a state
		 * transfer consumed now was lost, and the fresh vmhad never learnt
		 * its assignments */
		return; /* the replay stays pending */
	}
	fo->replay_pending = false;
	/* every member: what its table saw stop may be known to it alone */
	fo_replay_stopped(fo);
	if (!vmha_failover_is_coordinator(fo)) {
		return;
	}
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->down || h->fenced) {
			fo_send_msg(fo, "down", h->name, NULL, "state transfer");
		}
		if (h->fenced) {
			fo_send_msg(fo, "fenced", h->name, NULL, "state transfer");
		}
	}
	for (i = 0; i < fo->n_vms; i++) {
		const struct fo_vm *v = &fo->vms[i];

		if (!v->protected_vm) {
			continue;
		}
		if (v->state == FO_VM_ASSIGNED) {
			send_replayed_assign(fo, v);
		} else if (v->state == FO_VM_STRANDED) {
			fo_send_msg(fo, "stranded", v->host, v->spec.name, "%s", v->reason);
		}
	}
	/* last, in the same order: whoever applies it has the whole table */
	for (i = 0; i < fo->n_hosts; i++) {
		const struct fo_host *h = &fo->hosts[i];

		if (h->online && !h->synced && strcmp(h->name, fo->self) != 0) {
			fo_send_msg(fo, "sync", h->name, NULL, "state transfer");
		}
	}
}
