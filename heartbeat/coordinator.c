/*
 * The failover I/O layer of vmhad (see coordinator.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "heartbeat/coordinator.h"
#include "heartbeat/failover_msg.h"
#include "log.h"

/* the outbox never drops; past this many waiting messages it says so, once */
#define OUTBOX_WARN 64

struct outbox_item {
	char *buf;
	size_t len;
	struct outbox_item *next;
};

struct vmha_coordinator {
	struct vmha_failover *fo;
	/* the view's count of nodes that came into the ring, last synced */
	uint64_t ring_joins;
	struct vmha_coordinator_ops ops;
	char self[VMHA_NAME_SIZE];
	struct outbox_item *head;
	struct outbox_item *tail;
	size_t n_outbox;
	bool outbox_warned;
	/* the view last synced from (for the storage slots) */
	const struct vmha_view *view;
	/* the ring whose quorum is awaited (0: not known, the next notification counts) */
	uint64_t await_ring_seq;
	/* the ring of the last quorum notification (0: none or not known) */
	uint64_t quorum_ring_seq;
};

struct vmha_coordinator *vmha_coordinator_new(const struct vmha_failover_config *config,
                                              const struct vmha_coordinator_ops *ops)
{
	struct vmha_coordinator *c = NULL;

	if (config == NULL || ops == NULL || ops->send == NULL || ops->start == NULL ||
	    ops->fence == NULL) {
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	c->fo = vmha_failover_new(config);
	if (c->fo == NULL) {
		free(c);
		return NULL;
	}
	c->ops = *ops;
	snprintf(c->self, sizeof(c->self), "%s", config->self_name);
	return c;
}

void vmha_coordinator_free(struct vmha_coordinator *c)
{
	struct outbox_item *it = NULL;

	if (c == NULL) {
		return;
	}
	while (c->head != NULL) {
		it = c->head;
		c->head = it->next;
		free(it->buf);
		free(it);
	}
	vmha_failover_free(c->fo);
	free(c);
}

struct vmha_failover *vmha_coordinator_failover(struct vmha_coordinator *c)
{
	return c != NULL ? c->fo : NULL;
}

static void remember(struct vmha_coordinator *c, const char *kind, const char *host,
                     const char *text)
{
	if (c->ops.remember != NULL) {
		c->ops.remember(c->ops.opaque, kind, host, text);
	}
}

/* Send what waits, in order; what flow control holds back stays for the next tick. */
static void flush_outbox(struct vmha_coordinator *c)
{
	struct outbox_item *it = NULL;
	int rc;

	while (c->head != NULL) {
		it = c->head;
		rc = c->ops.send(c->ops.opaque, it->buf, it->len);
		if (rc == -EAGAIN) {
			break;
		}
		if (rc < 0) {
			/* kept: the next tick tries again */
			vmha_err("cannot send a failover message (%zu waiting): %s", c->n_outbox,
			         strerror(-rc));
			break;
		}
		c->head = it->next;
		if (c->head == NULL) {
			c->tail = NULL;
		}
		free(it->buf);
		free(it);
		c->n_outbox--;
	}
	if (c->n_outbox < OUTBOX_WARN / 2) {
		c->outbox_warned = false;
	}
}

static void queue_msg(struct vmha_coordinator *c, const struct vmha_failover_msg *m)
{
	struct outbox_item *it = calloc(1, sizeof(*it));
	int rc = -ENOMEM;

	if (it != NULL) {
		rc = vmha_failover_msg_encode(m, &it->buf, &it->len);
	}
	if (rc < 0) {
		vmha_err("cannot queue a failover message about '%s': %s", m->host, strerror(-rc));
		free(it);
		return;
	}
	if (c->tail != NULL) {
		c->tail->next = it;
	} else {
		c->head = it;
	}
	c->tail = it;
	c->n_outbox++;
	if (c->n_outbox >= OUTBOX_WARN && !c->outbox_warned) {
		vmha_warn("failover outbox holds %zu messages: corosync does not take them",
		          c->n_outbox);
		c->outbox_warned = true;
	}
	flush_outbox(c);
}

static void send_start_result(struct vmha_coordinator *c, const char *vm, bool ok, const char *text)
{
	struct vmha_failover_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "start");
	snprintf(m.host, sizeof(m.host), "%s", c->self);
	snprintf(m.vm, sizeof(m.vm), "%s", vm);
	m.ok = ok;
	snprintf(m.text, sizeof(m.text), "%s", text);
	queue_msg(c, &m);
}

