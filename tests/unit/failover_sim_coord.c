/*
 * The simulation's engine "coordinator": heartbeat/view.c and
 * heartbeat/coordinator.c (around heartbeat/failover.c) wired as
 * heartbeat/vmhad.c wires them: deliver_message (the sender the view holds
 * for (nodeid, pid); what the view rejects stops there), run_actions
 * (HOST_DOWN: a registry read, sync_view, host_down), await_quorum after a
 * member left, the tick (storage readings, view tick, registry reload,
 * sync_view, coordinator tick) and the self-fence's choice of VMs (those the
 * table places on this host). vmhad.c is not linkable, so its glue is copied
 * here; keep the two in step.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <qb/qblog.h>

#include "failover_sim.h"
#include "failover_sim_engines.h"

#include "heartbeat/coordinator.h"
#include "heartbeat/failover.h"
#include "heartbeat/failover_msg.h"
#include "heartbeat/msg.h"
#include "heartbeat/regload.h"
#include "heartbeat/view.h"

struct coord {
	struct sim_member *m;
	const struct sim_settings *cfg;
	struct vmha_view *view;
	struct vmha_coordinator *co;
	struct vmha_failover *fo;
	uint64_t now;
	uint64_t seq;
	bool self_fenced;
	bool await_quorum;
	/* the last ring callback's sequence number */
	uint64_t ring_seq;
	uint64_t registry_loaded_ms;
};

/*
 * The member whose engine runs now: the engine's log (qb_log: refused
 * messages, the coordinator's events) goes to its lines of the trace.
 */
static struct coord *log_member;

static void log_to_trace(int32_t t, struct qb_log_callsite *cs, struct timespec *ts,
                         const char *msg)
{
	static const char *const levels[] = {"emerg", "alert",  "crit", "err",
	                                     "warn",  "notice", "info", "debug"};

	(void)t;
	(void)ts;
	if (log_member != NULL) {
		sim_note(log_member->m, "log %s: %s",
		         cs->priority <= LOG_DEBUG ? levels[cs->priority] : "trace", msg);
	}
}

/* Once per process: qb_log to the trace only (no syslog, no stderr). */
static void log_setup(void)
{
	static bool done;
	int32_t t;

	if (done) {
		return;
	}
	done = true;
	qb_log_init("failover_sim", LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
	t = qb_log_custom_open(log_to_trace, NULL, NULL, NULL);
	if (t < 0) {
		return;
	}
	qb_log_format_set(t, "%b");
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
}

static void uuid_of(const char *name, char *out, size_t size)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *name != '\0'; name++) {
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	}
	snprintf(out, size, "%08x-0000-4000-8000-%012" PRIx64, (unsigned int)(h >> 32),
	         (uint64_t)(h & 0xffffffffffffULL));
}

static int encode_announce(const char *host, uint64_t incarnation, uint64_t seq, bool synced,
                           const struct sim_settings *cfg, const struct sim_running *run, size_t n,
                           char **buf, size_t *len)
{
	struct vmha_announce a = {0};
	size_t i;
	int rc;

	snprintf(a.host, sizeof(a.host), "%s", host);
	a.incarnation = incarnation;
	a.seq = seq;
	a.synced = synced;
	a.cpus = cfg->host_cpus;
	a.memory_kib = cfg->host_memory_mib * 1024;
	a.memory_free_kib = a.memory_kib / 2;
	/* the safety settings vmhad announces: the world's watchdog resets a host
	 * not fed for self_fence_delay + 1 s (sim_world_tick) */
	a.has_safety = true;
	a.safety.fence_device = cfg->fence_device;
	a.safety.watchdog_timeout_ms = cfg->fence_device ? 0 : 1000;
	a.safety.self_fence_delay_ms = cfg->self_fence_delay_ms;
	a.vms = calloc(n + 1, sizeof(*a.vms));
	if (a.vms == NULL) {
		return -ENOMEM;
	}
	a.n_vms = n;
	for (i = 0; i < n; i++) {
		snprintf(a.vms[i].name, sizeof(a.vms[i].name), "%.64s", run[i].name);
		uuid_of(run[i].name, a.vms[i].uuid, sizeof(a.vms[i].uuid));
		a.vms[i].state = VMHA_VM_RUNNING;
		a.vms[i].vcpus = run[i].vcpus;
		a.vms[i].memory_kib = run[i].memory_mib * 1024;
	}
	rc = vmha_msg_encode(&a, buf, len);
	vmha_msg_announce_clear(&a);
	return rc;
}

