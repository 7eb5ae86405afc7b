/*
 * vmhad: the heartbeat daemon. Joins a Corosync CPG group, announces this
 * host's capacity and VMs, writes its storage heartbeat slot, feeds every
 * Corosync event and storage reading into the view (heartbeat/view.c) and
 * carries out the view's actions. Serves `vmha status` over libqb IPC.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "deadline.h"
#include "fencing/fence_config.h"
#include "fencing/selffence.h"
#include "fencing/sfworker.h"
#include "heartbeat/actuator.h"
#include "heartbeat/coordinator.h"
#include "heartbeat/corosync.h"
#include "heartbeat/failover.h"
#include "heartbeat/hbconf.h"
#include "heartbeat/inventory.h"
#include "heartbeat/inventory_worker.h"
#include "heartbeat/ipc.h"
#include "heartbeat/msg.h"
#include "heartbeat/regload.h"
#include "heartbeat/selfguard.h"
#include "heartbeat/storage_hb.h"
#include "heartbeat/storage_worker.h"
#include "heartbeat/view.h"
#include "heartbeat/wdfeed.h"
#include "log.h"
#include "planner/model.h"
#include "registry.h"
#include "util.h"

#define DEFAULT_CONF                VMHA_CONFDIR "/vmhad.conf"
#define COROSYNC_CONNECT_TIMEOUT_MS 10000
/* how long a fatal error waits for the self-fence before exiting (the watchdog stays armed) */
#define SELF_FENCE_FATAL_MS 10000
#define MAX_DECISIONS       16
#define FENCE_TIMEOUT_MS    60000
#define FENCE_RETRY_MS      5000
#define REGISTRY_RELOAD_MS  5000
#define FAST_TICK_MS        50
#define AWAIT_QUORUM_MS     1000

struct decision {
	uint64_t at_ms;
	char kind[24];
	char host[VMHA_NAME_SIZE];
	char text[256];
};

struct daemon {
	struct vmha_hbconf conf;
	const char *conf_path;
	qb_loop_t *loop;
	struct vmha_view *view;
	struct vmha_corosync *cs;
	struct vmha_inventory *inv;
	struct vmha_inv_worker *invw;
	/* the last inventory collected, announced (degraded) while libvirt hangs */
	struct vmha_announce last_inv;
	bool inv_stuck_logged;
	/* when this host last sent a start result: older inventories are stale */
	uint64_t last_start_result_ms;
	struct vmha_storage_hb *hb;
	struct vmha_storage_worker *storage;
	bool storage_stuck;
	struct vmha_ipc *ipc;
	qb_loop_timer_handle announce_timer;
	qb_loop_timer_handle tick_timer;
	uint64_t incarnation;
	uint64_t seq;
	uint64_t started_ms;
	uint64_t last_announce_ms;
	int storage_error;
	int exit_code;
	/* a member left: the view's timed decisions wait for the quorum of the
	 * new membership (Corosync delivers it just after the CPG change) */
	bool await_quorum;
	uint64_t await_quorum_since_ms;
	bool await_quorum_warned;
	/* the last ring (totem) callback's sequence number */
	uint64_t ring_seq;
	struct decision decisions[MAX_DECISIONS];
	size_t n_decisions;
	char ring_cipher[64];
	char ring_hash[64];
	/* standalone mode */
	struct vmha_coordinator *co;
	/* the replicated table inside co */
	struct vmha_failover *fo;
	struct vmha_actuator *act;
	struct vmha_fence_config *fence_cfg;
	/* the self-fence and the watchdog (heartbeat/selfguard.h) */
	struct vmha_selfguard *guard;
	bool self_fenced;
	struct vmha_regload *rl;
	uint64_t registry_loaded_ms;
	bool registry_error_logged;
	char registry_vm_error[256];
	bool registry_stuck_logged;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: vmhad [-f] [-c FILE] [--version] [--help]\n\n"
	        "The vmha heartbeat daemon: host membership, capacity and VMs over\n"
	        "Corosync CPG, quorum, and a storage heartbeat. See vmhad(8).\n\n"
	        "  -f, --foreground   stay in the foreground and log to stderr\n"
	        "  -c, --config FILE  configuration file (default %s)\n",
	        DEFAULT_CONF);
}

static void stop_loop(struct daemon *d, int code)
{
	if (d->exit_code == 0) {
		d->exit_code = code;
	}
	qb_loop_stop(d->loop);
}

