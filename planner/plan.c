/* The restart planner (see plan.h): set-up, the greedy passes, the run. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "plan_int.h"

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

int plan_cmp_rank(const void *x, const void *y, void *arg)
{
	const size_t *rank = arg;
	size_t a = rank[*(const size_t *)x];
	size_t b = rank[*(const size_t *)y];

	return a < b ? -1 : a > b;
}

int plan_cmp_key_desc(const void *x, const void *y, void *arg)
{
	const double *key = arg;
	size_t a = *(const size_t *)x;
	size_t b = *(const size_t *)y;

	if (key[a] != key[b]) {
		return key[a] > key[b] ? -1 : 1;
	}
	return a < b ? -1 : a > b;
}

int plan_cmp_key_asc(const void *x, const void *y, void *arg)
{
	const double *key = arg;
	size_t a = *(const size_t *)x;
	size_t b = *(const size_t *)y;

	if (key[a] != key[b]) {
		return key[a] < key[b] ? -1 : 1;
	}
	return a < b ? -1 : a > b;
}

void *plan_xcalloc(size_t n, size_t size, int *rc)
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
	free(p->ls_w);
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

	keys = plan_xcalloc(p->nv, sizeof(*keys), &rc);
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
	p->cap = plan_xcalloc(p->nh * p->nd, sizeof(*p->cap), &rc);
	p->inv_cap = plan_xcalloc(p->nh * p->nd, sizeof(*p->inv_cap), &rc);
	p->dem = plan_xcalloc(p->nv * p->nd, sizeof(*p->dem), &rc);
	p->base_free = plan_xcalloc(p->nh * p->nd, sizeof(*p->base_free), &rc);
	p->free = plan_xcalloc(p->nh * p->nd, sizeof(*p->free), &rc);
	p->gcount = plan_xcalloc(p->ng * p->nh, sizeof(*p->gcount), &rc);
	p->vg_off = plan_xcalloc(p->nv + 1, sizeof(*p->vg_off), &rc);
	p->hv_off = plan_xcalloc(p->nh + 1, sizeof(*p->hv_off), &rc);
	p->hv = plan_xcalloc(p->nv, sizeof(*p->hv), &rc);
	p->rank = plan_xcalloc(p->nv, sizeof(*p->rank), &rc);
	p->level = plan_xcalloc(p->nv, sizeof(*p->level), &rc);
	p->prio = plan_xcalloc(p->nv, sizeof(*p->prio), &rc);
	p->standby = plan_xcalloc(p->nh, 1, &rc);
	p->failover = plan_xcalloc(p->nh, 1, &rc);
	p->failed = plan_xcalloc(p->nh, 1, &rc);
	p->failed_list = plan_xcalloc(p->nh, sizeof(*p->failed_list), &rc);
	p->live = plan_xcalloc(p->nh, sizeof(*p->live), &rc);
	p->restarts = plan_xcalloc(p->nv, 1, &rc);
	p->restricted = plan_xcalloc(p->nv, 1, &rc);
	p->has_pref = plan_xcalloc(p->nv, 1, &rc);
	p->extra = plan_xcalloc(p->nv, 1, &rc);
	p->target = plan_xcalloc(p->nv, sizeof(*p->target), &rc);
	p->outcome = plan_xcalloc(p->nv, 1, &rc);
	p->order = plan_xcalloc(p->nv, sizeof(*p->order), &rc);
	p->reason = plan_xcalloc(p->nv, sizeof(*p->reason), &rc);
	p->disp = plan_xcalloc(p->nv, sizeof(*p->disp), &rc);
	p->saved = plan_xcalloc(p->nv, sizeof(*p->saved), &rc);
	p->strand_levels = plan_xcalloc(p->nv, sizeof(*p->strand_levels), &rc);
	p->cand_levels = plan_xcalloc(p->nv, sizeof(*p->cand_levels), &rc);
	p->cur_host = plan_xcalloc(p->nv, sizeof(*p->cur_host), &rc);
	p->sv = plan_xcalloc(p->nv, sizeof(*p->sv), &rc);
	p->clevel = plan_xcalloc(p->nv, sizeof(*p->clevel), &rc);
	p->cur_cnt = plan_xcalloc(p->nv, sizeof(*p->cur_cnt), &rc);
	p->best_cnt = plan_xcalloc(p->nv, sizeof(*p->best_cnt), &rc);
	p->best_assign = plan_xcalloc(p->nv, sizeof(*p->best_assign), &rc);
	p->ls_w = plan_xcalloc(p->nh * (p->nd + 1), sizeof(*p->ls_w), &rc);
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
	p->vg = plan_xcalloc(n, sizeof(*p->vg), &rc);
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
		size_t *fill = plan_xcalloc(p->nh + 1, sizeof(*fill), &rc);
		size_t *byrank = plan_xcalloc(p->nv, sizeof(*byrank), &rc);

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

int plan_gcount_add(struct vmha_plan *p, size_t v, size_t h, int delta)
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

void plan_gcount_undo(struct vmha_plan *p)
{
	while (p->nundo > 0) {
		p->nundo--;
		p->gcount[p->undo[p->nundo].idx] =
		        (uint32_t)((int64_t)p->gcount[p->undo[p->nundo].idx] -
		                   p->undo[p->nundo].delta);
	}
}

bool plan_aa_ok(const struct vmha_plan *p, size_t v, size_t h)
{
	size_t i;

	for (i = p->vg_off[v]; i < p->vg_off[v + 1]; i++) {
		if (p->gcount[p->vg[i] * p->nh + h] > 0) {
			return false;
		}
	}
	return true;
}

bool plan_fits(const struct vmha_plan *p, size_t v, size_t h)
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
bool plan_host_usable(const struct vmha_plan *p, size_t v, size_t h, bool running_vm)
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
long plan_choose(const struct vmha_plan *p, size_t v, enum strategy s, long excl, bool running_vm)
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
		if (check_host && !plan_host_usable(p, v, h, running_vm)) {
			continue;
		}
		if (groups && !plan_aa_ok(p, v, h)) {
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

int plan_assign(struct vmha_plan *p, size_t v, size_t h)
{
	size_t d;

	for (d = 0; d < p->nd; d++) {
		p->free[h * p->nd + d] -= p->dem[v * p->nd + d];
	}
	p->target[v] = (long)h;
	p->outcome[v] = VMHA_PLAN_RESTART;
	return plan_gcount_add(p, v, h, 1);
}

int plan_unassign(struct vmha_plan *p, size_t v)
{
	size_t h = (size_t)p->target[v];
	size_t d;

	for (d = 0; d < p->nd; d++) {
		p->free[h * p->nd + d] += p->dem[v * p->nd + d];
	}
	p->target[v] = -1;
	p->outcome[v] = VMHA_PLAN_STRANDED;
	return plan_gcount_add(p, v, h, -1);
}

/* Move a running VM's footprint (live migration or its trial). */
int plan_shift(struct vmha_plan *p, size_t v, size_t from, size_t to)
{
	size_t d;
	int rc = 0;

	for (d = 0; d < p->nd; d++) {
		p->free[from * p->nd + d] += p->dem[v * p->nd + d];
		p->free[to * p->nd + d] -= p->dem[v * p->nd + d];
	}
	rc = plan_gcount_add(p, v, from, -1);
	if (rc == 0) {
		rc = plan_gcount_add(p, v, to, 1);
	}
	return rc;
}

