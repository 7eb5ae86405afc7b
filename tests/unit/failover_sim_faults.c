/*
 * The faults of the failover simulation (crashes, partitions and merges,
 * rogue CPG processes, registry edits, storage and dispatch stalls), the
 * watchdog, the heal phase, the end-of-run liveness check, and the knobs
 * drawn from a seed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_sim_world.h"

enum fault_kind {
	F_NODE_CRASH = 0,
	F_VMHAD_CRASH,
	F_COORD_CRASH,
	F_PARTITION,
	F_MERGE,
	F_ROGUE,
	F_REGISTRY,
	F_SLOT_STALL,
	F_DISPATCH_STALL,
	F_AIMED = SIM_FAULT_AIMED,
	F_COUNT,
};

static const char *const fault_names[F_COUNT] = {
        "node-crash", "vmhad-crash", "coordinator-crash", "partition",      "merge",
        "rogue",      "registry",    "slot-stall",        "dispatch-stall", "aimed",
};

/* F_AIMED is not drawn: it arms the faults aimed at starts, fences and decisions */
static const unsigned int fault_weights[F_COUNT] = {2, 2, 3, 4, 4, 3, 4, 2, 2, 0};

static size_t random_up_member(struct sim *s)
{
	size_t cand[SIM_MAX_HOSTS];
	size_t n = 0;
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].up && s->hosts[h].m.alive) {
			cand[n++] = h;
		}
	}
	return n == 0 ? SIZE_MAX : cand[sim_range(s, 0, n - 1)];
}

/* Faults keep a majority of the nodes up and together: a total outage loses the table. */
static size_t up_count(struct sim *s)
{
	size_t n = 0;
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		n += s->hosts[h].up ? 1 : 0;
	}
	return n;
}

static bool may_crash_node(struct sim *s)
{
	return (up_count(s) - 1) * 2 > s->n_hosts;
}

static void trace_sides(struct sim *s, const char *what)
{
	char line[256] = "";
	size_t used = 0;
	int side;
	size_t h;

	for (side = 0; side < SIM_MAX_SIDES; side++) {
		bool any = false;

		for (h = 0; h < s->n_hosts; h++) {
			if (s->hosts[h].side != side) {
				continue;
			}
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s%s",
			                         any ? " " : (used ? " | " : ""), s->hosts[h].name,
			                         s->hosts[h].up ? "" : "(down)");
			any = true;
			if (used >= sizeof(line)) {
				used = sizeof(line) - 1;
			}
		}
	}
	sim_trace(s, "world: %s: %s", what, line);
}

static void partition(struct sim *s)
{
	int counts[SIM_MAX_SIDES] = {0};
	int side = -1;
	int fresh = -1;
	unsigned int mask;
	size_t in_side[SIM_MAX_HOSTS];
	size_t n = 0;
	size_t h;
	int i;

	for (h = 0; h < s->n_hosts; h++) {
		counts[s->hosts[h].side]++;
	}
	for (i = 0; i < SIM_MAX_SIDES; i++) {
		if (counts[i] >= 2 && (side < 0 || counts[i] > counts[side])) {
			side = i;
		}
		if (counts[i] == 0 && fresh < 0) {
			fresh = i;
		}
	}
	if (side < 0 || fresh < 0) {
		return;
	}
	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].side == side) {
			in_side[n++] = h;
		}
	}
	mask = (unsigned int)sim_range(s, 1, (1u << n) - 2);
	{
		size_t up_a = 0;
		size_t up_b = 0;

		for (i = 0; i < (int)n; i++) {
			if (s->hosts[in_side[i]].up) {
				*((mask & (1u << i)) ? &up_b : &up_a) += 1;
			}
		}
		if (up_a * 2 <= s->n_hosts && up_b * 2 <= s->n_hosts) {
			return; /* no side would keep quorum */
		}
	}
	for (i = 0; i < (int)n; i++) {
		if (mask & (1u << i)) {
			s->hosts[in_side[i]].side = fresh;
		}
	}
	trace_sides(s, "network partition");
	sim_resync(s);
}

