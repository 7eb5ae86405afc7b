/*
 * Gathering of free room for the repacking search (plan_repack.c): pairs
 * of hosts exchange restarted displaced VMs (one or two go, none, one or
 * two come back) whenever that gathers the free room on fewer hosts (the
 * sum over the hosts of the square of the relative free room grows), so
 * that small holes spread over many hosts become room where a stranded VM
 * fits, or few enough hosts for a repack. Capacity, anti-affinity and
 * allowed hosts hold for every exchange; nothing restarted is stranded.
 * Deterministic: the budget counts evaluated exchanges.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Gathering looks at no more than this many VMs per host. */
#define GATHER_MAX_VMS 24

double plan_room(const struct vmha_plan *p, size_t h)
{
	double x = 0;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		x += (double)p->free[h * p->nd + d] * p->inv_cap[h * p->nd + d];
	}
	return x;
}

bool plan_host_sane(const struct vmha_plan *p, size_t h)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (p->free[h * p->nd + d] < 0) {
			return false;
		}
	}
	return true;
}

/* Does v keep its anti-affinity groups split on h once @p leaving (SIZE_MAX none) is off it? */
static bool aa_ok_without(const struct vmha_plan *p, size_t v, size_t h, size_t leaving)
{
	size_t i;
	size_t j;

	for (i = p->vg_off[v]; i < p->vg_off[v + 1]; i++) {
		size_t g = p->vg[i];
		uint32_t c = p->gcount[g * p->nh + h];

		for (j = leaving == SIZE_MAX ? 0 : p->vg_off[leaving];
		     leaving != SIZE_MAX && j < p->vg_off[leaving + 1]; j++) {
			c -= p->vg[j] == g ? 1 : 0;
		}
		if (c > 0) {
			return false;
		}
	}
	return true;
}

/* Free room of h, relative, once VMs @p out leave and @p in arrive (demand vectors summed). */
static bool shift_ok(const struct vmha_plan *p, size_t h, const int64_t *out, const int64_t *in,
                     double *room)
{
	size_t d;

	*room = 0;
	for (d = 0; d < p->nd; d++) {
		int64_t f = p->free[h * p->nd + d] + out[d] - in[d];

		if (f < 0) {
			return false;
		}
		*room += (double)f * p->inv_cap[h * p->nd + d];
	}
	return true;
}

/* The search VMs restarted on each host (r->head/r->next lists), rebuilt. */
static void build_lists(struct vmha_plan *p, struct plan_pool *r)
{
	size_t i;

	for (i = 0; i < p->nlive; i++) {
		r->head[p->live[i]] = SIZE_MAX;
	}
	for (i = p->nsv; i-- > 0;) {
		size_t v = p->sv[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			r->next[v] = r->head[p->target[v]];
			r->head[p->target[v]] = v;
		}
	}
}

static void sum_dem(const struct vmha_plan *p, int64_t *out, size_t a, size_t b)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		out[d] = (a != SIZE_MAX ? p->dem[a * p->nd + d] : 0) +
		         (b != SIZE_MAX ? p->dem[b * p->nd + d] : 0);
	}
}

/* May VMs a (and a2) leave @p from for @p to, while b (and b2) leave @p to for @p from? */
static bool swap_allowed(const struct vmha_plan *p, size_t from, size_t to, size_t a, size_t a2,
                         size_t b, size_t b2)
{
	if (!plan_host_usable(p, a, to, p->extra[a] != 0) ||
	    (a2 != SIZE_MAX && !plan_host_usable(p, a2, to, p->extra[a2] != 0)) ||
	    (b != SIZE_MAX && !plan_host_usable(p, b, from, p->extra[b] != 0)) ||
	    (b2 != SIZE_MAX && !plan_host_usable(p, b2, from, p->extra[b2] != 0))) {
		return false;
	}
	if (p->ng == 0) {
		return true;
	}
	/* with groups: only moves of one VM each way, checked exactly */
	if (a2 != SIZE_MAX || b2 != SIZE_MAX) {
		return false;
	}
	return aa_ok_without(p, a, to, b) && (b == SIZE_MAX || aa_ok_without(p, b, from, a));
}

/* The search VMs restarted on h into @p out (at most @p max). @return how many */
static size_t vms_on(const struct plan_pool *r, size_t h, size_t *out, size_t max)
{
	size_t n = 0;
	size_t v;

	for (v = r->head[h]; v != SIZE_MAX && n < max; v = r->next[v]) {
		out[n++] = v;
	}
	return n;
}

