/* The restart planner (see plan.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

enum strategy {
	BEST_FIT,
	FIRST_FIT,
	WORST_FIT,
};

struct undo {
	size_t idx;
	int delta;
};

struct migration {
	size_t vm;
	size_t from;
	size_t to;
	size_t for_vm;
};

/*
 * The improvement steps after the greedy passes (moves, then the exact
 * search) stop after this many host checks: bounded and deterministic.
 */
#define IMPROVE_BUDGET 100000

/* Pairs of moved VMs are only searched on hosts running at most this many. */
#define REBALANCE_PAIR_LIMIT 64

struct vmha_plan {
	const struct vmha_model *m;
	size_t nh;
	size_t nv;
	size_t nd;
	size_t ng;
	int64_t *cap;
	double *inv_cap;
	int64_t *dem;
	int64_t *base_free;
	uint32_t *gcount;
	size_t *vg_off;
	size_t *vg;
	size_t *hv_off;
	size_t *hv;
	size_t *rank;
	size_t *level;
	int64_t *prio;
	unsigned char *standby;
	unsigned char *failover;
	unsigned char *restarts;
	unsigned char *restricted;
	unsigned char *has_pref;
	unsigned char *extra; /* new VMs of this run: placed like running VMs */
	/* per run */
	unsigned int flags;
	int64_t *free;
	struct undo *undo;
	size_t nundo;
	size_t undo_alloc;
	unsigned char *failed;
	size_t *failed_list;
	size_t nfailed;
	size_t *live; /* hosts neither failed nor in standby, in name order */
	size_t nlive;
	long *target;
	unsigned char *outcome;
	size_t *order;
	char **reason;
	size_t *disp;
	size_t ndisp;
	long *saved;
	size_t *strand_levels;
	size_t nstranded;
	size_t *cand_levels;
	struct migration *mig;
	size_t nmig;
	/* bounded exact search */
	size_t *sv; /* restartable displaced VMs, in rank order */
	size_t nsv;
	size_t *clevel;  /* compact level of sv[i] */
	size_t *cur_cnt; /* stranded per compact level, this branch */
	size_t *best_cnt;
	long *best_assign;
	bool improved;
	uint64_t budget;
	long *cur_host;
};

struct sortkey {
	size_t v;
	int64_t prio;
	double size;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sortkey *x = a;
	const struct sortkey *y = b;

	if (x->prio != y->prio) {
		return x->prio > y->prio ? -1 : 1;
	}
	if (x->size != y->size) {
		return x->size > y->size ? -1 : 1;
	}
	return x->v < y->v ? -1 : x->v > y->v;
}

static int cmp_rank(const void *a, const void *b, void *arg)
{
	const size_t *rank = arg;
	size_t x = rank[*(const size_t *)a];
	size_t y = rank[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

static void *xcalloc(size_t n, size_t size, int *rc)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL) {
		*rc = -ENOMEM;
	}
	return p;
}

void vmha_plan_free(struct vmha_plan *p)
{
	size_t i;

	if (p == NULL) {
		return;
	}
	if (p->reason != NULL) {
		for (i = 0; i < p->nv; i++) {
			free(p->reason[i]);
		}
	}
	free(p->cap);
	free(p->inv_cap);
	free(p->dem);
	free(p->base_free);
	free(p->gcount);
	free(p->vg_off);
	free(p->vg);
	free(p->hv_off);
	free(p->hv);
	free(p->rank);
	free(p->level);
	free(p->prio);
	free(p->standby);
	free(p->failover);
	free(p->restarts);
	free(p->restricted);
	free(p->has_pref);
	free(p->extra);
	free(p->free);
	free(p->undo);
	free(p->failed);
	free(p->failed_list);
	free(p->live);
	free(p->target);
	free(p->outcome);
	free(p->order);
	free(p->reason);
	free(p->disp);
	free(p->saved);
	free(p->strand_levels);
	free(p->cand_levels);
	free(p->mig);
	free(p->sv);
	free(p->clevel);
	free(p->cur_cnt);
	free(p->best_cnt);
	free(p->best_assign);
	free(p->cur_host);
	free(p);
}

