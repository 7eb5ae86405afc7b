/* vmhad's view of the cluster: the pure state machine (no I/O, caller's clock). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/view.h"
#include "heartbeat/view_int.h"
#include "util.h"

static const char *const state_names[] = {
        [VMHA_HOST_JOINING] = "joining", [VMHA_HOST_ONLINE] = "online",
        [VMHA_HOST_STANDBY] = "standby", [VMHA_HOST_DAEMON_DOWN] = "daemon_down",
        [VMHA_HOST_LOST] = "lost",       [VMHA_HOST_ISOLATED] = "isolated",
        [VMHA_HOST_FENCED] = "fenced",
};

static const char *const reason_names[] = {
        [VMHA_REASON_JOIN] = "join",         [VMHA_REASON_LEAVE] = "leave",
        [VMHA_REASON_NODEDOWN] = "nodedown", [VMHA_REASON_NODEUP] = "nodeup",
        [VMHA_REASON_PROCDOWN] = "procdown",
};

const char *vmha_view_state_name(enum vmha_host_state state)
{
	if ((unsigned int)state >= sizeof(state_names) / sizeof(state_names[0])) {
		return "unknown";
	}
	return state_names[state];
}

const char *vmha_view_reason_name(enum vmha_cpg_reason reason)
{
	if ((unsigned int)reason >= sizeof(reason_names) / sizeof(reason_names[0])) {
		return "unknown";
	}
	return reason_names[reason];
}

struct vmha_view *vmha_view_new(const struct vmha_view_config *config)
{
	struct vmha_view *view = NULL;

	if (config == NULL || config->self_name == NULL ||
	    !vmha_util_name_is_valid(config->self_name) ||
	    (config->storage_enabled && config->storage_timeout_ms == 0)) {
		goto out;
	}
	view = calloc(1, sizeof(*view));
	if (view == NULL) {
		goto out;
	}
	snprintf(view->self_name, sizeof(view->self_name), "%s", config->self_name);
	view->storage_enabled = config->storage_enabled;
	view->storage_timeout_ms = config->storage_timeout_ms;
	view->silence_timeout_ms = config->silence_timeout_ms;
out:
	return view;
}

void vmha_view_free(struct vmha_view *view)
{
	size_t i;

	if (view == NULL) {
		return;
	}
	for (i = 0; i < view->n_hosts; i++) {
		vmha_msg_announce_clear(&view->hosts[i].last);
	}
	free(view->hosts);
	free(view->actions);
	free(view->bindings);
	free(view);
}

int vmha_view_set_self_nodeid(struct vmha_view *view, uint32_t nodeid)
{
	if (view == NULL || nodeid == 0) {
		return -EINVAL;
	}
	view->self_nodeid = nodeid;
	return 0;
}

void vmha_view_emit(struct vmha_view *view, enum vmha_action_kind kind, int level, const char *host,
                    const char *fmt, ...)
{
	struct vmha_view_action *a = NULL;
	va_list ap;

	if (view->head_action > 0 && view->head_action == view->n_actions) {
		view->head_action = 0;
		view->n_actions = 0;
	}
	if (view->n_actions == view->cap_actions) {
		size_t cap = view->cap_actions ? view->cap_actions * 2 : 16;
		struct vmha_view_action *p = realloc(view->actions, cap * sizeof(*p));

		if (p == NULL) {
			view->oom = true;
			return;
		}
		view->actions = p;
		view->cap_actions = cap;
	}
	a = &view->actions[view->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->level = level;
	snprintf(a->host, sizeof(a->host), "%s", host != NULL ? host : "");
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

bool vmha_view_next_action(struct vmha_view *view, struct vmha_view_action *out)
{
	if (view == NULL || view->head_action >= view->n_actions) {
		return false;
	}
	*out = view->actions[view->head_action++];
	if (view->head_action == view->n_actions) {
		view->head_action = 0;
		view->n_actions = 0;
	}
	return true;
}

int vmha_view_take_oom(struct vmha_view *view)
{
	int rc = view->oom ? -ENOMEM : 0;

	view->oom = false;
	return rc;
}

/* The host's name, or "node<id>" before it announced. */
const char *vmha_view_host_label(const struct host *h, char *buf, size_t size)
{
	if (h->name[0] != '\0') {
		return h->name;
	}
	snprintf(buf, size, "node%" PRIu32, h->nodeid);
	return buf;
}

