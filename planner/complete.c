/*
 * Bin completion over the survivors (see complete.h), after Korf's bin
 * completion for bin packing, made aware of several dimensions,
 * anti-affinity and allowed hosts. Each restart takes a sub-problem: the
 * survivors with room and, from the second restart on, more and more full
 * ones (twice as many every other restart, first those where a stranded
 * VM would fit once the displaced VMs there are taken off, each stranded
 * VM in turn, and hosts without an anti-affinity group that has more VMs
 * than hosts without it: complete_setup.c), until every survivor is in;
 * every displaced VM restarted
 * on those hosts and every stranded VM that fits some survivor is taken
 * off and placed back: the largest VM not placed goes to an open host
 * (least room first; the order changes with the restart), and that host
 * is completed with a set of the VMs left (largest first, a VM the same
 * as one that just failed there skipped) until its free room is no more
 * than the room that will be left over once everything is placed (none on
 * a perfect packing: every host filled exactly). What bounds the search:
 * the sums the candidates can still make in the two dimensions with the
 * fewest units (sums.h), so that only sets that fill the host enough in
 * both are tried; a VM allowed only on hosts already completed, or an
 * anti-affinity group with more VMs left than open hosts without it, ends
 * the branch at once, and so does a host's completion that lacks a VM of
 * a group it must take one of (as many open hosts without the group as
 * its VMs left) among the candidates left, and a completion that leaves
 * out a VM whose last open host it is; a host is given up after a few completions that fail
 * further on, or after a fixed number of steps looking for them. Either
 * every VM of the sub-problem is placed, or the plan goes back to what it
 * was. Varied restarts (vmha_complete_search_varied(), last of the tight
 * searches): the hosts at random after the first restart, and every other
 * restart a VM with a single open host left placed first. Deterministic: the budget counts steps (VMs looked at, words of
 * sums built), not time.
 */
#include "config.h"

#include "complete.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "complete_int.h"
#include "plan_int.h"
#include "sums.h"

/*
 * The candidates of one host's completion (largest first), their demand
 * from each on, and whether the top of the sums stack holds the sums they
 * make in dimensions d1 and d2.
 */
struct list {
	const size_t *cand;
	const int64_t *suf;
	size_t m;
	const size_t *glast; /* per group: 1 + the last candidate of it, 0 none */
	const size_t *req;   /* the groups h must take a VM of (as many open hosts as VMs) */
	size_t nreq;
	size_t d1;
	size_t d2;
	bool sums;
};

/* The completions tried at one node, and the steps left for looking for them. */
struct tries {
	unsigned int n;
	uint64_t steps;
};

static bool usable_at(const struct cs *c, size_t i, size_t h)
{
	return c->usable[i * c->k + c->pos[h]] != 0;
}

static int place(struct cs *c, size_t i, size_t h)
{
	c->placed++;
	return plan_assign(c->p, c->items[i], h);
}

static int take_back(struct cs *c, size_t i)
{
	c->placed--;
	return plan_unassign(c->p, c->items[i]);
}

/*
 * Host h is filled (or, @p undo, open again): every item not placed that
 * may go there loses (gets back) one open host. @return false when some
 * item has none left (then the counts are back as they were)
 */
static bool close_host(struct cs *c, size_t h, bool undo)
{
	struct vmha_plan *p = c->p;
	size_t i;
	size_t g;
	bool ok = true;

	complete_step(c, c->n + p->ng);
	c->closed[h] = undo ? 0 : 1;
	for (i = 0; i < c->n; i++) {
		if (p->outcome[c->items[i]] == VMHA_PLAN_RESTART || !usable_at(c, i, h)) {
			continue;
		}
		if (undo) {
			c->open[i]++;
		} else if (--c->open[i] == 0) {
			ok = false;
		}
	}
	/* a group's VMs not placed need as many open hosts without it */
	for (g = 0; g < p->ng; g++) {
		if (p->gcount[g * p->nh + h] == 0) {
			c->slack[g] += undo ? 1 : -1;
			ok = ok && c->slack[g] >= 0;
		}
	}
	if (!ok && !undo) {
		close_host(c, h, true);
	}
	return ok;
}