static int precompute_order(struct vmha_plan *p)
{
	const struct vmha_model *m = p->m;
	struct sortkey *keys = NULL;
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	size_t v;
	size_t h;
	size_t d;
	size_t i;
	int rc = 0;

	keys = xcalloc(p->nv, sizeof(*keys), &rc);
	if (keys == NULL) {
		goto out;
	}
	for (h = 0; h < p->nh; h++) {
		for (d = 0; d < p->nd; d++) {
			if (!p->standby[h] && p->cap[h * p->nd + d] > maxcap[d]) {
				maxcap[d] = p->cap[h * p->nd + d];
			}
		}
	}
	for (v = 0; v < p->nv; v++) {
		keys[v].v = v;
		keys[v].prio = p->prio[v];
		keys[v].size = 0;
		for (d = 0; d < p->nd; d++) {
			int64_t x = p->dem[v * p->nd + d];

			if (x == 0) {
				continue;
			}
			keys[v].size += maxcap[d] > 0 ? (double)x / (double)maxcap[d] : 1e9;
		}
		if (p->restricted[v]) {
			/* fewer hosts to choose from: harder */
			size_t n = 0;

			for (h = 0; h < p->nh; h++) {
				n += vmha_model_vm_allows(m, v, h);
			}
			keys[v].size += (double)(p->nh - n) / (double)(p->nh + 1);
		}
	}
	if (p->nv > 0) {
		qsort(keys, p->nv, sizeof(*keys), cmp_key);
	}
	for (i = 0; i < p->nv; i++) {
		p->rank[keys[i].v] = i;
		if (i == 0) {
			p->level[keys[i].v] = 0;
		} else {
			size_t prev = keys[i - 1].v;

			p->level[keys[i].v] =
			        p->level[prev] + (p->prio[prev] != p->prio[keys[i].v] ? 1 : 0);
		}
	}
out:
	free(keys);
	return rc;
}

struct vmha_plan *vmha_plan_new(const struct vmha_model *m)
{
	struct vmha_plan *p = NULL;
	size_t v;
	size_t h;
	size_t d;
	size_t i;
	size_t n;
	int rc = 0;