int sim_forge_coordinator(enum sim_forge_kind k, const char *host, const char *vm, uint64_t nonce,
                          char **buf, size_t *len)
{
	static const struct sim_settings cfg = {.host_cpus = 32, .host_memory_mib = 32768};
	struct vmha_failover_msg m;
	struct sim_running run;

	memset(&m, 0, sizeof(m));
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.vm, sizeof(m.vm), "%s", vm);
	switch (k) {
	case SIM_FORGE_FENCED:
		snprintf(m.type, sizeof(m.type), "fenced");
		snprintf(m.text, sizeof(m.text), "agents");
		break;
	case SIM_FORGE_ASSIGN:
		snprintf(m.type, sizeof(m.type), "assign");
		snprintf(m.text, sizeof(m.text), "planned");
		m.gen = nonce % 100;
		break;
	case SIM_FORGE_START:
		snprintf(m.type, sizeof(m.type), "start");
		m.ok = (nonce & 1) != 0;
		break;
	case SIM_FORGE_DOWN:
		snprintf(m.type, sizeof(m.type), (nonce & 1) ? "down" : "skip");
		break;
	default:
		/* an announcement under another host's name: runs vm, or runs nothing */
		memset(&run, 0, sizeof(run));
		snprintf(run.name, sizeof(run.name), "%s", vm);
		run.vcpus = 1;
		run.memory_mib = 512;
		return encode_announce(host, (nonce >> 16) | 1, 1000000 + nonce % 1000,
		                       (nonce & 4) != 0, &cfg, &run, (nonce & 2) ? 1 : 0, buf, len);
	}
	return vmha_failover_msg_encode(&m, buf, len);
}

static void announce(struct coord *d)
{
	struct sim_running run[SIM_MAX_VMS];
	size_t n = sim_inventory(d->m, run, SIM_MAX_VMS);
	char *buf = NULL;
	size_t len = 0;

	if (encode_announce(sim_member_name(d->m), sim_member_incarnation(d->m), ++d->seq,
	                    vmha_failover_synced(d->fo), d->cfg, run, n, &buf, &len) == 0) {
		(void)sim_send(d->m, buf, len);
	}
	free(buf);
}

static int co_send(void *opaque, const void *buf, size_t len)
{
	struct coord *d = opaque;

	return sim_send(d->m, buf, len);
}

static int co_start(void *opaque, const char *vm)
{
	struct coord *d = opaque;

	sim_start_vm(d->m, vm);
	return 0;
}

static int co_fence(void *opaque, const char *host)
{
	struct coord *d = opaque;

	if (!d->cfg->fence_device) {
		return -ENODEV;
	}
	sim_fence_host(d->m, host);
	return 0;
}

static void co_remember(void *opaque, const char *kind, const char *host, const char *text)
{
	struct coord *d = opaque;

	sim_note(d->m, "remember %s '%s': %s", kind, host, text);
}

static void registry_refresh(struct coord *d)
{
	sim_registry_request(d->m);
	d->registry_loaded_ms = d->now;
}

static void run_actions(struct coord *d)
{
	struct vmha_view_action a;

	while (vmha_view_next_action(d->view, &a)) {
		switch (a.kind) {
		case VMHA_ACTION_EVENT:
			sim_note(d->m, "view: %s", a.text);
			break;
		case VMHA_ACTION_ANNOUNCE:
			announce(d);
			break;
		case VMHA_ACTION_HOST_DOWN:
			sim_note(d->m, "view decision: %s", a.text);
			registry_refresh(d);
			vmha_coordinator_sync_view(d->co, d->now, d->view);
			vmha_coordinator_host_down(d->co, d->now, a.host);
			break;
		case VMHA_ACTION_QUORUM_LOST:
			sim_note(d->m, "view: %s", a.text);
			break;
		}
	}
}

static void *c_start(struct sim_member *m)
{
	struct coord *d = calloc(1, sizeof(*d));
	struct vmha_view_config vc = {0};
	struct vmha_failover_config fc = {0};
	struct vmha_coordinator_ops ops = {0};

	if (d == NULL) {
		abort();
	}
	log_setup();
	d->m = m;
	log_member = d;
	d->cfg = sim_member_settings(m);
	vc.self_name = sim_member_name(m);
	vc.storage_enabled = d->cfg->storage_enabled;
	vc.storage_timeout_ms = d->cfg->storage_timeout_ms;
	d->view = vmha_view_new(&vc);
	if (d->view == NULL) {
		abort();
	}
	vmha_view_set_self_nodeid(d->view, sim_member_nodeid(m));
	fc.self_name = sim_member_name(m);
	fc.max_parallel_starts = 2;
	fc.fence_device = d->cfg->fence_device;
	fc.restart_delay_ms = d->cfg->restart_delay_ms;
	fc.fence_retry_ms = d->cfg->fence_retry_ms;
	fc.start_grace_ms = d->cfg->start_grace_ms;
	ops.opaque = d;
	ops.send = co_send;
	ops.start = co_start;
	ops.fence = co_fence;
	ops.remember = co_remember;
	d->co = vmha_coordinator_new(&fc, &ops);
	if (d->co == NULL) {
		abort();
	}
	d->fo = vmha_coordinator_failover(d->co);
	/* as vmhad: the cluster's hosts from corosync's nodelist */
	for (unsigned int i = 0; i < d->cfg->n_hosts && i < SIM_MAX_HOSTS; i++) {
		char name[SIM_NAME_SIZE];

		snprintf(name, sizeof(name), "h%u", i + 1);
		vmha_failover_cluster_host(d->fo, name);
	}
	registry_refresh(d);
	return d;
}

