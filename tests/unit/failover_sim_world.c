/*
 * The world of the failover simulation: hosts, Corosync partitions with one
 * total order each, per-member delivery, storage slots, registry reads,
 * libvirt starts and fence devices, on a virtual clock driven by a seeded
 * PRNG (xorshift64*: the same seed gives the same run).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_sim_world.h"

uint64_t sim_rand(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

/* A number in [lo, hi]. */
uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi)
{
	if (hi <= lo) {
		return lo;
	}
	return lo + sim_rand(s) % (hi - lo + 1);
}

bool sim_chance(struct sim *s, unsigned int permille)
{
	return sim_rand(s) % 1000 < permille;
}

void sim_trace(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->trace == NULL) {
		return;
	}
	fprintf(s->trace, "%4" PRIu64 ".%03" PRIu64 " ", s->now / 1000, s->now % 1000);
	va_start(ap, fmt);
	vfprintf(s->trace, fmt, ap);
	va_end(ap);
	fputc('\n', s->trace);
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->done) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s->r->failure, sizeof(s->r->failure), fmt, ap);
	va_end(ap);
	s->r->ok = false;
	s->r->failed_at_ms = s->now;
	s->done = true;
	sim_trace(s, "VIOLATION: %s", s->r->failure);
}

/* ---- the event queue: a binary heap on (time, seq) ---- */

static bool ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_at(struct sim *s, uint64_t t, enum sim_ev_kind kind, size_t a, size_t b, uint64_t x,
            uint64_t y)
{
	struct sim_ev ev = {t, s->ev_seq++, kind, a, b, x, y};
	size_t i;

	if (s->n_evs == s->cap_evs) {
		size_t cap = s->cap_evs ? s->cap_evs * 2 : 256;
		struct sim_ev *p = realloc(s->evs, cap * sizeof(*p));

		if (p == NULL) {
			abort();
		}
		s->evs = p;
		s->cap_evs = cap;
	}
	i = s->n_evs++;
	while (i > 0 && ev_before(&ev, &s->evs[(i - 1) / 2])) {
		s->evs[i] = s->evs[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->evs[i] = ev;
}

struct sim_ev sim_ev_pop(struct sim *s)
{
	struct sim_ev top = s->evs[0];
	struct sim_ev last = s->evs[--s->n_evs];
	size_t i = 0;

	while (2 * i + 1 < s->n_evs) {
		size_t c = 2 * i + 1;

		if (c + 1 < s->n_evs && ev_before(&s->evs[c + 1], &s->evs[c])) {
			c++;
		}
		if (!ev_before(&s->evs[c], &last)) {
			break;
		}
		s->evs[i] = s->evs[c];
		i = c;
	}
	if (s->n_evs > 0) {
		s->evs[i] = last;
	}
	return top;
}

/* ---- members and their streams ---- */

struct sim_member *sim_live_member(struct sim *s, size_t h, uint64_t pid)
{
	struct sim_member *m = &s->hosts[h].m;

	return m->alive && m->pid == pid ? m : NULL;
}

static void item_free(struct sim_item *it)
{
	if (it != NULL) {
		free(it->buf);
		free(it);
	}
}

static void schedule_deliver(struct sim *s, struct sim_member *m)
{
	uint64_t t = s->now + sim_range(s, 0, 3);

	if (m->deliver_scheduled || m->inbox_head == NULL) {
		return;
	}
	if (sim_chance(s, 30)) {
		/* a busy main loop: this member dispatches late */
		t += sim_range(s, 50, 1500);
	}
	if (t < m->stall_until_ms) {
		t = m->stall_until_ms;
	}
	m->deliver_scheduled = true;
	sim_at(s, t, EV_DELIVER, m->idx, 0, 0, m->pid);
}

static void append(struct sim *s, struct sim_member *m, struct sim_item *it)
{
	it->next = NULL;
	if (m->inbox_tail != NULL) {
		m->inbox_tail->next = it;
	} else {
		m->inbox_head = it;
	}
	m->inbox_tail = it;
	schedule_deliver(s, m);
}

void sim_drop_inbox(struct sim_member *m)
{
	while (m->inbox_head != NULL) {
		struct sim_item *it = m->inbox_head;

		m->inbox_head = it->next;
		item_free(it);
	}
	m->inbox_tail = NULL;
	m->deliver_scheduled = false;
}

static bool in_side(struct sim *s, size_t h, int side)
{
	return s->hosts[h].up && s->hosts[h].side == side;
}

void sim_order_msg(struct sim *s, int side, uint32_t nodeid, uint32_t pid, const void *buf,
                   size_t len)
{
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		struct sim_member *m = &s->hosts[h].m;
		struct sim_item *it = NULL;

		if (!in_side(s, h, side) || !m->alive) {
			continue;
		}
		it = calloc(1, sizeof(*it));
		if (it == NULL) {
			abort();
		}
		it->kind = IT_MSG;
		it->nodeid = nodeid;
		it->pid = pid;
		it->buf = malloc(len + 1);
		if (it->buf == NULL) {
			abort();
		}
		memcpy(it->buf, buf, len);
		it->buf[len] = '\0';
		it->len = len;
		append(s, m, it);
	}
}

static const char *reason_name(enum sim_reason r)
{
	static const char *const names[] = {"join", "leave", "nodedown", "nodeup", "procdown"};

	return (unsigned int)r < 5 ? names[r] : "?";
}

static const char *host_of_nodeid(struct sim *s, uint32_t nodeid)
{
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].nodeid == nodeid) {
			return s->hosts[h].name;
		}
	}
	return "?";
}