static void merge(struct sim *s)
{
	int used[SIM_MAX_SIDES];
	int n = 0;
	int a;
	int b;
	int i;
	size_t h;

	for (i = 0; i < SIM_MAX_SIDES; i++) {
		for (h = 0; h < s->n_hosts && s->hosts[h].side != i; h++) {
		}
		if (h < s->n_hosts) {
			used[n++] = i;
		}
	}
	if (n < 2) {
		return;
	}
	a = used[sim_range(s, 0, (uint64_t)n - 1)];
	do {
		b = used[sim_range(s, 0, (uint64_t)n - 1)];
	} while (b == a);
	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].side == b) {
			s->hosts[h].side = a;
		}
	}
	trace_sides(s, "partitions merge");
	sim_resync(s);
}

static void rogues_of(struct sim *s, size_t h)
{
	size_t i;

	for (i = 0; i < s->n_procs; i++) {
		if (s->procs[i].alive && s->procs[i].rogue && s->procs[i].host == h) {
			sim_rogue_leave(s, i);
		}
	}
}

static void vmhad_crash(struct sim *s, size_t h)
{
	if (h == SIZE_MAX) {
		return;
	}
	/* a rogue is not trusted as the host's vmhad after the real one went */
	rogues_of(s, h);
	sim_vmhad_stop(s, h, "crash");
	sim_at(s, s->now + sim_range(s, 500, 15000), EV_VMHAD_START, h, 0, s->hosts[h].boot_epoch,
	       0);
}

/* A vmhad killed after a lost send: restarted like after a crash. */
void sim_vmhad_kill(struct sim *s, size_t h)
{
	vmhad_crash(s, h);
}

static void rogue(struct sim *s)
{
	size_t h = random_up_member(s);
	uint32_t pid;
	size_t k;
	size_t n;

	if (h == SIZE_MAX) {
		return;
	}
	if (sim_chance(s, 600)) {
		/* on the node of the coordinator: same nodeid, another pid */
		h = sim_coordinator_guess(s, s->hosts[h].side);
	}
	pid = s->next_pid++;
	sim_add_proc(s, h, pid, true);
	sim_trace(s, "world: rogue process pid %" PRIu32 " on node %s joins the group", pid,
	          s->hosts[h].name);
	sim_resync(s);
	n = sim_range(s, 1, 4);
	for (k = 0; k < n; k++) {
		sim_at(s, s->now + sim_range(s, 10, 4000), EV_ROGUE_SEND, s->n_procs - 1, 0, 0, 0);
	}
	sim_at(s, s->now + sim_range(s, 4000, 9000), EV_ROGUE_LEAVE, s->n_procs - 1, 0, 0, 0);
}

/* Cut h off with a minority of the others (the rest keeps quorum if it can). */
static void isolate(struct sim *s, size_t h)
{
	int used[SIM_MAX_SIDES] = {0};
	int fresh = -1;
	size_t n_up = 0;
	size_t taken = 1;
	size_t k;
	int i;

	for (k = 0; k < s->n_hosts; k++) {
		used[s->hosts[k].side] = 1;
		n_up += s->hosts[k].up ? 1 : 0;
	}
	for (i = 0; i < SIM_MAX_SIDES && fresh < 0; i++) {
		if (!used[i]) {
			fresh = i;
		}
	}
	if (fresh < 0 || !s->hosts[h].up) {
		return;
	}
	s->hosts[h].side = fresh;
	for (k = 0; k < s->n_hosts; k++) {
		if (k != h && s->hosts[k].up && (taken + 1) * 2 < s->n_hosts &&
		    sim_chance(s, 300)) {
			s->hosts[k].side = fresh;
			taken++;
		}
	}
	trace_sides(s, "network partition aimed at");
	sim_resync(s);
	(void)n_up;
}

/* A fault aimed at what h just did (a start, a fence, a decision). */
void sim_aimed(struct sim *s, size_t h, unsigned int kind)
{
	if (s->healed || !s->hosts[h].up) {
		return;
	}
	sim_trace(s, "world: fault aimed at %s", s->hosts[h].name);
	switch (kind % 3) {
	case 0:
		isolate(s, h);
		break;
	case 1:
		if (s->hosts[h].m.alive) {
			vmhad_crash(s, h);
		}
		break;
	default:
		if (may_crash_node(s)) {
			sim_node_down(s, h, "power loss, aimed");
		} else {
			isolate(s, h);
		}
		break;
	}
}