/* Host h is full enough: what it keeps free is lost, and the next largest item. */
static bool next_item(struct cs *c, size_t h, struct tries *t)
{
	const size_t nd = c->p->nd;
	const int64_t *f = c->p->free + h * nd;
	int64_t keep[VMHA_MODEL_MAX_DIMS];
	bool ok = false;
	size_t d;

	for (d = 0; d < nd; d++) {
		if (f[d] > c->waste[d]) {
			return false;
		}
	}
	if (!close_host(c, h, false)) {
		return false;
	}
	t->n++; /* a completion that fails further on */
	for (d = 0; d < nd; d++) {
		keep[d] = c->waste[d];
		c->waste[d] -= f[d];
	}
	ok = complete_solve(c);
	for (d = 0; d < nd; d++) {
		c->waste[d] = keep[d];
	}
	if (!ok) {
		close_host(c, h, true);
	}
	return ok;
}

/* Can the candidates from @p from on make a sum in d1 and d2 that fills h enough? */
static bool reachable(const struct cs *c, size_t h, const struct list *l, size_t from)
{
	const int64_t *f = c->p->free + h * c->p->nd;
	int64_t u1;
	int64_t u2;

	if (!l->sums) {
		return true;
	}
	u1 = c->unit[l->d1];
	u2 = c->unit[l->d2];
	return vmha_sums_reachable(c->sums, from, (f[l->d1] - c->waste[l->d1]) / u1, f[l->d1] / u1,
	                           (f[l->d2] - c->waste[l->d2]) / u2, f[l->d2] / u2);
}

/*
 * Host h takes candidates from @p from on until its free room is no more
 * than may be lost; @p t counts the completions tried.
 */
static bool complete(struct cs *c, size_t h, const struct list *l, size_t from, struct tries *t)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	const int64_t *f = p->free + h * nd;
	size_t last = SIZE_MAX;
	size_t x;
	size_t d;

	for (d = 0; d < nd && f[d] <= c->waste[d]; d++) {
	}
	if (d == nd) {
		if (next_item(c, h, t)) {
			return true;
		}
	}
	complete_step(c, 1 + l->nreq);
	if (!reachable(c, h, l, from)) {
		return false; /* no sum of the candidates left fills h enough in dimension dd */
	}
	for (x = 0; x < l->nreq; x++) {
		if (p->gcount[l->req[x] * p->nh + h] == 0 && l->glast[l->req[x]] <= from) {
			return false; /* a group h must take is not among the candidates left */
		}
	}
	for (x = from;
	     x < l->m && c->steps > 0 && t->steps > 0 && t->n < COMPLETE_BRANCH && !c->oom; x++) {
		size_t i = l->cand[x];
		size_t v = c->items[i];
		/* h is its last open host: every set without it fails */
		const bool must = c->open[i] <= 1;

		complete_step(c, 1);
		t->steps--;
		if (p->outcome[v] == VMHA_PLAN_RESTART) {
			continue;
		}
		for (d = 0; d < nd && l->suf[x * nd + d] >= f[d] - c->waste[d]; d++) {
		}
		if (d < nd || !reachable(c, h, l, x)) {
			break; /* the candidates left cannot fill h enough */
		}
		if (last != SIZE_MAX && plan_same_kind(p, last, v)) {
			/* the same as one that failed here: fails the same way */
			if (must) {
				break;
			}
			continue;
		}
		if (!plan_fits(p, v, h) || !plan_aa_ok(p, v, h)) {
			if (must) {
				break;
			}
			continue;
		}
		if (place(c, i, h) < 0) {
			c->oom = true;
			break;
		}
		if (complete(c, h, l, x + 1, t)) {
			return true;
		}
		if (take_back(c, i) < 0) {
			c->oom = true;
		}
		if (must) {
			break;
		}
		last = v;
	}
	return false;
}

