/*
 * The planner's host-by-host filling (see plan_int.h), for tight packings
 * where the displaced VMs may all fit: one survivor at a time, the set of
 * not yet placed VMs that leaves it the least free room (relative to its
 * capacity, summed over the dimensions) is searched depth first, the
 * largest VMs first (at most a few alternatives per VM already in the set,
 * and a fixed number of tries per host; the last VM of a set may also be
 * one whose demand is exactly the room left), and stops at a set that
 * fills the host exactly. Hosts are filled from the one with the least
 * free room (measured: fewer stranded than from the most). Capacity,
 * anti-affinity and allowed hosts hold for every set tried. It replaces
 * the plan so far: the caller keeps the better one. Deterministic: the
 * budget counts tries, not time.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Tries per host. */
#define FILL_NODES 20000
/* Sets tried per VM already in the set: the search goes wide, not only deep. */
#define FILL_BRANCH 12

struct fill {
	struct vmha_plan *p;
	size_t *items; /* the VMs to place, largest first */
	size_t n;
	size_t *cur; /* the set being tried */
	size_t ncur;
	size_t *best; /* the best set for this host */
	size_t nbest;
	double best_room;
	uint64_t nodes;
	bool exact;
	bool oom;
	double *w;
	size_t *bydem; /* the VMs to place by demand vector (exact-fit lookup) */
};

static int cmp_dem_key(const struct vmha_plan *p, const int64_t *key, size_t v)
{
	const int64_t *x = p->dem + v * p->nd;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (key[d] != x[d]) {
			return key[d] < x[d] ? -1 : 1;
		}
	}
	return 0;
}

/* A VM not placed yet whose demand is exactly h's free room, allowed there: SIZE_MAX none. */
static size_t exact_fit(struct fill *f, size_t h)
{
	const struct vmha_plan *p = f->p;
	const int64_t *key = p->free + h * p->nd;
	size_t lo = 0;
	size_t hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_dem_key(p, key, f->bydem[mid]) > 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	for (; lo < f->n && cmp_dem_key(p, key, f->bydem[lo]) == 0; lo++) {
		size_t v = f->bydem[lo];

		if (p->outcome[v] != VMHA_PLAN_RESTART &&
		    plan_host_usable(p, v, h, p->extra[v] != 0) && plan_aa_ok(p, v, h)) {
			return v;
		}
	}
	return SIZE_MAX;
}

static int cmp_dem(const void *x, const void *y, void *arg)
{
	const struct vmha_plan *p = arg;
	size_t a = *(const size_t *)x;
	size_t b = *(const size_t *)y;
	int c = cmp_dem_key(p, p->dem + a * p->nd, b);

	return c != 0 ? c : (a < b ? -1 : a > b);
}

static double room_of(const struct vmha_plan *p, size_t h)
{
	double r = 0;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		r += (double)p->free[h * p->nd + d] * p->inv_cap[h * p->nd + d];
	}
	return r;
}

static void fill_dfs(struct fill *f, size_t h, size_t from)
{
	struct vmha_plan *p = f->p;
	size_t tried = 0;
	size_t j;

	for (j = from; j < f->n && f->nodes > 0 && !f->exact && !f->oom && tried < FILL_BRANCH;
	     j++) {
		size_t v = f->items[j];
		double r;

		f->nodes--;
		if (p->outcome[v] == VMHA_PLAN_RESTART || !plan_fits(p, v, h) ||
		    !plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_aa_ok(p, v, h)) {
			continue;
		}
		if (plan_assign(p, v, h) < 0) {
			f->oom = true;
			break;
		}
		f->cur[f->ncur++] = v;
		tried++;
		r = room_of(p, h);
		if (r < f->best_room) {
			f->best_room = r;
			f->nbest = f->ncur;
			memcpy(f->best, f->cur, f->ncur * sizeof(*f->cur));
			f->exact = r <= 0;
		}
		if (!f->exact) {
			size_t u = exact_fit(f, h);

			if (u != SIZE_MAX) {
				/* the last one fills h exactly */
				memcpy(f->best, f->cur, f->ncur * sizeof(*f->cur));
				f->best[f->ncur] = u;
				f->nbest = f->ncur + 1;
				f->best_room = 0;
				f->exact = true;
			}
		}
		fill_dfs(f, h, j + 1);
		f->ncur--;
		if (plan_unassign(p, v) < 0) {
			f->oom = true;
		}
	}
}

static int cmp_w(const void *x, const void *y, void *arg)
{
	const struct fill *f = arg;
	size_t a = *(const size_t *)x;
	size_t b = *(const size_t *)y;

	if (f->w[a] != f->w[b]) {
		return f->w[a] > f->w[b] ? -1 : 1;
	}
	return f->p->rank[a] < f->p->rank[b] ? -1 : f->p->rank[a] > f->p->rank[b];
}

int plan_fill(struct vmha_plan *p)
{
	struct fill f;
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	double *room = NULL;
	size_t *hosts = NULL;
	size_t i;
	size_t k;
	size_t d;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.p = p;
	f.items = plan_xcalloc(p->ndisp, sizeof(*f.items), &rc);
	f.cur = plan_xcalloc(p->ndisp, sizeof(*f.cur), &rc);
	f.best = plan_xcalloc(p->ndisp, sizeof(*f.best), &rc);
	f.w = plan_xcalloc(p->nv, sizeof(*f.w), &rc);
	f.bydem = plan_xcalloc(p->ndisp, sizeof(*f.bydem), &rc);
	room = plan_xcalloc(p->nh, sizeof(*room), &rc);
	hosts = plan_xcalloc(p->nlive, sizeof(*hosts), &rc);
	if (rc < 0) {
		goto out;
	}
	plan_reset_state(p);
	for (k = 0; k < p->nlive; k++) {
		for (d = 0; d < p->nd; d++) {
			int64_t c = p->cap[p->live[k] * p->nd + d];

			maxcap[d] = c > maxcap[d] ? c : maxcap[d];
		}
		hosts[k] = p->live[k];
		room[p->live[k]] = room_of(p, p->live[k]);
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		for (d = 0; d < p->nd; d++) {
			f.w[v] += maxcap[d] > 0 ? (double)p->dem[v * p->nd + d] / (double)maxcap[d]
			                        : 0.0;
		}
		f.items[f.n++] = v;
	}
	qsort_r(f.items, f.n, sizeof(*f.items), cmp_w, &f);
	memcpy(f.bydem, f.items, f.n * sizeof(*f.items));
	qsort_r(f.bydem, f.n, sizeof(*f.bydem), cmp_dem, p);
	qsort_r(hosts, p->nlive, sizeof(*hosts), plan_cmp_key_asc, room);
	for (k = 0; k < p->nlive; k++) {
		size_t h = hosts[k];

		f.ncur = 0;
		f.nbest = 0;
		f.best_room = room_of(p, h);
		f.exact = false;
		f.nodes = FILL_NODES;
		fill_dfs(&f, h, 0);
		/* the search backs out of every set: put the best one on h */
		for (i = 0; i < f.nbest && !f.oom; i++) {
			if (plan_assign(p, f.best[i], h) < 0) {
				f.oom = true;
			}
		}
		if (f.oom) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	free(f.items);
	free(f.cur);
	free(f.best);
	free(f.w);
	free(f.bydem);
	free(room);
	free(hosts);
	return rc;
}
