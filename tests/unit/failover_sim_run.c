/*
 * The event loop of the failover simulation: what each kind of event does
 * (member ticks, storage rounds, registry reads, start and fence results),
 * the initial world, and sim_run().
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_sim_world.h"

/* ---- events ---- */

static void start_done(struct sim *s, const struct sim_ev *ev)
{
	struct sim_host *host = &s->hosts[ev->a];
	struct sim_member *m = sim_live_member(s, ev->a, ev->y & 0xffffffffu);
	bool known = (ev->y >> 32) != 0;
	struct sim_wvm *v = known ? &s->vms[ev->b] : NULL;
	const char *text = "";
	bool ok = false;
	bool unknown = false;
	size_t h;

	if (!host->up || (ev->x >> 32) != host->boot_epoch) {
		return; /* the host went down meanwhile */
	}
	if (v != NULL && v->starting[ev->a] > 0) {
		v->starting[ev->a]--;
	}
	if (v == NULL) {
		text = "no such domain in the registry";
	} else if (v->running & (1u << ev->a)) {
		/* heartbeat/actuator.c looks the domain up first */
		ok = true;
		text = "already running here";
	} else if (sim_chance(s, 40)) {
		text = "libvirt: internal error";
		/* heartbeat/actuator.c looks the domain up again after a refused
		 * create: another start of it still in flight here shows it */
		unknown = v->starting[ev->a] > 0;
	} else {
		ok = true;
		v->running |= 1u << ev->a;
		v->wanted = true;
		sim_trace(s, "world: %s runs on %s", v->spec.name, host->name);
		for (h = 0; h < s->n_hosts; h++) {
			if (h != ev->a && (v->running & (1u << h))) {
				sim_fail(s, "vm %s runs on %s and %s", v->spec.name,
				         s->hosts[h].name, host->name);
				return;
			}
		}
	}
	if (!ok) {
		sim_trace(s, "world: start on %s failed: %s%s", host->name, text,
		          unknown ? " (unknown: another start of it is in flight)" : "");
	}
	if (m != NULL) {
		s->ops->start_done(m->engine, s->now, known ? v->spec.name : "?", ok, unknown,
		                   text);
	}
}

static void fence_done(struct sim *s, const struct sim_ev *ev)
{
	struct sim_member *m = sim_live_member(s, ev->a, ev->y);
	bool ok = ev->b < s->n_hosts && !sim_chance(s, 100);

	if (ev->b < s->n_hosts && ok) {
		sim_node_down(s, ev->b, "fenced");
	} else {
		sim_trace(s, "world: fence device fails");
	}
	if (m != NULL) {
		s->ops->fence_done(m->engine, s->now,
		                   ev->b < s->n_hosts ? s->hosts[ev->b].name : "?", ok);
	}
}

static void member_tick(struct sim *s, struct sim_member *m)
{
	size_t n = m->n_readings;

	m->n_readings = 0;
	s->ops->tick(m->engine, s->now, m->readings, n);
	if (!m->alive) {
		return;
	}
	if (m->q_seen) {
		m->last_fed_ms = s->now;
	}
	/* the self-fence (vmhad's, on its own quorum): stops the VMs its table
	 * places here, once; starts in flight go on, as they do in vmhad */
	if (m->q_known && !m->q_seen && !m->self_fenced &&
	    s->now - m->inquorate_since_ms >= s->p.settings.self_fence_delay_ms) {
		char vms[SIM_MAX_VMS][SIM_NAME_SIZE];
		size_t n_vms = s->ops->self_fence(m->engine, s->now, vms, SIM_MAX_VMS);

		m->self_fenced = true;
		sim_stop_vms(s, m->idx, vms, n_vms, "self-fence");
	}
	sim_at(s, s->now + sim_range(s, 50, 300), EV_TICK, m->idx, 0, 0, m->pid);
}