/*
 * The sums the candidates of @p l make in the two dimensions where h's
 * free room is the fewest units pushed on the sums stack, when they fit
 * (l->sums says).
 */
static void push_sums(struct cs *c, size_t h, struct list *l)
{
	const struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	size_t units[VMHA_MODEL_MAX_DIMS];
	size_t i;
	size_t d;

	l->sums = false;
	l->d1 = 0;
	l->d2 = 0;
	if (nd < 2) {
		return;
	}
	l->d1 = 0;
	l->d2 = 1;
	for (d = 0; d < nd; d++) {
		units[d] = (size_t)(p->free[h * nd + d] / c->unit[d]) + 1;
	}
	for (d = 2; d < nd; d++) {
		/* the two dimensions with the fewest units */
		if (units[d] < units[l->d1] && units[l->d1] >= units[l->d2]) {
			l->d1 = d;
		} else if (units[d] < units[l->d2]) {
			l->d2 = d;
		}
	}
	if (units[l->d1] > COMPLETE_SUM_UNITS || units[l->d2] > COMPLETE_SUM_UNITS) {
		return;
	}
	for (i = 0; i < l->m; i++) {
		size_t v = c->items[l->cand[i]];

		c->sx[i] = (uint32_t)(p->dem[v * nd + l->d1] / c->unit[l->d1]);
		c->sy[i] = (uint32_t)(p->dem[v * nd + l->d2] / c->unit[l->d2]);
	}
	complete_step(c, l->m);
	if (vmha_sums_push(c->sums, c->sx, c->sy, l->m, units[l->d1], units[l->d2]) == 0) {
		l->sums = true;
		complete_step(c, vmha_sums_top_words(c->sums) / 16);
	}
}

/*
 * Varied restarts: the item with the fewest open hosts left when that is
 * at most COMPLETE_FORCED (the largest of those), else @p largest, the
 * largest not placed.
 */
static size_t forced_item(struct cs *c, size_t largest)
{
	const struct vmha_plan *p = c->p;
	size_t best = SIZE_MAX;
	size_t i;

	complete_step(c, c->n);
	for (i = largest; i < c->n; i++) {
		if (p->outcome[c->items[i]] != VMHA_PLAN_RESTART && c->open[i] <= COMPLETE_FORCED &&
		    (best == SIZE_MAX || c->open[i] < c->open[best])) {
			best = i;
		}
	}
	return best != SIZE_MAX ? best : largest;
}

/*
 * The anti-affinity groups h must take a VM of (no VM of it on h, as many
 * open hosts without it as VMs of it not placed: h closed without one, the
 * branch ends) and, per group, 1 + the last of @p l's candidates in it.
 */
static void required_groups(struct cs *c, size_t h, struct list *l)
{
	const struct vmha_plan *p = c->p;
	size_t *glast = c->gstk + c->gsp;
	size_t *req = glast + p->ng;
	size_t g;
	size_t x;
	size_t j;

	l->glast = glast;
	l->req = req;
	l->nreq = 0;
	for (g = 0; g < p->ng; g++) {
		glast[g] = 0;
		if (c->slack[g] == 0 && p->gcount[g * p->nh + h] == 0) {
			req[l->nreq++] = g;
		}
	}
	for (x = 0; l->nreq > 0 && x < l->m; x++) {
		size_t v = c->items[l->cand[x]];

		for (j = p->vg_off[v]; j < p->vg_off[v + 1]; j++) {
			glast[p->vg[j]] = x + 1;
		}
	}
	complete_step(c, p->ng + (l->nreq > 0 ? l->m : 0));
}

/*
 * The largest item not placed goes to an open host (the least room
 * first), which is then completed. @return whether every item is placed
 */