static void trace_procs(struct sim *s, FILE *f, const char *what, const struct sim_proc *p,
                        size_t n, bool reasons)
{
	size_t i;

	fprintf(f, " %s=[", what);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s%s/%" PRIu32 "%s%s", i ? " " : "", host_of_nodeid(s, p[i].nodeid),
		        p[i].pid, reasons ? ":" : "", reasons ? reason_name(p[i].reason) : "");
	}
	fputc(']', f);
}

static void trace_item(struct sim *s, struct sim_member *m, const struct sim_item *it)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = NULL;
	size_t i;

	if (s->trace == NULL) {
		return;
	}
	f = open_memstream(&line, &len);
	if (f == NULL) {
		return;
	}
	switch (it->kind) {
	case IT_RING:
		fprintf(f, "ring %" PRIu64 " [", it->ring_seq);
		for (i = 0; i < it->n_nodes; i++) {
			fprintf(f, "%s%s", i ? " " : "", host_of_nodeid(s, it->nodes[i]));
		}
		fputc(']', f);
		break;
	case IT_CONFCHG:
		fprintf(f, "confchg");
		trace_procs(s, f, "members", it->members, it->n_members, false);
		trace_procs(s, f, "left", it->left, it->n_left, true);
		trace_procs(s, f, "joined", it->joined, it->n_joined, true);
		break;
	case IT_QUORUM:
		fprintf(f, "quorum %s", it->quorate ? "quorate" : "INQUORATE");
		break;
	case IT_MSG:
		fprintf(f, "msg from %s/%" PRIu32 " %.300s", host_of_nodeid(s, it->nodeid), it->pid,
		        it->buf);
		break;
	}
	fclose(f);
	sim_trace(s, "%s <- %s", s->hosts[m->idx].name, line);
	free(line);
}

void sim_deliver(struct sim *s, struct sim_member *m)
{
	struct sim_item *it = m->inbox_head;

	m->deliver_scheduled = false;
	if (it == NULL) {
		return;
	}
	m->inbox_head = it->next;
	if (m->inbox_head == NULL) {
		m->inbox_tail = NULL;
	}
	trace_item(s, m, it);
	switch (it->kind) {
	case IT_RING:
		s->ops->ring(m->engine, s->now, it->ring_seq, it->nodes, it->n_nodes);
		break;
	case IT_CONFCHG:
		/* until its quorum is known, this membership is inquorate in truth */
		m->unknown_inquorate = !it->quorate;
		s->ops->confchg(m->engine, s->now, it->members, it->n_members, it->left, it->n_left,
		                it->joined, it->n_joined);
		break;
	case IT_QUORUM:
		if (!it->quorate && (m->q_seen || !m->q_known)) {
			m->inquorate_since_ms = s->now;
		}
		if (it->quorate) {
			m->self_fenced = false;
		}
		m->q_known = true;
		m->q_seen = it->quorate;
		m->unknown_inquorate = false;
		s->ops->quorum(m->engine, s->now, it->quorate);
		break;
	case IT_MSG:
		s->ops->message(m->engine, s->now, it->nodeid, it->pid, it->buf, it->len);
		break;
	}
	item_free(it);
	if (m->alive) {
		schedule_deliver(s, m);
	}
}