/* Make the exchange: mv[i] (SIZE_MAX none) go to to[i]. */
static void exchange(struct vmha_plan *p, const size_t *mv, const size_t *to, bool *oom)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		if (mv[i] != SIZE_MAX && plan_unassign(p, mv[i]) < 0) {
			*oom = true;
		}
	}
	for (i = 0; i < 4; i++) {
		if (mv[i] != SIZE_MAX && plan_assign(p, mv[i], to[i]) < 0) {
			*oom = true;
		}
	}
}

/*
 * One improving exchange between hosts x and y (one or two VMs of x go to
 * y, none, one or two of y come back): the free room gathers on fewer
 * hosts (the sum of the squares of the hosts' relative room grows).
 * @return whether one was made
 */
static bool gather_pair(struct vmha_plan *p, struct plan_pool *r, size_t x, size_t y, bool *oom)
{
	double rx = plan_room(p, x);
	double ry = plan_room(p, y);
	double now = rx * rx + ry * ry;
	size_t ax[GATHER_MAX_VMS];
	size_t ay[GATHER_MAX_VMS + 1];
	size_t nx = vms_on(r, x, ax, GATHER_MAX_VMS);
	size_t ny = vms_on(r, y, ay + 1, GATHER_MAX_VMS);
	int64_t out[VMHA_MODEL_MAX_DIMS];
	int64_t in[VMHA_MODEL_MAX_DIMS];
	size_t i;
	size_t i2;
	size_t j;
	size_t j2;

	ay[0] = SIZE_MAX; /* index 0: none */
	for (i = 0; i < nx; i++) {
		for (i2 = i; i2 < nx; i2++) {
			size_t a = ax[i];
			size_t a2 = i2 == i ? SIZE_MAX : ax[i2];

			for (j = 0; j <= ny; j++) {
				for (j2 = j; j2 <= ny; j2++) {
					size_t b = ay[j];
					size_t b2 = j2 == j || j == 0 ? SIZE_MAX : ay[j2];
					double fx;
					double fy;

					if (j == 0 && j2 > 0) {
						break;
					}
					if (p->budget == 0) {
						return false;
					}
					p->budget--;
					sum_dem(p, out, a, a2);
					sum_dem(p, in, b, b2);
					if (!shift_ok(p, x, out, in, &fx) ||
					    !shift_ok(p, y, in, out, &fy)) {
						continue;
					}
					if (fx * fx + fy * fy > now + 1e-9 &&
					    swap_allowed(p, x, y, a, a2, b, b2)) {
						size_t mv[4] = {a, a2, b, b2};
						size_t to[4] = {y, y, x, x};

						exchange(p, mv, to, oom);
						return true;
					}
				}
			}
		}
	}
	return false;
}

/* Every stranded VM of the pool that fits somewhere now: there, by best fit. */
int plan_place_pool(struct vmha_plan *p, struct plan_pool *r)
{
	size_t i;
	size_t n = 0;
	int rc = 0;

	for (i = 0; i < r->npool; i++) {
		size_t v = r->pool[i];
		long h = plan_choose(p, v, BEST_FIT, -1, p->extra[v] != 0);

		p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
		if (h >= 0) {
			rc = plan_assign(p, v, (size_t)h);
			if (rc < 0) {
				break;
			}
		} else {
			r->pool[n++] = v;
		}
	}
	if (rc == 0) {
		r->npool = n;
	}
	return rc;
}

/*
 * One pass of gathering: every host with free room against every other,
 * both ways; after each exchange the stranded VMs that now fit are placed.
 * @return 0 or -ENOMEM; *gained whether anything changed
 */
int plan_gather_pass(struct vmha_plan *p, struct plan_pool *r, bool *gained)
{
	size_t i;
	size_t j;
	int rc = 0;

	*gained = false;
	build_lists(p, r);
	for (i = 0; i < p->nlive && r->npool > 0 && p->budget > 0; i++) {
		size_t x = p->live[i];

		if (plan_room(p, x) <= 0 || !plan_host_sane(p, x)) {
			continue;
		}
		for (j = 0; j < p->nlive && r->npool > 0 && p->budget > 0; j++) {
			size_t y = p->live[j];
			bool moved;

			if (y == x || !plan_host_sane(p, y)) {
				continue;
			}
			moved = gather_pair(p, r, x, y, &r->oom) ||
			        gather_pair(p, r, y, x, &r->oom);
			if (r->oom) {
				rc = -ENOMEM;
				goto out;
			}
			if (moved) {
				*gained = true;
				rc = plan_place_pool(p, r);
				if (rc < 0) {
					goto out;
				}
				build_lists(p, r);
				p->budget = p->budget > p->nsv ? p->budget - p->nsv : 0;
			}
		}
	}
out:
	return rc;
}