static void c_stop(void *e)
{
	struct coord *d = e;

	if (d == NULL) {
		return;
	}
	log_member = d;
	vmha_coordinator_free(d->co);
	vmha_view_free(d->view);
	free(d);
	log_member = NULL;
}

/* As vmhad.c: quorum is unknown until votequorum reports on ring_seq. */
static void await_quorum(struct coord *d, uint64_t ring_seq)
{
	vmha_coordinator_await_quorum(d->co, ring_seq);
	d->await_quorum = true;
}

/* As vmhad.c: whether members came or went with their node (a new ring). */
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

static void c_ring(void *e, uint64_t now, uint64_t ring_seq, const uint32_t *nodes, size_t n)
{
	struct coord *d = e;

	d->now = now;
	log_member = d;
	/* a new ring: votequorum decides again; nothing acts on the quorum before */
	d->ring_seq = ring_seq;
	await_quorum(d, ring_seq);
	vmha_view_ring(d->view, now, nodes[0], ring_seq, nodes, n);
	run_actions(d);
	/* before the quorum of this ring: nodes that came into it */
	vmha_coordinator_sync_view(d->co, now, d->view);
}

static void to_members(const struct sim_proc *in, size_t n, struct vmha_member *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].nodeid = in[i].nodeid;
		out[i].pid = in[i].pid;
		out[i].reason = (enum vmha_cpg_reason)in[i].reason;
	}
}

static void c_confchg(void *e, uint64_t now, const struct sim_proc *members, size_t n_members,
                      const struct sim_proc *left, size_t n_left, const struct sim_proc *joined,
                      size_t n_joined)
{
	struct coord *d = e;
	struct vmha_member mm[SIM_MAX_PROCS], ml[SIM_MAX_PROCS], mj[SIM_MAX_PROCS];

	memset(mm, 0, sizeof(mm));
	memset(ml, 0, sizeof(ml));
	memset(mj, 0, sizeof(mj));
	d->now = now;
	log_member = d;
	to_members(members, n_members, mm);
	to_members(left, n_left, ml);
	to_members(joined, n_joined, mj);
	if (ring_changed(ml, n_left) || ring_changed(mj, n_joined)) {
		await_quorum(d, d->ring_seq + 1);
	}
	vmha_view_confchg(d->view, now, mm, n_members, ml, n_left, mj, n_joined);
	run_actions(d);
	vmha_coordinator_sync_view(d->co, now, d->view);
}