/* Carry out what the state machine asks. */
static void run_actions(struct vmha_coordinator *c, uint64_t now_ms)
{
	struct vmha_failover_action a;
	char text[256];
	int rc;

	while (vmha_failover_next_action(c->fo, &a)) {
		switch (a.kind) {
		case VMHA_FAILOVER_EVENT:
			qb_log(a.level, "%s", a.text);
			break;
		case VMHA_FAILOVER_SEND:
			vmha_info("sending %s", a.text);
			queue_msg(c, &a.msg);
			break;
		case VMHA_FAILOVER_FENCE:
			vmha_warn("%s", a.text);
			rc = c->ops.fence(c->ops.opaque, a.host);
			if (rc < 0) {
				snprintf(text, sizeof(text), "cannot start the fence: %s",
				         strerror(-rc));
				vmha_failover_fence_done(c->fo, now_ms, a.host, false, text);
			}
			break;
		case VMHA_FAILOVER_START:
			vmha_notice("%s", a.text);
			rc = c->ops.start(c->ops.opaque, a.vm);
			if (rc < 0) {
				snprintf(text, sizeof(text), "cannot start a worker: %s",
				         strerror(-rc));
				vmha_err("vm '%s': %s", a.vm, text);
				send_start_result(c, a.vm, false, text);
			}
			break;
		case VMHA_FAILOVER_STRANDED:
			vmha_err("%s", a.text);
			remember(c, "stranded", a.vm, a.text);
			break;
		}
	}
}

void vmha_coordinator_announce(struct vmha_coordinator *c, uint64_t now_ms,
                               const struct vmha_announce *a)
{
	if (c == NULL || a == NULL) {
		return;
	}
	vmha_failover_announce(c->fo, now_ms, a);
	if (c->view != NULL) {
		/* the view took the announcement first: it may be the last one
		 * unheard, and the table knows its host now */
		vmha_failover_set_unheard(c->fo, vmha_view_unheard_members(c->view));
	}
	run_actions(c, now_ms);
}

void vmha_coordinator_sync_view(struct vmha_coordinator *c, uint64_t now_ms,
                                const struct vmha_view *view)
{
	size_t i;

	if (c == NULL || view == NULL) {
		return;
	}
	c->view = view;
	if (vmha_view_ring_joins(view) != c->ring_joins) {
		c->ring_joins = vmha_view_ring_joins(view);
		vmha_failover_nodes_joined(c->fo);
	}
	/* first: whether this member may coordinate at all, with these hosts */
	vmha_failover_set_unheard(c->fo, vmha_view_unheard_members(view));
	for (i = 0; i < vmha_failover_host_count(c->fo); i++) {
		const char *h = vmha_failover_host_name(c->fo, i);
		int state = vmha_view_host_state(view, h);

		if (state == VMHA_HOST_JOINING) {
			vmha_failover_host_joining(c->fo, h);
		}
		/* a host in standby is a live member: it only takes no VMs */
		vmha_failover_host_online(c->fo, h,
		                          state == VMHA_HOST_ONLINE || state == VMHA_HOST_STANDBY);
		/* a host the view holds lost, isolated, joining or daemon_down, or
		 * alarming, holds restarts back (one it does not know: the table rules) */
		vmha_failover_host_unclear(c->fo, h,
		                           (state >= 0 && state != VMHA_HOST_ONLINE &&
		                            state != VMHA_HOST_STANDBY &&
		                            state != VMHA_HOST_FENCED) ||
		                                   vmha_view_host_alarm(view, h));
		if (state == VMHA_HOST_FENCED && !vmha_failover_host_is_fenced(c->fo, h)) {
			/* the view accepts a self-fenced slot only when fresh */
			vmha_failover_host_self_fenced(c->fo, now_ms, h);
		}
	}
	run_actions(c, now_ms);
}

int vmha_coordinator_deliver(struct vmha_coordinator *c, uint64_t now_ms, const char *sender,
                             const void *buf, size_t len, struct vmha_failover_msg *out)
{
	struct vmha_failover_msg m;
	char err[256];
	int rc;

	if (c == NULL || buf == NULL) {
		return -EINVAL;
	}
	rc = vmha_failover_msg_decode(buf, len, &m, err, sizeof(err));
	if (rc == -ENOMSG) {
		return rc;
	}
	if (rc < 0) {
		vmha_warn("malformed failover message from '%s' dropped: %s",
		          sender != NULL ? sender : "a process that is not vmhad", err);
		return -EINVAL;
	}
	rc = vmha_failover_message(c->fo, now_ms, sender, &m);
	if (rc == 0 && strcmp(m.type, "fenced") == 0) {
		remember(c, "fenced", m.host, m.text);
	}
	if (out != NULL) {
		*out = m;
	}
	run_actions(c, now_ms);
	return rc;
}

void vmha_coordinator_host_down(struct vmha_coordinator *c, uint64_t now_ms, const char *host)
{
	if (c == NULL || host == NULL) {
		return;
	}
	vmha_failover_host_down(c->fo, now_ms, host);
	run_actions(c, now_ms);
}

void vmha_coordinator_set_quorum(struct vmha_coordinator *c, uint64_t now_ms, bool quorate)
{
	vmha_coordinator_set_quorum_ring(c, now_ms, quorate, 0);
}