void sim_rogue_send(struct sim *s, size_t proc)
{
	struct sim_procinfo *p = &s->procs[proc];
	enum sim_forge_kind k = (enum sim_forge_kind)sim_range(s, 0, SIM_FORGE_COUNT - 1);
	size_t target = sim_range(s, 0, s->n_hosts - 1);
	size_t vm = sim_range(s, 0, s->n_vms - 1);
	char *buf = NULL;
	size_t len = 0;
	size_t h;

	if (!p->alive || !p->rogue || !s->hosts[p->host].up) {
		return;
	}
	if (sim_chance(s, 600)) {
		/* aim at a host that runs VMs: forging its death pays */
		for (h = 0; h < s->n_hosts; h++) {
			size_t i;

			for (i = 0; i < s->n_vms; i++) {
				if (s->vms[i].running & (1u << h)) {
					target = h;
					vm = i;
				}
			}
		}
	}
	if (s->ops->forge(k, s->hosts[target].name, s->vms[vm].spec.name, sim_rand(s), &buf, &len) <
	    0) {
		return;
	}
	s->r->forged++;
	sim_trace(s, "world: rogue pid %" PRIu32 " on %s multicasts %.300s", p->pid,
	          s->hosts[p->host].name, buf);
	sim_order_msg(s, s->hosts[p->host].side, s->hosts[p->host].nodeid, p->pid, buf, len);
	free(buf);
}

void sim_rogue_leave(struct sim *s, size_t proc)
{
	struct sim_procinfo *p = &s->procs[proc];

	if (!p->alive || !p->rogue) {
		return;
	}
	p->alive = false;
	sim_trace(s, "world: rogue pid %" PRIu32 " leaves", p->pid);
	sim_resync(s);
}

static void registry_edit(struct sim *s)
{
	size_t i = sim_range(s, 0, s->n_vms - 1);
	struct sim_wvm *v = &s->vms[i];
	size_t h;

	switch (sim_range(s, 0, 4)) {
	case 0:
	case 1:
		v->spec.memory_mib = 512u << sim_range(s, 0, 2);
		sim_trace(s, "world: registry: %s memory %" PRIu64 " MiB", v->spec.name,
		          v->spec.memory_mib);
		break;
	case 2:
		v->spec.priority = sim_chance(s, 500) ? 100 : -100;
		sim_trace(s, "world: registry: %s priority %" PRId64, v->spec.name,
		          v->spec.priority);
		break;
	case 3:
		if (!v->in_registry) {
			return;
		}
		v->in_registry = false;
		sim_trace(s, "world: registry: %s removed (it keeps running)", v->spec.name);
		break;
	default:
		h = random_up_member(s);
		if (s->n_vms == SIM_MAX_VMS || h == SIZE_MAX) {
			return;
		}
		v = &s->vms[s->n_vms++];
		memset(v, 0, sizeof(*v));
		snprintf(v->spec.name, sizeof(v->spec.name), "vm%u", s->next_vm_name++);
		v->spec.vcpus = 1;
		v->spec.memory_mib = 512;
		v->in_registry = true;
		v->running = 1u << h;
		v->wanted = false;
		sim_trace(s, "world: registry: %s added, started by the admin on %s", v->spec.name,
		          s->hosts[h].name);
		break;
	}
	s->registry_gen++;
}