struct host *vmha_view_find_nodeid(struct vmha_view *view, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < view->n_hosts; i++) {
		if (view->hosts[i].nodeid == nodeid) {
			return &view->hosts[i];
		}
	}
	return NULL;
}

struct host *vmha_view_find_name(const struct vmha_view *view, const char *name)
{
	size_t i;

	for (i = 0; i < view->n_hosts; i++) {
		if (strcmp(view->hosts[i].name, name) == 0) {
			return &view->hosts[i];
		}
	}
	return NULL;
}

struct host *vmha_view_add_host(struct vmha_view *view, uint32_t nodeid, uint32_t pid,
                                uint64_t now_ms)
{
	struct host *h = NULL;

	if (view->n_hosts == view->cap_hosts) {
		size_t cap = view->cap_hosts ? view->cap_hosts * 2 : 8;
		struct host *p = realloc(view->hosts, cap * sizeof(*p));

		if (p == NULL) {
			view->oom = true;
			return NULL;
		}
		view->hosts = p;
		view->cap_hosts = cap;
	}
	h = &view->hosts[view->n_hosts++];
	memset(h, 0, sizeof(*h));
	h->nodeid = nodeid;
	h->pid = pid;
	h->state = VMHA_HOST_JOINING;
	h->in_group = true;
	h->in_ring = true;
	h->expect_new_incarnation = true;
	h->joined_ms = now_ms;
	h->last_net_ms = now_ms;
	return h;
}

void vmha_view_remove_host(struct vmha_view *view, struct host *h)
{
	size_t i = (size_t)(h - view->hosts);

	vmha_msg_announce_clear(&h->last);
	memmove(&view->hosts[i], &view->hosts[i + 1], (view->n_hosts - i - 1) * sizeof(*h));
	view->n_hosts--;
}

void vmha_view_set_state(struct vmha_view *view, struct host *h, enum vmha_host_state state,
                         int level, const char *why)
{
	char buf[32];
	const char *label = vmha_view_host_label(h, buf, sizeof(buf));

	if (h->state == state) {
		return;
	}
	vmha_view_emit(view, VMHA_ACTION_EVENT, level, label, "host '%s' %s -> %s: %s", label,
	               vmha_view_state_name(h->state), vmha_view_state_name(state), why);
	h->state = state;
}

/* The host is gone and its storage says so: fence and fail over, if quorate. */
static void decide_down(struct vmha_view *view, struct host *h, const char *why)
{
	char buf[32];
	const char *label = vmha_view_host_label(h, buf, sizeof(buf));

	h->down_decided = true;
	if (view->quorate) {
		h->down_pending_quorum = false;
		vmha_view_emit(view, VMHA_ACTION_HOST_DOWN, LOG_WARNING, label,
		               "host '%s' is down (%s): fence it and restart its %zu vms", label,
		               why, h->last.n_vms);
	} else {
		h->down_pending_quorum = true;
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, label,
		               "host '%s' is down (%s) but this partition is inquorate: no "
		               "failover decision",
		               label, why);
	}
}

void vmha_view_mark_lost(struct vmha_view *view, struct host *h, uint64_t now_ms,
                         enum vmha_cpg_reason reason, const char *why)
{
	h->in_group = false;
	h->lost_reason = reason;
	h->lost_ms = now_ms;
	h->down_decided = false;
	h->down_pending_quorum = false;
	h->slot_written_since_lost = false;
	h->stale_flag_reported = false;
	vmha_view_set_state(view, h, VMHA_HOST_LOST, LOG_WARNING, why);
	if (!view->storage_enabled) {
		/* decided once the quorum of the new membership is known, never on
		 * the quorum of the one before (vmha_view_quorum) */
		h->down_pending_quorum = true;
		view->quorum_stale = true;
		vmha_view_emit(
		        view, VMHA_ACTION_EVENT, LOG_NOTICE, h->name,
		        "host '%s' lost without a storage heartbeat: down once the quorum of the "
		        "new membership is known",
		        h->name);
	}
}