/* Send an announcement of inventory a (capacity, VMs, health). */
static void announce_send(struct daemon *d, struct vmha_announce *a)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	snprintf(a->host, sizeof(a->host), "%s", d->conf.host_name);
	a->incarnation = d->incarnation;
	a->seq = d->seq + 1;
	if (d->guard != NULL) {
		a->has_safety = true;
		vmha_selfguard_safety(d->guard, &a->safety);
	}
	rc = vmha_msg_encode(a, &buf, &len);
	if (rc < 0) {
		vmha_err("cannot encode the announcement of host '%s': %s", a->host, strerror(-rc));
		goto out;
	}
	rc = vmha_corosync_send(d->cs, buf, len);
	if (rc == -EAGAIN) {
		vmha_debug("cpg flow control: announcement postponed");
		goto out;
	}
	if (rc < 0) {
		vmha_err("cannot send the announcement: %s", strerror(-rc));
		goto out;
	}
	d->seq = a->seq;
	d->last_announce_ms = vmha_clock_now_ms();
out:
	free(buf);
}

static int copy_announce(struct vmha_announce *dst, const struct vmha_announce *src)
{
	vmha_msg_announce_clear(dst);
	*dst = *src;
	dst->vms = NULL;
	if (src->n_vms > 0) {
		dst->vms = calloc(src->n_vms, sizeof(*dst->vms));
		if (dst->vms == NULL) {
			dst->n_vms = 0;
			return -ENOMEM;
		}
		memcpy(dst->vms, src->vms, src->n_vms * sizeof(*dst->vms));
	}
	return 0;
}

/*
 * Announce this host: ask the inventory thread for a fresh collection (the
 * announcement goes out when it is done). While a collection hangs (libvirtd
 * starting or stuck), the last inventory goes out, health degraded.
 */
static void announce(struct daemon *d)
{
	struct vmha_announce a = {0};
	uint64_t busy = vmha_inv_worker_request(d->invw);

	if (busy < d->conf.announce_interval_ms) {
		return;
	}
	if (!d->inv_stuck_logged) {
		vmha_warn("libvirt has not answered for %" PRIu64 " ms: announcing the last "
		          "inventory, health degraded",
		          busy);
		d->inv_stuck_logged = true;
	}
	if (copy_announce(&a, &d->last_inv) == 0) {
		a.health = VMHA_HEALTH_DEGRADED;
		announce_send(d, &a);
	}
	vmha_msg_announce_clear(&a);
}

static int32_t on_inventory_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_announce a = {0};
	int rc = 0;
	uint64_t started = 0;

	(void)fd;
	(void)revents;
	if (!vmha_inv_worker_take(d->invw, &a, &rc, &started)) {
		return 0;
	}
	if (d->inv_stuck_logged) {
		vmha_notice("libvirt answers again: inventory collected");
		d->inv_stuck_logged = false;
	}
	if (rc < 0) {
		vmha_err("cannot collect this host's inventory: %s", strerror(-rc));
		goto out;
	}
	if (started < d->last_start_result_ms) {
		/* collected before a start this host announced: it may lack that VM */
		vmha_inv_worker_request(d->invw);
		goto out;
	}
	if (a.health == VMHA_HEALTH_OK && copy_announce(&d->last_inv, &a) < 0) {
		vmha_err("cannot keep this host's inventory: %s", strerror(ENOMEM));
	}
	announce_send(d, &a);
out:
	vmha_msg_announce_clear(&a);
	return 0;
}

static void remember(struct daemon *d, const char *kind, const struct vmha_view_action *a)
{
	struct decision *dec = NULL;

	if (d->n_decisions == MAX_DECISIONS) {
		memmove(&d->decisions[0], &d->decisions[1],
		        (MAX_DECISIONS - 1) * sizeof(d->decisions[0]));
		d->n_decisions--;
	}
	dec = &d->decisions[d->n_decisions++];
	dec->at_ms = vmha_clock_now_ms();
	snprintf(dec->kind, sizeof(dec->kind), "%s", kind);
	snprintf(dec->host, sizeof(dec->host), "%s", a->host);
	snprintf(dec->text, sizeof(dec->text), "%s", a->text);
}

/* ---- standalone failover: the thin I/O layer around heartbeat/failover.c ---- */

static void run_actions(struct daemon *d);