	if (m == NULL || !vmha_model_is_finished(m)) {
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		goto out;
	}
	p->m = m;
	p->nh = vmha_model_host_count(m);
	p->nv = vmha_model_vm_count(m);
	p->nd = vmha_model_dim_count(m);
	p->ng = vmha_model_group_count(m);
	p->cap = xcalloc(p->nh * p->nd, sizeof(*p->cap), &rc);
	p->inv_cap = xcalloc(p->nh * p->nd, sizeof(*p->inv_cap), &rc);
	p->dem = xcalloc(p->nv * p->nd, sizeof(*p->dem), &rc);
	p->base_free = xcalloc(p->nh * p->nd, sizeof(*p->base_free), &rc);
	p->free = xcalloc(p->nh * p->nd, sizeof(*p->free), &rc);
	p->gcount = xcalloc(p->ng * p->nh, sizeof(*p->gcount), &rc);
	p->vg_off = xcalloc(p->nv + 1, sizeof(*p->vg_off), &rc);
	p->hv_off = xcalloc(p->nh + 1, sizeof(*p->hv_off), &rc);
	p->hv = xcalloc(p->nv, sizeof(*p->hv), &rc);
	p->rank = xcalloc(p->nv, sizeof(*p->rank), &rc);
	p->level = xcalloc(p->nv, sizeof(*p->level), &rc);
	p->prio = xcalloc(p->nv, sizeof(*p->prio), &rc);
	p->standby = xcalloc(p->nh, 1, &rc);
	p->failover = xcalloc(p->nh, 1, &rc);
	p->failed = xcalloc(p->nh, 1, &rc);
	p->failed_list = xcalloc(p->nh, sizeof(*p->failed_list), &rc);
	p->live = xcalloc(p->nh, sizeof(*p->live), &rc);
	p->restarts = xcalloc(p->nv, 1, &rc);
	p->restricted = xcalloc(p->nv, 1, &rc);
	p->has_pref = xcalloc(p->nv, 1, &rc);
	p->extra = xcalloc(p->nv, 1, &rc);
	p->target = xcalloc(p->nv, sizeof(*p->target), &rc);
	p->outcome = xcalloc(p->nv, 1, &rc);
	p->order = xcalloc(p->nv, sizeof(*p->order), &rc);
	p->reason = xcalloc(p->nv, sizeof(*p->reason), &rc);
	p->disp = xcalloc(p->nv, sizeof(*p->disp), &rc);
	p->saved = xcalloc(p->nv, sizeof(*p->saved), &rc);
	p->strand_levels = xcalloc(p->nv, sizeof(*p->strand_levels), &rc);
	p->cand_levels = xcalloc(p->nv, sizeof(*p->cand_levels), &rc);
	p->cur_host = xcalloc(p->nv, sizeof(*p->cur_host), &rc);
	p->sv = xcalloc(p->nv, sizeof(*p->sv), &rc);
	p->clevel = xcalloc(p->nv, sizeof(*p->clevel), &rc);
	p->cur_cnt = xcalloc(p->nv, sizeof(*p->cur_cnt), &rc);
	p->best_cnt = xcalloc(p->nv, sizeof(*p->best_cnt), &rc);
	p->best_assign = xcalloc(p->nv, sizeof(*p->best_assign), &rc);
	if (rc < 0) {
		goto out;
	}
	for (h = 0; h < p->nh; h++) {
		p->standby[h] = vmha_model_host_is_standby(m, h);
		p->failover[h] = vmha_model_host_is_failover(m, h);
		for (d = 0; d < p->nd; d++) {
			int64_t c = (int64_t)vmha_model_host_capacity(m, h, d);

			p->cap[h * p->nd + d] = c;
			p->base_free[h * p->nd + d] = c;
			p->inv_cap[h * p->nd + d] = c > 0 ? 1.0 / (double)c : 0.0;
		}
	}
	n = 0;
	for (v = 0; v < p->nv; v++) {
		n += vmha_model_vm_group_count(m, v);
	}
	p->vg = xcalloc(n, sizeof(*p->vg), &rc);
	if (rc < 0) {
		goto out;
	}
	n = 0;
	for (v = 0; v < p->nv; v++) {
		long host = vmha_model_vm_host(m, v);

		p->target[v] = -1;
		p->prio[v] = vmha_model_vm_priority(m, v);
		p->restarts[v] = vmha_model_vm_restarts(m, v);
		p->restricted[v] = vmha_model_vm_is_restricted(m, v);
		for (h = 0; h < p->nh && !p->has_pref[v]; h++) {
			p->has_pref[v] = vmha_model_vm_prefers(m, v, h);
		}
		p->vg_off[v] = n;
		for (i = 0; i < vmha_model_vm_group_count(m, v); i++) {
			p->vg[n++] = vmha_model_vm_group(m, v, i);
		}
		for (d = 0; d < p->nd; d++) {
			p->dem[v * p->nd + d] = (int64_t)vmha_model_vm_demand(m, v, d);
		}
		if (host >= 0) {
			p->hv_off[host + 1]++;
			for (d = 0; d < p->nd; d++) {
				p->base_free[host * p->nd + d] -= p->dem[v * p->nd + d];
			}
			for (i = p->vg_off[v]; i < n; i++) {
				p->gcount[p->vg[i] * p->nh + host]++;
			}
		}
	}
	p->vg_off[p->nv] = n;
	rc = precompute_order(p);
	if (rc < 0) {
		goto out;
	}
	/* running VMs per host, in rank order */
	for (h = 0; h < p->nh; h++) {
		p->hv_off[h + 1] += p->hv_off[h];
	}
	{
		size_t *fill = xcalloc(p->nh + 1, sizeof(*fill), &rc);
		size_t *byrank = xcalloc(p->nv, sizeof(*byrank), &rc);

		if (rc == 0) {
			for (v = 0; v < p->nv; v++) {
				byrank[p->rank[v]] = v;
			}
			for (i = 0; i < p->nv; i++) {
				long host = vmha_model_vm_host(m, byrank[i]);

				if (host >= 0) {
					p->hv[p->hv_off[host] + fill[host]++] = byrank[i];
				}
			}
		}
		free(fill);
		free(byrank);
		if (rc < 0) {
			goto out;
		}
	}
out:
	if (rc < 0) {
		vmha_plan_free(p);
		p = NULL;
	}
	return p;
}