void sim_fault(struct sim *s)
{
	unsigned int total = 0;
	unsigned int pick;
	size_t h;
	int k;

	for (k = 0; k < F_COUNT; k++) {
		total += (s->p.faults & (1u << k)) ? fault_weights[k] : 0;
	}
	if (total == 0) {
		return;
	}
	pick = (unsigned int)sim_range(s, 0, total - 1);
	for (k = 0; k < F_COUNT; k++) {
		unsigned int w = (s->p.faults & (1u << k)) ? fault_weights[k] : 0;

		if (pick < w) {
			break;
		}
		pick -= w;
	}
	switch ((enum fault_kind)k) {
	case F_NODE_CRASH:
		h = random_up_member(s);
		if (h != SIZE_MAX && may_crash_node(s)) {
			sim_node_down(s, h, "power loss");
		}
		break;
	case F_VMHAD_CRASH:
		vmhad_crash(s, random_up_member(s));
		break;
	case F_COORD_CRASH:
		h = random_up_member(s);
		if (h != SIZE_MAX) {
			h = sim_coordinator_guess(s, s->hosts[h].side);
			if (sim_chance(s, 500) || !may_crash_node(s)) {
				vmhad_crash(s, h);
			} else {
				sim_node_down(s, h, "power loss of the coordinator");
			}
		}
		break;
	case F_PARTITION:
		partition(s);
		break;
	case F_MERGE:
		merge(s);
		break;
	case F_ROGUE:
		rogue(s);
		break;
	case F_REGISTRY:
		registry_edit(s);
		break;
	case F_SLOT_STALL:
		h = random_up_member(s);
		if (h != SIZE_MAX) {
			s->hosts[h].slot_stall_until_ms = s->now + sim_range(s, 2000, 15000);
			sim_trace(s, "world: storage writes of %s stall", s->hosts[h].name);
		}
		break;
	case F_DISPATCH_STALL:
		h = random_up_member(s);
		if (h != SIZE_MAX) {
			s->hosts[h].m.stall_until_ms = s->now + sim_range(s, 200, 3000);
			sim_trace(s, "world: %s dispatches nothing for a while", s->hosts[h].name);
		}
		break;
	case F_AIMED:
	case F_COUNT:
		break;
	}
}

/* End of the fault phase: one network, every node up, every vmhad running, no rogue. */
void sim_heal(struct sim *s)
{
	size_t h;
	size_t i;

	s->healed = true;
	for (i = 0; i < s->n_procs; i++) {
		if (s->procs[i].alive && s->procs[i].rogue) {
			sim_rogue_leave(s, i);
		}
	}
	for (h = 0; h < s->n_hosts; h++) {
		s->hosts[h].side = 0;
		s->hosts[h].slot_stall_until_ms = 0;
	}
	trace_sides(s, "heal");
	sim_resync(s);
	for (h = 0; h < s->n_hosts; h++) {
		/* a node that is down boots as planned (sim_node_down) */
		if (s->hosts[h].up && !s->hosts[h].m.alive) {
			sim_at(s, s->now + sim_range(s, 0, 3000), EV_VMHAD_START, h, 0,
			       s->hosts[h].boot_epoch, 0);
		}
	}
}

/* The watchdog of a host without a fence device: fed only by a quorate vmhad. */
void sim_world_tick(struct sim *s)
{
	size_t h;

	if (s->p.settings.fence_device) {
		return;
	}
	for (h = 0; h < s->n_hosts; h++) {
		struct sim_host *host = &s->hosts[h];

		if (host->up && host->wd_armed &&
		    s->now - host->m.last_fed_ms >= s->p.settings.self_fence_delay_ms + 1000) {
			sim_node_down(s, h, "watchdog reset");
		}
	}
}

/* The engine's own waits (heartbeat/failover_desired.c): keep in step. */
/* a VM that runs nowhere is placed after this many registry reads that began after it */
#define ENGINE_LOST_READS 3
/* a placement that a host does not answer is objected to after this long (FO_PLACE_TIMEOUT_MS) */
#define ENGINE_PLACE_TIMEOUT_MS 10000

/*
 * How long the engine may take, once the membership no longer changes, to
 * have every VM that ran started again, from the settings of the run and the
 * delays the engine documents (heartbeat/failover.h); liveness is judged only
 * after this much stable time (failover_sim_run.c, EV_END). The chain, each
 * step at its longest:
 *   a host that went is declared down (its storage slot times out), then
 *   fenced: its fence device, and once more after a failure, or without one
 *   the restart delay; a fresh vmhad objects to placing a VM that runs
 *   nowhere during its start grace; a placement waits for registry reads that
 *   began after the stop (and again after an objection, one more for the
 *   phase of the reloads), or for the timeout of a placement a host did not
 *   answer; the start itself, and one more after a failed one; every host
 *   announces once more (the table is clear again after a merge).
 */
