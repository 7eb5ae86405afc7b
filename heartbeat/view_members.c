/*
 * The view's membership (see view.h): Corosync's ring and CPG's
 * configuration changes, and what a merge of partitions means for who is
 * online. Part of the view's pure state machine (view.c).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "heartbeat/view.h"
#include "heartbeat/view_int.h"

int vmha_view_ring(struct vmha_view *view, uint64_t now_ms, uint32_t ring_nodeid, uint64_t ring_seq,
                   const uint32_t *nodes, size_t n_nodes)
{
	size_t i, j;
	char why[96];

	if (view == NULL || (n_nodes > 0 && nodes == NULL)) {
		return -EINVAL;
	}
	view->ring_known = true;
	view->ring_nodeid = ring_nodeid;
	view->ring_seq = ring_seq;
	vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_INFO, NULL,
	               "ring %" PRIx32 ".%" PRIx64 " has %zu nodes", ring_nodeid, ring_seq,
	               n_nodes);
	for (i = 0; i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];
		bool in = false;

		for (j = 0; j < n_nodes; j++) {
			if (nodes[j] == h->nodeid) {
				in = true;
			}
		}
		if (in && !h->in_ring && h->nodeid != view->self_nodeid) {
			view->ring_joins++;
		}
		h->in_ring = in;
		if (!in && h->state == VMHA_HOST_DAEMON_DOWN) {
			snprintf(why, sizeof(why),
			         "node left ring %" PRIx32 ".%" PRIx64 " after its vmhad stopped",
			         ring_nodeid, ring_seq);
			vmha_view_mark_lost(view, h, now_ms, VMHA_REASON_NODEDOWN, why);
		}
	}
	return vmha_view_take_oom(view);
}

static void member_left(struct vmha_view *view, const struct vmha_member *m, uint64_t now_ms)
{
	struct host *h = vmha_view_find_nodeid(view, m->nodeid);
	char why[96];

	if (h == NULL || m->nodeid == view->self_nodeid || h->pid != m->pid || !h->in_group) {
		return;
	}
	if (h->name[0] == '\0') {
		/* never announced: nothing is known to track */
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_INFO, NULL,
		               "node %" PRIu32 " left (%s) before announcing itself", m->nodeid,
		               vmha_view_reason_name(m->reason));
		vmha_view_remove_host(view, h);
		return;
	}
	snprintf(why, sizeof(why), "%s in ring %" PRIx32 ".%" PRIx64,
	         vmha_view_reason_name(m->reason), view->ring_nodeid, view->ring_seq);
	if (m->reason == VMHA_REASON_NODEDOWN) {
		vmha_view_mark_lost(view, h, now_ms, m->reason, why);
		return;
	}
	/* PROCDOWN, or a clean leave: the node and its VMs are still there */
	h->in_group = false;
	h->lost_reason = m->reason;
	vmha_view_set_state(view, h, VMHA_HOST_DAEMON_DOWN, LOG_NOTICE, why);
}

static void member_joined(struct vmha_view *view, const struct vmha_member *m, uint64_t now_ms)
{
	struct host *h = vmha_view_find_nodeid(view, m->nodeid);
	char why[64];

	if (h == NULL) {
		h = vmha_view_add_host(view, m->nodeid, m->pid, now_ms);
		if (h != NULL) {
			vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_INFO, NULL,
			               "node %" PRIu32 " joined (%s)", m->nodeid,
			               vmha_view_reason_name(m->reason));
		}
		return;
	}
	if (h->in_group && h->pid != m->pid) {
		/* one vmhad per node: a second process in the group is not trusted */
		vmha_view_emit(view, VMHA_ACTION_EVENT, LOG_WARNING, NULL,
		               "second process pid %" PRIu32 " of node %" PRIu32
		               " in the group ignored: pid %" PRIu32 " is its vmhad",
		               m->pid, m->nodeid, h->pid);
		return;
	}
	h->pid = m->pid;
	h->in_group = true;
	h->in_ring = true;
	h->expect_new_incarnation = true;
	h->joined_ms = now_ms;
	h->last_net_ms = now_ms;
	h->silent_reported = false;
	h->storage_stale_reported = false;
	h->down_decided = false;
	h->down_pending_quorum = false;
	h->alarm = false;
	snprintf(why, sizeof(why), "rejoined (%s)", vmha_view_reason_name(m->reason));
	vmha_view_set_state(view, h, VMHA_HOST_JOINING, LOG_NOTICE, why);
}

static bool member_listed(const struct vmha_member *list, size_t n, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i].nodeid == nodeid) {
			return true;
		}
	}
	return false;
}

/*
 * Partitions merged (a member joined with its node): each side saw only the
 * other side join, so each would hold itself online and the other joining,
 * and each side's lowest host would coordinate. Every member of the merged
 * group is joining alike, until its next announcement (in CPG's order, the
 * same on every member): the members agree on who is online, so on the
 * coordinator.
 */
static void merged_rejoin(struct vmha_view *view, const struct vmha_member *joined, size_t n_joined)
{
	bool merge = false;
	size_t i;

	for (i = 0; i < n_joined; i++) {
		merge = merge || joined[i].reason == VMHA_REASON_NODEUP;
	}
	for (i = 0; merge && i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];

		if (h->in_group &&
		    (h->state == VMHA_HOST_ONLINE || h->state == VMHA_HOST_STANDBY)) {
			vmha_view_set_state(view, h, VMHA_HOST_JOINING, LOG_NOTICE,
			                    "partitions merged: it announces again");
		}
	}
}

int vmha_view_confchg(struct vmha_view *view, uint64_t now_ms, const struct vmha_member *members,
                      size_t n_members, const struct vmha_member *left, size_t n_left,
                      const struct vmha_member *joined, size_t n_joined)
{
	size_t i;

	if (view == NULL || (n_members > 0 && members == NULL) || (n_left > 0 && left == NULL) ||
	    (n_joined > 0 && joined == NULL)) {
		return -EINVAL;
	}
	for (i = 0; i < n_left; i++) {
		member_left(view, &left[i], now_ms);
	}
	for (i = 0; i < n_joined; i++) {
		member_joined(view, &joined[i], now_ms);
	}
	/* members already in the group when this host joined */
	for (i = 0; i < n_members; i++) {
		struct host *h = vmha_view_find_nodeid(view, members[i].nodeid);

		if (h == NULL) {
			vmha_view_add_host(view, members[i].nodeid, members[i].pid, now_ms);
		} else if (!h->in_group) {
			member_joined(view, &members[i], now_ms);
		}
	}
	/* a host the group no longer lists but no left list named */
	for (i = 0; i < view->n_hosts; i++) {
		struct host *h = &view->hosts[i];
		struct vmha_member gone = {h->nodeid, h->pid, VMHA_REASON_LEAVE};

		if (h->in_group && !member_listed(members, n_members, h->nodeid) &&
		    h->nodeid != view->self_nodeid) {
			member_left(view, &gone, now_ms);
			i = (size_t)-1; /* member_left may remove a host: start again */
		}
	}
	merged_rejoin(view, joined, n_joined);
	if (n_joined > 0) {
		vmha_view_emit(view, VMHA_ACTION_ANNOUNCE, LOG_DEBUG, NULL,
		               "members joined: announce");
	}
	return vmha_view_take_oom(view);
}
