/*
 * The planner's ejection search (see plan_int.h): from a plan with stranded
 * VMs, every host kept within capacity, anti-affinity and allowed hosts at
 * every step. A move puts one stranded VM s on a host and takes off it at
 * most two restarted VMs of s's priority or lower (never higher) so that s
 * fits; those become stranded and may not go back to that host for a few
 * moves (tabu). The move chosen is the one that strands the least weight
 * (size relative to the capacity, the higher priorities weighing far more),
 * even when that is worse than now: small VMs are easier to place, so the
 * big ones go in and the small ones then find the holes. After each move
 * every stranded VM that fits somewhere is placed (best fit). The best plan
 * seen is kept when it restarts more than the plan so far. Deterministic:
 * the budget counts evaluated moves, not time.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* A VM ejected from a host may not go back to it for this many moves. */
#define EJECT_TENURE 7
/* The weight of one priority level over the next (stranded weight). */
#define LEVEL_WEIGHT 1000.0
/* Each ejection of a VM makes ejecting it again this much (relative) dearer. */
#define EJECT_PENALTY 0.05
/* A repack (a kick) tries at most this many placements. */
#define REPACK_NODES 4000
/* A kick repacks two or three of this many hosts with the most room. */
#define REPACK_TOP 6
/* Moves without a better plan before a kick. */
#define KICK_AFTER 50

struct ej {
	struct vmha_plan *p;
	size_t *head; /* per host: the first search VM restarted there, SIZE_MAX none */
	size_t *next; /* per VM */
	size_t *prev;
	size_t *pool; /* the stranded search VMs that fit somewhere before any restart */
	size_t npool;
	uint64_t *tabu_until; /* per VM: not back on tabu_host before this move */
	long *tabu_host;
	uint64_t *placed_at; /* per VM: the move that placed it (not ejected right after) */
	double *w;           /* per VM: size relative to the largest capacity */
	long *best;          /* per sv: the best plan's host */
	size_t *best_levels;
	size_t nbest;
	uint64_t iter;
	uint64_t rng;      /* xorshift, fixed seed: same input, same plan */
	uint32_t *ejected; /* per VM: how often it was ejected (costs more each time) */
	size_t *items;     /* repack: the VMs taken off the hosts repacked */
	long *from;        /* repack: where they were */
	size_t *hosts;     /* repack: live hosts by free room, most first */
	double *room;      /* per host: free room relative to the capacity */
	bool oom;
};

static uint64_t ej_rand(struct ej *e, uint64_t n)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return e->rng % n;
}

static void list_add(struct ej *e, size_t v, size_t h)
{
	e->prev[v] = SIZE_MAX;
	e->next[v] = e->head[h];
	if (e->head[h] != SIZE_MAX) {
		e->prev[e->head[h]] = v;
	}
	e->head[h] = v;
}

static void list_del(struct ej *e, size_t v, size_t h)
{
	if (e->prev[v] != SIZE_MAX) {
		e->next[e->prev[v]] = e->next[v];
	} else {
		e->head[h] = e->next[v];
	}
	if (e->next[v] != SIZE_MAX) {
		e->prev[e->next[v]] = e->prev[v];
	}
}

static int ej_assign(struct ej *e, size_t v, size_t h)
{
	list_add(e, v, h);
	e->placed_at[v] = e->iter;
	return plan_assign(e->p, v, h);
}

static int ej_unassign(struct ej *e, size_t v)
{
	size_t h = (size_t)e->p->target[v];

	list_del(e, v, h);
	e->tabu_host[v] = (long)h;
	e->tabu_until[v] = e->iter + EJECT_TENURE + ej_rand(e, EJECT_TENURE);
	e->ejected[v]++;
	e->pool[e->npool++] = v;
	return plan_unassign(e->p, v);
}

static bool in_group(const struct vmha_plan *p, size_t v, size_t g)
{
	size_t i;

	for (i = p->vg_off[v]; i < p->vg_off[v + 1]; i++) {
		if (p->vg[i] == g) {
			return true;
		}
	}
	return false;
}

