/*
 * Bin completion's sub-problems (see complete.c): per restart the hosts
 * (with room, then more and more full ones: where a stranded VM would fit
 * once the displaced VMs there are taken off, and hosts without an
 * anti-affinity group that has more VMs than hosts without it), the VMs
 * taken off, their order; and the plan put back when a restart fails.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "complete_int.h"
#include "plan_int.h"
#include "sums.h"

static int64_t gcd(int64_t a, int64_t b)
{
	while (b > 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}
/* The hosts in restart @p r's order: least room first, most room first, or at random. */
static void order_hosts(struct cs *c, uint64_t r)
{
	size_t i;

	/* varied: every other restart forced items first, the hosts at random after the first */
	c->forced = c->varied && r % 2 == 1;
	r = c->varied && r > 0 ? 2 : r;
	qsort_r(c->hosts, c->k, sizeof(*c->hosts), plan_cmp_key_asc, c->room);
	if (r % 3 == 1) {
		for (i = 0; i < c->k / 2; i++) {
			size_t x = c->hosts[i];

			c->hosts[i] = c->hosts[c->k - 1 - i];
			c->hosts[c->k - 1 - i] = x;
		}
	}
	for (i = c->k; r % 3 == 2 && i > 1; i--) {
		size_t j = (size_t)plan_rand(&c->rng, i);
		size_t x = c->hosts[i - 1];

		c->hosts[i - 1] = c->hosts[j];
		c->hosts[j] = x;
	}
}

void complete_cs_free(struct cs *c)
{
	free(c->items);
	free(c->from);
	free(c->hosts);
	free(c->stk);
	free(c->gstk);
	vmha_sums_free(c->sums);
	free(c->sx);
	free(c->sy);
	free(c->sstk);
	free(c->closed);
	free(c->open);
	free(c->usable);
	free(c->pos);
	free(c->w);
	free(c->wmax);
	free(c->room);
	free(c->inset);
	free(c->cand);
	free(c->slack);
	free(c->gtaken);
	free(c->gain);
}

int complete_cs_init(struct cs *c, struct vmha_plan *p)
{
	int64_t maxcap[VMHA_MODEL_MAX_DIMS] = {0};
	size_t i;
	size_t d;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->rng = 0x9e3779b97f4a7c15ULL;
	c->items = plan_xcalloc(p->ndisp, sizeof(*c->items), &rc);
	c->from = plan_xcalloc(p->ndisp, sizeof(*c->from), &rc);
	c->open = plan_xcalloc(p->ndisp, sizeof(*c->open), &rc);
	c->hosts = plan_xcalloc(p->nlive, sizeof(*c->hosts), &rc);
	c->pos = plan_xcalloc(p->nh, sizeof(*c->pos), &rc);
	c->w = plan_xcalloc(p->nv, sizeof(*c->w), &rc);
	c->wmax = plan_xcalloc(p->nv, sizeof(*c->wmax), &rc);
	c->room = plan_xcalloc(p->nh, sizeof(*c->room), &rc);
	c->inset = plan_xcalloc(p->nh, 1, &rc);
	c->cand = plan_xcalloc(p->nh, 1, &rc);
	c->slack = plan_xcalloc(p->ng, sizeof(*c->slack), &rc);
	c->gtaken = plan_xcalloc(p->ng * p->nh, sizeof(*c->gtaken), &rc);
	c->gain = plan_xcalloc(p->nh * p->nd, sizeof(*c->gain), &rc);
	c->stk = plan_xcalloc((p->nlive + 1) * (p->ndisp + 1), sizeof(*c->stk), &rc);
	c->gstk = plan_xcalloc((p->nlive + 2) * 2 * p->ng, sizeof(*c->gstk), &rc);
	c->sstk = plan_xcalloc((p->nlive + 1) * (p->ndisp + 1) * p->nd, sizeof(*c->sstk), &rc);
	c->closed = plan_xcalloc(p->nh, 1, &rc);
	c->sx = plan_xcalloc(p->ndisp, sizeof(*c->sx), &rc);
	c->sy = plan_xcalloc(p->ndisp, sizeof(*c->sy), &rc);
	c->sums = vmha_sums_new(COMPLETE_SUM_WORDS, p->nlive + 1);
	if (c->sums == NULL) {
		rc = -ENOMEM;
	}
	c->usable = plan_xcalloc(p->ndisp * p->nlive + 1, 1, &rc);
	if (rc < 0) {
		goto out;
	}
	for (i = 0; i < p->nlive; i++) {
		for (d = 0; d < p->nd; d++) {
			int64_t x = p->cap[p->live[i] * p->nd + d];

			maxcap[d] = x > maxcap[d] ? x : maxcap[d];
		}
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		for (d = 0; d < p->nd; d++) {
			double x = maxcap[d] > 0 ? (double)p->dem[v * p->nd + d] / (double)maxcap[d]
			                         : 0.0;

			c->w[v] += x;
			c->wmax[v] = x > c->wmax[v] ? x : c->wmax[v];
		}
	}
out:
	return rc;
}