/* ---- membership: each member receives its own diff of its partition's group ---- */

static size_t side_group(struct sim *s, int side, size_t *out)
{
	size_t n = 0;
	size_t i;
	size_t j;

	for (i = 0; i < s->n_procs; i++) {
		const struct sim_procinfo *p = &s->procs[i];

		if (!p->alive || !in_side(s, p->host, side)) {
			continue;
		}
		/* in join order */
		for (j = n; j > 0 && s->procs[out[j - 1]].join_seq > p->join_seq; j--) {
			out[j] = out[j - 1];
		}
		out[j] = i;
		n++;
	}
	return n;
}

/* What votequorum will say about side (expected votes: every host). */
static bool side_quorate(struct sim *s, int side)
{
	size_t up = 0;
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		up += in_side(s, h, side) ? 1 : 0;
	}
	return up * 2 > s->n_hosts;
}

static int find_proc(struct sim *s, uint32_t pid)
{
	size_t i;

	for (i = 0; i < s->n_procs; i++) {
		if (s->procs[i].pid == pid) {
			return (int)i;
		}
	}
	return -1;
}

static void resync_member(struct sim *s, struct sim_member *m, const uint32_t *nodes,
                          size_t n_nodes, uint64_t ring_seq, const size_t *group, size_t n_group,
                          bool *changed)
{
	struct sim_item *it = NULL;
	size_t i;
	size_t j;
	bool same;

	if (m->known_side != s->hosts[m->idx].side) {
		/* moved to another partition id with the same nodes: quorum is told again */
		m->known_side = s->hosts[m->idx].side;
		*changed = true;
	}
	same = n_nodes == m->n_known_ring &&
	       memcmp(nodes, m->known_ring, n_nodes * sizeof(*nodes)) == 0;
	if (!same) {
		it = calloc(1, sizeof(*it));
		if (it == NULL) {
			abort();
		}
		it->kind = IT_RING;
		it->ring_seq = ring_seq;
		it->n_nodes = n_nodes;
		memcpy(it->nodes, nodes, n_nodes * sizeof(*nodes));
		memcpy(m->known_ring, nodes, n_nodes * sizeof(*nodes));
		m->n_known_ring = n_nodes;
		append(s, m, it);
		*changed = true;
	}
	same = n_group == m->n_known;
	for (i = 0; same && i < n_group; i++) {
		same = s->procs[group[i]].pid == m->known_pids[i];
	}
	if (same) {
		return;
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL) {
		abort();
	}
	it->kind = IT_CONFCHG;
	it->quorate = side_quorate(s, s->hosts[m->idx].side);
	for (i = 0; i < n_group; i++) {
		const struct sim_procinfo *p = &s->procs[group[i]];
		bool known = false;

		it->members[it->n_members++] =
		        (struct sim_proc){s->hosts[p->host].nodeid, p->pid, SIM_REASON_JOIN};
		for (j = 0; j < m->n_known; j++) {
			known = known || m->known_pids[j] == p->pid;
		}
		if (m->n_known == 0 && p->pid != m->pid && !p->fresh) {
			continue; /* this member is new: the others were there before */
		}
		if (!known) {
			it->joined[it->n_joined++] = (struct sim_proc){
			        s->hosts[p->host].nodeid, p->pid,
			        p->fresh || m->n_known == 0 ? SIM_REASON_JOIN : SIM_REASON_NODEUP};
		}
	}
	for (j = 0; j < m->n_known; j++) {
		bool still = false;
		int pi = find_proc(s, m->known_pids[j]);
		enum sim_reason why = SIM_REASON_NODEDOWN;

		for (i = 0; i < n_group; i++) {
			still = still || s->procs[group[i]].pid == m->known_pids[j];
		}
		if (still) {
			continue;
		}
		if (pi >= 0 && !s->procs[pi].alive && s->hosts[s->procs[pi].host].up &&
		    s->hosts[s->procs[pi].host].side == s->hosts[m->idx].side) {
			why = s->procs[pi].rogue ? SIM_REASON_LEAVE : SIM_REASON_PROCDOWN;
		}
		it->left[it->n_left++] =
		        (struct sim_proc){m->known_nodes[j], m->known_pids[j], why};
	}
	m->n_known = n_group;
	for (i = 0; i < n_group; i++) {
		m->known_pids[i] = s->procs[group[i]].pid;
		m->known_nodes[i] = s->hosts[s->procs[group[i]].host].nodeid;
	}
	append(s, m, it);
	*changed = true;
}