static void remember_text(struct daemon *d, const char *kind, const char *host, const char *text)
{
	struct vmha_view_action a;

	memset(&a, 0, sizeof(a));
	snprintf(a.host, sizeof(a.host), "%s", host);
	snprintf(a.text, sizeof(a.text), "%.250s", text);
	remember(d, kind, &a);
}

static int co_send(void *opaque, const void *buf, size_t len)
{
	struct daemon *d = opaque;

	return vmha_corosync_send(d->cs, buf, len);
}

static int co_start(void *opaque, const char *vm)
{
	struct daemon *d = opaque;

	if (!vmha_selfguard_may_start(d->guard)) {
		/* inquorate, or fenced itself: no start until quorum returns */
		vmha_warn("vm '%s': start refused: this host is inquorate or fenced itself", vm);
		return -EPERM;
	}
	/* the worker reads the domain XML from the registry: never the main loop */
	return vmha_actuator_start(d->act, d->conf.libvirt_uri, d->conf.host_name, vm,
	                           d->conf.registry_dir, d->conf.start_timeout_ms);
}

static int co_fence(void *opaque, const char *host)
{
	struct daemon *d = opaque;
	int rc;

	if (d->fence_cfg == NULL) {
		return -ENODEV;
	}
	rc = vmha_actuator_fence(d->act, d->fence_cfg, host, FENCE_TIMEOUT_MS);
	if (rc == 0) {
		vmha_notice("fencing host '%s'", host);
	}
	return rc;
}

static void co_remember(void *opaque, const char *kind, const char *host, const char *text)
{
	remember_text(opaque, kind, host, text);
}

/*
 * A registry snapshot read by the loader thread: protect what it lists;
 * what left it is no longer protected (unless its failover is pending).
 */
static void apply_registry(struct daemon *d, const struct vmha_regload_snapshot *snap)
{
	if (snap->rc < 0) {
		if (!d->registry_error_logged) {
			vmha_err("%s", snap->err);
		}
		d->registry_error_logged = true;
		return;
	}
	if (d->registry_error_logged) {
		vmha_notice("vm registry '%s' readable again", d->conf.registry_dir);
	}
	d->registry_error_logged = false;
	if (strcmp(snap->failed_err, d->registry_vm_error) != 0) {
		if (snap->failed_err[0] != '\0') {
			vmha_err("%s", snap->failed_err);
		}
		snprintf(d->registry_vm_error, sizeof(d->registry_vm_error), "%s",
		         snap->failed_err);
	}
	vmha_coordinator_apply_registry(d->co, snap);
	vmha_debug("vm registry '%s' read in %" PRIu64 " ms: %zu vms", d->conf.registry_dir,
	           snap->duration_ms, snap->n_vms);
}

static int32_t on_regload_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_regload_snapshot *snap = NULL;

	(void)fd;
	(void)revents;
	if (!vmha_regload_take(d->rl, &snap)) {
		return 0;
	}
	apply_registry(d, snap);
	if (d->registry_stuck_logged) {
		vmha_notice("vm registry '%s' read again (%" PRIu64 " ms)", d->conf.registry_dir,
		            snap->duration_ms);
		d->registry_stuck_logged = false;
	}
	vmha_regload_snapshot_free(snap);
	return 0;
}

/* Ask for a registry read (in the loader thread; the main loop goes on). */
static void registry_refresh(struct daemon *d)
{
	vmha_regload_request(d->rl);
	d->registry_loaded_ms = vmha_clock_now_ms();
}

/* Each tick: periodic reads, a read that hangs. */
static void registry_tick(struct daemon *d, uint64_t now)
{
	uint64_t busy = vmha_regload_busy_ms(d->rl, now);

	if (busy >= d->conf.storage_timeout_ms && !d->registry_stuck_logged) {
		vmha_err("reading the vm registry '%s' hangs for %" PRIu64
		         " ms: shared storage hangs? (heartbeats go on)",
		         d->conf.registry_dir, busy);
		d->registry_stuck_logged = true;
	}
	if (busy == 0 && now - d->registry_loaded_ms >= REGISTRY_RELOAD_MS) {
		/* VMs added since: protected from now on (a self-fence stops them) */
		registry_refresh(d);
	}
}

