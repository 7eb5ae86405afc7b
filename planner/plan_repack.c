/*
 * The planner's exact repacking of a few hosts (see plan_int.h), for tight
 * packings where the last VMs stay stranded because the free room ends as
 * small holes spread over many hosts. One stranded VM s, a target host
 * allowed for it (each in turn, the one with the most room first), the
 * hosts with the most free room (after a first round over the targets:
 * the hosts with room in random order) until together they have room for
 * s in every dimension (at most REPACK_MAX_HOSTS), and one more host, all
 * at random from a fixed-seed generator: every displaced VM restarted on those hosts is taken off, and
 * they and s are placed back onto the same hosts by bin completion: one
 * host at a time takes a set of the VMs left (largest first, a VM the same
 * as one that just failed there skipped) until its free room is no more
 * than the room the set will have left over once everything is placed,
 * which is what bounds the search (zero on a perfect packing: every host
 * filled exactly). Either every VM taken off and s are placed (s restarts,
 * nothing is stranded that was not) or everything goes back where it was:
 * never fewer restarted, never a higher priority stranded. When the room
 * is spread too thin for any such set, the free room is gathered onto
 * fewer hosts first (plan_gather.c). Capacity, anti-affinity and allowed
 * hosts hold for every placement. Deterministic: the budget counts
 * placements tried, not time.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* At most this many hosts repacked at once. */
#define REPACK_MAX_HOSTS 8
/* Hosts added beyond those needed for room (when there are that many). */
#define REPACK_EXTRA_HOSTS 1
/* Repacks tried after gathering stops gaining, before the search gives up. */
#define REPACK_TRIES 200
/* Placements tried per repack. */
#define REPACK_TRY_NODES 20000

struct rp {
	struct vmha_plan *p;
	size_t *items; /* the VMs to place: s first, then those taken off */
	long *from;    /* per item: its host before (-1: stranded) */
	int64_t *suf;  /* per host of the set, (n + 1) x nd: demand of items i.. not placed */
	size_t n;
	size_t hs[REPACK_MAX_HOSTS];
	size_t k;
	int64_t waste[VMHA_MODEL_MAX_DIMS]; /* room left over once everything is placed */
	unsigned char *inset;               /* per host: in hs */
	double *w;                          /* per VM: size relative to the largest capacity */
	struct plan_pool q;                 /* the stranded VMs that may fit somewhere */
	size_t *order;                      /* per host scratch: live hosts by room */
	double *room;
	uint64_t nodes;
	uint64_t rng; /* xorshift, fixed seed: same input, same plan */
	bool oom;
};

static bool bc_host(struct rp *r, size_t j);

/* Are a and b interchangeable: the same demand, no groups, no host restrictions? */
bool plan_same_kind(const struct vmha_plan *p, size_t a, size_t b)
{
	size_t d;

	if (p->restricted[a] || p->restricted[b] || p->extra[a] != p->extra[b] ||
	    p->vg_off[a] != p->vg_off[a + 1] || p->vg_off[b] != p->vg_off[b + 1]) {
		return false;
	}
	for (d = 0; d < p->nd; d++) {
		if (p->dem[a * p->nd + d] != p->dem[b * p->nd + d]) {
			return false;
		}
	}
	return true;
}

/* Is every item placed? */
static bool all_placed(const struct rp *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->p->outcome[r->items[i]] != VMHA_PLAN_RESTART) {
			return false;
		}
	}
	return true;
}

/*
 * Host hs[j] takes items from @p from on (largest first) until its free
 * room is no more than may be left over; then the next host.
 */