/* After any change of nodes, sides or processes: every member gets its diff, in order. */
void sim_resync(struct sim *s)
{
	int side;
	size_t h;
	size_t i;

	s->last_change_ms = s->now;

	for (side = 0; side < SIM_MAX_SIDES; side++) {
		uint32_t nodes[SIM_MAX_HOSTS];
		size_t n_nodes = 0;
		size_t group[SIM_MAX_PROCS * 8];
		size_t n_group = side_group(s, side, group);
		bool changed = false;

		for (h = 0; h < s->n_hosts; h++) {
			if (in_side(s, h, side)) {
				nodes[n_nodes++] = s->hosts[h].nodeid;
			}
		}
		if (n_nodes == 0) {
			continue;
		}
		s->ring_seq++;
		for (h = 0; h < s->n_hosts; h++) {
			if (in_side(s, h, side) && s->hosts[h].m.alive) {
				resync_member(s, &s->hosts[h].m, nodes, n_nodes, s->ring_seq, group,
				              n_group, &changed);
			}
		}
		if (changed) {
			/* votequorum tells a little later, in the same order for all */
			sim_at(s, s->now + sim_range(s, 0, 300), EV_QUORUM, (size_t)side, 0, 0, 0);
		}
	}
	for (i = 0; i < s->n_procs; i++) {
		s->procs[i].fresh = false;
	}
}

void sim_order_quorum(struct sim *s, int side)
{
	size_t h;
	bool quorate = side_quorate(s, side);

	for (h = 0; h < s->n_hosts; h++) {
		struct sim_member *m = &s->hosts[h].m;
		struct sim_item *it = NULL;

		if (!in_side(s, h, side) || !m->alive) {
			continue;
		}
		it = calloc(1, sizeof(*it));
		if (it == NULL) {
			abort();
		}
		it->kind = IT_QUORUM;
		it->quorate = quorate;
		append(s, m, it);
	}
}

/* ---- vmhad processes ---- */

void sim_add_proc(struct sim *s, size_t h, uint32_t pid, bool rogue)
{
	struct sim_procinfo *p = NULL;

	if (s->n_procs == sizeof(s->procs) / sizeof(s->procs[0])) {
		/* reuse a dead slot */
		size_t i;

		for (i = 0; i < s->n_procs && s->procs[i].alive; i++) {
		}
		if (i == s->n_procs) {
			abort();
		}
		p = &s->procs[i];
	} else {
		p = &s->procs[s->n_procs++];
	}
	*p = (struct sim_procinfo){true, rogue, true, h, pid, ++s->join_seq};
}

void sim_vmhad_start(struct sim *s, size_t h)
{
	struct sim_host *host = &s->hosts[h];
	struct sim_member *m = &host->m;

	if (!host->up || m->alive) {
		return;
	}
	m->alive = true;
	m->pid = s->next_pid++;
	m->incarnation = (sim_rand(s) >> 16) | 1;
	m->n_known = 0;
	m->n_known_ring = 0;
	m->known_side = -1;
	m->q_known = false;
	m->unknown_inquorate = false;
	m->q_seen = false;
	m->self_fenced = false;
	/* as vmhad (heartbeat/selfguard.h): a watchdog left armed by the vmhad
	 * before runs on, not fed until this one sees quorum; a cold one is
	 * armed then too, so the world starts counting now */
	if (!host->wd_armed) {
		m->last_fed_ms = s->now;
	}
	m->n_readings = 0;
	m->reg_busy_until_ms = s->now;
	m->stall_until_ms = 0;
	m->doomed = false;
	sim_add_proc(s, h, m->pid, false);
	host->wd_armed = true;
	sim_trace(s, "world: vmhad starts on %s (pid %" PRIu32 ")", host->name, m->pid);
	m->engine = s->ops->start(m);
	sim_at(s, s->now + sim_range(s, 1, 300), EV_TICK, h, 0, 0, m->pid);
	if (s->p.settings.storage_enabled) {
		/* vmhad runs no storage worker without a storage heartbeat */
		sim_at(s, s->now + sim_range(s, 1, s->p.settings.storage_interval_ms), EV_STORAGE,
		       h, 0, 0, m->pid);
	}
	sim_at(s, s->now + sim_range(s, 1000, 2000), EV_ANNOUNCE, h, 0, 0, m->pid);
	sim_resync(s);
}

