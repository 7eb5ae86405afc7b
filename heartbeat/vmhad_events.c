/*
 * vmhad: Corosync's events (ring, membership, messages, quorum) fed to the
 * view and the failover coordinator, the actions the view asks for, and the
 * periodic tick (storage readings, timed decisions, failover duties).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "deadline.h"
#include "heartbeat/failover_msg.h"
#include "heartbeat/vmhad_int.h"
#include "log.h"
#include "util.h"

/* how long a fatal error waits for the self-fence before exiting (the watchdog stays armed) */
#define SELF_FENCE_FATAL_MS 10000
#define FAST_TICK_MS        50
#define AWAIT_QUORUM_MS     1000

/* Carry out what the view asks. */
static void run_actions(struct daemon *d)
{
	struct vmha_view_action a;

	while (vmha_view_next_action(d->view, &a)) {
		switch (a.kind) {
		case VMHA_ACTION_EVENT:
			qb_log(a.level, "%s", a.text);
			break;
		case VMHA_ACTION_ANNOUNCE:
			vmhad_announce(d);
			break;
		case VMHA_ACTION_HOST_DOWN:
			vmha_warn("decision: %s", a.text);
			vmhad_remember(d, "host_down", &a);
			if (d->co != NULL) {
				/* the registry may have changed: read it while the fence runs */
				vmhad_registry_refresh(d);
				vmha_coordinator_sync_view(d->co, vmha_clock_now_ms(), d->view);
				vmha_coordinator_host_down(d->co, vmha_clock_now_ms(), a.host);
			}
			break;
		case VMHA_ACTION_QUORUM_LOST:
			vmha_warn("%s", a.text);
			vmhad_remember(d, "quorum_lost", &a);
			if (d->guard != NULL) {
				vmha_warn("self-fencing in %" PRIu64 " ms unless quorum comes back",
				          d->conf.self_fence_delay_ms);
			}
			break;
		}
	}
}

/*
 * Feed a CPG message to the view and the failover coordinator, decoded once:
 * a failover message counts only from the vmhad the view holds for (nodeid,
 * pid); an announcement reaches the coordinator only when the view accepted it.
 */
static void deliver_message(struct daemon *d, uint32_t nodeid, uint32_t pid, const void *buf,
                            size_t len)
{
	const struct vmha_announce *a = NULL;
	struct vmha_failover_msg m;
	uint64_t now = vmha_clock_now_ms();
	bool changed = false;
	int rc = -ENOMSG;

	if (vmha_maint_deliver(d->maint, vmha_view_sender_host(d->view, nodeid, pid), buf, len,
	                       &changed) != -ENOMSG) {
		if (changed) {
			vmhad_announce(d);
		}
		return;
	}
	if (d->co != NULL) {
		rc = vmha_coordinator_deliver(
		        d->co, now, vmha_view_sender_host(d->view, nodeid, pid), buf, len, &m);
	} else if (vmha_failover_msg_decode(buf, len, &m, (char[64]){0}, 64) != -ENOMSG) {
		return; /* failover messages mean nothing without standalone mode */
	}
	if (rc == 0 && strcmp(m.type, "fenced") == 0) {
		vmha_view_fenced(d->view, now, m.host);
		run_actions(d);
	}
	if (rc != -ENOMSG) {
		return;
	}
	if (vmha_view_message(d->view, now, nodeid, pid, buf, len) < 0) {
		run_actions(d);
		return; /* what the view rejects stops here */
	}
	run_actions(d);
	a = vmha_view_sender_announce(d->view, nodeid, pid);
	if (d->co != NULL && a != NULL) {
		vmha_coordinator_announce(d->co, now, a);
		vmha_coordinator_sync_view(d->co, now, d->view);
	}
}

/* Quorum is unknown until votequorum reports on ring_seq (0: the next report). */
static void await_quorum(struct daemon *d, uint64_t ring_seq)
{
	vmha_coordinator_await_quorum(d->co, ring_seq);
	if (!d->await_quorum) {
		d->await_quorum = true;
		d->await_quorum_since_ms = vmha_clock_now_ms();
		d->await_quorum_warned = false;
	}
}

