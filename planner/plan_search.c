/* The planner's improvement steps when VMs are stranded (see plan_int.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

int plan_repair(struct vmha_plan *p)
{
	size_t i;
	size_t j;
	size_t d;
	int rc = 0;

	for (i = 0; i < p->ndisp && p->budget > 0; i++) {
		size_t v = p->disp[i];
		bool done = false;

		if (p->outcome[v] != VMHA_PLAN_STRANDED) {
			continue;
		}
		for (j = 0; j < p->ndisp && !done && p->budget > 0; j++) {
			size_t u = p->disp[j];
			size_t h;
			bool room = true;
			long h2;

			p->budget--;
			if (p->outcome[u] != VMHA_PLAN_RESTART) {
				continue;
			}
			h = (size_t)p->target[u];
			if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_aa_ok(p, v, h)) {
				continue;
			}
			for (d = 0; d < p->nd && room; d++) {
				room = p->free[h * p->nd + d] + p->dem[u * p->nd + d] >=
				       p->dem[v * p->nd + d];
			}
			if (!room) {
				continue;
			}
			rc = plan_unassign(p, u);
			if (rc == 0) {
				rc = plan_assign(p, v, h);
			}
			if (rc < 0) {
				goto out;
			}
			p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
			h2 = plan_choose(p, u, BEST_FIT, (long)h, p->extra[u] != 0);
			if (h2 >= 0) {
				rc = plan_assign(p, u, (size_t)h2);
				done = true;
			} else {
				rc = plan_unassign(p, v);
				if (rc == 0) {
					rc = plan_assign(p, u, h);
				}
			}
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* <0 when a (stranded counts per compact level) is better on levels 0..upto */
static int cmp_cnt(const size_t *a, const size_t *b, size_t upto)
{
	size_t l;

	for (l = 0; l <= upto; l++) {
		if (a[l] != b[l]) {
			return a[l] < b[l] ? -1 : 1;
		}
	}
	return 0;
}

static int search_dfs(struct vmha_plan *p, size_t i)
{
	size_t v;
	size_t k;
	size_t last;
	int rc = 0;

	if (p->budget == 0) {
		goto out;
	}
	if (i == p->nsv) {
		if (cmp_cnt(p->cur_cnt, p->best_cnt, p->clevel[p->nsv - 1]) < 0) {
			memcpy(p->best_cnt, p->cur_cnt,
			       (p->clevel[p->nsv - 1] + 1) * sizeof(size_t));
			for (k = 0; k < p->nsv; k++) {
				p->best_assign[k] = p->target[p->sv[k]];
			}
			p->improved = true;
		}
		goto out;
	}
	v = p->sv[i];
	last = p->clevel[p->nsv - 1];
	for (k = 0; k < p->nlive && p->budget > 0; k++) {
		size_t h = p->live[k];

		p->budget--;
		if (!plan_host_usable(p, v, h, p->extra[v] != 0) || !plan_fits(p, v, h) ||
		    !plan_aa_ok(p, v, h)) {
			continue;
		}
		rc = plan_assign(p, v, h);
		if (rc == 0) {
			rc = search_dfs(p, i + 1);
		}
		if (rc == 0) {
			rc = plan_unassign(p, v);
		}
		if (rc < 0) {
			goto out;
		}
	}
	/* leave v stranded: only while this prefix can still beat the best */
	p->cur_cnt[p->clevel[i]]++;
	{
		int c = cmp_cnt(p->cur_cnt, p->best_cnt, p->clevel[i]);

		if (c < 0 || (c == 0 && (i + 1 < p->nsv || p->clevel[i] < last))) {
			rc = search_dfs(p, i + 1);
		}
	}
	p->cur_cnt[p->clevel[i]]--;
out:
	return rc;
}

/*
 * Bounded exact search (branch and bound over every survivor or stranded,
 * in rank order) from the current result: keeps it unless it finds one that
 * strands less at the highest priority where they differ. Deterministic:
 * the budget counts host checks, not time.
 */