/* The protected VMs that run here, as the failover table says (UUIDs from the last inventory). */
static size_t guard_vms(struct daemon *d, struct vmha_sfworker_vm *out, size_t max)
{
	size_t n = 0;
	size_t i, j;

	for (i = 0; d->fo != NULL && i < vmha_failover_vm_count(d->fo) && n < max; i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);
		const char *where = vmha_failover_vm_location(d->fo, name);

		if (where == NULL || strcmp(where, d->conf.host_name) != 0) {
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		for (j = 0; j < d->last_inv.n_vms; j++) {
			if (strcmp(d->last_inv.vms[j].name, name) == 0) {
				snprintf(out[n].uuid, sizeof(out[n].uuid), "%s",
				         d->last_inv.vms[j].uuid);
			}
		}
		n++;
	}
	return n;
}

/* Every tick: the VMs the self-fence stops, its outcome, its record for the storage thread. */
static void guard_tick(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];
	struct vmha_sfworker_vm *rec = NULL;
	size_t n = guard_vms(d, vms, VMHA_MSG_MAX_VMS);
	bool complete = false;
	bool fenced;
	char *slot = NULL;

	vmha_selfguard_set_vms(d->guard, vms, n);
	fenced = vmha_selfguard_self_fenced(d->guard);
	if (fenced != d->self_fenced) {
		if (fenced) {
			remember_text(d, "self_fenced", d->conf.host_name, "protected vms stopped");
		}
		vmha_coordinator_set_self_fenced(d->co, fenced);
	}
	d->self_fenced = fenced;
	if (!vmha_selfguard_take_record(d->guard, &rec, &n, &complete)) {
		return;
	}
	if (d->storage == NULL ||
	    asprintf(&slot, "%s/%s.slot", d->conf.storage_dir, d->conf.host_name) < 0) {
		free(rec);
		return;
	}
	(void)vmha_storage_worker_set_record(d->storage, slot, d->conf.host_name, rec, n, complete);
	free(slot);
}

/* Protected VMs still running here, for the watchdog's disarm rule. */
static size_t protected_running_here(struct daemon *d)
{
	static struct vmha_sfworker_vm vms[VMHA_MSG_MAX_VMS];

	return guard_vms(d, vms, VMHA_MSG_MAX_VMS);
}

static void on_actuator_result(struct daemon *d, const struct vmha_actuator_result *r)
{
	uint64_t now = vmha_clock_now_ms();

	if (r->kind == VMHA_ACTUATOR_FENCE) {
		if (r->ok) {
			vmha_notice("host '%s' fenced in %" PRIu64 " ms: %s", r->host,
			            r->duration_ms, r->text);
		}
		vmha_coordinator_fence_done(d->co, now, r->host, r->ok, r->text);
		return;
	}
	if (r->ok) {
		vmha_notice("vm '%s' started in %" PRIu64 " ms", r->vm, r->duration_ms);
	} else if (!r->unknown) {
		vmha_err("vm '%s' did not start: %s", r->vm, r->text);
	}
	d->last_start_result_ms = now;
	vmha_coordinator_start_done(d->co, now, r->vm, r->ok, r->unknown, r->text);
}

static int32_t on_actuator_fd(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	struct vmha_actuator_result r;

	(void)fd;
	(void)revents;
	while (vmha_actuator_take(d->act, &r)) {
		on_actuator_result(d, &r);
	}
	return 0;
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
	int rc = -ENOMSG;

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
			announce(d);
			break;
		case VMHA_ACTION_HOST_DOWN:
			vmha_warn("decision: %s", a.text);
			remember(d, "host_down", &a);
			if (d->co != NULL) {
				/* the registry may have changed: read it while the fence runs */
				registry_refresh(d);
				vmha_coordinator_sync_view(d->co, vmha_clock_now_ms(), d->view);
				vmha_coordinator_host_down(d->co, vmha_clock_now_ms(), a.host);
			}
			break;
		case VMHA_ACTION_QUORUM_LOST:
			vmha_warn("%s", a.text);
			remember(d, "quorum_lost", &a);
			if (d->guard != NULL) {
				vmha_warn("self-fencing in %" PRIu64 " ms unless quorum comes back",
				          d->conf.self_fence_delay_ms);
			}
			break;
		}
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
		stop_loop(d, EXIT_FAILURE);
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
		stop_loop(d, EXIT_FAILURE);
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
	for (i = 0; i < r.n_records; i++) {
		vmha_view_storage(d->view, now, r.records[i].host, r.records[i].incarnation,
		                  r.records[i].seq, r.records[i].flags);
	}
	free(r.records);
}