/* Does s fit h once a and b (SIZE_MAX: none) leave it: capacity and anti-affinity? */
static bool fits_without(const struct vmha_plan *p, size_t s, size_t h, size_t a, size_t b)
{
	const int64_t *f = p->free + h * p->nd;
	const int64_t *x = p->dem + s * p->nd;
	size_t i;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		int64_t room = f[d];

		room += a != SIZE_MAX ? p->dem[a * p->nd + d] : 0;
		room += b != SIZE_MAX ? p->dem[b * p->nd + d] : 0;
		if (room < x[d]) {
			return false;
		}
	}
	for (i = p->vg_off[s]; i < p->vg_off[s + 1]; i++) {
		size_t g = p->vg[i];
		uint32_t c = p->gcount[g * p->nh + h];

		c -= a != SIZE_MAX && in_group(p, a, g) ? 1 : 0;
		c -= b != SIZE_MAX && in_group(p, b, g) ? 1 : 0;
		if (c > 0) {
			return false;
		}
	}
	return true;
}

/* The stranded weight VM u adds when ejected to place a VM of level @p ls. */
static double eject_cost(const struct ej *e, size_t u, size_t ls)
{
	double w = e->w[u] * (1.0 + EJECT_PENALTY * e->ejected[u]);

	return e->p->level[u] == ls ? LEVEL_WEIGHT * w : w;
}

/* May u leave its host to make room for a VM of level @p ls? */
static bool ejectable(const struct ej *e, size_t u, size_t ls)
{
	return e->p->level[u] >= ls && e->placed_at[u] != e->iter && e->placed_at[u] + 1 != e->iter;
}

/*
 * The best move of stranded VM s: host *to, ejecting *a and *b (SIZE_MAX
 * none). @return false when s has no move.
 */
static bool best_move(struct ej *e, size_t s, size_t *to, size_t *a, size_t *b)
{
	struct vmha_plan *p = e->p;
	size_t ls = p->level[s];
	double best = 0;
	bool found = false;
	size_t k;

	for (k = 0; k < p->nlive && p->budget > 0; k++) {
		size_t h = p->live[k];
		size_t u;
		size_t u2;

		p->budget--;
		if (!plan_host_usable(p, s, h, p->extra[s] != 0) ||
		    (e->tabu_host[s] == (long)h && e->tabu_until[s] > e->iter)) {
			continue;
		}
		if (fits_without(p, s, h, SIZE_MAX, SIZE_MAX)) {
			*to = h;
			*a = SIZE_MAX;
			*b = SIZE_MAX;
			return true;
		}
		for (u = e->head[h]; u != SIZE_MAX && p->budget > 0; u = e->next[u]) {
			double cu;

			if (!ejectable(e, u, ls)) {
				continue;
			}
			cu = eject_cost(e, u, ls);
			p->budget--;
			if (fits_without(p, s, h, u, SIZE_MAX)) {
				if (!found || cu < best) {
					found = true;
					best = cu;
					*to = h;
					*a = u;
					*b = SIZE_MAX;
				}
				continue; /* a pair with u costs more */
			}
			if (found && cu >= best) {
				continue;
			}
			for (u2 = e->next[u]; u2 != SIZE_MAX && p->budget > 0; u2 = e->next[u2]) {
				double c;

				if (!ejectable(e, u2, ls)) {
					continue;
				}
				c = cu + eject_cost(e, u2, ls);
				p->budget--;
				if ((!found || c < best) && fits_without(p, s, h, u, u2)) {
					found = true;
					best = c;
					*to = h;
					*a = u;
					*b = u2;
				}
			}
		}
	}
	return found;
}

/*
 * Place items[i..n) onto hosts hs[0..k) (depth first, in order, at most
 * *nodes tries); on failure nothing of items[i..n) is placed.
 */