/*
 * Restart @p r's @p extra full hosts (of @p nfull): at random among those
 * where a stranded VM (each in turn) would fit once the displaced VMs
 * restarted there are taken off, then at random among the others.
 */
static void pick_extra(struct cs *c, uint64_t r, size_t extra, size_t nfull)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	size_t ns = 0;
	size_t s = SIZE_MAX;
	size_t nc = 0;
	size_t i;
	size_t d;

	for (i = 0; i < p->nlive; i++) {
		for (d = 0; d < nd; d++) {
			c->gain[p->live[i] * nd + d] = p->free[p->live[i] * nd + d];
		}
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			for (d = 0; d < nd; d++) {
				c->gain[(size_t)p->target[v] * nd + d] += p->dem[v * nd + d];
			}
		} else if (p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v)) {
			ns++;
		}
	}
	/* the stranded VM to make room for: each in turn, the highest priority first */
	ns = ns > 0 ? (size_t)((r - 1) % ns) + 1 : 0;
	for (i = 0; i < p->ndisp && ns > 0; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v) && --ns == 0) {
			s = v;
		}
	}
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		c->cand[h] = 0;
		if (c->inset[h] || !plan_host_sane(p, h) || s == SIZE_MAX ||
		    !plan_host_usable(p, s, h, p->extra[s] != 0)) {
			continue;
		}
		for (d = 0; d < nd && c->gain[h * nd + d] >= p->dem[s * nd + d]; d++) {
		}
		c->cand[h] = d == nd;
		nc += c->cand[h];
	}
	for (; extra > 0 && nfull > 0; extra--) {
		/* the nth host, n at random, among the candidates while there are */
		size_t nth = (size_t)plan_rand(&c->rng, nc > 0 ? nc : nfull);

		for (i = 0; i < p->nlive; i++) {
			size_t h = p->live[i];

			if (c->inset[h] || !plan_host_sane(p, h) || (nc > 0 && !c->cand[h]) ||
			    nth-- > 0) {
				continue;
			}
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
			nfull--;
			nc -= nc > 0 ? 1 : 0;
			break;
		}
	}
}

/*
 * Anti-affinity: a group with more VMs in the sub-problem than its hosts
 * without the group (no VM of it there once the sub-problem's are taken
 * off) gets full hosts without it added, as many as it lacks (else the
 * sub-problem is hopeless). @return how many hosts were added (of the
 * @p nfull full hosts not in yet)
 */
static size_t group_hosts(struct cs *c, size_t nfull)
{
	struct vmha_plan *p = c->p;
	size_t added = 0;
	size_t i;
	size_t j;
	size_t g;

	if (p->ng == 0) {
		return 0;
	}
	/* per group: its VMs in the sub-problem, less the hosts in without it */
	for (g = 0; g < p->ng; g++) {
		c->slack[g] = 0;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];
		bool in = p->outcome[v] == VMHA_PLAN_RESTART
		                  ? c->inset[p->target[v]] != 0
		                  : p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v);

		for (j = p->vg_off[v]; in && j < p->vg_off[v + 1]; j++) {
			c->slack[p->vg[j]]++;
			if (p->outcome[v] == VMHA_PLAN_RESTART) {
				c->gtaken[p->vg[j] * p->nh + (size_t)p->target[v]]++;
			}
		}
	}
	for (g = 0; g < p->ng; g++) {
		for (i = 0; i < c->k; i++) {
			size_t h = c->hosts[i];

			c->slack[g] -= p->gcount[g * p->nh + h] == c->gtaken[g * p->nh + h] ? 1 : 0;
		}
	}
	for (g = 0; g < p->ng; g++) {
		for (i = 0; i < p->nlive && c->slack[g] > 0 && added < nfull; i++) {
			size_t h = p->live[i];

			if (c->inset[h] || !plan_host_sane(p, h) || p->gcount[g * p->nh + h] != 0) {
				continue;
			}
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
			c->slack[g]--;
			added++;
		}
	}
	/* back to zero for the next restart */
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		for (j = p->vg_off[v]; p->outcome[v] == VMHA_PLAN_RESTART && j < p->vg_off[v + 1];
		     j++) {
			c->gtaken[p->vg[j] * p->nh + (size_t)p->target[v]] = 0;
		}
	}
	complete_step(c, 2 * p->ndisp + p->ng * (c->k + p->nlive));
	return added;
}