static void check_table(struct sim *s);

void sim_vmhad_stop(struct sim *s, size_t h, const char *why)
{
	struct sim_member *m = &s->hosts[h].m;
	int pi;

	if (!m->alive) {
		return;
	}
	sim_trace(s, "world: vmhad on %s stops (%s)", s->hosts[h].name, why);
	m->alive = false;
	s->ops->stop(m->engine);
	m->engine = NULL;
	sim_drop_inbox(m);
	pi = find_proc(s, m->pid);
	if (pi >= 0) {
		s->procs[pi].alive = false;
	}
	check_table(s);
	sim_resync(s);
}

/* No vmhad runs any more: what the group knew is lost. */
static void check_table(struct sim *s)
{
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		if (s->hosts[h].m.alive) {
			return;
		}
	}
	if (!s->table_lost) {
		sim_trace(s, "world: no vmhad runs: the table is lost (no liveness check)");
	}
	s->table_lost = true;
}

/* The lowest-named host whose vmhad runs in side (what a coordinator rule would pick). */
size_t sim_coordinator_guess(struct sim *s, int side)
{
	size_t h;

	for (h = 0; h < s->n_hosts; h++) {
		if (in_side(s, h, side) && s->hosts[h].m.alive) {
			return h;
		}
	}
	return SIZE_MAX;
}

int sim_find_vm(struct sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_vms; i++) {
		if (strcmp(s->vms[i].spec.name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

void sim_kill_vms(struct sim *s, size_t h, const char *why)
{
	char list[512] = "";
	size_t used = 0;
	size_t i;

	for (i = 0; i < s->n_vms; i++) {
		if (s->vms[i].running & (1u << h)) {
			s->vms[i].running &= ~(1u << h);
			used += (size_t)snprintf(list + used,
			                         used < sizeof(list) ? sizeof(list) - used : 0,
			                         " %s", s->vms[i].spec.name);
			if (used >= sizeof(list)) {
				used = sizeof(list) - 1;
			}
		}
	}
	sim_trace(s, "world: %s: vms stopped on %s:%s", why, s->hosts[h].name,
	          list[0] ? list : " none");
}

/* The self-fence stops the listed VMs where they run on h (the others go on). */
void sim_stop_vms(struct sim *s, size_t h, char (*vms)[SIM_NAME_SIZE], size_t n, const char *why)
{
	char list[512] = "";
	size_t used = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int v = sim_find_vm(s, vms[i]);

		if (v >= 0 && (s->vms[v].running & (1u << h))) {
			s->vms[v].running &= ~(1u << h);
			used += (size_t)snprintf(list + used,
			                         used < sizeof(list) ? sizeof(list) - used : 0,
			                         " %s", vms[i]);
			if (used >= sizeof(list)) {
				used = sizeof(list) - 1;
			}
		}
	}
	sim_trace(s, "world: %s: vms stopped on %s:%s", why, s->hosts[h].name,
	          list[0] ? list : " none");
	for (i = 0; i < s->n_vms; i++) {
		if (s->vms[i].running & (1u << h)) {
			sim_trace(s, "world: %s: %s keeps running on %s", why, s->vms[i].spec.name,
			          s->hosts[h].name);
		}
	}
}

/* Power loss, reset or fence: VMs die, the vmhad dies, the node leaves the ring. */
void sim_node_down(struct sim *s, size_t h, const char *why)
{
	struct sim_host *host = &s->hosts[h];
	size_t i;

	if (!host->up) {
		return;
	}
	sim_trace(s, "world: node %s goes down (%s)", host->name, why);
	sim_kill_vms(s, h, why);
	host->boot_epoch++;
	for (i = 0; i < s->n_vms; i++) {
		s->vms[i].starting[h] = 0;
	}
	if (host->m.alive) {
		host->m.alive = false;
		s->ops->stop(host->m.engine);
		host->m.engine = NULL;
		sim_drop_inbox(&host->m);
	}
	for (i = 0; i < s->n_procs; i++) {
		if (s->procs[i].host == h) {
			s->procs[i].alive = false;
		}
	}
	host->up = false;
	host->wd_armed = false;
	check_table(s);
	sim_resync(s);
	/* a server takes its time to boot: the failover has happened by then */
	sim_at(s, s->now + sim_range(s, 30000, 60000), EV_REBOOT, h, 0, host->boot_epoch, 0);
}