bool complete_solve(struct cs *c)
{
	struct vmha_plan *p = c->p;
	const size_t nd = p->nd;
	struct tries t = {0, 0};
	size_t first;
	size_t j;

	if (c->placed == c->n) {
		return true; /* the open hosts keep their room: less than may be lost */
	}
	for (first = 0; first < c->n && p->outcome[c->items[first]] == VMHA_PLAN_RESTART; first++) {
	}
	complete_step(c, first + 1);
	if (c->forced) {
		first = forced_item(c, first);
	}
	for (j = 0; j < c->k && c->steps > 0 && t.n < COMPLETE_BRANCH && !c->oom; j++) {
		size_t h = c->hosts[j];
		size_t *cand = c->stk + c->sp;
		struct list l;
		int64_t *suf;
		size_t m = 0;
		size_t i;
		size_t d;
		bool ok;

		complete_step(c, 1);
		if (c->closed[h] || !usable_at(c, first, h) || !plan_fits(p, c->items[first], h) ||
		    !plan_aa_ok(p, c->items[first], h)) {
			continue;
		}
		if (place(c, first, h) < 0) {
			c->oom = true;
			break;
		}
		/* the candidates to complete h with, and their demand from each on */
		complete_step(c, c->n - first);
		for (i = c->forced ? 0 : first + 1; i < c->n; i++) {
			if (i != first && p->outcome[c->items[i]] != VMHA_PLAN_RESTART &&
			    usable_at(c, i, h) && plan_fits(p, c->items[i], h)) {
				cand[m++] = i;
			}
		}
		suf = c->sstk + c->sp * nd;
		for (d = 0; d < nd; d++) {
			suf[m * nd + d] = 0;
		}
		for (i = m; i-- > 0;) {
			for (d = 0; d < nd; d++) {
				suf[i * nd + d] =
				        suf[(i + 1) * nd + d] + p->dem[c->items[cand[i]] * nd + d];
			}
		}
		l.cand = cand;
		l.suf = suf;
		l.m = m;
		required_groups(c, h, &l);
		push_sums(c, h, &l);
		c->sp += m + 1;
		c->gsp += 2 * p->ng;
		t.steps = COMPLETE_HOST_STEPS;
		ok = complete(c, h, &l, 0, &t);
		c->gsp -= 2 * p->ng;
		c->sp -= m + 1;
		if (l.sums) {
			vmha_sums_pop(c->sums);
		}
		if (ok) {
			return true;
		}
		if (take_back(c, first) < 0) {
			c->oom = true;
		}
	}
	return false;
}

static int search(struct vmha_plan *p, uint64_t budget, bool varied)
{
	struct cs c;
	uint64_t r;
	size_t d;
	bool done = false;
	int rc = 0;

	rc = complete_cs_init(&c, p);
	c.varied = varied;
	for (r = 0; rc == 0 && budget > 0 && !done; r++) {
		uint64_t given = budget < COMPLETE_RESTART_STEPS ? budget : COMPLETE_RESTART_STEPS;

		c.steps = given;
		rc = complete_setup(&c, r);
		if (rc < 0 || c.n == 0) {
			break;
		}
		for (d = 0; d < p->nd && c.waste[d] >= 0; d++) {
		}
		if ((d < p->nd || c.hopeless) && c.whole) {
			rc = complete_restore(&c);
			break; /* no more hosts to add: nothing to gain */
		}
		done = d == p->nd && !c.hopeless && complete_solve(&c);
		budget -= given - c.steps;
		if (c.oom) {
			rc = -ENOMEM;
		} else if (!done) {
			rc = complete_restore(&c);
		}
	}
	if (rc == 0 && !done) {
		p->budget_hit = p->budget_hit || budget == 0;
	}
	complete_cs_free(&c);
	return rc < 0 ? rc : done;
}

int vmha_complete_search(struct vmha_plan *p, uint64_t budget)
{
	return search(p, budget, false);
}

int vmha_complete_search_varied(struct vmha_plan *p, uint64_t budget)
{
	return search(p, budget, true);
}