static void storage_round(struct sim *s, struct sim_member *m)
{
	struct sim_host *host = &s->hosts[m->idx];
	size_t h;

	if (s->now >= host->slot_stall_until_ms) {
		host->slot_written = true;
		memcpy(host->slot.host, host->name, sizeof(host->slot.host));
		host->slot.incarnation = m->incarnation;
		host->slot.seq++;
		host->slot.flags = s->ops->slot_flags(m->engine);
		m->n_readings = 0;
		for (h = 0; h < s->n_hosts; h++) {
			if (s->hosts[h].slot_written) {
				m->readings[m->n_readings++] = s->hosts[h].slot;
			}
		}
	}
	sim_at(s, s->now + s->p.settings.storage_interval_ms - 100 + sim_range(s, 0, 200),
	       EV_STORAGE, m->idx, 0, 0, m->pid);
}

static void registry_done(struct sim *s, struct sim_member *m, uint64_t seq)
{
	struct sim_vm_spec vms[SIM_MAX_VMS];
	size_t n = 0;
	size_t i;

	for (i = 0; i < s->n_vms; i++) {
		if (s->vms[i].in_registry) {
			vms[n++] = s->vms[i].spec;
		}
	}
	sim_trace(s, "%s <- registry read %" PRIu64 ": generation %" PRIu64 " (%zu vms)",
	          s->hosts[m->idx].name, seq, s->registry_gen, n);
	s->ops->registry(m->engine, s->now, seq, vms, n);
}

static void step(struct sim *s, const struct sim_ev *ev)
{
	struct sim_member *m = NULL;

	switch (ev->kind) {
	case EV_DELIVER:
		if ((m = sim_live_member(s, ev->a, ev->y)) != NULL) {
			sim_deliver(s, m);
		}
		break;
	case EV_TICK:
		if ((m = sim_live_member(s, ev->a, ev->y)) != NULL) {
			member_tick(s, m);
		}
		break;
	case EV_STORAGE:
		if ((m = sim_live_member(s, ev->a, ev->y)) != NULL) {
			storage_round(s, m);
		}
		break;
	case EV_ANNOUNCE:
		if ((m = sim_live_member(s, ev->a, ev->y)) != NULL) {
			s->ops->announce(m->engine, s->now);
			sim_at(s, s->now + sim_range(s, 4000, SIM_ANNOUNCE_MAX_MS), EV_ANNOUNCE,
			       ev->a, 0, 0, ev->y);
		}
		break;
	case EV_REGISTRY_DONE:
		if ((m = sim_live_member(s, ev->a, ev->y)) != NULL) {
			registry_done(s, m, ev->x);
		}
		break;
	case EV_START_DONE:
		start_done(s, ev);
		break;
	case EV_FENCE_DONE:
		fence_done(s, ev);
		break;
	case EV_QUORUM:
		sim_order_quorum(s, (int)ev->a);
		break;
	case EV_FAULT:
		if (!s->healed) {
			sim_fault(s);
			sim_at(s, s->now + sim_range(s, 1, 2 * s->p.fault_every_ms), EV_FAULT, 0, 0,
			       0, 0);
		}
		break;
	case EV_REBOOT:
		if (!s->hosts[ev->a].up && s->hosts[ev->a].boot_epoch == ev->x) {
			s->hosts[ev->a].up = true;
			sim_trace(s, "world: node %s boots", s->hosts[ev->a].name);
			sim_resync(s);
			sim_at(s, s->now + sim_range(s, 300, 2000), EV_VMHAD_START, ev->a, 0,
			       s->hosts[ev->a].boot_epoch, 0);
		}
		break;
	case EV_VMHAD_START:
		if (s->hosts[ev->a].boot_epoch == ev->x) {
			sim_vmhad_start(s, ev->a);
		}
		break;
	case EV_ROGUE_SEND:
		sim_rogue_send(s, ev->a);
		break;
	case EV_ROGUE_LEAVE:
		sim_rogue_leave(s, ev->a);
		break;
	case EV_WORLD_TICK:
		sim_world_tick(s);
		sim_at(s, s->now + 250, EV_WORLD_TICK, 0, 0, 0, 0);
		break;
	case EV_KILL:
		if (sim_live_member(s, ev->a, ev->y) != NULL) {
			sim_vmhad_kill(s, ev->a);
		}
		break;
	case EV_AIMED:
		sim_aimed(s, ev->a, (unsigned int)ev->x);
		break;
	case EV_HEAL:
		sim_heal(s);
		break;
	case EV_END:
		if (s->now < s->last_change_ms + sim_settle_ms(&s->p) &&
		    s->now < 8000 + s->p.fault_phase_ms + 3 * s->p.heal_phase_ms) {
			/* the membership changed too late (a fence in the heal phase,
			 * the reboot after it): liveness is judged once the engine
			 * has had its documented delays since (at most 2 heal phases
			 * more: a run that never settles fails) */
			sim_trace(s,
			          "world: the membership changed at %" PRIu64 ".%03" PRIu64
			          ": liveness judged %" PRIu64 " ms after it",
			          s->last_change_ms / 1000, s->last_change_ms % 1000,
			          sim_settle_ms(&s->p));
			sim_at(s, s->last_change_ms + sim_settle_ms(&s->p), EV_END, 0, 0, 0, 0);
			break;
		}
		sim_check_liveness(s);
		s->done = true;
		break;
	}
}