static bool bc_items(struct rp *r, size_t j, size_t from)
{
	struct vmha_plan *p = r->p;
	const size_t nd = p->nd;
	size_t h = r->hs[j];
	const int64_t *f = p->free + h * nd;
	int64_t *suf = r->suf + j * (r->n + 1) * nd;
	size_t last = SIZE_MAX;
	size_t i;
	size_t d;

	for (d = 0; d < nd && f[d] <= r->waste[d]; d++) {
	}
	if (d == nd) {
		/* h is full enough: what it keeps free is lost */
		int64_t keep[VMHA_MODEL_MAX_DIMS];

		for (d = 0; d < nd; d++) {
			keep[d] = r->waste[d];
			r->waste[d] -= f[d];
		}
		if (bc_host(r, j + 1)) {
			return true;
		}
		for (d = 0; d < nd; d++) {
			r->waste[d] = keep[d];
		}
	}
	for (i = from; i < r->n && r->nodes > 0 && !r->oom; i++) {
		size_t v = r->items[i];

		r->nodes--; /* every VM looked at counts */
		if (last != SIZE_MAX && plan_same_kind(p, last, v)) {
			continue; /* the same as one that failed here: fails the same way */
		}
		for (d = 0; d < nd && suf[i * nd + d] >= f[d] - r->waste[d]; d++) {
		}
		if (d < nd) {
			break; /* the items left cannot fill h enough */
		}
		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_fits(p, v, h) ||
		    !plan_aa_ok(p, v, h)) {
			continue;
		}
		if (plan_assign(p, v, h) < 0) {
			r->oom = true;
			break;
		}
		if (bc_items(r, j, i + 1)) {
			return true;
		}
		if (plan_unassign(p, v) < 0) {
			r->oom = true;
		}
		last = v;
	}
	return false;
}

/* Fill hosts hs[j..k) with every item not placed yet (bin completion). */
static bool bc_host(struct rp *r, size_t j)
{
	struct vmha_plan *p = r->p;
	const size_t nd = p->nd;
	int64_t *suf;
	size_t i;
	size_t d;

	if (j == r->k) {
		return all_placed(r);
	}
	/* the set-up below costs about one try per item */
	r->nodes = r->nodes > r->n ? r->nodes - r->n : 0;
	/* the demand of the items not placed yet, from i on, that h may take */
	suf = r->suf + j * (r->n + 1) * nd;
	for (d = 0; d < nd; d++) {
		suf[r->n * nd + d] = 0;
	}
	for (i = r->n; i-- > 0;) {
		size_t v = r->items[i];
		bool take = p->outcome[v] != VMHA_PLAN_RESTART &&
		            plan_host_usable(p, v, r->hs[j], p->extra[v] != 0);

		for (d = 0; d < nd; d++) {
			suf[i * nd + d] = suf[(i + 1) * nd + d] + (take ? p->dem[v * nd + d] : 0);
		}
	}
	return bc_items(r, j, 0);
}

/*
 * Stranded s and the search VMs on hs[0..k) placed back onto those hosts.
 * @return whether it worked (then every one of them is placed); else
 * everything is back where it was
 */
static bool repack(struct rp *r, size_t s)
{
	struct vmha_plan *p = r->p;
	size_t i;
	size_t j;
	size_t d;
	bool ok;

	r->n = 0;
	r->items[r->n++] = s;
	for (d = 0; d < p->nd; d++) {
		r->waste[d] = -p->dem[s * p->nd + d];
		for (j = 0; j < r->k; j++) {
			r->waste[d] += p->free[r->hs[j] * p->nd + d];
		}
		if (r->waste[d] < 0) {
			return false;
		}
	}
	for (i = 0; i < p->nsv; i++) {
		size_t v = p->sv[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART && r->inset[p->target[v]]) {
			r->items[r->n++] = v;
		}
	}
	for (i = 0; i < r->n; i++) {
		p->cur_host[r->items[i]] = i == 0 ? -1 : p->target[r->items[i]];
	}
	for (i = 1; i < r->n && !r->oom; i++) {
		if (plan_unassign(p, r->items[i]) < 0) {
			r->oom = true;
		}
	}
	qsort_r(r->items, r->n, sizeof(*r->items), plan_cmp_key_desc, r->w);
	for (i = 0; i < r->n; i++) {
		r->from[i] = p->cur_host[r->items[i]];
	}
	r->nodes = REPACK_TRY_NODES;
	ok = !r->oom && bc_host(r, 0);
	p->budget = p->budget > REPACK_TRY_NODES - r->nodes
	                    ? p->budget - (REPACK_TRY_NODES - r->nodes)
	                    : 0;
	p->budget = p->budget > r->n ? p->budget - r->n : 0;
	for (i = 0; i < r->n && !ok && !r->oom; i++) {
		if (r->from[i] >= 0 && plan_assign(p, r->items[i], (size_t)r->from[i]) < 0) {
			r->oom = true;
		}
	}
	return ok && !r->oom;
}