void plan_reset_state(struct vmha_plan *p)
{
	size_t i;

	plan_gcount_undo(p);
	memcpy(p->free, p->base_free, p->nh * p->nd * sizeof(*p->free));
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		p->target[v] = -1;
		if (p->outcome[v] != VMHA_PLAN_NOT_RESTARTED) {
			p->outcome[v] = VMHA_PLAN_STRANDED;
		}
	}
}

static int run_strategy(struct vmha_plan *p, enum strategy s)
{
	size_t i;
	int rc = 0;

	plan_reset_state(p);
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];
		long h;

		if (p->outcome[v] == VMHA_PLAN_NOT_RESTARTED) {
			continue;
		}
		h = plan_choose(p, v, s, -1, p->extra[v] != 0);
		if (h >= 0) {
			rc = plan_assign(p, v, (size_t)h);
			if (rc < 0) {
				goto out;
			}
		}
	}
out:
	return rc;
}

/* Make room for stranded v by moving one restarted VM u elsewhere. */
static void clear_run(struct vmha_plan *p)
{
	size_t i;

	plan_gcount_undo(p);
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
	p->budget_hit = false;
}

/*
 * Tight packings (everything may fit, VMs stranded after the searches
 * above): the survivors filled one at a time and the local search from
 * there, kept only when that restarts more than the plan so far (so never
 * less than before); then the ejection search from the better one, the
 * repacking search and bin completion (complete.h). Not with
 * VMHA_PLAN_QUICK.
 */
static int tight_search(struct vmha_plan *p)
{
	bool hit = p->budget_hit;
	long *keep = NULL;
	size_t *keep_levels = NULL;
	size_t nk;
	size_t n;
	size_t i;
	int rc = 0;

	keep = plan_xcalloc(p->ndisp, sizeof(*keep), &rc);
	keep_levels = plan_xcalloc(p->ndisp, sizeof(*keep_levels), &rc);
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < p->ndisp; i++) {
		keep[i] = p->target[p->disp[i]];
	}
	nk = plan_stranded_levels(p, keep_levels);
	rc = plan_fill(p);
	if (rc == 0 && plan_stranded_levels(p, p->cand_levels) > 0 && plan_all_may_fit(p)) {
		rc = plan_local_search(p, LOCAL_SEARCH_BUDGET);
	}
	if (rc < 0) {
		goto out;
	}
	n = plan_stranded_levels(p, p->cand_levels);
	if (plan_compare_levels(p->cand_levels, n, keep_levels, nk) <= 0) {
		plan_reset_state(p);
		for (i = 0; i < p->ndisp && rc == 0; i++) {
			if (keep[i] >= 0) {
				rc = plan_assign(p, p->disp[i], (size_t)keep[i]);
			}
		}
	}
	if (rc == 0 && plan_stranded_levels(p, p->cand_levels) > 0) {
		rc = plan_eject_search(p, EJECT_BUDGET);
	}
	/* from the plan so far, and only restarting more: never fewer than without it */
	if (rc == 0 && plan_stranded_levels(p, p->cand_levels) > 0) {
		rc = plan_repack_search(p, REPACK_BUDGET);
	}
	/* and again from the plan so far (fewer hosts with room), then with varied restarts */
	if (rc == 0 && !(p->flags & VMHA_PLAN_NO_COMPLETE) &&
	    plan_stranded_levels(p, p->cand_levels) > 0) {
		rc = vmha_complete_search(p, COMPLETE_BUDGET);
		if (rc == 0 && plan_stranded_levels(p, p->cand_levels) > 0) {
			rc = vmha_complete_search_varied(p, COMPLETE_VARIED_BUDGET);
		}
		rc = rc < 0 ? rc : 0;
	}
	p->budget_hit = p->budget_hit || hit;