static int gcount_add(struct vmha_plan *p, size_t v, size_t h, int delta)
{
	size_t i;
	int rc = 0;

	for (i = p->vg_off[v]; i < p->vg_off[v + 1]; i++) {
		size_t idx = p->vg[i] * p->nh + h;

		if (p->nundo == p->undo_alloc) {
			size_t want = p->undo_alloc == 0 ? 256 : p->undo_alloc * 2;
			struct undo *u = realloc(p->undo, want * sizeof(*u));

			if (u == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			p->undo = u;
			p->undo_alloc = want;
		}
		p->gcount[idx] = (uint32_t)((int64_t)p->gcount[idx] + delta);
		p->undo[p->nundo].idx = idx;
		p->undo[p->nundo].delta = delta;
		p->nundo++;
	}
out:
	return rc;
}

static void gcount_undo(struct vmha_plan *p)
{
	while (p->nundo > 0) {
		p->nundo--;
		p->gcount[p->undo[p->nundo].idx] =
		        (uint32_t)((int64_t)p->gcount[p->undo[p->nundo].idx] -
		                   p->undo[p->nundo].delta);
	}
}

static bool aa_ok(const struct vmha_plan *p, size_t v, size_t h)
{
	size_t i;

	for (i = p->vg_off[v]; i < p->vg_off[v + 1]; i++) {
		if (p->gcount[p->vg[i] * p->nh + h] > 0) {
			return false;
		}
	}
	return true;
}

static bool fits(const struct vmha_plan *p, size_t v, size_t h)
{
	const int64_t *f = p->free + h * p->nd;
	const int64_t *x = p->dem + v * p->nd;
	size_t d;

	for (d = 0; d < p->nd; d++) {
		if (f[d] < x[d]) {
			return false;
		}
	}
	return true;
}

/* May v go to h at all (ignoring capacity and anti-affinity)? */
static bool host_usable(const struct vmha_plan *p, size_t v, size_t h, bool running_vm)
{
	if (p->failed[h] || p->standby[h]) {
		return false;
	}
	if (p->restricted[v] && !vmha_model_vm_allows(p->m, v, h)) {
		return false;
	}
	if (running_vm && p->failover[h]) {
		return false;
	}
	if (!running_vm && (p->flags & VMHA_PLAN_FAILOVER_ONLY) && !p->failover[h]) {
		return false;
	}
	return true;
}

/* The host for v, or -1. running_vm: a live migration of a running VM. */
static long choose(const struct vmha_plan *p, size_t v, enum strategy s, long excl, bool running_vm)
{
	const int64_t *x = p->dem + v * p->nd;
	const size_t nd = p->nd;
	bool groups = p->vg_off[v] != p->vg_off[v + 1];
	bool check_host = p->restricted[v] || running_vm || (p->flags & VMHA_PLAN_FAILOVER_ONLY);
	long best = -1;
	int best_cls = 0;
	double best_score = 0;
	size_t i;
	size_t d;

	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];
		const int64_t *f = p->free + h * nd;
		int cls;
		double score = 0;

		for (d = 0; d < nd && f[d] >= x[d]; d++) {
		}
		if (d < nd || (long)h == excl) {
			continue;
		}
		if (check_host && !host_usable(p, v, h, running_vm)) {
			continue;
		}
		if (groups && !aa_ok(p, v, h)) {
			continue;
		}
		cls = p->failover[h] ? 0 : 2;
		if (cls == 2 && p->has_pref[v] && vmha_model_vm_prefers(p->m, v, h)) {
			cls = 1;
		}
		if (s != FIRST_FIT) {
			const double *ic = p->inv_cap + h * nd;

			for (d = 0; d < nd; d++) {
				score += (double)(f[d] - x[d]) * ic[d];
			}
			if (s == WORST_FIT) {
				score = -score;
			}
		}
		if (best < 0 || cls < best_cls || (cls == best_cls && score < best_score)) {
			best = (long)h;
			best_cls = cls;
			best_score = score;
		}
	}
	return best;
}

static int assign(struct vmha_plan *p, size_t v, size_t h)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		p->free[h * p->nd + d] -= p->dem[v * p->nd + d];
	}
	p->target[v] = (long)h;
	p->outcome[v] = VMHA_PLAN_RESTART;
	return gcount_add(p, v, h, 1);
}

static int unassign(struct vmha_plan *p, size_t v)
{
	size_t h = (size_t)p->target[v];
	size_t d;

	for (d = 0; d < p->nd; d++) {
		p->free[h * p->nd + d] += p->dem[v * p->nd + d];
	}
	p->target[v] = -1;
	p->outcome[v] = VMHA_PLAN_STRANDED;
	return gcount_add(p, v, h, -1);
}

/* Move a running VM's footprint (live migration or its trial). */
static int shift(struct vmha_plan *p, size_t v, size_t from, size_t to)
{
	size_t d;
	int rc = 0;

	for (d = 0; d < p->nd; d++) {
		p->free[from * p->nd + d] += p->dem[v * p->nd + d];
		p->free[to * p->nd + d] -= p->dem[v * p->nd + d];
	}
	rc = gcount_add(p, v, from, -1);
	if (rc == 0) {
		rc = gcount_add(p, v, to, 1);
	}
	return rc;
}

static void reset_state(struct vmha_plan *p)
{
	size_t i;

	gcount_undo(p);
	memcpy(p->free, p->base_free, p->nh * p->nd * sizeof(*p->free));
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		p->target[v] = -1;
		if (p->outcome[v] != VMHA_PLAN_NOT_RESTARTED) {
			p->outcome[v] = VMHA_PLAN_STRANDED;
		}
	}
}

/* Levels of the stranded VMs, in order (non-decreasing: disp is in rank order). */
static size_t stranded_levels(const struct vmha_plan *p, size_t *out)
{
	size_t i;
	size_t n = 0;

	for (i = 0; i < p->ndisp; i++) {
		if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
			out[n++] = p->level[p->disp[i]];
		}
	}
	return n;
}