static void on_tick(void *data)
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
		registry_tick(d, now);
		vmha_coordinator_sync_view(d->co, now, d->view);
		vmha_coordinator_tick(d->co, now);
		guard_tick(d);
	}
	/* a host is lost and its storage silence decides soon: look often, so
	 * that the decision (and the failover) is not late by a tick */
	interval_ms = vmha_view_decision_pending(d->view) ? FAST_TICK_MS
	                                                  : d->conf.storage_interval_ms / 2;
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, interval_ms * QB_TIME_NS_IN_MSEC, d, on_tick,
	                  &d->tick_timer);
}

static void on_announce_timer(void *data)
{
	struct daemon *d = data;

	announce(d);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, d->conf.announce_interval_ms * QB_TIME_NS_IN_MSEC,
	                  d, on_announce_timer, &d->announce_timer);
}

static int32_t on_signal(int32_t sig, void *data)
{
	struct daemon *d = data;

	vmha_notice("signal %d: leaving group '%s' and stopping", sig, d->conf.group_name);
	stop_loop(d, EXIT_SUCCESS);
	return 0;
}

static char *status_json(void *opaque)
{
	struct daemon *d = opaque;
	uint64_t now = vmha_clock_now_ms();
	json_object *root = vmha_view_to_json(d->view, now);
	json_object *daemon = NULL;
	json_object *decisions = NULL;
	char *text = NULL;
	char inc[32];
	size_t i;

	if (root == NULL) {
		return NULL;
	}
	daemon = json_object_new_object();
	decisions = json_object_new_array();
	if (daemon == NULL || decisions == NULL) {
		json_object_put(daemon);
		json_object_put(decisions);
		json_object_put(root);
		return NULL;
	}
	snprintf(inc, sizeof(inc), "%" PRIx64, d->incarnation);
	json_object_object_add(daemon, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(daemon, "pid", json_object_new_int64(getpid()));
	json_object_object_add(daemon, "host", json_object_new_string(d->conf.host_name));
	json_object_object_add(
	        daemon, "nodeid",
	        d->cs != NULL ? json_object_new_int64(vmha_corosync_local_nodeid(d->cs)) : NULL);
	json_object_object_add(daemon, "group", json_object_new_string(d->conf.group_name));
	json_object_object_add(daemon, "mode",
	                       json_object_new_string(vmha_hbconf_mode_name(d->conf.mode)));
	json_object_object_add(daemon, "incarnation", json_object_new_string(inc));
	json_object_object_add(daemon, "uptime_ms",
	                       json_object_new_int64((int64_t)(now - d->started_ms)));
	json_object_object_add(daemon, "announce_seq", json_object_new_int64((int64_t)d->seq));
	json_object_object_add(daemon, "ring_crypto_cipher",
	                       json_object_new_string(d->ring_cipher));
	json_object_object_add(daemon, "ring_crypto_hash", json_object_new_string(d->ring_hash));
	json_object_object_add(daemon, "storage_dir",
	                       d->hb != NULL ? json_object_new_string(d->conf.storage_dir) : NULL);
	json_object_object_add(
	        daemon, "storage_error",
	        d->storage_error < 0 ? json_object_new_string(strerror(-d->storage_error)) : NULL);
	json_object_object_add(root, "daemon", daemon);
	for (i = 0; i < d->n_decisions; i++) {
		json_object *o = json_object_new_object();

		if (o == NULL) {
			continue;
		}
		json_object_object_add(o, "kind", json_object_new_string(d->decisions[i].kind));
		json_object_object_add(o, "host", json_object_new_string(d->decisions[i].host));
		json_object_object_add(o, "text", json_object_new_string(d->decisions[i].text));
		json_object_object_add(
		        o, "age_ms", json_object_new_int64((int64_t)(now - d->decisions[i].at_ms)));
		json_object_array_add(decisions, o);
	}
	json_object_object_add(root, "decisions", decisions);
	if (d->fo != NULL) {
		json_object_object_add(root, "failover", vmha_failover_to_json(d->fo));
		vmha_selfguard_status(d->guard, root);
	}
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

static int resolve_host_name(struct vmha_hbconf *conf)
{
	struct utsname u;
	char *dot = NULL;

	if (conf->host_name[0] != '\0') {
		return 0;
	}
	if (uname(&u) < 0) {
		return -errno;
	}
	dot = strchr(u.nodename, '.');
	if (dot != NULL) {
		*dot = '\0';
	}
	if (!vmha_util_name_is_valid(u.nodename)) {
		return -EINVAL;
	}
	snprintf(conf->host_name, sizeof(conf->host_name), "%s", u.nodename);
	return 0;
}

static int setup_failover(struct daemon *d)
{
	struct vmha_failover_config fc = {0};
	struct vmha_coordinator_ops ops = {
	        .opaque = d,
	        .send = co_send,
	        .start = co_start,
	        .fence = co_fence,
	        .remember = co_remember,
	};
	char err[512];
	int rc = 0;

	if (d->conf.fence_config[0] != '\0') {
		rc = vmha_fence_config_load(d->conf.fence_config, &d->fence_cfg, err, sizeof(err));
		if (rc == 0) {
			rc = vmha_fence_config_validate(d->fence_cfg, vmha_deadline_in_ms(30000),
			                                err, sizeof(err));
		}
		if (rc < 0) {
			vmha_err("fencing configuration: %s", err);
			return rc;
		}
	} else {
		vmha_warn("no fence_config: a down host counts as fenced only when its storage "
		          "slot says it fenced itself, or after restart_delay (%" PRIu64 " ms) "
		          "when it announced a watchdog",
		          d->conf.restart_delay_ms);
	}
	fc.self_name = d->conf.host_name;
	fc.max_parallel_starts = d->conf.max_parallel_starts;
	fc.fence_device = d->fence_cfg != NULL;
	fc.restart_delay_ms = d->conf.restart_delay_ms;
	fc.fence_retry_ms = FENCE_RETRY_MS;
	fc.recover_limits = true;
	fc.max_restart = d->conf.max_restart;
	fc.max_relocate = d->conf.max_relocate;
	d->co = vmha_coordinator_new(&fc, &ops);
	d->fo = vmha_coordinator_failover(d->co);
	d->act = vmha_actuator_new();
	d->rl = vmha_regload_new(d->conf.registry_dir);
	if (d->co == NULL || d->act == NULL || d->rl == NULL) {
		return -ENOMEM;
	}
	registry_refresh(d);
	return 0;
}

/*
 * Bind vmha host names to corosync's nodelist: a node may announce only the
 * name the nodelist gives it. Off (loudly) when this host's own entry does
 * not match its host_name, or when the nodelist has no names.
 */
static void bind_nodelist(struct daemon *d)
{
	struct vmha_corosync_node nodes[256];
	uint32_t self = vmha_corosync_local_nodeid(d->cs);
	size_t n = 0;
	size_t i;
	bool self_ok = false;
	int rc = vmha_corosync_nodelist(nodes, 256, &n, COROSYNC_CONNECT_TIMEOUT_MS);

	if (rc < 0) {
		vmha_warn("cannot read corosync's nodelist: %s: host names are not bound to nodes",
		          strerror(-rc));
		return;
	}
	for (i = 0; i < n; i++) {
		if (nodes[i].nodeid == self) {
			self_ok = strcmp(nodes[i].name, d->conf.host_name) == 0;
		}
	}
	if (n == 0 || !self_ok) {
		vmha_warn("corosync's nodelist %s host '%s' (node %" PRIu32
		          "): host names are not bound to nodes",
		          n == 0 ? "has no names, not even for" : "does not name",
		          d->conf.host_name, self);
		return;
	}
	for (i = 0; i < n; i++) {
		/* the failover restarts a VM that runs nowhere only once each host is clear */
		(void)vmha_failover_cluster_host(d->fo, nodes[i].name);
		rc = vmha_view_bind_node(d->view, nodes[i].nodeid, nodes[i].name);
		if (rc < 0) {
			vmha_warn("corosync's nodelist: node %" PRIu32 " '%s' not bound: %s",
			          nodes[i].nodeid, nodes[i].name, strerror(-rc));
		}
	}
	vmha_info("%zu host names bound to corosync's nodelist", n);
}

static int setup(struct daemon *d)
{
	struct vmha_view_config vc = {0};
	struct vmha_corosync_callbacks cb = {
	        .ring = on_ring,
	        .confchg = on_confchg,
	        .message = on_message,
	        .quorum = on_quorum,
	};
	bool secure = false;
	int rc = 0;

	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		/* the watchdog opens before any connection to the cluster */
		d->loop = qb_loop_create();
		if (d->loop == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = vmha_selfguard_new(&d->conf, d->conf_path, d->loop, &d->guard);
		if (rc < 0) {
			d->exit_code = 2;
			goto out;
		}
	}
	rc = vmha_corosync_ring_crypto(&secure, d->ring_cipher, sizeof(d->ring_cipher),
	                               d->ring_hash, sizeof(d->ring_hash),
	                               COROSYNC_CONNECT_TIMEOUT_MS);
	if (rc < 0) {
		vmha_err("cannot read the corosync configuration (cmap): %s (is corosync running?)",
		         strerror(-rc));
		goto out;
	}
	if (!secure) {
		if (!d->conf.allow_insecure_ring) {
			vmha_err("refusing to run over an unauthenticated corosync ring "
			         "(totem.crypto_cipher '%s', totem.crypto_hash '%s'): set both in "
			         "corosync.conf, or 'allow_insecure_ring = yes' in '%s'",
			         d->ring_cipher, d->ring_hash, d->conf_path);
			rc = -EPERM;
			goto out;
		}
		vmha_warn(
		        "running over an unauthenticated corosync ring (totem.crypto_cipher '%s', "
		        "totem.crypto_hash '%s') because allow_insecure_ring is set",
		        d->ring_cipher, d->ring_hash);
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		struct vmha_corosync_quorum_opts q;
		char err[512];

		rc = vmha_corosync_quorum_opts(&q, COROSYNC_CONNECT_TIMEOUT_MS);
		if (rc < 0) {
			vmha_err("cannot read the corosync quorum settings (cmap): %s",
			         strerror(-rc));
			goto out;
		}
		rc = vmha_wdfeed_check_quorum(&d->conf, q.two_node, err, sizeof(err));
		if (rc < 0) {
			vmha_err("%s", err);
			d->exit_code = 2;
			goto out;
		}
	}
	vc.self_name = d->conf.host_name;
	vc.storage_enabled = d->conf.storage_dir[0] != '\0';
	vc.storage_timeout_ms = d->conf.storage_timeout_ms;
	vc.silence_timeout_ms = 3 * d->conf.announce_interval_ms;
	d->view = vmha_view_new(&vc);
	d->inv = vmha_inventory_new(d->conf.libvirt_uri, d->conf.fake_vms);
	if (d->view == NULL || d->inv == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (vc.storage_enabled) {
		d->hb = vmha_storage_hb_new(d->conf.storage_dir, d->conf.host_name, d->incarnation);
		if (d->hb == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (d->conf.mode == VMHA_HB_MODE_STANDALONE) {
		rc = setup_failover(d);
		if (rc < 0) {
			goto out;
		}
	}
	if (d->loop == NULL) {
		d->loop = qb_loop_create();
	}
	if (d->loop == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* IPC first: a second vmhad on this host stops here, before joining the group */
	d->ipc = vmha_ipc_new(d->loop, status_json, d, &rc);
	if (d->ipc == NULL) {
		vmha_err("cannot serve ipc '%s': %s (is another vmhad running on this host?)",
		         VMHA_IPC_SERVICE, strerror(-rc));
		goto out;
	}
	d->cs = vmha_corosync_new(d->conf.group_name, &cb, d, COROSYNC_CONNECT_TIMEOUT_MS, &rc);
	if (d->cs == NULL) {
		goto out;
	}
	vmha_view_set_self_nodeid(d->view, vmha_corosync_local_nodeid(d->cs));
	bind_nodelist(d);
	rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_cpg_fd(d->cs), POLLIN, d,
	                      on_cpg_fd);
	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_corosync_quorum_fd(d->cs), POLLIN,
		                      d, on_quorum_fd);
	}
	if (rc < 0) {
		vmha_err("cannot watch corosync's file descriptors: %s", strerror(-rc));
		goto out;
	}
	if (d->fo != NULL) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_actuator_fd(d->act), POLLIN, d,
		                      on_actuator_fd);
		if (rc == 0) {
			rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_regload_fd(d->rl), POLLIN,
			                      d, on_regload_fd);
		}
		if (rc < 0) {
			vmha_err("cannot watch the failover actuator: %s", strerror(-rc));
			goto out;
		}
	}
	if (d->hb != NULL) {
		d->storage = vmha_storage_worker_new(d->hb, d->conf.storage_interval_ms);
		if (d->storage == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	d->invw = vmha_inv_worker_new(d->inv);
	rc = d->invw != NULL ? 0 : -ENOMEM;
	if (rc == 0) {
		rc = qb_loop_poll_add(d->loop, QB_LOOP_HIGH, vmha_inv_worker_fd(d->invw), POLLIN, d,
		                      on_inventory_fd);
	}
	if (rc < 0) {
		goto out;
	}
	if (d->guard != NULL) {
		rc = vmha_selfguard_start(d->guard);
		if (rc < 0) {
			goto out;
		}
	}
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, on_signal, NULL);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, on_signal, NULL);
	qb_loop_timer_add(d->loop, QB_LOOP_HIGH, 0, d, on_tick, &d->tick_timer);
	qb_loop_timer_add(d->loop, QB_LOOP_MED, 0, d, on_announce_timer, &d->announce_timer);
	vmha_notice("vmhad %s: host '%s' (node %" PRIu32 ") joined group '%s', mode %s, storage "
	            "heartbeat %s",
	            PACKAGE_VERSION, d->conf.host_name, vmha_corosync_local_nodeid(d->cs),
	            d->conf.group_name, vmha_hbconf_mode_name(d->conf.mode),
	            d->hb != NULL ? d->conf.storage_dir : "off");
out:
	return rc;
}