int plan_search(struct vmha_plan *p)
{
	size_t i;
	size_t lv = 0;
	int rc = 0;

	p->nsv = 0;
	p->improved = false;
	plan_reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		/* a VM that fits nowhere even before any restart is stranded in every plan */
		if (plan_choose(p, v, FIRST_FIT, -1, p->extra[v] != 0) < 0) {
			continue;
		}
		if (p->nsv > 0 && p->level[v] != p->level[p->sv[p->nsv - 1]]) {
			lv++;
		}
		p->clevel[p->nsv] = lv;
		p->sv[p->nsv++] = v;
	}
	if (p->nsv == 0) {
		goto restore;
	}
	memset(p->cur_cnt, 0, (lv + 1) * sizeof(size_t));
	memset(p->best_cnt, 0, (lv + 1) * sizeof(size_t));
	for (i = 0; i < p->nsv; i++) {
		size_t k;

		for (k = 0; k < p->ndisp; k++) {
			if (p->disp[k] == p->sv[i] && p->saved[k] < 0) {
				p->best_cnt[p->clevel[i]]++;
			}
		}
	}
	rc = search_dfs(p, 0);
	if (rc < 0) {
		goto out;
	}
restore:
	plan_reset_state(p);
	if (p->improved) {
		for (i = 0; i < p->nsv; i++) {
			if (p->best_assign[i] >= 0) {
				rc = plan_assign(p, p->sv[i], (size_t)p->best_assign[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	} else {
		for (i = 0; i < p->ndisp; i++) {
			if (p->saved[i] >= 0) {
				rc = plan_assign(p, p->disp[i], (size_t)p->saved[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	}
out:
	return rc;
}

/*
 * Local search with overload (for tight packings). Every restartable
 * displaced VM gets a host, even one without room; the overload (the
 * amount by which a host's free capacity goes below zero, per dimension,
 * relative to its capacity, times a weight) is then driven to zero by moving
 * one VM or swapping two between hosts. At a local minimum the weights of
 * the overloaded dimensions of the host rise (breakout), which changes the
 * landscape without any randomness. Anti-affinity and allowed hosts are
 * never broken. Ends when nothing is overloaded or the step budget is spent;
 * then VMs are taken off overloaded hosts (lowest priority first), the
 * others tried again, and the result kept only when it restarts more than
 * the plan so far.
 */

/* Weighted overload of host h, dimension d, when its free capacity is f. */
static double over_of(const struct vmha_plan *p, size_t h, size_t d, int64_t f)
{
	size_t i = h * p->nd + d;
	int64_t floor = p->base_free[i] < 0 ? p->base_free[i] : 0;

	/* a dimension without capacity: any demand there is overload, in units */
	double ic = p->inv_cap[i] > 0 ? p->inv_cap[i] : 1.0;

	return f >= floor ? 0.0 : (double)(floor - f) * ic * p->ls_w[i];
}

/* Change of the weighted overload of h when @p sign * VM v's demand arrives. */
static double over_delta(const struct vmha_plan *p, size_t h, size_t v, int sign)
{
	const int64_t *f = p->free + h * p->nd;
	const int64_t *x = p->dem + v * p->nd;
	double delta = 0;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (x[d] != 0) {
			delta += over_of(p, h, d, f[d] - sign * x[d]) - over_of(p, h, d, f[d]);
		}
	}
	return delta;
}

/* Change of h's weighted overload when VM in leaves and VM out... arrives. */
static double swap_delta(const struct vmha_plan *p, size_t h, size_t leaves, size_t arrives)
{
	const int64_t *f = p->free + h * p->nd;
	const int64_t *a = p->dem + leaves * p->nd;
	const int64_t *b = p->dem + arrives * p->nd;
	double delta = 0;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (a[d] != b[d]) {
			delta += over_of(p, h, d, f[d] + a[d] - b[d]) - over_of(p, h, d, f[d]);
		}
	}
	return delta;
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

/* The weight of anti-affinity conflicts on host h (local search). */
static double aa_weight(const struct vmha_plan *p, size_t h)
{
	return p->ls_w[p->nh * p->nd + h];
}

/*
 * Change of h's anti-affinity conflicts (members beyond the first, per
 * group) when VM @p leaving goes off h and VM @p arriving joins it (either
 * SIZE_MAX for none).
 */
static int aa_change(const struct vmha_plan *p, size_t h, size_t leaving, size_t arriving)
{
	size_t i;
	int change = 0;

	if (leaving != SIZE_MAX) {
		for (i = p->vg_off[leaving]; i < p->vg_off[leaving + 1]; i++) {
			size_t g = p->vg[i];
			int c = (int)p->gcount[g * p->nh + h];
			int c2 = c - 1 + (arriving != SIZE_MAX && in_group(p, arriving, g) ? 1 : 0);

			change += (c2 > 1 ? c2 - 1 : 0) - (c > 1 ? c - 1 : 0);
		}
	}
	if (arriving != SIZE_MAX) {
		for (i = p->vg_off[arriving]; i < p->vg_off[arriving + 1]; i++) {
			size_t g = p->vg[i];

			if (leaving != SIZE_MAX && in_group(p, leaving, g)) {
				continue;
			}
			change += p->gcount[g * p->nh + h] >= 1 ? 1 : 0;
		}
	}
	return change;
}

/* Does a displaced VM on h share a group with another VM there? */
static bool host_conflict(const struct vmha_plan *p, size_t h)
{
	size_t i;
	size_t k;

	if (p->ng == 0) {
		return false;
	}
	for (i = 0; i < p->nsv; i++) {
		size_t v = p->sv[i];

		if (p->outcome[v] != VMHA_PLAN_RESTART || p->target[v] != (long)h) {
			continue;
		}
		for (k = p->vg_off[v]; k < p->vg_off[v + 1]; k++) {
			if (p->gcount[p->vg[k] * p->nh + h] > 1) {
				return true;
			}
		}
	}
	return false;
}

static bool host_over(const struct vmha_plan *p, size_t h)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		size_t i = h * p->nd + d;

		/* overcommitted before any restart: only what the restarts add counts */
		if (p->free[i] < (p->base_free[i] < 0 ? p->base_free[i] : 0)) {
			return true;
		}
	}
	return false;
}

static size_t count_over(const struct vmha_plan *p)
{
	size_t i;
	size_t n = 0;

	for (i = 0; i < p->nlive; i++) {
		n += host_over(p, p->live[i]) || host_conflict(p, p->live[i]);
	}
	return n;
}

/* Overcommitted before any restart: receives nothing, not even a VM that adds no load there. */
static bool base_over(const struct vmha_plan *p, size_t h)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (p->base_free[h * p->nd + d] < 0) {
			return true;
		}
	}
	return false;
}

/* Put every stranded candidate somewhere (least added overload). */
static int ls_seed(struct vmha_plan *p)
{
	size_t i;
	size_t k;
	int rc = 0;

	for (i = 0; i < p->nsv; i++) {
		size_t v = p->sv[i];
		long best = -1;
		double best_delta = 0;

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		for (k = 0; k < p->nlive; k++) {
			size_t h = p->live[k];
			double delta;

			if (!plan_host_usable(p, v, h, p->extra[v] != 0) || base_over(p, h)) {
				continue;
			}
			/* anti-affinity may be broken here, at a price, until the search mends it */
			delta = over_delta(p, h, v, 1) +
			        aa_weight(p, h) * aa_change(p, h, SIZE_MAX, v);
			if (best < 0 || delta < best_delta) {
				best = (long)h;
				best_delta = delta;
			}
		}
		if (best >= 0) {
			rc = plan_assign(p, v, (size_t)best);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* One step on overloaded host h: the best move or swap of a VM off h. */
static int ls_step(struct vmha_plan *p, size_t h, bool *moved)
{
	size_t i;
	size_t j;
	size_t k;
	long best_v = -1;
	long best_to = -1;
	long best_u = -1;
	double best = -1e-12;
	int rc = 0;

	*moved = false;
	p->budget--; /* at least one step per call */
	for (i = 0; i < p->nsv && p->budget > 0 && best_v < 0; i++) {
		/* rotate the first VM looked at: every VM on h gets its turn */
		size_t v = p->sv[(i + p->ls_turn) % p->nsv];
		double off;

		if (p->outcome[v] != VMHA_PLAN_RESTART || p->target[v] != (long)h) {
			continue;
		}
		off = over_delta(p, h, v, -1) + aa_weight(p, h) * aa_change(p, h, v, SIZE_MAX);
		for (k = 0; k < p->nlive && p->budget > 0; k++) {
			size_t g = p->live[k];
			double delta;

			p->budget--;
			if (g == h || !plan_host_usable(p, v, g, p->extra[v] != 0) ||
			    base_over(p, g)) {
				continue;
			}
			delta = off + over_delta(p, g, v, 1) +
			        aa_weight(p, g) * aa_change(p, g, SIZE_MAX, v);
			if (delta < best) {
				best = delta;
				best_v = (long)v;
				best_to = (long)g;
				best_u = -1;
			}
		}
		for (j = 0; j < p->nsv && p->budget > 0; j++) {
			size_t u = p->sv[j];
			size_t g;
			double delta;

			p->budget--;
			if (p->outcome[u] != VMHA_PLAN_RESTART || p->target[u] == (long)h) {
				continue;
			}
			g = (size_t)p->target[u];
			delta = swap_delta(p, h, v, u) + swap_delta(p, g, u, v);
			if (p->ng > 0) {
				delta += aa_weight(p, h) * aa_change(p, h, v, u) +
				         aa_weight(p, g) * aa_change(p, g, u, v);
			}
			if (delta >= best || !plan_host_usable(p, v, g, p->extra[v] != 0) ||
			    !plan_host_usable(p, u, h, p->extra[u] != 0)) {
				continue;
			}
			best = delta;
			best_v = (long)v;
			best_to = (long)g;
			best_u = (long)u;
		}
	}
	p->ls_turn++;
	if (best_v < 0) {
		goto out;
	}
	rc = plan_unassign(p, (size_t)best_v);
	if (rc == 0 && best_u >= 0) {
		rc = plan_unassign(p, (size_t)best_u);
		if (rc == 0) {
			rc = plan_assign(p, (size_t)best_u, h);
		}
	}
	if (rc == 0) {
		rc = plan_assign(p, (size_t)best_v, (size_t)best_to);
	}
	*moved = true;
out:
	return rc;
}

/* Take VMs off overloaded hosts (lowest priority, then largest first), try them again. */
/* The search VMs from index `from` on that have no host yet: by best fit,
 * where they fit. */
static int place_rest(struct vmha_plan *p, size_t from)
{
	size_t i;
	int rc = 0;

	for (i = from; i < p->nsv; i++) {
		size_t v = p->sv[i];
		long h;

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		h = plan_choose(p, v, BEST_FIT, -1, p->extra[v] != 0);
		if (h >= 0) {
			rc = plan_assign(p, v, (size_t)h);
			if (rc < 0) {
				break;
			}
		}
	}
	return rc;
}

static int ls_extract(struct vmha_plan *p)
{
	size_t i;
	size_t k;
	int rc = 0;

	/* unweighted: any VM that adds to a host's trouble counts */
	for (i = 0; i < p->nh * (p->nd + 1); i++) {
		p->ls_w[i] = 1.0;
	}

	for (k = 0; k < p->nlive; k++) {
		size_t h = p->live[k];

		while (host_over(p, h) || host_conflict(p, h)) {
			long worst = -1;
			double worst_size = 0;

			for (i = p->nsv; i-- > 0;) {
				size_t v = p->sv[i];
				double size =
				        -over_delta(p, h, v, -1) - aa_change(p, h, v, SIZE_MAX);

				if (p->outcome[v] != VMHA_PLAN_RESTART || p->target[v] != (long)h ||
				    size <= 0) {
					continue; /* not on h, or not part of the trouble */
				}
				if (worst >= 0 && p->level[v] != p->level[(size_t)worst]) {
					break;
				}
				if (worst < 0 || size > worst_size) {
					worst = (long)v;
					worst_size = size;
				}
			}
			if (worst < 0) {
				break; /* overloaded by running VMs alone */
			}
			rc = plan_unassign(p, (size_t)worst);
			if (rc < 0) {
				goto out;
			}
		}
	}
	rc = place_rest(p, 0);
out:
	return rc;
}

bool plan_vm_may_fit(const struct vmha_plan *p, size_t v)
{
	size_t k;
	size_t d;

	for (k = 0; k < p->nlive; k++) {
		size_t h = p->live[k];

		if (!plan_host_usable(p, v, h, p->extra[v] != 0)) {
			continue;
		}
		for (d = 0; d < p->nd && p->base_free[h * p->nd + d] >= p->dem[v * p->nd + d];
		     d++) {
		}
		if (d == p->nd) {
			return true;
		}
	}
	return false;
}

bool plan_all_may_fit(const struct vmha_plan *p)
{
	int64_t need[VMHA_MODEL_MAX_DIMS] = {0};
	size_t i;
	size_t d;

	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		for (d = 0; d < p->nd; d++) {
			need[d] += p->dem[v * p->nd + d];
		}
	}
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		for (d = 0; d < p->nd; d++) {
			int64_t f = p->free[h * p->nd + d];

			need[d] -= f > 0 ? f : 0;
		}
	}
	/* the VMs restarted so far took their demand from free: add it back */
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] != VMHA_PLAN_RESTART) {
			continue;
		}
		for (d = 0; d < p->nd; d++) {
			need[d] -= p->dem[v * p->nd + d];
		}
	}
	for (d = 0; d < p->nd; d++) {
		if (need[d] > 0) {
			return false;
		}
	}
	return true;
}