static void report_vm_changes(struct vmha_view *view, const struct vmha_announce *old,
                              const struct vmha_announce *new)
{
	char text[200] = "";
	size_t used = 0;
	size_t i, j;

	for (i = 0; i < new->n_vms; i++) {
		const struct vmha_vm_info *vm = &new->vms[i];
		const struct vmha_vm_info *was = NULL;

		for (j = 0; j < old->n_vms; j++) {
			if (strcmp(old->vms[j].name, vm->name) == 0) {
				was = &old->vms[j];
			}
		}
		if (was == NULL) {
			used += (size_t)snprintf(
			        text + used, used < sizeof(text) ? sizeof(text) - used : 0,
			        " +%s(%s)", vm->name, vmha_msg_vm_state_name(vm->state));
		} else if (was->state != vm->state) {
			used += (size_t)snprintf(
			        text + used, used < sizeof(text) ? sizeof(text) - used : 0,
			        " %s:%s->%s", vm->name, vmha_msg_vm_state_name(was->state),
			        vmha_msg_vm_state_name(vm->state));
		}
		if (used >= sizeof(text)) {
			used = sizeof(text);
		}
	}
	for (j = 0; j < old->n_vms; j++) {
		bool still = false;

		for (i = 0; i < new->n_vms; i++) {
			if (strcmp(old->vms[j].name, new->vms[i].name) == 0) {
				still = true;
			}
		}
		if (!still) {
			used += (size_t)snprintf(text + used,
			                         used < sizeof(text) ? sizeof(text) - used : 0,
			                         " -%s", old->vms[j].name);
			if (used >= sizeof(text)) {
				used = sizeof(text);
			}
		}
	}
	if (text[0] != '\0') {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_INFO, new->host, "host '%s' vms:%s",
		               new->host, text);
	}
}

int vmha_view_bind_node(struct vmha_view *view, uint32_t nodeid, const char *name)
{
	struct view_binding *p = NULL;
	size_t i;

	if (view == NULL || name == NULL || !vmha_util_name_is_valid(name)) {
		return -EINVAL;
	}
	for (i = 0; i < view->n_bindings; i++) {
		if (view->bindings[i].nodeid == nodeid ||
		    strcmp(view->bindings[i].name, name) == 0) {
			return -EEXIST;
		}
	}
	p = realloc(view->bindings, (view->n_bindings + 1) * sizeof(*p));
	if (p == NULL) {
		return -ENOMEM;
	}
	view->bindings = p;
	p[view->n_bindings].nodeid = nodeid;
	snprintf(p[view->n_bindings].name, sizeof(p[0].name), "%s", name);
	view->n_bindings++;
	return 0;
}

/* With corosync's nodelist bound: nodeid must announce its name, and no other node may. */
static int check_binding(struct vmha_view *view, uint32_t nodeid, const char *host)
{
	size_t i;

	for (i = 0; i < view->n_bindings; i++) {
		const struct view_binding *b = &view->bindings[i];

		if ((b->nodeid == nodeid) != (strcmp(b->name, host) == 0)) {
			vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
			               "message from node %" PRIu32
			               " dropped: it announces host '%s' but corosync's nodelist "
			               "names node "
			               "%" PRIu32 " '%s'",
			               nodeid, host, b->nodeid, b->name);
			return -EBADMSG;
		}
	}
	return 0;
}