/* <0: a restarts less than b (strands more at the highest differing level). */
static int compare_levels(const size_t *a, size_t na, const size_t *b, size_t nb)
{
	size_t i = 0;
	size_t j = 0;

	for (;;) {
		size_t x = i < na ? a[i] : SIZE_MAX;
		size_t y = j < nb ? b[j] : SIZE_MAX;

		if (x == SIZE_MAX && y == SIZE_MAX) {
			return 0;
		}
		if (x == y) {
			i++;
			j++;
			continue;
		}
		return x < y ? -1 : 1;
	}
}

static int run_strategy(struct vmha_plan *p, enum strategy s)
{
	size_t i;
	int rc = 0;

	reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];
		long h;

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		h = choose(p, v, s, -1, p->extra[v] != 0);
		if (h >= 0) {
			rc = assign(p, v, (size_t)h);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* Make room for stranded v by moving one restarted VM u elsewhere. */
static int repair(struct vmha_plan *p)
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
			if (!host_usable(p, v, h, p->extra[v] != 0) || !aa_ok(p, v, h)) {
				continue;
			}
			for (d = 0; d < p->nd && room; d++) {
				room = p->free[h * p->nd + d] + p->dem[u * p->nd + d] >=
				       p->dem[v * p->nd + d];
			}
			if (!room) {
				continue;
			}
			rc = unassign(p, u);
			if (rc == 0) {
				rc = assign(p, v, h);
			}
			if (rc < 0) {
				goto out;
			}
			p->budget = p->budget > p->nlive ? p->budget - p->nlive : 0;
			h2 = choose(p, u, BEST_FIT, (long)h, p->extra[u] != 0);
			if (h2 >= 0) {
				rc = assign(p, u, (size_t)h2);
				done = true;
			} else {
				rc = unassign(p, v);
				if (rc == 0) {
					rc = assign(p, u, h);
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
		if (!host_usable(p, v, h, p->extra[v] != 0) || !fits(p, v, h) || !aa_ok(p, v, h)) {
			continue;
		}
		rc = assign(p, v, h);
		if (rc == 0) {
			rc = search_dfs(p, i + 1);
		}
		if (rc == 0) {
			rc = unassign(p, v);
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
static int search(struct vmha_plan *p)
{
	size_t i;
	size_t lv = 0;
	int rc = 0;

	p->nsv = 0;
	p->improved = false;
	reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		/* a VM that fits nowhere even before any restart is stranded in every plan */
		if (choose(p, v, FIRST_FIT, -1, p->extra[v] != 0) < 0) {
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
	reset_state(p);
	if (p->improved) {
		for (i = 0; i < p->nsv; i++) {
			if (p->best_assign[i] >= 0) {
				rc = assign(p, p->sv[i], (size_t)p->best_assign[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	} else {
		for (i = 0; i < p->ndisp; i++) {
			if (p->saved[i] >= 0) {
				rc = assign(p, p->disp[i], (size_t)p->saved[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
	}
out:
	return rc;
}

static int add_migration(struct vmha_plan *p, size_t u, size_t from, size_t to, size_t for_vm)
{
	struct migration *mg = realloc(p->mig, (p->nmig + 1) * sizeof(*mg));
	int rc = 0;

	if (mg == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	p->mig = mg;
	mg[p->nmig].vm = u;
	mg[p->nmig].from = from;
	mg[p->nmig].to = to;
	mg[p->nmig].for_vm = for_vm;
	p->nmig++;
	rc = shift(p, u, from, to);
	if (rc == 0) {
		p->cur_host[u] = (long)to;
	}
out:
	return rc;
}

/* Could moving the running VMs in mv[0..n) off h make room for v? Fills dest. */
static int try_moves(struct vmha_plan *p, size_t v, size_t h, const size_t *mv, size_t n,
                     long *dest, bool *ok)
{
	size_t k;
	size_t d;
	bool room = true;
	int rc = 0;

	*ok = false;
	for (d = 0; d < p->nd && room; d++) {
		int64_t freed = 0;

		for (k = 0; k < n; k++) {
			freed += p->dem[mv[k] * p->nd + d];
		}
		room = p->free[h * p->nd + d] + freed >= p->dem[v * p->nd + d];
	}
	if (!room) {
		goto out;
	}
	/* take them off h (a dummy self-shift frees the room), choose, then undo */
	for (k = 0; k < n; k++) {
		dest[k] = -1;
	}
	for (k = 0; k < n; k++) {
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] += p->dem[mv[k] * p->nd + d];
		}
		rc = gcount_add(p, mv[k], h, -1);
		if (rc < 0) {
			goto out;
		}
	}
	*ok = fits(p, v, h) && aa_ok(p, v, h);
	for (k = 0; k < n && *ok; k++) {
		/* room for v stays reserved on h while choosing */
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] -= p->dem[v * p->nd + d];
		}
		dest[k] = choose(p, mv[k], BEST_FIT, (long)h, true);
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] += p->dem[v * p->nd + d];
		}
		if (dest[k] < 0) {
			*ok = false;
			break;
		}
		for (d = 0; d < p->nd; d++) {
			p->free[dest[k] * p->nd + d] -= p->dem[mv[k] * p->nd + d];
		}
	}
	for (k = 0; k < n; k++) {
		if (dest[k] >= 0) {
			for (d = 0; d < p->nd; d++) {
				p->free[dest[k] * p->nd + d] += p->dem[mv[k] * p->nd + d];
			}
		}
		for (d = 0; d < p->nd; d++) {
			p->free[h * p->nd + d] -= p->dem[mv[k] * p->nd + d];
		}
		rc = gcount_add(p, mv[k], h, 1);
		if (rc < 0) {
			goto out;
		}
	}
out:
	return rc;
}

static int rebalance(struct vmha_plan *p)
{
	size_t *on = NULL;
	size_t i;
	size_t v;
	int rc = 0;

	on = xcalloc(p->nv, sizeof(*on), &rc);
	if (on == NULL) {
		goto out;
	}
	for (v = 0; v < p->nv; v++) {
		long host = vmha_model_vm_host(p->m, v);

		p->cur_host[v] = host >= 0 && !p->failed[host] ? host : -1;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t sv = p->disp[i];
		size_t moves;
		bool found = false;

		if (p->outcome[sv] != VMHA_PLAN_STRANDED) {
			continue;
		}
		for (moves = 1; moves <= 2 && !found; moves++) {
			size_t h;

			for (h = 0; h < p->nh && !found; h++) {
				size_t non = 0;
				size_t a;
				size_t b;
				size_t mv[2];
				long dest[2];
				bool ok = false;

				if (!host_usable(p, sv, h, p->extra[sv] != 0) || !aa_ok(p, sv, h)) {
					continue;
				}
				for (v = 0; v < p->nv; v++) {
					if (p->cur_host[v] == (long)h) {
						on[non++] = v;
					}
				}
				if (moves == 2 && non > REBALANCE_PAIR_LIMIT) {
					continue;
				}
				for (a = 0; a < non && !found; a++) {
					size_t bend = moves == 1 ? a + 1 : non;

					for (b = moves == 1 ? a : a + 1; b < bend && !found; b++) {
						mv[0] = on[a];
						mv[1] = on[b];
						rc = try_moves(p, sv, h, mv, moves, dest, &ok);
						if (rc < 0) {
							goto out;
						}
						if (!ok) {
							continue;
						}
						found = true;
						rc = add_migration(p, mv[0], h, (size_t)dest[0],
						                   sv);
						if (rc == 0 && moves == 2) {
							rc = add_migration(p, mv[1], h,
							                   (size_t)dest[1], sv);
						}
						if (rc == 0) {
							rc = assign(p, sv, h);
						}
						if (rc < 0) {
							goto out;
						}
					}
				}
			}
		}
	}
out:
	free(on);
	return rc;
}

struct strbuf {
	char *s;
	size_t len;
	size_t alloc;
	bool oom;
};

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom) {
		return;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s == NULL ? NULL : b->s + b->len,
		              b->s == NULL ? 0 : b->alloc - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->alloc) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t want = (b->alloc + (size_t)n + 1) * 2;
			char *s = realloc(b->s, want);

			if (s == NULL) {
				b->oom = true;
				return;
			}
			b->s = s;
			b->alloc = want;
		}
	}
}

/* Where VM x is (or will be) after the plan, or -1. */
static long location(const struct vmha_plan *p, size_t x)
{
	if (p->outcome[x] == VMHA_PLAN_RESTART) {
		return p->target[x];
	}
	if (p->outcome[x] != VMHA_PLAN_UNAFFECTED) {
		return -1;
	}
	if (p->flags & VMHA_PLAN_REBALANCE) {
		return p->cur_host[x];
	}
	{
		long host = vmha_model_vm_host(p->m, x);

		return host >= 0 && !p->failed[host] ? host : -1;
	}
}

static char *explain(const struct vmha_plan *p, size_t v)
{
	struct strbuf b = {0};
	const struct vmha_model *m = p->m;
	size_t h;
	size_t d;
	size_t i;
	size_t x;
	size_t shown = 0;

	for (h = 0; h < p->nh; h++) {
		const char *hn = vmha_model_host_name(m, h);
		bool blocked = false;

		if (p->failed[h]) {
			continue;
		}
		sb_printf(&b, "%s%s: ", shown++ > 0 ? "; " : "", hn);
		if (p->standby[h]) {
			sb_printf(&b, vmha_model_host_is_offline(m, h) ? "offline" : "standby");
			continue;
		}
		if (p->restricted[v] && !vmha_model_vm_allows(m, v, h)) {
			sb_printf(&b, "not in allowed hosts");
			continue;
		}
		if ((p->flags & VMHA_PLAN_FAILOVER_ONLY) && !p->failover[h]) {
			sb_printf(&b, "not a failover host");
			continue;
		}
		for (i = p->vg_off[v]; i < p->vg_off[v + 1] && !blocked; i++) {
			size_t g = p->vg[i];

			if (p->gcount[g * p->nh + h] == 0) {
				continue;
			}
			for (x = 0; x < p->nv && !blocked; x++) {
				size_t k;

				if (x == v || location(p, x) != (long)h) {
					continue;
				}
				for (k = p->vg_off[x]; k < p->vg_off[x + 1]; k++) {
					if (p->vg[k] == g) {
						sb_printf(&b, "anti-affinity group '%s' with '%s'",
						          vmha_model_group_name(m, g),
						          vmha_model_vm_name(m, x));
						blocked = true;
						break;
					}
				}
			}
		}
		if (blocked) {
			continue;
		}
		for (d = 0; d < p->nd; d++) {
			int64_t need = p->dem[v * p->nd + d];
			int64_t avail = p->free[h * p->nd + d];

			if (avail < need) {
				sb_printf(&b, "%s%s short (needs %" PRId64 ", free %" PRId64 ")",
				          blocked ? ", " : "", vmha_model_dim_name(m, d), need,
				          avail);
				blocked = true;
			}
		}
		if (!blocked) {
			sb_printf(&b, "room was taken by higher-priority VMs");
		}
	}
	if (shown == 0) {
		sb_printf(&b, "no node left to restart on");
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void clear_run(struct vmha_plan *p)
{
	size_t i;

	gcount_undo(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		p->target[v] = -1;
		p->outcome[v] = VMHA_PLAN_UNAFFECTED;
		p->extra[v] = 0;
		p->order[v] = 0;
		free(p->reason[v]);
		p->reason[v] = NULL;
	}
	for (i = 0; i < p->nfailed; i++) {
		p->failed[p->failed_list[i]] = 0;
	}
	p->nfailed = 0;
	p->ndisp = 0;
	p->nmig = 0;
	p->nstranded = 0;
}

int vmha_plan_run(struct vmha_plan *p, const size_t *failed, size_t nfailed, const size_t *extra,
                  size_t nextra, unsigned int flags)
{
	static const enum strategy others[] = {FIRST_FIT, WORST_FIT};
	size_t i;
	size_t k;
	size_t best_n = 0;
	int best = -1;
	int rc = 0;

	clear_run(p);
	p->flags = flags;
	for (i = 0; i < nfailed; i++) {
		if (failed[i] >= p->nh) {
			rc = -EINVAL;
			goto out;
		}
		if (!p->failed[failed[i]]) {
			p->failed[failed[i]] = 1;
			p->failed_list[p->nfailed++] = failed[i];
		}
	}
	p->nlive = 0;
	for (i = 0; i < p->nh; i++) {
		if (!p->failed[i] && !p->standby[i]) {
			p->live[p->nlive++] = i;
		}
	}
	for (i = 0; i < nextra; i++) {
		if (extra[i] >= p->nv || vmha_model_vm_host(p->m, extra[i]) >= 0 ||
		    p->outcome[extra[i]] != VMHA_PLAN_UNAFFECTED) {
			rc = -EINVAL;
			goto out;
		}
		p->disp[p->ndisp++] = extra[i];
		p->outcome[extra[i]] = VMHA_PLAN_STRANDED;
		p->extra[extra[i]] = 1;
	}
	for (i = 0; i < p->nfailed; i++) {
		size_t h = p->failed_list[i];

		for (k = p->hv_off[h]; k < p->hv_off[h + 1]; k++) {
			p->disp[p->ndisp++] = p->hv[k];
			p->outcome[p->hv[k]] = VMHA_PLAN_STRANDED;
		}
	}
	qsort_r(p->disp, p->ndisp, sizeof(*p->disp), cmp_rank, p->rank);
	for (i = 0; i < p->ndisp; i++) {
		if (!p->restarts[p->disp[i]]) {
			p->outcome[p->disp[i]] = VMHA_PLAN_NOT_RESTARTED;
		}
	}
	rc = run_strategy(p, (flags & VMHA_PLAN_FIRST_FIT) ? FIRST_FIT : BEST_FIT);
	if (rc < 0) {
		goto out;
	}
	p->nstranded = stranded_levels(p, p->strand_levels);
	if (p->nstranded > 0 && !(flags & (VMHA_PLAN_FIRST_FIT | VMHA_PLAN_GREEDY_ONLY))) {
		/* keep the best-fit result unless another strategy restarts more */
		for (i = 0; i < p->ndisp; i++) {
			p->saved[i] = p->target[p->disp[i]];
		}
		best_n = p->nstranded;
		for (k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
			size_t n;

			rc = run_strategy(p, others[k]);
			if (rc < 0) {
				goto out;
			}
			n = stranded_levels(p, p->cand_levels);
			if (compare_levels(p->cand_levels, n, p->strand_levels, best_n) > 0) {
				best = (int)k;
				best_n = n;
				memcpy(p->strand_levels, p->cand_levels,
				       n * sizeof(*p->cand_levels));
				for (i = 0; i < p->ndisp; i++) {
					p->saved[i] = p->target[p->disp[i]];
				}
			}
		}
		reset_state(p);
		for (i = 0; i < p->ndisp; i++) {
			if (p->saved[i] >= 0) {
				rc = assign(p, p->disp[i], (size_t)p->saved[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
		(void)best;
		p->budget = IMPROVE_BUDGET;
		rc = repair(p);
		if (rc < 0) {
			goto out;
		}
		if (!(flags & VMHA_PLAN_NO_SEARCH) && stranded_levels(p, p->cand_levels) > 0) {
			for (i = 0; i < p->ndisp; i++) {
				p->saved[i] = p->target[p->disp[i]];
			}
			rc = search(p);
			if (rc < 0) {
				goto out;
			}
		}
	}
	if (flags & VMHA_PLAN_REBALANCE) {
		rc = rebalance(p);
		if (rc < 0) {
			goto out;
		}
	}
	p->nstranded = stranded_levels(p, p->strand_levels);
	k = 0;
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			p->order[v] = ++k;
		} else if (!(flags & VMHA_PLAN_NO_REASONS)) {
			p->reason[v] = p->outcome[v] == VMHA_PLAN_NOT_RESTARTED
			                       ? strdup("restart policy never")
			                       : explain(p, v);
			if (p->reason[v] == NULL) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
out:
	return rc;
}

bool vmha_plan_host_failed(const struct vmha_plan *p, size_t h)
{
	return h < p->nh && p->failed[h];
}

size_t vmha_plan_displaced_count(const struct vmha_plan *p)
{
	return p->ndisp;
}

size_t vmha_plan_displaced(const struct vmha_plan *p, size_t i)
{
	return p->disp[i];
}

enum vmha_plan_outcome vmha_plan_outcome(const struct vmha_plan *p, size_t v)
{
	return (enum vmha_plan_outcome)p->outcome[v];
}

long vmha_plan_target(const struct vmha_plan *p, size_t v)
{
	return p->outcome[v] == VMHA_PLAN_RESTART ? p->target[v] : -1;
}

size_t vmha_plan_order(const struct vmha_plan *p, size_t v)
{
	return p->order[v];
}

const char *vmha_plan_reason(const struct vmha_plan *p, size_t v)
{
	return p->reason[v] != NULL ? p->reason[v] : "";
}

size_t vmha_plan_stranded_count(const struct vmha_plan *p)
{
	return p->nstranded;
}

int64_t vmha_plan_stranded_top_priority(const struct vmha_plan *p)
{
	size_t i;

	for (i = 0; i < p->ndisp; i++) {
		if (p->outcome[p->disp[i]] == VMHA_PLAN_STRANDED) {
			return p->prio[p->disp[i]];
		}
	}
	return INT64_MIN;
}

size_t vmha_plan_migration_count(const struct vmha_plan *p)
{
	return p->nmig;
}

void vmha_plan_migration(const struct vmha_plan *p, size_t i, size_t *vm, size_t *from, size_t *to,
                         size_t *for_vm)
{
	*vm = p->mig[i].vm;
	*from = p->mig[i].from;
	*to = p->mig[i].to;
	*for_vm = p->mig[i].for_vm;
}

int vmha_plan_compare(const struct vmha_plan *a, const struct vmha_plan *b)
{
	return compare_levels(a->strand_levels, a->nstranded, b->strand_levels, b->nstranded);
}