static void c_quorum(void *e, uint64_t now, bool quorate)
{
	struct coord *d = e;

	d->now = now;
	log_member = d;
	if (quorate) {
		d->self_fenced = false;
		vmha_coordinator_set_self_fenced(d->co, false);
	}
	/* the coordinator first: the view's decisions that waited for quorum follow */
	vmha_coordinator_set_quorum_ring(d->co, now, quorate, 0);
	vmha_view_quorum(d->view, now, quorate);
	run_actions(d);
	if (d->await_quorum && vmha_coordinator_quorum_known(d->co)) {
		d->await_quorum = false;
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
}

static void c_message(void *e, uint64_t now, uint32_t nodeid, uint32_t pid, const void *buf,
                      size_t len)
{
	struct coord *d = e;
	const struct vmha_announce *a = NULL;
	struct vmha_failover_msg m;
	int rc;

	d->now = now;
	log_member = d;
	rc = vmha_coordinator_deliver(d->co, now, vmha_view_sender_host(d->view, nodeid, pid), buf,
	                              len, &m);
	if (rc == 0 && strcmp(m.type, "fenced") == 0) {
		vmha_view_fenced(d->view, now, m.host);
		run_actions(d);
	}
	if (rc != -ENOMSG) {
		return;
	}
	if (vmha_view_message(d->view, now, nodeid, pid, buf, len) < 0) {
		run_actions(d);
		return;
	}
	run_actions(d);
	a = vmha_view_sender_announce(d->view, nodeid, pid);
	if (a != NULL) {
		vmha_coordinator_announce(d->co, now, a);
		vmha_coordinator_sync_view(d->co, now, d->view);
	}
}

static void c_tick(void *e, uint64_t now, const struct sim_slot *slots, size_t n)
{
	struct coord *d = e;
	size_t i;

	d->now = now;
	log_member = d;
	for (i = 0; i < n; i++) {
		unsigned int f =
		        ((slots[i].flags & SIM_SLOT_QUORATE) ? VMHA_SLOT_QUORATE : 0) |
		        ((slots[i].flags & SIM_SLOT_SELF_FENCED) ? VMHA_SLOT_SELF_FENCED : 0);

		vmha_view_storage(d->view, now, slots[i].host, slots[i].incarnation, slots[i].seq,
		                  f);
	}
	/* no timeout: never decide on the quorum of the membership before (vmhad
	 * only warns after a second) */
	if (!d->await_quorum) {
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
	if (now - d->registry_loaded_ms >= d->cfg->registry_reload_ms) {
		registry_refresh(d);
	}
	vmha_coordinator_sync_view(d->co, now, d->view);
	vmha_coordinator_tick(d->co, now);
}

static void c_announce(void *e, uint64_t now)
{
	struct coord *d = e;

	d->now = now;
	log_member = d;
	announce(d);
}

static int cmp_spec(const void *a, const void *b)
{
	return strcmp(((const struct vmha_failover_vm *)a)->name,
	              ((const struct vmha_failover_vm *)b)->name);
}

static void c_registry(void *e, uint64_t now, uint64_t seq, const struct sim_vm_spec *vms, size_t n)
{
	struct coord *d = e;
	struct vmha_regload_snapshot snap;
	struct vmha_failover_vm specs[SIM_MAX_VMS];
	size_t i;

	d->now = now;
	log_member = d;
	memset(&snap, 0, sizeof(snap));
	memset(specs, 0, sizeof(specs));
	for (i = 0; i < n && i < SIM_MAX_VMS; i++) {
		snprintf(specs[i].name, sizeof(specs[i].name), "%s", vms[i].name);
		specs[i].priority = vms[i].priority;
		specs[i].restart = true;
		specs[i].vcpus = vms[i].vcpus;
		specs[i].memory_mib = vms[i].memory_mib;
	}
	qsort(specs, i, sizeof(specs[0]), cmp_spec);
	snap.seq = seq;
	snap.n_vms = i;
	snap.vms = specs;
	vmha_coordinator_apply_registry(d->co, &snap);
}

static void c_start_done(void *e, uint64_t now, const char *vm, bool ok, bool unknown,
                         const char *text)
{
	struct coord *d = e;

	d->now = now;
	log_member = d;
	vmha_coordinator_start_done(d->co, now, vm, ok, unknown, text);
}

static void c_fence_done(void *e, uint64_t now, const char *host, bool ok)
{
	struct coord *d = e;

	d->now = now;
	log_member = d;
	vmha_coordinator_fence_done(d->co, now, host, ok, ok ? "agents" : "fence device failed");
}

static size_t c_self_fence(void *e, uint64_t now, char (*vms)[SIM_NAME_SIZE], size_t max)
{
	struct coord *d = e;
	size_t n = 0;
	size_t i;

	d->now = now;
	log_member = d;
	for (i = 0; i < vmha_failover_vm_count(d->fo) && n < max; i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);
		const char *where = vmha_failover_vm_location(d->fo, name);

		if (where != NULL && strcmp(where, sim_member_name(d->m)) == 0) {
			snprintf(vms[n++], SIM_NAME_SIZE, "%s", name);
		}
	}
	d->self_fenced = true;
	vmha_coordinator_set_self_fenced(d->co, true);
	sim_note(d->m, "self-fenced: %zu protected vms stopped", n);
	return n;
}

static unsigned int c_slot_flags(void *e)
{
	struct coord *d = e;

	return (vmha_view_is_quorate(d->view) ? SIM_SLOT_QUORATE : 0) |
	       (d->self_fenced ? SIM_SLOT_SELF_FENCED : 0);
}

const struct sim_engine_ops sim_engine_coordinator = {
        .name = "coordinator",
        .start = c_start,
        .stop = c_stop,
        .ring = c_ring,
        .confchg = c_confchg,
        .quorum = c_quorum,
        .message = c_message,
        .tick = c_tick,
        .announce = c_announce,
        .registry = c_registry,
        .start_done = c_start_done,
        .fence_done = c_fence_done,
        .self_fence = c_self_fence,
        .slot_flags = c_slot_flags,
        .forge = sim_forge_coordinator,
};