int vmha_view_message(struct vmha_view *view, uint64_t now_ms, uint32_t nodeid, uint32_t pid,
                      const void *buf, size_t len)
{
	struct vmha_announce a = {0};
	struct host *h = NULL;
	struct host *other = NULL;
	char err[160];
	int rc = 0;

	if (view == NULL) {
		return -EINVAL;
	}
	h = vmha_view_find_nodeid(view, nodeid);
	if (h == NULL || !h->in_group || h->pid != pid) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
		               "message from node %" PRIu32 " pid %" PRIu32
		               " dropped: not the vmhad of a group member",
		               nodeid, pid);
		rc = -EBADMSG;
		goto out;
	}
	rc = vmha_msg_decode(buf, len, &a, err, sizeof(err));
	if (rc == -ENOMEM) {
		goto out;
	}
	if (rc < 0) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
		               "message from node %" PRIu32 " dropped: %s", nodeid, err);
		rc = -EBADMSG;
		goto out;
	}
	if (h->name[0] != '\0' && strcmp(h->name, a.host) != 0) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
		               "message from node %" PRIu32
		               " dropped: it announces host '%s' but is '%s'",
		               nodeid, a.host, h->name);
		rc = -EBADMSG;
		goto out;
	}
	rc = check_binding(view, nodeid, a.host);
	if (rc < 0) {
		goto out;
	}
	other = vmha_view_find_name(view, a.host);
	if (other != NULL && other != h) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
		               "message from node %" PRIu32
		               " dropped: host name '%s' belongs to node %" PRIu32,
		               nodeid, a.host, other->nodeid);
		rc = -EBADMSG;
		goto out;
	}
	if (!h->expect_new_incarnation && a.incarnation != h->last.incarnation) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, a.host,
		               "announcement from host '%s' dropped: incarnation changed without "
		               "rejoining",
		               a.host);
		rc = -EBADMSG;
		goto out;
	}
	if (!h->expect_new_incarnation && a.seq <= h->last.seq) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, a.host,
		               "announcement from host '%s' dropped: seq %" PRIu64
		               " is not newer than %" PRIu64 " (duplicate or out of order)",
		               a.host, a.seq, h->last.seq);
		rc = -EBADMSG;
		goto out;
	}
	if (h->name[0] == '\0') {
		snprintf(h->name, sizeof(h->name), "%s", a.host);
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_INFO, a.host,
		               "node %" PRIu32 " is host '%s'", nodeid, a.host);
	}
	report_vm_changes(view, &h->last, &a);
	if (h->last.health != a.health && h->announced) {
		vmha_view_emit(view, VMHA_ACTION_EVENT,
		               a.health == VMHA_HEALTH_OK ? LOG_NOTICE : LOG_WARNING, a.host,
		               "host '%s' health %s -> %s", a.host,
		               vmha_msg_health_name(h->last.health),
		               vmha_msg_health_name(a.health));
	}
	vmha_msg_announce_clear(&h->last);
	h->last = a;
	memset(&a, 0, sizeof(a));
	h->announced = true;
	h->expect_new_incarnation = false;
	h->last_net_ms = now_ms;
	if (h->silent_reported) {
		h->silent_reported = false;
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_NOTICE, h->name,
		               "host '%s' heard again", h->name);
	}
	vmha_view_set_state(view, h, h->last.standby ? VMHA_HOST_STANDBY : VMHA_HOST_ONLINE,
	                    LOG_NOTICE, "announced");
	rc = 0;
out:
	vmha_msg_announce_clear(&a);
	if (rc == 0) {
		rc = vmha_view_take_oom(view);
	}
	return rc;
}

/* The quorum is known now: decide the downs that waited for it (why NULL: inquorate). */
static void decide_pending(struct vmha_view *view, const char *why)
{
	size_t i;

	for (i = 0; why != NULL && i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];

		if (h->down_pending_quorum && h->state == VMHA_HOST_LOST) {
			decide_down(view, h, why);
		}
	}
	for (i = 0; why == NULL && i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];

		if (h->down_pending_quorum && h->state == VMHA_HOST_LOST && !h->down_decided) {
			h->down_decided = true;
			vmha_view_emit(
			        view, VMHA_ACTION_EVENT, LOG_WARNING, h->name,
			        "host '%s' is down but this partition is inquorate: no failover "
			        "decision",
			        h->name);
		}
	}
}