static void add_host(struct rp *r, size_t h)
{
	r->hs[r->k++] = h;
	r->inset[h] = 1;
}

/*
 * The hosts for attempt @p a at s: target t (the a-th allowed host, by
 * room), then the others by room until they have room for s, then a few
 * at random. @return false when there is no such set
 */
static bool pick_hosts(struct rp *r, size_t s, uint64_t a)
{
	struct vmha_plan *p = r->p;
	int64_t need[VMHA_MODEL_MAX_DIMS];
	size_t nt = 0;
	size_t t = 0;
	uint64_t round;
	size_t i;
	size_t d;
	size_t extra;
	bool covered;

	for (i = 0; i < r->k; i++) {
		r->inset[r->hs[i]] = 0;
	}
	r->k = 0;
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		r->room[h] = plan_room(p, h);
		r->order[i] = h;
	}
	qsort_r(r->order, p->nlive, sizeof(*r->order), plan_cmp_key_desc, r->room);
	for (i = 0; i < p->nlive; i++) {
		size_t h = r->order[i];

		if (plan_host_sane(p, h) && plan_host_usable(p, s, h, p->extra[s] != 0)) {
			nt++;
		}
	}
	if (nt == 0) {
		return false;
	}
	round = a / nt;
	a %= nt;
	for (i = 0; i < p->nlive; i++) {
		size_t h = r->order[i];

		if (plan_host_sane(p, h) && plan_host_usable(p, s, h, p->extra[s] != 0) &&
		    a-- == 0) {
			t = h;
			break;
		}
	}
	add_host(r, t);
	for (d = 0; d < p->nd; d++) {
		need[d] = p->dem[s * p->nd + d] - p->free[t * p->nd + d];
	}
	if (round > 0) {
		/* after a first round with the most room first: the hosts with room in random order */
		size_t nr;

		for (nr = 0; nr < p->nlive && r->room[r->order[nr]] > 0; nr++) {
		}
		for (i = nr; i > 1; i--) {
			size_t j = (size_t)plan_rand(&r->rng, i);
			size_t x = r->order[i - 1];

			r->order[i - 1] = r->order[j];
			r->order[j] = x;
		}
	}
	for (i = 0; i < p->nlive && r->k < REPACK_MAX_HOSTS; i++) {
		size_t h = r->order[i];

		for (d = 0; d < p->nd && need[d] <= 0; d++) {
		}
		if (d == p->nd) {
			break;
		}
		if (r->inset[h] || !plan_host_sane(p, h) || r->room[h] <= 0) {
			continue;
		}
		add_host(r, h);
		for (d = 0; d < p->nd; d++) {
			need[d] -= p->free[h * p->nd + d];
		}
	}
	covered = true;
	for (d = 0; d < p->nd; d++) {
		covered = covered && need[d] <= 0;
	}
	if (!covered) {
		return false;
	}
	for (extra = 0; extra < REPACK_EXTRA_HOSTS && r->k < REPACK_MAX_HOSTS && r->k < p->nlive;
	     extra++) {
		size_t h = p->live[plan_rand(&r->rng, p->nlive)];

		if (!r->inset[h] && plan_host_sane(p, h)) {
			add_host(r, h);
		}
	}
	return true;
}