/*
 * Higher priority first: a stranded VM takes the room of restarted VMs of
 * lower priority on one host (lowest first) when that makes it fit; the
 * VMs it displaces are tried elsewhere.
 */
static int ls_priority_fix(struct vmha_plan *p)
{
	size_t i;
	size_t j;
	size_t k;
	size_t n;
	int rc = 0;

	for (i = 0; i < p->nsv; i++) {
		size_t v = p->sv[i];
		bool done = false;

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		for (k = 0; k < p->nlive && !done; k++) {
			size_t h = p->live[k];

			if (!plan_host_usable(p, v, h, p->extra[v] != 0)) {
				continue;
			}
			n = 0;
			for (j = p->nsv;
			     j-- > i + 1 && !(plan_fits(p, v, h) && plan_aa_ok(p, v, h));) {
				size_t u = p->sv[j];

				if (p->outcome[u] != VMHA_PLAN_RESTART || p->target[u] != (long)h ||
				    p->level[u] <= p->level[v]) {
					continue;
				}
				rc = plan_unassign(p, u);
				if (rc < 0) {
					goto out;
				}
				p->cur_host[n++] = (long)u; /* scratch: the VMs taken off */
			}
			if (plan_fits(p, v, h) && plan_aa_ok(p, v, h)) {
				rc = plan_assign(p, v, h);
				done = true;
			} else {
				while (rc == 0 && n > 0) {
					rc = plan_assign(p, (size_t)p->cur_host[--n], h);
				}
			}
			if (rc < 0) {
				goto out;
			}
		}
		/* the displaced ones: anywhere they fit */
		if (done) {
			rc = place_rest(p, i + 1);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

int plan_local_search(struct vmha_plan *p, uint64_t budget)
{
	size_t i;
	size_t k;
	size_t cursor = 0;
	size_t n;
	size_t na = 0;
	int rc = 0;

	p->nsv = 0;
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		p->saved[i] = p->target[v];
		if (p->outcome[v] != VMHA_PLAN_NOT_RESTARTED) {
			p->sv[p->nsv++] = v;
		}
	}
	na = plan_stranded_levels(p, p->strand_levels);
	for (i = 0; i < p->nh * (p->nd + 1); i++) {
		p->ls_w[i] = 1.0;
	}
	p->budget = budget;
	p->ls_turn = 0;
	rc = ls_seed(p);
	if (rc < 0) {
		goto out;
	}
	while (p->budget > 0 && count_over(p) > 0) {
		bool moved = false;
		size_t h = 0;

		for (k = 0; k < p->nlive; k++) {
			h = p->live[(cursor + k) % p->nlive];
			if (host_over(p, h) || host_conflict(p, h)) {
				break;
			}
		}
		cursor = (cursor + k + 1) % p->nlive;
		rc = ls_step(p, h, &moved);
		if (rc < 0) {
			goto out;
		}
		if (!moved) {
			size_t d;

			for (d = 0; d < p->nd; d++) {
				size_t x = h * p->nd + d;

				if (p->free[x] < (p->base_free[x] < 0 ? p->base_free[x] : 0)) {
					p->ls_w[x] += 1.0;
				}
			}
			if (host_conflict(p, h)) {
				p->ls_w[p->nh * p->nd + h] += 1.0;
			}
		}
	}
	p->budget_hit = p->budget == 0 && count_over(p) > 0;
	rc = ls_extract(p);
	if (rc == 0) {
		rc = ls_priority_fix(p);
	}
	if (rc < 0) {
		goto out;
	}
	n = plan_stranded_levels(p, p->cand_levels);
	if (plan_compare_levels(p->cand_levels, n, p->strand_levels, na) > 0) {
		goto out;
	}
	/* not better: back to the plan so far */
	plan_reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		if (p->saved[i] >= 0) {
			rc = plan_assign(p, p->disp[i], (size_t)p->saved[i]);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}