out:
	free(keep);
	free(keep_levels);
	return rc;
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
	qsort_r(p->disp, p->ndisp, sizeof(*p->disp), plan_cmp_rank, p->rank);
	for (i = 0; i < p->ndisp; i++) {
		if (!p->restarts[p->disp[i]]) {
			p->outcome[p->disp[i]] = VMHA_PLAN_NOT_RESTARTED;
		}
	}
	rc = run_strategy(p, (flags & VMHA_PLAN_FIRST_FIT) ? FIRST_FIT : BEST_FIT);
	if (rc < 0) {
		goto out;
	}
	p->nstranded = plan_stranded_levels(p, p->strand_levels);
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
			n = plan_stranded_levels(p, p->cand_levels);
			if (plan_compare_levels(p->cand_levels, n, p->strand_levels, best_n) > 0) {
				best = (int)k;
				best_n = n;
				memcpy(p->strand_levels, p->cand_levels,
				       n * sizeof(*p->cand_levels));
				for (i = 0; i < p->ndisp; i++) {
					p->saved[i] = p->target[p->disp[i]];
				}
			}
		}
		plan_reset_state(p);
		for (i = 0; i < p->ndisp; i++) {
			if (p->saved[i] >= 0) {
				rc = plan_assign(p, p->disp[i], (size_t)p->saved[i]);
				if (rc < 0) {
					goto out;
				}
			}
		}
		(void)best;
		p->budget = IMPROVE_BUDGET;
		rc = plan_repair(p);
		if (rc < 0) {
			goto out;
		}
		/* bin completion first: when it places every VM, nothing below runs */
		if (!(flags & (VMHA_PLAN_NO_SEARCH | VMHA_PLAN_QUICK | VMHA_PLAN_NO_COMPLETE)) &&
		    plan_stranded_levels(p, p->cand_levels) > 0 && plan_all_may_fit(p)) {
			rc = vmha_complete_search(p, COMPLETE_BUDGET);
			rc = rc < 0 ? rc : 0;
		}
		if (!(flags & VMHA_PLAN_NO_SEARCH) && plan_stranded_levels(p, p->cand_levels) > 0) {
			for (i = 0; i < p->ndisp; i++) {
				p->saved[i] = p->target[p->disp[i]];
			}
			rc = plan_search(p);
			if (rc < 0) {
				goto out;
			}
			p->budget_hit = p->budget == 0;
		}
		/* the exact search ended early (too large) and everything may still fit */
		if (p->budget_hit && plan_stranded_levels(p, p->cand_levels) > 0 &&
		    plan_all_may_fit(p)) {
			rc = plan_local_search(p, (flags & VMHA_PLAN_QUICK)
			                                  ? LOCAL_SEARCH_BUDGET_QUICK
			                                  : LOCAL_SEARCH_BUDGET);
			if (rc < 0) {
				goto out;
			}
		}
		/* not in admission's inner loop (QUICK): thousands of failure sets */
		if (!(flags & (VMHA_PLAN_NO_SEARCH | VMHA_PLAN_QUICK)) &&
		    plan_stranded_levels(p, p->cand_levels) > 0 && plan_all_may_fit(p)) {
			rc = tight_search(p);
			if (rc < 0) {
				goto out;
			}
		}
	}
	if (flags & VMHA_PLAN_REBALANCE) {
		rc = plan_rebalance(p);
		if (rc < 0) {
			goto out;
		}
	}
	p->nstranded = plan_stranded_levels(p, p->strand_levels);
	p->budget_hit = p->budget_hit && p->nstranded > 0;
	k = 0;
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			p->order[v] = ++k;
		} else if (!(flags & VMHA_PLAN_NO_REASONS)) {
			p->reason[v] = p->outcome[v] == VMHA_PLAN_NOT_RESTARTED
			                       ? strdup("restart policy never")
			                       : plan_explain(p, v);
			if (p->reason[v] == NULL) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
out:
	return rc;
}