static void init_world(struct sim *s)
{
	size_t h;
	size_t i;

	s->n_hosts = s->p.settings.n_hosts;
	s->next_pid = 1000;
	for (h = 0; h < s->n_hosts; h++) {
		struct sim_host *host = &s->hosts[h];

		snprintf(host->name, sizeof(host->name), "h%zu", h + 1);
		host->nodeid = (uint32_t)h + 1;
		host->up = true;
		host->side = 0;
		host->m.sim = s;
		host->m.idx = h;
	}
	s->n_vms = s->p.n_vms;
	for (i = 0; i < s->n_vms; i++) {
		struct sim_wvm *v = &s->vms[i];
		static const int64_t prios[] = {0, 0, 100, -100, 50};

		snprintf(v->spec.name, sizeof(v->spec.name), "vm%zu", i + 1);
		v->spec.priority = prios[sim_range(s, 0, 4)];
		v->spec.vcpus = (uint32_t)sim_range(s, 1, 2);
		v->spec.memory_mib = 512u << sim_range(s, 0, 2);
		v->in_registry = true;
		v->running = 1u << sim_range(s, 0, s->n_hosts - 1);
		v->wanted = false;
	}
	s->next_vm_name = (unsigned int)s->n_vms + 1;
	s->registry_gen = 1;
	for (h = 0; h < s->n_hosts; h++) {
		sim_at(s, sim_range(s, 0, 500), EV_VMHAD_START, h, 0, 0, 0);
	}
	sim_at(s, 8000, EV_FAULT, 0, 0, 0, 0);
	sim_at(s, 250, EV_WORLD_TICK, 0, 0, 0, 0);
	sim_at(s, 8000 + s->p.fault_phase_ms, EV_HEAL, 0, 0, 0, 0);
	sim_at(s, 8000 + s->p.fault_phase_ms + s->p.heal_phase_ms, EV_END, 0, 0, 0, 0);
}

void sim_run(const struct sim_engine_ops *ops, const struct sim_params *p, struct sim_result *r)
{
	struct sim *s = calloc(1, sizeof(*s));
	size_t h;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	if (s == NULL) {
		abort();
	}
	s->ops = ops;
	s->p = *p;
	s->r = r;
	s->rng = p->seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
	if (s->rng == 0) {
		s->rng = 1;
	}
	if (p->trace) {
		s->trace = open_memstream(&s->trace_buf, &s->trace_len);
	}
	init_world(s);
	while (!s->done && s->n_evs > 0) {
		struct sim_ev ev = sim_ev_pop(s);

		s->now = ev.t;
		r->events++;
		step(s, &ev);
	}
	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].m.alive) {
			ops->stop(s->hosts[h].m.engine);
			sim_drop_inbox(&s->hosts[h].m);
		}
	}
	if (s->trace != NULL) {
		fclose(s->trace);
		r->trace = s->trace_buf;
	}
	free(s->evs);
	free(s);
}