static void rp_free(struct rp *r)
{
	free(r->items);
	free(r->from);
	free(r->suf);
	free(r->inset);
	free(r->w);
	free(r->q.pool);
	free(r->order);
	free(r->room);
	free(r->q.head);
	free(r->q.next);
}

static int rp_init(struct rp *r, struct vmha_plan *p)
{
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	size_t i;
	size_t d;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->items = plan_xcalloc(p->nv + 1, sizeof(*r->items), &rc);
	r->from = plan_xcalloc(p->nv + 1, sizeof(*r->from), &rc);
	r->inset = plan_xcalloc(p->nh, 1, &rc);
	r->suf = plan_xcalloc(REPACK_MAX_HOSTS * (p->nv + 2) * p->nd, sizeof(*r->suf), &rc);
	r->w = plan_xcalloc(p->nv, sizeof(*r->w), &rc);
	r->q.pool = plan_xcalloc(p->nv, sizeof(*r->q.pool), &rc);
	r->order = plan_xcalloc(p->nh, sizeof(*r->order), &rc);
	r->room = plan_xcalloc(p->nh, sizeof(*r->room), &rc);
	r->q.head = plan_xcalloc(p->nh, sizeof(*r->q.head), &rc);
	r->q.next = plan_xcalloc(p->nv, sizeof(*r->q.next), &rc);
	r->rng = 0x2545f4914f6cdd1dULL;
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < p->nlive; i++) {
		for (d = 0; d < p->nd; d++) {
			int64_t c = p->cap[p->live[i] * p->nd + d];

			maxcap[d] = c > maxcap[d] ? c : maxcap[d];
		}
	}
	p->nsv = 0;
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		p->sv[p->nsv++] = v;
		for (d = 0; d < p->nd; d++) {
			r->w[v] += maxcap[d] > 0 ? (double)p->dem[v * p->nd + d] / (double)maxcap[d]
			                         : 0.0;
		}
		if (p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v)) {
			r->q.pool[r->q.npool++] = v;
		}
	}
	qsort_r(r->q.pool, r->q.npool, sizeof(*r->q.pool), plan_cmp_rank, p->rank);
out:
	return rc;
}

int plan_repack_search(struct vmha_plan *p, uint64_t budget)
{
	struct rp r;
	uint64_t attempt = 0;
	size_t turn = 0;
	size_t fails = 0;
	bool may_gather = true;
	bool short_of_room = false;
	int rc = 0;

	rc = rp_init(&r, p);
	if (rc < 0) {
		goto out;
	}
	p->budget = budget;
	while (r.q.npool > 0 && p->budget > 0 && fails <= REPACK_TRIES) {
		size_t top;
		size_t s;
		size_t i;

		if (short_of_room && may_gather) {
			/* the room is spread too thin for a repack: gather it, once per dry spell */
			bool gained = false;

			rc = plan_gather_pass(p, &r.q, &gained);
			if (rc < 0) {
				goto out;
			}
			may_gather = gained;
			short_of_room = false;
			continue;
		}
		/* the highest priority first, taking turns among its VMs */
		for (top = 0; top < r.q.npool && p->level[r.q.pool[top]] == p->level[r.q.pool[0]];
		     top++) {
		}
		i = turn % top;
		s = r.q.pool[i];
		attempt++;
		if (!pick_hosts(&r, s, attempt / top)) {
			short_of_room = true;
		} else if (repack(&r, s)) {
			memmove(r.q.pool + i, r.q.pool + i + 1,
			        (r.q.npool - i - 1) * sizeof(*r.q.pool));
			r.q.npool--;
			rc = plan_place_pool(p, &r.q);
			if (rc < 0) {
				goto out;
			}
			fails = 0;
			may_gather = true;
			continue;
		}
		if (r.oom || r.q.oom) {
			rc = -ENOMEM;
			goto out;
		}
		p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
		turn++;
		fails++;
	}
	p->budget_hit = p->budget == 0 && r.q.npool > 0;
out:
	rp_free(&r);
	return rc;
}
