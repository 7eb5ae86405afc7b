/*
 * The failover simulation's side of the engine interface (failover_sim.h):
 * what an engine's glue calls to send, start, fence, read the registry and
 * list the VMs of its host, with the checks that quorum gates every action.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_sim_world.h"

/* ---- what the engines call ---- */

/* Now and then, a fault aimed at what h just did, soon after (F_AIMED). */
void sim_aim(struct sim *s, size_t h)
{
	if (!s->healed && (s->p.faults & (1u << SIM_FAULT_AIMED)) && sim_chance(s, 80)) {
		sim_at(s, s->now + sim_range(s, 0, 2500), EV_AIMED, h, 0, sim_rand(s), 0);
	}
}

int sim_send(struct sim_member *m, const void *buf, size_t len)
{
	struct sim *s = m->sim;
	size_t i;

	if (!m->alive || m->doomed) {
		return 0;
	}
	if (s->p.loss_permille > 0 && sim_chance(s, s->p.loss_permille)) {
		if (s->healed || sim_chance(s, 500)) {
			/* after the heal: flow control only, nothing dies */
			sim_trace(s, "%s -> flow control, not sent: %.200s", s->hosts[m->idx].name,
			          (const char *)buf);
			return -EAGAIN;
		}
		sim_trace(s, "%s -> LOST, and its vmhad dies: %.200s", s->hosts[m->idx].name,
		          (const char *)buf);
		m->doomed = true;
		sim_at(s, s->now, EV_KILL, m->idx, 0, 0, m->pid);
		return 0;
	}
	sim_order_msg(s, s->hosts[m->idx].side, s->hosts[m->idx].nodeid, m->pid, buf, len);
	if (strstr((const char *)buf, "\"vmha_failover\"") != NULL) {
		sim_aim(s, m->idx);
	}
	for (i = 0; i < m->n_inv_pending; i++) {
		s->vms[m->inv_pending[i]].wanted = true;
	}
	m->n_inv_pending = 0;
	return 0;
}

/*
 * Quorum gates every action: none while this vmhad knows it is inquorate,
 * has fenced itself, or has received a membership change that left its
 * partition inquorate and not yet the quorum that goes with it.
 */
bool sim_may_act(struct sim_member *m, const char *what, const char *arg)
{
	struct sim *s = m->sim;
	const char *name = s->hosts[m->idx].name;

	if (!s->p.gate_checks) {
		if (!m->q_known || !m->q_seen || m->self_fenced || m->unknown_inquorate) {
			sim_trace(s, "(%s acts without quorum: not checked, VMHA_SIM_GATE=0)",
			          name);
		}
		return true;
	}
	if (!m->q_known || !m->q_seen) {
		sim_fail(s, "%s issued %s %s while it knows it is inquorate", name, what, arg);
	} else if (m->self_fenced) {
		sim_fail(s, "%s issued %s %s after it fenced itself", name, what, arg);
	} else if (m->unknown_inquorate) {
		sim_fail(s,
		         "%s issued %s %s in an inquorate partition: a membership change "
		         "came, its quorum not yet (acted on the quorum of the one before)",
		         name, what, arg);
	}
	return !s->done;
}

void sim_start_vm(struct sim_member *m, const char *vm)
{
	struct sim *s = m->sim;
	int v = sim_find_vm(s, vm);
	size_t h;
	uint64_t epoch = (uint64_t)s->hosts[m->idx].boot_epoch << 32;

	s->r->starts++;
	sim_trace(s, "%s START %s", s->hosts[m->idx].name, vm);
	if (!sim_may_act(m, "START", vm)) {
		return;
	}
	if (v >= 0) {
		for (h = 0; h < s->n_hosts; h++) {
			if (h != m->idx && (s->vms[v].running & (1u << h))) {
				sim_fail(
				        s,
				        "%s issued START %s while it runs on %s (not fenced since)",
				        s->hosts[m->idx].name, vm, s->hosts[h].name);
				return;
			}
		}
	}
	sim_aim(s, m->idx);
	if (v >= 0) {
		s->vms[v].starting[m->idx]++;
	}
	/* now and then libvirt takes its time: the start may outlive a self-fence */
	sim_at(s,
	       s->now + (sim_chance(s, 30) ? sim_range(s, 5000, SIM_SLOWEST_START_MS)
	                                   : sim_range(s, 200, 3000)),
	       EV_START_DONE, m->idx, (size_t)(v >= 0 ? v : 0), epoch,
	       ((uint64_t)(v >= 0) << 32) | m->pid);
}

void sim_fence_host(struct sim_member *m, const char *host)
{
	struct sim *s = m->sim;
	size_t h;

	for (h = 0; h < s->n_hosts && strcmp(s->hosts[h].name, host) != 0; h++) {
	}
	s->r->fences++;
	sim_trace(s, "%s FENCE %s", s->hosts[m->idx].name, host);
	if (!sim_may_act(m, "FENCE", host)) {
		return;
	}
	sim_aim(s, m->idx);
	sim_at(s, s->now + sim_range(s, 300, 4000), EV_FENCE_DONE, m->idx, h, 0, m->pid);
}

uint64_t sim_registry_request(struct sim_member *m)
{
	struct sim *s = m->sim;
	uint64_t lat = sim_chance(s, 100) ? sim_range(s, 500, 4000) : sim_range(s, 2, 80);
	uint64_t t = (m->reg_busy_until_ms > s->now ? m->reg_busy_until_ms : s->now) + lat;

	m->reg_busy_until_ms = t;
	m->reg_seq++;
	sim_at(s, t, EV_REGISTRY_DONE, m->idx, 0, m->reg_seq, m->pid);
	return m->reg_seq;
}

size_t sim_inventory(struct sim_member *m, struct sim_running *out, size_t max)
{
	struct sim *s = m->sim;
	size_t n = 0;
	size_t i;

	m->n_inv_pending = 0;
	for (i = 0; i < s->n_vms && n < max; i++) {
		if (s->vms[i].running & (1u << m->idx)) {
			m->inv_pending[m->n_inv_pending++] = (unsigned int)i;
			snprintf(out[n].name, sizeof(out[n].name), "%s", s->vms[i].spec.name);
			out[n].vcpus = s->vms[i].spec.vcpus;
			out[n].memory_mib = s->vms[i].spec.memory_mib;
			n++;
		}
	}
	return n;
}

void sim_note(struct sim_member *m, const char *fmt, ...)
{
	struct sim *s = m->sim;
	char text[600];
	va_list ap;

	if (s->trace == NULL) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sim_trace(s, "%s   %s", s->hosts[m->idx].name, text);
}

const char *sim_member_name(const struct sim_member *m)
{
	return m->sim->hosts[m->idx].name;
}

uint32_t sim_member_nodeid(const struct sim_member *m)
{
	return m->sim->hosts[m->idx].nodeid;
}

uint32_t sim_member_pid(const struct sim_member *m)
{
	return m->pid;
}

uint64_t sim_member_incarnation(const struct sim_member *m)
{
	return m->incarnation;
}

const struct sim_settings *sim_member_settings(const struct sim_member *m)
{
	return &m->sim->p.settings;
}