static void on_ring(void *opaque, uint32_t ring_nodeid, uint64_t ring_seq, const uint32_t *nodes,
                    size_t n_nodes)
{
	struct daemon *d = opaque;

	/* a new ring: votequorum decides again; nothing acts on the quorum before */
	d->ring_seq = ring_seq;
	await_quorum(d, ring_seq);
	vmha_view_ring(d->view, vmha_clock_now_ms(), ring_nodeid, ring_seq, nodes, n_nodes);
	run_actions(d);
	if (d->co != NULL) {
		/* before the quorum of this ring: nodes that came into it */
		vmha_coordinator_sync_view(d->co, vmha_clock_now_ms(), d->view);
	}
}

/* Whether members came or went with their node (a new ring, so votequorum reports). */
static bool ring_changed(const struct vmha_member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i].reason == VMHA_REASON_NODEDOWN || m[i].reason == VMHA_REASON_NODEUP) {
			return true;
		}
	}
	return false;
}

static void on_confchg(void *opaque, const struct vmha_member *members, size_t n_members,
                       const struct vmha_member *left, size_t n_left,
                       const struct vmha_member *joined, size_t n_joined)
{
	struct daemon *d = opaque;

	if (ring_changed(left, n_left) || ring_changed(joined, n_joined)) {
		/* a node came or went (corosync's CPG sends this before the ring callback):
		 * decide once the quorum of this membership is known (on_quorum),
		 * never on the quorum of the one before */
		await_quorum(d, d->ring_seq + 1);
	}
	vmha_view_confchg(d->view, vmha_clock_now_ms(), members, n_members, left, n_left, joined,
	                  n_joined);
	run_actions(d);
	vmha_coordinator_sync_view(d->co, vmha_clock_now_ms(), d->view);
}

static void on_message(void *opaque, uint32_t nodeid, uint32_t pid, const void *buf, size_t len)
{
	struct daemon *d = opaque;

	deliver_message(d, nodeid, pid, buf, len);
}

static void on_quorum(void *opaque, bool quorate, uint64_t ring_seq)
{
	struct daemon *d = opaque;

	if (d->guard != NULL) {
		vmha_selfguard_set_quorate(d->guard, quorate, vmha_clock_now_ms());
		if (d->self_fenced && !vmha_selfguard_self_fenced(d->guard)) {
			vmha_coordinator_set_self_fenced(d->co, false);
		}
		d->self_fenced = vmha_selfguard_self_fenced(d->guard);
	}
	/* the coordinator first: the view's decisions that waited for quorum follow */
	vmha_coordinator_set_quorum_ring(d->co, vmha_clock_now_ms(), quorate, ring_seq);
	vmha_view_quorum(d->view, vmha_clock_now_ms(), quorate);
	run_actions(d);
	vmha_notify_quorum(d->notify, quorate);
	if (d->await_quorum && (d->co == NULL || vmha_coordinator_quorum_known(d->co))) {
		/* the quorum of the new membership is known: decide now, not at the next tick */
		d->await_quorum = false;
		vmha_view_tick(d->view, vmha_clock_now_ms());
		run_actions(d);
	}
}

static int32_t on_cpg_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	int rc = vmha_corosync_dispatch_cpg(d->cs);

	if (rc < 0) {
		vmha_err("lost the connection to corosync's cpg service: %s", strerror(-rc));
		vmha_selfguard_set_corosync_up(d->guard, false);
		(void)vmha_selfguard_fatal(d->guard, SELF_FENCE_FATAL_MS);
		vmhad_stop_loop(d, EXIT_FAILURE);
		return -1;
	}
	return 0;
}

static int32_t on_quorum_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	int rc = vmha_corosync_dispatch_quorum(d->cs);

	if (rc < 0) {
		vmha_err("lost the connection to corosync's quorum service: %s", strerror(-rc));
		vmha_selfguard_set_corosync_up(d->guard, false);
		(void)vmha_selfguard_fatal(d->guard, SELF_FENCE_FATAL_MS);
		vmhad_stop_loop(d, EXIT_FAILURE);
		return -1;
	}
	return 0;
}