uint64_t sim_settle_ms(const struct sim_params *p)
{
	const struct sim_settings *c = &p->settings;
	uint64_t t = 0;

	t += c->storage_timeout_ms;
	t += c->fence_device ? 2 * c->fence_retry_ms : c->restart_delay_ms;
	t += c->start_grace_ms;
	t += (ENGINE_LOST_READS + 1) * c->registry_reload_ms;
	t += ENGINE_PLACE_TIMEOUT_MS;
	t += 2 * SIM_SLOWEST_START_MS;
	t += SIM_ANNOUNCE_MAX_MS;
	return t;
}

void sim_check_liveness(struct sim *s)
{
	size_t i;
	size_t h;

	for (i = 0; i < s->n_vms && !s->done; i++) {
		const struct sim_wvm *v = &s->vms[i];
		unsigned int n = 0;
		char where[128] = "";
		size_t used = 0;

		if (!v->in_registry || !v->wanted || s->table_lost) {
			continue;
		}
		for (h = 0; h < s->n_hosts; h++) {
			if (v->running & (1u << h)) {
				n++;
				used += (size_t)snprintf(where + used, sizeof(where) - used, " %s",
				                         s->hosts[h].name);
			}
		}
		if (n != 1) {
			sim_fail(s, "liveness: protected vm %s runs on %u hosts at the end%s",
			         v->spec.name, n, where);
		}
	}
}

void sim_params_from_seed(uint64_t seed, struct sim_params *p)
{
	uint64_t r = seed * 0xD1B54A32D192ED03ULL + 0x9E37;
	uint64_t bits;
	int k;

#define NEXT() (r ^= r >> 12, r ^= r << 25, r ^= r >> 27, r * 0x2545F4914F6CDD1DULL)
	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->gate_checks = true;
	if (r == 0) {
		r = 1;
	}
	p->settings.n_hosts = 3 + NEXT() % 5;
	p->n_vms = 3 + NEXT() % 10;
	p->settings.storage_enabled = NEXT() % 10 < 7;
	p->settings.storage_interval_ms = 1000;
	p->settings.storage_timeout_ms = 5000;
	p->settings.fence_device = NEXT() % 10 < 6;
	p->settings.restart_delay_ms = 20000;
	p->settings.self_fence_delay_ms = 10000;
	p->settings.host_cpus = 32;
	p->settings.host_memory_mib = 32768;
	/* the world's slowest start (sim_start_vm) and some */
	p->settings.start_grace_ms = SIM_SLOWEST_START_MS + 5000;
	p->settings.registry_reload_ms = 5000;
	p->settings.fence_retry_ms = 5000;
	bits = NEXT() % 10;
	p->loss_permille = bits < 5 ? 0 : (bits < 8 ? 10 : 50);
	p->fault_every_ms = 1500 + NEXT() % 4500;
	p->fault_phase_ms = 40000;
	/* a reboot (up to 60 s), then the start grace of the fresh vmhads (20 s) */
	p->heal_phase_ms = 110000;
	for (k = 0; k < F_COUNT; k++) {
		if (NEXT() % 10 < 8) {
			p->faults |= 1u << k;
		}
	}
	if (p->faults == 0) {
		p->faults = 1u << F_PARTITION;
	}
#undef NEXT
}

void sim_params_describe(const struct sim_params *p, char *buf, size_t size)
{
	size_t used;
	int k;

	used = (size_t)snprintf(buf, size,
	                        "seed=%" PRIu64 " hosts=%zu vms=%zu storage=%s fence=%s "
	                        "loss=%u/1000 fault-every=%" PRIu64 "ms faults=",
	                        p->seed, p->settings.n_hosts, p->n_vms,
	                        p->settings.storage_enabled ? "on" : "off",
	                        p->settings.fence_device ? "device" : "watchdog+delay",
	                        p->loss_permille, p->fault_every_ms);
	for (k = 0; k < F_COUNT && used < size; k++) {
		if (p->faults & (1u << k)) {
			used += (size_t)snprintf(buf + used, size - used, "%s%s",
			                         used && buf[used - 1] != '=' ? "," : "",
			                         fault_names[k]);
		}
	}
}