static bool repack_dfs(struct ej *e, const size_t *hs, size_t k, size_t n, size_t i,
                       uint64_t *nodes)
{
	struct vmha_plan *p = e->p;
	size_t v;
	size_t j;

	if (i == n) {
		return true;
	}
	v = e->items[i];
	for (j = 0; j<k && * nodes> 0 && !e->oom; j++) {
		size_t h = hs[j];

		(*nodes)--;
		if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_fits(p, v, h) ||
		    !plan_aa_ok(p, v, h)) {
			continue;
		}
		if (plan_assign(p, v, h) < 0) {
			e->oom = true;
			break;
		}
		if (repack_dfs(e, hs, k, n, i + 1, nodes)) {
			return true;
		}
		if (plan_unassign(p, v) < 0) {
			e->oom = true;
		}
	}
	return false;
}

/*
 * Stranded VM s and the search VMs on hosts hs[0..k) repacked onto those
 * hosts (largest first). @return whether s was placed (then so is every
 * VM taken off); else everything is back where it was.
 */
static bool repack(struct ej *e, size_t s, const size_t *hs, size_t k)
{
	struct vmha_plan *p = e->p;
	uint64_t nodes = REPACK_NODES;
	size_t n = 0;
	size_t i;
	size_t j;
	bool ok;

	e->items[n++] = s;
	for (j = 0; j < k; j++) {
		size_t u;

		for (u = e->head[hs[j]]; u != SIZE_MAX; u = e->next[u]) {
			e->items[n++] = u;
		}
	}
	for (i = 1; i < n; i++) {
		e->from[i] = p->target[e->items[i]];
		list_del(e, e->items[i], (size_t)e->from[i]);
		if (plan_unassign(p, e->items[i]) < 0) {
			e->oom = true;
		}
	}
	e->from[0] = -1;
	for (i = 0; i < n; i++) {
		p->cur_host[e->items[i]] = e->from[i]; /* through the sort */
	}
	qsort_r(e->items, n, sizeof(*e->items), plan_cmp_key_desc, e->w);
	for (i = 0; i < n; i++) {
		e->from[i] = p->cur_host[e->items[i]];
	}
	p->budget = p->budget > n * k ? p->budget - n * k : 0;
	ok = !e->oom && repack_dfs(e, hs, k, n, 0, &nodes);
	p->budget = p->budget > REPACK_NODES - nodes ? p->budget - (REPACK_NODES - nodes) : 0;
	for (i = 0; i < n && !e->oom; i++) {
		size_t v = e->items[i];

		if (!ok && e->from[i] >= 0 && plan_assign(p, v, (size_t)e->from[i]) < 0) {
			e->oom = true;
		}
		if (p->target[v] >= 0) {
			list_add(e, v, (size_t)p->target[v]);
			e->placed_at[v] = e->iter;
		}
	}
	return ok && !e->oom;
}

/*
 * A kick: the first stranded VM and the VMs of two or three of the hosts
 * with the most room (one of them allowed for it) repacked together.
 * @return whether it was placed
 */
static bool repack_kick(struct ej *e)
{
	struct vmha_plan *p = e->p;
	size_t s = e->pool[0];
	size_t t = p->nlive < REPACK_TOP ? p->nlive : REPACK_TOP;
	size_t hs[3];
	size_t a;
	size_t b;
	size_t c;
	size_t k;
	size_t d;

	for (k = 0; k < p->nlive; k++) {
		size_t h = p->live[k];

		e->room[h] = 0;
		for (d = 0; d < p->nd; d++) {
			e->room[h] += (double)p->free[h * p->nd + d] * p->inv_cap[h * p->nd + d];
		}
		e->hosts[k] = h;
	}
	qsort_r(e->hosts, p->nlive, sizeof(*e->hosts), plan_cmp_key_desc, e->room);
	for (a = 0; a < t; a++) {
		for (b = a + 1; b < t && p->budget > 0; b++) {
			hs[0] = e->hosts[a];
			hs[1] = e->hosts[b];
			if (!plan_host_usable(p, s, hs[0], p->extra[s] != 0) &&
			    !plan_host_usable(p, s, hs[1], p->extra[s] != 0)) {
				continue;
			}
			if (repack(e, s, hs, 2)) {
				return true;
			}
			for (c = b + 1; c < t && p->budget > 0; c++) {
				hs[2] = e->hosts[c];
				if (repack(e, s, hs, 3)) {
					return true;
				}
			}
		}
	}
	return false;
}