int vmha_view_quorum(struct vmha_view *view, uint64_t now_ms, bool quorate)
{
	if (view == NULL) {
		return -EINVAL;
	}
	if (view->quorum_known && view->quorate == quorate) {
		if (view->quorum_stale) {
			/* the same quorum, now known for the new membership */
			view->quorum_stale = false;
			decide_pending(view, quorate ? "quorum of the new membership known" : NULL);
		}
		return vmha_view_take_oom(view);
	}
	view->quorum_stale = false;
	if (!quorate) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, view->self_name,
		               "host '%s' is inquorate: no failover decisions", view->self_name);
		if (view->quorum_known) {
			vmha_view_emit(view, VMHA_ACTION_QUORUM_LOST, LOG_WARNING, view->self_name,
			               "host '%s' lost quorum: its protected vms must stop",
			               view->self_name);
		}
	} else {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_NOTICE, view->self_name,
		               "host '%s' is quorate", view->self_name);
	}
	view->quorum_known = true;
	view->quorate = quorate;
	decide_pending(view, quorate ? "quorum regained" : NULL);
	(void)now_ms;
	return vmha_view_take_oom(view);
}

int vmha_view_storage(struct vmha_view *view, uint64_t now_ms, const char *host,
                      uint64_t incarnation, uint64_t seq, unsigned int flags)
{
	struct host *h = NULL;
	bool changed;

	if (view == NULL || host == NULL) {
		return -EINVAL;
	}
	h = vmha_view_find_name(view, host);
	if (h == NULL) {
		return 0;
	}
	changed = h->slot_seen && (incarnation != h->slot_incarnation || seq != h->slot_seq);
	h->slot_seen = true;
	h->slot_incarnation = incarnation;
	h->slot_seq = seq;
	h->slot_flags = flags;
	if (changed && (h->state == VMHA_HOST_LOST || h->state == VMHA_HOST_ISOLATED)) {
		h->slot_written_since_lost = true;
	}
	if (changed && h->state == VMHA_HOST_FENCED) {
		h->alarm = true;
		vmha_view_emit(
		        view, VMHA_ACTION_EVENT, LOG_ERR, h->name,
		        "alarm: host '%s' writes to storage after it was reported fenced: its vms "
		        "are not restarted, check the fence device",
		        h->name);
	}
	if (changed) {
		h->slot_changed_known = true;
		h->slot_changed_ms = now_ms;
		if (h->storage_stale_reported) {
			h->storage_stale_reported = false;
			vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_NOTICE, h->name,
			               "host '%s' writes to storage again", h->name);
		}
	}
	if ((flags & VMHA_SLOT_SELF_FENCED) &&
	    (h->state == VMHA_HOST_LOST || h->state == VMHA_HOST_ISOLATED) &&
	    (!h->slot_written_since_lost || incarnation != h->last.incarnation)) {
		if (!h->stale_flag_reported) {
			h->stale_flag_reported = true;
			vmha_view_emit(
			        view, VMHA_ACTION_EVENT, LOG_WARNING, h->name,
			        "host '%s': its slot says self-fenced but was not written since it "
			        "was "
			        "lost by its announced incarnation: not a proof",
			        h->name);
		}
	} else if ((flags & VMHA_SLOT_SELF_FENCED) &&
	           (h->state == VMHA_HOST_LOST || h->state == VMHA_HOST_ISOLATED)) {
		vmha_view_set_state(view, h, VMHA_HOST_FENCED, LOG_NOTICE,
		                    "its storage slot says it fenced itself");
	} else if (changed && h->state == VMHA_HOST_LOST && !h->down_decided) {
		vmha_view_set_state(view, h, VMHA_HOST_ISOLATED, LOG_WARNING,
		                    "still writes to storage after leaving the membership");
	} else if (changed && h->state == VMHA_HOST_LOST && h->down_decided) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_ERR, h->name,
		               "host '%s' was declared down but writes to storage again", h->name);
	}
	return vmha_view_take_oom(view);
}