void vmha_coordinator_await_quorum(struct vmha_coordinator *c, uint64_t ring_seq)
{
	if (c == NULL) {
		return;
	}
	if (ring_seq != 0 && c->quorum_ring_seq >= ring_seq) {
		/* votequorum reported on this ring (or a later one) already */
		return;
	}
	if (ring_seq > c->await_ring_seq) {
		c->await_ring_seq = ring_seq;
	}
	vmha_failover_await_quorum(c->fo);
}

void vmha_coordinator_set_quorum_ring(struct vmha_coordinator *c, uint64_t now_ms, bool quorate,
                                      uint64_t ring_seq)
{
	if (c == NULL) {
		return;
	}
	if (!vmha_failover_quorum_known(c->fo) && ring_seq != 0 && ring_seq < c->await_ring_seq) {
		/* the quorum of a ring before the one awaited: still unknown */
		vmha_info("quorum of ring %" PRIu64 " ignored: waiting for ring %" PRIu64, ring_seq,
		          c->await_ring_seq);
		return;
	}
	if (ring_seq > c->quorum_ring_seq) {
		c->quorum_ring_seq = ring_seq;
	}
	c->await_ring_seq = 0;
	vmha_failover_set_quorum(c->fo, quorate);
	run_actions(c, now_ms);
}

bool vmha_coordinator_quorum_known(const struct vmha_coordinator *c)
{
	return c != NULL && vmha_failover_quorum_known(c->fo);
}

void vmha_coordinator_set_self_fenced(struct vmha_coordinator *c, bool self_fenced)
{
	if (c == NULL) {
		return;
	}
	vmha_failover_set_self_fenced(c->fo, self_fenced);
	run_actions(c, 0);
}

void vmha_coordinator_apply_registry(struct vmha_coordinator *c,
                                     const struct vmha_regload_snapshot *snap)
{
	size_t i;
	size_t j;
	bool listed;

	if (c == NULL || snap == NULL || snap->rc < 0) {
		return;
	}
	vmha_failover_set_registry_gen(c->fo, snap->seq);
	for (i = 0; i < snap->n_vms; i++) {
		vmha_failover_protect(c->fo, &snap->vms[i]);
	}
	for (i = 0; i < vmha_failover_vm_count(c->fo); i++) {
		const char *name = vmha_failover_vm_name(c->fo, i);

		if (!vmha_failover_is_protected(c->fo, name)) {
			continue;
		}
		listed = false;
		for (j = 0; j < snap->n_vms && !listed; j++) {
			listed = strcmp(snap->vms[j].name, name) == 0;
		}
		for (j = 0; j < snap->n_failed && !listed; j++) {
			listed = strcmp(snap->failed[j], name) == 0;
		}
		if (!listed && vmha_failover_unprotect(c->fo, name) == -EBUSY) {
			vmha_debug(
			        "vm '%s' left the registry during its failover: kept until placed",
			        name);
		}
	}
	run_actions(c, 0);
}

void vmha_coordinator_fence_done(struct vmha_coordinator *c, uint64_t now_ms, const char *host,
                                 bool ok, const char *text)
{
	uint64_t down_ms = 0;
	uint64_t wrote_ms = 0;
	char why[256];

	if (c == NULL || host == NULL) {
		return;
	}
	if (ok && c->view != NULL && vmha_failover_host_down_ms(c->fo, host, &down_ms) == 0) {
		wrote_ms = vmha_view_slot_changed_ms(c->view, host);
	}
	if (ok &&
	    (wrote_ms > down_ms || (c->view != NULL && vmha_view_host_alarm(c->view, host)))) {
		/* a host declared down after its slot went silent writes again:
		 * the fence did not reach it, its VMs must not restart */
		snprintf(why, sizeof(why),
		         "alarm: fence reported success (%.150s) but the host's storage slot "
		         "advanced after it was declared down",
		         text != NULL ? text : "");
		vmha_err("host '%s': %s", host, why);
		remember(c, "alarm", host, why);
		vmha_failover_fence_done(c->fo, now_ms, host, false, why);
	} else {
		vmha_failover_fence_done(c->fo, now_ms, host, ok, text != NULL ? text : "");
	}
	run_actions(c, now_ms);
}

void vmha_coordinator_start_done(struct vmha_coordinator *c, uint64_t now_ms, const char *vm,
                                 bool ok, bool unknown, const char *text)
{
	if (c == NULL || vm == NULL) {
		return;
	}
	if (unknown) {
		/* never re-plan a start that may still succeed: that could run it twice */
		vmha_err("vm '%s': %s; not re-planned (it may still come up here)", vm, text);
		remember(c, "start_unknown", vm, text);
		return;
	}
	send_start_result(c, vm, ok, text != NULL ? text : "");
	run_actions(c, now_ms);
}

void vmha_coordinator_tick(struct vmha_coordinator *c, uint64_t now_ms)
{
	if (c == NULL) {
		return;
	}
	flush_outbox(c);
	vmha_failover_tick(c->fo, now_ms);
	run_actions(c, now_ms);
}

size_t vmha_coordinator_outbox_count(const struct vmha_coordinator *c)
{
	return c != NULL ? c->n_outbox : 0;
}