/* Every stranded VM of the pool that fits somewhere now: there, by best fit. */
static int place_pool(struct ej *e)
{
	struct vmha_plan *p = e->p;
	size_t i;
	size_t n = 0;
	int rc = 0;

	qsort_r(e->pool, e->npool, sizeof(*e->pool), plan_cmp_rank, p->rank);
	for (i = 0; i < e->npool; i++) {
		size_t v = e->pool[i];
		long h = plan_choose(p, v, BEST_FIT, -1, p->extra[v] != 0);

		p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
		if (h >= 0) {
			rc = ej_assign(e, v, (size_t)h);
			if (rc < 0) {
				break;
			}
		} else {
			e->pool[n++] = v;
		}
	}
	if (rc == 0) {
		e->npool = n;
	}
	return rc;
}

/* Keep the current plan when it restarts more than the best so far. @return whether */
static bool keep_if_better(struct ej *e)
{
	struct vmha_plan *p = e->p;
	size_t n = plan_stranded_levels(p, p->cand_levels);
	size_t i;

	if (plan_compare_levels(p->cand_levels, n, e->best_levels, e->nbest) <= 0) {
		return false;
	}
	memcpy(e->best_levels, p->cand_levels, n * sizeof(*p->cand_levels));
	e->nbest = n;
	for (i = 0; i < p->nsv; i++) {
		e->best[i] = p->target[p->sv[i]];
	}
	return true;
}

static int ej_init(struct ej *e, struct vmha_plan *p)
{
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	size_t i;
	size_t k;
	size_t d;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	e->p = p;
	e->head = plan_xcalloc(p->nh, sizeof(*e->head), &rc);
	e->next = plan_xcalloc(p->nv, sizeof(*e->next), &rc);
	e->prev = plan_xcalloc(p->nv, sizeof(*e->prev), &rc);
	e->pool = plan_xcalloc(p->nv, sizeof(*e->pool), &rc);
	e->tabu_until = plan_xcalloc(p->nv, sizeof(*e->tabu_until), &rc);
	e->tabu_host = plan_xcalloc(p->nv, sizeof(*e->tabu_host), &rc);
	e->placed_at = plan_xcalloc(p->nv, sizeof(*e->placed_at), &rc);
	e->w = plan_xcalloc(p->nv, sizeof(*e->w), &rc);
	e->best = plan_xcalloc(p->nv, sizeof(*e->best), &rc);
	e->best_levels = plan_xcalloc(p->nv, sizeof(*e->best_levels), &rc);
	e->ejected = plan_xcalloc(p->nv, sizeof(*e->ejected), &rc);
	e->items = plan_xcalloc(p->nv + 1, sizeof(*e->items), &rc);
	e->from = plan_xcalloc(p->nv + 1, sizeof(*e->from), &rc);
	e->hosts = plan_xcalloc(p->nh, sizeof(*e->hosts), &rc);
	e->room = plan_xcalloc(p->nh, sizeof(*e->room), &rc);
	e->rng = 0x9e3779b97f4a7c15ULL;
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < p->nh; i++) {
		e->head[i] = SIZE_MAX;
	}
	for (k = 0; k < p->nlive; k++) {
		for (d = 0; d < p->nd; d++) {
			int64_t c = p->cap[p->live[k] * p->nd + d];

			maxcap[d] = c > maxcap[d] ? c : maxcap[d];
		}
	}
	p->nsv = 0;
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		p->saved[i] = p->target[v];
		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		p->sv[p->nsv++] = v;
		e->tabu_host[v] = -1;
		e->placed_at[v] = UINT64_MAX - 1;
		for (d = 0; d < p->nd; d++) {
			e->w[v] += maxcap[d] > 0 ? (double)p->dem[v * p->nd + d] / (double)maxcap[d]
			                         : 0.0;
		}
		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			list_add(e, v, (size_t)p->target[v]);
		} else if (plan_vm_may_fit(p, v)) {
			e->pool[e->npool++] = v;
		}
	}
	e->nbest = plan_stranded_levels(p, e->best_levels);
	for (i = 0; i < p->nsv; i++) {
		e->best[i] = p->target[p->sv[i]];
	}
