/*
 * The simulation's engine "legacy": heartbeat/view.c and heartbeat/failover.c
 * wired exactly as heartbeat/vmhad.c wired them at commit 679f3bc (its
 * deliver_message, on_host_down/coordinate, the registry hold, await_quorum,
 * on_actuator_result), copied here because vmhad.c is not linkable. Kept to
 * show what the simulation finds in that wiring (VMHA_SIM_ENGINE=legacy).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_sim.h"
#include "failover_sim_engines.h"

#ifdef SIM_HAVE_LEGACY

#include "heartbeat/failover.h"
#include "heartbeat/msg.h"
#include "heartbeat/view.h"

#define MAX_DOWN          32
#define REGISTRY_WAIT_MS  2000
#define REGISTRY_RELOAD_MS 5000
#define AWAIT_QUORUM_MS   1000
#define FENCE_RETRY_MS    5000

struct down_host {
	char host[VMHA_NAME_SIZE];
	uint64_t down_ms;
	bool fencing;
	uint64_t retry_ms;
	bool announced;
};

enum in_kind {
	IN_ANNOUNCE,
	IN_MESSAGE,
	IN_DOWN,
};

struct held {
	enum in_kind kind;
	char *buf;
	size_t len;
	bool online;
	struct vmha_failover_msg m;
	char host[VMHA_NAME_SIZE];
	bool coordinator;
	struct held *next;
};

struct legacy {
	struct sim_member *m;
	const struct sim_settings *cfg;
	struct vmha_view *view;
	struct vmha_failover *fo;
	uint64_t now;
	uint64_t seq;
	bool self_fenced;
	bool await_quorum;
	uint64_t await_since_ms;
	bool registry_waiting;
	uint64_t registry_wait_seq;
	uint64_t registry_wait_since_ms;
	uint64_t registry_loaded_ms;
	struct held *held_head;
	struct held *held_tail;
	struct down_host down[MAX_DOWN];
	size_t n_down;
};

static void run_actions(struct legacy *d);

static void uuid_of(const char *name, char *out, size_t size)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *name != '\0'; name++) {
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	}
	snprintf(out, size, "%08x-0000-4000-8000-%012" PRIx64, (unsigned int)(h >> 32),
	         (uint64_t)(h & 0xffffffffffffULL));
}

int sim_forge_v1(enum sim_forge_kind k, const char *host, const char *vm, uint64_t nonce,
                 char **buf, size_t *len)
{
	struct vmha_failover_msg m;
	struct vmha_announce a = {0};
	struct vmha_vm_info vi;
	int rc;

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
		snprintf(m.text, sizeof(m.text), "capacity appeared");
		break;
	case SIM_FORGE_START:
		snprintf(m.type, sizeof(m.type), "start");
		m.ok = (nonce & 1) != 0;
		break;
	case SIM_FORGE_DOWN:
		return -ENOTSUP;
	default:
		snprintf(a.host, sizeof(a.host), "%s", host);
		a.incarnation = (nonce >> 16) | 1;
		a.seq = 1000000 + (nonce % 1000);
		a.cpus = 32;
		a.memory_kib = 32768 * 1024;
		if (nonce & 2) {
			memset(&vi, 0, sizeof(vi));
			snprintf(vi.name, sizeof(vi.name), "%s", vm);
			uuid_of(vm, vi.uuid, sizeof(vi.uuid));
			vi.state = VMHA_VM_RUNNING;
			vi.vcpus = 1;
			vi.memory_kib = 512 * 1024;
			a.vms = &vi;
			a.n_vms = 1;
		}
		rc = vmha_msg_encode(&a, buf, len);
		return rc;
	}
	return vmha_failover_msg_encode(&m, buf, len);
}

static void announce(struct legacy *d)
{
	struct sim_running run[64];
	size_t n = sim_inventory(d->m, run, 64);
	struct vmha_announce a = {0};
	char *buf = NULL;
	size_t len = 0;
	size_t i;

	snprintf(a.host, sizeof(a.host), "%s", sim_member_name(d->m));
	a.incarnation = sim_member_incarnation(d->m);
	a.seq = ++d->seq;
	a.cpus = d->cfg->host_cpus;
	a.memory_kib = d->cfg->host_memory_mib * 1024;
	a.memory_free_kib = a.memory_kib / 2;
	a.vms = calloc(n + 1, sizeof(*a.vms));
	if (a.vms == NULL) {
		return;
	}
	a.n_vms = n;
	for (i = 0; i < n; i++) {
		snprintf(a.vms[i].name, sizeof(a.vms[i].name), "%.64s", run[i].name);
		uuid_of(run[i].name, a.vms[i].uuid, sizeof(a.vms[i].uuid));
		a.vms[i].state = VMHA_VM_RUNNING;
		a.vms[i].vcpus = run[i].vcpus;
		a.vms[i].memory_kib = run[i].memory_mib * 1024;
	}
	if (vmha_msg_encode(&a, &buf, &len) == 0) {
		sim_send(d->m, buf, len);
	}
	free(buf);
	vmha_msg_announce_clear(&a);
}

static void send_failover(struct legacy *d, const struct vmha_failover_msg *m)
{
	char *buf = NULL;
	size_t len = 0;

	if (vmha_failover_msg_encode(m, &buf, &len) == 0) {
		sim_send(d->m, buf, len);
	}
	free(buf);
}

static void send_fenced(struct legacy *d, const char *host, const char *how)
{
	struct vmha_failover_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "fenced");
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.text, sizeof(m.text), "%s", how);
	send_failover(d, &m);
}

static bool is_coordinator(struct legacy *d)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < vmha_failover_host_count(d->fo); i++) {
		const char *h = vmha_failover_host_name(d->fo, i);

		if (vmha_view_host_state(d->view, h) == VMHA_HOST_ONLINE &&
		    (best == NULL || strcmp(h, best) < 0)) {
			best = h;
		}
	}
	return best != NULL && strcmp(best, sim_member_name(d->m)) == 0;
}

static void run_failover_actions(struct legacy *d)
{
	struct vmha_failover_action a;

	while (vmha_failover_next_action(d->fo, &a)) {
		switch (a.kind) {
		case VMHA_FAILOVER_EVENT:
			sim_note(d->m, "failover: %s", a.text);
			break;
		case VMHA_FAILOVER_FENCE:
			sim_note(d->m, "failover: %s", a.text);
			break;
		case VMHA_FAILOVER_START:
			sim_start_vm(d->m, a.vm);
			break;
		case VMHA_FAILOVER_STRANDED:
			sim_note(d->m, "failover: %s", a.text);
			break;
		case VMHA_FAILOVER_ASSIGN: {
			struct vmha_failover_msg m;

			memset(&m, 0, sizeof(m));
			snprintf(m.type, sizeof(m.type), "assign");
			snprintf(m.host, sizeof(m.host), "%s", a.host);
			snprintf(m.vm, sizeof(m.vm), "%s", a.vm);
			snprintf(m.text, sizeof(m.text), "capacity appeared");
			send_failover(d, &m);
			break;
		}
		}
	}
}

static void apply(struct legacy *d, const struct held *in)
{
	struct vmha_announce a = {0};
	char err[256];

	vmha_failover_set_coordinator(d->fo, is_coordinator(d));
	switch (in->kind) {
	case IN_ANNOUNCE:
		if (vmha_msg_decode(in->buf, in->len, &a, err, sizeof(err)) == 0) {
			vmha_failover_announce(d->fo, d->now, &a);
			vmha_failover_host_online(d->fo, a.host, in->online);
			vmha_msg_announce_clear(&a);
		}
		break;
	case IN_MESSAGE:
		vmha_failover_message(d->fo, d->now, &in->m);
		break;
	case IN_DOWN:
		vmha_failover_host_down(d->fo, d->now, in->host, in->coordinator);
		break;
	}
	run_failover_actions(d);
}

static void input(struct legacy *d, const struct held *in)
{
	struct held *copy = NULL;

	if (!d->registry_waiting) {
		apply(d, in);
		return;
	}
	copy = calloc(1, sizeof(*copy));
	if (copy == NULL) {
		abort();
	}
	*copy = *in;
	copy->next = NULL;
	copy->buf = NULL;
	if (in->buf != NULL) {
		copy->buf = malloc(in->len);
		if (copy->buf == NULL) {
			abort();
		}
		memcpy(copy->buf, in->buf, in->len);
	}
	if (d->held_tail != NULL) {
		d->held_tail->next = copy;
	} else {
		d->held_head = copy;
	}
	d->held_tail = copy;
}

static void release_held(struct legacy *d)
{
	d->registry_waiting = false;
	while (d->held_head != NULL && !d->registry_waiting) {
		struct held *in = d->held_head;

		d->held_head = in->next;
		if (d->held_head == NULL) {
			d->held_tail = NULL;
		}
		apply(d, in);
		free(in->buf);
		free(in);
	}
}

static void registry_refresh(struct legacy *d, bool hold)
{
	uint64_t seq = sim_registry_request(d->m);

	d->registry_loaded_ms = d->now;
	if (hold && !d->registry_waiting) {
		d->registry_waiting = true;
		d->registry_wait_seq = seq;
		d->registry_wait_since_ms = d->now;
	}
}

static struct down_host *find_down(struct legacy *d, const char *host)
{
	size_t i;

	for (i = 0; i < d->n_down; i++) {
		if (strcmp(d->down[i].host, host) == 0) {
			return &d->down[i];
		}
	}
	return NULL;
}

static void coordinate(struct legacy *d)
{
	size_t i;
	bool coord = is_coordinator(d);

	for (i = 0; i < d->n_down;) {
		if (vmha_view_host_state(d->view, d->down[i].host) == VMHA_HOST_ONLINE &&
		    !d->down[i].fencing) {
			d->down[i] = d->down[--d->n_down];
		} else {
			i++;
		}
	}
	for (i = 0; coord && vmha_view_is_quorate(d->view) && i < vmha_failover_host_count(d->fo);
	     i++) {
		const char *h = vmha_failover_host_name(d->fo, i);

		if (vmha_view_host_state(d->view, h) == VMHA_HOST_FENCED &&
		    !vmha_failover_host_is_fenced(d->fo, h) && find_down(d, h) == NULL) {
			if (d->n_down < MAX_DOWN) {
				memset(&d->down[d->n_down], 0, sizeof(d->down[0]));
				snprintf(d->down[d->n_down].host, VMHA_NAME_SIZE, "%s", h);
				d->down[d->n_down].down_ms = d->now;
				d->down[d->n_down].announced = true;
				d->n_down++;
			}
			send_fenced(d, h, "self-fenced: its storage slot says so");
		}
	}
	for (i = 0; i < d->n_down; i++) {
		struct down_host *dh = &d->down[i];

		if (vmha_failover_host_is_fenced(d->fo, dh->host)) {
			continue;
		}
		if (!coord || dh->announced || !vmha_view_is_quorate(d->view)) {
			continue;
		}
		if (vmha_view_host_state(d->view, dh->host) == VMHA_HOST_FENCED) {
			send_fenced(d, dh->host, "self-fenced: its storage slot says so");
			dh->announced = true;
		} else if (d->cfg->fence_device && !dh->fencing && d->now >= dh->retry_ms) {
			sim_fence_host(d->m, dh->host);
			dh->fencing = true;
		} else if (!d->cfg->fence_device && d->now - dh->down_ms >= d->cfg->restart_delay_ms) {
			send_fenced(d, dh->host, "restart delay passed without a fence device");
			dh->announced = true;
		}
	}
}

static void on_host_down(struct legacy *d, const char *host)
{
	struct down_host *dh = find_down(d, host);
	struct held in;

	if (dh == NULL && d->n_down < MAX_DOWN) {
		dh = &d->down[d->n_down++];
		memset(dh, 0, sizeof(*dh));
		snprintf(dh->host, sizeof(dh->host), "%s", host);
	}
	if (dh != NULL) {
		dh->down_ms = d->now;
		dh->announced = false;
	}
	memset(&in, 0, sizeof(in));
	in.kind = IN_DOWN;
	snprintf(in.host, sizeof(in.host), "%s", host);
	in.coordinator = is_coordinator(d);
	input(d, &in);
	coordinate(d);
}

static void run_actions(struct legacy *d)
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
			sim_note(d->m, "view: %s", a.text);
			on_host_down(d, a.host);
			break;
		case VMHA_ACTION_QUORUM_LOST:
			sim_note(d->m, "view: %s", a.text);
			break;
		}
	}
}

static void *l_start(struct sim_member *m)
{
	struct legacy *d = calloc(1, sizeof(*d));
	struct vmha_view_config vc = {0};
	struct vmha_failover_config fc = {0};

	if (d == NULL) {
		abort();
	}
	d->m = m;
	d->cfg = sim_member_settings(m);
	vc.self_name = sim_member_name(m);
	vc.storage_enabled = d->cfg->storage_enabled;
	vc.storage_timeout_ms = d->cfg->storage_timeout_ms;
	d->view = vmha_view_new(&vc);
	vmha_view_set_self_nodeid(d->view, sim_member_nodeid(m));
	fc.self_name = sim_member_name(m);
	fc.max_parallel_starts = 2;
	d->fo = vmha_failover_new(&fc);
	if (d->view == NULL || d->fo == NULL) {
		abort();
	}
	registry_refresh(d, false);
	return d;
}

static void l_stop(void *e)
{
	struct legacy *d = e;

	if (d == NULL) {
		return;
	}
	while (d->held_head != NULL) {
		struct held *in = d->held_head;

		d->held_head = in->next;
		free(in->buf);
		free(in);
	}
	vmha_view_free(d->view);
	vmha_failover_free(d->fo);
	free(d);
}

static void l_ring(void *e, uint64_t now, uint64_t ring_seq, const uint32_t *nodes, size_t n)
{
	struct legacy *d = e;

	d->now = now;
	vmha_view_ring(d->view, now, nodes[0], ring_seq, nodes, n);
	run_actions(d);
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

static void l_confchg(void *e, uint64_t now, const struct sim_proc *members, size_t n_members,
                      const struct sim_proc *left, size_t n_left, const struct sim_proc *joined,
                      size_t n_joined)
{
	struct legacy *d = e;
	struct vmha_member mm[SIM_MAX_PROCS], ml[SIM_MAX_PROCS], mj[SIM_MAX_PROCS];

	memset(mm, 0, sizeof(mm));
	memset(ml, 0, sizeof(ml));
	memset(mj, 0, sizeof(mj));

	d->now = now;
	to_members(members, n_members, mm);
	to_members(left, n_left, ml);
	to_members(joined, n_joined, mj);
	vmha_view_confchg(d->view, now, mm, n_members, ml, n_left, mj, n_joined);
	run_actions(d);
	if (n_left > 0) {
		d->await_quorum = true;
		d->await_since_ms = now;
	}
}

static void l_quorum(void *e, uint64_t now, bool quorate)
{
	struct legacy *d = e;

	d->now = now;
	if (quorate) {
		d->self_fenced = false;
	}
	vmha_view_quorum(d->view, now, quorate);
	run_actions(d);
	if (d->await_quorum) {
		d->await_quorum = false;
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
}

static void l_message(void *e, uint64_t now, uint32_t nodeid, uint32_t pid, const void *buf,
                      size_t len)
{
	struct legacy *d = e;
	struct held in;
	struct vmha_announce a = {0};
	char err[256];
	int rc;

	d->now = now;
	memset(&in, 0, sizeof(in));
	rc = vmha_failover_msg_decode(buf, len, &in.m, err, sizeof(err));
	if (rc == -ENOMSG) {
		vmha_view_message(d->view, now, nodeid, pid, buf, len);
		run_actions(d);
		if (vmha_msg_decode(buf, len, &a, err, sizeof(err)) == 0) {
			in.kind = IN_ANNOUNCE;
			in.buf = (char *)buf;
			in.len = len;
			in.online = vmha_view_host_state(d->view, a.host) == VMHA_HOST_ONLINE;
			vmha_msg_announce_clear(&a);
			input(d, &in);
		}
		return;
	}
	if (rc < 0) {
		return;
	}
	if (strcmp(in.m.type, "fenced") == 0) {
		vmha_view_fenced(d->view, now, in.m.host);
		run_actions(d);
		registry_refresh(d, true);
	}
	in.kind = IN_MESSAGE;
	input(d, &in);
}

static void l_tick(void *e, uint64_t now, const struct sim_slot *slots, size_t n)
{
	struct legacy *d = e;
	size_t i;

	d->now = now;
	for (i = 0; i < n; i++) {
		unsigned int f = ((slots[i].flags & SIM_SLOT_QUORATE) ? VMHA_SLOT_QUORATE : 0) |
		                 ((slots[i].flags & SIM_SLOT_SELF_FENCED) ? VMHA_SLOT_SELF_FENCED : 0);

		vmha_view_storage(d->view, now, slots[i].host, slots[i].incarnation, slots[i].seq, f);
	}
	if (d->await_quorum && now - d->await_since_ms >= AWAIT_QUORUM_MS) {
		d->await_quorum = false;
	}
	if (!d->await_quorum) {
		vmha_view_tick(d->view, now);
		run_actions(d);
	}
	if (d->registry_waiting && now - d->registry_wait_since_ms >= REGISTRY_WAIT_MS) {
		release_held(d);
		run_failover_actions(d);
	}
	if (now - d->registry_loaded_ms >= REGISTRY_RELOAD_MS) {
		registry_refresh(d, false);
	}
	coordinate(d);
}

static void l_announce(void *e, uint64_t now)
{
	struct legacy *d = e;

	d->now = now;
	announce(d);
}

static void l_registry(void *e, uint64_t now, uint64_t seq, const struct sim_vm_spec *vms, size_t n)
{
	struct legacy *d = e;
	size_t i;
	size_t j;

	d->now = now;
	for (i = 0; i < n; i++) {
		struct vmha_failover_vm v;

		memset(&v, 0, sizeof(v));
		snprintf(v.name, sizeof(v.name), "%s", vms[i].name);
		v.priority = vms[i].priority;
		v.restart = true;
		v.vcpus = vms[i].vcpus;
		v.memory_mib = vms[i].memory_mib;
		vmha_failover_protect(d->fo, &v);
	}
	for (i = 0; i < vmha_failover_vm_count(d->fo); i++) {
		const char *name = vmha_failover_vm_name(d->fo, i);
		bool listed = false;

		if (!vmha_failover_is_protected(d->fo, name)) {
			continue;
		}
		for (j = 0; j < n && !listed; j++) {
			listed = strcmp(vms[j].name, name) == 0;
		}
		if (!listed) {
			vmha_failover_unprotect(d->fo, name);
		}
	}
	if (d->registry_waiting && seq >= d->registry_wait_seq) {
		release_held(d);
	}
	run_failover_actions(d);
}

static void l_start_done(void *e, uint64_t now, const char *vm, bool ok, const char *text)
{
	struct legacy *d = e;
	struct vmha_failover_msg m;

	d->now = now;
	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "start");
	snprintf(m.host, sizeof(m.host), "%s", sim_member_name(d->m));
	snprintf(m.vm, sizeof(m.vm), "%s", vm);
	m.ok = ok;
	snprintf(m.text, sizeof(m.text), "%s", text);
	send_failover(d, &m);
}

static void l_fence_done(void *e, uint64_t now, const char *host, bool ok)
{
	struct legacy *d = e;
	struct down_host *dh = find_down(d, host);

	d->now = now;
	if (dh != NULL) {
		dh->fencing = false;
	}
	if (!ok) {
		if (dh != NULL) {
			dh->retry_ms = now + FENCE_RETRY_MS;
		}
		return;
	}
	if (dh != NULL) {
		dh->announced = true;
	}
	send_fenced(d, host, "agents");
}

static void l_self_fenced(void *e, uint64_t now)
{
	struct legacy *d = e;

	d->now = now;
	d->self_fenced = true;
}

static unsigned int l_slot_flags(void *e)
{
	struct legacy *d = e;

	return (vmha_view_is_quorate(d->view) ? SIM_SLOT_QUORATE : 0) |
	       (d->self_fenced ? SIM_SLOT_SELF_FENCED : 0);
}

const struct sim_engine_ops sim_engine_legacy = {
        .name = "legacy",
        .start = l_start,
        .stop = l_stop,
        .ring = l_ring,
        .confchg = l_confchg,
        .quorum = l_quorum,
        .message = l_message,
        .tick = l_tick,
        .announce = l_announce,
        .registry = l_registry,
        .start_done = l_start_done,
        .fence_done = l_fence_done,
        .self_fenced = l_self_fenced,
        .slot_flags = l_slot_flags,
        .forge = sim_forge_v1,
};

#endif /* SIM_HAVE_LEGACY */