/*
 * Restart @p r's sub-problem: the hosts with room and (after the first
 * restart) a few full ones at random; the stranded VMs that may fit and
 * the VMs restarted on those hosts, taken off. @return 0 or -ENOMEM
 */
int complete_setup(struct cs *c, uint64_t r)
{
	struct vmha_plan *p = c->p;
	size_t extra = r == 0 ? 0 : (size_t)1 << (r < 40 ? r + 1 : 41) / 2;
	size_t nfull = 0;
	size_t i;
	size_t j;
	size_t d;
	size_t g;

	for (i = 0; i < c->k; i++) {
		c->inset[c->hosts[i]] = 0;
	}
	c->k = 0;
	c->n = 0;
	c->placed = 0;
	c->hopeless = false;
	for (i = 0; i < p->nlive; i++) {
		size_t h = p->live[i];

		if (!plan_host_sane(p, h)) {
			continue;
		}
		if (plan_room(p, h) > 0) {
			c->inset[h] = 1;
			c->hosts[c->k++] = h;
		} else {
			nfull++;
		}
	}
	if (extra > 0) {
		pick_extra(c, r, extra, nfull);
	}
	c->whole = extra >= nfull;
	if (!c->whole) {
		nfull -= extra;
		c->whole = group_hosts(c, nfull) >= nfull;
	}
	for (i = 0; i < p->ndisp; i++) {
		size_t v = p->disp[i];

		if (p->outcome[v] == VMHA_PLAN_RESTART
		            ? c->inset[p->target[v]] != 0
		            : p->outcome[v] == VMHA_PLAN_STRANDED && plan_vm_may_fit(p, v)) {
			c->items[c->n++] = v;
		}
	}
	qsort_r(c->items, c->n, sizeof(*c->items), plan_cmp_key_desc, c->w);
	for (i = 0; i < c->n; i++) {
		size_t v = c->items[i];

		c->from[i] = p->outcome[v] == VMHA_PLAN_RESTART ? p->target[v] : -1;
		if (c->from[i] >= 0 && plan_unassign(p, v) < 0) {
			return -ENOMEM;
		}
	}
	for (d = 0; d < p->nd; d++) {
		c->waste[d] = 0;
		c->unit[d] = 0;
		for (i = 0; i < c->k; i++) {
			c->waste[d] += p->free[c->hosts[i] * p->nd + d];
			c->unit[d] = gcd(c->unit[d], p->free[c->hosts[i] * p->nd + d]);
		}
		for (i = 0; i < c->n; i++) {
			c->waste[d] -= p->dem[c->items[i] * p->nd + d];
			c->unit[d] = gcd(c->unit[d], p->dem[c->items[i] * p->nd + d]);
		}
		c->unit[d] = c->unit[d] > 0 ? c->unit[d] : 1;
	}
	for (j = 0; j < c->k; j++) {
		size_t h = c->hosts[j];

		c->room[h] = plan_room(p, h);
		c->pos[h] = j;
		for (i = 0; i < c->n; i++) {
			c->usable[i * c->k + j] =
			        plan_host_usable(p, c->items[i], h, p->extra[c->items[i]] != 0);
		}
	}
	for (i = 0; i < c->n; i++) {
		c->open[i] = 0;
		for (j = 0; j < c->k; j++) {
			c->open[i] += c->usable[i * c->k + j];
		}
	}
	for (g = 0; g < p->ng; g++) {
		c->slack[g] = 0;
		for (j = 0; j < c->k; j++) {
			c->slack[g] += p->gcount[g * p->nh + c->hosts[j]] == 0 ? 1 : 0;
		}
	}
	for (i = 0; i < c->n; i++) {
		for (j = p->vg_off[c->items[i]]; j < p->vg_off[c->items[i] + 1]; j++) {
			c->slack[p->vg[j]]--;
		}
	}
	for (g = 0; g < p->ng; g++) {
		c->hopeless = c->hopeless || c->slack[g] < 0;
	}
	complete_step(c, c->n * (c->k + 1) + p->ng * c->k);
	order_hosts(c, r);
	return 0;
}

/* Everything of this restart back where it was. */
int complete_restore(struct cs *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->p->outcome[c->items[i]] == VMHA_PLAN_RESTART &&
		    plan_unassign(c->p, c->items[i]) < 0) {
			return -ENOMEM;
		}
	}
	for (i = 0; i < c->n; i++) {
		if (c->from[i] >= 0 && plan_assign(c->p, c->items[i], (size_t)c->from[i]) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}