out:
	return rc;
}

static void ej_free(struct ej *e)
{
	free(e->head);
	free(e->next);
	free(e->prev);
	free(e->pool);
	free(e->tabu_until);
	free(e->tabu_host);
	free(e->placed_at);
	free(e->w);
	free(e->best);
	free(e->best_levels);
	free(e->ejected);
	free(e->items);
	free(e->from);
	free(e->hosts);
	free(e->room);
}

int plan_eject_search(struct vmha_plan *p, uint64_t budget)
{
	struct ej e;
	size_t i;
	size_t turn = 0;
	uint64_t last_gain = 0;
	int rc = 0;

	rc = ej_init(&e, p);
	if (rc < 0) {
		goto out;
	}
	p->budget = budget;
	while (e.npool > 0 && p->budget > 0) {
		size_t to = 0;
		size_t a = SIZE_MAX;
		size_t b = SIZE_MAX;
		size_t s = SIZE_MAX;
		size_t k;

		e.iter++;
		/* the pool is in rank order: its highest priority first, taking turns */
		for (k = 0; k < e.npool && p->level[e.pool[k]] == p->level[e.pool[0]]; k++) {
		}
		for (i = 0; i < e.npool && s == SIZE_MAX && p->budget > 0; i++) {
			size_t c = e.pool[i < k ? (i + turn) % k : i];

			if (best_move(&e, c, &to, &a, &b)) {
				s = c;
			}
		}
		turn++;
		if (s == SIZE_MAX || e.iter - last_gain >= KICK_AFTER) {
			/* stuck: a kick, or the end when it fails and there is no move */
			size_t top = e.pool[0];

			last_gain = e.iter;
			if (repack_kick(&e)) {
				for (k = 0; k < e.npool && e.pool[k] != top; k++) {
				}
				e.pool[k] = e.pool[--e.npool];
				rc = place_pool(&e);
				if (rc < 0) {
					goto out;
				}
				keep_if_better(&e);
				continue;
			}
			if (e.oom) {
				rc = -ENOMEM;
				goto out;
			}
			if (s == SIZE_MAX) {
				break;
			}
		}
		for (k = 0; k < e.npool && e.pool[k] != s; k++) {
		}
		e.pool[k] = e.pool[--e.npool];
		if (a != SIZE_MAX) {
			rc = ej_unassign(&e, a);
		}
		if (rc == 0 && b != SIZE_MAX) {
			rc = ej_unassign(&e, b);
		}
		if (rc == 0) {
			rc = ej_assign(&e, s, to);
		}
		if (rc == 0) {
			rc = place_pool(&e);
		}
		if (rc < 0) {
			goto out;
		}
		if (keep_if_better(&e)) {
			last_gain = e.iter;
		}
	}
	p->budget_hit = p->budget == 0 && e.npool > 0;
	plan_reset_state(p);
	for (i = 0; i < p->nsv && rc == 0; i++) {
		if (e.best[i] >= 0) {
			rc = plan_assign(p, p->sv[i], (size_t)e.best[i]);
		}
	}
out:
	ej_free(&e);
	return rc;
}