static void teardown(struct daemon *d)
{
	vmha_ipc_free(d->ipc);
	if (d->loop != NULL) {
		qb_loop_timer_del(d->loop, d->tick_timer);
		qb_loop_timer_del(d->loop, d->announce_timer);
	}
	vmha_selfguard_free(d->guard, protected_running_here(d));
	vmha_corosync_free(d->cs);
	if (d->loop != NULL) {
		qb_loop_destroy(d->loop);
	}
	if (vmha_storage_worker_free(d->storage)) {
		vmha_storage_hb_free(d->hb);
	}
	if (vmha_inv_worker_free(d->invw)) {
		vmha_inventory_free(d->inv);
	}
	vmha_msg_announce_clear(&d->last_inv);
	vmha_view_free(d->view);
	vmha_regload_free(d->rl, 1000);
	vmha_coordinator_free(d->co);
	d->fo = NULL;
	vmha_actuator_free(d->act);
	vmha_fence_config_free(d->fence_cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"foreground", no_argument, NULL, 'f'},
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	static struct daemon d;
	bool foreground = false;
	char err[512];
	int rc = 0;
	int c;

	d.conf_path = DEFAULT_CONF;
	while ((c = getopt_long(argc, argv, "fc:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'c':
			d.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("vmhad %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmhad: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	vmha_log_init("vmhad", foreground ? VMHA_LOG_TO_STDERR : VMHA_LOG_TO_SYSLOG);
	if (foreground) {
		/* millisecond timestamps: failover timelines are read from this log */
		qb_log_format_set(QB_LOG_STDERR, "%T %N[%P]: %p: %b");
	}
	rc = vmha_hbconf_load(d.conf_path, &d.conf, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (d.conf.log_level >= 0) {
		vmha_log_set_level(d.conf.log_level);
	}
	if (resolve_host_name(&d.conf) < 0) {
		vmha_err("this host's node name is not a valid vmha host name: set 'host_name' in "
		         "'%s'",
		         d.conf_path);
		d.exit_code = 2;
		goto out;
	}
	/* the proof rules, before any connection to the cluster */
	rc = vmha_wdfeed_check_config(&d.conf, d.conf_path, err, sizeof(err));
	if (rc < 0) {
		vmha_err("%s", err);
		d.exit_code = 2;
		goto out;
	}
	if (getrandom(&d.incarnation, sizeof(d.incarnation), 0) != sizeof(d.incarnation)) {
		d.incarnation = (uint64_t)getpid() << 20 ^ vmha_clock_now_ms();
	}
	d.incarnation &= ((uint64_t)1 << 52) - 1;
	d.incarnation |= 1;
	if (!foreground && daemon(0, 0) < 0) {
		vmha_err("cannot become a daemon: %s", strerror(errno));
		d.exit_code = EXIT_FAILURE;
		goto out;
	}
	d.started_ms = vmha_clock_now_ms();
	rc = setup(&d);
	if (rc < 0) {
		d.exit_code = d.exit_code != 0 ? d.exit_code : EXIT_FAILURE;
		goto out;
	}
	qb_loop_run(d.loop);
	vmha_notice("vmhad stopped");
out:
	teardown(&d);
	vmha_log_fini();
	return d.exit_code;
}