int vmha_view_fenced(struct vmha_view *view, uint64_t now_ms, const char *host)
{
	struct host *h = NULL;

	if (view == NULL || host == NULL) {
		return -EINVAL;
	}
	h = vmha_view_find_name(view, host);
	if (h == NULL) {
		return -ENOENT;
	}
	if (h->state != VMHA_HOST_LOST && h->state != VMHA_HOST_ISOLATED &&
	    h->state != VMHA_HOST_DAEMON_DOWN) {
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_ERR, h->name,
		               "fencing of host '%s' reported while it is %s: ignored", h->name,
		               vmha_view_state_name(h->state));
		vmha_view_take_oom(view);
		return -EINVAL;
	}
	vmha_view_set_state(view, h, VMHA_HOST_FENCED, LOG_NOTICE, "fencing confirmed");
	(void)now_ms;
	return vmha_view_take_oom(view);
}

int vmha_view_tick(struct vmha_view *view, uint64_t now_ms)
{
	size_t i;
	char why[128];

	if (view == NULL) {
		return -EINVAL;
	}
	for (i = 0; i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];
		char buf[32];
		const char *label = vmha_view_host_label(h, buf, sizeof(buf));
		uint64_t since;

		switch (h->state) {
		case VMHA_HOST_JOINING:
		case VMHA_HOST_ONLINE:
		case VMHA_HOST_STANDBY:
			if (view->silence_timeout_ms > 0 && !h->silent_reported &&
			    h->nodeid != view->self_nodeid &&
			    now_ms - h->last_net_ms >= view->silence_timeout_ms) {
				h->silent_reported = true;
				vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, label,
				               "host '%s' has not announced for %" PRIu64 " ms",
				               label, now_ms - h->last_net_ms);
			}
			since = h->slot_changed_known && h->slot_changed_ms > h->joined_ms
			                ? h->slot_changed_ms
			                : h->joined_ms;
			if (view->storage_enabled && h->announced && !h->storage_stale_reported &&
			    now_ms - since >= view->storage_timeout_ms &&
			    !(h->slot_changed_known && h->slot_changed_ms > h->joined_ms &&
			      now_ms - h->slot_changed_ms < view->storage_timeout_ms)) {
				h->storage_stale_reported = true;
				vmha_view_emit(
				        view, VMHA_ACTION_EVENT, LOG_WARNING, label,
				        "host '%s' is online but has not written to storage for "
				        "%" PRIu64 " ms",
				        label, now_ms - since);
			}
			break;
		case VMHA_HOST_LOST:
			if (h->down_decided || !view->storage_enabled) {
				break;
			}
			/* silence on storage counts from the last write seen, which
			 * may be before the node left: a dead host's slot stopped then */
			since = h->slot_changed_known ? h->slot_changed_ms : h->lost_ms;
			if (now_ms - since >= view->storage_timeout_ms) {
				snprintf(why, sizeof(why),
				         "%s, no storage heartbeat for %" PRIu64 " ms",
				         vmha_view_reason_name(h->lost_reason), now_ms - since);
				decide_down(view, h, why);
			}
			break;
		case VMHA_HOST_ISOLATED:
			if (now_ms - h->slot_changed_ms >= view->storage_timeout_ms) {
				snprintf(why, sizeof(why),
				         "stopped writing to storage %" PRIu64 " ms ago",
				         now_ms - h->slot_changed_ms);
				vmha_view_set_state(view, h, VMHA_HOST_LOST, LOG_WARNING, why);
				snprintf(why, sizeof(why),
				         "isolated, then no storage heartbeat for %" PRIu64 " ms",
				         now_ms - h->slot_changed_ms);
				decide_down(view, h, why);
			}
			break;
		case VMHA_HOST_DAEMON_DOWN:
		case VMHA_HOST_FENCED:
			break;
		}
	}
	return vmha_view_take_oom(view);
}