static void storage_take(struct daemon *d, uint64_t now)
{
	struct vmha_storage_reading r;
	size_t i;
	uint64_t last;
	int rc;

	vmha_storage_worker_set_flags(d->storage,
	                              (vmha_view_is_quorate(d->view) ? VMHA_SLOT_QUORATE : 0) |
	                                      (d->self_fenced ? VMHA_SLOT_SELF_FENCED : 0));
	vmha_storage_worker_take(d->storage, &r);
	rc = r.rc;
	last = r.last_round_ms;

	if (now - last >= d->conf.storage_timeout_ms) {
		/* the worker has not finished a round: its last result is stale */
		if (!d->storage_stuck) {
			vmha_err("storage heartbeat in '%s' stuck for %" PRIu64
			         " ms: shared storage hangs?",
			         d->conf.storage_dir, now - last);
			d->storage_stuck = true;
		}
		d->storage_error = -ETIMEDOUT;
	} else {
		if (d->storage_stuck) {
			vmha_notice("storage heartbeat in '%s' no longer stuck",
			            d->conf.storage_dir);
			d->storage_stuck = false;
		}
		if (rc < 0 && rc != d->storage_error) {
			vmha_err("storage heartbeat in '%s' fails: %s", d->conf.storage_dir,
			         strerror(-rc));
		} else if (rc == 0 && d->storage_error != 0) {
			vmha_notice("storage heartbeat in '%s' works again", d->conf.storage_dir);
		}
		d->storage_error = rc;
	}
	/* a slot that changed was written before the round that read it ended:
	 * the round's end, not this later tick, is when its silence starts (no
	 * earlier than the write, so never too early; up to a tick sooner) */
	for (i = 0; i < r.n_records; i++) {
		vmha_view_storage(d->view, last <= now ? last : now, r.records[i].host,
		                  r.records[i].incarnation, r.records[i].seq, r.records[i].flags);
	}
	free(r.records);
}

void vmhad_on_tick(void *data)
{
	struct daemon *d = data;
	uint64_t interval_ms;

	uint64_t now = vmha_clock_now_ms();

	if (d->hb != NULL) {
		storage_take(d, now);
	}
	if (d->await_quorum && !d->await_quorum_warned &&
	    now - d->await_quorum_since_ms >= AWAIT_QUORUM_MS) {
		/* never decide on the quorum of the membership before */
		vmha_warn("no quorum notification %" PRIu64 " ms after a membership change: "
		          "no fence, assignment or start until one comes",
		          now - d->await_quorum_since_ms);
		d->await_quorum_warned = true;
	}
	if (!d->await_quorum) {
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
	if (d->co != NULL) {
		vmhad_registry_tick(d, now);
		vmha_coordinator_sync_view(d->co, now, d->view);
		vmha_coordinator_tick(d->co, now);
		vmhad_guard_tick(d);
	}
	/* a host is lost and its storage silence decides soon: look often, so
	 * that the decision (and the failover) is not late by a tick */
	interval_ms = vmha_view_decision_pending(d->view) ? FAST_TICK_MS
	                                                  : d->conf.storage_interval_ms / 2;
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, interval_ms * QB_TIME_NS_IN_MSEC, d, vmhad_on_tick,
	                  &d->tick_timer);
}

void vmhad_on_announce_timer(void *data)
{
	struct daemon *d = data;
	json_object *status = NULL;

	vmhad_announce(d);
	if (d->notify != NULL) {
		/* alerts on watchdog and lease changes; the metrics file from the status */
		status = vmhad_status_object(d);
		vmha_notify_tick(d->notify, status);
		json_object_put(status);
	}
	qb_loop_timer_add(d->loop, QB_LOOP_MED, d->conf.announce_interval_ms * QB_TIME_NS_IN_MSEC,
	                  d, vmhad_on_announce_timer, &d->announce_timer);
}

void vmhad_corosync_callbacks(struct vmha_corosync_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->ring = on_ring;
	cb->confchg = on_confchg;
	cb->message = on_message;
	cb->quorum = on_quorum;
}

int vmhad_watch_corosync(struct daemon *d)
{
	int rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_cpg_fd(d->cs), POLLIN, d,
	                          on_cpg_fd);

	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_quorum_fd(d->cs), POLLIN,
		                      d, on_quorum_fd);
	}
	if (rc < 0) {
		vmha_err("cannot watch corosync's file descriptors: %s", strerror(-rc));
	}
	return rc;
}

int vmhad_cpg_send(void *opaque, const void *buf, size_t len)
{
	struct daemon *d = opaque;

	return vmha_corosync_send(d->cs, buf, len);
}
